/* The comparison chart's small bar chart: each test's final sender and
 * receiver average, from the comparison rows. */
#ifndef WEIR_SVG_BARS_H
#define WEIR_SVG_BARS_H

#include <weir/weir.h>

#include "svgbuf.h"

/* Draw in the box (left, top)-(right, bottom), title included; colours[i]
 * is row i's colour (that of its transport's line). */
void bars_draw(struct svgbuf *b, const struct weir_report_comparison *c,
               const char *const *colours, double left, double top, double right, double bottom);

#endif
