/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake.c - the contract of btc_fake itself (include/btcsock/fake.h).
 *
 * Most tests drive the fake's syscall table directly, so they check the fake
 * and nothing else; the last group checks that the library's high-level
 * operations, run against an exhausted fake with no time limit, end in a
 * terminal result instead of hanging.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(fake, .timeout = 20);

/* ---- direct slot access ---------------------------------------------------- */

static btc_ssize_t fk_recv(btc_fake *f, void *buf, size_t n, bool peek)
{
    const btc_sys *sys = btc_fake_sys(f);
    return sys->recv(sys->ctx, BTC_FAKE_FD, buf, n, (peek ? MSG_PEEK : 0) | BTC_MSG_DONTWAIT);
}

static btc_ssize_t fk_send(btc_fake *f, const void *buf, size_t n)
{
    const btc_sys *sys = btc_fake_sys(f);
    return sys->send(sys->ctx, BTC_FAKE_FD, buf, n, BTC_MSG_DONTWAIT);
}

static int fk_last_error(btc_fake *f)
{
    const btc_sys *sys = btc_fake_sys(f);
    return sys->last_error(sys->ctx);
}

static int64_t fk_now(btc_fake *f)
{
    const btc_sys *sys = btc_fake_sys(f);
    return sys->now_ms(sys->ctx);
}

/* One-item wait on the fake; *occurred gets the item's events. */
static int fk_wait(btc_fake *f, const btc_sock *s, btc_events requested, btc_socket_t wake, int timeout_ms,
                   btc_events *occurred)
{
    const btc_sys *sys = btc_fake_sys(f);
    btc_wait_item item = {s, requested, 0xff};
    int r = sys->wait(sys->ctx, &item, 1, wake, timeout_ms);
    *occurred = item.occurred;
    return r;
}

/* Expects a slot failure (-1) with the given error code. */
#define FK_ASSERT_FAIL(r, f, code)                                                                          \
    do {                                                                                                    \
        cr_assert_eq((long long)(r), -1LL, "expected -1, got %lld", (long long)(r));                        \
        int fk_e_ = fk_last_error(f);                                                                       \
        cr_assert_eq(fk_e_, (code), "last_error %d (%s), expected %d (%s)", fk_e_, strerror(fk_e_), (code), \
                     strerror(code));                                                                       \
    } while (0)

#define FK_ASSERT_RET(r, want)                                                                           \
    cr_assert_eq((long long)(r), (long long)(want), "slot returned %lld, expected %lld", (long long)(r), \
                 (long long)(want))

/* A fresh fake with input and an output record. */
static void fk_setup_io(btc_fake *f, const char *in, uint8_t *out, size_t cap)
{
    btc_sock s;
    fs_setup(f, &s);
    btc_fake_set_input(f, in, strlen(in));
    btc_fake_set_output(f, out, cap);
}

static bool fk_is_eagain(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

#define FK_ASSERT_EAGAIN(r, f)                                                                         \
    do {                                                                                               \
        cr_assert_eq((long long)(r), -1LL, "expected -1 (EAGAIN), got %lld", (long long)(r));          \
        int fk_e_ = fk_last_error(f);                                                                  \
        cr_assert(fk_is_eagain(fk_e_), "last_error %d (%s), expected EAGAIN", fk_e_, strerror(fk_e_)); \
    } while (0)

/* ---- defaults ----------------------------------------------------------------- */

Test(fake, init_defaults)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    TS_ASSERT_I64(f.now_ms, FS_T0, "initial virtual clock");
    TS_ASSERT_SZ(f.consumed, 0, "consumed");
    TS_ASSERT_SZ(f.sent, 0, "sent");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
    TS_ASSERT_SZ(btc_fake_readable(&f), 0, "readable");
    cr_assert_eq(btc_sock_get(&s), (btc_socket_t)BTC_FAKE_FD, "fd %d, expected %d", (int)btc_sock_get(&s), BTC_FAKE_FD);
    cr_assert_eq(s.sys, btc_fake_sys(&f), "btc_fake_sock must install the fake's table");
    cr_assert_eq(btc_sys_validate(btc_fake_sys(&f), NULL), BTC_OK, "the fake's table must validate");
    for (int op = 0; op < BTC_FAKE_OP_COUNT; op++) {
        cr_assert_eq(f.calls[op], 0ul, "calls[%d] = %lu before any call", op, f.calls[op]);
    }
    /* No input and EOF at once: a read returns 0. */
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
    TS_ASSERT_I64(fk_now(&f), FS_T0, "clock after a read");
}

Test(fake, sock_overwrites_without_closing)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_sock s = {12345, NULL};
    btc_fake_sock(&f, &s);
    cr_assert_eq(s.fd, (btc_socket_t)BTC_FAKE_FD, "fd %d", (int)s.fd);
    cr_assert_eq(f.calls[BTC_FAKE_ANY], 0ul, "btc_fake_sock made %lu slot calls", f.calls[BTC_FAKE_ANY]);
    cr_assert(!f.closed, "btc_fake_sock must not close anything");
}

Test(fake, close_through_reset_records_closed)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_error err;
    btc_status st = btc_sock_reset(&s, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert(f.closed, "closing the fake socket must set f.closed");
    cr_assert(btc_sock_is_empty(&s), "reset leaves the sock empty");
    cr_assert_geq(f.calls[BTC_FAKE_OTHER], 1ul, "close counts as OTHER: %lu", f.calls[BTC_FAKE_OTHER]);
}

/* ---- input and chunking ----------------------------------------------------- */

Test(fake, input_peek_does_not_consume_read_does)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    static const char in[] = "hello world";
    btc_fake_set_input(&f, in, 11);
    TS_ASSERT_SZ(btc_fake_readable(&f), 11, "readable");
    char buf[32];
    memset(buf, 0, sizeof buf);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 11);
    cr_assert_arr_eq(buf, in, 11, "peeked bytes differ");
    TS_ASSERT_SZ(f.consumed, 0, "consumed after peek");
    FK_ASSERT_RET(fk_recv(&f, buf, 5, false), 5);
    cr_assert_arr_eq(buf, "hello", 5, "read bytes differ");
    TS_ASSERT_SZ(f.consumed, 5, "consumed after read 5");
    TS_ASSERT_SZ(btc_fake_readable(&f), 6, "readable after read 5");
    memset(buf, 0, sizeof buf);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 6);
    cr_assert_arr_eq(buf, " world", 6, "second peek");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 6);
    cr_assert_arr_eq(buf, " world", 6, "second read");
    TS_ASSERT_SZ(f.consumed, 11, "consumed");
    /* Default end: EOF at once after the input. */
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 0);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
    TS_ASSERT_SZ(f.consumed, 11, "consumed after EOF");
}

Test(fake, chunk_limits_peek_and_read)
{
    for (size_t mp = 1; mp <= 7; mp++) {
        for (size_t mr = 1; mr <= 5; mr++) {
            btc_fake f;
            btc_sock s;
            fs_setup(&f, &s);
            uint8_t in[40];
            fs_pattern(in, sizeof in, (unsigned)(mp * 10 + mr), -1);
            btc_fake_set_input(&f, in, sizeof in);
            btc_fake_set_chunks(&f, mp, mr, 0);
            uint8_t got[40];
            size_t pos = 0;
            while (pos < sizeof in) {
                uint8_t pk[64];
                btc_ssize_t p = fk_recv(&f, pk, sizeof pk, true);
                size_t want_p = sizeof in - pos < mp ? sizeof in - pos : mp;
                cr_assert_eq((long long)p, (long long)want_p, "max_peek %zu: peek at %zu gave %lld, expected %zu", mp,
                             pos, (long long)p, want_p);
                cr_assert_arr_eq(pk, in + pos, want_p, "peek content at %zu", pos);
                btc_ssize_t r = fk_recv(&f, got + pos, sizeof got - pos, false);
                size_t want_r = sizeof in - pos < mr ? sizeof in - pos : mr;
                cr_assert_eq((long long)r, (long long)want_r, "max_read %zu: read at %zu gave %lld, expected %zu", mr,
                             pos, (long long)r, want_r);
                pos += (size_t)r;
                TS_ASSERT_SZ(f.consumed, pos, "consumed");
            }
            cr_assert_arr_eq(got, in, sizeof in, "reassembled input differs (peek %zu read %zu)", mp, mr);
            FK_ASSERT_RET(fk_recv(&f, got, sizeof got, false), 0);
        }
    }
}

Test(fake, send_chunks_and_output_record)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[64];
    memset(out, 0xee, sizeof out);
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_chunks(&f, 0, 0, 4);
    uint8_t data[10];
    fs_pattern(data, sizeof data, 7, -1);
    FK_ASSERT_RET(fk_send(&f, data, sizeof data), 4);
    FK_ASSERT_RET(fk_send(&f, data + 4, 6), 4);
    FK_ASSERT_RET(fk_send(&f, data + 8, 2), 2);
    TS_ASSERT_SZ(f.sent, 10, "sent");
    cr_assert_arr_eq(out, data, 10, "output record differs");
    cr_assert_eq(out[10], 0xee, "fake wrote past the sent bytes: out[10] = 0x%02x", out[10]);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_SEND], 3, "send calls");
}

Test(fake, output_buffer_caps_the_window)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[8];
    memset(out, 0x77, sizeof out);
    btc_fake_set_output(&f, out, 4);
    uint8_t data[10];
    fs_pattern(data, sizeof data, 3, -1);
    FK_ASSERT_RET(fk_send(&f, data, sizeof data), 4);
    FK_ASSERT_EAGAIN(fk_send(&f, data + 4, 6), &f);
    TS_ASSERT_SZ(f.sent, 4, "sent");
    cr_assert_arr_eq(out, data, 4, "recorded bytes");
    cr_assert_eq(out[4], 0x77, "the fake wrote past its output capacity");
}

Test(fake, send_window_then_eagain_and_wait_times_out)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[64];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_send_window(&f, 5);
    uint8_t data[10];
    fs_pattern(data, sizeof data, 9, -1);
    FK_ASSERT_RET(fk_send(&f, data, sizeof data), 5);
    FK_ASSERT_EAGAIN(fk_send(&f, data + 5, 5), &f);
    TS_ASSERT_SZ(f.sent, 5, "sent");
    cr_assert_arr_eq(out, data, 5, "recorded bytes");
    btc_events ev;
    int64_t t0 = f.now_ms;
    int r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, 200, &ev);
    FK_ASSERT_RET(r, 0);
    cr_assert_eq(ev, 0, "occurred 0x%x on a timed-out wait", ev);
    TS_ASSERT_I64(f.now_ms - t0, 200, "virtual time a timed-out wait takes");
    TS_ASSERT_I64(fk_now(&f), t0 + 200, "now_ms after the wait");
}

Test(fake, wait_ready_at_once_for_send_with_room_and_recv_with_data)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_events ev;
    int r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, 1000, &ev);
    FK_ASSERT_RET(r, 1);
    cr_assert(ev & BTC_EV_SEND, "SEND not reported: 0x%x", ev);
    r = fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 1000, &ev);
    FK_ASSERT_RET(r, 1);
    cr_assert(ev & BTC_EV_RECV, "RECV not reported: 0x%x", ev);
    TS_ASSERT_I64(f.now_ms, FS_T0, "a ready wait takes no virtual time");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 2, "wait calls");
}

/* ---- arrivals and the end ------------------------------------------------------ */

Test(fake, arrivals_eagain_before_data_after)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    static const char in[] = "abcdef";
    btc_fake_set_input(&f, in, 6);
    cr_assert(btc_fake_arrive_at(&f, 3, FS_T0 + 500), "arrive_at failed");
    TS_ASSERT_SZ(btc_fake_readable(&f), 3, "readable before the arrival");
    char buf[16];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 3);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
    cr_assert_arr_eq(buf, "abc", 3, "first part");
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, true), &f);
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, false), &f);
    /* A short wait ends before the arrival. */
    btc_events ev;
    FK_ASSERT_RET(fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 100, &ev), 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 100, "clock after a 100 ms wait");
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, false), &f);
    /* A long wait ends at the arrival. */
    FK_ASSERT_RET(fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 10000, &ev), 1);
    cr_assert(ev & BTC_EV_RECV, "RECV not reported: 0x%x", ev);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 500, "clock jumps to the arrival, not by the whole timeout");
    TS_ASSERT_SZ(btc_fake_readable(&f), 3, "readable after the arrival");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
    cr_assert_arr_eq(buf, "def", 3, "second part");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
}

Test(fake, arrivals_several_stages)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    static const char in[] = "0123456789";
    btc_fake_set_input(&f, in, 10);
    fs_arrive(&f, 2, FS_T0 + 10);
    fs_arrive(&f, 5, FS_T0 + 20);
    fs_arrive(&f, 9, FS_T0 + 30);
    size_t expect[] = {2, 3, 4, 1};
    char buf[16];
    size_t pos = 0;
    for (size_t i = 0; i < 4; i++) {
        TS_ASSERT_SZ(btc_fake_readable(&f), expect[i], "readable at stage");
        btc_ssize_t r = fk_recv(&f, buf, sizeof buf, false);
        FK_ASSERT_RET(r, (btc_ssize_t)expect[i]);
        cr_assert_arr_eq(buf, in + pos, expect[i], "stage %zu content", i);
        pos += expect[i];
        if (i < 3) {
            btc_events ev;
            FK_ASSERT_RET(fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 1000, &ev), 1);
            TS_ASSERT_I64(f.now_ms, FS_T0 + 10 * (int64_t)(i + 1), "clock at stage");
        }
    }
}

Test(fake, arrive_at_rejects_non_increasing_and_full)
{
    btc_fake f;
    btc_fake_init(&f);
    static uint8_t in[200];
    btc_fake_set_input(&f, in, sizeof in);
    fs_arrive(&f, 5, FS_T0 + 1);
    cr_assert(!btc_fake_arrive_at(&f, 5, FS_T0 + 2), "same offset must be refused");
    cr_assert(!btc_fake_arrive_at(&f, 4, FS_T0 + 2), "a smaller offset must be refused");
    size_t n = 1;
    while (btc_fake_arrive_at(&f, 5 + n, FS_T0 + 1 + (int64_t)n)) {
        n++;
        cr_assert_leq(n, (size_t)BTC_FAKE_MAX_ARRIVALS, "arrive_at accepted more than %d", BTC_FAKE_MAX_ARRIVALS);
    }
    TS_ASSERT_SZ(n, BTC_FAKE_MAX_ARRIVALS, "arrivals accepted");
}

Test(fake, end_eof_at_time_silence_before)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "ab", 2);
    btc_fake_set_end(&f, 0, FS_T0 + 2000);
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 2);
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, true), &f);
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, false), &f);
    btc_events ev;
    FK_ASSERT_RET(fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 500, &ev), 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 500, "clock after a wait before the end");
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, false), &f);
    /* A long wait ends at the end time and reports readability (EOF is readable). */
    int r = fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 100000, &ev);
    FK_ASSERT_RET(r, 1);
    cr_assert(ev & (BTC_EV_RECV | BTC_EV_ERR), "EOF must wake a RECV wait: 0x%x", ev);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 2000, "clock at the end");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 0);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
    TS_ASSERT_SZ(f.consumed, 2, "consumed");
}

Test(fake, end_error_at_time_silence_before)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "ab", 2);
    btc_fake_set_end(&f, ECONNRESET, FS_T0 + 300);
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 2);
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, false), &f);
    btc_events ev;
    FK_ASSERT_RET(fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 1000, &ev), 1);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 300, "clock at the end");
    FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, true), &f, ECONNRESET);
    FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, false), &f, ECONNRESET);
}

Test(fake, end_comes_only_after_the_input_is_drained)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    btc_fake_set_end(&f, EPIPE, 0); /* already "due", but input is still pending */
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, 2, false), 2);
    FK_ASSERT_RET(fk_recv(&f, buf, 8, false), 1);
    cr_assert_eq(buf[0], 'c', "last byte");
    FK_ASSERT_FAIL(fk_recv(&f, buf, 8, false), &f, EPIPE);
}

/* ---- steps ------------------------------------------------------------------- */

Test(fake, step_pass_consumes_and_behaves_normally)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_PASS, 0);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 1, "steps left");
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left after the read");
}

Test(fake, step_limit_read_peek_send)
{
    btc_fake f;
    uint8_t out[16];
    fk_setup_io(&f, "abcdefgh", out, sizeof out);
    fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_LIMIT, 2);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 3);
    fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, 1);
    char buf[16];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 2);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
    cr_assert_arr_eq(buf, "abc", 3, "got \"%.*s\", expected \"%.*s\"", (int)(3), (const char *)buf, (int)(3), "abc");
    FK_ASSERT_RET(fk_send(&f, "xyz", 3), 1);
    TS_ASSERT_SZ(f.sent, 1, "sent");
    cr_assert_eq(out[0], 'x', "out[0] = 0x%02x, expected 'x'", out[0]);
    /* Steps used up: the next calls are normal again. */
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 5);
    FK_ASSERT_RET(fk_send(&f, "yz", 2), 2);
    TS_ASSERT_SZ(f.sent, 3, "sent");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(fake, step_limit_zero)
{
    btc_fake f;
    uint8_t out[16];
    fk_setup_io(&f, "abc", out, sizeof out);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 0);
    fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, 0);
    fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_LIMIT, 0);
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
    TS_ASSERT_SZ(f.consumed, 0, "a LIMIT 0 read consumes nothing");
    FK_ASSERT_RET(fk_send(&f, "xy", 2), 0);
    TS_ASSERT_SZ(f.sent, 0, "a LIMIT 0 send sends nothing");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 0);
    /* The input is still all there. */
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
}

Test(fake, step_fail_sets_error_and_moves_nothing)
{
    int codes[] = {EINTR, EAGAIN, ECONNRESET, EPIPE, EBADF, ENOTCONN};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        btc_fake f;
        btc_sock s;
        fs_setup(&f, &s);
        btc_fake_set_input(&f, "abc", 3);
        uint8_t out[16];
        btc_fake_set_output(&f, out, sizeof out);
        fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_FAIL, codes[i]);
        fs_push(&f, BTC_FAKE_READ, BTC_FAKE_FAIL, codes[i]);
        fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_FAIL, codes[i]);
        fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, codes[i]);
        char buf[8];
        FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, true), &f, codes[i]);
        FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, false), &f, codes[i]);
        TS_ASSERT_SZ(f.consumed, 0, "a failed read consumes nothing");
        FK_ASSERT_FAIL(fk_send(&f, "x", 1), &f, codes[i]);
        TS_ASSERT_SZ(f.sent, 0, "a failed send sends nothing");
        btc_events ev;
        FK_ASSERT_FAIL(fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 100, &ev), &f, codes[i]);
        TS_ASSERT_I64(f.now_ms, FS_T0, "a failed wait takes no virtual time");
        FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
    }
}

Test(fake, step_fail_on_clock_is_ignored)
{
    btc_fake f;
    btc_fake_init(&f);
    fs_push(&f, BTC_FAKE_CLOCK, BTC_FAKE_FAIL, EIO);
    TS_ASSERT_I64(fk_now(&f), FS_T0, "a clock read ignores FAIL");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "the FAIL step is still consumed");
}

Test(fake, step_eof_reads_drain_then_zero_sends_epipe)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    btc_fake_set_end(&f, 0, FS_NEVER); /* without the step, the peer would stay silent */
    fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_EOF, 0);
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 3); /* the call proceeds: input not drained yet */
    cr_assert(f.peer_closed, "peer_closed after the EOF step");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 0);
    FK_ASSERT_FAIL(fk_send(&f, "x", 1), &f, EPIPE);
    TS_ASSERT_SZ(f.sent, 0, "sent after the peer closed");
}

Test(fake, step_eof_on_send)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[8];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_end(&f, 0, FS_NEVER);
    fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_EOF, 0);
    FK_ASSERT_FAIL(fk_send(&f, "x", 1), &f, EPIPE);
    char buf[4];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
}

Test(fake, step_advance_on_clock)
{
    btc_fake f;
    btc_fake_init(&f);
    fs_push(&f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, 250);
    TS_ASSERT_I64(fk_now(&f), FS_T0 + 250, "clock after ADVANCE 250");
    TS_ASSERT_I64(fk_now(&f), FS_T0 + 250, "the jump happens once");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(fake, step_advance_never_moves_the_clock_back)
{
    btc_fake f;
    btc_fake_init(&f);
    fs_push(&f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, -500);
    TS_ASSERT_I64(fk_now(&f), FS_T0, "clock after ADVANCE -500 (monotonic)");
}

/*
 * The fake saturates the clock at INT64_MAX on a huge ADVANCE; a later timed
 * wait must not overflow (signed overflow is undefined, and in practice
 * wraps the virtual clock negative, so it would go backwards).
 */
Test(fake, saturated_clock_and_a_timed_wait)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_send_window(&f, 0);
    fs_push(&f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, INT64_MAX);
    TS_ASSERT_I64(fk_now(&f), INT64_MAX, "clock after ADVANCE INT64_MAX (saturated)");
    btc_events ev;
    int r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, 100, &ev);
    FK_ASSERT_RET(r, 0);
    TS_ASSERT_I64(f.now_ms, INT64_MAX, "clock after a timed-out wait at the end of time (never goes back)");
}

Test(fake, set_end_refuses_a_transient_code)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert(!btc_fake_set_end(&f, EAGAIN, 0), "a transient end (EAGAIN) would be EAGAIN forever");
    cr_assert(!btc_fake_set_end(&f, EINTR, 0), "a transient end (EINTR) would be EAGAIN forever");
    cr_assert(btc_fake_set_end(&f, 0, FS_T0), "EOF end refused");
    cr_assert(btc_fake_set_end(&f, ECONNRESET, FS_T0), "ECONNRESET end refused");
    cr_assert_eq(f.end_error, ECONNRESET, "end_error %d", f.end_error);
}

Test(fake, step_advance_applies_to_the_same_call_as_the_next_step)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_ADVANCE, 100);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_FAIL, EIO);
    char buf[8];
    FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, false), &f, EIO);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 100, "clock after the step pair");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "one call took both steps");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_READ], 1, "read calls");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 3);
}

Test(fake, step_advance_makes_arrivals_readable)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    fs_arrive(&f, 0, FS_T0 + 400);
    char buf[8];
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, true), &f);
    fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_ADVANCE, 500);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 3);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 500, "clock");
}

Test(fake, step_advance_on_wait_then_wait_continues)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_end(&f, 0, FS_NEVER);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 60);
    btc_events ev;
    /* The jump, then the wait itself still runs (nothing to wake it: it times out). */
    FK_ASSERT_RET(fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 100, &ev), 0);
    cr_assert_geq(f.now_ms, FS_T0 + 60, "clock %lld: the ADVANCE was not applied", (long long)f.now_ms);
    cr_assert_leq(f.now_ms, FS_T0 + 160, "clock %lld: the wait took more than its timeout", (long long)f.now_ms);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(fake, step_interrupt_fires_attached_interrupt)
{
    btc_interrupt intr;
    btc_error err;
    cr_assert_eq(btc_interrupt_init(&intr, &err), BTC_OK, "btc_interrupt_init: %s", err.message);
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    btc_fake_attach_interrupt(&f, &intr);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_INTERRUPT, 0);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 1);
    char buf[8];
    cr_assert(!btc_interrupt_is_set(&intr), "interrupt set before the step");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 1); /* INTERRUPT, then the same call takes LIMIT 1 */
    cr_assert(btc_interrupt_is_set(&intr), "the INTERRUPT step did not fire the interrupt");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
    btc_interrupt_destroy(&intr);
}

Test(fake, step_interrupt_on_wait_wakes_it)
{
    btc_interrupt intr;
    btc_error err;
    cr_assert_eq(btc_interrupt_init(&intr, &err), BTC_OK, "btc_interrupt_init: %s", err.message);
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_end(&f, 0, FS_NEVER);
    btc_fake_attach_interrupt(&f, &intr);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    btc_events ev;
    int r = fk_wait(&f, &s, BTC_EV_RECV, btc_interrupt_wake_descriptor(&intr), 10000, &ev);
    cr_assert_geq(r, 1, "a wait whose wake descriptor fired returned %d", r);
    cr_assert_eq(ev & BTC_EV_RECV, 0, "the socket itself is not readable: 0x%x", ev);
    cr_assert(btc_interrupt_is_set(&intr), "the INTERRUPT step did not fire the interrupt");
    cr_assert_lt(f.now_ms, FS_T0 + 10000, "the interrupted wait took the whole timeout (clock %lld)",
                 (long long)f.now_ms);
    btc_interrupt_destroy(&intr);
}

Test(fake, op_matching_peek_does_not_take_a_read_step)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_FAIL, ECONNRESET);
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 3);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 1, "a peek took a READ step");
    FK_ASSERT_RET(fk_send(&f, "x", 1), 1);
    TS_ASSERT_I64(fk_now(&f), FS_T0, "clock");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 1, "a send or clock read took a READ step");
    FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, false), &f, ECONNRESET);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(fake, op_matching_read_does_not_take_a_peek_step)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_LIMIT, 1);
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, 2, false), 2);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 1, "a read took a PEEK step");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, true), 1);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(fake, op_any_matches_the_next_call_of_any_kind)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    uint8_t out[8];
    btc_fake_set_output(&f, out, sizeof out);
    fs_push(&f, BTC_FAKE_ANY, BTC_FAKE_FAIL, EIO);
    fs_push(&f, BTC_FAKE_ANY, BTC_FAKE_FAIL, EBADF);
    fs_push(&f, BTC_FAKE_ANY, BTC_FAKE_LIMIT, 1);
    char buf[8];
    FK_ASSERT_FAIL(fk_send(&f, "xy", 2), &f, EIO);
    FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, true), &f, EBADF);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 1);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(fake, steps_apply_in_order)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abcdefgh", 8);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 1);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_FAIL, EINTR);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 2);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_PASS, 0);
    char buf[16];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 1);
    FK_ASSERT_FAIL(fk_recv(&f, buf, sizeof buf, false), &f, EINTR);
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 2);
    cr_assert_arr_eq(buf, "bc", 2, "got \"%.*s\", expected \"%.*s\"", (int)(2), (const char *)buf, (int)(2), "bc");
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 5);
    cr_assert_arr_eq(buf, "defgh", 5, "got \"%.*s\", expected \"%.*s\"", (int)(5), (const char *)buf, (int)(5),
                     "defgh");
}

Test(fake, calls_counters)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    uint8_t out[8];
    btc_fake_set_output(&f, out, sizeof out);
    char buf[8];
    btc_events ev;
    (void)fk_recv(&f, buf, 1, true);
    (void)fk_recv(&f, buf, 1, true);
    (void)fk_recv(&f, buf, 1, false);
    (void)fk_send(&f, "x", 1);
    (void)fk_send(&f, "x", 1);
    (void)fk_send(&f, "x", 1);
    (void)fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, 0, &ev);
    (void)fk_now(&f);
    (void)fk_now(&f);
    (void)fk_last_error(&f);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK], 2, "calls[PEEK]");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_READ], 1, "calls[READ]");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_SEND], 3, "calls[SEND]");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 1, "calls[WAIT]");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_CLOCK], 2, "calls[CLOCK]");
    unsigned long sum = 0;
    for (int op = 1; op < BTC_FAKE_OP_COUNT; op++) {
        sum += f.calls[op];
    }
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], sum, "calls[ANY] is the sum of the kinds");
    cr_assert_geq(f.calls[BTC_FAKE_ANY], 9ul, "calls[ANY] = %lu", f.calls[BTC_FAKE_ANY]);
}

Test(fake, push_false_when_full_or_bad)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert(!btc_fake_push(&f, BTC_FAKE_OP_COUNT, BTC_FAKE_PASS, 0), "op out of range accepted");
    cr_assert(!btc_fake_push(&f, (btc_fake_op)-1, BTC_FAKE_PASS, 0), "negative op accepted");
    cr_assert(!btc_fake_push(&f, BTC_FAKE_READ, BTC_FAKE_KIND_COUNT, 0), "kind out of range accepted");
    cr_assert(!btc_fake_push(&f, BTC_FAKE_READ, (btc_fake_kind)-1, 0), "negative kind accepted");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "refused pushes must not add steps");
    for (size_t i = 0; i < BTC_FAKE_MAX_STEPS; i++) {
        cr_assert(btc_fake_push(&f, BTC_FAKE_READ, BTC_FAKE_PASS, 0), "push %zu of %d refused", i, BTC_FAKE_MAX_STEPS);
    }
    cr_assert(!btc_fake_push(&f, BTC_FAKE_READ, BTC_FAKE_PASS, 0), "push past BTC_FAKE_MAX_STEPS accepted");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), BTC_FAKE_MAX_STEPS, "steps left");
}

/* ---- the fake never leaves a caller waiting forever ---------------------------- */

Test(fake, endless_wait_with_nothing_left_declares_the_peer_gone)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "ab", 2);
    btc_fake_set_end(&f, 0, FS_NEVER);
    char buf[8];
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 2);
    FK_ASSERT_EAGAIN(fk_recv(&f, buf, sizeof buf, false), &f);
    btc_events ev;
    int r = fk_wait(&f, &s, BTC_EV_RECV, BTC_INVALID_SOCKET, -1, &ev);
    cr_assert_geq(r, 1, "an endless wait with nothing left returned %d", r);
    cr_assert_neq(ev, 0, "occurred 0 on a wait that returned %d", r);
    /* The end result: EOF. */
    FK_ASSERT_RET(fk_recv(&f, buf, sizeof buf, false), 0);
}

Test(fake, endless_send_wait_with_full_window_gives_epipe)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[8];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_send_window(&f, 2);
    btc_fake_set_end(&f, 0, FS_NEVER);
    FK_ASSERT_RET(fk_send(&f, "abc", 3), 2);
    FK_ASSERT_EAGAIN(fk_send(&f, "c", 1), &f);
    btc_events ev;
    /* The first endless wait moves the clock to the scripted end of the input
     * (an event, though not one a writer sees); the next has nothing left. */
    int r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, -1, &ev);
    if (r == 0)
        r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, -1, &ev);
    cr_assert_geq(r, 1, "two endless waits with nothing left returned %d", r);
    cr_assert(f.gone, "the peer must be declared gone");
    FK_ASSERT_FAIL(fk_send(&f, "c", 1), &f, EPIPE);
}

Test(fake, recv_until_terminator_infinite_ends_closed)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    btc_fake_set_end(&f, 0, FS_NEVER);
    char buf[16];
    size_t len = 99;
    btc_error err;
    btc_status st =
        btc_sock_recv_until_terminator(&s, '\n', BTC_TIMEOUT_INFINITE, NULL, sizeof buf, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &err);
    TS_ASSERT_SZ(len, 3, "*len");
    cr_assert_arr_eq(buf, "abc", 3, "got \"%.*s\", expected \"%.*s\"", (int)(3), (const char *)buf, (int)(3), "abc");
}

Test(fake, recv_until_terminator_infinite_ends_io)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    btc_fake_set_end(&f, ECONNRESET, FS_NEVER);
    char buf[16];
    size_t len = 99;
    btc_error err;
    btc_status st =
        btc_sock_recv_until_terminator(&s, '\n', BTC_TIMEOUT_INFINITE, NULL, sizeof buf, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, ECONNRESET, "code %d, expected %d", err.code, ECONNRESET);
    TS_ASSERT_SZ(len, 3, "*len");
}

Test(fake, recv_until_terminator_infinite_with_arrivals_then_end)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abcdef", 6);
    fs_arrive(&f, 3, FS_T0 + 5000);
    btc_fake_set_end(&f, 0, FS_T0 + 9000);
    char buf[16];
    size_t len = 99;
    btc_error err;
    btc_status st =
        btc_sock_recv_until_terminator(&s, '\n', BTC_TIMEOUT_INFINITE, NULL, sizeof buf, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &err);
    TS_ASSERT_SZ(len, 6, "*len");
    cr_assert_arr_eq(buf, "abcdef", 6, "got \"%.*s\", expected \"%.*s\"", (int)(6), (const char *)buf, (int)(6),
                     "abcdef");
    cr_assert_geq(f.now_ms, FS_T0 + 9000, "clock %lld: the end came before its time", (long long)f.now_ms);
}

Test(fake, send_complete_infinite_ends_io)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[64];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_send_window(&f, 5);
    btc_fake_set_end(&f, 0, FS_NEVER);
    uint8_t data[20];
    fs_pattern(data, sizeof data, 1, -1);
    btc_error err;
    btc_status st = btc_sock_send_complete(&s, data, sizeof data, BTC_TIMEOUT_INFINITE, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EPIPE, "code %d, expected EPIPE (%d)", err.code, EPIPE);
    TS_ASSERT_SZ(err.bytes, 5, "err.bytes");
    TS_ASSERT_SZ(f.sent, 5, "f.sent");
}

/* ---- readiness never disagrees with the next call (no spin at one virtual instant) ---- */

Test(fake, due_end_error_fails_sends_as_the_wait_says)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[4];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_send_window(&f, 0); /* the peer never reads */
    cr_assert(btc_fake_set_end(&f, ECONNRESET, 0), "set_end");
    btc_events ev;
    int r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, 100, &ev);
    cr_assert_geq(r, 1, "a due reset must make the wait return, got %d", r);
    cr_assert_neq(ev & BTC_EV_ERR, 0, "occurred 0x%x without BTC_EV_ERR", (unsigned)ev);
    FK_ASSERT_FAIL(fk_send(&f, "x", 1), &f, ECONNRESET);
    /* And the library ends at once instead of spinning send/wait at one instant. */
    btc_error err;
    btc_status st = btc_sock_send_complete(&s, "hello", 5, 1000, NULL, &err);
    cr_assert_eq(st, BTC_ERR_IO, "send_complete gave %s, expected BTC_ERR_IO", btc_status_name(st));
    cr_assert_eq(err.code, ECONNRESET, "err.code %d, expected ECONNRESET (%d)", err.code, ECONNRESET);
    cr_assert_lt(f.calls[BTC_FAKE_ANY], 20, "%lu slot calls: the loop spun", f.calls[BTC_FAKE_ANY]);
}

Test(fake, endless_send_wait_lets_pending_input_arrive_before_the_peer_is_gone)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "late\n", 5);
    cr_assert(btc_fake_arrive_at(&f, 0, FS_T0 + 500), "arrival");
    btc_fake_set_end(&f, 0, FS_T0 + 500);
    btc_fake_set_send_window(&f, 0);
    btc_events ev;
    int r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, -1, &ev);
    if (r == 0)
        r = fk_wait(&f, &s, BTC_EV_SEND, BTC_INVALID_SOCKET, -1, &ev);
    cr_assert_geq(r, 1, "endless SEND waits returned %d", r);
    cr_assert_eq(btc_fake_readable(&f), 5, "the pending input must have arrived (%zu readable)", btc_fake_readable(&f));
    /* Whatever the wait said, a read now gets the data, not EAGAIN. */
    char buf[16];
    size_t len = 0;
    btc_error err;
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err);
    cr_assert_eq(st, BTC_OK, "recv gave %s: %s", btc_status_name(st), err.message);
    cr_assert_str_eq(buf, "late", "line \"%s\"", buf);
}
