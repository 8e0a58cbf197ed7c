/* /metrics: the exporter's own metrics, Prometheus text format 0.0.4. */
#ifndef WEIR_EXPORTER_SELFMETRICS_H
#define WEIR_EXPORTER_SELFMETRICS_H

#include <stddef.h>

/* Why a probe that ran answered weir_probe_success 0: a bounded set, for
 * a label (the text of the reason is in the probe's own answer). */
enum probe_failure {
    FAIL_NONE,
    FAIL_TEST,                  /* the test ended in an error */
    FAIL_TIMEOUT,               /* killed at its time + probe_grace */
    FAIL_SIGNAL,                /* killed by a signal not ours */
    FAIL_RESOLVE,               /* the target did not resolve */
    FAIL_START,                 /* weir could not be started */
    FAIL_OUTPUT,                /* more output than a probe may give */
    FAIL_STOPPED,               /* the exporter was stopping */
    FAIL_SCRAPE_TIMEOUT,        /* the scrape's timeout leaves no time for a test */
    FAIL_CLIENT_GONE,           /* the client closed its connection first */
    N_FAILURES
};

void selfmetrics_start(void);
/* A probe refused before it ran, with the HTTP status it got. */
void selfmetrics_refused(int status);
/* A probe that ran (module as asked for), its outcome and duration. */
void selfmetrics_probe(const char *module, enum probe_failure why, double seconds);
void selfmetrics_queue_wait(double seconds);
/* Probes accepted and not answered yet: +1, -1. */
void selfmetrics_in_flight(int delta);
void selfmetrics_reload(int ok);
/* The text (malloc'd), or NULL when out of memory. */
char *selfmetrics_render(size_t *len);

#endif
