#!/usr/bin/env bash
# Interoperability with Debian's iperf3, both directions:
#   weir -c  ->  iperf3 -s -1        and        iperf3 -c  ->  weir -s -1
# Both ends run with -J; the byte counts both documents report must agree
# (what one side measured is what the other reports), every key path of
# iperf3's document must be in weir's, and weir's text output must have
# iperf3's layout line for line.  Counts, formats and exit codes only --
# never speed.
#
# WEIR_E2E_REFERENCE=1 runs the same cases with iperf3 in weir's place, to
# check that what this script asserts is what iperf3 itself does.
# Over a minute in all; the -O with -n/-k cases take about 45 s of it.
E2E_DEADLINE=${E2E_DEADLINE:-300}
. "$(dirname "$0")/lib.sh"

require_tools
have_iperf3 || skip_all "iperf3 not found (configure looked for it in PATH; install iperf3 to run the interop tests)"
NAME_PREFIX=weir
if [ -n "${WEIR_E2E_REFERENCE:-}" ]; then
    WEIR=$IPERF3 NAME_PREFIX="iperf 3"
fi

# ------------------------------------------------------------ JSON, counts

# pair DIRECTION ARGS...: DIRECTION weir2iperf (weir client, iperf3 server)
# or iperf2weir.  Sets CLI/SRV; returns 1 when the documents are unusable.
pair() {
    local dir=$1 cv sv
    shift
    CLI=$CASE_DIR/client.json
    if [ "$dir" = weir2iperf ]; then
        start_server_retry iperf3 -1 -J || return 1
        run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J "$@"
        cv=$NAME_PREFIX sv="iperf 3"
    else
        start_server_retry weir -1 -J || return 1
        run_bounded "$CLI" "$CASE_DIR/client.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -J "$@"
        cv="iperf 3" sv=$NAME_PREFIX
    fi
    SRV=$SERVER_OUT
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    check_docs "$cv" "$sv" || return 1
}

# interop_case DIRECTION MODE NSTREAMS SECONDS OMIT EXTRA-CHECK ARGS...
interop_case() {
    local dir=$1 mode=$2 np=$3 t=$4 o=$5 extra=$6
    shift 6
    pair "$dir" "$@" || return
    check_counts "$mode" "$np"
    check_spans
    [ "$t" = - ] || check_intervals "$t" "$o"
    "$extra"
    # For the key comparison that follows (only documents of a good run).
    case_failed && return 1
    if [ "$dir" = weir2iperf ]; then
        WEIR_CLIENT_DOC=$CLI IPERF_SERVER_DOC=$SRV
    else
        IPERF_CLIENT_DOC=$CLI WEIR_SERVER_DOC=$SRV
    fi
}

# Every key path in iperf3's documents is in weir's, for the same role and
# options (weir may add keys: iperf3 3.13+ ones, its own "weir" object).
json_keys_case() {
    local role ref mine missing
    for role in client server; do
        if [ "$role" = client ]; then
            ref=${IPERF_CLIENT_DOC:-} mine=${WEIR_CLIENT_DOC:-}
        else
            ref=${IPERF_SERVER_DOC:-} mine=${WEIR_SERVER_DOC:-}
        fi
        if [ -z "$ref" ] || [ -z "$mine" ]; then
            skip_case "needs the two runs before it to pass"
            return
        fi
        json_key_paths "$ref" >"$CASE_DIR/$role.iperf3.keys"
        json_key_paths "$mine" >"$CASE_DIR/$role.weir.keys"
        missing=$(comm -23 "$CASE_DIR/$role.iperf3.keys" "$CASE_DIR/$role.weir.keys" | tr '\n' ' ')
        [ -z "$missing" ] || fail "$role: weir's document lacks iperf3's keys: $missing"
    done
    rm -f "$CASE_DIR"/*.keys
}

# Every end number spans its own side's time, as iperf3 writes them: a
# sum's seconds is its end, a stream's sender too (a stream receiver's
# seconds is iperf3's local duration), and every rate is bytes over that
# end (so a receiver's rate is over the receiver's time, not the sender's).
check_spans() {
    jq_check '
        def rate_ok($o): ($o.end) as $t
            | if $t > 0 then (($o.bits_per_second - $o.bytes * 8 / $t) | fabs) <= 1e-6 * ($o.bits_per_second | fabs) + 1e-6
              else $o.bits_per_second == 0 end;
        [["client", $C], ["server", $S]][] | select(.[1] != null) | . as [$role, $d]
        | ($d.end | to_entries[] | select(.key | startswith("sum")) | .key as $k | .value
           | eq("\($role) end.\($k): seconds = end"; .seconds; .end),
             eq("\($role) end.\($k): bits_per_second = bytes * 8 / end (\(.bytes), \(.end))";
                rate_ok(.); true)),
          ($d.end.streams | to_entries[] | .key as $i | .value
           | eq("\($role) end.streams[\($i)].sender: seconds = end"; .sender.seconds; .sender.end),
             ((["sender", .sender], ["receiver", .receiver]) as [$side, $o]
              | eq("\($role) end.streams[\($i)].\($side): bits_per_second = bytes * 8 / end (\($o.bytes), \($o.end))";
                   rate_ok($o); true)))'
}

# mode_cases NAME MODE NSTREAMS SECONDS OMIT EXTRA ARGS...
mode_cases() {
    local name=$1
    shift
    WEIR_CLIENT_DOC="" IPERF_SERVER_DOC="" IPERF_CLIENT_DOC="" WEIR_SERVER_DOC=""
    run_case "weir -c -> iperf3 -s: $name" interop_case weir2iperf "$@"
    run_case "iperf3 -c -> weir -s: $name" interop_case iperf2weir "$@"
    run_case "JSON key paths weir vs iperf3: $name" json_keys_case
}

# ------------------------------------------------------------ -O with -n/-k

# omit_amount_case DIRECTION PROTO MODE AMOUNT: see check_omit_amount
# (lib.sh). A run takes 1 to 3 s; one that waits for an amount that never
# comes is killed.
omit_amount_case() {
    local dir=$1 CLIENT_TIMEOUT=8
    shift
    omit_amount_args "$@"
    pair "$dir" "${OMIT_ARGS[@]}" || return
    check_omit_amount "$@"
}

# ------------------------------------------------------------ -i 0

# interval0_case DIRECTION ARGS...: both ends with -J -i 0 (see pair).
# iperf3 then writes one interval, the whole test: it starts at 0 and
# ends, with the bytes, where its side's own end sum does (the sender's
# sum_sent, the receiver's sum_received).
interval0_case() {
    local dir=$1 cv sv
    shift
    CLI=$CASE_DIR/client.json
    if [ "$dir" = weir2iperf ]; then
        start_server_retry iperf3 -1 -J -i 0 || return
        run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -J -i 0 "$@"
        cv=$NAME_PREFIX sv="iperf 3"
    else
        start_server_retry weir -1 -J -i 0 || return
        run_bounded "$CLI" "$CASE_DIR/client.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" -J -i 0 "$@"
        cv="iperf 3" sv=$NAME_PREFIX
    fi
    SRV=$SERVER_OUT
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    check_docs "$cv" "$sv" || return
    jq_check '
        [["client", $C, 0], ["server", $S, 1]][] as [$role, $d, $rev]
        | ($d.start.test_start.reverse == $rev) as $sender
        | (if $sender then $d.end.sum_sent else $d.end.sum_received end) as $own
        | eq("\($role): intervals"; $d.intervals | length; 1),
          ($d.intervals[0] | select(. != null)
           | eq("\($role): the interval starts at 0"; [.sum.start] + [.streams[].start] | unique; [0]),
             eq("\($role): the interval ends with its side (sum_\(if $sender then "sent" else "received" end))";
                .sum.end; $own.end),
             eq("\($role): the interval seconds = end"; (.sum.seconds - .sum.end | fabs) < 1e-5; true),
             eq("\($role): the interval bytes = its side total"; .sum.bytes; $own.bytes),
             eq("\($role): the interval streams"; .streams | length; $d.end.streams | length))'
}

# ------------------------------------------------------------ reverse drain

# iperf3 3.12 as a -R client switches its data sockets back to blocking at
# TEST_END and drains them with reads of up to -l bytes; an iperf3 server
# closes its data sockets when TEST_END arrives, so that read ends.  A
# server that keeps them open leaves the client blocked in read() with
# EXCHANGE_RESULTS unread on the control socket.  Large blocks make the
# window wide; a few short runs, stopping at the first failure.
reverse_drain_case() {
    local i
    for i in 1 2 3 4; do
        start_server_retry weir -1 || return
        CLIENT_TIMEOUT=15 run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" \
            "$IPERF3" -c 127.0.0.1 -p "$PORT" -R -t 1 -l 1M
        wait_server
        if [ "$RUN_RC" -ne 0 ] || [ "$SERVER_RC" -ne 0 ]; then
            fail "run $i: iperf3 client exit status $RUN_RC (124 = hung, killed after 15 s), weir server $SERVER_RC"
            return
        fi
    done
}

# ------------------------------------------------------------ text layout

# Every line of a client's text output must match one of these patterns
# (first match names the line).  Widths are iperf3's: "[%3d]", "%6.2f-%-6.2f",
# 4-character numbers before units, "%3u" retransmits and the exact runs of
# spaces between columns.
ID='\[( {2}[0-9]| [0-9]{2}|[0-9]{3})\]'
ROLE='(\[(TX|RX)-(C|S)\])?'
T_START='( {2}[0-9]| [0-9]{2}|[0-9]{3})\.[0-9]{2}'
T_END='([0-9]\.[0-9]{2}  |[0-9]{2}\.[0-9]{2} |[0-9]{3}\.[0-9]{2})'
NUM4='([0-9]\.[0-9]{2}|[0-9]{2}\.[0-9]| [0-9]{3}|[0-9]{4})'
BYTES="$NUM4 (Bytes|KBytes|MBytes|GBytes|TBytes)"
RATE="$NUM4 (bits|Kbits|Mbits|Gbits|Tbits)/sec"
RETR='( {2}[0-9]| [0-9]{2}|[0-9]{3,})'
TAG='(\(omitted\))?'
HOST='[0-9a-fA-F.:]+'
STREAM="^$ID$ROLE $T_START-$T_END sec  $BYTES  $RATE"
SUM="^\[SUM\]$ROLE $T_START-$T_END sec  $BYTES  $RATE"
HDR='^\[ ID\](\[Role\])? Interval           Transfer     Bitrate'
SP13='             '
SP18='                  '
# A stream's sender summary line: 13 spaces after its retransmits, as
# [SUM]'s, in iperf3 up to 3.18 (Debian's 3.12) and in weir, which
# presents itself as 3.18; iperf3 3.19 and later put 12 there.  weir's
# output is held to 13 (the installed iperf3's to its own version's).
SENDER_SP_WEIR=$SP13
SENDER_SP_IPERF3=$SP13
if [ -n "$IPERF3" ]; then
    case $("$IPERF3" --version 2>/dev/null | head -n 1) in
        "iperf 3."[0-9][!0-9]*|"iperf 3.1"[0-8][!0-9]*) ;;
        *) SENDER_SP_IPERF3='            ' ;;
    esac
fi
[ -n "${WEIR_E2E_REFERENCE:-}" ] && SENDER_SP_WEIR=$SENDER_SP_IPERF3
LAYOUT_NAMES=(
    connecting reverse-mode connected
    header-retr-cwnd header-retr header
    interval-sender interval-sum-sender interval-receiver interval-sum-receiver
    separator
    summary-sender summary-sum-sender summary-sender-no-retr summary-sum-sender-no-retr
    summary-receiver summary-sum-receiver
    blank "done"
)
LAYOUT_RES=(
    '^Connecting to host [^ ]+, port [0-9]+$'
    '^Reverse mode, remote host [^ ]+ is sending$'
    "^$ID local $HOST port [0-9]+ connected to $HOST port [0-9]+\$"
    "$HDR         Retr  Cwnd\$"
    "$HDR         Retr\$"
    "$HDR\$"
    "$STREAM  $RETR   $BYTES       $TAG\$"
    "$SUM  $RETR$SP13$TAG\$"
    "$STREAM$SP18$TAG\$"
    "$SUM$SP18$TAG\$"
    '^- - - - - - - - - - - - - - - - - - - - - - - - -$'
    "$STREAM  $RETR@SENDER_SP@sender\$"
    "$SUM  $RETR${SP13}sender\$"
    "$STREAM${SP18}sender\$"
    "$SUM${SP18}sender\$"
    "$STREAM${SP18}receiver\$"
    "$SUM${SP18}receiver\$"
    '^$'
    '^(iperf|weir) Done\.$'
)

# classify FILE SENDER_SP: one line per input line, "<name><role> | <text>",
# or "UNMATCHED | <text>".
classify() {
    local line i name role re
    while IFS= read -r line || [ -n "$line" ]; do
        name=UNMATCHED
        for i in "${!LAYOUT_RES[@]}"; do
            re=${LAYOUT_RES[$i]//@SENDER_SP@/$2}
            if [[ $line =~ $re ]]; then
                name=${LAYOUT_NAMES[$i]}
                break
            fi
        done
        role=""
        if [[ $line =~ ^\[[^]]*\](\[(TX|RX)-(C|S)\]) ]]; then
            role=${BASH_REMATCH[1]}
        fi
        printf '%s%s | %s\n' "$name" "$role" "$line"
    done <"$1"
}

# layout_case ARGS...: iperf3 -c and weir -c against iperf3 -s -1 (text),
# same options; weir's lines must match the patterns in the same sequence.
layout_case() {
    local who out
    for who in iperf3 weir; do
        start_server_retry iperf3 -1 || return
        out=$CASE_DIR/$who-client.out
        if [ "$who" = iperf3 ]; then
            run_bounded "$out" "$CASE_DIR/$who-client.err" "$IPERF3" -c 127.0.0.1 -p "$PORT" "$@"
        else
            run_bounded "$out" "$CASE_DIR/$who-client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" "$@"
        fi
        wait_server
        expect_eq "$who client exit status" "$RUN_RC" 0
        expect_eq "iperf3 server exit status (with the $who client)" "$SERVER_RC" 0
        mv "$SERVER_OUT" "$CASE_DIR/iperf3-server-for-$who.out"
        if [ "$who" = iperf3 ]; then
            classify "$out" "$SENDER_SP_IPERF3" >"$CASE_DIR/$who.classes"
        else
            classify "$out" "$SENDER_SP_WEIR" >"$CASE_DIR/$who.classes"
        fi
    done
    local bad
    bad=$(grep '^UNMATCHED' "$CASE_DIR/iperf3.classes" | sed 's/^[^|]*| //')
    if [ -n "$bad" ]; then
        fail "iperf3 lines that match no pattern (the test's patterns are incomplete):"
        printf '%s\n' "$bad" | sed 's/^/      >/; s/$/</'
    fi
    bad=$(grep '^UNMATCHED' "$CASE_DIR/weir.classes" | sed 's/^[^|]*| //')
    if [ -n "$bad" ]; then
        fail "weir lines that match no iperf3 layout (between > and <):"
        printf '%s\n' "$bad" | sed 's/^/      >/; s/$/</'
    fi
    # The sequences of line kinds must be the same; show where they differ.
    local n_ref n_weir
    n_ref=$(wc -l <"$CASE_DIR/iperf3.classes")
    n_weir=$(wc -l <"$CASE_DIR/weir.classes")
    [ "$n_ref" -eq "$n_weir" ] || fail "iperf3 printed $n_ref lines, weir $n_weir"
    local diffs
    diffs=$(paste -d'\t' "$CASE_DIR/iperf3.classes" "$CASE_DIR/weir.classes" | awk -F'\t' '
        { split($1, a, " [|] "); split($2, b, " [|] ")
          if (a[1] != b[1])
              printf "      line %d: iperf3 %s >%s<\n              weir   %s >%s<\n", NR, a[1], a[2], b[1], b[2] }')
    [ -z "$diffs" ] || { fail "weir's sequence of line kinds differs from iperf3's:"; printf '%s\n' "$diffs"; }
    # Keep only the two client outputs for the failure report.
    rm -f "$CASE_DIR"/*.classes "$CASE_DIR"/iperf3-server-for-* "$CASE_DIR"/*.err
}

# ------------------------------------------------------------ text = JSON

# summary_rates: from a client's text (-f m) on stdin, one line per summary
# line: "[ID] END RATE sender|receiver" ("[5] 2.00 4152 receiver").
summary_rates() {
    awk '/ (sender|receiver)$/ {
            id = substr($0, 1, index($0, "]")); gsub(/ /, "", id)
            n = split(substr($0, index($0, "]") + 1), f, " ")
            for (i = 2; i <= n; i++) {
                if (f[i] == "sec") { split(f[i - 1], iv, "-"); end = iv[2] }
                if (f[i] == "Mbits/sec") rate = f[i - 1]
            }
            print id, end, rate, f[n]
         }'
}

# json_rates DOC: the same lines from a -J document, as the text reporter
# would print them (iperf3's %4.2f / %4.1f / %4.0f by magnitude).
json_rates() {
    jq -r '.end | ((.streams[] | (["sender", .sender], ["receiver", .receiver])),
                   ["sender", (.sum_sent | .socket = "SUM")], ["receiver", (.sum_received | .socket = "SUM")])
           | .[0] as $side | .[1] | [.socket, .end, .bits_per_second, $side] | map(tostring) | join(" ")' "$1" |
        awk '{
            v = $3 / 1e6
            f = v < 9.995 ? "%4.2f" : v < 99.95 ? "%4.1f" : "%4.0f"
            r = sprintf(f, v); gsub(/ /, "", r)
            printf "[%s] %.2f %s %s\n", $1, $2, r, $4
         }'
}

# text_json_case ARGS...: weir -c against iperf3 -s with the text on stdout
# and --reporter json:FILE in the same run: every summary line of the text
# shows the end and rate of the JSON's same stream and side, and those
# span their own side's time (check_spans), so the receiver's rate is over
# the receiver's duration in both.
text_json_case() {
    if [ -n "${WEIR_E2E_REFERENCE:-}" ]; then
        skip_case "iperf3 writes text or JSON, not both from one run"
        return
    fi
    local doc=$CASE_DIR/client.json
    start_server_retry iperf3 -1 || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" \
        -f m --reporter "json:$doc" "$@"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    CLI=$doc SRV="" check_spans
    summary_rates <"$CASE_DIR/client.out" | sort >"$CASE_DIR/text.rates"
    json_rates "$doc" | sort >"$CASE_DIR/json.rates"
    [ -s "$CASE_DIR/text.rates" ] || fail "no summary lines in the text output"
    local diffs
    diffs=$(diff "$CASE_DIR/json.rates" "$CASE_DIR/text.rates") ||
        fail "text summary lines vs the JSON of the same run (< JSON, > text):" $'\n'"$diffs"
    rm -f "$CASE_DIR"/*.rates
}

# udp_verbose_case: -u -V against iperf3 -s -1, iperf3's client and weir's:
# the block size taken from the control connection's MSS is announced right
# after that MSS, and not when -l gives it.
udp_verbose_case() {
    local who len out prog lines
    for who in iperf3 weir; do
        for len in "" 1000; do
            prog=$IPERF3
            [ "$who" = weir ] && prog=$WEIR
            out=$CASE_DIR/$who-l$len.out
            start_server_retry iperf3 -1 || return
            run_bounded "$out" "$CASE_DIR/$who.err" "$prog" -c 127.0.0.1 -p "$PORT" -u -V -t 1 \
                -b 1M ${len:+-l "$len"}
            wait_server
            expect_eq "$who -u -V ${len:+-l $len }exit status" "$RUN_RC" 0
            lines=$(grep -E '^(Control connection MSS|Setting UDP block size|Time:) ' "$out" |
                sed -E 's/[0-9]+$/N/; s/^Time: .*/Time:/' | paste -sd'|')
            if [ -z "$len" ]; then
                expect_eq "$who -u -V: lines before Time:" "$lines" \
                    "Control connection MSS N|Setting UDP block size to N|Time:"
                expect_eq "$who -u -V: the block size is the MSS" \
                    "$(sed -n 's/^Setting UDP block size to //p' "$out")" \
                    "$(sed -n 's/^Control connection MSS //p' "$out")"
            else
                expect_eq "$who -u -V -l $len: lines before Time:" "$lines" \
                    "Control connection MSS N|Time:"
            fi
        done
    done
}

# ------------------------------------------------------------ server output

# server_output_case: iperf3 3.12's server, once one client has asked for
# --get-server-output, sends its output to every later client.  The client
# that asked gets it; a client that did not shows none of it: one receiver
# line, no "Server output:" block, no server_output_text in -J.
server_output_case() {
    start_server_retry iperf3 || return
    local asked=$CASE_DIR/asked.json plain=$CASE_DIR/plain.out doc=$CASE_DIR/plain.json
    run_bounded "$asked" "$CASE_DIR/asked.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -J --get-server-output
    expect_eq "--get-server-output -J: exit status" "$RUN_RC" 0
    expect_eq "--get-server-output -J: server_output_text" \
        "$(jq 'has("server_output_text")' "$asked" 2>&1)" true
    run_bounded "$plain" "$CASE_DIR/plain.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1
    expect_eq "then without it: exit status" "$RUN_RC" 0
    expect_eq "then without it: receiver lines" "$(grep -c ' receiver$' "$plain")" 1
    expect_eq "then without it: \"Server output:\" lines" "$(grep -c '^Server output:' "$plain")" 0
    run_bounded "$doc" "$CASE_DIR/plain.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -J
    expect_eq "then -J without it: exit status" "$RUN_RC" 0
    expect_eq "then -J without it: server_output_text" "$(jq 'has("server_output_text")' "$doc" 2>&1)" false
    stop_pid "$SERVER_PID"
}

# ------------------------------------------------------------ the cases

mode_cases "-t 2 -J" normal 1 2 0 extra_start -t 2
mode_cases "-t 2 -P 4" normal 4 2 0 extra_parallel -t 2 -P 4
mode_cases "-t 2 -R" reverse 1 2 0 extra_reverse -t 2 -R
mode_cases "-t 2 --bidir" bidir 1 2 0 extra_bidir -t 2 --bidir
mode_cases "-n 10M" normal 1 - 0 extra_bytes -n 10M
mode_cases "-k 200 -l 64K" normal 1 - 0 extra_blocks -k 200 -l 64K
mode_cases "-O 1 -t 2" normal 1 2 1 extra_omit -O 1 -t 2

for proto in tcp udp; do
    for mode in normal reverse; do
        for amount in bytes blocks; do
            omit_amount_args "$proto" "$mode" "$amount"
            run_case "weir -c -> iperf3 -s: ${OMIT_ARGS[*]}: ends, the amount counted as iperf3 counts it" \
                omit_amount_case weir2iperf "$proto" "$mode" "$amount"
            run_case "iperf3 -c -> weir -s: ${OMIT_ARGS[*]}: ends, the amount counted as iperf3 counts it" \
                omit_amount_case iperf2weir "$proto" "$mode" "$amount"
        done
    done
done

run_case "iperf3 -c -R -l 1M -t 1 -> weir -s, 4 runs: the client's drain ends (no hang)" \
    reverse_drain_case

run_case "text layout as iperf3's: -P 2 -t 2" layout_case -P 2 -t 2
# -t 2: with -t 1 iperf3 3.12 may print its only interval after the results
# exchange, under the Retr/Cwnd header it then believes in; from the second
# on, a reverse client's header is the plain one.
run_case "text layout as iperf3's: -R -P 2 -t 2" layout_case -R -P 2 -t 2
run_case "text layout as iperf3's: --bidir -t 1" layout_case --bidir -t 1
run_case "text layout as iperf3's: -O 1 -t 1" layout_case -O 1 -t 1
run_case "text layout as iperf3's: -i 0 -P 2 -t 1 (one whole-test interval)" layout_case -i 0 -P 2 -t 1
run_case "weir -c -> iperf3 -s, -J -i 0: one whole-test interval: -P 2 -t 1" interval0_case weir2iperf -P 2 -t 1
run_case "weir -c -> iperf3 -s, -J -i 0: one whole-test interval: -u -R -b 1M -t 1" \
    interval0_case weir2iperf -u -R -b 1M -t 1
run_case "iperf3 -c -> weir -s, -J -i 0: one whole-test interval: -R -t 1" interval0_case iperf2weir -R -t 1
run_case "iperf3 -c -> weir -s, -J -i 0: one whole-test interval: -u -b 1M -t 1" \
    interval0_case iperf2weir -u -b 1M -t 1
run_case "text summary = JSON of the same run, receiver over its own time: -P 2 -t 2" \
    text_json_case -P 2 -t 2
run_case "text summary = JSON of the same run, receiver over its own time: -R -P 2 -t 1" \
    text_json_case -R -P 2 -t 1
run_case "-u -V: \"Setting UDP block size to N\" as iperf3's" udp_verbose_case
run_case "an iperf3 server's output only to the client that asked (--get-server-output)" \
    server_output_case

finish
