/* The quic transport plugin against the mock host, over loopback.
 *
 * quic stacks on udp through host->open_lower, which the mock host answers
 * as weir does (the built udp.so, initialised for its first user, finished
 * after its last). The checks: the descriptor; init refusing contradictory
 * trust options with one line each, and the lower reference it takes and
 * gives back; a client and a server (two inits, as two processes would
 * be) moving an exact number of blocks both ways after a pinned
 * handshake; a wrong pin and an unknown -C refused at open; Version
 * Negotiation; the amplification limit against a client that sends its
 * Initial and nothing more (a real one, by ngtcp2 and GnuTLS here); a
 * transfer that survives truncated and replayed copies of its own
 * datagrams. Run time is bounded by alarm(). */
#include "run_suites.h"
#include "transport_fixture.h"

#include <CUnit/Basic.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "quic_initial.h"

#define BLK 16384u
#define BLOCKS 64u
#define WAIT_MS 5000

static const struct weir_plugin *plug;
static const struct weir_transport_ops *T;
static int ctl_fd = -1;
static uint16_t port;
static const unsigned char COOKIE[WEIR_COOKIE_SIZE] = "quicquicquicquicquicquicquicquicquic";

/* The mock host's services, but set_error per thread (as weir's is): a
 * client and a server thread run at once here. */
static struct weir_host host;
static _Thread_local char err_text[512];

static void th_set_error(enum weir_status code, const char *fmt, ...)
{
    va_list ap;
    (void)code;
    va_start(ap, fmt);
    vsnprintf(err_text, sizeof err_text, fmt, ap);
    va_end(ap);
}

static void clear_options(void)
{
    static const char *const names[] = { "tls-fingerprint", "tls-ca", "tls-cert", "tls-key",
                                         "tls-client-cert", "tls-client-key", "quic-streams", NULL };
    for (int i = 0; names[i]; i++)
        mock_host_set_option(names[i], NULL);
    mock_host_set_flag("tls-insecure", 0);
}

static void test_descriptor(void)
{
    expect_transport_descriptor(plug, "quic",
                                WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONGESTION |
                                    WEIR_CAP_EXTENSION | WEIR_CAP_STREAM_TAG | WEIR_CAP_ENCRYPTED |
                                    WEIR_CAP_SEND_DRAIN | WEIR_CAP_PAYLOAD,
                                "udp", "UDP");
    static const char *const refused[] = { WEIR_PARAM_ZEROCOPY, WEIR_PARAM_SKIP_RX_COPY, WEIR_PARAM_FLOWLABEL,
                                           WEIR_PARAM_MPTCP, WEIR_PARAM_NOTSENT_LOWAT, NULL };
    expect_param_lists(T, refused);
}

/* init with these options fails with WEIR_E_USAGE and a line holding want. */
static void expect_init_refused(const char *want)
{
    void *g = NULL;
    CU_ASSERT_EQUAL(T->init(&host, &g), WEIR_E_USAGE);
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text, want));
    if (!strstr(err_text, want))
        fprintf(stderr, "got: %s\n", err_text);
    clear_options();
}

static void test_init_refusals(void)
{
    mock_host_set_option("tls-fingerprint", "00:11");
    expect_init_refused("expected a SHA-256 fingerprint, 64 hex digits");
    mock_host_set_option("tls-fingerprint",
                         "0011223344556677889900112233445566778899001122334455667788990011");
    mock_host_set_flag("tls-insecure", 1);
    expect_init_refused("cannot be combined with --tls-fingerprint or --tls-ca");
    mock_host_set_option("tls-key", "/dev/null");
    expect_init_refused("--tls-key needs --tls-cert");
    mock_host_set_option("tls-ca", "/nonexistent/ca.pem");
    expect_init_refused("--tls-ca /nonexistent/ca.pem: No such file or directory");
    mock_host_set_uint("quic-streams", 0);
    expect_init_refused("--quic-streams 0: 1 to 64 QUIC streams per connection");
    mock_host_set_uint("quic-streams", 65);
    expect_init_refused("--quic-streams 65: 1 to 64 QUIC streams per connection");
    CU_ASSERT_EQUAL(mock_host_lower_users("udp"), 0);
}

static void test_lower_reference(void)
{
    void *g = NULL;
    int finis = mock_host_lower_finis("udp");
    CU_ASSERT_EQUAL_FATAL(T->init(&host, &g), WEIR_OK);
    CU_ASSERT_EQUAL(mock_host_lower_users("udp"), 1);
    T->fini(g);
    CU_ASSERT_EQUAL(mock_host_lower_users("udp"), 0);
    CU_ASSERT_EQUAL(mock_host_lower_finis("udp"), finis + 1);
}

/* ---- a server thread: accept one stream, then move blocks ---- */

struct server {
    void *g;
    int sending;
    int rc;                     /* of listen/accept */
    _Atomic int listening;      /* server_listen returned */
    char why[512];              /* the error text of a failed accept */
    uint64_t bytes;             /* received, or sent */
    pthread_t thread;
};

static void *serve(void *arg)
{
    struct server *sv = arg;
    struct weir_stream_config cfg = loopback_stream_config(port, sv->sending, BLK);
    cfg.host = NULL;
    cfg.cookie = COOKIE;
    cfg.stream_tag = 1;
    void *l = NULL, *s = NULL;
    int pfd = -1;
    sv->rc = T->server_listen(sv->g, &cfg, ctl_fd, &l, &pfd);
    sv->listening = 1;
    if (sv->rc != WEIR_OK)
        return NULL;
    uint64_t until = now_ms() + WAIT_MS;
    do {
        struct pollfd p = { .fd = pfd, .events = POLLIN };
        (void)poll(&p, 1, 100);
        sv->rc = T->server_accept(sv->g, l, &cfg, &s);
    } while (sv->rc == WEIR_E_AGAIN && now_ms() < until);
    if (sv->rc != WEIR_OK)
        snprintf(sv->why, sizeof sv->why, "%s", err_text);
    if (sv->rc == WEIR_OK) {
        struct weir_counters c = { 0 };
        while (now_ms() < until && sv->bytes < (uint64_t)BLOCKS * BLK) {
            struct weir_io io = { 0, 0 };
            int rc = sv->sending ? T->send(s, 1, &c, &io) : T->recv_wait(s, &c, &io, 20);
            sv->bytes += io.bytes;
            if (rc != WEIR_OK && rc != WEIR_E_AGAIN)
                break;
        }
        /* A sender stays until the peer has it all, a receiver keeps
         * acknowledging until the sender closes. */
        while (sv->sending && now_ms() < until) {
            struct weir_io io = { 0, 0 };
            struct weir_stream_info si = { .struct_size = sizeof si, .unacked = UINT64_MAX };
            (void)T->send(s, 0, &c, &io);
            if (T->info(s, &si) == WEIR_OK && si.unacked == 0)
                break;
        }
        while (!sv->sending && now_ms() < until) {
            struct weir_io io = { 0, 0 };
            if (T->recv_wait(s, &c, &io, 20) == WEIR_E_STREAMCLOSE)
                break;
            sv->bytes += io.bytes;
        }
        T->close(s);
    }
    T->server_unlisten(sv->g, l);
    return NULL;
}

/* A server of its own init (its own ephemeral certificate), serving one
 * stream in a thread. */
static void start_server(struct server *sv, int sending)
{
    memset(sv, 0, sizeof *sv);
    sv->sending = sending;
    CU_ASSERT_EQUAL_FATAL(T->init(&host, &sv->g), WEIR_OK);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&sv->thread, NULL, serve, sv), 0);
    for (uint64_t until = now_ms() + WAIT_MS; !sv->listening && now_ms() < until;)
        usleep(1000);
}

static void stop_server(struct server *sv)
{
    pthread_join(sv->thread, NULL);
    T->fini(sv->g);
}

static int client_open_at(uint16_t to, void *g, int sending, const char *cc, void **s)
{
    struct weir_param_set ps = { 0 };
    struct weir_stream_config cfg = loopback_stream_config(to, sending, BLK);
    cfg.cookie = COOKIE;
    cfg.stream_tag = 1;
    if (cc) {
        mock_param_string(&ps, WEIR_PARAM_CONGESTION, cc);
        cfg.params = &ps;
    }
    int rc = T->client_open(g, &cfg, s);
    return rc;
}

static int client_open(void *g, int sending, const char *cc, void **s)
{
    return client_open_at(port, g, sending, cc, s);
}

static void check_transfer(int client_sends)
{
    struct server sv;
    start_server(&sv, !client_sends);
    mock_host_set_flag("tls-insecure", 1);
    void *g = NULL, *s = NULL;
    CU_ASSERT_EQUAL_FATAL(T->init(&host, &g), WEIR_OK);
    clear_options();
    CU_ASSERT_EQUAL(client_open(g, client_sends, "reno", &s), WEIR_OK);
    uint64_t bytes = 0, until = now_ms() + WAIT_MS;
    if (s) {
        struct weir_counters c = { 0 };
        while (now_ms() < until && bytes < (uint64_t)BLOCKS * BLK) {
            struct weir_io io = { 0, 0 };
            int rc = client_sends ? T->send(s, 1, &c, &io) : T->recv_wait(s, &c, &io, 20);
            bytes += io.bytes;
            if (rc != WEIR_OK && rc != WEIR_E_AGAIN)
                break;
        }
        /* A sender stays until the peer has it all (unacked 0). */
        struct weir_stream_info si = { .struct_size = sizeof si, .unacked = UINT64_MAX };
        while (client_sends && now_ms() < until) {
            struct weir_io io = { 0, 0 };
            (void)T->send(s, 0, &c, &io);
            CU_ASSERT_EQUAL(io.bytes, 0);
            si.unacked = UINT64_MAX;
            if (T->info(s, &si) == WEIR_OK && si.unacked == 0)
                break;
        }
        CU_ASSERT_EQUAL(T->info(s, &si), WEIR_OK);
        CU_ASSERT_STRING_EQUAL(si.congestion, "reno");
        char facts[1024];
        CU_ASSERT_EQUAL(describe_json(T, s, facts, sizeof facts), WEIR_OK);
        CU_ASSERT_PTR_NOT_NULL(strstr(facts, "\"alpn\":\"weir-perf/1\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(facts, "\"version\":\"TLSv1.3\""));
        T->close(s);
    }
    stop_server(&sv);
    T->fini(g);
    CU_ASSERT_EQUAL(sv.rc, WEIR_OK);
    CU_ASSERT_EQUAL(bytes, (uint64_t)BLOCKS * BLK);
    CU_ASSERT_EQUAL(sv.bytes, (uint64_t)BLOCKS * BLK);
}

static void test_client_sends(void) { check_transfer(1); }
static void test_server_sends(void) { check_transfer(0); }

static void check_refused(const char *pin, const char *cc, const char *want)
{
    struct server sv;
    start_server(&sv, 0);
    if (pin)
        mock_host_set_option("tls-fingerprint", pin);
    else
        mock_host_set_flag("tls-insecure", 1);
    void *g = NULL, *s = NULL;
    CU_ASSERT_EQUAL_FATAL(T->init(&host, &g), WEIR_OK);
    clear_options();
    CU_ASSERT_NOT_EQUAL(client_open(g, 1, cc, &s), WEIR_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text, want));
    if (!strstr(err_text, want))
        fprintf(stderr, "got: %s\n", err_text);
    stop_server(&sv);           /* its accept gives up: bounded by WAIT_MS */
    T->fini(g);
}

static void test_wrong_pin(void)
{
    check_refused("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL,
                  "not the one given with --tls-fingerprint");
}

static void test_unknown_cc(void)
{
    check_refused(NULL, "vegas", "congestion controllers cubic, reno, bbr, bbr2");
}

/* A client of another QUIC version: after the tagged hello, a padded
 * long-header packet of version 0x1a2a3a4a gets Version Negotiation back
 * (version 0, our connection IDs swapped, version 1 offered). */
static void test_version_negotiation(void)
{
    struct server sv;
    start_server(&sv, 0);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    unsigned char hello[4 + WEIR_COOKIE_SIZE], pkt[1200], back[1500];
    memcpy(hello, "9876", 4);
    memcpy(hello + 4, COOKIE, WEIR_COOKIE_SIZE);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(sendto(fd, hello, sizeof hello, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)sizeof hello);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    CU_ASSERT_FATAL(wait_readable(fd, WAIT_MS));
    CU_ASSERT_EQUAL(recvfrom(fd, back, sizeof back, 0, (struct sockaddr *)&from, &flen), 4);
    CU_ASSERT(memcmp(back, "6789", 4) == 0);
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 0xc0;                              /* long header, Initial */
    memcpy(pkt + 1, "\x1a\x2a\x3a\x4a", 4);     /* a version nobody speaks */
    pkt[5] = 8;
    memcpy(pkt + 6, "DCIDdcid", 8);
    pkt[14] = 8;
    memcpy(pkt + 15, "SCIDscid", 8);
    CU_ASSERT_EQUAL(sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&from, flen), (ssize_t)sizeof pkt);
    CU_ASSERT_FATAL(wait_readable(fd, WAIT_MS));
    ssize_t n = recv(fd, back, sizeof back, 0);
    CU_ASSERT(n >= 1 + 4 + 1 + 8 + 1 + 8 + 4);
    if (n >= 27) {
        CU_ASSERT(back[0] & 0x80);
        CU_ASSERT(memcmp(back + 1, "\0\0\0\0", 4) == 0);       /* Version Negotiation */
        CU_ASSERT(back[5] == 8 && memcmp(back + 6, "SCIDscid", 8) == 0);
        CU_ASSERT(back[14] == 8 && memcmp(back + 15, "DCIDdcid", 8) == 0);
        int has_v1 = 0;
        for (ssize_t i = 23; i + 4 <= n; i += 4)
            has_v1 |= memcmp(back + i, "\0\0\0\1", 4) == 0;
        CU_ASSERT(has_v1);
    }
    close(fd);
    stop_server(&sv);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.why, "QUIC version 0x1a2a3a4a"));
}

/* The tagged hello from a new socket; the socket connected to the server's
 * stream socket that answered. -1 when there was no answer. */
static int hello_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    unsigned char hello[4 + WEIR_COOKIE_SIZE], back[16];
    memcpy(hello, "9876", 4);
    memcpy(hello + 4, COOKIE, WEIR_COOKIE_SIZE);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    if (fd < 0 || sendto(fd, hello, sizeof hello, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof hello ||
        !wait_readable(fd, WAIT_MS) ||
        recvfrom(fd, back, sizeof back, 0, (struct sockaddr *)&from, &flen) != 4 ||
        connect(fd, (struct sockaddr *)&from, flen) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* RFC 9000 §8.1: before the client's address is validated the server
 * sends at most three times what it received. The client sends its one
 * Initial and never answers; whatever the server sends in the next 8 s
 * is counted: its first flight, then the repeats of its probe timeouts
 * (about 1, 3 and 7 s after, each datagram with an Initial padded to 1200
 * bytes), which alone would pass the limit. */
static void test_amplification_limit(void)
{
    struct server sv;
    start_server(&sv, 0);
    int fd = hello_socket();
    CU_ASSERT_FATAL(fd >= 0);
    uint8_t pkt[1500], back[65536];
    struct sockaddr_storage local, remote;
    socklen_t llen = sizeof local, rlen = sizeof remote;
    CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&local, &llen) == 0 &&
                    getpeername(fd, (struct sockaddr *)&remote, &rlen) == 0);
    size_t n = quic_client_initial((struct sockaddr *)&local, llen, (struct sockaddr *)&remote, rlen,
                                   NULL, 0, pkt, sizeof pkt);
    CU_ASSERT(n >= 1200);
    CU_ASSERT_EQUAL(send(fd, pkt, n, 0), (ssize_t)n);
    size_t got = 0, datagrams = 0;
    for (uint64_t until = now_ms() + 8000; now_ms() < until;) {
        if (!wait_readable(fd, 100))
            continue;
        ssize_t r = recv(fd, back, sizeof back, 0);
        if (r > 0) {
            got += (size_t)r;
            datagrams++;
        }
    }
    CU_ASSERT(datagrams >= 1);          /* the server answered */
    CU_ASSERT(got > 0 && got <= 3 * n);
    /* And it stopped at the limit, not for want of something to send: one
     * more padded Initial (1200 bytes) would have passed it. */
    CU_ASSERT(got + 1200 > 3 * n);
    if (got > 3 * n || got + 1200 <= 3 * n)
        fprintf(stderr, "\nserver sent %zu bytes for the client's %zu\n", got, n);
    close(fd);
    stop_server(&sv);
    CU_ASSERT_NOT_EQUAL(sv.rc, WEIR_OK);    /* the handshake never finished */
}

/* An empty datagram after the hello (ngtcp2 asserts a packet has a first
 * byte, which would abort the whole server): the stream is refused. */
static void test_empty_first_datagram(void)
{
    struct server sv;
    start_server(&sv, 0);
    int fd = hello_socket();
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(send(fd, "", 0, 0), 0);
    stop_server(&sv);
    close(fd);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.why, "first datagram is empty"));
}

/* A transfer whose datagrams to the server are also delivered truncated
 * (lengths 1 to all but one byte) and again 64 datagrams later (replays):
 * ngtcp2 drops what fails authentication or repeats a packet number, and
 * the transfer is exact. A relay between client and server makes the
 * copies; the hello and its answer pass unchanged (the answer's source,
 * the server's stream socket, is where the rest goes). */
struct relay {
    int outer, inner;           /* outer: the client's side; inner: to the server */
    _Atomic int stop;
    uint64_t truncated, replayed;
    pthread_t thread;
};

static void relay_copies(struct relay *r, const unsigned char *buf, size_t n)
{
    static unsigned char saved[64][1500];
    static size_t saved_len[64];
    static size_t k;
    if (n <= 4 || n > sizeof saved[0])
        return;
    (void)send(r->inner, buf, 1 + k % (n - 1), 0);
    r->truncated++;
    size_t at = k % 64;
    if (saved_len[at]) {
        (void)send(r->inner, saved[at], saved_len[at], 0);
        r->replayed++;
    }
    memcpy(saved[at], buf, n);
    saved_len[at] = n;
    k++;
}

static void *relay_run(void *arg)
{
    struct relay *r = arg;
    unsigned char buf[65536];
    struct sockaddr_storage client;
    socklen_t clen = 0;
    int linked = 0;             /* inner is connected to the server's stream socket */
    while (!r->stop) {
        struct pollfd p[2] = { { .fd = r->outer, .events = POLLIN }, { .fd = r->inner, .events = POLLIN } };
        if (poll(p, 2, 50) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            socklen_t l = sizeof client;
            ssize_t n = recvfrom(r->outer, buf, sizeof buf, 0, (struct sockaddr *)&client, &l);
            if (n <= 0)
                continue;
            clen = l;
            if (!linked) {
                struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                (void)sendto(r->inner, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof to);
                continue;
            }
            (void)send(r->inner, buf, (size_t)n, 0);
            relay_copies(r, buf, (size_t)n);
        }
        if ((p[1].revents & POLLIN) && clen) {
            struct sockaddr_storage from;
            socklen_t flen = sizeof from;
            ssize_t n = recvfrom(r->inner, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
            if (n <= 0)
                continue;
            if (!linked)
                linked = connect(r->inner, (struct sockaddr *)&from, flen) == 0;
            (void)sendto(r->outer, buf, (size_t)n, 0, (struct sockaddr *)&client, clen);
        }
    }
    return NULL;
}

static int loopback_udp(uint16_t *bound)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return fd;
}

static void test_truncated_and_replayed(void)
{
    struct server sv;
    start_server(&sv, 0);
    struct relay r = { .outer = -1, .inner = -1 };
    uint16_t relay_port = 0, unused;
    r.outer = loopback_udp(&relay_port);
    r.inner = loopback_udp(&unused);
    CU_ASSERT_FATAL(r.outer >= 0 && r.inner >= 0);
    CU_ASSERT_FATAL(pthread_create(&r.thread, NULL, relay_run, &r) == 0);
    void *g = NULL, *s = NULL;
    mock_host_set_flag("tls-insecure", 1);
    CU_ASSERT_FATAL(T->init(&host, &g) == WEIR_OK);
    int rc = client_open_at(relay_port, g, 1, NULL, &s);
    CU_ASSERT_EQUAL(rc, WEIR_OK);
    if (rc != WEIR_OK)
        fprintf(stderr, "\nclient_open: %s\n", err_text);
    uint64_t sent = 0;
    struct weir_counters c = { 0 };
    for (uint64_t until = now_ms() + WAIT_MS; rc == WEIR_OK && sent < (uint64_t)BLOCKS * BLK && now_ms() < until;) {
        struct weir_io io = { 0, 0 };
        int r2 = T->send(s, 1, &c, &io);
        sent += io.bytes;
        if (r2 != WEIR_OK && r2 != WEIR_E_AGAIN)
            break;
    }
    for (uint64_t until = now_ms() + WAIT_MS; rc == WEIR_OK && now_ms() < until;) {
        struct weir_io io = { 0, 0 };
        struct weir_stream_info si = { .struct_size = sizeof si, .unacked = UINT64_MAX };
        (void)T->send(s, 0, &c, &io);
        if (T->info(s, &si) == WEIR_OK && si.unacked == 0)
            break;
    }
    if (rc == WEIR_OK)
        T->close(s);
    stop_server(&sv);
    r.stop = 1;
    pthread_join(r.thread, NULL);
    T->fini(g);
    CU_ASSERT_EQUAL(sv.rc, WEIR_OK);
    CU_ASSERT_EQUAL(sent, (uint64_t)BLOCKS * BLK);
    CU_ASSERT_EQUAL(sv.bytes, (uint64_t)BLOCKS * BLK);
    CU_ASSERT(r.truncated >= BLOCKS);
    CU_ASSERT(r.replayed >= 1);
    close(r.outer);
    close(r.inner);
}

int main(void)
{
    alarm(90);
    T = load_transport("quic", &plug, NULL);
    if (T == NULL)
        return 1;
    host = *mock_host();
    host.set_error = th_set_error;
    mock_host_use_for_lowers(&host);
    ctl_fd = loopback_listener(AF_INET, 8, 0, &port);
    if (ctl_fd < 0) {
        perror("control listener");
        return 1;
    }
    static CU_TestInfo tests[] = {
        { "descriptor and parameter lists", test_descriptor },
        { "init refuses contradictory trust options and --quic-streams 0 or 65", test_init_refusals },
        { "init takes udp beneath, fini gives it back", test_lower_reference },
        { "client sends an exact count, -C reno", test_client_sends },
        { "server sends an exact count", test_server_sends },
        { "a wrong pin is refused in the handshake", test_wrong_pin },
        { "an unknown -C is refused with the list", test_unknown_cc },
        { "another QUIC version gets Version Negotiation", test_version_negotiation },
        { "a silent client's Initial gets at most 3x its size back", test_amplification_limit },
        { "truncated and replayed datagrams: the transfer is exact", test_truncated_and_replayed },
        { "an empty first datagram is refused, not a crash", test_empty_first_datagram },
        CU_TEST_INFO_NULL,
    };
    int status = run_suite("quic over udp", NULL, tests);
    close(ctl_fd);
    return status;
}
