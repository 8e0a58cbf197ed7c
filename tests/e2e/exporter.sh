#!/usr/bin/env bash
# weir --exporter, functionally, on 127.0.0.1 only: /probe against a weir
# server (200, weir_probe_success 1, throughput, the Content-Type asked
# for), a closed port (200, success 0 and the reason), refusals (403 for
# a target outside the allow-list or with no allow rule at all, 400 for
# bad, unknown and repeated parameters, 429 with Retry-After within the
# per-target interval, 503 without a slot within queue_timeout), 404 and
# 405, /-/healthy, /metrics counting each outcome, SIGHUP reloading a good
# and keeping the old on a bad modules file (a probe running through it
# keeping its own), a bad file refused at start with file:line, a request
# trickled in cut off, --dry-run checking a modules file (and a client's
# options), -D with --pidfile, and SIGTERM ending a running
# probe's test, Prometheus's scrape timeout header clamping the test (or
# answering at once when no test fits) and a client that gives up ending
# its probe's test; latency probes (a module's latency = yes, a query's
# latency=1, an iperf3 server failing one, 400 where a module does not
# allow it or weir refuses it with reverse=1).
# Hostile HTTP, a soak and a real Prometheus server are tests of their own.
#
# Environment (tests/Makefile.am): WEIR, WEIR_PLUGIN_PATH, TESTS_DIR.
. "$(dirname "$0")/lib.sh"
require_weir
require_tool python3 "the HTTP client of this test"
GET=$E2E_DIR/http_get.py

if "$WEIR" --exporter 1 --exporter-config /nonexistent 2>&1 | grep -q "built without --exporter"; then
    skip_all "this weir was built without --exporter"
fi

# get NAME PATH [METHOD] [ACCEPT] [SCRAPE_TIMEOUT]: one request to the
# exporter; the answer in $CASE_DIR/NAME (status, type and retry lines, an
# empty line, the body).
get() {
    timeout -k 3 70 python3 "$GET" "http://127.0.0.1:$XPORT$2" "${3:-}" "${4:-}" "${5:-}" \
        >"$CASE_DIR/$1" 2>&1
}
status_of() { sed -n 's/^STATUS //p' "$CASE_DIR/$1"; }
type_of() { sed -n 's/^TYPE //p' "$CASE_DIR/$1"; }
body_of() { sed '1,/^$/d' "$CASE_DIR/$1"; }
# metric NAME SERIES: the value of one series in answer NAME ("" if none).
metric() {
    body_of "$1" | awk -v s="$2" '$1 == s { print $2; exit }'
}
expect_status() {
    local got
    got=$(status_of "$1")
    [ "$got" = "$2" ] || fail "$3: status '$got', want $2: $(body_of "$1" | head -c 300)"
}

# A modules file: quick tests, no interval between probes of a target.
modules_file() {
    cat >"$1" <<'INI'
# weir --exporter's modules for exporter.sh
[exporter]
min_interval = 0s
max_concurrent = 2
queue_timeout = 20s

[module quick]
time = 1s
params = time, reverse
INI
}

# with_server: a weir server for the case (run_case stops it), on WPORT.
with_server() {
    start_server_retry weir || return 1
    WPORT=$PORT
}
CLOSED=$(free_port)

# --- probes and their answers ---
case_probes() {
    with_server || return
    modules_file "$CASE_DIR/modules.ini"
    start_exporter exporter --exporter-config "$CASE_DIR/modules.ini" --exporter-allow 127.0.0.0/8 || return
    local n400=0 n403=0

    get ok "/probe?target=127.0.0.1:$WPORT&module=quick" "" "application/openmetrics-text; version=1.0.0"
    expect_status ok 200 "a probe of a weir server"
    case $(type_of ok) in
        "application/openmetrics-text; version=1.0.0"*) ;;
        *) fail "Content-Type '$(type_of ok)' for a client accepting OpenMetrics" ;;
    esac
    [ "$(metric ok weir_probe_success)" = 1 ] || fail "weir_probe_success '$(metric ok weir_probe_success)', want 1"
    local rate
    rate=$(metric ok 'weir_throughput_bytes_per_second{transport="tcp",peer="127.0.0.1",direction="upload",side="receiver",stream="sum"}')
    awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }' || fail "receiver throughput '$rate', want > 0"
    awk -v d="$(metric ok weir_probe_duration_seconds)" 'BEGIN { exit !(d >= 1 && d < 30) }' ||
        fail "weir_probe_duration_seconds '$(metric ok weir_probe_duration_seconds)' for a 1 s test"
    [ "$(body_of ok | grep -c '^# EOF')" = 1 ] && [ "$(body_of ok | tail -n 1)" = "# EOF" ] ||
        fail "the answer has not exactly one '# EOF', at its end"
    # HELP and TYPE once for each family.
    body_of ok | awk '/^# TYPE/ { if (seen[$3]++) { print "twice: " $3; bad = 1 } } END { exit bad }' ||
        fail "a family's # TYPE appears twice"

    # A reverse test through a parameter the module allows.
    get rev "/probe?target=127.0.0.1:$WPORT&module=quick&reverse=1"
    expect_status rev 200 "a reverse probe"
    [ "$(metric rev weir_probe_success)" = 1 ] || fail "reverse: weir_probe_success '$(metric rev weir_probe_success)'"
    body_of rev | grep -q 'direction="download"' || fail "reverse: no download series"
    case $(type_of rev) in
        "text/plain; version=0.0.4"*) ;;
        *) fail "Content-Type '$(type_of rev)' for a client not asking for OpenMetrics" ;;
    esac

    # A closed port: the probe runs and fails.
    get closed "/probe?target=127.0.0.1:$CLOSED&module=quick"
    expect_status closed 200 "a probe of a closed port"
    [ "$(metric closed weir_probe_success)" = 0 ] || fail "closed port: weir_probe_success '$(metric closed weir_probe_success)', want 0"
    body_of closed | grep -q '^weir_probe_failure_info{reason=".*Connection refused.*"} 1$' ||
        fail "closed port: no weir_probe_failure_info with the reason: $(body_of closed | grep failure)"

    # Refused: outside the allow-list.
    get out "/probe?target=192.0.2.1:$WPORT&module=quick"
    expect_status out 403 "a target outside 127.0.0.0/8"
    body_of out | grep -q "not allowed" || fail "403 without its reason: $(body_of out)"
    get out6 "/probe?target=%5B::1%5D:$WPORT&module=quick"
    expect_status out6 403 "[::1] outside 127.0.0.0/8"
    n403=2

    # Refused: bad, unknown, repeated parameters; an unknown module.
    local q i=0
    for q in "module=quick" "target=127.0.0.1:$WPORT&module=quick&colour=blue" \
             "target=127.0.0.1:$WPORT&target=127.0.0.1:$WPORT&module=quick" \
             "target=127.0.0.1:$WPORT&module=nosuch" "target=127.0.0.1:$WPORT&module=quick&time=soon" \
             "target=127.0.0.1:$WPORT&module=quick&parallel=2" "target=127.0.0.1:99999&module=quick"; do
        i=$((i + 1))
        get bad$i "/probe?$q"
        expect_status bad$i 400 "/probe?$q"
        [ -n "$(body_of bad$i)" ] || fail "400 for '$q' without a reason"
        n400=$((n400 + 1))
    done

    # Other paths and methods.
    get healthy "/-/healthy"
    expect_status healthy 200 "/-/healthy"
    [ "$(body_of healthy)" = OK ] || fail "/-/healthy says '$(body_of healthy)'"
    get nothere "/probes"
    expect_status nothere 404 "/probes"
    get root "/"
    expect_status root 404 "/"
    get post "/probe?target=127.0.0.1:$WPORT&module=quick" POST
    expect_status post 405 "POST /probe"
    get head "/-/healthy" HEAD
    expect_status head 200 "HEAD /-/healthy"

    # /metrics counts each outcome.
    get m "/metrics"
    expect_status m 200 "/metrics"
    local want
    for want in 'weir_exporter_probes_total{module="quick",result="success"} 2' \
                'weir_exporter_probes_total{module="quick",result="failure"} 1' \
                'weir_exporter_probe_failures_total{reason="test_error"} 1' \
                "weir_exporter_probes_refused_total{code=\"400\"} $n400" \
                "weir_exporter_probes_refused_total{code=\"403\"} $n403" \
                'weir_exporter_probes_refused_total{code="429"} 0' \
                'weir_exporter_probes_in_flight 0' 'weir_exporter_queue_wait_seconds_count 3' \
                'weir_exporter_probe_duration_seconds_count 3'; do
        body_of m | grep -qxF "$want" || fail "/metrics lacks '$want'"
    done
    if command -v promtool >/dev/null 2>&1; then
        body_of m | promtool check metrics >"$CASE_DIR/promtool.m" 2>&1 ||
            fail "promtool check metrics (/metrics): $(oneline "$CASE_DIR/promtool.m")"
        body_of ok | promtool check metrics >"$CASE_DIR/promtool.ok" 2>&1 ||
            fail "promtool check metrics (/probe): $(oneline "$CASE_DIR/promtool.ok")"
        body_of closed | promtool check metrics >"$CASE_DIR/promtool.closed" 2>&1 ||
            fail "promtool check metrics (failed /probe): $(oneline "$CASE_DIR/promtool.closed")"
    fi
}
run_case "/probe: success, failure, 403, 400; 404, 405, /-/healthy; /metrics counts them" case_probes

# --- latency probes ---
case_latency() {
    with_server || return
    cat >"$CASE_DIR/modules.ini" <<'INI'
[exporter]
min_interval = 0s
[module lat]
latency = yes
time = 1s
args = --latency-rate 200
[module either]
time = 1s
params = reverse, latency
[module quick]
time = 1s
INI
    start_exporter exporter --exporter-config "$CASE_DIR/modules.ini" --exporter-allow 127.0.0.0/8 || return

    get lat "/probe?target=127.0.0.1:$WPORT&module=lat" "" "application/openmetrics-text; version=1.0.0"
    expect_status lat 200 "a latency module's probe"
    [ "$(metric lat weir_probe_success)" = 1 ] || fail "latency: weir_probe_success '$(metric lat weir_probe_success)', want 1"
    [ "$(metric lat 'weir_test_success{transport="tcp",peer="127.0.0.1"}')" = 1 ] ||
        fail "latency: the test's own weir_test_success is not 1"
    body_of lat | grep -q '^weir_probe_failure_info' && fail "latency: a failure reason on a success"
    # The reporter's latency series: every probe sent came back (TCP loses
    # none), each in the histogram once, its percentiles within its range.
    local sum='transport="tcp",peer="127.0.0.1",stream="sum"' sent lost count inf p50 lo hi
    sent=$(metric lat "weir_latency_probes_sent{$sum}")
    lost=$(metric lat "weir_latency_probes_lost{$sum}")
    count=$(metric lat "weir_latency_seconds_count{$sum,delay=\"round_trip\"}")
    inf=$(metric lat "weir_latency_seconds_bucket{$sum,delay=\"round_trip\",le=\"+Inf\"}")
    p50=$(metric lat "weir_latency_percentile_seconds{$sum,delay=\"round_trip\",percentile=\"50\"}")
    lo=$(metric lat "weir_latency_min_seconds{$sum,delay=\"round_trip\"}")
    hi=$(metric lat "weir_latency_max_seconds{$sum,delay=\"round_trip\"}")
    [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$lost" = 0 ] && [ "$count" = "$sent" ] && [ "$inf" = "$count" ] ||
        fail "latency: probes sent '$sent', lost '$lost', histogram count '$count', +Inf bucket '$inf'"
    awk -v p="${p50:-0}" -v lo="${lo:-0}" -v hi="${hi:-0}" 'BEGIN { exit !(lo > 0 && lo <= p && p <= hi) }' ||
        fail "latency: min '$lo', p50 '$p50', max '$hi' out of order"
    get either "/probe?target=127.0.0.1:$WPORT&module=either&latency=1"
    expect_status either 200 "latency=1 where the module allows it"
    [ "$(metric either weir_probe_success)" = 1 ] || fail "latency=1: weir_probe_success '$(metric either weir_probe_success)', want 1"
    if command -v promtool >/dev/null 2>&1; then
        body_of lat | promtool check metrics >"$CASE_DIR/promtool.lat" 2>&1 ||
            fail "promtool check metrics (a latency /probe): $(oneline "$CASE_DIR/promtool.lat")"
    fi

    # A weir client refuses a plain iperf3 server for --latency: the probe
    # runs and fails with its reason.
    if have_iperf3 && start_server_retry iperf3; then
        get plain "/probe?target=127.0.0.1:$PORT&module=lat"
        expect_status plain 200 "a latency probe of an iperf3 server"
        [ "$(metric plain weir_probe_success)" = 0 ] || fail "iperf3 server: weir_probe_success '$(metric plain weir_probe_success)', want 0"
        body_of plain | grep -q '^weir_probe_failure_info{reason=".*--latency needs a weir server.*"} 1$' ||
            fail "iperf3 server: no failure reason naming --latency: $(body_of plain | grep failure)"
    fi

    # Refused: latency where the module does not allow it, and a mix weir
    # refuses.
    get notallowed "/probe?target=127.0.0.1:$WPORT&module=quick&latency=1"
    expect_status notallowed 400 "latency=1 by a module without it"
    body_of notallowed | grep -q "parameter 'latency' is not allowed by module quick" ||
        fail "400 without its reason: $(body_of notallowed)"
    get mix "/probe?target=127.0.0.1:$WPORT&module=either&latency=1&reverse=1"
    expect_status mix 400 "latency=1 with reverse=1"
    body_of mix | grep -q "weir refuses reverse=1 with latency=1 (module either, transport tcp): --latency cannot be used with -R" ||
        fail "400 without weir's reason: $(body_of mix)"

    # A module weir refuses with latency: at start, file:line and weir's words.
    printf '[module bad]\nreverse = yes\nlatency = yes\n' >"$CASE_DIR/bad.ini"
    "$WEIR" --exporter 1 --exporter-config "$CASE_DIR/bad.ini" --exporter-allow 127.0.0.1 --dry-run \
        >"$CASE_DIR/bad.out" 2>&1 && fail "--dry-run accepted a module with reverse and latency"
    grep -q "bad.ini:3: .*--latency cannot be used with -R" "$CASE_DIR/bad.out" ||
        fail "no file:line and reason for reverse with latency: $(oneline "$CASE_DIR/bad.out")"
}
run_case "latency: a latency module's probe, latency=1, 400 where not allowed or refused by weir" case_latency

# --- the per-target interval ---
case_interval() {
    with_server || return
    printf '[exporter]\nmin_interval = 60s\n[module quick]\ntime = 1s\n' >"$CASE_DIR/modules.ini"
    start_exporter exporter --exporter-config "$CASE_DIR/modules.ini" --exporter-allow 127.0.0.0/8 || return
    get first "/probe?target=127.0.0.1:$CLOSED&module=quick"
    expect_status first 200 "the first probe of a target"
    get second "/probe?target=127.0.0.1:$CLOSED&module=quick"
    expect_status second 429 "a second probe within min_interval"
    local retry
    retry=$(sed -n 's/^RETRY //p' "$CASE_DIR/second")
    [ -n "$retry" ] && [ "$retry" -ge 1 ] && [ "$retry" -le 60 ] || fail "Retry-After '$retry', want 1 to 60"
    get other "/probe?target=127.0.0.1:$WPORT&module=quick"
    expect_status other 200 "another target meanwhile"
    get m "/metrics"
    body_of m | grep -qxF 'weir_exporter_probes_refused_total{code="429"} 1' || fail "/metrics: 429 not counted"
}
run_case "min_interval: 429 with Retry-After for the same target, not another" case_interval

# --- the slots ---
case_slots() {
    with_server || return
    printf '[exporter]\nmin_interval = 0s\nmax_concurrent = 1\nqueue_timeout = 1s\n[module slow]\ntime = 4s\n' \
        >"$CASE_DIR/modules.ini"
    start_exporter exporter --exporter-config "$CASE_DIR/modules.ini" --exporter-allow 127.0.0.0/8 || return
    timeout -k 3 40 python3 "$GET" "http://127.0.0.1:$XPORT/probe?target=127.0.0.1:$WPORT&module=slow" \
        >"$CASE_DIR/first" 2>&1 &
    local client=$! n
    track_pid "$client"
    for n in $(seq 100); do
        [ -n "$(pgrep -P "$XPID")" ] && break
        sleep 0.05
    done
    get second "/probe?target=127.0.0.1:$CLOSED&module=slow"
    expect_status second 503 "a probe finding no slot within queue_timeout"
    body_of second | grep -q "no probe slot free within 1 s" || fail "503 without its reason: $(body_of second)"
    wait_exit "$client" 30 || fail "the first probe did not answer"
    expect_status first 200 "the probe holding the slot"
    get m "/metrics"
    local want
    for want in 'weir_exporter_probes_refused_total{code="503"} 1' \
                'weir_exporter_probes_total{module="slow",result="success"} 1' \
                'weir_exporter_probes_running 0' 'weir_exporter_probes_waiting 0'; do
        body_of m | grep -qxF "$want" || fail "/metrics lacks '$want'"
    done
}
run_case "max_concurrent: a probe finding no slot within queue_timeout is 503" case_slots

# --- Prometheus's scrape timeout; a client that goes away ---
case_scrape_timeout() {
    with_server || return
    printf '[exporter]\nmin_interval = 0s\nmax_concurrent = 1\nqueue_timeout = 20s\n[module long]\ntime = 20s\n' \
        >"$CASE_DIR/modules.ini"
    start_exporter exporter --exporter-config "$CASE_DIR/modules.ini" --exporter-allow 127.0.0.0/8 || return
    # 4 s: the 20 s test becomes 2 s (4 less the 1.5 s margin, in whole
    # seconds), said by weir_probe_clamped.
    get fit "/probe?target=127.0.0.1:$WPORT&module=long" "" "" 4
    expect_status fit 200 "a probe with a 4 s scrape timeout"
    [ "$(metric fit weir_probe_success)" = 1 ] ||
        fail "4 s scrape timeout: weir_probe_success '$(metric fit weir_probe_success)': $(body_of fit | grep failure)"
    [ "$(metric fit 'weir_probe_clamped{parameter="time"}')" = 1 ] || fail "4 s scrape timeout: time not flagged as clamped"
    awk -v d="$(metric fit weir_probe_duration_seconds)" 'BEGIN { exit !(d >= 2 && d < 3.5) }' ||
        fail "4 s scrape timeout: weir_probe_duration_seconds '$(metric fit weir_probe_duration_seconds)', want 2 to 3.5"
    # Too short for any test: a failure at once, with the reason.
    get short "/probe?target=127.0.0.1:$WPORT&module=long" "" "" 2
    expect_status short 200 "a probe with a 2 s scrape timeout"
    [ "$(metric short weir_probe_success)" = 0 ] || fail "2 s scrape timeout: weir_probe_success '$(metric short weir_probe_success)', want 0"
    body_of short | grep -q '^weir_probe_failure_info{reason="the scrape timeout (2 s) leaves no time for a test' ||
        fail "2 s scrape timeout: no reason: $(body_of short | grep failure)"
    get bad "/probe?target=127.0.0.1:$WPORT&module=long" "" "" soon
    expect_status bad 400 "a scrape timeout header of 'soon'"
    # A client giving up (killed once its probe's test runs, its socket
    # closed) ends the 20 s test; the next probe finds the slot free. Killed
    # only once the test runs: on a loaded machine the client may take
    # longer than any fixed delay to send its request.
    python3 "$GET" "http://127.0.0.1:$XPORT/probe?target=127.0.0.1:$WPORT&module=long" \
        >/dev/null 2>&1 &
    local gone=$! n
    for n in $(seq 100); do
        [ -n "$(pgrep -P "$XPID")" ] && break
        sleep 0.1
    done
    [ -n "$(pgrep -P "$XPID")" ] || fail "the probe's test did not start within 10 s"
    kill -9 "$gone" 2>/dev/null
    wait "$gone" 2>/dev/null
    for n in $(seq 50); do
        [ -z "$(pgrep -P "$XPID")" ] && break
        sleep 0.1
    done
    [ -z "$(pgrep -P "$XPID")" ] || fail "the test of a probe whose client went away still runs"
    # Counted once the probe's thread has reaped the test: poll briefly.
    local want
    for n in $(seq 20); do
        get m "/metrics"
        body_of m | grep -qxF 'weir_exporter_probes_running 0' &&
            body_of m | grep -qxF 'weir_exporter_probe_failures_total{reason="client_gone"} 1' && break
        sleep 0.1
    done
    for want in 'weir_exporter_probe_failures_total{reason="client_gone"} 1' \
                'weir_exporter_probe_failures_total{reason="scrape_timeout"} 1' \
                'weir_exporter_probes_refused_total{code="400"} 1' 'weir_exporter_probes_running 0'; do
        body_of m | grep -qxF "$want" || fail "/metrics lacks '$want'"
    done
}
run_case "scrape timeout header: test clamped, too short failed at once; a client gone ends its test" case_scrape_timeout

# --- no allow rule ---
case_no_allow() {
    with_server || return
    start_exporter exporter || return
    wait_grep "$SERVER_ERR" "every probe is refused" 5 || fail "the log does not say every probe is refused"
    get p "/probe?target=127.0.0.1:$WPORT"
    expect_status p 403 "a probe with no allow rule"
}
run_case "no allow rule: said at start, every probe 403" case_no_allow

# --- the modules file: errors at start, SIGHUP ---
case_config_error() {
    printf '[exporter]\nmax_concurrent = 1\n[module quick]\ntime = forever\n' >"$CASE_DIR/bad.ini"
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --exporter "127.0.0.1:$(free_port)" \
        --exporter-config "$CASE_DIR/bad.ini" --exporter-allow 127.0.0.0/8
    [ "$RUN_RC" = 1 ] || fail "exit status $RUN_RC, want 1"
    grep -q "^weir: error - $CASE_DIR/bad.ini:4: " "$CASE_DIR/err" ||
        fail "no 'weir: error - FILE:4: reason': $(oneline "$CASE_DIR/err")"
    run_bounded "$CASE_DIR/out2" "$CASE_DIR/err2" "$WEIR" --exporter "127.0.0.1:$(free_port)" \
        --exporter-allow 300.1.2.3/8
    [ "$RUN_RC" = 1 ] || fail "--exporter-allow 300.1.2.3/8: exit status $RUN_RC, want 1"
    grep -q "^weir: error - .*300.1.2.3" "$CASE_DIR/err2" || fail "bad --exporter-allow: $(oneline "$CASE_DIR/err2")"
    run_bounded "$CASE_DIR/out3" "$CASE_DIR/err3" "$WEIR" --exporter "127.0.0.1:$(free_port)" -t 5
    [ "$RUN_RC" = 1 ] && grep -q "not an option of --exporter" "$CASE_DIR/err3" ||
        fail "--exporter with -t: $RUN_RC $(oneline "$CASE_DIR/err3")"
    run_bounded "$CASE_DIR/out4" "$CASE_DIR/err4" "$WEIR" -s --exporter-allow 127.0.0.0/8
    [ "$RUN_RC" = 1 ] && grep -q "is an option of --exporter" "$CASE_DIR/err4" ||
        fail "-s with --exporter-allow: $RUN_RC $(oneline "$CASE_DIR/err4")"
}
run_case "a bad modules file or option: exit 1, file:line and reason" case_config_error

# --dry-run: what the exporter runs to check a module's options, and what
# an operator runs before a reload. Nothing listens, nothing connects.
case_dry_run() {
    local port
    port=$(free_port)
    printf '[module m]\nargs = -C nosuch-cc-at-all -w 1M\n[module r]\nreverse = yes\nargs = --rcv-timeout 5000\n' \
        >"$CASE_DIR/good.ini"
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --exporter "127.0.0.1:$port" \
        --exporter-config "$CASE_DIR/good.ini" --exporter-allow 127.0.0.0/8 --dry-run
    [ "$RUN_RC" = 0 ] && [ ! -s "$CASE_DIR/out" ] && [ ! -s "$CASE_DIR/err" ] ||
        fail "a good modules file: exit $RUN_RC, '$(oneline "$CASE_DIR/out") $(oneline "$CASE_DIR/err")'"
    ! port_listening "$port" || fail "--dry-run listened on $port"
    printf '[module m]\n\nargs = --rcv-timeout 5000\n' >"$CASE_DIR/bad.ini"
    run_bounded "$CASE_DIR/out2" "$CASE_DIR/err2" "$WEIR" --exporter "127.0.0.1:$port" \
        --exporter-config "$CASE_DIR/bad.ini" --dry-run
    [ "$RUN_RC" = 1 ] && grep -q "^weir: error - $CASE_DIR/bad.ini:3: weir refuses module m's options.*receiving mode" \
        "$CASE_DIR/err2" || fail "a module with a sender's --rcv-timeout: exit $RUN_RC, $(oneline "$CASE_DIR/err2")"
    # A client's options: checked, no test (nothing listens on CLOSED).
    run_bounded "$CASE_DIR/out3" "$CASE_DIR/err3" "$WEIR" -c 127.0.0.1 -p "$CLOSED" -t 3 -P 2 --dry-run
    [ "$RUN_RC" = 0 ] && [ ! -s "$CASE_DIR/out3" ] && [ ! -s "$CASE_DIR/err3" ] ||
        fail "weir -c ... --dry-run: exit $RUN_RC, '$(oneline "$CASE_DIR/out3") $(oneline "$CASE_DIR/err3")'"
    run_bounded "$CASE_DIR/out4" "$CASE_DIR/err4" "$WEIR" -c 127.0.0.1 -p "$CLOSED" -t 0.5x --dry-run
    [ "$RUN_RC" = 1 ] && grep -q "^weir: parameter error - test duration" "$CASE_DIR/err4" ||
        fail "weir -c ... -t 0.5x --dry-run: exit $RUN_RC, $(oneline "$CASE_DIR/err4")"
}
run_case "--dry-run: an exporter's modules file and a client's options checked, nothing run" case_dry_run

# reloads_logged N: the exporter's log says "reloaded" N times or more.
reloads_logged() {
    [ "$(grep -c reloaded "$SERVER_ERR")" -ge "$1" ]
}

case_reload() {
    with_server || return
    printf '[exporter]\nmin_interval = 0s\n[module quick]\ntime = 1s\n' >"$CASE_DIR/modules.ini"
    start_exporter exporter --exporter-config "$CASE_DIR/modules.ini" --exporter-allow 127.0.0.0/8 || return
    get before "/probe?target=127.0.0.1:$CLOSED&module=later"
    expect_status before 400 "module 'later' before it exists"
    printf '[exporter]\nmin_interval = 0s\n[module quick]\ntime = 1s\n[module later]\ntime = 1s\n' \
        >"$CASE_DIR/modules.ini"
    kill -HUP "$XPID"
    wait_grep "$SERVER_ERR" "reloaded" 10 || fail "no 'reloaded' in the log after SIGHUP"
    get after "/probe?target=127.0.0.1:$WPORT&module=later"
    expect_status after 200 "module 'later' after the reload"
    [ "$(metric after weir_probe_success)" = 1 ] || fail "module later: weir_probe_success '$(metric after weir_probe_success)'"
    # A probe running through a reload keeps its configuration, though the
    # new one drops its module.
    printf '[exporter]\nmin_interval = 0s\n[module quick]\ntime = 1s\n[module later]\ntime = 3s\n' \
        >"$CASE_DIR/modules.ini"
    kill -HUP "$XPID"
    wait_until 10 reloads_logged 2 || fail "no second 'reloaded' in the log"
    timeout -k 3 40 python3 "$GET" "http://127.0.0.1:$XPORT/probe?target=127.0.0.1:$WPORT&module=later" \
        >"$CASE_DIR/through" 2>&1 &
    local client=$! n
    track_pid "$client"
    for n in $(seq 100); do
        [ -n "$(pgrep -P "$XPID")" ] && break
        sleep 0.05
    done
    printf '[exporter]\nmin_interval = 0s\n[module quick]\ntime = 1s\n' >"$CASE_DIR/modules.ini"
    kill -HUP "$XPID"
    wait_exit "$client" 30 || fail "the probe running through the reload did not answer"
    expect_status through 200 "a probe running through a reload that drops its module"
    [ "$(metric through weir_probe_success)" = 1 ] ||
        fail "through a reload: weir_probe_success '$(metric through weir_probe_success)'"
    printf '[exporter]\nmin_interval = 0s\n[module later]\ntime = 1s\nnonsense here\n' >"$CASE_DIR/modules.ini"
    kill -HUP "$XPID"
    wait_grep "$SERVER_ERR" "reload failed.*modules.ini:5" 10 ||
        fail "no 'reload failed ... modules.ini:5' in the log after a bad SIGHUP"
    get kept "/probe?target=127.0.0.1:$CLOSED&module=quick"
    expect_status kept 200 "module 'quick' of the configuration kept"
    is_running "$XWRAP" || fail "the exporter ended after a bad reload"
    get m "/metrics"
    local want
    for want in 'weir_exporter_config_reloads_total{result="success"} 3' \
                'weir_exporter_config_reloads_total{result="failure"} 1' \
                'weir_exporter_config_last_reload_successful 0'; do
        body_of m | grep -qxF "$want" || fail "/metrics lacks '$want'"
    done
}
run_case "SIGHUP: a good file reloaded, a bad one logged and the old one kept" case_reload

# --- a request trickled in ---
case_slow_request() {
    start_exporter exporter --exporter-allow 127.0.0.0/8 || return
    # A byte a second: never silent long enough for an idle timeout.
    timeout -k 3 40 python3 - "$XPORT" >"$CASE_DIR/slow" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
start = time.time()
try:
    for ch in b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 60:
        s.send(bytes([ch]))
        time.sleep(1)
        s.setblocking(False)
        try:
            if s.recv(100) == b"":
                break
        except BlockingIOError:
            pass
        s.setblocking(True)
except OSError:
    pass
print("closed after %.0f s" % (time.time() - start))
PY
    local slow=$!
    track_pid "$slow"
    sleep 2
    get healthy "/-/healthy"
    expect_status healthy 200 "/-/healthy while a request trickles in"
    wait_exit "$slow" 30 || { fail "the trickling connection was not closed within 30 s"; return; }
    local took
    took=$(sed -n 's/^closed after \([0-9]*\) s$/\1/p' "$CASE_DIR/slow")
    [ -n "$took" ] && [ "$took" -ge 9 ] && [ "$took" -le 20 ] ||
        fail "the trickling connection: '$(oneline "$CASE_DIR/slow")', want closed after 10 to 20 s"
}
run_case "a request trickled in is cut off after 10 s, others served meanwhile" case_slow_request

# --- as a service ---
case_daemon() {
    local attempt rc
    for attempt in 1 2 3; do
        XPORT=$(free_port)
        run_bounded "$CASE_DIR/start.out" "$CASE_DIR/start.err" env -C "$CASE_DIR" "$WEIR" \
            --exporter "127.0.0.1:$XPORT" -D -I exporter.pid --logfile exporter.log \
            --exporter-allow 127.0.0.0/8
        rc=$RUN_RC
        grep -q "Address already in use" "$CASE_DIR/start.err" || break
    done
    [ "$rc" = 0 ] || { fail "weir --exporter -D exited $rc: $(oneline "$CASE_DIR/start.err")"; return; }
    local pid
    pid=$(cat "$CASE_DIR/exporter.pid" 2>/dev/null)
    is_our_weir "$pid" || { fail "the pid file names '$pid', not a running weir"; return; }
    track_daemon "$pid"
    port_listening "$XPORT" || fail "-D returned before the exporter listened"
    get healthy "/-/healthy"
    expect_status healthy 200 "/-/healthy of the daemon"
    grep -q "listening on 127.0.0.1:$XPORT" "$CASE_DIR/exporter.log" || fail "the log file lacks 'listening on'"
    # logrotate: SIGHUP reopens the log at its path.
    mv "$CASE_DIR/exporter.log" "$CASE_DIR/exporter.log.1"
    kill -HUP "$pid"
    wait_grep "$CASE_DIR/exporter.log" "reloaded" 10 || fail "no new log file after SIGHUP"
    kill -TERM "$pid"
    wait_gone "$pid" 10 || fail "the daemon did not stop on SIGTERM"
    [ ! -e "$CASE_DIR/exporter.pid" ] || fail "the pid file is left behind"
}
run_case "-D with --pidfile and --logfile: returns listening, SIGHUP reopens the log, SIGTERM" case_daemon

# --- stopping with a test running ---
case_stop() {
    with_server || return
    printf '[exporter]\nmin_interval = 0s\n[module long]\ntime = 20s\n' >"$CASE_DIR/modules.ini"
    start_exporter exporter --exporter-config "$CASE_DIR/modules.ini" --exporter-allow 127.0.0.0/8 || return
    timeout -k 3 40 python3 "$GET" "http://127.0.0.1:$XPORT/probe?target=127.0.0.1:$WPORT&module=long" \
        >"$CASE_DIR/long" 2>&1 &
    local client=$!
    track_pid "$client"
    local child="" n
    for n in $(seq 100); do
        child=$(pgrep -P "$XPID" | head -n 1)
        [ -n "$child" ] && break
        sleep 0.1
    done
    [ -n "$child" ] || { fail "no probe test started"; return; }
    kill -TERM "$XPID"
    wait_exit "$XWRAP" 10 || { fail "the exporter did not stop within 10 s of SIGTERM"; return; }
    [ "$EXIT_RC" = 0 ] || fail "the exporter exited $EXIT_RC after SIGTERM, want 0"
    ! kill -0 "$child" 2>/dev/null || fail "the probe's test (pid $child) still runs"
    wait "$client" 2>/dev/null
    forget_pid "$client"
}
run_case "SIGTERM: the running test is killed, the exporter exits 0" case_stop

finish
