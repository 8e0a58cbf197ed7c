/* quic transport: QUIC (ngtcp2, TLS 1.3 by GnuTLS) over the udp transport;
 * weir-only.
 *
 * This file: the descriptor and its options, init (which opens the lower
 * transport through the host) and fini. */
#include "quic_int.h"

#include <stdlib.h>
#include <string.h>

/* The transport quic runs on (opened through the host, which initialises
 * it once for the whole process). */
#define QUIC_LOWER "udp"

uint64_t quic_now(const struct quic_global *g)
{
    return g->host->now_ns();
}

/* What quic needs of udp: datagram streams tagged with the cookie, handed
 * over by server_accept, and its batched datagram hooks. */
static int lower_suits(const struct weir_transport_ops *o)
{
    return (o->caps & WEIR_CAP_DATAGRAM) && (o->caps & WEIR_CAP_STREAM_TAG) && o->server_accept &&
           WEIR_HAS_FIELD(o, recv_datagrams) && o->send_datagrams && o->recv_datagrams;
}

static int quic_init(const struct weir_host *host, void **global)
{
    struct quic_global *g = calloc(1, sizeof *g);
    if (!g)
        return WEIR_E_NOMEM;
    g->host = host;
    pthread_mutex_init(&g->lock, NULL);
    int rc = gnutls_global_init() == GNUTLS_E_SUCCESS ? WEIR_OK
                                                       : quic_fail(g, WEIR_E_PLUGIN, "GnuTLS did not initialise");
    if (rc == WEIR_OK && (rc = quic_settings_read(g)) == WEIR_OK)
        rc = stacked_open_lower(host, "quic", QUIC_LOWER, lower_suits, "does not carry tagged datagram "
                                "streams with send_datagrams and recv_datagrams", &g->lower);
    if (rc != WEIR_OK) {
        pthread_mutex_destroy(&g->lock);
        free(g);
        return rc;
    }
    *global = g;
    return WEIR_OK;
}

static void quic_fini(void *global)
{
    struct quic_global *g = global;
    if (!g)
        return;
    if (g->client_cred)
        gnutls_certificate_free_credentials(g->client_cred);
    if (g->server_cred)
        gnutls_certificate_free_credentials(g->server_cred);
    g->host->close_lower(g->lower);
    gnutls_global_deinit();
    pthread_mutex_destroy(&g->lock);
    free(g);
}

/* The tls transport's trust options, the same declarations (one macro):
 * both transports read the one value (the loader parses a name two
 * plugins declare alike once). */
static const struct weir_option options[] = {
    TRUST_OPTIONS,
    { QUIC_OPT_NO_LOSS_COUNT, NULL, "do not count lost packets (Retr): ngtcp2 0.12 tells them only through "
      "its qlog, which costs a sender about 15 % more CPU", WEIR_VALUE_BOOL },
    /* udp's own switches, declared alike so that --transport quic parses
     * them too: udp, beneath, reads them by name (host->param), but is
     * loaded only after the command line was parsed. */
    { "udp-no-gso", NULL, "udp: never send with GSO (UDP_SEGMENT), even where the kernel has it",
      WEIR_VALUE_BOOL },
    { "udp-no-gro", NULL, "udp: never receive with GRO (UDP_GRO), even when --gsro asks for it",
      WEIR_VALUE_BOOL },
    { "udp-no-batch", NULL, "udp: one datagram per send/receive call (no sendmmsg/recvmmsg, GSO, GRO)",
      WEIR_VALUE_BOOL },
    { QUIC_OPT_STREAMS, "N", "client: N concurrent QUIC streams (1 to 64) inside each connection, the "
      "payload dealt out among them packet by packet (default 1)", WEIR_VALUE_UINT },
    { QUIC_OPT_DATAGRAMS, NULL, "client: send iperf3's UDP datagrams in QUIC DATAGRAM frames (RFC 9221) instead "
      "of streams, reported with loss and jitter like -u (default -b 1M; -l at most what one packet holds)",
      WEIR_VALUE_BOOL },
    { NULL, NULL, NULL, 0 }
};

/* -C picks ngtcp2's congestion controller, -M the largest packet,
 * --snd-timeout the idle timeout; udp, below, sets up the socket for the
 * rest. --quic-datagrams (datagrams) numbers its datagrams as
 * --udp-counters-64bit says. */
static const char *const honoured[] = {
    WEIR_PARAM_CONGESTION, WEIR_PARAM_MSS, WEIR_PARAM_TOS, WEIR_PARAM_DONT_FRAGMENT,
    WEIR_PARAM_FQ_RATE, WEIR_PARAM_BIND_DEV, WEIR_PARAM_DATAGRAMS, WEIR_PARAM_UDP_COUNTERS_64BIT,
    WEIR_PARAM_SND_TIMEOUT_MS, NULL
};

/* iperf3's UDP options that mean nothing for QUIC's packets (udp's GSO and
 * GRO are always used where the kernel has them; --udp-no-gso turns them
 * off). Not -Z or --skip-rx-copy: the payload is encrypted. */
static const char *const ignored[] = {
    WEIR_PARAM_NODELAY, WEIR_PARAM_GSO, WEIR_PARAM_GRO, WEIR_PARAM_GSO_DG_SIZE, NULL
};

/* weir -s --transport quic: make the certificate (and show its
 * fingerprint) before the first client. */
static int quic_server_start(void *global)
{
    return quic_server_prepare(global);
}

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONGESTION | WEIR_CAP_EXTENSION |
            WEIR_CAP_STREAM_TAG | WEIR_CAP_ENCRYPTED | WEIR_CAP_SEND_DRAIN | WEIR_CAP_PAYLOAD,
    .params_honoured = honoured,
    .params_ignored = ignored,
    /* The key of the transport beneath, as tls sends tcp's: a QUIC test is
     * set up as a UDP one (a hello per stream, no control-port streams).
     * The reported protocol too; start.weir.transport says "quic". */
    .wire_key = "udp",
    .wire_label = "UDP",
    /* tcp's and tls's block: -l means the same (bytes per write). */
    .default_blksize = 131072,
    .blksize_min = 1,
    .blksize_max = 1048576,
    .init = quic_init,
    .fini = quic_fini,
    .client_open = quic_client_open,
    .server_listen = quic_server_listen,
    .server_accept = quic_server_accept,
    .server_unlisten = quic_server_unlisten,
    .stream_fd = quic_stream_fd,
    .send = quic_send,
    .recv = quic_recv,
    .recv_wait = quic_recv_wait,
    .info = quic_info,
    .close = quic_close,
    .describe = quic_describe,
    .describe_interval = quic_describe_interval,
    .server_start = quic_server_start,
    /* --latency's probes (quic_bytes.c). */
    .write_bytes = quic_write_bytes,
    .read_bytes = quic_read_bytes,
    /* --quic-datagrams makes a test a datagram one (quic_dgram.c). */
    .test_rules = quic_test_rules,
    .lower_receive_wait = quic_lower_receive_wait,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "quic",
    .description = "QUIC streams over udp (ngtcp2, GnuTLS), weir servers only",
    .options = options,
    .transport = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
