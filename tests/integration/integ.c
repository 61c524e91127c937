/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/integ.c - btcsock against real peers: i2pd's SAM bridge,
 * tor's control port, redis-server and a SOCKS5 proxy (microsocks).
 *
 *   integ [CASE-OR-GROUP...]     run the cases (default: all); one line each:
 *                                "PASS group.case (N ms)" or "FAIL group.case: why"
 *   integ --list                 the case names
 *   integ free-ports N           N distinct free loopback TCP ports, one line
 *
 * tests/integration/run.sh starts the peers on free loopback ports and passes
 * them in the environment:
 *   BTC_INTEG_SAM_PORT, BTC_INTEG_TOR_PORT, BTC_INTEG_TOR_COOKIE (the cookie
 *   file's path), BTC_INTEG_REDIS_PORT, BTC_INTEG_SOCKS_PORT (no auth),
 *   BTC_INTEG_SOCKS_AUTH_PORT, BTC_INTEG_SOCKS_USER, BTC_INTEG_SOCKS_PASSWORD
 *   (user/password required), BTC_INTEG_CLOSED_PORT (nothing listens there).
 *
 * Every case that reads a reply followed by more data also checks that
 * nothing was over-read: the next read starts exactly at the byte after the
 * terminator. Long lines are read into exact-size heap buffers, so an ASan
 * build (make check-integration CC=clang SANITIZE=address,undefined
 * BUILD=build/asan) catches a write past max_data at once.
 *
 * Only 127.0.0.1 is ever contacted. Exit status: 0 when every case passed.
 */
#define _POSIX_C_SOURCE 200809L

#include <btcsock.h>

#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the environment ---------------------------------------------------------- */

typedef struct env {
    uint16_t sam, tor, redis, socks, socks_auth, closed;
    const char *tor_cookie;
    const char *socks_user;
    const char *socks_password;
} env;

static uint16_t env_port(const char *name)
{
    const char *v = getenv(name);
    char *end = NULL;
    long p = v != NULL ? strtol(v, &end, 10) : 0;
    return (v != NULL && *v != '\0' && *end == '\0' && p > 0 && p < 65536) ? (uint16_t)p : 0;
}

static const char *env_str(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? v : fallback;
}

/* ---- failure reporting ---------------------------------------------------------- */

static char g_why[2048];

BTC_PRINTF(2, 3) static void note_failure(int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(g_why, sizeof g_why, "line %d: ", line);
    if (n > 0 && (size_t)n < sizeof g_why)
        vsnprintf(g_why + n, sizeof g_why - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Fails the case (returning false) with a message when cond does not hold. */
#define EXPECT(cond, ...)                        \
    do {                                         \
        if (!(cond)) {                           \
            note_failure(__LINE__, __VA_ARGS__); \
            return false;                        \
        }                                        \
    } while (0)

/* A btcsock call that must succeed. */
#define EXPECT_OK(call, err)                                                                                        \
    do {                                                                                                            \
        btc_status st_ = (call);                                                                                    \
        EXPECT(st_ == BTC_OK, "%s -> %s: %s (bytes %zu)", #call, btc_status_name(st_), (err).message, (err).bytes); \
    } while (0)

static char g_info[256]; /* extra facts a passing case reports on its PASS line */

/* A printable excerpt of a reply for failure messages. */
static const char *excerpt(const char *data, size_t len)
{
    static char out[4][96];
    static int next;
    char *o = out[next++ % 4];
    size_t j = 0;
    for (size_t i = 0; i < len && j + 5 < sizeof out[0]; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c >= 0x20 && c < 0x7f) {
            o[j++] = (char)c;
        } else {
            snprintf(o + j, 5, "\\x%02x", c);
            j += 4;
        }
    }
    if (j + 5 >= sizeof out[0])
        memcpy(o + j, "...", 4);
    else
        o[j] = '\0';
    return o;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* ---- socket helpers ---------------------------------------------------------------- */

#define IO_TIMEOUT_MS 5000

/* 127.0.0.1:port as a sockaddr_in. */
static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/* Connects to 127.0.0.1:port within IO_TIMEOUT_MS (btc_sock_connect_timeout). */
static bool tcp_connect(btc_sock *s, uint16_t port)
{
    btc_error err;
    EXPECT(port != 0, "port not configured (environment variable missing)");
    struct sockaddr_in addr = loopback(port);
    EXPECT_OK(btc_sock_open(s, AF_INET, SOCK_STREAM, 0, &err), err);
    EXPECT_OK(btc_sock_connect_timeout(s, (const struct sockaddr *)&addr, sizeof addr, IO_TIMEOUT_MS, NULL, &err), err);
    return true;
}

static bool send_all(const btc_sock *s, const void *data, size_t len)
{
    btc_error err;
    EXPECT_OK(btc_sock_send_complete(s, data, len, IO_TIMEOUT_MS, NULL, &err), err);
    EXPECT(err.bytes == len, "send_complete reported %zu of %zu bytes", err.bytes, len);
    return true;
}

static bool send_str(const btc_sock *s, const char *text) { return send_all(s, text, strlen(text)); }

/* Reads one line that must arrive; checks the byte accounting of a success. */
static bool read_line(const btc_sock *s, uint8_t term, size_t max, char *buf, size_t *len)
{
    btc_error err;
    EXPECT_OK(btc_sock_recv_until_terminator(s, term, IO_TIMEOUT_MS, NULL, max, buf, len, 0, &err), err);
    EXPECT(err.bytes == *len + 1 && buf[*len] == '\0', "accounting: bytes %zu, len %zu", err.bytes, *len);
    return true;
}

/* Reads one "...\r\n" line and strips the \r. */
static bool read_crlf(const btc_sock *s, char *buf, size_t max, size_t *len)
{
    if (!read_line(s, '\n', max, buf, len))
        return false;
    EXPECT(*len > 0 && buf[*len - 1] == '\r', "line without \\r before \\n: '%s'", excerpt(buf, *len));
    buf[--*len] = '\0';
    return true;
}

static bool expect_crlf(const btc_sock *s, const char *want)
{
    char line[1024];
    size_t len = 0;
    if (!read_crlf(s, line, sizeof line, &len))
        return false;
    EXPECT(strcmp(line, want) == 0, "expected '%s', got '%s'", want, excerpt(line, len));
    return true;
}

/* Reads exactly n bytes (binary replies have no terminator), never more. */
static bool read_exact(const btc_sock *s, void *buf, size_t n, int64_t timeout_ms)
{
    btc_error err;
    EXPECT_OK(btc_sock_recv_exact(s, buf, n, timeout_ms, NULL, &err), err);
    EXPECT(err.bytes == n, "recv_exact reported %zu of %zu bytes", err.bytes, n);
    return true;
}

/* Nothing more arrives within ms: the peer sent no bytes we did not account for. */
static bool expect_silence(const btc_sock *s, int64_t ms)
{
    btc_error err;
    btc_events ev = 0;
    btc_status st = btc_sock_wait(s, ms, BTC_EV_RECV, &ev, NULL, &err);
    if (st == BTC_OK) {
        char extra[64];
        size_t got = 0;
        (void)btc_sock_recv(s, extra, sizeof extra, MSG_PEEK, &got, NULL);
        EXPECT(false, "unexpected bytes pending (events 0x%x): '%s'", (unsigned)ev, excerpt(extra, got));
    }
    EXPECT(st == BTC_ERR_TIMEOUT, "wait for silence: %s: %s", btc_status_name(st), err.message);
    return true;
}

/* Plain recv (no terminator logic) until `term` has arrived; the bytes the next reader would see. */
static bool raw_until(const btc_sock *s, char term, char *buf, size_t cap, size_t *len)
{
    int64_t deadline = ts_now_ms() + IO_TIMEOUT_MS;
    btc_error err;
    *len = 0;
    while (*len == 0 || buf[*len - 1] != term) {
        EXPECT(*len < cap, "no '\\x%02x' within %zu raw bytes", (unsigned char)term, cap);
        size_t r = 0;
        btc_status st = btc_sock_recv(s, buf + *len, cap - *len, 0, &r, &err);
        if (st == BTC_OK) {
            *len += r;
            continue;
        }
        EXPECT(st == BTC_ERR_WOULD_BLOCK, "raw recv: %s: %s", btc_status_name(st), err.message);
        int64_t left = deadline - ts_now_ms();
        EXPECT_OK(btc_sock_wait(s, left > 0 ? left : 0, BTC_EV_RECV, NULL, NULL, &err), err);
    }
    return true;
}

/* ---- i2pd SAM ----------------------------------------------------------------------- */

#define SAM_HELLO "HELLO VERSION MIN=3.1 MAX=3.1\n"
#define SAM_HELLO_REPLY "HELLO REPLY RESULT=OK VERSION=3.1"
#define SAM_MAX 65536 /* what Core passes to RecvUntilTerminator for SAM replies */

static bool sam_hello(btc_sock *s, const env *e)
{
    char line[256];
    size_t len = 0;
    if (!tcp_connect(s, e->sam) || !send_str(s, SAM_HELLO) || !read_line(s, '\n', sizeof line, line, &len))
        return false;
    EXPECT(strcmp(line, SAM_HELLO_REPLY) == 0, "HELLO reply '%s'", excerpt(line, len));
    return true;
}

static bool case_sam_hello_ok(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char *line = malloc(SAM_MAX);
    size_t len = 0;
    btc_error err;
    EXPECT(line != NULL, "malloc");
    bool ok = tcp_connect(&s, e->sam) && send_str(&s, SAM_HELLO);
    btc_status st =
        ok ? btc_sock_recv_until_terminator(&s, '\n', IO_TIMEOUT_MS, NULL, SAM_MAX, line, &len, 0, &err) : BTC_ERR_IO;
    bool same = ok && st == BTC_OK && strcmp(line, SAM_HELLO_REPLY) == 0 && err.bytes == len + 1;
    char got[96];
    snprintf(got, sizeof got, "%s", ok ? excerpt(line, len) : "");
    free(line);
    if (!ok)
        return false;
    EXPECT(same, "%s: '%s' (bytes %zu, len %zu)", btc_status_name(st), got, err.bytes, len);
    EXPECT_OK(btc_sock_is_connected(&s, &err), err);
    return true;
}

static bool case_sam_hello_noversion(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char line[256];
    size_t len = 0;
    btc_error err;
    if (!tcp_connect(&s, e->sam) || !send_str(&s, "HELLO VERSION MIN=9.0 MAX=9.9\n") ||
        !read_line(&s, '\n', sizeof line, line, &len))
        return false;
    EXPECT(strstr(line, "RESULT=NOVERSION") != NULL, "reply '%s'", excerpt(line, len));
    /* i2pd hangs up after refusing: the next read is CLOSED with nothing consumed, and the probe agrees. */
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', IO_TIMEOUT_MS, NULL, sizeof line, line, &len, 0, &err);
    EXPECT(st == BTC_ERR_CLOSED && len == 0 && err.bytes == 0, "after NOVERSION: %s, %zu bytes", btc_status_name(st),
           len);
    st = btc_sock_is_connected(&s, &err);
    EXPECT(st == BTC_ERR_CLOSED, "is_connected after the hang-up: %s", btc_status_name(st));
    return true;
}

/*
 * Zero over-read against a real peer: read the HELLO reply only up to its
 * first space; a plain recv must then return exactly the rest of the line.
 */
static bool case_sam_zero_over_read(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char word[64];
    char rest[256];
    size_t len = 0;
    if (!tcp_connect(&s, e->sam) || !send_str(&s, SAM_HELLO) || !read_line(&s, ' ', sizeof word, word, &len))
        return false;
    EXPECT(strcmp(word, "HELLO") == 0, "first word '%s'", excerpt(word, len));
    if (!raw_until(&s, '\n', rest, sizeof rest, &len))
        return false;
    EXPECT(len == strlen("REPLY RESULT=OK VERSION=3.1\n") && memcmp(rest, "REPLY RESULT=OK VERSION=3.1\n", len) == 0,
           "the plain recv after the first word got '%s' (%zu bytes)", excerpt(rest, len), len);
    /* Nothing of the HELLO reply is left: the next raw bytes are the next reply, from its first byte. */
    char next[4096];
    if (!send_str(&s, "DEST GENERATE SIGNATURE_TYPE=7\n") || !raw_until(&s, '\n', next, sizeof next, &len))
        return false;
    EXPECT(starts_with(next, len, "DEST REPLY PUB=") && memchr(next, '\n', len) == next + len - 1,
           "the next raw bytes are '%s' (%zu bytes)", excerpt(next, len), len);
    return expect_silence(&s, 50);
}

static bool dest_reply_ok(const char *line, size_t len)
{
    EXPECT(starts_with(line, len, "DEST REPLY PUB="), "DEST reply starts '%s'", excerpt(line, len));
    const char *priv = strstr(line, " PRIV=");
    EXPECT(priv != NULL, "no PRIV= in the DEST reply");
    for (size_t i = strlen("DEST REPLY PUB="); i < len; i++) {
        char c = line[i];
        bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '~' ||
                   c == '=';
        EXPECT(b64 || line + i == priv || (line + i > priv && line + i < priv + 6),
               "byte %zu of the DEST reply is 0x%02x: not I2P base64", i, (unsigned char)c);
    }
    return true;
}

static bool case_sam_dest_generate(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    size_t len = 0;
    if (!sam_hello(&s, e) || !send_str(&s, "DEST GENERATE SIGNATURE_TYPE=7\n"))
        return false;
    char *line = malloc(SAM_MAX);
    EXPECT(line != NULL, "malloc");
    bool ok = read_line(&s, '\n', SAM_MAX, line, &len) && dest_reply_ok(line, len);
    free(line);
    if (!ok)
        return false;
    EXPECT(len > 1000 && len < 4000, "DEST reply of %zu bytes", len);
    snprintf(g_info, sizeof g_info, "one line of %zu bytes", len);
    return expect_silence(&s, 50);
}

/* max_data smaller than the line: TOO_LARGE, every consumed byte handed back, the rest still readable. */
static bool case_sam_dest_too_large(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    enum { SMALL = 512 };
    char *head = malloc(SMALL); /* exact size: ASan catches a write at head[SMALL] */
    char *tail = malloc(SAM_MAX);
    char *whole = malloc(SMALL + SAM_MAX);
    size_t len = 0;
    size_t tail_len = 0;
    btc_error err = {BTC_OK, 0, 0, ""};
    bool ok = head != NULL && tail != NULL && whole != NULL && sam_hello(&s, e) &&
              send_str(&s, "DEST GENERATE SIGNATURE_TYPE=7\n");
    btc_status st = BTC_ERR_IO;
    if (ok)
        st = btc_sock_recv_until_terminator(&s, '\n', IO_TIMEOUT_MS, NULL, SMALL, head, &len, 0, &err);
    bool first_ok = ok && st == BTC_ERR_TOO_LARGE && len == SMALL && err.bytes == SMALL &&
                    starts_with(head, len, "DEST REPLY PUB=");
    bool rest_ok = first_ok && read_line(&s, '\n', SAM_MAX, tail, &tail_len);
    if (rest_ok) {
        memcpy(whole, head, SMALL);
        memcpy(whole + SMALL, tail, tail_len + 1);
        rest_ok = dest_reply_ok(whole, SMALL + tail_len);
    }
    char got[96];
    snprintf(got, sizeof got, "%s", first_ok || !ok ? "" : excerpt(head, len));
    free(head);
    free(tail);
    free(whole);
    if (!ok)
        return false;
    EXPECT(first_ok, "max_data %d: %s, len %zu, bytes %zu, '%s'", SMALL, btc_status_name(st), len, err.bytes, got);
    if (!rest_ok)
        return false;
    snprintf(g_info, sizeof g_info, "TOO_LARGE with %d bytes, then the other %zu: one line of %zu", SMALL, tail_len + 1,
             SMALL + tail_len);
    return expect_silence(&s, 50);
}

/* Bitcoin Core's own SESSION CREATE; with no I2P peers i2pd never answers it. */
static bool sam_session_create(btc_sock *s, const env *e, int n)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "SESSION CREATE STYLE=STREAM ID=btcsock-%ld-%d DESTINATION=TRANSIENT SIGNATURE_TYPE=7 "
             "i2cp.leaseSetEncType=4,0 inbound.quantity=1 outbound.quantity=1\n",
             (long)getpid(), n);
    return sam_hello(s, e) && send_str(s, cmd);
}

static bool case_sam_session_timeout(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char line[256];
    size_t len = 99;
    btc_error err;
    if (!sam_session_create(&s, e, 1))
        return false;
    int64_t start = ts_now_ms();
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 400, NULL, sizeof line, line, &len, 0, &err);
    int64_t took = ts_now_ms() - start;
    EXPECT(st == BTC_ERR_TIMEOUT && len == 0 && err.bytes == 0, "%s, len %zu: '%s'", btc_status_name(st), len,
           excerpt(line, len));
    EXPECT(took >= 398 && took < 1400, "a 400 ms timeout took %lld ms", (long long)took);
    snprintf(g_info, sizeof g_info, "timed out after %lld ms", (long long)took);
    return true;
}

static bool case_sam_session_interrupt(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_interrupt intr;
    ts_delayed_trigger trigger;
    char line[256];
    size_t len = 99;
    btc_error err;
    if (!sam_session_create(&s, e, 2))
        return false;
    EXPECT_OK(btc_interrupt_init(&intr, &err), err);
    if (!ts_delayed_trigger_start(&trigger, &intr, 150)) {
        btc_interrupt_destroy(&intr);
        EXPECT(false, "cannot start the trigger thread");
    }
    int64_t start = ts_now_ms();
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 30000, &intr, sizeof line, line, &len, 0, &err);
    int64_t done = ts_now_ms();
    int64_t fired = ts_delayed_trigger_join(&trigger) / 1000;
    btc_interrupt_destroy(&intr);
    EXPECT(st == BTC_ERR_INTERRUPTED && len == 0 && err.bytes == 0, "%s, len %zu", btc_status_name(st), len);
    EXPECT(done - fired < 250, "woke %lld ms after the trigger", (long long)(done - fired));
    snprintf(g_info, sizeof g_info, "a 30 s wait ended %lld ms after the trigger (%lld ms in all)",
             (long long)(done - fired), (long long)(done - start));
    return true;
}

/* ---- tor control port ------------------------------------------------------------------ */

static bool tor_cookie_hex(const env *e, char *hex, size_t cap)
{
    unsigned char cookie[64];
    EXPECT(e->tor_cookie != NULL, "BTC_INTEG_TOR_COOKIE not set");
    FILE *f = fopen(e->tor_cookie, "rb");
    EXPECT(f != NULL, "cannot open the cookie file %s: %s", e->tor_cookie, strerror(errno));
    size_t n = fread(cookie, 1, sizeof cookie, f);
    fclose(f);
    EXPECT(n == 32, "the cookie file holds %zu bytes, not 32", n);
    EXPECT(cap > 64, "hex buffer");
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", cookie[i]);
    return true;
}

static bool tor_authenticated(btc_sock *s, const env *e)
{
    char hex[80];
    char cmd[128];
    if (!tor_cookie_hex(e, hex, sizeof hex) || !tcp_connect(s, e->tor))
        return false;
    snprintf(cmd, sizeof cmd, "AUTHENTICATE %s\r\n", hex);
    return send_str(s, cmd) && expect_crlf(s, "250 OK");
}

static bool case_tor_protocolinfo(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char line[1024];
    char peek[8];
    size_t len = 0;
    btc_error err;
    if (!tcp_connect(&s, e->tor) || !send_str(&s, "PROTOCOLINFO 1\r\n") || !read_crlf(&s, line, sizeof line, &len))
        return false;
    EXPECT(strcmp(line, "250-PROTOCOLINFO 1") == 0, "first line '%s'", excerpt(line, len));
    /* Tor wrote the whole reply at once: the socket must hold the next line from its first byte. */
    size_t got = 0;
    for (int tries = 0; got < 4 && tries < 50; tries++) {
        EXPECT_OK(btc_sock_wait(&s, IO_TIMEOUT_MS, BTC_EV_RECV, NULL, NULL, &err), err);
        EXPECT_OK(btc_sock_recv(&s, peek, 4, MSG_PEEK, &got, &err), err);
        if (got < 4)
            ts_sleep_ms(10);
    }
    EXPECT(got == 4 && memcmp(peek, "250-", 4) == 0, "after the first line the socket holds '%s'", excerpt(peek, got));
    bool auth = false;
    bool version = false;
    for (int lines = 1;; lines++) {
        EXPECT(lines < 20, "no '250 OK' after 20 lines");
        if (!read_crlf(&s, line, sizeof line, &len))
            return false;
        if (strcmp(line, "250 OK") == 0)
            break;
        EXPECT(starts_with(line, len, "250-"), "reply line '%s'", excerpt(line, len));
        if (starts_with(line, len, "250-AUTH METHODS=")) {
            auth = true;
            EXPECT(strstr(line, "COOKIE") != NULL, "no COOKIE method: '%s'", excerpt(line, len));
            const char *file = strstr(line, "COOKIEFILE=\"");
            EXPECT(file != NULL, "no COOKIEFILE: '%s'", excerpt(line, len));
            file += strlen("COOKIEFILE=\"");
            size_t flen = strcspn(file, "\"");
            EXPECT(e->tor_cookie != NULL && strlen(e->tor_cookie) == flen && memcmp(file, e->tor_cookie, flen) == 0,
                   "COOKIEFILE \"%.*s\" is not %s", (int)flen, file, e->tor_cookie ? e->tor_cookie : "(unset)");
        }
        if (starts_with(line, len, "250-VERSION Tor=\""))
            version = true;
    }
    EXPECT(auth && version, "AUTH line %s, VERSION line %s", auth ? "seen" : "missing", version ? "seen" : "missing");
    return expect_silence(&s, 50);
}

static bool case_tor_authenticate(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    return tor_authenticated(&s, e);
}

static bool case_tor_authenticate_bad(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char line[512];
    size_t len = 0;
    btc_error err;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "AUTHENTICATE %064d\r\n", 0);
    if (!tcp_connect(&s, e->tor) || !send_str(&s, cmd) || !read_crlf(&s, line, sizeof line, &len))
        return false;
    EXPECT(starts_with(line, len, "515 "), "reply '%s'", excerpt(line, len));
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', IO_TIMEOUT_MS, NULL, sizeof line, line, &len, 0, &err);
    EXPECT(st == BTC_ERR_CLOSED && len == 0, "after 515: %s with %zu bytes", btc_status_name(st), len);
    return true;
}

static bool case_tor_getinfo_version(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char line[512];
    size_t len = 0;
    if (!tor_authenticated(&s, e) || !send_str(&s, "GETINFO version\r\n") || !read_crlf(&s, line, sizeof line, &len))
        return false;
    EXPECT(starts_with(line, len, "250-version=") && len > strlen("250-version="), "reply '%s'", excerpt(line, len));
    snprintf(g_info, sizeof g_info, "%.200s", line + 4);
    return expect_crlf(&s, "250 OK") && expect_silence(&s, 50);
}

static bool case_tor_unknown_command(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char line[512];
    size_t len = 0;
    if (!tor_authenticated(&s, e) || !send_str(&s, "FOOBAR\r\n") || !read_crlf(&s, line, sizeof line, &len))
        return false;
    EXPECT(starts_with(line, len, "510 "), "reply '%s'", excerpt(line, len));
    snprintf(g_info, sizeof g_info, "%.200s", line);
    return true;
}

/* Three commands in one write; five reply lines read one by one, in order, and nothing left over. */
static bool case_tor_pipelined(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char first[256];
    char line[256];
    size_t len = 0;
    if (!tor_authenticated(&s, e) || !send_str(&s, "GETINFO version\r\nFOOBAR\r\nGETINFO version\r\n") ||
        !read_crlf(&s, first, sizeof first, &len))
        return false;
    EXPECT(starts_with(first, len, "250-version="), "line 1 '%s'", excerpt(first, len));
    if (!expect_crlf(&s, "250 OK") || !read_crlf(&s, line, sizeof line, &len))
        return false;
    EXPECT(starts_with(line, len, "510 "), "line 3 '%s'", excerpt(line, len));
    if (!read_crlf(&s, line, sizeof line, &len))
        return false;
    EXPECT(strcmp(line, first) == 0, "line 4 '%s' differs from line 1", excerpt(line, len));
    return expect_crlf(&s, "250 OK") && expect_silence(&s, 50);
}

/* ---- redis ------------------------------------------------------------------------------ */

static bool case_redis_ping(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    return tcp_connect(&s, e->redis) && send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG") && expect_silence(&s, 20);
}

#define ECHO_SIZE 102400

/* Deterministic binary payload: every byte value but '\n' (NULs and '\r' included). */
static void fill_payload(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed | 1u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        uint8_t b = (uint8_t)(x >> 24);
        p[i] = b == '\n' ? (uint8_t)'N' : b;
    }
}

/* Sends ECHO <payload> as a RESP array. */
static bool redis_echo(const btc_sock *s, const uint8_t *payload, size_t n)
{
    char head[64];
    int h = snprintf(head, sizeof head, "*2\r\n$4\r\nECHO\r\n$%zu\r\n", n);
    return send_all(s, head, (size_t)h) && send_all(s, payload, n) && send_all(s, "\r\n", 2);
}

static bool case_redis_echo_100k(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    uint8_t *payload = malloc(ECHO_SIZE);
    char *line = malloc(ECHO_SIZE + 2); /* the data, '\r', '\n': max_data exactly the line plus terminator */
    size_t len = 0;
    EXPECT(payload != NULL && line != NULL, "malloc");
    fill_payload(payload, ECHO_SIZE, 42);
    bool ok = tcp_connect(&s, e->redis) && redis_echo(&s, payload, ECHO_SIZE) && expect_crlf(&s, "$102400") &&
              read_line(&s, '\n', ECHO_SIZE + 2, line, &len);
    bool same = ok && len == ECHO_SIZE + 1 && line[ECHO_SIZE] == '\r' && memcmp(line, payload, ECHO_SIZE) == 0;
    free(payload);
    free(line);
    if (!ok)
        return false;
    EXPECT(same, "the 100 KiB echo came back different (%zu bytes)", len);
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

/*
 * The max_data boundary on a real 100 KiB line: with max_data one byte too
 * small the whole budget is consumed (TOO_LARGE) and exactly the terminator
 * is left, which the next call reads as an empty line.
 */
static bool case_redis_echo_boundary(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    uint8_t *payload = malloc(ECHO_SIZE);
    char *line = malloc(ECHO_SIZE + 1); /* one byte short of data + '\r' + '\n' */
    size_t len = 0;
    btc_error err = {BTC_OK, 0, 0, ""};
    EXPECT(payload != NULL && line != NULL, "malloc");
    fill_payload(payload, ECHO_SIZE, 7);
    bool ok = tcp_connect(&s, e->redis) && redis_echo(&s, payload, ECHO_SIZE) && expect_crlf(&s, "$102400");
    btc_status st = BTC_ERR_IO;
    if (ok)
        st = btc_sock_recv_until_terminator(&s, '\n', IO_TIMEOUT_MS, NULL, ECHO_SIZE + 1, line, &len, 0, &err);
    bool same = ok && st == BTC_ERR_TOO_LARGE && len == ECHO_SIZE + 1 && err.bytes == ECHO_SIZE + 1 &&
                memcmp(line, payload, ECHO_SIZE) == 0 && line[ECHO_SIZE] == '\r';
    free(payload);
    free(line);
    if (!ok)
        return false;
    EXPECT(same, "max_data %d: %s, len %zu, bytes %zu", ECHO_SIZE + 1, btc_status_name(st), len, err.bytes);
    char rest[16];
    if (!read_line(&s, '\n', sizeof rest, rest, &len))
        return false;
    EXPECT(len == 0, "after TOO_LARGE the rest was %zu bytes, not just the terminator", len);
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

static bool case_redis_pipeline_1000(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    enum { N = 1000 };
    static const char pad[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN";
    size_t cap = (size_t)N * 96;
    char *req = malloc(cap);
    size_t n = 0;
    EXPECT(req != NULL, "malloc");
    for (int i = 0; i < N; i++) {
        char payload[64];
        int plen = snprintf(payload, sizeof payload, "msg-%04d-%.*s", i, i % 40, pad);
        n += (size_t)snprintf(req + n, cap - n, "*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n", plen, payload);
    }
    bool ok = tcp_connect(&s, e->redis) && send_all(&s, req, n); /* one send_complete for all 1000 */
    free(req);
    if (!ok)
        return false;
    for (int i = 0; i < N; i++) {
        char payload[64];
        char head[16];
        char line[128];
        size_t len = 0;
        int plen = snprintf(payload, sizeof payload, "msg-%04d-%.*s", i, i % 40, pad);
        snprintf(head, sizeof head, "$%d", plen);
        if (!read_crlf(&s, line, sizeof line, &len))
            return false;
        EXPECT(strcmp(line, head) == 0, "reply %d header '%s', expected '%s'", i, excerpt(line, len), head);
        if (!read_crlf(&s, line, sizeof line, &len))
            return false;
        EXPECT(strcmp(line, payload) == 0, "reply %d '%s', expected '%s'", i, excerpt(line, len), payload);
    }
    snprintf(g_info, sizeof g_info, "%zu request bytes in one send, 2000 reply lines read exactly", n);
    return expect_silence(&s, 50) && send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

/* BLPOP on a list nobody fills: a real peer that never answers. */
static bool case_redis_silent_timeout(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    char line[64];
    size_t len = 99;
    btc_error err;
    if (!tcp_connect(&s, e->redis) || !send_str(&s, "BLPOP btcsock:never 0\r\n"))
        return false;
    int64_t start = ts_now_ms();
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 300, NULL, sizeof line, line, &len, 0, &err);
    int64_t took = ts_now_ms() - start;
    EXPECT(st == BTC_ERR_TIMEOUT && len == 0 && err.bytes == 0, "%s, len %zu", btc_status_name(st), len);
    EXPECT(took >= 298 && took < 1300, "a 300 ms timeout took %lld ms", (long long)took);
    snprintf(g_info, sizeof g_info, "timed out after %lld ms", (long long)took);
    return true;
}

/* ---- SOCKS5 (microsocks) --------------------------------------------------------------------- */

/*
 * Greeting (+ RFC 1929 when user is set) + CONNECT 127.0.0.1:target.
 * *method and *rep get what the proxy said (rep 0xFFFF if not reached).
 */
static bool socks_open(btc_sock *s, uint16_t proxy, const char *user, const char *pass, uint16_t target,
                       unsigned *method, unsigned *auth, unsigned *rep)
{
    uint8_t msg[600];
    uint8_t reply[32];
    size_t n = 0;
    *method = *auth = *rep = 0xFFFF;
    if (!tcp_connect(s, proxy))
        return false;
    msg[n++] = 5;
    msg[n++] = 1;
    msg[n++] = user != NULL ? 2 : 0;
    if (!send_all(s, msg, n) || !read_exact(s, reply, 2, IO_TIMEOUT_MS))
        return false;
    EXPECT(reply[0] == 5, "method reply version 0x%02x", reply[0]);
    *method = reply[1];
    if (reply[1] == 0xFF)
        return true;
    if (reply[1] == 2) {
        size_t ul = strlen(user);
        size_t pl = strlen(pass);
        EXPECT(ul < 256 && pl < 256, "credentials too long");
        n = 0;
        msg[n++] = 1;
        msg[n++] = (uint8_t)ul;
        memcpy(msg + n, user, ul);
        n += ul;
        msg[n++] = (uint8_t)pl;
        memcpy(msg + n, pass, pl);
        n += pl;
        if (!send_all(s, msg, n) || !read_exact(s, reply, 2, IO_TIMEOUT_MS))
            return false;
        *auth = reply[1];
        if (reply[1] != 0)
            return true;
    }
    uint8_t req[10] = {5, 1, 0, 1, 127, 0, 0, 1, (uint8_t)(target >> 8), (uint8_t)(target & 0xff)};
    if (!send_all(s, req, sizeof req) || !read_exact(s, reply, 4, IO_TIMEOUT_MS))
        return false;
    EXPECT(reply[0] == 5, "CONNECT reply version 0x%02x", reply[0]);
    *rep = reply[1];
    size_t addr = reply[3] == 1 ? 4 : reply[3] == 4 ? 16 : 0;
    EXPECT(addr != 0, "CONNECT reply address type 0x%02x", reply[3]);
    /* Exactly the bound address and port: the first byte after them is the target's. */
    return read_exact(s, reply + 4, addr + 2, IO_TIMEOUT_MS);
}

static bool case_socks5_connect_ping(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    unsigned method;
    unsigned auth;
    unsigned rep;
    if (!socks_open(&s, e->socks, NULL, NULL, e->redis, &method, &auth, &rep))
        return false;
    EXPECT(method == 0 && rep == 0, "method 0x%02x, reply 0x%02x", method, rep);
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG") && send_str(&s, "PING again\r\n") &&
           expect_crlf(&s, "$5") && expect_crlf(&s, "again");
}

static bool case_socks5_userpass_ping(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    unsigned method;
    unsigned auth;
    unsigned rep;
    if (!socks_open(&s, e->socks_auth, e->socks_user, e->socks_password, e->redis, &method, &auth, &rep))
        return false;
    EXPECT(method == 2 && auth == 0 && rep == 0, "method 0x%02x, auth 0x%02x, reply 0x%02x", method, auth, rep);
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

static bool case_socks5_auth_required(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    unsigned method;
    unsigned auth;
    unsigned rep;
    btc_error err;
    char line[8];
    size_t len = 0;
    if (!socks_open(&s, e->socks_auth, NULL, NULL, e->redis, &method, &auth, &rep))
        return false;
    EXPECT(method == 0xFF, "method 0x%02x, expected 0xFF (no acceptable method)", method);
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', IO_TIMEOUT_MS, NULL, sizeof line, line, &len, 0, &err);
    EXPECT(st == BTC_ERR_CLOSED && len == 0, "after 0xFF: %s with %zu bytes", btc_status_name(st), len);
    return true;
}

static bool case_socks5_target_refused(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    unsigned method;
    unsigned auth;
    unsigned rep;
    if (!socks_open(&s, e->socks, NULL, NULL, e->closed, &method, &auth, &rep))
        return false;
    EXPECT(method == 0 && rep == 5, "method 0x%02x, reply 0x%02x, expected 0x05 (connection refused)", method, rep);
    return true;
}

/* ---- the 0.2 layer: dial, connect with a deadline, SOCKS5, exact reads, gather sends, the reader ---- */

/* The service string of a port. */
static const char *service_of(uint16_t port)
{
    static char out[4][8];
    static int next;
    char *o = out[next++ % 4];
    snprintf(o, sizeof out[0], "%u", (unsigned)port);
    return o;
}

static bool case_dial_numeric(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_error err;
    EXPECT_OK(btc_sock_dial(&s, "127.0.0.1", service_of(e->redis), IO_TIMEOUT_MS, NULL, &err), err);
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

/* "localhost" may resolve to ::1 first, where redis may not listen: dial must go on to the next address. */
static bool case_dial_localhost(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_error err;
    EXPECT_OK(btc_sock_dial(&s, "localhost", service_of(e->redis), IO_TIMEOUT_MS, NULL, &err), err);
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

static bool case_dial_refused(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_error err;
    btc_status st = btc_sock_dial(&s, "127.0.0.1", service_of(e->closed), IO_TIMEOUT_MS, NULL, &err);
    EXPECT(st == BTC_ERR_IO && err.code == ECONNREFUSED, "%s (code %d): %s", btc_status_name(st), err.code,
           err.message);
    EXPECT(btc_sock_is_empty(&s), "a failed dial left a socket behind");
    EXPECT(strstr(err.message, "1 of 1 addresses tried") != NULL, "message '%s'", err.message);
    snprintf(g_info, sizeof g_info, "%s", err.message);
    return true;
}

static bool case_connect_timeout_refused(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_error err;
    struct sockaddr_in addr = loopback(e->closed);
    EXPECT_OK(btc_sock_open(&s, AF_INET, SOCK_STREAM, 0, &err), err);
    btc_status st =
        btc_sock_connect_timeout(&s, (const struct sockaddr *)&addr, sizeof addr, IO_TIMEOUT_MS, NULL, &err);
    EXPECT(st == BTC_ERR_IO && err.code == ECONNREFUSED, "%s (code %d): %s", btc_status_name(st), err.code,
           err.message);
    return true;
}

/* A tunnel to redis through the proxy at proxy_port; the library's client does the handshake. */
static bool socks5_tunnel(btc_sock *s, uint16_t proxy_port, const char *host, uint16_t port,
                          const btc_socks5_auth *auth, btc_socks5_bound *bound)
{
    btc_error err;
    EXPECT_OK(btc_sock_dial(s, "127.0.0.1", service_of(proxy_port), IO_TIMEOUT_MS, NULL, &err), err);
    EXPECT_OK(btc_socks5_connect_bound(s, host, port, auth, IO_TIMEOUT_MS, NULL, bound, &err), err);
    return true;
}

static bool case_lib_socks5_ipv4(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_socks5_bound bound;
    if (!socks5_tunnel(&s, e->socks, "127.0.0.1", e->redis, NULL, &bound))
        return false;
    EXPECT(bound.atyp == 1 || bound.atyp == 4, "bound address type %u", bound.atyp);
    /* The first bytes after the handshake are redis's: nothing of the reply was left, nothing of redis eaten. */
    if (!send_str(&s, "PING\r\n") || !expect_crlf(&s, "+PONG"))
        return false;
    snprintf(g_info, sizeof g_info, "bound type %u port %u", bound.atyp, (unsigned)bound.port);
    return expect_silence(&s, 50);
}

static bool case_lib_socks5_domain(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    if (!socks5_tunnel(&s, e->socks, "localhost", e->redis, NULL, NULL))
        return false;
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

static bool case_lib_socks5_userpass(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_socks5_auth auth = {e->socks_user, e->socks_password};
    if (!socks5_tunnel(&s, e->socks_auth, "127.0.0.1", e->redis, &auth, NULL))
        return false;
    return send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

/* A refusal by the proxy: BTC_ERR_PROXY with the reply code (0 for a violation) and words naming it. */
static bool expect_proxy_refusal(uint16_t proxy_port, uint16_t target, const btc_socks5_auth *auth, int code,
                                 const char *words)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    btc_error err;
    EXPECT_OK(btc_sock_dial(&s, "127.0.0.1", service_of(proxy_port), IO_TIMEOUT_MS, NULL, &err), err);
    btc_status st = btc_socks5_connect(&s, "127.0.0.1", target, auth, IO_TIMEOUT_MS, NULL, &err);
    EXPECT(st == BTC_ERR_PROXY && err.code == code && strstr(err.message, words) != NULL,
           "%s (code %d): '%s', expected code %d and '%s'", btc_status_name(st), err.code, err.message, code, words);
    snprintf(g_info, sizeof g_info, "%s", err.message);
    return true;
}

static bool case_lib_socks5_target_refused(const env *e)
{
    return expect_proxy_refusal(e->socks, e->closed, NULL, 5, btc_socks5_reply_message(5));
}

static bool case_lib_socks5_auth_required(const env *e)
{
    return expect_proxy_refusal(e->socks_auth, e->redis, NULL, 0, "no acceptable authentication method");
}

static bool case_lib_socks5_wrong_password(const env *e)
{
    btc_socks5_auth auth = {e->socks_user, "not-the-password"};
    return expect_proxy_refusal(e->socks_auth, e->redis, &auth, 0, "authentication failed");
}

/* ECHO of 100 KiB sent as three pieces by one gather send; the bulk reply read with recv_exact. */
static bool case_gather_echo_exact(const env *e)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    enum { N = 100 * 1024 };
    static char payload[N];
    static char back[N + 2];
    char head[64];
    char line[32];
    size_t len = 0;
    btc_error err;
    for (size_t i = 0; i < N; i++)
        payload[i] = (char)('a' + i % 26);
    int hn = snprintf(head, sizeof head, "*2\r\n$4\r\nECHO\r\n$%d\r\n", N);
    btc_iovec iov[] = {{head, (size_t)hn}, {payload, N}, {"\r\n", 2}};
    if (!tcp_connect(&s, e->redis))
        return false;
    EXPECT_OK(btc_sock_send_complete_v(&s, iov, 3, IO_TIMEOUT_MS, NULL, &err), err);
    EXPECT(err.bytes == (size_t)hn + N + 2, "send_complete_v reported %zu bytes", err.bytes);
    if (!read_crlf(&s, line, sizeof line, &len) || !read_exact(&s, back, N + 2, IO_TIMEOUT_MS))
        return false;
    EXPECT(strcmp(line, "$102400") == 0, "bulk head '%s'", excerpt(line, len));
    EXPECT(memcmp(back, payload, N) == 0 && memcmp(back + N, "\r\n", 2) == 0, "the echo differs");
    return expect_silence(&s, 50);
}

/* 1000 pipelined ECHOs read back through a btc_reader, then handed back to the plain socket: not a byte over. */
static size_t digits_of(int i) { return i < 10 ? 1 : i < 100 ? 2 : 3; }

static bool reader_pipeline(const env *e, unsigned flags)
{
    BTC_SOCK_AUTO s = BTC_SOCK_INIT;
    enum { N = 1000 };
    char window[4096];
    btc_reader r;
    btc_error err;
    char req[64];
    if (!tcp_connect(&s, e->redis))
        return false;
    for (int i = 0; i < N; i++) {
        int n = snprintf(req, sizeof req, "*2\r\n$4\r\nECHO\r\n$%zu\r\n%d\r\n", digits_of(i), i);
        if (!send_all(&s, req, (size_t)n))
            return false;
    }
    EXPECT_OK(btc_reader_init(&r, &s, window, sizeof window, flags, &err), err);
    for (int i = 0; i < N; i++) {
        const char *line = NULL;
        size_t len = 0;
        char want[16];
        char got[8];
        snprintf(want, sizeof want, "$%zu\r", digits_of(i));
        EXPECT_OK(btc_reader_line(&r, '\n', IO_TIMEOUT_MS, NULL, &line, &len, &err), err);
        EXPECT(strcmp(line, want) == 0, "reply %d head '%s'", i, excerpt(line, len));
        size_t n = digits_of(i) + 2; /* the digits, then \r\n */
        EXPECT_OK(btc_reader_read(&r, got, n, IO_TIMEOUT_MS, NULL, &err), err);
        snprintf(want, sizeof want, "%d\r\n", i);
        EXPECT(memcmp(got, want, n) == 0, "reply %d body '%s'", i, excerpt(got, n));
    }
    const void *held = NULL;
    size_t held_len = 99;
    EXPECT_OK(btc_reader_detach(&r, &held, &held_len, &err), err);
    EXPECT(held_len == 0, "%zu bytes held after the last whole reply", held_len);
    return expect_silence(&s, 50) && send_str(&s, "PING\r\n") && expect_crlf(&s, "+PONG");
}

static bool case_reader_pipeline_lazy(const env *e) { return reader_pipeline(e, 0); }
static bool case_reader_pipeline_exact(const env *e) { return reader_pipeline(e, BTC_READER_EXACT); }

/* ---- the runner ------------------------------------------------------------------------------ */

typedef struct tcase {
    const char *name;
    bool (*fn)(const env *e);
} tcase;

static const tcase g_cases[] = {
    {"sam.hello_ok", case_sam_hello_ok},
    {"sam.hello_noversion", case_sam_hello_noversion},
    {"sam.zero_over_read", case_sam_zero_over_read},
    {"sam.dest_generate", case_sam_dest_generate},
    {"sam.dest_generate_too_large", case_sam_dest_too_large},
    {"sam.session_create_timeout", case_sam_session_timeout},
    {"sam.session_create_interrupt", case_sam_session_interrupt},
    {"tor.protocolinfo", case_tor_protocolinfo},
    {"tor.authenticate_cookie", case_tor_authenticate},
    {"tor.authenticate_bad_cookie", case_tor_authenticate_bad},
    {"tor.getinfo_version", case_tor_getinfo_version},
    {"tor.unknown_command", case_tor_unknown_command},
    {"tor.pipelined", case_tor_pipelined},
    {"redis.ping", case_redis_ping},
    {"redis.echo_100k", case_redis_echo_100k},
    {"redis.echo_100k_max_data_boundary", case_redis_echo_boundary},
    {"redis.pipeline_1000", case_redis_pipeline_1000},
    {"redis.silent_peer_timeout", case_redis_silent_timeout},
    {"socks5.connect_redis_ping", case_socks5_connect_ping},
    {"socks5.userpass_ping", case_socks5_userpass_ping},
    {"socks5.auth_required_0xff", case_socks5_auth_required},
    {"socks5.target_refused_0x05", case_socks5_target_refused},
    {"dial.numeric", case_dial_numeric},
    {"dial.localhost", case_dial_localhost},
    {"dial.refused", case_dial_refused},
    {"connect_timeout.refused", case_connect_timeout_refused},
    {"lib_socks5.ipv4", case_lib_socks5_ipv4},
    {"lib_socks5.domain_localhost", case_lib_socks5_domain},
    {"lib_socks5.userpass", case_lib_socks5_userpass},
    {"lib_socks5.target_refused", case_lib_socks5_target_refused},
    {"lib_socks5.auth_required", case_lib_socks5_auth_required},
    {"lib_socks5.wrong_password", case_lib_socks5_wrong_password},
    {"exact.gather_echo_100k", case_gather_echo_exact},
    {"reader.redis_pipeline_lazy", case_reader_pipeline_lazy},
    {"reader.redis_pipeline_exact", case_reader_pipeline_exact},
};
#define CASE_COUNT (sizeof g_cases / sizeof g_cases[0])

static bool selected(const char *name, int argc, char **argv)
{
    if (argc <= 1)
        return true;
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (strcmp(name, argv[i]) == 0 || (strncmp(name, argv[i], n) == 0 && name[n] == '.'))
            return true;
    }
    return false;
}

/* Binds n sockets to 127.0.0.1:0 at once (so the ports differ) and prints their ports. */
static int free_ports(const char *count)
{
    char *end = NULL;
    long n = strtol(count, &end, 10);
    if (*end != '\0' || n < 1 || n > 32) {
        fprintf(stderr, "free-ports: want a count from 1 to 32\n");
        return 2;
    }
    btc_sock socks[32];
    int rc = 0;
    for (long i = 0; i < n; i++) {
        struct sockaddr_in addr;
        socklen_t len = sizeof addr;
        btc_error err;
        btc_sock_init(&socks[i]);
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (btc_sock_open(&socks[i], AF_INET, SOCK_STREAM, 0, &err) != BTC_OK ||
            btc_sock_bind(&socks[i], (struct sockaddr *)&addr, sizeof addr, &err) != BTC_OK ||
            btc_sock_get_sock_name(&socks[i], (struct sockaddr *)&addr, &len, &err) != BTC_OK) {
            fprintf(stderr, "free-ports: %s\n", err.message);
            rc = 1;
            break;
        }
        printf("%s%u", i > 0 ? " " : "", (unsigned)ntohs(addr.sin_port));
    }
    printf("\n");
    for (long i = 0; i < n; i++)
        (void)btc_sock_reset(&socks[i], NULL);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "free-ports") == 0)
        return free_ports(argv[2]);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < CASE_COUNT; i++)
            printf("%s\n", g_cases[i].name);
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    env e;
    e.sam = env_port("BTC_INTEG_SAM_PORT");
    e.tor = env_port("BTC_INTEG_TOR_PORT");
    e.redis = env_port("BTC_INTEG_REDIS_PORT");
    e.socks = env_port("BTC_INTEG_SOCKS_PORT");
    e.socks_auth = env_port("BTC_INTEG_SOCKS_AUTH_PORT");
    e.closed = env_port("BTC_INTEG_CLOSED_PORT");
    e.tor_cookie = env_str("BTC_INTEG_TOR_COOKIE", NULL);
    e.socks_user = env_str("BTC_INTEG_SOCKS_USER", "btcsock");
    e.socks_password = env_str("BTC_INTEG_SOCKS_PASSWORD", "btcsock");

    int passed = 0;
    int failed = 0;
    for (size_t i = 0; i < CASE_COUNT; i++) {
        if (!selected(g_cases[i].name, argc, argv))
            continue;
        g_why[0] = '\0';
        g_info[0] = '\0';
        int64_t start = ts_now_ms();
        bool ok = g_cases[i].fn(&e);
        long long took = (long long)(ts_now_ms() - start);
        if (ok) {
            passed++;
            printf("PASS %s (%lld ms)%s%s\n", g_cases[i].name, took, g_info[0] ? ": " : "", g_info);
        } else {
            failed++;
            printf("FAIL %s (%lld ms): %s\n", g_cases[i].name, took, g_why[0] ? g_why : "(no reason recorded)");
        }
    }
    printf("integ: %d cases passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
