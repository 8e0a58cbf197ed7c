/* weir plugin SDK: transport plugins.
 *
 * A transport moves the bytes of one data stream. The core owns the control
 * connection, the cookie, timing and statistics; it calls these hooks:
 *
 *   control thread: init, client_open (client) or server_start/server_listen/
 *                   server_adopt or server_accept/server_unlisten (server),
 *                   stream_fd, info, describe, describe_interval, close,
 *                   fini
 *   worker thread:  send, recv, recv_wait (one worker owns a stream; never
 *                   concurrently)
 *
 * With --loopback the client's and the server's control threads run at the
 * same time and share the plugin's global. A server with --max-tests N runs
 * one control thread per test: their server hooks run concurrently (for
 * different listeners), so keep the global read-only after init, or lock.
 *
 * Streams are non-blocking once open: the core polls the fd returned by
 * stream_fd with epoll and calls send/recv when it is ready.
 *
 * Hooks return WEIR_OK or a weir_status code; WEIR_E_AGAIN from send/recv
 * means "would block, wait for readiness". Optional hooks may be NULL: the
 * core then does what each one's comment says it does without it.
 *
 * Stacking: a transport may run on another one (tls on tcp, quic on udp).
 * It gets the lower transport from host->open_lower (plugin.h), opens the
 * lower's streams with cfg->lower set (WEIR_LOWER_*, below) and moves its
 * own bytes through the lower's write_bytes/read_bytes or
 * send_datagrams/recv_datagrams hooks (the last group of
 * weir_transport_ops). sdk/README.md, "Stacking", walks through it. */
#ifndef WEIR_TRANSPORT_H
#define WEIR_TRANSPORT_H

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Capability flags: the core branches on these, never on a plugin's name. */
#define WEIR_CAP_RELIABLE      (1u << 0) /* byte stream; bytes in == bytes out */
#define WEIR_CAP_DATAGRAM      (1u << 1) /* fixed-size datagrams with a header;
                                            fills packets/lost/out_of_order/jitter */
#define WEIR_CAP_RETRANSMITS   (1u << 2) /* info() reports retransmits (TCP_INFO) */
#define WEIR_CAP_CONTROL_PORT  (1u << 3) /* streams connect to the server's
                                            control port, cookie first (iperf3
                                            TCP); the core accepts them and
                                            hands each to server_adopt */
#define WEIR_CAP_CONGESTION    (1u << 4) /* info() reports the congestion
                                            control algorithm in use */
#define WEIR_CAP_EXTENSION     (1u << 5) /* weir-only: a plain iperf3 peer cannot
                                            take part; the core negotiates it */
#define WEIR_CAP_STREAM_TAG    (1u << 6) /* streams of a transport without
                                            CONTROL_PORT carry the cookie when
                                            cfg->stream_tag is set (weir peers
                                            only), so a server running several
                                            tests tells them apart */
#define WEIR_CAP_PAYLOAD       (1u << 7) /* carries the core's payload when
                                            cfg->payload is set (-F): takes
                                            what it sends from fill and hands
                                            what it receives to consume */
#define WEIR_CAP_ENCRYPTED     (1u << 8) /* the data streams are encrypted and
                                            authenticated end to end (tls); a
                                            server with --tls-required serves
                                            only tests over such a transport */
#define WEIR_CAP_MSS_BLKSIZE   (1u << 9) /* without -l the block size is the
                                            control connection's TCP MSS when
                                            that is within blksize_min..
                                            blksize_max, else default_blksize
                                            (iperf3's UDP rule) */

/* 2.1 */
#define WEIR_CAP_SEND_DRAIN    (1u << 10) /* a sending stream keeps getting
                                            send calls with max_blocks 0
                                            after its -n/-k share is sent
                                            (or its -F payload ended),
                                            until the run ends: the
                                            transport moves what it still
                                            holds (a QUIC sender reads ACKs
                                            and sends lost packets again;
                                            no kernel does it for it). It
                                            writes no new payload then. A
                                            client's -n/-k test ends once
                                            info() says unacked 0 for
                                            each sending stream. */

#define WEIR_COOKIE_SIZE 37    /* 36 characters + NUL, as iperf3 sends it */

/* weir_stream_config.lower: how an upper (stacked) transport wants a stream
 * of the transport beneath it opened. The core passes 0 (a data stream of
 * its own), or, since 2.1, WEIR_LOWER_STREAM for --latency's probe streams:
 * the core is then the upper layer, moving its probes through the byte or
 * datagram hooks (only where the plugin has them). */
#define WEIR_LOWER_STREAM (1u << 0) /* the stream carries the upper layer's
                                       bytes, through write_bytes/read_bytes
                                       or send_datagrams/recv_datagrams; its
                                       send, recv and recv_wait are never
                                       called, and blksize, rate, payload,
                                       repeating_payload, zerocopy and
                                       skip_rx_copy do not apply. The window
                                       and the socket options among the
                                       params (mss, nodelay, tos, congestion,
                                       ...) apply as to a data stream: pass
                                       the upper's params on. The stream is
                                       identified as a
                                       data stream is: tcp's client sends the
                                       cookie first and its server takes only
                                       streams with the test's cookie (tls
                                       keeps that: its handshake follows the
                                       cookie); udp's exchange iperf3's hello.
                                       Unless: */
#define WEIR_LOWER_PLAIN  (1u << 1) /* with STREAM: nothing of iperf3's on the
                                       stream, for an upper layer that
                                       identifies its streams itself (quic on
                                       udp). The client connects and sends
                                       nothing; a server's stream starts with
                                       the peer's first bytes or datagram. A
                                       transport that cannot tell a server's
                                       plain streams apart refuses it in
                                       server_listen with WEIR_E_UNSUPPORTED
                                       (tcp: its streams arrive on the
                                       control port, told apart by cookie). */
#define WEIR_LOWER_GRO    (1u << 2) /* with STREAM, datagram transports: the
                                       upper layer takes GRO-coalesced
                                       receives (weir_datagram.segment); its
                                       receive buffers must then hold
                                       WEIR_DATAGRAM_GRO_BYTES */
/* 2.3 */
#define WEIR_LOWER_LOADED (1u << 3) /* with STREAM, from the core alone, and
                                       only to a transport built against 2.3
                                       or later: a --latency probe stream of
                                       a test that runs --load's bulk streams
                                       over this same transport too (opened
                                       without STREAM). An option that only
                                       bulk streams use (quic's
                                       --quic-streams) then acts on them, and
                                       is no reason to refuse the test. */

/* ECN codepoints (RFC 3168) of weir_datagram.ecn. */
#define WEIR_ECN_UNSET   (-1)   /* send: the socket's own TOS; receive: the
                                   kernel did not say */
#define WEIR_ECN_NOT_ECT 0
#define WEIR_ECN_ECT1    1
#define WEIR_ECN_ECT0    2
#define WEIR_ECN_CE      3

/* Segments one send entry may carry (Linux's UDP_MAX_SEGMENTS). */
#define WEIR_DATAGRAM_MAX_SEGMENTS 64u
/* A receive buffer that holds any GRO-coalesced run. */
#define WEIR_DATAGRAM_GRO_BYTES 65535u
/* weir_datagram.flags, receive: the datagram was longer than cap; the
 * rest of it is lost. */
#define WEIR_DATAGRAM_TRUNCATED (1u << 0)

struct sockaddr;

/* One entry of a send_datagrams/recv_datagrams batch (stacking, datagram
 * transports). The caller owns the array, the buffers and the addresses;
 * the hooks keep no pointer into them after they return. */
struct weir_datagram {
    void *buf;                  /* send: the bytes (not written to);
                                   receive: where they go */
    size_t len;                 /* send: bytes in buf; receive: set to the
                                   bytes received */
    size_t cap;                 /* receive: room in buf; send: unused */
    uint32_t segment;           /* send: 0 = buf is one datagram; else buf
                                   holds datagrams of segment bytes back to
                                   back, the last one shorter, at most
                                   WEIR_DATAGRAM_MAX_SEGMENTS of them,
                                   sent with one GSO system call where the
                                   kernel can (else one by one: the wire
                                   sees the same datagrams). Receive: set to
                                   0 for one datagram, or, with
                                   WEIR_LOWER_GRO, to the size of each of
                                   the coalesced datagrams in buf (the last
                                   may be shorter). */
    int ecn;                    /* send: WEIR_ECN_* to mark the datagrams
                                   with, WEIR_ECN_UNSET to leave the
                                   socket's; receive: set to what the
                                   kernel reported, or WEIR_ECN_UNSET */
    uint32_t flags;             /* receive: set to WEIR_DATAGRAM_* */
    struct sockaddr *addr;      /* send: where to, NULL = the stream's peer;
                                   receive: NULL, or where to put the
                                   sender's address */
    uint32_t addr_len;          /* send: addr's length; receive: in, the
                                   room at addr (a sockaddr_storage's
                                   size), out, the address's length */
};

/* -F: the stream's payload comes from, or goes to, a file the core opened.
 * Worker thread, from inside send/recv only; the core owns ctx. */
struct weir_payload {
    void *ctx;
    /* sender, at the start of each block: put up to len bytes of payload in
     * buf; returns how many (fewer only at the end of the data, 0 when
     * there is none left: send then returns WEIR_E_DATAEND once what it
     * already took is written), or -1 with the detail set (send returns
     * WEIR_E_FILE). */
    long (*fill)(void *ctx, void *buf, size_t len);
    /* receiver, after each read: the bytes just received, in order.
     * Returns 0, or -1 with the detail set (recv returns WEIR_E_FILE). */
    int (*consume)(void *ctx, const void *buf, size_t len);
};

/* ---- transport parameters ----
 *
 * weir_stream_config below holds what every transport needs. What only
 * some transports act on reaches them through one typed channel: a
 * transport's stream hook reads a parameter with
 *
 *     host->param(cfg, WEIR_PARAM_..., &value)     (or weir_param_*())
 *
 * and gets 1 and the value when the test has one, 0 when it was not given.
 * The core's parameters, for the client as the user gave them, for the
 * server as the client's parameters carried them (and the server's own
 * command line for bind_dev, mptcp, snd_timeout_ms):
 *
 *   name                type    option              meaning
 *   congestion          string  -C                  TCP congestion control
 *                                                   algorithm (TCP_CONGESTION)
 *   mss                 uint    -M                  maximum segment size, bytes
 *   nodelay             bool    -N                  no Nagle delay (TCP_NODELAY)
 *   tos                 uint    -S, --dscp          IPv4 TOS / IPv6 traffic
 *                                                   class byte, 0..255
 *   zerocopy            bool    -Z                  a sender hands the kernel
 *                                                   its payload without
 *                                                   copying it (sendfile)
 *   skip_rx_copy        bool    --skip-rx-copy      a receiver counts bytes
 *                                                   without copying them out
 *                                                   (MSG_TRUNC)
 *   flowlabel           uint    -L                  IPv6 flow label of a
 *                                                   client's stream, 1..0xFFFFF
 *   gso                 bool    --gsro              datagram segmentation
 *                                                   offload: 1 asked for, 0
 *                                                   refused (an iperf3 3.21
 *                                                   peer without --gsro); not
 *                                                   given: the transport
 *                                                   decides
 *   gro                 bool    --gsro              receive offload, the same
 *   gso_dg_size         uint    --gsro              iperf3 3.21's GSO datagram
 *                                                   size, bytes (with gso 1)
 *   dont_fragment       bool    --dont-fragment     never fragment IPv4
 *                                                   datagrams (DF set)
 *   fq_rate             uint    --fq-rate           bits/s the socket is paced
 *                                                   to at most
 *                                                   (SO_MAX_PACING_RATE)
 *   bind_dev            string  --bind-dev          network interface of the
 *                                                   socket (SO_BINDTODEVICE)
 *   mptcp               bool    -m                  a client opens the stream
 *                                                   as Multipath TCP
 *                                                   (IPPROTO_MPTCP)
 *   udp_counters_64bit  bool    --udp-counters-64bit  64-bit datagram
 *                                                   sequence numbers
 *   snd_timeout_ms      uint    --snd-timeout       how long sent data may stay
 *                                                   unacknowledged before the
 *                                                   stream fails
 *                                                   (TCP_USER_TIMEOUT), ms
 *   notsent_lowat       uint    --tcp-notsent-lowat bytes a sending socket
 *                                                   keeps not yet sent at most
 *                                                   (TCP_NOTSENT_LOWAT)
 *   datagrams           bool    (2.2) the client's  the test moves iperf3's
 *                               transport's         datagrams (header, loss,
 *                               test_rules          jitter) over a transport
 *                                                   that can also carry a
 *                                                   byte stream (quic's
 *                                                   --quic-datagrams): the
 *                                                   weir_datagrams key
 *
 * A transport lists the ones it acts on in params_honoured and those it
 * accepts without effect in params_ignored (weir_transport_ops). A test
 * that gives one in neither list (a bool only when true) is refused before
 * any stream opens, with one line naming the option and the transport.
 * Put in params_ignored what iperf3 accepts for the same protocol without
 * acting on it (iperf3 takes -C and -N with -u), so that scripts written
 * for iperf3 keep running. A later minor may add parameters: an older
 * transport lists none of them, so a test giving one is refused there,
 * not silently run without it.
 *
 * The same call reads the transport's own declared options (struct
 * weir_option) by their names, after these: the core's names are
 * lowercase words joined by '_', an option's are its command-line name
 * with the plugin's prefix ("udp-no-gso"), so the two never meet. */
#define WEIR_PARAM_CONGESTION         "congestion"
#define WEIR_PARAM_MSS                "mss"
#define WEIR_PARAM_NODELAY            "nodelay"
#define WEIR_PARAM_TOS                "tos"
#define WEIR_PARAM_ZEROCOPY           "zerocopy"
#define WEIR_PARAM_SKIP_RX_COPY       "skip_rx_copy"
#define WEIR_PARAM_FLOWLABEL          "flowlabel"
#define WEIR_PARAM_GSO                "gso"
#define WEIR_PARAM_GRO                "gro"
#define WEIR_PARAM_GSO_DG_SIZE        "gso_dg_size"
#define WEIR_PARAM_DONT_FRAGMENT      "dont_fragment"
#define WEIR_PARAM_FQ_RATE            "fq_rate"
#define WEIR_PARAM_BIND_DEV           "bind_dev"
#define WEIR_PARAM_MPTCP              "mptcp"
#define WEIR_PARAM_UDP_COUNTERS_64BIT "udp_counters_64bit"
#define WEIR_PARAM_SND_TIMEOUT_MS     "snd_timeout_ms"
#define WEIR_PARAM_NOTSENT_LOWAT      "notsent_lowat"
/* 2.2 */
#define WEIR_PARAM_DATAGRAMS          "datagrams"

/* The host's own (opaque): a stream's transport parameters, read through
 * host->param. */
struct weir_param_set;

/* Everything every transport needs to open one stream. Built by the core
 * from the command line (client) or the peer's parameters (server); const,
 * valid only during the hook call that gets it (payload: see below). */
struct weir_stream_config {
    uint32_t struct_size;
    int family;                 /* AF_UNSPEC, AF_INET or AF_INET6 */
    const char *host;           /* client: server host; server: NULL */
    const char *bind_host;      /* -B, or NULL */
    uint16_t port;              /* server port (control and data) */
    uint16_t cport;             /* --cport for this stream, 0 = ephemeral */
    int sending;                /* 1: this side writes on the stream */
    uint32_t blksize;           /* -l: bytes per write / datagram size */
    uint64_t rate;              /* -b per stream, bits/s, 0 = unlimited
                                   (the core paces; for information) */
    int window;                 /* -w bytes, 0 = OS default */
    unsigned timeout_ms;        /* bound for any blocking step in open/accept */
    const unsigned char *cookie; /* WEIR_COOKIE_SIZE bytes */
    int stream_tag;             /* 1: both ends are weir and agreed that each
                                   stream carries the cookie (WEIR_CAP_STREAM_TAG):
                                   client, put it in the stream's opening;
                                   server, take only streams that carry it */
    int repeating_payload;      /* --repeating-payload: fill the payload with
                                   "0123456789..." instead of random bytes */
    const struct weir_payload *payload; /* -F, for a transport with
                                   WEIR_CAP_PAYLOAD: where the payload comes
                                   from or goes, valid until the stream's
                                   close; NULL = the transport's own (random
                                   or repeating) bytes. Then zerocopy and
                                   skip_rx_copy do not apply. */
    const struct weir_param_set *params; /* the transport parameters above;
                                   read them with host->param(cfg, ...) */
    uint32_t lower;             /* WEIR_LOWER_*: 0 = a data stream of the
                                   core's; set by an upper transport opening
                                   a stream of the one it runs on */
};

/* Per-stream counters. The core allocates one per stream and passes it to
 * every send/recv call; only that stream's worker writes it and the main
 * thread reads it without locks, so write each field with one store.
 * The core maintains bytes and blocks from the hooks' return values;
 * datagram transports maintain the rest. */
struct weir_counters {
    uint64_t bytes;             /* payload bytes moved */
    uint64_t blocks;            /* sender: whole blocks; receiver: reads */
    uint64_t packets;           /* sender: datagrams sent; receiver: highest seq */
    uint64_t lost;              /* receiver: gaps in sequence minus late arrivals */
    uint64_t out_of_order;      /* receiver */
    uint64_t jitter_ns;         /* receiver: RFC 3550 jitter, 1/16 smoothing */
};

/* Result of one send/recv call. */
struct weir_io {
    uint64_t bytes;             /* bytes moved by this call */
    uint64_t blocks;            /* blocks completed (sender) / reads (receiver) */
};

/* Snapshot of kernel state for interval reports (TCP_INFO). */
struct weir_stream_info {
    uint32_t struct_size;
    int valid;                  /* 0 when the transport has nothing to report */
    uint64_t retransmits;       /* total since the stream opened */
    uint64_t snd_cwnd;          /* bytes */
    uint64_t snd_wnd;           /* bytes */
    uint32_t rtt_us;
    uint32_t rttvar_us;
    uint32_t pmtu;
    uint64_t reorder;
    char congestion[32];        /* algorithm in use, "" if unknown */
    uint64_t unacked;           /* bytes written and not yet acknowledged
                                   by the peer (SIOCOUTQ); the core sets
                                   UINT64_MAX before the call: unknown */
};

/* 2.2: iperf3's rules for one test, where a transport runs in more than
 * one way (weir_transport_ops.test_rules). The core fills it from the
 * descriptor's fixed fields; the hook changes what differs. */
struct weir_test_rules {
    uint32_t struct_size;       /* sizeof(struct weir_test_rules) */
    uint32_t caps;              /* WEIR_CAP_* of this test */
    uint32_t default_blksize;   /* as the descriptor's fields of the */
    uint32_t blksize_min;       /* same names */
    uint32_t blksize_max;
    int blksize_error;
    uint64_t default_rate;
};

struct weir_transport_ops {
    uint32_t struct_size;       /* sizeof(struct weir_transport_ops) */
    uint32_t caps;              /* WEIR_CAP_* */
    /* The core's transport parameters (WEIR_PARAM_*) this transport acts
     * on, and those it accepts without acting on them; each a NULL-ended
     * array, or NULL for none. A test that gives a parameter in neither is
     * refused (see "transport parameters" above). */
    const char *const *params_honoured;
    const char *const *params_ignored;
    /* The protocol's key in iperf3's parameter JSON, which the client
     * sends as {"KEY": true} ("tcp", "udp"): a server serves such a client
     * with the transport plugin named KEY (KEY.so) whose wire_key is KEY,
     * unless the client names a WEIR_CAP_EXTENSION transport; a transport
     * that speaks another's streams on the wire (tls over TCP's test
     * setup) sends that one's key. required. */
    const char *wire_key;
    /* The protocol in reports and iperf3's JSON ("TCP", "UDP"). required. */
    const char *wire_label;

    /* iperf3's rules for the protocol, which the core applies; the
     * transport gets their outcome in its stream config (blksize, rate).
     * The block size range bounds -l on the client and the "len" a client
     * sends on the server, both within the core's 1..1048576 (iperf3's
     * limit); outside it they are refused with blksize_error. The loader
     * refuses a descriptor whose default is outside its range. */
    uint32_t default_blksize;   /* -l when not given (and see
                                   WEIR_CAP_MSS_BLKSIZE); required, not 0 */
    uint32_t blksize_min;       /* 0: 1 */
    uint32_t blksize_max;       /* 0: the core's limit, 1048576 */
    int blksize_error;          /* the weir_status for a length outside
                                   them, iperf3's error number: UDP's is
                                   WEIR_E_UDPBLOCKSIZE; 0: WEIR_E_BLOCKSIZE */
    uint64_t default_rate;      /* -b when not given, bits/s per stream;
                                   0: unlimited. iperf3's UDP: 1048576 */

    /* optional: once per process before any other hook. *global is passed
     * to the stream hooks (may stay NULL; without the hook it is NULL). */
    int (*init)(const struct weir_host *host, void **global);
    /* optional: undo init (at exit, after every stream closed). */
    void (*fini)(void *global);

    /* required: client side, open one stream: connect, identify it to the
     * server (cookie or hello), apply options. Blocking, bounded by
     * cfg->timeout_ms. The stream is non-blocking on return. */
    int (*client_open)(void *global, const struct weir_stream_config *cfg,
                       void **stream);

    /* required: server side, prepare for one test's streams (bounded by
     * cfg->timeout_ms). control_fd is the server's TCP control listener:
     * the core's, never accepted on or closed by a transport. A transport
     * without WEIR_CAP_CONTROL_PORT opens its own socket here and sets
     * *poll_fd to the descriptor whose readability means "call
     * server_accept"; one with it gets its streams through server_adopt
     * and leaves *poll_fd alone. *listener (may stay NULL) goes to the
     * other server hooks of this test. */
    int (*server_listen)(void *global, const struct weir_stream_config *cfg,
                         int control_fd, void **listener, int *poll_fd);
    /* required without WEIR_CAP_CONTROL_PORT, never called with it: accept
     * one stream on the transport's own socket. WEIR_E_AGAIN: nothing
     * usable arrived (for example a wrong cookie, already answered); keep
     * waiting. Without the hook (and the cap) the loader refuses the
     * plugin. */
    int (*server_accept)(void *global, void *listener,
                         const struct weir_stream_config *cfg, void **stream);
    /* required: stop listening; must not close control_fd. */
    void (*server_unlisten)(void *global, void *listener);

    /* required: the descriptor to poll for this stream. */
    int (*stream_fd)(void *stream);
    /* required: write up to max_blocks blocks (at least one attempt).
     * Adds to *io; datagram transports also update *c (packets). */
    int (*send)(void *stream, uint32_t max_blocks, struct weir_counters *c,
                struct weir_io *io);
    /* required: read what is available, up to one batch. 0 bytes from a
     * byte stream means the peer closed: return WEIR_E_STREAMCLOSE. */
    int (*recv)(void *stream, struct weir_counters *c, struct weir_io *io);
    /* optional: kernel view of the stream (control thread, any time, also
     * while the stream's worker is in send). Without it the core reports
     * no TCP_INFO figures for the stream (WEIR_E_NOTIMPL). */
    int (*info)(void *stream, struct weir_stream_info *out);
    /* required: close and free the stream. */
    void (*close)(void *stream);

    /* optional: what this stream uses, as typed facts (weir_fact_sink in
     * plugin.h): weir_fact_bool(out, "gso", 1), weir_fact_string(out,
     * "tls.version", "TLSv1.3"). Reporters get them in weir_report_stream
     * (the JSON report's start.weir.streams[], the text report's -V lines;
     * the key "id" is the core's: the stream's id follows the facts).
     * Control thread, once per stream after it is open. Return WEIR_OK, or
     * anything else to report none of them (without the hook:
     * WEIR_E_NOTIMPL). */
    int (*describe)(void *stream, const struct weir_fact_sink *out);

    /* optional: a server is starting and was told to use this transport
     * (weir -s --transport NAME): prepare what every test will need and
     * show what its user must know (a TLS certificate's fingerprint).
     * Control thread, once, after init and before any client. Any code but
     * WEIR_OK stops the server with the detail set. A server started
     * without --transport NAME never calls it: the first server_listen
     * must do the same lazily. Without the hook: nothing to prepare. */
    int (*server_start)(void *global);

    /* required with WEIR_CAP_CONTROL_PORT, never called without it: adopt
     * one stream the core accepted on the control listener and whose
     * 37-byte cookie it read and matched to this test (it was sent first,
     * so the next bytes on fd are the transport's own). Apply options,
     * finish any handshake (bounded by cfg->timeout_ms) and return the
     * stream. fd is the plugin's from the call on: close it on failure.
     * Connections reach a test in the order they arrived; several tests
     * may adopt at once (each with its own listener). Without the hook
     * (and with the cap) the loader refuses the plugin. */
    int (*server_adopt)(void *global, void *listener,
                        const struct weir_stream_config *cfg, int fd, void **stream);
    /* optional, worker thread: like recv, but may sleep in the kernel's
     * receive call for up to timeout_ms until data arrives; WEIR_E_AGAIN
     * when none came. The core uses it for a worker that owns one receiving
     * stream, instead of waiting in epoll: on Linux a reader asleep in the
     * receive call costs the sending side less per byte (about 12 % more
     * TCP throughput on loopback). The stream may stay blocking afterwards:
     * recv and send must then still return at once (MSG_DONTWAIT).
     * WEIR_E_NOTIMPL (what the host answers without the hook) makes that
     * worker wait in epoll and call recv instead. */
    int (*recv_wait)(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms);
    /* optional: this stream's facts for one interval report, beyond the
     * fixed numbers info gives (a QUIC transport: packets in flight, path
     * changes), typed as in describe. Reporters get them in the interval's
     * weir_report_sample of the stream (the JSON report's
     * intervals[].streams[].weir). Control thread, once per stream at each
     * interval report (-i), also while the worker sends. Return WEIR_OK, or
     * anything else to report none of them (without the hook:
     * WEIR_E_NOTIMPL). */
    int (*describe_interval)(void *stream, const struct weir_fact_sink *out);

    /* ---- Beneath another transport (stacking) ----
     * Optional. A transport stacked on this one (host->open_lower) calls
     * them on streams it opened with cfg->lower set, to move its own
     * bytes; so does the core for --latency's probes (2.1: streams it
     * opened with WEIR_LOWER_STREAM, from one probe thread per stream). Any thread (the upper's
     * control thread while it runs a handshake, its worker afterwards),
     * but never two calls on one stream at once. Non-blocking: wait for
     * stream_fd's readiness on WEIR_E_AGAIN. Errors come with the detail
     * set, and errno left as the failing system call set it.
     *
     * The raw descriptor: on a lower stream, stream_fd is the kernel
     * socket itself. The upper layer polls it for readiness and may use it
     * for what only the kernel can do on the socket: getsockopt and
     * setsockopt (TCP_NODELAY around a handshake; kernel TLS: TCP_ULP
     * "tls", then the TLS_TX/TLS_RX keys), getpeername, getsockname. An
     * upper layer that must hand the socket to a library owning its I/O
     * (OpenSSL's kernel TLS works only on its own socket BIO) may read and
     * write it directly instead of through these hooks, for the stream's
     * whole life, never mixing the two. It never closes it: close does. */

    /* Byte streams (WEIR_CAP_RELIABLE): write up to len bytes of buf;
     * *written gets how many went (fewer than len when the socket buffer
     * filled). WEIR_OK when at least one byte went, WEIR_E_AGAIN when none
     * could, else WEIR_E_STREAMWRITE. */
    int (*write_bytes)(void *stream, const void *buf, size_t len, size_t *written);
    /* Byte streams: read up to len bytes into buf; *got gets how many.
     * WEIR_OK when at least one byte came, WEIR_E_AGAIN when none was
     * there, WEIR_E_STREAMCLOSE when the peer closed (and on every call
     * after), else WEIR_E_STREAMREAD. */
    int (*read_bytes)(void *stream, void *buf, size_t len, size_t *got);
    /* Datagram transports (WEIR_CAP_DATAGRAM): send dgs[0..n) in order,
     * batched into as few system calls as the kernel allows (sendmmsg; GSO
     * for entries with a segment size). *sent gets how many entries went,
     * from the first: fewer than n when the socket buffer filled or n is
     * more than the transport takes per call. WEIR_OK when at least one
     * went, WEIR_E_AGAIN when none could, else WEIR_E_STREAMWRITE. An entry
     * sent one datagram at a time (no GSO) counts as sent once its first
     * datagram went; datagrams of it the full buffer refused are dropped,
     * as a full queue on the path would drop them. */
    int (*send_datagrams)(void *stream, const struct weir_datagram *dgs, uint32_t n,
                          uint32_t *sent);
    /* Datagram transports: receive into dgs[0..n), batched (recvmmsg),
     * filling len, segment, ecn, flags and (where addr is set) addr and
     * addr_len of each; *got gets how many entries were filled. WEIR_OK
     * when at least one was, WEIR_E_AGAIN when nothing was there, else
     * WEIR_E_STREAMREAD. A server's WEIR_LOWER_PLAIN stream starts with
     * the datagrams that made server_accept take it, which readiness of
     * stream_fd does not announce: call recv_datagrams right after
     * server_accept. */
    int (*recv_datagrams)(void *stream, struct weir_datagram *dgs, uint32_t n, uint32_t *got);

    /* 2.1 */
    /* optional, beneath another transport: from now on read_bytes and
     * recv_datagrams on this lower stream may sleep in the kernel's
     * receive call until the first byte or datagram comes, for up to
     * timeout_ms (then WEIR_E_AGAIN, as when nothing was there); 0 makes
     * them return at once again. Writes and sends stay non-blocking. The
     * core uses it for --latency's probes: one receive call per reply
     * instead of a poll and a receive. Without the hook (WEIR_E_NOTIMPL)
     * the caller waits for stream_fd's readiness. */
    int (*lower_receive_wait)(void *stream, int timeout_ms);

    /* 2.2 */
    /* optional: the rules of one test, for a transport that runs in more
     * than one way (quic: QUIC streams, or iperf3's UDP datagrams in
     * DATAGRAM frames with --quic-datagrams). rules comes filled from the
     * fixed fields above; change what differs for this test (caps: a test
     * with WEIR_CAP_DATAGRAM is reported like -u, loss and jitter
     * included). cfg is a stream config of the test (params: its transport
     * parameters; cfg->host is set on the client only, where the
     * transport's own options decide). On the client, when the answer has
     * WEIR_CAP_DATAGRAM and caps above do not, the core sends
     * weir_datagrams, and the server's test has the transport parameter
     * datagrams (WEIR_PARAM_DATAGRAMS): the server's answer must follow
     * it. Control thread, once per test on each end, after init and
     * before any stream opens. WEIR_OK, or a code with the detail set to
     * refuse the test (an option this mode cannot take). Without the
     * hook: the fixed fields, for every test. */
    int (*test_rules)(void *global, const struct weir_stream_config *cfg, struct weir_test_rules *rules);
};

#ifdef __cplusplus
}
#endif
#endif
