#!/usr/bin/env bash
# A weir server against hostile and broken peers (protocol.md sections 2.6,
# 10, 11.2 and 11.5).  ONE `weir -s` runs for the whole script; for every
# scenario tests/e2e/badpeer.py misbehaves on the raw control protocol, the
# server's answer is checked (SERVER_ERROR 0xfe + iperf3's error number where
# iperf3 has one), and then a valid `weir -c -t 1` must still be served.
#
# Unknown state bytes: the scenarios send 99 where the server waits for a
# state, i.e. (a) after CREATE_STREAMS instead of opening the streams and
# (b) while the test runs, instead of TEST_END.  A state byte *instead of the
# parameter JSON* is not meaningful on the wire: the server reads it as the
# first byte of the 4-byte JSON length, so that case is the bad-length cases.
#
# If a check fails because the server died or stopped serving, the server is
# restarted (and that said) so the later scenarios still test something.
# Never asserts speed.  Bounded: every wait has a limit; about 50 s in all.
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
    echo "SKIP: python3 not found; bad_input.sh needs it for badpeer.py"
    exit 77
fi
if [ ! -x "$WEIR" ]; then
    echo "FAIL: weir binary not found at $WEIR"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weir-badinput.XXXXXX")
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

# Running and not a zombie.
is_running() {
    kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/stat" ]; then
        local st
        st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
        [ "$st" != Z ] || return 1
    fi
    return 0
}

# wait_pid PID TENTHS: wait up to TENTHS/10 s for our child PID; on exit
# sets WAIT_RC and returns 0, else returns 1 (still running).
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

# kill_started PID: SIGKILL a process this script started, and reap it.
kill_started() {
    if is_running "$1"; then
        kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
    return 0
}

# run_bounded SECS OUT ERR CMD...: run CMD, kill it after SECS; RUN_RC is its
# status, 124 when it had to be killed.
RUN_RC=
run_bounded() {
    local secs=$1 out=$2 err=$3
    shift 3
    "$@" >"$out" 2>"$err" &
    local pid=$!
    STARTED_PIDS="$STARTED_PIDS $pid"
    if wait_pid "$pid" $((secs * 10)); then
        RUN_RC=$WAIT_RC
    else
        kill_started "$pid"
        RUN_RC=124
    fi
}

# wait_for_line FILE REGEX TENTHS
wait_for_line() {
    local n=0
    while [ "$n" -lt "$3" ]; do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        n=$((n + 1))
    done
    grep -Eq -- "$2" "$1" 2>/dev/null
}

start_server() {
    local _try
    for _try in 1 2 3 4 5; do
        PORT=$(python3 "$BADPEER" freeport)
        : >"$tmp/server.log"
        "$WEIR" -s -p "$PORT" --rcv-timeout 2000 >>"$tmp/server.log" 2>&1 &
        SERVER_PID=$!
        STARTED_PIDS="$STARTED_PIDS $SERVER_PID"
        if wait_for_line "$tmp/server.log" "Server listening on $PORT" 50; then
            return 0
        fi
        kill_started "$SERVER_PID"
    done
    echo "FAIL: could not start '$WEIR -s' (log follows)"
    sed 's/^/    /' "$tmp/server.log"
    exit 1
}

restart_server() {
    echo "    (restarting the server after: $1)"
    echo "    --- server log tail:"
    tail -n 8 "$tmp/server.log" | sed 's/^/    /'
    kill_started "$SERVER_PID"
    start_server
}

server_alive() {   # case name
    if is_running "$SERVER_PID"; then
        return 0
    fi
    wait "$SERVER_PID" 2>/dev/null
    fail "$1: server still running" "weir -s exited with status $?"
    restart_server "server died"
    return 1
}

# The server serves a valid client right now.
serving() {   # case name
    server_alive "$1" || return 1
    run_bounded 15 "$tmp/valid.out" "$tmp/valid.err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    if [ "$RUN_RC" -eq 0 ]; then
        pass "$1: next client served"
        return 0
    fi
    fail "$1: next client served" "weir -c -t 1 exit $RUN_RC: $(tr '\n' ' ' <"$tmp/valid.err" | cut -c1-200)"
    restart_server "server stopped serving"
    return 1
}

# peer SCENARIO [badpeer args]: run badpeer, output in $tmp/peer.out
PEER_RC=
peer() {
    local sc=$1
    shift
    run_bounded 25 "$tmp/peer.out" "$tmp/peer.err" \
        python3 "$BADPEER" --port "$PORT" --timeout 15 "$@" "$sc"
    PEER_RC=$RUN_RC
}

field() {   # NAME: value of the first "NAME value" line of the peer output
    sed -n "s/^$1 //p" "$tmp/peer.out" | head -n 1
}

# expect_error NAME SCENARIO CODE: the server answers SERVER_ERROR CODE.
expect_error() {
    local name=$1 sc=$2 code=$3
    server_alive "$name" || true
    peer "$sc"
    local want got
    want=$(printf 'fe%08x' "$code")
    got=$(field ANSWER)
    if [ "$PEER_RC" -ne 0 ]; then
        fail "$name: SERVER_ERROR $code" "badpeer exit $PEER_RC: $(tr '\n' ' ' <"$tmp/peer.err" | cut -c1-200)"
    elif printf '%s' "$got" | grep -Eq "^${want}[0-9a-f]{8}\$"; then
        pass "$name: SERVER_ERROR $code"
    else
        fail "$name: SERVER_ERROR $code" "server answered '$got', $(field END); want ${want}xxxxxxxx"
    fi
    serving "$name"
}

# ---------------------------------------------------------------------------
start_server

# Parameter JSON framing and content (IERECVPARAMS 114 and range checks).
expect_error "json length 0"               len0            114
expect_error "json length 9000 (> 8 KiB)"  len9000         114
expect_error "json length 0xFFFFFFFF"      lenmax          114
expect_error "invalid json"                badjson         114
expect_error "json not an object"          notobject       114
expect_error "\"time\":\"ten\" (wrong type)" wrongtype     114
expect_error "\"parallel\":100000"         parallel100000  6
expect_error "\"len\":0"                   len_zero        7
expect_error "\"time\":-5"                 time_neg        5
# Unknown state byte (99) where the server waits for a state.
expect_error "state 99 instead of the streams" state_in_streams 110
expect_error "state 99 while the test runs"    state_running    110

# A peer that connects and says nothing: dropped with IERECVCOOKIE after
# weir's 10 s cookie timeout; the bound asserted is 15 s.
name="silent client"
server_alive "$name" || true
peer silent
got=$(field ANSWER)
el=$(field ELAPSED)
if [ "$PEER_RC" -ne 0 ]; then
    fail "$name: dropped within 15 s" "badpeer exit $PEER_RC"
elif [ "$(field END)" = timeout ]; then
    fail "$name: dropped within 15 s" "still connected after 15 s, answer '$got'"
else
    pass "$name: dropped within 15 s (${el}s)"
    if printf '%s' "$got" | grep -Eq '^fe0000006a[0-9a-f]{8}$'; then
        pass "$name: SERVER_ERROR 106"
    else
        fail "$name: SERVER_ERROR 106" "server answered '$got'"
    fi
fi
serving "$name"

# A data connection with a wrong cookie during CREATE_STREAMS: exactly one
# byte FF, then closed; the right stream afterwards still starts the test
# (TEST_START TEST_RUNNING); then the peer leaves and the server resets.
name="data connection with a wrong cookie"
server_alive "$name" || true
peer wrong_cookie
if [ "$PEER_RC" -ne 0 ]; then
    fail "$name: answered FF and closed" "badpeer exit $PEER_RC: $(tr '\n' ' ' <"$tmp/peer.err" | cut -c1-200)"
elif [ "$(field DATA)" = ff ] && [ "$(field DATA_END)" = eof ]; then
    pass "$name: answered FF and closed"
else
    fail "$name: answered FF and closed" "data connection got '$(field DATA)', $(field DATA_END)"
fi
if [ "$(field ANSWER)" = 0102 ]; then
    pass "$name: test still starts with the right stream"
else
    fail "$name: test still starts with the right stream" "control got '$(field ANSWER)'"
fi
serving "$name"

# A client asking for a transport by *path* must not make the server load
# that file (weir_transport is a weir key; a remote peer must not choose
# server-side files).  The probe .so only writes a marker file when loaded.
name="client-named plugin path"
CC_BIN=${CC:-cc}
if command -v "$CC_BIN" >/dev/null 2>&1 &&
   printf '%s\n' '#include <stdio.h>' \
       'static void __attribute__((constructor)) mark(void)' \
       '{ FILE *f = fopen(MARKER, "w"); if (f) fclose(f); }' >"$tmp/probe.c" &&
   "$CC_BIN" -shared -fPIC -DMARKER="\"$tmp/loaded\"" -o "$tmp/probe.so" "$tmp/probe.c" 2>"$tmp/cc.err"; then
    server_alive "$name" || true
    peer transport_path --arg "$tmp/probe.so"
    if [ "$PEER_RC" -ne 0 ]; then
        fail "$name: not loaded" "badpeer exit $PEER_RC: $(tr '\n' ' ' <"$tmp/peer.err" | cut -c1-200)"
    elif [ -e "$tmp/loaded" ]; then
        fail "$name: not loaded" "the server dlopen()ed $tmp/probe.so sent by the client (its constructor ran); answer '$(field ANSWER)'"
    else
        pass "$name: not loaded"
    fi
    serving "$name"
else
    echo "SKIP: $name (no C compiler '$CC_BIN' to build the probe)"
fi

# A real client killed (SIGKILL) mid-test: the server prints an error and
# serves the next client.
name="client killed mid-test"
server_alive "$name" || true
before=$(wc -l <"$tmp/server.log")
"$WEIR" -c 127.0.0.1 -p "$PORT" -t 30 >"$tmp/k.out" 2>"$tmp/k.err" &
kpid=$!
STARTED_PIDS="$STARTED_PIDS $kpid"
sleep 2
if ! is_running "$kpid"; then
    wait "$kpid" 2>/dev/null
    fail "$name: test was running" "client exited early with $?: $(tr '\n' ' ' <"$tmp/k.err" | cut -c1-200)"
fi
kill_started "$kpid"
n=0
while [ "$n" -lt 50 ] && ! tail -n +"$((before + 1))" "$tmp/server.log" | grep -q 'error'; do
    sleep 0.1
    n=$((n + 1))
done
if tail -n +"$((before + 1))" "$tmp/server.log" | grep -q 'error'; then
    pass "$name: server reports an error ($(tail -n +"$((before + 1))" "$tmp/server.log" | grep 'error' | head -n 1))"
else
    fail "$name: server reports an error" "nothing within 5 s"
fi
serving "$name"

# A second client while a test runs: exactly one byte FF (ACCESS_DENIED),
# nothing read; a weir client says the server is busy and exits 1; the
# running test is not disturbed.
name="second client while busy"
server_alive "$name" || true
"$WEIR" -c 127.0.0.1 -p "$PORT" -t 3 >"$tmp/a.out" 2>"$tmp/a.err" &
apid=$!
STARTED_PIDS="$STARTED_PIDS $apid"
if wait_for_line "$tmp/a.out" "connected to" 50; then
    sleep 0.5
    peer busy
    if [ "$PEER_RC" -eq 0 ] && [ "$(field ANSWER)" = ff ] && [ "$(field END)" = eof ]; then
        pass "$name: raw connection gets exactly FF"
    else
        fail "$name: raw connection gets exactly FF" "got '$(field ANSWER)', $(field END), badpeer exit $PEER_RC"
    fi
    run_bounded 10 "$tmp/b.out" "$tmp/b.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    if [ "$RUN_RC" -eq 1 ] && grep -q "the server is busy running a test. try again later" "$tmp/b.err"; then
        pass "$name: weir -c exits 1, server is busy"
    else
        fail "$name: weir -c exits 1, server is busy" "exit $RUN_RC: $(tr '\n' ' ' <"$tmp/b.err" | cut -c1-200)"
    fi
    # The running 3 s test must finish normally.
    if wait_pid "$apid" 100; then
        if [ "$WAIT_RC" -eq 0 ]; then
            pass "$name: running test completes"
        else
            fail "$name: running test completes" "first client exit $WAIT_RC: $(tr '\n' ' ' <"$tmp/a.err" | cut -c1-200)"
        fi
    else
        kill_started "$apid"
        fail "$name: running test completes" "first client (-t 3) still running after 10 s; killed"
    fi
else
    kill_started "$apid"
    fail "$name: test was running" "first client never connected: $(tr '\n' ' ' <"$tmp/a.err" | cut -c1-200)"
fi
serving "$name"

kill_started "$SERVER_PID"
echo "bad_input.sh: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
