/* One test: its parameters, streams, counters and timing, shared by the
 * client and server state machines. */
#ifndef WEIR_TEST_H
#define WEIR_TEST_H

#include <stdatomic.h>
#include <stdint.h>
#include <weir/weir.h>

#include "run/cpu.h"
#include "cli/options.h"
#include "proto/params.h"
#include "run/transport_params.h"

struct diskfile;
struct latency_engine;

/* Data-path phase, written by the main thread, read by workers. */
enum data_phase {
    PHASE_IDLE = 0,     /* streams open, nothing moves yet */
    PHASE_RUN = 1,      /* send and count */
    PHASE_DRAIN = 2,    /* test over: stop sending, read and discard */
    PHASE_STOP = 3      /* workers exit */
};

/* What the peer reported for one stream in the results exchange. */
struct peer_stream {
    int known;
    uint64_t bytes;
    int64_t retransmits;
    double jitter;              /* seconds */
    int64_t errors;
    int64_t omitted_errors;
    int64_t packets;
    int64_t omitted_packets;
    double start_time, end_time;
};

struct stream {
    int id;                     /* 1, 3, 4, 5, ... */
    int sending;                /* this side writes */
    const struct weir_plugin *tp;   /* its transport: the test's, or
                                   --load-transport's for a load stream */
    void *ctx;                  /* the transport's stream */
    int fd;
    char local_host[64], remote_host[64];
    uint16_t local_port, remote_port;

    /* Written only by the stream's worker. */
    struct weir_counters ctr;
    _Atomic int failed;         /* weir_status of a send/recv error, 0 if none */
    char failed_why[160];       /* its detail ("sendmmsg: Message too long"),
                                   written before failed is set */
    int failed_errno;           /* errno of the call that failed, likewise */
    _Atomic int omit_ended;     /* set by the main thread (release, after
                                   at_omit): the worker zeroes jitter, as
                                   iperf3 does after -O, or starts the share */
    uint64_t budget_blocks;     /* -n/-k share for a sending stream, 0 = none */
    int budget_after_omit;      /* the share counts from the omit end, no
                                   cap before it; the worker clears it then */
    uint64_t budget_base;       /* worker: ctr.blocks where the share starts */
    struct diskfile *file;      /* -F, or NULL */
    uint64_t file_size;         /* its size when the stream closed */
    _Atomic int data_ended;     /* sender: the whole file went to the
                                   transport (-F: send said WEIR_E_DATAEND),
                                   or the -n/-k share did */

    /* Main thread bookkeeping. */
    struct weir_counters at_interval;   /* ctr at the previous interval */
    struct weir_counters at_omit;       /* ctr when the omit period ended */
    uint64_t retrans_interval, retrans_omit;
    int info_valid;
    uint64_t max_snd_cwnd, max_snd_wnd;
    uint32_t max_rtt, min_rtt;
    uint64_t rtt_sum, rtt_n;
    char congestion[32];
    /* Kernel view taken when the test stopped, so the summary and the
     * results survive the streams being closed. */
    struct weir_stream_info final_info;
    int final_info_valid;
    struct peer_stream peer;
};

struct test {
    int role;                   /* enum weir_role */
    const struct settings *s;
    struct test_params p;       /* what is on the wire */
    const struct weir_plugin *transport;
    void *tglobal;
    struct weir_param_set tparams; /* what stream configs point to
                                   (test_stream_config): the transport
                                   parameters the test gives */
    unsigned char cookie[WEIR_COOKIE_SIZE];
    int ctl_fd;
    char peer_host[64];         /* the control connection's peer */
    uint16_t peer_port;
    int control_mss;
    int stream_tag;             /* both ends agreed: streams carry the cookie */
    int sender_done;            /* both ends agreed: ST_WEIR_SENT ends a
                                   -n/-k test the server sends (state.h) */
    struct weir_test_rules rules; /* the transport's rules for this test
                                   (test_take_rules): what the core asks
                                   instead of the descriptor's fixed ones */

    struct stream *streams;
    int n_streams;
    int n_alloc;
    const char *file;           /* -F for this test, or NULL */
    struct diskfile *next_file; /* opened for the stream being set up */

    _Atomic int phase;          /* enum data_phase */
    struct workers *workers;
    /* --latency (run/latency.h): every stream carries probes, moved by
     * the probe engine instead of the workers. */
    struct latency_engine *latency;
    /* --busy-poll (run/busy_poll.h): SO_BUSY_POLL as set on the probe
     * sockets, µs (0: not set), or why not (an errno, 0: it was). */
    uint32_t busy_poll_us;
    int busy_poll_errno;
    const char *latency_clock;  /* client: why one-way delays are measured
                                   ("loopback", "synced"), NULL: not */
    /* --load: the streams from index workers_from on are bulk load, moved
     * by the workers, started at load_start_ns (the idle phase's end). */
    int workers_from;
    uint64_t load_start_ns;     /* 0: not started */
    /* --load-transport: the load streams' own transport and its global,
     * when it is not the probes' (NULL: the load runs over transport). */
    const struct weir_plugin *load_transport;
    void *load_tglobal;
    struct weir_test_rules load_rules;  /* its rules (test_take_load_rules) */

    /* Timing, monotonic ns. start_ns moves to the omit end, as iperf3 restarts
     * its clocks there. */
    uint64_t start_ns;
    uint64_t running_since_ns;  /* TEST_RUNNING */
    uint64_t interval_start_ns;
    uint64_t end_ns;
    int omitting;
    struct cpu_mark cpu_start;
    double cpu_total, cpu_user, cpu_system;

    /* Peer's results. */
    int peer_known;
    double peer_cpu_total, peer_cpu_user, peer_cpu_system;
    int peer_sender_has_retransmits;
    char *peer_congestion;
    char *server_output_text;
    char *server_output_json;
};

void test_init(struct test *t, int role, const struct settings *s);
void test_free(struct test *t);

/* Append a stream with the next iperf3 id (1, 3, 4, ...) and fill its
 * addresses from the descriptor. NULL when out of memory. */
struct stream *test_add_stream(struct test *t, void *ctx, int sending);
void test_close_streams(struct test *t);

/* Local stream config from the test's parameters; its transport
 * parameters (cfg->params) are t->tparams, built anew. */
void test_stream_config(struct test *t, int sending, int index,
                        struct weir_stream_config *cfg);
/* -F: open the file for the stream about to be set up (kept for a retry
 * of the same stream) and hand it to the transport in cfg; test_add_stream
 * gives it to that stream. WEIR_OK, or WEIR_E_FILE with errno set and why
 * filled. */
int test_stream_file(struct test *t, int sending, struct weir_stream_config *cfg,
                     char *why, size_t whylen);
/* The transport stream index i runs over (the load's for a load stream
 * under --load-transport), and its global. */
const struct weir_plugin *test_transport_at(const struct test *t, int i);
void *test_tglobal_at(const struct test *t, int i);
/* The transport the bulk streams (the workers') run over. */
const struct weir_plugin *test_bulk_transport(const struct test *t);
/* The transport can carry a file (-F): WEIR_CAP_PAYLOAD. */
int test_carries_files(const struct test *t);
/* Why it cannot, one line into buf: the transport, or its datagram mode
 * when only this test's rules took the payload away (quic's
 * --quic-datagrams). */
void test_no_files_why(const struct test *t, char *buf, size_t len);

/* Ask the transport for this test's rules (caps, block sizes, default
 * rate: weir_transport_ops.test_rules) into t->rules, once the transport
 * is initialised and the parameters are known (the client's from its
 * settings, the server's from the client). A client whose answer makes a
 * datagram test of a transport that is not one by its descriptor sends
 * weir_datagrams. WEIR_OK, or the hook's refusal with the detail set. */
int test_take_rules(struct test *t);
/* The test's WEIR_CAP_* (t->rules.caps; the descriptor's before the rules
 * were taken): every question the core asks of a transport's
 * capabilities for a test goes here. */
uint32_t test_caps(const struct test *t);
/* --load-transport: its rules for this test, as test_take_rules (from the
 * first load stream's config) into t->load_rules. */
int test_take_load_rules(struct test *t);
/* A stream's WEIR_CAP_*: the load's rules for a load stream under
 * --load-transport, the test's otherwise. */
uint32_t test_stream_caps(const struct test *t, const struct stream *st);
/* The rules the bulk streams run by (the load's, or the test's). */
const struct weir_test_rules *test_bulk_rules(const struct test *t);
uint32_t test_bulk_caps(const struct test *t);

int test_is_datagram(const struct test *t);
/* The streams carry --latency's probes (both ends agreed). */
int test_is_latency(const struct test *t);
/* --latency --load: streams of the test, probes first (-P of them), then
 * the load's (--load of them each way, the client's sending half first). */
int test_stream_count(const struct test *t);
/* test_start.num_streams: iperf3's -P (a --bidir pair counted once), with
 * --latency --load the probe streams and the load's. */
int test_num_streams(const struct test *t);
int test_probe_count(const struct test *t);
/* Stream index i: the client sends on it (a server sends on the others). */
int test_client_sends(const struct test *t, int i);
/* Some stream this side sends on counts retransmits (WEIR_CAP_RETRANSMITS). */
int test_has_retransmits(const struct test *t);
/* -n/-k: give each sending stream its share so the total stops at the
 * requested amount (rounded up to whole blocks per stream). Either end:
 * with -R the server is the sender; see test.c for when a server sends
 * on until TEST_END instead, and for where -O starts the count. */
void test_share_budget(struct test *t);
/* Every sending stream has a -n/-k share and sent all of it (and there is
 * one): the sender is done. */
int test_sent_share(const struct test *t);
/* Called from the main loop: ends the omit period when due. */
void test_omit_check(struct test *t, uint64_t now);

#endif
