/* Finds, loads and checks plugins. Search order for a bare NAME (the file
 * NAME.so): --plugin-dir, then each directory of WEIR_PLUGIN_PATH (colon
 * separated), then the installed plugin directory, which the list in
 * WEIR_PLUGIN_SYSTEM_PATH replaces when that is set (empty: none). A NAME
 * containing '/' is a path; "FILE.so" is that file in the current
 * directory if it is there, else looked up like a bare name. Regular files
 * only; RTLD_NOW | RTLD_LOCAL. */
#ifndef WEIR_LOADER_H
#define WEIR_LOADER_H

#include <stddef.h>
#include <stdio.h>
#include <weir/weir.h>

/* The transport of a client without --transport (or -u), and of a test
 * whose client names none in its parameters: iperf3's default protocol. */
#define DEFAULT_TRANSPORT "tcp"

/* Directory given with --plugin-dir (NULL: none). */
void loader_set_plugin_dir(const char *dir);
/* That directory, for the commands weir runs itself (the exporter's
 * probes), NULL when none was given. */
const char *loader_plugin_dir(void);

/* Load (or return the already loaded) plugin of the given kind. On failure
 * returns NULL and writes one line for the user into err. What it returns
 * is the host's copy of the plugin's descriptor, valid until
 * loader_unload_all, whose ops are complete: every hook set, the optional
 * ones the plugin left out by the host's stand-ins (hookdefaults.h). A
 * transport lacking the hook its caps require (server_adopt with
 * WEIR_CAP_CONTROL_PORT, server_accept without) is refused. Only
 * host/transport.c and host/report.c call the hooks. */
const struct weir_plugin *loader_load(const char *name, enum weir_plugin_kind kind,
                                      char *err, size_t errlen);

/* The core's use of a loaded transport: init runs once per process, for
 * its first user (the core's tests, or a transport stacked on it); the
 * core then holds a reference until loader_unload_all. *global is the
 * value to pass to its hooks. */
int loader_transport_global(const struct weir_plugin *p, void **global);

/* host->open_lower: load transport NAME and take a reference on it for a
 * transport stacked on it (init for the first user). The weir_lower holds
 * the plugin's own descriptor and ops, not the core's complete copy: the
 * upper transport tells what the lower one can do by the hooks it set. On
 * failure returns WEIR_E_PLUGIN and writes one line for the user into
 * err. */
int loader_open_lower(const char *name, const struct weir_lower **lower, char *err, size_t errlen);
/* host->close_lower: give the reference back (fini after the last). */
void loader_close_lower(const struct weir_lower *lower);

/* At exit: give back the core's references, which runs every transport's
 * fini (an upper's before the one it stacks on), then unload everything.
 * With -d each load, init and fini shows as a debug line. */
void loader_unload_all(void);

/* --list-plugins: one line per plugin a bare NAME finds on the search
 * path, "KIND NAME DESCRIPTION", transports first, each kind by name. A
 * file that does not load is named on stderr and left out. */
void loader_list(FILE *out);

/* The comma-separated list of directories searched, for messages. */
void loader_search_path(char *buf, size_t len);

#endif
