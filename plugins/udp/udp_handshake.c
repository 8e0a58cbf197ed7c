/* udp transport: opening a stream, client side (docs/protocol.md §7.3; the
 * server's side is udp_listen.c).
 *
 * Connect a UDP socket to the server port, send "9876", wait for "6789"
 * (or the pre-3.12 reply b1 68 de 3a). When both ends are weir and agreed
 * (cfg->stream_tag), the cookie follows "9876" in the same datagram, so a
 * server running several tests knows whose stream it is. Beneath another
 * transport with WEIR_LOWER_PLAIN there is no hello: the upper layer's
 * first datagram opens the stream on the server. */
#include "udp_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


enum hello_result { HELLO_OK, HELLO_REFUSED, HELLO_FAILED };

/* Send the hello and wait for the reply before the deadline. Datagrams
 * that are not the reply (data overtaking it in reverse mode) are skipped,
 * up to iperf3's limit of 4 + 2 * blksize bytes read at 4 per datagram. */
static enum hello_result hello(int fd, const struct weir_stream_config *cfg, uint64_t deadline,
                               char *why, size_t whylen)
{
    unsigned char msg[UDP_TAGGED_HELLO_LEN];
    size_t len = UDP_HELLO_LEN;
    memcpy(msg, udp_hello_bytes, UDP_HELLO_LEN);
    if (cfg->stream_tag && cfg->cookie) {
        memcpy(msg + UDP_HELLO_LEN, cfg->cookie, WEIR_COOKIE_SIZE);
        len = UDP_TAGGED_HELLO_LEN;
    }
    for (;;) {
        ssize_t n = send(fd, msg, len, MSG_NOSIGNAL);
        if (n == (ssize_t)len)
            break;
        if (n < 0 && errno == ECONNREFUSED) {
            snprintf(why, whylen, "server refused the hello: %s", strerror(errno));
            return HELLO_REFUSED;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) &&
            sock_wait_fd(fd, POLLOUT, deadline) > 0)
            continue;
        snprintf(why, whylen, "sending the hello: %s", n < 0 ? strerror(errno) : "short write");
        return HELLO_FAILED;
    }

    uint64_t skipped = 0, limit = UDP_HELLO_LEN + 2 * (uint64_t)cfg->blksize;
    for (;;) {
        int r = sock_wait_fd(fd, POLLIN, deadline);
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
    if ((cfg->bind_host || cfg->cport) && sock_bind_local(fd, SOCK_DGRAM, cfg, ai->ai_family, why, whylen) < 0) {
        close(fd);
        return WEIR_E_AGAIN;
    }
    /* Before connect: routing. */
    int rc = sock_bind_device(fd, weir_param_string(udp_host(g), cfg, WEIR_PARAM_BIND_DEV, NULL), why, whylen);
    if (rc != WEIR_OK) {
        close(fd);
        return udp_fail(g, rc, "%s", why);
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        snprintf(why, whylen, "connect to %s port %u: %s", cfg->host, (unsigned)cfg->port,
                 strerror(errno));
        close(fd);
        return WEIR_E_AGAIN;
    }
    rc = udp_apply_options(g, fd, cfg, ai->ai_addr);
    if (rc != WEIR_OK) {
        close(fd);
        return rc;
    }
    if ((cfg->lower & WEIR_LOWER_STREAM) && (cfg->lower & WEIR_LOWER_PLAIN)) {
        *fd_out = fd;
        return WEIR_OK;
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
    if (!(cfg->lower & WEIR_LOWER_STREAM) && (cfg->blksize < UDP_MIN_BLKSIZE || cfg->blksize > UDP_MAX_BLKSIZE))
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
