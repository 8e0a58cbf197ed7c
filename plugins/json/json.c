/* Reporter "json": iperf3's -J document, written whole when a test finishes
 * (the server writes one per test). --reporter json:PATH appends the
 * documents to PATH instead of the output. A comparison run
 * (--transport A,B,...) writes one document instead:
 * {"tests":[iperf3 document per transport], "comparison":{...}}. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <weir/weir.h>

#include "jsondoc.h"

#define DOC_FLAGS \
    (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB | JSON_C_TO_STRING_NOSLASHESCAPE)

struct json_rep {
    const struct weir_host *host;
    struct jsondoc_out out;
    struct jsondoc_test test;
    /* Pieces of the current test's document, NULL until their hook ran. */
    struct json_object *start;
    struct json_object *intervals;
    struct json_object *end;
    struct json_object *server_json;
    char *server_text;
    /* Comparison run: the finished tests' documents, written together. */
    int comparison;
    struct json_object *tests;
};

static void forget_test(struct json_rep *r)
{
    json_object_put(r->start);
    json_object_put(r->intervals);
    json_object_put(r->end);
    json_object_put(r->server_json);
    free(r->server_text);
    r->start = r->intervals = r->end = r->server_json = NULL;
    r->server_text = NULL;
    jsondoc_test_reset(&r->test);
}

static int json_open(const struct weir_host *host, const char *arg,
                     const struct weir_report_format *fmt, const struct weir_sink *sink,
                     void **ctx)
{
    struct json_rep *r = calloc(1, sizeof *r);
    if (r == NULL) {
        host->set_error(WEIR_E_NOMEM, "json reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    int rc = jsondoc_out_open(&r->out, host, "json", arg, sink);
    if (rc != WEIR_OK) {
        free(r);
        return rc;
    }
    r->host = host;
    jsondoc_test_init(&r->test, fmt->role);
    r->comparison = fmt->comparison > 0;
    *ctx = r;
    return WEIR_OK;
}

static int json_close(void *ctx)
{
    struct json_rep *r = ctx;
    forget_test(r);
    json_object_put(r->tests);
    int rc = jsondoc_out_close(&r->out);
    free(r);
    return rc;
}

static int json_connected(void *ctx, const struct weir_report_connect *c)
{
    struct json_rep *r = ctx;
    jsondoc_test_connected(&r->test, c);
    return WEIR_OK;
}

static int json_test_start(void *ctx, const struct weir_report_start *s)
{
    struct json_rep *r = ctx;
    json_object_put(r->start);
    r->start = jsondoc_start(&r->test, s);
    return WEIR_OK;
}

static int json_interval(void *ctx, const struct weir_report_interval *iv)
{
    struct json_rep *r = ctx;
    if (r->intervals == NULL)
        r->intervals = json_object_new_array();
    if (r->intervals != NULL)
        json_object_array_add(r->intervals, jsondoc_interval(&r->test, iv));
    return WEIR_OK;
}

static int json_test_end(void *ctx, const struct weir_report_end *e)
{
    struct json_rep *r = ctx;
    json_object_put(r->end);
    r->end = jsondoc_end(&r->test, e);
    json_object_put(r->server_json);
    free(r->server_text);
    r->server_json = NULL;
    r->server_text = NULL;
    if (e->server_output_json != NULL) {
        r->server_json = json_tokener_parse(e->server_output_json);
        if (r->server_json == NULL)
            r->host->log(WEIR_LOG_WARNING, "json reporter: the server's JSON output does not parse");
    }
    if (e->server_output_text != NULL)
        r->server_text = strdup(e->server_output_text);
    return WEIR_OK;
}

/* The object, or a fresh empty one: a failed test still prints every
 * top-level section, as iperf3 does. */
static struct json_object *take(struct json_object **slot, struct json_object *(*make)(void))
{
    struct json_object *o = *slot != NULL ? *slot : make();
    *slot = NULL;
    return o;
}

static int json_test_finish(void *ctx, const char *error)
{
    struct json_rep *r = ctx;
    struct json_object *doc = json_object_new_object();
    int rc = WEIR_OK;
    if (doc == NULL) {
        forget_test(r);
        return jsondoc_out_nomem(&r->out);
    }
    if (r->start == NULL)
        r->start = jsondoc_start(&r->test, NULL);
    json_object_object_add(doc, "start", take(&r->start, json_object_new_object));
    json_object_object_add(doc, "intervals", take(&r->intervals, json_object_new_array));
    json_object_object_add(doc, "end", take(&r->end, json_object_new_object));
    if (error != NULL)
        json_object_object_add(doc, "error", json_object_new_string(error));
    if (r->test.title != NULL)
        json_object_object_add(doc, "title", json_object_new_string(r->test.title));
    if (r->test.extra_data != NULL)
        json_object_object_add(doc, "extra_data", json_object_new_string(r->test.extra_data));
    if (r->server_json != NULL) {
        json_object_object_add(doc, "server_output_json", r->server_json);
        r->server_json = NULL;
    }
    if (r->server_text != NULL)
        json_object_object_add(doc, "server_output_text",
                               json_object_new_string(r->server_text));
    if (r->comparison) {
        if (r->tests == NULL)
            r->tests = json_object_new_array();
        if (r->tests != NULL)
            json_object_array_add(r->tests, doc);
        else
            json_object_put(doc);
    } else {
        rc = jsondoc_out_write(&r->out, doc, DOC_FLAGS);
        json_object_put(doc);
    }
    forget_test(r);
    /* A document in a file is not where the user looks. */
    return rc == WEIR_OK && error != NULL && r->out.path != NULL ? WEIR_E_NOTIMPL : rc;
}

static int json_comparison(void *ctx, const struct weir_report_comparison *c)
{
    struct json_rep *r = ctx;
    struct json_object *doc = json_object_new_object();
    if (doc == NULL)
        return jsondoc_out_nomem(&r->out);
    json_object_object_add(doc, "tests", r->tests != NULL ? r->tests : json_object_new_array());
    r->tests = NULL;
    json_object_object_add(doc, "comparison", jsondoc_comparison(c));
    int rc = jsondoc_out_write(&r->out, doc, DOC_FLAGS);
    json_object_put(doc);
    return rc;
}

/* --get-server-output: the document so far (a client may ask at any
 * time; nothing is written here). */
static int json_document(void *ctx, char **json)
{
    struct json_rep *r = ctx;
    struct json_object *doc = json_object_new_object();
    *json = NULL;
    if (doc == NULL)
        return WEIR_OK;         /* the client gets the text output instead */
    struct json_object *start = r->start ? json_object_get(r->start) : json_object_new_object();
    struct json_object *iv = r->intervals ? json_object_get(r->intervals) : json_object_new_array();
    struct json_object *end = r->end ? json_object_get(r->end) : json_object_new_object();
    json_object_object_add(doc, "start", start);
    json_object_object_add(doc, "intervals", iv);
    json_object_object_add(doc, "end", end);
    *json = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    return WEIR_OK;
}

/* No message hook: iperf3's document has no place for a warning, so
 * weir's go to stderr as they would without this reporter. */
static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = json_open,
    .close = json_close,
    .connected = json_connected,
    .test_start = json_test_start,
    .interval = json_interval,
    .test_end = json_test_end,
    .test_finish = json_test_finish,
    .document = json_document,
    .comparison = json_comparison,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "json",
    .description = "iperf3's -J document, written when each test ends (json:PATH appends to a file)",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
