/* --transport A,B,...: one test per transport, then a side-by-side table. */
#ifndef WEIR_COMPARE_H
#define WEIR_COMPARE_H

#include "cli/options.h"
#include "host/report.h"

/* Run s->compare[0..n_compare) one after another with the same options
 * (against s->host, or each against its own --loopback server) and hand
 * the reporters the comparison. Returns 0 when every test succeeded. */
int compare_run(struct settings *s, struct report_set *rs);

#endif
