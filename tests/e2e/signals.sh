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
# Never asserts speed.  Bounded: every wait has a limit; about 25 s in all.
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

finish
