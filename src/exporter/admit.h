/* What a probe must pass before its test runs, besides the allow-list:
 * a per-target minimum interval (429) and a slot among the probes allowed
 * to run at once, waited for in arrival order up to a bound (503). */
#ifndef WEIR_EXPORTER_ADMIT_H
#define WEIR_EXPORTER_ADMIT_H

/* Monotonic seconds. */
double admit_now(void);

/* A probe of target (address and port, as text) may start now when the
 * last one started at least min_interval seconds ago: returns 0 and
 * records now. Else the seconds left (> 0). -1: the table of recent
 * targets is full. */
double admit_interval(const char *target, double min_interval);

enum slot_wait { SLOT_TAKEN, SLOT_TIMEOUT, SLOT_STOPPING };

/* Waits for one of max_concurrent slots, at most timeout seconds, behind
 * the probes that came first; *waited: the seconds it took. */
enum slot_wait admit_slot(int max_concurrent, double timeout, double *waited);
void admit_slot_release(void);
/* Probes waiting for a slot now. */
int admit_waiting(void);
/* Exporter stopping: every wait ends with SLOT_STOPPING. */
void admit_stop(void);

#endif
