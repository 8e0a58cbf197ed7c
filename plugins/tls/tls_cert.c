/* tls transport: the server's ephemeral self-signed certificate, and
 * SHA-256 fingerprints (their text: plugins/common/fingerprint.c). */
#include "tls_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

int tls_fingerprint(X509 *cert, unsigned char fp[TLS_FP_LEN])
{
    unsigned int n = 0;
    if (!cert || X509_digest(cert, EVP_sha256(), fp, &n) != 1 || n != TLS_FP_LEN)
        return -1;
    return 0;
}




static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* The machine's name, if it is a plain DNS name (it goes into the SAN). */
static int plain_hostname(char *buf, size_t len)
{
    if (gethostname(buf, len) != 0)
        return 0;
    buf[len - 1] = '\0';
    if (!buf[0] || strcmp(buf, "localhost") == 0)
        return 0;
    for (const char *p = buf; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return 0;
    return 1;
}

int tls_make_cert(EVP_PKEY **keyp, X509 **certp, char *why, size_t whylen)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *cert = X509_new();
    unsigned char serial[16];
    char host[64], san[160];
    int have_host = plain_hostname(host, sizeof host);
    int ok = key && cert && RAND_bytes(serial, sizeof serial) == 1;

    if (ok) {
        serial[0] &= 0x7f;      /* a positive serial number */
        BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
        ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
        BN_free(bn);
    }
    if (ok) {
        X509_NAME *name = X509_get_subject_name(cert);
        /* The validity is not what makes it trusted: clients pin it. */
        ok = X509_set_version(cert, X509_VERSION_3) &&
             X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600) &&
             X509_set_pubkey(cert, key) &&
             X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"weir", -1, -1, 0) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        (const unsigned char *)(have_host ? host : "localhost"), -1, -1, 0) &&
             X509_set_issuer_name(cert, name);
    }
    if (ok) {
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
        snprintf(san, sizeof san, "IP:127.0.0.1,IP:::1,DNS:localhost%s%s",
                 have_host ? ",DNS:" : "", have_host ? host : "");
        ok = add_ext(cert, &v3, NID_subject_alt_name, san) == 0 &&
             add_ext(cert, &v3, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
             add_ext(cert, &v3, NID_key_usage, "critical,digitalSignature") == 0 &&
             add_ext(cert, &v3, NID_ext_key_usage, "serverAuth") == 0 &&
             add_ext(cert, &v3, NID_subject_key_identifier, "hash") == 0 &&
             X509_sign(cert, key, EVP_sha256()) > 0;
    }
    if (!ok) {
        char err[256];
        tls_ssl_errors(err, sizeof err);
        snprintf(why, whylen, "cannot make an ephemeral certificate: %s", err);
        X509_free(cert);
        EVP_PKEY_free(key);
        return -1;
    }
    *keyp = key;
    *certp = cert;
    return 0;
}
