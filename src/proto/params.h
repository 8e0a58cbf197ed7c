/* The parameter JSON the client sends after PARAM_EXCHANGE (docs/protocol.md §6):
 * building it in the real client's key order, and parsing plus range
 * checking it on the server with iperf3's error numbers. */
#ifndef WEIR_PARAMS_H
#define WEIR_PARAMS_H

#include <stdint.h>
#include <json-c/json.h>

struct test_params {
    char wire_key[16];          /* "tcp", "udp" */
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
};

void params_free(struct test_params *p);

/* Client: the JSON object to send. */
struct json_object *params_to_json(const struct test_params *p);

/* Server: parse and validate. Returns WEIR_OK or an iperf3 error number;
 * detail (for the log) says which key was wrong. max_parallel is the
 * server's stream limit. */
int params_from_json(struct json_object *obj, struct test_params *p, int max_parallel,
                     char *detail, size_t detail_len);

#endif
