#include "exporter/hostname.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63

int hostname_valid(const char *name, char *why, size_t len)
{
    size_t n = strlen(name);
    if (n > 0 && name[n - 1] == '.')
        n--;
    if (n == 0) {
        snprintf(why, len, "empty host name");
        return 0;
    }
    if (n > NAME_MAX_LEN) {
        snprintf(why, len, "host name longer than %d characters", NAME_MAX_LEN);
        return 0;
    }
    size_t start = 0;
    int all_digits = 1;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && name[i] != '.') {
            unsigned char ch = (unsigned char)name[i];
            if (!isalnum(ch) && ch != '-') {
                snprintf(why, len, "character '%c' in host name", isprint(ch) ? ch : '?');
                return 0;
            }
            all_digits &= isdigit(ch) != 0;
            continue;
        }
        size_t label = i - start;
        if (label == 0) {
            snprintf(why, len, "empty label in host name");
            return 0;
        }
        if (label > LABEL_MAX_LEN) {
            snprintf(why, len, "label longer than %d characters in host name", LABEL_MAX_LEN);
            return 0;
        }
        if (name[start] == '-' || name[i - 1] == '-') {
            snprintf(why, len, "label beginning or ending with '-' in host name");
            return 0;
        }
        if (i == n && all_digits) {
            snprintf(why, len, "numeric last label: neither a host name nor an IPv4 address");
            return 0;
        }
        start = i + 1;
        all_digits = 1;
    }
    return 1;
}

int hostname_is_address(const char *text)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}
