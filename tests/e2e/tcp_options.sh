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

run_case "-w 256K -M 1400 -N" window_mss_nodelay
run_case "-C reno, both ends" congestion
run_case "-C reno against iperf3" congestion_iperf3
run_case "-S and --dscp" tos_and_dscp
run_case "--cport -B -4 -P 2" cport_and_bind
run_case "unknown -C algorithm" unknown_congestion
finish
