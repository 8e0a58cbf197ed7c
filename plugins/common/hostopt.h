/* For plugins: the value of an option the plugin declared, read through
 * the host, with the usage errors every such option gives alike. */
#ifndef WEIR_HOSTOPT_H
#define WEIR_HOSTOPT_H

#include <weir/weir.h>

/* *out = the value of --name, NULL when not given. WEIR_OK, or
 * WEIR_E_USAGE with the error set when it was given empty. */
int hostopt_value(const struct weir_host *host, const char *name, const char **out);
/* The same, and a value given must name a file this process can read. */
int hostopt_file(const struct weir_host *host, const char *name, const char **out);

#endif
