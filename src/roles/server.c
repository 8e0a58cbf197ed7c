/* Server state machine for one test, on its own thread (the front door in
 * frontdoor.c accepted the control connection and read its cookie):
 *
 *   send PARAM_EXCHANGE, read parameters, claim a test slot ->
 *   listen for streams, send CREATE_STREAMS, accept them -> send TEST_START,
 *   TEST_RUNNING -> run until the client's TEST_END -> send EXCHANGE_RESULTS,
 *   read the client's results, send ours -> send DISPLAY_RESULTS -> wait for
 *   IPERF_DONE.
 *
 * Every wait is bounded; any failure is answered with SERVER_ERROR (when
 * iperf3 has a number for it) and reported. */
#include "roles/server.h"
#include "cli/optcheck.h"
#include "cli/identity.h"
#include "run/affinity.h"
#include "proto/auth.h"
#include "proto/control.h"
#include "proto/cookie.h"
#include "roles/frontdoor.h"
#include "cli/daemon.h"
#include "proto/errors.h"
#include "endtext.h"
#include "host/host.h"
#include "host/loader.h"
#include "host/transport.h"
#include "proto/netutil.h"
#include "proto/results.h"
#include "roles/serverlimits.h"
#include "run/session.h"
#include "proto/latency_params.h"
#include "proto/timeouts.h"
#include "run/workers.h"

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#define STREAM_TIMEOUT_MS   10000
#define STREAMS_TIMEOUT_MS  30000
#define DONE_TIMEOUT_MS     30000
/* How long a client told of an error mid-test gets to hang up first. */
#define HANGUP_WAIT_MS      1000
/* iperf3's safety net: a test may overrun its duration by this much. */
#define DURATION_GRACE_S    40

/* --rsa-private-key-path: loaded once by server_run, then only read (by
 * every test thread); NULL = no authentication (any authtoken is ignored,
 * like iperf3). */
static EVP_PKEY *auth_key;

struct server_test {
    struct session ss;
    struct test_link *link;
    int error;
    int sys_errno;              /* sent with SERVER_ERROR when a system call
                                   failed (iperf3's errno field), else 0 */
    char detail[512];
    int tell_client;            /* send SERVER_ERROR for this error */
    int client_gone;
};

static int fail(struct server_test *v, int code, int tell, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct server_test *v, int code, int tell, const char *fmt, ...)
{
    v->error = code;
    v->sys_errno = 0;
    v->tell_client = tell;
    v->detail[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->detail, sizeof v->detail, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int gone(struct server_test *v)
{
    v->client_gone = 1;
    return fail(v, WEIR_E_CTRLCLOSE, 0, ENDTEXT_CLIENT_CLOSED);
}

static int ctl_fail(struct server_test *v, enum ctl_io io, int code)
{
    if (io == CTL_EOF)
        return gone(v);
    if (io == CTL_TIMEOUT)
        return fail(v, code, 1, "timed out waiting for the client");
    if (io == CTL_TOO_LONG)
        return fail(v, code, 1, "bad message length");
    if (io == CTL_BAD_JSON)
        return fail(v, code, 1, "invalid JSON");
    if (io == CTL_ERROR && session_signal)
        return fail(v, WEIR_E_SERVERTERM, 0, NULL);
    return fail(v, code, 1, "%s", strerror(errno));
}

/* WEIR_ACCEPT and its frame o (consumed), which names this server. */
static int send_weir_accept(struct server_test *v, struct json_object *o)
{
    struct test *t = &v->ss.t;
    json_object_object_add(o, "version", json_object_new_string("weir " PACKAGE_VERSION));
    enum ctl_io io = ctl_send_state(t->ctl_fd, ST_WEIR_ACCEPT);
    if (io == CTL_OK)
        io = ctl_send_json(t->ctl_fd, o);
    json_object_put(o);
    return io == CTL_OK ? WEIR_OK : ctl_fail(v, io, WEIR_E_SENDMESSAGE);
}

/* The client asked for weir-only features: say which we took on. A plain
 * iperf3 client never sends weir keys, so it never sees this state. */
static int accept_extensions(struct server_test *v)
{
    struct test *t = &v->ss.t;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "transport", json_object_new_string(t->transport->name));
    if (t->stream_tag)
        json_object_object_add(o, "stream_tag", json_object_new_boolean(1));
    if (t->sender_done)
        json_object_object_add(o, "sender_done", json_object_new_boolean(1));
    if (test_is_latency(t))
        json_object_object_add(o, "latency", json_object_new_boolean(1));
    if (t->load_transport)
        json_object_object_add(o, "load_transport", json_object_new_string(t->load_transport->name));
    if (test_is_datagram(t) && t->p.weir_datagrams)
        json_object_object_add(o, "datagrams", json_object_new_boolean(1));
    return send_weir_accept(v, o);
}

/* A weir client names itself in client_version; iperf3's never does. */
static int weir_client(const struct test_params *p)
{
    return p->client_version && strncmp(p->client_version, "weir", 4) == 0;
}

/* A weir client gets the reason a test is refused in a WEIR_ACCEPT frame
 * ("refused", and the error number it reports with it, "code"). */
static void tell_refused(struct server_test *v, int code, const char *why)
{
    if (!weir_client(&v->ss.t.p))
        return;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "refused", json_object_new_string(why));
    json_object_object_add(o, "code", json_object_new_int(code));
    send_weir_accept(v, o);
}

/* --tls-required and a test whose transport does not encrypt: refused the
 * way a failed authentication is, so a plain iperf3 client reports "test
 * authorization failed". A weir client first gets the reason in a
 * WEIR_ACCEPT frame ("refused"), which it reports instead; an older weir
 * ignores the key and reports the SERVER_ERROR that follows. */
static int refuse_unencrypted(struct server_test *v)
{
    struct test *t = &v->ss.t;
    char err[512], why[256];
    const struct weir_plugin *op = loader_load(t->s->transport, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
    snprintf(why, sizeof why, "the server requires an encrypted transport (--transport %s)",
             op ? op->name : t->s->transport);
    tell_refused(v, WEIR_E_AUTHTEST, why);
    return fail(v, WEIR_E_AUTHTEST, 1, "the client's test over %s is not encrypted (--tls-required)",
                t->transport->name);
}

/* A parameter the transport takes neither as honoured nor as ignored: a
 * weir client whose transport takes it (another build) hears why, the same
 * way. */
static int refuse_params(struct server_test *v, int code, const char *why)
{
    tell_refused(v, code, why);
    return fail(v, code, 1, "%s", why);
}

/* A name from the network is only ever looked up in the plugin
 * directories: never a path, or a client could load any library. */
static int network_name_ok(const char *name)
{
    size_t nl = strlen(name);
    return nl > 0 && !strchr(name, '/') && !(nl > 3 && strcmp(name + nl - 3, ".so") == 0);
}

/* --latency (weir_latency): this server echoes probes over the test's
 * transport if the transport moves messages of our framing and the sizes
 * fit it. A key from a client that is not weir's is not ours to answer. */
static int check_latency(struct server_test *v)
{
    struct test *t = &v->ss.t;
    struct latency_params *lp = &t->p.weir_latency;
    /* Before the test's rules are taken: the descriptor's, which are a
     * probe test's (a transport's other ways, quic's datagrams, refuse
     * --latency in their test_rules). */
    const struct weir_transport_ops *ops = t->transport->transport;
    char why[256];
    if (!lp->on)
        return WEIR_OK;
    if (!weir_client(&t->p)) {
        memset(lp, 0, sizeof *lp);
        return WEIR_OK;
    }
    if (!transport_carries_messages(t->transport)) {
        snprintf(why, sizeof why, "--latency: --transport %s cannot carry probes", t->transport->name);
        return refuse_params(v, WEIR_E_UNSUPPORTED, why);
    }
    uint32_t max = ops->blksize_max ? ops->blksize_max : LATENCY_MAX_MESSAGE;
    if (!(ops->caps & WEIR_CAP_RELIABLE) && (lp->request > max || lp->reply > max)) {
        snprintf(why, sizeof why, "--latency over %s: requests and replies of at most %u bytes",
                 t->transport->name, max);
        return refuse_params(v, WEIR_E_UNSUPPORTED, why);
    }
    const struct weir_plugin *bulk = test_bulk_transport(t);
    const struct weir_transport_ops *bops = bulk->transport;
    uint32_t bmax = bops->blksize_max ? bops->blksize_max : LATENCY_MAX_MESSAGE;
    if (lp->load && (lp->load_len < bops->blksize_min || lp->load_len > bmax)) {
        snprintf(why, sizeof why, "--load over %s: blocks of %u to %u bytes", bulk->name,
                 (unsigned)bops->blksize_min, bmax);
        return refuse_params(v, WEIR_E_UNSUPPORTED, why);
    }
    return WEIR_OK;
}

/* --load-transport (weir_latency.load_transport): the load streams' own
 * transport, found as the probes' is (the operator's when it is the one
 * named, else the plugin of that name). Refused with a reason a weir
 * client reports when this server has no such transport, when the two
 * would both take their streams at the UDP port, and under --tls-required
 * when it does not encrypt. */
static int find_load_transport(struct server_test *v)
{
    struct test *t = &v->ss.t;
    const char *name = t->p.weir_latency.load_transport;
    char err[1024], why[512];
    if (!weir_client(&t->p) || !test_is_latency(t) || !t->p.weir_latency.load || !name[0] ||
        strcmp(name, t->transport->name) == 0)
        return WEIR_OK;
    if (!network_name_ok(name))
        return fail(v, WEIR_E_PROTOCOL, 1, "refusing transport name '%s' from the client", name);
    const struct weir_plugin *op = t->s->transport ? loader_load(t->s->transport, WEIR_PLUGIN_TRANSPORT, err, sizeof err)
                                                   : NULL;
    const struct weir_plugin *p = op && strcmp(op->name, name) == 0 ? op
                                  : loader_load(name, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
    if (!p) {
        snprintf(why, sizeof why, "--load-transport %s: this server has no such transport", name);
        return refuse_params(v, WEIR_E_UNSUPPORTED, why);
    }
    if (!((p->transport->caps | t->transport->transport->caps) & WEIR_CAP_CONTROL_PORT)) {
        snprintf(why, sizeof why, "--load-transport %s cannot be used with --transport %s: both open "
                 "their streams at the server's UDP port", p->name, t->transport->name);
        return refuse_params(v, WEIR_E_UNSUPPORTED, why);
    }
    if (t->s->tls_required && !(p->transport->caps & WEIR_CAP_ENCRYPTED)) {
        snprintf(why, sizeof why, "the server requires an encrypted transport, and --load-transport %s "
                 "does not encrypt", p->name);
        tell_refused(v, WEIR_E_AUTHTEST, why);
        return fail(v, WEIR_E_AUTHTEST, 1, "the client's load over %s is not encrypted (--tls-required)",
                    p->name);
    }
    int rc = transport_params_check_plugin(t, p, why, sizeof why);
    if (rc != WEIR_OK)
        return refuse_params(v, rc, why);
    host_clear_error();
    rc = loader_transport_global(p, &t->load_tglobal);
    if (rc != WEIR_OK)
        return fail(v, rc, 1, "transport '%s' failed to initialise: %s", p->name, host_take_error(NULL));
    t->load_transport = p;
    return WEIR_OK;
}

/* PARAM_EXCHANGE, and the parameter frame (*o) if it came whole. */
static int recv_params(struct server_test *v, struct json_object **o)
{
    struct test *t = &v->ss.t;
    enum ctl_io io = ctl_send_state(t->ctl_fd, ST_PARAM_EXCHANGE);
    if (io != CTL_OK)
        return ctl_fail(v, io, WEIR_E_SENDMESSAGE);
    io = ctl_recv_json(t->ctl_fd, CTL_MAX_PARAMS_LEN, o);
    return io == CTL_OK ? WEIR_OK : ctl_fail(v, io, WEIR_E_RECVPARAMS);
}

/* weir -s --transport NAME|PATH serves the tests its plugin can: those that
 * name it, and a plain client's whose protocol key is the plugin's wire key
 * (a replacement tcp.so, say), unless the plugin is weir-only (tls: a plain
 * TCP client must not get TLS). NULL: load by the client's name. */
static const struct weir_plugin *operator_transport(const struct settings *s,
                                                    const struct test_params *p)
{
    char err[512];
    if (!s->transport)
        return NULL;
    const struct weir_plugin *op = loader_load(s->transport, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
    if (!op)
        return NULL;
    if (p->weir_transport)
        return strcmp(op->name, p->weir_transport) == 0 ? op : NULL;
    const struct weir_transport_ops *ops = op->transport;
    return strcmp(ops->wire_key, p->wire_key) == 0 && !(ops->caps & WEIR_CAP_EXTENSION) ? op : NULL;
}

/* params_names_transport_fn: the operator's transport, or the plugin of
 * that name, has this protocol key. */
static int names_transport(const char *key, void *ctx)
{
    const struct settings *s = ctx;
    char err[512];
    const struct weir_plugin *op = s->transport ? loader_load(s->transport, WEIR_PLUGIN_TRANSPORT, err, sizeof err)
                                                : NULL;
    if (op && strcmp(op->transport->wire_key, key) == 0)
        return 1;
    const struct weir_plugin *p = network_name_ok(key) ? loader_load(key, WEIR_PLUGIN_TRANSPORT, err, sizeof err)
                                                       : NULL;
    return p && strcmp(p->transport->wire_key, key) == 0;
}

/* The transport the parameters ask for: the weir-only one a weir client
 * names, else the one whose descriptor has the client's protocol key (the
 * plugin of that name); a client that names no protocol gets the default
 * transport, iperf3's, and its key. Then the length within that
 * transport's range (iperf3's UDP limits). */
static int find_transport(struct server_test *v)
{
    struct test *t = &v->ss.t;
    char err[1024];
    if (!t->p.wire_key[0]) {
        const struct weir_plugin *d = loader_load(DEFAULT_TRANSPORT, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
        if (!d)
            return fail(v, WEIR_E_PROTOCOL, 1, "%s", err);
        snprintf(t->p.wire_key, sizeof t->p.wire_key, "%s", d->transport->wire_key);
    }
    const char *name = t->p.weir_transport ? t->p.weir_transport : t->p.wire_key;
    if (!network_name_ok(name))
        return fail(v, WEIR_E_PROTOCOL, 1, "refusing transport name '%s' from the client", name);
    t->transport = operator_transport(t->s, &t->p);
    if (!t->transport)
        t->transport = loader_load(name, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
    if (!t->transport) {
        /* A weir client hears which transport is missing (the log has the
         * loader's why); an iperf3 client gets iperf3's code alone. */
        char why[128];
        snprintf(why, sizeof why, "the server has no %s transport", name);
        tell_refused(v, WEIR_E_PROTOCOL, why);
        return fail(v, WEIR_E_PROTOCOL, 1, "%s", err);
    }
    if (!t->transport || strcmp(t->transport->transport->wire_key, t->p.wire_key) != 0)
        return fail(v, WEIR_E_PROTOCOL, 1, "%s", t->transport ? "transport does not match the protocol key" : err);
    char detail[256], given[64];
    snprintf(given, sizeof given, "parameter len = %u", t->p.len);
    int rc = t->p.len ? optcheck_blksize(t->transport->transport, t->p.len, given, detail, sizeof detail)
                      : WEIR_OK;
    return rc == WEIR_OK ? WEIR_OK : fail(v, rc, 1, "%s", detail);
}

/* Check the parameters and take on the transport they name. */
static int use_params(struct server_test *v, struct json_object *o)
{
    struct test *t = &v->ss.t;
    char detail[256] = "";
    int rc = params_from_json(o, &t->p, names_transport, (void *)t->s, detail, sizeof detail);
    if (rc != WEIR_OK)
        return fail(v, rc, 1, "%s", detail);
    /* --server-max-duration, --server-bitrate-limit */
    if ((rc = limits_check_params(t->s, &t->p, detail, sizeof detail)) != WEIR_OK)
        return fail(v, rc, 1, "%s", detail);
    /* -A n,m: the data workers will run on CPU m (workers.c). */
    if (t->p.server_affinity >= 0 && !affinity_cpu_allowed(t->p.server_affinity))
        return fail(v, WEIR_E_AFFINITY, 1, "CPU %d is not available to this server", t->p.server_affinity);
    if (auth_key) {
        const struct settings *s = t->s;
        char why[512];
        int skew = s->skew_threshold > 0 ? s->skew_threshold : AUTH_DEFAULT_SKEW;
        if (auth_server_check(auth_key, s->authorized_users, s->use_pkcs1, skew, t->p.authtoken,
                              (int64_t)time(NULL), why, sizeof why) != 0)
            return fail(v, WEIR_E_AUTHTEST, 1, "%s", why);
    }
    if ((rc = find_transport(v)) != WEIR_OK)
        return rc;
    const char *name = t->transport->name;
    if (t->s->tls_required && !(t->transport->transport->caps & WEIR_CAP_ENCRYPTED))
        return refuse_unencrypted(v);
    if ((rc = transport_params_check(t, detail, sizeof detail)) != WEIR_OK)
        return refuse_params(v, rc, detail);
    if ((rc = find_load_transport(v)) != WEIR_OK || (rc = check_latency(v)) != WEIR_OK)
        return rc;
    /* iperf3's limit, lifted only for weir clients (which say so). */
    if (t->p.parallel > MAX_PARALLEL_IPERF && !weir_client(&t->p))
        return fail(v, WEIR_E_NUMSTREAMS, 1, "parallel %d", t->p.parallel);
    host_clear_error();
    rc = loader_transport_global(t->transport, &t->tglobal);
    if (rc != WEIR_OK)
        return fail(v, rc, 1, "transport '%s' failed to initialise: %s", name, host_take_error(NULL));
    /* This test's rules (a quic test with weir_datagrams is a datagram
     * one), and -l within them. */
    if ((rc = test_take_rules(t)) != WEIR_OK ||
        (t->load_transport && (rc = test_take_load_rules(t)) != WEIR_OK)) {
        snprintf(detail, sizeof detail, "%s", host_take_error(NULL));
        return refuse_params(v, optcheck_wire_status(rc), detail);
    }
    char given[64];
    snprintf(given, sizeof given, "parameter len = %u", t->p.len);
    rc = t->p.len ? optcheck_blksize_rules(&t->rules, t->p.len, given, detail, sizeof detail) : WEIR_OK;
    if (rc != WEIR_OK)
        return fail(v, rc, 1, "%s", detail);
    /* -F: this test's streams read or write the server's file, where the
     * transport can carry one; the test goes on without it otherwise. Not
     * both ways at once: the receiving half would truncate what the
     * sending half reads. */
    if (t->s->file && !test_carries_files(t)) {
        char no_files[160];
        test_no_files_why(t, no_files, sizeof no_files);
        report_message(v->ss.rs, WEIR_LOG_WARNING, "-F ignored for this test: %s", no_files);
    }
    else if (t->s->file && t->p.bidir)
        report_message(v->ss.rs, WEIR_LOG_WARNING, "-F ignored for this test: it runs both ways (--bidir)");
    else
        t->file = t->s->file;
    /* Streams that carry the cookie, where iperf3's do not (UDP). */
    t->stream_tag = t->p.weir_stream_tag && ((test_caps(t) | test_bulk_caps(t)) & WEIR_CAP_STREAM_TAG);
    /* Only where data can be lost: a reliable transport delivers the whole
     * share, and the client ends on what it received. */
    t->sender_done = t->p.weir_sender_done && !(test_caps(t) & WEIR_CAP_RELIABLE);
    return t->p.weir_transport || t->p.weir_stream_tag || t->p.weir_sender_done || test_is_latency(t) ||
           t->p.weir_datagrams
           ? accept_extensions(v) : WEIR_OK;
}

/* How this test's streams reach it (see frontdoor.h): those on the
 * control port through the front door, which matched their cookie to this
 * test; the others through the transport's own socket, where streams
 * that carry no cookie (a plain iperf3 client's UDP) only the order of
 * arrival tells apart, so one test at a time waits for such. With
 * --load-transport the probe streams come one way and the load streams
 * perhaps another: one path per transport, each its own listener, and
 * the order of the streams (probes first) says which is taken next. */
struct stream_path {
    const struct weir_plugin *tp;
    void *tglobal;
    int adopt;          /* the front door hands over cookie-checked connections */
    int gated;          /* only the order of arrival says whose a stream is */
    void *listener;
    int poll_fd;
    int listening;
};

static void stream_path(const struct test *t, int index, struct stream_path *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->tp = test_transport_at(t, index);
    sp->tglobal = test_tglobal_at(t, index);
    uint32_t caps = sp->tp == t->transport ? test_caps(t) : test_bulk_caps(t);
    sp->adopt = (caps & WEIR_CAP_CONTROL_PORT) != 0;
    sp->gated = !sp->adopt && !t->stream_tag;
    sp->poll_fd = -1;
}

/* One stream: the next connection the front door routed here, or what
 * the transport accepts on its own socket. */
static int take_stream(struct server_test *v, const struct stream_path *sp,
                       const struct weir_stream_config *cfg, void **ctx)
{
    if (!sp->adopt)
        return transport_server_accept(sp->tp, sp->tglobal, sp->listener, cfg, ctx);
    int fd = link_take_stream(v->link);
    if (fd < 0)
        return WEIR_E_AGAIN;
    return transport_server_adopt(sp->tp, sp->tglobal, sp->listener, cfg, fd, ctx);
}

/* Listen on sp for the streams from index on; the front door's inbox is
 * expected once for the test (tcp and tls both come through it). */
static int path_listen(struct server_test *v, struct stream_path *sp, int index, int *inbox)
{
    struct test *t = &v->ss.t;
    struct weir_stream_config cfg;
    test_stream_config(t, 0, index, &cfg);
    cfg.timeout_ms = STREAM_TIMEOUT_MS;
    int rc = transport_server_listen(sp->tp, sp->tglobal, &cfg, v->link->listen_fd, &sp->listener, &sp->poll_fd);
    if (rc != WEIR_OK)
        return fail(v, rc, 1, "%s", host_take_error(NULL));
    sp->listening = 1;
    if (sp->adopt && *inbox < 0)
        *inbox = link_expect_streams(v->link);
    if (sp->adopt)
        sp->poll_fd = *inbox;
    return WEIR_OK;
}

static int accept_streams(struct server_test *v)
{
    struct test *t = &v->ss.t;
    /* paths[0] the probes' (or every stream's), paths[1] the load's. */
    struct stream_path paths[2];
    int n_paths = t->load_transport ? 2 : 1;
    int load_from = test_probe_count(t);
    stream_path(t, 0, &paths[0]);
    stream_path(t, load_from, &paths[1]);
    int gated = paths[0].gated || (n_paths == 2 && paths[1].gated);
    int inbox = -1;             /* the front door's, once expected */
    if (gated && !link_gate_enter(v->link))
        return fail(v, WEIR_E_SERVERTERM, 0, NULL);
    int rc = WEIR_OK;
    for (int k = 0; k < n_paths && rc == WEIR_OK; k++)
        rc = path_listen(v, &paths[k], k ? load_from : 0, &inbox);
    if (rc != WEIR_OK)
        goto out;
    enum ctl_io io = ctl_send_state(t->ctl_fd, ST_CREATE_STREAMS);
    if (io != CTL_OK) {
        rc = ctl_fail(v, io, WEIR_E_SENDMESSAGE);
        goto out;
    }
    int want = test_stream_count(t);
    uint64_t deadline = host_now_ns() + (uint64_t)timeouts_wait_ms(t->s, STREAMS_TIMEOUT_MS) * 1000000u;
    while (t->n_streams < want) {
        /* Bidir: the first N streams are the client's sending ones. */
        int index = t->n_streams;
        struct stream_path *sp = &paths[n_paths == 2 && index >= load_from];
        uint64_t now = host_now_ns();
        if (now >= deadline) {
            rc = fail(v, WEIR_E_STREAMACCEPT, 1, "only %d of %d streams arrived", t->n_streams, want);
            break;
        }
        struct pollfd p[2] = { { .fd = sp->poll_fd, .events = POLLIN }, { .fd = t->ctl_fd, .events = POLLIN } };
        int pr = poll(p, 2, (int)((deadline - now) / 1000000u) + 1);
        if (session_signal) {
            rc = fail(v, WEIR_E_SERVERTERM, 0, NULL);
            break;
        }
        if (pr <= 0)
            continue;
        if (p[1].revents) {
            /* The client should be silent now: EOF or a stray byte ends it. */
            signed char st;
            io = ctl_recv_state(t->ctl_fd, 0, &st);
            rc = io == CTL_OK ? fail(v, WEIR_E_MESSAGE, 1, "state %d during stream setup", st)
                              : ctl_fail(v, io, WEIR_E_CTRLREAD);
            break;
        }
        if (!p[0].revents)
            continue;
        int sending = !test_client_sends(t, index);
        struct weir_stream_config cfg;
        test_stream_config(t, sending, index, &cfg);
        cfg.timeout_ms = STREAM_TIMEOUT_MS;
        char why[160];
        if (test_stream_file(t, sending, &cfg, why, sizeof why) != WEIR_OK) {
            int e = errno;
            rc = fail(v, WEIR_E_FILE, 1, "%s", why);
            v->sys_errno = e;
            break;
        }
        void *ctx = NULL;
        rc = take_stream(v, sp, &cfg, &ctx);
        if (rc == WEIR_E_AGAIN) {
            rc = WEIR_OK;
            continue;
        }
        if (rc != WEIR_OK) {
            fail(v, rc, 1, "%s", host_take_error(NULL));
            break;
        }
        if (!test_add_stream(t, ctx, sending)) {
            transport_close(sp->tp, ctx);
            rc = fail(v, WEIR_E_NOMEM, 1, NULL);
            break;
        }
    }
out:
    if (inbox >= 0)
        link_end_streams(v->link);
    for (int k = 0; k < n_paths; k++)
        if (paths[k].listening)
            transport_server_unlisten(paths[k].tp, paths[k].tglobal, paths[k].listener);
    if (gated)
        link_gate_leave(v->link);
    return rc;
}

/* While a client that takes ST_WEIR_SENT waits for it: how often the
 * sending streams are looked at, so the test ends soon after the last
 * datagram went. */
#define SENT_CHECK_MS 5

/* Run until the client's TEST_END. */
static int run_test(struct server_test *v)
{
    struct session *ss = &v->ss;
    struct test *t = &ss->t;
    int rc = session_begin(ss);
    if (rc != WEIR_OK)
        return fail(v, rc, 1, NULL);
    enum ctl_io io = ctl_send_state(t->ctl_fd, ST_TEST_START);
    if (io == CTL_OK)
        io = ctl_send_state(t->ctl_fd, ST_TEST_RUNNING);
    if (io != CTL_OK)
        return ctl_fail(v, io, WEIR_E_SENDMESSAGE);
    uint64_t now = host_now_ns();
    session_run(ss, now);
    uint64_t safety = t->p.time ? now + (uint64_t)(t->p.time + t->p.omit + DURATION_GRACE_S) * 1000000000u : 0;
    struct rcv_watch rcv;                   /* --rcv-timeout */
    rcv_watch_start(&rcv, t, now);
    struct rate_window rate;                /* --server-bitrate-limit */
    rate_window_start(&rate, t->s, now);
    char why[256];
    int tell_sent = t->sender_done && (t->p.num || t->p.blockcount);   /* ST_WEIR_SENT due */

    for (;;) {
        now = host_now_ns();
        session_tick(ss, now);
        if (tell_sent && test_sent_share(t)) {
            tell_sent = 0;
            if ((io = ctl_send_state(t->ctl_fd, ST_WEIR_SENT)) != CTL_OK)
                return ctl_fail(v, io, WEIR_E_SENDMESSAGE);
        }
        if (safety && now >= safety)
            return fail(v, WEIR_E_SERVERTESTDURATIONEXPIRED, 1, NULL);
        if (rcv_watch_expired(&rcv, t, now))
            return fail(v, WEIR_E_NOMSG, 1, NULL);
        if ((rc = rate_window_check(&rate, t, now, why, sizeof why)) != WEIR_OK)
            return fail(v, rc, 1, "%s", why);
        const char *stream_why = "";
        int stream_errno = 0;
        if ((rc = session_stream_error(ss, 1, &stream_why, &stream_errno)) != 0) {
            fail(v, rc, 1, "%s", stream_why);
            v->sys_errno = stream_errno;    /* the client prints strerror of it */
            return rc;
        }
        struct pollfd p = { .fd = t->ctl_fd, .events = POLLIN };
        int pr = poll(&p, 1, rcv_watch_wait_ms(&rcv, now, session_timeout_ms(ss, now, tell_sent ? SENT_CHECK_MS : 100)));
        if (session_signal)
            return fail(v, WEIR_E_SERVERTERM, 0, NULL);
        if (pr <= 0)
            continue;
        signed char st;
        io = ctl_recv_state(t->ctl_fd, 0, &st);
        if (io != CTL_OK)
            return ctl_fail(v, io, WEIR_E_CTRLREAD);
        switch (st) {
        case ST_TEST_END:
            session_stop(ss, host_now_ns());
            /* -F: the last bytes, read at the stop, may not have fit. */
            if (session_stream_error(ss, 1, &stream_why, &stream_errno) == WEIR_E_FILE) {
                fail(v, WEIR_E_FILE, 1, "%s", stream_why);
                v->sys_errno = stream_errno;
                return WEIR_E_FILE;
            }
            /* Like iperf3: close the data streams now; a reverse-mode
             * client may be blocked reading them until they close. */
            test_close_streams(t);
            return WEIR_OK;
        case ST_TEST_START:
            continue;           /* iperf3 servers ignore it too */
        case ST_CLIENT_TERMINATE:
            return fail(v, WEIR_E_CLIENTTERM, 0, NULL);
        case ST_IPERF_DONE:
            return gone(v);
        default:
            return fail(v, WEIR_E_MESSAGE, 1, "state %d", st);
        }
    }
}

static int exchange_results(struct server_test *v)
{
    struct session *ss = &v->ss;
    struct test *t = &ss->t;
    workers_stop(t);
    session_report_end(ss);
    char *captured = report_capture_take(ss->rs);
    if (!t->p.get_server_output) {
        free(captured);
        captured = NULL;
    }
    char *document = t->p.get_server_output ? report_document(ss->rs) : NULL;
    enum ctl_io io = ctl_send_state(t->ctl_fd, ST_EXCHANGE_RESULTS);
    struct json_object *peer = NULL;
    if (io == CTL_OK)
        io = ctl_recv_json(t->ctl_fd, CTL_MAX_RESULTS_LEN, &peer);
    if (io != CTL_OK) {
        free(captured);
        free(document);
        return ctl_fail(v, io, WEIR_E_RECVRESULTS);
    }
    char detail[256];
    int rc = results_from_json(t, peer, detail, sizeof detail);
    json_object_put(peer);
    struct json_object *mine = rc == WEIR_OK ? results_to_json(t, document ? NULL : captured, document) : NULL;
    free(captured);
    free(document);
    if (rc != WEIR_OK)
        return fail(v, rc, 1, "%s", detail);
    test_close_streams(t);
    io = ctl_send_json(t->ctl_fd, mine);
    json_object_put(mine);
    if (io == CTL_OK)
        io = ctl_send_state(t->ctl_fd, ST_DISPLAY_RESULTS);
    if (io != CTL_OK)
        return ctl_fail(v, io, WEIR_E_SENDRESULTS);
    link_winding_up(v->link);
    signed char st;
    io = ctl_recv_state(t->ctl_fd, timeouts_wait_ms(t->s, DONE_TIMEOUT_MS), &st);
    if (io != CTL_OK)
        return ctl_fail(v, io, WEIR_E_CTRLREAD);
    if (st != ST_IPERF_DONE)
        return fail(v, WEIR_E_MESSAGE, 1, "state %d instead of IPERF_DONE", st);
    return WEIR_OK;
}

/* The client interrupted its test (CLIENT_TERMINATE) or closed the control
 * connection: iperf3 reports that without "error - " and counts the test
 * as done, not failed (with -1 it then exits 0). */
static int client_left(const struct server_test *v)
{
    return v->error == WEIR_E_CLIENTTERM || v->error == WEIR_E_CTRLCLOSE;
}

/* Wait at most ms for the peer to close the control connection (or to
 * send anything): then it has read what we sent. A signal cuts the wait
 * short unless through_signal (the signal is what we told it of). */
static void await_hangup(int fd, int ms, int through_signal)
{
    uint64_t deadline = host_now_ns() + (uint64_t)ms * 1000000u;
    for (;;) {
        uint64_t now = host_now_ns();
        if (now >= deadline || (session_signal && !through_signal))
            return;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
        if (r > 0 || (r < 0 && errno != EINTR))
            return;
    }
}

/* One control connection, from its cookie (read by the front door) to
 * IPERF_DONE; the front door closes it. Returns as frontdoor_test_fn says. */
static int serve_one(struct test_link *link)
{
    struct server_test v;
    memset(&v, 0, sizeof v);
    v.link = link;
    struct test *t = &v.ss.t;
    test_init(t, WEIR_ROLE_SERVER, link->s);
    t->ctl_fd = link->ctl_fd;
    memcpy(t->cookie, link->cookie, WEIR_COOKIE_SIZE);
    t->cookie[WEIR_COOKIE_SIZE - 1] = '\0';
    net_set_nodelay(t->ctl_fd);
    net_peer_addr(t->ctl_fd, t->peer_host, sizeof t->peer_host, &t->peer_port);

    struct json_object *params = NULL;
    char why[256];
    int rc = timeouts_apply_control(link->s, t->ctl_fd, why, sizeof why);  /* --snd-timeout, --cntl-ka */
    if (rc != WEIR_OK)
        fail(&v, rc, 1, "%s", why);
    else
        rc = recv_params(&v, &params);
    /* Only now, with cookie and parameters in (or a client that failed to
     * send them, which iperf3 counts as a test too), is this a test. */
    if ((rc != WEIR_OK && v.error == WEIR_E_SERVERTERM) || !link_claim(link)) {
        if (rc == WEIR_OK)
            ctl_send_state(t->ctl_fd, ST_ACCESS_DENIED);
        else if (v.tell_client && !v.client_gone && v.error < 1000)
            ctl_send_server_error(t->ctl_fd, v.error, 0);
        json_object_put(params);
        session_free(&v.ss);
        return rc == WEIR_OK ? 3 : v.error == WEIR_E_SERVERTERM ? -1 : 3;
    }
    struct report_set *rs = v.ss.rs = link->rs;
    v.ss.test_no = link->test_no;
    /* Captured from the first line, like iperf3's server output; kept only
     * if the client asks for it. */
    report_capture_begin(rs);
    struct weir_report_connect c;
    report_fill_connect(&c, WEIR_ROLE_SERVER, t->peer_host, t->peer_port);
    report_connected(rs, &c);
    if (rc == WEIR_OK)
        rc = use_params(&v, params);
    json_object_put(params);
    if (rc == WEIR_OK)
        rc = accept_streams(&v);
    if (rc == WEIR_OK)
        rc = run_test(&v);
    if (rc == WEIR_OK)
        rc = exchange_results(&v);

    if (rc != WEIR_OK) {
        link_winding_up(link);
        if (v.tell_client && !v.client_gone && v.error < 1000)
            ctl_send_server_error(t->ctl_fd, v.error, v.sys_errno);
        /* Stopped by a signal: the client must read SERVER_TERMINATE while
         * its data streams still flow (iperf3's then prints its summary
         * and "the server has terminated"); streams that broke under it
         * first would make it report a reset connection instead. So we
         * keep receiving until it has hung up, or a short while. */
        if (v.error == WEIR_E_SERVERTERM && !v.client_gone &&
            ctl_send_state(t->ctl_fd, ST_SERVER_TERMINATE) == CTL_OK && v.ss.started)
            await_hangup(t->ctl_fd, HANGUP_WAIT_MS, 1);
        if (v.ss.started) {
            session_stop(&v.ss, host_now_ns());
            workers_stop(t);
            session_report_end(&v.ss);
        }
        char msg[1024];
        if (client_left(&v))
            snprintf(msg, sizeof msg, "%s", v.error == WEIR_E_CLIENTTERM ? ENDTEXT_CLIENT_TERMINATED
                                                                         : ENDTEXT_CLIENT_CLOSED);
        else if (v.error == WEIR_E_SERVERTERM)
            snprintf(msg, sizeof msg, "interrupt - the server has terminated");   /* as iperf3 */
        else
            error_text(msg, sizeof msg, v.error, v.detail);
        free(report_capture_take(rs));
        report_finish(rs, msg);
        /* Told of an error mid-test, a client must read it on the control
         * connection before its data streams break under it, or it
         * reports a broken pipe instead of our reason (iperf3's does).
         * Not for a client that went silent or broke its streams: it is
         * likely gone, and the slot should not wait for it. */
        if (v.ss.started && v.tell_client && !v.client_gone && v.error != WEIR_E_NOMSG &&
            !session_stream_error(&v.ss, 0, NULL, NULL))
            await_hangup(t->ctl_fd, HANGUP_WAIT_MS, 0);
    } else {
        report_finish(rs, NULL);
    }
    session_free(&v.ss);
    if (rc == WEIR_OK || client_left(&v))
        return 0;
    return v.error == WEIR_E_SERVERTERM ? -1 : v.error == WEIR_E_AUTHTEST ? 2 : 1;
}

int server_serve(const struct settings *s, struct report_set *rs, int listen_fd, uint16_t port,
                 int stop_fd)
{
    return frontdoor_serve(s, rs, listen_fd, port, stop_fd, serve_one);
}

/* weir -s --transport NAME: initialise that transport now and let it
 * prepare (server_start), so what it has to say comes before any client. */
static int start_transport(const struct settings *s, char *msg, size_t len)
{
    char err[1024];
    if (!s->transport && s->tls_required) {
        snprintf(msg, len, "--tls-required needs an encrypting transport (tls, quic): --transport tls or quic");
        return WEIR_E_USAGE;
    }
    if (!s->transport)
        return WEIR_OK;
    const struct weir_plugin *p = loader_load(s->transport, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
    if (!p) {
        error_text(msg, len, WEIR_E_PLUGIN, err);
        return WEIR_E_PLUGIN;
    }
    /* Else every test would be refused. */
    if (s->tls_required && !(p->transport->caps & WEIR_CAP_ENCRYPTED)) {
        snprintf(msg, len, "--tls-required needs an encrypting transport, and --transport %s does not "
                 "encrypt (use tls or quic)", p->name);
        return WEIR_E_USAGE;
    }
    void *global = NULL;
    host_clear_error();
    int rc = loader_transport_global(p, &global);
    if (rc == WEIR_OK)
        rc = transport_server_start(p, global);
    if (rc != WEIR_OK)
        error_text(msg, len, rc, host_take_error(NULL));
    return rc;
}

/* --rsa-private-key-path and --authorized-users-path, checked up front. */
static int load_auth(const struct settings *s, char *msg, size_t len)
{
    if (!s->rsa_private_key)
        return WEIR_OK;
    char err[512];
    if (!(auth_key = auth_load_private_key(s->rsa_private_key, err, sizeof err))) {
        error_text(msg, len, WEIR_E_SETSERVERAUTH, err);
        return WEIR_E_SETSERVERAUTH;
    }
    if (access(s->authorized_users, R_OK) != 0) {
        snprintf(err, sizeof err, "'%s': %s", s->authorized_users, strerror(errno));
        error_text(msg, len, WEIR_E_SERVERAUTHUSERS, err);
        return WEIR_E_SERVERAUTHUSERS;
    }
    return WEIR_OK;
}

/* The server cannot start: say why, as iperf3 does, and exit 1. */
static int server_refuse_start(struct report_set *rs, int code, const char *detail)
{
    char msg[1200];
    error_text(msg, sizeof msg, code, detail);
    report_finish(rs, msg);
    return 1;
}

int server_run(const struct settings *s, struct report_set *rs)
{
    char why[1024];
    if (load_auth(s, why, sizeof why) != WEIR_OK) {
        report_finish(rs, why);
        return 1;
    }
    if (start_transport(s, why, sizeof why) != WEIR_OK) {
        report_finish(rs, why);
        return 1;
    }
    /* -A n: before any thread starts, so that all run there. */
    if (s->affinity >= 0 && affinity_pin_self(s->affinity) != 0) {
        snprintf(why, sizeof why, "CPU %d: %s", s->affinity, strerror(errno));
        return server_refuse_start(rs, WEIR_E_AFFINITY, why);
    }
    uint16_t port = s->port;
    int fd = net_listen(s->bind_host, s->port, s->family, s->mptcp, &port);
    if (fd < 0)
        return server_refuse_start(rs, WEIR_E_LISTEN, net_why(errno, s->mptcp));
    /* --bind-dev: connections only through that interface; accepted
     * sockets inherit it. */
    if (s->bind_dev && net_bind_device(fd, s->bind_dev) != 0) {
        snprintf(why, sizeof why, "%s: %s", s->bind_dev, strerror(errno));
        close(fd);
        return server_refuse_start(rs, WEIR_E_BINDDEV, why);
    }
    daemon_ready();             /* -D: the caller may return now */
    int status = server_serve(s, rs, fd, port, -1);
    close(fd);
    EVP_PKEY_free(auth_key);
    auth_key = NULL;
    return status;
}
