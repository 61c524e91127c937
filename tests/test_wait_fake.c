/* SPDX-License-Identifier: MIT */
/*
 * tests/test_wait_fake.c - btc_sock_wait, btc_wait_many and
 * btc_sock_is_connected through the scripted fake and its virtual clock.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(wait_fake, .timeout = 20);

static void wf_intr_init(btc_interrupt *intr)
{
    btc_error ierr;
    btc_status st = btc_interrupt_init(intr, &ierr);
    cr_assert_eq(st, BTC_OK, "btc_interrupt_init: %s", ierr.message);
}

/* A fake whose peer is silent (no input, the end never comes). */
static void wf_silent(btc_fake *f, btc_sock *s)
{
    fs_setup(f, s);
    btc_fake_set_end(f, 0, FS_NEVER);
}

/* ---- btc_sock_wait -------------------------------------------------------------- */

Test(wait_fake, recv_ready_when_input_is_readable)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_events ev = 0xff;
    btc_error err;
    fs_err_poison(&err);
    btc_status st = btc_sock_wait(&s, 1000, BTC_EV_RECV, &ev, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_RECORD(st, err);
    cr_assert(ev & BTC_EV_RECV, "occurred 0x%x lacks RECV", ev);
    cr_assert_eq(ev & BTC_EV_SEND, 0, "occurred 0x%x has SEND, which was not requested", ev);
    TS_ASSERT_I64(f.now_ms, FS_T0, "a ready wait takes no virtual time");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 1, "wait calls");
    TS_ASSERT_SZ(f.consumed, 0, "a wait consumes nothing");
}

Test(wait_fake, send_ready_when_the_window_has_room)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_events ev = 0;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 1000, BTC_EV_SEND, &ev, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert(ev & BTC_EV_SEND, "occurred 0x%x lacks SEND", ev);
    cr_assert_eq(ev & BTC_EV_RECV, 0, "occurred 0x%x has RECV on a silent peer", ev);
    TS_ASSERT_I64(f.now_ms, FS_T0, "virtual clock");
}

Test(wait_fake, recv_and_send_requested_together)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_events ev = 0;
    btc_status st = btc_sock_wait(&s, 1000, BTC_EV_RECV | BTC_EV_SEND, &ev, NULL, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    cr_assert_eq(ev & (BTC_EV_RECV | BTC_EV_SEND), BTC_EV_RECV | BTC_EV_SEND, "occurred 0x%x", ev);
}

Test(wait_fake, recv_timeout_advances_the_clock_by_the_timeout)
{
    int64_t timeouts[] = {0, 1, 100, 12345};
    for (size_t i = 0; i < 4; i++) {
        btc_fake f;
        btc_sock s;
        wf_silent(&f, &s);
        btc_events ev = 0xff;
        btc_error err;
        btc_status st = btc_sock_wait(&s, timeouts[i], BTC_EV_RECV, &ev, NULL, &err);
        TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
        TS_ASSERT_RECORD(st, err);
        cr_assert_eq(ev, 0, "occurred 0x%x on timeout", ev);
        TS_ASSERT_I64(f.now_ms - FS_T0, timeouts[i], "virtual time a timed-out wait takes");
    }
}

Test(wait_fake, timeout_beyond_int_max_is_honoured_in_full)
{
    /* The wait slot takes an int: a longer timeout is waited in pieces, never truncated. */
    const int64_t timeout = (int64_t)3000000000;
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_error err;
    btc_status st = btc_sock_wait(&s, timeout, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    TS_ASSERT_I64(f.now_ms - FS_T0, timeout, "elapsed");
    cr_assert_geq(f.calls[BTC_FAKE_WAIT], 2ul, "wait calls %lu", f.calls[BTC_FAKE_WAIT]);
}

Test(wait_fake, send_timeout_with_full_window)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_send_window(&f, 0);
    btc_events ev = 0xff;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 250, BTC_EV_SEND, &ev, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    cr_assert_eq(ev, 0, "occurred 0x%x", ev);
    TS_ASSERT_I64(f.now_ms - FS_T0, 250, "elapsed");
}

Test(wait_fake, arrival_during_the_wait)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    fs_arrive(&f, 0, FS_T0 + 300);
    btc_events ev = 0;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 1000, BTC_EV_RECV, &ev, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert(ev & BTC_EV_RECV, "occurred 0x%x", ev);
    TS_ASSERT_I64(f.now_ms - FS_T0, 300, "elapsed (until the arrival)");
}

Test(wait_fake, arrival_after_the_timeout)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    fs_arrive(&f, 0, FS_T0 + 300);
    btc_error err;
    btc_status st = btc_sock_wait(&s, 299, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    TS_ASSERT_I64(f.now_ms - FS_T0, 299, "elapsed");
}

Test(wait_fake, eof_and_error_end_are_readable)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s); /* EOF at once */
    btc_events ev = 0;
    btc_status st = btc_sock_wait(&s, 1000, BTC_EV_RECV, &ev, NULL, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    cr_assert(ev & BTC_EV_RECV, "EOF: occurred 0x%x", ev);

    fs_setup(&f, &s);
    btc_fake_set_end(&f, ECONNRESET, FS_T0 + 40);
    st = btc_sock_wait(&s, 1000, BTC_EV_RECV, &ev, NULL, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    cr_assert(ev & BTC_EV_RECV, "error end: occurred 0x%x", ev);
    cr_assert(ev & BTC_EV_ERR, "error end: occurred 0x%x lacks ERR", ev);
    TS_ASSERT_I64(f.now_ms - FS_T0, 40, "elapsed");
}

Test(wait_fake, infinite_wait_ends_at_the_end)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_end(&f, 0, FS_T0 + 7777);
    btc_events ev = 0;
    btc_status st = btc_sock_wait(&s, BTC_TIMEOUT_INFINITE, BTC_EV_RECV, &ev, NULL, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    cr_assert(ev & BTC_EV_RECV, "occurred 0x%x", ev);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 7777, "clock");
}

Test(wait_fake, eintr_is_retried_with_the_remaining_time)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 60);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    btc_error err;
    btc_status st = btc_sock_wait(&s, 100, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    TS_ASSERT_I64(f.now_ms - FS_T0, 100, "elapsed (60 + the 40 left, not 160)");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 2, "wait calls");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(wait_fake, repeated_eintr_never_stretches_the_deadline)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    for (int i = 0; i < 5; i++) {
        fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 30);
        fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, i % 2 ? EINTR : EAGAIN);
    }
    btc_error err;
    btc_status st = btc_sock_wait(&s, 100, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    /* 4 jumps of 30 pass the 100 ms deadline: no wait after that. */
    TS_ASSERT_I64(f.now_ms - FS_T0, 120, "elapsed");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 4, "wait calls");
}

Test(wait_fake, eintr_then_ready)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    btc_events ev = 0;
    btc_status st = btc_sock_wait(&s, BTC_TIMEOUT_INFINITE, BTC_EV_RECV, &ev, NULL, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    cr_assert(ev & BTC_EV_RECV, "occurred 0x%x", ev);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 2, "wait calls");
}

Test(wait_fake, clock_jump_past_the_deadline)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 10000);
    btc_error err;
    btc_status st = btc_sock_wait(&s, 100, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 1, "wait calls");
}

static int wait_permanent[] = {EBADF, EINVAL, EFAULT, ENOTSOCK};

ParameterizedTestParameters(wait_fake, permanent_wait_error_is_io)
{
    return cr_make_param_array(int, wait_permanent, sizeof wait_permanent / sizeof wait_permanent[0]);
}

ParameterizedTest(int *code, wait_fake, permanent_wait_error_is_io)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, *code);
    btc_events ev = 0xff;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 1000, BTC_EV_RECV, &ev, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    TS_ASSERT_RECORD(st, err);
    cr_assert_eq(err.code, *code, "err.code %d, expected %d", err.code, *code);
    cr_assert_eq(ev, 0, "occurred 0x%x on error", ev);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 1, "a permanent error is not retried");
}

Test(wait_fake, enomem_is_no_memory)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, ENOMEM);
    btc_error err;
    btc_status st = btc_sock_wait(&s, 1000, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_NO_MEMORY, &err);
}

Test(wait_fake, interrupt_already_set_returns_at_once)
{
    btc_interrupt intr;
    wf_intr_init(&intr);
    btc_interrupt_trigger(&intr);
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1); /* even with data ready */
    btc_events ev = 0xff;
    btc_error err;
    btc_status st = btc_sock_wait(&s, BTC_TIMEOUT_INFINITE, BTC_EV_RECV, &ev, &intr, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &err);
    cr_assert_eq(ev, 0, "occurred 0x%x", ev);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "wait calls");
    btc_interrupt_destroy(&intr);
}

Test(wait_fake, interrupt_during_the_wait)
{
    btc_interrupt intr;
    wf_intr_init(&intr);
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_attach_interrupt(&f, &intr);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    btc_events ev = 0xff;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 100000, BTC_EV_RECV, &ev, &intr, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &err);
    cr_assert_eq(ev, 0, "occurred 0x%x", ev);
    TS_ASSERT_I64(f.now_ms, FS_T0, "an interrupted wait took virtual time");
    btc_interrupt_destroy(&intr);
}

Test(wait_fake, interrupt_during_an_infinite_wait)
{
    btc_interrupt intr;
    wf_intr_init(&intr);
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_send_window(&f, 0);
    btc_fake_attach_interrupt(&f, &intr);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    btc_status st = btc_sock_wait(&s, BTC_TIMEOUT_INFINITE, BTC_EV_SEND, NULL, &intr, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, (btc_error *)NULL);
    cr_assert(!f.gone, "the fake declared the peer gone before seeing the interrupt");
    btc_interrupt_destroy(&intr);
}

Test(wait_fake, bad_arguments)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_events bad_events[] = {0, BTC_EV_ERR, 0x08, BTC_EV_ERR | 0x08};
    for (size_t i = 0; i < 4; i++) {
        btc_events ev = 0xff;
        btc_error err;
        btc_status st = btc_sock_wait(&s, 1000, bad_events[i], &ev, NULL, &err);
        cr_assert_eq(st, BTC_ERR_INVALID_ARGUMENT, "requested 0x%x: %s", bad_events[i], btc_status_name(st));
        TS_ASSERT_RECORD(st, err);
        cr_assert_eq(ev, 0, "occurred 0x%x after a refused wait", ev);
    }
    btc_error err;
    btc_status st = btc_sock_wait(&s, -1, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    st = btc_sock_wait(NULL, 1000, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    btc_sock empty = {BTC_INVALID_SOCKET, btc_fake_sys(&f)};
    st = btc_sock_wait(&empty, 1000, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_SOCKET, &err);
    btc_interrupt zero;
    memset(&zero, 0, sizeof zero);
    st = btc_sock_wait(&s, 1000, BTC_EV_RECV, NULL, &zero, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls for refused waits");
}

/* ---- btc_wait_many ------------------------------------------------------------- */

Test(wait_fake, many_reports_each_item)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_fake_set_send_window(&f, 0);
    btc_wait_item items[2] = {{&s, BTC_EV_RECV, 0xff}, {&s, BTC_EV_SEND, 0xff}};
    btc_error err;
    btc_status st = btc_wait_many(items, 2, 1000, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert(items[0].occurred & BTC_EV_RECV, "item 0 occurred 0x%x", items[0].occurred);
    cr_assert_eq(items[1].occurred, 0, "item 1 (full window) occurred 0x%x", items[1].occurred);
}

Test(wait_fake, many_timeout_zeroes_every_item)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_send_window(&f, 0);
    btc_wait_item items[2] = {{&s, BTC_EV_RECV, 0xff}, {&s, BTC_EV_SEND, 0xff}};
    btc_error err;
    btc_status st = btc_wait_many(items, 2, 500, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    cr_assert_eq(items[0].occurred, 0, "item 0 occurred 0x%x", items[0].occurred);
    cr_assert_eq(items[1].occurred, 0, "item 1 occurred 0x%x", items[1].occurred);
    TS_ASSERT_I64(f.now_ms - FS_T0, 500, "elapsed");
}

Test(wait_fake, many_with_different_tables_is_invalid_argument)
{
    btc_fake f1, f2;
    btc_sock s1, s2;
    wf_silent(&f1, &s1);
    wf_silent(&f2, &s2);
    btc_wait_item items[2] = {{&s1, BTC_EV_RECV, 0xff}, {&s2, BTC_EV_RECV, 0xff}};
    btc_error err;
    btc_status st = btc_wait_many(items, 2, 100, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    cr_assert_eq(items[0].occurred, 0, "item 0 occurred 0x%x", items[0].occurred);
    cr_assert_eq(items[1].occurred, 0, "item 1 occurred 0x%x", items[1].occurred);
    TS_ASSERT_SZ(f1.calls[BTC_FAKE_ANY] + f2.calls[BTC_FAKE_ANY], 0, "slot calls");
}

Test(wait_fake, many_bad_items)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_error err;
    btc_status st = btc_wait_many(NULL, 1, 100, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    btc_wait_item items[2] = {{&s, BTC_EV_RECV, 0xff}, {&s, 0, 0xff}};
    st = btc_wait_many(items, 2, 100, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    cr_assert_eq(items[0].occurred, 0, "item 0 occurred 0x%x", items[0].occurred);
    cr_assert_eq(items[1].occurred, 0, "item 1 occurred 0x%x", items[1].occurred);
    btc_wait_item nulls[1] = {{NULL, BTC_EV_RECV, 0}};
    st = btc_wait_many(nulls, 1, 100, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls");
}

Test(wait_fake, many_interrupt_and_eintr)
{
    btc_interrupt intr;
    wf_intr_init(&intr);
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_attach_interrupt(&f, &intr);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 10);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    btc_wait_item items[1] = {{&s, BTC_EV_RECV, 0xff}};
    btc_error err;
    btc_status st = btc_wait_many(items, 1, 1000, &intr, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &err);
    cr_assert_eq(items[0].occurred, 0, "occurred 0x%x", items[0].occurred);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 2, "wait calls");
    TS_ASSERT_I64(f.now_ms - FS_T0, 10, "elapsed");
    btc_interrupt_destroy(&intr);
}

/* ---- btc_sock_is_connected ------------------------------------------------------- */

Test(wait_fake, is_connected_with_data_consumes_nothing)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_fake_set_input(&f, "hello\n", 6);
    btc_error err;
    fs_err_poison(&err);
    btc_status st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_RECORD(st, err);
    TS_ASSERT_SZ(f.consumed, 0, "consumed");
    TS_ASSERT_SZ(btc_fake_readable(&f), 6, "readable");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "wait calls");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_READ], 0, "read calls");
    /* The line is still whole. */
    char buf[16];
    size_t len = 0;
    st = btc_sock_recv_until_terminator(&s, '\n', 0, NULL, sizeof buf, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(len, 5, "line after the probe");
    cr_assert_str_eq(buf, "hello", "got \"%s\", expected \"%s\"", buf, "hello");
}

Test(wait_fake, is_connected_with_no_data_yet)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_error err;
    btc_status st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "wait calls");
    TS_ASSERT_I64(f.now_ms, FS_T0, "virtual clock (never blocks)");
}

Test(wait_fake, is_connected_transient_peek_error_is_connected)
{
    int codes[] = {EINTR, EAGAIN, EWOULDBLOCK};
    for (size_t i = 0; i < 3; i++) {
        btc_fake f;
        btc_sock s;
        wf_silent(&f, &s);
        fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_FAIL, codes[i]);
        btc_error err;
        btc_status st = btc_sock_is_connected(&s, &err);
        cr_assert_eq(st, BTC_OK, "errno %d: %s", codes[i], btc_status_name(st));
    }
}

Test(wait_fake, is_connected_at_eof_is_closed)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_error err;
    btc_status st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &err);
    TS_ASSERT_RECORD(st, err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "wait calls");

    /* EOF after data: still connected while data is waiting. */
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
}

Test(wait_fake, is_connected_eof_step_is_closed)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_EOF, 0);
    btc_error err;
    btc_status st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &err);
}

static int probe_errors[] = {ECONNRESET, ENOTCONN, EPIPE, ETIMEDOUT};

ParameterizedTestParameters(wait_fake, is_connected_error_end_is_io)
{
    return cr_make_param_array(int, probe_errors, sizeof probe_errors / sizeof probe_errors[0]);
}

ParameterizedTest(int *code, wait_fake, is_connected_error_end_is_io)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_end(&f, *code, 0);
    btc_error err;
    btc_status st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    TS_ASSERT_RECORD(st, err);
    cr_assert_eq(err.code, *code, "err.code %d, expected %d", err.code, *code);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "wait calls");

    /* The same code injected into the probe's peek. */
    wf_silent(&f, &s);
    fs_push(&f, BTC_FAKE_PEEK, BTC_FAKE_FAIL, *code);
    st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, *code, "err.code %d, expected %d", err.code, *code);
}

Test(wait_fake, is_connected_error_end_later_is_still_connected)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_end(&f, ECONNRESET, FS_T0 + 100);
    btc_error err;
    btc_status st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_I64(f.now_ms, FS_T0, "the probe never waits for the end");
}

Test(wait_fake, is_connected_bad_arguments)
{
    btc_fake f;
    btc_sock s;
    wf_silent(&f, &s);
    btc_error err;
    btc_sock empty = {BTC_INVALID_SOCKET, btc_fake_sys(&f)};
    btc_status st = btc_sock_is_connected(&empty, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_SOCKET, &err);
    TS_ASSERT_RECORD(st, err);
    btc_sock def = BTC_SOCK_INIT;
    st = btc_sock_is_connected(&def, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_SOCKET, &err);
    st = btc_sock_is_connected(NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    btc_sys bad = *btc_fake_sys(&f);
    bad.recv = NULL;
    btc_sock bad_sock = {BTC_FAKE_FD, &bad};
    st = btc_sock_is_connected(&bad_sock, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls");
}
