/* CPU utilisation of this process over a span, as iperf3 reports it. */
#ifndef WEIR_CPU_H
#define WEIR_CPU_H

#include <stdint.h>

struct cpu_mark {
    uint64_t wall_ns;
    uint64_t user_us, system_us;
};

void cpu_mark_now(struct cpu_mark *m);
/* Percent of one CPU since start: total, user, system. */
void cpu_since(const struct cpu_mark *start, double *total, double *user, double *system);

#endif
