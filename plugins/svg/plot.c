#include "plot.h"

#include <math.h>
#include <stdio.h>

#define TICK_FONT   11
#define LABEL_FONT  12
#define LEGEND_ROW  18
#define LEGEND_SWATCH 26
#define OMITTED_FILL "#9E9E9E"
#define OMITTED_OPACITY "0.22"

static const char *const colours[PLOT_COLOURS] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#999933", "#882255",
};

const char *plot_colour(size_t i)
{
    return colours[i % PLOT_COLOURS];
}

static const char *const dashes[PLOT_DASHES] = {
    NULL, "8 4", "2 3", "10 3 2 3", "4 4", "12 3 2 3 2 3",
};

const char *plot_dash(size_t i)
{
    return dashes[i % PLOT_DASHES];
}

double plot_value(const struct plot_line *l, size_t i)
{
    const struct svg_test *t = l->t;
    switch (l->kind) {
    case PLOT_SUM:
        return t->sum_bps[i];
    case PLOT_REVERSE_SUM:
        return t->rev_bps[i];
    case PLOT_STREAM:
        return t->stream_bps != NULL ? t->stream_bps[i * t->n_streams + l->stream] : 0;
    }
    return 0;
}

void plot_fit(struct plot_frame *f, const struct plot_line *lines, size_t n,
              double left, double top, double right, double bottom)
{
    f->left = left;
    f->top = top;
    f->right = right;
    f->bottom = bottom;
    double hi = 0, max = 0;
    f->omitted = 0;
    for (size_t k = 0; k < n; k++) {
        const struct svg_test *t = lines[k].t;
        /* Time runs from the start of the -O period (negative) on. */
        if (t->omitted_seconds > f->omitted)
            f->omitted = t->omitted_seconds;
        if (t->n_iv > 0 && t->t_end[t->n_iv - 1] - t->omitted_seconds > hi)
            hi = t->t_end[t->n_iv - 1] - t->omitted_seconds;
        for (size_t i = 0; i < t->n_iv; i++) {
            double v = plot_value(&lines[k], i);
            max = v > max ? v : max;
        }
    }
    axis_ticks(-f->omitted, hi, 10, 0, &f->x);
    f->unit = axis_rate_unit(max, &f->scale);
    axis_ticks(0, max / f->scale, 5, 1, &f->y);
}

static double px(const struct plot_frame *f, double seconds)
{
    return f->left + (seconds - f->x.lo) / (f->x.hi - f->x.lo) * (f->right - f->left);
}

static double py(const struct plot_frame *f, double bps)
{
    double v = bps / f->scale;
    return f->bottom - (v - f->y.lo) / (f->y.hi - f->y.lo) * (f->bottom - f->top);
}

static void draw_omitted(struct svgbuf *b, const struct plot_frame *f)
{
    if (!(f->omitted > 0))
        return;
    double x0 = px(f, -f->omitted), x1 = px(f, 0);
    if (x0 < f->left)
        x0 = f->left;
    sb_printf(b, "<rect class=\"omitted\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                 "fill=\"" OMITTED_FILL "\" fill-opacity=\"" OMITTED_OPACITY "\"/>\n",
              x0, f->top, x1 - x0, f->bottom - f->top);
    /* Named in place when there is room; the legend names it anyway. */
    if (x1 - x0 >= 56)
        sb_printf(b, "<text class=\"omitted-label\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
                     "text-anchor=\"middle\" fill=\"#555555\">omitted (-O)</text>\n",
                  (x0 + x1) / 2, f->top + 14, TICK_FONT);
}

void plot_draw_frame(struct svgbuf *b, const struct plot_frame *f)
{
    draw_omitted(b, f);
    sb_puts(b, "<g class=\"grid\" stroke=\"#E0E0E0\" stroke-width=\"1\">\n");
    for (int i = 0; i < f->y.count; i++) {
        double y = py(f, axis_tick(&f->y, i) * f->scale);
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                  f->left, y, f->right, y);
    }
    for (int i = 0; i < f->x.count; i++) {
        double x = px(f, axis_tick(&f->x, i));
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                  x, f->top, x, f->bottom);
    }
    sb_puts(b, "</g>\n");
    sb_printf(b, "<path class=\"axes\" d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#333333\" "
                 "stroke-width=\"1.2\"/>\n", f->left, f->top, f->bottom, f->right);

    sb_printf(b, "<g font-size=\"%d\" fill=\"#333333\" text-anchor=\"end\">\n", TICK_FONT);
    for (int i = 0; i < f->y.count; i++) {
        double v = axis_tick(&f->y, i);
        sb_printf(b, "<text class=\"ytick\" x=\"%.1f\" y=\"%.1f\">%.*f</text>\n", f->left - 6,
                  py(f, v * f->scale) + 4, f->y.decimals, v);
    }
    sb_puts(b, "</g>\n");
    sb_printf(b, "<g font-size=\"%d\" fill=\"#333333\" text-anchor=\"middle\">\n", TICK_FONT);
    for (int i = 0; i < f->x.count; i++) {
        double v = axis_tick(&f->x, i);
        sb_printf(b, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\">%.*f</text>\n", px(f, v),
                  f->bottom + 16, f->x.decimals, v);
    }
    sb_puts(b, "</g>\n");
    sb_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\" "
                 "fill=\"#222222\">Time (s)</text>\n",
              (f->left + f->right) / 2, f->bottom + 36, LABEL_FONT);
    sb_printf(b, "<text class=\"ylabel\" transform=\"translate(%.1f %.1f) rotate(-90)\" font-size=\"%d\" "
                 "text-anchor=\"middle\" fill=\"#222222\">Throughput (%s)</text>\n",
              f->left - 62, (f->top + f->bottom) / 2, LABEL_FONT, f->unit);
}

static void stroke_style(struct svgbuf *b, const struct plot_line *l)
{
    sb_printf(b, "stroke=\"%s\" stroke-width=\"%.1f\"", l->colour, l->width);
    if (l->dash != NULL)
        sb_printf(b, " stroke-dasharray=\"%s\"", l->dash);
}

void plot_draw_line(struct svgbuf *b, const struct plot_frame *f, const struct plot_line *l)
{
    const struct svg_test *t = l->t;
    if (t->n_iv == 0)
        return;
    sb_printf(b, "<polyline class=\"series %s\" data-label=\"", l->cls);
    sb_escaped(b, l->label, 0);
    sb_puts(b, "\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"butt\" ");
    stroke_style(b, l);
    /* A step per interval: its average held from its start to its end,
     * two points each, so nothing is drawn where no interval was. */
    sb_puts(b, " points=\"");
    for (size_t i = 0; i < t->n_iv; i++) {
        double y = py(f, plot_value(l, i));
        sb_printf(b, "%s%.1f,%.1f %.1f,%.1f", i ? " " : "", px(f, svgtest_start(t, i)), y,
                  px(f, svgtest_end_time(t, i)), y);
    }
    sb_puts(b, "\"/>\n");
}

void plot_draw_legend(struct svgbuf *b, const struct plot_frame *f, double x, double y,
                      const struct plot_line *lines, size_t n, size_t max_rows,
                      size_t max_chars, const char *more_what)
{
    size_t rows = 0, more = 0;
    sb_printf(b, "<g font-size=\"%d\" fill=\"#222222\">\n", LABEL_FONT);
    for (size_t k = 0; k < n; k++) {
        const struct plot_line *l = &lines[k];
        if (!l->legend || rows == max_rows) {
            more++;
            continue;
        }
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" ", x, y - 4,
                  x + LEGEND_SWATCH - 4, y - 4);
        stroke_style(b, l);
        sb_puts(b, "/>\n");
        /* Spaces kept: stream labels are the text output's "[  5]". */
        sb_printf(b, "<text class=\"legend\" xml:space=\"preserve\" x=\"%.1f\" y=\"%.1f\">",
                  x + LEGEND_SWATCH + 2, y);
        sb_escaped(b, l->label, max_chars);
        sb_puts(b, "</text>\n");
        y += LEGEND_ROW;
        rows++;
    }
    if (more > 0) {
        sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" PLOT_MUTED_COLOUR
                     "\" stroke-width=\"1.5\"/>\n", x, y - 4, x + LEGEND_SWATCH - 4, y - 4);
        sb_printf(b, "<text class=\"legend more\" x=\"%.1f\" y=\"%.1f\">+%zu more %s</text>\n",
                  x + LEGEND_SWATCH + 2, y, more, more_what);
        y += LEGEND_ROW;
    }
    if (f->omitted > 0) {
        sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"10\" fill=\"" OMITTED_FILL
                     "\" fill-opacity=\"" OMITTED_OPACITY "\" stroke=\"#9E9E9E\"/>\n",
                  x, y - 9, LEGEND_SWATCH - 4);
        sb_printf(b, "<text class=\"legend omitted\" x=\"%.1f\" y=\"%.1f\">omitted (-O)</text>\n",
                  x + LEGEND_SWATCH + 2, y);
    }
    sb_puts(b, "</g>\n");
}
