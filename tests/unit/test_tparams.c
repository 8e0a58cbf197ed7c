/* Unit tests of the typed channel between the core and its plugins: the
 * transport parameters a test gives (run/transport_params.c) as
 * host->param answers them, the check that a transport takes each one,
 * plugin options typed as declared (host/host.c), and the facts a
 * transport reports (run/facts.c). */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "run/facts.h"
#include "run/test.h"
#include "run/transport_params.h"

static const char *const honoured[] = { WEIR_PARAM_CONGESTION, WEIR_PARAM_TOS, WEIR_PARAM_GSO, NULL };
static const char *const ignored[] = { WEIR_PARAM_NODELAY, NULL };
static const struct weir_transport_ops fake_ops = {
    .struct_size = sizeof fake_ops,
    .params_honoured = honoured,
    .params_ignored = ignored,
    .wire_key = "tcp",
    .wire_label = "TCP",
};
static const struct weir_plugin fake_plugin = {
    .abi_major = WEIR_ABI_MAJOR, .abi_minor = WEIR_ABI_MINOR, .struct_size = sizeof fake_plugin,
    .kind = WEIR_PLUGIN_TRANSPORT, .name = "fake", .description = "test", .transport = &fake_ops,
};

/* A client test with nothing given. */
static void make_test(struct test *t, struct settings *s)
{
    memset(s, 0, sizeof *s);
    test_init(t, WEIR_ROLE_CLIENT, s);
    t->transport = &fake_plugin;
    t->p.gso = t->p.gro = -1;
}

static void test_nothing_given(void)
{
    struct settings s;
    struct test t;
    make_test(&t, &s);
    struct weir_param_set set;
    transport_params_build(&t, &set);
    CU_ASSERT_EQUAL(set.n, 0);
    char why[128] = "";
    CU_ASSERT_EQUAL(transport_params_check(&t, why, sizeof why), WEIR_OK);
    test_free(&t);
}

/* Every row: given, typed, in the table's order, the strings the test's. */
static void test_every_parameter(void)
{
    struct settings s;
    struct test t;
    make_test(&t, &s);
    char cc[] = "reno";
    t.p.congestion = cc;
    t.p.mss = 1400;
    t.p.nodelay = 1;
    t.p.tos = 0;                /* -S 0 is given */
    t.p.zerocopy = t.p.skip_rx_copy = 1;
    t.p.flowlabel = 0xABCDE;
    t.p.gso = 1;
    t.p.gro = 0;
    t.p.gso_dg_size = 1448;
    t.p.dont_fragment = 1;
    t.p.fqrate = 5000000000ull;
    s.bind_dev = "lo";
    s.mptcp = 1;
    t.p.udp_counters_64bit = 1;
    s.snd_timeout_ms = 250;
    struct weir_param_set set;
    transport_params_build(&t, &set);
    static const struct { const char *name; uint32_t type; } want[] = {
        { WEIR_PARAM_CONGESTION, WEIR_VALUE_STRING }, { WEIR_PARAM_MSS, WEIR_VALUE_UINT },
        { WEIR_PARAM_NODELAY, WEIR_VALUE_BOOL }, { WEIR_PARAM_TOS, WEIR_VALUE_UINT },
        { WEIR_PARAM_ZEROCOPY, WEIR_VALUE_BOOL }, { WEIR_PARAM_SKIP_RX_COPY, WEIR_VALUE_BOOL },
        { WEIR_PARAM_FLOWLABEL, WEIR_VALUE_UINT }, { WEIR_PARAM_GSO, WEIR_VALUE_BOOL },
        { WEIR_PARAM_GRO, WEIR_VALUE_BOOL }, { WEIR_PARAM_GSO_DG_SIZE, WEIR_VALUE_UINT },
        { WEIR_PARAM_DONT_FRAGMENT, WEIR_VALUE_BOOL }, { WEIR_PARAM_FQ_RATE, WEIR_VALUE_UINT },
        { WEIR_PARAM_BIND_DEV, WEIR_VALUE_STRING }, { WEIR_PARAM_MPTCP, WEIR_VALUE_BOOL },
        { WEIR_PARAM_UDP_COUNTERS_64BIT, WEIR_VALUE_BOOL }, { WEIR_PARAM_SND_TIMEOUT_MS, WEIR_VALUE_UINT },
    };
    CU_ASSERT_EQUAL_FATAL(set.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < set.n; i++) {
        CU_ASSERT_STRING_EQUAL(set.items[i].name, want[i].name);
        CU_ASSERT_EQUAL(set.items[i].value.type, want[i].type);
        CU_ASSERT_PTR_NOT_NULL(set.items[i].option);
    }
    struct weir_value v;
    CU_ASSERT(transport_params_lookup(&set, WEIR_PARAM_CONGESTION, &v) && v.v.s == cc);
    CU_ASSERT(transport_params_lookup(&set, WEIR_PARAM_TOS, &v) && v.v.u == 0);
    CU_ASSERT(transport_params_lookup(&set, WEIR_PARAM_GRO, &v) && v.v.b == 0);
    CU_ASSERT(transport_params_lookup(&set, WEIR_PARAM_FQ_RATE, &v) && v.v.u == 5000000000ull);
    CU_ASSERT(transport_params_lookup(&set, WEIR_PARAM_BIND_DEV, &v) && strcmp(v.v.s, "lo") == 0);
    CU_ASSERT(transport_params_lookup(&set, WEIR_PARAM_SND_TIMEOUT_MS, &v) && v.v.u == 250);
    CU_ASSERT_FALSE(transport_params_lookup(&set, "no_such_parameter", &v));
    /* iperf3 3.21 sends a datagram size with gso 0 too: not --gsro's. */
    t.p.gso = 0;
    transport_params_build(&t, &set);
    CU_ASSERT_FALSE(transport_params_lookup(&set, WEIR_PARAM_GSO_DG_SIZE, &v));
    t.p.congestion = NULL;      /* the test's own, not freed by test_free */
    test_free(&t);
}

/* host->param: a stream config's parameters first, then the options;
 * cfg NULL, only the options. */
static void test_host_param(void)
{
    struct settings s;
    struct test t;
    make_test(&t, &s);
    t.p.nodelay = 1;
    struct weir_stream_config cfg;
    test_stream_config(&t, 1, 0, &cfg);
    const struct weir_host *h = host_services();
    struct weir_value v;
    CU_ASSERT_EQUAL(h->param(&cfg, WEIR_PARAM_NODELAY, &v), 1);
    CU_ASSERT(v.type == WEIR_VALUE_BOOL && v.v.b == 1);
    CU_ASSERT_EQUAL(h->param(&cfg, WEIR_PARAM_MSS, &v), 0);
    CU_ASSERT_EQUAL(v.type, WEIR_VALUE_NONE);
    CU_ASSERT_EQUAL(h->param(NULL, WEIR_PARAM_NODELAY, &v), 0);
    CU_ASSERT_EQUAL(weir_param_flag(h, &cfg, WEIR_PARAM_NODELAY), 1);
    CU_ASSERT_EQUAL(weir_param_int(h, &cfg, WEIR_PARAM_TOS, -1), -1);

    static const struct weir_option opts[] = {
        { "tp-flag", NULL, "a flag", 0 },
        { "tp-count", "N", "a count", WEIR_VALUE_UINT },
        { "tp-offset", "N", "signed", WEIR_VALUE_INT },
        { "tp-ratio", "X", "a number", WEIR_VALUE_DOUBLE },
        { "tp-name", "S", "a string", 0 },
    };
    char why[160];
    CU_ASSERT_EQUAL(host_set_option(&opts[0], NULL, why, sizeof why), 0);
    CU_ASSERT_EQUAL(host_set_option(&opts[1], "42", why, sizeof why), 0);
    CU_ASSERT_EQUAL(host_set_option(&opts[2], "-7", why, sizeof why), 0);
    CU_ASSERT_EQUAL(host_set_option(&opts[3], "0.25", why, sizeof why), 0);
    CU_ASSERT_EQUAL(host_set_option(&opts[4], "x", why, sizeof why), 0);
    CU_ASSERT_EQUAL(weir_param_flag(h, NULL, "tp-flag"), 1);
    CU_ASSERT_EQUAL(weir_param_flag(h, &cfg, "tp-flag"), 1);     /* after the stream's */
    CU_ASSERT_EQUAL(weir_param_uint(h, NULL, "tp-count", 0), 42);
    CU_ASSERT_EQUAL(weir_param_int(h, NULL, "tp-count", 0), 42);  /* fits: converted */
    CU_ASSERT_EQUAL(weir_param_int(h, NULL, "tp-offset", 0), -7);
    CU_ASSERT_EQUAL(weir_param_uint(h, NULL, "tp-offset", 9), 9);  /* does not fit */
    CU_ASSERT(h->param(NULL, "tp-ratio", &v) && v.type == WEIR_VALUE_DOUBLE && v.v.d == 0.25);
    CU_ASSERT_STRING_EQUAL(weir_param_string(h, NULL, "tp-name", NULL), "x");
    CU_ASSERT_PTR_NULL(weir_param_string(h, NULL, "tp-count", NULL));  /* not a string */
    /* Not of the declared type: refused, naming the option. */
    const struct { int opt; const char *text; } bad[] = {
        { 1, "-1" }, { 1, "4x" }, { 1, "" }, { 1, "99999999999999999999999" },
        { 2, "1.5" }, { 3, "nan" }, { 3, "1e999" }, { 3, "fast" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        CU_ASSERT_EQUAL(host_set_option(&opts[bad[i].opt], bad[i].text, why, sizeof why), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(why, opts[bad[i].opt].name));
    }
    CU_ASSERT_EQUAL(weir_param_uint(h, NULL, "tp-count", 0), 42);  /* unchanged */
    CU_ASSERT_EQUAL(host_option_type(&opts[0]), WEIR_VALUE_BOOL);
    CU_ASSERT_EQUAL(host_option_type(&opts[4]), WEIR_VALUE_STRING);
    test_free(&t);
}

/* Honoured and ignored parameters pass; any other is refused with the
 * option and the transport named; a false bool asks for nothing. */
static void test_check(void)
{
    struct settings s;
    struct test t;
    make_test(&t, &s);
    char why[160] = "";
    t.p.tos = 16;
    t.p.nodelay = 1;
    t.p.gso = 1;
    CU_ASSERT_EQUAL(transport_params_check(&t, why, sizeof why), WEIR_OK);
    t.p.gro = 0;                /* iperf3 3.21 without --gsro */
    CU_ASSERT_EQUAL(transport_params_check(&t, why, sizeof why), WEIR_OK);
    t.p.gro = 1;
    CU_ASSERT_EQUAL(transport_params_check(&t, why, sizeof why), WEIR_E_UNIMP);
    CU_ASSERT_STRING_EQUAL(why, "--transport fake does not support --gsro");
    t.p.gro = -1;
    t.p.zerocopy = 1;
    CU_ASSERT_EQUAL(transport_params_check(&t, why, sizeof why), WEIR_E_UNIMP);
    CU_ASSERT_STRING_EQUAL(why, "--transport fake does not support -Z/--zerocopy");
    t.p.zerocopy = 0;
    s.bind_dev = "eth0";        /* a local setting counts too */
    CU_ASSERT_EQUAL(transport_params_check(&t, why, sizeof why), WEIR_E_UNIMP);
    CU_ASSERT_STRING_EQUAL(why, "--transport fake does not support --bind-dev");
    test_free(&t);
}

static void test_facts(void)
{
    struct fact_list l = { 0 };
    struct weir_fact_sink sink = facts_sink(&l);
    char name[] = "TLSv1.3";
    weir_fact_string(&sink, "tls.version", name);
    name[0] = 'X';              /* the host copied it */
    weir_fact_bool(&sink, "ok", 7);
    weir_fact_double(&sink, "ms", 1.5);
    weir_fact_int(&sink, "a_1.b_2.c", -1);
    /* Dropped: malformed keys and values. */
    weir_fact_uint(&sink, "", 1);
    weir_fact_uint(&sink, ".x", 1);
    weir_fact_uint(&sink, "x.", 1);
    weir_fact_uint(&sink, "x..y", 1);
    weir_fact_uint(&sink, "sp ace", 1);
    weir_fact_string(&sink, "nothing", NULL);
    weir_fact_double(&sink, "nan", NAN);
    weir_fact_double(&sink, "inf", INFINITY);
    struct weir_value odd = { .type = 99 };
    sink.add(sink.ctx, "odd", &odd);
    sink.add(sink.ctx, NULL, &odd);
    CU_ASSERT_EQUAL_FATAL(l.n, 4);
    CU_ASSERT_STRING_EQUAL(l.items[0].key, "tls.version");
    CU_ASSERT_STRING_EQUAL(l.items[0].value.v.s, "TLSv1.3");
    CU_ASSERT(l.items[1].value.type == WEIR_VALUE_BOOL && l.items[1].value.v.b == 1);
    CU_ASSERT(l.items[2].value.type == WEIR_VALUE_DOUBLE && l.items[2].value.v.d == 1.5);
    CU_ASSERT(l.items[3].value.type == WEIR_VALUE_INT && l.items[3].value.v.i == -1);
    facts_clear(&l);
    CU_ASSERT_EQUAL(l.n, 0);
    for (int i = 0; i < 100; i++)
        weir_fact_uint(&sink, "n", (uint64_t)i);
    CU_ASSERT_EQUAL(l.n, 100);
    CU_ASSERT_EQUAL(l.items[99].value.v.u, 99);
    facts_free(&l);
    CU_ASSERT_EQUAL(l.n, 0);
    CU_ASSERT_PTR_NULL(l.items);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("typed channel", NULL, NULL);
    CU_add_test(s, "nothing given, nothing refused", test_nothing_given);
    CU_add_test(s, "every transport parameter, typed", test_every_parameter);
    CU_add_test(s, "host->param: parameters, then typed options", test_host_param);
    CU_add_test(s, "a transport takes, ignores or refuses", test_check);
    CU_add_test(s, "facts: copied, ordered, malformed ones dropped", test_facts);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
