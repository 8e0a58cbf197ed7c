/* Typed facts a transport reports about its streams (the describe and
 * describe_interval hooks), collected for the reporters: the host's side
 * of struct weir_fact_sink. */
#ifndef WEIR_FACTS_H
#define WEIR_FACTS_H

#include <stddef.h>
#include <weir/weir.h>

/* Facts in the order they were added; the list owns every key and string.
 * A zeroed list is empty. */
struct fact_list {
    struct weir_fact *items;
    size_t n, cap;
};

/* Append a copy of key = *v. Returns 0, or -1 when the fact is dropped: a
 * malformed key (not letters, digits and '_' in dot-separated parts) or
 * value (unknown type, NULL string, NaN or infinite double), or no memory. */
int facts_add(struct fact_list *l, const char *key, const struct weir_value *v);
/* A sink whose add appends to l (facts_add), for a plugin's hook. */
struct weir_fact_sink facts_sink(struct fact_list *l);
/* Forget every fact, keep the room. */
void facts_clear(struct fact_list *l);
void facts_free(struct fact_list *l);

#endif
