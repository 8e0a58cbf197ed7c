#!/usr/bin/env bash
# The man page documents every option: each option `weir --help` lists, and
# each option a bundled plugin declares (`weir --transport NAME --help`,
# `weir --reporter NAME --help` for every plugin --list-plugins finds in the
# build tree), must have an item of its own in src/weir.1 (the tag line
# after a .TP). A new option without documentation fails here. Then weir.1
# must render without a warning through groff -ww and man -l (skipped where
# they are missing). Last, in a git checkout: every file of the repository
# that cites docs/protocol.md cites sections it has, as "docs/protocol.md
# §N", and no file points outside the repository ("../shared").
#
# Environment (tests/Makefile.am): WEIR, TESTS_DIR, WEIR_PLUGIN_PATH (the
# built plugins). Exit 0 all passed, 1 a failure.
. "$(dirname "$0")/lib.sh"
require_weir
MAN=$TESTS_DIR/../src/weir.1
tmp=$E2E_TMP

# Option names in a --help text: a line that starts with two spaces and a
# dash lists them in its first column (up to the first run of 2+ spaces).
help_options() {
    awk '/^  -/ {
            split(substr($0, 3), col, /  +/)
            n = split(col[1], tok, /[ ,]+/)
            for (i = 1; i <= n; i++)
                if (tok[i] ~ /^--?[A-Za-z0-9]/) { sub(/<.*/, "", tok[i]); print tok[i] }
         }' "$@" | sort -u
}

# --- 1. The plugins to ask: every one the build tree has. ---
if ! timeout 20 "$WEIR" --list-plugins >"$tmp/plugins" 2>"$tmp/err"; then
    cat "$tmp/plugins" "$tmp/err" >"$tmp/why"
    fail_shown "weir --list-plugins runs" "$tmp/why"
    exit 1
fi
missing=""
for want in "transport tcp" "transport udp" "transport tls" "reporter text" "reporter json" \
            "reporter json-stream"; do
    awk -v k="${want% *}" -v n="${want#* }" '$1 == k && $2 == n { f = 1 } END { exit !f }' \
        "$tmp/plugins" || missing="$missing ${want#* }"
done
if [ -z "$missing" ]; then
    pass_check "--list-plugins finds every bundled plugin"
else
    fail_shown "--list-plugins finds every bundled plugin (missing:$missing)" "$tmp/plugins"
fi

# --- 2. Every option of every --help is an item in weir.1. ---
i=0
timeout 20 "$WEIR" --help >"$tmp/help.$i" 2>&1 || fail_shown "weir --help exits 0" "$tmp/help.$i"
while read -r kind name _; do
    i=$((i + 1))
    timeout 20 "$WEIR" "--$kind" "$name" --help >"$tmp/help.$i" 2>&1 ||
        fail_shown "weir --$kind $name --help exits 0" "$tmp/help.$i"
done <"$tmp/plugins"
help_options "$tmp"/help.* >"$tmp/options"

# The item tags: the line after each .TP, with font escapes and macro names
# dropped and "\-" made "-".
awk 'tag { print; tag = 0 } /^\.TP/ { tag = 1 }' "$MAN" |
    sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/^\.[A-Z]* //' -e 's/"//g' >"$tmp/tags"
undocumented=""
while read -r opt; do
    grep -Eq -- "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|\$)" "$tmp/tags" || undocumented="$undocumented $opt"
done <"$tmp/options"
count=$(wc -l <"$tmp/options")
if [ "$count" -lt 60 ]; then
    fail_shown "found the options in --help ($count only: is the help layout still two spaces and a dash?)" "$tmp/options"
elif [ -z "$undocumented" ]; then
    pass_check "weir.1 has an item for each of the $count options of weir's and the plugins' --help"
else
    echo "options --help lists but weir.1 has no .TP item for:$undocumented" >"$tmp/why"
    fail_shown "weir.1 documents every option" "$tmp/why"
fi

# And the other way: every long option weir.1 has an item for is in some
# --help (weir accepted --pacing-timer for a while without listing it),
# except the old names iperf3's --help leaves out too ("the old name of").
awk 'tag { t = $0; tag = 0; body = 1; next }
     body { if ($0 !~ /^the old name of/) print t; body = 0 }
     /^\.TP/ { tag = 1 }' "$MAN" |
    sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/^\.[A-Z]* //' -e 's/"//g' |
    grep -oE -- '(^|[ ,])--[A-Za-z0-9][A-Za-z0-9-]*' | sed 's/^[ ,]*//' | sort -u >"$tmp/man_options"
unlisted=$(sort -u "$tmp/options" | comm -23 "$tmp/man_options" - | tr '\n' ' ')
if [ ! -s "$tmp/man_options" ]; then
    fail_check "found the long options of weir.1's items (none: has the item layout changed?)"
elif [ -z "$unlisted" ]; then
    pass_check "each of the $(wc -l <"$tmp/man_options") long options with an item in weir.1 is in a --help"
else
    echo "weir.1 has items for options no --help lists: $unlisted" >"$tmp/why"
    fail_shown "every option weir.1 documents is in --help" "$tmp/why"
fi

# The sections a reader looks for.
absent=""
for sec in OPTIONS TRANSPORTS REPORTERS PLUGINS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
    grep -q "^\.SH \"\{0,1\}$sec\"\{0,1\}\$" "$MAN" || absent="$absent '$sec'"
done
for var in WEIR_PLUGIN_PATH WEIR_PLUGIN_SYSTEM_PATH IPERF3_PASSWORD WEIR_PASSWORD; do
    awk -v v="$var" '/^\.SH ENVIRONMENT/ { s = 1; next } /^\.SH/ { s = 0 } s && $0 ~ v { f = 1 } END { exit !f }' \
        "$MAN" || absent="$absent $var"
done
if [ -z "$absent" ]; then
    pass_check "weir.1 has its sections and environment variables"
else
    fail_check "weir.1 lacks:$absent"
fi

# --- 3. It renders without warnings. ---
export LC_ALL=C.UTF-8
if command -v groff >/dev/null 2>&1; then
    # grotty emboldens by overstriking or with SGR escapes: drop both.
    if timeout 20 groff -man -Tutf8 -ww "$MAN" >"$tmp/rendered" 2>"$tmp/warn" && [ ! -s "$tmp/warn" ] &&
       sed -e 's/.\x08//g' -e 's/\x1b\[[0-9;]*m//g' "$tmp/rendered" | grep -q "EXIT STATUS"; then
        pass_check "groff -man -Tutf8 -ww renders weir.1 without a warning"
    else
        fail_shown "groff -man -Tutf8 -ww renders weir.1 without a warning" "$tmp/warn"
    fi
else
    skip_check "groff -man renders weir.1" "groff not found"
fi
if command -v man >/dev/null 2>&1; then
    if MANWIDTH=80 timeout 20 man -l "$MAN" >"$tmp/man" 2>"$tmp/warn" && [ ! -s "$tmp/warn" ] &&
       grep -q -- "--list-plugins" "$tmp/man"; then
        pass_check "man -l renders weir.1 without a warning"
    else
        fail_shown "man -l renders weir.1 without a warning" "$tmp/warn"
    fi
else
    skip_check "man -l renders weir.1" "man not found"
fi

# --- 4. Citations of docs/protocol.md name its sections; nothing points outside. ---
# Section headings are "## §N title" and "### §N.M title". A file that
# mentions protocol.md may use § for nothing else: each §N, §N.M (and
# both ends of a range §N-M) in it must be a heading. Citations say
# "docs/protocol.md" (a bare "protocol.md" was the file outside the tree)
# and "§N" (not "section N" or "protocol.md 4.3", which cannot be checked).
ROOT=$TESTS_DIR/..
DOC=$ROOT/docs/protocol.md
if [ ! -f "$DOC" ]; then
    fail_check "docs/protocol.md exists"
elif ! command -v git >/dev/null 2>&1 ||
     ! top=$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null) || [ ! "$top" -ef "$ROOT" ]; then
    # A tarball (make distcheck unpacks one inside the build tree of a
    # checkout, so "inside a work tree" is not enough).
    skip_check "citations of docs/protocol.md" "not a git checkout"
else
    SELF=tests/e2e/docs.sh
    LC_ALL=C sed -n -E 's/^#{2,} §([0-9]+(\.[0-9]+)*) .*/\1/p' "$DOC" | sort -u >"$tmp/sections"
    : >"$tmp/bad"
    git -C "$ROOT" grep -n -I -F '../shared' -- . ":!$SELF" >>"$tmp/bad"
    git -C "$ROOT" grep -l -I -F 'protocol.md' -- . ":!$SELF" >"$tmp/citing"
    cites=0
    while IFS= read -r f; do
        # protocol.md not preceded by docs/, and section numbers without §.
        LC_ALL=C grep -n -o -E '.{0,5}protocol\.md' "$ROOT/$f" | grep -v ':docs/protocol\.md$' |
            sed "s|^|$f:|" >>"$tmp/bad"
        LC_ALL=C grep -n -E 'protocol\.md,? +(sections? +)?[0-9]' "$ROOT/$f" |
            sed "s|^|$f:|" >>"$tmp/bad"
        LC_ALL=C grep -n -o -E '§[0-9]+(\.[0-9]+)*((-|–)[0-9]+(\.[0-9]+)*)?' "$ROOT/$f" |
            while IFS=: read -r line ref; do
                ref=${ref#§}
                for n in ${ref//–/ }; do
                    for m in ${n//-/ }; do
                        echo "$f:$line:§$m"
                    done
                done
            done >"$tmp/refs"
        cites=$((cites + $(wc -l <"$tmp/refs")))
        while IFS= read -r r; do
            grep -qxF -- "${r##*§}" "$tmp/sections" || echo "$r (no such section)" >>"$tmp/bad"
        done <"$tmp/refs"
    done <"$tmp/citing"
    files=$(wc -l <"$tmp/citing")
    sections=$(wc -l <"$tmp/sections")
    if [ "$files" -eq 0 ]; then
        fail_check "found the files that cite docs/protocol.md (none: does git grep work here?)"
    elif [ "$sections" -lt 12 ]; then
        fail_shown "found the sections of docs/protocol.md ($sections only: still \"## §N title\"?)" "$tmp/sections"
    elif [ -s "$tmp/bad" ]; then
        fail_shown "citations name sections of docs/protocol.md; nothing points outside the tree" "$tmp/bad"
    else
        pass_check "the $cites citations in $files files name sections of docs/protocol.md (it has $sections)"
    fi
fi

finish
