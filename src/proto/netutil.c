#include "proto/netutil.h"
#include "sockutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* -m: Multipath TCP, where the kernel has it (socket() says if not). */
static int stream_protocol(const struct addrinfo *ai, int mptcp)
{
    return mptcp ? WEIR_IPPROTO_MPTCP : ai->ai_protocol;
}

int net_listen(const char *bind_host, uint16_t port, int family, int mptcp, uint16_t *bound_port)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    hints.ai_family = family != AF_UNSPEC ? family : (bind_host ? AF_UNSPEC : AF_INET6);
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", port);
    struct addrinfo *res = NULL;
    if (getaddrinfo(bind_host, portstr, &hints, &res) != 0 || !res) {
        errno = EADDRNOTAVAIL;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        /* Non-blocking: accept() after poll() must never wait for a peer
         * that gave up in between. */
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, stream_protocol(ai, mptcp));
        if (fd < 0)
            continue;
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6 && family == AF_UNSPEC)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4096) == 0)
            break;
        int e = errno;
        close(fd);
        errno = e;
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0 && bound_port) {
        char h[64];
        net_local_addr(fd, h, sizeof h, bound_port);
    }
    return fd;
}

const char *net_why(int err, int mptcp)
{
    if (mptcp && (err == ENOPROTOOPT || err == EPROTONOSUPPORT))
        return "no Multipath TCP here (-m: a kernel without it, or sysctl net.mptcp.enabled=0)";
    return strerror(err);
}

int net_bind_device(int fd, const char *dev)
{
    return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev));
}

int net_connect(const char *host, uint16_t port, int family, const char *bind_host,
                const char *bind_dev, int mptcp, int timeout_ms, int *gai_err)
{
    struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV };
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", port);
    struct addrinfo *res = NULL;
    *gai_err = getaddrinfo(host, portstr, &hints, &res);
    if (*gai_err != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, stream_protocol(ai, mptcp));
        if (fd < 0)
            continue;
        if (bind_dev && net_bind_device(fd, bind_dev) != 0) {
            int e = errno;
            close(fd);
            fd = -1;
            errno = e;
            break;          /* the same for every address */
        }
        if (bind_host) {
            struct addrinfo bh = { .ai_family = ai->ai_family, .ai_socktype = SOCK_STREAM,
                                   .ai_flags = AI_PASSIVE }, *br = NULL;
            if (getaddrinfo(bind_host, NULL, &bh, &br) != 0 || !br ||
                bind(fd, br->ai_addr, br->ai_addrlen) != 0) {
                if (br)
                    freeaddrinfo(br);
                close(fd);
                fd = -1;
                continue;
            }
            freeaddrinfo(br);
        }
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            int pr = poll(&p, 1, timeout_ms > 0 ? timeout_ms : 75000);
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (pr == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                r = 0;
            else
                errno = pr == 0 ? ETIMEDOUT : (soerr ? soerr : errno);
        }
        if (r == 0) {
            int fl = fcntl(fd, F_GETFL);
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
            break;
        }
        int e = errno;
        close(fd);
        errno = e;
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

void net_addr_str(const struct sockaddr *sa, char *host, size_t hostlen, uint16_t *port)
{
    host[0] = '\0';
    *port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, host, (socklen_t)hostlen);
        *port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
            inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], host, (socklen_t)hostlen);
        else
            inet_ntop(AF_INET6, &s6->sin6_addr, host, (socklen_t)hostlen);
        *port = ntohs(s6->sin6_port);
    }
}

void net_local_addr(int fd, char *host, size_t hostlen, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    net_addr_str((struct sockaddr *)&ss, host, hostlen, port);
}

void net_peer_addr(int fd, char *host, size_t hostlen, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    getpeername(fd, (struct sockaddr *)&ss, &sl);
    net_addr_str((struct sockaddr *)&ss, host, hostlen, port);
}

int net_tcp_mss(int fd)
{
    int mss = 0;
    socklen_t sl = sizeof mss;
    if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &sl) != 0)
        return 0;
    return mss;
}

void net_set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void net_bufsizes(int fd, int *snd, int *rcv)
{
    socklen_t sl = sizeof *snd;
    *snd = *rcv = 0;
    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, snd, &sl);
    sl = sizeof *rcv;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcv, &sl);
}

int net_set_user_timeout(int fd, unsigned ms)
{
    unsigned v = ms;
    return setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof v);
}

int net_set_keepalive(int fd, int idle_s, int intvl_s, int cnt, const char **failed)
{
    static const struct { int level, name; const char *label; } opts[] = {
        { SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE" },
        { IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE" },
        { IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL" },
        { IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT" },
    };
    const int values[] = { 1, idle_s, intvl_s, cnt };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (values[i] <= 0)
            continue;
        if (setsockopt(fd, opts[i].level, opts[i].name, &values[i], sizeof values[i]) != 0) {
            *failed = opts[i].label;
            return -1;
        }
    }
    return 0;
}
