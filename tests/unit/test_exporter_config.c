/* src/exporter: the modules file (every error with its file and line),
 * the allow-list, /probe's query string and the probe's command line. The
 * checks of a module's options run the built weir ($WEIR) with --dry-run,
 * which loads the built plugins (WEIR_PLUGIN_PATH); make check sets both. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter/allow.h"
#include "exporter/config.h"
#include "exporter/modargs.h"
#include "exporter/values.h"
#include "host/loader.h"

/* The modules file's path: short enough that every error, which starts
 * with it, fits err whole. */
static char path[512];
static char err[1024];

/* Loads the n bytes of text as a modules file, made in $TMPDIR (/tmp
 * without it). */
static struct exp_config *load_bytes(const char *text, size_t n)
{
    err[0] = '\0';
    const char *dir = getenv("TMPDIR");
    int len = snprintf(path, sizeof path, "%s/weir-modules-XXXXXX", dir && *dir ? dir : "/tmp");
    CU_ASSERT_FATAL(len > 0 && (size_t)len < sizeof path);
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, text, n) == (ssize_t)n);
    close(fd);
    struct exp_config *c = exp_config_load(path, NULL, 0, err, sizeof err);
    unlink(path);
    return c;
}

/* Loads text as a modules file (NULL: no file). */
static struct exp_config *load(const char *text)
{
    err[0] = '\0';
    return text ? load_bytes(text, strlen(text)) : exp_config_load(NULL, NULL, 0, err, sizeof err);
}

/* The file fails at line with a reason that contains reason. */
static void fails_at(const char *text, int line, const char *reason)
{
    struct exp_config *c = load(text);
    CU_ASSERT_PTR_NULL(c);
    exp_config_free(c);
    char prefix[sizeof path + 32];
    snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
    int ok = strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err + strlen(prefix), reason) != NULL;
    if (!ok)
        fprintf(stderr, "\n  wanted %s...%s\n  got    %s\n", prefix, reason, err);
    CU_ASSERT_TRUE(ok);
}

static void test_defaults(void)
{
    struct exp_config *c = load(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NULL(c->path);
    CU_ASSERT_EQUAL(c->n_modules, 1);
    CU_ASSERT_EQUAL(c->n_allow, 0);
    CU_ASSERT_EQUAL(c->max_concurrent, 1);
    CU_ASSERT_EQUAL(c->queue_timeout, 30);
    CU_ASSERT_EQUAL(c->min_interval, 1);
    CU_ASSERT_EQUAL(c->probe_grace, 15);
    const struct exp_module *m = exp_config_module(c, "default");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_EQUAL(exp_config_module(c, NULL), m);
    CU_ASSERT_PTR_NULL(exp_config_module(c, "tcp_5s"));
    CU_ASSERT_STRING_EQUAL(m->transport, "tcp");
    CU_ASSERT_EQUAL(m->time, 5);
    CU_ASSERT_EQUAL(m->reverse, 0);
    CU_ASSERT_EQUAL(m->parallel, 1);
    CU_ASSERT_EQUAL(m->bitrate, 0);
    CU_ASSERT_EQUAL(m->port, 5201);
    CU_ASSERT_EQUAL(m->n_args, 0);
    CU_ASSERT_EQUAL(m->params, 0);
    CU_ASSERT_EQUAL_FATAL(m->n_transports, 1);
    CU_ASSERT_STRING_EQUAL(m->transports[0], "tcp");
    CU_ASSERT_EQUAL(m->max_time, 60);
    CU_ASSERT_EQUAL(m->max_parallel, 8);
    CU_ASSERT_EQUAL(m->max_bitrate, 0);
    exp_config_free(c);
}

static const char full_file[] =
    "# the fleet's probes\n"
    "; another comment\n"
    "\n"
    "[exporter]\n"
    "max_concurrent = 2\n"
    "queue_timeout = 1500ms\n"
    "min_interval = 2m\n"
    "probe_grace = 20s\n"
    "allow = 10.0.0.0/8\n"
    "allow = *.Lab.Example.net.\n"
    "\n"
    "  [ module  tcp_5s ]  \n"
    "transport = tcp\n"
    "time = 5s\n"
    "params = time, reverse,parallel , bitrate, transport, udp\n"
    "max_time = 10s\n"
    "max_parallel = 4\n"
    "max_bitrate = 1G\n"
    "transports = tcp, udp\n"
    "args = -C cubic -T 'two words' --extra-data \"say \\\"hi\\\"\"\n"
    "[module udp.rev]\n"
    "transport = udp\n"
    "reverse = yes\n"
    "parallel = 2\n"
    "bitrate = 10M\n"
    "port = 5300\n";

static void test_full_file(void)
{
    struct exp_config *c = load(full_file);
    if (!c)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->path, path);
    CU_ASSERT_EQUAL(c->max_concurrent, 2);
    CU_ASSERT_DOUBLE_EQUAL(c->queue_timeout, 1.5, 1e-9);
    CU_ASSERT_EQUAL(c->min_interval, 120);
    CU_ASSERT_EQUAL(c->probe_grace, 20);
    CU_ASSERT_EQUAL_FATAL(c->n_allow, 2);
    CU_ASSERT_EQUAL(c->allow[0].family, AF_INET);
    CU_ASSERT_EQUAL(c->allow[0].prefix, 8);
    CU_ASSERT_EQUAL(c->allow[1].family, 0);
    CU_ASSERT_STRING_EQUAL(c->allow[1].pattern, "*.lab.example.net");
    /* The file's two, then the built-in default it does not define. */
    CU_ASSERT_EQUAL_FATAL(c->n_modules, 3);
    CU_ASSERT_STRING_EQUAL(c->modules[2].name, "default");
    const struct exp_module *m = exp_config_module(c, "tcp_5s");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->time, 5);
    CU_ASSERT_EQUAL(m->max_time, 10);
    CU_ASSERT_EQUAL(m->max_parallel, 4);
    CU_ASSERT_EQUAL(m->max_bitrate, 1000000000u);
    CU_ASSERT_EQUAL(m->params, PP_TIME | PP_REVERSE | PP_PARALLEL | PP_BITRATE | PP_TRANSPORT | PP_UDP);
    CU_ASSERT_EQUAL_FATAL(m->n_transports, 2);
    CU_ASSERT_STRING_EQUAL(m->transports[1], "udp");
    CU_ASSERT_EQUAL_FATAL(m->n_args, 6);
    CU_ASSERT_STRING_EQUAL(m->args[0], "-C");
    CU_ASSERT_STRING_EQUAL(m->args[1], "cubic");
    CU_ASSERT_STRING_EQUAL(m->args[3], "two words");
    CU_ASSERT_STRING_EQUAL(m->args[5], "say \"hi\"");
    m = exp_config_module(c, "udp.rev");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_STRING_EQUAL(m->transport, "udp");
    CU_ASSERT_EQUAL(m->reverse, 1);
    CU_ASSERT_EQUAL(m->parallel, 2);
    CU_ASSERT_EQUAL(m->bitrate, 10000000u);
    CU_ASSERT_EQUAL(m->port, 5300);
    CU_ASSERT_EQUAL(m->params, 0);
    CU_ASSERT_EQUAL_FATAL(m->n_transports, 1);
    CU_ASSERT_STRING_EQUAL(m->transports[0], "udp");
    exp_config_free(c);

    /* A file's own default replaces the built-in one; an empty file is
     * the built-in one alone. */
    c = load("[module default]\ntime = 3s\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->n_modules, 1);
    CU_ASSERT_EQUAL(exp_config_module(c, "default")->time, 3);
    exp_config_free(c);
    c = load("");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->n_modules, 1);
    exp_config_free(c);
    /* A module's options that weir takes with each of its transports. */
    c = load("[module tls]\ntransport = tls\nargs = --tls-insecure -N\n[module rcv]\nreverse = yes\n"
             "args = --rcv-timeout 5000\n");
    if (!c)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_PTR_NOT_NULL(c);
    exp_config_free(c);
}

static void test_file_errors(void)
{
    const char *m = "[module m]\n";
    char text[512];
    /* The file's structure. */
    fails_at("[exporter]\nmax_concurrent = 2\nfoo = 1\n", 3, "unknown key 'foo' in [exporter]");
    fails_at("[module m]\ntime = 5s\nmax_concurency = 2\n", 3, "unknown key 'max_concurency' in a [module]");
    fails_at("\n[modules m]\n", 2, "unknown section [modules m]");
    fails_at("[module]\n", 1, "unknown section [module]");
    fails_at("[module a/b]\n", 1, "module name 'a/b'");
    fails_at("# first\ntime = 5s\n", 2, "'time' outside a section");
    fails_at("[module m]\ntime 5s\n", 2, "expected KEY = VALUE");
    fails_at("[module m\n", 1, "'[' without ']'");
    fails_at("[module m]\n[module n]\n[module m]\n", 3, "module m defined twice");
    fails_at("[module m]\ntime = 5s\ntime = 6s\n", 3, "time given twice in this section (first at line 2)");
    fails_at("[exporter]\n[module m]\n[exporter]\n", 3, "a second [exporter] section (the first is at line 1)");
    fails_at("[module m]\ntime =\n", 2, "time has no value");
    fails_at("[module m]\nargs = \"\n", 2, "unterminated double quote");
    /* The exporter's values. */
    fails_at("[exporter]\nmax_concurrent = 0\n", 2, "max_concurrent: 0 is out of range (1 to 256)");
    fails_at("[exporter]\nqueue_timeout = 30\n", 2, "queue_timeout: '30' is not a duration");
    fails_at("[exporter]\nqueue_timeout = 11m\n", 2, "queue_timeout: 11m is out of range");
    fails_at("[exporter]\nmin_interval = -1s\n", 2, "min_interval: '-1s' is not a duration");
    fails_at("[exporter]\nprobe_grace = 1s\n", 2, "probe_grace: 1s is out of range (5 s to 600 s)");
    fails_at("[exporter]\nallow = 10.0.0.1/8\n", 2, "allow 10.0.0.1/8: bits set past the /8 prefix");
    fails_at("[exporter]\nallow = 10.0.0.0/33\n", 2, "prefix length '33' is not 0 to 32");
    fails_at("[exporter]\nallow = *\n", 2, "'*' alone would allow every name");
    fails_at("[exporter]\nallow = a.*.example.net\n", 2, "'*' stands only for the leftmost labels");
    fails_at("[exporter]\nallow = 10.0.300.1\n", 2, "numeric last label");
    /* A module's values. */
    snprintf(text, sizeof text, "%stime = 61s\n", m);
    fails_at(text, 2, "time: 61s is out of range (1 s to 60 s)");
    snprintf(text, sizeof text, "%stime = 2500ms\n", m);
    fails_at(text, 2, "time: 2500ms is not whole seconds");
    snprintf(text, sizeof text, "%stime = 1e1s\n", m);
    fails_at(text, 2, "time: '1e1s' is not a duration");
    snprintf(text, sizeof text, "%sreverse = maybe\n", m);
    fails_at(text, 2, "reverse: 'maybe' is not a boolean");
    snprintf(text, sizeof text, "%sparallel = 0\n", m);
    fails_at(text, 2, "parallel: 0 is out of range (1 to 128)");
    snprintf(text, sizeof text, "%smax_parallel = 129\n", m);
    fails_at(text, 2, "max_parallel: 129 is out of range (1 to 128)");
    snprintf(text, sizeof text, "%sbitrate = fast\n", m);
    fails_at(text, 2, "bitrate: 'fast' is not a rate");
    snprintf(text, sizeof text, "%sport = 65536\n", m);
    fails_at(text, 2, "port: 65536 is out of range (1 to 65535)");
    snprintf(text, sizeof text, "%stransport = ../evil\n", m);
    fails_at(text, 2, "transport: '../evil' is not a transport's name");
    snprintf(text, sizeof text, "%stransports = tcp, udp, tcp\n", m);
    fails_at(text, 2, "transports: 'tcp' listed twice");
    snprintf(text, sizeof text, "%stransports = tcp,,udp\n", m);
    fails_at(text, 2, "transports: empty item");
    snprintf(text, sizeof text, "%sparams = time, duration\n", m);
    fails_at(text, 2, "params: unknown parameter 'duration'");
    snprintf(text, sizeof text, "%sparams = time, time\n", m);
    fails_at(text, 2, "params: 'time' listed twice");
    /* Checks across a module's keys, at the line of the key concerned. */
    fails_at("[module m]\ntransports = tcp, tls\ntransport = udp\n", 3, "transport udp is not among transports");
    fails_at("[module m]\ntransports = udp\n", 2, "transport tcp is not among transports");
    fails_at("[module m]\nparams = udp\n", 2, "params: udp needs udp among transports");
    fails_at("[module m]\ntime = 10s\nmax_time = 5s\n", 2, "time 10 s is above max_time 5 s");
    fails_at("[module m]\nmax_time = 3s\n", 2, "time 5 s is above max_time 3 s");
    fails_at("[module m]\nparallel = 9\n", 2, "parallel 9 is above max_parallel 8");
    fails_at("[module m]\nmax_bitrate = 100M\nparallel = 2\nbitrate = 60M\n", 4,
             "bitrate 60000000 bit/s times 2 streams is above max_bitrate 100000000 bit/s");
    /* The end of the file ends the last module too. */
    fails_at("[module m]\nmax_time = 3s\n[module n]\n", 2, "time 5 s is above max_time 3 s");
    /* Options the probe sets itself, however written. */
    fails_at("[module m]\nargs = -N -R\n", 2, "args: '-R' is the probe's own option");
    fails_at("[module m]\nargs = -NR\n", 2, "args: '-R' is the probe's own option");
    fails_at("[module m]\nargs = --rev\n", 2, "args: '--rev' is the probe's own option");
    fails_at("[module m]\nargs = --time=3\n", 2, "args: '--time=3' is the probe's own option");
    fails_at("[module m]\nargs = -t 3\n", 2, "args: '-t' is the probe's own option");
    fails_at("[module m]\nargs = --exporter-config x\n", 2, "args: '--exporter-config' is the probe's own");
    fails_at("[module m]\nargs = -J\n", 2, "args: '-J' is the probe's own option: a probe answers OpenMetrics");
    fails_at("[module m]\nargs = --bandwidth 1M\n", 2, "args: '--bandwidth'");
    fails_at("[module m]\nargs = -O 2\n", 2, "args: '-O'");
    fails_at("[module m]\nargs = --dry-run\n", 2, "args: '--dry-run' is the probe's own option: a probe runs its test");
    fails_at("[module m]\nargs = -c 10.0.0.1\n", 2, "args: '-c'");
    fails_at("[module m]\nargs = --logfile /tmp/x\n", 2, "args: '--logfile'");
    /* ... and what weir's own parser refuses, with its words. */
    fails_at("[module m]\ntime = 5s\nargs = --no-such-option\n", 3,
             "weir refuses module m's options with transport tcp: unrecognized option '--no-such-option'");
    fails_at("[module m]\nargs = -M 99999\n", 2, "with transport tcp: ");
    fails_at("[module m]\nargs = stray\n", 2, "unexpected argument 'stray'");
    fails_at("[module m]\ntransports = tcp, tls\nargs = --tls-insecure\n", 3,
             "with transport tcp: unrecognized option '--tls-insecure'");
    fails_at("[module m]\n\ntransport = no_such_transport\n", 1, "with transport no_such_transport: ");
    /* A query may turn reverse: the options must suit both directions. */
    fails_at("[module m]\nreverse = yes\nparams = reverse\nargs = --rcv-timeout 5000\n", 4,
             "with transport tcp and reverse=0: client receive timeout is valid only in receiving mode");
}

static void test_file_io_errors(void)
{
    static const char nul[] = "[module m]\ntime = 5s\nargs = -N\0 -R\n";
    CU_ASSERT_PTR_NULL(load_bytes(nul, sizeof nul - 1));
    char want[sizeof path + 32];
    snprintf(want, sizeof want, "%s:3: a NUL byte in the line", path);
    CU_ASSERT_STRING_EQUAL(err, want);
    struct exp_config *c = exp_config_load("/nonexistent/weir-modules", NULL, 0, err, sizeof err);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_STRING_EQUAL(err, "/nonexistent/weir-modules: No such file or directory");
    /* A line too long to be meant. */
    char *text = malloc(5000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    strcpy(text, "[module m]\nargs = -T ");
    size_t n = strlen(text);
    memset(text + n, 'x', 4200);
    strcpy(text + n + 4200, "\n");
    fails_at(text, 2, "line longer than 4096 characters");
    free(text);
}

static void test_cli_allow(void)
{
    char *rules[] = { "192.0.2.0/24", "2001:db8::/32", "probe.example.net" };
    struct exp_config *c = exp_config_load(NULL, rules, 3, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->n_allow, 3);
    exp_config_free(c);
    char *bad[] = { "192.0.2.0/24", "192.0.2.1/24" };
    c = exp_config_load(NULL, bad, 2, err, sizeof err);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_STRING_EQUAL(err, "--exporter-allow 192.0.2.1/24: bits set past the /24 prefix "
                                "(the network's address has them all 0)");
}

/* An allow-list of the rules given. */
static struct exp_config *with_rules(char **rules, size_t n)
{
    struct exp_config *c = exp_config_load(NULL, rules, n, err, sizeof err);
    if (!c)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    return c;
}

static int allowed(const struct exp_config *c, const char *address)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1)
        v4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1)
        v6->sin6_family = AF_INET6;
    else
        CU_FAIL_FATAL("not an address");
    return exp_allow_addr(c, (struct sockaddr *)&ss);
}

static void test_allow_networks(void)
{
    char *rules[] = { "127.0.0.1", "10.16.0.0/12", "2001:db8:1::/48", "::1", "fd00::/127",
                      "::ffff:198.51.100.0/120" };
    struct exp_config *c = with_rules(rules, 6);
    CU_ASSERT_EQUAL(c->allow[0].prefix, 32);
    CU_ASSERT_EQUAL(c->allow[3].prefix, 128);
    /* The mapped network is kept as the IPv4 one. */
    CU_ASSERT_EQUAL(c->allow[5].family, AF_INET);
    CU_ASSERT_EQUAL(c->allow[5].prefix, 24);
    CU_ASSERT_TRUE(allowed(c, "127.0.0.1"));
    CU_ASSERT_FALSE(allowed(c, "127.0.0.2"));
    CU_ASSERT_TRUE(allowed(c, "10.16.0.1"));
    CU_ASSERT_TRUE(allowed(c, "10.31.255.255"));
    CU_ASSERT_FALSE(allowed(c, "10.32.0.0"));
    CU_ASSERT_FALSE(allowed(c, "10.15.255.255"));
    CU_ASSERT_TRUE(allowed(c, "2001:db8:1:ffff::9"));
    CU_ASSERT_FALSE(allowed(c, "2001:db8:2::1"));
    CU_ASSERT_TRUE(allowed(c, "::1"));
    CU_ASSERT_FALSE(allowed(c, "::2"));
    CU_ASSERT_TRUE(allowed(c, "fd00::1"));
    CU_ASSERT_FALSE(allowed(c, "fd00::2"));
    CU_ASSERT_TRUE(allowed(c, "198.51.100.7"));
    /* IPv4-mapped IPv6 addresses are IPv4 destinations. */
    CU_ASSERT_TRUE(allowed(c, "::ffff:127.0.0.1"));
    CU_ASSERT_TRUE(allowed(c, "::ffff:10.20.0.1"));
    CU_ASSERT_FALSE(allowed(c, "::ffff:10.32.0.1"));
    CU_ASSERT_TRUE(allowed(c, "::ffff:198.51.100.200"));
    /* Networks are not names. */
    CU_ASSERT_FALSE(exp_allow_name(c, "127.0.0.1"));
    exp_config_free(c);

    /* Every IPv6 address is not every IPv4 one, mapped or not. */
    char *v6_only[] = { "::/0" };
    c = with_rules(v6_only, 1);
    CU_ASSERT_TRUE(allowed(c, "2001:db8::1"));
    CU_ASSERT_FALSE(allowed(c, "::ffff:192.0.2.1"));
    CU_ASSERT_FALSE(allowed(c, "192.0.2.1"));
    exp_config_free(c);
    char *v4_all[] = { "0.0.0.0/0" };
    c = with_rules(v4_all, 1);
    CU_ASSERT_TRUE(allowed(c, "192.0.2.1"));
    CU_ASSERT_TRUE(allowed(c, "::ffff:192.0.2.1"));
    CU_ASSERT_FALSE(allowed(c, "2001:db8::1"));
    exp_config_free(c);

    /* No rules: nothing is allowed. */
    c = with_rules(NULL, 0);
    CU_ASSERT_FALSE(allowed(c, "127.0.0.1"));
    CU_ASSERT_FALSE(allowed(c, "::1"));
    CU_ASSERT_FALSE(exp_allow_name(c, "localhost"));
    exp_config_free(c);
}

static void test_allow_patterns(void)
{
    char *rules[] = { "*.lab.example.net", "DB1.Example.Org", "10.0.0.0/8" };
    struct exp_config *c = with_rules(rules, 3);
    CU_ASSERT_TRUE(exp_allow_name(c, "a.lab.example.net"));
    CU_ASSERT_TRUE(exp_allow_name(c, "a.b.lab.example.net"));
    CU_ASSERT_TRUE(exp_allow_name(c, "A.LAB.example.NET."));
    CU_ASSERT_FALSE(exp_allow_name(c, "lab.example.net"));
    CU_ASSERT_FALSE(exp_allow_name(c, "xlab.example.net"));
    CU_ASSERT_FALSE(exp_allow_name(c, "a.lab.example.net.evil.com"));
    CU_ASSERT_TRUE(exp_allow_name(c, "db1.example.org"));
    CU_ASSERT_TRUE(exp_allow_name(c, "db1.example.org."));
    CU_ASSERT_FALSE(exp_allow_name(c, "x.db1.example.org"));
    CU_ASSERT_FALSE(exp_allow_name(c, "db1.example.org.uk"));
    /* Addresses are matched by networks only. */
    CU_ASSERT_FALSE(exp_allow_name(c, "10.0.0.1"));
    CU_ASSERT_FALSE(exp_allow_name(c, ""));
    exp_config_free(c);

    struct allow_rule r;
    char why[256];
    CU_ASSERT_EQUAL(allow_rule_parse("foo/8", &r, why, sizeof why), -1);
    CU_ASSERT_EQUAL(allow_rule_parse("-bad.example.net", &r, why, sizeof why), -1);
    CU_ASSERT_EQUAL(allow_rule_parse("", &r, why, sizeof why), -1);
    CU_ASSERT_EQUAL(allow_rule_parse("::1/129", &r, why, sizeof why), -1);
    CU_ASSERT_EQUAL(allow_rule_parse("10.0.0.0/", &r, why, sizeof why), -1);
    CU_ASSERT_EQUAL(allow_rule_parse("10.0.0.0/08x", &r, why, sizeof why), -1);
    CU_ASSERT_EQUAL(allow_rule_parse("10.0.0.0/8", &r, why, sizeof why), 0);
    allow_rule_clear(&r);
}

/* Parses a query given as "k=v&k=v" (no decoding) against c. */
static int query(const struct exp_config *c, const char *q, struct probe_spec *out)
{
    char buf[1024];
    const char *keys[16], *values[16];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", q);
    for (char *save = NULL, *kv = strtok_r(buf, "&", &save); kv && n < 16; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        keys[n] = kv;
        values[n] = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        n++;
    }
    err[0] = '\0';
    return probe_request_parse(c, keys, values, n, out, err, sizeof err);
}

static const char query_file[] =
    "[module open]\n"
    "params = transport, time, reverse, parallel, bitrate, udp\n"
    "transports = tcp, udp\n"
    "max_time = 10s\n"
    "max_parallel = 4\n"
    "max_bitrate = 1G\n"
    "args = -N\n"
    "[module udp_fixed]\n"
    "transport = udp\n"
    "bitrate = 5M\n"
    "port = 6000\n";

static void refused_400(const struct exp_config *c, const char *q, const char *reason)
{
    struct probe_spec p;
    int rc = query(c, q, &p);
    CU_ASSERT_EQUAL(rc, 400);
    if (rc != 400 || !strstr(err, reason))
        fprintf(stderr, "\n  %s: wanted 400 ...%s, got %d %s\n", q, reason, rc, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, reason));
}

static void test_query(void)
{
    struct exp_config *c = load(query_file);
    if (!c)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct probe_spec p;

    CU_ASSERT_EQUAL(query(c, "target=example.net", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.module->name, "default");
    CU_ASSERT_STRING_EQUAL(p.host, "example.net");
    CU_ASSERT_EQUAL(p.port, 5201);
    CU_ASSERT_STRING_EQUAL(p.transport, "tcp");
    CU_ASSERT_EQUAL(p.time, 5);
    CU_ASSERT_EQUAL(p.reverse, 0);
    CU_ASSERT_EQUAL(p.parallel, 1);
    CU_ASSERT_EQUAL(p.bitrate, 0);
    CU_ASSERT_EQUAL(p.clamped, 0);

    /* Target forms. */
    CU_ASSERT_EQUAL(query(c, "module=udp_fixed&target=192.0.2.1", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.host, "192.0.2.1");
    CU_ASSERT_EQUAL(p.port, 6000);
    CU_ASSERT_STRING_EQUAL(p.transport, "udp");
    CU_ASSERT_EQUAL(p.bitrate, 5000000u);
    CU_ASSERT_EQUAL(query(c, "target=host-1.example.net:5999", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.host, "host-1.example.net");
    CU_ASSERT_EQUAL(p.port, 5999);
    CU_ASSERT_EQUAL(query(c, "target=[2001:db8::1]:65535", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.host, "2001:db8::1");
    CU_ASSERT_EQUAL(p.port, 65535);
    CU_ASSERT_EQUAL(query(c, "target=[::1]", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.host, "::1");
    CU_ASSERT_EQUAL(p.port, 5201);
    CU_ASSERT_EQUAL(query(c, "target=2001:db8::5", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.host, "2001:db8::5");
    CU_ASSERT_EQUAL(p.port, 5201);
    CU_ASSERT_EQUAL(query(c, "target=localhost.", &p), 0);

    /* Malformed requests. */
    refused_400(c, "", "missing parameter 'target'");
    refused_400(c, "module=open", "missing parameter 'target'");
    refused_400(c, "=x&target=a", "empty parameter name");
    refused_400(c, "target=a&color=red", "unknown parameter 'color'");
    refused_400(c, "target=a&target=b", "parameter 'target' given twice");
    refused_400(c, "target=a&module=nope", "unknown module 'nope'");
    refused_400(c, "target=", "target '': no host");
    refused_400(c, "target=a:0", "port 0 is out of range (1 to 65535)");
    refused_400(c, "target=a:65536", "port 65536 is out of range");
    refused_400(c, "target=a:", "port '' is not a whole number");
    refused_400(c, "target=a:-1", "port '-1' is not a whole number");
    refused_400(c, "target=a:80x", "port '80x' is not a whole number");
    refused_400(c, "target=[::1", "'[' without ']'");
    refused_400(c, "target=[::1]80", "only ':PORT' may follow ']'");
    refused_400(c, "target=[192.0.2.1]:80", "brackets hold an IPv6 address");
    refused_400(c, "target=bad_name", "character '_' in host name");
    refused_400(c, "target=-a.example.net", "beginning or ending with '-'");
    refused_400(c, "target=a..b", "empty label");
    refused_400(c, "target=10.0.0.300", "numeric last label");
    refused_400(c, "target=fe80::1%25eth0", "in host name");
    /* RFC 1123's lengths: 63 per label, 253 in all. */
    char q[400] = "target=";
    memset(q + 7, 'a', 63);
    strcpy(q + 70, ".net");
    CU_ASSERT_EQUAL(query(c, q, &p), 0);
    memset(q + 7, 'a', 64);
    strcpy(q + 71, ".net");
    refused_400(c, q, "label longer than 63 characters");
    for (int i = 0; i < 4; i++) {
        memset(q + 7 + 64 * i, 'a', 63);
        q[7 + 64 * i + 63] = '.';
    }
    strcpy(q + 7 + 64 * 3 + 60, "net");     /* 4 x 64 - 4 + 3 = 255 */
    refused_400(c, q, "host name longer than 253 characters");
    exp_config_free(c);
}

static void test_query_limits(void)
{
    struct exp_config *c = load(query_file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct probe_spec p;

    /* The default module takes no test parameters, whatever their value. */
    refused_400(c, "target=a&time=5", "parameter 'time' is not allowed by module default");
    refused_400(c, "target=a&udp=0", "parameter 'udp' is not allowed by module default");
    refused_400(c, "module=udp_fixed&target=a&bitrate=1M", "parameter 'bitrate' is not allowed by module udp_fixed");

    /* Within the limits: as asked. */
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&time=2.5&reverse=1&parallel=3&bitrate=100M&transport=udp", &p), 0);
    CU_ASSERT_EQUAL(p.time, 3);     /* whole seconds, rounded up */
    CU_ASSERT_EQUAL(p.reverse, 1);
    CU_ASSERT_EQUAL(p.parallel, 3);
    CU_ASSERT_EQUAL(p.bitrate, 100000000u);
    CU_ASSERT_STRING_EQUAL(p.transport, "udp");
    CU_ASSERT_PTR_EQUAL(p.transport, p.module->transports[1]);
    CU_ASSERT_EQUAL(p.clamped, 0);
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&udp=1", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.transport, "udp");
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&udp=0&reverse=0", &p), 0);
    CU_ASSERT_STRING_EQUAL(p.transport, "tcp");
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&udp=1&transport=udp", &p), 0);

    /* Beyond them: cut, and said so. Without a bitrate the probe sends at
     * the module's cap on its total, split over its streams. */
    CU_ASSERT_EQUAL(query(c, "module=open&target=a", &p), 0);
    CU_ASSERT_EQUAL(p.bitrate, 1000000000u);
    CU_ASSERT_EQUAL(p.clamped, 0);
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&time=11&parallel=100", &p), 0);
    CU_ASSERT_EQUAL(p.time, 10);
    CU_ASSERT_EQUAL(p.parallel, 4);
    CU_ASSERT_EQUAL(p.bitrate, 250000000u);
    CU_ASSERT_EQUAL(p.clamped, PP_TIME | PP_PARALLEL);
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&time=9.5&bitrate=2G", &p), 0);
    CU_ASSERT_EQUAL(p.time, 10);
    CU_ASSERT_EQUAL(p.bitrate, 1000000000u);
    CU_ASSERT_EQUAL(p.clamped, PP_BITRATE);
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&bitrate=0&parallel=2", &p), 0);
    CU_ASSERT_EQUAL(p.bitrate, 500000000u);    /* 0 is "unlimited": not past the cap */
    CU_ASSERT_EQUAL(p.clamped, PP_BITRATE);
    CU_ASSERT_EQUAL(query(c, "module=open&target=a&bitrate=300M&parallel=4", &p), 0);
    CU_ASSERT_EQUAL(p.bitrate, 250000000u);
    CU_ASSERT_EQUAL(p.clamped, PP_BITRATE);

    /* Malformed, negative or absurd values are refused, not cut. */
    refused_400(c, "module=open&target=a&time=0", "time='0': seconds above 0");
    refused_400(c, "module=open&target=a&time=-1", "time='-1'");
    refused_400(c, "module=open&target=a&time=1e3", "time='1e3'");
    refused_400(c, "module=open&target=a&time=86401", "at most 86400");
    refused_400(c, "module=open&target=a&time=", "time=''");
    refused_400(c, "module=open&target=a&time=nan", "time='nan'");
    refused_400(c, "module=open&target=a&parallel=0", "parallel: 0 is out of range (1 to 4096)");
    refused_400(c, "module=open&target=a&parallel=4097", "parallel: 4097 is out of range");
    refused_400(c, "module=open&target=a&parallel=99999999999999999999", "out of range");
    refused_400(c, "module=open&target=a&parallel=+2", "parallel: '+2' is not a whole number");
    refused_400(c, "module=open&target=a&parallel=2.0", "parallel: '2.0' is not a whole number");
    refused_400(c, "module=open&target=a&bitrate=-1M", "bitrate: '-1M' is not a rate");
    refused_400(c, "module=open&target=a&bitrate=1X", "bitrate: '1X' is not a rate");
    refused_400(c, "module=open&target=a&bitrate=99999999999T", "bitrate: '99999999999T' is not a rate");
    refused_400(c, "module=open&target=a&reverse=yes", "reverse='yes': 0 or 1");
    refused_400(c, "module=open&target=a&reverse=", "reverse='': 0 or 1");
    refused_400(c, "module=open&target=a&udp=2", "udp='2': 0 or 1");
    refused_400(c, "module=open&target=a&transport=tls", "transport 'tls' is not one of module open's transports");
    refused_400(c, "module=open&target=a&transport=tcp&udp=1", "transport=tcp and udp=1 disagree");
    exp_config_free(c);
}

static int argv_is(char **argv, const char *const *want)
{
    size_t i = 0;
    for (; argv[i] && want[i]; i++)
        if (strcmp(argv[i], want[i]) != 0)
            break;
    int same = !argv[i] && !want[i];
    if (!same) {
        fprintf(stderr, "\n  argv:");
        for (size_t k = 0; argv[k]; k++)
            fprintf(stderr, " %s", argv[k]);
        fprintf(stderr, "\n");
    }
    return same;
}

static void test_argv(void)
{
    struct exp_config *c = load(query_file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct probe_spec p;
    CU_ASSERT_EQUAL_FATAL(query(c, "target=example.net", &p), 0);
    char **argv = probe_spec_argv(&p, "/usr/bin/weir", "192.0.2.7");
    CU_ASSERT_PTR_NOT_NULL_FATAL(argv);
    static const char *const plain[] = { "/usr/bin/weir", "-c", "192.0.2.7", "-p", "5201", "--transport",
                                         "tcp", "-t", "5", "--reporter", "openmetrics",
                                         "--connect-timeout", "3000", NULL };
    CU_ASSERT_TRUE(argv_is(argv, plain));
    probe_argv_free(argv);

    CU_ASSERT_EQUAL_FATAL(query(c, "module=open&target=[2001:db8::1]:7000&reverse=1&parallel=2&udp=1&time=3", &p), 0);
    argv = probe_spec_argv(&p, "weir", "2001:db8::1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(argv);
    static const char *const full[] = { "weir", "-c", "2001:db8::1", "-p", "7000", "--transport", "udp",
                                        "-t", "3", "-R", "-P", "2", "-b", "500000000", "-N",
                                        "--reporter", "openmetrics", "--connect-timeout", "3000", NULL };
    CU_ASSERT_TRUE(argv_is(argv, full));
    probe_argv_free(argv);

    /* The exporter's --plugin-dir goes to its probes. */
    loader_set_plugin_dir("/opt/weir/plugins");
    CU_ASSERT_EQUAL_FATAL(query(c, "module=udp_fixed&target=a", &p), 0);
    argv = probe_spec_argv(&p, "weir", "192.0.2.8");
    loader_set_plugin_dir(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(argv);
    static const char *const dir[] = { "weir", "-c", "192.0.2.8", "-p", "6000", "--transport", "udp",
                                       "-t", "5", "-b", "5000000", "--reporter", "openmetrics",
                                       "--connect-timeout", "3000", "--plugin-dir", "/opt/weir/plugins",
                                       NULL };
    CU_ASSERT_TRUE(argv_is(argv, dir));
    probe_argv_free(argv);
    exp_config_free(c);
}

/* latency: the module's key, the query's parameter, the probe's --latency,
 * and what weir refuses with it: in the module itself at its line, in a
 * mix only a query can ask for with 400. The reasons are weir's own. */
static void test_latency(void)
{
    fails_at("[module m]\nlatency = maybe\n", 2, "latency: 'maybe' is not a boolean");
    fails_at("[module m]\nargs = --latency\n", 2,
             "args: '--latency' is the probe's own option: the module's latency and the query set it");
    fails_at("[module m]\nargs = --laten\n", 2, "args: '--laten' is the probe's own option");
    /* The module's own probe. */
    fails_at("[module m]\nreverse = yes\nlatency = yes\n", 3,
             "weir refuses module m's options with transport tcp: --latency cannot be used with -R");
    fails_at("[module m]\nlatency = yes\nmax_bitrate = 100M\n", 2,
             "weir refuses module m's options with transport tcp: --latency cannot be used with -b");
    fails_at("[module m]\nlatency = yes\nargs = -Z\n", 2, "--latency cannot be used with -Z");
    fails_at("[module m]\nlatency = yes\nargs = --no-such-option\n", 3, "unrecognized option '--no-such-option'");
    fails_at("[module m]\nargs = --latency-rate 10\n", 2,
             "with transport tcp: --latency-reply-size, --latency-rate");
    /* ... and a probe one query parameter away from it. */
    fails_at("[module m]\nreverse = yes\nparams = latency\n", 3,
             "with transport tcp and latency=1: --latency cannot be used with -R");
    fails_at("[module m]\nlatency = yes\nparams = reverse\n", 2,
             "with transport tcp and reverse=1: --latency cannot be used with -R");
    fails_at("[module m]\nlatency = yes\nparams = bitrate\n", 2,
             "with transport tcp and a bitrate: --latency cannot be used with -b");
    fails_at("[module m]\nparams = latency\nargs = --latency-synced-clocks\n", 3,
             "with transport tcp: --latency-reply-size");
    fails_at("[module m]\nlatency = yes\nparams = latency\nargs = --latency-rate 10\n", 4,
             "with transport tcp and latency=0: --latency-reply-size");

    struct exp_config *c = load("[module lat]\n"
                                "latency = yes\n"
                                "transports = tcp, udp\n"
                                "params = transport, parallel\n"
                                "args = --latency-rate 100 --latency-reply-size 64\n"
                                "[module either]\n"
                                "params = transport, reverse, latency, bitrate\n"
                                "transports = tcp, udp\n");
    if (!c)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const struct exp_module *lat = exp_config_module(c, "lat"), *either = exp_config_module(c, "either");
    CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
    CU_ASSERT_PTR_NOT_NULL_FATAL(either);
    CU_ASSERT_EQUAL(lat->latency, 1);
    CU_ASSERT_EQUAL(lat->n_refused_mixes, 0);
    CU_ASSERT_EQUAL(either->latency, 0);
    /* latency with reverse, with a bitrate, with both; over each transport. */
    CU_ASSERT_EQUAL(either->n_refused_mixes, 6);
    CU_ASSERT_EQUAL(exp_config_module(c, "default")->latency, 0);

    struct probe_spec p;
    CU_ASSERT_EQUAL(query(c, "module=lat&target=a", &p), 0);
    CU_ASSERT_EQUAL(p.latency, 1);
    char **argv = probe_spec_argv(&p, "weir", "192.0.2.7");
    CU_ASSERT_PTR_NOT_NULL_FATAL(argv);
    static const char *const lat_argv[] = { "weir", "-c", "192.0.2.7", "-p", "5201", "--transport", "tcp",
                                            "-t", "5", "--latency", "--latency-rate", "100",
                                            "--latency-reply-size", "64", "--reporter", "openmetrics",
                                            "--connect-timeout", "3000", NULL };
    CU_ASSERT_TRUE(argv_is(argv, lat_argv));
    probe_argv_free(argv);
    CU_ASSERT_EQUAL(query(c, "module=lat&target=a&transport=udp&parallel=2", &p), 0);
    CU_ASSERT_EQUAL(p.latency, 1);
    CU_ASSERT_EQUAL(p.parallel, 2);
    refused_400(c, "module=lat&target=a&latency=1", "parameter 'latency' is not allowed by module lat");
    refused_400(c, "module=either&target=a&latency=yes", "latency='yes': 0 or 1");
    refused_400(c, "target=a&latency=1", "parameter 'latency' is not allowed by module default");

    /* A query turns latency on, or reverse, or a bitrate; not two of them. */
    CU_ASSERT_EQUAL(query(c, "module=either&target=a", &p), 0);
    CU_ASSERT_EQUAL(p.latency, 0);
    CU_ASSERT_EQUAL(query(c, "module=either&target=a&latency=1&reverse=0&bitrate=0", &p), 0);
    CU_ASSERT_EQUAL(p.latency, 1);
    argv = probe_spec_argv(&p, "weir", "192.0.2.7");
    CU_ASSERT_PTR_NOT_NULL_FATAL(argv);
    static const char *const either_argv[] = { "weir", "-c", "192.0.2.7", "-p", "5201", "--transport",
                                               "tcp", "-t", "5", "--latency", "--reporter",
                                               "openmetrics", "--connect-timeout", "3000", NULL };
    CU_ASSERT_TRUE(argv_is(argv, either_argv));
    probe_argv_free(argv);
    CU_ASSERT_EQUAL(query(c, "module=either&target=a&latency=0&reverse=1&bitrate=10M", &p), 0);
    CU_ASSERT_EQUAL(p.reverse, 1);
    refused_400(c, "module=either&target=a&latency=1&reverse=1",
                "weir refuses reverse=1 with latency=1 (module either, transport tcp): --latency cannot "
                "be used with -R");
    refused_400(c, "module=either&target=a&bitrate=10M&latency=1&transport=udp",
                "weir refuses bitrate=10M with latency=1 (module either, transport udp): --latency "
                "cannot be used with -b");
    exp_config_free(c);
}

static void test_values(void)
{
    double d;
    int i, b;
    uint64_t u;
    char why[256];
    CU_ASSERT_EQUAL(value_duration("500ms", &d, why, sizeof why), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 0.5, 1e-12);
    CU_ASSERT_EQUAL(value_duration("2m", &d, why, sizeof why), 0);
    CU_ASSERT_EQUAL(d, 120);
    CU_ASSERT_EQUAL(value_duration("1.25s", &d, why, sizeof why), 0);
    CU_ASSERT_EQUAL(d, 1.25);
    CU_ASSERT_EQUAL(value_duration("5", &d, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_duration(" 5s", &d, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_duration("5 s", &d, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_duration("5h", &d, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_duration(".5s", &d, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_duration("5.s", &d, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_int("007", 0, 10, &i, why, sizeof why), 0);
    CU_ASSERT_EQUAL(i, 7);
    CU_ASSERT_EQUAL(value_int("11", 0, 10, &i, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_int("", 0, 10, &i, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_int("0x5", 0, 10, &i, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_bool("YES", &b, why, sizeof why), 0);
    CU_ASSERT_EQUAL(b, 1);
    CU_ASSERT_EQUAL(value_bool("off", &b, why, sizeof why), 0);
    CU_ASSERT_EQUAL(b, 0);
    CU_ASSERT_EQUAL(value_bool("2", &b, why, sizeof why), -1);
    CU_ASSERT_EQUAL(value_rate("2.5G", &u, why, sizeof why), 0);
    CU_ASSERT_EQUAL(u, 2500000000u);
    CU_ASSERT_EQUAL(value_rate("100k", &u, why, sizeof why), 0);
    CU_ASSERT_EQUAL(u, 100000u);
    CU_ASSERT_EQUAL(value_rate("+1M", &u, why, sizeof why), -1);
}

static void test_split(void)
{
    char **w;
    size_t n;
    char why[256];
    CU_ASSERT_EQUAL_FATAL(modargs_split("  -C  cubic\t-T 'it''s' a\\ b \"x\\\"y\" '' ", &w, &n, why, sizeof why), 0);
    CU_ASSERT_EQUAL_FATAL(n, 7);
    CU_ASSERT_STRING_EQUAL(w[0], "-C");
    CU_ASSERT_STRING_EQUAL(w[1], "cubic");
    CU_ASSERT_STRING_EQUAL(w[2], "-T");
    CU_ASSERT_STRING_EQUAL(w[3], "its");
    CU_ASSERT_STRING_EQUAL(w[4], "a b");
    CU_ASSERT_STRING_EQUAL(w[5], "x\"y");
    CU_ASSERT_STRING_EQUAL(w[6], "");
    modargs_free(w, n);
    CU_ASSERT_EQUAL(modargs_split("a 'b", &w, &n, why, sizeof why), -1);
    CU_ASSERT_STRING_EQUAL(why, "unterminated single quote");
    CU_ASSERT_PTR_NULL(w);
    CU_ASSERT_EQUAL(modargs_split("a\\", &w, &n, why, sizeof why), -1);
    CU_ASSERT_EQUAL(modargs_split("", &w, &n, why, sizeof why), 0);
    CU_ASSERT_EQUAL(n, 0);
    modargs_free(w, n);

    /* A value taken by the option before it is not an option. */
    char *ok[] = { "-T", "-R", "--title", "-t", "--extra-data=-R", "-Cx", "-R" };
    CU_ASSERT_EQUAL(modargs_refused(ok, 5, why, sizeof why), 0);
    CU_ASSERT_EQUAL(modargs_refused(ok + 5, 2, why, sizeof why), -1);
    /* Each option the probe sets, or that would change what a probe is. */
    char *probes_own[] = { "-c", "-s", "-p", "-u", "-t", "-n", "-k", "-O", "-R", "-P", "-b", "-J", "-D",
                           "-I", "-h", "-v", "--client", "--server", "--loopback", "--port",
                           "--transport", "--udp", "--time", "--bytes", "--blockcount", "--omit",
                           "--reverse", "--parallel", "--bitrate", "--bandwidth", "--json",
                           "--json-stream", "--json-stream-full-output", "--reporter", "--logfile",
                           "--daemon", "--pidfile", "--connect-timeout", "--help", "--version",
                           "--list-plugins", "--exporter", "--exporter-allow=10.0.0.0/8", "--exp" };
    for (size_t i = 0; i < sizeof probes_own / sizeof probes_own[0]; i++) {
        int rc = modargs_refused(&probes_own[i], 1, why, sizeof why);
        if (rc != -1)
            fprintf(stderr, "\n  %s was not refused\n", probes_own[i]);
        CU_ASSERT_EQUAL(rc, -1);
    }
    /* Options a module may give, and those that merely begin alike. */
    char *fine[] = { "-N", "-C", "cubic", "--bidir", "--timestamps", "--udp-counters-64bit",
                     "--server-bitrate-limit", "1M", "--tls-insecure", "--plugin-dir", "/x", "-Z" };
    CU_ASSERT_EQUAL(modargs_refused(fine, sizeof fine / sizeof fine[0], why, sizeof why), 0);
    char *after_dashes[] = { "--", "-R" };
    CU_ASSERT_EQUAL(modargs_refused(after_dashes, 2, why, sizeof why), 0);
}

int main(void)
{
    const char *weir = getenv("WEIR");
    if (!weir || !*weir) {
        fprintf(stderr, "WEIR is not set: the weir whose option parser checks modules' args\n");
        return 1;
    }
    modargs_set_program(weir);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("exporter configuration", NULL, NULL);
    CU_add_test(s, "built-in defaults", test_defaults);
    CU_add_test(s, "a whole modules file", test_full_file);
    CU_add_test(s, "modules file errors at their lines", test_file_errors);
    CU_add_test(s, "unreadable and oversized files", test_file_io_errors);
    CU_add_test(s, "--exporter-allow rules", test_cli_allow);
    CU_add_test(s, "allow-list networks", test_allow_networks);
    CU_add_test(s, "allow-list host patterns", test_allow_patterns);
    CU_add_test(s, "query strings", test_query);
    CU_add_test(s, "query values against a module's limits", test_query_limits);
    CU_add_test(s, "the probe's command line", test_argv);
    CU_add_test(s, "latency: the module's, the query's, weir's refusals", test_latency);
    CU_add_test(s, "values of the file", test_values);
    CU_add_test(s, "args split and refused", test_split);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
