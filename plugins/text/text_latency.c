#include "text_latency.h"

#include <stdio.h>
#include <string.h>

#define LAT_HEADER "[ ID] Interval           Delay    Count   Lost      Min     Mean      p50      p90" \
                   "      p99    p99.9      Max   Stddev  (usec)\n"

void text_latency_setup(const struct weir_report_start *s, text_line_fn line, void *arg)
{
    char pace[64], clock[128], buf[384];
    if (s->latency_rate > 0)
        snprintf(pace, sizeof pace, "%g requests/sec per stream", s->latency_rate);
    else
        snprintf(pace, sizeof pace, "back to back");
    if (!s->latency_clock)
        snprintf(clock, sizeof clock, "round trips only (the clocks are not known to agree: "
                 "--latency-synced-clocks)");
    else if (s->latency_clock[0] == 'l')
        snprintf(clock, sizeof clock, "one-way delays too (one clock: loopback)");
    else
        snprintf(clock, sizeof clock, "one-way delays too (clocks synced, as the user said)");
    snprintf(buf, sizeof buf, "Latency: %u-byte requests, %u-byte replies, %s; %s\n",
             (unsigned)s->latency_request, (unsigned)s->latency_reply, pace, clock);
    line(arg, buf);
    if (!s->latency_busy_poll)
        return;
    if (s->latency_busy_poll_error)
        snprintf(buf, sizeof buf, "Busy poll: spinning on non-blocking receives; SO_BUSY_POLL not set (%s)\n",
                 s->latency_busy_poll_error);
    else
        snprintf(buf, sizeof buf, "Busy poll: spinning on non-blocking receives; SO_BUSY_POLL %u us\n",
                 (unsigned)s->latency_busy_poll_us);
    line(arg, buf);
}

void text_latency_header(text_line_fn line, void *arg)
{
    line(arg, LAT_HEADER);
}

/* One delay column, 8 wide, microseconds: two decimals below 100 ms, fewer
 * above so that any value up to 60 s keeps the columns in line. */
static void column(char *buf, size_t cap, double us)
{
    int decimals = us < 99999.995 ? 2 : us < 999999.95 ? 1 : 0;
    snprintf(buf, cap, " %8.*f", decimals, us);
}

/* Min .. Stddev, or dashes for a span without a delay measured. */
static void columns(char *buf, size_t cap, const struct weir_report_latency_stats *d)
{
    const double v[] = { d->min, d->mean, d->p50, d->p90, d->p99, d->p999, d->max, d->stddev };
    size_t at = 0;
    for (size_t i = 0; i < sizeof v / sizeof v[0] && at < cap; i++) {
        if (d->count > 0)
            column(buf + at, cap - at, v[i]);
        else
            snprintf(buf + at, cap - at, " %8s", "-");
        at += strlen(buf + at);
    }
}

/* A delay in a sentence: usec, or msec from 100 ms on. */
static const char *delay_words(char *buf, size_t cap, double us, int known, int sign)
{
    if (!known)
        snprintf(buf, cap, "-");
    else if (us >= 100000 || us <= -100000)
        snprintf(buf, cap, sign ? "%+.2f msec" : "%.2f msec", us / 1000);
    else
        snprintf(buf, cap, sign ? "%+.2f usec" : "%.2f usec", us);
    return buf;
}

static void row(const struct weir_report_latency *r, const char *what,
                const struct weir_report_latency_stats *d, int with_lost, text_line_fn line, void *arg)
{
    char id[8], lost[24], tail[64] = "", figures[96], buf[384];
    if (r->socket)
        snprintf(id, sizeof id, "%3d", r->socket);
    else
        snprintf(id, sizeof id, "SUM");
    if (with_lost)
        snprintf(lost, sizeof lost, "%6llu", (unsigned long long)r->lost);
    else
        snprintf(lost, sizeof lost, "%6s", "-");
    if (with_lost && r->missed)
        snprintf(tail, sizeof tail, "  (%llu missed)", (unsigned long long)r->missed);
    if (r->omitted)
        snprintf(tail, sizeof tail, "  (omitted)");
    columns(figures, sizeof figures, d);
    snprintf(buf, sizeof buf, "[%s] %6.2f-%-6.2f sec  %-5s %8llu %s%s%s\n",
             id, r->start, r->end, what, (unsigned long long)d->count, lost, figures, tail);
    line(arg, buf);
}

static void rows_of(const struct weir_report_latency *r, text_line_fn line, void *arg)
{
    row(r, "rtt", &r->rtt, 1, line, arg);
    if (r->one_way) {
        row(r, "c->s", &r->forward, 0, line, arg);
        row(r, "s->c", &r->reverse, 0, line, arg);
    }
}

static void phase_line(const char *what, const struct weir_report_latency_stats *d, text_line_fn line, void *arg)
{
    char buf[256], p50[32], mean[32];
    snprintf(buf, sizeof buf, "  %-6s rtt p50 %s, mean %s (%llu round trips)\n", what,
             delay_words(p50, sizeof p50, d->p50, d->count > 0, 0),
             delay_words(mean, sizeof mean, d->mean, d->count > 0, 0), (unsigned long long)d->count);
    line(arg, buf);
}

/* The loaded connections' own round trips: the transport's estimate. */
static void inband_line(const struct weir_report_load *l, text_line_fn line, void *arg)
{
    char buf[256], p50[32], max[32];
    int known = l->inband.count > 0;
    if (l->has_inband)
        snprintf(buf, sizeof buf, "  in-band srtt p50 %s, max %s (%llu samples of the %s load "
                 "connections' smoothed RTT)\n", delay_words(p50, sizeof p50, l->inband.p50, known, 0),
                 delay_words(max, sizeof max, l->inband.max, known, 0),
                 (unsigned long long)l->inband.count, l->transport);
    else
        snprintf(buf, sizeof buf, "  in-band none (no smoothed RTT of a %s load connection the client sends on)\n",
                 l->transport);
    line(arg, buf);
}

void text_latency_working(const struct weir_report_working_latency *w, const struct weir_report_load *load,
                          text_line_fn line, void *arg)
{
    char buf[256], over[64] = "", a[32], b[32];
    int both = w->idle.count > 0 && w->loaded.count > 0;
    if (load && load->transport)
        snprintf(over, sizeof over, " over %s", load->transport);
    snprintf(buf, sizeof buf, "Working latency: %u load stream%s %s%s, after %.2f s idle\n", (unsigned)w->load_streams,
             w->load_streams == 1 ? "" : "s", w->load_direction, over, w->idle_seconds);
    line(arg, buf);
    phase_line("idle", &w->idle, line, arg);
    phase_line("loaded", &w->loaded, line, arg);
    snprintf(buf, sizeof buf, "  increase p50 %s, mean %s\n", delay_words(a, sizeof a, w->increase_p50, both, 1),
             delay_words(b, sizeof b, w->increase_mean, both, 1));
    line(arg, buf);
    if (w->loaded.count > 0)
        snprintf(a, sizeof a, "%.0f", w->rpm);
    else
        snprintf(a, sizeof a, "-");
    snprintf(buf, sizeof buf, "  responsiveness %s RPM (60 s / the loaded round trips' 95 %% trimmed mean)\n", a);
    line(arg, buf);
    if (load)
        inband_line(load, line, arg);
    snprintf(buf, sizeof buf, "  load %.2f Mbits/sec up, %.2f Mbits/sec down (as received)\n",
             w->up_bits_per_second / 1e6, w->down_bits_per_second / 1e6);
    line(arg, buf);
}

void text_latency_rows(const struct weir_report_latency *rows, size_t n,
                       const struct weir_report_latency *sum, text_line_fn line, void *arg)
{
    for (size_t i = 0; i < n; i++)
        rows_of(&rows[i], line, arg);
    if (n > 1 && sum)
        rows_of(sum, line, arg);
}
