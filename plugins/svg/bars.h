/* The comparison chart's small bar chart: each test's final sender and
 * receiver average, from the comparison rows, or with --load its idle and
 * loaded round trips. */
#ifndef WEIR_SVG_BARS_H
#define WEIR_SVG_BARS_H

#include <weir/weir.h>

#include "svgbuf.h"

/* Draw in the box (left, top)-(right, bottom), title included; colours[i]
 * is row i's colour (that of its transport's line). */
void bars_draw(struct svgbuf *b, const struct weir_report_comparison *c,
               const char *const *colours, double left, double top, double right, double bottom);
/* --latency --load (SDK 2.3's working): each test's idle and loaded round
 * trips' p50 in place of the averages, a pair of bars per row (idle
 * light, loaded solid) on a log scale of microseconds. */
void bars_draw_working(struct svgbuf *b, const struct weir_report_comparison *c,
                       const struct weir_report_working_latency *w, const char *const *colours,
                       double left, double top, double right, double bottom);

#endif
