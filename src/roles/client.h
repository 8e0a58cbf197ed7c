/* The client side of the iperf3 control protocol. */
#ifndef WEIR_CLIENT_H
#define WEIR_CLIENT_H

#include "cli/options.h"
#include "host/report.h"

/* What one test measured, for a comparison run (--transport A,B,...). */
struct client_outcome {
    int summarized;                 /* the final summary was reported */
    struct weir_report_end end;     /* sums and CPU (no streams, no strings) */
    double setup_seconds;           /* connecting all data streams */
    const char *protocol;           /* the transport's wire label */
    int reliable, datagram;
    uint64_t target_bitrate;        /* per stream, as sent to the server */
    int default_rate_off;           /* the transport's default rate was
                                       dropped (settings.default_rate_off) */
    int num_streams;
    char error[512];                /* empty when the test succeeded */
    int has_latency;                /* --latency: latency is the test's sum */
    struct weir_report_latency latency; /* (no buckets: they were the test's) */
    int has_working;                /* --load: working and load are the test's */
    struct weir_report_working_latency working;     /* (no buckets) */
    struct weir_report_load load;   /* (no buckets; names: the plugins') */
};

/* Run one test against s->host:s->port. Returns the process exit status.
 * out, when not NULL, receives the outcome. */
int client_run(const struct settings *s, struct report_set *rs, struct client_outcome *out);

#endif
