/* Client state machine. The server drives it: each state byte it sends is
 * handled by one function below, in the order a normal test meets them:
 *
 *   connect, cookie -> PARAM_EXCHANGE -> CREATE_STREAMS -> TEST_START ->
 *   TEST_RUNNING (run until an end condition, send TEST_END) ->
 *   EXCHANGE_RESULTS -> DISPLAY_RESULTS (send IPERF_DONE, close)
 */
#include "roles/client.h"
#include "run/affinity.h"
#include "proto/auth.h"
#include "proto/control.h"
#include "proto/cookie.h"
#include "run/diskfile.h"
#include "proto/errors.h"
#include "host/host.h"
#include "host/loader.h"
#include "host/transport.h"
#include "proto/netutil.h"
#include "proto/results.h"
#include "run/session.h"
#include "run/latency.h"
#include "proto/latency_params.h"
#include "proto/timeouts.h"
#include "run/workers.h"
#include "cli/optcheck.h"

#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

/* Waits for the server outside the run phase are bounded by this. */
#define SERVER_REPLY_TIMEOUT_MS 60000

struct client {
    struct session ss;
    int needs_weir;             /* weir-only features asked for */
    int weir_accepted;          /* the server answered WEIR_ACCEPT */
    int done;
    int error;                  /* weir_status */
    char detail[512];
    uint64_t setup_ns;          /* connecting the data streams */
    struct rcv_watch rcv;       /* --rcv-timeout (-R, --bidir) */
    int server_sent;            /* WEIR_SENT came: end at the omit end */
    int latency_accepted;       /* WEIR_ACCEPT said "latency": true */
    int load_transport_accepted;/* WEIR_ACCEPT named --load-transport's */
    int datagrams_accepted;     /* WEIR_ACCEPT said "datagrams": true */
};

static int fail(struct client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct client *c, int code, const char *fmt, ...)
{
    c->error = code;
    c->detail[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->detail, sizeof c->detail, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int ctl_fail(struct client *c, enum ctl_io io, int code)
{
    if (io == CTL_EOF)
        return fail(c, WEIR_E_CTRLCLOSE, NULL);
    if (io == CTL_TIMEOUT)
        return fail(c, code, "timed out waiting for the server");
    if (io == CTL_ERROR && session_signal)
        return fail(c, WEIR_E_CLIENTTERM, NULL);
    return fail(c, code, "%s", strerror(errno));
}

/* --username: the password and the server's public key, before any
 * connection (iperf3 asks at option time too). */
static int prepare_auth(struct client *c, EVP_PKEY **pub, char *password, size_t len)
{
    const struct settings *s = c->ss.t.s;
    char err[512];
    if (!s->username)
        return WEIR_OK;
    if (!(*pub = auth_load_public_key(s->rsa_public_key, err, sizeof err)))
        return fail(c, WEIR_E_SETCLIENTAUTH, "%s", err);
    if (auth_get_password(s->username, password, len))
        return fail(c, WEIR_E_SETCLIENTAUTH, "no password: set IPERF3_PASSWORD (or WEIR_PASSWORD) "
                    "or run on a terminal");
    return WEIR_OK;
}

/* The token is made when the parameters are, so its timestamp is fresh. */
static int make_token(struct client *c, EVP_PKEY *pub, const char *password)
{
    const struct settings *s = c->ss.t.s;
    char err[512];
    if (!pub)
        return WEIR_OK;
    c->ss.t.p.authtoken = auth_make_token(pub, s->username, password, (int64_t)time(NULL),
                                          s->use_pkcs1, err, sizeof err);
    return c->ss.t.p.authtoken ? WEIR_OK : fail(c, WEIR_E_SETCLIENTAUTH, "%s", err);
}

/* The block size iperf3's UDP rule chooses without -l
 * (WEIR_CAP_MSS_BLKSIZE): the control connection's MSS when the transport
 * takes that length, else its default. 0 when the rule does not apply. */
static uint32_t chosen_blksize(const struct test *t, int for_load)
{
    const struct weir_test_rules *r = for_load ? test_bulk_rules(t) : &t->rules;
    uint32_t max = r->blksize_max ? r->blksize_max : UINT32_MAX;
    /* --load: -l is the probes' size, the load takes what a plain test would. */
    if ((!for_load && (t->s->blksize || t->s->latency)) || !(r->caps & WEIR_CAP_MSS_BLKSIZE))
        return 0;
    if (t->control_mss > 0 && (uint32_t)t->control_mss >= r->blksize_min &&
        (uint32_t)t->control_mss <= max)
        return (uint32_t)t->control_mss;
    return r->default_blksize;
}

/* The parameters from the settings the option table pairs with them, and
 * the transport's rules for this test (test_take_rules: they may depend
 * on the transport's own options, and -l as given). */
static int take_rules(struct client *c)
{
    struct test *t = &c->ss.t;
    struct test_params *p = &t->p;
    params_free(p);
    params_from_settings(p, t->s);
    snprintf(p->wire_key, sizeof p->wire_key, "%s", t->transport->transport->wire_key);
    p->len = t->s->blksize;     /* the block size itself waits for the connection */
    p->weir_latency.on = t->s->latency != 0;   /* probe streams (their sizes wait too) */
    /* --load beside them, over this transport until load_load_transport
     * names another and takes the rules again. */
    p->weir_latency.load = t->s->latency ? (uint32_t)t->s->latency_load : 0;
    int rc = test_take_rules(t);
    if (rc != WEIR_OK)
        return fail(c, rc, "%s", host_take_error(NULL));
    char given[64], detail[256];
    snprintf(given, sizeof given, "'%u' over %s", p->len, t->transport->name);
    rc = p->len ? optcheck_blksize_rules(&t->rules, p->len, given, detail, sizeof detail) : WEIR_OK;
    return rc == WEIR_OK ? WEIR_OK : fail(c, rc, "%s", detail);
}

/* The rest of the parameters, before connecting: the transport's default
 * rate and weir's own keys. The block size waits for the connection
 * (fill_block_size). */
static void fill_params(struct client *c)
{
    struct test *t = &c->ss.t;
    const struct settings *s = t->s;
    uint32_t caps = test_caps(t);
    struct test_params *p = &t->p;
    /* -b and the default rate pace the bulk streams: --load's, over
     * --load-transport when given. */
    p->bandwidth = s->rate_set ? s->rate : s->default_rate_off ? 0 : test_bulk_rules(t)->default_rate;
    if (s->gsro && (caps & WEIR_CAP_DATAGRAM))
        p->gso = p->gro = 1;    /* iperf3 3.21's keys: ask for GSO/GRO */
    p->client_version = strdup("weir-" PACKAGE_VERSION);
    /* Offered, not needed: a server running several tests uses it to tell
     * their streams apart. iperf3 ignores the key. */
    p->weir_stream_tag = ((caps | test_bulk_caps(t)) & WEIR_CAP_STREAM_TAG) != 0;
    /* Receiving -n/-k where data can be lost: a weir server stops at the
     * amount and says so (ST_WEIR_SENT), or the test would wait for what
     * was lost. iperf3 ignores the key and sends on until TEST_END. */
    p->weir_sender_done = (p->reverse || p->bidir) && (p->num || p->blockcount) &&
                          !(caps & WEIR_CAP_RELIABLE);
    if (caps & WEIR_CAP_EXTENSION) {
        p->weir_transport = strdup(t->transport->name);
        c->needs_weir = 1;
    }
    if (s->latency) {
        /* Sizes once the block size is known (fill_block_size). A small
         * request must not wait for the previous reply's ACK (Nagle). */
        p->weir_latency.on = 1;
        p->weir_latency.rate = s->latency_rate;
        p->weir_latency.load = (uint32_t)s->latency_load;
        p->weir_latency.idle = s->latency_load ? LATENCY_IDLE_S : 0;
        p->weir_latency.busy_poll = s->latency_busy_poll;
        if (t->load_transport)
            snprintf(p->weir_latency.load_transport, sizeof p->weir_latency.load_transport, "%s",
                     t->load_transport->name);
        p->nodelay = 1;
        c->needs_weir = 1;
        t->latency_clock = s->latency_same_host ? "loopback" : s->latency_synced_clocks ? "synced" : NULL;
    }
}

/* Once connected: the block size (without -l, iperf3's UDP takes it from
 * the control connection), and the sizes --gsro derives from it as iperf3
 * picks them. */
static void fill_block_size(struct client *c)
{
    struct test *t = &c->ss.t;
    const struct weir_test_rules *r = &t->rules;
    struct test_params *p = &t->p;
    uint32_t chosen = chosen_blksize(t, 0);
    p->len = t->s->blksize ? t->s->blksize : chosen ? chosen : r->default_blksize;
    if (p->weir_latency.on) {
        p->len = t->s->blksize ? t->s->blksize : LATENCY_DEFAULT_REQUEST;
        p->weir_latency.request = p->len;
        p->weir_latency.reply = t->s->latency_reply ? t->s->latency_reply : p->len;
        uint32_t load_len = chosen_blksize(t, 1);
        p->weir_latency.load_len = load_len ? load_len : test_bulk_rules(t)->default_blksize;
    }
    if (p->gso > 0) {
        /* Buffers of whole datagrams, up to the largest the transport takes. */
        uint32_t max = r->blksize_max ? r->blksize_max : p->len;
        p->gso_dg_size = p->len;
        p->gso_bf_size = p->len * (max / p->len);
        p->gro_bf_size = max;
    }
}

/* Before connecting: the transport takes every option given. */
static int check_transport_params(struct client *c)
{
    char why[256];
    int rc = transport_params_check(&c->ss.t, why, sizeof why);
    if (rc == WEIR_OK && c->ss.t.load_transport)
        rc = transport_params_check_plugin(&c->ss.t, c->ss.t.load_transport, why, sizeof why);
    return rc == WEIR_OK ? WEIR_OK : fail(c, rc, "%s", why);
}

static int on_param_exchange(struct client *c)
{
    struct test *t = &c->ss.t;
    struct json_object *o = params_to_json(&t->p);
    enum ctl_io io = ctl_send_json(t->ctl_fd, o);
    json_object_put(o);
    if (io != CTL_OK)
        return ctl_fail(c, io, WEIR_E_SENDPARAMS);
    /* "Connecting to host" once the server took the test, as iperf3 says
     * it: a busy server's refusal prints nothing on stdout. */
    struct weir_report_connect rc;
    report_fill_connect(&rc, WEIR_ROLE_CLIENT, t->s->host, t->s->port);
    rc.control_mss = t->control_mss;
    rc.chosen_blksize = chosen_blksize(t, 0);
    report_connected(c->ss.rs, &rc);
    return WEIR_OK;
}

static int on_weir_accept(struct client *c)
{
    struct json_object *o = NULL;
    enum ctl_io io = ctl_recv_json(c->ss.t.ctl_fd, CTL_MAX_PARAMS_LEN, &o);
    if (io != CTL_OK)
        return ctl_fail(c, io, WEIR_E_RECVMESSAGE);
    /* The server will not run this test, and says why (--tls-required, or
     * an option its transport does not take: docs/protocol.md §11.5,
     * §11.10); a SERVER_ERROR follows for clients that ignore the key. */
    struct json_object *refused = NULL, *code = NULL;
    if (json_object_object_get_ex(o, "refused", &refused)) {
        /* The reason's error number; an older server sends none. */
        int num = json_object_object_get_ex(o, "code", &code) ? json_object_get_int(code) : 0;
        int rc = fail(c, num > 0 && num < 1000 ? num : WEIR_E_AUTHTEST, "%s", json_object_get_string(refused));
        json_object_put(o);
        for (char *p = c->detail; *p; p++)     /* the peer's text, shown on a terminal */
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        return rc;
    }
    struct json_object *lat = NULL;
    c->latency_accepted = c->ss.t.p.weir_latency.on && json_object_object_get_ex(o, "latency", &lat)
                          && json_object_get_boolean(lat);
    struct json_object *lt = NULL;
    c->load_transport_accepted = c->ss.t.load_transport && json_object_object_get_ex(o, "load_transport", &lt)
                                 && strcmp(json_object_get_string(lt), c->ss.t.load_transport->name) == 0;
    struct json_object *dg = NULL;
    c->datagrams_accepted = c->ss.t.p.weir_datagrams && json_object_object_get_ex(o, "datagrams", &dg)
                            && json_object_get_boolean(dg);
    struct json_object *tag = NULL;
    c->ss.t.stream_tag = c->ss.t.p.weir_stream_tag && json_object_object_get_ex(o, "stream_tag", &tag)
                         && json_object_get_boolean(tag);
    struct json_object *sent = NULL;
    c->ss.t.sender_done = c->ss.t.p.weir_sender_done && json_object_object_get_ex(o, "sender_done", &sent)
                          && json_object_get_boolean(sent);
    json_object_put(o);
    c->weir_accepted = 1;
    return WEIR_OK;
}

static int on_create_streams(struct client *c)
{
    struct test *t = &c->ss.t;
    /* Stop before any data: a server that did not accept the extension is
     * a plain iperf3 (or an older weir) and would misread the streams. */
    if (c->needs_weir && !c->weir_accepted)
        return fail(c, WEIR_E_UNSUPPORTED, "%s%s needs a weir server, and this one "
                    "answered like a plain iperf3 server", t->p.weir_latency.on ? "--latency" : "--transport ",
                    t->p.weir_latency.on ? "" : t->transport->name);
    if (t->p.weir_latency.on && !c->latency_accepted)
        return fail(c, WEIR_E_UNSUPPORTED, "--latency needs a weir server that measures latency, and this "
                    "one (an older weir) did not take it");
    /* An older weir would take the load streams for the probes' transport. */
    if (t->load_transport && !c->load_transport_accepted)
        return fail(c, WEIR_E_UNSUPPORTED, "--load-transport needs a weir server that runs the load over "
                    "a transport of its own, and this one (an older weir) did not take it");
    /* An older weir server would run the test as its transport's default
     * (quic: streams), and the two ends would count different things. */
    if (t->p.weir_datagrams && !c->datagrams_accepted)
        return fail(c, WEIR_E_UNSUPPORTED, "--transport %s: this test's datagrams need a weir server that "
                    "takes them (weir_datagrams), and this one (an older weir) did not", t->transport->name);
    int n = test_stream_count(t);
    uint64_t setup_from = host_now_ns();
    /* Strictly one after another, so the server's accept order gives both
     * sides the same stream ids. Bidir: the sending half first. */
    for (int i = 0; i < n; i++) {
        int sending = test_client_sends(t, i);
        struct weir_stream_config cfg;
        test_stream_config(t, sending, i, &cfg);
        char why[160];
        if (test_stream_file(t, sending, &cfg, why, sizeof why) != WEIR_OK)
            return fail(c, WEIR_E_FILE, "%s", why);
        void *ctx = NULL;
        int rc = transport_client_open(test_transport_at(t, i), test_tglobal_at(t, i), &cfg, &ctx);
        if (rc != WEIR_OK) {
            int code;
            const char *d = host_take_error(&code);
            return fail(c, rc, "%s", d);
        }
        if (!test_add_stream(t, ctx, sending)) {
            transport_close(test_transport_at(t, i), ctx);
            return fail(c, WEIR_E_NOMEM, NULL);
        }
    }
    c->setup_ns = host_now_ns() - setup_from;
    return WEIR_OK;
}

static int on_test_start(struct client *c)
{
    int rc = session_begin(&c->ss);
    return rc == WEIR_OK ? WEIR_OK : fail(c, rc, NULL);
}

/* The peer acknowledged all that the stream wrote, or the transport cannot
 * tell (weir_stream_info.unacked). */
static int stream_drained(const struct test *t, const struct stream *st)
{
    struct weir_stream_info si = { .struct_size = sizeof si, .unacked = UINT64_MAX };
    if (transport_info(st->tp, st->ctx, &si) != WEIR_OK)
        return 1;
    return si.unacked == 0 || si.unacked == UINT64_MAX;
}

/* -F: every sending stream gave the transport the whole file, and the
 * receiving end acknowledged it, so a receiver that reads on until the end
 * has all of it (iperf3 ends at the last read and loses what is in flight). */
static int file_sent(const struct test *t)
{
    int senders = 0;
    for (int i = 0; i < t->n_streams; i++) {
        const struct stream *st = &t->streams[i];
        if (!st->sending)
            continue;
        if (!atomic_load_explicit(&st->data_ended, memory_order_acquire) || !stream_drained(t, st))
            return 0;
        senders++;
    }
    return senders > 0;
}

/* Every sending stream's peer acknowledged all it was sent. */
static int senders_drained(const struct test *t)
{
    for (int i = 0; i < t->n_streams; i++)
        if (t->streams[i].sending && !t->streams[i].failed && !stream_drained(t, &t->streams[i]))
            return 0;
    return 1;
}

/* Has the test met its end condition (-t, -n, -k, the end of -F's file)? */
static int end_reached(const struct test *t, uint64_t now)
{
    if (t->p.time && now >= t->running_since_ns + (uint64_t)(t->p.time + t->p.omit) * 1000000000u)
        return 1;
    if (t->file && file_sent(t))
        return 1;
    if (test_is_latency(t))     /* -k/-n count probes, sent and settled */
        return !t->omitting && latency_done(t);
    if (t->omitting || (!t->p.num && !t->p.blockcount))
        return 0;
    /* As iperf3's client: what it sent counts from the omit end, what it
     * received from the start (its received count is not reset after -O).
     * test_share_budget gives the senders the same rule. */
    uint64_t sent = 0, rcvd = 0, bsent = 0, brcvd = 0;
    for (int i = 0; i < t->n_streams; i++) {
        const struct stream *st = &t->streams[i];
        if (st->sending) {
            sent += st->ctr.bytes - st->at_omit.bytes;
            bsent += st->ctr.blocks - st->at_omit.blocks;
        } else {
            rcvd += st->ctr.bytes;
            brcvd += st->ctr.blocks;
        }
    }
    /* A transport that repairs losses itself (WEIR_CAP_SEND_DRAIN: QUIC)
     * has delivered what it sent only once the peer acknowledged it. */
    int sent_all = (t->p.num && sent >= t->p.num) || (t->p.blockcount && bsent >= t->p.blockcount);
    if (sent_all && (!(test_caps(t) & WEIR_CAP_SEND_DRAIN) || senders_drained(t)))
        return 1;
    return (t->p.num && rcvd >= t->p.num) || (t->p.blockcount && brcvd >= t->p.blockcount);
}

static uint64_t end_deadline(const struct test *t)
{
    return t->p.time ? t->running_since_ns + (uint64_t)(t->p.time + t->p.omit) * 1000000000u : 0;
}

static int end_run(struct client *c);

/* Move data until the test ends or the server says something. Returns
 * WEIR_OK with TEST_END sent, WEIR_E_AGAIN, or an error. */
static int run_loop(struct client *c)
{
    struct session *ss = &c->ss;
    struct test *t = &ss->t;
    int byte_limit = t->p.num || t->p.blockcount || (t->file && !t->p.reverse);
    for (;;) {
        uint64_t now = host_now_ns();
        uint64_t deadline = end_deadline(t);
        /* Before the end: a stream that failed in the last wait (a send
         * refused at once, in a 1 s test) fails the test. */
        const char *why = "";
        int rc = session_stream_error(ss, 1, &why, NULL);
        if (rc)
            return fail(c, rc, "%s", why);
        /* Checked before the interval timer, so an interval due at the same
         * instant as the end is reported as the final one, not twice. */
        if (end_reached(t, now) || (c->server_sent && !t->omitting))
            break;
        session_tick(ss, now);
        if (rcv_watch_expired(&c->rcv, t, now))
            return fail(c, WEIR_E_NOMSG, NULL);
        int timeout = rcv_watch_wait_ms(&c->rcv, now, session_timeout_ms(ss, now, byte_limit ? 2 : 1000));
        if (deadline) {
            uint64_t ms = deadline > now ? (deadline - now + 999999u) / 1000000u : 0;
            if (ms < (uint64_t)timeout)
                timeout = (int)ms;
        }
        struct pollfd p = { .fd = t->ctl_fd, .events = POLLIN };
        int pr = poll(&p, 1, timeout);
        if (session_signal)
            return fail(c, WEIR_E_CLIENTTERM, NULL);
        if (pr > 0) {
            /* The server spoke mid-test: terminate, error, EOF or
             * WEIR_SENT (on_weir_sent ends the run). */
            return WEIR_E_AGAIN;
        }
    }
    return end_run(c);
}

static int on_test_running(struct client *c)
{
    session_run(&c->ss, host_now_ns());
    rcv_watch_start(&c->rcv, &c->ss.t, host_now_ns());
    return run_loop(c);
}

/* The weir server sent its whole -n/-k share: what has not arrived was
 * lost, so end now (once what is queued is counted) rather than wait for
 * the amount; in the omit period, at its end, where iperf3's client
 * would end at the earliest. After our TEST_END it crossed: nothing to do. */
static int on_weir_sent(struct client *c)
{
    if (!c->ss.t.sender_done)
        return fail(c, WEIR_E_MESSAGE, "state %d", ST_WEIR_SENT);
    if (atomic_load(&c->ss.t.phase) != PHASE_RUN)
        return WEIR_OK;
    c->server_sent = 1;
    return run_loop(c);
}

/* The run is over: last sample, then TEST_END. */
static int end_run(struct client *c)
{
    struct session *ss = &c->ss;
    struct test *t = &ss->t;
    session_stop(ss, host_now_ns());
    const char *why = "";
    if (session_stream_error(ss, 1, &why, NULL) == WEIR_E_FILE)   /* -F: the last bytes */
        return fail(c, WEIR_E_FILE, "%s", why);
    enum ctl_io io = ctl_send_state(t->ctl_fd, ST_TEST_END);
    return io == CTL_OK ? WEIR_OK : ctl_fail(c, io, WEIR_E_SENDMESSAGE);
}

static int on_exchange_results(struct client *c)
{
    struct test *t = &c->ss.t;
    struct json_object *o = results_to_json(t, NULL, NULL);
    enum ctl_io io = ctl_send_json(t->ctl_fd, o);
    json_object_put(o);
    if (io != CTL_OK)
        return ctl_fail(c, io, WEIR_E_SENDRESULTS);
    struct json_object *peer = NULL;
    io = ctl_recv_json(t->ctl_fd, CTL_MAX_RESULTS_LEN, &peer);
    if (io == CTL_TOO_LONG || io == CTL_BAD_JSON)
        return fail(c, WEIR_E_RECVRESULTS, io == CTL_TOO_LONG ? "bad length" : "invalid JSON");
    if (io != CTL_OK)
        return ctl_fail(c, io, WEIR_E_RECVRESULTS);
    char detail[256];
    int rc = results_from_json(t, peer, detail, sizeof detail);
    json_object_put(peer);
    return rc == WEIR_OK ? WEIR_OK : fail(c, rc, "%s", detail);
}

static int on_display_results(struct client *c)
{
    struct test *t = &c->ss.t;
    session_report_end(&c->ss);
    workers_stop(t);
    test_close_streams(t);
    enum ctl_io io = ctl_send_state(t->ctl_fd, ST_IPERF_DONE);
    c->done = 1;
    return io == CTL_OK ? WEIR_OK : ctl_fail(c, io, WEIR_E_SENDMESSAGE);
}

static int on_server_error(struct client *c)
{
    int code, err;
    ctl_recv_server_error_tail(c->ss.t.ctl_fd, &code, &err);
    if (code == 0)
        return fail(c, WEIR_E_CTRLCLOSE, NULL);
    return fail(c, code, "%s", err ? strerror(err) : "");
}

/* One state byte from the server. */
static int dispatch(struct client *c, signed char st)
{
    switch (st) {
    case ST_PARAM_EXCHANGE:   return on_param_exchange(c);
    case ST_WEIR_ACCEPT:      return on_weir_accept(c);
    case ST_WEIR_SENT:        return on_weir_sent(c);
    case ST_CREATE_STREAMS:   return on_create_streams(c);
    case ST_TEST_START:       return on_test_start(c);
    case ST_TEST_RUNNING:     return on_test_running(c);
    case ST_EXCHANGE_RESULTS: return on_exchange_results(c);
    case ST_DISPLAY_RESULTS:  return on_display_results(c);
    case ST_IPERF_DONE:       c->done = 1; return WEIR_OK;
    case ST_SERVER_TERMINATE: return fail(c, WEIR_E_SERVERTERM, NULL);
    case ST_ACCESS_DENIED:    return fail(c, WEIR_E_ACCESSDENIED, NULL);
    case ST_SERVER_ERROR:     return on_server_error(c);
    default:                  return fail(c, WEIR_E_MESSAGE, "state %d", st);
    }
}

/* --latency, before connecting: a transport that moves messages of our
 * framing, and requests and replies it can carry. */
static int check_latency(struct client *c)
{
    struct test *t = &c->ss.t;
    const struct settings *s = t->s;
    const struct weir_test_rules *r = &t->rules;
    if (!transport_carries_messages(t->transport))
        return fail(c, WEIR_E_USAGE, "--latency: --transport %s cannot carry probes", t->transport->name);
    uint32_t request = s->blksize ? s->blksize : LATENCY_DEFAULT_REQUEST;
    uint32_t reply = s->latency_reply ? s->latency_reply : request;
    if (request < LATENCY_MIN_MESSAGE)
        return fail(c, WEIR_E_USAGE, "--latency needs requests of at least %u bytes (-l): a probe's header",
                    LATENCY_MIN_MESSAGE);
    uint32_t max = r->blksize_max ? r->blksize_max : LATENCY_MAX_MESSAGE;
    if (!(test_caps(t) & WEIR_CAP_RELIABLE) && (request > max || reply > max))
        return fail(c, WEIR_E_USAGE, "--latency over %s: requests and replies of at most %u bytes (one datagram)",
                    t->transport->name, max);
    return WEIR_OK;
}

/* --load-transport: the load streams' own transport, loaded and set up
 * beside the probes' (the same one named twice is simply the test's). */
static int load_load_transport(struct client *c)
{
    struct test *t = &c->ss.t;
    char err[1024];
    const struct weir_plugin *p = loader_load(t->s->load_transport, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
    if (!p)
        return fail(c, WEIR_E_PLUGIN, "%s", err);
    if (strcmp(p->name, t->transport->name) == 0)
        return WEIR_OK;
    /* Each would take its streams at the server's UDP port by the same
     * tagged hello: the last probe stream's and the first load stream's
     * could not be told apart there. */
    if (!((p->transport->caps | t->transport->transport->caps) & WEIR_CAP_CONTROL_PORT))
        return fail(c, WEIR_E_USAGE, "--load-transport %s cannot be used with --transport %s: both open "
                    "their streams at the server's UDP port", p->name, t->transport->name);
    host_clear_error();
    int rc = loader_transport_global(p, &t->load_tglobal);
    if (rc != WEIR_OK)
        return fail(c, rc, "transport '%s' failed to initialise: %s", p->name, host_take_error(NULL));
    t->load_transport = p;
    t->p.weir_latency.load = (uint32_t)t->s->latency_load;    /* the first load stream's config */
    /* The probes' rules again: no load of theirs runs beside them
     * (WEIR_LOWER_LOADED). */
    if ((rc = test_take_rules(t)) != WEIR_OK || (rc = test_take_load_rules(t)) != WEIR_OK)
        return fail(c, rc, "%s", host_take_error(NULL));
    /* Its datagram mode (quic's --quic-datagrams) is a key of the test's
     * own transport (weir_datagrams): the load runs as the transport does
     * by default, or not at all. */
    if ((t->load_rules.caps ^ p->transport->caps) & WEIR_CAP_DATAGRAM)
        return fail(c, WEIR_E_USAGE, "--load-transport %s runs its load streams as it does by default: "
                    "its datagram mode cannot be used with --load-transport", p->name);
    return WEIR_OK;
}

/* -F, before connecting: a transport that can carry it, and a file a
 * sender can read (each stream opens it again when it is set up). */
static int check_file(struct client *c)
{
    struct test *t = &c->ss.t;
    if (!test_carries_files(t)) {
        char why[160];
        test_no_files_why(t, why, sizeof why);
        return fail(c, WEIR_E_FILE, "%s", why);
    }
    t->file = t->s->file;
    if (!t->s->reverse) {
        char why[160];
        struct diskfile *f = diskfile_open(t->file, 1, why, sizeof why);
        if (!f)
            return fail(c, WEIR_E_FILE, "%s", why);
        diskfile_close(f);
    }
    return WEIR_OK;
}

static int connect_control(struct client *c)
{
    struct test *t = &c->ss.t;
    const struct settings *s = t->s;
    int gai = 0;
    if (s->bind_dev && if_nametoindex(s->bind_dev) == 0)
        return fail(c, WEIR_E_BINDDEV, "%s: %s", s->bind_dev, strerror(errno));
    t->ctl_fd = net_connect(s->host, s->port, s->family, s->bind_host, s->bind_dev, s->mptcp,
                            s->connect_timeout_ms, &gai);
    if (t->ctl_fd < 0) {
        /* A name that does not resolve is the same error as a refusal, in
         * the same words, as in iperf3 3.16 and later. */
        return fail(c, WEIR_E_CONNECT, "%s", gai ? gai_strerror(gai) : net_why(errno, s->mptcp));
    }
    net_set_nodelay(t->ctl_fd);
    char why[256];
    int opt_rc = timeouts_apply_control(s, t->ctl_fd, why, sizeof why);    /* --snd-timeout, --cntl-ka */
    if (opt_rc != WEIR_OK)
        return fail(c, opt_rc, "%s", why);
    if (cookie_make(t->cookie))
        return fail(c, WEIR_E_SENDCOOKIE, "no randomness");
    enum ctl_io io = ctl_write(t->ctl_fd, t->cookie, WEIR_COOKIE_SIZE, CTL_MSG_TIMEOUT_MS);
    if (io != CTL_OK)
        return ctl_fail(c, io, WEIR_E_SENDCOOKIE);
    /* Read after the first send, as iperf3 does: the kernel's current MSS
     * is only settled then (32768 rather than 32741 on loopback), and it
     * is the UDP default block size. */
    t->control_mss = net_tcp_mss(t->ctl_fd);
    return WEIR_OK;
}

static void fill_outcome(const struct client *c, const char *error, struct client_outcome *out)
{
    const struct test *t = &c->ss.t;
    memset(out, 0, sizeof *out);
    out->summarized = c->ss.ended;
    out->end = c->ss.summary;
    /* --latency: the end's sum row (still there until session_free), without
     * the buckets, which die with the test. */
    if (c->ss.ended && t->latency && c->ss.lr.n > 0) {
        out->has_latency = 1;
        out->latency = c->ss.lr.sum_row;
        out->latency.rtt.n_buckets = out->latency.forward.n_buckets = out->latency.reverse.n_buckets = 0;
        out->latency.rtt.buckets = out->latency.forward.buckets = out->latency.reverse.buckets = NULL;
    }
    /* --load: the working latency and the load's figures, likewise. */
    if (c->ss.ended && t->latency && t->p.weir_latency.load && c->ss.lr.n > 0) {
        out->has_working = 1;
        out->working = c->ss.lr.working;
        out->working.idle.n_buckets = out->working.loaded.n_buckets = 0;
        out->working.idle.buckets = out->working.loaded.buckets = NULL;
        out->load = c->ss.lr.load;
        out->load.inband.n_buckets = 0;
        out->load.inband.buckets = NULL;
    }
    out->setup_seconds = (double)c->setup_ns / 1e9;
    if (t->transport) {
        out->protocol = t->transport->transport->wire_label;
        out->reliable = (test_caps(t) & WEIR_CAP_RELIABLE) != 0;
        out->datagram = test_is_datagram(t);
    }
    out->target_bitrate = t->p.bandwidth;
    out->default_rate_off = t->transport && t->rules.struct_size && !t->s->rate_set && t->s->default_rate_off &&
                            test_bulk_rules(t)->default_rate != 0;
    out->num_streams = test_num_streams(t);
    snprintf(out->error, sizeof out->error, "%s", error ? error : "");
}

int client_run(const struct settings *s, struct report_set *rs, struct client_outcome *out)
{
    struct client c;
    memset(&c, 0, sizeof c);
    c.ss.rs = rs;
    struct test *t = &c.ss.t;
    test_init(t, WEIR_ROLE_CLIENT, s);

    char err[1024];
    EVP_PKEY *pub = NULL;
    char password[AUTH_MAX_FIELD] = "";
    int rc = prepare_auth(&c, &pub, password, sizeof password);
    /* -A n: before any thread starts, so that all run there. */
    if (rc == WEIR_OK && s->affinity >= 0 && affinity_pin_self(s->affinity) != 0)
        rc = fail(&c, WEIR_E_AFFINITY, "CPU %d: %s", s->affinity, strerror(errno));
    if (rc == WEIR_OK) {
        t->transport = loader_load(s->transport ? s->transport : DEFAULT_TRANSPORT, WEIR_PLUGIN_TRANSPORT,
                                   err, sizeof err);
        rc = t->transport ? WEIR_OK : fail(&c, WEIR_E_PLUGIN, "%s", err);
    }
    host_clear_error();
    if (rc == WEIR_OK && (rc = loader_transport_global(t->transport, &t->tglobal)) != WEIR_OK)
        fail(&c, rc, "transport '%s' failed to initialise: %s", t->transport->name, host_take_error(NULL));
    if (rc == WEIR_OK)
        rc = take_rules(&c);
    if (rc == WEIR_OK && s->load_transport && s->latency_load)
        rc = load_load_transport(&c);
    if (rc == WEIR_OK && s->file)
        rc = check_file(&c);
    if (rc == WEIR_OK && s->latency)
        rc = check_latency(&c);
    if (rc == WEIR_OK)
        fill_params(&c);
    if (rc == WEIR_OK)
        rc = check_transport_params(&c);
    if (rc == WEIR_OK)
        rc = connect_control(&c);
    if (rc == WEIR_OK)
        fill_block_size(&c);
    if (rc == WEIR_OK)
        rc = make_token(&c, pub, password);
    OPENSSL_cleanse(password, sizeof password);
    EVP_PKEY_free(pub);

    while (rc == WEIR_OK && !c.done) {
        signed char st;
        enum ctl_io io = ctl_recv_state(t->ctl_fd, timeouts_wait_ms(s, SERVER_REPLY_TIMEOUT_MS), &st);
        if (session_signal) {
            rc = fail(&c, WEIR_E_CLIENTTERM, NULL);
            break;
        }
        if (io != CTL_OK) {
            rc = ctl_fail(&c, io, WEIR_E_RECVMESSAGE);
            break;
        }
        rc = dispatch(&c, st);
        if (rc == WEIR_E_AGAIN)
            rc = WEIR_OK;       /* the server spoke during the run: read it */
    }

    if (rc != WEIR_OK) {
        /* Interrupted or failed mid-test: show what was measured, tell the
         * server when it was us. */
        if (c.ss.started) {
            session_stop(&c.ss, host_now_ns());
            session_report_end(&c.ss);
        }
        if (c.error == WEIR_E_CLIENTTERM && t->ctl_fd >= 0)
            ctl_send_state(t->ctl_fd, ST_CLIENT_TERMINATE);
        char msg[1024];
        error_text(msg, sizeof msg, c.error, c.detail);
        if (c.error == WEIR_E_CLIENTTERM)
            snprintf(msg, sizeof msg, "interrupt - the client has terminated");
        report_finish(rs, msg);
        if (out)
            fill_outcome(&c, msg, out);
    } else {
        report_finish(rs, NULL);
        if (out)
            fill_outcome(&c, NULL, out);
    }
    workers_stop(t);
    test_close_streams(t);
    /* A server silent past --rcv-timeout will not read our goodbye
     * either: close without waiting for it, as iperf3's client does. */
    if (t->ctl_fd >= 0 && rc != WEIR_OK && c.error == WEIR_E_NOMSG)
        close(t->ctl_fd);
    else if (t->ctl_fd >= 0)
        ctl_close(t->ctl_fd);
    session_free(&c.ss);
    return rc == WEIR_OK ? 0 : 1;
}
