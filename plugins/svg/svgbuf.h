/* A growable text buffer for building an SVG document, with XML escaping
 * for text that comes from the user or the peer. */
#ifndef WEIR_SVGBUF_H
#define WEIR_SVGBUF_H

#include <stddef.h>

struct svgbuf {
    char *text;         /* NUL-terminated, NULL until something was added */
    size_t len;
    size_t cap;
    int failed;         /* an allocation failed: the text is incomplete */
};

#if defined(__GNUC__)
#define SVG_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define SVG_PRINTF_LIKE(f, a)
#endif

void sb_init(struct svgbuf *b);
void sb_free(struct svgbuf *b);
void sb_put(struct svgbuf *b, const char *s, size_t len);
void sb_puts(struct svgbuf *b, const char *s);
/* Numbers go through printf in the C locale (weir never calls setlocale),
 * so decimals always use '.'. */
void sb_printf(struct svgbuf *b, const char *fmt, ...) SVG_PRINTF_LIKE(2, 3);

/* Append s as XML character data, usable in text and in attribute values:
 * & < > " ' become entities; bytes that are not valid UTF-8 and characters
 * XML 1.0 forbids (controls other than tab/newline) become U+FFFD. At most
 * max_chars characters are kept (0: no limit); a longer text is cut and
 * ends in "...". NULL appends nothing. */
void sb_escaped(struct svgbuf *b, const char *s, size_t max_chars);

#endif
