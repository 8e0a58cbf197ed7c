#include "exporter/values.h"
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The end of the decimal text starts with, or NULL when it starts with
 * none: so "1e3", " 5", "+5", "0x10", "inf" are not numbers here. */
static const char *decimal_end(const char *text)
{
    const char *p = text;
    if (!isdigit((unsigned char)*p))
        return NULL;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        if (!isdigit((unsigned char)p[1]))
            return NULL;
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    }
    return p;
}

static double decimal_value(const char *text, const char *end)
{
    char buf[64];
    size_t n = (size_t)(end - text);
    if (n >= sizeof buf)
        return 1e300;       /* far beyond any range checked against */
    memcpy(buf, text, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

int value_decimal(const char *text, double *out, char *why, size_t len)
{
    const char *end = decimal_end(text);
    if (!end || *end) {
        snprintf(why, len, "'%s' is not a decimal number", text);
        return -1;
    }
    *out = decimal_value(text, end);
    return 0;
}

int value_duration(const char *text, double *seconds, char *why, size_t len)
{
    static const struct { const char *unit; double scale; } units[] = {
        { "ms", 0.001 }, { "s", 1 }, { "m", 60 },
    };
    const char *end = decimal_end(text);
    if (end) {
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(end, units[i].unit) == 0) {
                *seconds = decimal_value(text, end) * units[i].scale;
                return 0;
            }
    }
    snprintf(why, len, "'%s' is not a duration (a number and its unit: 500ms, 5s, 2m)", text);
    return -1;
}

int value_int(const char *text, long min, long max, int *out, char *why, size_t len)
{
    const char *p = text;
    while (isdigit((unsigned char)*p))
        p++;
    if (p == text || *p) {
        snprintf(why, len, "'%s' is not a whole number", text);
        return -1;
    }
    errno = 0;
    long v = strtol(text, NULL, 10);
    if (errno == ERANGE || v < min || v > max) {
        snprintf(why, len, "%s is out of range (%ld to %ld)", text, min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int value_bool(const char *text, int *out, char *why, size_t len)
{
    static const char *const yes[] = { "yes", "true", "on", "1" };
    static const char *const no[] = { "no", "false", "off", "0" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    snprintf(why, len, "'%s' is not a boolean (yes or no)", text);
    return -1;
}

int value_rate(const char *text, uint64_t *out, char *why, size_t len)
{
    if (!isdigit((unsigned char)*text) || units_parse_rate(text, out) != 0) {
        snprintf(why, len, "'%s' is not a rate in bits/s (100M, 2.5G)", text);
        return -1;
    }
    return 0;
}

void value_list_free(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

int value_list(const char *text, char ***items, size_t *n, char *why, size_t len)
{
    *items = NULL;
    *n = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *stop = comma ? comma : p + strlen(p);
        while (p < stop && isspace((unsigned char)*p))
            p++;
        const char *e = stop;
        while (e > p && isspace((unsigned char)e[-1]))
            e--;
        if (e == p) {
            snprintf(why, len, "empty item in the list '%s'", text);
            value_list_free(*items, *n);
            *items = NULL;
            *n = 0;
            return -1;
        }
        char **grown = realloc(*items, (*n + 1) * sizeof *grown);
        char *item = grown ? strndup(p, (size_t)(e - p)) : NULL;
        if (grown)
            *items = grown;
        if (!item) {
            snprintf(why, len, "out of memory");
            value_list_free(*items, *n);
            *items = NULL;
            *n = 0;
            return -1;
        }
        (*items)[(*n)++] = item;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}
