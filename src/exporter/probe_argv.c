/* The command line of one probe: weir as a client, with the module's
 * options and the query's, answering OpenMetrics on its standard output. */
#include "exporter/config.h"
#include "host/loader.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long enough for a path across continents, short against the probe's
 * grace (probe_grace, at least 5 s) so that a target that does not answer
 * fails as a connect timeout, not as a probe killed. */
#define PROBE_CONNECT_TIMEOUT_MS 3000

struct words {
    char **v;
    size_t n, cap;
    int failed;
};

static void add(struct words *w, const char *text)
{
    if (w->failed)
        return;
    if (w->n + 2 > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 32;
        char **grown = realloc(w->v, cap * sizeof *grown);
        if (!grown) {
            w->failed = 1;
            return;
        }
        w->v = grown;
        w->cap = cap;
    }
    if (!(w->v[w->n] = strdup(text))) {
        w->failed = 1;
        return;
    }
    w->v[++w->n] = NULL;
}

static void add_number(struct words *w, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    add(w, buf);
}

char **probe_spec_argv(const struct probe_spec *p, const char *self, const char *address)
{
    struct words w = { 0 };
    add(&w, self);
    add(&w, "-c");
    add(&w, address);
    add(&w, "-p");
    add_number(&w, (uint64_t)p->port);
    add(&w, "--transport");
    add(&w, p->transport);
    add(&w, "-t");
    /* weir's -t counts whole seconds; a fraction is not cut short. */
    add_number(&w, (uint64_t)ceil(p->time));
    if (p->reverse)
        add(&w, "-R");
    if (p->parallel > 1) {
        add(&w, "-P");
        add_number(&w, (uint64_t)p->parallel);
    }
    if (p->bitrate) {
        add(&w, "-b");
        add_number(&w, p->bitrate);
    }
    if (p->latency)
        add(&w, "--latency");
    for (size_t i = 0; i < p->module->n_args; i++)
        add(&w, p->module->args[i]);
    add(&w, "--reporter");
    add(&w, "openmetrics");
    add(&w, "--connect-timeout");
    add_number(&w, PROBE_CONNECT_TIMEOUT_MS);
    /* The probe finds the plugins where the exporter was told to look. */
    if (loader_plugin_dir()) {
        add(&w, "--plugin-dir");
        add(&w, loader_plugin_dir());
    }
    if (w.failed) {
        probe_argv_free(w.v);
        return NULL;
    }
    return w.v;
}

void probe_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}
