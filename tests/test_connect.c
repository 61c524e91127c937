/* SPDX-License-Identifier: MIT */
/*
 * tests/test_connect.c - connecting: btc_sock_connect_timeout,
 * btc_sock_dial / btc_sock_dial_with, btc_sock_open_with and
 * btc_sock_shutdown, over real sockets on loopback and through the fake
 * (scripted connect results, SO_ERROR and resolver answers).
 *
 * No test contacts anything outside 127.0.0.0/8 or ::1 or asks a name
 * server: hosts are numeric or "localhost" (from /etc/hosts), and resolver
 * failures come from an unknown service name.
 */
#define _POSIX_C_SOURCE 200809L /* EAI_* (netdb.h through btcsock.h) */

#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(connect, .timeout = 60);

/* ---- helpers ------------------------------------------------------------------------ */

/* A listener on 127.0.0.1 (ephemeral port) with the given backlog; its address into sa. */
static void listen_on_loopback(btc_sock *lst, int backlog, struct sockaddr_in *sa)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(lst, AF_INET, SOCK_STREAM, 0, &err));
    ts_loopback_addr(sa, 0);
    TS_CHECK_OK(&err, btc_sock_bind(lst, (const struct sockaddr *)sa, sizeof *sa, &err));
    TS_CHECK_OK(&err, btc_sock_listen(lst, backlog, &err));
    socklen_t sl = sizeof *sa;
    TS_CHECK_OK(&err, btc_sock_get_sock_name(lst, (struct sockaddr *)sa, &sl, &err));
}

static void port_string(const struct sockaddr_in *sa, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%u", (unsigned)ts_addr_port(sa));
}

/* Accepts one connection within 5 s into srv. */
static void accept_one(const btc_sock *lst, btc_sock *srv)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_wait(lst, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_accept(lst, NULL, NULL, srv, &err));
}

/* ---- connect_timeout over real sockets ----------------------------------------------- */

Test(connect, connects_to_a_listener_and_carries_data)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    listen_on_loopback(&lst, 8, &sa);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_OK(&err, btc_sock_connect_timeout(&cli, (const struct sockaddr *)&sa, sizeof sa, 5000, NULL, &err));
    accept_one(&lst, &srv);
    TS_CHECK_OK(&err, btc_sock_send_complete(&cli, "ping\n", 5, 1000, NULL, &err));
    char buf[8];
    TS_CHECK_OK(&err, btc_sock_recv_exact(&srv, buf, 5, 1000, NULL, &err));
    cr_assert(memcmp(buf, "ping\n", 5) == 0);
}

Test(connect, a_refused_port_is_io_with_the_connect_error)
{
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    cr_assert(ts_unused_loopback_addr(&sa), "no free loopback port");
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_CODE(BTC_ERR_IO, TS_ECONNREFUSED, &err,
                  btc_sock_connect_timeout(&cli, (const struct sockaddr *)&sa, sizeof sa, 5000, NULL, &err));
    cr_assert_not_null(strstr(err.message, "connect"), "message \"%s\"", err.message);
}

Test(connect, a_blocking_socket_is_fine)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    listen_on_loopback(&lst, 8, &sa);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    cr_assert(ts_set_blocking(btc_sock_get(&cli), true));
    TS_CHECK_OK(&err, btc_sock_connect_timeout(&cli, (const struct sockaddr *)&sa, sizeof sa, 5000, NULL, &err));
    accept_one(&lst, &srv);
}

#ifndef _WIN32
/*
 * A connect that cannot complete: a listener whose accept queue is full
 * (backlog 0, one connection already queued) makes Linux drop the next SYN,
 * so the connect stays in progress. Windows refuses instead, hence POSIX only.
 */
static void fill_accept_queue(btc_sock *lst, btc_sock *first, struct sockaddr_in *sa)
{
    listen_on_loopback(lst, 0, sa);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open(first, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_OK(&err, btc_sock_connect_timeout(first, (const struct sockaddr *)sa, sizeof *sa, 5000, NULL, &err));
}

Test(connect, a_connect_that_cannot_complete_times_out_on_time)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO first = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    fill_accept_queue(&lst, &first, &sa);
    btc_error err;
    for (int blocking = 0; blocking < 2; blocking++) {
        TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
        cr_assert(ts_set_blocking(btc_sock_get(&cli), blocking != 0));
        int64_t t0 = ts_now_ms();
        TS_CHECK(BTC_ERR_TIMEOUT, &err,
                 btc_sock_connect_timeout(&cli, (const struct sockaddr *)&sa, sizeof sa, 200, NULL, &err));
        int64_t took = ts_now_ms() - t0;
        cr_assert(took >= 199 && took < 3000, "a 200 ms connect timeout took %lld ms (blocking %d)", (long long)took,
                  blocking);
        TS_CHECK_OK(&err, btc_sock_reset(&cli, &err));
    }
}

Test(connect, an_interrupt_from_another_thread_ends_a_hanging_connect)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO first = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    fill_accept_queue(&lst, &first, &sa);
    btc_error err;
    btc_interrupt intr;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    ts_delayed_trigger trig;
    cr_assert(ts_delayed_trigger_start(&trig, &intr, 100));
    TS_CHECK(BTC_ERR_INTERRUPTED, &err,
             btc_sock_connect_timeout(&cli, (const struct sockaddr *)&sa, sizeof sa, 30000, &intr, &err));
    int64_t woke = ts_now_us();
    int64_t fired = ts_delayed_trigger_join(&trig);
    cr_assert_lt(woke - fired, 1000000, "woke %lld us after the trigger", (long long)(woke - fired));
    btc_interrupt_destroy(&intr);
}
#endif

Test(connect, connect_timeout_refuses_bad_arguments)
{
    btc_error err;
    btc_sock empty = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 9);
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_connect_timeout(NULL, (const struct sockaddr *)&sa, sizeof sa, 100, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err,
             btc_sock_connect_timeout(&empty, (const struct sockaddr *)&sa, sizeof sa, 100, NULL, &err));
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_connect_timeout(&cli, NULL, sizeof sa, 100, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_connect_timeout(&cli, (const struct sockaddr *)&sa, sizeof sa, -1, NULL, &err));
    btc_interrupt never_initialised;
    memset(&never_initialised, 0, sizeof never_initialised);
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
             btc_sock_connect_timeout(&cli, (const struct sockaddr *)&sa, sizeof sa, 100, &never_initialised, &err));
}

/* ---- connect_timeout through the fake --------------------------------------------------- */

static btc_status fake_connect(btc_fake *f, int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    btc_sock s;
    btc_fake_sock(f, &s);
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 8333);
    return btc_sock_connect_timeout(&s, (const struct sockaddr *)&sa, sizeof sa, timeout_ms, intr, err);
}

Test(connect, fake_in_progress_then_connected)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_connect(&f, EINPROGRESS, 0, FS_T0 + 40);
    btc_error err;
    TS_CHECK_OK(&err, fake_connect(&f, 1000, NULL, &err));
    TS_ASSERT_I64(f.now_ms, FS_T0 + 40, "virtual time when the connect completed");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 1, "waits");
}

/*
 * Before the handshake ends nothing can be sent or received (a kernel's
 * non-blocking calls would block) and the socket is not ready either way;
 * send_complete waits it out.
 */
Test(connect, fake_send_while_connecting_waits_for_the_connect)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_connect(&f, EINPROGRESS, 0, FS_T0 + 40);
    btc_fake_set_input(&f, "pong", 4);
    uint8_t out[8];
    btc_fake_set_output(&f, out, sizeof out);
    btc_sock s;
    btc_fake_sock(&f, &s);
    const btc_sys *sys = btc_fake_sys(&f);
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 8333);
    cr_assert_eq(sys->connect(sys->ctx, s.fd, (const struct sockaddr *)&sa, sizeof sa), -1, "connect in progress");
    cr_assert_eq(sys->send(sys->ctx, s.fd, "x", 1, BTC_MSG_DONTWAIT), -1, "a send while connecting is refused");
    TS_ASSERT_I64(sys->last_error(sys->ctx), EAGAIN, "and would block");
    TS_ASSERT_SZ(f.sent, 0, "nothing reached the peer");
    char in[4];
    cr_assert_eq(sys->recv(sys->ctx, s.fd, in, sizeof in, BTC_MSG_DONTWAIT), -1, "a recv while connecting is refused");
    TS_ASSERT_I64(sys->last_error(sys->ctx), EAGAIN, "and would block");
    btc_events occurred = 0;
    btc_error err;
    TS_ASSERT_STATUS(btc_sock_wait(&s, 0, BTC_EV_RECV | BTC_EV_SEND, &occurred, NULL, &err), BTC_ERR_TIMEOUT, &err);
    TS_ASSERT_I64(occurred, 0, "not ready while connecting");
    TS_CHECK_OK(&err, btc_sock_send_complete(&s, "hello", 5, 1000, NULL, &err));
    TS_ASSERT_I64(f.now_ms, FS_T0 + 40, "sent once the connect completed");
    TS_ASSERT_SZ(f.sent, 5, "sent");
    cr_assert_arr_eq(out, "hello", 5, "the peer got the bytes");
}

Test(connect, fake_in_progress_then_refused_is_io_with_so_error)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_connect(&f, EINPROGRESS, ECONNREFUSED, FS_T0 + 40);
    btc_error err;
    TS_CHECK_CODE(BTC_ERR_IO, ECONNREFUSED, &err, fake_connect(&f, 1000, NULL, &err));
    cr_assert_eq(f.so_error, 0, "SO_ERROR was not read (it clears when read)");
}

Test(connect, fake_refused_at_once_and_in_progress_past_the_deadline)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_connect(&f, ENETUNREACH, 0, 0);
    btc_error err;
    TS_CHECK_CODE(BTC_ERR_IO, ENETUNREACH, &err, fake_connect(&f, 1000, NULL, &err));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "waits after a permanent failure");
    btc_fake_init(&f);
    btc_fake_set_connect(&f, EINPROGRESS, 0, FS_T0 + 5000);
    TS_CHECK(BTC_ERR_TIMEOUT, &err, fake_connect(&f, 300, NULL, &err));
    TS_ASSERT_I64(f.now_ms, FS_T0 + 300, "virtual time at the timeout");
}

Test(connect, fake_interrupted_while_waiting)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    btc_fake_attach_interrupt(&f, &intr);
    btc_fake_set_connect(&f, EINPROGRESS, 0, FS_T0 + 5000);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, fake_connect(&f, BTC_TIMEOUT_INFINITE, &intr, &err));
    btc_interrupt_destroy(&intr);
}

Test(connect, fake_a_failing_step_is_io_with_its_code)
{
    /* The slots in order: set_non_blocking, connect, wait, getsockopt (OTHER steps but the wait). */
    static const int failing_other[] = {1, 3};
    for (size_t i = 0; i < sizeof failing_other / sizeof failing_other[0]; i++) {
        btc_fake f;
        btc_fake_init(&f);
        btc_fake_set_connect(&f, EINPROGRESS, 0, FS_T0 + 10);
        for (int k = 1; k < failing_other[i]; k++)
            fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_PASS, 0);
        fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EBADF);
        btc_error err;
        TS_CHECK_CODE(BTC_ERR_IO, EBADF, &err, fake_connect(&f, 1000, NULL, &err));
    }
}

/* ---- dial over real sockets ---------------------------------------------------------------- */

Test(connect, dial_a_numeric_ipv4_address)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    listen_on_loopback(&lst, 8, &sa);
    char port[16];
    port_string(&sa, port, sizeof port);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_dial(&cli, "127.0.0.1", port, 5000, NULL, &err));
    cr_assert(!btc_sock_is_empty(&cli));
    cr_assert_null(cli.sys, "dial fills out with the default table");
    accept_one(&lst, &srv);
    TS_CHECK_OK(&err, btc_sock_send_complete(&srv, "x", 1, 1000, NULL, &err));
    char c;
    TS_CHECK_OK(&err, btc_sock_recv_exact(&cli, &c, 1, 1000, NULL, &err));
}

/* localhost may resolve to ::1 first: with nobody listening there, dial goes on to 127.0.0.1. */
Test(connect, dial_localhost_tries_each_address)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    listen_on_loopback(&lst, 8, &sa);
    char port[16];
    port_string(&sa, port, sizeof port);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_dial(&cli, "localhost", port, 5000, NULL, &err));
    accept_one(&lst, &srv);
}

Test(connect, dial_ipv6_loopback)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    btc_error err;
    btc_status st = btc_sock_open(&lst, AF_INET6, SOCK_STREAM, 0, &err);
    struct sockaddr_in6 sa6;
    memset(&sa6, 0, sizeof sa6);
    sa6.sin6_family = AF_INET6;
    sa6.sin6_addr.s6_addr[15] = 1; /* ::1 */
    if (st != BTC_OK || btc_sock_bind(&lst, (const struct sockaddr *)&sa6, sizeof sa6, NULL) != BTC_OK)
        cr_skip_test("this machine has no IPv6 loopback (::1) to listen on");
    TS_CHECK_OK(&err, btc_sock_listen(&lst, 8, &err));
    socklen_t sl = sizeof sa6;
    TS_CHECK_OK(&err, btc_sock_get_sock_name(&lst, (struct sockaddr *)&sa6, &sl, &err));
    char port[16];
    (void)snprintf(port, sizeof port, "%u", (unsigned)ntohs(sa6.sin6_port));
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    TS_CHECK_OK(&err, btc_sock_dial(&cli, "::1", port, 5000, NULL, &err));
    accept_one(&lst, &srv);
}

Test(connect, dial_an_unknown_service_is_a_resolve_error)
{
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK(BTC_ERR_RESOLVE, &err, btc_sock_dial(&cli, "127.0.0.1", "no-such-service-btcsock", 1000, NULL, &err));
    cr_assert_neq(err.code, 0, "the resolver's code");
    cr_assert_not_null(strstr(err.message, "no-such-service-btcsock"), "message \"%s\"", err.message);
    cr_assert(btc_sock_is_empty(&cli));
}

Test(connect, dial_a_refused_port_says_how_many_addresses_were_tried)
{
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    struct sockaddr_in sa;
    cr_assert(ts_unused_loopback_addr(&sa), "no free loopback port");
    char port[16];
    port_string(&sa, port, sizeof port);
    btc_error err;
    TS_CHECK_CODE(BTC_ERR_IO, TS_ECONNREFUSED, &err, btc_sock_dial(&cli, "127.0.0.1", port, 5000, NULL, &err));
    cr_assert_not_null(strstr(err.message, "1 of 1 addresses tried"), "message \"%s\"", err.message);
    cr_assert(btc_sock_is_empty(&cli), "out is empty after a failure");
}

Test(connect, dial_refuses_bad_arguments_and_leaves_out_empty)
{
    btc_sock out;
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_dial(NULL, "127.0.0.1", "1", 100, NULL, &err));
    const char *bad[][2] = {{NULL, "1"}, {"", "1"}, {"127.0.0.1", NULL}, {"127.0.0.1", ""}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out.fd = (btc_socket_t)42;
        TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_dial(&out, bad[i][0], bad[i][1], 100, NULL, &err));
        cr_assert(btc_sock_is_empty(&out), "case %zu: out not empty", i);
    }
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_dial(&out, "127.0.0.1", "1", -5, NULL, &err));
}

/* ---- dial through the fake --------------------------------------------------------------------- */

static const btc_addr two_addresses[] = {{.family = AF_INET6, .socktype = SOCK_STREAM, .len = 28},
                                         {.family = AF_INET, .socktype = SOCK_STREAM, .len = 16}};

Test(connect, fake_dial_goes_on_to_the_next_address)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_resolve(&f, two_addresses, 2, 0);
    /* resolve, open, set_non_blocking, then the first connect is refused; the second attempt connects. */
    fs_push_passes(&f, BTC_FAKE_OTHER, 3);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ECONNREFUSED);
    btc_sock out;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_dial_with(&out, btc_fake_sys(&f), "node.example", "8333", 1000, NULL, &err));
    cr_assert_eq(out.sys, btc_fake_sys(&f), "out uses the table dial was given");
    cr_assert_eq(out.fd, (btc_socket_t)BTC_FAKE_FD);
    /* resolve, open, set_nb, connect, close (of the refused one), open, set_nb, connect */
    TS_ASSERT_SZ(f.calls[BTC_FAKE_OTHER], 8, "other slot calls");
}

Test(connect, fake_dial_all_refused_and_resolver_errors)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_resolve(&f, two_addresses, 2, 0);
    btc_fake_set_connect(&f, ECONNREFUSED, 0, 0);
    btc_sock out;
    btc_error err;
    TS_CHECK_CODE(BTC_ERR_IO, ECONNREFUSED, &err,
                  btc_sock_dial_with(&out, btc_fake_sys(&f), "node.example", "8333", 1000, NULL, &err));
    cr_assert_not_null(strstr(err.message, "2 of 2 addresses tried"), "message \"%s\"", err.message);
    cr_assert(btc_sock_is_empty(&out));
    btc_fake_init(&f);
    btc_fake_set_resolve(&f, NULL, 0, EAI_AGAIN);
    TS_CHECK_CODE(BTC_ERR_RESOLVE, EAI_AGAIN, &err,
                  btc_sock_dial_with(&out, btc_fake_sys(&f), "node.example", "8333", 1000, NULL, &err));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_OTHER], 1, "slot calls after a failed resolve (the resolve alone)");
}

Test(connect, fake_dial_shares_one_deadline_between_attempts)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_resolve(&f, two_addresses, 2, 0);
    btc_fake_set_connect(&f, EINPROGRESS, 0, FS_T0 + 10000);
    btc_sock out;
    btc_error err;
    TS_CHECK(BTC_ERR_TIMEOUT, &err,
             btc_sock_dial_with(&out, btc_fake_sys(&f), "node.example", "8333", 500, NULL, &err));
    TS_ASSERT_I64(f.now_ms, FS_T0 + 500, "virtual time: one deadline for the whole dial");
    cr_assert_not_null(strstr(err.message, "1 of 2 addresses tried"), "message \"%s\"", err.message);
}

/* ---- open_with and shutdown ----------------------------------------------------------------------- */

Test(connect, open_with_uses_the_given_table)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_sock s;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_open_with(&s, btc_fake_sys(&f), AF_INET, SOCK_STREAM, 0, &err));
    cr_assert_eq(s.sys, btc_fake_sys(&f));
    cr_assert_eq(s.fd, (btc_socket_t)BTC_FAKE_FD);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EMFILE);
    TS_CHECK_CODE(BTC_ERR_IO, EMFILE, &err, btc_sock_open_with(&s, btc_fake_sys(&f), AF_INET, SOCK_STREAM, 0, &err));
    cr_assert(btc_sock_is_empty(&s));
    btc_sys broken = *btc_fake_sys(&f);
    broken.open = NULL;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_open_with(&s, &broken, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_open_with(NULL, NULL, AF_INET, SOCK_STREAM, 0, &err));
    BTC_SOCK_AUTO real = BTC_SOCK_INIT;
    TS_CHECK_OK(&err, btc_sock_open_with(&real, NULL, AF_INET, SOCK_STREAM, 0, &err));
    cr_assert_null(real.sys);
}

Test(connect, shutdown_for_writing_gives_the_peer_eof)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    TS_CHECK_OK(&err, btc_sock_send_complete(&a, "last", 4, 1000, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_shutdown(&a, BTC_SHUT_WR, &err));
    char buf[8];
    TS_CHECK_OK(&err, btc_sock_recv_exact(&b, buf, 4, 1000, NULL, &err));
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_sock_recv_exact(&b, buf, 1, 1000, NULL, &err));
    /* The other direction still works. */
    TS_CHECK_OK(&err, btc_sock_send_complete(&b, "back", 4, 1000, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_recv_exact(&a, buf, 4, 1000, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_shutdown(&a, BTC_SHUT_RDWR, &err));
}

Test(connect, shutdown_refuses_bad_arguments)
{
    btc_error err;
    btc_sock empty = BTC_SOCK_INIT;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_shutdown(NULL, BTC_SHUT_WR, &err));
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_sock_shutdown(&empty, BTC_SHUT_WR, &err));
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    for (int how = -1; how <= 3; how += 4)
        TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_shutdown(&s, how, &err));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls for a refused shutdown");
    TS_CHECK_OK(&err, btc_sock_shutdown(&s, BTC_SHUT_WR, &err));
    cr_assert(f.shut_wr && !f.shut_rd);
    TS_CHECK_CODE(BTC_ERR_IO, EPIPE, &err, btc_sock_send_complete(&s, "x", 1, 100, NULL, &err));
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ENOTCONN);
    TS_CHECK_CODE(BTC_ERR_IO, ENOTCONN, &err, btc_sock_shutdown(&s, BTC_SHUT_RD, &err));
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EINTR);
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, EINTR, &err, btc_sock_shutdown(&s, BTC_SHUT_RD, &err));
}
