#include "run/stats.h"
#include "run/diskfile.h"
#include "host/transport.h"

#include <stdlib.h>
#include <string.h>

int stats_buf_init(struct stats_buf *b, int n)
{
    memset(b, 0, sizeof *b);
    b->samples = calloc((size_t)n + 1, sizeof *b->samples);
    b->ends = calloc((size_t)n + 1, sizeof *b->ends);
    b->streams = calloc((size_t)n + 1, sizeof *b->streams);
    b->files = calloc((size_t)n + 1, sizeof *b->files);
    b->stream_facts = calloc((size_t)n + 1, sizeof *b->stream_facts);
    b->interval_facts = calloc((size_t)n + 1, sizeof *b->interval_facts);
    b->n = n;
    return b->samples && b->ends && b->streams && b->files && b->stream_facts && b->interval_facts
           ? 0 : -1;
}

void stats_buf_free(struct stats_buf *b)
{
    for (int i = 0; i < b->n; i++) {
        if (b->stream_facts)
            facts_free(&b->stream_facts[i]);
        if (b->interval_facts)
            facts_free(&b->interval_facts[i]);
    }
    free(b->samples);
    free(b->ends);
    free(b->streams);
    free(b->files);
    free(b->stream_facts);
    free(b->interval_facts);
    memset(b, 0, sizeof *b);
}

void stats_streams(const struct test *t, struct stats_buf *b)
{
    for (int i = 0; i < t->n_streams && i < b->n; i++) {
        const struct stream *st = &t->streams[i];
        b->streams[i] = (struct weir_report_stream){
            .id = st->id, .socket = st->fd, .sending = st->sending,
            .local_host = st->local_host, .local_port = st->local_port,
            .remote_host = st->remote_host, .remote_port = st->remote_port,
        };
    }
}

static double rate_of(uint64_t bytes, double seconds)
{
    return seconds > 0 ? (double)bytes * 8.0 / seconds : 0;
}

/* Differences and sums of counts that may come from the peer's results,
 * which can hold any int64: they wrap instead of overflowing (undefined
 * behaviour). A lying peer gets nonsense numbers, never a crash. */
static int64_t wrap_sub(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

static double loss_percent(int64_t lost, int64_t packets)
{
    return packets > 0 ? 100.0 * (double)lost / (double)packets : 0;
}

void stats_sum(const struct weir_report_sample *const *v, size_t n, struct weir_report_sample *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return;
    out->sender = v[0]->sender;
    out->omitted = v[0]->omitted;
    out->start = v[0]->start;
    out->datagram = v[0]->datagram;
    double jitter = 0;
    size_t datagrams = 0;
    /* --load-transport: streams of two transports, the test's first (its
     * layout is the sum's); retransmits count where some stream has them,
     * jitter is the datagram streams' mean. */
    for (size_t i = 0; i < n; i++) {
        out->has_retransmits |= v[i]->has_retransmits;
        datagrams += v[i]->datagram != 0;
        out->bytes += v[i]->bytes;
        if (v[i]->end > out->end)
            out->end = v[i]->end;
        if (v[i]->seconds > out->seconds)
            out->seconds = v[i]->seconds;
        out->retransmits = wrap_add(out->retransmits, v[i]->retransmits > 0 ? v[i]->retransmits : 0);
        jitter += v[i]->jitter_ms;
        out->lost_packets = wrap_add(out->lost_packets, v[i]->lost_packets);
        out->packets = wrap_add(out->packets, v[i]->packets);
        out->out_of_order = wrap_add(out->out_of_order, v[i]->out_of_order);
    }
    out->jitter_ms = jitter / (double)(datagrams ? datagrams : n);
    out->bits_per_second = rate_of(out->bytes, out->seconds);
    out->lost_percent = loss_percent(out->lost_packets, out->packets);
}

/* The forward direction is client -> server. Without --bidir every stream
 * goes in one direction and all belong to "sum". */
static int in_forward_sum(const struct test *t, const struct stream *st)
{
    if (!t->p.bidir)
        return 1;
    return t->role == WEIR_ROLE_CLIENT ? st->sending : !st->sending;
}

static void sum_groups(const struct test *t, const struct weir_report_sample *samples,
                       struct weir_report_sample *fwd, struct weir_report_sample *rev)
{
    const struct weir_report_sample *f[t->n_streams + 1], *r[t->n_streams + 1];
    size_t nf = 0, nr = 0;
    for (int i = 0; i < t->n_streams; i++) {
        if (in_forward_sum(t, &t->streams[i]))
            f[nf++] = &samples[i];
        else
            r[nr++] = &samples[i];
    }
    stats_sum(f, nf, fwd);
    stats_sum(r, nr, rev);
}

/* Which streams' TCP_INFO each interval reads: the sending ones, and with
 * --bidir the receiving ones too, because iperf3 then reports every
 * socket's own extremes (max_snd_cwnd, rtt) under end.streams[].sender, a
 * receiving socket's included. Only sending streams show them per interval. */
static int wants_info(const struct test *t, const struct stream *st)
{
    return (test_stream_caps(t, st) & WEIR_CAP_RETRANSMITS) && (st->sending || t->p.bidir);
}

/* The socket's extremes over the test, for the end summary. */
static void track_info(struct stream *st, const struct weir_stream_info *info)
{
    st->info_valid = 1;
    if (info->snd_cwnd > st->max_snd_cwnd) st->max_snd_cwnd = info->snd_cwnd;
    if (info->snd_wnd > st->max_snd_wnd) st->max_snd_wnd = info->snd_wnd;
    if (info->rtt_us > st->max_rtt) st->max_rtt = info->rtt_us;
    if (info->rtt_us < st->min_rtt) st->min_rtt = info->rtt_us;
    st->rtt_sum += info->rtt_us;
    st->rtt_n++;
    if (info->congestion[0])
        memcpy(st->congestion, info->congestion, sizeof st->congestion);
}

void stats_interval(struct test *t, uint64_t now, struct stats_buf *b,
                    struct weir_report_interval *out)
{
    double start = (double)(t->interval_start_ns - t->start_ns) / 1e9;
    double end = (double)(now - t->start_ns) / 1e9;
    for (int i = 0; i < t->n_streams; i++) {
        struct stream *st = &t->streams[i];
        uint32_t caps = test_stream_caps(t, st);
        struct weir_counters c = st->ctr;
        struct weir_report_sample *s = &b->samples[i];
        memset(s, 0, sizeof *s);
        s->socket = st->fd;
        s->sender = st->sending;
        s->omitted = t->omitting;
        s->start = start;
        s->end = end;
        s->seconds = end - start;
        s->bytes = c.bytes - st->at_interval.bytes;
        s->bits_per_second = rate_of(s->bytes, s->seconds);
        struct weir_stream_info info = { .struct_size = sizeof info };
        if (wants_info(t, st) && transport_info(st->tp, st->ctx, &info) == WEIR_OK && info.valid) {
            track_info(st, &info);
            if (st->sending) {
                s->has_retransmits = 1;
                s->has_tcpinfo = 1;
                s->retransmits = (int64_t)(info.retransmits - st->retrans_interval);
                st->retrans_interval = info.retransmits;
                s->snd_cwnd = info.snd_cwnd;
                s->snd_wnd = info.snd_wnd;
                s->rtt = info.rtt_us;
                s->rttvar = info.rttvar_us;
                s->pmtu = info.pmtu;
                s->reorder = info.reorder;
            }
        }
        struct fact_list *l = &b->interval_facts[i];
        facts_clear(l);
        struct weir_fact_sink sink = facts_sink(l);
        if (transport_describe_interval(st->tp, st->ctx, &sink) != WEIR_OK)
            facts_clear(l);
        s->n_facts = l->n;
        s->facts = l->items;
        if (caps & WEIR_CAP_DATAGRAM) {
            s->datagram = 1;
            s->packets = (int64_t)(c.packets - st->at_interval.packets);
            if (!st->sending) {
                s->jitter_ms = (double)c.jitter_ns / 1e6;
                s->lost_packets = (int64_t)(c.lost - st->at_interval.lost);
                s->out_of_order = (int64_t)(c.out_of_order - st->at_interval.out_of_order);
                s->lost_percent = loss_percent(s->lost_packets, s->packets);
            }
        }
        st->at_interval = c;
    }
    t->interval_start_ns = now;
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->n_streams = (size_t)t->n_streams;
    out->streams = b->samples;
    out->bidir = t->p.bidir;
    sum_groups(t, b->samples, &out->sum, &out->sum_bidir_reverse);
}

/* Local totals of a stream since the omit period ended. */
static void local_sample(const struct test *t, struct stream *st, double seconds, struct weir_report_sample *s)
{
    uint32_t caps = test_stream_caps(t, st);
    struct weir_counters c = st->ctr;
    memset(s, 0, sizeof *s);
    s->socket = st->fd;
    s->sender = st->sending;
    s->end = seconds;
    s->seconds = seconds;
    s->bytes = c.bytes - st->at_omit.bytes;
    s->bits_per_second = rate_of(s->bytes, seconds);
    if (st->final_info_valid) {
        const struct weir_stream_info info = st->final_info;
        if (st->sending && (caps & WEIR_CAP_RETRANSMITS)) {
            s->has_retransmits = 1;
            s->retransmits = (int64_t)(info.retransmits - st->retrans_omit);
        }
        if (info.congestion[0])
            memcpy(st->congestion, info.congestion, sizeof st->congestion);
    }
    if (caps & WEIR_CAP_DATAGRAM) {
        s->datagram = 1;
        s->packets = (int64_t)(c.packets - st->at_omit.packets);
        if (!st->sending) {
            s->jitter_ms = (double)c.jitter_ns / 1e6;
            s->lost_packets = (int64_t)(c.lost - st->at_omit.lost);
            s->out_of_order = (int64_t)(c.out_of_order - st->at_omit.out_of_order);
            s->lost_percent = loss_percent(s->lost_packets, s->packets);
        }
    }
}

/* What the peer said about a stream, as a sample of the other end. */
static void peer_sample(const struct test *t, const struct stream *st, double seconds,
                        struct weir_report_sample *s)
{
    const struct peer_stream *p = &st->peer;
    memset(s, 0, sizeof *s);
    s->socket = st->fd;
    s->sender = st->sending;
    /* The peer's own duration; a peer too old to send one (iperf3 < 3.2)
     * gets ours, as iperf3 does. */
    s->end = p->end_time - p->start_time;
    if (!(s->end > 0))
        s->end = seconds;
    /* iperf3 writes the local duration as a peer receiver's "seconds" (a
     * sender's is its "end"); the rate is always over the peer's time. */
    s->seconds = st->sending ? seconds : s->end;
    s->bytes = p->bytes;
    s->bits_per_second = rate_of(p->bytes, s->end);
    if (!st->sending && p->retransmits >= 0 && t->peer_sender_has_retransmits == 1) {
        s->has_retransmits = 1;
        s->retransmits = p->retransmits;
    }
    if (test_stream_caps(t, st) & WEIR_CAP_DATAGRAM) {
        s->datagram = 1;
        s->packets = wrap_sub(p->packets, p->omitted_packets);
        if (st->sending) {
            s->jitter_ms = p->jitter * 1000.0;
            s->lost_packets = wrap_sub(p->errors, p->omitted_errors);
            s->lost_percent = loss_percent(s->lost_packets, s->packets);
        }
    }
}

/* -F: iperf3's "diskfile" facts of each stream, from its end numbers. */
static const struct weir_report_diskfile *end_files(const struct test *t, struct stats_buf *b)
{
    for (int i = 0; i < t->n_streams; i++) {
        const struct weir_report_end_stream *e = &b->ends[i];
        struct weir_report_diskfile *f = &b->files[i];
        f->filename = t->file;
        f->sent = e->has_sender ? e->sender.bytes : 0;
        f->received = e->has_receiver ? e->receiver.bytes : 0;
        const struct stream *st = &t->streams[i];
        f->size = st->file ? diskfile_size(st->file) : st->file_size;
        f->percent_sent = diskfile_percent(f->sent, f->size);
        f->percent_received = diskfile_percent(f->received, f->size);
    }
    return b->files;
}

/* A summary sum spans its own side's time: "seconds" is its "end" and the
 * rate is over it, as iperf3 writes them (a receiver's sum over the
 * receiver's duration, not the sender's). */
static void end_sum(const struct weir_report_sample *const *v, size_t n,
                    struct weir_report_sample *out)
{
    stats_sum(v, n, out);
    out->seconds = out->end;
    out->bits_per_second = rate_of(out->bytes, out->seconds);
}

void stats_end(struct test *t, struct stats_buf *b, struct weir_report_end *out)
{
    double seconds = t->end_ns > t->start_ns ? (double)(t->end_ns - t->start_ns) / 1e9 : 0;
    int local_retrans = 0;
    const struct weir_report_sample *sent_f[t->n_streams + 1], *recv_f[t->n_streams + 1];
    const struct weir_report_sample *sent_r[t->n_streams + 1], *recv_r[t->n_streams + 1];
    size_t nsf = 0, nrf = 0, nsr = 0, nrr = 0;

    for (int i = 0; i < t->n_streams; i++) {
        struct stream *st = &t->streams[i];
        struct weir_report_end_stream *e = &b->ends[i];
        memset(e, 0, sizeof *e);
        e->id = st->id;
        e->socket = st->fd;
        e->sending = st->sending;
        struct weir_report_sample *mine = st->sending ? &e->sender : &e->receiver;
        struct weir_report_sample *theirs = st->sending ? &e->receiver : &e->sender;
        local_sample(t, st, seconds, mine);
        if (st->sending) {
            e->has_sender = 1;
            local_retrans |= mine->has_retransmits;
        } else {
            e->has_receiver = 1;
        }
        if (t->peer_known && st->peer.known) {
            peer_sample(t, st, seconds, theirs);
            if (st->sending)
                e->has_receiver = 1;
            else
                e->has_sender = 1;
        } else {
            theirs->socket = st->fd;
            theirs->sender = st->sending;
        }
        if (st->info_valid) {
            e->has_tcpinfo = st->sending;
            e->max_snd_cwnd = st->max_snd_cwnd;
            e->max_snd_wnd = st->max_snd_wnd;
            e->max_rtt = st->max_rtt;
            e->min_rtt = st->min_rtt == UINT32_MAX ? 0 : st->min_rtt;
            e->mean_rtt = st->rtt_n ? (uint32_t)(st->rtt_sum / st->rtt_n) : 0;
        }
        if (in_forward_sum(t, st)) {
            sent_f[nsf++] = &e->sender;
            recv_f[nrf++] = &e->receiver;
        } else {
            sent_r[nsr++] = &e->sender;
            recv_r[nrr++] = &e->receiver;
        }
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->n_streams = (size_t)t->n_streams;
    out->streams = b->ends;
    out->has_peer = t->peer_known;
    out->show_retransmits = local_retrans || t->peer_sender_has_retransmits == 1;
    end_sum(sent_f, nsf, &out->sum_sent);
    end_sum(recv_f, nrf, &out->sum_received);
    out->bidir = t->p.bidir;
    end_sum(sent_r, nsr, &out->sum_sent_bidir_reverse);
    end_sum(recv_r, nrr, &out->sum_received_bidir_reverse);
    out->host_total = t->cpu_total;
    out->host_user = t->cpu_user;
    out->host_system = t->cpu_system;
    out->remote_total = t->peer_cpu_total;
    out->remote_user = t->peer_cpu_user;
    out->remote_system = t->peer_cpu_system;

    const char *local_cc = NULL;
    for (int i = 0; i < t->n_streams && !local_cc; i++)
        if (t->streams[i].congestion[0])
            local_cc = t->streams[i].congestion;
    int local_sends = 0, congestion = 0;
    for (int i = 0; i < t->n_streams; i++) {
        local_sends |= t->streams[i].sending;
        congestion |= (test_stream_caps(t, &t->streams[i]) & WEIR_CAP_CONGESTION) != 0;
    }
    if (congestion) {
        if (local_sends) {
            out->sender_tcp_congestion = local_cc;
            out->receiver_tcp_congestion = t->peer_congestion;
        } else {
            out->sender_tcp_congestion = t->peer_congestion;
            out->receiver_tcp_congestion = local_cc;
        }
    }
    out->server_output_text = t->server_output_text;
    out->server_output_json = t->server_output_json;
    if (t->file)
        out->diskfiles = end_files(t, b);
}
