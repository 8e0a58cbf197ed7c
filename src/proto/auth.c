#include "proto/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static void ssl_reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s", what, *buf ? ": " : "", buf);
}

static EVP_PKEY *load_key(const char *path, int private, char *err, size_t errlen)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        ERR_clear_error();
        return NULL;
    }
    /* An empty passphrase callback: a protected key fails instead of prompting. */
    EVP_PKEY *k = private ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"")
                          : PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k) {
        char what[512];
        snprintf(what, sizeof what, "'%s' is not a PEM %s key", path,
                 private ? "RSA private (without passphrase)" : "RSA public (\"PUBLIC KEY\")");
        ssl_reason(err, errlen, what);
        return NULL;
    }
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
        snprintf(err, errlen, "'%s' is not an RSA key", path);
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

EVP_PKEY *auth_load_public_key(const char *path, char *err, size_t errlen)
{
    return load_key(path, 0, err, errlen);
}

EVP_PKEY *auth_load_private_key(const char *path, char *err, size_t errlen)
{
    return load_key(path, 1, err, errlen);
}

char *auth_make_token(EVP_PKEY *pub, const char *user, const char *password, int64_t ts,
                      int pkcs1, char *err, size_t errlen)
{
    char plain[3 * AUTH_MAX_FIELD];
    int n = snprintf(plain, sizeof plain, "user: %s\npwd:  %s\nts:   %" PRId64, user, password, ts);
    if (n < 0 || (size_t)n >= sizeof plain || strlen(user) >= AUTH_MAX_FIELD ||
        strlen(password) >= AUTH_MAX_FIELD) {
        snprintf(err, errlen, "user name or password too long");
        return NULL;
    }
    char *token = NULL;
    unsigned char *ct = NULL;
    size_t ctlen = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
    if (!ctx || EVP_PKEY_encrypt_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, pkcs1 ? RSA_PKCS1_PADDING : RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_encrypt(ctx, NULL, &ctlen, (const unsigned char *)plain, (size_t)n) <= 0 ||
        !(ct = malloc(ctlen)) ||
        EVP_PKEY_encrypt(ctx, ct, &ctlen, (const unsigned char *)plain, (size_t)n) <= 0) {
        ssl_reason(err, errlen, "RSA encryption failed");
        goto out;
    }
    token = malloc(4 * ((ctlen + 2) / 3) + 1);
    if (!token) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    EVP_EncodeBlock((unsigned char *)token, ct, (int)ctlen);
out:
    OPENSSL_cleanse(plain, sizeof plain);
    free(ct);
    EVP_PKEY_CTX_free(ctx);
    return token;
}

/* Standard Base64 with '=' padding and nothing else. Returns the decoded
 * length or -1. */
static int b64_decode(const char *in, unsigned char **out)
{
    size_t len = strlen(in);
    if (len == 0 || len % 4 != 0 || len > 65536)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 ch == '+' || ch == '/' || (ch == '=' && i >= len - 2);
        if (!ok || (i == len - 2 && ch == '=' && in[len - 1] != '='))
            return -1;
    }
    unsigned char *buf = malloc(len / 4 * 3 + 1);
    if (!buf)
        return -1;
    int n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)len);
    if (n < 0) {
        free(buf);
        return -1;
    }
    n -= (in[len - 1] == '=') + (in[len - 2] == '=');
    *out = buf;
    return n;
}

static int rsa_decrypt(EVP_PKEY *priv, int padding, const unsigned char *ct, size_t ctlen,
                       unsigned char *out, size_t *outlen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(priv, NULL);
    size_t cap = *outlen;
    int ok = ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, padding) > 0 &&
             EVP_PKEY_decrypt(ctx, NULL, outlen, ct, ctlen) > 0 && *outlen <= cap &&
             EVP_PKEY_decrypt(ctx, out, outlen, ct, ctlen) > 0;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok ? 0 : -1;
}

/* "PREFIX" then text up to '\n' (or the end if last). */
static const char *field(const char *p, const char *prefix, char *out, size_t outlen, int last)
{
    size_t pl = strlen(prefix);
    if (strncmp(p, prefix, pl) != 0)
        return NULL;
    p += pl;
    const char *end = last ? p + strlen(p) : strchr(p, '\n');
    if (!end || end == p || (size_t)(end - p) >= outlen)
        return NULL;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return last ? end : end + 1;
}

int auth_open_token(EVP_PKEY *priv, const char *token, int accept_pkcs1,
                    char user[AUTH_MAX_FIELD], char password[AUTH_MAX_FIELD], int64_t *ts,
                    char *err, size_t errlen)
{
    unsigned char *ct = NULL;
    int ctlen = b64_decode(token, &ct);
    if (ctlen < 0) {
        snprintf(err, errlen, "the token is not valid Base64");
        return -1;
    }
    if ((size_t)ctlen != (size_t)EVP_PKEY_get_size(priv)) {
        snprintf(err, errlen, "the token has %d bytes, the key's modulus %d", ctlen, EVP_PKEY_get_size(priv));
        free(ct);
        return -1;
    }
    unsigned char plain[3 * AUTH_MAX_FIELD + 64];
    size_t plen = sizeof plain - 1;
    /* OAEP first: PKCS#1 v1.5 decryption with implicit rejection would
     * turn an OAEP block into random bytes instead of failing. */
    int rc = rsa_decrypt(priv, RSA_PKCS1_OAEP_PADDING, ct, (size_t)ctlen, plain, &plen);
    if (rc != 0 && accept_pkcs1) {
        plen = sizeof plain - 1;
        rc = rsa_decrypt(priv, RSA_PKCS1_PADDING, ct, (size_t)ctlen, plain, &plen);
    }
    free(ct);
    if (rc != 0) {
        snprintf(err, errlen, "the token does not decrypt with the private key (%s)",
                 accept_pkcs1 ? "OAEP or PKCS#1 v1.5 padding"
                              : "OAEP padding; an iperf3 <= 3.16 client needs --use-pkcs1-padding");
        return -1;
    }
    plain[plen] = '\0';
    char tsbuf[32];
    const char *p = (const char *)plain;
    if (strlen(p) != plen || !(p = field(p, "user: ", user, AUTH_MAX_FIELD, 0)) ||
        !(p = field(p, "pwd:  ", password, AUTH_MAX_FIELD, 0)) ||
        !(p = field(p, "ts:   ", tsbuf, sizeof tsbuf, 1))) {
        OPENSSL_cleanse(plain, sizeof plain);
        snprintf(err, errlen, "the decrypted token is malformed");
        return -1;
    }
    OPENSSL_cleanse(plain, sizeof plain);
    char *end;
    errno = 0;
    long long t = strtoll(tsbuf, &end, 10);
    if (*end != '\0' || errno) {
        snprintf(err, errlen, "the token's timestamp '%s' is malformed", tsbuf);
        return -1;
    }
    *ts = t;
    return 0;
}

int auth_user_hash(const char *user, const char *password, char out[65])
{
    size_t ul = strlen(user), pl = strlen(password);
    char *s = malloc(ul + pl + 3);
    if (!s)
        return -1;
    s[0] = '{';
    memcpy(s + 1, user, ul);
    s[ul + 1] = '}';
    memcpy(s + ul + 2, password, pl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(s, ul + pl + 2, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
    OPENSSL_cleanse(s, ul + pl + 2);
    free(s);
    if (!ok)
        return -1;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

int auth_check_users_file(const char *path, const char *user, const char *password,
                          char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    char want[65];
    if (auth_user_hash(user, password, want)) {
        fclose(f);
        snprintf(err, errlen, "cannot compute SHA-256");
        return -1;
    }
    char line[1024];
    int found = 0, match = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *comma = strchr(line, ',');
        if (!comma)
            continue;
        *comma = '\0';
        if (strcmp(line, user) != 0)
            continue;
        found = 1;
        char have[65];
        snprintf(have, sizeof have, "%-64.64s", comma + 1);
        /* Lower-case a hash written in upper case. */
        for (int i = 0; i < 64; i++)
            if (have[i] >= 'A' && have[i] <= 'F')
                have[i] = (char)(have[i] - 'A' + 'a');
        match |= CRYPTO_memcmp(have, want, 64) == 0 && strlen(comma + 1) == 64;
    }
    fclose(f);
    OPENSSL_cleanse(want, sizeof want);
    if (!found) {
        snprintf(err, errlen, "unknown user '%s'", user);
        return 1;
    }
    if (!match) {
        snprintf(err, errlen, "wrong password for user '%s'", user);
        return 1;
    }
    return 0;
}

int auth_server_check(EVP_PKEY *priv, const char *users_path, int accept_pkcs1, int skew_threshold,
                      const char *token, int64_t now, char *err, size_t errlen)
{
    if (!token) {
        snprintf(err, errlen, "the client sent no credentials");
        return -1;
    }
    char user[AUTH_MAX_FIELD], password[AUTH_MAX_FIELD];
    int64_t ts;
    if (auth_open_token(priv, token, accept_pkcs1, user, password, &ts, err, errlen))
        return -1;
    int rc = 0;
    int64_t skew = now > ts ? now - ts : ts - now;
    if (skew > skew_threshold) {
        snprintf(err, errlen, "user '%s': the clocks differ by %" PRId64 " s (more than %d s)",
                 user, skew, skew_threshold);
        rc = -1;
    } else if (auth_check_users_file(users_path, user, password, err, errlen) != 0) {
        rc = -1;
    }
    OPENSSL_cleanse(password, sizeof password);
    return rc;
}

int auth_get_password(const char *user, char *buf, size_t len)
{
    const char *env = getenv("IPERF3_PASSWORD");
    if (!env)
        env = getenv("WEIR_PASSWORD");
    if (env) {
        if (strlen(env) >= len)
            return -1;
        snprintf(buf, len, "%s", env);
        return 0;
    }
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || !isatty(fd) || !isatty(STDIN_FILENO)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct termios old, quiet;
    if (tcgetattr(fd, &old) != 0) {
        close(fd);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    char prompt[AUTH_MAX_FIELD + 32];
    int pn = snprintf(prompt, sizeof prompt, "Password for %s: ", user);
    if (write(fd, prompt, (size_t)pn) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        close(fd);
        return -1;
    }
    size_t n = 0;
    int rc = -1;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (ch == '\n' || ch == '\r') {
            rc = 0;
            break;
        }
        if (n + 1 < len)
            buf[n++] = ch;
    }
    buf[n] = '\0';
    tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* nothing to do */
    }
    close(fd);
    return rc;
}
