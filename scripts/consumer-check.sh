#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/consumer/ built as a user would, against an install staged in DIR/root (make
# consumer-check runs `make install DESTDIR=DIR/root PREFIX=PREFIX` first):
#
#   consumer-check.sh DIR PREFIX
#
# CMake: find_package(btcsock) with CMAKE_PREFIX_PATH=DIR/root/PREFIX, BTCSOCK_STATIC=OFF and ON.
# pkg-config: PKG_CONFIG_SYSROOT_DIR=DIR/root, `pkg-config --cflags --libs btcsock-fake`, and
# with --static a -static program. Each way builds consumer.c (gcc, C11) and consumer.cpp (g++,
# C++11), and each program must run and pass. A shared one must load the staged libraries (ldd), a
# static one must need none. One pass or fail per program, the total last.
set -u
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: consumer-check.sh DIR PREFIX"
dir=$(realpath "$1") prefix=$2
root=$dir/root src=$(realpath tests/consumer)
libdir=$root$prefix/lib
[ -f "$libdir/cmake/btcsock/btcsockConfig.cmake" ] || give_up "consumer-check: no install in $root$prefix"
werror=()
[ "${WERROR:-0}" != 1 ] || werror=(-Werror)

# verify NAME LINKAGE PROGRAM: runs it; a shared program must load every libbtcsock library from
# the staged tree, a static one must need none.
verify() {
    local name=$1 linkage=$2 prog=$3 needed
    needed=$(objdump -p "$prog" | awk '$1 == "NEEDED" && $2 ~ /^libbtcsock/ { print $2 }' | sort | tr '\n' ' ')
    if [ "$linkage" = static ] && [ -n "$needed" ]; then
        fail "$name: a static build needs $needed"
        return
    fi
    if [ "$linkage" = shared ]; then
        local loaded
        loaded=$(LD_LIBRARY_PATH=$libdir ldd "$prog" | awk '$1 ~ /^libbtcsock/')
        if [ -z "$needed" ] || grep -qv " => $libdir/" <<< "$loaded"; then
            fail "$name: does not load libbtcsock from $libdir:"
            LD_LIBRARY_PATH=$libdir ldd "$prog" | sed 's/^/    /'
            return
        fi
    fi
    if out=$(LD_LIBRARY_PATH=$libdir timeout 60 "$prog" 2>&1); then
        pass "$name ($linkage${needed:+, needs ${needed% }}): $(tr '\n' ';' <<< "$out" | sed 's/;$//; s/;/; /g')"
    else
        fail "$name: exit status $?:"
        sed 's/^/    /' <<< "$out"
    fi
}

for linkage in shared static; do
    b=$dir/cmake-$linkage
    if quietly "$dir/$linkage-cmake.log" cmake -S "$src" -B "$b" -DCMAKE_PREFIX_PATH="$root$prefix" \
        -DBTCSOCK_STATIC="$([ $linkage = static ] && echo ON || echo OFF)" -DWERROR="${WERROR:-0}" &&
        quietly "$dir/$linkage-cmake.log" cmake --build "$b"; then
        verify "cmake C" $linkage "$b/consumer_c"
        verify "cmake C++" $linkage "$b/consumer_cxx"
    else
        fail "cmake $linkage: the consumer does not build (log $dir/$linkage-cmake.log)"
    fi

    pc=(env PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config btcsock-fake)
    static=()
    [ $linkage = shared ] || { pc+=(--static); static=(-static); }
    if ! flags=$("${pc[@]}" --cflags --libs); then
        fail "pkg-config $linkage: ${pc[*]} --cflags --libs failed"
        continue
    fi
    for lang in c cxx; do
        if [ $lang = c ]; then cc=(gcc -std=c11 -Wall -Wextra -Wpedantic) file=consumer.c;
        else cc=(g++ -std=c++11 -Wall -Wextra -Wpedantic -Wold-style-cast) file=consumer.cpp; fi
        out=$dir/pkgconfig-$linkage-$lang
        # $flags unquoted: pkg-config's words, split as a shell would.
        # shellcheck disable=SC2086
        if quietly "$dir/$linkage-pkgconfig.log" "${cc[@]}" "${werror[@]}" "${static[@]}" "$src/$file" -o "$out" $flags; then
            verify "pkg-config $([ $lang = c ] && echo C || echo C++)" $linkage "$out"
        else
            fail "pkg-config $linkage $lang: the consumer does not build (log $dir/$linkage-pkgconfig.log)"
        fi
    done
done
total "consumer-check"
