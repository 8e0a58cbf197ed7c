/* A growing text buffer for the exporter's answers; on running out of
 * memory it stops growing and says so (failed). */
#ifndef WEIR_EXPORTER_TEXTBUF_H
#define WEIR_EXPORTER_TEXTBUF_H

#include <stddef.h>

struct textbuf {
    char *p;
    size_t len, cap;
    int failed;
};

void tb_add(struct textbuf *b, const char *s, size_t n);
void tb_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A label value as both exposition formats escape it: \ " newline. */
void tb_label_value(struct textbuf *b, const char *v);
/* The text (malloc'd, the caller frees it), or NULL when out of memory. */
char *tb_take(struct textbuf *b, size_t *len);

#endif
