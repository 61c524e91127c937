#!/usr/bin/env bash
# Runs clang-tidy (configured by .clang-tidy, every warning an error) over the
# given sources; files that mention BTC_WAIT_BACKEND_SELECT run a second time
# with it defined, so code under the select #if is analysed too. Files run in
# parallel; each file's findings are printed together.
#
#   CLANG_TIDY=clang-tidy JOBS=2 lint-tidy.sh src/a.c src/b.c ...
set -u
cd "$(dirname "$0")/.." || exit 1

tidy=${CLANG_TIDY:-}
[ -n "$tidy" ] || tidy=$(command -v clang-tidy || command -v clang-tidy-14) ||
    { echo "lint-tidy: clang-tidy not found" >&2; exit 1; }
jobs=${JOBS:-2}
[ $# -gt 0 ] || { echo "lint-tidy: no source files" >&2; exit 1; }

jobs_list=$(for f in "$@"; do
    echo "$f poll"
    if grep -q BTC_WAIT_BACKEND_SELECT "$f"; then echo "$f select"; fi
done)
echo "== clang-tidy: $# files, $(grep -c ' select$' <<< "$jobs_list") also with the select backend ($tidy)"

# One job per (file, backend). clang's own chatter on stderr ("N warnings
# generated.", "Suppressed N warnings") is dropped from the report.
if ! printf '%s\n' "$jobs_list" |
    xargs -P "$jobs" -L 1 sh -c '
        f=$1 backend=$2
        def=""; [ "$backend" = select ] && def=-DBTC_WAIT_BACKEND_SELECT=1
        if ! out=$("$0" --quiet --warnings-as-errors="*" "$f" -- -std=c11 -Iinclude $def 2>&1); then
            printf "%s\n" "---- $f ($backend):" "$out" |
                grep -vE "^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^Error while processing"
            exit 1
        fi' "$tidy"; then
    echo "clang-tidy: FAILED (findings above)" >&2
    exit 1
fi
echo "clang-tidy: clean"
