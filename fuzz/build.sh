#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# fuzz/build.sh - btcsock's build script for OSS-Fuzz (its build.sh contract), also run by
# `make fuzz-oss-check`. It uses only what OSS-Fuzz's `compile` sets:
#
#   CC, CFLAGS            the compiler and the sanitizer/coverage flags of the build being made
#   CXX, CXXFLAGS         if set, the link (an engine such as AFL++'s driver is C++)
#   LIB_FUZZING_ENGINE    the engine to link (libFuzzer: -fsanitize=fuzzer)
#   OUT                   where the targets go: $OUT/<target>, $OUT/<target>_seed_corpus.zip
#                         (fuzz/corpus/<target>/), $OUT/<target>.dict (fuzz/<target>.dict)
#   WORK                  scratch space for objects (default: a temporary directory)
#
# Run from the checkout, or as fuzz/build.sh from anywhere. The targets, the sources each harness
# links (the library with the poll backend, the fake, tests/kit, fuzz/fuzz_common.c) and the
# include flags come from mk/fuzz.mk (`make print-fuzz-build`), the lists the other fuzz builds
# use. No -Werror here: OSS-Fuzz's clang is newer than ours, and a new warning must not stop it.
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/mk/fuzz.mk" ] || root=$PWD # copied to $SRC/build.sh: the checkout is the cwd
cd "$root"
: "${CC:?set CC}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CFLAGS=${CFLAGS:-}
work=${WORK:-$(mktemp -d)}

targets="" sources="" base=""
while read -r key value; do
    case $key in
    targets:) targets=$value ;;
    sources:) sources=$value ;;
    cflags:) base=$value ;;
    esac
done < <(make -s --no-print-directory -f mk/fuzz.mk print-fuzz-build)
if [ -z "$targets" ] || [ -z "$sources" ]; then
    echo "fuzz/build.sh: no targets or sources from mk/fuzz.mk" >&2
    exit 1
fi

# build_obj SRC OBJ: one object, compiled with OSS-Fuzz's flags.
build_obj() {
    mkdir -p "$(dirname "$2")"
    # shellcheck disable=SC2086 # CFLAGS and base are lists of flags
    $CC $CFLAGS $base -c "$1" -o "$2"
}

mkdir -p "$OUT" "$work"
objs=()
for src in $sources; do
    build_obj "$src" "$work/${src%.c}.o"
    objs+=("$work/${src%.c}.o")
done

for t in $targets; do
    build_obj "fuzz/fuzz_$t.c" "$work/fuzz/fuzz_$t.o"
    # shellcheck disable=SC2086
    ${CXX:-$CC} ${CXXFLAGS:-$CFLAGS} "$work/fuzz/fuzz_$t.o" "${objs[@]}" $LIB_FUZZING_ENGINE -pthread -o "$OUT/$t"
    rm -f "$OUT/${t}_seed_corpus.zip"
    zip -q -j "$OUT/${t}_seed_corpus.zip" "fuzz/corpus/$t"/*
    if [ -f "fuzz/$t.dict" ]; then cp "fuzz/$t.dict" "$OUT/$t.dict"; fi
done
echo "fuzz/build.sh: $(wc -w <<< "$targets") targets in $OUT ($targets)"
