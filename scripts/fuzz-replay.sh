#!/usr/bin/env bash
# Replays corpora through the standalone replay drivers (fuzz/replay_main.c):
# gcc ASan+UBSan with the poll backend (asan) and the select backend (sel),
# and clang MemorySanitizer (msan), all built by mk/fuzz.mk.
#
#   fuzz-replay.sh BUILD_DIR "TARGETS" [DIR...]
#
# Each target replays fuzz/corpus/<target> and every DIR given, with "%t" in
# DIR replaced by the target (missing or empty directories are skipped). A
# trap or a sanitizer report fails the target; the end of its log is shown.
# Prints one line per target and flavour, then "fuzz-replay: N passed, N failed".
set -u
build=$1
targets=$2
shift 2
extra=("$@")

pass=0
fail=0
logdir="$build/replay-logs"
mkdir -p "$logdir"
for t in $targets; do
    dirs=("fuzz/corpus/$t")
    for d in "${extra[@]}"; do
        d=${d//%t/$t}
        [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && dirs+=("$d")
    done
    for flavor in asan sel msan; do
        bin="$build/$flavor/fuzz_$t"
        out="$logdir/$flavor-$t.log"
        if [ ! -x "$bin" ]; then
            printf '  replay %-5s %-14s MISSING %s\n' "$flavor" "$t" "$bin"
            fail=$((fail + 1))
            continue
        fi
        if MSAN_OPTIONS=halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            "$bin" "${dirs[@]}" > "$out" 2>&1; then
            printf '  replay %-5s %-14s ok   %s\n' "$flavor" "$t" "$(tail -n 1 "$out")"
            pass=$((pass + 1))
        else
            printf '  replay %-5s %-14s FAIL (log %s):\n' "$flavor" "$t" "$out"
            tail -n 25 "$out" | sed 's/^/    /'
            fail=$((fail + 1))
        fi
    done
done
echo "fuzz-replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
