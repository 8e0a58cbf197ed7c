#include "run/session.h"
#include "host/host.h"
#include "host/transport.h"
#include "proto/netutil.h"
#include "run/workers.h"
#include "run/latency.h"
#include "run/busy_poll.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

_Atomic int session_signal;    /* lock-free: set in a signal handler, read by every thread */

static void on_signal(int sig)
{
    session_signal = sig;
}

void session_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() must return EINTR so loops see the flag. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void fact_string(struct fact_list *l, const char *key, const char *text)
{
    struct weir_value v = { .type = WEIR_VALUE_STRING, .v.s = text };
    facts_add(l, key, &v);
}

static void fact_bool(struct fact_list *l, const char *key, int b)
{
    struct weir_value v = { .type = WEIR_VALUE_BOOL, .v.b = b };
    facts_add(l, key, &v);
}

static void fact_uint(struct fact_list *l, const char *key, uint64_t u)
{
    struct weir_value v = { .type = WEIR_VALUE_UINT, .v.u = u };
    facts_add(l, key, &v);
}

/* start.weir: what weir adds to iperf3's start object, and what the
 * transport says about each stream (its describe hook). */
static void collect_start_facts(struct session *ss, struct weir_report_start *st)
{
    const struct test *t = &ss->t;
    struct fact_list *l = &ss->weir_facts;
    facts_clear(l);
    fact_string(l, "transport", t->transport->name);
    /* The data streams, not the control connection (always plain TCP). */
    fact_bool(l, "encrypted", (test_caps(t) & WEIR_CAP_ENCRYPTED) != 0);
    /* Data workers, or the probe engine's one thread per stream. */
    fact_uint(l, "threads", (uint64_t)(test_is_latency(t) ? t->n_streams : workers_count(t)));
    /* Several tests may run at once on a server: which one this is. */
    if (ss->test_no > 0)
        fact_uint(l, "test", (uint64_t)ss->test_no);
    if (t->stream_tag)
        fact_bool(l, "stream_tag", 1);
    /* --latency: the streams that carry probes (the first ones; --load's
     * follow), so that a server's log can tell them apart. */
    if (test_is_latency(t))
        fact_uint(l, "probe_streams", (uint64_t)test_probe_count(t));
    /* --load-transport: the load streams' own (the probes' is transport). */
    if (t->load_transport)
        fact_string(l, "load_transport", t->load_transport->name);
    st->n_weir_facts = l->n;
    st->weir_facts = l->items;
    /* Every stream, if the transport described any (it may have nothing
     * to say of one, or no describe hook at all: then no list). */
    st->streams_described = 0;
    for (int i = 0; i < t->n_streams && i < ss->sb.n; i++) {
        struct fact_list *sl = &ss->sb.stream_facts[i];
        facts_clear(sl);
        struct weir_fact_sink sink = facts_sink(sl);
        if (transport_describe(t->streams[i].tp, t->streams[i].ctx, &sink) == WEIR_OK)
            st->streams_described = 1;
        else
            facts_clear(sl);
        ss->sb.streams[i].n_facts = sl->n;
        ss->sb.streams[i].facts = sl->items;
    }
}

void session_start_report(struct session *ss, struct weir_report_start *st)
{
    struct test *t = &ss->t;
    const struct weir_transport_ops *ops = t->transport->transport;
    stats_streams(t, &ss->sb);
    memset(st, 0, sizeof *st);
    st->struct_size = sizeof *st;
    st->role = t->role;
    st->host = t->role == WEIR_ROLE_CLIENT ? t->s->host : t->peer_host;
    st->port = t->role == WEIR_ROLE_CLIENT ? t->s->port : t->peer_port;
    st->cookie = (const char *)t->cookie;
    st->protocol = ops->wire_label;
    st->reliable = (test_caps(t) & WEIR_CAP_RELIABLE) != 0;
    st->datagram = test_is_datagram(t);
    st->tcp_mss_default = t->role == WEIR_ROLE_CLIENT && !t->p.mss ? t->control_mss : 0;
    st->tcp_mss = t->p.mss;
    st->target_bitrate = t->p.bandwidth;
    st->fq_rate = t->p.fqrate;
    st->sock_bufsize = t->p.window;
    if (t->n_streams > 0)
        net_bufsizes(t->streams[0].fd, &st->sndbuf_actual, &st->rcvbuf_actual);
    st->num_streams = test_num_streams(t);
    st->blksize = t->p.len;
    st->omit = t->p.omit;
    st->duration = t->p.time;
    st->bytes = t->p.num;
    st->blocks = t->p.blockcount;
    st->reverse = t->p.reverse;
    st->bidir = t->p.bidir;
    st->tos = t->p.tos < 0 ? 0 : t->p.tos;
    st->interval = t->s->interval;
    st->title = t->p.title;
    st->extra_data = t->p.extra_data;
    st->n_streams = (size_t)t->n_streams;
    st->streams = ss->sb.streams;
    collect_start_facts(ss, st);
    st->transport = t->transport->name;
    st->encrypted = (test_caps(t) & WEIR_CAP_ENCRYPTED) != 0;
    st->server_transport = t->role == WEIR_ROLE_SERVER ? t->s->transport : NULL;
    st->gso = t->p.gso > 0;
    st->gro = t->p.gro > 0;
    if (test_is_latency(t)) {
        st->latency = 1;
        st->latency_request = t->p.weir_latency.request;
        st->latency_reply = t->p.weir_latency.reply;
        st->latency_rate = t->p.weir_latency.rate;
        st->latency_clock = t->latency_clock;
        st->latency_busy_poll = t->p.weir_latency.busy_poll;
        st->latency_busy_poll_us = t->busy_poll_us;
        st->latency_busy_poll_error = t->busy_poll_errno ? strerror(t->busy_poll_errno) : NULL;
    }
}

/* Workers must not take the signals meant for the main thread. They start
 * idle; data moves once the phase is RUN. */
static int start_workers(struct test *t)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = workers_start(t, t->s->threads);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* --load: the idle phase is over, the load streams start. */
static void start_load(struct test *t, uint64_t now)
{
    t->load_start_ns = now;
    int rc = start_workers(t);
    if (rc != WEIR_OK && t->workers_from < t->n_streams) {
        /* The run cannot go on: the main loop sees a failed stream. */
        struct stream *st = &t->streams[t->workers_from];
        snprintf(st->failed_why, sizeof st->failed_why, "--load: cannot start the load streams");
        atomic_store_explicit(&st->failed, rc, memory_order_release);
    }
}

int session_begin(struct session *ss)
{
    struct test *t = &ss->t;
    if (stats_buf_init(&ss->sb, t->n_streams))
        return WEIR_E_NOMEM;
    int rc = WEIR_OK;
    if (test_is_latency(t)) {
        /* Probes: the engine's threads start with the run (session_run);
         * --load's workers at the idle phase's end (session_tick). */
        t->workers_from = test_probe_count(t);
        if (latency_report_init(&ss->lr, t->workers_from))
            rc = WEIR_E_NOMEM;
        if (t->p.weir_latency.busy_poll)
            busy_poll_apply(t);
    } else {
        test_share_budget(t);
        rc = start_workers(t);
    }
    struct weir_report_start st;
    session_start_report(ss, &st);
    report_start(ss->rs, &st);
    ss->started = 1;
    return rc;
}

void session_run(struct session *ss, uint64_t now)
{
    struct test *t = &ss->t;
    t->running_since_ns = now;
    t->start_ns = now;
    t->interval_start_ns = now;
    t->omitting = t->p.omit > 0;
    cpu_mark_now(&t->cpu_start);
    ss->next_interval_ns = t->s->interval > 0 ? now + (uint64_t)(t->s->interval * 1e9) : 0;
    atomic_store_explicit(&t->phase, PHASE_RUN, memory_order_release);
    workers_wake(t);
    if (test_is_latency(t)) {
        int rc = latency_start(t);
        if (rc != WEIR_OK && t->n_streams > 0) {
            /* The run cannot go on: the main loop sees a failed stream. */
            struct stream *st = &t->streams[0];
            snprintf(st->failed_why, sizeof st->failed_why, "--latency: cannot start the probes");
            atomic_store_explicit(&st->failed, rc, memory_order_release);
        }
    }
}

/* next_end_ns: when the interval after this one ends (0 at the last). */
static void emit_interval(struct session *ss, uint64_t now, uint64_t next_end_ns)
{
    struct weir_report_interval iv;
    stats_interval(&ss->t, now, &ss->sb, &iv);
    latency_report_interval(&ss->lr, &ss->t, next_end_ns, &iv);
    report_interval(ss->rs, &iv);
}

void session_tick(struct session *ss, uint64_t now)
{
    struct test *t = &ss->t;
    if (ss->next_interval_ns && now >= ss->next_interval_ns) {
        /* Intervals restart at the omit end, like iperf3's clocks. */
        uint64_t step = (uint64_t)(t->s->interval * 1e9);
        uint64_t next = ss->next_interval_ns + step;
        if (next <= now)
            next = now + step;
        emit_interval(ss, now, next);
        ss->next_interval_ns = next;
    }
    uint64_t load_from = latency_load_from(t);
    if (load_from && !t->load_start_ns && now >= load_from && atomic_load(&t->phase) == PHASE_RUN)
        start_load(t, now);
    latency_report_sample(&ss->lr, t, now);
    if (t->omitting) {
        uint64_t omit_end = t->running_since_ns + (uint64_t)t->p.omit * 1000000000u;
        if (now >= omit_end) {
            test_omit_check(t, now);
            if (t->s->interval > 0) {
                ss->next_interval_ns = now + (uint64_t)(t->s->interval * 1e9);
                latency_interval_end(t, ss->next_interval_ns);
            }
        }
    }
}

int session_timeout_ms(const struct session *ss, uint64_t now, int cap_ms)
{
    uint64_t next = 0;
    if (ss->next_interval_ns)
        next = ss->next_interval_ns;
    if (ss->t.omitting) {
        uint64_t omit_end = ss->t.running_since_ns + (uint64_t)ss->t.p.omit * 1000000000u;
        if (!next || omit_end < next)
            next = omit_end;
    }
    uint64_t load_from = latency_load_from(&ss->t);
    if (load_from && !ss->t.load_start_ns && (!next || load_from < next))
        next = load_from;
    uint64_t sample = latency_report_due(&ss->lr);
    if (sample && (!next || sample < next))
        next = sample;
    if (!next)
        return cap_ms;
    if (next <= now)
        return 0;
    uint64_t ms = (next - now + 999999u) / 1000000u;
    return ms < (uint64_t)cap_ms || cap_ms < 0 ? (int)ms : cap_ms;
}

void session_stop(struct session *ss, uint64_t now)
{
    struct test *t = &ss->t;
    if (atomic_load(&t->phase) != PHASE_RUN)
        return;
    /* Join the workers (the probe engine: after the replies still due)
     * before the last sample: nothing is counted after it, so the
     * intervals add up exactly to the totals. */
    latency_stop(t);
    workers_stop(t);
    t->end_ns = now;
    if (t->omitting) {
        /* Ended inside the omit period: nothing is counted. */
        test_omit_check(t, now);
        t->end_ns = t->start_ns;
    }
    double left = (double)(now - t->interval_start_ns) / 1e9;
    uint64_t pending = 0;
    for (int i = 0; i < t->n_streams; i++)
        pending += t->streams[i].ctr.bytes - t->streams[i].at_interval.bytes;
    if (latency_pending(t))
        pending = 1;        /* replies or losses since the last interval */
    /* iperf3 drops a final interval that is both short and empty; with
     * -i 0 its one interval is the whole test. */
    if (left > 0 && (pending > 0 || left >= 0.1 * t->s->interval))
        emit_interval(ss, now, 0);
    cpu_since(&t->cpu_start, &t->cpu_total, &t->cpu_user, &t->cpu_system);
    for (int i = 0; i < t->n_streams; i++) {
        struct stream *st = &t->streams[i];
        st->final_info.struct_size = sizeof st->final_info;
        st->final_info_valid = st->ctx && transport_info(st->tp, st->ctx, &st->final_info) == WEIR_OK
                               && st->final_info.valid;
    }
}

void session_report_end(struct session *ss)
{
    if (!ss->started || ss->ended)
        return;
    struct weir_report_end e;
    stats_end(&ss->t, &ss->sb, &e);
    latency_report_end(&ss->lr, &ss->t, e.sum_sent.start, e.sum_sent.end, &e);
    report_end(ss->rs, &e);
    ss->ended = 1;
    ss->summary = e;
    ss->summary.n_streams = 0;
    ss->summary.streams = NULL;
    ss->summary.sender_tcp_congestion = ss->summary.receiver_tcp_congestion = NULL;
    ss->summary.server_output_text = ss->summary.server_output_json = NULL;
    ss->summary.diskfiles = NULL;
    ss->summary.n_latency = 0;
    ss->summary.latency = ss->summary.latency_sum = NULL;
    ss->summary.working = NULL;
    ss->summary.load = NULL;
}

int session_stream_error(const struct session *ss, int peer_may_end, const char **why, int *err)
{
    for (int i = 0; i < ss->t.n_streams; i++) {
        const struct stream *st = &ss->t.streams[i];
        int rc = atomic_load_explicit(&st->failed, memory_order_acquire);
        if (rc && (!peer_may_end || st->sending || rc != WEIR_E_STREAMCLOSE)) {
            if (why)
                *why = st->failed_why;
            if (err)
                *err = st->failed_errno;
            return rc;
        }
    }
    return 0;
}

void session_free(struct session *ss)
{
    facts_free(&ss->weir_facts);
    workers_stop(&ss->t);
    latency_free(&ss->t);
    test_free(&ss->t);
    stats_buf_free(&ss->sb);
    latency_report_free(&ss->lr);
}
