/* SPDX-License-Identifier: MIT */
/*
 * tests/test_v1.c - a table written for 0.1 (version 1) keeps working for
 * everything 0.1 did, and the library never reads past its end.
 *
 * The table is the fake's, cut where version 1 ends (before the shutdown
 * slot): what follows holds 0xA5 bytes, so calling a version-2 slot would
 * jump to 0xA5A5... and crash, and under AddressSanitizer it is poisoned,
 * so even reading one is reported.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(v1, .timeout = 30);

#if defined(__SANITIZE_ADDRESS__)
#define V1_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define V1_ASAN 1
#endif
#endif
#ifdef V1_ASAN
#include <sanitizer/asan_interface.h>
#define V1_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define V1_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define V1_POISON(p, n) ((void)(p), (void)(n))
#define V1_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Where version 1 ends: the first slot of version 2. */
#define V1_SIZE offsetof(btc_sys, shutdown)

/*
 * The fake's table cut to version 1: a whole btc_sys whose version-2 part
 * holds 0xA5 bytes and, under AddressSanitizer, is poisoned (any read of it
 * is reported). Free it with v1_free.
 */
static btc_sys *v1_table(btc_fake *f)
{
    btc_sys *t = malloc(sizeof *t);
    cr_assert_not_null(t);
    memcpy(t, btc_fake_sys(f), V1_SIZE);
    memset((unsigned char *)t + V1_SIZE, 0xA5, sizeof *t - V1_SIZE);
    t->version = 1;
    V1_POISON((unsigned char *)t + V1_SIZE, sizeof *t - V1_SIZE);
    return t;
}

static void v1_free(btc_sys *t)
{
    V1_UNPOISON((unsigned char *)t + V1_SIZE, sizeof *t - V1_SIZE);
    free(t);
}

static void setup_v1(btc_fake *f, btc_sock *s, btc_sys **t)
{
    fs_setup(f, s);
    *t = v1_table(f);
    s->sys = *t;
}

Test(v1, a_version_1_table_is_valid)
{
    btc_fake f;
    btc_sock s;
    btc_sys *t;
    setup_v1(&f, &s, &t);
    btc_error err;
    TS_CHECK_OK(&err, btc_sys_validate(t, &err));
    btc_sys_tap tap;
    TS_CHECK_OK(&err, btc_sys_tap_init(&tap, t, NULL, NULL, &err));
    cr_assert_eq(tap.sys.version, 1u, "a tap has its inner table's version");
    cr_assert_null(tap.sys.sendv, "a tap over a version-1 table has no version-2 slots");
    v1_free(t);
}

Test(v1, every_0_1_operation_works)
{
    btc_fake f;
    btc_sock s;
    btc_sys *t;
    setup_v1(&f, &s, &t);
    btc_fake_set_input(&f, "line one\nrest", 13);
    uint8_t out[64];
    btc_fake_set_output(&f, out, sizeof out);
    btc_error err;
    char buf[32];
    size_t len;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err));
    TS_CHECK_OK(&err, btc_sock_send_complete(&s, "hello", 5, 1000, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_is_connected(&s, &err));
    TS_CHECK_OK(&err, btc_sock_wait(&s, 1000, BTC_EV_RECV, NULL, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_recv_exact(&s, buf, 4, 1000, NULL, &err));
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 8333);
    TS_CHECK_OK(&err, btc_sock_connect_timeout(&s, (const struct sockaddr *)&sa, sizeof sa, 1000, NULL, &err));
    v1_free(t);
}

Test(v1, a_gather_send_falls_back_to_plain_sends)
{
    btc_fake f;
    btc_sock s;
    btc_sys *t;
    setup_v1(&f, &s, &t);
    uint8_t out[16];
    btc_fake_set_output(&f, out, sizeof out);
    btc_iovec iov[] = {{"abc", 3}, {"", 0}, {"de", 2}, {"fgh", 3}};
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send_complete_v(&s, iov, 4, 1000, NULL, &err));
    TS_ASSERT_SZ(f.sent, 8, "sent");
    cr_assert(memcmp(out, "abcdefgh", 8) == 0);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_SEND], 3, "one plain send per non-empty piece");
    v1_free(t);
}

Test(v1, version_2_operations_name_the_missing_slot)
{
    btc_fake f;
    btc_sock s;
    btc_sys *t;
    setup_v1(&f, &s, &t);
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_shutdown(&s, BTC_SHUT_WR, &err));
    cr_assert_not_null(strstr(err.message, "'shutdown'"), "message \"%s\"", err.message);
    btc_sock out;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_dial_with(&out, t, "node.example", "8333", 1000, NULL, &err));
    cr_assert_not_null(strstr(err.message, "'resolve'"), "message \"%s\"", err.message);
    cr_assert(btc_sock_is_empty(&out));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls");
    v1_free(t);
}

Test(v1, a_socks5_handshake_works)
{
    btc_fake f;
    btc_sock s;
    btc_sys *t;
    setup_v1(&f, &s, &t);
    static const char reply[] = "\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90";
    btc_fake_set_input(&f, reply, sizeof reply - 1);
    btc_error err;
    TS_CHECK_OK(&err, btc_socks5_connect(&s, "10.0.0.1", 8333, NULL, 1000, NULL, &err));
    v1_free(t);
}

Test(v1, versions_past_this_library_are_refused)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_sys t = *btc_fake_sys(&f);
    btc_error err;
    t.version = 0;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sys_validate(&t, &err));
    t.version = BTC_SYS_VERSION + 1;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sys_validate(&t, &err));
    t.version = BTC_SYS_VERSION;
    t.resolve = NULL;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sys_validate(&t, &err));
    cr_assert_not_null(strstr(err.message, "resolve"), "message \"%s\"", err.message);
}
