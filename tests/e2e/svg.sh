#!/usr/bin/env bash
# The svg reporter through the real binary, loader and sockets on loopback.
# Every run also writes a -J document (--reporter json:FILE) of the same
# test, and each chart is checked against it:
#   - one polyline per stream plus the sum (two sums with --bidir), each a
#     step per interval of the document (two points), from the plot's left
#     edge (the first interval's start) to its right (the last one's end);
#   - legend rows "sum" / "[  5]", the socket as the text output shows it
#     (", sending" / ", receiving" with --bidir), for the document's
#     streams, in its order; the streams after the first dashed, each
#     differently, and the sum back of --bidir;
#   - the plot down to the caption, the caption at the picture's bottom;
#   - the y axis unit chosen from the largest interval rate of the document
#     (Kbits/s, Mbits/s, Gbits/s), its top tick the first at or above it;
#     numeric tick labels, "Time (s)";
#   - the title (-T escaped), the subtitle's transport and direction, the
#     caption's summary, the -O shading;
# and a comparison run (--transport tcp,udp) against its {tests, comparison}
# document: one summed line per transport, bars from the comparison rows.
# Then every chart must parse (xmllint --noout, Debian libxml2-utils) and
# render (rsvg-convert, Debian librsvg2-bin) to a 960 pixels wide PNG, 540
# high plus the transport facts table under the chart (a row per stream
# -J's start.weir.streams describes, checked against it; quic's controller,
# cipher, handshake time and packet counts); those two cases SKIP without
# their tool. Never asserts speed.
. "$(dirname "$0")/lib.sh"

require_tools

CHARTS=""               # every chart written, for the xmllint/rsvg cases
TITLE='<&>"weir'
TITLE_XML='&lt;&amp;&gt;&quot;weir'

# svg_texts FILE CLASS: the text of each <text class="CLASS">, one a line.
svg_texts() {
    grep -o "<text class=\"$2\"[^>]*>[^<]*</text>" "$1" | sed 's/^<text[^>]*>//; s/<\/text>$//'
}

# svg_lines FILE CLASS: number of polylines of class "series CLASS".
svg_lines() {
    grep -c "<polyline class=\"series $2\"" "$1"
}

# svg_points FILE: the number of points of each series polyline, one a line.
svg_points() {
    grep -o '<polyline class="series [^>]*points="[^"]*"' "$1" | sed 's/.*points="//; s/"$//' |
        awk '{ print NF }'
}

# check_chart SVG JSON ROLE: the chart against the -J document of the same
# test (ROLE client|server says which side wrote both).
check_chart() {
    local svg=$1 doc=$2 role=$3 want got
    if [ ! -s "$svg" ]; then
        fail "$svg: no chart written"
        return 1
    fi
    CHARTS="$CHARTS $svg"
    if ! jq -e '(.intervals | length) > 0' "$doc" >/dev/null 2>&1; then
        fail "$doc: no -J document with intervals to compare with"
        return 1
    fi
    expect_eq "$role chart: first line" "$(head -n 1 "$svg")" '<?xml version="1.0" encoding="UTF-8"?>'
    expect_eq "$role chart: last line" "$(tail -n 1 "$svg")" '</svg>'

    local bidir nstreams nint
    bidir=$(jq -r '.start.test_start.bidir' "$doc")
    nstreams=$(jq -r '.intervals[0].streams | length' "$doc")
    nint=$(jq -r '.intervals | length' "$doc")
    expect_eq "$role chart: stream polylines" "$(svg_lines "$svg" stream)" "$nstreams"
    expect_eq "$role chart: sum polylines" "$(svg_lines "$svg" sum)" $((bidir == 1 ? 2 : 1))
    expect_eq "$role chart: points of each polyline (= 2 x intervals)" \
        "$(svg_points "$svg" | sort -u | tr '\n' ' ')" "$((2 * nint)) "
    check_extent "$role chart" "$svg"

    # Legend rows, sums first, as the document names the streams.
    want=$(jq -r --arg role "$role" '
        def sockname: tostring | "[" + (if length < 3 then ("   " + .)[-3:] else . end) + "]";
        (.start.test_start.bidir == 1) as $bidir
        | if $bidir then
              (if $role == "client" then ["sum, sending", "sum, receiving"]
               else ["sum, receiving", "sum, sending"] end)[],
              (.intervals[0].streams[] | "\(.socket | sockname), \(if .sender then "sending" else "receiving" end)")
          else "sum", (.intervals[0].streams[] | .socket | sockname) end' "$doc")
    got=$(svg_texts "$svg" legend)
    expect_eq "$role chart: legend" "$(echo $got)" "$(echo $want)"
    # Dashed (in the plot and the legend): every stream but the first, each
    # its own pattern (6 of them, more than these tests' streams), and
    # the --bidir sum back.
    expect_eq "$role chart: dashed lines" "$(grep -c 'stroke-dasharray' "$svg")" \
        $((2 * (nstreams - 1) + 2 * bidir))
    expect_eq "$role chart: dash patterns of the streams" \
        "$(grep -o '<polyline class="series stream"[^>]*stroke-dasharray="[^"]*"' "$svg" |
            sed 's/.*stroke-dasharray=//' | sort -u | wc -l)" $((nstreams - 1))

    # The y unit from the largest rate drawn, its top tick the first one
    # at or above that rate.
    local max unit scale
    max=$(jq '[.intervals[] | .sum.bits_per_second, (.sum_bidir_reverse.bits_per_second // 0),
               .streams[].bits_per_second] | max' "$doc")
    read -r unit scale < <(awk -v m="$max" 'BEGIN {
        if (m >= 1e12) print "Tbits/s 1e12"; else if (m >= 1e9) print "Gbits/s 1e9";
        else if (m >= 1e6) print "Mbits/s 1e6"; else if (m >= 1e3) print "Kbits/s 1e3";
        else print "bits/s 1" }')
    expect_eq "$role chart: y axis title" "$(svg_texts "$svg" ylabel)" "Throughput ($unit)"
    local ticks
    ticks=$(svg_texts "$svg" ytick | tr '\n' ' ')
    if ! awk -v m="$max" -v s="$scale" -v t="$ticks" 'BEGIN {
            n = split(t, v, " ")
            if (n < 3 || v[1] + 0 != 0) exit 1
            for (i = 1; i <= n; i++) if (v[i] !~ /^[0-9]+(\.[0-9]+)?$/) exit 1
            if (v[n] * s < m * 0.999 || v[n - 1] * s >= m) exit 1
        }'; then
        fail "$role chart: y ticks '$ticks' ($unit) do not fit the largest rate $max bits/s"
    fi
    expect_eq "$role chart: x axis title" "$(svg_texts "$svg" xlabel)" "Time (s)"
    ticks=$(svg_texts "$svg" xtick | tr '\n' ' ')
    if ! awk -v t="$ticks" 'BEGIN { n = split(t, v, " "); if (n < 2) exit 1
            for (i = 1; i <= n; i++) if (v[i] !~ /^-?[0-9]+(\.[0-9]+)?$/) exit 1 }'; then
        fail "$role chart: x ticks '$ticks'"
    fi

    # -O: shaded and in the legend exactly when the document has omitted intervals.
    local omitted
    omitted=$(jq '[.intervals[] | select(.sum.omitted)] | length > 0' "$doc")
    expect_eq "$role chart: -O shading" "$(grep -c '<rect class="omitted"' "$svg")" \
        "$([ "$omitted" = true ] && echo 1 || echo 0)"
    # Without a -T the title is weir's own.
    local title
    title=$(jq -r '.title // empty' "$doc")
    [ -n "$title" ] || expect_eq "$role chart: title" "$(svg_texts "$svg" title)" "weir throughput"
    check_facts "$role chart" "$svg" "$doc"
}

# check_facts WHAT SVG JSON: the facts table under the chart has a row
# (its label) for each stream the document's start.weir.streams describes
# (8 at most), in the order of start.connected, and the first stream's
# first fact ("key value", -V's way) starts its text.
check_facts() {
    local want got first
    want=$(jq -r '
        def sockname: tostring | "[" + (if length < 3 then ("   " + .)[-3:] else . end) + "]";
        [.start.connected[].socket] as $sock
        | [.start.weir.streams // [] | to_entries[] | select(.value | length > 1) | $sock[.key] | sockname]
        | .[:8][]' "$3")
    # Labels are "[  5]", with --bidir "[  5] sending": the sockets count.
    got=$(svg_texts "$2" facts-stream | grep -o '^\[ *[0-9]*\]')
    expect_eq "$1: facts rows" "$(echo $got)" "$(echo $want)"
    [ -n "$want" ] || return 0
    first=$(jq -r '.start.weir.streams[0] | to_entries[0] | select(.value | type != "object")
                   | "\(.key) \(if .value == true then "yes" elif .value == false then "no" else .value end)"' "$3")
    [ -z "$first" ] || case $(svg_texts "$2" facts-start | head -n 1) in
        "$first"*) ;;
        *) fail "$1: first facts line '$(svg_texts "$2" facts-start | head -n 1)' does not start with '$first'" ;;
    esac
}

# subtitle_has SVG TEXT
subtitle_has() {
    local sub
    sub=$(svg_texts "$1" subtitle)
    case $sub in
        *"$2"*) ;;
        *) fail "subtitle '$sub' lacks '$2'" ;;
    esac
}

# caption_has SVG TEXT
caption_has() {
    local cap
    cap=$(svg_texts "$1" caption | tr '\n' ' ')
    case $cap in
        *"$2"*) ;;
        *) fail "caption '$cap' lacks '$2'" ;;
    esac
}

# check_extent WHAT SVG: every series polyline starts at the plot's left
# edge and none ends past its right edge; the longest ends there (within 2 %
# of the width: the time axis may round its end up to the next tick; in a
# comparison chart each test's line ends at that test's own duration); the plot (the axes' path "M left top V bottom H
# right") reaches below 4/5 of the 540 px, and the caption's last line
# sits at the bottom.
check_extent() {
    local what=$1 svg=$2 frame ends caption
    frame=$(grep -o 'class="axes" d="M[0-9.]* [0-9.]*V[0-9.]*H[0-9.]*"' "$svg" | sed 's/.*d="M//; s/"$//; s/[VH]/ /g')
    ends=$(grep -o '<polyline class="series [^>]*points="[^"]*"' "$svg" | sed 's/.*points="//; s/"$//' |
        awk '{ split($1, a, ","); split($NF, b, ","); print a[1], b[1] }')
    caption=$(grep -o '<text class="caption" x="[0-9]*" y="[0-9]*"' "$svg" | tail -n 1 | sed 's/.*y="//; s/"$//')
    if ! awk -v f="$frame" -v c="${caption:-0}" '
            BEGIN { split(f, v, " "); left = v[1]; bottom = v[3]; right = v[4]
                    if (bottom < 432 || c < 520) bad = 1 }
            { if ($1 - left > 0.2 || left - $1 > 0.2 || $2 - right > 0.2) bad = 1
              if ($2 > last) last = $2 }
            END { if (right - last > (right - left) * 0.02) bad = 1; exit bad }' <<<"$ends"; then
        fail "$what: lines from/to the plot's edges, plot down to the caption (frame: $frame;" \
            "caption at y=$caption; polyline ends: $(echo $ends))"
    fi
}

# ------------------------------------------------------------ cases

loopback_case() {
    local svg=$CASE_DIR/chart.svg doc=$CASE_DIR/doc.json
    run_bounded "$CASE_DIR/stdout" "$CASE_DIR/stderr" "$WEIR" --loopback -t 3 -O 1 -T "$TITLE" \
        --reporter text --reporter "svg:$svg" --reporter "json:$doc"
    expect_eq "exit status" "$RUN_RC" 0
    grep -q 'weir Done\.$' "$CASE_DIR/stdout" || fail "the text reporter did not finish"
    [ -s "$CASE_DIR/stderr" ] && fail "stderr: $(head -n 3 "$CASE_DIR/stderr")"
    check_chart "$svg" "$doc" client || return
    expect_eq "title (-T escaped)" "$(svg_texts "$svg" title)" "$TITLE_XML"
    grep -q "<title>$TITLE_XML - TCP, client sending to 127.0.0.1 port [0-9]*, 3 s, 1 stream, first 1 s omitted</title>" "$svg" ||
        fail "<title> element: $(grep -o '<title>.*</title>' "$svg")"
    expect_eq "omitted intervals in the document" "$(jq '[.intervals[] | select(.sum.omitted)] | length' "$doc")" 1
    caption_has "$svg" "Average: sender "
    caption_has "$svg" ", receiver "
}

# pair_case NAME SERVER-ARGS -- CLIENT-ARGS: weir -s -1 and weir -c, both
# with svg and json reporters; the charts are checked against each side's
# document. Sets SVG_C, SVG_S.
pair_case() {
    SVG_C=$CASE_DIR/client.svg SVG_S=$CASE_DIR/server.svg
    local jc=$CASE_DIR/client.json js=$CASE_DIR/server.json
    start_server_retry weir -1 --reporter "svg:$SVG_S" --reporter "json:$js" || return 1
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" \
        --reporter "svg:$SVG_C" --reporter "json:$jc" "$@"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    check_chart "$SVG_C" "$jc" client
    check_chart "$SVG_S" "$js" server
}

parallel_case() {
    pair_case -t 3 -P 3 -T "$TITLE" || return
    subtitle_has "$SVG_C" "TCP, client sending to 127.0.0.1 port $PORT, 3 s, 3 streams"
    subtitle_has "$SVG_S" "TCP, server receiving from 127.0.0.1, 3 s, 3 streams"
    expect_eq "client title (-T escaped)" "$(svg_texts "$SVG_C" title)" "$TITLE_XML"
    caption_has "$SVG_C" "Average: sender "
}

reverse_case() {
    pair_case -t 2 -P 2 -R || return
    subtitle_has "$SVG_C" "client receiving from 127.0.0.1 port $PORT (reverse)"
    subtitle_has "$SVG_S" "server sending to 127.0.0.1 (reverse)"
}

bidir_case() {
    pair_case -t 2 -P 2 --bidir || return
    subtitle_has "$SVG_C" "client sending to and receiving from 127.0.0.1 port $PORT (bidir), 2 s, 2 streams"
    subtitle_has "$SVG_S" "server sending to and receiving from 127.0.0.1 (bidir)"
    caption_has "$SVG_C" "Client to server: sender "
    caption_has "$SVG_C" "Server to client: sender "
}

udp_case() {
    pair_case -u -b 20M -t 2 -P 2 || return
    subtitle_has "$SVG_C" "UDP, client sending to 127.0.0.1 port $PORT, 2 s, 2 streams"
    caption_has "$SVG_C" "jitter "
    caption_has "$SVG_C" " lost "
}

# --transport tcp,udp: one chart of both tests after the comparison, checked
# against the {tests, comparison} document of the same run.
comparison_case() {
    local svg=$CASE_DIR/compare.svg doc=$CASE_DIR/compare.json got want
    run_bounded "$CASE_DIR/stdout" "$CASE_DIR/stderr" "$WEIR" --loopback -t 2 -b 50M \
        --transport tcp,udp -T "$TITLE" --reporter "svg:$svg" --reporter "json:$doc"
    expect_eq "exit status" "$RUN_RC" 0
    grep -q 'Comparison, one test per transport' "$CASE_DIR/stdout" || fail "no comparison table on stdout"
    if [ ! -s "$svg" ] || ! jq -e '(.tests | length) == 2' "$doc" >/dev/null 2>&1; then
        fail "no chart, or no {tests, comparison} document with two tests"
        return
    fi
    CHARTS="$CHARTS $svg"
    expect_eq "documents in the file" "$(grep -c '^<svg ' "$svg")" 1
    expect_eq "transport polylines" "$(svg_lines "$svg" transport)" 2
    expect_eq "stream polylines" "$(svg_lines "$svg" stream)" 0
    expect_eq "points per transport (= 2 x its test's intervals)" "$(svg_points "$svg" | tr '\n' ' ')" \
        "$(jq -r '[.tests[].intervals | length * 2] | join(" ")' "$doc") "
    check_extent "comparison chart" "$svg"
    expect_eq "transport lines: one solid, one dashed" "$(grep -c '<polyline class="series transport"[^>]*stroke-dasharray' "$svg")" 1
    expect_eq "legend" "$(svg_texts "$svg" legend | tr '\n' ' ')" "tcp udp "
    expect_eq "bar labels" "$(svg_texts "$svg" bar-label | tr '\n' ' ')" "tcp udp "
    expect_eq "sender bars" "$(grep -c '<rect class="bar sender"' "$svg")" 2
    expect_eq "receiver bars" "$(grep -c '<rect class="bar receiver"' "$svg")" 2
    expect_eq "title (-T escaped)" "$(svg_texts "$svg" title)" "$TITLE_XML"
    subtitle_has "$svg" "Comparison of tcp, udp: client sending to 127.0.0.1 port "
    # Units: the lines' from the largest summed interval rate, the bars'
    # from the largest final average (50M paced: Mbits/s for both).
    want=$(jq -r '[.tests[].intervals[].sum.bits_per_second] | max
                  | if . >= 1e9 then "Gbits/s" elif . >= 1e6 then "Mbits/s" else "Kbits/s" end' "$doc")
    expect_eq "y axis title" "$(svg_texts "$svg" ylabel)" "Throughput ($want)"
    want=$(jq -r '[.comparison.transports[] | .sender_bits_per_second, .receiver_bits_per_second] | max
                  | if . >= 1e9 then "Gbits/s" elif . >= 1e6 then "Mbits/s" else "Kbits/s" end' "$doc")
    expect_eq "bar chart title" "$(svg_texts "$svg" bars-title)" "Final average ($want)"
    caption_has "$svg" "tcp: sender "
    caption_has "$svg" "; udp: sender "
}

# quic's facts under its chart: the controller, the cipher, a handshake
# time above 0, and packets sent by the last interval.
quic_case() {
    local svg=$CASE_DIR/chart.svg doc=$CASE_DIR/doc.json text
    run_bounded "$CASE_DIR/stdout" "$CASE_DIR/stderr" "$WEIR" --loopback --transport quic -P 2 -t 2 \
        --reporter "svg:$svg" --reporter "json:$doc"
    expect_eq "exit status" "$RUN_RC" 0
    check_chart "$svg" "$doc" client || return
    expect_eq "facts rows" "$(svg_texts "$svg" facts-stream | wc -l)" 2
    text=$(svg_texts "$svg" facts-start | tr '\n' ' ')
    case $text in *"congestion cubic"*) ;; *) fail "no 'congestion cubic' in '$text'" ;; esac
    case $text in *"cipher TLS_"*) ;; *) fail "no cipher in '$text'" ;; esac
    echo "$text" | grep -Eq 'handshake_ms (0\.0*[1-9]|[1-9])' || fail "no handshake time above 0 in '$text'"
    text=$(svg_texts "$svg" facts-last | tr '\n' ' ')
    echo "$text" | grep -Eq 'packets_sent [1-9]' || fail "no packets sent in '$text'"
}

# Without a path the chart is the output.
stdout_case() {
    local svg=$CASE_DIR/stdout.svg
    run_bounded "$svg" "$CASE_DIR/stderr" "$WEIR" --loopback -t 1 --reporter svg
    expect_eq "exit status" "$RUN_RC" 0
    expect_eq "first line" "$(head -n 1 "$svg")" '<?xml version="1.0" encoding="UTF-8"?>'
    expect_eq "documents" "$(grep -c '^<svg ' "$svg")" 1
    expect_eq "last line" "$(tail -n 1 "$svg")" '</svg>'
    expect_eq "sum polylines" "$(svg_lines "$svg" sum)" 1
    CHARTS="$CHARTS $svg"
}

# A chart that cannot be written: one clear line at the start, the text
# output goes on, and the exit status says that a reporter failed.
bad_path_case() {
    local path=$CASE_DIR/missing/chart.svg
    run_bounded "$CASE_DIR/stdout" "$CASE_DIR/stderr" "$WEIR" --loopback -t 1 --reporter "svg:$path"
    expect_eq "exit status" "$RUN_RC" 1
    expect_eq "stderr" "$(cat "$CASE_DIR/stderr")" \
        "weir: error - reporter 'svg' failed to start with argument $path: svg reporter: cannot open $path: No such file or directory"
    grep -q 'weir Done\.$' "$CASE_DIR/stdout" || fail "the text output did not go on"
    [ -e "$CASE_DIR/missing" ] && fail "$CASE_DIR/missing was created"
    run_bounded "$CASE_DIR/stdout" "$CASE_DIR/stderr" "$WEIR" --loopback -t 1 --reporter "svg:$CASE_DIR"
    expect_eq "exit status (a directory)" "$RUN_RC" 1
    expect_eq "stderr (a directory)" "$(cat "$CASE_DIR/stderr")" \
        "weir: error - reporter 'svg' failed to start with argument $CASE_DIR: svg reporter: cannot open $CASE_DIR: Is a directory"
}

xmllint_case() {
    if ! command -v xmllint >/dev/null 2>&1; then
        skip_case "xmllint not installed (Debian: libxml2-utils)"
        return
    fi
    [ -n "$CHARTS" ] || fail "no charts were written"
    local f
    for f in $CHARTS; do
        timeout 10 xmllint --noout "$f" 2>"$CASE_DIR/xmllint.err" ||
            fail "$f does not parse: $(head -n 3 "$CASE_DIR/xmllint.err")"
    done
}

# png_size FILE: "WIDTHxHEIGHT" from the IHDR chunk, after the signature.
png_size() {
    od -An -tu1 -N24 "$1" | tr -s ' \n' ' ' | awk '{
        if ($1 != 137 || $2 != 80 || $3 != 78 || $4 != 71) { print "not a PNG"; exit }
        printf "%dx%d\n", (($17 * 256 + $18) * 256 + $19) * 256 + $20, (($21 * 256 + $22) * 256 + $23) * 256 + $24 }'
}

rsvg_case() {
    if ! command -v rsvg-convert >/dev/null 2>&1; then
        skip_case "rsvg-convert not installed (Debian: librsvg2-bin)"
        return
    fi
    [ -n "$CHARTS" ] || fail "no charts were written"
    local f png n=0
    for f in $CHARTS; do
        n=$((n + 1))
        png=$CASE_DIR/chart$n.png
        if ! timeout 20 rsvg-convert -o "$png" "$f" 2>"$CASE_DIR/rsvg.err"; then
            fail "$f does not render: $(head -n 3 "$CASE_DIR/rsvg.err")"
            continue
        fi
        [ "$(stat -c %s "$png")" -gt 1000 ] || fail "$png: only $(stat -c %s "$png") bytes"
        # 960x540, taller by the facts table under the chart.
        local w h
        w=$(grep -o '^<svg [^>]*' "$f" | sed -n 's/.* width="\([0-9]*\)".*/\1/p')
        h=$(grep -o '^<svg [^>]*' "$f" | sed -n 's/.* height="\([0-9]*\)".*/\1/p')
        expect_eq "$f: width" "$w" 960
        [ "${h:-0}" -ge 540 ] || fail "$f: height '$h' under 540"
        grep -q 'class="facts"' "$f" || expect_eq "$f: height without facts" "$h" 540
        expect_eq "$f: PNG size" "$(png_size "$png")" "${w}x$h"
    done
}

run_case "--loopback -t 3 -O 1 -T, text + svg + json reporters" loopback_case
run_case "weir -s / weir -c -P 3: both sides' charts" parallel_case
run_case "weir -s / weir -c -P 2 -R" reverse_case
run_case "weir -s / weir -c -P 2 --bidir" bidir_case
run_case "weir -s / weir -c -u -b 20M -P 2" udp_case
run_case "--loopback --transport tcp,udp: comparison chart" comparison_case
run_case "--reporter svg (no path): the chart on stdout" stdout_case
run_case "svg:PATH that cannot be written: one line, text goes on, exit 1" bad_path_case
run_case "every chart parses (xmllint --noout)" xmllint_case
if have_plugin quic; then
    run_case "--loopback --transport quic -P 2: the facts table" quic_case
else
    skip_check "--transport quic: the facts table" "the quic plugin was not built"
fi
run_case "every chart renders (rsvg-convert): 960 wide, 540 and the facts high" rsvg_case
finish
