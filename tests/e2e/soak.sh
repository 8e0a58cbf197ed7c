#!/usr/bin/env bash
# Soak: SOAK_TESTS (500) short tests back to back against ONE `weir -s`,
# cycling TCP, TCP -R, UDP and TCP -P 2, with a hostile peer (badpeer.py:
# garbage instead of a cookie, a cookie and gone, a bad JSON length) before
# every 20th. Every valid test must succeed (exit 0, bytes counted on both
# ends); the server's open descriptors must be exactly the same after the
# run as after a warm-up of 20 tests, and its resident memory within
# SOAK_RSS_SLACK_KB (8 MiB; not checked under ASan, whose quarantine grows
# by design). Both are printed.
#
# Each test moves 256 KiB with -i 0; about 20 s plain, a few minutes under
# ASan on two loaded cores. The whole-script deadline covers that.
: "${E2E_DEADLINE:=400}"
. "$(dirname "$0")/lib.sh"

require_tools
require_tool python3 "badpeer.py"

SOAK_TESTS=${SOAK_TESTS:-500}
WARMUP=20
HOSTILE_EVERY=20
SOAK_RSS_SLACK_KB=${SOAK_RSS_SLACK_KB:-8192}
SERVER_TIMEOUT=$((E2E_DEADLINE - 10))
BADPEER=$TESTS_DIR/e2e/badpeer.py

ASAN=
if ldd "$WEIR" 2>/dev/null | grep -q libasan; then
    ASAN=1
fi

# Filled by the soak case, judged by the ones after it.
SOAK_FAILED=()          # "test N (args): why"
HOSTILE_FAILED=()
HOSTILE_RUN=0
VALID_RUN=0
FD_START= FD_END= RSS_START= RSS_END=
FD_LIST_START= FD_LIST_END=
SOAK_READY=

# wait_idle CONNECTIONS: the server has finished with all of them (it says
# "Server listening ... (test #CONNECTIONS+1)" when it waits for the next).
wait_idle() {
    wait_until 10 grep -qF "(test #$(($1 + 1)))" "$SERVER_OUT"
}

# fd_settled PID: the fewest descriptors seen over 2 s. The banner comes
# before the last test has closed its control connection and the server
# has reaped it; on a loaded machine that can take a while, and the count
# only goes down meanwhile.
fd_settled() {
    local n min i
    min=$(fd_count "$1")
    for i in $(seq 20); do
        sleep 0.1
        n=$(fd_count "$1")
        [ "$n" -lt "$min" ] && min=$n
    done
    echo "$min"
}
fd_list() { ls -l "/proc/$1/fd" | awk 'NR > 1 { print $NF }' | sed 's/\[[0-9]*\]//' | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# One valid test: its exit status now, its counts at the end (one jq for
# all, so the loop stays fast).
valid_test() {
    local i=$1 out=$CASE_DIR/t-$1.json
    shift
    run_bounded "$out" "$CASE_DIR/t.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J -i 0 "$@"
    VALID_RUN=$((VALID_RUN + 1))
    [ "$RUN_RC" -eq 0 ] || SOAK_FAILED+=("test $i ($*): exit $RUN_RC: $(head -c 200 "$CASE_DIR/t.err")")
}

# Both ends counted something in every test: what the client sent and
# what the receiving end (the server, or the client with -R) measured.
check_counts_all() {
    local line
    while IFS= read -r line; do
        [ -n "$line" ] && SOAK_FAILED+=("$line")
    done < <(jq -r '.end as $e
                    | (if ($e.sum_sent.bytes // 0) <= 0 then "sum_sent.bytes \($e.sum_sent.bytes)"
                       elif ($e.sum_received.bytes // 0) <= 0 then "sum_received.bytes \($e.sum_received.bytes)"
                       elif .error then "error \(.error)"
                       else empty end)
                    | "\(input_filename | sub(".*/"; "")): \(.)"' "$CASE_DIR"/t-*.json 2>&1)
}

# One hostile peer; it must get an answer or a close, never a hang.
HOSTILE_KINDS=(garbage cookie_vanish lenmax)
hostile() {
    local kind=${HOSTILE_KINDS[$((HOSTILE_RUN % ${#HOSTILE_KINDS[@]}))]}
    HOSTILE_RUN=$((HOSTILE_RUN + 1))
    run_bounded "$CASE_DIR/h.out" "$CASE_DIR/h.err" python3 "$BADPEER" --port "$PORT" --timeout 5 "$kind"
    if [ "$RUN_RC" -ne 0 ]; then
        HOSTILE_FAILED+=("$kind: badpeer exit $RUN_RC: $(tr '\n' ' ' <"$CASE_DIR/h.out" "$CASE_DIR/h.err" | head -c 200)")
    elif [ "$kind" = lenmax ] && ! grep -q '^ANSWER fe' "$CASE_DIR/h.out"; then
        HOSTILE_FAILED+=("lenmax: no SERVER_ERROR: $(tr '\n' ' ' <"$CASE_DIR/h.out")")
    elif grep -q '^END timeout' "$CASE_DIR/h.out"; then
        HOSTILE_FAILED+=("$kind: the server neither answered nor closed within 5 s")
    fi
}

soak() {
    start_server_retry weir || return
    local pid conns=0 i args
    pid=$(child_of "$SERVER_PID")
    [ -n "$pid" ] || { fail "no weir process under the server's timeout wrapper"; return; }
    local t0=$SECONDS
    for i in $(seq "$SOAK_TESTS"); do
        if [ $((i % HOSTILE_EVERY)) -eq 0 ]; then
            hostile
            conns=$((conns + 1))
        fi
        case $((i % 4)) in
            0) args=(-n 256K) ;;
            1) args=(-n 256K -R) ;;
            2) args=(-u -b 1G -n 256K) ;;
            3) args=(-n 256K -P 2) ;;
        esac
        valid_test "$i" "${args[@]}"
        conns=$((conns + 1))
        if [ "$i" -eq "$WARMUP" ]; then
            wait_idle "$conns" || fail "server not idle after the warm-up"
            FD_START=$(fd_settled "$pid") RSS_START=$(rss_kb "$pid") FD_LIST_START=$(fd_list "$pid")
            echo "# after $WARMUP tests: $FD_START open descriptors, VmRSS $RSS_START kB"
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            fail "the server died at test $i"
            return
        fi
    done
    wait_idle "$conns" || fail "server not idle after the last test"
    check_counts_all
    FD_END=$(fd_settled "$pid") RSS_END=$(rss_kb "$pid") FD_LIST_END=$(fd_list "$pid")
    echo "# after $SOAK_TESTS tests and $HOSTILE_RUN hostile peers ($((SECONDS - t0)) s):" \
         "$FD_END open descriptors, VmRSS $RSS_END kB${ASAN:+ (ASan build)}"
    SOAK_READY=1
    # It ends as usual on SIGTERM (status 1, as iperf3), with nothing from
    # a sanitizer.
    kill -TERM "$pid"
    wait_server
    expect_eq "server exit status on SIGTERM" "$SERVER_RC" 1
    ! grep -q "Sanitizer" "$SERVER_ERR" || fail "sanitizer report: $(grep -m 3 "Sanitizer" "$SERVER_ERR")"
}

all_valid() {
    [ -n "$SOAK_READY" ] || { fail "the soak did not complete"; return; }
    expect_eq "valid tests run" "$VALID_RUN" "$SOAK_TESTS"
    local f
    for f in "${SOAK_FAILED[@]:0:10}"; do
        fail "$f"
    done
    [ "${#SOAK_FAILED[@]}" -eq 0 ] || fail "${#SOAK_FAILED[@]} of $VALID_RUN tests failed"
}

hostile_answered() {
    [ -n "$SOAK_READY" ] || { fail "the soak did not complete"; return; }
    expect_eq "hostile peers run" "$HOSTILE_RUN" $((SOAK_TESTS / HOSTILE_EVERY))
    local f
    for f in "${HOSTILE_FAILED[@]}"; do
        fail "$f"
    done
}

fds_flat() {
    [ -n "$SOAK_READY" ] || { fail "the soak did not complete"; return; }
    expect_eq "open descriptors, after the warm-up vs at the end" "$FD_END" "$FD_START" ||
        fail "descriptors: start [$FD_LIST_START] end [$FD_LIST_END]"
}

rss_flat() {
    [ -n "$SOAK_READY" ] || { fail "the soak did not complete"; return; }
    if [ -n "$ASAN" ]; then
        skip_case "ASan build: RSS $RSS_START -> $RSS_END kB, not judged"
        return
    fi
    [ "$RSS_END" -le $((RSS_START + SOAK_RSS_SLACK_KB)) ] ||
        fail "VmRSS grew from $RSS_START to $RSS_END kB (allowed: +$SOAK_RSS_SLACK_KB kB)"
}

run_case "soak: $SOAK_TESTS short tests and hostile peers against one server" soak
run_case "soak: every valid test succeeded with bytes counted" all_valid
run_case "soak: every hostile peer was answered or closed" hostile_answered
run_case "soak: server descriptors flat" fds_flat
run_case "soak: server VmRSS flat (+$SOAK_RSS_SLACK_KB kB)" rss_flat
finish
