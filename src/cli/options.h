/* Command line: iperf3's options plus weir's own (--transport, --reporter,
 * --plugin-dir, --loopback, --threads) and the options plugins declare.
 * Each of weir's options is an entry of the option table (optable.h),
 * which names its field here. */
#ifndef WEIR_OPTIONS_H
#define WEIR_OPTIONS_H

#include <stdint.h>
#include <sys/socket.h>

#define MAX_REPORTERS 8
#define MAX_COMPARE 8               /* --transport A,B,... */
#define MAX_PARALLEL_IPERF 128     /* what a plain iperf3 peer accepts */
#define MAX_PARALLEL 4096          /* weir <-> weir */

#define MAX_EXPORTER_ALLOW 64       /* --exporter-allow */

enum weir_mode { MODE_NONE, MODE_CLIENT, MODE_SERVER, MODE_LOOPBACK, MODE_EXPORTER };

struct settings {
    enum weir_mode mode;
    const char *host;            /* -c */
    uint16_t port;               /* -p, default 5201 */
    int family;                  /* -4 / -6 */
    const char *bind_host;       /* -B */
    uint16_t cport;              /* --cport */

    int duration;                /* -t, seconds */
    int duration_set;
    uint64_t bytes;              /* -n */
    uint64_t blocks;             /* -k */
    double interval;             /* -i */
    int parallel;                /* -P */
    int reverse;                 /* -R */
    int bidir;                   /* --bidir */
    int omit;                    /* -O */
    uint32_t blksize;            /* -l, 0 = transport default */
    uint64_t rate;               /* -b, bits/s per stream */
    int rate_set;
    int default_rate_off;        /* a comparison row without -b: a test
                                    whose transport has a default rate
                                    (udp, quic --quic-datagrams) runs
                                    unlimited */
    uint32_t burst;
    int pacing_timer;            /* --pacing-timer, µs */
    int window;                  /* -w */
    int mss;                     /* -M */
    int nodelay;                 /* -N */
    int tos;                     /* -S / --dscp, -1 unset */
    const char *congestion;      /* -C */
    const char *title;           /* -T */
    const char *extra_data;      /* --extra-data */
    int get_server_output;
    int udp_counters_64bit;
    int gsro;                    /* --gsro: ask for UDP GSO/GRO (iperf3 3.21 keys) */
    int repeating_payload;
    int dont_fragment;           /* --dont-fragment */
    uint64_t fq_rate;            /* --fq-rate, bits/s per stream, 0 = none */
    const char *bind_dev;        /* --bind-dev */
    const char *file;            /* -F: send from / receive into this file */
    int mptcp;                   /* -m: Multipath TCP sockets */
    int zerocopy;                /* -Z */
    int skip_rx_copy;            /* --skip-rx-copy */
    int notsent_lowat;           /* --tcp-notsent-lowat, bytes, 0 = the OS's */
    uint32_t flowlabel;          /* -L, 0 = none */
    int affinity;                /* -A n: this process's CPU, -1 = unset */
    int server_affinity;         /* -A n,m: the server's CPU for this test, -1 = unset */
    /* --latency (src/run/latency.c). */
    int latency;                 /* --latency: ping-pong probes, not bulk data */
    uint32_t latency_reply;      /* --latency-reply-size, bytes, 0 = the request's */
    double latency_rate;         /* --latency-rate, requests/s per stream, 0 = back to back */
    int latency_synced_clocks;   /* --latency-synced-clocks */
    int latency_busy_poll;       /* --busy-poll */
    int latency_same_host;       /* --loopback: both ends read one clock */
    int latency_load;            /* --load N: bulk streams beside the probes */
    const char *load_transport;  /* --load-transport NAME|PATH: theirs, NULL:
                                    the probes' (transport) */

    char format;                 /* -f */
    int verbose;                 /* -V */
    int json;                    /* -J */
    int json_stream;             /* --json-stream */
    int json_stream_full_output; /* --json-stream-full-output */
    int debug;                   /* -d */
    int help;                    /* -h: print the help and exit */
    const char *logfile;         /* --logfile */
    const char *timestamps;      /* --timestamps[=FORMAT] */
    int forceflush;
    int one_off;                 /* -1 */
    int max_tests;               /* --max-tests, 0 = unset (1, like iperf3) */
    int daemon;                  /* -D */
    const char *pidfile;         /* -I */
    int rcv_timeout_ms;          /* --rcv-timeout */
    int connect_timeout_ms;      /* --connect-timeout */
    /* Timeouts and server limits (src/proto/timeouts.c, src/roles/serverlimits.c). */
    int rcv_timeout_set;         /* --rcv-timeout given */
    int snd_timeout_ms;          /* --snd-timeout: TCP_USER_TIMEOUT, 0 = OS default */
    int cntl_ka;                 /* --cntl-ka: SO_KEEPALIVE on the control connection */
    int cntl_ka_idle;            /* its TCP_KEEPIDLE, TCP_KEEPINTVL (s) and */
    int cntl_ka_intvl;           /* TCP_KEEPCNT; 0 = the OS default */
    int cntl_ka_cnt;
    int idle_timeout_s;          /* --idle-timeout (server), 0 = none */
    int server_max_duration_s;   /* --server-max-duration, 0 = none */
    uint64_t server_bitrate_limit; /* --server-bitrate-limit, bits/s, 0 = none */
    int server_bitrate_window_s; /* its averaging window (default 5 s) */
    int threads;                 /* --threads, 0 = one per core */
    int tls_required;            /* --tls-required (server): refuse tests whose
                                    transport does not encrypt */

    const char *transport;       /* --transport NAME|PATH, -u; NULL: the
                                    client's is DEFAULT_TRANSPORT (loader.h) */
    /* --transport A,B,...: a comparison run, one test per transport, in
     * order; transport is then the first. The names point into
     * compare_buf. */
    const char *compare[MAX_COMPARE];
    int n_compare;
    char compare_buf[512];
    const char *reporters[MAX_REPORTERS]; /* --reporter NAME[:ARG] */
    int n_reporters;
    const char *plugin_dir;      /* --plugin-dir */

    /* Authentication (docs/protocol.md §10). */
    const char *username;        /* --username (client) */
    const char *rsa_public_key;  /* --rsa-public-key-path (client) */
    const char *rsa_private_key; /* --rsa-private-key-path (server) */
    const char *authorized_users;/* --authorized-users-path (server) */
    int skew_threshold;          /* --time-skew-threshold, seconds (server) */
    int use_pkcs1;               /* --use-pkcs1-padding (server; weir: client too) */

    /* weir --exporter (src/exporter). */
    const char *exporter_listen; /* --exporter [ADDR:]PORT */
    const char *exporter_config; /* --exporter-config FILE */
    const char *exporter_allow[MAX_EXPORTER_ALLOW]; /* --exporter-allow, in order */
    int n_exporter_allow;
    int dry_run;                 /* --dry-run: check, then exit */
};

/* Parse argv into s. Returns 0 to run, 1 when the program should exit 0
 * (help, version printed) and -1 on a usage error (message printed). */
int options_parse(int argc, char **argv, struct settings *s);

#endif
