#!/usr/bin/env bash
# Exact UDP loss accounting, proven with a known loss: in a network
# namespace of its own (weirtest-PID, loopback only), an nftables rule drops
# exactly every Nth datagram of the data flow, and both ends of a
# weir <-> weir test must report exactly that loss.
#
#   rule 1:  udp dport|sport P  meta length > 100  counter            (seen)
#   rule 2:  udp dport|sport P  meta length > 100  numgen inc mod N N-1
#            counter drop                                             (dropped)
#
# P is the server port: the data flow's destination (client sends) or
# source (-R). The length test keeps the 4-byte hello and reply (32-byte
# IPv4 packets) out of both rules, so the handshake is never dropped and
# numgen, which counts only the packets that reach it, sees data only. It
# gives the k-th of them (k - 1) mod N, so datagrams N, 2N, 3N, ... are
# dropped: D = floor(S/N) of the S the sender sent.
#
# The receiver learns of a loss only from a later sequence number. With R
# the highest sequence it counted (never a multiple of N: those were
# dropped), it must report
#   packets      = R
#   lost         = floor(R / N)           (the multiples of N below R)
#   bytes        = (R - floor(R / N)) * len   (every datagram that passed
#                                          the rule up to R, counted once)
#   out_of_order = 0
# and the nftables counters must show seen = S and dropped = D, so nothing
# was lost anywhere else. The receiver's own document and the client's (which
# has the receiver's numbers after the results exchange) must both say so.
#
# Which R: when the client sends, every datagram leaves before the client
# sends TEST_END, so R = S, or S - 1 when N divides S (the last one was
# dropped): lost = floor((S - 1) / N), from the sender's count alone. With
# -R the server sends until TEST_END reaches it, after the client stopped
# counting (iperf3 works the same way), so a short tail of the S datagrams
# arrives after the end and is, rightly, neither received nor lost: there
# R <= S, and S - R must be under 25 % of S (the tail is the time TEST_END
# takes to reach the server, which a loaded machine stretches).
#
# Loopback normally carries a GSO send as one packet of up to 64 datagrams
# that is only cut up at the receiving socket, so netfilter would count (and
# drop) a whole batch at once. The namespace's lo gets gso_max_segs 1,
# which makes the kernel segment GSO sends in software before the device:
# the sender still uses UDP_SEGMENT (start.weir.streams says so, and this
# test checks it) and netfilter sees every datagram on its own.
#
# Cases: default (sendmmsg + GSO, recvmmsg), -R, --udp-no-batch both ways,
# --udp-no-gso, --gsro (GRO receiver). -b 20M -l 1000 -t 2 leaves the
# receiver idle most of the time, so only the rule loses datagrams; when the
# kernel says otherwise (a receive buffer overflowed: Udp RcvbufErrors of
# the namespace, which holds only our sockets), the machine was too busy
# for an exact count and the case runs again, 3 times at most.
#
# Needs root (ip netns add), nft (Debian package nftables), jq, python3;
# skips (77) with the reason when the namespace or the table cannot be made.
# The namespace is deleted on exit, also on failure or timeout.
E2E_DEADLINE=${E2E_DEADLINE:-150}
SERVER_TIMEOUT=30
. "$(dirname "$0")/lib.sh"

require_tools
require_tool python3
require_tool nft "Debian package nftables"
N=${UDP_NETNS_EVERY:-7}
RATE=${UDP_NETNS_RATE:-20M}
netns_up weirtest
# Segment GSO sends before the device (see the header).
SEGMENTED=0
if ip -n "$NS" link set dev lo gso_max_segs 1 2>/dev/null; then
    SEGMENTED=1
elif command -v ethtool >/dev/null 2>&1 &&
        "${IN_NS[@]}" ethtool -K lo tx-udp-segmentation off >/dev/null 2>&1; then
    SEGMENTED=1
fi
if ! out=$("${IN_NS[@]}" nft add table inet weirtest 2>&1); then
    skip_all "cannot create an nftables table in the namespace (nf_tables missing?): $out"
fi
HAVE_GSO=false
kernel_has_udp_gso && HAVE_GSO=true

# rules DIRECTION PORT: the two rules (see the header), counters at 0.
rules() {
    "${IN_NS[@]}" nft -f - <<EOF
flush ruleset
table inet weirtest {
    chain input {
        type filter hook input priority 0; policy accept;
        udp $1 $2 meta length > 100 counter
        udp $1 $2 meta length > 100 numgen inc mod $N $((N - 1)) counter drop
    }
}
EOF
}

# nft_counts: "SEEN DROPPED" from the two rules' counters.
nft_counts() {
    "${IN_NS[@]}" nft -j list table inet weirtest |
        jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets]
               | map(tostring) | join(" ")'
}

# udp_rcvbuf_errors: datagrams the namespace's kernel dropped because a
# socket's receive buffer was full (Udp RcvbufErrors; only our sockets
# live there).
udp_rcvbuf_errors() {
    "${IN_NS[@]}" cat /proc/net/snmp |
        awk '$1 == "Udp:" { if (!n) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; n = 1 }
                            else v = $c } END { print v + 0 }'
}

# netns_run DIRECTION CLIENT-OPTIONS... -- BOTH-OPTIONS...: fresh rules,
# a one-off server and the client in the namespace. Sets CLI, SRV and
# RCVBUF_ERRORS_BEFORE; returns 1 (after a failed check) when there is
# nothing to check.
netns_run() {
    local dir=$1 copts=()
    shift
    while [ "$1" != -- ]; do copts+=("$1"); shift; done
    shift
    local port=$((5201 + RANDOM % 1000))
    rm -f "$CASE_DIR"/*
    rules "$dir" "$port" >"$CASE_DIR/nft.err" 2>&1 || { fail "installing the nftables rules"; return 1; }
    RCVBUF_ERRORS_BEFORE=$(udp_rcvbuf_errors)
    start_netns_server "$NS" server "$port" "$WEIR" -s -1 -p "$port" -J -u "$@" || return 1
    SRV=$SERVER_OUT CLI=$CASE_DIR/client.json
    CLIENT_TIMEOUT=20 run_bounded "$CLI" "$CASE_DIR/client.err" \
        "${IN_NS[@]}" "$WEIR" -c 127.0.0.1 -p "$port" -u -b "$RATE" -l 1000 -t 2 -J ${copts[@]+"${copts[@]}"} "$@"
    expect_eq "client exit status" "$RUN_RC" 0
    wait_server
    expect_eq "server exit status" "$SERVER_RC" 0
    json_doc "$CLI" client || return 1
    json_doc "$SRV" server || return 1
}

# netns_case MODE GSO BATCH GRO CLIENT-OPTION OPTIONS...: MODE normal or
# reverse; GSO / BATCH: what the sending stream must describe
# (start.weir.streams[0].gso / .batch), GRO what the receiving one must
# (.gro); CLIENT-OPTION ("" for none) goes to the client, OPTIONS to both.
netns_case() {
    local mode=$1 want_gso=$2 want_batch=$3 want_gro=$4 copt=()
    [ -n "$5" ] && copt=("$5")
    shift 5
    if [ "$want_gso" = true ] && [ "$SEGMENTED" = 0 ]; then
        skip_case "cannot make lo segment GSO sends (ip link gso_max_segs, ethtool): netfilter would see whole batches"
        return
    fi
    local dir=dport rev=() sdoc rdoc attempt overflow
    if [ "$mode" = reverse ]; then
        dir=sport rev=(-R)
    fi
    for attempt in 1 2 3; do
        netns_run "$dir" ${rev[@]+"${rev[@]}"} ${copt[@]+"${copt[@]}"} -- "$@" || return
        overflow=$(($(udp_rcvbuf_errors) - RCVBUF_ERRORS_BEFORE))
        [ "$overflow" = 0 ] && break
        echo "    # attempt $attempt: the kernel dropped $overflow datagrams at the receiving socket" \
             "(buffer full: the receiver did not run for a while); the count cannot be exact, again"
    done
    [ "$overflow" = 0 ] ||
        fail "the receiving socket overflowed in 3 attempts (the last: $overflow datagrams): receiver too slow or machine too busy"
    if [ "$mode" = reverse ]; then sdoc=$SRV rdoc=$CLI; else sdoc=$CLI rdoc=$SRV; fi
    local s d seen dropped
    s=$(json_get "$sdoc" .end.sum_sent.packets)
    expect_int -gt "sender's packets" "$s" 1000 || return
    d=$((s / N))
    read -r seen dropped <<<"$(nft_counts)"
    expect_eq "nftables: data datagrams that reached the rule = sent" "$seen" "$s"
    expect_eq "nftables: dropped = floor(sent / $N)" "$dropped" "$d"

    local r
    r=$(json_get "$rdoc" .end.sum_received.packets)
    expect_int -gt "receiver's packets" "$r" 0 || return
    if [ "$mode" = normal ]; then
        local want_r=$s
        [ $((s % N)) = 0 ] && want_r=$((s - 1))
        expect_eq "receiver's sum_received.packets (highest sequence; sent $s, every ${N}th dropped)" \
            "$r" "$want_r"
    else
        expect_int -le "receiver's highest sequence <= sent" "$r" "$s"
        # The server sends on until TEST_END reaches it: on a loaded
        # machine some hundred ms after the client stopped counting, so
        # up to a quarter of the 2 s; a receiver that stopped counting
        # early (half the test) still fails.
        expect_int -lt "datagrams sent after the client stopped counting: under 25 % (sent $s, highest $r)" \
            $((4 * (s - r))) "$s"
    fi
    [ $((r % N)) != 0 ] || fail "receiver's highest sequence $r is a multiple of $N: those were dropped"
    local doc label
    for label in receiver client; do
        if [ $label = receiver ]; then doc=$rdoc; else doc=$CLI; fi
        expect_eq "$label's sum_received.lost_packets (highest $r, every ${N}th dropped)" \
            "$(json_get "$doc" .end.sum_received.lost_packets)" $((r / N))
        expect_eq "$label's sum_received.packets" "$(json_get "$doc" .end.sum_received.packets)" "$r"
        expect_eq "$label's end.streams[].udp.out_of_order" \
            "$(json_get "$doc" '[.end.streams[].udp.out_of_order] | map(tostring) | join(",")')" 0
        expect_eq "$label's end.streams[].udp.lost_packets" \
            "$(json_get "$doc" '[.end.streams[].udp.lost_packets] | map(tostring) | join(",")')" $((r / N))
    done
    expect_eq "client's sum_sent.packets vs the sender's" "$(json_get "$CLI" .end.sum_sent.packets)" "$s"
    expect_eq "receiver's bytes: every datagram up to $r that passed the rule, counted once" \
        "$(json_get "$rdoc" .end.sum_received.bytes)" $(((r - r / N) * 1000))
    # The paths this case is about were the ones taken.
    expect_eq "sender's start.weir.streams[0].gso" "$(json_get "$sdoc" '.start.weir.streams[0].gso')" "$want_gso"
    expect_eq "sender's start.weir.streams[0].batch" \
        "$(json_get "$sdoc" '.start.weir.streams[0].batch')" "$want_batch"
    expect_eq "receiver's start.weir.streams[0].gro" "$(json_get "$rdoc" '.start.weir.streams[0].gro')" "$want_gro"
}

HAVE_GRO=$HAVE_GSO    # both came with Linux 4.18 / 5.0; close enough for a check
run_case "every ${N}th datagram dropped: default (sendmmsg, GSO)" \
    netns_case normal "$HAVE_GSO" sendmmsg false ""
run_case "every ${N}th datagram dropped: -R" \
    netns_case reverse "$HAVE_GSO" sendmmsg false ""
run_case "every ${N}th datagram dropped: --udp-no-batch" \
    netns_case normal false sendmsg false "" --udp-no-batch
run_case "every ${N}th datagram dropped: -R --udp-no-batch" \
    netns_case reverse false sendmsg false "" --udp-no-batch
run_case "every ${N}th datagram dropped: --udp-no-gso" \
    netns_case normal false sendmmsg false "" --udp-no-gso
run_case "every ${N}th datagram dropped: --gsro (GRO receiver)" \
    netns_case normal "$HAVE_GSO" sendmmsg "$HAVE_GRO" --gsro
finish
