/* Host names as a probe's target and an allow-list pattern write them. */
#ifndef WEIR_EXPORTER_HOSTNAME_H
#define WEIR_EXPORTER_HOSTNAME_H

#include <stddef.h>

/* A host name by RFC 1123: labels of 1 to 63 letters, digits and hyphens,
 * none beginning or ending with a hyphen, at most 253 characters (a
 * trailing dot besides). The last label may not be all digits: such a name
 * is a malformed IPv4 address ("10.1.300"), which the resolver would read
 * in its own old ways. 1 when valid; else 0 with the reason in why. */
int hostname_valid(const char *name, char *why, size_t len);

/* 1 when text is an IPv4 or IPv6 address (numeric, no brackets). */
int hostname_is_address(const char *text);

#endif
