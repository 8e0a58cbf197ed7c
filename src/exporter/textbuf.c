#include "exporter/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_add(struct textbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void tb_printf(struct textbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        tb_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tb_add(b, big, (size_t)n);
    free(big);
}

void tb_label_value(struct textbuf *b, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\')
            tb_add(b, "\\\\", 2);
        else if (*p == '"')
            tb_add(b, "\\\"", 2);
        else if (*p == '\n')
            tb_add(b, "\\n", 2);
        else
            tb_add(b, p, 1);
    }
}

char *tb_take(struct textbuf *b, size_t *len)
{
    tb_add(b, "", 0);           /* allocates even for no text */
    if (b->failed) {
        free(b->p);
        b->p = NULL;
        return NULL;
    }
    char *p = b->p;
    *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
