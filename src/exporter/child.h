/* One probe's test: weir itself run as a client (posix_spawn, no shell),
 * its standard error (its "weir: error - ..." line) read through a pipe,
 * its standard output discarded (the metrics go to a file, probe.c),
 * killed at a deadline or when the exporter stops. */
#ifndef WEIR_EXPORTER_CHILD_H
#define WEIR_EXPORTER_CHILD_H

#include <stddef.h>

struct child_result {
    int exit_status;            /* exited: its status; else -1 */
    int signal;                 /* killed by this signal (0: not) */
    int timed_out;              /* killed at the deadline */
    int stopped;                /* killed because the exporter stops */
    char error[512];            /* the last "error - " line of its standard
                                   error, without the program name; else
                                   its last line */
};

/* Runs argv (argv[0] the program's path) for at most limit seconds.
 * stop_fd becomes readable when the exporter stops. Returns 0 with r
 * filled, or -1 when it could not start (why says so). */
int child_run(char *const argv[], double limit, int stop_fd, struct child_result *r,
              char *why, size_t whylen);

/* Children running now. */
int child_running(void);

#endif
