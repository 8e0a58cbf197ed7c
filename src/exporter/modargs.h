/* A module's args (docs/exporter.md): further weir client options, written
 * as a shell would take them, and checked when the file loads by the very
 * option parser the probe will run. */
#ifndef WEIR_EXPORTER_MODARGS_H
#define WEIR_EXPORTER_MODARGS_H

#include <stddef.h>

/* Splits text into words as a shell would, without running one: blanks
 * separate words; '...' keeps everything inside as it is; "..." keeps all
 * but \" and \\, which stand for " and \; outside quotes a backslash keeps
 * the next character. No expansion of any kind. 0, or -1 with why. The
 * words are malloc'd: free with modargs_free. */
int modargs_split(const char *text, char ***words, size_t *n, char *why, size_t len);
void modargs_free(char **words, size_t n);

/* -1 with why when the words give an option the probe sets itself (-c,
 * -p, --transport, -u, -t, -R, -P, -b, --reporter, --connect-timeout) or
 * one that would change what a probe is (-s, -n, -k, -O, -J, --logfile,
 * -D, -h, -v, --dry-run, --exporter...), abbreviated or in a cluster (-NR) too;
 * else 0. */
int modargs_refused(char *const *words, size_t n, char *why, size_t len);

/* Runs weir's option parser on argv (NULL-terminated, as the probe would
 * be run; argv[0] names it in its messages): the program (below) is
 * spawned with argv and --dry-run, so that neither its messages nor its
 * state reach this process, and nothing of this one (its threads' locks:
 * a reload runs while probes do) reaches the parser. 0 when it accepts
 * them; else -1 with its message. */
int modargs_check(char *const *argv, char *why, size_t len);

/* The weir to check with: the exporter's own path (default:
 * /proc/self/exe, this program). */
void modargs_set_program(const char *path);

#endif
