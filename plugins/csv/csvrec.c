#include "csvrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

void csv_record_clear(struct csv_record *r)
{
    for (int c = 0; c < CSV_NCOLUMNS; c++)
        r->field[c] = NULL;
}

void csv_set_text(struct csv_record *r, enum csv_column c, const char *text)
{
    r->field[c] = text;
}

void csv_set_fixed(struct csv_record *r, enum csv_column c, double v, int decimals)
{
    if (!isfinite(v) || fabs(v) >= 1e20) {
        r->field[c] = NULL;
        return;
    }
    snprintf(r->num[c], sizeof r->num[c], "%.*f", decimals, v);
    /* A tiny negative value rounds to "-0.000": zero has no sign. */
    if (r->num[c][0] == '-' && strspn(r->num[c] + 1, "0.") == strlen(r->num[c] + 1))
        memmove(r->num[c], r->num[c] + 1, strlen(r->num[c]));
    r->field[c] = r->num[c];
}

void csv_set_int(struct csv_record *r, enum csv_column c, int64_t v)
{
    snprintf(r->num[c], sizeof r->num[c], "%lld", (long long)v);
    r->field[c] = r->num[c];
}

void csv_set_uint(struct csv_record *r, enum csv_column c, uint64_t v)
{
    snprintf(r->num[c], sizeof r->num[c], "%llu", (unsigned long long)v);
    r->field[c] = r->num[c];
}

/* RFC 4180 section 2, rules 6 and 7. */
static int needs_quotes(const char *s)
{
    return strpbrk(s, ",\"\r\n") != NULL;
}

char *csv_line(const struct csv_record *r, size_t *len)
{
    /* Worst case: every character a doubled quote, two quotes and a comma
     * per field, the newline and the terminator. */
    size_t cap = 2;
    for (int c = 0; c < CSV_NCOLUMNS; c++)
        cap += 3 + (r->field[c] ? 2 * strlen(r->field[c]) : 0);
    char *line = malloc(cap);
    if (line == NULL)
        return NULL;
    char *p = line;
    for (int c = 0; c < CSV_NCOLUMNS; c++) {
        if (c > 0)
            *p++ = ',';
        const char *s = r->field[c];
        if (s == NULL)
            continue;
        if (!needs_quotes(s)) {
            size_t n = strlen(s);
            memcpy(p, s, n);
            p += n;
            continue;
        }
        *p++ = '"';
        for (; *s; s++) {
            if (*s == '"')
                *p++ = '"';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '\n';
    *p = '\0';
    *len = (size_t)(p - line);
    return line;
}

/* ",time,test,...,error\n": every name after a comma, the first comma
 * skipped. */
#define CSV_NAME(id, text) "," text
static const char header[] = CSV_COLUMNS(CSV_NAME) "\n";
#undef CSV_NAME

const char *csv_header(void)
{
    return header + 1;
}
