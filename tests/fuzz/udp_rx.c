/* Fuzz target: the udp transport's receive path (plugins/common/dgram.c,
 * also quic's with --quic-datagrams):
 * buffers as recvmmsg() hands them over, single datagrams or UDP_GRO
 * trains, parsed header by header into the receiver's counters (sequence,
 * loss, order, jitter).
 *
 * Input: one flags byte (bit 0: 64-bit sequence numbers), then records:
 *   u16 BE  buffer length
 *   u16 BE  GRO segment size (0: one datagram)
 *   u32 BE  microseconds since the previous buffer arrived
 *   the buffer's bytes (fewer when the input ends first) */
#include "fuzz.h"

#include <string.h>

#include "dgram.h"

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int seq64 = data[0] & 1;
    size_t off = 1;
    struct dgram_rx_state rx;
    struct dgram_acct a;
    struct weir_io io;
    memset(&rx, 0, sizeof rx);
    memset(&a, 0, sizeof a);
    memset(&io, 0, sizeof io);
    uint64_t now = 1000000000u;

    while (size - off >= 8) {
        uint32_t len = be16(data + off), seg = be16(data + off + 2);
        now += (uint64_t)be32(data + off + 4) * 1000u;
        off += 8;
        if (len > size - off)
            len = (uint32_t)(size - off);
        /* An exact copy, so a read past the buffer shows under ASan. */
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf)
            return 0;
        memcpy(buf, data + off, len);
        off += len;

        struct dgram_acct before = a;
        struct weir_io io_before = io;
        dgram_rx_buffer(&rx, &a, buf, len, seg, seq64, now, &io);
        free(buf);

        uint32_t per = seg == 0 || seg >= len ? len : seg;
        uint64_t datagrams = len == 0 ? 1 : (len + per - 1) / per;
        FUZZ_CHECK(io.bytes - io_before.bytes == len);
        FUZZ_CHECK(io.blocks - io_before.blocks == datagrams);
        /* The highest sequence only grows; loss never exceeds it; order
         * errors only add up. */
        FUZZ_CHECK(a.max_seq >= before.max_seq);
        FUZZ_CHECK(a.lost <= a.max_seq);
        FUZZ_CHECK(a.out_of_order >= before.out_of_order);
        FUZZ_CHECK(a.out_of_order - before.out_of_order <= datagrams);
    }
    return 0;
}
