#include "factlist.h"

#include <stdlib.h>
#include <string.h>

static int copy_value(struct weir_value *to, const struct weir_value *from)
{
    *to = *from;
    if (from->type != WEIR_VALUE_STRING)
        return 0;
    to->v.s = strdup(from->v.s != NULL ? from->v.s : "");
    return to->v.s != NULL ? 0 : -1;
}

static void free_value(struct weir_value *v)
{
    if (v->type == WEIR_VALUE_STRING)
        free((char *)v->v.s);
    v->type = WEIR_VALUE_NONE;
}

static int put_one(struct factlist *l, const struct weir_fact *f)
{
    struct weir_value copy;
    if (f->key == NULL || copy_value(&copy, &f->value) != 0)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].key, f->key) == 0) {
            free_value(&l->v[i].value);
            l->v[i].value = copy;
            return 0;
        }
    }
    char *key = strdup(f->key);
    if (key == NULL) {
        free(key);
        free_value(&copy);
        return -1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct weir_fact *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            free(key);
            free_value(&copy);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].key = key;
    l->v[l->n++].value = copy;
    return 0;
}

int factlist_put(struct factlist *l, const struct weir_fact *facts, size_t n)
{
    int rc = 0;
    for (size_t i = 0; facts != NULL && i < n; i++)
        if (put_one(l, &facts[i]) != 0)
            rc = -1;
    return rc;
}

void factlist_free(struct factlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].key);
        free_value(&l->v[i].value);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
