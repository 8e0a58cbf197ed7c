#include "bars.h"

#include <math.h>
#include <stdio.h>

#include "axis.h"

#define TITLE_FONT 12
#define TICK_FONT  10
#define AXIS_WIDTH 40           /* room for the tick labels */
#define RECEIVER_OPACITY "0.4"  /* receiver bars: the sender's colour, lighter */
#define CHAR_WIDTH 6.0          /* average width of a TICK_FONT character */
#define IDLE_OPACITY "0.4"      /* idle bars: the loaded one's colour, lighter */

static void legend_swatch(struct svgbuf *b, double x, double y, const char *opacity,
                          const char *text)
{
    sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"10\" fill=\"#555555\" "
                 "fill-opacity=\"%s\" stroke=\"#555555\"/>\n", x, y - 9, opacity);
    sb_printf(b, "<text class=\"bar-legend\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\">%s</text>\n",
              x + 16, y, TICK_FONT, text);
}

static void bar(struct svgbuf *b, const char *cls, double x, double w, double y, double bottom,
                const char *colour, const char *opacity)
{
    sb_printf(b, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                 "fill=\"%s\" fill-opacity=\"%s\" stroke=\"%s\"/>\n",
              cls, x, y, w, bottom - y, colour, opacity, colour);
}

/* One horizontal grid line at py with its tick label. */
static void grid_line(struct svgbuf *b, double x0, double right, double py, const char *label)
{
    sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#E0E0E0\"/>\n",
              x0, py, right, py);
    sb_printf(b, "<text class=\"bar-ytick\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x0 - 4, py + 3, label);
}

/* Closes the tick labels' group and draws the axes. */
static void axes(struct svgbuf *b, double x0, double y0, double bottom, double right)
{
    sb_puts(b, "</g>\n");
    sb_printf(b, "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#333333\"/>\n",
              x0, y0, bottom, right);
}

/* A row whose test failed: the word instead of its bars. */
static void failed_mark(struct svgbuf *b, double mid, double bottom)
{
    sb_printf(b, "<text class=\"bar-failed\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
                 "font-size=\"%d\" fill=\"#D55E00\">failed</text>\n",
              mid + 3, bottom - 4, TICK_FONT);
}

/* The row's transport under its bars. */
static void row_label(struct svgbuf *b, double mid, double bottom, const char *transport, size_t chars)
{
    sb_printf(b, "<text class=\"bar-label\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
                 "text-anchor=\"middle\" fill=\"#222222\">", mid, bottom + 13, TICK_FONT);
    sb_escaped(b, transport != NULL ? transport : "?", chars);
    sb_puts(b, "</text>\n");
}

void bars_draw(struct svgbuf *b, const struct weir_report_comparison *c,
               const char *const *colours, double left, double top, double right, double bottom)
{
    double max = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct weir_report_comparison_row *r = &c->rows[i];
        if (r->error != NULL)
            continue;
        if (r->sender_bits_per_second > max)
            max = r->sender_bits_per_second;
        if (r->receiver_bits_per_second > max)
            max = r->receiver_bits_per_second;
    }
    double scale;
    const char *unit = axis_rate_unit(max, &scale);
    struct axis_ticks y;
    axis_ticks(0, max / scale, 4, 1, &y);

    sb_printf(b, "<text class=\"bars-title\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"bold\" "
                 "fill=\"#222222\">Final average (%s)</text>\n", left, top, TITLE_FONT, unit);
    legend_swatch(b, left, top + 17, "1", "sender");
    legend_swatch(b, left + 70, top + 17, RECEIVER_OPACITY, "receiver");

    double x0 = left + AXIS_WIDTH, y0 = top + 32;
    sb_printf(b, "<g font-size=\"%d\" fill=\"#333333\" text-anchor=\"end\">\n", TICK_FONT);
    for (int i = 0; i < y.count; i++) {
        double v = axis_tick(&y, i);
        double py = bottom - (v - y.lo) / (y.hi - y.lo) * (bottom - y0);
        char label[32];
        snprintf(label, sizeof label, "%.*f", y.decimals, v);
        grid_line(b, x0, right, py, label);
    }
    axes(b, x0, y0, bottom, right);
    if (c->n_rows == 0)
        return;

    double group = (right - x0) / (double)c->n_rows;
    double w = group * 0.36 > 22 ? 22 : group * 0.36;
    size_t label_chars = group / CHAR_WIDTH > 3 ? (size_t)(group / CHAR_WIDTH) : 3;
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct weir_report_comparison_row *r = &c->rows[i];
        double mid = x0 + group * ((double)i + 0.5);
        if (r->error != NULL) {
            failed_mark(b, mid, bottom);
        } else {
            double ys = bottom - r->sender_bits_per_second / scale / y.hi * (bottom - y0);
            double yr = bottom - r->receiver_bits_per_second / scale / y.hi * (bottom - y0);
            bar(b, "sender", mid - w - 1, w, ys, bottom, colours[i], "1");
            bar(b, "receiver", mid + 1, w, yr, bottom, colours[i], RECEIVER_OPACITY);
        }
        row_label(b, mid, bottom, r->transport, label_chars);
    }
}

/* A power of ten of microseconds as a tick label: "10 us", "1 ms", "10 s". */
static void decade_label(char *buf, size_t len, int exp10)
{
    static const char *const units[] = { "\xc2\xb5s", "ms", "s" };
    int u = exp10 < 3 ? 0 : exp10 < 6 ? 1 : 2;
    int e = exp10 - 3 * u;
    if (e < 0)
        snprintf(buf, len, "%g %s", pow(10, e), units[u]);
    else
        snprintf(buf, len, "%.0f %s", pow(10, e), units[u]);
}

void bars_draw_working(struct svgbuf *b, const struct weir_report_comparison *c,
                       const struct weir_report_working_latency *w, const char *const *colours,
                       double left, double top, double right, double bottom)
{
    /* Whole decades around every p50 measured (at least one). */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct weir_report_latency_stats *d[] = { &w[i].idle, &w[i].loaded };
        for (int k = 0; k < 2; k++)
            if (c->rows[i].error == NULL && d[k]->count > 0 && d[k]->p50 > 0) {
                lo = fmin(lo, floor(log10(d[k]->p50)));
                hi = fmax(hi, ceil(log10(d[k]->p50)));
            }
    }
    if (!isfinite(lo)) {
        lo = 0;
        hi = 3;
    }
    if (hi <= lo)
        hi = lo + 1;

    sb_printf(b, "<text class=\"bars-title\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"bold\" "
                 "fill=\"#222222\">Round trip p50 (log scale)</text>\n", left, top, TITLE_FONT);
    legend_swatch(b, left, top + 17, IDLE_OPACITY, "idle");
    legend_swatch(b, left + 70, top + 17, "1", "loaded");

    double x0 = left + AXIS_WIDTH, y0 = top + 32;
    sb_printf(b, "<g font-size=\"%d\" fill=\"#333333\" text-anchor=\"end\">\n", TICK_FONT);
    for (int e = (int)lo; e <= (int)hi; e++) {
        double py = bottom - (e - lo) / (hi - lo) * (bottom - y0);
        char label[24];
        decade_label(label, sizeof label, e);
        grid_line(b, x0, right, py, label);
    }
    axes(b, x0, y0, bottom, right);
    if (c->n_rows == 0)
        return;

    double group = (right - x0) / (double)c->n_rows;
    double bw = group * 0.36 > 22 ? 22 : group * 0.36;
    size_t label_chars = group / CHAR_WIDTH > 3 ? (size_t)(group / CHAR_WIDTH) : 3;
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct weir_report_comparison_row *r = &c->rows[i];
        double mid = x0 + group * ((double)i + 0.5);
        if (r->error != NULL) {
            failed_mark(b, mid, bottom);
        } else {
            const struct weir_report_latency_stats *d[] = { &w[i].idle, &w[i].loaded };
            static const char *const cls[] = { "idle", "loaded" };
            for (int k = 0; k < 2; k++) {
                if (d[k]->count == 0 || d[k]->p50 <= 0)
                    continue;
                /* Below the axis' first decade: a sliver at its foot. */
                double v = fmax(log10(d[k]->p50), lo);
                double y = bottom - (v - lo) / (hi - lo) * (bottom - y0);
                bar(b, cls[k], k == 0 ? mid - bw - 1 : mid + 1, bw, fmin(y, bottom - 1), bottom, colours[i],
                    k == 0 ? IDLE_OPACITY : "1");
            }
        }
        row_label(b, mid, bottom, r->transport, label_chars);
    }
}
