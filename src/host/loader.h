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

/* An ops struct's optional hook: inside the struct the plugin was built
 * with, and set. */
#define HAS_HOOK(ops, hook) (WEIR_HAS_FIELD(ops, hook) && (ops)->hook)

/* Directory given with --plugin-dir (NULL: none). */
void loader_set_plugin_dir(const char *dir);

/* Load (or return the already loaded) plugin of the given kind. On failure
 * returns NULL and writes one line for the user into err. */
const struct weir_plugin *loader_load(const char *name, enum weir_plugin_kind kind,
                                      char *err, size_t errlen);

/* Initialise a transport once per process (its init hook); *global is the
 * value to pass to its stream hooks. */
int loader_transport_global(const struct weir_plugin *p, void **global);

/* Run fini hooks and unload everything (at exit). */
void loader_unload_all(void);

/* --list-plugins: one line per plugin a bare NAME finds on the search
 * path, "KIND NAME DESCRIPTION", transports first, each kind by name. A
 * file that does not load is named on stderr and left out. */
void loader_list(FILE *out);

/* The comma-separated list of directories searched, for messages. */
void loader_search_path(char *buf, size_t len);

#endif
