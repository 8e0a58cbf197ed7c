#!/usr/bin/env bash
# The command line as a user meets it: bad options and values give one
# error line plus the usage hint and exit 1 (getopt's own complaints worded
# as iperf3's, "weir: option requires an argument -- 'c'"), the others
# as iperf3's "weir: parameter error - ..."; -v and -h exit 0; run errors
# show up as "weir: error - ..." on stderr, or in the JSON "error" key with
# -J.
. "$(dirname "$0")/lib.sh"
require_weir
tmp=$E2E_TMP

run() {   # expected-status, stderr-substring, args...
    local want=$1 text=$2
    shift 2
    CLIENT_TIMEOUT=20 run_bounded "$tmp/out" "$tmp/err" "$WEIR" "$@"
    if [ "$RUN_RC" -eq "$want" ] && grep -qF -- "$text" "$tmp/err" "$tmp/out"; then
        pass_check "weir $*"
    else
        fail_check "weir $*" "exit $RUN_RC, want $want and '$text'"
        show_files "$tmp/err" "$tmp/out"
    fi
}

usage() {   # args...: exit 1, iperf3's "parameter error" line and the usage hint
    run 1 "weir: parameter error - " "$@"
    if ! grep -q "^Usage: weir" "$tmp/err" || [ "$(grep -c '^weir: parameter error - ' "$tmp/err")" -ne 1 ] ||
       grep -q "^weir: error" "$tmp/err"; then
        fail_check "weir $* prints exactly one error line and the usage hint"
    fi
}

# getopt's complaints: iperf3's first line with the program named weir,
# then the usage hint.
getopt_error() {   # first-line args...
    local want=$1
    shift
    run 1 "$want" "$@"
    if [ "$(head -n 1 "$tmp/err")" != "$want" ] || ! grep -q "^Usage: weir" "$tmp/err"; then
        fail_check "weir $* says first '$want', then the usage hint"
    fi
}

getopt_error "weir: option requires an argument -- 'c'" -c
getopt_error "weir: option requires an argument -- 'p'" -c 127.0.0.1 -p
getopt_error "weir: option requires an argument -- 'A'" -s -A
getopt_error "weir: option '--cport' requires an argument" -c 127.0.0.1 --cport
getopt_error "weir: invalid option -- 'x'" -x
getopt_error "weir: unrecognized option '--no-such-option'" --no-such-option
getopt_error "weir: option '--bidir' doesn't allow an argument" -c 127.0.0.1 --bidir=1
usage -c 127.0.0.1 -p 70000
usage -c 127.0.0.1 -p abc
usage -c 127.0.0.1 -t -5
usage -c 127.0.0.1 -P 0
usage -c 127.0.0.1 -l 0
usage -c 127.0.0.1 -l 2G
usage -c 127.0.0.1 -f x
usage -c 127.0.0.1 -b fast
usage -c 127.0.0.1 -n 12Q
usage -c 127.0.0.1 -i 0.01
usage -c 127.0.0.1 -O 601
usage -c 127.0.0.1 --dscp nonsense
usage -c 127.0.0.1 -t 5 -n 1M
usage -c 127.0.0.1 -R --bidir
usage -s -c 127.0.0.1
usage -s -R
usage -c 127.0.0.1 -1
usage -c 127.0.0.1 -A abc
usage -c 127.0.0.1 -A 1025
usage -c 127.0.0.1 -A 0,1025
usage
# A log file that cannot be opened: iperf3's line, with the reason.
run 1 "weir: error - unable to open log file: No such file or directory" -c 127.0.0.1 --logfile "$tmp/no/dir/x.log"
# iperf3 3.12's SCTP options: known, refused by name in one line.
usage -c 127.0.0.1 --sctp
run 1 "weir: parameter error - an option you are trying to set is not implemented yet: weir has no SCTP (--sctp)" \
    -c 127.0.0.1 --sctp
usage -c 127.0.0.1 --nstreams 2
run 1 "not implemented yet: weir has no SCTP (--nstreams)" -c 127.0.0.1 --nstreams 2
usage -c 127.0.0.1 -X 127.0.0.1
run 1 "not implemented yet: weir has no SCTP (-X/--xbind)" -c 127.0.0.1 --xbind 127.0.0.1
# --no-fq-socket-pacing, deprecated but taken by iperf3 3.12: --fq-rate 0,
# the last of the two winning; a client option.
CLIENT_TIMEOUT=20 run_bounded "$tmp/doc" "$tmp/err" "$WEIR" --loopback -n 1M -J --fq-rate 1M --no-fq-socket-pacing
if [ "$RUN_RC" -eq 0 ] && [ "$(jq .start.test_start.fqrate "$tmp/doc" 2>&1)" = 0 ]; then
    pass_check "--fq-rate 1M --no-fq-socket-pacing: runs, fqrate 0"
else
    fail_check "--fq-rate 1M --no-fq-socket-pacing: runs, fqrate 0" "exit $RUN_RC"
    show_files "$tmp/err"
fi
usage -s --no-fq-socket-pacing
run 0 "weir 0." -v
run 0 "--transport NAME" -h
run 0 "Usage: weir" --help
# The help names every transport that carries a file, and that encrypts.
run 0 "transports: tcp, tls, quic)" --help
run 0 "transport: tls, quic): refuse plain TCP and UDP" --help

# A closed port: iperf3's message and exit status. The port is one we hold,
# bound but not listening, so nobody else's server can be there.
start_bg closed 120 python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(110)'
wait_grep "$tmp/closed.out" '^[0-9]+$' 10 "$BG_PID"
port=$(cat "$tmp/closed.out")
# iperf3 3.16+'s words (IECONNECT) for every connect failure: a refusal
# here, an unknown host below.
CONNECT_ERR="unable to connect to server - server may have stopped running or use a different port, firewall issue, etc.: "
run 1 "weir: error - ${CONNECT_ERR}Connection refused" -c 127.0.0.1 -p "$port" -t 1
# With -J the error is in the document, which is still valid JSON.
CLIENT_TIMEOUT=20 run_bounded "$tmp/doc" "$tmp/err" "$WEIR" -c 127.0.0.1 -p "$port" -t 1 -J
if [ "$RUN_RC" -eq 1 ] && jq -e --arg e "${CONNECT_ERR}Connection refused" '.error == $e' "$tmp/doc" >/dev/null 2>&1 \
    && jq -e 'has("start") and has("intervals") and has("end")' "$tmp/doc" >/dev/null; then
    pass_check "-J puts the error in the document"
else
    fail_check "-J puts the error in the document" "exit $RUN_RC"
    show_files "$tmp/doc" "$tmp/err"
fi
# -A in the help's n/n form is taken (iperf3 reads the leading number): the
# run gets as far as connecting.
run 1 "weir: error - unable to connect to server" -c 127.0.0.1 -p "$port" -t 1 -A 0/0
# An unknown host: the same words as a refusal, then the resolver's reason
# (as iperf3 3.16+), on stderr and in the -J error key.
run 1 "weir: error - $CONNECT_ERR" -c no-such-host.invalid -t 1
CLIENT_TIMEOUT=20 run_bounded "$tmp/doc" "$tmp/err" "$WEIR" -c no-such-host.invalid -t 1 -J
if [ "$RUN_RC" -eq 1 ] && jq -e --arg e "$CONNECT_ERR" '.error | startswith($e)' "$tmp/doc" >/dev/null 2>&1 &&
   [ "$(jq -r .error "$tmp/doc" | wc -c)" -gt "${#CONNECT_ERR}" ]; then
    pass_check "-J: an unknown host's error in the long form, with the resolver's reason"
else
    fail_check "-J: an unknown host's error in the long form, with the resolver's reason" "exit $RUN_RC"
    show_files "$tmp/doc" "$tmp/err"
fi

# A stacked transport takes the options of the one beneath (quic on udp):
# listed by its --help and parsed; another's stay unknown (tls is on tcp).
for d in ${WEIR_PLUGIN_PATH//:/ }; do
    [ -f "$d/quic.so" ] || continue
    run 0 "--udp-no-gso" --transport quic --help
    run 1 "weir: error - unable to connect to server" -c 127.0.0.1 -p "$port" -t 1 --transport quic --udp-no-gso --udp-no-gro
    # quic carries a file, its datagram mode does not: said so before connecting.
    run 1 "weir: error - unable to open -F file: --transport quic in datagram mode cannot carry a file" \
        -c 127.0.0.1 -p "$port" -t 1 --transport quic --quic-datagrams -F /dev/null
    break
done
run 1 "unrecognized option '--udp-no-gso'" --transport tls --udp-no-gso -c 127.0.0.1

finish
