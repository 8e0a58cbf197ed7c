/* The data path: a few worker threads, each running an epoll loop over the
 * streams given to it. The main thread only flips test->phase and reads
 * counters; workers never allocate, format or lock while data moves. */
#ifndef WEIR_WORKERS_H
#define WEIR_WORKERS_H

struct test;

/* Start n threads (0: one per online CPU, at most one per stream) and give
 * each its share of the test's streams (from t->workers_from on). Data
 * moves once phase is RUN. */
int workers_start(struct test *t, int n);
/* Number of worker threads running (0 before start). */
int workers_count(const struct test *t);
/* Tell workers the phase changed (they re-read it). */
void workers_wake(struct test *t);
/* Set phase STOP, wake and join every worker, free the pool. */
void workers_stop(struct test *t);

#endif
