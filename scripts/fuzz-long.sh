#!/usr/bin/env bash
# Long libFuzzer runs (make fuzz FUZZ_SECONDS=N): every target for N seconds,
# FUZZ_JOBS (default 2) at a time, each on its own growing corpus in
# BUILD_DIR/long/<target>/corpus (seeded from fuzz/corpus/<target>, kept
# between runs), then src/ coverage of the final corpora (scripts/fuzz-cov.sh).
#
#   fuzz-long.sh BUILD_DIR SECONDS TARGET...
#
# Prints, per target: executions, exec/s, libFuzzer's cov/ft counts, corpus
# size and the verdict; the table is also written to BUILD_DIR/long/results.txt.
set -u
build=$1
secs=$2
shift 2
targets=("$@")
jobs=${FUZZ_JOBS:-2}
nice_cmd=${FUZZ_NICE-nice -n 10}
work="$build/long"
mkdir -p "$work"
start=$(date +%s)

run_one() {
    local t=$1 dir="$work/$1" dict=()
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp -n fuzz/corpus/"$t"/* "$dir/corpus/" 2>/dev/null
    [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
    # shellcheck disable=SC2086 # $nice_cmd is a command and its arguments
    $nice_cmd "$build/lf/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/" "${dict[@]}" "$dir/corpus" > "$dir/libfuzzer.log" 2>&1
    echo $? > "$dir/rc"
}

echo "== fuzz: ${#targets[@]} targets, ${secs}s each, $jobs at a time ($(date +%H:%M:%S))"
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

fail=0
{
    printf '%-14s %8s %12s %8s %6s %6s %7s  %s\n' target seconds execs exec/s cov ft corpus result
    for t in "${targets[@]}"; do
        log="$work/$t/libfuzzer.log"
        rc=$(cat "$work/$t/rc" 2>/dev/null || echo 1)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
        last=$(grep -E '(DONE|pulse|NEW|REDUCE) +cov:' "$log" | tail -n 1)
        c=$(echo "$last" | grep -o 'cov: [0-9]*' | cut -d' ' -f2)
        ft=$(echo "$last" | grep -o 'ft: [0-9]*' | cut -d' ' -f2)
        n=$(find "$work/$t/corpus" -type f | wc -l)
        res=ok
        if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/$t/artifacts")" ]; then
            res="FAIL (exit $rc, see $log)"
            fail=$((fail + 1))
        fi
        printf '%-14s %8s %12s %8s %6s %6s %7s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "${c:-?}" "${ft:-?}" "$n" "$res"
    done
} | tee "$work/results.txt"
echo
echo "== src/ coverage of the seeds plus the grown corpora"
scripts/fuzz-cov.sh "$build" "${targets[*]}" "$work/%t/corpus" | tee "$work/coverage.txt" | tail -n 16
echo "fuzz: $((${#targets[@]} - fail)) passed, $fail failed ($(($(date +%s) - start)) s)"
[ "$fail" -eq 0 ]
