/* One --latency probe message on the wire (docs/protocol.md §11.11): a
 * request the client sends and the reply the server echoes, each a
 * PROBE_HEADER-byte header padded with zeros to the negotiated size. All
 * fields big-endian:
 *
 *   0  magic  u32   "WLAT"
 *   4  kind   u16   1 request, 2 reply
 *   6  zero   u16
 *   8  seq    u64   the client's, from 0 per stream
 *  16  c_mono u64   client's send time, its monotonic clock (ns; echoed
 *                   untouched: round trips need no shared clock)
 *  24  c_real u64   client's send time, CLOCK_REALTIME (ns)
 *  32  s_rx   u64   server's receive time, CLOCK_REALTIME (reply only)
 *  40  s_tx   u64   server's send time, CLOCK_REALTIME (reply only) */
#ifndef WEIR_PROBE_H
#define WEIR_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define PROBE_HEADER 48u
#define PROBE_MAGIC 0x574c4154u
enum probe_kind { PROBE_REQUEST = 1, PROBE_REPLY = 2 };

struct probe_msg {
    uint16_t kind;
    uint64_t seq;
    uint64_t c_mono, c_real;
    uint64_t s_rx, s_tx;
};

/* Writes m's header into buf (at least PROBE_HEADER bytes); the padding
 * after it is the caller's (zeroed once). */
void probe_encode(unsigned char *buf, const struct probe_msg *m);
/* Reads a header: 0, or -1 when buf is not a probe of the wanted kind. */
int probe_decode(const unsigned char *buf, size_t len, uint16_t kind, struct probe_msg *m);
/* The wall clock the one-way delays use, ns. */
uint64_t probe_realtime_ns(void);

#endif
