/* weir plugin SDK: reporter plugins.
 *
 * A reporter presents a test's results. The core calls its hooks on the main
 * thread, in this order for each test:
 *
 *   open                       once per process, with the user's ARG
 *   [server_listening]         server: before each test
 *   [connected]                control connection is up
 *   test_start                 data streams exist, data about to flow
 *   interval *                 once per -i period (not with -i 0)
 *   test_end                   final summary (client: with the peer's results)
 *   test_finish                always last for a test, error text or NULL
 *   [comparison]               after the last test of --transport A,B,...
 *   close                      once per process
 *
 * and [message], a warning from weir, at any time between open and close.
 *
 * Every pointer handed to a hook is const and valid only during the call.
 * A reporter writes through the sink it got at open; the core routes the
 * output (stdout/stderr, --logfile, the --get-server-output capture).
 * Line prefixes (-T, --timestamps) are the text reporter's business: the
 * core passes them in weir_report_format. */
#ifndef WEIR_REPORTER_H
#define WEIR_REPORTER_H

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

enum weir_role { WEIR_ROLE_CLIENT = 0, WEIR_ROLE_SERVER = 1 };
enum weir_channel { WEIR_OUT = 0, WEIR_ERR = 1 };

struct weir_sink {
    void *ctx;
    /* Write len bytes to a channel. Text reporters write whole lines. */
    void (*write)(void *ctx, enum weir_channel ch, const char *buf, size_t len);
};

/* Options that change presentation, shared by all reporters. */
struct weir_report_format {
    uint32_t struct_size;
    char unit;                  /* -f: 'a' adaptive bits, k m g t bits, K M G T bytes */
    int verbose;                /* -V */
    int role;                   /* enum weir_role */
    const char *title;          /* -T: text output prefixes lines "TITLE:  " */
    const char *timestamps;     /* --timestamps: strftime format to prefix text lines, or NULL */
    int comparison;             /* --transport A,B,...: number of tests in the
                                   comparison run (each a full test_start ..
                                   test_finish), then one comparison call;
                                   0 for an ordinary run */
    const char *program;        /* what error lines start with: "weir", or
                                   "iperf3" when weir runs under that name
                                   ("iperf3: error - ...") */
    const char *done_line;      /* the line that ends a successful client
                                   run: "weir Done.", or "iperf Done." */
};

struct weir_report_connect {
    uint32_t struct_size;
    int role;
    const char *host;           /* client: server as given; server: peer address */
    uint16_t port;
    const char *version;        /* "weir 0.1.0" */
    const char *system_info;    /* uname line */
    const char *timestamp;      /* RFC 1123, GMT */
    int64_t timesecs;
    int64_t timemillisecs;
    int control_mss;            /* -V: "Control connection MSS" (client), 0 if unknown */
    uint32_t chosen_blksize;    /* -V: "Setting UDP block size to N" (client): the
                                   block size taken from control_mss (or the
                                   transport's default) because -l gave none
                                   (WEIR_CAP_MSS_BLKSIZE); 0 otherwise */
};

struct weir_report_stream {
    int id;                     /* iperf3 stream id: 1, 3, 4, 5, ... */
    int socket;                 /* local descriptor, the "[  5]" column */
    int sending;                /* this side writes on the stream */
    const char *local_host;
    uint16_t local_port;
    const char *remote_host;
    uint16_t remote_port;
    size_t n_facts;             /* what the transport's describe hook said */
    const struct weir_fact *facts; /* about the stream, in its order
                                   (start.weir.streams[] in JSON) */
};

struct weir_report_start {
    uint32_t struct_size;
    int role;
    const char *host;           /* client: connecting_to; server: accepted_connection */
    uint16_t port;
    const char *cookie;         /* 36 characters */
    const char *protocol;       /* wire label: "TCP", "UDP" */
    int reliable;               /* transport is a byte stream (TCP-like) */
    int datagram;               /* transport reports datagram statistics */
    int tcp_mss_default;        /* control MSS (client) or 0 */
    int tcp_mss;                /* -M value, 0 when not given */
    uint64_t target_bitrate;    /* bits/s per stream, 0 = unlimited */
    uint64_t fq_rate;
    int sock_bufsize;           /* -w, 0 = default */
    int sndbuf_actual;
    int rcvbuf_actual;
    int num_streams;            /* -P */
    uint32_t blksize;
    int omit;
    int duration;
    uint64_t bytes;             /* -n */
    uint64_t blocks;            /* -k */
    int reverse;
    int bidir;
    int tos;
    double interval;
    const char *title;          /* -T or NULL */
    const char *extra_data;     /* --extra-data or NULL */
    size_t n_streams;
    const struct weir_report_stream *streams;
    /* weir's own facts about the test, in this order (the JSON report's
     * "start.weir" object): transport (string, the plugin's name),
     * encrypted (bool, as below), threads (uint, data worker threads), test
     * (uint, a server's test number; only when it may run tests at once),
     * stream_tag (bool, only when the streams carry the cookie). */
    size_t n_weir_facts;
    const struct weir_fact *weir_facts;
    int streams_described;      /* the transport described its streams
                                   (describe said WEIR_OK for one): each
                                   stream's facts (maybe none) follow the
                                   facts above ("start.weir.streams") */
    const char *transport;      /* transport plugin's name: "tcp", "udp", "tls" */
    int encrypted;              /* the data streams are encrypted (the
                                   transport has WEIR_CAP_ENCRYPTED) */
    const char *server_transport; /* server: the transport it was started
                                   with (--transport), NULL when none was
                                   chosen (iperf3's behaviour: the client's
                                   tcp or udp); client: NULL */
    int gso;                    /* iperf3 3.21's --gsro setting of the test
                                   (a server: as the client asked): 1 asked
                                   for segmentation offload, else 0 */
    int gro;                    /* receive offload, the same */
    /* 2.1 */
    int latency;                /* --latency: the streams carry probes (a
                                   client's intervals and end have latency
                                   figures; a server only echoes) */
    uint32_t latency_request;   /* bytes of a request (-l) */
    uint32_t latency_reply;     /* bytes of a reply (--latency-reply-size) */
    double latency_rate;        /* requests per second per stream, 0 = back
                                   to back (one outstanding) */
    const char *latency_clock;  /* why one-way delays are shown: "loopback"
                                   (one host) or "synced" (the user said
                                   so, --latency-synced-clocks); NULL: round
                                   trips only */
    int latency_busy_poll;      /* --busy-poll: this end's probe threads
                                   spin on non-blocking receives (the
                                   client asks the server to do the same) */
    uint32_t latency_busy_poll_us; /* SO_BUSY_POLL on this end's probe
                                   sockets, in µs as the kernel reports
                                   it; 0 = not set */
    const char *latency_busy_poll_error; /* with busy_poll: why SO_BUSY_POLL
                                   could not be set (the system's message:
                                   "Operation not permitted" without
                                   CAP_NET_ADMIN above net.core.busy_read),
                                   NULL when it was */
};

/* The numbers of one stream, or a sum of streams, over one span of time
 * (an interval, or the whole test in weir_report_end). Fields that do not
 * apply are 0; the has_* flags say which apply. The SDK guide's
 * "Samples" table says what each field means. */
struct weir_report_sample {
    int socket;                 /* local descriptor, the name every reporter
                                   gives the stream ("[  5]"); 0 in sums */
    int sender;                 /* the data flowed from this side */
    int omitted;                /* interval falls in the -O period */
    double start, end;          /* seconds on the test's clock (the -O
                                   period has its own, from 0) */
    double seconds;             /* end - start */
    uint64_t bytes;             /* payload moved in the span */
    double bits_per_second;     /* bytes * 8 / seconds */
    int has_retransmits;
    int64_t retransmits;
    int has_tcpinfo;            /* snd_cwnd .. reorder are valid */
    uint64_t snd_cwnd, snd_wnd;
    uint32_t rtt, rttvar, pmtu;
    uint64_t reorder;
    int datagram;               /* packets etc. are valid */
    double jitter_ms;
    int64_t lost_packets;
    int64_t packets;
    double lost_percent;
    int64_t out_of_order;
    size_t n_facts;             /* an interval's stream: what the transport's
                                   describe_interval hook said about it, in */
    const struct weir_fact *facts; /* its order; 0 and NULL elsewhere */
};

/* 2.1, --latency: one distribution of delays over a span, in
 * microseconds with sub-microsecond resolution (from a log-linear
 * histogram: percentiles within 1 % of the true value; min, max, mean and
 * stddev exact). All 0 when count is 0. */
struct weir_report_latency_bucket {
    double le_us;               /* upper bound, microseconds */
    uint64_t count;             /* delays <= le_us (cumulative) */
};

/* The bucket bounds every distribution is exported with: 1, 1.5, 2, 3, 5
 * and 7 times each power of ten from 1 us to 50 s (47 bounds; a delay
 * above the last is counted only in count, as OpenMetrics' +Inf bucket).
 * A count is the log-linear histogram's, so a delay within its 1/256
 * resolution of a bound may fall on either side. */
#define WEIR_LATENCY_BUCKETS 47

struct weir_report_latency_stats {
    uint64_t count;             /* delays measured */
    double min, mean, p50, p90, p99, p999, max;
    double stddev;              /* population standard deviation */
    double sum;                 /* of all delays, microseconds */
    size_t n_buckets;           /* WEIR_LATENCY_BUCKETS, or 0 when count is
                                   0 or the span has no distribution kept */
    const struct weir_report_latency_bucket *buckets; /* ascending le_us */
};

/* 2.1, --latency: the probes of one stream, or of all (a sum), over one
 * span (an interval, or the whole test). A probe is counted in the span in
 * which its reply came or it was given up on; probes sent in the -O period
 * are not counted at all. */
struct weir_report_latency {
    int socket;                 /* the stream's, as in weir_report_sample; 0
                                   in sums */
    int omitted;                /* the span falls in the -O period */
    double start, end;          /* as in weir_report_sample */
    uint64_t sent;              /* requests sent in the span */
    uint64_t lost;              /* requests given up on (datagram
                                   transports: no reply within the bound) */
    uint64_t missed;            /* --latency-rate: send times that passed
                                   while a request could not go (counted,
                                   never sent late in a bunch) */
    struct weir_report_latency_stats rtt;   /* round trips, as the client
                                   measured them (its clock only) */
    int one_way;                /* forward and reverse are valid: both ends
                                   share a clock (weir_report_start) */
    struct weir_report_latency_stats forward;   /* client to server */
    struct weir_report_latency_stats reverse;   /* server to client */
};

/* 2.1, --latency --load: working latency. The round trips of all probe
 * streams, of requests sent in the idle phase (before the load started)
 * and after, and the load's throughput while it ran. */
struct weir_report_working_latency {
    uint32_t load_streams;      /* --load: streams each way */
    const char *load_direction; /* "up" (client to server), "down" (-R) or
                                   "both" (--bidir) */
    double idle_seconds;        /* the idle phase's length */
    struct weir_report_latency_stats idle, loaded;
    double increase_p50;        /* loaded.p50 - idle.p50, microseconds */
    double increase_mean;       /* loaded.mean - idle.mean, microseconds */
    double rpm;                 /* responsiveness, round trips per minute:
                                   60 s / the mean of the loaded round trips
                                   without their slowest 5 % (the IPPM
                                   responsiveness draft's trimmed mean); 0
                                   without loaded round trips */
    double up_bits_per_second;  /* the load client to server, as received,
                                   over the load's time; 0 when none */
    double down_bits_per_second;/* server to client, likewise */
};

/* 2.2, --latency --load: the load streams' transport (--load-transport,
 * or the test's), and the round trips measured in band on the loaded
 * connections: the transport's own smoothed RTT of each (TCP_INFO's for
 * tcp and tls, ngtcp2's for quic), sampled every 100 ms while the load
 * ran, of the load streams the client sends on. */
struct weir_report_load {
    uint32_t struct_size;
    const char *transport;      /* plugin name */
    const char *protocol;       /* its wire label, as in weir_report_start */
    int has_inband;             /* the transport keeps an RTT estimate and
                                   the client sent on some load stream:
                                   inband holds samples (not udp, not -R) */
    struct weir_report_latency_stats inband;    /* µs; count = samples */
};

struct weir_report_interval {
    uint32_t struct_size;
    size_t n_streams;
    const struct weir_report_sample *streams;   /* same order as start.streams */
    /* Without --bidir: all streams, whichever way they go (client to
     * server, or server to client with -R). With --bidir: the client to
     * server streams. */
    struct weir_report_sample sum;
    int bidir;                                  /* sum_bidir_reverse valid */
    struct weir_report_sample sum_bidir_reverse;/* --bidir: server to client */
    /* 2.1 */
    size_t n_latency;           /* --latency, client: one per probe stream,
                                   in the order of streams; 0 otherwise */
    const struct weir_report_latency *latency;
    const struct weir_report_latency *latency_sum; /* all probe streams;
                                   NULL without latency figures */
};

struct weir_report_end_stream {
    int id;
    int socket;
    int sending;                /* this side sent on the stream */
    int has_sender;             /* sender numbers known (local, or from the peer) */
    int has_receiver;
    struct weir_report_sample sender;
    struct weir_report_sample receiver;
    /* TCP_INFO extremes over the test of this side's socket: of every
     * sending stream, and with --bidir of the receiving ones too (iperf3
     * shows a socket's own figures under its stream's sender); 0 when not
     * read. has_tcpinfo: a sending stream whose figures were read. */
    int has_tcpinfo;
    uint64_t max_snd_cwnd, max_snd_wnd;
    uint32_t max_rtt, min_rtt, mean_rtt;
};

/* -F, what one stream did with the file (iperf3's "diskfile"). */
struct weir_report_diskfile {
    const char *filename;       /* as given to -F */
    uint64_t sent;              /* the stream's bytes sent (the peer's count
                                   when this side received) */
    uint64_t received;          /* bytes received (the peer's count when
                                   this side sent; 0 if unknown) */
    uint64_t size;              /* the file's size at the end */
    int percent_sent;           /* 100 * sent / size, truncated; 100 for an
                                   empty file */
    int percent_received;
};

struct weir_report_end {
    uint32_t struct_size;
    size_t n_streams;
    const struct weir_report_end_stream *streams;
    int has_peer;               /* the peer's results were received */
    int show_retransmits;       /* either side reported retransmits */
    /* As in weir_report_interval: all streams without --bidir (-R: server
     * to client), the client to server ones with --bidir. */
    struct weir_report_sample sum_sent, sum_received;
    int bidir;
    /* --bidir: the server to client streams. */
    struct weir_report_sample sum_sent_bidir_reverse, sum_received_bidir_reverse;
    double host_total, host_user, host_system;
    double remote_total, remote_user, remote_system;
    const char *sender_tcp_congestion;    /* NULL when unknown */
    const char *receiver_tcp_congestion;
    const char *server_output_text;       /* client with --get-server-output */
    const char *server_output_json;       /* JSON text of the server's document */
    const struct weir_report_diskfile *diskfiles; /* -F: one per stream, in
                                   the order of streams; NULL without -F */
    /* 2.1: as in weir_report_interval, over the whole test (from the -O
     * end). count is the sum of the intervals' counts. */
    size_t n_latency;
    const struct weir_report_latency *latency;
    const struct weir_report_latency *latency_sum;
    const struct weir_report_working_latency *working; /* --load, client;
                                   NULL otherwise */
    /* 2.2 */
    const struct weir_report_load *load;        /* --load, client (with
                                   working); NULL otherwise */
};

/* one row per test of a comparison run (--transport A,B,...), in
 * the order the tests ran. Numbers are the test's end summary: what the
 * client sent and what the server received (reverse: the other way). */
struct weir_report_comparison_row {
    const char *transport;      /* plugin name */
    const char *protocol;       /* wire label, as in weir_report_start */
    const char *error;          /* the test failed: its message; NULL if it ran */
    int datagram;               /* loss, jitter and packets apply */
    int reliable;               /* retransmits may apply */
    uint64_t target_bitrate;    /* -b per stream, 0 = unlimited */
    int num_streams;
    double seconds;             /* sender's measured duration */
    uint64_t bytes_sent, bytes_received;
    double sender_bits_per_second, receiver_bits_per_second;
    int has_retransmits;
    int64_t retransmits;
    int64_t lost_packets, packets;
    double lost_percent;
    double jitter_ms;
    double setup_seconds;       /* connecting every data stream, handshakes
                                   included (TLS), measured by the client */
    double host_cpu_total;      /* percent, this side */
    int has_remote_cpu;
    double remote_cpu_total;    /* percent, the peer */
};

struct weir_report_comparison {
    uint32_t struct_size;
    size_t n_rows;
    const struct weir_report_comparison_row *rows;
    const char *note;           /* a line the user should read with the table
                                   (e.g. how UDP's rate was chosen), or NULL */
    /* 2.1 */
    const struct weir_report_latency *latency; /* --latency: per row, in the
                                   order of rows, the whole test's sum of
                                   its probe streams (rtt.count 0 for a
                                   test that failed; no buckets); NULL
                                   without --latency */
    /* 2.3 */
    const struct weir_report_working_latency *working; /* --latency --load:
                                   per row, in the order of rows, its
                                   test's working latency (end.working,
                                   without buckets); NULL without --load.
                                   A row whose test failed (error set, or
                                   no end summary) is all 0: counts 0,
                                   load_streams 0, load_direction NULL */
    const struct weir_report_load *const *load; /* --latency --load: per
                                   row, a pointer to its test's
                                   end.load (the load's transport and its
                                   in-band smoothed RTT, without buckets;
                                   never NULL: a failed row's is all 0 but
                                   struct_size, its strings NULL). Pointers,
                                   not an array of the struct: a later
                                   minor may append to weir_report_load.
                                   NULL without --load */
};

/* Every hook returns WEIR_OK, or an error code after host->set_error()
 * with the detail (a file that cannot be written: WEIR_E_LOGFILE). weir
 * then prints "reporter 'NAME': DETAIL" once, calls no more hooks of that
 * instance but close, lets the other reporters carry on, and exits 1.
 * An optional hook left NULL is as if it returned WEIR_OK having shown
 * nothing, except where its comment says otherwise. */
struct weir_reporter_ops {
    uint32_t struct_size;       /* sizeof(struct weir_reporter_ops) */

    /* required: create an instance. arg is the text after "NAME:" in
     * --reporter NAME:ARG, or NULL. On failure free what was allocated:
     * close is not called. */
    int (*open)(const struct weir_host *host, const char *arg,
                const struct weir_report_format *fmt,
                const struct weir_sink *out, void **ctx);
    /* required: free the instance, once, at exit (also after a failed
     * hook). An error (the last of a file did not reach the disk) is
     * reported unless the instance failed already; it is gone either
     * way. */
    int (*close)(void *ctx);
    /* optional: server is waiting for test number test_no. */
    int (*server_listening)(void *ctx, uint16_t port, int test_no);
    /* optional: control connection established. */
    int (*connected)(void *ctx, const struct weir_report_connect *c);
    /* required */
    int (*test_start)(void *ctx, const struct weir_report_start *s);
    /* required */
    int (*interval)(void *ctx, const struct weir_report_interval *iv);
    /* required */
    int (*test_end)(void *ctx, const struct weir_report_end *e);
    /* required: the test is over; error is NULL on success. A reporter
     * that buffers (json) writes its document here. When error is set and
     * this reporter did not show its text on its sink (2.1: it writes a file,
     * or its format has no place for a reason: openmetrics, svg), it does
     * everything else as usual and returns WEIR_E_NOTIMPL; when no
     * reporter showed the error, weir writes "weir: error - TEXT" on
     * stderr itself, so a failure is never silent. */
    int (*test_finish)(void *ctx, const char *error);
    /* optional: a notice from weir the user should see, between open and
     * close: level WEIR_LOG_WARNING for now ("-F ignored for this test:
     * ..."), text without a prefix or newline (the text reporter prints
     * "weir: warning - TEXT" on WEIR_ERR). Return WEIR_E_NOTIMPL when this
     * reporter does not show notices (a JSON document has no place for
     * them; the same without the hook). When no reporter showed one, weir
     * writes it on stderr itself. */
    int (*message)(void *ctx, enum weir_log_level level, const char *text);
    /* optional: set *json to the test's document so far as JSON text
     * (start, intervals, end), in malloc'd memory the caller frees, or to
     * NULL when the reporter keeps none (the same without the hook). A
     * server sends it to a client that asked for --get-server-output,
     * before test_finish; it asks the first reporter only. */
    int (*document)(void *ctx, char **json);
    /* optional: a comparison run is over; called once after its last
     * test_finish, before close. */
    int (*comparison)(void *ctx, const struct weir_report_comparison *c);
};

#ifdef __cplusplus
}
#endif
#endif
