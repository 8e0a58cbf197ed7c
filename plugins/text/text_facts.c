#include "text_facts.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void text_fact_value(const struct weir_value *v, char *buf, size_t len)
{
    switch (v->type) {
    case WEIR_VALUE_BOOL:
        snprintf(buf, len, "%s", v->v.b ? "yes" : "no");
        break;
    case WEIR_VALUE_INT:
        snprintf(buf, len, "%" PRId64, v->v.i);
        break;
    case WEIR_VALUE_UINT:
        snprintf(buf, len, "%" PRIu64, v->v.u);
        break;
    case WEIR_VALUE_DOUBLE:
        snprintf(buf, len, "%.15g", v->v.d);
        if (strtod(buf, NULL) != v->v.d)
            snprintf(buf, len, "%.17g", v->v.d);
        break;
    case WEIR_VALUE_STRING:
        snprintf(buf, len, "%s", v->v.s ? v->v.s : "");
        break;
    default:
        snprintf(buf, len, "?");
        break;
    }
}

/* Append to line at *n, never past len. */
static void put(char *line, size_t len, size_t *n, const char *fmt, ...)
{
    if (*n + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + *n, len - *n, fmt, ap);
    va_end(ap);
    if (w > 0)
        *n = *n + (size_t)w < len ? *n + (size_t)w : len - 1;
}

size_t text_facts_line(const struct weir_fact *facts, size_t n, char *line, size_t len)
{
    size_t used = 0;
    const char *group = NULL;   /* the open group: its name, up to the dot */
    size_t group_len = 0;
    if (len > 0)
        line[0] = '\0';
    for (size_t i = 0; facts && i < n; i++) {
        const char *key = facts[i].key;
        char value[128];
        text_fact_value(&facts[i].value, value, sizeof value);
        const char *dot = strchr(key, '.');
        if (!dot) {
            group = NULL;
            put(line, len, &used, "%s%s %s", used ? ", " : "", key, value);
            continue;
        }
        size_t glen = (size_t)(dot - key);
        if (group && glen == group_len && strncmp(group, key, glen) == 0) {
            put(line, len, &used, ", %s %s", dot + 1, value);
            continue;
        }
        group = key;
        group_len = glen;
        put(line, len, &used, "%s%.*s: %s %s", used ? "; " : "", (int)glen, key, dot + 1, value);
    }
    return used;
}
