#!/usr/bin/env bash
# weir installed under the name iperf3 (./configure --enable-iperf3-name), as
# tools that run an iperf3 binary see it. From a real `make install` of src/
# (DESTDIR, into a temporary directory, iperf3namedir given to make so the
# rules run in any build):
#   - the link: `iperf3` beside weir is a relative link to it, elsewhere an
#     absolute one; an iperf3 that is not weir is never replaced; uninstall
#     removes the link and leaves a foreign iperf3 alone;
#   - --version in iperf3's shape: "iperf 3.X (weir V)" with X >= 17 (tools
#     such as pScheduler turn features off below 3.17), then the same uname
#     line iperf3 prints on this machine, then "Optional features available";
#   - a text client run ends with "iperf Done."; errors say "iperf3: error -"
#     as iperf3's do (getopt's "iperf3: option requires an argument", a
#     refused command line "iperf3: parameter error -" and a usage hint
#     naming iperf3), and -J puts them in the "error" key;
#   - interop.sh, whole, with the installed iperf3 name as its weir: client
#     and server against Debian's iperf3, -J documents, text layout.
#
# Environment (tests/Makefile.am): WEIR (its build tree is installed),
# IPERF3, TESTS_DIR. Exit 0 all passed, 1 a failure, 77 skip (no iperf3).
E2E_DEADLINE=${E2E_DEADLINE:-360}
. "$(dirname "$0")/lib.sh"
require_tools
have_iperf3 || skip_all "iperf3 not found (configure looked for it in PATH; install iperf3 to run this test)"
CORE_BUILDDIR=$(cd "$(dirname "$WEIR")" && pwd)
# The outer make's flags must not reach the makes run here.
unset MAKEFLAGS MFLAGS MAKELEVEL

# core_make DEST TARGET DIR: `make -C src TARGET DESTDIR=DEST iperf3namedir=DIR`
# (DIR may be '$(bindir)', expanded by make); output in $E2E_TMP/make.log.
core_make() {
    timeout 120 make -C "$CORE_BUILDDIR" "$2" DESTDIR="$1" iperf3namedir="$3" \
        >>"$E2E_TMP/make.log" 2>&1
}

DEST=$E2E_TMP/dest
if ! core_make "$DEST" install '$(bindir)'; then
    fail_shown "make install DESTDIR=... iperf3namedir='\$(bindir)' in src/" "$E2E_TMP/make.log"
    exit 1
fi
IWEIR=$(find "$DEST" -path '*/bin/weir' -type f)
BINDIR=${IWEIR%/weir}          # under DEST
AS_IPERF3=$BINDIR/iperf3

# --------------------------------------------------------------- install

case_link_beside_weir() {
    [ -h "$AS_IPERF3" ] || { fail "$AS_IPERF3 is not a symbolic link"; return; }
    expect_eq "link target" "$(readlink "$AS_IPERF3")" weir
}

# Elsewhere: an absolute link to the installed weir (dangling under DESTDIR).
case_link_elsewhere() {
    local d=$E2E_TMP/dest2
    core_make "$d" install /opt/tools || { fail "make install iperf3namedir=/opt/tools failed"; return; }
    expect_eq "link target" "$(readlink "$d/opt/tools/iperf3")" "${BINDIR#"$DEST"}/weir"
}

# A real iperf3 where the link would go stays, and install says so.
case_foreign_iperf3_kept() {
    local d=$E2E_TMP/dest3
    mkdir -p "$d/opt/bin"
    printf 'not weir\n' >"$d/opt/bin/iperf3"
    if core_make "$d" install /opt/bin; then
        fail "make install replaced or accepted a foreign iperf3"
    fi
    grep -q 'exists and is not weir' "$E2E_TMP/make.log" || fail "no message naming the foreign iperf3"
    expect_eq "foreign iperf3" "$(cat "$d/opt/bin/iperf3")" "not weir"
    core_make "$d" uninstall /opt/bin || fail "make uninstall failed"
    expect_eq "foreign iperf3 after uninstall" "$(cat "$d/opt/bin/iperf3" 2>/dev/null)" "not weir"
}

case_uninstall() {
    local d=$E2E_TMP/dest4
    core_make "$d" install '$(bindir)' && core_make "$d" uninstall '$(bindir)' ||
        { fail "make install/uninstall failed"; return; }
    local left
    left=$(find "$d" -name iperf3 -o -name weir | tr '\n' ' ')
    [ -z "$left" ] || fail "left after uninstall: $left"
}

# --------------------------------------------------------------- identity

case_version() {
    local out=$CASE_DIR/version.out ref=$CASE_DIR/iperf3-version.out v minor
    run_bounded "$out" "$CASE_DIR/version.err" "$AS_IPERF3" --version
    expect_eq "exit status" "$RUN_RC" 0
    [ ! -s "$CASE_DIR/version.err" ] || fail "stderr: $(oneline "$CASE_DIR/version.err")"
    expect_eq "lines" "$(wc -l <"$out")" 3
    [[ $(sed -n 1p "$out") =~ ^iperf\ (3\.([0-9]+))\ \(weir\ [0-9][0-9.]*\)$ ]] ||
        { fail "first line: $(sed -n 1p "$out")"; return; }
    v=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
    # What pScheduler reads: the second word, >= 3.17.
    expect_eq "second word" "$(awk 'NR == 1 { print $2 }' "$out")" "$v"
    [ "$minor" -ge 17 ] || fail "claims iperf3 $v, below 3.17"
    run_bounded "$ref" "$CASE_DIR/iperf3-version.err" "$IPERF3" --version
    expect_eq "uname line (iperf3's)" "$(sed -n 2p "$out")" "$(sed -n 2p "$ref")"
    grep -q '^Optional features available: .*authentication' "$out" ||
        fail "third line: $(sed -n 3p "$out")"
    ! grep -q SCTP "$out" || fail "lists SCTP, which weir does not have"
    # -v too, and plain weir stays weir.
    run_bounded "$CASE_DIR/v.out" /dev/null "$AS_IPERF3" -v
    cmp -s "$out" "$CASE_DIR/v.out" || fail "-v differs from --version"
    run_bounded "$CASE_DIR/weir.out" /dev/null "$IWEIR" --version
    expect_eq "weir --version first word" "$(awk 'NR == 1 { print $1 }' "$CASE_DIR/weir.out")" weir
}

case_done_line() {
    start_server_retry iperf3 -1 || return
    run_bounded "$CASE_DIR/client.out" "$CASE_DIR/client.err" "$AS_IPERF3" -c 127.0.0.1 -p "$PORT" -t 1
    wait_server
    expect_eq "client exit status" "$RUN_RC" 0
    expect_eq "last line" "$(tail -n 1 "$CASE_DIR/client.out")" "iperf Done."
    expect_eq "lines before it" "$(tail -n 2 "$CASE_DIR/client.out" | head -n 1)" ""
}

# Nothing listens on a port just found free: iperf3 and weir-as-iperf3 both
# fail with "iperf3: error - unable to connect to server" and status 1.
case_error_prefix() {
    local port who
    port=$(free_port)
    for who in "$IPERF3" "$AS_IPERF3"; do
        run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$who" -c 127.0.0.1 -p "$port" -t 1
        expect_eq "$who exit status" "$RUN_RC" 1
        grep -q '^iperf3: error - unable to connect to server' "$CASE_DIR/err" ||
            fail "$who stderr: $(oneline "$CASE_DIR/err")"
    done
    run_bounded "$CASE_DIR/json" "$CASE_DIR/json.err" "$AS_IPERF3" -c 127.0.0.1 -p "$port" -t 1 -J
    expect_eq "-J exit status" "$RUN_RC" 1
    jq -e '.error | startswith("unable to connect to server")' "$CASE_DIR/json" >/dev/null ||
        fail "-J error key: $(oneline "$CASE_DIR/json")"
    # getopt's complaint: the same first line from both (iperf3's getopt
    # names it by the path it was started with).
    for who in "$IPERF3" "$AS_IPERF3"; do
        run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$who" -c
        expect_eq "$who -c (no host) exit status" "$RUN_RC" 1
        expect_eq "$who -c (no host) first line" "$(head -n 1 "$CASE_DIR/err" | sed 's|^/[^:]*/||')" \
            "iperf3: option requires an argument -- 'c'"
    done
    run_bounded "$CASE_DIR/usage.out" "$CASE_DIR/usage.err" "$AS_IPERF3"
    expect_eq "usage exit status" "$RUN_RC" 1
    grep -q '^iperf3: parameter error - must either be a client (-c) or server (-s)' "$CASE_DIR/usage.err" ||
        fail "usage stderr: $(oneline "$CASE_DIR/usage.err")"
    # A refused command line: iperf3's "parameter error" line from both;
    # weir's usage hint names the program as it runs.
    for who in "$IPERF3" "$AS_IPERF3"; do
        run_bounded "$CASE_DIR/out" "$CASE_DIR/err" "$who" -s -R
        expect_eq "$who -s -R exit status" "$RUN_RC" 1
        expect_eq "$who -s -R first line" "$(head -n 1 "$CASE_DIR/err")" \
            "iperf3: parameter error - some option you are trying to set is client only"
    done
    expect_eq "usage hint" "$(grep -E '^(Usage|Try)' "$CASE_DIR/err" | paste -sd'|')" \
        "Usage: iperf3 [-s|-c host] [options]|Try \`iperf3 --help' for more information."
    run_bounded "$CASE_DIR/help.out" "$CASE_DIR/help.err" "$AS_IPERF3" --help
    expect_eq "--help exit status" "$RUN_RC" 0
    expect_eq "--help lines naming weir" "$(grep -c '^Usage: weir\|^       weir' "$CASE_DIR/help.out")" 0
    grep -q '^Usage: iperf3 \[-s|-c host\] \[options\]$' "$CASE_DIR/help.out" ||
        fail "--help: $(head -n 1 "$CASE_DIR/help.out")"
}

# --------------------------------------------------------------- interop

case_interop() {
    WEIR=$AS_IPERF3 timeout -k 5 240 bash "$TESTS_DIR/e2e/interop.sh" >"$CASE_DIR/interop.log" 2>&1
    local rc=$?
    sed 's/^/    interop.sh: /' "$CASE_DIR/interop.log"
    expect_eq "interop.sh exit status" "$rc" 0
    grep -q '^PASS: weir -c -> iperf3 -s' "$CASE_DIR/interop.log" || fail "no client case passed"
    grep -q '^PASS: iperf3 -c -> weir -s' "$CASE_DIR/interop.log" || fail "no server case passed"
}

run_case "make install: iperf3 beside weir is a relative link" case_link_beside_weir
run_case "make install: iperf3 elsewhere is an absolute link" case_link_elsewhere
run_case "make install: a foreign iperf3 is not replaced" case_foreign_iperf3_kept
run_case "make uninstall removes the link" case_uninstall
run_case "iperf3 --version: iperf3's three lines, version >= 3.17" case_version
run_case "iperf3 -c -> iperf3 -s: ends with iperf Done." case_done_line
run_case "errors: iperf3: error - ..." case_error_prefix
run_case "interop.sh with the installed iperf3 name as weir" case_interop
finish
