/* tcp transport: iperf3's TCP data streams.
 *
 * Client: connect to the server's control port, send the 37-byte cookie.
 * Server: streams arrive on the control listener, where the core accepts
 * them, reads the cookie each sends first and hands it to the test it
 * names (server_adopt). Data is blocks of blksize bytes with no framing
 * (docs/protocol.md §7.2).
 *
 * Beneath another transport (cfg->lower, tls): the same connection and
 * cookie, then the upper layer's bytes through write_bytes/read_bytes. */
#include "tcp_int.h"
#include "payload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Reads per recv call: enough to amortise the epoll wakeup, few enough that
 * one busy stream cannot starve the others on its worker. */
#define TCP_RECV_BATCH 16

#define CONGESTION_HINT " (see sysctl net.ipv4.tcp_available_congestion_control)"

/* Used when the core passes timeout_ms == 0, so no step can wait forever
 * (iperf3 3.15+ waits 10 s per read). */
#define TCP_DEFAULT_TIMEOUT_MS 10000u

struct tcp_stream {
    const struct tcp_global *g;
    int fd;
    uint32_t blksize;
    uint32_t block_len;         /* bytes in the current block: blksize, less
                                   for the last block of a -F file */
    int block_filled;           /* -F: buf holds the current block */
    uint32_t offset;            /* bytes of the current block already sent */
    int wait_ms;                /* recv_wait (or, beneath another transport,
                                   lower_receive_wait) made the socket
                                   blocking with this SO_RCVTIMEO; 0 = still
                                   non-blocking */
    int payload_fd;             /* -Z: the block in a memory file, else -1 */
    int rx_flags;               /* --skip-rx-copy: MSG_TRUNC, else 0 */
    const struct weir_payload *payload; /* -F: the core's file, else NULL */
    int lower;                  /* carries another transport's bytes
                                   (WEIR_LOWER_STREAM): no block, no buf */
    int notsent_lowat;          /* --tcp-notsent-lowat was set: describe it */
    unsigned char buf[];        /* one block: the payload, or receive space */
};

/* ---- deadlines for the blocking steps of open ---- */

static uint64_t deadline_after(unsigned timeout_ms)
{
    return sock_mono_ms() + (timeout_ms ? timeout_ms : TCP_DEFAULT_TIMEOUT_MS);
}

/* Write all of buf on a non-blocking socket before the deadline. Returns 0,
 * or -1 with errno (ETIMEDOUT when the deadline passed). */
static int write_all(int fd, const void *buf, size_t len, uint64_t deadline)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        int r = sock_wait_fd(fd, POLLOUT, deadline);
        if (r <= 0) {
            if (r == 0)
                errno = ETIMEDOUT;
            return -1;
        }
    }
    return 0;
}

/* ---- streams ---- */

/* A stream beneath another transport: the socket, nothing of the core's
 * data path (blocks, payload, -Z, --skip-rx-copy). */
static int lower_stream_new(const struct tcp_global *g, int fd, struct tcp_stream **out)
{
    struct tcp_stream *s = calloc(1, sizeof *s);
    if (!s)
        return tcp_fail(g, WEIR_E_NOMEM, "stream");
    s->g = g;
    s->fd = fd;
    s->payload_fd = -1;
    s->lower = 1;
    *out = s;
    return WEIR_OK;
}

static int stream_new(const struct tcp_global *g, int fd, const struct weir_stream_config *cfg,
                      const struct tcp_params *tp, struct tcp_stream **out)
{
    if (cfg->lower & WEIR_LOWER_STREAM)
        return lower_stream_new(g, fd, out);
    if (cfg->blksize == 0)
        return tcp_fail(g, WEIR_E_INITSTREAM, "block size is 0");
    struct tcp_stream *s = malloc(sizeof *s + cfg->blksize);
    if (!s)
        return tcp_fail(g, WEIR_E_NOMEM, "stream buffer of %u bytes", (unsigned)cfg->blksize);
    s->g = g;
    s->fd = fd;
    s->blksize = cfg->blksize;
    s->block_len = cfg->blksize;
    s->block_filled = 0;
    s->offset = 0;
    s->wait_ms = 0;
    s->lower = 0;
    s->notsent_lowat = tp->notsent_lowat;
    /* Filled whatever the direction: the core may pick a stream's direction
     * after accepting it (bidir), and one getrandom() per stream is cheap. */
    if (sock_fill_payload(s->buf, s->blksize, cfg->repeating_payload) < 0) {
        int e = errno;
        free(s);
        return tcp_fail(g, WEIR_E_INITSTREAM, "getrandom: %s", strerror(e));
    }
    /* -Z and --skip-rx-copy . TCP discards what it reads
     * with MSG_TRUNC, still counting it. */
    s->payload_fd = -1;
    /* -F: the file's bytes pass through buf both ways, so no
     * MSG_TRUNC and no memory file. */
    s->payload = cfg->payload;
    s->rx_flags = !s->payload && tp->skip_rx_copy ? MSG_TRUNC : 0;
    if (!s->payload && tp->zerocopy &&
        (s->payload_fd = tcp_payload_file(s->buf, s->blksize)) < 0) {
        int e = errno;
        free(s);
        return tcp_fail(g, WEIR_E_INITSTREAM, "-Z: a memory file for the payload: %s", strerror(e));
    }
    *out = s;
    return WEIR_OK;
}

static int tcp_stream_fd(void *stream)
{
    return ((struct tcp_stream *)stream)->fd;
}

static void tcp_close(void *stream)
{
    struct tcp_stream *s = stream;
    if (!s)
        return;
    close(s->fd);
    if (s->payload_fd >= 0)
        close(s->payload_fd);
    free(s);
}

/* send/recv on a stream that carries another transport's bytes: the
 * upper layer uses write_bytes/read_bytes. */
static int not_a_data_stream(const struct tcp_stream *s)
{
    return tcp_fail(s->g, WEIR_E_UNSUPPORTED, "the stream carries another transport's bytes "
                    "(write_bytes/read_bytes), not blocks");
}

/* Hot path: no allocation, clock or lock. *io counts what moved whatever
 * the return value, including bytes written before an error. */
static int tcp_send(void *stream, uint32_t max_blocks, struct weir_counters *c,
                    struct weir_io *io)
{
    struct tcp_stream *s = stream;
    uint32_t done = 0;
    int moved = 0;

    (void)c;
    if (s->lower)
        return not_a_data_stream(s);
    if (max_blocks == 0)
        max_blocks = 1;
    while (done < max_blocks) {
        if (s->payload && !s->block_filled) {
            int rc = payload_next(s->payload, s->buf, s->blksize, &s->block_len);
            if (rc != WEIR_OK)
                return rc == WEIR_E_DATAEND && moved ? WEIR_OK : rc;
            s->block_filled = 1;
        }
        uint32_t left = s->block_len - s->offset;
        ssize_t n = s->payload_fd >= 0 ? tcp_send_from_file(s->fd, s->payload_fd, s->offset, left)
                                        : send(s->fd, s->buf + s->offset, left, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return tcp_fail(s->g, WEIR_E_STREAMWRITE, "%s: %s", s->payload_fd >= 0 ? "sendfile" : "send",
                            strerror(errno));
        }
        moved = 1;
        io->bytes += (uint64_t)n;
        s->offset += (uint32_t)n;
        if (s->offset < s->block_len)
            break;      /* short write: the send buffer is full, so the next
                           send() would only return EAGAIN */
        s->offset = 0;
        s->block_filled = 0;
        io->blocks++;
        done++;
    }
    return moved ? WEIR_OK : WEIR_E_AGAIN;
}

/* Hot path, as send. Returns with data still queued after a full batch, so
 * the core must poll level-triggered. */
static int tcp_recv(void *stream, struct weir_counters *c, struct weir_io *io)
{
    struct tcp_stream *s = stream;
    int moved = 0;

    (void)c;
    if (s->lower)
        return not_a_data_stream(s);
    for (int i = 0; i < TCP_RECV_BATCH; i++) {
        /* MSG_DONTWAIT: after recv_wait the socket is blocking. */
        ssize_t n = recv(s->fd, s->buf, s->blksize, MSG_DONTWAIT | s->rx_flags);
        if (n > 0) {
            /* -F: bytes that did not reach the file are not counted. */
            if (s->payload && s->payload->consume(s->payload->ctx, s->buf, (size_t)n) < 0)
                return WEIR_E_FILE;
            moved = 1;
            io->bytes += (uint64_t)n;
            io->blocks++;       /* iperf3 counts one block per read */
            if ((size_t)n < s->blksize)
                break;  /* the queue is drained; another read would be EAGAIN */
            continue;
        }
        if (n == 0)     /* EOF repeats, so report it on the next call */
            return moved ? WEIR_OK : WEIR_E_STREAMCLOSE;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        return tcp_fail(s->g, WEIR_E_STREAMREAD, "recv: %s", strerror(errno));
    }
    return moved ? WEIR_OK : WEIR_E_AGAIN;
}

/* One stream per worker: sleep in recv itself rather than in epoll (see
 * transport.h). The socket turns blocking, with SO_RCVTIMEO as the bound,
 * on the first call and stays so; every other call passes MSG_DONTWAIT. */
static int tcp_recv_wait(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms)
{
    struct tcp_stream *s = stream;

    (void)c;
    if (s->lower)
        return not_a_data_stream(s);
    if (s->wait_ms != timeout_ms) {
        if (sock_block_receives(s->fd, timeout_ms) < 0)
            return tcp_fail(s->g, WEIR_E_STREAMREAD, "blocking receive: %s", strerror(errno));
        s->wait_ms = timeout_ms;
    }
    for (;;) {
        ssize_t n = recv(s->fd, s->buf, s->blksize, s->rx_flags);
        if (n > 0) {
            if (s->payload && s->payload->consume(s->payload->ctx, s->buf, (size_t)n) < 0)
                return WEIR_E_FILE;
            io->bytes += (uint64_t)n;
            io->blocks++;
            return WEIR_OK;
        }
        if (n == 0)
            return WEIR_E_STREAMCLOSE;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WEIR_E_AGAIN;
        if (errno != EINTR)
            return tcp_fail(s->g, WEIR_E_STREAMREAD, "recv: %s", strerror(errno));
    }
}

/* ---- beneath another transport: bytes as they come ---- */

/* MSG_DONTWAIT: the stream is non-blocking anyway, but say so. */
static int tcp_write_bytes(void *stream, const void *buf, size_t len, size_t *written)
{
    struct tcp_stream *s = stream;
    *written = 0;
    for (;;) {
        ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            *written = (size_t)n;
            return n > 0 || len == 0 ? WEIR_OK : WEIR_E_AGAIN;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WEIR_E_AGAIN;
        return tcp_fail(s->g, WEIR_E_STREAMWRITE, "send: %s", strerror(errno));
    }
}

static int tcp_read_bytes(void *stream, void *buf, size_t len, size_t *got)
{
    struct tcp_stream *s = stream;
    /* After lower_receive_wait the first byte may be waited for. */
    int flags = s->wait_ms ? 0 : MSG_DONTWAIT;
    *got = 0;
    for (;;) {
        ssize_t n = recv(s->fd, buf, len, flags);
        if (n > 0) {
            *got = (size_t)n;
            return WEIR_OK;
        }
        if (n == 0)
            return len ? WEIR_E_STREAMCLOSE : WEIR_OK;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WEIR_E_AGAIN;
        return tcp_fail(s->g, WEIR_E_STREAMREAD, "recv: %s", strerror(errno));
    }
}

static int tcp_lower_receive_wait(void *stream, int timeout_ms)
{
    struct tcp_stream *s = stream;
    if (!s->lower)
        return tcp_fail(s->g, WEIR_E_UNSUPPORTED, "lower_receive_wait on a data stream");
    if (timeout_ms < 0)
        timeout_ms = 0;
    if (s->wait_ms != timeout_ms) {
        if (sock_receive_wait(s->fd, timeout_ms) < 0)
            return tcp_fail(s->g, WEIR_E_STREAMREAD, "blocking receive: %s", strerror(errno));
        s->wait_ms = timeout_ms;
    }
    return WEIR_OK;
}

/* start.weir.streams[]: how the payload moves, whichever way the stream
 * goes: sends with sendfile (-Z), receives with MSG_TRUNC (--skip-rx-copy),
 * the kernel's pacing cap in bits/s (--fq-rate; 0 = none), and whether it
 * is Multipath TCP (-m: "on", or "fallback" to a plain TCP peer; "off"),
 * and, where one was set (--tcp-notsent-lowat), the kernel's not-sent
 * low-water mark. */
static int tcp_describe(void *stream, const struct weir_fact_sink *out)
{
    const struct tcp_stream *s = stream;
    weir_fact_bool(out, "zerocopy", s->payload_fd >= 0);
    weir_fact_bool(out, "skip_rx_copy", s->rx_flags != 0);
    weir_fact_uint(out, "max_pacing_rate", sock_max_pacing(s->fd));
    weir_fact_string(out, "mptcp", sock_mptcp_state(s->fd));
    if (s->notsent_lowat > 0) {
        int v = 0;
        if (sock_get_int(s->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v) == 0)
            weir_fact_uint(out, "notsent_lowat", (uint64_t)(unsigned)v);
    }
    return WEIR_OK;
}

static int tcp_info(void *stream, struct weir_stream_info *out)
{
    return tcp_fill_info(((struct tcp_stream *)stream)->fd, out);
}

/* ---- client ---- */

static int connect_by(int fd, const struct addrinfo *ai, uint64_t deadline)
{
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return -1;
    int r = sock_wait_fd(fd, POLLOUT, deadline);
    if (r <= 0) {
        if (r == 0)
            errno = ETIMEDOUT;
        return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

static int tcp_client_open(void *global, const struct weir_stream_config *cfg, void **stream)
{
    const struct tcp_global *g = global;
    uint64_t deadline = deadline_after(cfg->timeout_ms);
    struct tcp_params tp;
    tcp_read_params(g, cfg, &tp);
    struct addrinfo hints = { .ai_family = cfg->family, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    char port[8], why[256] = "no usable address";
    int fd = -1, rc;

    int plain = (cfg->lower & WEIR_LOWER_STREAM) && (cfg->lower & WEIR_LOWER_PLAIN);
    if (!cfg->host || (!cfg->cookie && !plain))
        return tcp_fail(g, WEIR_E_STREAMCONNECT, "no server host or cookie given");
    snprintf(port, sizeof port, "%u", (unsigned)cfg->port);
    rc = getaddrinfo(cfg->host, port, &hints, &res);
    if (rc != 0)
        return tcp_fail(g, WEIR_E_STREAMCONNECT, "%s: %s", cfg->host, gai_strerror(rc));

    /* Try each address in turn within the one deadline, as a connect to a
     * name with both an IPv6 and an IPv4 address should. */
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    tp.mptcp ? WEIR_IPPROTO_MPTCP : IPPROTO_TCP);
        if (fd < 0) {
            snprintf(why, sizeof why, "socket: %s", strerror(errno));
            continue;
        }
        /* Before connect, so MSS and window shape the SYN (window scale). */
        rc = tcp_apply_options(g, fd, cfg, &tp, ai->ai_addr);
        if (rc == WEIR_OK)
            rc = tcp_set_flowlabel(g, fd, tp.flowlabel, ai->ai_addr);
        if (rc != WEIR_OK)
            goto fail;
        /* Also before connect (iperf3 sets it after): an unknown algorithm
         * then fails the open without handing the server a stream that
         * sent a good cookie and went away. */
        if (tp.congestion && tcp_set_congestion(fd, tp.congestion) < 0) {
            int e = errno;
            rc = tcp_fail(g, WEIR_E_SETCONGESTION, "TCP_CONGESTION \"%s\": %s%s",
                          tp.congestion, strerror(e), e == ENOENT ? CONGESTION_HINT : "");
            goto fail;
        }
        if ((cfg->bind_host || cfg->cport) &&
            sock_bind_local(fd, SOCK_STREAM, cfg, ai->ai_family, why, sizeof why) < 0) {
            close(fd);
            fd = -1;
            continue;
        }
        if (connect_by(fd, ai, deadline) == 0)
            break;
        if (errno == ETIMEDOUT)
            snprintf(why, sizeof why, "connect to %s port %s: timed out after %u ms",
                     cfg->host, port, cfg->timeout_ms ? cfg->timeout_ms : TCP_DEFAULT_TIMEOUT_MS);
        else
            snprintf(why, sizeof why, "connect to %s port %s: %s", cfg->host, port,
                     strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    res = NULL;
    if (fd < 0)
        return tcp_fail(g, WEIR_E_STREAMCONNECT, "%s", why);

    if (!plain && write_all(fd, cfg->cookie, WEIR_COOKIE_SIZE, deadline) < 0) {
        rc = tcp_fail(g, WEIR_E_SENDCOOKIE, "%s", strerror(errno));
        goto fail;
    }
    rc = stream_new(g, fd, cfg, &tp, (struct tcp_stream **)stream);
    if (rc != WEIR_OK)
        goto fail;
    return WEIR_OK;

fail:
    if (res)
        freeaddrinfo(res);
    close(fd);
    return rc;
}

/* ---- server ---- */

/* Nothing to prepare: the core's front door accepts the streams on the
 * control port and hands each over (server_adopt). Only streams with a
 * cookie can be told apart there. */
static int tcp_server_listen(void *global, const struct weir_stream_config *cfg,
                             int control_fd, void **listener, int *poll_fd)
{
    const struct tcp_global *g = global;

    (void)control_fd;
    (void)poll_fd;
    if ((cfg->lower & WEIR_LOWER_STREAM) && (cfg->lower & WEIR_LOWER_PLAIN))
        return tcp_fail(g, WEIR_E_UNSUPPORTED, "tcp streams reach a server on its control port, "
                        "told apart by their cookie: a plain stream without one cannot be served");
    *listener = NULL;
    return WEIR_OK;
}

static void tcp_server_unlisten(void *global, void *listener)
{
    (void)global;
    (void)listener;
}

/* The connection is ours (its cookie matched): options, then the stream. */
static int take_stream(const struct tcp_global *g, int fd, const struct weir_stream_config *cfg,
                       const struct sockaddr *peer, void **stream)
{
    struct tcp_params tp;
    tcp_read_params(g, cfg, &tp);
    int rc = tcp_apply_options(g, fd, cfg, &tp, peer);
    /* iperf3's server only warns about an unknown algorithm: the client asked
     * for it and reads back what is in use. */
    if (rc == WEIR_OK && tp.congestion && tcp_set_congestion(fd, tp.congestion) < 0) {
        int e = errno;
        tcp_warn(g, "TCP_CONGESTION \"%s\": %s%s; using the default", tp.congestion,
                 strerror(e), e == ENOENT ? CONGESTION_HINT : "");
    }
    if (rc == WEIR_OK)
        rc = stream_new(g, fd, cfg, &tp, (struct tcp_stream **)stream);
    if (rc != WEIR_OK)
        close(fd);
    return rc;
}

/* The core accepted the connection and matched its cookie already. */
static int tcp_server_adopt(void *global, void *listener, const struct weir_stream_config *cfg,
                            int fd, void **stream)
{
    const struct tcp_global *g = global;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;

    (void)listener;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0) {
        int e = errno;
        close(fd);
        return tcp_fail(g, WEIR_E_STREAMACCEPT, "data connection: %s", strerror(e));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return tcp_fail(g, WEIR_E_STREAMACCEPT, "data connection: %s", strerror(e));
    }
    return take_stream(g, fd, cfg, (struct sockaddr *)&peer, stream);
}

/* ---- descriptor ---- */

static int tcp_init(const struct weir_host *host, void **global)
{
    struct tcp_global *g = malloc(sizeof *g);
    if (!g)
        return WEIR_E_NOMEM;
    g->host = host;
    *global = g;
    return WEIR_OK;
}

static void tcp_fini(void *global)
{
    free(global);
}

static const char *const honoured[] = {
    WEIR_PARAM_CONGESTION, WEIR_PARAM_MSS, WEIR_PARAM_NODELAY, WEIR_PARAM_TOS,
    WEIR_PARAM_ZEROCOPY, WEIR_PARAM_SKIP_RX_COPY, WEIR_PARAM_FLOWLABEL, WEIR_PARAM_FQ_RATE,
    WEIR_PARAM_BIND_DEV, WEIR_PARAM_MPTCP, WEIR_PARAM_SND_TIMEOUT_MS, WEIR_PARAM_NOTSENT_LOWAT, NULL
};

/* What iperf3 takes with TCP and does nothing with: UDP's. */
static const char *const ignored[] = {
    WEIR_PARAM_GSO, WEIR_PARAM_GRO, WEIR_PARAM_GSO_DG_SIZE, WEIR_PARAM_DONT_FRAGMENT,
    WEIR_PARAM_UDP_COUNTERS_64BIT, NULL
};

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONTROL_PORT |
            WEIR_CAP_CONGESTION | WEIR_CAP_PAYLOAD,
    .params_honoured = honoured,
    .params_ignored = ignored,
    .wire_key = "tcp",
    .wire_label = "TCP",
    /* iperf3's TCP: 128 KiB blocks by default, up to 1 MiB; no rate limit
     * unless -b. */
    .default_blksize = 131072,
    .blksize_min = 1,
    .blksize_max = 1048576,
    .init = tcp_init,
    .fini = tcp_fini,
    .client_open = tcp_client_open,
    .server_listen = tcp_server_listen,
    .server_unlisten = tcp_server_unlisten,
    .server_adopt = tcp_server_adopt,
    .stream_fd = tcp_stream_fd,
    .send = tcp_send,
    .recv = tcp_recv,
    .recv_wait = tcp_recv_wait,
    .write_bytes = tcp_write_bytes,
    .read_bytes = tcp_read_bytes,
    .info = tcp_info,
    .close = tcp_close,
    .describe = tcp_describe,
    .lower_receive_wait = tcp_lower_receive_wait,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "tcp",
    .description = "TCP streams, iperf3-compatible (cookie on the control port)",
    .options = NULL,
    .transport = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
