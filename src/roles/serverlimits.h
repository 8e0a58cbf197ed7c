/* What a server allows its clients (docs/protocol.md §6.4, §8.4):
 *   --server-max-duration SECS      refuse a test whose time + omit exceeds
 *                                   it, or that has no time limit (-n/-k),
 *                                   as iperf3 3.20+ (IEMAXSERVERTESTDURATION-
 *                                   EXCEEDED, 37)
 *   --server-bitrate-limit RATE[/S] refuse a test that asks for more in
 *                                   total, and end one whose average over
 *                                   the last S seconds (default 5) exceeds
 *                                   RATE (IETOTALRATE, 27)
 * Both are answered with SERVER_ERROR and iperf3's numbers, so any client
 * prints the reason. Range checks of the single parameters are in params.c. */
#ifndef WEIR_SERVERLIMITS_H
#define WEIR_SERVERLIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/options.h"
#include "proto/errors.h"
#include "proto/params.h"
#include "run/test.h"

#define LIMITS_RATE_WINDOW_DEFAULT_S 5
#define LIMITS_RATE_WINDOW_MAX_S     86400

/* "RATE[/SECS]": rate with decimal suffixes (K = 1000), the window rounded
 * to whole seconds, at least 1, as iperf3 counts it in 1 s samples.
 * Returns WEIR_OK, WEIR_E_UNITVAL (bad rate) or WEIR_E_TOTALINTERVAL. */
int limits_parse_bitrate(const char *text, uint64_t *rate, int *window_s);

/* The parameters against the server's limits: WEIR_OK, or 37 / 27 with
 * detail. */
int limits_check_params(const struct settings *s, const struct test_params *p,
                        char *detail, size_t len);

/* --server-bitrate-limit while a test runs. Samples of the bytes moved so
 * far (all streams, both directions, as iperf3 counts them) are taken every
 * step; a window of up to 64 s has one per second like iperf3's, a longer
 * one is cut into 64 steps. */
#define RATE_WINDOW_STEPS 64
struct rate_window {
    uint64_t limit;                             /* bits/s, 0 = off */
    int steps;                                  /* samples per window */
    uint64_t step_ns;
    uint64_t next_ns;                           /* next sample due */
    int taken;                                  /* samples so far */
    uint64_t at_ns[RATE_WINDOW_STEPS + 1];      /* ring of samples */
    uint64_t bytes[RATE_WINDOW_STEPS + 1];
};

void rate_window_start(struct rate_window *w, const struct settings *s, uint64_t now);
/* WEIR_OK, or WEIR_E_TOTALRATE with detail once the average over a whole
 * window is above the limit. */
int rate_window_check(struct rate_window *w, const struct test *t, uint64_t now,
                      char *detail, size_t len);

#endif
