#!/usr/bin/env bash
# Line and branch coverage of src/ by the Criterion suites.
#
#   coverage.sh [BUILD_DIR]        (default build/quality-coverage; `make coverage`)
#
# Builds the library and every tests/test_*.c suite with gcc --coverage -O0
# in BUILD_DIR through the Makefile's own rules (so the flags stamp keeps it
# apart from every other configuration), deletes old .gcda counters, runs the
# suites (`make test` in that directory), and asks gcovr for the lines and
# branches of src/ (src/sys_win32.c excluded: it is not built on Linux).
# Writes BUILD_DIR/coverage.txt (per file) and BUILD_DIR/coverage-branches.txt
# (per file, branches), prints the totals, and fails when
#   lines    < COVERAGE_MIN_LINES    (default 95)
#   branches < COVERAGE_MIN_BRANCHES (default 90)
# or when a suite failed.
#
# -fprofile-update=atomic: several suites run threads through the library;
# plain counter updates from two threads can be lost, which leaves gcov with
# inconsistent arcs ("branch taken -1") that gcovr refuses to parse.
#
# Branch figures are gcc's, as gcovr reports them, minus branches on lines
# gcovr finds no code on (--exclude-unreachable-branches). -O0 keeps the
# figures honest: the optimiser would merge or drop branches. Code compiled
# out on Linux (the select backend in a poll build, non-Linux fallbacks) is not
# counted at all.
set -u
dir=${1:-build/quality-coverage}
min_lines=${COVERAGE_MIN_LINES:-95}
min_branches=${COVERAGE_MIN_BRANCHES:-90}
make_cmd=${MAKE:-make}

if ! command -v gcovr > /dev/null 2>&1; then
    echo "coverage.sh: gcovr is not installed (apt-get install gcovr)" >&2
    exit 2
fi

mkdir -p "$dir"
find "$dir" -name '*.gcda' -delete

echo "== coverage build and test run in $dir"
tests_rc=0
$make_cmd --no-print-directory BUILD="$dir" CC=gcc WAIT_BACKEND=poll SANITIZE= CFLAGS="--coverage -O0 -fprofile-update=atomic" test || tests_rc=$?

common=(--root . --filter 'src/' --exclude 'src/sys_win32\.c' --exclude-unreachable-branches "$dir")
gcovr "${common[@]}" --txt "$dir/coverage.txt" || exit 1
gcovr "${common[@]}" --branches --txt "$dir/coverage-branches.txt" || exit 1
# Never point gcovr's --txt at /dev/null: as root it replaces the device with a regular file.
summary=$(gcovr "${common[@]}" --print-summary --txt "$dir/coverage-summary.txt") || exit 1

echo "== coverage of src/ (per file: $dir/coverage.txt, branches: $dir/coverage-branches.txt)"
cat "$dir/coverage.txt"
echo "$summary"

# "lines: 97.1% (1234 out of 1271)" -> 97.1
lines=$(sed -n 's/^lines: \([0-9.]*\)%.*/\1/p' <<< "$summary")
branches=$(sed -n 's/^branches: \([0-9.]*\)%.*/\1/p' <<< "$summary")
if [ -z "$lines" ] || [ -z "$branches" ]; then
    echo "coverage.sh: could not read gcovr's summary" >&2
    exit 1
fi

rc=0
if awk -v v="$lines" -v m="$min_lines" 'BEGIN { exit !(v + 0 < m + 0) }'; then
    echo "coverage: lines ${lines}% below the ${min_lines}% threshold" >&2
    rc=1
fi
if awk -v v="$branches" -v m="$min_branches" 'BEGIN { exit !(v + 0 < m + 0) }'; then
    echo "coverage: branches ${branches}% below the ${min_branches}% threshold" >&2
    rc=1
fi
if [ "$tests_rc" -ne 0 ]; then
    echo "coverage: the test run failed (exit $tests_rc); figures above are from the tests that ran" >&2
    rc=1
fi
[ $rc -eq 0 ] && echo "coverage: lines ${lines}% (>= ${min_lines}%), branches ${branches}% (>= ${min_branches}%): ok"
exit $rc
