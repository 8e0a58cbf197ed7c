/* quic transport: the byte hooks (write_bytes, read_bytes) on a stream the
 * core opened with WEIR_LOWER_STREAM, for --latency's probes: the QUIC
 * stream's reliable bytes, in order, non-blocking.
 *
 * One QUIC stream carries the probes both ways, whatever --quic-streams
 * says: the client's first (stream_ids[0]).
 *
 * Sending: the caller's bytes go into a ring (s->payload, QUIC_BYTES_RING
 * bytes, addressed by stream offset) that ngtcp2 reads from until the peer
 * acknowledges them, then straight into packets (no WRITE_MORE wait for
 * more bytes: a probe leaves at once). WEIR_E_AGAIN when the ring is full
 * of unacknowledged bytes.
 *
 * Receiving: ngtcp2 hands the stream's bytes over in order
 * (quic_bytes_arrived); they wait in a ring as large as the stream's
 * flow-control window, which is given back to the peer only as the caller
 * reads, so the ring cannot overflow.
 *
 * The connection is serviced inside both hooks: datagrams read, ngtcp2's
 * timers run (loss recovery), pending packets sent. The core's probe
 * engine calls read_bytes after every wait, and its waits end on a
 * readable socket or within STOP_CHECK_NS (10 ms), so timers run at most
 * that late. After lower_receive_wait the read is the wait: it sleeps in
 * udp's receive (one system call for the next packet), but only while
 * ngtcp2's next timer is further away than that sleep could last.
 *
 * ACKs: every packet is acknowledged at once (quic_conn.c), in the next
 * packet that goes. A read that returns the bytes of one packet sends
 * nothing: the ACK rides on the next request or reply instead of costing a
 * packet inside the measured round trip. From the second packet on it
 * sends the ACK at once, as QUIC acknowledges every second packet (a large
 * message's sender must not wait for a timer); a read with nothing to
 * return sends whatever is due. */
#include "quic_int.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failure(struct quic_stream *s, int code)
{
    if (s->closed_by_peer)
        return quic_fail(s->g, WEIR_E_STREAMCLOSE, "%s", s->why[0] ? s->why : "the peer closed the QUIC connection");
    return quic_fail(s->g, code, "%s", s->why[0] ? s->why : "QUIC connection failed");
}

int quic_bytes_setup(struct quic_stream *s, const struct weir_stream_config *cfg)
{
    if (!(cfg->lower & WEIR_LOWER_STREAM))
        return WEIR_OK;
    s->bytes_mode = 1;
    free(s->payload);
    s->tx_ring = QUIC_BYTES_RING;
    s->payload = malloc(QUIC_BYTES_RING);
    s->rx_cap = cfg->window > 0 ? (size_t)cfg->window : QUIC_DEFAULT_WINDOW;
    s->rx_ring = malloc(s->rx_cap);
    if (!s->payload || !s->rx_ring)
        return quic_fail(s->g, WEIR_E_NOMEM, "QUIC stream byte buffers");
    return WEIR_OK;
}

void quic_bytes_free(struct quic_stream *s)
{
    free(s->rx_ring);
    s->rx_ring = NULL;
}

int quic_bytes_arrived(struct quic_stream *s, int64_t stream_id, const uint8_t *data, size_t len)
{
    /* A server learns the stream from the client's first bytes. */
    if (!s->nstreams) {
        s->stream_ids[0] = stream_id;
        s->nstreams = 1;
    }
    if (stream_id != s->stream_ids[0] || len > s->rx_cap - s->rx_len)
        return NGTCP2_ERR_CALLBACK_FAILURE;     /* the peer broke flow control */
    size_t at = (s->rx_head + s->rx_len) % s->rx_cap;
    size_t first = s->rx_cap - at < len ? s->rx_cap - at : len;
    memcpy(s->rx_ring + at, data, first);
    memcpy(s->rx_ring, data + first, len - first);
    s->rx_len += len;
    return 0;
}

/* Bytes accepted but not yet in a packet go out now, as far as the
 * congestion window lets them (quic_flush builds one send quantum per
 * call), with whatever ngtcp2 has to send (ACKs, window updates,
 * retransmissions). */
static int send_pending(struct quic_stream *s)
{
    s->rx_pkts_flushed = s->pkts_recv;
    for (;;) {
        uint64_t wrote = 0;
        uint64_t budget = s->nstreams ? s->tx_queued - s->tx_bytes : 0;
        if (quic_flush(s, budget, &wrote) < 0)
            return -1;
        if (!wrote || s->tx_bytes == s->tx_queued || s->tx_sent < s->tx_n)
            return 0;   /* all sent, the window is full, or the socket is */
    }
}

int quic_write_bytes(void *stream, const void *buf, size_t len, size_t *written)
{
    struct quic_stream *s = stream;
    *written = 0;
    if (s->failed)
        return failure(s, WEIR_E_STREAMWRITE);
    if (!s->nstreams)
        return quic_fail(s->g, WEIR_E_STREAMWRITE, "QUIC: no stream to write on before the client's first bytes");
    /* ACKs that came free ring space: read them only when it is short
     * (a probe's write is then one system call; read_bytes reads them
     * otherwise, and runs the timers). */
    uint64_t room = QUIC_BYTES_RING - (s->tx_queued - s->tx_acked);
    if (room < len) {
        if (quic_pump_rx(s) < 0 || quic_timers(s) < 0)
            return failure(s, WEIR_E_STREAMWRITE);
        room = QUIC_BYTES_RING - (s->tx_queued - s->tx_acked);
    }
    size_t n = len < room ? len : (size_t)room;
    if (n) {
        size_t at = (size_t)(s->tx_queued % QUIC_BYTES_RING);
        size_t first = QUIC_BYTES_RING - at < n ? QUIC_BYTES_RING - at : n;
        memcpy(s->payload + at, buf, first);
        memcpy(s->payload, (const unsigned char *)buf + first, n - first);
        s->tx_queued += n;
    }
    if (send_pending(s) < 0)
        return failure(s, WEIR_E_STREAMWRITE);
    *written = n;
    return n || len == 0 ? WEIR_OK : WEIR_E_AGAIN;
}

/* Up to len bytes from the ring; their room goes back to the peer. */
static size_t take(struct quic_stream *s, unsigned char *out, size_t len)
{
    size_t n = len < s->rx_len ? len : s->rx_len;
    size_t first = s->rx_cap - s->rx_head < n ? s->rx_cap - s->rx_head : n;
    memcpy(out, s->rx_ring + s->rx_head, first);
    memcpy(out + first, s->rx_ring, n - first);
    s->rx_head = (s->rx_head + n) % s->rx_cap;
    s->rx_len -= n;
    if (n) {
        ngtcp2_conn_extend_max_stream_offset(s->conn, s->stream_ids[0], n);
        ngtcp2_conn_extend_max_offset(s->conn, n);
    }
    return n;
}

/* The next packets. Where udp's receive sleeps (quic_lower_receive_wait),
 * one system call waits for them, but never past ngtcp2's next timer:
 * what is due runs and goes out first, and a timer that comes sooner than
 * the sleep would surely end (SO_RCVTIMEO wakes on a timer tick) is
 * waited for with ppoll, to the nanosecond. On an idle probe stream the
 * next timer is a probe's PTO (the peer's max_ack_delay, 25 ms, and more)
 * or the idle timeout, so the receive sleeps. 1 when packets came, 0 when
 * none, -1 with s->why set. */
static int next_packets(struct quic_stream *s)
{
    if (!s->lower_sleep_ms)
        return quic_pump_rx(s);
    uint64_t now = quic_now(s->g), expiry = ngtcp2_conn_get_expiry(s->conn);
    if (expiry <= now) {
        if (quic_timers(s) < 0 || send_pending(s) < 0)
            return -1;
        now = quic_now(s->g);
        expiry = ngtcp2_conn_get_expiry(s->conn);
        if (expiry <= now)
            expiry = now + 1000000u;    /* still due: no spin on it */
    }
    uint64_t left = expiry - now;
    if (left >= (uint64_t)(s->lower_sleep_ms + QUIC_RCVTIMEO_SLACK_MS) * 1000000u)
        return quic_pump_rx_sleep(s);
    struct pollfd p = { .fd = s->fd, .events = POLLIN };
    struct timespec ts = { .tv_sec = (time_t)(left / 1000000000u), .tv_nsec = (long)(left % 1000000000u) };
    if (ppoll(&p, 1, &ts, NULL) <= 0)
        return 0;
    return quic_pump_rx_sleep(s);       /* a datagram is there: no sleep */
}

int quic_read_bytes(void *stream, void *buf, size_t len, size_t *got)
{
    struct quic_stream *s = stream;
    *got = 0;
    if (s->rx_len) {
        *got = take(s, buf, len);
        return WEIR_OK;
    }
    if (s->failed)
        return failure(s, WEIR_E_STREAMREAD);
    if (next_packets(s) < 0 || quic_timers(s) < 0)
        return failure(s, WEIR_E_STREAMREAD);
    if (s->rx_len) {
        *got = take(s, buf, len);
        if (s->pkts_recv - s->rx_pkts_flushed >= QUIC_PROBE_ACK_EVERY && send_pending(s) < 0)
            return failure(s, WEIR_E_STREAMREAD);
        return WEIR_OK;
    }
    if (send_pending(s) < 0)
        return failure(s, WEIR_E_STREAMREAD);
    return WEIR_E_AGAIN;
}

int quic_lower_receive_wait(void *stream, int timeout_ms)
{
    struct quic_stream *s = stream;
    if (!s->bytes_mode)
        return quic_fail(s->g, WEIR_E_UNSUPPORTED, "lower_receive_wait on a data stream");
    if (!WEIR_HAS_FIELD(s->lower, lower_receive_wait) || !s->lower->lower_receive_wait)
        return WEIR_E_NOTIMPL;
    if (timeout_ms < 0)
        timeout_ms = 0;
    int rc = s->lower->lower_receive_wait(s->lower_stream, timeout_ms);
    if (rc == WEIR_OK)
        s->lower_sleep_ms = timeout_ms;
    return rc;
}
