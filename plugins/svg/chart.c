#include "chart.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bars.h"
#include "factband.h"
#include "latchart.h"
#include "plot.h"
#include "units.h"

/* Layout of the 960 x 540 picture: title lines on top, the plot on the
 * left, legend (and a comparison's bar chart) on the right, the caption
 * at the bottom; under it, as much taller as it needs, the streams'
 * transport facts (factband.h). The plot reaches down to the caption's lines, however
 * many there are, so the picture has no empty band. Character limits
 * keep text inside its box at the font sizes used (an average sans-serif
 * character is ~0.55 em wide). */
#define WIDTH          960
#define HEIGHT         540
#define MARGIN         20
#define PLOT_LEFT      88
#define PLOT_TOP       78
#define PLOT_RIGHT     740
#define LEGEND_X       760
#define LEGEND_Y       86
#define LEGEND_CHARS   24
#define LEGEND_STREAMS 8        /* stream rows before "+N more streams" */
#define LEGEND_TRANSPORTS 6     /* comparison rows, above the bar chart */
#define BARS_TOP       240
#define CAPTION_BOTTOM (HEIGHT - 12)    /* baseline of the caption's last line */
#define CAPTION_ROW    16
#define CAPTION_LINES  4
#define XLABEL_BELOW   36       /* the x axis title's baseline under the plot (plot.c) */
#define ABOVE_CAPTION  20       /* from that baseline to the caption's first one */
#define CAPTION_CHARS  145
#define TITLE_CHARS    84
#define SUBTITLE_CHARS 138

#define STREAM_WIDTH 1.8
#define SUM_WIDTH    5.0
#define TRANSPORT_WIDTH 2.5

/* ---- title and caption ---- */

static void begin(struct svgbuf *b, const char *title, const char *subtitle, int height)
{
    const char *h1 = title != NULL && *title != '\0' ? title : "weir throughput";
    sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
              WIDTH, height, WIDTH, height);
    sb_puts(b, "<title>");
    sb_escaped(b, h1, 0);
    sb_puts(b, " - ");
    sb_escaped(b, subtitle, 0);
    sb_puts(b, "</title>\n");
    sb_puts(b, "<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n");
    sb_printf(b, "<text class=\"title\" x=\"%d\" y=\"30\" font-size=\"18\" font-weight=\"bold\" "
                 "fill=\"#111111\">", MARGIN);
    sb_escaped(b, h1, TITLE_CHARS);
    sb_puts(b, "</text>\n");
    sb_printf(b, "<text class=\"subtitle\" x=\"%d\" y=\"52\" font-size=\"13\" fill=\"#444444\">",
              MARGIN);
    sb_escaped(b, subtitle, SUBTITLE_CHARS);
    sb_puts(b, "</text>\n");
}

/* The facts table under the chart, and the document's end. */
static void end(struct svgbuf *b, const struct factband *fb)
{
    factband_draw(b, fb, HEIGHT, WIDTH);
    sb_puts(b, "</svg>\n");
}

/* Caption items (plain text) packed onto at most CAPTION_LINES lines: a
 * line takes the next item when it fits, after " " when the item goes on
 * with the one before, after "; " when it starts something new (SVG
 * collapses runs of spaces, so spaces alone would not separate them). */
struct caption {
    char items[12][320];
    int goes_on[12];
    size_t n;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void caption_add(struct caption *c, const char *fmt, ...)
{
    if (c->n == sizeof c->items / sizeof c->items[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->items[c->n++], sizeof c->items[0], fmt, ap);
    va_end(ap);
}

struct caption_lines {
    char line[CAPTION_LINES][1024];
    size_t n;
};

static void caption_pack(const struct caption *c, struct caption_lines *out)
{
    char (*lines)[1024] = out->line;
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *item = c->items[i];
        const char *sep = c->goes_on[i] ? " " : "; ";
        if (n > 0 && strlen(lines[n - 1]) + strlen(sep) + strlen(item) <= CAPTION_CHARS) {
            strcat(lines[n - 1], sep);
            strcat(lines[n - 1], item);
        } else if (n < CAPTION_LINES) {
            snprintf(lines[n++], sizeof lines[0], "%s", item);
        } else {
            /* Out of lines: the last one gets cut with "...". */
            size_t used = strlen(lines[n - 1]);
            snprintf(lines[n - 1] + used, sizeof lines[0] - used, "%s%s", sep, item);
        }
    }
    out->n = n;
}

/* The plot's bottom edge: as low as the caption's lines allow. */
static double plot_bottom(const struct caption_lines *l)
{
    double xlabel = CAPTION_BOTTOM;
    if (l->n > 0)
        xlabel -= (double)(l->n - 1) * CAPTION_ROW + ABOVE_CAPTION;
    return xlabel - XLABEL_BELOW;
}

static void caption_draw(struct svgbuf *b, const struct caption_lines *l)
{
    for (size_t i = 0; i < l->n; i++) {
        sb_printf(b, "<text class=\"caption\" x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#222222\">",
                  MARGIN, CAPTION_BOTTOM - (int)(l->n - 1 - i) * CAPTION_ROW);
        sb_escaped(b, l->line[i], CAPTION_CHARS);
        sb_puts(b, "</text>\n");
    }
}

/* weir_format_* pad to a column width; a caption wants none. */
static const char *trimmed(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

static void rate_text(char *buf, size_t len, double bps, char unit)
{
    char raw[48];
    units_format_rate(raw, sizeof raw, bps / 8.0, unit);
    snprintf(buf, len, "%s", trimmed(raw));
}

/* "sender 9.41 Gbits/sec (3.29 GBytes in 3.00 s)" */
static void sender_text(char *buf, size_t len, const struct svg_summary *s, char unit)
{
    char rate[48], bytes[48];
    if (!s->has_sender) {
        snprintf(buf, len, "sender n/a");
        return;
    }
    rate_text(rate, sizeof rate, s->sender.bits_per_second, unit);
    units_format_bytes(bytes, sizeof bytes, (double)s->sender.bytes);
    snprintf(buf, len, "sender %s (%s in %.2f s)", rate, trimmed(bytes), s->sender.seconds);
}

/* "receiver 9.40 Gbits/sec (...)", with jitter and loss for datagrams */
static void receiver_text(char *buf, size_t len, const struct svg_summary *s, int datagram,
                          char unit)
{
    char rate[48], bytes[48];
    if (!s->has_receiver) {
        snprintf(buf, len, "receiver n/a");
        return;
    }
    rate_text(rate, sizeof rate, s->receiver.bits_per_second, unit);
    units_format_bytes(bytes, sizeof bytes, (double)s->receiver.bytes);
    int n = snprintf(buf, len, "receiver %s (%s in %.2f s)", rate, trimmed(bytes),
                     s->receiver.seconds);
    if (datagram && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, ", jitter %.3f ms, lost %lld/%lld (%.2g%%)",
                 s->receiver.jitter_ms, (long long)s->receiver.lost_packets,
                 (long long)s->receiver.packets, s->receiver.lost_percent);
}

/* One direction's summary as two caption items, so that a narrow caption
 * breaks between sender and receiver. */
static void caption_summary(struct caption *c, const char *prefix, const struct svg_summary *s,
                            int datagram, char unit)
{
    char text[200];
    sender_text(text, sizeof text, s, unit);
    caption_add(c, "%s%s,", prefix, text);
    receiver_text(text, sizeof text, s, datagram, unit);
    caption_add(c, "%s", text);
    c->goes_on[c->n - 1] = 1;
}

/* ---- what the test was ---- */

/* "TCP", or "tls (TCP)" when the plugin's name is not the protocol's. */
static void transport_text(char *buf, size_t len, const struct svg_test *t)
{
    if (strcasecmp(t->transport, t->protocol) == 0)
        snprintf(buf, len, "%s", t->protocol);
    else
        snprintf(buf, len, "%s (%s)", t->transport, t->protocol);
}

static void direction_text(char *buf, size_t len, const struct svg_test *t)
{
    const char *host = t->host != NULL ? t->host : "?";
    char where[320];
    if (t->client)
        snprintf(where, sizeof where, "%s port %u", host, (unsigned)t->port);
    else
        snprintf(where, sizeof where, "%s", host);
    const char *who = t->client ? "client" : "server";
    if (t->bidir)
        snprintf(buf, len, "%s sending to and receiving from %s (bidir)", who, where);
    else if (t->client == !t->reverse)
        snprintf(buf, len, "%s sending to %s%s", who, where, t->reverse ? " (reverse)" : "");
    else
        snprintf(buf, len, "%s receiving from %s%s", who, where, t->reverse ? " (reverse)" : "");
}

/* "3 s, 2 streams, first 1 s omitted" */
static void amount_text(char *buf, size_t len, const struct svg_test *t, const char *each)
{
    char amount[64], bytes[48];
    if (t->bytes != 0) {
        units_format_bytes(bytes, sizeof bytes, (double)t->bytes);
        snprintf(amount, sizeof amount, "%s%s", trimmed(bytes), each);
    } else if (t->blocks != 0) {
        snprintf(amount, sizeof amount, "%llu blocks%s", (unsigned long long)t->blocks, each);
    } else {
        snprintf(amount, sizeof amount, "%d s%s", t->duration, each);
    }
    int n = t->num_streams > 0 ? t->num_streams : (int)t->n_streams;
    char omit[48] = "";
    if (t->omit > 0)
        snprintf(omit, sizeof omit, ", first %d s omitted", t->omit);
    snprintf(buf, len, "%s, %d stream%s%s", amount, n, n == 1 ? "" : "s", omit);
}

/* ---- one test ---- */

static const char *side(int sending)
{
    return sending ? "sending" : "receiving";
}

void chart_single(struct svgbuf *b, const struct svg_test *t, const char *title, char unit)
{
    char what[96], dir[400], amount[160], subtitle[800];
    transport_text(what, sizeof what, t);
    direction_text(dir, sizeof dir, t);
    amount_text(amount, sizeof amount, t, "");
    snprintf(subtitle, sizeof subtitle, "%s, %s, %s", what, dir, amount);
    struct factband fb;
    factband_init(&fb);
    factband_add(&fb, t, 0);
    factband_done(&fb);
    int height = HEIGHT + factband_height(&fb);
    if (t->latency) {
        /* Probes' throughput says nothing: their delays are the chart. */
        snprintf(subtitle, sizeof subtitle, "%s latency, client to %s port %u, %s", what,
                 t->host != NULL ? t->host : "?", (unsigned)t->port, amount);
        begin(b, title != NULL && *title != '\0' ? title : "weir latency", subtitle, height);
        latchart_draw(b, t);
        end(b, &fb);
        factband_free(&fb);
        return;
    }
    begin(b, title, subtitle, height);

    struct caption c = { .n = 0 };
    if (t->have_end && t->bidir) {
        caption_summary(&c, "Client to server: ", &t->fwd, t->datagram, unit);
        caption_summary(&c, "Server to client: ", &t->rev, t->datagram, unit);
    } else if (t->have_end) {
        caption_summary(&c, "Average: ", &t->fwd, t->datagram, unit);
    }
    if (t->error != NULL)
        caption_add(&c, "Test failed: %s", t->error);
    if (t->streams_dropped)
        caption_add(&c, "Per-stream lines not kept (too many values); the sums are complete.");
    struct caption_lines cl;
    caption_pack(&c, &cl);

    /* Sums first, thick, and the streams over them, thin, in legend
     * order: a stream equal to its sum (-P 1, --bidir) shows inside the
     * sum's band instead of vanishing under it. Each stream has its own
     * colour and dash pattern, so streams at equal rates both show; the
     * sums' are solid, and dashed for the direction back (--bidir). */
    size_t n_streams = t->stream_bps != NULL ? t->n_streams : 0;
    struct plot_line *lines = calloc(n_streams + 2, sizeof *lines);
    if (lines == NULL || fb.failed) {
        free(lines);
        factband_free(&fb);
        b->failed = 1;
        return;
    }
    size_t n = 0;
    /* The forward sum is what the client sends: sending for a client. */
    for (int rev = 0; rev <= t->bidir; rev++) {
        struct plot_line *l = &lines[n++];
        l->t = t;
        l->kind = rev ? PLOT_REVERSE_SUM : PLOT_SUM;
        l->cls = "sum";
        l->legend = 1;
        l->colour = PLOT_SUM_COLOUR;
        l->width = SUM_WIDTH;
        l->dash = plot_dash((size_t)rev);
        int sending = rev ? !t->client : t->client;
        if (t->bidir)
            snprintf(l->label, sizeof l->label, "sum, %s", side(sending));
        else
            snprintf(l->label, sizeof l->label, "sum");
    }
    for (size_t k = 0; k < n_streams; k++) {
        const struct svg_stream *st = &t->streams[k];
        struct plot_line *l = &lines[n++];
        l->t = t;
        l->kind = PLOT_STREAM;
        l->stream = k;
        l->cls = "stream";
        l->legend = k < LEGEND_STREAMS;
        l->colour = l->legend ? plot_colour(k) : PLOT_MUTED_COLOUR;
        l->width = STREAM_WIDTH;
        l->dash = plot_dash(k);
        /* Named as the text output names it: "[  5]". */
        if (t->bidir)
            snprintf(l->label, sizeof l->label, "[%3d], %s", st->socket, side(st->sending));
        else
            snprintf(l->label, sizeof l->label, "[%3d]", st->socket);
    }

    struct plot_frame f;
    plot_fit(&f, lines, n, PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, plot_bottom(&cl));
    plot_draw_frame(b, &f);
    for (size_t k = 0; k < n; k++)
        plot_draw_line(b, &f, &lines[k]);
    plot_draw_legend(b, &f, LEGEND_X, LEGEND_Y, lines, n, (size_t)(t->bidir + 1) + LEGEND_STREAMS,
                     LEGEND_CHARS, "streams");
    free(lines);
    caption_draw(b, &cl);
    end(b, &fb);
    factband_free(&fb);
}

/* ---- a comparison run ---- */

/* A transport's colour: its place among the comparison rows (or, without
 * them, among the tests), so that its line and its bars match. */
static size_t colour_index(const char *transport, const struct weir_report_comparison *c,
                           struct svg_test *const *tests, size_t n, size_t fallback)
{
    if (c != NULL) {
        for (size_t i = 0; i < c->n_rows; i++)
            if (c->rows[i].transport != NULL && strcmp(c->rows[i].transport, transport) == 0)
                return i;
        return fallback;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(tests[i]->transport, transport) == 0)
            return i;
    return fallback;
}

static void comparison_subtitle(char *buf, size_t len, struct svg_test *const *tests, size_t n,
                                const struct weir_report_comparison *c)
{
    char names[256] = "";
    size_t used = 0, count = c != NULL ? c->n_rows : n;
    for (size_t i = 0; i < count && used < sizeof names; i++) {
        const char *name = c != NULL ? c->rows[i].transport : tests[i]->transport;
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 name != NULL ? name : "?");
    }
    if (n == 0) {
        snprintf(buf, len, "Comparison of %s: no test ran", names);
        return;
    }
    char dir[400], amount[160];
    direction_text(dir, sizeof dir, tests[0]);
    amount_text(amount, sizeof amount, tests[0], " each");
    snprintf(buf, len, "Comparison of %s: %s, %s", names, dir, amount);
}

/* A delay for a caption: usec below 100 ms, msec above; sign "+" for an
 * increase. */
static void delay_text(char *buf, size_t len, double us, const char *sign)
{
    const char *s = us >= 0 ? sign : "";
    if (us < 99999.995 && us > -99999.995)
        snprintf(buf, len, "%s%.2f usec", s, us);
    else
        snprintf(buf, len, "%s%.2f msec", s, us / 1e3);
}

/* A row's working latency in one caption item, short enough for four
 * rows on the caption's four lines. */
static void working_caption(struct caption *cap, const char *name, const struct weir_report_working_latency *w,
                            char unit)
{
    char idle[32] = "-", loaded[32] = "-", inc[32] = "-", rpm[24] = "-", up[48], down[48];
    if (w->idle.count)
        delay_text(idle, sizeof idle, w->idle.p50, "");
    if (w->loaded.count) {
        delay_text(loaded, sizeof loaded, w->loaded.p50, "");
        snprintf(rpm, sizeof rpm, "%.0f", w->rpm);
    }
    if (w->idle.count && w->loaded.count)
        delay_text(inc, sizeof inc, w->increase_p50, "+");
    rate_text(up, sizeof up, w->up_bits_per_second, unit);
    rate_text(down, sizeof down, w->down_bits_per_second, unit);
    const char *dir = w->load_direction != NULL ? w->load_direction : "up";
    char load[128];
    if (strcmp(dir, "both") == 0)
        snprintf(load, sizeof load, "%s up, %s down", up, down);
    else
        snprintf(load, sizeof load, "%s %s", strcmp(dir, "down") == 0 ? down : up, dir);
    caption_add(cap, "%s: p50 idle %s, loaded %s (%s), %s RPM, load %s", name, idle, loaded, inc, rpm, load);
}

void chart_comparison(struct svgbuf *b, struct svg_test *const *tests, size_t n,
                      const struct weir_report_comparison *c, const char *title, char unit)
{
    char subtitle[800];
    comparison_subtitle(subtitle, sizeof subtitle, tests, n, c);
    struct factband fb;
    factband_init(&fb);
    for (size_t i = 0; i < n; i++)
        factband_add(&fb, tests[i], 1);
    factband_done(&fb);
    begin(b, title, subtitle, HEIGHT + factband_height(&fb));

    struct plot_line *lines = calloc(2 * n + 1, sizeof *lines);
    const char **colours = calloc((c != NULL ? c->n_rows : 0) + 1, sizeof *colours);
    if (lines == NULL || colours == NULL || fb.failed) {
        free(lines);
        free(colours);
        factband_free(&fb);
        b->failed = 1;
        return;
    }

    struct caption cap = { .n = 0 };
    char sender[48], receiver[48];
    /* --latency --load (2.3): the bars and the caption are the working
     * latency's. */
    const struct weir_report_working_latency *work =
        c != NULL && WEIR_HAS_FIELD(c, latency) && c->latency != NULL && WEIR_HAS_FIELD(c, working) ? c->working
                                                                                                  : NULL;
    if (c != NULL) {
        for (size_t i = 0; i < c->n_rows; i++) {
            const struct weir_report_comparison_row *r = &c->rows[i];
            const char *name = r->transport != NULL ? r->transport : "?";
            colours[i] = plot_colour(colour_index(name, c, tests, n, i));
            if (r->error != NULL) {
                caption_add(&cap, "%s failed: %s", name, r->error);
                continue;
            }
            if (work != NULL) {
                working_caption(&cap, name, &work[i], unit);
                continue;
            }
            rate_text(sender, sizeof sender, r->sender_bits_per_second, unit);
            rate_text(receiver, sizeof receiver, r->receiver_bits_per_second, unit);
            /* --latency: the columns the other reporters' tables have. */
            int lat = WEIR_HAS_FIELD(c, latency) && c->latency != NULL && c->latency[i].rtt.count > 0;
            caption_add(&cap, "%s: sender %s, receiver %s%s", name, sender, receiver, lat ? "," : "");
            if (lat) {
                caption_add(&cap, "round trips p50 %.2f, p99 %.2f usec, %llu lost", c->latency[i].rtt.p50,
                            c->latency[i].rtt.p99, (unsigned long long)c->latency[i].lost);
                cap.goes_on[cap.n - 1] = 1;
            }
        }
        if (c->note != NULL)
            caption_add(&cap, "Note: %s", c->note);
    } else {
        for (size_t i = 0; i < n; i++) {
            const struct svg_test *t = tests[i];
            if (t->have_end) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "%s: ", t->transport);
                caption_summary(&cap, prefix, &t->fwd, t->datagram, unit);
            }
            if (t->error != NULL)
                caption_add(&cap, "%s failed: %s", t->transport, t->error);
        }
    }
    struct caption_lines cl;
    caption_pack(&cap, &cl);
    double bottom = plot_bottom(&cl);

    /* Every line its own dash pattern besides its transport's colour:
     * transports at the same rate (-b) would hide each other. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct svg_test *t = tests[i];
        const char *colour = plot_colour(colour_index(t->transport, c, tests, n, i));
        for (int rev = 0; rev <= t->bidir; rev++) {
            struct plot_line *l = &lines[m];
            l->t = t;
            l->kind = rev ? PLOT_REVERSE_SUM : PLOT_SUM;
            l->cls = "transport";
            l->legend = 1;
            l->colour = colour;
            l->width = TRANSPORT_WIDTH;
            l->dash = plot_dash(m++);
            int sending = rev ? !t->client : t->client;
            if (t->bidir)
                snprintf(l->label, sizeof l->label, "%s, %s", t->transport, side(sending));
            else
                snprintf(l->label, sizeof l->label, "%s", t->transport);
        }
    }
    struct plot_frame f;
    plot_fit(&f, lines, m, PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, bottom);
    plot_draw_frame(b, &f);
    for (size_t k = 0; k < m; k++)
        plot_draw_line(b, &f, &lines[k]);
    plot_draw_legend(b, &f, LEGEND_X, LEGEND_Y, lines, m, LEGEND_TRANSPORTS, LEGEND_CHARS, "lines");
    if (work != NULL)
        bars_draw_working(b, c, work, colours, LEGEND_X, BARS_TOP, WIDTH - MARGIN / 2, bottom);
    else if (c != NULL)
        bars_draw(b, c, colours, LEGEND_X, BARS_TOP, WIDTH - MARGIN / 2, bottom);
    caption_draw(b, &cl);
    free(lines);
    free(colours);
    end(b, &fb);
    factband_free(&fb);
}
