/* The parameter JSON the client sends after PARAM_EXCHANGE (docs/protocol.md
 * §6): its keys, types, defaults and ranges are the option table's
 * (cli/optable.h). Built in the real client's key order; parsed and range
 * checked on the server with iperf3's error numbers, by the same checks as
 * the command line's. */
#ifndef WEIR_PARAMS_H
#define WEIR_PARAMS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct settings;

/* --latency, the weir_latency key (docs/protocol.md §11.11): an object
 * the table cannot describe, read and written by proto/latency_params.c. */
struct latency_params {
    int on;                     /* the key was sent */
    uint32_t request;           /* bytes of a request (= len) */
    uint32_t reply;             /* bytes of a reply */
    double rate;                /* requests per second per stream, 0 = back to back */
    /* --load: bulk streams after the probe streams (parallel of them, then
     * load of them each way; docs/protocol.md §11.11). */
    uint32_t load;              /* load streams per direction, 0 = none */
    uint32_t load_len;          /* their block size */
    double idle;                /* seconds of probes alone before they start */
    int busy_poll;              /* --busy-poll: both ends spin (SO_BUSY_POLL
                                   where the kernel lets them) */
    char load_transport[32];    /* --load-transport: the load streams'
                                   transport, "" = the probes' */
};

struct test_params {
    char wire_key[16];          /* the transport's protocol key, sent as
                                   {"KEY": true} (weir_transport_ops.wire_key);
                                   "": the client named none */
    int omit;
    int time;
    uint64_t num;
    uint64_t blockcount;
    int mss;
    int nodelay;
    int parallel;
    int reverse;
    int bidir;
    int window;
    uint32_t len;
    uint64_t bandwidth;
    uint64_t fqrate;            /* iperf3 --fq-rate, bits/s per stream (checked
                                   against --server-bitrate-limit only) */
    int notsent_lowat;          /* weir_notsent_lowat: bytes, 0 = the OS's */
    int pacing_timer;
    uint32_t burst;
    int tos;                    /* -1 unset */
    char *title;
    char *extra_data;
    char *congestion;
    int get_server_output;
    int udp_counters_64bit;
    /* iperf3 3.21 --gsro keys; -1 when absent. */
    int gso, gro;
    uint32_t gso_dg_size, gso_bf_size, gro_bf_size;
    int repeating_payload;
    int dont_fragment;          /* --dont-fragment */
    int zerocopy;               /* -Z */
    int skip_rx_copy;           /* --skip-rx-copy */
    uint32_t flowlabel;         /* -L, 0 = none */
    int server_affinity;        /* -A n,m: CPU for the server's threads, -1 = none */
    char *authtoken;            /* Base64 RSA token (docs/protocol.md §10), or NULL */
    char *client_version;
    /* weir extensions: only a weir peer sends or answers them. */
    char *weir_transport;       /* transport plugin name when not plain iperf3 */
    int weir_stream_tag;        /* the client can put the cookie in streams
                                   that iperf3 leaves anonymous (UDP) */
    int weir_sender_done;       /* the client, receiving -n/-k over a lossy
                                   transport, takes ST_WEIR_SENT (state.h) */
    int weir_datagrams;         /* the test moves iperf3's datagrams over a
                                   transport that also carries byte streams
                                   (WEIR_PARAM_DATAGRAMS: quic's
                                   --quic-datagrams) */
    struct latency_params weir_latency;
};

/* Frees the strings and zeroes p. */
void params_free(struct test_params *p);

/* Every parameter at its default: what a server assumes for a key the
 * client left out (iperf3's: time 10, parallel 1, ...). */
void params_defaults(struct test_params *p);

/* Client: the parameters its settings give, copied as the option table
 * pairs them. The rest is the client's to fill: wire_key, len and
 * bandwidth (the transport's defaults), the gso keys, weir's keys, the
 * token and the version. */
void params_from_settings(struct test_params *p, const struct settings *s);

/* Client: the JSON object to send. */
struct json_object *params_to_json(const struct test_params *p);

/* Whether a key the client sent as true names a transport whose protocol
 * key it is (the server asks its plugins). */
typedef int (*params_names_transport_fn)(const char *key, void *ctx);

/* Server: parse and check. Returns WEIR_OK, or an iperf3 error number with
 * detail (for the log) saying which key was wrong. wire_key becomes the
 * last key sent as true that is no parameter and names_transport accepts
 * (NULL: any), else the last such key, else "". The block size is checked
 * against the transport once the server knows it (optcheck_blksize). */
int params_from_json(struct json_object *obj, struct test_params *p,
                     params_names_transport_fn names_transport, void *ctx,
                     char *detail, size_t detail_len);

#endif
