#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/docs.sh - the API reference from the public headers' /** */ comments (docs/Doxyfile),
# for mk/docs.mk. Run from the repository root.
#
#   docs.sh html OUT VERSION        Doxygen HTML into OUT/html
#   docs.sh man OUT VERSION         the section 3 pages into OUT/man3 (emptied first): one page per
#                                   header (btcsock_sock.h.3), per struct (btc_sock.3) and per
#                                   function (btc_sock_recv_until_terminator.3)
#   docs.sh check MAN3 ROOT LIB...  every symbol LIB... export has MAN3/<symbol>.3, every page
#                                   formats without a groff warning, and `man` finds a function's
#                                   page under the install root ROOT (a DESTDIR's share/man)
#
# Doxygen's warnings are judged on every run: an undocumented function or a malformed comment
# fails; other undocumented members (struct fields, macros, enums) are counted and listed.
#
# Doxygen's own man output has one page per header and, with MAN_LINKS, a `.so` link per member,
# including every struct field (accept.3, len.3, ...: names no package may install). Instead each
# function's section of its header's page becomes a page of its own, with the function's
# NAME, LIBRARY, SYNOPSIS and DESCRIPTION; the date is left out so the output is reproducible.
set -u
. "$(dirname "$0")/lib.sh"

# doxygen OUT VERSION SETTING...: docs/Doxyfile plus the settings, into OUT; judges the warnings.
doxygen_run() {
    local out=$1 version=$2 log=$1/doxygen-warnings.log bad undocumented
    shift 2
    mkdir -p "$out"
    { cat docs/Doxyfile; printf '%s\n' "PROJECT_NUMBER = $version" "OUTPUT_DIRECTORY = $out" \
        "WARN_LOGFILE = $log" "$@"; } | doxygen - || die "docs: doxygen failed"
    sed -i "s#$(pwd)/##" "$log"
    undocumented=$(grep -c 'is not documented\.$' "$log")
    bad=$(grep -v -e 'is not documented\.$' -e '^$' "$log"; grep '(function) .* is not documented\.$' "$log")
    # Reported, not judged: by header, the full list in the log.
    [ "$undocumented" -eq 0 ] || echo "docs: $undocumented undocumented fields, macros and types (not functions):" \
        "$(grep 'is not documented\.$' "$log" | cut -d: -f1 | sort | uniq -c | awk '{ printf "%s%s %s", s, $2, $1; s = ", " }');" \
        "the list: $log"
    [ -z "$bad" ] || die "docs: doxygen warnings that fail the build (undocumented functions, comment errors):
$bad"
}

html() {
    local out=$1 version=$2
    rm -rf "$out/html"
    doxygen_run "$out" "$version" || exit
    echo "docs: HTML reference in $out/html/index.html ($(find "$out/html" -name '*.html' | wc -l) pages)"
}

# split_functions PAGE HEADER OUTDIR VERSION LIBRARY SEE_ALSO: one page per "Function Documentation" entry
# of the header's page, its NAME line from the header's summary (the brief).
split_functions() {
    LIB=$5 SEE=$6 awk -v hdr="$2" -v out="$3" -v version="$4" '
    { line[NR] = $0 }
    END {
        lib = ENVIRON["LIB"]; see = ENVIRON["SEE"] # not -v: awk would take \f for a form feed
        for (i = 1; i + 2 <= NR; i++)
            if (line[i] ~ /^\.RI "/ && match(line[i], /\\fB[A-Za-z0-9_]+\\fP \(/) && line[i + 1] == ".br" &&
                line[i + 2] ~ /^\.RI "/) {
                name = substr(line[i], RSTART + 3, RLENGTH - 8)
                b = line[i + 2]; sub(/^\.RI "/, "", b); sub(/ *"$/, "", b)
                brief[name] = b
            }
        for (i = 1; i <= NR && line[i] != ".SH \"Function Documentation\""; i++) {}
        for (; i <= NR; i++) {
            if (line[i] !~ /^\.SS "/) continue
            proto = line[i]; sub(/^\.SS "/, "", proto); sub(/"$/, "", proto)
            if (!match(proto, /[A-Za-z0-9_]+ \(/)) continue
            name = substr(proto, RSTART, RLENGTH - 2)
            sub(name " \\(", "\\fB" name "\\fP(", proto)
            if (length(proto) > 78) gsub(/, /, ",\n    ", proto) # a parameter a line
            f = out "/" name ".3"
            printf ".TH \"%s\" 3 \"\" \"btcsock %s\" \"btcsock\"\n.ad l\n.nh\n.SH NAME\n%s \\- %s\n", \
                name, version, name, brief[name] > f
            printf ".SH LIBRARY\n%s\n.SH SYNOPSIS\n.nf\n\\fB#include <%s>\\fP\n.PP\n%s;\n.fi\n.SH DESCRIPTION\n", \
                lib, hdr, proto > f
            for (j = i + 1; j <= NR && line[j] !~ /^\.S[SH] /; j++)
                if (line[j] != "") print line[j] > f
            printf ".SH \"SEE ALSO\"\n%s\n", see > f
            close(f)
            i = j - 1
        }
    }' "$1"
}

man_pages() {
    local out=$1 version=$2 tmp page hdr base lib n=0 f
    tmp=$out/doxygen
    rm -rf "$out/man3" "$tmp"
    mkdir -p "$out/man3"
    doxygen_run "$tmp" "$version" GENERATE_HTML=NO GENERATE_MAN=YES MAN_LINKS=NO || exit
    for page in "$tmp"/man/man3/*.h.3; do
        hdr=$(sed -n '1s/^\.TH "\([^"]*\)".*/\1/p' "$page") # btcsock/sock.h
        base=${hdr//\//_}                                   # btcsock_sock.h
        case $hdr in
        btcsock/fake.h) lib='btcsock fake socket (\fI\-lbtcsock\-fake \-lbtcsock\fP; pkg-config btcsock-fake)' ;;
        *) lib='btcsock (\fI\-lbtcsock\fP; pkg-config btcsock)' ;;
        esac
        split_functions "$page" "$hdr" "$out/man3" "$version" "$lib" "\\fB$base\\fP(3)" || exit
        # The header's own page, under a name of ours (sock.h.3 could be any project's).
        sed -e "1s/^\.TH \"[^\"]*\"/.TH \"$base\"/" -e "/^\.SH NAME/{n;s/^[^ ]* \\\\-/$base \\\\-/}" "$page" \
            > "$out/man3/$base.3"
    done
    # The struct pages (btc_sock.3, btc_error.3, ...); the per-slot argument structs are described
    # on btc_sys_call's page.
    for page in "$tmp"/man/man3/btc_*.3; do
        case $(basename "$page") in btc_sys_args_*) continue ;; esac
        cp "$page" "$out/man3/"
    done
    # Doxygen dates its pages: drop the date (a rebuild must not change them) and say whose version.
    # A text line it starts with a quote (from a comment's '"') would be a roff request: \& first.
    sed -i -e "1s/^\(\.TH \"[^\"]*\" 3\) \"[^\"]*\" \"Version \([^\"]*\)\"/\1 \"\" \"btcsock \2\"/" \
        -e "s/^'/\\\\\&'/" "$out"/man3/*.3
    n=$(find "$out/man3" -name '*.3' | wc -l)
    f=$(grep -l '^\.SH LIBRARY' "$out"/man3/*.3 | wc -l) # only function pages have one
    echo "docs: $n man pages in $out/man3 ($f functions)"
}

check() {
    local man3=$1 root=$2 lib sym page missing=() warn t0=$SECONDS
    shift 2
    for lib; do
        [ -f "$lib" ] || die "docs check: no $lib (build it first)"
        while read -r sym; do
            if [ -f "$man3/$sym.3" ]; then pass; else missing+=("$sym ($(basename "$lib"))"); fi
        done < <(nm -D --defined-only "$lib" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u)
    done
    if [ ${#missing[@]} -gt 0 ]; then fail "exported symbols without a page in $man3: ${missing[*]}"; fi
    echo "docs check: $PASSED exported symbols have their page"
    # One groff run over all pages (each warning names its file).
    warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man3"/*.3 2>&1)
    if [ -n "$warn" ]; then fail "groff warns about pages in $man3:"; echo "$warn" | head -n 20; else
        pass "$(find "$man3" -name '*.3' | wc -l) pages format without a groff warning"; fi
    # man(1) as a user runs it, on the installed tree: the page is found and says what it should.
    page=$(MANPATH=$root man -w btc_sock_recv_until_terminator 2>&1)
    if MANPATH=$root MANWIDTH=80 man btc_sock_recv_until_terminator 2> /dev/null | grep -q 'Reads one line'; then
        pass "MANPATH=$root man btc_sock_recv_until_terminator ($page)"
    else
        fail "MANPATH=$root man btc_sock_recv_until_terminator does not show the page ($page)"
    fi
    total "docs check ($((SECONDS - t0)) s)"
}

case ${1:-} in
html | check) "$@" ;;
man) shift; man_pages "$@" ;;
*) die "usage: docs.sh html|man|check ARG... (see its header)" ;;
esac
