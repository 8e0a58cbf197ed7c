/* The quic transport plugin against the mock host, over loopback.
 *
 * quic stacks on udp through host->open_lower, which the mock host answers
 * as weir does (the built udp.so, initialised for its first user, finished
 * after its last). The checks: the descriptor; init refusing contradictory
 * trust options with one line each, and the lower reference it takes and
 * gives back; a client and a server (two inits, as two processes would
 * be) moving an exact number of blocks both ways after a pinned
 * handshake; a wrong pin and an unknown -C refused at open. Run time is
 * bounded by alarm(). */
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
                                         "tls-client-cert", "tls-client-key", NULL };
    for (int i = 0; names[i]; i++)
        mock_host_set_option(names[i], NULL);
    mock_host_set_flag("tls-insecure", 0);
}

static void test_descriptor(void)
{
    expect_transport_descriptor(plug, "quic",
                                WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONGESTION |
                                    WEIR_CAP_EXTENSION | WEIR_CAP_STREAM_TAG | WEIR_CAP_ENCRYPTED |
                                    WEIR_CAP_SEND_DRAIN,
                                "udp", "UDP");
    static const char *const refused[] = { WEIR_PARAM_ZEROCOPY, WEIR_PARAM_SKIP_RX_COPY, WEIR_PARAM_FLOWLABEL,
                                           WEIR_PARAM_MPTCP, WEIR_PARAM_SND_TIMEOUT_MS,
                                           WEIR_PARAM_NOTSENT_LOWAT, NULL };
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
    expect_init_refused("--tls-ca /nonexistent/ca.pem: cannot read it");
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

static int client_open(void *g, int sending, const char *cc, void **s)
{
    struct weir_param_set ps = { 0 };
    struct weir_stream_config cfg = loopback_stream_config(port, sending, BLK);
    cfg.cookie = COOKIE;
    cfg.stream_tag = 1;
    if (cc) {
        mock_param_string(&ps, WEIR_PARAM_CONGESTION, cc);
        cfg.params = &ps;
    }
    int rc = T->client_open(g, &cfg, s);
    return rc;
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
        { "init refuses contradictory trust options", test_init_refusals },
        { "init takes udp beneath, fini gives it back", test_lower_reference },
        { "client sends an exact count, -C reno", test_client_sends },
        { "server sends an exact count", test_server_sends },
        { "a wrong pin is refused in the handshake", test_wrong_pin },
        { "an unknown -C is refused with the list", test_unknown_cc },
        { "another QUIC version gets Version Negotiation", test_version_negotiation },
        CU_TEST_INFO_NULL,
    };
    int status = run_suite("quic over udp", NULL, tests);
    close(ctl_fd);
    return status;
}
