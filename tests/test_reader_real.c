/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reader_real.c - btc_reader over real sockets: the library's
 * socket pair (AF_UNIX on POSIX) and TCP on 127.0.0.1, both modes.
 *
 * The point of these cases is what a fake cannot show: the kernel's own
 * account of what the socket gave up. After a sync (lazy) or after every
 * call (BTC_READER_EXACT), the next byte a plain recv returns must be the
 * byte after the last data the reader handed over: zero over-read.
 *
 * Portable like test_real.c (the Windows runner builds it unchanged): only
 * TestSuite/Test and the plain cr_assert family, the OS reached only
 * through support.h. Timing is asserted only where a timeout is the
 * behaviour, with generous bounds.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btcsock.h"
#include "support.h"

TestSuite(reader_real, .timeout = 120);

typedef enum transport { VIA_PAIR, VIA_TCP } transport;

static void connect_pair(transport t, btc_sock *a, btc_sock *b)
{
    btc_error err;
    bool ok = t == VIA_PAIR ? btc_make_socket_pair(a, b, &err) == BTC_OK : ts_tcp_pair(a, b);
    cr_assert(ok, "cannot connect a %s pair", t == VIA_PAIR ? "socket" : "TCP");
}

static void close_pair(btc_sock *a, btc_sock *b)
{
    cr_assert_eq(btc_sock_reset(a, NULL), BTC_OK);
    cr_assert_eq(btc_sock_reset(b, NULL), BTC_OK);
}

/* The next byte the socket holds, by a plain peek (waiting up to 5 s for it). */
static char next_byte(const btc_sock *s)
{
    btc_error err;
    char c = 0;
    size_t n = 0;
    TS_CHECK_OK(&err, btc_sock_wait(s, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_recv(s, &c, 1, MSG_PEEK, &n, &err));
    cr_assert_eq(n, 1);
    return c;
}

static void expect_line(btc_reader *r, const char *want)
{
    const char *line = NULL;
    size_t len = 0;
    btc_error err;
    TS_CHECK_OK(&err, btc_reader_line(r, '\n', 5000, NULL, &line, &len, &err));
    cr_assert_eq(len, strlen(want), "line of %zu bytes, expected \"%s\"", len, want);
    cr_assert_str_eq(line, want);
}

/*
 * Lines queued at once, k of them read, then a sync (lazy; EXACT needs
 * none): the socket's next byte is the first of line k + 1.
 */
static void zero_over_read(transport t, unsigned flags)
{
    static const char in[] = "l0\nline 1\n\nl3\nTAIL";
    static const char *const lines[] = {"l0", "line 1", "", "l3"};
    static const char firsts[] = {'l', 'l', '\n', 'l', 'T'};
    for (size_t k = 0; k <= 4; k++) {
        btc_sock a = BTC_SOCK_INIT;
        btc_sock b = BTC_SOCK_INIT;
        connect_pair(t, &a, &b);
        btc_error err;
        TS_CHECK_OK(&err, btc_sock_send_complete(&a, in, sizeof in - 1, 5000, NULL, &err));
        (void)next_byte(&b); /* everything sent is there */
        char win[64];
        btc_reader r;
        TS_CHECK_OK(&err, btc_reader_init(&r, &b, win, sizeof win, flags, &err));
        for (size_t i = 0; i < k; i++) {
            expect_line(&r, lines[i]);
            if ((flags & BTC_READER_EXACT) != 0)
                cr_assert_eq(next_byte(&b), firsts[i + 1], "EXACT, after line %zu the socket is not at line %zu", i,
                             i + 1);
        }
        TS_CHECK_OK(&err, btc_reader_sync(&r, &err));
        cr_assert_eq(next_byte(&b), firsts[k], "after %zu lines and a sync the next byte is '%c'", k, next_byte(&b));
        const void *held = NULL;
        size_t held_len = 1;
        TS_CHECK_OK(&err, btc_reader_detach(&r, &held, &held_len, &err));
        cr_assert_eq(held_len, 0);
        close_pair(&a, &b);
    }
}

Test(reader_real, zero_over_read_after_sync_pair) { zero_over_read(VIA_PAIR, 0); }
Test(reader_real, zero_over_read_after_sync_tcp) { zero_over_read(VIA_TCP, 0); }
Test(reader_real, zero_over_read_after_every_line_exact_pair) { zero_over_read(VIA_PAIR, BTC_READER_EXACT); }
Test(reader_real, zero_over_read_after_every_line_exact_tcp) { zero_over_read(VIA_TCP, BTC_READER_EXACT); }

/* ---- a stream from another thread ---------------------------------------------------------- */

typedef struct writer {
    const btc_sock *s;
    const uint8_t *data;
    size_t len;
    bool ok;
} writer;

static void writer_main(void *arg)
{
    writer *w = arg;
    /* In pieces of odd sizes, so that lines straddle whatever the reader peeks. */
    size_t off = 0;
    size_t piece = 1;
    w->ok = true;
    while (off < w->len && w->ok) {
        size_t n = w->len - off < piece ? w->len - off : piece;
        w->ok = btc_sock_send_complete(w->s, w->data + off, n, 20000, NULL, NULL) == BTC_OK;
        off += n;
        piece = piece * 7 % 4099 + 1;
    }
}

/*
 * About 1 MiB of lines of random length (a few longer than the window,
 * which come back as TOO_LARGE pieces), then a tail; read with a small and a
 * large window, checking every byte, and after a sync the tail is next.
 */
static void stream(transport t, unsigned flags, size_t cap)
{
    size_t n = (size_t)1 << 20;
    uint8_t *data = malloc(n + 5);
    char *win = malloc(cap);
    cr_assert(data != NULL && win != NULL);
    uint64_t x = 0x9e3779b97f4a7c15u ^ cap;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (uint8_t)(x % 96 == 0 ? '\n' : 'a' + x % 26);
    }
    data[n - 1] = '\n';
    memcpy(data + n, "TAIL!", 5);
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    writer w = {&a, data, n + 5, false};
    ts_thread *th = ts_thread_start(writer_main, &w);
    cr_assert_not_null(th);
    btc_reader r;
    btc_error err;
    TS_CHECK_OK(&err, btc_reader_init(&r, &b, win, cap, flags, &err));
    size_t pos = 0;
    size_t lines = 0;
    while (pos < n) {
        const char *line = NULL;
        size_t len = 0;
        btc_status st = btc_reader_line(&r, '\n', 20000, NULL, &line, &len, &err);
        cr_assert(st == BTC_OK || st == BTC_ERR_TOO_LARGE, "at %zu: %s (%s)", pos, btc_status_name(st), err.message);
        cr_assert(memcmp(line, data + pos, len) == 0, "bytes differ at stream offset %zu", pos);
        pos += len + (st == BTC_OK ? 1 : 0);
        lines++;
        if (lines % 1000 == 0)
            TS_CHECK_OK(&err, btc_reader_sync(&r, &err));
    }
    TS_CHECK_OK(&err, btc_reader_sync(&r, &err));
    char tail[5];
    TS_CHECK_OK(&err, btc_reader_read(&r, tail, 5, 20000, NULL, &err));
    cr_assert(memcmp(tail, "TAIL!", 5) == 0, "the bytes after the last line are not the tail");
    ts_thread_join(th);
    cr_assert(w.ok, "the writer failed");
    close_pair(&a, &b);
    free(data);
    free(win);
}

Test(reader_real, stream_lazy_pair) { stream(VIA_PAIR, 0, 65536); }
Test(reader_real, stream_lazy_tcp) { stream(VIA_TCP, 0, 65536); }
Test(reader_real, stream_exact_pair) { stream(VIA_PAIR, BTC_READER_EXACT, 65536); }
Test(reader_real, stream_exact_tcp) { stream(VIA_TCP, BTC_READER_EXACT, 65536); }
Test(reader_real, stream_small_window_pair) { stream(VIA_PAIR, 0, 100); }
Test(reader_real, stream_small_window_tcp) { stream(VIA_TCP, BTC_READER_EXACT, 100); }

/* ---- waiting: timeouts, pieces, interrupts, blocking sockets -------------------------------- */

/* A line in two pieces: the first call times out holding the first piece, the next returns it whole. */
static void resume_after_timeout(transport t, unsigned flags, bool blocking)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    if (blocking)
        cr_assert(ts_set_blocking(b.fd, true), "cannot make the socket blocking");
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, "first ", 6, 5000, NULL, &err));
    (void)next_byte(&b);
    char win[64];
    btc_reader r;
    TS_CHECK_OK(&err, btc_reader_init(&r, &b, win, sizeof win, flags, &err));
    const char *line = NULL;
    size_t len = 0;
    int64_t t0 = ts_now_ms();
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_reader_line(&r, '\n', 100, NULL, &line, &len, &err));
    int64_t took = ts_now_ms() - t0;
    cr_assert_geq(took, 99, "timed out after %lld ms of 100", (long long)took);
    cr_assert_lt(took, 5000, "timed out after %lld ms of 100 (blocking %d)", (long long)took, blocking);
    cr_assert_eq(len, 0);
    ts_delayed_send d;
    cr_assert(ts_delayed_send_start(&d, a.fd, "second\nnext", 11, 50));
    expect_line(&r, "first second");
    cr_assert(ts_delayed_send_join(&d));
    TS_CHECK_OK(&err, btc_reader_sync(&r, &err));
    cr_assert_eq(next_byte(&b), 'n');
    close_pair(&a, &b);
}

Test(reader_real, resume_after_timeout_pair) { resume_after_timeout(VIA_PAIR, 0, false); }
Test(reader_real, resume_after_timeout_tcp_exact) { resume_after_timeout(VIA_TCP, BTC_READER_EXACT, false); }
Test(reader_real, blocking_socket_honours_the_timeout_pair) { resume_after_timeout(VIA_PAIR, 0, true); }
Test(reader_real, blocking_socket_honours_the_timeout_tcp) { resume_after_timeout(VIA_TCP, BTC_READER_EXACT, true); }

static void interrupt_wakes(transport t)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    char win[32];
    btc_reader r;
    TS_CHECK_OK(&err, btc_reader_init(&r, &b, win, sizeof win, 0, &err));
    ts_delayed_trigger d;
    cr_assert(ts_delayed_trigger_start(&d, &intr, 50));
    const char *line = NULL;
    size_t len = 0;
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_reader_line(&r, '\n', BTC_TIMEOUT_INFINITE, &intr, &line, &len, &err));
    int64_t fired = ts_delayed_trigger_join(&d);
    cr_assert_lt(ts_now_us() - fired, 5000000, "the interrupt took more than 5 s to wake the reader");
    btc_interrupt_reset(&intr);
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, "after\n", 6, 5000, NULL, &err));
    expect_line(&r, "after");
    btc_interrupt_destroy(&intr);
    close_pair(&a, &b);
}

Test(reader_real, interrupt_wakes_a_waiting_reader_pair) { interrupt_wakes(VIA_PAIR); }
Test(reader_real, interrupt_wakes_a_waiting_reader_tcp) { interrupt_wakes(VIA_TCP); }

/* ---- the end of the stream, and handing the socket on ------------------------------------------ */

static void peer_closes(transport t, unsigned flags)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, "whole\npartial", 13, 5000, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    char win[64];
    btc_reader r;
    TS_CHECK_OK(&err, btc_reader_init(&r, &b, win, sizeof win, flags, &err));
    expect_line(&r, "whole");
    const char *line = NULL;
    size_t len = 0;
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_reader_line(&r, '\n', 5000, NULL, &line, &len, &err));
    cr_assert_eq(len, 7);
    cr_assert_str_eq(line, "partial");
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_reader_line(&r, '\n', 5000, NULL, &line, &len, &err));
    cr_assert_eq(len, 0);
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(reader_real, peer_closes_mid_line_pair) { peer_closes(VIA_PAIR, 0); }
Test(reader_real, peer_closes_mid_line_tcp) { peer_closes(VIA_TCP, BTC_READER_EXACT); }

/* A SAM-like hand-off: a reply line through the reader, then raw bytes read directly from the socket. */
static void hand_off(transport t, unsigned flags)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    connect_pair(t, &a, &b);
    btc_error err;
    static const char in[] = "HELLO REPLY RESULT=OK\nSTREAM STATUS RESULT=OK\n\x01\x02raw bytes\n";
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, in, sizeof in - 1, 5000, NULL, &err));
    (void)next_byte(&b);
    char win[4096];
    btc_reader r;
    TS_CHECK_OK(&err, btc_reader_init(&r, &b, win, sizeof win, flags, &err));
    expect_line(&r, "HELLO REPLY RESULT=OK");
    expect_line(&r, "STREAM STATUS RESULT=OK");
    const void *held = NULL;
    size_t held_len = 0;
    TS_CHECK_OK(&err, btc_reader_detach(&r, &held, &held_len, &err));
    cr_assert_eq(held_len, 0);
    char raw[32];
    size_t n = 0;
    TS_CHECK_OK(&err, btc_sock_recv(&b, raw, sizeof raw, 0, &n, &err));
    cr_assert_eq(n, 12, "the raw part is %zu bytes, expected 12", n);
    cr_assert(memcmp(raw, "\x01\x02raw bytes\n", 12) == 0, "the raw part differs");
    close_pair(&a, &b);
}

Test(reader_real, hand_off_to_raw_reads_pair) { hand_off(VIA_PAIR, 0); }
Test(reader_real, hand_off_to_raw_reads_tcp) { hand_off(VIA_TCP, BTC_READER_EXACT); }
