/* udp transport: socket options, local binding and the run-time probes for
 * GSO (UDP_SEGMENT) and GRO (UDP_GRO). */
#include "udp_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>

/* docs/protocol.md §7.3: a window sets both buffers and must be granted; without
 * one, buffers smaller than a datagram are raised to blksize + 1024. */
static int apply_buffers(const struct udp_global *g, int fd, const struct weir_stream_config *cfg)
{
    int snd = 0, rcv = 0;

    if (cfg->window > 0) {
        if (sock_set_int(fd, SOL_SOCKET, SO_SNDBUF, cfg->window) < 0)
            return udp_fail(g, WEIR_E_SETBUF, "SO_SNDBUF %d: %s", cfg->window, strerror(errno));
        if (sock_set_int(fd, SOL_SOCKET, SO_RCVBUF, cfg->window) < 0)
            return udp_fail(g, WEIR_E_SETBUF, "SO_RCVBUF %d: %s", cfg->window, strerror(errno));
        if (sock_get_int(fd, SOL_SOCKET, SO_SNDBUF, &snd) < 0 || sock_get_int(fd, SOL_SOCKET, SO_RCVBUF, &rcv) < 0)
            return udp_fail(g, WEIR_E_SETBUF, "reading the socket buffer sizes: %s", strerror(errno));
        if (snd < cfg->window || rcv < cfg->window)
            return udp_fail(g, WEIR_E_SETBUF2, "asked for %d bytes, got send %d, receive %d "
                            "(see sysctl net.core.wmem_max and rmem_max)", cfg->window, snd, rcv);
        return WEIR_OK;
    }
    if (sock_get_int(fd, SOL_SOCKET, SO_SNDBUF, &snd) < 0 || sock_get_int(fd, SOL_SOCKET, SO_RCVBUF, &rcv) < 0)
        return udp_fail(g, WEIR_E_SETBUF, "reading the socket buffer sizes: %s", strerror(errno));
    if ((int64_t)cfg->blksize > snd || (int64_t)cfg->blksize > rcv) {
        int want = (int)cfg->blksize + 1024;
        udp_warn(g, "block size %u exceeds the socket buffers (send %d, receive %d); "
                 "setting both to %d", (unsigned)cfg->blksize, snd, rcv, want);
        if (sock_set_int(fd, SOL_SOCKET, SO_SNDBUF, want) < 0 || sock_set_int(fd, SOL_SOCKET, SO_RCVBUF, want) < 0)
            return udp_fail(g, WEIR_E_SETBUF, "socket buffers of %d bytes: %s", want, strerror(errno));
        rcv = want;
    }
    /* UDP has no flow control: a receiver's buffer is all that carries the
     * datagrams that arrive while its thread is not running (woken late,
     * preempted), and the kernel's default (~200 KiB, about 90 datagrams
     * of 1448 bytes) overflows in well under a millisecond at Gbit/s.
     * Without -w a receiving stream asks for UDP_RCVBUF_WANT; the kernel
     * caps it at net.core.rmem_max, quietly. Nothing of this is on the
     * wire. */
    if (!cfg->sending && rcv < (int)UDP_RCVBUF_WANT)
        (void)sock_set_int(fd, SOL_SOCKET, SO_RCVBUF, (int)UDP_RCVBUF_WANT);
    return WEIR_OK;
}

int udp_apply_options(const struct udp_global *g, int fd, const struct weir_stream_config *cfg,
                      const struct sockaddr *peer)
{
    int rc = apply_buffers(g, fd, cfg);
    if (rc != WEIR_OK)
        return rc;
    const struct weir_host *h = udp_host(g);
    int tclass = 0, tos = (int)weir_param_int(h, cfg, WEIR_PARAM_TOS, -1);
    if (tos >= 0 && sock_set_tos(fd, peer, tos, &tclass) < 0)
        return udp_fail(g, tclass ? WEIR_E_SETCOS : WEIR_E_SETTOS, "%s %d: %s",
                        tclass ? "IPV6_TCLASS" : "IP_TOS", tos, strerror(errno));
    /* --dont-fragment: DF on every datagram, and one larger than the path
     * MTU fails to send (EMSGSIZE) instead of leaving in fragments. Linux
     * sets DF on datagrams that fit anyway; what changes is the rest. */
    if (weir_param_flag(h, cfg, WEIR_PARAM_DONT_FRAGMENT)) {
        int v4 = sock_peer_is_ipv4(peer);
        if ((v4 ? sock_set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
                : sock_set_int(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1)) < 0)
            return udp_fail(g, WEIR_E_SETDONTFRAGMENT, "%s: %s", v4 ? "IP_MTU_DISCOVER" : "IPV6_DONTFRAG",
                            strerror(errno));
    }
    /* --bind-dev here for accepted streams (the client's is bound before it
     * connects), --fq-rate for both. */
    char why[160];
    rc = sock_bind_device(fd, weir_param_string(h, cfg, WEIR_PARAM_BIND_DEV, NULL), why, sizeof why);
    if (rc == WEIR_OK)
        rc = sock_set_pacing(fd, weir_param_uint(h, cfg, WEIR_PARAM_FQ_RATE, 0), why, sizeof why);
    return rc == WEIR_OK ? WEIR_OK : udp_fail(g, rc, "%s", why);
}

/* The option exists (Linux 4.18+) when the kernel answers for it. A GSO
 * segment must fit the path MTU whole (the kernel refuses to fragment
 * one), which a connected socket can tell now. Other refusals (no checksum
 * offload, IPsec) show only when a send is tried, and udp_io.c falls back
 * then. */
int udp_gso_usable(int fd, uint32_t blksize)
{
    int v = 0;
    if (sock_get_int(fd, SOL_UDP, UDP_SEGMENT, &v) < 0)
        return 0;
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
        return 1;
    int mtu = 0, r;
    uint32_t hdr;
    if (peer.ss_family == AF_INET) {
        r = sock_get_int(fd, IPPROTO_IP, IP_MTU, &mtu);
        hdr = 20 + 8;
    } else {
        r = sock_get_int(fd, IPPROTO_IPV6, IPV6_MTU, &mtu);
        hdr = (sock_peer_is_ipv4((struct sockaddr *)&peer) ? 20 : 40) + 8;
    }
    return r < 0 || mtu <= 0 || (uint64_t)blksize + hdr <= (uint64_t)mtu;
}

/* A call for no message at all does nothing but say whether the system
 * call exists (a seccomp filter may make it ENOSYS). */
int udp_mmsg_available(int fd)
{
    if (sendmmsg(fd, NULL, 0, MSG_DONTWAIT) < 0 && errno == ENOSYS)
        return 0;
    if (recvmmsg(fd, NULL, 0, MSG_DONTWAIT, NULL) < 0 && errno == ENOSYS)
        return 0;
    return 1;
}

int udp_gro_enable(int fd)
{
    return sock_set_int(fd, SOL_UDP, UDP_GRO, 1) == 0;
}
