/* -A: CPU affinity, as iperf3's (docs/protocol.md §6.1, server_affinity). A
 * process pins itself with -A n before it starts threads, which inherit
 * it; a server pins one test's data workers to the CPU its client asked
 * for with -A n,m. */
#ifndef WEIR_AFFINITY_H
#define WEIR_AFFINITY_H

#include <pthread.h>

/* Pin the calling thread (and the threads it starts later) to cpu.
 * Returns 0, or -1 with errno. */
int affinity_pin_self(int cpu);

/* Pin one thread to cpu. Returns 0 or an errno value. */
int affinity_pin_thread(pthread_t thread, int cpu);

/* Whether this process may run on cpu at all (a test asking for another
 * is refused with IEAFFINITY before it starts). */
int affinity_cpu_allowed(int cpu);

#endif
