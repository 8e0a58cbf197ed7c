/* quic transport: the hot path and what a stream reports.
 *
 * The core calls send when the socket is writable and recv when it is
 * readable; QUIC needs more of each: a sender reads the peer's ACKs and
 * runs the loss timers, a receiver sends ACKs and window updates. So send
 * first reads what came, runs due timers and then writes, and recv reads,
 * runs the timers and writes what that produced. A sender the congestion
 * window or the peer's flow control holds back waits in send, for an ACK
 * or ngtcp2's next timer, at most QUIC_SEND_WAIT_MS (the UDP socket is
 * writable all the time: the core would otherwise call it in a spin). */
#include "quic_int.h"

#include <stdio.h>
#include <string.h>

static int failure(struct quic_stream *s, int code)
{
    if (s->closed_by_peer)
        return quic_fail(s->g, WEIR_E_STREAMCLOSE, "%s", s->why[0] ? s->why : "the peer closed the QUIC connection");
    return quic_fail(s->g, code, "%s", s->why[0] ? s->why : "QUIC connection failed");
}

int quic_send(void *stream, uint32_t max_blocks, struct weir_counters *c, struct weir_io *io)
{
    struct quic_stream *s = stream;
    if (s->failed)
        return failure(s, WEIR_E_STREAMWRITE);
    /* Up to the end of the max_blocks-th block from the current one; none
     * once the data ended (max_blocks 0, WEIR_CAP_SEND_DRAIN): only ACKs
     * are read and lost packets sent again. */
    uint64_t budget = max_blocks ? (uint64_t)max_blocks * s->blksize - s->tx_bytes % s->blksize : 0;
    uint64_t before = s->tx_bytes, wrote = 0;
    if (s->file) {
        /* -F: no further than the file was read; after its end only
         * ACKs and repairs, as for a drain. */
        int rc = quic_file_fill(s);
        if (rc != WEIR_OK)
            return rc;
        if (budget > s->file_filled - s->tx_bytes)
            budget = s->file_filled - s->tx_bytes;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (quic_pump_rx(s) < 0 || quic_timers(s) < 0 || quic_flush(s, budget, &wrote) < 0)
            return failure(s, WEIR_E_STREAMWRITE);
        if (wrote && budget)
            break;
        if (!attempt)
            quic_wait(s, QUIC_SEND_WAIT_MS);
    }
    io->bytes += s->tx_bytes - before;
    io->blocks += s->tx_bytes / s->blksize - before / s->blksize;
    if (s->datagrams) {
        c->packets += (s->tx_bytes - before) / s->blksize;     /* datagrams sent */
        uint64_t unsent = 0;
        for (uint32_t i = s->tx_sent; i < s->tx_n; i++)
            unsent += s->tx[i].len;
        s->tx_unsent = unsent;
    }
    quic_stats_take(s);
    if (s->file && s->file_ended && s->tx_bytes == s->file_filled && s->tx_bytes == before)
        return WEIR_E_DATAEND;
    return WEIR_OK;
}

int quic_recv(void *stream, struct weir_counters *c, struct weir_io *io)
{
    struct quic_stream *s = stream;
    if (s->failed)
        return failure(s, WEIR_E_STREAMREAD);
    uint64_t wrote;
    /* Datagrams are accounted into c as they come (quic_dgram.c), once
     * per call like udp's: loaded here, stored below. */
    struct dgram_acct a = dgram_acct_load(c);
    s->acct = s->datagrams ? &a : NULL;
    if (s->n_early)
        quic_dgram_early(s);
    int r = quic_pump_rx(s);
    s->acct = NULL;
    if (s->datagrams)
        dgram_acct_store(&a, c);
    if (r < 0 || quic_timers(s) < 0 || quic_flush(s, 0, &wrote) < 0)
        return failure(s, WEIR_E_STREAMREAD);
    if (s->file_failed)
        return WEIR_E_FILE;     /* consume said why */
    if (s->datagrams) {
        /* A block is a datagram, as udp's. */
        uint64_t dgrams = s->rx_dgrams - s->rx_dgrams_reported;
        io->blocks += dgrams;
        io->bytes += s->rx_bytes - s->rx_reported;
        s->rx_dgrams_reported = s->rx_dgrams;
        s->rx_reported = s->rx_bytes;
        if (r > 0)
            quic_stats_take(s);
        return dgrams ? WEIR_OK : WEIR_E_AGAIN;
    }
    /* Since the last report: payload that came with the end of the
     * handshake (a fast sender's first flight) counts here too. */
    uint64_t got = s->rx_bytes - s->rx_reported;
    /* Whole blocks of the sender's -l that are complete: a -R -k client
     * ends on the blocks it received, and a QUIC read is not one write
     * (one read may bring megabytes), so counting reads would end it
     * early or never. */
    io->blocks += s->rx_bytes / s->blksize - s->rx_reported / s->blksize;
    s->rx_reported = s->rx_bytes;
    io->bytes += got;
    if (r > 0)
        quic_stats_take(s);
    return got ? WEIR_OK : WEIR_E_AGAIN;
}

int quic_recv_wait(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms)
{
    struct quic_stream *s = stream;
    int rc = quic_recv(s, c, io);
    if (rc != WEIR_E_AGAIN)
        return rc;
    quic_wait(s, timeout_ms);
    return quic_recv(s, c, io);
}

int quic_info(void *stream, struct weir_stream_info *out)
{
    const struct quic_stream *s = stream;
    out->valid = 1;
    out->retransmits = s->pkts_lost;
    out->snd_cwnd = s->st_cwnd;
    out->rtt_us = (uint32_t)(s->st_srtt_ns / 1000u);
    out->rttvar_us = (uint32_t)(s->st_rttvar_ns / 1000u);
    out->pmtu = (uint32_t)s->max_pkt;
    snprintf(out->congestion, sizeof out->congestion, "%s", s->cc);
    if (s->sending && s->datagrams) {
        /* Datagrams are never acknowledged into delivery: what is left
         * to do is sending the packets the batch still holds. */
        out->unacked = s->tx_unsent;
    } else if (s->sending) {
        /* The worker moves both meanwhile: acked first, so never above. */
        uint64_t acked = s->tx_acked, bytes = s->tx_bytes;
        out->unacked = bytes > acked ? bytes - acked : 0;
    }
    return WEIR_OK;
}

int quic_describe(void *stream, const struct weir_fact_sink *out)
{
    const struct quic_stream *s = stream;
    /* What udp beneath uses for the packets (GSO, GRO, batching) first. */
    if (s->lower->describe)
        (void)s->lower->describe(s->lower_stream, out);
    weir_fact_string(out, "quic.version", "1");
    weir_fact_string(out, "quic.alpn", QUIC_ALPN);
    weir_fact_string(out, "tls.version", "TLSv1.3");
    weir_fact_string(out, "tls.cipher", s->cipher);
    weir_fact_string(out, "quic.congestion", s->cc);
    weir_fact_uint(out, "quic.streams", s->nstreams);
    weir_fact_bool(out, "quic.datagrams", s->datagrams);
    weir_fact_double(out, "quic.handshake_ms", (double)s->handshake_ns / 1e6);
    weir_fact_uint(out, "quic.max_udp_payload", s->max_pkt);
    weir_fact_double(out, "quic.min_rtt_ms", (double)s->st_min_rtt_ns / 1e6);
    if (s->sending && s->g->set.no_loss_count)
        weir_fact_string(out, "quic.loss_count", "off");    /* --quic-no-loss-count */
    return WEIR_OK;
}

int quic_describe_interval(void *stream, const struct weir_fact_sink *out)
{
    const struct quic_stream *s = stream;
    weir_fact_uint(out, "quic.packets_sent", s->pkts_sent);
    weir_fact_uint(out, "quic.packets_received", s->pkts_recv);
    if (s->sending && !s->g->set.no_loss_count)
        weir_fact_uint(out, "quic.packets_lost", s->pkts_lost);
    weir_fact_uint(out, "quic.cwnd", s->st_cwnd);
    weir_fact_uint(out, "quic.bytes_in_flight", s->st_inflight);
    weir_fact_double(out, "quic.smoothed_rtt_ms", (double)s->st_srtt_ns / 1e6);
    weir_fact_double(out, "quic.min_rtt_ms", (double)s->st_min_rtt_ns / 1e6);
    weir_fact_uint(out, "quic.pto_count", s->st_pto);
    /* Payload bytes of each QUIC stream so far, by its id: together they
     * are the stream's (the last interval's: its total). */
    for (uint32_t i = 0; i < s->nstreams; i++) {
        char key[40];
        snprintf(key, sizeof key, "quic.stream_bytes.%u", i * 4u + (s->is_client == s->sending ? 0u : 1u));
        weir_fact_uint(out, key, s->stream_bytes[i]);
    }
    return WEIR_OK;
}
