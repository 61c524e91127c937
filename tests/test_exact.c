/* SPDX-License-Identifier: MIT */
/*
 * tests/test_exact.c - btc_sock_recv_exact: exactly len bytes or a stop,
 * every byte that arrived handed back, never a byte past len; through the
 * fake (every status, chunking, arrivals, a lying read) and over real
 * sockets (blocking and non-blocking, zero over-read).
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(exact, .timeout = 60);

/* Reads len bytes from a fake with the given input; buf has room for len. */
static btc_status exact_from(btc_fake *f, const char *in, size_t len, int64_t timeout_ms, btc_interrupt *intr,
                             char *buf, btc_error *err)
{
    btc_sock s;
    btc_fake_sock(f, &s);
    btc_fake_set_input(f, in, strlen(in));
    memset(buf, 'Z', len);
    return btc_sock_recv_exact(&s, buf, len, timeout_ms, intr, err);
}

Test(exact, reads_exactly_len_and_leaves_the_rest)
{
    btc_fake f;
    btc_fake_init(&f);
    char buf[8];
    btc_error err;
    TS_CHECK_OK(&err, exact_from(&f, "0123456789", 6, 1000, NULL, buf, &err));
    TS_ASSERT_SZ(err.bytes, 6, "err.bytes");
    cr_assert(memcmp(buf, "012345", 6) == 0);
    TS_ASSERT_SZ(f.consumed, 6, "consumed");
    TS_ASSERT_SZ(btc_fake_readable(&f), 4, "bytes left in the socket");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_READ], 1, "reads");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK], 0, "peeks");
}

Test(exact, pieces_arriving_and_small_reads_add_up)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_chunks(&f, 0, 3, 0);
    fs_arrive(&f, 4, FS_T0 + 20);
    fs_arrive(&f, 9, FS_T0 + 50);
    char buf[12];
    btc_error err;
    TS_CHECK_OK(&err, exact_from(&f, "abcdefghijkl", 12, 1000, NULL, buf, &err));
    cr_assert(memcmp(buf, "abcdefghijkl", 12) == 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 50, "virtual time: the last piece's arrival");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_READ], 7, "reads: 3, 1, EAGAIN; 3, 2, EAGAIN; 3");
}

Test(exact, eof_hands_back_what_arrived)
{
    btc_fake f;
    btc_fake_init(&f);
    char buf[10];
    btc_error err;
    TS_CHECK(BTC_ERR_CLOSED, &err, exact_from(&f, "abcd", 10, 1000, NULL, buf, &err));
    TS_ASSERT_SZ(err.bytes, 4, "err.bytes");
    cr_assert(memcmp(buf, "abcd", 4) == 0);
    cr_assert(fs_msg_has_number(err.message, 4) && fs_msg_has_number(err.message, 10), "message \"%s\"", err.message);
}

Test(exact, a_silent_peer_times_out_with_the_partial_bytes)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert(btc_fake_set_end(&f, 0, FS_NEVER));
    char buf[10];
    btc_error err;
    TS_CHECK(BTC_ERR_TIMEOUT, &err, exact_from(&f, "abc", 10, 250, NULL, buf, &err));
    TS_ASSERT_SZ(err.bytes, 3, "err.bytes");
    cr_assert(memcmp(buf, "abc", 3) == 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 250, "virtual time at the timeout");
}

Test(exact, a_reset_is_io_with_the_partial_bytes)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert(btc_fake_set_end(&f, ECONNRESET, 0));
    char buf[10];
    btc_error err;
    TS_CHECK_CODE(BTC_ERR_IO, ECONNRESET, &err, exact_from(&f, "ab", 10, 1000, NULL, buf, &err));
    TS_ASSERT_SZ(err.bytes, 2, "err.bytes");
}

Test(exact, an_interrupt_stops_it_with_the_partial_bytes)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert(btc_fake_set_end(&f, 0, FS_NEVER));
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    btc_fake_attach_interrupt(&f, &intr);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    char buf[10];
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, exact_from(&f, "abc", 10, BTC_TIMEOUT_INFINITE, &intr, buf, &err));
    TS_ASSERT_SZ(err.bytes, 3, "err.bytes");
    /* Already set, with everything there: the first read still happens and succeeds. */
    btc_fake_init(&f);
    TS_CHECK_OK(&err, exact_from(&f, "abc", 3, 0, &intr, buf, &err));
    btc_interrupt_destroy(&intr);
}

/* A read that claims more bytes than it was asked for is the OS breaking its contract. */
static void lying_read(void *ctx, btc_sys_call *call)
{
    (void)ctx;
    if (call->phase == BTC_SYS_AFTER && call->slot == BTC_SYS_SLOT_recv && call->result.recv > 0)
        call->result.recv = (btc_ssize_t)call->args.recv.len + 1;
}

Test(exact, a_read_claiming_too_much_is_protocol)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abcdef", 6);
    btc_sys_tap tap;
    btc_error err;
    TS_CHECK_OK(&err, btc_sys_tap_init(&tap, btc_fake_sys(&f), lying_read, NULL, &err));
    btc_sock_set_sys(&s, btc_sys_tap_table(&tap));
    char buf[4];
    TS_CHECK(BTC_ERR_PROTOCOL, &err, btc_sock_recv_exact(&s, buf, 4, 1000, NULL, &err));
    TS_ASSERT_SZ(err.bytes, 0, "err.bytes: nothing the lie claimed counts");
}

Test(exact, zero_length_and_bad_arguments)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_error err;
    char buf[4];
    TS_CHECK_OK(&err, btc_sock_recv_exact(&s, buf, 0, 1000, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_recv_exact(&s, NULL, 0, 1000, NULL, &err));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls for len 0");
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_recv_exact(&s, NULL, 1, 1000, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_recv_exact(&s, buf, 1, -1, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_recv_exact(NULL, buf, 1, 1000, NULL, &err));
    btc_sock empty = BTC_SOCK_INIT;
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_sock_recv_exact(&empty, buf, 1, 1000, NULL, &err));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls for refused arguments");
    TS_ASSERT_SZ(err.bytes, 0, "err.bytes");
}

/* ---- real sockets -------------------------------------------------------------------------- */

static void exact_over_real(bool blocking)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    cr_assert(ts_set_blocking(btc_sock_get(&b), blocking));
    static const char msg[] = "HEADER1234payload";
    ts_delayed_send d;
    cr_assert(ts_delayed_send_start(&d, btc_sock_get(&a), msg, sizeof msg - 1, 50));
    char head[10];
    TS_CHECK_OK(&err, btc_sock_recv_exact(&b, head, sizeof head, 5000, NULL, &err));
    cr_assert(memcmp(head, "HEADER1234", 10) == 0);
    cr_assert(ts_delayed_send_join(&d));
    /* Zero over-read: the next byte a plain recv returns is the one after. */
    char next[7];
    size_t got = 0;
    TS_CHECK_OK(&err, btc_sock_recv(&b, next, sizeof next, 0, &got, &err));
    cr_assert(got >= 1 && next[0] == 'p', "next byte '%c' (%zu bytes)", got ? next[0] : '?', got);
    /* Nothing more comes: a timeout, on time, blocking socket or not. */
    int64_t t0 = ts_now_ms();
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_recv_exact(&b, head, 1, 150, NULL, &err));
    int64_t took = ts_now_ms() - t0;
    cr_assert(took >= 149 && took < 3000, "a 150 ms timeout took %lld ms", (long long)took);
}

Test(exact, over_a_non_blocking_socket_pair) { exact_over_real(false); }
Test(exact, over_a_blocking_socket_pair) { exact_over_real(true); }
