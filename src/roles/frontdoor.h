/* The server's front door (weir -s): the thread that owns the control
 * listener, and the only one that accepts on it. It accepts every
 * connection and reads its 37-byte cookie without blocking anyone (each
 * connection has its own deadline), then:
 *
 *   cookie of a test waiting for its streams -> that test's inbox, for
 *                       its transport's server_adopt (WEIR_CAP_CONTROL_PORT)
 *   cookie of a test that has its streams    -> ACCESS_DENIED
 *   any other cookie -> a new control connection: a test thread of its own
 *                       (or ACCESS_DENIED when every test slot is taken)
 *
 * Streams of other transports (UDP) arrive on the transport's own socket;
 * those that carry no cookie (a plain iperf3 client's) pass the gate, one
 * test at a time.
 *
 * A test thread reads the parameters, then claims one of the --max-tests
 * slots: a connection that has not sent its cookie and parameters holds
 * nothing, so silent or slow peers never keep a real client waiting. While
 * every slot is taken and no test waits for streams, newcomers get
 * ACCESS_DENIED unread, as from iperf3. */
#ifndef WEIR_FRONTDOOR_H
#define WEIR_FRONTDOOR_H

#include <pthread.h>
#include <stdint.h>
#include <weir/transport.h>

#include "cli/options.h"
#include "host/report.h"

struct frontdoor;

/* One connection's test thread and its place in the registry. The test
 * reads the first group; the rest is frontdoor.c's (under its lock). */
struct test_link {
    const struct settings *s;
    int listen_fd;              /* the control listener (server_listen's control_fd) */
    int ctl_fd;
    unsigned char cookie[WEIR_COOKIE_SIZE];
    int test_no;                /* from 1, set by link_claim */
    struct report_set *rs;      /* the test's reporters, set by link_claim */

    struct frontdoor *d;
    struct test_link *next;
    pthread_t thread;
    int claimed;                /* holds a test slot */
    int expecting;              /* data connections with the cookie come here */
    int inbox;                  /* eventfd: readable while *queue holds some */
    int *queue, n_queued, n_alloc;
    int closing;                /* the thread closes ctl_fd now: hands off */
    uint64_t winding_until_ns;  /* link_winding_up: hold newcomers till then */
    int finished;
    int status;
};

/* Runs one test on link->ctl_fd (cookie read) and closes nothing; returns
 * 0 on success, -1 when a signal ended it, 2 for a refused authentication,
 * 1 for other errors, 3 when it never claimed a slot. */
typedef int (*frontdoor_test_fn)(struct test_link *link);

/* Serve until a signal, a byte on stop_fd (-1: none), or after one test
 * with -1. rs takes the "Server listening" lines, and with --max-tests 1
 * every test's reports (iperf3's single stream of output); with more, each
 * test opens reporters of its own. Returns the exit status. */
int frontdoor_serve(const struct settings *s, struct report_set *rs, int listen_fd,
                   uint16_t port, int stop_fd, frontdoor_test_fn run);

/* The parameters are in: take a test slot, a test number and reporters.
 * 0 when the server is full (the caller answers ACCESS_DENIED). */
int link_claim(struct test_link *link);

/* The test needs nothing more from anyone but its client's goodbye: its
 * slot frees within moments. Until it does (at most a short bound), a
 * newcomer waits in the listen backlog, as with iperf3, rather than being
 * told the server is busy -- so a script's next client, started as soon as
 * the last one exited, is served. */
void link_winding_up(struct test_link *link);

/* Route data connections that carry the test's cookie to it from now on;
 * returns the descriptor to poll (readable: link_take_stream). */
int link_expect_streams(struct test_link *link);
/* One routed connection (its cookie consumed), or -1. */
int link_take_stream(struct test_link *link);
/* Stop routing; connections still queued get ACCESS_DENIED. */
void link_end_streams(struct test_link *link);

/* Streams that only the order of arrival tells apart (a plain iperf3
 * client's UDP, which carry no cookie) are set up by one test at a time:
 * the one waiting for them is the only one that may take them. Returns 0
 * if a signal came first. */
int link_gate_enter(struct test_link *link);
void link_gate_leave(struct test_link *link);

#endif
