/* The 37-byte test cookie: 36 characters of a-z2-7 and a NUL (docs/protocol.md §3.2). */
#ifndef WEIR_COOKIE_H
#define WEIR_COOKIE_H

#include <weir/transport.h>

int cookie_make(unsigned char cookie[WEIR_COOKIE_SIZE]);
/* iperf3 compares with strncmp over 37 bytes: stops at the first NUL. */
int cookie_equal(const unsigned char *a, const unsigned char *b);

#endif
