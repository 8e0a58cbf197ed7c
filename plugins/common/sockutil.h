/* For the bundled transports: what tcp and udp streams both need. */
#ifndef WEIR_SOCKUTIL_H
#define WEIR_SOCKUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <weir/weir.h>

/* setsockopt and getsockopt of one int. */
int sock_set_int(int fd, int level, int name, int value);
int sock_get_int(int fd, int level, int name, int *value);

/* An IPv4 peer, or a v4-mapped one on an IPv6 socket (which then sends
 * IPv4 packets). */
int sock_peer_is_ipv4(const struct sockaddr *peer);

/* -S: the TOS byte, which is IP_TOS for IPv4 packets and IPV6_TCLASS for
 * IPv6 ones. Returns 0, or -1 with errno and *tclass saying which failed. */
int sock_set_tos(int fd, const struct sockaddr *peer, int tos, int *tclass);

/* --bind-dev (SO_BINDTODEVICE) to dev, before connect; nothing when dev is
 * NULL. Returns WEIR_OK, or WEIR_E_BINDDEV with why filled. */
int sock_bind_device(int fd, const char *dev, char *why, size_t whylen);

/* -m: the protocol number of Multipath TCP sockets (Linux 5.6+). */
#define WEIR_IPPROTO_MPTCP 262
/* What a TCP socket is: "on" (Multipath TCP), "fallback" (an MPTCP socket
 * whose peer speaks plain TCP) or "off". */
const char *sock_mptcp_state(int fd);

/* --fq-rate: pace fd to at most bits_per_second (SO_MAX_PACING_RATE,
 * bytes/s in the kernel); nothing when 0. Returns WEIR_OK, or
 * WEIR_E_SETPACING with why filled. */
int sock_set_pacing(int fd, uint64_t bits_per_second, char *why, size_t whylen);
/* The socket's SO_MAX_PACING_RATE in bits/s; 0 when there is none. */
uint64_t sock_max_pacing(int fd);

/* One block of payload: random bytes, or iperf3's repeating "0123456789"
 * pattern. Returns 0, or -1 with errno set. */
int sock_fill_payload(unsigned char *buf, size_t len, int repeating);

/* Bind fd (of socktype SOCK_STREAM or SOCK_DGRAM) to -B and/or --cport in
 * the given family. Returns 0, or -1 with a description in why. */
int sock_bind_local(int fd, int socktype, const struct weir_stream_config *cfg, int family,
                    char *why, size_t whylen);

/* Monotonic clock in milliseconds, for the deadlines of open and accept. */
uint64_t sock_mono_ms(void);

/* Wait for events on fd until the deadline (sock_mono_ms). Returns 1 when
 * ready, 0 on timeout, -1 with errno on error. */
int sock_wait_fd(int fd, short events, uint64_t deadline_ms);

/* For recv_wait: make fd blocking, its receives bounded by timeout_ms
 * (SO_RCVTIMEO). Returns 0, or -1 with errno. */
int sock_block_receives(int fd, int timeout_ms);

/* lower_receive_wait: receives on fd sleep up to timeout_ms (blocking,
 * SO_RCVTIMEO), or, with 0, fd is non-blocking again. 0, or -1 with errno. */
int sock_receive_wait(int fd, int timeout_ms);

#endif
