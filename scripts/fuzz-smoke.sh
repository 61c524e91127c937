#!/usr/bin/env bash
# The CI fuzz run (make fuzz-smoke): every target under libFuzzer and under
# AFL++ side by side (two processes: the machine has two cores), each from a
# scratch copy of its seed corpus, then every corpus (seeds and what the
# engines found) replayed under ASan+UBSan (both wait backends) and MSan.
#
#   fuzz-smoke.sh BUILD_DIR LF_SECONDS AFL_SECONDS TARGET...
#
# Fails on any libFuzzer crash, timeout or leak (nonzero exit or an artifact),
# on any AFL++ crash (afl-fuzz exits 0 even then: OUT/default/crashes/id:* or
# saved_crashes in fuzzer_stats), and on any replay failure. Prints the
# executions, exec/s and coverage of each run, and
# "fuzz-smoke: N passed, N failed" last.
set -u
build=$1
lf_secs=$2
afl_secs=$3
shift 3
targets=("$@")
nice_cmd=${FUZZ_NICE-nice -n 10}
work="$build/smoke"
rm -rf "$work"
mkdir -p "$work"

pass=0
fail=0
summary=()
start=$(date +%s)

stat_of() { sed -n "s/^$1 *: *//p" "$2" 2>/dev/null | head -n 1; }

for t in "${targets[@]}"; do
    dir="$work/$t"
    mkdir -p "$dir/lf-corpus" "$dir/lf-artifacts"
    cp fuzz/corpus/"$t"/* "$dir/lf-corpus/"
    dict=()
    afl_dict=()
    if [ -f "fuzz/$t.dict" ]; then
        dict=("-dict=fuzz/$t.dict")
        afl_dict=(-x "fuzz/$t.dict")
    fi
    echo "== $t: libFuzzer ${lf_secs}s and AFL++ ${afl_secs}s ($(date +%H:%M:%S))"
    # -timeout: a single input running 10 s is a hang (the guard bounds slot
    # calls, so this is only a last resort); -rss_limit_mb: keep off the swap.
    # shellcheck disable=SC2086 # $nice_cmd is a command and its arguments
    $nice_cmd "$build/lf/fuzz_$t" -max_total_time="$lf_secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/lf-artifacts/" "${dict[@]}" "$dir/lf-corpus" \
        > "$dir/libfuzzer.log" 2>&1 &
    lf_pid=$!
    # shellcheck disable=SC2086
    AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
        AFL_FAST_CAL=1 AFL_SKIP_CRASHES=0 \
        $nice_cmd afl-fuzz -i "fuzz/corpus/$t" -o "$dir/afl" -V "$afl_secs" -m none -t 5000 "${afl_dict[@]}" \
        -- "$build/afl/fuzz_$t" > "$dir/afl.log" 2>&1 &
    afl_pid=$!
    wait "$lf_pid"
    lf_rc=$?
    wait "$afl_pid"
    afl_rc=$?

    # libFuzzer
    artifacts=$(find "$dir/lf-artifacts" -type f | head -n 5)
    lf_execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/libfuzzer.log" | tail -n 1)
    lf_rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/libfuzzer.log" | tail -n 1)
    lf_cov=$(grep -o 'cov: [0-9]*' "$dir/libfuzzer.log" | tail -n 1 | cut -d' ' -f2)
    if [ "$lf_rc" -eq 0 ] && [ -z "$artifacts" ]; then
        pass=$((pass + 1))
        lf_res=ok
    else
        fail=$((fail + 1))
        lf_res=FAIL
        echo "libFuzzer on $t FAILED (exit $lf_rc; log $dir/libfuzzer.log; artifacts: ${artifacts:-none}):"
        grep -E -A12 'contract violated|ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error' \
            "$dir/libfuzzer.log" | head -n 40 | sed 's/^/    /'
    fi
    # AFL++
    stats="$dir/afl/default/fuzzer_stats"
    crashes=$(find "$dir/afl/default/crashes" -name 'id:*' 2>/dev/null | wc -l)
    saved=$(stat_of saved_crashes "$stats")
    hangs=$(stat_of saved_hangs "$stats")
    afl_execs=$(stat_of execs_done "$stats")
    afl_rate=$(stat_of execs_per_sec "$stats")
    if [ "$afl_rc" -eq 0 ] && [ -f "$stats" ] && [ "$crashes" -eq 0 ] && [ "${saved:-1}" = 0 ]; then
        pass=$((pass + 1))
        afl_res=ok
    else
        fail=$((fail + 1))
        afl_res=FAIL
        echo "AFL++ on $t FAILED (exit $afl_rc, $crashes crash files, saved_crashes ${saved:-?}; log $dir/afl.log)"
        tail -n 15 "$dir/afl.log" | sed 's/^/    /'
        for c in $(find "$dir/afl/default/crashes" -name 'id:*' 2>/dev/null | head -n 1); do
            echo "  first crash replayed ($c):"
            "$build/asan/fuzz_$t" "$c" 2>&1 | grep -E -A8 'contract violated|ERROR|runtime error' | head -n 20 |
                sed 's/^/    /'
        done
    fi
    [ "${hangs:-0}" != 0 ] && echo "note: AFL++ saved ${hangs} hang(s) for $t in $dir/afl/default/hangs"
    summary+=("$(printf '%-14s %-4s %10s %8s %5s   %-4s %10s %8s %7s %5s' "$t" \
        "$lf_res" "${lf_execs:-?}" "${lf_rate:-?}" "${lf_cov:-?}" \
        "$afl_res" "${afl_execs:-?}" "${afl_rate:-?}" "${saved:-?}" "${hangs:-?}")")
done

echo "== replay: seeds and everything the engines found ($(date +%H:%M:%S))"
if scripts/fuzz-replay.sh "$build" "${targets[*]}" "$work/%t/lf-corpus" "$work/%t/afl/default/queue"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
fi

echo
echo "== fuzz-smoke summary ($(($(date +%s) - start)) s)"
printf '%-14s %-4s %10s %8s %5s   %-4s %10s %8s %7s %5s\n' target lf execs exec/s cov afl execs exec/s crashes hangs
printf '%s\n' "${summary[@]}"
echo "fuzz-smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
