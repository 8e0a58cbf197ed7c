/* tls transport: the stream hooks. Each wraps the lower transport's hook
 * and adds the TLS layer: open = lower open + handshake, close =
 * close_notify + lower close, info = the lower's (TCP_INFO). */
#include "tls_int.h"
#include "payload.h"

#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/rand.h>

static unsigned timeout_of(const struct weir_stream_config *cfg)
{
    return cfg->timeout_ms ? cfg->timeout_ms : TLS_DEFAULT_TIMEOUT_MS;
}

/* The lower stream carries our records, identified by the cookie as a
 * data stream is (stacked.c passes it the rest of the config). */
#define LOWER_FLAGS WEIR_LOWER_STREAM

static void stream_free(struct tls_stream *s)
{
    SSL_free(s->ssl);           /* does not close the socket (SSL_set_fd) */
    s->lower->close(s->lower_stream);
    free(s);
}

/* Wrap an open lower stream. On failure the lower stream is closed. */
static int stream_new(struct tls_global *g, void *lower_stream, const struct weir_stream_config *cfg,
                      SSL_CTX *ctx, int code, struct tls_stream **out)
{
    struct tls_stream *s = cfg->blksize ? calloc(1, sizeof *s + cfg->blksize) : NULL;
    if (!s) {
        g->lower->ops->close(lower_stream);
        return cfg->blksize ? tls_fail(g, WEIR_E_NOMEM, "stream buffer of %u bytes", (unsigned)cfg->blksize)
                            : tls_fail(g, WEIR_E_INITSTREAM, "block size is 0");
    }
    s->g = g;
    s->lower = g->lower->ops;
    s->lower_stream = lower_stream;
    s->fd = s->lower->stream_fd(lower_stream);
    s->blksize = cfg->blksize;
    s->block_len = cfg->blksize;
    s->payload = cfg->payload;
    snprintf(s->peer, sizeof s->peer, "?");
    /* The content does not change what encryption costs; random unless the
     * user asked for iperf3's repeating pattern. */
    if (cfg->repeating_payload) {
        payload_fill_repeating(s->buf, s->blksize);
    } else if (RAND_bytes(s->buf, (int)s->blksize) != 1) {
        ERR_clear_error();
        memset(s->buf, 0x5a, s->blksize);
    }
    s->ssl = SSL_new(ctx);
    if (!s->ssl || tls_bio_attach(s) < 0) {
        char err[256];
        tls_ssl_errors(err, sizeof err);
        stream_free(s);
        return tls_fail(g, code, "TLS: %s", err);
    }
    *out = s;
    return WEIR_OK;
}

int tls_client_open(void *global, const struct weir_stream_config *cfg, void **stream)
{
    struct tls_global *g = global;
    uint64_t start = g->host->now_ns();
    unsigned timeout = timeout_of(cfg);
    struct tls_stream *s = NULL;
    void *lower_stream = NULL;
    char why[256];

    SSL_CTX *ctx = tls_client_ctx(g);
    if (!ctx)
        return WEIR_E_INITSTREAM;
    int rc = stacked_client_open(g->lower, LOWER_FLAGS, cfg, &lower_stream);
    if (rc != WEIR_OK)
        return rc;      /* the lower transport said why */
    rc = stream_new(g, lower_stream, cfg, ctx, WEIR_E_STREAMCONNECT, &s);
    if (rc != WEIR_OK)
        return rc;
    snprintf(s->peer, sizeof s->peer, "%s", cfg->host ? cfg->host : "?");
    if (tls_verify_setup(g, s->ssl, cfg->host, why, sizeof why) < 0) {
        stream_free(s);
        return tls_fail(g, WEIR_E_STREAMCONNECT, "TLS: %s", why);
    }
    rc = tls_handshake(s, 1, start + (uint64_t)timeout * 1000000u, timeout);
    if (rc != WEIR_OK) {
        stream_free(s);
        return rc;
    }
    *stream = s;
    return WEIR_OK;
}

int tls_server_prepare(struct tls_global *g)
{
    return tls_server_ctx(g) ? WEIR_OK : WEIR_E_STREAMLISTEN;
}

int tls_server_listen(void *global, const struct weir_stream_config *cfg,
                      int control_fd, void **listener, int *poll_fd)
{
    struct tls_global *g = global;
    /* Once per process this makes the certificate and shows its
     * fingerprint, before the first client's streams arrive. */
    int rc = tls_server_prepare(g);
    if (rc != WEIR_OK)
        return rc;
    return stacked_listen(g->host, g->lower, LOWER_FLAGS, cfg, control_fd, listener, poll_fd);
}

void tls_server_unlisten(void *global, void *listener)
{
    struct tls_global *g = global;
    stacked_unlisten(g->lower, listener);
}

/* The lower stream is up (cookie checked): run the TLS handshake on it. */
static int secure(struct tls_global *g, SSL_CTX *ctx, void *lower_stream,
                  const struct weir_stream_config *cfg, uint64_t start, unsigned timeout, void **stream)
{
    struct tls_stream *s = NULL;
    int rc = stream_new(g, lower_stream, cfg, ctx, WEIR_E_STREAMACCEPT, &s);
    if (rc != WEIR_OK)
        return rc;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    if (getpeername(s->fd, (struct sockaddr *)&peer, &plen) == 0)
        getnameinfo((struct sockaddr *)&peer, plen, s->peer, sizeof s->peer, NULL, 0, NI_NUMERICHOST);
    if (strncmp(s->peer, "::ffff:", 7) == 0 && strchr(s->peer + 7, '.'))
        memmove(s->peer, s->peer + 7, strlen(s->peer + 7) + 1);     /* v4-mapped */
    rc = tls_handshake(s, 0, start + (uint64_t)timeout * 1000000u, timeout);
    if (rc != WEIR_OK) {
        stream_free(s);
        return rc;
    }
    *stream = s;
    return WEIR_OK;
}

int tls_server_adopt(void *global, void *listener, const struct weir_stream_config *cfg, int fd,
                     void **stream)
{
    struct tls_global *g = global;
    uint64_t start = g->host->now_ns();
    void *lower_stream = NULL;

    /* init checked that the lower transport adopts streams. */
    SSL_CTX *ctx = tls_server_ctx(g);
    if (!ctx) {
        close(fd);
        return WEIR_E_STREAMACCEPT;
    }
    int rc = stacked_adopt(g->lower, listener, LOWER_FLAGS, cfg, fd, &lower_stream);
    if (rc != WEIR_OK)
        return rc;
    return secure(g, ctx, lower_stream, cfg, start, timeout_of(cfg), stream);
}

int tls_stream_fd(void *stream)
{
    return ((struct tls_stream *)stream)->fd;
}

int tls_info(void *stream, struct weir_stream_info *out)
{
    struct tls_stream *s = stream;
    if (s->lower->info)
        return s->lower->info(s->lower_stream, out);
    out->valid = 0;
    return WEIR_OK;
}

/* What this stream negotiated: the "tls" group of start.weir.streams[]
 * (JSON) and of the -V text line. */
int tls_describe(void *stream, const struct weir_fact_sink *out)
{
    const struct tls_stream *s = stream;
    weir_fact_string(out, "tls.version", s->version ? s->version : "");
    weir_fact_string(out, "tls.cipher", s->cipher ? s->cipher : "");
    weir_fact_bool(out, "tls.ktls_send", s->ktls_tx);
    weir_fact_bool(out, "tls.ktls_recv", s->ktls_rx);
    /* Milliseconds to the microsecond. */
    weir_fact_double(out, "tls.handshake_ms", (double)((s->handshake_ns + 500) / 1000) / 1e3);
    return WEIR_OK;
}

void tls_close(void *stream)
{
    struct tls_stream *s = stream;
    if (!s)
        return;
    tls_shutdown(s);
    stream_free(s);
}
