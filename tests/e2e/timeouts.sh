#!/usr/bin/env bash
# Timeouts with iperf3's names and meanings (docs/protocol.md §5, §8.4,
# §3.1), through the real binary:
#
#   options         every new option's range and side (client/server only)
#   sockets         --snd-timeout and --cntl-ka are on the sockets: read back
#                   from both processes with getsockopt (sockpeek.py, through
#                   pidfd_getfd) and the keepalive timer seen by `ss -o`
#   --rcv-timeout   a -R client whose server stops sending (SIGSTOP) gives up
#                   with "idle timeout for receiving data", neither early nor
#                   more than 2 s late
#   --idle-timeout  -1 exits by itself; without -1 the server listens afresh
#                   and still serves; a silent client is dropped after it
#   vanished client in two network namespaces of this script's own
#                   (weirts-PID, weirtc-PID, a veth pair with 10.199.0.1 and
#                   .2 inside them only): the link goes down mid-test and the
#                   client is SIGKILLed, so no FIN ever arrives; the server
#                   must report IENOMSG within --rcv-timeout plus a margin and
#                   serve the next client over the restored link. With -R the
#                   client gives up by its own --rcv-timeout, and the server
#                   is freed by --snd-timeout (TCP_USER_TIMEOUT), while a
#                   server without it is still stuck. --connect-timeout
#                   bounds a connect over the dead link. (Root is needed;
#                   these cases skip with the reason where a namespace cannot
#                   be made.)
#   safety timer    a test that overruns time + omit by 40 s without TEST_END
#                   is ended with SERVER_ERROR 160 (about 41 s: last case)
#
# Bounds are generous (the machine may be loaded); lower bounds only check
# that a timeout did not fire early. Everything started is killed by PID;
# the namespaces are deleted on exit.
SERVER_TIMEOUT=${SERVER_TIMEOUT:-70}
export E2E_DEADLINE=${E2E_DEADLINE:-200}
. "$(dirname "$0")/lib.sh"

require_tools
require_tool python3 "badpeer.py"
BADPEER=$TESTS_DIR/e2e/badpeer.py
SOCKPEEK=$TESTS_DIR/e2e/sockpeek.py
MSG_NOMSG="idle timeout for receiving data"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---------------------------------------------------------------- options

# bad_option LABEL MSG ARGS...: weir ARGS exits 1 and says MSG.
bad_option() {
    local label=$1 msg=$2
    shift 2
    run_bounded "$CASE_DIR/o.out" "$CASE_DIR/o.err" "$WEIR" "$@"
    [ "$RUN_RC" = 1 ] || fail "$label: exit status $RUN_RC, want 1"
    grep -qF -- "weir: parameter error - $msg" "$CASE_DIR/o.err" ||
        fail "$label: no 'weir: parameter error - $msg...': $(head -n 1 "$CASE_DIR/o.err")"
}

case_options() {
    local c=(-c 127.0.0.1 -p 1)
    bad_option "--rcv-timeout on a sending client" "client receive timeout is valid only in receiving mode" \
        "${c[@]}" --rcv-timeout 2000
    bad_option "--rcv-timeout 99" "receive timeout value is incorrect or not in range" \
        "${c[@]}" -R --rcv-timeout 99
    bad_option "--snd-timeout 86400001" "send timeout value is incorrect or not in range" \
        "${c[@]}" --snd-timeout 86400001
    bad_option "--snd-timeout -1" "send timeout value is incorrect or not in range" "${c[@]}" --snd-timeout -1
    bad_option "--cntl-ka=30/5/6 (idle <= interval * count)" "--cntl-ka: idle 30 s is not longer than interval 5 s * count 6" \
        "${c[@]}" --cntl-ka=30/5/6
    bad_option "--cntl-ka=x" "--cntl-ka: bad idle" "${c[@]}" --cntl-ka=x
    bad_option "--cntl-ka=10/1/200" "--cntl-ka: bad count" "${c[@]}" --cntl-ka=10/1/200
    bad_option "--idle-timeout 0" "idle timeout parameter is not positive or larger than allowed limit" \
        -s --idle-timeout 0
    bad_option "--server-max-duration 0" "invalid server maximum duration" -s --server-max-duration 0
    bad_option "--server-bitrate-limit 1M/0" "invalid time interval for calculating average data rate" \
        -s --server-bitrate-limit 1M/0
    bad_option "--server-bitrate-limit 1Q" "invalid unit value or suffix" -s --server-bitrate-limit 1Q
    local opt
    for opt in "--idle-timeout 5" "--server-max-duration 5" "--server-bitrate-limit 1M"; do
        # shellcheck disable=SC2086
        bad_option "$opt on a client" "some option you are trying to set is server only" "${c[@]}" $opt
    done
    bad_option "--connect-timeout on a server" "some option you are trying to set is client only" \
        -s --connect-timeout 100
    # Every new option is in --help.
    run_bounded "$CASE_DIR/h.out" "$CASE_DIR/h.err" "$WEIR" --help
    for opt in --rcv-timeout --snd-timeout --cntl-ka --idle-timeout --server-max-duration \
               --server-bitrate-limit --connect-timeout; do
        grep -q -- "$opt" "$CASE_DIR/h.out" || fail "--help does not list $opt"
    done
}

# ---------------------------------------------------------------- sockets

# peek PID: sockpeek.py's lines for our test's port into $CASE_DIR/peek.PID;
# returns 2 when the descriptors cannot be taken (the case then skips).
peek() {
    timeout 10 python3 "$SOCKPEEK" "$1" "$PORT" >"$CASE_DIR/peek.$1" 2>"$CASE_DIR/peek.$1.err"
}

# expect_sockets FILE ROLE UT KA IDLE INTVL CNT: in sockpeek's FILE the
# control socket (the lowest descriptor: opened first) has user timeout UT
# and keepalive KA IDLE/INTVL/CNT; every data socket has UT and no keepalive.
expect_sockets() {
    local f=$1 role=$2 n
    n=$(wc -l <"$f")
    [ "$n" -eq 3 ] || { fail "$role: $n sockets on the test's port, want 3 (control and -P 2)"; return; }
    local ctl data
    ctl=$(head -n 1 "$f" | grep -o 'user_timeout=.*')
    expect_eq "$role control socket" "$ctl" "user_timeout=$3 keepalive=$4 idle=$5 intvl=$6 cnt=$7"
    data=$(tail -n 2 "$f" | grep -o 'user_timeout=[0-9]* keepalive=[0-9]*' | sort -u)
    expect_eq "$role data sockets" "$data" "user_timeout=$3 keepalive=0"
}

case_sockets() {
    start_server_retry weir --snd-timeout 4000 --cntl-ka=20/3/4 || return
    local spid cpid
    spid=$(child_of "$SERVER_PID")
    start_bg client 20 "$WEIR" -c 127.0.0.1 -p "$PORT" -t 6 -P 2 -b 10M --snd-timeout 3000 --cntl-ka=40/5/6
    cpid=$BG_CHILD
    wait_grep "$CASE_DIR/client.out" "sec" 10 || { fail "the test did not start"; return; }
    peek "$cpid"
    if [ $? -eq 2 ]; then
        skip_case "cannot take another process's descriptors (pidfd_getfd): $(head -n 1 "$CASE_DIR/peek.$cpid.err")"
        return
    fi
    peek "$spid"
    ss -tnoH state established "( dport = :$PORT )" >"$CASE_DIR/ss.client" 2>&1
    ss -tnoH state established "( sport = :$PORT )" >"$CASE_DIR/ss.server" 2>&1
    expect_sockets "$CASE_DIR/peek.$cpid" client 3000 1 40 5 6
    expect_sockets "$CASE_DIR/peek.$spid" server 4000 1 20 3 4
    # ss sees one keepalive timer per side: the control connection's.
    expect_eq "client sockets with a keepalive timer (ss -o)" "$(grep -c 'timer:(keepalive' "$CASE_DIR/ss.client")" 1
    expect_eq "server sockets with a keepalive timer (ss -o)" "$(grep -c 'timer:(keepalive' "$CASE_DIR/ss.server")" 1
    wait_exit "$BG_PID" 15 || fail "client still running"
    expect_eq "client exit status" "$EXIT_RC" 0

    # Without the options: the kernel's defaults (no user timeout, no
    # keepalive) on every socket.
    start_bg client2 20 "$WEIR" -c 127.0.0.1 -p "$PORT" -t 5 -P 2 -b 10M
    cpid=$BG_CHILD
    wait_grep "$CASE_DIR/client2.out" "sec" 10 || { fail "the second test did not start"; return; }
    peek "$cpid"
    expect_eq "client sockets without the options" \
        "$(grep -o 'user_timeout=[0-9]* keepalive=[0-9]*' "$CASE_DIR/peek.$cpid" | sort -u)" \
        "user_timeout=0 keepalive=0"
    wait_exit "$BG_PID" 15 || fail "second client still running"
}

# ---------------------------------------------------------------- rcv-timeout

case_client_rcv_timeout() {
    start_server_retry weir || return
    local spid t0 el
    spid=$(child_of "$SERVER_PID")
    start_bg client 30 "$WEIR" -c 127.0.0.1 -p "$PORT" -t 20 -R -b 10M --rcv-timeout 1000
    wait_grep "$CASE_DIR/client.out" "sec" 10 || { fail "the test did not start"; return; }
    t0=$(now_ms)
    kill -STOP "$spid"
    if wait_exit "$BG_PID" 12; then
        el=$(($(now_ms) - t0))
        expect_eq "client exit status" "$EXIT_RC" 1
        grep -qF "weir: error - $MSG_NOMSG" "$CASE_DIR/client.err" ||
            fail "client did not say '$MSG_NOMSG': $(tail -n 1 "$CASE_DIR/client.err")"
        [ "$el" -ge 700 ] || fail "client gave up after $el ms, before its 1000 ms"
        # Not late either (a generous bound: the timeout plus 2 s): no
        # wait on the silent server's goodbye, no second-long check steps.
        [ "$el" -le 3000 ] || fail "client gave up after $el ms, long after its 1000 ms"
    else
        fail "client still running 12 s after its server stopped (--rcv-timeout 1000)"
    fi
    kill -CONT "$spid"
    # The resumed server finds its client gone; once it listens again it
    # must take the next client.
    wait_grep "$SERVER_OUT" "Server listening on $PORT \(test #2\)" 10 ||
        { fail "server not listening again 10 s after its client left"; return; }
    run_when_free "$CASE_DIR/next.out" "$CASE_DIR/next.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "next client's exit status" "$RUN_RC" 0
}

# ---------------------------------------------------------------- idle-timeout

case_idle_one_off() {
    local t0 el
    PORT=$(free_port)
    t0=$(now_ms)
    start_bg server 20 "$WEIR" -s -1 -p "$PORT" --idle-timeout 2
    if wait_exit "$BG_PID" 12; then
        el=$(($(now_ms) - t0))
        expect_eq "weir -s -1 --idle-timeout 2 exit status" "$EXIT_RC" 0
        [ "$el" -ge 1500 ] || fail "exited after $el ms, before its 2 s"
    else
        fail "weir -s -1 --idle-timeout 2 still running after 12 s"
    fi
}

case_idle_restart() {
    start_server_retry weir --idle-timeout 2 || return
    # Listening afresh: the banner again, with the next test number.
    wait_grep "$SERVER_OUT" "Server listening on $PORT \(test #2\)" 10 ||
        fail "no second 'Server listening' 10 s after --idle-timeout 2"
    run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "client after the restart: exit status" "$RUN_RC" 0
    # A client that connects and says nothing is dropped after the idle
    # timeout (not weir's 10 s cookie wait), with IERECVCOOKIE (106).
    run_bounded "$CASE_DIR/peer.out" "$CASE_DIR/peer.err" \
        python3 "$BADPEER" --port "$PORT" --timeout 15 silent
    local answer el
    answer=$(sed -n 's/^ANSWER //p' "$CASE_DIR/peer.out")
    el=$(sed -n 's/^ELAPSED //p' "$CASE_DIR/peer.out")
    printf '%s' "$answer" | grep -Eq '^fe0000006a[0-9a-f]{8}$' ||
        fail "silent client: answer '$answer', want SERVER_ERROR 106"
    awk -v e="${el:-99}" 'BEGIN { exit !(e >= 1.5 && e < 8) }' ||
        fail "silent client dropped after ${el:-?} s, want about 2 s (--idle-timeout 2)"
    run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "client after the silent one: exit status" "$RUN_RC" 0
}

# ---------------------------------------------------------------- namespaces

NS_S=weirts-$$ NS_C=weirtc-$$ VS=wvs$$ VC=wvc$$
ADDR_S=10.199.0.1 ADDR_C=10.199.0.2
NS_MADE=0 NS_WHY=""

# ns_setup: the two namespaces (deleted when the script ends) and the veth
# pair, once; NS_WHY says why not when they cannot be made.
ns_setup() {
    [ "$NS_MADE" = 1 ] && return 0
    [ -n "$NS_WHY" ] && return 1
    netns_add "$NS_S" && netns_add "$NS_C" || { NS_WHY=$NETNS_WHY; return 1; }
    local out
    if ! out=$( { ip link add "$VS" netns "$NS_S" type veth peer name "$VC" netns "$NS_C" &&
                  ip -n "$NS_S" addr add "$ADDR_S/24" dev "$VS" &&
                  ip -n "$NS_C" addr add "$ADDR_C/24" dev "$VC" &&
                  ip -n "$NS_S" link set "$VS" up && ip -n "$NS_C" link set "$VC" up; } 2>&1); then
        NS_WHY="cannot set up the veth pair: $out"
        return 1
    fi
    link_ready || { NS_WHY="the veth link did not come up"; return 1; }
    NS_MADE=1
}

# link_ready: both ends up with carrier (bounded).
link_ready() {
    local i
    for i in $(seq 50); do
        if ip -n "$NS_S" link show "$VS" | grep -q 'state UP' &&
           ip -n "$NS_C" link show "$VC" | grep -q 'state UP'; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# relink_and_serve PORT LABEL: the veth link up again, and the server on
# PORT serves a fresh client over it.
relink_and_serve() {
    ip -n "$NS_C" link set "$VC" up
    link_ready || fail "the link did not come back"
    run_when_free "$CASE_DIR/next.out" "$CASE_DIR/next.err" \
        ip netns exec "$NS_C" "$WEIR" -c "$ADDR_S" -p "$1" -t 1
    expect_eq "$2: exit status" "$RUN_RC" 0
}

# ns_server NAME PORT ARGS...: weir -s in the server namespace, listening.
ns_server() {
    local name=$1 port=$2
    shift 2
    start_netns_server "$NS_S" "$name" "$port" "$WEIR" -s -p "$port" "$@"
}

# ns_client NAME ARGS...: a weir client in the client namespace; waits
# until its first interval line (the test runs). BG_PID, BG_CHILD set.
ns_client() {
    local name=$1
    shift
    start_bg "$name" 60 ip netns exec "$NS_C" "$WEIR" -c "$ADDR_S" -i 0.5 "$@"
    wait_grep "$CASE_DIR/$name.out" "sec" 10 ||
        { fail "$name: the test did not start: $(head -n 2 "$CASE_DIR/$name.err")"; return 1; }
}

# server_error_within FILE REGEX T0 MIN_MS MAX_MS LABEL: FILE gets a line
# matching REGEX between MIN_MS and MAX_MS after T0.
server_error_within() {
    local f=$1 re=$2 t0=$3 lo=$4 hi=$5 label=$6 el
    if wait_grep "$f" "$re" $(( (hi + 999) / 1000 )); then
        el=$(($(now_ms) - t0))
        [ "$el" -ge "$lo" ] || fail "$label: after $el ms, sooner than its timeout"
        return 0
    fi
    fail "$label: nothing matching '$re' within $hi ms: $(tail -n 2 "$f" | tr '\n' ' ')"
    return 1
}

case_vanished_client() {
    ns_setup || { skip_case "$NS_WHY"; return; }
    local port=5301 t0
    ns_server server "$port" --rcv-timeout 2000 || return
    ns_client client -p "$port" -t 30 -b 20M || return
    # The link goes, then the client: its FIN can never arrive.
    t0=$(now_ms)
    ip -n "$NS_C" link set "$VC" down
    kill -KILL "$BG_CHILD"
    wait "$BG_PID" 2>/dev/null
    forget_pid "$BG_PID"
    server_error_within "$CASE_DIR/server.err" "weir: error - $MSG_NOMSG" "$t0" 1500 10000 \
        "server reports IENOMSG (--rcv-timeout 2000)"
    relink_and_serve "$port" "next client over the restored link"
}

case_vanished_reverse() {
    ns_setup || { skip_case "$NS_WHY"; return; }
    local pa=5302 pb=5303 t0 ca cb
    # Server A has --snd-timeout, server B has not: both send (-R) into the
    # dead link; only A's unacknowledged data times out.
    ns_server server-a "$pa" --snd-timeout 3000 || return
    ns_server server-b "$pb" || return
    ns_client client-a -p "$pa" -t 30 -b 20M -R --rcv-timeout 2000 || return
    ca=$BG_PID
    ns_client client-b -p "$pb" -t 30 -b 20M -R --rcv-timeout 2000 || return
    cb=$BG_PID
    t0=$(now_ms)
    ip -n "$NS_C" link set "$VC" down
    local pid name
    for name in a b; do
        if [ $name = a ]; then pid=$ca; else pid=$cb; fi
        if wait_exit "$pid" 12; then
            expect_eq "client $name (-R --rcv-timeout 2000): exit status" "$EXIT_RC" 1
            grep -qF "weir: error - $MSG_NOMSG" "$CASE_DIR/client-$name.err" ||
                fail "client $name did not say '$MSG_NOMSG': $(tail -n 1 "$CASE_DIR/client-$name.err")"
        else
            fail "client $name still running 12 s after the link went down (--rcv-timeout 2000)"
        fi
    done
    [ $(($(now_ms) - t0)) -ge 1500 ] || fail "the clients gave up sooner than their --rcv-timeout"
    server_error_within "$CASE_DIR/server-a.err" "weir: error - unable to write to stream socket" "$t0" 2500 13000 \
        "server A (--snd-timeout 3000) gives up sending"
    # B has the same dead peer and no user timeout: still at it, at least
    # 6 s after the link went down (3 s past A's timeout).
    while [ $(($(now_ms) - t0)) -lt 6000 ]; do sleep 0.2; done
    if grep -q "error" "$CASE_DIR/server-b.err"; then
        fail "server B (no --snd-timeout) gave up too: $(tail -n 1 "$CASE_DIR/server-b.err")"
    fi
    relink_and_serve "$pa" "next client of server A"
}

case_connect_timeout() {
    ns_setup || { skip_case "$NS_WHY"; return; }
    local port=5304 t0 el
    ns_server server "$port" || return
    # The server's end goes down: SYNs are lost, nothing refuses them.
    ip -n "$NS_S" link set "$VS" down
    t0=$(now_ms)
    run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" \
        ip netns exec "$NS_C" "$WEIR" -c "$ADDR_S" -p "$port" -t 1 --connect-timeout 1000
    el=$(($(now_ms) - t0))
    expect_eq "client exit status" "$RUN_RC" 1
    grep -q "weir: error - unable to connect to server.*timed out" "$CASE_DIR/c.err" ||
        fail "no 'unable to connect to server ... timed out': $(tail -n 1 "$CASE_DIR/c.err")"
    [ "$el" -ge 900 ] || fail "gave up after $el ms, before --connect-timeout 1000"
    [ "$el" -le 8000 ] || fail "gave up only after $el ms (--connect-timeout 1000)"
    ip -n "$NS_S" link set "$VS" up
    link_ready || fail "the link did not come back"
    run_when_free "$CASE_DIR/next.out" "$CASE_DIR/next.err" \
        ip netns exec "$NS_C" "$WEIR" -c "$ADDR_S" -p "$port" -t 1 --connect-timeout 5000
    expect_eq "client over the restored link: exit status" "$RUN_RC" 0
}

# ---------------------------------------------------------------- safety timer

case_safety_timer() {
    start_server_retry weir || return
    # "time":1 -R and never TEST_END: time + omit + 40 s after TEST_START.
    local t
    t=$CLIENT_TIMEOUT
    CLIENT_TIMEOUT=70
    run_bounded "$CASE_DIR/peer.out" "$CASE_DIR/peer.err" \
        python3 "$BADPEER" --port "$PORT" --timeout 60 overrun
    CLIENT_TIMEOUT=$t
    local answer el
    answer=$(sed -n 's/^ANSWER //p' "$CASE_DIR/peer.out")
    el=$(sed -n 's/^ELAPSED //p' "$CASE_DIR/peer.out")
    [ "$RUN_RC" = 0 ] || fail "badpeer exit $RUN_RC: $(tr '\n' ' ' <"$CASE_DIR/peer.err" | cut -c1-200)"
    printf '%s' "$answer" | grep -Eq '^fe000000a0[0-9a-f]{8}$' ||
        fail "answer '$answer', want SERVER_ERROR 160 (server test duration expired)"
    awk -v e="${el:-0}" 'BEGIN { exit !(e >= 39 && e < 55) }' ||
        fail "ended after ${el:-?} s, want time 1 + 40 s"
    grep -q "weir: error - server test duration expired" "$SERVER_ERR" ||
        fail "the server did not report it: $(tail -n 1 "$SERVER_ERR")"
    run_when_free "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "next client: exit status" "$RUN_RC" 0
}

run_case "new options: ranges and sides" case_options
run_case "--snd-timeout and --cntl-ka on the control and data sockets" case_sockets
run_case "--rcv-timeout: a -R client whose server stops sending" case_client_rcv_timeout
run_case "--idle-timeout with -1 exits by itself" case_idle_one_off
run_case "--idle-timeout: listen afresh, drop a silent client" case_idle_restart
run_case "vanished client (netns): server freed by --rcv-timeout" case_vanished_client
run_case "vanished -R client (netns): --rcv-timeout and --snd-timeout" case_vanished_reverse
run_case "--connect-timeout over a dead link (netns)" case_connect_timeout
run_case "duration safety timer: SERVER_ERROR 160" case_safety_timer
finish
