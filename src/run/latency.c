/* --latency's probe engine (run/latency.h): the streams' threads started and
 * stopped, their windows handed to the main thread, and what the client's
 * and the server's sides (latency_client.c, latency_server.c) share. */
#include "run/latency_int.h"
#include "run/test.h"
#include "proto/errors.h"
#include "host/host.h"
#include "host/transport.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void latency_window_reset(struct latency_window *w)
{
    hist_reset(&w->rtt);
    hist_reset(&w->fwd);
    hist_reset(&w->rev);
    w->sent = w->lost = w->missed = 0;
}

void latency_window_merge(struct latency_window *into, const struct latency_window *from)
{
    hist_merge(&into->rtt, &from->rtt);
    hist_merge(&into->fwd, &from->fwd);
    hist_merge(&into->rev, &from->rev);
    into->sent += from->sent;
    into->lost += from->lost;
    into->missed += from->missed;
}


/* Room for every request a stream can have in flight: those of the
 * longest loss bound at the rate (one at a time back to back), at most
 * RING_MAX. */
static uint64_t ring_size(double rate)
{
    uint64_t want = rate > 0 ? (uint64_t)(rate * (double)(LOSS_MAX_NS / 1000000000ull + 1)) : 1;
    uint64_t n = 64;
    while (n < want && n < RING_MAX)
        n <<= 1;
    return n;
}

/* -k N probes (-n: N bytes of requests), shared out so that the streams'
 * shares add up to N exactly (with fewer probes than streams, some send
 * none). */
static uint64_t share_of(const struct test *t, int i, int n, uint32_t request)
{
    uint64_t total = t->p.blockcount ? t->p.blockcount : (t->p.num + request - 1) / request;
    return total / (uint64_t)n + ((uint64_t)i < total % (uint64_t)n ? 1 : 0);
}

static int stream_setup(struct latency_engine *e, struct lstream *ls, int i)
{
    struct test *t = e->t;
    ls->e = e;
    ls->st = &t->streams[i];
    latency_window_reset(&ls->win[0]);
    latency_window_reset(&ls->win[1]);
    hist_reset(&ls->idle);
    hist_reset(&ls->loaded);
    if (pthread_mutex_init(&ls->lock, NULL) != 0)
        return WEIR_E_NOMEM;
    size_t msg = e->request > e->reply ? e->request : e->reply;
    ls->out = calloc(1, msg);
    ls->in = calloc(1, msg);
    if (t->role == WEIR_ROLE_CLIENT) {
        if (probe_ring_init(&ls->ring, ring_size(e->rate)) != 0)
            return WEIR_E_NOMEM;
        ls->limited = t->p.blockcount || t->p.num;
        if (ls->limited)
            ls->share = share_of(t, i, e->n, e->request);
    }
    if (e->datagram) {
        /* One byte more than a message: a longer datagram shows as
         * truncated instead of passing for a probe. */
        ls->rx_cap = msg + 1;
        ls->rx = calloc(RX_BATCH, ls->rx_cap);
        if (t->role == WEIR_ROLE_SERVER)
            ls->tx = calloc(RX_BATCH, e->reply);
    }
    int ok = ls->out && ls->in && (!e->datagram || (ls->rx && (t->role != WEIR_ROLE_SERVER || ls->tx)));
    return ok ? WEIR_OK : WEIR_E_NOMEM;
}

int latency_stopping(const struct latency_engine *e)
{
    return atomic_load_explicit(&e->stop, memory_order_acquire);
}

void latency_failed(struct lstream *ls, int rc)
{
    struct stream *st = ls->st;
    st->failed_errno = errno;
    const char *why = host_take_error(NULL);
    snprintf(st->failed_why, sizeof st->failed_why, "%s", why ? why : "");
    atomic_store_explicit(&st->failed, rc, memory_order_release);
}

/* Wait for the stream's descriptor (events) or until ns have passed. */
void latency_wait_fd(const struct lstream *ls, short events, uint64_t ns)
{
    if (ls->e->busy)
        return;
    if (ns > STOP_CHECK_NS)
        ns = STOP_CHECK_NS;
    struct pollfd p = { .fd = ls->st->fd, .events = events };
    struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ns };
    (void)ppoll(&p, 1, &ts, NULL);
}

void latency_sleep_in_receive(struct lstream *ls)
{
    ls->sleeps = !ls->e->busy &&
                 transport_lower_receive_wait(ls->e->t->transport, ls->st->ctx, STOP_CHECK_MS) == WEIR_OK;
}

/* The window of a record stamped at ns, for one update. */
struct latency_window *latency_lock_window(struct lstream *ls, uint64_t ns)
{
    pthread_mutex_lock(&ls->lock);
    int next = ls->boundary_ns && ns >= ls->boundary_ns;
    return &ls->win[next ? !ls->cur : ls->cur];
}

void latency_unlock_window(struct lstream *ls)
{
    pthread_mutex_unlock(&ls->lock);
}

/* Write what is left of the pending message: 1 when it all went, 0 when
 * the transport would block, -1 when the stream failed. */
int latency_flush(struct lstream *ls)
{
    const struct latency_engine *e = ls->e;
    const struct weir_plugin *tp = e->t->transport;
    while (ls->out_off < ls->out_len) {
        int rc;
        if (e->datagram) {
            struct weir_datagram d = { .buf = ls->out, .len = ls->out_len, .ecn = WEIR_ECN_UNSET };
            uint32_t sent = 0;
            rc = transport_send_datagrams(tp, ls->st->ctx, &d, 1, &sent);
            if (rc == WEIR_OK && sent == 1)
                ls->out_off = ls->out_len;
        } else {
            size_t w = 0;
            rc = transport_write_bytes(tp, ls->st->ctx, ls->out + ls->out_off, ls->out_len - ls->out_off, &w);
            if (rc == WEIR_OK)
                ls->out_off += w;
        }
        if (rc == WEIR_E_AGAIN)
            return 0;
        if (rc != WEIR_OK) {
            latency_failed(ls, rc);
            return -1;
        }
    }
    ls->out_off = ls->out_len = 0;
    return 1;
}

int latency_start(struct test *t)
{
    int n = test_probe_count(t);    /* --load's streams are the workers' */
    struct latency_engine *e = calloc(1, sizeof *e + (size_t)n * sizeof e->s[0]);
    if (!e)
        return WEIR_E_NOMEM;
    t->latency = e;
    e->t = t;
    e->n = n;
    e->datagram = !(test_caps(t) & WEIR_CAP_RELIABLE);
    e->one_way = t->latency_clock != NULL;
    e->busy = t->p.weir_latency.busy_poll;
    e->request = t->p.weir_latency.request;
    e->reply = t->p.weir_latency.reply;
    e->rate = t->p.weir_latency.rate;
    e->count_from_ns = t->running_since_ns + (uint64_t)t->p.omit * 1000000000u;
    e->load_from_ns = latency_load_from(t);
    if (t->role == WEIR_ROLE_CLIENT && t->p.time)
        e->end_ns = t->running_since_ns + (uint64_t)(t->p.time + t->p.omit) * 1000000000u;
    /* The first interval's end, as the session reckons it (session_run). */
    uint64_t first_end = t->s->interval > 0 ? t->running_since_ns + (uint64_t)(t->s->interval * 1e9) : 0;
    for (int i = 0; i < n; i++) {
        int rc = stream_setup(e, &e->s[i], i);
        if (rc != WEIR_OK)
            return rc;
        e->s[i].boundary_ns = first_end;
    }
    /* Not the signals meant for the main thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = WEIR_OK;
    for (int i = 0; i < n && rc == WEIR_OK; i++) {
        struct lstream *ls = &e->s[i];
        if (pthread_create(&ls->thread, NULL, t->role == WEIR_ROLE_CLIENT ? latency_client_main : latency_server_main, ls) != 0)
            rc = WEIR_E_PTHREADCREATE;
        else
            ls->started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void latency_stop(struct test *t)
{
    struct latency_engine *e = t->latency;
    atomic_store_explicit(&t->phase, PHASE_STOP, memory_order_release);
    if (!e)
        return;
    atomic_store_explicit(&e->stop, 1, memory_order_release);
    for (int i = 0; i < e->n; i++) {
        if (e->s[i].started)
            pthread_join(e->s[i].thread, NULL);
        e->s[i].started = 0;
    }
}

void latency_free(struct test *t)
{
    struct latency_engine *e = t->latency;
    if (!e)
        return;
    latency_stop(t);
    for (int i = 0; i < e->n; i++) {
        struct lstream *ls = &e->s[i];
        if (!ls->e)
            continue;
        pthread_mutex_destroy(&ls->lock);
        free(ls->out);
        free(ls->in);
        probe_ring_free(&ls->ring);
        free(ls->rx);
        free(ls->tx);
    }
    free(e);
    t->latency = NULL;
}

int latency_done(const struct test *t)
{
    const struct latency_engine *e = t->latency;
    if (!e || !(t->p.blockcount || t->p.num))
        return 0;
    for (int i = 0; i < e->n; i++)
        if (!atomic_load_explicit(&e->s[i].done, memory_order_acquire))
            return 0;
    return 1;
}

void latency_take(struct test *t, int i, uint64_t next_end_ns, struct latency_window *out)
{
    struct latency_engine *e = t->latency;
    if (!e || i >= e->n || !e->s[i].e) {
        latency_window_reset(out);
        return;
    }
    struct lstream *ls = &e->s[i];
    if (latency_stopping(e) && !ls->started) {
        /* The thread is gone: what it put past an interval end the
         * session never reached belongs to this last span too. */
        memcpy(out, &ls->win[ls->cur], sizeof *out);
        latency_window_merge(out, &ls->win[!ls->cur]);
        latency_window_reset(&ls->win[0]);
        latency_window_reset(&ls->win[1]);
        return;
    }
    pthread_mutex_lock(&ls->lock);
    int c = ls->cur;
    ls->cur = !c;
    ls->boundary_ns = next_end_ns;
    pthread_mutex_unlock(&ls->lock);
    /* Only this thread swaps: the stream writes the other window now
     * (a record stamped past next_end_ns, only once that end passed,
     * long after this copy). */
    memcpy(out, &ls->win[c], sizeof *out);
    latency_window_reset(&ls->win[c]);
}

void latency_interval_end(struct test *t, uint64_t end_ns)
{
    struct latency_engine *e = t->latency;
    for (int i = 0; e && i < e->n; i++) {
        struct lstream *ls = &e->s[i];
        if (!ls->e)
            continue;
        pthread_mutex_lock(&ls->lock);
        latency_window_merge(&ls->win[ls->cur], &ls->win[!ls->cur]);
        latency_window_reset(&ls->win[!ls->cur]);
        ls->boundary_ns = end_ns;
        pthread_mutex_unlock(&ls->lock);
    }
}

uint64_t latency_load_from(const struct test *t)
{
    if (!test_is_latency(t) || !t->p.weir_latency.load)
        return 0;
    return t->running_since_ns + (uint64_t)t->p.omit * 1000000000u +
           (uint64_t)(t->p.weir_latency.idle * 1e9);
}

void latency_working(struct test *t, struct histogram *idle, struct histogram *loaded)
{
    struct latency_engine *e = t->latency;
    hist_reset(idle);
    hist_reset(loaded);
    for (int i = 0; e && i < e->n; i++) {
        struct lstream *ls = &e->s[i];
        if (!ls->e)
            continue;
        pthread_mutex_lock(&ls->lock);
        hist_merge(idle, &ls->idle);
        hist_merge(loaded, &ls->loaded);
        pthread_mutex_unlock(&ls->lock);
    }
}

int latency_pending(struct test *t)
{
    struct latency_engine *e = t->latency;
    for (int i = 0; e && i < e->n; i++) {
        struct lstream *ls = &e->s[i];
        if (!ls->e)
            continue;
        pthread_mutex_lock(&ls->lock);
        int any = 0;
        for (int k = 0; k < 2; k++) {
            const struct latency_window *w = &ls->win[k];
            any |= w->rtt.count || w->sent || w->lost || w->missed;
        }
        pthread_mutex_unlock(&ls->lock);
        if (any)
            return 1;
    }
    return 0;
}
