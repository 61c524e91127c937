#!/usr/bin/env bash
# tests/integration/run.sh - btcsock against real peers on loopback.
#
#   tests/integration/run.sh [--integ PATH] [--examples DIR] [--keep] [--no-install]
#
# `make check-integration` builds the pieces and runs this. It
#   1. installs i2pd, tor, redis-server and microsocks when they are missing
#      (apt-get, only as root), with a policy-rc.d that stops Debian from
#      starting system-wide instances, and stops any instance the install
#      started anyway;
#   2. starts one instance of each on free 127.0.0.1 ports in a temporary
#      directory (as user nobody when root): i2pd with the SAM bridge and the
#      flags from shared/NOTES.md that keep it off the internet, tor with
#      DisableNetwork and a cookie-authenticated control port, redis without
#      persistence, and two microsocks (one open, one requiring user/password);
#   3. runs the C cases (tests/integration/integ.c) and drives the linecat and
#      socks5 examples against those peers, good inputs and bad;
#   4. stops every process it started, by PID (SIGTERM, then SIGKILL), from an
#      EXIT trap, whatever happened, and removes the directory (--keep keeps it).
#
# Nothing here contacts an address outside 127.0.0.0/8, and no test talks to a
# system-wide daemon: every port is one this script chose and started.
# The last line is "N passed, N failed" (", N skipped" when a check could not
# run, e.g. no IPv6 loopback). Exit status 0 only when nothing failed.
set -uo pipefail

build=${BUILD:-build}
integ=""
examples=""
keep=0
install=1
while [ $# -gt 0 ]; do
    case $1 in
    --integ) integ=$2; shift 2 ;;
    --examples) examples=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-install) install=0; shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
integ=${integ:-$build/integration/integ}
examples=${examples:-$build/examples}
linecat=$examples/linecat
socks5=$examples/socks5
for bin in "$integ" "$linecat" "$socks5"; do
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin is missing; run 'make check-integration' (it builds everything first)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
done

passed=0
failed=0
skipped=0
started=$(date +%s%N)
ok() { passed=$((passed + 1)); echo "PASS $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $*"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
is_root() { [ "$(id -u)" -eq 0 ]; }

# ---- processes: ours are in PIDS, by PID; nothing is ever stopped by name ----------------

PIDS=()
NAMES=()
ALL_PIDS=() # every process this script started, for the final check
TMP=""
made_policy=0 # 1 while a policy-rc.d of ours is in place

# A process is alive when /proc has it and it is not a zombie.
alive() {
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [ "${st:0:1}" != Z ]
}

stop_all() {
    local i pid waited=0 any
    [ ${#PIDS[@]} -eq 0 ] && return 0
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    # Up to 2 s of grace. i2pd ignores SIGTERM while a SESSION CREATE is pending (NOTES), so it
    # often needs the SIGKILL below; nothing it holds is worth waiting longer for.
    while [ $waited -lt 20 ]; do
        any=0
        for pid in "${PIDS[@]}"; do alive "$pid" && any=1; done
        [ $any -eq 0 ] && break
        sleep 0.1
        waited=$((waited + 1))
    done
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        if alive "$pid"; then
            echo "note: ${NAMES[$i]} (pid $pid) still running 2 s after SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    PIDS=()
    NAMES=()
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_all
    [ $made_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ $keep -eq 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Processes named like our peers, whoever started them.
daemon_pids() {
    local f c
    for f in /proc/[0-9]*/comm; do
        c=$(cat "$f" 2>/dev/null) || continue
        case $c in i2pd | tor | redis-server | microsocks) echo "${f//[^0-9]/}" ;; esac
    done
}

# ---- 1. install ---------------------------------------------------------------------------

missing=()
for pair in i2pd:i2pd tor:tor redis-server:redis-server microsocks:microsocks; do
    command -v "${pair#*:}" > /dev/null 2>&1 || missing+=("${pair%%:*}")
done
before=" $(daemon_pids | tr '\n' ' ')"
for pid in $before; do
    echo "note: a $(cat "/proc/$pid/comm" 2>/dev/null) not started here is running (pid $pid); the tests use only their own instances"
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ $install -eq 1 ] && is_root; then
        echo "== installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        # invoke-rc.d asks policy-rc.d before starting a service; exit 101 means "not now".
        # Ours is removed again right after the install (or by the EXIT trap).
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\n# temporary, from btcsock tests/integration/run.sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            made_policy=1
        fi
        apt_log=$(mktemp)
        if ! apt-get install -y -q --no-install-recommends "${missing[@]}" > "$apt_log" 2>&1; then
            apt-get update -q >> "$apt_log" 2>&1
            apt-get install -y -q --no-install-recommends "${missing[@]}" >> "$apt_log" 2>&1 ||
                { echo "apt-get failed; the end of its log:"; tail -n 20 "$apt_log"; }
        fi
        rm -f "$apt_log"
        if [ $made_policy -eq 1 ]; then
            rm -f /usr/sbin/policy-rc.d
            made_policy=0
        fi
        # Whatever the install started despite that is ours to stop: by its service, then by PID.
        # A package's service runs as the package's own system user; a process that appeared
        # meanwhile under another user is someone else's and is left alone.
        for pid in $(daemon_pids); do
            case $before in *" $pid "*) continue ;; esac
            case $(stat -c %U "/proc/$pid" 2>/dev/null) in debian-tor | redis | i2pd | _i2pd) ;; *) continue ;; esac
            name=$(cat "/proc/$pid/comm" 2>/dev/null)
            echo "note: the install started a system $name (pid $pid); stopping it"
            command -v service > /dev/null 2>&1 && service "$name" stop > /dev/null 2>&1
            if alive "$pid"; then kill -TERM "$pid" 2>/dev/null; sleep 1; fi
            alive "$pid" && kill -KILL "$pid" 2>/dev/null
        done
        # Under systemd, the services of the packages installed just now are stopped and
        # disabled (systemd ignores policy-rc.d when a unit is enabled on install).
        if [ -d /run/systemd/system ]; then
            for pkg in "${missing[@]}"; do
                case $pkg in tor | redis-server | i2pd) ;; *) continue ;; esac
                if systemctl is-active --quiet "$pkg" 2> /dev/null; then
                    echo "note: the install started the $pkg service; stopping and disabling it"
                fi
                systemctl disable --now "$pkg" > /dev/null 2>&1 || true
            done
        fi
    else
        echo "run.sh: missing ${missing[*]} and cannot install them (not root, or --no-install)"
    fi
fi

# ---- 2. start the peers ---------------------------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/btcsock-integ.XXXXXX") || { echo "0 passed, 1 failed"; exit 1; }
chmod 755 "$TMP"
# Standard input for the peers and the examples: an empty file of our own rather than /dev/null,
# which a shared root machine has been seen to lose (replaced by a regular file, or missing).
: > "$TMP/empty"
[ -c /dev/null ] || echo "warning: /dev/null is not a character device on this machine"
if is_root; then
    as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    own() { chown -R nobody:nogroup "$@"; }
else
    as_nobody=()
    own() { :; }
fi

read -r SAM_PORT NTCP2_PORT TOR_PORT REDIS_PORT SOCKS_PORT SOCKS_AUTH_PORT CLOSED_PORT < <("$integ" free-ports 7)
if [ -z "${CLOSED_PORT:-}" ]; then
    echo "run.sh: could not find free ports"
    echo "0 passed, 1 failed"
    exit 1
fi
SOCKS_USER=btcsock
SOCKS_PASSWORD=pw-$RANDOM$RANDOM

# start NAME DIR -- COMMAND...: runs COMMAND in the background, output to DIR/output.log.
start() {
    local name=$1 dir=$2
    shift 3
    "$@" < "$TMP/empty" > "$dir/output.log" 2>&1 &
    PIDS+=($!)
    ALL_PIDS+=($!)
    NAMES+=("$name")
}

# wait_port NAME DIR PORT: until 127.0.0.1:PORT accepts a connection (5 s), while the process
# lives; a check of its own ("peer.NAME").
wait_port() {
    local name=$1 dir=$2 port=$3 pid=${PIDS[${#PIDS[@]} - 1]} t0
    t0=$(date +%s%N)
    while [ "$(ms_since "$t0")" -lt 5000 ]; do
        if ! alive "$pid"; then
            bad "peer.$name: exited during startup; its output:"
            tail -n 15 "$dir/output.log" 2> /dev/null
            return 1
        fi
        if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            ok "peer.$name: pid $pid listening on 127.0.0.1:$port after $(ms_since "$t0") ms"
            return 0
        fi
        sleep 0.05
    done
    bad "peer.$name: did not open 127.0.0.1:$port within 5 s"
    return 1
}

# need NAME BINARY: false (and a failed check) when BINARY is not installed.
need() {
    command -v "$2" > /dev/null 2>&1 && return 0
    bad "peer.$1: $2 is not installed"
    return 1
}

echo "== starting the peers in $TMP"
mkdir -p "$TMP/i2pd/tunnels.d" "$TMP/tor" "$TMP/redis" "$TMP/microsocks" "$TMP/microsocks-auth" "$TMP/cli"
chmod 700 "$TMP/tor"

# i2pd: exactly the flags from shared/NOTES.md: no reseed, no NTCP2 publication, no SSU2, no
# UPnP, no clock sync, every other service off; it never reaches beyond 127.0.0.1.
D=$TMP/i2pd
printf 'ipv4 = true\nipv6 = false\nnat = true\n' > "$D/i2pd.conf"
: > "$D/tunnels.conf"
own "$D"
if need i2pd i2pd; then
    start i2pd "$D" -- "${as_nobody[@]}" i2pd --datadir="$D" --conf="$D/i2pd.conf" \
        --tunconf="$D/tunnels.conf" --tunnelsdir="$D/tunnels.d" --certsdir=/usr/share/i2pd/certificates \
        --pidfile="$D/i2pd.pid" --log=file --logfile="$D/i2pd.log" --loglevel=warn --host=127.0.0.1 \
        --address4=127.0.0.1 --ntcp2.enabled=true --ntcp2.published=false --ntcp2.port="$NTCP2_PORT" \
        --ssu2.enabled=false --reseed.threshold=0 --reseed.urls=https://127.0.0.1:1/ \
        --reseed.yggurls=http://127.0.0.1:1/ --addressbook.enabled=false --nettime.enabled=false \
        --upnp.enabled=false --http.enabled=false --httpproxy.enabled=false --socksproxy.enabled=false \
        --bob.enabled=false --i2cp.enabled=false --i2pcontrol.enabled=false \
        --sam.enabled=true --sam.address=127.0.0.1 --sam.port="$SAM_PORT"
    wait_port i2pd "$D" "$SAM_PORT"
fi

# tor: no SOCKS port, no network at all, a control port with cookie authentication. The NOTES
# command line with "-f /dev/null"; an empty torrc of our own says the same and does not
# depend on /dev/null being intact (a shared machine once had it replaced by a regular file).
D=$TMP/tor
: > "$TMP/torrc"
own "$D"
if need tor tor; then
    start tor "$D" -- "${as_nobody[@]}" tor --ignore-missing-torrc -f "$TMP/torrc" --defaults-torrc "$TMP/torrc" \
        --DataDirectory "$D" \
        --SocksPort 0 --ControlPort "127.0.0.1:$TOR_PORT" --DisableNetwork 1 --CookieAuthentication 1
    wait_port tor "$D" "$TOR_PORT"
fi
TOR_COOKIE=$D/control_auth_cookie

D=$TMP/redis
own "$D"
if need redis redis-server; then
    # "-::1": also the IPv6 loopback when the machine has one (the dash makes it optional).
    start redis "$D" -- "${as_nobody[@]}" redis-server --port "$REDIS_PORT" --bind "127.0.0.1 -::1" \
        --save '' --appendonly no --daemonize no --dir "$D"
    wait_port redis "$D" "$REDIS_PORT"
fi

if need microsocks microsocks; then
    own "$TMP/microsocks" "$TMP/microsocks-auth"
    start microsocks "$TMP/microsocks" -- "${as_nobody[@]}" microsocks -i 127.0.0.1 -p "$SOCKS_PORT"
    wait_port microsocks "$TMP/microsocks" "$SOCKS_PORT"
    start microsocks-auth "$TMP/microsocks-auth" -- "${as_nobody[@]}" microsocks -i 127.0.0.1 \
        -p "$SOCKS_AUTH_PORT" -u "$SOCKS_USER" -P "$SOCKS_PASSWORD"
    wait_port microsocks-auth "$TMP/microsocks-auth" "$SOCKS_AUTH_PORT"
fi

for i in $(seq 1 40); do [ -s "$TOR_COOKIE" ] && break; sleep 0.05; done

export BTC_INTEG_SAM_PORT=$SAM_PORT BTC_INTEG_TOR_PORT=$TOR_PORT BTC_INTEG_TOR_COOKIE=$TOR_COOKIE
export BTC_INTEG_REDIS_PORT=$REDIS_PORT BTC_INTEG_SOCKS_PORT=$SOCKS_PORT
export BTC_INTEG_SOCKS_AUTH_PORT=$SOCKS_AUTH_PORT BTC_INTEG_SOCKS_USER=$SOCKS_USER
export BTC_INTEG_SOCKS_PASSWORD=$SOCKS_PASSWORD BTC_INTEG_CLOSED_PORT=$CLOSED_PORT

# ---- 3a. the C cases ----------------------------------------------------------------------------

echo "== C cases ($integ)"
integ_log=$TMP/integ.log
timeout 90 "$integ" > "$integ_log" 2>&1
integ_rc=$?
cat "$integ_log"
n_pass=$(grep -c '^PASS ' "$integ_log")
n_fail=$(grep -c '^FAIL ' "$integ_log")
passed=$((passed + n_pass))
failed=$((failed + n_fail))
if [ $integ_rc -ne 0 ] && [ "$n_fail" -eq 0 ]; then
    bad "integ exited with status $integ_rc (crash or timeout) after $n_pass cases"
fi
n_all=$("$integ" --list | wc -l)
if [ $((n_pass + n_fail)) -ne "$n_all" ] && [ $integ_rc -eq 0 ]; then
    bad "integ reported $((n_pass + n_fail)) of its $n_all cases"
fi

# ---- 3b. the examples, driven from here ------------------------------------------------------------

# cli NAME WANT_RC OUT_PATTERNS ERR_PATTERNS -- COMMAND...
# Runs COMMAND with stdin from $IN (default: empty); WANT_RC may list alternatives ("7|11").
# Each pattern list holds extended regexes, one per line; every one must match some line.
IN=$TMP/empty
cli() {
    local name=$1 want=$2 out_pats=$3 err_pats=$4 out=$TMP/cli/$1.out err=$TMP/cli/$1.err rc t0 why="" pat
    shift 5
    t0=$(date +%s%N)
    timeout 30 "$@" < "$IN" > "$out" 2> "$err"
    rc=$?
    case "|$want|" in *"|$rc|"*) ;; *) why="exit status $rc, expected $want" ;; esac
    while IFS= read -r pat; do
        [ -z "$pat" ] || grep -Eq -- "$pat" "$out" || why="${why:+$why; }stdout lacks /$pat/"
    done <<< "$out_pats"
    while IFS= read -r pat; do
        [ -z "$pat" ] || grep -Eq -- "$pat" "$err" || why="${why:+$why; }stderr lacks /$pat/"
    done <<< "$err_pats"
    if [ -z "$why" ]; then
        ok "$name (exit $rc, $(ms_since "$t0") ms)"
    else
        bad "$name: $why"
        echo "  command: $*"
        sed -n '1,8s/^/  stdout: /p' "$out"
        sed -n '1,8s/^/  stderr: /p' "$err"
    fi
    IN=$TMP/empty
}

# cli_signal NAME SIGNAL WANT_RC ERR_PATTERN -- COMMAND...: starts COMMAND with a standard input
# that never ends (a FIFO we hold open), sends SIGNAL after 300 ms, and wants it to exit with
# WANT_RC within 1 s of the signal: a signal handler triggers the btc_interrupt, which wakes
# the wait at once.
cli_signal() {
    local name=$1 sig=$2 want=$3 pat=$4 err=$TMP/cli/$1.err pid rc t0 waited=0
    shift 5
    [ -p "$TMP/cli/fifo" ] || mkfifo "$TMP/cli/fifo"
    exec 4<> "$TMP/cli/fifo"
    "$@" < "$TMP/cli/fifo" > "$TMP/cli/$name.out" 2> "$err" &
    pid=$!
    sleep 0.3
    t0=$(date +%s%N)
    kill "-$sig" "$pid" 2> /dev/null
    while alive "$pid" && [ $waited -lt 30 ]; do sleep 0.05; waited=$((waited + 1)); done
    if alive "$pid"; then
        kill -KILL "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
        exec 4>&-
        bad "$name: still running 1.5 s after SIG$sig"
        return
    fi
    wait "$pid"
    rc=$?
    exec 4>&-
    if [ "$rc" -eq "$want" ] && grep -Eq -- "$pat" "$err"; then
        ok "$name (exit $rc, $(ms_since "$t0") ms after SIG$sig)"
    else
        bad "$name: exit status $rc (expected $want) or stderr lacks /$pat/"
        sed -n '1,5s/^/  stderr: /p' "$err"
    fi
}

SAM=127.0.0.1:$SAM_PORT
TOR=127.0.0.1:$TOR_PORT
REDIS=127.0.0.1:$REDIS_PORT
HELLO='HELLO VERSION MIN=3.1 MAX=3.1'
COOKIE_HEX=$(od -An -tx1 -v "$TOR_COOKIE" 2> /dev/null | tr -d ' \n')

echo "== linecat ($linecat)"
cli linecat.help 0 $'--max-line\n--until\nexit status\nBTC_ERR_TOO_LARGE' '' -- "$linecat" --help
cli linecat.sam_hello 0 '^HELLO REPLY RESULT=OK VERSION=3\.1$' '' -- "$linecat" "$SAM" "$HELLO"
cli linecat.sam_dest_generate 0 $'^HELLO REPLY RESULT=OK\n^DEST REPLY PUB=[A-Za-z0-9~=-]{500,} PRIV=' '' -- \
    "$linecat" "$SAM" "$HELLO" 'DEST GENERATE SIGNATURE_TYPE=7'
cli linecat.tor_protocolinfo_until 0 $'^250-PROTOCOLINFO 1$\n^250-AUTH METHODS=.*COOKIE\n^250 OK$' '' -- \
    "$linecat" --crlf --until '250 ' --until 5 "$TOR" 'PROTOCOLINFO 1'
if grep -q $'\r' "$TMP/cli/linecat.tor_protocolinfo_until.out" 2> /dev/null; then
    bad "linecat.crlf_stripped: a \\r reached stdout with --crlf"
else
    ok "linecat.crlf_stripped"
fi
cli linecat.tor_authenticate_getinfo 0 $'^250 OK$\n^250-version=[0-9]\n^510 Unrecognized command' '' -- \
    "$linecat" --crlf --until '250 ' --until 5 "$TOR" "AUTHENTICATE $COOKIE_HEX" 'GETINFO version' 'FOOBAR'
printf 'PING\r\nSET btcsock:k v\n\nINCR btcsock:linecat\n' > "$TMP/cli/redis.in"
IN=$TMP/cli/redis.in
cli linecat.redis_stdin 0 $'^\\+PONG$\n^\\+OK$\n^:1$' '' -- "$linecat" --crlf "$REDIS"
lines=$(wc -l < "$TMP/cli/linecat.redis_stdin.out")
if [ "$lines" -eq 3 ]; then ok "linecat.redis_stdin_one_reply_each"; else bad "linecat.redis_stdin_one_reply_each: $lines lines, expected 3"; fi
cli linecat.redis_localhost 0 '^\+PONG$' '' -- "$linecat" --crlf "localhost:$REDIS_PORT" PING
if (exec 3<> "/dev/tcp/::1/$REDIS_PORT") 2> /dev/null; then
    cli linecat.redis_ipv6 0 '^\+PONG$' '' -- "$linecat" --crlf "[::1]:$REDIS_PORT" PING
else
    skip "linecat.redis_ipv6: no IPv6 loopback on this machine"
fi
cli linecat.redis_lines_2 0 $'^\\$5$\n^hello$' '' -- "$linecat" --crlf --lines 2 "$REDIS" 'ECHO hello'

# Bad inputs.
cli linecat.refused 11 '' $'connect to 127\\.0\\.0\\.1:[0-9]+: BTC_ERR_IO\n[Cc]onnection refused\n0 bytes consumed' -- \
    "$linecat" --timeout 1000 "127.0.0.1:$CLOSED_PORT" PING
t0=$(date +%s%N)
cli linecat.sam_session_create_timeout 5 '^HELLO REPLY RESULT=OK' \
    $'reply 2: BTC_ERR_TIMEOUT \\(operation timed out\\)\n0 bytes consumed' -- \
    "$linecat" --timeout 500 "$SAM" "$HELLO" \
    "SESSION CREATE STYLE=STREAM ID=linecat-$$ DESTINATION=TRANSIENT SIGNATURE_TYPE=7"
cli linecat.redis_never_answers 5 '' 'reply 1: BTC_ERR_TIMEOUT' -- \
    "$linecat" --crlf --timeout 300 "$REDIS" 'BLPOP btcsock:never 0'
cli linecat.too_large 8 '^HELLO REPLY RESULT=OK' \
    $'reply 2: BTC_ERR_TOO_LARGE\n512 bytes consumed\nstart with "DEST REPLY PUB=\nstill unread' -- \
    "$linecat" --max-line 512 "$SAM" "$HELLO" 'DEST GENERATE SIGNATURE_TYPE=7'
long_cmd=$(printf 'X%.0s' $(seq 1 300))
cli linecat.skip_long 8 '^\+PONG$' $'BTC_ERR_TOO_LARGE\n64 bytes consumed\nskipped a line of [0-9]+ bytes' -- \
    "$linecat" --crlf --max-line 64 --skip-long "$REDIS" "$long_cmd" PING
cli linecat.peer_hangs_up '7|11' '^HELLO REPLY RESULT=NOVERSION$' 'BTC_ERR_(CLOSED|IO)' -- \
    "$linecat" "$SAM" 'HELLO VERSION MIN=9.0 MAX=9.9' "$HELLO"
cli_signal linecat.sigint_interrupts_wait INT 6 'reply 2: BTC_ERR_INTERRUPTED' -- \
    "$linecat" --timeout 60000 "$SAM" "$HELLO" \
    "SESSION CREATE STYLE=STREAM ID=linecat-int-$$ DESTINATION=TRANSIENT SIGNATURE_TYPE=7"
cli_signal linecat.sigterm_interrupts_stdin TERM 6 'interrupted while reading standard input' -- \
    "$linecat" --crlf "$REDIS"
cli linecat.bad_timeout 64 '' '--timeout wants milliseconds' -- "$linecat" --timeout -5 "$REDIS" PING
cli linecat.bad_timeout_text 64 '' '--timeout wants milliseconds' -- "$linecat" --timeout=5s "$REDIS" PING
cli linecat.bad_max_line 64 '' '--max-line wants bytes' -- "$linecat" --max-line 0 "$REDIS" PING
cli linecat.bad_terminator 64 '' '--terminator wants one byte' -- "$linecat" --terminator ab "$REDIS" PING
cli linecat.crlf_conflict 64 '' 'cannot be combined' -- "$linecat" --crlf --terminator x "$REDIS" PING
cli linecat.no_target 64 '' 'missing HOST:PORT' -- "$linecat" --crlf
cli linecat.bad_port 64 '' 'is not HOST:PORT' -- "$linecat" 127.0.0.1:99999 PING
cli linecat.ipv6_needs_brackets 64 '' 'is not HOST:PORT' -- "$linecat" ::1:6379 PING
cli linecat.unknown_option 64 '' "unknown option '--bogus'" -- "$linecat" --bogus "$REDIS" PING
cli linecat.request_with_terminator 64 '' 'contains the line terminator' -- \
    "$linecat" --crlf "$REDIS" $'PING\nFLUSHALL'
cli linecat.name_not_numeric 68 '' 'not a numeric address or localhost' -- "$linecat" example.invalid:80 PING

echo "== socks5 ($socks5)"
printf 'PING\r\n' > "$TMP/cli/ping.in"
cli socks5.help 0 $'--quit-after\nexit status\n25 connection refused' '' -- "$socks5" --help
IN=$TMP/cli/ping.in
cli socks5.ping_through_proxy 0 '^\+PONG' '' -- "$socks5" --quit-after 300 "127.0.0.1:$SOCKS_PORT" "$REDIS"
IN=$TMP/cli/ping.in
cli socks5.userpass 0 '^\+PONG' '' -- "$socks5" --quit-after 300 --user "$SOCKS_USER" \
    --password "$SOCKS_PASSWORD" "127.0.0.1:$SOCKS_AUTH_PORT" "$REDIS"
IN=$TMP/cli/ping.in
cli socks5.userpass_env 0 '^\+PONG' '' -- env SOCKS5_PASSWORD="$SOCKS_PASSWORD" "$socks5" --quit-after 300 \
    --user "$SOCKS_USER" "127.0.0.1:$SOCKS_AUTH_PORT" "$REDIS"
cli socks5.no_relay 0 "^tunnel to 127\\.0\\.0\\.1:$REDIS_PORT open" '' -- \
    "$socks5" --no-relay "127.0.0.1:$SOCKS_PORT" "$REDIS"
# 100 KiB through the tunnel and back: ECHO of a base64 blob, compared byte for byte.
blob=$(head -c 76800 /dev/urandom | base64 -w0)
printf '*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n' ${#blob} "$blob" > "$TMP/cli/echo.in"
printf '$%d\r\n%s\r\n' ${#blob} "$blob" > "$TMP/cli/echo.want"
IN=$TMP/cli/echo.in
cli socks5.relay_100k 0 '' '' -- "$socks5" --quit-after 300 "127.0.0.1:$SOCKS_PORT" "$REDIS"
if cmp -s "$TMP/cli/echo.want" "$TMP/cli/socks5.relay_100k.out"; then
    ok "socks5.relay_100k_exact (${#blob} bytes each way)"
else
    bad "socks5.relay_100k_exact: the echo differs ($(wc -c < "$TMP/cli/socks5.relay_100k.out") bytes back)"
fi
# Bad inputs.
cli socks5.auth_required_0xff 30 '' $'none of our authentication methods \\(0xFF\\)\n--user' -- \
    "$socks5" "127.0.0.1:$SOCKS_AUTH_PORT" "$REDIS"
cli socks5.wrong_password 31 '' 'authentication failed' -- \
    "$socks5" --user "$SOCKS_USER" --password wrong "127.0.0.1:$SOCKS_AUTH_PORT" "$REDIS"
cli socks5.target_refused_0x05 25 '' 'reply 0x05, connection refused' -- \
    "$socks5" "127.0.0.1:$SOCKS_PORT" "127.0.0.1:$CLOSED_PORT"
cli socks5.proxy_refused 11 '' $'connect to proxy .*: BTC_ERR_IO\n[Cc]onnection refused' -- \
    "$socks5" --timeout 1000 "127.0.0.1:$CLOSED_PORT" "$REDIS"
cli socks5.proxy_never_answers 5 '' $'reading the method reply: BTC_ERR_TIMEOUT\ngot 0 of 2 bytes' -- \
    "$socks5" --timeout 400 "$REDIS" "$REDIS"
cli_signal socks5.sigterm_interrupts_relay TERM 6 'waiting in the relay: BTC_ERR_INTERRUPTED' -- \
    "$socks5" "127.0.0.1:$SOCKS_PORT" "$REDIS"
cli socks5.bad_timeout 64 '' '--timeout wants milliseconds' -- "$socks5" --timeout 0 "$REDIS" "$REDIS"
cli socks5.user_too_long 64 '' '1 to 255 bytes' -- \
    "$socks5" --user "$(printf 'u%.0s' $(seq 1 256))" --password p "$REDIS" "$REDIS"
cli socks5.password_without_user 64 '' 'without --user' -- "$socks5" --password p "$REDIS" "$REDIS"
cli socks5.one_argument 64 '' 'want PROXY_HOST:PORT and TARGET_HOST:PORT' -- "$socks5" "$REDIS"
cli socks5.bad_target 64 '' 'is not HOST:PORT' -- "$socks5" "127.0.0.1:$SOCKS_PORT" '[nonsense]:80'
cli socks5.proxy_not_numeric 68 '' 'not a numeric address or localhost' -- \
    "$socks5" example.invalid:1080 "$REDIS"

# ---- 4. stop everything, say how it went -----------------------------------------------------------

echo "== stopping the peers"
t0=$(date +%s%N)
stop_all
left=""
for pid in "${ALL_PIDS[@]}"; do alive "$pid" && left="$left $pid"; done
if [ -z "$left" ]; then
    ok "peers.stopped: all ${#ALL_PIDS[@]} processes started here are gone ($(ms_since "$t0") ms)"
else
    bad "peers.stopped: still running:$left"
fi
echo "integration: $(ms_since "$started") ms in all"
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ] && [ $passed -gt 0 ]
