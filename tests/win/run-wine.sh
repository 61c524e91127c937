#!/usr/bin/env bash
# Runs the Windows test programs (and example programs) under Wine and adds
# up their results; what `make check-windows` calls (mk/windows.mk).
#
#   run-wine.sh [--filter GLOB] [--examples "EXE..."] TEST_EXE...
#
# Each TEST_EXE is built with tests/win/runner.c, which prints Criterion's
# lines, so its "[====] Synthesis:" line is read as scripts/run-tests.sh
# reads Criterion's: Passing is "passed", Failing is "failed", and a program
# that printed no Synthesis line (it crashed outside a test, was killed by
# the timeout, or did not start) counts as one failed test. Each example must
# exit 0; one that does not counts as one failed. Skipped tests (cr_skip_test,
# and the few that Wine cannot pass, see tests/win/runner.c) are listed but
# counted in neither. The last line printed is the total "N passed, N failed";
# exit 1 if anything failed.
#
# Wine runs in a fresh prefix (mktemp -d) with WINEDEBUG=-all; its
# background processes are stopped (wineserver -k, same prefix) and the
# prefix removed when this script ends, whether the tests passed or not.
# Each program is bounded by `timeout` (WIN_TIMEOUT seconds, default 300).
set -u

TIMEOUT_S=${WIN_TIMEOUT:-300}
filter="" examples=""
while [ $# -gt 0 ]; do
    case "$1" in
    --filter) filter=$2; shift 2 ;;
    --examples) examples=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "run-wine.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ $# -eq 0 ] && [ -z "$examples" ]; then
    echo "run-wine.sh: no programs given" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
if ! command -v wine > /dev/null; then
    echo "run-wine.sh: wine is not installed (make check-windows installs it)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

prefix=$(mktemp -d "${TMPDIR:-/tmp}/btcsock-wine.XXXXXX")
export WINEPREFIX=$prefix WINEDEBUG=-all
cleanup() {
    WINEPREFIX=$prefix timeout 30 wineserver -k > /dev/null 2>&1 || true
    # wineserver -k returns before the server is gone; wait for it (at most 10 s), then remove the prefix.
    WINEPREFIX=$prefix timeout 10 wineserver -w > /dev/null 2>&1 || true
    rm -rf "$prefix"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
if ! timeout 180 wineboot --init > "$prefix.boot.log" 2>&1; then
    echo "run-wine.sh: wineboot --init failed; its log:" >&2
    cat "$prefix.boot.log" >&2
fi
rm -f "$prefix.boot.log"
echo "== Wine $(wine --version 2> /dev/null | head -n 1) prefix ready in $(($(date +%s) - start))s ($prefix)" >&2

total_pass=0 total_fail=0 status=0
for exe in "$@"; do
    name=$(basename "$exe" .exe)
    log="${exe%.exe}.log"
    t0=$(date +%s)
    timeout -k 10 "$TIMEOUT_S" wine "$exe" ${filter:+--filter="$filter"} > "$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    synth=$(grep -a '\[====\] Synthesis:' "$log" | tail -n 1)
    if [ -n "$synth" ]; then
        p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<< "$synth")
        fl=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<< "$synth")
        p=${p:-0} fl=${fl:-0}
    else
        p=0 fl=1
    fi
    why=""
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        why="killed after ${TIMEOUT_S}s"
    elif [ "$rc" -ne 0 ]; then
        why="exit status $rc"
    fi
    [ -z "$synth" ] && why="${why:+$why, }no Synthesis line (counted as 1 failed)"
    if [ -n "$why" ] && [ "$fl" -eq 0 ]; then
        fl=1
        [ "$p" -gt 0 ] && p=$((p - 1))
    fi
    [ "$fl" -gt 0 ] && [ -z "$why" ] && why="failures"
    if [ -n "$why" ]; then
        status=1
        echo "---- $name FAILED ($why); log $log:" >&2
        if [ "$(wc -l < "$log")" -gt 400 ]; then
            grep -av '^\[RUN \]\|^\[PASS\]' "$log" | head -n 300 >&2
        else
            cat "$log" >&2
        fi
        echo "---- end of $name" >&2
    fi
    echo "== $name (${secs}s, $p passed, $fl failed)" >&2
    grep -a '^\[SKIP\]' "$log" | sed 's/^/   /' >&2
    [ -n "$synth" ] && echo "$synth" >&2
    total_pass=$((total_pass + p)) total_fail=$((total_fail + fl))
done

for exe in $examples; do
    name=$(basename "$exe" .exe)
    log="${exe%.exe}.log"
    t0=$(date +%s)
    timeout -k 10 60 wine "$exe" > "$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    if [ "$rc" -eq 0 ]; then
        echo "== example $name (${secs}s): exit 0" >&2
    else
        status=1
        total_fail=$((total_fail + 1))
        echo "---- example $name FAILED (exit status $rc, counted as 1 failed); log $log:" >&2
        tail -n 60 "$log" >&2
        echo "---- end of $name" >&2
    fi
done

echo "== Wine total $(($(date +%s) - start))s" >&2
echo "$total_pass passed, $total_fail failed"
exit "$status"
