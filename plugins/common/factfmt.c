#include "factfmt.h"

#include <inttypes.h>
#include <math.h>               /* NAN */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void factfmt_value(const struct weir_value *v, char *buf, size_t len)
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

size_t factfmt_line(const struct weir_fact *facts, size_t n, char *line, size_t len)
{
    size_t used = 0;
    const char *group = NULL;   /* the open group: its name, up to the dot */
    size_t group_len = 0;
    if (len > 0)
        line[0] = '\0';
    for (size_t i = 0; facts && i < n; i++) {
        const char *key = facts[i].key;
        char value[128];
        factfmt_value(&facts[i].value, value, sizeof value);
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

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Keys named before the rule, by their last part. */
static const struct {
    const char *leaf, *name, *unit;
    double divisor;
} older[] = {
    { "cwnd", "cwnd_bytes", "bytes", 1 },
    { "max_udp_payload", "max_udp_payload_bytes", "bytes", 1 },
    { "notsent_lowat", "notsent_lowat_bytes", "bytes", 1 },
    { "bytes_in_flight", "in_flight_bytes", "bytes", 1 },
    { "max_pacing_rate", "max_pacing_rate_bytes_per_second", "bytes_per_second", 8 },
};

static const struct {
    const char *suffix, *base, *unit;
    double divisor;
} suffixes[] = {
    { "_ms", "_seconds", "seconds", 1e3 },
    { "_us", "_seconds", "seconds", 1e6 },
    { "_ns", "_seconds", "seconds", 1e9 },
    { "_bytes", "_bytes", "bytes", 1 },
};

int factfmt_metric(const char *key, struct factfmt_metric *out)
{
    char name[sizeof out->name] = "";
    size_t nlen = 0, ilen = 0;
    out->index[0] = '\0';
    out->unit = NULL;
    out->divisor = 1;
    const char *last = NULL;
    for (const char *p = key; *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (all_digits(p, len)) {
            if (ilen + len + 2 > sizeof out->index)
                return -1;
            if (ilen > 0)
                out->index[ilen++] = '.';
            memcpy(out->index + ilen, p, len);
            out->index[ilen += len] = '\0';
        } else if (len > 0) {
            if (nlen + len + 2 > sizeof name)
                return -1;
            if (nlen > 0)
                name[nlen++] = '_';
            last = name + nlen;
            memcpy(name + nlen, p, len);
            name[nlen += len] = '\0';
        }
        p += len + (dot != NULL);
    }
    if (last == NULL)
        return -1;
    size_t stem = (size_t)(last - name);
    for (size_t i = 0; i < sizeof older / sizeof older[0]; i++) {
        if (strcmp(last, older[i].leaf) != 0)
            continue;
        if (stem + strlen(older[i].name) + 1 > sizeof out->name)
            return -1;
        memcpy(out->name, name, stem);
        strcpy(out->name + stem, older[i].name);
        out->unit = older[i].unit;
        out->divisor = older[i].divisor;
        return 0;
    }
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (!ends_with(last, suffixes[i].suffix))
            continue;
        size_t keep = nlen - strlen(suffixes[i].suffix);
        if (keep + strlen(suffixes[i].base) + 1 > sizeof out->name)
            return -1;
        memcpy(out->name, name, keep);
        strcpy(out->name + keep, suffixes[i].base);
        out->unit = suffixes[i].unit;
        out->divisor = suffixes[i].divisor;
        return 0;
    }
    memcpy(out->name, name, nlen + 1);
    return 0;
}

double factfmt_metric_value(const struct weir_value *v, const struct factfmt_metric *m)
{
    if (v->type != WEIR_VALUE_INT && v->type != WEIR_VALUE_UINT && v->type != WEIR_VALUE_DOUBLE)
        return NAN;
    /* 10^exponent == divisor for the decimal units */
    int exponent = m->divisor == 1e3 ? 3 : m->divisor == 1e6 ? 6 : m->divisor == 1e9 ? 9 : 0;
    if (exponent == 0) {
        double x = v->type == WEIR_VALUE_INT ? (double)v->v.i
                 : v->type == WEIR_VALUE_UINT ? (double)v->v.u : v->v.d;
        return x / m->divisor;
    }
    char text[64];
    factfmt_value(v, text, sizeof text - 8);
    size_t n = strlen(text);
    snprintf(text + n, sizeof text - n, "e-%d", exponent);
    return strtod(text, NULL);
}
