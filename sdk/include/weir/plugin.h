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
 * weir_option, weir_payload, weir_datagram, weir_value, weir_fact,
 * weir_fact_sink, weir_report_sample, weir_report_stream,
 * weir_report_end_stream, weir_report_diskfile, weir_report_latency,
 * weir_report_latency_stats, weir_report_latency_bucket,
 * weir_report_working_latency) are
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
#define WEIR_ABI_MINOR 3

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

/* ---- typed values ----
 *
 * One representation for every named value that crosses the ABI: a
 * transport parameter or a plugin option the host hands a plugin
 * (weir_host.param), and a fact a plugin hands the host (weir_fact_sink)
 * that reaches reporters (weir_fact). */

enum weir_value_type {
    WEIR_VALUE_NONE = 0,        /* no value */
    WEIR_VALUE_BOOL = 1,        /* v.b, 0 or 1 */
    WEIR_VALUE_INT = 2,         /* v.i */
    WEIR_VALUE_UINT = 3,        /* v.u: counts, and quantities in a fixed
                                   unit its name or table says: bytes,
                                   bits/s, milliseconds */
    WEIR_VALUE_DOUBLE = 4,      /* v.d, finite */
    WEIR_VALUE_STRING = 5       /* v.s, NUL-terminated UTF-8, never NULL */
};

struct weir_value {
    uint32_t type;              /* enum weir_value_type: which member is set */
    union {
        int b;
        int64_t i;
        uint64_t u;
        double d;
        const char *s;          /* whoever hands the value over says how
                                   long the string lives */
    } v;
};

/* A named value a plugin reported: what a reporter gets in
 * weir_report_start and weir_report_sample. key and a string value live as
 * long as the struct that points to the fact. */
struct weir_fact {
    const char *key;
    struct weir_value value;
};

/* Where a plugin reports facts (weir_transport_ops.describe and
 * .describe_interval): the host's collector, valid only during the hook
 * call that got it. add copies key and a string value; facts keep the
 * order they were added in. A key is letters, digits and '_', with '.' to
 * nest: "tls.version" and "tls.cipher" are the members "version" and
 * "cipher" of one "tls" object in the JSON report and one "tls: version
 * .., cipher .." group in text. The host drops a fact whose key or value is
 * malformed (a NULL string, a NaN). Use the weir_fact_* helpers below. */
struct weir_fact_sink {
    void *ctx;
    void (*add)(void *ctx, const char *key, const struct weir_value *value);
};

static inline void weir_fact_bool(const struct weir_fact_sink *out, const char *key, int b)
{
    struct weir_value v;
    v.type = WEIR_VALUE_BOOL;
    v.v.b = b != 0;
    out->add(out->ctx, key, &v);
}

static inline void weir_fact_int(const struct weir_fact_sink *out, const char *key, int64_t i)
{
    struct weir_value v;
    v.type = WEIR_VALUE_INT;
    v.v.i = i;
    out->add(out->ctx, key, &v);
}

static inline void weir_fact_uint(const struct weir_fact_sink *out, const char *key, uint64_t u)
{
    struct weir_value v;
    v.type = WEIR_VALUE_UINT;
    v.v.u = u;
    out->add(out->ctx, key, &v);
}

static inline void weir_fact_double(const struct weir_fact_sink *out, const char *key, double d)
{
    struct weir_value v;
    v.type = WEIR_VALUE_DOUBLE;
    v.v.d = d;
    out->add(out->ctx, key, &v);
}

static inline void weir_fact_string(const struct weir_fact_sink *out, const char *key, const char *s)
{
    struct weir_value v;
    v.type = WEIR_VALUE_STRING;
    v.v.s = s;
    out->add(out->ctx, key, &v);
}

/* A command-line option a plugin declares. The host parses it (as --NAME,
 * or --NAME=VALUE / --NAME VALUE), lists it in --help and returns its value
 * through weir_host.param(NULL, NAME, &value). The array ends with a zeroed
 * entry. */
struct weir_option {
    const char *name;     /* long option name without the dashes */
    const char *arg;      /* argument name for --help, or NULL for a flag */
    const char *help;     /* one line */
    uint32_t type;        /* enum weir_value_type of the value. A flag (arg
                             NULL) is WEIR_VALUE_BOOL, 1 when given. With
                             an arg: WEIR_VALUE_STRING, or _INT, _UINT,
                             _DOUBLE, which the host parses (decimal, the
                             whole text) and refuses otherwise with a usage
                             error naming the option. 0: a flag when arg is
                             NULL, else a string. */
};

struct weir_lower;
struct weir_stream_config;

/* Services the host provides. Valid for the plugin's whole lifetime.
 * All functions may be called from any thread unless their comment says
 * otherwise. */
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
    /* The typed value of a named parameter. With cfg (a transport's stream
     * hooks), first the core's transport parameters of that stream's test
     * (WEIR_PARAM_*, the table in transport.h); then, with or without cfg,
     * the options plugins declared (struct weir_option), by name. Returns 1
     * with *out set when the name has a value, 0 with out->type
     * WEIR_VALUE_NONE when it was not given (or is unknown). A string lives
     * as long as cfg for a transport parameter (copy what you keep), for
     * the process for an option. Options are parsed before any init or
     * open hook runs. Use the weir_param_* helpers below. */
    int (*param)(const struct weir_stream_config *cfg, const char *name, struct weir_value *out);
    /* A status code of the plugin's own, for a failure none of
     * WEIR_ERROR_MAP's codes describes: returns the code (from
     * WEIR_E_REGISTERED_FIRST on; the same code for the same message) that
     * a hook then returns like any other, and the core prints message
     * (then ": detail" from set_error). Register in init or open; the host
     * copies message. Returns WEIR_E_PLUGIN once WEIR_E_REGISTERED_MAX
     * reasons exist. Such codes never travel to the peer: a server's
     * client hears "test initialization failed" or the like. */
    int (*error_reason)(const char *message);

    /* Stacking (sdk/README.md, "Stacking"): the transport plugin NAME,
     * found as --transport NAME would find it, loaded and initialised, for
     * the calling transport to run on (tls opens "tcp"). The host runs the
     * lower transport's init once per process, shared by every user of it
     * there: the core's own tests over it (--loopback, a server serving
     * both tcp and tls tests) and every transport stacked on it. Each
     * successful call takes a reference; close_lower gives it back; the
     * lower's fini runs when the last user is gone (the core keeps its own
     * reference until exit, so in practice at exit, after the upper's
     * fini). Control threads only: from init (usual) or another control
     * hook, never from send/recv. Returns WEIR_OK with *lower set (valid
     * until close_lower), or WEIR_E_PLUGIN with the detail set: the plugin
     * is not found or does not load, is not a transport, its init failed,
     * or it would run beneath itself. */
    int (*open_lower)(const char *name, const struct weir_lower **lower);
    /* Give back the reference an open_lower took: once per successful
     * open_lower, after every stream and listener opened on it is closed
     * (an upper transport calls it from its fini). NULL is ignored. */
    void (*close_lower)(const struct weir_lower *lower);
};

/* host->param, read as one type with a default for "not given". The
 * integer ones take an INT or UINT value that fits the type asked for. A
 * NULL host (a plugin unit test without one) gives the default. */
static inline int weir_param_flag(const struct weir_host *host, const struct weir_stream_config *cfg,
                                  const char *name)
{
    struct weir_value v;
    return host && host->param && host->param(cfg, name, &v) && v.type == WEIR_VALUE_BOOL && v.v.b;
}

static inline int64_t weir_param_int(const struct weir_host *host, const struct weir_stream_config *cfg,
                                     const char *name, int64_t dflt)
{
    struct weir_value v;
    if (!host || !host->param || !host->param(cfg, name, &v))
        return dflt;
    if (v.type == WEIR_VALUE_INT)
        return v.v.i;
    if (v.type == WEIR_VALUE_UINT && v.v.u <= (uint64_t)INT64_MAX)
        return (int64_t)v.v.u;
    return dflt;
}

static inline uint64_t weir_param_uint(const struct weir_host *host, const struct weir_stream_config *cfg,
                                       const char *name, uint64_t dflt)
{
    struct weir_value v;
    if (!host || !host->param || !host->param(cfg, name, &v))
        return dflt;
    if (v.type == WEIR_VALUE_UINT)
        return v.v.u;
    if (v.type == WEIR_VALUE_INT && v.v.i >= 0)
        return (uint64_t)v.v.i;
    return dflt;
}

static inline const char *weir_param_string(const struct weir_host *host,
                                            const struct weir_stream_config *cfg,
                                            const char *name, const char *dflt)
{
    struct weir_value v;
    if (!host || !host->param || !host->param(cfg, name, &v) || v.type != WEIR_VALUE_STRING)
        return dflt;
    return v.v.s;
}

struct weir_transport_ops;
struct weir_reporter_ops;
struct weir_plugin;

/* A transport another one runs on, as host->open_lower hands it out. The
 * host owns it; it stays valid and unchanged until close_lower. The upper
 * transport calls the lower's hooks itself, passing global where a hook
 * takes one: ops->client_open(lower->global, cfg, &stream), and so on, with
 * cfg->lower set (transport.h, WEIR_LOWER_*). The byte and datagram hooks
 * (write_bytes, read_bytes, send_datagrams, recv_datagrams) are optional:
 * check the one you need before you rely on it, in init. */
struct weir_lower {
    uint32_t struct_size;                   /* sizeof(struct weir_lower), host's */
    const struct weir_plugin *plugin;       /* the lower's descriptor: name, options */
    const struct weir_transport_ops *ops;   /* its hooks (plugin->transport) */
    void *global;                           /* what its init set (may be NULL) */
};

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
