#include "transport_fixture.h"

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
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

static int in_list(const char *const *list, const char *name)
{
    int n = 0;
    for (; list && *list; list++)
        n += strcmp(*list, name) == 0;
    return n;
}

void expect_param_lists(const struct weir_transport_ops *t, const char *const *refused)
{
    static const char *const all[] = {
        WEIR_PARAM_CONGESTION, WEIR_PARAM_MSS, WEIR_PARAM_NODELAY, WEIR_PARAM_TOS,
        WEIR_PARAM_ZEROCOPY, WEIR_PARAM_SKIP_RX_COPY, WEIR_PARAM_FLOWLABEL, WEIR_PARAM_GSO,
        WEIR_PARAM_GRO, WEIR_PARAM_GSO_DG_SIZE, WEIR_PARAM_DONT_FRAGMENT, WEIR_PARAM_FQ_RATE,
        WEIR_PARAM_BIND_DEV, WEIR_PARAM_MPTCP, WEIR_PARAM_UDP_COUNTERS_64BIT,
        WEIR_PARAM_SND_TIMEOUT_MS, NULL
    };
    for (const char *const *p = all; *p; p++) {
        int want = in_list(refused, *p) ? 0 : 1;
        int got = in_list(t->params_honoured, *p) + in_list(t->params_ignored, *p);
        if (got != want)
            fprintf(stderr, "\n  %s: in %d of the lists, want %d\n", *p, got, want);
        CU_ASSERT_EQUAL(got, want);
    }
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
        .timeout_ms = 2000,
    };
    return c;
}

struct json_text {
    char *buf;
    size_t len, used;
    char group[64];             /* the nested object open, "" for none */
};

static void json_put(struct json_text *j, const char *fmt, ...)
{
    if (j->used + 1 >= j->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->used, j->len - j->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        j->used = j->used + (size_t)n < j->len ? j->used + (size_t)n : j->len - 1;
}

static void json_fact(void *ctx, const char *key, const struct weir_value *v)
{
    struct json_text *j = ctx;
    const char *dot = strchr(key, '.');
    size_t glen = dot ? (size_t)(dot - key) : 0;
    int same = dot && j->group[0] && strlen(j->group) == glen && strncmp(j->group, key, glen) == 0;
    if (j->group[0] && !same) {
        json_put(j, "}");
        j->group[0] = '\0';
    }
    if (same) {
        json_put(j, ",");
    } else {
        if (j->used > 1)
            json_put(j, ",");
        if (dot) {
            snprintf(j->group, sizeof j->group, "%.*s", (int)glen, key);
            json_put(j, "\"%s\":{", j->group);
        }
    }
    json_put(j, "\"%s\":", dot ? dot + 1 : key);
    switch (v->type) {
    case WEIR_VALUE_BOOL: json_put(j, "%s", v->v.b ? "true" : "false"); break;
    case WEIR_VALUE_INT: json_put(j, "%lld", (long long)v->v.i); break;
    case WEIR_VALUE_UINT: json_put(j, "%llu", (unsigned long long)v->v.u); break;
    case WEIR_VALUE_DOUBLE: json_put(j, "%g", v->v.d); break;
    case WEIR_VALUE_STRING: json_put(j, "\"%s\"", v->v.s); break;
    default: json_put(j, "null"); break;
    }
}

int describe_json(const struct weir_transport_ops *t, void *stream, char *buf, size_t len)
{
    struct json_text j = { .buf = buf, .len = len };
    struct weir_fact_sink sink = { &j, json_fact };
    json_put(&j, "{");
    int rc = t->describe(stream, &sink);
    if (j.group[0])
        json_put(&j, "}");
    json_put(&j, "}");
    return rc;
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

int sockopt_int(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0)
        return -1;
    return v;
}
