/* The udp transport beneath another one (stacking): its datagram hooks,
 * send_datagrams and recv_datagrams, driven as an upper layer (quic) would
 * drive them, against the mock host over loopback.
 *
 * The other end is mostly a plain socket of the test's, which sees exactly
 * what went on the wire (no hello, each datagram's bytes and ECN mark) or
 * sends what the stream must receive (batches, truncation, the sender's
 * address). Streams are opened with cfg->lower: WEIR_LOWER_PLAIN for a
 * plain socket at both ends (client and server), or without it, after
 * iperf3's hello. GSO is checked where the kernel has it. */
#include "run_suites.h"
#include "transport_fixture.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 3000

static const struct weir_plugin *plug;
static const struct weir_transport_ops *T;
static void *G;
static int ctl_fd = -1;         /* a TCP listener standing for the control port */
static uint16_t port;           /* its port, which the server's UDP door shares */

static const uint32_t PLAIN = WEIR_LOWER_STREAM | WEIR_LOWER_PLAIN;

/* ---------------------------------------------------------------- helpers */

/* A UDP socket of the test's on 127.0.0.1, non-blocking; *p gets its port. */
static int test_socket(uint16_t *p)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    *p = ntohs(a.sin_port);
    return fd;
}

static struct sockaddr_in loopback(uint16_t p)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    return a;
}

static void send_to(int fd, uint16_t p, const void *buf, size_t len)
{
    struct sockaddr_in a = loopback(p);
    CU_ASSERT(sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof a) == (ssize_t)len);
}

/* One datagram from fd within WAIT_MS: its length (-1: none), with its
 * TOS byte in *tos when the socket has IP_RECVTOS on (else -1). */
static ssize_t recv_one(int fd, void *buf, size_t cap, int *tos)
{
    char ctl[64];
    struct iovec iov = { buf, cap };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
    if (tos)
        *tos = -1;
    if (!wait_readable(fd, WAIT_MS))
        return -1;
    ssize_t n = recvmsg(fd, &mh, 0);
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n >= 0 && tos && cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
            *tos = *CMSG_DATA(cm);
    return n;
}

/* Nothing more arrives at fd for ms. */
static int quiet(int fd, int ms)
{
    return !wait_readable(fd, ms);
}

/* Fill buf with a pattern of its own: byte i is seed + i * 7. */
static void pattern(unsigned char *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(seed + i * 7);
}

static int is_pattern(const unsigned char *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != (unsigned char)(seed + i * 7))
            return 0;
    return 1;
}

static struct weir_stream_config lower_cfg(uint16_t p, uint32_t lower)
{
    struct weir_stream_config c = loopback_stream_config(p, 1, 0);
    c.lower = lower;
    return c;
}

/* Receive from a lower stream until want entries came or WAIT_MS passed;
 * returns how many. */
static uint32_t recv_entries(void *s, struct weir_datagram *d, uint32_t want)
{
    uint32_t got = 0;
    uint64_t end = now_ms() + WAIT_MS;
    while (got < want && now_ms() < end) {
        uint32_t n = 0;
        int rc = T->recv_datagrams(s, d + got, want - got, &n);
        CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
        CU_ASSERT(rc == WEIR_E_AGAIN || n >= 1);
        got += n;
        if (rc == WEIR_E_AGAIN)
            wait_readable(T->stream_fd(s), 100);
    }
    return got;
}

/* Receive buffers for n entries of cap bytes, with room for addresses. */
struct rx {
    struct weir_datagram d[64];
    unsigned char buf[64][2048];
    struct sockaddr_storage addr[64];
};

static void rx_init(struct rx *r, size_t cap)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 64; i++) {
        r->d[i].buf = r->buf[i];
        r->d[i].cap = cap;
        r->d[i].addr = (struct sockaddr *)&r->addr[i];
        r->d[i].addr_len = sizeof r->addr[i];
    }
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)ss)->sin_port) : 0;
}

/* Does the kernel have UDP_SEGMENT (GSO)? */
static int kernel_gso(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0), v = 0;
    socklen_t len = sizeof v;
    int has = fd >= 0 && getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &len) == 0;
    if (fd >= 0)
        close(fd);
    return has;
}

static int described(void *s, const char *what)
{
    char facts[256];
    return describe_json(T, s, facts, sizeof facts) == WEIR_OK && strstr(facts, what) != NULL;
}

/* ---------------------------------------------------------------- tests */

static void test_hooks_present(void)
{
    CU_ASSERT_PTR_NOT_NULL(T->send_datagrams);
    CU_ASSERT_PTR_NOT_NULL(T->recv_datagrams);
    CU_ASSERT_PTR_NULL(T->write_bytes);     /* not a byte stream */
    CU_ASSERT_PTR_NULL(T->read_bytes);
}

/* A plain client stream: nothing of iperf3's on the wire, then a batch of
 * ten datagrams of ten sizes, each arriving whole and in order. */
static void test_plain_client_batch(void)
{
    uint16_t pp;
    int peer = test_socket(&pp);
    struct weir_stream_config cfg = lower_cfg(pp, PLAIN);
    void *s = NULL;
    CU_ASSERT_EQUAL_FATAL(T->client_open(G, &cfg, &s), WEIR_OK);
    CU_ASSERT(quiet(peer, 200));        /* no hello */

    enum { N = 10 };
    unsigned char bufs[N][1500];
    struct weir_datagram d[N];
    memset(d, 0, sizeof d);
    for (unsigned i = 0; i < N; i++) {
        d[i].buf = bufs[i];
        d[i].len = 100 + 130 * i;
        d[i].ecn = WEIR_ECN_UNSET;
        pattern(bufs[i], d[i].len, i);
    }
    uint32_t sent = 0;
    CU_ASSERT_EQUAL(T->send_datagrams(s, d, N, &sent), WEIR_OK);
    CU_ASSERT_EQUAL(sent, N);
    for (unsigned i = 0; i < N; i++) {
        unsigned char got[2000];
        ssize_t n = recv_one(peer, got, sizeof got, NULL);
        CU_ASSERT_EQUAL(n, (ssize_t)d[i].len);
        CU_ASSERT(n > 0 && is_pattern(got, (size_t)n, i));
    }
    CU_ASSERT(quiet(peer, 100));

    /* The stream carries an upper layer's datagrams: iperf3's hooks say no,
     * and an entry beyond the limits is refused before any system call. */
    struct weir_counters c;
    struct weir_io io = { 0, 0 };
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(T->send(s, 1, &c, &io), WEIR_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(T->recv(s, &c, &io), WEIR_E_UNSUPPORTED);
    struct weir_datagram big = { .buf = bufs[0], .len = 70000, .ecn = WEIR_ECN_UNSET };
    CU_ASSERT_EQUAL(T->send_datagrams(s, &big, 1, &sent), WEIR_E_STREAMWRITE);
    CU_ASSERT_EQUAL(sent, 0);
    struct weir_datagram many = { .buf = bufs[0], .len = 1300, .segment = 20, .ecn = WEIR_ECN_UNSET };
    CU_ASSERT_EQUAL(T->send_datagrams(s, &many, 1, &sent), WEIR_E_STREAMWRITE);
    T->close(s);
    close(peer);
}

/* An entry of several segments: one GSO send where the kernel has it,
 * datagrams one by one without (--udp-no-gso); the wire sees the same. */
static void check_segments(int no_gso)
{
    uint16_t pp;
    int peer = test_socket(&pp);
    mock_host_set_flag("udp-no-gso", no_gso);
    struct weir_stream_config cfg = lower_cfg(pp, PLAIN);
    void *s = NULL;
    CU_ASSERT_EQUAL_FATAL(T->client_open(G, &cfg, &s), WEIR_OK);
    mock_host_set_flag("udp-no-gso", 0);
    int gso = !no_gso && kernel_gso();
    CU_ASSERT(described(s, gso ? "\"gso\":true" : "\"gso\":false"));

    /* Two entries: 4500 bytes in segments of 1000, then 300 bytes. */
    unsigned char a[4500], b[300];
    pattern(a, sizeof a, 3);
    pattern(b, sizeof b, 9);
    struct weir_datagram d[2] = {
        { .buf = a, .len = sizeof a, .segment = 1000, .ecn = WEIR_ECN_UNSET },
        { .buf = b, .len = sizeof b, .ecn = WEIR_ECN_UNSET },
    };
    uint32_t sent = 0;
    CU_ASSERT_EQUAL(T->send_datagrams(s, d, 2, &sent), WEIR_OK);
    CU_ASSERT_EQUAL(sent, 2);
    for (unsigned i = 0; i < 5; i++) {
        unsigned char got[2000];
        ssize_t n = recv_one(peer, got, sizeof got, NULL);
        CU_ASSERT_EQUAL(n, i < 4 ? 1000 : 500);
        CU_ASSERT(n > 0 && memcmp(got, a + 1000 * i, (size_t)n) == 0);
    }
    unsigned char got[2000];
    CU_ASSERT_EQUAL(recv_one(peer, got, sizeof got, NULL), 300);
    CU_ASSERT(is_pattern(got, 300, 9));
    CU_ASSERT(quiet(peer, 100));
    T->close(s);
    close(peer);
}

static void test_segments_gso(void) { check_segments(0); }
static void test_segments_no_gso(void) { check_segments(1); }

/* Receiving: a batch of what the peer sent, each entry with its length,
 * bytes, ECN mark and sender; a datagram longer than its buffer comes
 * truncated and says so. Sending with a mark sets it on the wire. */
static void test_receive_and_ecn(void)
{
    uint16_t pp;
    int peer = test_socket(&pp);
    struct weir_stream_config cfg = lower_cfg(pp, PLAIN);
    void *s = NULL;
    CU_ASSERT_EQUAL_FATAL(T->client_open(G, &cfg, &s), WEIR_OK);
    struct sockaddr_in self;
    socklen_t slen = sizeof self;
    CU_ASSERT_FATAL(getsockname(T->stream_fd(s), (struct sockaddr *)&self, &slen) == 0);

    /* Nothing yet. */
    static struct rx r;
    rx_init(&r, 1500);
    uint32_t got = 7;
    CU_ASSERT_EQUAL(T->recv_datagrams(s, r.d, 4, &got), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(got, 0);

    int tos = 0x10 | WEIR_ECN_ECT0;     /* a DSCP and ECT(0) */
    CU_ASSERT(setsockopt(peer, IPPROTO_IP, IP_TOS, &tos, sizeof tos) == 0);
    enum { N = 6 };
    for (unsigned i = 0; i < N; i++) {
        unsigned char b[1400];
        size_t len = i == N - 1 ? 1400 : 50 + 200 * i;  /* the last one too long */
        pattern(b, len, 40 + i);
        send_to(peer, ntohs(self.sin_port), b, len);
    }
    rx_init(&r, 1200);
    CU_ASSERT_EQUAL_FATAL(recv_entries(s, r.d, N), N);
    for (unsigned i = 0; i < N; i++) {
        size_t want = i == N - 1 ? 1200 : 50 + 200 * i;
        CU_ASSERT_EQUAL(r.d[i].len, want);
        CU_ASSERT(is_pattern(r.buf[i], r.d[i].len, 40 + i));
        CU_ASSERT_EQUAL(r.d[i].flags, i == N - 1 ? WEIR_DATAGRAM_TRUNCATED : 0u);
        CU_ASSERT_EQUAL(r.d[i].segment, 0);
        CU_ASSERT_EQUAL(r.d[i].ecn, WEIR_ECN_ECT0);
        CU_ASSERT_EQUAL(r.d[i].addr_len, sizeof(struct sockaddr_in));
        CU_ASSERT_EQUAL(port_of(&r.addr[i]), pp);
    }

    /* Sending with marks: ECT(1), then CE, then the socket's own. */
    int on = 1;
    CU_ASSERT(setsockopt(peer, IPPROTO_IP, IP_RECVTOS, &on, sizeof on) == 0);
    unsigned char b[3][64];
    struct weir_datagram d[3] = {
        { .buf = b[0], .len = 64, .ecn = WEIR_ECN_ECT1 },
        { .buf = b[1], .len = 64, .ecn = WEIR_ECN_CE },
        { .buf = b[2], .len = 64, .ecn = WEIR_ECN_UNSET },
    };
    uint32_t sent = 0;
    CU_ASSERT_EQUAL(T->send_datagrams(s, d, 3, &sent), WEIR_OK);
    CU_ASSERT_EQUAL(sent, 3);
    const int want_ecn[3] = { WEIR_ECN_ECT1, WEIR_ECN_CE, WEIR_ECN_NOT_ECT };
    for (int i = 0; i < 3; i++) {
        unsigned char buf[128];
        int t = -1;
        CU_ASSERT_EQUAL(recv_one(peer, buf, sizeof buf, &t), 64);
        CU_ASSERT(t >= 0 && (t & 3) == want_ecn[i]);
    }
    T->close(s);
    close(peer);
}

/* A server's plain listener: the first datagram of each sender opens a
 * stream for it (no reply), which hands out that datagram and the
 * sender's next ones first, with the sender's address; what the stream
 * sends goes to that sender only. A second sender gets its own stream. */
static void test_plain_server(void)
{
    struct weir_stream_config scfg = lower_cfg(port, PLAIN);
    scfg.host = NULL;
    void *l = NULL;
    int pfd = -1;
    CU_ASSERT_EQUAL_FATAL(T->server_listen(G, &scfg, ctl_fd, &l, &pfd), WEIR_OK);
    /* One plain listener per port. */
    void *l2 = NULL;
    int pfd2 = -1;
    CU_ASSERT_EQUAL(T->server_listen(G, &scfg, ctl_fd, &l2, &pfd2), WEIR_E_STREAMLISTEN);

    uint16_t pa, pb;
    int a = test_socket(&pa), b = test_socket(&pb);
    unsigned char init[1200], more[700];
    pattern(init, sizeof init, 1);
    pattern(more, sizeof more, 2);
    send_to(a, port, init, sizeof init);
    send_to(a, port, more, sizeof more);
    CU_ASSERT_FATAL(wait_readable(pfd, WAIT_MS));
    void *sa = NULL;
    CU_ASSERT_EQUAL_FATAL(T->server_accept(G, l, &scfg, &sa), WEIR_OK);

    static struct rx r;
    rx_init(&r, 1500);
    CU_ASSERT_EQUAL_FATAL(recv_entries(sa, r.d, 2), 2);
    CU_ASSERT_EQUAL(r.d[0].len, sizeof init);
    CU_ASSERT(is_pattern(r.buf[0], r.d[0].len, 1));
    CU_ASSERT_EQUAL(r.d[1].len, sizeof more);
    CU_ASSERT(is_pattern(r.buf[1], r.d[1].len, 2));
    CU_ASSERT_EQUAL(port_of(&r.addr[0]), pa);
    CU_ASSERT_EQUAL(port_of(&r.addr[1]), pa);
    CU_ASSERT(quiet(a, 100));           /* no "6789" */

    /* Nothing was left for another stream, and the listener says so. */
    CU_ASSERT(!wait_readable(pfd, 50));
    void *none = NULL;
    CU_ASSERT_EQUAL(T->server_accept(G, l, &scfg, &none), WEIR_E_AGAIN);

    /* The stream's socket gets the sender's later datagrams. */
    send_to(a, port, more, 300);
    rx_init(&r, 1500);
    CU_ASSERT_EQUAL(recv_entries(sa, r.d, 1), 1);
    CU_ASSERT_EQUAL(r.d[0].len, 300);
    CU_ASSERT_EQUAL(port_of(&r.addr[0]), pa);

    /* Another sender, another stream. */
    send_to(b, port, init, 1000);
    CU_ASSERT_FATAL(wait_readable(pfd, WAIT_MS));
    void *sb = NULL;
    CU_ASSERT_EQUAL_FATAL(T->server_accept(G, l, &scfg, &sb), WEIR_OK);
    rx_init(&r, 1500);
    CU_ASSERT_EQUAL(recv_entries(sb, r.d, 1), 1);
    CU_ASSERT_EQUAL(r.d[0].len, 1000);
    CU_ASSERT_EQUAL(port_of(&r.addr[0]), pb);

    /* Replies, to the stream's peer and to an address given per entry. */
    unsigned char reply[500];
    pattern(reply, sizeof reply, 77);
    struct weir_datagram d = { .buf = reply, .len = sizeof reply, .ecn = WEIR_ECN_UNSET };
    uint32_t sent = 0;
    CU_ASSERT_EQUAL(T->send_datagrams(sa, &d, 1, &sent), WEIR_OK);
    CU_ASSERT_EQUAL(sent, 1);
    unsigned char got[1500];
    CU_ASSERT_EQUAL(recv_one(a, got, sizeof got, NULL), 500);
    CU_ASSERT(is_pattern(got, 500, 77));
    CU_ASSERT(quiet(b, 100));
    struct sockaddr_in to_b = loopback(pb);
    d.addr = (struct sockaddr *)&to_b;
    d.addr_len = sizeof to_b;
    CU_ASSERT_EQUAL(T->send_datagrams(sb, &d, 1, &sent), WEIR_OK);
    CU_ASSERT_EQUAL(recv_one(b, got, sizeof got, NULL), 500);

    T->close(sa);
    T->close(sb);
    T->server_unlisten(G, l);
    close(a);
    close(b);
}

/* One door, two kinds of listener: iperf3's 4-byte hello goes to the test
 * taking hellos (which answers it), anything else to the plain one. */
static void test_door_shared_with_hellos(void)
{
    struct weir_stream_config plain = lower_cfg(port, PLAIN), hellos = lower_cfg(port, 0);
    plain.host = hellos.host = NULL;
    hellos.blksize = 1000;
    hellos.sending = 0;
    void *lp = NULL, *lh = NULL;
    int pp = -1, ph = -1;
    CU_ASSERT_EQUAL_FATAL(T->server_listen(G, &plain, ctl_fd, &lp, &pp), WEIR_OK);
    CU_ASSERT_EQUAL_FATAL(T->server_listen(G, &hellos, ctl_fd, &lh, &ph), WEIR_OK);

    uint16_t pa, pb;
    int a = test_socket(&pa), b = test_socket(&pb);
    send_to(a, port, "9876", 4);
    unsigned char init[1200];
    pattern(init, sizeof init, 5);
    send_to(b, port, init, sizeof init);
    CU_ASSERT_FATAL(wait_readable(ph, WAIT_MS));
    void *sh = NULL, *sp = NULL;
    CU_ASSERT_EQUAL(T->server_accept(G, lh, &hellos, &sh), WEIR_OK);
    CU_ASSERT_EQUAL(T->server_accept(G, lp, &plain, &sp), WEIR_OK);
    unsigned char got[16];
    CU_ASSERT(recv_one(a, got, sizeof got, NULL) == 4 && memcmp(got, "6789", 4) == 0);
    CU_ASSERT(quiet(b, 100));
    static struct rx r;
    rx_init(&r, 1500);
    if (sp) {
        CU_ASSERT_EQUAL(recv_entries(sp, r.d, 1), 1);
        CU_ASSERT_EQUAL(r.d[0].len, sizeof init);
        CU_ASSERT_EQUAL(port_of(&r.addr[0]), pb);
        T->close(sp);
    }
    if (sh)
        T->close(sh);
    T->server_unlisten(G, lp);
    T->server_unlisten(G, lh);
    close(a);
    close(b);
}

/* Client and server both the plugin's, with the hello (a lower stream
 * identified as iperf3's are) or without; with GRO asked for, a GSO run
 * arrives coalesced where the kernel does both, and whole either way. */
struct opener {
    struct weir_stream_config cfg;
    pthread_t thread;
    int rc;
    void *stream;
};

static void *open_main(void *arg)
{
    struct opener *o = arg;
    o->rc = T->client_open(G, &o->cfg, &o->stream);
    return NULL;
}

static void check_pair(uint32_t lower)
{
    struct weir_stream_config scfg = lower_cfg(port, lower | WEIR_LOWER_GRO);
    scfg.host = NULL;
    void *l = NULL;
    int pfd = -1;
    CU_ASSERT_EQUAL_FATAL(T->server_listen(G, &scfg, ctl_fd, &l, &pfd), WEIR_OK);
    struct opener o = { .cfg = lower_cfg(port, lower), .rc = -1 };
    CU_ASSERT_FATAL(pthread_create(&o.thread, NULL, open_main, &o) == 0);
    unsigned char first[100];
    pattern(first, sizeof first, 11);
    if (lower & WEIR_LOWER_PLAIN) {
        /* Nothing goes before the upper layer's first datagram. */
        pthread_join(o.thread, NULL);
        CU_ASSERT_EQUAL_FATAL(o.rc, WEIR_OK);
        struct weir_datagram d = { .buf = first, .len = sizeof first, .ecn = WEIR_ECN_UNSET };
        uint32_t sent = 0;
        CU_ASSERT_EQUAL(T->send_datagrams(o.stream, &d, 1, &sent), WEIR_OK);
    }
    void *ss = NULL;
    int rc = WEIR_E_AGAIN;
    for (uint64_t end = now_ms() + WAIT_MS; rc == WEIR_E_AGAIN && now_ms() < end;)
        if (wait_readable(pfd, 100))
            rc = T->server_accept(G, l, &scfg, &ss);
    CU_ASSERT_EQUAL_FATAL(rc, WEIR_OK);
    if (!(lower & WEIR_LOWER_PLAIN)) {
        pthread_join(o.thread, NULL);
        CU_ASSERT_EQUAL_FATAL(o.rc, WEIR_OK);
    }
    T->server_unlisten(G, l);

    static struct rx r;
    if (lower & WEIR_LOWER_PLAIN) {
        rx_init(&r, 1500);
        CU_ASSERT_EQUAL(recv_entries(ss, r.d, 1), 1);
        CU_ASSERT(r.d[0].len == sizeof first && is_pattern(r.buf[0], sizeof first, 11));
    }

    /* Ten segments of 1200 in one entry. */
    static unsigned char run[12000], back[WEIR_DATAGRAM_GRO_BYTES];
    pattern(run, sizeof run, 21);
    struct weir_datagram d = { .buf = run, .len = sizeof run, .segment = 1200, .ecn = WEIR_ECN_UNSET };
    uint32_t sent = 0;
    CU_ASSERT_EQUAL(T->send_datagrams(o.stream, &d, 1, &sent), WEIR_OK);
    CU_ASSERT_EQUAL(sent, 1);
    size_t total = 0;
    int gro = described(ss, "\"gro\":true");
    for (uint64_t end = now_ms() + WAIT_MS; total < sizeof run && now_ms() < end;) {
        struct weir_datagram in = { .buf = back, .cap = sizeof back };
        uint32_t got = 0;
        rc = T->recv_datagrams(ss, &in, 1, &got);
        CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
        if (rc == WEIR_E_AGAIN) {
            wait_readable(T->stream_fd(ss), 100);
            continue;
        }
        CU_ASSERT(in.len % 1200 == 0 && in.len > 0);
        CU_ASSERT(in.segment == (in.len > 1200 ? 1200u : 0u));
        CU_ASSERT(gro || in.len == 1200);
        CU_ASSERT(total + in.len <= sizeof run && memcmp(back, run + total, in.len) == 0);
        total += in.len;
    }
    CU_ASSERT_EQUAL(total, sizeof run);

    /* And back, server to client. */
    d.len = 600;
    d.segment = 0;
    CU_ASSERT_EQUAL(T->send_datagrams(ss, &d, 1, &sent), WEIR_OK);
    rx_init(&r, 1500);
    CU_ASSERT_EQUAL(recv_entries(o.stream, r.d, 1), 1);
    CU_ASSERT(r.d[0].len == 600 && memcmp(r.buf[0], run, 600) == 0);
    T->close(o.stream);
    T->close(ss);
}

static void test_pair_plain(void) { check_pair(PLAIN); }
static void test_pair_identified(void) { check_pair(WEIR_LOWER_STREAM); }

int main(void)
{
    alarm(60);
    T = load_transport("udp", &plug, &G);
    if (T == NULL)
        return 1;
    ctl_fd = loopback_listener(AF_INET, 8, 0, &port);
    if (ctl_fd < 0) {
        perror("control listener");
        return 1;
    }
    static CU_TestInfo tests[] = {
        { "the datagram hooks, not the byte ones", test_hooks_present },
        { "plain client: no hello, a batch of ten", test_plain_client_batch },
        { "segments with GSO", test_segments_gso },
        { "segments without GSO (--udp-no-gso)", test_segments_no_gso },
        { "receive batch, truncation, ECN, addresses", test_receive_and_ecn },
        { "plain server: a stream per sender", test_plain_server },
        { "one door for hellos and plain datagrams", test_door_shared_with_hellos },
        { "plugin to plugin, plain, GRO", test_pair_plain },
        { "plugin to plugin after the hello, GRO", test_pair_identified },
        CU_TEST_INFO_NULL,
    };
    int status = run_suite("udp beneath another transport", NULL, tests);
    close(ctl_fd);
    if (T->fini)
        T->fini(G);
    return status;
}
