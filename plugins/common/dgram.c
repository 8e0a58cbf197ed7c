/* iperf3's UDP datagrams, for every transport that carries them (udp, and
 * quic's DATAGRAM frames): the header (docs/protocol.md §7.4) and the
 * receiver's accounting (§7.5).
 *
 * Per datagram, with max = highest sequence number seen (reported as the
 * receiver's packet count):
 *   seq > max:  lost += seq - 1 - max; max = seq
 *   seq <= max: out_of_order += 1; lost -= 1 if lost > 0 (a late arrival
 *               fills a gap counted earlier; a duplicate counts the same,
 *               as in iperf3)
 *   jitter (RFC 3550): transit = arrival - sent, D = |transit - previous
 *   transit|, jitter += (D - jitter) / 16, in integer nanoseconds; the
 *   first datagram only sets the previous transit.
 *
 * Sanity rules, so that one stray or corrupt datagram cannot spoil the
 * counters for the rest of the test (iperf3 has none of these):
 *   - a datagram shorter than the header is counted (bytes, by the caller)
 *     but not parsed;
 *   - sequence 0 is never sent (streams start at 1) and is ignored;
 *   - 32-bit sequence numbers are unwrapped against max (serial number
 *     arithmetic), so the wrap after 2^32 datagrams continues at 2^32;
 *   - a sequence more than DGRAM_SEQ_WINDOW below max is ignored;
 *   - a sequence more than DGRAM_SEQ_WINDOW above max is held, not counted:
 *     if a later datagram lands within DGRAM_SEQ_WINDOW of it, the jump was
 *     real (an outage): the held one is counted, then the new one; if a
 *     later one is held instead, the first never counts. A genuine gap is
 *     thus counted exactly, one datagram late, and a lone absurd number
 *     (2^31 after 3) leaves packets and lost untouched. (An outage right
 *     at the end of a test, followed by a single datagram, is not seen.)
 * Ignored and held datagrams do not update jitter. */
#include "dgram.h"

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

void dgram_put_header(unsigned char *hdr, uint32_t sec, uint32_t usec, uint64_t seq, int seq64)
{
    put32(hdr, sec);
    put32(hdr + 4, usec);
    if (seq64) {
        put32(hdr + 8, (uint32_t)(seq >> 32));
        put32(hdr + 12, (uint32_t)seq);
    } else {
        put32(hdr + 8, (uint32_t)seq);
    }
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* The datagram's sequence number as a 64-bit value, 0 when invalid. */
static uint64_t decode_seq(const unsigned char *p, int seq64, uint64_t max_seq)
{
    if (seq64)
        return get64(p + 8);
    int32_t delta = (int32_t)(get32(p + 8) - (uint32_t)max_seq);
    if (delta >= 0)
        return max_seq + (uint64_t)delta;
    uint64_t back = (uint64_t)-(int64_t)delta;
    return back < max_seq ? max_seq - back : 0;
}

static void count_seq(struct dgram_acct *a, uint64_t seq)
{
    if (seq > a->max_seq) {
        a->lost += seq - 1 - a->max_seq;
        a->max_seq = seq;
    } else {
        a->out_of_order++;
        if (a->lost > 0)
            a->lost--;
    }
}

static void update_jitter(struct dgram_rx_state *rx, struct dgram_acct *a, const unsigned char *p,
                          uint64_t now_ns)
{
    uint64_t sent = (uint64_t)get32(p) * 1000000000u + (uint64_t)get32(p + 4) * 1000u;
    /* Sender and receiver clocks differ by an unknown constant, so transit
     * may be any value; only differences between transits matter. Modular
     * arithmetic keeps them right whatever the offset. */
    int64_t transit = (int64_t)(now_ns - sent);
    if (!rx->have_transit) {
        rx->prev_transit_ns = transit;
        rx->have_transit = 1;
    }
    int64_t d = (int64_t)((uint64_t)transit - (uint64_t)rx->prev_transit_ns);
    if (d < 0)
        d = -d;
    rx->prev_transit_ns = transit;
    int64_t j = (int64_t)a->jitter_ns;
    j += (d - j) / 16;
    a->jitter_ns = j > 0 ? (uint64_t)j : 0;
}

static int within(uint64_t x, uint64_t y, uint64_t w)
{
    return (x > y ? x - y : y - x) <= w;
}

void dgram_rx_datagram(struct dgram_rx_state *rx, struct dgram_acct *a, const unsigned char *p,
                     size_t len, int seq64, uint64_t now_ns)
{
    if (len < (seq64 ? DGRAM_HDR64 : DGRAM_HDR32))
        return;
    uint64_t seq = decode_seq(p, seq64, a->max_seq);
    if (seq == 0 || !within(seq, a->max_seq, DGRAM_SEQ_WINDOW)) {
        /* Far from the highest: does it confirm a held jump? (32-bit
         * numbers are unwrapped against the held one for that.) */
        uint64_t held = rx->suspect_seq;
        uint64_t near = held ? decode_seq(p, seq64, held) : 0;
        if (!near || !within(near, held, DGRAM_SEQ_WINDOW)) {
            if (seq > a->max_seq)
                rx->suspect_seq = seq;
            return;
        }
        rx->suspect_seq = 0;
        count_seq(a, held);
        seq = near;
    }
    count_seq(a, seq);
    update_jitter(rx, a, p, now_ns);
}

void dgram_rx_buffer(struct dgram_rx_state *rx, struct dgram_acct *a, const unsigned char *p,
                   uint32_t len, uint32_t seg, int seq64, uint64_t now_ns, struct weir_io *io)
{
    if (seg == 0 || seg >= len)
        seg = len;
    uint32_t off = 0;
    /* do-while: an empty datagram is one block of 0 bytes. */
    do {
        uint32_t dlen = len - off < seg ? len - off : seg;
        io->blocks++;
        io->bytes += dlen;
        dgram_rx_datagram(rx, a, p + off, dlen, seq64, now_ns);
        off += dlen;
    } while (off < len);
}
