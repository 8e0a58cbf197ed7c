#include "exporter/xlog.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int debug;

static void line(const char *fmt, va_list ap)
{
    char when[32];
    struct tm tm;
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    pthread_mutex_lock(&lock);
    fprintf(stderr, "%s weir exporter: ", when);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}

void xlog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line(fmt, ap);
    va_end(ap);
}

void xlog_debug(const char *fmt, ...)
{
    if (!debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    line(fmt, ap);
    va_end(ap);
}

void xlog_set_debug(int on)
{
    debug = on;
}
