#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A shared library's ABI is exactly the names its headers mark BTC_EXTERN, each with the symbol
# version of the release that introduced it.
#
#   check-exports.sh LIB.so.X.Y.Z SOVERSION NODE_PREFIX HEADER...
#
# - The dynamic symbol table (objdump -T) defines exactly the BTC_EXTERN functions of HEADER...:
#   anything else (a helper that lost its `static`, a btc__ private, a test double in the
#   production library) is a leak users could start to depend on, and a declared function that
#   is missing was left out of the version script (abi/<lib>.map), whose `local: *` hides it.
# - Each carries the version NODE_PREFIX<major>.<minor> of the oldest release whose baseline
#   (abi/*-<version>.xml, any library: the fake's functions were in libbtcsock in 0.1.0) has it;
#   a function in no baseline, that of X.Y.Z (the version being developed).
# - The soname is LIB.so.SOVERSION.
set -u
. "$(dirname "$0")/lib.sh"
[ $# -ge 4 ] || die "usage: check-exports.sh LIB.so.X.Y.Z SOVERSION NODE_PREFIX HEADER..."
lib=$1 soversion=$2 prefix=$3 fail=0
shift 3
[ -f "$lib" ] || die "check-exports: $lib not found (build it first)"
name=$(basename "$lib")
base=${name%%.so.*} version=${name#*.so.}

# "symbol version" for each defined dynamic symbol, without the version nodes' own entries.
exported=$(objdump -T "$lib" | awk '/^[0-9a-f]+ / && !/\*UND\*/ && $NF != $(NF - 1) { print $NF, $(NF - 1) }' |
    grep -vE '^(_init|_fini|_edata|_end|__bss_start) ' | sort)
[ -n "$exported" ] || die "check-exports: $lib exports nothing (is BTC_EXTERN applied?)"
declared=$(grep -h 'BTC_EXTERN' "$@" | grep -oE '\bbtc_[a-z0-9_]+ *\(' | tr -d ' (' | sort -u)

bad=$(comm -3 <(cut -d' ' -f1 <<< "$exported") <(echo "$declared"))
if [ -n "$bad" ]; then
    echo "check-exports: $name: exported (left) and declared BTC_EXTERN in $* (right) differ:" >&2
    sed 's/^/    /' <<< "$bad" >&2
    fail=1
fi

# The node each symbol belongs in: "symbol major.minor" from the baselines, oldest release first.
mm() { cut -d. -f1-2 <<< "$1"; }
introduced=$(for xml in abi/*-[0-9]*.xml; do v=${xml##*-} && echo "${v%.xml} $xml"; done | sort -V |
    while read -r v xml; do abi_baseline_syms "$xml" | sed "s/\$/ $(mm "$v")/"; done | awk '!seen[$1]++' | sort)
wrong=$(join -a 1 -e "$(mm "$version")" -o 1.1,1.2,2.2 <(echo "$exported") <(echo "$introduced") |
    awk -v p="$prefix" '$2 != p $3 { print "    " $1 " has version " $2 ", expected " p $3 }')
if [ -n "$wrong" ]; then
    echo "check-exports: $name: symbols in the wrong version node (abi/$base.map):" >&2
    echo "$wrong" >&2
    fail=1
fi

soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
if [ "$soname" != "$base.so.$soversion" ]; then
    echo "check-exports: $name has soname '$soname', expected $base.so.$soversion" >&2
    fail=1
fi

[ $fail -eq 0 ] && echo "$name: $(wc -l <<< "$exported") exported symbols, exactly its headers' BTC_EXTERN," \
    "versioned $(cut -d' ' -f2 <<< "$exported" | sort | uniq -c | awk '{ printf "%s%s x%s", s, $2, $1; s = ", " }');" \
    "soname $soname"
exit $fail
