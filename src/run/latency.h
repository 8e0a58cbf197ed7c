/* --latency: the probe engine. Every stream of a latency test carries
 * probes (run/probe.h) instead of bulk data, through the transport's
 * message hooks (host/transport.h: its byte hooks on a byte stream, its
 * datagram hooks otherwise; the streams were opened with
 * WEIR_LOWER_STREAM). One thread per stream, apart from the bulk data
 * workers (run/workers.c), so that probes can later run beside load
 * streams without queueing behind them:
 *
 *   client  sends requests, back to back (one outstanding) or on a fixed
 *           schedule (--latency-rate; a send time that passes while a
 *           request cannot go is counted as missed, never made up for),
 *           takes the replies, and records round trips (its monotonic
 *           clock) and, when both ends share a clock, one-way delays
 *           (CLOCK_REALTIME); over datagrams a request without a reply
 *           within the loss bound is lost;
 *   server  echoes each request as a reply of the negotiated size with its
 *           receive and send times.
 *
 * What a client stream measured goes into a window (struct latency_window)
 * under the stream's lock; the main thread takes the window at each
 * interval (latency_take) and merges the windows into the totals. Probes
 * sent in the -O period are not counted anywhere. */
#ifndef WEIR_LATENCY_H
#define WEIR_LATENCY_H

#include <stdint.h>

#include "run/histogram.h"

struct test;

/* -l's default under --latency: a small request, as ping and sockperf send. */
#define LATENCY_DEFAULT_REQUEST 64u

/* What one stream's probes measured over a span. */
struct latency_window {
    struct histogram rtt, fwd, rev;     /* ns; fwd/rev only with one_way */
    uint64_t sent, lost, missed;
};

void latency_window_reset(struct latency_window *w);
void latency_window_merge(struct latency_window *into, const struct latency_window *from);

/* The run starts: one thread per stream (t->latency_clock set: record
 * one-way delays too). WEIR_OK, or WEIR_E_NOMEM / WEIR_E_PTHREADCREATE. */
int latency_start(struct test *t);
/* The run is over: a client stops sending and waits for the replies still
 * due (a datagram transport up to the loss bound, then counts the rest
 * lost), a server stops echoing; joins the threads and sets the phase to
 * STOP. The windows stay for the last latency_take. */
void latency_stop(struct test *t);
/* Free what latency_start made (after latency_stop). */
void latency_free(struct test *t);
/* Client: every stream sent its -k/-n share and has no reply due. */
int latency_done(const struct test *t);
/* Main thread: stream i's window since the last take, into *out (which
 * the caller then owns until its next take of that stream); the next
 * window's interval ends at next_end_ns (0: not known). After
 * latency_stop: all the stream has left. */
void latency_take(struct test *t, int i, uint64_t next_end_ns, struct latency_window *out);
/* Main thread, without a take (the -O period's end): the current interval
 * ends at end_ns. */
void latency_interval_end(struct test *t, uint64_t end_ns);
/* --load, main thread after latency_stop: the round trips of all probe
 * streams, of requests sent in the idle phase and after the load started. */
void latency_working(struct test *t, struct histogram *idle, struct histogram *loaded);
/* --load: when the load starts (monotonic ns), 0 without load. */
uint64_t latency_load_from(const struct test *t);
/* Something was measured since the last take (a final short interval with
 * probes in it is not dropped). */
int latency_pending(struct test *t);

#endif
