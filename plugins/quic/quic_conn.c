/* quic transport: one ngtcp2 connection per stream -- its settings
 * (congestion controller, packet size, windows, timeouts), the callbacks
 * and its creation on each side. */
#include "quic_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <gnutls/crypto.h>

static const struct { const char *name; ngtcp2_cc_algo algo; } controllers[] = {
    { "cubic", NGTCP2_CC_ALGO_CUBIC },  /* first: ngtcp2's default */
    { "reno", NGTCP2_CC_ALGO_RENO },
    { "bbr", NGTCP2_CC_ALGO_BBR },
    { "bbr2", NGTCP2_CC_ALGO_BBR2 },
};

const char quic_cc_list[] = "cubic, reno, bbr, bbr2";

int quic_cc_by_name(const char *name, ngtcp2_cc_algo *out)
{
    for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++)
        if (strcasecmp(name, controllers[i].name) == 0) {
            *out = controllers[i].algo;
            return 0;
        }
    return -1;
}

const char *quic_cc_name(ngtcp2_cc_algo cc)
{
    for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++)
        if (controllers[i].algo == cc)
            return controllers[i].name;
    return "?";
}

/* ---- callbacks ---- */

int quic_check_options(struct quic_global *g, const struct weir_stream_config *cfg)
{
    const char *cc = weir_param_string(g->host, cfg, WEIR_PARAM_CONGESTION, NULL);
    ngtcp2_cc_algo algo;
    if (cc && quic_cc_by_name(cc, &algo) < 0)
        return quic_fail(g, WEIR_E_SETCONGESTION, "-C %s: QUIC (ngtcp2) has the congestion controllers %s",
                         cc, quic_cc_list);
    uint64_t mss = weir_param_uint(g->host, cfg, WEIR_PARAM_MSS, 0);
    if (mss && (mss < NGTCP2_MAX_UDP_PAYLOAD_SIZE || mss > QUIC_MAX_UDP_PAYLOAD))
        return quic_fail(g, WEIR_E_SETMSS, "-M %llu: a QUIC packet's UDP payload must be %u to %u bytes",
                         (unsigned long long)mss, (unsigned)NGTCP2_MAX_UDP_PAYLOAD_SIZE,
                         (unsigned)QUIC_MAX_UDP_PAYLOAD);
    return WEIR_OK;
}

static void rand_cb(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
    (void)ctx;
    (void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

static int new_cid_cb(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *user)
{
    (void)conn;
    (void)user;
    if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0 ||
        gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
        return NGTCP2_ERR_CALLBACK_FAILURE;
    cid->datalen = cidlen;
    return 0;
}

/* Payload arrives: count it and give the peer the room back at once (the
 * bytes are consumed as they come). */
static int recv_stream_data_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id, uint64_t offset,
                               const uint8_t *data, size_t len, void *user, void *stream_user)
{
    (void)flags;
    (void)offset;
    (void)stream_user;
    struct quic_stream *s = user;
    if (s->bytes_mode)
        return quic_bytes_arrived(s, stream_id, data, len);
    s->rx_bytes += len;
    quic_file_arrived(s, data, len);
    if ((uint64_t)stream_id / 4 < QUIC_MAX_STREAMS)
        s->stream_bytes[stream_id / 4] += len;
    ngtcp2_conn_extend_max_stream_offset(conn, stream_id, len);
    ngtcp2_conn_extend_max_offset(conn, len);
    return 0;
}

static int recv_datagram_cb(ngtcp2_conn *conn, uint32_t flags, const uint8_t *data, size_t len, void *user)
{
    (void)conn;
    (void)flags;
    return quic_dgram_arrived(user, data, len);
}

static int extend_stream_data_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t max_data, void *user,
                                 void *stream_user)
{
    (void)conn;
    (void)max_data;
    (void)stream_user;
    if ((uint64_t)stream_id / 4 < QUIC_MAX_STREAMS)
        ((struct quic_stream *)user)->stream_blocked[stream_id / 4] = 0;
    return 0;
}

/* What the peer acknowledged of the payload: the rest is unacked. */
static int acked_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset, uint64_t len, void *user,
                    void *stream_user)
{
    (void)conn;
    (void)stream_id;
    (void)offset;
    (void)stream_user;
    struct quic_stream *s = user;
    s->tx_acked += len;
    return 0;
}

static int handshake_completed_cb(ngtcp2_conn *conn, void *user)
{
    (void)conn;
    struct quic_stream *s = user;
    s->handshake_ns = quic_now(s->g) - s->started_ns;
    s->pkts_at_completion = s->pkts_sent;
    return 0;
}

static int handshake_confirmed_cb(ngtcp2_conn *conn, void *user)
{
    (void)conn;
    ((struct quic_stream *)user)->confirmed = 1;
    return 0;
}

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref)
{
    return ((struct quic_stream *)ref->user_data)->conn;
}

static void callbacks(ngtcp2_callbacks *cb, int is_client)
{
    memset(cb, 0, sizeof *cb);
    if (is_client) {
        cb->client_initial = ngtcp2_crypto_client_initial_cb;
        cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
    } else {
        cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    }
    cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb->encrypt = ngtcp2_crypto_encrypt_cb;
    cb->decrypt = ngtcp2_crypto_decrypt_cb;
    cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb->update_key = ngtcp2_crypto_update_key_cb;
    cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb->delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb->rand = rand_cb;
    cb->get_new_connection_id = new_cid_cb;
    cb->recv_stream_data = recv_stream_data_cb;
    cb->extend_max_stream_data = extend_stream_data_cb;
    cb->handshake_completed = handshake_completed_cb;
    cb->acked_stream_data_offset = acked_cb;
    cb->handshake_confirmed = handshake_confirmed_cb;
    cb->recv_datagram = recv_datagram_cb;
}

/* ngtcp2 0.12 counts the packets it declares lost only in its qlog: each
 * loss is one event, written by one call, that starts with the time and
 * then its name. Only that is looked at (other events are longer). */
static void qlog_cb(void *user, uint32_t flags, const void *data, size_t len)
{
    static const char ev[] = ",\"name\":\"recovery:packet_lost\"";
    (void)flags;
    if (len < sizeof ev + 2 || len > 160)
        return;         /* not a loss (the last call has no bytes at all) */
    const char *comma = memchr((const char *)data + 2, ',', len - 2);
    if (comma && (size_t)((const char *)data + len - comma) > sizeof ev - 1 &&
        memcmp(comma, ev, sizeof ev - 1) == 0)
        ((struct quic_stream *)user)->pkts_lost++;
}

/* ---- settings ---- */

/* What both sides set from the test: -C, -M, -w, the timeouts, the
 * streams. */
static int settings(struct quic_stream *s, const struct weir_stream_config *cfg, ngtcp2_settings *st,
                    ngtcp2_transport_params *tp)
{
    const struct weir_host *h = s->g->host;
    ngtcp2_settings_default(st);
    ngtcp2_transport_params_default(tp);
    st->initial_ts = quic_now(s->g);
    /* A sender's losses are its retransmissions (the Retr column). */
    if (cfg->sending && !s->g->set.no_loss_count)
        st->qlog.write = qlog_cb;
    unsigned timeout = cfg->timeout_ms ? cfg->timeout_ms : QUIC_DEFAULT_TIMEOUT_MS;
    st->handshake_timeout = (uint64_t)timeout * NGTCP2_MILLISECONDS;

    int rc = quic_check_options(s->g, cfg);
    if (rc != WEIR_OK)
        return rc;
    const char *cc = weir_param_string(h, cfg, WEIR_PARAM_CONGESTION, NULL);
    st->cc_algo = NGTCP2_CC_ALGO_CUBIC;
    if (cc)
        (void)quic_cc_by_name(cc, &st->cc_algo);
    snprintf(s->cc, sizeof s->cc, "%s", quic_cc_name(st->cc_algo));

    /* -M: the largest UDP payload (a loopback or jumbo-frame path takes
     * far more than Ethernet's); path MTU discovery only probes up to it. */
    uint64_t mss = weir_param_uint(h, cfg, WEIR_PARAM_MSS, 0);
    st->max_tx_udp_payload_size = mss ? (size_t)mss : QUIC_DEFAULT_PKT;
    st->no_tx_udp_payload_size_shaping = mss != 0;

    /* -w: the flow-control windows, which bound what is in flight. */
    uint64_t win = cfg->window > 0 ? (uint64_t)cfg->window : QUIC_DEFAULT_WINDOW;
    st->max_stream_window = win;
    st->max_window = win + win / 2;
    tp->initial_max_stream_data_bidi_local = win;
    tp->initial_max_stream_data_bidi_remote = win;
    tp->initial_max_data = win + win / 2;
    /* The client grants the streams it wants (--quic-streams): with -R
     * the server opens that many, and as receiver it reports them. A
     * server grants the most any client may ask for. */
    tp->initial_max_streams_bidi = s->is_client ? s->g->set.streams : QUIC_MAX_STREAMS;
    tp->initial_max_streams_uni = 0;
    /* --snd-timeout: how long sent data may stay unacknowledged, for
     * QUIC the idle timeout (nothing heard from the peer); the lower of
     * both ends' announcements holds on both, so the peer ends too. */
    s->idle_ms = weir_param_uint(h, cfg, WEIR_PARAM_SND_TIMEOUT_MS, 0);
    if (!s->idle_ms)
        s->idle_ms = QUIC_IDLE_TIMEOUT_MS;
    tp->max_idle_timeout = s->idle_ms * NGTCP2_MILLISECONDS;
    tp->active_connection_id_limit = 2;
    tp->disable_active_migration = 1;
    /* Probes: a reply carries the ACK of its request, and the next
     * request that of the reply. ngtcp2 puts an ACK into a packet only
     * once its own delay (an eighth of the RTT) passed, unless the ACK is
     * immediate: a request written sooner after its reply would go
     * without it, and the ACK then cost a packet of its own inside the
     * next round trip. So every packet is acknowledged at once (ack_thresh
     * 1): with the next packet, or by the next read that returns nothing.
     * That read may sleep in udp's receive (quic_lower_receive_wait) up to
     * a timer tick past the probe engine's 10 ms, so the delay announced
     * is QUIC's 25 ms: the peer's PTO includes it. */
    if (cfg->lower & WEIR_LOWER_STREAM) {
        st->ack_thresh = 1;
        tp->max_ack_delay = (uint64_t)QUIC_PROBE_MAX_ACK_DELAY_MS * NGTCP2_MILLISECONDS;
    }
    /* --quic-datagrams: both ends take DATAGRAM frames (RFC 9221), as
     * large as a packet allows. */
    if (s->datagrams)
        tp->max_datagram_frame_size = QUIC_MAX_DATAGRAM_FRAME;
    return WEIR_OK;
}

static int fail_lib(struct quic_stream *s, int code, const char *what, int rv)
{
    return quic_fail(s->g, code, "%s: %s", what, ngtcp2_strerror(rv));
}

static void set_path(const struct quic_stream *s, ngtcp2_path *p)
{
    p->local.addr = (struct sockaddr *)&s->local;
    p->local.addrlen = s->local_len;
    p->remote.addr = (struct sockaddr *)&s->remote;
    p->remote.addrlen = s->remote_len;
    p->user_data = NULL;
}

int quic_conn_client(struct quic_stream *s, const struct weir_stream_config *cfg)
{
    ngtcp2_callbacks cb;
    ngtcp2_settings st;
    ngtcp2_transport_params tp;
    ngtcp2_cid dcid, scid;
    ngtcp2_path path;

    int rc = settings(s, cfg, &st, &tp);
    if (rc != WEIR_OK)
        return rc;
    callbacks(&cb, 1);
    dcid.datalen = NGTCP2_MIN_INITIAL_DCIDLEN;
    scid.datalen = QUIC_CID_LEN;
    if (gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen) != 0 ||
        gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen) != 0)
        return quic_fail(s->g, WEIR_E_STREAMCONNECT, "no random bytes for connection IDs");
    set_path(s, &path);
    s->conn_ref.get_conn = get_conn;
    s->conn_ref.user_data = s;
    int rv = ngtcp2_conn_client_new(&s->conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb, &st, &tp,
                                    NULL, s);
    if (rv != 0) {
        s->conn = NULL;
        return fail_lib(s, WEIR_E_STREAMCONNECT, "ngtcp2_conn_client_new", rv);
    }
    ngtcp2_conn_set_tls_native_handle(s->conn, s->tls);
    return WEIR_OK;
}

/* RFC 9000 §6: a client's first packet of a version this server does not
 * speak gets the list of those it does (only for a datagram of at least
 * 1200 bytes, as a client's Initial is, so it cannot amplify). */
static void send_version_negotiation(struct quic_stream *s, const ngtcp2_version_cid *vc, size_t len)
{
    static const uint32_t versions[] = { NGTCP2_PROTO_VER_V1 };
    uint8_t buf[256], unused;
    if (len < NGTCP2_MAX_UDP_PAYLOAD_SIZE || gnutls_rnd(GNUTLS_RND_NONCE, &unused, 1) != 0)
        return;
    ngtcp2_ssize n = ngtcp2_pkt_write_version_negotiation(buf, sizeof buf, unused, vc->scid, vc->scidlen,
                                                          vc->dcid, vc->dcidlen, versions, 1);
    if (n <= 0)
        return;
    struct weir_datagram d = { .buf = buf, .len = (size_t)n, .ecn = WEIR_ECN_UNSET };
    uint32_t sent = 0;
    (void)s->lower->send_datagrams(s->lower_stream, &d, 1, &sent);
}

int quic_conn_server(struct quic_stream *s, const struct weir_stream_config *cfg, const uint8_t *pkt,
                     size_t len)
{
    ngtcp2_callbacks cb;
    ngtcp2_settings st;
    ngtcp2_transport_params tp;
    ngtcp2_pkt_hd hd;
    ngtcp2_cid scid;
    ngtcp2_path path;

    /* An empty datagram (anyone may send one after the hello): ngtcp2
     * asserts that a packet has a first byte. */
    if (len == 0)
        return quic_fail(s->g, WEIR_E_STREAMACCEPT, "the stream's first datagram is empty, not a QUIC Initial packet");
    ngtcp2_version_cid vc;
    int rv = ngtcp2_pkt_decode_version_cid(&vc, pkt, len, 8);
    if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
        send_version_negotiation(s, &vc, len);
        return quic_fail(s->g, WEIR_E_STREAMACCEPT, "the client asked for QUIC version 0x%08x; this server "
                         "speaks version 1 (Version Negotiation sent)", vc.version);
    }
    rv = rv ? rv : ngtcp2_accept(&hd, pkt, len);
    if (rv != 0)
        return quic_fail(s->g, WEIR_E_STREAMACCEPT, "the stream's first datagram is not a QUIC Initial packet");
    int rc = settings(s, cfg, &st, &tp);
    if (rc != WEIR_OK)
        return rc;
    callbacks(&cb, 0);
    tp.original_dcid = hd.dcid;
    scid.datalen = QUIC_CID_LEN;
    if (gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen) != 0 ||
        gnutls_rnd(GNUTLS_RND_RANDOM, tp.stateless_reset_token, sizeof tp.stateless_reset_token) != 0)
        return quic_fail(s->g, WEIR_E_STREAMACCEPT, "no random bytes for connection IDs");
    tp.stateless_reset_token_present = 1;
    set_path(s, &path);
    s->conn_ref.get_conn = get_conn;
    s->conn_ref.user_data = s;
    rv = ngtcp2_conn_server_new(&s->conn, &hd.scid, &scid, &path, hd.version, &cb, &st, &tp, NULL, s);
    if (rv != 0) {
        s->conn = NULL;
        return fail_lib(s, WEIR_E_STREAMACCEPT, "ngtcp2_conn_server_new", rv);
    }
    ngtcp2_conn_set_tls_native_handle(s->conn, s->tls);
    return WEIR_OK;
}
