/* The svg reporter's charts, drawn from kept tests into a buffer: one
 * test's throughput per interval, or a comparison run's tests together. */
#ifndef WEIR_SVG_CHART_H
#define WEIR_SVG_CHART_H

#include <stddef.h>
#include <weir/weir.h>

#include "svgbuf.h"
#include "svgtest.h"

/* title: the -T text or NULL; unit: -f, for the caption's rates. */
void chart_single(struct svgbuf *b, const struct svg_test *t, const char *title, char unit);
/* tests: the comparison run's tests in the order they ran; c: the
 * comparison rows, or NULL when the run ended before its comparison hook
 * (then there is no bar chart). */
void chart_comparison(struct svgbuf *b, struct svg_test *const *tests, size_t n,
                      const struct weir_report_comparison *c, const char *title, char unit);

#endif
