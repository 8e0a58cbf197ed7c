/* Reporter "openmetrics": a test's final results as metrics (expo.h says
 * which text format and why it suits both Prometheus and OpenMetrics
 * readers).
 *
 * --reporter openmetrics prints the text when a test finishes;
 * --reporter openmetrics:PATH replaces PATH (atomically, promfile.h) with
 * each finished test's results, so node_exporter's textfile collector can
 * read PATH at any time. A comparison run (--transport A,B,...) keeps every
 * transport's series in one text, told apart by the transport label: the
 * file is rewritten after each test and once more when the run is over
 * (with weir_setup_seconds); printed output comes once, at the end.
 *
 * Series: per stream (stream="5", "7", ...: its socket number, the name
 * every reporter gives a stream, text's "[  5]" and JSON's "socket") and
 * summed (stream="sum"), for
 * each side whose numbers are known (side="sender" / "receiver", the
 * sender's or the receiver's count) and direction (direction="upload",
 * client to server, or "download"): weir_transferred_bytes,
 * weir_throughput_bytes_per_second, weir_duration_seconds, and where they
 * apply weir_retransmits (TCP sender), weir_packets, weir_lost_packets,
 * weir_jitter_seconds, weir_loss_ratio (datagrams). Per test:
 * weir_test_success, weir_test_start_timestamp_seconds and
 * weir_cpu_utilization_ratio{machine="client"|"server"}. All carry
 * transport and peer labels.
 *
 * --latency (the client) adds, per probe stream and summed (stream=), for
 * the round trips (delay="round_trip") and, when both ends share a clock,
 * the one-way delays (delay="client_to_server", "server_to_client"):
 * weir_latency_percentile_seconds{percentile="50"|"90"|"99"|"99.9"},
 * weir_latency_min_seconds, _mean_, _max_, _stddev_seconds; for the round
 * trips weir_latency_probes_sent and weir_latency_probes_lost; and for the
 * sum the histogram weir_latency_seconds (_bucket{le=...}, _sum, _count)
 * on the SDK's fixed bounds (1, 1.5, 2, 3, 5, 7 times each power of ten,
 * 1e-06 to 50 seconds, and +Inf).
 *
 * --latency --load N (working latency) adds, for the round trips of all
 * probe streams (stream="sum", delay="round_trip") of requests sent before
 * the load started (phase="idle") and after (phase="loaded"), the
 * histogram weir_latency_seconds and the percentile, min, mean, max and
 * stddev gauges as above, each with its phase label (the whole test's
 * series have none); then weir_latency_increase_percentile_seconds
 * {percentile="50"} and weir_latency_increase_mean_seconds (loaded minus
 * idle; with idle and loaded round trips), weir_responsiveness_rpm (round
 * trips per minute under load, the IPPM responsiveness draft's measure;
 * with loaded round trips) and weir_load_throughput_bytes_per_second
 * {direction=...} (the load's rate as received over the time it ran, for
 * each direction it ran). Where the load's transport keeps an RTT estimate
 * (tcp, tls, quic; not udp) and the client sent on the load (not -R),
 * weir_load_srtt_percentile_seconds{percentile="50"|"90"|"99"} and
 * weir_load_srtt_max_seconds: the load connections' smoothed RTT, sampled
 * every 100 ms (in band, on the loaded connections themselves). The load's
 * series carry load_transport (--load-transport, else the test's). In a
 * comparison run (--transport A,B,... --latency --load N) each test's
 * series are these, told apart by transport as every series of the run.
 *
 * What the transport says about each stream (-J's start.weir.streams[],
 * and of its last interval intervals[].streams[].weir, which replaces a
 * start fact of the same key) comes per stream (transport, peer, direction
 * and stream labels as above), the same for every transport:
 * weir_stream_info{...} 1 with a label per text or yes/no fact (its key
 * with _ for .: quic_congestion="cubic", tls_cipher="...", gso="yes"),
 * and a gauge per numeric fact named weir_stream_ and its key in base
 * units (factfmt.h's rule, weir(1)'s list): quic.handshake_ms is
 * weir_stream_quic_handshake_seconds, quic.smoothed_rtt_ms
 * weir_stream_quic_smoothed_rtt_seconds, quic.cwnd
 * weir_stream_quic_cwnd_bytes, quic.packets_lost
 * weir_stream_quic_packets_lost (a count over the test so far: a gauge,
 * as every figure here is one test's), quic.stream_bytes.4
 * weir_stream_quic_stream_bytes{index="4"}. Without an interval (a test
 * that ended inside -O) only the start facts are known. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <weir/weir.h>

#include "expo.h"
#include "factfmt.h"
#include "factlist.h"
#include "promfile.h"
#include "units.h"

/* A stream's facts, kept from test_start and the intervals to test_end. */
struct om_stream {
    int socket;
    int sending;
    struct factlist facts;
};

struct om {
    const struct weir_host *host;
    struct weir_sink sink;
    char *path;                 /* openmetrics:PATH, else NULL: the sink */
    mode_t umask_bits;
    int client;
    int comparison;             /* tests in this comparison run, 0 if none */
    int unprinted;              /* the sink has not had the collected series */
    int finished;               /* tests finished; the current one is finished + 1 */
    struct om_set set;
    /* The current test, copied: snapshot pointers die with their hook. */
    char *peer;
    char *transport;
    int reverse;
    int have_time;
    double time;
    struct om_stream *streams;
    size_t n_streams;
};

static int test_no(const struct om *o)
{
    return o->finished + 1;
}

static void add(struct om *o, enum om_family f, const struct om_labels *l, double v)
{
    if (om_add(&o->set, f, l, test_no(o), v) != 0)
        o->host->log(WEIR_LOG_ERROR, "openmetrics reporter: out of memory, a series is missing");
}

static struct om_labels test_labels(const struct om *o)
{
    struct om_labels l = { .transport = o->transport, .peer = o->peer };
    return l;
}

/* What the calling hook returns: the host stops calling a reporter that
 * reports an error, and the exit status says so. */
static int emit(struct om *o)
{
    size_t len = 0;
    int rc = WEIR_OK;
    char *text = om_render(&o->set, &len);
    if (text == NULL) {
        o->host->set_error(WEIR_E_NOMEM, "openmetrics reporter: out of memory, no metrics written");
        return WEIR_E_NOMEM;
    }
    if (o->path == NULL) {
        o->sink.write(o->sink.ctx, WEIR_OUT, text, len);
    } else {
        char err[1024];
        if (promfile_replace(o->path, text, len, o->umask_bits, err, sizeof err) != 0) {
            o->host->set_error(WEIR_E_LOGFILE, "openmetrics reporter: %s", err);
            rc = WEIR_E_LOGFILE;
        }
    }
    free(text);
    return rc;
}

static int om_open(const struct weir_host *host, const char *arg,
                   const struct weir_report_format *fmt, const struct weir_sink *sink, void **ctx)
{
    struct om *o = calloc(1, sizeof *o);
    if (o == NULL || (arg != NULL && *arg != '\0' && (o->path = strdup(arg)) == NULL)) {
        free(o);
        host->set_error(WEIR_E_NOMEM, "openmetrics reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    char err[1024];
    if (o->path != NULL && promfile_check(o->path, err, sizeof err) != 0) {
        host->set_error(WEIR_E_LOGFILE, "openmetrics reporter: %s", err);
        free(o->path);
        free(o);
        return WEIR_E_LOGFILE;
    }
    o->host = host;
    o->sink = *sink;
    /* Read once, here: reporters open before any other thread runs. */
    o->umask_bits = umask(022);
    umask(o->umask_bits);
    o->client = fmt->role == WEIR_ROLE_CLIENT;
    o->comparison = fmt->comparison;
    *ctx = o;
    return WEIR_OK;
}

static void forget_streams(struct om *o)
{
    for (size_t i = 0; i < o->n_streams; i++)
        factlist_free(&o->streams[i].facts);
    free(o->streams);
    o->streams = NULL;
    o->n_streams = 0;
}

static void oom(const struct om *o)
{
    o->host->log(WEIR_LOG_ERROR, "openmetrics reporter: out of memory, a series is missing");
}

static int om_close(void *ctx)
{
    struct om *o = ctx;
    forget_streams(o);
    /* A comparison run cut short still prints what it measured. */
    int rc = o->unprinted && o->path == NULL ? emit(o) : WEIR_OK;
    om_clear(&o->set);
    free(o->peer);
    free(o->transport);
    free(o->path);
    free(o);
    return rc;
}

static int om_connected(void *ctx, const struct weir_report_connect *c)
{
    struct om *o = ctx;
    free(o->peer);
    o->peer = c->host != NULL ? strdup(c->host) : NULL;
    o->have_time = 1;
    o->time = (double)c->timemillisecs / 1000.0;
    return WEIR_OK;
}

static int om_test_start(void *ctx, const struct weir_report_start *s)
{
    struct om *o = ctx;
    free(o->transport);
    const char *name = NULL;
    if (s->transport)
        name = s->transport;
    o->transport = name != NULL ? strdup(name) : NULL;
    o->reverse = s->reverse != 0;
    if (o->peer == NULL && s->host != NULL)
        o->peer = strdup(s->host);
    forget_streams(o);
    o->streams = s->n_streams > 0 ? calloc(s->n_streams, sizeof *o->streams) : NULL;
    if (o->streams == NULL && s->n_streams > 0) {
        oom(o);
        return WEIR_OK;
    }
    o->n_streams = s->n_streams;
    for (size_t i = 0; i < s->n_streams; i++) {
        o->streams[i].socket = s->streams[i].socket;
        o->streams[i].sending = s->streams[i].sending;
        if (factlist_put(&o->streams[i].facts, s->streams[i].facts, s->streams[i].n_facts) != 0)
            oom(o);
    }
    return WEIR_OK;
}

static int om_interval(void *ctx, const struct weir_report_interval *iv)
{
    /* Final results only: Prometheus scrapes a state, not a time series.
     * A stream's interval facts are its figures so far: the last ones
     * are the test's. */
    struct om *o = ctx;
    for (size_t i = 0; i < iv->n_streams; i++) {
        const struct weir_report_sample *s = &iv->streams[i];
        for (size_t k = 0; k < o->n_streams; k++)
            if (o->streams[k].socket == s->socket && factlist_put(&o->streams[k].facts, s->facts, s->n_facts) != 0)
                oom(o);
    }
    return WEIR_OK;
}

static void sample_series(struct om *o, const char *direction, const char *stream, int sender,
                          const struct weir_report_sample *s)
{
    struct om_labels l = test_labels(o);
    l.direction = direction;
    l.side = sender ? "sender" : "receiver";
    l.stream = stream;
    add(o, OM_BYTES, &l, (double)s->bytes);
    add(o, OM_RATE, &l, s->bits_per_second / 8.0);
    add(o, OM_DURATION, &l, s->seconds);
    if (sender && s->has_retransmits)
        add(o, OM_RETRANSMITS, &l, (double)s->retransmits);
    if (!s->datagram)
        return;
    add(o, OM_PACKETS, &l, (double)s->packets);
    if (sender)
        return;
    add(o, OM_LOST_PACKETS, &l, (double)s->lost_packets);
    add(o, OM_JITTER, &l, s->jitter_ms / 1000.0);
    add(o, OM_LOSS, &l, s->lost_percent / 100.0);
}

static const char *direction(int upload)
{
    return upload ? "upload" : "download";
}

static int stream_uploads(const struct om *o, int this_side_sends)
{
    return o->client == (this_side_sends != 0);
}

/* The sums of one direction, for the sides some stream of it has numbers
 * for (a server without the client's results knows only its own side). */
static void sums(struct om *o, const struct weir_report_end *e, int upload,
                 const struct weir_report_sample *sent, const struct weir_report_sample *received)
{
    int any_sender = 0, any_receiver = 0;
    for (size_t i = 0; i < e->n_streams; i++) {
        const struct weir_report_end_stream *st = &e->streams[i];
        if (e->bidir && stream_uploads(o, st->sending) != upload)
            continue;
        any_sender |= st->has_sender;
        any_receiver |= st->has_receiver;
    }
    if (any_sender)
        sample_series(o, direction(upload), "sum", 1, sent);
    if (any_receiver)
        sample_series(o, direction(upload), "sum", 0, received);
}

static void latency_histogram(struct om *o, struct om_labels l,
                              const struct weir_report_latency_stats *d)
{
    char le[40];
    l.le = le;
    for (size_t i = 0; i < d->n_buckets; i++) {
        units_format_number(le, sizeof le, d->buckets[i].le_us / 1e6);
        if (om_add_part(&o->set, OM_LATENCY, "_bucket", &l, test_no(o), (double)d->buckets[i].count) != 0)
            goto oom;
    }
    l.le = "+Inf";
    if (om_add_part(&o->set, OM_LATENCY, "_bucket", &l, test_no(o), (double)d->count) != 0)
        goto oom;
    l.le = NULL;
    if (om_add_part(&o->set, OM_LATENCY, "_sum", &l, test_no(o), d->sum / 1e6) != 0 ||
        om_add_part(&o->set, OM_LATENCY, "_count", &l, test_no(o), (double)d->count) != 0)
        goto oom;
    return;
oom:
    o->host->log(WEIR_LOG_ERROR, "openmetrics reporter: out of memory, a series is missing");
}

static void latency_delays(struct om *o, struct om_labels l, const char *delay,
                           const struct weir_report_latency_stats *d, int histogram)
{
    static const char *const pct[] = { "50", "90", "99", "99.9" };
    l.delay = delay;
    if (histogram)
        latency_histogram(o, l, d);
    if (d->count == 0)
        return;
    const double v[] = { d->p50, d->p90, d->p99, d->p999 };
    for (size_t i = 0; i < 4; i++) {
        struct om_labels p = l;
        p.percentile = pct[i];
        add(o, OM_LATENCY_PERCENTILE, &p, v[i] / 1e6);
    }
    add(o, OM_LATENCY_MIN, &l, d->min / 1e6);
    add(o, OM_LATENCY_MEAN, &l, d->mean / 1e6);
    add(o, OM_LATENCY_MAX, &l, d->max / 1e6);
    add(o, OM_LATENCY_STDDEV, &l, d->stddev / 1e6);
}

static void latency_series(struct om *o, const struct weir_report_latency *r, int is_sum)
{
    char id[16];
    snprintf(id, sizeof id, "%d", r->socket);
    struct om_labels l = test_labels(o);
    l.stream = is_sum ? "sum" : id;
    add(o, OM_LATENCY_SENT, &l, (double)r->sent);
    add(o, OM_LATENCY_LOST, &l, (double)r->lost);
    latency_delays(o, l, "round_trip", &r->rtt, is_sum);
    if (r->one_way) {
        latency_delays(o, l, "client_to_server", &r->forward, is_sum);
        latency_delays(o, l, "server_to_client", &r->reverse, is_sum);
    }
}

/* --load: idle against loaded round trips, responsiveness, the load's rate
 * and its connections' own RTT, labelled with the load's transport. load:
 * NULL from a core before SDK 2.2. */
static void working_series(struct om *o, const struct weir_report_working_latency *w,
                           const struct weir_report_load *load)
{
    struct om_labels l = test_labels(o);
    l.stream = "sum";
    l.phase = "idle";
    latency_delays(o, l, "round_trip", &w->idle, 1);
    l.phase = "loaded";
    latency_delays(o, l, "round_trip", &w->loaded, 1);
    l = test_labels(o);
    /* The core leaves what it could not take at 0: no series then. */
    if (w->idle.count > 0 && w->loaded.count > 0) {
        struct om_labels p = l;
        p.percentile = "50";
        add(o, OM_LATENCY_INCREASE_PERCENTILE, &p, w->increase_p50 / 1e6);
        add(o, OM_LATENCY_INCREASE_MEAN, &l, w->increase_mean / 1e6);
    }
    if (w->loaded.count > 0)
        add(o, OM_RESPONSIVENESS, &l, w->rpm);
    l.load_transport = load != NULL && load->transport != NULL ? load->transport : l.transport;
    if (load != NULL && load->has_inband && load->inband.count > 0) {
        static const char *const pct[] = { "50", "90", "99" };
        const double v[] = { load->inband.p50, load->inband.p90, load->inband.p99 };
        for (int i = 0; i < 3; i++) {
            struct om_labels p = l;
            p.percentile = pct[i];
            add(o, OM_LOAD_SRTT_PERCENTILE, &p, v[i] / 1e6);
        }
        add(o, OM_LOAD_SRTT_MAX, &l, load->inband.max / 1e6);
    }
    const char *dir = w->load_direction != NULL ? w->load_direction : "";
    if (strcmp(dir, "up") == 0 || strcmp(dir, "both") == 0) {
        l.direction = direction(1);
        add(o, OM_LOAD_RATE, &l, w->up_bits_per_second / 8.0);
    }
    if (strcmp(dir, "down") == 0 || strcmp(dir, "both") == 0) {
        l.direction = direction(0);
        add(o, OM_LOAD_RATE, &l, w->down_bits_per_second / 8.0);
    }
}

/* A fact's key as a label name: . becomes _; NULL when that is not a
 * label name, is reserved (__) or is one of the series' own labels. */
static const char *label_name(const char *key, char *buf, size_t len)
{
    static const char *const own[] = { "transport", "peer", "direction", "side", "stream", "machine",
                                        "delay", "phase", "percentile", "le", "index" };
    size_t n = strlen(key);
    if (n == 0 || n >= len || (key[0] >= '0' && key[0] <= '9') || strncmp(key, "__", 2) == 0)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        buf[i] = key[i] == '.' ? '_' : key[i];
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(buf, own[i]) == 0)
            return NULL;
    return buf;
}

/* A fact's metric name (after weir_stream_) without the suffixes the
 * formats keep for histogram, summary, counter and info samples
 * (quic.pto_count: weir_stream_quic_pto); 0 when none is left or it is
 * weir_stream_info's. */
static int metric_name(char *name)
{
    static const char *const reserved[] = { "_count", "_sum", "_bucket", "_total", "_created", "_info" };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        size_t m = strlen(reserved[i]);
        if (n > m && strcmp(name + n - m, reserved[i]) == 0)
            name[n - m] = '\0';
    }
    return name[0] != '\0' && strcmp(name, "info") != 0;
}

/* The key for # HELP, one for every index: "quic.stream_bytes.N". */
static int help_key(const char *key, char *buf, size_t len)
{
    size_t n = 0;
    for (const char *p = key; *p && n + 2 < len;) {
        size_t part = strcspn(p, ".");
        size_t digits = strspn(p, "0123456789");
        if (digits == part && part > 0) {
            buf[n++] = 'N';
        } else {
            if (n + part + 2 >= len)
                return 0;
            memcpy(buf + n, p, part);
            n += part;
        }
        p += part;
        if (*p == '.')
            buf[n++] = *p++;
    }
    buf[n] = '\0';
    return n > 0;
}

static void fact_series(struct om *o, const struct om_stream *st)
{
    const struct factlist *f = &st->facts;
    struct om_label *extra = f->n > 0 ? calloc(f->n, sizeof *extra) : NULL;
    char (*names)[128] = f->n > 0 ? calloc(f->n, sizeof *names) : NULL;
    char (*values)[256] = f->n > 0 ? calloc(f->n, sizeof *values) : NULL;
    if (f->n > 0 && (extra == NULL || names == NULL || values == NULL)) {
        oom(o);
        goto done;
    }
    char id[16];
    snprintf(id, sizeof id, "%d", st->socket);
    struct om_labels l = test_labels(o);
    l.direction = direction(stream_uploads(o, st->sending));
    l.stream = id;
    size_t n_extra = 0;
    for (size_t i = 0; i < f->n; i++) {
        const struct weir_fact *fact = &f->v[i];
        if (fact->value.type == WEIR_VALUE_BOOL || fact->value.type == WEIR_VALUE_STRING) {
            if (label_name(fact->key, names[n_extra], sizeof names[0]) == NULL)
                continue;
            factfmt_value(&fact->value, values[n_extra], sizeof values[0]);
            extra[n_extra].name = names[n_extra];
            extra[n_extra].value = values[n_extra];
            n_extra++;
            continue;
        }
        struct factfmt_metric m;
        char key[128];
        if (factfmt_metric(fact->key, &m) != 0 || !metric_name(m.name) || !help_key(fact->key, key, sizeof key))
            continue;
        struct om_labels ml = l;
        ml.index = m.index;
        double v = factfmt_metric_value(&fact->value, &m);
        if (isnan(v))
            continue;
        if (om_add_fact(&o->set, m.name, m.unit, key, &ml, test_no(o), v) != 0)
            oom(o);
    }
    if (n_extra > 0) {
        l.extra = extra;
        l.n_extra = n_extra;
        add(o, OM_STREAM_INFO, &l, 1);
    }
done:
    free(extra);
    free(names);
    free(values);
}

static int om_test_end(void *ctx, const struct weir_report_end *e)
{
    struct om *o = ctx;
    for (size_t i = 0; i < e->n_streams; i++) {
        const struct weir_report_end_stream *st = &e->streams[i];
        char id[16];
        snprintf(id, sizeof id, "%d", st->socket);
        const char *dir = direction(stream_uploads(o, st->sending));
        if (st->has_sender)
            sample_series(o, dir, id, 1, &st->sender);
        if (st->has_receiver)
            sample_series(o, dir, id, 0, &st->receiver);
    }
    /* Bidir: the first sums are client to server; otherwise -R says. */
    sums(o, e, e->bidir || !o->reverse, &e->sum_sent, &e->sum_received);
    if (e->bidir)
        sums(o, e, 0, &e->sum_sent_bidir_reverse, &e->sum_received_bidir_reverse);
    struct om_labels l = test_labels(o);
    l.machine = o->client ? "client" : "server";
    add(o, OM_CPU, &l, e->host_total / 100.0);
    if (e->has_peer) {
        l.machine = o->client ? "server" : "client";
        add(o, OM_CPU, &l, e->remote_total / 100.0);
    }
    if (WEIR_HAS_FIELD(e, latency_sum) && e->latency_sum != NULL) {
        for (size_t i = 0; i < e->n_latency; i++)
            latency_series(o, &e->latency[i], 0);
        latency_series(o, e->latency_sum, 1);
    }
    if (WEIR_HAS_FIELD(e, working) && e->working != NULL)
        working_series(o, e->working, WEIR_HAS_FIELD(e, load) ? e->load : NULL);
    for (size_t i = 0; i < o->n_streams; i++)
        fact_series(o, &o->streams[i]);
    return WEIR_OK;
}

static int om_test_finish(void *ctx, const char *error)
{
    struct om *o = ctx;
    /* A transport tested again in a comparison run: the newest counts. */
    om_drop_transport(&o->set, o->transport, test_no(o));
    struct om_labels l = test_labels(o);
    add(o, OM_TEST_SUCCESS, &l, error == NULL ? 1 : 0);
    if (o->have_time)
        add(o, OM_TEST_TIMESTAMP, &l, o->time);
    int rc = WEIR_OK;
    if (o->path != NULL || o->comparison == 0)
        rc = emit(o);
    else
        o->unprinted = 1;
    o->finished++;
    free(o->transport);
    o->transport = NULL;
    o->have_time = 0;
    o->reverse = 0;
    forget_streams(o);
    /* An ordinary run's file or output holds the latest test only. */
    if (o->comparison == 0)
        om_clear(&o->set);
    /* weir_test_success 0 says that it failed, not why: weir prints why. */
    return rc == WEIR_OK && error != NULL ? WEIR_E_NOTIMPL : rc;
}

static int om_comparison(void *ctx, const struct weir_report_comparison *c)
{
    struct om *o = ctx;
    /* The rows are the run's verdicts, failures before a test started
     * included; setup time is only known here. Their latency and working
     * latency (2.1, 2.3) are each test's, already in its series. */
    om_drop_family(&o->set, OM_TEST_SUCCESS);
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct weir_report_comparison_row *row = &c->rows[i];
        struct om_labels l = { .transport = row->transport, .peer = o->peer };
        add(o, OM_TEST_SUCCESS, &l, row->error == NULL ? 1 : 0);
        if (row->error == NULL)
            add(o, OM_SETUP, &l, row->setup_seconds);
    }
    int rc = emit(o);
    o->unprinted = 0;
    om_clear(&o->set);
    return rc;
}

static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = om_open,
    .close = om_close,
    .connected = om_connected,
    .test_start = om_test_start,
    .interval = om_interval,
    .test_end = om_test_end,
    .test_finish = om_test_finish,
    .comparison = om_comparison,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "openmetrics",
    .description = "final results as Prometheus/OpenMetrics text "
                   "(openmetrics:PATH replaces a file, e.g. for node_exporter)",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
