#!/usr/bin/env bash
# Mutation testing of the fuzz harnesses (make fuzz-mutants): proves they
# have teeth. Each fuzz/mutants/*.patch plants one bug in src/; for each, a
# scratch copy of src/, include/, fuzz/ and mk/fuzz.mk gets the patch, the
# patch's target harness is built for libFuzzer (with the patch's wait
# backend) and fuzzed from the seed corpus for at most SECONDS. The mutant is
# killed when the fuzzer stops on a crash (a harness check, a sanitizer, or a
# libFuzzer timeout); it survives when the time runs out.
#
#   fuzz-mutants.sh WORK_DIR SECONDS [PATCH...]     (default: every fuzz/mutants/*.patch)
#
# FUZZ_JOBS (default 2) mutants run side by side; FUZZ_MUTANT_SEED (default 1)
# makes the runs repeatable; FUZZ_MUTANT_SEEDS=none starts from an empty
# corpus instead of the seeds (how fast the fuzzer alone finds each bug). The
# execs column is libFuzzer's last progress count before the stop (0 or small:
# a seed or its first mutations killed it). Prints a table (mutant, target, result, seconds
# to the kill, what caught it) and "fuzz-mutants: N passed, N failed" last
# (passed = killed). Fails if any mutant survives, or no longer applies or
# builds (regenerate with fuzz/mutants/make_mutants.py).
set -u
work=$1
secs=$2
shift 2
patches=("$@")
[ ${#patches[@]} -eq 0 ] && patches=(fuzz/mutants/*.patch)
jobs=${FUZZ_JOBS:-2}
seed=${FUZZ_MUTANT_SEED:-1}
nice_cmd=${FUZZ_NICE-nice -n 10}
root=$(pwd)

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
start=$(date +%s)

field() { sed -n "s/^$1: *//p" "$2" | head -n 1; }

# run_mutant PATCH: writes $work/<name>.result as "name|target|backend|result|seconds|execs|how".
run_mutant() {
    local patch=$1 name target backend tree log t0 t1 rc how result
    case $patch in /*) ;; *) patch="$root/$patch" ;; esac
    name=$(field Mutant "$patch")
    target=$(field Target "$patch")
    backend=$(field Backend "$patch")
    name=${name:-$(basename "$patch" .patch)}
    tree="$work/$name"
    log="$tree.log"
    mkdir -p "$tree/mk" "$tree/tests" "$tree/corpus" "$tree/artifacts"
    cp -r "$root/src" "$root/include" "$root/fuzz" "$tree/"
    cp -r "$root/tests/kit" "$tree/tests/"
    cp "$root/mk/fuzz.mk" "$root/mk/sources.mk" "$tree/mk/"
    local how_applied=""
    if ! (cd "$tree" && patch -p1 -s --dry-run < "$patch" && patch -p1 -s < "$patch") > "$log" 2>&1; then
        # src/ moved under the patch: plant the same bug in today's src/ if its text is still there.
        if python3 "$root/fuzz/mutants/make_mutants.py" --emit "$name" > "$tree.regen.patch" 2>> "$log" &&
            (cd "$tree" && patch -p1 -s < "$tree.regen.patch") >> "$log" 2>&1; then
            how_applied=" [patch regenerated: run fuzz/mutants/make_mutants.py]"
        else
            echo "$name|$target|$backend|NO-APPLY|-|-|see $log" > "$work/$name.result"
            return
        fi
    fi
    if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$tree" -f mk/fuzz.mk FUZZ_BUILD=build \
        FUZZ_TARGETS="$target" FUZZ_BACKEND="${backend:-poll}" ${FUZZ_CLANG:+FUZZ_CLANG=$FUZZ_CLANG} fuzz-build-lf >> "$log" 2>&1; then
        echo "$name|$target|$backend|NO-BUILD|-|-|see $log" > "$work/$name.result"
        return
    fi
    [ "${FUZZ_MUTANT_SEEDS:-corpus}" = none ] || cp "$root/fuzz/corpus/$target"/* "$tree/corpus/"
    local dict=()
    [ -f "$root/fuzz/$target.dict" ] && dict=("-dict=$root/fuzz/$target.dict")
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086 # $nice_cmd is a command and its arguments
    $nice_cmd "$tree/build/lf/fuzz_$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -seed="$seed" -artifact_prefix="$tree/artifacts/" "${dict[@]}" "$tree/corpus" >> "$log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    # libFuzzer's last progress line before the stop: roughly the executions it took.
    local execs
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    if [ "$rc" -ne 0 ] && [ -n "$(ls -A "$tree/artifacts")" ]; then
        result=killed
        how=$(grep -m1 -oE 'contract violated at [^ ]+ .*|ERROR: (AddressSanitizer|MemorySanitizer|libFuzzer): [a-z-]+|runtime error: .*' "$log" |
            sed -e 's/^contract violated at //' -e 's#^fuzz/##' | cut -c1-90)
        [ -z "$how" ] && how="crash (see $log)"
    elif [ "$rc" -ne 0 ]; then
        result=ERROR
        how="fuzzer exit $rc without an artifact (see $log)"
    else
        result=SURVIVED
        how="no crash in ${secs}s"
    fi
    echo "$name|$target|$backend|$result|$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}')|${execs:-?}|$how$how_applied" \
        > "$work/$name.result"
    # Keep the evidence small: the tree is only needed to reproduce.
    rm -rf "$tree/build/lf/obj" "$tree/corpus"
}

echo "== fuzz-mutants: ${#patches[@]} mutants, at most ${secs}s of fuzzing each, $jobs at a time"
running=0
for p in "${patches[@]}"; do
    run_mutant "$p" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

pass=0
fail=0
printf '\n%-28s %-14s %-7s %-9s %8s %8s  %s\n' mutant target backend result "killed-s" execs "caught by"
for p in "${patches[@]}"; do
    name=$(field Mutant "$p")
    name=${name:-$(basename "$p" .patch)}
    r="$work/$name.result"
    if [ ! -f "$r" ]; then
        printf '%-28s %s\n' "$name" "NO RESULT"
        fail=$((fail + 1))
        continue
    fi
    IFS='|' read -r n t b res s x how < "$r"
    printf '%-28s %-14s %-7s %-9s %8s %8s  %s\n' "$n" "$t" "$b" "$res" "$s" "$x" "$how"
    if [ "$res" = killed ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo
echo "fuzz-mutants took $(($(date +%s) - start)) s; logs and scratch trees in $work"
echo "fuzz-mutants: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
