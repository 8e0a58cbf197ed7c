#include "cli/optparse.h"
#include "proto/errors.h"
#include "cli/identity.h"
#include "cli/optcheck.h"
#include "cli/options.h"
#include "host/loader.h"
#include "proto/timeouts.h"
#include "roles/serverlimits.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void quoted(char *buf, size_t len, const char *arg)
{
    snprintf(buf, len, "'%s'", arg ? arg : "");
}

int optparse_mode(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len)
{
    (void)detail;
    (void)len;
    int mode = (int)o->flag_value;
    s->mode = s->mode == MODE_NONE || (int)s->mode == mode ? (enum weir_mode)mode : (enum weir_mode)-1;
    if (arg)
        optfield_set_str(s, o->set, arg);
    return WEIR_OK;
}

int optparse_exporter_allow(const struct optspec *o, const char *arg, struct settings *s,
                            char *detail, size_t len)
{
    (void)o;
    if (s->n_exporter_allow == MAX_EXPORTER_ALLOW) {
        snprintf(detail, len, "too many --exporter-allow options (at most %d; a modules file "
                 "takes more)", MAX_EXPORTER_ALLOW);
        return WEIR_E_USAGE;
    }
    s->exporter_allow[s->n_exporter_allow++] = arg;
    return WEIR_OK;
}

int optparse_transport_flag(const struct optspec *o, const char *arg, struct settings *s,
                            char *detail, size_t len)
{
    (void)arg;
    (void)detail;
    (void)len;
    optfield_set_str(s, o->set, o->name);
    return WEIR_OK;
}

int optparse_reporter(const struct optspec *o, const char *arg, struct settings *s,
                      char *detail, size_t len)
{
    (void)o;
    if (s->n_reporters == MAX_REPORTERS) {
        snprintf(detail, len, "too many --reporter options (at most %d)", MAX_REPORTERS);
        return WEIR_E_USAGE;
    }
    s->reporters[s->n_reporters++] = arg;
    return WEIR_OK;
}

int optparse_version(const struct optspec *o, const char *arg, struct settings *s,
                     char *detail, size_t len)
{
    (void)o, (void)arg, (void)s, (void)detail, (void)len;
    identity_print_version(stdout);
    return OPT_EXIT;
}

int optparse_list_plugins(const struct optspec *o, const char *arg, struct settings *s,
                          char *detail, size_t len)
{
    (void)o, (void)arg, (void)s, (void)detail, (void)len;
    loader_list(stdout);
    return OPT_EXIT;
}

int optparse_format(const struct optspec *o, const char *arg, struct settings *s,
                    char *detail, size_t len)
{
    char given[256];
    if (strlen(arg) != 1 || !units_valid(arg[0])) {
        quoted(given, sizeof given, arg);
        return optcheck_refuse(o, given, detail, len);
    }
    optfield_set_int(s, o->set, arg[0]);
    return WEIR_OK;
}

int optparse_timestamps(const struct optspec *o, const char *arg, struct settings *s,
                        char *detail, size_t len)
{
    (void)detail;
    (void)len;
    optfield_set_str(s, o->set, arg ? arg : "%c ");
    return WEIR_OK;
}

int optparse_cntl_ka(const struct optspec *o, const char *arg, struct settings *s,
                     char *detail, size_t len)
{
    (void)o;
    char why[200];
    if (timeouts_parse_cntl_ka(arg, s, why, sizeof why) == WEIR_OK)
        return WEIR_OK;
    /* Its own reasons: iperf3's message for 36 is about one of them. */
    snprintf(detail, len, "--cntl-ka: %s", why);
    return WEIR_E_USAGE;
}

/* Read as iperf3 reads it: n is the number the text starts with and the
 * rest up to a comma is ignored (so the help's "n/n" form gives n); m is
 * what follows the first comma, atoi-style (no digits: CPU 0). */
int optparse_affinity(const struct optspec *o, const char *arg, struct settings *s,
                      char *detail, size_t len)
{
    char given[256];
    quoted(given, sizeof given, arg);
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 0);
    if (end == arg || errno == ERANGE)
        return optcheck_refuse(o, given, detail, len);
    int rc = optcheck_range(o, (double)n, given, detail, len);
    long m = -1;
    const char *comma = strchr(arg, ',');
    if (rc == WEIR_OK && comma) {
        errno = 0;
        m = strtol(comma + 1, NULL, 10);
        rc = errno == ERANGE ? optcheck_refuse(o, given, detail, len)
                             : optcheck_range(o, (double)m, given, detail, len);
    }
    if (rc != WEIR_OK)
        return rc;
    s->affinity = (int)n;
    s->server_affinity = (int)m;
    return WEIR_OK;
}

int optparse_bitrate(const struct optspec *o, const char *arg, struct settings *s,
                     char *detail, size_t len)
{
    char rate[64], given[256];
    snprintf(rate, sizeof rate, "%s", arg);
    char *slash = strchr(rate, '/');
    if (slash) {
        *slash = '\0';
        const struct optspec *burst = optable_by_key("burst");
        int64_t v;
        quoted(given, sizeof given, slash + 1);
        if (optcheck_parse_int(slash + 1, &v) != 0)
            return optcheck_refuse(burst, given, detail, len);
        int rc = optcheck_range(burst, (double)v, given, detail, len);
        if (rc != WEIR_OK)
            return rc;
        optfield_set_int(s, burst->set, v);
    }
    uint64_t u;
    quoted(given, sizeof given, arg);
    if (units_parse_rate(rate, &u) != 0)
        return optcheck_refuse(o, given, detail, len);
    optfield_set_int(s, o->set, (int64_t)u);
    return WEIR_OK;
}

int optparse_server_bitrate_limit(const struct optspec *o, const char *arg, struct settings *s,
                                  char *detail, size_t len)
{
    (void)o;
    int rc = limits_parse_bitrate(arg, &s->server_bitrate_limit, &s->server_bitrate_window_s);
    if (rc == WEIR_E_TOTALINTERVAL)
        snprintf(detail, len, "'%s' (above 0, at most %d seconds)", arg, LIMITS_RATE_WINDOW_MAX_S);
    else if (rc != WEIR_OK)
        quoted(detail, len, arg);
    return rc;
}

int optparse_dscp(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len)
{
    static const struct { const char *name; int dscp; } names[] = {
        { "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 }, { "cs4", 32 }, { "cs5", 40 },
        { "cs6", 48 }, { "cs7", 56 }, { "af11", 10 }, { "af12", 12 }, { "af13", 14 },
        { "af21", 18 }, { "af22", 20 }, { "af23", 22 }, { "af31", 26 }, { "af32", 28 },
        { "af33", 30 }, { "af41", 34 }, { "af42", 36 }, { "af43", 38 }, { "ef", 46 },
        { "va", 44 },
    };
    int dscp = -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && dscp < 0; i++)
        if (strcasecmp(arg, names[i].name) == 0)
            dscp = names[i].dscp;
    int64_t v;
    if (dscp < 0 && optcheck_parse_int(arg, &v) == 0 && v >= 0 && v <= 63)
        dscp = (int)v;
    if (dscp < 0) {
        snprintf(detail, len, "'%s' (numeric 0-63, or af11-43, cs0-7, ef, va)", arg);
        return o->err;
    }
    optfield_set_int(s, o->set, dscp << 2);
    return WEIR_OK;
}

int optparse_fq_pacing_off(const struct optspec *o, const char *arg, struct settings *s,
                           char *detail, size_t len)
{
    (void)o, (void)arg, (void)detail, (void)len;
    s->fq_rate = 0;
    return WEIR_OK;
}

int optparse_sctp(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len)
{
    (void)arg, (void)s;
    if (o->letter)
        snprintf(detail, len, "weir has no SCTP (-%c/--%s)", o->letter, o->name);
    else
        snprintf(detail, len, "weir has no SCTP (--%s)", o->name);
    return WEIR_E_UNIMP;
}
