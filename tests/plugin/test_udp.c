/* The udp transport plugin against the mock host, over loopback.
 *
 * Streams are opened both through the plugin on both ends (client_open runs
 * in a thread, since it waits for the server's reply) and against plain
 * sockets playing the other end, which see the exact datagrams on the wire
 * or send crafted ones. */
#include "run_suites.h"
#include "transport_fixture.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLK 1000u
#define IO_WAIT_MS 3000

static const struct weir_plugin *plug;
static const struct weir_transport_ops *T;
static void *G;
static int ctl_fd = -1;         /* a TCP listener standing for the control port */
static uint16_t port;           /* its port, which the UDP listener shares */

static const unsigned char HELLO[4] = { '9', '8', '7', '6' };
static const unsigned char REPLY[4] = { '6', '7', '8', '9' };
static const unsigned char LEGACY[4] = { 0xb1, 0x68, 0xde, 0x3a };

/* ---------------------------------------------------------------- helpers */

/* sendmmsg/recvmmsg as the plugin sees them: the program is linked with
 * -export-dynamic, so these definitions come before libc's. With
 * mmsg_enosys set they fail as on a kernel (or seccomp filter) without
 * them. (Default visibility: the tests are built with hidden.) */
static int mmsg_enosys;

__attribute__((visibility("default")))
int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
    static int (*real)(int, struct mmsghdr *, unsigned int, int);
    if (mmsg_enosys) {
        errno = ENOSYS;
        return -1;
    }
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sendmmsg");
    return real(fd, v, n, flags);
}

__attribute__((visibility("default")))
int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *tmo)
{
    static int (*real)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
    if (mmsg_enosys) {
        errno = ENOSYS;
        return -1;
    }
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "recvmmsg");
    return real(fd, v, n, flags, tmo);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static struct sockaddr_in lo(uint16_t p)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    return a;
}

/* A plain UDP socket on 127.0.0.1 (port 0: any); *p gets its port. */
static int udp_sock(uint16_t want, uint16_t *p)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = lo(want);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (p)
        *p = ntohs(a.sin_port);
    return fd;
}

/* A plain UDP socket connected to 127.0.0.1:to (so it hears only that). */
static int udp_peer(uint16_t to)
{
    int fd = udp_sock(0, NULL);
    struct sockaddr_in a = lo(to);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* No transport parameters: gso and gro not given, the plugin decides. */
static struct weir_stream_config base_cfg(int sending)
{
    return loopback_stream_config(port, sending, BLK);
}

/* --udp-counters-64bit when seq64, and gso/gro as the core passes them:
 * -1 not given, 0 refused, 1 asked for. */
static void udp_params(struct weir_param_set *tp, int seq64, int gso, int gro)
{
    memset(tp, 0, sizeof *tp);
    if (seq64)
        mock_param_bool(tp, WEIR_PARAM_UDP_COUNTERS_64BIT, 1);
    if (gso >= 0)
        mock_param_bool(tp, WEIR_PARAM_GSO, gso);
    if (gro >= 0)
        mock_param_bool(tp, WEIR_PARAM_GRO, gro);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A datagram as a sender would make it: timestamp now + offset_ns. */
static void craft(unsigned char *buf, uint64_t seq, int seq64, int64_t offset_ns)
{
    uint64_t t = mono_ns() + (uint64_t)offset_ns;
    put32(buf, (uint32_t)(t / 1000000000u));
    put32(buf + 4, (uint32_t)(t % 1000000000u / 1000u));
    if (seq64) {
        put32(buf + 8, (uint32_t)(seq >> 32));
        put32(buf + 12, (uint32_t)seq);
    } else {
        put32(buf + 8, (uint32_t)seq);
    }
}

/* client_open in a thread, since it blocks until the server answers. */
struct opener {
    struct weir_stream_config cfg;
    void *stream;
    int rc;
    pthread_t th;
};

static void *open_main(void *arg)
{
    struct opener *o = arg;
    o->rc = T->client_open(G, &o->cfg, &o->stream);
    return NULL;
}

static void open_start(struct opener *o, const struct weir_stream_config *cfg)
{
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->rc = -1;
    CU_ASSERT_FATAL(pthread_create(&o->th, NULL, open_main, o) == 0);
}

static int open_finish(struct opener *o)
{
    pthread_join(o->th, NULL);
    return o->rc;
}

/* Wait on the listener's poll fd and accept one stream. */
static int accept_one(void *l, int pfd, const struct weir_stream_config *cfg, void **s)
{
    uint64_t end = now_ms() + IO_WAIT_MS;
    *s = NULL;
    while (now_ms() < end) {
        if (!wait_readable(pfd, (int)(end - now_ms())))
            break;
        int rc = T->server_accept(G, l, cfg, s);
        if (rc != WEIR_E_AGAIN)
            return rc;
    }
    return WEIR_E_AGAIN;
}

static void *listen_on(const struct weir_stream_config *cfg, int *pfd)
{
    void *l = NULL;
    *pfd = -1;
    CU_ASSERT_EQUAL_FATAL(T->server_listen(G, cfg, ctl_fd, &l, pfd), WEIR_OK);
    CU_ASSERT(*pfd >= 0);
    return l;
}

/* A client stream and a server stream, both through the plugin. */
static void open_pair(const struct weir_stream_config *ccfg, const struct weir_stream_config *scfg,
                      void **cs, void **ss)
{
    int pfd;
    void *l = listen_on(scfg, &pfd);
    struct opener o;
    open_start(&o, ccfg);
    CU_ASSERT_EQUAL(accept_one(l, pfd, scfg, ss), WEIR_OK);
    CU_ASSERT_EQUAL(open_finish(&o), WEIR_OK);
    *cs = o.stream;
    T->server_unlisten(G, l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(*cs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(*ss);
}

/* Receive on a plugin stream until n datagrams arrived (or a timeout). */
static void recv_n(void *s, uint64_t n, struct weir_counters *c, struct weir_io *tot)
{
    uint64_t end = now_ms() + IO_WAIT_MS;
    while (tot->blocks < n && now_ms() < end) {
        if (!wait_readable(T->stream_fd(s), 100))
            continue;
        struct weir_io io = { 0, 0 };
        int rc = T->recv(s, c, &io);
        CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_AGAIN);
        tot->bytes += io.bytes;
        tot->blocks += io.blocks;
    }
}

/* Send n datagrams on a plugin stream (several calls if need be). */
static void send_n(void *s, uint32_t n, struct weir_counters *c, struct weir_io *tot)
{
    uint64_t end = now_ms() + IO_WAIT_MS;
    while (tot->blocks < n && now_ms() < end) {
        struct weir_io io = { 0, 0 };
        int rc = T->send(s, n - (uint32_t)tot->blocks, c, &io);
        CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_AGAIN);
        tot->bytes += io.bytes;
        tot->blocks += io.blocks;
    }
}

/* A server stream whose peer is a plain socket, connected to the server
 * port, that has done the hello; and what the stream counted. */
struct crafted {
    void *s;
    int peer;
    struct weir_counters c;
    struct weir_io tot;
};

/* gro as in the stream config. */
static void crafted_open(struct crafted *k, int seq64, uint32_t blksize, int gro)
{
    memset(k, 0, sizeof *k);
    struct weir_param_set tp;
    udp_params(&tp, seq64, -1, gro);
    struct weir_stream_config cfg = base_cfg(0);
    cfg.params = &tp;
    cfg.blksize = blksize;
    int pfd;
    void *l = listen_on(&cfg, &pfd);
    k->peer = udp_peer(port);
    CU_ASSERT_FATAL(k->peer >= 0);
    CU_ASSERT_EQUAL(send(k->peer, HELLO, 4, 0), 4);
    CU_ASSERT_EQUAL(accept_one(l, pfd, &cfg, &k->s), WEIR_OK);
    T->server_unlisten(G, l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k->s);
    unsigned char got[8];
    CU_ASSERT_TRUE(wait_readable(k->peer, IO_WAIT_MS));
    CU_ASSERT_EQUAL(recv(k->peer, got, sizeof got, 0), 4);
    CU_ASSERT_EQUAL(memcmp(got, REPLY, 4), 0);
}

/* Receive on the stream until n datagrams in all (or a timeout). */
static void crafted_recv(struct crafted *k, uint64_t n)
{
    recv_n(k->s, n, &k->c, &k->tot);
}

static void crafted_close(struct crafted *k)
{
    T->close(k->s);
    close(k->peer);
}

/* Send crafted datagrams with the given sequence numbers from peer. */
static void send_seqs(int peer, const uint64_t *seqs, size_t n, int seq64, uint32_t len)
{
    unsigned char buf[2048];
    memset(buf, 'x', sizeof buf);
    for (size_t i = 0; i < n; i++) {
        craft(buf, seqs[i], seq64, 0);
        CU_ASSERT_EQUAL(send(peer, buf, len, 0), (ssize_t)len);
    }
}

/* ---------------------------------------------------------------- tests */

static void test_descriptor(void)
{
    expect_transport_descriptor(plug, "udp", WEIR_CAP_DATAGRAM | WEIR_CAP_STREAM_TAG | WEIR_CAP_MSS_BLKSIZE,
                                "udp", "UDP");
    CU_ASSERT_PTR_NOT_NULL_FATAL(plug->options);
    const char *want[] = { "udp-no-gso", "udp-no-gro", "udp-no-batch" };
    int k = 0;
    for (const struct weir_option *o = plug->options; o->name; o++, k++) {
        CU_ASSERT_FATAL(k < 3);
        CU_ASSERT_STRING_EQUAL(o->name, want[k]);
        CU_ASSERT_PTR_NULL(o->arg);             /* flags */
        CU_ASSERT_PTR_NOT_NULL(o->help);
    }
    CU_ASSERT_EQUAL(k, 3);
    /* iperf3's UDP rules: the MSS or 1460, 16 to 65507 (IEUDPBLOCKSIZE
     * outside), 1 Mbit/s without -b. */
    CU_ASSERT_EQUAL(T->default_blksize, 1460);
    CU_ASSERT_EQUAL(T->blksize_min, 16);
    CU_ASSERT_EQUAL(T->blksize_max, 65507);
    CU_ASSERT_EQUAL(T->blksize_error, WEIR_E_UDPBLOCKSIZE);
    CU_ASSERT_EQUAL(T->default_rate, 1048576);
    CU_ASSERT_PTR_NOT_NULL(T->client_open);
    CU_ASSERT_PTR_NOT_NULL(T->server_listen);
    CU_ASSERT_PTR_NOT_NULL(T->server_accept);
    CU_ASSERT_PTR_NOT_NULL(T->server_unlisten);
    CU_ASSERT_PTR_NOT_NULL(T->stream_fd);
    CU_ASSERT_PTR_NOT_NULL(T->send);
    CU_ASSERT_PTR_NOT_NULL(T->recv);
    CU_ASSERT_PTR_NOT_NULL(T->close);
    CU_ASSERT_PTR_NULL(T->info);
    CU_ASSERT_PTR_NOT_NULL(T->describe);
    /* iperf3 takes every option with -u: none is refused. */
    expect_param_lists(T, NULL);
}

/* Client sends, server receives: exact counts both sides, both sockets
 * connected to each other, the server's on the server port. */
static void check_transfer(uint32_t blksize, int seq64, uint32_t n)
{
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    struct weir_param_set tp;
    udp_params(&tp, seq64, -1, -1);
    ccfg.blksize = scfg.blksize = blksize;
    ccfg.params = scfg.params = &tp;
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);

    struct sockaddr_in a, b;
    socklen_t len = sizeof a;
    CU_ASSERT_EQUAL(getsockname(T->stream_fd(ss), (struct sockaddr *)&a, &len), 0);
    CU_ASSERT_EQUAL(ntohs(a.sin_port), port);
    len = sizeof b;
    CU_ASSERT_EQUAL(getpeername(T->stream_fd(cs), (struct sockaddr *)&b, &len), 0);
    CU_ASSERT_EQUAL(ntohs(b.sin_port), port);

    struct weir_counters cc, sc;
    memset(&cc, 0, sizeof cc);
    memset(&sc, 0, sizeof sc);
    struct weir_io ct = { 0, 0 }, st = { 0, 0 };
    send_n(cs, n, &cc, &ct);
    CU_ASSERT_EQUAL(ct.blocks, n);
    CU_ASSERT_EQUAL(ct.bytes, (uint64_t)n * blksize);
    CU_ASSERT_EQUAL(cc.packets, n);
    recv_n(ss, n, &sc, &st);
    CU_ASSERT_EQUAL(st.blocks, n);
    CU_ASSERT_EQUAL(st.bytes, (uint64_t)n * blksize);
    CU_ASSERT_EQUAL(sc.packets, n);
    CU_ASSERT_EQUAL(sc.lost, 0);
    CU_ASSERT_EQUAL(sc.out_of_order, 0);
    /* Nothing more. */
    struct weir_io io = { 0, 0 };
    CU_ASSERT_EQUAL(T->recv(ss, &sc, &io), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(io.blocks, 0);
    T->close(cs);
    T->close(ss);
}

static void test_transfer(void)
{
    check_transfer(BLK, 0, 1);
    check_transfer(BLK, 0, 40);        /* GSO-sized batches where the kernel has it */
    check_transfer(BLK, 1, 40);
    check_transfer(40000, 0, 5);       /* one datagram per message */
    check_transfer(16, 0, 64);         /* smallest datagram */
    check_transfer(65507, 1, 3);       /* largest datagram */
}

/* Without sendmmsg/recvmmsg: one sendmsg per message (GSO ones too), one
 * recvmsg per call. */
static void test_no_mmsg(void)
{
    mmsg_enosys = 1;
    check_transfer(BLK, 0, 40);
    check_transfer(40000, 1, 5);
    mmsg_enosys = 0;
}

/* Reverse: the server's stream sends, the client's receives. */
static void test_reverse(void)
{
    struct weir_stream_config ccfg = base_cfg(0), scfg = base_cfg(1);
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    struct weir_counters cc, sc;
    memset(&cc, 0, sizeof cc);
    memset(&sc, 0, sizeof sc);
    struct weir_io ct = { 0, 0 }, st = { 0, 0 };
    send_n(ss, 20, &sc, &st);
    CU_ASSERT_EQUAL(sc.packets, 20);
    recv_n(cs, 20, &cc, &ct);
    CU_ASSERT_EQUAL(ct.blocks, 20);
    CU_ASSERT_EQUAL(ct.bytes, 20u * BLK);
    CU_ASSERT_EQUAL(cc.packets, 20);
    CU_ASSERT_EQUAL(cc.lost, 0);
    T->close(cs);
    T->close(ss);
}

/* The datagrams on the wire, seen by a plain socket playing the server:
 * the hello bytes, exact sizes, sequence from 1, a monotonic timestamp,
 * the payload unchanged from datagram to datagram. */
static void check_wire(uint32_t blksize, int seq64, int repeating, uint32_t n, int no_check)
{
    uint16_t sport;
    int srv = udp_sock(0, &sport);
    CU_ASSERT_FATAL(srv >= 0);
    struct weir_stream_config cfg = base_cfg(1);
    cfg.port = sport;
    struct weir_param_set tp;
    udp_params(&tp, seq64, -1, -1);
    cfg.blksize = blksize;
    cfg.params = &tp;
    cfg.repeating_payload = repeating;
    struct opener o;
    open_start(&o, &cfg);

    unsigned char *buf = malloc(65536), *first = malloc(65536);
    CU_ASSERT_FATAL(buf && first);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    CU_ASSERT_TRUE(wait_readable(srv, IO_WAIT_MS));
    ssize_t got = recvfrom(srv, buf, 65536, 0, (struct sockaddr *)&from, &flen);
    CU_ASSERT_EQUAL(got, 4);
    CU_ASSERT_EQUAL(memcmp(buf, HELLO, 4), 0);
    CU_ASSERT_EQUAL(connect(srv, (struct sockaddr *)&from, flen), 0);
    CU_ASSERT_EQUAL(send(srv, REPLY, 4, 0), 4);
    CU_ASSERT_EQUAL_FATAL(open_finish(&o), WEIR_OK);
    void *cs = o.stream;
    /* Without UDP checksums the kernel refuses GSO sends (EINVAL): the
     * stream must fall back to one datagram per message. */
    int one = 1;
    if (no_check)
        CU_ASSERT_EQUAL(setsockopt(T->stream_fd(cs), SOL_SOCKET, SO_NO_CHECK, &one, sizeof one), 0);

    struct weir_counters c;
    memset(&c, 0, sizeof c);
    struct weir_io tot = { 0, 0 };
    uint64_t before = mono_ns() / 1000000000u;
    send_n(cs, n, &c, &tot);
    CU_ASSERT_EQUAL(tot.blocks, n);
    unsigned hdr = seq64 ? 16 : 12;
    for (uint32_t i = 1; i <= n; i++) {
        CU_ASSERT_TRUE(wait_readable(srv, IO_WAIT_MS));
        got = recv(srv, buf, 65536, MSG_DONTWAIT);
        CU_ASSERT_EQUAL(got, (ssize_t)blksize);
        if (got != (ssize_t)blksize)
            break;
        uint64_t seq = seq64 ? (uint64_t)get32(buf + 8) << 32 | get32(buf + 12) : get32(buf + 8);
        CU_ASSERT_EQUAL(seq, i);
        uint32_t sec = get32(buf), usec = get32(buf + 4);
        CU_ASSERT(sec >= before && sec <= before + 2);
        CU_ASSERT(usec < 1000000u);
        if (i == 1)
            memcpy(first, buf, blksize);
        else
            CU_ASSERT_EQUAL(memcmp(first + hdr, buf + hdr, blksize - hdr), 0);
        if (repeating)
            for (uint32_t k = hdr; k < blksize; k++)
                if (buf[k] != (unsigned char)('0' + k % 10)) {
                    CU_FAIL("repeating payload");
                    break;
                }
    }
    CU_ASSERT_EQUAL(recv(srv, buf, 65536, MSG_DONTWAIT), -1);
    T->close(cs);
    close(srv);
    free(buf);
    free(first);
}

static void test_wire(void)
{
    check_wire(BLK, 0, 0, 3, 0);
    check_wire(BLK, 0, 1, 50, 0);       /* GSO where available: same datagrams */
    check_wire(BLK, 1, 0, 50, 0);
    check_wire(1460, 1, 1, 64, 0);
    check_wire(32768, 0, 0, 4, 0);
    check_wire(BLK, 0, 0, 50, 1);       /* GSO refused: the fallback */
}

/* Client side of the hello against a scripted server: what it sends
 * first (datagrams before the reply), then the reply (or none). */
static int scripted_open(const unsigned char *reply, int junk, uint32_t blksize, unsigned timeout_ms,
                         uint64_t *took_ms)
{
    uint16_t sport;
    int srv = udp_sock(0, &sport);
    CU_ASSERT_FATAL(srv >= 0);
    struct weir_stream_config cfg = base_cfg(0);
    cfg.port = sport;
    cfg.blksize = blksize;
    cfg.timeout_ms = timeout_ms;
    struct opener o;
    uint64_t t0 = now_ms();
    open_start(&o, &cfg);
    unsigned char buf[64];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    CU_ASSERT_TRUE(wait_readable(srv, IO_WAIT_MS));
    CU_ASSERT_EQUAL(recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 4);
    memset(buf, 0, sizeof buf);
    for (int i = 0; i < junk; i++)
        sendto(srv, buf, 20, 0, (struct sockaddr *)&from, flen);
    if (reply)
        sendto(srv, reply, 4, 0, (struct sockaddr *)&from, flen);
    int rc = open_finish(&o);
    *took_ms = now_ms() - t0;
    if (o.stream)
        T->close(o.stream);
    close(srv);
    return rc;
}

static void test_hello_replies(void)
{
    uint64_t took;
    CU_ASSERT_EQUAL(scripted_open(REPLY, 0, BLK, 2000, &took), WEIR_OK);
    CU_ASSERT_EQUAL(scripted_open(LEGACY, 0, BLK, 2000, &took), WEIR_OK);
    /* Data overtaking the reply (reverse mode): a few are tolerated... */
    CU_ASSERT_EQUAL(scripted_open(REPLY, 3, BLK, 2000, &took), WEIR_OK);
    /* ...up to 4 + 2 * blksize bytes read 4 at a time (16: 36 bytes). */
    CU_ASSERT_EQUAL(scripted_open(REPLY, 20, 16, 2000, &took), WEIR_E_STREAMREAD);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_STREAMREAD);
    /* A wrong reply is just another datagram. */
    static const unsigned char wrong[4] = { '6', '7', '8', '8' };
    CU_ASSERT_EQUAL(scripted_open(wrong, 0, BLK, 300, &took), WEIR_E_STREAMREAD);
    /* No reply at all: the open gives up at timeout_ms. */
    CU_ASSERT_EQUAL(scripted_open(NULL, 0, BLK, 300, &took), WEIR_E_STREAMREAD);
    CU_ASSERT(took >= 250 && took < 1500);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "no reply"));
}

/* Nothing on the port: ICMP port unreachable ends the wait at once. */
static void test_hello_refused(void)
{
    uint16_t p;
    int fd = udp_sock(0, &p);
    close(fd);
    struct weir_stream_config cfg = base_cfg(1);
    cfg.port = p;
    cfg.timeout_ms = 3000;
    void *cs = NULL;
    uint64_t t0 = now_ms();
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &cs), WEIR_E_STREAMREAD);
    CU_ASSERT(now_ms() - t0 < 1000);
    CU_ASSERT_PTR_NULL(cs);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), strerror(ECONNREFUSED)));

    cfg.host = "no-such-host.invalid";
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &cs), WEIR_E_STREAMCONNECT);
    cfg.host = "127.0.0.1";
    cfg.blksize = 15;
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &cs), WEIR_E_UDPBLOCKSIZE);
    cfg.blksize = 65508;
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &cs), WEIR_E_UDPBLOCKSIZE);
    CU_ASSERT_PTR_NULL(cs);
}

/* docs/protocol.md §7.5, validated against iperf3: 1,2,3,5,4,6,8,9. */
static void test_loss_and_order(void)
{
    struct crafted k;
    crafted_open(&k, 0, 100, -1);
    static const uint64_t seqs[] = { 1, 2, 3, 5, 4, 6, 8, 9 };
    send_seqs(k.peer, seqs, 8, 0, 100);
    crafted_recv(&k, 8);
    CU_ASSERT_EQUAL(k.tot.blocks, 8);
    CU_ASSERT_EQUAL(k.tot.bytes, 800);
    CU_ASSERT_EQUAL(k.c.packets, 9);
    CU_ASSERT_EQUAL(k.c.lost, 1);
    CU_ASSERT_EQUAL(k.c.out_of_order, 1);

    /* A duplicate counts as out of order and takes back one loss. */
    static const uint64_t dup[] = { 9, 12 };
    send_seqs(k.peer, dup, 2, 0, 100);
    crafted_recv(&k, 10);
    CU_ASSERT_EQUAL(k.c.packets, 12);
    CU_ASSERT_EQUAL(k.c.lost, 2);
    CU_ASSERT_EQUAL(k.c.out_of_order, 2);
    crafted_close(&k);
}

/* Short datagrams are counted but not parsed; sequence 0 is ignored. */
static void test_short_and_zero(void)
{
    struct crafted k;
    crafted_open(&k, 0, 100, -1);
    static const uint64_t one[] = { 1 };
    send_seqs(k.peer, one, 1, 0, 100);
    unsigned char buf[100];
    craft(buf, 5, 0, 0);
    CU_ASSERT_EQUAL(send(k.peer, buf, 11, 0), 11);     /* seq 5, but cut short */
    CU_ASSERT_EQUAL(send(k.peer, buf, 0, 0), 0);       /* empty datagram */
    static const uint64_t zero[] = { 0, 2 };
    send_seqs(k.peer, zero, 2, 0, 100);
    crafted_recv(&k, 5);
    CU_ASSERT_EQUAL(k.tot.blocks, 5);
    CU_ASSERT_EQUAL(k.tot.bytes, 100 + 11 + 0 + 100 + 100);
    CU_ASSERT_EQUAL(k.c.packets, 2);
    CU_ASSERT_EQUAL(k.c.lost, 0);
    CU_ASSERT_EQUAL(k.c.out_of_order, 0);
    crafted_close(&k);

    /* With 64-bit counters the header is 16 bytes: 15 is short. */
    crafted_open(&k, 1, 100, -1);
    send_seqs(k.peer, one, 1, 1, 100);
    craft(buf, 7, 1, 0);
    CU_ASSERT_EQUAL(send(k.peer, buf, 15, 0), 15);
    CU_ASSERT_EQUAL(send(k.peer, buf, 16, 0), 16);     /* header only: parsed */
    crafted_recv(&k, 3);
    CU_ASSERT_EQUAL(k.tot.bytes, 100 + 15 + 16);
    CU_ASSERT_EQUAL(k.c.packets, 7);
    CU_ASSERT_EQUAL(k.c.lost, 5);
    crafted_close(&k);
}

/* A lone absurd jump changes nothing; a jump the next datagram confirms
 * (an outage) is counted exactly. */
static void test_jumps(void)
{
    for (int seq64 = 0; seq64 <= 1; seq64++) {
        struct crafted k;
        crafted_open(&k, seq64, 100, -1);
        const uint64_t lone[] = { 1, 2, 3, seq64 ? (uint64_t)1 << 40 : (uint64_t)1 << 31, 4, 5 };
        send_seqs(k.peer, lone, 6, seq64, 100);
        crafted_recv(&k, 6);
        CU_ASSERT_EQUAL(k.tot.blocks, 6);
        CU_ASSERT_EQUAL(k.c.packets, 5);
        CU_ASSERT_EQUAL(k.c.lost, 0);
        CU_ASSERT_EQUAL(k.c.out_of_order, 0);
        /* An outage: the first datagram after it is held until the next
         * one confirms it; 200007 then arrives late; 3, far behind the
         * highest, is ignored. */
        memset(&k.tot, 0, sizeof k.tot);
        const uint64_t outage[] = { 200005, 200006, 200008, 200007, 3 };
        send_seqs(k.peer, outage, 5, seq64, 100);
        crafted_recv(&k, 5);
        CU_ASSERT_EQUAL(k.tot.blocks, 5);
        CU_ASSERT_EQUAL(k.c.packets, 200008);
        CU_ASSERT_EQUAL(k.c.lost, 200004 - 5);        /* 6..200004 */
        CU_ASSERT_EQUAL(k.c.out_of_order, 1);
        crafted_close(&k);
    }
}

/* 32-bit sequence numbers continue past 2^32. */
static void test_wrap32(void)
{
    struct crafted k;
    crafted_open(&k, 0, 100, -1);
    /* Climb in confirmed jumps (each under 2^31) to just below 2^32. */
    const uint64_t seqs[] = { 0x7ffffff0u, 0x7ffffff1u, 0xfffffff0u, 0xfffffff1u, 0xffffffffu, 1, 3 };
    send_seqs(k.peer, seqs, 7, 0, 100);
    crafted_recv(&k, 7);
    CU_ASSERT_EQUAL(k.tot.blocks, 7);
    CU_ASSERT_EQUAL(k.c.packets, ((uint64_t)1 << 32) + 3);
    CU_ASSERT_EQUAL(k.c.lost, ((uint64_t)1 << 32) + 3 - 7);
    CU_ASSERT_EQUAL(k.c.out_of_order, 0);
    /* A raw 32-bit value read as "2^31 behind" is not a valid number. */
    memset(&k.c, 0, sizeof k.c);
    const uint64_t neg[] = { 0xfffffff0u, 1 };
    send_seqs(k.peer, neg, 2, 0, 100);
    crafted_recv(&k, 9);
    CU_ASSERT_EQUAL(k.c.packets, 1);
    CU_ASSERT_EQUAL(k.c.lost, 0);
    crafted_close(&k);
}

/* RFC 3550 jitter in nanoseconds: a datagram 10 ms "late" relative to the
 * previous one moves jitter by 10 ms / 16. */
static void test_jitter(void)
{
    struct crafted k;
    crafted_open(&k, 0, 100, -1);
    unsigned char buf[100];
    memset(buf, 0, sizeof buf);
    craft(buf, 1, 0, 0);
    send(k.peer, buf, sizeof buf, 0);
    crafted_recv(&k, 1);
    CU_ASSERT_EQUAL(k.c.jitter_ns, 0);            /* the first only sets the transit */
    craft(buf, 2, 0, -10000000);
    send(k.peer, buf, sizeof buf, 0);
    crafted_recv(&k, 2);
    /* 625 us, give or take scheduling noise in the two transits; a unit
     * or smoothing error would be off by far more. */
    CU_ASSERT(k.c.jitter_ns >= 500000 && k.c.jitter_ns <= 1000000);
    crafted_close(&k);
}

/* The stream hears only its peer: datagrams queued on the listening
 * socket from elsewhere before the connect are dropped, later ones go to
 * the next listening socket. */
static void test_other_sources(void)
{
    struct weir_stream_config cfg = base_cfg(0);
    cfg.blksize = 100;
    int pfd;
    void *l = listen_on(&cfg, &pfd);
    int peer = udp_peer(port), other = udp_peer(port);
    CU_ASSERT_FATAL(peer >= 0 && other >= 0);
    unsigned char buf[100];
    memset(buf, 0, sizeof buf);
    CU_ASSERT_EQUAL(send(peer, HELLO, 4, 0), 4);
    craft(buf, 1, 0, 0);
    CU_ASSERT_EQUAL(send(other, buf, sizeof buf, 0), 100);      /* queued behind the hello */
    void *s = NULL;
    CU_ASSERT_EQUAL(accept_one(l, pfd, &cfg, &s), WEIR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    craft(buf, 2, 0, 0);
    CU_ASSERT_EQUAL(send(other, buf, sizeof buf, 0), 100);      /* after the connect */
    struct weir_counters c;
    memset(&c, 0, sizeof c);
    struct weir_io io = { 0, 0 };
    usleep(20000);
    CU_ASSERT_EQUAL(T->recv(s, &c, &io), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(io.bytes, 0);
    CU_ASSERT_EQUAL(c.packets, 0);
    /* The other source's datagram waits on the next listening socket. */
    CU_ASSERT_TRUE(wait_readable(pfd, 500));
    static const uint64_t one[] = { 1 };
    send_seqs(peer, one, 1, 0, 100);
    struct weir_io tot = { 0, 0 };
    recv_n(s, 1, &c, &tot);
    CU_ASSERT_EQUAL(tot.blocks, 1);
    CU_ASSERT_EQUAL(c.packets, 1);
    T->server_unlisten(G, l);
    T->close(s);
    close(peer);
    close(other);
}

/* More hellos than the test wants: each accept takes one, the rest die
 * with the listener; nothing leaks. */
static void test_hello_storm(void)
{
    int fds0 = open_fds();
    struct weir_stream_config cfg = base_cfg(0);
    int pfd;
    void *l = listen_on(&cfg, &pfd);
    enum { N = 12, WANT = 3 };
    int peers[N];
    for (int i = 0; i < N; i++) {
        peers[i] = udp_peer(port);
        CU_ASSERT_FATAL(peers[i] >= 0);
        CU_ASSERT_EQUAL(send(peers[i], HELLO, 4, 0), 4);
    }
    void *s[WANT];
    for (int i = 0; i < WANT; i++) {
        CU_ASSERT_EQUAL(accept_one(l, pfd, &cfg, &s[i]), WEIR_OK);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s[i]);
    }
    T->server_unlisten(G, l);
    /* Exactly WANT peers got a reply, each from its own stream. */
    int replied = 0;
    for (int i = 0; i < N; i++) {
        unsigned char got[8];
        if (wait_readable(peers[i], i < WANT ? IO_WAIT_MS : 10)) {
            CU_ASSERT_EQUAL(recv(peers[i], got, sizeof got, 0), 4);
            replied++;
        }
    }
    CU_ASSERT_EQUAL(replied, WANT);
    for (int i = 0; i < WANT; i++) {
        struct sockaddr_in a;
        socklen_t len = sizeof a;
        CU_ASSERT_EQUAL(getpeername(T->stream_fd(s[i]), (struct sockaddr *)&a, &len), 0);
        T->close(s[i]);
    }
    for (int i = 0; i < N; i++)
        close(peers[i]);
    CU_ASSERT_EQUAL(open_fds(), fds0);
}

/* Several tests take streams on the one port (weir -s --max-tests): a hello
 * with a cookie goes to the listener with that cookie, a plain one to the
 * only listener taking plain hellos, whatever order they arrive in; one
 * that names no listener is dropped. */
static uint16_t local_port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    return getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : 0;
}

static uint16_t peer_port_of(void *s)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    return getpeername(T->stream_fd(s), (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : 0;
}

static void test_tagged_hellos(void)
{
    int fds0 = open_fds();
    static const unsigned char ca[37] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static const unsigned char cb[37] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    static const unsigned char cx[37] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    struct weir_stream_config fa = base_cfg(0), fb = base_cfg(0), fp = base_cfg(0);
    fa.stream_tag = fb.stream_tag = 1;
    fa.cookie = ca;
    fb.cookie = cb;
    fp.cookie = cx;             /* untagged: the cookie is not looked at */
    int pa, pb, pp, pq;
    void *la = listen_on(&fa, &pa), *lb = listen_on(&fb, &pb), *lp = listen_on(&fp, &pp);
    /* A second listener for plain hellos could not tell whose they are. */
    void *lq = NULL;
    CU_ASSERT_EQUAL(T->server_listen(G, &fp, ctl_fd, &lq, &pq), WEIR_E_STREAMLISTEN);

    enum { B, PLAIN, A, UNKNOWN, N };
    const unsigned char *tags[N] = { cb, NULL, ca, cx };
    int peers[N];
    for (int i = 0; i < N; i++) {
        unsigned char msg[41];
        memcpy(msg, HELLO, 4);
        size_t len = 4;
        if (tags[i]) {
            memcpy(msg + 4, tags[i], 37);
            len = 41;
        }
        peers[i] = udp_peer(port);
        CU_ASSERT_FATAL(peers[i] >= 0);
        CU_ASSERT_EQUAL(send(peers[i], msg, len, 0), (ssize_t)len);
    }
    void *sa = NULL, *sb = NULL, *sp = NULL;
    CU_ASSERT_EQUAL(accept_one(la, pa, &fa, &sa), WEIR_OK);
    CU_ASSERT_EQUAL(accept_one(lp, pp, &fp, &sp), WEIR_OK);
    CU_ASSERT_EQUAL(accept_one(lb, pb, &fb, &sb), WEIR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sb);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    CU_ASSERT_EQUAL(peer_port_of(sa), local_port_of(peers[A]));
    CU_ASSERT_EQUAL(peer_port_of(sb), local_port_of(peers[B]));
    CU_ASSERT_EQUAL(peer_port_of(sp), local_port_of(peers[PLAIN]));
    /* Nothing more for anyone: the unknown cookie was dropped. */
    void *extra = NULL;
    CU_ASSERT_EQUAL(T->server_accept(G, la, &fa, &extra), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(T->server_accept(G, lb, &fb, &extra), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(T->server_accept(G, lp, &fp, &extra), WEIR_E_AGAIN);
    unsigned char got[8];
    CU_ASSERT_FALSE(wait_readable(peers[UNKNOWN], 50));
    for (int i = 0; i < UNKNOWN; i++) {
        CU_ASSERT_TRUE(wait_readable(peers[i], IO_WAIT_MS));
        CU_ASSERT_EQUAL(recv(peers[i], got, sizeof got, 0), 4);
    }

    /* Through the plugin on both ends: the client tags when told to. */
    struct weir_stream_config cc = base_cfg(1);
    cc.stream_tag = 1;
    cc.cookie = cb;
    struct opener o;
    open_start(&o, &cc);
    void *s2 = NULL;
    CU_ASSERT_EQUAL(accept_one(lb, pb, &fb, &s2), WEIR_OK);
    CU_ASSERT_EQUAL(open_finish(&o), WEIR_OK);
    CU_ASSERT_EQUAL(T->server_accept(G, la, &fa, &extra), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(T->server_accept(G, lp, &fp, &extra), WEIR_E_AGAIN);
    if (o.stream)
        T->close(o.stream);
    if (s2)
        T->close(s2);

    T->server_unlisten(G, la);
    T->server_unlisten(G, lb);
    T->server_unlisten(G, lp);
    T->close(sa);
    T->close(sb);
    T->close(sp);
    for (int i = 0; i < N; i++)
        close(peers[i]);
    CU_ASSERT_EQUAL(open_fds(), fds0);
}

/* A storm of datagrams that are no one's, more than the door's buffer
 * holds, while no test reads the door (a slow server): with only tagged
 * listeners the kernel keeps them out, so the tagged hellos sent after the
 * storm still arrive and are answered. Once a test taking plain hellos
 * waits too, the door takes everything again. */
static void send_hello(int fd, const unsigned char *cookie)
{
    unsigned char msg[41];
    memcpy(msg, HELLO, 4);
    memcpy(msg + 4, cookie, 37);
    CU_ASSERT_EQUAL(send(fd, msg, sizeof msg, 0), (ssize_t)sizeof msg);
}

static void test_tagged_door_storm(void)
{
    int fds0 = open_fds();
    static const unsigned char ca[37] = "cccccccccccccccccccccccccccccccccccc";
    static const unsigned char cb[37] = "dddddddddddddddddddddddddddddddddddd";
    static const unsigned char cx[37] = "cccccccccccccccccccccccccccccccccccx";
    struct weir_stream_config fa = base_cfg(0), fb = base_cfg(0), fp = base_cfg(0);
    fa.stream_tag = fb.stream_tag = 1;
    fa.cookie = ca;
    fb.cookie = cb;
    fp.cookie = cx;
    int pa, pb, pp;
    void *la = listen_on(&fa, &pa), *lb = listen_on(&fb, &pb);
    int storm = udp_peer(port), a = udp_peer(port), b = udp_peer(port), p = udp_peer(port);
    CU_ASSERT_FATAL(storm >= 0 && a >= 0 && b >= 0 && p >= 0);
    /* Plain hellos, a near miss of a cookie, other sizes: 20000 datagrams
     * (a default buffer holds a few hundred). */
    unsigned char junk[41];
    memcpy(junk, HELLO, 4);
    memcpy(junk + 4, cx, 37);
    for (int i = 0; i < 20000; i++) {
        size_t len = i % 3 == 0 ? 4 : i % 3 == 1 ? 41 : 40;
        if (send(storm, junk, len, 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
            CU_FAIL("storm send");
    }
    send_hello(b, cb);
    send_hello(a, ca);
    void *sa = NULL, *sb = NULL, *sp = NULL, *extra = NULL;
    CU_ASSERT_EQUAL(accept_one(la, pa, &fa, &sa), WEIR_OK);
    CU_ASSERT_EQUAL(accept_one(lb, pb, &fb, &sb), WEIR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sb);
    CU_ASSERT_EQUAL(peer_port_of(sa), local_port_of(a));
    CU_ASSERT_EQUAL(peer_port_of(sb), local_port_of(b));
    CU_ASSERT_EQUAL(T->server_accept(G, la, &fa, &extra), WEIR_E_AGAIN);
    CU_ASSERT_FALSE(wait_readable(storm, 50));
    /* A test with plain hellos joins: they reach it. One tagged test
     * leaves: the other's hellos still come through. */
    void *lp = listen_on(&fp, &pp);
    T->server_unlisten(G, la);
    CU_ASSERT_EQUAL(send(p, HELLO, 4, 0), 4);
    CU_ASSERT_EQUAL(accept_one(lp, pp, &fp, &sp), WEIR_OK);
    CU_ASSERT_EQUAL(peer_port_of(sp), local_port_of(p));
    T->server_unlisten(G, lp);
    void *sb2 = NULL;
    int b2 = udp_peer(port);
    CU_ASSERT_FATAL(b2 >= 0);
    send_hello(b2, cb);
    CU_ASSERT_EQUAL(accept_one(lb, pb, &fb, &sb2), WEIR_OK);
    CU_ASSERT_EQUAL(peer_port_of(sb2), local_port_of(b2));
    T->server_unlisten(G, lb);
    void *ss[] = { sa, sb, sp, sb2 };
    for (size_t i = 0; i < sizeof ss / sizeof *ss; i++)
        if (ss[i])
            T->close(ss[i]);
    close(storm);
    close(a);
    close(b);
    close(p);
    close(b2);
    CU_ASSERT_EQUAL(open_fds(), fds0);
}

/* A sending stream whose peer went away keeps going (ECONNREFUSED from the
 * ICMP port unreachable is not fatal). */
static void test_send_after_peer_closed(void)
{
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    T->close(ss);
    struct weir_counters c;
    memset(&c, 0, sizeof c);
    uint64_t sent = 0;
    for (int i = 0; i < 50; i++) {
        struct weir_io io = { 0, 0 };
        int rc = T->send(cs, 1, &c, &io);
        CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_AGAIN);
        sent += io.blocks;
        usleep(1000);
    }
    CU_ASSERT(sent > 0);
    CU_ASSERT_EQUAL(c.packets, sent);
    T->close(cs);
}

static void test_options(void)
{
    struct weir_param_set tp = { 0 };
    mock_param_uint(&tp, WEIR_PARAM_TOS, 0x10);
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    ccfg.params = scfg.params = &tp;
    ccfg.window = scfg.window = 100000;
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    int fds[2] = { T->stream_fd(cs), T->stream_fd(ss) };
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(sockopt_int(fds[i], IPPROTO_IP, IP_TOS), 0x10);
        CU_ASSERT(sockopt_int(fds[i], SOL_SOCKET, SO_SNDBUF) >= 100000);
        CU_ASSERT(sockopt_int(fds[i], SOL_SOCKET, SO_RCVBUF) >= 100000);
    }
    T->close(cs);
    T->close(ss);

    /* A window the kernel will not grant fails, as iperf3's IESETBUF2
     * (unless this host allows socket buffers of a gigabyte). */
    FILE *f = fopen("/proc/sys/net/src/rmem_max", "r");
    long rmem_max = 0;
    if (f) {
        if (fscanf(f, "%ld", &rmem_max) != 1)
            rmem_max = 0;
        fclose(f);
    }
    if (rmem_max >= 1L << 29)
        return;
    ccfg = base_cfg(1);
    ccfg.window = 1 << 30;
    void *bad = NULL;
    CU_ASSERT_EQUAL(T->client_open(G, &ccfg, &bad), WEIR_E_SETBUF2);
    CU_ASSERT_PTR_NULL(bad);
}

static void test_bind_cport(void)
{
    uint16_t cport;
    int fd = udp_sock(0, &cport);
    close(fd);
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    ccfg.bind_host = "127.0.0.1";
    ccfg.cport = cport;
    scfg.bind_host = "127.0.0.1";
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    CU_ASSERT_EQUAL(getpeername(T->stream_fd(ss), (struct sockaddr *)&a, &len), 0);
    CU_ASSERT_EQUAL(ntohs(a.sin_port), cport);
    T->close(cs);
    T->close(ss);
}

/* Port 0 in the config: the listener takes the control listener's port. */
static void test_listen_port_from_control(void)
{
    struct weir_stream_config scfg = base_cfg(0), ccfg = base_cfg(1);
    scfg.port = 0;
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    T->close(cs);
    T->close(ss);
}

/* Dual-stack listener (family AF_UNSPEC) with an IPv4 client, and IPv6. */
static void test_families(void)
{
    struct weir_param_set tp = { 0 };
    mock_param_uint(&tp, WEIR_PARAM_TOS, 0x20);
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    scfg.family = AF_UNSPEC;
    ccfg.params = &tp;
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    struct sockaddr_storage a;
    socklen_t len = sizeof a;
    CU_ASSERT_EQUAL(getsockname(T->stream_fd(ss), (struct sockaddr *)&a, &len), 0);
    CU_ASSERT_EQUAL(a.ss_family, AF_INET6);
    T->close(cs);
    T->close(ss);

    int probe = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    int have6 = probe >= 0 && bind(probe, (struct sockaddr *)&a6, sizeof a6) == 0;
    if (probe >= 0)
        close(probe);
    if (!have6)
        return;
    ccfg = base_cfg(1);
    scfg = base_cfg(0);
    ccfg.family = scfg.family = AF_INET6;
    ccfg.host = "::1";
    scfg.bind_host = "::1";
    ccfg.params = &tp;
    open_pair(&ccfg, &scfg, &cs, &ss);
    CU_ASSERT_EQUAL(sockopt_int(T->stream_fd(cs), IPPROTO_IPV6, IPV6_TCLASS), 0x20);
    struct weir_counters c;
    memset(&c, 0, sizeof c);
    struct weir_io ct = { 0, 0 }, st = { 0, 0 };
    send_n(cs, 30, &c, &ct);
    memset(&c, 0, sizeof c);
    recv_n(ss, 30, &c, &st);
    CU_ASSERT_EQUAL(st.blocks, 30);
    CU_ASSERT_EQUAL(c.packets, 30);
    T->close(cs);
    T->close(ss);
}

/* A GRO receiver splits a coalesced buffer by its segment size, the last
 * segment may be shorter. Made here with a UDP_SEGMENT send of 3500 bytes
 * in 1000-byte segments. Skipped where the kernel lacks GSO or GRO. */
static void test_gro_split(void)
{
    struct crafted k;
    crafted_open(&k, 0, 1000, 1);
    char d[256];
    CU_ASSERT_EQUAL(describe_json(T, k.s, d, sizeof d), WEIR_OK);
    int seg = 1000;
    if (setsockopt(k.peer, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg) < 0) {
        crafted_close(&k);
        return;
    }
    unsigned char buf[3500];
    memset(buf, 'y', sizeof buf);
    for (int i = 0; i < 4; i++)
        craft(buf + 1000 * i, (uint64_t)i + 1, 0, 0);
    CU_ASSERT_EQUAL(send(k.peer, buf, sizeof buf, 0), 3500);
    crafted_recv(&k, 4);
    CU_ASSERT_EQUAL(k.tot.blocks, 4);
    CU_ASSERT_EQUAL(k.tot.bytes, 3500);
    CU_ASSERT_EQUAL(k.c.packets, 4);
    CU_ASSERT_EQUAL(k.c.lost, 0);
    /* The socket took UDP_GRO (the kernel has it, as it has UDP_SEGMENT). */
    CU_ASSERT_PTR_NOT_NULL(strstr(d, "\"gro\":true"));
    crafted_close(&k);
}

/* Does the kernel take this UDP option on a fresh socket? */
static int kernel_has(int opt)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), v = 0;
    socklen_t len = sizeof v;
    int ok = fd >= 0 && getsockopt(fd, SOL_UDP, opt, &v, &len) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* One client-to-server pair with the given offload settings (as
 * udp_params) and the plugin's flag option: what both ends describe
 * (want_c, want_s: its facts as JSON), then 5 x 40 datagrams counted
 * exactly at both ends. */
static void offload_case(int gso, int gro, const char *option, const char *want_c,
                         const char *want_s)
{
    if (option)
        mock_host_set_flag(option, 1);
    struct weir_param_set tp;
    udp_params(&tp, 0, gso, gro);
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    ccfg.params = scfg.params = &tp;
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    char dc[256] = "", ds[256] = "";
    CU_ASSERT_EQUAL(describe_json(T, cs, dc, sizeof dc), WEIR_OK);
    CU_ASSERT_EQUAL(describe_json(T, ss, ds, sizeof ds), WEIR_OK);
    if (strcmp(dc, want_c) != 0 || strcmp(ds, want_s) != 0) {
        fprintf(stderr, "\n  gso %d gro %d option %s: client %s (want %s), server %s (want %s)\n",
                gso, gro, option ? option : "-", dc, want_c, ds, want_s);
        CU_FAIL("describe");
    }
    struct weir_counters cc, sc;
    memset(&cc, 0, sizeof cc);
    memset(&sc, 0, sizeof sc);
    struct weir_io ct = { 0, 0 }, st = { 0, 0 };
    for (uint32_t k = 1; k <= 5; k++) {
        send_n(cs, 40 * k, &cc, &ct);
        recv_n(ss, 40 * k, &sc, &st);
    }
    CU_ASSERT_EQUAL(ct.blocks, 200);
    CU_ASSERT_EQUAL(st.blocks, 200);
    CU_ASSERT_EQUAL(st.bytes, 200u * BLK);
    CU_ASSERT_EQUAL(sc.packets, 200);
    CU_ASSERT_EQUAL(sc.lost, 0);
    CU_ASSERT_EQUAL(sc.out_of_order, 0);
    T->close(cs);
    T->close(ss);
    if (option)
        mock_host_set_flag(option, 0);
}

/* The describe hook says what each stream uses after run-time detection,
 * and the choices follow the config (gso/gro: -1 the plugin decides, 0 off,
 * 1 asked for) and the plugin's options. Defaults: GSO on, GRO only when
 * asked. Every path counts exactly. */
static void test_offload_choices(void)
{
    /* A receiver without GRO copies out headers only. */
    const char *gso_on = kernel_has(UDP_SEGMENT)
        ? "{\"gso\":true,\"gro\":false,\"batch\":\"sendmmsg\",\"headers_only\":false}"
        : "{\"gso\":false,\"gro\":false,\"batch\":\"sendmmsg\",\"headers_only\":false}";
    const char *gro_on = kernel_has(UDP_GRO)
        ? "{\"gso\":false,\"gro\":true,\"batch\":\"recvmmsg\",\"headers_only\":false}"
        : "{\"gso\":false,\"gro\":false,\"batch\":\"recvmmsg\",\"headers_only\":true}";
    const char *snd = "{\"gso\":false,\"gro\":false,\"batch\":\"sendmmsg\",\"headers_only\":false}";
    const char *rcv = "{\"gso\":false,\"gro\":false,\"batch\":\"recvmmsg\",\"headers_only\":true}";
    const char *snd1 = "{\"gso\":false,\"gro\":false,\"batch\":\"sendmsg\",\"headers_only\":false}";
    const char *rcv1 = "{\"gso\":false,\"gro\":false,\"batch\":\"recvmsg\",\"headers_only\":true}";

    offload_case(-1, -1, NULL, gso_on, rcv);            /* defaults */
    offload_case(1, 1, NULL, gso_on, gro_on);           /* --gsro */
    offload_case(0, 0, NULL, snd, rcv);                 /* iperf3 3.21 without --gsro */
    offload_case(-1, -1, "udp-no-gso", snd, rcv);
    offload_case(1, 1, "udp-no-gso", snd, gro_on);
    offload_case(1, 1, "udp-no-gro", gso_on, rcv);
    offload_case(1, 1, "udp-no-batch", snd1, rcv1);     /* overrides --gsro */
    offload_case(-1, -1, "udp-no-batch", snd1, rcv1);
    /* The transport decides (gso and gro not given): its defaults. */
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    void *cs, *ss;
    open_pair(&ccfg, &scfg, &cs, &ss);
    char d[256];
    CU_ASSERT_EQUAL(describe_json(T, cs, d, sizeof d), WEIR_OK);
    CU_ASSERT_STRING_EQUAL(d, gso_on);
    CU_ASSERT_EQUAL(describe_json(T, ss, d, sizeof d), WEIR_OK);
    CU_ASSERT_STRING_EQUAL(d, rcv);
    T->close(cs);
    T->close(ss);

    /* Without sendmmsg/recvmmsg (seccomp, old kernel): found at open time,
     * so the report says so from the start; GSO and GRO still batch. */
    mmsg_enosys = 1;
    const char *gso1 = kernel_has(UDP_SEGMENT)
        ? "{\"gso\":true,\"gro\":false,\"batch\":\"sendmsg\",\"headers_only\":false}" : snd1;
    const char *gro1 = kernel_has(UDP_GRO)
        ? "{\"gso\":false,\"gro\":true,\"batch\":\"recvmsg\",\"headers_only\":false}" : rcv1;
    offload_case(-1, -1, NULL, gso1, rcv1);
    offload_case(1, 1, NULL, gso1, gro1);
    mmsg_enosys = 0;
}

/* Many streams one after another: the listener keeps answering on the
 * same poll fd while its socket changes underneath. */
static void test_many_streams(void)
{
    int fds0 = open_fds();
    struct weir_stream_config ccfg = base_cfg(1), scfg = base_cfg(0);
    int pfd;
    void *l = listen_on(&scfg, &pfd);
    enum { N = 8 };
    void *cs[N], *ss[N];
    for (int i = 0; i < N; i++) {
        struct opener o;
        open_start(&o, &ccfg);
        CU_ASSERT_EQUAL(accept_one(l, pfd, &scfg, &ss[i]), WEIR_OK);
        CU_ASSERT_EQUAL(open_finish(&o), WEIR_OK);
        cs[i] = o.stream;
        CU_ASSERT_PTR_NOT_NULL_FATAL(cs[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ss[i]);
    }
    T->server_unlisten(G, l);
    for (int i = 0; i < N; i++) {
        struct weir_counters c;
        memset(&c, 0, sizeof c);
        struct weir_io ct = { 0, 0 }, st = { 0, 0 };
        send_n(cs[i], (uint32_t)i + 1, &c, &ct);
        memset(&c, 0, sizeof c);
        recv_n(ss[i], (uint64_t)i + 1, &c, &st);
        CU_ASSERT_EQUAL(st.blocks, (uint64_t)i + 1);
        CU_ASSERT_EQUAL(c.packets, (uint64_t)i + 1);
    }
    for (int i = 0; i < N; i++) {
        T->close(cs[i]);
        T->close(ss[i]);
    }
    CU_ASSERT_EQUAL(open_fds(), fds0);
}

int main(void)
{
    alarm(120);
    T = load_transport("udp", &plug, &G);
    if (T == NULL)
        return 1;
    /* The control listener: its port is the UDP port too, and holding it
     * keeps other tests from picking the same number. */
    ctl_fd = loopback_listener(AF_INET, 8, 0, &port);
    if (ctl_fd < 0) {
        perror("control listener");
        return 1;
    }

    static CU_TestInfo tests[] = {
        { "descriptor", test_descriptor },
        { "transfer counts both sides", test_transfer },
        { "without sendmmsg/recvmmsg", test_no_mmsg },
        { "reverse", test_reverse },
        { "datagrams on the wire", test_wire },
        { "hello replies", test_hello_replies },
        { "hello refused, bad config", test_hello_refused },
        { "loss and order (1,2,3,5,4,6,8,9)", test_loss_and_order },
        { "short datagrams, sequence 0", test_short_and_zero },
        { "absurd and confirmed jumps", test_jumps },
        { "32-bit wrap", test_wrap32 },
        { "jitter", test_jitter },
        { "other source addresses", test_other_sources },
        { "hello storm", test_hello_storm },
        { "tagged hellos, several listeners", test_tagged_hellos },
        { "tagged hellos through a storm", test_tagged_door_storm },
        { "send after peer closed", test_send_after_peer_closed },
        { "socket options", test_options },
        { "bind and cport", test_bind_cport },
        { "listen port from the control listener", test_listen_port_from_control },
        { "dual stack and IPv6", test_families },
        { "GRO buffers split", test_gro_split },
        { "many streams", test_many_streams },
        { "offload choices and describe", test_offload_choices },
        CU_TEST_INFO_NULL,
    };
    int status = run_suite("udp transport", NULL, tests);

    close(ctl_fd);
    if (T->fini)
        T->fini(G);
    return status;
}
