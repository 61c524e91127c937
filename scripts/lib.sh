#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/lib.sh - what every script of btcsock shares. Scripts source it; make calls one
# function at a time as a command: `scripts/lib.sh deps lint`.
#
#   deps TARGET...       the packages the make targets need: present, installed now (as root),
#                        or named with the apt-get command to run (otherwise: fails)
#   step TITLE CMD...    one step of a run that goes on whatever fails (make check, lint, .ci/run);
#   steps_end NAME       then the verdict and the total of every step, the total last
#   pass/fail/skip MSG   count one check; `total [PREFIX]` prints "N passed, N failed" (+ skipped)
#   criterion NAME LOG SECONDS CMD...   one Criterion-style program, counted from its Synthesis
#   pool JOBS FUNC ARG...               FUNC ARG for each ARG, at most JOBS at a time
#   quietly LOG CMD... / show_log FILE / die MSG / give_up MSG    logging
#   exported_symbols LIB.so             what a shared object exports, names only (check-docs)
#
# A "total" is a line "N passed, N failed": every test runner prints one last, and a run of
# steps adds up the last one of each step. Exit status and total always agree: a step or program
# that failed without a failure in its count gets one.

PASSED=0 FAILED=0 SKIPPED=0
pass() { PASSED=$((PASSED + 1)); [ $# -eq 0 ] || echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); [ $# -eq 0 ] || echo "FAIL $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $*"; }
total() { # [PREFIX]: the total as the last line; false when something failed
    echo "${1:+$1: }$PASSED passed, $FAILED failed$([ "$SKIPPED" -eq 0 ] || echo ", $SKIPPED skipped")"
    [ "$FAILED" -eq 0 ]
}
TOTAL_RE='^[0-9]+ passed, [0-9]+ failed'

die() { echo "$*" >&2; exit 1; }
give_up() { echo "$*" >&2; fail; total; exit 1; } # a run that cannot start: one failure, the total

# quietly LOG CMD...: CMD's output appended to LOG; when CMD fails, the end of LOG is shown.
quietly() {
    local log=$1
    shift
    "$@" >> "$log" 2>&1 && return
    local rc=$?
    echo "failed (exit $rc): $*; the end of $log:" >&2
    tail -n 30 "$log" >&2
    return $rc
}

# show_log FILE: FILE without Criterion's [RUN ]/[PASS] lines; past 400 lines, the first 200 and last 150.
show_log() {
    grep -av '^\[RUN \]\|^\[PASS\]' "$1" | awk -v f="$1" '{ l[NR] = $0 } END {
        for (i = 1; i <= NR; i++)
            if (NR <= 400 || i <= 200 || i > NR - 150) print l[i]
            else if (i == 201) print "[... " NR " lines in all, see " f " ...]" }'
}

# exported_symbols LIB.so: the names the shared object exports, one a line, sorted, without
# version suffixes (name@@NODE) and without the symbols the linker defines in every object.
exported_symbols() {
    nm -D --defined-only "$1" | awk '{print $NF}' | sed 's/@.*//' |
        grep -vE '^(_init|_fini|_edata|_end|__bss_start|_DYNAMIC|_GLOBAL_OFFSET_TABLE_)$' | sort -u
}

# pool JOBS FUNC ARG...: runs `FUNC ARG` in the background for every ARG, at most JOBS at once,
# and waits for all. FUNC reports through files: its variables die with its subshell.
pool() {
    local jobs=$1 fn=$2 running=0 arg
    shift 2
    for arg; do
        "$fn" "$arg" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
    done
    wait
}

# criterion NAME LOG SECONDS CMD...: runs CMD (output in LOG, at most SECONDS) and adds its tests to
# the counts from its last "[====] Synthesis:" line: Passing passed, Failing failed (Crashing is
# part of Failing; skipped tests are in neither). No Synthesis line (a crash outside a test, the
# timeout, no start), a nonzero exit, or with SAN_CHECK=1 a sanitizer report in LOG (a report
# in a forked worker does not fail its test) turns one pass into a failure. A failure shows LOG.
criterion() {
    local name=$1 log=$2 limit=$3 t0=$SECONDS rc synth p=0 fl=0 why=""
    shift 3
    timeout -k 10 "$limit" "$@" > "$log" 2>&1
    rc=$?
    synth=$(grep -a '\[====\] Synthesis:' "$log" | tail -n 1)
    if [ -n "$synth" ]; then
        p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<< "$synth")
        fl=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<< "$synth")
    fi
    case $rc in 0) ;; 124 | 137) why="killed after ${limit}s" ;; *) why="exit status $rc" ;; esac
    [ -n "$synth" ] || why="${why:+$why, }no Synthesis line"
    if [ "${SAN_CHECK:-0}" = 1 ] && grep -aqE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$log"; then
        why="${why:+$why, }sanitizer report in the log"
    fi
    if [ -n "$why" ] && [ "${fl:-0}" -eq 0 ]; then fl=1 p=$((p > 0 ? p - 1 : 0)); fi
    if [ "${fl:-0}" -gt 0 ]; then
        echo "---- $name FAILED (${why:-failures}); log $log:" >&2
        show_log "$log" >&2
        echo "---- end of $name" >&2
    fi
    echo "== $name ($((SECONDS - t0))s, ${p:-0} passed, $fl failed)" >&2
    grep -a '^\[SKIP\]' "$log" | sed 's/^/   /' >&2
    [ -z "$synth" ] || echo "$synth" >&2
    PASSED=$((PASSED + ${p:-0})) FAILED=$((FAILED + fl))
    [ "$fl" -eq 0 ]
}

# step TITLE CMD...: runs CMD as one step of a run, its output shown; its last total line (if it
# prints one) is added to the run's counts, and a step that failed adds at least one failure.
STEP_MARK="==" STEPS_FAILED=() STEPS_COUNTED=0
step() {
    local title=$1 log rc p=0 f=0 line
    shift
    printf '\n%s %s (%s)\n' "$STEP_MARK" "$title" "$(date +%H:%M:%S)"
    log=$(mktemp)
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -aE "$TOTAL_RE" "$log" | tail -n 1)
    rm -f "$log"
    [ -z "$line" ] || { read -r p _ f _ <<< "$line"; STEPS_COUNTED=1; }
    if [ "$rc" -ne 0 ]; then
        STEPS_FAILED+=("$title")
        [ "$f" -gt 0 ] || f=1
    fi
    PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
    return "$rc"
}
# steps_end NAME: which steps failed, then (when a step counted anything) the total, last.
steps_end() {
    echo
    local failed
    failed=$(printf '%s, ' "${STEPS_FAILED[@]}")
    if [ ${#STEPS_FAILED[@]} -eq 0 ]; then echo "$1: every step passed"; else echo "$1 FAILED: ${failed%, }"; fi
    if [ "$STEPS_COUNTED" -eq 1 ] || [ ${#STEPS_FAILED[@]} -gt 0 ]; then total; fi
    [ ${#STEPS_FAILED[@]} -eq 0 ]
}

# make_help MAKEFILE...: the "target: ... ## text" lines of the makefiles, by file ("#target: ##
# text" documents generated targets, <x> standing for anything); fails naming every phony target
# (from make's database) that has no such line, so the list cannot drift.
make_help() {
    local list missing
    list=$(awk 'match($0, /^#?[a-z][a-z0-9<>-]*:[^=#]*## /) && !seen[FILENAME ":" FNR]++ {
            if (FILENAME != last) printf "\n%s\n", last = FILENAME
            t = substr($0, 1, index($0, ":") - 1); sub(/^#/, "", t)
            printf "  %-20s %s\n", t, substr($0, RSTART + RLENGTH) }' "$@")
    echo "${list//\$(BUILD)/${BUILD:-build}}"
    missing=$(${MAKE_CMD:-make} -pRrq -f "$1" help 2> /dev/null | sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | grep -v '^$\|\$' |
        grep -vxE -f <(sed -n 's/^  \([^ ]*\) .*/\1/p' <<< "$list" | sed 's/<[^>]*>/.*/g') | sort -u)
    [ -z "$missing" ] || die "make help: no \"## description\" for: $(echo $missing)"
}

# abi_baseline_syms FILE: the names of the functions and variables an abidw baseline (abi/*.xml) exports.
abi_baseline_syms() {
    grep -o "<elf-symbol name='[^']*'" "$1" | cut -d"'" -f2 | sort -u
}

# ---- packages ---------------------------------------------------------------------------------
# What each make target needs (Debian 12: clang is clang 14, gcc is gcc 12). A word is a command
# (command -v) or else a package (dpkg -s); "cmd=pkg" when the package providing cmd is named
# otherwise; "@target" takes in what that target needs. `.ci/run` installs "ci" up front. Present
# tools cost no fork (command -v), the rest one dpkg-query: a few ms.
declare -A BTC_NEEDS
while read -r t words; do [ -z "$t" ] || BTC_NEEDS[$t]=$words; done << 'EOF'
build             gcc libc6-dev make ar=binutils nm=binutils
install-check     @build pkg-config
consumer-check    @install-check g++ cmake
abi               @build abidw=abigail-tools abidiff=abigail-tools objdump=binutils
check             @build g++ clang pkg-config timeout=coreutils libcriterion-dev libclang-rt-14-dev
lint              @build clang-tidy-14 clang-format-14 cppcheck
valgrind          @check valgrind
coverage          @check gcovr
stress            clang libclang-rt-14-dev
fuzz              @build python3 patch afl-fuzz=afl++ afl-clang-fast=afl++ clang libclang-rt-14-dev llvm-cov-14=llvm-14 libgcc-12-dev zip unzip
docs              @build doxygen groff=groff-base man=man-db
windows           x86_64-w64-mingw32-gcc=mingw-w64
check-windows     @windows wine wine64
check-integration @build i2pd tor redis-server microsocks
bench-plot        gnuplot=gnuplot-nox
ci                @install-check @consumer-check @abi @lint @check @valgrind @coverage @stress @fuzz @check-windows @check-integration @docs
EOF
deps() {
    local todo=("$@") seen=" " t w missing=() pkgs=() log=${TMPDIR:-/tmp}/btcsock-deps.log
    while [ ${#todo[@]} -gt 0 ]; do
        t=${todo[0]} todo=("${todo[@]:1}")
        [[ $seen == *" $t "* ]] && continue
        seen+="$t "
        [ -n "${BTC_NEEDS[$t]+set}" ] || die "deps: no package list for '$t' (scripts/lib.sh)"
        for w in ${BTC_NEEDS[$t]}; do
            case $w in
            @*) todo+=("${w#@}") ;;
            *=*) command -v "${w%%=*}" > /dev/null || missing+=("${w#*=}") ;;
            *) command -v "$w" > /dev/null || pkgs+=("$w") ;;
            esac
        done
    done
    [ ${#pkgs[@]} -eq 0 ] || missing+=($(dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>&1 |
        awk -v want="${pkgs[*]}" '/ install ok installed$/ { ok[$1] = 1 }
            END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!ok[w[i]]) print w[i] }'))
    [ ${#missing[@]} -eq 0 ] && return 0
    missing=($(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++'))
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
        echo "make $*: these Debian packages are missing: ${missing[*]}" >&2
        echo "install them with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        return 1
    fi
    echo "installing for make $*: ${missing[*]} (log $log)"
    # invoke-rc.d asks policy-rc.d before starting a service: exit 101 means "not now". Services
    # that start anyway (systemd, someone else's policy) are stopped: installing starts nothing.
    quietly "$log" bash -c 'set -e
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            trap "rm -f /usr/sbin/policy-rc.d" EXIT
            printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        fi
        apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" update
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "$@"
        for p; do
            [ ! -d /run/systemd/system ] || systemctl disable --now "$p" || true
            [ ! -x "/etc/init.d/$p" ] || service "$p" stop || true
        done' deps "${missing[@]}"
}

# As a command: scripts/lib.sh FUNCTION ARG...
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    "$@"
fi
