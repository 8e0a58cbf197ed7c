#include "run/test.h"
#include "run/diskfile.h"
#include "host/transport.h"
#include "proto/netutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void test_init(struct test *t, int role, const struct settings *s)
{
    memset(t, 0, sizeof *t);
    t->role = role;
    t->s = s;
    t->ctl_fd = -1;
    t->p.tos = -1;
    atomic_store(&t->phase, PHASE_IDLE);
}

void test_close_streams(struct test *t)
{
    for (int i = 0; i < t->n_streams; i++) {
        struct stream *st = &t->streams[i];
        if (st->ctx) {
            transport_close(st->tp, st->ctx);
            st->ctx = NULL;
        }
        if (st->file) {
            st->file_size = diskfile_size(st->file);
            diskfile_close(st->file);
            st->file = NULL;
        }
    }
}

void test_free(struct test *t)
{
    test_close_streams(t);
    diskfile_close(t->next_file);
    t->next_file = NULL;
    free(t->streams);
    params_free(&t->p);
    free(t->peer_congestion);
    free(t->server_output_text);
    free(t->server_output_json);
    t->streams = NULL;
    t->n_streams = t->n_alloc = 0;
}

struct stream *test_add_stream(struct test *t, void *ctx, int sending)
{
    if (t->n_streams == t->n_alloc) {
        int n = t->n_alloc ? t->n_alloc * 2 : 8;
        struct stream *ns = realloc(t->streams, (size_t)n * sizeof *ns);
        if (!ns)
            return NULL;
        t->streams = ns;
        t->n_alloc = n;
    }
    struct stream *st = &t->streams[t->n_streams];
    memset(st, 0, sizeof *st);
    /* iperf3 numbers streams 1, then (existing streams + 2): 1, 3, 4, 5, ... */
    st->id = t->n_streams == 0 ? 1 : t->n_streams + 2;
    st->sending = sending;
    st->tp = test_transport_at(t, t->n_streams);
    st->ctx = ctx;
    st->file = t->next_file;
    t->next_file = NULL;
    st->fd = transport_stream_fd(st->tp, ctx);
    st->min_rtt = UINT32_MAX;
    net_local_addr(st->fd, st->local_host, sizeof st->local_host, &st->local_port);
    net_peer_addr(st->fd, st->remote_host, sizeof st->remote_host, &st->remote_port);
    t->n_streams++;
    return st;
}

void test_stream_config(struct test *t, int sending, int index,
                        struct weir_stream_config *cfg)
{
    const struct settings *s = t->s;
    memset(cfg, 0, sizeof *cfg);
    cfg->struct_size = sizeof *cfg;
    cfg->family = s->family;
    cfg->bind_host = s->bind_host;
    cfg->port = s->port;
    if (t->role == WEIR_ROLE_CLIENT) {
        cfg->host = s->host;
        cfg->cport = s->cport ? (uint16_t)(s->cport + index) : 0;
    }
    cfg->sending = sending;
    cfg->blksize = t->p.len;
    cfg->rate = t->p.bandwidth;
    cfg->window = t->p.window;
    cfg->timeout_ms = 10000;
    cfg->cookie = t->cookie;
    cfg->stream_tag = t->stream_tag;
    cfg->repeating_payload = t->p.repeating_payload;
    /* Probes move through the message hooks (run/latency.h); --load's
     * streams are bulk, with their own block size. */
    if (test_is_latency(t) && index < test_probe_count(t)) {
        cfg->lower = WEIR_LOWER_STREAM;
        /* An older transport is told only of the flags it knows. */
        if (t->p.weir_latency.load && !t->load_transport && t->transport->abi_minor >= 3)
            cfg->lower |= WEIR_LOWER_LOADED;
    } else if (test_is_latency(t))
        cfg->blksize = t->p.weir_latency.load_len;
    transport_params_build(t, &t->tparams);
    cfg->params = &t->tparams;
}

const struct weir_plugin *test_transport_at(const struct test *t, int i)
{
    return t->load_transport && i >= test_probe_count(t) ? t->load_transport : t->transport;
}

void *test_tglobal_at(const struct test *t, int i)
{
    return t->load_transport && i >= test_probe_count(t) ? t->load_tglobal : t->tglobal;
}

const struct weir_plugin *test_bulk_transport(const struct test *t)
{
    return t->load_transport ? t->load_transport : t->transport;
}

int test_is_latency(const struct test *t)
{
    return t->p.weir_latency.on;
}

int test_probe_count(const struct test *t)
{
    return test_is_latency(t) && t->p.weir_latency.load ? t->p.parallel : test_stream_count(t);
}

int test_stream_count(const struct test *t)
{
    int each = t->p.bidir ? 2 : 1;
    if (test_is_latency(t) && t->p.weir_latency.load)
        return t->p.parallel + (int)t->p.weir_latency.load * each;
    return t->p.parallel * each;
}

int test_num_streams(const struct test *t)
{
    if (test_is_latency(t) && t->p.weir_latency.load)
        return t->p.parallel + (int)t->p.weir_latency.load;
    return t->p.parallel;
}

int test_client_sends(const struct test *t, int i)
{
    int first_half = t->p.parallel;
    if (test_is_latency(t) && t->p.weir_latency.load) {
        if (i < t->p.parallel)
            return 1;           /* a probe stream: requests go client to server */
        i -= t->p.parallel;
        first_half = (int)t->p.weir_latency.load;
    }
    return t->p.bidir ? i < first_half : !t->p.reverse;
}

int test_take_rules(struct test *t)
{
    struct weir_stream_config cfg;
    test_stream_config(t, t->role == WEIR_ROLE_CLIENT ? test_client_sends(t, 0) : !test_client_sends(t, 0),
                       0, &cfg);
    int rc = transport_test_rules(t->transport, t->tglobal, &cfg, &t->rules);
    if (rc == WEIR_OK && t->role == WEIR_ROLE_CLIENT)
        t->p.weir_datagrams = (t->rules.caps & WEIR_CAP_DATAGRAM) &&
                              !(t->transport->transport->caps & WEIR_CAP_DATAGRAM);
    return rc;
}

int test_take_load_rules(struct test *t)
{
    struct weir_stream_config cfg;
    int i = test_probe_count(t);
    test_stream_config(t, t->role == WEIR_ROLE_CLIENT ? test_client_sends(t, i) : !test_client_sends(t, i), i, &cfg);
    return transport_test_rules(t->load_transport, t->load_tglobal, &cfg, &t->load_rules);
}

uint32_t test_stream_caps(const struct test *t, const struct stream *st)
{
    if (t->load_transport && st->tp == t->load_transport)
        return t->load_rules.struct_size ? t->load_rules.caps : t->load_transport->transport->caps;
    return test_caps(t);
}

const struct weir_test_rules *test_bulk_rules(const struct test *t)
{
    return t->load_transport ? &t->load_rules : &t->rules;
}

uint32_t test_bulk_caps(const struct test *t)
{
    if (t->load_transport)
        return t->load_rules.struct_size ? t->load_rules.caps : t->load_transport->transport->caps;
    return test_caps(t);
}

uint32_t test_caps(const struct test *t)
{
    /* Before test_take_rules: the descriptor's. */
    return t->rules.struct_size ? t->rules.caps : t->transport->transport->caps;
}

int test_carries_files(const struct test *t)
{
    return (test_caps(t) & WEIR_CAP_PAYLOAD) != 0;
}

void test_no_files_why(const struct test *t, char *buf, size_t len)
{
    const struct weir_plugin *p = t->transport;
    if ((p->transport->caps & WEIR_CAP_PAYLOAD) && (test_caps(t) & WEIR_CAP_DATAGRAM))
        snprintf(buf, len, "--transport %s in datagram mode cannot carry a file", p->name);
    else
        snprintf(buf, len, "--transport %s cannot carry a file", p->name);
}

int test_stream_file(struct test *t, int sending, struct weir_stream_config *cfg,
                     char *why, size_t whylen)
{
    if (!t->file)
        return WEIR_OK;
    if (!t->next_file && !(t->next_file = diskfile_open(t->file, sending, why, whylen)))
        return WEIR_E_FILE;
    cfg->payload = &t->next_file->payload;
    return WEIR_OK;
}

int test_is_datagram(const struct test *t)
{
    return (test_caps(t) & WEIR_CAP_DATAGRAM) != 0;
}

int test_has_retransmits(const struct test *t)
{
    for (int i = 0; i < t->n_streams; i++)
        if (t->streams[i].sending && (test_stream_caps(t, &t->streams[i]) & WEIR_CAP_RETRANSMITS))
            return 1;
    return 0;
}

void test_share_budget(struct test *t)
{
    /* iperf3's client ends a -n/-k test it receives once it has received
     * the amount, and iperf3's server sends on until that TEST_END. Over a
     * transport that loses data, a server stopping at the amount would
     * leave such a client waiting for what was lost: it sends on as
     * iperf3's does, unless the client takes ST_WEIR_SENT. A reliable
     * transport delivers it all, so the share stays exact there. */
    if (t->role == WEIR_ROLE_SERVER && !t->sender_done &&
        !(test_caps(t) & WEIR_CAP_RELIABLE))
        return;
    uint64_t total = t->p.blockcount;
    if (t->p.num)
        total = (t->p.num + t->p.len - 1) / t->p.len;
    int senders = 0;
    for (int i = 0; i < t->n_streams; i++)
        senders += t->streams[i].sending;
    /* -O: iperf3's client ends once it sent the amount after the omit
     * period (its sent count restarts there), but once it received the
     * amount in all, omit period included (its received count does not).
     * So a client's share starts at the omit end, a server's (-R) at the
     * start, and either end stops where the client's check is met. */
    int after_omit = t->role == WEIR_ROLE_CLIENT && t->p.omit > 0;
    for (int i = 0; i < t->n_streams && total && senders; i++)
        if (t->streams[i].sending) {
            t->streams[i].budget_blocks = (total + (uint64_t)senders - 1) / (uint64_t)senders;
            t->streams[i].budget_after_omit = after_omit;
        }
}

int test_sent_share(const struct test *t)
{
    int senders = 0;
    for (int i = 0; i < t->n_streams; i++) {
        const struct stream *st = &t->streams[i];
        if (!st->sending)
            continue;
        if (!st->budget_blocks || !atomic_load_explicit(&st->data_ended, memory_order_acquire))
            return 0;
        senders++;
    }
    return senders > 0;
}

void test_omit_check(struct test *t, uint64_t now)
{
    if (!t->omitting || now < t->running_since_ns + (uint64_t)t->p.omit * 1000000000u)
        return;
    t->omitting = 0;
    t->start_ns = now;
    t->interval_start_ns = now;
    cpu_mark_now(&t->cpu_start);
    for (int i = 0; i < t->n_streams; i++) {
        struct stream *st = &t->streams[i];
        st->at_omit = st->ctr;
        st->at_interval = st->ctr;
        st->retrans_omit = st->retrans_interval;
        atomic_store_explicit(&st->omit_ended, 1, memory_order_release);
    }
}
