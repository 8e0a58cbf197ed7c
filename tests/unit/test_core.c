/* Unit tests of the core's pure pieces: units, cookie, control framing,
 * parameter and result JSON, interval and summary arithmetic. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/control.h"
#include "proto/cookie.h"
#include "proto/errors.h"
#include "host/hookdefaults.h"
#include "host/host.h"
#include "jsonnum.h"
#include "proto/params.h"
#include "proto/results.h"
#include "run/stats.h"
#include "run/test.h"
#include "units.h"

/* ---- units ---- */

static void test_parse_size(void)
{
    uint64_t v;
    CU_ASSERT_EQUAL(units_parse_size("128K", &v), 0); CU_ASSERT_EQUAL(v, 131072);
    CU_ASSERT_EQUAL(units_parse_size("10M", &v), 0); CU_ASSERT_EQUAL(v, 10485760);
    CU_ASSERT_EQUAL(units_parse_size("1g", &v), 0); CU_ASSERT_EQUAL(v, 1073741824ULL);
    CU_ASSERT_EQUAL(units_parse_size("1.5K", &v), 0); CU_ASSERT_EQUAL(v, 1536);
    CU_ASSERT_EQUAL(units_parse_size("100", &v), 0); CU_ASSERT_EQUAL(v, 100);
    CU_ASSERT_EQUAL(units_parse_size("", &v), -1);
    CU_ASSERT_EQUAL(units_parse_size("-1", &v), -1);
    CU_ASSERT_EQUAL(units_parse_size("12Q", &v), -1);
    CU_ASSERT_EQUAL(units_parse_size("1KK", &v), -1);
    CU_ASSERT_EQUAL(units_parse_size("99999999T", &v), -1);
}

static void test_parse_rate(void)
{
    uint64_t v;
    CU_ASSERT_EQUAL(units_parse_rate("100M", &v), 0); CU_ASSERT_EQUAL(v, 100000000);
    CU_ASSERT_EQUAL(units_parse_rate("1k", &v), 0); CU_ASSERT_EQUAL(v, 1000);
    CU_ASSERT_EQUAL(units_parse_rate("2.5G", &v), 0); CU_ASSERT_EQUAL(v, 2500000000ULL);
    CU_ASSERT_EQUAL(units_parse_rate("0", &v), 0); CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(units_parse_rate("fast", &v), -1);
}

static void test_format(void)
{
    char b[64];
    units_format_bytes(b, sizeof b, 0); CU_ASSERT_STRING_EQUAL(b, "0.00 Bytes");
    units_format_bytes(b, sizeof b, 523239424.0); CU_ASSERT_STRING_EQUAL(b, " 499 MBytes");
    units_format_bytes(b, sizeof b, 1001.0 * 1048576); CU_ASSERT_STRING_EQUAL(b, "1001 MBytes");
    units_format_bytes(b, sizeof b, 2083059712.0); CU_ASSERT_STRING_EQUAL(b, "1.94 GBytes");
    units_format_bytes(b, sizeof b, 800); CU_ASSERT_STRING_EQUAL(b, " 800 Bytes");
    units_format_rate(b, sizeof b, 4.18e9 / 8, 'a'); CU_ASSERT_STRING_EQUAL(b, "4.18 Gbits/sec");
    units_format_rate(b, sizeof b, 16.7e9 / 8, 'a'); CU_ASSERT_STRING_EQUAL(b, "16.7 Gbits/sec");
    units_format_rate(b, sizeof b, 1000000.0 / 8, 'a'); CU_ASSERT_STRING_EQUAL(b, "1.00 Mbits/sec");
    units_format_rate(b, sizeof b, 999000.0 / 8, 'a'); CU_ASSERT_STRING_EQUAL(b, " 999 Kbits/sec");
    units_format_rate(b, sizeof b, 1e9 / 8, 'm'); CU_ASSERT_STRING_EQUAL(b, "1000 Mbits/sec");
    units_format_rate(b, sizeof b, 1048576.0 * 3, 'M'); CU_ASSERT_STRING_EQUAL(b, "3.00 MBytes/sec");
    CU_ASSERT_TRUE(units_valid('g'));
    CU_ASSERT_FALSE(units_valid('x'));
}

/* ---- cookie ---- */

static void test_cookie(void)
{
    unsigned char a[WEIR_COOKIE_SIZE], b[WEIR_COOKIE_SIZE];
    CU_ASSERT_EQUAL(cookie_make(a), 0);
    CU_ASSERT_EQUAL(cookie_make(b), 0);
    CU_ASSERT_EQUAL(a[36], 0);
    CU_ASSERT_EQUAL(strlen((char *)a), 36);
    for (int i = 0; i < 36; i++)
        CU_ASSERT_PTR_NOT_NULL(strchr("abcdefghijklmnopqrstuvwxyz234567", a[i]));
    CU_ASSERT_TRUE(cookie_equal(a, a));
    CU_ASSERT_FALSE(cookie_equal(a, b));
    /* Comparison stops at a NUL both share, like iperf3's strncmp. */
    memcpy(b, a, sizeof a);
    a[10] = b[10] = '\0';
    b[20] = a[20] == 'a' ? 'b' : 'a';
    CU_ASSERT_TRUE(cookie_equal(a, b));
    b[5] = a[5] == 'a' ? 'b' : 'a';
    CU_ASSERT_FALSE(cookie_equal(a, b));
}

/* ---- framing over a socket pair ---- */

static void test_framing(void)
{
    int sv[2];
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "tcp", json_object_new_boolean(1));
    json_object_object_add(o, "time", json_object_new_int(2));
    CU_ASSERT_EQUAL(ctl_send_json(sv[0], o), CTL_OK);
    json_object_put(o);
    unsigned char hdr[4];
    CU_ASSERT_EQUAL(read(sv[1], hdr, 4), 4);
    uint32_t len = ((uint32_t)hdr[0] << 24) | (hdr[1] << 16) | (hdr[2] << 8) | hdr[3];
    char body[64] = "";
    CU_ASSERT_EQUAL(len, strlen("{\"tcp\":true,\"time\":2}"));
    CU_ASSERT_EQUAL(read(sv[1], body, len), (ssize_t)len);
    CU_ASSERT_STRING_EQUAL(body, "{\"tcp\":true,\"time\":2}");

    /* Round trip. */
    o = json_object_new_object();
    json_object_object_add(o, "k", json_object_new_string("v"));
    ctl_send_json(sv[0], o);
    json_object_put(o);
    struct json_object *got = NULL;
    CU_ASSERT_EQUAL(ctl_recv_json(sv[1], CTL_MAX_PARAMS_LEN, &got), CTL_OK);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jsonnum_get(got, "k")), "v");
    json_object_put(got);

    /* Length 0, over the limit, 0xFFFFFFFF: refused before reading a body. */
    uint32_t bad[] = { 0, CTL_MAX_PARAMS_LEN + 1, 0xffffffffu };
    for (size_t i = 0; i < 3; i++) {
        uint32_t be = htonl(bad[i]);
        CU_ASSERT_EQUAL(write(sv[0], &be, 4), 4);
        CU_ASSERT_EQUAL(ctl_recv_json(sv[1], CTL_MAX_PARAMS_LEN, &got), CTL_TOO_LONG);
        CU_ASSERT_PTR_NULL(got);
    }
    /* Not JSON, and JSON that is not an object. */
    const char *texts[] = { "{not json", "[1,2]", "{\"a\":1} trailing" };
    for (size_t i = 0; i < 3; i++) {
        uint32_t be = htonl((uint32_t)strlen(texts[i]));
        CU_ASSERT_EQUAL(write(sv[0], &be, 4), 4);
        CU_ASSERT_EQUAL(write(sv[0], texts[i], strlen(texts[i])), (ssize_t)strlen(texts[i]));
        CU_ASSERT_EQUAL(ctl_recv_json(sv[1], CTL_MAX_PARAMS_LEN, &got), CTL_BAD_JSON);
    }
    /* Short body then EOF. */
    uint32_t be = htonl(100);
    CU_ASSERT_EQUAL(write(sv[0], &be, 4), 4);
    CU_ASSERT_EQUAL(write(sv[0], "{\"a\"", 4), 4);
    shutdown(sv[0], SHUT_WR);
    CU_ASSERT_EQUAL(ctl_recv_json(sv[1], CTL_MAX_PARAMS_LEN, &got), CTL_EOF);
    close(sv[0]);
    close(sv[1]);
}

static void test_state_and_error_tail(void)
{
    int sv[2];
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    signed char st = 0;
    CU_ASSERT_EQUAL(ctl_send_state(sv[0], ST_ACCESS_DENIED), CTL_OK);
    CU_ASSERT_EQUAL(ctl_recv_state(sv[1], 1000, &st), CTL_OK);
    CU_ASSERT_EQUAL(st, -1);
    /* Nothing to read: bounded wait. */
    CU_ASSERT_EQUAL(ctl_recv_state(sv[1], 50, &st), CTL_TIMEOUT);

    /* Full tail. */
    CU_ASSERT_EQUAL(ctl_send_server_error(sv[0], 114, 5), CTL_OK);
    CU_ASSERT_EQUAL(ctl_recv_state(sv[1], 1000, &st), CTL_OK);
    CU_ASSERT_EQUAL(st, ST_SERVER_ERROR);
    int code, err;
    ctl_recv_server_error_tail(sv[1], &code, &err);
    CU_ASSERT_EQUAL(code, 114);
    CU_ASSERT_EQUAL(err, 5);
    /* 3.12's authentication failure: one int, then close. */
    uint32_t one = htonl(142);
    CU_ASSERT_EQUAL(write(sv[0], &one, 4), 4);
    shutdown(sv[0], SHUT_WR);
    ctl_recv_server_error_tail(sv[1], &code, &err);
    CU_ASSERT_EQUAL(code, 142);
    CU_ASSERT_EQUAL(err, 0);
    close(sv[0]);
    close(sv[1]);
}

/* ---- parameters ---- */

static int parse_text(const char *text, struct test_params *p, char *detail, size_t len)
{
    struct json_object *o = json_tokener_parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    int rc = params_from_json(o, p, NULL, NULL, detail, len);
    json_object_put(o);
    return rc;
}

static void test_params_build(void)
{
    struct test_params p;
    params_defaults(&p);        /* time 10, parallel 1, tos -1, ... */
    snprintf(p.wire_key, sizeof p.wire_key, "tcp");
    p.time = 2;
    p.len = 131072;
    p.client_version = strdup("3.12");
    struct json_object *o = params_to_json(&p);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
        "{\"tcp\":true,\"omit\":0,\"time\":2,\"num\":0,\"blockcount\":0,\"parallel\":1,"
        "\"len\":131072,\"pacing_timer\":1000,\"client_version\":\"3.12\"}");
    json_object_put(o);
    /* Flags appear only when set; never "reverse": false. */
    p.reverse = 1;
    p.nodelay = 1;
    p.mss = 1400;
    p.window = 262144;
    p.tos = 16;
    o = params_to_json(&p);
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"MSS\":1400,\"nodelay\":true,\"parallel\":1,\"reverse\":true,\"window\":262144"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"TOS\":16"));
    CU_ASSERT_PTR_NULL(strstr(s, "bidirectional"));
    CU_ASSERT_PTR_NULL(strstr(s, "server_affinity"));
    CU_ASSERT_PTR_NULL(strstr(s, "fqrate"));
    CU_ASSERT_PTR_NULL(strstr(s, "dont_fragment"));
    CU_ASSERT_PTR_NULL(strstr(s, "weir_sender_done"));
    json_object_put(o);
    /* -A 0,1 --fq-rate 10M --dont-fragment -Z --skip-rx-copy, where the
     * real client puts them. */
    p.server_affinity = 1;
    p.bandwidth = 5000000;
    p.fqrate = 10000000;
    p.dont_fragment = 1;
    p.zerocopy = 1;
    p.skip_rx_copy = 1;
    p.weir_sender_done = 1;     /* weir's: a -R -n/-k UDP client */
    o = params_to_json(&p);
    s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"omit\":0,\"server_affinity\":1,\"time\":2,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"bandwidth\":5000000,\"fqrate\":10000000,\"pacing_timer\":1000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"zerocopy\":1,\"dont_fragment\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"skip_rx_copy\":1,\"client_version\""));
    struct test_params back;
    char detail[128];
    CU_ASSERT_EQUAL(params_from_json(o, &back, NULL, NULL, detail, sizeof detail), WEIR_OK);
    CU_ASSERT_EQUAL(back.server_affinity, 1);
    CU_ASSERT_EQUAL(back.fqrate, 10000000);
    CU_ASSERT_EQUAL(back.dont_fragment, 1);
    CU_ASSERT_EQUAL(back.zerocopy, 1);
    CU_ASSERT_EQUAL(back.skip_rx_copy, 1);
    CU_ASSERT_EQUAL(back.weir_sender_done, 1);
    params_free(&back);
    json_object_put(o);
    params_free(&p);
}

static void test_params_parse(void)
{
    struct test_params p;
    char d[256];
    CU_ASSERT_EQUAL(parse_text("{\"tcp\":true,\"omit\":1,\"time\":3,\"num\":0,\"blockcount\":0,\"parallel\":2,"
                               "\"reverse\":true,\"len\":1200,\"pacing_timer\":1000,\"title\":\"t\","
                               "\"client_version\":\"3.12\"}", &p, d, sizeof d), WEIR_OK);
    CU_ASSERT_STRING_EQUAL(p.wire_key, "tcp");
    CU_ASSERT_EQUAL(p.omit, 1);
    CU_ASSERT_EQUAL(p.time, 3);
    CU_ASSERT_EQUAL(p.parallel, 2);
    CU_ASSERT_TRUE(p.reverse);
    CU_ASSERT_FALSE(p.bidir);
    CU_ASSERT_EQUAL(p.len, 1200);
    CU_ASSERT_STRING_EQUAL(p.title, "t");
    params_free(&p);
    /* Empty object: the server's defaults (iperf3 accepts it). */
    CU_ASSERT_EQUAL(parse_text("{}", &p, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(p.time, 10);
    CU_ASSERT_EQUAL(p.parallel, 1);
    params_free(&p);
    /* 3.12 sends -1 as an unsigned 64-bit number in results; in params a
     * flag given as 1 (get_server_output) is presence. */
    CU_ASSERT_EQUAL(parse_text("{\"udp\":true,\"len\":1460,\"get_server_output\":1}", &p, d, sizeof d), WEIR_OK);
    CU_ASSERT_STRING_EQUAL(p.wire_key, "udp");
    CU_ASSERT_TRUE(p.get_server_output);
    params_free(&p);
}

static void test_params_reject(void)
{
    static const struct { const char *json; int code; } cases[] = {
        { "{\"parallel\":100000}", WEIR_E_NUMSTREAMS },
        { "{\"parallel\":0}", WEIR_E_NUMSTREAMS },
        { "{\"len\":0}", WEIR_E_BLOCKSIZE },
        { "{\"len\":2000000}", WEIR_E_BLOCKSIZE },
        { "{\"time\":-5}", WEIR_E_DURATION },
        { "{\"time\":100000}", WEIR_E_DURATION },
        { "{\"omit\":601}", WEIR_E_OMIT },
        { "{\"MSS\":40000}", WEIR_E_MSS },
        { "{\"window\":600000000}", WEIR_E_BUFSIZE },
        { "{\"TOS\":256}", WEIR_E_BADTOS },
        { "{\"burst\":1001}", WEIR_E_BURST },
        { "{\"time\":\"ten\"}", WEIR_E_RECVPARAMS },
        { "{\"title\":5}", WEIR_E_RECVPARAMS },
        { "{\"reverse\":true,\"bidirectional\":true}", WEIR_E_REVERSEBIDIR },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct test_params p;
        char d[256] = "";
        int rc = parse_text(cases[i].json, &p, d, sizeof d);
        if (rc != cases[i].code)
            fprintf(stderr, "\n  %s -> %d, expected %d\n", cases[i].json, rc, cases[i].code);
        CU_ASSERT_EQUAL(rc, cases[i].code);
        CU_ASSERT_NOT_EQUAL(d[0], '\0');
        params_free(&p);
    }
}

/* ---- JSON numbers ---- */

static void test_jsonnum(void)
{
    struct json_object *o = json_tokener_parse(
        "{\"a\":18446744073709551615,\"b\":1.8446744073709552e+19,\"c\":7,\"d\":-1,\"e\":\"x\"}");
    int64_t v;
    CU_ASSERT_EQUAL(jsonnum_get_i64(jsonnum_get(o, "a"), &v), 0); CU_ASSERT_EQUAL(v, -1);
    CU_ASSERT_EQUAL(jsonnum_get_i64(jsonnum_get(o, "b"), &v), 0); CU_ASSERT_EQUAL(v, -1);
    CU_ASSERT_EQUAL(jsonnum_get_i64(jsonnum_get(o, "c"), &v), 0); CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(jsonnum_get_i64(jsonnum_get(o, "d"), &v), 0); CU_ASSERT_EQUAL(v, -1);
    CU_ASSERT_EQUAL(jsonnum_get_i64(jsonnum_get(o, "e"), &v), -1);
    CU_ASSERT_EQUAL(jsonnum_get_i64(jsonnum_get(o, "missing"), &v), -1);
    json_object_put(o);

    struct json_object *n = jsonnum_number(2.0);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string(n), "2");
    json_object_put(n);
    n = jsonnum_number(2.000978);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string(n), "2.000978");
    json_object_put(n);
    n = jsonnum_number(4742650873.8121433);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string(n), "4742650873.8121433");
    json_object_put(n);
    /* Beyond int64 (a peer's jitter echoed back): a double, and no
     * out-of-range conversion on the way (found by fuzz/results_json). */
    n = jsonnum_number(9.3e18);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string(n), "9.3e+18");
    json_object_put(n);
    n = jsonnum_number(-1e300);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string(n), "-1e+300");
    json_object_put(n);
}

/* ---- results and summary arithmetic, with a fake transport ---- */

static int fake_fd(void *stream)
{
    return (int)(intptr_t)stream;
}

static void fake_close(void *stream)
{
    close((int)(intptr_t)stream);
}

/* Completed in main as the loader completes a plugin's ops (the hooks
 * left out get the host's stand-ins): the core calls every hook. */
static struct weir_transport_ops fake_ops = {
    .struct_size = sizeof fake_ops,
    .stream_fd = fake_fd,
    .close = fake_close,
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS,
    .wire_key = "tcp",
    .wire_label = "TCP",
};
static const struct weir_plugin fake_plugin = {
    .abi_major = WEIR_ABI_MAJOR, .abi_minor = WEIR_ABI_MINOR, .struct_size = sizeof fake_plugin,
    .kind = WEIR_PLUGIN_TRANSPORT, .name = "fake", .description = "unit test", .transport = &fake_ops,
};

static void make_test(struct test *t, struct settings *s, int n, int sending)
{
    memset(s, 0, sizeof *s);
    s->interval = 1.0;
    test_init(t, WEIR_ROLE_CLIENT, s);
    t->transport = &fake_plugin;
    t->p.parallel = n;
    t->p.len = 131072;
    t->streams = calloc((size_t)n, sizeof *t->streams);
    t->n_streams = t->n_alloc = n;
    for (int i = 0; i < n; i++) {
        t->streams[i].id = i == 0 ? 1 : i + 2;
        t->streams[i].sending = sending;
        t->streams[i].tp = t->transport;    /* as test_add_stream sets it */
        t->streams[i].fd = 5 + i;
    }
    t->start_ns = t->interval_start_ns = 1000000000ull;
    t->end_ns = 3000000000ull;
}

static void test_results_roundtrip(void)
{
    struct settings s;
    struct test t, peer;
    make_test(&t, &s, 2, 1);
    t.streams[0].ctr.bytes = 1000;
    t.streams[1].ctr.bytes = 3000;
    t.streams[1].at_omit.bytes = 500;
    t.cpu_total = 12.5;
    struct json_object *o = results_to_json(&t, NULL, NULL);
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"sender_has_retransmits\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"id\":3,\"bytes\":2500"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"end_time\":2"));

    struct settings s2;
    make_test(&peer, &s2, 2, 0);
    char d[256];
    CU_ASSERT_EQUAL(results_from_json(&peer, o, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(peer.streams[0].peer.bytes, 1000);
    CU_ASSERT_EQUAL(peer.streams[1].peer.bytes, 2500);
    CU_ASSERT_EQUAL(peer.peer_sender_has_retransmits, 1);
    CU_ASSERT_DOUBLE_EQUAL(peer.peer_cpu_total, 12.5, 1e-9);
    json_object_put(o);

    /* 3.12's unsigned -1 and an unknown stream id. */
    o = json_tokener_parse("{\"cpu_util_total\":1,\"cpu_util_user\":0.5,\"cpu_util_system\":0.5,"
                           "\"sender_has_retransmits\":18446744073709551615,\"streams\":[{\"id\":1,"
                           "\"bytes\":10,\"retransmits\":18446744073709551615,\"jitter\":0,\"errors\":0,"
                           "\"packets\":0}]}");
    CU_ASSERT_EQUAL(results_from_json(&t, o, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(t.peer_sender_has_retransmits, -1);
    CU_ASSERT_EQUAL(t.streams[0].peer.retransmits, -1);
    json_object_put(o);
    o = json_tokener_parse("{\"cpu_util_total\":1,\"cpu_util_user\":0.5,\"cpu_util_system\":0.5,"
                           "\"sender_has_retransmits\":1,\"streams\":[{\"id\":2,\"bytes\":10,"
                           "\"retransmits\":0,\"jitter\":0,\"errors\":0,\"packets\":0}]}");
    CU_ASSERT_EQUAL(results_from_json(&t, o, d, sizeof d), WEIR_E_STREAMID);
    json_object_put(o);
    o = json_tokener_parse("{\"cpu_util_total\":1,\"streams\":[]}");
    CU_ASSERT_EQUAL(results_from_json(&t, o, d, sizeof d), WEIR_E_RECVRESULTS);
    json_object_put(o);
    test_free(&t);
    test_free(&peer);
}

/* -n/-k shares: rounded up per sending stream; with -O a client's starts
 * at the omit end (iperf3's sent count restarts there), a server's (-R) at
 * the start (the client's received count does not). */
static void test_share_budget_omit(void)
{
    struct settings s;
    struct test t;
    make_test(&t, &s, 3, 1);
    t.p.num = 5 * 131072;
    t.p.omit = 1;
    test_share_budget(&t);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(t.streams[i].budget_blocks, 2);
        CU_ASSERT_EQUAL(t.streams[i].budget_after_omit, 1);
    }
    test_free(&t);

    make_test(&t, &s, 2, 1);
    t.role = WEIR_ROLE_SERVER;
    t.p.blockcount = 7;
    t.p.omit = 1;
    test_share_budget(&t);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(t.streams[i].budget_blocks, 4);
        CU_ASSERT_EQUAL(t.streams[i].budget_after_omit, 0);
    }
    test_free(&t);

    make_test(&t, &s, 1, 1);
    t.p.blockcount = 7;
    test_share_budget(&t);
    CU_ASSERT_EQUAL(t.streams[0].budget_blocks, 7);
    CU_ASSERT_EQUAL(t.streams[0].budget_after_omit, 0);
    test_free(&t);
}

static void test_summary_arithmetic(void)
{
    struct settings s;
    struct test t;
    make_test(&t, &s, 2, 0);
    struct stats_buf b;
    CU_ASSERT_EQUAL_FATAL(stats_buf_init(&b, 2), 0);
    t.streams[0].ctr.bytes = 125000000;   /* 1 Gbit over the 1 s interval */
    t.streams[1].ctr.bytes = 250000000;
    struct weir_report_interval iv;
    stats_interval(&t, 2000000000ull, &b, &iv);
    CU_ASSERT_EQUAL(iv.n_streams, 2);
    CU_ASSERT_DOUBLE_EQUAL(iv.streams[0].start, 0.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(iv.streams[0].end, 1.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(iv.streams[0].bits_per_second, 1e9, 1);
    CU_ASSERT_EQUAL(iv.sum.bytes, 375000000);
    CU_ASSERT_DOUBLE_EQUAL(iv.sum.bits_per_second, 3e9, 1);
    CU_ASSERT_FALSE(iv.sum.sender);
    /* The next interval counts only what came after. */
    t.streams[0].ctr.bytes += 1000;
    stats_interval(&t, 2500000000ull, &b, &iv);
    CU_ASSERT_EQUAL(iv.streams[0].bytes, 1000);
    CU_ASSERT_EQUAL(iv.streams[1].bytes, 0);
    CU_ASSERT_DOUBLE_EQUAL(iv.streams[0].start, 1.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(iv.streams[0].seconds, 0.5, 1e-9);

    /* End: local receiver numbers, the peer's sender numbers. */
    t.peer_known = 1;
    for (int i = 0; i < 2; i++) {
        t.streams[i].peer.known = 1;
        t.streams[i].peer.bytes = t.streams[i].ctr.bytes + 100;
        t.streams[i].peer.retransmits = 3;
        t.streams[i].peer.end_time = 2.0;
    }
    t.peer_sender_has_retransmits = 1;
    struct weir_report_end e;
    stats_end(&t, &b, &e);
    CU_ASSERT_EQUAL(e.n_streams, 2);
    CU_ASSERT_TRUE(e.show_retransmits);
    CU_ASSERT_EQUAL(e.sum_received.bytes, 375001000);
    CU_ASSERT_EQUAL(e.sum_sent.bytes, 375001200);
    CU_ASSERT_EQUAL(e.sum_sent.retransmits, 6);
    CU_ASSERT_TRUE(e.streams[0].has_sender && e.streams[0].has_receiver);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_received.seconds, 2.0, 1e-9);
    stats_buf_free(&b);
    test_free(&t);
}

/* Each side's numbers span that side's own time, as iperf3 3.12 writes
 * them: a sum's seconds is its end and its rate is over it; a peer
 * sender's stream too; a peer receiver's stream keeps the local duration
 * as its seconds (iperf3's quirk) but its end and rate are the peer's. */
static void test_summary_spans(void)
{
    struct settings s;
    struct test t;
    struct stats_buf b;
    struct weir_report_end e;

    /* A sending client, 2.0 s here; the receiver took 2.5 s and 2.4 s. */
    make_test(&t, &s, 2, 1);
    CU_ASSERT_EQUAL_FATAL(stats_buf_init(&b, 2), 0);
    t.peer_known = 1;
    for (int i = 0; i < 2; i++) {
        t.streams[i].ctr.bytes = 250000000;
        t.streams[i].peer.known = 1;
        t.streams[i].peer.bytes = 250000000;
        t.streams[i].peer.end_time = i == 0 ? 2.5 : 2.4;
    }
    stats_end(&t, &b, &e);
    CU_ASSERT_DOUBLE_EQUAL(e.streams[0].receiver.end, 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.streams[0].receiver.seconds, 2.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.streams[0].receiver.bits_per_second, 8e8, 1);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_sent.seconds, 2.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_sent.bits_per_second, 2e9, 1);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_received.end, 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_received.seconds, 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_received.bits_per_second, 1.6e9, 1);
    stats_buf_free(&b);
    test_free(&t);

    /* A receiving client (-R): the sender's side is the peer's 2.5 s. */
    make_test(&t, &s, 1, 0);
    CU_ASSERT_EQUAL_FATAL(stats_buf_init(&b, 1), 0);
    t.peer_known = 1;
    t.streams[0].ctr.bytes = 250000000;
    t.streams[0].peer.known = 1;
    t.streams[0].peer.bytes = 250000000;
    t.streams[0].peer.end_time = 2.5;
    stats_end(&t, &b, &e);
    CU_ASSERT_DOUBLE_EQUAL(e.streams[0].sender.end, 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.streams[0].sender.seconds, 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_sent.seconds, 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_sent.bits_per_second, 8e8, 1);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_received.seconds, 2.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_received.bits_per_second, 1e9, 1);
    /* A peer without times (iperf3 < 3.2): ours, as iperf3 does. */
    t.streams[0].peer.end_time = 0;
    stats_end(&t, &b, &e);
    CU_ASSERT_DOUBLE_EQUAL(e.streams[0].sender.end, 2.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_sent.seconds, 2.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.sum_sent.bits_per_second, 1e9, 1);
    stats_buf_free(&b);
    test_free(&t);
}

/* TCP_INFO as a receiving socket reports it (small cwnd, the handshake's rtt). */
static int fake_info(void *stream, struct weir_stream_info *out)
{
    (void)stream;
    out->valid = 1;
    out->retransmits = 0;
    out->snd_cwnd = 360448;
    out->snd_wnd = 65536;
    out->rtt_us = 6;
    return WEIR_OK;
}

static struct weir_transport_ops fake_info_ops = {
    .struct_size = sizeof fake_info_ops,
    .stream_fd = fake_fd,
    .close = fake_close,
    .info = fake_info,
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS,
    .wire_key = "tcp",
    .wire_label = "TCP",
};
static const struct weir_plugin fake_info_plugin = {
    .abi_major = WEIR_ABI_MAJOR, .abi_minor = WEIR_ABI_MINOR, .struct_size = sizeof fake_info_plugin,
    .kind = WEIR_PLUGIN_TRANSPORT, .name = "fake-info", .description = "unit test",
    .transport = &fake_info_ops,
};

/* --bidir: iperf3 writes each socket's own TCP_INFO extremes under its
 * stream's sender, the client's receiving socket included; -R does not. */
static void test_bidir_receiving_info(void)
{
    for (int bidir = 0; bidir <= 1; bidir++) {
        struct settings s;
        struct test t;
        struct stats_buf b;
        make_test(&t, &s, 2, 0);
        t.transport = &fake_info_plugin;
        t.p.bidir = bidir;
        t.streams[0].sending = bidir;
        for (int i = 0; i < 2; i++) {
            t.streams[i].min_rtt = UINT32_MAX;      /* as test_add_stream sets them */
            t.streams[i].tp = t.transport;
        }
        CU_ASSERT_EQUAL_FATAL(stats_buf_init(&b, 2), 0);
        struct weir_report_interval iv;
        stats_interval(&t, 2000000000ull, &b, &iv);
        /* Per interval only a sending stream shows them. */
        CU_ASSERT_FALSE(iv.streams[1].has_tcpinfo);
        CU_ASSERT_EQUAL(iv.streams[1].snd_cwnd, 0);
        CU_ASSERT_EQUAL(iv.streams[0].has_tcpinfo, bidir);
        struct weir_report_end e;
        stats_end(&t, &b, &e);
        const struct weir_report_end_stream *rx = &e.streams[1];
        CU_ASSERT_FALSE(rx->sending);
        CU_ASSERT_FALSE(rx->has_tcpinfo);
        CU_ASSERT_EQUAL(rx->max_snd_cwnd, bidir ? 360448 : 0);
        CU_ASSERT_EQUAL(rx->max_snd_wnd, bidir ? 65536 : 0);
        CU_ASSERT_EQUAL(rx->max_rtt, bidir ? 6 : 0);
        CU_ASSERT_EQUAL(rx->min_rtt, bidir ? 6 : 0);
        CU_ASSERT_EQUAL(rx->mean_rtt, bidir ? 6 : 0);
        stats_buf_free(&b);
        test_free(&t);
    }
}

/* The peer's results may hold any int64: sums and differences of them wrap
 * rather than overflow (found by fuzz/results_json; UBSan aborts on the
 * overflow in an --enable-asan build). */
static void test_summary_extremes(void)
{
    struct weir_report_sample a, b, sum;
    memset(&a, 0, sizeof a);
    a.packets = INT64_MAX;
    a.lost_packets = INT64_MAX;
    a.out_of_order = INT64_MAX;
    a.retransmits = INT64_MAX;
    b = a;
    const struct weir_report_sample *v[] = { &a, &b };
    stats_sum(v, 2, &sum);
    CU_ASSERT_EQUAL(sum.packets, -2);
    CU_ASSERT_EQUAL(sum.lost_packets, -2);
    CU_ASSERT_EQUAL(sum.out_of_order, -2);
    CU_ASSERT_EQUAL(sum.retransmits, -2);
    /* A negative packet count gives no loss percentage. */
    CU_ASSERT_DOUBLE_EQUAL(sum.lost_percent, 0.0, 1e-9);
}

/* A transport that runs in two ways (SDK 2.2's test_rules, as quic's
 * --quic-datagrams): a datagram test when the client's own option says
 * so (here: cfg->host set and want_datagrams) or the server's test has
 * the datagrams parameter. */
static int want_datagrams;
static int modes_rules(void *global, const struct weir_stream_config *cfg, struct weir_test_rules *r)
{
    (void)global;
    struct weir_value v;
    int on = (cfg->host && want_datagrams) ||
             (host_services()->param(cfg, WEIR_PARAM_DATAGRAMS, &v) && v.type == WEIR_VALUE_BOOL && v.v.b);
    if (cfg->blksize == 7) {
        host_services()->set_error(WEIR_E_USAGE, "seven refused");
        return WEIR_E_USAGE;
    }
    if (on) {
        r->caps = (r->caps & ~(uint32_t)WEIR_CAP_RELIABLE) | WEIR_CAP_DATAGRAM;
        r->default_rate = 1048576;
        r->blksize_max = 1000;
        r->default_blksize = cfg->blksize == 9 ? 2000 : 1000;    /* 9: a default outside the range */
    }
    return WEIR_OK;
}
static struct weir_transport_ops modes_ops = {
    .struct_size = sizeof modes_ops,
    .stream_fd = fake_fd,
    .close = fake_close,
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_EXTENSION,
    .wire_key = "udp",
    .wire_label = "UDP",
    .default_blksize = 131072,
    .test_rules = modes_rules,
};
static const struct weir_plugin modes_plugin = {
    .abi_major = WEIR_ABI_MAJOR, .abi_minor = WEIR_ABI_MINOR, .struct_size = sizeof modes_plugin,
    .kind = WEIR_PLUGIN_TRANSPORT, .name = "modes", .description = "unit test", .transport = &modes_ops,
};

static void test_rules_per_test(void)
{
    struct settings s;
    struct test t;
    memset(&s, 0, sizeof s);
    s.host = "192.0.2.1";
    /* Without the hook (a 2.0/2.1 plugin): the descriptor's rules. */
    test_init(&t, WEIR_ROLE_CLIENT, &s);
    t.transport = &fake_plugin;
    CU_ASSERT_EQUAL(test_caps(&t), fake_ops.caps);      /* before: the descriptor's */
    CU_ASSERT_EQUAL(test_take_rules(&t), WEIR_OK);
    CU_ASSERT_EQUAL(test_caps(&t), fake_ops.caps);
    CU_ASSERT_FALSE(test_is_datagram(&t));
    CU_ASSERT_EQUAL(t.p.weir_datagrams, 0);
    test_free(&t);
    /* The client's option makes a datagram test, and the key says so. */
    for (int opt = 0; opt <= 1; opt++) {
        want_datagrams = opt;
        test_init(&t, WEIR_ROLE_CLIENT, &s);
        t.transport = &modes_plugin;
        CU_ASSERT_EQUAL(test_take_rules(&t), WEIR_OK);
        CU_ASSERT_EQUAL(test_is_datagram(&t), opt);
        CU_ASSERT_EQUAL((test_caps(&t) & WEIR_CAP_RELIABLE) != 0, !opt);
        CU_ASSERT_EQUAL(t.rules.default_rate, opt ? 1048576u : 0u);
        CU_ASSERT_EQUAL(t.p.weir_datagrams, opt);
        struct json_object *o = params_to_json(&t.p);
        struct json_object *key = NULL;
        CU_ASSERT_EQUAL(json_object_object_get_ex(o, "weir_datagrams", &key), opt);
        if (key)
            CU_ASSERT_EQUAL(json_object_get_int(key), 1);
        json_object_put(o);
        test_free(&t);
    }
    /* The server follows the key (its own option is not asked). */
    for (int key = 0; key <= 1; key++) {
        test_init(&t, WEIR_ROLE_SERVER, &s);
        t.transport = &modes_plugin;
        t.p.weir_datagrams = key;
        CU_ASSERT_EQUAL(test_take_rules(&t), WEIR_OK);
        CU_ASSERT_EQUAL(test_is_datagram(&t), key);
        CU_ASSERT_EQUAL(t.p.weir_datagrams, key);
        test_free(&t);
    }
    want_datagrams = 0;
    /* A refusal comes back with its detail; a default outside the range
     * the hook gave is the plugin's error. */
    test_init(&t, WEIR_ROLE_CLIENT, &s);
    t.transport = &modes_plugin;
    t.p.len = 7;
    CU_ASSERT_EQUAL(test_take_rules(&t), WEIR_E_USAGE);
    CU_ASSERT_STRING_EQUAL(host_take_error(NULL), "seven refused");
    want_datagrams = 1;
    t.p.len = 9;
    CU_ASSERT_EQUAL(test_take_rules(&t), WEIR_E_PLUGIN);
    want_datagrams = 0;
    test_free(&t);
}

static void test_stream_ids(void)
{
    /* iperf3 numbers streams 1, 3, 4, 5, ... (2 is never used). */
    struct settings s;
    struct test t;
    memset(&s, 0, sizeof s);
    test_init(&t, WEIR_ROLE_CLIENT, &s);
    t.transport = &fake_plugin;
    static const int expect[] = { 1, 3, 4, 5, 6 };
    int fds[5][2];
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]), 0);
        struct stream *st = test_add_stream(&t, (void *)(intptr_t)fds[i][0], i % 2);
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_EQUAL(st->id, expect[i]);
        CU_ASSERT_EQUAL(st->fd, fds[i][0]);
        CU_ASSERT_EQUAL(st->sending, i % 2);
    }
    test_free(&t);      /* closes the streams through the transport */
    for (int i = 0; i < 5; i++)
        close(fds[i][1]);
}

/* --load-transport: the probe streams (the first -P) over the test's
 * transport, the load streams over the load's, and each stream closed
 * through its own. */
static void test_load_transport_streams(void)
{
    struct settings s;
    struct test t;
    memset(&s, 0, sizeof s);
    test_init(&t, WEIR_ROLE_CLIENT, &s);
    t.transport = &fake_plugin;
    t.load_transport = &fake_info_plugin;
    t.p.parallel = 2;
    t.p.bidir = 1;
    t.p.weir_latency.on = 1;
    t.p.weir_latency.load = 2;
    CU_ASSERT_EQUAL(test_stream_count(&t), 6);
    CU_ASSERT_PTR_EQUAL(test_bulk_transport(&t), &fake_info_plugin);
    int fds[6][2];
    for (int i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]), 0);
        struct stream *st = test_add_stream(&t, (void *)(intptr_t)fds[i][0], test_client_sends(&t, i));
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        CU_ASSERT_PTR_EQUAL(st->tp, i < 2 ? &fake_plugin : &fake_info_plugin);
    }
    /* Without --load-transport every stream is the test's. */
    t.load_transport = NULL;
    CU_ASSERT_PTR_EQUAL(test_transport_at(&t, 5), &fake_plugin);
    CU_ASSERT_PTR_EQUAL(test_bulk_transport(&t), &fake_plugin);
    test_free(&t);
    for (int i = 0; i < 6; i++)
        close(fds[i][1]);
}

/* host->error_reason: one code per message, messages printed as the
 * table's are, and a full table falls back to WEIR_E_PLUGIN. */
static void test_error_reasons(void)
{
    int a = error_register("the sink's quota is exhausted");
    int b = error_register("the probe lost its lease");
    CU_ASSERT_EQUAL(a, WEIR_E_REGISTERED_FIRST);
    CU_ASSERT_EQUAL(b, WEIR_E_REGISTERED_FIRST + 1);
    CU_ASSERT_EQUAL(error_register("the sink's quota is exhausted"), a);
    CU_ASSERT_STRING_EQUAL(error_strerror(b), "the probe lost its lease");
    char buf[128];
    error_text(buf, sizeof buf, a, "/var/x: 12 bytes over");
    CU_ASSERT_STRING_EQUAL(buf, "the sink's quota is exhausted: /var/x: 12 bytes over");
    CU_ASSERT_STRING_EQUAL(error_strerror(b + 1), "unknown error");
    CU_ASSERT_EQUAL(error_register(""), WEIR_E_PLUGIN);
    CU_ASSERT_EQUAL(error_register(NULL), WEIR_E_PLUGIN);
    for (int i = 2; i < WEIR_E_REGISTERED_MAX; i++) {
        char m[32];
        snprintf(m, sizeof m, "reason %d", i);
        CU_ASSERT_EQUAL(error_register(m), WEIR_E_REGISTERED_FIRST + i);
    }
    CU_ASSERT_EQUAL(error_register("one too many"), WEIR_E_PLUGIN);
    CU_ASSERT_EQUAL(error_register("the probe lost its lease"), b);
    CU_ASSERT_STRING_EQUAL(error_strerror(WEIR_E_REGISTERED_FIRST + WEIR_E_REGISTERED_MAX - 1), "reason 255");
}

static void test_error_table(void)
{
    CU_ASSERT_STRING_EQUAL(error_strerror(121), "the server is busy running a test. try again later");
    CU_ASSERT_STRING_EQUAL(error_strerror(WEIR_E_CTRLCLOSE), "control socket has closed unexpectedly");
    CU_ASSERT_STRING_EQUAL(error_strerror(99999), "unknown error");
    char b[128];
    error_text(b, sizeof b, WEIR_E_CONNECT, "Connection refused");
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "unable to connect to server"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, ": Connection refused"));
}

int main(void)
{
    hookdefaults_transport(&fake_ops);
    hookdefaults_transport(&fake_info_ops);
    hookdefaults_transport(&modes_ops);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("core", NULL, NULL);
    CU_add_test(s, "size units", test_parse_size);
    CU_add_test(s, "rate units", test_parse_rate);
    CU_add_test(s, "column formatting", test_format);
    CU_add_test(s, "cookie", test_cookie);
    CU_add_test(s, "JSON framing", test_framing);
    CU_add_test(s, "state bytes and SERVER_ERROR tail", test_state_and_error_tail);
    CU_add_test(s, "parameter JSON built", test_params_build);
    CU_add_test(s, "parameter JSON parsed", test_params_parse);
    CU_add_test(s, "parameter JSON rejected", test_params_reject);
    CU_add_test(s, "JSON numbers", test_jsonnum);
    CU_add_test(s, "results JSON both ways", test_results_roundtrip);
    CU_add_test(s, "-n/-k shares and -O", test_share_budget_omit);
    CU_add_test(s, "interval and summary arithmetic", test_summary_arithmetic);
    CU_add_test(s, "summary with peer numbers at the int64 limits", test_summary_extremes);
    CU_add_test(s, "summary spans: each side's own time", test_summary_spans);
    CU_add_test(s, "--bidir: receiving sockets' TCP_INFO extremes", test_bidir_receiving_info);
    CU_add_test(s, "stream ids", test_stream_ids);
    CU_add_test(s, "--load-transport: each stream its transport", test_load_transport_streams);
    CU_add_test(s, "per-test rules (test_rules, SDK 2.2)", test_rules_per_test);
    CU_add_test(s, "error table", test_error_table);
    CU_add_test(s, "plugins' own error reasons", test_error_reasons);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
