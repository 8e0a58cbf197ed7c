/* udp transport: opening streams (protocol.md §4.3).
 *
 * Client: connect a UDP socket to the server port, send "9876", wait for
 * "6789" (or the pre-3.12 reply b1 68 de 3a).
 *
 * Server: one unconnected socket bound to the server port (the listener)
 * takes every hello. For each, a new socket is bound to the same address
 * and port (SO_REUSEADDR), connected to the hello's sender, and answers
 * "6789"; it is the stream. Connected sockets win the kernel's lookup for
 * their peer's datagrams, so data goes to the stream and other hellos keep
 * queueing on the listener.
 *
 * iperf3 does it the other way round (the socket that got the hello becomes
 * the stream, a new one becomes the listener). The wire cannot tell the
 * difference, and this way the listener, the descriptor the core polls,
 * stays the same for the whole accept loop, and hellos that arrive together
 * are each accepted in turn rather than stranded on a stream's socket. */
#include "udp_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* At most this many stray datagrams are thrown away from a new stream. */
#define DRAIN_MAX 4096

/* ---- client ---- */

enum hello_result { HELLO_OK, HELLO_REFUSED, HELLO_FAILED };

/* Send the hello and wait for the reply before the deadline. Datagrams
 * that are not the reply (data overtaking it in reverse mode) are skipped,
 * up to iperf3's limit of 4 + 2 * blksize bytes read at 4 per datagram. */
static enum hello_result hello(int fd, const struct weir_stream_config *cfg, uint64_t deadline,
                               char *why, size_t whylen)
{
    for (;;) {
        ssize_t n = send(fd, udp_hello_bytes, UDP_HELLO_LEN, MSG_NOSIGNAL);
        if (n == UDP_HELLO_LEN)
            break;
        if (n < 0 && errno == ECONNREFUSED) {
            snprintf(why, whylen, "server refused the hello: %s", strerror(errno));
            return HELLO_REFUSED;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) &&
            udp_wait_fd(fd, POLLOUT, deadline) > 0)
            continue;
        snprintf(why, whylen, "sending the hello: %s", n < 0 ? strerror(errno) : "short write");
        return HELLO_FAILED;
    }

    uint64_t skipped = 0, limit = UDP_HELLO_LEN + 2 * (uint64_t)cfg->blksize;
    for (;;) {
        int r = udp_wait_fd(fd, POLLIN, deadline);
        if (r <= 0) {
            if (r == 0)
                snprintf(why, whylen, "no reply to the hello within %u ms",
                         cfg->timeout_ms ? cfg->timeout_ms : UDP_DEFAULT_TIMEOUT_MS);
            else
                snprintf(why, whylen, "waiting for the server's reply: %s", strerror(errno));
            return HELLO_FAILED;
        }
        unsigned char got[UDP_HELLO_LEN];
        ssize_t n = recv(fd, got, sizeof got, 0);
        if (n < 0) {
            int e = errno;
            if (e == EINTR || e == EAGAIN || e == EWOULDBLOCK)
                continue;
            snprintf(why, whylen, "waiting for the server's reply: %s", strerror(e));
            return e == ECONNREFUSED ? HELLO_REFUSED : HELLO_FAILED;
        }
        enum udp_hello_verdict v = udp_hello_verdict(got, (size_t)n, &skipped, limit);
        if (v == UDP_HELLO_REPLY)
            return HELLO_OK;
        if (v == UDP_HELLO_GIVE_UP) {
            snprintf(why, whylen, "%llu bytes of datagrams but no reply to the hello",
                     (unsigned long long)skipped);
            return HELLO_FAILED;
        }
    }
}

/* Open one stream to one address. Returns WEIR_OK with *fd_out set,
 * WEIR_E_AGAIN to try the next address (why says what went wrong; *refused
 * says whether the server's port was closed), or an error already
 * reported. */
static int open_one(const struct udp_global *g, const struct weir_stream_config *cfg,
                    const struct addrinfo *ai, uint64_t deadline, char *why, size_t whylen,
                    int *refused, int *fd_out)
{
    *refused = 0;
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return WEIR_E_AGAIN;
    }
    if ((cfg->bind_host || cfg->cport) && weir_bind_local(fd, SOCK_DGRAM, cfg, ai->ai_family, why, whylen) < 0) {
        close(fd);
        return WEIR_E_AGAIN;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        snprintf(why, whylen, "connect to %s port %u: %s", cfg->host, (unsigned)cfg->port,
                 strerror(errno));
        close(fd);
        return WEIR_E_AGAIN;
    }
    int rc = udp_apply_options(g, fd, cfg, ai->ai_addr);
    if (rc != WEIR_OK) {
        close(fd);
        return rc;
    }
    switch (hello(fd, cfg, deadline, why, whylen)) {
    case HELLO_OK:
        *fd_out = fd;
        return WEIR_OK;
    case HELLO_REFUSED:
        /* Nothing listens on that address's port: the next may do. */
        *refused = 1;
        close(fd);
        return WEIR_E_AGAIN;
    default:
        /* A timeout used the whole deadline, and datagrams in place of the
         * reply are not something another address would fix. */
        close(fd);
        return udp_fail(g, WEIR_E_STREAMREAD, "%s", why);
    }
}

int udp_client_open(void *global, const struct weir_stream_config *cfg, void **stream)
{
    const struct udp_global *g = global;
    uint64_t deadline = udp_deadline(cfg->timeout_ms);
    struct addrinfo hints = { .ai_family = cfg->family, .ai_socktype = SOCK_DGRAM,
                              .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    char port[8], why[256] = "no usable address";
    int fd = -1, refused = 0, rc;

    if (!cfg->host)
        return udp_fail(g, WEIR_E_STREAMCONNECT, "no server host given");
    if (cfg->blksize < UDP_MIN_BLKSIZE || cfg->blksize > UDP_MAX_BLKSIZE)
        return udp_fail(g, WEIR_E_UDPBLOCKSIZE, "block size %u", (unsigned)cfg->blksize);
    snprintf(port, sizeof port, "%u", (unsigned)cfg->port);
    rc = getaddrinfo(cfg->host, port, &hints, &res);
    if (rc != 0)
        return udp_fail(g, WEIR_E_STREAMCONNECT, "%s: %s", cfg->host, gai_strerror(rc));
    rc = WEIR_E_AGAIN;
    for (const struct addrinfo *ai = res; ai && rc == WEIR_E_AGAIN; ai = ai->ai_next)
        rc = open_one(g, cfg, ai, deadline, why, sizeof why, &refused, &fd);
    freeaddrinfo(res);
    if (rc == WEIR_E_AGAIN)     /* iperf3 reports a refused hello as a read error */
        return udp_fail(g, refused ? WEIR_E_STREAMREAD : WEIR_E_STREAMCONNECT, "%s", why);
    if (rc != WEIR_OK)
        return rc;
    rc = udp_stream_new(g, fd, cfg, (struct udp_stream **)stream);
    if (rc != WEIR_OK)
        close(fd);
    return rc;
}

/* ---- server ---- */

struct udp_listener {
    int fd;                         /* the unconnected socket the core polls */
    struct sockaddr_storage addr;   /* where it and every stream socket bind */
    socklen_t addrlen;
    int dual_stack;                 /* IPV6_V6ONLY off */
};

/* A new socket bound to the listener's address. Returns the fd, or -1
 * with errno. */
static int bind_port(const struct udp_listener *l)
{
    int fd = socket(l->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        (l->dual_stack && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) ||
        bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static uint16_t local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

/* Bind the listener like the control listener: -B if given, else the IPv6
 * wildcard, dual-stack unless a family was asked for. */
static int bind_listener(struct udp_listener *l, const struct weir_stream_config *cfg,
                         uint16_t port, char *why, size_t whylen)
{
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    hints.ai_family = cfg->family != AF_UNSPEC ? cfg->family
                                               : (cfg->bind_host ? AF_UNSPEC : AF_INET6);
    struct addrinfo *res = NULL;
    char portstr[8];

    snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
    int rc = getaddrinfo(cfg->bind_host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(why, whylen, "%s: %s", cfg->bind_host ? cfg->bind_host : "wildcard address",
                 gai_strerror(rc));
        return -1;
    }
    l->fd = -1;
    for (const struct addrinfo *ai = res; ai && l->fd < 0; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof l->addr)
            continue;
        memcpy(&l->addr, ai->ai_addr, ai->ai_addrlen);
        l->addrlen = ai->ai_addrlen;
        l->dual_stack = ai->ai_family == AF_INET6 && cfg->family == AF_UNSPEC;
        l->fd = bind_port(l);
        if (l->fd < 0)
            snprintf(why, whylen, "bind UDP port %u: %s", (unsigned)port, strerror(errno));
    }
    freeaddrinfo(res);
    return l->fd < 0 ? -1 : 0;
}

int udp_server_listen(void *global, const struct weir_stream_config *cfg, int control_fd,
                      void **listener, int *poll_fd)
{
    const struct udp_global *g = global;
    char why[256] = "no usable address";
    /* The control listener knows the real port if it was chosen at bind
     * time (port 0). */
    uint16_t port = cfg->port ? cfg->port : local_port(control_fd);
    struct udp_listener *l = calloc(1, sizeof *l);

    if (!l)
        return udp_fail(g, WEIR_E_NOMEM, "listener");
    if (bind_listener(l, cfg, port, why, sizeof why) < 0) {
        free(l);
        return udp_fail(g, WEIR_E_STREAMLISTEN, "%s", why);
    }
    *listener = l;
    *poll_fd = l->fd;
    return WEIR_OK;
}

void udp_server_unlisten(void *global, void *listener)
{
    struct udp_listener *l = listener;
    (void)global;
    if (!l)
        return;
    /* Hellos still queued here were beyond the streams the test wanted;
     * closing drops them and their senders time out. */
    close(l->fd);
    free(l);
}

/* Throw away what a new stream socket caught while it was bound but not
 * yet connected (it then matched datagrams for the port like the
 * listener). Its peer sends nothing before our reply, so none is its. */
static void drain(int fd)
{
    unsigned char b;
    for (int i = 0; i < DRAIN_MAX; i++) {
        ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && errno != EINTR && errno != ECONNREFUSED)
            break;
    }
}

int udp_server_accept(void *global, void *listener, const struct weir_stream_config *cfg,
                      void **stream)
{
    const struct udp_global *g = global;
    struct udp_listener *l = listener;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    unsigned char got[UDP_HELLO_LEN];

    /* iperf3 reads 4 bytes and does not look at them. */
    ssize_t n = recvfrom(l->fd, got, sizeof got, MSG_DONTWAIT, (struct sockaddr *)&peer, &plen);
    if (n < 0) {
        switch (errno) {
        case EAGAIN:
#if EAGAIN != EWOULDBLOCK
        case EWOULDBLOCK:
#endif
        case EINTR: case ECONNREFUSED:
            return WEIR_E_AGAIN;
        default:
            return udp_fail(g, WEIR_E_STREAMACCEPT, "recvfrom: %s", strerror(errno));
        }
    }
    int fd = bind_port(l);
    if (fd < 0)
        return udp_fail(g, WEIR_E_STREAMACCEPT, "binding a socket to the UDP port: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&peer, plen) < 0) {
        int e = errno;
        close(fd);
        return udp_fail(g, WEIR_E_STREAMACCEPT, "connect to the hello's sender: %s", strerror(e));
    }
    drain(fd);

    int rc = udp_apply_options(g, fd, cfg, (struct sockaddr *)&peer);
    if (rc == WEIR_OK)
        rc = udp_stream_new(g, fd, cfg, (struct udp_stream **)stream);
    if (rc != WEIR_OK) {
        close(fd);
        return rc;
    }
    if (send(fd, udp_reply_bytes, UDP_HELLO_LEN, MSG_NOSIGNAL | MSG_DONTWAIT) != UDP_HELLO_LEN) {
        int e = errno;
        udp_close(*stream);
        *stream = NULL;
        return udp_fail(g, WEIR_E_STREAMWRITE, "sending the reply: %s", strerror(e));
    }
    return WEIR_OK;
}
