#!/usr/bin/env bash
# What a weir server allows its clients (docs/protocol.md §6.1, §6.4, §8.4, §4.5):
#
#   --server-max-duration SECS   a test longer than SECS (time + omit) or
#                                without a time limit (-n, -k) is refused
#                                with SERVER_ERROR 37
#   --server-bitrate-limit R[/S] a test asking for more than R in total
#                                (parallel x bitrate, x 2 in bidir) is
#                                refused, and one whose average over the last
#                                S seconds (default 5) exceeds R is ended,
#                                with SERVER_ERROR 27
#   parameter range checks       every out-of-range key of the parameter
#                                JSON is answered with SERVER_ERROR and
#                                iperf3's number for it (badpeer.py)
#
# Each refusal is checked from a weir client and, where IPERF3 is set, from
# Debian's iperf3 client: exit status 1 and the reason printed (iperf3 3.12
# has no text for 37 and prints "int_errno=37", which is accepted for it
# only); the raw SERVER_ERROR bytes are checked with badpeer.py; and the
# server must go on serving. Never asserts speed: the rate cases use limits
# far below and far above what loopback carries.
# Servers live through several clients here; the whole script takes ~40 s.
SERVER_TIMEOUT=${SERVER_TIMEOUT:-60}
export E2E_DEADLINE=${E2E_DEADLINE:-150}
. "$(dirname "$0")/lib.sh"

require_tools
require_tool python3 "badpeer.py"
BADPEER=$TESTS_DIR/e2e/badpeer.py

MSG_DURATION="client's requested duration exceeds the server's maximum permitted limit"
MSG_RATE="total required bandwidth is larger than server limit"

# refused LABEL MSG CODE CMD...: CMD (a client) exits 1 and prints MSG; an
# iperf3 client may print int_errno=CODE instead when its version has no
# text for CODE.
refused() {
    local label=$1 msg=$2 code=$3
    shift 3
    run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$@"
    [ "$RUN_RC" = 1 ] || fail "$label: exit status $RUN_RC, want 1"
    if grep -qF -- "$msg" "$CASE_DIR/c.out" "$CASE_DIR/c.err"; then
        return 0
    fi
    if [ "$1" = "$IPERF3" ] && grep -q "int_errno=$code\b" "$CASE_DIR/c.err"; then
        return 0
    fi
    fail "$label: '$msg' not printed: $(tail -n 2 "$CASE_DIR/c.err" | tr '\n' ' ')"
}

# served LABEL CMD...: CMD (a client) completes with status 0.
served() {
    local label=$1
    shift
    run_bounded "$CASE_DIR/ok.out" "$CASE_DIR/ok.err" "$@"
    [ "$RUN_RC" = 0 ] || fail "$label: exit status $RUN_RC, want 0: $(tail -n 2 "$CASE_DIR/ok.err" | tr '\n' ' ')"
}

# server_said MSG: the server printed MSG too.
server_said() {
    grep -qF -- "$1" "$SERVER_OUT" "$SERVER_ERR" || fail "the server did not print '$1'"
}

# wire LABEL JSON CODE: badpeer.py sends valid parameters with JSON's keys
# merged in; the server must answer SERVER_ERROR CODE (fe, then CODE and an
# errno as 32-bit big-endian numbers).
wire() {
    local label=$1 json=$2 code=$3 got
    run_bounded "$CASE_DIR/peer.out" "$CASE_DIR/peer.err" \
        python3 "$BADPEER" --port "$PORT" --timeout 8 --arg "$json" params
    got=$(sed -n 's/^ANSWER //p' "$CASE_DIR/peer.out")
    if [ "$RUN_RC" != 0 ]; then
        fail "$label: badpeer exit $RUN_RC: $(tr '\n' ' ' <"$CASE_DIR/peer.err" | cut -c1-200)"
    elif ! printf '%s' "$got" | grep -Eq "^fe$(printf '%08x' "$code")[0-9a-f]{8}\$"; then
        fail "$label: server answered '$got', want SERVER_ERROR $code"
    fi
}

# ---------------------------------------------------------------- cases

case_max_duration() {
    start_server_retry weir --server-max-duration 3 || return
    local c=(-c 127.0.0.1 -p "$PORT")
    refused "weir -t 5" "$MSG_DURATION" 37 "$WEIR" "${c[@]}" -t 5
    refused "weir -t 2 -O 2 (time + omit)" "$MSG_DURATION" 37 "$WEIR" "${c[@]}" -t 2 -O 2
    refused "weir -n 1M (no time limit)" "$MSG_DURATION" 37 "$WEIR" "${c[@]}" -n 1M
    refused "weir -k 100 (no time limit)" "$MSG_DURATION" 37 "$WEIR" "${c[@]}" -k 100
    refused "weir -J -t 5" "$MSG_DURATION" 37 "$WEIR" "${c[@]}" -t 5 -J
    jq -e --arg m "$MSG_DURATION" '.error | startswith($m)' "$CASE_DIR/c.out" >/dev/null ||
        fail "weir -J -t 5: JSON \"error\" is not the reason"
    wire "\"time\":0 on the wire" '{"time":0,"num":1048576}' 37
    wire "\"time\":4 on the wire" '{"time":4}' 37
    if have_iperf3; then
        refused "iperf3 -t 5" "$MSG_DURATION" 37 "$IPERF3" "${c[@]}" -t 5
        refused "iperf3 -n 1M" "$MSG_DURATION" 37 "$IPERF3" "${c[@]}" -n 1M
        served "iperf3 -t 1 (within the limit)" "$IPERF3" "${c[@]}" -t 1
    fi
    served "weir -t 2 -O 1 (exactly the limit)" "$WEIR" "${c[@]}" -t 2 -O 1 -b 10M
    server_said "$MSG_DURATION"
}

case_requested_rate() {
    start_server_retry weir --server-bitrate-limit 20M || return
    local c=(-c 127.0.0.1 -p "$PORT")
    refused "weir -b 30M" "$MSG_RATE" 27 "$WEIR" "${c[@]}" -t 2 -b 30M
    refused "weir -P 2 -b 15M (total)" "$MSG_RATE" 27 "$WEIR" "${c[@]}" -t 2 -P 2 -b 15M
    refused "weir --bidir -b 15M (both directions)" "$MSG_RATE" 27 "$WEIR" "${c[@]}" -t 2 --bidir -b 15M
    refused "weir -u -b 25M" "$MSG_RATE" 27 "$WEIR" "${c[@]}" -t 2 -u -b 25M
    wire "\"bandwidth\" over the limit on the wire" '{"bandwidth":20000001}' 27
    wire "\"fqrate\" over the limit on the wire" '{"fqrate":30000000}' 27
    if have_iperf3; then
        refused "iperf3 -b 30M" "$MSG_RATE" 27 "$IPERF3" "${c[@]}" -t 2 -b 30M
        refused "iperf3 -u -P 3 -b 7M" "$MSG_RATE" 27 "$IPERF3" "${c[@]}" -t 2 -u -P 3 -b 7M
    fi
    # Asking for exactly the limit is allowed; -t 2 is shorter than the 5 s
    # averaging window, so pacing jitter cannot matter.
    served "weir -P 2 -b 10M (exactly the limit)" "$WEIR" "${c[@]}" -t 2 -P 2 -b 10M
    server_said "$MSG_RATE"
}

case_average_rate() {
    # Loopback carries gigabits: an unpaced test is far above 100 Mbit/s
    # over any 1 s, a 10 Mbit/s one far below.
    start_server_retry weir --server-bitrate-limit 100M/1 || return
    local c=(-c 127.0.0.1 -p "$PORT")
    refused "weir -t 8 (unpaced, ended by the server)" "$MSG_RATE" 27 "$WEIR" "${c[@]}" -t 8
    refused "weir -R -t 8 (what the server sends counts)" "$MSG_RATE" 27 "$WEIR" "${c[@]}" -t 8 -R
    if have_iperf3; then
        refused "iperf3 -t 8" "$MSG_RATE" 27 "$IPERF3" "${c[@]}" -t 8
    fi
    served "weir -t 3 -b 10M (below the limit)" "$WEIR" "${c[@]}" -t 3 -b 10M
    server_said "$MSG_RATE"
}

case_default_window() {
    # iperf3 judges only whole windows (5 s by default): a 2 s test is
    # never judged, however fast.
    start_server_retry weir --server-bitrate-limit 100M || return
    served "weir -t 2 (unpaced, shorter than the window)" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 2
}

case_ranges() {
    start_server_retry weir || return
    # key=value -> iperf3's error number (docs/protocol.md §6.1, §4.5)
    local checks=(
        '{"omit":601}' 12        '{"omit":-1}' 12
        '{"time":86401}' 5       '{"time":-1}' 5
        '{"parallel":0}' 6       '{"parallel":129}' 6
        '{"len":0}' 7            '{"len":1048577}' 7
        '{"udp":true,"len":8}' 20  '{"udp":true,"len":65508}' 20
        '{"window":536870913}' 8 '{"window":-1}' 8
        '{"MSS":32768}' 10       '{"MSS":-1}' 10
        '{"TOS":256}' 21         '{"TOS":-1}' 21
        '{"burst":1001}' 15      '{"burst":-1}' 15
        '{"server_affinity":1025}' 132
        '{"flowlabel":1048576}' 127  '{"flowlabel":0}' 127
        '{"reverse":true,"bidirectional":true}' 25
        '{"bandwidth":-1}' 114   '{"fqrate":-1}' 114
        '{"num":-1}' 114         '{"blockcount":-1}' 114
        '{"pacing_timer":-1}' 114  '{"gso":-1}' 114
        '{"time":"ten"}' 114
    )
    local i
    for ((i = 0; i < ${#checks[@]}; i += 2)); do
        wire "${checks[i]}" "${checks[i]}" "${checks[i + 1]}"
    done
    served "weir -t 1 after the refusals" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    if have_iperf3; then
        served "iperf3 -t 1 after the refusals" "$IPERF3" -c 127.0.0.1 -p "$PORT" -t 1
    fi
}

run_case "--server-max-duration refuses long and unbounded tests" case_max_duration
run_case "--server-bitrate-limit refuses what asks for more" case_requested_rate
run_case "--server-bitrate-limit R/1 ends a test above R on average" case_average_rate
run_case "--server-bitrate-limit judges whole 5 s windows by default" case_default_window
run_case "out-of-range parameters get iperf3's error numbers" case_ranges
finish
