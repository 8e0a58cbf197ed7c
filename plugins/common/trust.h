/* The TLS trust options that tls and quic share: their declaration, their
 * settings and the checks made when they are read; and the line a server
 * shows its certificate's fingerprint in. Applying them to a connection is
 * the TLS library's business (OpenSSL in tls, GnuTLS in quic). The loader
 * parses an option two plugins declare alike once, so the declarations
 * must stay the same in both: hence one macro. */
#ifndef WEIR_COMMON_TRUST_H
#define WEIR_COMMON_TRUST_H

#include <weir/weir.h>

#include "fingerprint.h"

/* Entries of a plugin's weir_option table. */
#define TRUST_OPTIONS                                                                                  \
    { "tls-ca", "FILE", "client: trust the CA certificates in FILE (PEM) instead of the system's",     \
      WEIR_VALUE_STRING },                                                                             \
    { "tls-fingerprint", "SHA256",                                                                     \
      "client: accept only the server certificate with this SHA-256 (hex, colons optional)",          \
      WEIR_VALUE_STRING },                                                                             \
    { "tls-insecure", NULL, "client: do not verify the server (encrypted, not authenticated)",        \
      WEIR_VALUE_BOOL },                                                                               \
    { "tls-sni", "NAME",                                                                               \
      "client: server name to send and verify (default: the -c host unless an IP address)",           \
      WEIR_VALUE_STRING },                                                                             \
    { "tls-client-cert", "FILE", "client: certificate (chain, PEM) to present to the server",         \
      WEIR_VALUE_STRING },                                                                             \
    { "tls-client-key", "FILE", "client: private key of --tls-client-cert (default: the same file)",  \
      WEIR_VALUE_STRING },                                                                             \
    { "tls-cert", "FILE", "server: certificate chain (PEM); default an ephemeral self-signed one",     \
      WEIR_VALUE_STRING },                                                                             \
    { "tls-key", "FILE", "server: private key of --tls-cert (default: the same file)",                \
      WEIR_VALUE_STRING },                                                                             \
    { "tls-verify-client", "CAFILE", "server: require client certificates issued by a CA in CAFILE",  \
      WEIR_VALUE_STRING }

/* The options, read once by a plugin's init; read-only afterwards. */
struct trust_settings {
    /* client */
    const char *ca_file;
    int have_pin;
    unsigned char pin[FP_LEN];
    int insecure;
    const char *sni;
    const char *client_cert, *client_key;
    /* server */
    const char *cert, *key;
    const char *verify_client;
};

/* Read and check them: WEIR_OK, or WEIR_E_USAGE with the error set (an
 * empty value, a file that cannot be read, a malformed fingerprint,
 * settings that contradict each other). */
int trust_read(const struct weir_host *host, struct trust_settings *set);
/* The -c host is an IP address, which no server name (SNI) carries: IPv4,
 * IPv6, or a scoped IPv6 address ("fe80::1%eth0"). */
int trust_host_is_address(const char *host);

/* The server's info line with its certificate's fingerprint (fp), the
 * same in every transport: scripts read the fingerprint from it. */
void trust_show_fingerprint(const struct weir_host *host, const struct trust_settings *set,
                            const unsigned char fp[FP_LEN]);

#endif
