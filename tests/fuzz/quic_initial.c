/* A QUIC client's first datagram (quic_initial.h). The client is made,
 * writes its first packet and is gone: nothing it would answer is read. */
#include "quic_initial.h"

#include <string.h>
#include <time.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

struct client {
    ngtcp2_conn *conn;
    ngtcp2_crypto_conn_ref ref;
};

static ngtcp2_conn *conn_of(ngtcp2_crypto_conn_ref *ref)
{
    return ((struct client *)ref->user_data)->conn;
}

static void random_bytes(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
    (void)ctx;
    (void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

static int new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t len, void *user)
{
    (void)conn;
    (void)user;
    cid->datalen = len;
    (void)gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, len);
    (void)gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN);
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

size_t quic_client_initial(const struct sockaddr *local, socklen_t local_len,
                           const struct sockaddr *remote, socklen_t remote_len,
                           const uint8_t *dcid_bytes, size_t dcidlen, uint8_t *buf, size_t cap)
{
    ngtcp2_callbacks cb = {
        .client_initial = ngtcp2_crypto_client_initial_cb,
        .recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
        .encrypt = ngtcp2_crypto_encrypt_cb,
        .decrypt = ngtcp2_crypto_decrypt_cb,
        .hp_mask = ngtcp2_crypto_hp_mask_cb,
        .recv_retry = ngtcp2_crypto_recv_retry_cb,
        .update_key = ngtcp2_crypto_update_key_cb,
        .delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
        .delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
        .get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
        .version_negotiation = ngtcp2_crypto_version_negotiation_cb,
        .rand = random_bytes,
        .get_new_connection_id = new_cid,
    };
    ngtcp2_settings st;
    ngtcp2_transport_params tp;
    ngtcp2_settings_default(&st);
    ngtcp2_transport_params_default(&tp);
    st.initial_ts = now_ns();
    tp.initial_max_data = 1u << 20;
    tp.initial_max_stream_data_bidi_local = 1u << 20;
    tp.initial_max_stream_data_bidi_remote = 1u << 20;
    tp.initial_max_streams_bidi = 1;
    ngtcp2_cid dcid = { .datalen = 18 }, scid = { .datalen = 8 };
    if (dcid_bytes && dcidlen >= 8 && dcidlen <= NGTCP2_MAX_CIDLEN) {
        memcpy(dcid.data, dcid_bytes, dcidlen);
        dcid.datalen = dcidlen;
    } else {
        (void)gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen);
    }
    (void)gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen);
    ngtcp2_path path = { .local = { (struct sockaddr *)local, local_len },
                         .remote = { (struct sockaddr *)remote, remote_len } };
    gnutls_datum_t alpn = { (unsigned char *)"weir-perf/1", 11 };
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_session_t tls = NULL;
    struct client c = { NULL, { conn_of, &c } };
    size_t out = 0;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return 0;
    if (gnutls_init(&tls, GNUTLS_CLIENT | GNUTLS_NO_END_OF_EARLY_DATA) < 0) {
        tls = NULL;
        goto done;
    }
    if (gnutls_priority_set_direct(tls, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL) < 0 ||
        gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
        ngtcp2_crypto_gnutls_configure_client_session(tls) != 0)
        goto done;
    gnutls_alpn_set_protocols(tls, &alpn, 1, GNUTLS_ALPN_MANDATORY);
    gnutls_session_set_ptr(tls, &c.ref);
    if (ngtcp2_conn_client_new(&c.conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb, &st, &tp, NULL,
                               &c) != 0) {
        c.conn = NULL;
        goto done;
    }
    ngtcp2_conn_set_tls_native_handle(c.conn, tls);
    ngtcp2_ssize n = ngtcp2_conn_write_pkt(c.conn, NULL, NULL, buf, cap, now_ns());
    out = n > 0 ? (size_t)n : 0;
done:
    if (c.conn)
        ngtcp2_conn_del(c.conn);
    if (tls)
        gnutls_deinit(tls);
    gnutls_certificate_free_credentials(cred);
    return out;
}
