/* --latency, the server's side of a probe stream: each request echoed as
 * a reply of the negotiated size with its receive and send times
 * (run/latency.h). */
#include "run/latency_int.h"
#include "run/probe.h"
#include "run/test.h"
#include "host/host.h"
#include "host/transport.h"

#include <poll.h>
#include <string.h>

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
    /* Back to back the client has one request out at most: no batch. */
    uint32_t batch = e->rate > 0 ? RX_BATCH : 1;
    for (;;) {
        struct weir_datagram d[RX_BATCH], r[RX_BATCH];
        memset(d, 0, batch * sizeof d[0]);
        for (uint32_t i = 0; i < batch; i++) {
            d[i].buf = ls->rx + (size_t)i * ls->rx_cap;
            d[i].cap = ls->rx_cap;
        }
        uint32_t got = 0, n = 0;
        int rc = transport_recv_datagrams(tp, ls->st->ctx, d, batch, &got);
        if (rc == WEIR_E_AGAIN)
            return 0;
        if (rc != WEIR_OK) {
            latency_failed(ls, rc);
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
                latency_failed(ls, rc);
                return -1;
            }
            done += sent;
        }
        if (got < batch)
            return 0;           /* the socket is empty (readiness tells of more): no call to learn it */
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
            latency_failed(ls, rc);
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
            latency_failed(ls, WEIR_E_STREAMREAD);
            return -1;
        }
        count_request(ls, m.seq);
        make_reply(ls->out, &m, s_rx);
        ls->out_off = 0;
        ls->out_len = e->reply;
        if (latency_flush(ls) < 0)
            return -1;
    }
    return 0;
}

void *latency_server_main(void *arg)
{
    struct lstream *ls = arg;
    struct latency_engine *e = ls->e;
    latency_sleep_in_receive(ls);
    while (!latency_stopping(e) && !atomic_load_explicit(&ls->st->failed, memory_order_relaxed)) {
        if (ls->out_len && latency_flush(ls) < 0)
            break;
        if ((e->datagram ? echo_datagrams(ls) : echo_bytes(ls)) < 0)
            break;
        if (!LATENCY_RECEIVE_SLEEPS(ls))
            latency_wait_fd(ls, ls->out_len ? POLLOUT : POLLIN, STOP_CHECK_NS);
    }
    return NULL;
}
