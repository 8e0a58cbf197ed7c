#include "mockhost.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_OPTS 32
/* Options as the command line would have given them: value.v.s is the
 * option's own copy. */
static struct { char *name; struct weir_value value; } opts[MAX_OPTS];
static enum weir_status last_code;
static char last_text[512];

static void mock_log(enum weir_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[mock host log %d] ", (int)level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void mock_set_error(enum weir_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    last_code = code;
    vsnprintf(last_text, sizeof last_text, fmt, ap);
    va_end(ap);
}

static uint64_t mock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int mock_param(const struct weir_stream_config *cfg, const char *name, struct weir_value *out)
{
    out->type = WEIR_VALUE_NONE;
    if (cfg && WEIR_HAS_FIELD(cfg, params) && cfg->params) {
        const struct weir_param_set *ps = cfg->params;
        for (int i = 0; i < ps->n; i++)
            if (strcmp(ps->items[i].name, name) == 0) {
                *out = ps->items[i].value;
                return 1;
            }
    }
    for (int i = 0; i < MAX_OPTS; i++)
        if (opts[i].name && strcmp(opts[i].name, name) == 0) {
            *out = opts[i].value;
            return 1;
        }
    return 0;
}

/* Stacking: the transports opened beneath others, as weir's loader keeps
 * them: init for the first user, fini after the last. */
#define MAX_LOWERS 8
static struct lower_slot {
    char name[32];
    struct weir_lower lower;
    int users, inits, finis;
} lowers[MAX_LOWERS];
/* Recursive: a lower's init may open its own lower. */
static pthread_mutex_t lower_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static const struct weir_host *lower_host;

static struct lower_slot *lower_slot(const char *name, int make)
{
    for (int i = 0; i < MAX_LOWERS; i++)
        if (strcmp(lowers[i].name, name) == 0)
            return &lowers[i];
    for (int i = 0; make && i < MAX_LOWERS; i++)
        if (!lowers[i].name[0]) {
            const struct weir_plugin *p = mock_host_load_built(name, name);
            if (!p || p->kind != WEIR_PLUGIN_TRANSPORT || !p->transport)
                return NULL;
            snprintf(lowers[i].name, sizeof lowers[i].name, "%s", name);
            lowers[i].lower = (struct weir_lower){ .struct_size = sizeof lowers[i].lower, .plugin = p,
                                                   .ops = p->transport };
            return &lowers[i];
        }
    return NULL;
}

static int mock_open_lower(const char *name, const struct weir_lower **lower)
{
    const struct weir_host *h = lower_host ? lower_host : mock_host();
    pthread_mutex_lock(&lower_lock);
    struct lower_slot *l = lower_slot(name, 1);
    int rc = l ? WEIR_OK : WEIR_E_PLUGIN;
    if (!l)
        h->set_error(WEIR_E_PLUGIN, "mock host: no transport plugin '%s' built", name);
    if (l && l->users == 0 && l->lower.ops->init) {
        rc = l->lower.ops->init(h, &l->lower.global);
        l->inits += rc == WEIR_OK;
    }
    if (rc == WEIR_OK) {
        l->users++;
        *lower = &l->lower;
    }
    pthread_mutex_unlock(&lower_lock);
    return rc == WEIR_OK ? WEIR_OK : WEIR_E_PLUGIN;
}

static void mock_close_lower(const struct weir_lower *lower)
{
    pthread_mutex_lock(&lower_lock);
    for (int i = 0; lower && i < MAX_LOWERS; i++) {
        struct lower_slot *l = &lowers[i];
        if (&l->lower != lower || l->users == 0 || --l->users > 0)
            continue;
        if (l->lower.ops->fini)
            l->lower.ops->fini(l->lower.global);
        l->lower.global = NULL;
        l->finis++;
    }
    pthread_mutex_unlock(&lower_lock);
}

/* Registered reasons: the code is the index past WEIR_E_REGISTERED_FIRST;
 * mock_error_reason_text() tells a test what a code means. */
static const char *reasons[16];
static int n_reasons;

static int mock_error_reason(const char *message)
{
    for (int i = 0; i < n_reasons; i++)
        if (strcmp(reasons[i], message) == 0)
            return WEIR_E_REGISTERED_FIRST + i;
    if (n_reasons == (int)(sizeof reasons / sizeof reasons[0]))
        return WEIR_E_PLUGIN;
    reasons[n_reasons] = message;
    return WEIR_E_REGISTERED_FIRST + n_reasons++;
}

const char *mock_error_reason_text(int code)
{
    int i = code - WEIR_E_REGISTERED_FIRST;
    return i >= 0 && i < n_reasons ? reasons[i] : NULL;
}

static const struct weir_host host = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof(struct weir_host),
    .log = mock_log,
    .set_error = mock_set_error,
    .now_ns = mock_now_ns,
    .param = mock_param,
    .error_reason = mock_error_reason,
    .open_lower = mock_open_lower,
    .close_lower = mock_close_lower,
};

const struct weir_host *mock_host(void) { return &host; }

/* Set name to v (copying a string), or clear it when v is NULL. */
static void set_option(const char *name, const struct weir_value *v)
{
    int slot = -1;
    for (int i = 0; i < MAX_OPTS && slot < 0; i++)
        if (opts[i].name && strcmp(opts[i].name, name) == 0)
            slot = i;
    if (slot >= 0) {
        if (opts[slot].value.type == WEIR_VALUE_STRING)
            free((char *)opts[slot].value.v.s);
        free(opts[slot].name);
        opts[slot].name = NULL;
    }
    if (!v)
        return;
    for (int i = 0; i < MAX_OPTS && slot < 0; i++)
        if (!opts[i].name)
            slot = i;
    if (slot < 0)
        abort();        /* more options than any test sets */
    opts[slot].name = strdup(name);
    opts[slot].value = *v;
    if (v->type == WEIR_VALUE_STRING)
        opts[slot].value.v.s = strdup(v->v.s);
}

void mock_host_set_option(const char *name, const char *value)
{
    struct weir_value v = { .type = WEIR_VALUE_STRING, .v.s = value };
    set_option(name, value ? &v : NULL);
}

void mock_host_set_uint(const char *name, uint64_t value)
{
    struct weir_value v = { .type = WEIR_VALUE_UINT, .v.u = value };
    set_option(name, &v);
}

void mock_host_set_flag(const char *name, int given)
{
    struct weir_value v = { .type = WEIR_VALUE_BOOL, .v.b = 1 };
    set_option(name, given ? &v : NULL);
}

static struct weir_value *param_slot(struct weir_param_set *ps, const char *name)
{
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->items[i].name, name) == 0)
            return &ps->items[i].value;
    if (ps->n == MOCK_MAX_PARAMS)
        abort();
    ps->items[ps->n].name = name;
    return &ps->items[ps->n++].value;
}

void mock_param_bool(struct weir_param_set *ps, const char *name, int b)
{
    struct weir_value *v = param_slot(ps, name);
    v->type = WEIR_VALUE_BOOL;
    v->v.b = b != 0;
}

void mock_param_uint(struct weir_param_set *ps, const char *name, uint64_t u)
{
    struct weir_value *v = param_slot(ps, name);
    v->type = WEIR_VALUE_UINT;
    v->v.u = u;
}

void mock_param_string(struct weir_param_set *ps, const char *name, const char *s)
{
    struct weir_value *v = param_slot(ps, name);
    v->type = WEIR_VALUE_STRING;
    v->v.s = s;
}

void mock_host_use_for_lowers(const struct weir_host *h)
{
    lower_host = h;
}

static int lower_count(const char *name, int which)
{
    pthread_mutex_lock(&lower_lock);
    struct lower_slot *l = lower_slot(name, 0);
    int n = !l ? 0 : which == 0 ? l->users : which == 1 ? l->inits : l->finis;
    pthread_mutex_unlock(&lower_lock);
    return n;
}

int mock_host_lower_users(const char *name) { return lower_count(name, 0); }
int mock_host_lower_inits(const char *name) { return lower_count(name, 1); }
int mock_host_lower_finis(const char *name) { return lower_count(name, 2); }

enum weir_status mock_host_last_error(void) { return last_code; }
const char *mock_host_last_error_text(void) { return last_text; }

const struct weir_plugin *mock_host_load(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "mock_host_load: %s\n", dlerror());
        return NULL;
    }
    weir_plugin_entry_fn fn = (weir_plugin_entry_fn)dlsym(h, WEIR_PLUGIN_ENTRY_NAME);
    if (!fn) {
        fprintf(stderr, "mock_host_load: %s\n", dlerror());
        return NULL;
    }
    return fn();
}

const struct weir_plugin *mock_host_load_built(const char *dir, const char *name)
{
    const char *base = getenv("PLUGIN_BUILD_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/.libs/%s.so", base ? base : "../plugins", dir, name);
    return mock_host_load(path);
}

static void sink_write(void *ctx, enum weir_channel ch, const char *buf, size_t len)
{
    struct mock_sink *s = ctx;
    char **dst = ch == WEIR_ERR ? &s->err : &s->out;
    size_t *dlen = ch == WEIR_ERR ? &s->err_len : &s->out_len;
    char *n = realloc(*dst, *dlen + len + 1);
    if (!n)
        abort();
    memcpy(n + *dlen, buf, len);
    *dlen += len;
    n[*dlen] = '\0';
    *dst = n;
}

void mock_sink_init(struct mock_sink *s)
{
    memset(s, 0, sizeof *s);
    s->sink.ctx = s;
    s->sink.write = sink_write;
}

void mock_sink_reset(struct mock_sink *s)
{
    mock_sink_free(s);
    mock_sink_init(s);
}

void mock_sink_free(struct mock_sink *s)
{
    free(s->out);
    free(s->err);
    s->out = s->err = NULL;
    s->out_len = s->err_len = 0;
}
