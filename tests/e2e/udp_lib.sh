# shellcheck shell=bash
# Shared by udp_interop.sh, udp_netns.sh, udp_pacing.sh, udp_bad.sh,
# udp_dontfrag.sh and reverse_loss.sh (sourced, not run).
#
# Environment (set by `make check`, see tests/Makefile.am; defaults find a
# built tree next to the sources): WEIR, WEIR_PLUGIN_PATH, TESTS_DIR.
# A script sets UDP_DEADLINE (seconds for the whole script) before sourcing;
# E2E_DEADLINE overrides it.
#
# Conventions: the script re-runs itself under
# timeout(1); a private temporary directory; processes started in the
# background are remembered by PID and only those are killed; one line
# "PASS: name", "FAIL: name" or "SKIP: name (why)" per case; exit 0, 1, or
# 77 when nothing could run.
if [ -z "${_UDP_E2E_UNDER_TIMEOUT:-}" ]; then
    export _UDP_E2E_UNDER_TIMEOUT=1
    exec timeout -k 5 "${E2E_DEADLINE:-${UDP_DEADLINE:-60}}" bash "$0" "$@"
fi
set -u

TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
WEIR=${WEIR:-$TESTS_DIR/../src/weir}
: "${WEIR_PLUGIN_PATH:=$TESTS_DIR/../plugins/tcp/.libs:$TESTS_DIR/../plugins/text/.libs:$TESTS_DIR/../plugins/json/.libs}"
case ":$WEIR_PLUGIN_PATH:" in
    *"/plugins/udp/.libs:"*) ;;
    *) WEIR_PLUGIN_PATH=$WEIR_PLUGIN_PATH:$TESTS_DIR/../plugins/udp/.libs ;;
esac
export WEIR_PLUGIN_PATH

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-udp-e2e.XXXXXX") || exit 99
PIDS="" PASSED=0 FAILED=0 SKIPPED=0 CASE_FAILED=0 CASE_SKIP="" CASE_DIR=$TMP

# A script may set EXTRA_CLEANUP to a command run first on exit.
EXTRA_CLEANUP=:

stop_pids() {
    local pid
    for pid in $PIDS; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in $PIDS; do
        wait "$pid" 2>/dev/null
    done
    PIDS=""
}
trap 'stop_pids; $EXTRA_CLEANUP; rm -rf "$TMP"' EXIT
trap 'echo "FAIL: interrupted (deadline or signal)"; exit 1' INT TERM HUP

fail() {
    CASE_FAILED=1
    printf '    %s\n' "$*"
    return 1
}

skip_case() { CASE_SKIP=$*; }

# run_case NAME FUNC ARGS...: FUNC runs with CASE_DIR a fresh directory; on
# failure the files it left there are shown (last lines).
run_case() {
    local name=$1 f
    shift
    CASE_FAILED=0 CASE_SKIP=""
    CASE_DIR=$(mktemp -d "$TMP/case.XXXXXX")
    "$@"
    stop_pids
    if [ -n "$CASE_SKIP" ]; then
        echo "SKIP: $name ($CASE_SKIP)"
        SKIPPED=$((SKIPPED + 1))
    elif [ "$CASE_FAILED" -ne 0 ]; then
        echo "FAIL: $name"
        for f in "$CASE_DIR"/*; do
            [ -s "$f" ] || continue
            echo "    --- ${f##*/} (last 30 lines)"
            tail -n 30 "$f" | sed 's/^/    | /'
        done
        FAILED=$((FAILED + 1))
    else
        echo "PASS: $name"
        PASSED=$((PASSED + 1))
    fi
}

finish() {
    echo "# passed $PASSED, failed $FAILED, skipped $SKIPPED"
    [ "$FAILED" -eq 0 ] || exit 1
    [ "$PASSED" -gt 0 ] || exit 77
    exit 0
}

skip_all() {
    echo "SKIP: $*"
    exit 77
}

require_tools() {
    local t
    for t in jq python3 timeout; do
        command -v "$t" >/dev/null 2>&1 || skip_all "$t not installed"
    done
    [ -x "$WEIR" ] || { echo "FAIL: weir binary not found at $WEIR"; exit 99; }
}

json_get() { jq -r "$2" "$1" 2>/dev/null; }

expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# expect_int OP WHAT A B
expect_int() {
    local op=$1 what=$2 a=$3 b=$4
    case $a in ''|*[!0-9-]*) fail "$what: '$a' is not an integer"; return 1 ;; esac
    case $b in ''|*[!0-9-]*) fail "$what: '$b' is not an integer"; return 1 ;; esac
    test "$a" "$op" "$b" || fail "$what: $a $op $b does not hold"
}

# json_doc FILE LABEL: a JSON document with start/intervals/end, no error.
json_doc() {
    jq -e '(.start|type) == "object" and (.intervals|type) == "array" and (.end|type) == "object"' \
        "$1" >/dev/null 2>&1 || { fail "$2: not a JSON document with start/intervals/end"; return 1; }
    local err
    err=$(json_get "$1" '.error // empty')
    [ -z "$err" ] || { fail "$2: JSON has \"error\": $err"; return 1; }
}

# free_port: a port free for both TCP (control) and UDP (data), below the
# ephemeral range so that no client socket takes it meanwhile.
free_port() {
    python3 - <<'PY'
import random, socket
lo = 32768
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    pass
def free(p):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET6, kind)
        try:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", p))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(200):
    p = random.randint(10000, max(10001, lo - 1))
    if free(p):
        print(p)
        raise SystemExit(0)
print(0)
PY
}

# port_listening PORT [PREFIX...]: is a TCP socket listening on PORT? With
# a prefix command (ip netns exec NS), in that namespace.
port_listening() {
    local hex port=$1
    shift
    hex=$(printf '%04X' "$port")
    "$@" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v h="$hex" '{ split($2, a, ":"); if (a[2] == h && $4 == "0A") f = 1 } END { exit !f }'
}

# start_bg NAME SECONDS CMD...: CMD in the background under timeout, output
# in $CASE_DIR/NAME.out and NAME.err. Sets BG_PID.
start_bg() {
    local name=$1 secs=$2
    shift 2
    timeout -k 3 "$secs" "$@" >"$CASE_DIR/$name.out" 2>"$CASE_DIR/$name.err" </dev/null &
    BG_PID=$!
    PIDS="$PIDS $BG_PID"
}

# wait_listening PORT PID [PREFIX...]: until PORT listens (10 s at most)
# or PID died.
wait_listening() {
    local port=$1 pid=$2 i
    shift 2
    for i in $(seq 200); do
        port_listening "$port" "$@" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# start_server KIND ARGS...: `weir -s` (KIND weir) or `iperf3 -s` (KIND
# iperf3) with ARGS on a free port (retried if the bind raced with
# someone), under SERVER_TIMEOUT. Sets PORT, SERVER_PID, SRV (its stdout).
start_server() {
    local kind=$1 bin attempt
    shift
    if [ "$kind" = weir ]; then bin=$WEIR; else bin=$IPERF3; fi
    for attempt in 1 2 3; do
        PORT=$(free_port)
        start_bg server "${SERVER_TIMEOUT:-40}" "$bin" -s -p "$PORT" "$@"
        SERVER_PID=$BG_PID SRV=$CASE_DIR/server.out
        wait_listening "$PORT" "$SERVER_PID" && return 0
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    done
    fail "$kind server did not start listening"
}

start_weir_server() { start_server weir "$@"; }

# kernel_has_udp_gso: does this kernel take UDP_SEGMENT (Linux 4.18+)?
kernel_has_udp_gso() {
    python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.getsockopt(socket.IPPROTO_UDP, 103)   # UDP_SEGMENT
' 2>/dev/null
}

# netns_up PREFIX: a network namespace PREFIX-PID of our own with lo up,
# deleted on exit (EXTRA_CLEANUP); the whole script skips (77) when ip,
# nft or the namespace are missing. Sets NS and IN_NS (the command prefix).
NS_MADE=0
netns_cleanup() {
    [ "$NS_MADE" = 1 ] || return 0
    stop_pids
    ip netns del "$NS" 2>/dev/null
    NS_MADE=0
}
netns_up() {
    local out
    command -v ip >/dev/null 2>&1 || skip_all "ip (iproute2) not installed"
    command -v nft >/dev/null 2>&1 || skip_all "nft not installed (Debian package nftables)"
    NS=$1-$$
    EXTRA_CLEANUP=netns_cleanup
    if ! out=$(ip netns add "$NS" 2>&1); then
        skip_all "cannot create a network namespace (needs root / CAP_SYS_ADMIN): $out"
    fi
    NS_MADE=1
    IN_NS=(ip netns exec "$NS")
    if ! out=$(ip -n "$NS" link set lo up 2>&1); then
        echo "FAIL: bringing up lo in $NS: $out"
        exit 1
    fi
}
