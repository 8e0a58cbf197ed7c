#include "host/report.h"
#include "host/loader.h"
#include "host/host.h"
#include "cli/identity.h"
#include "proto/errors.h"
#include "endtext.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "config.h"

struct instance {
    const struct weir_plugin *p;    /* the loader's: every hook is set */
    void *ctx;
    struct weir_sink sink;
    struct report_set *rs;
    int failed;                 /* a hook failed: no more hooks but close */
};

struct report_set {
    struct instance inst[MAX_REPORTERS];
    int n;
    int failed;                 /* some reporter failed; the others went on */
    FILE *log;                  /* --logfile, or NULL */
    int capturing;
    char *cap;
    size_t cap_len, cap_alloc;
};

static void capture_append(struct report_set *rs, const char *buf, size_t len)
{
    if (rs->cap_len + len + 1 > rs->cap_alloc) {
        size_t n = rs->cap_alloc ? rs->cap_alloc * 2 : 4096;
        while (n < rs->cap_len + len + 1)
            n *= 2;
        char *c = realloc(rs->cap, n);
        if (!c)
            return;
        rs->cap = c;
        rs->cap_alloc = n;
    }
    memcpy(rs->cap + rs->cap_len, buf, len);
    rs->cap_len += len;
    rs->cap[rs->cap_len] = '\0';
}

static void sink_write(void *ctx, enum weir_channel ch, const char *buf, size_t len)
{
    struct instance *in = ctx;
    struct report_set *rs = in->rs;
    FILE *f = rs->log ? rs->log : ch == WEIR_ERR ? stderr : stdout;
    fwrite(buf, 1, len, f);
    fflush(f);
    /* Only the first reporter's output goes back to a client that asked. */
    if (rs->capturing && ch == WEIR_OUT && in == &rs->inst[0])
        capture_append(rs, buf, len);
}

struct report_set *report_open(const struct settings *s, int role)
{
    struct report_set *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    if (s->logfile) {
        rs->log = fopen(s->logfile, "a");
        if (!rs->log) {
            /* iperf3's words: the reason, not the path (the command line has it). */
            fprintf(stderr, "%s: error - unable to open log file: %s\n", identity_name(), strerror(errno));
            free(rs);
            return NULL;
        }
    }
    struct weir_report_format fmt = {
        .struct_size = sizeof fmt, .unit = s->format, .verbose = s->verbose, .role = role,
        .title = s->title, .timestamps = s->timestamps, .comparison = s->n_compare,
        .program = identity_name(), .done_line = identity_done_line(),
    };
    for (int i = 0; i < s->n_reporters; i++) {
        char name[256], err[1024];
        snprintf(name, sizeof name, "%s", s->reporters[i]);
        char *arg = strchr(name, ':');
        if (arg)
            *arg++ = '\0';
        const struct weir_plugin *p = loader_load(name, WEIR_PLUGIN_REPORTER, err, sizeof err);
        if (!p) {
            fprintf(stderr, "%s: error - %s\n", identity_name(), err);
            report_close(rs);
            return NULL;
        }
        struct instance *in = &rs->inst[rs->n];
        in->p = p;
        in->rs = rs;
        in->sink.ctx = in;
        in->sink.write = sink_write;
        host_clear_error();
        int rc = p->reporter->open(host_services(), arg, &fmt, &in->sink, &in->ctx);
        if (rc != WEIR_OK) {
            /* Contained: the other reporters still present the results,
             * and the exit status says that one did not. */
            const char *why = host_take_error(NULL);
            fprintf(stderr, "%s: error - reporter '%s' failed to start%s%s%s%s\n", identity_name(), name,
                    arg ? " with argument " : "", arg ? arg : "", *why ? ": " : "", why);
            rs->failed = 1;
            continue;
        }
        rs->n++;
    }
    if (rs->n == 0 && s->n_reporters > 0) {
        report_close(rs);
        return NULL;
    }
    return rs;
}

/* A hook of in returned rc: a failure is said once, on stderr (the
 * reporters may be what failed), and the instance gets no more hooks but
 * close; the others carry on. */
static void contain(struct instance *in, int rc)
{
    if (rc == WEIR_OK || in->failed)
        return;
    const char *why = host_take_error(NULL);
    fprintf(stderr, "%s: error - reporter '%s': %s\n", identity_name(), in->p->name,
            *why ? why : error_strerror(rc));
    in->failed = 1;
    in->rs->failed = 1;
}

int report_close(struct report_set *rs)
{
    if (!rs)
        return 0;
    for (int i = 0; i < rs->n; i++) {
        struct instance *in = &rs->inst[i];
        host_clear_error();
        contain(in, in->p->reporter->close(in->ctx));
    }
    int failed = rs->failed;
    if (rs->log)
        fclose(rs->log);
    free(rs->cap);
    free(rs);
    return failed;
}

int report_log_fd(const struct report_set *rs)
{
    return rs->log ? fileno(rs->log) : -1;
}

#define EACH(rs, hook, ...)                                                 \
    for (int i_ = 0; i_ < (rs)->n; i_++) {                                  \
        struct instance *in_ = &(rs)->inst[i_];                             \
        if (in_->failed)                                                    \
            continue;                                                       \
        host_clear_error();                                                 \
        contain(in_, in_->p->reporter->hook(in_->ctx, __VA_ARGS__));        \
    }

void report_server_listening(struct report_set *rs, uint16_t port, int test_no)
{
    EACH(rs, server_listening, port, test_no);
}

void report_connected(struct report_set *rs, const struct weir_report_connect *c)
{
    EACH(rs, connected, c);
}

void report_start(struct report_set *rs, const struct weir_report_start *st)
{
    EACH(rs, test_start, st);
}

void report_interval(struct report_set *rs, const struct weir_report_interval *iv)
{
    EACH(rs, interval, iv);
}

void report_end(struct report_set *rs, const struct weir_report_end *e)
{
    EACH(rs, test_end, e);
}

void report_finish(struct report_set *rs, const char *error)
{
    int shown = 0;
    for (int i = 0; i < rs->n; i++) {
        struct instance *in = &rs->inst[i];
        if (in->failed)
            continue;
        host_clear_error();
        int rc = in->p->reporter->test_finish(in->ctx, error);
        if (rc == WEIR_OK)
            shown = 1;
        else if (rc != WEIR_E_NOTIMPL)
            contain(in, rc);
    }
    /* Never silent: with only reporters that have no place for the
     * reason (openmetrics on standard output), it goes to stderr. A set
     * without reporters (--loopback's server) leaves it to the client. */
    if (error != NULL && !shown && rs->n > 0)
        fprintf(stderr, "%s: %s%s\n", identity_name(), endtext_prefix(error), error);
}

static const char *level_name(enum weir_log_level level)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    return level >= WEIR_LOG_ERROR && level <= WEIR_LOG_DEBUG ? names[level] : "error";
}

void report_message(struct report_set *rs, enum weir_log_level level, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int shown = 0;
    for (int i = 0; i < rs->n; i++) {
        struct instance *in = &rs->inst[i];
        if (in->failed)
            continue;
        host_clear_error();
        int rc = in->p->reporter->message(in->ctx, level, text);
        if (rc == WEIR_OK)
            shown = 1;
        else if (rc != WEIR_E_NOTIMPL)
            contain(in, rc);
    }
    /* Never lost: with json alone, or no reporter at all (--loopback's
     * server), the line goes where the core's own lines go. */
    if (!shown)
        fprintf(stderr, "%s: %s - %s\n", identity_name(), level_name(level), text);
}

void report_comparison(struct report_set *rs, const struct weir_report_comparison *c)
{
    EACH(rs, comparison, c);
}

void report_capture_begin(struct report_set *rs)
{
    rs->capturing = 1;
    rs->cap_len = 0;
    if (rs->cap)
        rs->cap[0] = '\0';
}

char *report_capture_take(struct report_set *rs)
{
    rs->capturing = 0;
    char *c = rs->cap ? rs->cap : strdup("");
    rs->cap = NULL;
    rs->cap_len = rs->cap_alloc = 0;
    return c;
}

char *report_document(struct report_set *rs)
{
    if (rs->n == 0 || rs->inst[0].failed)
        return NULL;
    struct instance *in = &rs->inst[0];
    char *json = NULL;
    host_clear_error();
    int rc = in->p->reporter->document(in->ctx, &json);
    contain(in, rc);
    if (rc != WEIR_OK) {
        free(json);
        return NULL;
    }
    return json;
}

void report_fill_connect(struct weir_report_connect *c, int role, const char *host, uint16_t port)
{
    /* Per thread: every test of a server reports from its own. */
    static _Thread_local char sysinfo[512], stamp[64];
    identity_system_info(sysinfo, sizeof sysinfo);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t now = tv.tv_sec;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->role = role;
    c->host = host;
    c->port = port;
    c->version = "weir " PACKAGE_VERSION;
    c->system_info = sysinfo;
    c->timestamp = stamp;
    c->timesecs = (int64_t)tv.tv_sec;
    c->timemillisecs = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}
