/* The services weir hands to plugins (struct weir_host). */
#ifndef WEIR_HOST_H
#define WEIR_HOST_H

#include <weir/weir.h>

const struct weir_host *host_services(void);

/* Error detail the calling thread's last hook attached (then cleared). */
const char *host_take_error(int *code);
void host_clear_error(void);

/* Values of plugin-declared options, filled by the option parser. */
void host_set_option(const char *name, const char *value);

/* Process-wide log verbosity: debug lines only with -d/--debug. */
void host_set_debug(int on);

uint64_t host_now_ns(void);

#endif
