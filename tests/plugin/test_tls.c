/* The tls transport plugin against the mock host, over loopback.
 *
 * tls stacks on tcp through host->find_transport, which the shared mock
 * host answers with NULL. This test hands the plugin its own host table:
 * the mock host's services, except find_transport (loads the built tcp.so
 * through mock_host_load), set_error (per thread, as weir's is: a client
 * and a server thread run at once here) and log (kept, to read the
 * server's fingerprint line). mockhost.c itself is unchanged.
 *
 * Client and server are two separate inits of the plugin (options are read
 * at init), so the client does not know the server's ephemeral certificate
 * unless the test pins it. Run time is bounded by alarm(). */
#include "mockhost.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLK 131072u
#define WAIT_MS 5000

static const struct weir_plugin *plug;
static const struct weir_transport_ops *T;
static char tcp_path[4096];
static int lfd = -1;
static uint16_t lport;

static const unsigned char COOKIE[WEIR_COOKIE_SIZE] = "abcdefghijklmnopqrstuvwxyz234567abcd";

/* ---- the test's host ---- */

static _Thread_local int err_code;
static _Thread_local char err_text[512];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[16384];

static void th_set_error(enum weir_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_code = code;
    vsnprintf(err_text, sizeof err_text, fmt, ap);
    va_end(ap);
}

static void th_log(enum weir_log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[tls log %d] %s\n", (int)level, line);
    pthread_mutex_lock(&log_lock);
    size_t used = strlen(log_buf);
    snprintf(log_buf + used, sizeof log_buf - used, "%d %s\n", (int)level, line);
    pthread_mutex_unlock(&log_lock);
}

static const struct weir_plugin *th_find_transport(const char *name)
{
    return strcmp(name, "tcp") == 0 ? mock_host_load(tcp_path) : NULL;
}

static struct weir_host test_host;

static void log_clear(void)
{
    pthread_mutex_lock(&log_lock);
    log_buf[0] = '\0';
    pthread_mutex_unlock(&log_lock);
}

static int log_has(const char *needle)
{
    pthread_mutex_lock(&log_lock);
    int found = strstr(log_buf, needle) != NULL;
    pthread_mutex_unlock(&log_lock);
    return found;
}

/* The colon form of the last fingerprint the server logged. */
static int logged_fingerprint(char out[96])
{
    pthread_mutex_lock(&log_lock);
    const char *p = NULL, *q = log_buf;
    while ((q = strstr(q, "fingerprint ")) != NULL)
        p = q++;
    int ok = p && strlen(p) >= 12 + 95;
    if (ok) {
        memcpy(out, p + 12, 95);
        out[95] = '\0';
    }
    pthread_mutex_unlock(&log_lock);
    return ok;
}

/* ---- helpers ---- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *const ALL_OPTIONS[] = {
    "tls-version", "tls-ciphers", "tls-ciphersuites", "tls-ca", "tls-fingerprint",
    "tls-insecure", "tls-sni", "tls-client-cert", "tls-client-key", "tls-cert",
    "tls-key", "tls-verify-client", NULL
};

static void clear_options(void)
{
    for (int i = 0; ALL_OPTIONS[i]; i++)
        mock_host_set_option(ALL_OPTIONS[i], NULL);
}

/* Init with "name=value" options (value "" for a flag). NULL on failure,
 * with the code in *rc. */
static void *init_with(int *rc, ...)
{
    va_list ap;
    clear_options();
    va_start(ap, rc);
    for (const char *kv; (kv = va_arg(ap, const char *)) != NULL;) {
        char name[64];
        const char *eq = strchr(kv, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq ? eq - kv : (long)strlen(kv)), kv);
        mock_host_set_option(name, eq ? eq + 1 : "");
    }
    va_end(ap);
    void *g = NULL;
    err_code = 0;
    err_text[0] = '\0';
    *rc = T->init(&test_host, &g);
    clear_options();
    return *rc == WEIR_OK ? g : NULL;
}

static struct weir_stream_config base_cfg(int sending)
{
    struct weir_stream_config c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.family = AF_INET;
    c.host = "127.0.0.1";
    c.port = lport;
    c.sending = sending;
    c.blksize = BLK;
    c.tos = -1;
    c.timeout_ms = WAIT_MS;
    c.cookie = COOKIE;
    return c;
}

static int make_listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, len) < 0 || listen(fd, 64) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* The server half, on its own thread as the core's server would be. */
struct server_side {
    void *g;
    struct weir_stream_config cfg;
    pthread_t thread;
    int rc;
    void *stream;
    char err[512];
    uint64_t took_ms;
};

static void *server_main(void *arg)
{
    struct server_side *sv = arg;
    void *l = NULL;
    int pfd = -1;
    uint64_t t0 = now_ms();
    sv->rc = T->server_listen(sv->g, &sv->cfg, lfd, &l, &pfd);
    if (sv->rc != WEIR_OK) {
        snprintf(sv->err, sizeof sv->err, "%s", err_text);
        return NULL;
    }
    sv->rc = WEIR_E_AGAIN;
    while (sv->rc == WEIR_E_AGAIN && now_ms() - t0 < 3 * WAIT_MS) {
        struct pollfd p = { .fd = pfd, .events = POLLIN };
        if (poll(&p, 1, 100) <= 0)
            continue;
        err_text[0] = '\0';
        sv->rc = T->server_accept(sv->g, l, &sv->cfg, &sv->stream);
    }
    snprintf(sv->err, sizeof sv->err, "%s", err_text);
    sv->took_ms = now_ms() - t0;
    T->server_unlisten(sv->g, l);
    return NULL;
}

static void server_start(struct server_side *sv, void *g, int sending)
{
    memset(sv, 0, sizeof *sv);
    sv->g = g;
    sv->cfg = base_cfg(sending);
    sv->cfg.host = NULL;
    CU_ASSERT_FATAL(pthread_create(&sv->thread, NULL, server_main, sv) == 0);
}

static void server_join(struct server_side *sv)
{
    pthread_join(sv->thread, NULL);
}

/* Open one stream pair: client with gc, server with gs. Returns the
 * client's code; the server's is in sv. */
static int open_pair(void *gc, void *gs, struct weir_stream_config *ccfg, void **cs,
                     struct server_side *sv)
{
    server_start(sv, gs, !ccfg->sending);
    err_text[0] = '\0';
    int rc = T->client_open(gc, ccfg, cs);
    server_join(sv);
    return rc;
}

/* Move n blocks from the sending stream to the receiving one, polling as
 * the core does (level-triggered, each side only in its direction). */
static void transfer(void *snd, void *rcv, uint64_t n, uint64_t *sent, uint64_t *got)
{
    struct weir_counters c;
    memset(&c, 0, sizeof c);
    uint64_t blocks = 0, deadline = now_ms() + 4 * WAIT_MS;
    *sent = *got = 0;
    while ((blocks < n || *got < *sent) && now_ms() < deadline) {
        struct pollfd p[2] = { { .fd = T->stream_fd(snd), .events = blocks < n ? POLLOUT : 0 },
                               { .fd = T->stream_fd(rcv), .events = POLLIN } };
        if (poll(p, 2, 1000) <= 0)
            continue;
        if (p[0].revents & POLLOUT) {
            struct weir_io io = { 0, 0 };
            uint64_t ask = n - blocks < 16 ? n - blocks : 16;
            int rc = T->send(snd, (uint32_t)ask, &c, &io);
            CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            CU_ASSERT(io.blocks <= ask);
            blocks += io.blocks;
            *sent += io.bytes;
        }
        if (p[1].revents & POLLIN) {
            struct weir_io io = { 0, 0 };
            int rc = T->recv(rcv, &c, &io);
            CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            *got += io.bytes;
        }
    }
}

/* ---- tests ---- */

static void test_descriptor(void)
{
    CU_ASSERT_EQUAL(plug->abi_major, WEIR_ABI_MAJOR);
    CU_ASSERT_EQUAL(plug->kind, WEIR_PLUGIN_TRANSPORT);
    CU_ASSERT_STRING_EQUAL(plug->name, "tls");
    CU_ASSERT_EQUAL(T->caps, WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONTROL_PORT |
                             WEIR_CAP_CONGESTION | WEIR_CAP_EXTENSION);
    CU_ASSERT_STRING_EQUAL(T->wire_key, "tcp");
    CU_ASSERT_STRING_EQUAL(T->wire_label, "TCP");
    CU_ASSERT_EQUAL(T->default_blksize % 16384, 0);
    int n = 0;
    for (const struct weir_option *o = plug->options; o && o->name; o++) {
        CU_ASSERT_PTR_NOT_NULL(o->help);
        for (int i = 0; ALL_OPTIONS[i]; i++)
            n += strcmp(ALL_OPTIONS[i], o->name) == 0;
    }
    CU_ASSERT_EQUAL(n, 12);
}

static void test_bad_options(void)
{
    static const char *const bad[][2] = {
        { "tls-version=1.1", NULL },
        { "tls-version=", NULL },
        { "tls-fingerprint=12:34", NULL },
        { "tls-fingerprint=zz", NULL },
        { "tls-insecure", "tls-fingerprint=" "00000000000000000000000000000000"
                                             "00000000000000000000000000000000" },
        { "tls-ca=/nonexistent/ca.pem", NULL },
        { "tls-ciphersuites=NO_SUCH_SUITE", NULL },
        { "tls-ciphers=NO-SUCH-CIPHER", NULL },
        { "tls-client-key=/etc/hostname", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc;
        void *g = init_with(&rc, bad[i][0], bad[i][1], (const char *)NULL);
        CU_ASSERT_PTR_NULL(g);
        CU_ASSERT_EQUAL(rc, WEIR_E_USAGE);
        CU_ASSERT(strstr(err_text, "--tls-") != NULL);
        if (g)
            T->fini(g);
    }
    /* Accepted spellings. */
    int rc;
    void *g = init_with(&rc, "tls-version=TLSv1.2", "tls-fingerprint=sha256:"
                        "ab:CD:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
                        "ab:cd:ef:01:23:45:67:89", (const char *)NULL);
    CU_ASSERT_PTR_NOT_NULL(g);
    if (g)
        T->fini(g);
}

/* Default verification: the server's ephemeral certificate is not trusted
 * by a client that is not in the same plugin instance. */
static void test_untrusted_then_pinned(void)
{
    int rc;
    log_clear();
    void *gs = init_with(&rc, (const char *)NULL);
    void *gc = init_with(&rc, (const char *)NULL);
    CU_ASSERT_FATAL(gs && gc);
    struct weir_stream_config cc = base_cfg(1);
    struct server_side sv;
    void *cs = NULL;
    rc = open_pair(gc, gs, &cc, &cs, &sv);
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMCONNECT);
    CU_ASSERT(strstr(err_text, "not trusted") != NULL);
    CU_ASSERT(strstr(err_text, "--tls-fingerprint") != NULL);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT(strstr(sv.err, "does not trust this server") != NULL);

    char fp[96];
    CU_ASSERT_FATAL(logged_fingerprint(fp));
    CU_ASSERT(strstr(err_text, fp) != NULL);   /* the client shows what it got */
    T->fini(gc);

    /* Pinned: colons, lower case, or neither. */
    char lower[96], bare[96];
    size_t k = 0;
    for (size_t i = 0; fp[i]; i++) {
        lower[i] = (char)(fp[i] >= 'A' && fp[i] <= 'F' ? fp[i] - 'A' + 'a' : fp[i]);
        if (fp[i] != ':')
            bare[k++] = fp[i];
    }
    lower[95] = '\0';
    bare[k] = '\0';
    const char *forms[] = { fp, lower, bare };
    for (int f = 0; f < 3; f++) {
        char opt[160];
        snprintf(opt, sizeof opt, "tls-fingerprint=%s", forms[f]);
        gc = init_with(&rc, opt, (const char *)NULL);
        CU_ASSERT_FATAL(gc != NULL);
        rc = open_pair(gc, gs, &cc, &cs, &sv);
        CU_ASSERT_EQUAL(rc, WEIR_OK);
        CU_ASSERT_EQUAL(sv.rc, WEIR_OK);
        if (rc == WEIR_OK)
            T->close(cs);
        if (sv.rc == WEIR_OK)
            T->close(sv.stream);
        T->fini(gc);
    }

    /* A wrong pin. */
    char wrong[96];
    memcpy(wrong, fp, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    char opt[160];
    snprintf(opt, sizeof opt, "tls-fingerprint=%s", wrong);
    gc = init_with(&rc, opt, (const char *)NULL);
    rc = open_pair(gc, gs, &cc, &cs, &sv);
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMCONNECT);
    CU_ASSERT(strstr(err_text, "not the one given with --tls-fingerprint") != NULL);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    T->fini(gc);

    /* --tls-insecure connects and says so. */
    log_clear();
    gc = init_with(&rc, "tls-insecure", (const char *)NULL);
    rc = open_pair(gc, gs, &cc, &cs, &sv);
    CU_ASSERT_EQUAL(rc, WEIR_OK);
    CU_ASSERT(log_has("1 --tls-insecure"));
    if (rc == WEIR_OK)
        T->close(cs);
    if (sv.rc == WEIR_OK)
        T->close(sv.stream);
    T->fini(gc);
    T->fini(gs);
}

/* One plugin instance for both ends (--loopback): its own ephemeral
 * certificate is trusted. Data both ways, counts agree, close_notify. */
static void test_same_instance_transfer(void)
{
    int rc;
    void *g = init_with(&rc, (const char *)NULL);
    CU_ASSERT_FATAL(g != NULL);
    for (int reverse = 0; reverse < 2; reverse++) {
        struct weir_stream_config cc = base_cfg(!reverse);
        struct server_side sv;
        void *cs = NULL;
        rc = open_pair(g, g, &cc, &cs, &sv);
        CU_ASSERT_EQUAL_FATAL(rc, WEIR_OK);
        CU_ASSERT_EQUAL_FATAL(sv.rc, WEIR_OK);
        CU_ASSERT(fcntl(T->stream_fd(cs), F_GETFL) & O_NONBLOCK);
        /* Nagle is off only for the handshake: -N was not given. */
        int nd = -1;
        socklen_t ndl = sizeof nd;
        CU_ASSERT(getsockopt(T->stream_fd(cs), IPPROTO_TCP, TCP_NODELAY, &nd, &ndl) == 0 && nd == 0);
        nd = -1;
        CU_ASSERT(getsockopt(T->stream_fd(sv.stream), IPPROTO_TCP, TCP_NODELAY, &nd, &ndl) == 0 && nd == 0);
        void *snd = reverse ? sv.stream : cs, *rcv = reverse ? cs : sv.stream;
        uint64_t sent, got;
        transfer(snd, rcv, 200, &sent, &got);
        CU_ASSERT_EQUAL(sent, 200 * (uint64_t)BLK);
        CU_ASSERT_EQUAL(got, sent);

        char facts[512];
        CU_ASSERT_PTR_NOT_NULL_FATAL(T->describe);
        CU_ASSERT_EQUAL(T->describe(cs, facts, sizeof facts), WEIR_OK);
        CU_ASSERT(strstr(facts, "\"version\":\"TLSv1.3\"") != NULL);
        CU_ASSERT(strstr(facts, "\"cipher\":\"TLS_AES_128_GCM_SHA256\"") != NULL);
        CU_ASSERT(strstr(facts, "\"ktls_send\":") != NULL);
        CU_ASSERT_NOT_EQUAL(T->describe(cs, facts, 10), WEIR_OK);

        struct weir_stream_info si;
        memset(&si, 0, sizeof si);
        si.struct_size = sizeof si;
        CU_ASSERT_EQUAL(T->info(snd, &si), WEIR_OK);
        CU_ASSERT(si.valid);
        CU_ASSERT(si.rtt_us > 0 || si.snd_cwnd > 0);

        /* Nothing more: AGAIN. Then the sender closes: STREAMCLOSE. */
        struct weir_counters c;
        struct weir_io io = { 0, 0 };
        memset(&c, 0, sizeof c);
        CU_ASSERT_EQUAL(T->recv(rcv, &c, &io), WEIR_E_AGAIN);
        T->close(snd);
        struct pollfd p = { .fd = T->stream_fd(rcv), .events = POLLIN };
        CU_ASSERT(poll(&p, 1, WAIT_MS) == 1);
        CU_ASSERT_EQUAL(T->recv(rcv, &c, &io), WEIR_E_STREAMCLOSE);
        CU_ASSERT_EQUAL(io.bytes, 0);
        T->close(rcv);
    }
    T->fini(g);
}

/* A sender that fills the socket gets AGAIN and resumes where it stopped
 * (OpenSSL wants the same buffer back); a receiver whose buffer is smaller
 * than a record drains the record before returning, or level-triggered
 * polling of the socket would never call it again. */
static void test_full_socket_and_small_reads(void)
{
    int rc;
    void *g = init_with(&rc, (const char *)NULL);
    CU_ASSERT_FATAL(g != NULL);
    struct weir_stream_config cc = base_cfg(1);
    cc.window = 32768;
    struct server_side sv;
    void *cs = NULL;
    server_start(&sv, g, 0);
    sv.cfg.blksize = 1000;      /* the receiver reads 1000 bytes at a time */
    rc = T->client_open(g, &cc, &cs);
    server_join(&sv);
    CU_ASSERT_EQUAL_FATAL(rc, WEIR_OK);
    CU_ASSERT_EQUAL_FATAL(sv.rc, WEIR_OK);

    /* Send until the socket is full. */
    struct weir_counters c;
    memset(&c, 0, sizeof c);
    uint64_t sent = 0, blocks = 0, partial = 0;
    int again = 0;
    for (int i = 0; i < 1000 && !again; i++) {
        struct weir_io io = { 0, 0 };
        rc = T->send(cs, 4, &c, &io);
        CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
        sent += io.bytes;
        blocks += io.blocks;
        again = rc == WEIR_E_AGAIN;
    }
    CU_ASSERT(again);
    partial = sent - blocks * BLK;
    CU_ASSERT(partial < BLK);
    /* Finish the current block so the total is whole blocks, then read
     * everything with small reads, polling only the socket. */
    uint64_t got = 0, deadline = now_ms() + 4 * WAIT_MS;
    int finishing = partial != 0;
    while ((finishing || got < sent) && now_ms() < deadline) {
        struct pollfd p[2] = { { .fd = T->stream_fd(cs), .events = finishing ? POLLOUT : 0 },
                               { .fd = T->stream_fd(sv.stream), .events = POLLIN } };
        if (poll(p, 2, 1000) <= 0)
            break;      /* nothing readable while bytes are missing: stuck */
        if (p[0].revents & POLLOUT) {
            struct weir_io io = { 0, 0 };
            rc = T->send(cs, 1, &c, &io);
            CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            sent += io.bytes;
            if (io.blocks) {
                finishing = 0;
                CU_ASSERT_EQUAL(sent % BLK, 0);
            }
        }
        if (p[1].revents & POLLIN) {
            struct weir_io io = { 0, 0 };
            rc = T->recv(sv.stream, &c, &io);
            CU_ASSERT_FATAL(rc == WEIR_OK || rc == WEIR_E_AGAIN);
            CU_ASSERT(io.bytes <= io.blocks * 1000);
            got += io.bytes;
        }
    }
    CU_ASSERT_EQUAL(got, sent);
    CU_ASSERT_EQUAL(sent % BLK, 0);
    T->close(cs);
    T->close(sv.stream);
    T->fini(g);
}

static void test_version_mismatch(void)
{
    int rc;
    void *gs = init_with(&rc, (const char *)NULL);                          /* 1.3 */
    void *gc = init_with(&rc, "tls-version=1.2", "tls-insecure", (const char *)NULL);
    CU_ASSERT_FATAL(gs && gc);
    struct weir_stream_config cc = base_cfg(1);
    struct server_side sv;
    void *cs = NULL;
    rc = open_pair(gc, gs, &cc, &cs, &sv);
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMCONNECT);
    CU_ASSERT(strstr(err_text, "--tls-version") != NULL);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT(strstr(sv.err, "--tls-version") != NULL);
    T->fini(gc);
    T->fini(gs);

    /* Both 1.2: works, and says so; -N stays on after the handshake. */
    gs = init_with(&rc, "tls-version=1.2", (const char *)NULL);
    gc = init_with(&rc, "tls-version=1.2", "tls-insecure", (const char *)NULL);
    cc.nodelay = 1;
    rc = open_pair(gc, gs, &cc, &cs, &sv);
    CU_ASSERT_EQUAL(rc, WEIR_OK);
    CU_ASSERT_EQUAL(sv.rc, WEIR_OK);
    if (rc == WEIR_OK) {
        char facts[512];
        int nd = -1;
        socklen_t ndl = sizeof nd;
        CU_ASSERT(getsockopt(T->stream_fd(cs), IPPROTO_TCP, TCP_NODELAY, &nd, &ndl) == 0 && nd == 1);
        CU_ASSERT(T->describe(cs, facts, sizeof facts) == WEIR_OK && strstr(facts, "TLSv1.2") != NULL);
    }
    if (rc == WEIR_OK && sv.rc == WEIR_OK) {
        uint64_t sent, got;
        transfer(cs, sv.stream, 20, &sent, &got);
        CU_ASSERT_EQUAL(got, 20 * (uint64_t)BLK);
    }
    if (rc == WEIR_OK)
        T->close(cs);
    if (sv.rc == WEIR_OK)
        T->close(sv.stream);
    T->fini(gc);
    T->fini(gs);
}

static int raw_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(lport),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Not TLS after a good cookie, a handshake that stalls, a wrong cookie:
 * the server's accept ends each within the stream's timeout. */
static void test_hostile_clients(void)
{
    int rc;
    void *gs = init_with(&rc, (const char *)NULL);
    CU_ASSERT_FATAL(gs != NULL);
    struct server_side sv;

    /* Plain text after the cookie. */
    server_start(&sv, gs, 0);
    int fd = raw_connect();
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, COOKIE, WEIR_COOKIE_SIZE) == WEIR_COOKIE_SIZE);
    const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    CU_ASSERT(write(fd, junk, sizeof junk - 1) == (ssize_t)(sizeof junk - 1));
    server_join(&sv);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT(strstr(sv.err, "did not start TLS") != NULL);
    CU_ASSERT(sv.took_ms < 2000);
    close(fd);

    /* A stalled handshake: bounded by the timeout. */
    server_start(&sv, gs, 0);
    sv.cfg.timeout_ms = 700;
    fd = raw_connect();
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, COOKIE, WEIR_COOKIE_SIZE) == WEIR_COOKIE_SIZE);
    server_join(&sv);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT(strstr(sv.err, "within") != NULL);
    CU_ASSERT(sv.took_ms >= 600 && sv.took_ms < 3000);
    close(fd);

    /* A peer that closes half-way through. */
    server_start(&sv, gs, 0);
    fd = raw_connect();
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, COOKIE, WEIR_COOKIE_SIZE) == WEIR_COOKIE_SIZE);
    static const unsigned char hello_start[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
    CU_ASSERT(write(fd, hello_start, sizeof hello_start) == (ssize_t)sizeof hello_start);
    close(fd);
    server_join(&sv);
    CU_ASSERT_EQUAL(sv.rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT(strstr(sv.err, "closed the connection") != NULL);

    T->fini(gs);
}

/* The client side against servers that are not TLS. */
static void test_client_against_non_tls(void)
{
    int rc;
    void *gc = init_with(&rc, "tls-insecure", (const char *)NULL);
    CU_ASSERT_FATAL(gc != NULL);
    struct weir_stream_config cc = base_cfg(1);
    cc.timeout_ms = 800;
    /* Nobody answers the handshake: bounded. */
    uint64_t t0 = now_ms();
    void *cs = NULL;
    rc = T->client_open(gc, &cc, &cs);
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMCONNECT);
    CU_ASSERT(strstr(err_text, "within") != NULL);
    CU_ASSERT(now_ms() - t0 < 3000);
    int afd = accept(lfd, NULL, NULL);
    if (afd >= 0)
        close(afd);

    /* Nothing listening at all: tcp's error. */
    cc.port = 1;
    rc = T->client_open(gc, &cc, &cs);
    CU_ASSERT_EQUAL(rc, WEIR_E_STREAMCONNECT);
    T->fini(gc);
}

/* A wrong cookie is the lower transport's business: AGAIN, keep waiting. */
static void test_wrong_cookie(void)
{
    int rc;
    void *gs = init_with(&rc, (const char *)NULL);
    CU_ASSERT_FATAL(gs != NULL);
    struct weir_stream_config cfg = base_cfg(0);
    cfg.host = NULL;
    void *l = NULL, *ss = NULL;
    int pfd = -1;
    CU_ASSERT_EQUAL_FATAL(T->server_listen(gs, &cfg, lfd, &l, &pfd), WEIR_OK);
    int fd = raw_connect();
    CU_ASSERT_FATAL(fd >= 0);
    unsigned char wrong[WEIR_COOKIE_SIZE];
    memset(wrong, 'z', sizeof wrong);
    CU_ASSERT(write(fd, wrong, sizeof wrong) == (ssize_t)sizeof wrong);
    struct pollfd p = { .fd = pfd, .events = POLLIN };
    CU_ASSERT(poll(&p, 1, WAIT_MS) == 1);
    CU_ASSERT_EQUAL(T->server_accept(gs, l, &cfg, &ss), WEIR_E_AGAIN);
    unsigned char b = 0;
    CU_ASSERT(read(fd, &b, 1) == 1 && b == 0xFF);   /* tcp's ACCESS_DENIED */
    close(fd);
    T->server_unlisten(gs, l);
    T->fini(gs);
}

int main(void)
{
    alarm(120);
    signal(SIGPIPE, SIG_IGN);
    const char *dir = getenv("PLUGIN_BUILD_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tls/.libs/tls.so", dir ? dir : "../plugins");
    snprintf(tcp_path, sizeof tcp_path, "%s/tcp/.libs/tcp.so", dir ? dir : "../plugins");
    plug = mock_host_load(path);
    if (!plug || !plug->transport) {
        fprintf(stderr, "cannot load %s\n", path);
        return 1;
    }
    T = plug->transport;
    test_host = *mock_host();
    test_host.set_error = th_set_error;
    test_host.log = th_log;
    test_host.find_transport = th_find_transport;
    lfd = make_listener(&lport);
    if (lfd < 0) {
        perror("listener");
        return 1;
    }

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("tls transport", NULL, NULL);
    CU_add_test(s, "descriptor", test_descriptor);
    CU_add_test(s, "bad options fail init", test_bad_options);
    CU_add_test(s, "untrusted, pinned, wrong pin, insecure", test_untrusted_then_pinned);
    CU_add_test(s, "one instance both ends, both directions", test_same_instance_transfer);
    CU_add_test(s, "full socket, reads smaller than a record", test_full_socket_and_small_reads);
    CU_add_test(s, "version mismatch, TLS 1.2", test_version_mismatch);
    CU_add_test(s, "hostile clients are bounded", test_hostile_clients);
    CU_add_test(s, "client against non-TLS", test_client_against_non_tls);
    CU_add_test(s, "wrong cookie", test_wrong_cookie);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    close(lfd);
    return failed ? 1 : 0;
}
