/* A QUIC client's first datagram, made by a real client (ngtcp2 + GnuTLS,
 * ALPN weir-perf/1): for the quic plugin's test (a client that then stays
 * silent) and the quic_rx fuzz target (the server connection it opens). */
#ifndef WEIR_TEST_QUIC_INITIAL_H
#define WEIR_TEST_QUIC_INITIAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The Initial (padded to at least 1200 bytes) a client at local sends to
 * remote, with the destination connection ID dcid (dcidlen 8..20) when
 * dcid is not NULL, random otherwise. Its length, or 0. */
size_t quic_client_initial(const struct sockaddr *local, socklen_t local_len,
                           const struct sockaddr *remote, socklen_t remote_len,
                           const uint8_t *dcid, size_t dcidlen, uint8_t *buf, size_t cap);

#endif
