/* tls transport: its own options (the trust options, which quic shares,
 * are read by plugins/common/trust.c), and one SSL_CTX per role built on
 * first use. */
#include "tls_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "hostopt.h"

/* AES-128-GCM first: as safe as the others and the cheapest where the CPU
 * has AES instructions. The server follows the client's order, so the
 * client chooses what is measured. */
#define DEFAULT_SUITES "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"
#define DEFAULT_CIPHERS "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                     \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"

void tls_ssl_errors(char *buf, size_t len)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long first = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
    const char *reason = first ? ERR_reason_error_string(first) : NULL;
    char num[32];
    if (first && !reason) {
        snprintf(num, sizeof num, "error %d", ERR_GET_REASON(first));
        reason = num;
    }
    if (!(flags & ERR_TXT_STRING) || !data || !*data)
        data = NULL;
    /* Copied before the next pop, which may free data. */
    snprintf(buf, len, "%s%s%s%s", reason ? reason : "unknown OpenSSL error",
             data ? " (" : "", data ? data : "", data ? ")" : "");
    ERR_clear_error();
}

/* The version, cipher and suite settings both roles share. */
static SSL_CTX *ctx_common(const struct tls_global *g, const SSL_METHOD *method,
                           char *why, size_t whylen)
{
    const struct tls_settings *set = &g->set;
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (!ctx) {
        tls_ssl_errors(why, whylen);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, set->version);
    SSL_CTX_set_max_proto_version(ctx, set->version);
    /* Renegotiation would make a write wait for a read (see tls_io.c). */
    SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    /* Each record written counts at once; a retried write passes the same
     * buffer, as OpenSSL requires. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* Sized now: OpenSSL allocates it at the first read, in the handshake. */
    SSL_CTX_set_default_read_buffer_len(ctx, TLS_READ_BUFFER);
    const char *suites = set->ciphersuites ? set->ciphersuites : DEFAULT_SUITES;
    if (!SSL_CTX_set_ciphersuites(ctx, suites)) {
        ERR_clear_error();
        snprintf(why, whylen, "--tls-ciphersuites \"%s\": not a list of TLS 1.3 suites OpenSSL knows "
                 "(see openssl ciphers -s -tls1_3)", suites);
        SSL_CTX_free(ctx);
        return NULL;
    }
    const char *ciphers = set->ciphers ? set->ciphers : DEFAULT_CIPHERS;
    if (!SSL_CTX_set_cipher_list(ctx, ciphers)) {
        ERR_clear_error();
        snprintf(why, whylen, "--tls-ciphers \"%s\": no TLS 1.2 cipher OpenSSL knows "
                 "(see openssl ciphers -s -tls1_2)", ciphers);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int tls_settings_read(struct tls_global *g)
{
    struct tls_settings *set = &g->set;
    const char *v;
    int rc;

    memset(set, 0, sizeof *set);
    set->version = TLS1_3_VERSION;
    if ((rc = hostopt_value(g->host, "tls-version", &v)) != WEIR_OK)
        return rc;
    if (v) {
        if (strcmp(v, "1.3") == 0 || strcasecmp(v, "TLSv1.3") == 0)
            set->version = TLS1_3_VERSION;
        else if (strcmp(v, "1.2") == 0 || strcasecmp(v, "TLSv1.2") == 0)
            set->version = TLS1_2_VERSION;
        else
            return tls_fail(g, WEIR_E_USAGE, "--tls-version \"%s\": use 1.2 or 1.3", v);
    }
    if ((rc = hostopt_value(g->host, "tls-ciphers", &set->ciphers)) != WEIR_OK ||
        (rc = hostopt_value(g->host, "tls-ciphersuites", &set->ciphersuites)) != WEIR_OK ||
        (rc = trust_read(g->host, &set->trust)) != WEIR_OK)
        return rc;

    /* Check the version, cipher and suite settings now, not at the first
     * stream. */
    char why[256];
    SSL_CTX *probe = ctx_common(g, TLS_method(), why, sizeof why);
    if (!probe)
        return tls_fail(g, WEIR_E_USAGE, "%s", why);
    SSL_CTX_free(probe);
    return WEIR_OK;
}

/* ---- client ---- */

static int use_cert_key(SSL_CTX *ctx, const char *cert, const char *key,
                        const char *what, char *why, size_t whylen)
{
    char err[256];
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        tls_ssl_errors(err, sizeof err);
        snprintf(why, whylen, "%s %s: %s", what, cert, err);
        return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        tls_ssl_errors(err, sizeof err);
        snprintf(why, whylen, "private key %s for %s: %s", key ? key : cert, cert, err);
        return -1;
    }
    return 0;
}

static SSL_CTX *build_client(struct tls_global *g, char *why, size_t whylen)
{
    const struct trust_settings *set = &g->set.trust;
    char err[256];
    SSL_CTX *ctx = ctx_common(g, TLS_client_method(), why, whylen);
    if (!ctx)
        return NULL;
    if (set->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        tls_log(g, WEIR_LOG_WARNING, "--tls-insecure: the server's certificate is not verified; "
                "the streams are encrypted but the server is not authenticated");
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_cb);
        int ok = set->ca_file ? SSL_CTX_load_verify_locations(ctx, set->ca_file, NULL)
                              : SSL_CTX_set_default_verify_paths(ctx);
        if (ok != 1) {
            tls_ssl_errors(err, sizeof err);
            snprintf(why, whylen, "%s%s: %s", set->ca_file ? "--tls-ca " : "the system's CA certificates",
                     set->ca_file ? set->ca_file : "", err);
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    if (set->client_cert &&
        use_cert_key(ctx, set->client_cert, set->client_key, "--tls-client-cert", why, whylen) < 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL_CTX *tls_client_ctx(struct tls_global *g)
{
    char why[512] = "";
    pthread_mutex_lock(&g->lock);
    if (!g->client_ctx)
        g->client_ctx = build_client(g, why, sizeof why);
    SSL_CTX *ctx = g->client_ctx;
    pthread_mutex_unlock(&g->lock);
    if (!ctx)
        tls_fail(g, WEIR_E_INITSTREAM, "TLS client setup: %s", why);
    return ctx;
}

/* ---- server ---- */

static int use_ephemeral(struct tls_global *g, SSL_CTX *ctx, char *why, size_t whylen)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    if (tls_make_cert(&key, &cert, why, whylen) < 0)
        return -1;
    int ok = SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
             tls_fingerprint(cert, g->own_fp) == 0;
    if (!ok) {
        char err[256];
        tls_ssl_errors(err, sizeof err);
        snprintf(why, whylen, "ephemeral certificate: %s", err);
    }
    g->have_own = ok;
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

static SSL_CTX *build_server(struct tls_global *g, char *why, size_t whylen)
{
    const struct trust_settings *set = &g->set.trust;
    SSL_CTX *ctx = ctx_common(g, TLS_server_method(), why, whylen);
    if (!ctx)
        return NULL;
    /* No resumption: every stream is a full handshake, and no ticket is
     * left unread in a sending client's socket. */
    SSL_CTX_set_num_tickets(ctx, 0);
    int rc = set->cert ? use_cert_key(ctx, set->cert, set->key, "--tls-cert", why, whylen)
                       : use_ephemeral(g, ctx, why, whylen);
    if (rc < 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (set->verify_client) {
        char err[256];
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(set->verify_client);
        if (!names || SSL_CTX_load_verify_locations(ctx, set->verify_client, NULL) != 1) {
            tls_ssl_errors(err, sizeof err);
            snprintf(why, whylen, "--tls-verify-client %s: %s", set->verify_client,
                     names ? err : "no CA certificate in it");
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            SSL_CTX_free(ctx);
            return NULL;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }

    unsigned char fp[TLS_FP_LEN];
    if (tls_fingerprint(SSL_CTX_get0_certificate(ctx), fp) == 0)
        trust_show_fingerprint(g->host, set, fp);
    return ctx;
}

SSL_CTX *tls_server_ctx(struct tls_global *g)
{
    char why[512] = "";
    pthread_mutex_lock(&g->lock);
    if (!g->server_ctx)
        g->server_ctx = build_server(g, why, sizeof why);
    SSL_CTX *ctx = g->server_ctx;
    pthread_mutex_unlock(&g->lock);
    if (!ctx)
        tls_fail(g, WEIR_E_STREAMLISTEN, "TLS server setup: %s", why);
    return ctx;
}
