/* --latency, the client's side of a probe stream: requests on time, the
 * replies, round trips and one-way delays, losses (run/latency.h). */
#include "run/latency_int.h"
#include "run/probe.h"
#include "run/test.h"
#include "host/host.h"
#include "host/transport.h"

#include <poll.h>
#include <string.h>
#include <sys/prctl.h>

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
    int counted = now >= e->count_from_ns;
    uint64_t seq;
    if (probe_ring_send(&ls->ring, now, counted, &seq) != 0) {
        /* As many requests in flight as the client can follow: this send
         * time is missed. */
        if (counted) {
            latency_lock_window(ls, now)->missed++;
            latency_unlock_window(ls);
        }
        return 0;
    }
    /* The wall clock only where one-way delays are worked out from it. */
    struct probe_msg m = { .kind = PROBE_REQUEST, .seq = seq, .c_mono = now,
                           .c_real = e->one_way ? probe_realtime_ns() : 0 };
    probe_encode(ls->out, &m);
    ls->out_off = 0;
    ls->out_len = e->request;
    if (counted) {
        ls->counted_sent++;
        latency_lock_window(ls, now)->sent++;
        latency_unlock_window(ls);
    }
    struct stream *st = ls->st;
    st->ctr.bytes += e->request;
    st->ctr.blocks++;
    if (e->datagram)
        st->ctr.packets++;
    return latency_flush(ls) < 0 ? -1 : 0;
}

static void reply_came(struct lstream *ls, const unsigned char *buf, size_t len, uint64_t t4, uint64_t t4_real)
{
    struct latency_engine *e = ls->e;
    struct probe_msg m;
    uint64_t sent_ns;
    int counted;
    /* Not a reply, or none to count: unknown, late or a duplicate. */
    if (probe_decode(buf, len, PROBE_REPLY, &m) != 0 || !probe_ring_answer(&ls->ring, m.seq, &sent_ns, &counted))
        return;
    uint64_t rtt = t4 > sent_ns ? t4 - sent_ns : 0;
    if (rtt > ls->max_rtt)
        ls->max_rtt = rtt;
    if (!counted)
        return;
    struct latency_window *w = latency_lock_window(ls, t4);
    hist_record(&w->rtt, rtt);
    if (e->load_from_ns)
        hist_record(sent_ns < e->load_from_ns ? &ls->idle : &ls->loaded, rtt);
    if (e->one_way) {
        /* One clock read at both ends; a negative difference can only be
         * the clocks' disagreement, shown as 0. */
        hist_record(&w->fwd, m.s_rx > m.c_real ? m.s_rx - m.c_real : 0);
        hist_record(&w->rev, t4_real > m.s_tx ? t4_real - m.s_tx : 0);
    }
    latency_unlock_window(ls);
}

/* Read every reply there is. 0, or -1 when the stream failed. */
static int read_replies(struct lstream *ls)
{
    struct latency_engine *e = ls->e;
    const struct weir_plugin *tp = e->t->transport;
    for (;;) {
        int rc;
        if (e->datagram) {
            /* Back to back one reply is due at most: no batch. */
            uint32_t n = e->rate > 0 ? RX_BATCH : 1;
            struct weir_datagram d[RX_BATCH];
            memset(d, 0, n * sizeof d[0]);
            for (uint32_t i = 0; i < n; i++) {
                d[i].buf = ls->rx + (size_t)i * ls->rx_cap;
                d[i].cap = ls->rx_cap;
            }
            uint32_t got = 0;
            rc = transport_recv_datagrams(tp, ls->st->ctx, d, n, &got);
            if (rc == WEIR_OK) {
                uint64_t t4 = host_now_ns(), t4_real = e->one_way ? probe_realtime_ns() : 0;
                for (uint32_t i = 0; i < got; i++)
                    if (!(d[i].flags & WEIR_DATAGRAM_TRUNCATED) && d[i].len == e->reply)
                        reply_came(ls, d[i].buf, d[i].len, t4, t4_real);
                if (got < n)
                    return 0;   /* the socket is empty (readiness tells of more): no call to learn it */
                if (ls->sleeps && !ls->ring.outstanding)
                    return 0;   /* no reply due: another receive would only sleep */
                continue;
            }
        } else {
            size_t got = 0;
            rc = transport_read_bytes(tp, ls->st->ctx, ls->in + ls->in_have, e->reply - ls->in_have, &got);
            if (rc == WEIR_OK) {
                ls->in_have += got;
                if (ls->in_have == e->reply) {
                    uint64_t t4 = host_now_ns(), t4_real = e->one_way ? probe_realtime_ns() : 0;
                    ls->in_have = 0;
                    reply_came(ls, ls->in, e->reply, t4, t4_real);
                    /* No reply due: another receive would only sleep. */
                    if (ls->sleeps && !ls->ring.outstanding)
                        return 0;
                }
                continue;
            }
        }
        if (rc == WEIR_E_AGAIN)
            return 0;
        latency_failed(ls, rc);
        return -1;
    }
}

/* Datagrams: requests past the loss bound are lost (all of them with
 * all_due, at the end). Returns when the oldest request still due will
 * be, 0 for none. */
static uint64_t expire(struct lstream *ls, uint64_t now, int all_due)
{
    uint64_t lost = 0;
    uint64_t due = probe_ring_expire(&ls->ring, now, ls->e->datagram ? loss_bound(ls) : 0,
                                     all_due && ls->e->datagram, &lost);
    if (lost) {
        latency_lock_window(ls, now)->lost += lost;
        latency_unlock_window(ls);
    }
    return due;
}

static void client_drain(struct lstream *ls)
{
    struct latency_engine *e = ls->e;
    uint64_t until = host_now_ns() + (e->datagram ? loss_bound(ls) : DRAIN_RELIABLE_NS);
    while (ls->ring.outstanding > 0) {
        uint64_t now = host_now_ns();
        if (now >= until)
            break;
        if ((ls->out_len && latency_flush(ls) < 0) || read_replies(ls) < 0)
            return;
        expire(ls, now, 0);
        if (ls->ring.outstanding > 0 && !LATENCY_RECEIVE_SLEEPS(ls))
            latency_wait_fd(ls, (short)(POLLIN | (ls->out_len ? POLLOUT : 0)), until - now);
    }
    if (e->datagram)
        expire(ls, host_now_ns(), 1);
}

void *latency_client_main(void *arg)
{
    struct lstream *ls = arg;
    struct latency_engine *e = ls->e;
    /* ns between due times; at most 10^6 per second, so never 0. */
    uint64_t period = e->rate > 0 ? (uint64_t)(1e9 / e->rate) : 0;
    /* Send times at the run's start and every period after it, strictly
     * before -t's end: at 0.5/s over -t 4, at 0 s and 2 s. */
    uint64_t next_slot = e->t->running_since_ns;
    /* Wake at the send time, not up to the default 50 us after it. */
    (void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    /* Back to back, the thread waits only for replies: in the receive. */
    if (!period)
        latency_sleep_in_receive(ls);
    while (!latency_stopping(e)) {
        uint64_t now = host_now_ns();
        if (ls->out_len && latency_flush(ls) < 0)
            return NULL;
        if (period) {
            if (e->end_ns && next_slot >= e->end_ns) {
                /* No send time is left before the end. */
            } else if (now >= next_slot) {
                /* The send times that passed since: one request for the
                 * latest, the others missed. */
                uint64_t passed = (now - next_slot) / period;
                next_slot += (passed + 1) * period;
                if (share_left(ls)) {
                    uint64_t missed = passed + (ls->out_len ? 1 : 0);
                    if (missed && now >= e->count_from_ns) {
                        latency_lock_window(ls, now)->missed += missed;
                        latency_unlock_window(ls);
                    }
                    if (!ls->out_len && send_request(ls) < 0)
                        return NULL;
                }
            }
        } else if (!ls->ring.outstanding && !ls->out_len && share_left(ls)) {
            if (send_request(ls) < 0)
                return NULL;
            /* Its reply cannot be here yet: wait for it first (or read
             * at once, when the read sleeps until it comes). */
            if (!ls->out_len) {
                if (!ls->sleeps)
                    latency_wait_fd(ls, POLLIN, STOP_CHECK_NS);
                continue;
            }
        }
        if (read_replies(ls) < 0)
            return NULL;
        now = host_now_ns();
        uint64_t loss_due = expire(ls, now, 0);
        if (!share_left(ls) && !ls->ring.outstanding && !ls->out_len)
            atomic_store_explicit(&ls->done, 1, memory_order_release);
        /* Back to back with nothing due: send at once. */
        if (!period && !ls->ring.outstanding && !ls->out_len && share_left(ls))
            continue;
        uint64_t wait = STOP_CHECK_NS;
        if (period && share_left(ls))
            wait = next_slot > now ? next_slot - now : 0;
        if (loss_due && loss_due - now < wait)
            wait = loss_due > now ? loss_due - now : 0;
        if (wait && !LATENCY_RECEIVE_SLEEPS(ls))
            latency_wait_fd(ls, (short)(POLLIN | (ls->out_len ? POLLOUT : 0)), wait);
    }
    client_drain(ls);
    return NULL;
}
