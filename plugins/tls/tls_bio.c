/* tls transport: where OpenSSL's records go. Through the lower
 * transport's byte hooks (write_bytes/read_bytes), as a stacked transport
 * should; or, when the kernel has TLS, on the lower stream's socket itself
 * (transport.h, "The raw descriptor"): OpenSSL turns kernel TLS on only on
 * its own socket BIO, and with it the kernel encrypts what is written. */
#include "tls_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/bio.h>

/* One BIO method for the process: the plugin's instances share it. */
static pthread_mutex_t method_lock = PTHREAD_MUTEX_INITIALIZER;
static BIO_METHOD *method;
static int method_users;

static int lower_write(BIO *b, const char *data, size_t len, size_t *written)
{
    struct tls_stream *s = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    int rc = s->lower->write_bytes(s->lower_stream, data, len, written);
    if (rc == WEIR_OK)
        return 1;
    if (rc == WEIR_E_AGAIN)
        BIO_set_retry_write(b);
    /* Otherwise errno is the system call's (transport.h): OpenSSL reports
     * SSL_ERROR_SYSCALL and tls_io.c says what errno says. */
    return 0;
}

static int lower_read(BIO *b, char *data, size_t len, size_t *got)
{
    struct tls_stream *s = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    int rc = s->lower->read_bytes(s->lower_stream, data, len, got);
    if (rc == WEIR_OK)
        return 1;
    if (rc == WEIR_E_AGAIN)
        BIO_set_retry_read(b);
    else if (rc == WEIR_E_STREAMCLOSE)
        s->lower_eof = 1;       /* BIO_eof: OpenSSL tells a close from an error */
    return 0;
}

static long lower_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    const struct tls_stream *s = BIO_get_data(b);
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;               /* nothing is buffered here */
    case BIO_CTRL_EOF:
        return s && s->lower_eof;
    default:
        return 0;               /* no kernel TLS and nothing else here */
    }
}

static int lower_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

int tls_bio_acquire(void)
{
    pthread_mutex_lock(&method_lock);
    if (!method) {
        int type = BIO_get_new_index();
        method = type > 0 ? BIO_meth_new(type | BIO_TYPE_SOURCE_SINK, "weir lower transport") : NULL;
        if (method && (!BIO_meth_set_write_ex(method, lower_write) || !BIO_meth_set_read_ex(method, lower_read) ||
                       !BIO_meth_set_ctrl(method, lower_ctrl) || !BIO_meth_set_create(method, lower_create))) {
            BIO_meth_free(method);
            method = NULL;
        }
    }
    int ok = method != NULL;
    method_users += ok;
    pthread_mutex_unlock(&method_lock);
    return ok ? 0 : -1;
}

void tls_bio_release(void)
{
    pthread_mutex_lock(&method_lock);
    if (method_users > 0 && --method_users == 0) {
        BIO_meth_free(method);
        method = NULL;
    }
    pthread_mutex_unlock(&method_lock);
}

int tls_kernel_has_tls(void)
{
#ifdef OPENSSL_NO_KTLS
    return 0;
#else
    /* A socket that is not connected refuses the ULP: with ENOENT when the
     * kernel has no "tls" (nor loads it for us), else (ENOTCONN) it has. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int has = setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof "tls") == 0 || errno != ENOENT;
    close(fd);
    return has;
#endif
}

/* A kernel TCP socket, which kernel TLS works on (not MPTCP). */
static int is_tcp_socket(int fd)
{
    int proto = 0;
    socklen_t len = sizeof proto;
    return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 && proto == IPPROTO_TCP;
}

int tls_bio_attach(struct tls_stream *s)
{
    if (s->g->kernel_tls && is_tcp_socket(s->fd)) {
        s->on_socket = 1;
        return SSL_set_fd(s->ssl, s->fd) == 1 ? 0 : -1;     /* SSL_free leaves it open */
    }
    BIO *b = BIO_new(method);
    if (!b)
        return -1;
    BIO_set_data(b, s);
    SSL_set_bio(s->ssl, b, b);      /* SSL_free frees it */
    return 0;
}
