#!/usr/bin/env bash
# Runs Criterion suite binaries and adds up their results.
#
#   run-tests.sh [--results FILE] [--label TEXT] [--sanitize] BIN...
#       Runs each BIN (under `timeout`, with --jobs 2), prints its Synthesis
#       line (and its whole log when it failed) on stderr, then the total
#       "N passed, N failed" on stdout. With --results, also writes
#       "passed failed label" to FILE for --total. Exit 1 if anything failed.
#
#   run-tests.sh --total FILE...
#       Adds up results files written by earlier runs and prints the grand
#       total "N passed, N failed" as the last line. A missing file means that
#       configuration never got to run its tests (it did not build): it counts
#       as one failure. Exit 1 if anything failed.
#
# Counting: Passing is "passed", Failing is "failed". Criterion's Crashing is
# a subset of Failing (Tested = Passing + Failing; skipped tests are in
# neither), so it is not added again. A binary that
# printed no Synthesis line (it crashed outside a test, was killed by the
# timeout, or could not start) counts as one failed test, so nothing that went
# wrong can add up to "0 failed".
#
# Why --sanitize: each Criterion test runs in a forked worker, and a
# LeakSanitizer report (or a UBSan report, if recovery was left on) in a worker
# does not fail the test, so the log is searched for sanitizer reports.
set -u

TIMEOUT_S=${TEST_TIMEOUT:-300}
JOBS=${TEST_JOBS:-2}

if [ "${1:-}" = "--total" ]; then
    shift
    passed=0 failed=0
    for f in "$@"; do
        if [ -r "$f" ]; then
            read -r p fl label < "$f" || { p=0 fl=1 label="unreadable $f"; }
            echo "  $p passed, $fl failed  ($label)" >&2
        else
            p=0 fl=1
            echo "  no results in $f: that configuration did not build or run (counted as 1 failed)" >&2
        fi
        passed=$((passed + p)) failed=$((failed + fl))
    done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

results="" label="tests" sanitize=0
while [ $# -gt 0 ]; do
    case "$1" in
    --results) results=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --sanitize) sanitize=1; shift ;;
    --) shift; break ;;
    -*) echo "run-tests.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done

if [ $# -eq 0 ]; then
    echo "run-tests.sh: no test binaries given (is tests/test_*.c missing?)" >&2
    echo "0 passed, 1 failed"
    [ -n "$results" ] && echo "0 1 $label (no test binaries)" > "$results"
    exit 1
fi

# Sanitizer reports must be visible in the log and must not be swallowed.
# Full (slow) unwinding on malloc gives leak reports complete stacks, which the
# suppression of Criterion's own runner leak needs (see scripts/lsan.supp).
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:print_summary=1:fast_unwind_on_malloc=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

total_pass=0 total_fail=0 status=0
for bin in "$@"; do
    name=$(basename "$bin")
    log="$bin.log"
    start=$(date +%s)
    timeout -k 10 "$TIMEOUT_S" "$bin" --jobs "$JOBS" --color=never > "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))

    synth=$(grep -a '\[====\] Synthesis:' "$log" | tail -n 1)
    if [ -n "$synth" ]; then
        p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<< "$synth")
        f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<< "$synth")
        p=${p:-0} fl=${f:-0}
    else
        p=0 fl=1
    fi

    why=""
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        why="killed after ${TIMEOUT_S}s"
    elif [ "$rc" -ne 0 ]; then
        why="exit status $rc"
    fi
    if [ -z "$synth" ]; then
        why="${why:+$why, }no Synthesis line (counted as 1 failed)"
    fi
    if [ "$sanitize" -eq 1 ] && grep -aqE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$log"; then
        why="${why:+$why, }sanitizer report in the log"
    fi
    if [ -n "$why" ] && [ "$fl" -eq 0 ]; then
        # Criterion counted every test as passing but the binary still failed
        # (a sanitizer report, a nonzero exit): one of those passes was not.
        fl=1
        [ "$p" -gt 0 ] && p=$((p - 1))
    fi
    if [ "$fl" -gt 0 ] && [ -z "$why" ]; then
        why="failures"
    fi

    if [ -n "$why" ]; then
        status=1
        echo "---- $name FAILED ($why); log $log:" >&2
        if [ "$(wc -l < "$log")" -gt 400 ]; then
            head -n 200 "$log" >&2
            echo "[... $(wc -l < "$log") lines in all, see $log ...]" >&2
            tail -n 150 "$log" >&2
        else
            cat "$log" >&2
        fi
        echo "---- end of $name" >&2
    fi
    echo "== $name (${secs}s, $p passed, $fl failed)" >&2
    [ -n "$synth" ] && echo "$synth" >&2
    total_pass=$((total_pass + p)) total_fail=$((total_fail + fl))
done

[ -n "$results" ] && echo "$total_pass $total_fail $label" > "$results"
echo "$total_pass passed, $total_fail failed"
exit "$status"
