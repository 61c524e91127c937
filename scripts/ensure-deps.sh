#!/usr/bin/env bash
# Makes sure the Debian packages a make target needs are installed.
#
#   ensure-deps.sh check|lint|demo
#
# Already-present tools are left alone (command -v / dpkg -s), so on a
# prepared machine this costs a few milliseconds and never touches the
# network. As root with apt-get, missing packages are installed (one
# `apt-get update` first, noninteractive, output to a log file). Otherwise it
# prints the apt-get command to run and fails.
set -u

what=${1:-}
log=${BTC_DEPS_LOG:-${TMPDIR:-/tmp}/btcsock-ensure-deps.log}
missing=()

# need_cmd COMMAND PACKAGE: PACKAGE provides COMMAND.
need_cmd() {
    command -v "$1" > /dev/null 2>&1 || missing+=("$2")
}
# need_pkg PACKAGE: a package with no command to look for (headers, runtimes).
need_pkg() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$1")
}

case "$what" in
demo)
    need_cmd gcc gcc
    need_cmd make make
    need_cmd ar binutils
    ;;
check)
    need_cmd gcc gcc
    need_cmd g++ g++          # the C++ header check
    need_cmd make make
    need_cmd ar binutils
    need_cmd nm binutils      # exported-symbol check
    need_cmd timeout coreutils
    need_cmd pkg-config pkg-config
    need_cmd clang clang      # the ASan/UBSan configuration
    need_pkg libcriterion-dev
    # clang's sanitizer runtimes are only a Recommends of clang in Debian 12,
    # so a --no-install-recommends clang cannot link -fsanitize=address.
    if command -v clang > /dev/null 2>&1; then
        major=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
        [ -n "$major" ] && need_pkg "libclang-rt-$major-dev"
    else
        missing+=(libclang-rt-14-dev)
    fi
    ;;
lint)
    command -v clang-tidy > /dev/null 2>&1 || command -v clang-tidy-14 > /dev/null 2>&1 ||
        missing+=(clang-tidy)
    need_cmd cppcheck cppcheck
    need_cmd nm binutils
    need_cmd gcc gcc          # lint-exports builds the shared library
    ;;
*)
    echo "usage: $0 check|lint|demo" >&2
    exit 2
    ;;
esac

[ ${#missing[@]} -eq 0 ] && exit 0

# Deduplicate, keep order.
pkgs=$(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++' | tr '\n' ' ')
pkgs=${pkgs% }

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null 2>&1; then
    echo "make $what needs these Debian packages: $pkgs" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y $pkgs" >&2
    exit 1
fi

echo "installing for make $what: $pkgs (log: $log)" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # $pkgs is one word per package
{
    echo "== $(date) ensure-deps.sh $what: $pkgs"
    apt-get update -q &&
        apt-get install -y -q --no-install-recommends $pkgs
} >> "$log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    echo "apt-get failed (exit $rc); the end of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
