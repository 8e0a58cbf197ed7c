/* The transports' facts per stream (what -J has in start.weir.streams[]
 * and intervals[].streams[].weir: congestion controller, cipher, handshake
 * time, GSO/GRO, RTTs, packets) as a table under a chart: a row per
 * stream, its label on the left, its facts at the start and at the latest
 * interval as -V's text line wraps them. The picture grows by the table's
 * height; a test whose streams have no facts adds nothing. */
#ifndef WEIR_SVG_FACTBAND_H
#define WEIR_SVG_FACTBAND_H

#include <stddef.h>

#include "svgbuf.h"
#include "svgtest.h"

#define FACTBAND_CHARS 138      /* of a line of facts, at font size 11 */
#define FACTBAND_STREAMS 8      /* streams with rows, then "+N more streams" */
#define FACTBAND_LINES 4        /* lines of one stream's facts at most */

struct factband_line {
    char label[48];             /* the stream ("[ 15]", "quic [ 15]"), or "" */
    const char *cls;            /* class: facts-start, facts-last, facts-more */
    char text[FACTBAND_CHARS + 8];
};

struct factband {
    struct factband_line *v;
    size_t n, cap;
    int failed;                 /* out of memory: rows are missing */
    size_t shown, more;         /* streams with rows, and left out */
};

void factband_init(struct factband *fb);
/* The rows of t's streams; name_transport: label each with the test's
 * transport (a comparison run). */
void factband_add(struct factband *fb, const struct svg_test *t, int name_transport);
/* After the last test: "+N more streams" when some had no room. */
void factband_done(struct factband *fb);
/* Pixels the table takes under the chart: 0 without rows. */
int factband_height(const struct factband *fb);
/* The table with its top edge at y = top, width wide. */
void factband_draw(struct svgbuf *b, const struct factband *fb, int top, int width);
void factband_free(struct factband *fb);

#endif
