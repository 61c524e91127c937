#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/integration/run.sh - btcsock against real peers on loopback (`make check-integration`).
#
#   tests/integration/run.sh [--integ PATH] [--examples DIR] [--keep] [--no-install]
#
# Installs i2pd, tor, redis-server and microsocks when missing (as root; no service started),
# starts one of each on free 127.0.0.1 ports in a temporary directory (as nobody when root; i2pd
# with the flags below that keep it off the internet, tor without network and with a
# cookie-authenticated control port, redis without persistence, a second microsocks with
# user/password), runs the C cases (integ.c) and the linecat/socks5 tables below against them,
# and stops every process it started by PID from an EXIT trap (--keep keeps the directory).
# Nothing contacts an address outside 127.0.0.0/8 or a system-wide daemon. The last line is the
# total (", N skipped" when a check cannot run, e.g. no IPv6 loopback).
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

build=${BUILD:-build} integ="" examples="" keep=0 install=1
while [ $# -gt 0 ]; do
    case $1 in
    --integ) integ=$2; shift 2 ;;
    --examples) examples=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-install) install=0; shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "run.sh: unknown argument '$1'" ;;
    esac
done
integ=${integ:-$build/integration/integ}
linecat=${examples:-$build/examples}/linecat
socks5=${examples:-$build/examples}/socks5
for bin in "$integ" "$linecat" "$socks5"; do
    [ -x "$bin" ] || give_up "run.sh: $bin is missing; run 'make check-integration' (it builds everything first)"
done
started=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# ---- processes: ours are in PIDS, by PID; nothing is ever stopped by name ----------------------

PIDS=() NAMES=() ALL_PIDS=() TMP=""
alive() { # PID: /proc has it and it is not a zombie
    local st
    st=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
    st=${st##*) }
    [ "${st:0:1}" != Z ]
}
any_alive() { local pid; for pid; do alive "$pid" && return 0; done; return 1; }
stop_all() {
    local i pid waited=0
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null; done
    # Up to 2 s of grace. i2pd ignores SIGTERM while a SESSION CREATE is pending (seen in these runs), so it
    # often needs the SIGKILL below; nothing it holds is worth waiting longer for.
    while [ $waited -lt 20 ] && any_alive "${PIDS[@]}"; do sleep 0.1; waited=$((waited + 1)); done
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        if alive "$pid"; then
            echo "note: ${NAMES[$i]} (pid $pid) still running 2 s after SIGTERM: SIGKILL"
            kill -KILL "$pid" 2> /dev/null
        fi
        wait "$pid" 2> /dev/null
    done
    PIDS=() NAMES=()
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_all
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ $keep -eq 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1, 2: install, start the peers ----------------------------------------------------------------

[ $install -eq 0 ] || deps check-integration
TMP=$(mktemp -d "${TMPDIR:-/tmp}/btcsock-integ.XXXXXX") || give_up "run.sh: no temporary directory"
chmod 755 "$TMP"
# Standard input for the peers and the examples: an empty file of our own rather than /dev/null,
# which a shared root machine has been seen to lose (replaced by a regular file, or missing).
: > "$TMP/empty"
[ -c /dev/null ] || echo "warning: /dev/null is not a character device on this machine"
as_nobody=()
[ "$(id -u)" -ne 0 ] || as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

read -r SAM_PORT NTCP2_PORT TOR_PORT REDIS_PORT SOCKS_PORT SOCKS_AUTH_PORT CLOSED_PORT < <("$integ" free-ports 7)
[ -n "${CLOSED_PORT:-}" ] || give_up "run.sh: could not find free ports"
SOCKS_USER=btcsock
SOCKS_PASSWORD=pw-$RANDOM$RANDOM

# peer NAME PORT PROGRAM ARG...: unless PROGRAM is missing (a failed check), runs it in the
# background as nobody (when root) with $TMP/NAME as its own, output in its output.log, and waits
# until 127.0.0.1:PORT accepts a connection (5 s) while it lives: a check of its own ("peer.NAME").
peer() {
    local name=$1 port=$2 dir=$TMP/$1 pid t0
    shift 2
    command -v "$1" > /dev/null || { fail "peer.$name: $1 is not installed"; return 1; }
    mkdir -p "$dir"
    [ ${#as_nobody[@]} -eq 0 ] || chown -R nobody:nogroup "$dir"
    "${as_nobody[@]}" "$@" < "$TMP/empty" > "$dir/output.log" 2>&1 &
    pid=$!
    PIDS+=("$pid") ALL_PIDS+=("$pid") NAMES+=("$name")
    t0=$(date +%s%N)
    while [ "$(ms_since "$t0")" -lt 5000 ]; do
        if ! alive "$pid"; then
            fail "peer.$name: exited during startup; its output:"
            tail -n 15 "$dir/output.log" 2> /dev/null
            return 1
        fi
        if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            pass "peer.$name: pid $pid listening on 127.0.0.1:$port after $(ms_since "$t0") ms"
            return 0
        fi
        sleep 0.05
    done
    fail "peer.$name: did not open 127.0.0.1:$port within 5 s"
}

echo "== starting the peers in $TMP"
mkdir -p "$TMP/i2pd/tunnels.d" "$TMP/cli"
# i2pd: only the SAM bridge on 127.0.0.1: no reseed, no NTCP2 publication, no SSU2, no UPnP,
# no clock sync, every other service off; it never reaches beyond 127.0.0.1.
D=$TMP/i2pd
printf 'ipv4 = true\nipv6 = false\nnat = true\n' > "$D/i2pd.conf"
: > "$D/tunnels.conf"
peer i2pd "$SAM_PORT" i2pd --datadir="$D" --conf="$D/i2pd.conf" \
    --tunconf="$D/tunnels.conf" --tunnelsdir="$D/tunnels.d" --certsdir=/usr/share/i2pd/certificates \
    --pidfile="$D/i2pd.pid" --log=file --logfile="$D/i2pd.log" --loglevel=warn --host=127.0.0.1 \
    --address4=127.0.0.1 --ntcp2.enabled=true --ntcp2.published=false --ntcp2.port="$NTCP2_PORT" \
    --ssu2.enabled=false --reseed.threshold=0 --reseed.urls=https://127.0.0.1:1/ \
    --reseed.yggurls=http://127.0.0.1:1/ --addressbook.enabled=false --nettime.enabled=false \
    --upnp.enabled=false --http.enabled=false --httpproxy.enabled=false --socksproxy.enabled=false \
    --bob.enabled=false --i2cp.enabled=false --i2pcontrol.enabled=false \
    --sam.enabled=true --sam.address=127.0.0.1 --sam.port="$SAM_PORT"
# tor: no SOCKS port, no network at all, a control port with cookie authentication. An empty
# torrc of our own keeps any system-wide torrc out, as "-f /dev/null" would, without /dev/null.
: > "$TMP/torrc"
mkdir -p "$TMP/tor" && chmod 700 "$TMP/tor"
TOR_COOKIE=$TMP/tor/control_auth_cookie
peer tor "$TOR_PORT" tor --ignore-missing-torrc -f "$TMP/torrc" --defaults-torrc "$TMP/torrc" \
    --DataDirectory "$TMP/tor" --SocksPort 0 --ControlPort "127.0.0.1:$TOR_PORT" --DisableNetwork 1 --CookieAuthentication 1
# "-::1": also the IPv6 loopback when the machine has one (the dash makes it optional).
peer redis "$REDIS_PORT" redis-server --port "$REDIS_PORT" --bind "127.0.0.1 -::1" \
    --save '' --appendonly no --daemonize no --dir "$TMP/redis"
peer microsocks "$SOCKS_PORT" microsocks -i 127.0.0.1 -p "$SOCKS_PORT"
peer microsocks-auth "$SOCKS_AUTH_PORT" microsocks -i 127.0.0.1 -p "$SOCKS_AUTH_PORT" \
    -u "$SOCKS_USER" -P "$SOCKS_PASSWORD"
for _ in $(seq 1 40); do [ -s "$TOR_COOKIE" ] && break; sleep 0.05; done

export BTC_INTEG_SAM_PORT=$SAM_PORT BTC_INTEG_TOR_PORT=$TOR_PORT BTC_INTEG_TOR_COOKIE=$TOR_COOKIE
export BTC_INTEG_REDIS_PORT=$REDIS_PORT BTC_INTEG_SOCKS_PORT=$SOCKS_PORT
export BTC_INTEG_SOCKS_AUTH_PORT=$SOCKS_AUTH_PORT BTC_INTEG_SOCKS_USER=$SOCKS_USER
export BTC_INTEG_SOCKS_PASSWORD=$SOCKS_PASSWORD BTC_INTEG_CLOSED_PORT=$CLOSED_PORT

# ---- 3a. the C cases --------------------------------------------------------------------------------

echo "== C cases ($integ)"
timeout 90 "$integ" > "$TMP/integ.log" 2>&1
integ_rc=$?
cat "$TMP/integ.log"
n_pass=$(grep -c '^PASS ' "$TMP/integ.log")
n_fail=$(grep -c '^FAIL ' "$TMP/integ.log")
PASSED=$((PASSED + n_pass)) FAILED=$((FAILED + n_fail))
if [ $integ_rc -ne 0 ] && [ "$n_fail" -eq 0 ]; then
    fail "integ exited with status $integ_rc (crash or timeout) after $n_pass cases"
fi
n_all=$("$integ" --list | wc -l)
if [ $((n_pass + n_fail)) -ne "$n_all" ] && [ $integ_rc -eq 0 ]; then
    fail "integ reported $((n_pass + n_fail)) of its $n_all cases"
fi

# ---- 3b. the examples, driven from here ---------------------------------------------------------------

# cli NAME WANT STDIN OUT_PATTERNS ERR_PATTERNS COMMAND...: runs COMMAND (30 s at most) with STDIN
# (- for none, else a file of $TMP/cli); it must exit with WANT ("7|11": either), and every
# extended regex of each pattern list (one per line) must match a line of its stream.
# WANT "SIG:RC": COMMAND gets a standard input that never ends (a FIFO we hold open) and SIGSIG
# after 300 ms, and must exit with RC within 1.5 s: its handler's btc_interrupt wakes the wait.
cli() {
    local name=$1 want=$2 in=$TMP/empty out=$TMP/cli/$1.out err=$TMP/cli/$1.err rc t0 why="" sig="" pid n=0
    [ "$3" = - ] || in=$TMP/cli/$3
    case $want in *:*) sig=${want%%:*} want=${want#*:} ;; esac
    t0=$(date +%s%N)
    if [ -z "$sig" ]; then
        timeout 30 "${@:6}" < "$in" > "$out" 2> "$err"
        rc=$?
    else
        [ -p "$TMP/cli/fifo" ] || mkfifo "$TMP/cli/fifo"
        exec 4<> "$TMP/cli/fifo"
        "${@:6}" < "$TMP/cli/fifo" > "$out" 2> "$err" &
        pid=$!
        sleep 0.3
        t0=$(date +%s%N)
        kill "-$sig" "$pid" 2> /dev/null
        while alive "$pid" && [ $n -lt 30 ]; do sleep 0.05; n=$((n + 1)); done
        alive "$pid" && { kill -KILL "$pid"; why="still running 1.5 s after SIG$sig"; }
        wait "$pid"
        rc=$?
        exec 4>&-
    fi
    case "|$want|" in *"|$rc|"*) ;; *) why="${why:+$why; }exit status $rc, expected $want" ;; esac
    why=$why$(lacks stdout "$out" "$4")$(lacks stderr "$err" "$5")
    if [ -z "$why" ]; then
        pass "$name (exit $rc, $(ms_since "$t0") ms${sig:+ after SIG$sig})"
    else
        fail "$name: ${why#; }"
        echo "  command: ${*:6}"
        sed -n '1,8s/^/  stdout: /p' "$out"
        sed -n '1,8s/^/  stderr: /p' "$err"
    fi
}
lacks() { # STREAM FILE PATTERNS: "; STREAM lacks /P/" for every pattern P that no line of FILE matches
    local pat
    while IFS= read -r pat; do [ -z "$pat" ] || grep -Eq -- "$pat" "$2" || printf '; %s lacks /%s/' "$1" "$pat"; done <<< "$3"
}
# cases: one cli call per line of standard input, its words as shell words ($VARS, '...',
# $'...\n...'); a line ending in \ goes on; blank lines and # comments are skipped.
cases() {
    local line more
    while IFS= read -r line; do
        while [[ $line == *\\ ]] && IFS= read -r more; do line=${line%\\}$more; done
        [[ -z ${line// /} || $line == \#* ]] || eval "cli $line"
    done
}

SAM=127.0.0.1:$SAM_PORT TOR=127.0.0.1:$TOR_PORT REDIS=127.0.0.1:$REDIS_PORT SOCKS=127.0.0.1:$SOCKS_PORT
SOCKS_AUTH=127.0.0.1:$SOCKS_AUTH_PORT CLOSED=127.0.0.1:$CLOSED_PORT
HELLO='HELLO VERSION MIN=3.1 MAX=3.1'
COOKIE_HEX=$(od -An -tx1 -v "$TOR_COOKIE" 2> /dev/null | tr -d ' \n')
LONG_CMD=$(printf 'X%.0s' $(seq 1 300))
printf 'PING\r\nSET btcsock:k v\n\nINCR btcsock:linecat\n' > "$TMP/cli/redis.in"
printf 'PING\r\n' > "$TMP/cli/ping.in"
# 100 KiB through the tunnel and back: ECHO of a base64 blob, compared byte for byte.
blob=$(head -c 76800 /dev/urandom | base64 -w0)
printf '*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n' ${#blob} "$blob" > "$TMP/cli/echo.in"
printf '$%d\r\n%s\r\n' ${#blob} "$blob" > "$TMP/cli/echo.want"

echo "== linecat ($linecat)"
cases << 'EOF'
linecat.help 0 - $'--max-line\n--until\nexit status\nBTC_ERR_TOO_LARGE' '' "$linecat" --help
linecat.sam_hello 0 - '^HELLO REPLY RESULT=OK VERSION=3\.1$' '' "$linecat" "$SAM" "$HELLO"
linecat.sam_dest_generate 0 - $'^HELLO REPLY RESULT=OK\n^DEST REPLY PUB=[A-Za-z0-9~=-]{500,} PRIV=' '' \
    "$linecat" "$SAM" "$HELLO" 'DEST GENERATE SIGNATURE_TYPE=7'
linecat.tor_protocolinfo_until 0 - $'^250-PROTOCOLINFO 1$\n^250-AUTH METHODS=.*COOKIE\n^250 OK$' '' \
    "$linecat" --crlf --until '250 ' --until 5 "$TOR" 'PROTOCOLINFO 1'
EOF
if grep -q $'\r' "$TMP/cli/linecat.tor_protocolinfo_until.out"; then
    fail "linecat.crlf_stripped: a \\r reached stdout with --crlf"
else pass "linecat.crlf_stripped"; fi
cases << 'EOF'
linecat.tor_authenticate_getinfo 0 - $'^250 OK$\n^250-version=[0-9]\n^510 Unrecognized command' '' \
    "$linecat" --crlf --until '250 ' --until 5 "$TOR" "AUTHENTICATE $COOKIE_HEX" 'GETINFO version' 'FOOBAR'
linecat.redis_stdin 0 redis.in $'^\\+PONG$\n^\\+OK$\n^:1$' '' "$linecat" --crlf "$REDIS"
EOF
lines=$(wc -l < "$TMP/cli/linecat.redis_stdin.out")
if [ "$lines" -eq 3 ]; then pass "linecat.redis_stdin_one_reply_each"; else
    fail "linecat.redis_stdin_one_reply_each: $lines lines, expected 3"; fi
if (exec 3<> "/dev/tcp/::1/$REDIS_PORT") 2> /dev/null; then
    cli linecat.redis_ipv6 0 - '^\+PONG$' '' "$linecat" --crlf "[::1]:$REDIS_PORT" PING
else skip "linecat.redis_ipv6: no IPv6 loopback on this machine"; fi
cases << 'EOF'
linecat.redis_localhost 0 - '^\+PONG$' '' "$linecat" --crlf "localhost:$REDIS_PORT" PING
linecat.redis_lines_2 0 - $'^\\$5$\n^hello$' '' "$linecat" --crlf --lines 2 "$REDIS" 'ECHO hello'
# Bad inputs.
linecat.refused 11 - '' $'connect to 127\\.0\\.0\\.1:[0-9]+: BTC_ERR_IO\n[Cc]onnection refused\n0 bytes consumed' \
    "$linecat" --timeout 1000 "$CLOSED" PING
linecat.sam_session_create_timeout 5 - '^HELLO REPLY RESULT=OK' \
    $'reply 2: BTC_ERR_TIMEOUT \\(operation timed out\\)\n0 bytes consumed' "$linecat" --timeout 500 "$SAM" "$HELLO" \
    "SESSION CREATE STYLE=STREAM ID=linecat-$$ DESTINATION=TRANSIENT SIGNATURE_TYPE=7"
linecat.redis_never_answers 5 - '' 'reply 1: BTC_ERR_TIMEOUT' "$linecat" --crlf --timeout 300 "$REDIS" 'BLPOP btcsock:never 0'
linecat.too_large 8 - '^HELLO REPLY RESULT=OK' \
    $'reply 2: BTC_ERR_TOO_LARGE\n512 bytes consumed\nstart with "DEST REPLY PUB=\nstill unread' \
    "$linecat" --max-line 512 "$SAM" "$HELLO" 'DEST GENERATE SIGNATURE_TYPE=7'
linecat.skip_long 8 - '^\+PONG$' $'BTC_ERR_TOO_LARGE\n64 bytes consumed\nskipped a line of [0-9]+ bytes' \
    "$linecat" --crlf --max-line 64 --skip-long "$REDIS" "$LONG_CMD" PING
linecat.peer_hangs_up '7|11' - '^HELLO REPLY RESULT=NOVERSION$' 'BTC_ERR_(CLOSED|IO)' \
    "$linecat" "$SAM" 'HELLO VERSION MIN=9.0 MAX=9.9' "$HELLO"
linecat.sigint_interrupts_wait INT:6 - '' 'reply 2: BTC_ERR_INTERRUPTED' "$linecat" --timeout 60000 "$SAM" "$HELLO" \
    "SESSION CREATE STYLE=STREAM ID=linecat-int-$$ DESTINATION=TRANSIENT SIGNATURE_TYPE=7"
linecat.sigterm_interrupts_stdin TERM:6 - '' 'interrupted while reading standard input' "$linecat" --crlf "$REDIS"
linecat.bad_timeout 64 - '' '--timeout wants milliseconds' "$linecat" --timeout -5 "$REDIS" PING
linecat.bad_timeout_text 64 - '' '--timeout wants milliseconds' "$linecat" --timeout=5s "$REDIS" PING
linecat.bad_max_line 64 - '' '--max-line wants bytes' "$linecat" --max-line 0 "$REDIS" PING
linecat.bad_terminator 64 - '' '--terminator wants one byte' "$linecat" --terminator ab "$REDIS" PING
linecat.crlf_conflict 64 - '' 'cannot be combined' "$linecat" --crlf --terminator x "$REDIS" PING
linecat.no_target 64 - '' 'missing HOST:PORT' "$linecat" --crlf
linecat.bad_port 64 - '' 'is not HOST:PORT' "$linecat" 127.0.0.1:99999 PING
linecat.ipv6_needs_brackets 64 - '' 'is not HOST:PORT' "$linecat" ::1:6379 PING
linecat.unknown_option 64 - '' "unknown option '--bogus'" "$linecat" --bogus "$REDIS" PING
linecat.request_with_terminator 64 - '' 'contains the line terminator' "$linecat" --crlf "$REDIS" $'PING\nFLUSHALL'
linecat.name_not_numeric 68 - '' 'not a numeric address or localhost' "$linecat" example.invalid:80 PING
EOF

echo "== socks5 ($socks5)"
cases << 'EOF'
socks5.help 0 - $'--quit-after\nexit status\n25 connection refused' '' "$socks5" --help
socks5.ping_through_proxy 0 ping.in '^\+PONG' '' "$socks5" --quit-after 300 "$SOCKS" "$REDIS"
socks5.userpass 0 ping.in '^\+PONG' '' "$socks5" --quit-after 300 --user "$SOCKS_USER" \
    --password "$SOCKS_PASSWORD" "$SOCKS_AUTH" "$REDIS"
socks5.userpass_env 0 ping.in '^\+PONG' '' env SOCKS5_PASSWORD="$SOCKS_PASSWORD" "$socks5" --quit-after 300 \
    --user "$SOCKS_USER" "$SOCKS_AUTH" "$REDIS"
socks5.no_relay 0 - "^tunnel to 127\\.0\\.0\\.1:$REDIS_PORT open" '' "$socks5" --no-relay "$SOCKS" "$REDIS"
socks5.relay_100k 0 echo.in '' '' "$socks5" --quit-after 300 "$SOCKS" "$REDIS"
EOF
if cmp -s "$TMP/cli/echo.want" "$TMP/cli/socks5.relay_100k.out"; then
    pass "socks5.relay_100k_exact (${#blob} bytes each way)"
else fail "socks5.relay_100k_exact: the echo differs ($(wc -c < "$TMP/cli/socks5.relay_100k.out") bytes back)"; fi
cases << 'EOF'
# Bad inputs.
socks5.auth_required_0xff 30 - '' $'none of our authentication methods \\(0xFF\\)\n--user' "$socks5" "$SOCKS_AUTH" "$REDIS"
socks5.wrong_password 31 - '' 'authentication failed' "$socks5" --user "$SOCKS_USER" --password wrong "$SOCKS_AUTH" "$REDIS"
socks5.target_refused_0x05 25 - '' 'reply 0x05, connection refused' "$socks5" "$SOCKS" "$CLOSED"
socks5.proxy_refused 11 - '' $'connect to proxy .*: BTC_ERR_IO\n[Cc]onnection refused' \
    "$socks5" --timeout 1000 "$CLOSED" "$REDIS"
socks5.proxy_never_answers 5 - '' $'SOCKS5 handshake: BTC_ERR_TIMEOUT\nSOCKS5 method reply: timed out' \
    "$socks5" --timeout 400 "$REDIS" "$REDIS"
socks5.sigterm_interrupts_relay TERM:6 - '' 'waiting in the relay: BTC_ERR_INTERRUPTED' "$socks5" "$SOCKS" "$REDIS"
socks5.bad_timeout 64 - '' '--timeout wants milliseconds' "$socks5" --timeout 0 "$REDIS" "$REDIS"
socks5.user_too_long 64 - '' '1 to 255 bytes' "$socks5" --user "$(printf 'u%.0s' $(seq 1 256))" --password p "$REDIS" "$REDIS"
socks5.password_without_user 64 - '' 'without --user' "$socks5" --password p "$REDIS" "$REDIS"
socks5.one_argument 64 - '' 'want PROXY_HOST:PORT and TARGET_HOST:PORT' "$socks5" "$REDIS"
socks5.bad_target 64 - '' 'is not HOST:PORT' "$socks5" "$SOCKS" '[nonsense]:80'
socks5.proxy_not_numeric 68 - '' 'not a numeric address or localhost' "$socks5" example.invalid:1080 "$REDIS"
EOF

# ---- 4. stop everything, say how it went ---------------------------------------------------------------

echo "== stopping the peers"
t0=$(date +%s%N)
stop_all
left=""
for pid in "${ALL_PIDS[@]}"; do alive "$pid" && left="$left $pid"; done
if [ -z "$left" ]; then
    pass "peers.stopped: all ${#ALL_PIDS[@]} processes started here are gone ($(ms_since "$t0") ms)"
else fail "peers.stopped: still running:$left"; fi
echo "integration: $(ms_since "$started") ms in all"
total && [ "$PASSED" -gt 0 ]
