/* quic transport: --quic-datagrams. The payload travels as iperf3's UDP
 * datagrams (the header of plugins/common/dgram.c: time sent, sequence
 * number), each in one DATAGRAM frame (RFC 9221) of its own packet,
 * instead of on QUIC streams. DATAGRAM frames are never sent again, so
 * what the path drops is lost, and the receiver counts loss, jitter and
 * order exactly as udp's does; the test is reported as a -u one (the
 * test_rules hook). Both ends announce max_datagram_frame_size
 * (quic_conn.c); the packets still run under QUIC's congestion control
 * and pacing, and carry the ACKs. */
#include "quic_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* iperf3's UDP rate without -b: 1 Mbit/s (1024 * 1024 bits/s). */
#define QUIC_DGRAM_DEFAULT_RATE 1048576u
/* The smallest datagram: room for either header, as udp's. */
#define QUIC_DGRAM_MIN DGRAM_HDR64

uint32_t quic_dgram_max(size_t pkt)
{
    if (pkt <= QUIC_DGRAM_OVERHEAD + 4u)
        return 0;
    size_t room = pkt - QUIC_DGRAM_OVERHEAD;
    /* The frame's length: a 2-byte varint up to 16383, else 4 bytes. */
    return (uint32_t)(room - 2 <= 16383 ? room - 2 : room - 4);
}

/* The packet size a test's datagrams must fit: -M, else the size every
 * path takes before path MTU discovery has found more (RFC 9000's 1200
 * bytes; ngtcp2 sends no larger until then). */
static size_t packet_size(const struct quic_global *g, const struct weir_stream_config *cfg)
{
    uint64_t mss = weir_param_uint(g->host, cfg, WEIR_PARAM_MSS, 0);
    return mss ? (size_t)mss : NGTCP2_MAX_UDP_PAYLOAD_SIZE;
}

int quic_dgram_wanted(const struct quic_stream *s, const struct weir_stream_config *cfg)
{
    return weir_param_flag(s->g->host, cfg, WEIR_PARAM_DATAGRAMS);
}

int quic_test_rules(void *global, const struct weir_stream_config *cfg, struct weir_test_rules *r)
{
    struct quic_global *g = global;
    /* The client's option decides; a server follows what the client's
     * parameters say (weir_datagrams). */
    int on = weir_param_flag(g->host, cfg, WEIR_PARAM_DATAGRAMS) || (cfg->host && g->set.datagrams);
    /* A probe connection carries its requests and replies on one QUIC
     * stream (quic_bytes.c): more would be a setting that does nothing,
     * unless --load's streams run over quic beside the probes. */
    if (!on && cfg->host && (cfg->lower & WEIR_LOWER_STREAM) && !(cfg->lower & WEIR_LOWER_LOADED) &&
        g->set.streams > 1)
        return quic_fail(g, WEIR_E_USAGE, "--%s %u: --latency's probes travel on one QUIC stream",
                         QUIC_OPT_STREAMS, g->set.streams);
    /* --quic-no-loss-count: a sender's losses go uncounted, so its test has
     * no Retr to show -- not a Retr of 0 (text shows no Retr column, -J no
     * retransmits, as for a transport without them). */
    if (!on && g->set.no_loss_count && cfg->sending)
        r->caps &= ~WEIR_CAP_RETRANSMITS;
    if (!on)
        return WEIR_OK;
    if (cfg->lower & WEIR_LOWER_STREAM)
        return quic_fail(g, WEIR_E_USAGE, "--%s carries iperf3's datagrams, not --latency's probes",
                         QUIC_OPT_DATAGRAMS);
    if (cfg->host && g->set.streams > 1)
        return quic_fail(g, WEIR_E_USAGE, "--%s sends no QUIC streams: it cannot take --%s",
                         QUIC_OPT_DATAGRAMS, QUIC_OPT_STREAMS);
    size_t pkt = packet_size(g, cfg);
    uint32_t max = quic_dgram_max(pkt);
    if (cfg->blksize && cfg->blksize < QUIC_DGRAM_MIN)
        return quic_fail(g, WEIR_E_USAGE, "-l %u: a datagram is at least %u bytes (its header, as with -u)",
                         cfg->blksize, QUIC_DGRAM_MIN);
    if (cfg->blksize > max)
        return quic_fail(g, WEIR_E_USAGE, "-l %u: a QUIC packet of %zu bytes carries a datagram of at "
                         "most %u bytes (%s; -M sets the packet size, up to 65527)", cfg->blksize, pkt, max,
                         cfg->host ? "--quic-datagrams" : "the client's --quic-datagrams");
    /* Lossy datagrams now: no byte stream, no retransmissions. Still
     * WEIR_CAP_SEND_DRAIN: packets a full socket buffer refused wait in
     * the batch, and a -n/-k client ends once they went (info's unacked:
     * quic_io.c). */
    r->caps &= ~(WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_PAYLOAD);
    r->caps |= WEIR_CAP_DATAGRAM;
    r->default_rate = QUIC_DGRAM_DEFAULT_RATE;
    r->blksize_min = QUIC_DGRAM_MIN;
    r->blksize_max = max;
    r->default_blksize = max;
    r->blksize_error = WEIR_E_UDPBLOCKSIZE;
    return WEIR_OK;
}

int quic_dgram_check(struct quic_stream *s, int code)
{
    const ngtcp2_transport_params *tp = ngtcp2_conn_get_remote_transport_params(s->conn);
    uint64_t peer_max = tp ? tp->max_datagram_frame_size : 0;
    if (peer_max == 0)
        return quic_fail(s->g, code, "--%s: the peer does not take QUIC DATAGRAM frames (an older weir)",
                         QUIC_OPT_DATAGRAMS);
    /* The frame: its type, its length and the datagram. */
    uint64_t frame = 1u + (s->blksize <= 16383 ? 2u : 4u) + s->blksize;
    if (s->sending && frame > peer_max)
        return quic_fail(s->g, code, "-l %u: the peer takes QUIC DATAGRAM frames of at most %llu bytes", s->blksize,
                         (unsigned long long)peer_max);
    return WEIR_OK;
}

ngtcp2_ssize quic_dgram_write(struct quic_stream *s, uint8_t *dst, size_t room, ngtcp2_pkt_info *pi,
                              int want, uint64_t ts, int *accepted)
{
    *accepted = 0;
    if (!want)
        return ngtcp2_conn_writev_stream(s->conn, NULL, pi, dst, room, NULL, 0, -1, NULL, 0, ts);
    /* Stamped as it goes into its packet, by the clock udp's use. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    dgram_put_header(s->payload, (uint32_t)now.tv_sec, (uint32_t)(now.tv_nsec / 1000), s->next_seq, s->seq64);
    ngtcp2_vec v = { s->payload, s->blksize };
    ngtcp2_ssize n = ngtcp2_conn_writev_datagram(s->conn, NULL, pi, dst, room, accepted, 0, s->next_seq, &v, 1,
                                                 ts);
    if (n == NGTCP2_ERR_INVALID_STATE)
        snprintf(s->why, sizeof s->why, "the peer does not take QUIC DATAGRAM frames");
    else if (n == NGTCP2_ERR_INVALID_ARGUMENT)
        snprintf(s->why, sizeof s->why, "-l %u: larger than the peer's largest QUIC DATAGRAM frame", s->blksize);
    if (*accepted)
        s->next_seq++;
    return n;
}

/* A datagram read outside a recv call: a client still finishing its
 * handshake reads the server's first datagrams with the packet that
 * confirms it (with -R the server may start sending first). What the
 * accounting reads of it waits for the first recv call (quic_dgram_early). */
static int keep_early(struct quic_stream *s, const uint8_t *data, size_t len, uint64_t ns)
{
    if (!s->early && !(s->early = calloc(QUIC_DGRAM_EARLY_MAX, sizeof *s->early)))
        return 0;       /* then it counts as lost */
    if (s->n_early == QUIC_DGRAM_EARLY_MAX)
        return 0;
    struct quic_early_dgram *e = &s->early[s->n_early++];
    memcpy(e->hdr, data, len < sizeof e->hdr ? len : sizeof e->hdr);
    e->len = (uint32_t)len;
    e->at_ns = ns;
    return 0;
}

void quic_dgram_early(struct quic_stream *s)
{
    for (uint32_t i = 0; i < s->n_early; i++) {
        const struct quic_early_dgram *e = &s->early[i];
        /* Reads no more than the header, which hdr holds whole. */
        dgram_rx_datagram(&s->drx, s->acct, e->hdr, e->len, s->seq64, e->at_ns);
        s->rx_dgrams++;
        s->rx_bytes += e->len;
    }
    free(s->early);
    s->early = NULL;
    s->n_early = 0;
}

int quic_dgram_arrived(struct quic_stream *s, const uint8_t *data, size_t len)
{
    struct timespec now;
    /* One clock reading per datagram: ngtcp2 hands them over one by one
     * from inside its packet reading. */
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (!s->acct)
        return keep_early(s, data, len, ns);
    dgram_rx_datagram(&s->drx, s->acct, data, len, s->seq64, ns);
    s->rx_dgrams++;
    s->rx_bytes += len;
    return 0;
}
