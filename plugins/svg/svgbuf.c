#include "svgbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD"      /* U+FFFD in UTF-8 */

void sb_init(struct svgbuf *b)
{
    memset(b, 0, sizeof *b);
}

void sb_free(struct svgbuf *b)
{
    free(b->text);
    sb_init(b);
}

static int reserve(struct svgbuf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *n = realloc(b->text, cap);
    if (n == NULL) {
        b->failed = 1;
        return -1;
    }
    b->text = n;
    b->cap = cap;
    return 0;
}

void sb_put(struct svgbuf *b, const char *s, size_t len)
{
    if (reserve(b, len) != 0)
        return;
    memcpy(b->text + b->len, s, len);
    b->len += len;
    b->text[b->len] = '\0';
}

void sb_puts(struct svgbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

void sb_printf(struct svgbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the well-formed UTF-8 sequence at s (1-4), or 0 when the bytes
 * there are not one (stray continuation, overlong form, surrogate, beyond
 * U+10FFFF, cut short). *cp gets the code point. */
static size_t utf8_char(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, c &= 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, c &= 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Characters an XML 1.0 document may contain. */
static int xml_char(uint32_t c)
{
    if (c < 0x20)
        return c == '\t' || c == '\n' || c == '\r';
    return c != 0xFFFE && c != 0xFFFF;
}

/* Characters in s, counting each invalid byte as one (it becomes U+FFFD). */
static size_t count_chars(const unsigned char *p)
{
    size_t chars = 0;
    uint32_t cp;
    while (*p != '\0') {
        size_t n = utf8_char(p, &cp);
        p += n ? n : 1;
        chars++;
    }
    return chars;
}

void sb_escaped(struct svgbuf *b, const char *s, size_t max_chars)
{
    if (s == NULL)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t keep = (size_t)-1;
    int cut = max_chars != 0 && count_chars(p) > max_chars;
    if (cut)
        keep = max_chars > 3 ? max_chars - 3 : 0;
    for (size_t chars = 0; *p != '\0' && chars < keep; chars++) {
        uint32_t cp = 0;
        size_t n = utf8_char(p, &cp);
        if (n == 0 || !xml_char(cp)) {
            sb_puts(b, REPLACEMENT);
            p += n ? n : 1;
            continue;
        }
        switch (cp) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&apos;"); break;
        default: sb_put(b, (const char *)p, n); break;
        }
        p += n;
    }
    if (cut)
        sb_puts(b, "...");
}
