#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The standing rules of src/, checked mechanically (in the spirit of curl's
# checksrc): a rule that is only written down gets broken.
#
#   1. No src file calls abort, assert, exit, _exit, signal, sigaction or
#      raise: the library returns a status, never ends or signals the process.
#   2. No src file uses the unsafe string functions strcpy, strcat, sprintf,
#      vsprintf, gets, strtok, atoi (unbounded writes, hidden state, no error
#      reporting).
#   3. Only src/sys_*.c (and src/sys_*.h) reach the OS: everything else goes
#      through the btc_sys table, so tests and fuzzers can replace the OS. So
#      outside those files: no socket API, poll/select, clock, fcntl, ioctl,
#      eventfd, pipe, read or write calls, and no platform #if (_WIN32,
#      __linux__, __APPLE__, ...).
#
# Only bare calls count: `sys->send(`, `f->sys.recv(` and `my_send(` are fine
# (a name preceded by `>`, `.` or an identifier character is not the libc
# function). Comments and string/character literals are blanked first, so
# prose such as "send (timeout)" in a message never matches.
#
#   check-src.sh [FILE...]     default: src/*.c src/*.h, sys_win32.c included
#                              (src/sys_* are exempt from rule 3 only)
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/lib.sh
shopt -s nullglob
[ $# -gt 0 ] || set -- src/*.c src/*.h src/fake/*.c
[ $# -gt 0 ] || die "check-src: no files in src/"

# Prints FILE:LINE:<code> for every line with comments and literals replaced
# by spaces (line numbers preserved; block comments may span lines).
strip() {
    awk '
    FNR == 1 { incomment = 0 }
    {
        line = $0; out = ""; n = length(line); i = 1
        while (i <= n) {
            c = substr(line, i, 1); c2 = substr(line, i, 2)
            if (incomment) {
                if (c2 == "*/") { incomment = 0; out = out "  "; i += 2 } else { out = out " "; i++ }
            } else if (c2 == "/*") {
                incomment = 1; out = out "  "; i += 2
            } else if (c2 == "//") {
                break
            } else if (c == "\"" || c == "\047") {
                q = c; out = out q; i++
                while (i <= n) {
                    c = substr(line, i, 1)
                    if (c == "\\") { out = out "  "; i += 2; continue }
                    if (c == q) break
                    out = out " "; i++
                }
                out = out q; i++
            } else {
                out = out c; i++
            }
        }
        print FILENAME ":" FNR ":" out
    }' "$@"
}

# Bare call of one of the names: not preceded by an identifier char, `.` or `>`.
call_re() {
    printf '(^|[^A-Za-z0-9_.>])(%s)[[:space:]]*\\(' "$1"
}

fail=0
report() { # TITLE MATCHES
    [ -z "$2" ] && return
    fail=1
    echo "check-src: $1" >&2
    sed 's/^/    /' <<< "$2" >&2
}

stripped=$(strip "$@")
# Lines of files other than src/sys_*.*; the prefix is "FILE:LINE:".
not_sys=$(grep -vE '^([^:]*/)?sys_[^/:]*:[0-9]+:' <<< "$stripped" || true)

process_names='abort|assert|exit|_exit|signal|sigaction|raise'
unsafe_names='strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi'
os_names='send|recv|sendto|recvfrom|sendmsg|recvmsg|poll|select|connect|accept|accept4|bind|listen|close|closesocket|socket|socketpair|shutdown|clock_gettime|gettimeofday|fcntl|ioctl|ioctlsocket|getsockopt|setsockopt|getsockname|getpeername|eventfd|pipe|pipe2|read|write|WSAPoll|WSAGetLastError|WSAStartup'
platform_macros='_WIN32|_WIN64|__linux__|__linux|__gnu_linux__|__APPLE__|__MACH__|__unix__|__unix|__FreeBSD__|__NetBSD__|__OpenBSD__|__DragonFly__|__sun|__CYGWIN__|__MINGW32__|__MINGW64__|_MSC_VER|__ANDROID__|__EMSCRIPTEN__|__HAIKU__'

report "src/ must never abort, assert, exit or touch signals (rule 1):" \
    "$(grep -E "$(call_re "$process_names")" <<< "$stripped" || true)"
report "unsafe string functions in src/ (rule 2; use snprintf/memcpy with lengths, strtol):" \
    "$(grep -E "$(call_re "$unsafe_names")" <<< "$stripped" || true)"
report "only src/sys_*.c may call the OS, poll/select or the clock (rule 3; go through btc_sys):" \
    "$(grep -E "$(call_re "$os_names")" <<< "$not_sys" || true)"
report "platform conditionals belong in src/sys_*.c only (rule 3):" \
    "$(grep -E "^[^:]*:[0-9]+:[[:space:]]*#[[:space:]]*(if|ifdef|ifndef|elif)([^A-Za-z0-9_].*)?[^A-Za-z0-9_]($platform_macros)([^A-Za-z0-9_]|\$)" <<< "$not_sys" || true)"

[ $fail -eq 0 ] || exit 1
echo "source rules: $# files OK"
