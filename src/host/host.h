/* The services weir hands to plugins (struct weir_host). */
#ifndef WEIR_HOST_H
#define WEIR_HOST_H

#include <weir/weir.h>

const struct weir_host *host_services(void);

/* Error detail the calling thread's last hook attached (then cleared). */
const char *host_take_error(int *code);
void host_clear_error(void);

/* A plugin-declared option given on the command line (text: its argument,
 * NULL for a flag), kept typed as declared for host->param; as many as the
 * command line has. Returns 0, or -1 with a usage line in why when text is
 * not of the option's type (or memory ran out). */
int host_set_option(const struct weir_option *o, const char *text, char *why, size_t whylen);
/* The type of an option's value: WEIR_VALUE_BOOL for a flag, else as
 * declared (a string when 0). */
uint32_t host_option_type(const struct weir_option *o);

/* Process-wide log verbosity: debug lines only with -d/--debug. */
void host_set_debug(int on);

uint64_t host_now_ns(void);

#endif
