/* JSON numbers the way iperf3 (cJSON) writes and reads them. */
#ifndef WEIR_JSONNUM_H
#define WEIR_JSONNUM_H

#include <stdint.h>
#include <json-c/json.h>

/* A number object printed as an integer when the value is integral, else
 * with 15 significant digits, or 17 when 15 do not round-trip. */
struct json_object *jsonnum_number(double v);
struct json_object *jsonnum_int(int64_t v);
/* o[key] = jsonnum_number(v) / jsonnum_int(v): what every JSON document
 * the plugins and the core build sets its numbers with. */
void jsonnum_add_number(struct json_object *o, const char *key, double v);
void jsonnum_add_int(struct json_object *o, const char *key, int64_t v);

/* Integer value of obj (int or double). iperf3 3.12/3.13 print -1 as
 * 18446744073709551615: values >= 2^63 read as -1. Returns 0 on success,
 * -1 when obj is not a number. */
int jsonnum_get_i64(struct json_object *obj, int64_t *out);
/* Number value of obj (int or double); -1 when not a number. */
int jsonnum_get_double(struct json_object *obj, double *out);

/* obj[key] when present, else NULL. */
struct json_object *jsonnum_get(struct json_object *obj, const char *key);

#endif
