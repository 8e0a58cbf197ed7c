#!/usr/bin/env bash
# weir --exporter scraped by a real Prometheus (Debian's prometheus), the
# blackbox way, with contrib/prometheus/prometheus.yml's jobs, relabelling
# and alert rules: four targets, each a probe through the exporter on
# 127.0.0.1 --
#   127.0.0.2  a weir server, module default (tcp)
#   127.0.0.3  a weir server, module udp (loss and jitter)
#   127.0.0.4  iperf3 3.12's server, module default
#   127.0.0.5  nothing listening, module default
# After two scrape rounds Prometheus's HTTP API must hold, per target,
# weir_probe_success 1, 1, 1, 0, throughput above 0 for the first three,
# retransmits where TCP sent, loss and jitter for UDP; the exporter's own
# /metrics scraped; contrib's rules evaluated. About 20 s; bounded at 120.
# Skips only without prometheus (or a weir built without the exporter);
# without iperf3 the iperf3 target's checks skip, as interop cases do.
: "${E2E_DEADLINE:=120}"
# The wait for two scrape rounds below runs under this bound.
: "${CLIENT_TIMEOUT:=75}"
. "$(dirname "$0")/lib.sh"

command -v prometheus >/dev/null 2>&1 ||
    skip_all "prometheus not installed (Debian package prometheus)"
require_weir
"$WEIR" --help 2>&1 | grep -q -- '--exporter' ||
    skip_all "weir built without the exporter (configure --without-exporter, or no libmicrohttpd-dev)"
require_tool python3 "prom_check.py"
python3 -c 'import yaml' 2>/dev/null || {
    echo "FAIL: python3-yaml missing (README's test command installs it)"
    exit 1
}

CHECK=$TESTS_DIR/e2e/prom_check.py
CONTRIB=$TESTS_DIR/../contrib/prometheus
SERVER_TIMEOUT=$((E2E_DEADLINE - 5))
# Scrape interval (and timeout) of every job. A probe's test is 1 s; the
# exporter answers within the timeout Prometheus sends it (4.5 s of 5,
# ending a test that would not) and a scrape Prometheus gives up on ends
# its test: room for a slow (ASan, loaded) start.
INTERVAL=5s

# The modules file (docs/exporter.md): the modules contrib's jobs name,
# default (tcp) and udp, as 1 s tests; probes run at once and again within
# a scrape interval without waiting.
modules_file() {
    cat >"$1" <<'EOF'
# tests/e2e/prometheus.sh
[exporter]
max_concurrent = 4
min_interval = 0s
allow = 127.0.0.0/8

[module default]
transport = tcp
time = 1s

[module udp]
transport = udp
bitrate = 10M
time = 1s
EOF
}

script_listener weir-tcp "$WEIR" -s -B 127.0.0.2 -p @PORT@ --max-tests 2
TCP=127.0.0.2:$PORT
script_listener weir-udp "$WEIR" -s -B 127.0.0.3 -p @PORT@ --max-tests 2
UDP=127.0.0.3:$PORT
# Nothing listens there: a port no socket uses.
CLOSED=127.0.0.5:$(free_port)
# Without iperf3 (interop cases skip, as elsewhere), three targets.
IPERF=none
if have_iperf3; then
    script_listener iperf3 "$IPERF3" -s -B 127.0.0.4 -p @PORT@
    IPERF=127.0.0.4:$PORT
fi
PROBED=("$TCP" "$UDP" "$CLOSED")
TCP_JOB=$TCP,$CLOSED
if [ "$IPERF" != none ]; then
    PROBED+=("$IPERF")
    TCP_JOB+=,$IPERF
fi

modules_file "$E2E_TMP/modules.conf"
start_exporter exporter --exporter-config "$E2E_TMP/modules.conf" || exit 1
EXPORTER=127.0.0.1:$XPORT
EXPORTER_ERR=$SERVER_ERR

if ! python3 "$CHECK" config "$CONTRIB/prometheus.yml" "$E2E_TMP/prometheus.yml" "$EXPORTER" "$INTERVAL" \
        "weir-tcp=$TCP_JOB" "weir-udp=$UDP" >"$E2E_TMP/config.out" 2>&1; then
    fail_shown "contrib/prometheus/prometheus.yml made into the test's config" "$E2E_TMP/config.out"
    finish
fi
mkdir "$E2E_TMP/tsdb"
script_listener prometheus prometheus --config.file="$E2E_TMP/prometheus.yml" \
    --storage.tsdb.path="$E2E_TMP/tsdb" --web.listen-address=127.0.0.1:@PORT@ --log.level=warn
PROM=http://127.0.0.1:$PORT
PROM_ERR=$SERVER_ERR

# Two rounds of the 5 s interval, from a random offset: 10 to 15 s, more
# when probes run slow; 60 s at most.
if run_bounded "$E2E_TMP/wait.out" "$E2E_TMP/wait.err" \
        python3 "$CHECK" wait "$PROM" 2 60 "${PROBED[@]}" && [ "$RUN_RC" -eq 0 ]; then
    pass_check "Prometheus scraped each of the ${#PROBED[@]} probe targets twice"
else
    fail_shown "Prometheus scraped each of the ${#PROBED[@]} probe targets twice" "$E2E_TMP/wait.out" \
        "$E2E_TMP/wait.err" "$EXPORTER_ERR" "$PROM_ERR"
fi

python3 "$CHECK" check "$PROM" "$TCP" "$UDP" "$IPERF" "$CLOSED" >"$E2E_TMP/check.out" 2>"$E2E_TMP/check.err"
failed=0
while IFS='|' read -r verdict name why; do
    case $verdict in
        ok) pass_check "$name" ;;
        fail) fail_check "$name" "$why"; failed=1 ;;
        skip) skip_check "$name" "$why" ;;
    esac
done <"$E2E_TMP/check.out"
[ -s "$E2E_TMP/check.out" ] || { fail_shown "prom_check.py check printed nothing" "$E2E_TMP/check.err"; failed=1; }
if [ "$failed" -ne 0 ]; then
    # What the exporter answers for each target, as evidence.
    for t in "${PROBED[@]}"; do
        m=default
        [ "$t" = "$UDP" ] && m=udp
        echo "    --- GET /probe?target=$t&module=$m"
        timeout 20 python3 -c 'import sys, urllib.request
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=15); print(r.status); print(r.read().decode()[:1500])
except Exception as e: print(e)' "http://$EXPORTER/probe?target=$t&module=$m" | sed 's/^/    | /'
    done
    show_files "$EXPORTER_ERR" "$PROM_ERR"
fi

finish
