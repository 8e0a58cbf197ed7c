/* --loopback: the client against a silent one-off server in this process. */
#ifndef WEIR_LOOPBACK_H
#define WEIR_LOOPBACK_H

#include "roles/client.h"
#include "cli/options.h"
#include "host/report.h"

/* Run one test against an in-process server on an ephemeral 127.0.0.1
 * port. Rewrites s->host, s->port and s->family. Returns the exit status;
 * out as for client_run. */
int loopback_run(struct settings *s, struct report_set *rs, struct client_outcome *out);

#endif
