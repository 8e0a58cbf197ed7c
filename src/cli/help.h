/* --help: weir's options from the option table, by section, then the
 * options of the plugins the command line names. */
#ifndef WEIR_HELP_H
#define WEIR_HELP_H

#include <stdio.h>
#include <weir/plugin.h>

void help_print(FILE *out, const struct weir_plugin *const *plugins, int n);

#endif
