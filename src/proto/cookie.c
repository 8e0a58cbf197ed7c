#include "proto/cookie.h"

#include <string.h>
#include <sys/random.h>

int cookie_make(unsigned char cookie[WEIR_COOKIE_SIZE])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    unsigned char raw[WEIR_COOKIE_SIZE];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return -1;
    for (int i = 0; i < WEIR_COOKIE_SIZE - 1; i++)
        cookie[i] = (unsigned char)alphabet[raw[i] % 32];
    cookie[WEIR_COOKIE_SIZE - 1] = 0;
    return 0;
}

int cookie_equal(const unsigned char *a, const unsigned char *b)
{
    return strncmp((const char *)a, (const char *)b, WEIR_COOKIE_SIZE) == 0;
}
