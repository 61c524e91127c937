#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The API reference cannot fall behind the code:
#
#   1. every function a shared library exports has an entry of its own in DOC, a Markdown
#      heading that is just its name in backquotes ("### `btc_sock_send`"), and no such
#      heading names a function that no library exports (a removed or renamed one);
#   2. every status of BTC_STATUS_MAP (include/btcsock/status.h) has its row in DOC's status
#      table, with its value: "| 5 | `BTC_ERR_TIMEOUT` |";
#   3. every slot of BTC_SYS_SLOTS (include/btcsock/sys.h) has a row in DOC's slot table with
#      the version that introduced it: "| 2 | `shutdown(s, how)` |".
#
#   check-docs.sh DOC LIB.so...         (run from anywhere; headers are read from the tree)
set -u
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || die "usage: check-docs.sh DOC LIB.so..."
doc=$1 include="$(dirname "$0")/../include/btcsock"
shift
[ -f "$doc" ] || die "check-docs: $doc not found"

exported=$(for lib; do
    [ -f "$lib" ] || die "check-docs: $lib not found (build it first)"
    exported_symbols "$lib"
done | grep '^btc_' | sort -u)
headed=$(sed -n 's/^#\{1,6\} `\(btc_[a-z0-9_]*\)` *$/\1/p' "$doc" | sort -u)

problems=$(
    comm -23 <(echo "$exported") <(echo "$headed") | sed 's/^/exported but no heading in the reference: /'
    comm -13 <(echo "$exported") <(echo "$headed") | sed 's/^/an entry for a function no library exports: /'
    sed -n 's/^ *X(\(BTC_[A-Z0-9_]*\), *\([0-9]*\),.*/\2 \1/p' "$include/status.h" | while read -r value name; do
        grep -qE "^\| *$value *\| *\`$name\` *\|" "$doc" || echo "no status table row \"| $value | \`$name\` |\""
    done
    sed -n 's/^ *X(\([0-9]*\), *[^,]*, *\([a-z_]*\),.*/\1 \2/p' "$include/sys.h" | while read -r since slot; do
        grep -qE "^\| *$since *\| .*\`$slot[\`(]" "$doc" || echo "no slot table row for '$slot' (since $since)"
    done
)
if [ -n "$problems" ]; then
    echo "check-docs: $doc is behind the code:" >&2
    sed 's/^/    /' <<< "$problems" >&2
    exit 1
fi
echo "check-docs: $doc has all $(wc -l <<< "$exported") exported functions, every status and every btc_sys slot"
