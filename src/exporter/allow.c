/* The allow-list: networks and host name patterns. */
#include "exporter/allow.h"
#include "exporter/hostname.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const unsigned char v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* 1 when the first bits of a and b agree. */
static int same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)bytes) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

/* 1 when no bit past the prefix is set. */
static int host_bits_clear(const unsigned char *addr, int size, int bits)
{
    for (int i = bits; i < size * 8; i++)
        if (addr[i / 8] & (0x80 >> (i % 8)))
            return 0;
    return 1;
}

static int parse_network(const char *text, struct allow_rule *out, char *why, size_t len)
{
    char addr[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    if (n >= sizeof addr)
        return 1;
    memcpy(addr, text, n);
    addr[n] = '\0';
    int size;
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = AF_INET;
        size = 4;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = AF_INET6;
        size = 16;
    } else {
        return 1;           /* not an address: maybe a pattern */
    }
    out->prefix = size * 8;
    if (slash) {
        const char *p = slash + 1;
        int bits = 0;
        for (; isdigit((unsigned char)*p) && bits <= size * 8; p++)
            bits = bits * 10 + (*p - '0');
        if (p == slash + 1 || *p || bits > size * 8) {
            snprintf(why, len, "prefix length '%s' is not 0 to %d", slash + 1, size * 8);
            return -1;
        }
        out->prefix = bits;
    }
    if (!host_bits_clear(out->addr, size, out->prefix)) {
        snprintf(why, len, "bits set past the /%d prefix (the network's address has them all 0)",
                 out->prefix);
        return -1;
    }
    if (out->family == AF_INET6 && out->prefix >= 96 &&
        memcmp(out->addr, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
        memmove(out->addr, out->addr + 12, 4);
        memset(out->addr + 4, 0, 12);
        out->family = AF_INET;
        out->prefix -= 96;
    }
    return 0;
}

static int parse_pattern(const char *text, struct allow_rule *out, char *why, size_t len)
{
    const char *name = strncmp(text, "*.", 2) == 0 ? text + 2 : text;
    if (strcmp(text, "*") == 0) {
        snprintf(why, len, "'*' alone would allow every name (allow networks instead: 0.0.0.0/0, ::/0)");
        return -1;
    }
    if (strchr(name, '*')) {
        snprintf(why, len, "'*' stands only for the leftmost labels, as in *.example.net");
        return -1;
    }
    char reason[128];
    if (!hostname_valid(name, reason, sizeof reason)) {
        snprintf(why, len, "neither an address, a network nor a host name pattern (%s)", reason);
        return -1;
    }
    size_t n = strlen(text);
    if (text[n - 1] == '.')
        n--;
    if (!(out->pattern = strndup(text, n))) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    for (char *c = out->pattern; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    out->family = 0;
    return 0;
}

int allow_rule_parse(const char *text, struct allow_rule *out, char *why, size_t len)
{
    memset(out, 0, sizeof *out);
    if (!*text) {
        snprintf(why, len, "empty rule");
        return -1;
    }
    int rc = parse_network(text, out, why, len);
    if (rc <= 0)
        return rc;
    if (strchr(text, '/') || strchr(text, ':')) {
        snprintf(why, len, "not an address or a network in CIDR notation");
        return -1;
    }
    memset(out, 0, sizeof *out);
    return parse_pattern(text, out, why, len);
}

void allow_rule_clear(struct allow_rule *r)
{
    free(r->pattern);
    memset(r, 0, sizeof *r);
}

/* host matches a pattern: equal, or "*.SUFFIX" and host is one or more
 * labels followed by ".SUFFIX". Both without a trailing dot. */
static int pattern_matches(const char *pattern, const char *host, size_t host_len)
{
    if (strncmp(pattern, "*.", 2) != 0)
        return strlen(pattern) == host_len && strncasecmp(pattern, host, host_len) == 0;
    const char *suffix = pattern + 1;       /* ".SUFFIX" */
    size_t n = strlen(suffix);
    return host_len > n && host[0] != '.' && strncasecmp(host + host_len - n, suffix, n) == 0;
}

int exp_allow_name(const struct exp_config *c, const char *host)
{
    if (!host || !*host || hostname_is_address(host))
        return 0;
    size_t n = strlen(host);
    if (host[n - 1] == '.')
        n--;
    for (size_t i = 0; i < c->n_allow; i++)
        if (c->allow[i].family == 0 && pattern_matches(c->allow[i].pattern, host, n))
            return 1;
    return 0;
}

int exp_allow_addr(const struct exp_config *c, const struct sockaddr *sa)
{
    unsigned char addr[16];
    int family;
    if (sa->sa_family == AF_INET) {
        memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        family = AF_INET;
    } else if (sa->sa_family == AF_INET6) {
        const unsigned char *a6 = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        /* A mapped address is an IPv4 destination: only IPv4 rules apply. */
        if (memcmp(a6, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
            memcpy(addr, a6 + 12, 4);
            family = AF_INET;
        } else {
            memcpy(addr, a6, 16);
            family = AF_INET6;
        }
    } else {
        return 0;
    }
    for (size_t i = 0; i < c->n_allow; i++)
        if (c->allow[i].family == family && same_prefix(addr, c->allow[i].addr, c->allow[i].prefix))
            return 1;
    return 0;
}
