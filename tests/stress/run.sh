#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the stress program and fails on a nonzero exit, any sanitizer report or no "stress: OK".
#
#   tests/stress/run.sh BIN [SECONDS [SEED]]
#
# The output goes to BIN.log and is printed. ThreadSanitizer runs with halt_on_error=0 (it reports
# every race and exits 66 at the end), so the log is searched as well; MemorySanitizer stops at
# the first report. A watchdog inside the program ends a hang; `timeout` is the backstop
# (SECONDS + 300 s: sanitizers slow the shutdown too).
set -u
. "$(dirname "$0")/../../scripts/lib.sh"
bin=$1 secs=${2:-5} seed=${3:-} log=$1.log start=$SECONDS
# shellcheck disable=SC2086 # an empty $seed means "no argument"
timeout -k 10 $((${secs%.*} + 300)) "$bin" "$secs" $seed > "$log" 2>&1
rc=$?
cat "$log"
why=""
[ "$rc" -eq 0 ] || why="exit status $rc"
reports=$(grep -a -c -E 'WARNING: (ThreadSanitizer|MemorySanitizer)|ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log")
[ "$reports" -eq 0 ] || why="${why:+$why, }$reports sanitizer report(s)"
grep -a -q '^stress: OK$' "$log" || why="${why:+$why, }no 'stress: OK' line"
[ -z "$why" ] || die "$(basename "$bin"): FAILED ($why) in $((SECONDS - start))s; log $log"
echo "$(basename "$bin"): passed in $((SECONDS - start))s, no sanitizer reports ($log)"
