/* The server side of the iperf3 control protocol. */
#ifndef WEIR_SERVER_H
#define WEIR_SERVER_H

#include "options.h"
#include "report.h"

/* Serve tests one after another on listen_fd (already listening) until a
 * signal, or after one test with -1. Returns the process exit status. */
int server_serve(const struct weir_settings *s, struct report_set *rs, int listen_fd, uint16_t port);

/* Listen per the settings and serve. */
int server_run(const struct weir_settings *s, struct report_set *rs);

#endif
