#!/usr/bin/env bash
# UDP through the real binary (the udp transport plugin, -u), three pairings
# per option set:
#   weir -c -> weir -s,   weir -c -> iperf3 -s,   iperf3 -c -> weir -s
# Both ends run one-off with -J and must exit 0. For every direction data
# flowed in, the packet counts the two ends report must fit together:
#   S = datagrams the sender sent          (sender's own document)
#   R = highest sequence the receiver saw  (receiver's own document)
#   L = datagrams the receiver counts lost, B = bytes it received
#   - the client, which learns the peer's numbers in the results exchange,
#     reports the same S, R and L as the two ends measured;
#   - 0 < R <= S, 0 <= L < R, and the sender's bytes are S * len exactly;
#   - B is a whole number D of len-byte datagrams, D <= R - L (distinct
#     datagrams counted). How many arrived is not asserted: a receiver the
#     machine's load starves (an ASan sender beside other jobs) loses any
#     share of a -b 100M stream on loopback.
# Options without -t get a short one; -n 1M gets -b 10M so that it takes a
# second rather than eight at UDP's default 1 Mbit/s.
#
E2E_DEADLINE=${E2E_DEADLINE:-240}
CLIENT_TIMEOUT=20 SERVER_TIMEOUT=30
. "$(dirname "$0")/lib.sh"
require_tools

# udp_pair KIND ARGS...: KIND weir2weir, weir2iperf or iperf2weir. Runs the
# pair; sets CLI and SRV (the JSON documents); returns 1 if unusable.
udp_pair() {
    local kind=$1 client server
    shift
    case $kind in
        weir2weir)  client=$WEIR   server=weir ;;
        weir2iperf) client=$WEIR   server=iperf3 ;;
        iperf2weir) client=$IPERF3 server=weir ;;
    esac
    CLI=$CASE_DIR/client.json
    start_server_retry "$server" -1 -J || return 1
    SRV=$SERVER_OUT
    run_bounded "$CLI" "$CASE_DIR/client.err" "$client" -c 127.0.0.1 -p "$PORT" -J "$@"
    expect_eq "client exit status" "$RUN_RC" 0
    wait_server
    expect_eq "server exit status" "$SERVER_RC" 0
    json_doc "$CLI" client || return 1
    json_doc "$SRV" server || return 1
    expect_eq "client test_start.protocol" "$(json_get "$CLI" .start.test_start.protocol)" UDP
    expect_eq "server test_start.protocol" "$(json_get "$SRV" .start.test_start.protocol)" UDP
}

# udp_direction NAME SENDER-DOC SENT-KEY RECEIVER-DOC RECEIVED-KEY LEN
# Checks one direction of data (see the header). SENT-KEY/RECEIVED-KEY are
# the end.* sums of that direction (sum_sent, sum_received_bidir_reverse...).
udp_direction() {
    local name=$1 sdoc=$2 skey=$3 rdoc=$4 rkey=$5 len=$6
    local s r l b sb d
    s=$(json_get "$sdoc" ".end.$skey.packets")
    sb=$(json_get "$sdoc" ".end.$skey.bytes")
    r=$(json_get "$rdoc" ".end.$rkey.packets")
    l=$(json_get "$rdoc" ".end.$rkey.lost_packets")
    b=$(json_get "$rdoc" ".end.$rkey.bytes")
    expect_int -gt "$name: sender's packets" "$s" 0 || return
    expect_int -gt "$name: receiver's packets (highest sequence)" "$r" 0 || return
    expect_int -ge "$name: receiver's lost" "$l" 0 || return
    expect_int -gt "$name: receiver's bytes" "$b" 0 || return
    expect_int -le "$name: receiver's highest sequence <= datagrams sent" "$r" $((s + OMIT_SKEW))
    expect_int -lt "$name: lost < highest sequence" "$l" "$r"
    expect_eq "$name: sender's bytes = packets * len" "$sb" $((s * len))
    expect_eq "$name: receiver's bytes are whole datagrams" $((b % len)) 0
    d=$((b / len))
    expect_int -le "$name: datagrams received <= highest sequence - lost" "$d" $((r - l + OMIT_SKEW))
    # The client's document has both ends' numbers after the exchange.
    expect_near "$name: client's $skey.packets vs sender's" "$(json_get "$CLI" ".end.$skey.packets")" "$s"
    expect_near "$name: client's $rkey.packets vs receiver's" "$(json_get "$CLI" ".end.$rkey.packets")" "$r"
    expect_near "$name: client's $rkey.lost_packets vs receiver's" \
        "$(json_get "$CLI" ".end.$rkey.lost_packets")" "$l"
}

# expect_near WHAT GOT WANT: equal, or within OMIT_SKEW. With -O each end
# subtracts the counts it saw when its own omit period ended, and the two
# ends do not end it at the same instant: a datagram sent right at the
# boundary is "omitted" at one end and not at the other.
OMIT_SKEW=0
expect_near() {
    local what=$1 got=$2 want=$3
    expect_int -ge "$what (got $got, want $want)" "$got" $((want - OMIT_SKEW)) &&
        expect_int -le "$what (got $got, want $want)" "$got" $((want + OMIT_SKEW))
}

# udp_case KIND MODE NSTREAMS EXTRA ARGS...: MODE normal, reverse or bidir.
udp_case() {
    local kind=$1 mode=$2 np=$3 extra=$4 len
    shift 4
    if [ "$kind" != weir2weir ] && ! have_iperf3; then
        skip_case "iperf3 not found"
        return
    fi
    udp_pair "$kind" "$@" || return
    len=$(json_get "$CLI" .start.test_start.blksize)
    expect_eq "server test_start.blksize" "$(json_get "$SRV" .start.test_start.blksize)" "$len"
    expect_eq "client num_streams" "$(json_get "$CLI" .start.test_start.num_streams)" "$np"
    local n=$np
    [ "$mode" = bidir ] && n=$((2 * np))
    expect_eq "client end.streams count" "$(json_get "$CLI" '.end.streams | length')" "$n"
    expect_eq "server end.streams count" "$(json_get "$SRV" '.end.streams | length')" "$n"
    case $mode in
        normal)
            udp_direction "client->server" "$CLI" sum_sent "$SRV" sum_received "$len" ;;
        reverse)
            udp_direction "server->client" "$SRV" sum_sent "$CLI" sum_received "$len" ;;
        bidir)
            udp_direction "client->server" "$CLI" sum_sent "$SRV" sum_received "$len"
            udp_direction "server->client" "$SRV" sum_sent_bidir_reverse \
                "$CLI" sum_received_bidir_reverse "$len" ;;
    esac
    "$extra"
}

# ------------------------------------------------------------ extra checks

LEN_WANT="" BYTES_WANT=""
no_extra() { :; }

udp_extra_len() {
    expect_eq "client test_start.blksize" "$(json_get "$CLI" .start.test_start.blksize)" "$LEN_WANT"
}

udp_extra_bytes() {
    local sent len
    sent=$(json_get "$CLI" .end.sum_sent.bytes)
    len=$(json_get "$CLI" .start.test_start.blksize)
    expect_int -ge "sender bytes >= -n" "$sent" "$BYTES_WANT"
    expect_int -lt "sender bytes < -n + len" "$sent" $((BYTES_WANT + len))
}

udp_extra_parallel() {
    expect_eq "client: 4 distinct sockets" \
        "$(json_get "$CLI" '[.start.connected[].socket] | unique | length')" 4
    expect_eq "server: 4 streams on the server port" \
        "$(json_get "$SRV" "[.start.connected[] | select(.local_port == $PORT)] | length")" 4
}

# start.test_start gso and gro of weir's documents: iperf3 3.21 writes them
# always, 1 with --gsro (a server: when its client asked) and 0 without;
# iperf3 3.12 has neither.
GSRO_WANT=0
udp_extra_gsro() {
    local doc
    for doc in "$CLI" "$SRV"; do
        case $(json_get "$doc" .start.version) in weir*) ;; *) continue ;; esac
        expect_eq "${doc##*/}: start.test_start gso,gro" \
            "$(json_get "$doc" '[.start.test_start.gso, .start.test_start.gro] | map(tostring) | join(",")')" \
            "$GSRO_WANT,$GSRO_WANT"
    done
}

udp_extra_omit() {
    expect_eq "client test_start.omit" "$(json_get "$CLI" .start.test_start.omit)" 1
    expect_eq "client: first interval omitted" "$(json_get "$CLI" '.intervals[0].sum.omitted')" true
}

# ------------------------------------------------------------ cases

# udp_cases NAME MODE NSTREAMS EXTRA ARGS...: the three pairings.
udp_cases() {
    local name=$1
    shift
    run_case "weir -> weir: $name" udp_case weir2weir "$@"
    run_case "weir -> iperf3: $name" udp_case weir2iperf "$@"
    run_case "iperf3 -> weir: $name" udp_case iperf2weir "$@"
}

udp_cases "-u -t 2" normal 1 udp_extra_gsro -u -t 2
GSRO_WANT=1
run_case "weir -> weir: -u --gsro" udp_case weir2weir normal 1 udp_extra_gsro -u --gsro -b 10M -t 1
GSRO_WANT=0
udp_cases "-u -b 100M" normal 1 no_extra -u -b 100M -t 1
LEN_WANT=64
udp_cases "-u -l 64 -b 10M" normal 1 udp_extra_len -u -l 64 -b 10M -t 1
# Over 4 KiB a weir sender gives each datagram two iovecs, GSO included.
LEN_WANT=8000
udp_cases "-u -l 8000 -b 100M" normal 1 udp_extra_len -u -l 8000 -b 100M -t 1
udp_cases "-u -P 4" normal 4 udp_extra_parallel -u -P 4 -t 1
udp_cases "-u -R" reverse 1 no_extra -u -R -t 1
udp_cases "-u --bidir" bidir 1 no_extra -u --bidir -t 1
udp_cases "-u --udp-counters-64bit" normal 1 no_extra -u --udp-counters-64bit -b 10M -t 1
OMIT_SKEW=2
udp_cases "-u -O 1 -t 2" normal 1 udp_extra_omit -u -O 1 -t 2
OMIT_SKEW=0
BYTES_WANT=1048576
udp_cases "-u -n 1M" normal 1 udp_extra_bytes -u -n 1M -b 10M
# TCP's options, which iperf3 takes with -u and ignores: so does weir, on
# either end (a script written for iperf3 keeps running).
udp_cases "-u -C reno -N -Z (TCP's, taken and ignored)" normal 1 no_extra -u -C reno -N -Z -t 1
run_case "weir -> weir: -u --skip-rx-copy -L 5 -M 1200 (taken and ignored)" udp_case weir2weir normal 1 \
    no_extra -u --skip-rx-copy -L 5 -M 1200 -t 1

finish
