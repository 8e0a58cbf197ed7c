#!/usr/bin/env bash
# Bad UDP peers through the real binary (the plugin-level cases -- short
# datagrams, sequence 0, jumps of 2^31, other source addresses, storms of
# hellos at one listener, a missing reply -- are in tests/plugin/test_udp.c):
#
#   hello never answered   udp_badpeer.py silent-server plays an iperf3
#                          server up to CREATE_STREAMS, then reads the UDP
#                          hello and answers nothing. `weir -c -u` must give
#                          up after its bounded wait (10 s for a stream to
#                          open), exit 1 with a message that says what was
#                          missing, and close the control connection.
#   hello storm            a persistent `weir -s` while udp_badpeer.py storm
#                          sends "9876" from 50 sockets (50 source ports on
#                          the client's own address) every half millisecond,
#                          and a real `weir -c -u -P 2` connects (3 rounds).
#                          Two weirs put the cookie in their hellos, so the
#                          storm's plain hellos are no one's: the server
#                          keeps them out of its socket buffer (a storm
#                          filling it while a loaded server is slow to read
#                          made the kernel drop the client's one hello).
#                          What must hold: every round's test completes
#                          (both streams carried its data), the storm gets
#                          no reply, and after it the server serves a normal
#                          test, with no descriptor left behind.
E2E_DEADLINE=${E2E_DEADLINE:-70}
. "$(dirname "$0")/lib.sh"

require_tools
require_tool python3 "udp_badpeer.py"
PEER=$E2E_DIR/udp_badpeer.py

peer_value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

never_answered() {
    local port i t0 t1 rc
    port=$(free_port)
    start_bg peer 25 python3 "$PEER" silent-server "$port" --timeout 20
    local ppid=$BG_PID
    wait_grep "$CASE_DIR/peer.out" READY 5 "$ppid" || { fail "the silent server did not start"; return; }
    t0=$(date +%s%N)
    CLIENT_TIMEOUT=30 run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" \
        "$WEIR" -c 127.0.0.1 -p "$port" -u -t 2
    rc=$RUN_RC t1=$(date +%s%N)
    wait_exit "$ppid" 25
    local ms=$(((t1 - t0) / 1000000))
    echo "    # the client gave up after $ms ms: $(head -c 300 "$CASE_DIR/client.err")"
    expect_eq "client exit status" "$rc" 1
    expect_int -ge "client's wait for the reply (ms)" "$ms" 9000
    # Process start and the control exchange come on top of the 10 s wait:
    # up to 10 s of them on a loaded machine (ASan), far below a hang (30 s).
    expect_int -le "client's wait for the reply (ms)" "$ms" 20000
    grep -q "no reply to the hello within 10000 ms" "$CASE_DIR/client.err" ||
        fail "client's error does not say that the hello went unanswered"
    grep -q "^weir: error - " "$CASE_DIR/client.err" || fail "client's error is not a 'weir: error - ' line"
    expect_eq "hellos the silent server got" "$(peer_value HELLOS "$CASE_DIR/peer.out")" 1
    expect_eq "how the client left the control connection" "$(peer_value CONTROL_END "$CASE_DIR/peer.out")" eof
}

# storm_round N: one client against $PORT while the storm runs.
storm_round() {
    local n=$1 i t0 t1 rc ms cli=$CASE_DIR/client$1.json storm=$CASE_DIR/storm$1.out
    # 5 s of storm: still on when a slow client opens its streams.
    start_bg "storm$n" 15 python3 "$PEER" storm "$PORT" --sockets 50 --seconds 5 --interval 0.5
    local spid=$BG_PID
    # The client only once the storm is on (python may start slowly).
    wait_grep "$storm" STORMING 10 "$spid"
    t0=$(date +%s%N)
    CLIENT_TIMEOUT=30 run_bounded "$cli" "$CASE_DIR/client$n.err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" -u -P 2 -b 10M -t 1 -J
    rc=$RUN_RC t1=$(date +%s%N)
    wait_exit "$spid" 15
    ms=$(((t1 - t0) / 1000000))
    expect_int -le "round $n: client's run (ms)" "$ms" 15000
    local answered
    answered=$(peer_value ANSWERED "$storm")
    echo "    # round $n: client exit $rc in $ms ms; storm: $(tr '\n' ' ' <"$storm")"
    expect_eq "round $n: storm sockets answered (their hellos carry no cookie)" "${answered:-x}" 0
    expect_eq "round $n: client exit status" "$rc" 0
    json_doc "$cli" "round $n client" || return
    expect_eq "round $n: streams that carried data (client's view of the server)" \
        "$(json_get "$cli" '[.end.streams[] | select(.udp.packets > 0)] | length')" 2
    expect_int -gt "round $n: bytes the server received" \
        "$(json_get "$cli" .end.sum_received.bytes)" 0
    kill -0 "$SERVER_PID" 2>/dev/null || fail "round $n: the server died"
}

hello_storm() {
    start_server_retry weir -J || return
    local base spid
    spid=$(child_of "$SERVER_PID")
    sleep 0.2
    base=$(fd_count "$spid")
    storm_round 1
    storm_round 2
    storm_round 3
    # The same server, no storm: a normal test.
    local cli=$CASE_DIR/after.json
    CLIENT_TIMEOUT=20 run_bounded "$cli" "$CASE_DIR/after.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -u -P 2 -b 10M -t 1 -J
    expect_eq "after the storm: client exit status" "$RUN_RC" 0
    json_doc "$cli" "after the storm: client" || return
    expect_eq "after the storm: lost datagrams" "$(json_get "$cli" .end.sum_received.lost_packets)" 0
    expect_eq "after the storm: streams that carried data" \
        "$(json_get "$cli" '[.end.streams[] | select(.udp.packets > 0)] | length')" 2
    local now i
    for i in $(seq 150); do     # the last test's teardown may still run
        now=$(fd_count "$spid")
        [ "$now" = "$base" ] && break
        sleep 0.1
    done
    expect_eq "server's open descriptors after the storm vs before" "$now" "$base"
}

run_case "hello never answered: bounded wait, clear error, exit 1" never_answered
run_case "hello storm from 50 source ports while weir -c -u -P 2 connects" hello_storm
finish
