/* weir plugin SDK: the descriptor every plugin exports and the services the
 * host hands it.
 *
 * A plugin is a shared object exporting exactly one symbol, WEIR_PLUGIN_ENTRY,
 * a function returning a pointer to a static, const weir_plugin descriptor.
 * The host checks abi_major (must equal its own) and abi_minor (at most its
 * own), then reads only the fields the plugin's struct_size says exist.
 *
 * How the ABI grows (sdk/README.md, "ABI versions"): within major 2 a
 * struct that carries a struct_size only grows by appending, and every
 * release that appends anything bumps WEIR_ABI_MINOR once, with the new
 * fields grouped under a comment naming that minor. A group is never
 * reopened. Structs without a struct_size (weir_counters, weir_io,
 * weir_option, weir_payload, weir_value, weir_report_sample,
 * weir_report_stream, weir_report_end_stream, weir_report_diskfile) are
 * embedded or used as arrays and stay fixed for the whole of major 2.
 * Read a field of a struct the other side built with WEIR_HAS_FIELD.
 *
 * Plugins never link against weir's executable: everything they need from the
 * host comes through struct weir_host. */
#ifndef WEIR_PLUGIN_H
#define WEIR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WEIR_ABI_MAJOR 2
#define WEIR_ABI_MINOR 0

/* The struct *ptr, built by the other side with its struct_size, has the
 * field: use before reading a field a later minor appended. */
#define WEIR_HAS_FIELD(ptr, field)                                            \
    ((size_t)((const char *)&(ptr)->field - (const char *)(ptr)) +           \
     sizeof((ptr)->field) <= (size_t)(ptr)->struct_size)

#define WEIR_PLUGIN_ENTRY      weir_plugin_entry
#define WEIR_PLUGIN_ENTRY_NAME "weir_plugin_entry"

#if defined(__GNUC__)
#define WEIR_EXPORT __attribute__((visibility("default")))
#else
#define WEIR_EXPORT
#endif

enum weir_plugin_kind {
    WEIR_PLUGIN_TRANSPORT = 1,
    WEIR_PLUGIN_REPORTER = 2
};

enum weir_log_level {
    WEIR_LOG_ERROR = 0,
    WEIR_LOG_WARNING = 1,
    WEIR_LOG_INFO = 2,
    WEIR_LOG_DEBUG = 3
};

/* A command-line option a plugin declares. The host parses it (as
 * --NAME or --NAME=VALUE / --NAME VALUE), lists it in --help and returns its
 * value through weir_host.option(). The array ends with a zeroed entry. */
struct weir_option {
    const char *name;     /* long option name without the dashes */
    const char *arg;      /* argument name for --help, or NULL for a flag */
    const char *help;     /* one line */
};

/* Services the host provides. Valid for the plugin's whole lifetime.
 * All functions may be called from any thread. */
struct weir_host {
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t struct_size;

    /* Printf-style log line on stderr ("weir: LEVEL - text"); no newline
     * needed. Debug lines show only with --debug. */
    void (*log)(enum weir_log_level level, const char *fmt, ...);
    /* Attach detail text to the error code the calling hook is about to
     * return. Per thread; the host reads it right after the hook returns. */
    void (*set_error)(enum weir_status code, const char *fmt, ...);
    /* Monotonic clock, nanoseconds. */
    uint64_t (*now_ns)(void);
    /* Value of a declared option: NULL when not given, "" for a given flag. */
    const char *(*option)(const char *name);
    /* Another transport's descriptor by name (loaded if needed), so one
     * transport can stack on another (tls on tcp). NULL when it cannot be
     * loaded. The caller runs the lower transport's init hook itself. */
    const struct weir_plugin *(*find_transport)(const char *name);
};

struct weir_transport_ops;
struct weir_reporter_ops;

struct weir_plugin {
    uint16_t abi_major;             /* WEIR_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;             /* WEIR_ABI_MINOR the plugin was built with */
    uint32_t struct_size;           /* sizeof(struct weir_plugin) */
    enum weir_plugin_kind kind;
    const char *name;               /* short name: "tcp", "json" */
    const char *description;        /* one line for --help */
    const struct weir_option *options; /* may be NULL */
    /* Exactly one of these matches kind; the other is NULL. */
    const struct weir_transport_ops *transport;
    const struct weir_reporter_ops *reporter;
};

typedef const struct weir_plugin *(*weir_plugin_entry_fn)(void);

/* Declare the entry point in a plugin:
 *   WEIR_PLUGIN_DEFINE(my_descriptor)
 * expands to the exported function returning &my_descriptor. */
#define WEIR_PLUGIN_DEFINE(desc)                                              \
    WEIR_EXPORT const struct weir_plugin *WEIR_PLUGIN_ENTRY(void);            \
    const struct weir_plugin *WEIR_PLUGIN_ENTRY(void) { return &(desc); }

#ifdef __cplusplus
}
#endif
#endif
