/* SPDX-License-Identifier: MIT */
/*
 * tests/test_nomem.c - btc_wait_many over more sockets than the poll backend
 * keeps on its stack (64), when the allocation for the rest fails: the
 * documented BTC_ERR_NO_MEMORY (code ENOMEM), every occurred zeroed, and the
 * same wait working again once memory is there. With the select backend the
 * wait allocates nothing, so it must succeed even then.
 *
 * The failure is injected by interposing calloc for the whole test binary,
 * which is why this is a binary of its own. Sanitizer runtimes bring their
 * own calloc: there the interposer is compiled out. Valgrind replaces calloc
 * even in the executable: a probe sees that the injection is not in effect
 * and the test is skipped.
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NOMEM_INTERPOSE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define NOMEM_INTERPOSE 0
#endif
#endif
#ifndef NOMEM_INTERPOSE
#define NOMEM_INTERPOSE 1
#endif

TestSuite(nomem, .timeout = 30);

static volatile int nomem_armed;

#if NOMEM_INTERPOSE && defined(__GLIBC__)
/* glibc's own calloc, under its internal name (no dlsym, which may itself call calloc). */
extern void *__libc_calloc(size_t n, size_t size);

/* Not inlined, so that whoever replaces calloc (valgrind) replaces every call, the probe's too. */
__attribute__((noinline)) void *calloc(size_t n, size_t size)
{
    if (nomem_armed) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, size);
}
#endif

/* Whether a calloc made now fails (called through a pointer, as the library's call is a real call). */
static bool nomem_injection_works(void)
{
    void *(*volatile cal)(size_t, size_t) = calloc;
    nomem_armed = 1;
    void *p = cal(1, 1);
    nomem_armed = 0;
    free(p);
    return p == NULL;
}

#define NOMEM_ITEMS 100 /* more than the poll backend's 64 stack slots */

Test(nomem, wait_many_beyond_the_stack_without_memory)
{
    bool poll_backend = strcmp(btc_wait_backend(), "poll") == 0;
    if (!nomem_injection_works()) {
        cr_skip_test("calloc cannot be made to fail here (valgrind or a sanitizer runtime owns it)");
    }
    btc_sock a, b;
    btc_error err;
    cr_assert_eq(btc_make_socket_pair(&a, &b, &err), BTC_OK, "socket pair: %s", err.message);
    btc_wait_item items[NOMEM_ITEMS];
    for (size_t i = 0; i < NOMEM_ITEMS; i++) {
        items[i].sock = i % 2 == 0 ? &a : &b;
        items[i].requested = BTC_EV_SEND;
        items[i].occurred = 0xff;
    }
    nomem_armed = 1;
    btc_status st = btc_wait_many(items, NOMEM_ITEMS, 100, NULL, &err);
    nomem_armed = 0;
    if (poll_backend) {
        TS_ASSERT_STATUS(st, BTC_ERR_NO_MEMORY, &err);
        cr_assert_eq(err.code, ENOMEM, "code %d, expected ENOMEM", err.code);
        for (size_t i = 0; i < NOMEM_ITEMS; i++) {
            cr_assert_eq(items[i].occurred, 0, "item %zu occurred 0x%x after NO_MEMORY", i, items[i].occurred);
        }
    } else {
        TS_ASSERT_STATUS(st, BTC_OK, &err); /* select allocates nothing */
    }
    st = btc_wait_many(items, NOMEM_ITEMS, 100, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    for (size_t i = 0; i < NOMEM_ITEMS; i++) {
        cr_assert(items[i].occurred & BTC_EV_SEND, "item %zu occurred 0x%x, expected SEND", i, items[i].occurred);
    }
    /* A single-socket wait never allocates. */
    nomem_armed = 1;
    btc_events occ = 0;
    st = btc_sock_wait(&a, 100, BTC_EV_SEND, &occ, NULL, &err);
    nomem_armed = 0;
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    btc_sock_reset(&a, NULL);
    btc_sock_reset(&b, NULL);
}
