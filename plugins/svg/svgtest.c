#include "svgtest.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-stream values kept at most (64 MB of floats): beyond that, e.g. -P
 * 128 for a day at -i 0.1, the chart shows the sums only. */
#define MAX_STREAM_VALUES ((size_t)1 << 24)

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

struct svg_test *svgtest_new(const struct weir_report_start *s, int client)
{
    struct svg_test *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    const char *transport = NULL;
    if (s->transport)
        transport = s->transport;
    t->protocol = strdup(s->protocol != NULL ? s->protocol : "?");
    t->transport = strdup(transport != NULL ? transport : t->protocol ? t->protocol : "?");
    t->host = dup_or_null(s->host);
    t->port = s->port;
    t->client = client;
    t->reverse = s->reverse;
    t->bidir = s->bidir;
    t->datagram = s->datagram;
    t->omit = s->omit;
    t->duration = s->duration;
    t->num_streams = s->num_streams;
    t->bytes = s->bytes;
    t->blocks = s->blocks;
    t->latency = WEIR_HAS_FIELD(s, latency) && s->latency && client;
    if (s->n_streams > 0) {
        t->streams = calloc(s->n_streams, sizeof *t->streams);
        if (t->streams != NULL) {
            t->n_streams = s->n_streams;
            for (size_t i = 0; i < s->n_streams; i++) {
                t->streams[i].socket = s->streams[i].socket;
                t->streams[i].sending = s->streams[i].sending;
                /* A chart without the facts is still a chart. */
                (void)factlist_put(&t->streams[i].facts, s->streams[i].facts, s->streams[i].n_facts);
            }
        }
    }
    if (t->protocol == NULL || t->transport == NULL || (s->n_streams > 0 && t->streams == NULL)) {
        svgtest_free(t);
        return NULL;
    }
    return t;
}

void svgtest_free(struct svg_test *t)
{
    if (t == NULL)
        return;
    free(t->transport);
    free(t->protocol);
    free(t->host);
    for (size_t i = 0; t->streams != NULL && i < t->n_streams; i++) {
        factlist_free(&t->streams[i].facts);
        factlist_free(&t->streams[i].last);
    }
    free(t->streams);
    free(t->t_end);
    free(t->omitted);
    free(t->sum_bps);
    free(t->rev_bps);
    free(t->stream_bps);
    free(t->lat_p50);
    free(t->lat_p99);
    free(t->load_bps);
    free(t->error);
    free(t);
}

static int grow(void **p, size_t n, size_t size)
{
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return -1;
    *p = q;
    return 0;
}

static int reserve(struct svg_test *t)
{
    if (t->n_iv < t->cap_iv)
        return 0;
    size_t cap = t->cap_iv ? t->cap_iv * 2 : 64;
    if (grow((void **)&t->t_end, cap, sizeof *t->t_end) != 0 ||
        grow((void **)&t->omitted, cap, sizeof *t->omitted) != 0 ||
        grow((void **)&t->sum_bps, cap, sizeof *t->sum_bps) != 0 ||
        grow((void **)&t->rev_bps, cap, sizeof *t->rev_bps) != 0)
        return -1;
    if (t->latency && (grow((void **)&t->lat_p50, cap, sizeof *t->lat_p50) != 0 ||
                       grow((void **)&t->lat_p99, cap, sizeof *t->lat_p99) != 0 ||
                       grow((void **)&t->load_bps, cap, sizeof *t->load_bps) != 0))
        return -1;
    if (t->n_streams > 0 && !t->streams_dropped) {
        if (cap * t->n_streams > MAX_STREAM_VALUES ||
            grow((void **)&t->stream_bps, cap * t->n_streams, sizeof *t->stream_bps) != 0) {
            free(t->stream_bps);
            t->stream_bps = NULL;
            t->streams_dropped = 1;
        }
    }
    t->cap_iv = cap;
    return 0;
}

static int carries_probes(const struct weir_report_interval *iv, int socket)
{
    for (size_t j = 0; j < iv->n_latency; j++)
        if (iv->latency[j].socket == socket)
            return 1;
    return 0;
}

static void latency_interval(struct svg_test *t, size_t i, const struct weir_report_interval *iv)
{
    const struct weir_report_latency *sum = WEIR_HAS_FIELD(iv, latency_sum) ? iv->latency_sum : NULL;
    int replies = sum != NULL && sum->rtt.count > 0;
    t->lat_p50[i] = replies ? sum->rtt.p50 : NAN;
    t->lat_p99[i] = replies ? sum->rtt.p99 : NAN;
    t->load_bps[i] = 0;
    if (sum == NULL)
        return;
    for (size_t k = 0; k < iv->n_streams; k++) {
        if (carries_probes(iv, iv->streams[k].socket))
            continue;
        t->load_bps[i] += iv->streams[k].bits_per_second;
        t->has_load = 1;
    }
}

int svgtest_interval(struct svg_test *t, const struct weir_report_interval *iv)
{
    if (reserve(t) != 0)
        return -1;
    size_t i = t->n_iv;
    double seconds = iv->sum.seconds > 0 ? iv->sum.seconds : iv->sum.end - iv->sum.start;
    if (seconds < 0)
        seconds = 0;
    t->t_end[i] = (i > 0 ? t->t_end[i - 1] : 0) + seconds;
    t->omitted[i] = iv->sum.omitted != 0;
    if (t->omitted[i])
        t->omitted_seconds += seconds;
    t->sum_bps[i] = iv->sum.bits_per_second;
    t->rev_bps[i] = iv->bidir ? iv->sum_bidir_reverse.bits_per_second : 0;
    if (t->stream_bps != NULL) {
        float *row = &t->stream_bps[i * t->n_streams];
        for (size_t k = 0; k < t->n_streams; k++)
            row[k] = k < iv->n_streams ? (float)iv->streams[k].bits_per_second : 0.0f;
    }
    if (t->latency)
        latency_interval(t, i, iv);
    t->n_iv++;
    int rc = 0;
    for (size_t k = 0; k < iv->n_streams; k++)
        for (size_t j = 0; j < t->n_streams; j++)
            if (t->streams[j].socket == iv->streams[k].socket &&
                factlist_put(&t->streams[j].last, iv->streams[k].facts, iv->streams[k].n_facts) != 0)
                rc = -1;
    return rc;
}

int svgtest_forward(const struct svg_test *t, const struct svg_stream *st)
{
    if (!t->bidir)
        return 1;
    return t->client ? st->sending : !st->sending;
}

/* A distribution's buckets into the test's own array (the snapshot's die
 * with the hook). */
static void keep_buckets(struct weir_report_latency_stats *d, struct weir_report_latency_bucket *to)
{
    size_t n = d->buckets != NULL && d->n_buckets <= WEIR_LATENCY_BUCKETS ? d->n_buckets : 0;
    if (n > 0)
        memcpy(to, d->buckets, n * sizeof *to);
    d->n_buckets = n;
    d->buckets = n > 0 ? to : NULL;
}

static void keep_working(struct svg_test *t, const struct weir_report_working_latency *w)
{
    t->have_working = 1;
    t->working = *w;
    snprintf(t->load_direction, sizeof t->load_direction, "%s", w->load_direction ? w->load_direction : "");
    t->working.load_direction = t->load_direction;
    keep_buckets(&t->working.idle, t->idle_cdf);
    keep_buckets(&t->working.loaded, t->loaded_cdf);
}

static void keep_load(struct svg_test *t, const struct weir_report_load *l)
{
    snprintf(t->load_transport, sizeof t->load_transport, "%s", l->transport ? l->transport : "");
    t->have_inband = l->has_inband && l->inband.count > 0;
    t->inband = l->inband;
    t->inband.buckets = NULL;   /* the snapshot's pointers die with the hook */
    t->inband.n_buckets = 0;
}

void svgtest_end(struct svg_test *t, const struct weir_report_end *e)
{
    t->have_end = 1;
    if (t->latency && WEIR_HAS_FIELD(e, latency_sum) && e->latency_sum != NULL) {
        const struct weir_report_latency_stats *rtt = &e->latency_sum->rtt;
        t->have_lat_end = 1;
        t->lat_end = *e->latency_sum;
        t->n_cdf = rtt->n_buckets <= WEIR_LATENCY_BUCKETS ? rtt->n_buckets : WEIR_LATENCY_BUCKETS;
        if (t->n_cdf > 0)
            memcpy(t->cdf, rtt->buckets, t->n_cdf * sizeof *t->cdf);
        /* The snapshot's pointers die with the hook. */
        t->lat_end.rtt.buckets = t->lat_end.forward.buckets = t->lat_end.reverse.buckets = NULL;
        if (WEIR_HAS_FIELD(e, working) && e->working != NULL)
            keep_working(t, e->working);
        if (WEIR_HAS_FIELD(e, load) && e->load != NULL)
            keep_load(t, e->load);
    }
    t->fwd.sender = e->sum_sent;
    t->fwd.receiver = e->sum_received;
    t->rev.sender = e->sum_sent_bidir_reverse;
    t->rev.receiver = e->sum_received_bidir_reverse;
    t->fwd.has_sender = t->fwd.has_receiver = 0;
    t->rev.has_sender = t->rev.has_receiver = 0;
    /* A sum counts only when a stream of its direction had the numbers
     * (a server may lack its peer's). */
    for (size_t i = 0; i < e->n_streams; i++) {
        const struct weir_report_end_stream *es = &e->streams[i];
        struct svg_stream st = { .socket = es->socket, .sending = es->sending };
        struct svg_summary *sum = svgtest_forward(t, &st) ? &t->fwd : &t->rev;
        sum->has_sender |= es->has_sender;
        sum->has_receiver |= es->has_receiver;
    }
}

void svgtest_set_error(struct svg_test *t, const char *error)
{
    free(t->error);
    t->error = dup_or_null(error);
}

double svgtest_start(const struct svg_test *t, size_t i)
{
    return (i > 0 ? t->t_end[i - 1] : 0) - t->omitted_seconds;
}

double svgtest_end_time(const struct svg_test *t, size_t i)
{
    return t->t_end[i] - t->omitted_seconds;
}
