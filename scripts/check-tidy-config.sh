#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-tidy ignores check names it does not know, so a typo in .clang-tidy
# silently enables or disables nothing. This fails when
#   - an entry of Checks (or a CheckOptions key) names no check clang-tidy lists,
#   - a disabled check has no "#   -name: reason" comment line in .clang-tidy.
#
#   CLANG_TIDY=clang-tidy-14 check-tidy-config.sh      (the default)
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/lib.sh
tidy=${CLANG_TIDY:-clang-tidy-14} config=.clang-tidy
command -v "$tidy" > /dev/null || die "check-tidy-config: $tidy not found"

known=$("$tidy" --list-checks -checks='*' | sed -n 's/^ \{1,\}\([a-z].*\)$/\1/p')
[ -n "$known" ] || die "check-tidy-config: '$tidy --list-checks' printed nothing"

# The effective Checks string, as clang-tidy itself parsed the file.
checks=$("$tidy" --dump-config --config-file="$config" 2>/dev/null | sed -n "s/^Checks: *['\"]\(.*\)['\"] *\$/\1/p")
[ -n "$checks" ] || die "check-tidy-config: could not read Checks from $config"

fail=0 n=0
IFS=',' read -r -a entries <<< "$(tr -d ' \n' <<< "${checks//\\n/}")"
for e in "${entries[@]}"; do
    [ -z "$e" ] && continue
    name=${e#-}
    # '*' and compiler-warning globs are valid but not listed as checks.
    case $name in '*' | clang-diagnostic-*) continue ;; esac
    n=$((n + 1))
    # Turn the glob into a regex and require at least one known check to match.
    re="^$(sed -e 's/[.]/\\./g' -e 's/\*/.*/g' <<< "$name")\$"
    if ! grep -qE "$re" <<< "$known"; then
        echo "check-tidy-config: '$name' matches no check that $tidy knows" >&2
        fail=1
    fi
    if [ "$e" != "$name" ] && ! grep -qE "^#[[:space:]]*-$(sed 's/[.]/\\./g' <<< "$name"):[[:space:]]*[^[:space:]]" "$config"; then
        echo "check-tidy-config: disabled check '$name' has no '#   -$name: reason' line in $config" >&2
        fail=1
    fi
done

for key in $(sed -n 's/^ *- *key: *\([^ ]*\)\.[A-Za-z]*$/\1/p' "$config"); do
    if ! grep -qxF "$key" <<< "$known"; then
        echo "check-tidy-config: CheckOptions key for unknown check '$key'" >&2
        fail=1
    fi
done

[ $fail -eq 0 ] && echo "clang-tidy config: $n check entries, all known; every disabled check has a reason"
exit $fail
