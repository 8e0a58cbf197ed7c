#include "factband.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "factfmt.h"

#define LABEL_X  20
#define TEXT_X   150
#define TITLE_ROW 22            /* the rule and the title above the rows */
#define ROW      14
#define BOTTOM   8

static struct factband_line *add_line(struct factband *fb, const char *label, const char *cls)
{
    if (fb->failed)
        return NULL;
    if (fb->n == fb->cap) {
        size_t cap = fb->cap ? 2 * fb->cap : 16;
        struct factband_line *v = realloc(fb->v, cap * sizeof *v);
        if (v == NULL) {
            fb->failed = 1;
            return NULL;
        }
        fb->v = v;
        fb->cap = cap;
    }
    struct factband_line *l = &fb->v[fb->n++];
    snprintf(l->label, sizeof l->label, "%s", label);
    l->cls = cls;
    l->text[0] = '\0';
    return l;
}

/* text in lines of at most FACTBAND_CHARS, broken after ", " or "; "
 * where one is near enough (else anywhere), FACTBAND_LINES at most (the
 * last then ends in "..."); the first line has the stream's label. */
static void wrap(struct factband *fb, const char *label, const char *cls, const char *text)
{
    size_t len = strlen(text), at = 0;
    for (int line = 0; at < len; line++) {
        struct factband_line *l = add_line(fb, line == 0 ? label : "", cls);
        if (l == NULL)
            return;
        size_t take = len - at;
        if (take > FACTBAND_CHARS) {
            take = FACTBAND_CHARS;
            for (size_t k = FACTBAND_CHARS; k > FACTBAND_CHARS / 2; k--) {
                if (text[at + k - 1] == ' ' && (text[at + k - 2] == ',' || text[at + k - 2] == ';')) {
                    take = k;
                    break;
                }
            }
        }
        if (line + 1 == FACTBAND_LINES && at + take < len) {
            snprintf(l->text, sizeof l->text, "%.*s...", (int)(take > 3 ? take - 3 : take), text + at);
            return;
        }
        snprintf(l->text, sizeof l->text, "%.*s", (int)take, text + at);
        at += take;
    }
}

static void stream_rows(struct factband *fb, const struct svg_test *t, const struct svg_stream *st,
                        int name_transport)
{
    char label[48], line[1024], text[1100];
    int n = name_transport ? snprintf(label, sizeof label, "%s [%3d]", t->transport, st->socket)
                           : snprintf(label, sizeof label, "[%3d]", st->socket);
    if (t->bidir && n > 0 && (size_t)n < sizeof label)
        snprintf(label + n, sizeof label - (size_t)n, " %s", st->sending ? "sending" : "receiving");
    if (factfmt_line(st->facts.v, st->facts.n, line, sizeof line) > 0) {
        wrap(fb, label, "facts-start", line);
        label[0] = '\0';
    }
    if (factfmt_line(st->last.v, st->last.n, line, sizeof line) > 0) {
        snprintf(text, sizeof text, "last interval: %s", line);
        wrap(fb, label, "facts-last", text);
    }
}

void factband_init(struct factband *fb)
{
    memset(fb, 0, sizeof *fb);
}

void factband_add(struct factband *fb, const struct svg_test *t, int name_transport)
{
    for (size_t k = 0; k < t->n_streams; k++) {
        const struct svg_stream *st = &t->streams[k];
        if (st->facts.n == 0 && st->last.n == 0)
            continue;
        if (fb->shown == FACTBAND_STREAMS) {
            fb->more++;
            continue;
        }
        stream_rows(fb, t, st, name_transport);
        fb->shown++;
    }
}

void factband_done(struct factband *fb)
{
    if (fb->more == 0)
        return;
    struct factband_line *l = add_line(fb, "", "facts-more");
    if (l != NULL)
        snprintf(l->text, sizeof l->text, "+%zu more stream%s (all in -J's start.weir.streams)", fb->more,
                 fb->more == 1 ? "" : "s");
}

int factband_height(const struct factband *fb)
{
    return fb->n > 0 ? TITLE_ROW + (int)fb->n * ROW + BOTTOM : 0;
}

void factband_draw(struct svgbuf *b, const struct factband *fb, int top, int width)
{
    if (fb->n == 0)
        return;
    sb_puts(b, "<g class=\"facts\">\n");
    sb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#CCCCCC\"/>\n", LABEL_X, top + 4,
              width - LABEL_X, top + 4);
    sb_printf(b, "<text class=\"facts-title\" x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\" "
                 "fill=\"#222222\">Transport facts per stream</text>\n", LABEL_X, top + 18);
    for (size_t i = 0; i < fb->n; i++) {
        const struct factband_line *l = &fb->v[i];
        int y = top + TITLE_ROW + (int)(i + 1) * ROW - 2;
        if (l->label[0] != '\0') {
            sb_printf(b, "<text class=\"facts-stream\" x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"bold\" "
                         "fill=\"#222222\">", LABEL_X, y);
            sb_escaped(b, l->label, 22);
            sb_puts(b, "</text>\n");
        }
        sb_printf(b, "<text class=\"%s\" x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#333333\">", l->cls, TEXT_X, y);
        sb_escaped(b, l->text, FACTBAND_CHARS + 4);
        sb_puts(b, "</text>\n");
    }
    sb_puts(b, "</g>\n");
}

void factband_free(struct factband *fb)
{
    free(fb->v);
    memset(fb, 0, sizeof *fb);
}
