/* The reporter plugins (text, json, json-stream) loaded from their built .so
 * files and fed synthetic snapshots through the mock host.
 *
 * Text: whole outputs are compared byte for byte with iperf3's layouts
 * (captures of iperf3 3.12's output, with the program named "weir"; a
 * stream's sender summary line has 13 spaces after its retransmits, as
 * [SUM]'s, as iperf3 up to 3.18 prints it), so one column off fails.
 * JSON: documents and lines are parsed and their keys, nesting, order and
 * values checked against iperf3 3.12's -J documents (docs/protocol.md §12). */
#include <CUnit/Basic.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reporter_fixture.h"
#include "run_suites.h"

#define KB(x) ((uint64_t)((x) * 1024.0))
#define MB(x) ((uint64_t)((x) * 1048576.0))
#define GB(x) ((uint64_t)((x) * 1073741824.0))

#define SEP "- - - - - - - - - - - - - - - - - - - - - - - - -\n"
#define DASHES "-----------------------------------------------------------\n"
#define REFUSED "unable to connect to server: Connection refused"

static const struct weir_plugin *text_plugin, *json_plugin, *stream_plugin;

static int suite_init(void)
{
    text_plugin = mock_host_load_built("text", "text");
    json_plugin = mock_host_load_built("json", "json");
    stream_plugin = mock_host_load_built("json", "json-stream");
    return text_plugin && json_plugin && stream_plugin ? 0 : -1;
}

/* ---- driving a reporter ---- */

static int run_open_arg(struct reporter_run *r, const struct weir_plugin *p, int role, int verbose,
                        char unit, const char *arg)
{
    struct weir_report_format f = {
        .struct_size = sizeof f, .unit = unit, .verbose = verbose, .role = role,
    };
    return reporter_open(r, p, &f, arg);
}

static void run_open(struct reporter_run *r, const struct weir_plugin *p, int role, int verbose, char unit)
{
    int rc = run_open_arg(r, p, role, verbose, unit, NULL);
    CU_ASSERT_EQUAL_FATAL(rc, WEIR_OK);
}

static struct weir_report_connect connect_of(const struct reporter_run *r, const char *host,
                                             uint16_t port, const char *when)
{
    struct weir_report_connect c = {
        .struct_size = sizeof c,
        .role = r->role,
        .host = host,
        .port = port,
        .version = "weir 0.1.0",
        .system_info = "Linux testhost 6.1.0 #1 SMP x86_64",
        .timestamp = when,
        .timesecs = 1795980325,
        .timemillisecs = 1795980325123,
        .control_mss = 32768,
    };
    return c;
}

static void connected(struct reporter_run *r, const char *host, uint16_t port, const char *when)
{
    struct weir_report_connect c = connect_of(r, host, port, when);
    CU_ASSERT_EQUAL(r->ops->connected(r->ctx, &c), WEIR_OK);
}

/* server_listening is optional: json reporters leave it out. */
static void listening(struct reporter_run *r, uint16_t port, int test_no)
{
    if (r->ops->server_listening != NULL)
        CU_ASSERT_EQUAL(r->ops->server_listening(r->ctx, port, test_no), WEIR_OK);
}

static struct weir_report_stream stream(int sock, int sending, uint16_t lport, uint16_t rport)
{
    struct weir_report_stream s = {
        .id = sock, .socket = sock, .sending = sending,
        .local_host = "127.0.0.1", .local_port = lport,
        .remote_host = "127.0.0.1", .remote_port = rport,
    };
    return s;
}

static struct weir_report_start start_tcp(int role, const struct weir_report_stream *st,
                                          size_t n, int num_streams)
{
    struct weir_report_start s = {
        .struct_size = sizeof s,
        .role = role,
        .host = "127.0.0.1",
        .port = 5299,
        .cookie = "6u2gq6aqwll7boh6loybc6ehyur2ylwft2aw",
        .protocol = "TCP",
        .reliable = 1,
        .tcp_mss_default = role == WEIR_ROLE_CLIENT ? 32768 : 0,
        .sndbuf_actual = 16384,
        .rcvbuf_actual = 131072,
        .num_streams = num_streams,
        .blksize = 131072,
        .duration = 2,
        .interval = 1.0,
        .n_streams = n,
        .streams = st,
    };
    return s;
}

static struct weir_report_start start_udp(int role, const struct weir_report_stream *st,
                                          size_t n, int num_streams)
{
    struct weir_report_start s = start_tcp(role, st, n, num_streams);
    s.protocol = "UDP";
    s.reliable = 0;
    s.datagram = 1;
    s.tcp_mss_default = 0;
    s.blksize = 32768;
    s.target_bitrate = 1048576;
    return s;
}

static struct weir_report_sample tcp(int sock, int sender, double start, double end,
                                     uint64_t bytes, double bps)
{
    struct weir_report_sample s = {
        .socket = sock, .sender = sender, .start = start, .end = end,
        .seconds = end - start, .bytes = bytes, .bits_per_second = bps,
    };
    return s;
}

static struct weir_report_sample retr(struct weir_report_sample s, int64_t n, uint64_t cwnd)
{
    s.has_retransmits = 1;
    s.retransmits = n;
    if (cwnd != 0) {
        s.has_tcpinfo = 1;
        s.snd_cwnd = cwnd;
        s.snd_wnd = 4850688;
        s.rtt = 59;
        s.rttvar = 22;
        s.pmtu = 65535;
    }
    return s;
}

static struct weir_report_sample omitted(struct weir_report_sample s)
{
    s.omitted = 1;
    return s;
}

static struct weir_report_sample udp(int sock, int sender, double start, double end,
                                     uint64_t bytes, double bps, int64_t packets,
                                     double jitter_ms, int64_t lost, double pct)
{
    struct weir_report_sample s = tcp(sock, sender, start, end, bytes, bps);
    s.datagram = 1;
    s.packets = packets;
    s.jitter_ms = jitter_ms;
    s.lost_packets = lost;
    s.lost_percent = pct;
    return s;
}

/* An interval of one stream; its sum is the same numbers under socket 0,
 * without the per-socket TCP info. */
static void single_interval(struct reporter_run *r, struct weir_report_sample st)
{
    struct weir_report_sample sum = st;
    sum.socket = 0;
    sum.has_tcpinfo = 0;
    sum.snd_cwnd = sum.snd_wnd = 0;
    sum.rtt = sum.rttvar = sum.pmtu = 0;
    reporter_interval(r, &st, 1, sum);
}

static void interval_bidir(struct reporter_run *r, const struct weir_report_sample *st, size_t n,
                           struct weir_report_sample sum, struct weir_report_sample rev)
{
    struct weir_report_interval iv = {
        .struct_size = sizeof iv, .n_streams = n, .streams = st, .sum = sum,
        .bidir = 1, .sum_bidir_reverse = rev,
    };
    CU_ASSERT_EQUAL(r->ops->interval(r->ctx, &iv), WEIR_OK);
}

/* Streams here are numbered by their sockets. */
static struct weir_report_end_stream end_stream(int sock, int sending,
                                                const struct weir_report_sample *snd,
                                                const struct weir_report_sample *rcv)
{
    return report_end_stream(sock, sock, sending, snd, rcv);
}

static struct weir_report_end end_of(const struct weir_report_end_stream *st, size_t n,
                                     struct weir_report_sample sent,
                                     struct weir_report_sample received)
{
    struct weir_report_end e = {
        .struct_size = sizeof e, .n_streams = n, .streams = st, .has_peer = 1,
        .sum_sent = sent, .sum_received = received,
        .host_total = 97.43, .host_user = 1.01, .host_system = 96.42,
        .remote_total = 36.71, .remote_user = 1.12, .remote_system = 35.49,
    };
    return e;
}

/* The end of a test seen by the side that only received (a server):
 * nothing sent, and with has_peer 0 no numbers from the other side. */
static struct weir_report_end end_received(const struct weir_report_end_stream *st, size_t n,
                                           struct weir_report_sample received, int has_peer)
{
    struct weir_report_sample none = { 0 };
    struct weir_report_end e = end_of(st, n, none, received);
    e.has_peer = has_peer;
    return e;
}

static void end_and_finish(struct reporter_run *r, const struct weir_report_end *e)
{
    CU_ASSERT_EQUAL(r->ops->test_end(r->ctx, e), WEIR_OK);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, NULL), WEIR_OK);
}

/* ---- scenarios, usable with any reporter ---- */

typedef struct weir_report_start start_fn(int role, const struct weir_report_stream *st, size_t n,
                                          int num_streams);

/* The server's start in the captures: test test_no on 5299,
 * the client's control connection from 48990, one stream from data_port. */
static void server_begin(struct reporter_run *r, int test_no, const char *when, start_fn *start,
                         uint16_t data_port)
{
    listening(r, 5299, test_no);
    connected(r, "127.0.0.1", 48990, when);
    struct weir_report_stream st[] = { stream(5, 0, 5299, data_port) };
    struct weir_report_start s = start(WEIR_ROLE_SERVER, st, 1, 1);
    s.port = 48990;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
}

/* Captured from iperf3 3.12: a TCP client, -t 2. */
static void sc_tcp_client(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 19:25:25 GMT");
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    static const struct weir_fact facts[] = {
        { "transport", { .type = WEIR_VALUE_STRING, .v.s = "tcp" } },
        { "threads", { .type = WEIR_VALUE_UINT, .v.u = 1 } },
    };
    s.n_weir_facts = 2;
    s.weir_facts = facts;
    s.title = "mytitle";
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    single_interval(r, retr(tcp(5, 1, 0, 1.00156, MB(499), 4.18e9), 7, KB(1023)));
    single_interval(r, retr(tcp(5, 1, 1.00156, 2.0, MB(346), 2.90e9), 0, KB(1023)));

    struct weir_report_sample snd = retr(tcp(5, 1, 0, 2.0, MB(845), 3.54e9), 7, 0);
    struct weir_report_sample rcv = tcp(5, 1, 0, 2.0, MB(840), 3.52e9);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &snd, &rcv) };
    es[0].has_tcpinfo = 1;
    es[0].max_snd_cwnd = KB(1023);
    es[0].max_rtt = 59;
    struct weir_report_end e = end_of(es, 1, retr(tcp(0, 1, 0, 2.0, MB(845), 3.54e9), 7, 0),
                                      tcp(0, 1, 0, 2.0, MB(840), 3.52e9));
    e.show_retransmits = 1;
    e.sender_tcp_congestion = "bbr";
    e.receiver_tcp_congestion = "bbr";
    end_and_finish(r, &e);
}

static const char want_tcp_client[] =
    "Connecting to host 127.0.0.1, port 5299\n"
    "[  5] local 127.0.0.1 port 49006 connected to 127.0.0.1 port 5299\n"
    "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n"
    "[  5]   0.00-1.00   sec   499 MBytes  4.18 Gbits/sec    7   1023 KBytes       \n"
    "[  5]   1.00-2.00   sec   346 MBytes  2.90 Gbits/sec    0   1023 KBytes       \n"
    SEP
    "[ ID] Interval           Transfer     Bitrate         Retr\n"
    "[  5]   0.00-2.00   sec   845 MBytes  3.54 Gbits/sec    7             sender\n"
    "[  5]   0.00-2.00   sec   840 MBytes  3.52 Gbits/sec                  receiver\n"
    "\n"
    "weir Done.\n";

/* Captured from iperf3 3.12: the matching server. */
static void sc_tcp_server(struct reporter_run *r)
{
    server_begin(r, 1, "Sun, 29 Nov 2026 19:25:25 GMT", start_tcp, 49006);

    single_interval(r, tcp(5, 0, 0, 1.0, MB(494), 4.14e9));
    single_interval(r, tcp(5, 0, 1.0, 2.0, MB(346), 2.90e9));
    single_interval(r, tcp(5, 0, 2.0, 2.0017, KB(256), 1.18e9));

    struct weir_report_sample rcv = tcp(5, 0, 0, 2.0017, MB(840), 3.52e9);
    struct weir_report_end_stream es[] = { end_stream(5, 0, NULL, &rcv) };
    struct weir_report_end e = end_received(es, 1, tcp(0, 0, 0, 2.0017, MB(840), 3.52e9), 0);
    e.receiver_tcp_congestion = "bbr";
    end_and_finish(r, &e);
}

static const char want_tcp_server[] =
    DASHES
    "Server listening on 5299 (test #1)\n"
    DASHES
    "Accepted connection from 127.0.0.1, port 48990\n"
    "[  5] local 127.0.0.1 port 5299 connected to 127.0.0.1 port 49006\n"
    "[ ID] Interval           Transfer     Bitrate\n"
    "[  5]   0.00-1.00   sec   494 MBytes  4.14 Gbits/sec                  \n"
    "[  5]   1.00-2.00   sec   346 MBytes  2.90 Gbits/sec                  \n"
    "[  5]   2.00-2.00   sec   256 KBytes  1.18 Gbits/sec                  \n"
    SEP
    "[ ID] Interval           Transfer     Bitrate\n"
    "[  5]   0.00-2.00   sec   840 MBytes  3.52 Gbits/sec                  receiver\n";

/* Captured from iperf3 3.12: a TCP reverse client, -R -P 2 -t 2. */
static void sc_reverse_p2(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 19:25:25 GMT");
    struct weir_report_stream st[] = { stream(5, 0, 60448, 5299), stream(7, 0, 60462, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 2, 2);
    s.reverse = 1;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    struct weir_report_sample a[] = { tcp(5, 0, 0, 1, MB(1001), 8.39e9),
                                      tcp(7, 0, 0, 1, MB(986), 8.27e9) };
    reporter_interval(r, a, 2, tcp(0, 0, 0, 1, GB(1.94), 16.7e9));
    struct weir_report_sample b[] = { tcp(5, 0, 1, 2, MB(958), 8.04e9),
                                      tcp(7, 0, 1, 2, MB(938), 7.87e9) };
    reporter_interval(r, b, 2, tcp(0, 0, 1, 2, GB(1.85), 15.9e9));

    struct weir_report_sample s5 = retr(tcp(5, 0, 0, 2, GB(1.92), 8.23e9), 0, 0);
    struct weir_report_sample r5 = tcp(5, 0, 0, 2, GB(1.91), 8.22e9);
    struct weir_report_sample s7 = retr(tcp(7, 0, 0, 2, GB(1.88), 8.08e9), 0, 0);
    struct weir_report_sample r7 = tcp(7, 0, 0, 2, GB(1.88), 8.07e9);
    struct weir_report_end_stream es[] = { end_stream(5, 0, &s5, &r5),
                                           end_stream(7, 0, &s7, &r7) };
    struct weir_report_end e = end_of(es, 2, retr(tcp(0, 0, 0, 2, GB(3.80), 16.3e9), 0, 0),
                                      tcp(0, 0, 0, 2, GB(3.79), 16.3e9));
    e.show_retransmits = 1;
    e.sender_tcp_congestion = "bbr";
    e.receiver_tcp_congestion = "bbr";
    end_and_finish(r, &e);
}

static const char want_reverse_p2[] =
    "Connecting to host 127.0.0.1, port 5299\n"
    "Reverse mode, remote host 127.0.0.1 is sending\n"
    "[  5] local 127.0.0.1 port 60448 connected to 127.0.0.1 port 5299\n"
    "[  7] local 127.0.0.1 port 60462 connected to 127.0.0.1 port 5299\n"
    /* No Retr/Cwnd columns above receiver lines (iperf3 3.12 shows them
     * only when its first interval is printed after the results, -t 1). */
    "[ ID] Interval           Transfer     Bitrate\n"
    "[  5]   0.00-1.00   sec  1001 MBytes  8.39 Gbits/sec                  \n"
    "[  7]   0.00-1.00   sec   986 MBytes  8.27 Gbits/sec                  \n"
    "[SUM]   0.00-1.00   sec  1.94 GBytes  16.7 Gbits/sec                  \n"
    SEP
    "[  5]   1.00-2.00   sec   958 MBytes  8.04 Gbits/sec                  \n"
    "[  7]   1.00-2.00   sec   938 MBytes  7.87 Gbits/sec                  \n"
    "[SUM]   1.00-2.00   sec  1.85 GBytes  15.9 Gbits/sec                  \n"
    SEP
    "[ ID] Interval           Transfer     Bitrate         Retr\n"
    "[  5]   0.00-2.00   sec  1.92 GBytes  8.23 Gbits/sec    0             sender\n"
    "[  5]   0.00-2.00   sec  1.91 GBytes  8.22 Gbits/sec                  receiver\n"
    "[  7]   0.00-2.00   sec  1.88 GBytes  8.08 Gbits/sec    0             sender\n"
    "[  7]   0.00-2.00   sec  1.88 GBytes  8.07 Gbits/sec                  receiver\n"
    "[SUM]   0.00-2.00   sec  3.80 GBytes  16.3 Gbits/sec    0             sender\n"
    "[SUM]   0.00-2.00   sec  3.79 GBytes  16.3 Gbits/sec                  receiver\n"
    "\n"
    "weir Done.\n";

/* Captured from iperf3 3.12: a UDP client, -u -t 2. */
static void sc_udp_client(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 19:27:31 GMT");
    struct weir_report_stream st[] = { stream(5, 1, 34193, 5299) };
    struct weir_report_start s = start_udp(WEIR_ROLE_CLIENT, st, 1, 1);
    s.gso = s.gro = 1;          /* --gsro */
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    for (int i = 0; i < 2; i++)
        single_interval(r, udp(5, 1, i, i + 1, KB(128), 1048576, 4, 0, 0, 0));
    struct weir_report_sample snd = udp(5, 1, 0, 2, KB(256), 1048576, 8, 0, 0, 0);
    struct weir_report_sample rcv = udp(5, 1, 0, 2.0004, KB(256), 1048576, 8, 0.0201, 0, 0);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &snd, &rcv) };
    struct weir_report_end e = end_of(es, 1, snd, rcv);
    e.sum_sent.socket = e.sum_received.socket = 0;
    end_and_finish(r, &e);
}

static const char want_udp_client[] =
    "Connecting to host 127.0.0.1, port 5299\n"
    "[  5] local 127.0.0.1 port 34193 connected to 127.0.0.1 port 5299\n"
    "[ ID] Interval           Transfer     Bitrate         Total Datagrams\n"
    "[  5]   0.00-1.00   sec   128 KBytes  1.05 Mbits/sec  4  \n"
    "[  5]   1.00-2.00   sec   128 KBytes  1.05 Mbits/sec  4  \n"
    SEP
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[  5]   0.00-2.00   sec   256 KBytes  1.05 Mbits/sec  0.000 ms  0/8 (0%)  sender\n"
    "[  5]   0.00-2.00   sec   256 KBytes  1.05 Mbits/sec  0.020 ms  0/8 (0%)  receiver\n"
    "\n"
    "weir Done.\n";

/* Captured from iperf3 3.12: the UDP server of the same test. */
static void sc_udp_server(struct reporter_run *r)
{
    server_begin(r, 2, "Sun, 29 Nov 2026 19:27:31 GMT", start_udp, 34193);

    single_interval(r, udp(5, 0, 0, 1, KB(128), 1048576, 4, 0.0123, 0, 0));
    single_interval(r, udp(5, 0, 1, 2, KB(128), 1048576, 4, 0.0201, 0, 0));

    struct weir_report_sample rcv = udp(5, 0, 0, 2, KB(256), 1048576, 8, 0.0201, 0, 0);
    struct weir_report_end_stream es[] = { end_stream(5, 0, NULL, &rcv) };
    struct weir_report_end e = end_received(es, 1, rcv, 0);
    end_and_finish(r, &e);
}

static const char want_udp_server[] =
    DASHES
    "Server listening on 5299 (test #2)\n"
    DASHES
    "Accepted connection from 127.0.0.1, port 48990\n"
    "[  5] local 127.0.0.1 port 5299 connected to 127.0.0.1 port 34193\n"
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[  5]   0.00-1.00   sec   128 KBytes  1.05 Mbits/sec  0.012 ms  0/4 (0%)  \n"
    "[  5]   1.00-2.00   sec   128 KBytes  1.05 Mbits/sec  0.020 ms  0/4 (0%)  \n"
    SEP
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[  5]   0.00-2.00   sec   256 KBytes  1.05 Mbits/sec  0.020 ms  0/8 (0%)  receiver\n";

/* Captured from iperf3 3.12: a UDP client, -P 2 -b 1M -l 1000 -t 1. */
static void sc_udp_p2(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 19:27:31 GMT");
    struct weir_report_stream st[] = { stream(5, 1, 40001, 5299), stream(7, 1, 40002, 5299) };
    struct weir_report_start s = start_udp(WEIR_ROLE_CLIENT, st, 2, 2);
    s.blksize = 1000;
    s.target_bitrate = 1000000;
    s.duration = 1;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    struct weir_report_sample a[] = { udp(5, 1, 0, 1, 125000, 999960, 125, 0, 0, 0),
                                      udp(7, 1, 0, 1, 125000, 999960, 125, 0, 0, 0) };
    reporter_interval(r, a, 2, udp(0, 1, 0, 1, 250000, 2e6, 250, 0, 0, 0));

    struct weir_report_sample s5 = a[0], s7 = a[1];
    struct weir_report_sample r5 = udp(5, 1, 0, 1, 125000, 999400, 125, 0.021, 0, 0);
    struct weir_report_sample r7 = udp(7, 1, 0, 1, 125000, 999400, 125, 0.020, 0, 0);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &s5, &r5),
                                           end_stream(7, 1, &s7, &r7) };
    struct weir_report_end e = end_of(es, 2, udp(0, 1, 0, 1, 250000, 2e6, 250, 0, 0, 0),
                                      udp(0, 1, 0, 1, 250000, 1.9988e6, 250, 0.0203, 0, 0));
    end_and_finish(r, &e);
}

static const char want_udp_p2[] =
    "Connecting to host 127.0.0.1, port 5299\n"
    "[  5] local 127.0.0.1 port 40001 connected to 127.0.0.1 port 5299\n"
    "[  7] local 127.0.0.1 port 40002 connected to 127.0.0.1 port 5299\n"
    "[ ID] Interval           Transfer     Bitrate         Total Datagrams\n"
    "[  5]   0.00-1.00   sec   122 KBytes  1000 Kbits/sec  125  \n"
    "[  7]   0.00-1.00   sec   122 KBytes  1000 Kbits/sec  125  \n"
    "[SUM]   0.00-1.00   sec   244 KBytes  2.00 Mbits/sec  250  \n"
    SEP
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[  5]   0.00-1.00   sec   122 KBytes  1000 Kbits/sec  0.000 ms  0/125 (0%)  sender\n"
    "[  5]   0.00-1.00   sec   122 KBytes   999 Kbits/sec  0.021 ms  0/125 (0%)  receiver\n"
    "[  7]   0.00-1.00   sec   122 KBytes  1000 Kbits/sec  0.000 ms  0/125 (0%)  sender\n"
    "[  7]   0.00-1.00   sec   122 KBytes   999 Kbits/sec  0.020 ms  0/125 (0%)  receiver\n"
    "[SUM]   0.00-1.00   sec   244 KBytes  2.00 Mbits/sec  0.000 ms  0/250 (0%)  sender\n"
    "[SUM]   0.00-1.00   sec   244 KBytes  2.00 Mbits/sec  0.020 ms  0/250 (0%)  receiver\n"
    "\n"
    "weir Done.\n";

/* Captured from iperf3 3.12: a client, --bidir -P 2 -t 1; the summary's
 * elided lines follow the same layout. */
static void sc_bidir_p2(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 19:25:25 GMT");
    struct weir_report_stream st[] = { stream(5, 1, 50001, 5299), stream(7, 1, 50002, 5299),
                                       stream(9, 0, 50003, 5299), stream(12, 0, 50004, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 4, 2);
    s.bidir = 1;
    s.duration = 1;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    struct weir_report_sample a[] = {
        retr(tcp(5, 1, 0, 1, MB(337), 2.83e9), 0, KB(1023)),
        retr(tcp(7, 1, 0, 1, MB(335), 2.81e9), 0, KB(1023)),
        tcp(9, 0, 0, 1, MB(630), 5.29e9),
        tcp(12, 0, 0, 1, MB(616), 5.17e9),
    };
    interval_bidir(r, a, 4, retr(tcp(0, 1, 0, 1, MB(672), 5.64e9), 0, 0),
                   tcp(0, 0, 0, 1, GB(1.22), 10.5e9));

    struct weir_report_sample s5 = retr(tcp(5, 1, 0, 1, MB(337), 2.83e9), 0, 0);
    struct weir_report_sample r5 = tcp(5, 1, 0, 1.0072, MB(332), 2.77e9);
    struct weir_report_sample s7 = retr(tcp(7, 1, 0, 1, MB(335), 2.81e9), 0, 0);
    struct weir_report_sample r7 = tcp(7, 1, 0, 1.0072, MB(330), 2.76e9);
    struct weir_report_sample s9 = retr(tcp(9, 0, 0, 1, MB(640), 5.37e9), 0, 0);
    struct weir_report_sample r9 = tcp(9, 0, 0, 1.0072, MB(630), 5.24e9);
    struct weir_report_sample s12 = retr(tcp(12, 0, 0, 1, MB(626), 5.25e9), 1, 0);
    struct weir_report_sample r12 = tcp(12, 0, 0, 1.0072, MB(616), 5.12e9);
    struct weir_report_end_stream es[] = {
        end_stream(5, 1, &s5, &r5), end_stream(7, 1, &s7, &r7),
        end_stream(9, 0, &s9, &r9), end_stream(12, 0, &s12, &r12),
    };
    struct weir_report_end e = end_of(es, 4, retr(tcp(0, 1, 0, 1, MB(672), 5.64e9), 0, 0),
                                      tcp(0, 1, 0, 1.0072, MB(662), 5.53e9));
    e.bidir = 1;
    e.sum_sent_bidir_reverse = retr(tcp(0, 0, 0, 1, GB(1.24), 10.6e9), 1, 0);
    e.sum_received_bidir_reverse = tcp(0, 0, 0, 1.0072, GB(1.22), 10.4e9);
    e.show_retransmits = 1;
    end_and_finish(r, &e);
}

static const char want_bidir_p2[] =
    "Connecting to host 127.0.0.1, port 5299\n"
    "[  5] local 127.0.0.1 port 50001 connected to 127.0.0.1 port 5299\n"
    "[  7] local 127.0.0.1 port 50002 connected to 127.0.0.1 port 5299\n"
    "[  9] local 127.0.0.1 port 50003 connected to 127.0.0.1 port 5299\n"
    "[ 12] local 127.0.0.1 port 50004 connected to 127.0.0.1 port 5299\n"
    "[ ID][Role] Interval           Transfer     Bitrate         Retr  Cwnd\n"
    "[  5][TX-C]   0.00-1.00   sec   337 MBytes  2.83 Gbits/sec    0   1023 KBytes       \n"
    "[  7][TX-C]   0.00-1.00   sec   335 MBytes  2.81 Gbits/sec    0   1023 KBytes       \n"
    "[SUM][TX-C]   0.00-1.00   sec   672 MBytes  5.64 Gbits/sec    0             \n"
    "[  9][RX-C]   0.00-1.00   sec   630 MBytes  5.29 Gbits/sec                  \n"
    "[ 12][RX-C]   0.00-1.00   sec   616 MBytes  5.17 Gbits/sec                  \n"
    "[SUM][RX-C]   0.00-1.00   sec  1.22 GBytes  10.5 Gbits/sec                  \n"
    SEP
    "[ ID][Role] Interval           Transfer     Bitrate         Retr\n"
    "[  5][TX-C]   0.00-1.00   sec   337 MBytes  2.83 Gbits/sec    0             sender\n"
    "[  5][TX-C]   0.00-1.01   sec   332 MBytes  2.77 Gbits/sec                  receiver\n"
    "[  7][TX-C]   0.00-1.00   sec   335 MBytes  2.81 Gbits/sec    0             sender\n"
    "[  7][TX-C]   0.00-1.01   sec   330 MBytes  2.76 Gbits/sec                  receiver\n"
    "[SUM][TX-C]   0.00-1.00   sec   672 MBytes  5.64 Gbits/sec    0             sender\n"
    "[SUM][TX-C]   0.00-1.01   sec   662 MBytes  5.53 Gbits/sec                  receiver\n"
    "[  9][RX-C]   0.00-1.00   sec   640 MBytes  5.37 Gbits/sec    0             sender\n"
    "[  9][RX-C]   0.00-1.01   sec   630 MBytes  5.24 Gbits/sec                  receiver\n"
    "[ 12][RX-C]   0.00-1.00   sec   626 MBytes  5.25 Gbits/sec    1             sender\n"
    "[ 12][RX-C]   0.00-1.01   sec   616 MBytes  5.12 Gbits/sec                  receiver\n"
    "[SUM][RX-C]   0.00-1.00   sec  1.24 GBytes  10.6 Gbits/sec    1             sender\n"
    "[SUM][RX-C]   0.00-1.01   sec  1.22 GBytes  10.4 Gbits/sec                  receiver\n"
    "\n"
    "weir Done.\n";

/* Captured from iperf3 3.12 -s -V with a --bidir -P 2 client: server role
 * tags, per-direction -V lines, "not available" lines. */
static void sc_bidir_server_verbose(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 53700, "Sun, 29 Nov 2026 20:38:10 GMT");
    struct weir_report_stream st[] = { stream(5, 0, 5399, 53710), stream(8, 0, 5399, 53722),
                                       stream(11, 1, 5399, 53734), stream(13, 1, 5399, 53746) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_SERVER, st, 4, 2);
    s.cookie = "4cp4dk3kr4orccwjmvr22j2fdbap6jkvuh22";
    s.bidir = 1;
    s.duration = 1;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    struct weir_report_sample a[] = {
        tcp(5, 0, 0, 1, GB(1.09), 9.40e9),
        tcp(8, 0, 0, 1, GB(1.09), 9.40e9),
        retr(tcp(11, 1, 0, 1, MB(115), 965e6), 0, KB(895)),
        retr(tcp(13, 1, 0, 1, MB(115), 965e6), 0, KB(895)),
    };
    interval_bidir(r, a, 4, tcp(0, 0, 0, 1, GB(2.19), 18.8e9),
                   retr(tcp(0, 1, 0, 1, MB(230), 1.93e9), 0, 0));
    struct weir_report_sample b[] = {
        tcp(5, 0, 1, 1.0019, MB(2.12), 8.90e9),
        tcp(8, 0, 1, 1.0019, MB(2.25), 9.44e9),
        retr(tcp(11, 1, 1, 1.0019, 0, 0), 0, KB(895)),
        retr(tcp(13, 1, 1, 1.0019, MB(1.25), 5.25e9), 0, KB(895)),
    };
    interval_bidir(r, b, 4, tcp(0, 0, 1, 1.0019, MB(4.38), 18.3e9),
                   retr(tcp(0, 1, 1, 1.0019, MB(1.25), 5.23e9), 0, 0));

    struct weir_report_sample r5 = tcp(5, 0, 0, 1, GB(1.10), 9.40e9);
    struct weir_report_sample r8 = tcp(8, 0, 0, 1, GB(1.10), 9.40e9);
    struct weir_report_sample s11 = retr(tcp(11, 1, 0, 1, MB(115), 963e6), 0, 0);
    struct weir_report_sample s13 = retr(tcp(13, 1, 0, 1, MB(116), 973e6), 0, 0);
    struct weir_report_end_stream es[] = {
        end_stream(5, 0, NULL, &r5), end_stream(8, 0, NULL, &r8),
        end_stream(11, 1, &s11, NULL), end_stream(13, 1, &s13, NULL),
    };
    struct weir_report_end e = end_received(es, 4, tcp(0, 0, 0, 1, GB(2.19), 18.8e9), 0);
    e.bidir = 1;
    e.sum_sent_bidir_reverse = retr(tcp(0, 1, 0, 1, MB(231), 1.94e9), 0, 0);
    e.show_retransmits = 1;
    e.host_total = 41.83;
    e.host_user = 0.44;
    e.host_system = 41.31;
    e.remote_total = e.remote_user = e.remote_system = 0;
    e.sender_tcp_congestion = "bbr";
    e.receiver_tcp_congestion = "bbr";
    end_and_finish(r, &e);
}

static const char want_bidir_server_verbose[] =
    "Time: Sun, 29 Nov 2026 20:38:10 GMT\n"
    "Accepted connection from 127.0.0.1, port 53700\n"
    "      Cookie: 4cp4dk3kr4orccwjmvr22j2fdbap6jkvuh22\n"
    "      TCP MSS: 0 (default)\n"
    "[  5] local 127.0.0.1 port 5399 connected to 127.0.0.1 port 53710\n"
    "[  8] local 127.0.0.1 port 5399 connected to 127.0.0.1 port 53722\n"
    "[ 11] local 127.0.0.1 port 5399 connected to 127.0.0.1 port 53734\n"
    "[ 13] local 127.0.0.1 port 5399 connected to 127.0.0.1 port 53746\n"
    "Starting Test: protocol: TCP, 2 streams, 131072 byte blocks, omitting 0 seconds, 1 second test, tos 0\n"
    "[ ID][Role] Interval           Transfer     Bitrate         Retr  Cwnd\n"
    "[  5][RX-S]   0.00-1.00   sec  1.09 GBytes  9.40 Gbits/sec                  \n"
    "[  8][RX-S]   0.00-1.00   sec  1.09 GBytes  9.40 Gbits/sec                  \n"
    "[SUM][RX-S]   0.00-1.00   sec  2.19 GBytes  18.8 Gbits/sec                  \n"
    "[ 11][TX-S]   0.00-1.00   sec   115 MBytes   965 Mbits/sec    0    895 KBytes       \n"
    "[ 13][TX-S]   0.00-1.00   sec   115 MBytes   965 Mbits/sec    0    895 KBytes       \n"
    "[SUM][TX-S]   0.00-1.00   sec   230 MBytes  1.93 Gbits/sec    0             \n"
    SEP
    "[  5][RX-S]   1.00-1.00   sec  2.12 MBytes  8.90 Gbits/sec                  \n"
    "[  8][RX-S]   1.00-1.00   sec  2.25 MBytes  9.44 Gbits/sec                  \n"
    "[SUM][RX-S]   1.00-1.00   sec  4.38 MBytes  18.3 Gbits/sec                  \n"
    "[ 11][TX-S]   1.00-1.00   sec  0.00 Bytes  0.00 bits/sec    0    895 KBytes       \n"
    "[ 13][TX-S]   1.00-1.00   sec  1.25 MBytes  5.25 Gbits/sec    0    895 KBytes       \n"
    "[SUM][TX-S]   1.00-1.00   sec  1.25 MBytes  5.23 Gbits/sec    0             \n"
    SEP
    "Test Complete. Summary Results:\n"
    "[ ID][Role] Interval           Transfer     Bitrate         Retr\n"
    "[  5] (sender statistics not available)\n"
    "[  5][RX-S]   0.00-1.00   sec  1.10 GBytes  9.40 Gbits/sec                  receiver\n"
    "[  8] (sender statistics not available)\n"
    "[  8][RX-S]   0.00-1.00   sec  1.10 GBytes  9.40 Gbits/sec                  receiver\n"
    "[SUM] (sender statistics not available)\n"
    "[SUM][RX-S]   0.00-1.00   sec  2.19 GBytes  18.8 Gbits/sec                  receiver\n"
    "rcv_tcp_congestion bbr\n"
    "[ 11][TX-S]   0.00-1.00   sec   115 MBytes   963 Mbits/sec    0             sender\n"
    "[ 11] (receiver statistics not available)\n"
    "[ 13][TX-S]   0.00-1.00   sec   116 MBytes   973 Mbits/sec    0             sender\n"
    "[ 13] (receiver statistics not available)\n"
    "[SUM][TX-S]   0.00-1.00   sec   231 MBytes  1.94 Gbits/sec    0             sender\n"
    "[SUM] (receiver statistics not available)\n"
    "CPU Utilization: local/sender 41.8% (0.4%u/41.3%s), remote/receiver 0.0% (0.0%u/0.0%s)\n"
    "CPU Utilization: local/receiver 41.8% (0.4%u/41.3%s), remote/sender 0.0% (0.0%u/0.0%s)\n"
    "snd_tcp_congestion bbr\n";

/* Captured from iperf3 3.12 -c -V -t 2. */
static void sc_tcp_client_verbose(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 5399, "Sun, 29 Nov 2026 20:37:30 GMT");
    struct weir_report_stream st[] = { stream(5, 1, 59626, 5399) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    s.cookie = "yecegmp6bpvkpxzayoivvhb5uzlkwwez2q4b";
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    single_interval(r, retr(tcp(5, 1, 0, 1, GB(2.26), 19.4e9), 10, MB(1.12)));
    single_interval(r, retr(tcp(5, 1, 1, 2, GB(2.23), 19.2e9), 20, KB(767)));

    struct weir_report_sample snd = retr(tcp(5, 1, 0, 2, GB(4.49), 19.3e9), 30, 0);
    struct weir_report_sample rcv = tcp(5, 1, 0, 2, GB(4.49), 19.3e9);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &snd, &rcv) };
    struct weir_report_end e = end_of(es, 1, snd, rcv);
    e.show_retransmits = 1;
    e.sender_tcp_congestion = "bbr";
    e.receiver_tcp_congestion = "bbr";
    end_and_finish(r, &e);
}

static const char want_tcp_client_verbose[] =
    "weir 0.1.0\n"
    "Linux testhost 6.1.0 #1 SMP x86_64\n"
    "Control connection MSS 32768\n"
    "Time: Sun, 29 Nov 2026 20:37:30 GMT\n"
    "Connecting to host 127.0.0.1, port 5399\n"
    "      Cookie: yecegmp6bpvkpxzayoivvhb5uzlkwwez2q4b\n"
    "      TCP MSS: 32768 (default)\n"
    "[  5] local 127.0.0.1 port 59626 connected to 127.0.0.1 port 5399\n"
    "Starting Test: protocol: TCP, 1 streams, 131072 byte blocks, omitting 0 seconds, 2 second test, tos 0\n"
    "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n"
    "[  5]   0.00-1.00   sec  2.26 GBytes  19.4 Gbits/sec   10   1.12 MBytes       \n"
    "[  5]   1.00-2.00   sec  2.23 GBytes  19.2 Gbits/sec   20    767 KBytes       \n"
    SEP
    "Test Complete. Summary Results:\n"
    "[ ID] Interval           Transfer     Bitrate         Retr\n"
    "[  5]   0.00-2.00   sec  4.49 GBytes  19.3 Gbits/sec   30             sender\n"
    "[  5]   0.00-2.00   sec  4.49 GBytes  19.3 Gbits/sec                  receiver\n"
    "CPU Utilization: local/sender 97.4% (1.0%u/96.4%s), remote/receiver 36.7% (1.1%u/35.5%s)\n"
    "snd_tcp_congestion bbr\n"
    "rcv_tcp_congestion bbr\n"
    "\n"
    "weir Done.\n";

/* Captured from iperf3 3.12 -c -u -V -t 1 (no -l): the block size taken
 * from the control connection's MSS is announced after it. */
static void sc_udp_client_verbose(struct reporter_run *r)
{
    struct weir_report_connect c = connect_of(r, "127.0.0.1", 5299, "Sun, 06 Dec 2026 03:50:47 GMT");
    c.chosen_blksize = 32768;
    CU_ASSERT_EQUAL(r->ops->connected(r->ctx, &c), WEIR_OK);
    struct weir_report_stream st[] = { stream(5, 1, 42879, 5299) };
    struct weir_report_start s = start_udp(WEIR_ROLE_CLIENT, st, 1, 1);
    s.cookie = "iwqqq4iilxdel572ntutqdmscbjt4ha65dmm";
    s.duration = 1;
    s.target_bitrate = 10000000;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
    single_interval(r, udp(5, 1, 0, 1, KB(1248), 10.2e6, 39, 0, 0, 0));
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, "interrupted for the test"), WEIR_OK);
}

static const char want_udp_client_verbose[] =
    "weir 0.1.0\n"
    "Linux testhost 6.1.0 #1 SMP x86_64\n"
    "Control connection MSS 32768\n"
    "Setting UDP block size to 32768\n"
    "Time: Sun, 06 Dec 2026 03:50:47 GMT\n"
    "Connecting to host 127.0.0.1, port 5299\n"
    "      Cookie: iwqqq4iilxdel572ntutqdmscbjt4ha65dmm\n"
    "      Target Bitrate: 10000000\n"
    "[  5] local 127.0.0.1 port 42879 connected to 127.0.0.1 port 5299\n"
    "Starting Test: protocol: UDP, 1 streams, 32768 byte blocks, omitting 0 seconds, 1 second test, tos 0\n"
    "[ ID] Interval           Transfer     Bitrate         Total Datagrams\n"
    "[  5]   0.00-1.00   sec  1.22 MBytes  10.2 Mbits/sec  39  \n";

/* Captured from iperf3 3.12 -s -V with a UDP client: -V start lines for a
 * rate-limited test, "not available" for the sender side. */
static void sc_udp_server_verbose(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 44574, "Sun, 29 Nov 2026 20:37:48 GMT");
    struct weir_report_stream st[] = { stream(5, 0, 5399, 56714) };
    struct weir_report_start s = start_udp(WEIR_ROLE_SERVER, st, 1, 1);
    s.cookie = "ro2bh5s7fyn3rct53uxi556u5mx5oqr57xqw";
    s.blksize = 1000;
    s.duration = 1;
    s.target_bitrate = 1000000;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    struct weir_report_sample a = udp(5, 0, 0, 1, 125000, 999960, 125, 0.0251, 0, 0);
    reporter_interval(r, &a, 1, a);
    struct weir_report_sample rcv = udp(5, 0, 0, 1, 125000, 999400, 125, 0.0251, 0, 0);
    struct weir_report_end_stream es[] = { end_stream(5, 0, NULL, &rcv) };
    struct weir_report_end e = end_received(es, 1, rcv, 0);
    end_and_finish(r, &e);
}

static const char want_udp_server_verbose[] =
    "Time: Sun, 29 Nov 2026 20:37:48 GMT\n"
    "Accepted connection from 127.0.0.1, port 44574\n"
    "      Cookie: ro2bh5s7fyn3rct53uxi556u5mx5oqr57xqw\n"
    "      Target Bitrate: 1000000\n"
    "[  5] local 127.0.0.1 port 5399 connected to 127.0.0.1 port 56714\n"
    "Starting Test: protocol: UDP, 1 streams, 1000 byte blocks, omitting 0 seconds, 1 second test, tos 0\n"
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[  5]   0.00-1.00   sec   122 KBytes  1000 Kbits/sec  0.025 ms  0/125 (0%)  \n"
    SEP
    "Test Complete. Summary Results:\n"
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[  5] (sender statistics not available)\n"
    "[  5]   0.00-1.00   sec   122 KBytes   999 Kbits/sec  0.025 ms  0/125 (0%)  receiver\n";

/* Captured from iperf3 3.12 -O 1 -t 1: the omitted interval on both sides. */
static void sc_omit(struct reporter_run *r)
{
    int client = r->role == WEIR_ROLE_CLIENT;
    connected(r, "127.0.0.1", client ? 5299 : 53754, "Sun, 29 Nov 2026 20:38:12 GMT");
    struct weir_report_stream st[] = { stream(5, client, client ? 53766 : 5299,
                                              client ? 5299 : 53766) };
    struct weir_report_start s = start_tcp(r->role, st, 1, 1);
    s.omit = 1;
    s.duration = 1;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);

    struct weir_report_sample a = tcp(5, client, 0, 1, GB(2.22), 19.0e9);
    struct weir_report_sample b = tcp(5, client, 0, 1, GB(2.24), 19.3e9);
    if (client) {
        a = retr(a, 8, KB(1023));
        b = retr(b, 10, MB(1.12));
    }
    a = omitted(a);
    reporter_interval(r, &a, 1, a);
    reporter_interval(r, &b, 1, b);
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, "interrupted for the test"), WEIR_OK);
}

static const char want_omit_client[] =
    "Connecting to host 127.0.0.1, port 5299\n"
    "[  5] local 127.0.0.1 port 53766 connected to 127.0.0.1 port 5299\n"
    "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n"
    "[  5]   0.00-1.00   sec  2.22 GBytes  19.0 Gbits/sec    8   1023 KBytes       (omitted)\n"
    "[  5]   0.00-1.00   sec  2.24 GBytes  19.3 Gbits/sec   10   1.12 MBytes       \n";

static const char want_omit_server[] =
    "Accepted connection from 127.0.0.1, port 53754\n"
    "[  5] local 127.0.0.1 port 5299 connected to 127.0.0.1 port 53766\n"
    "[ ID] Interval           Transfer     Bitrate\n"
    "[  5]   0.00-1.00   sec  2.22 GBytes  19.0 Gbits/sec                  (omitted)\n"
    "[  5]   0.00-1.00   sec  2.24 GBytes  19.3 Gbits/sec                  \n";

/* Captured from iperf3 3.12: a server that saw one lost and one reordered
 * datagram (docs/protocol.md §7.5). */
static void sc_udp_out_of_order(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 48000, "Sun, 29 Nov 2026 20:40:00 GMT");
    struct weir_report_stream st[] = { stream(5, 0, 5299, 48001) };
    struct weir_report_start s = start_udp(WEIR_ROLE_SERVER, st, 1, 1);
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
    struct weir_report_sample a = udp(5, 0, 0, 0.2817, 800, 22.7e3, 9, 0.0091, 1, 100.0 / 9);
    reporter_interval(r, &a, 1, a);
    struct weir_report_sample rcv = a;
    rcv.out_of_order = 1;
    struct weir_report_end_stream es[] = { end_stream(5, 0, NULL, &rcv) };
    struct weir_report_end e = end_received(es, 1, rcv, 1);
    end_and_finish(r, &e);
}

static const char want_udp_out_of_order[] =
    "Accepted connection from 127.0.0.1, port 48000\n"
    "[  5] local 127.0.0.1 port 5299 connected to 127.0.0.1 port 48001\n"
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[  5]   0.00-0.28   sec   800 Bytes  22.7 Kbits/sec  0.009 ms  1/9 (11%)  \n"
    SEP
    "[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n"
    "[SUM]  0.0- 0.3 sec  1 datagrams received out-of-order\n"
    "[  5]   0.00-0.28   sec   800 Bytes  22.7 Kbits/sec  0.009 ms  1/9 (11%)  receiver\n";

/* The test never got going: no connection, or a busy server. */
static void sc_refused(struct reporter_run *r)
{
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, REFUSED), WEIR_OK);
}

static void sc_busy_after_connect(struct reporter_run *r)
{
    connected(r, "192.0.2.1", 5201, "Sun, 29 Nov 2026 20:40:00 GMT");
    CU_ASSERT_EQUAL(r->ops->test_finish(r->ctx, "the server is busy running a test. try again later"), WEIR_OK);
}

/* ---- text assertions ---- */

/* Exact comparison; on a mismatch shows the first differing line with its
 * line ends marked, so a trailing-space error is visible. */
static void expect_text(const char *got, const char *want, const char *what)
{
    if (got == NULL)
        got = "";
    if (strcmp(got, want) != 0) {
        const char *g = got, *w = want;
        int line = 1;
        while (*g && *w) {
            const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
            size_t gl = ge ? (size_t)(ge - g) : strlen(g);
            size_t wl = we ? (size_t)(we - w) : strlen(w);
            if (gl != wl || memcmp(g, w, gl) != 0) {
                fprintf(stderr, "\n%s: line %d differs\n  want |%.*s|\n  got  |%.*s|\n", what,
                        line, (int)wl, w, (int)gl, g);
                break;
            }
            g += gl + (ge != NULL);
            w += wl + (we != NULL);
            line++;
        }
        if (!*g || !*w)
            fprintf(stderr, "\n%s: output differs in length at line %d\n", what, line);
    }
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void text_case(void (*scenario)(struct reporter_run *), int role, int verbose, const char *want,
                      const char *what)
{
    struct reporter_run r;
    run_open(&r, text_plugin, role, verbose, 'a');
    scenario(&r);
    expect_text(r.sink.out, want, what);
    reporter_close(&r);
}

static void test_text_tcp_client(void)
{
    text_case(sc_tcp_client, WEIR_ROLE_CLIENT, 0, want_tcp_client, "tcp client");
}

static void test_text_tcp_server(void)
{
    text_case(sc_tcp_server, WEIR_ROLE_SERVER, 0, want_tcp_server, "tcp server");
}

static void test_text_reverse_parallel(void)
{
    text_case(sc_reverse_p2, WEIR_ROLE_CLIENT, 0, want_reverse_p2, "reverse -P 2");
}

static void test_text_udp(void)
{
    text_case(sc_udp_client, WEIR_ROLE_CLIENT, 0, want_udp_client, "udp client");
    text_case(sc_udp_server, WEIR_ROLE_SERVER, 0, want_udp_server, "udp server");
    text_case(sc_udp_p2, WEIR_ROLE_CLIENT, 0, want_udp_p2, "udp -P 2");
    text_case(sc_udp_out_of_order, WEIR_ROLE_SERVER, 0, want_udp_out_of_order,
              "udp out of order");
}

static void test_text_bidir(void)
{
    text_case(sc_bidir_p2, WEIR_ROLE_CLIENT, 0, want_bidir_p2, "bidir -P 2 client");
    text_case(sc_bidir_server_verbose, WEIR_ROLE_SERVER, 1, want_bidir_server_verbose,
              "bidir -P 2 server -V");
}

static void test_text_omitted(void)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    sc_omit(&r);
    expect_text(r.sink.out, want_omit_client, "omit client");
    expect_text(r.sink.err, "weir: error - interrupted for the test\n", "omit client stderr");
    reporter_close(&r);
    text_case(sc_omit, WEIR_ROLE_SERVER, 0, want_omit_server, "omit server");
}

static void test_text_verbose(void)
{
    text_case(sc_tcp_client_verbose, WEIR_ROLE_CLIENT, 1, want_tcp_client_verbose,
              "tcp client -V");
    text_case(sc_udp_server_verbose, WEIR_ROLE_SERVER, 1, want_udp_server_verbose,
              "udp server -V");
    text_case(sc_udp_client_verbose, WEIR_ROLE_CLIENT, 1, want_udp_client_verbose,
              "udp client -V");

    /* The -V server banner names this build before the listening lines. */
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_SERVER, 1, 'a');
    CU_ASSERT_EQUAL(r.ops->server_listening(r.ctx, 5201, 3), WEIR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_EQUAL(strncmp(r.sink.out, "weir ", 5), 0);
    const char *banner = strstr(r.sink.out, DASHES "Server listening on 5201 (test #3)\n" DASHES);
    CU_ASSERT_PTR_NOT_NULL(banner);
    int lines_before = 0;
    for (const char *p = r.sink.out; banner && p < banner; p++)
        lines_before += *p == '\n';
    CU_ASSERT_EQUAL(lines_before, 2);
    reporter_close(&r);
}

/* A server started with --transport says per test what carried it
 * (transport, encrypted or not); a plain server and a client do not
 * (iperf3 has no such line). */
static void transport_line_case(int role, const char *transport, int encrypted, const char *server_transport,
                                uint32_t size, const char *want)
{
    struct reporter_run r;
    run_open(&r, text_plugin, role, 0, 'a');
    int client = role == WEIR_ROLE_CLIENT;
    struct weir_report_stream st[] = { stream(5, client, client ? 49006 : 5299, client ? 5299 : 49006) };
    struct weir_report_start s = start_tcp(role, st, 1, 1);
    s.struct_size = size;
    s.transport = transport;
    s.encrypted = encrypted;
    s.server_transport = server_transport;
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    char what[64];
    snprintf(what, sizeof what, "transport line, %s %s", role == WEIR_ROLE_CLIENT ? "client" : "server",
             transport);
    expect_text(r.sink.out, want, what);
    reporter_close(&r);
}

static void test_text_transport_line(void)
{
    const char *local = "[  5] local 127.0.0.1 port 5299 connected to 127.0.0.1 port 49006\n";
    char want[256];
    snprintf(want, sizeof want, "Transport: tls, encrypted\n%s", local);
    transport_line_case(WEIR_ROLE_SERVER, "tls", 1, "tls", sizeof(struct weir_report_start), want);
    snprintf(want, sizeof want, "Transport: tcp, not encrypted\n%s", local);
    transport_line_case(WEIR_ROLE_SERVER, "tcp", 0, "tls", sizeof(struct weir_report_start), want);
    transport_line_case(WEIR_ROLE_SERVER, "tcp", 0, NULL, sizeof(struct weir_report_start), local);
    transport_line_case(WEIR_ROLE_CLIENT, "tls", 1, NULL, sizeof(struct weir_report_start),
                        "[  5] local 127.0.0.1 port 49006 connected to 127.0.0.1 port 5299\n");
}

static void test_text_rate_unit(void)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'M');
    struct weir_report_stream st[] = { stream(5, 1, 47822, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    struct weir_report_sample a = retr(tcp(5, 1, 0, 1, GB(2.21), 2262.0 * 1048576 * 8), 12,
                                       KB(1023));
    reporter_interval(&r, &a, 1, a);
    expect_text(r.sink.out,
                "[  5] local 127.0.0.1 port 47822 connected to 127.0.0.1 port 5299\n"
                "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n"
                "[  5]   0.00-1.00   sec  2.21 GBytes  2262 MBytes/sec   12   1023 KBytes       \n",
                "-f M");
    reporter_close(&r);
}

/* The core's warnings: a line of their own on stderr, worded as weir's
 * always were (and as iperf3's are), with the name the program runs
 * under; -T prefixes only standard output. */
static void test_text_warnings(void)
{
    struct reporter_run r;
    struct weir_report_format f = {
        .struct_size = sizeof f, .unit = 'a', .role = WEIR_ROLE_SERVER, .title = "T",
        .program = "iperf3",
    };
    CU_ASSERT_EQUAL_FATAL(reporter_open(&r, text_plugin, &f, NULL), WEIR_OK);
    CU_ASSERT_EQUAL(r.ops->message(r.ctx, WEIR_LOG_WARNING,
                                   "-F ignored for this test: it runs both ways (--bidir)"), WEIR_OK);
    expect_text(r.sink.err, "iperf3: warning - -F ignored for this test: it runs both ways (--bidir)\n",
                "warning");
    CU_ASSERT_PTR_NULL(r.sink.out);
    reporter_close(&r);

    run_open(&r, text_plugin, WEIR_ROLE_SERVER, 0, 'a');
    CU_ASSERT_EQUAL(r.ops->message(r.ctx, WEIR_LOG_WARNING, "one"), WEIR_OK);
    CU_ASSERT_EQUAL(r.ops->message(r.ctx, WEIR_LOG_INFO, "two"), WEIR_OK);
    expect_text(r.sink.err, "weir: warning - one\nweir: info - two\n", "default program name");
    reporter_close(&r);
}

static void test_text_errors_and_server_output(void)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "the server is busy running a test. try again later"), WEIR_OK);
    CU_ASSERT_PTR_NULL(r.sink.out);
    expect_text(r.sink.err, "weir: error - the server is busy running a test. try again later\n",
                "busy error");
    reporter_close(&r);

    /* A server whose client left mid-test says so as iperf3's does: no
     * "error - " (the test counts as done); nor for a signal. */
    static const char *const bare[] = { "the client has terminated",
                                        "the client has unexpectedly closed the connection",
                                        "interrupt - the server has terminated" };
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "weir: %s\n", bare[i]);
        run_open(&r, text_plugin, WEIR_ROLE_SERVER, 0, 'a');
        CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, bare[i]), WEIR_OK);
        expect_text(r.sink.err, want, bare[i]);
        reporter_close(&r);
    }
    /* Only those exact texts: a longer one is still an error. */
    run_open(&r, text_plugin, WEIR_ROLE_SERVER, 0, 'a');
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, "the client has terminated early"), WEIR_OK);
    expect_text(r.sink.err, "weir: error - the client has terminated early\n", "not a bare text");
    reporter_close(&r);

    /* --get-server-output against a text server: the captured text follows
     * the summary, then an empty line before "Done" (iperf3 3.12). */
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    struct weir_report_stream st[] = { stream(5, 1, 47822, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    struct weir_report_sample snd = retr(tcp(5, 1, 0, 1, GB(2.21), 19.0e9), 12, 0);
    struct weir_report_sample rcv = tcp(5, 1, 0, 1, GB(2.21), 19.0e9);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &snd, &rcv) };
    struct weir_report_end e = end_of(es, 1, snd, rcv);
    e.show_retransmits = 1;
    e.server_output_text = "Accepted connection from 127.0.0.1, port 47808\n"
                           "[  5]   0.00-1.00   sec  2.21 GBytes  19.0 Gbits/sec                  receiver\n";
    end_and_finish(&r, &e);
    expect_text(r.sink.out,
                "[  5] local 127.0.0.1 port 47822 connected to 127.0.0.1 port 5299\n"
                SEP
                "[ ID] Interval           Transfer     Bitrate         Retr\n"
                "[  5]   0.00-1.00   sec  2.21 GBytes  19.0 Gbits/sec   12             sender\n"
                "[  5]   0.00-1.00   sec  2.21 GBytes  19.0 Gbits/sec                  receiver\n"
                "\n"
                "Server output:\n"
                "Accepted connection from 127.0.0.1, port 47808\n"
                "[  5]   0.00-1.00   sec  2.21 GBytes  19.0 Gbits/sec                  receiver\n"
                "\n"
                "\n"
                "weir Done.\n",
                "server output");
    reporter_close(&r);
}

/* ---- json assertions ---- */

static struct json_object *get(struct json_object *o, const char *path)
{
    /* "a.b.0.c": object keys and array indexes. */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && o;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array)) {
            o = json_object_array_get_idx(o, (size_t)atoi(tok));
        } else {
            struct json_object *v = NULL;
            o = json_object_object_get_ex(o, tok, &v) ? v : NULL;
        }
    }
    if (o == NULL)
        fprintf(stderr, "\nmissing JSON path %s\n", path);
    return o;
}

static int64_t get_int(struct json_object *o, const char *path)
{
    struct json_object *v = get(o, path);
    CU_ASSERT_TRUE(v != NULL && json_object_is_type(v, json_type_int));
    return v ? json_object_get_int64(v) : -999;
}

static int get_bool(struct json_object *o, const char *path)
{
    struct json_object *v = get(o, path);
    CU_ASSERT_TRUE(v != NULL && json_object_is_type(v, json_type_boolean));
    return v ? json_object_get_boolean(v) : -1;
}

static const char *get_str(struct json_object *o, const char *path)
{
    struct json_object *v = get(o, path);
    CU_ASSERT_TRUE(v != NULL && json_object_is_type(v, json_type_string));
    return v ? json_object_get_string(v) : "";
}

static int has(struct json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *last = strrchr(buf, '.');
    struct json_object *parent = o;
    const char *key = buf;
    if (last != NULL) {
        *last = '\0';
        parent = get(o, buf);
        key = last + 1;
    }
    return parent != NULL && json_object_object_get_ex(parent, key, NULL);
}

/* The object's keys, in order, joined with spaces. */
static void expect_keys(struct json_object *o, const char *want, const char *what)
{
    char got[1024] = "";
    if (o != NULL && json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) {
            (void)v;
            if (got[0])
                strncat(got, " ", sizeof got - strlen(got) - 1);
            strncat(got, k, sizeof got - strlen(got) - 1);
        }
    }
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n%s keys\n  want %s\n  got  %s\n", what, want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
}

/* What the json reporter wrote for scenario (malloc'd). */
static char *json_output(void (*scenario)(struct reporter_run *), int role)
{
    struct reporter_run r;
    run_open(&r, json_plugin, role, 0, 'a');
    scenario(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    char *text = strdup(r.sink.out);
    reporter_close(&r);
    return text;
}

/* If text parses, hands the document to check. */
static void check_document(const char *text, void (*check)(struct json_object *d))
{
    struct json_object *doc = json_tokener_parse(text);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc != NULL) {
        check(doc);
        json_object_put(doc);
    }
}

static void json_case(void (*scenario)(struct reporter_run *), int role,
                      void (*check)(struct json_object *d))
{
    char *text = json_output(scenario, role);
    check_document(text, check);
    free(text);
}

static void check_tcp_client_doc(struct json_object *d)
{

    expect_keys(d, "start intervals end title", "top");
    expect_keys(get(d, "start"),
                "connected version system_info timestamp connecting_to cookie tcp_mss_default "
                "target_bitrate fq_rate sock_bufsize sndbuf_actual rcvbuf_actual test_start weir",
                "start");
    expect_keys(get(d, "start.connected.0"),
                "socket local_host local_port remote_host remote_port", "connected");
    expect_keys(get(d, "start.timestamp"), "time timesecs timemillisecs", "timestamp");
    expect_keys(get(d, "start.test_start"),
                "protocol num_streams blksize omit duration bytes blocks reverse tos "
                "target_bitrate bidir fqrate interval gso gro", "test_start");
    /* iperf3 3.21 writes them always, 0 without --gsro. */
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.gso"), 0);
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.gro"), 0);
    CU_ASSERT_STRING_EQUAL(get_str(d, "start.test_start.protocol"), "TCP");
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.blksize"), 131072);
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.interval"), 1);
    CU_ASSERT_STRING_EQUAL(get_str(d, "start.version"), "weir 0.1.0");
    CU_ASSERT_STRING_EQUAL(get_str(d, "start.connecting_to.host"), "127.0.0.1");
    CU_ASSERT_EQUAL(get_int(d, "start.connecting_to.port"), 5299);
    CU_ASSERT_EQUAL(get_int(d, "start.tcp_mss_default"), 32768);
    CU_ASSERT_EQUAL(get_int(d, "start.weir.threads"), 1);
    CU_ASSERT_EQUAL(get_int(d, "start.connected.0.local_port"), 49006);
    CU_ASSERT_EQUAL(get_int(d, "start.timestamp.timemillisecs"), 1795980325123);

    CU_ASSERT_EQUAL(json_object_array_length(get(d, "intervals")), 2);
    expect_keys(get(d, "intervals.0"), "streams sum", "interval");
    expect_keys(get(d, "intervals.0.streams.0"),
                "socket start end seconds bytes bits_per_second retransmits snd_cwnd snd_wnd "
                "rtt rttvar pmtu reorder omitted sender", "interval stream");
    expect_keys(get(d, "intervals.0.sum"),
                "start end seconds bytes bits_per_second retransmits omitted sender",
                "interval sum");
    CU_ASSERT_EQUAL(get_int(d, "intervals.0.streams.0.retransmits"), 7);
    CU_ASSERT_EQUAL(get_int(d, "intervals.0.streams.0.snd_cwnd"), 1047552);
    CU_ASSERT_EQUAL(get_int(d, "intervals.0.streams.0.bytes"), MB(499));
    CU_ASSERT_EQUAL(get_int(d, "intervals.0.streams.0.start"), 0);
    CU_ASSERT_TRUE(get_bool(d, "intervals.0.streams.0.sender"));
    CU_ASSERT_FALSE(get_bool(d, "intervals.0.streams.0.omitted"));
    CU_ASSERT_EQUAL(get_int(d, "intervals.1.sum.retransmits"), 0);

    expect_keys(get(d, "end"),
                "streams sum_sent sum_received cpu_utilization_percent sender_tcp_congestion "
                "receiver_tcp_congestion", "end");
    expect_keys(get(d, "end.streams.0"), "sender receiver", "end stream");
    expect_keys(get(d, "end.streams.0.sender"),
                "socket start end seconds bytes bits_per_second retransmits reorder "
                "max_snd_cwnd max_snd_wnd max_rtt min_rtt mean_rtt sender", "end sender");
    expect_keys(get(d, "end.streams.0.receiver"),
                "socket start end seconds bytes bits_per_second sender", "end receiver");
    expect_keys(get(d, "end.sum_sent"),
                "start end seconds bytes bits_per_second retransmits sender", "sum_sent");
    expect_keys(get(d, "end.cpu_utilization_percent"),
                "host_total host_user host_system remote_total remote_user remote_system", "cpu");
    CU_ASSERT_EQUAL(get_int(d, "end.sum_sent.bytes"), MB(845));
    CU_ASSERT_EQUAL(get_int(d, "end.sum_sent.retransmits"), 7);
    CU_ASSERT_EQUAL(get_int(d, "end.sum_received.bytes"), MB(840));
    CU_ASSERT_EQUAL(get_int(d, "end.streams.0.sender.max_snd_cwnd"), KB(1023));
    CU_ASSERT_TRUE(get_bool(d, "end.streams.0.receiver.sender"));
    CU_ASSERT_STRING_EQUAL(get_str(d, "end.sender_tcp_congestion"), "bbr");
    CU_ASSERT_STRING_EQUAL(get_str(d, "title"), "mytitle");
}

static void test_json_tcp_client(void)
{
    char *text = json_output(sc_tcp_client, WEIR_ROLE_CLIENT);
    /* cJSON-like layout: tabs, one document, newline-terminated. */
    CU_ASSERT_EQUAL(strncmp(text, "{\n\t\"start\":", 11), 0);
    CU_ASSERT_EQUAL(text[strlen(text) - 1], '\n');
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "1.0015599727630615"));
    check_document(text, check_tcp_client_doc);
    free(text);
}

static void check_udp_client_doc(struct json_object *d)
{
    CU_ASSERT_STRING_EQUAL(get_str(d, "start.test_start.protocol"), "UDP");
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.gso"), 1);
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.gro"), 1);
    CU_ASSERT_FALSE(has(d, "start.tcp_mss_default"));
    expect_keys(get(d, "intervals.0.streams.0"),
                "socket start end seconds bytes bits_per_second packets omitted sender",
                "udp sender interval");
    expect_keys(get(d, "end"),
                "streams sum sum_sent sum_received cpu_utilization_percent", "udp end");
    expect_keys(get(d, "end.streams.0.udp"),
                "socket start end seconds bytes bits_per_second jitter_ms lost_packets "
                "packets lost_percent out_of_order sender", "udp end stream");
    expect_keys(get(d, "end.sum_sent"),
                "start end seconds bytes bits_per_second jitter_ms lost_packets packets "
                "lost_percent sender", "udp sum_sent");
    CU_ASSERT_EQUAL(get_int(d, "end.streams.0.udp.packets"), 8);
    CU_ASSERT_EQUAL(get_int(d, "end.streams.0.udp.bytes"), KB(256));
    CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(get(d, "end.streams.0.udp.jitter_ms")),
                           0.0201, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(get(d, "end.sum.end")), 2.0004, 1e-12);
    CU_ASSERT_EQUAL(get_int(d, "end.sum_sent.jitter_ms"), 0);
    CU_ASSERT_TRUE(get_bool(d, "end.sum_sent.sender"));
    CU_ASSERT_FALSE(get_bool(d, "end.sum_received.sender"));
    CU_ASSERT_TRUE(get_bool(d, "end.sum.sender"));
}

static void check_udp_server_doc(struct json_object *d)
{
    CU_ASSERT_TRUE(has(d, "start.accepted_connection"));
    CU_ASSERT_FALSE(has(d, "start.connecting_to"));
    CU_ASSERT_TRUE(has(d, "start.test_start.gso") && has(d, "start.test_start.gro"));
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.gso"), 0);
    expect_keys(get(d, "intervals.0.streams.0"),
                "socket start end seconds bytes bits_per_second jitter_ms lost_packets "
                "packets lost_percent omitted sender", "udp receiver interval");
    CU_ASSERT_FALSE(get_bool(d, "intervals.0.streams.0.sender"));
    /* The server has no sender numbers: bytes 0, the receiver's span. */
    CU_ASSERT_EQUAL(get_int(d, "end.streams.0.udp.bytes"), 0);
    CU_ASSERT_EQUAL(get_int(d, "end.streams.0.udp.end"), 2);
    CU_ASSERT_EQUAL(get_int(d, "end.streams.0.udp.packets"), 8);
    CU_ASSERT_EQUAL(get_int(d, "end.sum_sent.end"), 2);
    CU_ASSERT_FALSE(get_bool(d, "end.sum.sender"));
}

/* Typed facts: the core's about the test and the transport's about a
 * stream (describe) and an interval (describe_interval), every type, a
 * nested group, and a value past INT64_MAX. */
static const struct weir_fact facts_of_test[] = {
    { "transport", { .type = WEIR_VALUE_STRING, .v.s = "tls" } },
    { "encrypted", { .type = WEIR_VALUE_BOOL, .v.b = 1 } },
    { "threads", { .type = WEIR_VALUE_UINT, .v.u = 2 } },
};
static const struct weir_fact stream_facts[] = {
    { "zerocopy", { .type = WEIR_VALUE_BOOL, .v.b = 0 } },
    { "tls.version", { .type = WEIR_VALUE_STRING, .v.s = "TLSv1.3" } },
    { "tls.handshake_ms", { .type = WEIR_VALUE_DOUBLE, .v.d = 1.25 } },
    { "tls.ktls_send", { .type = WEIR_VALUE_BOOL, .v.b = 1 } },
    { "max_pacing_rate", { .type = WEIR_VALUE_UINT, .v.u = UINT64_MAX } },
    { "offset", { .type = WEIR_VALUE_INT, .v.i = -3 } },
};
static const struct weir_fact interval_facts[] = {
    { "in_flight", { .type = WEIR_VALUE_UINT, .v.u = 12 } },
    { "path.mtu", { .type = WEIR_VALUE_UINT, .v.u = 1500 } },
};

static void sc_facts(struct reporter_run *r)
{
    connected(r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 19:25:25 GMT");
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299) };
    st[0].n_facts = sizeof stream_facts / sizeof stream_facts[0];
    st[0].facts = stream_facts;
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    s.n_weir_facts = sizeof facts_of_test / sizeof facts_of_test[0];
    s.weir_facts = facts_of_test;
    s.streams_described = 1;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
    struct weir_report_sample iv = tcp(5, 1, 0, 1.0, MB(100), 8.39e8);
    iv.n_facts = sizeof interval_facts / sizeof interval_facts[0];
    iv.facts = interval_facts;
    single_interval(r, iv);
    struct weir_report_sample snd = tcp(5, 1, 0, 1.0, MB(100), 8.39e8);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &snd, &snd) };
    struct weir_report_end e = end_of(es, 1, snd, snd);
    end_and_finish(r, &e);
}

static void check_facts_doc(struct json_object *d)
{
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(get(d, "start.weir"), JSON_C_TO_STRING_PLAIN),
                           "{\"transport\":\"tls\",\"encrypted\":true,\"threads\":2,\"streams\":[{"
                           "\"zerocopy\":false,\"tls\":{\"version\":\"TLSv1.3\",\"handshake_ms\":1.25,"
                           "\"ktls_send\":true},\"max_pacing_rate\":18446744073709551615,\"offset\":-3,"
                           "\"id\":5}]}");
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(get(d, "intervals.0.streams.0.weir"),
                                                          JSON_C_TO_STRING_PLAIN),
                           "{\"in_flight\":12,\"path\":{\"mtu\":1500}}");
    /* Sums carry no facts. */
    CU_ASSERT_FALSE(has(d, "intervals.0.sum.weir"));
}

static void test_facts(void)
{
    json_case(sc_facts, WEIR_ROLE_CLIENT, check_facts_doc);
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 1, 'a');
    sc_facts(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "\n[  5] zerocopy no; tls: version TLSv1.3, handshake_ms 1.25, "
                                  "ktls_send yes, max_pacing_rate 18446744073709551615, offset -3\n"));
    reporter_close(&r);
}

static void test_json_udp(void)
{
    json_case(sc_udp_client, WEIR_ROLE_CLIENT, check_udp_client_doc);
    json_case(sc_udp_server, WEIR_ROLE_SERVER, check_udp_server_doc);
}

static void check_tcp_server_doc(struct json_object *d)
{
    CU_ASSERT_EQUAL(get_int(d, "start.tcp_mss_default"), 0);
    CU_ASSERT_EQUAL(get_int(d, "start.accepted_connection.port"), 48990);
    CU_ASSERT_TRUE(has(d, "start.test_start.gso") && has(d, "start.test_start.gro"));
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.gro"), 0);
    expect_keys(get(d, "intervals.0.streams.0"),
                "socket start end seconds bytes bits_per_second omitted sender",
                "tcp receiver interval");
    expect_keys(get(d, "end.streams.0.sender"),
                "socket start end seconds bytes bits_per_second sender", "server sender");
    CU_ASSERT_EQUAL(get_int(d, "end.streams.0.sender.bytes"), 0);
    CU_ASSERT_FALSE(get_bool(d, "end.streams.0.sender.sender"));
    CU_ASSERT_FALSE(has(d, "end.sender_tcp_congestion"));
    CU_ASSERT_STRING_EQUAL(get_str(d, "end.receiver_tcp_congestion"), "bbr");
}

static void check_bidir_doc(struct json_object *d)
{
    CU_ASSERT_EQUAL(get_int(d, "start.test_start.bidir"), 1);
    expect_keys(get(d, "intervals.0"), "streams sum sum_bidir_reverse", "bidir interval");
    CU_ASSERT_FALSE(get_bool(d, "intervals.0.sum_bidir_reverse.sender"));
    CU_ASSERT_EQUAL(get_int(d, "intervals.0.sum_bidir_reverse.bytes"), GB(1.22));
    expect_keys(get(d, "end"),
                "streams sum_sent sum_received sum_sent_bidir_reverse "
                "sum_received_bidir_reverse cpu_utilization_percent", "bidir end");
    CU_ASSERT_EQUAL(get_int(d, "end.sum_sent_bidir_reverse.retransmits"), 1);
    CU_ASSERT_EQUAL(json_object_array_length(get(d, "end.streams")), 4);
    CU_ASSERT_FALSE(get_bool(d, "end.streams.2.sender.sender"));
}

static void test_json_tcp_server_and_bidir(void)
{
    json_case(sc_tcp_server, WEIR_ROLE_SERVER, check_tcp_server_doc);
    json_case(sc_bidir_p2, WEIR_ROLE_CLIENT, check_bidir_doc);
}

static void check_refused_doc(struct json_object *d)
{
    expect_keys(d, "start intervals end error", "error document");
    expect_keys(get(d, "start"), "connected version system_info", "error start");
    CU_ASSERT_EQUAL(json_object_array_length(get(d, "start.connected")), 0);
    CU_ASSERT_EQUAL(json_object_array_length(get(d, "intervals")), 0);
    CU_ASSERT_EQUAL(json_object_object_length(get(d, "end")), 0);
    CU_ASSERT_STRING_EQUAL(get_str(d, "error"), REFUSED);
}

static void check_busy_doc(struct json_object *d)
{
    expect_keys(get(d, "start"), "connected version system_info timestamp connecting_to",
                "busy start");
    CU_ASSERT_STRING_EQUAL(get_str(d, "start.connecting_to.host"), "192.0.2.1");
}

static void test_json_early_error(void)
{
    json_case(sc_refused, WEIR_ROLE_CLIENT, check_refused_doc);
    /* An error after connecting but before the streams: what is known so far. */
    json_case(sc_busy_after_connect, WEIR_ROLE_CLIENT, check_busy_doc);
}

static void test_json_server_documents(void)
{
    /* One document per test, and the second carries nothing of the first. */
    struct reporter_run r;
    run_open(&r, json_plugin, WEIR_ROLE_SERVER, 0, 'a');
    sc_tcp_server(&r);
    size_t first = r.sink.out_len;
    sc_udp_server(&r);
    CU_ASSERT_TRUE_FATAL(first > 0 && r.sink.out_len > first);
    CU_ASSERT_EQUAL(r.sink.out[first - 1], '\n');
    struct json_tokener *tok = json_tokener_new();
    struct json_object *a = json_tokener_parse_ex(tok, r.sink.out, (int)first);
    json_tokener_reset(tok);
    struct json_object *b = json_tokener_parse(r.sink.out + first);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_PTR_NOT_NULL(b);
    if (a && b) {
        CU_ASSERT_STRING_EQUAL(get_str(a, "start.test_start.protocol"), "TCP");
        CU_ASSERT_STRING_EQUAL(get_str(b, "start.test_start.protocol"), "UDP");
        CU_ASSERT_EQUAL(json_object_array_length(get(b, "intervals")), 2);
        CU_ASSERT_FALSE(has(b, "title"));
    }
    json_object_put(a);
    json_object_put(b);
    json_tokener_free(tok);
    reporter_close(&r);
}

static void test_json_file_and_server_output(void)
{
    char path[] = "/tmp/weir-json-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    close(fd);

    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open_arg(&r, json_plugin, WEIR_ROLE_CLIENT, 0, 'a', path), WEIR_OK);
    connected(&r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 20:40:00 GMT");
    struct weir_report_stream st[] = { stream(5, 1, 47822, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    struct weir_report_sample snd = retr(tcp(5, 1, 0, 1, GB(2.21), 19.0e9), 12, 0);
    struct weir_report_sample rcv = tcp(5, 1, 0, 1, GB(2.21), 19.0e9);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &snd, &rcv) };
    struct weir_report_end e = end_of(es, 1, snd, rcv);
    e.server_output_json = "{\"start\":{\"version\":\"iperf 3.12\"},\"intervals\":[],\"end\":{}}";
    end_and_finish(&r, &e);
    CU_ASSERT_PTR_NULL(r.sink.out);
    reporter_close(&r);

    struct json_object *d = json_object_from_file(path);
    CU_ASSERT_PTR_NOT_NULL(d);
    if (d != NULL) {
        expect_keys(d, "start intervals end server_output_json", "file document");
        CU_ASSERT_STRING_EQUAL(get_str(d, "server_output_json.start.version"), "iperf 3.12");
        json_object_put(d);
    }
    unlink(path);

    CU_ASSERT_NOT_EQUAL(run_open_arg(&r, json_plugin, WEIR_ROLE_CLIENT, 0, 'a',
                                     "/nonexistent-dir/x.json"), WEIR_OK);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_LOGFILE);
    mock_sink_free(&r.sink);
}

/* iperf3's JSON has no place for a warning: neither json reporter takes
 * them (weir then writes them on stderr itself). A file that takes no more
 * (a full disk) fails the hook that wrote, saying why. */
static void test_json_warnings_and_full_disk(void)
{
    CU_ASSERT_PTR_NULL(json_plugin->reporter->message);
    CU_ASSERT_PTR_NULL(stream_plugin->reporter->message);

    struct reporter_run r;
    CU_ASSERT_EQUAL_FATAL(run_open_arg(&r, json_plugin, WEIR_ROLE_CLIENT, 0, 'a', "/dev/full"), WEIR_OK);
    CU_ASSERT_EQUAL(r.ops->test_finish(r.ctx, REFUSED), WEIR_E_LOGFILE);
    CU_ASSERT_EQUAL(mock_host_last_error(), WEIR_E_LOGFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(),
                                  "json reporter: cannot write /dev/full: No space left on device"));
    /* What the failed write left in the stream's buffer may fail again. */
    int rc = r.ops->close(r.ctx);
    CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_LOGFILE);
    mock_sink_free(&r.sink);

    CU_ASSERT_EQUAL_FATAL(run_open_arg(&r, stream_plugin, WEIR_ROLE_CLIENT, 0, 'a', "/dev/full"), WEIR_OK);
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_E_LOGFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(mock_host_last_error_text(), "json-stream reporter: cannot write /dev/full"));
    rc = r.ops->close(r.ctx);
    CU_ASSERT(rc == WEIR_OK || rc == WEIR_E_LOGFILE);
    mock_sink_free(&r.sink);
}

/* ---- json-stream ---- */

/* Splits the output into lines, checks each parses as {"event","data"},
 * and returns the events joined with spaces. */
static void stream_events(const char *out, char *events, size_t len,
                          struct json_object **first_data)
{
    events[0] = '\0';
    *first_data = NULL;
    for (const char *p = out; p && *p;) {
        const char *nl = strchr(p, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        char *line = strndup(p, (size_t)(nl - p));
        CU_ASSERT_PTR_NULL(strchr(line, '\t'));
        struct json_object *o = json_tokener_parse(line);
        CU_ASSERT_PTR_NOT_NULL(o);
        if (o != NULL) {
            expect_keys(o, "event data", "stream line");
            if (events[0])
                strncat(events, " ", len - strlen(events) - 1);
            strncat(events, get_str(o, "event"), len - strlen(events) - 1);
            if (*first_data == NULL)
                *first_data = json_object_get(get(o, "data"));
            json_object_put(o);
        }
        free(line);
        p = nl + 1;
    }
}

/* Runs scenario through json-stream, whose events must be want_events;
 * returns the first event's data for the caller to check and put. */
static struct json_object *stream_case(void (*scenario)(struct reporter_run *),
                                       const char *want_events)
{
    struct reporter_run r;
    char events[256];
    struct json_object *data = NULL;
    run_open(&r, stream_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    scenario(&r);
    stream_events(r.sink.out, events, sizeof events, &data);
    CU_ASSERT_STRING_EQUAL(events, want_events);
    reporter_close(&r);
    return data;
}

static void test_json_stream(void)
{
    struct reporter_run r;
    run_open(&r, stream_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    connected(&r, "127.0.0.1", 5299, "Sun, 29 Nov 2026 19:25:25 GMT");
    size_t before_start = r.sink.out_len;
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    /* Written when it happens, not at the end. */
    CU_ASSERT_EQUAL(before_start, 0);
    CU_ASSERT_TRUE(r.sink.out_len > 0);
    reporter_close(&r);

    struct json_object *data = stream_case(sc_tcp_client, "start interval interval end");
    CU_ASSERT_STRING_EQUAL(get_str(data, "test_start.protocol"), "TCP");
    CU_ASSERT_STRING_EQUAL(get_str(data, "version"), "weir 0.1.0");
    json_object_put(data);

    json_object_put(stream_case(sc_omit, "start interval interval error"));

    data = stream_case(sc_refused, "error");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(data), REFUSED);
    json_object_put(data);
}

/* --latency (ABI 2.1): the text table per interval and at the end in
 * place of the probe streams' transfer lines, and a snapshot of 2.0's size
 * (an older weir) shows none of it. */
static struct weir_report_latency_stats lat_stats(uint64_t n, double base)
{
    struct weir_report_latency_stats d = { n, base, base + 2.25, base + 1.5, base + 2.75, base + 10.25,
                                           base + 44.875, base + 294.75, 5.5 };
    return d;
}

static struct weir_report_latency lat_row(int sock, double start, double end, uint64_t n, int one_way)
{
    struct weir_report_latency r = { .socket = sock, .start = start, .end = end, .sent = n + 2,
                                     .lost = 2, .missed = sock ? 0 : 3 };
    r.rtt = lat_stats(n, 15.25);
    r.one_way = one_way;
    if (one_way) {
        r.forward = lat_stats(n, 7.5);
        r.reverse = lat_stats(n, 7.75);
    }
    return r;
}

static void latency_text_case(size_t start_size, const char *clock, const char *want, const char *what)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299), stream(7, 1, 49008, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 2, 2);
    s.struct_size = (uint32_t)start_size;
    s.latency = 1;
    s.latency_request = 64;
    s.latency_reply = 1000;
    s.latency_rate = 500;
    s.latency_clock = clock;
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    struct weir_report_sample a[] = { tcp(5, 1, 0, 1, 32000, 256000), tcp(7, 1, 0, 1, 32000, 256000) };
    struct weir_report_sample sum = tcp(0, 1, 0, 1, 64000, 512000);
    struct weir_report_latency rows[] = { lat_row(5, 0, 1, 498, clock != NULL),
                                          lat_row(7, 0, 1, 498, clock != NULL) };
    struct weir_report_latency lsum = lat_row(0, 0, 1, 996, clock != NULL);
    struct weir_report_interval iv = { .struct_size = sizeof iv, .n_streams = 2, .streams = a, .sum = sum,
                                       .n_latency = 2, .latency = rows, .latency_sum = &lsum };
    if (start_size < sizeof s)
        iv.struct_size = (uint32_t)offsetof(struct weir_report_interval, n_latency);
    CU_ASSERT_EQUAL(r.ops->interval(r.ctx, &iv), WEIR_OK);
    expect_text(r.sink.out, want, what);
    reporter_close(&r);
}

static void test_text_latency(void)
{
    latency_text_case(sizeof(struct weir_report_start), "loopback",
        "[  5] local 127.0.0.1 port 49006 connected to 127.0.0.1 port 5299\n"
        "[  7] local 127.0.0.1 port 49008 connected to 127.0.0.1 port 5299\n"
        "Latency: 64-byte requests, 1000-byte replies, 500 requests/sec per stream; one-way delays too (one clock: loopback)\n"
        "[ ID] Interval           Delay    Count   Lost      Min     Mean      p50      p90      p99    p99.9      Max   Stddev  (usec)\n"
        "[  5]   0.00-1.00   sec  rtt        498      2    15.25    17.50    16.75    18.00    25.50    60.12   310.00     5.50\n"
        "[  5]   0.00-1.00   sec  c->s       498      -     7.50     9.75     9.00    10.25    17.75    52.38   302.25     5.50\n"
        "[  5]   0.00-1.00   sec  s->c       498      -     7.75    10.00     9.25    10.50    18.00    52.62   302.50     5.50\n"
        "[  7]   0.00-1.00   sec  rtt        498      2    15.25    17.50    16.75    18.00    25.50    60.12   310.00     5.50\n"
        "[  7]   0.00-1.00   sec  c->s       498      -     7.50     9.75     9.00    10.25    17.75    52.38   302.25     5.50\n"
        "[  7]   0.00-1.00   sec  s->c       498      -     7.75    10.00     9.25    10.50    18.00    52.62   302.50     5.50\n"
        "[SUM]   0.00-1.00   sec  rtt        996      2    15.25    17.50    16.75    18.00    25.50    60.12   310.00     5.50  (3 missed)\n"
        "[SUM]   0.00-1.00   sec  c->s       996      -     7.50     9.75     9.00    10.25    17.75    52.38   302.25     5.50\n"
        "[SUM]   0.00-1.00   sec  s->c       996      -     7.75    10.00     9.25    10.50    18.00    52.62   302.50     5.50\n",
        "latency, one-way");
    latency_text_case(sizeof(struct weir_report_start), NULL,
        "[  5] local 127.0.0.1 port 49006 connected to 127.0.0.1 port 5299\n"
        "[  7] local 127.0.0.1 port 49008 connected to 127.0.0.1 port 5299\n"
        "Latency: 64-byte requests, 1000-byte replies, 500 requests/sec per stream; round trips only (the clocks are not known to agree: --latency-synced-clocks)\n"
        "[ ID] Interval           Delay    Count   Lost      Min     Mean      p50      p90      p99    p99.9      Max   Stddev  (usec)\n"
        "[  5]   0.00-1.00   sec  rtt        498      2    15.25    17.50    16.75    18.00    25.50    60.12   310.00     5.50\n"
        "[  7]   0.00-1.00   sec  rtt        498      2    15.25    17.50    16.75    18.00    25.50    60.12   310.00     5.50\n"
        "[SUM]   0.00-1.00   sec  rtt        996      2    15.25    17.50    16.75    18.00    25.50    60.12   310.00     5.50  (3 missed)\n",
        "latency, round trips");
    /* From a 2.0 weir: no latency fields, so iperf3's lines. */
    latency_text_case(offsetof(struct weir_report_start, latency), "loopback",
        "[  5] local 127.0.0.1 port 49006 connected to 127.0.0.1 port 5299\n"
        "[  7] local 127.0.0.1 port 49008 connected to 127.0.0.1 port 5299\n"
        "[ ID] Interval           Transfer     Bitrate\n"
        "[  5]   0.00-1.00   sec  31.2 KBytes   256 Kbits/sec                  \n"
        "[  7]   0.00-1.00   sec  31.2 KBytes   256 Kbits/sec                  \n"
        "[SUM]   0.00-1.00   sec  62.5 KBytes   512 Kbits/sec                  \n",
        "2.0-sized snapshots");
}

/* Delays from 100 ms to 60 s keep the table's columns (fewer decimals),
 * and a span without a delay measured shows dashes, not zeros. */
static void test_text_latency_wide_and_empty(void)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299), stream(7, 1, 49008, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 2, 2);
    s.latency = 1;
    s.latency_request = 64;
    s.latency_reply = 64;
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    struct weir_report_sample a[] = { tcp(5, 1, 0, 1, 320, 2560), tcp(7, 1, 0, 1, 0, 0) };
    struct weir_report_sample sum = tcp(0, 1, 0, 1, 320, 2560);
    struct weir_report_latency rows[] = { lat_row(5, 0, 1, 3, 0), lat_row(7, 0, 1, 0, 0) };
    rows[0].rtt = lat_stats(3, 999725.4375);
    struct weir_report_latency lsum = lat_row(0, 0, 1, 3, 0);
    lsum.rtt = lat_stats(3, 59999000);
    struct weir_report_interval iv = { .struct_size = sizeof iv, .n_streams = 2, .streams = a, .sum = sum,
                                       .n_latency = 2, .latency = rows, .latency_sum = &lsum };
    CU_ASSERT_EQUAL(r.ops->interval(r.ctx, &iv), WEIR_OK);
    expect_text(r.sink.out,
        "[  5] local 127.0.0.1 port 49006 connected to 127.0.0.1 port 5299\n"
        "[  7] local 127.0.0.1 port 49008 connected to 127.0.0.1 port 5299\n"
        "Latency: 64-byte requests, 64-byte replies, back to back; round trips only (the clocks are not known to agree: --latency-synced-clocks)\n"
        "[ ID] Interval           Delay    Count   Lost      Min     Mean      p50      p90      p99    p99.9      Max   Stddev  (usec)\n"
        "[  5]   0.00-1.00   sec  rtt          3      2 999725.4 999727.7 999726.9 999728.2 999735.7 999770.3  1000020     5.50\n"
        "[  7]   0.00-1.00   sec  rtt          0      2        -        -        -        -        -        -        -        -\n"
        "[SUM]   0.00-1.00   sec  rtt          3      2 59999000 59999002 59999002 59999003 59999010 59999045 59999295     5.50  (3 missed)\n",
        "latency, wide and empty");
    reporter_close(&r);
}

/* JSON: start.weir.latency and the interval's latency object. */
static void test_json_latency(void)
{
    struct reporter_run r;
    run_open(&r, stream_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    s.latency = 1;
    s.latency_request = 64;
    s.latency_reply = 64;
    s.latency_clock = NULL;
    CU_ASSERT_EQUAL(r.ops->test_start(r.ctx, &s), WEIR_OK);
    struct weir_report_sample a = tcp(5, 1, 0, 1, 6400, 51200);
    struct weir_report_latency row = lat_row(5, 0, 1, 98, 0);
    struct weir_report_latency sum = lat_row(0, 0, 1, 98, 0);
    struct weir_report_interval iv = { .struct_size = sizeof iv, .n_streams = 1, .streams = &a, .sum = a,
                                       .n_latency = 1, .latency = &row, .latency_sum = &sum };
    CU_ASSERT_EQUAL(r.ops->interval(r.ctx, &iv), WEIR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "\"latency\":{\"request_bytes\":64,\"reply_bytes\":64,\"rate\":0,"
                                              "\"one_way\":false,\"clock\":null,\"busy_poll\":null}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "\"latency\":{\"streams\":[{\"socket\":5,\"start\":0,\"end\":1,"
                                              "\"seconds\":1,\"sent\":100,\"lost\":2,\"missed\":0,\"rtt\":{\"count\":98,"
                                              "\"min_us\":15.25,\"mean_us\":17.5,\"p50_us\":16.75,\"p90_us\":18,"
                                              "\"p99_us\":25.5,\"p99_9_us\":60.125,\"max_us\":310,\"stddev_us\":5.5},"
                                              "\"omitted\":false}],\"sum\":{\"start\":0,"));
    CU_ASSERT_PTR_NULL(strstr(r.sink.out, "\"forward\""));
    reporter_close(&r);
}

/* A comparison run with --latency: the text table's RTT p50, p99 and lost
 * probes columns ("-" without replies), and each JSON row's "latency", the
 * keys of end.latency.sum. */
static void latency_comparison(struct reporter_run *r, int with_latency)
{
    struct weir_report_comparison_row rows[] = {
        { .transport = "tcp", .protocol = "TCP", .reliable = 1, .num_streams = 1, .seconds = 1,
          .bytes_sent = 6400, .bytes_received = 6400, .sender_bits_per_second = 51200,
          .receiver_bits_per_second = 51200, .has_retransmits = 1, .setup_seconds = 0.0005,
          .host_cpu_total = 10, .has_remote_cpu = 1, .remote_cpu_total = 5 },
        { .transport = "udp", .protocol = "UDP", .datagram = 1, .num_streams = 1, .seconds = 1,
          .bytes_sent = 6400, .bytes_received = 6400, .sender_bits_per_second = 51200,
          .receiver_bits_per_second = 51200, .packets = 100, .setup_seconds = 0.0001,
          .host_cpu_total = 10 },
        { .transport = "tls", .protocol = "TCP", .error = "unable to connect" },
    };
    struct weir_report_latency lat[] = { lat_row(0, 0, 1, 98, 0), lat_row(0, 0, 1, 0, 0), { 0 } };
    struct weir_report_comparison c = { .struct_size = sizeof c, .n_rows = 3, .rows = rows,
                                        .latency = with_latency ? lat : NULL };
    CU_ASSERT_EQUAL(r->ops->comparison(r->ctx, &c), WEIR_OK);
}

static void test_latency_comparison(void)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    latency_comparison(&r, 1);
    expect_text(r.sink.out,
        "\n"
        "Comparison, one test per transport with the same options:\n"
        "Transport  Protocol            Sender         Receiver     CPU     CPU   Retr   Lost/Total Datagrams     Jitter      Setup    RTT p50    RTT p99   Lost\n"
        "                                                         local  remote                                                           usec       usec probes\n"
        "tcp        TCP         51.2 Kbits/sec   51.2 Kbits/sec   10.0%    5.0%      0                      -          -     0.5 ms      16.75      25.50      2\n"
        "udp        UDP         51.2 Kbits/sec   51.2 Kbits/sec   10.0%       -      -             0/100 (0%)   0.000 ms     0.1 ms          -          -      2\n"
        "tls        TCP       failed: unable to connect\n",
        "comparison with latency columns");
    reporter_close(&r);
    /* Without --latency (or from a 2.0 weir) the table is as it was. */
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    latency_comparison(&r, 0);
    CU_ASSERT_PTR_NULL(strstr(r.sink.out, "RTT"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "Jitter      Setup\n"));
    reporter_close(&r);

    run_open(&r, stream_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    latency_comparison(&r, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "\"remote_cpu_total\":5.0,\"latency\":{\"start\":0,\"end\":1,"
                                              "\"seconds\":1,\"sent\":100,\"lost\":2,\"missed\":3,\"rtt\":{\"count\":98,"
                                              "\"min_us\":15.25,\"mean_us\":17.5,\"p50_us\":16.75,"));
    CU_ASSERT_EQUAL(count_of(r.sink.out, "\"latency\":"), 2);
    reporter_close(&r);
}

/* --load (ABI 2.1): the working latency under the end table (text) and
 * in end.latency.working (JSON). */
static struct weir_report_working_latency working_of(void)
{
    struct weir_report_working_latency w = { .load_streams = 2, .load_direction = "up", .idle_seconds = 1,
                                             .increase_p50 = 99000.5, .increase_mean = 98000.25, .rpm = 606.5,
                                             .up_bits_per_second = 96.5e6 };
    w.idle = lat_stats(48, 50);
    w.loaded = lat_stats(197, 99050);
    return w;
}

static void working_end(struct reporter_run *r, const struct weir_report_working_latency *w,
                        const struct weir_report_load *load)
{
    struct weir_report_stream st[] = { stream(5, 1, 49006, 5299) };
    struct weir_report_start s = start_tcp(WEIR_ROLE_CLIENT, st, 1, 1);
    s.latency = 1;
    s.latency_request = 64;
    s.latency_reply = 64;
    CU_ASSERT_EQUAL(r->ops->test_start(r->ctx, &s), WEIR_OK);
    struct weir_report_sample snd = tcp(5, 1, 0, 3, 6400, 17066);
    struct weir_report_end_stream es[] = { end_stream(5, 1, &snd, &snd) };
    struct weir_report_end e = end_of(es, 1, snd, snd);
    struct weir_report_latency row = lat_row(5, 0, 3, 245, 0);
    e.n_latency = 1;
    e.latency = &row;
    e.latency_sum = &row;
    e.working = w;
    e.load = load;
    end_and_finish(r, &e);
}

/* --load-transport (ABI 2.2): the load over udp (no in-band figures), or
 * over tls with its connections' smoothed RTT. */
static struct weir_report_load load_of(const char *transport, const char *protocol, int inband)
{
    struct weir_report_load l = { .struct_size = sizeof l, .transport = transport, .protocol = protocol,
                                  .has_inband = inband };
    if (inband)
        l.inband = lat_stats(20, 1500);
    return l;
}

static void test_text_working(void)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    struct weir_report_working_latency w = working_of();
    working_end(&r, &w, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    const char *want =
        "[  5]   0.00-3.00   sec  rtt        245      2    15.25    17.50    16.75    18.00    25.50    60.12   310.00     5.50\n"
        "Working latency: 2 load streams up, after 1.00 s idle\n"
        "  idle   rtt p50 51.50 usec, mean 52.25 usec (48 round trips)\n"
        "  loaded rtt p50 99051.50 usec, mean 99052.25 usec (197 round trips)\n"
        "  increase p50 +99000.50 usec, mean +98000.25 usec\n"
        "  responsiveness 606 RPM (60 s / the loaded round trips' 95 % trimmed mean)\n"
        "  load 96.50 Mbits/sec up, 0.00 Mbits/sec down (as received)\n";
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, want));
    reporter_close(&r);
    /* From 100 ms on in msec; no loaded round trip: dashes. */
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    w = working_of();
    w.loaded.p50 = 250000;
    w.loaded.mean = 250500;
    w.increase_p50 = 249948.5;
    working_end(&r, &w, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "  loaded rtt p50 250.00 msec, mean 250.50 msec (197 round trips)\n"
                                              "  increase p50 +249.95 msec, mean +98000.25 usec\n"));
    reporter_close(&r);
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    w = working_of();
    w.loaded.count = 0;
    working_end(&r, &w, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "  loaded rtt p50 -, mean - (0 round trips)\n"
                                              "  increase p50 -, mean -\n"
                                              "  responsiveness - RPM (60 s"));
    reporter_close(&r);
}

static void test_json_working(void)
{
    struct reporter_run r;
    run_open(&r, json_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    struct weir_report_working_latency w = working_of();
    working_end(&r, &w, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "\"working\":"));
    struct json_object *doc = json_tokener_parse(r.sink.out), *v = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT(json_pointer_get(doc, "/end/latency/working/rpm", &v) == 0 && json_object_get_double(v) == 606.5);
    CU_ASSERT(json_pointer_get(doc, "/end/latency/working/load_direction", &v) == 0 &&
              strcmp(json_object_get_string(v), "up") == 0);
    CU_ASSERT(json_pointer_get(doc, "/end/latency/working/loaded/count", &v) == 0 && json_object_get_int(v) == 197);
    CU_ASSERT(json_pointer_get(doc, "/end/latency/working/idle/p50_us", &v) == 0 &&
              json_object_get_double(v) == 51.5);
    CU_ASSERT(json_pointer_get(doc, "/end/latency/working/load_up_bits_per_second", &v) == 0 &&
              json_object_get_double(v) == 96.5e6);
    json_object_put(doc);
    reporter_close(&r);
}

static void test_text_working_load(void)
{
    for (int inband = 0; inband <= 1; inband++) {
        struct reporter_run r;
        run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
        struct weir_report_working_latency w = working_of();
        struct weir_report_load l = inband ? load_of("tls", "TCP", 1) : load_of("udp", "UDP", 0);
        working_end(&r, &w, &l);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, inband ? "Working latency: 2 load streams up over tls, after 1.00 s idle\n"
                                                         : "Working latency: 2 load streams up over udp, after 1.00 s idle\n"));
        const char *line = inband
            ? "  responsiveness 606 RPM (60 s / the loaded round trips' 95 % trimmed mean)\n"
              "  in-band srtt p50 1501.50 usec, max 1794.75 usec (20 samples of the tls load connections' smoothed RTT)\n"
              "  load 96.50"
            : "  in-band none (no smoothed RTT of a udp load connection the client sends on)\n  load 96.50";
        CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, line));
        reporter_close(&r);
    }
}

static void test_json_working_load(void)
{
    for (int inband = 0; inband <= 1; inband++) {
        struct reporter_run r;
        run_open(&r, json_plugin, WEIR_ROLE_CLIENT, 0, 'a');
        struct weir_report_working_latency w = working_of();
        struct weir_report_load l = inband ? load_of("tls", "TCP", 1) : load_of("udp", "UDP", 0);
        working_end(&r, &w, &l);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
        struct json_object *doc = json_tokener_parse(r.sink.out), *v = NULL;
        CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
        CU_ASSERT(json_pointer_get(doc, "/end/latency/working/load_transport", &v) == 0 &&
                  strcmp(json_object_get_string(v), inband ? "tls" : "udp") == 0);
        CU_ASSERT(json_pointer_get(doc, "/end/latency/working/load_protocol", &v) == 0 &&
                  strcmp(json_object_get_string(v), inband ? "TCP" : "UDP") == 0);
        CU_ASSERT(json_pointer_get(doc, "/end/latency/working/inband", &v) == 0);
        if (inband) {
            CU_ASSERT(json_pointer_get(doc, "/end/latency/working/inband/count", &v) == 0 &&
                      json_object_get_int(v) == 20);
            CU_ASSERT(json_pointer_get(doc, "/end/latency/working/inband/source", &v) == 0 &&
                      strcmp(json_object_get_string(v), "smoothed_rtt") == 0);
        } else {
            CU_ASSERT_PTR_NULL(v);
        }
        json_object_put(doc);
        reporter_close(&r);
    }
}

/* --latency --load with a transport list (ABI 2.3): the text table's Idle
 * p50, Loaded p50, Increase, RPM and Load columns ("-" where a row has no
 * round trip), the line naming the load, and each JSON row's "working",
 * the keys of end.latency.working; a 2.2-sized comparison has none. */
static void working_comparison(struct reporter_run *r, uint32_t struct_size)
{
    struct weir_report_comparison_row rows[] = {
        { .transport = "tcp", .protocol = "TCP", .reliable = 1, .num_streams = 3, .seconds = 3,
          .bytes_sent = 6400, .bytes_received = 6400, .sender_bits_per_second = 51200,
          .receiver_bits_per_second = 51200, .has_retransmits = 1, .setup_seconds = 0.0005,
          .host_cpu_total = 10, .has_remote_cpu = 1, .remote_cpu_total = 5 },
        { .transport = "udp", .protocol = "UDP", .datagram = 1, .num_streams = 3, .seconds = 3,
          .bytes_sent = 6400, .bytes_received = 6400, .sender_bits_per_second = 51200,
          .receiver_bits_per_second = 51200, .packets = 100, .setup_seconds = 0.0001,
          .host_cpu_total = 10 },
        { .transport = "quic", .protocol = "UDP", .error = "unable to connect" },
    };
    struct weir_report_latency lat[] = { lat_row(0, 0, 3, 245, 0), lat_row(0, 0, 3, 48, 0), { 0 } };
    struct weir_report_working_latency w[] = { working_of(), working_of(), { 0 } };
    /* A queue's delays, and a udp row whose loaded phase had no reply. */
    w[0].loaded.p50 = 250000;
    w[0].increase_p50 = 249948.5;
    w[1].loaded.count = 0;
    w[1].up_bits_per_second = 1e6;
    struct weir_report_load l[] = { load_of("tcp", "TCP", 1), load_of("tcp", "TCP", 0),
                                    { .struct_size = sizeof l[0] } };
    const struct weir_report_load *lp[] = { &l[0], &l[1], &l[2] };
    struct weir_report_comparison c = { .struct_size = struct_size, .n_rows = 3, .rows = rows, .latency = lat,
                                        .working = w, .load = lp };
    CU_ASSERT_EQUAL(r->ops->comparison(r->ctx, &c), WEIR_OK);
}

static void test_working_comparison(void)
{
    struct reporter_run r;
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    working_comparison(&r, sizeof(struct weir_report_comparison));
    expect_text(r.sink.out,
        "\n"
        "Comparison, one test per transport with the same options:\n"
        "Transport  Protocol            Sender         Receiver     CPU     CPU   Retr   Lost/Total Datagrams     Jitter      Setup    RTT p50    RTT p99   Lost   Idle p50 Loaded p50   Increase      RPM             Load\n"
        "                                                         local  remote                                                           usec       usec probes       usec       usec       usec                        up\n"
        "tcp        TCP         51.2 Kbits/sec   51.2 Kbits/sec   10.0%    5.0%      0                      -          -     0.5 ms      16.75      25.50      2      51.50   250000.0  +249948.5      606   96.5 Mbits/sec\n"
        "udp        UDP         51.2 Kbits/sec   51.2 Kbits/sec   10.0%       -      -             0/100 (0%)   0.000 ms     0.1 ms      16.75      25.50      2      51.50          -          -        -   1.00 Mbits/sec\n"
        "quic       UDP       failed: unable to connect\n"
        "Working latency: 2 load streams up over tcp in every test, after 1.00 s idle (Load: as received)\n",
        "comparison with working latency columns");
    reporter_close(&r);
    /* From a 2.2 weir: the latency columns alone. */
    run_open(&r, text_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    working_comparison(&r, offsetof(struct weir_report_comparison, working));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.sink.out, "RTT p99   Lost\n"));
    CU_ASSERT_PTR_NULL(strstr(r.sink.out, "Idle p50"));
    CU_ASSERT_PTR_NULL(strstr(r.sink.out, "Working latency"));
    reporter_close(&r);

    run_open(&r, json_plugin, WEIR_ROLE_CLIENT, 0, 'a');
    working_comparison(&r, sizeof(struct weir_report_comparison));
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.sink.out);
    struct json_object *doc = json_tokener_parse(r.sink.out), *v = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/0/working/loaded/p50_us", &v) == 0 &&
              json_object_get_double(v) == 250000);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/0/working/increase_p50_us", &v) == 0 &&
              json_object_get_double(v) == 249948.5);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/0/working/rpm", &v) == 0 &&
              json_object_get_double(v) == 606.5);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/0/working/load_transport", &v) == 0 &&
              strcmp(json_object_get_string(v), "tcp") == 0);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/0/working/inband/count", &v) == 0 &&
              json_object_get_int(v) == 20);
    /* No loaded round trip: the figures that need one are null. */
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/1/working/loaded/count", &v) == 0 &&
              json_object_get_int(v) == 0);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/1/working/rpm", &v) == 0 && v == NULL);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/1/working/inband", &v) == 0 && v == NULL);
    CU_ASSERT(json_pointer_get(doc, "/comparison/transports/2/working", &v) != 0);
    json_object_put(doc);
    reporter_close(&r);
}

int main(void)
{
    static CU_TestInfo text_tests[] = {
        { "TCP client", test_text_tcp_client },
        { "TCP server", test_text_tcp_server },
        { "reverse -P 2 with [SUM] and separators", test_text_reverse_parallel },
        { "UDP client, server, -P 2, out-of-order", test_text_udp },
        { "bidir role tags, client and server", test_text_bidir },
        { "omitted tag", test_text_omitted },
        { "-V lines", test_text_verbose },
        { "server's transport line", test_text_transport_line },
        { "-f M rate column", test_text_rate_unit },
        { "errors and server output", test_text_errors_and_server_output },
        { "warnings", test_text_warnings },
        { "--latency table; 2.0-sized snapshots", test_text_latency },
        { "--latency table: 100 ms to 60 s in line, dashes when empty", test_text_latency_wide_and_empty },
        { "--load: working latency", test_text_working },
        { "--load-transport: the load's transport, in-band (2.2)", test_text_working_load },
        CU_TEST_INFO_NULL,
    };
    static CU_TestInfo json_tests[] = {
        { "json TCP client document", test_json_tcp_client },
        { "json UDP client and server", test_json_udp },
        { "json TCP server and bidir", test_json_tcp_server_and_bidir },
        { "json error before the test", test_json_early_error },
        { "json server: one document per test", test_json_server_documents },
        { "json:PATH and server output", test_json_file_and_server_output },
        { "json-stream lines", test_json_stream },
        { "no warnings; a full disk fails the hook", test_json_warnings_and_full_disk },
        { "typed facts: json and -V text", test_facts },
        { "--latency objects", test_json_latency },
        { "--latency comparison: text columns, JSON rows", test_latency_comparison },
        { "--load: end.latency.working", test_json_working },
        { "--load-transport: load_transport, inband (2.2)", test_json_working_load },
        { "--load comparison: text columns, JSON rows' working (2.3)", test_working_comparison },
        CU_TEST_INFO_NULL,
    };
    static CU_SuiteInfo suites[] = {
        { .pName = "text reporter", .pInitFunc = suite_init, .pTests = text_tests },
        { .pName = "json reporters", .pInitFunc = suite_init, .pTests = json_tests },
        CU_SUITE_INFO_NULL,
    };
    return run_suites(suites);
}
