/* SPDX-License-Identifier: MIT */
/*
 * tests/test_real.c - the high-level operations over real sockets:
 * btc_sock_send_complete, btc_sock_recv_until_terminator and
 * btc_sock_is_connected over the library's socket pair (AF_UNIX on POSIX)
 * and over TCP on 127.0.0.1.
 *
 * Portable on purpose: a Windows build reuses this file with a small
 * Criterion-compatible runner. It therefore uses only TestSuite/Test,
 * cr_assert, cr_assert_eq/neq/lt/leq/gt/geq, cr_assert_str_eq,
 * cr_assert_not_null and cr_skip_test (no fixtures, no parameterized tests),
 * and reaches the OS only through support.h.
 *
 * Timing is asserted only where it is the behaviour (a timeout fires no
 * earlier than asked, an interrupt wakes promptly), with generous upper
 * bounds; "no earlier" allows 1 ms for a millisecond library clock.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btcsock.h"
#include "support.h"

TestSuite(real, .timeout = 60);

/* ---- helpers ------------------------------------------------------------------ */

typedef enum transport { VIA_PAIR, VIA_TCP } transport;

static const char *transport_name(transport t) { return t == VIA_PAIR ? "socket pair" : "TCP"; }

static void connect_pair(transport t, btc_sock *a, btc_sock *b)
{
    if (t == VIA_PAIR) {
        btc_error err;
        TS_CHECK_OK(&err, btc_make_socket_pair(a, b, &err));
    } else {
        cr_assert(ts_tcp_pair(a, b), "cannot make a loopback TCP pair");
    }
}

static void close_pair(btc_sock *a, btc_sock *b)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(b, &err));
}

/* Sends with send_complete and checks it all went. */
static void send_all(const btc_sock *s, const void *data, size_t len)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send_complete(s, data, len, 5000, NULL, &err));
    cr_assert_eq(err.bytes, len, "send_complete OK but err.bytes %zu of %zu", err.bytes, len);
}

/* Reads one line and checks it is `want` (consistent lengths, NUL after it). */
static void expect_line(const btc_sock *s, const char *want)
{
    char buf[256];
    size_t len = 9999;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(s, '\n', 5000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, strlen(want), "line length %zu, expected %zu", len, strlen(want));
    cr_assert_eq(err.bytes, len + 1, "err.bytes %zu on a line of %zu", err.bytes, len);
    cr_assert_eq(buf[len], '\0');
    cr_assert_str_eq(buf, want);
}

/*
 * Reads into dst until the socket reports EAGAIN (until_eof false) or EOF
 * (until_eof true, waiting as needed, at most 10 s). Returns the count; fails
 * the test if more than cap bytes arrive.
 */
static size_t read_everything(const btc_sock *s, uint8_t *dst, size_t cap, bool until_eof)
{
    size_t total = 0;
    int64_t deadline = ts_now_ms() + 10000;
    for (;;) {
        uint8_t chunk[65536];
        size_t n = 0;
        btc_error err;
        btc_status st;
        TS_RUN(st, &err, btc_sock_recv(s, chunk, sizeof chunk, 0, &n, &err));
        if (st == BTC_OK) {
            cr_assert_leq(total + n, cap, "more bytes arrived than were reported sent (%zu > %zu)", total + n, cap);
            memcpy(dst + total, chunk, n);
            total += n;
            continue;
        }
        if (st == BTC_ERR_CLOSED) {
            cr_assert(until_eof, "unexpected EOF after %zu bytes", total);
            return total;
        }
        cr_assert_eq(st, BTC_ERR_WOULD_BLOCK, "draining: %s (%s)", btc_status_name(st), err.message);
        if (!until_eof) {
            return total;
        }
        int64_t left = deadline - ts_now_ms();
        cr_assert_gt(left, 0, "no EOF within 10 s");
        TS_RUN(st, &err, btc_sock_wait(s, left, BTC_EV_RECV, NULL, NULL, &err));
    }
}

/* A thread that runs send_complete. */
typedef struct sender {
    const btc_sock *s;
    const void *data;
    size_t len;
    int64_t timeout_ms;
    btc_interrupt *intr;
    btc_status st;
    btc_error err;
    int64_t done_us;
    ts_thread *thread;
} sender;

static void sender_main(void *arg)
{
    sender *w = arg;
    w->st = btc_sock_send_complete(w->s, w->data, w->len, w->timeout_ms, w->intr, &w->err);
    w->done_us = ts_now_us();
}

static void sender_start(sender *w, const btc_sock *s, const void *data, size_t len, int64_t timeout_ms)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->data = data;
    w->len = len;
    w->timeout_ms = timeout_ms;
    w->thread = ts_thread_start(sender_main, w);
    cr_assert_not_null(w->thread);
}

static void sender_join_ok(sender *w)
{
    ts_thread_join(w->thread);
    w->thread = NULL;
    cr_assert_eq(w->st, BTC_OK, "writer thread: %s (%s)", btc_status_name(w->st), w->err.message);
    cr_assert_eq(w->err.bytes, w->len);
}

static uint8_t pattern_byte(size_t i) { return (uint8_t)((i * 7u + i / 251u) % 251u); }

static void fill_pattern(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = pattern_byte(i);
    }
}

/* ---- request / reply ---------------------------------------------------------- */

static void request_reply(transport t)
{
    btc_sock cli = BTC_SOCK_INIT;
    btc_sock srv = BTC_SOCK_INIT;
    connect_pair(t, &cli, &srv);
    for (int round = 0; round < 50; round++) {
        char req[64];
        char rep[64];
        snprintf(req, sizeof req, "GET /item/%d", round);
        snprintf(rep, sizeof rep, "200 OK %d", round * round);
        char line[80];
        snprintf(line, sizeof line, "%s\n", req);
        send_all(&cli, line, strlen(line));
        expect_line(&srv, req);
        snprintf(line, sizeof line, "%s\n", rep);
        send_all(&srv, line, strlen(line));
        expect_line(&cli, rep);
    }
    close_pair(&cli, &srv);
}

Test(real, request_reply_pair) { request_reply(VIA_PAIR); }
Test(real, request_reply_tcp) { request_reply(VIA_TCP); }

/* ---- zero over-read ----------------------------------------------------------- */

static void zero_over_read(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_error err;
    size_t n = 0;
    TS_CHECK_OK(&err, btc_sock_send(&a, "abc\ndef", 7, 0, &n, &err));
    cr_assert_eq(n, 7);
    expect_line(&b, "abc");
    char buf[16];
    memset(buf, 0, sizeof buf);
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 3, "%s: %zu bytes after the line, expected 3", transport_name(t), n);
    cr_assert_str_eq(buf, "def");

    /* several lines in one chunk, then nothing left over */
    send_all(&a, "one\ntwo\n\nthree\n", 15);
    expect_line(&b, "one");
    expect_line(&b, "two");
    expect_line(&b, "");
    expect_line(&b, "three");
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, TS_EAGAIN, &err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));

    /* another terminator byte */
    send_all(&a, "k=v;rest", 8);
    size_t len = 0;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, ';', 5000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, 3);
    cr_assert_str_eq(buf, "k=v");
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(buf, "rest", 4), 0);
    close_pair(&a, &b);
}

Test(real, zero_over_read_pair) { zero_over_read(VIA_PAIR); }
Test(real, zero_over_read_tcp) { zero_over_read(VIA_TCP); }

/* ---- EOF ------------------------------------------------------------------------ */

static void eof_mid_line(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_error err;
    send_all(&a, "whole\npartial", 13);
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    expect_line(&b, "whole");
    char buf[64];
    memset(buf, 0x5a, sizeof buf);
    size_t len = 9999;
    TS_CHECK(BTC_ERR_CLOSED, &err,
             btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, 7, "%s: partial line of %zu bytes, expected 7", transport_name(t), len);
    cr_assert_eq(err.bytes, len);
    cr_assert_eq(memcmp(buf, "partial", 7), 0);
    cr_assert_eq(buf[7], '\0');
    /* and at EOF with nothing left */
    len = 9999;
    TS_CHECK(BTC_ERR_CLOSED, &err,
             btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, 0);
    cr_assert_eq(err.bytes, 0);
    cr_assert_eq(buf[0], '\0');
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(real, eof_mid_line_pair) { eof_mid_line(VIA_PAIR); }
Test(real, eof_mid_line_tcp) { eof_mid_line(VIA_TCP); }

/* ---- timeouts ------------------------------------------------------------------- */

static void recv_timeout(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_error err;
    char buf[64];
    size_t len = 9999;
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, sizeof buf, buf, &len, 0, &err));
    int64_t el = ts_now_us() - t0;
    cr_assert_eq(len, 0);
    cr_assert_eq(err.bytes, 0);
    cr_assert_geq(el, 99 * 1000, "timed out after %lld us", (long long)el);
    cr_assert_lt(el, 1100 * 1000, "timed out after %lld us", (long long)el);

    /* with part of a line: the part comes back and is not read again */
    send_all(&a, "abc", 3);
    len = 9999;
    t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, sizeof buf, buf, &len, 0, &err));
    el = ts_now_us() - t0;
    cr_assert_eq(len, 3, "%s: partial %zu bytes, expected 3", transport_name(t), len);
    cr_assert_eq(err.bytes, 3);
    cr_assert_eq(memcmp(buf, "abc", 3), 0);
    cr_assert_eq(buf[3], '\0');
    cr_assert_geq(el, 99 * 1000, "timed out after %lld us", (long long)el);
    cr_assert_lt(el, 1100 * 1000, "timed out after %lld us", (long long)el);
    send_all(&a, "def\n", 4);
    expect_line(&b, "def");

    /* zero timeout with a line waiting: one try suffices */
    send_all(&a, "now\n", 4);
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, NULL, NULL, &err));
    len = 0;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 0, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_str_eq(buf, "now");
    close_pair(&a, &b);
}

Test(real, recv_timeout_pair) { recv_timeout(VIA_PAIR); }
Test(real, recv_timeout_tcp) { recv_timeout(VIA_TCP); }

Test(real, recv_line_arriving_in_pieces)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_TCP, &a, &b);
    ts_delayed_send d1;
    ts_delayed_send d2;
    cr_assert(ts_delayed_send_start(&d1, btc_sock_get(&a), "first half, ", 12, 20));
    cr_assert(ts_delayed_send_join(&d1));
    cr_assert(ts_delayed_send_start(&d2, btc_sock_get(&a), "second half\nnext", 16, 50));
    char buf[64];
    size_t len = 0;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert(ts_delayed_send_join(&d2));
    cr_assert_str_eq(buf, "first half, second half");
    cr_assert_eq(ts_readable_bytes(btc_sock_get(&b)), 4, "bytes after the terminator were consumed");
    close_pair(&a, &b);
}

/* ---- interrupts ---------------------------------------------------------------- */

static void interrupt_wakes_recv(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    for (int with_partial = 0; with_partial < 2; with_partial++) {
        btc_interrupt_reset(&intr);
        if (with_partial) {
            send_all(&a, "ab", 2);
        }
        ts_delayed_trigger dt;
        cr_assert(ts_delayed_trigger_start(&dt, &intr, 50));
        char buf[64];
        size_t len = 9999;
        TS_CHECK(BTC_ERR_INTERRUPTED, &err,
                 btc_sock_recv_until_terminator(&b, '\n', 10000, &intr, sizeof buf, buf, &len, 0, &err));
        int64_t back = ts_now_us();
        int64_t fired = ts_delayed_trigger_join(&dt);
        cr_assert_lt(back - fired, 100 * 1000, "woke %lld us after the trigger", (long long)(back - fired));
        cr_assert_eq(len, with_partial ? 2u : 0u);
        cr_assert_eq(err.bytes, len);
        if (with_partial) {
            cr_assert_eq(memcmp(buf, "ab", 2), 0);
        }
    }
    btc_interrupt_destroy(&intr);
    close_pair(&a, &b);
}

Test(real, interrupt_wakes_recv_until_terminator_pair) { interrupt_wakes_recv(VIA_PAIR); }
Test(real, interrupt_wakes_recv_until_terminator_tcp) { interrupt_wakes_recv(VIA_TCP); }

static void interrupt_wakes_send(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    size_t prefill = ts_fill_send_buffer(btc_sock_get(&a));
    cr_assert_gt(prefill, 0);
    const size_t big = (size_t)4 << 20;
    uint8_t *data = malloc(big);
    cr_assert_not_null(data);
    fill_pattern(data, big);
    ts_delayed_trigger dt;
    cr_assert(ts_delayed_trigger_start(&dt, &intr, 50));
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_send_complete(&a, data, big, 10000, &intr, &err));
    int64_t back = ts_now_us();
    int64_t fired = ts_delayed_trigger_join(&dt);
    size_t sent = err.bytes;
    cr_assert_lt(back - fired, 100 * 1000, "woke %lld us after the trigger", (long long)(back - fired));
    cr_assert_lt(sent, big);
    /* err.bytes is exactly what the peer was given */
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    bool eof = false;
    size_t got = ts_drain_to_eof(btc_sock_get(&b), 10000, &eof);
    cr_assert(eof);
    cr_assert_eq(got, prefill + sent, "%s: peer read %zu, prefill %zu + reported %zu", transport_name(t), got, prefill,
                 sent);
    free(data);
    btc_interrupt_destroy(&intr);
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(real, interrupt_wakes_send_complete_pair) { interrupt_wakes_send(VIA_PAIR); }
Test(real, interrupt_wakes_send_complete_tcp) { interrupt_wakes_send(VIA_TCP); }

Test(real, interrupt_wakes_sock_wait)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_TCP, &a, &b);
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    ts_delayed_trigger dt;
    cr_assert(ts_delayed_trigger_start(&dt, &intr, 50));
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&b, BTC_TIMEOUT_INFINITE, BTC_EV_RECV, &ev, &intr, &err));
    int64_t back = ts_now_us();
    int64_t fired = ts_delayed_trigger_join(&dt);
    cr_assert_lt(back - fired, 100 * 1000, "woke %lld us after the trigger", (long long)(back - fired));
    cr_assert_eq(ev, 0);
    btc_interrupt_destroy(&intr);
    close_pair(&a, &b);
}

Test(real, one_try_even_with_interrupt_set)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_PAIR, &a, &b);
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    btc_interrupt_trigger(&intr);
    /* a small send completes in its one attempt */
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, "hi\n", 3, 1000, &intr, &err));
    cr_assert_eq(err.bytes, 3);
    /* a waiting line is read in the one try before the interrupt is looked at */
    char buf[16];
    size_t len = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 1000, &intr, sizeof buf, buf, &len, 0, &err));
    cr_assert_str_eq(buf, "hi");
    /* with nothing to read, the interrupt ends it at once */
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_INTERRUPTED, &err,
             btc_sock_recv_until_terminator(&b, '\n', 10000, &intr, sizeof buf, buf, &len, 0, &err));
    cr_assert_lt(ts_now_us() - t0, 100 * 1000);
    /* zero timeout: one send still happens */
    btc_interrupt_reset(&intr);
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, "zz\n", 3, 0, NULL, &err));
    expect_line(&b, "zz");
    btc_interrupt_destroy(&intr);
    close_pair(&a, &b);
}

/* ---- closed peer ------------------------------------------------------------------ */

/* SIGPIPE is at its default (terminate) here: a library that let it through would kill the test. */
static void send_to_closed_peer(transport t)
{
    (void)ts_sigpipe_default();
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
    /* TCP may accept a first write before the reset comes back: retry a little. */
    btc_status st = BTC_OK;
    for (int k = 0; k < 100 && st == BTC_OK; k++) {
        TS_RUN(st, &err, btc_sock_send_complete(&a, "hello\n", 6, 1000, NULL, &err));
        if (st == BTC_OK) {
            ts_sleep_ms(10);
        }
    }
    cr_assert_eq(st, BTC_ERR_IO, "%s: sending to a closed peer gave %s", transport_name(t), btc_status_name(st));
    cr_assert(err.code == TS_EPIPE || err.code == TS_ECONNRESET || err.code == TS_ECONNABORTED,
              "code %d, expected EPIPE or ECONNRESET", err.code);
    cr_assert_eq(err.bytes, 0);
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
}

Test(real, send_to_closed_peer_pair) { send_to_closed_peer(VIA_PAIR); }
Test(real, send_to_closed_peer_tcp) { send_to_closed_peer(VIA_TCP); }

/* ---- send timeout: exact byte count -------------------------------------------------- */

static void send_timeout_exact(transport t, bool blocking)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    if (blocking) {
        cr_assert(ts_set_blocking(btc_sock_get(&a), true));
    }
    const size_t big = (size_t)8 << 20;
    uint8_t *data = malloc(big);
    uint8_t *got = malloc(big);
    cr_assert(data != NULL && got != NULL);
    fill_pattern(data, big);
    btc_error err;
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_send_complete(&a, data, big, 200, NULL, &err));
    int64_t el = ts_now_us() - t0;
    size_t sent = err.bytes;
    cr_assert_geq(el, 199 * 1000, "timed out after %lld us", (long long)el);
    cr_assert_lt(el, 1200 * 1000, "%s%s: timed out after %lld us", transport_name(t), blocking ? " (blocking)" : "",
                 (long long)el);
    cr_assert_gt(sent, 0);
    cr_assert_lt(sent, big);
    /* the message says what happened in numbers */
    char num[32];
    snprintf(num, sizeof num, "%zu", sent);
    cr_assert_not_null(strstr(err.message, num), "message \"%s\" does not mention the %zu bytes sent", err.message,
                       sent);
    snprintf(num, sizeof num, "%zu", big);
    cr_assert_not_null(strstr(err.message, num), "message \"%s\" does not mention the %zu bytes asked", err.message,
                       big);
    size_t n;
    if (t == VIA_PAIR) {
        /* AF_UNIX: what was sent is already queued at the peer */
        n = read_everything(&b, got, big, false);
        cr_assert_eq(n, sent, "peer can read %zu bytes, send_complete reported %zu", n, sent);
        TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
        n += read_everything(&b, got + n, big - n, true);
    } else {
        /* TCP: bytes may still be in flight; close and read to EOF */
        TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
        n = read_everything(&b, got, big, true);
    }
    cr_assert_eq(n, sent, "%s: peer read %zu bytes, send_complete reported %zu", transport_name(t), n, sent);
    cr_assert_eq(memcmp(got, data, n), 0, "the peer got different bytes than were sent");
    free(data);
    free(got);
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(real, send_timeout_reports_exact_bytes_pair) { send_timeout_exact(VIA_PAIR, false); }
Test(real, send_timeout_reports_exact_bytes_tcp) { send_timeout_exact(VIA_TCP, false); }
Test(real, send_timeout_on_blocking_socket_pair) { send_timeout_exact(VIA_PAIR, true); }
Test(real, send_timeout_on_blocking_socket_tcp) { send_timeout_exact(VIA_TCP, true); }

/* ---- big lines and many lines ------------------------------------------------------ */

static void one_mib_line(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    const size_t line = (size_t)1 << 20;
    uint8_t *data = malloc(line + 1);
    char *buf = malloc(line + 1);
    cr_assert(data != NULL && buf != NULL);
    for (size_t i = 0; i < line; i++) {
        data[i] = (uint8_t)('a' + i % 26);
    }
    data[line] = '\n';
    sender w;
    sender_start(&w, &a, data, line + 1, 10000);
    size_t len = 0;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 10000, NULL, line + 1, buf, &len, 0, &err));
    sender_join_ok(&w);
    cr_assert_eq(len, line);
    cr_assert_eq(err.bytes, line + 1);
    cr_assert_eq(buf[line], '\0');
    cr_assert_eq(memcmp(buf, data, line), 0, "the line differs from what was sent");
    free(data);
    free(buf);
    close_pair(&a, &b);
}

Test(real, one_mib_line_pair) { one_mib_line(VIA_PAIR); }
Test(real, one_mib_line_tcp) { one_mib_line(VIA_TCP); }

static void pipelined_lines(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    enum { LINES = 10000 };
    size_t cap = (size_t)LINES * 160;
    char *all = malloc(cap);
    cr_assert_not_null(all);
    size_t used = 0;
    for (int k = 0; k < LINES; k++) {
        int pad = (k * 37) % 120;
        int w = snprintf(all + used, cap - used, "line %d %.*s|\n", k, pad,
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        cr_assert_gt(w, 0);
        used += (size_t)w;
    }
    sender w;
    sender_start(&w, &a, all, used, 20000);
    size_t pos = 0;
    for (int k = 0; k < LINES; k++) {
        char buf[200];
        size_t len = 0;
        btc_error err;
        btc_status st;
        TS_RUN(st, &err, btc_sock_recv_until_terminator(&b, '\n', 10000, NULL, sizeof buf, buf, &len, 0, &err));
        cr_assert_eq(st, BTC_OK, "line %d: %s (%s)", k, btc_status_name(st), err.message);
        const char *want = all + pos;
        const char *nl = memchr(want, '\n', used - pos);
        cr_assert_not_null(nl);
        size_t want_len = (size_t)(nl - want);
        cr_assert_eq(len, want_len, "line %d: length %zu, expected %zu", k, len, want_len);
        cr_assert_eq(memcmp(buf, want, len), 0, "line %d differs", k);
        pos += want_len + 1;
    }
    sender_join_ok(&w);
    cr_assert_eq(pos, used);
    cr_assert_eq(ts_readable_bytes(btc_sock_get(&b)), 0, "bytes left over after the last line");
    free(all);
    close_pair(&a, &b);
}

Test(real, pipelined_lines_pair) { pipelined_lines(VIA_PAIR); }
Test(real, pipelined_lines_tcp) { pipelined_lines(VIA_TCP); }

/* ---- blocking sockets -------------------------------------------------------------- */

static void blocking_recv(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    cr_assert(ts_set_blocking(btc_sock_get(&b), true));
    btc_error err;
    char buf[64];
    size_t len = 9999;
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, sizeof buf, buf, &len, 0, &err));
    int64_t el = ts_now_us() - t0;
    cr_assert_eq(len, 0);
    cr_assert_geq(el, 99 * 1000);
    cr_assert_lt(el, 1100 * 1000, "%s: a blocking socket overran the timeout: %lld us", transport_name(t),
                 (long long)el);
    /* partial line on a blocking socket: still times out, hands the part back */
    send_all(&a, "xy", 2);
    len = 9999;
    t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, sizeof buf, buf, &len, 0, &err));
    el = ts_now_us() - t0;
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(buf, "xy", 2), 0);
    cr_assert_lt(el, 1100 * 1000);
    /* a line that arrives later is read normally */
    ts_delayed_send ds;
    cr_assert(ts_delayed_send_start(&ds, btc_sock_get(&a), "late\n", 5, 50));
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert(ts_delayed_send_join(&ds));
    cr_assert_str_eq(buf, "late");
    /* is_connected never blocks */
    t0 = ts_now_us();
    TS_CHECK_OK(&err, btc_sock_is_connected(&b, &err));
    cr_assert_lt(ts_now_us() - t0, 500 * 1000, "is_connected blocked");
    close_pair(&a, &b);
}

Test(real, blocking_socket_recv_honours_timeout_pair) { blocking_recv(VIA_PAIR); }
Test(real, blocking_socket_recv_honours_timeout_tcp) { blocking_recv(VIA_TCP); }

/* ---- max_data -------------------------------------------------------------------- */

Test(real, max_data_exactly_line_plus_one)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_PAIR, &a, &b);
    send_all(&a, "hello\nhello\nX", 13);
    btc_error err;
    unsigned char buf[16];
    size_t len = 0;

    memset(buf, 0xA5, sizeof buf);
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, 6, (char *)buf, &len, 0, &err));
    cr_assert_eq(len, 5);
    cr_assert_eq(memcmp(buf, "hello", 5), 0);
    cr_assert_eq(buf[5], '\0');
    for (size_t k = 6; k < sizeof buf; k++) {
        cr_assert_eq(buf[k], 0xA5, "byte %zu past max_data was written", k);
    }

    memset(buf, 0xA5, sizeof buf);
    len = 0;
    TS_CHECK(BTC_ERR_TOO_LARGE, &err,
             btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, 5, (char *)buf, &len, 0, &err));
    cr_assert_eq(len, 5, "TOO_LARGE hands back all max_data bytes");
    cr_assert_eq(err.bytes, 5);
    cr_assert_eq(memcmp(buf, "hello", 5), 0);
    for (size_t k = 5; k < sizeof buf; k++) {
        cr_assert_eq(buf[k], 0xA5, "byte %zu at or past max_data was written", k);
    }
    /* the terminator is still in the socket */
    char c = 0;
    size_t n = 0;
    TS_CHECK_OK(&err, btc_sock_recv(&b, &c, 1, 0, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_eq(c, '\n', "the byte after max_data was consumed");
    TS_CHECK_OK(&err, btc_sock_recv(&b, &c, 1, 0, &n, &err));
    cr_assert_eq(c, 'X');

    /* the smallest buffer holds the empty line */
    send_all(&a, "\n", 1);
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, 1, (char *)buf, &len, 0, &err));
    cr_assert_eq(len, 0);
    cr_assert_eq(buf[0], '\0');
    close_pair(&a, &b);
}

Test(real, recv_until_argument_checks)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_PAIR, &a, &b);
    send_all(&a, "data\n", 5);
    btc_error err;
    char buf[16];
    size_t len = 0;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, 0, buf, &len, 0, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, 16, NULL, &len, 0, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, 16, buf, NULL, 0, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', -1, NULL, 16, buf, &len, 0, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, 16, buf, &len, 0x2u, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, 16, buf, &len, BTC_RECV_UTF8 | 0x80u, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send_complete(&a, NULL, 4, 100, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send_complete(&a, "x", 1, -1, NULL, &err));
    /* nothing was consumed by the refused calls */
    expect_line(&b, "data");
    /* len 0 succeeds at once and sends nothing */
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, "x", 0, 100, NULL, &err));
    cr_assert_eq(err.bytes, 0);
    cr_assert_eq(ts_readable_bytes(btc_sock_get(&b)), 0);
    close_pair(&a, &b);
}

/* "buf[*len] = '\0' whenever *len < max_data": also when the call is refused before reading. */
Test(real, recv_until_nul_terminates_on_refused_calls)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_PAIR, &a, &b);
    btc_sock empty = BTC_SOCK_INIT;
    btc_interrupt zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    btc_error err;
    char buf[16];
    size_t len;

    memset(buf, 'Z', sizeof buf);
    len = 9999;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, NULL, sizeof buf, buf, &len, 0x2u, &err));
    cr_assert_eq(len, 0);
    cr_assert_eq(err.bytes, 0);
    cr_assert_eq(buf[0], '\0', "unknown flags: buf[0] is not NUL although *len (0) < max_data");

    memset(buf, 'Z', sizeof buf);
    len = 9999;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', -1, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, 0);
    cr_assert_eq(buf[0], '\0', "negative timeout: buf[0] is not NUL although *len (0) < max_data");

    memset(buf, 'Z', sizeof buf);
    len = 9999;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_recv_until_terminator(&b, '\n', 100, &zeroed, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, 0);
    cr_assert_eq(buf[0], '\0', "invalid interrupt: buf[0] is not NUL although *len (0) < max_data");

    memset(buf, 'Z', sizeof buf);
    len = 9999;
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err,
             btc_sock_recv_until_terminator(&empty, '\n', 100, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, 0);
    cr_assert_eq(buf[0], '\0', "empty sock: buf[0] is not NUL although *len (0) < max_data");
    close_pair(&a, &b);
}

/* ---- UTF-8 ------------------------------------------------------------------------- */

static void expect_invalid_utf8(const btc_sock *a, const btc_sock *b, const char *line)
{
    size_t n = strlen(line);
    send_all(a, line, n);
    char buf[64];
    size_t len = 0;
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_UTF8, &err,
             btc_sock_recv_until_terminator(b, '\n', 5000, NULL, sizeof buf, buf, &len, BTC_RECV_UTF8, &err));
    cr_assert_eq(len, n, "INVALID_UTF8: *len %zu, expected the line plus its terminator (%zu)", len, n);
    cr_assert_eq(err.bytes, n);
    cr_assert_eq(memcmp(buf, line, n), 0, "the raw bytes are handed back");
    cr_assert_eq(buf[n], '\0');
    /* the whole line was consumed: the next line reads cleanly */
    send_all(a, "ok\n", 3);
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(b, '\n', 5000, NULL, sizeof buf, buf, &len, BTC_RECV_UTF8, &err));
    cr_assert_str_eq(buf, "ok");
}

Test(real, utf8_rejects_invalid_lines)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_PAIR, &a, &b);
    expect_invalid_utf8(&a, &b, "\xff\n");
    expect_invalid_utf8(&a, &b, "ab\xc3\n");           /* truncated sequence */
    expect_invalid_utf8(&a, &b, "\xc0\xaf\n");         /* overlong '/' */
    expect_invalid_utf8(&a, &b, "\xed\xa0\x80\n");     /* UTF-16 surrogate */
    expect_invalid_utf8(&a, &b, "\xf4\x90\x80\x80\n"); /* past U+10FFFF */
    expect_invalid_utf8(&a, &b, "x\x80y\n");           /* lone continuation byte */
    close_pair(&a, &b);
}

Test(real, utf8_accepts_valid_multibyte)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_TCP, &a, &b);
    const char *line = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e \xef\xbf\xbd \xf4\x8f\xbf\xbf";
    char framed[64];
    snprintf(framed, sizeof framed, "%s\n", line);
    send_all(&a, framed, strlen(framed));
    char buf[64];
    size_t len = 0;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, sizeof buf, buf, &len, BTC_RECV_UTF8, &err));
    cr_assert_eq(len, strlen(line));
    cr_assert_str_eq(buf, line);
    /* without the flag, bytes are bytes */
    send_all(&a, "\xff\xfe\n", 3);
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&b, '\n', 5000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(len, 2);
    cr_assert_eq((unsigned char)buf[0], 0xff);
    close_pair(&a, &b);
}

/* ---- is_connected ------------------------------------------------------------------- */

static void is_connected(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_is_connected(&a, &err));
    TS_CHECK_OK(&err, btc_sock_is_connected(&b, &err));
    /* data waiting: still connected, and the data is still there */
    send_all(&a, "keep\n", 5);
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_is_connected(&b, &err));
    TS_CHECK_OK(&err, btc_sock_is_connected(&b, &err));
    cr_assert_eq(ts_readable_bytes(btc_sock_get(&b)), 5, "is_connected consumed data");
    expect_line(&b, "keep");
    /* peer gone */
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_sock_is_connected(&b, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
    /* empty */
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_sock_is_connected(&b, &err));
}

Test(real, is_connected_pair) { is_connected(VIA_PAIR); }
Test(real, is_connected_tcp) { is_connected(VIA_TCP); }

Test(real, is_connected_unconnected_tcp_is_enotconn)
{
    btc_sock s = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&s, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_CODE(BTC_ERR_IO, TS_ENOTCONN, &err, btc_sock_is_connected(&s, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
}

Test(real, is_connected_never_blocks)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(VIA_TCP, &a, &b);
    cr_assert(ts_set_blocking(btc_sock_get(&a), true));
    cr_assert(ts_set_blocking(btc_sock_get(&b), true));
    btc_error err;
    for (int k = 0; k < 3; k++) {
        int64_t t0 = ts_now_us();
        TS_CHECK_OK(&err, btc_sock_is_connected(&b, &err));
        cr_assert_lt(ts_now_us() - t0, 500 * 1000, "is_connected blocked on a blocking socket");
    }
    close_pair(&a, &b);
}
