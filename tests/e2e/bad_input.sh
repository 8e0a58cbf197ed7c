#!/usr/bin/env bash
# A weir server against hostile and broken peers (docs/protocol.md §3.7,
# §4, §5).  ONE `weir -s` runs for the whole script; for every
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
# A failing run waits out every bound (up to 40 s a scenario); the one
# server lives for the whole script.
E2E_DEADLINE=${E2E_DEADLINE:-300}
SERVER_TIMEOUT=${SERVER_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"

require_tool python3 "badpeer.py"
require_weir
BADPEER=$E2E_DIR/badpeer.py

restart_server() {
    echo "    (restarting the server after: $1)"
    show_files "$SERVER_ERR"
    stop_pid "$SERVER_PID"
    script_server --rcv-timeout 2000
}

server_alive() {   # case name
    if is_running "$SERVER_PID"; then
        return 0
    fi
    wait "$SERVER_PID" 2>/dev/null
    fail_check "$1: server still running" "weir -s exited with status $?"
    forget_pid "$SERVER_PID"
    restart_server "server died"
    return 1
}

# The server serves a valid client right now.
serving() {   # case name
    server_alive "$1" || return 1
    CLIENT_TIMEOUT=15 run_when_free "$E2E_TMP/valid.out" "$E2E_TMP/valid.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    if [ "$RUN_RC" -eq 0 ]; then
        pass_check "$1: next client served"
        return 0
    fi
    fail_check "$1: next client served" "weir -c -t 1 exit $RUN_RC: $(oneline "$E2E_TMP/valid.err" 200)"
    restart_server "server stopped serving"
    return 1
}

# peer SCENARIO [badpeer args]: run badpeer, output in $E2E_TMP/peer.out
PEER_RC=
peer() {
    local sc=$1
    shift
    CLIENT_TIMEOUT=25 run_bounded "$E2E_TMP/peer.out" "$E2E_TMP/peer.err" \
        python3 "$BADPEER" --port "$PORT" --timeout 15 "$@" "$sc"
    PEER_RC=$RUN_RC
}

field() {   # NAME: value of the first "NAME value" line of the peer output
    sed -n "s/^$1 //p" "$E2E_TMP/peer.out" | head -n 1
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
        fail_check "$name: SERVER_ERROR $code" "badpeer exit $PEER_RC: $(oneline "$E2E_TMP/peer.err" 200)"
    elif printf '%s' "$got" | grep -Eq "^${want}[0-9a-f]{8}\$"; then
        pass_check "$name: SERVER_ERROR $code"
    else
        fail_check "$name: SERVER_ERROR $code" "server answered '$got', $(field END); want ${want}xxxxxxxx"
    fi
    serving "$name"
}

# ---------------------------------------------------------------------------
script_server --rcv-timeout 2000

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
    fail_check "$name: dropped within 15 s" "badpeer exit $PEER_RC"
elif [ "$(field END)" = timeout ]; then
    fail_check "$name: dropped within 15 s" "still connected after 15 s, answer '$got'"
else
    pass_check "$name: dropped within 15 s (${el}s)"
    if printf '%s' "$got" | grep -Eq '^fe0000006a[0-9a-f]{8}$'; then
        pass_check "$name: SERVER_ERROR 106"
    else
        fail_check "$name: SERVER_ERROR 106" "server answered '$got'"
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
    fail_check "$name: answered FF and closed" "badpeer exit $PEER_RC: $(oneline "$E2E_TMP/peer.err" 200)"
elif [ "$(field DATA)" = ff ] && [ "$(field DATA_END)" = eof ]; then
    pass_check "$name: answered FF and closed"
else
    fail_check "$name: answered FF and closed" "data connection got '$(field DATA)', $(field DATA_END)"
fi
if [ "$(field ANSWER)" = 0102 ]; then
    pass_check "$name: test still starts with the right stream"
else
    fail_check "$name: test still starts with the right stream" "control got '$(field ANSWER)'"
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
       '{ FILE *f = fopen(MARKER, "w"); if (f) fclose(f); }' >"$E2E_TMP/probe.c" &&
   "$CC_BIN" -shared -fPIC -DMARKER="\"$E2E_TMP/loaded\"" -o "$E2E_TMP/probe.so" "$E2E_TMP/probe.c" 2>"$E2E_TMP/cc.err"; then
    server_alive "$name" || true
    peer transport_path --arg "$E2E_TMP/probe.so"
    if [ "$PEER_RC" -ne 0 ]; then
        fail_check "$name: not loaded" "badpeer exit $PEER_RC: $(oneline "$E2E_TMP/peer.err" 200)"
    elif [ -e "$E2E_TMP/loaded" ]; then
        fail_check "$name: not loaded" "the server dlopen()ed $E2E_TMP/probe.so sent by the client (its constructor ran); answer '$(field ANSWER)'"
    else
        pass_check "$name: not loaded"
    fi
    serving "$name"
else
    skip_check "$name" "no C compiler '$CC_BIN' to build the probe"
fi

# A real client killed (SIGKILL) mid-test: the server says so (as iperf3,
# "the client has unexpectedly closed the connection", or an error from a
# data stream) and serves the next client.
name="client killed mid-test"
server_alive "$name" || true
before=$(wc -l <"$SERVER_ERR")
new_errors() { tail -n +"$((before + 1))" "$SERVER_ERR" | grep -E 'error|the client has unexpectedly closed'; }
start_bg k 40 "$WEIR" -c 127.0.0.1 -p "$PORT" -t 30
kpid=$BG_PID
# Mid-test: its first interval reported (not a fixed sleep, which a loaded
# machine may spend before the test starts).
wait_grep "$E2E_TMP/k.out" "\] +0\.00-[0-9.]+ +sec" 10
if wait_exit "$kpid" 0; then
    fail_check "$name: test was running" "client exited early with $EXIT_RC: $(oneline "$E2E_TMP/k.err" 200)"
fi
kill -KILL "$BG_CHILD" 2>/dev/null
stop_pid "$kpid"
n=0
while [ "$n" -lt 50 ] && ! new_errors >/dev/null; do
    sleep 0.1
    n=$((n + 1))
done
if new_errors >/dev/null; then
    pass_check "$name: server reports it ($(new_errors | head -n 1))"
else
    fail_check "$name: server reports it" "nothing within 5 s"
fi
serving "$name"

# A second client while a test runs: exactly one byte FF (ACCESS_DENIED),
# nothing read; a weir client says the server is busy and exits 1; the
# running test is not disturbed.
name="second client while busy"
server_alive "$name" || true
start_bg a 30 "$WEIR" -c 127.0.0.1 -p "$PORT" -t 6
apid=$BG_PID
# Running: its first interval reported (after "connected to" alone, its
# cookie might not have reached the server before the busy peer's).
if wait_grep "$E2E_TMP/a.out" "\] +0\.00-[0-9.]+ +sec" 10; then
    peer busy
    if [ "$PEER_RC" -eq 0 ] && [ "$(field ANSWER)" = ff ] && [ "$(field END)" = eof ]; then
        pass_check "$name: raw connection gets exactly FF"
    else
        fail_check "$name: raw connection gets exactly FF" "got '$(field ANSWER)', $(field END), badpeer exit $PEER_RC"
    fi
    CLIENT_TIMEOUT=10 run_bounded "$E2E_TMP/b.out" "$E2E_TMP/b.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    if [ "$RUN_RC" -eq 1 ] && grep -q "the server is busy running a test. try again later" "$E2E_TMP/b.err"; then
        pass_check "$name: weir -c exits 1, server is busy"
    else
        fail_check "$name: weir -c exits 1, server is busy" "exit $RUN_RC: $(oneline "$E2E_TMP/b.err" 200)"
    fi
    # The running 6 s test must finish normally.
    if wait_exit "$apid" 15; then
        if [ "$EXIT_RC" -eq 0 ]; then
            pass_check "$name: running test completes"
        else
            fail_check "$name: running test completes" "first client exit $EXIT_RC: $(oneline "$E2E_TMP/a.err" 200)"
        fi
    else
        stop_pid "$apid"
        fail_check "$name: running test completes" "first client (-t 6) still running after 15 s; killed"
    fi
else
    stop_pid "$apid"
    fail_check "$name: test was running" "first client never connected: $(oneline "$E2E_TMP/a.err" 200)"
fi
serving "$name"

stop_pid "$SERVER_PID"
finish
