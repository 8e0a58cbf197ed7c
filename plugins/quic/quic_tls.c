/* quic transport: TLS 1.3 inside QUIC, by GnuTLS. The options (the trust
 * options, which tls shares, are read by plugins/common/trust.c), the
 * credentials of each role (the server's ephemeral self-signed certificate
 * and its fingerprint), and the decision about the peer:
 *
 *   client, default    the server's chain against the system's CAs (or
 *                      --tls-ca) and the -c name (or --tls-sni)
 *   --tls-fingerprint  exactly the leaf certificate whose DER has this
 *                      SHA-256; chain and name are not checked
 *   --tls-insecure     anything (encrypted, not authenticated)
 *   server, --tls-verify-client CAFILE: a client certificate from it
 *
 * SSLKEYLOGFILE is GnuTLS's own: it writes the secrets there itself. */
#include "quic_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

/* TLS 1.3 only; no middlebox compatibility mode (QUIC has no records). */
#define QUIC_PRIORITY "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:" \
                      "-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305:+AES-256-GCM"

/* ---- fingerprints ---- */

static int fp_of_der(const gnutls_datum_t *der, unsigned char fp[QUIC_FP_LEN])
{
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, der->data, der->size, fp) == 0 ? 0 : -1;
}

/* ---- options ---- */

int quic_settings_read(struct quic_global *g)
{
    struct quic_settings *set = &g->set;
    int rc;
    memset(set, 0, sizeof *set);
    if ((rc = trust_read(g->host, &set->trust)) != WEIR_OK)
        return rc;
    set->no_loss_count = weir_param_flag(g->host, NULL, QUIC_OPT_NO_LOSS_COUNT);
    uint64_t streams = weir_param_uint(g->host, NULL, QUIC_OPT_STREAMS, 1);
    if (streams < 1 || streams > QUIC_MAX_STREAMS)
        return quic_fail(g, WEIR_E_USAGE, "--%s %llu: 1 to %u QUIC streams per connection", QUIC_OPT_STREAMS,
                         (unsigned long long)streams, QUIC_MAX_STREAMS);
    set->streams = (uint32_t)streams;
    set->datagrams = weir_param_flag(g->host, NULL, QUIC_OPT_DATAGRAMS);
    return WEIR_OK;
}

/* ---- the decision about the peer (GnuTLS calls it in the handshake) ---- */

static struct quic_stream *stream_of(gnutls_session_t session)
{
    ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);
    return ref ? ref->user_data : NULL;
}

static int refuse(struct quic_stream *s, const char *fmt, const char *a, const char *b)
{
    s->verify_failed = 1;
    snprintf(s->verify_why, sizeof s->verify_why, fmt, a, b);
    return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
}

/* This process's own ephemeral server certificate, trusted without being
 * named as tls trusts its own, so that --loopback works: only a peer that
 * holds its private key, which never leaves this process, can present it. */
static int own_certificate(struct quic_global *g, const unsigned char fp[QUIC_FP_LEN])
{
    pthread_mutex_lock(&g->lock);
    int same = g->server_cred != NULL && g->set.trust.cert == NULL && memcmp(fp, g->own_fp, QUIC_FP_LEN) == 0;
    pthread_mutex_unlock(&g->lock);
    return same;
}

static int verify_peer(gnutls_session_t session)
{
    struct quic_stream *s = stream_of(session);
    const struct trust_settings *set = &s->g->set.trust;
    unsigned n = 0;
    const gnutls_datum_t *chain = gnutls_certificate_get_peers(session, &n);
    unsigned char fp[QUIC_FP_LEN];
    char text[QUIC_FP_TEXT] = "?";

    if (!s->is_client && !set->verify_client)
        return 0;
    if (!chain || n == 0)
        return refuse(s, "the %s sent no certificate%s", s->is_client ? "server" : "client", "");
    if (fp_of_der(&chain[0], fp) == 0)
        fp_text(fp, text);
    if (s->is_client && set->insecure)
        return 0;
    if (s->is_client && set->have_pin)
        return memcmp(fp, set->pin, QUIC_FP_LEN) == 0
                   ? 0
                   : refuse(s, "the server's certificate has SHA-256 fingerprint %s, not the one given "
                            "with --tls-fingerprint%s", text, "");
    if (s->is_client && own_certificate(s->g, fp))
        return 0;
    unsigned status = 0;
    const char *name = s->is_client ? (set->sni ? set->sni : s->peer) : NULL;
    if (gnutls_certificate_verify_peers3(session, name, &status) < 0 || status != 0) {
        gnutls_datum_t out = { NULL, 0 };
        char reason[160] = "not verified";
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) == 0) {
            snprintf(reason, sizeof reason, "%s", (const char *)out.data);
            gnutls_free(out.data);
            size_t end = strlen(reason);
            while (end && (reason[end - 1] == ' ' || reason[end - 1] == '.'))
                reason[--end] = '\0';
        }
        s->verify_failed = 1;
        snprintf(s->verify_why, sizeof s->verify_why, "the %s's certificate is not trusted: %s (SHA-256 "
                 "fingerprint %s)%s", s->is_client ? "server" : "client", reason, text,
                 s->is_client ? "; trust it with --tls-ca FILE or pin it with --tls-fingerprint" : "");
        return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
    }
    return 0;
}

/* ---- credentials ---- */

/* A self-signed ECDSA P-256 certificate for localhost and the loopback
 * addresses; clients pin it by its fingerprint. */
static int make_ephemeral(gnutls_certificate_credentials_t cred, char *why, size_t whylen)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    unsigned char serial[16];
    unsigned char v4[4], v6[16];
    time_t now = time(NULL);
    int rc = gnutls_x509_privkey_init(&key);
    if (rc == 0)
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (rc == 0)
        rc = gnutls_x509_crt_init(&crt);
    if (rc == 0)
        rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
    serial[0] &= 0x7f;
    inet_pton(AF_INET, "127.0.0.1", v4);
    inet_pton(AF_INET6, "::1", v6);
    if (rc == 0)
        rc = gnutls_x509_crt_set_version(crt, 3);
    if (rc == 0)
        rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    if (rc == 0)
        rc = gnutls_x509_crt_set_activation_time(crt, now - 3600);
    if (rc == 0)
        rc = gnutls_x509_crt_set_expiration_time(crt, now + 365L * 24 * 3600);
    if (rc == 0)
        rc = gnutls_x509_crt_set_dn(crt, "O=weir,CN=localhost", NULL);
    if (rc == 0)
        rc = gnutls_x509_crt_set_key(crt, key);
    if (rc == 0)
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND);
    if (rc == 0)
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4, sizeof v4, GNUTLS_FSAN_APPEND);
    if (rc == 0)
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6, sizeof v6, GNUTLS_FSAN_APPEND);
    if (rc == 0)
        rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
    if (rc == 0)
        rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
    if (rc == 0)
        rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
    if (rc == 0)
        rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
    if (rc == 0)
        rc = gnutls_certificate_set_x509_key(cred, &crt, 1, key);
    if (rc < 0)
        snprintf(why, whylen, "cannot make an ephemeral certificate: %s", gnutls_strerror(rc));
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc < 0 ? -1 : 0;
}

/* The server's certificate (--tls-cert or an ephemeral one, whose
 * fingerprint it shows) and --tls-verify-client's CAs. 0, or -1 with why. */
static int fill_server(struct quic_global *g, gnutls_certificate_credentials_t cred, char *why, size_t whylen)
{
    const struct trust_settings *set = &g->set.trust;
    int rc = 0;
    if (set->cert) {
        rc = gnutls_certificate_set_x509_key_file2(cred, set->cert, set->key ? set->key : set->cert,
                                                   GNUTLS_X509_FMT_PEM, NULL, 0);
        if (rc < 0)
            snprintf(why, whylen, "--tls-cert %s: %s", set->cert, gnutls_strerror(rc));
    } else if (make_ephemeral(cred, why, whylen) < 0) {
        rc = -1;
    }
    if (rc >= 0 && set->verify_client) {
        rc = gnutls_certificate_set_x509_trust_file(cred, set->verify_client, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            snprintf(why, whylen, "--tls-verify-client %s: %s", set->verify_client,
                     rc == 0 ? "no certificate in it" : gnutls_strerror(rc));
            rc = -1;
        }
    }
    gnutls_datum_t der = { NULL, 0 };
    if (rc >= 0 && (gnutls_certificate_get_crt_raw(cred, 0, 0, &der) < 0 || fp_of_der(&der, g->own_fp) < 0)) {
        snprintf(why, whylen, "cannot read back the server certificate");
        rc = -1;
    }
    if (rc < 0)
        return -1;
    trust_show_fingerprint(g->host, set, g->own_fp);
    return 0;
}

/* The client's trust (the system's CAs or --tls-ca, unless pinned or
 * insecure) and --tls-client-cert. 0, or -1 with why. */
static int fill_client(struct quic_global *g, gnutls_certificate_credentials_t cred, char *why, size_t whylen)
{
    const struct trust_settings *set = &g->set.trust;
    int rc = 0;
    if (set->insecure)
        quic_log(g, WEIR_LOG_WARNING, "--tls-insecure: the server's certificate is not verified; "
                 "the data is encrypted but the server is not authenticated");
    else if (!set->have_pin) {
        rc = set->ca_file ? gnutls_certificate_set_x509_trust_file(cred, set->ca_file, GNUTLS_X509_FMT_PEM)
                          : gnutls_certificate_set_x509_system_trust(cred);
        if (rc < 0)
            snprintf(why, whylen, "%s%s: %s", set->ca_file ? "--tls-ca " : "the system's CA certificates",
                     set->ca_file ? set->ca_file : "", gnutls_strerror(rc));
    }
    if (rc >= 0 && set->client_cert) {
        rc = gnutls_certificate_set_x509_key_file2(cred, set->client_cert,
                                                   set->client_key ? set->client_key : set->client_cert,
                                                   GNUTLS_X509_FMT_PEM, NULL, 0);
        if (rc < 0)
            snprintf(why, whylen, "--tls-client-cert %s: %s", set->client_cert, gnutls_strerror(rc));
    }
    return rc < 0 ? -1 : 0;
}

/* A role's credentials, with verify_peer deciding about the other end. */
static gnutls_certificate_credentials_t build(struct quic_global *g, int is_client, char *why, size_t whylen)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    if ((is_client ? fill_client(g, cred, why, whylen) : fill_server(g, cred, why, whylen)) < 0) {
        gnutls_certificate_free_credentials(cred);
        return NULL;
    }
    gnutls_certificate_set_verify_function(cred, verify_peer);
    return cred;
}

gnutls_certificate_credentials_t quic_cred(struct quic_global *g, int is_client)
{
    char why[512] = "";
    pthread_mutex_lock(&g->lock);
    gnutls_certificate_credentials_t *made = is_client ? &g->client_cred : &g->server_cred;
    if (!*made)
        *made = build(g, is_client, why, sizeof why);
    gnutls_certificate_credentials_t c = *made;
    pthread_mutex_unlock(&g->lock);
    if (!c)
        quic_fail(g, is_client ? WEIR_E_STREAMCONNECT : WEIR_E_STREAMLISTEN, "QUIC TLS %s setup: %s",
                  is_client ? "client" : "server", why);
    return c;
}

/* ---- one session ---- */

int quic_tls_session(struct quic_stream *s, const char *host)
{
    struct quic_global *g = s->g;
    gnutls_certificate_credentials_t cred = quic_cred(g, s->is_client);
    int code = s->is_client ? WEIR_E_STREAMCONNECT : WEIR_E_STREAMACCEPT;
    if (!cred)
        return code;
    unsigned flags = s->is_client ? GNUTLS_CLIENT : GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET;
    int rc = gnutls_init(&s->tls, flags | GNUTLS_NO_END_OF_EARLY_DATA);
    if (rc < 0) {
        s->tls = NULL;
        return quic_fail(g, code, "gnutls_init: %s", gnutls_strerror(rc));
    }
    if ((rc = gnutls_priority_set_direct(s->tls, QUIC_PRIORITY, NULL)) < 0 ||
        (rc = gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE, cred)) < 0)
        return quic_fail(g, code, "GnuTLS session: %s", gnutls_strerror(rc));
    if ((s->is_client ? ngtcp2_crypto_gnutls_configure_client_session(s->tls)
                      : ngtcp2_crypto_gnutls_configure_server_session(s->tls)) != 0)
        return quic_fail(g, code, "ngtcp2 could not configure the GnuTLS session");
    gnutls_session_set_ptr(s->tls, &s->conn_ref);
    gnutls_datum_t alpn = { (unsigned char *)QUIC_ALPN, (unsigned)strlen(QUIC_ALPN) };
    gnutls_alpn_set_protocols(s->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY);
    if (s->is_client) {
        const char *sni = g->set.trust.sni ? g->set.trust.sni : trust_host_is_address(host) ? NULL : host;
        if (sni && (rc = gnutls_server_name_set(s->tls, GNUTLS_NAME_DNS, sni, strlen(sni))) < 0)
            return quic_fail(g, code, "\"%s\" cannot be sent as the server name (SNI): %s", sni,
                             gnutls_strerror(rc));
    } else if (g->set.trust.verify_client) {
        gnutls_certificate_server_set_request(s->tls, GNUTLS_CERT_REQUIRE);
    }
    return WEIR_OK;
}
