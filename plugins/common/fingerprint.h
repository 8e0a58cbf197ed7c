/* SHA-256 certificate fingerprints as weir prints and reads them, one form
 * for every transport that pins a peer's certificate (tls, quic): 32 bytes,
 * printed "AB:CD:...:EF" in capitals; read with or without the colons, in
 * either case, with or without openssl's "sha256 Fingerprint=" prefix (or
 * "sha256:"), so what `openssl x509 -fingerprint -sha256` prints can be
 * pasted. Computing one is the TLS library's business. */
#ifndef WEIR_COMMON_FINGERPRINT_H
#define WEIR_COMMON_FINGERPRINT_H

#define FP_LEN 32                   /* SHA-256 */
#define FP_TEXT (FP_LEN * 3)        /* "AB:CD:...:EF" and a NUL */

void fp_text(const unsigned char fp[FP_LEN], char out[FP_TEXT]);
/* 0, or -1 when text is not one fingerprint. */
int fp_parse(const char *text, unsigned char fp[FP_LEN]);

#endif
