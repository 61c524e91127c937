#!/usr/bin/env bash
# The shared library's ABI is exactly the btc_ names the headers mark
# BTC_EXTERN. Anything else in its dynamic symbol table (a helper that lost
# its `static`, a btc__ private, a stray global) is a leak that users could
# start to depend on.
#
#   check-exports.sh build/libbtcsock.so.X.Y.Z
#
# Also checks the soname is libbtcsock.so.<major>.
set -u

lib=${1:?usage: check-exports.sh LIBRARY.so}
[ -f "$lib" ] || { echo "check-exports: $lib not found (build it first)" >&2; exit 1; }
fail=0

# Symbols the linker itself defines in every shared object.
linker_syms='^(_init|_fini|_edata|_end|__bss_start|_DYNAMIC|_GLOBAL_OFFSET_TABLE_)$'

syms=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
if [ -z "$syms" ]; then
    echo "check-exports: $lib exports nothing (is BTC_EXTERN applied?)" >&2
    exit 1
fi

bad=$(grep -vE "$linker_syms" <<< "$syms" | grep -vE '^btc_[a-z0-9]' || true)
if [ -n "$bad" ]; then
    echo "check-exports: $lib exports symbols without the btc_ prefix (or private btc__ ones):" >&2
    sed 's/^/    /' <<< "$bad" >&2
    fail=1
fi

soname=$(objdump -p "$lib" 2>/dev/null | awk '$1 == "SONAME" {print $2}')
major=$(basename "$lib" | sed -n 's/^libbtcsock\.so\.\([0-9]*\).*/\1/p')
if [ -n "$major" ] && [ "$soname" != "libbtcsock.so.$major" ]; then
    echo "check-exports: soname is '$soname', expected libbtcsock.so.$major" >&2
    fail=1
fi

n=$(grep -cE '^btc_' <<< "$syms")
[ $fail -eq 0 ] && echo "exported symbols: $n, all btc_-prefixed; soname $soname"
exit $fail
