/* iperf3's UDP datagrams, shared by the transports that carry them (udp;
 * quic with --quic-datagrams): the header a sender writes and the
 * receiver's accounting (sequence, loss, order, jitter). No system calls:
 * the fuzz target tests/fuzz/udp_rx.c drives the receive side. */
#ifndef WEIR_DGRAM_H
#define WEIR_DGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <weir/weir.h>

/* Datagram header (docs/protocol.md §7.4): BE u32 seconds, BE u32
 * microseconds, then a BE u32 or (udp_counters_64bit) u64 sequence
 * number. */
#define DGRAM_HDR32 12u
#define DGRAM_HDR64 16u

/* A sequence number more than this far from the highest one seen is not
 * trusted on its own (see dgram.c). */
#define DGRAM_SEQ_WINDOW 65536u

/* Receiver state that does not live in weir_counters. The counters
 * (packets = highest sequence, lost, out_of_order, jitter_ns) are the rest
 * of the state, so a caller that hands recv a scratch copy of them gets
 * datagrams that leave no trace in the real ones. */
struct dgram_rx_state {
    int64_t prev_transit_ns;
    int have_transit;
    uint64_t suspect_seq;       /* a far jump waiting for confirmation, 0 = none */
};

/* The counters one receive batch works on, loaded from and stored back to
 * weir_counters once per batch (single writer, one store per field:
 * dgram_acct_load, dgram_acct_store). */
struct dgram_acct {
    uint64_t max_seq;
    uint64_t lost;
    uint64_t out_of_order;
    uint64_t jitter_ns;
};

static inline struct dgram_acct dgram_acct_load(const struct weir_counters *c)
{
    struct dgram_acct a = { c->packets, c->lost, c->out_of_order, c->jitter_ns };
    return a;
}

/* One store per field: the main thread reads these without locks. */
static inline void dgram_acct_store(const struct dgram_acct *a, struct weir_counters *c)
{
    c->packets = a->max_seq;
    c->lost = a->lost;
    c->out_of_order = a->out_of_order;
    c->jitter_ns = a->jitter_ns;
}

/* Header of datagram seq sent at (sec, usec), into hdr (DGRAM_HDR32 or,
 * with seq64, DGRAM_HDR64 bytes). */
void dgram_put_header(unsigned char *hdr, uint32_t sec, uint32_t usec, uint64_t seq, int seq64);

/* Account one received datagram of len bytes that arrived at now_ns
 * (monotonic). Datagrams shorter than the header are not parsed. */
void dgram_rx_datagram(struct dgram_rx_state *rx, struct dgram_acct *a, const unsigned char *p,
                       size_t len, int seq64, uint64_t now_ns);
/* Account one received buffer of len bytes: a single datagram, or with
 * UDP_GRO (seg > 0 and below len) datagrams of seg bytes back to back, the
 * last one shorter. Adds each datagram to io (blocks, bytes). */
void dgram_rx_buffer(struct dgram_rx_state *rx, struct dgram_acct *a, const unsigned char *p,
                     uint32_t len, uint32_t seg, int seq64, uint64_t now_ns, struct weir_io *io);

#endif
