/* SPDX-License-Identifier: MIT */
/*
 * tests/test_sock.c - the btc_sock handle and the thin wrappers over real
 * sockets: ownership (init, from_fd, release, reset, move, BTC_SOCK_AUTO),
 * btc_sock_open and btc_make_socket_pair, send/recv/connect/bind/listen/
 * accept/sockopts, and the argument, empty-socket, bad-table and OS-error
 * paths of every operation.
 *
 * The first part is portable (it uses only support.h for OS facts); the part
 * under `#ifndef _WIN32` at the end checks POSIX specifics (descriptor flags,
 * AF_UNIX, pipes, SIGPIPE).
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "btcsock.h"
#include "support.h"

TestSuite(sock, .timeout = 30);

/* ---- helpers ------------------------------------------------------------------ */

/* A connected pair from the library (AF_UNIX on POSIX). */
static void make_pair(btc_sock *a, btc_sock *b)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(a, b, &err));
    cr_assert(!btc_sock_is_empty(a) && !btc_sock_is_empty(b));
}

/* Waits until s is readable (or 5 s pass, which fails the test). */
static void wait_readable(const btc_sock *s)
{
    btc_error err;
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(s, 5000, BTC_EV_RECV, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_RECV);
}

/* The default table with one slot cleared (slot < BTC_SYS_SLOT_COUNT) or, for BTC_SYS_SLOT_COUNT, a bad version. */
#define SLOT_COUNT ((size_t)BTC_SYS_SLOT_COUNT)

static void table_without(btc_sys *t, size_t slot)
{
    *t = *btc_sys_default();
    switch ((btc_sys_slot)slot) {
#define CLEAR_SLOT(since, ret, name, fails, n, params) \
    case BTC_SYS_SLOT_##name:                          \
        t->name = NULL;                                \
        break;
        BTC_SYS_SLOTS(CLEAR_SLOT)
#undef CLEAR_SLOT
    case BTC_SYS_SLOT_COUNT:
        t->version = 0;
        break;
    }
}

/*
 * Calls every operation on s and expects `want` from each (with err->code ==
 * code when code >= 0). set_non_blocking and the waits are included only
 * when asked (they are not socket calls on every platform / are tested
 * elsewhere for OS errors).
 */
static void expect_every_op(const char *label, const btc_sock *s, btc_status want, int code, bool with_nonblock,
                            bool with_waits)
{
    btc_error err;
    char buf[16];
    size_t n;
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 1);
    socklen_t sl;
    int v = 1;
    socklen_t vl;
    btc_sock out = BTC_SOCK_INIT;

#define EXPECT(call)                                                                                     \
    do {                                                                                                 \
        btc_status st_;                                                                                  \
        TS_RUN(st_, &err, call);                                                                         \
        cr_assert_eq(st_, want, "[%s] %s\n    returned %s, expected %s (message \"%s\")", label, #call,  \
                     btc_status_name(st_), btc_status_name(want), ts_error_message(&err));               \
        if (code >= 0) {                                                                                 \
            cr_assert_eq(err.code, code, "[%s] %s: code %d, expected %d", label, #call, err.code, code); \
        }                                                                                                \
    } while (0)

    n = 77;
    EXPECT(btc_sock_send(s, "x", 1, 0, &n, &err));
    cr_assert_eq(n, 0, "send: *sent must be 0 on error, got %zu", n);
    n = 77;
    EXPECT(btc_sock_recv(s, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 0, "recv: *received must be 0 on error, got %zu", n);
    EXPECT(btc_sock_connect(s, (const struct sockaddr *)&sa, sizeof sa, &err));
    EXPECT(btc_sock_bind(s, (const struct sockaddr *)&sa, sizeof sa, &err));
    EXPECT(btc_sock_listen(s, 1, &err));
    EXPECT(btc_sock_accept(s, NULL, NULL, &out, &err));
    vl = sizeof v;
    EXPECT(btc_sock_get_sock_opt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &vl, &err));
    EXPECT(btc_sock_set_sock_opt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v, &err));
    sl = sizeof sa;
    EXPECT(btc_sock_get_sock_name(s, (struct sockaddr *)&sa, &sl, &err));
    if (with_nonblock) {
        EXPECT(btc_sock_set_non_blocking(s, &err));
    }
    EXPECT(btc_sock_send_complete(s, "abc", 3, 100, NULL, &err));
    cr_assert_eq(err.bytes, 0);
    n = 77;
    EXPECT(btc_sock_recv_until_terminator(s, '\n', 100, NULL, sizeof buf, buf, &n, 0, &err));
    cr_assert_eq(n, 0, "recv_until_terminator: *len %zu on a call that consumed nothing", n);
    cr_assert_eq(err.bytes, 0);
    EXPECT(btc_sock_is_connected(s, &err));
    if (with_waits) {
        btc_events ev = 0xFF;
        EXPECT(btc_sock_wait(s, 100, BTC_EV_RECV, &ev, NULL, &err));
        cr_assert_eq(ev, 0, "wait: occurred must be 0 on error");
        btc_wait_item item = {s, BTC_EV_RECV, 0xFF};
        EXPECT(btc_wait_many(&item, 1, 100, NULL, &err));
        cr_assert_eq(item.occurred, 0, "wait_many: occurred must be 0 on error");
    }
#undef EXPECT
    /* Nothing was accepted, so nothing may have been stored in out; release
     * whatever is there without closing (it is not ours to close). */
    (void)btc_sock_release(&out);
}

/* A counting close slot for checking which table reset/move use. */
static int close_calls;
static int counting_close(void *ctx, btc_socket_t s)
{
    (void)ctx;
    close_calls++;
    return btc_sys_default()->close(btc_sys_default()->ctx, s);
}

/* ---- ownership ---------------------------------------------------------------- */

Test(sock, init_is_empty_with_default_table)
{
    btc_sock s;
    memset(&s, 0x5a, sizeof s);
    btc_sock_init(&s);
    cr_assert_eq(s.fd, BTC_INVALID_SOCKET);
    cr_assert(s.sys == NULL, "%s is not the default table", "s.sys");
    cr_assert(btc_sock_is_empty(&s));
    cr_assert_eq(btc_sock_get(&s), BTC_INVALID_SOCKET);
    btc_sock i = BTC_SOCK_INIT;
    cr_assert(btc_sock_is_empty(&i));
    cr_assert(btc_sock_is_empty(NULL), "NULL counts as empty");
    cr_assert_eq(btc_sock_get(NULL), BTC_INVALID_SOCKET);
}

Test(sock, from_fd_overwrites_without_closing)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    btc_socket_t fb = btc_sock_get(&b);
    btc_sys copy = *btc_sys_default();
    btc_sock s = BTC_SOCK_INIT;
    btc_sock_from_fd(&s, fa);
    btc_sock_set_sys(&s, &copy);
    cr_assert_eq(s.sys, &copy);
    btc_sock_from_fd(&s, fb);
    cr_assert_eq(btc_sock_get(&s), fb);
    cr_assert(s.sys == NULL, "from_fd must reset the table to the default");
    cr_assert(!btc_sock_is_empty(&s));
    cr_assert(ts_fd_is_open(fa), "from_fd closed what s held");
    cr_assert_eq(btc_sock_release(&s), fb);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, set_sys_and_back_to_default)
{
    btc_sock s = BTC_SOCK_INIT;
    btc_sys copy = *btc_sys_default();
    btc_sock_set_sys(&s, &copy);
    cr_assert_eq(s.sys, &copy);
    btc_sock_set_sys(&s, NULL);
    cr_assert(s.sys == NULL, "%s is not the default table", "s.sys");
    cr_assert(btc_sock_is_empty(&s), "set_sys must not touch fd");
}

Test(sock, release_gives_up_ownership)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    btc_socket_t r = btc_sock_release(&a);
    cr_assert_eq(r, fa);
    cr_assert(btc_sock_is_empty(&a));
    cr_assert_eq(btc_sock_get(&a), BTC_INVALID_SOCKET);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err)); /* empty: closes nothing */
    cr_assert(ts_fd_is_open(fa), "released descriptor was closed");
    cr_assert_eq(btc_sock_release(&a), BTC_INVALID_SOCKET, "release of an empty sock");
    cr_assert(ts_close_raw(fa));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, reset_closes)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    cr_assert(btc_sock_is_empty(&a));
    cr_assert(!ts_fd_is_open(fa), "descriptor still open after reset");
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err)); /* now empty: no-op */
    cr_assert_eq(btc_sock_reset(&b, NULL), BTC_OK, "err may be NULL");
    cr_assert(btc_sock_is_empty(&b));
}

Test(sock, reset_empty_is_ok_noop)
{
    btc_sock s = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
    cr_assert(btc_sock_is_empty(&s));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_reset(NULL, &err));
}

Test(sock, reset_of_closed_descriptor_is_io_ebadf_and_empties)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    cr_assert(ts_close_raw(btc_sock_get(&a)));
    btc_error err;
    TS_CHECK_CODE(BTC_ERR_IO, TS_EBADF, &err, btc_sock_reset(&a, &err));
    cr_assert(btc_sock_is_empty(&a), "s must be empty after a failed close");
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, reset_uses_the_sockets_table)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_sys counting = *btc_sys_default();
    counting.close = counting_close;
    btc_sock_set_sys(&a, &counting);
    close_calls = 0;
    btc_socket_t fa = btc_sock_get(&a);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    cr_assert_eq(close_calls, 1, "reset must close through the sock's table");
    cr_assert(!ts_fd_is_open(fa));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, move_closes_dst_and_takes_src)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    btc_socket_t fb = btc_sock_get(&b);
    btc_sys copy = *btc_sys_default();
    btc_sock_set_sys(&b, &copy);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_move(&a, &b, &err));
    cr_assert(!ts_fd_is_open(fa), "dst's old descriptor must be closed");
    cr_assert_eq(btc_sock_get(&a), fb);
    cr_assert_eq(a.sys, &copy, "sys moves with fd");
    cr_assert(btc_sock_is_empty(&b), "src must be empty");
    cr_assert(ts_fd_is_open(fb));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
}

Test(sock, move_closes_dst_with_dsts_table)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_sys counting = *btc_sys_default();
    counting.close = counting_close;
    btc_sock_set_sys(&a, &counting);
    close_calls = 0;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_move(&a, &b, &err));
    cr_assert_eq(close_calls, 1, "dst's socket must be closed with dst's table");
    cr_assert(a.sys == NULL, "dst takes src's (default) table");
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
}

Test(sock, self_move_is_noop)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    btc_sys copy = *btc_sys_default();
    btc_sock_set_sys(&a, &copy);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_move(&a, &a, &err));
    cr_assert_eq(btc_sock_get(&a), fa);
    cr_assert_eq(a.sys, &copy);
    cr_assert(ts_fd_is_open(fa), "self-move closed the descriptor");
    /* still a working socket */
    size_t sent = 0;
    TS_CHECK_OK(&err, btc_sock_send(&a, "z", 1, 0, &sent, &err));
    cr_assert_eq(sent, 1);
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, move_between_empty_and_full)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    btc_sock e = BTC_SOCK_INIT;
    btc_error err;
    /* empty dst takes a */
    TS_CHECK_OK(&err, btc_sock_move(&e, &a, &err));
    cr_assert_eq(btc_sock_get(&e), fa);
    cr_assert(btc_sock_is_empty(&a));
    cr_assert(ts_fd_is_open(fa));
    /* full dst takes an empty src: its own is closed, it ends up empty */
    TS_CHECK_OK(&err, btc_sock_move(&e, &a, &err));
    cr_assert(btc_sock_is_empty(&e));
    cr_assert(!ts_fd_is_open(fa));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, move_happens_even_when_close_fails)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fb = btc_sock_get(&b);
    cr_assert(ts_close_raw(btc_sock_get(&a)));
    btc_error err;
    TS_CHECK_CODE(BTC_ERR_IO, TS_EBADF, &err, btc_sock_move(&a, &b, &err));
    cr_assert_eq(btc_sock_get(&a), fb, "the move must happen although the close failed");
    cr_assert(btc_sock_is_empty(&b));
    cr_assert(ts_fd_is_open(fb));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
}

Test(sock, move_null_arguments)
{
    btc_sock s = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_move(NULL, &s, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_move(&s, NULL, &err));
}

Test(sock, auto_closes_on_scope_exit)
{
    btc_socket_t fd;
    btc_sock keep = BTC_SOCK_INIT;
    {
        BTC_SOCK_AUTO s = BTC_SOCK_INIT;
        make_pair(&s, &keep);
        fd = btc_sock_get(&s);
        cr_assert(ts_fd_is_open(fd));
    }
    cr_assert(!ts_fd_is_open(fd), "BTC_SOCK_AUTO did not close on scope exit");
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&keep, &err));
}

/* ---- open and pairs ---------------------------------------------------------- */

Test(sock, open_tcp_overwrites_without_closing)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    btc_sys copy = *btc_sys_default();
    btc_sock s = a;
    btc_sock_set_sys(&s, &copy);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&s, AF_INET, SOCK_STREAM, 0, &err));
    cr_assert(!btc_sock_is_empty(&s));
    cr_assert_neq(btc_sock_get(&s), fa);
    cr_assert(s.sys == NULL, "open must set the default table");
    cr_assert(ts_fd_is_open(fa), "open closed what out held");
    cr_assert(btc_sock_is_selectable(&s));
    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, open_bad_domain_is_io)
{
    btc_sock s = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK(BTC_ERR_IO, &err, btc_sock_open(&s, 12345, SOCK_STREAM, 0, &err));
    cr_assert(btc_sock_is_empty(&s), "a failed open leaves out empty");
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_open(NULL, AF_INET, SOCK_STREAM, 0, &err));
}

Test(sock, socket_pair_is_connected_both_ways)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    cr_assert(a.sys == NULL, "%s is not the default table", "a.sys");
    cr_assert(b.sys == NULL, "%s is not the default table", "b.sys");
    cr_assert_neq(btc_sock_get(&a), btc_sock_get(&b));
    btc_error err;
    size_t n = 0;
    char buf[8];
    TS_CHECK_OK(&err, btc_sock_send(&a, "ab", 2, 0, &n, &err));
    cr_assert_eq(n, 2);
    wait_readable(&b);
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 2);
    cr_assert_eq(memcmp(buf, "ab", 2), 0);
    TS_CHECK_OK(&err, btc_sock_send(&b, "cde", 3, 0, &n, &err));
    cr_assert_eq(n, 3);
    wait_readable(&a);
    TS_CHECK_OK(&err, btc_sock_recv(&a, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(buf, "cde", 3), 0);
}

Test(sock, socket_pair_overwrites_without_closing)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_sock c = a;
    btc_sock d = b;
    btc_sys copy = *btc_sys_default();
    btc_sock_set_sys(&c, &copy);
    btc_sock_set_sys(&d, &copy);
    make_pair(&c, &d);
    cr_assert(c.sys == NULL, "%s is not the default table", "c.sys");
    cr_assert(d.sys == NULL, "%s is not the default table", "d.sys");
    cr_assert(ts_fd_is_open(btc_sock_get(&a)));
    cr_assert(ts_fd_is_open(btc_sock_get(&b)));
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&c, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&d, &err));
}

Test(sock, socket_pair_null_arguments)
{
    btc_sock s = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_make_socket_pair(NULL, &s, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_make_socket_pair(&s, NULL, &err));
    cr_assert(btc_sock_is_empty(&s));
}

/* ---- send / recv -------------------------------------------------------------- */

Test(sock, send_recv_counts)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    size_t n = 99;
    TS_CHECK_OK(&err, btc_sock_send(&a, "hello", 5, 0, &n, &err));
    cr_assert_eq(n, 5);
    cr_assert_eq(err.bytes, 5, "err.bytes on a successful send");
    wait_readable(&b);
    char buf[16];
    memset(buf, 0, sizeof buf);
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 5);
    cr_assert_eq(err.bytes, 5, "err.bytes on a successful recv");
    cr_assert_str_eq(buf, "hello");
    /* the counts are optional */
    cr_assert_eq(btc_sock_send(&a, "xy", 2, 0, NULL, NULL), BTC_OK);
    wait_readable(&b);
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, 0, NULL, &err));
    cr_assert_eq(err.bytes, 2);
}

Test(sock, send_zero_bytes_is_ok)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    size_t n = 99;
    TS_CHECK_OK(&err, btc_sock_send(&a, "", 0, 0, &n, &err));
    cr_assert_eq(n, 0);
    cr_assert_eq(ts_readable_bytes(btc_sock_get(&b)), 0);
}

Test(sock, recv_peek_leaves_data)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    size_t n = 0;
    TS_CHECK_OK(&err, btc_sock_send(&a, "hello", 5, 0, &n, &err));
    wait_readable(&b);
    char buf[16];
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, 3, MSG_PEEK, &n, &err));
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(buf, "hel", 3), 0);
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 5, "the peek consumed data");
    cr_assert_eq(memcmp(buf, "hello", 5), 0);
}

Test(sock, recv_empty_nonblocking_would_block)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    char buf[4];
    size_t n = 99;
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, TS_EAGAIN, &err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 0);
    cr_assert_eq(err.bytes, 0);
}

Test(sock, recv_dontwait_on_blocking_socket_would_block)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    cr_assert(ts_set_blocking(btc_sock_get(&b), true));
    btc_error err;
    char buf[4];
    size_t n = 99;
    int64_t t0 = ts_now_ms();
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, TS_EAGAIN, &err, btc_sock_recv(&b, buf, sizeof buf, BTC_MSG_DONTWAIT, &n, &err));
    cr_assert_lt(ts_now_ms() - t0, 1000);
}

Test(sock, recv_after_peer_reset_is_closed)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    wait_readable(&b);
    char buf[4];
    size_t n = 99;
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 0);
    cr_assert_eq(err.code, 0, "EOF has no OS code");
}

Test(sock, recv_after_data_then_close_gets_data_first)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    size_t n = 0;
    TS_CHECK_OK(&err, btc_sock_send(&a, "last", 4, 0, &n, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    wait_readable(&b);
    char buf[8];
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 4);
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
}

Test(sock, tcp_recv_after_rst_is_io_econnreset)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    cr_assert(ts_tcp_pair(&a, &b));
    btc_error err;
    struct linger lg = {1, 0};
    TS_CHECK_OK(&err, btc_sock_set_sock_opt(&a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err)); /* close with linger 0 sends RST */
    wait_readable(&b);
    char buf[4];
    size_t n = 99;
    TS_CHECK_CODE(BTC_ERR_IO, TS_ECONNRESET, &err, btc_sock_recv(&b, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 0);
}

Test(sock, send_recv_null_buffers)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send(&a, NULL, 4, 0, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_recv(&a, NULL, 4, 0, NULL, &err));
}

/* ---- TCP: bind, listen, connect, accept, names, options --------------------- */

/* A TCP listener on 127.0.0.1 (an ephemeral port) using table `sys`. */
static void make_listener(btc_sock *lst, const btc_sys *sys, struct sockaddr_in *sa)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(lst, AF_INET, SOCK_STREAM, 0, &err));
    btc_sock_set_sys(lst, sys);
    ts_loopback_addr(sa, 0);
    TS_CHECK_OK(&err, btc_sock_bind(lst, (const struct sockaddr *)sa, sizeof *sa, &err));
    TS_CHECK_OK(&err, btc_sock_listen(lst, 8, &err));
    socklen_t sl = sizeof *sa;
    TS_CHECK_OK(&err, btc_sock_get_sock_name(lst, (struct sockaddr *)sa, &sl, &err));
    cr_assert_eq(sl, sizeof *sa);
    cr_assert(ts_addr_is_loopback(sa));
    cr_assert_neq(ts_addr_port(sa), 0, "getsockname must report the bound ephemeral port");
}

/* Connects cli to sa (non-blocking: OK at once or WOULD_BLOCK/EINPROGRESS, then writable). */
static void connect_to(btc_sock *cli, const struct sockaddr_in *sa)
{
    btc_error err;
    btc_status st;
    TS_CHECK_OK(&err, btc_sock_open(cli, AF_INET, SOCK_STREAM, 0, &err));
    TS_RUN(st, &err, btc_sock_connect(cli, (const struct sockaddr *)sa, sizeof *sa, &err));
    if (st == BTC_ERR_WOULD_BLOCK) {
        cr_assert_eq(err.code, TS_EINPROGRESS, "in-progress connect has code %d", err.code);
        btc_events ev = 0;
        TS_CHECK_OK(&err, btc_sock_wait(cli, 5000, BTC_EV_SEND, &ev, NULL, &err));
        cr_assert(ev & BTC_EV_SEND);
    } else {
        cr_assert_eq(st, BTC_OK, "connect: %s (%s)", btc_status_name(st), err.message);
    }
    int so_error = -1;
    socklen_t len = sizeof so_error;
    TS_CHECK_OK(&err, btc_sock_get_sock_opt(cli, SOL_SOCKET, SO_ERROR, &so_error, &len, &err));
    cr_assert_eq(so_error, 0, "connect failed: SO_ERROR %d", so_error);
}

Test(sock, tcp_bind_listen_connect_accept)
{
    btc_sys copy = *btc_sys_default();
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    make_listener(&lst, &copy, &sa);
    btc_error err;

    /* nothing pending yet */
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, TS_EAGAIN, &err, btc_sock_accept(&lst, NULL, NULL, &srv, &err));

    connect_to(&cli, &sa);
    wait_readable(&lst);

    /* accept overwrites out without closing what it held */
    btc_sock holder_a = BTC_SOCK_INIT;
    btc_sock holder_b = BTC_SOCK_INIT;
    make_pair(&holder_a, &holder_b);
    srv = holder_a;

    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    TS_CHECK_OK(&err, btc_sock_accept(&lst, (struct sockaddr *)&peer, &pl, &srv, &err));
    cr_assert(!btc_sock_is_empty(&srv));
    cr_assert_neq(btc_sock_get(&srv), btc_sock_get(&holder_a));
    cr_assert(ts_fd_is_open(btc_sock_get(&holder_a)), "accept closed what out held");
    cr_assert_eq(srv.sys, &copy, "the accepted sock inherits the listener's table");
    cr_assert_eq(pl, sizeof peer);
    cr_assert(ts_addr_is_loopback(&peer));
    struct sockaddr_in local;
    socklen_t ll = sizeof local;
    TS_CHECK_OK(&err, btc_sock_get_sock_name(&cli, (struct sockaddr *)&local, &ll, &err));
    cr_assert_eq(ts_addr_port(&peer), ts_addr_port(&local), "accept reported the client's port");

    /* a working connection both ways */
    size_t n = 0;
    char buf[8];
    TS_CHECK_OK(&err, btc_sock_send(&cli, "ping", 4, 0, &n, &err));
    cr_assert_eq(n, 4);
    wait_readable(&srv);
    TS_CHECK_OK(&err, btc_sock_recv(&srv, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(buf, "ping", 4), 0);
    TS_CHECK_OK(&err, btc_sock_send(&srv, "pong", 4, 0, &n, &err));
    wait_readable(&cli);
    TS_CHECK_OK(&err, btc_sock_recv(&cli, buf, sizeof buf, 0, &n, &err));
    cr_assert_eq(memcmp(buf, "pong", 4), 0);

    TS_CHECK_OK(&err, btc_sock_reset(&holder_a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&holder_b, &err));
}

/*
 * A failed accept overwrites out on every path (docs/API.md, "Ownership":
 * functions that fill a btc_sock overwrite it and never close what it held):
 * with the default table out is then empty with the default table, whatever
 * out held before, and what it held stays open.
 */
Test(sock, failed_accept_leaves_out_empty_with_the_default_table)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    make_listener(&lst, NULL, &sa);
    btc_sock held_a = BTC_SOCK_INIT;
    btc_sock held_b = BTC_SOCK_INIT;
    make_pair(&held_a, &held_b);
    btc_sys other = *btc_sys_default();
    btc_error err;

    /* Nothing pending: the accept slot fails. */
    btc_sock out = held_a;
    btc_sock_set_sys(&out, &other);
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, TS_EAGAIN, &err, btc_sock_accept(&lst, NULL, NULL, &out, &err));
    cr_assert(btc_sock_is_empty(&out), "a failed accept left descriptor %lld in out", (long long)out.fd);
    cr_assert_null(out.sys, "a failed accept left out with a table that is not the listener's (default) one");

    /* Refused before any call: an empty listener, and an address without its length. */
    out = held_a;
    btc_sock_set_sys(&out, &other);
    btc_sock empty = BTC_SOCK_INIT;
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_sock_accept(&empty, NULL, NULL, &out, &err));
    cr_assert(btc_sock_is_empty(&out) && out.sys == NULL, "refused accept: out not emptied");
    out = held_a;
    btc_sock_set_sys(&out, &other);
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_accept(&lst, (struct sockaddr *)&sa, NULL, &out, &err));
    cr_assert(btc_sock_is_empty(&out) && out.sys == NULL, "accept without a length: out not emptied");

    cr_assert(ts_fd_is_open(btc_sock_get(&held_a)), "accept closed what out held");
    TS_CHECK_OK(&err, btc_sock_reset(&held_a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&held_b, &err));
}

Test(sock, accept_without_address)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    make_listener(&lst, NULL, &sa);
    connect_to(&cli, &sa);
    wait_readable(&lst);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_accept(&lst, NULL, NULL, &srv, &err));
    cr_assert(!btc_sock_is_empty(&srv));
    cr_assert(srv.sys == NULL, "%s is not the default table", "srv.sys");
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_accept(&lst, NULL, NULL, NULL, &err));
}

Test(sock, connect_refused)
{
    btc_error err;
    struct sockaddr_in sa;
    cr_assert(ts_unused_loopback_addr(&sa), "no free loopback port");

    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    btc_status st;
    TS_RUN(st, &err, btc_sock_connect(&cli, (const struct sockaddr *)&sa, sizeof sa, &err));
    if (st == BTC_ERR_IO) {
        cr_assert_eq(err.code, TS_ECONNREFUSED, "code %d", err.code);
        return;
    }
    cr_assert_eq(st, BTC_ERR_WOULD_BLOCK, "connect to a closed port: %s", btc_status_name(st));
    cr_assert_eq(err.code, TS_EINPROGRESS);
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&cli, 5000, BTC_EV_SEND, &ev, NULL, &err));
    int so_error = 0;
    socklen_t len = sizeof so_error;
    TS_CHECK_OK(&err, btc_sock_get_sock_opt(&cli, SOL_SOCKET, SO_ERROR, &so_error, &len, &err));
    cr_assert_eq(so_error, TS_ECONNREFUSED, "SO_ERROR %d", so_error);
}

Test(sock, bind_address_in_use)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO other = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    make_listener(&lst, NULL, &sa);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&other, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_CODE(BTC_ERR_IO, TS_EADDRINUSE, &err,
                  btc_sock_bind(&other, (const struct sockaddr *)&sa, sizeof sa, &err));
}

Test(sock, listen_on_datagram_socket_fails)
{
    BTC_SOCK_AUTO u = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&u, AF_INET, SOCK_DGRAM, 0, &err));
    TS_CHECK_CODE(BTC_ERR_IO, TS_EOPNOTSUPP, &err, btc_sock_listen(&u, 1, &err));
}

Test(sock, get_set_sock_opt)
{
    BTC_SOCK_AUTO t = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&t, AF_INET, SOCK_STREAM, 0, &err));
    int v = 1;
    socklen_t len = sizeof v;
    TS_CHECK_OK(&err, btc_sock_set_sock_opt(&t, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v, &err));
    v = 0;
    TS_CHECK_OK(&err, btc_sock_get_sock_opt(&t, SOL_SOCKET, SO_KEEPALIVE, &v, &len, &err));
    cr_assert_eq(len, TS_SO_KEEPALIVE_LEN); /* sizeof(int); one byte on Windows */
    cr_assert_neq(v, 0, "SO_KEEPALIVE was not set");
    v = 0;
    TS_CHECK_OK(&err, btc_sock_set_sock_opt(&t, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v, &err));
    v = 1;
    len = sizeof v;
    TS_CHECK_OK(&err, btc_sock_get_sock_opt(&t, SOL_SOCKET, SO_KEEPALIVE, &v, &len, &err));
    cr_assert_eq(v, 0, "SO_KEEPALIVE was not cleared");
    /* an unknown option is an OS error */
    len = sizeof v;
    TS_CHECK_CODE(BTC_ERR_IO, TS_ENOPROTOOPT, &err, btc_sock_get_sock_opt(&t, SOL_SOCKET, 31337, &v, &len, &err));
    TS_CHECK_CODE(BTC_ERR_IO, TS_ENOPROTOOPT, &err, btc_sock_set_sock_opt(&t, SOL_SOCKET, 31337, &v, sizeof v, &err));
    /* NULL where a value is needed */
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_get_sock_opt(&t, SOL_SOCKET, SO_KEEPALIVE, NULL, &len, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_get_sock_opt(&t, SOL_SOCKET, SO_KEEPALIVE, &v, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_set_sock_opt(&t, SOL_SOCKET, SO_KEEPALIVE, NULL, sizeof v, &err));
}

Test(sock, name_and_address_null_arguments)
{
    BTC_SOCK_AUTO t = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&t, AF_INET, SOCK_STREAM, 0, &err));
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_get_sock_name(&t, NULL, &sl, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_get_sock_name(&t, (struct sockaddr *)&sa, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_bind(&t, NULL, sizeof sa, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_connect(&t, NULL, sizeof sa, &err));
}

/* ---- every operation: NULL, empty, bad table ------------------------------- */

Test(sock, every_op_on_null_sock_is_invalid_argument)
{
    expect_every_op("NULL sock", NULL, BTC_ERR_INVALID_ARGUMENT, -1, true, true);
    cr_assert(!btc_sock_is_selectable(NULL));
}

Test(sock, every_op_on_empty_sock_is_invalid_socket)
{
    btc_sock s = BTC_SOCK_INIT;
    expect_every_op("empty sock", &s, BTC_ERR_INVALID_SOCKET, -1, true, true);
    cr_assert(!btc_sock_is_selectable(&s));
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_sock_is_connected(&s, &err));
}

Test(sock, every_op_with_bad_version_is_invalid_argument)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_sys bad;
    table_without(&bad, SLOT_COUNT);
    cr_assert_eq(bad.version, 0u);
    btc_sock s = BTC_SOCK_INIT;
    btc_sock_from_fd(&s, btc_sock_get(&a));
    btc_sock_set_sys(&s, &bad);
    expect_every_op("version 0", &s, BTC_ERR_INVALID_ARGUMENT, -1, true, true);
    bad.version = BTC_SYS_VERSION + 1;
    expect_every_op("version + 1", &s, BTC_ERR_INVALID_ARGUMENT, -1, true, true);
    (void)btc_sock_release(&s);
    cr_assert(ts_fd_is_open(btc_sock_get(&a)));
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, every_op_with_a_missing_slot_is_invalid_argument)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    for (size_t slot = 0; slot < SLOT_COUNT; slot++) {
        btc_sys bad;
        table_without(&bad, slot);
        btc_sock s = BTC_SOCK_INIT;
        btc_sock_from_fd(&s, btc_sock_get(&a));
        btc_sock_set_sys(&s, &bad);
        expect_every_op(btc_sys_slot_name((btc_sys_slot)slot), &s, BTC_ERR_INVALID_ARGUMENT, -1, true, true);
        (void)btc_sock_release(&s);
    }
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, sys_validate)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_sys_validate(NULL, &err));
    TS_CHECK_OK(&err, btc_sys_validate(btc_sys_default(), &err));
    btc_sys copy = *btc_sys_default();
    TS_CHECK_OK(&err, btc_sys_validate(&copy, &err));
    cr_assert_eq(btc_sys_default()->version, (unsigned)BTC_SYS_VERSION);
    btc_sys bad;
    table_without(&bad, SLOT_COUNT);
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sys_validate(&bad, &err));
    for (size_t slot = 0; slot < SLOT_COUNT; slot++) {
        table_without(&bad, slot);
        TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sys_validate(&bad, &err));
        cr_assert_not_null(strstr(err.message, btc_sys_slot_name((btc_sys_slot)slot)),
                           "message \"%s\" does not name slot %s", err.message, btc_sys_slot_name((btc_sys_slot)slot));
    }
}

Test(sock, err_may_be_null_everywhere)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    cr_assert_eq(btc_make_socket_pair(&a, &b, NULL), BTC_OK);
    btc_sock e = BTC_SOCK_INIT;
    char buf[8];
    size_t n = 0;
    cr_assert_eq(btc_sock_send(&e, "x", 1, 0, &n, NULL), BTC_ERR_INVALID_SOCKET);
    cr_assert_eq(btc_sock_send(&a, "x", 1, 0, &n, NULL), BTC_OK);
    cr_assert_eq(btc_sock_recv(&b, buf, sizeof buf, 0, &n, NULL), BTC_OK);
    cr_assert_eq(btc_sock_recv(&b, buf, sizeof buf, 0, &n, NULL), BTC_ERR_WOULD_BLOCK);
    cr_assert_eq(btc_sock_recv_until_terminator(&b, '\n', 0, NULL, sizeof buf, buf, &n, 0, NULL), BTC_ERR_TIMEOUT);
    cr_assert_eq(btc_sock_is_connected(&b, NULL), BTC_OK);
    cr_assert_eq(btc_sock_wait(&a, 0, BTC_EV_SEND, NULL, NULL, NULL), BTC_OK);
    cr_assert_eq(btc_sock_open(NULL, AF_INET, SOCK_STREAM, 0, NULL), BTC_ERR_INVALID_ARGUMENT);
}

/* ---- OS errors on closed descriptors ----------------------------------------- */

Test(sock, every_op_on_closed_descriptor_is_io_ebadf)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_socket_t fa = btc_sock_get(&a);
    cr_assert(ts_close_raw(fa));
    /* Nothing opens a descriptor between here and the checks, so fa stays closed. */
    cr_assert(!ts_fd_is_open(fa));
    expect_every_op("closed descriptor", &a, BTC_ERR_IO, TS_EBADF, true, false);
    (void)btc_sock_release(&a);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

/* "Messages say what happened in numbers": an OS error's message carries its code. */
Test(sock, io_error_message_carries_the_code)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    cr_assert(ts_close_raw(btc_sock_get(&a)));
    btc_error err;
    char buf[4];
    TS_CHECK_CODE(BTC_ERR_IO, TS_EBADF, &err, btc_sock_recv(&a, buf, sizeof buf, 0, NULL, &err));
    char code[32];
    snprintf(code, sizeof code, "(%d)", TS_EBADF);
    cr_assert_not_null(strstr(err.message, code), "message \"%s\" does not mention %s", err.message, code);
    (void)btc_sock_release(&a);
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

/* ======================================================================== */
/* POSIX specifics                                                          */
/* ======================================================================== */
#ifndef _WIN32

#include <fcntl.h>
#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

Test(sock, open_is_nonblocking_and_cloexec)
{
    const int kinds[][2] = {{AF_INET, SOCK_STREAM}, {AF_INET, SOCK_DGRAM}, {AF_UNIX, SOCK_STREAM}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        BTC_SOCK_AUTO s = BTC_SOCK_INIT;
        btc_error err;
        TS_CHECK_OK(&err, btc_sock_open(&s, kinds[k][0], kinds[k][1], 0, &err));
        int fd = btc_sock_get(&s);
        int fl = fcntl(fd, F_GETFL);
        int fdfl = fcntl(fd, F_GETFD);
        cr_assert(fl >= 0 && (fl & O_NONBLOCK), "kind %zu: O_NONBLOCK not set", k);
        cr_assert(fdfl >= 0 && (fdfl & FD_CLOEXEC), "kind %zu: FD_CLOEXEC not set", k);
        int type = 0;
        socklen_t len = sizeof type;
        TS_CHECK_OK(&err, btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_TYPE, &type, &len, &err));
        cr_assert_eq(type, kinds[k][1]);
    }
}

Test(sock, socket_pair_is_unix_nonblocking_cloexec)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    const btc_sock *both[] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        int fd = btc_sock_get(both[k]);
        cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK, "side %d: O_NONBLOCK not set", k);
        cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "side %d: FD_CLOEXEC not set", k);
        struct sockaddr_un su;
        socklen_t sl = sizeof su;
        btc_error err;
        TS_CHECK_OK(&err, btc_sock_get_sock_name(both[k], (struct sockaddr *)&su, &sl, &err));
        cr_assert_eq(su.sun_family, AF_UNIX);
        int type = 0;
        socklen_t len = sizeof type;
        TS_CHECK_OK(&err, btc_sock_get_sock_opt(both[k], SOL_SOCKET, SO_TYPE, &type, &len, &err));
        cr_assert_eq(type, SOCK_STREAM);
    }
}

Test(sock, accepted_socket_is_nonblocking_and_cloexec)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    make_listener(&lst, NULL, &sa);
    /* Even from a blocking listener. */
    cr_assert(ts_set_blocking(btc_sock_get(&lst), true));
    connect_to(&cli, &sa);
    wait_readable(&lst);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_accept(&lst, NULL, NULL, &srv, &err));
    int fd = btc_sock_get(&srv);
    cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK, "accepted socket is blocking");
    cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "accepted socket is not close-on-exec");
}

Test(sock, set_non_blocking)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    int fd = btc_sock_get(&a);
    cr_assert(ts_set_blocking(fd, true));
    cr_assert(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_set_non_blocking(&a, &err));
    cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK, "O_NONBLOCK not set");
    TS_CHECK_OK(&err, btc_sock_set_non_blocking(&a, &err)); /* idempotent */
    cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

Test(sock, reset_closes_fcntl_ebadf)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    int fa = btc_sock_get(&a);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    errno = 0;
    cr_assert_eq(fcntl(fa, F_GETFD), -1);
    cr_assert_eq(errno, EBADF);
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(sock, every_op_on_a_pipe_is_io_enotsock)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    btc_sock s = BTC_SOCK_INIT;
    btc_sock_from_fd(&s, p[0]);
    expect_every_op("pipe read end", &s, BTC_ERR_IO, ENOTSOCK, false, false);
    btc_sock_from_fd(&s, p[1]);
    expect_every_op("pipe write end", &s, BTC_ERR_IO, ENOTSOCK, false, false);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
    btc_sock_from_fd(&s, p[0]);
    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
}

/* SIGPIPE stays at its default (terminate) here: if the library let it through, the test would die. */
Test(sock, send_to_closed_unix_peer_is_epipe_without_sigpipe)
{
    ts_sigpipe_default();
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
    size_t n = 99;
    TS_CHECK_CODE(BTC_ERR_IO, EPIPE, &err, btc_sock_send(&a, "x", 1, 0, &n, &err));
    cr_assert_eq(n, 0);
    TS_CHECK_CODE(BTC_ERR_IO, EPIPE, &err, btc_sock_send_complete(&a, "abc", 3, 1000, NULL, &err));
    cr_assert_eq(err.bytes, 0);
    sigset_t pending;
    sigemptyset(&pending);
    cr_assert_eq(sigpending(&pending), 0);
    cr_assert(!sigismember(&pending, SIGPIPE), "SIGPIPE is pending");
}

Test(sock, auto_on_moved_out_sock_closes_nothing)
{
    /* BTC_SOCK_AUTO on a sock that was moved out of is harmless. */
    btc_socket_t fd;
    btc_sock keep = BTC_SOCK_INIT;
    btc_sock other = BTC_SOCK_INIT;
    make_pair(&keep, &other);
    fd = btc_sock_get(&keep);
    {
        BTC_SOCK_AUTO s = BTC_SOCK_INIT;
        btc_error err;
        TS_CHECK_OK(&err, btc_sock_move(&s, &keep, &err));
        TS_CHECK_OK(&err, btc_sock_move(&keep, &s, &err));
        cr_assert(btc_sock_is_empty(&s));
    }
    cr_assert(ts_fd_is_open(fd), "an emptied BTC_SOCK_AUTO closed a descriptor it no longer owned");
    cr_assert_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_reset(&keep, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&other, &err));
}

#endif /* !_WIN32 */
