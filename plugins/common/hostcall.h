/* For plugins: report an error or a log line through the host, tolerating
 * a missing host (plugin unit tests may pass none). */
#ifndef WEIR_HOSTCALL_H
#define WEIR_HOSTCALL_H

#include <weir/weir.h>

/* host->set_error(code, ...) when there is a host; returns code, errno
 * unchanged. */
int hostcall_fail(const struct weir_host *host, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* host->log(level, ...) when there is a host. */
void hostcall_log(const struct weir_host *host, enum weir_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
