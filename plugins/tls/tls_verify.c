/* tls transport: how a client decides to trust the server.
 *
 *   default            the system's CAs, and the name (or IP address) the
 *                      client connects to (or --tls-sni) in the certificate
 *   --tls-ca FILE      the same with the CAs in FILE
 *   --tls-fingerprint  exactly this leaf certificate (SHA-256); chain, name
 *                      and dates are not checked. With --tls-ca as well,
 *                      both must hold.
 *   --tls-insecure     nothing (a warning says so)
 *
 * One more certificate is trusted without being named: this process's own
 * ephemeral server certificate, so that --loopback works. Only a peer that
 * holds its private key, which never leaves this process, can present it. */
#include "tls_int.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

static int own_certificate(struct tls_global *g, const unsigned char fp[TLS_FP_LEN])
{
    pthread_mutex_lock(&g->lock);
    int same = g->have_own && CRYPTO_memcmp(fp, g->own_fp, TLS_FP_LEN) == 0;
    pthread_mutex_unlock(&g->lock);
    return same;
}

/* OpenSSL calls this for every certificate of the chain and every problem
 * it finds; ok says whether it found one. */
int tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tls_handshake_state *hs = ssl ? SSL_get_app_data(ssl) : NULL;
    if (!hs || !hs->is_client)
        return ok;
    const struct trust_settings *set = &hs->g->set.trust;
    if (!hs->have_leaf && tls_fingerprint(X509_STORE_CTX_get0_cert(xs), hs->leaf_fp) == 0)
        hs->have_leaf = 1;
    if (set->have_pin) {
        if (!hs->have_leaf || CRYPTO_memcmp(hs->leaf_fp, set->pin, TLS_FP_LEN) != 0) {
            hs->pin_mismatch = 1;
            X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
            return 0;
        }
        return set->ca_file ? ok : 1;
    }
    if (!ok && !set->ca_file && hs->have_leaf && own_certificate(hs->g, hs->leaf_fp))
        return 1;
    return ok;
}

int tls_verify_setup(struct tls_global *g, SSL *ssl, const char *host, char *why, size_t whylen)
{
    const struct trust_settings *set = &g->set.trust;
    int host_is_ip = trust_host_is_address(host);
    const char *name = set->sni ? set->sni : host && !host_is_ip ? host : NULL;

    if (name && SSL_set_tlsext_host_name(ssl, name) != 1) {
        ERR_clear_error();
        snprintf(why, whylen, "\"%s\" cannot be sent as the server name (SNI)%s", name,
                 set->sni ? "" : "; give --tls-sni NAME");
        return -1;
    }
    if (set->insecure || (set->have_pin && !set->ca_file))
        return 0;       /* nothing to match names against */
    if (name) {
        if (SSL_set1_host(ssl, name) == 1)
            return 0;
    } else if (host && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1) {
        return 0;
    }
    ERR_clear_error();
    snprintf(why, whylen, "cannot check the server's certificate against \"%s\"; give --tls-sni NAME "
             "or --tls-fingerprint", name ? name : host ? host : "");
    return -1;
}

int tls_verify_explain(const struct tls_handshake_state *hs, SSL *ssl, char *buf, size_t len)
{
    char fp[TLS_FP_TEXT] = "unknown";
    if (hs->have_leaf)
        fp_text(hs->leaf_fp, fp);
    if (hs->pin_mismatch) {
        snprintf(buf, len, "the server's certificate has SHA-256 fingerprint %s, not the one given "
                 "with --tls-fingerprint", fp);
        return 1;
    }
    long v = SSL_get_verify_result(ssl);
    if (v == X509_V_OK)
        return 0;
    const char *hint;
    switch (v) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        hint = "connect by a name it lists, name one with --tls-sni, or pin it with --tls-fingerprint";
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        hint = "check the clocks, or pin it with --tls-fingerprint";
        break;
    default:
        hint = "trust it with --tls-ca FILE, or pin it with --tls-fingerprint (a server started "
               "with --transport tls prints it), or skip the check with --tls-insecure";
        break;
    }
    snprintf(buf, len, "the server's certificate is not trusted: %s (SHA-256 fingerprint %s); %s",
             X509_verify_cert_error_string(v), fp, hint);
    return 1;
}

int tls_verify_after(const struct tls_handshake_state *hs, SSL *ssl, char *why, size_t whylen)
{
    const struct trust_settings *set = &hs->g->set.trust;
    if (!set->have_pin)
        return 0;
    unsigned char fp[TLS_FP_LEN];
    if (tls_fingerprint(SSL_get0_peer_certificate(ssl), fp) == 0 &&
        CRYPTO_memcmp(fp, set->pin, TLS_FP_LEN) == 0)
        return 0;
    snprintf(why, whylen, "the server's certificate does not match --tls-fingerprint");
    return -1;
}
