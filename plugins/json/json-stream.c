/* Reporter "json-stream": iperf3 3.17's --json-stream, one compact
 * {"event":NAME,"data":...} line written as each event happens.
 * --reporter json-stream:PATH appends the lines to PATH instead. */
#include <stdlib.h>

#include <weir/weir.h>

#include "jsondoc.h"

#define LINE_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct stream_rep {
    const struct weir_host *host;
    struct jsondoc_out out;
    struct jsondoc_test test;
};

/* Writes one event line; takes ownership of data. */
static int emit(struct stream_rep *r, const char *event, struct json_object *data)
{
    struct json_object *o = json_object_new_object();
    if (o == NULL) {
        json_object_put(data);
        return jsondoc_out_nomem(&r->out);
    }
    json_object_object_add(o, "event", json_object_new_string(event));
    json_object_object_add(o, "data", data);
    int rc = jsondoc_out_write(&r->out, o, LINE_FLAGS);
    json_object_put(o);
    return rc;
}

static int stream_open(const struct weir_host *host, const char *arg,
                       const struct weir_report_format *fmt, const struct weir_sink *sink,
                       void **ctx)
{
    struct stream_rep *r = calloc(1, sizeof *r);
    if (r == NULL) {
        host->set_error(WEIR_E_NOMEM, "json-stream reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    int rc = jsondoc_out_open(&r->out, host, "json-stream", arg, sink);
    if (rc != WEIR_OK) {
        free(r);
        return rc;
    }
    r->host = host;
    jsondoc_test_init(&r->test, fmt->role);
    *ctx = r;
    return WEIR_OK;
}

static int stream_close(void *ctx)
{
    struct stream_rep *r = ctx;
    jsondoc_test_reset(&r->test);
    int rc = jsondoc_out_close(&r->out);
    free(r);
    return rc;
}

static int stream_connected(void *ctx, const struct weir_report_connect *c)
{
    struct stream_rep *r = ctx;
    jsondoc_test_connected(&r->test, c);
    return WEIR_OK;
}

static int stream_test_start(void *ctx, const struct weir_report_start *s)
{
    struct stream_rep *r = ctx;
    return emit(r, "start", jsondoc_start(&r->test, s));
}

static int stream_interval(void *ctx, const struct weir_report_interval *iv)
{
    struct stream_rep *r = ctx;
    return emit(r, "interval", jsondoc_interval(&r->test, iv));
}

static int stream_test_end(void *ctx, const struct weir_report_end *e)
{
    struct stream_rep *r = ctx;
    int rc = emit(r, "end", jsondoc_end(&r->test, e));
    if (rc == WEIR_OK && e->server_output_json != NULL) {
        struct json_object *j = json_tokener_parse(e->server_output_json);
        if (j != NULL)
            rc = emit(r, "server_output_json", j);
        else
            r->host->log(WEIR_LOG_WARNING,
                         "json-stream reporter: the server's JSON output does not parse");
    }
    if (rc == WEIR_OK && e->server_output_text != NULL)
        rc = emit(r, "server_output_text", json_object_new_string(e->server_output_text));
    return rc;
}

static int stream_test_finish(void *ctx, const char *error)
{
    struct stream_rep *r = ctx;
    int rc = error != NULL ? emit(r, "error", json_object_new_string(error)) : WEIR_OK;
    jsondoc_test_reset(&r->test);
    /* Events in a file are not where the user looks. */
    return rc == WEIR_OK && error != NULL && r->out.path != NULL ? WEIR_E_NOTIMPL : rc;
}

static int stream_comparison(void *ctx, const struct weir_report_comparison *c)
{
    return emit(ctx, "comparison", jsondoc_comparison(c));
}

/* No message hook: iperf3's --json-stream has no event for a warning, so
 * weir's go to stderr as they would without this reporter. */
static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = stream_open,
    .close = stream_close,
    .connected = stream_connected,
    .test_start = stream_test_start,
    .interval = stream_interval,
    .test_end = stream_test_end,
    .test_finish = stream_test_finish,
    .comparison = stream_comparison,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "json-stream",
    .description = "iperf3's --json-stream: one JSON line per event (json-stream:PATH appends to a file)",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
