#include "exporter/module.h"
#include "exporter/modargs.h"
#include "exporter/query.h"
#include "exporter/values.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODULE_NAME_MAX 64
#define TRANSPORT_NAME_MAX 64
/* Ceilings and defaults config.h states. */
#define MAX_TIME_CEILING_S 60
#define MAX_PARALLEL_CEILING 128
#define DEFAULT_MAX_PARALLEL 8

static const char *const keys[N_MODULE_KEYS] = {
    "transport", "time", "reverse", "parallel", "bitrate", "port", "args",
    "params", "transports", "max_time", "max_parallel", "max_bitrate", "latency",
};

/* params' names, in enum probe_param's order. */
static const char *const param_names[] = { "transport", "time", "reverse", "parallel", "bitrate", "udp",
                                            "latency" };
#define N_PARAM_NAMES (sizeof param_names / sizeof param_names[0])

static int say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int say(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

int module_key_index(const char *key)
{
    for (int k = 0; k < N_MODULE_KEYS; k++)
        if (strcmp(keys[k], key) == 0)
            return k;
    return -1;
}

static int name_valid(const char *name, size_t max, const char *extra)
{
    size_t n = strlen(name);
    if (n == 0 || n > max)
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
            return 0;
    return 1;
}

int module_name_valid(const char *name)
{
    return name_valid(name, MODULE_NAME_MAX, "-_.");
}

/* A transport plugin's name, not a path: the file cannot load an arbitrary
 * library. */
static int transport_name_valid(const char *name)
{
    return name_valid(name, TRANSPORT_NAME_MAX, "-_");
}

void module_clear(struct exp_module *m)
{
    free(m->name);
    free(m->transport);
    modargs_free(m->args, m->n_args);
    value_list_free(m->transports, m->n_transports);
    for (size_t i = 0; i < m->n_refused_mixes; i++)
        free(m->refused_mixes[i].reason);
    free(m->refused_mixes);
    memset(m, 0, sizeof *m);
}

struct exp_module *module_add(struct exp_config *c, const char *name)
{
    struct exp_module *grown = realloc(c->modules, (c->n_modules + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    c->modules = grown;
    struct exp_module *m = &grown[c->n_modules];
    memset(m, 0, sizeof *m);
    m->name = strdup(name);
    m->transport = strdup("tcp");
    if (!m->name || !m->transport) {
        module_clear(m);
        return NULL;
    }
    m->time = 5;
    m->parallel = 1;
    m->port = 5201;
    m->max_time = MAX_TIME_CEILING_S;
    m->max_parallel = DEFAULT_MAX_PARALLEL;
    c->n_modules++;
    return m;
}

/* A duration in whole seconds (weir's -t counts them) within [min, max]. */
static int whole_seconds(const char *key, const char *v, int min, int max, double *out, char *why, size_t len)
{
    char reason[160];
    double s;
    if (value_duration(v, &s, reason, sizeof reason) != 0)
        return say(why, len, "%s: %s", key, reason);
    if (s != floor(s))
        return say(why, len, "%s: %s is not whole seconds (weir's -t counts seconds)", key, v);
    if (s < min || s > max)
        return say(why, len, "%s: %s is out of range (%d s to %d s)", key, v, min, max);
    *out = s;
    return 0;
}

static int set_params(struct exp_module *m, const char *v, char *why, size_t len)
{
    char **items;
    size_t n;
    char reason[256];
    if (value_list(v, &items, &n, reason, sizeof reason) != 0)
        return say(why, len, "params: %s", reason);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t j = 0;
        while (j < N_PARAM_NAMES && strcmp(param_names[j], items[i]) != 0)
            j++;
        if (j == N_PARAM_NAMES)
            rc = say(why, len, "params: unknown parameter '%s' (transport, time, reverse, parallel, "
                     "bitrate, udp, latency)", items[i]);
        else if (m->params & (1u << j))
            rc = say(why, len, "params: '%s' listed twice", items[i]);
        else
            m->params |= 1u << j;
    }
    value_list_free(items, n);
    return rc;
}

static int set_transports(struct exp_module *m, const char *v, char *why, size_t len)
{
    char reason[256];
    if (value_list(v, &m->transports, &m->n_transports, reason, sizeof reason) != 0)
        return say(why, len, "transports: %s", reason);
    for (size_t i = 0; i < m->n_transports; i++) {
        if (!transport_name_valid(m->transports[i]))
            return say(why, len, "transports: '%s' is not a transport's name", m->transports[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->transports[i], m->transports[j]) == 0)
                return say(why, len, "transports: '%s' listed twice", m->transports[i]);
    }
    return 0;
}

static int set_args(struct exp_module *m, const char *v, char *why, size_t len)
{
    char reason[256];
    if (modargs_split(v, &m->args, &m->n_args, reason, sizeof reason) != 0 ||
        modargs_refused(m->args, m->n_args, reason, sizeof reason) != 0)
        return say(why, len, "args: %s", reason);
    return 0;
}

int module_set(struct exp_module *m, enum module_key key, const char *v, char *why, size_t len)
{
    char reason[256];
    int port, rc = 0;
    switch (key) {
    case MK_TRANSPORT:
        if (!transport_name_valid(v))
            return say(why, len, "transport: '%s' is not a transport's name", v);
        free(m->transport);
        if (!(m->transport = strdup(v)))
            return say(why, len, "out of memory");
        return 0;
    case MK_TIME:
        return whole_seconds("time", v, 1, MAX_TIME_CEILING_S, &m->time, why, len);
    case MK_MAX_TIME:
        return whole_seconds("max_time", v, 1, MAX_TIME_CEILING_S, &m->max_time, why, len);
    case MK_REVERSE:
        rc = value_bool(v, &m->reverse, reason, sizeof reason);
        break;
    case MK_LATENCY:
        rc = value_bool(v, &m->latency, reason, sizeof reason);
        break;
    case MK_PARALLEL:
        rc = value_int(v, 1, MAX_PARALLEL_CEILING, &m->parallel, reason, sizeof reason);
        break;
    case MK_MAX_PARALLEL:
        rc = value_int(v, 1, MAX_PARALLEL_CEILING, &m->max_parallel, reason, sizeof reason);
        break;
    case MK_BITRATE:
        rc = value_rate(v, &m->bitrate, reason, sizeof reason);
        break;
    case MK_MAX_BITRATE:
        rc = value_rate(v, &m->max_bitrate, reason, sizeof reason);
        break;
    case MK_PORT:
        if ((rc = value_int(v, 1, 65535, &port, reason, sizeof reason)) == 0)
            m->port = port;
        break;
    case MK_ARGS:
        return set_args(m, v, why, len);
    case MK_PARAMS:
        return set_params(m, v, why, len);
    case MK_TRANSPORTS:
        return set_transports(m, v, why, len);
    case N_MODULE_KEYS:
        break;
    }
    return rc ? say(why, len, "%s: %s", keys[key], reason) : 0;
}

static int has_transport(const struct exp_module *m, const char *name)
{
    for (size_t i = 0; i < m->n_transports; i++)
        if (strcmp(m->transports[i], name) == 0)
            return 1;
    return 0;
}

/* The switches (query.h) a query may turn in m's probes: those params
 * lists, the bitrate's only where max_bitrate does not always set one. */
static unsigned switches_of(const struct exp_module *m)
{
    unsigned s = m->params & PROBE_SWITCHES;
    return m->max_bitrate ? s & ~PP_BITRATE : s;
}

/* weir's option parser on the probe's command line; 0, 1 when it refuses
 * them (reason filled), -1 when out of memory. */
static int weir_refuses(const struct probe_spec *spec, char *reason, size_t len)
{
    char **argv = probe_spec_argv(spec, "weir", "127.0.0.1");
    if (!argv)
        return -1;
    int rc = modargs_check(argv, reason, len);
    probe_argv_free(argv);
    return rc != 0;
}

static int add_refused_mix(struct exp_module *m, size_t transport, unsigned mix, const char *reason)
{
    struct exp_refused_mix *grown = realloc(m->refused_mixes, (m->n_refused_mixes + 1) * sizeof *grown);
    if (!grown)
        return -1;
    m->refused_mixes = grown;
    char *copy = strdup(reason);
    if (!copy)
        return -1;
    grown[m->n_refused_mixes++] = (struct exp_refused_mix){ transport, mix, copy };
    return 0;
}

/* The line a refused probe is about: latency's (its key, or the params
 * that let a query turn it on) when weir takes the same probe without
 * --latency; else args', or the header. */
static int refused_line(const struct probe_spec *spec, const int *key_line, int header)
{
    int other = key_line[MK_ARGS] ? key_line[MK_ARGS] : header;
    if (!spec->latency)
        return other;
    struct probe_spec plain = *spec;
    plain.latency = 0;
    char reason[512];
    if (weir_refuses(&plain, reason, sizeof reason) != 0)
        return other;
    const struct exp_module *m = spec->module;
    return m->latency ? (key_line[MK_LATENCY] ? key_line[MK_LATENCY] : header)
                      : (key_line[MK_PARAMS] ? key_line[MK_PARAMS] : header);
}

/* weir's option parser on the command line of every probe the module can
 * run: each of its transports, with each switch a query may turn, and
 * with any mix of them: unknown options, values out of range, a transport
 * that does not load, options that need the other direction
 * (--rcv-timeout), options --latency refuses. A probe one switch away
 * from the module's must pass; a mix weir refuses is kept for the query
 * to refuse (400). */
static int check_options(struct exp_module *m, const int *key_line, int header, int *line, char *why,
                         size_t len)
{
    unsigned all = switches_of(m);
    for (size_t t = 0; t < m->n_transports; t++) {
        unsigned mix = 0;
        do {
            struct probe_spec spec;
            probe_spec_from_module(m, &spec);
            spec.transport = m->transports[t];
            probe_spec_switch(&spec, mix);
            char reason[512];
            int rc = weir_refuses(&spec, reason, sizeof reason);
            if (rc < 0)
                return say(why, len, "out of memory");
            int is_mix = (mix & (mix - 1)) != 0;
            if (rc && is_mix && add_refused_mix(m, t, mix, reason) != 0)
                return say(why, len, "out of memory");
            if (rc && !is_mix) {
                *line = refused_line(&spec, key_line, header);
                return say(why, len, "weir refuses module %s's options with transport %s%s%s%s: %s", m->name,
                           m->transports[t],
                           mix & PP_REVERSE ? (spec.reverse ? " and reverse=1" : " and reverse=0") : "",
                           mix & PP_LATENCY ? (spec.latency ? " and latency=1" : " and latency=0") : "",
                           mix & PP_BITRATE ? (spec.bitrate ? " and a bitrate" : " and bitrate=0") : "",
                           reason);
            }
            mix = (mix - all) & all;    /* the next subset of all */
        } while (mix != 0);
    }
    return 0;
}

/* A module without transports may run its transport only. */
static int default_transports(struct exp_module *m)
{
    if (m->transports)
        return 0;
    if (!(m->transports = calloc(1, sizeof *m->transports)) || !(m->transports[0] = strdup(m->transport)))
        return -1;
    m->n_transports = 1;
    return 0;
}

int module_add_builtin_default(struct exp_config *c)
{
    struct exp_module *m = module_add(c, "default");
    return m && default_transports(m) == 0 ? 0 : -1;
}

/* The line a reason is about: the first of its two keys that was given,
 * else the module's header. */
static int line_of(const int *key_line, enum module_key k1, enum module_key k2, int header)
{
    return key_line[k1] ? key_line[k1] : key_line[k2] ? key_line[k2] : header;
}

int module_finish(struct exp_module *m, const int *key_line, int header, int *line, char *why,
                  size_t len)
{
    *line = header;
    if (default_transports(m) != 0)
        return say(why, len, "out of memory");
    if (!has_transport(m, m->transport)) {
        *line = line_of(key_line, MK_TRANSPORT, MK_TRANSPORTS, header);
        return say(why, len, "transport %s is not among transports", m->transport);
    }
    if ((m->params & PP_UDP) && !has_transport(m, "udp")) {
        *line = line_of(key_line, MK_PARAMS, MK_TRANSPORTS, header);
        return say(why, len, "params: udp needs udp among transports");
    }
    if (m->time > m->max_time) {
        *line = line_of(key_line, MK_TIME, MK_MAX_TIME, header);
        return say(why, len, "time %g s is above max_time %g s", m->time, m->max_time);
    }
    if (m->parallel > m->max_parallel) {
        *line = line_of(key_line, MK_PARALLEL, MK_MAX_PARALLEL, header);
        return say(why, len, "parallel %d is above max_parallel %d", m->parallel, m->max_parallel);
    }
    if (m->max_bitrate && m->bitrate > m->max_bitrate / (uint64_t)m->parallel) {
        *line = line_of(key_line, MK_BITRATE, MK_MAX_BITRATE, header);
        return say(why, len, "bitrate %llu bit/s times %d streams is above max_bitrate %llu bit/s",
                   (unsigned long long)m->bitrate, m->parallel, (unsigned long long)m->max_bitrate);
    }
    return check_options(m, key_line, header, line, why, len);
}
