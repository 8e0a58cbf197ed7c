#!/bin/sh
# make fuzz: build every fuzz target with libFuzzer, ASan and UBSan, then
# run each for FUZZ_SECONDS (default 60) on a scratch copy of its corpus.
# Called from tests/ by the fuzz rule in fuzz.am, which passes FUZZ_CC,
# TOP_SRCDIR, TOP_BUILDDIR, FUZZ_INCLUDES and FUZZ_LIBS.
#   FUZZ_TARGETS  targets to run (default: all)
#   FUZZ_MERGE=1  afterwards, merge what the run found into the source
#                 tree's corpus (only inputs that add coverage)
# Crashes, leaks and UBSan reports stop a target and leave the input in
# fuzz/artifacts/; the script then fails.
set -u

SECONDS_EACH=${FUZZ_SECONDS:-60}
ALL="server_control client_control params_json results_json udp_rx udp_hello_reply"
# quic_rx when this build has the quic plugin (ngtcp2 and GnuTLS found).
[ "${FUZZ_QUIC:-}" = yes ] && ALL="$ALL quic_rx"
TARGETS=${FUZZ_TARGETS:-$ALL}
FUZZ_DIR=$TOP_SRCDIR/tests/fuzz
BIN=fuzz/bin
ARTIFACTS=fuzz/artifacts

# The core's sources are the convenience library's (everything but main.c)
# and the code it links from plugins/common, found rather than listed so that
# a new file cannot leave the targets unlinkable; the udp targets link the
# plugin's wire code (libudpwire in plugins/udp/Makefile.am, libweirdgram in
# plugins/common/Makefile.am).
core_sources() {
    find "$TOP_SRCDIR/src" "$TOP_SRCDIR/plugins/common" -name '*.c' ! -name main.c | LC_ALL=C sort
}
UDP_SRC="plugins/udp/udp_hello.c plugins/common/dgram.c"
# quic_rx: the quic plugin's sources, what they call in plugins/common, and
# the real client Initial it starts from.
quic_sources() {
    find "$TOP_SRCDIR/plugins/quic" "$TOP_SRCDIR/plugins/common" -name '*.c' | LC_ALL=C sort
    echo "$FUZZ_DIR/quic_initial.c"
}
OBJ=fuzz/obj

# -max_len: room for a real message and its edge cases, no more (the
# control targets: the 8 KiB parameter limit plus results).
max_len() {
    case $1 in
        server_control|client_control) echo 20000 ;;
        params_json|results_json) echo 12000 ;;
        udp_rx) echo 70000 ;;
        quic_rx) echo 8000 ;;
        *) echo 1024 ;;
    esac
}

CFLAGS_FUZZ="-g -O1 -std=c11 -D_GNU_SOURCE -fno-omit-frame-pointer
    -Wno-gnu-variable-sized-type-not-at-end
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -I$TOP_BUILDDIR -I$TOP_SRCDIR/sdk/include -I$TOP_SRCDIR/src
    -I$TOP_SRCDIR/plugins/common -I$TOP_SRCDIR/plugins/udp -I$TOP_SRCDIR/plugins/quic -I$FUZZ_DIR
    $FUZZ_INCLUDES ${QUIC_CFLAGS:-}"

# compile SRC: its instrumented object under $OBJ (path printed), rebuilt
# only when a source or header is newer.
compile() {
    o=$OBJ/$(printf '%s' "${1#"$TOP_SRCDIR"/}" | tr / _ | sed 's/\.c$/.o/')
    if [ ! -f "$o" ] || [ -n "$(find "$1" "$TOP_SRCDIR/src" "$TOP_SRCDIR/plugins/common" "$TOP_SRCDIR/sdk/include" "$FUZZ_DIR" \
            -name '*.[ch]' -newer "$o" | head -n 1)" ]; then
        echo "  FUZZCC   $o" >&2
        # shellcheck disable=SC2086
        $FUZZ_CC $CFLAGS_FUZZ -c "$1" -o "$o" || return 1
    fi
    echo "$o"
}

# The objects target $1 links besides its own source.
objects() {
    case $1 in
        udp_*) for f in $UDP_SRC; do compile "$TOP_SRCDIR/$f" || return 1; done ;;
        quic_*) for f in $(quic_sources); do compile "$f" || return 1; done ;;
        *)
            for f in $(core_sources); do compile "$f" || return 1; done
            case $1 in params_json) ;; *) compile "$FUZZ_DIR/fuzz_util.c" || return 1 ;; esac ;;
    esac
}

build() {
    t=$1
    objs=$(objects "$t") || return 1
    main=$(compile "$FUZZ_DIR/$t.c") || return 1
    echo "  FUZZLD   $BIN/$t"
    extra=""
    case $t in quic_*) extra=${QUIC_LIBS:-} ;; esac
    # shellcheck disable=SC2086
    $FUZZ_CC -fsanitize=fuzzer,address,undefined $main $objs -o "$BIN/$t" $FUZZ_LIBS $extra -lm -lpthread
}

mkdir -p "$BIN" "$ARTIFACTS" "$OBJ" || exit 1
for t in $TARGETS; do
    [ -f "$FUZZ_DIR/$t.c" ] || { echo "make fuzz: no target '$t'" >&2; exit 1; }
    build "$t" || { echo "make fuzz: building $t failed" >&2; exit 1; }
done

failed=""
for t in $TARGETS; do
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/weir-fuzz-$t.XXXXXX") || exit 1
    cp "$FUZZ_DIR/corpus/$t"/* "$scratch"/ 2>/dev/null
    dict=""
    case $t in udp_*|quic_*) ;; *) dict="-dict=$FUZZ_DIR/json.dict" ;; esac
    echo "== $t: $SECONDS_EACH s, corpus $(ls "$scratch" | wc -l) inputs"
    # Bounded twice: libFuzzer's own clock, and timeout(1) should it hang.
    # shellcheck disable=SC2086
    timeout -k 10 $((SECONDS_EACH + 120)) nice "$BIN/$t" -max_total_time="$SECONDS_EACH" \
        -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$ARTIFACTS/$t-" $dict "$scratch" > "$ARTIFACTS/$t.log" 2>&1
    rc=$?
    grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|cov:' "$ARTIFACTS/$t.log" |
        tail -n 3
    if [ $rc -ne 0 ]; then
        echo "== $t FAILED (exit $rc): see $ARTIFACTS/$t.log"
        grep -E 'ERROR:|runtime error|invariant failed|Test unit written' "$ARTIFACTS/$t.log" | head -n 5
        failed="$failed $t"
    elif [ "${FUZZ_MERGE:-0}" = 1 ]; then
        "$BIN/$t" -merge=1 -max_len="$(max_len "$t")" "$FUZZ_DIR/corpus/$t" "$scratch" \
            > "$ARTIFACTS/$t.merge.log" 2>&1 || failed="$failed $t(merge)"
        echo "== $t: corpus now $(ls "$FUZZ_DIR/corpus/$t" | wc -l) inputs"
    fi
    rm -rf "$scratch"
done
if [ -n "$failed" ]; then
    echo "make fuzz: failed:$failed" >&2
    exit 1
fi
echo "make fuzz: every target ran $SECONDS_EACH s without a finding"
