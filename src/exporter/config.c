/* The modules file (docs/exporter.md, "The modules file") and the command
 * line's allow rules, read into one struct exp_config: the file's lines,
 * its sections and the [exporter] keys; module.c reads a [module]'s keys.
 * Every error names its file and line. */
#include "exporter/config.h"
#include "exporter/allow.h"
#include "exporter/module.h"
#include "exporter/values.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 4096
/* The ranges of the [exporter] keys. */
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

static int module_key(struct reader *r, int k, const char *v)
{
    char why[512];
    if (module_set(&r->c->modules[r->c->n_modules - 1], (enum module_key)k, v, why, sizeof why) != 0)
        return fail(r, r->line, "%s", why);
    return 0;
}

static int finish_module(struct reader *r)
{
    char why[1024];
    int line;
    if (module_finish(&r->c->modules[r->c->n_modules - 1], r->key_line, r->module_line, &line, why,
                      sizeof why) != 0)
        return fail(r, line, "%s", why);
    return 0;
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
    if (!module_name_valid(mod))
        return fail(r, r->line, "module name '%s': 1 to 64 letters, digits, '-', '_' or '.'", mod);
    if (exp_config_module(r->c, mod))
        return fail(r, r->line, "module %s defined twice", mod);
    if (!module_add(r->c, mod))
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
    int k = 0;
    if (r->section == SEC_MODULE) {
        k = module_key_index(key);
    } else {
        while (k < N_EXPORTER_KEYS && strcmp(exporter_keys[k], key) != 0)
            k++;
        k = k < N_EXPORTER_KEYS ? k : -1;
    }
    if (k < 0)
        return fail(r, r->line, "unknown key '%s' in %s", key,
                    r->section == SEC_MODULE ? "a [module]" : "[exporter]");
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
    return module_add_builtin_default(c);
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
