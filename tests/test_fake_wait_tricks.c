/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake_wait_tricks.c - the library against waits that lie, as
 * Bitcoin Core's FuzzedSock's do: readiness reported when the next call
 * still says EAGAIN (BTC_FAKE_FALSE_READY) and spurious wake-ups
 * (BTC_FAKE_SPURIOUS). Every blocking operation must end by its deadline,
 * neither early nor late, and give the data when it does come.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(wait_tricks, .timeout = 20);

#define DEADLINE 500

typedef btc_status (*trick_op)(const btc_sock *s, btc_error *err);

static btc_status op_line(const btc_sock *s, btc_error *err)
{
    char line[64];
    size_t len = 0;
    return btc_sock_recv_until_terminator(s, '\n', DEADLINE, NULL, sizeof line, line, &len, 0, err);
}

static btc_status op_exact(const btc_sock *s, btc_error *err)
{
    char buf[4];
    return btc_sock_recv_exact(s, buf, sizeof buf, DEADLINE, NULL, err);
}

static btc_status op_send(const btc_sock *s, btc_error *err)
{
    return btc_sock_send_complete(s, "ping", 4, DEADLINE, NULL, err);
}

static btc_status op_reader(const btc_sock *s, btc_error *err)
{
    uint8_t window[64];
    btc_reader r;
    size_t len = 0;
    const char *line = NULL;
    btc_status st = btc_reader_init(&r, s, window, sizeof window, 0, err);
    if (st != BTC_OK)
        return st;
    return btc_reader_line(&r, '\n', DEADLINE, NULL, &line, &len, err);
}

typedef struct trick_case {
    const char *name;
    trick_op op;
    bool sends; /* blocked by a full send window rather than a silent peer */
} trick_case;

static const trick_case cases[] = {
    {"recv_until_terminator", op_line, false},
    {"recv_exact", op_exact, false},
    {"send_complete", op_send, true},
    {"reader_line", op_reader, false},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* A peer that never lets the operation finish: silent, or reading nothing. */
static void stuck_peer(btc_fake *f, btc_sock *s, const trick_case *c)
{
    fs_setup(f, s);
    btc_fake_set_end(f, 0, FS_NEVER);
    if (c->sends)
        btc_fake_set_send_window(f, 0);
}

/* A silent peer whose line arrives at T0 + 200. */
static void late_peer(btc_fake *f, btc_sock *s)
{
    static const char line[] = "pong\n";
    fs_setup(f, s);
    btc_fake_set_end(f, 0, FS_NEVER);
    btc_fake_set_input(f, line, sizeof line - 1);
    fs_arrive(f, 0, FS_T0 + 200);
}

Test(wait_tricks, false_readiness_alone_cannot_stop_the_deadline)
{
    for (size_t i = 0; i < NCASES; i++) {
        btc_fake f;
        btc_sock s;
        btc_error err;
        stuck_peer(&f, &s, &cases[i]);
        for (int k = 0; k < 200; k++)
            fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FALSE_READY, 0);
        TS_ASSERT_STATUS(cases[i].op(&s, &err), BTC_ERR_TIMEOUT, &err);
        TS_ASSERT_I64(f.now_ms, FS_T0 + DEADLINE, cases[i].name);
    }
}

Test(wait_tricks, false_readiness_while_time_passes_ends_at_the_deadline)
{
    for (size_t i = 0; i < NCASES; i++) {
        btc_fake f;
        btc_sock s;
        btc_error err;
        stuck_peer(&f, &s, &cases[i]);
        for (int k = 0; k < 100; k++) {
            fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 40); /* each lying wait takes 40 ms */
            fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FALSE_READY, 0);
        }
        TS_ASSERT_STATUS(cases[i].op(&s, &err), BTC_ERR_TIMEOUT, &err);
        cr_assert_leq(f.now_ms, FS_T0 + DEADLINE + 40, "%s: ended at +%lld ms, more than one wait past its deadline",
                      cases[i].name, (long long)(f.now_ms - FS_T0));
        cr_assert_geq(f.now_ms, FS_T0 + DEADLINE, "%s: gave up early", cases[i].name);
        cr_assert_gt(btc_fake_steps_left(&f), 0, "%s: kept waiting after its deadline", cases[i].name);
    }
}

Test(wait_tricks, spurious_wake_ups_neither_shorten_nor_extend_the_deadline)
{
    for (size_t i = 0; i < NCASES; i++) {
        btc_fake f;
        btc_sock s;
        btc_error err;
        stuck_peer(&f, &s, &cases[i]);
        for (int k = 0; k < 100; k++)
            fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_SPURIOUS, 30);
        cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
        TS_ASSERT_STATUS(cases[i].op(&s, &err), BTC_ERR_TIMEOUT, &err);
        TS_ASSERT_I64(f.now_ms, FS_T0 + DEADLINE, cases[i].name);
        cr_assert_gt(btc_fake_steps_left(&f), 0, "%s: a wake-up restarted the full timeout", cases[i].name);

        /* Each wait after a wake-up asks only for the time left (the trace has their timeouts). */
        int64_t last_timeout = DEADLINE + 1;
        size_t waits = 0;
        for (size_t k = 0; k < btc_fake_trace_count(&f); k++) {
            const btc_fake_call *c = btc_fake_trace_at(&f, k);
            if (c->slot != BTC_SYS_SLOT_wait)
                continue;
            cr_assert_lt(c->flags, last_timeout, "%s: wait %zu asked for %d ms after %lld", cases[i].name, waits,
                         c->flags, (long long)last_timeout);
            cr_assert_leq(c->at_ms, FS_T0 + DEADLINE, "%s: wait %zu ended past the deadline", cases[i].name, waits);
            last_timeout = c->flags;
            waits++;
        }
        cr_assert_geq(waits, DEADLINE / 30, "%s: %zu waits", cases[i].name, waits);
        btc_fake_free(&f);
    }
}

Test(wait_tricks, data_that_comes_after_lies_and_wake_ups_is_delivered)
{
    for (size_t i = 0; i < NCASES; i++) {
        if (cases[i].sends)
            continue; /* the window case below */
        for (int trick = 0; trick < 2; trick++) {
            btc_fake f;
            btc_sock s;
            btc_error err;
            late_peer(&f, &s);
            for (int k = 0; k < 20; k++)
                fs_push(&f, BTC_FAKE_WAIT, trick == 0 ? BTC_FAKE_FALSE_READY : BTC_FAKE_SPURIOUS, 25);
            TS_ASSERT_STATUS(cases[i].op(&s, &err), BTC_OK, &err);
            TS_ASSERT_I64(f.now_ms, FS_T0 + 200, cases[i].name);
        }
    }
}

Test(wait_tricks, a_send_window_that_opens_after_lies_and_wake_ups)
{
    for (int trick = 0; trick < 2; trick++) {
        btc_fake f;
        btc_sock s;
        btc_error err;
        uint8_t sent[8];
        fs_setup(&f, &s);
        btc_fake_set_end(&f, 0, FS_NEVER);
        btc_fake_set_output(&f, sent, sizeof sent);
        for (int k = 0; k < 10; k++) { /* the window stays shut for ten tries, each wait lying */
            fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EAGAIN);
            fs_push(&f, BTC_FAKE_WAIT, trick == 0 ? BTC_FAKE_FALSE_READY : BTC_FAKE_SPURIOUS, 25);
        }
        TS_ASSERT_STATUS(op_send(&s, &err), BTC_OK, &err);
        cr_assert_eq(f.sent, 4);
        cr_assert_eq(btc_fake_steps_left(&f), 0, "every lie was met");
        cr_assert_eq(memcmp(sent, "ping", 4), 0);
        cr_assert_leq(f.now_ms, FS_T0 + DEADLINE);
    }
}

Test(wait_tricks, the_steps_apply_to_waits_only)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_input(&f, "ab", 2);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_FALSE_READY, 0);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_SPURIOUS, 100);
    const btc_sys *sys = btc_fake_sys(&f);
    char c;
    cr_assert_eq(sys->recv(sys->ctx, BTC_FAKE_FD, &c, 1, 0), 1, "a read behaves normally");
    cr_assert_eq(sys->recv(sys->ctx, BTC_FAKE_FD, &c, 1, 0), 1);
    TS_ASSERT_I64(f.now_ms, FS_T0, "no time passed");

    /* A zero-time look stays zero-time; a wake-up ends a wait early; a false readiness is contradicted. */
    btc_fake g;
    btc_sock s;
    fs_setup(&g, &s);
    btc_fake_set_end(&g, 0, FS_NEVER);
    sys = btc_fake_sys(&g);
    fs_push(&g, BTC_FAKE_WAIT, BTC_FAKE_SPURIOUS, 100);
    fs_push(&g, BTC_FAKE_WAIT, BTC_FAKE_SPURIOUS, 100);
    fs_push(&g, BTC_FAKE_WAIT, BTC_FAKE_FALSE_READY, 0);
    btc_wait_item item = {&s, BTC_EV_RECV, 0xff};
    cr_assert_eq(sys->wait(sys->ctx, &item, 1, BTC_INVALID_SOCKET, 0), 0);
    TS_ASSERT_I64(g.now_ms, FS_T0, "a zero-timeout wait took no time");
    cr_assert_eq(sys->wait(sys->ctx, &item, 1, BTC_INVALID_SOCKET, 1000), 0);
    cr_assert_eq(item.occurred, 0);
    TS_ASSERT_I64(g.now_ms, FS_T0 + 100, "woken after 100 of its 1000 ms");
    cr_assert_eq(sys->wait(sys->ctx, &item, 1, BTC_INVALID_SOCKET, 1000), 1);
    cr_assert_eq(item.occurred, BTC_EV_RECV);
    cr_assert_eq(sys->recv(sys->ctx, BTC_FAKE_FD, &c, 1, BTC_MSG_DONTWAIT), -1);
    cr_assert_eq(sys->last_error(sys->ctx), EAGAIN, "the call after the false readiness says EAGAIN");
    TS_ASSERT_I64(g.now_ms, FS_T0 + 100, "no time passed");
}
