#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/machine.sh before|after - describes the machine and its load, for
# bench/results/machine.txt (make bench writes it around the run).
set -u
. "$(dirname "$0")/../scripts/lib.sh"
case "${1:-}" in
before)
    echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "cpu:       $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cores:     $(nproc) online ($(grep -c '^processor' /proc/cpuinfo) in /proc/cpuinfo)"
    echo "memory:    $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel:    $(uname -srm)"
    echo "os:        $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    echo "clock:     $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
    echo "compiler:  $(${CC:-gcc} --version | head -n 1)"
    echo "flags:     library: -std=c11 -O2 -g -fPIC -fvisibility=hidden (Makefile defaults); bench: -std=c11 -O2 -g"
    echo "sockets:   AF_UNIX wmem_default $(cat /proc/sys/net/core/wmem_default 2>/dev/null), tcp_rmem '$(cat /proc/sys/net/ipv4/tcp_rmem 2>/dev/null)', tcp_wmem '$(cat /proc/sys/net/ipv4/tcp_wmem 2>/dev/null)'"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min)"
    echo "busiest processes before the run (top):"
    top -bn1 -o %CPU | sed -n '8,20p' | awk '$9+0 >= 1 {printf "    pid %s %s%% cpu nice=%s %s\n", $1, $9, $4, $12}'
    ;;
after)
    echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min)"
    echo "finished:  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    ;;
*) die "usage: $0 before|after" ;;
esac
