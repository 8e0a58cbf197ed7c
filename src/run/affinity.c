#include "run/affinity.h"

#include <errno.h>
#include <sched.h>

static int fill(cpu_set_t *set, int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return EINVAL;
    CPU_ZERO(set);
    CPU_SET(cpu, set);
    return 0;
}

int affinity_pin_self(int cpu)
{
    cpu_set_t set;
    int e = fill(&set, cpu);
    if (e) {
        errno = e;
        return -1;
    }
    return sched_setaffinity(0, sizeof set, &set);
}

int affinity_pin_thread(pthread_t thread, int cpu)
{
    cpu_set_t set;
    int e = fill(&set, cpu);
    return e ? e : pthread_setaffinity_np(thread, sizeof set, &set);
}

int affinity_cpu_allowed(int cpu)
{
    cpu_set_t set;
    if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    return CPU_ISSET(cpu, &set) != 0;
}
