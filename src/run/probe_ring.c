#include "run/probe_ring.h"

#include <stdlib.h>

enum probe_slot_state { SLOT_FREE, SLOT_OUT, SLOT_DONE };

int probe_ring_init(struct probe_ring *r, uint64_t size)
{
    r->slots = calloc(size, sizeof *r->slots);
    r->mask = size - 1;
    r->next_seq = r->oldest = r->outstanding = 0;
    return r->slots ? 0 : -1;
}

void probe_ring_free(struct probe_ring *r)
{
    free(r->slots);
    r->slots = NULL;
}

int probe_ring_send(struct probe_ring *r, uint64_t now, int counted, uint64_t *seq)
{
    struct probe_slot *s = &r->slots[r->next_seq & r->mask];
    if (s->state == SLOT_OUT)
        return -1;
    *s = (struct probe_slot){ .seq = r->next_seq, .sent_ns = now, .state = SLOT_OUT,
                              .counted = (uint8_t)(counted != 0) };
    *seq = r->next_seq++;
    r->outstanding++;
    return 0;
}

int probe_ring_answer(struct probe_ring *r, uint64_t seq, uint64_t *sent_ns, int *counted)
{
    if (seq >= r->next_seq)
        return 0;
    struct probe_slot *s = &r->slots[seq & r->mask];
    if (s->seq != seq || s->state != SLOT_OUT)
        return 0;
    s->state = SLOT_DONE;
    r->outstanding--;
    *sent_ns = s->sent_ns;
    *counted = s->counted;
    return 1;
}

uint64_t probe_ring_expire(struct probe_ring *r, uint64_t now, uint64_t bound, int all,
                           uint64_t *lost_counted)
{
    *lost_counted = 0;
    while (r->oldest < r->next_seq) {
        struct probe_slot *s = &r->slots[r->oldest & r->mask];
        if (s->seq != r->oldest || s->state != SLOT_OUT) {
            r->oldest++;        /* answered, or its slot taken since */
            continue;
        }
        if (!all && !bound)
            return 0;
        uint64_t due = s->sent_ns + bound;
        if (!all && now < due)
            return due;
        s->state = SLOT_DONE;
        r->outstanding--;
        r->oldest++;
        *lost_counted += s->counted;
    }
    return 0;
}
