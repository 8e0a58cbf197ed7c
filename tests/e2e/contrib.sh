#!/usr/bin/env bash
# contrib/'s deployment examples: the Prometheus configurations pass
# `promtool check config`, the alert rules `promtool check rules` and
# their unit tests (`promtool test rules`), every Kubernetes manifest
# parses as YAML with apiVersion, kind and metadata.name, the modules
# files start an exporter, and every file there is in contrib/Makefile.am
# (so the tarball has it). contrib/weir-exporter.service.in passes
# systemd-analyze verify, and its ExecStart, with its port and paths moved
# into the test's directory, starts an exporter that SIGHUP reloads and
# SIGTERM stops. promtool comes with Debian's prometheus,
# YAML with python3-yaml; checks skip without them.
: "${E2E_DEADLINE:=120}"
. "$(dirname "$0")/lib.sh"

CONTRIB=$(cd "$TESTS_DIR/../contrib" && pwd)
PROM=$CONTRIB/prometheus
KUBE=$CONTRIB/kubernetes
CHECK=$TESTS_DIR/e2e/contrib_check.py

HAVE_PROMTOOL=
command -v promtool >/dev/null 2>&1 && HAVE_PROMTOOL=1
HAVE_YAML=
python3 -c 'import yaml' 2>/dev/null && HAVE_YAML=1

# promtool_ok NAME ARGS...: `promtool ARGS` exits 0, else FAIL with its
# output.
promtool_ok() {
    local name=$1
    shift
    if [ -z "$HAVE_PROMTOOL" ]; then
        skip_check "$name" "promtool not installed; Debian package prometheus"
        return
    fi
    run_bounded "$E2E_TMP/promtool.out" "$E2E_TMP/promtool.err" promtool "$@"
    if [ "$RUN_RC" -eq 0 ]; then
        pass_check "$name"
    else
        fail_shown "$name (promtool exit $RUN_RC)" "$E2E_TMP/promtool.out" "$E2E_TMP/promtool.err"
    fi
}

promtool_ok "promtool check config prometheus/prometheus.yml" check config "$PROM/prometheus.yml"
promtool_ok "promtool check rules prometheus/weir-alerts.yml" check rules "$PROM/weir-alerts.yml"
promtool_ok "promtool test rules prometheus/weir-alerts.test.yml" test rules "$PROM/weir-alerts.test.yml"

# Kubernetes discovery is left out of Debian's Prometheus build; its
# promtool then refuses kubernetes_sd_configs, and checks the rest of the
# file (relabelling, jobs) with one static target in their place.
kube_prometheus_config() {
    local name="promtool check config kubernetes/prometheus.yml"
    if [ -z "$HAVE_PROMTOOL" ]; then
        skip_check "$name" "promtool not installed; Debian package prometheus"
        return
    fi
    run_bounded "$E2E_TMP/kp.out" "$E2E_TMP/kp.err" promtool check config "$KUBE/prometheus.yml"
    if [ "$RUN_RC" -eq 0 ]; then
        pass_check "$name"
        return
    fi
    if ! grep -q "field kubernetes_sd_configs not found" "$E2E_TMP/kp.out" "$E2E_TMP/kp.err"; then
        fail_shown "$name (promtool exit $RUN_RC)" "$E2E_TMP/kp.out" "$E2E_TMP/kp.err"
        return
    fi
    if [ -z "$HAVE_YAML" ]; then
        skip_check "$name" "this promtool has no Kubernetes discovery, and python3-yaml is missing to check the rest"
        return
    fi
    run_bounded "$E2E_TMP/sd.out" "$E2E_TMP/sd.err" \
        python3 "$CHECK" static-sd "$KUBE/prometheus.yml" "$E2E_TMP/kube-static.yml"
    if [ "$RUN_RC" -ne 0 ]; then
        fail_shown "$name (rewriting its discovery)" "$E2E_TMP/sd.out" "$E2E_TMP/sd.err"
        return
    fi
    promtool_ok "$name (discovery as static targets: this promtool has no Kubernetes discovery)" \
        check config "$E2E_TMP/kube-static.yml"
}
kube_prometheus_config

manifests() {
    local name="kubernetes/*.yaml: YAML with apiVersion, kind, metadata.name"
    if [ -z "$HAVE_YAML" ]; then
        skip_check "$name" "python3-yaml not installed"
        return
    fi
    local files=("$KUBE"/*.yaml)
    if [ ! -e "${files[0]}" ]; then
        fail_check "$name" "no manifest in $KUBE"
        return
    fi
    run_bounded "$E2E_TMP/m.out" "$E2E_TMP/m.err" python3 "$CHECK" manifests "${files[@]}"
    if [ "$RUN_RC" -eq 0 ]; then
        pass_check "$name ($(cat "$E2E_TMP/m.out"))"
    else
        fail_shown "$name" "$E2E_TMP/m.out" "$E2E_TMP/m.err"
    fi
}
manifests

# modules_start NAME FILE: an exporter with FILE as its modules file
# starts, listens and answers /-/healthy.
modules_start() {
    start_exporter "exporter-${1//[^A-Za-z0-9.]/-}" --exporter-config "$2" || return
    pass_check "the exporter starts with $1"
    stop_pid "$XWRAP"
}

# The modules files (contrib/prometheus's, and the one in the exporter's
# ConfigMap) are ones the exporter takes.
modules_files() {
    if [ ! -x "$WEIR" ] || ! "$WEIR" --help 2>&1 | grep -q -- '--exporter-config'; then
        skip_check "the exporter starts with contrib's modules files" "no weir with --exporter at $WEIR"
        return
    fi
    modules_start prometheus/modules.conf "$PROM/modules.conf"
    if [ -z "$HAVE_YAML" ]; then
        skip_check "the exporter starts with kubernetes/weir-exporter-config.yaml's modules.conf" \
            "python3-yaml not installed"
        return
    fi
    run_bounded "$E2E_TMP/cm.out" "$E2E_TMP/cm.err" python3 "$CHECK" configmap-file \
        "$KUBE/weir-exporter-config.yaml" weir-exporter-config modules.conf "$E2E_TMP/kube-modules.conf"
    if [ "$RUN_RC" -ne 0 ]; then
        fail_shown "kubernetes/weir-exporter-config.yaml holds modules.conf" "$E2E_TMP/cm.out" "$E2E_TMP/cm.err"
        return
    fi
    modules_start "kubernetes/weir-exporter-config.yaml's modules.conf" "$E2E_TMP/kube-modules.conf"
}
modules_files

# contrib/weir-exporter.service.in: every directive known to this systemd
# (offline: verifying needs no running systemd, but may need a manager it
# cannot set up here; then that check skips).
exporter_unit_verifies() {
    local name="contrib/weir-exporter.service passes systemd-analyze verify"
    if ! command -v systemd-analyze >/dev/null 2>&1; then
        skip_check "$name" "no systemd-analyze"
        return
    fi
    run_bounded "$E2E_TMP/verify.out" "$E2E_TMP/verify.err" systemd-analyze verify --man=no "$UNIT"
    if grep -q "Failed to initialize manager\|Failed to setup working directory" "$E2E_TMP/verify.out" \
            "$E2E_TMP/verify.err"; then
        skip_check "$name" "systemd-analyze cannot run here: $(head -n 1 "$E2E_TMP/verify.err")"
    elif [ "$RUN_RC" -eq 0 ] && ! grep -q "weir-exporter.service" "$E2E_TMP/verify.out" "$E2E_TMP/verify.err"; then
        pass_check "$name"
    else
        fail_shown "$name (exit $RUN_RC)" "$E2E_TMP/verify.out" "$E2E_TMP/verify.err"
    fi
}

# The unit's ExecStart as weir runs it: its modules file, pid file and log
# in the test's directory, on a free loopback port; -D returns once it
# listens, SIGHUP (ExecReload) reloads, SIGTERM stops it, pid file gone.
exporter_unit_starts() {
    local name="weir-exporter.service's ExecStart: -D listening, reload, stop" line attempt port pid
    local -a argv
    if [ ! -x "$WEIR" ] || ! "$WEIR" --help 2>&1 | grep -q -- '--exporter-config'; then
        skip_check "$name" "no weir with --exporter at $WEIR"
        return
    fi
    line=$(sed -n 's/^ExecStart=//p' "$UNIT")
    printf '[exporter]\nallow = 127.0.0.0/8\n' >"$E2E_TMP/exporter.conf"
    line=${line//\/etc\/weir\/exporter.conf/$E2E_TMP/exporter.conf}
    line=${line//\/run\/weir-exporter\//$E2E_TMP/}
    line=${line//\/var\/log\/weir-exporter\//$E2E_TMP/}
    for attempt in 1 2 3; do
        port=$(free_port)
        read -ra argv <<<"${line/--exporter 9520 /--exporter 127.0.0.1:$port }"
        run_bounded "$E2E_TMP/unit.out" "$E2E_TMP/unit.err" "${argv[@]}"
        grep -q "Address already in use" "$E2E_TMP/unit.err" || break
    done
    if [ "$RUN_RC" -ne 0 ]; then
        fail_shown "$name (exit $RUN_RC): ${argv[*]}" "$E2E_TMP/unit.out" "$E2E_TMP/unit.err"
        return
    fi
    pid=$(cat "$E2E_TMP/weir-exporter.pid" 2>/dev/null)
    if ! is_our_weir "$pid"; then
        fail_check "$name" "the pid file names '$pid', not a running weir"
        return
    fi
    track_daemon "$pid"
    local why=""
    port_listening "$port" || why="-D returned before the exporter listened on $port"
    kill -HUP "$pid"
    [ -n "$why" ] || wait_grep "$E2E_TMP/weir-exporter.log" "reloaded /" 10 ||
        why="no 'reloaded' in the log after SIGHUP"
    kill -TERM "$pid"
    [ -n "$why" ] || wait_gone "$pid" 10 || why="SIGTERM did not stop it"
    [ -n "$why" ] || [ ! -e "$E2E_TMP/weir-exporter.pid" ] || why="the pid file is left behind"
    if [ -z "$why" ]; then
        pass_check "$name"
    else
        fail_shown "$name: $why" "$E2E_TMP/weir-exporter.log"
    fi
}

UNIT=$E2E_TMP/weir-exporter.service
sed "s|@bindir@|$(dirname "$(readlink -f "$WEIR")")|g" "$CONTRIB/weir-exporter.service.in" >"$UNIT"
exporter_unit_verifies
exporter_unit_starts

# Each file of contrib/prometheus and contrib/kubernetes is named in
# contrib/Makefile.am (EXTRA_DIST), so that make dist ships it.
dist_listed() {
    local f rel missing=""
    for f in "$PROM"/* "$KUBE"/*; do
        [ -f "$f" ] || continue
        rel=${f#"$CONTRIB"/}
        grep -qE "(^|[[:space:]])$rel([[:space:]]|\\\\|\$)" "$CONTRIB/Makefile.am" || missing="$missing $rel"
    done
    if [ -z "$missing" ]; then
        pass_check "contrib/Makefile.am lists every file of prometheus/ and kubernetes/"
    else
        fail_check "contrib/Makefile.am lists every file of prometheus/ and kubernetes/" "missing:$missing"
    fi
}
dist_listed

finish
