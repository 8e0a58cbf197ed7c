/* The table: weir's options in --help's order, then the parameters that
 * only the client's code sets. See optable.h for what each column means. */
#include "cli/optable.h"
#include "proto/errors.h"
#include "cli/options.h"
#include "cli/optparse.h"
#include "proto/params.h"

#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <weir/errors.h>

const struct optspec optable[] = {
    /* ---------------------------------------------------- Server or Client */
    { .name = "port", .letter = 'p', .arg = ARG_INT, .set = SETTING(port), .dflt = 5201,
      .min = 1, .max = 65535, .err = WEIR_E_BADPORT,
      .section = HELP_BOTH, .meta = "      #", .help = "server port to listen on/connect to" },
    { .name = "format", .letter = 'f', .arg = ARG_STRING, .parse = optparse_format,
      .set = SETTING(format), .dflt = 'a', .err = WEIR_E_BADFORMAT,
      .section = HELP_BOTH, .meta = "   [kmgtKMGT]", .help = "format to report: Kbits, Mbits, Gbits, Tbits" },
    { .name = "interval", .letter = 'i', .arg = ARG_DOUBLE, .flags = OPT_ZERO_OFF, .set = SETTING(interval),
      .dflt = 1, .min = 0.1, .max = 60, .unit = "seconds", .err = WEIR_E_INTERVAL,
      .section = HELP_BOTH, .meta = "  #", .help = "seconds between periodic throughput reports" },
    { .name = "verbose", .letter = 'V', .set = SETTING(verbose),
      .section = HELP_BOTH, .help = "more detailed output" },
    { .name = "json", .letter = 'J', .flags = OPT_EARLY, .set = SETTING(json),
      .section = HELP_BOTH, .help = "output in JSON format" },
    { .name = "json-stream", .flags = OPT_EARLY, .set = SETTING(json_stream),
      .section = HELP_BOTH, .help = "output in line-delimited JSON format" },
    { .name = "json-stream-full-output", .flags = OPT_EARLY, .set = SETTING(json_stream_full_output),
      .section = HELP_BOTH,
      .help = "\nwith --json-stream: each test's whole JSON\ndocument (-J) after its lines" },
    { .name = "logfile", .arg = ARG_STRING, .flags = OPT_EXPORTER_TOO, .set = SETTING(logfile),
      .section = HELP_BOTH, .meta = " f", .help = "send output to a log file (a server reopens it on SIGHUP)" },
    /* iperf3 takes -I on both sides: a client's PID lets a script stop a
     * background client. */
    { .name = "pidfile", .letter = 'I', .arg = ARG_STRING, .flags = OPT_EXPORTER_TOO,
      .set = SETTING(pidfile),
      .section = HELP_BOTH, .meta = " file",
      .help = "write this process's PID to file, remove it on exit,\n"
              "and refuse to start while another live weir holds it" },
    { .name = "forceflush", .set = SETTING(forceflush),
      .section = HELP_BOTH, .help = "force flushing output at every interval" },
    { .name = "timestamps", .arg = ARG_STRING, .flags = OPT_OPTIONAL, .parse = optparse_timestamps,
      .set = SETTING(timestamps),
      .section = HELP_BOTH, .meta = "<=format>", .help = "emit a timestamp at the start of each output line" },
    { .name = "rcv-timeout", .arg = ARG_INT, .set = SETTING(rcv_timeout_ms), .given = SETTING(rcv_timeout_set),
      .dflt = 120000, .min = 100, .max = 86400000, .unit = "ms", .err = WEIR_E_RCVTIMEOUT,
      .section = HELP_BOTH, .meta = " #",
      .help = "idle timeout for receiving data (default 120000 ms;\n"
              "a client only in receiving mode, -R or --bidir)" },
    { .name = "snd-timeout", .arg = ARG_INT, .set = SETTING(snd_timeout_ms),
      .min = 0, .max = 86400000, .unit = "ms", .err = WEIR_E_SNDTIMEOUT,
      .section = HELP_BOTH, .meta = " #",
      .help = "timeout for unacknowledged TCP data on the control\n"
              "and data connections (ms, default: the OS's)" },
    { .name = "cntl-ka", .arg = ARG_STRING, .flags = OPT_OPTIONAL, .parse = optparse_cntl_ka,
      .set = SETTING(cntl_ka), .err = WEIR_E_CNTLKA,
      .section = HELP_BOTH, .meta = "<=#/#/#>",
      .help = "TCP keepalive on the control connection, with\n"
              "optional idle/interval/count (s/s/probes; empty\n"
              "fields keep the OS defaults)" },
    /* n: this process's CPU; ",m" fills server_affinity (a parameter). */
    { .name = "affinity", .letter = 'A', .arg = ARG_STRING, .parse = optparse_affinity,
      .set = SETTING(affinity), .dflt = -1, .min = 0, .max = 1024, .what = "CPU affinity (n or n,m)",
      .section = HELP_BOTH, .meta = " n/n,m",
      .help = "set CPU affinity (n: this process; m: the server's\nthreads for this test)" },
    { .name = "bind-dev", .arg = ARG_STRING, .set = SETTING(bind_dev),
      .section = HELP_BOTH, .meta = " <dev>",
      .help = "bind sockets to the network interface <dev>\n(SO_BINDTODEVICE)" },
    { .name = "file", .letter = 'F', .arg = ARG_STRING, .set = SETTING(file),
      .section = HELP_BOTH, .meta = " name",
      .help = "xmit/recv the specified file (byte-stream\ntransports: tcp, tls, quic)" },
    { .name = "mptcp", .letter = 'm', .set = SETTING(mptcp),
      .section = HELP_BOTH,
      .help = "use MPTCP rather than plain TCP (client: the\ncontrol and data connections; server: listen)" },
    { .name = "debug", .letter = 'd', .flags = OPT_EXPORTER_TOO, .set = SETTING(debug),
      .section = HELP_BOTH, .help = "emit debugging output" },
    { .name = "version", .letter = 'v', .parse = optparse_version,
      .section = HELP_BOTH, .help = "show version information and quit" },
    { .name = "help", .letter = 'h', .flags = OPT_EARLY, .set = SETTING(help),
      .section = HELP_BOTH, .help = "show this message and quit" },
    { .name = "transport", .arg = ARG_STRING, .flags = OPT_EARLY, .set = SETTING(transport),
      .section = HELP_BOTH, .meta = " NAME|PATH.so",
      .help = "data transport plugin (default tcp; -u = udp);\n"
              "a list A,B,... runs one test per transport and\n"
              "compares them side by side" },
    { .name = "reporter", .arg = ARG_STRING, .flags = OPT_EARLY, .parse = optparse_reporter,
      .section = HELP_BOTH, .meta = " NAME[:ARG]",
      .help = "output plugin, repeatable (text, json, json-stream,\n"
              "csv, openmetrics, svg; --list-plugins for all)" },
    { .name = "plugin-dir", .arg = ARG_STRING, .flags = OPT_EXPORTER_TOO, .set = SETTING(plugin_dir),
      .section = HELP_BOTH, .meta = " DIR", .help = "look for plugins in DIR first" },
    { .name = "list-plugins", .parse = optparse_list_plugins,
      .section = HELP_BOTH, .help = "list the transports and reporters found, then quit" },
    { .name = "threads", .arg = ARG_INT, .set = SETTING(threads),
      .min = 1, .max = 256, .what = "number of threads",
      .section = HELP_BOTH, .meta = " N", .help = "data worker threads (default: one per core)" },

    /* ----------------------------------------------------- Server specific */
    { .name = "server", .letter = 's', .flags = OPT_EARLY, .parse = optparse_mode,
      .flag_value = MODE_SERVER,
      .section = HELP_SERVER, .help = "run in server mode" },
    { .name = "one-off", .letter = '1', .where = FOR_SERVER, .set = SETTING(one_off),
      .section = HELP_SERVER, .help = "handle one client connection then exit" },
    { .name = "max-tests", .arg = ARG_INT, .where = FOR_SERVER, .set = SETTING(max_tests),
      .min = 1, .max = 128, .what = "number of tests",
      .section = HELP_SERVER, .meta = " N",
      .help = "run up to N tests at once (1 to 128, default 1: a\n"
              "second client is told the server is busy)" },
    { .name = "daemon", .letter = 'D', .where = FOR_SERVER, .flags = OPT_EXPORTER_TOO, .set = SETTING(daemon),
      .section = HELP_SERVER,
      .help = "run the server as a daemon (the command returns once it\n"
              "listens; output goes to --logfile, else nowhere)" },
    { .name = "idle-timeout", .arg = ARG_INT, .where = FOR_SERVER, .set = SETTING(idle_timeout_s),
      .min = 1, .max = 86400, .unit = "seconds", .err = WEIR_E_IDLETIMEOUT,
      .section = HELP_SERVER, .meta = " #",
      .help = "listen afresh after # seconds without a client (with\n"
              "-1: exit); a client setting up a test may also be\n"
              "silent at most that long (default: no timeout)" },
    { .name = "server-max-duration", .arg = ARG_INT, .where = FOR_SERVER,
      .set = SETTING(server_max_duration_s),
      .min = 1, .max = 86400, .unit = "seconds", .what = "server maximum duration",
      .section = HELP_SERVER, .meta = " #",
      .help = "refuse tests longer than # seconds (time + omit) and\n"
              "tests without a time limit (-n, -k)" },
    { .name = "server-bitrate-limit", .arg = ARG_STRING, .where = FOR_SERVER,
      .parse = optparse_server_bitrate_limit, .set = SETTING(server_bitrate_limit),
      .err = WEIR_E_TOTALINTERVAL,
      .section = HELP_SERVER, .meta = " #[KMG][/#]",
      .help = "refuse tests asking for more than # bits/sec\n"
              "in total, and end those whose average rate over\n"
              "the last /# seconds (default 5) exceeds it" },
    { .name = "tls-required", .where = FOR_SERVER, .set = SETTING(tls_required),
      .section = HELP_SERVER,
      .help = "serve only encrypted tests (an encrypting\n"
              "transport: tls, quic): refuse plain TCP and UDP\n"
              "clients, iperf3's included" },
    { .name = "rsa-private-key-path", .arg = ARG_STRING, .where = FOR_SERVER,
      .set = SETTING(rsa_private_key),
      .section = HELP_SERVER,
      .help = "path to the RSA private key (PEM, no passphrase) used to\n"
              "decrypt authentication credentials" },
    { .name = "authorized-users-path", .arg = ARG_STRING, .where = FOR_SERVER,
      .set = SETTING(authorized_users),
      .section = HELP_SERVER, .help = "path to the file of authorized users (username,sha256hex)" },
    { .name = "time-skew-threshold", .arg = ARG_INT, .where = FOR_SERVER, .set = SETTING(skew_threshold),
      .min = 1, .max = INT_MAX, .unit = "seconds", .err = WEIR_E_SKEWTHRESHOLD,
      .section = HELP_SERVER, .meta = " #",
      .help = "time skew threshold (seconds) between server and client\n"
              "during authentication (default 10)" },
    { .name = "use-pkcs1-padding", .set = SETTING(use_pkcs1),
      .section = HELP_SERVER,
      .help = "also accept PKCS#1 v1.5 padded credentials (iperf3 <= 3.16\n"
              "clients); on a client: send them (iperf3 <= 3.16 servers)" },

    /* ----------------------------------------------------- Client specific */
    { .name = "client", .letter = 'c', .arg = ARG_STRING, .flags = OPT_EARLY, .parse = optparse_mode,
      .flag_value = MODE_CLIENT, .set = SETTING(host),
      .section = HELP_CLIENT, .meta = "    <host>", .help = "run in client mode, connecting to <host>" },
    { .name = "loopback", .flags = OPT_EARLY, .parse = optparse_mode, .flag_value = MODE_LOOPBACK,
      .section = HELP_CLIENT, .help = "run a server on 127.0.0.1 in this process and test against it" },
    /* iperf3's SCTP options: known, so that a script using them gets one
     * clear refusal rather than "unrecognized option". */
    { .name = "sctp", .where = FOR_CLIENT, .parse = optparse_sctp,
      .section = HELP_CLIENT, .help = "SCTP: not supported (refused)" },
    { .name = "xbind", .letter = 'X', .arg = ARG_STRING, .where = FOR_CLIENT, .parse = optparse_sctp,
      .section = HELP_CLIENT, .meta = " <name>", .help = "SCTP: not supported (refused)" },
    { .name = "nstreams", .arg = ARG_STRING, .where = FOR_CLIENT, .parse = optparse_sctp,
      .section = HELP_CLIENT, .meta = "      #", .help = "SCTP: not supported (refused)" },
    /* iperf3's -u: the transport named as the option (its rules are in
     * that plugin's descriptor, not here). */
    { .name = "udp", .letter = 'u', .flags = OPT_EARLY, .parse = optparse_transport_flag,
      .set = SETTING(transport),
      .section = HELP_CLIENT, .help = "use UDP rather than TCP" },
    /* RATE[/BURST]: the burst is the "burst" parameter below. Without -b
     * the client sends its transport's default rate. */
    { .name = "bitrate", .letter = 'b', .alias = "bandwidth", .arg = ARG_STRING, .where = FOR_CLIENT,
      .flags = OPT_CLIENT_FILLS, .parse = optparse_bitrate, .set = SETTING(rate), .given = SETTING(rate_set),
      .err = WEIR_E_UNITVAL,
      .key = "bandwidth", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 13, .param = PARAM(bandwidth),
      .section = HELP_CLIENT, .meta = " #[KMG][/#]", .help = "target bitrate in bits/sec (0 for unlimited)" },
    { .name = "pacing-timer", .arg = ARG_INT, .set = SETTING(pacing_timer),
      .dflt = 1000, .min = 0, .max = 1000000, .unit = "microseconds", .what = "pacing timer",
      .key = "pacing_timer", .wire = WIRE_INT, .wire_rank = 15, .param = PARAM(pacing_timer),
      .section = HELP_CLIENT, .meta = " #",
      .help = "iperf3's pacing timer in microseconds (default 1000),\n"
              "sent to the server: an iperf3 server paces what it\n"
              "sends (-R, --bidir) in such steps; weir ignores it" },
    { .name = "time", .letter = 't', .arg = ARG_INT, .where = FOR_CLIENT,
      .set = SETTING(duration), .given = SETTING(duration_set),
      .dflt = 10, .min = 0, .max = 86400, .unit = "seconds", .err = WEIR_E_DURATION,
      .key = "time", .wire = WIRE_INT, .wire_rank = 3, .param = PARAM(time),
      .section = HELP_CLIENT, .meta = "      #", .help = "time in seconds to transmit for (default 10 secs)" },
    { .name = "bytes", .letter = 'n', .arg = ARG_SIZE, .where = FOR_CLIENT, .set = SETTING(bytes),
      .key = "num", .wire = WIRE_INT, .wire_rank = 4, .param = PARAM(num),
      .section = HELP_CLIENT, .meta = "     #[KMG]", .help = "number of bytes to transmit (instead of -t)" },
    { .name = "blockcount", .letter = 'k', .arg = ARG_SIZE, .where = FOR_CLIENT, .set = SETTING(blocks),
      .key = "blockcount", .wire = WIRE_INT, .wire_rank = 5, .param = PARAM(blockcount),
      .section = HELP_CLIENT, .meta = " #[KMG]",
      .help = "number of blocks (packets) to transmit (instead of -t or -n)" },
    /* Also within the transport's own range (optcheck_blksize); without -l
     * the client sends its transport's default. */
    { .name = "length", .letter = 'l', .arg = ARG_SIZE, .where = FOR_CLIENT, .flags = OPT_CLIENT_FILLS,
      .set = SETTING(blksize), .min = 1, .max = 1048576, .unit = "bytes", .err = WEIR_E_BLOCKSIZE,
      .key = "len", .wire = WIRE_INT, .wire_rank = 12, .param = PARAM(len),
      .section = HELP_CLIENT, .meta = "    #[KMG]", .help = "length of buffer to read or write" },
    { .name = "cport", .arg = ARG_INT, .set = SETTING(cport), .min = 1, .max = 65535, .err = WEIR_E_BADPORT,
      .section = HELP_CLIENT, .meta = "         <port>", .help = "bind to a specific client port (TCP and UDP)" },
    { .name = "parallel", .letter = 'P', .arg = ARG_INT, .where = FOR_CLIENT, .set = SETTING(parallel),
      .dflt = 1, .min = 1, .max = MAX_PARALLEL, .err = WEIR_E_NUMSTREAMS,
      .key = "parallel", .wire = WIRE_INT, .wire_rank = 8, .param = PARAM(parallel),
      .section = HELP_CLIENT, .meta = "  #", .help = "number of parallel client streams to run" },
    { .name = "reverse", .letter = 'R', .where = FOR_CLIENT, .set = SETTING(reverse),
      .key = "reverse", .wire = WIRE_TRUE, .wire_rank = 9, .param = PARAM(reverse),
      .section = HELP_CLIENT, .help = "run in reverse mode (server sends, client receives)" },
    { .name = "bidir", .where = FOR_CLIENT, .set = SETTING(bidir),
      .key = "bidirectional", .wire = WIRE_TRUE, .wire_rank = 10, .param = PARAM(bidir),
      .section = HELP_CLIENT, .help = "run in bidirectional mode" },
    { .name = "window", .letter = 'w', .arg = ARG_SIZE, .set = SETTING(window),
      .min = 0, .max = 536870912, .unit = "bytes", .err = WEIR_E_BUFSIZE,
      .key = "window", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 11, .param = PARAM(window),
      .section = HELP_CLIENT, .meta = "    #[KMG]", .help = "set send/receive socket buffer sizes" },
    { .name = "bind", .letter = 'B', .arg = ARG_STRING, .set = SETTING(bind_host),
      .section = HELP_CLIENT, .meta = "      <host>",
      .help = "bind to the interface associated with the address <host>" },
    { .name = "congestion", .letter = 'C', .alias = "linux-congestion", .arg = ARG_STRING,
      .set = SETTING(congestion),
      .key = "congestion", .wire = WIRE_STRING, .wire_rank = 26, .param = PARAM(congestion),
      .section = HELP_CLIENT, .meta = " <algo>", .help = "set TCP congestion control algorithm" },
    { .name = "set-mss", .letter = 'M', .arg = ARG_INT, .flags = OPT_ZERO_OFF, .set = SETTING(mss),
      .min = 1, .max = 32767, .unit = "bytes", .err = WEIR_E_MSS,
      .key = "MSS", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 6, .param = PARAM(mss),
      .section = HELP_CLIENT, .meta = "   #", .help = "set TCP/SCTP maximum segment size (MTU - 40 bytes)" },
    { .name = "no-delay", .letter = 'N', .set = SETTING(nodelay),
      .key = "nodelay", .wire = WIRE_TRUE, .wire_rank = 7, .param = PARAM(nodelay),
      .section = HELP_CLIENT, .help = "set TCP/SCTP no delay, disabling Nagle's Algorithm" },
    { .name = "version4", .letter = '4', .set = SETTING(family), .flag_value = AF_INET,
      .section = HELP_CLIENT, .help = "only use IPv4" },
    { .name = "version6", .letter = '6', .set = SETTING(family), .flag_value = AF_INET6,
      .section = HELP_CLIENT, .help = "only use IPv6" },
    { .name = "tos", .letter = 'S', .arg = ARG_INT, .set = SETTING(tos),
      .dflt = -1, .min = 0, .max = 255, .err = WEIR_E_BADTOS,
      .key = "TOS", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 22, .param = PARAM(tos),
      .section = HELP_CLIENT, .meta = " N", .help = "set the IP type of service, 0-255" },
    { .name = "flowlabel", .letter = 'L', .arg = ARG_INT, .where = FOR_CLIENT, .set = SETTING(flowlabel),
      .min = 1, .max = 0xFFFFF, .err = WEIR_E_SETFLOW,
      .key = "flowlabel", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 23, .param = PARAM(flowlabel),
      .section = HELP_CLIENT, .meta = " N", .help = "set IPv6 flow label (TCP, IPv6 only)" },
    { .name = "dscp", .arg = ARG_STRING, .parse = optparse_dscp, .set = SETTING(tos), .dflt = -1,
      .err = WEIR_E_BADDSCP,
      .section = HELP_CLIENT, .meta = " N or --dscp val", .help = "set the IP dscp value, 0-63 or symbolic" },
    { .name = "omit", .letter = 'O', .arg = ARG_INT, .where = FOR_CLIENT, .set = SETTING(omit),
      .min = 0, .max = 600, .unit = "seconds", .err = WEIR_E_OMIT,
      .key = "omit", .wire = WIRE_INT, .wire_rank = 1, .param = PARAM(omit),
      .section = HELP_CLIENT, .meta = " N",
      .help = "perform pre-test for N seconds and omit the pre-test statistics" },
    { .name = "title", .letter = 'T', .arg = ARG_STRING, .where = FOR_CLIENT, .set = SETTING(title),
      .key = "title", .wire = WIRE_STRING, .wire_rank = 24, .param = PARAM(title),
      .section = HELP_CLIENT, .meta = " str", .help = "prefix every output line with this string" },
    { .name = "extra-data", .arg = ARG_STRING, .set = SETTING(extra_data),
      .key = "extra_data", .wire = WIRE_STRING, .wire_rank = 25, .param = PARAM(extra_data),
      .section = HELP_CLIENT, .meta = " str", .help = "data string to include in client and server JSON" },
    { .name = "get-server-output", .where = FOR_CLIENT, .set = SETTING(get_server_output),
      .key = "get_server_output", .wire = WIRE_ONE, .wire_rank = 27, .param = PARAM(get_server_output),
      .section = HELP_CLIENT, .help = "get results from server" },
    { .name = "udp-counters-64bit", .set = SETTING(udp_counters_64bit),
      .key = "udp_counters_64bit", .wire = WIRE_ONE, .wire_rank = 28, .param = PARAM(udp_counters_64bit),
      .section = HELP_CLIENT, .help = "use 64-bit counters in UDP test packets" },
    /* Over a datagram transport the client sends the gso and gro
     * parameters below. */
    { .name = "gsro", .set = SETTING(gsro),
      .section = HELP_CLIENT, .help = "ask for UDP GSO/GRO on both ends (iperf3 3.21's keys)" },
    { .name = "repeating-payload", .set = SETTING(repeating_payload),
      .key = "repeating_payload", .wire = WIRE_ONE, .wire_rank = 29, .param = PARAM(repeating_payload),
      .section = HELP_CLIENT, .help = "use repeating pattern in payload, instead of randomized payload" },
    { .name = "dont-fragment", .where = FOR_CLIENT, .set = SETTING(dont_fragment),
      .key = "dont_fragment", .wire = WIRE_NONZERO, .wire_rank = 31, .param = PARAM(dont_fragment),
      .section = HELP_CLIENT,
      .help = "set IPv4 Don't Fragment flag (UDP; larger datagrams\n"
              "than the path MTU then fail instead of fragmenting)" },
    { .name = "fq-rate", .arg = ARG_RATE, .where = FOR_CLIENT, .set = SETTING(fq_rate),
      .key = "fqrate", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 14, .param = PARAM(fqrate),
      .section = HELP_CLIENT, .meta = " #[KMG]",
      .help = "pace each stream to at most # bits/sec in the kernel\n(SO_MAX_PACING_RATE)" },
    /* Deprecated in iperf3 (and left out of its --help), still taken by 3.12. */
    { .name = "no-fq-socket-pacing", .where = FOR_CLIENT, .parse = optparse_fq_pacing_off,
      .section = HELP_CLIENT, .help = "the same as --fq-rate 0 (deprecated, as in iperf3)" },
    { .name = "zerocopy", .letter = 'Z', .where = FOR_CLIENT, .set = SETTING(zerocopy),
      .key = "zerocopy", .wire = WIRE_NONZERO, .wire_rank = 30, .param = PARAM(zerocopy),
      .section = HELP_CLIENT, .help = "use a 'zero copy' method of sending data (TCP: sendfile)" },
    { .name = "skip-rx-copy", .where = FOR_CLIENT, .set = SETTING(skip_rx_copy),
      .key = "skip_rx_copy", .wire = WIRE_NONZERO, .wire_rank = 36, .param = PARAM(skip_rx_copy),
      .section = HELP_CLIENT, .help = "ignore received messages using MSG_TRUNC option (TCP)" },
    { .name = "tcp-notsent-lowat", .arg = ARG_SIZE, .where = FOR_CLIENT, .set = SETTING(notsent_lowat),
      .min = 1, .max = 536870912, .unit = "bytes", .what = "TCP not-sent low-water mark",
      .key = "weir_notsent_lowat", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 38,
      .param = PARAM(notsent_lowat),
      .section = HELP_CLIENT, .meta = " #[KMG]",
      .help = "sending sockets keep at most # bytes not yet sent in\n"
              "the kernel (TCP_NOTSENT_LOWAT; weir peers: with -R\n"
              "the server's)" },
    /* --latency: weir's own, negotiated in the weir_latency key (not in
     * this table: an object; src/proto/latency_params.c). */
    { .name = "latency", .where = FOR_CLIENT, .set = SETTING(latency),
      .section = HELP_CLIENT,
      .help = "measure round-trip latency instead of throughput:\n"
              "ping-pong probes over the transport's streams (weir\n"
              "servers only); -l sets the request size, -k the number\n"
              "of probes" },
    { .name = "latency-reply-size", .arg = ARG_SIZE, .where = FOR_CLIENT, .set = SETTING(latency_reply),
      .min = 48, .max = 1048576, .unit = "bytes", .what = "latency reply size",
      .section = HELP_CLIENT, .meta = " #[KMG]",
      .help = "--latency: bytes of each reply (default: the request's)" },
    { .name = "latency-rate", .arg = ARG_DOUBLE, .where = FOR_CLIENT, .set = SETTING(latency_rate),
      .min = 0.001, .max = 1000000, .unit = "per second", .what = "latency probe rate",
      .section = HELP_CLIENT, .meta = " #",
      .help = "--latency: send # requests per second per stream on a\n"
              "fixed schedule (default: back to back, one at a time)" },
    { .name = "latency-synced-clocks", .where = FOR_CLIENT, .set = SETTING(latency_synced_clocks),
      .section = HELP_CLIENT,
      .help = "--latency: the two hosts' clocks agree (PTP, NTP): show\n"
              "one-way delays too (always with --loopback)" },
    { .name = "load", .arg = ARG_INT, .where = FOR_CLIENT, .set = SETTING(latency_load),
      .min = 1, .max = 128, .unit = "streams", .what = "load streams",
      .section = HELP_CLIENT, .meta = " #",
      .help = "--latency: # bulk streams load the path while the\n"
              "probes run (after 1 s idle): idle and loaded latency,\n"
              "responsiveness in RPM; -R, --bidir and -b apply to them" },
    { .name = "load-transport", .arg = ARG_STRING, .flags = OPT_EARLY, .where = FOR_CLIENT,
      .set = SETTING(load_transport), .section = HELP_CLIENT, .meta = " NAME|PATH.so",
      .help = "--load: the load streams' transport (tcp, udp, tls,\n"
              "quic; default: the probes' --transport)" },
    { .name = "busy-poll", .where = FOR_CLIENT, .set = SETTING(latency_busy_poll),
      .section = HELP_CLIENT,
      .help = "--latency: both ends spin on the probe sockets instead of\n"
              "sleeping (SO_BUSY_POLL where the kernel allows): the\n"
              "stack's floor, for a core per end" },
    { .name = "connect-timeout", .arg = ARG_INT, .where = FOR_CLIENT, .set = SETTING(connect_timeout_ms),
      .min = 1, .max = 86400000, .unit = "ms", .what = "connect timeout",
      .section = HELP_CLIENT, .meta = " #", .help = "timeout for control connection setup (ms)" },
    { .name = "username", .arg = ARG_STRING, .where = FOR_CLIENT, .set = SETTING(username),
      .section = HELP_CLIENT, .meta = " <name>",
      .help = "username for authentication (password from\n"
              "$IPERF3_PASSWORD, $WEIR_PASSWORD or a prompt)" },
    { .name = "rsa-public-key-path", .arg = ARG_STRING, .where = FOR_CLIENT, .set = SETTING(rsa_public_key),
      .section = HELP_CLIENT,
      .help = "path to the RSA public key (PEM \"PUBLIC KEY\") used to\n"
              "encrypt authentication credentials" },

    /* --------------------------------------------------- Exporter (src/exporter) */
    { .name = "exporter", .arg = ARG_STRING, .flags = OPT_EARLY, .where = FOR_EXPORTER,
      .parse = optparse_mode, .flag_value = MODE_EXPORTER, .set = SETTING(exporter_listen),
      .section = HELP_EXPORTER, .meta = " [ADDR:]PORT",
      .help = "\nrun a Prometheus probe exporter on PORT (all\n"
              "addresses, or ADDR): GET /probe?target=HOST[:PORT]\n"
              "&module=NAME runs a test and answers its metrics;\n"
              "/metrics, /-/healthy; -D, -I, --logfile as a server" },
    { .name = "exporter-config", .arg = ARG_STRING, .where = FOR_EXPORTER, .set = SETTING(exporter_config),
      .section = HELP_EXPORTER, .meta = " FILE",
      .help = "\nthe modules file: how each module tests, what a\n"
              "probe may change, limits, allowed targets (SIGHUP\n"
              "reloads it; without it: module default, 5 s TCP)" },
    { .name = "exporter-allow", .arg = ARG_STRING, .where = FOR_EXPORTER, .parse = optparse_exporter_allow,
      .section = HELP_EXPORTER, .meta = " CIDR|PATTERN",
      .help = "\nprobe only targets in this network or matching this\n"
              "host name pattern (*.example.net), repeatable; with\n"
              "none here or in the file every probe is refused" },
    /* Listed with the options of both sides: it checks a client's, a
     * server's or an exporter's command line. The exporter runs it to
     * check its modules' options in a process of their own. */
    { .name = "dry-run", .flags = OPT_EXPORTER_TOO, .set = SETTING(dry_run),
      .section = HELP_BOTH,
      .help = "check the options (and --exporter-config's file)\n"
              "and exit: 0 when weir would run them" },

    /* --------------------------------------------------- Parameters only */
    /* -b's "/BURST"; 0: none. */
    { .set = SETTING(burst), .flags = OPT_ZERO_OFF, .min = 1, .max = 1000, .err = WEIR_E_BURST,
      .key = "burst", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 16, .param = PARAM(burst) },
    /* -A's ",m": the CPU of the server's threads for this test. */
    { .set = SETTING(server_affinity), .dflt = -1, .min = 0, .max = 1024, .err = WEIR_E_AFFINITY,
      .key = "server_affinity", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 2,
      .param = PARAM(server_affinity) },
    /* --gsro, iperf3 3.21's keys: GSO/GRO asked for (-1: not said) and
     * their sizes (0: not said). */
    { .dflt = -1, .min = 0, .max = INT32_MAX, .what = "gso",
      .key = "gso", .wire = WIRE_TRISTATE, .send = SEND_IF_SET, .wire_rank = 17, .param = PARAM(gso) },
    { .min = 0, .max = INT32_MAX, .unit = "bytes", .what = "gso_dg_size",
      .key = "gso_dg_size", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 18, .param = PARAM(gso_dg_size) },
    { .min = 0, .max = INT32_MAX, .unit = "bytes", .what = "gso_bf_size",
      .key = "gso_bf_size", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 19, .param = PARAM(gso_bf_size) },
    { .dflt = -1, .min = 0, .max = INT32_MAX, .what = "gro",
      .key = "gro", .wire = WIRE_TRISTATE, .send = SEND_IF_SET, .wire_rank = 20, .param = PARAM(gro) },
    { .min = 0, .max = INT32_MAX, .unit = "bytes", .what = "gro_bf_size",
      .key = "gro_bf_size", .wire = WIRE_INT, .send = SEND_IF_SET, .wire_rank = 21, .param = PARAM(gro_bf_size) },
    /* weir's own keys: a weir server answers them (WEIR_ACCEPT), iperf3
     * ignores them. The transport plugin a weir-only test needs: */
    { .key = "weir_transport", .wire = WIRE_STRING, .wire_rank = 32, .param = PARAM(weir_transport) },
    /* The client can put the cookie in streams iperf3 leaves anonymous. */
    { .key = "weir_stream_tag", .wire = WIRE_ONE, .wire_rank = 33, .param = PARAM(weir_stream_tag) },
    /* The client, receiving -n/-k over a lossy transport, takes ST_WEIR_SENT. */
    { .key = "weir_sender_done", .wire = WIRE_ONE, .wire_rank = 34, .param = PARAM(weir_sender_done) },
    /* --username's credentials, RSA-encrypted and Base64. */
    { .key = "authtoken", .wire = WIRE_STRING, .wire_rank = 35, .param = PARAM(authtoken) },
    { .key = "client_version", .wire = WIRE_STRING, .wire_rank = 37, .param = PARAM(client_version) },
    /* The test moves iperf3's datagrams over a transport that can carry
     * either (the client's transport said so: test_rules). */
    { .key = "weir_datagrams", .wire = WIRE_ONE, .wire_rank = 39, .param = PARAM(weir_datagrams) },
};

const size_t optable_len = sizeof optable / sizeof optable[0];

const struct optspec *optable_by_name(const char *name)
{
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *o = &optable[i];
        if ((o->name && strcmp(o->name, name) == 0) || (o->alias && strcmp(o->alias, name) == 0))
            return o;
    }
    return NULL;
}

const struct optspec *optable_by_letter(int letter)
{
    for (size_t i = 0; i < optable_len && letter; i++)
        if (optable[i].letter == letter)
            return &optable[i];
    return NULL;
}

const struct optspec *optable_by_key(const char *key)
{
    for (size_t i = 0; i < optable_len; i++)
        if (optable[i].key && strcmp(optable[i].key, key) == 0)
            return &optable[i];
    return NULL;
}
