#include "run/latency.h"
#include "run/probe.h"
#include "run/test.h"
#include "proto/errors.h"
#include "host/host.h"
#include "host/transport.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

/* How often a waiting thread looks at the stop flag, at the longest. */
#define STOP_CHECK_NS 10000000ull
/* Datagrams taken per receive call. */
#define RX_BATCH 16
/* The loss bound: a request without a reply for this long is lost. At
 * least a second (ping's wait), more when the path's round trips are
 * long: LOSS_RTTS times the longest seen, at most LOSS_MAX_NS. */
#define LOSS_MIN_NS 1000000000ull
#define LOSS_MAX_NS 10000000000ull
#define LOSS_RTTS 4
/* A reliable stream's replies still due at the end are waited for this long. */
#define DRAIN_RELIABLE_NS 2000000000ull
/* Requests a client keeps track of at once, at most (--latency-rate at
 * the highest rates: past this a send time is missed). */
#define RING_MAX (1u << 18)

enum slot_state { SLOT_FREE, SLOT_OUT, SLOT_DONE };

/* A request the client sent. */
struct slot {
    uint64_t seq;
    uint64_t sent_ns;           /* monotonic */
    uint8_t state;              /* enum slot_state */
    uint8_t counted;            /* sent after the -O period */
};

struct lstream {
    struct latency_engine *e;
    struct stream *st;
    pthread_t thread;
    int started;

    pthread_mutex_t lock;       /* win and cur, between this thread and
                                   the main thread's latency_take */
    struct latency_window win[2];
    int cur;
    _Atomic int done;

    /* The thread's own. */
    int limited;                /* -k/-n: the stream sends its share, no more */
    uint64_t share;             /* counted requests to send (may be 0) */
    uint64_t counted_sent;
    uint64_t next_seq, oldest, outstanding;
    uint64_t max_rtt;
    struct slot *ring;
    uint64_t mask;
    unsigned char *out;         /* the message being written */
    size_t out_off, out_len;
    unsigned char *in;          /* a byte stream's message being read */
    size_t in_have;
    unsigned char *rx;          /* datagrams: RX_BATCH receive buffers */
    size_t rx_cap;
    unsigned char *tx;          /* server, datagrams: RX_BATCH replies */
    uint64_t received;          /* server, datagrams: requests taken */
};

struct latency_engine {
    struct test *t;
    _Atomic int stop;
    uint64_t count_from_ns;     /* the -O period's end */
    int datagram;
    int one_way;
    uint32_t request, reply;
    double rate;
    int n;
    struct lstream s[];
};

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

static int stopping(const struct latency_engine *e)
{
    return atomic_load_explicit(&e->stop, memory_order_acquire);
}

static void stream_failed(struct lstream *ls, int rc)
{
    struct stream *st = ls->st;
    st->failed_errno = errno;
    const char *why = host_take_error(NULL);
    snprintf(st->failed_why, sizeof st->failed_why, "%s", why ? why : "");
    atomic_store_explicit(&st->failed, rc, memory_order_release);
}

/* Wait for the stream's descriptor (events) or until ns have passed. */
static void wait_fd(const struct lstream *ls, short events, uint64_t ns)
{
    if (ns > STOP_CHECK_NS)
        ns = STOP_CHECK_NS;
    struct pollfd p = { .fd = ls->st->fd, .events = events };
    struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ns };
    (void)ppoll(&p, 1, &ts, NULL);
}

/* The current window, for one update. */
static struct latency_window *lock_window(struct lstream *ls)
{
    pthread_mutex_lock(&ls->lock);
    return &ls->win[ls->cur];
}

static void unlock_window(struct lstream *ls)
{
    pthread_mutex_unlock(&ls->lock);
}

/* Write what is left of the pending message: 1 when it all went, 0 when
 * the transport would block, -1 when the stream failed. */
static int flush(struct lstream *ls)
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
            stream_failed(ls, rc);
            return -1;
        }
    }
    ls->out_off = ls->out_len = 0;
    return 1;
}

/* ---------------------------------------------------------------- client */

static uint64_t loss_bound(const struct lstream *ls)
{
    uint64_t b = ls->max_rtt * LOSS_RTTS;
    return b < LOSS_MIN_NS ? LOSS_MIN_NS : b > LOSS_MAX_NS ? LOSS_MAX_NS : b;
}

static int share_left(const struct lstream *ls)
{
    return !ls->limited || ls->counted_sent < ls->share;
}

/* One request, stamped just before it goes. 0, or -1 when the stream failed. */
static int send_request(struct lstream *ls)
{
    struct latency_engine *e = ls->e;
    uint64_t now = host_now_ns();
    struct slot *sl = &ls->ring[ls->next_seq & ls->mask];
    int counted = now >= e->count_from_ns;
    if (sl->state == SLOT_OUT) {
        /* As many requests in flight as the client can follow: this send
         * time is missed. */
        if (counted) {
            lock_window(ls)->missed++;
            unlock_window(ls);
        }
        return 0;
    }
    struct probe_msg m = { .kind = PROBE_REQUEST, .seq = ls->next_seq, .c_mono = now,
                           .c_real = probe_realtime_ns() };
    *sl = (struct slot){ .seq = ls->next_seq, .sent_ns = now, .state = SLOT_OUT, .counted = (uint8_t)counted };
    ls->next_seq++;
    ls->outstanding++;
    probe_encode(ls->out, &m);
    ls->out_off = 0;
    ls->out_len = e->request;
    if (counted) {
        ls->counted_sent++;
        lock_window(ls)->sent++;
        unlock_window(ls);
    }
    struct stream *st = ls->st;
    st->ctr.bytes += e->request;
    st->ctr.blocks++;
    if (e->datagram)
        st->ctr.packets++;
    return flush(ls) < 0 ? -1 : 0;
}

static void reply_came(struct lstream *ls, const unsigned char *buf, size_t len, uint64_t t4, uint64_t t4_real)
{
    struct latency_engine *e = ls->e;
    struct probe_msg m;
    if (probe_decode(buf, len, PROBE_REPLY, &m) != 0 || m.seq >= ls->next_seq)
        return;                 /* not an answer to anything we sent */
    struct slot *sl = &ls->ring[m.seq & ls->mask];
    if (sl->seq != m.seq || sl->state != SLOT_OUT)
        return;                 /* late (already lost) or a duplicate */
    sl->state = SLOT_DONE;
    ls->outstanding--;
    uint64_t rtt = t4 > sl->sent_ns ? t4 - sl->sent_ns : 0;
    if (rtt > ls->max_rtt)
        ls->max_rtt = rtt;
    if (!sl->counted)
        return;
    struct latency_window *w = lock_window(ls);
    hist_record(&w->rtt, rtt);
    if (e->one_way) {
        /* One clock read at both ends; a negative difference can only be
         * the clocks' disagreement, shown as 0. */
        hist_record(&w->fwd, m.s_rx > m.c_real ? m.s_rx - m.c_real : 0);
        hist_record(&w->rev, t4_real > m.s_tx ? t4_real - m.s_tx : 0);
    }
    unlock_window(ls);
}

/* Read every reply there is. 0, or -1 when the stream failed. */
static int read_replies(struct lstream *ls)
{
    struct latency_engine *e = ls->e;
    const struct weir_plugin *tp = e->t->transport;
    for (;;) {
        int rc;
        if (e->datagram) {
            struct weir_datagram d[RX_BATCH];
            memset(d, 0, sizeof d);
            for (int i = 0; i < RX_BATCH; i++) {
                d[i].buf = ls->rx + (size_t)i * ls->rx_cap;
                d[i].cap = ls->rx_cap;
            }
            uint32_t got = 0;
            rc = transport_recv_datagrams(tp, ls->st->ctx, d, RX_BATCH, &got);
            if (rc == WEIR_OK) {
                uint64_t t4 = host_now_ns(), t4_real = probe_realtime_ns();
                for (uint32_t i = 0; i < got; i++)
                    if (!(d[i].flags & WEIR_DATAGRAM_TRUNCATED) && d[i].len == e->reply)
                        reply_came(ls, d[i].buf, d[i].len, t4, t4_real);
                continue;
            }
        } else {
            size_t got = 0;
            rc = transport_read_bytes(tp, ls->st->ctx, ls->in + ls->in_have, e->reply - ls->in_have, &got);
            if (rc == WEIR_OK) {
                ls->in_have += got;
                if (ls->in_have == e->reply) {
                    uint64_t t4 = host_now_ns(), t4_real = probe_realtime_ns();
                    ls->in_have = 0;
                    reply_came(ls, ls->in, e->reply, t4, t4_real);
                }
                continue;
            }
        }
        if (rc == WEIR_E_AGAIN)
            return 0;
        stream_failed(ls, rc);
        return -1;
    }
}

/* Datagrams: requests past the loss bound are lost (all of them with
 * all_due, at the end). Also moves oldest past the answered ones. Returns
 * when the oldest request still due will be, 0 for none. */
static uint64_t expire(struct lstream *ls, uint64_t now, int all_due)
{
    uint64_t bound = loss_bound(ls);
    while (ls->oldest < ls->next_seq) {
        struct slot *sl = &ls->ring[ls->oldest & ls->mask];
        if (sl->seq != ls->oldest || sl->state != SLOT_OUT) {
            ls->oldest++;
            continue;
        }
        if (!ls->e->datagram)
            return 0;
        uint64_t due = sl->sent_ns + bound;
        if (!all_due && now < due)
            return due;
        sl->state = SLOT_DONE;
        ls->outstanding--;
        ls->oldest++;
        if (sl->counted) {
            lock_window(ls)->lost++;
            unlock_window(ls);
        }
    }
    return 0;
}

static void client_drain(struct lstream *ls)
{
    struct latency_engine *e = ls->e;
    uint64_t until = host_now_ns() + (e->datagram ? loss_bound(ls) : DRAIN_RELIABLE_NS);
    while (ls->outstanding > 0) {
        uint64_t now = host_now_ns();
        if (now >= until)
            break;
        if ((ls->out_len && flush(ls) < 0) || read_replies(ls) < 0)
            return;
        expire(ls, now, 0);
        if (ls->outstanding > 0)
            wait_fd(ls, (short)(POLLIN | (ls->out_len ? POLLOUT : 0)), until - now);
    }
    if (e->datagram)
        expire(ls, host_now_ns(), 1);
}

static void *client_main(void *arg)
{
    struct lstream *ls = arg;
    struct latency_engine *e = ls->e;
    uint64_t period = e->rate > 0 ? (uint64_t)(1e9 / e->rate) : 0;
    if (e->rate > 0 && period == 0)
        period = 1;
    uint64_t next_slot = host_now_ns();
    /* Wake at the send time, not up to the default 50 us after it. */
    (void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    while (!stopping(e)) {
        uint64_t now = host_now_ns();
        if (ls->out_len && flush(ls) < 0)
            return NULL;
        if (period) {
            if (now >= next_slot) {
                /* The send times that passed since: one request for the
                 * latest, the others missed. */
                uint64_t passed = (now - next_slot) / period;
                next_slot += (passed + 1) * period;
                if (share_left(ls)) {
                    uint64_t missed = passed + (ls->out_len ? 1 : 0);
                    if (missed && now >= e->count_from_ns) {
                        lock_window(ls)->missed += missed;
                        unlock_window(ls);
                    }
                    if (!ls->out_len && send_request(ls) < 0)
                        return NULL;
                }
            }
        } else if (!ls->outstanding && !ls->out_len && share_left(ls)) {
            if (send_request(ls) < 0)
                return NULL;
        }
        if (read_replies(ls) < 0)
            return NULL;
        now = host_now_ns();
        uint64_t loss_due = expire(ls, now, 0);
        if (!share_left(ls) && !ls->outstanding && !ls->out_len)
            atomic_store_explicit(&ls->done, 1, memory_order_release);
        /* Back to back with nothing due: send at once. */
        if (!period && !ls->outstanding && !ls->out_len && share_left(ls))
            continue;
        uint64_t wait = STOP_CHECK_NS;
        if (period && share_left(ls))
            wait = next_slot > now ? next_slot - now : 0;
        if (loss_due && loss_due - now < wait)
            wait = loss_due > now ? loss_due - now : 0;
        if (wait)
            wait_fd(ls, (short)(POLLIN | (ls->out_len ? POLLOUT : 0)), wait);
    }
    client_drain(ls);
    return NULL;
}

/* ---------------------------------------------------------------- server */

/* The reply to request m into buf (reply bytes, padding zeroed once). */
static void make_reply(unsigned char *buf, const struct probe_msg *m, uint64_t s_rx)
{
    struct probe_msg r = *m;
    r.kind = PROBE_REPLY;
    r.s_rx = s_rx;
    r.s_tx = probe_realtime_ns();
    probe_encode(buf, &r);
}

/* A request came: its bytes, and over datagrams iperf3's receiver figures
 * (the highest sequence number seen, and the gaps below it: the requests
 * lost on their way here), so that the results exchange carries them. */
static void count_request(struct lstream *ls, uint64_t seq)
{
    struct stream *st = ls->st;
    st->ctr.bytes += ls->e->request;
    st->ctr.blocks++;
    if (!ls->e->datagram)
        return;
    ls->received++;
    if (seq + 1 > st->ctr.packets)
        st->ctr.packets = seq + 1;
    st->ctr.lost = st->ctr.packets > ls->received ? st->ctr.packets - ls->received : 0;
}

/* Datagrams: every request there is, answered in one batch. A reply the
 * socket cannot take now is dropped, as a full queue on the path would
 * drop it: the client counts it lost. */
static int echo_datagrams(struct lstream *ls)
{
    struct latency_engine *e = ls->e;
    const struct weir_plugin *tp = e->t->transport;
    for (;;) {
        struct weir_datagram d[RX_BATCH], r[RX_BATCH];
        memset(d, 0, sizeof d);
        for (int i = 0; i < RX_BATCH; i++) {
            d[i].buf = ls->rx + (size_t)i * ls->rx_cap;
            d[i].cap = ls->rx_cap;
        }
        uint32_t got = 0, n = 0;
        int rc = transport_recv_datagrams(tp, ls->st->ctx, d, RX_BATCH, &got);
        if (rc == WEIR_E_AGAIN)
            return 0;
        if (rc != WEIR_OK) {
            stream_failed(ls, rc);
            return -1;
        }
        uint64_t s_rx = probe_realtime_ns();
        for (uint32_t i = 0; i < got; i++) {
            struct probe_msg m;
            if ((d[i].flags & WEIR_DATAGRAM_TRUNCATED) || d[i].len != e->request ||
                probe_decode(d[i].buf, d[i].len, PROBE_REQUEST, &m) != 0)
                continue;
            count_request(ls, m.seq);
            unsigned char *buf = ls->tx + (size_t)n * e->reply;
            make_reply(buf, &m, s_rx);
            r[n++] = (struct weir_datagram){ .buf = buf, .len = e->reply, .ecn = WEIR_ECN_UNSET };
        }
        for (uint32_t done = 0; done < n;) {
            uint32_t sent = 0;
            rc = transport_send_datagrams(tp, ls->st->ctx, r + done, n - done, &sent);
            if (rc == WEIR_E_AGAIN)
                break;
            if (rc != WEIR_OK) {
                stream_failed(ls, rc);
                return -1;
            }
            done += sent;
        }
    }
}

/* A byte stream: one request at a time, read exactly; while its reply
 * cannot be written whole, nothing more is read. */
static int echo_bytes(struct lstream *ls)
{
    struct latency_engine *e = ls->e;
    const struct weir_plugin *tp = e->t->transport;
    while (!ls->out_len) {
        size_t got = 0;
        int rc = transport_read_bytes(tp, ls->st->ctx, ls->in + ls->in_have, e->request - ls->in_have, &got);
        if (rc == WEIR_E_AGAIN)
            return 0;
        if (rc != WEIR_OK) {
            stream_failed(ls, rc);
            return -1;
        }
        ls->in_have += got;
        if (ls->in_have < e->request)
            continue;
        uint64_t s_rx = probe_realtime_ns();
        ls->in_have = 0;
        struct probe_msg m;
        if (probe_decode(ls->in, e->request, PROBE_REQUEST, &m) != 0) {
            host_services()->set_error(WEIR_E_STREAMREAD, "--latency: the client sent something that is not a probe");
            stream_failed(ls, WEIR_E_STREAMREAD);
            return -1;
        }
        count_request(ls, m.seq);
        make_reply(ls->out, &m, s_rx);
        ls->out_off = 0;
        ls->out_len = e->reply;
        if (flush(ls) < 0)
            return -1;
    }
    return 0;
}

static void *server_main(void *arg)
{
    struct lstream *ls = arg;
    struct latency_engine *e = ls->e;
    while (!stopping(e) && !atomic_load_explicit(&ls->st->failed, memory_order_relaxed)) {
        if (ls->out_len && flush(ls) < 0)
            break;
        if ((e->datagram ? echo_datagrams(ls) : echo_bytes(ls)) < 0)
            break;
        wait_fd(ls, ls->out_len ? POLLOUT : POLLIN, STOP_CHECK_NS);
    }
    return NULL;
}

/* ---------------------------------------------------------------- engine */

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
    if (pthread_mutex_init(&ls->lock, NULL) != 0)
        return WEIR_E_NOMEM;
    size_t msg = e->request > e->reply ? e->request : e->reply;
    ls->out = calloc(1, msg);
    ls->in = calloc(1, msg);
    if (t->role == WEIR_ROLE_CLIENT) {
        uint64_t n = ring_size(e->rate);
        ls->ring = calloc(n, sizeof *ls->ring);
        ls->mask = n - 1;
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
    int ok = ls->out && ls->in && (t->role != WEIR_ROLE_CLIENT || ls->ring) &&
             (!e->datagram || (ls->rx && (t->role != WEIR_ROLE_SERVER || ls->tx)));
    return ok ? WEIR_OK : WEIR_E_NOMEM;
}

int latency_start(struct test *t)
{
    int n = t->n_streams;
    struct latency_engine *e = calloc(1, sizeof *e + (size_t)n * sizeof e->s[0]);
    if (!e)
        return WEIR_E_NOMEM;
    t->latency = e;
    e->t = t;
    e->n = n;
    e->datagram = !(t->transport->transport->caps & WEIR_CAP_RELIABLE);
    e->one_way = t->latency_clock != NULL;
    e->request = t->p.weir_latency.request;
    e->reply = t->p.weir_latency.reply;
    e->rate = t->p.weir_latency.rate;
    e->count_from_ns = t->running_since_ns + (uint64_t)t->p.omit * 1000000000u;
    for (int i = 0; i < n; i++) {
        int rc = stream_setup(e, &e->s[i], i);
        if (rc != WEIR_OK)
            return rc;
    }
    /* Not the signals meant for the main thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = WEIR_OK;
    for (int i = 0; i < n && rc == WEIR_OK; i++) {
        struct lstream *ls = &e->s[i];
        if (pthread_create(&ls->thread, NULL, t->role == WEIR_ROLE_CLIENT ? client_main : server_main, ls) != 0)
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
        free(ls->ring);
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

void latency_take(struct test *t, int i, struct latency_window *out)
{
    struct latency_engine *e = t->latency;
    if (!e || i >= e->n || !e->s[i].e) {
        latency_window_reset(out);
        return;
    }
    struct lstream *ls = &e->s[i];
    pthread_mutex_lock(&ls->lock);
    int c = ls->cur;
    ls->cur = !c;
    pthread_mutex_unlock(&ls->lock);
    /* Only this thread swaps: the stream writes the other window now. */
    memcpy(out, &ls->win[c], sizeof *out);
    latency_window_reset(&ls->win[c]);
}

int latency_pending(struct test *t)
{
    struct latency_engine *e = t->latency;
    for (int i = 0; e && i < e->n; i++) {
        struct lstream *ls = &e->s[i];
        if (!ls->e)
            continue;
        pthread_mutex_lock(&ls->lock);
        const struct latency_window *w = &ls->win[ls->cur];
        int any = w->rtt.count || w->sent || w->lost || w->missed;
        pthread_mutex_unlock(&ls->lock);
        if (any)
            return 1;
    }
    return 0;
}
