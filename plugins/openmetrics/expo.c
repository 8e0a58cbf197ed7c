#include "expo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* Names follow Prometheus' conventions: weir_ prefix, base units (bytes,
 * seconds) as suffixes, ratios 0..1 as _ratio. HELP texts hold no \ or
 * newline, which the two formats would escape differently. */
static const struct {
    const char *name;
    const char *unit;           /* the # UNIT line's unit, or NULL */
    const char *help;
    const char *type;           /* NULL: gauge */
} families[OM_NFAMILIES] = {
    [OM_TEST_SUCCESS] = { "weir_test_success", NULL,
        "1 if the test ran to its end, 0 if it failed" },
    [OM_TEST_TIMESTAMP] = { "weir_test_start_timestamp_seconds", "seconds",
        "Unix time the test's control connection was made" },
    [OM_BYTES] = { "weir_transferred_bytes", "bytes",
        "Test data over the whole test: sent by the sender or received by the receiver" },
    [OM_RATE] = { "weir_throughput_bytes_per_second", "bytes_per_second",
        "Average rate over the test as the sender or the receiver measured it" },
    [OM_DURATION] = { "weir_duration_seconds", "seconds",
        "Time the sender or the receiver measured over" },
    [OM_RETRANSMITS] = { "weir_retransmits", NULL,
        "TCP segments the sender retransmitted (quic: packets declared lost)" },
    [OM_JITTER] = { "weir_jitter_seconds", "seconds",
        "Datagram transit time jitter the receiver measured (RFC 3550)" },
    [OM_PACKETS] = { "weir_packets", NULL,
        "Datagrams the sender sent, or the receiver expected (received and lost)" },
    [OM_LOST_PACKETS] = { "weir_lost_packets", NULL,
        "Datagrams the receiver never got" },
    [OM_LOSS] = { "weir_loss_ratio", "ratio",
        "Lost datagrams over expected datagrams (0 to 1)" },
    [OM_CPU] = { "weir_cpu_utilization_ratio", "ratio",
        "CPU time weir used on the client or the server over the test time (1 = one CPU)" },
    [OM_SETUP] = { "weir_setup_seconds", "seconds",
        "Connecting every data stream, handshakes included, measured by the client" },
    [OM_LATENCY] = { "weir_latency_seconds", "seconds",
        "Delays of the latency probes over the test: round trips, and one-way delays when both ends share a clock",
        "histogram" },
    [OM_LATENCY_PERCENTILE] = { "weir_latency_percentile_seconds", "seconds",
        "Percentiles of the probes' delays (within 1 percent)" },
    [OM_LATENCY_MIN] = { "weir_latency_min_seconds", "seconds", "Shortest delay of a probe" },
    [OM_LATENCY_MEAN] = { "weir_latency_mean_seconds", "seconds", "Mean delay of the probes" },
    [OM_LATENCY_MAX] = { "weir_latency_max_seconds", "seconds", "Longest delay of a probe" },
    [OM_LATENCY_STDDEV] = { "weir_latency_stddev_seconds", "seconds",
        "Standard deviation of the probes' delays" },
    [OM_LATENCY_SENT] = { "weir_latency_probes_sent", NULL, "Latency probes (requests) sent" },
    [OM_LATENCY_LOST] = { "weir_latency_probes_lost", NULL,
        "Latency probes given up on: no reply within the bound" },
    [OM_LATENCY_INCREASE_PERCENTILE] = { "weir_latency_increase_percentile_seconds", "seconds",
        "Round trip percentile under load minus the same percentile idle" },
    [OM_LATENCY_INCREASE_MEAN] = { "weir_latency_increase_mean_seconds", "seconds",
        "Mean round trip under load minus the mean idle" },
    [OM_RESPONSIVENESS] = { "weir_responsiveness_rpm", NULL,
        "Round trips per minute under load: 60 s over the mean of the loaded round trips without their slowest 5 percent" },
    [OM_LOAD_RATE] = { "weir_load_throughput_bytes_per_second", "bytes_per_second",
        "The load's rate as received, over the time it ran" },
    [OM_LOAD_SRTT_PERCENTILE] = { "weir_load_srtt_percentile_seconds", "seconds",
        "Percentiles of the load connections' smoothed RTT, the transport's own estimate sampled every 100 ms (in band)" },
    [OM_LOAD_SRTT_MAX] = { "weir_load_srtt_max_seconds", "seconds",
        "Largest smoothed RTT sampled on the load connections" },
    [OM_STREAM_INFO] = { "weir_stream_info", NULL,
        "What the transport said about a stream in text and yes or no: one label per fact, named by its key with _ in place of each dot" },
    [OM_FACT] = { "weir_stream_", NULL, "" },
};

char *om_escape(const char *value)
{
    size_t n = 1;
    for (const char *p = value; *p; p++)
        n += (*p == '\\' || *p == '"' || *p == '\n') ? 2 : 1;
    char *out = malloc(n);
    if (out == NULL)
        return NULL;
    char *q = out;
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"') {
            *q++ = '\\';
            *q++ = *p;
        } else if (*p == '\n') {
            *q++ = '\\';
            *q++ = 'n';
        } else {
            *q++ = *p;
        }
    }
    *q = '\0';
    return out;
}

/* A growing text buffer; on allocation failure it stops growing and
 * remembers that. */
struct buf {
    char *p;
    size_t len, cap;
    int failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void label(struct buf *b, const char *name, const char *value)
{
    if (value == NULL || *value == '\0')
        return;
    char *esc = om_escape(value);
    if (esc == NULL) {
        b->failed = 1;
        return;
    }
    if (b->len > 0)
        buf_str(b, ",");
    buf_str(b, name);
    buf_str(b, "=\"");
    buf_str(b, esc);
    buf_str(b, "\"");
    free(esc);
}

int om_add(struct om_set *set, enum om_family family, const struct om_labels *l,
           int test, double value)
{
    return om_add_part(set, family, "", l, test, value);
}

int om_add_part(struct om_set *set, enum om_family family, const char *suffix,
                const struct om_labels *l, int test, double value)
{
    struct buf b = { 0 };
    label(&b, "transport", l->transport);
    label(&b, "load_transport", l->load_transport);
    label(&b, "peer", l->peer);
    label(&b, "direction", l->direction);
    label(&b, "side", l->side);
    label(&b, "stream", l->stream);
    label(&b, "machine", l->machine);
    label(&b, "delay", l->delay);
    label(&b, "phase", l->phase);
    label(&b, "percentile", l->percentile);
    label(&b, "le", l->le);
    label(&b, "index", l->index);
    for (size_t i = 0; i < l->n_extra; i++)
        label(&b, l->extra[i].name, l->extra[i].value);
    buf_add(&b, "", 0);         /* allocates even when there is no label */
    char *transport = l->transport != NULL ? strdup(l->transport) : NULL;
    if (b.failed || (l->transport != NULL && transport == NULL)) {
        free(b.p);
        free(transport);
        return -1;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 32;
        struct om_sample *v = realloc(set->v, cap * sizeof *v);
        if (v == NULL) {
            free(b.p);
            free(transport);
            return -1;
        }
        set->v = v;
        set->cap = cap;
    }
    set->v[set->n++] = (struct om_sample){
        .name = NULL, .unit = NULL, .key = NULL,
        .family = family, .suffix = suffix, .labels = b.p, .transport = transport, .test = test, .value = value,
    };
    return 0;
}

int om_add_fact(struct om_set *set, const char *name, const char *unit, const char *key,
                const struct om_labels *l, int test, double value)
{
    char *n = strdup(name), *k = strdup(key);
    if (n == NULL || k == NULL || om_add(set, OM_FACT, l, test, value) != 0) {
        free(n);
        free(k);
        return -1;
    }
    struct om_sample *s = &set->v[set->n - 1];
    s->name = n;
    s->unit = unit;
    s->key = k;
    return 0;
}

static void free_sample(struct om_sample *s)
{
    free(s->labels);
    free(s->transport);
    free(s->name);
    free(s->key);
}

static void drop_where(struct om_set *set, int (*match)(const struct om_sample *, const void *),
                       const void *arg)
{
    size_t kept = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (match(&set->v[i], arg)) {
            free_sample(&set->v[i]);
        } else {
            set->v[kept++] = set->v[i];
        }
    }
    set->n = kept;
}

struct transport_before {
    const char *transport;
    int test;
};

static int is_transport_before(const struct om_sample *s, const void *arg)
{
    const struct transport_before *tb = arg;
    if (s->test >= tb->test)
        return 0;
    if (s->transport == NULL || tb->transport == NULL)
        return s->transport == tb->transport;
    return strcmp(s->transport, tb->transport) == 0;
}

void om_drop_transport(struct om_set *set, const char *transport, int test)
{
    struct transport_before tb = { transport, test };
    drop_where(set, is_transport_before, &tb);
}

static int is_family(const struct om_sample *s, const void *arg)
{
    return s->family == *(const enum om_family *)arg;
}

void om_drop_family(struct om_set *set, enum om_family family)
{
    drop_where(set, is_family, &family);
}

static int any(const struct om_sample *s, const void *arg)
{
    (void)s;
    (void)arg;
    return 1;
}

void om_clear(struct om_set *set)
{
    drop_where(set, any, NULL);
    free(set->v);
    set->v = NULL;
    set->cap = 0;
}

static void header(struct buf *b, const char *name, const char *help, const char *key,
                   const char *type, const char *unit)
{
    buf_str(b, "# HELP ");
    buf_str(b, name);
    buf_str(b, " ");
    buf_str(b, help);
    if (key != NULL) {
        buf_str(b, "Transport fact ");
        buf_str(b, key);
        buf_str(b, " of a stream");
        if (unit != NULL) {
            buf_str(b, ", in ");
            buf_str(b, unit);
        }
    }
    buf_str(b, ".\n# TYPE ");
    buf_str(b, name);
    buf_str(b, " ");
    buf_str(b, type ? type : "gauge");
    buf_str(b, "\n");
    if (unit != NULL) {
        buf_str(b, "# UNIT ");
        buf_str(b, name);
        buf_str(b, " ");
        buf_str(b, unit);
        buf_str(b, "\n");
    }
}

static void sample_line(struct buf *b, const char *name, const struct om_sample *s)
{
    char num[40];
    units_format_number(num, sizeof num, s->value);
    buf_str(b, name);
    buf_str(b, s->suffix);
    if (s->labels[0] != '\0') {
        buf_str(b, "{");
        buf_str(b, s->labels);
        buf_str(b, "}");
    }
    buf_str(b, " ");
    buf_str(b, num);
    buf_str(b, "\n");
}

/* The OM_FACT samples, one family per name in the order names first
 * appear; the full name is "weir_stream_" and the sample's. */
static void render_facts(struct buf *b, const struct om_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct om_sample *s = &set->v[i];
        if (s->family != OM_FACT)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = set->v[j].family == OM_FACT && strcmp(set->v[j].name, s->name) == 0;
        if (seen)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%s%s", families[OM_FACT].name, s->name);
        header(b, name, "", s->key, NULL, s->unit);
        for (size_t j = i; j < set->n; j++)
            if (set->v[j].family == OM_FACT && strcmp(set->v[j].name, s->name) == 0)
                sample_line(b, name, &set->v[j]);
    }
}

char *om_render(const struct om_set *set, size_t *len)
{
    struct buf b = { 0 };
    for (int f = 0; f < OM_NFAMILIES; f++) {
        if (f == OM_FACT) {
            render_facts(&b, set);
            continue;
        }
        int have = 0;
        for (size_t i = 0; i < set->n; i++) {
            const struct om_sample *s = &set->v[i];
            if ((int)s->family != f)
                continue;
            if (!have)
                header(&b, families[f].name, families[f].help, NULL, families[f].type, families[f].unit);
            have = 1;
            sample_line(&b, families[f].name, s);
        }
    }
    buf_str(&b, "# EOF\n");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
