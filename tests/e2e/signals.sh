#!/usr/bin/env bash
# Signals (protocol.md 2.3/2.6: CLIENT_TERMINATE, SERVER_TERMINATE):
#   1. SIGINT to a running `weir -c -t 30` after ~2 s: partial results with a
#      "sender" summary line, exit 1, "interrupt - the client has terminated"
#      on stderr; the server says "the client has terminated" and serves the
#      next client.
#   2. SIGTERM to `weir -s` mid-test: the server exits within 2 s; the client
#      exits 1 and says "the server has terminated".
#   3. SIGINT to an idle `weir -s`: exits within 2 s.
# Never asserts speed.  Bounded: every wait has a limit; about 15 s in all.
set -u

TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
WEIR=${WEIR:-$TESTS_DIR/../core/weir}
if [ -z "${WEIR_PLUGIN_PATH:-}" ]; then
    b=$TESTS_DIR/../plugins
    WEIR_PLUGIN_PATH=$b/tcp/.libs:$b/text/.libs:$b/json/.libs
fi
export WEIR_PLUGIN_PATH
BADPEER=$TESTS_DIR/e2e/badpeer.py

if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not found; signals.sh needs it (free port lookup)"
    exit 77
fi
if [ ! -x "$WEIR" ]; then
    echo "FAIL: weir binary not found at $WEIR"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weir-signals.XXXXXX")
failures=0
passes=0
SERVER_PID=
PORT=
STARTED_PIDS=

cleanup() {
    local p
    for p in $STARTED_PIDS; do
        if is_running "$p"; then
            kill -KILL "$p" 2>/dev/null
        fi
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "PASS: $1"; passes=$((passes + 1)); }
fail() {
    echo "FAIL: $1${2:+ ($2)}"
    failures=$((failures + 1))
}
oneline() { tr '\n' ' ' <"$1" | cut -c1-240; }

is_running() {
    kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/stat" ]; then
        local st
        st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
        [ "$st" != Z ] || return 1
    fi
    return 0
}

# wait_pid PID TENTHS: on exit within the time sets WAIT_RC and returns 0.
WAIT_RC=
wait_pid() {
    local pid=$1 n=0
    WAIT_RC=
    while [ "$n" -lt "$2" ]; do
        if ! is_running "$pid"; then
            wait "$pid" 2>/dev/null
            WAIT_RC=$?
            return 0
        fi
        sleep 0.1
        n=$((n + 1))
    done
    is_running "$pid" && return 1
    wait "$pid" 2>/dev/null
    WAIT_RC=$?
    return 0
}

kill_started() {
    if is_running "$1"; then
        kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
    return 0
}

wait_for_line() {   # FILE REGEX TENTHS
    local n=0
    while [ "$n" -lt "$3" ]; do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        n=$((n + 1))
    done
    grep -Eq -- "$2" "$1" 2>/dev/null
}

start_server() {   # LOG
    local _try
    for _try in 1 2 3 4 5; do
        PORT=$(python3 "$BADPEER" freeport)
        : >"$1"
        "$WEIR" -s -p "$PORT" --rcv-timeout 5000 >>"$1" 2>&1 &
        SERVER_PID=$!
        STARTED_PIDS="$STARTED_PIDS $SERVER_PID"
        if wait_for_line "$1" "Server listening on $PORT" 50; then
            return 0
        fi
        kill_started "$SERVER_PID"
    done
    echo "FAIL: could not start '$WEIR -s' (log follows)"
    sed 's/^/    /' "$1"
    exit 1
}

# start_client OUT ERR: a 30 s test against $PORT, waiting until it runs.
CLIENT_PID=
start_client() {
    "$WEIR" -c 127.0.0.1 -p "$PORT" -t 30 >"$1" 2>"$2" &
    CLIENT_PID=$!
    STARTED_PIDS="$STARTED_PIDS $CLIENT_PID"
    wait_for_line "$1" "connected to" 50
}

# ---------------------------------------------------------------------------
# 1. SIGINT to a running client.
name="SIGINT to client"
start_server "$tmp/s1.log"
if start_client "$tmp/c1.out" "$tmp/c1.err"; then
    sleep 2
    kill -INT "$CLIENT_PID"
    if wait_pid "$CLIENT_PID" 50; then
        if [ "$WAIT_RC" -eq 1 ]; then
            pass "$name: exit 1"
        else
            fail "$name: exit 1" "exit $WAIT_RC"
        fi
        if grep -Eq 'sender *$' "$tmp/c1.out"; then
            pass "$name: partial results with a sender line"
        else
            fail "$name: partial results with a sender line" "stdout: $(oneline "$tmp/c1.out")"
        fi
        if grep -q "interrupt - the client has terminated" "$tmp/c1.err"; then
            pass "$name: 'interrupt - the client has terminated' on stderr"
        else
            fail "$name: 'interrupt - the client has terminated' on stderr" "stderr: $(oneline "$tmp/c1.err")"
        fi
    else
        kill_started "$CLIENT_PID"
        fail "$name: client exits within 5 s" "still running; killed"
    fi
    if wait_for_line "$tmp/s1.log" "the client has terminated" 30; then
        pass "$name: server reports 'the client has terminated'"
    else
        fail "$name: server reports 'the client has terminated'" "server log: $(tail -n 4 "$tmp/s1.log" | tr '\n' ' ')"
    fi
    if is_running "$SERVER_PID"; then
        "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 >"$tmp/n.out" 2>"$tmp/n.err" &
        npid=$!
        STARTED_PIDS="$STARTED_PIDS $npid"
        if wait_pid "$npid" 150 && [ "$WAIT_RC" -eq 0 ]; then
            pass "$name: server serves the next client"
        else
            kill_started "$npid"
            fail "$name: server serves the next client" "weir -c -t 1: exit ${WAIT_RC:-?}: $(oneline "$tmp/n.err")"
        fi
    else
        wait "$SERVER_PID" 2>/dev/null
        fail "$name: server serves the next client" "server exited with $?"
    fi
else
    kill_started "$CLIENT_PID"
    fail "$name: test was running" "client never connected: $(oneline "$tmp/c1.err")"
fi
kill_started "$SERVER_PID"

# 2. SIGTERM to the server mid-test.
name="SIGTERM to server mid-test"
start_server "$tmp/s2.log"
if start_client "$tmp/c2.out" "$tmp/c2.err"; then
    sleep 2
    kill -TERM "$SERVER_PID"
    if wait_pid "$SERVER_PID" 20; then
        pass "$name: server exits within 2 s (status $WAIT_RC)"
    else
        kill_started "$SERVER_PID"
        fail "$name: server exits within 2 s" "still running; killed"
    fi
    if wait_pid "$CLIENT_PID" 50; then
        if [ "$WAIT_RC" -eq 1 ]; then
            pass "$name: client exits 1"
        else
            fail "$name: client exits 1" "exit $WAIT_RC"
        fi
        if cat "$tmp/c2.out" "$tmp/c2.err" | grep -q "the server has terminated"; then
            pass "$name: client says 'the server has terminated'"
        else
            fail "$name: client says 'the server has terminated'" "stderr: $(oneline "$tmp/c2.err")"
        fi
    else
        kill_started "$CLIENT_PID"
        fail "$name: client exits within 5 s" "still running; killed"
    fi
else
    kill_started "$CLIENT_PID"
    fail "$name: test was running" "client never connected: $(oneline "$tmp/c2.err")"
fi
kill_started "$SERVER_PID"

# 3. SIGINT to an idle server.
name="SIGINT to idle server"
start_server "$tmp/s3.log"
kill -INT "$SERVER_PID"
if wait_pid "$SERVER_PID" 20; then
    pass "$name: exits within 2 s (status $WAIT_RC)"
else
    kill_started "$SERVER_PID"
    fail "$name: exits within 2 s" "still running; killed"
fi

echo "signals.sh: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
