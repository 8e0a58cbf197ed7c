#!/usr/bin/env bash
# weir -s --max-tests N: several tests at once on one server, each with its
# own streams (TCP matched by cookie, UDP by the cookie in weir's hello or,
# for iperf3 clients, one stream setup at a time) and its own report.
# Checks counts, test numbers, ACCESS_DENIED and exit codes -- never speed.
. "$(dirname "$0")/lib.sh"

require_tools
CLIENT_TIMEOUT=20 SERVER_TIMEOUT=40

# start_client NAME CMD...: a client in the background, output in
# $CASE_DIR/NAME.json and NAME.err; its PID in CLIENT_PIDS.
CLIENT_PIDS=""
start_client() {
    local name=$1
    shift
    timeout -k 3 "$CLIENT_TIMEOUT" "$@" >"$CASE_DIR/$name.json" 2>"$CASE_DIR/$name.err" </dev/null &
    CLIENT_PIDS="$CLIENT_PIDS $!"
    track_pid "$!"
}

# wait_clients: every client started exits 0.
wait_clients() {
    local pid rc
    for pid in $CLIENT_PIDS; do
        wait "$pid"
        rc=$?
        forget_pid "$pid"
        [ "$rc" -eq 0 ] || fail "a client exited with status $rc"
    done
    CLIENT_PIDS=""
}

# wait_accepted N: the (text) server accepted N control connections.
accepted_at_least() {
    [ "$(grep -c '^Accepted connection' "$SERVER_OUT")" -ge "$1" ]
}
wait_accepted() {
    wait_until 10 accepted_at_least "$1" && return 0
    fail "the server did not accept $1 clients within 10 s"
    return 1
}

# server_doc NAME: the server's document for the client whose JSON is
# NAME.json (same cookie), into NAME.server.json.
server_doc() {
    local cookie
    cookie=$(json_get "$CASE_DIR/$1.json" .start.cookie)
    jq -c --arg c "$cookie" 'select(.start.cookie == $c)' "$SERVER_OUT" >"$CASE_DIR/$1.server.json"
    [ "$(wc -l <"$CASE_DIR/$1.server.json")" -eq 1 ] ||
        { fail "$1: no single server document with cookie '$cookie'"; return 1; }
}

# pair_counts NAME MODE NSTREAMS [udp]: client NAME and its server document
# agree on the counts (MODE normal: the client sends; reverse: the server
# sends). TCP: lib.sh's check_counts (what a side measured equals the
# peer's copy). UDP: the receiver's datagrams and bytes against the
# sender's; from the server the client stops counting at TEST_END, so the
# last datagrams may still be in flight, but what it counted must add up.
pair_counts() {
    local name=$1 mode=$2 np=$3 udp=${4:-}
    CLI=$CASE_DIR/$name.json SRV=$CASE_DIR/$name.server.json
    if [ -z "$udp" ]; then
        check_counts "$mode" "$np"
        return
    fi
    jq_check --arg mode "$mode" --arg name "$name" '
        (if $mode == "normal" then [$C, $S] else [$S, $C] end) as [$tx, $rx]
        | ($rx.end.sum_received) as $r | ($tx.end.sum_sent) as $t
        | gt("\($name): datagrams sent"; $t.packets; 0),
          if $mode == "normal" then
              eq("\($name): bytes received vs sent"; $r.bytes; $t.bytes),
              eq("\($name): datagrams received vs sent"; $r.packets; $t.packets),
              eq("\($name): datagrams lost"; $r.lost_packets; 0)
          else
              gt("\($name): datagrams received"; $r.packets; 0),
              eq("\($name): datagrams received <= sent"; $r.packets <= $t.packets; true),
              eq("\($name): bytes received = (datagrams - lost) * 1000";
                 $r.bytes; ($r.packets - $r.lost_packets) * 1000)
          end,
          eq("\($name): client and server cookie"; $C.start.cookie; $S.start.cookie)'
}

# ------------------------------------------------------------ weir clients

# Three weir clients at once: TCP (-P 3), TCP -R and UDP (its hello carries the
# cookie: start.weir.stream_tag on both ends). All must overlap in time.
three_weir() {
    start_server_retry weir -J --max-tests 3 || return
    start_client tcp "$WEIR" -c 127.0.0.1 -p "$PORT" -J -t 4 -P 3
    start_client rev "$WEIR" -c 127.0.0.1 -p "$PORT" -J -t 4 -R
    start_client udp "$WEIR" -c 127.0.0.1 -p "$PORT" -J -t 4 -u -b 10M -l 1000
    wait_clients
    stop_servers
    local n
    for n in tcp rev udp; do
        server_doc "$n" || return
    done
    pair_counts tcp normal 3
    pair_counts rev reverse 1
    pair_counts udp normal 1 udp
    CLI=$CASE_DIR/udp.json SRV=$CASE_DIR/udp.server.json jq_check '
        eq("UDP stream tag (client, server)"; [$C.start.weir.stream_tag, $S.start.weir.stream_tag]; [true, true])'
    # One document per test, numbered 1..3, and the three ran at once:
    # each started before the others' 4 s were over.
    jq -s -c '[.[] | .start.weir.test] | sort' "$SERVER_OUT" >"$CASE_DIR/numbers"
    expect_eq "server test numbers" "$(cat "$CASE_DIR/numbers")" "[1,2,3]"
    local spread
    spread=$(jq -s '[.[].start.timestamp.timesecs] | max - min' "$SERVER_OUT")
    [ "${spread:-99}" -lt 3 ] || fail "the tests did not overlap: starts ${spread}s apart"
}

# A fourth client beyond --max-tests 3 is told the server is busy; the
# three finish, and then the server takes new tests again.
fourth_denied() {
    start_server_retry weir --max-tests 3 || return
    local i
    for i in 1 2 3; do
        start_client "c$i" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 4
    done
    wait_accepted 3 || return
    run_bounded "$CASE_DIR/c4.out" "$CASE_DIR/c4.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "fourth client exit status" "$RUN_RC" 1
    grep -q "the server is busy running a test. try again later" "$CASE_DIR/c4.err" ||
        fail "fourth client: no 'server is busy' message"
    wait_clients
    run_bounded "$CASE_DIR/c5.out" "$CASE_DIR/c5.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "client after the three: exit status" "$RUN_RC" 0
    grep -q "Server listening on $PORT (test #5)" "$SERVER_OUT" ||
        fail "server: no 'Server listening (test #5)' after the denied client"
}

# --max-tests 1 (the default) is iperf3's server: a second client gets
# ACCESS_DENIED, the first completes.
one_at_a_time() {
    start_server_retry weir || return
    start_client first "$WEIR" -c 127.0.0.1 -p "$PORT" -t 6
    wait_accepted 1 || return
    run_bounded "$CASE_DIR/second.out" "$CASE_DIR/second.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "second weir client exit status" "$RUN_RC" 1
    grep -q "the server is busy running a test. try again later" "$CASE_DIR/second.err" ||
        fail "second weir client: no 'server is busy' message"
    # As iperf3: nothing on stdout, no "Connecting to host" for a test
    # the server did not take.
    [ -s "$CASE_DIR/second.out" ] && fail "second weir client printed on stdout: $(oneline "$CASE_DIR/second.out")"
    if [ -n "$IPERF3" ]; then
        run_bounded "$CASE_DIR/iperf3.out" "$CASE_DIR/iperf3.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -t 1
        expect_eq "iperf3 client exit status" "$RUN_RC" 1
        grep -q "the server is busy running a test. try again later" "$CASE_DIR/iperf3.out" "$CASE_DIR/iperf3.err" ||
            fail "iperf3 client: no 'server is busy' message"
    fi
    wait_clients
}

# ------------------------------------------------------------ iperf3 clients

# iperf3 clients at once against --max-tests 2: TCP (streams found by
# cookie) and UDP (plain hellos: one test at a time sets up its streams).
iperf3_pair() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    start_server_retry weir -J --max-tests 2 || return
    start_client tcp "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -t 3
    start_client udp "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -t 3 -u -b 10M -l 1000
    wait_clients
    stop_servers
    server_doc tcp && pair_counts tcp normal 1
    server_doc udp && pair_counts udp normal 1 udp
    CLI=$CASE_DIR/udp.json SRV=$CASE_DIR/udp.server.json jq_check '
        eq("UDP stream tag with an iperf3 client (server)"; $S.start.weir.stream_tag; null)'
}

# Two iperf3 UDP clients at once (one -R): their plain hellos are never
# confused, since the second waits until the first has its streams.
iperf3_udp_pair() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    start_server_retry weir -J --max-tests 2 || return
    start_client up "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -t 3 -u -b 10M -l 1000 -P 2
    start_client down "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -t 3 -u -b 10M -l 1000 -P 2 -R
    wait_clients
    stop_servers
    server_doc up && pair_counts up normal 2 udp
    server_doc down && pair_counts down reverse 2 udp
}

# --max-tests is a server option taking 1 to 128.
bad_values() {
    local args
    for args in "-s --max-tests 0" "-s --max-tests 129" "-s --max-tests two" "-c 127.0.0.1 --max-tests 2"; do
        # shellcheck disable=SC2086
        run_bounded "$CASE_DIR/bad.out" "$CASE_DIR/bad.err" "$WEIR" $args
        expect_eq "weir $args: exit status" "$RUN_RC" 1
        grep -Eq "^weir: parameter error - (invalid number of tests|some option you are trying to set is server only)" \
            "$CASE_DIR/bad.err" || fail "weir $args: no one-line error"
    done
}

# A script's clients one after another, each started the moment the last
# one exited (no retry): iperf3 leaves such a client in its listen backlog
# while the last test winds up, and so must weir -- never "busy". Also
# right after a test that failed (an unknown -C), and for iperf3 clients.
back_to_back() {
    start_server_retry weir || return
    local i busy=0 failed=0
    for i in $(seq 12); do
        run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -n 256K
        grep -q "busy" "$CASE_DIR/c.err" && busy=$((busy + 1))
        [ "$RUN_RC" -eq 0 ] || failed=$((failed + 1))
        if [ "$i" = 6 ]; then
            run_bounded "$CASE_DIR/bad.out" "$CASE_DIR/bad.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -C no-such-algo
            grep -q "busy" "$CASE_DIR/bad.err" && busy=$((busy + 1))
        fi
        if [ -n "$IPERF3" ]; then
            run_bounded "$CASE_DIR/i.out" "$CASE_DIR/i.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -n 256K
            grep -q "busy" "$CASE_DIR/i.out" "$CASE_DIR/i.err" && busy=$((busy + 1))
            [ "$RUN_RC" -eq 0 ] || failed=$((failed + 1))
        fi
    done
    expect_eq "clients told the server is busy" "$busy" 0
    expect_eq "clients that failed" "$failed" 0
    # A client arriving while the last test waits for its client's
    # IPERF_DONE is held, not refused, and served once it ends.
    start_bg peer 20 python3 "$E2E_DIR/badpeer.py" --port "$PORT" --timeout 10 --arg 1.5 slow_goodbye
    local ppid=$BG_PID
    wait_grep "$CASE_DIR/peer.out" '^WINDING' 10 "$ppid" || { fail "slow_goodbye never reached DISPLAY_RESULTS"; return; }
    run_bounded "$CASE_DIR/held.out" "$CASE_DIR/held.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -n 256K
    expect_eq "a client during the last test's goodbye: exit status" "$RUN_RC" 0
    grep -q "busy" "$CASE_DIR/held.err" && fail "the held client was told the server is busy"
    wait "$ppid"
    forget_pid "$ppid"
    grep -q '^END eof' "$CASE_DIR/peer.out" || fail "slow_goodbye: $(tr '\n' ' ' <"$CASE_DIR/peer.out")"
}

run_case "--max-tests: out of range, not a number, on a client" bad_values
run_case "three weir clients at once (TCP, TCP -R, UDP), --max-tests 3" three_weir
run_case "a fourth client beyond --max-tests 3 is denied, then served" fourth_denied
run_case "--max-tests 1: a second client is told the server is busy" one_at_a_time
run_case "iperf3 TCP and UDP clients at once, --max-tests 2" iperf3_pair
run_case "clients back to back, also after a failed test: never busy" back_to_back
run_case "two iperf3 UDP clients at once (-P 2, one -R), --max-tests 2" iperf3_udp_pair
finish
