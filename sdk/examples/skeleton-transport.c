/* skeleton-transport.c: a small complete weir transport, to copy from.
 *
 * It speaks iperf3's TCP data streams (cookie first, then blocks with no
 * framing), so it works against weir and iperf3 peers alike. It keeps to
 * what the contract demands and leaves out most of what the shipped "tcp"
 * transport adds (socket options beyond -w/-N, congestion control, pacing).
 *
 * Build it out of tree with the Makefile beside it (needs weir-sdk.pc):
 *     make
 *     weir -c HOST --transport ./skeleton-transport.so
 * The loader also finds it by name (--transport skeleton-transport) in
 * --plugin-dir, $WEIR_PLUGIN_PATH or the installed plugin directory.
 *
 * Every hook of struct weir_transport_ops appears below but server_accept
 * (only a transport with a socket of its own, like UDP, has it) and the
 * datagram ones (send_datagrams, recv_datagrams), each marked required or
 * optional, with who calls it and what it returns; the
 * ops table at the end lists them in the struct's order. An optional hook
 * left out is one weir does without: it does what the SDK header says it
 * does then. Hooks return WEIR_OK or a weir_status code and give detail
 * text through host->set_error(). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE         /* struct tcp_info (Linux) */

#include <weir/weir.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* What init keeps for the other hooks. */
struct skel_global {
    const struct weir_host *host;
};

/* One stream: the plugin owns it from open/accept until close. */
struct skel_stream {
    int fd;
    uint32_t blksize;
    uint32_t offset;            /* bytes of the current block already sent */
    int wait_ms;                /* recv_wait made the fd blocking (0: not yet) */
    unsigned char buf[];        /* one block */
};

/* Bound every blocking step of open/accept: on Linux SO_SNDTIMEO also
 * bounds connect(). */
static void set_timeouts(int fd, unsigned timeout_ms)
{
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    if (timeout_ms == 0)
        tv.tv_sec = 10;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int stream_new(int fd, const struct weir_stream_config *cfg, void **out)
{
    struct skel_stream *s = malloc(sizeof *s + cfg->blksize);
    if (!s)
        return WEIR_E_NOMEM;
    s->fd = fd;
    s->blksize = cfg->blksize;
    s->offset = 0;
    s->wait_ms = 0;
    /* The payload is sent unchanged; iperf3 uses random bytes unless
     * --repeating-payload asks for this pattern. */
    for (uint32_t i = 0; i < cfg->blksize; i++)
        s->buf[i] = (unsigned char)('0' + i % 10);
    *out = s;
    return WEIR_OK;
}

/* optional — init: called once per process on the main thread, before any
 * other hook. Whatever it stores in *global is passed to the stream hooks.
 * Returns WEIR_OK, or an error and the plugin is unloaded. */
static int skel_init(const struct weir_host *host, void **global)
{
    struct skel_global *g = malloc(sizeof *g);
    if (!g)
        return WEIR_E_NOMEM;
    g->host = host;
    *global = g;
    return WEIR_OK;
}

/* optional — fini: called once on the main thread after the last stream
 * closed; undoes init. */
static void skel_fini(void *global)
{
    free(global);
}

/* required — client_open: called on the client's main thread once per
 * stream, strictly in stream order. Connects, identifies the stream to the
 * server (here: the 37-byte cookie), applies options. May block, but no
 * longer than cfg->timeout_ms. Returns WEIR_OK with *stream set and the
 * socket non-blocking, or an error (WEIR_E_STREAMCONNECT, WEIR_E_SENDCOOKIE,
 * WEIR_E_SET*). */
static int skel_client_open(void *global, const struct weir_stream_config *cfg, void **stream)
{
    const struct skel_global *g = global;
    struct addrinfo hints = { .ai_family = cfg->family, .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai = NULL;
    char port[8];
    int fd, rc;

    snprintf(port, sizeof port, "%u", (unsigned)cfg->port);
    rc = getaddrinfo(cfg->host, port, &hints, &ai);
    if (rc != 0) {
        g->host->set_error(WEIR_E_STREAMCONNECT, "%s: %s", cfg->host, gai_strerror(rc));
        return WEIR_E_STREAMCONNECT;
    }
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        freeaddrinfo(ai);
        g->host->set_error(WEIR_E_STREAMCONNECT, "socket: %s", strerror(errno));
        return WEIR_E_STREAMCONNECT;
    }
    set_timeouts(fd, cfg->timeout_ms);
    /* Options go on before connect so they shape the handshake. -N is one
     * of the core's transport parameters (WEIR_PARAM_*), which a transport
     * reads through the host; the ops table below says it honours it. */
    int one = 1;
    if (weir_param_flag(g->host, cfg, WEIR_PARAM_NODELAY) &&
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
        rc = WEIR_E_SETNODELAY;
        g->host->set_error(rc, "TCP_NODELAY: %s", strerror(errno));
        goto fail;
    }
    if (cfg->window > 0 &&
        (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cfg->window, sizeof cfg->window) < 0 ||
         setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cfg->window, sizeof cfg->window) < 0)) {
        rc = WEIR_E_SETBUF;
        g->host->set_error(rc, "socket buffer %d: %s", cfg->window, strerror(errno));
        goto fail;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        rc = WEIR_E_STREAMCONNECT;
        g->host->set_error(rc, "connect to %s port %s: %s", cfg->host, port, strerror(errno));
        goto fail;
    }
    /* A transport stacked on this one (cfg->lower, see write_bytes) may
     * ask for a plain stream: then it identifies the stream itself. */
    int plain = (cfg->lower & WEIR_LOWER_STREAM) && (cfg->lower & WEIR_LOWER_PLAIN);
    if (!plain && send(fd, cfg->cookie, WEIR_COOKIE_SIZE, MSG_NOSIGNAL) != WEIR_COOKIE_SIZE) {
        rc = WEIR_E_SENDCOOKIE;
        g->host->set_error(rc, "%s", strerror(errno));
        goto fail;
    }
    if (set_nonblocking(fd) < 0) {
        rc = WEIR_E_NONBLOCKING;
        goto fail;
    }
    rc = stream_new(fd, cfg, stream);
    if (rc != WEIR_OK)
        goto fail;
    freeaddrinfo(ai);
    return WEIR_OK;
fail:
    freeaddrinfo(ai);
    close(fd);
    return rc;
}

/* required — server_listen: called on the server's main thread once per
 * test, before streams arrive, to prepare what the test's streams need.
 * With WEIR_CAP_CONTROL_PORT they come in on the core's control listener,
 * control_fd, where weir accepts them itself and hands each to
 * server_adopt: nothing to do here, and *poll_fd is not used. (A transport
 * with a socket of its own, UDP, would open it here, set *poll_fd to it,
 * and take streams in server_accept.) Sets *listener, passed to adopt and
 * unlisten (may stay NULL). Returns WEIR_OK or an error such as
 * WEIR_E_STREAMLISTEN. */
static int skel_server_listen(void *global, const struct weir_stream_config *cfg,
                              int control_fd, void **listener, int *poll_fd)
{
    const struct skel_global *g = global;
    (void)control_fd;
    (void)poll_fd;
    /* Plain streams (no cookie) could not be told apart on the control
     * port: refused, as the SDK asks. */
    if ((cfg->lower & WEIR_LOWER_STREAM) && (cfg->lower & WEIR_LOWER_PLAIN)) {
        g->host->set_error(WEIR_E_UNSUPPORTED, "plain streams need a cookie on the control port");
        return WEIR_E_UNSUPPORTED;
    }
    *listener = NULL;
    return WEIR_OK;
}

/* required with WEIR_CAP_CONTROL_PORT — server_adopt: called on the
 * server's main thread (of the test; several tests may adopt at once) for
 * each connection weir accepted on its control port and whose 37-byte
 * cookie it read and matched to this test, in the order they arrived. The
 * next bytes on fd are the stream's own. Applies options (bounded by
 * cfg->timeout_ms) and makes the stream. fd is the plugin's from the call
 * on: close it on failure. Returns WEIR_OK with *stream set and the socket
 * non-blocking, or an error such as WEIR_E_STREAMACCEPT. */
static int skel_server_adopt(void *global, void *listener, const struct weir_stream_config *cfg,
                             int fd, void **stream)
{
    const struct skel_global *g = global;
    (void)listener;
    int one = 1;
    if (weir_param_flag(g->host, cfg, WEIR_PARAM_NODELAY))
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (set_nonblocking(fd) < 0 || stream_new(fd, cfg, stream) != WEIR_OK) {
        g->host->set_error(WEIR_E_STREAMACCEPT, "data connection: %s", strerror(errno));
        close(fd);
        return WEIR_E_STREAMACCEPT;
    }
    return WEIR_OK;
}

/* required — server_unlisten: called on the server's main thread when the
 * test has its streams or ends. Frees what server_listen made (nothing
 * here); must not close control_fd, which the core keeps listening on. */
static void skel_server_unlisten(void *global, void *listener)
{
    (void)global;
    (void)listener;
}

/* required — stream_fd: called on the main thread; the core polls this
 * descriptor (epoll) and calls send/recv when it is ready. */
static int skel_stream_fd(void *stream)
{
    return ((struct skel_stream *)stream)->fd;
}

/* required — send: called on the stream's worker thread (never two at once
 * for one stream) when the fd is writable. Writes up to max_blocks whole
 * blocks, finishing a partly written block first; adds what moved to *io
 * (blocks = whole blocks completed). Returns WEIR_OK if anything was
 * written, WEIR_E_AGAIN if nothing could be, WEIR_E_STREAMWRITE on error.
 * A hot path: no allocation, no clock, no locks. */
static int skel_send(void *stream, uint32_t max_blocks, struct weir_counters *c,
                     struct weir_io *io)
{
    struct skel_stream *s = stream;
    uint32_t limit = max_blocks ? max_blocks : 1;   /* at least one attempt */
    uint32_t done = 0;
    int moved = 0;
    (void)c;    /* byte-stream transports leave the datagram counters alone */

    while (done < limit) {
        ssize_t n = send(s->fd, s->buf + s->offset, s->blksize - s->offset, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            return WEIR_E_STREAMWRITE;
        }
        moved = 1;
        io->bytes += (uint64_t)n;
        s->offset += (uint32_t)n;
        if (s->offset < s->blksize)
            break;              /* the socket buffer is full */
        s->offset = 0;
        io->blocks++;
        done++;
    }
    return moved ? WEIR_OK : WEIR_E_AGAIN;
}

/* required — recv: called on the stream's worker thread when the fd is
 * readable. Reads what is available (here one read of up to a block) and
 * adds to *io (blocks = successful reads, as iperf3 counts them). Returns
 * WEIR_OK, WEIR_E_AGAIN when nothing was there, WEIR_E_STREAMCLOSE when the
 * peer closed (read returned 0), WEIR_E_STREAMREAD on error. Hot path. */
static int skel_recv(void *stream, struct weir_counters *c, struct weir_io *io)
{
    struct skel_stream *s = stream;
    (void)c;
    for (;;) {
        /* MSG_DONTWAIT: recv_wait may have made the fd blocking. */
        ssize_t n = recv(s->fd, s->buf, s->blksize, MSG_DONTWAIT);
        if (n > 0) {
            io->bytes += (uint64_t)n;
            io->blocks++;
            return WEIR_OK;
        }
        if (n == 0)
            return WEIR_E_STREAMCLOSE;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WEIR_E_AGAIN;
        if (errno != EINTR)
            return WEIR_E_STREAMREAD;
    }
}

/* optional — recv_wait: like recv, on the worker thread, but may
 * sleep in the receive call up to timeout_ms for data (WEIR_E_AGAIN if none
 * came). weir calls it instead of waiting in epoll when a worker owns just
 * this one receiving stream: a reader asleep in recv() makes the sender's
 * side cheaper per byte. Here: the fd turns blocking with SO_RCVTIMEO on
 * the first call and stays so, which is why send and recv pass
 * MSG_DONTWAIT. */
static int skel_recv_wait(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms)
{
    struct skel_stream *s = stream;
    (void)c;
    if (s->wait_ms != timeout_ms) {
        struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
        int fl = fcntl(s->fd, F_GETFL);
        if (fl < 0 || fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
            setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
            return WEIR_E_STREAMREAD;
        s->wait_ms = timeout_ms;
    }
    for (;;) {
        ssize_t n = recv(s->fd, s->buf, s->blksize, 0);
        if (n > 0) {
            io->bytes += (uint64_t)n;
            io->blocks++;
            return WEIR_OK;
        }
        if (n == 0)
            return WEIR_E_STREAMCLOSE;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WEIR_E_AGAIN;
        if (errno != EINTR)
            return WEIR_E_STREAMREAD;
    }
}

/* optional — info: called on the main thread at any time, also while the
 * worker sends (the core asks sending streams when caps has
 * WEIR_CAP_RETRANSMITS). Fills the caller's weir_stream_info with the
 * kernel's view; every field written here is in ABI 1.0, so within the
 * struct_size any weir of major 1 passes. Returns WEIR_OK (valid = 0 when
 * there is nothing to say), or an error to report nothing. */
static int skel_info(void *stream, struct weir_stream_info *out)
{
    const struct skel_stream *s = stream;
    out->valid = 0;
#ifdef TCP_INFO
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
        return WEIR_E_STREAMREAD;
    out->valid = 1;
    out->retransmits = ti.tcpi_total_retrans;
    out->snd_cwnd = (uint64_t)ti.tcpi_snd_cwnd * ti.tcpi_snd_mss;
    out->rtt_us = ti.tcpi_rtt;
    out->rttvar_us = ti.tcpi_rttvar;
    out->pmtu = ti.tcpi_pmtu;
#else
    (void)s;
#endif
    return WEIR_OK;
}

/* optional — describe: called on the main thread once per stream after it
 * is open. Reports facts about the stream as typed key/values through out
 * (the weir_fact_* helpers); reporters get them, the JSON report as
 * start.weir.streams[], the text report as a -V line. Here: the socket
 * buffer sizes the kernel actually granted (-w asks, the kernel decides).
 * Return anything but WEIR_OK to report none of them. */
static int skel_describe(void *stream, const struct weir_fact_sink *out)
{
    const struct skel_stream *s = stream;
    int snd = 0, rcv = 0;
    socklen_t sl = sizeof snd, rl = sizeof rcv;
    if (getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &snd, &sl) < 0 ||
        getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, &rl) < 0)
        return WEIR_E_PLUGIN;
    weir_fact_uint(out, "sndbuf", (uint64_t)snd);
    weir_fact_uint(out, "rcvbuf", (uint64_t)rcv);
    return WEIR_OK;
}

/* optional — describe_interval: called on the main thread for each stream
 * at every interval report (-i), also while the worker sends. Facts of the
 * interval beyond info's fixed numbers, typed as in describe; the JSON
 * report puts them in intervals[].streams[].weir. Here: segments sent and
 * not yet acknowledged when the interval ended. */
static int skel_describe_interval(void *stream, const struct weir_fact_sink *out)
{
#ifdef TCP_INFO
    const struct skel_stream *s = stream;
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
        return WEIR_E_PLUGIN;
    weir_fact_uint(out, "unacked_segments", ti.tcpi_unacked);
    return WEIR_OK;
#else
    (void)stream;
    (void)out;
    return WEIR_E_PLUGIN;
#endif
}

/* optional — server_start: called on the main thread once when a
 * server is started with this transport named (weir -s --transport
 * skeleton-transport), after init and before any client. Prepares what
 * every test needs and tells the user what they must know (the tls
 * transport prints its certificate's fingerprint here). A server started
 * without --transport never calls it: weir loads the transport when a
 * client asks, and the first server_listen must cope alone. Any code but
 * WEIR_OK stops the server with the detail set. */
static int skel_server_start(void *global)
{
    const struct skel_global *g = global;
    g->host->log(WEIR_LOG_INFO, "skeleton-transport: ready; data streams connect to the control "
                 "port, cookie first (iperf3 TCP)");
    return WEIR_OK;
}

/* optional — write_bytes and read_bytes: a transport stacked on this one
 * (host->open_lower("skeleton-transport"), as tls stacks on tcp) calls
 * them on streams it opened with cfg->lower set, to move its own bytes (a
 * TLS record, say) instead of our blocks; so does the core for --latency's
 * probes (with them this transport carries --latency; without, weir
 * refuses it). On any thread, never twice at once on one stream. Non-blocking:
 * WEIR_OK when at least one byte moved (*done says how many),
 * WEIR_E_AGAIN when none could, WEIR_E_STREAMCLOSE when the peer closed
 * (reading), else an error with errno left as the system call set it. */
static int skel_write_bytes(void *stream, const void *buf, size_t len, size_t *done)
{
    const struct skel_stream *s = stream;
    ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    *done = n > 0 ? (size_t)n : 0;
    if (n >= 0)
        return n > 0 || len == 0 ? WEIR_OK : WEIR_E_AGAIN;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? WEIR_E_AGAIN : WEIR_E_STREAMWRITE;
}

static int skel_read_bytes(void *stream, void *buf, size_t len, size_t *done)
{
    const struct skel_stream *s = stream;
    ssize_t n = recv(s->fd, buf, len, MSG_DONTWAIT);
    *done = n > 0 ? (size_t)n : 0;
    if (n > 0)
        return WEIR_OK;
    if (n == 0)
        return WEIR_E_STREAMCLOSE;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? WEIR_E_AGAIN : WEIR_E_STREAMREAD;
}

/* required — close: called on the main thread once per stream, after its
 * worker stopped using it. Closes and frees everything open/accept made. */
static void skel_close(void *stream)
{
    struct skel_stream *s = stream;
    close(s->fd);
    free(s);
}

/* The core's transport parameters this transport acts on. Any other a test
 * gives (-C, -Z, --fq-rate, ...) makes weir refuse the test with one line
 * naming the option and this transport: better than a test that silently
 * ran without it. A transport that speaks iperf3's protocol lists in
 * params_ignored what iperf3 takes for that protocol without acting on it,
 * so iperf3's scripts keep working. */
static const char *const honoured[] = { WEIR_PARAM_NODELAY, NULL };

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    /* What the core may rely on; it branches on these, never on the name.
     * No WEIR_CAP_CONGESTION: info reports no congestion algorithm. */
#ifdef TCP_INFO
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_CONTROL_PORT | WEIR_CAP_RETRANSMITS,
#else
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_CONTROL_PORT,
#endif
    .params_honoured = honoured,
    .params_ignored = NULL,
    /* required: the parameter key (the peer sees plain TCP, and a weir
     * server serves it with its own tcp transport) and the report label */
    .wire_key = "tcp",
    .wire_label = "TCP",
    /* iperf3's TCP rules, which weir applies: -l defaults to 128 KiB and
     * may be 1 byte to 1 MiB (a length outside is refused with
     * blksize_error, 0: WEIR_E_BLOCKSIZE); no -b means no rate limit
     * (default_rate 0). A UDP-like transport says 16..65507, 1460, and
     * 1048576 bit/s, as the udp plugin does. */
    .default_blksize = 131072,
    .blksize_min = 1,
    .blksize_max = 1048576,
    .default_rate = 0,
    .init = skel_init,
    .fini = skel_fini,
    .client_open = skel_client_open,
    .server_listen = skel_server_listen,
    /* server_accept: not with WEIR_CAP_CONTROL_PORT (weir never calls it) */
    .server_unlisten = skel_server_unlisten,
    .stream_fd = skel_stream_fd,
    .send = skel_send,
    .recv = skel_recv,
    .info = skel_info,
    .close = skel_close,
    .describe = skel_describe,
    .server_start = skel_server_start,
    .server_adopt = skel_server_adopt,
    .recv_wait = skel_recv_wait,
    .describe_interval = skel_describe_interval,
    /* beneath another transport (stacking); a datagram transport would
     * set send_datagrams and recv_datagrams instead */
    .write_bytes = skel_write_bytes,
    .read_bytes = skel_read_bytes,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,        /* must equal the host's */
    .abi_minor = WEIR_ABI_MINOR,        /* the host reads only fields this minor has */
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "skeleton-transport",       /* the loader looks for NAME.so */
    .description = "minimal iperf3-compatible TCP transport (SDK example)",
    .options = NULL,                    /* or a zero-terminated weir_option array */
    .transport = &ops,
};

/* The one exported symbol: weir_plugin_entry() returning &desc. */
WEIR_PLUGIN_DEFINE(desc)
