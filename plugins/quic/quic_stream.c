/* quic transport: a stream's life. udp opens it (the hello tagged with the
 * cookie, a connected socket), then the QUIC handshake runs on it, bounded
 * by the stream's timeout:
 *
 *   client  Initial ... until HANDSHAKE_DONE: the server has judged the
 *           handshake (its certificate checks included), so a refusal
 *           shows on this stream, before the test starts
 *   server  waits for the client's Initial, then until the handshake
 *           completes, and sends HANDSHAKE_DONE
 *
 * The sending side then opens the payload's bidirectional QUIC streams
 * (client-initiated 0, 4, 8..., or server-initiated 1, 5, 9... with -R):
 * one, or --quic-streams N. close sends
 * CONNECTION_CLOSE, then udp closes the socket. */
#include "quic_int.h"
#include "payload.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>

static unsigned timeout_of(const struct weir_stream_config *cfg)
{
    return cfg->timeout_ms ? cfg->timeout_ms : QUIC_DEFAULT_TIMEOUT_MS;
}

/* udp's stream for this one: the hello with the cookie (cfg->stream_tag),
 * GRO-coalesced receives (stacked.c passes it the rest of the config: the
 * socket options of the test). */
#define LOWER_FLAGS (WEIR_LOWER_STREAM | WEIR_LOWER_GRO)

static void stream_free(struct quic_stream *s)
{
    if (!s)
        return;
    if (s->conn)
        ngtcp2_conn_del(s->conn);
    if (s->tls)
        gnutls_deinit(s->tls);
    if (s->lower_stream)
        s->lower->close(s->lower_stream);
    free(s->payload);
    free(s->early);
    quic_bytes_free(s);
    free(s->rx_buf);
    free(s->tx[0].buf);
    free(s);
}

static int stream_new(struct quic_global *g, const struct weir_stream_config *cfg, int is_client,
                      struct quic_stream **out)
{
    struct quic_stream *s = calloc(1, sizeof *s);
    if (!s)
        return quic_fail(g, WEIR_E_NOMEM, "QUIC stream");
    s->g = g;
    s->lower = g->lower->ops;
    s->is_client = is_client;
    s->sending = cfg->sending;
    s->blksize = cfg->blksize ? cfg->blksize : 131072;
    s->tx_ring = s->blksize;
    s->max_pkt = QUIC_DEFAULT_PKT;
    s->started_ns = quic_now(g);
    s->datagrams = quic_dgram_wanted(s, cfg);
    s->seq64 = weir_param_flag(g->host, cfg, WEIR_PARAM_UDP_COUNTERS_64BIT);
    s->next_seq = 1;
    unsigned char *tx = malloc((size_t)QUIC_TX_ENTRIES * QUIC_TX_ENTRY_BYTES);
    s->rx_buf = malloc((size_t)QUIC_RX_ENTRIES * WEIR_DATAGRAM_GRO_BYTES);
    s->payload = cfg->sending ? malloc(s->blksize) : NULL;
    if (!tx || !s->rx_buf || (cfg->sending && !s->payload)) {
        free(tx);
        stream_free(s);
        return quic_fail(g, WEIR_E_NOMEM, "QUIC stream buffers");
    }
    for (uint32_t i = 0; i < QUIC_TX_ENTRIES; i++)
        s->tx[i].buf = tx + (size_t)i * QUIC_TX_ENTRY_BYTES;
    if (s->payload) {
        if (cfg->repeating_payload)
            payload_fill_repeating(s->payload, s->blksize);
        else
            (void)gnutls_rnd(GNUTLS_RND_NONCE, s->payload, s->blksize);
    }
    int rc = quic_bytes_setup(s, cfg);
    if (rc == WEIR_OK)
        rc = quic_file_setup(s, cfg);
    if (rc != WEIR_OK) {
        stream_free(s);
        return rc;
    }
    *out = s;
    return WEIR_OK;
}

/* The lower stream is open: its socket's addresses are the QUIC path. */
static int take_lower(struct quic_stream *s, void *lower_stream, int code)
{
    s->lower_stream = lower_stream;
    s->fd = s->lower->stream_fd(lower_stream);
    s->local_len = sizeof s->local;
    s->remote_len = sizeof s->remote;
    if (getsockname(s->fd, (struct sockaddr *)&s->local, &s->local_len) != 0 ||
        getpeername(s->fd, (struct sockaddr *)&s->remote, &s->remote_len) != 0)
        return quic_fail(s->g, code, "the udp stream's addresses: %s", strerror(errno));
    return WEIR_OK;
}

static int handshake_failed(struct quic_stream *s, int code)
{
    if (s->why[0])
        return quic_fail(s->g, code, "QUIC handshake: %s", s->why);
    return quic_fail(s->g, code, "QUIC handshake: not finished within %u ms",
                     (unsigned)((quic_now(s->g) - s->started_ns) / 1000000u));
}

/* How many QUIC streams carry the payload: the client's --quic-streams,
 * which its transport parameters granted the server (a server learns it
 * from them; a client sends on no more than the server grants). */
static uint32_t streams_of(const struct quic_stream *s)
{
    uint64_t n;
    if (s->is_client) {
        n = s->g->set.streams;
        uint64_t left = ngtcp2_conn_get_streams_bidi_left(s->conn);
        if (s->sending && left < n)
            n = left;
    } else {
        const ngtcp2_transport_params *tp = ngtcp2_conn_get_remote_transport_params(s->conn);
        n = tp ? tp->initial_max_streams_bidi : 1;
    }
    if (n > QUIC_MAX_STREAMS)
        n = QUIC_MAX_STREAMS;
    return n ? (uint32_t)n : 1;
}

/* Run the handshake until this side may count the stream as open. */
static int handshake(struct quic_stream *s, uint64_t deadline, int code)
{
    for (;;) {
        uint64_t wrote;
        if (quic_flush(s, 0, &wrote) < 0)
            return handshake_failed(s, code);
            /* A client is done once the server has judged it (its
         * HANDSHAKE_DONE came), a server at completion. */
        int done = ngtcp2_conn_get_handshake_completed(s->conn) && (!s->is_client || s->confirmed);
        if (done)
            break;
        uint64_t now = quic_now(s->g);
        if (now >= deadline) {
            s->why[0] = '\0';
            return handshake_failed(s, code);
        }
        uint64_t left_ms = (deadline - now) / 1000000u + 1;
        quic_wait(s, left_ms > 100 ? 100 : (int)left_ms);
        if (quic_pump_rx(s) < 0 || quic_timers(s) < 0)
            return handshake_failed(s, code);
    }
    /* The server's HANDSHAKE_DONE must leave now: nothing services the
     * connection again until the test runs, and the client waits for it.
     * Pacing may hold it back, and the first packet after completion may
     * carry only ACKs: wait until something ack-eliciting is in flight
     * (the server's Handshake packets were dropped at completion). */
    s->confirmed = 1;
    while (!s->is_client && quic_now(s->g) < deadline) {
        uint64_t wrote;
        if (quic_flush(s, 0, &wrote) < 0)
            return handshake_failed(s, code);
        quic_stats_take(s);
        if (s->pkts_sent > s->pkts_at_completion && s->st_inflight > 0)
            break;
        quic_wait(s, 5);
        if (quic_pump_rx(s) < 0 || quic_timers(s) < 0)
            return handshake_failed(s, code);
    }
    const char *suite = gnutls_ciphersuite_get(s->tls);
    snprintf(s->cipher, sizeof s->cipher, "%s", suite ? suite : "?");
    /* Probes (bytes_mode): one stream, the client's, carries both ways;
     * a server learns it from the first bytes (quic_bytes.c). Datagrams
     * need none. */
    if (s->datagrams) {
        s->nstreams = 0;
        int rc = quic_dgram_check(s, code);
        if (rc != WEIR_OK)
            return rc;
    } else {
        s->nstreams = s->bytes_mode ? (s->is_client ? 1 : 0) : streams_of(s);
        quic_file_streams(s);
    }
    for (uint32_t i = 0; (s->sending || s->bytes_mode) && i < s->nstreams; i++) {
        int rv = ngtcp2_conn_open_bidi_stream(s->conn, &s->stream_ids[i], NULL);
        if (rv != 0)
            return quic_fail(s->g, code, "opening QUIC stream %u of %u: %s", i + 1, s->nstreams,
                             ngtcp2_strerror(rv));
    }
    quic_stats_take(s);
    return WEIR_OK;
}

int quic_client_open(void *global, const struct weir_stream_config *cfg, void **stream)
{
    struct quic_global *g = global;
    uint64_t deadline = quic_now(g) + (uint64_t)timeout_of(cfg) * 1000000u;
    struct quic_stream *s = NULL;
    void *lower_stream = NULL;

    /* -C and -M first: refused before anything goes to the server. */
    int rc = quic_check_options(g, cfg);
    if (rc != WEIR_OK)
        return rc;
    rc = stream_new(g, cfg, 1, &s);
    if (rc != WEIR_OK)
        return rc;
    rc = stacked_client_open(g->lower, LOWER_FLAGS, cfg, &lower_stream);
    if (rc != WEIR_OK) {
        stream_free(s);
        return rc;      /* udp said why */
    }
    snprintf(s->peer, sizeof s->peer, "%s", cfg->host ? cfg->host : "?");
    rc = take_lower(s, lower_stream, WEIR_E_STREAMCONNECT);
    if (rc == WEIR_OK)
        rc = quic_tls_session(s, cfg->host);
    if (rc == WEIR_OK)
        rc = quic_conn_client(s, cfg);
    if (rc == WEIR_OK) {
        s->started_ns = quic_now(g);
        rc = handshake(s, deadline, WEIR_E_STREAMCONNECT);
    }
    if (rc != WEIR_OK) {
        quic_send_close(s);     /* so the server stops waiting for us */
        stream_free(s);
        return rc;
    }
    *stream = s;
    return WEIR_OK;
}

int quic_server_prepare(struct quic_global *g)
{
    return quic_cred(g, 0 /* the server's */) ? WEIR_OK : WEIR_E_STREAMLISTEN;
}

int quic_server_listen(void *global, const struct weir_stream_config *cfg, int control_fd,
                       void **listener, int *poll_fd)
{
    struct quic_global *g = global;
    int rc = quic_server_prepare(g);
    if (rc != WEIR_OK)
        return rc;
    return stacked_listen(g->host, g->lower, LOWER_FLAGS, cfg, control_fd, listener, poll_fd);
}

void quic_server_unlisten(void *global, void *listener)
{
    struct quic_global *g = global;
    stacked_unlisten(g->lower, listener);
}

/* The client's first datagram on the new stream, before deadline. */
static int first_datagram(struct quic_stream *s, uint64_t deadline, struct weir_datagram *d)
{
    for (;;) {
        memset(d, 0, sizeof *d);
        d->buf = s->rx_buf;
        d->cap = WEIR_DATAGRAM_GRO_BYTES;
        uint32_t got = 0;
        int rc = s->lower->recv_datagrams(s->lower_stream, d, 1, &got);
        if (rc == WEIR_OK && got == 1 && !(d->flags & WEIR_DATAGRAM_TRUNCATED))
            return WEIR_OK;
        if (rc != WEIR_OK && rc != WEIR_E_AGAIN)
            return rc;
        uint64_t now = quic_now(s->g);
        if (now >= deadline)
            return quic_fail(s->g, WEIR_E_STREAMACCEPT, "no QUIC Initial packet came after the hello");
        struct pollfd p = { .fd = s->fd, .events = POLLIN };
        (void)poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
    }
}

int quic_server_accept(void *global, void *listener, const struct weir_stream_config *cfg, void **stream)
{
    struct quic_global *g = global;
    uint64_t deadline = quic_now(g) + (uint64_t)timeout_of(cfg) * 1000000u;
    struct quic_stream *s = NULL;
    void *lower_stream = NULL;

    int rc = stacked_accept(g->lower, listener, LOWER_FLAGS, cfg, &lower_stream);
    if (rc != WEIR_OK)
        return rc;      /* WEIR_E_AGAIN included */
    rc = stream_new(g, cfg, 0, &s);
    if (rc != WEIR_OK) {
        g->lower->ops->close(lower_stream);
        return rc;
    }
    rc = take_lower(s, lower_stream, WEIR_E_STREAMACCEPT);
    struct weir_datagram first;
    if (rc == WEIR_OK)
        rc = first_datagram(s, deadline, &first);
    if (rc == WEIR_OK)
        rc = quic_tls_session(s, NULL);
    if (rc == WEIR_OK) {
        size_t len = first.segment ? first.segment : first.len;
        rc = quic_conn_server(s, cfg, first.buf, len);
    }
    if (rc == WEIR_OK) {
        s->started_ns = quic_now(g);
        if (quic_feed(s, &first) < 0)
            rc = handshake_failed(s, WEIR_E_STREAMACCEPT);
    }
    if (rc == WEIR_OK)
        rc = handshake(s, deadline, WEIR_E_STREAMACCEPT);
    if (rc != WEIR_OK) {
        /* Tell the client why it will not be served, then forget it. */
        quic_send_close(s);
        stream_free(s);
        return rc;
    }
    *stream = s;
    return WEIR_OK;
}

int quic_stream_fd(void *stream)
{
    return ((struct quic_stream *)stream)->fd;
}

void quic_close(void *stream)
{
    struct quic_stream *s = stream;
    if (!s)
        return;
    quic_send_close(s);
    stream_free(s);
}
