/* What the svg reporter keeps of one test: its setup, every interval's
 * rates (summed and per stream) and the final summary. Hooks hand the
 * reporter snapshots valid only during the call, so everything is copied. */
#ifndef WEIR_SVGTEST_H
#define WEIR_SVGTEST_H

#include <stddef.h>
#include <stdint.h>
#include <weir/weir.h>

#include "factlist.h"

struct svg_stream {
    int socket;                 /* the id text output shows as "[  5]" */
    int sending;                /* this side sends on it */
    struct factlist facts;      /* what the transport said at the start */
    struct factlist last;       /* ... and at the latest interval */
};

/* One direction's end summary. */
struct svg_summary {
    int has_sender, has_receiver;
    struct weir_report_sample sender, receiver;
};

struct svg_test {
    char *transport;            /* plugin name ("tcp"), or the protocol label */
    char *protocol;             /* wire label ("TCP") */
    char *host;
    uint16_t port;
    int client, reverse, bidir, datagram;
    int omit, duration, num_streams;
    uint64_t bytes, blocks;
    size_t n_streams;
    struct svg_stream *streams;

    /* Intervals, in order. t_end is the interval's end on one clock that
     * runs through the -O period; omitted_seconds is that period's length,
     * subtracted to make the counted test start at 0. */
    size_t n_iv, cap_iv;
    double *t_end;
    unsigned char *omitted;
    double *sum_bps;            /* client -> server (all streams without --bidir) */
    double *rev_bps;            /* server -> client (--bidir) */
    float *stream_bps;          /* n_iv rows of n_streams; NULL if not kept */
    int streams_dropped;        /* too many values to keep per stream */
    double omitted_seconds;

    /* --latency (a client's test): per interval, the probe streams'
     * summed round trips, p50 and p99 in microseconds (NaN: no reply in
     * it), and the rate of the streams that carry no probes (a load). */
    int latency;
    double *lat_p50, *lat_p99, *load_bps;
    int has_load;               /* some interval had a stream without probes */
    int have_lat_end;
    struct weir_report_latency lat_end;     /* the test's sum, buckets below */
    struct weir_report_latency_bucket cdf[WEIR_LATENCY_BUCKETS];
    size_t n_cdf;               /* its round trips' buckets, 0: none */
    /* --load: idle against loaded round trips (the core's summary, its
     * pointers turned to the copies below) */
    int have_working;
    struct weir_report_working_latency working;
    char load_direction[8];     /* "up", "down", "both" */
    /* The load's transport and its connections' smoothed RTT (SDK 2.2:
     * weir_report_end.load; have_inband 0 without samples). */
    char load_transport[64];
    int have_inband;
    struct weir_report_latency_stats inband;
    struct weir_report_latency_bucket idle_cdf[WEIR_LATENCY_BUCKETS];
    struct weir_report_latency_bucket loaded_cdf[WEIR_LATENCY_BUCKETS];

    int have_end;
    struct svg_summary fwd, rev;    /* client -> server, server -> client */
    char *error;                /* the test failed: why */
};

/* A new test from test_start (NULL when out of memory). client: this
 * side's role. */
struct svg_test *svgtest_new(const struct weir_report_start *s, int client);
void svgtest_free(struct svg_test *t);
/* Returns 0, or -1 when out of memory (the interval, or some of its
 * streams' facts, not kept). */
int svgtest_interval(struct svg_test *t, const struct weir_report_interval *iv);
void svgtest_end(struct svg_test *t, const struct weir_report_end *e);
void svgtest_set_error(struct svg_test *t, const char *error);

/* Chart times of interval i, seconds: where it starts and ends. Its
 * average rate is drawn as a step across that span, so the first line
 * starts at the first interval's start and ends at the last one's end.
 * Omitted intervals come before 0. */
double svgtest_start(const struct svg_test *t, size_t i);
double svgtest_end_time(const struct svg_test *t, size_t i);
/* Is stream k the same direction as the forward (client -> server) sum? */
int svgtest_forward(const struct svg_test *t, const struct svg_stream *st);

#endif
