/* One /probe request, on a job thread of its own once its query parsed:
 * the allow-list (resolving the target), the per-target interval, a slot,
 * the test (child.h), and the answer: the test's OpenMetrics text with
 * weir_probe_success, weir_probe_duration_seconds and, on failure, the
 * reason; or a refusal (403, 429, 503) with its reason as plain text. */
#ifndef WEIR_EXPORTER_PROBE_H
#define WEIR_EXPORTER_PROBE_H

#include <stddef.h>

#include "exporter/config.h"

struct probe_answer {
    int status;                 /* HTTP status */
    char *body;                 /* malloc'd; NULL: out of memory */
    size_t len;
    const char *content_type;
    int retry_after;            /* 429: seconds, else 0 */
};

/* Once, at start: weir's own path (the probes run it) and a descriptor
 * readable once the exporter stops (probes running then are killed).
 * Makes the private directory the probes write their metrics into.
 * 0, or -1 with the reason in err. */
int probe_setup(const char *self, int stop_fd, char *err, size_t errlen);
/* Removes that directory (at exit, no probe running). */
void probe_cleanup(void);

/* Runs the probe spec of configuration c (spec->module points into it).
 * openmetrics: the client accepts application/openmetrics-text. */
void probe_run(const struct exp_config *c, const struct probe_spec *spec, int openmetrics,
               struct probe_answer *a);

/* A plain-text answer: status and a reason line. */
void probe_refuse(struct probe_answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The Content-Types of an answer with metrics. */
#define CT_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_PROMETHEUS  "text/plain; version=0.0.4; charset=utf-8"
#define CT_TEXT        "text/plain; charset=utf-8"

#endif
