#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/plot.sh [DIR] - draws DIR/recv.csv (and DIR/wait_*.csv) with gnuplot,
# as PNG and SVG: throughput and syscalls per line against line length per
# strategy (log scales, one panel per transport), and btc_wait_many cost
# against socket count. DIR defaults to bench/results; `make bench-plot`
# passes the directory of the last run it made (see mk/bench.mk).
#
# Readability rules: one legend for both panels, under them (never on the
# data); both panels on one y range, so they compare at a glance; the x axis
# spans the data, no empty decade; the library's own lines (btcsock, exact,
# lazy) are drawn last and thickest, so no prototype or baseline hides them.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"
dir=${1:-bench/results}
csv=$dir/recv.csv
[ -f "$csv" ] || die "bench-plot: $csv does not exist (run make bench or make bench-quick first)"

command -v gnuplot > /dev/null || die "bench-plot: gnuplot is missing (make bench-plot installs it)"

# The library's strategies, drawn last and thick; everything else first, thin.
library="btcsock exact lazy"
is_library() { case " $library " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# Fixed-length workloads only (core has random lengths; it is in the table).
present=$(awk -F, 'NR > 1 {print $3}' "$csv" | awk '!seen[$0]++' | tr '\n' ' ')
strategies=""
for s in $present; do is_library "$s" || strategies="$strategies $s"; done
for s in $library; do case " $present " in *" $s "*) strategies="$strategies $s" ;; esac; done
transports=$(awk -F, 'NR > 1 {print $1}' "$csv" | awk '!seen[$0]++' | tr '\n' ' ')
series() { # transport strategy -> "line_len mbps mbps_min mbps_max syscalls_per_line" sorted by length
    awk -F, -v t="$1" -v s="$2" 'NR > 1 && $1 == t && $3 == s && $2 != "core" && $2 != "longr" && $2 != "huger" \
        {print $4, $10, $11, $12, $16}' "$csv" | sort -g
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in $transports; do
    for s in $strategies; do
        series "$t" "$s" > "$tmp/$t-$s.dat"
    done
done
cat "$tmp"/*.dat > "$tmp/all.dat"
[ -s "$tmp/all.dat" ] || die "bench-plot: no fixed-length workload in $csv"

# Axis ranges from the data: x hugs the line lengths; y covers every panel, in whole decades.
read -r xlo xhi < <(awk 'NR == 1 {lo = hi = $1} {if ($1 < lo) lo = $1; if ($1 > hi) hi = $1} END {print lo / 1.3, hi * 1.3}' "$tmp/all.dat")
decades() { # column column... of all.dat -> "lo hi" in whole decades over the positive values
    awk -v cols="$*" 'BEGIN {n = split(cols, c, " ")}
        {for (i = 1; i <= n; i++) {v = $(c[i]); if (v > 0) {if (lo == "" || v < lo) lo = v; if (hi == "" || v > hi) hi = v}}}
        END {printf "%g %g\n", 10 ^ int(log(lo) / log(10) - (lo < 1 ? 1 : 0)), 10 ^ int(log(hi) / log(10) + 1)}' "$tmp/all.dat"
}
read -r tlo thi < <(decades 2 3 4)
read -r slo shi < <(decades 5)

style() { # strategy index -> gnuplot line style: the library bold and dark, the rest thin and light
    case $1 in
    btcsock) echo "lw 3.5 pt 7 ps 1.1 lc rgb '#c0201e'" ;;
    exact) echo "lw 3.5 pt 9 ps 1.3 lc rgb '#1f5fb4'" ;;
    oracle) echo "lw 1.5 dt 2 pt 9 ps 0.8 lc rgb '#1f5fb4'" ;;
    lazy) echo "lw 3.5 pt 5 ps 1.1 lc rgb '#111111'" ;;
    buffered) echo "lw 1.5 pt 6 ps 0.8 lc rgb '#f0a030'" ;;
    peek512) echo "lw 1.5 pt 4 ps 0.8 lc rgb '#3ca03c'" ;;
    core512) echo "lw 1.5 pt 12 ps 0.8 lc rgb '#98cf8a'" ;;
    bytewise) echo "lw 1.5 pt 2 ps 0.8 lc rgb '#909090'" ;;
    *) echo "lw 1.2 pt $((($2 % 6) + 1)) ps 0.7 lc rgb '#c0a8d8'" ;;
    esac
}

head_gp() { # TERMINAL OUTPUT XLABEL: how every plot starts
    printf '%s\n' "set terminal $1" "set output '$2'" "set logscale xy" "set grid" "set key top left" "set xlabel '$3'"
}
for fmt in png svg; do
    if [ "$fmt" = png ]; then term="pngcairo size 1400,700 font 'sans,10'"; else term="svg size 1400,700 dynamic font 'sans,10'"; fi
    # pngcairo comes with gnuplot-nox; fall back to the plain png terminal.
    if [ "$fmt" = png ] && ! gnuplot -e "set terminal pngcairo" > /dev/null 2>&1; then term="png size 1400,700"; fi
    for what in throughput syscalls; do
        out="$dir/recv_$what.$fmt"
        ntrans=$(echo $transports | wc -w)
        {
            head_gp "$term" "$out" 'line length (terminator included)'
            echo "set multiplot layout 1,$ntrans title 'btcsock receive-until-terminator: $what against line length (median of interleaved repetitions$([ "$what" = throughput ] && echo '; bars: min-max'))'"
            echo "set format x '%.0s%cB'"
            echo "set format y '%g'"
            echo "set xrange [$xlo:$xhi]"
            echo "set bmargin 7"
            if [ "$what" = throughput ]; then
                echo "set ylabel 'MB/s'"
                echo "set yrange [$tlo:$thi]"
            else
                echo "set ylabel 'system calls per line (peek + read + wait)'"
                echo "set yrange [$slo:$shi]"
            fi
            first=1
            for t in $transports; do
                echo "set title '$t'"
                if [ $first = 1 ]; then
                    echo "set key at screen 0.5, 0.03 center bottom horizontal width 2 box opaque"
                else
                    echo "unset key"
                fi
                first=0
                printf "plot "
                sep=""
                i=0
                for s in $strategies; do
                    f="$tmp/$t-$s.dat"
                    i=$((i + 1))
                    [ -s "$f" ] || continue
                    if [ "$what" = throughput ]; then
                        printf "%s'%s' using 1:2:3:4 with yerrorlines %s title '%s'" "$sep" "$f" "$(style "$s" $i)" "$s"
                    else
                        printf "%s'%s' using 1:(\$5 > 0 ? \$5 : 1/0) with linespoints %s title '%s'" "$sep" "$f" "$(style "$s" $i)" "$s"
                    fi
                    sep=", "
                done
                echo
            done
            echo "unset multiplot"
        } > "$tmp/plot.gp"
        gnuplot "$tmp/plot.gp"
        echo "bench-plot: wrote $out"
    done
    # btc_wait_many cost per call against socket count, both backends.
    waits=$(ls "$dir"/wait_*.csv 2>/dev/null || true)
    if [ -n "$waits" ]; then
        out="$dir/wait_many.$fmt"
        {
            head_gp "${term/1400,700/800,600}" "$out" sockets
            echo "set title 'btc\\_wait\\_many cost per call, nothing ready (timeout 0)'"
            echo "set ylabel 'ns per call'"
            printf "plot "
            sep=""
            for f in $waits; do
                b=$(basename "$f" .csv | sed 's/^wait_//')
                printf "%s'%s' skip 1 using 2:3 with linespoints lw 2 title 'wait\\\\_many (%s)', '%s' skip 1 using 2:4 with linespoints dt 2 title 'raw %s'" "$sep" "$f" "$b" "$f" "$b"
                sep=", "
            done
            echo
        } > "$tmp/wait.gp"
        gnuplot -e "set datafile separator ','" "$tmp/wait.gp"
        echo "bench-plot: wrote $out"
    fi
done
