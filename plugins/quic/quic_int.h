/* Internals of the quic transport shared by its source files.
 *
 * quic is stacked on the udp transport (sdk/README.md, "Stacking"), as tls
 * is on tcp. udp, opened through the host in init, opens each stream with
 * its hello tagged with the test's cookie (docs/protocol.md §11.9), binds
 * and connects the socket, applies the socket options and moves every
 * datagram through its batched calls (send_datagrams: sendmmsg with GSO;
 * recv_datagrams: recvmmsg with GRO, ECN both ways). quic runs one QUIC
 * connection (ngtcp2, TLS 1.3 by GnuTLS) per stream on top and knows udp
 * only through its hooks.
 *
 *   quic.c         descriptor, options, init/fini
 *   quic_tls.c     GnuTLS: credentials, the ephemeral certificate, trust
 *                  (CA, fingerprint, insecure, client certificates)
 *   quic_conn.c    ngtcp2: a connection's settings, callbacks, creation
 *   quic_pump.c    packets: building and sending batches, receiving and
 *                  reading them, timers, waiting
 *   quic_stream.c  the stream hooks: open, accept, handshake, close
 *   quic_io.c      the hot path: send, recv, recv_wait, info, describe
 *   quic_bytes.c   the byte hooks, for --latency's probe streams
 *   quic_file.c    -F: a file's bytes through the payload ring
 *   quic_dgram.c   --quic-datagrams: iperf3's UDP datagrams in DATAGRAM
 *                  frames (RFC 9221), the test's rules for it
 */
#ifndef WEIR_QUIC_INT_H
#define WEIR_QUIC_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <weir/weir.h>

#include "dgram.h"
#include "fingerprint.h"
#include "hostcall.h"
#include "stacked.h"
#include "trust.h"

#define QUIC_FP_LEN FP_LEN
#define QUIC_FP_TEXT FP_TEXT
/* weir's own ALPN: only a weir peer speaks this protocol on a stream. */
#define QUIC_ALPN "weir-perf/1"
/* Used when the core passes timeout_ms == 0. */
#define QUIC_DEFAULT_TIMEOUT_MS 10000u
/* A connection that hears nothing from its peer this long is gone
 * (without --snd-timeout; the lower of both ends' holds). */
#define QUIC_IDLE_TIMEOUT_MS 30000u
/* -M's top: the largest UDP payload of an IPv4 datagram. */
#define QUIC_MAX_UDP_PAYLOAD 65527u
/* UDP payload of a QUIC packet without -M: what fits a 1500-byte
 * Ethernet MTU under IPv6 and UDP headers (ngtcp2's largest PMTUD size). */
#define QUIC_DEFAULT_PKT 1452u
/* Flow-control windows without -w: per stream and per connection. */
#define QUIC_DEFAULT_WINDOW (8u * 1024u * 1024u)
/* Send batching: entries per send_datagrams call, bytes per entry (a GSO
 * run of equal packets, at most what one UDP datagram may carry). */
#define QUIC_TX_ENTRIES 16u
#define QUIC_TX_ENTRY_BYTES 65507u
/* Receive: datagrams (GRO runs) per recv_datagrams call. */
#define QUIC_RX_ENTRIES 16u
/* Longest a cwnd-blocked sender sleeps in send waiting for ACKs before it
 * returns to the core: the bound on a blocked stream holding its worker. */
#define QUIC_SEND_WAIT_MS 2
/* --latency's probe streams (quic_bytes.c): bytes written and not yet
 * acknowledged, at most (twice the largest probe message); and the ACK delay both ends announce (see
 * quic_conn.c). */
#define QUIC_BYTES_RING (2u * 1024u * 1024u)
#define QUIC_PROBE_MAX_ACK_DELAY_MS 25u
/* A receive that sleeps with SO_RCVTIMEO (quic_lower_receive_wait) wakes
 * up to this much after its time: the kernel counts it in timer ticks
 * (4 ms at 250 Hz, rounded up) and wakes on the next. */
#define QUIC_RCVTIMEO_SLACK_MS 10u
/* Packets received before a read sends the ACK at once (QUIC's rule:
 * every second ack-eliciting packet: RFC 9000, section 13.2.2). */
#define QUIC_PROBE_ACK_EVERY 2u

/* The plugin's own options (the others are tls's: plugins/common/trust.h). */
#define QUIC_OPT_NO_LOSS_COUNT "quic-no-loss-count"
#define QUIC_OPT_STREAMS "quic-streams"
#define QUIC_OPT_DATAGRAMS "quic-datagrams"
/* Connection IDs this end issues (the peer's, a weir's, are as long). */
#define QUIC_CID_LEN 8u
/* --quic-datagrams: a DATAGRAM frame of up to this many bytes is taken
 * (the largest UDP payload; the packet size bounds it first). */
#define QUIC_MAX_DATAGRAM_FRAME 65535u
/* Datagrams read before the first recv call that are kept for it, at
 * most (quic_dgram.c). */
#define QUIC_DGRAM_EARLY_MAX 1024u
/* What a 1-RTT packet carrying one DATAGRAM frame needs besides the
 * datagram and its length (a varint, quic_dgram_max): the short header
 * (first byte, the peer's connection ID, a packet number of up to 4
 * bytes), the AEAD tag and the frame's type. */
#define QUIC_DGRAM_OVERHEAD (1u + QUIC_CID_LEN + 4u + 16u + 1u)
/* --quic-streams: concurrent QUIC streams per connection, at most this
 * many (a server allows this many to every client). */
#define QUIC_MAX_STREAMS 64u

/* The options, read once by init; read-only afterwards. */
struct quic_settings {
    int no_loss_count;
    uint32_t streams;           /* --quic-streams, 1 without it */
    int datagrams;              /* --quic-datagrams (the client's choice) */
    struct trust_settings trust; /* the options tls shares */
};

struct quic_global {
    const struct weir_host *host;
    struct quic_settings set;
    const struct weir_lower *lower;     /* udp, from init to fini */
    /* Guards what follows: with --loopback the client's and the server's
     * control threads share this global. */
    pthread_mutex_t lock;
    gnutls_certificate_credentials_t client_cred;
    gnutls_certificate_credentials_t server_cred;
    unsigned char own_fp[QUIC_FP_LEN];
};

/* A datagram read before the first recv call: what its accounting needs. */
struct quic_early_dgram {
    unsigned char hdr[DGRAM_HDR64];
    uint32_t len;
    uint64_t at_ns;             /* when it arrived */
};

/* One outgoing batch entry: packets of seg bytes back to back (the last
 * may be shorter), sent with one GSO call. */
struct quic_tx_entry {
    unsigned char *buf;
    size_t len;
    size_t seg;
    int ecn;
    int closed;                 /* a shorter packet ended it */
};

struct quic_stream {
    struct quic_global *g;
    const struct weir_transport_ops *lower;
    void *lower_stream;         /* owns the socket */
    int fd;                     /* the lower's socket: readiness only */
    int is_client;
    int sending;
    ngtcp2_conn *conn;
    ngtcp2_crypto_conn_ref conn_ref;
    gnutls_session_t tls;
    struct sockaddr_storage local, remote;
    socklen_t local_len, remote_len;
    /* The payload's QUIC streams: the sender opens them after the
     * handshake (client 0, 4, 8..., server 1, 5, 9...; index = id / 4). */
    uint32_t nstreams;          /* how many (the client's --quic-streams) */
    uint32_t next;              /* the sender's round robin: next index */
    int64_t stream_ids[QUIC_MAX_STREAMS];
    int stream_blocked[QUIC_MAX_STREAMS]; /* wait for MAX_STREAM_DATA */
    uint64_t stream_bytes[QUIC_MAX_STREAMS]; /* payload sent or received */
    int failed;                 /* the connection is unusable */
    int closed_by_peer;         /* CONNECTION_CLOSE or draining */
    int confirmed;              /* client: HANDSHAKE_DONE came (the server
                                   accepted us); server: handshake done */
    char why[512];              /* what failed, for the next hook's error */
    /* Trust, during the handshake. */
    int verify_failed;
    char verify_why[480];
    /* Sender: payload bytes handed to ngtcp2 so far, and the block. */
    uint32_t blksize;
    uint64_t tx_bytes;
    uint64_t tx_acked;          /* of them, acknowledged by the peer */
    unsigned char *payload;     /* tx_ring bytes, stable: ngtcp2 keeps
                                   pointers into it until acknowledged */
    uint32_t tx_ring;           /* the payload's size: blksize, repeated,
                                   or a ring addressed by stream offset */
    /* -F (quic_file.c): the core's file; the sender's bytes read from it
     * so far, and whether it ended; the receiver's consume failed. */
    const struct weir_payload *file;
    uint64_t file_filled;
    int file_ended;
    int file_failed;
    /* Receiver: payload bytes that arrived. */
    uint64_t rx_bytes;
    uint64_t rx_reported;       /* of them, returned by recv */
    /* Packets. */
    struct quic_tx_entry tx[QUIC_TX_ENTRIES];
    uint32_t tx_n;              /* entries built, not yet all sent */
    uint32_t tx_sent;           /* of them, already sent */
    size_t max_pkt;             /* payload of one UDP datagram */
    uint64_t idle_ms;           /* the max_idle_timeout it announced */
    unsigned char *rx_buf;      /* QUIC_RX_ENTRIES * WEIR_DATAGRAM_GRO_BYTES */
    uint64_t pkts_sent, pkts_recv;
    uint64_t pkts_lost;         /* declared lost by ngtcp2 (its qlog) */
    uint64_t pkts_at_completion; /* pkts_sent when the handshake completed */
    /* Reported (written by the stream's thread, one store each). */
    uint64_t st_cwnd, st_srtt_ns, st_min_rtt_ns, st_rttvar_ns, st_inflight;
    uint64_t st_pto;
    uint64_t started_ns;        /* the handshake began */
    uint64_t handshake_ns;      /* it took this long (0: not finished) */
    char cipher[48];
    char cc[8];
    char peer[64];
    /* --quic-datagrams (quic_dgram.c): the payload travels as iperf3's
     * datagrams, one DATAGRAM frame per packet, blksize bytes each. */
    int datagrams;
    int seq64;                  /* 64-bit sequence numbers */
    uint64_t next_seq;          /* sender: the next datagram's, from 1 */
    struct dgram_rx_state drx;  /* receiver */
    struct dgram_acct *acct;    /* receiver: the counters of the recv call
                                   under way, NULL outside one */
    uint64_t rx_dgrams, rx_dgrams_reported;
    uint64_t tx_unsent;         /* sender: bytes of packets in the batch
                                   not yet handed to udp (one store) */
    struct quic_early_dgram *early; /* read before the first recv call */
    uint32_t n_early;
    /* Byte hooks (quic_bytes.c), on WEIR_LOWER_STREAM streams only: the
     * payload ring holds the bytes written (tx_queued of them so far). */
    int bytes_mode;
    uint64_t tx_queued;
    uint64_t rx_pkts_flushed;   /* pkts_recv at the last flush */
    unsigned char *rx_ring;     /* bytes arrived, not yet read */
    size_t rx_cap, rx_head, rx_len;
    int lower_sleep_ms;         /* udp's receives sleep up to this long
                                   (quic_lower_receive_wait); 0: they
                                   return at once */
};

/* ---- quic.c ---- */
#define quic_fail(g, code, ...) hostcall_fail((g) ? (g)->host : NULL, (code), __VA_ARGS__)
#define quic_log(g, level, ...) hostcall_log((g) ? (g)->host : NULL, (level), __VA_ARGS__)
uint64_t quic_now(const struct quic_global *g);

/* ---- quic_tls.c ---- */
int quic_settings_read(struct quic_global *g);
/* The credentials of a role, made on first use (the server's shows the
 * fingerprint). NULL with the error set. */
gnutls_certificate_credentials_t quic_cred(struct quic_global *g, int is_client);
/* A GnuTLS session for s, configured for ngtcp2 (host: the -c name, or
 * NULL on a server). WEIR_OK or a code with the error set. */
int quic_tls_session(struct quic_stream *s, const char *host);

/* ---- quic_conn.c ---- */
/* ngtcp2's congestion controller for -C NAME: 0, or -1 when unknown. */
int quic_cc_by_name(const char *name, ngtcp2_cc_algo *out);
const char *quic_cc_name(ngtcp2_cc_algo cc);
extern const char quic_cc_list[];
/* The options a stream's config must pass before anything is sent
 * (-C, -M): WEIR_OK, or a code with the error set. */
int quic_check_options(struct quic_global *g, const struct weir_stream_config *cfg);
/* The client's connection, or the server's for the client's first
 * Initial packet (pkt, len). WEIR_OK or a code with the error set. */
int quic_conn_client(struct quic_stream *s, const struct weir_stream_config *cfg);
int quic_conn_server(struct quic_stream *s, const struct weir_stream_config *cfg,
                     const uint8_t *pkt, size_t len);

/* ---- quic_pump.c ---- */
/* Write what ngtcp2 has to send (ACKs, handshake, retransmissions) and, on
 * a sending stream with room, up to *budget bytes of payload (NULL:
 * none), then send the batch. 0, or -1 with s->why set. *wrote gets the
 * payload bytes that went into packets. */
int quic_flush(struct quic_stream *s, uint64_t budget, uint64_t *wrote);
/* Read every datagram waiting and hand it to ngtcp2. 1 when some came, 0
 * when none, -1 with s->why set. Never sleeps. */
int quic_pump_rx(struct quic_stream *s);
/* The same, but its first receive sleeps in udp (lower_sleep_ms) until a
 * datagram comes. */
int quic_pump_rx_sleep(struct quic_stream *s);
/* Hand one received datagram (a GRO run: every segment) to ngtcp2. 0,
 * or -1 with s->why set. */
int quic_feed(struct quic_stream *s, const struct weir_datagram *d);
/* Run ngtcp2's timers when due. 0 or -1. */
int quic_timers(struct quic_stream *s);
/* Wait until the socket is readable, ngtcp2's next timer or max_ms,
 * whichever comes first. */
void quic_wait(struct quic_stream *s, int max_ms);
/* Copy ngtcp2's figures to the reported fields. */
void quic_stats_take(struct quic_stream *s);
/* The connection closes: CONNECTION_CLOSE to the peer, best effort. */
void quic_send_close(struct quic_stream *s);

/* ---- quic_stream.c ---- */
int quic_server_prepare(struct quic_global *g);
int quic_client_open(void *global, const struct weir_stream_config *cfg, void **stream);
int quic_server_listen(void *global, const struct weir_stream_config *cfg,
                       int control_fd, void **listener, int *poll_fd);
void quic_server_unlisten(void *global, void *listener);
int quic_server_accept(void *global, void *listener, const struct weir_stream_config *cfg,
                       void **stream);
int quic_stream_fd(void *stream);
void quic_close(void *stream);

/* ---- quic_io.c ---- */
int quic_send(void *stream, uint32_t max_blocks, struct weir_counters *c, struct weir_io *io);
int quic_recv(void *stream, struct weir_counters *c, struct weir_io *io);
int quic_recv_wait(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms);
int quic_info(void *stream, struct weir_stream_info *out);
int quic_describe(void *stream, const struct weir_fact_sink *out);
int quic_describe_interval(void *stream, const struct weir_fact_sink *out);

/* ---- quic_dgram.c ---- */
/* The test_rules hook: a --quic-datagrams test is reported like -u. */
int quic_test_rules(void *global, const struct weir_stream_config *cfg, struct weir_test_rules *rules);
/* Does this stream carry datagrams (the test's datagrams parameter)? */
int quic_dgram_wanted(const struct quic_stream *s, const struct weir_stream_config *cfg);
/* The largest datagram (-l) a packet of pkt bytes carries. */
uint32_t quic_dgram_max(size_t pkt);
/* After the handshake: the peer takes DATAGRAM frames of blksize bytes,
 * and they fit the packets. WEIR_OK or a code with the error set. */
int quic_dgram_check(struct quic_stream *s, int code);
/* Write the packet at dst (room bytes): the next datagram when want is
 * set, else only what ngtcp2 has to send. Returns ngtcp2's (packet bytes,
 * 0, or an NGTCP2_ERR_*); *accepted: the datagram went into it. */
ngtcp2_ssize quic_dgram_write(struct quic_stream *s, uint8_t *dst, size_t room, ngtcp2_pkt_info *pi,
                              int want, uint64_t ts, int *accepted);
/* Inside a recv call (s->acct set): account what came before the first. */
void quic_dgram_early(struct quic_stream *s);
/* ngtcp2's recv_datagram: account one datagram. */
int quic_dgram_arrived(struct quic_stream *s, const uint8_t *data, size_t len);

/* ---- quic_bytes.c ---- */
/* A WEIR_LOWER_STREAM stream gets its rings (after stream_new's buffers). */
int quic_bytes_setup(struct quic_stream *s, const struct weir_stream_config *cfg);
void quic_bytes_free(struct quic_stream *s);
/* ngtcp2's recv_stream_data on a byte stream: 0 or an NGTCP2_ERR_*. */
int quic_bytes_arrived(struct quic_stream *s, int64_t stream_id, const uint8_t *data, size_t len);
int quic_write_bytes(void *stream, const void *buf, size_t len, size_t *written);
int quic_read_bytes(void *stream, void *buf, size_t len, size_t *got);
int quic_lower_receive_wait(void *stream, int timeout_ms);

/* ---- quic_file.c ---- */
/* -F on a data stream: the sender's ring (after stream_new's buffers), or
 * the refusal of --quic-streams on a client. */
int quic_file_setup(struct quic_stream *s, const struct weir_stream_config *cfg);
/* After the handshake set nstreams: a file goes over one stream. */
void quic_file_streams(struct quic_stream *s);
/* Sender: read the file on into the ring's free room. WEIR_OK or
 * WEIR_E_FILE (the core's detail set). */
int quic_file_fill(struct quic_stream *s);
/* Receiver: stream bytes in order, to the file. */
void quic_file_arrived(struct quic_stream *s, const uint8_t *data, size_t len);

#endif
