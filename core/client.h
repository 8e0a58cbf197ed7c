/* The client side of the iperf3 control protocol. */
#ifndef WEIR_CLIENT_H
#define WEIR_CLIENT_H

#include "options.h"
#include "report.h"

/* Run one test against s->host:s->port. Returns the process exit status. */
int client_run(const struct weir_settings *s, struct report_set *rs);

#endif
