#!/usr/bin/env bash
# The plugin loader through the real binary: broken plugins each give one
# clear line and exit status 1, before any connection; the search order is
# --plugin-dir, then WEIR_PLUGIN_PATH, then the installed directory (here
# WEIR_PLUGIN_SYSTEM_PATH, empty unless a case sets it, so that a weir
# installed on the machine plays no part).
. "$(dirname "$0")/lib.sh"
: "${BROKEN_DIR:?}" "${PLUGIN_BUILD_DIR:?}"
require_weir
tmp=$E2E_TMP

# Clients aim at a port of ours where a listener counts connections: a
# plugin that does not load must stop weir before it connects anywhere.
start_bg listener 300 python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
n = 0
while True:
    c, _ = s.accept()
    n += 1
    c.close()
    open(sys.argv[2], "w").write(str(n))
' "$tmp/port" "$tmp/accepted"
wait_until 10 [ -s "$tmp/port" ]
PORT=$(cat "$tmp/port" 2>/dev/null) || { fail_shown "a listener to aim at" "$tmp/listener.err"; exit 1; }

check() {   # name, expected-substring, command...
    local name=$1 want=$2
    shift 2
    CLIENT_TIMEOUT=20 run_bounded "$tmp/out" "$tmp/err" "$@"
    local lines
    lines=$(grep -c . "$tmp/err")
    if [ "$RUN_RC" -eq 1 ] && grep -qF -- "$want" "$tmp/err" && [ "$lines" -le 2 ]; then
        pass_check "$name"
    else
        fail_check "$name" "exit $RUN_RC, want '$want'"
        show_files "$tmp/err"
    fi
}

check "an ABI 1 plugin" "built for plugin ABI 1.6 but this weir needs ABI 2.x" \
    "$WEIR" --transport "$BROKEN_DIR/wrong_abi.so" -c 127.0.0.1 -p "$PORT"
check "a newer minor" "newer than this weir's" \
    "$WEIR" --transport "$BROKEN_DIR/newer_minor.so" -c 127.0.0.1 -p "$PORT"
check "missing required hook" "lacks the required transport hook 'send'" \
    "$WEIR" --transport "$BROKEN_DIR/missing_hook.so" -c 127.0.0.1 -p "$PORT"
check "control port without server_adopt" \
    "lacks the required transport hook 'server_adopt', which WEIR_CAP_CONTROL_PORT requires" \
    "$WEIR" --transport "$BROKEN_DIR/no_adopt.so" -c 127.0.0.1 -p "$PORT"
check "a plugin's own error reason (host->error_reason)" \
    "the measurement lease has expired: transport 'failing_init' failed to initialise: renew it with the operator" \
    "$WEIR" --transport "$BROKEN_DIR/failing_init.so" -c 127.0.0.1 -p "$PORT"
check "dlopen failure names the symbol" "weir_symbol_that_does_not_exist" \
    "$WEIR" --transport "$BROKEN_DIR/undefined_symbol.so" -c 127.0.0.1 -p "$PORT"
check "not a weir plugin" "exports no weir_plugin_entry()" \
    "$WEIR" --transport "$BROKEN_DIR/no_entry.so" -c 127.0.0.1 -p "$PORT"
check "missing file by path" "no such file" \
    "$WEIR" --transport /nonexistent/dir/tcp.so -c 127.0.0.1 -p "$PORT"
check "missing plugin by name lists where it looked" "nosuch.so not found in" \
    "$WEIR" --transport nosuch -c 127.0.0.1 -p "$PORT"
check "missing plugin by name points at --list-plugins" "'weir --list-plugins' shows" \
    "$WEIR" --transport nosuch -c 127.0.0.1 -p "$PORT"
check "FILE.so neither here nor on the path" "'ticker.so': no such file in the current directory" \
    "$WEIR" --reporter ticker.so -c 127.0.0.1 -p "$PORT"
mkdir -p "$tmp/sys"
cp "$BROKEN_DIR/wrong_abi.so" "$tmp/sys/tcp.so"
check "the installed directory is searched last" "$tmp/sys/tcp.so" \
    env WEIR_PLUGIN_PATH="$tmp" WEIR_PLUGIN_SYSTEM_PATH="$tmp/sys" "$WEIR" -c 127.0.0.1 -p "$PORT"
check "missing reporter" "cannot load reporter plugin 'nosuch'" \
    "$WEIR" --reporter nosuch -c 127.0.0.1 -p "$PORT"
check "transport given as reporter" "it is a transport plugin, not a reporter plugin" \
    "$WEIR" --reporter "$PLUGIN_BUILD_DIR/tcp/.libs/tcp.so" -c 127.0.0.1 -p "$PORT"
check "WEIR_PLUGIN_PATH without the plugins" "tcp.so not found" \
    env WEIR_PLUGIN_PATH="$tmp" "$WEIR" -c 127.0.0.1 -p "$PORT"

# --plugin-dir wins over WEIR_PLUGIN_PATH: a broken tcp.so in --plugin-dir
# must be the one picked.
mkdir -p "$tmp/first"
cp "$BROKEN_DIR/wrong_abi.so" "$tmp/first/tcp.so"
check "--plugin-dir searched first" "$tmp/first/tcp.so" \
    "$WEIR" --plugin-dir "$tmp/first" -c 127.0.0.1 -p "$PORT"
# A directory named like a plugin is not a plugin (regular files only).
mkdir -p "$tmp/dirs/tcp.so"
check "directories are skipped" "not found in" \
    env WEIR_PLUGIN_PATH="$tmp/dirs" "$WEIR" -c 127.0.0.1 -p "$PORT"

# Run from its build tree (and nothing set), weir looks in that tree's
# plugins/*/.libs where the installed directory would be; a copy of the
# binary elsewhere does not.
BUILT_TCP=$(cd "$PLUGIN_BUILD_DIR/tcp/.libs" && pwd -P)
check "the build tree's binary searches the tree's plugins" "$BUILT_TCP" \
    env -u WEIR_PLUGIN_SYSTEM_PATH WEIR_PLUGIN_PATH= "$WEIR" --transport no_such_transport -c 127.0.0.1 -p "$PORT"
cp "$WEIR" "$tmp/weir-copy"
CLIENT_TIMEOUT=20 run_bounded "$tmp/out" "$tmp/err" env -u WEIR_PLUGIN_SYSTEM_PATH WEIR_PLUGIN_PATH= \
    "$tmp/weir-copy" --transport no_such_transport -c 127.0.0.1 -p "$PORT"
if [ "$RUN_RC" -eq 1 ] && grep -qF "no_such_transport.so not found" "$tmp/err" && ! grep -qF "$BUILT_TCP" "$tmp/err"; then
    pass_check "a copy of the binary elsewhere does not search the build tree"
else
    fail_check "a copy of the binary elsewhere does not search the build tree" "exit $RUN_RC"
    show_files "$tmp/err"
fi

# --list-plugins shows what a bare NAME finds: the first NAME.so on the
# path, so a broken tcp.so in --plugin-dir hides the good one; it is named
# on stderr, left out of the list, and the listing still exits 0.
list_check() {  # name, want-in-stdout (KIND NAME, or "" for none), not-in-stdout, want-in-stderr, args...
    local name=$1 want=$2 unwanted=$3 warn=$4
    shift 4
    CLIENT_TIMEOUT=20 run_bounded "$tmp/out" "$tmp/err" "$@" --list-plugins
    if [ "$RUN_RC" -eq 0 ] &&
       { [ -z "$want" ] || awk -v k="${want% *}" -v n="${want#* }" '$1 == k && $2 == n { f = 1 } END { exit !f }' "$tmp/out"; } &&
       { [ -z "$unwanted" ] || ! awk -v n="$unwanted" '$2 == n { f = 1 } END { exit !f }' "$tmp/out"; } &&
       { [ -z "$warn" ] || grep -qF -- "$warn" "$tmp/err"; } &&
       ! grep -qv '^\(transport\|reporter\) ' "$tmp/out"; then
        pass_check "$name"
    else
        fail_check "$name" "exit $RUN_RC"
        show_files "$tmp/out" "$tmp/err"
    fi
}
list_check "--list-plugins: transports and reporters with their kind" "transport tcp" "" "" "$WEIR"
list_check "--list-plugins: reporters too" "reporter json-stream" "" "" "$WEIR"
list_check "--list-plugins: a broken tcp.so first on the path hides tcp and is named" \
    "reporter text" "tcp" "$tmp/first/tcp.so" "$WEIR" --plugin-dir "$tmp/first"
cp "$PLUGIN_BUILD_DIR/tcp/.libs/tcp.so" "$tmp/first/extra.so"
list_check "--list-plugins: --plugin-dir is searched" "transport extra" "" "" "$WEIR" --plugin-dir "$tmp/first"
list_check "--list-plugins: not a plugin is named, not listed" "transport tcp" "no_entry" \
    "exports no weir_plugin_entry()" env WEIR_PLUGIN_PATH="$BROKEN_DIR:$WEIR_PLUGIN_PATH" "$WEIR"

# FILE.so names a file in the current directory (dlopen alone would search
# the system's library path and fail), and NAME.so a plugin on the path.
mkdir -p "$tmp/cwd"
cp "$PLUGIN_BUILD_DIR/text/.libs/text.so" "$tmp/cwd/ticker.so"
for name in ticker.so text.so; do
    run_bounded "$tmp/out" "$tmp/err" env -C "$tmp/cwd" "$WEIR" --reporter "$name" --loopback -t 1
    if [ "$RUN_RC" -eq 0 ] && grep -q "receiver" "$tmp/out"; then
        pass_check "--reporter $name (a file here, or on the path)"
    else
        fail_shown "--reporter $name (a file here, or on the path)" "$tmp/out" "$tmp/err"
    fi
done

if [ -s "$tmp/accepted" ]; then
    fail_check "a client whose plugin did not load connected ($(cat "$tmp/accepted") connections)"
else
    pass_check "no client connected before its plugins loaded"
fi

# And a good plugin by explicit path works end to end.
run_bounded "$tmp/out" "$tmp/err" "$WEIR" --transport "$PLUGIN_BUILD_DIR/tcp/.libs/tcp.so" --loopback -t 1
if [ "$RUN_RC" -eq 0 ] && grep -q "receiver" "$tmp/out"; then
    pass_check "plugin by path runs a test"
else
    fail_shown "plugin by path runs a test" "$tmp/out" "$tmp/err"
fi

# A reporter built against ABI 2.0 keeps working under a later minor, also
# fed a test whose snapshots carry the later minor's fields (--latency's).
for what in "-t 1" "--latency -k 100"; do
    # shellcheck disable=SC2086
    run_bounded "$tmp/out" "$tmp/err" "$WEIR" --reporter "$BROKEN_DIR/abi20_reporter.so:$tmp/abi20" --loopback $what
    if [ "$RUN_RC" -eq 0 ] && grep -qx "start 1" "$tmp/abi20" && grep -q "^interval [1-9]" "$tmp/abi20" &&
       grep -q "^end [1-9][0-9]* size-ok$" "$tmp/abi20" && grep -qx "finish ok" "$tmp/abi20"; then
        pass_check "a reporter built for ABI 2.0 loads and works ($what)"
    else
        fail_shown "a reporter built for ABI 2.0 loads and works ($what)" "$tmp/abi20" "$tmp/err"
    fi
done
[ "$(grep -c . "$tmp/abi20")" -ge 4 ] && grep -qx "end 6400 size-ok" "$tmp/abi20" &&
    pass_check "ABI 2.0 reporter: the 100 probes' request bytes at the end" ||
    fail_shown "ABI 2.0 reporter: the 100 probes' request bytes at the end" "$tmp/abi20"

finish
