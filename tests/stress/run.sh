#!/usr/bin/env bash
# Runs the stress program and fails on a nonzero exit or any sanitizer report.
#
#   tests/stress/run.sh BIN [SECONDS [SEED]]
#
# The output goes to BIN.log and is printed. ThreadSanitizer is run with
# halt_on_error=0 (it reports every race and exits 66 at the end), so the log
# is searched as well as the exit status checked; MemorySanitizer stops at the
# first report. A watchdog inside the program ends a hang; `timeout` is the
# backstop (SECONDS + 300 s: sanitizers slow the shutdown too).
set -u
bin=$1
secs=${2:-5}
seed=${3:-}
log=$bin.log
limit=$(( ${secs%.*} + 300 ))
start=$(date +%s.%N)
# shellcheck disable=SC2086 # an empty $seed means "no argument"
timeout -k 10 "$limit" "$bin" "$secs" $seed > "$log" 2>&1
rc=$?
wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
cat "$log"
why=""
[ "$rc" -ne 0 ] && why="exit status $rc"
reports=$(grep -a -c -E 'WARNING: (ThreadSanitizer|MemorySanitizer)|ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log")
[ "$reports" -gt 0 ] && why="${why:+$why, }$reports sanitizer report(s)"
grep -a -q '^stress: OK$' "$log" || why="${why:+$why, }no 'stress: OK' line"
if [ -n "$why" ]; then
    echo "$(basename "$bin"): FAILED ($why) in ${wall}s; log $log" >&2
    exit 1
fi
echo "$(basename "$bin"): passed in ${wall}s, no sanitizer reports ($log)"
