/* quic transport: packets in and out of one connection. ngtcp2 builds and
 * reads the packets; they travel through udp's send_datagrams and
 * recv_datagrams. A batch is up to QUIC_TX_ENTRIES entries, each a run of
 * equal-sized packets back to back that udp sends with one GSO call
 * (segment = the packet size), all entries with one sendmmsg. Receives
 * come GRO-coalesced (WEIR_LOWER_GRO) and are split by segment size.
 * Packets a full socket buffer refused wait in the batch for the next
 * call. */
#include "quic_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* The idle timeout that held: the lower of both ends' announcements. */
static uint64_t idle_timeout_ms(const struct quic_stream *s)
{
    uint64_t ms = s->idle_ms;
    const ngtcp2_transport_params *tp = ngtcp2_conn_get_remote_transport_params(s->conn);
    uint64_t peer = tp ? tp->max_idle_timeout / NGTCP2_MILLISECONDS : 0;
    return peer && peer < ms ? peer : ms;
}

static int conn_failed(struct quic_stream *s, const char *what, int rv)
{
    s->failed = 1;
    if (rv == NGTCP2_ERR_DRAINING || rv == NGTCP2_ERR_CLOSING)
        s->closed_by_peer = 1;
    if (rv == NGTCP2_ERR_CRYPTO && s->verify_failed)
        snprintf(s->why, sizeof s->why, "%s", s->verify_why);
    else if (rv == NGTCP2_ERR_CRYPTO)
        snprintf(s->why, sizeof s->why, "%s: TLS alert %u (%s)", what, ngtcp2_conn_get_tls_alert(s->conn),
                 gnutls_alert_get_strname((gnutls_alert_description_t)ngtcp2_conn_get_tls_alert(s->conn))
                     ?: "?");
    else if (rv == NGTCP2_ERR_IDLE_CLOSE)
        snprintf(s->why, sizeof s->why, "the peer was silent for %g s (QUIC idle timeout)",
                 (double)idle_timeout_ms(s) / 1000.0);
    else if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT)
        snprintf(s->why, sizeof s->why, "the QUIC handshake did not finish in time");
    else if (rv == NGTCP2_ERR_DRAINING)
        snprintf(s->why, sizeof s->why, "the peer closed the QUIC connection");
    else
        snprintf(s->why, sizeof s->why, "%s: %s", what, ngtcp2_strerror(rv));
    return -1;
}

/* Send what the batch holds, from the first entry not yet sent. 1 when
 * all of it went, 0 when the socket buffer is full, -1 on error. */
static int send_batch(struct quic_stream *s)
{
    struct weir_datagram dgs[QUIC_TX_ENTRIES];
    while (s->tx_sent < s->tx_n) {
        uint32_t n = 0;
        for (uint32_t i = s->tx_sent; i < s->tx_n; i++, n++) {
            const struct quic_tx_entry *e = &s->tx[i];
            memset(&dgs[n], 0, sizeof dgs[n]);
            dgs[n].buf = e->buf;
            dgs[n].len = e->len;
            dgs[n].segment = e->len > e->seg ? (uint32_t)e->seg : 0;
            dgs[n].ecn = e->ecn ? e->ecn : WEIR_ECN_UNSET;
        }
        uint32_t sent = 0;
        int rc = s->lower->send_datagrams(s->lower_stream, dgs, n, &sent);
        if (rc == WEIR_E_AGAIN)
            return 0;
        if (rc != WEIR_OK && (errno == EPERM || errno == EHOSTUNREACH || errno == ENETUNREACH)) {
            /* A firewall (or the route) refused the first entry: for
             * QUIC that is loss, which ngtcp2 detects and repairs. */
            s->tx_sent++;
            continue;
        }
        if (rc != WEIR_OK) {
            s->failed = 1;
            snprintf(s->why, sizeof s->why, "sending QUIC packets: %s", strerror(errno));
            return -1;
        }
        s->tx_sent += sent;
        if (sent < n)
            return 0;
    }
    s->tx_n = s->tx_sent = 0;
    return 1;
}

/* Where the next packet goes: the end of the open entry, or a new one.
 * NULL when the batch is full. */
static unsigned char *next_slot(struct quic_stream *s)
{
    if (s->tx_n) {
        struct quic_tx_entry *e = &s->tx[s->tx_n - 1];
        if (!e->len)
            return e->buf;      /* still being filled (WRITE_MORE) */
        if (!e->closed && e->len + s->max_pkt <= QUIC_TX_ENTRY_BYTES &&
            e->len / e->seg < WEIR_DATAGRAM_MAX_SEGMENTS)
            return e->buf + e->len;
        e->closed = 1;
    }
    if (s->tx_n == QUIC_TX_ENTRIES)
        return NULL;
    struct quic_tx_entry *e = &s->tx[s->tx_n++];
    e->len = e->seg = 0;
    e->closed = 0;
    return e->buf;
}

/* A packet of len bytes was written at the slot next_slot gave. */
static void took_slot(struct quic_stream *s, size_t len, int ecn)
{
    struct quic_tx_entry *e = &s->tx[s->tx_n - 1];
    if (e->len && (len > e->seg || ecn != e->ecn)) {
        /* Not one of the run: it starts an entry of its own (there is
         * room: next_slot left one for it, or this is the last). */
        unsigned char *at = e->buf + e->len;
        e->closed = 1;
        if (s->tx_n < QUIC_TX_ENTRIES) {
            struct quic_tx_entry *n = &s->tx[s->tx_n++];
            memmove(n->buf, at, len);
            n->len = n->seg = len;
            n->ecn = ecn;
            n->closed = 0;
            s->pkts_sent++;
            return;
        }
        /* No entry left: the packet is dropped, as a full queue would;
         * ngtcp2 declares it lost and sends its frames again. */
        return;
    }
    if (!e->len) {
        e->seg = len;
        e->ecn = ecn;
    } else if (len < e->seg) {
        e->closed = 1;  /* a shorter packet ends a GSO run */
    }
    e->len += len;
    s->pkts_sent++;
}

/* The stream the next packet's payload comes from: round robin over those
 * flow control lets send; nstreams when none may (or none is open). */
static uint32_t next_stream(const struct quic_stream *s)
{
    for (uint32_t k = 0; k < s->nstreams; k++) {
        uint32_t i = (s->next + k) % s->nstreams;
        if (!s->stream_blocked[i])
            return i;
    }
    return s->nstreams;
}

int quic_flush(struct quic_stream *s, uint64_t budget, uint64_t *wrote)
{
    *wrote = 0;
    if (s->failed)
        return -1;
    int r = send_batch(s);
    if (r <= 0)
        return r;
    uint64_t ts = quic_now(s->g);
    s->max_pkt = ngtcp2_conn_get_max_tx_udp_payload_size(s->conn);
    size_t quantum = ngtcp2_conn_get_send_quantum(s->conn);
    size_t max_pkts = quantum / s->max_pkt;
    if (max_pkts < 1)
        max_pkts = 1;
    size_t pkts = 0;
    for (;;) {
        /* A datagram packet that fits no run needs an entry of its own:
         * took_slot would drop it with the batch full, and it is never
         * sent again. Stop while one is still free. */
        if (s->datagrams && s->tx_n == QUIC_TX_ENTRIES)
            break;
        unsigned char *dst = next_slot(s);
        if (!dst)
            break;
        if (s->datagrams) {
            /* One datagram per packet while the budget has one. */
            int accepted = 0;
            ngtcp2_pkt_info pi = { 0 };
            ngtcp2_ssize n = quic_dgram_write(s, dst, s->max_pkt, &pi, budget >= s->blksize, ts, &accepted);
            if (accepted) {
                s->tx_bytes += s->blksize;
                budget -= s->blksize;
                *wrote += s->blksize;
            }
            if (n <= 0) {
                if (s->tx_n && s->tx[s->tx_n - 1].len == 0)
                    s->tx_n--;     /* the slot stays unused */
                if (n == NGTCP2_ERR_INVALID_STATE || n == NGTCP2_ERR_INVALID_ARGUMENT) {
                    s->failed = 1;      /* quic_dgram_write said why */
                    return -1;
                }
                if (n < 0)
                    return conn_failed(s, "building a QUIC packet", (int)n);
                break;          /* congestion, pacing, or nothing to send */
            }
            took_slot(s, (size_t)n, pi.ecn);
            if (++pkts >= max_pkts)
                break;
            continue;
        }
        ngtcp2_vec v[2];
        size_t nv = 0;
        int64_t sid = -1;
        uint32_t idx = budget ? next_stream(s) : s->nstreams;
        if (idx < s->nstreams) {
            uint64_t off = s->tx_bytes % s->tx_ring;
            uint64_t first = s->tx_ring - off < budget ? s->tx_ring - off : budget;
            v[nv].base = s->payload + off;
            v[nv++].len = (size_t)first;
            if (budget > first) {
                v[nv].base = s->payload;
                v[nv++].len = (size_t)(budget - first < s->tx_ring ? budget - first : s->tx_ring);
            }
            sid = s->stream_ids[idx];
        }
        ngtcp2_pkt_info pi = { 0 };
        ngtcp2_ssize datalen = -1;
        /* MORE: room left in the packet goes to the next stream's bytes
         * (WRITE_MORE, then another call). A probe stream has one QUIC
         * stream: its packet is finished in the same call. */
        uint32_t flags = nv && !s->bytes_mode ? NGTCP2_WRITE_STREAM_FLAG_MORE : 0;
        ngtcp2_ssize n = ngtcp2_conn_writev_stream(s->conn, NULL, &pi, dst, s->max_pkt, &datalen, flags, sid,
                                                   v, nv, ts);
        if (datalen > 0) {
            s->stream_bytes[idx] += (uint64_t)datalen;
            s->tx_bytes += (uint64_t)datalen;
            budget -= (uint64_t)datalen;
            *wrote += (uint64_t)datalen;
        }
        if (n == NGTCP2_ERR_WRITE_MORE)
            continue;
        if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
            s->stream_blocked[idx] = 1;
            continue;
        }
        if (n < 0) {
            if (s->tx_n && s->tx[s->tx_n - 1].len == 0)
                s->tx_n--;
            return conn_failed(s, "building a QUIC packet", (int)n);
        }
        if (n == 0) {
            if (s->tx_n && s->tx[s->tx_n - 1].len == 0)
                s->tx_n--;     /* the slot stays unused */
            break;              /* congestion, pacing, or nothing to send */
        }
        took_slot(s, (size_t)n, pi.ecn);
        if (idx < s->nstreams)
            s->next = (idx + 1) % s->nstreams;  /* the next packet: the next stream */
        if (++pkts >= max_pkts)
            break;
    }
    /* ngtcp2's pacer, once the handshake is over: before, it paces with
     * its initial RTT guess (333 ms), which held a client's Finished back
     * some 20 ms on loopback. Never for probes (quic_bytes.c): a paced
     * packet would wait for the probe engine's next call, up to 10 ms. */
    if (s->confirmed && !s->bytes_mode)
        ngtcp2_conn_update_pkt_tx_time(s->conn, ts);
    return send_batch(s) < 0 ? -1 : 0;
}

int quic_feed(struct quic_stream *s, const struct weir_datagram *d)
{
    if (d->flags & WEIR_DATAGRAM_TRUNCATED)
        return 0;       /* not a whole packet: ngtcp2 would drop it */
    uint64_t ts = quic_now(s->g);
    ngtcp2_path path = {
        { (struct sockaddr *)&s->local, s->local_len },
        { (struct sockaddr *)&s->remote, s->remote_len },
        NULL,
    };
    size_t seg = d->segment ? d->segment : d->len;
    ngtcp2_pkt_info pi = { .ecn = d->ecn == WEIR_ECN_UNSET ? 0 : (uint8_t)d->ecn };
    for (size_t off = 0; off < d->len; off += seg) {
        size_t len = d->len - off < seg ? d->len - off : seg;
        s->pkts_recv++;
        int rv = ngtcp2_conn_read_pkt(s->conn, &path, &pi, (const uint8_t *)d->buf + off, len, ts);
        if (rv != 0)
            return conn_failed(s, "reading a QUIC packet", rv);
    }
    return 0;
}

/* Is a datagram waiting? (poll without waiting) */
static int readable_now(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 0) > 0;
}

/* Every datagram waiting to ngtcp2. may_sleep: the first receive may
 * sleep in the lower (after quic_lower_receive_wait); every other one,
 * where the lower would sleep, looks first whether a datagram is there. */
static int pump(struct quic_stream *s, int may_sleep)
{
    struct weir_datagram dgs[QUIC_RX_ENTRIES];
    int any = 0;
    if (s->failed)
        return -1;
    for (int round = 0; round < 4; round++) {
        if (s->lower_sleep_ms && !(may_sleep && round == 0) && !readable_now(s->fd))
            break;
        for (uint32_t i = 0; i < QUIC_RX_ENTRIES; i++) {
            memset(&dgs[i], 0, sizeof dgs[i]);
            dgs[i].buf = s->rx_buf + (size_t)i * WEIR_DATAGRAM_GRO_BYTES;
            dgs[i].cap = WEIR_DATAGRAM_GRO_BYTES;
        }
        uint32_t got = 0;
        int rc = s->lower->recv_datagrams(s->lower_stream, dgs, QUIC_RX_ENTRIES, &got);
        if (rc == WEIR_E_AGAIN)
            break;
        if (rc != WEIR_OK) {
            s->failed = 1;
            snprintf(s->why, sizeof s->why, "receiving QUIC packets failed");
            return -1;
        }
        any = 1;
        for (uint32_t i = 0; i < got; i++)
            if (quic_feed(s, &dgs[i]) < 0)
                return -1;
        if (got < QUIC_RX_ENTRIES)
            break;
    }
    return any;
}

int quic_pump_rx(struct quic_stream *s)
{
    return pump(s, 0);
}

int quic_pump_rx_sleep(struct quic_stream *s)
{
    return pump(s, 1);
}

int quic_timers(struct quic_stream *s)
{
    if (s->failed)
        return -1;
    uint64_t now = quic_now(s->g);
    if (ngtcp2_conn_get_expiry(s->conn) > now)
        return 0;
    int rv = ngtcp2_conn_handle_expiry(s->conn, now);
    return rv ? conn_failed(s, "QUIC timer", rv) : 0;
}

void quic_wait(struct quic_stream *s, int max_ms)
{
    uint64_t now = quic_now(s->g), expiry = ngtcp2_conn_get_expiry(s->conn);
    int ms = max_ms;
    if (expiry <= now)
        return;
    if (expiry - now < (uint64_t)max_ms * 1000000u)
        ms = (int)((expiry - now + 999999u) / 1000000u);
    struct pollfd p = { .fd = s->fd, .events = POLLIN };
    /* A send blocked by a full socket buffer waits for room as well. */
    if (s->tx_sent < s->tx_n)
        p.events |= POLLOUT;
    (void)poll(&p, 1, ms);
}

void quic_stats_take(struct quic_stream *s)
{
    ngtcp2_conn_stat cs;
    ngtcp2_conn_get_conn_stat(s->conn, &cs);
    s->st_cwnd = cs.cwnd;
    s->st_srtt_ns = cs.smoothed_rtt;
    s->st_min_rtt_ns = cs.min_rtt == UINT64_MAX ? 0 : cs.min_rtt;
    s->st_rttvar_ns = cs.rttvar;
    s->st_inflight = cs.bytes_in_flight;
    s->st_pto = cs.pto_count;
}

void quic_send_close(struct quic_stream *s)
{
    if (!s->conn || s->closed_by_peer || ngtcp2_conn_is_in_closing_period(s->conn) ||
        ngtcp2_conn_is_in_draining_period(s->conn))
        return;
    (void)send_batch(s);
    s->tx_n = s->tx_sent = 0;
    ngtcp2_connection_close_error ccerr;
    uint8_t alert = ngtcp2_conn_get_tls_alert(s->conn);
    if (s->failed && alert)     /* a refused handshake: say why, as TLS does */
        ngtcp2_connection_close_error_set_transport_error_tls_alert(&ccerr, alert, NULL, 0);
    else
        ngtcp2_connection_close_error_set_application_error(&ccerr, 0, NULL, 0);
    ngtcp2_pkt_info pi = { 0 };
    size_t room = s->max_pkt ? s->max_pkt : QUIC_DEFAULT_PKT;
    ngtcp2_ssize n = ngtcp2_conn_write_connection_close(s->conn, NULL, &pi, s->tx[0].buf, room, &ccerr,
                                                        quic_now(s->g));
    if (n <= 0)
        return;
    struct weir_datagram d = { .buf = s->tx[0].buf, .len = (size_t)n, .ecn = pi.ecn ? (int)pi.ecn : WEIR_ECN_UNSET };
    uint32_t sent = 0;
    (void)s->lower->send_datagrams(s->lower_stream, &d, 1, &sent);
}
