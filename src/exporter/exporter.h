/* weir --exporter [ADDR:]PORT: a Prometheus probe exporter. Each GET
 * /probe?target=...&module=... runs one weir test and answers its metrics;
 * see docs/exporter.md for the modules file and the limits. */
#ifndef WEIR_EXPORTER_H
#define WEIR_EXPORTER_H

#include "cli/options.h"

/* Runs until SIGTERM or SIGINT (SIGHUP: reload the modules file, reopen
 * --logfile). Returns the exit status. */
/* --dry-run: loads the modules file as a start would (its modules'
 * options checked); 0, or 1 with the reason on standard error. */
int exporter_check(const struct settings *s);

int exporter_run(const struct settings *s);

#endif
