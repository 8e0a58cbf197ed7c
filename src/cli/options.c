#include "cli/options.h"
#include "cli/identity.h"
#include "proto/errors.h"
#include "host/host.h"
#include "host/loader.h"
#include "roles/serverlimits.h"
#include "proto/timeouts.h"
#include "units.h"
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Long-only options get values above the char range. */
enum {
    OPT_BIDIR = 1000, OPT_CPORT, OPT_DSCP, OPT_TITLE_UNUSED, OPT_EXTRA_DATA,
    OPT_GET_SERVER_OUTPUT, OPT_UDP64, OPT_REPEATING, OPT_LOGFILE, OPT_TIMESTAMPS,
    OPT_FORCEFLUSH, OPT_RCV_TIMEOUT, OPT_CONNECT_TIMEOUT, OPT_JSON_STREAM,
    OPT_LOOPBACK, OPT_TRANSPORT, OPT_REPORTER, OPT_PLUGIN_DIR, OPT_THREADS,
    OPT_PACING_TIMER, OPT_GSRO, OPT_USERNAME, OPT_RSA_PUB, OPT_RSA_PRIV,
    OPT_AUTH_USERS, OPT_SKEW, OPT_PKCS1, OPT_LIST_PLUGINS, OPT_MAX_TESTS,
    OPT_SND_TIMEOUT, OPT_CNTL_KA, OPT_IDLE_TIMEOUT, OPT_SERVER_MAX_DURATION,
    OPT_SERVER_BITRATE_LIMIT, OPT_DONT_FRAGMENT, OPT_FQ_RATE, OPT_BIND_DEV, OPT_SKIP_RX_COPY,
    OPT_TLS_REQUIRED,
    OPT_JSON_STREAM_FULL_OUTPUT,
    OPT_PLUGIN_BASE = 2000
};

static const struct option core_options[] = {
    { "port", required_argument, NULL, 'p' },
    { "format", required_argument, NULL, 'f' },
    { "interval", required_argument, NULL, 'i' },
    { "one-off", no_argument, NULL, '1' },
    { "max-tests", required_argument, NULL, OPT_MAX_TESTS },
    { "daemon", no_argument, NULL, 'D' },
    { "pidfile", required_argument, NULL, 'I' },
    { "verbose", no_argument, NULL, 'V' },
    { "json", no_argument, NULL, 'J' },
    { "json-stream", no_argument, NULL, OPT_JSON_STREAM },
    { "json-stream-full-output", no_argument, NULL, OPT_JSON_STREAM_FULL_OUTPUT },
    { "version", no_argument, NULL, 'v' },
    { "server", no_argument, NULL, 's' },
    { "client", required_argument, NULL, 'c' },
    { "udp", no_argument, NULL, 'u' },
    { "bitrate", required_argument, NULL, 'b' },
    { "bandwidth", required_argument, NULL, 'b' },
    { "time", required_argument, NULL, 't' },
    { "bytes", required_argument, NULL, 'n' },
    { "blockcount", required_argument, NULL, 'k' },
    { "length", required_argument, NULL, 'l' },
    { "parallel", required_argument, NULL, 'P' },
    { "reverse", no_argument, NULL, 'R' },
    { "bidir", no_argument, NULL, OPT_BIDIR },
    { "window", required_argument, NULL, 'w' },
    { "bind", required_argument, NULL, 'B' },
    { "cport", required_argument, NULL, OPT_CPORT },
    { "set-mss", required_argument, NULL, 'M' },
    { "no-delay", no_argument, NULL, 'N' },
    { "version4", no_argument, NULL, '4' },
    { "version6", no_argument, NULL, '6' },
    { "tos", required_argument, NULL, 'S' },
    { "dscp", required_argument, NULL, OPT_DSCP },
    { "omit", required_argument, NULL, 'O' },
    { "title", required_argument, NULL, 'T' },
    { "extra-data", required_argument, NULL, OPT_EXTRA_DATA },
    { "congestion", required_argument, NULL, 'C' },
    { "linux-congestion", required_argument, NULL, 'C' },
    { "get-server-output", no_argument, NULL, OPT_GET_SERVER_OUTPUT },
    { "udp-counters-64bit", no_argument, NULL, OPT_UDP64 },
    { "gsro", no_argument, NULL, OPT_GSRO },
    { "repeating-payload", no_argument, NULL, OPT_REPEATING },
    { "dont-fragment", no_argument, NULL, OPT_DONT_FRAGMENT },
    { "fq-rate", required_argument, NULL, OPT_FQ_RATE },
    { "bind-dev", required_argument, NULL, OPT_BIND_DEV },
    { "affinity", required_argument, NULL, 'A' },
    { "zerocopy", no_argument, NULL, 'Z' },
    { "file", required_argument, NULL, 'F' },
    { "mptcp", no_argument, NULL, 'm' },
    { "flowlabel", required_argument, NULL, 'L' },
    { "skip-rx-copy", no_argument, NULL, OPT_SKIP_RX_COPY },
    { "logfile", required_argument, NULL, OPT_LOGFILE },
    { "timestamps", optional_argument, NULL, OPT_TIMESTAMPS },
    { "forceflush", no_argument, NULL, OPT_FORCEFLUSH },
    { "rcv-timeout", required_argument, NULL, OPT_RCV_TIMEOUT },
    { "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
    { "snd-timeout", required_argument, NULL, OPT_SND_TIMEOUT },
    { "cntl-ka", optional_argument, NULL, OPT_CNTL_KA },
    { "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
    { "server-max-duration", required_argument, NULL, OPT_SERVER_MAX_DURATION },
    { "server-bitrate-limit", required_argument, NULL, OPT_SERVER_BITRATE_LIMIT },
    { "tls-required", no_argument, NULL, OPT_TLS_REQUIRED },
    { "pacing-timer", required_argument, NULL, OPT_PACING_TIMER },
    { "debug", no_argument, NULL, 'd' },
    { "help", no_argument, NULL, 'h' },
    { "loopback", no_argument, NULL, OPT_LOOPBACK },
    { "transport", required_argument, NULL, OPT_TRANSPORT },
    { "reporter", required_argument, NULL, OPT_REPORTER },
    { "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "list-plugins", no_argument, NULL, OPT_LIST_PLUGINS },
    { "username", required_argument, NULL, OPT_USERNAME },
    { "rsa-public-key-path", required_argument, NULL, OPT_RSA_PUB },
    { "rsa-private-key-path", required_argument, NULL, OPT_RSA_PRIV },
    { "authorized-users-path", required_argument, NULL, OPT_AUTH_USERS },
    { "time-skew-threshold", required_argument, NULL, OPT_SKEW },
    { "use-pkcs1-padding", no_argument, NULL, OPT_PKCS1 },
};
#define N_CORE_OPTIONS (sizeof core_options / sizeof core_options[0])
#define MAX_PLUGIN_OPTIONS 64

static const char short_options[] = "p:f:i:1DI:VJvsc:ub:t:n:k:l:P:Rw:B:M:N46S:O:T:C:A:ZL:F:mdh";

static void usage_hint(void)
{
    fprintf(stderr, "Usage: weir [-s|-c host] [options]\n"
                    "Try `weir --help' for more information.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: error - ", identity_name());
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    usage_hint();
    return -1;
}

static void print_plugin_options(const struct weir_plugin *p)
{
    if (!p || !p->options || !p->options[0].name)
        return;
    printf("\n%s %s options (%s):\n", p->name,
           p->kind == WEIR_PLUGIN_TRANSPORT ? "transport" : "reporter", p->description);
    for (const struct weir_option *o = p->options; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-28s %s\n", left, o->help ? o->help : "");
    }
}

static void print_help(const struct weir_plugin *const *plugins, int n)
{
    printf(
"Usage: weir [-s|-c host] [options]\n"
"       weir [-h|--help] [-v|--version]\n"
"       weir --loopback [client options]\n"
"\n"
"Server or Client:\n"
"  -p, --port      #         server port to listen on/connect to\n"
"  -f, --format   [kmgtKMGT] format to report: Kbits, Mbits, Gbits, Tbits\n"
"  -i, --interval  #         seconds between periodic throughput reports\n"
"  -V, --verbose             more detailed output\n"
"  -J, --json                output in JSON format\n"
"  --json-stream             output in line-delimited JSON format\n"
"  --json-stream-full-output\n"
"                            with --json-stream: each test's whole JSON\n"
"                            document (-J) after its lines\n"
"  --logfile f               send output to a log file (a server reopens it on SIGHUP)\n"
"  --forceflush              force flushing output at every interval\n"
"  --timestamps<=format>     emit a timestamp at the start of each output line\n"
"  --rcv-timeout #           idle timeout for receiving data (default 120000 ms;\n"
"                            a client only in receiving mode, -R or --bidir)\n"
"  --snd-timeout #           timeout for unacknowledged TCP data on the control\n"
"                            and data connections (ms, default: the OS's)\n"
"  --cntl-ka<=#/#/#>         TCP keepalive on the control connection, with\n"
"                            optional idle/interval/count (s/s/probes; empty\n"
"                            fields keep the OS defaults)\n"
"  -A, --affinity n/n,m      set CPU affinity (n: this process; m: the server's\n"
"                            threads for this test)\n"
"  --bind-dev <dev>          bind sockets to the network interface <dev>\n"
"                            (SO_BINDTODEVICE)\n"
"  -F, --file name           xmit/recv the specified file (byte-stream\n"
"                            transports: tcp, tls)\n"
"  -m, --mptcp               use MPTCP rather than plain TCP (client: the\n"
"                            control and data connections; server: listen)\n"
"  -d, --debug               emit debugging output\n"
"  -v, --version             show version information and quit\n"
"  -h, --help                show this message and quit\n"
"  --transport NAME|PATH.so  data transport plugin (default tcp; -u = udp);\n"
"                            a list A,B,... runs one test per transport and\n"
"                            compares them side by side\n"
"  --reporter NAME[:ARG]     output plugin, repeatable (text, json, json-stream,\n"
"                            csv, openmetrics, svg; --list-plugins for all)\n"
"  --plugin-dir DIR          look for plugins in DIR first\n"
"  --list-plugins            list the transports and reporters found, then quit\n"
"  --threads N               data worker threads (default: one per core)\n"
"Server specific:\n"
"  -s, --server              run in server mode\n"
"  -1, --one-off             handle one client connection then exit\n"
"  --max-tests N             run up to N tests at once (1 to 128, default 1: a\n"
"                            second client is told the server is busy)\n"
"  -D, --daemon              run the server as a daemon (the command returns once it\n"
"                            listens; output goes to --logfile, else nowhere)\n"
"  -I, --pidfile file        write the server's PID to file, remove it on exit, and\n"
"                            refuse to start while another live server holds it\n"
"  --idle-timeout #          listen afresh after # seconds without a client (with\n"
"                            -1: exit); a client setting up a test may also be\n"
"                            silent at most that long (default: no timeout)\n"
"  --server-max-duration #   refuse tests longer than # seconds (time + omit) and\n"
"                            tests without a time limit (-n, -k)\n"
"  --server-bitrate-limit #[KMG][/#]  refuse tests asking for more than # bits/sec\n"
"                            in total, and end those whose average rate over\n"
"                            the last /# seconds (default 5) exceeds it\n"
"  --tls-required            serve only encrypted tests (with --transport tls):\n"
"                            refuse plain TCP and UDP clients, iperf3's included\n"
"  --rsa-private-key-path    path to the RSA private key (PEM, no passphrase) used to\n"
"                            decrypt authentication credentials\n"
"  --authorized-users-path   path to the file of authorized users (username,sha256hex)\n"
"  --time-skew-threshold #   time skew threshold (seconds) between server and client\n"
"                            during authentication (default 10)\n"
"  --use-pkcs1-padding       also accept PKCS#1 v1.5 padded credentials (iperf3 <= 3.16\n"
"                            clients); on a client: send them (iperf3 <= 3.16 servers)\n"
"Client specific:\n"
"  -c, --client    <host>    run in client mode, connecting to <host>\n"
"  --loopback                run a server on 127.0.0.1 in this process and test against it\n"
"  -u, --udp                 use UDP rather than TCP\n"
"  -b, --bitrate #[KMG][/#]  target bitrate in bits/sec (0 for unlimited)\n"
"  --pacing-timer #          iperf3's pacing timer in microseconds (default 1000),\n"
"                            sent to the server: an iperf3 server paces what it\n"
"                            sends (-R, --bidir) in such steps; weir ignores it\n"
"  -t, --time      #         time in seconds to transmit for (default 10 secs)\n"
"  -n, --bytes     #[KMG]    number of bytes to transmit (instead of -t)\n"
"  -k, --blockcount #[KMG]   number of blocks (packets) to transmit (instead of -t or -n)\n"
"  -l, --length    #[KMG]    length of buffer to read or write\n"
"  --cport         <port>    bind to a specific client port (TCP and UDP)\n"
"  -P, --parallel  #         number of parallel client streams to run\n"
"  -R, --reverse             run in reverse mode (server sends, client receives)\n"
"  --bidir                   run in bidirectional mode\n"
"  -w, --window    #[KMG]    set send/receive socket buffer sizes\n"
"  -B, --bind      <host>    bind to the interface associated with the address <host>\n"
"  -C, --congestion <algo>   set TCP congestion control algorithm\n"
"  -M, --set-mss   #         set TCP/SCTP maximum segment size (MTU - 40 bytes)\n"
"  -N, --no-delay            set TCP/SCTP no delay, disabling Nagle's Algorithm\n"
"  -4, --version4            only use IPv4\n"
"  -6, --version6            only use IPv6\n"
"  -S, --tos N               set the IP type of service, 0-255\n"
"  -L, --flowlabel N         set IPv6 flow label (TCP, IPv6 only)\n"
"  --dscp N or --dscp val    set the IP dscp value, 0-63 or symbolic\n"
"  -O, --omit N              perform pre-test for N seconds and omit the pre-test statistics\n"
"  -T, --title str           prefix every output line with this string\n"
"  --extra-data str          data string to include in client and server JSON\n"
"  --get-server-output       get results from server\n"
"  --udp-counters-64bit      use 64-bit counters in UDP test packets\n"
"  --gsro                    ask for UDP GSO/GRO on both ends (iperf3 3.21's keys)\n"
"  --repeating-payload       use repeating pattern in payload, instead of randomized payload\n"
"  --dont-fragment           set IPv4 Don't Fragment flag (UDP; larger datagrams\n"
"                            than the path MTU then fail instead of fragmenting)\n"
"  --fq-rate #[KMG]          pace each stream to at most # bits/sec in the kernel\n"
"                            (SO_MAX_PACING_RATE)\n"
"  -Z, --zerocopy            use a 'zero copy' method of sending data (TCP: sendfile)\n"
"  --skip-rx-copy            ignore received messages using MSG_TRUNC option (TCP)\n"
"  --connect-timeout #       timeout for control connection setup (ms)\n"
"  --username <name>         username for authentication (password from\n"
"                            $IPERF3_PASSWORD, $WEIR_PASSWORD or a prompt)\n"
"  --rsa-public-key-path     path to the RSA public key (PEM \"PUBLIC KEY\") used to\n"
"                            encrypt authentication credentials\n");
    for (int i = 0; i < n; i++)
        print_plugin_options(plugins[i]);
}

/* DSCP: 0-63 or a symbolic name; returns the TOS byte or -1. */
static int parse_dscp(const char *v)
{
    static const struct { const char *name; int dscp; } names[] = {
        { "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 }, { "cs4", 32 }, { "cs5", 40 },
        { "cs6", 48 }, { "cs7", 56 }, { "af11", 10 }, { "af12", 12 }, { "af13", 14 },
        { "af21", 18 }, { "af22", 20 }, { "af23", 22 }, { "af31", 26 }, { "af32", 28 },
        { "af33", 30 }, { "af41", 34 }, { "af42", 36 }, { "af43", 38 }, { "ef", 46 },
        { "va", 44 },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(v, names[i].name) == 0)
            return names[i].dscp << 2;
    char *end;
    long d = strtol(v, &end, 0);
    if (*v == '\0' || *end != '\0' || d < 0 || d > 63)
        return -1;
    return (int)d << 2;
}

static int parse_long(const char *v, long min, long max, long *out)
{
    char *end;
    if (v == NULL || *v == '\0')
        return -1;
    long x = strtol(v, &end, 0);
    if (*end != '\0' || x < min || x > max)
        return -1;
    *out = x;
    return 0;
}

/* -A n (this process) or n,m (and the server's threads for the test),
 * read as iperf3 reads it: n is the number the text starts with and the
 * rest up to a comma is ignored (so the help's "n/n" form gives n); m is
 * what follows the first comma, atoi-style (no digits: CPU 0). */
static int parse_affinity(const char *v, struct weir_settings *s)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 0);
    if (end == v || errno == ERANGE || n < 0 || n > 1024)
        return -1;
    long m = -1;
    const char *comma = strchr(v, ',');
    if (comma) {
        errno = 0;
        m = strtol(comma + 1, NULL, 10);
        if (errno == ERANGE || m < 0 || m > 1024)
            return -1;
    }
    s->affinity = (int)n;
    s->server_affinity = (int)m;
    return 0;
}

/* First pass: which plugins does this command line name? They are loaded
 * before parsing so their options can be parsed too. */
static void prescan(int argc, char **argv, struct weir_settings *s)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--plugin-dir") == 0 && next)
            s->plugin_dir = next;
        else if (strncmp(a, "--plugin-dir=", 13) == 0)
            s->plugin_dir = a + 13;
        else if (strcmp(a, "--transport") == 0 && next)
            s->transport = next;
        else if (strncmp(a, "--transport=", 12) == 0)
            s->transport = a + 12;
    }
}

static int load_plugin_list(struct weir_settings *s, const struct weir_plugin **plugins, int *n)
{
    char err[1024];
    *n = 0;
    if (s->mode != MODE_SERVER || s->transport) {
        int n_transports = s->n_compare ? s->n_compare : 1;
        for (int i = 0; i < n_transports; i++) {
            const char *name = s->n_compare ? s->compare[i] : s->transport ? s->transport : "tcp";
            const struct weir_plugin *t = loader_load(name, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
            if (!t) {
                fprintf(stderr, "%s: error - %s\n", identity_name(), err);
                return -1;
            }
            int seen = 0;
            for (int k = 0; k < *n; k++)
                seen |= plugins[k] == t;
            if (!seen)
                plugins[(*n)++] = t;
        }
    }
    for (int i = 0; i < s->n_reporters; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s", s->reporters[i]);
        char *colon = strchr(name, ':');
        if (colon)
            *colon = '\0';
        const struct weir_plugin *r = loader_load(name, WEIR_PLUGIN_REPORTER, err, sizeof err);
        if (!r) {
            fprintf(stderr, "%s: error - %s\n", identity_name(), err);
            return -1;
        }
        plugins[(*n)++] = r;
    }
    return 0;
}

/* Puts reporter name at index at of the list. */
static int insert_reporter(struct weir_settings *s, int at, const char *name)
{
    if (s->n_reporters == MAX_REPORTERS)
        return usage_error("too many --reporter options (at most %s)", "8");
    memmove(&s->reporters[at + 1], &s->reporters[at],
            (size_t)(s->n_reporters - at) * sizeof s->reporters[0]);
    s->reporters[at] = name;
    s->n_reporters++;
    return 0;
}

/* Index of a --reporter NAME without a file argument, or -1. */
static int stdout_reporter_index(const struct weir_settings *s, const char *name)
{
    for (int i = 0; i < s->n_reporters; i++)
        if (strcmp(s->reporters[i], name) == 0)
            return i;
    return -1;
}

/* Standard output always gets a reporter: the one -J / --json-stream /
 * neither asks for (json, json-stream, text; --json-stream wins over -J,
 * as in iperf3), unless a --reporter without a file argument already
 * writes there. So `--reporter csv:run.csv` keeps the text output, and
 * `-J --reporter svg:run.svg` the JSON. */
static int add_stdout_reporter(struct weir_settings *s)
{
    const char *want = s->json_stream ? "json-stream" : s->json ? "json" : "text";
    int to_stdout = 0;
    for (int i = 0; i < s->n_reporters; i++)
        to_stdout |= strchr(s->reporters[i], ':') == NULL;
    int wanted = stdout_reporter_index(s, want) >= 0;
    /* First, so that --get-server-output captures the stdout reporter. */
    if (!(to_stdout && !s->json && !s->json_stream) && !wanted && insert_reporter(s, 0, want))
        return -1;
    /* --json-stream-full-output (iperf3 3.21): the json reporter's whole
     * document follows each test's event lines, on the same output; it
     * comes after json-stream so that its test_finish writes last. */
    int lines = stdout_reporter_index(s, "json-stream");
    if (s->json_stream && s->json_stream_full_output && lines >= 0 &&
        stdout_reporter_index(s, "json") < 0)
        return insert_reporter(s, lines + 1, "json");
    return 0;
}

/* --transport A,B,...: split the list into s->compare. A single name is
 * an ordinary run (n_compare 0). */
static int split_transports(struct weir_settings *s)
{
    s->n_compare = 0;
    if (!s->transport || !strchr(s->transport, ','))
        return 0;
    if (strlen(s->transport) >= sizeof s->compare_buf)
        return usage_error("transport list too long: '%s'", s->transport);
    strcpy(s->compare_buf, s->transport);
    for (char *save = NULL, *name = strtok_r(s->compare_buf, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        if (s->n_compare == MAX_COMPARE)
            return usage_error("at most %s transports can be compared", "8");
        s->compare[s->n_compare++] = name;
    }
    /* strtok_r skips empty fields: count commas to refuse "tcp,,udp". */
    int commas = 0;
    for (const char *c = s->transport; *c; c++)
        commas += *c == ',';
    if (commas + 1 != s->n_compare)
        return usage_error("empty name in transport list '%s'", s->transport);
    s->transport = s->compare[0];
    return 0;
}

static void defaults(struct weir_settings *s)
{
    memset(s, 0, sizeof *s);
    s->port = 5201;
    s->family = AF_UNSPEC;
    s->duration = 10;
    s->interval = 1.0;
    s->parallel = 1;
    s->tos = -1;
    s->affinity = -1;
    s->server_affinity = -1;
    s->format = 'a';
    s->pacing_timer = 1000;
    s->rcv_timeout_ms = 120000;
}

/* getopt_long, naming the program as weir's other error lines do ("weir",
 * or "iperf3" under that name) whatever the path it was started by (getopt
 * takes the name from argv[0]). */
static int next_option(int argc, char **argv, const char *opts, const struct option *longopts,
                       int *idx)
{
    char *argv0 = argv[0];
    argv[0] = (char *)identity_name();
    int c = getopt_long(argc, argv, opts, longopts, idx);
    argv[0] = argv0;
    return c;
}

int options_parse(int argc, char **argv, struct weir_settings *s)
{
    defaults(s);
    prescan(argc, argv, s);
    loader_set_plugin_dir(s->plugin_dir);

    /* Long options of plugins named on the command line, appended to ours. */
    struct option longopts[N_CORE_OPTIONS + MAX_PLUGIN_OPTIONS + 1];
    const struct weir_option *plugin_opts[MAX_PLUGIN_OPTIONS];
    memcpy(longopts, core_options, sizeof core_options);
    size_t n_long = N_CORE_OPTIONS;
    int want_help = 0;

    /* Pass 0 does not know the plugins' options yet, so it must not
     * permute argv ("-" first: non-options come back in place as 1): a
     * plugin option's separate value would be moved away from it. */
    char in_order[sizeof short_options + 1] = "-";
    strcat(in_order, short_options);

    /* Mode and reporters first (cheap), then load, then the full parse. */
    for (int pass = 0; pass < 2; pass++) {
        optind = 0;             /* 0, not 1: glibc re-reads the ordering mode */
        /* Pass 1 knows every option: getopt's own complaints are iperf3's
         * ("weir: option requires an argument -- 'c'"). */
        opterr = pass == 1;
        longopts[n_long] = (struct option){ 0 };
        int c, idx;
        while ((c = next_option(argc, argv, pass == 0 ? in_order : short_options, longopts, &idx)) != -1) {
            if (pass == 0) {
                switch (c) {
                case 's': s->mode = s->mode == MODE_NONE || s->mode == MODE_SERVER ? MODE_SERVER : -1; break;
                case 'c': s->mode = s->mode == MODE_NONE || s->mode == MODE_CLIENT ? MODE_CLIENT : -1; s->host = optarg; break;
                case OPT_LOOPBACK: s->mode = s->mode == MODE_NONE ? MODE_LOOPBACK : -1; break;
                case 'u': s->transport = "udp"; break;
                case OPT_TRANSPORT: s->transport = optarg; break;
                case 'J': s->json = 1; break;
                case OPT_JSON_STREAM: s->json_stream = 1; break;
                case OPT_JSON_STREAM_FULL_OUTPUT: s->json_stream_full_output = 1; break;
                case 'h': want_help = 1; break;
                case OPT_REPORTER:
                    if (s->n_reporters == MAX_REPORTERS)
                        return usage_error("too many --reporter options (at most %s)", "8");
                    s->reporters[s->n_reporters++] = optarg;
                    break;
                default: break;
                }
                continue;
            }
            long v;
            uint64_t u;
            switch (c) {
            case 's': case 'c': case 'u': case 'J': case OPT_JSON_STREAM: case 'h':
            case OPT_JSON_STREAM_FULL_OUTPUT:
            case OPT_REPORTER: case OPT_LOOPBACK: case OPT_PLUGIN_DIR: case OPT_TRANSPORT:
                break;
            case 'p':
                if (parse_long(optarg, 1, 65535, &v))
                    return usage_error("port number must be between 1 and 65535 inclusive (got '%s')", optarg);
                s->port = (uint16_t)v;
                break;
            case 'f':
                if (strlen(optarg) != 1 || !units_valid(optarg[0]))
                    return usage_error("bad format specifier '%s' (valid formats are in the set [kmgtKMGT])", optarg);
                s->format = optarg[0];
                break;
            case 'i': {
                char *end;
                double d = strtod(optarg, &end);
                if (*end != '\0' || !isfinite(d) || (d != 0 && (d < 0.1 || d > 60)))
                    return usage_error("invalid report interval '%s' (min = 0.1, max = 60 seconds)", optarg);
                s->interval = d;
                break;
            }
            case '1': s->one_off = 1; break;
            case 'D': s->daemon = 1; break;
            case 'I': s->pidfile = optarg; break;
            case 'V': s->verbose = 1; break;
            case 'v':
                identity_print_version(stdout);
                return 1;
            case OPT_LIST_PLUGINS:
                loader_list(stdout);
                return 1;
            case 'b': {
                char buf[64];
                snprintf(buf, sizeof buf, "%s", optarg);
                char *slash = strchr(buf, '/');
                if (slash) {
                    *slash = '\0';
                    if (parse_long(slash + 1, 1, 1000, &v))
                        return usage_error("invalid burst count in '%s' (maximum = 1000)", optarg);
                    s->burst = (uint32_t)v;
                }
                if (units_parse_rate(buf, &u))
                    return usage_error("invalid unit value or suffix: '%s'", optarg);
                s->rate = u;
                s->rate_set = 1;
                break;
            }
            case 't':
                if (parse_long(optarg, 0, 86400, &v))
                    return usage_error("test duration valid values are 0 to 86400 seconds (got '%s')", optarg);
                s->duration = (int)v;
                s->duration_set = 1;
                break;
            case 'n':
                if (units_parse_size(optarg, &u))
                    return usage_error("invalid unit value or suffix: '%s'", optarg);
                s->bytes = u;
                break;
            case 'k':
                if (units_parse_size(optarg, &u))
                    return usage_error("invalid unit value or suffix: '%s'", optarg);
                s->blocks = u;
                break;
            case 'l':
                if (units_parse_size(optarg, &u) || u == 0 || u > 1048576)
                    return usage_error("block size invalid: '%s' (minimum = 1 byte, maximum = 1048576 bytes)", optarg);
                s->blksize = (uint32_t)u;
                break;
            case 'P':
                if (parse_long(optarg, 1, MAX_PARALLEL, &v))
                    return usage_error("invalid number of parallel streams '%s' (min = 1, max = 4096)", optarg);
                s->parallel = (int)v;
                break;
            case 'R': s->reverse = 1; break;
            case OPT_BIDIR: s->bidir = 1; break;
            case 'w':
                if (units_parse_size(optarg, &u) || u > 536870912)
                    return usage_error("socket buffer size invalid: '%s' (maximum = 536870912 bytes)", optarg);
                s->window = (int)u;
                break;
            case 'B': s->bind_host = optarg; break;
            case OPT_CPORT:
                if (parse_long(optarg, 1, 65535, &v))
                    return usage_error("port number must be between 1 and 65535 inclusive (got '%s')", optarg);
                s->cport = (uint16_t)v;
                break;
            case 'M':
                if (parse_long(optarg, 1, 32767, &v))
                    return usage_error("TCP MSS invalid: '%s' (maximum = 32767 bytes)", optarg);
                s->mss = (int)v;
                break;
            case 'N': s->nodelay = 1; break;
            case '4': s->family = AF_INET; break;
            case '6': s->family = AF_INET6; break;
            case 'S':
                if (parse_long(optarg, 0, 255, &v))
                    return usage_error("bad TOS value '%s' (must be between 0 and 255 inclusive)", optarg);
                s->tos = (int)v;
                break;
            case OPT_DSCP:
                if ((s->tos = parse_dscp(optarg)) < 0)
                    return usage_error("bad DSCP value '%s' (numeric 0-63, or af11-43, cs0-7, ef, va)", optarg);
                break;
            case 'O':
                if (parse_long(optarg, 0, 600, &v))
                    return usage_error("bogus value for --omit: '%s' (maximum = 600 seconds)", optarg);
                s->omit = (int)v;
                break;
            case 'T': s->title = optarg; break;
            case OPT_EXTRA_DATA: s->extra_data = optarg; break;
            case 'C': s->congestion = optarg; break;
            case OPT_GET_SERVER_OUTPUT: s->get_server_output = 1; break;
            case OPT_UDP64: s->udp_counters_64bit = 1; break;
            case OPT_GSRO: s->gsro = 1; break;
            case OPT_REPEATING: s->repeating_payload = 1; break;
            case OPT_DONT_FRAGMENT: s->dont_fragment = 1; break;
            case OPT_FQ_RATE:
                if (units_parse_rate(optarg, &u))
                    return usage_error("invalid unit value or suffix: '%s'", optarg);
                s->fq_rate = u;
                break;
            case OPT_BIND_DEV: s->bind_dev = optarg; break;
            case 'Z': s->zerocopy = 1; break;
            case 'F': s->file = optarg; break;
            case 'm': s->mptcp = 1; break;
            case 'L':
                if (parse_long(optarg, 1, 0xFFFFF, &v))
                    return usage_error("bad IPv6 flow label '%s' (1 to 1048575)", optarg);
                s->flowlabel = (uint32_t)v;
                break;
            case OPT_SKIP_RX_COPY: s->skip_rx_copy = 1; break;
            case 'A':
                if (parse_affinity(optarg, s))
                    return usage_error("bad CPU affinity '%s' (n or n,m: CPU numbers from 0 to 1024)", optarg);
                break;
            case OPT_LOGFILE: s->logfile = optarg; break;
            case OPT_TIMESTAMPS: s->timestamps = optarg ? optarg : "%c "; break;
            case OPT_FORCEFLUSH: s->forceflush = 1; break;
            case OPT_RCV_TIMEOUT:
                if (parse_long(optarg, 100, 86400000, &v))
                    return usage_error("receive timeout value is incorrect or not in range: '%s'", optarg);
                s->rcv_timeout_ms = (int)v;
                s->rcv_timeout_set = 1;
                break;
            case OPT_SND_TIMEOUT:
                if (parse_long(optarg, 0, 86400000, &v))
                    return usage_error("send timeout value is incorrect or not in range: '%s' (0 to 86400000 ms)", optarg);
                s->snd_timeout_ms = (int)v;
                break;
            case OPT_CNTL_KA: {
                char why[200];
                if (timeouts_parse_cntl_ka(optarg, s, why, sizeof why) != WEIR_OK)
                    return usage_error("--cntl-ka: %s", why);
                break;
            }
            case OPT_IDLE_TIMEOUT:
                if (parse_long(optarg, 1, 86400, &v))
                    return usage_error("idle timeout parameter is not positive or larger than allowed limit: '%s' (1 to 86400 seconds)", optarg);
                s->idle_timeout_s = (int)v;
                break;
            case OPT_SERVER_MAX_DURATION:
                if (parse_long(optarg, 1, 86400, &v))
                    return usage_error("invalid server maximum duration '%s' (1 to 86400 seconds)", optarg);
                s->server_max_duration_s = (int)v;
                break;
            case OPT_SERVER_BITRATE_LIMIT: {
                int r = limits_parse_bitrate(optarg, &s->server_bitrate_limit, &s->server_bitrate_window_s);
                if (r == WEIR_E_TOTALINTERVAL)
                    return usage_error("invalid time interval for calculating average data rate: '%s' (above 0, at most 86400 seconds)", optarg);
                if (r != WEIR_OK)
                    return usage_error("invalid unit value or suffix: '%s'", optarg);
                break;
            }
            case OPT_CONNECT_TIMEOUT:
                if (parse_long(optarg, 1, 86400000, &v))
                    return usage_error("invalid connect timeout '%s' (milliseconds)", optarg);
                s->connect_timeout_ms = (int)v;
                break;
            case OPT_PACING_TIMER:
                if (parse_long(optarg, 1, 1000000, &v))
                    return usage_error("invalid pacing timer '%s' (microseconds)", optarg);
                s->pacing_timer = (int)v;
                break;
            case OPT_MAX_TESTS:
                if (parse_long(optarg, 1, 128, &v))
                    return usage_error("invalid number of tests '%s' (1 to 128)", optarg);
                s->max_tests = (int)v;
                break;
            case OPT_THREADS:
                if (parse_long(optarg, 1, 256, &v))
                    return usage_error("invalid number of threads '%s' (1 to 256)", optarg);
                s->threads = (int)v;
                break;
            case OPT_USERNAME: s->username = optarg; break;
            case OPT_RSA_PUB: s->rsa_public_key = optarg; break;
            case OPT_RSA_PRIV: s->rsa_private_key = optarg; break;
            case OPT_AUTH_USERS: s->authorized_users = optarg; break;
            case OPT_SKEW:
                if (parse_long(optarg, 1, INT_MAX, &v))
                    return usage_error("skew threshold must be a positive number (got '%s')", optarg);
                s->skew_threshold = (int)v;
                break;
            case OPT_PKCS1: s->use_pkcs1 = 1; break;
            case OPT_TLS_REQUIRED: s->tls_required = 1; break;
            case 'd': s->debug = 1; host_set_debug(1); break;
            case '?':
                usage_hint();
                return -1;
            default:
                if (c >= OPT_PLUGIN_BASE && (size_t)(c - OPT_PLUGIN_BASE) < MAX_PLUGIN_OPTIONS) {
                    const struct weir_option *o = plugin_opts[c - OPT_PLUGIN_BASE];
                    char why[256];
                    if (host_set_option(o, optarg, why, sizeof why) != 0)
                        return usage_error("%s", why);
                    break;
                }
                return usage_error("unrecognized option '%s'", argv[optind - 1]);
            }
        }
        if (pass == 1) {
            if (optind < argc)
                return usage_error("unexpected argument '%s'", argv[optind]);
            break;
        }

        /* Between the passes: check the mode, load the named plugins. */
        if ((int)s->mode == -1)
            return usage_error("%s", "cannot be both server and client");
        if (add_stdout_reporter(s))
            return -1;
        if (split_transports(s))
            return -1;
        if (s->n_compare && s->mode == MODE_SERVER)
            return usage_error("%s", "a transport list (--transport A,B,...) is a client option; "
                               "a server serves whichever transport each client asks for");
        const struct weir_plugin *plugins[MAX_REPORTERS + MAX_COMPARE];
        int n_plugins = 0;
        if (s->mode != MODE_NONE || want_help) {
            if (load_plugin_list(s, plugins, &n_plugins))
                return -1;
        }
        if (want_help) {
            print_help(plugins, n_plugins);
            return 1;
        }
        for (int i = 0; i < n_plugins; i++) {
            for (const struct weir_option *o = plugins[i]->options; o && o->name; o++) {
                size_t k = n_long - N_CORE_OPTIONS;
                if (k >= MAX_PLUGIN_OPTIONS)
                    break;
                plugin_opts[k] = o;
                longopts[n_long++] = (struct option){ o->name,
                                                      host_option_type(o) == WEIR_VALUE_BOOL ? no_argument
                                                                                             : required_argument,
                                                      NULL, OPT_PLUGIN_BASE + (int)k };
            }
        }
    }

    if (s->mode == MODE_NONE) {
        fprintf(stderr, "%s: error - must either be a client (-c) or server (-s)\n", identity_name());
        usage_hint();
        return -1;
    }
    if (s->mode == MODE_SERVER) {
        /* iperf3 refuses client-only options on a server. */
        if (s->reverse || s->bidir || s->bytes || s->blocks || s->duration_set || s->title ||
            s->get_server_output || s->rate_set || s->blksize || s->parallel != 1 || s->omit ||
            s->username || s->rsa_public_key || s->connect_timeout_ms || s->fq_rate ||
            s->dont_fragment || s->server_affinity >= 0 || s->zerocopy || s->skip_rx_copy ||
            s->flowlabel)
            return usage_error("%s", "some option you are trying to set is client only");
        if ((s->rsa_private_key != NULL) != (s->authorized_users != NULL))
            return usage_error("%s", "you must specify a path to a valid RSA private key and a user credential file");
        /* Tests at the same time would write (and truncate) the one file. */
        if (s->file && s->max_tests > 1)
            return usage_error("%s", "-F cannot be used with --max-tests above 1");
    } else {
        if (s->one_off || s->max_tests || s->daemon || s->pidfile || s->rsa_private_key ||
            s->authorized_users || s->skew_threshold || s->idle_timeout_s ||
            s->server_max_duration_s || s->server_bitrate_limit || s->tls_required)
            return usage_error("%s", "some option you are trying to set is server only");
        /* iperf3: a sending client never waits for data. */
        if (s->rcv_timeout_set && !s->reverse && !s->bidir)
            return usage_error("%s", "client receive timeout is valid only in receiving mode");
        if ((s->username != NULL) != (s->rsa_public_key != NULL))
            return usage_error("%s", "you must specify a username, password, and path to a valid RSA public key");
        if (s->one_off)
            return usage_error("%s", "some option you are trying to set is server only");
        if ((s->bytes || s->blocks) && s->duration_set)
            return usage_error("%s", "only one test end condition (-t, -n, -k) may be specified");
        if (s->bytes && s->blocks)
            return usage_error("%s", "only one test end condition (-t, -n, -k) may be specified");
        if (s->bytes || s->blocks)
            s->duration = 0;
        if (s->reverse && s->bidir)
            return usage_error("%s", "cannot be both reverse and bidirectional");
        /* Both directions would read and write the same file. */
        if (s->file && s->bidir)
            return usage_error("%s", "-F cannot be used with --bidir");
    }
    return 0;
}
