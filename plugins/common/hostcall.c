#include "hostcall.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int hostcall_fail(const struct weir_host *host, int code, const char *fmt, ...)
{
    if (!host || !host->set_error)
        return code;
    /* A stacked transport reads the failing call's errno after the lower
     * transport's hook returns (transport.h). */
    int saved = errno;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    host->set_error((enum weir_status)code, "%s", text);
    errno = saved;
    return code;
}

void hostcall_log(const struct weir_host *host, enum weir_log_level level, const char *fmt, ...)
{
    if (!host || !host->log)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    host->log(level, "%s", text);
}
