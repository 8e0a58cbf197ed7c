/* One [module NAME] section of the modules file: each key's value as it is
 * read, then, once the section ends, the checks across its keys and weir's
 * own check of the options its probes will run. */
#ifndef WEIR_EXPORTER_MODULE_H
#define WEIR_EXPORTER_MODULE_H

#include <stddef.h>

#include "exporter/config.h"

enum module_key { MK_TRANSPORT, MK_TIME, MK_REVERSE, MK_PARALLEL, MK_BITRATE, MK_PORT, MK_ARGS,
                  MK_PARAMS, MK_TRANSPORTS, MK_MAX_TIME, MK_MAX_PARALLEL, MK_MAX_BITRATE,
                  MK_LATENCY, N_MODULE_KEYS };

/* The key's enum module_key, or -1 for an unknown one. */
int module_key_index(const char *key);

/* 1 to 64 letters, digits, '-', '_' or '.'. */
int module_name_valid(const char *name);

/* Appends a module with config.h's defaults to c's; NULL when out of
 * memory. */
struct exp_module *module_add(struct exp_config *c, const char *name);
void module_clear(struct exp_module *m);
/* Appends the built-in module "default": a 5 s TCP test that queries may
 * not change. 0, or -1 when out of memory. */
int module_add_builtin_default(struct exp_config *c);

/* Sets one key from its value as written. 0, or -1 with why ("time: ..."). */
int module_set(struct exp_module *m, enum module_key key, const char *value, char *why, size_t len);

/* Completes m (transports defaults to its transport) and checks it: weir
 * must take the options of each probe a query can ask for by changing one
 * thing at most; what weir refuses only to a mix of changes is kept in
 * m->refused_mixes.
 * key_line[k] is the line of key k, 0 when it was not given; header the
 * line of its [module NAME]. 0, or -1 with why and in *line the line the
 * reason is about. */
int module_finish(struct exp_module *m, const int *key_line, int header, int *line, char *why,
                  size_t len);

#endif
