/* Typed facts (struct weir_fact) as JSON members, the one place they turn
 * into JSON: start.weir and its streams[], intervals[].streams[].weir. */
#ifndef WEIR_JSONFACTS_H
#define WEIR_JSONFACTS_H

#include <stddef.h>
#include <json-c/json.h>
#include <weir/weir.h>

/* A new JSON value for v (NULL for WEIR_VALUE_NONE or an unknown type).
 * Doubles are written as iperf3 writes numbers (jsonnum.h). */
struct json_object *jsonfacts_value(const struct weir_value *v);

/* Add the n facts to the object obj, in order. A dotted key nests: "tls.version"
 * is the member "version" of obj's member object "tls" (made on first use;
 * a fact whose path runs into a member that is not an object is left out). */
void jsonfacts_add(struct json_object *obj, const struct weir_fact *facts, size_t n);

#endif
