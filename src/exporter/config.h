/* The exporter's configuration (weir --exporter): the modules file given
 * with --exporter-config, plus the command line's --exporter-allow rules,
 * parsed into one immutable struct exp_config. A reload (SIGHUP) parses a
 * new one and swaps it in whole; probes running keep the one they started
 * with (reference counted), and a reload that fails keeps the old one.
 *
 * This header is the seam between the HTTP side (http.c, probe.c: serving,
 * resolving, spawning the test) and the configuration side (config.c,
 * allow.c, query.c: parsing the file, matching targets, turning a query
 * string into the test to run). docs/exporter.md describes the file. */
#ifndef WEIR_EXPORTER_CONFIG_H
#define WEIR_EXPORTER_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Query parameters a module may let a probe request set (bits of
 * exp_module.params). target and module are always accepted. */
enum probe_param {
    PP_TRANSPORT = 1u << 0,     /* transport=NAME, one of the module's transports */
    PP_TIME      = 1u << 1,     /* time=SECONDS (a decimal fraction) */
    PP_REVERSE   = 1u << 2,     /* reverse=0|1 */
    PP_PARALLEL  = 1u << 3,     /* parallel=N */
    PP_BITRATE   = 1u << 4,     /* bitrate=RATE, decimal suffixes as -b (100M) */
    PP_UDP       = 1u << 5      /* udp=0|1: 1 is transport=udp */
};

/* A named way to probe: what the test is, and what a query may change. */
struct exp_module {
    char *name;
    /* The test before the query's changes. */
    char *transport;            /* "tcp" when the file names none */
    double time;                /* seconds; 5 */
    int reverse;                /* 0 */
    int parallel;               /* 1 */
    uint64_t bitrate;           /* bit/s; 0: the transport's own default */
    int port;                   /* used when a target names no port; 5201 */
    char **args;                /* further weir client options (-C cubic,
                                   --tls-insecure, ...), checked at load with
                                   weir's own option parser */
    size_t n_args;
    /* What a query may change, and how far. Values above a limit are
     * clamped to it, not refused (the probe says so in a metric label-free
     * info line); a parameter not in params is refused (400). */
    unsigned params;            /* enum probe_param bits */
    char **transports;          /* what transport= may name; always includes
                                   `transport` */
    size_t n_transports;
    double max_time;            /* hard cap for any probe of this module;
                                   default and ceiling: 60 s */
    int max_parallel;           /* default 8, ceiling 128 */
    uint64_t max_bitrate;       /* bit/s; 0: no cap beyond the transport's */
};

/* One --exporter-allow or allow= rule: a network (family AF_INET or
 * AF_INET6, addr, prefix bits) or a host name pattern ('*' matches one or
 * more whole labels at the left: "*.lab.example.net"; otherwise the name
 * must be equal, case-insensitively). */
struct allow_rule {
    int family;                 /* AF_INET, AF_INET6, or 0 for a pattern */
    unsigned char addr[16];
    int prefix;
    char *pattern;              /* family 0 only */
};

struct exp_config {
    char *path;                 /* the modules file, NULL without one */
    struct exp_module *modules; /* always holds "default" (a 5 s TCP test)
                                   unless the file defines its own */
    size_t n_modules;
    struct allow_rule *allow;   /* the file's and the command line's; none:
                                   every probe is refused (403) */
    size_t n_allow;
    int max_concurrent;         /* probes running at once; default 1 */
    double queue_timeout;       /* seconds a probe may wait for a slot
                                   before 503; default 30 */
    double min_interval;        /* seconds between two probes of one target
                                   (host and port), else 429; default 1 */
    double probe_grace;         /* seconds a probe may run beyond its test
                                   time (connect, setup, results) before it
                                   is killed; default 15 */
};

/* Parses PATH (NULL: no file, only the built-in module) and appends the
 * command line's allow rules. NULL on error, with "PATH:LINE: reason" (or
 * "--exporter-allow X: reason") in err. Each module of the file has its
 * options checked by weir's own option parser: weir itself run with them
 * and --dry-run (modargs.h). */
struct exp_config *exp_config_load(const char *path, char *const *cli_allow, size_t n_cli_allow,
                                   char *err, size_t errlen);
void exp_config_free(struct exp_config *c);
const struct exp_module *exp_config_module(const struct exp_config *c, const char *name);

/* Target checks. A target is allowed when its host, as written in the
 * query, matches a pattern rule, or when every address it resolves to
 * lies in a network rule; the probe then connects to the checked address,
 * never resolving again. */
int exp_allow_name(const struct exp_config *c, const char *host);
int exp_allow_addr(const struct exp_config *c, const struct sockaddr *sa);

/* One probe request, from /probe's query string. */
struct probe_spec {
    const struct exp_module *module;
    char host[256];             /* as written, without brackets or port */
    int port;
    const char *transport;      /* points into the module */
    double time;
    int reverse;
    int parallel;
    uint64_t bitrate;
    unsigned clamped;           /* enum probe_param bits of values cut to a limit */
};

/* Parses the query (keys and values already percent-decoded, in order).
 * 0 on success; else the HTTP status to answer (400: malformed, unknown or
 * repeated parameter, a value out of its type's range, a parameter the
 * module does not allow; 404 is not used) with the reason in err. Does not
 * check the allow-list. */
int probe_request_parse(const struct exp_config *c, const char *const *keys,
                        const char *const *values, size_t n, struct probe_spec *out,
                        char *err, size_t errlen);

/* The child's argument vector for a probe: SELF -c ADDRESS -p PORT
 * --transport T -t TIME [-R] [-P N] [-b RATE] MODULE_ARGS... --reporter
 * openmetrics --connect-timeout MS [--plugin-dir DIR] (the exporter's own,
 * when it has one). ADDRESS is the numeric address the allow-list checked. NULL-terminated, malloc'd (free with
 * probe_argv_free); NULL when out of memory. */
char **probe_spec_argv(const struct probe_spec *p, const char *self, const char *address);
void probe_argv_free(char **argv);

#endif
