/* What the fuzz targets share. Each target is one .c file defining
 * LLVMFuzzerTestOneInput; it is linked either with libFuzzer (make fuzz)
 * or with replay.c (make check, which replays the corpus under
 * tests/fuzz/corpus/TARGET). A target keeps nothing across calls: every
 * descriptor, allocation and test it makes is undone before it returns. */
#ifndef WEIR_FUZZ_H
#define WEIR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct test;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test. Not assert(): it must hold in every
 * build, and a failure must stop libFuzzer with the input saved. */
#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                     \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* The read end of a connected socket pair holding data, then end of file:
 * what a peer sent before it closed. Reads never wait. Returns the
 * descriptor (the caller closes it) or -1. Bytes beyond what the socket
 * buffer takes (far above every target's -max_len) are dropped. */
int fuzz_feed(const uint8_t *data, size_t size);

/* A test of role WEIR_ROLE_CLIENT or WEIR_ROLE_SERVER over a stand-in
 * transport with the given WEIR_CAP_* bits, with n streams (ids 1, 3, 4,
 * ...): stream i sends when bit i of sending_mask is set. No sockets. */
void fuzz_test_init(struct test *t, int role, uint32_t caps, int n, uint64_t sending_mask);
void fuzz_test_free(struct test *t);

#endif
