/* The text reporter's side-by-side table of a comparison run. */
#ifndef WEIR_TEXT_COMPARE_H
#define WEIR_TEXT_COMPARE_H

#include <weir/weir.h>

/* Calls line(arg, text) once per output line (newline included); rates
 * in the -f unit. --latency appends RTT p50, RTT p99 and Lost to the
 * columns; --load (SDK 2.3) then Idle p50, Loaded p50, Increase, RPM and
 * Load (its rate as received), "-" where a row has none, and a line under
 * the table says what the load was. */
void text_comparison(const struct weir_report_comparison *c, char unit,
                     void (*line)(void *arg, const char *text), void *arg);

#endif
