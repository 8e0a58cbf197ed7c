/* Socket helpers for the control connection and reports. */
#ifndef WEIR_NETUTIL_H
#define WEIR_NETUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Listen on port: a dual-stack IPv6 wildcard socket unless family or
 * bind_host say otherwise (as iperf3); non-blocking. Returns the fd or -1
 * (errno set).
 * port 0 picks an ephemeral port; *bound_port tells which. */
int net_listen(const char *bind_host, uint16_t port, int family, int mptcp, uint16_t *bound_port);
/* Blocking TCP connect bounded by timeout_ms (0 = the OS's own limit),
 * from bind_host and through the interface bind_dev where given. Returns
 * the fd or -1 with *gai_err or errno describing the failure. mptcp (-m):
 * both as Multipath TCP sockets (ENOPROTOOPT where the kernel has none). */
int net_connect(const char *host, uint16_t port, int family, const char *bind_host,
                const char *bind_dev, int mptcp, int timeout_ms, int *gai_err);
/* Why a socket call failed, for the user: strerror, and with -m a hint
 * when the kernel has no Multipath TCP for us. */
const char *net_why(int err, int mptcp);
/* --bind-dev: SO_BINDTODEVICE. Returns 0 or -1 (errno set). */
int net_bind_device(int fd, const char *dev);
/* Numeric host and port of an address; IPv4-mapped IPv6 shown as IPv4. */
void net_addr_str(const struct sockaddr *sa, char *host, size_t hostlen, uint16_t *port);
void net_local_addr(int fd, char *host, size_t hostlen, uint16_t *port);
void net_peer_addr(int fd, char *host, size_t hostlen, uint16_t *port);
int net_tcp_mss(int fd);
void net_set_nodelay(int fd);
/* TCP_USER_TIMEOUT: sent data may stay unacknowledged this long before the
 * connection fails. Returns 0 or -1 (errno set). */
int net_set_user_timeout(int fd, unsigned ms);
/* SO_KEEPALIVE, then TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT for each
 * value above 0 (0 keeps the OS default). Returns 0, or -1 with errno set
 * and *failed naming the option that was refused. */
int net_set_keepalive(int fd, int idle_s, int intvl_s, int cnt, const char **failed);
/* SO_SNDBUF / SO_RCVBUF as the kernel reports them. */
void net_bufsizes(int fd, int *snd, int *rcv);

#endif
