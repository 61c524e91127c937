#!/usr/bin/env bash
# bench/plot.sh [DIR] - draws DIR/recv.csv (and DIR/wait_*.csv) with gnuplot,
# as PNG and SVG: throughput and syscalls per line against line length per
# strategy (log scales, one panel per transport), and btc_wait_many cost
# against socket count. DIR defaults to bench/results.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"
dir=${1:-bench/results}
csv=$dir/recv.csv
[ -f "$csv" ] || die "bench-plot: $csv does not exist (run make bench first)"

command -v gnuplot > /dev/null || die "bench-plot: gnuplot is missing (make bench-plot installs it)"

# Fixed-length workloads only (core has random lengths; it is in the table).
strategies=$(awk -F, 'NR > 1 {print $3}' "$csv" | awk '!seen[$0]++' | tr '\n' ' ')
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

head_gp() { # TERMINAL OUTPUT XLABEL: how every plot starts
    printf '%s\n' "set terminal $1" "set output '$2'" "set logscale xy" "set grid" "set key top left" "set xlabel '$3'"
}
for fmt in png svg; do
    if [ "$fmt" = png ]; then term="pngcairo size 1400,600 font 'sans,10'"; else term="svg size 1400,600 dynamic font 'sans,10'"; fi
    # pngcairo comes with gnuplot-nox; fall back to the plain png terminal.
    if [ "$fmt" = png ] && ! gnuplot -e "set terminal pngcairo" > /dev/null 2>&1; then term="png size 1400,600"; fi
    for what in throughput syscalls; do
        out="$dir/recv_$what.$fmt"
        {
            head_gp "$term" "$out" 'line length (bytes, terminator included)'
            echo "set multiplot layout 1,$(echo $transports | wc -w) title 'btcsock receive-until-terminator: $what against line length (median of interleaved repetitions; bars: min-max)'"
            if [ "$what" = throughput ]; then echo "set ylabel 'MB/s'"; else echo "set ylabel 'syscalls per line (peek+read+wait)'"; echo "set yrange [0.5:*]"; fi
            for t in $transports; do
                echo "set title '$t'"
                printf "plot "
                sep=""
                for s in $strategies; do
                    f="$tmp/$t-$s.dat"
                    [ -s "$f" ] || continue
                    if [ "$what" = throughput ]; then
                        printf "%s'%s' using 1:2:3:4 with yerrorlines lw 2 title '%s'" "$sep" "$f" "$s"
                    else
                        printf "%s'%s' using 1:(\$5 > 0 ? \$5 : 1/0) with linespoints lw 2 title '%s'" "$sep" "$f" "$s"
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
            head_gp "${term/1400,600/800,600}" "$out" sockets
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
