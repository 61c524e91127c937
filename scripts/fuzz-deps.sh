#!/usr/bin/env bash
# Makes sure the tools the fuzz targets need are installed (mk/fuzz.mk).
#
#   fuzz-deps.sh
#
# clang with its sanitizer and libFuzzer runtimes (libclang-rt-*-dev), AFL++
# (afl-clang-fast, afl-fuzz), gcc with libasan/libubsan, llvm-profdata and
# llvm-cov (coverage of long runs), python3 (seed corpora), patch (mutants).
# Present tools are left alone, so on a prepared machine this costs
# milliseconds and no network. As root with apt-get, missing packages are
# installed (noninteractive, waiting for another apt-get to finish, output to
# a log); otherwise it prints the command to run and fails.
set -u

log=${BTC_DEPS_LOG:-${TMPDIR:-/tmp}/btcsock-fuzz-deps.log}
missing=()

need_cmd() { command -v "$1" > /dev/null 2>&1 || missing+=("$2"); }
need_pkg() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$1"); }

need_cmd gcc gcc
need_cmd make make
need_cmd python3 python3
need_cmd patch patch
need_cmd afl-clang-fast afl++
need_cmd afl-fuzz afl++
if command -v clang-14 > /dev/null 2>&1 || command -v clang > /dev/null 2>&1; then
    major=$({ command -v clang-14 > /dev/null && clang-14 -dumpversion || clang -dumpversion; } 2>/dev/null | cut -d. -f1)
    # libFuzzer, ASan, UBSan and MSan runtimes: only a Recommends of clang in Debian 12.
    [ -n "$major" ] && need_pkg "libclang-rt-$major-dev"
    [ -n "$major" ] && { command -v "llvm-cov-$major" > /dev/null 2>&1 || missing+=("llvm-$major"); }
else
    missing+=(clang libclang-rt-14-dev llvm-14)
fi
# gcc's ASan/UBSan runtimes (a Depends of gcc, but a minimal image may lack them).
if command -v gcc > /dev/null 2>&1; then
    gmajor=$(gcc -dumpversion | cut -d. -f1)
    [ -n "$gmajor" ] && need_pkg "libgcc-$gmajor-dev"
fi

[ ${#missing[@]} -eq 0 ] && exit 0
pkgs=$(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++' | tr '\n' ' ')
pkgs=${pkgs% }

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null 2>&1; then
    echo "fuzzing needs these Debian packages: $pkgs" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y $pkgs" >&2
    exit 1
fi

echo "installing for fuzzing: $pkgs (log: $log)" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # $pkgs is one word per package
{
    echo "== $(date) fuzz-deps.sh: $pkgs"
    apt-get -o DPkg::Lock::Timeout=600 update -q &&
        apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $pkgs
} >> "$log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    echo "apt-get failed (exit $rc); the end of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
