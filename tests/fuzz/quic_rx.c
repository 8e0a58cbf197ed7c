/* Fuzz target: the quic transport's receive path on a server's connection
 * (plugins/quic: quic_conn_server, quic_feed into ngtcp2_conn_read_pkt,
 * then quic_timers and quic_flush, which answer through a stand-in udp
 * that only counts). The connection is opened as the plugin's accept
 * opens it: by a real client's Initial (fuzz/quic_initial.c), or by the
 * input's first datagram. What an off-path sender can do to a connection
 * it has no keys for: headers, connection IDs, versions, lengths,
 * coalesced packets, GRO trains, failed decryption, timers.
 *
 * Input: one flags byte (bit 0: the first record opens the connection
 * instead of the real Initial), then records:
 *   u16 BE  datagram length
 *   u16 BE  GRO segment size (0: one packet)
 *   u8      bit 0: write the server's connection ID where a packet's
 *           destination connection ID goes (so the packet is not dropped
 *           as someone else's); bits 1-2: ECN; bits 3-7: milliseconds
 *           the clock moves before it arrives, times 8
 *   the datagram's bytes (fewer when the input ends first)
 * Invariants: a failed feed leaves the connection failed with a reason;
 * before the handshake is over (never, without the client's keys) the
 * server sends at most three times what it received (RFC 9000 §8.1). */
#include "fuzz.h"

#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "quic_initial.h"
#include "quic_int.h"

static uint64_t clock_ns;
static uint64_t sent_bytes;

static uint64_t fake_now(void)
{
    return clock_ns;
}

static void quiet_log(enum weir_log_level level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}

static void quiet_error(enum weir_status code, const char *fmt, ...)
{
    (void)code;
    (void)fmt;
}

/* The stand-in udp beneath: takes every datagram, counts its bytes. */
static int count_datagrams(void *stream, const struct weir_datagram *dgs, uint32_t n, uint32_t *sent)
{
    (void)stream;
    for (uint32_t i = 0; i < n; i++)
        sent_bytes += dgs[i].len;
    *sent = n;
    return WEIR_OK;
}

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* The server's own connection ID where a packet's destination ID is. */
static void aim(uint8_t *buf, size_t len, const ngtcp2_cid *cid)
{
    size_t at = 1;                                  /* short header */
    if (len && (buf[0] & 0x80)) {                   /* long: version, then the length */
        if (len < 6)
            return;
        buf[5] = (uint8_t)cid->datalen;
        at = 6;
    }
    if (len >= at + cid->datalen)
        memcpy(buf + at, cid->data, cid->datalen);
}

static void run(struct quic_stream *s, const uint8_t *data, size_t size)
{
    struct weir_stream_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.timeout_ms = 10000;
    int own_first = data[0] & 1;
    size_t off = 1;
    uint64_t received = 0;
    uint8_t first[1500];
    size_t first_len = 0;
    if (!own_first) {
        first_len = quic_client_initial((struct sockaddr *)&s->remote, s->remote_len,
                                        (struct sockaddr *)&s->local, s->local_len, NULL, 0, first,
                                        sizeof first);
        if (!first_len || quic_conn_server(s, &cfg, first, first_len) != WEIR_OK)
            return;
        struct weir_datagram d = { .buf = first, .len = first_len, .ecn = WEIR_ECN_UNSET };
        received += first_len;
        FUZZ_CHECK(quic_feed(s, &d) == 0);  /* a real Initial is read */
        uint64_t wrote;
        (void)quic_flush(s, 0, &wrote);
    }
    ngtcp2_cid scid = { 0 };
    while (size - off >= 5) {
        uint32_t len = be16(data + off), seg = be16(data + off + 2), opts = data[off + 4];
        off += 5;
        if (len > size - off)
            len = (uint32_t)(size - off);
        /* An exact copy, so a read past the datagram shows under ASan. */
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf)
            return;
        memcpy(buf, data + off, len);
        off += len;
        clock_ns += (uint64_t)(opts >> 3) * 8u * 1000000u;
        if (!s->conn) {         /* the input's first datagram opens it */
            received += len;
            int rc = quic_conn_server(s, &cfg, buf, len);
            free(buf);
            if (rc != WEIR_OK)
                return;
            continue;
        }
        if (!scid.datalen) {
            ngtcp2_cid ids[4];
            if (ngtcp2_conn_get_num_scid(s->conn) <= 4 && ngtcp2_conn_get_scid(s->conn, ids) > 0)
                scid = ids[0];
        }
        if ((opts & 1) && scid.datalen)
            aim(buf, len, &scid);
        struct weir_datagram d = { .buf = buf, .len = len, .segment = seg,
                                   .ecn = (opts >> 1) & 3 ? (int)((opts >> 1) & 3) : WEIR_ECN_UNSET };
        received += len;
        int rc = quic_feed(s, &d);
        free(buf);
        if (rc != 0) {
            FUZZ_CHECK(s->failed && s->why[0]);
            return;
        }
        uint64_t wrote;
        if (quic_timers(s) == 0)
            (void)quic_flush(s, 0, &wrote);
        if (!ngtcp2_conn_get_handshake_completed(s->conn))
            FUZZ_CHECK(sent_bytes <= 3 * received);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const struct weir_transport_ops lower_ops = { .send_datagrams = count_datagrams };
    struct weir_host host;
    memset(&host, 0, sizeof host);
    host.abi_major = WEIR_ABI_MAJOR;
    host.abi_minor = WEIR_ABI_MINOR;
    host.struct_size = sizeof host;
    host.log = quiet_log;
    host.set_error = quiet_error;
    host.now_ns = fake_now;
    clock_ns = 1000000000u;
    sent_bytes = 0;

    struct quic_global g;
    memset(&g, 0, sizeof g);
    g.host = &host;
    pthread_mutex_init(&g.lock, NULL);
    struct quic_stream *s = calloc(1, sizeof *s);
    unsigned char *tx = malloc((size_t)QUIC_TX_ENTRIES * QUIC_TX_ENTRY_BYTES);
    if (s && tx) {
        s->g = &g;
        s->lower = &lower_ops;
        s->blksize = 1024;
        s->max_pkt = QUIC_DEFAULT_PKT;
        for (uint32_t i = 0; i < QUIC_TX_ENTRIES; i++)
            s->tx[i].buf = tx + (size_t)i * QUIC_TX_ENTRY_BYTES;
        struct sockaddr_in *l = (struct sockaddr_in *)&s->local, *r = (struct sockaddr_in *)&s->remote;
        l->sin_family = r->sin_family = AF_INET;
        l->sin_addr.s_addr = r->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        l->sin_port = htons(5201);
        r->sin_port = htons(40000);
        s->local_len = s->remote_len = sizeof(struct sockaddr_in);
        if (quic_tls_session(s, NULL) == WEIR_OK)
            run(s, data, size);
    }
    if (s && s->conn)
        ngtcp2_conn_del(s->conn);
    if (s && s->tls)
        gnutls_deinit(s->tls);
    free(tx);
    free(s);
    if (g.server_cred)
        gnutls_certificate_free_credentials(g.server_cred);
    pthread_mutex_destroy(&g.lock);
    return 0;
}
