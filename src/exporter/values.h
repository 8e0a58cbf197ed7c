/* The kinds of value the modules file and /probe's query string hold
 * (docs/exporter.md): strict readers, no leading blanks or signs, nothing
 * after the value. Each returns 0, or -1 with the reason in why. */
#ifndef WEIR_EXPORTER_VALUES_H
#define WEIR_EXPORTER_VALUES_H

#include <stddef.h>
#include <stdint.h>

/* Digits, optionally a point and more digits: "5", "2.5". */
int value_decimal(const char *text, double *out, char *why, size_t len);
/* A decimal with its unit: "500ms", "5s", "2m". */
int value_duration(const char *text, double *seconds, char *why, size_t len);
/* Digits only, within [min, max]. */
int value_int(const char *text, long min, long max, int *out, char *why, size_t len);
/* yes/no, true/false, on/off, 1/0, any case. */
int value_bool(const char *text, int *out, char *why, size_t len);
/* Bits per second as -b reads them (decimal suffixes: 100M), but starting
 * with a digit. */
int value_rate(const char *text, uint64_t *out, char *why, size_t len);

/* A comma-separated list: items trimmed of blanks, none empty. The items
 * are malloc'd (free with value_list_free). -1 with why when an item is
 * empty or memory runs out. */
int value_list(const char *text, char ***items, size_t *n, char *why, size_t len);
void value_list_free(char **items, size_t n);

#endif
