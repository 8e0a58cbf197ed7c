#!/usr/bin/env bash
# Bash completion (contrib/bash-completion/weir): installed by make install
# into the configured completions directory, then sourced in a clean bash
# and driven as bash drives it (COMP_WORDS, COMP_CWORD, the _weir function,
# COMPREPLY) against the built weir: options come from its --help,
# transports and reporters from its --list-plugins.
#
# Environment (tests/Makefile.am): WEIR, TESTS_DIR, PLUGIN_BUILD_DIR,
# WEIR_PLUGIN_PATH (the built plugins). Exit 0 all passed, 1 a failure.
. "$(dirname "$0")/lib.sh"
: "${PLUGIN_BUILD_DIR:?}"
require_weir
TOP_BUILDDIR=$(cd "$PLUGIN_BUILD_DIR/.." && pwd)
tmp=$E2E_TMP

# --- 1. make install puts it where configure said. ---
dir=$(sed -n 's/^bashcompletiondir = //p' "$TOP_BUILDDIR/Makefile")
script=$TESTS_DIR/../contrib/bash-completion/weir
if [ -z "$dir" ]; then
    skip_check "make install of the completion" "configured --without-bash-completion-dir"
elif (unset MAKEFLAGS MFLAGS MAKELEVEL
      timeout 60 make -C "$TOP_BUILDDIR/contrib" install-bashcompletionDATA DESTDIR="$tmp/dest") >"$tmp/install.log" 2>&1; then
    installed=$(find "$tmp/dest" -type f -name weir)
    prefix=$(sed -n 's/^prefix = //p' "$TOP_BUILDDIR/Makefile")
    datadir=$(sed -n 's/^datadir = //p' "$TOP_BUILDDIR/Makefile")
    # The Makefile's ${prefix} and ${datadir}, expanded as make would.
    want=$(printf '%s' "$dir" | sed -e "s|\${datadir}|$datadir|" -e "s|\${datarootdir}|\${prefix}/share|" \
                                    -e "s|\${prefix}|$prefix|")
    if [ "$installed" = "$tmp/dest$want/weir" ] && cmp -s "$installed" "$script"; then
        pass_check "make install puts the script in $want"
        script=$installed
    else
        { echo "installed: $installed; wanted under: $want"; cat "$tmp/install.log"; } >"$tmp/why"
        fail_shown "make install puts the script in the completions directory" "$tmp/why"
    fi
else
    fail_shown "make install-bashcompletionDATA" "$tmp/install.log"
fi

# --- 2. Completing, as bash does. ---
# complete WORD...: the candidates (one a line, sorted) for the last word.
complete_words() {
    timeout 30 env -u BASH_ENV bash --norc --noprofile -c '
        source "$1" || exit 2
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _weir
        printf "%s\n" "${COMPREPLY[@]}"' completion "$script" "$WEIR" "$@" 2>"$tmp/cerr" | sed '/^$/d' | sort
}

expect() {  # name, expected candidates (space separated, any order), words...
    local name=$1 want
    want=$(printf '%s\n' $2 | sed '/^$/d' | sort)
    shift 2
    local got
    got=$(complete_words "$@")
    if [ "$got" = "$want" ]; then
        pass_check "$name"
    else
        { echo "words: weir $*"; echo "want: $(echo $want)"; echo "got:  $(echo $got)"; cat "$tmp/cerr"; } >"$tmp/why"
        fail_shown "$name" "$tmp/why"
    fi
}

# The plugins as weir lists them: what the candidates must be.
transports=$(timeout 20 "$WEIR" --list-plugins 2>/dev/null | awk '$1 == "transport" { print $2 }')
reporters=$(timeout 20 "$WEIR" --list-plugins 2>/dev/null | awk '$1 == "reporter" { print $2 }')
for t in tcp udp tls; do
    printf '%s\n' "$transports" | grep -qx "$t" || fail_check "weir --list-plugins lists transport $t"
done
for r in text json json-stream; do
    printf '%s\n' "$reporters" | grep -qx "$r" || fail_check "weir --list-plugins lists reporter $r"
done

expect "weir --tr<TAB>: --transport" "--transport" --tr
expect "weir --transport <TAB>: the transports" "$transports" --transport ""
expect "weir --transport t<TAB>" "tcp tls" --transport t
expect "weir --reporter <TAB>: the reporters" "$reporters" --reporter ""
expect "weir --reporter json<TAB>" "json json-stream" --reporter json
expect "weir --transport tls --tls-v<TAB>: the plugin's own options" \
    "--tls-verify-client --tls-version" --transport tls --tls-v
expect "weir --load-transport t<TAB>: the transports" "tcp tls" --load-transport t
expect "weir --load-transport tls --tls-v<TAB>: the load's transport's options" \
    "--tls-verify-client --tls-version" --load-transport tls --tls-v
expect "weir --tls-v<TAB>: no tls options unless tls is named" "" --tls-v
expect "weir -u --udp-no<TAB>: udp's options with -u" "--udp-no-batch --udp-no-gro --udp-no-gso" -u --udp-no
expect "weir --tls-version <TAB>" "1.2 1.3" --transport tls --tls-version ""
expect "weir -f <TAB>: the units" "k m g t K M G T" -f ""
expect "weir -t <TAB>: a number, nothing to offer" "" -t ""

# Every option --help lists, and nothing else, for an empty word.
got=$(complete_words -)
opts=$(timeout 20 "$WEIR" --help | grep -oE -- '(^  |, |or )--?[A-Za-z0-9][A-Za-z0-9-]*' |
       sed -E 's/^(  |, |or )//' | sort -u)
if [ "$got" = "$opts" ] && printf '%s\n' "$got" | grep -qx -- --list-plugins &&
   printf '%s\n' "$got" | grep -qx -- -p; then
    pass_check "weir -<TAB>: exactly the options of weir --help ($(printf '%s\n' "$got" | wc -l))"
else
    diff <(echo "$opts") <(echo "$got") >"$tmp/why"
    fail_shown "weir -<TAB>: exactly the options of weir --help" "$tmp/why"
fi

# File and directory arguments.
mkdir -p "$tmp/f/sub" "$tmp/p"
touch "$tmp/f/results.log" "$tmp/f/key.pem" "$tmp/f/x.so"
expect "weir --logfile DIR/r<TAB>: files" "$tmp/f/results.log" --logfile "$tmp/f/r"
expect "weir --logfile=DIR/r<TAB>" "$tmp/f/results.log" --logfile = "$tmp/f/r"
expect "weir --rsa-private-key-path DIR/k<TAB>" "$tmp/f/key.pem" -s --rsa-private-key-path "$tmp/f/k"
expect "weir --transport tls --tls-ca DIR/<TAB>: files" \
    "$tmp/f/key.pem $tmp/f/results.log $tmp/f/sub $tmp/f/x.so" --transport tls --tls-ca "$tmp/f/"
expect "weir --plugin-dir DIR/<TAB>: directories only" "$tmp/f/sub" --plugin-dir "$tmp/f/"
expect "weir --transport DIR/<TAB>: directories and .so files" "$tmp/f/sub $tmp/f/x.so" --transport "$tmp/f/"
expect "weir --reporter json:DIR/r<TAB>: the reporter's file" "$tmp/f/results.log" \
    --reporter json : "$tmp/f/r"

# --plugin-dir on the line is searched too.
cp "$PLUGIN_BUILD_DIR/tcp/.libs/tcp.so" "$tmp/p/mytransport.so"
expect "weir --plugin-dir DIR --transport my<TAB>: plugins in DIR" "mytransport" \
    --plugin-dir "$tmp/p" --transport my

finish
