/* --latency's figures for reporters (weir_report_latency, ABI 2.1): each
 * probe stream's window of an interval and their sum, and the whole test's
 * per stream and summed, in microseconds. Main thread, client only. */
#ifndef WEIR_LATENCY_REPORT_H
#define WEIR_LATENCY_REPORT_H

#include <weir/reporter.h>

#include "run/latency.h"

struct test;

struct latency_report {
    int n;
    struct latency_window *total;       /* per stream, the whole test */
    struct latency_window *span;        /* per stream, the interval just taken */
    struct latency_window sum;          /* scratch: the streams summed */
    struct weir_report_latency *rows;   /* per stream, as reported */
    struct weir_report_latency sum_row;
    /* Each row's rtt, forward and reverse buckets (rows, then sum_row). */
    struct weir_report_latency_bucket (*buckets)[3][WEIR_LATENCY_BUCKETS];
    struct weir_report_working_latency working;     /* --load */
    struct histogram idle, loaded;                  /* scratch for it */
    struct weir_report_latency_bucket working_buckets[2][WEIR_LATENCY_BUCKETS];
    /* --load, 2.2: the load's transport and its connections' own RTT. */
    struct weir_report_load load;
    struct histogram inband;            /* ns: the samples */
    uint64_t next_inband_ns;            /* the next sample's time, 0: none yet */
    struct weir_report_latency_bucket inband_buckets[WEIR_LATENCY_BUCKETS];
};

/* How often the load connections' RTT is sampled (latency_report_sample). */
#define INBAND_STEP_NS 100000000ull

/* One histogram as reporters get it: out's statistics in microseconds and
 * its buckets (the SDK's fixed bounds) in bk, which out points at; no
 * buckets for an empty histogram. */
void latency_report_stats(const struct histogram *h, struct weir_report_latency_bucket *bk,
                          struct weir_report_latency_stats *out);

int latency_report_init(struct latency_report *r, int n_streams);
void latency_report_free(struct latency_report *r);

/* The interval iv was filled for (its sum's start, end and omitted):
 * takes every stream's window, adds it to the totals and points iv's
 * latency fields at the rows. Nothing for a test without probes. */
/* next_end_ns: when the next interval ends (0: the last). */
void latency_report_interval(struct latency_report *r, struct test *t, uint64_t next_end_ns,
                             struct weir_report_interval *iv);
/* --load, main thread, from the load's start while it runs: every
 * INBAND_STEP_NS the smoothed RTT the transport keeps of each load stream
 * this end sends on (in band on the loaded connections; none over a
 * transport without one, udp). latency_report_due: when next, 0 = never. */
void latency_report_sample(struct latency_report *r, struct test *t, uint64_t now);
uint64_t latency_report_due(const struct latency_report *r);
/* The whole test, from start to end seconds (with what no interval took). */
void latency_report_end(struct latency_report *r, struct test *t, double start, double end,
                        struct weir_report_end *e);

#endif
