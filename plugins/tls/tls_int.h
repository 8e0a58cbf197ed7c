/* Internals of the tls transport shared by its source files.
 *
 * tls is stacked on another transport (sdk/README.md, "Stacking"). The
 * lower transport, tcp, which the host opens for it (host->open_lower in
 * init, shared with every other user of tcp in the process), connects,
 * sends or checks the cookie in the clear, applies the socket options,
 * reports TCP_INFO and owns and closes the socket. tls runs the handshake
 * after the cookie and moves the payload through OpenSSL, whose records go
 * through tcp's write_bytes/read_bytes (tls_bio.c), or, where the kernel
 * has TLS, on the socket itself so that OpenSSL can hand the encryption to
 * the kernel. tls knows tcp only through its hooks.
 *
 * On the wire, one stream is:
 *   [37-byte cookie, clear] [TLS handshake] [server -> client: one byte
 *   TLS_READY inside TLS] [payload, TLS records]
 * The ready byte tells the client that the server accepted the handshake.
 * In TLS 1.3 the client finishes first, so without it a client whose
 * certificate the server rejects would only learn of that later, from a
 * vague SERVER_ERROR. */
#ifndef WEIR_TLS_INT_H
#define WEIR_TLS_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>
#include <weir/weir.h>

#include "fingerprint.h"
#include "hostcall.h"
#include "stacked.h"
#include "trust.h"

#define TLS_FP_LEN FP_LEN
#define TLS_FP_TEXT FP_TEXT
#define TLS_READY 0x57                  /* 'W' */
/* Used when the core passes timeout_ms == 0 (as tcp does). */
#define TLS_DEFAULT_TIMEOUT_MS 10000u
/* OpenSSL's read buffer, for read-ahead (tls_io.c): two full TLS records
 * (16 KiB of data, 256 bytes of expansion, a 5-byte header). Not more:
 * before each record OpenSSL moves what is left in the buffer to its start,
 * so a buffer of k records copies about (k - 1) / 2 records per record;
 * with two, -P 2 on loopback measured 0.46-0.47x of TCP, with four 0.45x. */
#define TLS_READ_BUFFER (2u * (16384u + 256u + 5u))

/* The options, parsed once by init; read-only afterwards. */
struct tls_settings {
    int version;                /* TLS1_2_VERSION or TLS1_3_VERSION */
    const char *ciphers;        /* TLS 1.2 list */
    const char *ciphersuites;   /* TLS 1.3 list */
    struct trust_settings trust; /* the options quic shares */
};

struct tls_global {
    const struct weir_host *host;
    struct tls_settings set;
    const struct weir_lower *lower;     /* tcp, from init to fini */
    int kernel_tls;             /* the kernel has TLS: OpenSSL gets sockets */
    /* Guards everything below: with --loopback the client's and the
     * server's control threads share this global. */
    pthread_mutex_t lock;
    SSL_CTX *client_ctx;
    SSL_CTX *server_ctx;
    int have_own;               /* the server's certificate is ephemeral, ours */
    unsigned char own_fp[TLS_FP_LEN];
};

/* What verification saw during one handshake (SSL app data while it runs). */
struct tls_handshake_state {
    struct tls_global *g;
    int is_client;
    int have_leaf;
    unsigned char leaf_fp[TLS_FP_LEN];
    int pin_mismatch;
};

struct tls_stream {
    struct tls_global *g;
    const struct weir_transport_ops *lower;
    void *lower_stream;         /* owns the socket */
    SSL *ssl;
    int fd;                     /* the lower stream's socket: readiness,
                                   TCP_NODELAY, the peer's address */
    int on_socket;              /* OpenSSL reads and writes fd itself
                                   (kernel TLS), not the lower's hooks */
    int lower_eof;              /* read_bytes said the peer closed */
    int broken;                 /* fatal TLS error: no close_notify */
    int eof;                    /* the peer closed (reported on the next recv) */
    uint32_t blksize;
    uint32_t block_len;         /* bytes in the current block: blksize, less
                                   for the last block of a -F file */
    int block_filled;           /* -F: buf holds the current block */
    const struct weir_payload *payload; /* -F: the core's file, else NULL */
    uint32_t offset;            /* bytes of the current block already written */
    uint64_t since_rekey;       /* payload bytes under the current write key */
    /* Reporting: what this stream negotiated. */
    char peer[64];
    const char *version;        /* "TLSv1.3" (OpenSSL's static string) */
    const char *cipher;         /* "TLS_AES_128_GCM_SHA256" */
    int ktls_tx, ktls_rx;
    uint64_t handshake_ns;
    unsigned char buf[];        /* one block: the payload, or receive space */
};

/* ---- tls.c: descriptor, init (which opens the lower transport) ---- */
#define tls_fail(g, code, ...) hostcall_fail((g) ? (g)->host : NULL, (code), __VA_ARGS__)
#define tls_log(g, level, ...) hostcall_log((g) ? (g)->host : NULL, (level), __VA_ARGS__)

/* ---- tls_bio.c: where OpenSSL's records go ---- */
/* The BIO method over the lower's byte hooks, shared by the plugin's
 * instances: each init takes it (0, or -1 when OpenSSL cannot make it),
 * each fini gives it back. */
int tls_bio_acquire(void);
void tls_bio_release(void);
/* Does the kernel have TLS (the "tls" upper layer of TCP)? */
int tls_kernel_has_tls(void);
/* Connect s->ssl to the lower stream: the socket when the kernel has TLS
 * and it is a TCP socket, else a BIO over the lower's hooks. 0, or -1
 * (OpenSSL's error queue says why). */
int tls_bio_attach(struct tls_stream *s);

/* ---- tls_ctx.c: options and SSL_CTXs ---- */
int tls_settings_read(struct tls_global *g);
/* The context of a role, built on first use. NULL with the error set. */
SSL_CTX *tls_client_ctx(struct tls_global *g);
SSL_CTX *tls_server_ctx(struct tls_global *g);
/* One line of what OpenSSL's error queue says (and empty the queue). */
void tls_ssl_errors(char *buf, size_t len);

/* ---- tls_cert.c: the ephemeral certificate, fingerprints ---- */
int tls_make_cert(EVP_PKEY **key, X509 **cert, char *why, size_t whylen);
int tls_fingerprint(X509 *cert, unsigned char fp[TLS_FP_LEN]);

/* ---- tls_verify.c: the client's decision about the server ---- */
int tls_verify_cb(int ok, X509_STORE_CTX *xs);
/* Set the names to send (SNI) and check on the client's SSL. */
int tls_verify_setup(struct tls_global *g, SSL *ssl, const char *host,
                     char *why, size_t whylen);
/* After a failed client handshake: explain a verification failure into
 * buf and return 1, or return 0 when verification was not the cause. */
int tls_verify_explain(const struct tls_handshake_state *hs, SSL *ssl,
                       char *buf, size_t len);
/* After a good client handshake: 0, or -1 with why (belt and braces). */
int tls_verify_after(const struct tls_handshake_state *hs, SSL *ssl,
                     char *why, size_t whylen);

/* ---- tls_handshake.c ---- */
/* Run the handshake on s (client or server side) and the ready byte,
 * before deadline (host->now_ns), which ends the stream's timeout_ms.
 * WEIR_OK, or a code with the error set. */
int tls_handshake(struct tls_stream *s, int is_client, uint64_t deadline, unsigned timeout_ms);

/* ---- tls_io.c: the hot path ---- */
int tls_send(void *stream, uint32_t max_blocks, struct weir_counters *c,
             struct weir_io *io);
int tls_recv(void *stream, struct weir_counters *c, struct weir_io *io);
/* The byte hooks (--latency's probes): SSL_write/SSL_read of the caller's bytes. */
int tls_write_bytes(void *stream, const void *buf, size_t len, size_t *written);
int tls_read_bytes(void *stream, void *buf, size_t len, size_t *got);
/* close_notify, non-blocking, best effort. */
void tls_shutdown(struct tls_stream *s);

/* ---- tls_stream.c: the stream hooks ---- */
/* What a server needs before its first stream: the server context and its
 * certificate (whose fingerprint it shows). */
int tls_server_prepare(struct tls_global *g);
int tls_client_open(void *global, const struct weir_stream_config *cfg, void **stream);
int tls_server_listen(void *global, const struct weir_stream_config *cfg,
                      int control_fd, void **listener, int *poll_fd);
void tls_server_unlisten(void *global, void *listener);
int tls_server_adopt(void *global, void *listener, const struct weir_stream_config *cfg, int fd,
                     void **stream);
int tls_stream_fd(void *stream);
int tls_info(void *stream, struct weir_stream_info *out);
void tls_close(void *stream);
int tls_describe(void *stream, const struct weir_fact_sink *out);

#endif
