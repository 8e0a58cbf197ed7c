#include "run/latency_report.h"
#include "run/test.h"

#include <stdlib.h>
#include <string.h>

int latency_report_init(struct latency_report *r, int n)
{
    memset(r, 0, sizeof *r);
    r->total = calloc((size_t)n + 1, sizeof *r->total);
    r->span = calloc((size_t)n + 1, sizeof *r->span);
    r->rows = calloc((size_t)n + 1, sizeof *r->rows);
    r->buckets = calloc((size_t)n + 1, sizeof *r->buckets);
    if (!r->total || !r->span || !r->rows || !r->buckets) {
        latency_report_free(r);
        return -1;
    }
    r->n = n;
    for (int i = 0; i < n; i++)
        latency_window_reset(&r->total[i]);
    return 0;
}

void latency_report_free(struct latency_report *r)
{
    free(r->total);
    free(r->span);
    free(r->rows);
    free(r->buckets);
    memset(r, 0, sizeof *r);
}

/* 1, 1.5, 2, 3, 5 and 7 times each power of ten from 1 us to 50 s
 * (weir/reporter.h documents the set). */
static const uint64_t latency_bucket_le_ns[WEIR_LATENCY_BUCKETS] = {
#define DECADE(ns) ns, ns * 3 / 2, ns * 2, ns * 3, ns * 5, ns * 7
    DECADE(1000ull), DECADE(10000ull), DECADE(100000ull), DECADE(1000000ull),
    DECADE(10000000ull), DECADE(100000000ull), DECADE(1000000000ull),
    10000000000ull, 15000000000ull, 20000000000ull, 30000000000ull, 50000000000ull,
#undef DECADE
};

void latency_report_stats(const struct histogram *h, struct weir_report_latency_bucket *bk,
                          struct weir_report_latency_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!h->count)
        return;
    out->count = h->count;
    out->min = (double)h->min / 1e3;
    out->max = (double)h->max / 1e3;
    out->mean = hist_mean(h) / 1e3;
    out->stddev = hist_stddev(h) / 1e3;
    out->sum = (double)h->sum / 1e3;
    out->p50 = hist_percentile(h, 50) / 1e3;
    out->p90 = hist_percentile(h, 90) / 1e3;
    out->p99 = hist_percentile(h, 99) / 1e3;
    out->p999 = hist_percentile(h, 99.9) / 1e3;
    uint64_t counts[WEIR_LATENCY_BUCKETS];
    hist_cumulative(h, latency_bucket_le_ns, WEIR_LATENCY_BUCKETS, counts);
    for (size_t i = 0; i < WEIR_LATENCY_BUCKETS; i++)
        bk[i] = (struct weir_report_latency_bucket){ (double)latency_bucket_le_ns[i] / 1e3, counts[i] };
    out->n_buckets = WEIR_LATENCY_BUCKETS;
    out->buckets = bk;
}

static void row_of(const struct latency_window *w, int socket, int one_way, int omitted,
                   double start, double end, struct weir_report_latency_bucket (*bk)[WEIR_LATENCY_BUCKETS],
                   struct weir_report_latency *out)
{
    memset(out, 0, sizeof *out);
    out->socket = socket;
    out->omitted = omitted;
    out->start = start;
    out->end = end;
    out->sent = w->sent;
    out->lost = w->lost;
    out->missed = w->missed;
    latency_report_stats(&w->rtt, bk[0], &out->rtt);
    out->one_way = one_way;
    if (one_way) {
        latency_report_stats(&w->fwd, bk[1], &out->forward);
        latency_report_stats(&w->rev, bk[2], &out->reverse);
    }
}

static int reports(const struct latency_report *r, const struct test *t)
{
    return r->n > 0 && t->latency && t->role == WEIR_ROLE_CLIENT;
}

/* Rows of the windows w[0..n) and of their sum. */
static void fill_rows(struct latency_report *r, const struct test *t, const struct latency_window *w,
                      int omitted, double start, double end)
{
    int one_way = t->latency_clock != NULL;
    latency_window_reset(&r->sum);
    for (int i = 0; i < r->n; i++) {
        row_of(&w[i], t->streams[i].fd, one_way, omitted, start, end, r->buckets[i], &r->rows[i]);
        latency_window_merge(&r->sum, &w[i]);
    }
    row_of(&r->sum, 0, one_way, omitted, start, end, r->buckets[r->n], &r->sum_row);
}

void latency_report_interval(struct latency_report *r, struct test *t, struct weir_report_interval *iv)
{
    if (!reports(r, t))
        return;
    for (int i = 0; i < r->n; i++) {
        /* Nothing sent in the -O period is recorded: what a window holds
         * at an omitted interval (its report comes a moment after the
         * period's end) belongs to the next one. */
        if (iv->sum.omitted) {
            latency_window_reset(&r->span[i]);
            continue;
        }
        latency_take(t, i, &r->span[i]);
        latency_window_merge(&r->total[i], &r->span[i]);
    }
    fill_rows(r, t, r->span, iv->sum.omitted, iv->sum.start, iv->sum.end);
    iv->n_latency = (size_t)r->n;
    iv->latency = r->rows;
    iv->latency_sum = &r->sum_row;
}

void latency_report_end(struct latency_report *r, struct test *t, double start, double end,
                        struct weir_report_end *e)
{
    if (!reports(r, t))
        return;
    for (int i = 0; i < r->n; i++) {
        latency_take(t, i, &r->span[i]);
        latency_window_merge(&r->total[i], &r->span[i]);
    }
    fill_rows(r, t, r->total, 0, start, end);
    e->n_latency = (size_t)r->n;
    e->latency = r->rows;
    e->latency_sum = &r->sum_row;
}
