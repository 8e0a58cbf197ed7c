#!/usr/bin/env bash
# Everything CI checks, in two out-of-tree builds: the plain build (make
# check, make fuzz for a few seconds a target, make distcheck with the
# tests that check the tarball and the install) and the ASan+UBSan build
# (make check).
# Ends with one "N passed, N failed" line over both builds.
set -u
cd "$(dirname "$0")/.."
top=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
status=0
passed=0
failed=0

count() {   # add one build's test-suite.log totals
    local log=$1/tests/test-suite.log
    [ -f "$log" ] || return 0
    local p f e
    p=$(sed -n 's/^# PASS: *//p' "$log" | head -n1)
    f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n1)
    e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${e:-0}))
}

run_build() {   # name, configure args...
    local name=$1
    shift
    local dir=$top/_build/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "=== $name build: configure $*"
    # configure must not stumble on the tree (a directory named "core" made
    # each of autoconf's "rm -f core" print an error).
    if ! (cd "$dir" && "$top/configure" -q "$@" 2>"$dir/configure.err"); then
        cat "$dir/configure.err"
        echo "=== $name build: configure FAILED"
        status=1
        failed=$((failed + 1))
        return
    fi
    if grep '^rm: ' "$dir/configure.err"; then
        echo "=== $name build: configure printed errors"
        status=1
        failed=$((failed + 1))
    fi
    if ! (cd "$dir" && make -s -j"$jobs" && make -j"$jobs" check); then
        echo "=== $name build: FAILED"
        [ -f "$dir/tests/test-suite.log" ] && cat "$dir/tests/test-suite.log"
        status=1
    fi
    count "$dir"
}

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    ./autogen.sh >/dev/null 2>&1 || { echo "autogen.sh failed"; exit 1; }
fi
# README's first command builds in place; these builds are out of tree, which
# automake allows only once the source tree is clean again.
if [ -f Makefile ]; then
    echo "=== the source tree is configured in place: 'make distclean' first (the builds here are out of tree)"
    make -s distclean >/dev/null 2>&1 || { echo "make distclean failed"; exit 1; }
fi
run_build plain
# The libFuzzer targets, built from the core's own sources and run a few
# seconds each, so that neither their build nor the code they reach can rot
# unseen (make fuzz with FUZZ_SECONDS=60 or more for a real search).
echo "=== fuzz: each target ${FUZZ_SECONDS:-5} s"
if make -s -C "$top/_build/plain/tests" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-5}" >"$top/_build/fuzz.log" 2>&1; then
    echo "=== fuzz: passed"
    passed=$((passed + 1))
else
    grep -vE '^ +FUZZ(CC|LD) ' "$top/_build/fuzz.log" | tail -n 40
    echo "=== fuzz: FAILED"
    status=1
    failed=$((failed + 1))
fi
run_build asan --enable-asan
echo "=== distcheck"
# TESTS reaches tests/Makefile through the recursion; DISTCHECK_TESTS
# (tests/Makefile.am) says which tests and why.
if ! (cd "$top/_build/plain" && make -s -j"$jobs" distcheck TESTS='$(DISTCHECK_TESTS)' >"$top/_build/distcheck.log" 2>&1); then
    tail -n 60 "$top/_build/distcheck.log"
    echo "=== distcheck: FAILED"
    status=1
    failed=$((failed + 1))
else
    echo "=== distcheck: passed"
    passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
exit $status
