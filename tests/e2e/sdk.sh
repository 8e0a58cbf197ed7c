#!/usr/bin/env bash
# The SDK is all a stranger needs. From a real `make install` (DESTDIR, into
# a temporary directory) of weir, its plugins and its SDK:
#   - every installed header compiles alone (C99 -pedantic, and as C++);
#   - the installed example reporter and transport build outside the tree
#     with one cc line and `pkg-config --cflags --libs weir-sdk` alone, and
#     with the examples' own Makefile;
#   - the installed weir loads them by path and by name over loopback and
#     their output is right: the reporter's CSV line carries the test's byte
#     counts, the transport moves a test between two processes (server_start,
#     describe, describe_interval and info included), and a test giving a
#     transport parameter it does not list (-C) is refused in one line;
#   - pkg-config's abi_major and abi_minor are the WEIR_ABI_MAJOR and
#     WEIR_ABI_MINOR a plugin compiles with, and the ABI weir -v names;
#     --modversion is weir's release;
#   - a plugin built against another ABI major is refused with one line
#     naming both versions.
#
# Environment (tests/Makefile.am): WEIR (unused: the installed one runs),
# TESTS_DIR, PLUGIN_BUILD_DIR (plugins/ in the build tree). Exit 0 all
# passed, 1 a failure, 77 skip (no cc, make or pkg-config).
E2E_DEADLINE=${E2E_DEADLINE:-240}
. "$(dirname "$0")/lib.sh"
: "${PLUGIN_BUILD_DIR:?}"
require_tools
TOP_SRCDIR=$(cd "$TESTS_DIR/.." && pwd)
TOP_BUILDDIR=$(cd "$PLUGIN_BUILD_DIR/.." && pwd)
CC=${CC:-cc}
CXX=${CXX:-c++}
for tool in "${CC%% *}" make pkg-config; do
    require_tool "$tool"
done
case "$E2E_TMP/" in
"$TOP_SRCDIR"/* | "$TOP_BUILDDIR"/*)
    fail_check "temp dir $E2E_TMP is inside the tree; set TMPDIR elsewhere"
    exit 1 ;;
esac

# The outer make's flags must not reach the makes run here.
unset MAKEFLAGS MFLAGS MAKELEVEL

# --- Install: what `make install` puts in place, under DESTDIR. ---
DEST=$E2E_TMP/dest
for dir in src plugins/tcp plugins/udp plugins/tls plugins/text plugins/json sdk; do
    if ! timeout 120 make -C "$TOP_BUILDDIR/$dir" install DESTDIR="$DEST" >>"$E2E_TMP/install.log" 2>&1; then
        fail_shown "make install DESTDIR=... in $dir" "$E2E_TMP/install.log"
        exit 1
    fi
done
pc=$(find "$DEST" -name weir-sdk.pc)
IWEIR=$(find "$DEST" -path '*/bin/weir' -type f)
examples=$(dirname "$(find "$DEST" -path '*/sdk/examples/skeleton-reporter.c')")
guide=$(find "$DEST" -path '*/sdk/README.md')
# pkg-config as for a staged install: the .pc's paths under DESTDIR.
export PKG_CONFIG_SYSROOT_DIR=$DEST PKG_CONFIG_LIBDIR=${pc%/*} PKG_CONFIG_PATH=
INCDIR=$(pkg-config --cflags-only-I weir-sdk | sed 's/^-I//; s/ *$//')
PLUGINDIR=$(pkg-config --variable=plugindir weir-sdk)
if [ -z "$pc" ] || [ ! -x "$IWEIR" ] || [ ! -f "$examples/Makefile" ] || [ -z "$guide" ] ||
   [ "${INCDIR#"$DEST"/}" = "$INCDIR" ] || [ ! -f "$PLUGINDIR/tcp.so" ]; then
    fail_check "make install put weir, weir-sdk.pc, the headers, the guide and the examples in place"
    echo "    pc=$pc weir=$IWEIR examples=$examples guide=$guide include=$INCDIR plugindir=$PLUGINDIR"
    find "$DEST" -type f | sed 's/^/    /'
    exit 1
fi
# From here on only the installed weir and its installed plugins.
WEIR=$IWEIR
WEIR_PLUGIN_PATH=$PLUGINDIR
export WEIR WEIR_PLUGIN_PATH

EX=$E2E_TMP/ex                  # the examples, copied from the install
mkdir -p "$EX"
cp "$examples"/* "$EX/"
chmod -R u+w "$EX"
# One cc line each, pkg-config alone for the SDK.
build_plugin() {    # out.so src.c [extra cc args...]
    local out=$1 src=$2
    shift 2
    # shellcheck disable=SC2046 # pkg-config's words are meant to split
    timeout 60 $CC -shared -fPIC -fvisibility=hidden $(pkg-config --cflags --libs weir-sdk) \
        -O2 -g -Wall -Wextra -Werror "$@" -o "$out" "$src"
}

case_headers() {
    local want got h
    want=$(cd "$TOP_SRCDIR/sdk/include/weir" && ls ./*.h | sed 's|^\./||')
    got=$(cd "$INCDIR/weir" && ls ./*.h | sed 's|^\./||')
    expect_eq "installed headers" "$(echo $got)" "$(echo $want)"
    for h in $got; do
        # shellcheck disable=SC2046
        printf '#include <weir/%s>\n' "$h" |
            timeout 30 $CC -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only \
                $(pkg-config --cflags weir-sdk) -x c - >"$CASE_DIR/cc-$h.err" 2>&1 ||
            fail "<weir/$h> alone does not compile as C99: $(head -n 3 "$CASE_DIR/cc-$h.err")"
        if command -v "${CXX%% *}" >/dev/null 2>&1; then
            # shellcheck disable=SC2046
            printf '#include <weir/%s>\n' "$h" |
                timeout 30 $CXX -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only \
                    $(pkg-config --cflags weir-sdk) -x c++ - >"$CASE_DIR/cxx-$h.err" 2>&1 ||
                fail "<weir/$h> alone does not compile as C++11: $(head -n 3 "$CASE_DIR/cxx-$h.err")"
        fi
    done
}

# The ABI numbers pkg-config publishes are the header's, as a plugin
# built with pkg-config --cflags sees them, and the installed weir's.
case_pkgconfig_abi() {
    local major minor
    # shellcheck disable=SC2046
    read -r major minor < <(printf '#include <weir/plugin.h>\nweir_abi WEIR_ABI_MAJOR WEIR_ABI_MINOR\n' |
        timeout 30 $CC -E -P $(pkg-config --cflags weir-sdk) -x c - 2>"$CASE_DIR/cpp.err" |
        sed -n 's/^weir_abi //p')
    case "$major.$minor" in
    [0-9]*.[0-9]*) ;;
    *) fail "WEIR_ABI_MAJOR/MINOR not read from <weir/plugin.h>: $(head -n 3 "$CASE_DIR/cpp.err")"; return ;;
    esac
    expect_eq "pkg-config --variable=abi_major weir-sdk" "$(pkg-config --variable=abi_major weir-sdk)" "$major"
    expect_eq "pkg-config --variable=abi_minor weir-sdk" "$(pkg-config --variable=abi_minor weir-sdk)" "$minor"
    run_bounded "$CASE_DIR/version" "$CASE_DIR/version.err" "$WEIR" -v
    grep -qF "(plugin ABI $major.$minor," "$CASE_DIR/version" ||
        fail "weir -v does not name plugin ABI $major.$minor: $(head -n 1 "$CASE_DIR/version")"
    expect_eq "pkg-config --modversion weir-sdk (weir's release)" "$(pkg-config --modversion weir-sdk)" \
        "$(sed -n '1s/^weir \([^ ]*\) .*/\1/p' "$CASE_DIR/version")"
}

case_build() {
    local p hdrs stray exports
    for p in skeleton-reporter skeleton-transport; do
        build_plugin "$EX/$p.so" "$EX/$p.c" -MD -MF "$EX/$p.d" >"$CASE_DIR/build-$p.log" 2>&1 ||
            fail "$p: cc failed"
    done
    # -MD lists every header read: the weir ones must all be the installed ones.
    hdrs=$(cat "$EX"/*.d 2>/dev/null | tr -s ' \\' '\n' | grep '/weir/.*\.h$' | sort -u)
    stray=$(printf '%s\n' "$hdrs" | grep -v "^$INCDIR/weir/" || true)
    [ -n "$hdrs" ] && [ -z "$stray" ] || fail "weir headers not from the install: $stray"
    if command -v nm >/dev/null 2>&1; then
        exports=$(nm -D --defined-only "$EX"/skeleton-*.so | awk 'NF == 3 { print $3 }' | sort -u)
        expect_eq "symbols the plugins export" "$exports" "weir_plugin_entry"
    fi
}

# The value of "bytes" of end.NAME in a JSON document.
end_bytes() { json_get "$1" ".end.$2.bytes"; }

case_reporter_by_path() {
    local csv=$CASE_DIR/out.csv re sent received
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 --reporter text \
        --reporter "$EX/skeleton-reporter.so:$csv" --reporter "json:$CASE_DIR/r.json"
    expect_eq "exit status" "$RUN_RC" 0
    grep -q ' receiver$' "$CASE_DIR/out" || fail "the text reporter beside it printed no receiver line"
    re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z,client,TCP,1,[0-9]+\.[0-9]{3},[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*,[0-9]*$'
    expect_eq "CSV lines" "$(wc -l <"$csv" 2>/dev/null)" 1
    grep -Eq "$re" "$csv" || fail "CSV line malformed: $(cat "$csv")"
    IFS=, read -r _ _ _ _ _ sent received _ <"$csv"
    expect_eq "CSV sent_bytes vs json end.sum_sent.bytes" "$sent" "$(end_bytes "$CASE_DIR/r.json" sum_sent)"
    expect_eq "CSV received_bytes vs json end.sum_received.bytes" "$received" \
        "$(end_bytes "$CASE_DIR/r.json" sum_received)"
}

case_reporter_option() {
    local header='timestamp,role,protocol,streams,seconds,sent_bytes,received_bytes,sent_bps,received_bps,retransmits'
    run_bounded "$CASE_DIR/help" "$CASE_DIR/help.err" "$WEIR" --reporter "$EX/skeleton-reporter.so" --help
    grep -Eq '^ +--skeleton-header +write the CSV column names' "$CASE_DIR/help" ||
        fail "--help does not list --skeleton-header"
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 \
        --reporter "$EX/skeleton-reporter.so" --skeleton-header
    expect_eq "exit status" "$RUN_RC" 0
    expect_eq "lines" "$(wc -l <"$CASE_DIR/out")" 2
    expect_eq "first line" "$(head -n 1 "$CASE_DIR/out")" "$header"
    tail -n 1 "$CASE_DIR/out" | grep -Eq '^[0-9TZ:-]+,client,TCP,1,' || fail "no summary line after the header"
}

case_reporter_cannot_start() {
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 \
        --reporter "$EX/skeleton-reporter.so:$CASE_DIR/no/such/dir/x.csv"
    expect_eq "exit status" "$RUN_RC" 1
    grep -q "cannot open $CASE_DIR/no/such/dir/x.csv" "$CASE_DIR/err" || fail "the reason is not shown"
}

case_transport_loopback() {
    CLI=$CASE_DIR/client.json
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" --loopback -t 1 -J --transport "$EX/skeleton-transport.so"
    expect_eq "exit status" "$RUN_RC" 0
    jq_check '
        eq("start.weir.transport"; $C.start.weir.transport; "skeleton-transport"),
        gt("describe: start.weir.streams[0].sndbuf"; $C.start.weir.streams[0].sndbuf; 0),
        gt("describe: start.weir.streams[0].rcvbuf"; $C.start.weir.streams[0].rcvbuf; 0),
        eq("describe_interval: intervals[0].streams[0].weir.unacked_segments is a number";
           ($C.intervals[0].streams[0].weir.unacked_segments | type); "number"),
        eq("info: end.sum_sent has retransmits"; ($C.end.sum_sent | has("retransmits")); true),
        gt("end.sum_sent.bytes"; $C.end.sum_sent.bytes; 0),
        eq("bytes received vs sent"; $C.end.sum_received.bytes; $C.end.sum_sent.bytes)'
}

# --latency over a third party's transport: the skeleton's byte hooks
# carry the probes, every one answered.
case_transport_latency() {
    CLI=$CASE_DIR/client.json
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" --loopback --latency -k 200 -J \
        --transport "$EX/skeleton-transport.so"
    expect_eq "exit status" "$RUN_RC" 0
    jq_check '
        eq("probes answered"; $C.end.latency.sum.rtt.count; 200),
        eq("requests the server received"; $C.end.sum_received.bytes; 200 * 64)'
}

# The skeleton honours -N and lists no other transport parameter: -C is
# refused before any connection, naming the option and the transport.
case_transport_refuses() {
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 -N --transport "$EX/skeleton-transport.so"
    expect_eq "-N: exit status" "$RUN_RC" 0
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 -C reno --transport "$EX/skeleton-transport.so"
    expect_eq "-C: exit status" "$RUN_RC" 1
    expect_eq "-C: stderr" "$(cat "$CASE_DIR/err")" \
        "weir: error - an option you are trying to set is not implemented yet: --transport skeleton-transport does not support -C/--congestion"
}

# Two processes: the server on the skeleton too. `weir -s --transport PATH`
# runs its server_start and serves with it the tests whose wire key
# ("tcp") is the plugin's.
case_transport_two_processes() {
    start_server_retry weir -1 -J --transport "$EX/skeleton-transport.so" || return
    CLI=$CASE_DIR/client.json SRV=$SERVER_OUT
    run_bounded "$CLI" "$CASE_DIR/client.err" "$WEIR" -c 127.0.0.1 -p "$PORT" -t 1 -P 2 -J \
        --transport "$EX/skeleton-transport.so"
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "server exit status" "$SERVER_RC" 0
    grep -q "weir: info - skeleton-transport: ready" "$SERVER_ERR" || fail "server_start said nothing"
    jq_check '
        eq("client start.weir.transport"; $C.start.weir.transport; "skeleton-transport"),
        eq("server start.weir.transport"; $S.start.weir.transport; "skeleton-transport"),
        eq("server streams described"; ($S.start.weir.streams | length); 2),
        gt("client end.sum_sent.bytes"; $C.end.sum_sent.bytes; 0),
        # TCP: what is still in flight when the client ends the test is not
        # counted (iperf3 alike), so the server may have a little less.
        eq("the client reports what the server received"; $C.end.sum_received.bytes; $S.end.sum_received.bytes),
        gt("server received"; $S.end.sum_received.bytes; 0),
        ge("client sent at least what the server received"; $C.end.sum_sent.bytes; $S.end.sum_received.bytes)'
}

case_transport_bidir() {
    mkdir -p "$CASE_DIR/astcp"
    cp "$EX/skeleton-transport.so" "$CASE_DIR/astcp/tcp.so"
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --plugin-dir "$CASE_DIR/astcp" --loopback -t 1 --bidir
    expect_eq "exit status" "$RUN_RC" 0
    expect_eq "receiver lines" "$(grep -c ' receiver$' "$CASE_DIR/out")" 2
    expect_eq "sender lines" "$(grep -c ' sender$' "$CASE_DIR/out")" 2
}

case_makefile_install() {
    local mk=$E2E_TMP/mk
    mkdir -p "$mk"
    cp "$examples"/* "$mk/"
    chmod -R u+w "$mk"
    timeout 120 make -C "$mk" install CC="$CC" CFLAGS="-O2 -g -Wall -Wextra -Werror" \
        >"$CASE_DIR/make.log" 2>&1 || { fail "make install in the examples failed"; return; }
    [ -f "$PLUGINDIR/skeleton-transport.so" ] && [ -f "$PLUGINDIR/skeleton-reporter.so" ] ||
        fail "not installed into pkg-config's plugindir $PLUGINDIR"
    run_bounded "$CASE_DIR/list" "$CASE_DIR/list.err" "$WEIR" --list-plugins
    grep -Eq '^transport +skeleton-transport ' "$CASE_DIR/list" || fail "--list-plugins lacks skeleton-transport"
    grep -Eq '^reporter +skeleton-reporter ' "$CASE_DIR/list" || fail "--list-plugins lacks skeleton-reporter"
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 --transport skeleton-transport \
        --reporter text --reporter skeleton-reporter
    expect_eq "exit status" "$RUN_RC" 0
    grep -q ' receiver$' "$CASE_DIR/out" || fail "no receiver line"
    grep -Eq '^[0-9TZ:-]+,client,TCP,1,' "$CASE_DIR/out" || fail "no CSV line by name"
}

# Built against an SDK of the next major: the same source, the headers of
# the install with WEIR_ABI_MAJOR raised.
case_other_major() {
    local inc=$CASE_DIR/sdk-next/include major next
    mkdir -p "$inc"
    cp -r "$INCDIR/weir" "$inc/"
    chmod -R u+w "$inc"
    major=$(sed -n 's/^#define WEIR_ABI_MAJOR \([0-9]*\)$/\1/p' "$inc/weir/plugin.h")
    next=$((major + 1))
    sed -i "s/^#define WEIR_ABI_MAJOR $major\$/#define WEIR_ABI_MAJOR $next/" "$inc/weir/plugin.h"
    timeout 60 $CC -shared -fPIC -fvisibility=hidden -I"$inc" -O2 -Wall -Werror \
        -o "$CASE_DIR/next.so" "$EX/skeleton-reporter.c" >"$CASE_DIR/build.log" 2>&1 ||
        { fail "build against the next major failed"; return; }
    run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$WEIR" --loopback -t 1 --reporter "$CASE_DIR/next.so"
    expect_eq "exit status" "$RUN_RC" 1
    expect_eq "stderr lines" "$(grep -c . "$CASE_DIR/err")" 1
    grep -qF "weir: error - cannot use reporter plugin $CASE_DIR/next.so: it was built for plugin ABI $next." \
        "$CASE_DIR/err" || fail "the error does not name the plugin's ABI $next"
    grep -qF "but this weir needs ABI $major.x (rebuild it against weir-sdk with abi_major $major)" "$CASE_DIR/err" ||
        fail "the error does not name weir's ABI $major"
    [ ! -s "$CASE_DIR/out" ] || fail "a refused plugin still produced output"
}

run_case "installed headers each compile alone (C99 -pedantic, C++11)" case_headers
run_case "pkg-config's abi_major/abi_minor are the header's and weir -v's" case_pkgconfig_abi
run_case "examples build out of tree: one cc line, pkg-config --cflags --libs weir-sdk" case_build
run_case "example reporter by path: its CSV line carries the test's byte counts" case_reporter_by_path
run_case "example reporter's declared option: in --help, and it works" case_reporter_option
run_case "example reporter that cannot open its file: exit 1 and the reason" case_reporter_cannot_start
run_case "example transport by path over loopback: describe and info in the JSON" case_transport_loopback
run_case "example transport: -N taken, -C refused in one line" case_transport_refuses
run_case "--latency over the example transport's byte hooks" case_transport_latency
run_case "example transport on both ends, two processes: server_start, byte counts agree" \
    case_transport_two_processes
run_case "example transport on both ends, --bidir" case_transport_bidir
run_case "examples' Makefile installs into the plugindir; found by name and listed" case_makefile_install
run_case "a plugin built for another ABI major is refused, both versions named" case_other_major
finish
