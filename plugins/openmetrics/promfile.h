/* Replacing a metrics file so that a reader (node_exporter's textfile
 * collector) never sees half of it: the text goes to a hidden temporary
 * file in the same directory (".NAME.XXXXXX", which the collector's *.prom
 * pattern does not match), then rename(2) puts it in place. */
#ifndef WEIR_PROMFILE_H
#define WEIR_PROMFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Can PATH be replaced? (it is not a directory, and its directory takes a
 * new file). Returns 0, or -1 with the reason in err. */
int promfile_check(const char *path, char *err, size_t errlen);

/* Replace PATH with text; the new file gets mode 0666 less umask_bits.
 * Returns 0, or -1 with the reason in err (PATH is then unchanged). */
int promfile_replace(const char *path, const char *text, size_t len, mode_t umask_bits,
                     char *err, size_t errlen);

#endif
