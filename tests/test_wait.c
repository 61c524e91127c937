/* SPDX-License-Identifier: MIT */
/*
 * tests/test_wait.c - btc_sock_wait and btc_wait_many over real sockets.
 *
 * Built twice by the Makefile: with the poll backend and with the select
 * backend (btc_wait_backend() tells which); every test runs under both, and
 * the few whose outcome depends on the backend ask btc_wait_backend().
 *
 * Timing is asserted only where it is the behaviour (a timeout fires no
 * earlier than asked, an interrupt or an event wakes the wait promptly), with
 * generous upper bounds. "No earlier than asked" allows 1 ms for a library
 * clock with millisecond resolution.
 *
 * The portable part uses only support.h; the POSIX part at the end handles
 * descriptors >= FD_SETSIZE.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "btcsock.h"
#include "kit/hooks.h"
#include "support.h"

TestSuite(wait, .timeout = 60);

static bool backend_is_select(void) { return strcmp(btc_wait_backend(), "select") == 0; }

static void make_pair(btc_sock *a, btc_sock *b)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(a, b, &err));
}

static void send_bytes(const btc_sock *s, const char *data, size_t len)
{
    btc_error err;
    size_t n = 0;
    TS_CHECK_OK(&err, btc_sock_send(s, data, len, 0, &n, &err));
    cr_assert_eq(n, len);
}

static void make_interrupt(btc_interrupt *intr)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(intr, &err));
}

Test(wait, backend_is_known)
{
    const char *b = btc_wait_backend();
    cr_assert_not_null(b);
    cr_assert(strcmp(b, "poll") == 0 || strcmp(b, "select") == 0, "backend \"%s\"", b);
}

/* ---- btc_sock_wait -------------------------------------------------------------- */

Test(wait, readable_after_peer_writes)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&b, 0, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert_eq(ev, 0, "occurred must be 0 on timeout");
    send_bytes(&a, "x", 1);
    ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_RECV, "occurred 0x%x lacks RECV", ev);
    cr_assert_eq(ev & BTC_EV_SEND, 0, "SEND was not requested (occurred 0x%x)", ev);
}

Test(wait, writable_on_fresh_pair)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&a, 5000, BTC_EV_SEND, &ev, NULL, &err));
    cr_assert_eq(ev, BTC_EV_SEND, "occurred 0x%x, expected SEND only", ev);
    /* Asking for both on a socket with nothing to read reports only SEND. */
    ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&a, 5000, BTC_EV_RECV | BTC_EV_SEND, &ev, NULL, &err));
    cr_assert_eq(ev, BTC_EV_SEND, "occurred 0x%x, expected SEND only", ev);
    /* ... and both once data is waiting. */
    send_bytes(&b, "x", 1);
    ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&a, 5000, BTC_EV_RECV | BTC_EV_SEND, &ev, NULL, &err));
    cr_assert_eq(ev, BTC_EV_RECV | BTC_EV_SEND, "occurred 0x%x", ev);
}

Test(wait, not_writable_when_buffer_full)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    cr_assert_gt(ts_fill_send_buffer(btc_sock_get(&a)), 0);
    btc_error err;
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&a, 50, BTC_EV_SEND, &ev, NULL, &err));
    cr_assert_eq(ev, 0);
}

Test(wait, timeout_takes_at_least_the_timeout)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    const int64_t timeouts[] = {1, 20, 150};
    for (size_t k = 0; k < sizeof timeouts / sizeof timeouts[0]; k++) {
        btc_error err;
        btc_events ev = 0xFF;
        int64_t t0 = ts_now_us();
        TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&b, timeouts[k], BTC_EV_RECV, &ev, NULL, &err));
        int64_t el = ts_now_us() - t0;
        cr_assert_eq(ev, 0);
        cr_assert_eq(err.code, 0, "a timeout has no OS code");
        cr_assert_geq(el, (timeouts[k] - 1) * 1000, "timeout %lld ms returned after %lld us", (long long)timeouts[k],
                      (long long)el);
        cr_assert_lt(el, (timeouts[k] + 1000) * 1000, "timeout %lld ms returned after %lld us", (long long)timeouts[k],
                     (long long)el);
    }
}

Test(wait, zero_timeout_just_looks)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    btc_events ev = 0xFF;
    int64_t t0 = ts_now_ms();
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&b, 0, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert_lt(ts_now_ms() - t0, 500);
    cr_assert_eq(ev, 0);
    send_bytes(&a, "x", 1);
    ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&b, 0, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_RECV);
}

Test(wait, wakes_when_data_arrives)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    ts_delayed_send ds;
    cr_assert(ts_delayed_send_start(&ds, btc_sock_get(&a), "hi", 2, 50));
    btc_error err;
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&b, 10000, BTC_EV_RECV, &ev, NULL, &err));
    int64_t woke = ts_now_us();
    cr_assert(ts_delayed_send_join(&ds));
    cr_assert(ev & BTC_EV_RECV);
    cr_assert_lt(woke - ds.sent_at_us, 1000 * 1000, "woke %lld us after the data came",
                 (long long)(woke - ds.sent_at_us));
}

Test(wait, infinite_and_huge_timeouts)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    btc_events ev = 0;
    /* ready at once */
    TS_CHECK_OK(&err, btc_sock_wait(&a, BTC_TIMEOUT_INFINITE, BTC_EV_SEND, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_SEND);
    /* timeouts that overflow an int or a naive deadline still wait for the event */
    const int64_t huge[] = {BTC_TIMEOUT_INFINITE, BTC_TIMEOUT_INFINITE - 1, (int64_t)INT32_MAX + 1,
                            (int64_t)UINT32_MAX + 1};
    for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        ts_delayed_send ds;
        cr_assert(ts_delayed_send_start(&ds, btc_sock_get(&a), "x", 1, 30));
        ev = 0;
        TS_CHECK_OK(&err, btc_sock_wait(&b, huge[k], BTC_EV_RECV, &ev, NULL, &err));
        cr_assert(ts_delayed_send_join(&ds));
        cr_assert(ev & BTC_EV_RECV, "timeout %lld", (long long)huge[k]);
        char c;
        TS_CHECK_OK(&err, btc_sock_recv(&b, &c, 1, 0, NULL, &err));
    }
}

Test(wait, peer_hangup_reports_recv)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_RECV, "hang-up must show as RECV (occurred 0x%x)", ev);
    cr_assert_eq(ev & ~(BTC_EV_RECV | BTC_EV_ERR), 0, "occurred 0x%x", ev);
    /* poll reports the hang-up itself (POLLHUP), which maps to ERR; select has no way to say it. */
    if (strcmp(btc_wait_backend(), "poll") == 0)
        cr_assert_eq(ev, BTC_EV_RECV | BTC_EV_ERR, "poll: a hang-up must show RECV|ERR (occurred 0x%x)", ev);
}

Test(wait, tcp_peer_hangup_reports_recv)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    cr_assert(ts_tcp_pair(&a, &b));
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_RECV, "hang-up must show as RECV (occurred 0x%x)", ev);
}

/* A connection reset shows as ERR whatever was requested (poll: POLLERR/POLLHUP). */
Test(wait, reset_connection_reports_err)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    cr_assert(ts_tcp_pair(&a, &b));
    btc_error err;
    struct linger lg = {1, 0};
    TS_CHECK_OK(&err, btc_sock_set_sock_opt(&a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err)); /* RST */
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_RECV, "a reset connection is readable (occurred 0x%x)", ev);
    if (!backend_is_select()) {
        cr_assert(ev & BTC_EV_ERR, "poll: a reset connection reports ERR (occurred 0x%x)", ev);
        ev = 0;
        TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_SEND, &ev, NULL, &err));
        cr_assert(ev & BTC_EV_ERR, "poll: ERR is reported without being requested (occurred 0x%x)", ev);
        cr_assert_eq(ev & BTC_EV_RECV, 0, "RECV was not requested (occurred 0x%x)", ev);
    }
    char c;
    TS_CHECK_CODE(BTC_ERR_IO, TS_ECONNRESET, &err, btc_sock_recv(&b, &c, 1, 0, NULL, &err));
}

Test(wait, requested_must_include_recv_or_send)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_wait(&a, 100, 0, &ev, NULL, &err));
    cr_assert_eq(ev, 0);
    ev = 0xFF;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_wait(&a, 100, BTC_EV_ERR, &ev, NULL, &err));
    cr_assert_eq(ev, 0);
    /* ERR alongside SEND is fine (it is always reported anyway) */
    ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&a, 100, BTC_EV_SEND | BTC_EV_ERR, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_SEND);
}

Test(wait, negative_timeout_is_invalid)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    const int64_t bad[] = {-1, -1000, INT64_MIN};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        btc_events ev = 0xFF;
        int64_t t0 = ts_now_ms();
        TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_wait(&b, bad[k], BTC_EV_RECV, &ev, NULL, &err));
        cr_assert_lt(ts_now_ms() - t0, 1000, "an invalid timeout must not wait");
        cr_assert_eq(ev, 0);
    }
}

Test(wait, null_and_empty_sock)
{
    btc_error err;
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_wait(NULL, 100, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert_eq(ev, 0);
    btc_sock e = BTC_SOCK_INIT;
    ev = 0xFF;
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_sock_wait(&e, 100, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert_eq(ev, 0);
}

Test(wait, occurred_may_be_null)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_wait(&a, 1000, BTC_EV_SEND, NULL, NULL, &err));
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&a, 10, BTC_EV_RECV, NULL, NULL, &err));
}

/* ---- interrupts ---------------------------------------------------------------- */

Test(wait, interrupt_already_set_returns_at_once)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt intr;
    make_interrupt(&intr);
    btc_interrupt_trigger(&intr);
    btc_error err;
    btc_events ev = 0xFF;
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&b, 10000, BTC_EV_RECV, &ev, &intr, &err));
    int64_t el = ts_now_us() - t0;
    cr_assert_eq(ev, 0);
    cr_assert_lt(el, 100 * 1000, "took %lld us", (long long)el);
    /* the flag stays set: the next wait is interrupted as well */
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&b, BTC_TIMEOUT_INFINITE, BTC_EV_RECV, &ev, &intr, &err));
    cr_assert(btc_interrupt_is_set(&intr));
    btc_interrupt_destroy(&intr);
}

Test(wait, interrupt_from_thread_wakes_wait)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt intr;
    make_interrupt(&intr);
    const int64_t timeouts[] = {10000, BTC_TIMEOUT_INFINITE, BTC_TIMEOUT_INFINITE - 1};
    for (size_t k = 0; k < sizeof timeouts / sizeof timeouts[0]; k++) {
        btc_interrupt_reset(&intr);
        ts_delayed_trigger dt;
        cr_assert(ts_delayed_trigger_start(&dt, &intr, 50));
        btc_error err;
        btc_events ev = 0xFF;
        TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&b, timeouts[k], BTC_EV_RECV, &ev, &intr, &err));
        int64_t back = ts_now_us();
        int64_t fired = ts_delayed_trigger_join(&dt);
        cr_assert_eq(ev, 0);
        cr_assert_lt(back - fired, 100 * 1000, "woke %lld us after the trigger", (long long)(back - fired));
    }
    btc_interrupt_destroy(&intr);
}

Test(wait, unset_interrupt_does_not_disturb)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt intr;
    make_interrupt(&intr);
    btc_error err;
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&a, 1000, BTC_EV_SEND, &ev, &intr, &err));
    cr_assert(ev & BTC_EV_SEND);
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&b, 50, BTC_EV_RECV, &ev, &intr, &err));
    cr_assert_geq(ts_now_us() - t0, 49 * 1000);
    btc_interrupt_destroy(&intr);
}

/* ---- btc_wait_many -------------------------------------------------------------- */

Test(wait, many_occurred_zeroed_on_every_status)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    BTC_SOCK_AUTO c = BTC_SOCK_INIT;
    BTC_SOCK_AUTO d = BTC_SOCK_INIT;
    make_pair(&a, &b);
    make_pair(&c, &d);
    btc_error err;
    btc_wait_item it[2];

    /* TIMEOUT */
    it[0] = (btc_wait_item){&b, BTC_EV_RECV, 0xFF};
    it[1] = (btc_wait_item){&d, BTC_EV_RECV, 0xFF};
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_wait_many(it, 2, 20, NULL, &err));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);

    /* OK: only the ready one reports */
    send_bytes(&c, "x", 1);
    it[0].occurred = 0xFF;
    it[1].occurred = 0xFF;
    TS_CHECK_OK(&err, btc_wait_many(it, 2, 5000, NULL, &err));
    cr_assert_eq(it[0].occurred, 0, "item 0 is not ready but occurred is 0x%x", it[0].occurred);
    cr_assert(it[1].occurred & BTC_EV_RECV);

    /* INVALID_ARGUMENT: negative timeout */
    it[0].occurred = 0xFF;
    it[1].occurred = 0xFF;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(it, 2, -5, NULL, &err));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);

    /* INVALID_ARGUMENT: one item requests nothing */
    it[0].occurred = 0xFF;
    it[1] = (btc_wait_item){&d, BTC_EV_ERR, 0xFF};
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(it, 2, 100, NULL, &err));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);

    /* INVALID_ARGUMENT: one item has no sock */
    it[0].occurred = 0xFF;
    it[1] = (btc_wait_item){NULL, BTC_EV_RECV, 0xFF};
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(it, 2, 100, NULL, &err));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);

    /* INVALID_SOCKET: one item is empty */
    btc_sock e = BTC_SOCK_INIT;
    it[0].occurred = 0xFF;
    it[1] = (btc_wait_item){&e, BTC_EV_RECV, 0xFF};
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_wait_many(it, 2, 100, NULL, &err));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);

    /* INTERRUPTED */
    btc_interrupt intr;
    make_interrupt(&intr);
    btc_interrupt_trigger(&intr);
    it[0] = (btc_wait_item){&b, BTC_EV_RECV, 0xFF};
    it[1] = (btc_wait_item){&d, BTC_EV_RECV, 0xFF};
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_wait_many(it, 2, 1000, &intr, &err));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);
    btc_interrupt_destroy(&intr);
}

Test(wait, many_count_zero_is_a_sleep)
{
    btc_error err;
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_wait_many(NULL, 0, 100, NULL, &err));
    int64_t el = ts_now_us() - t0;
    cr_assert_geq(el, 99 * 1000, "slept only %lld us", (long long)el);
    cr_assert_lt(el, 1100 * 1000, "slept %lld us", (long long)el);
    btc_wait_item unused = {NULL, 0, 0xFF};
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_wait_many(&unused, 0, 0, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(NULL, 0, -1, NULL, &err));
}

Test(wait, many_count_zero_is_interruptible)
{
    btc_interrupt intr;
    make_interrupt(&intr);
    ts_delayed_trigger dt;
    cr_assert(ts_delayed_trigger_start(&dt, &intr, 50));
    btc_error err;
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_wait_many(NULL, 0, BTC_TIMEOUT_INFINITE, &intr, &err));
    int64_t back = ts_now_us();
    int64_t fired = ts_delayed_trigger_join(&dt);
    cr_assert_lt(back - fired, 100 * 1000, "woke %lld us after the trigger", (long long)(back - fired));
    /* already set: at once */
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_wait_many(NULL, 0, 10000, &intr, &err));
    cr_assert_lt(ts_now_us() - t0, 100 * 1000);
    btc_interrupt_destroy(&intr);
}

Test(wait, many_null_items_with_count)
{
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(NULL, 1, 100, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(NULL, 3, 0, NULL, &err));
}

Test(wait, many_different_tables_is_invalid)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_sock a2 = a; /* the same descriptor under another table; never closed through a2 */
    btc_sys copy = *btc_sys_default();
    btc_sock_set_sys(&a2, &copy);
    btc_wait_item it[2] = {{&a, BTC_EV_SEND, 0xFF}, {&a2, BTC_EV_SEND, 0xFF}};
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(it, 2, 100, NULL, &err));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);
    /* NULL and the default table are the same table */
    btc_sock_set_sys(&a2, btc_sys_default());
    TS_CHECK_OK(&err, btc_wait_many(it, 2, 1000, NULL, &err));
    cr_assert(it[0].occurred & BTC_EV_SEND);
    cr_assert(it[1].occurred & BTC_EV_SEND);
    /* both on the copy: fine too */
    btc_sock a3 = b;
    btc_sock_set_sys(&a3, &copy);
    btc_sock_set_sys(&a2, &copy);
    it[0] = (btc_wait_item){&a3, BTC_EV_SEND, 0xFF};
    it[1] = (btc_wait_item){&a2, BTC_EV_SEND, 0xFF};
    TS_CHECK_OK(&err, btc_wait_many(it, 2, 1000, NULL, &err));
    cr_assert(it[0].occurred & BTC_EV_SEND);
}

Test(wait, many_reports_only_the_written_sockets)
{
    enum { PAIRS = 50 };
    static btc_sock w[PAIRS];
    static btc_sock r[PAIRS];
    static btc_wait_item it[PAIRS];
    for (int k = 0; k < PAIRS; k++) {
        make_pair(&w[k], &r[k]);
        it[k] = (btc_wait_item){&r[k], BTC_EV_RECV, 0xFF};
    }
    const int written[] = {0, 3, 17, 42, 49};
    for (size_t k = 0; k < sizeof written / sizeof written[0]; k++) {
        send_bytes(&w[written[k]], "x", 1);
    }
    btc_error err;
    TS_CHECK_OK(&err, btc_wait_many(it, PAIRS, 5000, NULL, &err));
    for (int k = 0; k < PAIRS; k++) {
        bool should = false;
        for (size_t j = 0; j < sizeof written / sizeof written[0]; j++) {
            should = should || written[j] == k;
        }
        if (should) {
            cr_assert_eq(it[k].occurred, BTC_EV_RECV, "pair %d: occurred 0x%x, expected RECV", k, it[k].occurred);
        } else {
            cr_assert_eq(it[k].occurred, 0, "pair %d: occurred 0x%x, expected 0", k, it[k].occurred);
        }
    }
    /* mixed requests: every writer asks for SEND too */
    static btc_wait_item mix[2 * PAIRS];
    for (int k = 0; k < PAIRS; k++) {
        mix[2 * k] = (btc_wait_item){&r[k], BTC_EV_RECV, 0xFF};
        mix[2 * k + 1] = (btc_wait_item){&w[k], BTC_EV_SEND, 0xFF};
    }
    TS_CHECK_OK(&err, btc_wait_many(mix, 2 * PAIRS, 5000, NULL, &err));
    for (int k = 0; k < PAIRS; k++) {
        cr_assert_eq(mix[2 * k + 1].occurred, BTC_EV_SEND, "writer %d: 0x%x", k, mix[2 * k + 1].occurred);
    }
    for (int k = 0; k < PAIRS; k++) {
        TS_CHECK_OK(&err, btc_sock_reset(&w[k], &err));
        TS_CHECK_OK(&err, btc_sock_reset(&r[k], &err));
    }
}

Test(wait, many_interrupt_from_thread)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt intr;
    make_interrupt(&intr);
    ts_delayed_trigger dt;
    cr_assert(ts_delayed_trigger_start(&dt, &intr, 50));
    btc_wait_item it[2] = {{&a, BTC_EV_RECV, 0xFF}, {&b, BTC_EV_RECV, 0xFF}};
    btc_error err;
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_wait_many(it, 2, 10000, &intr, &err));
    int64_t back = ts_now_us();
    int64_t fired = ts_delayed_trigger_join(&dt);
    cr_assert_lt(back - fired, 100 * 1000, "woke %lld us after the trigger", (long long)(back - fired));
    cr_assert_eq(it[0].occurred, 0);
    cr_assert_eq(it[1].occurred, 0);
    btc_interrupt_destroy(&intr);
}

/* A descriptor closed behind the library's back: ERR (poll's POLLNVAL) or IO/EBADF (select), never a timeout. */
Test(wait, closed_descriptor_is_not_a_timeout)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    BTC_SOCK_AUTO c = BTC_SOCK_INIT;
    BTC_SOCK_AUTO d = BTC_SOCK_INIT;
    make_pair(&a, &b);
    make_pair(&c, &d);
    /* Nothing opens a descriptor after this close, so a's number stays free. */
    cr_assert(ts_close_raw(btc_sock_get(&a)));
    btc_error err;
    btc_status st;
    btc_events ev = 0;
    TS_RUN(st, &err, btc_sock_wait(&a, 2000, BTC_EV_RECV, &ev, NULL, &err));
    if (st == BTC_OK) {
        cr_assert(ev & BTC_EV_ERR, "OK without ERR on a closed descriptor (0x%x)", ev);
    } else {
        cr_assert_eq(st, BTC_ERR_IO, "closed descriptor gave %s", btc_status_name(st));
        cr_assert_eq(err.code, TS_EBADF);
        cr_assert_eq(ev, 0);
    }
    /* b saw its peer go away, so the quiet item is d, of another pair */
    btc_wait_item it[2] = {{&d, BTC_EV_RECV, 0xFF}, {&a, BTC_EV_RECV, 0xFF}};
    TS_RUN(st, &err, btc_wait_many(it, 2, 2000, NULL, &err));
    if (st == BTC_OK) {
        cr_assert(it[1].occurred & BTC_EV_ERR, "OK without ERR on a closed descriptor (0x%x)", it[1].occurred);
        cr_assert_eq(it[0].occurred, 0);
    } else {
        cr_assert_eq(st, BTC_ERR_IO, "closed descriptor gave %s", btc_status_name(st));
        cr_assert_eq(err.code, TS_EBADF);
    }
    (void)btc_sock_release(&a);
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

/* ======================================================================== */
/* POSIX: descriptors at and past FD_SETSIZE                                */
/* ======================================================================== */
#ifndef _WIN32

#include <sys/select.h>

/* A socket whose descriptor is FD_SETSIZE + 5 (a dup of a pair's end). */
static bool make_big_fd_pair(btc_sock *big, btc_sock *peer)
{
    btc_sock a = BTC_SOCK_INIT;
    make_pair(&a, peer);
    int target = FD_SETSIZE + 5;
    if (!ts_allow_fd(target + 1)) {
        btc_error err;
        TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
        TS_CHECK_OK(&err, btc_sock_reset(peer, &err));
        return false;
    }
    cr_assert(ts_dup_to(btc_sock_get(&a), target));
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    btc_sock_from_fd(big, target);
    return true;
}

Test(wait, fd_past_fd_setsize)
{
    BTC_SOCK_AUTO big = BTC_SOCK_INIT;
    BTC_SOCK_AUTO peer = BTC_SOCK_INIT;
    if (!make_big_fd_pair(&big, &peer)) {
        cr_skip_test("cannot raise RLIMIT_NOFILE past FD_SETSIZE + 5");
    }
    btc_error err;
    btc_events ev = 0xFF;
    send_bytes(&peer, "x", 1);
    if (backend_is_select()) {
        cr_assert(!btc_is_selectable_socket(btc_sock_get(&big)));
        cr_assert(!btc_sock_is_selectable(&big));
        TS_CHECK(BTC_ERR_NOT_SELECTABLE, &err, btc_sock_wait(&big, 1000, BTC_EV_RECV, &ev, NULL, &err));
        cr_assert_eq(ev, 0);
        btc_wait_item it[2] = {{&peer, BTC_EV_SEND, 0xFF}, {&big, BTC_EV_RECV, 0xFF}};
        TS_CHECK(BTC_ERR_NOT_SELECTABLE, &err, btc_wait_many(it, 2, 1000, NULL, &err));
        cr_assert_eq(it[0].occurred, 0);
        cr_assert_eq(it[1].occurred, 0);
        /* the high-level operations refuse it too instead of overflowing an fd_set */
        char buf[8];
        size_t len = 0;
        /* "x" is read in the first try; waiting for the rest is impossible and says so */
        TS_CHECK(BTC_ERR_NOT_SELECTABLE, &err,
                 btc_sock_recv_until_terminator(&big, '\n', 100, NULL, sizeof buf, buf, &len, 0, &err));
        cr_assert_eq(len, 1, "the byte consumed before the stop is handed back");
        cr_assert_eq(err.bytes, 1);
        cr_assert_eq(buf[0], 'x');
    } else {
        cr_assert(btc_is_selectable_socket(btc_sock_get(&big)));
        cr_assert(btc_sock_is_selectable(&big));
        TS_CHECK_OK(&err, btc_sock_wait(&big, 5000, BTC_EV_RECV, &ev, NULL, &err));
        cr_assert(ev & BTC_EV_RECV);
        btc_wait_item it[2] = {{&peer, BTC_EV_RECV, 0xFF}, {&big, BTC_EV_RECV, 0xFF}};
        TS_CHECK_OK(&err, btc_wait_many(it, 2, 5000, NULL, &err));
        cr_assert_eq(it[0].occurred, 0);
        cr_assert(it[1].occurred & BTC_EV_RECV);
        char buf[8];
        size_t len = 0;
        send_bytes(&peer, "\n", 1);
        TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&big, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err));
        cr_assert_eq(len, 1);
        cr_assert_eq(buf[0], 'x');
    }
}

Test(wait, selectable_limits)
{
    cr_assert(!btc_is_selectable_socket(BTC_INVALID_SOCKET));
    cr_assert(btc_is_selectable_socket(0));
    cr_assert(btc_is_selectable_socket(FD_SETSIZE - 1));
    cr_assert_eq(btc_is_selectable_socket(FD_SETSIZE), !backend_is_select());
    cr_assert_eq(btc_is_selectable_socket(FD_SETSIZE * 4), !backend_is_select());
}

/* With every descriptor below FD_SETSIZE taken, new sockets land past it. */
Test(wait, open_and_interrupt_past_fd_setsize)
{
    if (ts_occupy_fds_below(FD_SETSIZE) < 0) {
        cr_skip_test("cannot occupy the descriptors below FD_SETSIZE (RLIMIT_NOFILE)");
    }
    btc_error err;
    btc_sock s = BTC_SOCK_INIT;
    btc_interrupt intr;
    memset(&intr, 0, sizeof intr);
    if (backend_is_select()) {
        TS_CHECK(BTC_ERR_NOT_SELECTABLE, &err, btc_sock_open(&s, AF_INET, SOCK_STREAM, 0, &err));
        cr_assert(btc_sock_is_empty(&s), "an unselectable socket must not be handed out");
        cr_assert(!ts_fd_is_open(FD_SETSIZE), "the unselectable socket was not closed again");
        TS_CHECK(BTC_ERR_NOT_SELECTABLE, &err, btc_interrupt_init(&intr, &err));
        cr_assert(!btc_interrupt_is_valid(&intr));
        cr_assert(!ts_fd_is_open(FD_SETSIZE), "the unselectable wake descriptor was not closed again");
    } else {
        TS_CHECK_OK(&err, btc_sock_open(&s, AF_INET, SOCK_STREAM, 0, &err));
        cr_assert_geq(btc_sock_get(&s), FD_SETSIZE);
        TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
        TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
        btc_interrupt_trigger(&intr);
        TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_wait_many(NULL, 0, 1000, &intr, &err));
        btc_interrupt_destroy(&intr);
    }
    ts_release_fds_below();
}

#endif /* !_WIN32 */

/*
 * A wake-up that outlives its flag (on Windows the wake byte may arrive
 * after a reset has drained) must not end every later wait at once: the
 * first waiter it wakes drains it, and the waits after that block again.
 * The stale state is made here by clearing the flag without draining.
 */
Test(wait, a_stale_wake_up_is_drained_not_spun_on)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    btc_interrupt intr;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    btc_interrupt_trigger(&intr);
    __atomic_store_n(&intr.flag, 0, __ATOMIC_SEQ_CST);
    kit_counter k;
    cr_assert(kit_counter_init(&k, NULL));
    btc_sock_set_sys(&a, btc_sys_tap_table(&k.tap));
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&a, 200, BTC_EV_RECV, NULL, &intr, &err));
    cr_assert_leq(k.counts.slot[BTC_SYS_SLOT_wait], 3ul, "%lu wait calls in 200 ms: the stale wake-up was spun on",
                  k.counts.slot[BTC_SYS_SLOT_wait]);
    k.counts.slot[BTC_SYS_SLOT_wait] = 0;
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&a, 50, BTC_EV_RECV, NULL, &intr, &err));
    TS_ASSERT_SZ(k.counts.slot[BTC_SYS_SLOT_wait], 1, "wait calls once the stale wake-up is gone");
    btc_interrupt_trigger(&intr);
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&a, 5000, BTC_EV_RECV, NULL, &intr, &err));
    btc_sock_set_sys(&a, NULL);
    btc_interrupt_destroy(&intr);
}
