#include "sockutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "payload.h"

int sock_set_int(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof value);
}

int sock_get_int(int fd, int level, int name, int *value)
{
    socklen_t len = sizeof *value;
    return getsockopt(fd, level, name, value, &len);
}

int sock_peer_is_ipv4(const struct sockaddr *peer)
{
    if (peer->sa_family == AF_INET)
        return 1;
    if (peer->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
        return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
    }
    return 0;
}

int sock_set_tos(int fd, const struct sockaddr *peer, int tos, int *tclass)
{
    *tclass = !sock_peer_is_ipv4(peer);
    return *tclass ? sock_set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, tos)
                   : sock_set_int(fd, IPPROTO_IP, IP_TOS, tos);
}

int sock_bind_device(int fd, const char *dev, char *why, size_t whylen)
{
    if (!dev)
        return WEIR_OK;
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0) {
        snprintf(why, whylen, "SO_BINDTODEVICE %s: %s", dev, strerror(errno));
        return WEIR_E_BINDDEV;
    }
    return WEIR_OK;
}

const char *sock_mptcp_state(int fd)
{
    int proto = 0;
    socklen_t len = sizeof proto;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 || proto != WEIR_IPPROTO_MPTCP)
        return "off";
    /* MPTCP_INFO answers only while the connection is really multipath.
     * (Numbers from linux/mptcp.h, which an older build host may lack.) */
    enum { SOL_MPTCP_ = 284, MPTCP_INFO_ = 1 };
    unsigned char info[128];
    len = sizeof info;
    return getsockopt(fd, SOL_MPTCP_, MPTCP_INFO_, info, &len) == 0 ? "on" : "fallback";
}

uint64_t sock_max_pacing(int fd)
{
    uint64_t bytes = 0;
    socklen_t len = sizeof bytes;
    if (getsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &bytes, &len) < 0)
        return 0;
    if (len == sizeof(uint32_t)) {              /* a kernel before 4.20 */
        uint32_t narrow;
        memcpy(&narrow, &bytes, sizeof narrow);
        bytes = narrow == UINT32_MAX ? UINT64_MAX : narrow;
    }
    return bytes == UINT64_MAX ? 0 : bytes * 8;
}

int sock_set_pacing(int fd, uint64_t bits_per_second, char *why, size_t whylen)
{
    if (!bits_per_second)
        return WEIR_OK;
    /* The kernel takes 32 bits, or 64 from Linux 4.20 on: the narrow form
     * whenever the rate fits, so older kernels work too. */
    uint64_t bytes = bits_per_second / 8;
    int r;
    if (bytes < UINT32_MAX) {
        unsigned int narrow = (unsigned int)bytes;
        r = setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &narrow, sizeof narrow);
    } else {
        r = setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &bytes, sizeof bytes);
    }
    if (r < 0) {
        snprintf(why, whylen, "SO_MAX_PACING_RATE %llu bytes/s: %s", (unsigned long long)bytes,
                 strerror(errno));
        return WEIR_E_SETPACING;
    }
    return WEIR_OK;
}

int sock_fill_payload(unsigned char *buf, size_t len, int repeating)
{
    if (repeating) {
        payload_fill_repeating(buf, len);
        return 0;
    }
    /* getrandom() may return short for large requests or on a signal. */
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0)
            got += (size_t)n;
    }
    return 0;
}

int sock_bind_local(int fd, int socktype, const struct weir_stream_config *cfg, int family,
                    char *why, size_t whylen)
{
    struct addrinfo hints = { .ai_family = family, .ai_socktype = socktype,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    char port[8];

    snprintf(port, sizeof port, "%u", (unsigned)cfg->cport);
    int rc = getaddrinfo(cfg->bind_host, port, &hints, &res);
    if (rc != 0) {
        snprintf(why, whylen, "bind address %s: %s",
                 cfg->bind_host ? cfg->bind_host : "*", gai_strerror(rc));
        return -1;
    }
    rc = bind(fd, res->ai_addr, res->ai_addrlen);
    if (rc < 0)
        snprintf(why, whylen, "bind %s port %u: %s", cfg->bind_host ? cfg->bind_host : "*",
                 (unsigned)cfg->cport, strerror(errno));
    freeaddrinfo(res);
    return rc;
}

uint64_t sock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int sock_wait_fd(int fd, short events, uint64_t deadline_ms)
{
    for (;;) {
        uint64_t now = sock_mono_ms();
        if (now >= deadline_ms)
            return 0;
        uint64_t left = deadline_ms - now;
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

int sock_block_receives(int fd, int timeout_ms)
{
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
        return -1;
    return 0;
}

int sock_receive_wait(int fd, int timeout_ms)
{
    if (timeout_ms > 0)
        return sock_block_receives(fd, timeout_ms);
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}
