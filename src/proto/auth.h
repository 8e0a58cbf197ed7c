/* iperf3-compatible authentication (docs/protocol.md §10): the client's RSA
 * encrypted token ("user: U\npwd:  P\nts:   T", Base64) and the server's
 * check against an authorized-users file of "username,sha256hex" lines,
 * where the hash is sha256("{username}password"). */
#ifndef WEIR_AUTH_H
#define WEIR_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define AUTH_DEFAULT_SKEW 10        /* seconds, iperf3's default */
#define AUTH_MAX_FIELD 256

/* Key files (PEM). NULL on failure with a reason in err. */
EVP_PKEY *auth_load_public_key(const char *path, char *err, size_t errlen);
EVP_PKEY *auth_load_private_key(const char *path, char *err, size_t errlen);

/* Client: the Base64 token for user/password at time ts. pkcs1 selects
 * PKCS#1 v1.5 padding (iperf3 <= 3.16 servers), else OAEP. Returns a
 * malloc'd string or NULL (reason in err). */
char *auth_make_token(EVP_PKEY *pub, const char *user, const char *password, int64_t ts,
                      int pkcs1, char *err, size_t errlen);

/* Server side of the token: decode and decrypt (OAEP; with accept_pkcs1
 * also PKCS#1 v1.5) and parse the three fields. Returns 0, or -1 with a
 * reason in err. */
int auth_open_token(EVP_PKEY *priv, const char *token, int accept_pkcs1,
                    char user[AUTH_MAX_FIELD], char password[AUTH_MAX_FIELD], int64_t *ts,
                    char *err, size_t errlen);

/* Lower-case hex sha256("{user}password") into out[65]. Returns 0 or -1. */
int auth_user_hash(const char *user, const char *password, char out[65]);

/* Look user/password up in a users file, comparing the hash in constant
 * time. Returns 0 if they match, 1 if not (reason in err), -1 if the file
 * cannot be read. */
int auth_check_users_file(const char *path, const char *user, const char *password,
                          char *err, size_t errlen);

/* The whole server check: token -> fields -> clock skew -> users file.
 * Returns 0 if authorized, else -1 with a reason in err. */
int auth_server_check(EVP_PKEY *priv, const char *users_path, int accept_pkcs1, int skew_threshold,
                      const char *token, int64_t now, char *err, size_t errlen);

/* Client password: $IPERF3_PASSWORD, $WEIR_PASSWORD, else a prompt on the
 * terminal without echo. Returns 0 or -1 (no terminal, or read failed). */
int auth_get_password(const char *user, char *buf, size_t len);

#endif
