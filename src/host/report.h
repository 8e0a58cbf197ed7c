/* Fans report events out to every reporter instance and routes their output
 * (stdout/stderr, --logfile, the --get-server-output capture). The one
 * place that calls reporter hooks: a hook that fails (returns an error)
 * is reported once, that instance gets no more hooks but close, and the
 * others carry on; the run's exit status then says so. */
#ifndef WEIR_REPORT_H
#define WEIR_REPORT_H

#include <weir/reporter.h>
#include "cli/options.h"

struct report_set;

/* Open the reporters the settings name. On failure prints one line and
 * returns NULL. */
struct report_set *report_open(const struct settings *s, int role);
/* Close every instance; non-zero when a reporter failed to start, or a
 * hook of one failed (its close included): the run's exit status must say
 * so even though the others presented the results. */
int report_close(struct report_set *rs);
/* The --logfile stream's descriptor, or -1. */
int report_log_fd(const struct report_set *rs);

void report_server_listening(struct report_set *rs, uint16_t port, int test_no);
void report_connected(struct report_set *rs, const struct weir_report_connect *c);
void report_start(struct report_set *rs, const struct weir_report_start *st);
void report_interval(struct report_set *rs, const struct weir_report_interval *iv);
void report_end(struct report_set *rs, const struct weir_report_end *e);
void report_finish(struct report_set *rs, const char *error);
/* A notice for the user from the core (level WEIR_LOG_WARNING: what the
 * text reporter prints as "weir: warning - TEXT"), printf-style, without
 * a prefix or newline. When no reporter shows it (a json reporter has no
 * place for it), it goes to stderr as that line. */
void report_message(struct report_set *rs, enum weir_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* After the last test of a comparison run. */
void report_comparison(struct report_set *rs, const struct weir_report_comparison *c);

/* Collect what reporters print (their WEIR_OUT channel) until
 * report_capture_take, for --get-server-output. */
void report_capture_begin(struct report_set *rs);
/* The collected text (caller frees), capture stops. */
char *report_capture_take(struct report_set *rs);

/* The first reporter's document as JSON text (caller frees), or NULL when
 * it keeps none: then the captured text is what a client gets. */
char *report_document(struct report_set *rs);

/* Fill the connect snapshot's version / uname / time fields. */
void report_fill_connect(struct weir_report_connect *c, int role, const char *host, uint16_t port);

#endif
