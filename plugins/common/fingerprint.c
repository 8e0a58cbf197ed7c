#include "fingerprint.h"

#include <ctype.h>
#include <strings.h>

void fp_text(const unsigned char fp[FP_LEN], char out[FP_TEXT])
{
    static const char hex[] = "0123456789ABCDEF";
    for (int i = 0; i < FP_LEN; i++) {
        out[3 * i] = hex[fp[i] >> 4];
        out[3 * i + 1] = hex[fp[i] & 15];
        out[3 * i + 2] = i + 1 < FP_LEN ? ':' : '\0';
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int fp_parse(const char *text, unsigned char fp[FP_LEN])
{
    int n = 0, half = -1;
    if (strncasecmp(text, "sha256 fingerprint=", 19) == 0)
        text += 19;
    else if (strncasecmp(text, "sha256:", 7) == 0)
        text += 7;
    for (const char *p = text; *p; p++) {
        if (*p == ':' || *p == ' ')
            continue;
        int v = hexval((unsigned char)*p);
        if (v < 0 || n == FP_LEN)
            return -1;
        if (half < 0) {
            half = v;
        } else {
            fp[n++] = (unsigned char)(half << 4 | v);
            half = -1;
        }
    }
    return n == FP_LEN && half < 0 ? 0 : -1;
}
