#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ABI policy (README, "Installing and packaging"), checked with abidiff:
#
#   check-abi.sh BUILD_DIR VERSION LIB...
#
# BUILD_DIR/LIB.so.VERSION is compared with every baseline abi/LIB-<version>.xml. Against a
# baseline with the same soname nothing may differ: no function removed, added or changed, no
# public type changed (abidiff's exit status 0) - a program linked against that release must
# run unchanged, and a new function belongs in a new release with its own version node. Against
# a baseline with another soname the differences are shown and allowed: the soname change is
# what tells the dynamic linker that programs built for the old one cannot use this library.
# One pass or fail per comparison, the total last.
set -u
. "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || die "usage: check-abi.sh BUILD_DIR VERSION LIB..."
dir=$1 version=$2
shift 2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

for lib in "$@"; do
    so=$dir/$lib.so.$version
    [ -f "$so" ] || give_up "check-abi: $so not found"
    soname=$(objdump -p "$so" | awk '$1 == "SONAME" { print $2 }')
    for xml in abi/"$lib"-[0-9]*.xml; do
        [ -e "$xml" ] || continue
        base=${xml##*-} base=${base%.xml}
        base_soname=$(sed -n "1,5s/.*<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$xml")
        abidiff --headers-dir2 include --drop-private-types "$xml" "$so" > "$tmp" 2>&1
        rc=$?
        summary=$(grep -m1 '^Functions changes summary' "$tmp" | sed 's/Functions changes summary: //; s/ functions\?$//')
        what="$lib $base ($base_soname) -> $version ($soname)"
        if [ $((rc & 3)) -ne 0 ]; then
            fail "$what: abidiff failed (exit $rc)"
            sed 's/^/    /' "$tmp"
        elif [ "$base_soname" = "$soname" ] && [ "$rc" -ne 0 ]; then
            fail "$what: the ABI changed under the same soname (abidiff exit $rc:" \
                "$([ $((rc & 8)) -ne 0 ] && echo incompatible || echo changed)); a change to the ABI" \
                "needs the next minor version (0.x) or major version (1.x and later):"
            sed 's/^/    /' "$tmp"
        elif [ "$base_soname" = "$soname" ]; then
            pass "$what: identical ABI"
        else
            # abidiff counts the soname change itself as incompatible: the summary says the rest.
            pass "$what: functions $summary; allowed by the new soname"
        fi
    done
done
total "abi-check"
