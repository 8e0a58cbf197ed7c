#!/usr/bin/env bash
# -n and -k tests that lose data still end, with the counts each peer kind
# expects. In a network namespace of its own (loopback only), nftables drops
# every Nth data packet of the test's flow, and each pairing
#   iperf3 -c -> weir -s,   weir -c -> iperf3 -s,   weir -c -> weir -s
# runs -n and -k, UDP and TCP, -R and forward. Both ends are one-off (-1)
# with -J and must exit 0 within a bound: a test that waits for data that
# was dropped is killed by its timeout and fails.
#
# The rule iperf3 (3.12 to 3.21) follows: the client ends a -n/-k test when
# it has sent or *received* the amount; its server, sending (-R), does not
# stop at the amount when paced (-b) and goes on until that TEST_END. So:
#   - a receiving client ends on what it received (>= the amount), and a
#     sender serving a plain iperf3 client over UDP sends more than the
#     amount (what was lost, and what went before TEST_END arrived);
#   - a weir server sending to a weir client stops at the amount exactly
#     and tells the client so (weir's WEIR_SENT state), which then ends with
#     less than the amount received;
#   - a sending client stops at the amount and sends TEST_END (what is
#     still in flight then is not counted, as in iperf3); over TCP (nothing
#     lost for the application, only retransmitted) a weir server stops at
#     the amount exactly whoever the client is: all of it arrives.
# Whenever UDP datagrams were dropped, the receiver must report lost > 0.
#
#   UDP: -l 1000 -b 50M; -n 1000K and -k 1K are both 1024 datagrams; every
#        10th datagram of the data flow (length > 100, so never the 4-byte
#        hello or its reply) is dropped.
#   TCP: -l 16K; -n 1M and -k 64 are both 1 MiB; every 5th packet of more
#        than 1000 bytes on the test's port is dropped (data segments, the
#        odd large control message: TCP sends them again).
# The namespace's lo gets gso_max_segs 1 where it can, so that netfilter
# sees single datagrams rather than GSO batches (udp_netns.sh explains).
#
# Needs root (ip netns add), nft (Debian package nftables) and jq; skips
# (77) with the reason when the namespace or the table cannot be made, and
# the iperf3 pairings without iperf3. The namespace is deleted on exit.
E2E_DEADLINE=${E2E_DEADLINE:-300}
CLIENT_TIMEOUT=15 SERVER_TIMEOUT=40
. "$(dirname "$0")/lib.sh"

require_tools
require_tool nft "Debian package nftables"
netns_up weirrl
ip -n "$NS" link set dev lo gso_max_segs 1 2>/dev/null
if ! out=$("${IN_NS[@]}" nft add table inet weirrl 2>&1); then
    skip_all "cannot create an nftables table in the namespace (nf_tables missing?): $out"
fi

UDP_N=10 TCP_N=5
UDP_LEN=1000 UDP_BYTES=1024000 UDP_BLOCKS=1024
TCP_LEN=16384 TCP_BYTES=1048576 TCP_BLOCKS=64

# drop_rule PROTO DIRECTION PORT EVERY: fresh table, one counting drop rule.
drop_rule() {
    local min=100
    [ "$1" = tcp ] && min=1000
    "${IN_NS[@]}" nft -f - <<EOF
flush ruleset
table inet weirrl {
    chain input {
        type filter hook input priority 0; policy accept;
        $1 $2 $3 meta length > $min numgen inc mod $4 $(($4 - 1)) counter drop
    }
}
EOF
}

# dropped: packets the rule dropped.
dropped() {
    "${IN_NS[@]}" nft -j list table inet weirrl |
        jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add // 0'
}

# ns_server BINARY PORT: a one-test server with -J in the namespace,
# waited for until it listens (SERVER_PID).
ns_server() {
    start_netns_server "$NS" server "$2" "$1" -s -1 -p "$2" -J
}

# loss_case PAIRING PROTO MODE AMOUNT: PAIRING iperf2weir, weir2iperf or
# weir2weir; PROTO udp or tcp; MODE reverse or forward; AMOUNT bytes (-n)
# or blocks (-k).
loss_case() {
    local pairing=$1 proto=$2 mode=$3 amount=$4 client server
    case $pairing in
        iperf2weir) client=$IPERF3 server=$WEIR ;;
        weir2iperf) client=$WEIR server=$IPERF3 ;;
        weir2weir)  client=$WEIR server=$WEIR ;;
    esac
    if [ "$pairing" != weir2weir ] && ! have_iperf3; then
        skip_case "iperf3 not installed"
        return
    fi
    local opts=() len want every dir=dport
    if [ "$proto" = udp ]; then
        opts=(-u -b 50M -l "$UDP_LEN") len=$UDP_LEN every=$UDP_N
        if [ "$amount" = bytes ]; then opts+=(-n 1000K); else opts+=(-k 1K); fi
        want=$((UDP_BLOCKS * UDP_LEN))
    else
        opts=(-l 16K) len=$TCP_LEN every=$TCP_N
        if [ "$amount" = bytes ]; then opts+=(-n 1M); else opts+=(-k "$TCP_BLOCKS"); fi
        want=$((TCP_BLOCKS * TCP_LEN))
    fi
    [ "$mode" = reverse ] && opts+=(-R) dir=sport
    local port=$((5201 + RANDOM % 1000))
    drop_rule "$proto" "$dir" "$port" "$every" >"$CASE_DIR/nft.err" 2>&1 ||
        { fail "installing the nftables rule"; return; }
    ns_server "$server" "$port" || return
    local cli=$CASE_DIR/client.json
    run_bounded "$cli" "$CASE_DIR/client.err" "${IN_NS[@]}" "$client" -c 127.0.0.1 -p "$port" -J "${opts[@]}"
    [ "$RUN_RC" = 124 ] && fail "the client did not end within ${CLIENT_TIMEOUT} s (it waits for dropped data)"
    expect_eq "client exit status" "$RUN_RC" 0
    wait_or_stop "$SERVER_PID" 10
    expect_eq "server exit status" "$EXIT_RC" 0
    json_doc "$cli" client || return
    local d sent rcvd lost
    d=$(dropped)
    expect_int -gt "packets nftables dropped" "$d" 0
    # The client's document holds both ends' sums after the results exchange.
    sent=$(json_get "$cli" .end.sum_sent.bytes)
    rcvd=$(json_get "$cli" .end.sum_received.bytes)
    # iperf3's server counts only what it read before the client's
    # TEST_END, without draining its streams: with drops delaying the data
    # (retransmission timeouts) that can be nothing at all.
    if [ "$server" = "$WEIR" ] || [ "$mode" = reverse ]; then
        expect_int -gt "bytes received" "$rcvd" 0 || return
    fi
    expect_int -le "bytes received <= sent" "$rcvd" "$sent"
    if [ "$proto" = udp ]; then
        lost=$(json_get "$cli" .end.sum_received.lost_packets)
        expect_int -gt "receiver's lost_packets ($d datagrams dropped)" "$lost" 0
    fi
    # Who stops where (see the header).
    if [ "$mode" = forward ]; then
        expect_int -ge "the client sent at least the amount" "$sent" "$want"
        [ "$client" = "$WEIR" ] && expect_eq "the weir client's bytes sent: the amount exactly" "$sent" "$want"
        return
    fi
    if [ "$server" != "$WEIR" ]; then
        expect_int -ge "iperf3's server sent at least the amount" "$sent" "$want"
    elif [ "$client" = "$WEIR" ] || [ "$proto" = tcp ]; then
        expect_eq "the weir server's bytes sent: the amount exactly" "$sent" "$want"
    else
        expect_int -gt "the weir server sent on past the amount, as iperf3's does" "$sent" "$want"
    fi
    if [ "$proto" = udp ] && [ "$pairing" = weir2weir ]; then
        expect_int -lt "weir <-> weir: less than the amount arrived, and the test ended" "$rcvd" "$want"
    elif [ "$proto" = tcp ] && [ "$amount" = blocks ]; then
        # iperf3 and weir count a TCP receiver's blocks by read calls, of up
        # to -l each, so the client may end with fewer than k*len bytes.
        expect_int -gt "bytes received" "$rcvd" 0
    else
        expect_int -ge "the client received the amount, then ended" "$rcvd" "$want"
    fi
}

# -O 1, weir <-> weir, UDP -R -n: the whole share goes (and part of it is
# lost) in the omit period, so WEIR_SENT comes then. iperf3's client never
# ends inside the omit period: the test ends at its end, with the omit
# period's bytes in omitted intervals and next to nothing counted after.
omit_sent_case() {
    local port=$((5201 + RANDOM % 1000))
    drop_rule udp sport "$port" "$UDP_N" >"$CASE_DIR/nft.err" 2>&1 ||
        { fail "installing the nftables rule"; return; }
    ns_server "$WEIR" "$port" || return
    local cli=$CASE_DIR/client.json
    run_bounded "$cli" "$CASE_DIR/client.err" \
        "${IN_NS[@]}" "$WEIR" -c 127.0.0.1 -p "$port" -J -u -b 50M -l "$UDP_LEN" -n 1000K -R -O 1
    expect_eq "client exit status" "$RUN_RC" 0
    wait_or_stop "$SERVER_PID" 10
    expect_eq "server exit status" "$EXIT_RC" 0
    json_doc "$cli" client || return
    expect_int -gt "packets nftables dropped" "$(dropped)" 0
    local omitted end rcvd
    omitted=$(json_get "$cli" '[.intervals[] | select(.sum.omitted) | .sum.bytes] | add // 0')
    end=$(json_get "$cli" '[.intervals[] | select(.sum.omitted) | .sum.end] | max // 0 | . * 1000 | floor')
    rcvd=$(json_get "$cli" .end.sum_received.bytes)
    expect_int -gt "bytes in the omitted intervals" "$omitted" 0
    expect_int -ge "the omitted intervals reach the omit end (ms)" "$end" 990
    expect_int -lt "omitted + counted bytes received: less than the amount" \
        "$((omitted + rcvd))" "$((UDP_BLOCKS * UDP_LEN))"
}

run_case "weir2weir udp reverse -n -O 1, all sent (and some dropped) in the omit period: ends at its end" \
    omit_sent_case

for proto in udp tcp; do
    for mode in reverse forward; do
        for amount in bytes blocks; do
            flag=-n
            [ "$amount" = blocks ] && flag=-k
            for pairing in iperf2weir weir2iperf weir2weir; do
                run_case "$pairing $proto $mode $flag, every Nth packet dropped" \
                    loss_case "$pairing" "$proto" "$mode" "$amount"
            done
        done
    done
done
finish
