/* src/roles/serverlimits.c and src/proto/timeouts.c: option parsing, the parameter
 * checks against the server's limits, the sliding bitrate window and the
 * receive watchdog, driven with made-up clocks and counters. */
#include <CUnit/Basic.h>
#include <string.h>

#include "roles/serverlimits.h"
#include "proto/errors.h"
#include "proto/timeouts.h"

#define S_NS 1000000000ull

static void test_parse_bitrate(void)
{
    uint64_t rate = 0;
    int win = 0;
    CU_ASSERT_EQUAL(limits_parse_bitrate("100M", &rate, &win), WEIR_OK);
    CU_ASSERT_EQUAL(rate, 100000000u);
    CU_ASSERT_EQUAL(win, LIMITS_RATE_WINDOW_DEFAULT_S);
    CU_ASSERT_EQUAL(limits_parse_bitrate("2G/10", &rate, &win), WEIR_OK);
    CU_ASSERT_EQUAL(rate, 2000000000u);
    CU_ASSERT_EQUAL(win, 10);
    /* Whole seconds, at least one, as iperf3's 1 s samples count it. */
    CU_ASSERT_EQUAL(limits_parse_bitrate("1K/2.6", &rate, &win), WEIR_OK);
    CU_ASSERT_EQUAL(win, 3);
    CU_ASSERT_EQUAL(limits_parse_bitrate("1K/0.2", &rate, &win), WEIR_OK);
    CU_ASSERT_EQUAL(win, 1);
    CU_ASSERT_EQUAL(limits_parse_bitrate("1K/0", &rate, &win), WEIR_E_TOTALINTERVAL);
    CU_ASSERT_EQUAL(limits_parse_bitrate("1K/-3", &rate, &win), WEIR_E_TOTALINTERVAL);
    CU_ASSERT_EQUAL(limits_parse_bitrate("1K/", &rate, &win), WEIR_E_TOTALINTERVAL);
    CU_ASSERT_EQUAL(limits_parse_bitrate("1K/x", &rate, &win), WEIR_E_TOTALINTERVAL);
    CU_ASSERT_EQUAL(limits_parse_bitrate("1K/86401", &rate, &win), WEIR_E_TOTALINTERVAL);
    CU_ASSERT_EQUAL(limits_parse_bitrate("fast", &rate, &win), WEIR_E_UNITVAL);
    CU_ASSERT_EQUAL(limits_parse_bitrate("/5", &rate, &win), WEIR_E_UNITVAL);
}

static void params(struct test_params *p, int time, int omit, int parallel, uint64_t bw)
{
    memset(p, 0, sizeof *p);
    p->time = time;
    p->omit = omit;
    p->parallel = parallel;
    p->bandwidth = bw;
}

static void test_check_params(void)
{
    struct settings s;
    struct test_params p;
    char d[256];
    memset(&s, 0, sizeof s);
    params(&p, 0, 0, 1, 0);
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_OK);   /* no limits */

    s.server_max_duration_s = 10;
    params(&p, 10, 0, 1, 0);
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_OK);
    params(&p, 8, 3, 1, 0);
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_E_MAXSERVERTESTDURATIONEXCEEDED);
    CU_ASSERT_PTR_NOT_NULL(strstr(d, "at most 10 s"));
    params(&p, 0, 0, 1, 0);                 /* -n / -k: no time limit */
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_E_MAXSERVERTESTDURATIONEXCEEDED);

    s.server_max_duration_s = 0;
    s.server_bitrate_limit = 30000000;
    params(&p, 10, 0, 3, 10000000);
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_OK);  /* exactly the limit */
    params(&p, 10, 0, 2, 10000000);
    p.bidir = 1;                            /* 2 x 2 x 10M */
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_E_TOTALRATE);
    params(&p, 10, 0, 1, 0);
    p.fqrate = 40000000;
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_E_TOTALRATE);
    params(&p, 10, 0, 4096, UINT64_MAX / 2);  /* no overflow into a small total */
    CU_ASSERT_EQUAL(limits_check_params(&s, &p, d, sizeof d), WEIR_E_TOTALRATE);
}

/* A test with one stream whose counter the cases move by hand. */
static struct stream stream;
static struct test one_stream_test(struct settings *s, int sending)
{
    struct test t;
    memset(&t, 0, sizeof t);
    memset(&stream, 0, sizeof stream);
    stream.sending = sending;
    t.streams = &stream;
    t.n_streams = 1;
    t.s = s;
    return t;
}

static void test_rate_window(void)
{
    struct settings s;
    memset(&s, 0, sizeof s);
    s.server_bitrate_limit = 8000000;       /* 1 MB/s */
    s.server_bitrate_window_s = 3;
    struct test t = one_stream_test(&s, 0);
    struct rate_window w;
    char d[256];
    uint64_t t0 = 1000 * S_NS;
    rate_window_start(&w, &s, t0);
    /* 5 MB in the first second, then nothing: not judged before a whole
     * window (3 s), then judged on the window ending now. */
    CU_ASSERT_EQUAL(rate_window_check(&w, &t, t0, d, sizeof d), WEIR_OK);
    stream.ctr.bytes = 5000000;
    CU_ASSERT_EQUAL(rate_window_check(&w, &t, t0 + 1 * S_NS, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(rate_window_check(&w, &t, t0 + 2 * S_NS, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(rate_window_check(&w, &t, t0 + 3 * S_NS, d, sizeof d), WEIR_E_TOTALRATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(d, "the limit is 8000000 bit/s"));

    /* Slow and steady (0.9 MB/s) stays within; a burst counts while it
     * is inside the 3 s window and no longer once the window slid past. */
    rate_window_start(&w, &s, t0);
    static const unsigned per_second[] = { 0, 900, 900, 900, 900, 900, 900, 900, 900, 900,
                                           900, 1200, 900, 900, 900, 1300 };   /* KB */
    stream.ctr.bytes = 0;
    for (int i = 0; i < 16; i++) {
        stream.ctr.bytes += per_second[i] * 1000u;
        int rc = rate_window_check(&w, &t, t0 + (uint64_t)i * S_NS, d, sizeof d);
        /* Second 11 is exactly the limit (0.9 + 0.9 + 1.2 MB in 3 s);
         * second 15 is above it (0.9 + 0.9 + 1.3 MB). */
        CU_ASSERT_EQUAL(rc, i == 15 ? WEIR_E_TOTALRATE : WEIR_OK);
    }

    /* Checks between samples change nothing; off without a limit. */
    s.server_bitrate_limit = 0;
    rate_window_start(&w, &s, t0);
    stream.ctr.bytes = UINT64_MAX / 4;
    CU_ASSERT_EQUAL(rate_window_check(&w, &t, t0 + 100 * S_NS, d, sizeof d), WEIR_OK);

    /* A long window is cut into 64 steps and still averages over itself. */
    s.server_bitrate_limit = 8000000;
    s.server_bitrate_window_s = 640;
    rate_window_start(&w, &s, t0);
    CU_ASSERT_EQUAL(w.steps, RATE_WINDOW_STEPS);
    CU_ASSERT_EQUAL(w.step_ns, 10 * S_NS);
    stream.ctr.bytes = 0;
    int over = 0;
    for (int i = 0; i <= 64 && !over; i++) {
        stream.ctr.bytes = (uint64_t)i * 10 * 1100000;   /* 1.1 MB/s */
        over = rate_window_check(&w, &t, t0 + (uint64_t)i * 10 * S_NS, d, sizeof d) == WEIR_E_TOTALRATE;
        CU_ASSERT_EQUAL(over, i == 64);
    }
}

static void test_parse_cntl_ka(void)
{
    struct settings s;
    char d[256];
    memset(&s, 0, sizeof s);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka(NULL, &s, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(s.cntl_ka, 1);
    CU_ASSERT_EQUAL(s.cntl_ka_idle + s.cntl_ka_intvl + s.cntl_ka_cnt, 0);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("40/5/6", &s, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(s.cntl_ka_idle, 40);
    CU_ASSERT_EQUAL(s.cntl_ka_intvl, 5);
    CU_ASSERT_EQUAL(s.cntl_ka_cnt, 6);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("//3", &s, d, sizeof d), WEIR_OK);   /* OS idle, intvl */
    CU_ASSERT_EQUAL(s.cntl_ka_idle, 0);
    CU_ASSERT_EQUAL(s.cntl_ka_cnt, 3);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("7", &s, d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(s.cntl_ka_idle, 7);
    /* iperf3's rule: idle longer than interval * count. */
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("30/5/6", &s, d, sizeof d), WEIR_E_CNTLKA);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("x/5/6", &s, d, sizeof d), WEIR_E_CNTLKA);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("0", &s, d, sizeof d), WEIR_E_CNTLKA);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("10/1/128", &s, d, sizeof d), WEIR_E_CNTLKA);
    CU_ASSERT_EQUAL(timeouts_parse_cntl_ka("10/1/2/3", &s, d, sizeof d), WEIR_E_CNTLKA);
}

static void test_wait_bounds(void)
{
    struct settings s;
    memset(&s, 0, sizeof s);
    s.mode = MODE_SERVER;
    s.rcv_timeout_ms = 120000;
    CU_ASSERT_EQUAL(timeouts_wait_ms(&s, 10000), 10000);
    CU_ASSERT_EQUAL(timeouts_idle_ms(&s), -1);
    s.rcv_timeout_ms = 2500;
    CU_ASSERT_EQUAL(timeouts_wait_ms(&s, 10000), 2500);
    s.idle_timeout_s = 2;
    CU_ASSERT_EQUAL(timeouts_wait_ms(&s, 10000), 2000);
    CU_ASSERT_EQUAL(timeouts_idle_ms(&s), 2000);
    s.mode = MODE_CLIENT;                   /* --idle-timeout is the server's */
    CU_ASSERT_EQUAL(timeouts_wait_ms(&s, 10000), 2500);
}

static void test_rcv_watch(void)
{
    struct settings s;
    memset(&s, 0, sizeof s);
    s.rcv_timeout_ms = 2000;
    struct test t = one_stream_test(&s, 0);
    struct rcv_watch w;
    uint64_t t0 = 50 * S_NS;
    rcv_watch_start(&w, &t, t0);
    CU_ASSERT_FALSE(rcv_watch_expired(&w, &t, t0 + S_NS));
    stream.ctr.bytes = 10;                  /* progress restarts the clock */
    CU_ASSERT_FALSE(rcv_watch_expired(&w, &t, t0 + 3 * S_NS / 2));
    CU_ASSERT_FALSE(rcv_watch_expired(&w, &t, t0 + 3 * S_NS));
    CU_ASSERT_TRUE(rcv_watch_expired(&w, &t, t0 + 7 * S_NS / 2));
    /* A side that only sends is never judged by it. */
    t = one_stream_test(&s, 1);
    rcv_watch_start(&w, &t, t0);
    CU_ASSERT_FALSE(rcv_watch_expired(&w, &t, t0 + 100 * S_NS));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("limits and timeouts", NULL, NULL);
    CU_add_test(s, "--server-bitrate-limit parsing", test_parse_bitrate);
    CU_add_test(s, "parameters against the server's limits", test_check_params);
    CU_add_test(s, "sliding bitrate window", test_rate_window);
    CU_add_test(s, "--cntl-ka parsing", test_parse_cntl_ka);
    CU_add_test(s, "wait bounds", test_wait_bounds);
    CU_add_test(s, "receive watchdog", test_rcv_watch);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
