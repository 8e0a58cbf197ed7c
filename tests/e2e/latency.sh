#!/usr/bin/env bash
# --latency through the real binary over loopback: weir <-> weir over tcp,
# udp, tls and quic (quic's cases skipped when the build has none), the counts in the JSON documents (-k N probes answered
# exactly, intervals adding up to the end, percentiles in order), -P,
# --latency-rate, the reply size, one-way delays (--loopback, and
# --latency-synced-clocks between two processes),
# the text table, --json-stream, the refusals (a plain iperf3 server within
# 5 s, options that make no sense with it), --busy-poll (said in the
# start), and lost probes counted exactly
# over nftables drops in a network namespace of its own (skipped without
# root or nft). No timing is asserted: loopback round trips are whatever
# the machine gives.
E2E_DEADLINE=${E2E_DEADLINE:-300}
CLIENT_TIMEOUT=30 SERVER_TIMEOUT=40
. "$(dirname "$0")/lib.sh"

require_tools

# The quic transport is optional at build time (--without-quic).
QUIC_SKIP="this build has no quic transport (configured --without-quic, or no ngtcp2/GnuTLS found)"
for d in ${WEIR_PLUGIN_PATH//:/ }; do
    [ -f "$d/quic.so" ] && QUIC_SKIP=
done

# The order every latency row must keep, and count == sum of the intervals'
# counts per stream and summed. $C: the client's -J document; $n: the
# probes the test asked for (0: not a -k test).
STATS_OK='
def stats_ok($w):
    . as $d
    | if $d.count > 0 then
        (if $d.min_us <= $d.p50_us and $d.p50_us <= $d.p90_us and $d.p90_us <= $d.p99_us
            and $d.p99_us <= $d.p99_9_us and $d.p99_9_us <= $d.max_us
            and $d.min_us <= $d.mean_us and $d.mean_us <= $d.max_us and $d.stddev_us >= 0
         then empty else "\($w): min <= p50 <= p90 <= p99 <= p99.9 <= max fails: \($d | tojson)" end)
      else empty end;
'
LAT_CHECKS=$STATS_OK'
$C.end.latency as $E
| (if $E == null then "end.latency is missing" else empty end),
  ($E.sum.rtt | stats_ok("end sum rtt")),
  ($E.streams[] | .rtt | stats_ok("end stream rtt")),
  ([$C.intervals[].latency.sum.rtt | stats_ok("interval sum rtt")] | .[]),
  eq("end sum count = sum of the stream counts"; $E.sum.rtt.count; ([$E.streams[].rtt.count] | add)),
  eq("end sum count = sum of the interval counts";
     $E.sum.rtt.count; ([$C.intervals[] | select(.latency.sum.omitted | not) | .latency.sum.rtt.count] | add)),
  eq("end sum lost = sum of the interval losses"; $E.sum.lost; ([$C.intervals[].latency.sum.lost] | add)),
  eq("end sum sent = sum of the interval sends"; $E.sum.sent; ([$C.intervals[].latency.sum.sent] | add)),
  eq("streams reported (probes, and --load'"'"'s)"; ($E.streams | length) + ($E.working.load_streams // 0);
     $C.start.test_start.num_streams),
  (range($E.streams | length) as $i
   | eq("stream \($i): end count = sum of its interval counts"; $E.streams[$i].rtt.count;
        ([$C.intervals[].latency.streams[$i].rtt.count] | add))),
  (if $n > 0 then eq("probes answered (-k)"; $E.sum.rtt.count + $E.sum.lost; $n),
                  eq("requests sent (-k)"; $E.sum.sent; $n)
   else gt("probes answered"; $E.sum.rtt.count; 0) end)
'

# latency_run NAME ARGS...: weir -s -1, then the client with ARGS and -J
# into $CASE_DIR/NAME.json (CLI); both must exit 0.
latency_run() {
    local name=$1
    shift
    start_server_retry weir -1 || return 1
    CLI=$CASE_DIR/$name.json
    run_bounded "$CLI" "$CASE_DIR/$name.err" "$WEIR" -c 127.0.0.1 -p "$PORT" --latency -J "$@"
    expect_eq "client exit status" "$RUN_RC" 0 || return 1
    wait_or_stop "$SERVER_PID" 10
    expect_eq "server exit status" "$EXIT_RC" 0
    json_doc "$CLI" client
}

# -k N over a transport with -P 2 and -i: exactly N probes, shared out,
# every one answered on loopback, the intervals adding up.
k_case() {
    local transport=$1 n=$2
    local trust=()
    [ "$transport" = quic ] && [ -n "$QUIC_SKIP" ] && { skip_case "$QUIC_SKIP"; return; }
    case $transport in tls | quic) trust=(--tls-insecure) ;; esac
    latency_run k --transport "$transport" "${trust[@]}" -P 2 -i 0.2 -k "$n" || return
    jq_check --argjson n "$n" "$LAT_CHECKS"
    jq_check '
        eq("lost on loopback"; $C.end.latency.sum.lost; 0),
        eq("stream 1 share"; $C.end.latency.streams[0].sent; 250),
        eq("stream 2 share"; $C.end.latency.streams[1].sent; 250),
        eq("no one-way delays between two processes"; $C.end.latency.sum.forward; null),
        eq("start.weir.latency.one_way"; $C.start.weir.latency.one_way; false),
        eq("request bytes (default)"; $C.start.weir.latency.request_bytes; 64),
        eq("the transport"; $C.start.weir.transport; "'"$transport"'")'
}

# -t with intervals: the test ends on time, the counts still add up.
t_case() {
    local trust=()
    [ "$1" = quic ] && [ -n "$QUIC_SKIP" ] && { skip_case "$QUIC_SKIP"; return; }
    case $1 in tls | quic) trust=(--tls-insecure) ;; esac
    latency_run t --transport "$1" "${trust[@]}" -t 2 -i 0.5 || return
    jq_check --argjson n 0 "$LAT_CHECKS"
    jq_check 'ge("intervals"; ($C.intervals | length); 3)'
}

# --latency-rate over udp: a schedule, -k 100 at 200/s; every request is
# accounted for (answered, or lost), none missed beyond the count.
rate_case() {
    latency_run rate -u --latency-rate 200 -k 100 || return
    jq_check --argjson n 100 "$LAT_CHECKS"
    jq_check 'eq("rate in start"; $C.start.weir.latency.rate; 200)'
}

# --latency-rate's send times are the run's start and every 1/rate after
# it, strictly before -t's end: 0.5/s over -t 4 sends at 0 s and 2 s (one
# in the first and the third second), 2/s over -t 2 four times.
slow_rate_case() {
    latency_run slow --latency-rate 0.5 -t 4 || return
    jq_check 'eq("sent at 0.5/s over -t 4"; $C.end.latency.sum.sent; 2),
              eq("sent per second"; [$C.intervals[].latency.sum.sent]; [1, 0, 1, 0]),
              eq("answered"; $C.end.latency.sum.rtt.count; 2),
              eq("an empty second: count 0, figures null"; $C.intervals[1].latency.sum.rtt;
                 {count: 0, min_us: null, mean_us: null, p50_us: null, p90_us: null, p99_us: null,
                  p99_9_us: null, max_us: null, stddev_us: null})'
    latency_run two -u --latency-rate 2 -t 2 || return
    jq_check 'eq("sent at 2/s over -t 2"; $C.end.latency.sum.sent; 4),
              eq("sent per second"; [$C.intervals[].latency.sum.sent]; [2, 2])'
}

# -n counts bytes of requests (rounded up to whole ones); -k below -P
# leaves streams without a share.
amount_case() {
    latency_run n -l 100 -n 1050 || return
    jq_check --argjson n 11 "$LAT_CHECKS"
    latency_run k1 -u -P 3 -k 2 || return
    jq_check --argjson n 2 "$LAT_CHECKS"
    jq_check 'eq("shares"; [$C.end.latency.streams[].sent]; [1, 1, 0])'
}

# -O: nothing sent in the omit period is counted; the omitted intervals
# are empty and the rest still add up to the end.
omit_case() {
    latency_run omit -u -O 1 -t 2 -i 0.5 --latency-rate 500 || return
    jq_check --argjson n 0 "$LAT_CHECKS"
    jq_check '
        ge("omitted intervals"; ([$C.intervals[] | select(.latency.sum.omitted)] | length); 1),
        eq("nothing counted in them"; ([$C.intervals[] | select(.latency.sum.omitted)
                                        | .latency.sum.rtt.count + .latency.sum.sent] | add); 0)'
}

# --busy-poll: both ends spin; the counts are those of any -k test, and the
# start says how this end waited: SO_BUSY_POLL as the kernel reports it,
# or why it could not be set (without CAP_NET_ADMIN above
# net.core.busy_read), never both. The text start line says it too.
busy_case() {
    local transport
    for transport in tcp udp; do
        latency_run "busy-$transport" --transport "$transport" --busy-poll -k 200 || return
        jq_check --argjson n 200 "$LAT_CHECKS"
        jq_check '
            $C.start.weir.latency.busy_poll as $B
            | eq("busy_poll.spin"; $B.spin; true),
              (if ($B.so_busy_poll_us > 0) == ($B.so_busy_poll_error == null) then empty
               else "SO_BUSY_POLL: a value or a reason, one of them: \($B | tojson)" end),
              eq("lost on loopback"; $C.end.latency.sum.lost; 0)'
    done
    latency_run plain -k 10 || return
    jq_check 'eq("busy_poll without --busy-poll"; $C.start.weir.latency.busy_poll; null)'
    run_bounded "$CASE_DIR/busy.out" "$CASE_DIR/busy.err" "$WEIR" --loopback --latency -u --busy-poll -k 50
    expect_eq "--loopback --busy-poll exit status" "$RUN_RC" 0 || return
    grep -Eq '^Busy poll: spinning on non-blocking receives; SO_BUSY_POLL ([0-9]+ us|not set \(.+\))$' \
        "$CASE_DIR/busy.out" || fail "no busy-poll start line: $(oneline "$CASE_DIR/busy.out")"
}

# -l and --latency-reply-size: the server reads exactly the requests.
size_case() {
    latency_run size -l 100 --latency-reply-size 1000 -k 300 || return
    jq_check --argjson n 300 "$LAT_CHECKS"
    jq_check '
        eq("request bytes"; $C.start.weir.latency.request_bytes; 100),
        eq("reply bytes"; $C.start.weir.latency.reply_bytes; 1000),
        eq("the server received the requests, byte for byte"; $C.end.sum_received.bytes; 30000),
        eq("the client sent them"; $C.end.sum_sent.bytes; 30000)'
}

# quic: messages of several packets each way (a read that sleeps in udp's
# receive, lower_receive_wait, takes them as they come), and a
# --latency-rate schedule (the client waits in poll, the server in the
# receive): every probe answered, byte for byte.
quic_sizes_case() {
    [ -n "$QUIC_SKIP" ] && { skip_case "$QUIC_SKIP"; return; }
    latency_run qsize --transport quic --tls-insecure -l 3000 --latency-reply-size 20000 -k 200 || return
    jq_check --argjson n 200 "$LAT_CHECKS"
    jq_check '
        eq("answered"; $C.end.latency.sum.rtt.count; 200),
        eq("reply bytes"; $C.start.weir.latency.reply_bytes; 20000),
        eq("the server received the requests, byte for byte"; $C.end.sum_received.bytes; 600000)'
    latency_run qrate --transport quic --tls-insecure --latency-rate 500 -k 100 || return
    jq_check --argjson n 100 "$LAT_CHECKS"
    jq_check 'eq("answered"; $C.end.latency.sum.rtt.count; 100)'
}

# --loopback: one clock at both ends, so one-way delays, both ways, for
# every answered probe; the text table shows them.
loopback_case() {
    CLI=$CASE_DIR/lo.json
    run_bounded "$CLI" "$CASE_DIR/lo.err" "$WEIR" --loopback --latency -J -k 400 -i 0.1
    expect_eq "exit status" "$RUN_RC" 0 || return
    json_doc "$CLI" client || return
    jq_check --argjson n 400 "$LAT_CHECKS"
    jq_check "$STATS_OK"'
        eq("clock"; $C.start.weir.latency.clock; "loopback"),
        eq("forward count"; $C.end.latency.sum.forward.count; $C.end.latency.sum.rtt.count),
        eq("reverse count"; $C.end.latency.sum.reverse.count; $C.end.latency.sum.rtt.count),
        ($C.end.latency.sum.forward | stats_ok("forward")),
        ($C.end.latency.sum.reverse | stats_ok("reverse"))'
    local txt=$CASE_DIR/lo.txt
    run_bounded "$txt" "$CASE_DIR/lo-text.err" "$WEIR" --loopback --latency -k 50 --transport udp
    expect_eq "text exit status" "$RUN_RC" 0
    grep -q '^Latency: 64-byte requests, 64-byte replies, back to back; one-way delays too (one clock: loopback)$' "$txt" ||
        fail "no setup line for one-way delays"
    grep -q '^\[ ID\] Interval           Delay    Count   Lost      Min     Mean      p50      p90      p99    p99.9      Max   Stddev  (usec)$' "$txt" ||
        fail "no latency table header"
    local rtt fwd rev
    rtt=$(grep -cE '^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ +sec  rtt +50 +0( +[0-9]+\.[0-9]{2}){8}$' "$txt")
    fwd=$(grep -cE '^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ +sec  c->s +50 +-( +[0-9]+\.[0-9]{2}){8}$' "$txt")
    rev=$(grep -cE '^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ +sec  s->c +50 +-( +[0-9]+\.[0-9]{2}){8}$' "$txt")
    expect_eq "rtt rows of 50 probes (interval and end)" "$rtt" 2
    expect_eq "c->s rows" "$fwd" 2
    expect_eq "s->c rows" "$rev" 2
}

# quic in one process: one-way delays both ways for every probe, as for
# the others; and a comparison with tcp, both rows with their probes.
quic_loopback_case() {
    [ -n "$QUIC_SKIP" ] && { skip_case "$QUIC_SKIP"; return; }
    CLI=$CASE_DIR/qlo.json
    run_bounded "$CLI" "$CASE_DIR/qlo.err" "$WEIR" --loopback --latency --transport quic -J -P 2 -k 400 -i 0.1
    expect_eq "exit status" "$RUN_RC" 0 || return
    json_doc "$CLI" client || return
    jq_check --argjson n 400 "$LAT_CHECKS"
    jq_check "$STATS_OK"'
        eq("the transport"; $C.start.weir.transport; "quic"),
        eq("lost on loopback"; $C.end.latency.sum.lost; 0),
        eq("clock"; $C.start.weir.latency.clock; "loopback"),
        eq("forward count"; $C.end.latency.sum.forward.count; 400),
        eq("reverse count"; $C.end.latency.sum.reverse.count; 400),
        ($C.end.latency.sum.forward | stats_ok("forward")),
        ($C.end.latency.sum.reverse | stats_ok("reverse"))'
}

quic_compare_case() {
    [ -n "$QUIC_SKIP" ] && { skip_case "$QUIC_SKIP"; return; }
    local out=$CASE_DIR/cmp.json
    run_bounded "$out" "$CASE_DIR/cmp.err" "$WEIR" --loopback --transport tcp,quic --latency -k 200 -J
    expect_eq "exit status" "$RUN_RC" 0 || return
    local rows
    rows=$(jq -r '.comparison.transports[] | "\(.transport) \(.latency.sent) \(.latency.rtt.count) \(.latency.lost)"' "$out")
    expect_eq "comparison rows (transport sent answered lost)" "$(echo $rows)" "tcp 200 200 0 quic 200 200 0"
    local txt=$CASE_DIR/cmp.txt
    run_bounded "$txt" "$CASE_DIR/cmp-text.err" "$WEIR" --loopback --transport tcp,quic --latency -k 200
    expect_eq "text exit status" "$RUN_RC" 0
    local t
    for t in tcp quic; do
        grep -qE "^$t .* [0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2} +0\$" "$txt" ||
            fail "no $t row with p50, p99 and 0 lost probes in the comparison table"
    done
}

# --latency-synced-clocks between two processes (one host: the clocks do
# agree): one-way delays both ways for every answered probe, in -J
# (forward, reverse; the start says clock "synced") and in the text (c->s
# and s->c rows). A probe's two one-way delays add up to its round trip
# less the server's turnaround, so each mean is below the round trips'
# mean (the clocks are read a few instructions apart; half a round trip
# is room enough for that).
synced_case() {
    latency_run synced --latency-synced-clocks -P 2 -k 400 -i 0.1 || return
    jq_check --argjson n 400 "$LAT_CHECKS"
    jq_check "$STATS_OK"'
        $C.end.latency.sum as $E
        | eq("clock"; $C.start.weir.latency.clock; "synced"),
          eq("one_way"; $C.start.weir.latency.one_way; true),
          eq("forward count"; $E.forward.count; $E.rtt.count),
          eq("reverse count"; $E.reverse.count; $E.rtt.count),
          eq("per stream forward and reverse counts";
             [$C.end.latency.streams[] | [.forward.count, .reverse.count]];
             [$C.end.latency.streams[] | [.rtt.count, .rtt.count]]),
          eq("interval forward counts add up"; ([$C.intervals[].latency.sum.forward.count] | add); $E.rtt.count),
          ($E.forward | stats_ok("forward")),
          ($E.reverse | stats_ok("reverse")),
          gt("forward mean"; $E.forward.mean_us; 0),
          gt("reverse mean"; $E.reverse.mean_us; 0),
          lt("forward mean below the round trips'\''"; $E.forward.mean_us; $E.rtt.mean_us),
          lt("reverse mean below the round trips'\''"; $E.reverse.mean_us; $E.rtt.mean_us)'
    start_server_retry weir -1 || return
    local txt=$CASE_DIR/synced.txt
    run_bounded "$txt" "$CASE_DIR/synced-text.err" "$WEIR" -c 127.0.0.1 -p "$PORT" --latency -u \
        --latency-synced-clocks -k 50
    expect_eq "text exit status" "$RUN_RC" 0
    wait_or_stop "$SERVER_PID" 10
    grep -q '; one-way delays too (clocks synced, as the user said)$' "$txt" ||
        fail "no setup line for synced clocks: $(oneline "$txt")"
    local d
    for d in rtt 'c->s' 's->c'; do
        expect_eq "$d rows of 50 probes (interval and end)" \
            "$(grep -cE "^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ +sec  $d +50 +(0|-)( +[0-9]+\.[0-9]{2}){8}\$" "$txt")" 2
    done
}

# Between two processes the text says round trips only.
text_case() {
    start_server_retry weir -1 || return
    local txt=$CASE_DIR/c.txt
    run_bounded "$txt" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" --latency -k 20 --transport tls --tls-insecure
    expect_eq "exit status" "$RUN_RC" 0
    grep -q '; round trips only (the clocks are not known to agree: --latency-synced-clocks)$' "$txt" ||
        fail "no 'round trips only' note"
    grep -qE '^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ +sec  rtt +20 +0 ' "$txt" || fail "no rtt row of 20 probes"
    grep -q 'c->s' "$txt" && fail "one-way rows without a shared clock"
    grep -q 'Bitrate' "$txt" && fail "transfer lines for probe streams"
    wait_or_stop "$SERVER_PID" 10
    # The server's log says it was a latency test, and how many requests came.
    grep -qx 'Latency test: 1 probe stream, 64-byte requests, 64-byte replies' "$SERVER_OUT" ||
        fail "server: no 'Latency test' start line"
    grep -qx 'Latency test: 20 requests came on the probe stream' "$SERVER_OUT" ||
        fail "server: no count of the requests that came"
}

# --json-stream: the interval and end events carry the latency object.
stream_case() {
    start_server_retry weir -1 || return
    local out=$CASE_DIR/c.jsonl
    run_bounded "$out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" --latency --json-stream --latency-rate 1000 -k 300 -i 0.1
    expect_eq "exit status" "$RUN_RC" 0 || return
    local ivs end
    ivs=$(jq -s '[.[] | select(.event == "interval") | .data.latency.sum.rtt.count] | add' "$out")
    end=$(jq -s '[.[] | select(.event == "end") | .data.latency.sum.rtt.count][0]' "$out")
    expect_eq "end event's count" "$end" 300
    expect_eq "interval events' counts add up" "$ivs" 300
    wait_or_stop "$SERVER_PID" 10
}

# A plain iperf3 server: one line, exit 1, within 5 s, before any data.
iperf3_case() {
    have_iperf3 || { skip_case "iperf3 not installed"; return; }
    start_server_retry iperf3 -1 || return
    local t0 t1
    t0=$(date +%s%N)
    run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" --latency -t 3
    t1=$(date +%s%N)
    expect_eq "exit status" "$RUN_RC" 1
    expect_int -lt "ms until it stopped" "$(((t1 - t0) / 1000000))" 5000
    expect_eq "error lines" "$(wc -l <"$CASE_DIR/c.err")" 1
    grep -q '^weir: error - .*--latency needs a weir server, and this one answered like a plain iperf3 server$' \
        "$CASE_DIR/c.err" || fail "not the refusal: $(oneline "$CASE_DIR/c.err")"
    grep -q 'local 127.0.0.1 port' "$CASE_DIR/c.out" && fail "data streams were opened"
}

# --load N over loopback: the probe streams first, then N load streams
# each way asked; every counted round trip is idle or loaded, the load's
# bytes are counted in the direction asked and none in the other.
load_case() {
    local dir=$1 streams=$2
    shift 2
    latency_run load -t 3 -i 1 --load 2 "$@" || return
    jq_check --argjson n 0 "$LAT_CHECKS"
    jq_check --arg dir "$dir" --argjson streams "$streams" '
        $C.end.latency.working as $W
        | eq("load streams"; $W.load_streams; 2),
          eq("direction"; $W.load_direction; $dir),
          eq("idle phase"; $W.idle_seconds; 1),
          eq("streams opened (probes, then load)"; ($C.start.connected | length); $streams),
          eq("end.streams as opened"; ($C.end.streams | length); $streams),
          eq("num_streams: 1 probe + 2 load (a --bidir pair once, as iperf3 counts -P)";
             $C.start.test_start.num_streams; 3),
          eq("idle + loaded = every round trip"; $W.idle.count + $W.loaded.count; $C.end.latency.sum.rtt.count),
          gt("idle round trips"; $W.idle.count; 0),
          gt("loaded round trips"; $W.loaded.count; 0),
          eq("RPM from the loaded round trips"; ($W.rpm > 0); true),
          eq("increase = loaded p50 - idle p50"; ($W.increase_p50_us - ($W.loaded.p50_us - $W.idle.p50_us)) | fabs < 0.001; true),
          if $dir == "down" then eq("nothing up"; $W.load_up_bits_per_second; 0) else gt("up"; $W.load_up_bits_per_second; 0) end,
          if $dir == "up" then eq("nothing down"; $W.load_down_bits_per_second; 0) else gt("down"; $W.load_down_bits_per_second; 0) end,
          eq("start.weir.probe_streams"; $C.start.weir.probe_streams; 1)'
    grep -qx 'Latency test: 1 probe stream, [0-9]*-byte requests, [0-9]*-byte replies, 2 load streams' "$SERVER_OUT" ||
        fail "server: no 'Latency test' start line with the load"
}

# --load-transport: the probes over the test's transport, the load streams
# over another; the JSON names the load's transport and shows each stream
# in its own layout (udp's, or the reliable streams' of tcp, tls and
# quic), and the in-band figures (the loaded connections' own
# smoothed RTT) are there exactly where the load's transport keeps one.
INBAND_OK='
$C.end.latency.working as $W
| eq("load transport"; $W.load_transport; $lt),
  eq("load protocol"; $W.load_protocol; $lp),
  eq("start.weir.load_transport"; $C.start.weir.load_transport; $lt),
  eq("probe streams in the test protocol"; $C.start.test_start.protocol; $pp),
  gt("load up"; $W.load_up_bits_per_second; 0),
  eq("streams opened (1 probe, 2 load)"; ($C.end.streams | length); 3),
  eq("the probe stream in its layout"; ($C.end.streams[0] | has("udp")); $pt == "udp"),
  eq("the load streams in theirs"; [$C.end.streams[1:][] | has("udp")]; [$lt == "udp", $lt == "udp"]),
  if $inband then
    gt("in-band samples"; $W.inband.count; 0),
    eq("in-band source"; $W.inband.source; "smoothed_rtt"),
    ($W.inband | stats_ok("in-band"))
  else eq("no in-band figures"; $W.inband; null) end
'

load_transport_case() {
    local probes=$1 load=$2 proto=$3 inband=$4 pproto
    shift 4
    for t in "$probes" "$load"; do
        [ "$t" = quic ] && [ -n "$QUIC_SKIP" ] && { skip_case "$QUIC_SKIP"; return; }
    done
    pproto=TCP
    [ "$probes" = udp ] || [ "$probes" = quic ] && pproto=UDP
    latency_run lt -t 3 -i 1 --transport "$probes" --load 2 --load-transport "$load" "$@" || return
    jq_check --argjson n 0 "$LAT_CHECKS"
    jq_check --arg pt "$probes" --arg lt "$load" --arg lp "$proto" --arg pp "$pproto" --argjson inband "$inband" \
        "$STATS_OK$INBAND_OK"
    # The server's text: its udp load streams in udp's layout (jitter, loss).
    if [ "$load" = udp ]; then
        expect_eq "server's udp receiver lines with jitter and loss" \
            "$(grep -cE '^\[ *[0-9]+\] +0\.00-[0-9.]+ +sec .* ms +[0-9]+/[0-9]+ \(.*\) +receiver$' "$SERVER_OUT")" 2
    fi
}

# The same transport for both, as without the option: the in-band figures
# of the loaded tcp connections, none with -R (the server sends on them).
same_transport_case() {
    latency_run same -t 2 --load 1 --load-transport tcp || return
    jq_check "$STATS_OK"'
        eq("no load_transport in start (one transport)"; $C.start.weir.load_transport; null),
        eq("load transport"; $C.end.latency.working.load_transport; "tcp"),
        gt("in-band samples"; $C.end.latency.working.inband.count; 0),
        ($C.end.latency.working.inband | stats_ok("in-band"))'
    latency_run same-r -t 2 --load 1 -R || return
    jq_check 'eq("-R: no in-band figures"; $C.end.latency.working.inband; null)'
    local txt=$CASE_DIR/lt.txt
    start_server_retry weir -1 || return
    run_bounded "$txt" "$CASE_DIR/lt-text.err" "$WEIR" -c 127.0.0.1 -p "$PORT" --latency -t 2 --load 1 \
        --transport udp --load-transport tcp
    expect_eq "text exit status" "$RUN_RC" 0 || return
    wait_or_stop "$SERVER_PID" 10
    grep -q '^Working latency: 1 load stream up over tcp, after 1.00 s idle$' "$txt" ||
        fail "no working latency line naming the load's transport: $(oneline "$txt")"
    grep -qE "^  in-band srtt p50 [0-9]+\.[0-9]{2} usec, max [0-9]+\.[0-9]{2} usec \([1-9][0-9]* samples of the tcp load connections' smoothed RTT\)\$" "$txt" ||
        fail "no in-band line: $(oneline "$txt")"
}

# --quic-streams with --load over quic: each load connection spreads over
# 4 QUIC streams while the probes keep their one (the client's ids 0, 4,
# 8, 12 against 0); the same option with the load over tcp does nothing
# and is refused (refusal_case).
quic_streams_load_case() {
    [ -n "$QUIC_SKIP" ] && { skip_case "$QUIC_SKIP"; return; }
    latency_run qsl -t 3 --transport quic --tls-insecure --load 2 --quic-streams 4 || return
    jq_check '
        eq("QUIC streams per connection"; [$C.start.weir.streams[].quic.streams]; [1, 4, 4]),
        eq("the probes on one"; ($C.intervals[-1].streams[0].weir.quic.stream_bytes | keys); ["0"]),
        eq("the load on four"; [$C.intervals[-1].streams[1:][].weir.quic.stream_bytes | keys | sort];
           [["0","12","4","8"], ["0","12","4","8"]]),
        gt("loaded round trips"; $C.end.latency.working.loaded.count; 0)'
}

# A server without the load's transport says so, and the client exits 1
# with its reason before any stream opens.
server_lacks_case() {
    local path d
    path=$(for d in ${WEIR_PLUGIN_PATH//:/ }; do [ -f "$d/tls.so" ] || printf '%s:' "$d"; done)
    WEIR_PLUGIN_PATH=${path%:} start_server_retry weir -1 || return
    run_bounded "$CASE_DIR/c.out" "$CASE_DIR/c.err" "$WEIR" -c 127.0.0.1 -p "$PORT" --latency -t 2 --load 1 \
        --load-transport tls --tls-insecure
    expect_eq "exit status" "$RUN_RC" 1
    grep -q -- "--load-transport tls: this server has no such transport" "$CASE_DIR/c.err" ||
        fail "not the server's reason: $(oneline "$CASE_DIR/c.err")"
    grep -q 'local 127.0.0.1 port' "$CASE_DIR/c.out" && fail "data streams were opened"
    wait_or_stop "$SERVER_PID" 10
}

# refused ARGS... TEXT: weir --loopback ARGS exits 1 with TEXT in one line.
refused() {
    local text=${!#}
    local args=("${@:1:$#-1}")
    run_bounded "$CASE_DIR/r.out" "$CASE_DIR/r.err" "$WEIR" --loopback "${args[@]}"
    expect_eq "exit status of ${args[*]}" "$RUN_RC" 1
    grep -qF -- "$text" "$CASE_DIR/r.err" || fail "${args[*]}: no '$text' in: $(oneline "$CASE_DIR/r.err")"
}

refusal_case() {
    : >"$CASE_DIR/empty"
    refused --latency -F "$CASE_DIR/empty" "--latency cannot be used with -F"
    refused --latency -R "--latency cannot be used with -R or --bidir"
    refused --latency -b 1M "--latency cannot be used with -b"
    refused --latency-rate 10 "need --latency"
    refused --load 2 "need --latency"
    refused --latency --load 1 -k 10 "--load cannot be used with -n or -k"
    refused --latency --load 1 -t 1 "--load needs -t longer than the idle phase"
    refused --busy-poll "--busy-poll needs --latency"
    refused --latency -l 20 "--latency needs requests of at least 48 bytes"
    refused --latency -u -l 60000 --latency-reply-size 70000 "requests and replies of at most"
    refused --latency --load-transport udp "--load-transport needs --latency and --load"
    refused --load-transport udp -t 2 "--load-transport needs --latency and --load"
    refused --latency --load 1 --load-transport no-such-transport "--load-transport: "
    refused --latency --load 1 --load-transport "$CASE_DIR/empty" "--load-transport: "
    if [ -z "$QUIC_SKIP" ]; then
        refused --latency --load 1 -u --load-transport quic "both open their streams at the server's UDP port"
        refused --latency --load 1 --load-transport quic --quic-datagrams \
            "its datagram mode cannot be used with --load-transport"
        refused --latency --transport quic --quic-streams 4 --tls-insecure \
            "--quic-streams 4: --latency's probes travel on one QUIC stream"
        refused --latency --transport quic --quic-streams 4 --tls-insecure --load 1 --load-transport tcp \
            "--quic-streams 4: --latency's probes travel on one QUIC stream"
    fi
}

# Lost probes counted exactly: in a namespace of its own, nftables drops
# every 10th request toward the server (100-byte requests: the only
# datagrams that long); each is a lost probe, and nothing else is.
loss_case() {
    if [ -n "$LOSS_SKIP" ]; then
        skip_case "$LOSS_SKIP"
        return
    fi
    local port=$((5201 + RANDOM % 1000))
    "${IN_NS[@]}" nft -f - <<EOF >"$CASE_DIR/nft.err" 2>&1 || { fail "installing the nftables rule"; return; }
flush ruleset
table inet weirlat {
    chain input {
        type filter hook input priority 0; policy accept;
        udp dport $port meta length > 120 numgen inc mod 10 9 counter drop
    }
}
EOF
    start_netns_server "$NS" server "$port" "$WEIR" -s -1 -p "$port" || return
    CLI=$CASE_DIR/loss.json
    run_bounded "$CLI" "$CASE_DIR/loss.err" "${IN_NS[@]}" "$WEIR" -c 127.0.0.1 -p "$port" -J \
        --latency -u -l 100 --latency-rate 200 -k 200 -i 0.5
    expect_eq "client exit status" "$RUN_RC" 0 || return
    wait_or_stop "$SERVER_PID" 10
    json_doc "$CLI" client || return
    local dropped
    dropped=$("${IN_NS[@]}" nft -j list table inet weirlat |
        jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add // 0')
    expect_int -eq "requests dropped (every 10th of 200)" "$dropped" 20
    jq_check --argjson n 200 "$LAT_CHECKS"
    jq_check --argjson d "$dropped" '
        eq("lost = dropped"; $C.end.latency.sum.lost; $d),
        eq("answered = sent - dropped"; $C.end.latency.sum.rtt.count; 200 - $d),
        # The server sees the gaps below the last request it got: a drop
        # at the very end (the 200th) is no gap to it.
        ge("the server saw the gaps (iperf3 lost_packets)"; $C.end.sum_received.lost_packets; $d - 1),
        lt("the server saw no more than the drops"; $C.end.sum_received.lost_packets; $d + 1)'
}

for transport in tcp udp tls quic; do
    run_case "$transport: -P 2 -i 0.2 -k 500: 500 probes answered, shared out, intervals add up" k_case "$transport" 500
    run_case "$transport: -t 2 -i 0.5: counts add up" t_case "$transport"
done
run_case "udp --latency-rate 200 -k 100: every request accounted for" rate_case
run_case "--latency-rate 0.5 -t 4: two sent; 2 -t 2: four" slow_rate_case
run_case "tcp -l 100 --latency-reply-size 1000: sizes as asked" size_case
run_case "--busy-poll over tcp and udp: counts, and the start says how" busy_case
run_case "udp -O 1: the omit period not counted" omit_case
run_case "-n 1050 -l 100: 11 probes; -P 3 -k 2: two" amount_case
run_case "--loopback: one-way delays, JSON and text" loopback_case
run_case "quic --loopback -P 2 -k 400: one-way delays both ways" quic_loopback_case
run_case "--loopback --transport tcp,quic --latency -k 200: both rows" quic_compare_case
run_case "quic -l 3000 --latency-reply-size 20000, and --latency-rate 500: every probe answered" quic_sizes_case
run_case "--latency-synced-clocks between two processes: c->s and s->c, JSON and text" synced_case
run_case "two processes: round trips only, the text table" text_case
run_case "--json-stream: latency in the interval and end events" stream_case
run_case "tcp --load 2: idle, then loaded round trips, the load up" load_case up 3
run_case "udp --load 2 -R -b 20M: the load down" load_case down 3 -u -R -b 20M
run_case "tls --load 2 --bidir: the load both ways" load_case both 5 --bidir --transport tls --tls-insecure
run_case "tcp probes, --load-transport udp -b 20M: the load over udp, no in-band" \
    load_transport_case tcp udp UDP false -b 20M
run_case "udp probes, --load-transport tls: the load over tls, in-band srtt" \
    load_transport_case udp tls TCP true --tls-insecure
run_case "tcp probes, --load-transport quic: the load over quic, in-band srtt" \
    load_transport_case tcp quic UDP true --tls-insecure
run_case "--load-transport tcp with tcp probes: one transport, in-band; -R none; text" same_transport_case
run_case "quic --load 2 --quic-streams 4: the load on 4 QUIC streams, the probes on 1" quic_streams_load_case
run_case "a server without the load's transport refuses it, the client exits 1" server_lacks_case
run_case "against iperf3 -s: refused in one line within 5 s, exit 1" iperf3_case
run_case "options that make no sense with --latency are refused" refusal_case

# Last: the namespace (the cases above run on the host's loopback).
LOSS_SKIP=""
if ! command -v nft >/dev/null 2>&1; then
    LOSS_SKIP="nft not installed (Debian package nftables)"
elif ! netns_add "weirlat-$$"; then
    LOSS_SKIP=$NETNS_WHY
else
    NS=weirlat-$$
    IN_NS=(ip netns exec "$NS")
    ip -n "$NS" link set dev lo gso_max_segs 1 2>/dev/null
    "${IN_NS[@]}" nft add table inet weirlat >/dev/null 2>&1 ||
        LOSS_SKIP="cannot create an nftables table in the namespace (nf_tables missing?)"
fi
run_case "udp in a netns, every 10th request dropped by nftables: lost == dropped" loss_case
finish
