#!/usr/bin/env bash
# The csv and openmetrics reporters through the real binary, several
# reporters at once (text, csv:FILE, openmetrics:FILE, json:FILE), on
# --loopback and on a weir -s / weir -c pair (TCP and UDP, -P 2, -R).
# Each file is checked against the json reporter's document of the same
# run by reporters_check.py: csv parses with python3's csv module, has the
# header, streams x intervals interval rows, the same byte counts, each
# stream named by its JSON socket number, numbers at their fixed precision;
# openmetrics has the same byte counts and passes `promtool check metrics`
# (Debian's prometheus package; a SKIP line without it) and, where
# python3-prometheus-client is installed, its OpenMetrics parser.
# A reporter whose file cannot be opened is one clear error: the run still
# ends with status 1 and the other reporters' files are complete. --latency:
# the csv probe rows and the openmetrics latency series against -J, the
# chart valid, a --latency comparison run's rows against its tests.
# --latency --load: csv's working-* rows and openmetrics' idle and loaded
# histograms, increase, RPM and load rate against -J's end.latency.working,
# the chart's idle phase, load start, idle and loaded CDFs and RPM.
# --latency --load over a transport list: each comparison row's working
# latency against its own test's in every reporter, the text table in line.
. "$(dirname "$0")/lib.sh"

require_tools
require_tool python3
CHECK=$TESTS_DIR/e2e/reporters_check.py

# check_py ARGS...: run the checker, each line it prints a failed check.
check_py() {
    local out line
    out=$(timeout 30 python3 "$CHECK" "$@" 2>&1)
    while IFS= read -r line; do
        [ -n "$line" ] && fail "$line"
    done <<<"$out"
}

# promtool_check FILE: `promtool check metrics` passes (a SKIP line when
# promtool is absent: the other checks still count).
promtool_check() {
    if ! command -v promtool >/dev/null 2>&1; then
        skip_check "promtool check metrics of ${1##*/}" "promtool not installed; Debian package prometheus"
        return 0
    fi
    local out
    out=$(timeout 30 promtool check metrics <"$1" 2>&1) ||
        fail "promtool check metrics ${1##*/}: $out"
}

# openmetrics_parse FILE: prometheus_client's OpenMetrics parser takes it,
# from python3 or Debian's /usr/bin/python3 (a SKIP line without either).
openmetrics_parse() {
    local py rc out
    for py in python3 /usr/bin/python3; do
        command -v "$py" >/dev/null 2>&1 || continue
        out=$(timeout 30 "$py" "$CHECK" om-parse "$1" 2>&1)
        rc=$?
        [ "$rc" -eq 77 ] && continue
        [ "$rc" -eq 0 ] || fail "OpenMetrics parser on ${1##*/}: $out"
        return 0
    done
    skip_check "OpenMetrics parse of ${1##*/}" "no python3-prometheus-client"
}

# check_files PREFIX ROLE TRANSPORT DIRECTION: PREFIX.csv, PREFIX.prom
# against PREFIX.json.
check_files() {
    local p=$1
    for f in "$p.csv" "$p.prom" "$p.json"; do
        [ -s "$f" ] || { fail "${f##*/} missing or empty"; return 1; }
    done
    check_py csv "$p.csv" "$p.json" "$2" "$3" "$4"
    check_py om "$p.prom" "$p.json" "$2" "$3" "$4"
    promtool_check "$p.prom"
    openmetrics_parse "$p.prom"
    # The atomic replace leaves no temporary beside the file.
    local left
    left=$(find "${p%/*}" -name ".${p##*/}.prom.*" | head -n 3)
    [ -z "$left" ] || fail "temporary files left: $left"
}

# reporters PREFIX: the four reporters, files PREFIX.{csv,prom,json}.
reporters() {
    echo --reporter text --reporter "csv:$1.csv" --reporter "openmetrics:$1.prom" \
        --reporter "json:$1.json"
}

loopback_tcp() {
    local p=$CASE_DIR/lo
    run_bounded "$CASE_DIR/text.out" "$CASE_DIR/text.err" \
        "$WEIR" --loopback -t 2 -P 2 $(reporters "$p")
    expect_eq "exit status" "$RUN_RC" 0
    grep -q '^weir Done\.$' "$CASE_DIR/text.out" || fail "text reporter: no 'weir Done.'"
    expect_eq "JSON intervals (-t 2)" "$(json_get "$p.json" '.intervals | length')" 2
    check_files "$p" client tcp upload
}

# pair NAME TRANSPORT DIRECTION CLIENT-ARGS...: weir -s -1 and weir -c, both
# with the four reporters; both sides' files checked.
pair() {
    local name=$1 transport=$2 direction=$3
    shift 3
    local c=$CASE_DIR/$name-client s=$CASE_DIR/$name-server
    start_server_retry weir -1 $(reporters "$s") || return 1
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" \
        "$WEIR" -c 127.0.0.1 -p "$PORT" -t 2 -P 2 "$@" $(reporters "$c")
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    check_files "$c" client "$transport" "$direction"
    check_files "$s" server "$transport" "$direction"
}

pair_tcp() { pair tcp tcp upload; }
pair_tcp_reverse() { pair tcpr tcp download -R; }
pair_udp() { pair udp udp upload -u -b 10M; }

# --transport tcp,udp: per-test rows and one comparison row per transport
# in the csv, each transport's series in one metrics text (printed once,
# after the run, when the reporter writes to standard output).
comparison() {
    local p=$CASE_DIR/cmp
    run_bounded "$p.out" "$p.err" "$WEIR" --loopback --transport tcp,udp -t 1 -P 2 -b 20M \
        --reporter "csv:$p.csv" --reporter "openmetrics:$p.prom" --reporter "json:$p.json"
    expect_eq "exit status" "$RUN_RC" 0
    check_py compare "$p.csv" "$p.prom" "$p.json"
    promtool_check "$p.prom"
    openmetrics_parse "$p.prom"
    run_bounded "$p.stdout" "$p.err" "$WEIR" --loopback --transport tcp,udp -t 1 -b 20M \
        --reporter openmetrics
    expect_eq "exit status (openmetrics on standard output)" "$RUN_RC" 0
    expect_eq "one # EOF on standard output" "$(grep -c '^# EOF$' "$p.stdout")" 1
    expect_eq "weir_test_success series" "$(grep -c '^weir_test_success{' "$p.stdout")" 2
    promtool_check "$p.stdout"
}

# csv:/nonexistent/dir/x.csv: one error line naming the file, status 1;
# the run goes on and the other reporters' files are complete.
unwritable() {
    local p=$CASE_DIR/bad bad=/nonexistent/dir/x.csv
    run_bounded "$CASE_DIR/text.out" "$CASE_DIR/text.err" \
        "$WEIR" --loopback -t 1 --reporter text --reporter "csv:$bad" \
        --reporter "openmetrics:$p.prom" --reporter "json:$p.json"
    expect_eq "exit status" "$RUN_RC" 1
    local lines
    lines=$(grep -c "$bad" "$CASE_DIR/text.err")
    expect_eq "error lines naming $bad" "$lines" 1
    grep -q "^weir: error - .*$bad" "$CASE_DIR/text.err" ||
        fail "no 'weir: error - ...' line naming $bad"
    [ ! -e "$bad" ] || fail "$bad exists"
    grep -q '^weir Done\.$' "$CASE_DIR/text.out" || fail "text reporter: no 'weir Done.'"
    [ -s "$p.json" ] && [ -s "$p.prom" ] || { fail "json or openmetrics file missing"; return; }
    expect_eq "JSON intervals (-t 1)" "$(json_get "$p.json" '.intervals | length')" 1
    check_py om "$p.prom" "$p.json" client tcp upload
    promtool_check "$p.prom"
    # And the same for a metrics file that cannot be replaced.
    run_bounded "$CASE_DIR/om.out" "$CASE_DIR/om.err" \
        "$WEIR" --loopback -t 1 --reporter "openmetrics:/nonexistent/dir/x.prom" \
        --reporter "csv:$p.csv"
    expect_eq "exit status (openmetrics)" "$RUN_RC" 1
    expect_eq "error lines naming x.prom" "$(grep -c /nonexistent/dir/x.prom "$CASE_DIR/om.err")" 1
    [ "$(grep -c ',interval,' "$p.csv")" -eq 1 ] || fail "csv: want 1 interval row"
}

# A failure is never silent: a reporter with no place for the reason
# (openmetrics on standard output) leaves it to weir's stderr line, and -J
# (iperf3's document, which holds it) keeps stderr empty as iperf3 does.
failure_said() {
    local port
    port=$(free_port)
    run_bounded "$CASE_DIR/om.out" "$CASE_DIR/om.err" \
        "$WEIR" -c 127.0.0.1 -p "$port" --reporter openmetrics
    expect_eq "exit status (openmetrics)" "$RUN_RC" 1
    grep -q '^weir_test_success 0$' "$CASE_DIR/om.out" || fail "openmetrics: no weir_test_success 0"
    expect_eq "stderr lines (openmetrics)" "$(grep -c '^weir: error - unable to connect' "$CASE_DIR/om.err")" 1
    run_bounded "$CASE_DIR/svg.out" "$CASE_DIR/svg.err" \
        "$WEIR" -c 127.0.0.1 -p "$port" --reporter "svg:$CASE_DIR/x.svg" --reporter openmetrics
    expect_eq "stderr lines (svg file, openmetrics)" "$(grep -c '^weir: error - unable to connect' "$CASE_DIR/svg.err")" 1
    run_bounded "$CASE_DIR/csv.out" "$CASE_DIR/csv.err" \
        "$WEIR" -c 127.0.0.1 -p "$port" --reporter csv
    expect_eq "exit status (csv)" "$RUN_RC" 1
    grep -q ',error,.*unable to connect' "$CASE_DIR/csv.out" || fail "csv: no error row"
    expect_eq "stderr lines (csv)" "$(wc -l < "$CASE_DIR/csv.err")" 0
    run_bounded "$CASE_DIR/json.out" "$CASE_DIR/json.err" "$WEIR" -c 127.0.0.1 -p "$port" -J
    expect_eq "exit status (-J)" "$RUN_RC" 1
    expect_eq "stderr lines (-J)" "$(wc -l < "$CASE_DIR/json.err")" 0
    json_get "$CASE_DIR/json.out" .error | grep -q 'unable to connect' || fail "-J: no error key"
}

# sender_facts TRANSPORT ARGS...: a loopback upload -P 2 with csv,
# openmetrics, json and svg; the sender's Retr, cwnd and RTT (TCP_INFO's
# for tcp, ngtcp2's for quic) in the csv and openmetrics as in the JSON,
# and the svg names the transport.
sender_facts() {
    local t=$1 p=$CASE_DIR/$1
    shift
    run_bounded "$p.out" "$p.err" "$WEIR" --loopback --transport "$t" "$@" -t 2 -P 2 \
        --reporter "csv:$p.csv" --reporter "openmetrics:$p.prom" --reporter "json:$p.json" \
        --reporter "svg:$p.svg"
    expect_eq "exit status ($t)" "$RUN_RC" 0
    for f in "$p.csv" "$p.prom" "$p.json" "$p.svg"; do
        [ -s "$f" ] || { fail "${f##*/} missing or empty"; return 1; }
    done
    check_py sender-facts "$p.csv" "$p.prom" "$p.json"
    check_py transport-facts "$p.csv" "$p.prom" "$p.json" "$t"
    promtool_check "$p.prom"
    openmetrics_parse "$p.prom"
    expect_eq "svg: facts rows ($t)" "$(grep -c '<text class="facts-stream"' "$p.svg")" 2
    check_py csv "$p.csv" "$p.json" client "$t" upload
    check_py om "$p.prom" "$p.json" client "$t" upload
    svg_valid "$p.svg"
}
facts_tcp() { sender_facts tcp; grep -q 'throughput - TCP,' "$CASE_DIR/tcp.svg" || fail "svg: no 'TCP' title"; }
facts_quic() {
    local d found=
    for d in ${WEIR_PLUGIN_PATH//:/ }; do [ -f "$d/quic.so" ] && found=1; done
    [ -n "$found" ] || { skip_case "this build has no quic transport"; return; }
    sender_facts quic --tls-insecure
    grep -q 'throughput - quic (UDP),' "$CASE_DIR/quic.svg" || fail "svg: no 'quic (UDP)' title"
}

# svg_valid FILE: the chart parses (xmllint) and renders (rsvg-convert);
# a SKIP line for a tool that is missing.
svg_valid() {
    if command -v xmllint >/dev/null 2>&1; then
        timeout 10 xmllint --noout "$1" 2>"$CASE_DIR/xmllint.err" ||
            fail "${1##*/} does not parse: $(head -n 3 "$CASE_DIR/xmllint.err")"
    else
        skip_check "xmllint of ${1##*/}" "xmllint not installed; Debian package libxml2-utils"
    fi
    if command -v rsvg-convert >/dev/null 2>&1; then
        timeout 20 rsvg-convert "$1" -o "$CASE_DIR/chart.png" 2>"$CASE_DIR/rsvg.err" ||
            fail "${1##*/} does not render: $(head -n 3 "$CASE_DIR/rsvg.err")"
    else
        skip_check "rsvg-convert of ${1##*/}" "rsvg-convert not installed; Debian package librsvg2-bin"
    fi
}

# --latency through every reporter of one run (--loopback -P 2 -i 0.5):
# csv's probe rows and openmetrics' histogram and gauges hold -J's numbers
# (reporters_check.py latency), promtool takes the metrics, the chart
# parses and renders. Then a comparison run, --transport tcp,udp,tls
# --latency: each transport's row carries its test's round trips (JSON,
# csv, openmetrics), and the text table has the latency columns.
latency_reporters() {
    local p=$CASE_DIR/lat c=$CASE_DIR/cmp
    run_bounded "$p.json" "$p.err" "$WEIR" --loopback --latency -t 1 -i 0.5 -P 2 -J \
        --reporter "csv:$p.csv" --reporter "openmetrics:$p.prom" --reporter "svg:$p.svg"
    expect_eq "exit status" "$RUN_RC" 0 || return
    check_py latency "$p.csv" "$p.prom" "$p.json"
    promtool_check "$p.prom"
    svg_valid "$p.svg"
    grep -q 'class="series cdf"' "$p.svg" || fail "svg: no CDF"
    run_bounded "$c.txt" "$c.err" "$WEIR" --loopback --latency -t 1 --transport tcp,udp,tls \
        --reporter "json:$c.json" --reporter "csv:$c.csv" --reporter "openmetrics:$c.prom" \
        --reporter "svg:$c.svg" --reporter text
    expect_eq "exit status (comparison)" "$RUN_RC" 0 || return
    check_py latency-compare "$c.csv" "$c.prom" "$c.json"
    promtool_check "$c.prom"
    svg_valid "$c.svg"
    grep -q 'RTT p50    RTT p99   Lost$' "$c.txt" || fail "text: no latency columns in the comparison table"
    expect_eq "text: comparison rows with a p50" \
        "$(grep -cE '^(tcp|udp|tls) .* [0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2} +[0-9]+$' "$c.txt")" 3
}

# --latency --load 1 -t 2 (one second idle, one loaded) through every
# reporter: the probe rows as without a load (reporters_check.py latency),
# the working latency summary in csv and openmetrics as in -J
# (reporters_check.py working), promtool takes the metrics, and the chart
# parses, renders and marks both phases.
working_reporters() {
    local p=$CASE_DIR/work
    run_bounded "$p.json" "$p.err" "$WEIR" --loopback --latency --load 1 -t 2 -J \
        --reporter "csv:$p.csv" --reporter "openmetrics:$p.prom" --reporter "svg:$p.svg"
    expect_eq "exit status" "$RUN_RC" 0 || return
    check_py latency "$p.csv" "$p.prom" "$p.json"
    check_py working "$p.csv" "$p.prom" "$p.json"
    promtool_check "$p.prom"
    svg_valid "$p.svg"
    local el
    for el in '<rect class="phase-idle"' '<line class="load-start"' '<polyline class="series cdf-idle"' \
        '<polyline class="series cdf-loaded"'; do
        expect_eq "svg: elements $el" "$(grep -c "$el" "$p.svg")" 1
    done
    grep -q '<text class="phase-label"[^>]*>load: 1 stream up</text>' "$p.svg" || fail "svg: the load phase not named"
    grep -qE '<text class="rpm"[^>]*>[0-9]+ RPM</text>' "$p.svg" || fail "svg: no RPM"
    grep -qE '>Working latency: p50 [0-9.]+ usec idle, [0-9.]+ loaded ' "$p.svg" || fail "svg: no working latency caption"
    # The tcp load's own smoothed RTT (in band) where -J has it.
    if [ "$(json_get "$p.json" '.end.latency.working.inband != null')" = true ]; then
        grep -qE '<text class="inband"[^>]*>in-band: tcp srtt p50 [0-9.]+ ' "$p.svg" || fail "svg: no in-band srtt"
    else
        fail "-J: no in-band figures for a tcp load"
    fi
    # A udp load beside the tcp probes: no RTT of its own, named as the load's.
    run_bounded "$p-udp.json" "$p-udp.err" "$WEIR" --loopback --latency --load 1 --load-transport udp -b 10M \
        -t 2 -J --reporter "csv:$p-udp.csv" --reporter "openmetrics:$p-udp.prom"
    expect_eq "--load-transport udp: exit status" "$RUN_RC" 0 || return
    check_py working "$p-udp.csv" "$p-udp.prom" "$p-udp.json"
    promtool_check "$p-udp.prom"
}

# --latency --load 1 -t 2 over a transport list (tcp, udp, and quic when
# built): each test a whole working-latency test, and each comparison row's
# working latency its own test's (reporters_check.py working-compare): the
# same JSON object as the test's end.latency.working, csv
# comparison-working-* rows equal to the test's working-* rows, openmetrics
# series with the row's transport label (promtool takes them), the text
# table's Idle p50 .. Load columns as -J's and in line; the svg's idle and
# loaded bars. Then --load-transport udp: the same udp load in every test,
# only the probes' transport differs (and quic, which cannot go beside a
# udp load, fails in its row while the others run: exit 1).
working_comparison() {
    local p=$CASE_DIR/wcmp list=tcp,udp n=2
    have_plugin quic && list=tcp,udp,quic n=3
    run_bounded "$p.txt" "$p.err" "$WEIR" --loopback --latency --load 1 -t 2 -b 20M --transport "$list" \
        --reporter "json:$p.json" --reporter "csv:$p.csv" --reporter "openmetrics:$p.prom" \
        --reporter "svg:$p.svg" --reporter text
    expect_eq "exit status" "$RUN_RC" 0 || return
    check_py working-compare "$p.csv" "$p.prom" "$p.json" "$p.txt"
    promtool_check "$p.prom"
    svg_valid "$p.svg"
    expect_eq "svg: idle bars" "$(grep -c '<rect class="bar idle"' "$p.svg")" "$n"
    expect_eq "svg: loaded bars" "$(grep -c '<rect class="bar loaded"' "$p.svg")" "$n"
    expect_eq "svg: captions with RPM" "$(grep -cE '<text class="caption"[^>]*>[a-z]+: p50 idle [0-9.]+ usec, loaded .* [0-9]+ RPM, load ' "$p.svg")" "$n"
    grep -q "^Working latency: 1 load stream up over each test's transport, after 1.00 s idle" "$p.txt" ||
        fail "text: no line naming the load under the table"
    expect_eq "JSON: each row's load over its own transport" \
        "$(jq -r '[.comparison.transports[] | .transport == .working.load_transport] | all' "$p.json")" true

    local q=$CASE_DIR/wcmp-udp want=1
    have_plugin quic || want=0
    run_bounded "$q.txt" "$q.err" "$WEIR" --loopback --latency --load 1 --load-transport udp -t 2 -b 10M \
        --transport "$list" --reporter "json:$q.json" --reporter "csv:$q.csv" --reporter "openmetrics:$q.prom" \
        --reporter text
    expect_eq "--load-transport udp: exit status" "$RUN_RC" "$want"
    check_py working-compare "$q.csv" "$q.prom" "$q.json" "$q.txt"
    promtool_check "$q.prom"
    expect_eq "--load-transport udp: each row's load" \
        "$(jq -r '[.comparison.transports[] | select(.error == null) | "\(.transport):\(.working.load_transport)/\(.working.load_protocol)/\(.working.inband)"] | join(" ")' "$q.json")" \
        "tcp:udp/UDP/null udp:udp/UDP/null"
    grep -q "^Working latency: 1 load stream up over udp in every test, after 1.00 s idle" "$q.txt" ||
        fail "text: the udp load not named under the table"
    if have_plugin quic; then
        grep -q "^quic .* failed: .*--load-transport udp cannot be used with --transport quic" "$q.txt" ||
            fail "text: no failed quic row"
    fi
}

run_case "loopback TCP -P 2: text, csv, openmetrics, json" loopback_tcp
run_case "tcp's Retr, cwnd, rtt and stream facts in csv, openmetrics, svg as in JSON" facts_tcp
run_case "quic's Retr, cwnd, rtt and stream facts (cubic, cipher, handshake, packets) in csv, openmetrics, svg as in JSON" facts_quic
run_case "a failed test is said once whichever reporters run" failure_said
run_case "weir -s / -c TCP -P 2, both sides" pair_tcp
run_case "weir -s / -c TCP -P 2 -R, both sides" pair_tcp_reverse
run_case "weir -s / -c UDP -P 2 -b 10M, both sides" pair_udp
run_case "comparison run --transport tcp,udp: csv and openmetrics" comparison
run_case "an unwritable reporter file: one error, status 1, others complete" unwritable
run_case "--latency in csv, openmetrics, svg; a --latency comparison run" latency_reporters
run_case "--latency --load: working latency in csv, openmetrics, svg" working_reporters
run_case "--latency --load over a transport list (and --load-transport): each row its test's" working_comparison
finish
