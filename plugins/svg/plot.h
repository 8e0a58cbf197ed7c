/* One line chart of bit rates over time: frame, axes, gridlines, lines and
 * legend, shared by the single-test and the comparison chart. */
#ifndef WEIR_SVG_PLOT_H
#define WEIR_SVG_PLOT_H

#include <stddef.h>

#include "axis.h"
#include "svgbuf.h"
#include "svgtest.h"

/* Colour-blind-safe colours (Okabe and Ito's set without its yellow, plus
 * two of Paul Tol's), for streams and transports in order. */
#define PLOT_COLOURS 8
const char *plot_colour(size_t i);
/* Dash patterns, so that lines drawn on top of each other (two streams at
 * the same rate, a stream equal to its sum) both stay visible: pattern i
 * of a set; 0 is solid (NULL). */
#define PLOT_DASHES 6
const char *plot_dash(size_t i);
#define PLOT_SUM_COLOUR   "#5A5A5A"    /* a band the streams show inside */
#define PLOT_MUTED_COLOUR "#BBBBBB"    /* streams beyond the legend's */

enum plot_kind { PLOT_SUM, PLOT_REVERSE_SUM, PLOT_STREAM };

/* One series: a value per interval of test t. */
struct plot_line {
    const struct svg_test *t;
    enum plot_kind kind;
    size_t stream;              /* PLOT_STREAM: index into t->streams */
    char label[96];             /* plain text; escaped when drawn */
    const char *cls;            /* class attribute: "sum", "stream", "transport" */
    const char *colour;
    double width;
    const char *dash;           /* stroke-dasharray, NULL: solid (plot_dash) */
    int legend;                 /* has a legend row */
};

double plot_value(const struct plot_line *l, size_t i);

struct plot_frame {
    double left, top, right, bottom;    /* the plotting area, pixels */
    struct axis_ticks x;                /* seconds */
    struct axis_ticks y;                /* in unit */
    double scale;                       /* bits/s per unit */
    const char *unit;
    double omitted;                     /* longest -O period, seconds */
};

/* Fit the axes to every value of the lines. */
void plot_fit(struct plot_frame *f, const struct plot_line *lines, size_t n,
              double left, double top, double right, double bottom);
/* The -O period shaded, gridlines, axes, tick labels and axis titles. */
void plot_draw_frame(struct svgbuf *b, const struct plot_frame *f);
void plot_draw_line(struct svgbuf *b, const struct plot_frame *f, const struct plot_line *l);
/* Legend rows for the lines that have one, at most max_rows of them, then
 * "+N more <what>" for the lines without a row, then the -O swatch when
 * the frame has an omitted period. */
void plot_draw_legend(struct svgbuf *b, const struct plot_frame *f, double x, double y,
                      const struct plot_line *lines, size_t n, size_t max_rows,
                      size_t max_chars, const char *more_what);

#endif
