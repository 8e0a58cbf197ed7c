/* How weir presents itself: as "weir", or, when run under the name iperf3
 * (./configure --enable-iperf3-name installs that link), as the iperf3
 * release whose options and output it covers, for tools that run an iperf3
 * binary and parse its --version, its error lines and "iperf Done.". */
#ifndef WEIR_IDENTITY_H
#define WEIR_IDENTITY_H

#include <stddef.h>
#include <stdio.h>

/* From argv[0], once, before anything prints. */
void identity_init(const char *argv0);
/* The prefix of stderr lines: "weir", or "iperf3" ("iperf3: error - ..."). */
const char *identity_name(void);
/* The line that ends a successful client run: "weir Done." or "iperf Done.". */
const char *identity_done_line(void);
/* -v, --version. */
void identity_print_version(FILE *out);
/* The uname line of --version and of the JSON start.system_info. */
void identity_system_info(char *buf, size_t len);

#endif
