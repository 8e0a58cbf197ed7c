#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int parse_scaled(const char *text, uint64_t base, uint64_t *out)
{
    if (text == NULL || *text == '\0' || *text == '-')
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || !isfinite(v) || v < 0)
        return -1;
    double mult = 1;
    switch (*end) {
    case 't': case 'T': mult *= (double)base; /* fall through */
    case 'g': case 'G': mult *= (double)base; /* fall through */
    case 'm': case 'M': mult *= (double)base; /* fall through */
    case 'k': case 'K': mult *= (double)base; end++; break;
    case '\0': break;
    default: return -1;
    }
    if (*end != '\0')
        return -1;
    v *= mult;
    if (v >= 18446744073709551615.0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int units_parse_size(const char *text, uint64_t *out)
{
    return parse_scaled(text, 1024, out);
}

int units_parse_rate(const char *text, uint64_t *out)
{
    return parse_scaled(text, 1000, out);
}

int units_valid(char unit)
{
    switch (unit) {
    case 'a': case 'A':
    case 'k': case 'm': case 'g': case 't':
    case 'K': case 'M': case 'G': case 'T':
        return 1;
    default:
        return 0;
    }
}

void units_format_value(char *buf, size_t len, double value, const char *suffix)
{
    const char *fmt;
    if (value < 9.995)
        fmt = "%4.2f %s";
    else if (value < 99.95)
        fmt = "%4.1f %s";
    else
        fmt = "%4.0f %s";
    snprintf(buf, len, fmt, value, suffix);
}

static const char *const byte_units[] = { "Bytes", "KBytes", "MBytes", "GBytes", "TBytes" };
static const char *const bit_units[] = { "bits", "Kbits", "Mbits", "Gbits", "Tbits" };

void units_format_bytes(char *buf, size_t len, double bytes)
{
    int i = 0;
    while (bytes >= 1024.0 && i < 4) {
        bytes /= 1024.0;
        i++;
    }
    units_format_value(buf, len, bytes, byte_units[i]);
}

static int unit_power(char unit)
{
    switch (tolower((unsigned char)unit)) {
    case 'k': return 1;
    case 'm': return 2;
    case 'g': return 3;
    case 't': return 4;
    default: return 0;
    }
}

void units_format_rate(char *buf, size_t len, double bytes_per_sec, char unit)
{
    char suffix[16];
    int i = 0;
    if (unit == 'a' || !units_valid(unit)) {
        double v = bytes_per_sec * 8.0;
        while (v >= 1000.0 && i < 4) {
            v /= 1000.0;
            i++;
        }
        snprintf(suffix, sizeof suffix, "%s/sec", bit_units[i]);
        units_format_value(buf, len, v, suffix);
    } else if (unit == 'A') {
        double v = bytes_per_sec;
        while (v >= 1024.0 && i < 4) {
            v /= 1024.0;
            i++;
        }
        snprintf(suffix, sizeof suffix, "%s/sec", byte_units[i]);
        units_format_value(buf, len, v, suffix);
    } else if (islower((unsigned char)unit)) {
        i = unit_power(unit);
        snprintf(suffix, sizeof suffix, "%s/sec", bit_units[i]);
        units_format_value(buf, len, bytes_per_sec * 8.0 / pow(1000.0, i), suffix);
    } else {
        i = unit_power(unit);
        snprintf(suffix, sizeof suffix, "%s/sec", byte_units[i]);
        units_format_value(buf, len, bytes_per_sec / pow(1024.0, i), suffix);
    }
}

void units_format_number(char *buf, size_t len, double v)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
    } else if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
    } else if (fabs(v) < 9.2e18 && v == (double)(int64_t)v) {   /* range first: the cast of a larger value is undefined */
        snprintf(buf, len, "%lld", (long long)(int64_t)v);
    } else {
        snprintf(buf, len, "%1.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, len, "%1.17g", v);
    }
}
