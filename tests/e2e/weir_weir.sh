#!/usr/bin/env bash
# weir client <-> weir server: two processes, real sockets on loopback.
# Checks counts, formats and exit codes -- never speed.
#
# WEIR_E2E_REFERENCE=1 runs the same cases with iperf3 at both ends, to check
# that what this script asserts is what iperf3 itself does.
. "$(dirname "$0")/lib.sh"

require_tools
NAME_PREFIX=weir DONE_LINE="weir Done."
if [ -n "${WEIR_E2E_REFERENCE:-}" ]; then
    [ -n "$IPERF3" ] || skip_all "WEIR_E2E_REFERENCE needs iperf3"
    WEIR=$IPERF3 NAME_PREFIX="iperf 3" DONE_LINE="iperf Done."
fi

# ------------------------------------------------------------ JSON pairs

# json_pair ARGS...: `weir -s -1 -J` and `weir -c -J ARGS`.
# Sets CLI, SRV (JSON files); returns 1 if the documents are unusable.
json_pair() {
    CLI=$CASE_DIR/client.json SRV=$CASE_DIR/weir-server.out
    start_server_retry weir -1 -J || return 1
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J "$@"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    check_docs "$NAME_PREFIX" "$NAME_PREFIX" || return 1
    # Keep them for the "intervals add up" case that follows.
    LAST_CLI=$CLI LAST_SRV=$SRV
}

# Interval totals of the previous JSON case (no new run).
intervals_add_up() {
    local mode=$1
    if [ -z "${LAST_CLI:-}" ]; then
        fail "the JSON run before this case produced no documents"
        return
    fi
    CLI=$LAST_CLI SRV=$LAST_SRV
    check_interval_sums "$mode"
}

# json_case MODE NSTREAMS SECONDS OMIT EXTRA-CHECK ARGS...
#   MODE normal|reverse|bidir; SECONDS/OMIT: the intervals to expect ("-"
#   for -n/-k runs); EXTRA-CHECK: a function (lib.sh) run after the common
#   checks; ARGS: the client's options.
json_case() {
    local mode=$1 np=$2 t=$3 o=$4 extra=$5
    shift 5
    LAST_CLI="" LAST_SRV=""
    json_pair "$@" || return
    check_counts "$mode" "$np"
    [ "$t" = - ] || check_intervals "$t" "$o"
    "$extra"
}

# ------------------------------------------------------------ IPv6

ipv6_case() {
    if ! have_ipv6_loopback; then
        skip_case "no ::1 on this host"
        return
    fi
    start_server_retry weir -1 -J || return
    CLI=$CASE_DIR/client.json SRV=$SERVER_OUT
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c ::1 -p "$PORT" -J -t 1
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    check_docs "$NAME_PREFIX" "$NAME_PREFIX" || return
    jq_check '
        eq("client start.connected[0] local/remote host";
           $C.start.connected[0] | [.local_host, .remote_host]; ["::1", "::1"]),
        eq("client start.connecting_to.host"; $C.start.connecting_to.host; "::1"),
        eq("server start.accepted_connection.host"; $S.start.accepted_connection.host; "::1")'
    check_counts normal 1
    check_intervals 1 0
}

# ------------------------------------------------------------ text mode

SEPARATOR='- - - - - - - - - - - - - - - - - - - - - - - - -'

# count_lines FILE ERE
count_lines() {
    grep -Ec -- "$2" "$1"
}

# text_case MODE NSTREAMS SECONDS ARGS...: both sides in text mode.
text_case() {
    local mode=$1 np=$2 t=$3
    shift 3
    start_server_retry weir -1 || return
    local cli=$CASE_DIR/client.out srv=$SERVER_OUT
    run_bounded "$cli" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t "$t" "$@"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0

    # Client.
    expect_eq "client first line" "$(head -n 1 "$cli")" "Connecting to host 127.0.0.1, port $PORT"
    if [ "$mode" = reverse ]; then
        expect_eq "client second line" "$(sed -n 2p "$cli")" "Reverse mode, remote host 127.0.0.1 is sending"
    fi
    local nconn
    nconn=$np
    [ "$mode" = bidir ] && nconn=$((2 * np))
    expect_eq "client 'connected to' lines" \
        "$(count_lines "$cli" "^\[ *[0-9]+\] local 127\.0\.0\.1 port [0-9]+ connected to 127\.0\.0\.1 port $PORT\$")" "$nconn"
    expect_eq "client last line" "$(tail -n 1 "$cli")" "$DONE_LINE"
    expect_eq "client line before the last" "$(tail -n 2 "$cli" | head -n 1)" ""
    grep -qxF -- "$SEPARATOR" "$cli" || fail "client: no '- - -' separator line"

    # Summary lines: per stream one sender and one receiver line (per
    # direction in bidir), plus [SUM] ones with -P > 1.
    local nsum=$nconn
    [ "$np" -gt 1 ] && { [ "$mode" = bidir ] && nsum=$((nsum + 2)) || nsum=$((nsum + 1)); }
    expect_eq "client 'sender' summary lines" "$(count_lines "$cli" ' sec .* sender$')" "$nsum"
    expect_eq "client 'receiver' summary lines" "$(count_lines "$cli" ' sec .* receiver$')" "$nsum"
    # Interval lines: every stream every second, plus [SUM] with -P > 1.
    local niv=$((t * nconn))
    [ "$np" -gt 1 ] && { [ "$mode" = bidir ] && niv=$((niv + 2 * t)) || niv=$((niv + t)); }
    expect_eq "client interval lines" \
        "$(grep -E ' sec ' "$cli" | grep -Evc ' (sender|receiver)$')" "$niv"
    if [ "$mode" = bidir ]; then
        expect_eq "client [TX-C] interval lines" \
            "$(grep -F '[TX-C]' "$cli" | grep -Evc ' (sender|receiver)$')" $((t * np))
        expect_eq "client [RX-C] interval lines" \
            "$(grep -F '[RX-C]' "$cli" | grep -Evc ' (sender|receiver)$')" $((t * np))
    fi

    # Server.
    grep -qx -- "Server listening on $PORT (test #1)" "$srv" ||
        fail "server: no 'Server listening on $PORT (test #1)' line"
    grep -Eq -- '^Accepted connection from 127\.0\.0\.1, port [0-9]+$' "$srv" ||
        fail "server: no 'Accepted connection from 127.0.0.1, port N' line"
    grep -qxF -- "$SEPARATOR" "$srv" || fail "server: no '- - -' separator line"
    local ssend=0 srecv=0
    case $mode in
        normal) srecv=$np ;;
        reverse) ssend=$np ;;
        bidir) ssend=$np srecv=$np ;;
    esac
    [ "$np" -gt 1 ] && { [ "$ssend" -gt 0 ] && ssend=$((ssend + 1)); [ "$srecv" -gt 0 ] && srecv=$((srecv + 1)); }
    expect_eq "server 'sender' summary lines" "$(count_lines "$srv" ' sec .* sender$')" "$ssend"
    expect_eq "server 'receiver' summary lines" "$(count_lines "$srv" ' sec .* receiver$')" "$srecv"
}

# ------------------------------------------------------------ --json-stream-full-output

# stream_then_doc NAME FILE: FILE is --json-stream's event lines (start,
# intervals, end) followed by the whole -J document of the same test, as
# iperf3 3.21's --json-stream-full-output writes them.
stream_then_doc() {
    local name=$1 f=$2
    if ! jq -s -e 'length > 1' "$f" >/dev/null 2>&1; then
        fail "$name: output is not a sequence of JSON values"
        return
    fi
    jq_check --arg n "$name" --slurpfile v "$f" '
        ($v[:-1]) as $ev | ($v[-1]) as $doc
        | eq("\($n): every value but the last is an event line"; [$ev[] | has("event")] | all; true),
          eq("\($n): the events"; [$ev[].event] | unique; ["end", "interval", "start"]),
          eq("\($n): first and last event"; [$ev[0].event, ($ev | map(select(.event != "interval")) | .[-1].event)];
             ["start", "end"]),
          eq("\($n): the last value is the -J document"; $doc | [has("start", "intervals", "end", "event")];
             [true, true, true, false]),
          eq("\($n): document intervals = interval events"; $doc.intervals | length;
             [$ev[] | select(.event == "interval")] | length),
          eq("\($n): document end = end event"; $doc.end; [$ev[] | select(.event == "end")][0].data),
          eq("\($n): document start = start event"; $doc.start; [$ev[] | select(.event == "start")][0].data)'
    # Event lines are compact, the document is written pretty.
    expect_eq "$name: the document starts on the line after the last event" \
        "$(grep -n '^{$' "$f" | head -n 1 | cut -d: -f1)" "$(jq -s length "$f")"
}

json_stream_full_case() {
    if [ -n "${WEIR_E2E_REFERENCE:-}" ]; then
        skip_case "iperf3 3.12 has no --json-stream"
        return
    fi
    start_server_retry weir -1 --json-stream --json-stream-full-output || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 2 \
        --json-stream --json-stream-full-output
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    CLI="" SRV="" stream_then_doc client "$CASE_DIR/client.out"
    CLI="" SRV="" stream_then_doc server "$SERVER_OUT"
    # Without --json-stream it changes nothing (iperf3 3.21): text, or -J's
    # document alone; --json-stream wins over -J.
    run_bounded "$CASE_DIR/text.out" "$CASE_DIR/text.err" "$WEIR" --loopback -t 1 --json-stream-full-output
    expect_eq "without --json-stream: the text output" "$(head -n 1 "$CASE_DIR/text.out" | cut -c1-18)" \
        "Connecting to host"
    run_bounded "$CASE_DIR/j.out" "$CASE_DIR/j.err" "$WEIR" --loopback -t 1 -J --json-stream-full-output
    expect_eq "-J without --json-stream: one document" "$(jq -s 'map(has("start") and (has("event") | not)) | [length, all]' -c "$CASE_DIR/j.out" 2>&1)" "[1,true]"
    run_bounded "$CASE_DIR/js.out" "$CASE_DIR/js.err" "$WEIR" --loopback -t 1 -J --json-stream
    expect_eq "-J --json-stream: event lines only" "$(jq -s 'map(has("event")) | all' "$CASE_DIR/js.out" 2>&1)" true
    run_bounded "$CASE_DIR/jsf.out" "$CASE_DIR/jsf.err" "$WEIR" --loopback -t 1 -J --json-stream --json-stream-full-output
    CLI="" SRV="" stream_then_doc "-J --json-stream --json-stream-full-output" "$CASE_DIR/jsf.out"
}

# ------------------------------------------------------------ the cases

run_case "-J -t 2 (both sides -J): start, counts, intervals" \
    json_case normal 1 2 0 extra_start -t 2
run_case "-J -t 2: intervals add up to the end totals" intervals_add_up normal
run_case "-t 2 -P 4" json_case normal 4 2 0 extra_parallel -t 2 -P 4
run_case "-t 2 -P 4: intervals add up to the end totals" intervals_add_up normal
run_case "-t 2 -R" json_case reverse 1 2 0 extra_reverse -t 2 -R
run_case "-t 2 -R: intervals add up to the end totals" intervals_add_up reverse
run_case "-t 2 --bidir" json_case bidir 1 2 0 extra_bidir -t 2 --bidir
run_case "-t 2 --bidir: intervals add up to the end totals" intervals_add_up bidir
run_case "-n 10M" json_case normal 1 - 0 extra_bytes -n 10M
run_case "-n 10M: intervals add up to the end totals" intervals_add_up normal
run_case "-k 200 -l 64K" json_case normal 1 - 0 extra_blocks -k 200 -l 64K
run_case "-k 200 -l 64K: intervals add up to the end totals" intervals_add_up normal
run_case "-O 1 -t 2" json_case normal 1 2 1 extra_omit -O 1 -t 2
run_case "-O 1 -t 2: intervals add up to the end totals" intervals_add_up normal
run_case "IPv6 ::1 -t 1" ipv6_case
run_case "text -t 2" text_case normal 1 2
run_case "text -t 1 -P 2 -R" text_case reverse 2 1 -P 2 -R
run_case "text -t 1 --bidir" text_case bidir 1 1 --bidir
run_case "--json-stream --json-stream-full-output: the event lines, then the -J document" \
    json_stream_full_case

finish
