#!/usr/bin/env bash
# --latency against real queues, compared with ping (iputils) in the same
# run. Three network namespaces, client -> router -> server over veth
# pairs, addresses of 10.201.0.0/16 inside the namespaces only; the router
# forwards, and a tbf qdisc on its egress toward the server is the
# bottleneck: 100 Mbit/s with a 100 ms queue.
#
#   idle:             weir's and ping's round trips both well under 2 ms;
#   UDP load above the bottleneck (weir --load -u -b 200M, then an
#   independent iperf3 -u -b 200M): the queue fills, ping's median is
#   about 100 ms, and weir's loaded p50 is within 15 % of it;
#   TCP load (weir --load, then iperf3): TCP keeps the queue short (ping
#   shows a few ms), weir's loaded p50 again within 15 % of ping's median;
#   a relay of this test's own (latency_relay.py, in the router namespace)
#   holding everything 20 ms each way: weir's round trip 40 ms +- 2 ms.
#
# ping runs beside weir, both every 5 ms, and ping's median is taken over
# the round trips it sent within weir's span (its idle phase left out):
# a TCP load's queue swings between a few ms and tens of ms within a
# second, so the two must sample the same moments, and densely. The tolerances are the issue's: they compare
# with ping, never with a fixed speed. Needs root, tbf, ping and python3:
# the script skips (77) without them.
E2E_DEADLINE=${E2E_DEADLINE:-180}
CLIENT_TIMEOUT=20 SERVER_TIMEOUT=25
. "$(dirname "$0")/lib.sh"

require_tools
require_tool ping
require_tool python3

# The bottleneck: 100 Mbit/s = 12,500,000 bytes/s. A 100 ms queue holds
# 12,500,000 * 0.1 = 1,250,000 bytes (tbf's limit: bytes waiting for
# tokens). The burst is 1 ms of the rate (12,500 bytes, more than an MTU
# as tbf needs): the queue, not the bucket, is what delays packets.
TBF=(rate 100mbit burst 12500 limit 1250000)
RELAY_DELAY_MS=20
PORT=5201                       # the namespaces are ours: any port is free
IPERF_PORT=5202
RELAY_PORT=5203
CADDR=10.201.1.2 RADDR=10.201.1.1 SADDR=10.201.2.2

# ping's echo is answered by the server's kernel and timed by the client's
# (SO_TIMESTAMP); weir's by two processes, each of which must be scheduled
# to answer or to read the time. On a machine with more runnable threads
# than cores, waiting for a core adds milliseconds to weir's round trips
# that are no part of the path's queue, so weir runs at a real-time
# priority where the test may set one (root can), as the relay does.
RT=()
chrt -f 20 true 2>/dev/null && RT=(chrt -f 20)

S=wq$$                          # short: interface names are at most 15 bytes
CNS=${S}c RNS=${S}r SNS=${S}s
IN_C=(ip netns exec "$CNS")
IN_R=(ip netns exec "$RNS")
IN_S=(ip netns exec "$SNS")

# The three namespaces and their links; SETUP_WHY when it cannot be built.
build_path() {
    netns_add "$CNS" && netns_add "$RNS" && netns_add "$SNS" || { SETUP_WHY=$NETNS_WHY; return 1; }
    local out
    out=$( {
        ip link add "${S}c0" type veth peer name "${S}r0" &&
        ip link add "${S}r1" type veth peer name "${S}s0" &&
        ip link set "${S}c0" netns "$CNS" && ip link set "${S}r0" netns "$RNS" &&
        ip link set "${S}r1" netns "$RNS" && ip link set "${S}s0" netns "$SNS" &&
        ip -n "$CNS" addr add "$CADDR/24" dev "${S}c0" &&
        ip -n "$RNS" addr add "$RADDR/24" dev "${S}r0" &&
        ip -n "$RNS" addr add 10.201.2.1/24 dev "${S}r1" &&
        ip -n "$SNS" addr add "$SADDR/24" dev "${S}s0" &&
        ip -n "$CNS" link set "${S}c0" up && ip -n "$RNS" link set "${S}r0" up &&
        ip -n "$RNS" link set "${S}r1" up && ip -n "$SNS" link set "${S}s0" up &&
        ip -n "$CNS" route add default via "$RADDR" &&
        ip -n "$SNS" route add default via 10.201.2.1 &&
        "${IN_R[@]}" sysctl -qw net.ipv4.ip_forward=1
    } 2>&1) || { SETUP_WHY="cannot link the namespaces: $out"; return 1; }
    out=$("${IN_R[@]}" tc qdisc add dev "${S}r1" root tbf "${TBF[@]}" 2>&1) ||
        { SETUP_WHY="no tbf qdisc here (sch_tbf): $out"; return 1; }
}

# ping_bg SECONDS: ping the server from the client every 5 ms for SECONDS,
# with timestamps (-D), into $CASE_DIR/ping.txt (PING_PID); PING_T0 is
# the wall clock when weir is started right after.
ping_bg() {
    "${IN_C[@]}" ping -D -n -i 0.005 -w "$1" "$SADDR" >"$CASE_DIR/ping.txt" 2>&1 &
    PING_PID=$!
    track_pid "$PING_PID"
    PING_T0=$(date +%s.%N)
}

# ping_median FROM TO: the median of ping's round trips, ms, of the pings
# sent FROM to TO seconds after PING_T0 (empty: none).
ping_median() {
    wait "$PING_PID" 2>/dev/null
    forget_pid "$PING_PID"
    sed -n 's/^\[\([0-9.]*\)\].* time=\([0-9.]*\) ms.*/\1 \2/p' "$CASE_DIR/ping.txt" |
        awk -v a="$PING_T0" -v from="$1" -v to="$2" '{
            sent = $1 - $2 / 1000 - a    # -D stamps the reply
            if (sent >= from && sent <= to) print $2 }' | sort -g |
        awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

# weir_server: weir -s -1 in the server namespace.
weir_server() {
    start_netns_server "$SNS" server "$PORT" "${RT[@]}" "$WEIR" -s -1 -p "$PORT"
}

# weir_client NAME ARGS...: weir -c (the server) -J ARGS from the client
# namespace into $CASE_DIR/NAME.json (CLI); exit 0 and a document.
weir_client() {
    local name=$1
    shift
    CLI=$CASE_DIR/$name.json
    run_bounded "$CLI" "$CASE_DIR/$name.err" "${IN_C[@]}" "${RT[@]}" "$WEIR" -c "$SADDR" -p "$PORT" -J --latency "$@"
    expect_eq "client exit status" "$RUN_RC" 0 || return 1
    wait_or_stop "$SERVER_PID" 10
    json_doc "$CLI" client
}

# within15 WHAT WEIR_US PING_MS: weir's figure within 15 % of ping's.
within15() {
    local what=$1 weir_us=$2 ping_ms=$3
    [ -n "$ping_ms" ] || { fail "$what: ping measured nothing"; return; }
    echo "    $what: weir p50 $(awk -v w="$weir_us" 'BEGIN {printf "%.3f", w / 1000}') ms, ping median $ping_ms ms"
    awk -v w="$weir_us" -v p="$ping_ms" 'BEGIN {exit !(w / 1000 >= 0.85 * p && w / 1000 <= 1.15 * p)}' ||
        fail "$what: weir's p50 ${weir_us} us is not within 15 % of ping's median $ping_ms ms"
}

idle_case() {
    weir_server || return
    ping_bg 3
    weir_client idle --latency-rate 200 -t 2 || return
    local p
    p=$(ping_median 0 2)
    echo "    idle: weir p50 $(json_get "$CLI" .end.latency.sum.rtt.p50_us) us, ping median $p ms"
    jq_check 'gt("round trips"; $C.end.latency.sum.rtt.count; 100),
              lt("weir idle p50 (us)"; $C.end.latency.sum.rtt.p50_us; 2000)'
    awk -v p="$p" 'BEGIN {exit !(p != "" && p < 2)}' || fail "ping's idle median '$p' ms is not under 2 ms"
}

# weir's own load: idle 1 s, then 3 s of load.
weir_load_case() {
    weir_server || return
    ping_bg 5
    weir_client "load" --latency-rate 200 --load 1 -t 4 "$@" || return
    local p
    p=$(ping_median 1 4)
    jq_check 'gt("idle round trips"; $C.end.latency.working.idle.count; 20),
              gt("loaded round trips"; $C.end.latency.working.loaded.count; 100),
              lt("idle p50 (us)"; $C.end.latency.working.idle.p50_us; 2000),
              gt("the load ran (bits/s up)"; $C.end.latency.working.load_up_bits_per_second; 1000000),
              eq("RPM = 60 s / the loaded trimmed mean, below 60 s / the idle p50";
                 $C.end.latency.working.rpm < 60e6 / $C.end.latency.working.idle.p50_us; true)'
    within15 "loaded" "$(json_get "$CLI" .end.latency.working.loaded.p50_us)" "$p"
}

# An independent iperf3 load for 5 s; weir --latency and ping from 1.5 s
# for 3 s.
iperf3_load_case() {
    have_iperf3 || { skip_case "iperf3 not installed"; return; }
    start_netns_server "$SNS" iperf3s "$IPERF_PORT" "$IPERF3" -s -1 -p "$IPERF_PORT" || return
    local ipid
    (sleep 0.2; exec "${IN_C[@]}" "$IPERF3" -c "$SADDR" -p "$IPERF_PORT" -t 5 "$@") \
        >"$CASE_DIR/iperf3.out" 2>&1 &
    ipid=$!
    track_pid "$ipid"
    sleep 1.5
    weir_server || return
    ping_bg 4
    weir_client iperf3load --latency-rate 200 -t 3 || return
    local p
    p=$(ping_median 0 3)
    wait "$ipid" 2>/dev/null || fail "iperf3 -c failed: $(oneline "$CASE_DIR/iperf3.out")"
    forget_pid "$ipid"
    jq_check 'gt("round trips"; $C.end.latency.sum.rtt.count; 50)'
    within15 "under iperf3 $*" "$(json_get "$CLI" .end.latency.sum.rtt.p50_us)" "$p"
}

# The relay holds every packet (udp) and every chunk (tcp) 20 ms each way.
relay_case() {
    start_netns_server "$RNS" relay "$RELAY_PORT" python3 "$TESTS_DIR/e2e/latency_relay.py" \
        "$RADDR" "$RELAY_PORT" "$SADDR" "$PORT" "$RELAY_DELAY_MS" || return
    weir_server || return
    CLI=$CASE_DIR/relay.json
    run_bounded "$CLI" "$CASE_DIR/relay.err" "${IN_C[@]}" "${RT[@]}" "$WEIR" -c "$RADDR" -p "$RELAY_PORT" -J \
        --latency --latency-rate 50 -t 2 "$@"
    expect_eq "client exit status" "$RUN_RC" 0 || return
    wait_or_stop "$SERVER_PID" 10
    json_doc "$CLI" client || return
    echo "    relay $*: weir p50 $(json_get "$CLI" .end.latency.sum.rtt.p50_us) us"
    jq_check 'gt("round trips"; $C.end.latency.sum.rtt.count; 50),
              ge("p50 >= 38 ms"; $C.end.latency.sum.rtt.p50_us; 38000),
              lt("p50 <= 42 ms"; $C.end.latency.sum.rtt.p50_us; 42000.001)'
}

# A tolerance against ping is a measurement: on a shared machine a probe
# thread can wait milliseconds for a core where ping's kernel echo does not.
# A case that misses is measured once more, its first output kept in the
# log above; one that misses twice fails.
measured_case() {
    local name=$1 before=$_E2E_FAILED
    shift
    run_case "$name" "$@"
    if [ "$_E2E_FAILED" -gt "$before" ]; then
        _E2E_FAILED=$before
        echo "    (missed once: measuring again)"
        run_case "$name (measured again)" "$@"
    fi
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces, tc)"
command -v tc >/dev/null 2>&1 || skip_all "tc (iproute2) not installed"
build_path || skip_all "$SETUP_WHY"

measured_case "idle: weir and ping both under 2 ms" idle_case
measured_case "weir --load -u -b 200M over the 100 Mbit/s tbf: loaded p50 within 15 % of ping" \
    weir_load_case -u -b 200M
measured_case "iperf3 -u -b 200M load: weir's p50 within 15 % of ping" iperf3_load_case -u -b 200M
measured_case "weir --load (tcp): loaded p50 within 15 % of ping" weir_load_case
measured_case "iperf3 (tcp) load: weir's p50 within 15 % of ping" iperf3_load_case
measured_case "a 20 ms each way relay, tcp: round trip 40 ms +- 2 ms" relay_case
measured_case "a 20 ms each way relay, udp: round trip 40 ms +- 2 ms" relay_case -u
finish
