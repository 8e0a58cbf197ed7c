#include "run/facts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Dot-separated parts of letters, digits and '_': what every reporter can
 * turn into a name (a JSON member, a nested object, a text label). */
static int key_ok(const char *key)
{
    if (!key || !*key)
        return 0;
    size_t part = 0;
    for (const char *c = key; *c; c++) {
        if (*c == '.') {
            if (part == 0)
                return 0;
            part = 0;
        } else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '_') {
            part++;
        } else {
            return 0;
        }
    }
    return part > 0;
}

static int value_ok(const struct weir_value *v)
{
    switch (v->type) {
    case WEIR_VALUE_BOOL:
    case WEIR_VALUE_INT:
    case WEIR_VALUE_UINT:
        return 1;
    case WEIR_VALUE_DOUBLE:
        return isfinite(v->v.d);
    case WEIR_VALUE_STRING:
        return v->v.s != NULL;
    default:
        return 0;
    }
}

static void fact_free(struct weir_fact *f)
{
    free((char *)f->key);
    if (f->value.type == WEIR_VALUE_STRING)
        free((char *)f->value.v.s);
}

int facts_add(struct fact_list *l, const char *key, const struct weir_value *v)
{
    if (!v || !key_ok(key) || !value_ok(v))
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct weir_fact *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    struct weir_fact f = { .key = strdup(key), .value = *v };
    if (v->type == WEIR_VALUE_BOOL)
        f.value.v.b = v->v.b != 0;
    if (v->type == WEIR_VALUE_STRING)
        f.value.v.s = strdup(v->v.s);
    if (!f.key || (v->type == WEIR_VALUE_STRING && !f.value.v.s)) {
        fact_free(&f);
        return -1;
    }
    l->items[l->n++] = f;
    return 0;
}

static void sink_add(void *ctx, const char *key, const struct weir_value *value)
{
    (void)facts_add(ctx, key, value);
}

struct weir_fact_sink facts_sink(struct fact_list *l)
{
    return (struct weir_fact_sink){ .ctx = l, .add = sink_add };
}

void facts_clear(struct fact_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        fact_free(&l->items[i]);
    l->n = 0;
}

void facts_free(struct fact_list *l)
{
    facts_clear(l);
    free(l->items);
    l->items = NULL;
    l->cap = 0;
}
