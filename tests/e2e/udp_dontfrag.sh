#!/usr/bin/env bash
# --dont-fragment through the real binary, in a network namespace of its own
# (weirdf-PID) whose loopback has an MTU of 1280. nftables counts, on the
# prerouting hook ahead of reassembly (priority -450; the output hook sees
# datagrams before they are cut), the IPv4 packets that are later fragments
# (fragment offset not 0) and the UDP packets over 100 bytes that carry DF:
#   -l 1400 without the option: the datagrams leave in fragments and arrive
#   -l 1400 with it: nothing is fragmented, the sender's write fails
#          ("Message too long") and the test with it, exit 1
#   -l 1200 with it: every data datagram carries DF, none is fragmented
# The option travels as iperf3's dont_fragment key: with -R the server is
# the one that must refuse, for a weir and for an iperf3 client.
#
# Needs root (ip netns add) and nft; skips (77) with the reason otherwise.
# The namespace is deleted on exit, also on failure or timeout.
E2E_DEADLINE=${E2E_DEADLINE:-90}
SERVER_TIMEOUT=30
. "$(dirname "$0")/lib.sh"

require_tools
require_tool nft "Debian package nftables"
netns_up weirdf
if ! out=$(ip -n "$NS" link set lo mtu 1280 2>&1); then
    fail_check "lo mtu 1280 in $NS: $out"
    exit 1
fi
# A GSO send crosses lo as one packet of many datagrams; with
# gso_max_segs 1 the kernel cuts it before the device, and netfilter counts
# each datagram (as in udp_netns.sh). Without that, the sender runs
# without GSO where the count matters.
NO_GSO=()
ip -n "$NS" link set dev lo gso_max_segs 1 2>/dev/null || NO_GSO=(--udp-no-gso)
if ! out=$("${IN_NS[@]}" nft add table ip weirdf 2>&1); then
    skip_all "cannot create an nftables table in the namespace (nf_tables missing?): $out"
fi

# counters: fresh rules, counters at 0.
counters() {
    "${IN_NS[@]}" nft -f - <<'EOF'
flush ruleset
table ip weirdf {
    chain pre {
        type filter hook prerouting priority -450; policy accept;
        ip frag-off & 0x1fff != 0 counter
        ip frag-off & 0x4000 != 0 meta l4proto udp meta length > 100 counter
    }
}
EOF
}

# nft_counts: "FRAGMENTS DF" from the two rules.
nft_counts() {
    "${IN_NS[@]}" nft -j list table ip weirdf |
        jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets]
               | map(tostring) | join(" ")'
}

# df_run SERVER-KIND CLIENT-KIND OPTIONS...: counters reset, a one-off
# server and a client (-u -b 10M -t 1 -J OPTIONS) in the namespace. Sets
# CLI, CLI_ERR, CLI_RC, FRAGS, DF.
df_run() {
    local skind=$1 ckind=$2 sbin cbin port
    shift 2
    if [ "$skind" = weir ]; then sbin=$WEIR; else sbin=$IPERF3; fi
    if [ "$ckind" = weir ]; then cbin=$WEIR; else cbin=$IPERF3; fi
    counters >"$CASE_DIR/nft.err" 2>&1 || { fail "installing the nftables rules"; return 1; }
    port=$((5201 + RANDOM % 1000))
    start_netns_server "$NS" "$skind-server" "$port" "$sbin" -s -1 -p "$port" || return 1
    CLI=$CASE_DIR/client.json CLI_ERR=$CASE_DIR/client.err
    CLIENT_TIMEOUT=20 run_bounded "$CLI" "$CLI_ERR" \
        "${IN_NS[@]}" "$cbin" -c 127.0.0.1 -p "$port" -u -b 10M -t 1 -J "$@"
    CLI_RC=$RUN_RC
    stop_servers
    read -r FRAGS DF <<<"$(nft_counts)"
}

fragmented() {
    df_run weir weir -l 1400 || return
    expect_eq "client exit status" "$CLI_RC" 0
    expect_int -gt "datagrams received" "$(json_get "$CLI" .end.sum_received.packets)" 0
    expect_int -gt "fragments on the wire" "$FRAGS" 0
}

refused() {
    local who=$1
    shift
    expect_eq "client exit status" "$CLI_RC" 1
    grep -q "unable to write to stream socket" "$CLI" "$CLI_ERR" ||
        fail "no 'unable to write to stream socket' from the $who: $(cat "$CLI_ERR")"
    expect_eq "fragments on the wire" "$FRAGS" 0
}

too_long() {
    df_run weir weir -l 1400 --dont-fragment || return
    refused client
    grep -q "Message too long" "$CLI" "$CLI_ERR" || fail "no 'Message too long': $(cat "$CLI_ERR")"
}

fits() {
    df_run weir weir -l 1200 --dont-fragment ${NO_GSO[@]+"${NO_GSO[@]}"} || return
    expect_eq "client exit status" "$CLI_RC" 0
    local sent
    sent=$(json_get "$CLI" .end.sum_sent.packets)
    expect_int -gt "datagrams sent" "$sent" 0 || return
    expect_int -ge "datagrams with DF" "$DF" "$sent"
    expect_eq "fragments on the wire" "$FRAGS" 0
}

reverse_too_long() {
    df_run weir weir -R -l 1400 --dont-fragment || return
    refused server
    grep -q "Message too long" "$CLI" "$CLI_ERR" ||
        fail "no 'Message too long' (the server's errno): $(cat "$CLI_ERR")"
}

iperf3_client() {
    have_iperf3 || { skip_case "no iperf3"; return; }
    df_run weir iperf3 -R -l 1400 --dont-fragment || return
    # iperf3 3.12 -J exits 0 after a server error; its document says it.
    expect_eq "iperf3 client's error (errno from the server)" "$(json_get "$CLI" .error)" \
        "unable to write to stream socket: Message too long"
    expect_eq "fragments on the wire" "$FRAGS" 0
    df_run weir iperf3 -R -l 1200 --dont-fragment || return
    expect_eq "iperf3 client exit status" "$CLI_RC" 0
    expect_int -gt "datagrams with DF from the weir server" "$DF" 0
    expect_eq "fragments on the wire" "$FRAGS" 0
}

run_case "-l 1400 over MTU 1280: fragments" fragmented
run_case "--dont-fragment -l 1400: the send fails, exit 1" too_long
run_case "--dont-fragment -l 1200: DF on every datagram" fits
run_case "-R --dont-fragment -l 1400: the server's send fails" reverse_too_long
run_case "iperf3 client -R --dont-fragment against weir -s" iperf3_client
finish
