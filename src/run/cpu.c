#include "run/cpu.h"

#include <sys/resource.h>
#include <time.h>

void cpu_mark_now(struct cpu_mark *m)
{
    struct timespec ts;
    struct rusage ru;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    getrusage(RUSAGE_SELF, &ru);
    m->wall_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    m->user_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
    m->system_us = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

void cpu_since(const struct cpu_mark *start, double *total, double *user, double *system)
{
    struct cpu_mark now;
    cpu_mark_now(&now);
    double wall_us = (double)(now.wall_ns - start->wall_ns) / 1000.0;
    if (wall_us <= 0) {
        *total = *user = *system = 0;
        return;
    }
    *user = 100.0 * (double)(now.user_us - start->user_us) / wall_us;
    *system = 100.0 * (double)(now.system_us - start->system_us) / wall_us;
    *total = *user + *system;
}
