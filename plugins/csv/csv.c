/* Reporter "csv": every interval and summary number as CSV rows, for
 * spreadsheets and scripts.
 *
 * --reporter csv writes to the output; --reporter csv:PATH appends to PATH
 * (created if missing), so repeated runs and a server's tests collect in one
 * file. The header line is written once: at open, unless PATH already has
 * content.
 *
 * Format: RFC 4180 fields (a field holding a comma, a double quote, CR or LF
 * is enclosed in double quotes, its quotes doubled), lines ended by LF (not
 * RFC 4180's CRLF: Unix tools read LF, and CSV readers accept both). An
 * empty field means "does not apply". Numbers are plain, with the digits
 * that mean something and no more: times in seconds to the microsecond
 * (6 decimals), rates in whole bits per second, jitter to the microsecond
 * (3 decimals of a millisecond), percentages to 2 decimals (loss to 4);
 * C locale (a '.' decimal point) always.
 *
 * Columns (fixed order; new columns are only ever appended):
 *   time          Unix time (seconds) the test's control connection was made
 *   test          1 for the first test this weir process ran, 2 for the next
 *                 (a server's tests, each transport of a comparison run)
 *   role          client or server: the end that wrote the row
 *   peer          client: the server as given; server: the client's address
 *   transport     transport plugin: tcp, udp, tls
 *   direction     upload (client to server) or download (server to client)
 *   kind          interval      one stream over one -i period
 *                 interval-sum  all streams of one direction over that period
 *                               (written for -P 1 too)
 *                 end-sender    one stream over the test, as its sender saw it
 *                 end-receiver  the same, as its receiver saw it
 *                 end-sender-sum, end-receiver-sum  all streams of a direction
 *                 comparison    one transport of --transport A,B,...
 *                               (its receiver's bytes and rate)
 *                 error         the test failed: see the error column
 *   stream        the stream's socket number, as every reporter names a
 *                 stream (text "[  5]", JSON "socket"); empty in sums
 *   start, end    seconds since the test started (the -O period has its own
 *                 clock from 0, as in iperf3); seconds = end - start
 *   bytes, bits_per_second
 *   retransmits   sender rows, when the transport counts them (TCP; quic:
 *                 packets ngtcp2 declared lost)
 *   snd_cwnd      bytes; interval rows: at the interval's end; end-sender
 *                 rows: the largest seen in the test
 *   rtt_us        microseconds, smoothed; interval rows: at the interval's
 *                 end; end-sender rows: the test's mean
 *   jitter_ms, lost_packets, packets, lost_percent
 *                 datagram transports (udp)
 *   omitted       1 for an interval in the -O period, else 0
 *   cpu_local_percent, cpu_remote_percent
 *                 end-*-sum and comparison rows: CPU use of this side and of
 *                 the peer (empty when the peer's results are unknown)
 *   setup_seconds comparison rows: connecting every data stream, TLS
 *                 handshakes included
 *   error         error rows, and comparison rows of a transport that failed
 *
 * --latency (the client's rows) adds these kinds, each for the probes'
 * round trips (direction "round-trip") and, when both ends share a clock,
 * their one-way delays (direction "upload": client to server,
 * "download": server to client):
 *                 latency       one probe stream over one -i period
 *                 latency-sum   all probe streams over that period
 *                 end-latency, end-latency-sum  the same over the test
 * with start, end, seconds, omitted, stream as above and these columns
 * (the -J report's "latency" objects, the same numbers):
 *   latency_sent, latency_lost, latency_missed
 *                 round-trip rows: requests sent, given up on (no reply
 *                 within the bound), send times missed (--latency-rate)
 *   latency_count delays measured
 *   latency_min_us, latency_mean_us, latency_p50_us, latency_p90_us,
 *   latency_p99_us, latency_p99_9_us, latency_max_us, latency_stddev_us
 *                 the delays' statistics, microseconds (3 decimals);
 *                 empty when count is 0
 * Comparison rows of --transport A,B,... --latency have the test's
 * round-trip latency_sent .. latency_stddev_us too.
 *
 * --latency --load N (working latency, the -J report's end.latency.working)
 * adds, after the end-latency rows, with load_streams (N, streams each
 * way) on each:
 *                 working-idle    round trips of requests sent before the
 *                                 load started (direction round-trip; start
 *                                 0, end the idle phase's length)
 *                 working-loaded  those sent after (start: the idle
 *                                 phase's end; end: the test's), and
 *   latency_increase_p50_us, latency_increase_mean_us
 *                                 loaded p50 (mean) minus idle p50 (mean),
 *                                 microseconds (3 decimals); empty without
 *                                 both idle and loaded round trips
 *   responsiveness_rpm            round trips per minute: 60 s / the loaded
 *                                 round trips' mean without their slowest
 *                                 5 %, whole; empty without loaded ones
 *                 working-inband  the smoothed RTT of the load's connections
 *                                 (the transport's own estimate: tcp and
 *                                 tls TCP_INFO's, quic ngtcp2's; sampled
 *                                 every 100 ms on the streams the client
 *                                 sends on), the loaded row's span: only
 *                                 where there are samples (not over udp,
 *                                 not with -R); latency_count = samples
 *                 working-load    the load's throughput as received over
 *                                 the time it ran (the loaded row's span) in
 *                                 bits_per_second, one row per direction it
 *                                 ran (upload; download with -R; both with
 *                                 --bidir)
 * working-idle, working-loaded and working-inband have latency_count ..
 * latency_stddev_us as the end-latency rows. working-inband and
 * working-load name the load's transport in the transport column (it may
 * differ from the probes': --load-transport). A comparison run with
 * --load (--transport A,B,... --latency --load N) follows each comparison
 * row with its test's working rows again, of the kinds
 * comparison-working-idle, -loaded, -inband, -load: the same columns,
 * with the comparison row's time and test (none for a test that failed).
 *
 * What the transport says about each stream (-J's start.weir.streams[] and
 * intervals[].streams[].weir) comes one fact a row, with direction and
 * stream as above and
 *   fact_key      the fact's name, dotted as in -V's line ("quic.cwnd",
 *                 "tls.cipher", "gso"); its unit is the name's (_ms
 *                 milliseconds; cwnd, bytes_in_flight bytes; weir(1))
 *   fact_value    yes or no, a number, or text
 * in the kinds
 *                 facts           the stream's facts at the test's start
 *                                 (cipher, congestion controller, handshake
 *                                 time, GSO/GRO), the test's first rows;
 *                                 start, end empty
 *                 interval-facts  the stream's figures at an interval's end
 *                                 (packets sent and lost so far, cwnd,
 *                                 smoothed RTT), after the interval's rows,
 *                                 with its start, end, seconds, omitted
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weir/weir.h>

#include "csvrec.h"
#include "factfmt.h"

struct csv {
    const struct weir_host *host;
    struct weir_sink sink;
    FILE *file;                 /* csv:PATH, else NULL: the sink */
    const char *path;
    int write_failed;           /* the hook writing returns the error */
    const char *role;
    int finished;               /* tests finished; the current one is finished + 1 */
    /* The current test, copied: snapshot pointers die with their hook. */
    int have_time;
    int64_t time;
    char *peer;
    char *transport;
    int reverse;
    int bidir;
    /* The comparison run so far: its first test's time and direction. */
    int run_have_time;
    int64_t run_time;
    int run_reverse;
};

static void put(struct csv *c, const char *line, size_t len)
{
    if (c->file == NULL) {
        c->sink.write(c->sink.ctx, WEIR_OUT, line, len);
        return;
    }
    if (fwrite(line, 1, len, c->file) != len || fflush(c->file) != 0) {
        c->write_failed = 1;
        c->host->set_error(WEIR_E_LOGFILE, "csv reporter: cannot write %s: %s", c->path,
                           strerror(errno));
    }
}

/* What a hook that wrote rows returns: the host stops calling a reporter
 * that reports an error, and the exit status says so. */
static int written(const struct csv *c)
{
    return c->write_failed ? WEIR_E_LOGFILE : WEIR_OK;
}

static void put_record(struct csv *c, const struct csv_record *r)
{
    size_t len = 0;
    char *line = csv_line(r, &len);
    if (line == NULL) {
        c->host->log(WEIR_LOG_ERROR, "csv reporter: out of memory, a row is missing");
        return;
    }
    put(c, line, len);
    free(line);
}

/* The columns every row of the current test shares. */
static void record_for_test(const struct csv *c, struct csv_record *r, const char *kind)
{
    csv_record_clear(r);
    if (c->have_time)
        csv_set_int(r, CSV_TIME, c->time);
    csv_set_int(r, CSV_TEST, c->finished + 1);
    csv_set_text(r, CSV_ROLE, c->role);
    csv_set_text(r, CSV_PEER, c->peer);
    csv_set_text(r, CSV_TRANSPORT, c->transport);
    csv_set_text(r, CSV_KIND, kind);
}

static const char *direction(int upload)
{
    return upload ? "upload" : "download";
}

/* A stream's direction from whether this side sends on it. */
static int stream_uploads(const struct csv *c, int this_side_sends)
{
    int client = strcmp(c->role, "client") == 0;
    return client == (this_side_sends != 0);
}

static void set_sample(struct csv_record *r, const struct weir_report_sample *s)
{
    csv_set_fixed(r, CSV_START, s->start, CSV_SECONDS_DECIMALS);
    csv_set_fixed(r, CSV_END, s->end, CSV_SECONDS_DECIMALS);
    csv_set_fixed(r, CSV_SECONDS, s->seconds, CSV_SECONDS_DECIMALS);
    csv_set_uint(r, CSV_BYTES, s->bytes);
    csv_set_fixed(r, CSV_BITS_PER_SECOND, s->bits_per_second, 0);
    if (s->has_retransmits)
        csv_set_int(r, CSV_RETRANSMITS, s->retransmits);
    if (s->has_tcpinfo) {
        csv_set_uint(r, CSV_SND_CWND, s->snd_cwnd);
        csv_set_uint(r, CSV_RTT_US, s->rtt);
    }
    if (s->datagram) {
        csv_set_fixed(r, CSV_JITTER_MS, s->jitter_ms, CSV_JITTER_DECIMALS);
        csv_set_int(r, CSV_LOST_PACKETS, s->lost_packets);
        csv_set_int(r, CSV_PACKETS, s->packets);
        csv_set_fixed(r, CSV_LOST_PERCENT, s->lost_percent, CSV_LOSS_DECIMALS);
    }
    csv_set_int(r, CSV_OMITTED, s->omitted != 0);
}

static void set_delays(struct csv_record *r, const struct weir_report_latency_stats *d)
{
    csv_set_uint(r, CSV_LATENCY_COUNT, d->count);
    if (d->count == 0)
        return;
    const double v[] = { d->min, d->mean, d->p50, d->p90, d->p99, d->p999, d->max, d->stddev };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        csv_set_fixed(r, (enum csv_column)(CSV_LATENCY_MIN_US + i), v[i], CSV_LATENCY_DECIMALS);
}

static void set_probe_counts(struct csv_record *r, const struct weir_report_latency *l)
{
    csv_set_uint(r, CSV_LATENCY_SENT, l->sent);
    csv_set_uint(r, CSV_LATENCY_LOST, l->lost);
    csv_set_uint(r, CSV_LATENCY_MISSED, l->missed);
}

/* One probe stream's (or the sum's) rows over a span: round trips, then
 * the one-way delays when they were measured. */
static void latency_rows(struct csv *c, const struct weir_report_latency *l, const char *kind)
{
    static const char *const dirs[] = { "round-trip", "upload", "download" };
    const struct weir_report_latency_stats *d[] = { &l->rtt, &l->forward, &l->reverse };
    for (int k = 0; k < (l->one_way ? 3 : 1); k++) {
        struct csv_record r;
        record_for_test(c, &r, kind);
        csv_set_text(&r, CSV_DIRECTION, dirs[k]);
        if (l->socket)
            csv_set_int(&r, CSV_STREAM, l->socket);
        csv_set_fixed(&r, CSV_START, l->start, CSV_SECONDS_DECIMALS);
        csv_set_fixed(&r, CSV_END, l->end, CSV_SECONDS_DECIMALS);
        csv_set_fixed(&r, CSV_SECONDS, l->end - l->start, CSV_SECONDS_DECIMALS);
        csv_set_int(&r, CSV_OMITTED, l->omitted != 0);
        if (k == 0)
            set_probe_counts(&r, l);
        set_delays(&r, d[k]);
        put_record(c, &r);
    }
}

/* Every probe stream's rows, then the sum's (written for -P 1 too, as
 * interval-sum is). */
static void latency_block(struct csv *c, size_t n, const struct weir_report_latency *rows,
                          const struct weir_report_latency *sum, const char *kind, const char *sum_kind)
{
    for (size_t i = 0; i < n; i++)
        latency_rows(c, &rows[i], kind);
    if (sum != NULL)
        latency_rows(c, sum, sum_kind);
}

/* The working latency rows' shared columns: base's (the test's, or a
 * comparison row's), kind (prefix and name), span, load_streams. The
 * copy's numbers stay base's, which outlives it. */
static void record_for_working(const struct csv_record *base, struct csv_record *r, const char *prefix,
                               const char *name, char *kind, size_t kind_len,
                               const struct weir_report_working_latency *w, double start, double end)
{
    *r = *base;
    snprintf(kind, kind_len, "%s%s", prefix, name);
    csv_set_text(r, CSV_KIND, kind);
    csv_set_fixed(r, CSV_START, start, CSV_SECONDS_DECIMALS);
    if (!isnan(end)) {
        csv_set_fixed(r, CSV_END, end, CSV_SECONDS_DECIMALS);
        csv_set_fixed(r, CSV_SECONDS, end - start, CSV_SECONDS_DECIMALS);
    }
    csv_set_int(r, CSV_OMITTED, 0);
    csv_set_uint(r, CSV_LOAD_STREAMS, w->load_streams);
}

/* --load: the idle and loaded round trips, the load connections' own
 * RTT, then the load's rate each way it ran, with the columns of base and
 * kinds prefix + "working-idle" etc. end: the test's end on its clock
 * (NaN: unknown). load: NULL from a core before SDK 2.2. transport: the
 * test's (the load's without load). */
static void working_rows(struct csv *c, const struct csv_record *base, const char *prefix,
                         const struct weir_report_working_latency *w, const struct weir_report_load *load,
                         double end, const char *transport)
{
    const char *load_transport = load != NULL && load->transport != NULL ? load->transport : transport;
    struct csv_record r;
    char kind[64];
    record_for_working(base, &r, prefix, "working-idle", kind, sizeof kind, w, 0, w->idle_seconds);
    csv_set_text(&r, CSV_DIRECTION, "round-trip");
    set_delays(&r, &w->idle);
    put_record(c, &r);

    record_for_working(base, &r, prefix, "working-loaded", kind, sizeof kind, w, w->idle_seconds, end);
    csv_set_text(&r, CSV_DIRECTION, "round-trip");
    set_delays(&r, &w->loaded);
    /* The core leaves an increase it could not take at 0: empty here. */
    if (w->idle.count > 0 && w->loaded.count > 0) {
        csv_set_fixed(&r, CSV_LATENCY_INCREASE_P50_US, w->increase_p50, CSV_LATENCY_DECIMALS);
        csv_set_fixed(&r, CSV_LATENCY_INCREASE_MEAN_US, w->increase_mean, CSV_LATENCY_DECIMALS);
    }
    if (w->loaded.count > 0)
        csv_set_fixed(&r, CSV_RESPONSIVENESS_RPM, w->rpm, CSV_RPM_DECIMALS);
    put_record(c, &r);

    if (load != NULL && load->has_inband && load->inband.count > 0) {
        record_for_working(base, &r, prefix, "working-inband", kind, sizeof kind, w, w->idle_seconds, end);
        csv_set_text(&r, CSV_TRANSPORT, load_transport);
        csv_set_text(&r, CSV_DIRECTION, "round-trip");
        set_delays(&r, &load->inband);
        put_record(c, &r);
    }

    const char *dir = w->load_direction != NULL ? w->load_direction : "";
    int up = strcmp(dir, "up") == 0 || strcmp(dir, "both") == 0;
    int down = strcmp(dir, "down") == 0 || strcmp(dir, "both") == 0;
    for (int k = 0; k < 2; k++) {
        if (!(k == 0 ? up : down))
            continue;
        record_for_working(base, &r, prefix, "working-load", kind, sizeof kind, w, w->idle_seconds, end);
        csv_set_text(&r, CSV_TRANSPORT, load_transport);
        csv_set_text(&r, CSV_DIRECTION, direction(k == 0));
        csv_set_fixed(&r, CSV_BITS_PER_SECOND, k == 0 ? w->up_bits_per_second : w->down_bits_per_second, 0);
        put_record(c, &r);
    }
}

/* One row per fact; record has the columns the stream's rows share. */
static void fact_rows(struct csv *c, const struct csv_record *record, const struct weir_fact *facts,
                      size_t n)
{
    for (size_t i = 0; facts != NULL && i < n; i++) {
        struct csv_record r = *record;     /* its numbers stay record's */
        char value[256];
        factfmt_value(&facts[i].value, value, sizeof value);
        csv_set_text(&r, CSV_FACT_KEY, facts[i].key);
        csv_set_text(&r, CSV_FACT_VALUE, value);
        put_record(c, &r);
    }
}

static void forget_test(struct csv *c)
{
    free(c->transport);
    c->transport = NULL;
    c->have_time = 0;
    c->reverse = c->bidir = 0;
}

static int open_file(struct csv *c, const char *path)
{
    c->file = fopen(path, "a");
    if (c->file == NULL) {
        c->host->set_error(WEIR_E_LOGFILE, "csv reporter: cannot open %s: %s", path,
                           strerror(errno));
        return WEIR_E_LOGFILE;
    }
    /* Appending to earlier rows: they already have their header. */
    if (fseek(c->file, 0, SEEK_END) != 0 || ftell(c->file) > 0)
        return WEIR_OK;
    const char *h = csv_header();
    if (fputs(h, c->file) == EOF || fflush(c->file) != 0) {
        c->host->set_error(WEIR_E_LOGFILE, "csv reporter: cannot write %s: %s", path,
                           strerror(errno));
        fclose(c->file);
        c->file = NULL;
        return WEIR_E_LOGFILE;
    }
    return WEIR_OK;
}

static int csv_open(const struct weir_host *host, const char *arg,
                    const struct weir_report_format *fmt, const struct weir_sink *sink,
                    void **ctx)
{
    struct csv *c = calloc(1, sizeof *c);
    if (c == NULL) {
        host->set_error(WEIR_E_NOMEM, "csv reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    c->host = host;
    c->sink = *sink;
    c->role = fmt->role == WEIR_ROLE_SERVER ? "server" : "client";
    if (arg != NULL && *arg != '\0') {
        c->path = strdup(arg);
        int rc = c->path != NULL ? open_file(c, arg) : WEIR_E_NOMEM;
        if (rc != WEIR_OK) {
            if (rc == WEIR_E_NOMEM)
                host->set_error(rc, "csv reporter: out of memory");
            free((char *)c->path);
            free(c);
            return rc;
        }
    } else {
        const char *h = csv_header();
        c->sink.write(c->sink.ctx, WEIR_OUT, h, strlen(h));
    }
    *ctx = c;
    return WEIR_OK;
}

static int csv_close(void *ctx)
{
    struct csv *c = ctx;
    int rc = WEIR_OK;
    forget_test(c);
    free(c->peer);
    if (c->file != NULL && fclose(c->file) != 0) {
        c->host->set_error(WEIR_E_LOGFILE, "csv reporter: cannot write %s: %s", c->path, strerror(errno));
        rc = WEIR_E_LOGFILE;
    }
    free((char *)c->path);
    free(c);
    return rc;
}

static int csv_connected(void *ctx, const struct weir_report_connect *conn)
{
    struct csv *c = ctx;
    c->have_time = 1;
    c->time = conn->timesecs;
    free(c->peer);
    c->peer = conn->host != NULL ? strdup(conn->host) : NULL;
    if (!c->run_have_time) {
        c->run_have_time = 1;
        c->run_time = conn->timesecs;
    }
    return WEIR_OK;
}

static int csv_test_start(void *ctx, const struct weir_report_start *s)
{
    struct csv *c = ctx;
    free(c->transport);
    const char *name = NULL;
    if (s->transport)
        name = s->transport;
    c->transport = name != NULL ? strdup(name) : NULL;
    c->reverse = s->reverse != 0;
    c->bidir = s->bidir != 0;
    c->run_reverse = c->reverse;
    if (c->peer == NULL && s->host != NULL)
        c->peer = strdup(s->host);
    for (size_t i = 0; i < s->n_streams; i++) {
        const struct weir_report_stream *st = &s->streams[i];
        struct csv_record r;
        record_for_test(c, &r, "facts");
        csv_set_text(&r, CSV_DIRECTION, direction(stream_uploads(c, st->sending)));
        csv_set_int(&r, CSV_STREAM, st->socket);
        fact_rows(c, &r, st->facts, st->n_facts);
    }
    return written(c);
}

/* Non-bidir runs have one direction: reverse says which. Bidir sums: the
 * first is client to server, the second the other way. */
static int sum_uploads(const struct csv *c, int reverse_sum)
{
    if (c->bidir)
        return !reverse_sum;
    return !c->reverse;
}

static int csv_interval(void *ctx, const struct weir_report_interval *iv)
{
    struct csv *c = ctx;
    struct csv_record r;
    for (size_t i = 0; i < iv->n_streams; i++) {
        const struct weir_report_sample *s = &iv->streams[i];
        record_for_test(c, &r, "interval");
        csv_set_text(&r, CSV_DIRECTION, direction(stream_uploads(c, s->sender)));
        csv_set_int(&r, CSV_STREAM, s->socket);
        set_sample(&r, s);
        put_record(c, &r);
    }
    record_for_test(c, &r, "interval-sum");
    csv_set_text(&r, CSV_DIRECTION, direction(sum_uploads(c, 0)));
    set_sample(&r, &iv->sum);
    put_record(c, &r);
    if (iv->bidir) {
        record_for_test(c, &r, "interval-sum");
        csv_set_text(&r, CSV_DIRECTION, direction(sum_uploads(c, 1)));
        set_sample(&r, &iv->sum_bidir_reverse);
        put_record(c, &r);
    }
    for (size_t i = 0; i < iv->n_streams; i++) {
        const struct weir_report_sample *s = &iv->streams[i];
        record_for_test(c, &r, "interval-facts");
        csv_set_text(&r, CSV_DIRECTION, direction(stream_uploads(c, s->sender)));
        csv_set_int(&r, CSV_STREAM, s->socket);
        csv_set_fixed(&r, CSV_START, s->start, CSV_SECONDS_DECIMALS);
        csv_set_fixed(&r, CSV_END, s->end, CSV_SECONDS_DECIMALS);
        csv_set_fixed(&r, CSV_SECONDS, s->seconds, CSV_SECONDS_DECIMALS);
        csv_set_int(&r, CSV_OMITTED, s->omitted != 0);
        fact_rows(c, &r, s->facts, s->n_facts);
    }
    if (WEIR_HAS_FIELD(iv, latency_sum))
        latency_block(c, iv->n_latency, iv->latency, iv->latency_sum, "latency", "latency-sum");
    return written(c);
}

static void end_stream_rows(struct csv *c, const struct weir_report_end_stream *st)
{
    struct csv_record r;
    const char *dir = direction(stream_uploads(c, st->sending));
    if (st->has_sender) {
        record_for_test(c, &r, "end-sender");
        csv_set_text(&r, CSV_DIRECTION, dir);
        csv_set_int(&r, CSV_STREAM, st->socket);
        set_sample(&r, &st->sender);
        /* The test-long TCP_INFO figures replace the sample's last ones. */
        r.field[CSV_SND_CWND] = r.field[CSV_RTT_US] = NULL;
        if (st->has_tcpinfo) {
            csv_set_uint(&r, CSV_SND_CWND, st->max_snd_cwnd);
            csv_set_uint(&r, CSV_RTT_US, st->mean_rtt);
        }
        put_record(c, &r);
    }
    if (st->has_receiver) {
        record_for_test(c, &r, "end-receiver");
        csv_set_text(&r, CSV_DIRECTION, dir);
        csv_set_int(&r, CSV_STREAM, st->socket);
        set_sample(&r, &st->receiver);
        put_record(c, &r);
    }
}

static void end_sum_row(struct csv *c, const struct weir_report_end *e, const char *kind,
                        int upload, const struct weir_report_sample *s)
{
    struct csv_record r;
    record_for_test(c, &r, kind);
    csv_set_text(&r, CSV_DIRECTION, direction(upload));
    set_sample(&r, s);
    csv_set_fixed(&r, CSV_CPU_LOCAL_PERCENT, e->host_total, CSV_PERCENT_DECIMALS);
    if (e->has_peer)
        csv_set_fixed(&r, CSV_CPU_REMOTE_PERCENT, e->remote_total, CSV_PERCENT_DECIMALS);
    put_record(c, &r);
}

/* The sums of one direction, when some stream of it has those numbers
 * (a server without the client's results knows only its own side). */
static void end_sums(struct csv *c, const struct weir_report_end *e, int upload,
                     const struct weir_report_sample *sent,
                     const struct weir_report_sample *received)
{
    int any_sender = 0, any_receiver = 0;
    for (size_t i = 0; i < e->n_streams; i++) {
        const struct weir_report_end_stream *st = &e->streams[i];
        if (c->bidir && stream_uploads(c, st->sending) != upload)
            continue;
        any_sender |= st->has_sender;
        any_receiver |= st->has_receiver;
    }
    if (any_sender)
        end_sum_row(c, e, "end-sender-sum", upload, sent);
    if (any_receiver)
        end_sum_row(c, e, "end-receiver-sum", upload, received);
}

static int csv_test_end(void *ctx, const struct weir_report_end *e)
{
    struct csv *c = ctx;
    for (size_t i = 0; i < e->n_streams; i++)
        end_stream_rows(c, &e->streams[i]);
    end_sums(c, e, sum_uploads(c, 0), &e->sum_sent, &e->sum_received);
    if (e->bidir)
        end_sums(c, e, sum_uploads(c, 1), &e->sum_sent_bidir_reverse,
                 &e->sum_received_bidir_reverse);
    if (WEIR_HAS_FIELD(e, latency_sum))
        latency_block(c, e->n_latency, e->latency, e->latency_sum, "end-latency", "end-latency-sum");
    if (WEIR_HAS_FIELD(e, working) && e->working != NULL) {
        struct csv_record base;
        record_for_test(c, &base, NULL);
        working_rows(c, &base, "", e->working, WEIR_HAS_FIELD(e, load) ? e->load : NULL,
                     e->latency_sum != NULL ? e->latency_sum->end : NAN, c->transport);
    }
    return written(c);
}

static int csv_test_finish(void *ctx, const char *error)
{
    struct csv *c = ctx;
    if (error != NULL) {
        struct csv_record r;
        record_for_test(c, &r, "error");
        csv_set_text(&r, CSV_ERROR, error);
        put_record(c, &r);
    }
    forget_test(c);
    c->finished++;
    int rc = written(c);
    /* In a file the error row is not where the user looks. */
    return rc == WEIR_OK && error != NULL && c->path != NULL ? WEIR_E_NOTIMPL : rc;
}

static int csv_comparison(void *ctx, const struct weir_report_comparison *cmp)
{
    struct csv *c = ctx;
    const struct weir_report_latency *latency = WEIR_HAS_FIELD(cmp, latency) ? cmp->latency : NULL;
    /* 2.3: read only from a weir that has them. */
    const struct weir_report_working_latency *working = WEIR_HAS_FIELD(cmp, working) ? cmp->working : NULL;
    const struct weir_report_load *const *load = WEIR_HAS_FIELD(cmp, load) ? cmp->load : NULL;
    /* The run's tests were the last n_rows that finished. */
    int first = c->finished - (int)cmp->n_rows + 1;
    for (size_t i = 0; i < cmp->n_rows; i++) {
        const struct weir_report_comparison_row *row = &cmp->rows[i];
        struct csv_record r;
        csv_record_clear(&r);
        if (c->run_have_time)
            csv_set_int(&r, CSV_TIME, c->run_time);
        if (first >= 1)
            csv_set_int(&r, CSV_TEST, first + (int)i);
        csv_set_text(&r, CSV_ROLE, c->role);
        csv_set_text(&r, CSV_PEER, c->peer);
        csv_set_text(&r, CSV_TRANSPORT, row->transport);
        csv_set_text(&r, CSV_DIRECTION, direction(!c->run_reverse));
        csv_set_text(&r, CSV_KIND, "comparison");
        if (row->error != NULL) {
            csv_set_text(&r, CSV_ERROR, row->error);
            put_record(c, &r);
            continue;
        }
        csv_set_fixed(&r, CSV_START, 0, CSV_SECONDS_DECIMALS);
        csv_set_fixed(&r, CSV_END, row->seconds, CSV_SECONDS_DECIMALS);
        csv_set_fixed(&r, CSV_SECONDS, row->seconds, CSV_SECONDS_DECIMALS);
        csv_set_uint(&r, CSV_BYTES, row->bytes_received);
        csv_set_fixed(&r, CSV_BITS_PER_SECOND, row->receiver_bits_per_second, 0);
        if (row->has_retransmits)
            csv_set_int(&r, CSV_RETRANSMITS, row->retransmits);
        if (row->datagram) {
            csv_set_fixed(&r, CSV_JITTER_MS, row->jitter_ms, CSV_JITTER_DECIMALS);
            csv_set_int(&r, CSV_LOST_PACKETS, row->lost_packets);
            csv_set_int(&r, CSV_PACKETS, row->packets);
            csv_set_fixed(&r, CSV_LOST_PERCENT, row->lost_percent, CSV_LOSS_DECIMALS);
        }
        csv_set_fixed(&r, CSV_CPU_LOCAL_PERCENT, row->host_cpu_total, CSV_PERCENT_DECIMALS);
        if (row->has_remote_cpu)
            csv_set_fixed(&r, CSV_CPU_REMOTE_PERCENT, row->remote_cpu_total, CSV_PERCENT_DECIMALS);
        csv_set_fixed(&r, CSV_SETUP_SECONDS, row->setup_seconds, CSV_SECONDS_DECIMALS);
        if (latency != NULL) {
            set_probe_counts(&r, &latency[i]);
            set_delays(&r, &latency[i].rtt);
        }
        put_record(c, &r);
        /* --load: the test's working-* rows again, as this row's. */
        if (working != NULL) {
            struct csv_record base = r;
            for (int k = CSV_START; k < CSV_NCOLUMNS; k++)
                base.field[k] = NULL;
            working_rows(c, &base, "comparison-", &working[i], load != NULL ? load[i] : NULL,
                         latency != NULL ? latency[i].end : NAN, row->transport);
        }
    }
    c->run_have_time = 0;
    return written(c);
}

static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = csv_open,
    .close = csv_close,
    .connected = csv_connected,
    .test_start = csv_test_start,
    .interval = csv_interval,
    .test_end = csv_test_end,
    .test_finish = csv_test_finish,
    .comparison = csv_comparison,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "csv",
    .description = "intervals and summaries as CSV rows (csv:PATH appends to a file)",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
