#include "run/probe.h"

#include <time.h>

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

void probe_encode(unsigned char *buf, const struct probe_msg *m)
{
    put32(buf, PROBE_MAGIC);
    buf[4] = (unsigned char)(m->kind >> 8);
    buf[5] = (unsigned char)m->kind;
    buf[6] = buf[7] = 0;
    put64(buf + 8, m->seq);
    put64(buf + 16, m->c_mono);
    put64(buf + 24, m->c_real);
    put64(buf + 32, m->s_rx);
    put64(buf + 40, m->s_tx);
}

int probe_decode(const unsigned char *buf, size_t len, uint16_t kind, struct probe_msg *m)
{
    if (len < PROBE_HEADER || get(buf, 4) != PROBE_MAGIC || get(buf + 4, 2) != kind)
        return -1;
    m->kind = kind;
    m->seq = get(buf + 8, 8);
    m->c_mono = get(buf + 16, 8);
    m->c_real = get(buf + 24, 8);
    m->s_rx = get(buf + 32, 8);
    m->s_tx = get(buf + 40, 8);
    return 0;
}

uint64_t probe_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
