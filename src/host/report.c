#include "host/report.h"
#include "host/loader.h"
#include "host/host.h"
#include "cli/identity.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "config.h"

struct instance {
    const struct weir_plugin *p;
    void *ctx;
    struct weir_sink sink;
    struct report_set *rs;
    int failed;                 /* reported an error: no more hooks */
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

struct report_set *report_open(const struct weir_settings *s, int role)
{
    struct report_set *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    if (s->logfile) {
        rs->log = fopen(s->logfile, "a");
        if (!rs->log) {
            fprintf(stderr, "%s: error - unable to open log file: %s\n", identity_name(), s->logfile);
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

void report_close(struct report_set *rs)
{
    if (!rs)
        return;
    for (int i = 0; i < rs->n; i++)
        rs->inst[i].p->reporter->close(rs->inst[i].ctx);
    if (rs->log)
        fclose(rs->log);
    free(rs->cap);
    free(rs);
}

/* A reporter that reports an error from a hook (host set_error) gets no
 * more hooks but close; the others carry on. */
static void contain(struct instance *in)
{
    int code = 0;
    const char *why = host_take_error(&code);
    if (code == 0)
        return;
    fprintf(stderr, "%s: error - reporter '%s': %s\n", identity_name(), in->p->name, *why ? why : "failed");
    in->failed = 1;
    in->rs->failed = 1;
}

int report_log_fd(const struct report_set *rs)
{
    return rs->log ? fileno(rs->log) : -1;
}

#define EACH(rs, hook, ...)                                                 \
    for (int i_ = 0; i_ < (rs)->n; i_++) {                                  \
        struct instance *in_ = &(rs)->inst[i_];                             \
        if (in_->failed || !HAS_HOOK(in_->p->reporter, hook))               \
            continue;                                                       \
        host_clear_error();                                                 \
        in_->p->reporter->hook(in_->ctx, __VA_ARGS__);                      \
        contain(in_);                                                       \
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
    EACH(rs, test_finish, error);
}

void report_message(struct report_set *rs, const char *text)
{
    EACH(rs, message, text);
}

void report_comparison(struct report_set *rs, const struct weir_report_comparison *c)
{
    EACH(rs, comparison, c);
}

int report_failed(const struct report_set *rs)
{
    return rs->failed;
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
    const struct weir_reporter_ops *ops = rs->inst[0].p->reporter;
    if (!HAS_HOOK(ops, document))
        return NULL;
    return ops->document(rs->inst[0].ctx);
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
