/* For the bundled transports: what tcp and udp streams both need. */
#ifndef WEIR_SOCKUTIL_H
#define WEIR_SOCKUTIL_H

#include <stddef.h>
#include <weir/weir.h>

/* One block of payload: random bytes, or iperf3's repeating "0123456789"
 * pattern. Returns 0, or -1 with errno set. */
int weir_fill_payload(unsigned char *buf, size_t len, int repeating);

/* Bind fd (of socktype SOCK_STREAM or SOCK_DGRAM) to -B and/or --cport in
 * the given family. Returns 0, or -1 with a description in why. */
int weir_bind_local(int fd, int socktype, const struct weir_stream_config *cfg, int family,
                    char *why, size_t whylen);

#endif
