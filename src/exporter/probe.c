#include "exporter/probe.h"
#include "exporter/admit.h"
#include "exporter/child.h"
#include "exporter/selfmetrics.h"
#include "exporter/textbuf.h"
#include "exporter/xlog.h"

#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A probe with Prometheus's scrape timeout T (its request header) answers
 * by T - SCRAPE_ANSWER_MARGIN, and its test runs at most the whole seconds
 * of T - SCRAPE_SETUP_MARGIN: connecting, the parameter exchange, the
 * results and the answer take the rest (a second on a path across
 * continents). */
#define SCRAPE_SETUP_MARGIN  1.5
#define SCRAPE_ANSWER_MARGIN 0.5

static const char *self_path;
static int stop_fd = -1;

void probe_setup(const char *self, int fd)
{
    self_path = self;
    stop_fd = fd;
}

void probe_refuse(struct probe_answer *a, int status, const char *fmt, ...)
{
    struct textbuf b = { 0 };
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    tb_printf(&b, "%s\n", line);
    a->status = status;
    a->body = tb_take(&b, &a->len);
    a->content_type = CT_TEXT;
    a->retry_after = 0;
    selfmetrics_refused(status);
    xlog_debug("probe refused (%d): %s", status, line);
}

/* ---- the target: resolved once, checked, connected to by address ---- */

/* Fills address with the numeric address to test; 0, or the HTTP status
 * to refuse with (answer filled), or -1: did not resolve though a name
 * pattern allowed it (why filled: a failed probe, not a refusal). */
static int check_target(const struct exp_config *c, const struct probe_spec *spec, char *address,
                        size_t addrlen, struct probe_answer *a, char *why, size_t whylen)
{
    int by_name = exp_allow_name(c, spec->host);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = getaddrinfo(spec->host, NULL, &hints, &res);
    if (rc != 0) {
        if (by_name) {
            snprintf(why, whylen, "unable to resolve %s: %s", spec->host, gai_strerror(rc));
            return -1;
        }
        probe_refuse(a, 403, "target %s is not allowed: it does not resolve (%s) and matches no "
                     "allowed host name pattern", spec->host, gai_strerror(rc));
        return 403;
    }
    int status = 0;
    for (struct addrinfo *ai = res; ai && !by_name; ai = ai->ai_next) {
        if (exp_allow_addr(c, ai->ai_addr))
            continue;
        char bad[NI_MAXHOST] = "?";
        getnameinfo(ai->ai_addr, ai->ai_addrlen, bad, sizeof bad, NULL, 0, NI_NUMERICHOST);
        probe_refuse(a, 403, "target %s is not allowed: %s is in no allowed network", spec->host, bad);
        status = 403;
        break;
    }
    if (status == 0 &&
        getnameinfo(res->ai_addr, res->ai_addrlen, address, addrlen, NULL, 0, NI_NUMERICHOST) != 0) {
        snprintf(why, whylen, "unable to write the address of %s", spec->host);
        status = -1;
    }
    freeaddrinfo(res);
    return status;
}

/* ---- the test ---- */

static enum probe_failure outcome(const struct child_result *r, const struct probe_spec *spec,
                                  double limit, const struct probe_client *cl, int cut_by_scrape,
                                  char *why, size_t whylen)
{
    if (r->stopped) {
        snprintf(why, whylen, "the exporter is stopping");
        return FAIL_STOPPED;
    }
    if (r->abandoned) {
        snprintf(why, whylen, "the client closed its connection before the answer");
        return FAIL_CLIENT_GONE;
    }
    if (r->timed_out && cut_by_scrape) {
        snprintf(why, whylen, "timed out after %.3g s: the answer was due before the scrape timeout "
                 "(%g s)", limit, cl->scrape_timeout);
        return FAIL_TIMEOUT;
    }
    if (r->timed_out) {
        snprintf(why, whylen, "timed out after %g s (a %g s test and the module's grace)", limit,
                 spec->time);
        return FAIL_TIMEOUT;
    }
    if (r->signal) {
        snprintf(why, whylen, "killed by signal %d", r->signal);
        return FAIL_SIGNAL;
    }
    if (r->exit_status != 0) {
        if (r->error[0])
            snprintf(why, whylen, "%s", r->error);
        else
            snprintf(why, whylen, "the test exited with status %d", r->exit_status);
        return FAIL_TEST;
    }
    return FAIL_NONE;
}

/* The test's text without its "# EOF" line, which ends the answer once. */
static size_t without_eof(const char *out, size_t len)
{
    for (size_t at = len; at > 0; at--) {
        size_t start = at - 1;
        if (start > 0 && out[start - 1] != '\n')
            continue;
        if (len - start >= 5 && strncmp(out + start, "# EOF", 5) == 0)
            return start;
    }
    return len;
}

static const struct {
    unsigned bit;
    const char *name;
} param_names[] = {
    { PP_TRANSPORT, "transport" }, { PP_TIME, "time" }, { PP_REVERSE, "reverse" },
    { PP_PARALLEL, "parallel" }, { PP_BITRATE, "bitrate" }, { PP_UDP, "udp" },
};

static void answer_metrics(struct probe_answer *a, const char *test_text, size_t test_len,
                           const struct probe_spec *spec, int openmetrics, double seconds,
                           const char *failure)
{
    struct textbuf b = { 0 };
    tb_add(&b, test_text, without_eof(test_text, test_len));
    tb_printf(&b, "# HELP weir_probe_success 1 if the probe's test ran to its end, 0 if it failed.\n"
                  "# TYPE weir_probe_success gauge\n"
                  "weir_probe_success %d\n", failure ? 0 : 1);
    tb_printf(&b, "# HELP weir_probe_duration_seconds Time the probe's test took, start to end.\n"
                  "# TYPE weir_probe_duration_seconds gauge\n"
                  "# UNIT weir_probe_duration_seconds seconds\n"
                  "weir_probe_duration_seconds %.6f\n", seconds);
    if (failure) {
        tb_printf(&b, "# HELP weir_probe_failure_info Why the probe failed, in its reason label.\n"
                      "# TYPE weir_probe_failure_info gauge\n"
                      "weir_probe_failure_info{reason=\"");
        tb_label_value(&b, failure);
        tb_printf(&b, "\"} 1\n");
    }
    if (spec->clamped) {
        tb_printf(&b, "# HELP weir_probe_clamped Parameters of the request cut to the module's limit.\n"
                      "# TYPE weir_probe_clamped gauge\n");
        for (size_t i = 0; i < sizeof param_names / sizeof param_names[0]; i++)
            if (spec->clamped & param_names[i].bit)
                tb_printf(&b, "weir_probe_clamped{parameter=\"%s\"} 1\n", param_names[i].name);
    }
    tb_printf(&b, "# EOF\n");
    a->status = 200;
    a->body = tb_take(&b, &a->len);
    a->content_type = openmetrics ? CT_OPENMETRICS : CT_PROMETHEUS;
    a->retry_after = 0;
}

/* A probe that did not get as far as a test's output. */
static void answer_failed(struct probe_answer *a, const struct probe_spec *spec, int openmetrics,
                          enum probe_failure f, const char *why)
{
    selfmetrics_probe(spec->module->name, f, 0);
    xlog_debug("probe of %s failed: %s", spec->host, why);
    answer_metrics(a, "", 0, spec, openmetrics, 0, why);
}

/* The scrape timeout's cut: the test's time clamped to what fits (its
 * clamped bit set). 0, or -1 when no test fits (why filled). */
static int fit_scrape(const struct probe_client *cl, struct probe_spec *s, char *why, size_t whylen)
{
    if (cl->scrape_timeout <= 0)
        return 0;
    double room = floor(cl->scrape_timeout - SCRAPE_SETUP_MARGIN);
    if (room < 1) {
        snprintf(why, whylen, "the scrape timeout (%g s) leaves no time for a test: one takes at "
                 "least 1 s, and %g s more to set up and answer", cl->scrape_timeout,
                 SCRAPE_SETUP_MARGIN);
        return -1;
    }
    if (s->time > room) {
        s->time = room;
        s->clamped |= PP_TIME;
    }
    return 0;
}

void probe_run(const struct exp_config *c, const struct probe_spec *asked, const struct probe_client *cl,
               struct probe_answer *a)
{
    char address[NI_MAXHOST], why[600];
    int openmetrics = cl->openmetrics;
    struct probe_spec fitted = *asked;
    const struct probe_spec *spec = &fitted;
    int status = check_target(c, spec, address, sizeof address, a, why, sizeof why);
    if (status > 0)
        return;
    if (status < 0) {
        answer_failed(a, spec, openmetrics, FAIL_RESOLVE, why);
        return;
    }
    if (fit_scrape(cl, &fitted, why, sizeof why) != 0) {
        answer_failed(a, spec, openmetrics, FAIL_SCRAPE_TIMEOUT, why);
        return;
    }
    /* The answer's due time (0: none) and the test's whole run before it. */
    double due = cl->scrape_timeout > 0 ? cl->arrived + cl->scrape_timeout - SCRAPE_ANSWER_MARGIN : 0;
    double run_needs = spec->time + SCRAPE_SETUP_MARGIN - SCRAPE_ANSWER_MARGIN;
    char target[sizeof address + 16];
    snprintf(target, sizeof target, "%s %d", address, spec->port);
    double left = admit_interval(target, c->min_interval);
    if (left < 0) {
        probe_refuse(a, 503, "too many targets probed within the minimum interval");
        return;
    }
    if (left > 0) {
        probe_refuse(a, 429, "target %s port %d was probed less than %g s ago", spec->host, spec->port,
                     c->min_interval);
        a->retry_after = (int)ceil(left);
        return;
    }
    /* A slot is waited for no longer than still leaves the test its time. */
    double wait = c->queue_timeout;
    if (due > 0 && due - run_needs - admit_now() < wait)
        wait = fmax(0, due - run_needs - admit_now());
    double waited;
    enum slot_wait w = admit_slot(c->max_concurrent, wait, &waited);
    if (w != SLOT_TAKEN) {
        if (w == SLOT_STOPPING)
            probe_refuse(a, 503, "the exporter is stopping");
        else
            probe_refuse(a, 503, "no probe slot free within %.3g s (%d probes run at once)%s", wait,
                         c->max_concurrent, wait < c->queue_timeout ? ", as the scrape timeout allows" : "");
        return;
    }
    selfmetrics_queue_wait(waited);
    char **argv = probe_spec_argv(spec, self_path, address);
    double start = admit_now();
    struct child_limits lim = { .seconds = spec->time + c->probe_grace, .stop_fd = stop_fd,
                                .client_fd = cl->client_fd };
    int cut_by_scrape = due > 0 && due - start < lim.seconds;
    if (cut_by_scrape)
        lim.seconds = fmax(0, due - start);
    struct child_result r;
    int rc = argv ? child_run(argv, &lim, &r, why, sizeof why) : -1;
    if (!argv)
        snprintf(why, sizeof why, "out of memory");
    double seconds = admit_now() - start;
    admit_slot_release();
    probe_argv_free(argv);
    if (rc != 0) {
        xlog("probe of %s could not start: %s", spec->host, why);
        answer_failed(a, spec, openmetrics, FAIL_START, why);
        return;
    }
    enum probe_failure f = outcome(&r, spec, lim.seconds, cl, cut_by_scrape, why, sizeof why);
    if (f == FAIL_NONE && r.out_too_large) {
        snprintf(why, sizeof why, "the test wrote more than %u bytes of metrics", CHILD_OUT_MAX);
        f = FAIL_OUTPUT;
    }
    selfmetrics_probe(spec->module->name, f, seconds);
    if (f != FAIL_NONE)
        xlog_debug("probe of %s (%s) failed: %s", spec->host, address, why);
    answer_metrics(a, r.out ? r.out : "", r.out && !r.out_too_large ? r.out_len : 0, spec, openmetrics,
                   seconds, f == FAIL_NONE ? NULL : why);
    child_result_free(&r);
}
