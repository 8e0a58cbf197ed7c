/* skeleton-reporter.c: a small complete weir reporter, to copy from.
 *
 * It writes one CSV line per successful test:
 *
 *   timestamp,role,protocol,streams,seconds,sent_bytes,received_bytes,sent_bps,received_bps,retransmits
 *   2024-05-01T12:00:00Z,client,TCP,1,10.000,52613349376,52613349376,42090549316,42090549316,0
 *
 * timestamp is when the control connection came up (UTC); streams is -P;
 * sent_* are the sending side's totals and received_* the receiving
 * side's, whichever host sent (with --bidir both directions are added up);
 * bps are bits per second. A field is empty when its number is unknown:
 * retransmits when the transport does not report them, a client's sending
 * numbers on a server (which reports before the client's results arrive).
 * A test that fails or is interrupted writes no line.
 *
 * Build it out of tree with the Makefile beside it (needs weir-sdk.pc):
 *     make
 *     weir -c HOST --reporter text --reporter ./skeleton-reporter.so
 * The loader also finds it by name in --plugin-dir, $WEIR_PLUGIN_PATH or
 * the installed plugin directory:
 *     weir -c HOST --reporter skeleton-reporter:results.csv --skeleton-header
 * With ARG (the text after "NAME:") the lines are appended to that file;
 * without, they go through the sink like any reporter output (stdout or
 * --logfile). --skeleton-header, an option this plugin declares, writes the
 * column names first (to a file only when the file is empty).
 *
 * Every hook of struct weir_reporter_ops appears below in the struct's
 * order, each marked required or optional, with when the core calls it
 * and what it gets. All hooks run on the main thread. Every pointer a hook
 * receives is const and valid only during the call: copy what you keep.
 * The exceptions
 * are the host table (valid while the plugin is loaded) and the sink's
 * ctx/write pair (valid until close). */
#define _POSIX_C_SOURCE 200809L

#include <weir/weir.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COLUMNS "timestamp,role,protocol,streams,seconds,sent_bytes,received_bytes," \
                "sent_bps,received_bps,retransmits\n"

/* A snapshot from a host built with an older ABI minor is shorter and lacks
 * the fields later minors appended: check struct_size before reading one. */
#define HAS_FIELD(p, type, field) \
    ((p)->struct_size >= offsetof(type, field) + sizeof((p)->field))

/* One instance per --reporter skeleton-reporter; open makes it, close frees
 * it. */
struct skel_rep {
    const struct weir_host *host;
    struct weir_sink sink;      /* a copy: the struct open got dies with the call */
    FILE *file;                 /* ARG given: lines go here, not to the sink */
    /* Copied from connected/test_start: their pointers die with the call. */
    char timestamp[32];
    char role[8];
    char protocol[16];
    int streams;
    /* Composed in test_end, written in test_finish once the test is known
     * to have succeeded. */
    char line[256];
    int pending;
};

static void put(struct skel_rep *r, const char *text)
{
    if (r->file) {
        fputs(text, r->file);
        fflush(r->file);        /* a reader may tail the file during a long server run */
    } else {
        r->sink.write(r->sink.ctx, WEIR_OUT, text, strlen(text));
    }
}

/* required — open: called on the main thread once per --reporter option,
 * after the command line (including plugin options) is parsed and before
 * any other hook of this instance. arg is the text after "NAME:" or NULL;
 * fmt holds the presentation options shared by all reporters (-f, -V, role,
 * -T, --timestamps); out is where output goes. Sets *ctx, passed to every
 * other hook. Returns WEIR_OK, or an error code after host->set_error():
 * then weir exits with status 1 and close is not called, so free here
 * whatever was allocated. */
static int skel_open(const struct weir_host *host, const char *arg,
                     const struct weir_report_format *fmt, const struct weir_sink *out,
                     void **ctx)
{
    struct skel_rep *r = calloc(1, sizeof *r);
    (void)fmt;                  /* CSV ignores units, -V, -T and --timestamps */
    if (!r) {
        host->set_error(WEIR_E_NOMEM, "skeleton-reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    r->host = host;
    r->sink = *out;
    if (arg && *arg) {
        r->file = fopen(arg, "a");
        if (!r->file) {
            int err = errno;
            host->set_error(WEIR_E_LOGFILE, "skeleton-reporter: cannot open %s: %s", arg,
                            strerror(err));
            /* The core's message names the reporter and ARG; say why too. */
            host->log(WEIR_LOG_ERROR, "skeleton-reporter: cannot open %s: %s", arg, strerror(err));
            free(r);
            return WEIR_E_LOGFILE;
        }
    }
    /* The plugin's own option, typed as declared (a flag: true when
     * given); the NULL is "no stream": options are the process's. */
    if (weir_param_flag(host, NULL, "skeleton-header")) {
        long size = 0;          /* the sink starts empty */
        if (r->file && fseek(r->file, 0, SEEK_END) == 0)
            size = ftell(r->file);
        if (size == 0)          /* a file we append to has its header already */
            put(r, COLUMNS);
    }
    *ctx = r;
    return WEIR_OK;
}

/* required — close: called on the main thread once per instance, at exit,
 * after the last test_finish. Frees everything open made. */
static void skel_close(void *ctx)
{
    struct skel_rep *r = ctx;
    if (r->file)
        fclose(r->file);
    free(r);
}

/* optional — server_listening: called on a server's main thread before
 * each test, with the port and the number of the test it waits for (from
 * 1). Left NULL below: a summary line has nothing to say about waiting. */

/* optional — connected: called on the main thread when the control
 * connection is up, before test_start; also for a test that fails later.
 * c->timestamp is RFC 1123 text; timesecs is the same instant as Unix
 * time. */
static void skel_connected(void *ctx, const struct weir_report_connect *c)
{
    struct skel_rep *r = ctx;
    time_t when = (time_t)c->timesecs;
    struct tm tm;
    if (gmtime_r(&when, &tm) == NULL ||
        strftime(r->timestamp, sizeof r->timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        r->timestamp[0] = '\0';
}

/* required — test_start: called on the main thread once per test when the
 * data streams exist and data is about to flow. s describes the test
 * (protocol label, -P, -t, -l, the streams and their addresses). */
static void skel_test_start(void *ctx, const struct weir_report_start *s)
{
    struct skel_rep *r = ctx;
    snprintf(r->role, sizeof r->role, "%s", s->role == WEIR_ROLE_SERVER ? "server" : "client");
    snprintf(r->protocol, sizeof r->protocol, "%s", s->protocol ? s->protocol : "");
    r->streams = s->num_streams;
    r->pending = 0;
    if (r->timestamp[0] == '\0') {      /* no connected call: use the time now */
        time_t now = time(NULL);
        struct tm tm;
        if (gmtime_r(&now, &tm))
            strftime(r->timestamp, sizeof r->timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

/* required — interval: called on the main thread once per -i period while
 * data flows (never with -i 0); at the end also for the last, partial
 * period unless it is short and empty. iv has one sample per stream (in
 * start's order) and the sums. A per-test summary has no use for it, but
 * the hook must exist. */
static void skel_interval(void *ctx, const struct weir_report_interval *iv)
{
    (void)ctx;
    (void)iv;
}

/* A CSV field: the number, or empty when it is not known (not 0, which
 * would read as "nothing moved"). */
static const char *u64_field(char *buf, size_t len, int known, uint64_t v)
{
    if (!known)
        return "";
    snprintf(buf, len, "%llu", (unsigned long long)v);
    return buf;
}

static const char *bps_field(char *buf, size_t len, int known, double v)
{
    if (!known)
        return "";
    snprintf(buf, len, "%.0f", v);
    return buf;
}

/* required — test_end: called on the main thread once per test that
 * reached test_start, with the final totals: per stream and summed, the
 * sender's and the receiver's numbers (a client gets the server's side
 * from its results; has_peer says whether they arrived). Also called for
 * an interrupted test, with what was measured; test_finish tells which. */
static void skel_test_end(void *ctx, const struct weir_report_end *e)
{
    struct skel_rep *r = ctx;
    /* The newest field read below: a shorter snapshot is not one we know. */
    if (!HAS_FIELD(e, struct weir_report_end, sum_received_bidir_reverse))
        return;
    uint64_t sent = e->sum_sent.bytes, received = e->sum_received.bytes;
    double sent_bps = e->sum_sent.bits_per_second;
    double received_bps = e->sum_received.bits_per_second;
    double seconds = e->sum_sent.seconds > e->sum_received.seconds ? e->sum_sent.seconds
                                                                    : e->sum_received.seconds;
    int has_retr = e->sum_sent.has_retransmits;
    int64_t retr = e->sum_sent.retransmits;
    if (e->bidir) {
        sent += e->sum_sent_bidir_reverse.bytes;
        received += e->sum_received_bidir_reverse.bytes;
        sent_bps += e->sum_sent_bidir_reverse.bits_per_second;
        received_bps += e->sum_received_bidir_reverse.bits_per_second;
        has_retr |= e->sum_sent_bidir_reverse.has_retransmits;
        retr += e->sum_sent_bidir_reverse.retransmits;
    }
    /* A side's numbers are known when every stream has them, measured here
     * or reported by the peer (has_sender/has_receiver). */
    int sent_known = e->n_streams > 0, received_known = e->n_streams > 0;
    for (size_t i = 0; i < e->n_streams; i++) {
        sent_known &= e->streams[i].has_sender != 0;
        received_known &= e->streams[i].has_receiver != 0;
    }
    char b1[24], b2[24], b3[24], b4[24], b5[24];
    int n = snprintf(r->line, sizeof r->line, "%s,%s,%s,%d,%.3f,%s,%s,%s,%s,%s\n",
                     r->timestamp, r->role, r->protocol, r->streams, seconds,
                     u64_field(b1, sizeof b1, sent_known, sent),
                     u64_field(b2, sizeof b2, received_known, received),
                     bps_field(b3, sizeof b3, sent_known, sent_bps),
                     bps_field(b4, sizeof b4, received_known, received_bps),
                     u64_field(b5, sizeof b5, sent_known && has_retr, (uint64_t)retr));
    r->pending = n > 0 && (size_t)n < sizeof r->line;
}

/* required — test_finish: called on the main thread last for every test,
 * also one that failed before test_start (then test_end never came).
 * error is NULL on success, else the message weir prints. A reporter that
 * buffers writes here; this one writes its line only for a test that
 * succeeded, since an error's numbers are partial. */
static void skel_test_finish(void *ctx, const char *error)
{
    struct skel_rep *r = ctx;
    if (r->pending && error == NULL)
        put(r, r->line);
    else if (error != NULL)
        r->host->log(WEIR_LOG_DEBUG, "skeleton-reporter: no line for a failed test (%s)", error);
    r->pending = 0;
    r->timestamp[0] = '\0';     /* the next test (server) gets its own */
}

/* optional — message: a notice the user should see (a warning), on the main
 * thread at any time between open and close. Left NULL: the text and json
 * reporters show these; a CSV file is no place for prose. */

/* optional (minor 1) — document: the test's results so far as JSON text
 * in memory the core frees, for a server's --get-server-output; only the
 * first --reporter is asked. Left NULL: this reporter keeps no document. */

/* optional (minor 3) — comparison: after the last test of a comparison run
 * (weir --transport tcp,udp,tls), one row per transport in the order they
 * ran; each test already went through test_start .. test_finish. A
 * reporter that wants to hold its output until then reads
 * fmt->comparison (the number of tests) at open, checking struct_size
 * first (HAS_FIELD). This one writes a line per transport, with the
 * transport's name in the protocol column. */
static void skel_comparison(void *ctx, const struct weir_report_comparison *c)
{
    struct skel_rep *r = ctx;
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct weir_report_comparison_row *row = &c->rows[i];
        if (row->error != NULL)
            continue;           /* its test_finish already said why */
        char line[256], rt[24];
        snprintf(line, sizeof line, "%s,%s,%s,%d,%.3f,%llu,%llu,%.0f,%.0f,%s\n", r->timestamp,
                 r->role, row->transport, row->num_streams, row->seconds,
                 (unsigned long long)row->bytes_sent, (unsigned long long)row->bytes_received,
                 row->sender_bits_per_second, row->receiver_bits_per_second,
                 row->has_retransmits ? (snprintf(rt, sizeof rt, "%lld",
                                                  (long long)row->retransmits), rt) : "");
        put(r, line);
    }
}

/* Hooks a later ABI minor appends to struct weir_reporter_ops come here,
 * after comparison, in the struct's order; all are optional, and weir
 * reads one only when the ops struct_size shows it. */

static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = skel_open,
    .close = skel_close,
    .server_listening = NULL,
    .connected = skel_connected,
    .test_start = skel_test_start,
    .interval = skel_interval,
    .test_end = skel_test_end,
    .test_finish = skel_test_finish,
    .message = NULL,
    /* minor 1 */
    .document = NULL,
    /* minor 3 */
    .comparison = skel_comparison,
    /* later minors: their hooks here */
};

/* Options this plugin declares, ended by a zeroed entry. The host parses
 * them (only when this plugin is named on the command line), lists them in
 * --help and answers host->param(NULL, "skeleton-header", &value). Option
 * names share one namespace with weir's and every other plugin's: prefix
 * them with the plugin's name. */
static const struct weir_option options[] = {
    { .name = "skeleton-header", .arg = NULL,
      .help = "write the CSV column names first", .type = WEIR_VALUE_BOOL },
    { 0 },
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,        /* must equal the host's */
    .abi_minor = WEIR_ABI_MINOR,        /* the host reads only fields this minor has */
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "skeleton-reporter",        /* the loader looks for NAME.so */
    .description = "SDK example: one CSV summary line per test; ARG: a file to append to",
    .options = options,
    .transport = NULL,
    .reporter = &ops,
};

/* The one exported symbol: weir_plugin_entry() returning &desc. */
WEIR_PLUGIN_DEFINE(desc)
