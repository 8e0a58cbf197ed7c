/* The configuration in force, reference counted: a probe holds the one it
 * started with (its probe_spec points into it) while SIGHUP swaps in a new
 * one; the old one is freed when its last probe ends. */
#ifndef WEIR_EXPORTER_CURRENT_H
#define WEIR_EXPORTER_CURRENT_H

#include "exporter/config.h"

struct config_ref;

/* Makes c the configuration in force (taking ownership); the one before it
 * is released. */
void current_set(struct exp_config *c);
/* A reference to the configuration in force; never NULL once set. */
struct config_ref *current_get(void);
const struct exp_config *config_of(const struct config_ref *r);
void current_put(struct config_ref *r);
/* Releases the one in force (at exit). */
void current_clear(void);

#endif
