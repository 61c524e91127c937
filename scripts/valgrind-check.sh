#!/usr/bin/env bash
# Runs Criterion test binaries under valgrind memcheck and fails on any memory
# error or leak.
#
#   valgrind-check.sh [--logs DIR] [--parallel N] BIN...
#
# Each BIN runs as `valgrind --trace-children=yes ... BIN --jobs 1`, so that
# Criterion's runner and every worker it starts (one per test) run under
# memcheck, each writing its own log DIR/<bin>.<pid>.vg. --error-exitcode
# cannot fail the run: an error in a worker only ends that worker, and the
# runner's own exit status says nothing about it. So the logs are searched
# instead, for
#     definitely lost: [1-9]   indirectly lost: [1-9]   ERROR SUMMARY: [1-9]
#     Invalid read / Invalid write / Invalid free
# and a binary also fails when Criterion reports a failing test or prints no
# Synthesis line. --jobs 1: one worker at a time keeps valgrind's memory and
# CPU use bounded, and Criterion's runner only leaks a block of its own when
# it runs workers in parallel (see scripts/lsan.supp), so no suppression file
# is needed; VALGRIND_SUPP=FILE adds one if a future Criterion needs it.
# --parallel N runs N binaries at once (default 1; CI has 2 cores).
#
# Exit 0 when every binary is clean; prints one line per binary and a total.
set -u

logs=${VALGRIND_LOGS:-}
parallel=${VALGRIND_PARALLEL:-1}
timeout_s=${VALGRIND_TIMEOUT:-900}
while [ $# -gt 0 ]; do
    case "$1" in
    --logs) logs=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "valgrind-check.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    echo "valgrind-check.sh: no test binaries given" >&2
    exit 2
fi
command -v valgrind > /dev/null 2>&1 || { echo "valgrind-check.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
[ -n "$logs" ] || logs=$(dirname "$1")/valgrind
mkdir -p "$logs"
rm -f "$logs"/*.vg "$logs"/*.out "$logs"/*.verdict

# run_one BIN: runs it and writes DIR/<name>.verdict ("ok ..." or "FAIL ...").
run_one() {
    local bin=$1 name start rc secs synth why bad
    name=$(basename "$bin")
    start=$(date +%s)
    timeout -k 10 "$timeout_s" valgrind --quiet --trace-children=yes --leak-check=full \
        --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
        --num-callers=30 --child-silent-after-fork=no ${VALGRIND_SUPP:+--suppressions="$VALGRIND_SUPP"} \
        --log-file="$logs/$name.%p.vg" \
        "$bin" --jobs 1 --color=never > "$logs/$name.out" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    synth=$(grep -a '\[====\] Synthesis:' "$logs/$name.out" | tail -n 1)
    why=""
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && why="killed after ${timeout_s}s"
    [ -z "$synth" ] && why="${why:+$why, }no Synthesis line"
    if [ -n "$synth" ] && ! grep -q 'Failing: 0 ' <<< "$synth"; then
        why="${why:+$why, }failing tests"
    fi
    bad=$(grep -l -a -E 'definitely lost: [1-9]|indirectly lost: [1-9]|ERROR SUMMARY: [1-9]|Invalid (read|write|free)' \
        "$logs/$name".*.vg 2>/dev/null)
    [ -n "$bad" ] && why="${why:+$why, }memcheck reports in $(wc -l <<< "$bad") process log(s)"
    if [ -n "$why" ]; then
        {
            echo "FAIL $name (${secs}s): $why"
            [ -n "$synth" ] && echo "  $synth"
            for f in $bad; do
                echo "---- $f"
                grep -a -v '^==[0-9]*== *$' "$f" | head -n 80
            done
            if [ -z "$synth" ] || ! grep -q 'Failing: 0 ' <<< "$synth"; then
                echo "---- $logs/$name.out (last 60 lines)"
                tail -n 60 "$logs/$name.out"
            fi
        } > "$logs/$name.verdict"
    else
        echo "ok   $name (${secs}s, $(ls "$logs/$name".*.vg | wc -l) processes clean) $synth" > "$logs/$name.verdict"
    fi
}
export -f run_one
export logs timeout_s

start_all=$(date +%s)
if [ "$parallel" -gt 1 ]; then
    printf '%s\n' "$@" | xargs -P "$parallel" -I{} bash -c 'run_one "$1"' _ {}
else
    for bin in "$@"; do run_one "$bin"; done
fi

failed=0
for bin in "$@"; do
    v="$logs/$(basename "$bin").verdict"
    if [ ! -s "$v" ]; then
        echo "FAIL $(basename "$bin"): no verdict" >&2
        failed=$((failed + 1))
        continue
    fi
    if head -n 1 "$v" | grep -q '^FAIL'; then
        cat "$v"
        failed=$((failed + 1))
    else
        cat "$v"
    fi
done
echo "valgrind: $# binaries, $failed failed, $(( $(date +%s) - start_all ))s (logs in $logs)"
[ "$failed" -eq 0 ]
