/* Turns stream counters into the snapshots reporters get: interval samples
 * and the end-of-test summary, with iperf3's arithmetic. Main thread only. */
#ifndef WEIR_STATS_H
#define WEIR_STATS_H

#include <weir/reporter.h>
#include "run/facts.h"
#include "run/test.h"

/* Buffers reused across calls for one test. */
struct stats_buf {
    struct weir_report_sample *samples;
    struct weir_report_end_stream *ends;
    struct weir_report_stream *streams;
    struct weir_report_diskfile *files;
    struct fact_list *stream_facts;     /* per stream: what describe said */
    struct fact_list *interval_facts;   /* per stream: what describe_interval
                                           said for the latest interval */
    int n;
};

int stats_buf_init(struct stats_buf *b, int n_streams);
void stats_buf_free(struct stats_buf *b);

/* Sample every stream since the previous interval (or omit end) up to now;
 * reads TCP_INFO through the transport. Advances the interval marks. */
void stats_interval(struct test *t, uint64_t now, struct stats_buf *b,
                    struct weir_report_interval *out);

/* Final numbers: local counters since the omit end, the peer's results
 * when known. */
void stats_end(struct test *t, struct stats_buf *b, struct weir_report_end *out);

/* Streams for the start report. */
void stats_streams(const struct test *t, struct stats_buf *b);

/* Sum samples into one, iperf3-style (jitter averaged, rates recomputed). */
void stats_sum(const struct weir_report_sample *const *v, size_t n, struct weir_report_sample *out);

#endif
