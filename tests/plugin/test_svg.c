/* The svg reporter loaded from its built .so and fed synthetic snapshots
 * through the mock host. The documents it writes are taken apart by their
 * class attributes: the unit and tick labels each data range must get
 * (1/2/5 steps), the escaping of the user's and the peer's text, the series
 * and legend rows per stream and direction, the -O shading, the comparison
 * chart, and the file written whole (or a clear error at open). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reporter_fixture.h"
#include "run_suites.h"

static const struct weir_plugin *svg_plugin;

static int suite_init(void)
{
    svg_plugin = mock_host_load_built("svg", "svg");
    return svg_plugin != NULL ? 0 : -1;
}

/* ---- driving the reporter ---- */

static int run_open(struct reporter_run *r, const char *arg, const char *title, int comparison)
{
    struct weir_report_format f = {
        .struct_size = sizeof f, .unit = 'a', .role = WEIR_ROLE_CLIENT,
        .title = title, .comparison = comparison,
    };
    return reporter_open(r, svg_plugin, &f, arg);
}

/* A test of n_streams streams (sockets 5, 6, ...); with bidir the odd ones
 * are received. */
static void start(struct reporter_run *r, const char *transport, const char *host, size_t n_streams,
                  int bidir, int omit)
{
    struct weir_report_stream st[64];
    for (size_t i = 0; i < n_streams; i++) {
        st[i] = (struct weir_report_stream){
            .id = (int)i + 1, .socket = 5 + (int)i, .sending = !bidir || i % 2 == 0,
            .local_host = "127.0.0.1", .local_port = 40000, .remote_host = host,
            .remote_port = 5201,
        };
    }
    struct weir_report_start s = {
        .struct_size = sizeof s, .role = WEIR_ROLE_CLIENT, .host = host, .port = 5201,
        .protocol = strcmp(transport, "udp") == 0 ? "UDP" : "TCP", .reliable = 1,
        .num_streams = (int)(bidir ? n_streams / 2 : n_streams), .blksize = 131072,
        .omit = omit, .duration = 3, .bidir = bidir, .interval = 1.0,
        .n_streams = n_streams, .streams = st, .transport = transport,
    };
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
}

/* One interval of `seconds` where every stream ran at bps and the sums are
 * their totals (per direction with bidir). */
static void interval(struct reporter_run *r, size_t n_streams, int bidir, double t0, double seconds,
                     double bps, int omitted)
{
    struct weir_report_sample st[64];
    size_t fwd = 0;
    for (size_t i = 0; i < n_streams; i++) {
        st[i] = (struct weir_report_sample){
            .socket = 5 + (int)i, .sender = !bidir || i % 2 == 0, .omitted = omitted,
            .start = t0, .end = t0 + seconds, .seconds = seconds,
            .bytes = (uint64_t)(bps * seconds / 8), .bits_per_second = bps,
        };
        fwd += st[i].sender;
    }
    struct weir_report_sample sum = st[0], rev = st[0];
    sum.bits_per_second = bps * (double)fwd;
    rev.bits_per_second = bps * (double)(n_streams - fwd);
    struct weir_report_interval iv = {
        .struct_size = sizeof iv, .n_streams = n_streams, .streams = st, .sum = sum,
        .bidir = bidir, .sum_bidir_reverse = rev,
    };
    CU_ASSERT_EQUAL(r->ops->interval(r->ctx, &iv), WEIR_OK);
}

static void end_test(struct reporter_run *r, double bps, double seconds)
{
    struct weir_report_sample snd = {
        .sender = 1, .end = seconds, .seconds = seconds,
        .bytes = (uint64_t)(bps * seconds / 8), .bits_per_second = bps,
    };
    struct weir_report_sample rcv = snd;
    rcv.sender = 0;
    struct weir_report_end_stream es = {
        .id = 1, .socket = 5, .sending = 1, .has_sender = 1, .has_receiver = 1,
        .sender = snd, .receiver = rcv,
    };
    struct weir_report_end e = {
        .struct_size = sizeof e, .n_streams = 1, .streams = &es, .has_peer = 1,
        .sum_sent = snd, .sum_received = rcv,
    };
    CU_ASSERT_EQUAL(r->ops->test_end(r->ctx, &e), WEIR_OK);
}

/* A whole single-stream test of n one-second intervals at bps. */
static void whole_test(struct reporter_run *r, const char *transport, int n, double bps)
{
    start(r, transport, "127.0.0.1", 1, 0, 0);
    for (int i = 0; i < n; i++)
        interval(r, 1, 0, i, 1.0, bps, 0);
    end_test(r, bps, n);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, NULL), WEIR_OK);
}

/* ---- taking the document apart ---- */

/* The texts of every <text> element with class CLS, joined by ",". */
static void texts_of(const char *doc, const char *cls, char *out, size_t len)
{
    char key[64];
    snprintf(key, sizeof key, "<text class=\"%s\"", cls);
    out[0] = '\0';
    size_t used = 0;
    for (const char *p = doc ? strstr(doc, key) : NULL; p != NULL; p = strstr(p + 1, key)) {
        const char *b = strchr(p, '>'), *e = b ? strstr(b, "</text>") : NULL;
        if (b == NULL || e == NULL)
            break;
        used += (size_t)snprintf(out + used, len - used, "%s%.*s", used ? "," : "",
                                 (int)(e - b - 1), b + 1);
        if (used >= len)
            break;
    }
}

/* Number of x,y pairs in the points of the first polyline with class CLS. */
/* The texts of class cls must be want (shown on a mismatch). */
static void expect_texts(const char *doc, const char *cls, const char *want)
{
    char got[1024];
    texts_of(doc, cls, got, sizeof got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  %s texts '%s', want '%s'\n", cls, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
}

static int points_of(const char *doc, const char *cls)
{
    char key[80];
    snprintf(key, sizeof key, "<polyline class=\"series %s\"", cls);
    const char *p = doc ? strstr(doc, key) : NULL;
    if (p == NULL)
        return -1;
    p = strstr(p, "points=\"");
    if (p == NULL)
        return -1;
    int n = 0;
    for (p += 8; *p != '"' && *p != '\0'; p++)
        n += *p == ',';
    return n;
}

/* The numbers of the points of the first polyline with class CLS (at
 * most max). */
static size_t coords_of(const char *doc, const char *cls, double *v, size_t max)
{
    char key[80];
    snprintf(key, sizeof key, "<polyline class=\"series %s\"", cls);
    const char *p = doc ? strstr(doc, key) : NULL;
    p = p ? strstr(p, "points=\"") : NULL;
    if (p == NULL)
        return 0;
    size_t n = 0;
    for (p += 8; *p != '"' && n < max;) {
        char *e;
        v[n++] = strtod(p, &e);
        if (e == p)
            break;
        p = e + (*e == ',' || *e == ' ');
    }
    return n;
}

/* The attribute NAME of the first element that contains MARK. */
static double attr_after(const char *doc, const char *mark, const char *name)
{
    const char *p = doc ? strstr(doc, mark) : NULL;
    char key[40];
    snprintf(key, sizeof key, " %s=\"", name);
    p = p ? strstr(p, key) : NULL;
    return p ? strtod(p + strlen(key), NULL) : -1;
}

/* ---- units and ticks ---- */

static void check_axis(double bps, const char *unit_label, const char *yticks)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    whole_test(&r, "tcp", 3, bps);
    expect_texts(r.sink.out, "ylabel", unit_label);
    expect_texts(r.sink.out, "ytick", yticks);
    reporter_close(&r);
}

static void test_units_and_ticks(void)
{
    check_axis(2.3e9, "Throughput (Gbits/s)", "0.0,0.5,1.0,1.5,2.0,2.5");
    check_axis(9.41e9, "Throughput (Gbits/s)", "0,2,4,6,8,10");
    check_axis(730e6, "Throughput (Mbits/s)", "0,200,400,600,800");
    check_axis(1.0e6, "Throughput (Mbits/s)", "0.0,0.2,0.4,0.6,0.8,1.0");
    check_axis(45e3, "Throughput (Kbits/s)", "0,10,20,30,40,50");
    check_axis(120, "Throughput (bits/s)", "0,50,100,150");
    check_axis(1.5e12, "Throughput (Tbits/s)", "0.0,0.5,1.0,1.5");
    /* Nothing moved: an axis still, from 0 */
    check_axis(0, "Throughput (bits/s)", "0.0,0.2,0.4,0.6,0.8,1.0");
}

static void check_time_axis(int seconds, const char *xticks)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    whole_test(&r, "tcp", seconds, 1e9);
    expect_texts(r.sink.out, "xtick", xticks);
    expect_texts(r.sink.out, "xlabel", "Time (s)");
    CU_ASSERT_EQUAL(points_of(r.sink.out, "sum"), 2 * seconds);   /* a step per interval */
    reporter_close(&r);
}

static void test_time_ticks(void)
{
    check_time_axis(3, "0.0,0.5,1.0,1.5,2.0,2.5,3.0");
    check_time_axis(10, "0,1,2,3,4,5,6,7,8,9,10");
    check_time_axis(30, "0,5,10,15,20,25,30");
    check_time_axis(60, "0,10,20,30,40,50,60");
}

/* ---- escaping ---- */

static void test_escaping(void)
{
    struct reporter_run r;
    const char *title = "a<b&c>\"d'e \x01 \xff end";
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, title, 0), WEIR_OK);
    start(&r, "tcp", "<evil&host>", 1, 0, 0);
    interval(&r, 1, 0, 0, 1, 1e9, 0);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "peer said <b>&\"bye\""), WEIR_E_NOTIMPL);
    const char *doc = r.sink.out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char got[1024];
    texts_of(doc, "title", got, sizeof got);
    /* The control byte and the stray 0xff byte become U+FFFD. */
    CU_ASSERT_STRING_EQUAL(got, "a&lt;b&amp;c&gt;&quot;d&apos;e \xEF\xBF\xBD \xEF\xBF\xBD end");
    CU_ASSERT(strstr(doc, "&lt;evil&amp;host&gt;") != NULL);
    CU_ASSERT(strstr(doc, "Test failed: peer said &lt;b&gt;&amp;&quot;bye&quot;") != NULL);
    CU_ASSERT(strstr(doc, "<evil") == NULL);
    CU_ASSERT(strstr(doc, "<b>") == NULL);
    CU_ASSERT(strchr(doc, '\x01') == NULL);
    CU_ASSERT(strchr(doc, '\xff') == NULL);
    /* The SVG's own <title> element carries the same escaped text. */
    CU_ASSERT(strstr(doc, "<title>a&lt;b&amp;c&gt;&quot;d&apos;e") != NULL);
    reporter_close(&r);

    /* A long title is cut, with "...", on a character boundary (each é is
     * two bytes: the cut must not split one). */
    char longer[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(longer, "\xC3\xA9<");
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, longer, 0), WEIR_OK);
    whole_test(&r, "tcp", 2, 1e9);
    texts_of(r.sink.out, "title", got, sizeof got);
    size_t len = strlen(got);
    CU_ASSERT(len > 3 && strcmp(got + len - 3, "...") == 0);
    CU_ASSERT(len >= 4 && (got[len - 4] == ';' || (unsigned char)got[len - 4] == 0xA9));
    CU_ASSERT(strstr(got, "\xC3\xA9&lt;\xC3\xA9&lt;") != NULL);
    /* ... while <title> keeps all of it. */
    CU_ASSERT(count_of(r.sink.out, "\xC3\xA9&lt;") > 100);
    reporter_close(&r);
}

/* ---- series, legend, directions, -O ---- */

static void test_streams_and_legend(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    start(&r, "tcp", "127.0.0.1", 12, 0, 0);
    for (int i = 0; i < 4; i++)
        interval(&r, 12, 0, i, 1, 1e8, 0);
    end_test(&r, 1.2e9, 4);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    const char *doc = r.sink.out;
    CU_ASSERT_EQUAL(count_of(doc, "<polyline class=\"series stream\""), 12);
    CU_ASSERT_EQUAL(count_of(doc, "<polyline class=\"series sum\""), 1);
    CU_ASSERT_EQUAL(points_of(doc, "stream"), 8);
    CU_ASSERT_EQUAL(points_of(doc, "sum"), 8);
    /* Streams named as the text output names them. */
    expect_texts(doc, "legend", "sum,[  5],[  6],[  7],[  8],[  9],[ 10],[ 11],[ 12]");
    expect_texts(doc, "legend more", "+4 more streams");
    /* 12 x 100 Mbits/s summed: 1.2 Gbits/s. */
    expect_texts(doc, "ylabel", "Throughput (Gbits/s)");
    expect_texts(doc, "caption",
                 "Average: sender 1.20 Gbits/sec (572 MBytes in 4.00 s), "
                 "receiver 1.20 Gbits/sec (572 MBytes in 4.00 s)");
    CU_ASSERT(strstr(doc, "TCP, client sending to 127.0.0.1 port 5201, 3 s, 12 streams") != NULL);
    CU_ASSERT(strstr(doc, "class=\"omitted\"") == NULL);
    reporter_close(&r);
}

/* Each interval is a step from its start to its end: the lines start at
 * 0 (the plot's left edge) and end at the last interval's end (its right
 * edge), not at interval midpoints. The plot reaches down to the caption,
 * which ends at the picture's bottom. */
static void test_steps_and_canvas(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    start(&r, "tcp", "127.0.0.1", 1, 0, 0);
    interval(&r, 1, 0, 0, 1, 1e9, 0);
    interval(&r, 1, 0, 1, 1, 2e9, 0);
    interval(&r, 1, 0, 2, 1, 1e9, 0);
    end_test(&r, 1.33e9, 3);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    const char *doc = r.sink.out;
    double v[16];
    CU_ASSERT_EQUAL_FATAL(coords_of(doc, "sum", v, 16), 12);
    /* The frame: "M left top V bottom H right". */
    const char *axes = strstr(doc, "class=\"axes\" d=\"M");
    CU_ASSERT_PTR_NOT_NULL_FATAL(axes);
    double left, top, bottom, right;
    CU_ASSERT_EQUAL_FATAL(sscanf(axes, "class=\"axes\" d=\"M%lf %lfV%lfH%lf", &left, &top, &bottom, &right), 4);
    CU_ASSERT_DOUBLE_EQUAL(v[0], left, 0.05);           /* starts at 0 s */
    CU_ASSERT_DOUBLE_EQUAL(v[10], right, 0.05);         /* ends at 3 s */
    CU_ASSERT_DOUBLE_EQUAL(v[2], v[4], 0.05);           /* one step's end, the next's start */
    CU_ASSERT_DOUBLE_EQUAL(v[1], v[3], 0.05);           /* level across an interval */
    CU_ASSERT(v[5] < v[3] - 10);                        /* the 2 Gbits/s step is higher */
    /* The caption's line ends at the bottom; the plot fills the rest:
     * no empty fifth under it. */
    CU_ASSERT_EQUAL(count_of(doc, "<text class=\"caption\""), 1);
    double last_caption = -1;
    for (const char *p = strstr(doc, "<text class=\"caption\""); p; p = strstr(p + 1, "<text class=\"caption\""))
        last_caption = attr_after(p, "caption", "y");
    CU_ASSERT(last_caption >= 520 && last_caption <= 536);
    CU_ASSERT(bottom >= 440);
    CU_ASSERT(attr_after(doc, "class=\"xlabel\"", "y") < attr_after(doc, "class=\"caption\"", "y") - 12);
    reporter_close(&r);
}

/* Lines at the same rates must not hide each other: the streams are drawn
 * over the sums and each stream has its own dash pattern. */
static void test_equal_lines_distinct(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    start(&r, "tcp", "127.0.0.1", 3, 0, 0);
    for (int i = 0; i < 2; i++)
        interval(&r, 3, 0, i, 1, 1e9, 0);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    const char *doc = r.sink.out;
    const char *sum = strstr(doc, "<polyline class=\"series sum\"");
    const char *s5 = strstr(doc, "data-label=\"[  5]\"");
    const char *s6 = strstr(doc, "data-label=\"[  6]\"");
    const char *s7 = strstr(doc, "data-label=\"[  7]\"");
    CU_ASSERT_FATAL(sum && s5 && s6 && s7);
    CU_ASSERT(sum < s5 && s5 < s6 && s6 < s7);          /* sums below, streams on top */
    char d5[40] = "", d6[40] = "", d7[40] = "";
    const char *k = "stroke-dasharray=\"";
    const char *e5 = strstr(s5, k), *e6 = strstr(s6, k), *e7 = strstr(s7, k);
    const char *n5 = strstr(s5, "/>");
    /* The first stream solid, the others dashed, each differently. */
    CU_ASSERT(e5 == NULL || e5 > n5);
    CU_ASSERT_FATAL(e6 != NULL && e7 != NULL);
    sscanf(e6 + strlen(k), "%39[^\"]", d6);
    sscanf(e7 + strlen(k), "%39[^\"]", d7);
    CU_ASSERT(d6[0] != '\0' && d7[0] != '\0' && strcmp(d6, d7) != 0);
    (void)d5;
    reporter_close(&r);
}

static void test_bidir_and_omitted(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    start(&r, "tcp", "127.0.0.1", 2, 1, 1);
    interval(&r, 2, 1, 0, 1, 5e8, 1);
    for (int i = 0; i < 3; i++)
        interval(&r, 2, 1, i, 1, 5e8, 0);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    const char *doc = r.sink.out;
    CU_ASSERT_EQUAL(count_of(doc, "<polyline class=\"series stream\""), 2);
    CU_ASSERT_EQUAL(count_of(doc, "<polyline class=\"series sum\""), 2);
    CU_ASSERT_EQUAL(points_of(doc, "sum"), 8);
    expect_texts(doc, "legend", "sum, sending,sum, receiving,[  5], sending,[  6], receiving");
    CU_ASSERT(strstr(doc, "data-label=\"[  6], receiving\"") != NULL);
    /* Dashed: the sum back (receiving) and the second stream, each in
     * the plot and in the legend. */
    CU_ASSERT_EQUAL(count_of(doc, "stroke-dasharray"), 4);
    /* The -O second is shaded, before 0 on the time axis. */
    CU_ASSERT_EQUAL(count_of(doc, "<rect class=\"omitted\""), 1);
    expect_texts(doc, "legend omitted", "omitted (-O)");
    expect_texts(doc, "xtick", "-1.0,-0.5,0.0,0.5,1.0,1.5,2.0,2.5,3.0");
    CU_ASSERT(strstr(doc, "client sending to and receiving from 127.0.0.1 port 5201 (bidir)") != NULL);
    CU_ASSERT(strstr(doc, "first 1 s omitted") != NULL);
    reporter_close(&r);
}

/* ---- comparison ---- */

static void test_comparison(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, "cmp", 3), WEIR_OK);
    whole_test(&r, "tcp", 3, 9e9);
    CU_ASSERT_EQUAL(r.sink.out_len, 0);         /* nothing before the comparison */
    whole_test(&r, "udp", 3, 1e6);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "tls: handshake failed"), WEIR_E_NOTIMPL);  /* never started */
    CU_ASSERT_EQUAL(r.sink.out_len, 0);
    struct weir_report_comparison_row rows[] = {
        { .transport = "tcp", .protocol = "TCP", .num_streams = 1, .seconds = 3,
          .sender_bits_per_second = 9e9, .receiver_bits_per_second = 8.9e9 },
        { .transport = "udp", .protocol = "UDP", .datagram = 1, .num_streams = 1, .seconds = 3,
          .sender_bits_per_second = 1e6, .receiver_bits_per_second = 1e6 },
        { .transport = "tls", .protocol = "TCP", .error = "handshake <failed>" },
    };
    struct weir_report_comparison c = {
        .struct_size = sizeof c, .n_rows = 3, .rows = rows, .note = "UDP ran at -b 1M",
    };
    CU_ASSERT_EQUAL(r.ops->comparison(r.ctx, &c), WEIR_OK);
    const char *doc = r.sink.out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(count_of(doc, "<?xml"), 1);
    CU_ASSERT_EQUAL(count_of(doc, "<polyline class=\"series transport\""), 2);
    CU_ASSERT_EQUAL(count_of(doc, "<polyline class=\"series stream\""), 0);
    CU_ASSERT_EQUAL(points_of(doc, "transport"), 6);
    char got[1024];
    expect_texts(doc, "legend", "tcp,udp");
    CU_ASSERT_EQUAL(count_of(doc, "<rect class=\"bar sender\""), 2);
    CU_ASSERT_EQUAL(count_of(doc, "<rect class=\"bar receiver\""), 2);
    expect_texts(doc, "bar-label", "tcp,udp,tls");
    CU_ASSERT_EQUAL(count_of(doc, "class=\"bar-failed\""), 1);
    expect_texts(doc, "bars-title", "Final average (Gbits/s)");
    texts_of(doc, "caption", got, sizeof got);
    CU_ASSERT(strstr(got, "tcp: sender 9.00 Gbits/sec, receiver 8.90 Gbits/sec") != NULL);
    CU_ASSERT(strstr(got, "tls failed: handshake &lt;failed&gt;") != NULL);
    CU_ASSERT(strstr(got, "Note: UDP ran at -b 1M") != NULL);
    CU_ASSERT(strstr(doc, "Comparison of tcp, udp, tls: client sending to 127.0.0.1") != NULL);
    /* Each transport's line and bars share a colour. */
    CU_ASSERT(strstr(doc, "data-label=\"tcp\" fill=\"none\" stroke-linejoin=\"round\" "
                          "stroke-linecap=\"butt\" stroke=\"#0072B2\"") != NULL);
    CU_ASSERT(strstr(doc, "<rect class=\"bar sender\" x=") != NULL);
    CU_ASSERT(count_of(doc, "fill=\"#0072B2\" fill-opacity=") == 2);
    reporter_close(&r);
}

/* --latency --load (ABI 2.3): the bars are each transport's idle and
 * loaded round-trip p50 on a log scale (a row without loaded round trips
 * has its idle bar only), the caption each one's working latency; from a
 * 2.2 weir the throughput bars as before. */
static void working_comparison(struct reporter_run *r, uint32_t struct_size)
{
    whole_test(r, "tcp", 3, 9e9);
    whole_test(r, "udp", 3, 1e6);
    struct weir_report_comparison_row rows[] = {
        { .transport = "tcp", .protocol = "TCP", .num_streams = 1, .seconds = 3,
          .sender_bits_per_second = 9e9, .receiver_bits_per_second = 8.9e9 },
        { .transport = "udp", .protocol = "UDP", .datagram = 1, .num_streams = 1, .seconds = 3,
          .sender_bits_per_second = 1e6, .receiver_bits_per_second = 1e6 },
        { .transport = "quic", .protocol = "UDP", .error = "unable to connect" },
    };
    struct weir_report_latency lat[3] = { { .rtt.count = 10 }, { .rtt.count = 10 }, { 0 } };
    struct weir_report_working_latency w[3] = {
        { .load_streams = 1, .load_direction = "up", .idle_seconds = 1, .increase_p50 = 249950, .rpm = 240,
          .up_bits_per_second = 9e9, .idle = { .count = 5, .p50 = 50 }, .loaded = { .count = 5, .p50 = 250000 } },
        { .load_streams = 1, .load_direction = "up", .idle_seconds = 1, .up_bits_per_second = 1e6,
          .idle = { .count = 5, .p50 = 40 } },
    };
    struct weir_report_load l[3] = { { .struct_size = sizeof l[0] }, { .struct_size = sizeof l[0] },
                                     { .struct_size = sizeof l[0] } };
    const struct weir_report_load *lp[] = { &l[0], &l[1], &l[2] };
    struct weir_report_comparison c = {
        .struct_size = struct_size, .n_rows = 3, .rows = rows, .latency = lat, .working = w, .load = lp,
    };
    CU_ASSERT_EQUAL(r->ops->comparison(r->ctx, &c), WEIR_OK);
}

static void test_working_comparison(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 3), WEIR_OK);
    working_comparison(&r, sizeof(struct weir_report_comparison));
    const char *doc = r.sink.out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(count_of(doc, "<rect class=\"bar sender\""), 0);
    CU_ASSERT_EQUAL(count_of(doc, "<rect class=\"bar idle\""), 2);
    CU_ASSERT_EQUAL(count_of(doc, "<rect class=\"bar loaded\""), 1);
    CU_ASSERT_EQUAL(count_of(doc, "class=\"bar-failed\""), 1);
    expect_texts(doc, "bars-title", "Round trip p50 (log scale)");
    /* Whole decades from 10 us (40 and 50 us) to 1 s (250 ms). */
    expect_texts(doc, "bar-ytick", "10 \xc2\xb5s,100 \xc2\xb5s,1 ms,10 ms,100 ms,1 s");
    char got[1024];
    texts_of(doc, "caption", got, sizeof got);
    CU_ASSERT(strstr(got, "tcp: p50 idle 50.00 usec, loaded 250.00 msec (+249.95 msec), 240 RPM, "
                          "load 9.00 Gbits/sec up") != NULL);
    CU_ASSERT(strstr(got, "udp: p50 idle 40.00 usec, loaded - (-), - RPM, load 1.00 Mbits/sec up") != NULL);
    CU_ASSERT(strstr(got, "quic failed: unable to connect") != NULL);
    reporter_close(&r);

    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 3), WEIR_OK);
    working_comparison(&r, offsetof(struct weir_report_comparison, working));
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_EQUAL(count_of(r.sink.out, "<rect class=\"bar sender\""), 2);
    CU_ASSERT_EQUAL(count_of(r.sink.out, "class=\"bar idle\""), 0);
    reporter_close(&r);
}

/* A comparison run that ends before its comparison hook (interrupted)
 * still gets the chart of its tests, without bars, when the reporter
 * closes. */
static void test_comparison_cut_short(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 2), WEIR_OK);
    whole_test(&r, "tcp", 2, 1e9);
    CU_ASSERT_EQUAL(r.sink.out_len, 0);
    CU_ASSERT_EQUAL(r.ops->close(r.ctx), WEIR_OK);
    const char *doc = r.sink.out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(count_of(doc, "<polyline class=\"series transport\""), 1);
    CU_ASSERT_EQUAL(count_of(doc, "class=\"bar "), 0);
    char got[1024];
    texts_of(doc, "caption", got, sizeof got);
    CU_ASSERT(strncmp(got, "tcp: sender 1.00 Gbits/sec", 26) == 0);
    mock_sink_free(&r.sink);
}

/* ---- the file ---- */

static void test_file(void)
{
    char dir[] = "/tmp/weir-svg-test.XXXXXX", path[256];
    temp_dir_and_path(dir, "chart.svg", path, sizeof path);

    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, path, NULL, 0), WEIR_OK);
    CU_ASSERT_EQUAL(dir_entries(dir), 0);           /* open only checked */
    whole_test(&r, "tcp", 3, 2e9);
    CU_ASSERT_EQUAL(r.sink.out_len, 0);
    CU_ASSERT_EQUAL(dir_entries(dir), 1);           /* no temporary file left */
    char *doc = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT(strncmp(doc, "<?xml", 5) == 0);
    CU_ASSERT(strstr(doc, "</svg>\n") != NULL);
    CU_ASSERT(strstr(doc, "Throughput (Gbits/s)") != NULL);
    free(doc);
    /* The next test replaces the chart. */
    whole_test(&r, "tcp", 3, 5e6);
    doc = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT(strstr(doc, "Throughput (Mbits/s)") != NULL);
    CU_ASSERT_EQUAL(count_of(doc, "<?xml"), 1);
    free(doc);
    CU_ASSERT_EQUAL(dir_entries(dir), 1);
    reporter_close(&r);
    unlink(path);

    /* A place that goes away after open: the hook that writes the chart
     * fails, saying why (weir then stops calling the reporter). */
    char sub[300], gone[320];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(gone, sizeof gone, "%s/chart.svg", sub);
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
    CU_ASSERT_EQUAL_FATAL(run_open(&r, gone, NULL, 0), WEIR_OK);
    CU_ASSERT_EQUAL(rmdir(sub), 0);
    start(&r, "tcp", "127.0.0.1", 1, 0, 0);
    end_test(&r, 2e9, 1);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_E_LOGFILE);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_LOGFILE);
    CU_ASSERT(strstr(mock_host_last_error_text(), gone) != NULL);
    CU_ASSERT(strstr(mock_host_last_error_text(), "No such file or directory") != NULL);
    reporter_close(&r);

    /* Places that cannot take the file fail at open, saying why. */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/missing/chart.svg", dir);
    CU_ASSERT_NOT_EQUAL(run_open(&r, bad, NULL, 0), WEIR_OK);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_LOGFILE);
    CU_ASSERT(strstr(mock_host_last_error_text(), bad) != NULL);
    CU_ASSERT(strstr(mock_host_last_error_text(), "No such file or directory") != NULL);
    mock_sink_free(&r.sink);
    CU_ASSERT_NOT_EQUAL(run_open(&r, dir, NULL, 0), WEIR_OK);
    CU_ASSERT(strstr(mock_host_last_error_text(), "Is a directory") != NULL);
    mock_sink_free(&r.sink);
    CU_ASSERT_EQUAL(dir_entries(dir), 0);
    rmdir(dir);
}

/* A test that fails before it starts draws nothing; one that fails midway
 * is drawn with its error. */
static void test_failures(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "unable to connect to server"), WEIR_E_NOTIMPL);
    CU_ASSERT_EQUAL(r.sink.out_len, 0);
    start(&r, "tcp", "127.0.0.1", 1, 0, 0);
    interval(&r, 1, 0, 0, 1, 1e9, 0);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "the server has terminated"), WEIR_E_NOTIMPL);
    expect_texts(r.sink.out, "caption", "Test failed: the server has terminated");
    /* One interval: a step across it, nothing else to mark. */
    CU_ASSERT_EQUAL(points_of(r.sink.out, "sum"), 2);
    CU_ASSERT_EQUAL(count_of(r.sink.out, "<circle"), 0);
    reporter_close(&r);
}

/* ---- --latency ---- */

static const struct weir_report_latency_bucket lat_buckets[] = {
    { 7, 0 }, { 10, 0 }, { 15, 180 }, { 20, 196 }, { 30, 198 }, { 50, 198 },
};

static struct weir_report_latency lat_sum(double t0, uint64_t n, double p50, double p99)
{
    struct weir_report_latency l = { .start = t0, .end = t0 + 1, .sent = n };
    if (n > 0)
        l.rtt = (struct weir_report_latency_stats){ .count = n, .min = 10, .mean = p50, .p50 = p50,
                                                    .p90 = p50, .p99 = p99, .p999 = p99, .max = p99 };
    return l;
}

/* A --latency client test of 3 one-second intervals over probe stream 5
 * (and stream 6 without probes: a load, when with_load); the second
 * interval has no reply. w: --load's summary at the end, or NULL. */
static void latency_test(struct reporter_run *r, int with_load, const struct weir_report_working_latency *w)
{
    struct weir_report_stream st[] = {
        { .id = 1, .socket = 5, .sending = 1, .local_host = "127.0.0.1", .remote_host = "10.0.0.2" },
        { .id = 3, .socket = 6, .sending = 1, .local_host = "127.0.0.1", .remote_host = "10.0.0.2" },
    };
    size_t n = with_load ? 2 : 1;
    struct weir_report_start s = {
        .struct_size = sizeof s, .role = WEIR_ROLE_CLIENT, .host = "10.0.0.2", .port = 5201,
        .protocol = "UDP", .datagram = 1, .num_streams = 1, .blksize = 64, .duration = 3,
        .interval = 1.0, .n_streams = n, .streams = st, .transport = "udp", .latency = 1,
        .latency_request = 64, .latency_reply = 64,
    };
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
    const double p50[] = { 12, 0, 14 }, p99[] = { 20, 0, 380 };
    for (int i = 0; i < 3; i++) {
        struct weir_report_sample smp[2] = {
            { .socket = 5, .sender = 1, .start = i, .end = i + 1, .seconds = 1, .bits_per_second = 1e5 },
            { .socket = 6, .sender = 1, .start = i, .end = i + 1, .seconds = 1, .bits_per_second = 4e8 },
        };
        struct weir_report_latency row = lat_sum(i, i == 1 ? 0 : 99, p50[i], p99[i]), sum = row;
        row.socket = 5;
        struct weir_report_interval iv = {
            .struct_size = sizeof iv, .n_streams = n, .streams = smp, .sum = smp[0],
            .n_latency = 1, .latency = &row, .latency_sum = &sum,
        };
        CU_ASSERT_EQUAL(r->ops->interval(r->ctx, &iv), WEIR_OK);
    }
    struct weir_report_latency row = lat_sum(0, 198, 13, 300), sum = row;
    row.socket = 5;
    sum.lost = 2;
    sum.rtt.n_buckets = 6;
    sum.rtt.buckets = lat_buckets;
    struct weir_report_end e = {
        .struct_size = sizeof e, .n_latency = 1, .latency = &row, .latency_sum = &sum, .working = w,
    };
    CU_ASSERT_EQUAL(r->ops->test_end(r->ctx, &e), WEIR_OK);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, NULL), WEIR_OK);
}

/* p50 and p99 steps per interval (a gap where no reply came), the load's
 * throughput on a second axis only when a stream without probes ran, and
 * the CDF from the end's buckets on whole decades. */
static void test_latency_chart(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    latency_test(&r, 0, NULL);
    const char *o = r.sink.out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "<title>weir latency - UDP latency, client to 10.0.0.2 port 5201, 3 s, 1 stream</title>"));
    expect_texts(o, "ylabel", "Round trip (\xc2\xb5s),Share of round trips");
    /* Round trips up to 380: ticks of 100 to 400; CDF quarters. */
    expect_texts(o, "ytick", "0,100,200,300,400,0.00,0.25,0.50,0.75,1.00");
    /* From the last bound below every round trip (10) to the first above
     * all (30): the decades 10 and 100. */
    expect_texts(o, "xtick", "0.0,0.5,1.0,1.5,2.0,2.5,3.0,10,100");
    CU_ASSERT_EQUAL(count_of(o, "y2label"), 0);
    CU_ASSERT_EQUAL(count_of(o, "series load"), 0);
    /* Two runs of steps: the interval without replies is a gap. */
    const char *p50 = strstr(o, "<path class=\"series p50\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p50);
    const char *d = strstr(p50, " d=\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_NSTRING_EQUAL(d, " d=\"M88.0 ", 9);
    CU_ASSERT_EQUAL(count_of(p50, "M"), 2 + count_of(strchr(p50, '>'), "M"));
    /* Bounds 10 (0 %), 15, 20, 30 (100 %): 50 is past the last rise. */
    double v[16];
    CU_ASSERT_EQUAL(coords_of(o, "cdf", v, 16), 8);
    CU_ASSERT_DOUBLE_EQUAL(v[1], 430, 0.01);      /* 0 % at the bottom */
    CU_ASSERT_DOUBLE_EQUAL(v[3], 430 - 334 * 180 / 198.0, 0.06);
    CU_ASSERT_DOUBLE_EQUAL(v[7], 96, 0.01);       /* 100 % at the top */
    expect_texts(o, "caption", "Round trips: 198, min 10.00, p50 13.00, p90 13.00, p99 300.00, "
                               "p99.9 300.00, max 300.00 (usec); 198 sent, 2 lost");
    reporter_close(&r);

    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    latency_test(&r, 1, NULL);
    o = r.sink.out;
    expect_texts(o, "y2label", "Load throughput (Mbits/s)");
    expect_texts(o, "y2tick", "0,100,200,300,400");
    CU_ASSERT_EQUAL(count_of(o, "<path class=\"series load\""), 1);
    reporter_close(&r);

    /* No intervals (a test that ended inside -O), said in their panel; the CDF still drawn. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    struct weir_report_start s = {
        .struct_size = sizeof s, .role = WEIR_ROLE_CLIENT, .host = "h", .protocol = "TCP", .reliable = 1,
        .num_streams = 1, .duration = 1, .transport = "tcp", .latency = 1,
    };
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    struct weir_report_latency sum = lat_sum(0, 198, 13, 300);
    sum.rtt.n_buckets = 6;
    sum.rtt.buckets = lat_buckets;
    struct weir_report_end e = { .struct_size = sizeof e, .latency_sum = &sum };
    CU_ASSERT_EQUAL(r.ops->test_end(r.ctx, &e), WEIR_OK);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    expect_texts(r.sink.out, "no-data", "no intervals: the whole test is on the right");
    CU_ASSERT_EQUAL(count_of(r.sink.out, "series p50"), 0);
    CU_ASSERT_EQUAL(coords_of(r.sink.out, "cdf", (double[16]){ 0 }, 16), 8);
    reporter_close(&r);
}

/* --load: the idle phase (0 to 1 s) shaded with the load's start marked
 * and both phases named; idle and loaded CDFs in place of the whole
 * test's, with a legend, the RPM and the increase; a caption line. */
static void test_working_chart(void)
{
    static const struct weir_report_latency_bucket loaded_buckets[] = {
        { 7, 0 }, { 10, 0 }, { 15, 0 }, { 20, 0 }, { 30, 0 }, { 50, 0 }, { 70, 0 }, { 100, 0 }, { 150, 150 },
        { 200, 197 },
    };
    struct weir_report_working_latency w = {
        .load_streams = 2, .load_direction = "up", .idle_seconds = 1, .increase_p50 = 100, .increase_mean = 100,
        .rpm = 606.4, .up_bits_per_second = 96.5e6,
        .idle = { .count = 198, .p50 = 12, .mean = 12, .n_buckets = 6, .buckets = lat_buckets },
        .loaded = { .count = 197, .p50 = 112, .mean = 112, .n_buckets = 10, .buckets = loaded_buckets },
    };
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    latency_test(&r, 1, &w);
    const char *o = r.sink.out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    /* 0 to 3 s over 88 to 530 px: the idle band ends at 1 s, 235.3 px. */
    CU_ASSERT_DOUBLE_EQUAL(attr_after(o, "<rect class=\"phase-idle\"", "x"), 88, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(attr_after(o, "<rect class=\"phase-idle\"", "width"), 442 / 3.0, 0.06);
    CU_ASSERT_DOUBLE_EQUAL(attr_after(o, "<line class=\"load-start\"", "x1"), 88 + 442 / 3.0, 0.06);
    expect_texts(o, "phase-label", "idle,load: 2 streams up");
    /* The two distributions, not the whole test's: idle from bound 10 to
     * 30, loaded from 100 to 200; decades 10 to 1000. */
    CU_ASSERT_EQUAL(count_of(o, "<polyline class=\"series cdf\""), 0);
    CU_ASSERT_EQUAL(points_of(o, "cdf-idle"), 4);
    CU_ASSERT_EQUAL(points_of(o, "cdf-loaded"), 3);
    double v[16];
    CU_ASSERT_EQUAL(coords_of(o, "cdf-loaded", v, 16), 6);
    CU_ASSERT_DOUBLE_EQUAL(v[0], 690 + 245 * 1 / 2.0, 0.06);    /* log10(100) = 2 of 1..3 */
    CU_ASSERT_DOUBLE_EQUAL(v[5], 96, 0.01);                     /* all of them at 200 */
    expect_texts(o, "xtick", "0.0,0.5,1.0,1.5,2.0,2.5,3.0,10,100,1000");
    expect_texts(o, "legend", "load throughput (right axis),p50,p99,idle, p50 12.00 \xc2\xb5s,"
                              "loaded, p50 112.00 \xc2\xb5s");
    expect_texts(o, "rpm", "606 RPM");
    expect_texts(o, "increase", "p50 +100.00 \xc2\xb5s under load");
    CU_ASSERT_PTR_NOT_NULL(strstr(o, ">Working latency: p50 12.00 usec idle, 112.00 loaded (+100.00); 606 RPM; "
                                     "load 96.50 Mbits/sec up, 0.00 down</text>"));
    reporter_close(&r);

    /* No loaded round trip: its curve and the RPM left out. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    w.loaded = (struct weir_report_latency_stats){ 0 };
    latency_test(&r, 1, &w);
    CU_ASSERT_EQUAL(points_of(r.sink.out, "cdf-idle"), 4);
    CU_ASSERT_EQUAL(points_of(r.sink.out, "cdf-loaded"), -1);
    CU_ASSERT_EQUAL(count_of(r.sink.out, "class=\"rpm\""), 0);
    expect_texts(r.sink.out, "legend", "load throughput (right axis),p50,p99,idle, p50 12.00 \xc2\xb5s,"
                                       "loaded: no round trip");
    reporter_close(&r);
}


/* ---- the transport's facts under the chart ---- */

static const struct weir_fact svg_start_facts[] = {
    { "gso", { .type = WEIR_VALUE_BOOL, .v.b = 1 } },
    { "tls.cipher", { .type = WEIR_VALUE_STRING, .v.s = "a<b&c" } },
    { "quic.congestion", { .type = WEIR_VALUE_STRING, .v.s = "cubic" } },
    { "quic.handshake_ms", { .type = WEIR_VALUE_DOUBLE, .v.d = 4.25 } },
};

/* n streams (sockets 5, 6, ...), the first `described` with facts at the
 * start and at each of 2 intervals (cwnd 1000, then 2000). */
static void facts_test(struct reporter_run *r, size_t n, size_t described, size_t more)
{
    struct weir_report_stream st[16];
    struct weir_fact extra[4 + 64];
    char keys[64][8];
    memcpy(extra, svg_start_facts, sizeof svg_start_facts);
    for (size_t i = 0; i < more && i < 64; i++) {
        snprintf(keys[i], sizeof keys[i], "f%zu", i);
        extra[4 + i] = (struct weir_fact){ keys[i], { .type = WEIR_VALUE_STRING, .v.s = "xxxxxxxxxx" } };
    }
    for (size_t i = 0; i < n; i++) {
        st[i] = (struct weir_report_stream){ .id = (int)i + 1, .socket = 5 + (int)i, .sending = 1 };
        if (i < described) {
            st[i].facts = extra;
            st[i].n_facts = 4 + more;
        }
    }
    struct weir_report_start s = {
        .struct_size = sizeof s, .role = WEIR_ROLE_CLIENT, .host = "h", .port = 5201,
        .protocol = "UDP", .reliable = 1, .num_streams = (int)n, .duration = 2, .interval = 1,
        .n_streams = n, .streams = st, .transport = "quic", .streams_described = 1,
    };
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
    for (int k = 0; k < 2; k++) {
        struct weir_fact f[2] = {
            { "quic.cwnd", { .type = WEIR_VALUE_UINT, .v.u = 1000u * (unsigned)(k + 1) } },
            { "quic.packets_lost", { .type = WEIR_VALUE_UINT, .v.u = 7 } },
        };
        struct weir_report_sample smp[16];
        for (size_t i = 0; i < n; i++) {
            smp[i] = (struct weir_report_sample){ .socket = 5 + (int)i, .sender = 1, .start = k, .end = k + 1,
                                                  .seconds = 1, .bytes = 1000, .bits_per_second = 8000 };
            if (i < described) {
                smp[i].facts = f;
                smp[i].n_facts = 2;
            }
        }
        struct weir_report_interval iv = {
            .struct_size = sizeof iv, .n_streams = n, .streams = smp, .sum = smp[0],
        };
        CU_ASSERT_EQUAL(r->ops->interval(r->ctx, &iv), WEIR_OK);
    }
    end_test(r, 8000, 2);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, NULL), WEIR_OK);
}

static int svg_height(const char *doc)
{
    const char *p = doc ? strstr(doc, "<svg ") : NULL;
    p = p ? strstr(p, " height=\"") : NULL;
    return p ? atoi(p + 9) : -1;
}

static void test_facts_table(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    facts_test(&r, 2, 1, 0);
    const char *doc = r.sink.out;
    /* One row: the stream that said something, escaped, the latest
     * interval's numbers. */
    expect_texts(doc, "facts-stream", "[  5]");
    expect_texts(doc, "facts-start", "gso yes; tls: cipher a&lt;b&amp;c; quic: congestion cubic, handshake_ms 4.25");
    expect_texts(doc, "facts-last", "last interval: quic: cwnd 2000, packets_lost 7");
    CU_ASSERT_EQUAL(count_of(doc, "<g class=\"facts\">"), 1);
    /* Under the 540 pixels of the chart, inside the taller picture. */
    int h = svg_height(doc);
    CU_ASSERT(h > 540);
    double y = attr_after(doc, "class=\"facts-last\"", "y");
    CU_ASSERT(attr_after(doc, "class=\"facts-title\"", "y") > 540);
    CU_ASSERT(y > 540 && y <= h - 4);
    reporter_close(&r);

    /* Without facts the picture is as it was. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    facts_test(&r, 2, 0, 0);
    CU_ASSERT_EQUAL(svg_height(r.sink.out), 540);
    CU_ASSERT_EQUAL(count_of(r.sink.out, "class=\"facts"), 0);
    reporter_close(&r);

    /* 10 streams: 8 rows, then the rest counted; a long line wrapped
     * after a comma, at most 4 lines of a stream's start facts (the last
     * cut with "..."). */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, NULL, NULL, 0), WEIR_OK);
    facts_test(&r, 10, 10, 40);
    doc = r.sink.out;
    CU_ASSERT_EQUAL(count_of(doc, "<text class=\"facts-stream\""), 8);
    CU_ASSERT_EQUAL(count_of(doc, "<text class=\"facts-start\""), 8 * 4);
    CU_ASSERT_EQUAL(count_of(doc, "<text class=\"facts-last\""), 8);
    expect_texts(doc, "facts-more", "+2 more streams (all in -J&apos;s start.weir.streams)");
    for (const char *p = strstr(doc, "<text class=\"facts-start\""); p; p = strstr(p + 1, "<text class=\"facts-start\"")) {
        const char *b = strchr(p, '>'), *e = strstr(p, "</text>");
        CU_ASSERT((size_t)(e - b - 1) <= 138 + 3);
        CU_ASSERT(e[-1] == ' ' || strncmp(e - 3, "...", 3) == 0);
    }
    CU_ASSERT_EQUAL(svg_height(doc), 540 + 22 + (8 * (4 + 1) + 1) * 14 + 8);
    reporter_close(&r);
}

int main(void)
{
    static CU_TestInfo tests[] = {
        { "unit and y ticks from the data's maximum", test_units_and_ticks },
        { "time ticks", test_time_ticks },
        { "escaping of user and peer text", test_escaping },
        { "-P 12: series and a limited legend", test_streams_and_legend },
        { "steps from each interval's start to its end; the whole canvas", test_steps_and_canvas },
        { "equal lines stay distinguishable", test_equal_lines_distinct },
        { "bidir directions and -O shading", test_bidir_and_omitted },
        { "comparison chart", test_comparison },
        { "comparison cut short: chart at close", test_comparison_cut_short },
        { "--load comparison: idle and loaded p50 bars, captions (2.3)", test_working_comparison },
        { "svg:PATH written whole, open errors", test_file },
        { "failed tests", test_failures },
        { "--latency: round trips over time, load axis, CDF", test_latency_chart },
        { "--load: the idle phase marked, idle and loaded CDFs, RPM", test_working_chart },
        { "the streams' transport facts in a table under the chart", test_facts_table },
        CU_TEST_INFO_NULL,
    };
    return run_suite("svg reporter", suite_init, tests);
}
