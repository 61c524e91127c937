#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The fuzz runs of mk/fuzz.mk, on its harnesses BUILD/<flavour>/fuzz_<target>:
#
#   fuzz.sh replay  BUILD "TARGETS" [DIR...]   seeds and DIRs ("%t": the target) through the replay
#                   drivers asan (gcc ASan+UBSan), sel (the same, select backend), msan (clang MSan)
#   fuzz.sh cov     BUILD "TARGETS" [DIR...]   llvm-cov report of src/ for the same, all targets
#   fuzz.sh smoke   BUILD LF_SECS AFL_SECS TARGET...   per target libFuzzer and AFL++ side by side,
#                   from scratch copies of the seeds; then `replay` of everything they found
#   fuzz.sh long    BUILD SECONDS TARGET...    libFuzzer, FUZZ_JOBS (2) at a time, on corpora kept in
#                   BUILD/long/<target>/corpus; then `cov` of them
#   fuzz.sh oss     DIR "TARGETS"             fuzz/build.sh's output in DIR/out as OSS-Fuzz uses it: each
#                   target run on its unzipped seed corpus with its dictionary (fuzz-oss-check)
#   fuzz.sh mutants WORK SECONDS [PATCH...]    each fuzz/mutants/*.patch planted in a scratch copy of
#                   the tree, its target fuzzed (from the seeds; FUZZ_MUTANT_SEEDS=none: from
#                   nothing): killed when the fuzzer stops on a crash, survived when time runs out
#
# Fails on any libFuzzer crash, timeout or leak (nonzero exit or an artifact), any AFL++ crash
# (afl-fuzz exits 0 even then: crashes/id:* or saved_crashes), any replay failure, any mutant that
# survives or no longer applies or builds. Prints tables of the runs and a total last.
# FUZZ_NICE ("nice -n 10"), FUZZ_MUTANT_SEED (1: repeatable runs).
set -u
. "$(dirname "$0")/lib.sh"
root=$(pwd)
nice_cmd=${FUZZ_NICE-nice -n 10}
jobs=${FUZZ_JOBS:-2}

# lf TARGET BIN SECONDS ARTIFACTS LOG CORPUS... [OPTION...]: libFuzzer with TARGET's dictionary,
# output appended to LOG. -timeout: one input running 10 s is a hang (the harness guard bounds
# slot calls: this is the last resort); -rss_limit_mb keeps it off the swap.
lf() {
    local t=$1 bin=$2 secs=$3 art=$4 log=$5 dict=()
    shift 5
    [ -f "$root/fuzz/$t.dict" ] && dict=("-dict=$root/fuzz/$t.dict")
    # shellcheck disable=SC2086 # $nice_cmd is a command and its arguments
    $nice_cmd "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/" "${dict[@]}" "$@" >> "$log" 2>&1
}
stat_of() { sed -n "s/^$1 *: *//p" "$2" 2> /dev/null | tail -n 1; } # NAME FILE: libFuzzer's or AFL++'s figure
cov_of() { grep -o "$1: [0-9]*" "$2" | tail -n 1 | cut -d' ' -f2; } # cov|ft LOG: libFuzzer's last count
# corpora TARGET DIR...: its seeds and every non-empty DIR, "%t" replaced by TARGET.
corpora() {
    local t=$1 d
    shift
    echo "fuzz/corpus/$t"
    for d; do d=${d//%t/$t}; [ -n "$(ls -A "$d" 2> /dev/null)" ] && echo "$d"; done
}

replay() {
    local build=$1 t flavor bin out dirs PASSED=0 FAILED=0 # a total of its own, also inside smoke
    shift
    mkdir -p "$build/replay-logs"
    for t in $1; do
        for flavor in asan sel msan; do
            bin=$build/$flavor/fuzz_$t out=$build/replay-logs/$flavor-$t.log
            mapfile -t dirs < <(corpora "$t" "${@:2}")
            if MSAN_OPTIONS=halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                "$bin" "${dirs[@]}" > "$out" 2>&1; then
                pass "replay $flavor $t: $(tail -n 1 "$out")"
            else
                fail "replay $flavor $t (log $out):"
                tail -n 25 "$out" | sed 's/^/    /'
            fi
        done
    done
    total fuzz-replay
}

cov() {
    local build=$1 out=$1/cov-report t objects=() dirs major profdata llvm_cov
    shift
    major=$({ command -v clang-14 > /dev/null && clang-14 -dumpversion || clang -dumpversion; } | cut -d. -f1)
    profdata=$(command -v "llvm-profdata-$major" || command -v llvm-profdata)
    llvm_cov=$(command -v "llvm-cov-$major" || command -v llvm-cov)
    rm -rf "$out"
    mkdir -p "$out"
    for t in $1; do
        mapfile -t dirs < <(corpora "$t" "${@:2}")
        LLVM_PROFILE_FILE="$out/$t.profraw" "$build/cov/fuzz_$t" "${dirs[@]}" > "$out/$t.log" 2>&1 ||
            die "fuzz-cov: replay of $t failed (see $out/$t.log)"
        objects+=(-object "$build/cov/fuzz_$t")
    done
    "$profdata" merge -sparse "$out"/*.profraw -o "$out/all.profdata" || exit
    # The first -object is positional; files not in the binaries (sys_win32.c, ...) are left out.
    "$llvm_cov" report "${objects[@]:1}" -instr-profile="$out/all.profdata" --ignore-filename-regex='^(fuzz|/usr)/' \
        src/*.c > "$out/report.txt" 2>&1
    sed -e "s#$root/##" "$out/report.txt"
}

smoke() {
    local build=$1 lf_secs=$2 afl_secs=$3 t dir lf_pid afl_pid lf_rc afl_rc arts stats crashes saved hangs lf_res afl_res
    local work=$1/smoke summary=() afl_dict=()
    shift 3
    rm -rf "$work"
    for t; do
        dir=$work/$t
        mkdir -p "$dir/lf-corpus" "$dir/lf-artifacts"
        cp fuzz/corpus/"$t"/* "$dir/lf-corpus/"
        afl_dict=()
        [ -f "fuzz/$t.dict" ] && afl_dict=(-x "fuzz/$t.dict")
        echo "== $t: libFuzzer ${lf_secs}s and AFL++ ${afl_secs}s ($(date +%H:%M:%S))"
        lf "$t" "$build/lf/fuzz_$t" "$lf_secs" "$dir/lf-artifacts" "$dir/libfuzzer.log" "$dir/lf-corpus" &
        lf_pid=$!
        # shellcheck disable=SC2086
        AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 \
            AFL_SKIP_CRASHES=0 $nice_cmd afl-fuzz -i "fuzz/corpus/$t" -o "$dir/afl" -V "$afl_secs" -m none -t 5000 \
            "${afl_dict[@]}" -- "$build/afl/fuzz_$t" > "$dir/afl.log" 2>&1 &
        afl_pid=$!
        wait "$lf_pid"
        lf_rc=$?
        wait "$afl_pid"
        afl_rc=$?

        arts=$(find "$dir/lf-artifacts" -type f | head -n 5)
        lf_res=ok
        if [ "$lf_rc" -ne 0 ] || [ -n "$arts" ]; then
            lf_res=FAIL
            fail "libFuzzer on $t (exit $lf_rc; log $dir/libfuzzer.log; artifacts: ${arts:-none}):"
            grep -E -A12 'contract violated|ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error' \
                "$dir/libfuzzer.log" | head -n 40 | sed 's/^/    /'
        else pass; fi
        stats=$dir/afl/default/fuzzer_stats
        crashes=$(find "$dir/afl/default/crashes" -name 'id:*' 2> /dev/null)
        saved=$(stat_of saved_crashes "$stats")
        afl_res=ok
        if [ "$afl_rc" -ne 0 ] || [ ! -f "$stats" ] || [ -n "$crashes" ] || [ "${saved:-1}" != 0 ]; then
            afl_res=FAIL
            fail "AFL++ on $t (exit $afl_rc, $(grep -c . <<< "$crashes") crash files, saved_crashes ${saved:-?}; log $dir/afl.log)"
            tail -n 15 "$dir/afl.log" | sed 's/^/    /'
            for c in $(head -n 1 <<< "$crashes"); do
                echo "  first crash replayed ($c):"
                "$build/asan/fuzz_$t" "$c" 2>&1 | grep -E -A8 'contract violated|ERROR|runtime error' | head -n 20 | sed 's/^/    /'
            done
        else pass; fi
        hangs=$(stat_of saved_hangs "$stats")
        [ "${hangs:-0}" = 0 ] || echo "note: AFL++ saved $hangs hang(s) for $t in $dir/afl/default/hangs"
        summary+=("$(printf '%-14s %-4s %10s %8s %5s   %-4s %10s %8s %7s %5s' "$t" "$lf_res" \
            "$(stat_of stat::number_of_executed_units "$dir/libfuzzer.log")" \
            "$(stat_of stat::average_exec_per_sec "$dir/libfuzzer.log")" "$(cov_of cov "$dir/libfuzzer.log")" \
            "$afl_res" "$(stat_of execs_done "$stats")" "$(stat_of execs_per_sec "$stats")" "${saved:-?}" "${hangs:-?}")")
    done
    echo "== replay: seeds and everything the engines found ($(date +%H:%M:%S))"
    if replay "$build" "$*" "$work/%t/lf-corpus" "$work/%t/afl/default/queue"; then pass; else fail; fi
    echo
    echo "== fuzz-smoke summary ($SECONDS s)"
    printf '%-14s %-4s %10s %8s %5s   %-4s %10s %8s %7s %5s\n' target lf execs exec/s cov afl execs exec/s crashes hangs
    printf '%s\n' "${summary[@]}"
    total fuzz-smoke
}

long() {
    local build=$1 secs=$2 work=$1/long t log rc res
    shift 2
    long_one() {
        mkdir -p "$work/$1/corpus" "$work/$1/artifacts"
        cp -n fuzz/corpus/"$1"/* "$work/$1/corpus/" 2> /dev/null
        : > "$work/$1/libfuzzer.log"
        lf "$1" "$build/lf/fuzz_$1" "$secs" "$work/$1/artifacts" "$work/$1/libfuzzer.log" "$work/$1/corpus"
        echo $? > "$work/$1/rc"
    }
    echo "== fuzz: $# targets, ${secs}s each, $jobs at a time ($(date +%H:%M:%S))"
    pool "$jobs" long_one "$@"
    printf '%-14s %8s %12s %8s %6s %6s %7s  %s\n' target seconds execs exec/s cov ft corpus result > "$work/results.txt"
    for t; do
        log=$work/$t/libfuzzer.log rc=$(cat "$work/$t/rc" 2> /dev/null || echo 1) res=ok
        if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/$t/artifacts")" ]; then res="FAIL (exit $rc, see $log)"; fail; else pass; fi
        printf '%-14s %8s %12s %8s %6s %6s %7s  %s\n' "$t" "$secs" "$(stat_of stat::number_of_executed_units "$log")" \
            "$(stat_of stat::average_exec_per_sec "$log")" "$(cov_of cov "$log")" "$(cov_of ft "$log")" \
            "$(find "$work/$t/corpus" -type f | wc -l)" "$res" >> "$work/results.txt"
    done
    cat "$work/results.txt"
    echo
    echo "== src/ coverage of the seeds plus the grown corpora"
    (cov "$build" "$*" "$work/%t/corpus") | tee "$work/coverage.txt" | tail -n 16
    total "fuzz ($SECONDS s)"
}

mutants() {
    local work=$1 secs=$2 p name r n t b res s x how
    shift 2
    [ $# -gt 0 ] || set -- fuzz/mutants/*.patch
    rm -rf "$work"
    mkdir -p "$work"
    work=$(cd "$work" && pwd)
    field() { sed -n "s/^$1: *//p" "$2" | head -n 1; }
    name_of() { local n; n=$(field Mutant "$1"); echo "${n:-$(basename "$1" .patch)}"; }
    # mutant PATCH: "name|target|backend|result|seconds|execs|how" into WORK/<name>.result.
    mutant() {
        local patch=$1 name target backend tree log t0 rc how result applied="" execs
        case $patch in /*) ;; *) patch=$root/$patch ;; esac
        name=$(name_of "$patch") target=$(field Target "$patch") backend=$(field Backend "$patch")
        tree=$work/$name log=$work/$name.log
        mkdir -p "$tree/mk" "$tree/tests" "$tree/corpus" "$tree/artifacts"
        cp -r "$root/src" "$root/include" "$root/fuzz" "$tree/"
        cp -r "$root/tests/kit" "$tree/tests/"
        cp "$root/mk/fuzz.mk" "$root/mk/sources.mk" "$tree/mk/"
        record() { echo "$name|$target|$backend|$*" > "$work/$name.result"; }
        if ! (cd "$tree" && patch -p1 -s --dry-run < "$patch" && patch -p1 -s < "$patch") > "$log" 2>&1; then
            # src/ moved under the patch: plant the same bug in today's src/ if its text is still there.
            python3 "$root/fuzz/mutants/make_mutants.py" --emit "$name" > "$tree.regen.patch" 2>> "$log" &&
                (cd "$tree" && patch -p1 -s < "$tree.regen.patch") >> "$log" 2>&1 ||
                { record "NO-APPLY|-|-|see $log"; return; }
            applied=" [patch regenerated: run fuzz/mutants/make_mutants.py]"
        fi
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$tree" -f mk/fuzz.mk FUZZ_BUILD=build \
            FUZZ_TARGETS="$target" FUZZ_BACKEND="${backend:-poll}" ${FUZZ_CLANG:+FUZZ_CLANG=$FUZZ_CLANG} fuzz-build-lf \
            >> "$log" 2>&1 || { record "NO-BUILD|-|-|see $log"; return; }
        [ "${FUZZ_MUTANT_SEEDS:-corpus}" = none ] || cp "$root/fuzz/corpus/$target"/* "$tree/corpus/"
        t0=$(date +%s.%N)
        lf "$target" "$tree/build/lf/fuzz_$target" "$secs" "$tree/artifacts" "$log" -seed="${FUZZ_MUTANT_SEED:-1}" "$tree/corpus"
        rc=$?
        # libFuzzer's last progress line before the stop: roughly the executions it took.
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
        if [ "$rc" -ne 0 ] && [ -n "$(ls -A "$tree/artifacts")" ]; then
            result=killed
            how=$(grep -m1 -oE 'contract violated at [^ ]+ .*|ERROR: (AddressSanitizer|MemorySanitizer|libFuzzer): [a-z-]+|runtime error: .*' \
                "$log" | sed -e 's/^contract violated at //' -e 's#^fuzz/##' | cut -c1-90)
            how=${how:-crash (see $log)}
        elif [ "$rc" -ne 0 ]; then
            result=ERROR how="fuzzer exit $rc without an artifact (see $log)"
        else
            result=SURVIVED how="no crash in ${secs}s"
        fi
        record "$result|$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')|${execs:-?}|$how$applied"
        rm -rf "$tree/build/lf/obj" "$tree/corpus" # keep the evidence small: the tree only reproduces
    }
    echo "== fuzz-mutants: $# mutants, at most ${secs}s of fuzzing each, $jobs at a time"
    pool "$jobs" mutant "$@"
    printf '\n%-28s %-14s %-7s %-9s %8s %8s  %s\n' mutant target backend result "killed-s" execs "caught by"
    for p; do
        name=$(name_of "$p")
        r=$work/$name.result
        if [ ! -f "$r" ]; then printf '%-28s %s\n' "$name" "NO RESULT"; fail; continue; fi
        IFS='|' read -r n t b res s x how < "$r"
        printf '%-28s %-14s %-7s %-9s %8s %8s  %s\n' "$n" "$t" "$b" "$res" "$s" "$x" "$how"
        if [ "$res" = killed ]; then pass; else fail; fi
    done
    echo
    echo "fuzz-mutants took $SECONDS s; logs and scratch trees in $work"
    total fuzz-mutants
}

# oss DIR "TARGETS": what fuzz/build.sh left in DIR/out, as OSS-Fuzz would use it: each target's
# seeds unzipped and run once (-runs=0 runs the corpus, then stops) with its dictionary loaded.
oss() {
    local dir=$1 out=$1/out t seeds log files inited dict
    for t in $2; do
        seeds=$dir/seeds/$t log=$dir/$t.log
        rm -rf "$seeds"
        mkdir -p "$seeds"
        : > "$log"
        if [ ! -x "$out/$t" ] || ! unzip -q "$out/${t}_seed_corpus.zip" -d "$seeds" 2> "$log"; then
            fail "oss $t: no $out/$t or no ${t}_seed_corpus.zip ($(head -c 200 "$log"))"
            continue
        fi
        files=$(find "$seeds" -type f | wc -l) dict=()
        if [ -f "fuzz/$t.dict" ]; then
            cmp -s "fuzz/$t.dict" "$out/$t.dict" || { fail "oss $t: $out/$t.dict is not fuzz/$t.dict"; continue; }
            dict=("-dict=$out/$t.dict")
        fi
        if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 "$out/$t" "${dict[@]}" -runs=0 "$seeds" > "$log" 2>&1; then
            inited=$(sed -n 's/^#\([0-9]*\)[[:space:]]*INITED.*/\1/p' "$log" | head -n 1)
            if [ "${inited:-0}" -lt "$files" ]; then
                fail "oss $t: $files seeds but ${inited:-no} runs (log $log)"
            elif [ ${#dict[@]} -gt 0 ] && ! grep -q '^Dictionary: [1-9][0-9]* entries' "$log"; then
                fail "oss $t: the dictionary was not loaded (log $log)"
            else
                pass "oss $t: $files seeds replayed ($inited runs)$([ ${#dict[@]} -eq 0 ] || echo ", $(grep -o '^Dictionary: [0-9]* entries' "$log" | cut -d' ' -f2) dictionary entries")"
            fi
        else
            fail "oss $t (log $log):"
            grep -E -A12 'contract violated|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error' "$log" | head -n 30 | sed 's/^/    /'
        fi
    done
    total fuzz-oss-check
}

case ${1:-} in
replay | cov | smoke | long | mutants | oss) "$@" ;;
*) die "usage: fuzz.sh replay|cov|smoke|long|mutants|oss ARG... (see its header)" ;;
esac
