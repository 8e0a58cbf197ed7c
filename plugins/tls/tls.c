/* tls transport: TLS (OpenSSL 3) over the tcp transport; weir-only.
 *
 * This file: the descriptor and its options, init (which opens the lower
 * transport through the host) and fini. */
#include "tls_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The transport tls runs on (opened through the host, which initialises
 * it once for the whole process). */
#define TLS_LOWER "tcp"

/* What tls needs of tcp: a byte stream on the control port, handed over
 * by server_adopt. */
static int lower_suits(const struct weir_transport_ops *o)
{
    return (o->caps & WEIR_CAP_RELIABLE) && (o->caps & WEIR_CAP_CONTROL_PORT) && o->server_adopt &&
           o->write_bytes && o->read_bytes;
}

static int tls_init(const struct weir_host *host, void **global)
{
    struct tls_global *g = calloc(1, sizeof *g);
    if (!g)
        return WEIR_E_NOMEM;
    g->host = host;
    pthread_mutex_init(&g->lock, NULL);
    int rc = tls_settings_read(g);
    if (rc == WEIR_OK)
        rc = stacked_open_lower(host, "tls", TLS_LOWER, lower_suits, "is not a byte stream on the control "
                                "port with write_bytes, read_bytes and server_adopt", &g->lower);
    if (rc == WEIR_OK && tls_bio_acquire() < 0) {
        g->host->close_lower(g->lower);
        rc = tls_fail(g, WEIR_E_NOMEM, "OpenSSL could not make a BIO method");
    }
    if (rc != WEIR_OK) {
        pthread_mutex_destroy(&g->lock);
        free(g);
        return rc;
    }
    g->kernel_tls = tls_kernel_has_tls();
    tls_log(g, WEIR_LOG_DEBUG, "tls runs on %s; the kernel %s TLS, so OpenSSL %s", TLS_LOWER,
            g->kernel_tls ? "has" : "has no",
            g->kernel_tls ? "works on the sockets (kernel TLS where the cipher allows)"
                          : "goes through the lower transport's write_bytes/read_bytes");
    *global = g;
    return WEIR_OK;
}

static void tls_fini(void *global)
{
    struct tls_global *g = global;
    if (!g)
        return;
    SSL_CTX_free(g->client_ctx);
    SSL_CTX_free(g->server_ctx);
    tls_bio_release();
    g->host->close_lower(g->lower);     /* its fini, if we were the last */
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static const struct weir_option options[] = {
    { "tls-version", "1.2|1.3", "the one TLS version to use (default 1.3; both ends must agree)",
      WEIR_VALUE_STRING },
    { "tls-ciphersuites", "LIST", "TLS 1.3 suites, preferred first (default "
      "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384)",
      WEIR_VALUE_STRING },
    { "tls-ciphers", "LIST", "TLS 1.2 cipher list, OpenSSL syntax (default ECDHE with AES-128-GCM first)",
      WEIR_VALUE_STRING },
    TRUST_OPTIONS,
    { NULL, NULL, NULL, 0 }
};

/* tcp, below, acts on these: it sets up the socket. */
static const char *const honoured[] = {
    WEIR_PARAM_CONGESTION, WEIR_PARAM_MSS, WEIR_PARAM_NODELAY, WEIR_PARAM_TOS,
    WEIR_PARAM_FLOWLABEL, WEIR_PARAM_FQ_RATE, WEIR_PARAM_BIND_DEV, WEIR_PARAM_MPTCP,
    WEIR_PARAM_SND_TIMEOUT_MS, WEIR_PARAM_NOTSENT_LOWAT, NULL
};

/* UDP's, which iperf3 takes with TCP and does nothing with. Not -Z or
 * --skip-rx-copy: the payload goes through OpenSSL, so a test asking for
 * them is refused rather than run without them. */
static const char *const ignored[] = {
    WEIR_PARAM_GSO, WEIR_PARAM_GRO, WEIR_PARAM_GSO_DG_SIZE, WEIR_PARAM_DONT_FRAGMENT,
    WEIR_PARAM_UDP_COUNTERS_64BIT, NULL
};

/* weir -s --transport tls: make the certificate (and show its fingerprint)
 * before the first client, and report a bad --tls-cert at start-up. */
static int tls_server_start(void *global)
{
    return tls_server_prepare(global);
}

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONTROL_PORT |
            WEIR_CAP_CONGESTION | WEIR_CAP_EXTENSION | WEIR_CAP_PAYLOAD |
            WEIR_CAP_ENCRYPTED,
    .params_honoured = honoured,
    .params_ignored = ignored,
    /* The parameter key and the reported protocol stay TCP's: TLS is a layer
     * on a TCP test, and iperf3 tooling reading test_start.protocol knows
     * only TCP, UDP and SCTP. start.weir.transport says "tls". */
    .wire_key = "tcp",
    .wire_label = "TCP",
    /* tcp's default and range, so -l means the same on both; eight full
     * 16 KiB records per block. CPU per byte measured flat from 16 KiB to
     * 1 MiB. */
    .default_blksize = 131072,
    .blksize_min = 1,
    .blksize_max = 1048576,
    .init = tls_init,
    .fini = tls_fini,
    .client_open = tls_client_open,
    .server_listen = tls_server_listen,
    .server_unlisten = tls_server_unlisten,
    .server_adopt = tls_server_adopt,
    .stream_fd = tls_stream_fd,
    .send = tls_send,
    .recv = tls_recv,
    .write_bytes = tls_write_bytes,
    .read_bytes = tls_read_bytes,
    .info = tls_info,
    .close = tls_close,
    .describe = tls_describe,
    .server_start = tls_server_start,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "tls",
    .description = "TLS 1.3/1.2 streams over tcp (OpenSSL), weir servers only",
    .options = options,
    .transport = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
