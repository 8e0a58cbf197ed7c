# shellcheck shell=bash
# The harness of the end-to-end shell tests: every tests/e2e/*.sh sources
# this file, and only this one (sourced, not run).
#
# Environment (set by `make check`, see tests/Makefile.am):
#   WEIR              path of the built weir binary
#   WEIR_PLUGIN_PATH  where the freshly built plugins are (and, with
#                     WEIR_PLUGIN_SYSTEM_PATH empty, the only place)
#   IPERF3            path of iperf3, or empty (interop cases then SKIP)
#   TESTS_DIR         absolute source directory of tests/
# When run by hand from a tree built in place the defaults below find the
# binary, the plugins and iperf3.  A script may set E2E_DEADLINE (the
# whole script's bound, 180 s), CLIENT_TIMEOUT, SERVER_TIMEOUT or
# LISTEN_WAIT before sourcing this file; the environment's values win.
#
# Conventions: every external command runs under `timeout`; servers are
# started in the background with their output in a private temporary
# directory and are killed by PID (only ours) when a case or the script
# ends; traffic stays on 127.0.0.1 / ::1 or in network namespaces the
# script makes (deleted when it ends); each check prints exactly one line
# "PASS: name", "FAIL: name" or "SKIP: name"; the script exits 0, 1 or 77.
#
# What is here, by section:
#   reporting    run_case, fail, skip_case, case_failed, finish, skip_all,
#                pass_check, fail_check, fail_shown, skip_check, show_files,
#                oneline, require_tools, require_weir, require_tool,
#                have_iperf3
#   processes    track_pid, forget_pid, stop_servers, start_bg, child_of,
#                is_running, wait_exit, wait_or_stop, stop_pid, wait_until,
#                wait_grep, fd_count, run_bounded, run_when_free
#   ports        free_port, port_listening, wait_listening,
#                listener_is_ours, have_ipv6_loopback, kernel_has_udp_gso
#   servers      start_server_retry, start_weir_server, start_iperf3_server,
#                start_listener, listener_retry, script_server,
#                script_listener, wait_server, start_netns_server
#   exporter     start_exporter, exporter_healthy
#   daemons      start_weir_daemon, track_daemon, stop_daemons,
#                is_our_weir, wait_gone
#   namespaces   netns_add, netns_del, netns_up
#   JSON         json_get, expect_eq, expect_int, json_doc, jq_check,
#                check_docs, check_counts, check_interval_sums,
#                check_intervals, json_key_paths, extra_*, omit_amount_args,
#                check_omit_amount

# Whole-script deadline: re-run ourselves under timeout(1) once, so that
# nothing can hang `make check`.
if [ -z "${_WEIR_E2E_UNDER_TIMEOUT:-}" ]; then
    _WEIR_E2E_UNDER_TIMEOUT=1
    export _WEIR_E2E_UNDER_TIMEOUT
    exec timeout -k 5 "${E2E_DEADLINE:-180}" bash "$0" "$@"
fi

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TESTS_DIR:=$(cd "$E2E_DIR/.." && pwd)}"
: "${WEIR:=$TESTS_DIR/../src/weir}"
_e2e_plugins=$TESTS_DIR/../plugins
: "${WEIR_PLUGIN_PATH:=$_e2e_plugins/tcp/.libs:$_e2e_plugins/udp/.libs:$_e2e_plugins/tls/.libs:$_e2e_plugins/quic/.libs:$_e2e_plugins/text/.libs:$_e2e_plugins/json/.libs:$_e2e_plugins/csv/.libs:$_e2e_plugins/openmetrics/.libs:$_e2e_plugins/svg/.libs}"
: "${IPERF3=$(command -v iperf3 || true)}"
# Never the plugins of a weir installed on this machine.
WEIR_PLUGIN_SYSTEM_PATH=
export WEIR WEIR_PLUGIN_PATH WEIR_PLUGIN_SYSTEM_PATH IPERF3 TESTS_DIR

# Bounds (seconds) for one client run, one server's life, waiting for a
# server to listen. They only catch hangs (a case ends its servers itself),
# so they leave room for an ASan build on a loaded machine: a -t 1 client
# can take several seconds there, and one server may serve a case's dozen.
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-30}
SERVER_TIMEOUT=${SERVER_TIMEOUT:-60}
LISTEN_WAIT=${LISTEN_WAIT:-10}

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-e2e.XXXXXX") || exit 99
_E2E_PIDS=""            # background processes we started (timeout wrappers)
_E2E_DAEMONS=""         # weir -D servers we started (not our children)
_E2E_NETNS=""           # network namespaces we made
_E2E_PASSED=0 _E2E_FAILED=0 _E2E_SKIPPED=0
_E2E_CASE="" _E2E_CASE_FAILED=0 _E2E_CASE_SKIP=""
CASE_DIR="$E2E_TMP"

_e2e_exit() {
    stop_servers
    local ns
    for ns in $_E2E_NETNS; do
        ip netns del "$ns" 2>/dev/null
    done
    if [ -n "${WEIR_E2E_KEEP:-}" ]; then
        echo "# temporary files kept in $E2E_TMP"
    else
        rm -rf "$E2E_TMP"
    fi
}
trap _e2e_exit EXIT
trap 'echo "FAIL: ${_E2E_CASE:-script} (interrupted: deadline or signal)"; exit 1' INT TERM HUP

# ---------------------------------------------------------------- reporting

# fail MSG: record a failed check of the current case (the case goes on,
# so one run reports everything that is wrong); returns 1.
fail() {
    _E2E_CASE_FAILED=1
    printf '    %s\n' "$*"
    return 1
}

# skip_case MSG: the current case cannot run here.
skip_case() {
    _E2E_CASE_SKIP=$*
}

# case_failed: a check of the current case has failed so far.
case_failed() {
    [ "$_E2E_CASE_FAILED" -ne 0 ]
}

# pass: explicit no-op marker for readability; the verdict is made at the
# end of the case.
pass() { :; }

# run_case NAME FUNC [ARGS...]: run one case, print its verdict line.
# FUNC runs in this shell with CASE_DIR set to a fresh directory; the
# processes and daemons it started are stopped after it.
run_case() {
    local name=$1
    shift
    _E2E_CASE=$name
    _E2E_CASE_FAILED=0
    _E2E_CASE_SKIP=""
    CASE_DIR=$(mktemp -d "$E2E_TMP/case.XXXXXX")
    "$@"
    stop_servers
    if [ -n "$_E2E_CASE_SKIP" ]; then
        echo "SKIP: $name ($_E2E_CASE_SKIP)"
        _E2E_SKIPPED=$((_E2E_SKIPPED + 1))
    elif [ "$_E2E_CASE_FAILED" -ne 0 ]; then
        echo "FAIL: $name"
        _e2e_dump_case
        _E2E_FAILED=$((_E2E_FAILED + 1))
    else
        echo "PASS: $name"
        _E2E_PASSED=$((_E2E_PASSED + 1))
    fi
    _E2E_CASE=""
}

# On failure, show what the processes printed (trimmed) so the .log file is
# enough to diagnose.
_e2e_dump_case() {
    local f
    for f in "$CASE_DIR"/*; do
        [ -s "$f" ] || continue
        if jq -e 'type == "object" and has("start")' "$f" >/dev/null 2>&1; then
            # A JSON document: its version, error, interval sums and end sums.
            echo "    --- ${f##*/} (JSON digest)"
            jq -c '{version: .start.version, error,
                    intervals: [.intervals[] | .sum | [.start, .end, .bytes, .omitted]],
                    end: (.end | with_entries(select(.key | startswith("sum")))
                          | map_values(.bytes)),
                    streams: [.end.streams[] | [.sender.bytes, .receiver.bytes, .sender.sender]]}' \
                "$f" | sed 's/^/    | /'
        else
            echo "    --- ${f##*/} (last 40 lines)"
            tail -n 40 "$f" | sed 's/^/    | /'
        fi
    done
}

# finish: print the totals and exit 0 (all passed), 1 (a failure) or
# 77 (nothing ran: everything skipped).
finish() {
    echo "# passed $_E2E_PASSED, failed $_E2E_FAILED, skipped $_E2E_SKIPPED"
    if [ "$_E2E_FAILED" -ne 0 ]; then
        exit 1
    elif [ "$_E2E_PASSED" -eq 0 ]; then
        exit 77
    fi
    exit 0
}

# skip_all MSG: the whole script cannot run here.
skip_all() {
    echo "SKIP: $*"
    exit 77
}

# require_tools: jq and an executable weir, else the whole script skips
# (a missing binary is an error, not a skip).
require_tools() {
    require_tool jq
    require_tool timeout
    require_weir
}

# require_weir: an executable weir, all that a script reading no JSON needs.
require_weir() {
    if [ ! -x "$WEIR" ]; then
        echo "FAIL: weir binary not found at $WEIR (build src/ first)"
        exit 99
    fi
}

# require_tool COMMAND [WHY]: the whole script skips without COMMAND.
require_tool() {
    command -v "$1" >/dev/null 2>&1 || skip_all "$1 not installed${2:+ ($2)}"
}

# have_iperf3: an iperf3 to run against (cases skip without).
have_iperf3() {
    [ -n "$IPERF3" ] && [ -x "$IPERF3" ]
}

# have_plugin NAME: this build made the plugin NAME.so (quic is optional).
have_plugin() {
    local d
    for d in ${WEIR_PLUGIN_PATH//:/ }; do
        [ -f "$d/$1.so" ] && return 0
    done
    return 1
}

# Scripts that print a verdict for every check rather than one per case
# (run_case) use these; they count towards finish's totals all the same.

# pass_check NAME: print "PASS: NAME".
pass_check() {
    echo "PASS: $1"
    _E2E_PASSED=$((_E2E_PASSED + 1))
}

# fail_check NAME [WHY]: print "FAIL: NAME (WHY)".
fail_check() {
    echo "FAIL: $1${2:+ ($2)}"
    _E2E_FAILED=$((_E2E_FAILED + 1))
}

# skip_check NAME [WHY]: print "SKIP: NAME (WHY)".
skip_check() {
    echo "SKIP: $1${2:+ ($2)}"
    _E2E_SKIPPED=$((_E2E_SKIPPED + 1))
}

# fail_shown NAME FILE...: fail_check NAME, with the end of each FILE.
fail_shown() {
    fail_check "$1"
    show_files "${@:2}"
}

# show_files FILE...: the last 40 lines of each non-empty FILE, indented,
# as the evidence under a FAIL line.
show_files() {
    local f
    for f in "$@"; do
        [ -s "$f" ] || continue
        echo "    --- ${f##*/}"
        tail -n 40 "$f" | sed 's/^/    | /'
    done
    return 0
}

# oneline FILE [WIDTH]: FILE's text on one line, cut to WIDTH (240)
# characters, for a FAIL line.
oneline() {
    tr '\n' ' ' <"$1" | cut -c1-"${2:-240}"
}

# ---------------------------------------------------------------- processes

# track_pid PID: a background process of ours (a timeout(1) wrapper, whose
# command gets the signal too), stopped with the case or the script.
track_pid() {
    _E2E_PIDS="$_E2E_PIDS $1"
}

# forget_pid PID: PID has been reaped (its number may be reused): never
# signal it again.
forget_pid() {
    local p kept=""
    for p in $_E2E_PIDS; do
        [ "$p" = "$1" ] || kept="$kept $p"
    done
    _E2E_PIDS=$kept
}

# stop_servers: kill the processes we started (by PID) and reap them, and
# end our daemons.  Only processes not yet reaped are in the list, so a PID
# cannot have been reused.
stop_servers() {
    local pid
    for pid in $_E2E_PIDS; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
        fi
    done
    for pid in $_E2E_PIDS; do
        wait "$pid" 2>/dev/null
    done
    _E2E_PIDS=""
    stop_daemons
}

# is_running PID: alive and not a zombie.
is_running() {
    kill -0 "$1" 2>/dev/null || return 1
    local st
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ "$st" != Z ]
}

# child_of PID: print the (first) child of PID, waiting up to 1 s for it --
# the command a timeout(1) wrapper runs, to signal it directly (the wrapper
# cannot pass SIGKILL or SIGSTOP on) or to look at it in /proc.
child_of() {
    local i c
    for i in $(seq 50); do
        c=$(pgrep -P "$1" | head -n 1)
        [ -n "$c" ] && { echo "$c"; return 0; }
        sleep 0.02
    done
    return 1
}

# start_bg NAME SECONDS CMD...: CMD in the background under timeout, output
# in $CASE_DIR/NAME.out and .err.  BG_PID is the timeout wrapper (stopped with
# the case or the script), BG_CHILD the command itself.
start_bg() {
    local name=$1 secs=$2
    shift 2
    timeout -k 3 "$secs" "$@" >"$CASE_DIR/$name.out" 2>"$CASE_DIR/$name.err" </dev/null &
    BG_PID=$!
    track_pid "$BG_PID"
    BG_CHILD=$(child_of "$BG_PID")
}

# wait_exit PID SECONDS: wait for our background PID; its status in EXIT_RC
# (returns 1, leaving it running, when it did not exit in time).
wait_exit() {
    local n=0
    while is_running "$1" && [ "$n" -lt $(($2 * 10)) ]; do
        sleep 0.1
        n=$((n + 1))
    done
    is_running "$1" && return 1
    wait "$1"
    EXIT_RC=$?
    forget_pid "$1"
    return 0
}

# wait_or_stop PID SECONDS: wait_exit, and a PID still running then is
# stopped (EXIT_RC 124, as timeout(1) says).
wait_or_stop() {
    wait_exit "$@" && return 0
    stop_pid "$1"
    EXIT_RC=124
}

# stop_pid PID: end one background process of ours now and reap it: TERM
# (a timeout wrapper passes it on), after 3 s KILL to it and its command.
stop_pid() {
    if is_running "$1"; then
        kill -TERM "$1" 2>/dev/null
        if ! wait_exit "$1" 3; then
            pkill -KILL -P "$1" 2>/dev/null
            kill -KILL "$1" 2>/dev/null
        fi
    fi
    wait "$1" 2>/dev/null
    forget_pid "$1"
    return 0
}

# wait_until SECONDS CMD...: run CMD every 0.05 s until it succeeds
# (returns 0) or SECONDS have passed (returns 1).
wait_until() {
    local n
    for n in $(seq $(($1 * 20))); do
        "${@:2}" && return 0
        sleep 0.05
    done
    "${@:2}"
}

# wait_grep FILE REGEX SECONDS [PID]: until FILE has a line matching REGEX;
# with PID, giving up as soon as that process has ended.
wait_grep() {
    local n
    for n in $(seq $(($3 * 20))); do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        [ -n "${4:-}" ] && ! is_running "$4" && break
        sleep 0.05
    done
    grep -Eq -- "$2" "$1" 2>/dev/null
}

# fd_count PID: the process's open descriptors.
fd_count() {
    find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# run_bounded OUT ERR CMD...: run CMD under timeout; status in RUN_RC.
run_bounded() {
    local out=$1 err=$2 pid
    shift 2
    # In the background + wait, so that a deadline signal is handled at
    # once (bash defers traps while a foreground command runs).
    timeout -k 3 "$CLIENT_TIMEOUT" "$@" >"$out" 2>"$err" </dev/null &
    pid=$!
    track_pid "$pid"
    wait "$pid"
    RUN_RC=$?
    forget_pid "$pid"
}

# run_when_free OUT ERR CMD...: run_bounded, again while the server says it
# is busy (up to 10 s): a server that has just dropped a misbehaving client
# may still be tearing that test down when the next client arrives.
run_when_free() {
    local n
    for n in $(seq 20); do
        run_bounded "$@"
        [ "$RUN_RC" -ne 0 ] && grep -qs "the server is busy" "$1" "$2" || return 0
        sleep 0.5
    done
}

# ---------------------------------------------------------------- ports

# _port_in_table PORT [STATE]: does the /proc/net/{tcp,udp}* text on stdin
# have a socket whose local port is PORT (and, if given, whose state is
# STATE, e.g. 0A = LISTEN)?
_port_in_table() {
    awk -v h="$(printf '%04X' "$1")" -v st="${2:-}" '
        { split($2, a, ":"); if (a[2] == h && (st == "" || $4 == st)) f = 1 }
        END { exit !f }'
}

# port_listening PORT [PREFIX...]: is a TCP socket (v4 or v6) listening on
# PORT?  With a prefix command (ip netns exec NS), in that namespace.
port_listening() {
    "${@:2}" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | _port_in_table "$1" 0A
}

# free_port: print a port no TCP or UDP socket uses (a server's control
# and data ports are the same number), taken below the kernel's ephemeral
# range (so no outgoing connection can grab it before our server binds
# it); start_server_retry copes with the rare race with another test
# picking the same number.
free_port() {
    local lo=32768 hi=60999 p i
    read -r lo hi 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range
    for i in $(seq 200); do
        if [ "$lo" -gt 12000 ]; then
            p=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
        else
            p=$((1024 + (RANDOM * 32768 + RANDOM) % (65535 - 1024)))
        fi
        if ! cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null |
                _port_in_table "$p"; then
            echo "$p"
            return 0
        fi
    done
    echo "free_port: found no free port" >&2
    echo 0
    return 1
}

# wait_listening PORT PID [PREFIX...]: until PORT listens (LISTEN_WAIT
# seconds at most; in the namespace of PREFIX, if given) or PID has ended.
wait_listening() {
    local port=$1 pid=$2 i
    shift 2
    for i in $(seq $((LISTEN_WAIT * 20))); do
        port_listening "$port" "$@" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# listener_is_ours PORT PID: the socket listening on PORT belongs to PID
# (a timeout(1) wrapper, or a daemon) or its child -- not to someone else
# who took the same port meanwhile.
listener_is_ours() {
    local hex inodes p fd link
    hex=$(printf '%04X' "$1")
    inodes=" $(awk -v h="$hex" 'FNR > 1 { split($2, a, ":"); if (a[2] == h && $4 == "0A") printf "%s ", $10 }' \
               /proc/net/tcp /proc/net/tcp6 2>/dev/null)"
    for p in "$2" $(cat "/proc/$2/task/$2/children" 2>/dev/null); do
        for fd in /proc/"$p"/fd/*; do
            link=$(readlink "$fd" 2>/dev/null) || continue
            case $link in
                "socket:["*"]") link=${link#socket:[}; link=${link%]} ;;
                *) continue ;;
            esac
            case $inodes in *" $link "*) return 0 ;; esac
        done
    done
    return 1
}

# have_ipv6_loopback: ::1 configured?
have_ipv6_loopback() {
    grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null
}

# kernel_has_udp_gso: does this kernel take UDP_SEGMENT (Linux 4.18+)?
kernel_has_udp_gso() {
    python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.getsockopt(socket.IPPROTO_UDP, 103)   # UDP_SEGMENT
' 2>/dev/null
}

# ---------------------------------------------------------------- servers

# start_listener NAME PORT CMD...: start CMD (a server that listens on
# PORT) in the background under timeout, output to $CASE_DIR/NAME.out and
# NAME.err; wait (bounded) until PORT listens.  Sets SERVER_PID,
# SERVER_OUT, SERVER_ERR.  Returns 1 if the server died, never listened,
# or someone else listens on PORT.
start_listener() {
    local name=$1 port=$2
    shift 2
    SERVER_OUT=$CASE_DIR/$name.out
    SERVER_ERR=$CASE_DIR/$name.err
    timeout -k 3 "$SERVER_TIMEOUT" "$@" >"$SERVER_OUT" 2>"$SERVER_ERR" </dev/null &
    SERVER_PID=$!
    track_pid "$SERVER_PID"
    wait_listening "$port" "$SERVER_PID" || return 1
    listener_is_ours "$port" "$SERVER_PID" && return 0
    sleep 0.05
    listener_is_ours "$port" "$SERVER_PID" && return 0
    echo "port $port: someone else's listener" >>"$SERVER_ERR"
    return 1
}

# start_weir_server PORT [ARGS...]: `weir -s -p PORT ARGS...`
start_weir_server() {
    local port=$1
    shift
    start_listener weir-server "$port" "$WEIR" -s -p "$port" "$@"
}

# start_iperf3_server PORT [ARGS...]: `iperf3 -s -p PORT ARGS...`
start_iperf3_server() {
    local port=$1
    shift
    start_listener iperf3-server "$port" "$IPERF3" -s -p "$port" "$@"
}

# start_server_retry KIND ARGS...: pick a free port and start a weir or
# iperf3 server (KIND) on it, retrying with another port if the bind raced
# with someone else.  Sets PORT (and what start_listener sets); a failed
# check when it cannot.
start_server_retry() {
    local kind=$1 attempt
    shift
    for attempt in 1 2 3; do
        PORT=$(free_port)
        if "start_${kind}_server" "$PORT" "$@"; then
            return 0
        fi
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        forget_pid "$SERVER_PID"
    done
    fail "$kind server did not start listening (port $PORT)"
    return 1
}

# listener_retry NAME CMD...: start_listener NAME PORT CMD on a free PORT,
# written @PORT@ in CMD's words; another port if the one picked was taken
# meanwhile. Sets PORT (and what start_listener sets); returns 1 when CMD
# does not listen.
listener_retry() {
    local name=$1 attempt args a
    shift
    for attempt in 1 2 3; do
        PORT=$(free_port)
        args=()
        for a in "$@"; do args+=("${a//@PORT@/$PORT}"); done
        start_listener "$name" "$PORT" "${args[@]}" && return 0
        stop_pid "$SERVER_PID"
    done
    return 1
}

# script_listener NAME CMD...: for scripts with a verdict per check:
# listener_retry, or a FAIL line with CMD's output and exit 1.
script_listener() {
    listener_retry "$@" && return 0
    fail_shown "$1 did not listen" "$SERVER_OUT" "$SERVER_ERR"
    exit 1
}

# script_server ARGS...: for scripts with a verdict per check rather than
# per case: start_server_retry weir ARGS, or a FAIL line with the
# server's output and exit 1.  SERVER_WEIR is the weir process itself (to
# signal it directly: its timeout wrapper would pass a signal on to the
# whole process group).
script_server() {
    if ! start_server_retry weir "$@"; then
        fail_shown "could not start '$WEIR -s $*'" "$SERVER_OUT" "$SERVER_ERR"
        exit 1
    fi
    SERVER_WEIR=$(child_of "$SERVER_PID")
}

# wait_server: wait for the (one-off) server to exit by itself; its exit
# status in SERVER_RC (124 = killed by its timeout).
wait_server() {
    wait "$SERVER_PID"
    SERVER_RC=$?
    forget_pid "$SERVER_PID"
}

# start_netns_server NS NAME PORT CMD...: CMD (a server that listens on
# PORT) in network namespace NS, as start_listener does it (SERVER_PID,
# SERVER_OUT, SERVER_ERR); the namespace is ours alone, so any PORT is
# free there.  A failed check when it does not listen.
start_netns_server() {
    local ns=$1 name=$2 port=$3
    shift 3
    SERVER_OUT=$CASE_DIR/$name.out
    SERVER_ERR=$CASE_DIR/$name.err
    timeout -k 3 "$SERVER_TIMEOUT" ip netns exec "$ns" "$@" >"$SERVER_OUT" 2>"$SERVER_ERR" </dev/null &
    SERVER_PID=$!
    track_pid "$SERVER_PID"
    wait_listening "$port" "$SERVER_PID" ip netns exec "$ns" && return 0
    fail "$name did not listen on port $port in $ns: $(head -c 300 "$SERVER_ERR")"
}

# ---------------------------------------------------------------- exporter
# weir --exporter on 127.0.0.1; its HTTP requests need python3
# (http_get.py).

# exporter_healthy PORT: the exporter on PORT answers /-/healthy with 200.
exporter_healthy() {
    timeout -k 1 5 python3 "$E2E_DIR/http_get.py" "http://127.0.0.1:$1/-/healthy" 2>/dev/null |
        grep -qx "STATUS 200"
}

# start_exporter NAME ARGS...: `weir --exporter 127.0.0.1:XPORT ARGS` as
# listener_retry starts it (output in $CASE_DIR/NAME.out and .err, stopped
# with the case or the script), once /-/healthy answers. Sets XPORT, XPID
# (the weir process), XWRAP (its timeout wrapper) and what start_listener
# sets. Returns 1 when it does not start: the case fails (in run_case), or
# a FAIL line shows the exporter's output.
start_exporter() {
    local name=$1 why
    shift
    if listener_retry "$name" "$WEIR" --exporter "127.0.0.1:@PORT@" "$@"; then
        XPORT=$PORT
        XWRAP=$SERVER_PID
        XPID=$(child_of "$SERVER_PID")
        wait_until 10 exporter_healthy "$XPORT" && return 0
        why="did not answer /-/healthy"
    else
        why="did not listen"
    fi
    if [ -n "$_E2E_CASE" ]; then
        fail "weir --exporter $why: $(oneline "$SERVER_ERR" 300)"
    else
        fail_shown "weir --exporter ($name) $why" "$SERVER_OUT" "$SERVER_ERR"
    fi
    return 1
}

# ---------------------------------------------------------------- daemons
# weir -s -D is not our child: its pid comes from its pid file, and it is
# ended (by that pid, after checking it still runs our weir) with the case.

# is_our_weir PID: a live (not zombie) process running our weir binary.
is_our_weir() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
    [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$WEIR")" ] || return 1
    local st
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ]
}

# not_our_weir PID: PID no longer runs our weir (gone, a zombie, or reused).
not_our_weir() {
    ! is_our_weir "$1"
}

# wait_gone PID SECONDS: PID no longer runs our weir within the time.
wait_gone() {
    wait_until "$2" not_our_weir "$1"
}

# track_daemon PID: a weir daemon of ours, ended with the case or script.
track_daemon() {
    _E2E_DAEMONS="$_E2E_DAEMONS $1"
}

# stop_daemons: SIGTERM to each daemon of ours, SIGKILL after 3 s.
stop_daemons() {
    local pid
    for pid in $_E2E_DAEMONS; do
        if is_our_weir "$pid"; then
            kill -TERM "$pid" 2>/dev/null
            wait_gone "$pid" 3 || kill -KILL "$pid" 2>/dev/null
        fi
    done
    _E2E_DAEMONS=""
}

# start_weir_daemon ARGS...: in $CASE_DIR (relative paths must keep
# working after the daemon moved to /), `weir -s -p PORT -D -I weir.pid
# ARGS`; a port someone else took meanwhile is retried.  Sets PORT,
# PIDFILE, DAEMON_RC (the command's status) and DAEMON_PID (from the pid
# file; empty if none); a failed check unless it runs.
start_weir_daemon() {
    local attempt
    PIDFILE=$CASE_DIR/weir.pid
    DAEMON_PID=
    for attempt in 1 2 3; do
        PORT=$(free_port)
        run_bounded "$CASE_DIR/start.out" "$CASE_DIR/start.err" \
            env -C "$CASE_DIR" "$WEIR" -s -p "$PORT" -D -I weir.pid "$@"
        DAEMON_RC=$RUN_RC
        grep -q "Address already in use" "$CASE_DIR/start.err" || break
    done
    if [ -s "$PIDFILE" ]; then
        DAEMON_PID=$(cat "$PIDFILE")
        track_daemon "$DAEMON_PID"
    fi
    [ "$DAEMON_RC" -eq 0 ] ||
        { fail "weir -s -D exited $DAEMON_RC: $(head -c 300 "$CASE_DIR/start.err")"; return 1; }
    is_our_weir "$DAEMON_PID" || { fail "pid file names '$DAEMON_PID', not a running weir"; return 1; }
}

# ---------------------------------------------------------------- namespaces
# Network namespaces need root (CAP_SYS_ADMIN); cases skip without.

# netns_add NAME: a network namespace NAME with lo up, deleted when the
# script ends (or by netns_del).  Returns 1, the reason in NETNS_WHY, when
# it cannot be made here.
netns_add() {
    local out
    if ! command -v ip >/dev/null 2>&1; then
        NETNS_WHY="ip (iproute2) not installed"
        return 1
    fi
    if ! out=$(ip netns add "$1" 2>&1); then
        NETNS_WHY="cannot create a network namespace (needs root / CAP_SYS_ADMIN): $out"
        return 1
    fi
    _E2E_NETNS="$_E2E_NETNS $1"
    if ! out=$(ip -n "$1" link set lo up 2>&1); then
        NETNS_WHY="cannot bring up lo in $1: $out"
        netns_del "$1"
        return 1
    fi
}

# netns_del NAME: delete a namespace of ours now.
netns_del() {
    local ns kept=""
    ip netns del "$1" 2>/dev/null
    for ns in $_E2E_NETNS; do
        [ "$ns" = "$1" ] || kept="$kept $ns"
    done
    _E2E_NETNS=$kept
}

# netns_up PREFIX: the script's one namespace, PREFIX-PID (netns_add); the
# whole script skips without it.  Sets NS and IN_NS (the command prefix
# that runs a command there).
netns_up() {
    NS=$1-$$
    netns_add "$NS" || skip_all "$NETNS_WHY"
    IN_NS=(ip netns exec "$NS")
}

# ---------------------------------------------------------------- JSON

# json_get FILE JQEXPR: print the value (raw strings; "null" if absent).
json_get() {
    jq -r "$2" "$1" 2>/dev/null
}

# expect_eq WHAT GOT WANT
expect_eq() {
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect_int OP WHAT A B: A and B are integers and `test A OP B` holds
# (OP -eq, -lt, -le, -gt, -ge).
expect_int() {
    local op=$1 what=$2 a=$3 b=$4
    case $a in ''|*[!0-9-]*) fail "$what: '$a' is not an integer"; return 1 ;; esac
    case $b in ''|*[!0-9-]*) fail "$what: '$b' is not an integer"; return 1 ;; esac
    test "$a" "$op" "$b" || fail "$what: $a $op $b does not hold"
}

# json_doc FILE LABEL: a JSON document with start/intervals/end, no error.
json_doc() {
    jq -e '(.start|type) == "object" and (.intervals|type) == "array" and (.end|type) == "object"' \
        "$1" >/dev/null 2>&1 || { fail "$2: not a JSON document with start/intervals/end"; return 1; }
    local err
    err=$(json_get "$1" '.error // empty')
    [ -z "$err" ] || { fail "$2: JSON has \"error\": $err"; return 1; }
}

# Helpers for the jq check programs below.  A check program prints one
# line per failed check and nothing when all hold.
JQ_DEFS='
def eq($w; $g; $x):
    if $g == $x then empty else "\($w): got \($g | tojson), want \($x | tojson)" end;
def ge($w; $g; $x):
    if ($g | type) == "number" and $g >= $x then empty else "\($w): got \($g | tojson), want >= \($x)" end;
def lt($w; $g; $x):
    if ($g | type) == "number" and $g < $x then empty else "\($w): got \($g | tojson), want < \($x)" end;
def gt($w; $g; $x):
    if ($g | type) == "number" and $g > $x then empty else "\($w): got \($g | tojson), want > \($x)" end;
def flags: map(tostring) | join(",");
# per stream: the count this side measured itself (sending streams: bytes
# sent; receiving streams: bytes received) and the one it got from its peer
def own: if .sender.sender then .sender.bytes else .receiver.bytes end;
def peer: if .sender.sender then .receiver.bytes else .sender.bytes end;
'

# jq_check [JQ-OPTIONS...] PROGRAM: run PROGRAM (with JQ_DEFS and, as $C /
# $S, the client / server documents CLI / SRV when those are set) and turn
# each line it prints into a failed check.
jq_check() {
    local prog=${!#} out line
    local args=("${@:1:$#-1}")
    local c=/dev/null s=/dev/null
    [ -n "${CLI:-}" ] && [ -s "$CLI" ] && c=$CLI
    [ -n "${SRV:-}" ] && [ -s "$SRV" ] && s=$SRV
    if ! out=$(jq -nr --slurpfile c "$c" --slurpfile s "$s" --arg port "${PORT:-}" ${args[@]+"${args[@]}"} \
                  "$JQ_DEFS \$c[0] as \$C | \$s[0] as \$S | (
$prog
)" 2>&1); then
        fail "jq check failed: $out"
        return 1
    fi
    while IFS= read -r line; do
        [ -n "$line" ] && fail "$line"
    done <<<"$out"
    return 0
}

# check_docs CLIENT-VERSION-PREFIX SERVER-VERSION-PREFIX: CLI and SRV are
# JSON documents with start/intervals/end, no "error", and the expected
# start.version.  Returns 1 when they are unusable for further checks.
check_docs() {
    local f label
    for label in client server; do
        if [ $label = client ]; then f=$CLI; else f=$SRV; fi
        if ! jq -e 'type == "object" and (.start | type) == "object"
                    and (.intervals | type) == "array" and (.end | type) == "object"' \
                "$f" >/dev/null 2>&1; then
            fail "$label: output is not a JSON document with start, intervals and end"
            return 1
        fi
    done
    jq_check --arg cv "$1" --arg sv "$2" '
        ($C.error // empty | "client: JSON has \"error\": \(.)"),
        ($S.error // empty | "server: JSON has \"error\": \(.)"),
        (if ($C.start.version | tostring | startswith($cv)) then empty
         else "client: start.version is \($C.start.version | tojson), want \($cv)..." end),
        (if ($S.start.version | tostring | startswith($sv)) then empty
         else "server: start.version is \($S.start.version | tojson), want \($sv)..." end)'
}

# Sum keys of end{} that a side measures itself (the others it learns from
# the peer, or -- on an iperf3 server, which prints before the results
# exchange -- leaves at 0).  "Forward" is client -> server.
#   ROLE client|server, MODE normal|reverse|bidir
measured_keys() {
    case $1/$2 in
        client/normal)  echo '["sum_sent"]' ;;
        client/reverse) echo '["sum_received"]' ;;
        client/bidir)   echo '["sum_sent", "sum_received_bidir_reverse"]' ;;
        server/normal)  echo '["sum_received"]' ;;
        server/reverse) echo '["sum_sent"]' ;;
        server/bidir)   echo '["sum_received", "sum_sent_bidir_reverse"]' ;;
    esac
}

# check_counts MODE NSTREAMS: the byte counts the two documents CLI and SRV
# report must agree:
#  - what the server measured equals what the client reports for the same
#    direction, in the sums and per stream;
#  - the server's document has 0 for what it did not measure (iperf3);
#  - within each document, sum_* are the totals over end.streams[].
check_counts() {
    jq_check --arg mode "$1" --argjson np "$2" --argjson smeasured "$(measured_keys server "$1")" '
        ($mode == "bidir") as $bidir
        | (if $bidir then 2 * $np else $np end) as $ns
        | (["sum_sent", "sum_received"]
           + if $bidir then ["sum_sent_bidir_reverse", "sum_received_bidir_reverse"] else [] end) as $keys
        | eq("client start.test_start.num_streams"; $C.start.test_start.num_streams; $np),
          eq("server start.test_start.num_streams"; $S.start.test_start.num_streams; $np),
          eq("client: number of end.streams"; $C.end.streams | length; $ns),
          eq("server: number of end.streams"; $S.end.streams | length; $ns),
          eq("start.cookie, client vs server"; $C.start.cookie; $S.start.cookie),
          ($keys[] as $k
           | gt("client end.\($k).bytes"; $C.end[$k].bytes; 0),
             if ($smeasured | index([$k])) then
                 eq("end.\($k).bytes, client vs server (the server measured it)";
                    $C.end[$k].bytes; $S.end[$k].bytes)
             else
                 eq("server end.\($k).bytes (not measured by the server: 0, as iperf3)";
                    $S.end[$k].bytes; 0)
             end),
          eq("per-stream counts the server measured, client vs server";
             [$C.end.streams[] | peer] | sort; [$S.end.streams[] | own] | sort),
          eq("server end.streams[]: counts it did not measure (0, as iperf3)";
             [$S.end.streams[] | peer | select(. != 0)]; []),
          # Sums are the totals of the streams of their direction: forward
          # streams are those the client sends and the server receives.
          ([["client", $C, true], ["server", $S, false]][] as [$role, $d, $fwd]
           | def tot($f; $side): [$d.end.streams[] | select(($bidir | not) or .sender.sender == $f)
                                  | .[$side].bytes] | add // 0;
             eq("\($role) end.sum_sent.bytes vs its end.streams[]"; $d.end.sum_sent.bytes; tot($fwd; "sender")),
             eq("\($role) end.sum_received.bytes vs its end.streams[]"; $d.end.sum_received.bytes; tot($fwd; "receiver")),
             if $bidir then
                 eq("\($role) end.sum_sent_bidir_reverse.bytes vs its end.streams[]";
                    $d.end.sum_sent_bidir_reverse.bytes; tot($fwd | not; "sender")),
                 eq("\($role) end.sum_received_bidir_reverse.bytes vs its end.streams[]";
                    $d.end.sum_received_bidir_reverse.bytes; tot($fwd | not; "receiver"))
             else empty end)'
}

# check_interval_sums MODE: in each document the non-omitted intervals add
# up to the end totals that side measured itself (iperf3 accounts every
# byte to some interval: the last one runs to the final sample).
check_interval_sums() {
    jq_check --argjson cm "$(measured_keys client "$1")" --argjson sm "$(measured_keys server "$1")" '
        [["client", $C, $cm], ["server", $S, $sm]][] as [$role, $d, $keys]
        | ([$d.intervals[] | select(.sum.omitted | not) | .sum.bytes] | add // 0) as $fwd
        | ([$d.intervals[] | select(.sum_bidir_reverse.omitted | not)
            | .sum_bidir_reverse.bytes] | add // 0) as $rev
        | eq("\($role): total of intervals[].sum.bytes vs end.\($keys[0]).bytes";
             $fwd; $d.end[$keys[0]].bytes),
          if ($keys | length) > 1 then
              eq("\($role): total of intervals[].sum_bidir_reverse.bytes vs end.\($keys[1]).bytes";
                 $rev; $d.end[$keys[1]].bytes)
          else empty end'
}

# check_intervals SECONDS OMIT: with -t SECONDS -O OMIT (-i 1) the client
# reports OMIT omitted intervals, then exactly SECONDS others; the server
# the same plus possibly one short trailing interval (data that arrived
# between its last tick and TEST_END).
check_intervals() {
    jq_check --argjson t "$1" --argjson o "$2" '
        ([range($o) | true] + [range($t) | false]) as $want
        | [["client", $C], ["server", $S]][] as [$role, $d]
        | [$d.intervals[].sum.omitted] as $got
        | if $role == "server" and ($got | length) == $o + $t + 1 then
              (if $d.intervals[-1].sum.seconds < 1 then empty
               else "server: \($got | length) intervals for -t \($t) -O \($o), and the last is not short" end),
              eq("server: intervals[].sum.omitted for -t \($t) -O \($o)"; $got | flags; $want + [false] | flags)
          else
              eq("\($role): intervals[].sum.omitted for -t \($t) -O \($o)"; $got | flags; $want | flags)
          end'
}

# json_key_paths DOC: every key path of the document, array indices as [].
json_key_paths() {
    jq -r '[paths | map(if type == "number" then "[]" else . end) | join(".")]
           | unique | .[]' "$1"
}

# ---------------------------------------------------------------- per-mode checks
# On a client/server pair of -J documents (CLI, SRV), after check_counts.

# -t 2 -J: the start object and the interval roles.
extra_start() {
    jq_check '
        eq("client start.connecting_to"; $C.start.connecting_to | "\(.host):\(.port)"; "127.0.0.1:\($port)"),
        eq("server start.accepted_connection.host"; $S.start.accepted_connection.host; "127.0.0.1"),
        ([["client", $C], ["server", $S]][] as [$role, $d]
         | eq("\($role) start.test_start protocol/duration/omit/reverse/bytes/blocks";
              $d.start.test_start | [.protocol, .duration, .omit, .reverse, .bytes, .blocks];
              ["TCP", 2, 0, 0, 0, 0])),
        eq("start.cookie length"; $C.start.cookie | length; 36),
        eq("client start.connected[] remote"; [$C.start.connected[] | "\(.remote_host):\(.remote_port)"];
           ["127.0.0.1:\($port)"]),
        eq("server start.connected[] local port"; [$S.start.connected[].local_port | tostring]; [$port]),
        eq("client intervals[].streams[].sender"; [$C.intervals[].streams[].sender] | unique; [true]),
        eq("server intervals[].streams[].sender"; [$S.intervals[].streams[].sender] | unique; [false]),
        eq("client end.streams[].sender.sender"; [$C.end.streams[].sender.sender]; [true]),
        eq("server end.streams[].sender.sender"; [$S.end.streams[].sender.sender]; [false]),
        # iperf3 3.21 writes gso and gro always, 0 without --gsro (3.12 has neither).
        ([["client", $C], ["server", $S]][] | select(.[1].start.version | startswith("weir")) | .[0] as $role
         | .[1].start.test_start as $ts
         | eq("\($role) (weir) start.test_start gso, gro"; [$ts.gso, $ts.gro]; [0, 0]))'
}

# -P 4
extra_parallel() {
    jq_check '
        [["client", $C], ["server", $S]][] as [$role, $d]
        | eq("\($role): number of start.connected"; $d.start.connected | length; 4),
          eq("\($role): distinct sockets in end.streams[]"; [$d.end.streams[].sender.socket] | unique | length; 4),
          eq("\($role): streams per interval"; [$d.intervals[].streams | length] | unique; [4])'
}

# -R
extra_reverse() {
    jq_check '
        eq("client start.test_start.reverse"; $C.start.test_start.reverse; 1),
        eq("server start.test_start.reverse"; $S.start.test_start.reverse; 1),
        eq("client end.streams[].sender.sender (the client receives)"; [$C.end.streams[].sender.sender]; [false]),
        eq("server end.streams[].sender.sender (the server sends)"; [$S.end.streams[].sender.sender]; [true]),
        eq("client intervals[].streams[].sender"; [$C.intervals[].streams[].sender] | unique; [false]),
        eq("server intervals[].streams[].sender"; [$S.intervals[].streams[].sender] | unique; [true])'
}

# --bidir (-P 1)
extra_bidir() {
    jq_check '
        ([["client", $C, true], ["server", $S, false]][] as [$role, $d, $fwd]
         | eq("\($role): end has sum_sent_bidir_reverse and sum_received_bidir_reverse";
              $d.end | has("sum_sent_bidir_reverse") and has("sum_received_bidir_reverse"); true),
           eq("\($role): every interval has sum_bidir_reverse and 2 streams";
              [$d.intervals[] | has("sum_bidir_reverse") and (.streams | length) == 2] | all; true),
           eq("\($role): end.streams[].sender.sender, one sending and one receiving stream";
              [$d.end.streams[].sender.sender] | sort; [false, true]),
           eq("\($role): distinct sockets in end.streams[]"; [$d.end.streams[].sender.socket] | unique | length; 2),
           eq("\($role): intervals[].sum / sum_bidir_reverse .sender (forward, then reverse)";
              [$d.intervals[] | [.sum.sender, .sum_bidir_reverse.sender]] | unique; [[$fwd, ($fwd | not)]])),
        # The client writes the TCP_INFO extremes of its receiving socket
        # under the reverse stream of the sender, as iperf3 does (not zeros).
        ($C.end.streams[] | select(.sender.sender | not) | .sender
         | gt("client: reverse stream sender.max_snd_cwnd (of its own socket)"; .max_snd_cwnd; 0),
           gt("client: reverse stream sender.max_snd_wnd"; .max_snd_wnd; 0),
           gt("client: reverse stream sender.max_rtt"; .max_rtt; 0),
           eq("client: reverse stream sender min_rtt <= mean_rtt <= max_rtt";
              .min_rtt <= .mean_rtt and .mean_rtt <= .max_rtt; true))'
}

# -n 10M (-P 1, default -l 128K): the sender sent at least 10M, and less
# than one more block per stream.
extra_bytes() {
    jq_check '
        10485760 as $n | 131072 as $len
        | ge("client end.sum_sent.bytes (-n 10M)"; $C.end.sum_sent.bytes; $n),
          lt("client end.sum_sent.bytes (-n 10M, P = 1, len = 128K)"; $C.end.sum_sent.bytes; $n + $len),
          eq("client start.test_start.bytes"; $C.start.test_start.bytes; $n),
          eq("server start.test_start.bytes"; $S.start.test_start.bytes; $n)'
}

# -k 200 -l 64K (-P 1)
extra_blocks() {
    jq_check '
        200 as $k | 65536 as $len
        | ge("client end.sum_sent.bytes (-k 200 -l 64K)"; $C.end.sum_sent.bytes; $k * $len),
          lt("client end.sum_sent.bytes (-k 200 -l 64K, P = 1)"; $C.end.sum_sent.bytes; ($k + 1) * $len),
          eq("client start.test_start blocks, blksize"; $C.start.test_start | [.blocks, .blksize]; [$k, $len]),
          eq("server start.test_start blocks, blksize"; $S.start.test_start | [.blocks, .blksize]; [$k, $len])'
}

# -O 1
extra_omit() {
    jq_check '
        eq("client start.test_start.omit"; $C.start.test_start.omit; 1),
        eq("server start.test_start.omit"; $S.start.test_start.omit; 1),
        eq("client: per-stream omitted flags follow the sums";
           [$C.intervals[] | (.streams[].omitted == .sum.omitted)] | all; true),
        # Times restart at 0 when the omit period ends.
        eq("client: omitted interval starts at 0, the first counted one at ~0";
           $C.intervals[0].sum.start == 0 and $C.intervals[1].sum.start < 0.1; true)'
}

# -O with -n/-k, by iperf3's rule (3.12 to 3.21): its client ends the test
# once what it sent *after* the omit period (the sent count restarts there),
# or what it received *in all*, omit period included (the received count
# does not restart), makes the amount. -O 1 -b 1M -l 16K with 256 KiB
# (-n 256K or -k 16): part of the amount goes in the omit period.
#   OMIT_AMOUNT_OPTS: the options of such a run, save -u, -R and -n/-k.
OMIT_AMOUNT_OPTS=(-O 1 -b 1M -l 16K)
# omit_amount_args PROTO MODE AMOUNT: the client's options for PROTO tcp|udp,
# MODE normal|reverse, AMOUNT bytes|blocks.
omit_amount_args() {
    OMIT_ARGS=("${OMIT_AMOUNT_OPTS[@]}")
    [ "$1" = udp ] && OMIT_ARGS+=(-u)
    [ "$2" = reverse ] && OMIT_ARGS+=(-R)
    if [ "$3" = bytes ]; then OMIT_ARGS+=(-n 256K); else OMIT_ARGS+=(-k 16); fi
}
# check_omit_amount PROTO MODE AMOUNT: the client's document CLI of such a
# run. Sending, it sent the amount after the omit period (less than one
# block more); receiving, it counts less than the amount, and with the
# omitted intervals at least the amount -- except TCP -k, where a receiver
# counts reads as blocks (iperf3's way), which may be short.
check_omit_amount() {
    local whole=1
    [ "$1/$3" = tcp/blocks ] && whole=0
    jq_check --arg mode "$2" --argjson whole "$whole" '
        262144 as $n | 16384 as $len
        | ([$C.intervals[] | select(.sum.omitted) | .sum.bytes] | add // 0) as $o
        | gt("client: bytes in the omitted intervals"; $o; 0),
          if $mode == "normal" then
              ge("client end.sum_sent.bytes: the amount after the omit period"; $C.end.sum_sent.bytes; $n),
              lt("client end.sum_sent.bytes: less than one block more"; $C.end.sum_sent.bytes; $n + $len)
          else
              lt("client end.sum_received.bytes: the omit period counts towards the amount";
                 $C.end.sum_received.bytes; $n),
              if $whole == 1 then
                  ge("client: omitted + counted bytes received ($o = \($o))";
                     $o + $C.end.sum_received.bytes; $n)
              else empty end
          end'
}
