#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the Windows test programs and examples under Wine (what `make check-windows` calls).
#
#   run-wine.sh [--filter GLOB] [--examples "EXE..."] TEST_EXE...
#
# Each TEST_EXE is built with tests/win/runner.c, which prints Criterion's lines, so it is counted
# as a Criterion suite (scripts/lib.sh criterion(); skipped tests are listed, counted in neither).
# Each example must exit 0 (within 60 s) or counts as one failed. The last line is the total.
# Wine runs in a fresh prefix with WINEDEBUG=-all; its background processes are stopped
# (wineserver -k, same prefix) and the prefix removed when this script ends, however it ends.
# Each test program is bounded by WIN_TIMEOUT seconds (default 300).
set -u
. "$(dirname "$0")/../../scripts/lib.sh"
filter=() examples=""
while [ $# -gt 0 ]; do
    case $1 in
    --filter) filter=("--filter=$2"); shift 2 ;;
    --examples) examples=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || give_up "run-wine.sh: no test programs given"
command -v wine > /dev/null || give_up "run-wine.sh: wine is not installed (make check-windows installs it)"

export WINEPREFIX WINEDEBUG=-all
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/btcsock-wine.XXXXXX")
# wineserver -k returns before the server is gone: -w waits for it (at most 10 s).
trap 'timeout 30 wineserver -k > /dev/null 2>&1; timeout 10 wineserver -w > /dev/null 2>&1; rm -rf "$WINEPREFIX"' EXIT
trap 'exit 130' INT TERM
start=$SECONDS
quietly "$WINEPREFIX.boot.log" timeout 180 wineboot --init
rm -f "$WINEPREFIX.boot.log"
echo "== Wine $(wine --version 2> /dev/null) prefix ready in $((SECONDS - start))s ($WINEPREFIX)" >&2

for exe; do
    criterion "$(basename "$exe" .exe)" "${exe%.exe}.log" "${WIN_TIMEOUT:-300}" wine "$exe" "${filter[@]}"
done
for exe in $examples; do
    name=$(basename "$exe" .exe) log=${exe%.exe}.log
    timeout -k 10 60 wine "$exe" > "$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then echo "== example $name: exit 0" >&2; continue; fi
    fail
    echo "---- example $name FAILED (exit status $rc, counted as 1 failed); log $log:" >&2
    tail -n 60 "$log" >&2
done
echo "== Wine total $((SECONDS - start))s" >&2
total
