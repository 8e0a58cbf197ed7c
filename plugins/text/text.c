/* Reporter "text": iperf3's human-readable output, line for line, with the
 * program naming itself "weir". Layouts: docs/protocol.md §12. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/utsname.h>
#include <time.h>

#include <json-c/json.h>
#include <weir/weir.h>

#include "text_compare.h"
#include "endtext.h"
#include "factfmt.h"
#include "text_latency.h"
#include "units.h"

#define DASH_LINE "-----------------------------------------------------------\n"
#define SEPARATOR "- - - - - - - - - - - - - - - - - - - - - - - - -\n"

#define HDR_ID      "[ ID]"
#define HDR_ID_ROLE "[ ID][Role]"
#define HDR_COLUMNS " Interval           Transfer     Bitrate"

/* Space runs of the layouts, named by length so the widths are visible. */
#define SP10 "          "
#define SP13 "             "
#define SP18 "                  "

struct text {
    struct weir_sink sink;
    char unit;
    int verbose;
    int client;
    /* Copied from test_start: the pointers there die with the call. */
    int datagram;
    int bidir;
    int num_streams;
    int blocks;                 /* interval blocks printed in this test */
    int latency;                /* --latency: the streams carry probes */
    int probe_streams;          /* --latency: the first streams carry probes */
    uint32_t latency_request;   /* their requests' size */
    /* Line prefixes (-T, --timestamps), on standard output only. */
    char *title;
    char *timestamps;
    int mid_line;               /* the last write did not end a line */
    char program[32];           /* "weir" or "iperf3": error lines */
    char done_line[64];         /* "weir Done." or "iperf Done." */
};

static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

/* Prefix of each output line: "--timestamps" stamp, then "TITLE:  ". */
static void put_prefix(struct text *t)
{
    char stamp[128] = "";
    if (t->timestamps) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, t->timestamps, &tm);
        t->sink.write(t->sink.ctx, WEIR_OUT, stamp, strlen(stamp));
    }
    if (t->title) {
        t->sink.write(t->sink.ctx, WEIR_OUT, t->title, strlen(t->title));
        t->sink.write(t->sink.ctx, WEIR_OUT, ":  ", 3);
    }
}

static void put_raw(struct text *t, enum weir_channel ch, const char *s, size_t len)
{
    if (ch != WEIR_OUT || (!t->title && !t->timestamps)) {
        t->sink.write(t->sink.ctx, ch, s, len);
        return;
    }
    while (len > 0) {
        const char *nl = memchr(s, '\n', len);
        size_t n = nl ? (size_t)(nl - s) + 1 : len;
        if (!t->mid_line)
            put_prefix(t);
        t->sink.write(t->sink.ctx, ch, s, n);
        t->mid_line = nl == NULL;
        s += n;
        len -= n;
    }
}

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void putf(struct text *t, enum weir_channel ch, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void putf(struct text *t, enum weir_channel ch, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        put_raw(t, ch, small, (size_t)n);
        return;
    }
    /* Long error texts: format again into a buffer that fits. */
    char *big = malloc((size_t)n + 1);
    if (big == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put_raw(t, ch, big, (size_t)n);
    free(big);
}

#define out(t, ...) putf((t), WEIR_OUT, __VA_ARGS__)

static void latency_line(void *arg, const char *line)
{
    out(arg, "%s", line);
}

static const char *role_tag(const struct text *t, int sending)
{
    if (!t->bidir)
        return "";
    if (sending)
        return t->client ? "[TX-C]" : "[TX-S]";
    return t->client ? "[RX-C]" : "[RX-S]";
}

/* "[  5][TX-C]   0.00-1.00   sec   499 MBytes  4.18 Gbits/sec": the part
 * every interval and summary line shares. id is NULL for a [SUM] line. */
static void prefix(const struct text *t, char *buf, size_t len, const int *id,
                   const char *role, const struct weir_report_sample *s)
{
    char xfer[32], rate[32], idbuf[16];
    units_format_bytes(xfer, sizeof xfer, (double)s->bytes);
    units_format_rate(rate, sizeof rate, s->bits_per_second / 8.0, t->unit);
    if (id != NULL)
        snprintf(idbuf, sizeof idbuf, "%3d", *id);
    else
        snprintf(idbuf, sizeof idbuf, "SUM");
    snprintf(buf, len, "[%s]%s %6.2f-%-6.2f sec  %s  %s", idbuf, role, s->start, s->end,
             xfer, rate);
}

static void print_version(struct text *t, const char *version, const char *system_info)
{
    out(t, "%s\n", nz(version));
    out(t, "%s\n", nz(system_info));
}

/* The server's -V banner comes before any connection, so the reporter
 * names the build and the host itself. */
static void print_local_version(struct text *t)
{
    struct utsname u;
    char sys[5 * sizeof u.sysname];
    if (uname(&u) == 0)
        snprintf(sys, sizeof sys, "%s %s %s %s %s", u.sysname, u.nodename, u.release,
                 u.version, u.machine);
    else
        snprintf(sys, sizeof sys, "unknown system");
    print_version(t, PACKAGE_NAME " " PACKAGE_VERSION, sys);
}

/* -V: what the transport said about each stream (its describe hook),
 * e.g. "[  5] tls: version TLSv1.3, ...". */
static void print_stream_facts(struct text *t, const struct weir_report_start *s)
{
    for (size_t i = 0; i < s->n_streams; i++) {
        char line[512];
        if (factfmt_line(s->streams[i].facts, s->streams[i].n_facts, line, sizeof line) > 0)
            out(t, "[%3d] %s\n", s->streams[i].socket, line);
    }
}

static int text_open(const struct weir_host *host, const char *arg,
                     const struct weir_report_format *fmt, const struct weir_sink *sink,
                     void **ctx)
{
    (void)arg;
    struct text *t = calloc(1, sizeof *t);
    if (t == NULL) {
        host->set_error(WEIR_E_NOMEM, "text reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    t->sink = *sink;
    t->unit = units_valid(fmt->unit) ? fmt->unit : 'a';
    t->verbose = fmt->verbose;
    t->client = fmt->role == WEIR_ROLE_CLIENT;
    t->title = fmt->title ? strdup(fmt->title) : NULL;
    t->timestamps = fmt->timestamps ? strdup(fmt->timestamps) : NULL;
    /* A host older than ABI 1.6 is plain weir. */
    snprintf(t->program, sizeof t->program, "%s", fmt->program ? fmt->program : "weir");
    snprintf(t->done_line, sizeof t->done_line, "%s",
             fmt->done_line ? fmt->done_line : "weir Done.");
    *ctx = t;
    return WEIR_OK;
}

static int text_close(void *ctx)
{
    struct text *t = ctx;
    free(t->title);
    free(t->timestamps);
    free(t);
    return WEIR_OK;
}

static int text_server_listening(void *ctx, uint16_t port, int test_no)
{
    struct text *t = ctx;
    if (t->verbose)
        print_local_version(t);
    out(t, DASH_LINE "Server listening on %u (test #%d)\n" DASH_LINE, (unsigned)port, test_no);
    return WEIR_OK;
}

static int text_connected(void *ctx, const struct weir_report_connect *c)
{
    struct text *t = ctx;
    if (t->client) {
        if (t->verbose) {
            print_version(t, c->version, c->system_info);
            if (c->control_mss > 0)
                out(t, "Control connection MSS %d\n", c->control_mss);
            if (c->chosen_blksize > 0)
                out(t, "Setting UDP block size to %u\n", (unsigned)c->chosen_blksize);
            out(t, "Time: %s\n", nz(c->timestamp));
        }
        out(t, "Connecting to host %s, port %u\n", nz(c->host), (unsigned)c->port);
    } else {
        if (t->verbose)
            out(t, "Time: %s\n", nz(c->timestamp));
        out(t, "Accepted connection from %s, port %u\n", nz(c->host), (unsigned)c->port);
    }
    return WEIR_OK;
}

/* A server's --latency test: its log says so at the start (the probe
 * streams, the sizes) and the end (the requests that came). */
static void server_latency_start(struct text *t, const struct weir_report_start *s)
{
    t->probe_streams = s->num_streams;
    for (size_t i = 0; i < s->n_weir_facts; i++)
        if (strcmp(s->weir_facts[i].key, "probe_streams") == 0 && s->weir_facts[i].value.type == WEIR_VALUE_UINT)
            t->probe_streams = (int)s->weir_facts[i].value.v.u;
    t->latency_request = s->latency_request;
    int load = s->num_streams - t->probe_streams;
    char more[64] = "";
    if (load > 0)
        snprintf(more, sizeof more, ", %d load stream%s", load, load == 1 ? "" : "s");
    out(t, "Latency test: %d probe stream%s, %u-byte requests, %u-byte replies%s\n", t->probe_streams,
        t->probe_streams == 1 ? "" : "s", (unsigned)s->latency_request, (unsigned)s->latency_reply, more);
}

static void server_latency_end(struct text *t, const struct weir_report_end *e)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < e->n_streams && i < (size_t)t->probe_streams; i++)
        if (e->streams[i].has_receiver)
            bytes += e->streams[i].receiver.bytes;
    uint64_t requests = t->latency_request ? bytes / t->latency_request : 0;
    out(t, "Latency test: %llu request%s came on the probe stream%s\n", (unsigned long long)requests,
        requests == 1 ? "" : "s", t->probe_streams == 1 ? "" : "s");
}

static int text_test_start(void *ctx, const struct weir_report_start *s)
{
    struct text *t = ctx;
    t->datagram = s->datagram;
    t->bidir = s->bidir;
    t->num_streams = s->num_streams;
    t->blocks = 0;
    t->latency = WEIR_HAS_FIELD(s, latency_clock) && s->latency;

    if (t->client && s->reverse && !s->bidir)
        out(t, "Reverse mode, remote host %s is sending\n", nz(s->host));
    /* A server started with --transport (iperf3 has no such line, nor
     * does a plain weir -s): what carried this test, so that the operator
     * of a TLS server sees a plain client's test for what it is. */
    if (!t->client && s->server_transport && s->transport)
        out(t, "Transport: %s, %s\n", s->transport, s->encrypted ? "encrypted" : "not encrypted");
    if (t->verbose) {
        out(t, "      Cookie: %s\n", nz(s->cookie));
        if (s->reliable) {
            if (s->tcp_mss > 0)
                out(t, "      TCP MSS: %d\n", s->tcp_mss);
            else
                out(t, "      TCP MSS: %d (default)\n", s->tcp_mss_default);
        }
        if (s->target_bitrate != 0)
            out(t, "      Target Bitrate: %llu\n", (unsigned long long)s->target_bitrate);
    }
    for (size_t i = 0; i < s->n_streams; i++) {
        const struct weir_report_stream *st = &s->streams[i];
        out(t, "[%3d] local %s port %u connected to %s port %u\n", st->socket,
            nz(st->local_host), (unsigned)st->local_port, nz(st->remote_host),
            (unsigned)st->remote_port);
    }
    if (t->verbose)
        print_stream_facts(t, s);
    if (t->latency && t->client)
        text_latency_setup(s, latency_line, t);
    else if (t->latency)
        server_latency_start(t, s);
    if (t->verbose) {
        char end[64];
        if (s->bytes != 0)
            snprintf(end, sizeof end, "%llu bytes to send", (unsigned long long)s->bytes);
        else if (s->blocks != 0)
            snprintf(end, sizeof end, "%llu blocks to send", (unsigned long long)s->blocks);
        else
            snprintf(end, sizeof end, "%d second test", s->duration);
        out(t, "Starting Test: protocol: %s, %d streams, %u byte blocks, omitting %d seconds, %s, tos %d\n",
            nz(s->protocol), s->num_streams, (unsigned)s->blksize, s->omit, end, s->tos);
    }
    return WEIR_OK;
}

static void interval_header(struct text *t, const struct weir_report_interval *iv)
{
    const char *id = t->bidir ? HDR_ID_ROLE : HDR_ID;
    if (t->datagram) {
        /* A pure sender counts datagrams; anything receiving (or bidir)
         * shows jitter and loss. */
        int sender_only = !t->bidir && iv->n_streams > 0 && iv->streams[0].sender;
        out(t, "%s" HDR_COLUMNS "%s\n", id,
            sender_only ? "         Total Datagrams" : "         Jitter    Lost/Total Datagrams");
        return;
    }
    /* Retr/Cwnd only above lines that fill them: a reverse-mode client gets
     * the plain header, as from iperf3 (3.12 too, unless its first interval
     * is printed after the results exchange, as with -t 1). */
    int retr = 0;
    for (size_t i = 0; i < iv->n_streams; i++)
        retr |= iv->streams[i].has_retransmits;
    out(t, "%s" HDR_COLUMNS "%s\n", id, retr ? "         Retr  Cwnd" : "");
}

/* sender picks the datagram layout and the bidir role tag. A stream's
 * line takes its own transport's layout (--load-transport's load streams
 * may not be the test's kind), a [SUM]'s the test's. */
static void interval_line(struct text *t, const int *id, const struct weir_report_sample *s,
                          int sender)
{
    char p[192];
    prefix(t, p, sizeof p, id, role_tag(t, sender), s);
    const char *tag = s->omitted ? "(omitted)" : "";
    if (id ? s->datagram : t->datagram) {
        if (sender)
            out(t, "%s %s %lld  %s\n", p, t->bidir ? SP10 : "", (long long)s->packets, tag);
        else
            out(t, "%s  %5.3f ms  %lld/%lld (%.2g%%)  %s\n", p, s->jitter_ms,
                (long long)s->lost_packets, (long long)s->packets, s->lost_percent, tag);
    } else if (s->has_retransmits && id == NULL) {
        out(t, "%s  %3lld" SP13 "%s\n", p, (long long)s->retransmits, tag);
    } else if (s->has_retransmits) {
        char cwnd[32];
        units_format_bytes(cwnd, sizeof cwnd, (double)s->snd_cwnd);
        out(t, "%s  %3lld   %s       %s\n", p, (long long)s->retransmits, cwnd, tag);
    } else {
        out(t, "%s" SP18 "%s\n", p, tag);
    }
}

/* One direction's streams of an interval, then their [SUM]. */
static void interval_group(struct text *t, const struct weir_report_interval *iv,
                           int all, int sending, const struct weir_report_sample *sum)
{
    size_t n = 0;
    for (size_t i = 0; i < iv->n_streams; i++) {
        const struct weir_report_sample *s = &iv->streams[i];
        if (!all && (s->sender != 0) != sending)
            continue;
        if (all && n == 0)
            sending = s->sender != 0;
        interval_line(t, &s->socket, s, s->sender != 0);
        n++;
    }
    if (n > 1)
        interval_line(t, NULL, sum, sending);
}

/* The interval's latency table in place of the probe streams' transfer
 * lines: 1 when it had one. */
static int latency_interval(struct text *t, const struct weir_report_interval *iv)
{
    if (!t->latency || !WEIR_HAS_FIELD(iv, latency_sum) || !iv->latency_sum)
        return 0;
    if (t->blocks == 0)
        text_latency_header(latency_line, t);
    else if (t->num_streams > 1)
        put_raw(t, WEIR_OUT, SEPARATOR, sizeof SEPARATOR - 1);
    t->blocks++;
    text_latency_rows(iv->latency, iv->n_latency, iv->latency_sum, latency_line, t);
    return 1;
}

static int text_interval(void *ctx, const struct weir_report_interval *iv)
{
    struct text *t = ctx;
    if (latency_interval(t, iv))
        return WEIR_OK;
    if (t->blocks == 0)
        interval_header(t, iv);
    else if (t->num_streams > 1)
        put_raw(t, WEIR_OUT, SEPARATOR, sizeof SEPARATOR - 1);
    t->blocks++;

    if (t->bidir) {
        /* sum is the client-to-server direction, printed first on both sides. */
        interval_group(t, iv, 0, t->client, &iv->sum);
        interval_group(t, iv, 0, !t->client, &iv->sum_bidir_reverse);
    } else {
        interval_group(t, iv, 1, 0, &iv->sum);
    }
    return WEIR_OK;
}

static void summary_line(struct text *t, const int *id, const char *role,
                         const struct weir_report_sample *s, int sender, int retr, int datagram)
{
    char p[192];
    prefix(t, p, sizeof p, id, role, s);
    const char *word = sender ? "sender" : "receiver";
    if (datagram) {
        if (sender)
            out(t, "%s  %5.3f ms  0/%lld (0%%)  %s\n", p, 0.0, (long long)s->packets, word);
        else
            out(t, "%s  %5.3f ms  %lld/%lld (%.2g%%)  %s\n", p, s->jitter_ms,
                (long long)s->lost_packets, (long long)s->packets, s->lost_percent, word);
    } else if (retr) {
        /* 13 spaces after the count, for a stream as for [SUM]: iperf3 up to
         * 3.18, the version weir presents itself as (3.19 prints 12 after a
         * stream's). */
        out(t, "%s  %3lld" SP13 "%s\n", p, (long long)s->retransmits, word);
    } else {
        out(t, "%s" SP18 "%s\n", p, word);
    }
}

static void not_available(struct text *t, const int *id, const char *what)
{
    if (!t->verbose)
        return;
    if (id != NULL)
        out(t, "[%3d] (%s statistics not available)\n", *id, what);
    else
        out(t, "[SUM] (%s statistics not available)\n", what);
}

static void cpu_lines(struct text *t, const struct weir_report_end *e)
{
    static const char *const fmt =
        "CPU Utilization: local/%s %.1f%% (%.1f%%u/%.1f%%s), remote/%s %.1f%% (%.1f%%u/%.1f%%s)\n";
    out(t, fmt, "sender", e->host_total, e->host_user, e->host_system, "receiver",
        e->remote_total, e->remote_user, e->remote_system);
    if (t->bidir)
        out(t, fmt, "receiver", e->host_total, e->host_user, e->host_system, "sender",
            e->remote_total, e->remote_user, e->remote_system);
}

/* -F: iperf3's line under a stream's sender line, in bytes with the unit
 * singular ("4.77 MByte"); a receiving side says "Sent" too. */
static void diskfile_line(struct text *t, const struct weir_report_end *e, size_t i)
{
    if (e->struct_size < offsetof(struct weir_report_end, diskfiles) + sizeof e->diskfiles || !e->diskfiles)
        return;
    const struct weir_report_diskfile *f = &e->diskfiles[i];
    int sending = e->streams[i].sending;
    char moved[32], size[32];
    units_format_bytes(moved, sizeof moved, (double)(sending ? f->sent : f->received));
    units_format_bytes(size, sizeof size, (double)f->size);
    moved[strlen(moved) - 1] = '\0';
    size[strlen(size) - 1] = '\0';
    out(t, "        Sent %s / %s (%d%%) of %s\n", moved, size,
        sending ? f->percent_sent : f->percent_received, f->filename);
}

/* One direction of the summary: per-stream sender/receiver lines, the [SUM]
 * pair, and the -V lines iperf3 prints after each direction. */
static void summary_group(struct text *t, const struct weir_report_end *e, int all, int sending,
                          const struct weir_report_sample *sum_sent,
                          const struct weir_report_sample *sum_received)
{
    size_t n = 0;
    int any_sender = 0, any_receiver = 0, local_sends = 0;
    int retr = !t->datagram && e->show_retransmits;
    for (size_t i = 0; i < e->n_streams; i++) {
        const struct weir_report_end_stream *st = &e->streams[i];
        if (!all && (st->sending != 0) != sending)
            continue;
        n++;
        local_sends |= st->sending;
        const char *role = role_tag(t, st->sending);
        /* The stream's own transport's layout, as its side measured here says. */
        int dg = st->sending ? st->sender.datagram : st->receiver.datagram;
        int stream_retr = !dg && e->show_retransmits;
        if (t->datagram && !st->sending && st->has_receiver && st->receiver.out_of_order > 0)
            out(t, "[SUM]%s %4.1f-%4.1f sec  %lld datagrams received out-of-order\n", role,
                st->receiver.start, st->receiver.end, (long long)st->receiver.out_of_order);
        if (st->has_sender) {
            summary_line(t, &st->socket, role, &st->sender, 1, stream_retr, dg);
            any_sender = 1;
        } else {
            not_available(t, &st->socket, "sender");
        }
        diskfile_line(t, e, i);
        if (st->has_receiver) {
            summary_line(t, &st->socket, role, &st->receiver, 0, 0, dg);
            any_receiver = 1;
        } else {
            not_available(t, &st->socket, "receiver");
        }
    }
    if (!all)
        local_sends = sending;
    if (n > 1) {
        const char *role = role_tag(t, local_sends);
        if (any_sender)
            summary_line(t, NULL, role, sum_sent, 1, retr, t->datagram);
        else
            not_available(t, NULL, "sender");
        if (any_receiver)
            summary_line(t, NULL, role, sum_received, 0, 0, t->datagram);
        else
            not_available(t, NULL, "receiver");
    }
    if (!t->verbose)
        return;
    if (local_sends)
        cpu_lines(t, e);
    /* A server knows only its own side's algorithm per direction. */
    if (e->sender_tcp_congestion && (t->client || local_sends))
        out(t, "snd_tcp_congestion %s\n", e->sender_tcp_congestion);
    if (e->receiver_tcp_congestion && (t->client || !local_sends))
        out(t, "rcv_tcp_congestion %s\n", e->receiver_tcp_congestion);
}

/* The transfer summary: iperf3's header and sender/receiver lines. */
static void transfer_summary(struct text *t, const struct weir_report_end *e)
{
    const char *id = t->bidir ? HDR_ID_ROLE : HDR_ID;
    if (t->datagram)
        out(t, "%s" HDR_COLUMNS "         Jitter    Lost/Total Datagrams\n", id);
    else
        out(t, "%s" HDR_COLUMNS "%s\n", id, e->show_retransmits ? "         Retr" : "");

    if (t->bidir) {
        summary_group(t, e, 0, t->client, &e->sum_sent, &e->sum_received);
        summary_group(t, e, 0, !t->client, &e->sum_sent_bidir_reverse,
                      &e->sum_received_bidir_reverse);
    } else {
        summary_group(t, e, 1, 0, &e->sum_sent, &e->sum_received);
    }
}

static int text_test_end(void *ctx, const struct weir_report_end *e)
{
    struct text *t = ctx;
    put_raw(t, WEIR_OUT, SEPARATOR, sizeof SEPARATOR - 1);
    if (t->verbose)
        out(t, "Test Complete. Summary Results:\n");
    if (t->latency && WEIR_HAS_FIELD(e, latency_sum) && e->latency_sum) {
        /* The probes' figures in place of their streams' transfer. */
        text_latency_header(latency_line, t);
        text_latency_rows(e->latency, e->n_latency, e->latency_sum, latency_line, t);
        if (WEIR_HAS_FIELD(e, working) && e->working)
            text_latency_working(e->working, WEIR_HAS_FIELD(e, load) ? e->load : NULL, latency_line, t);
    } else {
        transfer_summary(t, e);
        if (t->latency && !t->client)
            server_latency_end(t, e);
    }

    if (e->server_output_text != NULL) {
        out(t, "\nServer output:\n");
        put_raw(t, WEIR_OUT, e->server_output_text, strlen(e->server_output_text));
        out(t, "\n");
    } else if (e->server_output_json != NULL) {
        out(t, "\nServer JSON output:\n");
        put_raw(t, WEIR_OUT, e->server_output_json, strlen(e->server_output_json));
        out(t, "\n");
    }
    return WEIR_OK;
}

static int text_test_finish(void *ctx, const char *error)
{
    struct text *t = ctx;
    if (error != NULL)
        putf(t, WEIR_ERR, "%s: %s%s\n", t->program, endtext_prefix(error), error);
    else if (t->client)
        out(t, "\n%s\n", t->done_line);
    t->blocks = 0;
    return WEIR_OK;
}

/* The core's warnings, worded as weir has always printed them (and as
 * iperf3 words its own): "weir: warning - TEXT" on stderr. */
static int text_message(void *ctx, enum weir_log_level level, const char *text)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    struct text *t = ctx;
    const char *name = level >= WEIR_LOG_ERROR && level <= WEIR_LOG_DEBUG ? names[level] : "warning";
    putf(t, WEIR_ERR, "%s: %s - %s\n", t->program, name, text);
    return WEIR_OK;
}

static void comparison_line(void *arg, const char *line)
{
    out(arg, "%s", line);
}

static int text_comparison_hook(void *ctx, const struct weir_report_comparison *c)
{
    struct text *t = ctx;
    text_comparison(c, t->unit, comparison_line, t);
    return WEIR_OK;
}

static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = text_open,
    .close = text_close,
    .server_listening = text_server_listening,
    .connected = text_connected,
    .test_start = text_test_start,
    .interval = text_interval,
    .test_end = text_test_end,
    .test_finish = text_test_finish,
    .message = text_message,
    .comparison = text_comparison_hook,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "text",
    .description = "human-readable output in iperf3's layout",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
