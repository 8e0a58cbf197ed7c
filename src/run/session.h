/* What the client and server state machines share while a test runs:
 * the reporters, the statistics buffers and the run loop's timers. */
#ifndef WEIR_SESSION_H
#define WEIR_SESSION_H

#include "host/report.h"
#include "run/facts.h"
#include "run/latency_report.h"
#include "run/stats.h"
#include "run/test.h"

struct session {
    struct test t;
    struct report_set *rs;
    struct stats_buf sb;
    int started;                /* test_start reported */
    int ended;                  /* final summary reported */
    uint64_t next_interval_ns;
    struct fact_list weir_facts; /* start.weir's own facts (session.c) */
    /* The final summary as reported: sums, CPU, flags. Its pointers
     * (streams, strings) are cleared; they do not outlive the report. */
    struct weir_report_end summary;
    int test_no;                /* server: the test's number, from 1 */
    struct latency_report lr;   /* --latency, client: the figures reported */
};

/* Signal handling: SIGINT, SIGTERM, SIGHUP set this flag (read by every
 * thread, hence atomic); blocking calls
 * return early so the state machines can notice it. */
extern _Atomic int session_signal;
void session_install_signals(void);

/* Streams are open: report test_start, start workers (idle). */
int session_begin(struct session *ss);
/* Data starts flowing now. */
void session_run(struct session *ss, uint64_t now);
/* Timers due at now: omit end, interval reports. */
void session_tick(struct session *ss, uint64_t now);
/* Milliseconds until the next timer, capped at cap_ms. */
int session_timeout_ms(const struct session *ss, uint64_t now, int cap_ms);
/* Stop moving data: final partial interval, CPU figures, workers drain. */
void session_stop(struct session *ss, uint64_t now);
/* Report the end summary (with peer results when known). */
void session_report_end(struct session *ss);
/* First stream error recorded by a worker, 0 if none. peer_may_end: not
 * a receiving stream the peer closed (WEIR_E_STREAMCLOSE), which the peer's
 * end of the test excuses; a receiving stream that failed otherwise (a
 * read error, QUIC's idle timeout) counts, as a sending one does. */
int session_stream_error(const struct session *ss, int peer_may_end, const char **why, int *err);
/* Free everything of the test (streams, workers, buffers). */
void session_free(struct session *ss);
/* Start snapshot for reporters. */
void session_start_report(struct session *ss, struct weir_report_start *st);

#endif
