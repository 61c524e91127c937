/* SPDX-License-Identifier: MIT */
/*
 * tests/win/test_win32.c - what only the Windows backend (src/sys_win32.c)
 * has: Winsock error codes and texts, non-inheritable handles, the
 * BTC_MSG_DONTWAIT emulation, the loopback socket pair, the interrupt's wake
 * socket pair and the FD_SETSIZE limit of one wait.
 *
 * Everything portable is in the shared suites (tests/test_*.c), which run
 * here too; this file holds only the Windows facts those cannot state. It is
 * built only for Windows (mk/windows.mk), with the Criterion subset of
 * tests/win/criterion and tests/win/runner.c.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "btcsock.h"
#include "btcsock/fake.h"
#include "internal.h" /* btc__utf8_valid */
#include "support.h"

TestSuite(win32, .timeout = 60);

/* ---- error codes and texts ---------------------------------------------------- */

/* The Winsock codes a socket library meets; each needs a text (from the system or built in). */
static const int wsa_codes[] = {
    WSAEINTR,          WSAEBADF,          WSAEACCES,          WSAEFAULT,          WSAEINVAL,       WSAEMFILE,
    WSAEWOULDBLOCK,    WSAEINPROGRESS,    WSAEALREADY,        WSAENOTSOCK,        WSAEDESTADDRREQ, WSAEMSGSIZE,
    WSAEPROTOTYPE,     WSAENOPROTOOPT,    WSAEPROTONOSUPPORT, WSAESOCKTNOSUPPORT, WSAEOPNOTSUPP,   WSAEPFNOSUPPORT,
    WSAEAFNOSUPPORT,   WSAEADDRINUSE,     WSAEADDRNOTAVAIL,   WSAENETDOWN,        WSAENETUNREACH,  WSAENETRESET,
    WSAECONNABORTED,   WSAECONNRESET,     WSAENOBUFS,         WSAEISCONN,         WSAENOTCONN,     WSAESHUTDOWN,
    WSAETIMEDOUT,      WSAECONNREFUSED,   WSAEHOSTDOWN,       WSAEHOSTUNREACH,    WSASYSNOTREADY,  WSAVERNOTSUPPORTED,
    WSANOTINITIALISED, WSAHOST_NOT_FOUND, WSATRY_AGAIN,       WSANO_RECOVERY,     WSANO_DATA,
};

Test(win32, every_winsock_code_has_a_text)
{
    for (size_t k = 0; k < sizeof wsa_codes / sizeof wsa_codes[0]; k++) {
        int code = wsa_codes[k];
        char buf[BTC_ERROR_MESSAGE_MAX];
        cr_assert_eq(btc_network_error_string(code, buf, sizeof buf), buf);
        char suffix[32];
        snprintf(suffix, sizeof suffix, " (%d)", code);
        size_t n = strlen(buf);
        size_t m = strlen(suffix);
        cr_assert(n > m && strcmp(buf + n - m, suffix) == 0, "\"%s\" must end with \"%s\"", buf, suffix);
        char last = buf[n - m - 1];
        cr_assert(last != '.' && last != '\r' && last != '\n' && last != ' ',
                  "code %d: the text must lose its trailing period and line break: \"%s\"", code, buf);
        cr_assert(strncmp(buf, "Unknown error", 13) != 0, "code %d has no text: \"%s\"", code, buf);
        cr_assert(strchr(buf, '\r') == NULL && strchr(buf, '\n') == NULL, "code %d: line break in \"%s\"", code, buf);
        cr_assert(btc__utf8_valid((const uint8_t *)buf, n), "code %d: text is not UTF-8", code);
    }
}

Test(win32, unknown_code_is_unknown_error)
{
    char buf[64];
    btc_network_error_string(123456, buf, sizeof buf);
    cr_assert_str_eq(buf, "Unknown error (123456)");
    btc_network_error_string(-7, buf, sizeof buf);
    cr_assert_str_eq(buf, "Unknown error (-7)");
}

/* btc__fail formats the text after a failed call: the caller's error must survive it. */
Test(win32, error_string_keeps_the_last_error)
{
    char buf[256];
    WSASetLastError(WSAECONNRESET);
    btc_network_error_string(WSAEWOULDBLOCK, buf, sizeof buf);
    cr_assert_eq(WSAGetLastError(), WSAECONNRESET);
    WSASetLastError(WSAENOTSOCK);
    btc_network_error_string(987654, buf, sizeof buf);
    cr_assert_eq(WSAGetLastError(), WSAENOTSOCK);
}

Test(win32, io_message_carries_the_winsock_text)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    cr_assert(ts_close_raw(btc_sock_get(&a)));
    char c;
    TS_CHECK_CODE(BTC_ERR_IO, WSAENOTSOCK, &err, btc_sock_recv(&a, &c, 1, 0, NULL, &err));
    char text[256];
    btc_network_error_string(WSAENOTSOCK, text, sizeof text);
    cr_assert_not_null(strstr(err.message, text), "\"%s\" lacks \"%s\"", err.message, text);
    (void)btc_sock_release(&a);
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

typedef struct code_case {
    int code;
    bool permanent;
    const char *name;
} code_case;

Test(win32, classifier_knows_the_wsa_codes)
{
    static const code_case cases[] = {
        {WSAEWOULDBLOCK, false, "WSAEWOULDBLOCK (EAGAIN and EWOULDBLOCK alike; there is no WSAEAGAIN)"},
        {WSAEINTR, false, "WSAEINTR"},
        {WSAEINPROGRESS, false, "WSAEINPROGRESS"},
        /* btc_fake scripts the C runtime's errno values on every platform */
        {EAGAIN, false, "EAGAIN"},
        {EWOULDBLOCK, false, "EWOULDBLOCK"},
        {EINTR, false, "EINTR"},
        {EINPROGRESS, false, "EINPROGRESS"},
        {WSAEALREADY, true, "WSAEALREADY"},
        {WSAECONNRESET, true, "WSAECONNRESET"},
        {WSAECONNABORTED, true, "WSAECONNABORTED"},
        {WSAENOTSOCK, true, "WSAENOTSOCK"},
        {WSAENOTCONN, true, "WSAENOTCONN"},
        {WSAESHUTDOWN, true, "WSAESHUTDOWN"},
        {WSAETIMEDOUT, true, "WSAETIMEDOUT"},
        {WSAEINVAL, true, "WSAEINVAL"},
        {WSANOTINITIALISED, true, "WSANOTINITIALISED"},
        {EPIPE, true, "EPIPE"},
        {0, true, "0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cr_assert_eq(btc_io_error_is_permanent(cases[k].code), cases[k].permanent, "%s (%d) must be %s", cases[k].name,
                     cases[k].code, cases[k].permanent ? "permanent" : "transient");
    }
}

Test(win32, backend_is_select_and_every_socket_is_selectable)
{
    cr_assert_str_eq(btc_wait_backend(), "select");
    cr_assert(!btc_is_selectable_socket(BTC_INVALID_SOCKET));
    /* an fd_set holds SOCKET handles whatever their value */
    cr_assert(btc_is_selectable_socket((btc_socket_t)4));
    cr_assert(btc_is_selectable_socket((btc_socket_t)1 << 40));
}

/* ---- handles: not inherited, non-blocking ------------------------------------------ */

/*
 * s is non-blocking: a recv without BTC_MSG_DONTWAIT returns WOULD_BLOCK at
 * once. If it were blocking, the recv would wait until the peer's delayed
 * byte arrives and return it, which fails the test instead of hanging it.
 */
static void expect_nonblocking(const char *what, const btc_sock *s, const btc_sock *peer)
{
    ts_delayed_send ds;
    cr_assert(ts_delayed_send_start(&ds, btc_sock_get(peer), "z", 1, 300));
    char c;
    btc_error err;
    btc_status st;
    int64_t t0 = ts_now_us();
    TS_RUN(st, &err, btc_sock_recv(s, &c, 1, 0, NULL, &err));
    int64_t el = ts_now_us() - t0;
    cr_assert(ts_delayed_send_join(&ds));
    cr_assert_eq(st, BTC_ERR_WOULD_BLOCK, "%s: recv gave %s after %lld us: the socket is blocking", what,
                 btc_status_name(st), (long long)el);
    cr_assert_eq(err.code, WSAEWOULDBLOCK);
    TS_CHECK_OK(&err, btc_sock_wait(s, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_recv(s, &c, 1, 0, NULL, &err));
}

Test(win32, socket_pair_is_nonblocking_uninheritable_loopback_tcp)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    cr_assert(ts_is_cloexec(btc_sock_get(&a)), "pair end a is inheritable");
    cr_assert(ts_is_cloexec(btc_sock_get(&b)), "pair end b is inheritable");
    expect_nonblocking("pair end a", &a, &b);
    expect_nonblocking("pair end b", &b, &a);
    /* each end is the other's peer, both on 127.0.0.1, TCP without Nagle's delay */
    const btc_sock *both[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        struct sockaddr_in self;
        struct sockaddr_in peer;
        socklen_t sl = sizeof self;
        int pl = (int)sizeof peer;
        TS_CHECK_OK(&err, btc_sock_get_sock_name(both[k], (struct sockaddr *)&self, &sl, &err));
        cr_assert_eq(getpeername(btc_sock_get(both[1 - k]), (struct sockaddr *)&peer, &pl), 0);
        cr_assert(ts_addr_is_loopback(&self) && ts_addr_is_loopback(&peer));
        cr_assert_eq(ts_addr_port(&self), ts_addr_port(&peer), "end %d is not its partner's peer", k);
        int type = 0;
        socklen_t tl = sizeof type;
        TS_CHECK_OK(&err, btc_sock_get_sock_opt(both[k], SOL_SOCKET, SO_TYPE, &type, &tl, &err));
        cr_assert_eq(type, SOCK_STREAM);
        int nodelay = 0;
        socklen_t nl = sizeof nodelay;
        TS_CHECK_OK(&err, btc_sock_get_sock_opt(both[k], IPPROTO_TCP, TCP_NODELAY, &nodelay, &nl, &err));
        cr_assert_neq(nodelay & 0xff, 0, "end %d: TCP_NODELAY is off", k);
    }
}

Test(win32, open_and_accept_give_nonblocking_uninheritable_sockets)
{
    BTC_SOCK_AUTO lst = BTC_SOCK_INIT;
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    BTC_SOCK_AUTO srv = BTC_SOCK_INIT;
    btc_error err;
    const int kinds[][2] = {{AF_INET, SOCK_STREAM}, {AF_INET, SOCK_DGRAM}, {AF_INET6, SOCK_STREAM}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        BTC_SOCK_AUTO s = BTC_SOCK_INIT;
        btc_status st;
        TS_RUN(st, &err, btc_sock_open(&s, kinds[k][0], kinds[k][1], 0, &err));
        if (st != BTC_OK && kinds[k][0] == AF_INET6) {
            continue; /* no IPv6 here */
        }
        cr_assert_eq(st, BTC_OK, "kind %zu: %s", k, err.message);
        cr_assert(ts_is_cloexec(btc_sock_get(&s)), "kind %zu: inheritable", k);
    }
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 0);
    TS_CHECK_OK(&err, btc_sock_open(&lst, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_OK(&err, btc_sock_bind(&lst, (const struct sockaddr *)&sa, sizeof sa, &err));
    TS_CHECK_OK(&err, btc_sock_listen(&lst, 4, &err));
    socklen_t sl = sizeof sa;
    TS_CHECK_OK(&err, btc_sock_get_sock_name(&lst, (struct sockaddr *)&sa, &sl, &err));
    /* the listener is non-blocking: accept with nothing queued says so at once */
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, WSAEWOULDBLOCK, &err, btc_sock_accept(&lst, NULL, NULL, &srv, &err));
    /* a blocking listener still gives a non-blocking, uninheritable accepted socket */
    cr_assert(ts_set_blocking(btc_sock_get(&lst), true));
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    btc_status st;
    TS_RUN(st, &err, btc_sock_connect(&cli, (const struct sockaddr *)&sa, sizeof sa, &err));
    cr_assert(st == BTC_OK || (st == BTC_ERR_WOULD_BLOCK && err.code == WSAEWOULDBLOCK), "connect: %s", err.message);
    TS_CHECK_OK(&err, btc_sock_wait(&cli, 5000, BTC_EV_SEND, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_accept(&lst, NULL, NULL, &srv, &err));
    cr_assert(ts_is_cloexec(btc_sock_get(&cli)), "opened socket is inheritable");
    cr_assert(ts_is_cloexec(btc_sock_get(&srv)), "accepted socket is inheritable");
    expect_nonblocking("opened socket", &cli, &srv);
    expect_nonblocking("accepted socket", &srv, &cli);
}

/* Windows reports a failed non-blocking connect in the exception set: ERR, not writable. */
Test(win32, failed_connect_shows_as_err)
{
    btc_error err;
    struct sockaddr_in sa;
    cr_assert(ts_unused_loopback_addr(&sa), "no free loopback port");
    BTC_SOCK_AUTO cli = BTC_SOCK_INIT;
    TS_CHECK_OK(&err, btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, WSAEWOULDBLOCK, &err,
                  btc_sock_connect(&cli, (const struct sockaddr *)&sa, sizeof sa, &err));
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&cli, 10000, BTC_EV_SEND, &ev, NULL, &err));
    cr_assert(ev & BTC_EV_ERR, "a refused connect must show as ERR (occurred 0x%x)", ev);
    int so_error = 0;
    socklen_t len = sizeof so_error;
    TS_CHECK_OK(&err, btc_sock_get_sock_opt(&cli, SOL_SOCKET, SO_ERROR, &so_error, &len, &err));
    cr_assert_eq(so_error, WSAECONNREFUSED);
}

/* ---- BTC_MSG_DONTWAIT emulation ------------------------------------------------------ */

Test(win32, dontwait_on_blocking_socket_peeks_and_reads_without_blocking)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    cr_assert(ts_set_blocking(btc_sock_get(&b), true));
    char buf[16];
    size_t n = 99;
    int64_t t0 = ts_now_ms();
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, WSAEWOULDBLOCK, &err,
                  btc_sock_recv(&b, buf, sizeof buf, MSG_PEEK | BTC_MSG_DONTWAIT, &n, &err));
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, WSAEWOULDBLOCK, &err,
                  btc_sock_recv(&b, buf, sizeof buf, BTC_MSG_DONTWAIT, &n, &err));
    cr_assert_lt(ts_now_ms() - t0, 500, "DONTWAIT blocked");
    TS_CHECK_OK(&err, btc_sock_send(&a, "abc\ndef", 7, 0, &n, &err));
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, NULL, NULL, &err));
    /* the peek sees the data and leaves it; a read of fewer bytes than are there returns at once */
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, MSG_PEEK | BTC_MSG_DONTWAIT, &n, &err));
    cr_assert_eq(n, 7);
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, 4, BTC_MSG_DONTWAIT, &n, &err));
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(buf, "abc\n", 4), 0);
    TS_CHECK_OK(&err, btc_sock_recv(&b, buf, sizeof buf, BTC_MSG_DONTWAIT, &n, &err));
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(buf, "def", 3), 0);
    /* and EOF is readable: DONTWAIT reports it rather than "would block" */
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_wait(&b, 5000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_sock_recv(&b, buf, sizeof buf, BTC_MSG_DONTWAIT, &n, &err));
}

Test(win32, dontwait_send_on_blocking_socket_never_blocks)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    cr_assert_gt(ts_fill_send_buffer(btc_sock_get(&a)), 0);
    cr_assert(ts_set_blocking(btc_sock_get(&a), true));
    static char big[1 << 20];
    size_t n = 99;
    int64_t t0 = ts_now_ms();
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, WSAEWOULDBLOCK, &err,
                  btc_sock_send(&a, big, sizeof big, BTC_MSG_DONTWAIT, &n, &err));
    cr_assert_eq(n, 0);
    cr_assert_lt(ts_now_ms() - t0, 500, "DONTWAIT send blocked");
    /* once the peer reads, a DONTWAIT send makes progress, in part, and returns at once */
    (void)ts_drain_available(btc_sock_get(&b), NULL);
    TS_CHECK_OK(&err, btc_sock_wait(&a, 5000, BTC_EV_SEND, NULL, NULL, &err));
    t0 = ts_now_ms();
    TS_CHECK_OK(&err, btc_sock_send(&a, big, sizeof big, BTC_MSG_DONTWAIT, &n, &err));
    cr_assert_gt(n, 0);
    cr_assert_leq(n, sizeof big);
    cr_assert_lt(ts_now_ms() - t0, 500, "DONTWAIT send blocked");
}

/* A non-blocking socket says WSAENOTCONN, not "would block", when it is not connected; so does the emulation. */
Test(win32, dontwait_on_unconnected_socket_is_enotconn)
{
    BTC_SOCK_AUTO t = BTC_SOCK_INIT;
    BTC_SOCK_AUTO u = BTC_SOCK_INIT;
    btc_error err;
    char c;
    TS_CHECK_OK(&err, btc_sock_open(&t, AF_INET, SOCK_STREAM, 0, &err));
    cr_assert(ts_set_blocking(btc_sock_get(&t), true));
    TS_CHECK_CODE(BTC_ERR_IO, WSAENOTCONN, &err, btc_sock_recv(&t, &c, 1, BTC_MSG_DONTWAIT, NULL, &err));
    TS_CHECK_CODE(BTC_ERR_IO, WSAENOTCONN, &err, btc_sock_send(&t, "x", 1, BTC_MSG_DONTWAIT, NULL, &err));
    TS_CHECK_CODE(BTC_ERR_IO, WSAENOTCONN, &err, btc_sock_send_complete(&t, "x", 1, 1000, NULL, &err));
    /* an unconnected datagram socket may receive: nothing there yet is "would block" */
    TS_CHECK_OK(&err, btc_sock_open(&u, AF_INET, SOCK_DGRAM, 0, &err));
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 0);
    TS_CHECK_OK(&err, btc_sock_bind(&u, (const struct sockaddr *)&sa, sizeof sa, &err));
    TS_CHECK_CODE(BTC_ERR_WOULD_BLOCK, WSAEWOULDBLOCK, &err, btc_sock_recv(&u, &c, 1, BTC_MSG_DONTWAIT, NULL, &err));
}

/* ---- one wait holds FD_SETSIZE sockets -------------------------------------------------- */

Test(win32, wait_many_refuses_more_than_fd_setsize)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    btc_interrupt intr;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    static btc_wait_item items[FD_SETSIZE + 1];
    cr_assert_eq(FD_SETSIZE, 1024, "the library and its tests are built with FD_SETSIZE 1024");
    for (size_t k = 0; k < FD_SETSIZE + 1; k++) {
        items[k] = (btc_wait_item){&a, BTC_EV_SEND, 0xFF};
    }
    /* exactly FD_SETSIZE items (the same socket, which select counts once, but the limit is on items) */
    TS_CHECK_OK(&err, btc_wait_many(items, FD_SETSIZE, 1000, NULL, &err));
    cr_assert_eq(items[FD_SETSIZE - 1].occurred, BTC_EV_SEND);
    /* one more: refused, nothing waited for, every occurred zeroed */
    TS_CHECK(BTC_ERR_NOT_SELECTABLE, &err, btc_wait_many(items, FD_SETSIZE + 1, 1000, NULL, &err));
    for (size_t k = 0; k < FD_SETSIZE + 1; k++) {
        cr_assert_eq(items[k].occurred, 0, "item %zu", k);
    }
    cr_assert_not_null(strstr(err.message, "1024"), "the message names the limit: \"%s\"", err.message);
    /* the interrupt's wake socket takes one place */
    TS_CHECK(BTC_ERR_NOT_SELECTABLE, &err, btc_wait_many(items, FD_SETSIZE, 1000, &intr, &err));
    TS_CHECK_OK(&err, btc_wait_many(items, FD_SETSIZE - 1, 1000, &intr, &err));
    /* the default table's wait slot refuses on its own too (a copy of the table, same slot) */
    btc_socket_t wake = btc_interrupt_wake_descriptor(&intr);
    const btc_sys *sys = btc_sys_default();
    cr_assert_eq(sys->wait(sys->ctx, items, FD_SETSIZE, wake, 0), -1);
    cr_assert_eq(sys->last_error(sys->ctx), WSAEINVAL);
    btc_interrupt_destroy(&intr);
}

/* ---- the interrupt's wake socket pair -------------------------------------------------- */

static bool readable_now(btc_socket_t s)
{
    fd_set set;
    FD_ZERO(&set);
    FD_SET(s, &set);
    struct timeval zero = {0, 0};
    return select(0, &set, NULL, NULL, &zero) == 1;
}

Test(win32, wake_socket_pair_life_cycle)
{
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    btc_socket_t rd = i.wake_read;
    btc_socket_t wr = i.wake_write;
    cr_assert_neq(rd, BTC_INVALID_SOCKET);
    cr_assert_neq(wr, BTC_INVALID_SOCKET);
    cr_assert_neq(rd, wr, "a socket pair, two handles");
    cr_assert_eq(btc_interrupt_wake_descriptor(&i), rd);
    cr_assert(ts_is_cloexec(rd) && ts_is_cloexec(wr), "wake sockets must not be inherited");
    cr_assert(!readable_now(rd));
    btc_interrupt_trigger(&i);
    cr_assert(readable_now(rd), "trigger must make the wake socket readable");
    /* many triggers never block, even once the pair's buffers are full */
    int64_t t0 = ts_now_ms();
    for (int k = 0; k < 20000; k++) {
        btc_interrupt_trigger(&i);
    }
    cr_assert_lt(ts_now_ms() - t0, 20000, "triggers blocked");
    btc_interrupt_reset(&i);
    cr_assert(!btc_interrupt_is_set(&i));
    cr_assert(!readable_now(rd), "reset must drain the wake socket");
    btc_interrupt_destroy(&i);
    cr_assert(!ts_fd_is_open(rd), "destroy must close the read end");
    cr_assert(!ts_fd_is_open(wr), "destroy must close the write end");
}

Test(win32, trigger_keeps_errno_and_the_last_error)
{
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    for (int k = 0; k < 2; k++) {
        errno = EDOM;
        WSASetLastError(WSAECONNABORTED);
        btc_interrupt_trigger(&i);
        cr_assert_eq(errno, EDOM);
        cr_assert_eq(WSAGetLastError(), WSAECONNABORTED);
    }
    btc_interrupt_destroy(&i);
}

Test(win32, interrupt_init_destroy_does_not_leak_handles)
{
    DWORD before = 0;
    DWORD after = 0;
    btc_error err;
    /* one round first, so that whatever Winsock allocates once is already there */
    btc_interrupt i;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    btc_interrupt_destroy(&i);
    cr_assert(GetProcessHandleCount(GetCurrentProcess(), &before));
    for (int k = 0; k < 200; k++) {
        TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
        btc_interrupt_trigger(&i);
        btc_interrupt_destroy(&i);
    }
    cr_assert(GetProcessHandleCount(GetCurrentProcess(), &after));
    cr_assert_lt(after, before + 20, "handles leaked: %lu before, %lu after 200 interrupts", (unsigned long)before,
                 (unsigned long)after);
}
