/* The text reporter's side-by-side table of a comparison run. */
#ifndef WEIR_TEXT_COMPARE_H
#define WEIR_TEXT_COMPARE_H

#include <weir/weir.h>

/* Calls line(arg, text) once per output line (newline included); rates
 * in the -f unit. */
void text_comparison(const struct weir_report_comparison *c, char unit,
                     void (*line)(void *arg, const char *text), void *arg);

#endif
