#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every public header must compile on its own, included twice (include
# guards), as strict C11 and as strict C++11, with every compiler we have:
# users include one header without the others, from C or C++.
#
#   check-headers.sh          (run from the repository root)
#
# Compilers: gcc and clang for C, g++ and clang++ for C++; one that is not
# installed is skipped with a note, except gcc and g++, which must exist.
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/lib.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

headers=(include/btcsock.h include/btcsock/*.h)

# Warnings fail the check only with WERROR=1 (CI; see the Makefile): a newer compiler's new
# warning is shown, and must not fail a packager's `make check`.
werror=()
[ "${WERROR:-0}" != 1 ] || werror=(-Werror)
c_flags=(-std=c11 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wundef "${werror[@]}" -Iinclude)
# -Wold-style-cast: C casts in our inline functions and macros would warn in
# strict C++ projects.
cxx_flags=(-std=c++11 -Wall -Wextra -Wpedantic -Wold-style-cast "${werror[@]}" -Iinclude)

fail=0 count=0
# try LANG COMPILER HEADER
try() {
    local lang=$1 cc=$2 h=$3 rel src flags
    rel=${h#include/}
    if [ "$lang" = c ]; then
        src=$tmp/t.c flags=("${c_flags[@]}")
    else
        src=$tmp/t.cpp flags=("${cxx_flags[@]}")
    fi
    # A declaration after the includes keeps -Wpedantic from calling the unit
    # empty should a header ever be all macros.
    printf '#include <%s>\n#include <%s>\nint btc_header_check_%s;\n' "$rel" "$rel" "$lang" > "$src"
    count=$((count + 1))
    if ! "$cc" "${flags[@]}" -c "$src" -o "$tmp/t.o" 2> "$tmp/err"; then
        echo "FAIL: $h alone does not compile with $cc ($lang):" >&2
        sed 's/^/    /' "$tmp/err" >&2
        fail=1
    elif [ -s "$tmp/err" ]; then
        echo "warning: $h with $cc ($lang):" >&2
        sed 's/^/    /' "$tmp/err" >&2
    fi
}

for pair in c:gcc c:clang cxx:g++ cxx:clang++; do
    cc=${pair#*:}
    if ! command -v "$cc" > /dev/null 2>&1; then
        case $cc in gcc | g++) echo "FAIL: $cc not found" >&2; fail=1 ;; *) echo "note: $cc not installed, skipped" >&2 ;; esac
        continue
    fi
    for h in "${headers[@]}"; do try "${pair%%:*}" "$cc" "$h"; done
done
[ $fail -eq 0 ] || die "header self-containment: FAILED"
echo "header self-containment: ${#headers[@]} headers, $count compiles, all OK"
