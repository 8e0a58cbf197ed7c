#!/usr/bin/env bash
# Comparison runs (--transport A,B,...) and reporter containment, through
# the real binary on loopback:
#   - one test per transport, in order, each a complete iperf3 test; the
#     text table has a row per transport, the JSON document holds every
#     test's iperf3 document plus the comparison, and the two agree;
#   - UDP runs unlimited unless -b is given, and the output says so;
#   - against `weir -s --transport quic`, a tcp,quic comparison: both
#     rows in the table and in -J;
#   - against a plain iperf3 server, tls fails with its reason in its row
#     while tcp and udp still run (exit 1);
#   - bad lists are refused before anything runs;
#   - a reporter whose file cannot be opened, or that reports an error
#     from a hook, is contained: the others write everything, exit 1.
source "$(dirname "$0")/lib.sh"
require_tools
: "${BROKEN_DIR:=$TESTS_DIR/plugin/broken/.libs}"

case_loopback_table() {
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" \
        "$WEIR" --loopback --transport tcp,udp,tls -t 1 -i 0
    expect_eq "exit status" "$RUN_RC" 0
    local t
    for t in tcp udp tls; do
        grep -qE "^$t +(TCP|UDP) +[0-9.]+ [KMG]?bits/sec +[0-9.]+ [KMG]?bits/sec" "$CASE_DIR/out" ||
            fail "no comparison row for $t"
    done
    grep -q '^Comparison, one test per transport' "$CASE_DIR/out" || fail "no comparison heading"
    grep -q '^Note: datagram transports ran at an unlimited rate' "$CASE_DIR/out" ||
        fail "no note about UDP's unlimited rate"
    expect_eq "tests run" "$(grep -c '^weir Done.' "$CASE_DIR/out")" 3
    # Rows in the order given; datagram columns only for udp.
    expect_eq "row order" "$(grep -oE '^(tcp|udp|tls) ' "$CASE_DIR/out" | tr -d ' ' | paste -sd,)" "tcp,udp,tls"
    grep -qE '^udp .* [0-9]+/[0-9]+ \(' "$CASE_DIR/out" || fail "udp row lacks lost/total"
}

case_client_json() {
    start_server_retry weir || return
    CLI=$CASE_DIR/client.json
    run_bounded "$CLI" "$CASE_DIR/client.err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" --transport udp,tcp -t 1 -b 20M -J
    expect_eq "exit status" "$RUN_RC" 0
    jq_check '
        eq("tests"; $C.tests | length; 2),
        eq("protocols"; [$C.tests[].start.test_start.protocol]; ["UDP", "TCP"]),
        eq("rows"; [$C.comparison.transports[].transport]; ["udp", "tcp"]),
        eq("no note with -b"; $C.comparison.note; null),
        eq("udp rate is -b"; $C.comparison.transports[0].target_bitrate; 20000000),
        eq("udp packets"; $C.comparison.transports[0].packets; $C.tests[0].end.sum.packets),
        eq("udp lost"; $C.comparison.transports[0].lost_packets; $C.tests[0].end.sum.lost_packets),
        eq("tcp bytes sent"; $C.comparison.transports[1].bytes_sent; $C.tests[1].end.sum_sent.bytes),
        eq("tcp bytes received"; $C.comparison.transports[1].bytes_received;
           $C.tests[1].end.sum_received.bytes),
        eq("tcp retransmits"; $C.comparison.transports[1].retransmits;
           $C.tests[1].end.sum_sent.retransmits),
        gt("tcp bytes"; $C.comparison.transports[1].bytes_received; 0),
        ge("setup time"; $C.comparison.transports[1].setup_seconds; 0),
        eq("remote cpu"; $C.comparison.transports[1].remote_cpu_total;
           $C.tests[1].end.cpu_utilization_percent.remote_total)'
}

# README's example for another host: a `weir -s --transport tls` server
# (which serves tcp and udp tests too) and the fingerprint it prints.
case_tls_server_pinned() {
    start_server_retry weir --transport tls || return
    local fp
    fp=$(grep -oE 'fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}' "$SERVER_ERR" "$SERVER_OUT" | head -n1 | awk '{print $2}')
    [ -n "$fp" ] || { fail "the server printed no fingerprint"; return; }
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" --transport tcp,udp,tls --tls-fingerprint "$fp" -t 1 -i 0
    expect_eq "exit status" "$RUN_RC" 0
    local t
    for t in tcp udp tls; do
        grep -qE "^$t +(TCP|UDP) +[0-9.]+ [KMG]?bits/sec +[0-9.]+ [KMG]?bits/sec" "$CASE_DIR/out" ||
            fail "no comparison row for $t"
    done
}

# A comparison with a quic row against another process: `weir -s
# --transport quic` (which serves tcp tests as well) prints its
# certificate's fingerprint; the client pins it. Both rows in the text
# table, both tests and both comparison rows in -J, each the counts of its
# own test.
case_quic_server_pinned() {
    have_plugin quic || { skip_case "this build has no quic transport"; return; }
    start_server_retry weir --transport quic || return
    local fp
    fp=$(grep -oE 'fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}' "$SERVER_ERR" "$SERVER_OUT" | head -n1 | awk '{print $2}')
    [ -n "$fp" ] || { fail "the server printed no fingerprint"; return; }
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" --transport tcp,quic --tls-fingerprint "$fp" -t 1 -i 0
    expect_eq "exit status" "$RUN_RC" 0
    expect_eq "rows" "$(grep -oE '^(tcp +TCP|quic +UDP) +[0-9.]+ [KMG]?bits/sec +[0-9.]+ [KMG]?bits/sec' "$CASE_DIR/out" |
        awk '{print $1}' | paste -sd,)" "tcp,quic"
    CLI=$CASE_DIR/client.json
    run_bounded "$CLI" "$CASE_DIR/client.err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" --transport tcp,quic --tls-fingerprint "$fp" -t 1 -J
    expect_eq "-J exit status" "$RUN_RC" 0
    jq_check '
        eq("tests"; [$C.tests[].start.weir.transport]; ["tcp", "quic"]),
        eq("rows"; [$C.comparison.transports[] | [.transport, .protocol]]; [["tcp", "TCP"], ["quic", "UDP"]]),
        eq("quic encrypted"; $C.tests[1].start.weir.encrypted; true),
        eq("quic bytes received"; $C.comparison.transports[1].bytes_received; $C.tests[1].end.sum_received.bytes),
        eq("quic bytes sent"; $C.comparison.transports[1].bytes_sent; $C.tests[1].end.sum_sent.bytes),
        eq("quic retransmits"; $C.comparison.transports[1].retransmits; $C.tests[1].end.sum_sent.retransmits),
        gt("quic bytes"; $C.comparison.transports[1].bytes_received; 0),
        eq("tcp bytes received"; $C.comparison.transports[0].bytes_received; $C.tests[0].end.sum_received.bytes)'
}

case_iperf3_server() {
    [ -n "$IPERF3" ] || { skip_case "iperf3 not installed"; return; }
    start_server_retry iperf3 || return
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" --transport tls,tcp -t 1 -i 0
    expect_eq "exit status" "$RUN_RC" 1
    grep -qE '^tls +.*failed: .*does not support|^tls +.*failed: .*plain iperf3' "$CASE_DIR/out" ||
        fail "tls row does not give the reason"
    grep -qE '^tcp +TCP +[0-9.]+ [KMG]?bits/sec' "$CASE_DIR/out" || fail "tcp did not run after tls failed"
}

case_bad_lists() {
    local list want
    for list in "tcp,,udp:empty name" "tcp,nosuch:nosuch" ",tcp:empty name"; do
        want=${list#*:}
        run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" -c 127.0.0.1 --transport "${list%%:*}"
        expect_eq "exit status for ${list%%:*}" "$RUN_RC" 1
        grep -q "$want" "$CASE_DIR/err" || fail "${list%%:*}: error does not mention '$want'"
    done
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" -s --transport tcp,udp
    expect_eq "server with a list" "$RUN_RC" 1
    grep -q 'client option' "$CASE_DIR/err" || fail "server list error unclear"
}

case_reporter_file_fails() {
    local json=$CASE_DIR/run.json
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 \
        --reporter text --reporter json:/nonexistent/dir/x.json --reporter "json:$json"
    expect_eq "exit status" "$RUN_RC" 1
    expect_eq "error lines" "$(grep -c 'weir: error' "$CASE_DIR/err")" 1
    grep -q "reporter 'json' failed to start with argument /nonexistent/dir/x.json: .*cannot open" \
        "$CASE_DIR/err" || fail "unclear error for the unwritable file"
    grep -q '^weir Done.' "$CASE_DIR/out" || fail "text reporter did not finish"
    expect_eq "other json complete" "$(jq -r '.end.sum_received.bytes > 0' "$json" 2>&1)" true
}

case_reporter_hook_fails() {
    local json=$CASE_DIR/run.json
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 \
        --reporter text --reporter "$BROKEN_DIR/failing_reporter.so" --reporter "json:$json"
    expect_eq "exit status" "$RUN_RC" 1
    grep -q "reporter 'failing': cannot write the summary" "$CASE_DIR/err" ||
        fail "the failing reporter's error is not shown"
    expect_eq "error lines" "$(grep -c 'weir: error' "$CASE_DIR/err")" 1
    grep -q '^weir Done.' "$CASE_DIR/out" || fail "text reporter did not finish"
    expect_eq "json complete" "$(jq -r '.end.sum_received.bytes > 0' "$json" 2>&1)" true
}

case_stdout_reporter() {
    local f=$CASE_DIR/run.json
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 --reporter "json:$f"
    expect_eq "exit status" "$RUN_RC" 0
    grep -q '^weir Done.' "$CASE_DIR/out" || fail "a file reporter alone dropped the text output"
    expect_eq "file document" "$(jq -r '.end.sum_sent.bytes > 0' "$f" 2>&1)" true
    rm -f "$f"
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 -J --reporter "json-stream:$f"
    expect_eq "exit status (-J)" "$RUN_RC" 0
    expect_eq "-J still on stdout" "$(jq -r '.end.sum_sent.bytes > 0' "$CASE_DIR/out" 2>&1)" true
    expect_eq "json-stream file ends" "$(tail -n 1 "$f" | jq -r .event 2>&1)" end
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 --reporter json
    expect_eq "--reporter json replaces text" "$(jq -r '.end.sum_sent.bytes > 0' "$CASE_DIR/out" 2>&1)" true
}

run_case "standard output keeps its reporter (-J, text)" case_stdout_reporter
run_case "loopback comparison table (tcp,udp,tls)" case_loopback_table
run_case "client comparison JSON against weir -s" case_client_json
run_case "README's example: weir -s --transport tls, client pins its fingerprint" case_tls_server_pinned
run_case "weir -s --transport quic, client pins it: -c HOST --transport tcp,quic" case_quic_server_pinned
run_case "comparison against iperf3 -s: tls refused, tcp runs" case_iperf3_server
run_case "bad transport lists" case_bad_lists
run_case "unwritable reporter file is contained" case_reporter_file_fails
run_case "reporter error from a hook is contained" case_reporter_hook_fails
finish
