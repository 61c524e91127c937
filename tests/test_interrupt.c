/* SPDX-License-Identifier: MIT */
/*
 * tests/test_interrupt.c - btc_interrupt: life cycle, triggering from a
 * thread and from a signal handler, reset, invalid interrupts, and EINTR
 * handling of the waits. POSIX (signals, pthread_kill, fcntl).
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "btcsock.h"
#include "support.h"

TestSuite(interrupt, .timeout = 30);

static void make_pair(btc_sock *a, btc_sock *b)
{
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(a, b, &err));
}

/* Whether fd is readable right now. */
static bool fd_readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

Test(interrupt, life_cycle)
{
    btc_interrupt i;
    memset(&i, 0xA5, sizeof i);
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    cr_assert(btc_interrupt_is_valid(&i));
    cr_assert(!btc_interrupt_is_set(&i), "a new interrupt is not set");
    int wake = btc_interrupt_wake_descriptor(&i);
    cr_assert_geq(wake, 0);
    cr_assert(!fd_readable(wake));
    btc_interrupt_trigger(&i);
    cr_assert(btc_interrupt_is_set(&i));
    cr_assert(fd_readable(wake), "trigger must make the wake descriptor readable");
    btc_interrupt_trigger(&i);
    cr_assert(btc_interrupt_is_set(&i));
    btc_interrupt_reset(&i);
    cr_assert(!btc_interrupt_is_set(&i));
    cr_assert(!fd_readable(wake), "reset must drain the wake descriptor");
    cr_assert(btc_interrupt_is_valid(&i));
    btc_interrupt_destroy(&i);
    cr_assert(!btc_interrupt_is_valid(&i));
    cr_assert(!ts_fd_is_open(wake), "destroy must close the wake descriptor");
    btc_interrupt_destroy(&i); /* twice: safe */
    cr_assert(!btc_interrupt_is_valid(&i));
}

Test(interrupt, wake_descriptor_is_nonblocking_and_cloexec)
{
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    int rd = btc_interrupt_wake_descriptor(&i);
    cr_assert(fcntl(rd, F_GETFL) & O_NONBLOCK);
    cr_assert(fcntl(rd, F_GETFD) & FD_CLOEXEC);
    btc_interrupt_destroy(&i);
}

Test(interrupt, null_and_zeroed_are_harmless)
{
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_interrupt_init(NULL, &err));
    btc_interrupt_destroy(NULL);
    btc_interrupt_trigger(NULL);
    btc_interrupt_reset(NULL);
    cr_assert(!btc_interrupt_is_set(NULL));
    cr_assert(!btc_interrupt_is_valid(NULL));
    btc_interrupt z;
    memset(&z, 0, sizeof z);
    cr_assert(!btc_interrupt_is_valid(&z));
    btc_interrupt_trigger(&z); /* no-op: must not write to descriptor 0 */
    cr_assert(!btc_interrupt_is_set(&z));
    btc_interrupt_reset(&z);
    btc_interrupt_destroy(&z);
    cr_assert(!btc_interrupt_is_valid(&z));
    cr_assert(!btc_interrupt_is_set(&z));
}

Test(interrupt, destroy_of_zeroed_closes_nothing)
{
    /* a zeroed interrupt has wake descriptors 0: destroy must not close stdin */
    int probe = dup(0);
    if (probe < 0) {
        cr_skip_test("no descriptor 0 in this process");
    }
    (void)close(probe);
    btc_interrupt z;
    memset(&z, 0, sizeof z);
    btc_interrupt_destroy(&z);
    cr_assert(ts_fd_is_open(0), "destroying a zeroed interrupt closed descriptor 0");
}

Test(interrupt, trigger_preserves_errno)
{
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    errno = EDOM;
    btc_interrupt_trigger(&i);
    cr_assert_eq(errno, EDOM);
    errno = ERANGE;
    btc_interrupt_trigger(&i); /* second trigger: the wake descriptor may already be full */
    cr_assert_eq(errno, ERANGE);
    btc_interrupt_destroy(&i);
}

Test(interrupt, many_triggers_then_one_reset)
{
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    for (int k = 0; k < 100000; k++) {
        btc_interrupt_trigger(&i);
    }
    cr_assert(btc_interrupt_is_set(&i));
    btc_interrupt_reset(&i);
    cr_assert(!btc_interrupt_is_set(&i));
    cr_assert(!fd_readable(btc_interrupt_wake_descriptor(&i)));
    btc_interrupt_destroy(&i);
}

Test(interrupt, init_destroy_does_not_leak_descriptors)
{
    int before = dup(0);
    cr_assert_geq(before, 0);
    (void)close(before);
    for (int k = 0; k < 2000; k++) {
        btc_interrupt i;
        btc_error err;
        TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
        btc_interrupt_trigger(&i);
        btc_interrupt_destroy(&i);
    }
    int after = dup(0);
    cr_assert_eq(after, before, "descriptors leaked: next free was %d, now %d", before, after);
    (void)close(after);
}

Test(interrupt, trigger_from_thread_wakes_wait)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    ts_delayed_trigger dt;
    cr_assert(ts_delayed_trigger_start(&dt, &i, 50));
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&b, 10000, BTC_EV_RECV, &ev, &i, &err));
    int64_t back = ts_now_us();
    int64_t fired = ts_delayed_trigger_join(&dt);
    cr_assert_eq(ev, 0);
    cr_assert(btc_interrupt_is_set(&i));
    cr_assert_lt(back - fired, 100 * 1000, "woke %lld us after the trigger", (long long)(back - fired));
    btc_interrupt_destroy(&i);
}

/* Two threads wait on the same interrupt; one trigger wakes both. */
typedef struct waiter {
    btc_sock *s;
    btc_interrupt *intr;
    btc_status st;
    int64_t back_us;
} waiter;

static void waiter_main(void *arg)
{
    waiter *w = arg;
    w->st = btc_sock_wait(w->s, 10000, BTC_EV_RECV, NULL, w->intr, NULL);
    w->back_us = ts_now_us();
}

Test(interrupt, one_trigger_wakes_every_waiter)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    BTC_SOCK_AUTO c = BTC_SOCK_INIT;
    BTC_SOCK_AUTO d = BTC_SOCK_INIT;
    make_pair(&a, &b);
    make_pair(&c, &d);
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    waiter w1 = {&b, &i, BTC_OK, 0};
    waiter w2 = {&d, &i, BTC_OK, 0};
    ts_thread *t1 = ts_thread_start(waiter_main, &w1);
    ts_thread *t2 = ts_thread_start(waiter_main, &w2);
    cr_assert(t1 != NULL && t2 != NULL);
    ts_sleep_ms(100);
    int64_t fired = ts_now_us();
    btc_interrupt_trigger(&i);
    ts_thread_join(t1);
    ts_thread_join(t2);
    cr_assert_eq(w1.st, BTC_ERR_INTERRUPTED, "waiter 1: %s", btc_status_name(w1.st));
    cr_assert_eq(w2.st, BTC_ERR_INTERRUPTED, "waiter 2: %s", btc_status_name(w2.st));
    cr_assert_lt(w1.back_us - fired, 100 * 1000);
    cr_assert_lt(w2.back_us - fired, 100 * 1000);
    btc_interrupt_destroy(&i);
}

/* ---- signals ---------------------------------------------------------------------- */

static btc_interrupt sig_intr;
static volatile sig_atomic_t sig_seen;

static void on_sigusr1(int sig)
{
    (void)sig;
    sig_seen = 1;
    btc_interrupt_trigger(&sig_intr);
}

typedef struct killer {
    pthread_t target;
    int sig;
    int64_t delay_ms;
    int64_t sent_at_us;
    int rc;
} killer;

static void killer_main(void *arg)
{
    killer *k = arg;
    ts_sleep_ms(k->delay_ms);
    k->sent_at_us = ts_now_us();
    k->rc = pthread_kill(k->target, k->sig);
}

static void install(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll/select see EINTR */
    cr_assert_eq(sigaction(sig, &sa, NULL), 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    cr_assert_eq(pthread_sigmask(SIG_UNBLOCK, &set, NULL), 0);
}

Test(interrupt, trigger_from_signal_handler_wakes_wait)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&sig_intr, &err));
    sig_seen = 0;
    install(SIGUSR1, on_sigusr1);
    killer k = {pthread_self(), SIGUSR1, 50, 0, -1};
    ts_thread *t = ts_thread_start(killer_main, &k);
    cr_assert_not_null(t);
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&b, 10000, BTC_EV_RECV, &ev, &sig_intr, &err));
    int64_t back = ts_now_us();
    ts_thread_join(t);
    cr_assert_eq(k.rc, 0);
    cr_assert(sig_seen, "the handler did not run");
    cr_assert_eq(ev, 0);
    cr_assert_lt(back - k.sent_at_us, 100 * 1000, "woke %lld us after the signal", (long long)(back - k.sent_at_us));
    btc_interrupt_destroy(&sig_intr);
}

/* A signal whose handler does not trigger anything: the wait retries with the time left. */
static volatile sig_atomic_t noop_count;
static void on_sigusr2(int sig)
{
    (void)sig;
    noop_count++;
}

typedef struct pummel {
    pthread_t target;
    int64_t for_ms; /* keep signalling this long, then stop */
    int sent;
} pummel;

static void pummel_main(void *arg)
{
    pummel *p = arg;
    int64_t end = ts_now_ms() + p->for_ms;
    while (ts_now_ms() < end) {
        if (pthread_kill(p->target, SIGUSR2) == 0) {
            p->sent++;
        }
        ts_sleep_ms(10);
    }
}

/*
 * Signals arrive every 10 ms for the first 400 ms of a 600 ms wait. A wait
 * that restarted poll/select with the original timeout after the last EINTR
 * would return near 1000 ms; one that recomputes from its deadline returns
 * near 600 ms. Same for the count-0 sleep.
 */
Test(interrupt, eintr_is_retried_with_the_time_left)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    install(SIGUSR2, on_sigusr2);
    noop_count = 0;
    pummel p = {pthread_self(), 400, 0};
    ts_thread *t = ts_thread_start(pummel_main, &p);
    cr_assert_not_null(t);
    btc_error err;
    btc_events ev = 0xFF;
    int64_t t0 = ts_now_us();
    btc_status st = btc_sock_wait(&b, 600, BTC_EV_RECV, &ev, NULL, &err);
    int64_t el = ts_now_us() - t0;
    ts_thread_join(t);
    cr_assert_eq(st, BTC_ERR_TIMEOUT, "a signal ended the wait with %s", btc_status_name(st));
    cr_assert_eq(ev, 0);
    cr_assert_gt(noop_count, 5, "only %d signals arrived", (int)noop_count);
    cr_assert_geq(el, 599 * 1000, "returned after %lld us", (long long)el);
    cr_assert_lt(el, 900 * 1000, "deadline stretched by EINTR: %lld us for a 600 ms wait", (long long)el);

    noop_count = 0;
    p.sent = 0;
    t = ts_thread_start(pummel_main, &p);
    cr_assert_not_null(t);
    t0 = ts_now_us();
    st = btc_wait_many(NULL, 0, 600, NULL, &err);
    el = ts_now_us() - t0;
    ts_thread_join(t);
    cr_assert_eq(st, BTC_ERR_TIMEOUT, "a signal ended the sleep with %s", btc_status_name(st));
    cr_assert_gt(noop_count, 5, "only %d signals arrived", (int)noop_count);
    cr_assert_geq(el, 599 * 1000, "returned after %lld us", (long long)el);
    cr_assert_lt(el, 900 * 1000, "deadline stretched by EINTR: %lld us for a 600 ms sleep", (long long)el);
}

/* ---- reset, invalid ------------------------------------------------------------ */

Test(interrupt, reset_drains_so_the_next_wait_times_out)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    btc_interrupt_trigger(&i);
    btc_interrupt_trigger(&i);
    btc_interrupt_trigger(&i);
    btc_interrupt_reset(&i);
    btc_events ev = 0xFF;
    int64_t t0 = ts_now_us();
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_wait(&b, 100, BTC_EV_RECV, &ev, &i, &err));
    int64_t el = ts_now_us() - t0;
    cr_assert_geq(el, 99 * 1000, "a drained interrupt still woke the wait after %lld us", (long long)el);
    cr_assert_eq(ev, 0);
    /* and it works again after the reset */
    ts_delayed_trigger dt;
    cr_assert(ts_delayed_trigger_start(&dt, &i, 30));
    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_sock_wait(&b, 10000, BTC_EV_RECV, &ev, &i, &err));
    int64_t back = ts_now_us();
    int64_t fired = ts_delayed_trigger_join(&dt);
    cr_assert_lt(back - fired, 100 * 1000);
    btc_interrupt_destroy(&i);
}

Test(interrupt, zeroed_interrupt_in_a_wait_is_invalid)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt z;
    memset(&z, 0, sizeof z);
    cr_assert(!btc_interrupt_is_valid(&z));
    btc_error err;
    btc_events ev = 0xFF;
    int64_t t0 = ts_now_ms();
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_wait(&b, 1000, BTC_EV_RECV, &ev, &z, &err));
    cr_assert_eq(ev, 0);
    btc_wait_item it = {&b, BTC_EV_RECV, 0xFF};
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(&it, 1, 1000, &z, &err));
    cr_assert_eq(it.occurred, 0);
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_wait_many(NULL, 0, 1000, &z, &err));
    cr_assert_lt(ts_now_ms() - t0, 1000, "an invalid interrupt must be refused without waiting");
}

Test(interrupt, destroyed_interrupt_in_a_wait_is_invalid)
{
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    make_pair(&a, &b);
    btc_interrupt i;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&i, &err));
    btc_interrupt_destroy(&i);
    cr_assert(!btc_interrupt_is_valid(&i));
    btc_events ev = 0xFF;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_wait(&b, 100, BTC_EV_RECV, &ev, &i, &err));
    cr_assert_eq(ev, 0);
}
