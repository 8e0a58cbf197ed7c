/* Reading the allow-list's rules (the matching is in config.h:
 * exp_allow_name, exp_allow_addr). */
#ifndef WEIR_EXPORTER_ALLOW_H
#define WEIR_EXPORTER_ALLOW_H

#include <stddef.h>

#include "exporter/config.h"

/* One rule as written: an address ("127.0.0.1" is 127.0.0.1/32), a
 * network in CIDR notation with no bits set past its prefix, or a host
 * name pattern ("*.lab.example.net", "db1.example.net"). An IPv4-mapped
 * IPv6 network (::ffff:10.0.0.0/104) is kept as the IPv4 one it maps.
 * 0, or -1 with the reason in why. */
int allow_rule_parse(const char *text, struct allow_rule *out, char *why, size_t len);
void allow_rule_clear(struct allow_rule *r);

#endif
