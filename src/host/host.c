#include "host/host.h"
#include "cli/identity.h"
#include "host/loader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Thread_local int err_code;
static _Thread_local char err_text[512];
static int debug_on;

#define MAX_OPTIONS 64
static struct { const char *name; const char *value; } options[MAX_OPTIONS];
static int n_options;

uint64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void host_log(enum weir_log_level level, const char *fmt, ...)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    if (level == WEIR_LOG_DEBUG && !debug_on)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s - %s\n", identity_name(), names[level <= WEIR_LOG_DEBUG ? level : 0], line);
}

static void host_set_error(enum weir_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_code = code;
    vsnprintf(err_text, sizeof err_text, fmt, ap);
    va_end(ap);
}

static const char *host_option(const char *name)
{
    for (int i = 0; i < n_options; i++)
        if (strcmp(options[i].name, name) == 0)
            return options[i].value;
    return NULL;
}

static const struct weir_plugin *host_find_transport(const char *name)
{
    char err[512];
    return loader_load(name, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
}

static const struct weir_host services = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof(struct weir_host),
    .log = host_log,
    .set_error = host_set_error,
    .now_ns = host_now_ns,
    .option = host_option,
    .find_transport = host_find_transport,
};

const struct weir_host *host_services(void)
{
    return &services;
}

const char *host_take_error(int *code)
{
    if (code)
        *code = err_code;
    return err_text;
}

void host_clear_error(void)
{
    err_code = 0;
    err_text[0] = '\0';
}

void host_set_option(const char *name, const char *value)
{
    for (int i = 0; i < n_options; i++)
        if (strcmp(options[i].name, name) == 0) {
            options[i].value = value;
            return;
        }
    if (n_options < MAX_OPTIONS) {
        options[n_options].name = name;
        options[n_options].value = value;
        n_options++;
    }
}

void host_set_debug(int on)
{
    debug_on = on;
}
