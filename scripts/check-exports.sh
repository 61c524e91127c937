#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A shared library's ABI is exactly the names its headers mark BTC_EXTERN.
# Anything else in its dynamic symbol table (a helper that lost its
# `static`, a btc__ private, a stray global, a test double in the production
# library) is a leak that users could start to depend on.
#
#   check-exports.sh LIB.so.X.Y.Z ALLOW [DENY]
#
# Every exported symbol must match the extended regex ALLOW and none may
# match DENY; the soname must be LIB.so.<major>.
set -u
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || die "usage: check-exports.sh LIB.so.X.Y.Z ALLOW [DENY]"
lib=$1 allow=$2 deny=${3:-} fail=0
[ -f "$lib" ] || die "check-exports: $lib not found (build it first)"

syms=$(exported_symbols "$lib")
[ -n "$syms" ] || die "check-exports: $lib exports nothing (is BTC_EXTERN applied?)"

bad=$({ grep -vE "$allow" <<< "$syms"; [ -n "$deny" ] && grep -E "$deny" <<< "$syms"; } | sort -u)
if [ -n "$bad" ]; then
    echo "check-exports: $lib exports symbols outside '$allow'${deny:+ or inside '$deny'}:" >&2
    sed 's/^/    /' <<< "$bad" >&2
    fail=1
fi

name=$(basename "$lib")
soname=$(objdump -p "$lib" 2>/dev/null | awk '$1 == "SONAME" {print $2}')
want=$(sed -n 's/^\(.*\.so\.[0-9]*\).*/\1/p' <<< "$name")
if [ "$soname" != "$want" ]; then
    echo "check-exports: $name has soname '$soname', expected $want" >&2
    fail=1
fi

[ $fail -eq 0 ] && echo "$name: $(wc -l <<< "$syms") exported symbols, all matching '$allow'; soname $soname"
exit $fail
