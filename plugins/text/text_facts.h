/* -V: a transport's facts about a stream as one line of text, e.g.
 * "tls: version TLSv1.3, cipher TLS_AES_128_GCM_SHA256, ktls_send no". */
#ifndef WEIR_TEXT_FACTS_H
#define WEIR_TEXT_FACTS_H

#include <stddef.h>
#include <weir/weir.h>

/* One value: yes/no, the number, or the string. Doubles in the fewest
 * digits that read back the same. */
void text_fact_value(const struct weir_value *v, char *buf, size_t len);

/* The facts, in order, into line (cut at len): "key value" pairs joined by
 * ", "; a run of dotted keys with the same first part is one group,
 * "group: k1 v1, k2 v2", set off by "; ". Returns the length written, 0
 * for no facts. */
size_t text_facts_line(const struct weir_fact *facts, size_t n, char *line, size_t len);

#endif
