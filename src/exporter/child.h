/* One probe's test: weir itself run as a client (posix_spawn, no shell),
 * its standard output (the OpenMetrics text) and its standard error (its
 * "weir: error - ..." line) read through pipes; killed at a deadline,
 * when the exporter stops, or when the HTTP client that asked for it has
 * gone (Prometheus gave up at its scrape timeout). */
#ifndef WEIR_EXPORTER_CHILD_H
#define WEIR_EXPORTER_CHILD_H

#include <stddef.h>

#define CHILD_OUT_MAX (8u << 20)    /* standard output kept; more: out_too_large */

struct child_limits {
    double seconds;             /* killed after this long */
    int stop_fd;                /* readable once the exporter stops */
    int client_fd;              /* the HTTP client's socket: killed once the
                                   client has closed it; -1: none */
};

struct child_result {
    int exit_status;            /* exited: its status; else -1 */
    int signal;                 /* killed by this signal (0: not) */
    int timed_out;              /* killed at the deadline */
    int stopped;                /* killed because the exporter stops */
    int abandoned;              /* killed because the client went away */
    char error[512];            /* the last "error - " line of its standard
                                   error, without the program name; else
                                   its last line */
    char *out;                  /* its standard output, NUL-terminated
                                   (malloc'd; NULL: out of memory) */
    size_t out_len;
    int out_too_large;          /* it wrote more than CHILD_OUT_MAX */
};

/* Runs argv (argv[0] the program's path) within lim. Returns 0 with r
 * filled (free with child_result_free), or -1 when it could not start
 * (why says so). */
int child_run(char *const argv[], const struct child_limits *lim, struct child_result *r,
              char *why, size_t whylen);
void child_result_free(struct child_result *r);

/* Children running now. */
int child_running(void);

#endif
