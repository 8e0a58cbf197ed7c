/* The probe engine's inside (run/latency.h is its outside): the per-stream
 * state shared by the engine (latency.c), the client's side
 * (latency_client.c) and the server's (latency_server.c). */
#ifndef WEIR_LATENCY_INT_H
#define WEIR_LATENCY_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "run/latency.h"
#include "run/probe_ring.h"

struct stream;

/* How often a waiting thread looks at the stop flag, at the longest. */
#define STOP_CHECK_NS 10000000ull
#define STOP_CHECK_MS ((int)(STOP_CHECK_NS / 1000000ull))
/* Datagrams taken per receive call. */
#define RX_BATCH 16
/* The loss bound: a request without a reply for this long is lost. At
 * least a second (ping's wait), more when the path's round trips are
 * long: LOSS_RTTS times the longest seen, at most LOSS_MAX_NS. */
#define LOSS_MIN_NS 1000000000ull
#define LOSS_MAX_NS 10000000000ull
#define LOSS_RTTS 4
/* A reliable stream's replies still due at the end are waited for this long. */
#define DRAIN_RELIABLE_NS 2000000000ull
/* Requests a client keeps track of at once, at most (--latency-rate at
 * the highest rates: past this a send time is missed). */
#define RING_MAX (1u << 18)

struct lstream {
    struct latency_engine *e;
    struct stream *st;
    pthread_t thread;
    int started;
    int sleeps;                 /* its receives wait in the transport for the
                                   next message (lower_receive_wait): no
                                   poll before them */

    pthread_mutex_t lock;       /* win and cur, between this thread and
                                   the main thread's latency_take */
    struct latency_window win[2];
    int cur;
    uint64_t boundary_ns;       /* the current window's interval ends here
                                   (0: no end known): a record stamped at
                                   or after it goes into the next window,
                                   though the main thread's take comes a
                                   moment later */
    struct histogram idle, loaded;  /* --load: the round trips of requests
                                   sent before the load's start and after */
    _Atomic int done;

    /* The thread's own. */
    int limited;                /* -k/-n: the stream sends its share, no more */
    uint64_t share;             /* counted requests to send (may be 0) */
    uint64_t counted_sent;
    struct probe_ring ring;     /* client: the requests in flight */
    uint64_t max_rtt;
    unsigned char *out;         /* the message being written */
    size_t out_off, out_len;
    unsigned char *in;          /* a byte stream's message being read */
    size_t in_have;
    unsigned char *rx;          /* datagrams: RX_BATCH receive buffers */
    size_t rx_cap;
    unsigned char *tx;          /* server, datagrams: RX_BATCH replies */
    uint64_t received;          /* server, datagrams: requests taken */
};

struct latency_engine {
    struct test *t;
    _Atomic int stop;
    uint64_t count_from_ns;     /* the -O period's end */
    uint64_t load_from_ns;      /* --load: the idle phase's end, 0 = no load */
    uint64_t end_ns;            /* client, -t: no request goes at or after it */
    int datagram;
    int one_way;
    int busy;                   /* --busy-poll: never sleep, spin */
    uint32_t request, reply;
    double rate;
    int n;
    struct lstream s[];
};

/* The stop flag is up. */
int latency_stopping(const struct latency_engine *e);
/* The stream failed with rc: its detail from the hook, for the main thread. */
void latency_failed(struct lstream *ls, int rc);
/* Wait for the stream's descriptor (events) or until ns have passed (at
 * most STOP_CHECK_NS); with --busy-poll return at once (the caller spins). */
void latency_wait_fd(const struct lstream *ls, short events, uint64_t ns);
/* The stream's receives from now on sleep in the transport until a
 * message comes (at most STOP_CHECK_NS), where the transport can and the
 * test does not spin: sets ls->sleeps. One system call per message
 * instead of a poll and a receive. */
void latency_sleep_in_receive(struct lstream *ls);
/* Nothing to write, and the next receive sleeps: no need to poll. */
#define LATENCY_RECEIVE_SLEEPS(ls) ((ls)->sleeps && !(ls)->out_len)
/* The window of a record stamped at ns (the current one, or the next one
 * once its interval's end passed), locked for one update; then unlock it. */
struct latency_window *latency_lock_window(struct lstream *ls, uint64_t ns);
void latency_unlock_window(struct lstream *ls);
/* Write what is left of the pending message (out): 1 when it all went, 0
 * when the transport would block, -1 when the stream failed. */
int latency_flush(struct lstream *ls);

/* The threads, one per stream. */
void *latency_client_main(void *arg);
void *latency_server_main(void *arg);

#endif
