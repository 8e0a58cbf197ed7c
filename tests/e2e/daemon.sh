#!/usr/bin/env bash
# weir -s as a service: -D (detach; the command returns 0 only once the
# daemon listens, or 1 with its start-up error), -I (pid file: written,
# removed at exit, refused while a live server holds it, taken over from a
# dead one; a client's too), --logfile (reopened on SIGHUP, for
# logrotate), --forceflush, --timestamps and -1, with and without -D;
# SIGTERM ends the daemon cleanly, telling a running test's client.
#
# A daemon is not our child: start_weir_daemon (lib.sh) takes its pid from
# its pid file, and every case ends (by that pid, after checking it is our
# weir) what it started.
. "$(dirname "$0")/lib.sh"

require_tools

WEIR_REAL=$(readlink -f "$WEIR")

# client OUT ARGS...: a short -J test against $PORT; checks exit 0 and
# received bytes.
client_ok() {
    local out=$1
    shift
    run_bounded "$out" "$out.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J -i 0 "$@"
    expect_eq "client exit status ($*)" "$RUN_RC" 0 || return 1
    local bytes
    bytes=$(json_get "$out" .end.sum_received.bytes)
    [ "${bytes:-0}" != null ] && [ "${bytes:-0}" -gt 0 ] || fail "client received '$bytes' bytes ($*)"
}

# stat_field PID N: field N of /proc/PID/stat (1 = pid, 3 = state).
stat_field() {
    sed 's/^[0-9]* (.*) //' "/proc/$1/stat" | cut -d' ' -f$(($2 - 2))
}

# ---------------------------------------------------------------- cases

starts_detached() {
    start_weir_daemon --logfile weir.log 9>"$CASE_DIR/inherited" || return
    # The command returned only once the daemon listens: no waiting here.
    port_listening "$PORT" || fail "port $PORT not listening when weir -s -D returned"
    listener_is_ours "$PORT" "$DAEMON_PID" || fail "the listener on $PORT is not the pid file's process"
    expect_eq "pid file content" "$(cat "$PIDFILE")" "$DAEMON_PID"
    [ ! -s "$CASE_DIR/start.out" ] && [ ! -s "$CASE_DIR/start.err" ] ||
        fail "weir -s -D printed: $(head -c 300 "$CASE_DIR/start.out" "$CASE_DIR/start.err")"
    # Detached: a session of its own, no terminal, not our child, in /.
    local sid
    sid=$(stat_field "$DAEMON_PID" 6)
    [ "$sid" != "$(stat_field $$ 6)" ] || fail "daemon is still in our session ($sid)"
    expect_eq "daemon's controlling terminal" "$(stat_field "$DAEMON_PID" 7)" 0
    expect_eq "daemon's parent is not this shell" "$(stat_field "$DAEMON_PID" 4 | grep -cx "$$")" 0
    expect_eq "daemon's working directory" "$(readlink "/proc/$DAEMON_PID/cwd")" /
    expect_eq "daemon's stdin" "$(readlink "/proc/$DAEMON_PID/fd/0")" /dev/null
    expect_eq "daemon's stdout (--logfile)" "$(readlink "/proc/$DAEMON_PID/fd/1")" "$CASE_DIR/weir.log"
    expect_eq "daemon's stderr (--logfile)" "$(readlink "/proc/$DAEMON_PID/fd/2")" "$CASE_DIR/weir.log"
    # Nothing from the caller: not its fd 9, and no pipe whose other end is
    # elsewhere (the start-up pipe to the caller). A pipe with both ends in
    # the daemon is its own (the server's wake-up pipe).
    local fd link links
    links=$(for fd in /proc/"$DAEMON_PID"/fd/*; do readlink "$fd"; done)
    for fd in /proc/"$DAEMON_PID"/fd/*; do
        link=$(readlink "$fd")
        case $link in
            "$CASE_DIR/inherited") fail "daemon kept an inherited descriptor ${fd##*/} -> $link" ;;
            pipe:*) [ "$(grep -cxF "$link" <<<"$links")" -ge 2 ] ||
                        fail "daemon kept one end of a pipe: ${fd##*/} -> $link" ;;
        esac
    done
    wait_grep "$CASE_DIR/weir.log" "Server listening on $PORT" 3 ||
        fail "no 'Server listening' in the log (relative --logfile)"
    client_ok "$CASE_DIR/c1.json" -n 1M
    client_ok "$CASE_DIR/c2.json" -n 1M -R
    is_our_weir "$DAEMON_PID" || fail "daemon gone after two tests"
}

stdio_null() {
    start_weir_daemon || return
    expect_eq "daemon's stdout (no --logfile)" "$(readlink "/proc/$DAEMON_PID/fd/1")" /dev/null
    expect_eq "daemon's stderr (no --logfile)" "$(readlink "/proc/$DAEMON_PID/fd/2")" /dev/null
    client_ok "$CASE_DIR/c.json" -n 1M
}

second_refused() {
    start_weir_daemon || return
    local first=$DAEMON_PID port1=$PORT port2
    port2=$(free_port)
    run_bounded "$CASE_DIR/d2.out" "$CASE_DIR/d2.err" env -C "$CASE_DIR" "$WEIR" -s -p "$port2" -D -I weir.pid
    expect_eq "second weir -s -D exit status" "$RUN_RC" 1
    grep -q "weir: error - another weir (pid $first) holds the pid file $CASE_DIR/weir.pid" "$CASE_DIR/d2.err" ||
        fail "second -D: no clear error: $(head -c 300 "$CASE_DIR/d2.err")"
    run_bounded "$CASE_DIR/s2.out" "$CASE_DIR/s2.err" "$WEIR" -s -p "$port2" -I "$CASE_DIR/weir.pid"
    expect_eq "second weir -s (no -D) exit status" "$RUN_RC" 1
    grep -q "holds the pid file" "$CASE_DIR/s2.err" ||
        fail "second -s: no clear error: $(head -c 300 "$CASE_DIR/s2.err")"
    ! port_listening "$port2" || fail "a refused server listens on $port2"
    expect_eq "pid file after the refusals" "$(cat "$CASE_DIR/weir.pid")" "$first"
    is_our_weir "$first" || fail "the first daemon died"
    PORT=$port1 client_ok "$CASE_DIR/c.json" -n 1M
}

stale_pidfile() {
    # A server killed with SIGKILL leaves its pid file behind.
    start_server_retry weir -I "$CASE_DIR/weir.pid" || return
    local old
    wait_until 3 [ -s "$CASE_DIR/weir.pid" ]
    old=$(cat "$CASE_DIR/weir.pid" 2>/dev/null)
    is_our_weir "$old" || { fail "weir -s -I wrote '$old', not its pid"; return; }
    kill -KILL "$old"
    wait_gone "$old" 5 || { fail "SIGKILLed server $old still there"; return; }
    stop_servers 2>/dev/null    # bash would report the wrapper's "Killed"
    [ -s "$CASE_DIR/weir.pid" ] || { fail "no stale pid file left to test with"; return; }
    start_weir_daemon || return
    [ "$DAEMON_PID" != "$old" ] || fail "pid file still names the dead server"
    client_ok "$CASE_DIR/c.json" -n 1M
    # A file naming some other, long dead process is taken over as well.
    stop_daemons
    wait_gone "$DAEMON_PID" 3
    echo 99999999 >"$CASE_DIR/weir.pid"
    start_weir_daemon || return
    expect_eq "pid file taken over from pid 99999999" "$(cat "$CASE_DIR/weir.pid")" "$DAEMON_PID"
}

hup_reopens_log() {
    start_weir_daemon --logfile weir.log || return
    client_ok "$CASE_DIR/c1.json" -n 1M
    wait_grep "$CASE_DIR/weir.log" "receiver" 3 || fail "first test not in the log"
    # The banner for test #2 comes as the slot frees, just after the client
    # exits: wait for it, so it does not land in the moved file later.
    wait_grep "$CASE_DIR/weir.log" "Server listening on $PORT \(test #2\)" 5 ||
        fail "no test #2 banner in the log"
    mv "$CASE_DIR/weir.log" "$CASE_DIR/weir.log.1"
    local before
    before=$(wc -l <"$CASE_DIR/weir.log.1")
    kill -HUP "$DAEMON_PID"
    wait_until 3 [ -e "$CASE_DIR/weir.log" ] || fail "no new log file after SIGHUP"
    is_our_weir "$DAEMON_PID" || { fail "SIGHUP ended the daemon"; return; }
    client_ok "$CASE_DIR/c2.json" -n 1M
    wait_grep "$CASE_DIR/weir.log" "Accepted connection" 3 || fail "second test not in the new log"
    wait_grep "$CASE_DIR/weir.log" "receiver" 3 || fail "second test's summary not in the new log"
    expect_eq "lines added to the rotated log" "$(wc -l <"$CASE_DIR/weir.log.1")" "$before"
    expect_eq "daemon's stderr follows the new log" "$(readlink "/proc/$DAEMON_PID/fd/2")" "$CASE_DIR/weir.log"
    # Without -D, --logfile is reopened the same way.
    start_server_retry weir --logfile "$CASE_DIR/fg.log" || return
    run_bounded "$CASE_DIR/c3.json" "$CASE_DIR/c3.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J -n 1M -i 0
    mv "$CASE_DIR/fg.log" "$CASE_DIR/fg.log.1"
    local fg
    fg=$(child_of "$SERVER_PID")
    kill -HUP "$fg"
    # The next test only once the log is reopened (a loaded server may
    # still be winding up the last test when the signal comes).
    wait_until 3 [ -e "$CASE_DIR/fg.log" ] || fail "weir -s --logfile: no new log file after SIGHUP"
    client_ok "$CASE_DIR/c4.json" -n 1M
    wait_grep "$CASE_DIR/fg.log" "receiver" 3 || fail "weir -s --logfile: no new log after SIGHUP"
    is_our_weir "$fg" || fail "SIGHUP ended weir -s --logfile"
}

term_removes_pidfile() {
    start_weir_daemon --logfile weir.log || return
    client_ok "$CASE_DIR/c.json" -n 1M
    kill -TERM "$DAEMON_PID"
    wait_gone "$DAEMON_PID" 5 || fail "daemon still running 5 s after SIGTERM"
    [ ! -e "$CASE_DIR/weir.pid" ] || fail "pid file left after SIGTERM"
    grep -q "weir: interrupt - the server has terminated" "$CASE_DIR/weir.log" ||
        fail "no 'interrupt - the server has terminated' in the log"
    # Under ASan the daemon's leak report would land in the log (stderr).
    ! grep -q "Sanitizer" "$CASE_DIR/weir.log" || fail "sanitizer report in the log"
    ! port_listening "$PORT" || fail "port $PORT still listening"
}

term_mid_test() {
    start_weir_daemon --logfile weir.log || return
    start_bg c "$CLIENT_TIMEOUT" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 30 -i 0.5
    local cpid=$BG_PID
    wait_grep "$CASE_DIR/weir.log" "0\.00-[0-9.]+ +sec" 6 || fail "the test never ran"
    kill -TERM "$DAEMON_PID"
    wait_gone "$DAEMON_PID" 5 || fail "daemon still running 5 s after SIGTERM"
    wait "$cpid"
    local crc=$?
    forget_pid "$cpid"
    expect_eq "client exit status" "$crc" 1
    grep -q "the server has terminated" "$CASE_DIR/c.out" "$CASE_DIR/c.err" ||
        fail "client not told: $(tail -n 2 "$CASE_DIR/c.err")"
    # The partial results: a summary line, then the reason.
    grep -Eq "0\.00-[0-9.]+ +sec .*receiver" "$CASE_DIR/weir.log" || fail "no partial summary in the log"
    grep -q "weir: interrupt - the server has terminated" "$CASE_DIR/weir.log" ||
        fail "no 'interrupt - the server has terminated' in the log"
    [ ! -e "$CASE_DIR/weir.pid" ] || fail "pid file left"
}

startup_error() {
    start_weir_daemon || return
    # Same port again: the daemon cannot listen; its error reaches us.
    run_bounded "$CASE_DIR/d2.out" "$CASE_DIR/d2.err" "$WEIR" -s -p "$PORT" -D
    expect_eq "weir -s -D on a busy port: exit status" "$RUN_RC" 1
    grep -q "weir: error - unable to start listener for connections: Address already in use" \
        "$CASE_DIR/d2.err" || fail "error not passed on: $(head -c 300 "$CASE_DIR/d2.err")"
    # With --logfile the reporters write it there; the caller sees it too.
    run_bounded "$CASE_DIR/d3.out" "$CASE_DIR/d3.err" "$WEIR" -s -p "$PORT" -D --logfile "$CASE_DIR/d3.log"
    expect_eq "weir -s -D --logfile on a busy port: exit status" "$RUN_RC" 1
    grep -q "unable to start listener" "$CASE_DIR/d3.err" ||
        fail "--logfile: error not passed on: $(head -c 300 "$CASE_DIR/d3.err")"
    grep -q "unable to start listener" "$CASE_DIR/d3.log" || fail "--logfile: error not in the log"
    # A log file that cannot be opened.
    run_bounded "$CASE_DIR/d4.out" "$CASE_DIR/d4.err" "$WEIR" -s -p "$(free_port)" -D \
        --logfile "$CASE_DIR/no/such/dir/log"
    expect_eq "weir -s -D with an unwritable --logfile: exit status" "$RUN_RC" 1
    grep -qx "weir: error - unable to open log file: No such file or directory" "$CASE_DIR/d4.err" ||
        fail "log file error (with iperf3's reason) not passed on: $(oneline "$CASE_DIR/d4.err")"
    # Client-only use is refused, like iperf3.
    run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -D
    expect_eq "weir -c -D: exit status" "$RUN_RC" 1
    grep -q "server only" "$CASE_DIR/c.err" || fail "weir -c -D: $(head -c 200 "$CASE_DIR/c.err")"
}

# A client takes -I as iperf3's does: `weir -c ... -I f &` then `kill $(cat f)`.
client_pidfile() {
    start_server_retry weir || return
    local pf=$CASE_DIR/client.pid
    start_bg c "$CLIENT_TIMEOUT" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 20 -I "$pf"
    local cpid=$BG_PID
    wait_until 5 [ -s "$pf" ] || { fail "weir -c -I wrote no pid file"; return; }
    expect_eq "pid file content" "$(cat "$pf")" "$BG_CHILD"
    kill -TERM "$(cat "$pf")"
    wait_exit "$cpid" 5 || { fail "the client still runs 5 s after kill \$(cat pidfile)"; return; }
    [ ! -e "$pf" ] || fail "pid file left after the client ended"
    grep -q " sender$" "$CASE_DIR/c.out" || fail "the client printed no summary: $(tail -n 3 "$CASE_DIR/c.err")"
}

# check_log_lines LOG: every non-empty line starts with the --timestamps
# stamp used below ("%Y-%m-%d %H:%M:%S ").
STAMP_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} '
check_stamped() {
    local bad
    bad=$(grep -v '^$' "$1" | grep -Evc "$STAMP_RE")
    expect_eq "lines of $(basename "$1") without a time stamp" "$bad" 0
    grep -Eq "$STAMP_RE.*receiver" "$1" || fail "no stamped summary line in $(basename "$1")"
}

# The server's interval lines must be in the log while the test still
# runs (--forceflush), each with a time stamp (--timestamps).
log_flush_stamps() {
    local mode=$1 log=$CASE_DIR/server.log
    local args=(--logfile "$log" --forceflush "--timestamps=%Y-%m-%d %H:%M:%S " -i 0.5)
    if [ "$mode" = daemon ]; then
        start_weir_daemon "${args[@]}" || return
    else
        start_server_retry weir "${args[@]}" || return
    fi
    start_bg c "$CLIENT_TIMEOUT" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 8 -i 0
    local cpid=$BG_PID
    wait_grep "$log" "$STAMP_RE\[ *[0-9]+\] +0\.00-[0-9.]+ +sec" 8 ||
        fail "no interval line in the log within 8 s (-i 0.5, --forceflush; the test runs 8 s)"
    kill -0 "$cpid" 2>/dev/null || fail "the interval line came only after the test ended"
    wait "$cpid"
    expect_eq "client exit status" "$?" 0
    forget_pid "$cpid"
    wait_grep "$log" "receiver" 3
    check_stamped "$log"
    [ "$mode" = daemon ] || [ ! -s "$SERVER_OUT" ] || fail "weir -s --logfile wrote to stdout"
}

one_off() {
    local mode=$1
    if [ "$mode" = daemon ]; then
        start_weir_daemon -1 --logfile weir.log || return
    else
        start_server_retry weir -1 || return
    fi
    client_ok "$CASE_DIR/c.json" -n 1M -P 2
    if [ "$mode" = daemon ]; then
        wait_gone "$DAEMON_PID" 5 || fail "-D -1: daemon still running after its test"
        [ ! -e "$CASE_DIR/weir.pid" ] || fail "-D -1: pid file left"
        expect_eq "tests in the log" "$(grep -c "Accepted connection" "$CASE_DIR/weir.log")" 1
    else
        wait_server
        expect_eq "-1: server exit status" "$SERVER_RC" 0
    fi
}

# contrib/weir.service: every directive known to this systemd, the
# command found. (Offline: the sandbox itself needs a running systemd.)
unit_verifies() {
    command -v systemd-analyze >/dev/null 2>&1 || { skip_case "no systemd-analyze"; return; }
    local unit=$CASE_DIR/weir.service
    sed "s|@bindir@|$(dirname "$WEIR_REAL")|g" "$TESTS_DIR/../contrib/weir.service.in" >"$unit"
    timeout 30 systemd-analyze verify --man=no "$unit" >"$CASE_DIR/verify.out" 2>&1
    local rc=$?
    if grep -q "Failed to initialize manager\|Failed to setup working directory" "$CASE_DIR/verify.out"; then
        skip_case "systemd-analyze cannot run here: $(head -n 1 "$CASE_DIR/verify.out")"
        return
    fi
    expect_eq "systemd-analyze verify exit status" "$rc" 0
    ! grep -q "weir.service" "$CASE_DIR/verify.out" ||
        fail "systemd-analyze: $(grep "weir.service" "$CASE_DIR/verify.out" | head -n 3)"
    grep -q "^ExecStart=$(dirname "$WEIR_REAL")/weir --server --daemon --pidfile /run/weir/weir.pid" "$unit" ||
        fail "ExecStart does not start the daemon with its pid file"
}

run_case "-D -I: returns once listening, detached, pid file names it" starts_detached
run_case "-D without --logfile: stdout and stderr to /dev/null" stdio_null
run_case "-I: a second server with the same pid file is refused" second_refused
run_case "-I: a stale pid file from a dead process is taken over" stale_pidfile
run_case "SIGHUP after moving --logfile: a new log file (with and without -D)" hup_reopens_log
run_case "-D: SIGTERM ends it and removes the pid file" term_removes_pidfile
run_case "-D: SIGTERM mid-test tells the client, partial results logged" term_mid_test
run_case "-D: start-up errors reach the caller (exit 1); -D server only" startup_error
run_case "-I on a client: its pid, removed when it ends" client_pidfile
run_case "--logfile --forceflush --timestamps" log_flush_stamps plain
run_case "--logfile --forceflush --timestamps with -D" log_flush_stamps daemon
run_case "-1 exits after one test" one_off plain
run_case "-1 with -D exits after one test" one_off daemon
run_case "contrib/weir.service passes systemd-analyze verify" unit_verifies
finish
