/* A --latency client's requests in flight on one stream, by sequence
 * number: which are still due a reply, which were answered, which were
 * given up on. It decides what a reply counts for, so that a late reply
 * (to a request already counted lost) or a second one is never counted
 * again. One thread's (the stream's); sizes are powers of two. */
#ifndef WEIR_PROBE_RING_H
#define WEIR_PROBE_RING_H

#include <stdint.h>

struct probe_slot {
    uint64_t seq;
    uint64_t sent_ns;           /* the client's monotonic clock */
    uint8_t state;              /* enum probe_slot_state (probe_ring.c) */
    uint8_t counted;            /* sent after the -O period */
};

struct probe_ring {
    struct probe_slot *slots;
    uint64_t mask;
    uint64_t next_seq;          /* of the next request */
    uint64_t oldest;            /* no request below it is still due */
    uint64_t outstanding;       /* requests still due a reply */
};

/* size: a power of two. 0, or -1 when out of memory. */
int probe_ring_init(struct probe_ring *r, uint64_t size);
void probe_ring_free(struct probe_ring *r);

/* A request about to go at now: its sequence number in *seq and 0, or -1
 * when as many requests are in flight as the ring follows (the oldest
 * still due sits where the next would go): that send time is missed. */
int probe_ring_send(struct probe_ring *r, uint64_t now, int counted, uint64_t *seq);

/* A reply to seq: 1 when it answers a request still due (its send time
 * and whether it counts in *sent_ns and *counted), 0 when it is to be
 * ignored: a sequence number never sent, a request already answered (a
 * duplicate) or already given up on (late). */
int probe_ring_answer(struct probe_ring *r, uint64_t seq, uint64_t *sent_ns, int *counted);

/* Give up on the requests sent bound ns or more before now (bound 0: on
 * none; all: on every one still due); *lost_counted gets how many of them
 * counted. Returns when the oldest request still due will be given up on,
 * 0 when none is due or none will be. */
uint64_t probe_ring_expire(struct probe_ring *r, uint64_t now, uint64_t bound, int all,
                           uint64_t *lost_counted);

#endif
