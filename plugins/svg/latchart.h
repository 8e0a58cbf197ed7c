/* The svg reporter's chart of a --latency test: the round trips' p50 and
 * p99 per interval (with the load's throughput on a second axis when the
 * test had streams without probes) beside the whole test's cumulative
 * distribution of round trips (a CDF on a log scale, from the SDK's
 * bucket counts). With --load the idle phase is shaded up to the load's
 * start, and the CDF panel holds the idle and the loaded round trips' two
 * curves with the responsiveness (RPM). */
#ifndef WEIR_SVG_LATCHART_H
#define WEIR_SVG_LATCHART_H

#include "svgbuf.h"
#include "svgtest.h"

/* Draws between the title (chart.c's) and the end of the document. */
void latchart_draw(struct svgbuf *b, const struct svg_test *t);

#endif
