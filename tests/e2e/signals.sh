#!/usr/bin/env bash
# Signals (docs/protocol.md §3.3, §4.3: CLIENT_TERMINATE, SERVER_TERMINATE):
#   1. SIGINT to a running `weir -c -t 30` after ~2 s: partial results with a
#      "sender" summary line, exit 1, "interrupt - the client has terminated"
#      on stderr; the server says "the client has terminated" and serves the
#      next client.
#   2. SIGTERM to `weir -s` 1 s into a -t 5 test, three times with a weir
#      and three with an iperf3 client: the server exits within 5 s; the
#      client exits 1, says "the server has terminated" and prints its
#      summary.
#   3. SIGINT to an idle `weir -s`: exits within 5 s.
#   4. SIGINT and SIGKILL to a weir and an iperf3 client mid-test, against
#      `weir -s -1` (text and -J): the server exits 0 and says "the client
#      has terminated" / "the client has unexpectedly closed the connection"
#      without "error - " (with -J: in "error"); a persistent server then
#      serves the next client.
# Never asserts speed.  Bounded: every wait has a limit; about 35 s in all.
. "$(dirname "$0")/lib.sh"

require_weir

# start_client NAME: a 30 s test against $PORT, waiting until it runs;
# CLIENT_PID is its wrapper, CLIENT_WEIR the weir process.
start_client() {
    start_bg "$1" 40 "$WEIR" -c 127.0.0.1 -p "$PORT" -t 30
    CLIENT_PID=$BG_PID CLIENT_WEIR=$BG_CHILD
    wait_grep "$E2E_TMP/$1.out" "connected to" 10
}

# ---------------------------------------------------------------------------
# 1. SIGINT to a running client.
name="SIGINT to client"
script_server --rcv-timeout 5000
if start_client c1; then
    # Two intervals reported: the test has run ~2 s (a fixed sleep from
    # "connected to" may end before a loaded machine even starts the test).
    wait_grep "$E2E_TMP/c1.out" "\] +[1-9][0-9]*\.[0-9]+-[0-9.]+ +sec" 10
    kill -INT "$CLIENT_WEIR"
    if wait_exit "$CLIENT_PID" 5; then
        if [ "$EXIT_RC" -eq 1 ]; then
            pass_check "$name: exit 1"
        else
            fail_check "$name: exit 1" "exit $EXIT_RC"
        fi
        if grep -Eq 'sender *$' "$E2E_TMP/c1.out"; then
            pass_check "$name: partial results with a sender line"
        else
            fail_check "$name: partial results with a sender line" "stdout: $(oneline "$E2E_TMP/c1.out")"
        fi
        if grep -q "interrupt - the client has terminated" "$E2E_TMP/c1.err"; then
            pass_check "$name: 'interrupt - the client has terminated' on stderr"
        else
            fail_check "$name: 'interrupt - the client has terminated' on stderr" "stderr: $(oneline "$E2E_TMP/c1.err")"
        fi
    else
        stop_pid "$CLIENT_PID"
        fail_check "$name: client exits within 5 s" "still running; killed"
    fi
    if wait_grep "$SERVER_ERR" "the client has terminated" 10; then
        pass_check "$name: server reports 'the client has terminated'"
    else
        fail_check "$name: server reports 'the client has terminated'" "server log: $(tail -n 4 "$SERVER_ERR" | tr '\n' ' ')"
    fi
    if is_running "$SERVER_PID"; then
        CLIENT_TIMEOUT=15 run_when_free "$E2E_TMP/n.out" "$E2E_TMP/n.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
        if [ "$RUN_RC" -eq 0 ]; then
            pass_check "$name: server serves the next client"
        else
            fail_check "$name: server serves the next client" "weir -c -t 1: exit $RUN_RC: $(oneline "$E2E_TMP/n.err")"
        fi
    else
        wait_exit "$SERVER_PID" 0
        fail_check "$name: server serves the next client" "server exited with $EXIT_RC"
    fi
else
    stop_pid "$CLIENT_PID"
    fail_check "$name: test was running" "client never connected: $(oneline "$E2E_TMP/c1.err")"
fi
stop_pid "$SERVER_PID"

# 2. SIGTERM to the server mid-test, about 1 s into a -t 5 test, a few
#    times each (the server once closed the data streams before it sent
#    SERVER_TERMINATE, and an iperf3 client then mostly reported a reset
#    connection and no summary).
# term_mid_test NAME CLIENT [OPTION]: one try with the CLIENT binary
# (--forceflush for iperf3, whose output to a file is otherwise buffered).
term_mid_test() {
    local name=$1 out=$E2E_TMP/term.out err=$E2E_TMP/term.err
    script_server
    start_bg term 15 "$2" -c 127.0.0.1 -p "$PORT" -t 5 ${3:+"$3"}
    local cpid=$BG_PID
    # The first interval reported: the test has run 1 s.
    if ! wait_grep "$out" "\] +0\.00-1\.0[0-9] +sec" 10; then
        stop_pid "$cpid"
        stop_pid "$SERVER_PID"
        fail_check "$name: test was running" "client: $(oneline "$err")"
        return
    fi
    kill -TERM "$SERVER_WEIR"
    if wait_exit "$SERVER_PID" 5; then
        pass_check "$name: server exits within 5 s (status $EXIT_RC)"
    else
        stop_pid "$SERVER_PID"
        fail_check "$name: server exits within 5 s" "still running; killed"
    fi
    if ! wait_exit "$cpid" 5; then
        stop_pid "$cpid"
        fail_check "$name: client exits within 5 s" "still running; killed"
        return
    fi
    if [ "$EXIT_RC" -eq 1 ]; then
        pass_check "$name: client exits 1"
    else
        fail_check "$name: client exits 1" "exit $EXIT_RC"
    fi
    if grep -q "error - the server has terminated" "$err"; then
        pass_check "$name: client says 'the server has terminated'"
    else
        fail_check "$name: client says 'the server has terminated'" "stderr: $(oneline "$err")"
    fi
    if grep -Eq 'sender *$' "$out"; then
        pass_check "$name: client prints its summary"
    else
        fail_shown "$name: client prints its summary" "$out"
    fi
}

for try in 1 2 3; do
    term_mid_test "SIGTERM to server mid-test, weir client ($try)" "$WEIR"
done
if have_iperf3; then
    for try in 1 2 3; do
        term_mid_test "SIGTERM to server mid-test, iperf3 client ($try)" "$IPERF3" --forceflush
    done
else
    skip_check "SIGTERM to server mid-test, iperf3 client" "no iperf3"
fi

# 3. SIGINT to an idle server.
name="SIGINT to idle server"
script_server --rcv-timeout 5000
kill -INT "$SERVER_WEIR"
if wait_exit "$SERVER_PID" 5; then
    pass_check "$name: exits within 5 s (status $EXIT_RC)"
else
    stop_pid "$SERVER_PID"
    fail_check "$name: exits within 5 s" "still running; killed"
fi

# 4. A client that leaves mid-test: SIGINT (it sends CLIENT_TERMINATE) or
#    SIGKILL (its control connection just closes). As iperf3's server, a
#    weir server says so without "error - " (with -J in the "error" key),
#    counts the test as done (`-s -1` exits 0), and serves the next client.
# leave_mid_test CLIENT SIG [-J]: one try against `weir -s -1`.
leave_mid_test() {
    local client=$1 sig=$2 json=${3:-} want
    local name="SIG$sig to ${client##*/} client, weir -s -1${json:+ $json}"
    local out=$E2E_TMP/leave.out err=$E2E_TMP/leave.err
    [ "$sig" = INT ] && want="the client has terminated" || want="the client has unexpectedly closed the connection"
    script_server -1 ${json:+"$json"}
    start_bg leave 15 "$client" -c 127.0.0.1 -p "$PORT" -t 5 -i 0.2 --forceflush
    if ! wait_grep "$out" "\] +0\.00-0\.2[0-9] +sec" 10; then
        stop_pid "$BG_PID"
        stop_pid "$SERVER_PID"
        fail_check "$name: test was running" "client: $(oneline "$err")"
        return
    fi
    kill "-$sig" "$BG_CHILD"
    wait_or_stop "$BG_PID" 5
    if ! wait_exit "$SERVER_PID" 5; then
        stop_pid "$SERVER_PID"
        fail_check "$name: server exits within 5 s" "still running; killed"
        return
    fi
    if [ "$EXIT_RC" -eq 0 ]; then
        pass_check "$name: server exits 0"
    else
        fail_shown "$name: server exits 0 (exit $EXIT_RC)" "$SERVER_ERR"
    fi
    if [ -z "$json" ]; then
        if [ "$(cat "$SERVER_ERR")" = "weir: $want" ]; then
            pass_check "$name: server's stderr is 'weir: $want'"
        else
            fail_shown "$name: server's stderr is 'weir: $want'" "$SERVER_ERR"
        fi
    elif ! command -v jq >/dev/null; then
        skip_check "$name: JSON \"error\"" "no jq"
    elif [ "$(json_get "$SERVER_OUT" .error)" = "$want" ] && [ ! -s "$SERVER_ERR" ]; then
        pass_check "$name: JSON \"error\" is '$want', nothing on stderr"
    else
        fail_shown "$name: JSON \"error\" is '$want', nothing on stderr" "$SERVER_OUT" "$SERVER_ERR"
    fi
}

clients=("$WEIR")
if have_iperf3; then
    clients+=("$IPERF3")
else
    skip_check "iperf3 client leaves mid-test" "no iperf3"
fi
for client in "${clients[@]}"; do
    for sig in INT KILL; do
        leave_mid_test "$client" "$sig"
        leave_mid_test "$client" "$sig" -J
    done
done

# ...and a server that goes on serves the next client normally.
name="SIGKILL to client, persistent server"
script_server
start_bg leave 15 "$WEIR" -c 127.0.0.1 -p "$PORT" -t 5 -i 0.2
if wait_grep "$E2E_TMP/leave.out" "\] +0\.00-0\.2[0-9] +sec" 10; then
    kill -KILL "$BG_CHILD"
    wait_or_stop "$BG_PID" 5
    if wait_grep "$SERVER_ERR" "^weir: the client has unexpectedly closed the connection$" 10; then
        pass_check "$name: server says the client has unexpectedly closed the connection"
    else
        fail_shown "$name: server says the client has unexpectedly closed the connection" "$SERVER_ERR"
    fi
    CLIENT_TIMEOUT=15 run_when_free "$E2E_TMP/n.out" "$E2E_TMP/n.err" "${clients[-1]}" -c 127.0.0.1 -p "$PORT" -t 1
    if [ "$RUN_RC" -eq 0 ] && grep -Eq 'receiver *$' "$E2E_TMP/n.out"; then
        pass_check "$name: server serves the next client"
    else
        fail_check "$name: server serves the next client" "exit $RUN_RC: $(oneline "$E2E_TMP/n.err")"
    fi
else
    stop_pid "$BG_PID"
    fail_check "$name: test was running" "client: $(oneline "$E2E_TMP/leave.err")"
fi
stop_pid "$SERVER_PID"

finish
