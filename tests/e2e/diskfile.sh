#!/usr/bin/env bash
# -F (iperf3's --file) through the real binary on loopback: a sender reads
# the file on every stream, a receiver writes it, and both print iperf3's
# "Sent X / SIZE (P%) of FILE" line and JSON "diskfile" object. Weir with
# weir must deliver the file whole (compared with cmp), also with -P 3, -R,
# tls and quic; with iperf3 on either end, both directions. Bad files and
# transports that cannot carry one give one clear error, and the server
# serves the next client. Never asserts speed.
. "$(dirname "$0")/lib.sh"

require_tools

# A 5000000-byte source: "4.77 MByte" in the text lines.
DATA=$E2E_TMP/data
mkdir -p "$DATA"
SRC=$DATA/source.bin
head -c 5000000 /dev/urandom >"$SRC"
SENT_ALL="Sent 4.77 MByte / 4.77 MByte (100%) of"

# same_file WHAT A B: byte for byte.
same_file() {
    cmp -s "$2" "$3" || fail "$1: $(cmp "$2" "$3" 2>&1 | head -n 1)"
}

# prefix_of WHAT PART WHOLE: PART is not empty and WHOLE starts with it.
prefix_of() {
    local n
    n=$(stat -c %s "$2" 2>/dev/null || echo 0)
    [ "$n" -gt 0 ] || { fail "$1: $2 is empty or missing"; return; }
    cmp -s -n "$n" "$2" "$3" || fail "$1: the first $n bytes differ from the source"
}

# has_line WHAT FILE TEXT: FILE has a line ending in TEXT (fixed string).
has_line() {
    grep -qF -- "$3" "$2" || fail "$1: no line '$3'"
}

# ---------------------------------------------------------------- weir <-> weir

forward() {
    local dst=$DATA/forward.bin
    start_server_retry weir -1 -J -F "$dst" || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -F "$SRC"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    same_file "the server's copy" "$dst" "$SRC"
    has_line "client" "$CASE_DIR/client.out" "        $SENT_ALL $SRC"
    # The file, not -t 10, ended the test.
    local secs
    secs=$(sed -n 's/^\[  *[0-9]*\]  *0\.00-\([0-9.]*\)  *sec.*sender$/\1/p' "$CASE_DIR/client.out")
    awk -v s="${secs:-99}" 'BEGIN { exit !(s < 9) }' || fail "the test ran ${secs:-?} s, not until the file ended"
    # iperf3's JSON: diskfile between sender and receiver.
    local S=$SERVER_OUT
    expect_eq "server stream keys" "$(json_get "$S" '.end.streams[0] | keys_unsorted | join(",")')" \
        "sender,diskfile,receiver"
    expect_eq "server diskfile" \
        "$(json_get "$S" '.end.streams[0].diskfile | [.sent, .received, .size, .percent_received, .filename] | map(tostring) | join(" ")')" \
        "0 5000000 5000000 100 $dst"
}

parallel() {
    local dst=$DATA/parallel.bin
    start_server_retry weir -1 -F "$dst" || return
    run_bounded "$CASE_DIR/client.json" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -P 3 -J -F "$SRC"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    same_file "the server's copy from three streams" "$dst" "$SRC"
    expect_eq "each stream sent and the server received the whole file" \
        "$(json_get "$CASE_DIR/client.json" '[.end.streams[].diskfile | "\(.sent)/\(.received)/\(.size)/\(.percent_sent)"] | join(" ")')" \
        "5000000/5000000/5000000/100 5000000/5000000/5000000/100 5000000/5000000/5000000/100"
    expect_eq "server lines" "$(grep -c "$SENT_ALL $dst" "$SERVER_OUT")" 3
}

reverse() {
    local dst=$DATA/reverse.bin
    start_server_retry weir -1 -F "$SRC" || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -R -t 2 -F "$dst"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    same_file "the client's copy" "$dst" "$SRC"
    has_line "client (receiving)" "$CASE_DIR/client.out" "        $SENT_ALL $dst"
    has_line "server (sending)" "$SERVER_OUT" "        $SENT_ALL $SRC"
}

# encrypted TRANSPORT: the file whole to the server over tls or quic.
encrypted() {
    local dst=$DATA/$1.bin
    start_server_retry weir -1 -F "$dst" || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" \
        --transport "$1" --tls-insecure -F "$SRC"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    same_file "the server's copy over $1" "$dst" "$SRC"
    has_line "client" "$CASE_DIR/client.out" "        $SENT_ALL $SRC"
}

tls() {
    encrypted tls
}

# quic: the file through the payload ring, both directions, on one QUIC
# stream (a file's bytes go in order: --quic-streams is refused with -F).
quic() {
    local back=$DATA/quic-back.bin
    encrypted quic
    start_server_retry weir -1 -F "$SRC" || return
    run_bounded "$CASE_DIR/rev.out" "$CASE_DIR/rev.err" "$WEIR" -c 127.0.0.1 -p "$PORT" \
        --transport quic --tls-insecure -R -t 2 -F "$back"
    wait_server
    expect_eq "-R client exit status" "$RUN_RC" 0
    same_file "the client's copy over QUIC" "$back" "$SRC"
    start_server_retry weir -1 || return
    run_bounded "$CASE_DIR/streams.out" "$CASE_DIR/streams.err" "$WEIR" -c 127.0.0.1 -p "$PORT" \
        --transport quic --tls-insecure --quic-streams 2 -F "$SRC"
    wait_server
    expect_eq "--quic-streams 2 -F exit status" "$RUN_RC" 1
    has_line "--quic-streams 2 -F" "$CASE_DIR/streams.err" \
        "weir: error - unable to open -F file: a file goes in order over one QUIC stream: -F takes no --quic-streams"
}

# -t cuts a paced transfer short: the line says how much went, and the
# server wrote exactly what it counted, the start of the file.
cut_short() {
    local dst=$DATA/short.bin
    start_server_retry weir -1 -J -F "$dst" || return
    run_bounded "$CASE_DIR/client.json" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" \
        -b 8M -t 1 -J -F "$SRC"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    local pct got
    pct=$(json_get "$CASE_DIR/client.json" '.end.streams[0].diskfile.percent_sent')
    [ "${pct:-0}" -gt 0 ] && [ "${pct:-100}" -lt 100 ] || fail "percent_sent $pct, want between 0 and 100"
    got=$(json_get "$SERVER_OUT" '.end.streams[0].receiver.bytes')
    expect_eq "the server's file holds what it counted" "$(stat -c %s "$dst" 2>/dev/null)" "$got"
    prefix_of "the server's file" "$dst" "$SRC"
}

# A 40 Mbit/s link (tbf on lo in a namespace of our own): the client's
# socket buffer holds much of the file when its last write returns, so
# ending the test then (as iperf3 does) loses the tail. weir waits until
# the receiver acknowledged it all.
NS=weirsl-$$

slow_link() {
    command -v tc >/dev/null 2>&1 || { skip_case "tc (iproute2) not installed"; return; }
    netns_add "$NS" || { skip_case "$NETNS_WHY"; return; }
    local out
    if ! out=$( { ip -n "$NS" link set lo mtu 1500 &&
                  ip netns exec "$NS" tc qdisc add dev lo root tbf rate 40mbit burst 64kb latency 200ms; } 2>&1); then
        netns_del "$NS"
        skip_case "no namespace with tbf here: $out"
        return
    fi
    local dst=$DATA/slow.bin
    start_netns_server "$NS" server 5201 "$WEIR" -s -1 -p 5201 -F "$dst" || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" ip netns exec "$NS" "$WEIR" -c 127.0.0.1 -p 5201 -F "$SRC"
    expect_eq "client exit status" "$RUN_RC" 0
    wait_exit "$SERVER_PID" 10 || fail "the server did not end after its one test"
    same_file "the server's copy over 40 Mbit/s" "$dst" "$SRC"
    has_line "client" "$CASE_DIR/client.out" "        $SENT_ALL $SRC"
    netns_del "$NS"
}

# ---------------------------------------------------------------- bad input

client_refusals() {
    run_bounded "$CASE_DIR/missing.out" "$CASE_DIR/missing.err" "$WEIR" -c 127.0.0.1 -p 9 -F "$DATA/no-such-file"
    expect_eq "missing file: exit status" "$RUN_RC" 1
    has_line "missing file" "$CASE_DIR/missing.err" "weir: error - unable to open -F file: No such file or directory"
    run_bounded "$CASE_DIR/udp.out" "$CASE_DIR/udp.err" "$WEIR" -c 127.0.0.1 -p 9 -u -F "$SRC"
    expect_eq "-u -F: exit status" "$RUN_RC" 1
    has_line "-u -F" "$CASE_DIR/udp.err" "weir: error - unable to open -F file: --transport udp cannot carry a file"
    run_bounded "$CASE_DIR/bidir.out" "$CASE_DIR/bidir.err" "$WEIR" -c 127.0.0.1 -p 9 --bidir -F "$SRC"
    expect_eq "--bidir -F: exit status" "$RUN_RC" 1
    has_line "--bidir -F" "$CASE_DIR/bidir.err" "weir: parameter error - -F cannot be used with --bidir"
    run_bounded "$CASE_DIR/mt.out" "$CASE_DIR/mt.err" "$WEIR" -s -p 9 -F "$DATA/x.bin" --max-tests 2
    expect_eq "server -F --max-tests 2: exit status" "$RUN_RC" 1
    has_line "server -F --max-tests 2" "$CASE_DIR/mt.err" "weir: parameter error - -F cannot be used with --max-tests above 1"
    # A pipe would block the open (no writer) and every read: refused.
    mkfifo "$DATA/pipe" || { fail "mkfifo"; return; }
    run_bounded "$CASE_DIR/pipe.out" "$CASE_DIR/pipe.err" "$WEIR" -c 127.0.0.1 -p 9 -F "$DATA/pipe"
    expect_eq "a pipe to send: exit status" "$RUN_RC" 1
    has_line "a pipe to send" "$CASE_DIR/pipe.err" \
        "weir: error - unable to open -F file: a pipe or socket cannot be sent (a file or a device can)"
}

# A server whose file cannot be written fails that test with IEFILE (14)
# and the errno, which weir and iperf3 clients print; then serves on.
server_write_errors() {
    start_server_retry weir -F /dev/full || return
    run_bounded "$CASE_DIR/full.out" "$CASE_DIR/full.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 3
    expect_eq "disk full: client exit status" "$RUN_RC" 1
    has_line "disk full: client" "$CASE_DIR/full.err" "weir: error - unable to open -F file: No space left on device"
    wait_grep "$SERVER_ERR" "weir: error - unable to open -F file: write: No space left on device" 10 ||
        fail "disk full: the server does not say why"
    if [ -n "$IPERF3" ]; then
        run_when_free "$CASE_DIR/iperf3.out" "$CASE_DIR/iperf3.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -t 3
        expect_eq "disk full: iperf3 client exit status" "$RUN_RC" 1
        grep -qF "unable to open -F file: No space left on device" "$CASE_DIR/iperf3.out" "$CASE_DIR/iperf3.err" ||
            fail "disk full: the iperf3 client does not say why"
    fi
    # -R reads /dev/full: zeros, as from any file that never ends.
    run_when_free "$CASE_DIR/next.out" "$CASE_DIR/next.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -R
    expect_eq "the next client: exit status" "$RUN_RC" 0
    stop_servers
    # Receiving into a pipe with a reader: the bytes arrive in order.
    [ -p "$DATA/pipe3" ] || mkfifo "$DATA/pipe3"
    start_bg reader 30 sh -c 'cat "$1" > "$2"' sh "$DATA/pipe3" "$DATA/piped.bin"
    local reader=$BG_PID
    start_server_retry weir -1 -F "$DATA/pipe3" || return
    run_bounded "$CASE_DIR/piped.out" "$CASE_DIR/piped.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -F "$SRC"
    expect_eq "into a pipe with a reader: client exit status" "$RUN_RC" 0
    wait_server
    wait_exit "$reader" 10 || fail "the pipe's reader did not see the end"
    same_file "what came out of the pipe" "$DATA/piped.bin" "$SRC"
    # Receiving into a pipe nobody reads: an error at once, not a hang.
    [ -p "$DATA/pipe2" ] || mkfifo "$DATA/pipe2"
    stop_servers
    start_server_retry weir -F "$DATA/pipe2" || return
    run_bounded "$CASE_DIR/pipe.out" "$CASE_DIR/pipe.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "a pipe without a reader: client exit status" "$RUN_RC" 1
    has_line "a pipe without a reader: client" "$CASE_DIR/pipe.err" \
        "weir: error - unable to open -F file: No such device or address"
    stop_servers
    start_server_retry weir -F "$DATA/no-such-dir/out.bin" || return
    run_bounded "$CASE_DIR/nodir.out" "$CASE_DIR/nodir.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "no such directory: client exit status" "$RUN_RC" 1
    has_line "no such directory: client" "$CASE_DIR/nodir.err" \
        "weir: error - unable to open -F file: No such file or directory"
}

# A server's -F is for byte streams: a udp test runs without it, and the
# server warns once: through the text reporter, or on stderr by itself
# when no reporter shows warnings (iperf3's JSON has no place for one, so
# the document stays as it is).
server_udp() {
    local dst=$DATA/udp.bin args
    local want="weir: warning - -F ignored for this test: --transport udp cannot carry a file"
    for args in "" "-J" "--reporter json-stream" "--reporter json --reporter text"; do
        # shellcheck disable=SC2086 # the options, split
        start_server_retry weir -1 -F "$dst" $args || return
        run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -u -t 1
        wait_server
        expect_eq "udp client exit status (${args:-text})" "$RUN_RC" 0
        expect_eq "server exit status (${args:-text})" "$SERVER_RC" 0
        expect_eq "the warning, once (${args:-text})" "$(grep -cxF -- "$want" "$SERVER_ERR")" 1
        expect_eq "nothing else on stderr (${args:-text})" "$(grep -vcxF -- "$want" "$SERVER_ERR")" 0
        case $args in
        -J) expect_eq "-J document, no warning in it" \
                "$(jq -r '[.start.test_start.protocol, (.. | strings | select(test("warning")))] | join(",")' \
                   "$SERVER_OUT" 2>&1)" UDP ;;
        esac
    done
    [ ! -e "$dst" ] || fail "the server created $dst for a udp test"
}

# ---------------------------------------------------------------- iperf3

to_iperf3() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    local dst=$DATA/to-iperf3.bin
    start_server_retry iperf3 -1 -F "$dst" || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -F "$SRC"
    wait_server
    expect_eq "weir client exit status" "$RUN_RC" 0
    expect_eq "iperf3 server exit status" "$SERVER_RC" 0
    has_line "weir client" "$CASE_DIR/client.out" "        $SENT_ALL $SRC"
    # iperf3 stops reading at TEST_END: what it wrote is the file's start.
    prefix_of "iperf3's copy" "$dst" "$SRC"
}

from_iperf3() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    local dst=$DATA/from-iperf3.bin
    start_server_retry weir -1 -J -F "$dst" || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -F "$SRC"
    wait_server
    expect_eq "iperf3 client exit status" "$RUN_RC" 0
    expect_eq "weir server exit status" "$SERVER_RC" 0
    prefix_of "weir's copy" "$dst" "$SRC"
    expect_eq "weir's file holds what it counted" "$(stat -c %s "$dst" 2>/dev/null)" \
        "$(json_get "$SERVER_OUT" '.end.streams[0].diskfile.received')"
}

reverse_iperf3() {
    [ -n "$IPERF3" ] || { skip_case "no iperf3"; return; }
    local dst=$DATA/reverse-iperf3.bin dst2=$DATA/reverse-weir.bin
    # iperf3 -R receiving from a weir server sending the file.
    start_server_retry weir -1 -F "$SRC" || return
    run_bounded "$CASE_DIR/iperf3.out" "$CASE_DIR/iperf3.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -R -t 2 -F "$dst"
    wait_server
    expect_eq "iperf3 -R client exit status" "$RUN_RC" 0
    same_file "iperf3's copy from weir" "$dst" "$SRC"
    # weir -R receiving from an iperf3 server sending the file.
    start_server_retry iperf3 -1 -F "$SRC" || return
    run_bounded "$CASE_DIR/weir.out" "$CASE_DIR/weir.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -R -t 2 -F "$dst2"
    wait_server
    expect_eq "weir -R client exit status" "$RUN_RC" 0
    same_file "weir's copy from iperf3" "$dst2" "$SRC"
    has_line "weir -R client" "$CASE_DIR/weir.out" "        $SENT_ALL $dst2"
}

run_case "weir -> weir: the file arrives whole, text and JSON" forward
run_case "-P 3: every stream carries the whole file" parallel
run_case "-R: the server sends its file" reverse
run_case "--transport tls carries the file" tls
if have_plugin quic; then
    run_case "--transport quic carries the file" quic
else
    skip_check "--transport quic carries the file" "this build has no quic transport"
fi
run_case "-t ends a paced transfer: the start of the file, as counted" cut_short
run_case "a 40 Mbit/s link: the sender waits until all of it arrived" slow_link
run_case "client: missing file, udp, --bidir" client_refusals
run_case "server: unwritable files, pipes with and without a reader" server_write_errors
run_case "server: -F ignored for a udp test" server_udp
run_case "weir client -> iperf3 -s -F" to_iperf3
run_case "iperf3 -c -F -> weir server" from_iperf3
run_case "-R both ways with iperf3" reverse_iperf3
finish
