#include "cli/optcheck.h"
#include "cli/options.h"
#include "proto/errors.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int optcheck_parse_int(const char *text, int64_t *out)
{
    char *end;
    if (!text || !*text)
        return -1;
    errno = 0;
    long long v = strtoll(text, &end, 0);
    if (*end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

static int ranged(const struct optspec *o)
{
    return o->max > o->min;
}

/* Integers as integers, fractions as short as they read. */
static void number(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.15g", v);
}

/* detail = [invalid WHAT: ]GIVEN[ (RANGE)], the range left out when the
 * code's message already says it (iperf3's "... (maximum = 600 seconds)"). */
static int refuse(int err, const char *what, double min, double max, const char *unit, int zero_off,
                  const char *given, char *detail, size_t len)
{
    int code = err ? err : WEIR_E_USAGE;
    char lo[32], hi[32], range[128] = "";
    number(lo, sizeof lo, min);
    number(hi, sizeof hi, max);
    if (max > min && (!err || !strstr(error_strerror(err), hi)))
        snprintf(range, sizeof range, " (%s%s to %s%s%s)", zero_off ? "0, or " : "", lo, hi,
                 unit ? " " : "", unit ? unit : "");
    snprintf(detail, len, "%s%s%s%s", err ? "" : "invalid ", err ? "" : what, err ? "" : ": ", given);
    size_t used = strlen(detail);
    snprintf(detail + used, len - used, "%s", range);
    return code;
}

int optcheck_refuse(const struct optspec *o, const char *given, char *detail, size_t len)
{
    return refuse(o->err, o->what, o->min, o->max, o->unit, (o->flags & OPT_ZERO_OFF) != 0,
                  given, detail, len);
}

int optcheck_range(const struct optspec *o, double v, const char *given, char *detail, size_t len)
{
    if (!ranged(o) || (v >= o->min && v <= o->max) || (v == 0 && (o->flags & OPT_ZERO_OFF)))
        return WEIR_OK;
    return optcheck_refuse(o, given, detail, len);
}

int optcheck_blksize(const struct weir_transport_ops *ops, uint64_t blksize, const char *given,
                     char *detail, size_t len)
{
    if (!ops)
        return optcheck_blksize_rules(NULL, blksize, given, detail, len);
    struct weir_test_rules r = { .blksize_min = ops->blksize_min, .blksize_max = ops->blksize_max,
                                 .blksize_error = ops->blksize_error };
    return optcheck_blksize_rules(&r, blksize, given, detail, len);
}

int optcheck_blksize_rules(const struct weir_test_rules *r, uint64_t blksize, const char *given,
                           char *detail, size_t len)
{
    const struct optspec *o = optable_by_key("len");
    double min = o->min, max = o->max;
    int err = o->err;
    if (r) {
        if (r->blksize_min > min)
            min = r->blksize_min;
        if (r->blksize_max && r->blksize_max < max)
            max = r->blksize_max;
        if (r->blksize_error)
            err = r->blksize_error;
    }
    if ((double)blksize >= min && (double)blksize <= max)
        return WEIR_OK;
    return refuse(err, o->what, min, max, o->unit, 0, given, detail, len);
}

int optcheck_wire_status(int code)
{
    return code == WEIR_E_USAGE ? WEIR_E_RECVPARAMS : code;
}

void optcheck_text(char *buf, size_t len, int code, const char *detail)
{
    if (code == WEIR_E_USAGE)
        snprintf(buf, len, "%s", detail ? detail : "");
    else
        error_text(buf, len, code, detail);
}

static int read_value(const struct optspec *o, const char *arg, struct settings *s,
                      char *detail, size_t len)
{
    char given[256];
    snprintf(given, sizeof given, "'%s'", arg ? arg : "");
    int64_t i;
    uint64_t u;
    double d;
    char *end;
    int rc;
    switch (o->arg) {
    case ARG_NONE:
        optfield_set_int(s, o->set, o->flag_value ? o->flag_value : 1);
        return WEIR_OK;
    case ARG_STRING:
        optfield_set_str(s, o->set, arg);
        return WEIR_OK;
    case ARG_INT:
        if (optcheck_parse_int(arg, &i) != 0)
            return optcheck_refuse(o, given, detail, len);
        if ((rc = optcheck_range(o, (double)i, given, detail, len)) != WEIR_OK)
            return rc;
        optfield_set_int(s, o->set, i);
        return WEIR_OK;
    case ARG_SIZE:
    case ARG_RATE:
        /* iperf3's message for a value its units cannot read. */
        if ((o->arg == ARG_SIZE ? units_parse_size(arg, &u) : units_parse_rate(arg, &u)) != 0)
            return refuse(WEIR_E_UNITVAL, NULL, 0, 0, NULL, 0, given, detail, len);
        if ((rc = optcheck_range(o, (double)u, given, detail, len)) != WEIR_OK)
            return rc;
        optfield_set_int(s, o->set, (int64_t)u);
        return WEIR_OK;
    case ARG_DOUBLE:
        d = arg ? strtod(arg, &end) : NAN;
        if (!arg || end == arg || *end != '\0' || !isfinite(d))
            return optcheck_refuse(o, given, detail, len);
        if ((rc = optcheck_range(o, d, given, detail, len)) != WEIR_OK)
            return rc;
        optfield_set_double(s, o->set, d);
        return WEIR_OK;
    }
    return optcheck_refuse(o, given, detail, len);
}

int optcheck_read(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len)
{
    int rc = o->parse ? o->parse(o, arg, s, detail, len) : read_value(o, arg, s, detail, len);
    if (rc == WEIR_OK && o->given.ctype)
        optfield_set_int(s, o->given, 1);
    return rc;
}
