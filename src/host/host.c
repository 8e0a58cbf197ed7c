#include "host/host.h"
#include "cli/identity.h"
#include "host/loader.h"
#include "proto/errors.h"
#include "run/transport_params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Thread_local int err_code;
static _Thread_local char err_text[512];
static int debug_on;

/* Plugin options given on the command line, typed as declared, as many
 * as it has. Written while the command line is parsed, before any plugin
 * hook runs; read-only after. */
static struct plugin_option { const char *name; struct weir_value value; } *options;
static int n_options, cap_options;

uint64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void host_log(enum weir_log_level level, const char *fmt, ...)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    if (level == WEIR_LOG_DEBUG && !debug_on)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s - %s\n", identity_name(), names[level <= WEIR_LOG_DEBUG ? level : 0], line);
}

static void host_set_error(enum weir_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_code = code;
    vsnprintf(err_text, sizeof err_text, fmt, ap);
    va_end(ap);
}

static int host_param(const struct weir_stream_config *cfg, const char *name, struct weir_value *out)
{
    out->type = WEIR_VALUE_NONE;
    if (!name)
        return 0;
    if (cfg && WEIR_HAS_FIELD(cfg, params) && transport_params_lookup(cfg->params, name, out))
        return 1;
    for (int i = 0; i < n_options; i++)
        if (strcmp(options[i].name, name) == 0) {
            *out = options[i].value;
            return 1;
        }
    return 0;
}

static int host_open_lower(const char *name, const struct weir_lower **lower)
{
    char err[768];
    int rc = name && lower ? loader_open_lower(name, lower, err, sizeof err) : WEIR_E_PLUGIN;
    if (rc != WEIR_OK)
        host_set_error(WEIR_E_PLUGIN, "%s", name && lower ? err : "open_lower: no name or no place for the result");
    return rc;
}

static const struct weir_host services = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof(struct weir_host),
    .log = host_log,
    .set_error = host_set_error,
    .now_ns = host_now_ns,
    .param = host_param,
    .error_reason = error_register,
    .open_lower = host_open_lower,
    .close_lower = loader_close_lower,
};

const struct weir_host *host_services(void)
{
    return &services;
}

const char *host_take_error(int *code)
{
    if (code)
        *code = err_code;
    return err_text;
}

void host_clear_error(void)
{
    err_code = 0;
    err_text[0] = '\0';
}

uint32_t host_option_type(const struct weir_option *o)
{
    if (!o->arg)
        return WEIR_VALUE_BOOL;
    return o->type ? o->type : WEIR_VALUE_STRING;
}

/* The whole of text as the option's type. */
static int parse_value(uint32_t type, const char *text, struct weir_value *v)
{
    char *end = NULL;
    errno = 0;
    v->type = type;
    switch (type) {
    case WEIR_VALUE_STRING:
        v->v.s = text;
        return 0;
    case WEIR_VALUE_INT:
        v->v.i = strtoll(text, &end, 10);
        break;
    case WEIR_VALUE_UINT:
        while (isspace((unsigned char)*text))
            text++;
        if (*text == '-')
            return -1;
        v->v.u = strtoull(text, &end, 10);
        break;
    case WEIR_VALUE_DOUBLE:
        v->v.d = strtod(text, &end);
        if (end != text && !isfinite(v->v.d))
            return -1;
        break;
    default:
        return -1;
    }
    return end == text || *end != '\0' || errno ? -1 : 0;
}

int host_set_option(const struct weir_option *o, const char *text, char *why, size_t whylen)
{
    struct weir_value v = { .type = WEIR_VALUE_BOOL, .v.b = 1 };
    uint32_t type = host_option_type(o);
    if (type != WEIR_VALUE_BOOL && parse_value(type, text ? text : "", &v) != 0) {
        static const char *const kinds[] = { "", "", "an integer", "a non-negative integer", "a number" };
        snprintf(why, whylen, "--%s: '%s' is not %s", o->name, text ? text : "",
                 type < sizeof kinds / sizeof kinds[0] && kinds[type][0] ? kinds[type]
                                                                           : "a value of its declared type");
        return -1;
    }
    for (int i = 0; i < n_options; i++)
        if (strcmp(options[i].name, o->name) == 0) {
            options[i].value = v;
            return 0;
        }
    if (n_options == cap_options) {
        int cap = cap_options ? 2 * cap_options : 16;
        struct plugin_option *more = realloc(options, (size_t)cap * sizeof *more);
        if (!more) {
            snprintf(why, whylen, "--%s: out of memory", o->name);
            return -1;
        }
        options = more;
        cap_options = cap;
    }
    options[n_options].name = o->name;
    options[n_options].value = v;
    n_options++;
    return 0;
}

void host_set_debug(int on)
{
    debug_on = on;
}
