/* SPDX-License-Identifier: MIT */
/*
 * tests/win/test_init.c - the library starts Winsock by itself.
 *
 * btcsock calls WSAStartup once, on first need (creating a socket, a socket
 * pair or an interrupt), and keeps its reference until the process exits
 * (src/sys_win32.c). This has to be seen in a process where nobody has
 * initialised Winsock yet, so it is a test program of its own with a single
 * test: nothing in it, in tests/win/runner.c or in the tests/support.c
 * helpers it uses touches Winsock before the library does.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "btcsock.h"
#include "support.h"

TestSuite(wininit, .timeout = 60);

enum { RACERS = 8 };

typedef struct racer {
    btc_sock a;
    btc_sock b;
    btc_status st;
    btc_error err;
} racer;

static volatile LONG start_gate;

/* Every thread makes its first library call at the same moment. */
static void race_first_call(void *arg)
{
    racer *r = arg;
    while (start_gate == 0) {
        SwitchToThread();
    }
    r->st = btc_make_socket_pair(&r->a, &r->b, &r->err);
}

Test(wininit, library_starts_winsock_on_first_use)
{
    /* Precondition: nobody has started Winsock in this process. */
    SOCKET raw = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(raw, INVALID_SOCKET, "Winsock was already started: the test proves nothing");
    cr_assert_eq(WSAGetLastError(), WSANOTINITIALISED);

    /* Several threads whose first call is the library's: InitOnce makes exactly one start, all succeed. */
    static racer racers[RACERS];
    ts_thread *threads[RACERS];
    for (int k = 0; k < RACERS; k++) {
        threads[k] = ts_thread_start(race_first_call, &racers[k]);
        cr_assert_not_null(threads[k]);
    }
    InterlockedExchange(&start_gate, 1);
    for (int k = 0; k < RACERS; k++) {
        ts_thread_join(threads[k]);
        cr_assert_eq(racers[k].st, BTC_OK, "thread %d: %s", k, racers[k].err.message);
    }

    /* Winsock is up for the whole process now: the application's own calls work too. */
    raw = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_neq(raw, INVALID_SOCKET, "a raw socket() after the library's first call: %d", WSAGetLastError());
    cr_assert_eq(closesocket(raw), 0);

    /* An application's own WSAStartup/WSACleanup pair does not take Winsock away from the library. */
    WSADATA data;
    cr_assert_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    cr_assert_eq(WSACleanup(), 0);
    btc_error err;
    size_t n = 0;
    char buf[8];
    TS_CHECK_OK(&err, btc_sock_send(&racers[0].a, "hi\n", 3, 0, &n, &err));
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&racers[0].b, '\n', 5000, NULL, sizeof buf, buf, &n, 0, &err));
    cr_assert_str_eq(buf, "hi");
    btc_sock s = BTC_SOCK_INIT;
    TS_CHECK_OK(&err, btc_sock_open(&s, AF_INET, SOCK_STREAM, 0, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
    btc_interrupt intr;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    btc_interrupt_trigger(&intr);
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_wait_many(NULL, 0, 5000, &intr, &err));
    btc_interrupt_destroy(&intr);
    for (int k = 0; k < RACERS; k++) {
        TS_CHECK_OK(&err, btc_sock_reset(&racers[k].a, &err));
        TS_CHECK_OK(&err, btc_sock_reset(&racers[k].b, &err));
    }
}
