#!/usr/bin/env bash
# TCP socket options through the real binary, weir <-> weir and weir ->
# iperf3: what the user asked for must show up in both ends' JSON and in
# the kernel (the stream's local port, its congestion control, ...).
. "$(dirname "$0")/lib.sh"

require_tools

# opts_pair SERVER-KIND ARGS...: server -1 -J, client -J ARGS; sets CLI, SRV.
opts_pair() {
    local kind=$1
    shift
    CLI=$CASE_DIR/client.json SRV=$CASE_DIR/$kind-server.out
    start_server_retry "$kind" -1 -J || return 1
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J -t 1 "$@"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
}

window_mss_nodelay() {
    opts_pair weir -w 256K -M 1400 -N || return
    expect_eq "client sock_bufsize" "$(json_get "$CLI" .start.sock_bufsize)" 262144
    expect_eq "client tcp_mss" "$(json_get "$CLI" .start.tcp_mss)" 1400
    # The kernel doubles SO_SNDBUF; it must at least hold what was asked.
    local snd
    snd=$(json_get "$CLI" .start.sndbuf_actual)
    [ "${snd:-0}" -ge 262144 ] || fail "sndbuf_actual $snd < 262144"
    expect_eq "server received what the client sent" \
        "$(json_get "$SRV" .end.sum_received.bytes)" "$(json_get "$CLI" .end.sum_received.bytes)"
}

congestion() {
    opts_pair weir -C reno || return
    expect_eq "client sender_tcp_congestion" "$(json_get "$CLI" .end.sender_tcp_congestion)" reno
    expect_eq "client receiver_tcp_congestion (the server's)" \
        "$(json_get "$CLI" .end.receiver_tcp_congestion)" reno
}

congestion_iperf3() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    opts_pair iperf3 -C reno || return
    expect_eq "iperf3 server's receiver_tcp_congestion" \
        "$(json_get "$SRV" .end.receiver_tcp_congestion)" reno
    expect_eq "weir client's sender_tcp_congestion" "$(json_get "$CLI" .end.sender_tcp_congestion)" reno
}

tos_and_dscp() {
    opts_pair weir -S 0x10 || return
    expect_eq "test_start.tos from -S 0x10" "$(json_get "$CLI" .start.test_start.tos)" 16
    opts_pair weir --dscp af11 || return
    expect_eq "test_start.tos from --dscp af11" "$(json_get "$CLI" .start.test_start.tos)" 40
}

cport_and_bind() {
    local cport=$(( $(free_port) ))
    opts_pair weir -P 2 --cport "$cport" -B 127.0.0.1 -4 || return
    expect_eq "stream 1 local port" "$(json_get "$CLI" '.start.connected[0].local_port')" "$cport"
    expect_eq "stream 2 local port" "$(json_get "$CLI" '.start.connected[1].local_port')" $((cport + 1))
    expect_eq "server saw the client's port" \
        "$(json_get "$SRV" '.start.connected[0].remote_port')" "$cport"
}

unknown_congestion() {
    CLI=$CASE_DIR/client.json
    start_server_retry weir -1 || return
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -C no-such-algo
    expect_eq "client exit status" "$RUN_RC" 1
    grep -q "unable to set TCP_CONGESTION" "$CASE_DIR/client.err" ||
        fail "no TCP_CONGESTION error line: $(cat "$CASE_DIR/client.err")"
    # The server must be serving the next client.
    stop_servers
}

# at_most WHAT BITS_PER_SECOND LIMIT: kernel pacing lets no more through
# (a busy machine can only make it slower).
at_most() {
    awk -v v="$2" -v l="$3" 'BEGIN { exit !(v > 0 && v <= l) }' ||
        fail "$1: $2 bits/s, want more than 0 and at most $3"
}

# --fq-rate: SO_MAX_PACING_RATE on the sender's sockets, which TCP honours
# without the fq qdisc; the key goes to the server, which paces with -R.
fq_rate() {
    opts_pair weir --fq-rate 20M -t 2 || return
    expect_eq "client test_start.fqrate" "$(json_get "$CLI" .start.test_start.fqrate)" 20000000
    expect_eq "server test_start.fqrate" "$(json_get "$SRV" .start.test_start.fqrate)" 20000000
    at_most "paced client's rate" "$(json_get "$CLI" .end.sum_received.bits_per_second)" 30000000
    opts_pair weir --fq-rate 20M -t 2 -R || return
    at_most "paced server's rate (-R)" "$(json_get "$CLI" .end.sum_received.bits_per_second)" 30000000
}

# (iperf3 3.12 paces only its client's sockets, so a weir client's key
# shows at an iperf3 server only as a test it accepts.)
fq_rate_iperf3() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    opts_pair iperf3 --fq-rate 20M -t 2 || return
    at_most "weir client paced against an iperf3 server" \
        "$(json_get "$CLI" .end.sum_received.bits_per_second)" 30000000
    CLI=$CASE_DIR/iperf3-client.json
    start_server_retry weir -1 || return
    run_bounded "$CLI" "$CASE_DIR/iperf3-client.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -t 2 -R --fq-rate 20M
    wait_server
    expect_eq "iperf3 client exit status" "$RUN_RC" 0
    at_most "weir server paced by iperf3's fqrate key" \
        "$(json_get "$CLI" .end.sum_received.bits_per_second)" 30000000
}

# The kernel's pacing cap as each end's socket has it, read back for
# start.weir.streams[].max_pacing_rate: --fq-rate's on every data socket
# of both ends (a receiver's carries only ACKs), none for -b alone
# (iperf3's user-space average).
pacing_reported() {
    local pace='[.start.weir.streams[] | .max_pacing_rate | tostring] | join(" ")'
    opts_pair weir --fq-rate 20M -t 1 -P 2 || return
    expect_eq "client (sending): the cap per stream" "$(json_get "$CLI" "$pace")" "20000000 20000000"
    expect_eq "server (receiving): the cap" "$(json_get "$SRV" "$pace")" "20000000 20000000"
    opts_pair weir --fq-rate 20M -t 1 -R || return
    expect_eq "server sending to -R: the cap" "$(json_get "$SRV" "$pace")" "20000000"
    expect_eq "client receiving: the cap" "$(json_get "$CLI" "$pace")" "20000000"
    opts_pair weir -b 20M -t 1 || return
    expect_eq "-b alone: no kernel cap" "$(json_get "$CLI" "$pace")" "0"
    expect_eq "-b alone: none on the server" "$(json_get "$SRV" "$pace")" "0"
}

# --tcp-notsent-lowat: TCP_NOTSENT_LOWAT on both ends' sockets (the
# server's from the weir_notsent_lowat parameter), read back from the
# kernel into start.weir.streams[]; an iperf3 server ignores the key; udp
# refuses the option in one line.
notsent_lowat() {
    local mark='[.start.weir.streams[] | .notsent_lowat | tostring] | join(" ")'
    opts_pair weir --tcp-notsent-lowat 128K -P 2 || return
    expect_eq "client: the mark per stream" "$(json_get "$CLI" "$mark")" "131072 131072"
    expect_eq "server: the mark per stream" "$(json_get "$SRV" "$mark")" "131072 131072"
    opts_pair weir --tcp-notsent-lowat 16K -R || return
    expect_eq "server sending to -R: the mark" "$(json_get "$SRV" "$mark")" "16384"
    opts_pair weir -t 1 || return
    expect_eq "not given: none reported" "$(json_get "$CLI" "$mark")" "null"
    if have_iperf3; then
        opts_pair iperf3 --tcp-notsent-lowat 64K || return
        expect_eq "against iperf3: the client's mark" "$(json_get "$CLI" "$mark")" "65536"
    fi
    run_bounded "$CASE_DIR/udp.out" "$CASE_DIR/udp.err" "$WEIR" -c 127.0.0.1 -p "$(free_port)" -u \
        --tcp-notsent-lowat 64K
    expect_eq "-u: exit status" "$RUN_RC" 1
    expect_eq "-u: one line" "$(grep -c . "$CASE_DIR/udp.err")" 1
    grep -qF -- "--transport udp does not support --tcp-notsent-lowat" "$CASE_DIR/udp.err" ||
        fail "-u: refusal names the option and the transport: $(cat "$CASE_DIR/udp.err")"
}

# -m: Multipath TCP sockets where the kernel has them, said per stream in
# start.weir.streams[].mptcp ("on"; "fallback" when the peer is plain TCP;
# "off"). iperf3 3.12 has no -m: MPTCP falls back to TCP both ways. In a
# namespace with net.mptcp.enabled=0, one clear line and exit 1.
mptcp() {
    python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)' 2>/dev/null ||
        { skip_case "no Multipath TCP in this kernel"; return; }
    local state='[.start.weir.streams[] | .mptcp] | join(" ")'
    CLI=$CASE_DIR/client.json SRV=$CASE_DIR/weir-server.out
    start_server_retry weir -1 -J -m || return
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J -t 1 -P 2 -m
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "client streams" "$(json_get "$CLI" "$state")" "on on"
    expect_eq "server streams" "$(json_get "$SRV" "$state")" "on on"
    expect_eq "server received what the client sent" \
        "$(json_get "$SRV" .end.sum_received.bytes)" "$(json_get "$CLI" .end.sum_received.bytes)"
    opts_pair weir -m -R || return
    expect_eq "-m to a server without it: the client's stream" "$(json_get "$CLI" "$state")" "fallback"
    if [ -n "$IPERF3" ]; then
        opts_pair iperf3 -m || return
        expect_eq "-m to iperf3 3.12: the client's stream" "$(json_get "$CLI" "$state")" "fallback"
        CLI=$CASE_DIR/iperf3-client.json
        start_server_retry weir -1 -J -m || return
        run_bounded "$CLI" "$CASE_DIR/iperf3-client.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -t 1
        wait_server
        expect_eq "iperf3 client to weir -s -m: exit status" "$RUN_RC" 0
        expect_eq "weir -s -m serving plain TCP: its stream" "$(json_get "$SERVER_OUT" "$state")" "off"
    fi
    local hint="no Multipath TCP here (-m: a kernel without it, or sysctl net.mptcp.enabled=0)" role
    for role in "-c 127.0.0.1 -p 9 -t 1" "-s -1 -p 9"; do
        # shellcheck disable=SC2086
        run_bounded "$CASE_DIR/off.out" "$CASE_DIR/off.err" unshare -n sh -c \
            'ip link set lo up && sysctl -q -w net.mptcp.enabled=0 && exec "$@"' sh "$WEIR" $role -m
        if grep -q "Operation not permitted\|cannot\|unshare:" "$CASE_DIR/off.err" && ! grep -q "weir:" "$CASE_DIR/off.err"; then
            skip_case "no namespace of our own: $(head -n 1 "$CASE_DIR/off.err")"
            return
        fi
        expect_eq "weir $role -m without MPTCP: exit status" "$RUN_RC" 1
        grep -qF "$hint" "$CASE_DIR/off.err" || fail "weir $role -m without MPTCP: $(cat "$CASE_DIR/off.err")"
    done
}

# cpus_of PID: the CPU lists its threads may run on, one per thread, sorted.
cpus_of() {
    local f
    for f in /proc/"$1"/task/*/status; do
        awk '/^Cpus_allowed_list:/ { print $2 }' "$f" 2>/dev/null
    done | sort -u | tr '\n' ' '
}

# -A n pins the client; -A n,m asks the server to pin the test's data
# workers to m (server_affinity); a CPU the server cannot use is refused
# with iperf3's IEAFFINITY, and the server goes on serving.
affinity() {
    [ "$(nproc)" -ge 2 ] || { skip_case "needs 2 CPUs"; return; }
    start_server_retry weir || return
    local srv seen_c="" seen_s=""
    srv=$(child_of "$SERVER_PID")
    start_bg pinned "$CLIENT_TIMEOUT" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 6 -P 2 -A 0,1
    if wait_grep "$CASE_DIR/pinned.out" "sec" 10 "$BG_PID"; then
        seen_c=$(cpus_of "$BG_CHILD")
        seen_s=$(cpus_of "$srv")
    fi
    wait_exit "$BG_PID" "$CLIENT_TIMEOUT"
    expect_eq "client exit status" "$EXIT_RC" 0
    expect_eq "client threads' CPUs with -A 0" "$seen_c" "0 "
    case " $seen_s" in
        *" 1 "*) ;;
        *) fail "no server thread pinned to CPU 1 during the test (saw: $seen_s)" ;;
    esac
    run_bounded "$CASE_DIR/far.out" "$CASE_DIR/far.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -A 0,1023
    expect_eq "client exit status for -A 0,1023" "$RUN_RC" 1
    grep -q "unable to set CPU affinity" "$CASE_DIR/far.err" ||
        fail "no IEAFFINITY line: $(cat "$CASE_DIR/far.err")"
    run_bounded "$CASE_DIR/self.out" "$CASE_DIR/self.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -A 1023
    expect_eq "client exit status for -A 1023" "$RUN_RC" 1
    grep -q "unable to set CPU affinity" "$CASE_DIR/self.err" ||
        fail "no IEAFFINITY line: $(cat "$CASE_DIR/self.err")"
    run_when_free "$CASE_DIR/next.out" "$CASE_DIR/next.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "the next client after a refused one" "$RUN_RC" 0
    if [ -n "$IPERF3" ]; then
        run_bounded "$CASE_DIR/iperf3.out" "$CASE_DIR/iperf3.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -t 1 -A 0,1
        expect_eq "iperf3 client -A 0,1 exit status" "$RUN_RC" 0
    fi
}

# -A in the forms iperf3 3.12 reads: the number it starts with is this
# process's CPU (the help's "n/n" gives n), what follows a comma is the
# server's, sent as server_affinity; an iperf3 -d server prints the keys
# it got, so both clients' parameters can be compared.
affinity_forms() {
    [ -n "$IPERF3" ] || { skip_case "needs iperf3"; return; }
    local who args keys
    for args in "0/1" "0/1,0"; do
        for who in iperf3 weir; do
            start_server_retry iperf3 -1 -d || return
            if [ "$who" = iperf3 ]; then
                run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -t 1 -A "$args"
            else
                run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -A "$args"
            fi
            wait_server
            expect_eq "$who client -A $args exit status" "$RUN_RC" 0 || sed 's/^/      /' "$CASE_DIR/c.err"
            keys=$(sed -n '/^get_parameters:/,/^}/p' "$SERVER_OUT" | grep -c '"server_affinity":[[:space:]]*0,\?$')
            expect_eq "server_affinity 0 in the parameters $who sent for -A $args" "$keys" \
                "$([ "$args" = 0/1 ] && echo 0 || echo 1)"
        done
    done
}

# --bind-dev: SO_BINDTODEVICE on the control and data sockets.
bind_dev() {
    opts_pair weir --bind-dev lo || return
    run_bounded "$CASE_DIR/nodev.out" "$CASE_DIR/nodev.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 \
        --bind-dev weir-no-such0
    expect_eq "client exit status, no such device" "$RUN_RC" 1
    grep -q "bind-to-device.*weir-no-such0" "$CASE_DIR/nodev.err" ||
        fail "no IEBINDDEV line: $(cat "$CASE_DIR/nodev.err")"
    run_bounded "$CASE_DIR/srv.out" "$CASE_DIR/srv.err" "$WEIR" -s -p "$(free_port)" --bind-dev weir-no-such0
    expect_eq "server exit status, no such device" "$RUN_RC" 1
    grep -q "bind-to-device" "$CASE_DIR/srv.err" ||
        fail "no IEBINDDEV line from the server: $(cat "$CASE_DIR/srv.err")"
}

# -Z (sendfile from a memory file) and --skip-rx-copy (MSG_TRUNC): the
# bytes still arrive and are counted, both ends say how they moved them
# (start.weir.streams[]), and the keys reach the server, which uses them
# with -R.
# flags FILE: [zerocopy, skip_rx_copy] of the document's first stream.
flags() {
    jq -c '.start.weir.streams[0] | [.zerocopy, .skip_rx_copy]' "$1" 2>/dev/null
}

zerocopy_skip_rx() {
    local dir
    for dir in "" -R; do
        opts_pair weir -Z --skip-rx-copy $dir || return
        # The server's own count of what it measured, in both documents.
        local own=.end.sum_received.bytes
        [ -n "$dir" ] && own=.end.sum_sent.bytes
        expect_eq "$dir: the server's count in both documents" \
            "$(json_get "$SRV" $own)" "$(json_get "$CLI" $own)"
        [ "$(json_get "$CLI" .end.sum_received.bytes)" -gt 0 ] || fail "$dir: nothing received"
        expect_eq "$dir: client's stream" "$(flags "$CLI")" \
            '[true,true]'
        expect_eq "$dir: server's stream" "$(flags "$SRV")" \
            '[true,true]'
    done
    opts_pair weir || return
    expect_eq "without them" "$(flags "$CLI")" \
        '[false,false]'
}

zerocopy_iperf3() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    opts_pair iperf3 -Z -R || return
    [ "$(json_get "$CLI" .end.sum_received.bytes)" -gt 0 ] || fail "nothing received from the iperf3 server"
    CLI=$CASE_DIR/iperf3-client.json
    start_server_retry weir -1 -J || return
    run_bounded "$CLI" "$CASE_DIR/iperf3-client.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -t 1 -Z -R
    wait_server
    expect_eq "iperf3 client exit status" "$RUN_RC" 0
    expect_eq "weir server's stream sends with sendfile" \
        "$(json_get "$SERVER_OUT" '.start.weir.streams[0].zerocopy')" true
}

# -L: the client's data packets carry the label. Counted by nftables in a
# network namespace of our own: a weir server on ::1, a client with
# -L 0x12345, and nftables counting the large TCP packets with that label
# and all of them. IPv4 is refused with IESETFLOW.
flowlabel() {
    command -v nft >/dev/null 2>&1 || { skip_case "nft not installed (Debian package nftables)"; return; }
    local ns=weirfl-$$ port labelled all
    netns_add "$ns" || { skip_case "$NETNS_WHY"; return; }
    ip netns exec "$ns" nft -f - >"$CASE_DIR/nft.err" 2>&1 <<'EOF' || { fail "installing the nftables rules"; return; }
table ip6 weirfl {
    chain pre {
        type filter hook prerouting priority 0; policy accept;
        ip6 nexthdr tcp meta length > 1000 ip6 flowlabel 0x12345 counter
        ip6 nexthdr tcp meta length > 1000 counter
    }
}
EOF
    port=$(free_port)
    start_netns_server "$ns" server "$port" "$WEIR" -s -1 -p "$port" || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" \
        ip netns exec "$ns" "$WEIR" -c ::1 -p "$port" -t 1 -L 0x12345
    expect_eq "client exit status" "$RUN_RC" 0
    wait_server
    read -r labelled all <<<"$(ip netns exec "$ns" nft -j list table ip6 weirfl |
        jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets]
               | map(tostring) | join(" ")')"
    netns_del "$ns"
    [ "${all:-0}" -gt 100 ] || fail "only ${all:-?} large TCP packets seen"
    expect_eq "large TCP packets with flow label 0x12345 (all: only the client sends data)" \
        "$labelled" "$all"
    start_server_retry weir -1 || return
    run_bounded "$CASE_DIR/v4.out" "$CASE_DIR/v4.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -L 5
    expect_eq "-L over IPv4: exit status" "$RUN_RC" 1
    grep -q "unable to set IPv6 flow label" "$CASE_DIR/v4.err" ||
        fail "no IESETFLOW line: $(cat "$CASE_DIR/v4.err")"
}

run_case "-w 256K -M 1400 -N" window_mss_nodelay
run_case "-C reno, both ends" congestion
run_case "-C reno against iperf3" congestion_iperf3
run_case "-S and --dscp" tos_and_dscp
run_case "--cport -B -4 -P 2" cport_and_bind
run_case "unknown -C algorithm" unknown_congestion
run_case "--fq-rate, both directions" fq_rate
run_case "--fq-rate with iperf3, both ways" fq_rate_iperf3
run_case "--fq-rate: each socket's cap in start.weir.streams" pacing_reported
run_case "--tcp-notsent-lowat: both ends, -R, iperf3, refused by udp" notsent_lowat
run_case "-A n,m: client and server threads pinned, bad CPUs refused" affinity
run_case "-A n/n and n/n,m as iperf3 reads them, server_affinity sent" affinity_forms
run_case "--bind-dev" bind_dev
run_case "-Z --skip-rx-copy, both directions" zerocopy_skip_rx
run_case "-Z with iperf3, both ways" zerocopy_iperf3
run_case "-L: flow label on the client's packets, IPv4 refused" flowlabel
run_case "-m: Multipath TCP, fallback to plain TCP both ways, none in the kernel" mptcp
finish
