#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs Criterion suite binaries (what `make test` calls) and prints each one's Synthesis line, then
# the total "N passed, N failed" last; counting as scripts/lib.sh's criterion() says.
#
#   run-tests.sh [--sanitize] BIN...
#
# Each BIN runs with --jobs $TEST_JOBS (2) under `timeout` ($TEST_TIMEOUT, 300 s). --sanitize: a
# sanitizer report in a log fails its binary (a report in a forked worker does not fail the test).
set -u
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = --sanitize ] && { SAN_CHECK=1; shift; }
[ $# -gt 0 ] || give_up "run-tests.sh: no test binaries given (is tests/test_*.c missing?)"

# Sanitizer reports must reach the log. Full unwinding on malloc gives leak reports the whole
# stack, which the suppression of Criterion's own runner leak needs (scripts/lsan.supp).
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:print_summary=1:fast_unwind_on_malloc=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for bin; do
    criterion "$(basename "$bin")" "$bin.log" "${TEST_TIMEOUT:-300}" "$bin" --jobs "${TEST_JOBS:-2}" --color=never
done
total
