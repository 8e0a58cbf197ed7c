/* Fuzz target: a udp client waiting for the server's reply to its hello
 * (plugins/udp/udp_hello.c): datagrams that are the reply, early data, or
 * junk, until the reply or too many bytes that are not.
 *
 * Input: u16 BE block size (the client's limit is 4 + 2 * it), then
 * datagrams, each a length byte and that many bytes. */
#include "fuzz.h"

#include <string.h>

#include "udp_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char legacy[UDP_HELLO_LEN] = { 0xb1, 0x68, 0xde, 0x3a };
    if (size < 2)
        return 0;
    uint64_t limit = UDP_HELLO_LEN + 2 * (uint64_t)((uint32_t)data[0] << 8 | data[1]);
    uint64_t skipped = 0;
    size_t off = 2;
    while (off < size) {
        size_t len = data[off++];
        if (len > size - off)
            len = size - off;
        /* recv() into a 4-byte buffer: a longer datagram arrives cut. */
        size_t n = len < UDP_HELLO_LEN ? len : UDP_HELLO_LEN;
        unsigned char got[UDP_HELLO_LEN];
        memcpy(got, data + off, n);
        off += len;
        uint64_t before = skipped;
        enum udp_hello_verdict v = udp_hello_verdict(got, n, &skipped, limit);
        int is_reply = n == UDP_HELLO_LEN && (memcmp(got, udp_reply_bytes, n) == 0 ||
                                              memcmp(got, legacy, n) == 0);
        FUZZ_CHECK((v == UDP_HELLO_REPLY) == is_reply);
        FUZZ_CHECK(skipped == before + (is_reply ? 0 : n));
        FUZZ_CHECK((v == UDP_HELLO_GIVE_UP) == (!is_reply && skipped > limit));
        if (v != UDP_HELLO_SKIP)
            break;
    }
    return 0;
}
