/* The payload of the bundled transports: iperf3's repeating pattern, and
 * with -F the next block of the core's payload (struct weir_payload),
 * taken at the start of each block. */
#ifndef WEIR_PAYLOAD_H
#define WEIR_PAYLOAD_H

#include <stddef.h>
#include <weir/weir.h>

/* --repeating-payload: "0123456789" over and over from buf's first byte,
 * as iperf3 fills its blocks. */
static inline void payload_fill_repeating(unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)('0' + i % 10);
}

/* Up to blksize bytes into buf, their count in *len. WEIR_OK,
 * WEIR_E_DATAEND when there are no more (send returns it once nothing else
 * moved in the call), or WEIR_E_FILE with the core's detail set. */
static inline int payload_next(const struct weir_payload *p, unsigned char *buf,
                                    uint32_t blksize, uint32_t *len)
{
    long got = p->fill(p->ctx, buf, blksize);
    if (got < 0)
        return WEIR_E_FILE;
    if (got == 0)
        return WEIR_E_DATAEND;
    *len = (uint32_t)got;
    return WEIR_OK;
}

#endif
