/* /probe's query string into the probe to run (config.h). Strict: every
 * parameter known, given once, allowed by the module and well formed, or
 * the request is refused with 400 and the reason; a value beyond a module
 * limit is cut to it and flagged. */
#include "exporter/query.h"
#include "exporter/hostname.h"
#include "exporter/values.h"
#include "cli/options.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HTTP_BAD_REQUEST 400
/* What weir's own options take: beyond them a value is malformed, not
 * merely above a module's limit. */
#define TIME_MAX_S 86400

/* A per-stream bitrate within the module's cap on the probe's total;
 * 0 asked (the transport's own rate, or none) is the cap. */
static uint64_t capped_bitrate(const struct exp_module *m, uint64_t asked, int parallel)
{
    if (!m->max_bitrate)
        return asked;
    uint64_t cap = m->max_bitrate / (uint64_t)parallel;
    if (cap == 0)
        cap = 1;
    return asked == 0 || asked > cap ? cap : asked;
}

void probe_spec_from_module(const struct exp_module *m, struct probe_spec *out)
{
    memset(out, 0, sizeof *out);
    out->module = m;
    out->port = m->port;
    out->transport = m->transport;
    out->time = m->time;
    out->reverse = m->reverse;
    out->parallel = m->parallel;
    out->bitrate = capped_bitrate(m, m->bitrate, m->parallel);
    out->latency = m->latency;
}

unsigned probe_spec_switched(const struct probe_spec *p)
{
    struct probe_spec own;
    probe_spec_from_module(p->module, &own);
    return (p->reverse != own.reverse ? PP_REVERSE : 0) | (p->latency != own.latency ? PP_LATENCY : 0) |
           ((p->bitrate != 0) != (own.bitrate != 0) ? PP_BITRATE : 0);
}

#define SOME_BITRATE 1000000

void probe_spec_switch(struct probe_spec *p, unsigned switches)
{
    if (switches & PP_REVERSE)
        p->reverse = !p->reverse;
    if (switches & PP_LATENCY)
        p->latency = !p->latency;
    if (switches & PP_BITRATE)
        p->bitrate = p->bitrate ? 0 : SOME_BITRATE;
}

static int refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return HTTP_BAD_REQUEST;
}

/* HOST, HOST:PORT, [V6], [V6]:PORT or V6 into out->host and out->port. */
static int parse_target(const char *t, struct probe_spec *out, char *err, size_t errlen)
{
    char why[128];
    const char *host = t, *port = NULL;
    size_t host_len;
    if (*t == '[') {
        const char *close = strchr(t, ']');
        if (!close)
            return refuse(err, errlen, "target '%s': '[' without ']'", t);
        host = t + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            return refuse(err, errlen, "target '%s': only ':PORT' may follow ']'", t);
    } else {
        const char *colon = strchr(t, ':');
        /* Two colons or more: an IPv6 address, which can name no port
         * unless in brackets. */
        if (colon && !strchr(colon + 1, ':'))
            port = colon + 1;
        host_len = port ? (size_t)(colon - t) : strlen(t);
    }
    if (host_len == 0 || host_len >= sizeof out->host)
        return refuse(err, errlen, "target '%s': %s host", t, host_len ? "too long a" : "no");
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';
    unsigned char a[16];
    int v6 = inet_pton(AF_INET6, out->host, a) == 1;
    if (*t == '[' && !v6)
        return refuse(err, errlen, "target '%s': brackets hold an IPv6 address", t);
    if (!v6 && inet_pton(AF_INET, out->host, a) != 1 && !hostname_valid(out->host, why, sizeof why))
        return refuse(err, errlen, "target '%s': %s", t, why);
    if (port) {
        int p;
        if (value_int(port, 1, 65535, &p, why, sizeof why) != 0)
            return refuse(err, errlen, "target '%s': port %s", t, why);
        out->port = p;
    }
    return 0;
}

static const char *const known[] = { "target", "module", "transport", "time", "reverse",
                                     "parallel", "bitrate", "udp", "latency" };
enum { K_TARGET, K_MODULE, K_TRANSPORT, K_TIME, K_REVERSE, K_PARALLEL, K_BITRATE, K_UDP, K_LATENCY,
       N_KNOWN };
/* The module's params bit of each key after module. */
static const unsigned param_bit[N_KNOWN] = { 0, 0, PP_TRANSPORT, PP_TIME, PP_REVERSE, PP_PARALLEL,
                                             PP_BITRATE, PP_UDP, PP_LATENCY };

/* Each known key's value, NULL when not given. */
static int collect(const char *const *keys, const char *const *values, size_t n,
                   const char *given[N_KNOWN], char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i] ? keys[i] : "";
        if (!*k)
            return refuse(err, errlen, "empty parameter name");
        size_t j = 0;
        while (j < N_KNOWN && strcmp(known[j], k) != 0)
            j++;
        if (j == N_KNOWN)
            return refuse(err, errlen, "unknown parameter '%s'", k);
        if (given[j])
            return refuse(err, errlen, "parameter '%s' given twice", k);
        given[j] = values[i] ? values[i] : "";
    }
    return 0;
}

static int parse_flag(const char *key, const char *v, int *out, char *err, size_t errlen)
{
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
        return refuse(err, errlen, "%s='%s': 0 or 1", key, v);
    *out = v[0] == '1';
    return 0;
}

/* transport= and udp= into out->transport, a name of the module's. */
static int choose_transport(const struct exp_module *m, const char *name, const char *udp,
                            struct probe_spec *out, char *err, size_t errlen)
{
    int want_udp = 0;
    if (udp && parse_flag("udp", udp, &want_udp, err, errlen))
        return HTTP_BAD_REQUEST;
    if (want_udp) {
        if (name && strcmp(name, "udp") != 0)
            return refuse(err, errlen, "transport=%s and udp=1 disagree", name);
        name = "udp";
    }
    if (!name)
        return 0;
    for (size_t i = 0; i < m->n_transports; i++)
        if (strcmp(m->transports[i], name) == 0) {
            out->transport = m->transports[i];
            return 0;
        }
    return refuse(err, errlen, "transport '%s' is not one of module %s's transports", name, m->name);
}

static int parse_time(const struct exp_module *m, const char *v, struct probe_spec *out,
                      char *err, size_t errlen)
{
    double t;
    char why[128];
    if (value_decimal(v, &t, why, sizeof why) != 0 || t <= 0 || t > TIME_MAX_S)
        return refuse(err, errlen, "time='%s': seconds above 0, at most %d", v, TIME_MAX_S);
    /* weir's -t counts whole seconds. */
    t = ceil(t);
    if (t > m->max_time) {
        t = m->max_time;
        out->clamped |= PP_TIME;
    }
    out->time = t;
    return 0;
}

static int parse_parallel(const struct exp_module *m, const char *v, struct probe_spec *out,
                          char *err, size_t errlen)
{
    char why[128];
    int p;
    if (value_int(v, 1, MAX_PARALLEL, &p, why, sizeof why) != 0)
        return refuse(err, errlen, "parallel: %s", why);
    if (p > m->max_parallel) {
        p = m->max_parallel;
        out->clamped |= PP_PARALLEL;
    }
    out->parallel = p;
    return 0;
}

/* 400 when weir refuses the switches out turned together with its
 * transport (module.c found them when the file loaded). */
static int check_mix(const struct exp_module *m, const struct probe_spec *out, const char *given[N_KNOWN],
                     char *err, size_t errlen)
{
    unsigned mix = probe_spec_switched(out);
    for (size_t i = 0; i < m->n_refused_mixes; i++) {
        const struct exp_refused_mix *r = &m->refused_mixes[i];
        if (r->params != mix || strcmp(m->transports[r->transport], out->transport) != 0)
            continue;
        char asked[256] = "";
        size_t used = 0;
        for (int k = K_TRANSPORT; k < N_KNOWN; k++)
            if ((param_bit[k] & mix) && given[k] && used < sizeof asked)
                used += (size_t)snprintf(asked + used, sizeof asked - used, "%s%s=%s", used ? " with " : "",
                                         known[k], given[k]);
        return refuse(err, errlen, "weir refuses %s (module %s, transport %s): %s", asked, m->name,
                      out->transport, r->reason);
    }
    return 0;
}

int probe_request_parse(const struct exp_config *c, const char *const *keys,
                        const char *const *values, size_t n, struct probe_spec *out,
                        char *err, size_t errlen)
{
    const char *given[N_KNOWN] = { 0 };
    memset(out, 0, sizeof *out);
    int rc = collect(keys, values, n, given, err, errlen);
    if (rc)
        return rc;
    const char *name = given[K_MODULE] ? given[K_MODULE] : "default";
    const struct exp_module *m = exp_config_module(c, name);
    if (!m)
        return refuse(err, errlen, "unknown module '%s'", name);
    for (int k = K_TRANSPORT; k < N_KNOWN; k++)
        if (given[k] && !(m->params & param_bit[k]))
            return refuse(err, errlen, "parameter '%s' is not allowed by module %s", known[k], m->name);
    if (!given[K_TARGET])
        return refuse(err, errlen, "missing parameter 'target'");
    probe_spec_from_module(m, out);
    if ((rc = parse_target(given[K_TARGET], out, err, errlen)) ||
        (rc = choose_transport(m, given[K_TRANSPORT], given[K_UDP], out, err, errlen)) ||
        (given[K_TIME] && (rc = parse_time(m, given[K_TIME], out, err, errlen))) ||
        (given[K_REVERSE] && (rc = parse_flag("reverse", given[K_REVERSE], &out->reverse, err, errlen))) ||
        (given[K_LATENCY] && (rc = parse_flag("latency", given[K_LATENCY], &out->latency, err, errlen))) ||
        (given[K_PARALLEL] && (rc = parse_parallel(m, given[K_PARALLEL], out, err, errlen))))
        return rc;
    uint64_t asked = m->bitrate;
    char why[128];
    if (given[K_BITRATE] && value_rate(given[K_BITRATE], &asked, why, sizeof why) != 0)
        return refuse(err, errlen, "bitrate: %s", why);
    out->bitrate = capped_bitrate(m, asked, out->parallel);
    if (out->bitrate != asked && (asked || given[K_BITRATE]))
        out->clamped |= PP_BITRATE;
    return check_mix(m, out, given, err, errlen);
}
