/* Internals of the udp transport shared by its source files:
 *
 *   udp.c            descriptor, init/fini, error helpers, stream life cycle
 *   udp_sock.c       sockets: bind, buffer rule, TOS, GSO/GRO detection
 *   udp_hello.c      the hello's bytes and what a reply datagram means
 *   udp_handshake.c  the "9876"/"6789" hello (client)
 *   udp_listen.c     the server's listener, shared by concurrent tests
 *   udp_batch.c      the batched system calls both data paths share:
 *                    sendmmsg + UDP_SEGMENT, recvmmsg + UDP_GRO, ECN
 *   udp_io.c         send/recv: iperf3's datagrams
 *   udp_lower.c      send_datagrams/recv_datagrams: an upper layer's
 *                    datagrams (stacking, cfg->lower)
 *
 * The datagrams' header and the receiver's accounting are
 * plugins/common/dgram.c's, shared with quic's DATAGRAM frames.
 */
#ifndef WEIR_UDP_INT_H
#define WEIR_UDP_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <weir/weir.h>

#include "dgram.h"
#include "sockutil.h"

#define UDP_MIN_BLKSIZE 16u         /* iperf3's minimum, room for either header */
#define UDP_MAX_BLKSIZE 65507u      /* largest IPv4 UDP payload */

/* Datagrams per send call at most (the core may ask for up to --burst). */
#define UDP_SEND_MAX 64u
/* Segments per GSO send: the kernel's UDP_MAX_SEGMENTS on every kernel
 * that has UDP_SEGMENT (later kernels allow more). */
#define UDP_GSO_MAX_SEGS 64u
/* Largest datagram train (UDP_SEND_MAX datagrams back to back, udp_io.c),
 * so datagrams up to 4 KiB. Larger ones go as two iovecs each (header,
 * shared payload; GSO too): a 2 MiB train of 32 KiB datagrams fell out of
 * the cache and sent a fifth to a third fewer than the one shared block. */
#define UDP_TRAIN_MAX (256u * 1024u)
/* Receive buffer space per recv call; the slot count follows from it. */
#define UDP_RECV_BYTES (256u * 1024u)
#define UDP_RECV_MAX_SLOTS 32u
/* A UDP_GRO buffer holds up to 64 KiB of coalesced datagrams. */
#define UDP_GRO_SLOT 65536u

/* Receive buffer a receiving stream asks for when -w is not given (see
 * udp_sock.c). */
#define UDP_RCVBUF_WANT (4u * 1024u * 1024u)

/* Used when the core passes timeout_ms == 0, so no step waits forever. */
#define UDP_DEFAULT_TIMEOUT_MS 10000u

/* The hello: "9876", then (when both ends agreed, cfg->stream_tag) the
 * 37-byte cookie; the reply "6789". */
#define UDP_HELLO_LEN 4u        /* the hello's and the reply's bytes: udp_hello.c */
#define UDP_TAGGED_HELLO_LEN (UDP_HELLO_LEN + WEIR_COOKIE_SIZE)

struct udp_port;

/* What init hands to every hook: the host services, and the server ports
 * that tests are taking streams on (udp_listen.c), under lock. */
struct udp_global {
    const struct weir_host *host;
    pthread_mutex_t lock;
    struct udp_port *ports;
};

/* The plugin's own options (declared in udp.c, read per stream so that
 * they apply to every stream of the process): */
#define UDP_OPT_NO_GSO   "udp-no-gso"     /* never UDP_SEGMENT */
#define UDP_OPT_NO_GRO   "udp-no-gro"     /* never UDP_GRO, even when asked */
#define UDP_OPT_NO_BATCH "udp-no-batch"   /* one datagram per system call */

/* Room for the control messages of one message: UDP_SEGMENT and a TOS
 * byte sent; UDP_GRO and the TOS byte (as IP_TOS or IPV6_TCLASS) read. */
union udp_cmsg {
    struct cmsghdr align;
    char buf[3 * CMSG_SPACE(sizeof(int))];
};

/* A datagram that reached the port's shared socket: a hello, or (for an
 * upper layer's plain listener) any datagram, whose bytes are kept. */
struct udp_arrival {
    struct sockaddr_storage peer;
    socklen_t len;
    unsigned char *data;        /* malloc'd copy, or NULL for a hello */
    uint32_t data_len;
};

struct udp_stream {
    const struct udp_global *g;
    int fd;
    int wait_ms;                /* udp_recv_wait (beneath another transport:
                                   udp_lower_receive_wait) made fd blocking
                                   with this SO_RCVTIMEO; 0 = non-blocking */
    int sending;
    uint32_t blksize;
    uint32_t hdrlen;            /* DGRAM_HDR32 or DGRAM_HDR64 */
    int seq64;
    int plain;                  /* --udp-no-batch: one datagram per call,
                                   no GSO, no GRO */
    int no_mmsg;                /* one message per call: plain, or
                                   sendmmsg/recvmmsg said ENOSYS */
    uint32_t lower;             /* cfg->lower: WEIR_LOWER_STREAM when it
                                   carries an upper layer's datagrams */

    /* Sender. */
    uint64_t next_seq;          /* first datagram is 1 */
    int gso;                    /* multi-segment sends with UDP_SEGMENT */
    uint32_t gso_segs;          /* segments per GSO send (>= 2 when gso) */
    unsigned char *payload;     /* blksize bytes; the header overlays the start */
    unsigned char *train;       /* UDP_SEND_MAX copies of payload back to back,
                                   headers written in place; NULL: too big */
    unsigned char hdr[UDP_SEND_MAX][DGRAM_HDR64];
    struct iovec iov[2 * UDP_SEND_MAX];
    struct mmsghdr msgs[UDP_SEND_MAX];
    uint32_t msg_segs[UDP_SEND_MAX];    /* datagrams in each message */
    union udp_cmsg gso_cmsg;    /* UDP_SEGMENT = blksize, shared by all sends */

    /* Receiver. */
    int gro;                    /* UDP_GRO on: slots hold coalesced buffers */
    int rx_flags;               /* MSG_TRUNC without GRO: only headers are
                                   copied out (udp.c, setup_receiver) */
    uint32_t rx_slots;
    uint32_t slot_size;
    unsigned char *rxbuf;       /* rx_slots * slot_size */
    struct iovec *rxiov;
    struct mmsghdr *rxmsgs;
    union udp_cmsg *rxctl;
    struct dgram_rx_state rx;

    /* Beneath another transport (udp_lower.c); msgs and iov serve both
     * directions then, rxctl holds UDP_SEND_MAX control buffers. */
    int tos;                    /* cfg->tos, 0 when unset: ECN marks keep its
                                   DSCP bits */
    int peer_v4;                /* IPv4 packets: IP_TOS, else IPV6_TCLASS */
    struct udp_arrival *pending;    /* a plain server stream's first
                                   datagrams, read from the port's socket */
    uint32_t n_pending, next_pending;
};

/* What udp_send_failed says to do after a send call failed. */
enum udp_tx_next {
    UDP_TX_RETRY,               /* call again with the same messages */
    UDP_TX_REBUILD,             /* GSO is off now: build the messages again */
    UDP_TX_STOP,                /* the socket is full: report what went */
    UDP_TX_FAIL                 /* a real error */
};

/* ---- udp.c ---- */

/* The host services, for host->param (NULL in a test without a host). */
#define udp_host(g) ((g) ? (g)->host : NULL)

/* Report code with formatted detail through the host; returns code. */
int udp_fail(const struct udp_global *g, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void udp_warn(const struct udp_global *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Wrap a connected, non-blocking datagram socket. On failure fd is left
 * open and nothing is allocated. A stream beneath another transport
 * (cfg->lower) has no datagrams of its own: udp_lower_setup. */
int udp_stream_new(const struct udp_global *g, int fd, const struct weir_stream_config *cfg,
                   struct udp_stream **out);
/* The close hook: close the socket, free the stream. */
void udp_close(void *stream);
/* Is one of the plugin's flags (UDP_OPT_*) given? */
int udp_opt_set(const struct udp_global *g, const char *name);
/* A deadline (sock_mono_ms) timeout_ms from now (a default when 0). */
uint64_t udp_deadline(unsigned timeout_ms);

/* ---- udp_sock.c ---- */

/* Apply the buffer rule (docs/protocol.md §7.3), and the transport
 * parameters tos, dont_fragment, bind_dev and fq_rate, to a socket talking
 * to peer. */
int udp_apply_options(const struct udp_global *g, int fd, const struct weir_stream_config *cfg,
                      const struct sockaddr *peer);
/* Can a send on this connected socket use UDP_SEGMENT for blksize-byte
 * datagrams: the kernel has the option and blksize fits the path MTU? */
int udp_gso_usable(int fd, uint32_t blksize);
/* Are sendmmsg/recvmmsg there (a call for zero messages)? */
int udp_mmsg_available(int fd);
/* Turn UDP_GRO on; 1 when the kernel took it. */
int udp_gro_enable(int fd);

/* ---- udp_batch.c ---- */

/* sendmmsg(), or one sendmsg() per message where the kernel or a seccomp
 * filter lacks it. Same return convention as sendmmsg(). */
int udp_send_msgs(struct udp_stream *s, struct mmsghdr *msgs, uint32_t m);
/* recvmmsg() (flags added, wait: sleep for the first datagram), or one
 * recvmsg() per buffer where it is missing, until the socket is empty.
 * Same return convention as recvmmsg(). */
int udp_recv_msgs(struct udp_stream *s, struct mmsghdr *msgs, uint32_t m, int wait, int flags);
/* After a send call failed with e: retry (EINTR; ECONNREFUSED once, which
 * reports an ICMP an earlier datagram provoked), stop (a full socket), or
 * rebuild (the kernel refused GSO: it is off for the stream now, with a
 * warning). *refused counts the ECONNREFUSED retries of one hook call. */
enum udp_tx_next udp_send_failed(struct udp_stream *s, int e, int *refused);
/* Write one control message at at (room for CMSG_SPACE(sizeof(int)));
 * return the room it took. UDP_SEGMENT: */
size_t udp_cmsg_segment(void *at, uint16_t segment);
/* The TOS byte: IP_TOS for IPv4 packets (v4 set), else IPV6_TCLASS. */
size_t udp_cmsg_tos(void *at, int v4, int tos);
/* What a received message's control messages say: the GRO segment size
 * (0: one datagram) and the ECN codepoint (WEIR_ECN_UNSET: none). */
void udp_cmsg_read(struct msghdr *mh, uint32_t *gro, int *ecn);

/* ---- udp_io.c ---- */

int udp_send(void *stream, uint32_t max_blocks, struct weir_counters *c, struct weir_io *io);
int udp_recv(void *stream, struct weir_counters *c, struct weir_io *io);
int udp_recv_wait(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms);
/* The describe hook: gso, gro, batch, headers_only. */
int udp_describe(void *stream, const struct weir_fact_sink *out);

/* ---- udp_lower.c ---- */

/* A stream with cfg->lower set: GSO where the kernel has it, GRO when the
 * upper layer asked (WEIR_LOWER_GRO), ECN reported, the control buffers. */
int udp_lower_setup(struct udp_stream *s, const struct weir_stream_config *cfg);
int udp_send_datagrams(void *stream, const struct weir_datagram *dgs, uint32_t n, uint32_t *sent);
int udp_recv_datagrams(void *stream, struct weir_datagram *dgs, uint32_t n, uint32_t *got);
/* recv_datagrams may sleep up to timeout_ms for the first datagram (0: never). */
int udp_lower_receive_wait(void *stream, int timeout_ms);
/* send/recv on such a stream: refused, with the detail. */
int udp_not_a_data_stream(const struct udp_stream *s);

/* ---- udp_hello.c ---- */

extern const unsigned char udp_hello_bytes[UDP_HELLO_LEN];   /* "9876" */
extern const unsigned char udp_reply_bytes[UDP_HELLO_LEN];   /* "6789" */

enum udp_hello_verdict {
    UDP_HELLO_REPLY,        /* the server's reply: the stream is open */
    UDP_HELLO_SKIP,         /* something else (early data): keep waiting */
    UDP_HELLO_GIVE_UP       /* too much that is not the reply */
};
/* Client: what one datagram read while waiting for the reply means. got
 * holds the n bytes recv() returned for it (at most UDP_HELLO_LEN are
 * read, so a longer datagram arrives cut to that). *skipped adds up the
 * bytes of datagrams that were not the reply; past limit the client gives
 * up. Pure: the fuzz target tests/fuzz/udp_hello.c drives it. */
enum udp_hello_verdict udp_hello_verdict(const unsigned char *got, size_t n, uint64_t *skipped,
                                         uint64_t limit);

/* ---- udp_handshake.c ---- */

int udp_client_open(void *global, const struct weir_stream_config *cfg, void **stream);

/* ---- udp_listen.c ---- */

int udp_server_listen(void *global, const struct weir_stream_config *cfg, int control_fd,
                      void **listener, int *poll_fd);
int udp_server_accept(void *global, void *listener, const struct weir_stream_config *cfg,
                      void **stream);
void udp_server_unlisten(void *global, void *listener);

#endif
