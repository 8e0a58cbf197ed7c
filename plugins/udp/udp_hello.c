/* udp transport: the hello's bytes (docs/protocol.md §7.3) and what a datagram
 * that reaches a client waiting for the reply means. No system calls, so
 * the fuzz target can drive it on its own. */
#include "udp_int.h"

#include <string.h>

const unsigned char udp_hello_bytes[UDP_HELLO_LEN] = { 0x39, 0x38, 0x37, 0x36 };   /* "9876" */
const unsigned char udp_reply_bytes[UDP_HELLO_LEN] = { 0x36, 0x37, 0x38, 0x39 };   /* "6789" */
/* Servers before iperf3 3.12 reply with 987654321 as a little-endian int32. */
static const unsigned char legacy_reply[UDP_HELLO_LEN] = { 0xb1, 0x68, 0xde, 0x3a };

enum udp_hello_verdict udp_hello_verdict(const unsigned char *got, size_t n, uint64_t *skipped,
                                         uint64_t limit)
{
    if (n == UDP_HELLO_LEN && (memcmp(got, udp_reply_bytes, UDP_HELLO_LEN) == 0 ||
                               memcmp(got, legacy_reply, UDP_HELLO_LEN) == 0))
        return UDP_HELLO_REPLY;
    *skipped += (uint64_t)n;
    return *skipped > limit ? UDP_HELLO_GIVE_UP : UDP_HELLO_SKIP;
}
