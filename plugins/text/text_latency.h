/* The text reporter's --latency lines (ABI 2.1 figures): the setup line
 * under the streams, and a table per interval and for the whole test, in
 * place of the probe streams' transfer lines. Columns (microseconds):
 *
 *   [ ID] Interval           Delay    Count   Lost      Min     Mean ...
 *   [  5]   0.00-1.00   sec  rtt      41234      0    18.21    23.90 ...
 *
 * Delay is rtt (round trip, the client's clock), c->s and s->c (one way,
 * when both ends share a clock); Count the delays measured; Lost the
 * requests given up on (datagram transports; "-" on one-way rows); then
 * Min Mean p50 p90 p99 p99.9 Max Stddev. A row ends "(N missed)" when
 * --latency-rate send times passed unused, "(omitted)" in the -O period.
 * A row without a delay measured shows "-" in Min .. Stddev; from 100 ms
 * on a column has fewer decimals, so the table stays in line up to 60 s. */
#ifndef WEIR_TEXT_LATENCY_H
#define WEIR_TEXT_LATENCY_H

#include <weir/weir.h>

typedef void (*text_line_fn)(void *arg, const char *text);

/* s has latency (WEIR_HAS_FIELD checked by the caller). */
void text_latency_setup(const struct weir_report_start *s, text_line_fn line, void *arg);
/* The column header. */
void text_latency_header(text_line_fn line, void *arg);
/* Rows of each stream in rows[0..n), then of sum when n > 1. */
void text_latency_rows(const struct weir_report_latency *rows, size_t n,
                       const struct weir_report_latency *sum, text_line_fn line, void *arg);
/* --load: the working latency under the table (with load, 2.2, the load's
 * transport on the first line and the in-band line):
 *
 *   Working latency: 2 load streams up over tcp, after 1.00 s idle
 *     idle   rtt p50 ... usec, mean ... usec (N round trips)   (msec from
 *                                                            100 ms on, "-" for none)
 *     loaded rtt p50 ... usec, mean ... usec (N round trips)
 *     increase p50 +... usec, mean +... usec
 *     responsiveness ... RPM (60 s / trimmed mean of the loaded round trips)
 *     in-band srtt p50 ... usec, max ... usec (N samples of ...)
 *     load ... Mbits/sec up, ... Mbits/sec down (as received) */
void text_latency_working(const struct weir_report_working_latency *w, const struct weir_report_load *load,
                          text_line_fn line, void *arg);

#endif
