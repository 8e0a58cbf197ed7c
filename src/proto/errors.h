/* Status codes and their messages (the table is in sdk/include/weir/errors.h). */
#ifndef WEIR_CORE_ERRORS_H
#define WEIR_CORE_ERRORS_H

#include <weir/errors.h>
#include <stddef.h>

/* The fixed message for a code ("unknown error N" for others). */
const char *error_strerror(int code);
/* Message plus detail: "MSG: DETAIL" or just "MSG". */
void error_text(char *buf, size_t len, int code, const char *detail);
/* The same without the message's " - ..." guesses at a cause (iperf3's
 * "server may have stopped running ..."), for a detail that names it. */
void error_text_no_hint(char *buf, size_t len, int code, const char *detail);

#endif
