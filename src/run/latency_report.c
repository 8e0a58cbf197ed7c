#include "run/latency_report.h"
#include "host/transport.h"
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
    hist_reset(&r->inband);
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

/* A load stream's bytes as received: the peer's count of what this side
 * sent (when the results exchange brought it), else this side's. */
static uint64_t load_bytes(const struct stream *st)
{
    return st->sending && st->peer.known ? st->peer.bytes : st->ctr.bytes;
}

/* --load: idle against loaded round trips, responsiveness, the load's rate. */
static void working_of(struct latency_report *r, struct test *t)
{
    struct weir_report_working_latency *w = &r->working;
    memset(w, 0, sizeof *w);
    latency_working(t, &r->idle, &r->loaded);
    w->load_streams = t->p.weir_latency.load;
    w->load_direction = t->p.bidir ? "both" : t->p.reverse ? "down" : "up";
    w->idle_seconds = t->p.weir_latency.idle;
    latency_report_stats(&r->idle, r->working_buckets[0], &w->idle);
    latency_report_stats(&r->loaded, r->working_buckets[1], &w->loaded);
    if (w->idle.count && w->loaded.count) {
        w->increase_p50 = w->loaded.p50 - w->idle.p50;
        w->increase_mean = w->loaded.mean - w->idle.mean;
    }
    double tm = hist_trimmed_mean(&r->loaded, 95) / 1e9;
    w->rpm = tm > 0 ? 60.0 / tm : 0;
    uint64_t up = 0, down = 0;
    for (int i = t->workers_from; i < t->n_streams; i++) {
        const struct stream *st = &t->streams[i];
        if (st->sending)
            up += load_bytes(st);
        else
            down += load_bytes(st);
    }
    double secs = t->load_start_ns && t->end_ns > t->load_start_ns ? (double)(t->end_ns - t->load_start_ns) / 1e9 : 0;
    if (secs > 0) {
        w->up_bits_per_second = (double)up * 8 / secs;
        w->down_bits_per_second = (double)down * 8 / secs;
    }
    const struct weir_plugin *bulk = test_bulk_transport(t);
    struct weir_report_load *l = &r->load;
    memset(l, 0, sizeof *l);
    l->struct_size = sizeof *l;
    l->transport = bulk->name;
    l->protocol = bulk->transport->wire_label;
    l->has_inband = r->inband.count > 0;
    latency_report_stats(&r->inband, r->inband_buckets, &l->inband);
}

void latency_report_sample(struct latency_report *r, struct test *t, uint64_t now)
{
    if (!reports(r, t) || !t->load_start_ns || atomic_load(&t->phase) != PHASE_RUN)
        return;
    /* Not at the load's start: the estimate then is the handshake's. */
    if (!r->next_inband_ns)
        r->next_inband_ns = t->load_start_ns + INBAND_STEP_NS;
    if (now < r->next_inband_ns)
        return;
    r->next_inband_ns += INBAND_STEP_NS;
    if (r->next_inband_ns <= now)
        r->next_inband_ns = now + INBAND_STEP_NS;
    for (int i = t->workers_from; i < t->n_streams; i++) {
        const struct stream *st = &t->streams[i];
        /* A receiver's estimate is not refreshed by the data it gets (it
         * sends only ACKs): the load's sending side is the one to ask. */
        if (!st->sending || !st->ctx || atomic_load_explicit(&st->failed, memory_order_acquire) ||
            !(st->tp->transport->caps & WEIR_CAP_RELIABLE))
            continue;
        struct weir_stream_info info = { .struct_size = sizeof info };
        if (transport_info(st->tp, st->ctx, &info) == WEIR_OK && info.valid && info.rtt_us > 0)
            hist_record(&r->inband, (uint64_t)info.rtt_us * 1000u);
    }
}

uint64_t latency_report_due(const struct latency_report *r)
{
    return r->next_inband_ns;
}

void latency_report_interval(struct latency_report *r, struct test *t, uint64_t next_end_ns,
                             struct weir_report_interval *iv)
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
        latency_take(t, i, next_end_ns, &r->span[i]);
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
        latency_take(t, i, 0, &r->span[i]);
        latency_window_merge(&r->total[i], &r->span[i]);
    }
    fill_rows(r, t, r->total, 0, start, end);
    e->n_latency = (size_t)r->n;
    e->latency = r->rows;
    e->latency_sum = &r->sum_row;
    if (t->p.weir_latency.load) {
        working_of(r, t);
        e->working = &r->working;
        e->load = &r->load;
    }
}
