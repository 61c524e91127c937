#!/usr/bin/env bash
# Line and branch coverage of src/ from replaying corpora through the
# coverage-instrumented replay drivers (mk/fuzz.mk flavour "cov").
#
#   fuzz-cov.sh BUILD_DIR "TARGETS" [DIR...]
#
# Each target replays fuzz/corpus/<target> and every DIR given ("%t" is the
# target; missing directories are skipped). Prints llvm-cov's per-file report
# of src/ over all targets together, and writes $BUILD_DIR/cov-report/report.txt.
set -u
build=$1
targets=$2
shift 2
extra=("$@")
major=$({ command -v clang-14 > /dev/null && clang-14 -dumpversion || clang -dumpversion; } | cut -d. -f1)
profdata=$(command -v "llvm-profdata-$major" || command -v llvm-profdata)
cov=$(command -v "llvm-cov-$major" || command -v llvm-cov)
out="$build/cov-report"
rm -rf "$out"
mkdir -p "$out"
objects=()
for t in $targets; do
    dirs=("fuzz/corpus/$t")
    for d in "${extra[@]}"; do
        d=${d//%t/$t}
        [ -d "$d" ] && dirs+=("$d")
    done
    LLVM_PROFILE_FILE="$out/$t.profraw" "$build/cov/fuzz_$t" "${dirs[@]}" > "$out/$t.log" 2>&1 ||
        { echo "fuzz-cov: replay of $t failed (see $out/$t.log)" >&2; exit 1; }
    objects+=(-object "$build/cov/fuzz_$t")
done
"$profdata" merge -sparse "$out"/*.profraw -o "$out/all.profdata"
# The first -object is positional for llvm-cov.
"$cov" report "${objects[@]:1}" -instr-profile="$out/all.profdata" --ignore-filename-regex='^(fuzz|/usr)/' \
    $(for f in src/*.c; do [ "$f" != src/sys_win32.c ] && echo "$f"; done) > "$out/report.txt" 2>&1
sed -e "s#$(pwd)/##" "$out/report.txt"
