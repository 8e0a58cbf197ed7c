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
#      handshake, -Z and --skip-rx-copy (refused before connecting),
#      --dont-fragment (taken and ignored) -- and after each failure the
#      server serves the next client.
#   3. mutual TLS: --tls-verify-client; no client certificate, one from
#      another CA, --tls-sni.
#   4. Debian's iperf3 -s: "needs a weir server", exit 1, no data.
#   5. --loopback.
#   6. what served each test: the server's "Transport: NAME, encrypted|not
#      encrypted" line and start.weir.encrypted, for iperf3 and TLS clients;
#      --tls-required refusing iperf3, weir tcp and udp clients (iperf3's
#      "test authorization failed"; weir's one line with the reason), then
#      serving a TLS client; servers that --tls-required cannot start.
#   7. stacking: tls runs on tcp through the host (host->open_lower), so a
#      process that uses tcp itself too (--loopback --transport tcp,tls, a
#      server serving tcp and tls tests) initialises tcp once and finishes
#      it once, after tls (the host's -d lines); no plugin calls dlopen.
# Never asserts speed. Bounded: every process runs under timeout; about 60 s.
# The self-signed server serves all of section 2; a failing run waits out
# more bounds.
E2E_DEADLINE=${E2E_DEADLINE:-300}
SERVER_TIMEOUT=${SERVER_TIMEOUT:-110}
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-40}
. "$(dirname "$0")/lib.sh"

require_tool python3
require_tool openssl
require_weir
PEER=$E2E_DIR/tls_peer.py

# start_server NAME PORT ARGS...: weir -s in the background, output in
# $E2E_TMP/NAME.out and .err; sets SERVER_PID.
start_server() {
    local name=$1 port=$2
    shift 2
    start_listener "$name" "$port" "$WEIR" -s -p "$port" "$@"
}

# client NAME ARGS...: weir -c 127.0.0.1 ARGS, bounded; RC is its status.
RC=
client() {
    local name=$1
    shift
    run_when_free "$E2E_TMP/$name.out" "$E2E_TMP/$name.err" "$WEIR" -c 127.0.0.1 "$@"
    RC=$RUN_RC
}

has() { grep -q -e "$2" "$E2E_TMP/$1"; }

# ---------------------------------------------------------------- certificates
make_certs() {
    local ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    (
        cd "$E2E_TMP" || exit 1
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
    ) >"$E2E_TMP/openssl.log" 2>&1
}
if ! make_certs; then
    fail_shown "making test certificates with openssl" "$E2E_TMP/openssl.log"
    exit 1
fi
SRV_CERT=(--tls-cert="$E2E_TMP/srv.pem" --tls-key="$E2E_TMP/srv.key")

# ---------------------------------------------------------------- 1. data
# data_case NAME MODE "CLIENT ARGS" [checks...]
data_case() {
    local name=$1 mode=$2 args=$3
    shift 3
    local port
    port=$(free_port)
    if ! start_server "$name-s" "$port" -1 -J --transport tls "${SRV_CERT[@]}"; then
        fail_shown "$name: server did not start" "$E2E_TMP/$name-s.err"
        return
    fi
    # shellcheck disable=SC2086
    client "$name" -p "$port" -J --transport tls --tls-ca="$E2E_TMP/ca.pem" $args
    local crc=$RC
    wait_server
    local src=$SERVER_RC
    if [ "$crc" != 0 ] || [ "$src" != 0 ]; then
        fail_shown "$name ($args): client exit $crc, server exit $src" "$E2E_TMP/$name.err" "$E2E_TMP/$name-s.err"
        return
    fi
    if python3 "$PEER" counts "$E2E_TMP/$name.out" "$E2E_TMP/$name-s.out" "$mode" "$@" >"$E2E_TMP/$name.why" 2>&1; then
        pass_check "$name ($args): exit 0, both ends' counts agree, TLS facts in start.weir"
    else
        fail_shown "$name ($args)" "$E2E_TMP/$name.why"
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
port=$(free_port)
start_server v12-s "$port" -1 -J --transport tls --tls-version=1.2 "${SRV_CERT[@]}"
client v12 -p "$port" -J --transport tls --tls-ca="$E2E_TMP/ca.pem" --tls-version=1.2 \
    --tls-ciphers=ECDHE-ECDSA-CHACHA20-POLY1305 -t 1
wait_server
if [ "$RC" = 0 ] && python3 "$PEER" counts "$E2E_TMP/v12.out" "$E2E_TMP/v12-s.out" normal \
       version=TLSv1.2 cipher=ECDHE-ECDSA-CHACHA20-POLY1305 >"$E2E_TMP/v12.why" 2>&1; then
    pass_check "--tls-version 1.2 on both ends, ChaCha20"
else
    fail_shown "--tls-version 1.2 on both ends (exit $RC)" "$E2E_TMP/v12.err" "$E2E_TMP/v12-s.err" "$E2E_TMP/v12.why"
fi

# ---------------------------------------------------------------- 2. self-signed
P1=$(free_port)
if ! start_server eph "$P1" --transport tls; then
    fail_shown "the self-signed server did not start" "$E2E_TMP/eph.err"
    exit 1
fi
EPH=$SERVER_PID

# Still serving: a client that trusts the server by its pin moves data.
FP=
serves() {
    run_when_free "$E2E_TMP/serves-$1.out" "$E2E_TMP/serves-$1.err" \
        "$WEIR" -c 127.0.0.1 -p "$P1" --transport tls --tls-fingerprint="$FP" -t 1
    RC=$RUN_RC
    if [ "$RC" = 0 ] && has "serves-$1.out" "receiver"; then
        pass_check "the server still serves after: $1"
    else
        fail_shown "the server stopped serving after: $1 (exit $RC)" "$E2E_TMP/serves-$1.err" "$E2E_TMP/eph.err"
    fi
}

client untrusted -p "$P1" --transport tls -t 1
if [ "$RC" = 1 ] && [ "$(wc -l <"$E2E_TMP/untrusted.err")" = 1 ] &&
   has untrusted.err "error - unable to connect stream: TLS handshake with 127.0.0.1 failed: the server's certificate is not trusted" &&
   ! has untrusted.out " sec "; then
    pass_check "untrusted self-signed certificate: exit 1, one clear line, no data"
else
    fail_shown "untrusted self-signed certificate (exit $RC)" "$E2E_TMP/untrusted.err" "$E2E_TMP/untrusted.out"
fi

# The server prints its fingerprint (at start when the core has the
# server_start hook, else when its first TLS client arrives).
if wait_grep "$E2E_TMP/eph.err" "TLS certificate SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}" 10; then
    FP=$(grep -o -E "fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}" "$E2E_TMP/eph.err" | head -n 1 | cut -d' ' -f2)
    pass_check "the server printed its certificate's SHA-256 fingerprint"
else
    fail_shown "no fingerprint line from the server" "$E2E_TMP/eph.err"
    exit 1
fi
if has untrusted.err "$FP"; then
    pass_check "the refusing client names the fingerprint it was shown"
else
    fail_shown "the refusing client does not show the server's fingerprint" "$E2E_TMP/untrusted.err"
fi
serves "an untrusting client"

client pinned -p "$P1" --transport tls --tls-fingerprint="$FP" -t 2 -i 1
if [ "$RC" = 0 ] && has pinned.out "receiver" && [ "$(grep -c ' sec ' "$E2E_TMP/pinned.out")" -ge 4 ]; then
    pass_check "pinned fingerprint: exit 0, intervals and summary"
else
    fail_shown "pinned fingerprint (exit $RC)" "$E2E_TMP/pinned.err" "$E2E_TMP/pinned.out"
fi
# Without colons, lower case, the option's value as a separate argument
# (last on the line: see the report about the core's first option pass).
bare=$(printf '%s' "$FP" | tr -d ':' | tr 'A-F' 'a-f')
client pinned2 -p "$P1" --transport tls -t 1 -R --tls-fingerprint "$bare"
if [ "$RC" = 0 ] && has pinned2.out "receiver"; then
    pass_check "pinned fingerprint without colons, lower case, -R"
else
    fail_shown "pinned fingerprint without colons (exit $RC)" "$E2E_TMP/pinned2.err"
fi

client insecure -p "$P1" --transport tls --tls-insecure -t 1
if [ "$RC" = 0 ] && has insecure.err "warning - --tls-insecure: the server's certificate is not verified"; then
    pass_check "--tls-insecure: exit 0 with a warning"
else
    fail_shown "--tls-insecure (exit $RC)" "$E2E_TMP/insecure.err"
fi

wrong=$(printf '%s' "$FP" | tr '0-9A-F' '1-9A-F0')
client wrongpin -p "$P1" --transport tls --tls-fingerprint="$wrong" -t 1
if [ "$RC" = 1 ] && [ "$(wc -l <"$E2E_TMP/wrongpin.err")" = 1 ] &&
   has wrongpin.err "not the one given with --tls-fingerprint"; then
    pass_check "wrong fingerprint: exit 1, one clear line"
else
    fail_shown "wrong fingerprint (exit $RC)" "$E2E_TMP/wrongpin.err"
fi

client wrongca -p "$P1" --transport tls --tls-ca="$E2E_TMP/ca.pem" -t 1
if [ "$RC" = 1 ] && has wrongca.err "not trusted"; then
    pass_check "a CA that did not issue the server's certificate: exit 1"
else
    fail_shown "wrong CA (exit $RC)" "$E2E_TMP/wrongca.err"
fi

# Options the transport does not take: -Z and --skip-rx-copy cannot apply
# to a payload that goes through OpenSSL. Refused before any connection,
# in one line naming the option and the transport: the server sees no
# test (the next client's is the only one it accepts).
accepted() { grep -c "^Accepted connection from " "$E2E_TMP/eph.out"; }
for opt in -Z/--zerocopy --skip-rx-copy; do
    before=$(accepted)
    client "refused${opt%%/*}" -p "$P1" --transport tls --tls-fingerprint="$FP" -t 1 "${opt%%/*}"
    err=$E2E_TMP/refused${opt%%/*}.err
    if [ "$RC" = 1 ] && [ "$(wc -l <"$err")" = 1 ] && [ ! -s "$E2E_TMP/refused${opt%%/*}.out" ] &&
       has "refused${opt%%/*}.err" "^weir: error - .*: --transport tls does not support $opt\$"; then
        pass_check "${opt%%/*} over tls: refused before connecting, one line naming it and the transport"
    else
        fail_shown "${opt%%/*} over tls (exit $RC)" "$err" "$E2E_TMP/refused${opt%%/*}.out"
    fi
    serves "a refused ${opt%%/*}"
    if [ "$(accepted)" = $((before + 1)) ]; then
        pass_check "${opt%%/*} over tls: the server saw no connection for it"
    else
        fail_shown "${opt%%/*} over tls: the server accepted $(($(accepted) - before)) tests, want 1" "$E2E_TMP/eph.out"
    fi
done
# A weir client whose tls would take -Z (another build): the server refuses
# the test, saying why in its WEIR_ACCEPT frame and in a SERVER_ERROR.
if timeout 30 python3 "$PEER" zerocopy --port "$P1" --timeout 25 >"$E2E_TMP/zc.txt" 2>&1 &&
   grep -qx "REFUSED --transport tls does not support -Z/--zerocopy" "$E2E_TMP/zc.txt" &&
   grep -qx "CODE 13" "$E2E_TMP/zc.txt" && grep -qx "ERROR 13" "$E2E_TMP/zc.txt" &&
   wait_grep "$E2E_TMP/eph.err" "--transport tls does not support -Z/--zerocopy" 10; then
    pass_check "a peer's -Z over tls: the server refuses the test with the reason (code 13 both ways)"
else
    fail_shown "a peer's -Z over tls" "$E2E_TMP/zc.txt" "$E2E_TMP/eph.err"
fi
serves "a peer's refused -Z"
# UDP's options, which iperf3 takes with TCP and ignores, are taken.
client ignored -p "$P1" --transport tls --tls-fingerprint="$FP" -t 1 --dont-fragment --udp-counters-64bit
if [ "$RC" = 0 ] && has ignored.out "receiver"; then
    pass_check "--dont-fragment --udp-counters-64bit over tls: taken and ignored, as iperf3 does with TCP"
else
    fail_shown "--dont-fragment --udp-counters-64bit over tls (exit $RC)" "$E2E_TMP/ignored.err"
fi

client v12on13 -p "$P1" --transport tls --tls-version=1.2 --tls-fingerprint="$FP" -t 1
if [ "$RC" = 1 ] && has v12on13.err "both ends need the same --tls-version" &&
   wait_grep "$E2E_TMP/eph.err" "unsupported protocol; both ends need the same --tls-version" 10; then
    pass_check "--tls-version 1.2 against a 1.3-only server: clear error on both ends"
else
    fail_shown "--tls-version mismatch (exit $RC)" "$E2E_TMP/v12on13.err" "$E2E_TMP/eph.err"
fi
serves "a version mismatch"

if timeout 30 python3 "$PEER" garbage --port "$P1" --timeout 25 >"$E2E_TMP/garbage.txt" 2>&1 &&
   grep -q "^ACCEPTED yes" "$E2E_TMP/garbage.txt" && grep -q "^ANSWER fe" "$E2E_TMP/garbage.txt" &&
   awk '/^ELAPSED/ { exit !($2 < 5) }' "$E2E_TMP/garbage.txt" &&
   wait_grep "$E2E_TMP/eph.err" "the client did not start TLS" 10; then
    pass_check "plain text after the cookie: SERVER_ERROR at once, the server says why"
else
    fail_shown "plain text after the cookie" "$E2E_TMP/garbage.txt" "$E2E_TMP/eph.err"
fi
serves "plain text after the cookie"

if timeout 40 python3 "$PEER" stall --port "$P1" --timeout 35 >"$E2E_TMP/stall.txt" 2>&1 &&
   grep -q "^ANSWER fe" "$E2E_TMP/stall.txt" &&
   awk '/^ELAPSED/ { exit !($2 >= 5 && $2 < 20) }' "$E2E_TMP/stall.txt" &&
   wait_grep "$E2E_TMP/eph.err" "did not complete the TLS handshake within" 10; then
    pass_check "stalled handshake: SERVER_ERROR within the stream timeout ($(awk '/^ELAPSED/ {print $2}' "$E2E_TMP/stall.txt") s)"
else
    fail_shown "stalled handshake" "$E2E_TMP/stall.txt" "$E2E_TMP/eph.err"
fi
serves "a stalled handshake"

client pinnedJ -p "$P1" --transport tls --tls-fingerprint="$FP" -t 1 -J
if [ "$RC" = 0 ] && python3 - "$E2E_TMP/pinnedJ.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["start"]["test_start"]["protocol"] == "TCP"
assert d["start"]["weir"]["transport"] == "tls"
assert d["end"]["sum_received"]["bytes"] > 0
EOF
then
    pass_check "-J: protocol TCP, start.weir.transport tls"
else
    fail_shown "-J against the self-signed server (exit $RC)" "$E2E_TMP/pinnedJ.err"
fi

if is_running "$EPH"; then
    pass_check "the self-signed server is still running"
else
    fail_shown "the self-signed server died" "$E2E_TMP/eph.err"
fi

# ---------------------------------------------------------------- 3. mutual TLS
P2=$(free_port)
if start_server mtls "$P2" --transport tls "${SRV_CERT[@]}" --tls-verify-client="$E2E_TMP/ca.pem"; then
    client mtls-ok -p "$P2" --transport tls --tls-ca="$E2E_TMP/ca.pem" \
        --tls-client-cert="$E2E_TMP/cli.pem" --tls-client-key="$E2E_TMP/cli.key" -t 1 -P 2
    if [ "$RC" = 0 ] && has mtls-ok.out "receiver"; then
        pass_check "mutual TLS: CA-verified server, client certificate accepted"
    else
        fail_shown "mutual TLS (exit $RC)" "$E2E_TMP/mtls-ok.err" "$E2E_TMP/mtls.err"
    fi

    client mtls-none -p "$P2" --transport tls --tls-ca="$E2E_TMP/ca.pem" -t 1
    if [ "$RC" = 1 ] && has mtls-none.err "requires a client certificate" &&
       wait_grep "$E2E_TMP/mtls.err" "the client sent no certificate" 10; then
        pass_check "mutual TLS without a client certificate: clear error on both ends"
    else
        fail_shown "mutual TLS without a client certificate (exit $RC)" "$E2E_TMP/mtls-none.err" "$E2E_TMP/mtls.err"
    fi

    client mtls-other -p "$P2" --transport tls --tls-ca="$E2E_TMP/ca.pem" \
        --tls-client-cert="$E2E_TMP/cli2.pem" --tls-client-key="$E2E_TMP/cli2.key" -t 1
    if [ "$RC" = 1 ] && has mtls-other.err "does not accept this client's certificate" &&
       wait_grep "$E2E_TMP/mtls.err" "the client's certificate is not trusted" 10; then
        pass_check "mutual TLS with a certificate from another CA: refused, both ends say why"
    else
        fail_shown "mutual TLS, other CA (exit $RC)" "$E2E_TMP/mtls-other.err" "$E2E_TMP/mtls.err"
    fi

    client mtls-sni -p "$P2" --transport tls --tls-ca="$E2E_TMP/ca.pem" --tls-sni=localhost \
        --tls-client-cert="$E2E_TMP/cli.pem" --tls-client-key="$E2E_TMP/cli.key" -t 1
    if [ "$RC" = 0 ]; then
        pass_check "--tls-sni localhost (a name the certificate lists)"
    else
        fail_shown "--tls-sni localhost (exit $RC)" "$E2E_TMP/mtls-sni.err"
    fi

    client mtls-badsni -p "$P2" --transport tls --tls-ca="$E2E_TMP/ca.pem" --tls-sni=wrong.example \
        --tls-client-cert="$E2E_TMP/cli.pem" --tls-client-key="$E2E_TMP/cli.key" -t 1
    if [ "$RC" = 1 ] && has mtls-badsni.err "hostname mismatch"; then
        pass_check "--tls-sni with a name the certificate does not list: refused"
    else
        fail_shown "--tls-sni wrong.example (exit $RC)" "$E2E_TMP/mtls-badsni.err"
    fi
else
    fail_shown "the mutual-TLS server did not start" "$E2E_TMP/mtls.err"
fi

# ---------------------------------------------------------------- 4. iperf3
if have_iperf3; then
    P4=$(free_port)
    if start_iperf3_server "$P4" -1; then
        client vsiperf3 -p "$P4" --transport tls --tls-insecure -t 1
        if [ "$RC" = 1 ] && has vsiperf3.err "needs a weir server" && ! has vsiperf3.out " sec "; then
            pass_check "against iperf3 -s: exit 1, \"needs a weir server\", no data"
        else
            fail_shown "against iperf3 -s (exit $RC)" "$E2E_TMP/vsiperf3.err" "$E2E_TMP/vsiperf3.out"
        fi
    else
        fail_shown "iperf3 -s did not start" "$SERVER_OUT" "$SERVER_ERR"
    fi
    stop_pid "$SERVER_PID"
else
    skip_check "no iperf3; the plain-iperf3-server case is not run"
fi

# ---------------------------------------------------------------- 5. loopback
CLIENT_TIMEOUT=30 run_bounded "$E2E_TMP/lo.out" "$E2E_TMP/lo.err" "$WEIR" --loopback --transport tls -t 1
RC=$RUN_RC
if [ "$RC" = 0 ] && has lo.out "receiver"; then
    pass_check "--loopback --transport tls (the process trusts its own ephemeral certificate)"
else
    fail_shown "--loopback --transport tls (exit $RC)" "$E2E_TMP/lo.err"
fi

# -V shows what the transport negotiated for each stream.
CLIENT_TIMEOUT=30 run_bounded "$E2E_TMP/lov.out" "$E2E_TMP/lov.err" "$WEIR" --loopback --transport tls -t 1 -V -P 2
RC=$RUN_RC
if [ "$RC" = 0 ] && [ "$(grep -cE '^\[ *[0-9]+\] tls: version TLSv1\.3, cipher TLS_AES_128_GCM_SHA256, ktls_send (yes|no), ktls_recv (yes|no), handshake_ms [0-9.]+$' "$E2E_TMP/lov.out")" = 2 ]; then
    pass_check "-V prints each stream's TLS version, cipher, kTLS state and handshake time"
else
    fail_shown "-V TLS lines (exit $RC)" "$E2E_TMP/lov.out"
fi

# ---------------------------------------------------------------- 6. what served each test
# A TLS server serves a plain client over plain TCP, and says so per test;
# with --tls-required it refuses every test that is not encrypted.

# after_accepted FILE: the line after each "Accepted connection" line.
after_accepted() { awk 'prev { print; prev = 0 } /^Accepted connection from / { prev = 1 }' "$1"; }

# weir_keys FILE TRANSPORT ENCRYPTED: FILE (one -J document) says so in start.weir.
weir_keys() {
    python3 - "$@" <<'EOF_PY'
import json, sys
w = json.load(open(sys.argv[1]))["start"]["weir"]
assert w["transport"] == sys.argv[2], w
assert w["encrypted"] is (sys.argv[3] == "true"), w
EOF_PY
}

if weir_keys "$E2E_TMP/t2.out" tls true && weir_keys "$E2E_TMP/t2-s.out" tls true; then
    pass_check "-J, both ends of a TLS test: start.weir.transport tls, encrypted true"
else
    fail_shown "start.weir.encrypted of a TLS test" "$E2E_TMP/t2.out" "$E2E_TMP/t2-s.out"
fi

if have_iperf3; then
    port=$(free_port)
    start_server plain-s "$port" -1 --transport tls "${SRV_CERT[@]}"
    run_when_free "$E2E_TMP/plain.out" "$E2E_TMP/plain.err" "$IPERF3" -c 127.0.0.1 -p "$port" -t 1
    RC=$RUN_RC
    wait_server
    if [ "$RC" = 0 ] && [ "$SERVER_RC" = 0 ] && has plain-s.out "receiver$" &&
       [ "$(after_accepted "$E2E_TMP/plain-s.out")" = "Transport: tcp, not encrypted" ]; then
        pass_check "iperf3 -c against weir -s --transport tls: served, the server says \"Transport: tcp, not encrypted\""
    else
        fail_shown "iperf3 -c against weir -s --transport tls (client $RC, server $SERVER_RC)" \
            "$E2E_TMP/plain.err" "$E2E_TMP/plain-s.out" "$E2E_TMP/plain-s.err"
    fi

    port=$(free_port)
    start_server plainJ-s "$port" -1 -J --transport tls "${SRV_CERT[@]}"
    run_when_free "$E2E_TMP/plainJ.out" "$E2E_TMP/plainJ.err" "$IPERF3" -c 127.0.0.1 -p "$port" -t 1
    RC=$RUN_RC
    wait_server
    if [ "$RC" = 0 ] && [ "$SERVER_RC" = 0 ] && weir_keys "$E2E_TMP/plainJ-s.out" tcp false; then
        pass_check "the same with -J on the server: start.weir.transport tcp, encrypted false"
    else
        fail_shown "-J server, iperf3 client (client $RC, server $SERVER_RC)" "$E2E_TMP/plainJ-s.out" "$E2E_TMP/plainJ-s.err"
    fi
else
    skip_check "no iperf3; the plain client against a TLS server is not run"
fi

# --tls-required, -1: refused tests do not count, the TLS test does.
port=$(free_port)
if start_server req-s "$port" -1 --transport tls --tls-required "${SRV_CERT[@]}"; then
    refused=0
    if have_iperf3; then
        run_when_free "$E2E_TMP/req-iperf3.out" "$E2E_TMP/req-iperf3.err" "$IPERF3" -c 127.0.0.1 -p "$port" -t 1
        RC=$RUN_RC
        if [ "$RC" = 1 ] && grep -q "iperf3: error - test authorization failed$" "$E2E_TMP/req-iperf3.out" "$E2E_TMP/req-iperf3.err" &&
           ! has req-iperf3.out " sec "; then
            pass_check "--tls-required: iperf3 -c exits 1, \"test authorization failed\", no data"
        else
            fail_shown "--tls-required, iperf3 client (exit $RC)" "$E2E_TMP/req-iperf3.out" "$E2E_TMP/req-iperf3.err"
        fi
        refused=$((refused + 1))
    fi
    t0=$(date +%s%N)
    client req-tcp -p "$port" -t 1
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$RC" = 1 ] && [ "$(wc -l <"$E2E_TMP/req-tcp.err")" = 1 ] &&
       [ "$(cat "$E2E_TMP/req-tcp.err")" = "weir: error - test authorization failed: the server requires an encrypted transport (--transport tls)" ] &&
       ! has req-tcp.out " sec " && [ "$ms" -lt 5000 ]; then
        pass_check "--tls-required: weir -c (tcp) exits 1 with one line naming the reason (${ms} ms)"
    else
        fail_shown "--tls-required, weir tcp client (exit $RC, $ms ms)" "$E2E_TMP/req-tcp.err" "$E2E_TMP/req-tcp.out"
    fi
    client req-udp -p "$port" -u -t 1 -J
    if [ "$RC" = 1 ] && python3 - "$E2E_TMP/req-udp.out" <<'EOF_PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] == "test authorization failed: the server requires an encrypted transport (--transport tls)", d["error"]
EOF_PY
    then
        pass_check "--tls-required: weir -c -u -J exits 1, the reason in the JSON error"
    else
        fail_shown "--tls-required, weir udp client (exit $RC)" "$E2E_TMP/req-udp.out" "$E2E_TMP/req-udp.err"
    fi
    refused=$((refused + 2))
    client req-tls -p "$port" --transport tls --tls-ca="$E2E_TMP/ca.pem" -t 1
    crc=$RC
    wait_server
    if [ "$crc" = 0 ] && [ "$SERVER_RC" = 0 ] && has req-tls.out "receiver$" && ! has req-tls.out "^Transport" &&
       [ "$(grep -c '^Accepted connection from ' "$E2E_TMP/req-s.out")" = $((refused + 1)) ] &&
       [ "$(after_accepted "$E2E_TMP/req-s.out" | grep -c '^Transport: tls, encrypted$')" = 1 ] &&
       [ "$(grep -c "error - test authorization failed: the client's test over tcp is not encrypted (--tls-required)$" "$E2E_TMP/req-s.err")" = $((refused - 1)) ] &&
       [ "$(grep -c "error - test authorization failed: the client's test over udp is not encrypted (--tls-required)$" "$E2E_TMP/req-s.err")" = 1 ]; then
        pass_check "--tls-required -1: $refused refused tests named on the server, then a TLS test served (\"Transport: tls, encrypted\"), exit 0"
    else
        fail_shown "--tls-required, the TLS client after the refusals (client $crc, server $SERVER_RC)" \
            "$E2E_TMP/req-tls.err" "$E2E_TMP/req-s.out" "$E2E_TMP/req-s.err"
    fi
else
    fail_shown "the --tls-required server did not start" "$E2E_TMP/req-s.err"
fi

# A server that could never serve a test does not start.
# req_start NAME WHAT WANT ARGS...: weir ARGS exits 1 with the line WANT.
req_start() {
    local name=$1 what=$2 want=$3
    shift 3
    CLIENT_TIMEOUT=10 run_bounded "$E2E_TMP/$name.out" "$E2E_TMP/$name.err" "$WEIR" "$@"
    if [ "$RUN_RC" = 1 ] && grep -qxF -- "$want" "$E2E_TMP/$name.err"; then
        pass_check "$what: exit 1, \"$want\""
    else
        fail_shown "$what (exit $RUN_RC)" "$E2E_TMP/$name.err"
    fi
}
req_start req-none "weir -s --tls-required" \
    "weir: error - --tls-required needs an encrypting transport (tls, quic): --transport tls or quic" \
    -s -p "$(free_port)" --tls-required
req_start req-tcpsrv "weir -s --transport tcp --tls-required" \
    "weir: error - --tls-required needs an encrypting transport, and --transport tcp does not encrypt (use tls or quic)" \
    -s -p "$(free_port)" --transport tcp --tls-required
req_start req-client "weir -c --tls-required" "weir: parameter error - some option you are trying to set is server only" \
    -c 127.0.0.1 --tls-required

# ---------------------------------------------------------------- 7. stacking
# lifecycle NAME FILE: FILE (weir's stderr with -d) shows tcp and tls each
# initialised once, tcp opened beneath tls once, and both finished once,
# tls first.
lifecycle() {
    local f=$2
    count() { grep -c "debug - transport '$1': $2\$" "$f"; }
    line() { grep -n "debug - transport '$1': fini\$" "$f" | cut -d: -f1; }
    if [ "$(count tcp initialised)" = 1 ] && [ "$(count tls initialised)" = 1 ] &&
       [ "$(count tcp 'opened beneath another transport')" = 1 ] &&
       [ "$(count tcp fini)" = 1 ] && [ "$(count tls fini)" = 1 ] &&
       [ "$(line tls)" -lt "$(line tcp)" ]; then
        pass_check "$1: tcp initialised once (shared with tls), tls finished before tcp"
    else
        fail_shown "$1: the transports' lives" "$f"
        grep "debug - transport '" "$f" | sed 's/^/    > /'
    fi
}

CLIENT_TIMEOUT=30 run_bounded "$E2E_TMP/stack-lo.out" "$E2E_TMP/stack-lo.err" \
    "$WEIR" --loopback --transport tcp,tls -t 1 -d
if [ "$RUN_RC" = 0 ] && [ "$(grep -c receiver "$E2E_TMP/stack-lo.out")" -ge 2 ]; then
    lifecycle "--loopback --transport tcp,tls -d" "$E2E_TMP/stack-lo.err"
else
    fail_shown "--loopback --transport tcp,tls -d (exit $RUN_RC)" "$E2E_TMP/stack-lo.err"
fi

port=$(free_port)
if start_server stack-s "$port" -d; then
    client stack-tcp -p "$port" -t 1
    tcp_rc=$RC
    client stack-tls -p "$port" -t 1 --transport tls --tls-insecure
    tls_rc=$RC
    stop_pid "$SERVER_PID"
    if [ "$tcp_rc" = 0 ] && [ "$tls_rc" = 0 ]; then
        lifecycle "a server serving a tcp test, then a tls test" "$E2E_TMP/stack-s.err"
    else
        fail_shown "a server serving tcp and tls tests (clients $tcp_rc, $tls_rc)" \
            "$E2E_TMP/stack-tcp.err" "$E2E_TMP/stack-tls.err" "$E2E_TMP/stack-s.err"
    fi
else
    fail_shown "the -d server did not start" "$E2E_TMP/stack-s.err"
fi

# No plugin loads code itself: the host does (the built .so files import
# no dlopen; without nm, their sources call none).
plugins=()
IFS=: read -r -a plugin_dirs <<<"$WEIR_PLUGIN_PATH"
for d in "${plugin_dirs[@]}"; do
    for so in "$d"/*.so; do
        [ -f "$so" ] && plugins+=("$so")
    done
done
if command -v nm >/dev/null 2>&1 && [ "${#plugins[@]}" -gt 0 ]; then
    importers=$(for so in "${plugins[@]}"; do
        nm -D --undefined-only "$so" | grep -qwE 'dlopen|dlmopen' && echo "$so"
    done)
    if [ -z "$importers" ] && printf '%s\n' "${plugins[@]}" | grep -q '/tls\.so$'; then
        pass_check "no plugin imports dlopen (nm -D of ${#plugins[@]} .so files, tls.so among them)"
    else
        fail_check "plugins that import dlopen, or no tls.so found" "${importers:-none found in $WEIR_PLUGIN_PATH}"
    fi
elif grep -rlwE 'dlopen|dlmopen' "$TESTS_DIR/../plugins" >"$E2E_TMP/dlopen.txt"; then
    fail_shown "plugin sources that call dlopen" "$E2E_TMP/dlopen.txt"
else
    pass_check "no plugin source calls dlopen (no nm here)"
fi

finish
