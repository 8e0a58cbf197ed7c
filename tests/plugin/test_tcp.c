/* The tcp transport plugin against the mock host, over loopback, with a
 * listener the test makes itself (as the core's control listener). */
#include "run_suites.h"
#include "transport_fixture.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BLK 131072u
#define IO_WAIT_MS 5000

static const struct weir_plugin *plug;
static const struct weir_transport_ops *T;
static void *G;
static int lfd = -1;            /* the "control listener", non-blocking */
static uint16_t lport;

static const unsigned char COOKIE[WEIR_COOKIE_SIZE] = "abcdefghijklmnopqrstuvwxyz234567abcd";
static const unsigned char WRONG[WEIR_COOKIE_SIZE] = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";

/* A port with nothing listening on it (bound, then released). */
static uint16_t free_port(void)
{
    uint16_t port = 0;
    int fd = loopback_listener(AF_INET, 1, 0, &port);
    close(fd);
    return port;
}

static struct weir_stream_config base_cfg(void)
{
    struct weir_stream_config c = loopback_stream_config(lport, 1, BLK);
    c.cookie = COOKIE;
    return c;
}

/* server_listen on lfd, wait for a connection, server_accept, unlisten. */
static int accept_one(const struct weir_stream_config *cfg, void **ss)
{
    void *l = NULL;
    int pfd = -1;
    int rc = T->server_listen(G, cfg, lfd, &l, &pfd);
    CU_ASSERT_EQUAL_FATAL(rc, WEIR_OK);
    CU_ASSERT_EQUAL(pfd, lfd);
    CU_ASSERT_TRUE(wait_readable(pfd, IO_WAIT_MS));
    rc = T->server_accept(G, l, cfg, ss);
    T->server_unlisten(G, l);
    return rc;
}

static void open_pair(const struct weir_stream_config *ccfg, const struct weir_stream_config *scfg,
                      void **cs, void **ss)
{
    *cs = *ss = NULL;
    int rc = T->client_open(G, ccfg, cs);
    if (rc != WEIR_OK)
        fprintf(stderr, "client_open: %d %s\n", rc, mock_host_last_error_text());
    CU_ASSERT_EQUAL_FATAL(rc, WEIR_OK);
    rc = accept_one(scfg, ss);
    CU_ASSERT_EQUAL_FATAL(rc, WEIR_OK);
    CU_ASSERT_TRUE(T->stream_fd(*cs) >= 0);
    CU_ASSERT_TRUE(T->stream_fd(*ss) >= 0);
    /* The contract: streams are non-blocking once open. */
    CU_ASSERT_TRUE(fcntl(T->stream_fd(*cs), F_GETFL) & O_NONBLOCK);
    CU_ASSERT_TRUE(fcntl(T->stream_fd(*ss), F_GETFL) & O_NONBLOCK);
}

/* Move exactly n blocks from cs to ss, checking every call's accounting.
 * max_per_call limits the blocks asked of each send(). */
static void pump(void *cs, void *ss, uint32_t blk, uint64_t n, uint32_t max_per_call,
                 struct weir_io *sio, struct weir_io *rio, int *saw_partial)
{
    struct weir_counters c;
    memset(&c, 0, sizeof c);
    while (sio->blocks < n || rio->bytes < sio->bytes) {
        struct pollfd p[2] = {
            { .fd = T->stream_fd(cs), .events = sio->blocks < n ? POLLOUT : 0 },
            { .fd = T->stream_fd(ss), .events = POLLIN },
        };
        int r = poll(p, 2, IO_WAIT_MS);
        CU_ASSERT_FATAL(r > 0);
        if (p[0].revents & POLLOUT) {
            uint64_t left = n - sio->blocks;
            uint32_t ask = left < max_per_call ? (uint32_t)left : max_per_call;
            struct weir_io d = { 0, 0 };
            int rc = T->send(cs, ask, &c, &d);
            CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            CU_ASSERT(d.blocks <= ask);
            CU_ASSERT(d.bytes <= (uint64_t)blk * (d.blocks + 1));
            if (rc == WEIR_E_AGAIN)
                CU_ASSERT(d.bytes == 0 && d.blocks == 0);
            if (saw_partial && d.bytes % blk != 0)
                *saw_partial = 1;
            sio->bytes += d.bytes;
            sio->blocks += d.blocks;
        }
        if (p[1].revents & POLLIN) {
            struct weir_io d = { 0, 0 };
            int rc = T->recv(ss, &c, &d);
            CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            CU_ASSERT(d.blocks <= 16);
            CU_ASSERT(d.bytes <= (uint64_t)blk * d.blocks);
            CU_ASSERT(d.bytes >= d.blocks);
            rio->bytes += d.bytes;
            rio->blocks += d.blocks;
        }
    }
}

/* ---- tests ---- */

static int in_honoured(const char *name)
{
    for (const char *const *p = T->params_honoured; p && *p; p++)
        if (strcmp(*p, name) == 0)
            return 1;
    return 0;
}

static void test_descriptor(void)
{
    expect_transport_descriptor(plug, "tcp",
                                WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS |
                                    WEIR_CAP_CONTROL_PORT | WEIR_CAP_CONGESTION | WEIR_CAP_PAYLOAD,
                                "tcp", "TCP");
    CU_ASSERT_PTR_NOT_NULL(plug->description);
    CU_ASSERT_PTR_NULL(plug->options);
    CU_ASSERT_PTR_NULL(plug->reporter);
    /* iperf3's TCP rules: 128 KiB, up to 1 MiB, no default rate. */
    CU_ASSERT_EQUAL(T->default_blksize, 131072);
    CU_ASSERT_EQUAL(T->blksize_max, 1048576);
    CU_ASSERT_EQUAL(T->blksize_error, 0);
    CU_ASSERT_EQUAL(T->default_rate, 0);
    CU_ASSERT(T->client_open && T->server_listen && T->server_accept && T->server_unlisten &&
              T->stream_fd && T->send && T->recv && T->info && T->close);
    /* iperf3 takes every option with TCP: none is refused. */
    expect_param_lists(T, NULL);
    CU_ASSERT(in_honoured(WEIR_PARAM_ZEROCOPY) && in_honoured(WEIR_PARAM_MPTCP) &&
              !in_honoured(WEIR_PARAM_GSO) && !in_honoured(WEIR_PARAM_DONT_FRAGMENT));
}

/* -Z and --skip-rx-copy reach the streams through host->param, and each
 * stream's facts say what it does; the counts stay exact. Without them,
 * neither. */
static void test_params_and_facts(void)
{
    for (int given = 0; given <= 1; given++) {
        struct weir_param_set cp = { 0 }, sp = { 0 };
        if (given) {
            mock_param_bool(&cp, WEIR_PARAM_ZEROCOPY, 1);
            mock_param_bool(&sp, WEIR_PARAM_SKIP_RX_COPY, 1);
        }
        struct weir_stream_config cfg = base_cfg(), scfg = base_cfg();
        cfg.params = &cp;
        scfg.host = NULL;
        scfg.sending = 0;
        scfg.params = &sp;
        void *cs, *ss;
        open_pair(&cfg, &scfg, &cs, &ss);
        char fc[256], fs[256];
        CU_ASSERT_EQUAL(describe_json(T, cs, fc, sizeof fc), WEIR_OK);
        CU_ASSERT_EQUAL(describe_json(T, ss, fs, sizeof fs), WEIR_OK);
        CU_ASSERT_STRING_EQUAL(fc, given ? "{\"zerocopy\":true,\"skip_rx_copy\":false,\"max_pacing_rate\":0,\"mptcp\":\"off\"}"
                                         : "{\"zerocopy\":false,\"skip_rx_copy\":false,\"max_pacing_rate\":0,\"mptcp\":\"off\"}");
        CU_ASSERT_STRING_EQUAL(fs, given ? "{\"zerocopy\":false,\"skip_rx_copy\":true,\"max_pacing_rate\":0,\"mptcp\":\"off\"}"
                                         : "{\"zerocopy\":false,\"skip_rx_copy\":false,\"max_pacing_rate\":0,\"mptcp\":\"off\"}");
        struct weir_io sio = { 0, 0 }, rio = { 0, 0 };
        pump(cs, ss, BLK, 32, 4, &sio, &rio, NULL);
        CU_ASSERT_EQUAL(sio.bytes, 32 * BLK);
        CU_ASSERT_EQUAL(rio.bytes, 32 * BLK);
        T->close(cs);
        T->close(ss);
    }
}

static void test_transfer_counts(void)
{
    struct weir_stream_config cfg = base_cfg();
    struct weir_stream_config scfg = base_cfg();
    scfg.host = NULL;
    scfg.sending = 0;
    void *cs, *ss;
    open_pair(&cfg, &scfg, &cs, &ss);

    const uint64_t n = 64;
    struct weir_io sio = { 0, 0 }, rio = { 0, 0 };
    pump(cs, ss, BLK, n, 8, &sio, &rio, NULL);
    CU_ASSERT_EQUAL(sio.blocks, n);
    CU_ASSERT_EQUAL(sio.bytes, n * BLK);
    CU_ASSERT_EQUAL(rio.bytes, n * BLK);
    /* One block per read, and no read returns more than a block. */
    CU_ASSERT(rio.blocks >= n);

    /* Nothing beyond the n blocks was sent. */
    struct weir_counters c;
    struct weir_io d = { 0, 0 };
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(T->recv(ss, &c, &d), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(d.bytes, 0);
    CU_ASSERT_EQUAL(d.blocks, 0);

    /* The other direction on the same pair. */
    struct weir_io sio2 = { 0, 0 }, rio2 = { 0, 0 };
    pump(ss, cs, BLK, 5, 1, &sio2, &rio2, NULL);
    CU_ASSERT_EQUAL(sio2.blocks, 5);
    CU_ASSERT_EQUAL(rio2.bytes, 5 * BLK);

    T->close(cs);
    T->close(ss);
}

static void test_single_block(void)
{
    struct weir_stream_config cfg = base_cfg();
    cfg.blksize = 1000;
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    struct weir_counters c;
    struct weir_io d = { 0, 0 };
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(T->send(cs, 1, &c, &d), WEIR_OK);
    CU_ASSERT_EQUAL(d.blocks, 1);
    CU_ASSERT_EQUAL(d.bytes, 1000);
    CU_ASSERT_TRUE(wait_readable(T->stream_fd(ss), IO_WAIT_MS));
    struct weir_io r = { 0, 0 };
    CU_ASSERT_EQUAL(T->recv(ss, &c, &r), WEIR_OK);
    CU_ASSERT_EQUAL(r.bytes, 1000);
    CU_ASSERT_EQUAL(r.blocks, 1);
    T->close(cs);
    T->close(ss);
}

/* A small send buffer and a large block force partial writes; the bytes on
 * the wire must still be whole blocks of the repeating pattern. */
static void test_partial_writes_keep_offset(void)
{
    const uint32_t blk = 1u << 20;
    const uint64_t n = 6;
    struct weir_stream_config cfg = base_cfg();
    cfg.blksize = blk;
    cfg.window = 65536;
    cfg.repeating_payload = 1;
    void *cs = NULL;
    CU_ASSERT_EQUAL_FATAL(T->client_open(G, &cfg, &cs), WEIR_OK);

    CU_ASSERT_TRUE_FATAL(wait_readable(lfd, IO_WAIT_MS));
    int rfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CU_ASSERT_FATAL(rfd >= 0);

    unsigned char *buf = malloc(65536);
    size_t cookie_got = 0;
    unsigned char cookie[WEIR_COOKIE_SIZE];
    uint64_t off = 0;   /* data bytes after the cookie */
    int bad = 0, saw_partial = 0;
    struct weir_io sio = { 0, 0 };
    struct weir_counters c;
    memset(&c, 0, sizeof c);

    while (sio.blocks < n || off < sio.bytes) {
        struct pollfd p[2] = {
            { .fd = T->stream_fd(cs), .events = sio.blocks < n ? POLLOUT : 0 },
            { .fd = rfd, .events = POLLIN },
        };
        CU_ASSERT_FATAL(poll(p, 2, IO_WAIT_MS) > 0);
        if (p[0].revents & POLLOUT) {
            struct weir_io d = { 0, 0 };
            uint32_t ask = n - sio.blocks < 3 ? (uint32_t)(n - sio.blocks) : 3;
            int rc = T->send(cs, ask, &c, &d);
            CU_ASSERT(d.blocks <= ask);
            CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            if (d.bytes % blk)
                saw_partial = 1;
            sio.bytes += d.bytes;
            sio.blocks += d.blocks;
        }
        if (p[1].revents & POLLIN) {
            ssize_t r = read(rfd, buf, 65536);
            CU_ASSERT_FATAL(r > 0);
            size_t have = (size_t)r, i = 0;
            while (cookie_got < WEIR_COOKIE_SIZE && i < have)
                cookie[cookie_got++] = buf[i++];
            for (; i < have; i++, off++)
                if (buf[i] != (unsigned char)('0' + (off % blk) % 10))
                    bad++;
        }
    }
    CU_ASSERT_EQUAL(memcmp(cookie, COOKIE, WEIR_COOKIE_SIZE), 0);
    CU_ASSERT_TRUE(saw_partial);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(sio.blocks, n);
    CU_ASSERT_EQUAL(sio.bytes, n * blk);
    CU_ASSERT_EQUAL(off, n * blk);
    free(buf);
    close(rfd);
    T->close(cs);
}

/* Read what a denied connection gets: expect exactly 0xFF then EOF. */
static void expect_denied(int fd)
{
    unsigned char b[4];
    CU_ASSERT_TRUE(wait_readable(fd, IO_WAIT_MS));
    CU_ASSERT_EQUAL(read(fd, b, sizeof b), 1);
    CU_ASSERT_EQUAL(b[0], 0xFF);
    CU_ASSERT_TRUE(wait_readable(fd, IO_WAIT_MS));
    CU_ASSERT_EQUAL(read(fd, b, sizeof b), 0);
}

static void expect_listener_still_works(void)
{
    struct weir_stream_config cfg = base_cfg();
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    T->close(cs);
    T->close(ss);
}

static void test_wrong_cookie(void)
{
    struct weir_stream_config cfg = base_cfg();
    int fd = loopback_connect(lport);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, WRONG, sizeof WRONG), (ssize_t)sizeof WRONG);
    void *ss = NULL;
    CU_ASSERT_EQUAL(accept_one(&cfg, &ss), WEIR_E_AGAIN);
    CU_ASSERT_PTR_NULL(ss);
    expect_denied(fd);
    close(fd);
    expect_listener_still_works();
}

/* A peer that sends part of a cookie and stalls is dropped at the timeout. */
static void test_short_cookie_stall(void)
{
    struct weir_stream_config cfg = base_cfg();
    cfg.timeout_ms = 300;
    int fd = loopback_connect(lport);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, COOKIE, 10), 10);
    void *ss = NULL;
    uint64_t t0 = now_ms();
    CU_ASSERT_EQUAL(accept_one(&cfg, &ss), WEIR_E_AGAIN);
    uint64_t took = now_ms() - t0;
    CU_ASSERT(took >= 250);
    CU_ASSERT(took < 1500);
    expect_denied(fd);
    close(fd);
    expect_listener_still_works();
}

/* A peer that sends part of a cookie and closes is dropped at once. */
static void test_short_cookie_close(void)
{
    struct weir_stream_config cfg = base_cfg();
    int fd = loopback_connect(lport);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, COOKIE, 10), 10);
    shutdown(fd, SHUT_WR);
    void *ss = NULL;
    uint64_t t0 = now_ms();
    CU_ASSERT_EQUAL(accept_one(&cfg, &ss), WEIR_E_AGAIN);
    CU_ASSERT(now_ms() - t0 < 1000);
    close(fd);
    expect_listener_still_works();
}

static void test_accept_nothing_pending(void)
{
    struct weir_stream_config cfg = base_cfg();
    uint16_t port;
    int bfd = loopback_listener(AF_INET, 4, 0, &port);     /* a blocking listener */
    CU_ASSERT_FATAL(bfd >= 0);
    void *l = NULL, *ss = NULL;
    int pfd;
    CU_ASSERT_EQUAL_FATAL(T->server_listen(G, &cfg, bfd, &l, &pfd), WEIR_OK);
    uint64_t t0 = now_ms();
    CU_ASSERT_EQUAL(T->server_accept(G, l, &cfg, &ss), WEIR_E_AGAIN);
    CU_ASSERT(now_ms() - t0 < 500);
    T->server_unlisten(G, l);
    /* server_unlisten leaves the core's listener open. */
    CU_ASSERT_NOT_EQUAL(fcntl(bfd, F_GETFD), -1);
    close(bfd);
}

static void read_default_cc(char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_congestion_control", "r");
    if (!f)
        return;
    if (fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

static void test_info(void)
{
    struct weir_stream_config cfg = base_cfg();
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    struct weir_io sio = { 0, 0 }, rio = { 0, 0 };
    pump(cs, ss, BLK, 32, 4, &sio, &rio, NULL);

    struct weir_stream_info si;
    memset(&si, 0x5a, sizeof si);
    si.struct_size = sizeof si;
    CU_ASSERT_EQUAL(T->info(cs, &si), WEIR_OK);
    CU_ASSERT_EQUAL(si.struct_size, sizeof si);
    CU_ASSERT_EQUAL(si.valid, 1);
    CU_ASSERT(si.snd_cwnd > 0);
    CU_ASSERT(si.rtt_us > 0 && si.rtt_us < 1000000);
    CU_ASSERT(si.rttvar_us < 1000000);
    CU_ASSERT(si.pmtu >= 1280);
    CU_ASSERT(si.retransmits < 1000);
    CU_ASSERT(si.reorder < 1000000);
    CU_ASSERT(si.snd_wnd < ((uint64_t)1 << 32));
    char def[32];
    read_default_cc(def, sizeof def);
    CU_ASSERT(si.congestion[sizeof si.congestion - 1] == '\0');
    if (def[0])
        CU_ASSERT_STRING_EQUAL(si.congestion, def);

    /* A caller built against a smaller struct gets only what it has. */
    memset(&si, 0x5a, sizeof si);
    si.struct_size = (uint32_t)offsetof(struct weir_stream_info, congestion);
    CU_ASSERT_EQUAL(T->info(cs, &si), WEIR_OK);
    CU_ASSERT_EQUAL(si.valid, 1);
    CU_ASSERT_EQUAL((unsigned char)si.congestion[0], 0x5a);

    T->close(cs);
    T->close(ss);
}

/* -F's payload: a source of 2.5 blocks and a sink, as the core's file. */
struct mem_payload {
    unsigned char data[2500];
    size_t at;                  /* source: bytes handed out; sink: taken in */
    int fail;                   /* fill/consume fail with -1 */
    int fills;
};

static long mem_fill(void *ctx, void *buf, size_t len)
{
    struct mem_payload *m = ctx;
    m->fills++;
    if (m->fail)
        return -1;
    size_t n = sizeof m->data - m->at < len ? sizeof m->data - m->at : len;
    memcpy(buf, m->data + m->at, n);
    m->at += n;
    return (long)n;
}

static int mem_consume(void *ctx, const void *buf, size_t len)
{
    struct mem_payload *m = ctx;
    if (m->fail || m->at + len > sizeof m->data)
        return -1;
    memcpy(m->data + m->at, buf, len);
    m->at += len;
    return 0;
}

static void test_payload(void)
{
    static struct mem_payload src, dst;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    for (size_t i = 0; i < sizeof src.data; i++)
        src.data[i] = (unsigned char)(i * 7 + 3);
    const struct weir_payload ps = { &src, mem_fill, mem_consume };
    const struct weir_payload pd = { &dst, mem_fill, mem_consume };
    struct weir_param_set cp = { 0 }, sp = { 0 };
    mock_param_bool(&cp, WEIR_PARAM_ZEROCOPY, 1);      /* does not apply to the payload's bytes */
    mock_param_bool(&sp, WEIR_PARAM_SKIP_RX_COPY, 1);  /* nor does MSG_TRUNC */
    struct weir_stream_config cfg = base_cfg();
    cfg.blksize = 1000;
    cfg.params = &cp;
    cfg.payload = &ps;
    struct weir_stream_config scfg = cfg;
    scfg.host = NULL;
    scfg.sending = 0;
    scfg.params = &sp;
    scfg.payload = &pd;
    void *cs, *ss;
    open_pair(&cfg, &scfg, &cs, &ss);

    struct weir_counters c;
    memset(&c, 0, sizeof c);
    struct weir_io d = { 0, 0 };
    /* Two whole blocks and the last 500 bytes, then the end. */
    CU_ASSERT_EQUAL(T->send(cs, 16, &c, &d), WEIR_OK);
    CU_ASSERT_EQUAL(d.bytes, 2500);
    CU_ASSERT_EQUAL(d.blocks, 3);
    struct weir_io e = { 0, 0 };
    CU_ASSERT_EQUAL(T->send(cs, 16, &c, &e), WEIR_E_DATAEND);
    CU_ASSERT_EQUAL(e.bytes, 0);
    CU_ASSERT_EQUAL(T->send(cs, 16, &c, &e), WEIR_E_DATAEND);

    struct weir_io r = { 0, 0 };
    for (int i = 0; i < 50 && r.bytes < 2500; i++) {
        CU_ASSERT_TRUE(wait_readable(T->stream_fd(ss), IO_WAIT_MS));
        CU_ASSERT(T->recv(ss, &c, &r) == WEIR_OK);
    }
    CU_ASSERT_EQUAL(r.bytes, 2500);
    CU_ASSERT_EQUAL(dst.at, 2500);
    CU_ASSERT_EQUAL(memcmp(dst.data, src.data, sizeof src.data), 0);

    /* The receiver read it all: the sender sees it acknowledged. */
    struct weir_stream_info si = { .struct_size = sizeof si, .unacked = UINT64_MAX };
    for (int i = 0; i < 100; i++) {
        CU_ASSERT_EQUAL(T->info(cs, &si), WEIR_OK);
        if (si.unacked == 0)
            break;
        usleep(10000);
    }
    CU_ASSERT_EQUAL(si.unacked, 0);

    /* A sink that cannot write, a source that cannot read: WEIR_E_FILE. */
    dst.fail = 1;
    src.at = 0;
    d = (struct weir_io){ 0, 0 };
    T->close(cs);
    CU_ASSERT_TRUE(T->client_open(G, &cfg, &cs) == WEIR_OK);
    void *ss2 = NULL;
    CU_ASSERT_EQUAL_FATAL(accept_one(&scfg, &ss2), WEIR_OK);
    CU_ASSERT_EQUAL(T->send(cs, 1, &c, &d), WEIR_OK);
    CU_ASSERT_TRUE(wait_readable(T->stream_fd(ss2), IO_WAIT_MS));
    r = (struct weir_io){ 0, 0 };
    CU_ASSERT_EQUAL(T->recv(ss2, &c, &r), WEIR_E_FILE);
    src.fail = 1;
    CU_ASSERT_EQUAL(T->send(cs, 1, &c, &d), WEIR_E_FILE);

    T->close(cs);
    T->close(ss);
    T->close(ss2);
}

static void test_congestion(void)
{
    struct weir_param_set tp = { 0 };
    mock_param_string(&tp, WEIR_PARAM_CONGESTION, "reno");  /* built into every kernel */
    struct weir_stream_config cfg = base_cfg();
    cfg.params = &tp;
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    struct weir_stream_info si = { .struct_size = sizeof si };
    CU_ASSERT_EQUAL(T->info(cs, &si), WEIR_OK);
    CU_ASSERT_STRING_EQUAL(si.congestion, "reno");
    memset(&si, 0, sizeof si);
    si.struct_size = sizeof si;
    CU_ASSERT_EQUAL(T->info(ss, &si), WEIR_OK);
    CU_ASSERT_STRING_EQUAL(si.congestion, "reno");
    T->close(cs);
    T->close(ss);

    /* Client: an unknown algorithm fails the open, with detail. */
    mock_param_string(&tp, WEIR_PARAM_CONGESTION, "no-such-cc");
    void *bad = NULL;
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &bad), WEIR_E_SETCONGESTION);
    CU_ASSERT_PTR_NULL(bad);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_SETCONGESTION);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "no-such-cc"));
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), strerror(ENOENT)));
    /* Server: iperf3 only warns, so the stream is still accepted. */
    struct weir_stream_config ccfg = base_cfg();
    open_pair(&ccfg, &cfg, &cs, &ss);
    T->close(cs);
    T->close(ss);
}

static void test_options(void)
{
    struct weir_param_set tp = { 0 };
    mock_param_bool(&tp, WEIR_PARAM_NODELAY, 1);
    mock_param_uint(&tp, WEIR_PARAM_TOS, 0x10);
    mock_param_uint(&tp, WEIR_PARAM_MSS, 1000);
    struct weir_stream_config cfg = base_cfg();
    cfg.params = &tp;
    cfg.window = 65536;
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    int fds[2] = { T->stream_fd(cs), T->stream_fd(ss) };
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(sockopt_int(fds[i], IPPROTO_TCP, TCP_NODELAY), 1);
        /* Linux doubles the value for its bookkeeping. */
        CU_ASSERT(sockopt_int(fds[i], SOL_SOCKET, SO_SNDBUF) >= 65536);
        CU_ASSERT(sockopt_int(fds[i], SOL_SOCKET, SO_RCVBUF) >= 65536);
        CU_ASSERT_EQUAL(sockopt_int(fds[i], IPPROTO_IP, IP_TOS), 0x10);
    }
    int mss = sockopt_int(fds[0], IPPROTO_TCP, TCP_MAXSEG);
    CU_ASSERT(mss > 0 && mss <= 1000);
    T->close(cs);
    T->close(ss);

    /* Defaults leave the kernel's choices alone. */
    cfg = base_cfg();
    open_pair(&cfg, &cfg, &cs, &ss);
    CU_ASSERT_EQUAL(sockopt_int(T->stream_fd(cs), IPPROTO_TCP, TCP_NODELAY), 0);
    CU_ASSERT_EQUAL(sockopt_int(T->stream_fd(cs), IPPROTO_IP, IP_TOS), 0);
    T->close(cs);
    T->close(ss);

    /* The kernel refuses an MSS below its minimum (88). */
    struct weir_param_set tiny = { 0 };
    mock_param_uint(&tiny, WEIR_PARAM_MSS, 1);
    cfg.params = &tiny;
    void *bad = NULL;
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &bad), WEIR_E_SETMSS);
    CU_ASSERT_PTR_NULL(bad);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_SETMSS);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), strerror(EINVAL)));
}

static void test_bind_cport(void)
{
    struct weir_stream_config cfg = base_cfg();
    cfg.bind_host = "127.0.0.1";
    cfg.cport = free_port();
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    CU_ASSERT_EQUAL(getpeername(T->stream_fd(ss), (struct sockaddr *)&peer, &len), 0);
    CU_ASSERT_EQUAL(ntohs(peer.sin_port), cfg.cport);
    T->close(cs);
    T->close(ss);
}

static void test_connect_refused(void)
{
    struct weir_stream_config cfg = base_cfg();
    cfg.port = free_port();
    void *cs = NULL;
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &cs), WEIR_E_STREAMCONNECT);
    CU_ASSERT_PTR_NULL(cs);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_STREAMCONNECT);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), strerror(ECONNREFUSED)));

    cfg.host = "no-such-host.invalid";
    CU_ASSERT_EQUAL(T->client_open(G, &cfg, &cs), WEIR_E_STREAMCONNECT);
    CU_ASSERT_PTR_NULL(cs);
}

/* A listener whose accept queue is full drops SYNs, so connect hangs: the
 * open must give up at timeout_ms. */
static void test_connect_timeout(void)
{
    uint16_t port;
    int full = loopback_listener(AF_INET, 0, 1, &port);
    CU_ASSERT_FATAL(full >= 0);
    int filler[4];
    for (int i = 0; i < 4; i++) {
        filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        connect(filler[i], (struct sockaddr *)&a, sizeof a);
    }
    struct weir_stream_config cfg = base_cfg();
    cfg.port = port;
    cfg.timeout_ms = 300;
    void *cs = NULL;
    uint64_t t0 = now_ms();
    int rc = T->client_open(G, &cfg, &cs);
    uint64_t took = now_ms() - t0;
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMCONNECT);
    CU_ASSERT_PTR_NULL(cs);
    CU_ASSERT(took >= 250 && took < 1500);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "timed out"));
    if (cs)
        T->close(cs);
    for (int i = 0; i < 4; i++)
        close(filler[i]);
    close(full);
}

static void test_send_after_peer_closed(void)
{
    /* A SIGPIPE would kill the test program. */
    signal(SIGPIPE, SIG_DFL);
    struct weir_stream_config cfg = base_cfg();
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    T->close(ss);

    struct weir_counters c;
    memset(&c, 0, sizeof c);
    int rc = WEIR_OK;
    for (int i = 0; i < 400 && rc != WEIR_E_STREAMWRITE; i++) {
        struct weir_io d = { 0, 0 };
        rc = T->send(cs, 4, &c, &d);
        CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_AGAIN || rc == WEIR_E_STREAMWRITE);
        if (rc != WEIR_E_STREAMWRITE)
            usleep(5000);
    }
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMWRITE);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_STREAMWRITE);
    T->close(cs);
}

static void test_recv_after_peer_closed(void)
{
    struct weir_stream_config cfg = base_cfg();
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    struct weir_counters c;
    memset(&c, 0, sizeof c);
    struct weir_io d = { 0, 0 };

    CU_ASSERT_EQUAL(T->recv(ss, &c, &d), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(T->send(cs, 1, &c, &d), WEIR_OK);
    T->close(cs);

    /* The block arrives first, then the close. */
    struct weir_io r = { 0, 0 };
    int rc = WEIR_E_AGAIN;
    for (int i = 0; i < 100 && rc != WEIR_E_STREAMCLOSE; i++) {
        CU_ASSERT_TRUE(wait_readable(T->stream_fd(ss), IO_WAIT_MS));
        rc = T->recv(ss, &c, &r);
        CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_STREAMCLOSE);
    }
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMCLOSE);
    CU_ASSERT_EQUAL(r.bytes, BLK);
    T->close(ss);
}

static void test_ipv6(void)
{
    uint16_t port;
    int l6 = loopback_listener(AF_INET6, 8, 1, &port);
    if (l6 < 0) {
        fprintf(stderr, "(no IPv6 loopback; skipped) ");
        return;
    }
    int saved = lfd;
    lfd = l6;
    struct weir_stream_config cfg = base_cfg();
    cfg.family = AF_INET6;
    cfg.host = "::1";
    cfg.port = port;
    struct weir_param_set tp = { 0 };
    mock_param_uint(&tp, WEIR_PARAM_TOS, 0x20);
    cfg.params = &tp;
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    CU_ASSERT_EQUAL(sockopt_int(T->stream_fd(cs), IPPROTO_IPV6, IPV6_TCLASS), 0x20);
    CU_ASSERT_EQUAL(sockopt_int(T->stream_fd(ss), IPPROTO_IPV6, IPV6_TCLASS), 0x20);
    struct weir_io sio = { 0, 0 }, rio = { 0, 0 };
    pump(cs, ss, BLK, 4, 4, &sio, &rio, NULL);
    CU_ASSERT_EQUAL(rio.bytes, 4 * BLK);
    T->close(cs);
    T->close(ss);
    lfd = saved;
    close(l6);
}

/* The core's default listener is IPv6 dual-stack: an IPv4 client arrives
 * v4-mapped, and its TOS byte is IP_TOS, not IPV6_TCLASS. */
static void test_dual_stack_tos(void)
{
    int l6 = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int zero = 0;
    struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
    socklen_t len = sizeof a;
    if (l6 < 0 || setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0 ||
        inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr) != 1 ||
        bind(l6, (struct sockaddr *)&a, sizeof a) < 0 || listen(l6, 8) < 0 ||
        getsockname(l6, (struct sockaddr *)&a, &len) < 0) {
        fprintf(stderr, "(no dual-stack IPv6; skipped) ");
        if (l6 >= 0)
            close(l6);
        return;
    }
    int saved = lfd;
    lfd = l6;
    struct weir_stream_config cfg = base_cfg();
    cfg.port = ntohs(a.sin6_port);
    struct weir_param_set tp = { 0 };
    mock_param_uint(&tp, WEIR_PARAM_TOS, 0x28);
    cfg.params = &tp;
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);
    CU_ASSERT_EQUAL(sockopt_int(T->stream_fd(cs), IPPROTO_IP, IP_TOS), 0x28);
    CU_ASSERT_EQUAL(sockopt_int(T->stream_fd(ss), IPPROTO_IP, IP_TOS), 0x28);
    T->close(cs);
    T->close(ss);
    lfd = saved;
    close(l6);
}

/* ---- beneath another transport (stacking) ---- */

/* Fill buf with a pattern that shows where a byte came from. */
static void fill_pattern(unsigned char *buf, size_t len, size_t from)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)((from + i) * 31 + 7);
}

/* Write want bytes of the pattern on cs with write_bytes and read them on
 * ss with read_bytes, both non-blocking, polling as an upper layer would.
 * Checks every byte; *partial is set when a write took less than asked. */
static void move_bytes(void *cs, void *ss, size_t want, int *partial)
{
    /* Writes larger than the socket buffer, so that some come back short. */
    static unsigned char out[1u << 20], in[65536], expect[65536];
    size_t written = 0, got = 0;
    uint64_t end = now_ms() + 4 * IO_WAIT_MS;
    *partial = 0;
    while (got < want && now_ms() < end) {
        struct pollfd p[2] = {
            { .fd = T->stream_fd(cs), .events = written < want ? POLLOUT : 0 },
            { .fd = T->stream_fd(ss), .events = POLLIN },
        };
        CU_ASSERT_FATAL(poll(p, 2, IO_WAIT_MS) > 0);
        if (p[0].revents & POLLOUT) {
            size_t ask = want - written < sizeof out ? want - written : sizeof out, n = 0;
            fill_pattern(out, ask, written);
            int rc = T->write_bytes(cs, out, ask, &n);
            CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            CU_ASSERT(rc == WEIR_OK ? n >= 1 && n <= ask : n == 0);
            *partial |= n < ask;
            written += n;
        }
        if (p[1].revents & POLLIN) {
            size_t n = 0;
            int rc = T->read_bytes(ss, in, sizeof in, &n);
            CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            fill_pattern(expect, n, got);
            CU_ASSERT(memcmp(in, expect, n) == 0);
            got += n;
        }
    }
    CU_ASSERT_EQUAL(written, want);
    CU_ASSERT_EQUAL(got, want);
}

/* A stream opened for an upper layer (tls): the cookie first, as for a
 * data stream, then bytes as they come through write_bytes/read_bytes;
 * the core's send/recv say no; the peer's close and a reset come back as
 * STREAMCLOSE and STREAMWRITE with errno. */
static void test_lower_bytes(void)
{
    struct weir_stream_config cfg = base_cfg();
    cfg.lower = WEIR_LOWER_STREAM;
    cfg.blksize = 0;            /* does not apply */
    cfg.window = 65536;         /* a small buffer: writes come back short */
    void *cs, *ss;
    open_pair(&cfg, &cfg, &cs, &ss);    /* server_accept checked the cookie */
    CU_ASSERT_PTR_NOT_NULL(T->write_bytes);
    CU_ASSERT_PTR_NOT_NULL(T->read_bytes);

    size_t n = 99;
    unsigned char b[16];
    CU_ASSERT_EQUAL(T->read_bytes(ss, b, sizeof b, &n), WEIR_E_AGAIN);
    CU_ASSERT_EQUAL(n, 0);
    int partial = 0;
    move_bytes(cs, ss, 8u << 20, &partial);
    CU_ASSERT(partial);
    move_bytes(ss, cs, 1000, &partial);     /* and the other way */

    struct weir_counters c;
    struct weir_io io = { 0, 0 };
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(T->send(cs, 1, &c, &io), WEIR_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(T->recv(ss, &c, &io), WEIR_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(T->recv_wait(ss, &c, &io, 10), WEIR_E_UNSUPPORTED);

    /* The peer closes: STREAMCLOSE, and again on the next call. */
    T->close(cs);
    CU_ASSERT(wait_readable(T->stream_fd(ss), IO_WAIT_MS));
    CU_ASSERT_EQUAL(T->read_bytes(ss, b, sizeof b, &n), WEIR_E_STREAMCLOSE);
    CU_ASSERT_EQUAL(T->read_bytes(ss, b, sizeof b, &n), WEIR_E_STREAMCLOSE);
    /* Writing to it: the kernel's error, in errno too. */
    int rc = WEIR_OK;
    for (int i = 0; i < 100 && rc != WEIR_E_STREAMWRITE; i++) {
        errno = 0;
        rc = T->write_bytes(ss, b, sizeof b, &n);
        if (rc != WEIR_E_STREAMWRITE)
            usleep(10000);
    }
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMWRITE);
    CU_ASSERT(errno == EPIPE || errno == ECONNRESET);
    CU_ASSERT(strstr(mock_host_last_error_text(), "send: ") != NULL);
    T->close(ss);
}

/* WEIR_LOWER_PLAIN: the client sends nothing of its own (the first bytes
 * the listener sees are the upper layer's); a server cannot take such
 * streams, since tcp's reach it on the control port told apart by cookie. */
static void test_lower_plain(void)
{
    struct weir_stream_config cfg = base_cfg();
    cfg.lower = WEIR_LOWER_STREAM | WEIR_LOWER_PLAIN;
    cfg.cookie = NULL;
    void *cs = NULL;
    CU_ASSERT_EQUAL_FATAL(T->client_open(G, &cfg, &cs), WEIR_OK);
    CU_ASSERT_FATAL(wait_readable(lfd, IO_WAIT_MS));
    int fd = accept(lfd, NULL, NULL);
    CU_ASSERT_FATAL(fd >= 0);
    size_t n = 0;
    CU_ASSERT_EQUAL(T->write_bytes(cs, "hello", 5, &n), WEIR_OK);
    CU_ASSERT_EQUAL(n, 5);
    char got[64];
    CU_ASSERT(wait_readable(fd, IO_WAIT_MS));
    CU_ASSERT(recv(fd, got, sizeof got, MSG_DONTWAIT) == 5 && memcmp(got, "hello", 5) == 0);
    close(fd);
    T->close(cs);

    void *l = NULL;
    int pfd = -1;
    CU_ASSERT_EQUAL(T->server_listen(G, &cfg, lfd, &l, &pfd), WEIR_E_UNSUPPORTED);
    CU_ASSERT(strstr(mock_host_last_error_text(), "cookie") != NULL);
}

int main(void)
{
    /* Bound the run time whatever happens. */
    alarm(120);
    T = load_transport("tcp", &plug, &G);
    if (T == NULL)
        return 1;
    lfd = loopback_listener(AF_INET, 64, 1, &lport);
    if (lfd < 0) {
        perror("listener");
        return 1;
    }

    static CU_TestInfo tests[] = {
        { "descriptor", test_descriptor },
        { "transfer counts both sides", test_transfer_counts },
        { "one block", test_single_block },
        { "partial writes keep the offset", test_partial_writes_keep_offset },
        { "wrong cookie gets 0xFF", test_wrong_cookie },
        { "short cookie, stalled peer", test_short_cookie_stall },
        { "short cookie, closed peer", test_short_cookie_close },
        { "accept with nothing pending", test_accept_nothing_pending },
        { "info", test_info },
        { "payload (-F): fill, consume, end, errors", test_payload },
        { "parameters -Z, --skip-rx-copy and the stream's facts", test_params_and_facts },
        { "congestion", test_congestion },
        { "socket options", test_options },
        { "bind and cport", test_bind_cport },
        { "connect refused", test_connect_refused },
        { "connect timeout", test_connect_timeout },
        { "send after peer closed", test_send_after_peer_closed },
        { "recv after peer closed", test_recv_after_peer_closed },
        { "IPv6", test_ipv6 },
        { "dual-stack listener, IPv4 TOS", test_dual_stack_tos },
        { "beneath another transport: cookie, then bytes", test_lower_bytes },
        { "beneath another transport, plain", test_lower_plain },
        CU_TEST_INFO_NULL,
    };
    int status = run_suite("tcp transport", NULL, tests);

    close(lfd);
    if (T->fini)
        T->fini(G);
    return status;
}
