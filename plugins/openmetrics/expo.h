/* The "openmetrics" reporter's metric families and the exposition text:
 * samples are collected in any order and written grouped by family, each
 * family once with its # HELP, # TYPE and # UNIT lines, then "# EOF".
 *
 * The text is OpenMetrics 1.0 and, at the same time, valid Prometheus text
 * format 0.0.4 (what node_exporter's textfile collector and
 * `promtool check metrics` read): every family is a gauge (a test's result
 * is a value, not a counter that grows across runs), so names carry no
 * _total suffix, and the Prometheus parser takes "# UNIT" and "# EOF" as
 * comments. --latency's delays are the one histogram (a distribution has
 * buckets; it is still one test's, not a counter across runs). */
#ifndef WEIR_EXPO_H
#define WEIR_EXPO_H

#include <stddef.h>

enum om_family {
    OM_TEST_SUCCESS,
    OM_TEST_TIMESTAMP,
    OM_BYTES,
    OM_RATE,
    OM_DURATION,
    OM_RETRANSMITS,
    OM_JITTER,
    OM_PACKETS,
    OM_LOST_PACKETS,
    OM_LOSS,
    OM_CPU,
    OM_SETUP,
    OM_LATENCY,                 /* a histogram: _bucket, _sum, _count */
    OM_LATENCY_PERCENTILE,
    OM_LATENCY_MIN,
    OM_LATENCY_MEAN,
    OM_LATENCY_MAX,
    OM_LATENCY_STDDEV,
    OM_LATENCY_SENT,
    OM_LATENCY_LOST,
    OM_LATENCY_INCREASE_PERCENTILE,     /* --load: loaded minus idle */
    OM_LATENCY_INCREASE_MEAN,
    OM_RESPONSIVENESS,
    OM_LOAD_RATE,
    OM_LOAD_SRTT_PERCENTILE,    /* --load: the load connections' own RTT */
    OM_LOAD_SRTT_MAX,
    OM_STREAM_INFO,             /* a stream's text facts as labels, value 1 */
    OM_FACT,                    /* a stream's numeric fact: one family per
                                   name, named by the sample (om_add_fact) */
    OM_NFAMILIES
};

/* The labels of one sample, written in this order; NULL or "" leaves a
 * label out (Prometheus treats an empty label as an absent one). */
struct om_labels {
    const char *transport;      /* tcp, udp, tls */
    const char *load_transport; /* --load: the load's (--load-transport) */
    const char *peer;           /* client: the server as given; server: the client */
    const char *direction;      /* upload (client to server), download */
    const char *side;           /* sender, receiver: whose count */
    const char *stream;         /* the stream's socket number, or "sum" */
    const char *machine;        /* client, server: whose CPU */
    const char *delay;          /* --latency: round_trip, client_to_server,
                                   server_to_client */
    const char *phase;          /* --load: idle, loaded (round trips of
                                   requests sent before / after the load
                                   started) */
    const char *percentile;     /* "50", "90", "99", "99.9" */
    const char *le;             /* a histogram bucket's bound ("+Inf") */
    const char *index;          /* a fact's key parts of digits ("4": the
                                   QUIC stream of quic.stream_bytes.4) */
    const struct om_label *extra; /* more labels, after these, in order */
    size_t n_extra;
};

struct om_label {
    const char *name;           /* [a-zA-Z_][a-zA-Z0-9_]*, not one above */
    const char *value;
};

struct om_sample {
    enum om_family family;
    const char *suffix;         /* after the family's name: a histogram's
                                   "_bucket", "_sum", "_count"; "" */
    char *labels;               /* rendered: name="escaped value",... */
    char *transport;            /* copy of the label, for om_drop_transport */
    char *name;                 /* OM_FACT: the family's name, else NULL */
    const char *unit;           /* OM_FACT: its # UNIT (static), or NULL */
    char *key;                  /* OM_FACT: the fact's key, for # HELP */
    int test;                   /* the test that made it */
    double value;
};

struct om_set {
    struct om_sample *v;
    size_t n, cap;
};

/* Returns 0, or -1 when out of memory (the sample is lost). */
int om_add(struct om_set *set, enum om_family family, const struct om_labels *l,
           int test, double value);
/* The same for one part of a histogram family (suffix: a static string);
 * a series' buckets are added in ascending le, then its _sum and _count. */
int om_add_part(struct om_set *set, enum om_family family, const char *suffix,
                const struct om_labels *l, int test, double value);
/* A sample of OM_FACT: family name, unit (a static string, or NULL) and
 * the fact's key it came from. */
int om_add_fact(struct om_set *set, const char *name, const char *unit, const char *key,
                const struct om_labels *l, int test, double value);
/* Forget the samples of tests before `test` with this transport label
 * (NULL: without one), so that no series appears twice when a comparison
 * run tests a transport again. */
void om_drop_transport(struct om_set *set, const char *transport, int test);
void om_drop_family(struct om_set *set, enum om_family family);
void om_clear(struct om_set *set);

/* The exposition text (malloc'd, NUL-terminated); NULL when out of memory. */
char *om_render(const struct om_set *set, size_t *len);

/* A label value escaped as both formats ask: \ " and newline as \\ \" \n.
 * malloc'd; NULL when out of memory. */
char *om_escape(const char *value);

#endif
