/* The tls transport plugin against the mock host, over loopback.
 *
 * tls stacks on tcp through host->open_lower, which the mock host answers
 * as weir does: the built tcp.so, initialised for its first user and
 * finished after its last. This test hands the plugin its own host table:
 * the mock host's services, except set_error (per thread, as weir's is: a
 * client and a server thread run at once here), log (kept, to read the
 * server's fingerprint line) and open_lower/close_lower, which pass tcp on
 * with its write_bytes/read_bytes counted, to see that tls moves its
 * records through them. The shared mock host's services stay as they are.
 *
 * Client and server are two separate inits of the plugin (options are read
 * at init), so the client does not know the server's ephemeral certificate
 * unless the test pins it. Run time is bounded by alarm(). */
#include "run_suites.h"
#include "transport_fixture.h"

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
#include <unistd.h>

#define BLK 131072u
#define WAIT_MS 5000

static const struct weir_plugin *plug;
static const struct weir_transport_ops *T;
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

/* tcp as the mock host opens it, with its byte hooks counted. */
static struct weir_lower counted;
static struct weir_transport_ops counted_ops;
static const struct weir_lower *opened;
static _Atomic uint64_t lower_written, lower_read;
static int refuse_lower;        /* open_lower fails, as for a missing tcp.so */

static int count_write(void *stream, const void *buf, size_t len, size_t *written)
{
    int rc = opened->ops->write_bytes(stream, buf, len, written);
    lower_written += *written;
    return rc;
}

static int count_read(void *stream, void *buf, size_t len, size_t *got)
{
    int rc = opened->ops->read_bytes(stream, buf, len, got);
    lower_read += *got;
    return rc;
}

static int th_open_lower(const char *name, const struct weir_lower **lower)
{
    if (refuse_lower) {
        th_set_error(WEIR_E_PLUGIN, "no transport plugin '%s' here", name);
        return WEIR_E_PLUGIN;
    }
    int rc = mock_host()->open_lower(name, &opened);
    if (rc != WEIR_OK)
        return rc;
    counted = *opened;
    counted_ops = *opened->ops;
    counted_ops.write_bytes = count_write;
    counted_ops.read_bytes = count_read;
    counted.ops = &counted_ops;
    *lower = &counted;
    return WEIR_OK;
}

static void th_close_lower(const struct weir_lower *lower)
{
    mock_host()->close_lower(lower == &counted ? opened : lower);
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

/* Init with "name=value" options, or "name" for a flag. NULL on failure,
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
        if (eq)
            mock_host_set_option(name, eq + 1);
        else
            mock_host_set_flag(name, 1);
    }
    va_end(ap);
    void *g = NULL;
    err_code = 0;
    err_text[0] = '\0';
    *rc = T->init(&test_host, &g);
    clear_options();
    return *rc == WEIR_OK ? g : NULL;
}

/* An instance with up to two options (NULL for fewer); the test stops if
 * init fails. */
static void *instance(const char *opt1, const char *opt2)
{
    int rc;
    void *g = init_with(&rc, opt1, opt2, (const char *)NULL);
    CU_ASSERT_FATAL(g != NULL);
    return g;
}

static struct weir_stream_config base_cfg(int sending)
{
    struct weir_stream_config c = loopback_stream_config(lport, sending, BLK);
    c.timeout_ms = WAIT_MS;
    c.cookie = COOKIE;
    return c;
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

/* Closes whichever ends of a pair opened (rc: the client's code). */
static void close_pair(int rc, void *cs, struct server_side *sv)
{
    if (rc == WEIR_OK)
        T->close(cs);
    if (sv->rc == WEIR_OK)
        T->close(sv->stream);
}

/* Opens a pair, checks both ends' codes and, with server_why, the server's
 * reason for refusing; closes what opened. The client's error text stays
 * in err_text. */
static void try_pair(void *gc, void *gs, struct weir_stream_config *ccfg, int want_client,
                     int want_server, const char *server_why)
{
    struct server_side sv;
    void *cs = NULL;
    int rc = open_pair(gc, gs, ccfg, &cs, &sv);
    CU_ASSERT_EQUAL(rc, want_client);
    CU_ASSERT_EQUAL(sv.rc, want_server);
    if (server_why != NULL)
        CU_ASSERT(strstr(sv.err, server_why) != NULL);
    close_pair(rc, cs, &sv);
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

/* tcp comes from the host, once for all instances: init with the first,
 * fini after the last; an instance whose lower cannot be opened fails
 * init with the host's reason. */
static void test_lower_from_host(void)
{
    log_clear();
    CU_ASSERT_EQUAL(mock_host_lower_users("tcp"), 0);
    int inits = mock_host_lower_inits("tcp"), finis = mock_host_lower_finis("tcp");
    void *a = instance(NULL, NULL);
    CU_ASSERT_EQUAL(mock_host_lower_users("tcp"), 1);
    CU_ASSERT_EQUAL(mock_host_lower_inits("tcp"), inits + 1);
    void *b = instance(NULL, NULL);
    CU_ASSERT_EQUAL(mock_host_lower_users("tcp"), 2);
    CU_ASSERT_EQUAL(mock_host_lower_inits("tcp"), inits + 1);
    T->fini(a);
    CU_ASSERT_EQUAL(mock_host_lower_users("tcp"), 1);
    CU_ASSERT_EQUAL(mock_host_lower_finis("tcp"), finis);
    T->fini(b);
    CU_ASSERT_EQUAL(mock_host_lower_users("tcp"), 0);
    CU_ASSERT_EQUAL(mock_host_lower_finis("tcp"), finis + 1);
    /* What tls says about the path its records take. */
    CU_ASSERT(log_has("tls runs on tcp; the kernel has"));

    refuse_lower = 1;
    int rc;
    void *g = init_with(&rc, (const char *)NULL);
    refuse_lower = 0;
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_EQUAL(rc, WEIR_E_PLUGIN);
    CU_ASSERT(strstr(err_text, "no transport plugin 'tcp'") != NULL);
    CU_ASSERT_EQUAL(mock_host_lower_users("tcp"), 0);
}

static void test_descriptor(void)
{
    expect_transport_descriptor(plug, "tls",
                                WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONTROL_PORT |
                                    WEIR_CAP_CONGESTION | WEIR_CAP_EXTENSION | WEIR_CAP_PAYLOAD |
                                    WEIR_CAP_ENCRYPTED,
                                "tcp", "TCP");
    /* The payload goes through OpenSSL: -Z and --skip-rx-copy are refused. */
    static const char *const refused[] = { WEIR_PARAM_ZEROCOPY, WEIR_PARAM_SKIP_RX_COPY, NULL };
    expect_param_lists(T, refused);
    CU_ASSERT_EQUAL(T->default_blksize % 16384, 0);
    CU_ASSERT_EQUAL(T->blksize_max, 1048576);    /* tcp's, so -l means the same */
    CU_ASSERT_EQUAL(T->default_rate, 0);
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
    log_clear();
    void *gs = instance(NULL, NULL);
    void *gc = instance(NULL, NULL);
    struct weir_stream_config cc = base_cfg(1);
    try_pair(gc, gs, &cc, WEIR_E_STREAMCONNECT, WEIR_E_STREAMACCEPT, "does not trust this server");
    CU_ASSERT(strstr(err_text, "not trusted") != NULL);
    CU_ASSERT(strstr(err_text, "--tls-fingerprint") != NULL);

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
        gc = instance(opt, NULL);
        try_pair(gc, gs, &cc, WEIR_OK, WEIR_OK, NULL);
        T->fini(gc);
    }

    /* A wrong pin. */
    char wrong[96];
    memcpy(wrong, fp, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    char opt[160];
    snprintf(opt, sizeof opt, "tls-fingerprint=%s", wrong);
    gc = instance(opt, NULL);
    try_pair(gc, gs, &cc, WEIR_E_STREAMCONNECT, WEIR_E_STREAMACCEPT, NULL);
    CU_ASSERT(strstr(err_text, "not the one given with --tls-fingerprint") != NULL);
    T->fini(gc);

    /* --tls-insecure connects and says so. */
    log_clear();
    gc = instance("tls-insecure", NULL);
    try_pair(gc, gs, &cc, WEIR_OK, WEIR_OK, NULL);
    CU_ASSERT(log_has("1 --tls-insecure"));
    T->fini(gc);
    T->fini(gs);
}

/* One plugin instance for both ends (--loopback): its own ephemeral
 * certificate is trusted. Data both ways, counts agree, close_notify. */
static void test_same_instance_transfer(void)
{
    void *g = instance(NULL, NULL);
    for (int reverse = 0; reverse < 2; reverse++) {
        struct weir_stream_config cc = base_cfg(!reverse);
        struct server_side sv;
        void *cs = NULL;
        int rc = open_pair(g, g, &cc, &cs, &sv);
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
        uint64_t w0 = lower_written, r0 = lower_read;
        transfer(snd, rcv, 200, &sent, &got);
        CU_ASSERT_EQUAL(sent, 200 * (uint64_t)BLK);
        CU_ASSERT_EQUAL(got, sent);
        /* The records went through tcp's byte hooks: TLS adds a header
         * and a tag to each, so more than the payload. (Where the kernel
         * has TLS OpenSSL works on the socket itself instead.) */
        if (!log_has("the kernel has TLS")) {
            CU_ASSERT(lower_written - w0 > sent);
            CU_ASSERT(lower_read - r0 > sent);
        }

        char facts[512];
        CU_ASSERT_PTR_NOT_NULL_FATAL(T->describe);
        CU_ASSERT_EQUAL(describe_json(T, cs, facts, sizeof facts), WEIR_OK);
        /* One "tls" group: version, cipher, ktls_send, ktls_recv, handshake_ms. */
        const char *head = "{\"tls\":{\"version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\","
                           "\"ktls_send\":";
        CU_ASSERT(strncmp(facts, head, strlen(head)) == 0);
        CU_ASSERT(strstr(facts, ",\"ktls_recv\":") != NULL);
        CU_ASSERT(strstr(facts, ",\"handshake_ms\":") != NULL);

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
    void *g = instance(NULL, NULL);
    struct weir_stream_config cc = base_cfg(1);
    cc.window = 32768;
    struct server_side sv;
    void *cs = NULL;
    server_start(&sv, g, 0);
    sv.cfg.blksize = 1000;      /* the receiver reads 1000 bytes at a time */
    int rc = T->client_open(g, &cc, &cs);
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
    void *gs = instance(NULL, NULL);                                        /* 1.3 */
    void *gc = instance("tls-version=1.2", "tls-insecure");
    struct weir_stream_config cc = base_cfg(1);
    try_pair(gc, gs, &cc, WEIR_E_STREAMCONNECT, WEIR_E_STREAMACCEPT, "--tls-version");
    CU_ASSERT(strstr(err_text, "--tls-version") != NULL);
    T->fini(gc);
    T->fini(gs);

    /* Both 1.2: works, and says so; -N stays on after the handshake. */
    gs = instance("tls-version=1.2", NULL);
    gc = instance("tls-version=1.2", "tls-insecure");
    struct weir_param_set tp = { 0 };
    mock_param_bool(&tp, WEIR_PARAM_NODELAY, 1);    /* tcp, below, applies it */
    cc.params = &tp;
    struct server_side sv;
    void *cs = NULL;
    int rc = open_pair(gc, gs, &cc, &cs, &sv);
    CU_ASSERT_EQUAL(rc, WEIR_OK);
    CU_ASSERT_EQUAL(sv.rc, WEIR_OK);
    if (rc == WEIR_OK) {
        char facts[512];
        int nd = -1;
        socklen_t ndl = sizeof nd;
        CU_ASSERT(getsockopt(T->stream_fd(cs), IPPROTO_TCP, TCP_NODELAY, &nd, &ndl) == 0 && nd == 1);
        CU_ASSERT(describe_json(T, cs, facts, sizeof facts) == WEIR_OK && strstr(facts, "TLSv1.2") != NULL);
    }
    if (rc == WEIR_OK && sv.rc == WEIR_OK) {
        uint64_t sent, got;
        transfer(cs, sv.stream, 20, &sent, &got);
        CU_ASSERT_EQUAL(got, 20 * (uint64_t)BLK);
    }
    close_pair(rc, cs, &sv);
    T->fini(gc);
    T->fini(gs);
}

/* A plain TCP client of the test listener that has sent cookie. */
static int raw_client(const unsigned char cookie[WEIR_COOKIE_SIZE])
{
    int fd = loopback_connect(lport);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, cookie, WEIR_COOKIE_SIZE) == WEIR_COOKIE_SIZE);
    return fd;
}

/* Joins the server thread, which must have refused the stream saying why. */
static void expect_server_refused(struct server_side *sv, const char *why)
{
    server_join(sv);
    CU_ASSERT_EQUAL(sv->rc, WEIR_E_STREAMACCEPT);
    CU_ASSERT(strstr(sv->err, why) != NULL);
}

/* Not TLS after a good cookie, a handshake that stalls, a wrong cookie:
 * the server's accept ends each within the stream's timeout. */
static void test_hostile_clients(void)
{
    void *gs = instance(NULL, NULL);
    struct server_side sv;

    /* Plain text after the cookie. */
    server_start(&sv, gs, 0);
    int fd = raw_client(COOKIE);
    const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    CU_ASSERT(write(fd, junk, sizeof junk - 1) == (ssize_t)(sizeof junk - 1));
    expect_server_refused(&sv, "did not start TLS");
    CU_ASSERT(sv.took_ms < 2000);
    close(fd);

    /* A stalled handshake: bounded by the timeout. */
    server_start(&sv, gs, 0);
    sv.cfg.timeout_ms = 700;
    fd = raw_client(COOKIE);
    expect_server_refused(&sv, "within");
    CU_ASSERT(sv.took_ms >= 600 && sv.took_ms < 3000);
    close(fd);

    /* A peer that closes half-way through. */
    server_start(&sv, gs, 0);
    fd = raw_client(COOKIE);
    static const unsigned char hello_start[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
    CU_ASSERT(write(fd, hello_start, sizeof hello_start) == (ssize_t)sizeof hello_start);
    close(fd);
    expect_server_refused(&sv, "closed the connection");

    T->fini(gs);
}

/* The client side against servers that are not TLS. */
static void test_client_against_non_tls(void)
{
    void *gc = instance("tls-insecure", NULL);
    struct weir_stream_config cc = base_cfg(1);
    cc.timeout_ms = 800;
    /* Nobody answers the handshake: bounded. */
    uint64_t t0 = now_ms();
    void *cs = NULL;
    int rc = T->client_open(gc, &cc, &cs);
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
    void *gs = instance(NULL, NULL);
    struct weir_stream_config cfg = base_cfg(0);
    cfg.host = NULL;
    void *l = NULL, *ss = NULL;
    int pfd = -1;
    CU_ASSERT_EQUAL_FATAL(T->server_listen(gs, &cfg, lfd, &l, &pfd), WEIR_OK);
    unsigned char wrong[WEIR_COOKIE_SIZE];
    memset(wrong, 'z', sizeof wrong);
    int fd = raw_client(wrong);
    CU_ASSERT(wait_readable(pfd, WAIT_MS));
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
    T = load_transport("tls", &plug, NULL);     /* each test makes its own instances */
    if (T == NULL)
        return 1;
    test_host = *mock_host();
    test_host.set_error = th_set_error;
    test_host.log = th_log;
    test_host.open_lower = th_open_lower;
    test_host.close_lower = th_close_lower;
    mock_host_use_for_lowers(&test_host);
    lfd = loopback_listener(AF_INET, 64, 1, &lport);
    if (lfd < 0) {
        perror("listener");
        return 1;
    }

    static CU_TestInfo tests[] = {
        { "descriptor", test_descriptor },
        { "bad options fail init", test_bad_options },
        { "tcp from the host, once for all", test_lower_from_host },
        { "untrusted, pinned, wrong pin, insecure", test_untrusted_then_pinned },
        { "one instance both ends, both directions", test_same_instance_transfer },
        { "full socket, reads smaller than a record", test_full_socket_and_small_reads },
        { "version mismatch, TLS 1.2", test_version_mismatch },
        { "hostile clients are bounded", test_hostile_clients },
        { "client against non-TLS", test_client_against_non_tls },
        { "wrong cookie", test_wrong_cookie },
        CU_TEST_INFO_NULL,
    };
    int status = run_suite("tls transport", NULL, tests);
    close(lfd);
    return status;
}
