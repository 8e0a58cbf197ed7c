/* A reporter's copy of a stream's facts: hooks hand facts over valid only
 * during the call, and a reporter that shows them later (openmetrics at
 * the end, svg in its chart) keeps them here. */
#ifndef WEIR_FACTLIST_H
#define WEIR_FACTLIST_H

#include <stddef.h>
#include <weir/weir.h>

struct factlist {
    struct weir_fact *v;        /* keys and string values owned */
    size_t n, cap;
};

/* Copies facts into l: a fact whose key l has replaces its value in place
 * (a later interval's number), others are appended in order. Returns 0,
 * or -1 when out of memory (some facts are missing). */
int factlist_put(struct factlist *l, const struct weir_fact *facts, size_t n);
void factlist_free(struct factlist *l);

#endif
