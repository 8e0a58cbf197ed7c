#!/usr/bin/env bash
# weir --exporter against hostile HTTP clients, then a soak. Cases (the
# checks are in exporter_hostile.py; after each hostile case the exporter
# must still answer /-/healthy and a real probe):
#   headers     a 1 MiB header, 20000 headers, a 256 KiB URL: 4xx or closed
#   slowloris   200 connections from one address sending a byte a second:
#               others are served meanwhile, and all 200 are closed in time
#   disallowed  targets outside the allow-list: 403
#   overflow    thousands of parameters, repeated ones, absurd values: 400
#               (or, within a type's range, clamped to the module's limits)
#   malformed   broken request lines, framing and methods: refused or closed;
#               connections that send no request: closed by the idle timeout
#   limits      min_interval (429) and queue_timeout (503) on purpose
#   soak        SOAK_PROBES (1000) probes six at a time: passing (a weir
#               server), failing (a closed port), refused (403, 400),
#               timed out (a listener that never answers, within a 3 s
#               scrape timeout) and abandoned (their client leaves after
#               0.5 s: their test is ended); the exporter's
#               descriptors must not grow after a warm-up, its memory by
#               less than SOAK_RSS_SLACK_KB (8 MiB; not judged under ASan),
#               and no probe process may outlive the soak.
# Targets are on 127.0.0.0/8, the exporter's allow-list. About 1-2 min.
: "${E2E_DEADLINE:=300}"
. "$(dirname "$0")/lib.sh"

require_weir
"$WEIR" --help 2>&1 | grep -q -- '--exporter' ||
    skip_all "weir built without the exporter (configure --without-exporter, or no libmicrohttpd-dev)"
require_tool python3 "exporter_hostile.py"

DRIVER=$TESTS_DIR/e2e/exporter_hostile.py
SOAK_PROBES=${SOAK_PROBES:-1000}
SOAK_RSS_SLACK_KB=${SOAK_RSS_SLACK_KB:-8192}
SERVER_TIMEOUT=$((E2E_DEADLINE - 5))
# How long slowloris may hold its connections, and a connection that sends
# nothing may stay open: the exporter's limits (a whole request within
# 10 s, 15 s of silence) and a margin.
SLOWLORIS_BOUND=${SLOWLORIS_BOUND:-30}
IDLE_BOUND=${IDLE_BOUND:-25}
if ldd "$WEIR" 2>/dev/null | grep -q libasan; then
    SOAK_RSS_SLACK_KB=-1
fi

# modules_file FILE MAX_CONCURRENT QUEUE_TIMEOUT MIN_INTERVAL: the module
# "pass" (1 s at 10 Mbit/s: light enough for six at once on two cores),
# its time and more settable by a query; probes killed 5 s (the least
# probe_grace) after their test time.
modules_file() {
    cat >"$1" <<EOF
# tests/e2e/exporter_hostile.sh
[exporter]
max_concurrent = $2
queue_timeout = $3
min_interval = $4
probe_grace = 5s
allow = 127.0.0.0/8

[module pass]
transport = tcp
time = 1s
bitrate = 10M
transports = tcp, udp
params = time, parallel, bitrate, reverse, transport, udp
max_time = 2s
max_parallel = 4
max_bitrate = 20M
EOF
}

# run_driver CMD ARGS...: exporter_hostile.py CMD, its lines as checks.
run_driver() {
    local f=$E2E_TMP/driver.$1 verdict name why
    timeout -k 3 $((E2E_DEADLINE - 10)) python3 "$DRIVER" "$@" >"$f.out" 2>"$f.err"
    local rc=$?
    while IFS='|' read -r verdict name why; do
        case $verdict in
            ok) pass_check "$name" ;;
            fail) fail_check "$name" "$why" ;;
            info) echo "# $name" ;;
        esac
    done <"$f.out"
    if [ "$rc" -ne 0 ] || ! grep -q '^ok|\|^fail|' "$f.out"; then
        fail_shown "exporter_hostile.py $1 (exit $rc)" "$f.out" "$f.err"
    fi
}

# The targets: a weir server (serving six probes at once), a listener
# that accepts and never answers, and a port with nothing behind it.
script_listener weir-server "$WEIR" -s -B 127.0.0.2 -p @PORT@ --max-tests 8
GOOD=127.0.0.2:$PORT
script_listener silent python3 "$DRIVER" silent @PORT@
SILENT=127.0.0.1:$PORT
CLOSED=127.0.0.3:$(free_port)
CLOSED2=127.0.0.4:$(free_port)

modules_file "$E2E_TMP/modules.conf" 6 30s 0s
start_exporter exporter --exporter-config "$E2E_TMP/modules.conf" || exit 1
EXPORTER=127.0.0.1:$XPORT
EXPORTER_PID=$XPID
EXPORTER_ERR=$SERVER_ERR

run_driver headers "$EXPORTER" "$GOOD"
run_driver slowloris "$EXPORTER" "$GOOD" 200 "$SLOWLORIS_BOUND"
run_driver disallowed "$EXPORTER" "$GOOD" 192.0.2.1:5201 10.9.8.7 "[::1]:${GOOD##*:}" 198.51.100.1:80
run_driver overflow "$EXPORTER" "$GOOD" "$CLOSED"
run_driver malformed "$EXPORTER" "$GOOD" "$IDLE_BOUND"

# A second exporter, strict: one probe at a time, 1 s in the queue, 30 s
# between two probes of a target.
modules_file "$E2E_TMP/strict.conf" 1 1s 30s
start_exporter strict --exporter-config "$E2E_TMP/strict.conf" || exit 1
run_driver limits "127.0.0.1:$XPORT" "$CLOSED" "$CLOSED2" "$SILENT"
stop_pid "$XWRAP"

run_driver soak "$EXPORTER" "$EXPORTER_PID" "$SOAK_PROBES" "$GOOD" "$CLOSED" "$SILENT" 192.0.2.1:5201 \
    "$SOAK_RSS_SLACK_KB"

if ! is_running "$EXPORTER_PID"; then
    fail_shown "the exporter ran to the end" "$EXPORTER_ERR"
elif [ "$_E2E_FAILED" -ne 0 ]; then
    show_files "$EXPORTER_ERR"
fi
finish
