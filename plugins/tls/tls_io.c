/* tls transport: moving the payload (worker threads), and close_notify.
 *
 * Readiness. The core polls level-triggered, a sending stream for
 * writability only and a receiving one for readability only. OpenSSL can
 * ask for the other direction: a write may need a read (TLS 1.2
 * renegotiation) and a read may need a write (answering a peer's KeyUpdate
 * request, or an alert). We keep that from happening: renegotiation is off,
 * the server sends no session tickets, and a sender only ever updates its
 * own keys without asking the peer to update theirs. Should it happen
 * anyway, the stream is still live: OpenSSL keeps the pending operation, a
 * sender stays writable (its peer keeps reading) and a receiver readable
 * (its peer keeps sending), so the core calls again. We wait up to
 * TLS_CROSS_WAIT_MS for the other direction first, so those calls do not
 * spin.
 *
 * Buffered data. Once data flows, read-ahead is on (tls_handshake.c): one
 * read() takes up to TLS_READ_BUFFER bytes, up to two records, where OpenSSL
 * would otherwise read a record's header and then its body, two system
 * calls per 16 KiB. OpenSSL may then hold whole records not yet
 * decrypted, and the rest of one that did not fit the caller's buffer (-l
 * below 16 KiB). Past its batch, recv goes on while OpenSSL holds data and
 * the socket has none (must_drain): level-triggered epoll, which sees only
 * the socket, would not call it again for that. */
#include "tls_int.h"
#include "payload.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <openssl/err.h>

/* SSL_read returns at most one record (16 KiB) per call: 64 is 1 MiB. */
#define TLS_RECV_BATCH 64
#define TLS_CROSS_WAIT_MS 1
/* RFC 8446 section 5.5: at most 2^24.5 full records under one AES-GCM key.
 * 2^37 bytes is 2^23 records of 16 KiB. */
#define TLS_REKEY_BYTES ((uint64_t)1 << 37)

static void wait_other(int fd, short events)
{
    struct pollfd p = { .fd = fd, .events = events };
    (void)poll(&p, 1, TLS_CROSS_WAIT_MS);
}

/* Data OpenSSL holds that no readiness event would announce. */
static int must_drain(const struct tls_stream *s)
{
    if (!SSL_has_pending(s->ssl))
        return 0;
    struct pollfd p = { .fd = s->fd, .events = POLLIN };
    return poll(&p, 1, 0) == 0;
}

/* A failed SSL_read/SSL_write: the code to return, with its detail. */
static int io_failed(struct tls_stream *s, int e, int saved_errno, int code, const char *what)
{
    char text[256];
    unsigned long err = ERR_peek_error();

    s->broken = 1;
    if (e == SSL_ERROR_ZERO_RETURN ||
        (e == SSL_ERROR_SYSCALL && err == 0 && saved_errno == 0) ||
        (ERR_GET_LIB(err) == ERR_LIB_SSL && ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN)
            s->broken = 0;      /* an orderly close: answering it is fine */
        s->eof = 1;
        return tls_fail(s->g, WEIR_E_STREAMCLOSE, "%s: the peer closed the TLS stream", what);
    }
    if (e == SSL_ERROR_SYSCALL && err == 0) {
        ERR_clear_error();
        return tls_fail(s->g, code, "%s: %s", what, strerror(saved_errno));
    }
    tls_ssl_errors(text, sizeof text);
    return tls_fail(s->g, code, "%s: %s", what, text);
}

/* Ask for fresh write keys after TLS_REKEY_BYTES (TLS 1.3; not with kernel
 * TLS, which cannot change keys here). Only between whole writes: OpenSSL
 * wants no write pending when it is asked. */
static void maybe_rekey(struct tls_stream *s)
{
    if (s->since_rekey < TLS_REKEY_BYTES || s->ktls_tx || SSL_version(s->ssl) != TLS1_3_VERSION)
        return;
    if (SSL_key_update(s->ssl, SSL_KEY_UPDATE_NOT_REQUESTED) != 1)
        ERR_clear_error();
    s->since_rekey = 0;
}

/* Hot path: no allocation, clock or lock. */
int tls_send(void *stream, uint32_t max_blocks, struct weir_counters *c, struct weir_io *io)
{
    struct tls_stream *s = stream;
    uint32_t done = 0;
    int moved = 0;

    (void)c;
    if (max_blocks == 0)
        max_blocks = 1;
    while (done < max_blocks) {
        if (s->payload && !s->block_filled) {
            int rc = payload_next(s->payload, s->buf, s->blksize, &s->block_len);
            if (rc != WEIR_OK)
                return rc == WEIR_E_DATAEND && moved ? WEIR_OK : rc;
            s->block_filled = 1;
        }
        size_t n = 0;
        /* After WANT_WRITE this is the same buffer and length as the call
         * that returned it, which OpenSSL requires: offset only moves when
         * a write succeeds, and a -F block stays until it is all written. */
        int r = SSL_write_ex(s->ssl, s->buf + s->offset, s->block_len - s->offset, &n);
        if (r == 1) {
            moved = 1;
            io->bytes += n;
            s->since_rekey += n;
            s->offset += (uint32_t)n;
            if (s->offset == s->block_len) {
                s->offset = 0;
                s->block_filled = 0;
                io->blocks++;
                done++;
                maybe_rekey(s);
            }
            continue;
        }
        int saved = errno;
        int e = SSL_get_error(s->ssl, r);
        if (e == SSL_ERROR_WANT_WRITE)
            break;
        if (e == SSL_ERROR_WANT_READ) {
            wait_other(s->fd, POLLIN);
            break;
        }
        return io_failed(s, e, saved, WEIR_E_STREAMWRITE, "TLS write");
    }
    return moved ? WEIR_OK : WEIR_E_AGAIN;
}

/* Hot path, as send. */
int tls_recv(void *stream, struct weir_counters *c, struct weir_io *io)
{
    struct tls_stream *s = stream;
    int moved = 0;

    (void)c;
    if (s->eof)
        return tls_fail(s->g, WEIR_E_STREAMCLOSE, "TLS read: the peer closed the TLS stream");
    for (int i = 0; i < TLS_RECV_BATCH || must_drain(s); i++) {
        size_t n = 0;
        int r = SSL_read_ex(s->ssl, s->buf, s->blksize, &n);
        if (r == 1) {
            /* -F: bytes that did not reach the file are not counted. */
            if (s->payload && s->payload->consume(s->payload->ctx, s->buf, n) < 0)
                return WEIR_E_FILE;
            moved = 1;
            io->bytes += n;
            io->blocks++;       /* one block per read, as tcp counts */
            continue;
        }
        int saved = errno;
        int e = SSL_get_error(s->ssl, r);
        if (e == SSL_ERROR_WANT_READ)
            break;
        if (e == SSL_ERROR_WANT_WRITE) {
            wait_other(s->fd, POLLOUT);
            break;
        }
        int rc = io_failed(s, e, saved, WEIR_E_STREAMREAD, "TLS read");
        /* Data before the end counts; the end shows on the next call. */
        if (moved && rc == WEIR_E_STREAMCLOSE)
            return WEIR_OK;
        return rc;
    }
    return moved ? WEIR_OK : WEIR_E_AGAIN;
}

/* The byte hooks (weir_transport_ops): the stream's bytes as the caller
 * frames them, for the core's --latency probes (or a transport stacked on
 * this one). A write that returned WEIR_E_AGAIN must be retried with the
 * same bytes, as OpenSSL wants. OpenSSL may hold bytes no readiness of the
 * socket announces: a caller reads until WEIR_E_AGAIN before it polls. */
int tls_write_bytes(void *stream, const void *buf, size_t len, size_t *written)
{
    struct tls_stream *s = stream;
    *written = 0;
    if (len == 0)
        return WEIR_OK;
    int r = SSL_write_ex(s->ssl, buf, len, written);
    if (r == 1) {
        s->since_rekey += *written;
        maybe_rekey(s);
        return WEIR_OK;
    }
    int saved = errno;
    int e = SSL_get_error(s->ssl, r);
    *written = 0;
    if (e == SSL_ERROR_WANT_WRITE)
        return WEIR_E_AGAIN;
    if (e == SSL_ERROR_WANT_READ) {
        wait_other(s->fd, POLLIN);
        return WEIR_E_AGAIN;
    }
    return io_failed(s, e, saved, WEIR_E_STREAMWRITE, "TLS write");
}

int tls_read_bytes(void *stream, void *buf, size_t len, size_t *got)
{
    struct tls_stream *s = stream;
    *got = 0;
    if (s->eof)
        return tls_fail(s->g, WEIR_E_STREAMCLOSE, "TLS read: the peer closed the TLS stream");
    int r = SSL_read_ex(s->ssl, buf, len, got);
    if (r == 1)
        return WEIR_OK;
    int saved = errno;
    int e = SSL_get_error(s->ssl, r);
    *got = 0;
    if (e == SSL_ERROR_WANT_READ)
        return WEIR_E_AGAIN;
    if (e == SSL_ERROR_WANT_WRITE) {
        wait_other(s->fd, POLLOUT);
        return WEIR_E_AGAIN;
    }
    return io_failed(s, e, saved, WEIR_E_STREAMREAD, "TLS read");
}

void tls_shutdown(struct tls_stream *s)
{
    if (!s->ssl || s->broken || !SSL_is_init_finished(s->ssl))
        return;
    /* One attempt on the non-blocking socket: close_notify goes if the
     * socket takes it; nothing waits for the peer's. */
    ERR_clear_error();
    (void)SSL_shutdown(s->ssl);
    ERR_clear_error();
}
