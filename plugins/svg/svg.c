/* Reporter "svg": a chart of throughput per interval (per stream, named
 * "[  5]" by socket as the text output does, and summed) as one
 * self-contained SVG document, written when a test finishes
 * or, in a comparison run (--transport A,B,...), once after all its tests
 * with every transport's line on the same axes and a bar chart of their
 * final averages. A --latency test's chart is its round trips instead
 * (latchart.h). --reporter svg:PATH replaces PATH whole each time (a
 * server: the latest test); without PATH the document goes to the output. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <weir/weir.h>

#include "chart.h"
#include "svgbuf.h"
#include "svgout.h"
#include "svgtest.h"
#include "units.h"

struct svg_rep {
    const struct weir_host *host;
    struct svg_out out;
    int client;
    char unit;
    char *title;                /* -T, or NULL */
    int comparison;             /* tests in the comparison run, 0: none */
    struct svg_test *current;   /* between test_start and test_finish */
    /* A comparison run's finished tests, kept for its chart. */
    struct svg_test **done;
    size_t n_done;
};

static int svg_open(const struct weir_host *host, const char *arg,
                    const struct weir_report_format *fmt, const struct weir_sink *sink,
                    void **ctx)
{
    struct svg_rep *r = calloc(1, sizeof *r);
    if (r == NULL) {
        host->set_error(WEIR_E_NOMEM, "svg reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    int rc = svg_out_open(&r->out, host, arg, sink);
    if (rc != WEIR_OK) {
        free(r);
        return rc;
    }
    r->host = host;
    r->client = fmt->role == WEIR_ROLE_CLIENT;
    r->unit = units_valid(fmt->unit) ? fmt->unit : 'a';
    /* Fields of later minors only when the host's struct has them. */
    if (fmt->title != NULL) {
        r->title = strdup(fmt->title);
        if (r->title == NULL) {
            svg_out_close(&r->out);
            free(r);
            host->set_error(WEIR_E_NOMEM, "svg reporter: out of memory");
            return WEIR_E_NOMEM;
        }
    }
    r->comparison = fmt->comparison > 0 ? fmt->comparison : 0;
    *ctx = r;
    return WEIR_OK;
}

/* What the calling hook returns. */
static int emit(struct svg_rep *r, struct svgbuf *b)
{
    if (b->failed) {
        r->host->set_error(WEIR_E_NOMEM, "svg reporter: out of memory drawing the chart");
        return WEIR_E_NOMEM;
    }
    return svg_out_write(&r->out, b->text, b->len);
}

static void forget_done(struct svg_rep *r)
{
    for (size_t i = 0; i < r->n_done; i++)
        svgtest_free(r->done[i]);
    free(r->done);
    r->done = NULL;
    r->n_done = 0;
}

static int write_comparison(struct svg_rep *r, const struct weir_report_comparison *c)
{
    struct svgbuf b;
    sb_init(&b);
    chart_comparison(&b, r->done, r->n_done, c, r->title, r->unit);
    int rc = emit(r, &b);
    sb_free(&b);
    forget_done(r);
    return rc;
}

static int svg_close(void *ctx)
{
    struct svg_rep *r = ctx;
    /* A comparison run that stopped before its comparison hook still gets
     * the chart of the tests it ran. */
    int rc = r->n_done > 0 ? write_comparison(r, NULL) : WEIR_OK;
    svgtest_free(r->current);
    svg_out_close(&r->out);
    free(r->title);
    free(r);
    return rc;
}

static int svg_test_start(void *ctx, const struct weir_report_start *s)
{
    struct svg_rep *r = ctx;
    svgtest_free(r->current);
    r->current = svgtest_new(s, r->client);
    if (r->current == NULL)
        r->host->log(WEIR_LOG_ERROR, "svg reporter: out of memory; this test gets no chart");
    return WEIR_OK;
}

static int svg_interval(void *ctx, const struct weir_report_interval *iv)
{
    struct svg_rep *r = ctx;
    if (r->current != NULL && svgtest_interval(r->current, iv) != 0)
        r->host->log(WEIR_LOG_WARNING, "svg reporter: out of memory; an interval is missing");
    return WEIR_OK;
}

static int svg_test_end(void *ctx, const struct weir_report_end *e)
{
    struct svg_rep *r = ctx;
    if (r->current != NULL)
        svgtest_end(r->current, e);
    return WEIR_OK;
}

static int finish(struct svg_rep *r, const char *error);

/* A chart is no place to read why a test failed: weir prints that. */
static int svg_test_finish(void *ctx, const char *error)
{
    int rc = finish(ctx, error);
    return rc == WEIR_OK && error != NULL ? WEIR_E_NOTIMPL : rc;
}

static int finish(struct svg_rep *r, const char *error)
{
    struct svg_test *t = r->current;
    r->current = NULL;
    /* A test that failed before it started has nothing to draw. */
    if (t == NULL)
        return WEIR_OK;
    if (error != NULL)
        svgtest_set_error(t, error);
    if (r->comparison > 0) {
        struct svg_test **d = realloc(r->done, (r->n_done + 1) * sizeof *d);
        if (d == NULL) {
            r->host->log(WEIR_LOG_ERROR, "svg reporter: out of memory; a test is left out");
            svgtest_free(t);
            return WEIR_OK;
        }
        r->done = d;
        r->done[r->n_done++] = t;
        return WEIR_OK;
    }
    struct svgbuf b;
    sb_init(&b);
    chart_single(&b, t, r->title, r->unit);
    int rc = emit(r, &b);
    sb_free(&b);
    svgtest_free(t);
    return rc;
}

static int svg_comparison(void *ctx, const struct weir_report_comparison *c)
{
    return write_comparison(ctx, c);
}

static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = svg_open,
    .close = svg_close,
    .test_start = svg_test_start,
    .interval = svg_interval,
    .test_end = svg_test_end,
    .test_finish = svg_test_finish,
    .comparison = svg_comparison,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "svg",
    .description = "a chart of throughput (or --latency's round trips) per interval as an SVG picture (svg:PATH writes it to a file)",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
