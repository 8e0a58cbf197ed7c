/* One CSV record of the "csv" reporter: the fixed columns (their order and
 * meaning are documented at the top of csv.c and in weir(1)) and RFC 4180
 * output. */
#ifndef WEIR_CSVREC_H
#define WEIR_CSVREC_H

#include <stddef.h>
#include <stdint.h>

/* The columns, in file order: enum name and header text. Append only:
 * scripts address columns by position as well as by name. */
#define CSV_COLUMNS(X)                                                        \
    X(TIME, "time")                                                           \
    X(TEST, "test")                                                           \
    X(ROLE, "role")                                                           \
    X(PEER, "peer")                                                           \
    X(TRANSPORT, "transport")                                                 \
    X(DIRECTION, "direction")                                                 \
    X(KIND, "kind")                                                           \
    X(STREAM, "stream")                                                       \
    X(START, "start")                                                         \
    X(END, "end")                                                             \
    X(SECONDS, "seconds")                                                     \
    X(BYTES, "bytes")                                                         \
    X(BITS_PER_SECOND, "bits_per_second")                                     \
    X(RETRANSMITS, "retransmits")                                             \
    X(SND_CWND, "snd_cwnd")                                                   \
    X(RTT_US, "rtt_us")                                                       \
    X(JITTER_MS, "jitter_ms")                                                 \
    X(LOST_PACKETS, "lost_packets")                                           \
    X(PACKETS, "packets")                                                     \
    X(LOST_PERCENT, "lost_percent")                                           \
    X(OMITTED, "omitted")                                                     \
    X(CPU_LOCAL_PERCENT, "cpu_local_percent")                                 \
    X(CPU_REMOTE_PERCENT, "cpu_remote_percent")                               \
    X(SETUP_SECONDS, "setup_seconds")                                         \
    X(ERROR, "error")                                                         \
    X(LATENCY_SENT, "latency_sent")                                           \
    X(LATENCY_COUNT, "latency_count")                                         \
    X(LATENCY_LOST, "latency_lost")                                           \
    X(LATENCY_MISSED, "latency_missed")                                       \
    X(LATENCY_MIN_US, "latency_min_us")                                       \
    X(LATENCY_MEAN_US, "latency_mean_us")                                     \
    X(LATENCY_P50_US, "latency_p50_us")                                       \
    X(LATENCY_P90_US, "latency_p90_us")                                       \
    X(LATENCY_P99_US, "latency_p99_us")                                       \
    X(LATENCY_P99_9_US, "latency_p99_9_us")                                   \
    X(LATENCY_MAX_US, "latency_max_us")                                       \
    X(LATENCY_STDDEV_US, "latency_stddev_us")                                 \
    X(LATENCY_INCREASE_P50_US, "latency_increase_p50_us")                     \
    X(LATENCY_INCREASE_MEAN_US, "latency_increase_mean_us")                   \
    X(RESPONSIVENESS_RPM, "responsiveness_rpm")                               \
    X(LOAD_STREAMS, "load_streams")                                           \
    X(FACT_KEY, "fact_key")                                                   \
    X(FACT_VALUE, "fact_value")

#define CSV_ENUM(id, text) CSV_##id,
enum csv_column { CSV_COLUMNS(CSV_ENUM) CSV_NCOLUMNS };
#undef CSV_ENUM

/* A record being filled: each field is empty (NULL) until set. Text fields
 * point at the caller's strings, which must outlive csv_line. */
struct csv_record {
    const char *field[CSV_NCOLUMNS];
    char num[CSV_NCOLUMNS][40];
};

void csv_record_clear(struct csv_record *r);
void csv_set_text(struct csv_record *r, enum csv_column c, const char *text);
/* Digits after the point that mean something: the clock (and iperf3's
 * UDP timestamps) has microseconds; a rate's fraction of a bit per
 * second, or a CPU share's beyond a hundredth of a percent, is noise. */
#define CSV_SECONDS_DECIMALS 6
#define CSV_JITTER_DECIMALS  3      /* milliseconds to the microsecond */
#define CSV_PERCENT_DECIMALS 2
#define CSV_LOSS_DECIMALS    4
#define CSV_LATENCY_DECIMALS 3      /* microseconds to the nanosecond */
#define CSV_RPM_DECIMALS     0      /* from a histogram's 1 % */
/* v with that many decimals ("%.*f"); never "-0". A value that is not a
 * number (NaN, infinite) leaves the field empty. */
void csv_set_fixed(struct csv_record *r, enum csv_column c, double v, int decimals);
void csv_set_int(struct csv_record *r, enum csv_column c, int64_t v);
void csv_set_uint(struct csv_record *r, enum csv_column c, uint64_t v);

/* The record as one line: fields joined by commas, a field quoted when it
 * holds a comma, a double quote, CR or LF (its quotes doubled), ended by
 * LF. malloc'd; NULL when out of memory. */
char *csv_line(const struct csv_record *r, size_t *len);
/* The header line, LF-ended (static). */
const char *csv_header(void);

#endif
