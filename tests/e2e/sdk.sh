#!/usr/bin/env bash
# A plugin built out of tree with only the installed SDK must load.
#
# Installs just the SDK into a temp prefix (the public headers and a
# weir-sdk.pc pointing there), copies sdk/examples/ outside the source tree,
# builds it with its own Makefile through pkg-config alone, then runs the
# built skeleton plugins through the real weir binary over loopback.
#
# Environment (tests/Makefile.am): WEIR, TESTS_DIR (tests/ in the source
# tree), PLUGIN_BUILD_DIR (plugins/ in the build tree), WEIR_PLUGIN_PATH (the
# built tcp, text and json plugins). Exit 0 all passed, 1 a failure, 77 skip
# (no cc or make).
set -u
: "${WEIR:?}" "${TESTS_DIR:?}" "${PLUGIN_BUILD_DIR:?}"
TOP_SRCDIR=$(cd "$TESTS_DIR/.." && pwd)
TOP_BUILDDIR=$(cd "$PLUGIN_BUILD_DIR/.." && pwd)
CC=${CC:-cc}

for tool in "${CC%% *}" make; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found"
        exit 77
    fi
done

failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "$tmp/" in
"$TOP_SRCDIR"/* | "$TOP_BUILDDIR"/*)
    echo "FAIL: temp dir $tmp is inside the tree; set TMPDIR elsewhere"
    exit 1 ;;
esac

pass() { echo "PASS: $1"; }
fail() {    # name, file with the evidence (optional)
    echo "FAIL: $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/    /' "$2" | head -n 40
    failures=$((failures + 1))
}

# Runs weir with a time bound; output in $tmp/out, errors in $tmp/err.
run() {
    timeout 30 "$WEIR" "$@" >"$tmp/out" 2>"$tmp/err"
}

# The value of "bytes" in the JSON object "NAME": {...} of a -J document.
json_bytes() {  # file, name
    tr -d ' \n\t' <"$1" | grep -o "\"$2\":{[^}]*}" | head -n 1 | grep -o '"bytes":[0-9]*' | cut -d: -f2
}

# --- 1. Install the SDK alone: headers and a weir-sdk.pc for this prefix. ---
sdk=$tmp/sdk
mkdir -p "$sdk/include/weir" "$sdk/lib/pkgconfig"
cp "$TOP_SRCDIR"/sdk/include/weir/*.h "$sdk/include/weir/"
# shellcheck disable=SC2016 # ${prefix} is pkg-config's, kept literally
sed -e "s|^prefix=.*|prefix=$sdk|" \
    -e 's|^exec_prefix=.*|exec_prefix=${prefix}|' \
    -e 's|^includedir=.*|includedir=${prefix}/include|' \
    -e 's|^libdir=.*|libdir=${exec_prefix}/lib|' \
    "$TOP_BUILDDIR/sdk/weir-sdk.pc" >"$sdk/lib/pkgconfig/weir-sdk.pc"
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
cflags=$(pkg-config --cflags weir-sdk 2>&1 | sed 's/ *$//')     # it ends with a space
if [ "$cflags" = "-I$sdk/include" ] &&
   [ "$(pkg-config --variable=plugindir weir-sdk 2>&1)" = "$sdk/lib/weir" ]; then
    pass "SDK installed alone: pkg-config gives its include and plugin dirs"
else
    fail "SDK installed alone: pkg-config gives its include and plugin dirs" "$sdk/lib/pkgconfig/weir-sdk.pc"
fi

# --- 2. Build the examples out of tree with their Makefile. ---
# Only the shipped files (not objects someone built in the tree); writable,
# as a distcheck source tree is read-only. The outer make's flags stay out.
ex=$tmp/ex
mkdir -p "$ex"
cp "$TOP_SRCDIR/sdk/examples/Makefile" "$TOP_SRCDIR"/sdk/examples/*.c "$ex/"
chmod -R u+w "$ex"
(
    unset MAKEFLAGS MFLAGS MAKELEVEL
    cd "$ex" && make PKG_CONFIG_PATH="$sdk/lib/pkgconfig" CC="$CC" \
        CFLAGS="-O2 -g -Wall -Wextra -Werror -MD"
) >"$tmp/build.log" 2>&1
build_rc=$?
# -MD lists every header each plugin read: the weir ones must all come from
# the installed SDK, none from the source tree.
weir_hdrs=$(cat "$ex"/*.d 2>/dev/null | tr -s ' \\' '\n' | grep '/weir/.*\.h$' | sort -u)
stray=$(printf '%s\n' "$weir_hdrs" | grep -v "^$sdk/include/weir/" || true)
if [ "$build_rc" -eq 0 ] && [ -f "$ex/skeleton-transport.so" ] && [ -f "$ex/skeleton-reporter.so" ] &&
   [ -n "$weir_hdrs" ] && [ -z "$stray" ] && ! grep -qF "$TOP_SRCDIR" "$tmp/build.log"; then
    pass "examples build out of tree against the SDK alone, -Wall -Wextra -Werror"
else
    { cat "$tmp/build.log"; echo "weir headers used:"; printf '%s\n' "$weir_hdrs"; } >"$tmp/why"
    fail "examples build out of tree against the SDK alone, -Wall -Wextra -Werror" "$tmp/why"
    exit 1      # nothing below can run without the plugins
fi
if command -v nm >/dev/null 2>&1; then
    exports=$(nm -D --defined-only "$ex"/skeleton-*.so | awk 'NF == 3 { print $3 }' | sort -u)
    if [ "$exports" = "weir_plugin_entry" ]; then
        pass "the built plugins export only weir_plugin_entry"
    else
        echo "$exports" >"$tmp/why"
        fail "the built plugins export only weir_plugin_entry" "$tmp/why"
    fi
fi

# --- 3. The skeleton transport by path, through the real loader. ---
if run --transport "$ex/skeleton-transport.so" --reporter text --reporter "json:$tmp/t.json" \
       --loopback -t 1 &&
   grep -q ' sender$' "$tmp/out" && grep -q ' receiver$' "$tmp/out" &&
   grep -Eq '"transport": *"skeleton-transport"' "$tmp/t.json"; then
    pass "skeleton-transport by path runs a loopback test"
else
    cat "$tmp/out" "$tmp/err" >"$tmp/why"
    fail "skeleton-transport by path runs a loopback test" "$tmp/why"
fi

# Both ends on the skeleton: the loopback server loads its transport by the
# wire key, "tcp", so a copy named tcp.so in --plugin-dir serves both ends;
# --bidir makes each end send and receive.
mkdir -p "$tmp/astcp"
cp "$ex/skeleton-transport.so" "$tmp/astcp/tcp.so"
if run --plugin-dir "$tmp/astcp" --loopback -t 1 --bidir &&
   [ "$(grep -c ' receiver$' "$tmp/out")" -eq 2 ] && [ "$(grep -c ' sender$' "$tmp/out")" -eq 2 ]; then
    pass "skeleton-transport on both ends, --bidir"
else
    cat "$tmp/out" "$tmp/err" >"$tmp/why"
    fail "skeleton-transport on both ends, --bidir" "$tmp/why"
fi

# --- 4. The skeleton reporter by name from --plugin-dir, beside text. ---
# Its line must be well formed and hold the numbers the json reporter got
# from the same snapshot.
csv_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z,client,TCP,1,[0-9]+\.[0-9]{3},[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*,[0-9]*$'
if run --reporter text --reporter "skeleton-reporter:$tmp/out.csv" --reporter "json:$tmp/r.json" \
       --plugin-dir "$ex" --loopback -t 1 &&
   grep -q ' receiver$' "$tmp/out" &&
   [ "$(wc -l <"$tmp/out.csv")" -eq 1 ] && grep -Eq "$csv_re" "$tmp/out.csv"; then
    IFS=, read -r _ _ _ _ _ sent received _ <"$tmp/out.csv"
    if [ "$sent" = "$(json_bytes "$tmp/r.json" sum_sent)" ] &&
       [ "$received" = "$(json_bytes "$tmp/r.json" sum_received)" ]; then
        pass "skeleton-reporter:FILE writes one summary line with the test's byte counts"
    else
        { cat "$tmp/out.csv"; echo "json sum_sent/sum_received bytes:" \
            "$(json_bytes "$tmp/r.json" sum_sent)" "$(json_bytes "$tmp/r.json" sum_received)"; } >"$tmp/why"
        fail "skeleton-reporter:FILE writes one summary line with the test's byte counts" "$tmp/why"
    fi
else
    cat "$tmp/out" "$tmp/err" "$tmp/out.csv" >"$tmp/why" 2>/dev/null
    fail "skeleton-reporter:FILE writes one summary line with the test's byte counts" "$tmp/why"
fi

# --- 5. The reporter's declared option: listed in --help, and it works. ---
if run --reporter skeleton-reporter --plugin-dir "$ex" --help &&
   grep -Eq '^ +--skeleton-header +' "$tmp/out"; then
    pass "--help lists the reporter's --skeleton-header option"
else
    cat "$tmp/out" "$tmp/err" >"$tmp/why"
    fail "--help lists the reporter's --skeleton-header option" "$tmp/why"
fi
header='timestamp,role,protocol,streams,seconds,sent_bytes,received_bytes,sent_bps,received_bps,retransmits'
if run --reporter skeleton-reporter --skeleton-header --plugin-dir "$ex" --loopback -t 1 &&
   [ "$(wc -l <"$tmp/out")" -eq 2 ] && [ "$(head -n 1 "$tmp/out")" = "$header" ] &&
   tail -n 1 "$tmp/out" | grep -Eq "$csv_re"; then
    pass "--skeleton-header: header then the line, through the sink"
else
    cat "$tmp/out" "$tmp/err" >"$tmp/why"
    fail "--skeleton-header: header then the line, through the sink" "$tmp/why"
fi

# --- 6. A reporter that cannot start: one clear error, exit 1. ---
if run --reporter "skeleton-reporter:$tmp/no/such/dir/x.csv" --plugin-dir "$ex" --loopback -t 1; then
    rc=0
else
    rc=$?
fi
if [ "$rc" -eq 1 ] && grep -q "cannot open $tmp/no/such/dir/x.csv" "$tmp/err"; then
    pass "skeleton-reporter with an unwritable file fails with its reason"
else
    cat "$tmp/out" "$tmp/err" >"$tmp/why"
    fail "skeleton-reporter with an unwritable file fails with its reason (exit $rc)" "$tmp/why"
fi

# --- 7. make install puts them in pkg-config's plugindir; found by name. ---
if (unset MAKEFLAGS MFLAGS MAKELEVEL; make -C "$ex" install PKG_CONFIG_PATH="$sdk/lib/pkgconfig" \
        CC="$CC" CFLAGS="-O2 -g -Wall -Wextra -Werror") >"$tmp/install.log" 2>&1 &&
   [ -f "$sdk/lib/weir/skeleton-transport.so" ] && [ -f "$sdk/lib/weir/skeleton-reporter.so" ] &&
   WEIR_PLUGIN_PATH="$sdk/lib/weir:${WEIR_PLUGIN_PATH:-}" \
       run --transport skeleton-transport --reporter text --reporter skeleton-reporter --loopback -t 1 &&
   grep -q ' receiver$' "$tmp/out" && grep -Eq "$csv_re" "$tmp/out"; then
    pass "make install to the plugindir; both found by name via WEIR_PLUGIN_PATH"
else
    cat "$tmp/install.log" "$tmp/out" "$tmp/err" >"$tmp/why" 2>/dev/null
    fail "make install to the plugindir; both found by name via WEIR_PLUGIN_PATH" "$tmp/why"
fi

[ "$failures" -eq 0 ]
