#include "config.h"

#include "jsondoc.h"
#include "jsonlatency.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "jsonfacts.h"
#include "jsonnum.h"

typedef struct json_object jobj;

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void add(jobj *o, const char *key, jobj *v)
{
    json_object_object_add(o, key, v);
}

static void add_bool(jobj *o, const char *key, int v)
{
    add(o, key, json_object_new_boolean(v != 0));
}

static void add_str(jobj *o, const char *key, const char *v)
{
    add(o, key, json_object_new_string(v != NULL ? v : ""));
}

void jsondoc_test_init(struct jsondoc_test *t, int role)
{
    memset(t, 0, sizeof *t);
    t->client = role == WEIR_ROLE_CLIENT;
}

void jsondoc_test_reset(struct jsondoc_test *t)
{
    int role = t->client ? WEIR_ROLE_CLIENT : WEIR_ROLE_SERVER;
    free(t->version);
    free(t->system_info);
    free(t->timestamp);
    free(t->host);
    free(t->title);
    free(t->extra_data);
    for (size_t i = 0; i < t->n_last_facts; i++)
        json_object_put(t->last_facts[i].weir);
    free(t->last_facts);
    jsondoc_test_init(t, role);
}

void jsondoc_test_connected(struct jsondoc_test *t, const struct weir_report_connect *c)
{
    free(t->version);
    free(t->system_info);
    free(t->timestamp);
    free(t->host);
    t->version = dup_or_null(c->version);
    t->system_info = dup_or_null(c->system_info);
    t->timestamp = dup_or_null(c->timestamp);
    t->host = dup_or_null(c->host);
    t->timesecs = c->timesecs;
    t->timemillisecs = c->timemillisecs;
    t->port = c->port;
    t->have_conn = 1;
}

/* Before the control connection the core has not told us its version, so
 * an early-error document names the build and host itself, as iperf3 does. */
static void add_local_version(jobj *start)
{
    struct utsname u;
    char sys[5 * sizeof u.sysname];
    if (uname(&u) == 0)
        snprintf(sys, sizeof sys, "%s %s %s %s %s", u.sysname, u.nodename, u.release,
                 u.version, u.machine);
    else
        snprintf(sys, sizeof sys, "unknown system");
    add_str(start, "version", PACKAGE_NAME " " PACKAGE_VERSION);
    add_str(start, "system_info", sys);
}

static jobj *host_port(const char *host, uint16_t port)
{
    jobj *o = json_object_new_object();
    add_str(o, "host", host);
    jsonnum_add_int(o, "port", port);
    return o;
}

static jobj *connected_list(const struct weir_report_start *s)
{
    jobj *a = json_object_new_array();
    for (size_t i = 0; s != NULL && i < s->n_streams; i++) {
        const struct weir_report_stream *st = &s->streams[i];
        jobj *o = json_object_new_object();
        jsonnum_add_int(o, "socket", st->socket);
        add_str(o, "local_host", st->local_host);
        jsonnum_add_int(o, "local_port", st->local_port);
        add_str(o, "remote_host", st->remote_host);
        jsonnum_add_int(o, "remote_port", st->remote_port);
        json_object_array_add(a, o);
    }
    return a;
}

static jobj *test_start_obj(const struct weir_report_start *s)
{
    jobj *o = json_object_new_object();
    add_str(o, "protocol", s->protocol);
    jsonnum_add_int(o, "num_streams", s->num_streams);
    jsonnum_add_int(o, "blksize", s->blksize);
    jsonnum_add_int(o, "omit", s->omit);
    jsonnum_add_int(o, "duration", s->duration);
    jsonnum_add_int(o, "bytes", (int64_t)s->bytes);
    jsonnum_add_int(o, "blocks", (int64_t)s->blocks);
    jsonnum_add_int(o, "reverse", s->reverse != 0);
    jsonnum_add_int(o, "tos", s->tos);
    jsonnum_add_int(o, "target_bitrate", (int64_t)s->target_bitrate);
    jsonnum_add_int(o, "bidir", s->bidir != 0);
    jsonnum_add_int(o, "fqrate", (int64_t)s->fq_rate);
    jsonnum_add_number(o, "interval", s->interval);
    /* iperf3 3.21 always writes them (0: no --gsro). */
    jsonnum_add_int(o, "gso", s->gso);
    jsonnum_add_int(o, "gro", s->gro);
    return o;
}

/* start.weir: weir's facts about the test, then what the transport said
 * about each stream (its facts, then the stream's id). */
static jobj *weir_start(const struct weir_report_start *s)
{
    jobj *w = json_object_new_object();
    jsonfacts_add(w, s->weir_facts, s->n_weir_facts);
    if (s->streams_described) {
        jobj *arr = json_object_new_array();
        for (size_t i = 0; i < s->n_streams; i++) {
            jobj *d = json_object_new_object();
            jsonfacts_add(d, s->streams[i].facts, s->streams[i].n_facts);
            jsonnum_add_int(d, "id", s->streams[i].id);
            json_object_array_add(arr, d);
        }
        add(w, "streams", arr);
    }
    if (WEIR_HAS_FIELD(s, latency_clock) && s->latency)
        add(w, "latency", jsonlatency_setup(s));
    return w;
}

jobj *jsondoc_start(struct jsondoc_test *t, const struct weir_report_start *s)
{
    jobj *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    add(o, "connected", connected_list(s));
    if (t->have_conn) {
        add_str(o, "version", t->version);
        add_str(o, "system_info", t->system_info);
        jobj *ts = json_object_new_object();
        add_str(ts, "time", t->timestamp);
        jsonnum_add_int(ts, "timesecs", t->timesecs);
        jsonnum_add_int(ts, "timemillisecs", t->timemillisecs);
        add(o, "timestamp", ts);
    } else {
        add_local_version(o);
    }
    const char *host = s != NULL && s->host != NULL ? s->host : t->host;
    uint16_t port = s != NULL && s->host != NULL ? s->port : t->port;
    if (s != NULL || t->have_conn)
        add(o, t->client ? "connecting_to" : "accepted_connection", host_port(host, port));
    if (s == NULL)
        return o;

    add_str(o, "cookie", s->cookie);
    if (s->reliable) {
        if (s->tcp_mss > 0)
            jsonnum_add_int(o, "tcp_mss", s->tcp_mss);
        else
            jsonnum_add_int(o, "tcp_mss_default", s->tcp_mss_default);
    }
    jsonnum_add_int(o, "target_bitrate", (int64_t)s->target_bitrate);
    jsonnum_add_int(o, "fq_rate", (int64_t)s->fq_rate);
    jsonnum_add_int(o, "sock_bufsize", s->sock_bufsize);
    jsonnum_add_int(o, "sndbuf_actual", s->sndbuf_actual);
    jsonnum_add_int(o, "rcvbuf_actual", s->rcvbuf_actual);
    add(o, "test_start", test_start_obj(s));
    if (s->n_weir_facts > 0 || s->streams_described || (WEIR_HAS_FIELD(s, latency_clock) && s->latency))
        add(o, "weir", weir_start(s));

    t->have_start = 1;
    t->datagram = s->datagram;
    free(t->title);
    free(t->extra_data);
    t->title = dup_or_null(s->title);
    t->extra_data = dup_or_null(s->extra_data);
    return o;
}

static void add_span(jobj *o, const struct weir_report_sample *s, double seconds)
{
    jsonnum_add_number(o, "start", s->start);
    jsonnum_add_number(o, "end", s->end);
    jsonnum_add_number(o, "seconds", seconds);
    jsonnum_add_int(o, "bytes", (int64_t)s->bytes);
    jsonnum_add_number(o, "bits_per_second", s->bits_per_second);
}

/* One interval stream (socket != NULL) or sum. */
static jobj *interval_sample(const struct weir_report_sample *s, int datagram, int is_sum)
{
    jobj *o = json_object_new_object();
    if (!is_sum)
        jsonnum_add_int(o, "socket", s->socket);
    /* iperf3 keeps an interval's length in single precision. */
    add_span(o, s, (double)(float)s->seconds);
    if (datagram) {
        if (!s->sender) {
            jsonnum_add_number(o, "jitter_ms", s->jitter_ms);
            jsonnum_add_int(o, "lost_packets", s->lost_packets);
        }
        jsonnum_add_int(o, "packets", s->packets);
        if (!s->sender)
            jsonnum_add_number(o, "lost_percent", s->lost_percent);
    } else {
        if (s->has_retransmits)
            jsonnum_add_int(o, "retransmits", s->retransmits);
        if (!is_sum && s->has_tcpinfo) {
            jsonnum_add_int(o, "snd_cwnd", (int64_t)s->snd_cwnd);
            jsonnum_add_int(o, "snd_wnd", (int64_t)s->snd_wnd);
            jsonnum_add_int(o, "rtt", s->rtt);
            jsonnum_add_int(o, "rttvar", s->rttvar);
            jsonnum_add_int(o, "pmtu", s->pmtu);
            jsonnum_add_int(o, "reorder", (int64_t)s->reorder);
        }
    }
    add_bool(o, "omitted", s->omitted);
    add_bool(o, "sender", s->sender);
    if (!is_sum && s->n_facts > 0) {
        jobj *w = json_object_new_object();
        jsonfacts_add(w, s->facts, s->n_facts);
        add(o, "weir", w);
    }
    return o;
}

static struct jsondoc_facts *facts_of(const struct jsondoc_test *t, int socket)
{
    for (size_t i = 0; i < t->n_last_facts; i++)
        if (t->last_facts[i].socket == socket)
            return &t->last_facts[i];
    return NULL;
}

/* Keeps (a reference to) the stream's "weir" object as its latest facts. */
static void keep_facts(struct jsondoc_test *t, int socket, jobj *weir)
{
    struct jsondoc_facts *f = facts_of(t, socket);
    if (f == NULL) {
        struct jsondoc_facts *more = realloc(t->last_facts, (t->n_last_facts + 1) * sizeof *more);
        if (more == NULL)
            return;
        t->last_facts = more;
        f = &more[t->n_last_facts++];
        f->socket = socket;
        f->weir = NULL;
    }
    json_object_put(f->weir);
    f->weir = json_object_get(weir);
}

jobj *jsondoc_interval(struct jsondoc_test *t, const struct weir_report_interval *iv)
{
    jobj *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    int datagram = iv->sum.datagram || (iv->n_streams > 0 && iv->streams[0].datagram);
    jobj *a = json_object_new_array();
    /* Each stream in its own transport's layout: --load-transport's load
     * streams may not be the test's kind. */
    for (size_t i = 0; i < iv->n_streams; i++) {
        jobj *so = interval_sample(&iv->streams[i], iv->streams[i].datagram, 0);
        jobj *w = NULL;
        if (so != NULL && json_object_object_get_ex(so, "weir", &w))
            keep_facts(t, iv->streams[i].socket, w);
        json_object_array_add(a, so);
    }
    add(o, "streams", a);
    add(o, "sum", interval_sample(&iv->sum, datagram, 1));
    if (iv->bidir)
        add(o, "sum_bidir_reverse", interval_sample(&iv->sum_bidir_reverse, datagram, 1));
    if (WEIR_HAS_FIELD(iv, latency_sum) && iv->latency_sum)
        add(o, "latency", jsonlatency_block(iv->latency, iv->n_latency, iv->latency_sum));
    return o;
}

/* iperf3 prints both sides of every stream and sum; a side this end does
 * not know shows the other side's span with no bytes. */
static struct weir_report_sample or_span_of(const struct weir_report_sample *s, int known,
                                            const struct weir_report_sample *other)
{
    struct weir_report_sample r = *s;
    if (!known) {
        memset(&r, 0, sizeof r);
        r.sender = s->sender;
        r.start = other->start;
        r.end = other->end;
        r.seconds = other->seconds;
    }
    return r;
}

static int sum_known(const struct weir_report_sample *s)
{
    return s->bytes != 0 || s->end != 0 || s->seconds != 0;
}

/* -F: iperf3's "diskfile" object, between a stream's sender and receiver. */
static jobj *diskfile(const struct weir_report_diskfile *f)
{
    jobj *o = json_object_new_object();
    jsonnum_add_int(o, "sent", (int64_t)f->sent);
    jsonnum_add_int(o, "received", (int64_t)f->received);
    jsonnum_add_int(o, "size", (int64_t)f->size);
    jsonnum_add_int(o, "percent_sent", f->percent_sent);
    jsonnum_add_int(o, "percent_received", f->percent_received);
    add_str(o, "filename", f->filename);
    return o;
}

static jobj *tcp_end_stream(const struct weir_report_end_stream *st, const struct weir_report_diskfile *f)
{
    struct weir_report_sample snd = or_span_of(&st->sender, st->has_sender, &st->receiver);
    struct weir_report_sample rcv = or_span_of(&st->receiver, st->has_receiver, &st->sender);

    jobj *so = json_object_new_object();
    jsonnum_add_int(so, "socket", st->socket);
    add_span(so, &snd, snd.seconds);
    if (snd.has_retransmits) {
        jsonnum_add_int(so, "retransmits", snd.retransmits);
        jsonnum_add_int(so, "reorder", (int64_t)snd.reorder);
        jsonnum_add_int(so, "max_snd_cwnd", (int64_t)st->max_snd_cwnd);
        jsonnum_add_int(so, "max_snd_wnd", (int64_t)st->max_snd_wnd);
        jsonnum_add_int(so, "max_rtt", st->max_rtt);
        jsonnum_add_int(so, "min_rtt", st->min_rtt);
        jsonnum_add_int(so, "mean_rtt", st->mean_rtt);
    }
    add_bool(so, "sender", st->sending);

    jobj *ro = json_object_new_object();
    jsonnum_add_int(ro, "socket", st->socket);
    add_span(ro, &rcv, rcv.seconds);
    add_bool(ro, "sender", st->sending);

    jobj *o = json_object_new_object();
    add(o, "sender", so);
    if (f)
        add(o, "diskfile", diskfile(f));
    add(o, "receiver", ro);
    return o;
}

static jobj *tcp_sum(const struct weir_report_sample *s, const struct weir_report_sample *other)
{
    struct weir_report_sample v = or_span_of(s, sum_known(s), other);
    jobj *o = json_object_new_object();
    add_span(o, &v, v.seconds);
    if (v.has_retransmits)
        jsonnum_add_int(o, "retransmits", v.retransmits);
    add_bool(o, "sender", v.sender);
    return o;
}

static void add_udp_stats(jobj *o, double jitter_ms, int64_t lost, int64_t packets, double pct)
{
    jsonnum_add_number(o, "jitter_ms", jitter_ms);
    jsonnum_add_int(o, "lost_packets", lost);
    jsonnum_add_int(o, "packets", packets);
    jsonnum_add_number(o, "lost_percent", pct);
}

/* Bytes and rate as sent, loss and jitter as received; packets counted by
 * whichever side this end is. */
static jobj *udp_end_stream(const struct weir_report_end_stream *st)
{
    struct weir_report_sample snd = or_span_of(&st->sender, st->has_sender, &st->receiver);
    struct weir_report_sample rcv = or_span_of(&st->receiver, st->has_receiver, &st->sender);
    jobj *u = json_object_new_object();
    jsonnum_add_int(u, "socket", st->socket);
    add_span(u, &snd, snd.seconds);
    add_udp_stats(u, rcv.jitter_ms, rcv.lost_packets, st->sending ? snd.packets : rcv.packets,
                  rcv.lost_percent);
    jsonnum_add_int(u, "out_of_order", rcv.out_of_order);
    add_bool(u, "sender", st->sending);
    jobj *o = json_object_new_object();
    add(o, "udp", u);
    return o;
}

/* The legacy combined "sum": span as received, bytes as sent. */
static jobj *udp_sum_combined(const struct weir_report_sample *sent,
                              const struct weir_report_sample *received)
{
    struct weir_report_sample rcv = or_span_of(received, sum_known(received), sent);
    jobj *o = json_object_new_object();
    jsonnum_add_number(o, "start", rcv.start);
    jsonnum_add_number(o, "end", rcv.end);
    jsonnum_add_number(o, "seconds", rcv.seconds);
    jsonnum_add_int(o, "bytes", (int64_t)sent->bytes);
    jsonnum_add_number(o, "bits_per_second", sent->bits_per_second);
    add_udp_stats(o, rcv.jitter_ms, rcv.lost_packets, sent->sender ? sent->packets : rcv.packets,
                  rcv.lost_percent);
    add_bool(o, "sender", sent->sender);
    return o;
}

static jobj *udp_sum_sent(const struct weir_report_sample *s, const struct weir_report_sample *other)
{
    struct weir_report_sample v = or_span_of(s, sum_known(s), other);
    jobj *o = json_object_new_object();
    add_span(o, &v, v.seconds);
    add_udp_stats(o, 0, 0, v.packets, 0);
    add_bool(o, "sender", 1);
    return o;
}

static jobj *udp_sum_received(const struct weir_report_sample *s,
                              const struct weir_report_sample *other)
{
    struct weir_report_sample v = or_span_of(s, sum_known(s), other);
    jobj *o = json_object_new_object();
    add_span(o, &v, v.seconds);
    add_udp_stats(o, v.jitter_ms, v.lost_packets, v.packets, v.lost_percent);
    add_bool(o, "sender", 0);
    return o;
}

static jobj *cpu_obj(const struct weir_report_end *e)
{
    jobj *o = json_object_new_object();
    jsonnum_add_number(o, "host_total", e->host_total);
    jsonnum_add_number(o, "host_user", e->host_user);
    jsonnum_add_number(o, "host_system", e->host_system);
    jsonnum_add_number(o, "remote_total", e->remote_total);
    jsonnum_add_number(o, "remote_user", e->remote_user);
    jsonnum_add_number(o, "remote_system", e->remote_system);
    return o;
}

static int end_is_datagram(const struct jsondoc_test *t, const struct weir_report_end *e)
{
    if (t->have_start)
        return t->datagram;
    for (size_t i = 0; i < e->n_streams; i++)
        if (e->streams[i].sender.datagram || e->streams[i].receiver.datagram)
            return 1;
    return e->sum_sent.datagram || e->sum_received.datagram;
}

jobj *jsondoc_end(const struct jsondoc_test *t, const struct weir_report_end *e)
{
    jobj *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    int udp = end_is_datagram(t, e);
    const struct weir_report_diskfile *files =
        e->diskfiles;
    jobj *a = json_object_new_array();
    /* Each stream in its own transport's layout, as in the intervals (its
     * side measured here always says which). */
    for (size_t i = 0; i < e->n_streams; i++) {
        const struct weir_report_end_stream *st = &e->streams[i];
        int stream_udp = st->sending ? st->sender.datagram : st->receiver.datagram;
        jobj *so = stream_udp ? udp_end_stream(st) : tcp_end_stream(st, files ? &files[i] : NULL);
        const struct jsondoc_facts *f = facts_of(t, st->socket);
        if (f != NULL && f->weir != NULL)
            add(so, "weir", json_object_get(f->weir));
        json_object_array_add(a, so);
    }
    add(o, "streams", a);

    if (udp) {
        add(o, "sum", udp_sum_combined(&e->sum_sent, &e->sum_received));
        add(o, "sum_sent", udp_sum_sent(&e->sum_sent, &e->sum_received));
        add(o, "sum_received", udp_sum_received(&e->sum_received, &e->sum_sent));
        if (e->bidir) {
            add(o, "sum_bidir_reverse", udp_sum_combined(&e->sum_sent_bidir_reverse,
                                                         &e->sum_received_bidir_reverse));
            add(o, "sum_sent_bidir_reverse", udp_sum_sent(&e->sum_sent_bidir_reverse,
                                                          &e->sum_received_bidir_reverse));
            add(o, "sum_received_bidir_reverse",
                udp_sum_received(&e->sum_received_bidir_reverse, &e->sum_sent_bidir_reverse));
        }
    } else {
        add(o, "sum_sent", tcp_sum(&e->sum_sent, &e->sum_received));
        add(o, "sum_received", tcp_sum(&e->sum_received, &e->sum_sent));
        if (e->bidir) {
            add(o, "sum_sent_bidir_reverse",
                tcp_sum(&e->sum_sent_bidir_reverse, &e->sum_received_bidir_reverse));
            add(o, "sum_received_bidir_reverse",
                tcp_sum(&e->sum_received_bidir_reverse, &e->sum_sent_bidir_reverse));
        }
    }
    add(o, "cpu_utilization_percent", cpu_obj(e));
    if (e->sender_tcp_congestion != NULL)
        add_str(o, "sender_tcp_congestion", e->sender_tcp_congestion);
    if (e->receiver_tcp_congestion != NULL)
        add_str(o, "receiver_tcp_congestion", e->receiver_tcp_congestion);
    if (WEIR_HAS_FIELD(e, latency_sum) && e->latency_sum) {
        jobj *l = jsonlatency_block(e->latency, e->n_latency, e->latency_sum);
        if (WEIR_HAS_FIELD(e, working) && e->working)
            json_object_object_add(l, "working", jsonlatency_working(e->working, WEIR_HAS_FIELD(e, load) ? e->load : NULL));
        add(o, "latency", l);
    }
    return o;
}

int jsondoc_out_open(struct jsondoc_out *o, const struct weir_host *host, const char *name,
                     const char *path, const struct weir_sink *sink)
{
    o->sink = *sink;
    o->file = NULL;
    o->path = NULL;
    o->host = host;
    o->name = name;
    if (path == NULL || *path == '\0')
        return WEIR_OK;
    if ((o->path = strdup(path)) == NULL) {
        host->set_error(WEIR_E_NOMEM, "%s reporter: out of memory", name);
        return WEIR_E_NOMEM;
    }
    o->file = fopen(path, "a");
    if (o->file == NULL) {
        host->set_error(WEIR_E_LOGFILE, "%s reporter: cannot open %s: %s", name, path,
                        strerror(errno));
        free(o->path);
        o->path = NULL;
        return WEIR_E_LOGFILE;
    }
    return WEIR_OK;
}

int jsondoc_out_nomem(const struct jsondoc_out *o)
{
    o->host->set_error(WEIR_E_NOMEM, "%s reporter: out of memory", o->name);
    return WEIR_E_NOMEM;
}

static int cannot_write(const struct jsondoc_out *o)
{
    o->host->set_error(WEIR_E_LOGFILE, "%s reporter: cannot write %s: %s", o->name, o->path,
                       strerror(errno));
    return WEIR_E_LOGFILE;
}

int jsondoc_out_write(struct jsondoc_out *o, jobj *obj, int flags)
{
    size_t len = 0;
    const char *text = obj != NULL ? json_object_to_json_string_length(obj, flags, &len) : NULL;
    if (text == NULL)
        return jsondoc_out_nomem(o);
    if (o->file != NULL) {
        if (fwrite(text, 1, len, o->file) != len || fputc('\n', o->file) == EOF ||
            fflush(o->file) != 0)
            return cannot_write(o);
        return WEIR_OK;
    }
    /* One write per document or line, newline included. */
    char *line = malloc(len + 1);
    if (line == NULL)
        return jsondoc_out_nomem(o);
    memcpy(line, text, len);
    line[len] = '\n';
    o->sink.write(o->sink.ctx, WEIR_OUT, line, len + 1);
    free(line);
    return WEIR_OK;
}

int jsondoc_out_close(struct jsondoc_out *o)
{
    int rc = WEIR_OK;
    if (o->file != NULL && fclose(o->file) != 0)
        rc = cannot_write(o);
    o->file = NULL;
    free(o->path);
    o->path = NULL;
    return rc;
}
