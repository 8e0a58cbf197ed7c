#include "jsonfacts.h"
#include "jsonnum.h"

#include <stdint.h>
#include <string.h>

struct json_object *jsonfacts_value(const struct weir_value *v)
{
    switch (v->type) {
    case WEIR_VALUE_BOOL:
        return json_object_new_boolean(v->v.b != 0);
    case WEIR_VALUE_INT:
        return jsonnum_int(v->v.i);
    case WEIR_VALUE_UINT:
        if (v->v.u <= (uint64_t)INT64_MAX)
            return jsonnum_int((int64_t)v->v.u);
#if JSON_C_VERSION_NUM >= ((0 << 16) | (14 << 8))
        return json_object_new_uint64(v->v.u);
#else
        return jsonnum_number((double)v->v.u);
#endif
    case WEIR_VALUE_DOUBLE:
        return jsonnum_number(v->v.d);
    case WEIR_VALUE_STRING:
        return json_object_new_string(v->v.s ? v->v.s : "");
    default:
        return NULL;
    }
}

/* The object the last part of key goes into, made along the way; *leaf
 * is that part. NULL when a part names a member that is not an object. */
static struct json_object *parent_of(struct json_object *obj, const char *key, const char **leaf)
{
    const char *dot;
    while ((dot = strchr(key, '.')) != NULL) {
        char part[128];
        size_t len = (size_t)(dot - key);
        if (len == 0 || len >= sizeof part)
            return NULL;
        memcpy(part, key, len);
        part[len] = '\0';
        struct json_object *child = NULL;
        if (!json_object_object_get_ex(obj, part, &child)) {
            child = json_object_new_object();
            json_object_object_add(obj, part, child);
        } else if (!json_object_is_type(child, json_type_object)) {
            return NULL;
        }
        obj = child;
        key = dot + 1;
    }
    *leaf = key;
    return obj;
}

void jsonfacts_add(struct json_object *obj, const struct weir_fact *facts, size_t n)
{
    for (size_t i = 0; facts && i < n; i++) {
        const char *leaf = NULL;
        struct json_object *into = facts[i].key ? parent_of(obj, facts[i].key, &leaf) : NULL;
        struct json_object *v = into && *leaf ? jsonfacts_value(&facts[i].value) : NULL;
        if (v)
            json_object_object_add(into, leaf, v);
    }
}
