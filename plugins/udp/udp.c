/* udp transport: iperf3's UDP data streams (docs/protocol.md §7.3 to §7.5).
 *
 * Client: a connected UDP socket per stream, identified to the server by a
 * 4-byte hello (with the cookie after it between weir peers). Server: one
 * unconnected socket on the server port receives the hellos; for each, a
 * new socket bound to the port and connected to the hello's sender becomes
 * the stream. Every datagram is exactly
 * blksize bytes and starts with a timestamp and a sequence number; the
 * receiver derives loss, reordering and jitter from them.
 *
 * Beneath another transport (cfg->lower: quic), the same sockets carry the
 * upper layer's datagrams through send_datagrams/recv_datagrams
 * (udp_lower.c), with the hello or, with WEIR_LOWER_PLAIN, without it.
 *
 * This file: the descriptor, init/fini, helpers and the stream life cycle. */
#include "udp_int.h"

#include <errno.h>
#include <limits.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int udp_fail(const struct udp_global *g, int code, const char *fmt, ...)
{
    char text[256];
    va_list ap;

    if (!g || !g->host || !g->host->set_error)
        return code;
    int saved = errno;          /* an upper layer reads it (transport.h) */
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    g->host->set_error((enum weir_status)code, "%s", text);
    errno = saved;
    return code;
}

void udp_warn(const struct udp_global *g, const char *fmt, ...)
{
    char text[256];
    va_list ap;

    if (!g || !g->host || !g->host->log)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    g->host->log(WEIR_LOG_WARNING, "%s", text);
}

uint64_t udp_deadline(unsigned timeout_ms)
{
    return sock_mono_ms() + (timeout_ms ? timeout_ms : UDP_DEFAULT_TIMEOUT_MS);
}

static void stream_free(struct udp_stream *s)
{
    for (uint32_t i = 0; i < s->n_pending; i++)
        free(s->pending[i].data);
    free(s->pending);
    free(s->payload);
    free(s->train);
    free(s->rxbuf);
    free(s->rxiov);
    free(s->rxmsgs);
    free(s->rxctl);
    free(s);
}

int udp_opt_set(const struct udp_global *g, const char *name)
{
    return weir_param_flag(udp_host(g), NULL, name);
}

/* --gsro's gso and gro: 1 asked for, 0 refused, -1 not given (the
 * transport decides). */
static int offload(const struct udp_global *g, const struct weir_stream_config *cfg, const char *name)
{
    struct weir_value v;
    const struct weir_host *h = udp_host(g);
    if (!h || !h->param || !h->param(cfg, name, &v) || v.type != WEIR_VALUE_BOOL)
        return -1;
    return v.v.b;
}

/* Sending side: the payload and, where it can be used, GSO. It is on
 * unless something says no: --udp-no-gso, --udp-no-batch, or gso 0 in the
 * config (an iperf3 3.21 peer without --gsro). Segmentation happens below
 * UDP, so the wire sees the same datagrams either way. (gso_dg_size is not
 * used: every datagram is blksize bytes, whatever a peer says.) */
static int setup_sender(struct udp_stream *s, const struct weir_stream_config *cfg)
{
    s->payload = malloc(s->blksize);
    if (!s->payload)
        return udp_fail(s->g, WEIR_E_NOMEM, "payload of %u bytes", (unsigned)s->blksize);
    if (sock_fill_payload(s->payload, s->blksize, cfg->repeating_payload) < 0)
        return udp_fail(s->g, WEIR_E_INITSTREAM, "getrandom: %s", strerror(errno));
    s->next_seq = 1;
    /* Without the train each datagram goes as two iovecs (header, shared
     * payload); with it, one iovec per message. */
    if ((size_t)UDP_SEND_MAX * s->blksize <= UDP_TRAIN_MAX) {
        s->train = malloc((size_t)UDP_SEND_MAX * s->blksize);
        for (uint32_t i = 0; s->train && i < UDP_SEND_MAX; i++)
            memcpy(s->train + (size_t)i * s->blksize, s->payload, s->blksize);
    }
    uint32_t segs = UDP_MAX_BLKSIZE / s->blksize;
    if (segs > UDP_GSO_MAX_SEGS)
        segs = UDP_GSO_MAX_SEGS;
    int want = offload(s->g, cfg, WEIR_PARAM_GSO) != 0 &&
               !s->plain && !udp_opt_set(s->g, UDP_OPT_NO_GSO);
    s->gso = want && segs >= 2 && udp_gso_usable(s->fd, s->blksize);
    s->gso_segs = s->gso ? segs : 1;
    if (s->gso)
        udp_cmsg_segment(s->gso_cmsg.buf, (uint16_t)s->blksize);
    return WEIR_OK;
}

/* Receiving side: one recvmmsg batch of buffers. UDP_GRO only when the
 * config asks for it (--gsro on either end) and --udp-no-gro does not
 * forbid it: a GRO receiver gets runs of datagrams that the kernel never
 * handled one by one (on loopback a GSO send arrives whole), which is fast
 * but not what a receiver of real datagrams does, so it is not the
 * default. Each GRO buffer must hold a whole coalesced run. */
static int setup_receiver(struct udp_stream *s, const struct weir_stream_config *cfg)
{
    int want = offload(s->g, cfg, WEIR_PARAM_GRO) == 1 &&
               !s->plain && !udp_opt_set(s->g, UDP_OPT_NO_GRO);
    s->gro = want && udp_gro_enable(s->fd);
    /* Without GRO a slot takes one datagram's header and MSG_TRUNC reports
     * the datagram's whole length: every datagram is still dequeued,
     * counted with its real size and its header read, but the payload,
     * which no statistic looks at, is not copied to user space. Measured
     * at -l 1448 on loopback: about 3 % more datagrams and less loss; most
     * of a copy's cost is missing the datagram's first cache line, which
     * reading the header pays anyway. A GRO buffer holds many datagrams, each with its header, so it is
     * copied whole. */
    s->rx_flags = s->gro ? 0 : MSG_TRUNC;
    s->slot_size = s->gro ? UDP_GRO_SLOT : s->rx_flags ? DGRAM_HDR64 : s->blksize;
    s->rx_slots = UDP_RECV_BYTES / s->slot_size;
    if (s->rx_slots < 1)
        s->rx_slots = 1;
    if (s->rx_slots > UDP_RECV_MAX_SLOTS)
        s->rx_slots = UDP_RECV_MAX_SLOTS;
    s->rxbuf = malloc((size_t)s->rx_slots * s->slot_size);
    s->rxiov = calloc(s->rx_slots, sizeof *s->rxiov);
    s->rxmsgs = calloc(s->rx_slots, sizeof *s->rxmsgs);
    s->rxctl = calloc(s->rx_slots, sizeof *s->rxctl);
    if (!s->rxbuf || !s->rxiov || !s->rxmsgs || !s->rxctl)
        return udp_fail(s->g, WEIR_E_NOMEM, "receive buffers of %u x %u bytes",
                        (unsigned)s->rx_slots, (unsigned)s->slot_size);
    for (uint32_t i = 0; i < s->rx_slots; i++) {
        s->rxiov[i].iov_base = s->rxbuf + (size_t)i * s->slot_size;
        s->rxiov[i].iov_len = s->slot_size;
    }
    return WEIR_OK;
}

int udp_stream_new(const struct udp_global *g, int fd, const struct weir_stream_config *cfg,
                   struct udp_stream **out)
{
    int lower = (cfg->lower & WEIR_LOWER_STREAM) != 0;
    if (!lower && (cfg->blksize < UDP_MIN_BLKSIZE || cfg->blksize > UDP_MAX_BLKSIZE))
        return udp_fail(g, WEIR_E_UDPBLOCKSIZE, "block size %u", (unsigned)cfg->blksize);
    struct udp_stream *s = calloc(1, sizeof *s);
    if (!s)
        return udp_fail(g, WEIR_E_NOMEM, "stream");
    s->g = g;
    s->fd = fd;
    s->sending = cfg->sending != 0;
    s->blksize = cfg->blksize;
    s->seq64 = weir_param_flag(udp_host(g), cfg, WEIR_PARAM_UDP_COUNTERS_64BIT);
    s->hdrlen = s->seq64 ? DGRAM_HDR64 : DGRAM_HDR32;
    s->plain = udp_opt_set(g, UDP_OPT_NO_BATCH);
    s->no_mmsg = s->plain || !udp_mmsg_available(fd);
    int rc = lower ? udp_lower_setup(s, cfg) : s->sending ? setup_sender(s, cfg) : setup_receiver(s, cfg);
    if (rc != WEIR_OK) {
        stream_free(s);
        return rc;
    }
    *out = s;
    return WEIR_OK;
}

static int udp_stream_fd(void *stream)
{
    return ((struct udp_stream *)stream)->fd;
}

void udp_close(void *stream)
{
    struct udp_stream *s = stream;
    if (!s)
        return;
    close(s->fd);
    stream_free(s);
}

/* ---- descriptor ---- */

static int udp_init(const struct weir_host *host, void **global)
{
    struct udp_global *g = malloc(sizeof *g);
    if (!g)
        return WEIR_E_NOMEM;
    g->host = host;
    g->ports = NULL;
    pthread_mutex_init(&g->lock, NULL);
    *global = g;
    return WEIR_OK;
}

static void udp_fini(void *global)
{
    struct udp_global *g = global;
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static const struct weir_option options[] = {
    { UDP_OPT_NO_GSO, NULL, "udp: never send with GSO (UDP_SEGMENT), even where the kernel has it",
      WEIR_VALUE_BOOL },
    { UDP_OPT_NO_GRO, NULL, "udp: never receive with GRO (UDP_GRO), even when --gsro asks for it",
      WEIR_VALUE_BOOL },
    { UDP_OPT_NO_BATCH, NULL, "udp: one datagram per send/receive call (no sendmmsg/recvmmsg, GSO, GRO)",
      WEIR_VALUE_BOOL },
    { NULL, NULL, NULL, 0 }
};

static const char *const honoured[] = {
    WEIR_PARAM_TOS, WEIR_PARAM_GSO, WEIR_PARAM_GRO, WEIR_PARAM_DONT_FRAGMENT, WEIR_PARAM_FQ_RATE,
    WEIR_PARAM_BIND_DEV, WEIR_PARAM_UDP_COUNTERS_64BIT, NULL
};

/* What iperf3 takes with -u and does nothing with (TCP's), and what this
 * transport does anyway or does not need: every datagram is blksize bytes
 * whatever gso_dg_size says, and a receiver without GRO copies only
 * headers (skip_rx_copy). */
static const char *const ignored[] = {
    WEIR_PARAM_CONGESTION, WEIR_PARAM_MSS, WEIR_PARAM_NODELAY, WEIR_PARAM_ZEROCOPY,
    WEIR_PARAM_SKIP_RX_COPY, WEIR_PARAM_FLOWLABEL, WEIR_PARAM_GSO_DG_SIZE, WEIR_PARAM_MPTCP,
    WEIR_PARAM_SND_TIMEOUT_MS, NULL
};

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    .caps = WEIR_CAP_DATAGRAM | WEIR_CAP_STREAM_TAG | WEIR_CAP_MSS_BLKSIZE,
    .params_honoured = honoured,
    .params_ignored = ignored,
    .wire_key = "udp",
    .wire_label = "UDP",
    /* iperf3's UDP: -l defaults to the control connection's MSS, else
     * 1460, within 16 (our header) and the largest IPv4 UDP payload,
     * refused outside with IEUDPBLOCKSIZE; -b defaults to 1 Mbit/s. */
    .default_blksize = 1460,
    .blksize_min = UDP_MIN_BLKSIZE,
    .blksize_max = UDP_MAX_BLKSIZE,
    .blksize_error = WEIR_E_UDPBLOCKSIZE,
    .default_rate = 1048576,
    .init = udp_init,
    .fini = udp_fini,
    .client_open = udp_client_open,
    .server_listen = udp_server_listen,
    .server_accept = udp_server_accept,
    .server_unlisten = udp_server_unlisten,
    .stream_fd = udp_stream_fd,
    .send = udp_send,
    .recv = udp_recv,
    .recv_wait = udp_recv_wait,
    .info = NULL,               /* no kernel statistics worth reporting */
    .close = udp_close,
    .describe = udp_describe,
    .send_datagrams = udp_send_datagrams,
    .recv_datagrams = udp_recv_datagrams,
    .lower_receive_wait = udp_lower_receive_wait,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "udp",
    .description = "UDP streams, iperf3-compatible (GSO/GRO and mmsg batching where available)",
    .options = options,
    .transport = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
