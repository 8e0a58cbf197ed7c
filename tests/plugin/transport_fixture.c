#include "transport_fixture.h"

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const struct weir_transport_ops *load_transport(const char *name, const struct weir_plugin **plug,
                                                void **g)
{
    *plug = mock_host_load_built(name, name);
    if (*plug == NULL || (*plug)->transport == NULL) {
        fprintf(stderr, "cannot load the %s transport plugin\n", name);
        return NULL;
    }
    const struct weir_transport_ops *t = (*plug)->transport;
    if (g != NULL && t->init && t->init(mock_host(), g) != WEIR_OK) {
        fprintf(stderr, "%s init failed\n", name);
        return NULL;
    }
    return t;
}

void expect_transport_descriptor(const struct weir_plugin *plug, const char *name, uint32_t caps,
                                 const char *wire_key, const char *wire_label)
{
    const struct weir_transport_ops *t = plug->transport;
    CU_ASSERT_EQUAL(plug->abi_major, WEIR_ABI_MAJOR);
    CU_ASSERT_EQUAL(plug->struct_size, sizeof(struct weir_plugin));
    CU_ASSERT_EQUAL(plug->kind, WEIR_PLUGIN_TRANSPORT);
    CU_ASSERT_STRING_EQUAL(plug->name, name);
    CU_ASSERT_EQUAL(t->struct_size, sizeof(struct weir_transport_ops));
    CU_ASSERT_EQUAL(t->caps, caps);
    CU_ASSERT_STRING_EQUAL(t->wire_key, wire_key);
    CU_ASSERT_STRING_EQUAL(t->wire_label, wire_label);
}

struct weir_stream_config loopback_stream_config(uint16_t port, int sending, uint32_t blksize)
{
    struct weir_stream_config c = {
        .struct_size = sizeof c,
        .family = AF_INET,
        .host = "127.0.0.1",
        .port = port,
        .sending = sending,
        .blksize = blksize,
        .tos = -1,
        .timeout_ms = 2000,
    };
    return c;
}

uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int wait_readable(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, ms) == 1;
}

int loopback_listener(int family, int backlog, int nonblock, uint16_t *port)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

int loopback_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

int front_door_take(int lfd, const unsigned char *cookie, int ms)
{
    if (!wait_readable(lfd, ms))
        return -1;
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    unsigned char got[WEIR_COOKIE_SIZE];
    size_t n = 0;
    while (n < sizeof got && wait_readable(fd, ms)) {
        ssize_t r = read(fd, got + n, sizeof got - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    if (n != sizeof got || memcmp(got, cookie, sizeof got) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int sockopt_int(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0)
        return -1;
    return v;
}
