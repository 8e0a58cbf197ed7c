/* The option table (src/cli/optable.c), walked entry by entry: its shape,
 * every parameter key through the JSON and back, every range refused on
 * the command line and from a client with the table's error, the copy of
 * the settings into the parameters, --help, and plugin options past the
 * old limit of 64. Runs options_parse with the built plugins
 * (WEIR_PLUGIN_PATH from tests/Makefile.am). */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/help.h"
#include "cli/optable.h"
#include "cli/optcheck.h"
#include "cli/options.h"
#include "host/host.h"
#include "host/loader.h"
#include "proto/errors.h"
#include "proto/params.h"

#define EACH_ENTRY(o) for (const struct optspec *o = optable; o < optable + optable_len; o++)

static int ranged(const struct optspec *o)
{
    return o->max > o->min;
}

/* The value of a C type's field that still fits, for the range checks. */
static int fits(uint8_t ctype, double v)
{
    switch (ctype) {
    case CT_INT: return v >= -2147483648.0 && v <= 2147483647.0;
    case CT_U16: return v >= 0 && v <= 65535;
    case CT_U32: return v >= 0 && v <= 4294967295.0;
    case CT_U64: return v >= 0;
    case CT_DOUBLE: return 1;
    default: return 0;
    }
}

/* ---- the table's shape ---- */

static void test_shape(void)
{
    int max_rank = 0, keys = 0;
    EACH_ENTRY(o) {
        /* An option, a parameter, or both. */
        CU_ASSERT(o->name || o->key);
        if (o->name) {
            /* Listed by --help, with its text; found by its names. */
            if (!o->help || !o->help[0] || o->section == HELP_NONE)
                fprintf(stderr, "\n  --%s has no help line\n", o->name);
            CU_ASSERT(o->help && o->help[0] && o->section != HELP_NONE);
            CU_ASSERT_PTR_EQUAL(optable_by_name(o->name), o);
            if (o->alias)
                CU_ASSERT_PTR_EQUAL(optable_by_name(o->alias), o);
            if (o->letter)
                CU_ASSERT_PTR_EQUAL(optable_by_letter(o->letter), o);
            /* Read by the generic reader: a field to store into. */
            if (!o->parse && o->arg != ARG_NONE)
                CU_ASSERT(o->set.ctype != CT_NONE);
            /* An integer argument has a range, so it fits its field. */
            if (o->arg == ARG_INT && !o->parse) {
                CU_ASSERT(ranged(o));
                CU_ASSERT(fits(o->set.ctype, o->min) && fits(o->set.ctype, o->max));
            }
        } else {
            CU_ASSERT_EQUAL(o->section, HELP_NONE);
        }
        if (o->key) {
            keys++;
            CU_ASSERT_PTR_EQUAL(optable_by_key(o->key), o);
            CU_ASSERT(o->wire != WIRE_NONE && o->param.ctype != CT_NONE);
            CU_ASSERT(o->wire_rank > 0);
            if (o->wire_rank > max_rank)
                max_rank = o->wire_rank;
            /* A client's value within range fits the parameter's field. */
            if (ranged(o))
                CU_ASSERT(fits(o->param.ctype, o->min) && fits(o->param.ctype, o->max));
        }
        /* Refusals: an iperf3 number with a message, or a name for weir's. */
        if (ranged(o) || o->err) {
            if (o->err) {
                CU_ASSERT(o->err > 0 && o->err < 1000);
                CU_ASSERT_STRING_NOT_EQUAL(error_strerror(o->err), "unknown error");
            } else {
                CU_ASSERT_PTR_NOT_NULL(o->what);
            }
        }
        /* Entries that fill one setting agree on where it starts. */
        EACH_ENTRY(q)
            if (q != o && q->set.ctype && o->set.ctype && q->set.off == o->set.off)
                CU_ASSERT_EQUAL(q->dflt, o->dflt);
    }
    /* The keys' ranks are 1..n, each once: the JSON's order. */
    CU_ASSERT_EQUAL(max_rank, keys);
    for (int r = 1; r <= max_rank; r++) {
        int n = 0;
        EACH_ENTRY(o)
            n += o->key && o->wire_rank == r;
        CU_ASSERT_EQUAL(n, 1);
    }
    /* Names and letters are unique. */
    EACH_ENTRY(o)
        EACH_ENTRY(q) {
            if (q <= o)
                continue;
            if (o->name && q->name)
                CU_ASSERT_STRING_NOT_EQUAL(o->name, q->name);
            if (o->letter)
                CU_ASSERT_NOT_EQUAL(o->letter, q->letter);
        }
}

/* ---- the parameter JSON ---- */

/* A valid base: what a client always sends. */
static void base_params(struct test_params *p)
{
    params_defaults(p);
    snprintf(p->wire_key, sizeof p->wire_key, "tcp");
    p->len = 1460;
}

/* A value for o other than its default, within its range. */
static void set_other(struct test_params *p, const struct optspec *o, int64_t *want)
{
    if (o->wire == WIRE_STRING) {
        optfield_set_str(p, o->param, strdup(o->key));
        return;
    }
    int64_t v = 1;
    if (o->wire == WIRE_INT)
        v = ranged(o) ? (int64_t)o->max : o->param.ctype == CT_U64 ? (int64_t)1 << 40 : 7;
    if (v == o->dflt)
        v = (int64_t)o->min;
    optfield_set_int(p, o->param, v);
    *want = v;
}

static void test_json_round_trip(void)
{
    EACH_ENTRY(o) {
        if (!o->key)
            continue;
        struct test_params p, back;
        base_params(&p);
        /* At its default, a key sent only when set stays out. */
        struct json_object *j = params_to_json(&p);
        int sent = json_object_object_get_ex(j, o->key, NULL);
        int always = o->wire == WIRE_INT && o->send == SEND_ALWAYS;
        if (sent != always)
            fprintf(stderr, "\n  %s: sent %d at its default\n", o->key, sent);
        CU_ASSERT_EQUAL(sent, always);
        json_object_put(j);

        int64_t want = 0;
        set_other(&p, o, &want);
        j = params_to_json(&p);
        CU_ASSERT(json_object_object_get_ex(j, o->key, NULL));
        char detail[256] = "";
        int rc = params_from_json(j, &back, NULL, NULL, detail, sizeof detail);
        if (rc != WEIR_OK)
            fprintf(stderr, "\n  %s: %d %s (%s)\n", o->key, rc, detail, json_object_to_json_string(j));
        CU_ASSERT_EQUAL(rc, WEIR_OK);
        CU_ASSERT_STRING_EQUAL(back.wire_key, "tcp");
        if (o->wire == WIRE_STRING) {
            CU_ASSERT_STRING_EQUAL(optfield_get_str(&back, o->param), o->key);
        } else {
            CU_ASSERT_EQUAL(optfield_get_int(&back, o->param), want);
        }
        params_free(&back);
        params_free(&p);
        json_object_put(j);
    }
}

/* Keys in the real client's order, the protocol key first. */
static void test_json_order(void)
{
    struct test_params p;
    base_params(&p);
    struct json_object *j = params_to_json(&p);
    int rank = 0, first = 1;
    json_object_object_foreach(j, key, val) {
        (void)val;
        if (first) {
            CU_ASSERT_STRING_EQUAL(key, "tcp");
            first = 0;
            continue;
        }
        const struct optspec *o = optable_by_key(key);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        CU_ASSERT(o->wire_rank > rank);
        rank = o->wire_rank;
    }
    json_object_put(j);
    params_free(&p);
}

/* The protocol key: a key sent as true that is no parameter; the last one
 * that names a transport (iperf3's server lets "udp" override "tcp"); a
 * client may leave it out. */
static int only_tcp_udp(const char *key, void *ctx)
{
    (void)ctx;
    return strcmp(key, "tcp") == 0 || strcmp(key, "udp") == 0;
}

static void test_protocol_key(void)
{
    static const struct { const char *json, *key; int ask; } cases[] = {
        { "{\"udp\":true,\"reverse\":true}", "udp", 0 },
        { "{\"reverse\":true,\"nodelay\":true,\"sctp\":true}", "sctp", 0 },
        { "{\"time\":3}", "", 0 },
        { "{\"quic\":false,\"tcp\":true}", "tcp", 0 },
        { "{\"tcp\":true,\"omit\":0,\"udp\":true}", "udp", 1 },
        { "{\"tcp\":true,\"newer_flag\":true}", "tcp", 1 },
        { "{\"sctp\":true}", "sctp", 1 },     /* named, for the server to refuse */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct json_object *j = json_tokener_parse(cases[i].json);
        struct test_params p;
        char detail[128];
        CU_ASSERT_EQUAL(params_from_json(j, &p, cases[i].ask ? only_tcp_udp : NULL, NULL, detail,
                                         sizeof detail), WEIR_OK);
        CU_ASSERT_STRING_EQUAL(p.wire_key, cases[i].key);
        params_free(&p);
        json_object_put(j);
    }
}

/* ---- ranges: the command line and a client, one check ---- */

/* options_parse on the words of args, its stderr in err. */
static int parse_words(const char *args, struct settings *s, char *err, size_t len)
{
    char buf[512];
    char *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "weir %s", args);
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    argv[argc] = NULL;
    fflush(stderr);
    FILE *f = tmpfile();
    int saved = dup(2);
    dup2(fileno(f), 2);
    int rc = options_parse(argc, argv, s);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(err, 1, len - 1, f);
    err[n] = '\0';
    fclose(f);
    return rc;
}

/* Values just outside o's range, as the command line writes them. */
static int outside(const struct optspec *o, char values[2][32])
{
    int n = 0;
    if (o->arg == ARG_DOUBLE) {
        snprintf(values[n++], 32, "%g", o->max * 2);
        snprintf(values[n++], 32, "%g", o->min / 2);
        return n;
    }
    if (o->max < 9e18)
        snprintf(values[n++], 32, "%.0f", o->max + 1);
    /* Sizes and rates cannot be negative: below 0 is a unit error. */
    if ((o->min > 0 || o->arg == ARG_INT) && !(o->min - 1 == 0 && (o->flags & OPT_ZERO_OFF)))
        snprintf(values[n++], 32, "%.0f", o->min - 1);
    return n;
}

static void test_range_command_line(void)
{
    EACH_ENTRY(o) {
        if (!o->name || !ranged(o) || o->flags & OPT_EARLY)
            continue;
        char values[2][32];
        int n = outside(o, values);
        for (int i = 0; i < n; i++) {
            char args[256], err[2048], given[96], detail[256], line[512], want[600];
            snprintf(args, sizeof args, "%s --%s=%s", o->where == FOR_SERVER ? "-s" : "-c 127.0.0.1",
                     o->name, values[i]);
            struct settings s;
            int rc = parse_words(args, &s, err, sizeof err);
            snprintf(given, sizeof given, "'%s'", values[i]);
            int code = optcheck_refuse(o, given, detail, sizeof detail);
            optcheck_text(line, sizeof line, code, detail);
            snprintf(want, sizeof want, "weir: parameter error - %s\n", line);
            if (rc != -1 || strncmp(err, want, strlen(want)) != 0)
                fprintf(stderr, "\n  weir %s -> %d:\n  %s  want %s", args, rc, err, want);
            CU_ASSERT_EQUAL(rc, -1);
            CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
            /* The message states the range. */
            char hi[32];
            snprintf(hi, sizeof hi, "%.15g", o->max);
            CU_ASSERT_PTR_NOT_NULL(strstr(line, hi));
        }
    }
    /* -b's burst is the burst parameter's check. */
    struct settings s;
    char err[2048];
    CU_ASSERT_EQUAL(parse_words("-c 127.0.0.1 -b 1M/1001", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, error_strerror(WEIR_E_BURST)));
    loader_unload_all();
}

static void test_range_peer(void)
{
    EACH_ENTRY(o) {
        if (!o->key || !ranged(o))
            continue;
        double vals[2] = { o->max + 1, o->min - 1 };
        for (int i = 0; i < 2; i++) {
            if (vals[i] == 0 && (o->flags & OPT_ZERO_OFF))
                continue;
            char text[128], detail[256] = "", want_detail[256], given[96];
            snprintf(text, sizeof text, "{\"tcp\":true,\"len\":1460,\"%s\":%.0f}", o->key, vals[i]);
            if (strcmp(o->key, "len") == 0)
                snprintf(text, sizeof text, "{\"tcp\":true,\"len\":%.0f}", vals[i]);
            struct json_object *j = json_tokener_parse(text);
            CU_ASSERT_PTR_NOT_NULL_FATAL(j);
            struct test_params p;
            int rc = params_from_json(j, &p, NULL, NULL, detail, sizeof detail);
            snprintf(given, sizeof given, "parameter %s = %.0f", o->key, vals[i]);
            int code = optcheck_refuse(o, given, want_detail, sizeof want_detail);
            if (rc != optcheck_wire_status(code) || strcmp(detail, want_detail) != 0)
                fprintf(stderr, "\n  %s -> %d '%s', want %d '%s'\n", text, rc, detail,
                        optcheck_wire_status(code), want_detail);
            CU_ASSERT_EQUAL(rc, optcheck_wire_status(code));
            CU_ASSERT_STRING_EQUAL(detail, want_detail);
            params_free(&p);
            json_object_put(j);
        }
    }
}

/* The length within the transport's range too, with its error. */
static void test_blksize(void)
{
    struct weir_transport_ops udp_like = {
        .struct_size = sizeof udp_like, .default_blksize = 1460, .blksize_min = 16,
        .blksize_max = 65507, .blksize_error = WEIR_E_UDPBLOCKSIZE,
    };
    struct weir_transport_ops tcp_like = { .struct_size = sizeof tcp_like, .default_blksize = 131072 };
    char d[256];
    CU_ASSERT_EQUAL(optcheck_blksize(&udp_like, 1460, "'1460'", d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(optcheck_blksize(&udp_like, 8, "'8'", d, sizeof d), WEIR_E_UDPBLOCKSIZE);
    CU_ASSERT_EQUAL(optcheck_blksize(&udp_like, 65508, "'65508'", d, sizeof d), WEIR_E_UDPBLOCKSIZE);
    CU_ASSERT_EQUAL(optcheck_blksize(&udp_like, 2000000, "'2000000'", d, sizeof d), WEIR_E_UDPBLOCKSIZE);
    CU_ASSERT_EQUAL(optcheck_blksize(&tcp_like, 1048576, "'1048576'", d, sizeof d), WEIR_OK);
    CU_ASSERT_EQUAL(optcheck_blksize(&tcp_like, 1048577, "'1048577'", d, sizeof d), WEIR_E_BLOCKSIZE);
    CU_ASSERT_EQUAL(optcheck_blksize(&tcp_like, 0, "'0'", d, sizeof d), WEIR_E_BLOCKSIZE);
    /* On the command line, against the transport -u names. */
    struct settings s;
    char err[2048];
    CU_ASSERT_EQUAL(parse_words("-c 127.0.0.1 -u -l 8", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, error_strerror(WEIR_E_UDPBLOCKSIZE)));
    CU_ASSERT_EQUAL(parse_words("-c 127.0.0.1 -u -l 1400", &s, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(s.transport, "udp");
    loader_unload_all();
}

/* ---- settings ---- */

/* Defaults from the table; the client's copy into the parameters. */
static void test_settings_to_params(void)
{
    struct settings s;
    char err[2048];
    CU_ASSERT_EQUAL_FATAL(parse_words("-c 127.0.0.1", &s, err, sizeof err), 0);
    EACH_ENTRY(o) {
        if (o->set.ctype == CT_DOUBLE) {
            CU_ASSERT_DOUBLE_EQUAL(optfield_get_double(&s, o->set), (double)o->dflt, 1e-9);
        } else if (o->set.ctype && o->set.ctype != CT_STR) {
            CU_ASSERT_EQUAL(optfield_get_int(&s, o->set), o->dflt);
        }
    }
    EACH_ENTRY(o) {
        if (!o->set.ctype || !o->param.ctype || (o->flags & OPT_CLIENT_FILLS))
            continue;
        struct settings one = s;
        struct test_params p;
        int64_t want = 0;
        if (o->set.ctype == CT_STR)
            optfield_set_str(&one, o->set, o->key);
        else
            optfield_set_int(&one, o->set, want = o->dflt == 3 ? 4 : 3);
        params_from_settings(&p, &one);
        if (o->set.ctype == CT_STR) {
            CU_ASSERT_STRING_EQUAL(optfield_get_str(&p, o->param), o->key);
        } else {
            CU_ASSERT_EQUAL(optfield_get_int(&p, o->param), want);
        }
        params_free(&p);
    }
    loader_unload_all();
}

/* Options given to a mode that does not take them. */
static void test_where(void)
{
    struct settings s;
    char err[2048];
    CU_ASSERT_EQUAL(parse_words("-s -P 1", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, error_strerror(WEIR_E_CLIENTONLY)));
    CU_ASSERT_EQUAL(parse_words("-c 127.0.0.1 --max-tests 2", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, error_strerror(WEIR_E_SERVERONLY)));
    CU_ASSERT_EQUAL(parse_words("-s -A 0,1", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, error_strerror(WEIR_E_CLIENTONLY)));
    CU_ASSERT_EQUAL(parse_words("-s -A 0 -w 1M", &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(parse_words("-c 127.0.0.1 --bandwidth 5M --linux-congestion reno", &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.rate, 5000000);
    CU_ASSERT(s.rate_set);
    CU_ASSERT_STRING_EQUAL(s.congestion, "reno");
    loader_unload_all();
}

/* ---- --help and plugin options ---- */

static void test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    help_print(f, NULL, 0);
    fclose(f);
    EACH_ENTRY(o) {
        if (!o->name)
            continue;
        char want[96];
        if (o->letter)
            snprintf(want, sizeof want, "\n  -%c, --%s", o->letter, o->name);
        else
            snprintf(want, sizeof want, "\n  --%s", o->name);
        const char *at = strstr(text, want);
        CU_ASSERT_PTR_NOT_NULL(at);
        /* Its text starts on the line, or under it. */
        if (at) {
            at += strlen(want) + (o->meta ? strlen(o->meta) : 0);
            CU_ASSERT(at[0] == ' ' || at[0] == '\n');
        }
        if (o->alias) {
            snprintf(want, sizeof want, "--%s", o->alias);
            CU_ASSERT_PTR_NULL(strstr(text, want));
        }
    }
    free(text);
}

/* More plugin options than the old fixed table held: each keeps its value. */
static void test_many_plugin_options(void)
{
    static char names[100][16];
    static struct weir_option opts[100];
    char why[128];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "opt-%d", i);
        opts[i] = (struct weir_option){ .name = names[i], .arg = "N", .type = WEIR_VALUE_INT };
        CU_ASSERT_EQUAL(host_set_option(&opts[i], names[i] + 4, why, sizeof why), 0);
    }
    const struct weir_host *h = host_services();
    struct weir_value v;
    for (int i = 0; i < 100; i++) {
        CU_ASSERT_EQUAL(h->param(NULL, names[i], &v), 1);
        CU_ASSERT_EQUAL(v.type, WEIR_VALUE_INT);
        CU_ASSERT_EQUAL(v.v.i, i);
    }
    CU_ASSERT_EQUAL(h->param(NULL, "opt-100", &v), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("option table", NULL, NULL);
    CU_add_test(s, "entries: names, keys, ranks, errors", test_shape);
    CU_add_test(s, "every key through the JSON and back", test_json_round_trip);
    CU_add_test(s, "keys in the client's order", test_json_order);
    CU_add_test(s, "the protocol key", test_protocol_key);
    CU_add_test(s, "ranges on the command line", test_range_command_line);
    CU_add_test(s, "ranges from a client, the same check", test_range_peer);
    CU_add_test(s, "block size within the transport's range", test_blksize);
    CU_add_test(s, "defaults and the copy into the parameters", test_settings_to_params);
    CU_add_test(s, "options a mode does not take", test_where);
    CU_add_test(s, "--help lists every option", test_help);
    CU_add_test(s, "plugin options beyond 64", test_many_plugin_options);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
