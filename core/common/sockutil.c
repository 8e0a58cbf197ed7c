#include "sockutil.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

int weir_fill_payload(unsigned char *buf, size_t len, int repeating)
{
    if (repeating) {
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)('0' + i % 10);
        return 0;
    }
    /* getrandom() may return short for large requests or on a signal. */
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0)
            got += (size_t)n;
    }
    return 0;
}

int weir_bind_local(int fd, int socktype, const struct weir_stream_config *cfg, int family,
                    char *why, size_t whylen)
{
    struct addrinfo hints = { .ai_family = family, .ai_socktype = socktype,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    char port[8];

    snprintf(port, sizeof port, "%u", (unsigned)cfg->cport);
    int rc = getaddrinfo(cfg->bind_host, port, &hints, &res);
    if (rc != 0) {
        snprintf(why, whylen, "bind address %s: %s",
                 cfg->bind_host ? cfg->bind_host : "*", gai_strerror(rc));
        return -1;
    }
    rc = bind(fd, res->ai_addr, res->ai_addrlen);
    if (rc < 0)
        snprintf(why, whylen, "bind %s port %u: %s", cfg->bind_host ? cfg->bind_host : "*",
                 (unsigned)cfg->cport, strerror(errno));
    freeaddrinfo(res);
    return rc;
}
