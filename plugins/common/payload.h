/* -F in the bundled transports: the next block of the core's payload
 * (struct weir_payload), taken at the start of each block. */
#ifndef WEIR_PAYLOAD_H
#define WEIR_PAYLOAD_H

#include <weir/weir.h>

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
