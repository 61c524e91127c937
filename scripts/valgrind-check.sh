#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs Criterion test binaries under valgrind memcheck (what `make valgrind` calls); fails on any
# memory error or leak.
#
#   valgrind-check.sh [--logs DIR] [--parallel N] BIN...
#
# Each BIN runs as `valgrind --trace-children=yes ... BIN --jobs 1`: Criterion's runner and every
# worker (one per test) under memcheck, each with its own log DIR/<bin>.<pid>.vg. valgrind's exit
# status cannot fail the run (an error in a worker ends only that worker), so a binary fails when
# a log has "definitely lost: [1-9]", "indirectly lost: [1-9]", "ERROR SUMMARY: [1-9]" or
# "Invalid read/write/free" (so no --quiet: it drops the summaries), or when it fails as a
# Criterion suite (scripts/lib.sh criterion()).
# --jobs 1 bounds valgrind's memory, and Criterion's runner leaks a block of its own only with
# parallel workers (scripts/lsan.supp), so no suppressions are needed; VALGRIND_SUPP=FILE adds
# some. --parallel N: N binaries at once (default 1). Timeout per binary: VALGRIND_TIMEOUT (900 s).
set -u
. "$(dirname "$0")/lib.sh"
logs="" parallel=${VALGRIND_PARALLEL:-1}
while [ $# -gt 0 ]; do
    case $1 in
    --logs) logs=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || die "valgrind-check.sh: no test binaries given"
command -v valgrind > /dev/null || die "valgrind-check.sh: valgrind is not installed (make valgrind installs it)"
logs=${logs:-$(dirname "$1")/valgrind}
mkdir -p "$logs"
rm -f "$logs"/*.vg "$logs"/*.out "$logs"/*.verdict

# run_one BIN: its report into DIR/<name>.verdict, "FAIL" on its first line when it failed.
run_one() {
    local name bad f
    name=$(basename "$1")
    {
        criterion "$name" "$logs/$name.out" "${VALGRIND_TIMEOUT:-900}" valgrind --trace-children=yes \
            --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
            --num-callers=30 --child-silent-after-fork=no ${VALGRIND_SUPP:+--suppressions="$VALGRIND_SUPP"} \
            --log-file="$logs/$name.%p.vg" "$1" --jobs 1 --color=never 2>&1 || echo "FAIL: $name"
        bad=$(grep -l -a -E 'definitely lost: [1-9]|indirectly lost: [1-9]|ERROR SUMMARY: [1-9]|Invalid (read|write|free)' \
            "$logs/$name".*.vg 2> /dev/null)
        for f in $bad; do
            echo "FAIL: memcheck report in $f"
            grep -a -v '^==[0-9]*== *$' "$f" | head -n 80
        done
        echo "   $(ls "$logs/$name".*.vg 2> /dev/null | wc -l) processes under memcheck"
    } > "$logs/$name.verdict" 2>&1
}

start=$SECONDS
pool "$parallel" run_one "$@"
for bin; do
    v=$logs/$(basename "$bin").verdict
    cat "$v" 2> /dev/null || echo "FAIL: no verdict for $bin"
    if [ ! -s "$v" ] || grep -q '^FAIL' "$v"; then fail; else pass; fi
done
echo "valgrind: $# binaries, $FAILED failed, $((SECONDS - start))s (logs in $logs)"
[ "$FAILED" -eq 0 ]
