#!/usr/bin/env bash
# A server is never held hostage: connections that have not sent their
# cookie and parameters claim nothing, so a real client is served at once
# while any number of silent or slow ones are open (iperf3 3.12 blocks on
# one silent connection), even with --max-tests 1; and the silent ones are
# dropped after a bounded time (SERVER_ERROR 106, as iperf3 3.15+).
. "$(dirname "$0")/lib.sh"

require_tools
require_tool python3
PEERS=$E2E_DIR/hostage_peers.py
SERVER_TIMEOUT=60

field() {   # NAME: the rest of the peers' "NAME ..." line
    sed -n "s/^$1 //p" "$CASE_DIR/peers.out" | head -n 1
}

# hostages MAX-TESTS: 20 silent connections and a dribbler, then real
# clients; all while the hostage takers are still connected.
hostages() {
    start_server_retry weir --max-tests "$1" || return
    start_bg peers 30 python3 "$PEERS" --port "$PORT" --silent 20 --gap 0.15 --watch 16
    PEERS_PID=$BG_PID
    # READY: all connected.
    wait_grep "$CASE_DIR/peers.out" '^READY' 10 "$PEERS_PID" ||
        { fail "hostage_peers.py did not connect: $(oneline "$CASE_DIR/peers.err")"; return; }
    run_bounded "$CASE_DIR/weir.out" "$CASE_DIR/weir.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "weir client among the hostage takers: exit status" "$RUN_RC" 0
    if [ -n "$IPERF3" ]; then
        run_bounded "$CASE_DIR/iperf3.out" "$CASE_DIR/iperf3.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -t 1
        expect_eq "iperf3 client among the hostage takers: exit status" "$RUN_RC" 0
    fi
    # Both ran while the slow cookie was still coming in.
    kill -0 "$PEERS_PID" 2>/dev/null || fail "the hostage takers were gone before the clients finished"

    wait "$PEERS_PID"
    forget_pid "$PEERS_PID"
    expect_eq "dribbled cookie: answered with PARAM_EXCHANGE" "$(field DRIBBLER)" "sent 37 answer 09"
    expect_eq "silent connections dropped with SERVER_ERROR 106" \
        "$(field SILENT | sed 's/^closed //')" "20 of 20 answers fe0000006a00000000"
    local last
    last=$(sed -n 's/^SILENT last_close //p' "$CASE_DIR/peers.out")
    awk -v t="${last:--1}" 'BEGIN { exit !(t >= 0 && t <= 15) }' ||
        fail "silent connections: last dropped after ${last}s, want within 15 s"

    run_bounded "$CASE_DIR/after.out" "$CASE_DIR/after.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "client afterwards: exit status" "$RUN_RC" 0
    grep -q '^weir: error\|^iperf3: error' "$CASE_DIR/weir.err" "$CASE_DIR/after.err" &&
        fail "a client printed an error"
    return 0
}

run_case "20 silent connections and a slow cookie, --max-tests 1: clients served" hostages 1
run_case "20 silent connections and a slow cookie, --max-tests 3: clients served" hostages 3
finish
