/* Where the svg reporter's chart goes: the file named by its ARG, replaced
 * whole (written to a temporary file beside it, then renamed, so a reader
 * never sees half a chart), or the sink. */
#ifndef WEIR_SVGOUT_H
#define WEIR_SVGOUT_H

#include <stddef.h>
#include <weir/weir.h>

struct svg_out {
    const struct weir_host *host;
    struct weir_sink sink;
    char *path;                 /* NULL: the sink */
};

/* Checks that a file can be created beside path. Returns WEIR_OK, or
 * WEIR_E_LOGFILE / WEIR_E_NOMEM after host->set_error. */
int svg_out_open(struct svg_out *o, const struct weir_host *host, const char *path,
                 const struct weir_sink *sink);
/* Write one whole document. Returns WEIR_OK, or WEIR_E_LOGFILE after
 * host->set_error (what the reporter's hook returns). */
int svg_out_write(struct svg_out *o, const char *text, size_t len);
void svg_out_close(struct svg_out *o);

#endif
