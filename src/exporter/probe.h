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

/* What a probe knows of the HTTP request that asked for it. */
struct probe_client {
    int openmetrics;            /* it accepts application/openmetrics-text */
    double scrape_timeout;      /* X-Prometheus-Scrape-Timeout-Seconds; 0: none */
    double arrived;             /* admit_now() when the request arrived */
    int client_fd;              /* its socket (the test is killed when the
                                   client closes it); -1: not watched */
};

/* Once, at start: weir's own path (the probes run it) and a descriptor
 * readable once the exporter stops (probes running then are killed). */
void probe_setup(const char *self, int stop_fd);

/* Runs the probe spec of configuration c (spec->module points into it)
 * for client cl. With a scrape timeout the test's time is clamped so that
 * the answer comes before it (weir_probe_clamped{parameter="time"}), or,
 * when no test fits, the answer is at once a failure saying so. */
void probe_run(const struct exp_config *c, const struct probe_spec *spec, const struct probe_client *cl,
               struct probe_answer *a);

/* A plain-text answer: status and a reason line. */
void probe_refuse(struct probe_answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The Content-Types of an answer with metrics. */
#define CT_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_PROMETHEUS  "text/plain; version=0.0.4; charset=utf-8"
#define CT_TEXT        "text/plain; charset=utf-8"

#endif
