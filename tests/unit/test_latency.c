/* --latency's pieces that need no network: the weir_latency parameter
 * both ways (src/proto/latency_params.c), the probe header
 * (src/run/probe.c), the requests in flight (src/run/probe_ring.c), the
 * windows' merge (src/run/latency.c) and a histogram as reporters get it
 * (src/run/latency_report.c: the SDK's bucket bounds and counts). */
#include <CUnit/Basic.h>
#include <string.h>

#include "proto/errors.h"
#include "proto/latency_params.h"
#include "run/latency.h"
#include "run/latency_report.h"
#include "run/probe.h"
#include "run/probe_ring.h"

static struct json_object *parse(const char *text)
{
    return json_tokener_parse(text);
}

static int from_text(const char *text, struct latency_params *p)
{
    char detail[256] = "";
    struct json_object *o = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    int rc = latency_params_from_json(o, p, detail, sizeof detail);
    if (rc != WEIR_OK)
        CU_ASSERT(strstr(detail, "weir_latency") != NULL);
    json_object_put(o);
    return rc;
}

static void test_params_round_trip(void)
{
    struct latency_params p = { .on = 1, .request = 64, .reply = 1000, .rate = 250.5 }, q;
    struct json_object *o = json_object_new_object();
    latency_params_to_json(o, &p);
    char detail[64];
    CU_ASSERT_EQUAL(latency_params_from_json(o, &q, detail, sizeof detail), WEIR_OK);
    CU_ASSERT_EQUAL(q.on, 1);
    CU_ASSERT_EQUAL(q.request, 64);
    CU_ASSERT_EQUAL(q.reply, 1000);
    CU_ASSERT_DOUBLE_EQUAL(q.rate, 250.5, 0);
    json_object_put(o);
    /* Off: no key at all, and a missing key reads as off. */
    o = json_object_new_object();
    p.on = 0;
    latency_params_to_json(o, &p);
    CU_ASSERT_EQUAL(json_object_object_length(o), 0);
    CU_ASSERT_EQUAL(latency_params_from_json(o, &q, detail, sizeof detail), WEIR_OK);
    CU_ASSERT_EQUAL(q.on, 0);
    json_object_put(o);
}

static void test_params_refused(void)
{
    struct latency_params p;
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"request\":64,\"reply\":64}}", &p), WEIR_OK);
    CU_ASSERT_DOUBLE_EQUAL(p.rate, 0, 0);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":true}", &p), WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"reply\":64}}", &p), WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"request\":47,\"reply\":64}}", &p), WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"request\":64,\"reply\":1048577}}", &p), WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"request\":\"64\",\"reply\":64}}", &p), WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"request\":64,\"reply\":64,\"rate\":-1}}", &p),
                    WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"request\":64,\"reply\":64,\"rate\":2000000}}", &p),
                    WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(from_text("{\"weir_latency\":{\"request\":64,\"reply\":64,\"rate\":\"x\"}}", &p),
                    WEIR_E_RECVPARAMS);
    CU_ASSERT_EQUAL(p.on, 0);
}

/* Every field survives, big-endian on the wire; the wrong kind, a short
 * buffer or another magic is no probe. */
static void test_probe_header(void)
{
    unsigned char buf[PROBE_HEADER + 16];
    memset(buf, 0xee, sizeof buf);
    struct probe_msg m = { .kind = PROBE_REPLY, .seq = 0x0102030405060708ull, .c_mono = 1,
                           .c_real = UINT64_MAX, .s_rx = 1234567890123456789ull, .s_tx = 42 }, got;
    probe_encode(buf, &m);
    CU_ASSERT_EQUAL(memcmp(buf, "WLAT\0\2\0\0\1\2\3\4\5\6\7\10", 16), 0);
    CU_ASSERT_EQUAL(buf[PROBE_HEADER], 0xee);          /* the padding is the caller's */
    CU_ASSERT_EQUAL(probe_decode(buf, PROBE_HEADER, PROBE_REPLY, &got), 0);
    CU_ASSERT_EQUAL(got.seq, m.seq);
    CU_ASSERT_EQUAL(got.c_mono, 1);
    CU_ASSERT_EQUAL(got.c_real, UINT64_MAX);
    CU_ASSERT_EQUAL(got.s_rx, m.s_rx);
    CU_ASSERT_EQUAL(got.s_tx, 42);
    CU_ASSERT_EQUAL(probe_decode(buf, PROBE_HEADER, PROBE_REQUEST, &got), -1);
    CU_ASSERT_EQUAL(probe_decode(buf, PROBE_HEADER - 1, PROBE_REPLY, &got), -1);
    buf[0] = 'X';
    CU_ASSERT_EQUAL(probe_decode(buf, PROBE_HEADER, PROBE_REPLY, &got), -1);
}

/* A reply counts once: not twice (a duplicate), not after its request was
 * given up on (late), not for a request never sent. */
static void test_ring_replies(void)
{
    struct probe_ring r;
    CU_ASSERT_EQUAL_FATAL(probe_ring_init(&r, 4), 0);
    uint64_t seq, sent, lost;
    int counted;
    for (uint64_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(probe_ring_send(&r, 1000 + i, i > 0, &seq), 0);
        CU_ASSERT_EQUAL(seq, i);
    }
    CU_ASSERT_EQUAL(r.outstanding, 3);
    CU_ASSERT_EQUAL(probe_ring_answer(&r, 1, &sent, &counted), 1);
    CU_ASSERT_EQUAL(sent, 1001);
    CU_ASSERT_EQUAL(counted, 1);
    CU_ASSERT_EQUAL(probe_ring_answer(&r, 1, &sent, &counted), 0);     /* duplicate */
    CU_ASSERT_EQUAL(probe_ring_answer(&r, 3, &sent, &counted), 0);     /* never sent */
    CU_ASSERT_EQUAL(probe_ring_answer(&r, 0, &sent, &counted), 1);
    CU_ASSERT_EQUAL(counted, 0);                                       /* sent in -O */
    /* 2 is due; bound 500: given up on at 1502, not before. */
    CU_ASSERT_EQUAL(probe_ring_expire(&r, 1501, 500, 0, &lost), 1502);
    CU_ASSERT_EQUAL(lost, 0);
    CU_ASSERT_EQUAL(probe_ring_expire(&r, 1502, 500, 0, &lost), 0);
    CU_ASSERT_EQUAL(lost, 1);
    CU_ASSERT_EQUAL(r.outstanding, 0);
    CU_ASSERT_EQUAL(probe_ring_answer(&r, 2, &sent, &counted), 0);     /* late */
    /* Bound 0 gives up on nothing (a byte stream); all on everything. */
    CU_ASSERT_EQUAL(probe_ring_send(&r, 5000, 1, &seq), 0);
    CU_ASSERT_EQUAL(probe_ring_expire(&r, UINT64_MAX, 0, 0, &lost), 0);
    CU_ASSERT_EQUAL(r.outstanding, 1);
    CU_ASSERT_EQUAL(probe_ring_expire(&r, 5001, 0, 1, &lost), 0);
    CU_ASSERT_EQUAL(lost, 1);
    CU_ASSERT_EQUAL(r.outstanding, 0);
    probe_ring_free(&r);
}

/* A full ring refuses the next request until its slot's request is
 * settled; a reply to a request whose slot was taken since is ignored. */
static void test_ring_full(void)
{
    struct probe_ring r;
    CU_ASSERT_EQUAL_FATAL(probe_ring_init(&r, 2), 0);
    uint64_t seq, sent, lost;
    int counted;
    CU_ASSERT_EQUAL(probe_ring_send(&r, 1, 1, &seq), 0);
    CU_ASSERT_EQUAL(probe_ring_send(&r, 2, 1, &seq), 0);
    CU_ASSERT_EQUAL(probe_ring_send(&r, 3, 1, &seq), -1);
    CU_ASSERT_EQUAL(probe_ring_answer(&r, 0, &sent, &counted), 1);
    CU_ASSERT_EQUAL(probe_ring_send(&r, 4, 1, &seq), 0);
    CU_ASSERT_EQUAL(seq, 2);
    CU_ASSERT_EQUAL(probe_ring_answer(&r, 0, &sent, &counted), 0);
    CU_ASSERT_EQUAL(probe_ring_expire(&r, 10, 1, 1, &lost), 0);
    CU_ASSERT_EQUAL(lost, 2);
    CU_ASSERT_EQUAL(r.outstanding, 0);
    probe_ring_free(&r);
}

static struct latency_window w1, w2;

static void test_window_merge(void)
{
    latency_window_reset(&w1);
    latency_window_reset(&w2);
    hist_record(&w1.rtt, 20000);
    w1.sent = 3;
    w1.lost = 1;
    w1.missed = 2;
    hist_record(&w2.rtt, 40000);
    hist_record(&w2.fwd, 9000);
    w2.sent = 1;
    latency_window_merge(&w1, &w2);
    CU_ASSERT_EQUAL(w1.rtt.count, 2);
    CU_ASSERT_EQUAL(w1.rtt.min, 20000);
    CU_ASSERT_EQUAL(w1.rtt.max, 40000);
    CU_ASSERT_EQUAL(w1.fwd.count, 1);
    CU_ASSERT_EQUAL(w1.sent, 4);
    CU_ASSERT_EQUAL(w1.lost, 1);
    CU_ASSERT_EQUAL(w1.missed, 2);
}

/* 47 bounds, 1, 1.5, 2, 3, 5, 7 per decade from 1 us to 50 s, ascending;
 * cumulative counts; sum and count exact; none for an empty histogram. */
static void test_report_buckets(void)
{
    struct histogram h;
    struct weir_report_latency_bucket bk[WEIR_LATENCY_BUCKETS];
    struct weir_report_latency_stats d;
    hist_reset(&h);
    latency_report_stats(&h, bk, &d);
    CU_ASSERT_EQUAL(d.n_buckets, 0);
    CU_ASSERT_PTR_NULL(d.buckets);
    const uint64_t ns[] = { 900, 1200, 14000, 14000, 2500000, 55000000000ull };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        hist_record(&h, ns[i]);
    latency_report_stats(&h, bk, &d);
    CU_ASSERT_EQUAL_FATAL(d.n_buckets, WEIR_LATENCY_BUCKETS);
    CU_ASSERT_PTR_EQUAL(d.buckets, bk);
    CU_ASSERT_EQUAL(d.count, 6);
    CU_ASSERT_DOUBLE_EQUAL(d.sum, 55002530.1, 1e-6);
    const double le[] = { 1, 1.5, 2, 3, 5, 7, 10, 15, 20 };
    for (size_t i = 0; i < sizeof le / sizeof le[0]; i++)
        CU_ASSERT_DOUBLE_EQUAL(bk[i].le_us, le[i], 0);
    CU_ASSERT_DOUBLE_EQUAL(bk[WEIR_LATENCY_BUCKETS - 1].le_us, 50e6, 0);
    for (size_t i = 1; i < WEIR_LATENCY_BUCKETS; i++) {
        CU_ASSERT(bk[i].le_us > bk[i - 1].le_us);
        CU_ASSERT(bk[i].count >= bk[i - 1].count);
    }
    CU_ASSERT_EQUAL(bk[0].count, 1);        /* 900 ns */
    CU_ASSERT_EQUAL(bk[1].count, 2);        /* 1.2 us */
    CU_ASSERT_EQUAL(bk[6].count, 2);        /* 14 us is above 10 */
    CU_ASSERT_EQUAL(bk[7].count, 4);
    CU_ASSERT_EQUAL(bk[WEIR_LATENCY_BUCKETS - 1].count, 5); /* 55 s only in count */
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("latency", NULL, NULL);
    CU_add_test(s, "weir_latency both ways", test_params_round_trip);
    CU_add_test(s, "weir_latency refused", test_params_refused);
    CU_add_test(s, "probe header", test_probe_header);
    CU_add_test(s, "windows merge", test_window_merge);
    CU_add_test(s, "replies: duplicate, late, unknown", test_ring_replies);
    CU_add_test(s, "a full ring", test_ring_full);
    CU_add_test(s, "a histogram's buckets for reporters", test_report_buckets);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
