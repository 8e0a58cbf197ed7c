#!/usr/bin/env bash
# iperf3-compatible authentication (docs/protocol.md §10) through the real binary:
#
#   1. weir <-> weir with OAEP: the right password works; a wrong password,
#      an unknown user, no credentials at all: the client exits 1 with
#      "test authorization failed", the server prints one error line and
#      serves the next client.
#      With -1 a refused client does not count as the one test.
#   2. hand-made tokens (auth_peer.py, encrypted with the openssl command):
#      a skewed clock, a token that is not Base64, one of the wrong length,
#      random bytes of the right length, a malformed plaintext, PKCS#1 v1.5
#      without --use-pkcs1-padding: SERVER_ERROR + 142 each, and the server
#      goes on serving; a token within the skew threshold is accepted.
#   3. option errors: --username without a key, no password and no
#      terminal, a server with a key but no users file, an unreadable users
#      file, a bad key, --time-skew-threshold 0.
#   4. Debian's iperf3 (3.12: PKCS#1 v1.5) both ways: iperf3 -c -> weir -s
#      --use-pkcs1-padding, and weir -c --use-pkcs1-padding -> iperf3 -s;
#      wrong passwords fail cleanly at both ends.
# Exit status and messages only -- never speed.
. "$(dirname "$0")/lib.sh"

require_tools
require_tool openssl
require_tool python3
PEER=$E2E_DIR/auth_peer.py

KEYS=$E2E_TMP/keys
mkdir -p "$KEYS"
openssl genrsa -out "$KEYS/priv.pem" 2048 2>/dev/null &&
    openssl rsa -in "$KEYS/priv.pem" -pubout -out "$KEYS/pub.pem" 2>/dev/null ||
    skip_all "openssl could not make an RSA key pair"
openssl genrsa -out "$KEYS/other.pem" 2048 2>/dev/null
openssl rsa -in "$KEYS/other.pem" -pubout -out "$KEYS/other_pub.pem" 2>/dev/null
# sha256("{mario}rossi"): the users-file hash of docs/protocol.md §10.
{
    echo "# authorized users"
    echo
    echo "mario,bf7a49a846d44b454a5d11e7acfaf13d138bbe0b7483aa3e050879700572709b"
    echo "luigi,$(printf '{luigi}verdi' | sha256sum | cut -d' ' -f1)"
} >"$KEYS/users.csv"
PRIV=$KEYS/priv.pem PUB=$KEYS/pub.pem USERS=$KEYS/users.csv
SERVER_AUTH=(--rsa-private-key-path "$PRIV" --authorized-users-path "$USERS")

# client NAME PASSWORD ARGS...: weir -c with IPERF3_PASSWORD (unset if "-").
client() {
    local name=$1 pw=$2
    shift 2
    if [ "$pw" = - ]; then
        run_bounded "$CASE_DIR/$name.out" "$CASE_DIR/$name.err" \
            env -u IPERF3_PASSWORD -u WEIR_PASSWORD "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 "$@"
    else
        run_bounded "$CASE_DIR/$name.out" "$CASE_DIR/$name.err" \
            env -u WEIR_PASSWORD IPERF3_PASSWORD="$pw" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 "$@"
    fi
}

# expect_ok NAME: the client run NAME exited 0.
expect_ok() {
    expect_eq "$1: exit status" "$RUN_RC" 0
}

# expect_refused NAME: exit 1, exactly one error line, the auth message.
expect_refused() {
    expect_eq "$1: exit status" "$RUN_RC" 1
    grep -q 'error - test authorization failed' "$CASE_DIR/$1.err" ||
        fail "$1: no 'test authorization failed' in $(tr '\n' ' ' <"$CASE_DIR/$1.err")"
    expect_eq "$1: error lines" "$(grep -c 'error' "$CASE_DIR/$1.err")" 1
}

# server_errors_at_least N: the weir server printed N error lines or more.
server_errors_at_least() {
    [ "$(grep -c 'error - ' "$SERVER_ERR")" -ge "$1" ]
}

# server_errors_are N PATTERN: the weir server printed N error lines so far,
# the last matching PATTERN. (A refused client may exit before the server
# has written its line: up to 15 s for the count.)
server_errors_are() {
    wait_until 15 server_errors_at_least "$1"
    expect_eq "server error lines" "$(grep -c 'error - ' "$SERVER_ERR")" "$1"
    if [ -n "${2:-}" ]; then
        grep 'error - ' "$SERVER_ERR" | tail -n 1 | grep -q -- "$2" ||
            fail "server: last error is not '$2': $(grep 'error - ' "$SERVER_ERR" | tail -n 1)"
    fi
}

# peer NAME ARGS...: auth_peer.py against $PORT; its output in NAME.out.
peer() {
    local name=$1
    shift
    run_bounded "$CASE_DIR/$name.out" "$CASE_DIR/$name.err" python3 "$PEER" --port "$PORT" --pubkey "$PUB" "$@"
    expect_eq "$name: peer exit status" "$RUN_RC" 0
}

# peer_refused NAME: the server answered SERVER_ERROR, 142, errno 0.
peer_refused() {
    grep -qx 'ANSWER fe0000008e00000000' "$CASE_DIR/$1.out" ||
        fail "$1: want 'ANSWER fe0000008e00000000', got $(tr '\n' ' ' <"$CASE_DIR/$1.out")"
}

# token_refused NAME ERRORS PATTERN ARGS...: auth_peer.py with ARGS is
# refused (142), and the server has printed ERRORS error lines, the last
# matching PATTERN.
token_refused() {
    local name=$1 errors=$2 pattern=$3
    shift 3
    peer "$name" "$@"
    peer_refused "$name"
    server_errors_are "$errors" "$pattern"
}

# ------------------------------------------------------------ weir <-> weir

weir_weir_case() {
    start_server_retry weir "${SERVER_AUTH[@]}" || return
    client ok rossi --username mario --rsa-public-key-path "$PUB"
    expect_ok ok
    client ok2 verdi --username luigi --rsa-public-key-path "$PUB"
    expect_ok ok2
    run_bounded "$CASE_DIR/ok3.out" "$CASE_DIR/ok3.err" env -u IPERF3_PASSWORD WEIR_PASSWORD=rossi \
        "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 --username mario --rsa-public-key-path "$PUB"
    expect_ok ok3
    server_errors_are 0
    client wrong_password rosso --username mario --rsa-public-key-path "$PUB"
    expect_refused wrong_password
    server_errors_are 1 "test authorization failed: wrong password for user 'mario'"
    client unknown_user rossi --username wario --rsa-public-key-path "$PUB"
    expect_refused unknown_user
    server_errors_are 2 "unknown user 'wario'"
    client no_credentials rossi
    expect_refused no_credentials
    server_errors_are 3 "sent no credentials"
    client other_key rossi --username mario --rsa-public-key-path "$KEYS/other_pub.pem"
    expect_refused other_key
    server_errors_are 4 "does not decrypt"
    client after rossi --username mario --rsa-public-key-path "$PUB"
    expect_ok after
    server_errors_are 4
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server is gone"
}

# -1 does not count a refused client as its one test (iperf3 3.12 does the same).
one_off_case() {
    start_server_retry weir -1 "${SERVER_AUTH[@]}" || return
    client refused nope --username mario --rsa-public-key-path "$PUB"
    expect_refused refused
    sleep 0.2
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the -1 server exited after a refused client"
    client ok rossi --username mario --rsa-public-key-path "$PUB"
    expect_ok ok
    wait_server
    expect_eq "server exit status" "$SERVER_RC" 0
}

# A server without a key ignores credentials, like iperf3.
no_auth_server_case() {
    start_server_retry weir || return
    client ok rossi --username mario --rsa-public-key-path "$PUB"
    expect_ok ok
}

# ------------------------------------------------------------ hand-made tokens

tokens_case() {
    start_server_retry weir "${SERVER_AUTH[@]}" --time-skew-threshold 30 || return
    local n=0
    peer fresh --ts-offset -20
    grep -q '^ANSWER 0a' "$CASE_DIR/fresh.out" || fail "fresh token: want CREATE_STREAMS (0a), got $(head -n 1 "$CASE_DIR/fresh.out")"
    # The server now waits for streams that never come: it gives up when it
    # sees the peer gone, and listens for test #2 once it has said why.
    wait_grep "$SERVER_OUT" "Server listening on $PORT \(test #2\)" 10 || fail "no test #2 after the peer left"
    n=$(grep -c 'error - ' "$SERVER_ERR")
    # The server reads the token up to CLIENT_TIMEOUT after it was made: a
    # skew of 3600 s plus that delay in the past, minus it in the future.
    token_refused past $((n + 1)) "clocks differ by 36[0-9][0-9] s" --ts-offset -3600
    token_refused future $((n + 2)) "clocks differ by \(35[0-9][0-9]\|3600\) s" --ts-offset 3600
    token_refused not_base64 $((n + 3)) "not valid Base64" --token 'this is not base64!'
    token_refused short $((n + 4)) "the token has 16 bytes" --token "$(head -c 16 /dev/urandom | base64 -w0)"
    token_refused random_bytes $((n + 5)) "does not decrypt" --token "$(head -c 256 /dev/urandom | base64 -w0)"
    token_refused bad_plaintext $((n + 6)) "malformed" --plaintext 'hello, server'
    token_refused bad_ts $((n + 7)) "timestamp" --plaintext "$(printf 'user: mario\npwd:  rossi\nts:   soon')"
    token_refused pkcs1_not_allowed $((n + 8)) "does not decrypt" --padding pkcs1
    client after rossi --username mario --rsa-public-key-path "$PUB"
    expect_ok after
    server_errors_are $((n + 8))
}

skew_threshold_case() {
    start_server_retry weir "${SERVER_AUTH[@]}" --time-skew-threshold 2 || return
    token_refused skewed 1 "more than 2 s" --ts-offset -8
    # Default threshold 10 s on another server: 8 s is fine there.
    stop_servers
    start_server_retry weir "${SERVER_AUTH[@]}" || return
    # 8 s ahead: the delay until the server reads it only shrinks the skew.
    peer within_default --ts-offset 8
    grep -q '^ANSWER 0a' "$CASE_DIR/within_default.out" || fail "8 s skew refused with the default threshold"
    peer beyond_default --ts-offset -15
    peer_refused beyond_default
}

pkcs1_server_case() {
    start_server_retry weir "${SERVER_AUTH[@]}" --use-pkcs1-padding || return
    peer pkcs1 --padding pkcs1
    grep -q '^ANSWER 0a' "$CASE_DIR/pkcs1.out" || fail "PKCS#1 v1.5 token refused with --use-pkcs1-padding"
    wait_grep "$SERVER_OUT" "Server listening on $PORT \(test #2\)" 10 || fail "no test #2 after the peer left"
    client oaep rossi --username mario --rsa-public-key-path "$PUB"
    expect_ok oaep
    client pkcs1_client rossi --username mario --rsa-public-key-path "$PUB" --use-pkcs1-padding
    expect_ok pkcs1_client
}

# ------------------------------------------------------------ option errors

options_case() {
    PORT=$(free_port)
    client no_key rossi --username mario
    expect_eq "no_key: exit status" "$RUN_RC" 1
    grep -q 'you must specify a username, password, and path to a valid RSA public key' "$CASE_DIR/no_key.err" ||
        fail "no_key: $(cat "$CASE_DIR/no_key.err")"
    client no_password - --username mario --rsa-public-key-path "$PUB"
    expect_eq "no_password: exit status" "$RUN_RC" 1
    grep -q 'you must specify a username, password.*IPERF3_PASSWORD' "$CASE_DIR/no_password.err" ||
        fail "no_password: $(cat "$CASE_DIR/no_password.err")"
    client bad_pub rossi --username mario --rsa-public-key-path "$USERS"
    expect_eq "bad_pub: exit status" "$RUN_RC" 1
    grep -q 'valid RSA public key' "$CASE_DIR/bad_pub.err" || fail "bad_pub: $(cat "$CASE_DIR/bad_pub.err")"
    client skew_on_client rossi --time-skew-threshold 5
    expect_eq "skew_on_client: exit status" "$RUN_RC" 1
    grep -q 'server only' "$CASE_DIR/skew_on_client.err" || fail "skew_on_client: $(cat "$CASE_DIR/skew_on_client.err")"

    run_bounded "$CASE_DIR/s1.out" "$CASE_DIR/s1.err" "$WEIR" -s -p "$PORT" --rsa-private-key-path "$PRIV"
    expect_eq "key without users: exit status" "$RUN_RC" 1
    grep -q 'valid RSA private key and a user credential file' "$CASE_DIR/s1.err" || fail "s1: $(cat "$CASE_DIR/s1.err")"
    run_bounded "$CASE_DIR/s2.out" "$CASE_DIR/s2.err" "$WEIR" -s -p "$PORT" --rsa-private-key-path "$PRIV" \
        --authorized-users-path "$KEYS/nonexistent.csv"
    expect_eq "missing users file: exit status" "$RUN_RC" 1
    grep -q 'cannot access authorized users file' "$CASE_DIR/s2.out" "$CASE_DIR/s2.err" ||
        fail "s2: $(cat "$CASE_DIR/s2.out" "$CASE_DIR/s2.err")"
    run_bounded "$CASE_DIR/s3.out" "$CASE_DIR/s3.err" "$WEIR" -s -p "$PORT" --rsa-private-key-path "$PUB" \
        --authorized-users-path "$USERS"
    expect_eq "public key as private: exit status" "$RUN_RC" 1
    grep -q 'valid RSA private key' "$CASE_DIR/s3.out" "$CASE_DIR/s3.err" || fail "s3: $(cat "$CASE_DIR/s3.out" "$CASE_DIR/s3.err")"
    run_bounded "$CASE_DIR/s4.out" "$CASE_DIR/s4.err" "$WEIR" -s -p "$PORT" "${SERVER_AUTH[@]}" --time-skew-threshold 0
    expect_eq "skew 0: exit status" "$RUN_RC" 1
    grep -q 'skew threshold must be a positive number' "$CASE_DIR/s4.err" || fail "s4: $(cat "$CASE_DIR/s4.err")"
    run_bounded "$CASE_DIR/s5.out" "$CASE_DIR/s5.err" "$WEIR" -s -p "$PORT" --username mario
    expect_eq "--username on a server: exit status" "$RUN_RC" 1
    grep -q 'client only' "$CASE_DIR/s5.err" || fail "s5: $(cat "$CASE_DIR/s5.err")"
}

# ------------------------------------------------------------ Debian's iperf3

# iperf3_client NAME PASSWORD: Debian's iperf3 -c as mario against $PORT.
iperf3_client() {
    run_bounded "$CASE_DIR/$1.out" "$CASE_DIR/$1.err" env IPERF3_PASSWORD="$2" \
        "$IPERF3" -c 127.0.0.1 -p "$PORT" -t 1 --username mario --rsa-public-key-path "$PUB"
}

# iperf3_refused NAME: the iperf3 client run NAME exited 1 and said why.
iperf3_refused() {
    expect_eq "$1: exit status" "$RUN_RC" 1
    grep -q 'test authorization failed' "$CASE_DIR/$1.out" "$CASE_DIR/$1.err" ||
        fail "iperf3 client: no 'test authorization failed'"
}

iperf3_client_case() {
    have_iperf3 || { skip_case "iperf3 not installed"; return; }
    start_server_retry weir "${SERVER_AUTH[@]}" --use-pkcs1-padding || return
    iperf3_client ok rossi
    expect_ok ok
    iperf3_client bad wrong
    iperf3_refused bad
    server_errors_are 1 "wrong password for user 'mario'"
    iperf3_client ok2 rossi
    expect_ok ok2
    server_errors_are 1
}

# Without --use-pkcs1-padding a 3.12 client's token cannot be read.
iperf3_client_oaep_server_case() {
    have_iperf3 || { skip_case "iperf3 not installed"; return; }
    start_server_retry weir "${SERVER_AUTH[@]}" || return
    iperf3_client oaep_server rossi
    iperf3_refused oaep_server
    server_errors_are 1 "needs --use-pkcs1-padding"
}

iperf3_server_case() {
    have_iperf3 || { skip_case "iperf3 not installed"; return; }
    start_server_retry iperf3 "${SERVER_AUTH[@]}" || return
    client ok rossi --username mario --rsa-public-key-path "$PUB" --use-pkcs1-padding
    expect_ok ok
    client wrong_password nope --username mario --rsa-public-key-path "$PUB" --use-pkcs1-padding
    expect_refused wrong_password
    # 3.12 decrypts with PKCS#1 v1.5 only: an OAEP token is refused.
    client oaep rossi --username mario --rsa-public-key-path "$PUB"
    expect_refused oaep
    client again rossi --username mario --rsa-public-key-path "$PUB" --use-pkcs1-padding
    expect_ok again
}

run_case "weir <-> weir: OAEP, wrong password, unknown user, no credentials" weir_weir_case
run_case "-1: a refused client is not the one test" one_off_case
run_case "a server without a key ignores credentials" no_auth_server_case
run_case "hand-made tokens: skew, not Base64, wrong length, garbage, bad plaintext" tokens_case
run_case "--time-skew-threshold and its default" skew_threshold_case
run_case "weir -s --use-pkcs1-padding accepts both paddings" pkcs1_server_case
run_case "option errors" options_case
run_case "iperf3 -c (PKCS#1 v1.5) -> weir -s --use-pkcs1-padding" iperf3_client_case
run_case "iperf3 -c -> weir -s without --use-pkcs1-padding: refused" iperf3_client_oaep_server_case
run_case "weir -c --use-pkcs1-padding -> iperf3 -s" iperf3_server_case
finish
