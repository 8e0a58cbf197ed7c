/* tls transport: the handshake and the ready byte, on a non-blocking
 * socket, waiting with poll() and bounded by a deadline; and what to tell
 * the user when it fails. */
#include "tls_int.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

enum step_op { OP_HANDSHAKE, OP_WRITE_READY, OP_READ_READY };

enum outcome {
    OUT_OK,
    OUT_TIMEOUT,
    OUT_EOF,            /* the peer closed */
    OUT_SYSCALL,        /* socket error, in errno_ */
    OUT_SSL             /* TLS error, first in err */
};

struct step_result {
    enum outcome out;
    int errno_;
    unsigned long err;
    char text[256];
};

static uint64_t now_ns(const struct tls_global *g)
{
    return g->host->now_ns();
}

/* 1 when fd is ready for events, 0 at the deadline, -1 on a poll error. */
static int wait_fd(const struct tls_global *g, int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = now_ns(g);
        if (now >= deadline)
            return 0;
        uint64_t ms = (deadline - now + 999999u) / 1000000u;
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* Repeat one OpenSSL operation until it completes, fails or the deadline. */
static void run_step(struct tls_stream *s, enum step_op op, unsigned char *byte,
                     uint64_t deadline, struct step_result *res)
{
    memset(res, 0, sizeof *res);
    for (;;) {
        size_t n = 0;
        int r;
        ERR_clear_error();
        errno = 0;
        switch (op) {
        case OP_HANDSHAKE:   r = SSL_do_handshake(s->ssl); break;
        case OP_WRITE_READY: r = SSL_write_ex(s->ssl, byte, 1, &n); break;
        default:             r = SSL_read_ex(s->ssl, byte, 1, &n); break;
        }
        if (r == 1) {
            res->out = OUT_OK;
            return;
        }
        int e = SSL_get_error(s->ssl, r);
        int saved = errno;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            int w = wait_fd(s->g, s->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
            if (w > 0)
                continue;
            res->out = w == 0 ? OUT_TIMEOUT : OUT_SYSCALL;
            res->errno_ = errno;
            return;
        }
        s->broken = 1;
        if (e == SSL_ERROR_ZERO_RETURN) {
            res->out = OUT_EOF;
        } else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
            res->out = saved ? OUT_SYSCALL : OUT_EOF;
            res->errno_ = saved;
        } else {
            res->err = ERR_peek_error();
            res->out = ERR_GET_LIB(res->err) == ERR_LIB_SSL &&
                       ERR_GET_REASON(res->err) == SSL_R_UNEXPECTED_EOF_WHILE_READING ? OUT_EOF : OUT_SSL;
            tls_ssl_errors(res->text, sizeof res->text);
        }
        ERR_clear_error();
        return;
    }
}

/* What the reason usually means, from this side's point of view. */
static const char *ssl_hint(unsigned long err, int is_client)
{
    if (ERR_GET_LIB(err) != ERR_LIB_SSL)
        return "";
    switch (ERR_GET_REASON(err)) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return "; both ends need the same --tls-version";
    case SSL_R_NO_SHARED_CIPHER:
        return "; check --tls-version, --tls-ciphers and --tls-ciphersuites on both ends";
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        return is_client ? "; check --tls-version, --tls-ciphers and --tls-ciphersuites on both ends"
                         : "; the client gave up (its own error says why)";
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
        return is_client ? "; the server did not answer with TLS" : "; the client did not start TLS";
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return is_client ? "; the server requires a client certificate: give --tls-client-cert"
                         : "; the client sent no certificate (--tls-client-cert)";
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
        return is_client ? "; the server does not accept this client's certificate"
                         : "; the client does not trust this server's certificate "
                           "(it needs --tls-fingerprint, --tls-ca or --tls-insecure)";
    default:
        return "";
    }
}

/* Turn a failed step into the error the hook returns. */
static int report(struct tls_stream *s, int is_client, const struct tls_handshake_state *hs,
                  const struct step_result *res, unsigned timeout_ms, const char *stage)
{
    int code = is_client ? WEIR_E_STREAMCONNECT : WEIR_E_STREAMACCEPT;
    const char *who = is_client ? "the server" : "the client";
    char why[512];

    switch (res->out) {
    case OUT_TIMEOUT:
        snprintf(why, sizeof why, "%s did not complete %s within the stream's %u ms", who, stage,
                 timeout_ms);
        break;
    case OUT_EOF:
        snprintf(why, sizeof why, "%s closed the connection during %s%s", who, stage,
                 is_client ? " (is it a weir server that has the tls transport?)" : "");
        break;
    case OUT_SYSCALL:
        snprintf(why, sizeof why, "%s: %s", stage, strerror(res->errno_));
        break;
    default:
        if (is_client && ERR_GET_LIB(res->err) == ERR_LIB_SSL &&
            ERR_GET_REASON(res->err) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
            tls_verify_explain(hs, s->ssl, why, sizeof why))
            break;
        if (!is_client && ERR_GET_LIB(res->err) == ERR_LIB_SSL &&
            ERR_GET_REASON(res->err) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
            snprintf(why, sizeof why, "the client's certificate is not trusted: %s (see --tls-verify-client)",
                     X509_verify_cert_error_string(SSL_get_verify_result(s->ssl)));
            break;
        }
        snprintf(why, sizeof why, "%s%s", res->text, ssl_hint(res->err, is_client));
        break;
    }
    return tls_fail(s->g, code, "TLS handshake with %s failed: %s", s->peer, why);
}

/* Nagle off for the handshake: a small write that follows a flight (the
 * ready byte after a TLS 1.2 server's Finished) would otherwise wait for a
 * delayed ACK, 40 ms or more per stream. Returns whether to restore it. */
static int nodelay_on(int fd)
{
    int on = 0, one = 1;
    socklen_t len = sizeof on;
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0 || on)
        return 0;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
}

static void nodelay_restore(int fd, int restore)
{
    int zero = 0;
    if (restore)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &zero, sizeof zero);
}

int tls_handshake(struct tls_stream *s, int is_client, uint64_t deadline, unsigned timeout_ms)
{
    struct tls_handshake_state hs = { .g = s->g, .is_client = is_client };
    struct step_result res;
    uint64_t start = now_ns(s->g);
    unsigned char ready = TLS_READY;
    int rc = WEIR_OK;

    int restore = nodelay_on(s->fd);
    SSL_set_app_data(s->ssl, &hs);
    if (is_client)
        SSL_set_connect_state(s->ssl);
    else
        SSL_set_accept_state(s->ssl);
    run_step(s, OP_HANDSHAKE, NULL, deadline, &res);
    if (res.out != OUT_OK) {
        rc = report(s, is_client, &hs, &res, timeout_ms, "the TLS handshake");
    } else if (is_client) {
        char why[256];
        if (tls_verify_after(&hs, s->ssl, why, sizeof why) < 0) {
            s->broken = 1;
            rc = tls_fail(s->g, WEIR_E_STREAMCONNECT, "TLS handshake with %s failed: %s", s->peer, why);
        } else {
            ready = 0;
            run_step(s, OP_READ_READY, &ready, deadline, &res);
            if (res.out != OUT_OK)
                rc = report(s, is_client, &hs, &res, timeout_ms, "the TLS handshake (its last step)");
            else if (ready != TLS_READY)
                rc = tls_fail(s->g, WEIR_E_STREAMCONNECT, "TLS handshake with %s failed: the server "
                              "sent 0x%02x where weir's ready byte belongs", s->peer, ready);
        }
    } else {
        run_step(s, OP_WRITE_READY, &ready, deadline, &res);
        if (res.out != OUT_OK)
            rc = report(s, is_client, &hs, &res, timeout_ms, "the TLS handshake (its last step)");
    }
    SSL_set_app_data(s->ssl, NULL);
    nodelay_restore(s->fd, restore);    /* -N stays as the user set it */
    if (rc != WEIR_OK)
        return rc;

    s->handshake_ns = now_ns(s->g) - start;
    s->version = SSL_get_version(s->ssl);
    s->cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(s->ssl));
    s->ktls_tx = BIO_get_ktls_send(SSL_get_wbio(s->ssl)) > 0;
    s->ktls_rx = BIO_get_ktls_recv(SSL_get_rbio(s->ssl)) > 0;
    /* Read-ahead only for the data (tls_io.c): the handshake and the ready
     * byte read exactly what they need. The kernel reads records itself
     * when it decrypts them. */
    if (!s->ktls_rx)
        SSL_set_read_ahead(s->ssl, 1);
    tls_log(s->g, WEIR_LOG_DEBUG, "TLS stream with %s: %s %s, kTLS send %s, receive %s, handshake %.2f ms",
            s->peer, s->version, s->cipher, s->ktls_tx ? "on" : "off", s->ktls_rx ? "on" : "off",
            (double)s->handshake_ns / 1e6);
    return WEIR_OK;
}
