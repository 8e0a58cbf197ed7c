#include "latchart.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "axis.h"
#include "plot.h"
#include "units.h"

/* Two panels on the 960 x 540 picture, titled above, the caption under. */
#define TOP          96
#define BOTTOM       430
#define A_LEFT       88
#define A_RIGHT      530
#define B_LEFT       690
#define B_RIGHT      935
#define CAPTION_Y    500
#define CAPTION_ROW  16
#define TICK_FONT    11
#define LABEL_FONT   12
#define P50_COLOUR   "#0072B2"
#define P99_COLOUR   "#D55E00"
#define LOAD_COLOUR  "#7A7A7A"
#define IDLE_COLOUR  "#009E73"
#define LOADED_COLOUR "#CC79A7"
#define PHASE_FILL   "#009E73"     /* the idle phase's band, faint */
/* A white outline under a label's letters: readable over a line. */
#define HALO " stroke=\"#FFFFFF\" stroke-width=\"3\" paint-order=\"stroke\""
#define US           "\xc2\xb5s"      /* microseconds, UTF-8 */

struct scale {
    double lo, hi;              /* value range */
    double p0, p1;              /* pixels of lo and hi */
};

static double at(const struct scale *s, double v)
{
    return s->p0 + (v - s->lo) / (s->hi - s->lo) * (s->p1 - s->p0);
}

static void panel_title(struct svgbuf *b, double x, const char *text)
{
    sb_printf(b, "<text class=\"panel-title\" x=\"%.1f\" y=\"%d\" font-size=\"13\" font-weight=\"bold\" "
                 "fill=\"#222222\">%s</text>\n", x, TOP - 12, text);
}

static void hline(struct svgbuf *b, double x0, double x1, double y)
{
    sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, y, x1, y);
}

static void vline(struct svgbuf *b, double x, double y0, double y1)
{
    sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, y0, x, y1);
}

static void tick_text(struct svgbuf *b, const char *cls, const char *anchor, double x, double y,
                      const char *text)
{
    sb_printf(b, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"#333333\" "
                 "text-anchor=\"%s\">%s</text>\n", cls, x, y, TICK_FONT, anchor, text);
}

static void axis_label(struct svgbuf *b, const char *cls, double x, double y, int vertical,
                       const char *text)
{
    if (vertical)
        sb_printf(b, "<text class=\"%s\" transform=\"translate(%.1f %.1f) rotate(-90)\" font-size=\"%d\" "
                     "text-anchor=\"middle\" fill=\"#222222\">%s</text>\n", cls, x, y, LABEL_FONT, text);
    else
        sb_printf(b, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\" "
                     "fill=\"#222222\">%s</text>\n", cls, x, y, LABEL_FONT, text);
}

/* One value per interval as steps across each interval's span; an
 * interval without a value (NaN) leaves a gap. */
static void steps(struct svgbuf *b, const struct svg_test *t, const double *v, const struct scale *x,
                  const struct scale *y, const char *cls, const char *colour, const char *dash)
{
    sb_printf(b, "<path class=\"series %s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s%s%s d=\"",
              cls, colour, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
    int pen = 0;
    for (size_t i = 0; i < t->n_iv; i++) {
        if (isnan(v[i])) {
            pen = 0;
            continue;
        }
        double py = at(y, v[i]);
        sb_printf(b, "%s%.1f %.1fL%.1f %.1f", pen ? "L" : "M", at(x, svgtest_start(t, i)), py,
                  at(x, svgtest_end_time(t, i)), py);
        pen = 1;
    }
    sb_puts(b, "\"/>\n");
}

static double largest(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && v[i] > m)
            m = v[i];
    return m;
}

static void legend_row(struct svgbuf *b, double x, double y, const char *colour, const char *dash,
                       const char *text)
{
    sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>\n",
              x, y - 4, x + 22, y - 4, colour, dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
              dash ? "\"" : "");
    sb_printf(b, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"#222222\">%s</text>\n",
              x + 26, y, LABEL_FONT, text);
}

/* --load: the idle phase as a faint band up to the load's start and a
 * line where the load started, under everything else. */
static void phase_band(struct svgbuf *b, const struct svg_test *t, const struct scale *x)
{
    double x0 = at(x, fmax(0, x->lo)), xs = at(x, fmin(t->working.idle_seconds, x->hi));
    sb_printf(b, "<rect class=\"phase-idle\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\""
                 PHASE_FILL "\" fill-opacity=\"0.10\"/>\n", x0, TOP, xs - x0, BOTTOM - TOP);
    sb_printf(b, "<line class=\"load-start\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555555\" "
                 "stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n", xs, TOP, xs, BOTTOM);
}

/* Each phase named at the foot of the panel, over the lines. */
static void phase_labels(struct svgbuf *b, const struct svg_test *t, const struct scale *x)
{
    const struct weir_report_working_latency *w = &t->working;
    double x0 = at(x, fmax(0, x->lo)), xs = at(x, fmin(w->idle_seconds, x->hi)), x1 = at(x, x->hi);
    char text[96];
    snprintf(text, sizeof text, "load: %u stream%s %s", (unsigned)w->load_streams, w->load_streams == 1 ? "" : "s",
             w->load_direction);
    const char *label[] = { "idle", text };
    const double mid[] = { (x0 + xs) / 2, (xs + x1) / 2 };
    for (int i = 0; i < 2; i++) {
        sb_printf(b, "<text class=\"phase-label\" x=\"%.1f\" y=\"%d\" font-size=\"%d\" text-anchor=\"middle\" "
                     "fill=\"#555555\"" HALO ">", mid[i], BOTTOM - 8, TICK_FONT);
        sb_escaped(b, label[i], 0);
        sb_puts(b, "</text>\n");
    }
}

static void over_time(struct svgbuf *b, const struct svg_test *t)
{
    panel_title(b, A_LEFT, "Round trips per interval (all probe streams)");
    double hi_t = t->n_iv > 0 ? svgtest_end_time(t, t->n_iv - 1) : 1;
    struct axis_ticks xt, yt, lt;
    axis_ticks(-t->omitted_seconds, hi_t > -t->omitted_seconds ? hi_t : 1, 8, 0, &xt);
    double top = largest(t->lat_p99, t->n_iv);
    axis_ticks(0, top > 0 ? top : 1, 5, 1, &yt);
    struct scale x = { xt.lo, xt.hi, A_LEFT, A_RIGHT }, y = { yt.lo, yt.hi, BOTTOM, TOP };

    if (t->have_working)
        phase_band(b, t, &x);
    sb_puts(b, "<g class=\"grid\" stroke=\"#E0E0E0\" stroke-width=\"1\">\n");
    for (int i = 0; i < yt.count; i++)
        hline(b, A_LEFT, A_RIGHT, at(&y, axis_tick(&yt, i)));
    for (int i = 0; i < xt.count; i++)
        vline(b, at(&x, axis_tick(&xt, i)), TOP, BOTTOM);
    sb_puts(b, "</g>\n");
    char num[48];
    for (int i = 0; i < yt.count; i++) {
        snprintf(num, sizeof num, "%.*f", yt.decimals, axis_tick(&yt, i));
        tick_text(b, "ytick", "end", A_LEFT - 6, at(&y, axis_tick(&yt, i)) + 4, num);
    }
    for (int i = 0; i < xt.count; i++) {
        snprintf(num, sizeof num, "%.*f", xt.decimals, axis_tick(&xt, i));
        tick_text(b, "xtick", "middle", at(&x, axis_tick(&xt, i)), BOTTOM + 16, num);
    }
    axis_label(b, "xlabel", (A_LEFT + A_RIGHT) / 2.0, BOTTOM + 36, 0, "Time (s)");
    axis_label(b, "ylabel", A_LEFT - 62, (TOP + BOTTOM) / 2.0, 1, "Round trip (" US ")");

    double ly = TOP + 16;
    if (t->has_load) {
        /* The second axis: the load's throughput, on the right. */
        double scale;
        double max = largest(t->load_bps, t->n_iv);
        const char *unit = axis_rate_unit(max, &scale);
        axis_ticks(0, max / scale > 0 ? max / scale : 1, 5, 1, &lt);
        struct scale l = { lt.lo * scale, lt.hi * scale, BOTTOM, TOP };
        for (int i = 0; i < lt.count; i++) {
            snprintf(num, sizeof num, "%.*f", lt.decimals, axis_tick(&lt, i));
            tick_text(b, "y2tick", "start", A_RIGHT + 6, at(&l, axis_tick(&lt, i) * scale) + 4, num);
        }
        char label[64];
        snprintf(label, sizeof label, "Load throughput (%s)", unit);
        axis_label(b, "y2label", A_RIGHT + 58, (TOP + BOTTOM) / 2.0, 1, label);
        steps(b, t, t->load_bps, &x, &l, "load", LOAD_COLOUR, "6 3");
        legend_row(b, A_LEFT + 10, ly + 36, LOAD_COLOUR, "6 3", "load throughput (right axis)");
    }
    /* With a load, the right edge is its axis. */
    sb_printf(b, "<path class=\"axes\" d=\"M%d %dV%dH%d", A_LEFT, TOP, BOTTOM, A_RIGHT);
    if (t->has_load)
        sb_printf(b, "V%d", TOP);
    sb_puts(b, "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1.2\"/>\n");
    if (t->n_iv == 0) {
        sb_printf(b, "<text class=\"no-data\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\" "
                     "fill=\"#555555\">no intervals: the whole test is on the right</text>\n",
                  (A_LEFT + A_RIGHT) / 2.0, (TOP + BOTTOM) / 2.0, LABEL_FONT);
    } else {
        steps(b, t, t->lat_p99, &x, &y, "p99", P99_COLOUR, "8 4");
        steps(b, t, t->lat_p50, &x, &y, "p50", P50_COLOUR, NULL);
        legend_row(b, A_LEFT + 10, ly, P50_COLOUR, NULL, "p50");
        legend_row(b, A_LEFT + 10, ly + 18, P99_COLOUR, "8 4", "p99");
    }
    if (t->have_working)
        phase_labels(b, t, &x);
}

/* One cumulative distribution drawn in the CDF panel. */
struct cdf_curve {
    const struct weir_report_latency_bucket *b;
    size_t n;
    uint64_t total;             /* round trips, the +Inf bucket */
    const char *cls, *colour, *dash;
    size_t from, last;          /* the buckets drawn: [from, last) */
};

/* From the bucket below the first that holds a round trip to the first
 * that holds them all; 0 when the curve has nothing to draw. */
static int cdf_span(struct cdf_curve *c)
{
    size_t first = 0;
    while (first < c->n && c->b[first].count == 0)
        first++;
    if (c->total == 0 || first == c->n)
        return 0;
    c->last = c->n;
    for (size_t i = first; i < c->n; i++)
        if (c->b[i].count == c->total) {
            c->last = i + 1;
            break;
        }
    c->from = first > 0 ? first - 1 : 0;
    return 1;
}

static void cdf_line(struct svgbuf *b, const struct cdf_curve *c, const struct scale *x, const struct scale *y)
{
    sb_printf(b, "<polyline class=\"series %s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                 "stroke-linejoin=\"round\"%s%s%s points=\"", c->cls, c->colour,
              c->dash ? " stroke-dasharray=\"" : "", c->dash ? c->dash : "", c->dash ? "\"" : "");
    for (size_t i = c->from; i < c->last; i++)
        sb_printf(b, "%s%.1f,%.1f", i > c->from ? " " : "", at(x, log10(c->b[i].le_us)),
                  at(y, (double)c->b[i].count / (double)c->total));
    sb_puts(b, "\"/>\n");
}

/* --load, in the CDF panel: which curve is which, the responsiveness and,
 * where the load's transport keeps an RTT estimate, its connections'
 * smoothed RTT (in band), at its foot on the right, where a CDF has no
 * line. */
static void working_notes(struct svgbuf *b, const struct svg_test *t)
{
    const struct weir_report_working_latency *w = &t->working;
    char text[128];
    const struct weir_report_latency_stats *d[] = { &w->idle, &w->loaded };
    static const char *const name[] = { "idle", "loaded" }, *const colour[] = { IDLE_COLOUR, LOADED_COLOUR },
                             *const dash[] = { NULL, "8 4" };
    for (int i = 0; i < 2; i++) {
        if (d[i]->count > 0)
            snprintf(text, sizeof text, "%s, p50 %.2f " US, name[i], d[i]->p50);
        else
            snprintf(text, sizeof text, "%s: no round trip", name[i]);
        legend_row(b, B_RIGHT - 185, BOTTOM - 82 + 18 * i, colour[i], dash[i], text);
    }
    if (t->have_inband) {
        snprintf(text, sizeof text, "in-band: %s srtt p50 %.2f " US, t->load_transport, t->inband.p50);
        sb_printf(b, "<text class=\"inband\" x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"end\" "
                     "fill=\"#222222\">", B_RIGHT - 6, BOTTOM - 46, LABEL_FONT);
        sb_escaped(b, text, 0);
        sb_puts(b, "</text>\n");
    }
    if (w->loaded.count == 0)
        return;
    snprintf(text, sizeof text, "%.0f RPM", w->rpm);
    sb_printf(b, "<text class=\"rpm\" x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\" "
                 "text-anchor=\"end\" fill=\"#222222\">%s</text>\n", B_RIGHT - 6, BOTTOM - 28, text);
    if (w->idle.count > 0) {
        snprintf(text, sizeof text, "p50 %+.2f " US " under load", w->increase_p50);
        sb_printf(b, "<text class=\"increase\" x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"end\" "
                     "fill=\"#222222\">%s</text>\n", B_RIGHT - 6, BOTTOM - 10, LABEL_FONT, text);
    }
}

/* The cumulative share of round trips at each bucket bound, on a log
 * scale of whole decades around the measured ones: the whole test's, or
 * with --load the idle and the loaded round trips' side by side. */
static void cdf(struct svgbuf *b, const struct svg_test *t)
{
    const struct weir_report_working_latency *w = t->have_working ? &t->working : NULL;
    struct cdf_curve c[2];
    size_t n = 0;
    if (w != NULL) {
        panel_title(b, B_LEFT - 40, "Round trips idle and under load (CDF)");
        c[n++] = (struct cdf_curve){ w->idle.buckets, w->idle.n_buckets, w->idle.count, "cdf-idle", IDLE_COLOUR,
                                     NULL, 0, 0 };
        c[n++] = (struct cdf_curve){ w->loaded.buckets, w->loaded.n_buckets, w->loaded.count, "cdf-loaded",
                                     LOADED_COLOUR, "8 4", 0, 0 };
    } else {
        panel_title(b, B_LEFT - 40, "Round trips, whole test (CDF)");
        c[n++] = (struct cdf_curve){ t->cdf, t->n_cdf, t->lat_end.rtt.count, "cdf", P50_COLOUR, NULL, 0, 0 };
    }
    double lo = INFINITY, hi = -INFINITY;
    int drawn[2] = { 0, 0 };
    for (size_t k = 0; k < n; k++) {
        drawn[k] = cdf_span(&c[k]);
        if (!drawn[k])
            continue;
        lo = fmin(lo, floor(log10(c[k].b[c[k].from].le_us)));
        hi = fmax(hi, ceil(log10(c[k].b[c[k].last - 1].le_us)));
    }
    if (!isfinite(lo)) {
        sb_printf(b, "<text class=\"no-data\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\" "
                     "fill=\"#555555\">no round trip measured</text>\n",
                  (B_LEFT + B_RIGHT) / 2.0, (TOP + BOTTOM) / 2.0, LABEL_FONT);
        return;
    }
    if (hi <= lo)
        hi = lo + 1;
    struct scale x = { lo, hi, B_LEFT, B_RIGHT }, y = { 0, 1, BOTTOM, TOP };

    sb_puts(b, "<g class=\"grid\" stroke=\"#E0E0E0\" stroke-width=\"1\">\n");
    for (double d = lo; d <= hi; d++)
        vline(b, at(&x, d), TOP, BOTTOM);
    for (int q = 0; q <= 4; q++)
        hline(b, B_LEFT, B_RIGHT, at(&y, q / 4.0));
    sb_puts(b, "</g>\n");
    sb_printf(b, "<line class=\"p99-mark\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" P99_COLOUR
                 "\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n", B_LEFT, at(&y, 0.99), B_RIGHT, at(&y, 0.99));
    char num[48];
    for (double d = lo; d <= hi; d++) {
        units_format_number(num, sizeof num, pow(10, d));
        tick_text(b, "xtick", "middle", at(&x, d), BOTTOM + 16, num);
    }
    for (int q = 0; q <= 4; q++) {
        snprintf(num, sizeof num, "%.2f", q / 4.0);
        tick_text(b, "ytick", "end", B_LEFT - 6, at(&y, q / 4.0) + 4, num);
    }
    axis_label(b, "xlabel", (B_LEFT + B_RIGHT) / 2.0, BOTTOM + 36, 0, "Round trip (" US ", log scale)");
    axis_label(b, "ylabel", B_LEFT - 42, (TOP + BOTTOM) / 2.0, 1, "Share of round trips");
    sb_printf(b, "<path class=\"axes\" d=\"M%d %dV%dH%d\" fill=\"none\" stroke=\"#333333\" "
                 "stroke-width=\"1.2\"/>\n", B_LEFT, TOP, BOTTOM, B_RIGHT);
    for (size_t k = 0; k < n; k++)
        if (drawn[k])
            cdf_line(b, &c[k], &x, &y);
    if (w != NULL)
        working_notes(b, t);
}

static void caption_line(struct svgbuf *b, int row, const char *text)
{
    sb_printf(b, "<text class=\"caption\" x=\"20\" y=\"%d\" font-size=\"12\" fill=\"#222222\">",
              CAPTION_Y + row * CAPTION_ROW);
    sb_escaped(b, text, 145);
    sb_puts(b, "</text>\n");
}

static void delays_text(char *buf, size_t len, const char *what, const struct weir_report_latency_stats *d)
{
    snprintf(buf, len, "%s: %llu, min %.2f, p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f, max %.2f "
             "(usec)", what, (unsigned long long)d->count, d->min, d->p50, d->p90, d->p99, d->p999, d->max);
}

void latchart_draw(struct svgbuf *b, const struct svg_test *t)
{
    over_time(b, t);
    cdf(b, t);
    char text[512];
    int row = 0;
    if (t->have_lat_end) {
        const struct weir_report_latency *l = &t->lat_end;
        char d[300];
        delays_text(d, sizeof d, "Round trips", &l->rtt);
        snprintf(text, sizeof text, "%s; %llu sent, %llu lost", d, (unsigned long long)l->sent,
                 (unsigned long long)l->lost);
        caption_line(b, row++, text);
        if (l->one_way) {
            char f[200], r[200];
            snprintf(f, sizeof f, "One-way p50/p99: client to server %.2f/%.2f usec", l->forward.p50,
                     l->forward.p99);
            snprintf(r, sizeof r, "server to client %.2f/%.2f usec", l->reverse.p50, l->reverse.p99);
            snprintf(text, sizeof text, "%s, %s", f, r);
            caption_line(b, row++, text);
        }
    }
    if (t->have_working) {
        const struct weir_report_working_latency *w = &t->working;
        /* Short enough for the caption's width with a queue's delays. */
        snprintf(text, sizeof text, "Working latency: p50 %.2f usec idle, %.2f loaded (%+.2f); %.0f RPM; "
                 "load %.2f Mbits/sec up, %.2f down",
                 w->idle.p50, w->loaded.p50, w->increase_p50, w->rpm, w->up_bits_per_second / 1e6,
                 w->down_bits_per_second / 1e6);
        caption_line(b, row++, text);
    }
    if (t->error != NULL && row < 3) {
        snprintf(text, sizeof text, "Test failed: %s", t->error);
        caption_line(b, row++, text);
    }
}
