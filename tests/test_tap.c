/* SPDX-License-Identifier: MIT */
/*
 * tests/test_tap.c - the slot list and btc_sys_tap: a tap is transparent,
 * shows every call to its hook before and after with its arguments and
 * result, lets the hook change arguments or inject a failure, keeps the
 * failure's reason safe from a hook that clobbers errno, nests, and ends
 * where its inner table ends.
 *
 * Portable: real sockets only through support.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(tap, .timeout = 30);

/* ---- a recording hook ------------------------------------------------------------ */

#define REC_MAX 64

typedef struct rec {
    btc_sys_call calls[REC_MAX];
    size_t n;
    /* what the hook does */
    btc_sys_slot fail_slot; /* BTC_SYS_SLOT_COUNT: none */
    int fail_error;
    bool clobber_errno;
    size_t clamp_recv; /* > 0: every recv asks for at most this many bytes */
} rec;

static void rec_init(rec *r)
{
    memset(r, 0, sizeof *r);
    r->fail_slot = BTC_SYS_SLOT_COUNT;
}

static void rec_hook(void *ctx, btc_sys_call *call)
{
    rec *r = ctx;
    if (call->phase == BTC_SYS_BEFORE && call->slot == r->fail_slot)
        (void)btc_sys_call_fail(call, r->fail_error);
    if (call->phase == BTC_SYS_BEFORE && call->slot == BTC_SYS_SLOT_recv && r->clamp_recv > 0 &&
        call->args.recv.len > r->clamp_recv)
        call->args.recv.len = r->clamp_recv;
    if (call->phase == BTC_SYS_AFTER && r->clobber_errno)
        ts_set_socket_error(0); /* as a hook that logs with printf might */
    if (r->n < REC_MAX)
        r->calls[r->n++] = *call;
}

/* The index of the first recorded call of slot in phase at or after from, or REC_MAX. */
static size_t rec_find_from(const rec *r, size_t from, btc_sys_slot slot, btc_sys_phase phase)
{
    for (size_t i = from; i < r->n; i++) {
        if (r->calls[i].slot == slot && r->calls[i].phase == phase)
            return i;
    }
    return REC_MAX;
}

static size_t rec_find(const rec *r, btc_sys_slot slot, btc_sys_phase phase)
{
    return rec_find_from(r, 0, slot, phase);
}

/* A fake behind a tap with the recording hook; s uses the tap. */
static void setup(btc_fake *f, btc_sys_tap *tap, rec *r, btc_sock *s)
{
    fs_setup(f, s);
    rec_init(r);
    btc_error err;
    TS_CHECK_OK(&err, btc_sys_tap_init(tap, btc_fake_sys(f), rec_hook, r, &err));
    btc_sock_set_sys(s, btc_sys_tap_table(tap));
}

/* ---- the slot list ------------------------------------------------------------------- */

Test(tap, slot_names_and_versions_come_from_the_list)
{
    cr_assert_str_eq(btc_sys_slot_name(BTC_SYS_SLOT_open), "open");
    cr_assert_str_eq(btc_sys_slot_name(BTC_SYS_SLOT_send), "send");
    cr_assert_str_eq(btc_sys_slot_name(BTC_SYS_SLOT_now_ms), "now_ms");
    cr_assert_str_eq(btc_sys_slot_name(BTC_SYS_SLOT_COUNT), "?");
    cr_assert_str_eq(btc_sys_slot_name((btc_sys_slot)-1), "?");
    for (size_t i = 0; i < BTC_SYS_SLOT_COUNT; i++) {
        unsigned since = btc_sys_slot_since((btc_sys_slot)i);
        cr_assert(since >= 1 && since <= BTC_SYS_VERSION, "slot %s since version %u",
                  btc_sys_slot_name((btc_sys_slot)i), since);
    }
    cr_assert_eq(btc_sys_slot_since(BTC_SYS_SLOT_COUNT), 0u);
}

/* ---- a tap is transparent ------------------------------------------------------------------ */

Test(tap, without_a_hook_a_tap_changes_nothing)
{
    static const char in[] = "first line\nsecond";
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, in, sizeof in - 1);
    cr_assert(btc_fake_set_end(&f, 0, FS_NEVER)); /* then a silent peer */
    btc_sys_tap tap;
    btc_error err;
    TS_CHECK_OK(&err, btc_sys_tap_init(&tap, btc_fake_sys(&f), NULL, NULL, &err));
    btc_sock_set_sys(&s, btc_sys_tap_table(&tap));
    char buf[64];
    size_t len;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_str_eq(buf, "first line");
    TS_ASSERT_SZ(f.consumed, 11, "consumed");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK] + f.calls[BTC_FAKE_READ], 2, "recv calls");
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_recv_until_terminator(&s, '\n', 50, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_str_eq(buf, "second");
}

Test(tap, hook_sees_each_call_before_and_after_with_arguments_and_result)
{
    btc_fake f;
    btc_sys_tap tap;
    rec r;
    btc_sock s;
    setup(&f, &tap, &r, &s);
    btc_fake_set_chunks(&f, 0, 0, 3);
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send_complete(&s, "hello", 5, 1000, NULL, &err));
    size_t before = rec_find(&r, BTC_SYS_SLOT_send, BTC_SYS_BEFORE);
    cr_assert_lt(before, r.n, "no send seen");
    const btc_sys_call *b = &r.calls[before];
    const btc_sys_call *a = &r.calls[before + 1];
    cr_assert_eq(a->slot, BTC_SYS_SLOT_send, "AFTER does not follow BEFORE at once");
    cr_assert_eq(a->phase, BTC_SYS_AFTER);
    TS_ASSERT_SZ(b->args.send.len, 5, "first send's length");
    cr_assert_eq(b->args.send.s, (btc_socket_t)BTC_FAKE_FD);
    cr_assert(memcmp(b->args.send.buf, "hello", 5) == 0);
    cr_assert_eq(b->args.send.ctx, btc_fake_sys(&f)->ctx, "args.ctx is the inner table's ctx");
    cr_assert_eq(a->result.send, 3, "the fake's 3-byte chunk");
    cr_assert(!a->failed && a->error == 0);
    size_t second = rec_find_from(&r, before + 2, BTC_SYS_SLOT_send, BTC_SYS_BEFORE);
    cr_assert_lt(second, r.n, "no second send seen");
    TS_ASSERT_SZ(r.calls[second].args.send.len, 2, "second send's length");
}

Test(tap, an_injected_failure_never_reaches_the_inner_table)
{
    btc_fake f;
    btc_sys_tap tap;
    rec r;
    btc_sock s;
    setup(&f, &tap, &r, &s);
    btc_fake_set_input(&f, "abc\n", 4);
    r.fail_slot = BTC_SYS_SLOT_recv;
    r.fail_error = ECONNRESET;
    char buf[16];
    size_t len;
    btc_error err;
    TS_CHECK(BTC_ERR_IO, &err, btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_eq(err.code, ECONNRESET, "code %d", err.code);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK], 0, "peeks the fake saw");
    size_t after = rec_find(&r, BTC_SYS_SLOT_recv, BTC_SYS_AFTER);
    cr_assert_lt(after, r.n);
    cr_assert(r.calls[after].skip && r.calls[after].failed);
    cr_assert_eq(r.calls[after].result.recv, -1);
    cr_assert_eq(r.calls[after].error, ECONNRESET);
    cr_assert_lt(rec_find(&r, BTC_SYS_SLOT_last_error, BTC_SYS_BEFORE), r.n, "the hook sees last_error too");
}

Test(tap, slots_that_cannot_fail_refuse_an_injected_failure)
{
    btc_sys_call call;
    memset(&call, 0, sizeof call);
    call.slot = BTC_SYS_SLOT_now_ms;
    cr_assert(!btc_sys_call_fail(&call, EINVAL));
    cr_assert(!call.skip);
    call.slot = BTC_SYS_SLOT_last_error;
    cr_assert(!btc_sys_call_fail(&call, EINVAL));
    call.slot = BTC_SYS_SLOT_accept;
    cr_assert(btc_sys_call_fail(&call, EINVAL));
    cr_assert(call.skip && call.error == EINVAL && call.result.accept == BTC_INVALID_SOCKET);
    cr_assert(!btc_sys_call_fail(NULL, EINVAL));
}

Test(tap, a_hook_may_change_the_arguments)
{
    btc_fake f;
    btc_sys_tap tap;
    rec r;
    btc_sock s;
    setup(&f, &tap, &r, &s);
    btc_fake_set_input(&f, "0123456789\n", 11);
    r.clamp_recv = 4;
    char buf[64];
    size_t len;
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err));
    cr_assert_str_eq(buf, "0123456789");
    cr_assert_geq(f.calls[BTC_FAKE_PEEK], 3u, "the fake was asked for 4 bytes at a time (%lu peeks)",
                  f.calls[BTC_FAKE_PEEK]);
}

Test(tap, taps_nest)
{
    btc_fake f;
    btc_sys_tap inner;
    rec ri;
    btc_sock s;
    setup(&f, &inner, &ri, &s);
    ri.fail_slot = BTC_SYS_SLOT_send;
    ri.fail_error = EPIPE;
    btc_sys_tap outer;
    rec ro;
    rec_init(&ro);
    btc_error err;
    TS_CHECK_OK(&err, btc_sys_tap_init(&outer, btc_sys_tap_table(&inner), rec_hook, &ro, &err));
    btc_sock_set_sys(&s, btc_sys_tap_table(&outer));
    TS_CHECK(BTC_ERR_IO, &err, btc_sock_send_complete(&s, "x", 1, 1000, NULL, &err));
    cr_assert_eq(err.code, EPIPE);
    size_t after = rec_find(&ro, BTC_SYS_SLOT_send, BTC_SYS_AFTER);
    cr_assert_lt(after, ro.n);
    cr_assert(ro.calls[after].failed && !ro.calls[after].skip && ro.calls[after].error == EPIPE,
              "the outer tap sees the inner one's failure as a real one");
}

/* ---- the reason of a failure survives the hook --------------------------------------------- */

Test(tap, a_hook_that_clobbers_the_error_does_not_change_what_the_library_reports)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    rec r;
    rec_init(&r);
    r.clobber_errno = true;
    btc_sys_tap tap;
    TS_CHECK_OK(&err, btc_sys_tap_init(&tap, NULL, rec_hook, &r, &err));
    btc_sock_set_sys(&a, btc_sys_tap_table(&tap));
    char c;
    size_t got;
    TS_CHECK(BTC_ERR_WOULD_BLOCK, &err, btc_sock_recv(&a, &c, 1, 0, &got, &err));
    cr_assert(err.code == TS_EAGAIN || err.code == TS_EWOULDBLOCK, "code %d after the hook cleared the error",
              err.code);
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

/* ---- set-up ------------------------------------------------------------------------------------ */

Test(tap, init_checks_its_arguments)
{
    btc_sys_tap tap;
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sys_tap_init(NULL, NULL, NULL, NULL, &err));
    btc_sys broken = *btc_sys_default();
    broken.recv = NULL;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sys_tap_init(&tap, &broken, NULL, NULL, &err));
    cr_assert_not_null(strstr(err.message, "recv"), "message \"%s\" does not name the slot", err.message);
    TS_CHECK_OK(&err, btc_sys_tap_init(&tap, NULL, NULL, NULL, &err));
    cr_assert_eq(tap.inner, btc_sys_default(), "NULL is the default table");
    cr_assert_eq(tap.sys.version, btc_sys_default()->version, "the tap has its inner table's version");
    TS_CHECK_OK(&err, btc_sys_validate(btc_sys_tap_table(&tap), &err));
    cr_assert_null(btc_sys_tap_table(NULL));
}
