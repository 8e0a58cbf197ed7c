/* The csv and openmetrics reporters loaded from their built .so files and
 * fed synthetic snapshots through the mock host.
 *
 * csv: whole outputs compared byte for byte (header, column order, empty
 * fields, number text and its fixed precision), RFC 4180 quoting of commas, quotes, CR and LF, the
 * append-to-a-file rule (one header) and comparison rows.
 * openmetrics: whole outputs compared byte for byte for one test, label
 * escaping, families grouped once each, the atomic file replacement (no
 * temporary left behind, mode from the umask, the latest test only) and a
 * comparison run's one output.
 * --latency: csv's probe rows and comparison columns, openmetrics' histogram
 * and gauges, byte for byte. */
#include <CUnit/Basic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reporter_fixture.h"
#include "run_suites.h"

static const struct weir_plugin *csv_plugin, *om_plugin;

static int suite_init(void)
{
    csv_plugin = mock_host_load_built("csv", "csv");
    om_plugin = mock_host_load_built("openmetrics", "openmetrics");
    return csv_plugin && om_plugin ? 0 : -1;
}

/* ---- driving a reporter ---- */

static int run_open(struct reporter_run *r, const struct weir_plugin *p, int role,
                    const char *arg, int comparison)
{
    struct weir_report_format f = {
        .struct_size = sizeof f, .unit = 'a', .role = role, .comparison = comparison,
    };
    return reporter_open(r, p, &f, arg);
}

/* The whole output, shown on a mismatch. */
static void expect_out(const struct reporter_run *r, const char *want)
{
    const char *got = reporter_out(r);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n--- got\n%s", got);
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void connected(struct reporter_run *r, const char *host)
{
    struct weir_report_connect c = {
        .struct_size = sizeof c, .role = r->role, .host = host, .port = 5201,
        .version = "weir 0.1.0", .system_info = "Linux", .timestamp = "x",
        .timesecs = 1795980325, .timemillisecs = 1795980325250,
    };
    CU_ASSERT_EQUAL(r->ops->connected(r->ctx, &c), WEIR_OK);
}

static struct weir_report_stream stream(int id, int sending)
{
    struct weir_report_stream s = {
        .id = id, .socket = id + 4, .sending = sending, .local_host = "127.0.0.1",
        .local_port = 40000, .remote_host = "127.0.0.1", .remote_port = 5201,
    };
    return s;
}

static void start(struct reporter_run *r, const char *transport, const struct weir_report_stream *st,
                  size_t n, int reverse, int bidir)
{
    int udp = strcmp(transport, "udp") == 0;
    struct weir_report_start s = {
        .struct_size = sizeof s, .role = r->role, .host = "127.0.0.1", .port = 5201,
        .cookie = "6u2gq6aqwll7boh6loybc6ehyur2ylwft2aw", .protocol = udp ? "UDP" : "TCP",
        .reliable = !udp, .datagram = udp, .num_streams = (int)(bidir ? n / 2 : n),
        .blksize = 131072, .duration = 2, .interval = 1, .reverse = reverse, .bidir = bidir,
        .n_streams = n, .streams = st, .transport = transport,
    };
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
}

static struct weir_report_sample tcp(int sender, double start, double end, uint64_t bytes)
{
    struct weir_report_sample s = {
        .sender = sender, .start = start, .end = end, .seconds = end - start,
        .bytes = bytes, .bits_per_second = (double)bytes * 8 / (end - start),
    };
    return s;
}

/* A stream's sample: the socket stream() gives the stream with that id. */
static struct weir_report_sample of_stream(int id, struct weir_report_sample s)
{
    s.socket = id + 4;
    return s;
}

static struct weir_report_sample retr(struct weir_report_sample s, int64_t n, uint64_t cwnd,
                                      uint32_t rtt)
{
    s.has_retransmits = 1;
    s.retransmits = n;
    if (cwnd) {
        s.has_tcpinfo = 1;
        s.snd_cwnd = cwnd;
        s.rtt = rtt;
    }
    return s;
}

static struct weir_report_sample udp(int sender, double start, double end, uint64_t bytes,
                                     int64_t packets, double jitter_ms, int64_t lost)
{
    struct weir_report_sample s = tcp(sender, start, end, bytes);
    s.datagram = 1;
    s.packets = packets;
    s.jitter_ms = jitter_ms;
    s.lost_packets = lost;
    s.lost_percent = packets ? 100.0 * (double)lost / (double)packets : 0;
    return s;
}

/* Socket numbers as stream() gives them. */
static struct weir_report_end_stream end_stream(int id, int sending,
                                                const struct weir_report_sample *snd,
                                                const struct weir_report_sample *rcv)
{
    return report_end_stream(id, id + 4, sending, snd, rcv);
}

static void end(struct reporter_run *r, const struct weir_report_end_stream *st, size_t n,
                struct weir_report_sample sent, struct weir_report_sample received, int has_peer)
{
    struct weir_report_end e = {
        .struct_size = sizeof e, .n_streams = n, .streams = st, .has_peer = has_peer,
        .sum_sent = sent, .sum_received = received, .host_total = 97.5, .remote_total = 36.25,
    };
    CU_ASSERT_EQUAL(r->ops->test_end(r->ctx, &e), WEIR_OK);
}

/* A TCP client test, -P 2 -t 2 -i 1, forward. */
static void sc_tcp_p2(struct reporter_run *r, const char *peer)
{
    connected(r, peer);
    struct weir_report_stream st[] = { stream(1, 1), stream(3, 1) };
    start(r, "tcp", st, 2, 0, 0);
    for (int i = 0; i < 2; i++) {
        struct weir_report_sample s[] = {
            of_stream(1, retr(tcp(1, i, i + 1, 1000), i, 65536, 59)),
            of_stream(3, retr(tcp(1, i, i + 1, 3000), 0, 131072, 60)),
        };
        reporter_interval(r, s, 2, retr(tcp(1, i, i + 1, 4000), i, 0, 0));
    }
    struct weir_report_sample s1 = retr(tcp(1, 0, 2, 2000), 1, 0, 0), r1 = tcp(1, 0, 2, 1900);
    struct weir_report_sample s3 = retr(tcp(1, 0, 2, 6000), 0, 0, 0), r3 = tcp(1, 0, 2, 6000);
    struct weir_report_end_stream es[] = { end_stream(1, 1, &s1, &r1), end_stream(3, 1, &s3, &r3) };
    es[0].has_tcpinfo = 1;
    es[0].max_snd_cwnd = 70000;
    es[0].mean_rtt = 58;
    end(r, es, 2, retr(tcp(1, 0, 2, 8000), 1, 0, 0), tcp(1, 0, 2, 7900), 1);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, NULL), WEIR_OK);
}

#define CSV_HEADER                                                                          \
    "time,test,role,peer,transport,direction,kind,stream,start,end,seconds,bytes,"           \
    "bits_per_second,retransmits,snd_cwnd,rtt_us,jitter_ms,lost_packets,packets,"           \
    "lost_percent,omitted,cpu_local_percent,cpu_remote_percent,setup_seconds,error,"        \
    "latency_sent,latency_count,latency_lost,latency_missed,latency_min_us,latency_mean_us," \
    "latency_p50_us,latency_p90_us,latency_p99_us,latency_p99_9_us,latency_max_us,"       \
    "latency_stddev_us,latency_increase_p50_us,latency_increase_mean_us,responsiveness_rpm,"  \
    "load_streams,fact_key,fact_value\n"
#define T1 "1795980325,1,client,127.0.0.1,tcp,upload,"

static const char want_csv_tcp_p2[] =
    CSV_HEADER
    T1 "interval,5,0.000000,1.000000,1.000000,1000,8000,0,65536,59,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "interval,7,0.000000,1.000000,1.000000,3000,24000,0,131072,60,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "interval-sum,,0.000000,1.000000,1.000000,4000,32000,0,,,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "interval,5,1.000000,2.000000,1.000000,1000,8000,1,65536,59,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "interval,7,1.000000,2.000000,1.000000,3000,24000,0,131072,60,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "interval-sum,,1.000000,2.000000,1.000000,4000,32000,1,,,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "end-sender,5,0.000000,2.000000,2.000000,2000,8000,1,70000,58,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "end-receiver,5,0.000000,2.000000,2.000000,1900,7600,,,,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "end-sender,7,0.000000,2.000000,2.000000,6000,24000,0,,,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "end-receiver,7,0.000000,2.000000,2.000000,6000,24000,,,,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
    T1 "end-sender-sum,,0.000000,2.000000,2.000000,8000,32000,1,,,,,,,0,97.50,36.25,,,,,,,,,,,,,,,,,,,,\n"
    T1 "end-receiver-sum,,0.000000,2.000000,2.000000,7900,31600,,,,,,,,0,97.50,36.25,,,,,,,,,,,,,,,,,,,,\n";

static void test_csv_tcp(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_tcp_p2(&r, "127.0.0.1");
    expect_out(&r, want_csv_tcp_p2);
    CU_ASSERT_EQUAL(r.sink.err_len, 0);
    reporter_close(&r);
}

/* UDP, reverse, server side: the server sends (download) and has only its
 * own numbers; jitter and loss columns; a second test numbered 2. */
static void test_csv_udp_server(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_SERVER, NULL, 0), WEIR_OK);
    for (int t = 0; t < 2; t++) {
        connected(&r, "::1");
        struct weir_report_stream st[] = { stream(1, 1) };
        start(&r, "udp", st, 1, 1, 0);
        struct weir_report_sample s = of_stream(1, udp(1, 0, 0.5, 65536, 2, 0, 0));
        struct weir_report_sample sum = udp(1, 0, 0.5, 65536, 2, 0, 0);
        reporter_interval(&r, &s, 1, sum);
        struct weir_report_sample snd = udp(1, 0, 0.5, 65536, 2, 0, 0);
        struct weir_report_end_stream es[] = { end_stream(1, 1, &snd, NULL) };
        struct weir_report_sample none = { 0 };
        end(&r, es, 1, snd, none, 0);
        CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    }
    static const char want[] =
        CSV_HEADER
        "1795980325,1,server,::1,udp,download,interval,5,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,,,,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,1,server,::1,udp,download,interval-sum,,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,,,,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,1,server,::1,udp,download,end-sender,5,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,,,,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,1,server,::1,udp,download,end-sender-sum,,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,97.50,,,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,2,server,::1,udp,download,interval,5,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,,,,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,2,server,::1,udp,download,interval-sum,,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,,,,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,2,server,::1,udp,download,end-sender,5,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,,,,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,2,server,::1,udp,download,end-sender-sum,,0.000000,0.500000,0.500000,65536,1048576,,,,0.000,0,2,0.0000,0,97.50,,,,,,,,,,,,,,,,,,,,,\n";
    expect_out(&r, want);
    reporter_close(&r);
}

/* RFC 4180: comma, quote, CR, LF make a field quoted, quotes doubled;
 * plain fields stay bare. Numbers that are not integral read back. */
static void test_csv_quoting(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    connected(&r, "host,with\"comma");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "unable to connect: \"no\", said\r\nthe peer"), WEIR_OK);
    connected(&r, "plain-host");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "x"), WEIR_OK);
    static const char want[] =
        CSV_HEADER
        "1795980325,1,client,\"host,with\"\"comma\",,,error,,,,,,,,,,,,,,,,,,"
        "\"unable to connect: \"\"no\"\", said\r\nthe peer\",,,,,,,,,,,,,,,,,,\n"
        "1795980325,2,client,plain-host,,,error,,,,,,,,,,,,,,,,,,x,,,,,,,,,,,,,,,,,,\n";
    expect_out(&r, want);
    reporter_close(&r);

    /* Precision: seconds to the microsecond, rates in whole bits per
     * second, jitter to the microsecond, loss to 4 decimals; no "-0";
     * bytes whole, up to 2^64 - 1. Not 17 digits of float noise. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    connected(&r, "h");
    struct weir_report_stream st[] = { stream(1, 1) };
    start(&r, "tcp", st, 1, 0, 0);
    struct weir_report_sample s = of_stream(1, tcp(1, -1e-9, 1.0001201950000003, 18446744073709551615ull));
    s.bits_per_second = 23954731920.82449;
    s.datagram = 1;
    s.jitter_ms = 0.0123456789;
    s.packets = 3;
    s.lost_percent = 100.0 / 3;
    reporter_interval(&r, &s, 1, s);
    const char *line = strstr(reporter_out(&r), "interval,5,");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    const char *want_line = "interval,5,0.000000,1.000120,1.000120,18446744073709551615,23954731921,"
                            ",,,0.012,0,3,33.3333,0,";
    CU_ASSERT_NSTRING_EQUAL(line, want_line, strlen(want_line));
    reporter_close(&r);
}

/* bidir: per-stream directions from who sends, sums client->server then
 * server->client. */
static void test_csv_bidir(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_SERVER, NULL, 0), WEIR_OK);
    struct weir_report_stream st[] = { stream(1, 0), stream(3, 1) };
    start(&r, "tcp", st, 2, 0, 1);
    struct weir_report_sample s[] = { of_stream(1, tcp(0, 0, 1, 100)), of_stream(3, tcp(1, 0, 1, 200)) };
    struct weir_report_interval iv = {
        .struct_size = sizeof iv, .n_streams = 2, .streams = s, .sum = tcp(0, 0, 1, 100),
        .bidir = 1, .sum_bidir_reverse = tcp(1, 0, 1, 200),
    };
    CU_ASSERT_EQUAL(r.ops->interval(r.ctx, &iv), WEIR_OK);
    const char *o = reporter_out(&r);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "server,127.0.0.1,tcp,upload,interval,5,0.000000,1.000000,1.000000,100,800,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "server,127.0.0.1,tcp,download,interval,7,0.000000,1.000000,1.000000,200,1600,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "server,127.0.0.1,tcp,upload,interval-sum,,0.000000,1.000000,1.000000,100,800,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "server,127.0.0.1,tcp,download,interval-sum,,0.000000,1.000000,1.000000,200,1600,"));
    reporter_close(&r);
}

/* csv:PATH appends; the header only goes into an empty file. */
static void test_csv_file(void)
{
    char dir[] = "/tmp/weir-csvtest.XXXXXX", path[256];
    temp_dir_and_path(dir, "run.csv", path, sizeof path);
    for (int i = 0; i < 2; i++) {
        struct reporter_run r;
        CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, path, 0), WEIR_OK);
        sc_tcp_p2(&r, "127.0.0.1");
        CU_ASSERT_EQUAL(r.sink.out_len, 0);
        reporter_close(&r);
    }
    char *text = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(count_of(text, "time,test,"), 1);
    CU_ASSERT_EQUAL(strncmp(text, want_csv_tcp_p2, strlen(want_csv_tcp_p2)), 0);
    CU_ASSERT_STRING_EQUAL(text + strlen(want_csv_tcp_p2), want_csv_tcp_p2 + strlen(CSV_HEADER));
    free(text);
    unlink(path);

    /* A file that cannot be opened: a clear error, no instance. */
    snprintf(path, sizeof path, "%s/missing/run.csv", dir);
    struct reporter_run r;
    CU_ASSERT_EQUAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, path, 0), WEIR_E_LOGFILE);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_LOGFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), path));
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "No such file or directory"));
    mock_sink_free(&r.sink);
    rmdir(dir);

    /* A file that takes no more (a full disk): the header already fails
     * at open; rows after it would fail the hook that wrote them. */
    CU_ASSERT_EQUAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, "/dev/full", 0), WEIR_E_LOGFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "cannot write /dev/full"));
    mock_sink_free(&r.sink);
}

static void comparison(struct reporter_run *r, int fail_second)
{
    struct weir_report_comparison_row rows[] = {
        { .transport = "tcp", .protocol = "TCP", .reliable = 1, .num_streams = 1,
          .seconds = 2, .bytes_sent = 8000, .bytes_received = 7900,
          .sender_bits_per_second = 32000, .receiver_bits_per_second = 31600,
          .has_retransmits = 1, .retransmits = 3, .setup_seconds = 0.00025,
          .host_cpu_total = 50, .has_remote_cpu = 1, .remote_cpu_total = 25 },
        { .transport = "udp", .protocol = "UDP", .datagram = 1, .num_streams = 1,
          .seconds = 2, .bytes_sent = 4000, .bytes_received = 3000,
          .sender_bits_per_second = 16000, .receiver_bits_per_second = 12000,
          .lost_packets = 1, .packets = 4, .lost_percent = 25, .jitter_ms = 0.5,
          .setup_seconds = 0.001, .host_cpu_total = 10 },
    };
    if (fail_second)
        rows[1].error = "unable to connect, \"udp\"";
    struct weir_report_comparison c = {
        .struct_size = sizeof c, .n_rows = 2, .rows = rows,
    };
    CU_ASSERT_EQUAL(r->ops->comparison(r->ctx, &c), WEIR_OK);
}

/* One row per transport from the comparison hook, numbered as its test. */
static void test_csv_comparison(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 2), WEIR_OK);
    connected(&r, "h");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    connected(&r, "h");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "unable to connect, \"udp\""), WEIR_OK);
    mock_sink_reset(&r.sink);
    comparison(&r, 1);
    static const char want[] =
        "1795980325,1,client,h,tcp,upload,comparison,,0.000000,2.000000,2.000000,7900,31600,3,,,,,,,,50.00,25.00,"
        "0.000250,,,,,,,,,,,,,,,,,,,\n"
        "1795980325,2,client,h,udp,upload,comparison,,,,,,,,,,,,,,,,,,"
        "\"unable to connect, \"\"udp\"\"\",,,,,,,,,,,,,,,,,,\n";
    expect_out(&r, want);
    mock_sink_reset(&r.sink);
    comparison(&r, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(reporter_out(&r), "udp,upload,comparison,,0.000000,2.000000,2.000000,3000,12000,,,,0.500,1,4,25.0000,,"
                                                 "10.00,,0.001000,,,,,,,,,,,,,,,,,,,\n"));
    reporter_close(&r);
}

/* ---- --latency (ABI 2.1) ---- */

static const struct weir_report_latency_bucket lat_buckets[] = {
    { 10, 0 }, { 15, 90 }, { 20, 98 },
};

static struct weir_report_latency_stats lat_stats(uint64_t n, double shift, int buckets)
{
    struct weir_report_latency_stats d = {
        .count = n, .min = 10 + shift, .mean = 12.5 + shift, .p50 = 12 + shift, .p90 = 14 + shift,
        .p99 = 20 + shift, .p999 = 30.5 + shift, .max = 31 + shift, .stddev = 1.25,
        .sum = (double)n * (12.5 + shift),
    };
    if (buckets) {
        d.n_buckets = 3;
        d.buckets = lat_buckets;
    }
    return d;
}

static struct weir_report_latency lat_row(int sock, double t0, double t1, int one_way)
{
    struct weir_report_latency l = {
        .socket = sock, .start = t0, .end = t1, .sent = 100, .lost = 1, .missed = 2,
        .rtt = lat_stats(99, 0, sock == 0), .one_way = one_way,
    };
    if (one_way) {
        l.forward = lat_stats(99, -5, sock == 0);
        l.reverse = lat_stats(99, -6.25, sock == 0);
    }
    return l;
}

/* A --latency client test: one probe stream (socket 5), one interval,
 * the end; one-way delays when one_way; --load's summary when w. */
static void sc_latency(struct reporter_run *r, int one_way, const struct weir_report_working_latency *w)
{
    connected(r, "srv");
    struct weir_report_stream st[] = { stream(1, 1) };
    start(r, "udp", st, 1, 0, 0);
    struct weir_report_sample s = of_stream(1, tcp(1, 0, 1, 6400));
    struct weir_report_latency rows[] = { lat_row(5, 0, 1, one_way) }, sum = lat_row(0, 0, 1, one_way);
    struct weir_report_interval iv = {
        .struct_size = sizeof iv, .n_streams = 1, .streams = &s, .sum = tcp(1, 0, 1, 6400),
        .n_latency = 1, .latency = rows, .latency_sum = &sum,
    };
    CU_ASSERT_EQUAL(r->ops->interval(r->ctx, &iv), WEIR_OK);
    struct weir_report_end_stream es[] = { end_stream(1, 1, &s, &s) };
    struct weir_report_end e = {
        .struct_size = sizeof e, .n_streams = 1, .streams = es, .has_peer = 1,
        .sum_sent = s, .sum_received = s, .host_total = 97.5, .remote_total = 36.25,
        .n_latency = 1, .latency = rows, .latency_sum = &sum, .working = w,
    };
    CU_ASSERT_EQUAL(r->ops->test_end(r->ctx, &e), WEIR_OK);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, NULL), WEIR_OK);
}

/* Probe rows after the transfer rows, per stream and summed, in every
 * interval and at the end: round trips with the probe counts, one-way
 * delays (upload, download) without; microseconds to 3 decimals. */
static void test_csv_latency(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_latency(&r, 1, NULL);
    const char *o = strstr(reporter_out(&r), "\n1795980325,1,client,srv,udp,round-trip,latency,");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
#define L1 "1795980325,1,client,srv,udp,"
#define IV ",0.000000,1.000000,1.000000,,,,,,,,,,0,,,,,"
    static const char want[] =
        L1 "round-trip,latency,5" IV "100,99,1,2,10.000,12.500,12.000,14.000,20.000,30.500,31.000,1.250,,,,,,\n"
        L1 "upload,latency,5" IV ",99,,,5.000,7.500,7.000,9.000,15.000,25.500,26.000,1.250,,,,,,\n"
        L1 "download,latency,5" IV ",99,,,3.750,6.250,5.750,7.750,13.750,24.250,24.750,1.250,,,,,,\n"
        L1 "round-trip,latency-sum," IV "100,99,1,2,10.000,12.500,12.000,14.000,20.000,30.500,31.000,1.250,,,,,,\n"
        L1 "upload,latency-sum," IV ",99,,,5.000,7.500,7.000,9.000,15.000,25.500,26.000,1.250,,,,,,\n"
        L1 "download,latency-sum," IV ",99,,,3.750,6.250,5.750,7.750,13.750,24.250,24.750,1.250,,,,,,\n";
    CU_ASSERT_NSTRING_EQUAL(o + 1, want, strlen(want));
    const char *e = strstr(reporter_out(&r), "\n1795980325,1,client,srv,udp,round-trip,end-latency,");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(count_of(e, ",end-latency,5,"), 3);
    CU_ASSERT_EQUAL(count_of(e, ",end-latency-sum,,"), 3);
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), "latency"), 14 + 12);
    reporter_close(&r);

    /* Round trips only: one row each; a span without replies leaves the
     * statistics empty. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_latency(&r, 0, NULL);
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), ",upload,latency"), 0);
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), ",round-trip,"), 4);
    reporter_close(&r);
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    struct weir_report_stream st[] = { stream(1, 1) };
    start(&r, "udp", st, 1, 0, 0);
    struct weir_report_latency none = { .socket = 5, .start = 0, .end = 1, .sent = 3, .lost = 3 };
    struct weir_report_interval iv = {
        .struct_size = sizeof iv, .sum = tcp(1, 0, 1, 0), .n_latency = 1, .latency = &none,
        .latency_sum = &none,
    };
    CU_ASSERT_EQUAL(r.ops->interval(r.ctx, &iv), WEIR_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(reporter_out(&r), ",round-trip,latency,5,0.000000,1.000000,1.000000,,,,,,,,,,0,,,,,"
                                                    "3,0,3,0,,,,,,,,,,,,,,\n"));
    reporter_close(&r);
    /* From a 2.0 weir: the snapshot ends before the latency fields. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    start(&r, "udp", st, 1, 0, 0);
    iv.struct_size = (uint32_t)offsetof(struct weir_report_interval, n_latency);
    CU_ASSERT_EQUAL(r.ops->interval(r.ctx, &iv), WEIR_OK);
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), "round-trip"), 0);
    reporter_close(&r);
#undef L1
#undef IV
}

/* --load: 0.25 s idle, 2 streams each way (--bidir), the loaded round
 * trips 100 us slower. */
static struct weir_report_working_latency working_of(void)
{
    struct weir_report_working_latency w = {
        .load_streams = 2, .load_direction = "both", .idle_seconds = 0.25, .increase_p50 = 100,
        .increase_mean = 100, .rpm = 606.4, .up_bits_per_second = 96.5e6, .down_bits_per_second = 1.5e6,
    };
    w.idle = lat_stats(48, 0, 1);
    w.loaded = lat_stats(197, 100, 1);
    return w;
}

/* After the end-latency rows: the idle and loaded round trips, the
 * increase and RPM on the loaded row, the load's rate each way. */
static void test_csv_working(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    struct weir_report_working_latency w = working_of();
    sc_latency(&r, 0, &w);
    const char *o = strstr(reporter_out(&r), "\n1795980325,1,client,srv,udp,round-trip,working-idle,");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
#define L1 "1795980325,1,client,srv,udp,"
    static const char want[] =
        L1 "round-trip,working-idle,,0.000000,0.250000,0.250000,,,,,,,,,,0,,,,,,48,,,"
           "10.000,12.500,12.000,14.000,20.000,30.500,31.000,1.250,,,,2,,\n"
        L1 "round-trip,working-loaded,,0.250000,1.000000,0.750000,,,,,,,,,,0,,,,,,197,,,"
           "110.000,112.500,112.000,114.000,120.000,130.500,131.000,1.250,100.000,100.000,606,2,,\n"
        L1 "upload,working-load,,0.250000,1.000000,0.750000,,96500000,,,,,,,,0,,,,,,,,,,,,,,,,,,,,2,,\n"
        L1 "download,working-load,,0.250000,1.000000,0.750000,,1500000,,,,,,,,0,,,,,,,,,,,,,,,,,,,,2,,\n";
#undef L1
    if (strcmp(o + 1, want) != 0)
        fprintf(stderr, "\n--- got\n%s", o + 1);
    CU_ASSERT_STRING_EQUAL(o + 1, want);
    reporter_close(&r);

    /* Without idle round trips no increase; an upload has one load row. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    w.idle = (struct weir_report_latency_stats){ 0 };
    w.load_direction = "up";
    sc_latency(&r, 0, &w);
    CU_ASSERT_PTR_NOT_NULL(strstr(reporter_out(&r), ",round-trip,working-idle,,0.000000,0.250000,0.250000,,,,,,,,,,0,"
                                                    ",,,,,0,,,,,,,,,,,,,,2,,\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(reporter_out(&r), ",131.000,1.250,,,606,2,,\n"));
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), ",working-load,"), 1);
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), ",upload,working-load,"), 1);
    reporter_close(&r);
}

/* Comparison rows carry each test's round trips. */
static void test_csv_latency_comparison(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 1), WEIR_OK);
    connected(&r, "h");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    mock_sink_reset(&r.sink);
    struct weir_report_comparison_row row = {
        .transport = "tcp", .protocol = "TCP", .reliable = 1, .num_streams = 1, .seconds = 1,
        .bytes_sent = 6400, .bytes_received = 6400, .sender_bits_per_second = 51200,
        .receiver_bits_per_second = 51200, .setup_seconds = 0.001, .host_cpu_total = 10,
    };
    struct weir_report_latency lat = lat_row(0, 0, 1, 0);
    struct weir_report_comparison c = { .struct_size = sizeof c, .n_rows = 1, .rows = &row, .latency = &lat };
    CU_ASSERT_EQUAL(r.ops->comparison(r.ctx, &c), WEIR_OK);
    expect_out(&r, "1795980325,1,client,h,tcp,upload,comparison,,0.000000,1.000000,1.000000,6400,51200,,,,,,,,,10.00,,"
                   "0.001000,,100,99,1,2,10.000,12.500,12.000,14.000,20.000,30.500,31.000,1.250,,,,,,\n");
    reporter_close(&r);
}

/* --load (ABI 2.3): each comparison row is followed by its test's working
 * rows, kinds comparison-working-*, with the row's time, test and
 * transport (the load's on the inband and load rows); a failed row has
 * none, and a 2.2-sized comparison neither. */
static void csv_working_comparison(struct reporter_run *r, uint32_t struct_size)
{
    struct weir_report_comparison_row rows[] = {
        { .transport = "tcp", .protocol = "TCP", .reliable = 1, .num_streams = 1, .seconds = 1,
          .bytes_sent = 6400, .bytes_received = 6400, .sender_bits_per_second = 51200,
          .receiver_bits_per_second = 51200, .setup_seconds = 0.001, .host_cpu_total = 10 },
        { .transport = "quic", .protocol = "UDP", .error = "unable to connect" },
    };
    struct weir_report_latency lat[] = { lat_row(0, 0, 1, 0), { 0 } };
    struct weir_report_working_latency w[] = { working_of(), { 0 } };
    w[0].load_direction = "up";
    struct weir_report_load l[] = {
        { .struct_size = sizeof l[0], .transport = "tls", .protocol = "TCP", .has_inband = 1,
          .inband = lat_stats(5, 1000, 1) },
        { .struct_size = sizeof l[0] },
    };
    const struct weir_report_load *lp[] = { &l[0], &l[1] };
    struct weir_report_comparison c = { .struct_size = struct_size, .n_rows = 2, .rows = rows, .latency = lat,
                                        .working = w, .load = lp };
    CU_ASSERT_EQUAL(r->ops->comparison(r->ctx, &c), WEIR_OK);
}

static void test_csv_working_comparison(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 2), WEIR_OK);
    connected(&r, "h");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "unable to connect"), WEIR_OK);
    mock_sink_reset(&r.sink);
    csv_working_comparison(&r, sizeof(struct weir_report_comparison));
#define L1 "1795980325,1,client,h,"
    expect_out(&r,
        L1 "tcp,upload,comparison,,0.000000,1.000000,1.000000,6400,51200,,,,,,,,,10.00,,"
           "0.001000,,100,99,1,2,10.000,12.500,12.000,14.000,20.000,30.500,31.000,1.250,,,,,,\n"
        L1 "tcp,round-trip,comparison-working-idle,,0.000000,0.250000,0.250000,,,,,,,,,,0,,,,,,48,,,"
           "10.000,12.500,12.000,14.000,20.000,30.500,31.000,1.250,,,,2,,\n"
        L1 "tcp,round-trip,comparison-working-loaded,,0.250000,1.000000,0.750000,,,,,,,,,,0,,,,,,197,,,"
           "110.000,112.500,112.000,114.000,120.000,130.500,131.000,1.250,100.000,100.000,606,2,,\n"
        L1 "tls,round-trip,comparison-working-inband,,0.250000,1.000000,0.750000,,,,,,,,,,0,,,,,,5,,,"
           "1010.000,1012.500,1012.000,1014.000,1020.000,1030.500,1031.000,1.250,,,,2,,\n"
        L1 "tls,upload,comparison-working-load,,0.250000,1.000000,0.750000,,96500000,,,,,,,,0,,,,,,,,,,,,,,,,,,,,2,,\n"
        "1795980325,2,client,h,quic,upload,comparison,,,,,,,,,,,,,,,,,,unable to connect,,,,,,,,,,,,,,,,,,\n");
#undef L1
    reporter_close(&r);

    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 2), WEIR_OK);
    csv_working_comparison(&r, offsetof(struct weir_report_comparison, working));
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), "working"), 0);
    CU_ASSERT_EQUAL(count_of(reporter_out(&r), ",comparison,"), 2);
    reporter_close(&r);
}

/* ---- transport facts (csv and openmetrics) ---- */

static const struct weir_fact start_facts[] = {
    { "gso", { .type = WEIR_VALUE_BOOL, .v.b = 1 } },
    { "tls.cipher", { .type = WEIR_VALUE_STRING, .v.s = "TLS_AES_128_GCM_SHA256" } },
    { "quic.congestion", { .type = WEIR_VALUE_STRING, .v.s = "cu\"bic,2" } },
    { "quic.handshake_ms", { .type = WEIR_VALUE_DOUBLE, .v.d = 4.25 } },
    { "quic.min_rtt_ms", { .type = WEIR_VALUE_DOUBLE, .v.d = 3.5 } },
    { "stream", { .type = WEIR_VALUE_STRING, .v.s = "not a label" } },
    { "max_pacing_rate", { .type = WEIR_VALUE_UINT, .v.u = 8000 } },
};

/* What a transport's describe_interval says at interval i (0, 1). */
static void interval_facts(struct weir_fact *f, int i)
{
    f[0] = (struct weir_fact){ "quic.packets_lost", { .type = WEIR_VALUE_UINT, .v.u = 3u + (unsigned)i } };
    f[1] = (struct weir_fact){ "quic.cwnd", { .type = WEIR_VALUE_UINT, .v.u = 12000u * (unsigned)(i + 1) } };
    f[2] = (struct weir_fact){ "quic.min_rtt_ms", { .type = WEIR_VALUE_DOUBLE, .v.d = 0.085427 } };
    f[3] = (struct weir_fact){ "quic.pto_count", { .type = WEIR_VALUE_INT, .v.i = -1 } };
    f[4] = (struct weir_fact){ "quic.stream_bytes.4", { .type = WEIR_VALUE_UINT, .v.u = 500u * (unsigned)(i + 1) } };
}

/* A client's quic test, -P 2 -t 2 -i 1: stream 1 described at the start
 * and at each interval, stream 3 not at all. */
static void sc_facts(struct reporter_run *r)
{
    connected(r, "srv");
    struct weir_report_stream st[] = { stream(1, 1), stream(3, 1) };
    st[0].facts = start_facts;
    st[0].n_facts = sizeof start_facts / sizeof start_facts[0];
    start(r, "quic", st, 2, 0, 0);
    for (int i = 0; i < 2; i++) {
        struct weir_fact f[5];
        interval_facts(f, i);
        struct weir_report_sample s[] = {
            of_stream(1, tcp(1, i, i + 1, 1000)), of_stream(3, tcp(1, i, i + 1, 3000)),
        };
        s[0].facts = f;
        s[0].n_facts = 5;
        reporter_interval(r, s, 2, tcp(1, i, i + 1, 4000));
    }
    struct weir_report_sample s1 = tcp(1, 0, 2, 2000), s3 = tcp(1, 0, 2, 6000);
    struct weir_report_end_stream es[] = { end_stream(1, 1, &s1, &s1), end_stream(3, 1, &s3, &s3) };
    end(r, es, 2, tcp(1, 0, 2, 8000), tcp(1, 0, 2, 8000), 1);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, NULL), WEIR_OK);
}

#define F1 "1795980325,1,client,srv,quic,upload,"
#define NONE ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"    /* start .. load_streams empty */
#define IV1 "0.000000,1.000000,1.000000,,,,,,,,,,0,,,,,,,,,,,,,,,,,,,,,"

static void test_csv_facts(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, csv_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_facts(&r);
    const char *o = reporter_out(&r);
    /* The start facts first, in the transport's order, one a row. */
    const char *want_start =
        CSV_HEADER
        F1 "facts,5" NONE "gso,yes\n"
        F1 "facts,5" NONE "tls.cipher,TLS_AES_128_GCM_SHA256\n"
        F1 "facts,5" NONE "quic.congestion,\"cu\"\"bic,2\"\n"
        F1 "facts,5" NONE "quic.handshake_ms,4.25\n"
        F1 "facts,5" NONE "quic.min_rtt_ms,3.5\n"
        F1 "facts,5" NONE "stream,not a label\n"
        F1 "facts,5" NONE "max_pacing_rate,8000\n"
        F1 "interval,5,";
    CU_ASSERT_NSTRING_EQUAL(o, want_start, strlen(want_start));
    /* An interval's facts after its rows, with its span. */
    const char *want_iv =
        F1 "interval-sum,,0.000000,1.000000,1.000000,4000,32000,,,,,,,,0,,,,,,,,,,,,,,,,,,,,,,\n"
        F1 "interval-facts,5," IV1 "quic.packets_lost,3\n"
        F1 "interval-facts,5," IV1 "quic.cwnd,12000\n"
        F1 "interval-facts,5," IV1 "quic.min_rtt_ms,0.085427\n"
        F1 "interval-facts,5," IV1 "quic.pto_count,-1\n"
        F1 "interval-facts,5," IV1 "quic.stream_bytes.4,500\n"
        F1 "interval,5,1.000000,";
    CU_ASSERT_PTR_NOT_NULL(strstr(o, want_iv));
    CU_ASSERT_EQUAL(count_of(o, ",facts,"), 7);
    CU_ASSERT_EQUAL(count_of(o, ",interval-facts,5,"), 10);
    CU_ASSERT_EQUAL(count_of(o, ",interval-facts,7,"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "quic.stream_bytes.4,1000\n"));
    reporter_close(&r);
}

/* ---- openmetrics ---- */

static const char want_om_tcp[] =
    "# HELP weir_test_success 1 if the test ran to its end, 0 if it failed.\n"
    "# TYPE weir_test_success gauge\n"
    "weir_test_success{transport=\"tcp\",peer=\"srv\"} 1\n"
    "# HELP weir_test_start_timestamp_seconds Unix time the test's control connection was made.\n"
    "# TYPE weir_test_start_timestamp_seconds gauge\n"
    "# UNIT weir_test_start_timestamp_seconds seconds\n"
    "weir_test_start_timestamp_seconds{transport=\"tcp\",peer=\"srv\"} 1795980325.25\n"
    "# HELP weir_transferred_bytes Test data over the whole test: sent by the sender or received by the receiver.\n"
    "# TYPE weir_transferred_bytes gauge\n"
    "# UNIT weir_transferred_bytes bytes\n"
    "weir_transferred_bytes{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"5\"} 2000\n"
    "weir_transferred_bytes{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"receiver\",stream=\"5\"} 1900\n"
    "weir_transferred_bytes{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"sum\"} 2000\n"
    "weir_transferred_bytes{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"receiver\",stream=\"sum\"} 1900\n"
    "# HELP weir_throughput_bytes_per_second Average rate over the test as the sender or the receiver measured it.\n"
    "# TYPE weir_throughput_bytes_per_second gauge\n"
    "# UNIT weir_throughput_bytes_per_second bytes_per_second\n"
    "weir_throughput_bytes_per_second{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"5\"} 1000\n"
    "weir_throughput_bytes_per_second{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"receiver\",stream=\"5\"} 950\n"
    "weir_throughput_bytes_per_second{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"sum\"} 1000\n"
    "weir_throughput_bytes_per_second{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"receiver\",stream=\"sum\"} 950\n"
    "# HELP weir_duration_seconds Time the sender or the receiver measured over.\n"
    "# TYPE weir_duration_seconds gauge\n"
    "# UNIT weir_duration_seconds seconds\n"
    "weir_duration_seconds{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"5\"} 2\n"
    "weir_duration_seconds{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"receiver\",stream=\"5\"} 2\n"
    "weir_duration_seconds{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"sum\"} 2\n"
    "weir_duration_seconds{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"receiver\",stream=\"sum\"} 2\n"
    "# HELP weir_retransmits TCP segments the sender retransmitted (quic: packets declared lost).\n"
    "# TYPE weir_retransmits gauge\n"
    "weir_retransmits{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"5\"} 4\n"
    "weir_retransmits{transport=\"tcp\",peer=\"srv\",direction=\"download\",side=\"sender\",stream=\"sum\"} 4\n"
    "# HELP weir_cpu_utilization_ratio CPU time weir used on the client or the server over the test time (1 = one CPU).\n"
    "# TYPE weir_cpu_utilization_ratio gauge\n"
    "# UNIT weir_cpu_utilization_ratio ratio\n"
    "weir_cpu_utilization_ratio{transport=\"tcp\",peer=\"srv\",machine=\"client\"} 0.975\n"
    "weir_cpu_utilization_ratio{transport=\"tcp\",peer=\"srv\",machine=\"server\"} 0.3625\n"
    "# EOF\n";

/* -R client, one TCP stream: download, the server's sender numbers. */
static void sc_om_tcp_reverse(struct reporter_run *r, const char *transport)
{
    connected(r, "srv");
    struct weir_report_stream st[] = { stream(1, 0) };
    start(r, transport, st, 1, 1, 0);
    struct weir_report_sample snd = retr(tcp(0, 0, 2, 2000), 4, 0, 0), rcv = tcp(0, 0, 2, 1900);
    struct weir_report_end_stream es[] = { end_stream(1, 0, &snd, &rcv) };
    end(r, es, 1, snd, rcv, 1);
}

static void test_om_tcp(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_om_tcp_reverse(&r, "tcp");
    CU_ASSERT_EQUAL(r.sink.out_len, 0);     /* nothing before the test is over */
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    expect_out(&r, want_om_tcp);
    reporter_close(&r);
}

/* The family a sample's name belongs to: a histogram's _bucket, _sum and
 * _count samples are its family's (each series has all three). */
static void family_of(const char *text, const char *name, char *family, size_t len)
{
    static const char *const parts[] = { "_bucket", "_sum", "_count" };
    snprintf(family, len, "%s", name);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t n = strlen(name), k = strlen(parts[i]);
        if (n <= k || strcmp(name + n - k, parts[i]) != 0)
            continue;
        char type[160];
        snprintf(type, sizeof type, "# TYPE %.*s histogram\n", (int)(n - k), name);
        if (strstr(text, type) != NULL)
            snprintf(family, len, "%.*s", (int)(n - k), name);
    }
}

/* Every family's HELP once, its samples together, # EOF last. */
static void check_grouped(const char *text)
{
    char *copy = strdup(text), *save = NULL;
    char seen[64][64];
    int n_seen = 0;
    char current[64] = "";
    int eof = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        CU_ASSERT_FALSE(eof);
        if (strcmp(line, "# EOF") == 0) {
            eof = 1;
            continue;
        }
        if (strncmp(line, "# ", 2) == 0)
            continue;
        char sample[64], name[64];
        size_t len = strcspn(line, "{ ");
        snprintf(sample, sizeof sample, "%.*s", (int)len, line);
        family_of(text, sample, name, sizeof name);
        if (strcmp(name, current) == 0)
            continue;
        for (int i = 0; i < n_seen; i++)
            CU_ASSERT_STRING_NOT_EQUAL(seen[i], name);
        if (n_seen < 64)
            snprintf(seen[n_seen++], sizeof seen[0], "%s", name);
        snprintf(current, sizeof current, "%s", name);
        CU_ASSERT_EQUAL(count_of(text, "# HELP "), count_of(text, "# TYPE "));
    }
    CU_ASSERT_TRUE(eof);
    free(copy);
}

/* UDP forward -P 2, label escaping of an odd peer name. */
static void test_om_udp_escaping(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    connected(&r, "a\"b\\c\nd");
    struct weir_report_stream st[] = { stream(1, 1), stream(3, 1) };
    start(&r, "udp", st, 2, 0, 0);
    struct weir_report_sample s1 = udp(1, 0, 2, 4000, 4, 0, 0), r1 = udp(1, 0, 2, 3000, 4, 0.5, 1);
    struct weir_report_end_stream es[] = { end_stream(1, 1, &s1, &r1), end_stream(3, 1, &s1, &r1) };
    end(&r, es, 2, udp(1, 0, 2, 8000, 8, 0, 0), udp(1, 0, 2, 6000, 8, 0.5, 2), 1);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    const char *o = reporter_out(&r);
    check_grouped(o);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_loss_ratio{transport=\"udp\",peer=\"a\\\"b\\\\c\\nd\","
                                     "direction=\"upload\",side=\"receiver\",stream=\"sum\"} 0.25\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_jitter_seconds{transport=\"udp\",peer=\"a\\\"b\\\\c\\nd\","
                                     "direction=\"upload\",side=\"receiver\",stream=\"7\"} 0.0005\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "side=\"sender\",stream=\"sum\"} 8\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_lost_packets{transport=\"udp\",peer=\"a\\\"b\\\\c\\nd\","
                                     "direction=\"upload\",side=\"receiver\",stream=\"sum\"} 2\n"));
    /* Sender series carry no loss, receivers no retransmits. */
    CU_ASSERT_PTR_NULL(strstr(o, "weir_lost_packets{transport=\"udp\",peer=\"a\\\"b\\\\c\\nd\","
                                 "direction=\"upload\",side=\"sender\""));
    CU_ASSERT_PTR_NULL(strstr(o, "weir_retransmits"));
    CU_ASSERT_EQUAL(count_of(o, "# HELP weir_packets "), 1);
    CU_ASSERT_EQUAL(count_of(o, "\nweir_packets{"), 6);
    reporter_close(&r);
}

/* openmetrics:PATH: replaced whole per test, mode from the umask, no
 * temporary left; unwritable places fail at open. */
static void test_om_file(void)
{
    char dir[] = "/tmp/weir-omtest.XXXXXX", path[256];
    temp_dir_and_path(dir, "weir.prom", path, sizeof path);
    mode_t old = umask(027);
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, path, 0), WEIR_OK);
    umask(old);
    CU_ASSERT_EQUAL(dir_entries(dir), 0);   /* the open-time check leaves nothing */
    sc_om_tcp_reverse(&r, "tcp");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    CU_ASSERT_EQUAL(r.sink.out_len, 0);
    char *text = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, want_om_tcp);
    free(text);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
    CU_ASSERT_EQUAL(dir_entries(dir), 1);

    /* The next test replaces the file: it failed, so only the verdict. */
    connected(&r, "srv");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "unable to connect to server"), WEIR_E_NOTIMPL);
    text = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text,
        "# HELP weir_test_success 1 if the test ran to its end, 0 if it failed.\n"
        "# TYPE weir_test_success gauge\n"
        "weir_test_success{peer=\"srv\"} 0\n"
        "# HELP weir_test_start_timestamp_seconds Unix time the test's control connection was made.\n"
        "# TYPE weir_test_start_timestamp_seconds gauge\n"
        "# UNIT weir_test_start_timestamp_seconds seconds\n"
        "weir_test_start_timestamp_seconds{peer=\"srv\"} 1795980325.25\n"
        "# EOF\n");
    free(text);
    CU_ASSERT_EQUAL(dir_entries(dir), 1);
    reporter_close(&r);
    unlink(path);

    /* A directory that goes away after open: the hook that writes fails,
     * saying why. */
    snprintf(path, sizeof path, "%s/sub", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
    strcat(path, "/weir.prom");
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, path, 0), WEIR_OK);
    *strrchr(path, '/') = '\0';
    CU_ASSERT_EQUAL(rmdir(path), 0);
    sc_om_tcp_reverse(&r, "tcp");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_E_LOGFILE);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_LOGFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "sub/weir.prom"));
    reporter_close(&r);

    snprintf(path, sizeof path, "%s/missing/weir.prom", dir);
    CU_ASSERT_EQUAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, path, 0), WEIR_E_LOGFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "missing/weir.prom"));
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "No such file or directory"));
    CU_ASSERT_EQUAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, dir, 0), WEIR_E_LOGFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "is a directory"));
    mock_sink_free(&r.sink);
    CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* A comparison run prints once, after the hook: each transport's series,
 * the rows' verdicts and setup times; a transport tested twice keeps its
 * newest numbers only. */
static void test_om_comparison(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 3), WEIR_OK);
    sc_om_tcp_reverse(&r, "tcp");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    sc_om_tcp_reverse(&r, "udp");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    sc_om_tcp_reverse(&r, "tcp");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    CU_ASSERT_EQUAL(r.sink.out_len, 0);
    comparison(&r, 1);
    const char *o = reporter_out(&r);
    check_grouped(o);
    CU_ASSERT_EQUAL(count_of(o, "# EOF"), 1);
    CU_ASSERT_EQUAL(count_of(o, "\nweir_transferred_bytes{transport=\"tcp\""), 4);
    CU_ASSERT_EQUAL(count_of(o, "\nweir_transferred_bytes{transport=\"udp\""), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_test_success{transport=\"tcp\",peer=\"srv\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_test_success{transport=\"udp\",peer=\"srv\"} 0\n"));
    CU_ASSERT_EQUAL(count_of(o, "weir_test_success{"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_setup_seconds{transport=\"tcp\",peer=\"srv\"} 0.00025\n"));
    CU_ASSERT_EQUAL(count_of(o, "weir_setup_seconds{"), 1);
    CU_ASSERT_EQUAL(count_of(o, "weir_test_start_timestamp_seconds{"), 2);
    reporter_close(&r);

    /* Cut short before the hook: close still prints what there is. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 2), WEIR_OK);
    sc_om_tcp_reverse(&r, "tcp");
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, NULL), WEIR_OK);
    CU_ASSERT_EQUAL(r.sink.out_len, 0);
    CU_ASSERT_EQUAL(r.ops->close(r.ctx), WEIR_OK);
    CU_ASSERT_STRING_EQUAL(reporter_out(&r), want_om_tcp);
    mock_sink_free(&r.sink);
}

/* The latency families: the sum's histogram (buckets as the core gave
 * them, then +Inf, _sum, _count; seconds), gauges per stream and sum. */
static const char want_om_latency[] =
    "# HELP weir_latency_seconds Delays of the latency probes over the test: round trips, and one-way delays when both ends share a clock.\n"
    "# TYPE weir_latency_seconds histogram\n"
    "# UNIT weir_latency_seconds seconds\n"
    "weir_latency_seconds_bucket{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",le=\"1e-05\"} 0\n"
    "weir_latency_seconds_bucket{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",le=\"1.5e-05\"} 90\n"
    "weir_latency_seconds_bucket{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",le=\"2e-05\"} 98\n"
    "weir_latency_seconds_bucket{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",le=\"+Inf\"} 99\n"
    "weir_latency_seconds_sum{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\"} 0.0012375\n"
    "weir_latency_seconds_count{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\"} 99\n"
    "# HELP weir_latency_percentile_seconds Percentiles of the probes' delays (within 1 percent).\n"
    "# TYPE weir_latency_percentile_seconds gauge\n"
    "# UNIT weir_latency_percentile_seconds seconds\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\",percentile=\"50\"} 1.2e-05\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\",percentile=\"90\"} 1.4e-05\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\",percentile=\"99\"} 2e-05\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\",percentile=\"99.9\"} 3.05e-05\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",percentile=\"50\"} 1.2e-05\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",percentile=\"90\"} 1.4e-05\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",percentile=\"99\"} 2e-05\n"
    "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\",percentile=\"99.9\"} 3.05e-05\n"
    "# HELP weir_latency_min_seconds Shortest delay of a probe.\n"
    "# TYPE weir_latency_min_seconds gauge\n"
    "# UNIT weir_latency_min_seconds seconds\n"
    "weir_latency_min_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\"} 1e-05\n"
    "weir_latency_min_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\"} 1e-05\n"
    "# HELP weir_latency_mean_seconds Mean delay of the probes.\n"
    "# TYPE weir_latency_mean_seconds gauge\n"
    "# UNIT weir_latency_mean_seconds seconds\n"
    "weir_latency_mean_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\"} 1.25e-05\n"
    "weir_latency_mean_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\"} 1.25e-05\n"
    "# HELP weir_latency_max_seconds Longest delay of a probe.\n"
    "# TYPE weir_latency_max_seconds gauge\n"
    "# UNIT weir_latency_max_seconds seconds\n"
    "weir_latency_max_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\"} 3.1e-05\n"
    "weir_latency_max_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\"} 3.1e-05\n"
    "# HELP weir_latency_stddev_seconds Standard deviation of the probes' delays.\n"
    "# TYPE weir_latency_stddev_seconds gauge\n"
    "# UNIT weir_latency_stddev_seconds seconds\n"
    "weir_latency_stddev_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\",delay=\"round_trip\"} 1.25e-06\n"
    "weir_latency_stddev_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\"} 1.25e-06\n"
    "# HELP weir_latency_probes_sent Latency probes (requests) sent.\n"
    "# TYPE weir_latency_probes_sent gauge\n"
    "weir_latency_probes_sent{transport=\"udp\",peer=\"srv\",stream=\"5\"} 100\n"
    "weir_latency_probes_sent{transport=\"udp\",peer=\"srv\",stream=\"sum\"} 100\n"
    "# HELP weir_latency_probes_lost Latency probes given up on: no reply within the bound.\n"
    "# TYPE weir_latency_probes_lost gauge\n"
    "weir_latency_probes_lost{transport=\"udp\",peer=\"srv\",stream=\"5\"} 1\n"
    "weir_latency_probes_lost{transport=\"udp\",peer=\"srv\",stream=\"sum\"} 1\n"
    "# EOF\n";

static void test_om_latency(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_latency(&r, 0, NULL);
    const char *o = strstr(reporter_out(&r), "# HELP weir_latency_seconds ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    if (strcmp(o, want_om_latency) != 0)
        fprintf(stderr, "\n--- got\n%s", o);
    CU_ASSERT_STRING_EQUAL(o, want_om_latency);
    check_grouped(reporter_out(&r));
    reporter_close(&r);

    /* One-way delays: a histogram and gauges for each direction. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_latency(&r, 1, NULL);
    o = reporter_out(&r);
    CU_ASSERT_EQUAL(count_of(o, "weir_latency_seconds_bucket{"), 3 * 4);
    CU_ASSERT_EQUAL(count_of(o, "weir_latency_seconds_count{"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"5\","
                                     "delay=\"server_to_client\",percentile=\"50\"} 5.75e-06\n"));
    /* 3 buckets, +Inf, _sum, _count; per stream and sum 4 percentiles, min, mean, max, stddev. */
    CU_ASSERT_EQUAL(count_of(o, "delay=\"client_to_server\""), 6 + 2 * (4 + 4));
    reporter_close(&r);
}

/* --load: the idle and loaded histograms and gauges (phase label), the
 * increase, RPM and the load's rate each way. */
static void test_om_working(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    struct weir_report_working_latency w = working_of();
    sc_latency(&r, 0, &w);
    const char *o = reporter_out(&r);
    /* 3 buckets, +Inf, _sum, _count; 4 percentiles, min, mean, max, stddev. */
    CU_ASSERT_EQUAL(count_of(o, ",phase=\"idle\""), 6 + 8);
    CU_ASSERT_EQUAL(count_of(o, ",phase=\"loaded\""), 6 + 8);
    static const char *const lines[] = {
        "weir_latency_seconds_bucket{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\","
        "phase=\"loaded\",le=\"1.5e-05\"} 90\n",
        "weir_latency_seconds_count{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\","
        "phase=\"idle\"} 48\n",
        "weir_latency_percentile_seconds{transport=\"udp\",peer=\"srv\",stream=\"sum\",delay=\"round_trip\","
        "phase=\"loaded\",percentile=\"50\"} 0.000112\n",
        "# TYPE weir_latency_increase_percentile_seconds gauge\n",
        "weir_latency_increase_percentile_seconds{transport=\"udp\",peer=\"srv\",percentile=\"50\"} 0.0001\n",
        "weir_latency_increase_mean_seconds{transport=\"udp\",peer=\"srv\"} 0.0001\n",
        "# TYPE weir_responsiveness_rpm gauge\n",
        "weir_responsiveness_rpm{transport=\"udp\",peer=\"srv\"} 606.4\n",
        "# UNIT weir_load_throughput_bytes_per_second bytes_per_second\n",
        "weir_load_throughput_bytes_per_second{transport=\"udp\",load_transport=\"udp\",peer=\"srv\",direction=\"upload\"} 12062500\n",
        "weir_load_throughput_bytes_per_second{transport=\"udp\",load_transport=\"udp\",peer=\"srv\",direction=\"download\"} 187500\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (strstr(o, lines[i]) == NULL) {
            fprintf(stderr, "\nmissing: %s", lines[i]);
            CU_FAIL("a working latency line is missing");
        }
    /* The whole test's histogram keeps its series without a phase. */
    CU_ASSERT_EQUAL(count_of(o, "weir_latency_seconds_count{"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_latency_seconds_count{transport=\"udp\",peer=\"srv\",stream=\"sum\","
                                     "delay=\"round_trip\"} 99\n"));
    check_grouped(o);
    reporter_close(&r);

    /* No loaded round trips: no increase, no RPM; an upload's one rate. */
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    w.loaded = (struct weir_report_latency_stats){ 0 };
    w.load_direction = "up";
    sc_latency(&r, 0, &w);
    o = reporter_out(&r);
    CU_ASSERT_EQUAL(count_of(o, "weir_latency_increase"), 0);
    CU_ASSERT_EQUAL(count_of(o, "weir_responsiveness_rpm"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_latency_seconds_count{transport=\"udp\",peer=\"srv\",stream=\"sum\","
                                     "delay=\"round_trip\",phase=\"loaded\"} 0\n"));
    CU_ASSERT_EQUAL(count_of(o, "weir_load_throughput_bytes_per_second{"), 1);
    reporter_close(&r);
}


#define OML "transport=\"quic\",peer=\"srv\",direction=\"upload\",stream=\"5\""

static void test_om_facts(void)
{
    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, om_plugin, WEIR_ROLE_CLIENT, NULL, 0), WEIR_OK);
    sc_facts(&r);
    const char *o = reporter_out(&r);
    check_grouped(o);
    /* Text and yes/no facts as labels of one info series; a fact named as
     * a label of the series' own is left out. */
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "# TYPE weir_stream_info gauge\n"
                                     "weir_stream_info{" OML ",gso=\"yes\","
                                     "tls_cipher=\"TLS_AES_128_GCM_SHA256\","
                                     "quic_congestion=\"cu\\\"bic,2\"} 1\n"));
    CU_ASSERT_EQUAL(count_of(o, "weir_stream_info{"), 1);
    CU_ASSERT_EQUAL(count_of(o, "not a label"), 0);
    /* Numbers in base units, the last interval's over the start's. */
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "# HELP weir_stream_quic_handshake_seconds Transport fact "
                                     "quic.handshake_ms of a stream, in seconds.\n"
                                     "# TYPE weir_stream_quic_handshake_seconds gauge\n"
                                     "# UNIT weir_stream_quic_handshake_seconds seconds\n"
                                     "weir_stream_quic_handshake_seconds{" OML "} 0.00425\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_stream_quic_min_rtt_seconds{" OML "} 8.5427e-05\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_stream_max_pacing_rate_bytes_per_second{" OML "} 1000\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "# UNIT weir_stream_quic_cwnd_bytes bytes\n"
                                     "weir_stream_quic_cwnd_bytes{" OML "} 24000\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "# TYPE weir_stream_quic_packets_lost gauge\n"
                                     "weir_stream_quic_packets_lost{" OML "} 4\n"));
    /* A suffix the formats reserve is dropped; digit parts are a label. */
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_stream_quic_pto{" OML "} -1\n"));
    CU_ASSERT_EQUAL(count_of(o, "pto_count{"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "# HELP weir_stream_quic_stream_bytes Transport fact "
                                     "quic.stream_bytes.N of a stream, in bytes.\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "weir_stream_quic_stream_bytes{" OML ",index=\"4\"} 1000\n"));
    /* Stream 7 said nothing. */
    CU_ASSERT_EQUAL(count_of(o, "weir_stream_info{transport=\"quic\",peer=\"srv\",direction=\"upload\",stream=\"7\""), 0);
    reporter_close(&r);
}

int main(void)
{
    static CU_TestInfo csv_tests[] = {
        { "TCP client -P 2, whole output", test_csv_tcp },
        { "UDP reverse server, two tests", test_csv_udp_server },
        { "RFC 4180 quoting and number precision", test_csv_quoting },
        { "bidir directions", test_csv_bidir },
        { "csv:PATH appends, one header; unopenable path", test_csv_file },
        { "comparison rows", test_csv_comparison },
        { "--latency rows", test_csv_latency },
        { "--latency comparison rows", test_csv_latency_comparison },
        { "--load: working latency rows", test_csv_working },
        { "--load comparison: comparison-working-* rows (2.3)", test_csv_working_comparison },
        { "transport facts as rows", test_csv_facts },
        CU_TEST_INFO_NULL,
    };
    static CU_TestInfo om_tests[] = {
        { "TCP reverse client, whole output", test_om_tcp },
        { "UDP -P 2, grouping and label escaping", test_om_udp_escaping },
        { "openmetrics:PATH atomic replace, mode, errors", test_om_file },
        { "comparison run", test_om_comparison },
        { "--latency histogram and gauges", test_om_latency },
        { "--load: idle and loaded series, increase, RPM, load rate", test_om_working },
        { "transport facts: info series, gauges in base units", test_om_facts },
        CU_TEST_INFO_NULL,
    };
    static CU_SuiteInfo suites[] = {
        { .pName = "csv reporter", .pInitFunc = suite_init, .pTests = csv_tests },
        { .pName = "openmetrics reporter", .pInitFunc = suite_init, .pTests = om_tests },
        CU_SUITE_INFO_NULL,
    };
    return run_suites(suites);
}
