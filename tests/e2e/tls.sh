#!/usr/bin/env bash
# The tls transport through the real binary, real loader and real sockets on
# loopback (tests/e2e/tls_peer.py plays the hostile peers and compares -J
# documents).
#
#   1. data: one-off servers with a CA-issued certificate (made here with the
#      openssl command), clients that trust the CA; -t, -R, --bidir, -P 4,
#      -n, -k, -O, -w, -M, -N, -C reno, TLS 1.2 with ChaCha20; both ends' -J
#      documents, whose counts must agree and which name each stream's TLS
#      version and cipher (start.weir.streams[].tls).
#   2. one long-running server with its ephemeral self-signed certificate:
#      untrusted (one clear line, exit 1), pinned with the fingerprint the
#      server printed, --tls-insecure (warns), a wrong pin, a wrong CA,
#      --tls-version 1.2 against 1.3, plain text after the cookie, a stalled
#      handshake -- and after each failure the server serves the next client.
#   3. mutual TLS: --tls-verify-client; no client certificate, one from
#      another CA, --tls-sni.
#   4. Debian's iperf3 -s: "needs a weir server", exit 1, no data.
#   5. --loopback.
# Never asserts speed. Bounded: every process runs under timeout; about 60 s.
set -u

TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
WEIR=${WEIR:-$TESTS_DIR/../core/weir}
if [ -z "${WEIR_PLUGIN_PATH:-}" ]; then
    b=$TESTS_DIR/../plugins
    WEIR_PLUGIN_PATH=$b/tcp/.libs:$b/tls/.libs:$b/text/.libs:$b/json/.libs
fi
export WEIR_PLUGIN_PATH
IPERF3=${IPERF3:-$(command -v iperf3 || true)}
PEER=$TESTS_DIR/e2e/tls_peer.py

for tool in python3 openssl timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found; tls.sh needs it"
        exit 77
    fi
done
if [ ! -x "$WEIR" ]; then
    echo "FAIL: weir binary not found at $WEIR"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weir-tls.XXXXXX")
failures=0
passes=0
STARTED_PIDS=

cleanup() {
    local p
    for p in $STARTED_PIDS; do
        kill -TERM "$p" 2>/dev/null
    done
    sleep 0.2
    for p in $STARTED_PIDS; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "PASS: $1"; passes=$((passes + 1)); }
fail() {
    echo "FAIL: $1"
    failures=$((failures + 1))
    local f
    for f in "${@:2}"; do
        [ -s "$f" ] && sed 's/^/    | /' "$f" | tail -n 15
    done
}

freeport() { python3 "$PEER" freeport; }

# Is something listening on TCP port $1? (/proc, so that checking does not
# connect, which a one-off server would take for its client.)
listening() {
    local hex
    hex=$(printf ':%04X ' "$1")
    grep -q "${hex}[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

wait_listening() {      # PORT PID
    local n=0
    while [ $n -lt 100 ]; do
        listening "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
        n=$((n + 1))
    done
    return 1
}

# start_server NAME PORT ARGS...: weir -s in the background; sets SPID.
SPID=
start_server() {
    local name=$1 port=$2
    shift 2
    timeout 110 "$WEIR" -s -p "$port" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    SPID=$!
    STARTED_PIDS="$STARTED_PIDS $SPID"
    wait_listening "$port" "$SPID"
}

# client NAME ARGS...: weir -c 127.0.0.1 ARGS, bounded; RC is its status.
RC=
client() {
    local name=$1
    shift
    timeout 40 "$WEIR" -c 127.0.0.1 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    RC=$?
}

has() { grep -q -e "$2" "$tmp/$1"; }

# wait_line FILE REGEX TENTHS
wait_line() {
    local n=0
    while [ $n -lt "$3" ]; do
        grep -q -E -e "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}

# ---------------------------------------------------------------- certificates
make_certs() {
    local ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    (
        cd "$tmp" || exit 1
        # shellcheck disable=SC2086
        openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=weir-test-ca \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
        openssl req -x509 $ec -keyout ca2.key -out ca2.pem -days 2 -subj /CN=weir-other-ca \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
        openssl req $ec -keyout srv.key -out srv.csr -subj /CN=localhost &&
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext &&
        openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile srv.ext -out srv.pem &&
        printf 'extendedKeyUsage=clientAuth\n' >cli.ext &&
        openssl req $ec -keyout cli.key -out cli.csr -subj /CN=weir-client &&
        openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile cli.ext -out cli.pem &&
        openssl req $ec -keyout cli2.key -out cli2.csr -subj /CN=weir-stranger &&
        openssl x509 -req -in cli2.csr -CA ca2.pem -CAkey ca2.key -CAcreateserial -days 2 \
            -extfile cli.ext -out cli2.pem
    ) >"$tmp/openssl.log" 2>&1
}
if ! make_certs; then
    fail "making test certificates with openssl" "$tmp/openssl.log"
    exit 1
fi
SRV_CERT=(--tls-cert="$tmp/srv.pem" --tls-key="$tmp/srv.key")

# ---------------------------------------------------------------- 1. data
# data_case NAME MODE "CLIENT ARGS" [checks...]
data_case() {
    local name=$1 mode=$2 args=$3
    shift 3
    local port
    port=$(freeport)
    if ! start_server "$name-s" "$port" -1 -J --transport tls "${SRV_CERT[@]}"; then
        fail "$name: server did not start" "$tmp/$name-s.err"
        return
    fi
    # shellcheck disable=SC2086
    client "$name" -p "$port" -J --transport tls --tls-ca="$tmp/ca.pem" $args
    local crc=$RC
    wait "$SPID" 2>/dev/null
    local src=$?
    if [ "$crc" != 0 ] || [ "$src" != 0 ]; then
        fail "$name ($args): client exit $crc, server exit $src" "$tmp/$name.err" "$tmp/$name-s.err"
        return
    fi
    if python3 "$PEER" counts "$tmp/$name.out" "$tmp/$name-s.out" "$mode" "$@" >"$tmp/$name.why" 2>&1; then
        pass "$name ($args): exit 0, both ends' counts agree, TLS facts in start.weir"
    else
        fail "$name ($args)" "$tmp/$name.why"
    fi
}

data_case t2     normal  "-t 2" version=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256
data_case rev    reverse "-R -t 1"
data_case bidir  bidir   "--bidir -t 1"
data_case p4     normal  "-P 4 -t 1"
data_case n10m   normal  "-n 10M" bytes=10485760
data_case k100   normal  "-k 100" blocks=100:131072
# Records smaller than the read-ahead buffer: many per read(), drained from
# what OpenSSL holds (tls_io.c).
data_case l1000  normal  "-l 1000 -k 3000" blocks=3000:1000
data_case omit   normal  "-O 1 -t 1"
data_case w256k  normal  "-w 256K -t 1"
data_case mss    normal  "-M 1400 -t 1"
data_case nodel  normal  "-N -t 1"
data_case reno   normal  "-C reno -t 1" congestion=reno

# TLS 1.2 on both ends, ChaCha20.
port=$(freeport)
start_server v12-s "$port" -1 -J --transport tls --tls-version=1.2 "${SRV_CERT[@]}"
client v12 -p "$port" -J --transport tls --tls-ca="$tmp/ca.pem" --tls-version=1.2 \
    --tls-ciphers=ECDHE-ECDSA-CHACHA20-POLY1305 -t 1
wait "$SPID" 2>/dev/null
if [ "$RC" = 0 ] && python3 "$PEER" counts "$tmp/v12.out" "$tmp/v12-s.out" normal \
       version=TLSv1.2 cipher=ECDHE-ECDSA-CHACHA20-POLY1305 >"$tmp/v12.why" 2>&1; then
    pass "--tls-version 1.2 on both ends, ChaCha20"
else
    fail "--tls-version 1.2 on both ends (exit $RC)" "$tmp/v12.err" "$tmp/v12-s.err" "$tmp/v12.why"
fi

# ---------------------------------------------------------------- 2. self-signed
P1=$(freeport)
if ! start_server eph "$P1" --transport tls; then
    fail "the self-signed server did not start" "$tmp/eph.err"
    exit 1
fi
EPH=$SPID

# Still serving: a client that trusts the server by its pin moves data.
FP=
serves() {
    client "serves-$1" -p "$P1" --transport tls --tls-fingerprint="$FP" -t 1
    if [ "$RC" = 0 ] && has "serves-$1.out" "receiver"; then
        pass "the server still serves after: $1"
    else
        fail "the server stopped serving after: $1 (exit $RC)" "$tmp/serves-$1.err" "$tmp/eph.err"
    fi
}

client untrusted -p "$P1" --transport tls -t 1
if [ "$RC" = 1 ] && [ "$(wc -l <"$tmp/untrusted.err")" = 1 ] &&
   has untrusted.err "error - unable to connect stream: TLS handshake with 127.0.0.1 failed: the server's certificate is not trusted" &&
   ! has untrusted.out " sec "; then
    pass "untrusted self-signed certificate: exit 1, one clear line, no data"
else
    fail "untrusted self-signed certificate (exit $RC)" "$tmp/untrusted.err" "$tmp/untrusted.out"
fi

# The server prints its fingerprint (at start when the core has the
# server_start hook, else when its first TLS client arrives).
if wait_line "$tmp/eph.err" "TLS certificate SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}" 50; then
    FP=$(grep -o -E "fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}" "$tmp/eph.err" | head -n 1 | cut -d' ' -f2)
    pass "the server printed its certificate's SHA-256 fingerprint"
else
    fail "no fingerprint line from the server" "$tmp/eph.err"
    exit 1
fi
if has untrusted.err "$FP"; then
    pass "the refusing client names the fingerprint it was shown"
else
    fail "the refusing client does not show the server's fingerprint" "$tmp/untrusted.err"
fi
serves "an untrusting client"

client pinned -p "$P1" --transport tls --tls-fingerprint="$FP" -t 2 -i 1
if [ "$RC" = 0 ] && has pinned.out "receiver" && [ "$(grep -c ' sec ' "$tmp/pinned.out")" -ge 4 ]; then
    pass "pinned fingerprint: exit 0, intervals and summary"
else
    fail "pinned fingerprint (exit $RC)" "$tmp/pinned.err" "$tmp/pinned.out"
fi
# Without colons, lower case, the option's value as a separate argument
# (last on the line: see the report about the core's first option pass).
bare=$(printf '%s' "$FP" | tr -d ':' | tr 'A-F' 'a-f')
client pinned2 -p "$P1" --transport tls -t 1 -R --tls-fingerprint "$bare"
if [ "$RC" = 0 ] && has pinned2.out "receiver"; then
    pass "pinned fingerprint without colons, lower case, -R"
else
    fail "pinned fingerprint without colons (exit $RC)" "$tmp/pinned2.err"
fi

client insecure -p "$P1" --transport tls --tls-insecure -t 1
if [ "$RC" = 0 ] && has insecure.err "warning - --tls-insecure: the server's certificate is not verified"; then
    pass "--tls-insecure: exit 0 with a warning"
else
    fail "--tls-insecure (exit $RC)" "$tmp/insecure.err"
fi

wrong=$(printf '%s' "$FP" | tr '0-9A-F' '1-9A-F0')
client wrongpin -p "$P1" --transport tls --tls-fingerprint="$wrong" -t 1
if [ "$RC" = 1 ] && [ "$(wc -l <"$tmp/wrongpin.err")" = 1 ] &&
   has wrongpin.err "not the one given with --tls-fingerprint"; then
    pass "wrong fingerprint: exit 1, one clear line"
else
    fail "wrong fingerprint (exit $RC)" "$tmp/wrongpin.err"
fi

client wrongca -p "$P1" --transport tls --tls-ca="$tmp/ca.pem" -t 1
if [ "$RC" = 1 ] && has wrongca.err "not trusted"; then
    pass "a CA that did not issue the server's certificate: exit 1"
else
    fail "wrong CA (exit $RC)" "$tmp/wrongca.err"
fi

client v12on13 -p "$P1" --transport tls --tls-version=1.2 --tls-fingerprint="$FP" -t 1
if [ "$RC" = 1 ] && has v12on13.err "both ends need the same --tls-version" &&
   wait_line "$tmp/eph.err" "unsupported protocol; both ends need the same --tls-version" 20; then
    pass "--tls-version 1.2 against a 1.3-only server: clear error on both ends"
else
    fail "--tls-version mismatch (exit $RC)" "$tmp/v12on13.err" "$tmp/eph.err"
fi
serves "a version mismatch"

if timeout 30 python3 "$PEER" garbage --port "$P1" --timeout 25 >"$tmp/garbage.txt" 2>&1 &&
   grep -q "^ACCEPTED yes" "$tmp/garbage.txt" && grep -q "^ANSWER fe" "$tmp/garbage.txt" &&
   awk '/^ELAPSED/ { exit !($2 < 5) }' "$tmp/garbage.txt" &&
   wait_line "$tmp/eph.err" "the client did not start TLS" 20; then
    pass "plain text after the cookie: SERVER_ERROR at once, the server says why"
else
    fail "plain text after the cookie" "$tmp/garbage.txt" "$tmp/eph.err"
fi
serves "plain text after the cookie"

if timeout 40 python3 "$PEER" stall --port "$P1" --timeout 35 >"$tmp/stall.txt" 2>&1 &&
   grep -q "^ANSWER fe" "$tmp/stall.txt" &&
   awk '/^ELAPSED/ { exit !($2 >= 5 && $2 < 20) }' "$tmp/stall.txt" &&
   wait_line "$tmp/eph.err" "did not complete the TLS handshake within" 20; then
    pass "stalled handshake: SERVER_ERROR within the stream timeout ($(awk '/^ELAPSED/ {print $2}' "$tmp/stall.txt") s)"
else
    fail "stalled handshake" "$tmp/stall.txt" "$tmp/eph.err"
fi
serves "a stalled handshake"

client pinnedJ -p "$P1" --transport tls --tls-fingerprint="$FP" -t 1 -J
if [ "$RC" = 0 ] && python3 - "$tmp/pinnedJ.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["start"]["test_start"]["protocol"] == "TCP"
assert d["start"]["weir"]["transport"] == "tls"
assert d["end"]["sum_received"]["bytes"] > 0
EOF
then
    pass "-J: protocol TCP, start.weir.transport tls"
else
    fail "-J against the self-signed server (exit $RC)" "$tmp/pinnedJ.err"
fi

if kill -0 "$EPH" 2>/dev/null; then
    pass "the self-signed server is still running"
else
    fail "the self-signed server died" "$tmp/eph.err"
fi

# ---------------------------------------------------------------- 3. mutual TLS
P2=$(freeport)
if start_server mtls "$P2" --transport tls "${SRV_CERT[@]}" --tls-verify-client="$tmp/ca.pem"; then
    client mtls-ok -p "$P2" --transport tls --tls-ca="$tmp/ca.pem" \
        --tls-client-cert="$tmp/cli.pem" --tls-client-key="$tmp/cli.key" -t 1 -P 2
    if [ "$RC" = 0 ] && has mtls-ok.out "receiver"; then
        pass "mutual TLS: CA-verified server, client certificate accepted"
    else
        fail "mutual TLS (exit $RC)" "$tmp/mtls-ok.err" "$tmp/mtls.err"
    fi

    client mtls-none -p "$P2" --transport tls --tls-ca="$tmp/ca.pem" -t 1
    if [ "$RC" = 1 ] && has mtls-none.err "requires a client certificate" &&
       wait_line "$tmp/mtls.err" "the client sent no certificate" 20; then
        pass "mutual TLS without a client certificate: clear error on both ends"
    else
        fail "mutual TLS without a client certificate (exit $RC)" "$tmp/mtls-none.err" "$tmp/mtls.err"
    fi

    client mtls-other -p "$P2" --transport tls --tls-ca="$tmp/ca.pem" \
        --tls-client-cert="$tmp/cli2.pem" --tls-client-key="$tmp/cli2.key" -t 1
    if [ "$RC" = 1 ] && has mtls-other.err "does not accept this client's certificate" &&
       wait_line "$tmp/mtls.err" "the client's certificate is not trusted" 20; then
        pass "mutual TLS with a certificate from another CA: refused, both ends say why"
    else
        fail "mutual TLS, other CA (exit $RC)" "$tmp/mtls-other.err" "$tmp/mtls.err"
    fi

    client mtls-sni -p "$P2" --transport tls --tls-ca="$tmp/ca.pem" --tls-sni=localhost \
        --tls-client-cert="$tmp/cli.pem" --tls-client-key="$tmp/cli.key" -t 1
    if [ "$RC" = 0 ]; then
        pass "--tls-sni localhost (a name the certificate lists)"
    else
        fail "--tls-sni localhost (exit $RC)" "$tmp/mtls-sni.err"
    fi

    client mtls-badsni -p "$P2" --transport tls --tls-ca="$tmp/ca.pem" --tls-sni=wrong.example \
        --tls-client-cert="$tmp/cli.pem" --tls-client-key="$tmp/cli.key" -t 1
    if [ "$RC" = 1 ] && has mtls-badsni.err "hostname mismatch"; then
        pass "--tls-sni with a name the certificate does not list: refused"
    else
        fail "--tls-sni wrong.example (exit $RC)" "$tmp/mtls-badsni.err"
    fi
else
    fail "the mutual-TLS server did not start" "$tmp/mtls.err"
fi

# ---------------------------------------------------------------- 4. iperf3
if [ -n "$IPERF3" ] && [ -x "$IPERF3" ]; then
    P4=$(freeport)
    timeout 60 "$IPERF3" -s -1 -p "$P4" >"$tmp/iperf3.out" 2>&1 &
    IP=$!
    STARTED_PIDS="$STARTED_PIDS $IP"
    if wait_listening "$P4" "$IP"; then
        client vsiperf3 -p "$P4" --transport tls --tls-insecure -t 1
        if [ "$RC" = 1 ] && has vsiperf3.err "needs a weir server" && ! has vsiperf3.out " sec "; then
            pass "against iperf3 -s: exit 1, \"needs a weir server\", no data"
        else
            fail "against iperf3 -s (exit $RC)" "$tmp/vsiperf3.err" "$tmp/vsiperf3.out"
        fi
    else
        fail "iperf3 -s did not start" "$tmp/iperf3.out"
    fi
    kill -TERM "$IP" 2>/dev/null
    wait "$IP" 2>/dev/null
else
    echo "SKIP: no iperf3; the plain-iperf3-server case is not run"
fi

# ---------------------------------------------------------------- 5. loopback
timeout 30 "$WEIR" --loopback --transport tls -t 1 >"$tmp/lo.out" 2>"$tmp/lo.err"
RC=$?
if [ "$RC" = 0 ] && has lo.out "receiver"; then
    pass "--loopback --transport tls (the process trusts its own ephemeral certificate)"
else
    fail "--loopback --transport tls (exit $RC)" "$tmp/lo.err"
fi

# -V shows what the transport negotiated for each stream.
timeout 30 "$WEIR" --loopback --transport tls -t 1 -V -P 2 >"$tmp/lov.out" 2>"$tmp/lov.err"
RC=$?
if [ "$RC" = 0 ] && [ "$(grep -cE '^\[ *[0-9]+\] tls: version TLSv1\.3, cipher TLS_AES_128_GCM_SHA256, ktls_send (yes|no), ktls_recv (yes|no), handshake_ms [0-9.]+$' "$tmp/lov.out")" = 2 ]; then
    pass "-V prints each stream's TLS version, cipher, kTLS state and handshake time"
else
    fail "-V TLS lines (exit $RC)" "$tmp/lov.out"
fi

echo "tls.sh: $passes passed, $failures failed"
[ "$failures" = 0 ]
