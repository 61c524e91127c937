/* SPDX-License-Identifier: MIT */
/*
 * tests/test_limits.c - the default (POSIX) table when the process runs out
 * of descriptors, and the wake-descriptor helpers of src/sys_posix.c.
 *
 * Out of descriptors (EMFILE) every call that creates one must fail with
 * BTC_ERR_IO and the errno, leave its outputs empty and leak nothing, and
 * work again once descriptors are free. POSIX only (setrlimit, pipe, fcntl).
 * Each Criterion test runs in its own process, so lowering the limit here
 * touches no other test.
 */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC, pipe, fcntl, setrlimit under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fake_support.h"
#include "internal.h"

TestSuite(limits, .timeout = 30);

#define LIM_MAX_FDS 512

/* Descriptors taken by lim_exhaust, given back by lim_release. */
static int lim_fds[LIM_MAX_FDS];
static int lim_count;

/*
 * Lowers the soft descriptor limit to at most 256 (so the loop stays short
 * under any hard limit) and opens /dev/null until the process is out of
 * descriptors. Asserts that it really is (the next open fails with EMFILE).
 */
static void lim_exhaust(void)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0, "getrlimit: %s", strerror(errno));
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 256) {
        rl.rlim_cur = 256;
        cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0, "setrlimit: %s", strerror(errno));
    }
    lim_count = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            cr_assert_eq(errno, EMFILE, "open stopped with errno %d, not EMFILE", errno);
            break;
        }
        cr_assert_lt(lim_count, LIM_MAX_FDS, "the descriptor limit does not bite");
        lim_fds[lim_count++] = fd;
    }
    cr_assert_gt(lim_count, 2, "too few descriptors taken (%d)", lim_count);
}

/* Gives back `n` of the taken descriptors (all of them for n < 0). */
static void lim_release(int n)
{
    while (lim_count > 0 && n-- != 0) {
        close(lim_fds[--lim_count]);
    }
}

static bool lim_fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

/*
 * Valgrind keeps descriptors of its own at the top of the range and emulates
 * the limit itself, after the fact: it lets socketpair(2) through, and for
 * accept(2) it closes the descriptor the kernel already gave (the connection
 * is lost). Tests that depend on the kernel's own EMFILE skip under it.
 */
static bool lim_under_valgrind(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre != NULL && strstr(pre, "vgpreload") != NULL;
}

Test(limits, socket_pair_out_of_descriptors_is_io_emfile)
{
    if (lim_under_valgrind()) {
        cr_skip_test("valgrind emulates the descriptor limit and lets socketpair past it");
    }
    btc_sock a = {123, NULL}, b = {456, NULL};
    btc_error err;
    lim_exhaust();
    lim_release(1); /* one free descriptor: a pair needs two, and must not leak the first */
    btc_status st = btc_make_socket_pair(&a, &b, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EMFILE, "code %d, expected EMFILE", err.code);
    cr_assert(btc_sock_is_empty(&a) && btc_sock_is_empty(&b), "outputs not empty after a failure");
    int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
    cr_assert_neq(probe, -1, "the one free descriptor was leaked by the failed pair");
    close(probe);
    lim_release(1);
    st = btc_make_socket_pair(&a, &b, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert(lim_fd_open(btc_sock_get(&a)) && lim_fd_open(btc_sock_get(&b)), "pair not open");
    btc_sock_reset(&a, NULL);
    btc_sock_reset(&b, NULL);
    lim_release(-1);
}

Test(limits, open_out_of_descriptors_is_io_emfile)
{
    btc_sock s = {123, NULL};
    btc_error err;
    lim_exhaust();
    btc_status st = btc_sock_open(&s, AF_INET, SOCK_STREAM, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EMFILE, "code %d, expected EMFILE", err.code);
    cr_assert(btc_sock_is_empty(&s), "output not empty");
    lim_release(-1);
}

Test(limits, interrupt_init_out_of_descriptors_is_io_emfile)
{
    btc_interrupt intr;
    memset(&intr, 0xab, sizeof intr);
    btc_error err;
    lim_exhaust();
    btc_status st = btc_interrupt_init(&intr, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EMFILE, "code %d, expected EMFILE", err.code);
    cr_assert_not(btc_interrupt_is_valid(&intr), "a failed init left a valid interrupt");
    cr_assert_eq(btc_interrupt_wake_descriptor(&intr), BTC_INVALID_SOCKET, "wake descriptor of a failed init");
    btc_interrupt_trigger(&intr); /* no-ops on an uninitialised interrupt */
    cr_assert_not(btc_interrupt_is_set(&intr), "a failed init can be triggered");
    btc_interrupt_destroy(&intr);
    lim_release(-1);
    st = btc_interrupt_init(&intr, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    btc_interrupt_destroy(&intr);
}

/* accept(2) failing for lack of a descriptor loses nothing: the connection is still there afterwards. */
Test(limits, accept_out_of_descriptors_is_io_and_keeps_the_connection)
{
    if (lim_under_valgrind()) {
        cr_skip_test("valgrind emulates the descriptor limit by closing what accept returned");
    }
    btc_sock lst = BTC_SOCK_INIT, cli = BTC_SOCK_INIT, srv = {123, NULL};
    btc_error err;
    cr_assert_eq(btc_sock_open(&lst, AF_INET, SOCK_STREAM, 0, &err), BTC_OK, "open: %s", err.message);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t salen = (socklen_t)sizeof sa;
    cr_assert_eq(btc_sock_bind(&lst, (struct sockaddr *)&sa, salen, &err), BTC_OK, "bind: %s", err.message);
    cr_assert_eq(btc_sock_listen(&lst, 4, &err), BTC_OK, "listen: %s", err.message);
    cr_assert_eq(btc_sock_get_sock_name(&lst, (struct sockaddr *)&sa, &salen, &err), BTC_OK, "name: %s", err.message);
    cr_assert_eq(btc_sock_open(&cli, AF_INET, SOCK_STREAM, 0, &err), BTC_OK, "open: %s", err.message);
    btc_status st = btc_sock_connect(&cli, (struct sockaddr *)&sa, salen, &err);
    cr_assert(st == BTC_OK || st == BTC_ERR_WOULD_BLOCK, "connect: %s", err.message);
    btc_events occ = 0;
    cr_assert_eq(btc_sock_wait(&lst, 5000, BTC_EV_RECV, &occ, NULL, &err), BTC_OK, "no connection: %s", err.message);

    lim_exhaust();
    st = btc_sock_accept(&lst, NULL, NULL, &srv, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EMFILE, "code %d, expected EMFILE", err.code);
    cr_assert(btc_sock_is_empty(&srv), "output not empty");
    lim_release(-1);
    st = btc_sock_accept(&lst, NULL, NULL, &srv, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert_eq(btc_sock_is_connected(&srv, &err), BTC_OK, "accepted socket: %s", err.message);
    btc_sock_reset(&srv, NULL);
    btc_sock_reset(&cli, NULL);
    btc_sock_reset(&lst, NULL);
}

/* ---- the wake-descriptor helpers, also with a separate write end (as on non-Linux) ---------- */

Test(limits, wake_helpers_with_a_pipe)
{
    int p[2];
    cr_assert_eq(pipe(p), 0, "pipe: %s", strerror(errno));
    cr_assert_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0, "fcntl");
    cr_assert_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0, "fcntl");
    errno = 4242;
    btc__wake_signal(p[1]);
    btc__wake_signal(p[1]);
    cr_assert_eq(errno, 4242, "wake_signal changed errno to %d", errno);
    btc_wait_item none;
    const btc_sys *os = btc_sys_default();
    cr_assert_eq(os->wait(os->ctx, &none, 0, p[0], 0), 1, "signalled pipe not readable");
    btc__wake_drain(p[0]);
    cr_assert_eq(os->wait(os->ctx, &none, 0, p[0], 0), 0, "drained pipe still readable");
    btc__wake_close(p[0], p[1]);
    cr_assert_not(lim_fd_open(p[0]), "read end left open");
    cr_assert_not(lim_fd_open(p[1]), "write end left open");
    /* Invalid descriptors are ignored, and errno is kept. */
    errno = 4243;
    btc__wake_signal(BTC_INVALID_SOCKET);
    btc__wake_drain(BTC_INVALID_SOCKET);
    btc__wake_close(BTC_INVALID_SOCKET, BTC_INVALID_SOCKET);
    cr_assert_eq(errno, 4243, "errno changed to %d", errno);
}

Test(limits, error_string_of_an_unknown_code)
{
    char buf[128];
    btc_network_error_string(987654, buf, sizeof buf);
    cr_assert(strstr(buf, "(987654)") != NULL, "\"%s\" does not end in the code", buf);
    cr_assert_gt(strlen(buf), strlen("(987654)") + 1, "no text before the code: \"%s\"", buf);
}
