/* The modules file (docs/exporter.md, "The modules file") and the command
 * line's allow rules, read into one struct exp_config. Every error names
 * its file and line. */
#include "exporter/config.h"
#include "exporter/allow.h"
#include "exporter/modargs.h"
#include "exporter/query.h"
#include "exporter/values.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 4096
#define MODULE_NAME_MAX 64
#define TRANSPORT_NAME_MAX 64

/* Ceilings config.h states, and the ranges of the [exporter] keys. */
#define MAX_TIME_CEILING_S 60
#define MAX_PARALLEL_CEILING 128
#define DEFAULT_MAX_PARALLEL 8
#define MAX_CONCURRENT_MAX 256
#define QUEUE_TIMEOUT_MAX_S 600
#define MIN_INTERVAL_MAX_S 86400
#define PROBE_GRACE_MIN_S 5         /* above the probe's connect timeout */
#define PROBE_GRACE_MAX_S 600

enum exporter_key { EK_MAX_CONCURRENT, EK_QUEUE_TIMEOUT, EK_MIN_INTERVAL, EK_PROBE_GRACE, EK_ALLOW,
                    N_EXPORTER_KEYS };
static const char *const exporter_keys[N_EXPORTER_KEYS] = {
    "max_concurrent", "queue_timeout", "min_interval", "probe_grace", "allow",
};

enum module_key { MK_TRANSPORT, MK_TIME, MK_REVERSE, MK_PARALLEL, MK_BITRATE, MK_PORT, MK_ARGS,
                  MK_PARAMS, MK_TRANSPORTS, MK_MAX_TIME, MK_MAX_PARALLEL, MK_MAX_BITRATE,
                  N_MODULE_KEYS };
static const char *const module_keys[N_MODULE_KEYS] = {
    "transport", "time", "reverse", "parallel", "bitrate", "port", "args",
    "params", "transports", "max_time", "max_parallel", "max_bitrate",
};

/* params' names, in enum probe_param's order. */
static const char *const param_names[] = { "transport", "time", "reverse", "parallel", "bitrate", "udp" };
#define N_PARAM_NAMES (sizeof param_names / sizeof param_names[0])

struct reader {
    const char *path;
    int line;
    char *err;
    size_t errlen;
    struct exp_config *c;
    enum { SEC_NONE, SEC_EXPORTER, SEC_MODULE } section;
    int exporter_line;                  /* of [exporter]; 0: none yet */
    int key_line[(int)N_MODULE_KEYS > (int)N_EXPORTER_KEYS ? (int)N_MODULE_KEYS : (int)N_EXPORTER_KEYS];
    int module_line;                    /* of the current [module NAME] */
};

static int fail(struct reader *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct reader *r, int line, const char *fmt, ...)
{
    int n = snprintf(r->err, r->errlen, "%s:%d: ", r->path, line);
    if (n >= 0 && (size_t)n < r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void module_clear(struct exp_module *m)
{
    free(m->name);
    free(m->transport);
    modargs_free(m->args, m->n_args);
    value_list_free(m->transports, m->n_transports);
    memset(m, 0, sizeof *m);
}

void exp_config_free(struct exp_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_modules; i++)
        module_clear(&c->modules[i]);
    free(c->modules);
    for (size_t i = 0; i < c->n_allow; i++)
        allow_rule_clear(&c->allow[i]);
    free(c->allow);
    free(c->path);
    free(c);
}

const struct exp_module *exp_config_module(const struct exp_config *c, const char *name)
{
    if (!name)
        name = "default";
    for (size_t i = 0; i < c->n_modules; i++)
        if (strcmp(c->modules[i].name, name) == 0)
            return &c->modules[i];
    return NULL;
}

/* A new module with config.h's defaults (transports filled in at its end). */
static struct exp_module *add_module(struct exp_config *c, const char *name)
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

/* A module without transports= may run its transport only. */
static int default_transports(struct exp_module *m)
{
    if (m->transports)
        return 0;
    if (!(m->transports = calloc(1, sizeof *m->transports)) || !(m->transports[0] = strdup(m->transport)))
        return -1;
    m->n_transports = 1;
    return 0;
}

static int add_allow(struct exp_config *c, const char *text, char *why, size_t len)
{
    struct allow_rule rule;
    if (allow_rule_parse(text, &rule, why, len) != 0)
        return -1;
    struct allow_rule *grown = realloc(c->allow, (c->n_allow + 1) * sizeof *grown);
    if (!grown) {
        allow_rule_clear(&rule);
        snprintf(why, len, "out of memory");
        return -1;
    }
    c->allow = grown;
    c->allow[c->n_allow++] = rule;
    return 0;
}

static int valid_name(const char *name, size_t max, const char *extra)
{
    size_t n = strlen(name);
    if (n == 0 || n > max)
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
            return 0;
    return 1;
}

/* A duration in whole seconds within [min, max]. */
static int whole_seconds(struct reader *r, const char *key, const char *v, int min, int max, double *out)
{
    char why[160];
    double s;
    if (value_duration(v, &s, why, sizeof why) != 0)
        return fail(r, r->line, "%s: %s", key, why);
    if (s != floor(s))
        return fail(r, r->line, "%s: %s is not whole seconds (weir's -t counts seconds)", key, v);
    if (s < min || s > max)
        return fail(r, r->line, "%s: %s is out of range (%d s to %d s)", key, v, min, max);
    *out = s;
    return 0;
}

static int seconds_in(struct reader *r, const char *key, const char *v, double min, double max, double *out)
{
    char why[160];
    if (value_duration(v, out, why, sizeof why) != 0)
        return fail(r, r->line, "%s: %s", key, why);
    if (*out < min || *out > max)
        return fail(r, r->line, "%s: %s is out of range (%g s to %g s)", key, v, min, max);
    return 0;
}

static int exporter_key(struct reader *r, int k, const char *v)
{
    struct exp_config *c = r->c;
    char why[256];
    switch (k) {
    case EK_MAX_CONCURRENT:
        if (value_int(v, 1, MAX_CONCURRENT_MAX, &c->max_concurrent, why, sizeof why) != 0)
            return fail(r, r->line, "max_concurrent: %s", why);
        return 0;
    case EK_QUEUE_TIMEOUT:
        return seconds_in(r, "queue_timeout", v, 0, QUEUE_TIMEOUT_MAX_S, &c->queue_timeout);
    case EK_MIN_INTERVAL:
        return seconds_in(r, "min_interval", v, 0, MIN_INTERVAL_MAX_S, &c->min_interval);
    case EK_PROBE_GRACE:
        return seconds_in(r, "probe_grace", v, PROBE_GRACE_MIN_S, PROBE_GRACE_MAX_S, &c->probe_grace);
    case EK_ALLOW:
        if (add_allow(c, v, why, sizeof why) != 0)
            return fail(r, r->line, "allow %s: %s", v, why);
        return 0;
    }
    return 0;
}

static int set_params(struct reader *r, struct exp_module *m, const char *v)
{
    char **items;
    size_t n;
    char why[256];
    if (value_list(v, &items, &n, why, sizeof why) != 0)
        return fail(r, r->line, "params: %s", why);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t j = 0;
        while (j < N_PARAM_NAMES && strcmp(param_names[j], items[i]) != 0)
            j++;
        if (j == N_PARAM_NAMES)
            rc = fail(r, r->line, "params: unknown parameter '%s' (transport, time, reverse, parallel, "
                      "bitrate, udp)", items[i]);
        else if (m->params & (1u << j))
            rc = fail(r, r->line, "params: '%s' listed twice", items[i]);
        else
            m->params |= 1u << j;
    }
    value_list_free(items, n);
    return rc;
}

static int set_transports(struct reader *r, struct exp_module *m, const char *v)
{
    char why[256];
    if (value_list(v, &m->transports, &m->n_transports, why, sizeof why) != 0)
        return fail(r, r->line, "transports: %s", why);
    for (size_t i = 0; i < m->n_transports; i++) {
        if (!valid_name(m->transports[i], TRANSPORT_NAME_MAX, "-_"))
            return fail(r, r->line, "transports: '%s' is not a transport's name", m->transports[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->transports[i], m->transports[j]) == 0)
                return fail(r, r->line, "transports: '%s' listed twice", m->transports[i]);
    }
    return 0;
}

static int set_args(struct reader *r, struct exp_module *m, const char *v)
{
    char why[256];
    if (modargs_split(v, &m->args, &m->n_args, why, sizeof why) != 0)
        return fail(r, r->line, "args: %s", why);
    if (modargs_refused(m->args, m->n_args, why, sizeof why) != 0)
        return fail(r, r->line, "args: %s", why);
    return 0;
}

static int module_key(struct reader *r, int k, const char *v)
{
    struct exp_module *m = &r->c->modules[r->c->n_modules - 1];
    char why[256];
    int port;
    switch (k) {
    case MK_TRANSPORT:
        if (!valid_name(v, TRANSPORT_NAME_MAX, "-_"))
            return fail(r, r->line, "transport: '%s' is not a transport's name", v);
        free(m->transport);
        if (!(m->transport = strdup(v)))
            return fail(r, r->line, "out of memory");
        return 0;
    case MK_TIME:
        return whole_seconds(r, "time", v, 1, MAX_TIME_CEILING_S, &m->time);
    case MK_MAX_TIME:
        return whole_seconds(r, "max_time", v, 1, MAX_TIME_CEILING_S, &m->max_time);
    case MK_REVERSE:
        if (value_bool(v, &m->reverse, why, sizeof why) != 0)
            return fail(r, r->line, "reverse: %s", why);
        return 0;
    case MK_PARALLEL:
        if (value_int(v, 1, MAX_PARALLEL_CEILING, &m->parallel, why, sizeof why) != 0)
            return fail(r, r->line, "parallel: %s", why);
        return 0;
    case MK_MAX_PARALLEL:
        if (value_int(v, 1, MAX_PARALLEL_CEILING, &m->max_parallel, why, sizeof why) != 0)
            return fail(r, r->line, "max_parallel: %s", why);
        return 0;
    case MK_BITRATE:
        if (value_rate(v, &m->bitrate, why, sizeof why) != 0)
            return fail(r, r->line, "bitrate: %s", why);
        return 0;
    case MK_MAX_BITRATE:
        if (value_rate(v, &m->max_bitrate, why, sizeof why) != 0)
            return fail(r, r->line, "max_bitrate: %s", why);
        return 0;
    case MK_PORT:
        if (value_int(v, 1, 65535, &port, why, sizeof why) != 0)
            return fail(r, r->line, "port: %s", why);
        m->port = port;
        return 0;
    case MK_ARGS:
        return set_args(r, m, v);
    case MK_PARAMS:
        return set_params(r, m, v);
    case MK_TRANSPORTS:
        return set_transports(r, m, v);
    }
    return 0;
}

/* The line a cross-check names: the first key's if given, else the
 * second's, else the module's header. */
static int line_of(const struct reader *r, int k1, int k2)
{
    return r->key_line[k1] ? r->key_line[k1] : k2 >= 0 && r->key_line[k2] ? r->key_line[k2] : r->module_line;
}

static int has_transport(const struct exp_module *m, const char *name)
{
    for (size_t i = 0; i < m->n_transports; i++)
        if (strcmp(m->transports[i], name) == 0)
            return 1;
    return 0;
}

/* weir's option parser on the probe's command line as this module runs it
 * with each of its transports, and both ways when a query may turn
 * reverse: unknown options, values out of range, a transport that does not
 * load, options that need the other direction (--rcv-timeout). */
static int check_options(struct reader *r, const struct exp_module *m)
{
    int line = r->key_line[MK_ARGS] ? r->key_line[MK_ARGS] : r->module_line;
    int directions = m->params & PP_REVERSE ? 2 : 1;
    for (size_t i = 0; i < m->n_transports; i++)
        for (int d = 0; d < directions; d++) {
            struct probe_spec spec;
            probe_spec_from_module(m, &spec);
            spec.transport = m->transports[i];
            spec.reverse = d ? !m->reverse : m->reverse;
            char **argv = probe_spec_argv(&spec, "weir", "127.0.0.1");
            if (!argv)
                return fail(r, line, "out of memory");
            char why[512];
            int rc = modargs_check(argv, why, sizeof why);
            probe_argv_free(argv);
            if (rc != 0)
                return fail(r, line, "weir refuses module %s's options with transport %s%s: %s", m->name,
                            m->transports[i], d ? (spec.reverse ? " and reverse=1" : " and reverse=0") : "",
                            why);
        }
    return 0;
}

/* Checks across the keys of the module just read. */
static int finish_module(struct reader *r)
{
    struct exp_module *m = &r->c->modules[r->c->n_modules - 1];
    if (!r->key_line[MK_TRANSPORTS] && default_transports(m) != 0)
        return fail(r, r->module_line, "out of memory");
    if (!has_transport(m, m->transport))
        return fail(r, line_of(r, MK_TRANSPORT, MK_TRANSPORTS), "transport %s is not among transports",
                    m->transport);
    if ((m->params & PP_UDP) && !has_transport(m, "udp"))
        return fail(r, r->key_line[MK_PARAMS], "params: udp needs udp among transports");
    if (m->time > m->max_time)
        return fail(r, line_of(r, MK_TIME, MK_MAX_TIME), "time %g s is above max_time %g s", m->time,
                    m->max_time);
    if (m->parallel > m->max_parallel)
        return fail(r, line_of(r, MK_PARALLEL, MK_MAX_PARALLEL), "parallel %d is above max_parallel %d",
                    m->parallel, m->max_parallel);
    if (m->max_bitrate && m->bitrate > m->max_bitrate / (uint64_t)m->parallel)
        return fail(r, line_of(r, MK_BITRATE, MK_MAX_BITRATE),
                    "bitrate %llu bit/s times %d streams is above max_bitrate %llu bit/s",
                    (unsigned long long)m->bitrate, m->parallel, (unsigned long long)m->max_bitrate);
    return check_options(r, m);
}

static int end_section(struct reader *r)
{
    int rc = r->section == SEC_MODULE ? finish_module(r) : 0;
    memset(r->key_line, 0, sizeof r->key_line);
    return rc;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int section(struct reader *r, char *text)
{
    size_t n = strlen(text);
    if (text[n - 1] != ']')
        return fail(r, r->line, "'[' without ']' at the end of the line");
    text[n - 1] = '\0';
    char *name = trim(text + 1);
    if (end_section(r) != 0)
        return -1;
    if (strcmp(name, "exporter") == 0) {
        if (r->exporter_line)
            return fail(r, r->line, "a second [exporter] section (the first is at line %d)", r->exporter_line);
        r->exporter_line = r->line;
        r->section = SEC_EXPORTER;
        return 0;
    }
    if (strncmp(name, "module", 6) != 0 || !isspace((unsigned char)name[6]))
        return fail(r, r->line, "unknown section [%s] (there are [exporter] and [module NAME])", name);
    char *mod = trim(name + 6);
    if (!valid_name(mod, MODULE_NAME_MAX, "-_."))
        return fail(r, r->line, "module name '%s': 1 to %d letters, digits, '-', '_' or '.'", mod,
                    MODULE_NAME_MAX);
    if (exp_config_module(r->c, mod))
        return fail(r, r->line, "module %s defined twice", mod);
    if (!add_module(r->c, mod))
        return fail(r, r->line, "out of memory");
    r->section = SEC_MODULE;
    r->module_line = r->line;
    return 0;
}

static int key_value(struct reader *r, char *text)
{
    char *eq = strchr(text, '=');
    if (!eq)
        return fail(r, r->line, "expected KEY = VALUE, a [section] or a comment");
    *eq = '\0';
    char *key = trim(text), *value = trim(eq + 1);
    if (r->section == SEC_NONE)
        return fail(r, r->line, "'%s' outside a section ([exporter] or [module NAME])", key);
    const char *const *keys = r->section == SEC_MODULE ? module_keys : exporter_keys;
    int n_keys = r->section == SEC_MODULE ? N_MODULE_KEYS : N_EXPORTER_KEYS;
    int k = 0;
    while (k < n_keys && strcmp(keys[k], key) != 0)
        k++;
    const char *where = r->section == SEC_MODULE ? "a [module]" : "[exporter]";
    if (k == n_keys)
        return fail(r, r->line, "unknown key '%s' in %s", key, where);
    if (!*value)
        return fail(r, r->line, "%s has no value", key);
    int repeatable = r->section == SEC_EXPORTER && k == EK_ALLOW;
    if (r->key_line[k] && !repeatable)
        return fail(r, r->line, "%s given twice in this section (first at line %d)", key, r->key_line[k]);
    r->key_line[k] = r->line;
    return r->section == SEC_MODULE ? module_key(r, k, value) : exporter_key(r, k, value);
}

static int read_line(struct reader *r, char *raw, size_t len)
{
    if (strlen(raw) != len)
        return fail(r, r->line, "a NUL byte in the line");
    if (len > LINE_MAX_LEN)
        return fail(r, r->line, "line longer than %d characters", LINE_MAX_LEN);
    char *text = trim(raw);
    if (!*text || *text == '#' || *text == ';')
        return 0;
    return *text == '[' ? section(r, text) : key_value(r, text);
}

static int read_file(struct reader *r)
{
    FILE *f = fopen(r->path, "r");
    if (!f) {
        snprintf(r->err, r->errlen, "%s: %s", r->path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&buf, &cap, f)) >= 0) {
        r->line++;
        size_t len = (size_t)got;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        rc = read_line(r, buf, len);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(r->err, r->errlen, "%s: %s", r->path, strerror(errno));
        rc = -1;
    }
    free(buf);
    fclose(f);
    return rc == 0 ? end_section(r) : rc;
}

/* Without a module of that name in the file: a 5 s TCP test. */
static int add_builtin_default(struct exp_config *c)
{
    if (exp_config_module(c, "default"))
        return 0;
    struct exp_module *m = add_module(c, "default");
    return m && default_transports(m) == 0 ? 0 : -1;
}

struct exp_config *exp_config_load(const char *path, char *const *cli_allow, size_t n_cli_allow,
                                   char *err, size_t errlen)
{
    struct exp_config *c = calloc(1, sizeof *c);
    if (!c || (path && !(c->path = strdup(path)))) {
        snprintf(err, errlen, "out of memory");
        exp_config_free(c);
        return NULL;
    }
    c->max_concurrent = 1;
    c->queue_timeout = 30;
    c->min_interval = 1;
    c->probe_grace = 15;
    struct reader r = { .path = path, .err = err, .errlen = errlen, .c = c };
    if (path && read_file(&r) != 0) {
        exp_config_free(c);
        return NULL;
    }
    if (add_builtin_default(c) != 0) {
        snprintf(err, errlen, "out of memory");
        exp_config_free(c);
        return NULL;
    }
    for (size_t i = 0; i < n_cli_allow; i++) {
        char why[256];
        if (add_allow(c, cli_allow[i], why, sizeof why) != 0) {
            snprintf(err, errlen, "--exporter-allow %s: %s", cli_allow[i], why);
            exp_config_free(c);
            return NULL;
        }
    }
    return c;
}
