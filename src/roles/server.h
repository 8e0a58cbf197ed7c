/* The server side of the iperf3 control protocol. */
#ifndef WEIR_SERVER_H
#define WEIR_SERVER_H

#include "cli/options.h"
#include "host/report.h"

/* Serve tests on listen_fd (already listening), up to --max-tests at once,
 * until a signal, a byte on stop_fd (-1: none), or after one test with -1.
 * Returns the process exit status. */
int server_serve(const struct settings *s, struct report_set *rs, int listen_fd, uint16_t port,
                 int stop_fd);

/* Listen per the settings and serve. */
int server_run(const struct settings *s, struct report_set *rs);

#endif
