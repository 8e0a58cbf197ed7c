#include "jsonnum.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_object *jsonnum_number(double v)
{
    /* Range first: converting a double beyond int64 is undefined. */
    if (isfinite(v) && fabs(v) < 9.2e18 && v == (double)(int64_t)v)
        return json_object_new_int64((int64_t)v);
    if (!isfinite(v))
        return json_object_new_int64(0);
    char buf[64];
    units_format_number(buf, sizeof buf, v);
    return json_object_new_double_s(v, buf);
}

struct json_object *jsonnum_int(int64_t v)
{
    return json_object_new_int64(v);
}

void jsonnum_add_number(struct json_object *o, const char *key, double v)
{
    json_object_object_add(o, key, jsonnum_number(v));
}

void jsonnum_add_int(struct json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key, jsonnum_int(v));
}

int jsonnum_get_i64(struct json_object *obj, int64_t *out)
{
    if (obj == NULL)
        return -1;
    switch (json_object_get_type(obj)) {
    case json_type_int: {
        /* json-c keeps values above INT64_MAX as uint64. */
        uint64_t u = json_object_get_uint64(obj);
        int64_t s = json_object_get_int64(obj);
        if (s == INT64_MAX && u > (uint64_t)INT64_MAX)
            *out = -1;
        else
            *out = s;
        return 0;
    }
    case json_type_double: {
        double d = json_object_get_double(obj);
        if (!isfinite(d))
            return -1;
        if (d >= 9223372036854775808.0)
            *out = -1;
        else if (d <= -9223372036854775808.0)
            *out = INT64_MIN;
        else
            *out = (int64_t)d;
        return 0;
    }
    default:
        return -1;
    }
}

int jsonnum_get_double(struct json_object *obj, double *out)
{
    if (obj == NULL)
        return -1;
    enum json_type t = json_object_get_type(obj);
    if (t != json_type_int && t != json_type_double)
        return -1;
    if (t == json_type_int) {
        int64_t v;
        jsonnum_get_i64(obj, &v);
        *out = (double)v;
    } else {
        *out = json_object_get_double(obj);
    }
    return 0;
}

struct json_object *jsonnum_get(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    if (obj == NULL || !json_object_is_type(obj, json_type_object))
        return NULL;
    if (json_object_object_get_ex(obj, key, &v))
        return v;
    return NULL;
}
