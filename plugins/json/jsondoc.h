/* Pieces of iperf3's -J document built from reporter snapshots with json-c
 * (docs/protocol.md §12), shared by the "json" and "json-stream" reporters. */
#ifndef WEIR_JSONDOC_H
#define WEIR_JSONDOC_H

#include <stdio.h>
#include <stdint.h>
#include <json-c/json.h>
#include <weir/weir.h>

/* What later pieces need from earlier hooks, copied because snapshot
 * pointers are valid only during a hook. */
struct jsondoc_test {
    int client;
    int have_conn;
    char *version;
    char *system_info;
    char *timestamp;
    int64_t timesecs;
    int64_t timemillisecs;
    char *host;
    uint16_t port;
    int have_start;
    int datagram;               /* end uses the UDP layout */
    char *title;
    char *extra_data;
    /* Each stream's "weir" object of its latest interval, by socket: its
     * final transport facts, repeated in end.streams[]. */
    struct jsondoc_facts {
        int socket;
        struct json_object *weir;
    } *last_facts;
    size_t n_last_facts;
};

void jsondoc_test_init(struct jsondoc_test *t, int role);
/* Frees the copies and forgets the test; the role stays. */
void jsondoc_test_reset(struct jsondoc_test *t);
void jsondoc_test_connected(struct jsondoc_test *t, const struct weir_report_connect *c);

/* Each returns a new object the caller owns (NULL only when out of memory).
 * jsondoc_start records what end needs from s; with s NULL it builds the
 * partial "start" iperf3 prints when a test fails before it starts. */
struct json_object *jsondoc_start(struct jsondoc_test *t, const struct weir_report_start *s);
/* jsondoc_interval keeps each stream's facts for jsondoc_end. */
struct json_object *jsondoc_interval(struct jsondoc_test *t, const struct weir_report_interval *iv);
struct json_object *jsondoc_end(const struct jsondoc_test *t, const struct weir_report_end *e);

/* {"transports":[row...],"note":...} of a comparison run. */
struct json_object *jsondoc_comparison(const struct weir_report_comparison *c);

/* Where a reporter's text goes: the file named by its ARG (appended to),
 * or the sink. */
struct jsondoc_out {
    struct weir_sink sink;
    FILE *file;
    char *path;                 /* the file's name, for messages */
    const struct weir_host *host;
    const char *name;           /* the reporter's, for messages */
};

/* Each returns WEIR_OK, or WEIR_E_LOGFILE (WEIR_E_NOMEM) after
 * host->set_error: what the reporter's hook returns. */
int jsondoc_out_open(struct jsondoc_out *o, const struct weir_host *host, const char *name,
                     const char *path, const struct weir_sink *sink);
/* Writes obj (NULL: it could not be made) with json-c flags, then a
 * newline. */
int jsondoc_out_write(struct jsondoc_out *o, struct json_object *obj, int flags);
/* Closes the file; the last of it may fail to reach the disk only here. */
int jsondoc_out_close(struct jsondoc_out *o);
/* A piece of the output could not be made: WEIR_E_NOMEM, said. */
int jsondoc_out_nomem(const struct jsondoc_out *o);

#endif
