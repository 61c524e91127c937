/* SPDX-License-Identifier: MIT */
/*
 * tests/test_bench_guard.c - deterministic guards for what the benchmarks
 * (bench/, issue 4) measure, so a performance regression of
 * recv_until_terminator fails `make check` instead of waiting for someone to
 * rerun `make bench`.
 *
 * tests/test_syscount.c already pins the call counts (2 for a short line,
 * O(log) for long ones). This suite records every recv through a table that
 * wraps the fake's and checks the shape of the algorithm the benchmarks
 * credit for its speed:
 *  - no bounce buffer: every peek and read lands in the caller's buffer at the
 *    first unfilled byte, and the read that consumes a peeked chunk targets
 *    the very bytes the peek filled (one user-space copy of the line, none);
 *  - short lines never copy far past their terminator: the first peek asks
 *    for at most 512 bytes, so a pipelined short line costs one peek of at
 *    most 512 bytes and one read;
 *  - geometric growth: each peek of a line asks for no less than the peek
 *    before and no less than the bytes consumed so far, so the consumed total
 *    at least doubles per step (until max_data caps the request), and the
 *    bytes peeked for a long line are at most about 2x the line (a fixed
 *    large peek, a x4 growth or a restart would exceed that);
 *  - max_data caps every request: nothing is asked for past buf[max_data];
 *  - a kernel that hands out short peeks (a 64 KiB socket buffer) still costs
 *    O(line / 64 KiB) calls, not O(line / 512).
 */
#include <stdlib.h>

#include "fake_support.h"

TestSuite(bench_guard, .timeout = 60);

#define BG_MAX_CALLS 4096

typedef struct bg_call {
    bool peek;
    const char *buf;
    size_t len;      /* bytes asked for */
    btc_ssize_t ret; /* bytes moved, 0 or -1 */
} bg_call;

/* A tap over the fake's table whose hook records each recv. */
typedef struct bg_rec {
    btc_sys_tap tap;
    bg_call calls[BG_MAX_CALLS];
    size_t n;
    bool overflow;
} bg_rec;

static void bg_hook(void *ctx, btc_sys_call *call)
{
    bg_rec *r = ctx;
    if (call->phase != BTC_SYS_AFTER || call->slot != BTC_SYS_SLOT_recv)
        return;
    if (r->n == BG_MAX_CALLS) {
        r->overflow = true; /* asserted on the test's side: a hook must not assert */
        return;
    }
    const btc_sys_args_recv *a = &call->args.recv;
    r->calls[r->n++] = (bg_call){(a->flags & MSG_PEEK) != 0, a->buf, a->len, call->result.recv};
}

/* Points s at a recorder wrapped around the fake f (allocated: the record is large). */
static bg_rec *bg_setup(btc_fake *f, btc_sock *s)
{
    fs_setup(f, s);
    bg_rec *r = calloc(1, sizeof *r);
    cr_assert_not_null(r, "calloc failed");
    cr_assert_eq(btc_sys_tap_init(&r->tap, btc_fake_sys(f), bg_hook, r, NULL), BTC_OK);
    btc_sock_set_sys(s, btc_sys_tap_table(&r->tap));
    return r;
}

/* input: `line` pattern bytes, '\n', then `after` more bytes of pipelined data. */
static uint8_t *bg_input(size_t line, size_t after)
{
    uint8_t *in = malloc(line + 1 + after);
    cr_assert_not_null(in, "malloc failed");
    fs_pattern(in, line, (unsigned)line, '\n');
    in[line] = '\n';
    fs_pattern(in + line + 1, after, 99, -1);
    return in;
}

/*
 * Checks the recorded calls of one recv_until_terminator into buf (max_data)
 * that returned a line of `line` bytes: the shape described at the top.
 * Returns the bytes the peeks moved.
 */
static size_t bg_check_shape(const bg_rec *r, size_t from, const char *buf, size_t max_data, size_t line)
{
    size_t got = 0;
    size_t prev_peek_len = 0;
    size_t peeked = 0;
    cr_assert(!r->overflow, "more than %d recv calls", BG_MAX_CALLS);
    for (size_t i = from; i < r->n; i++) {
        const bg_call *c = &r->calls[i];
        cr_assert(c->buf >= buf && c->buf <= buf + max_data, "call %zu: recv into %p, outside the caller's buffer %p",
                  i, (const void *)c->buf, (const void *)buf);
        size_t at = (size_t)(c->buf - buf);
        cr_assert_eq(at, got, "call %zu (%s): recv into buf+%zu, but %zu bytes are filled: not the next free byte", i,
                     c->peek ? "peek" : "read", at, got);
        cr_assert_leq(at + c->len, max_data, "call %zu asks for %zu bytes at buf+%zu, past max_data %zu", i, c->len, at,
                      max_data);
        if (c->peek) {
            if (prev_peek_len == 0)
                cr_assert_leq(c->len, (size_t)512, "the first peek asks for %zu bytes (> 512)", c->len);
            else if (at + (prev_peek_len > at ? prev_peek_len : at) <= max_data)
                cr_assert(c->len >= prev_peek_len && c->len >= at,
                          "peek %zu asks for %zu bytes after a peek of %zu with %zu bytes consumed: not geometric", i,
                          c->len, prev_peek_len, at);
            else
                cr_assert_eq(c->len, max_data - at, "peek %zu asks for %zu bytes, not the %zu left of max_data", i,
                             c->len, max_data - at);
            prev_peek_len = c->len;
            if (c->ret > 0)
                peeked += (size_t)c->ret;
        } else {
            cr_assert(i > from && r->calls[i - 1].peek && r->calls[i - 1].ret > 0,
                      "call %zu: a read that does not follow a successful peek", i);
            cr_assert_leq(c->len, (size_t)r->calls[i - 1].ret, "call %zu reads %zu bytes, the peek showed %zd", i,
                          c->len, r->calls[i - 1].ret);
            cr_assert_eq(c->buf, r->calls[i - 1].buf, "call %zu: the read does not land on the peeked bytes", i);
            cr_assert_eq((size_t)c->ret, c->len, "call %zu: short read", i);
            got += (size_t)c->ret;
        }
    }
    cr_assert_eq(got, line + 1, "the calls consumed %zu bytes for a line of %zu + terminator", got, line);
    return peeked;
}

/* Reads one line of `line` bytes followed by `after` pipelined bytes; returns the recorder (caller frees). */
static bg_rec *bg_read_one(btc_fake *f, size_t line, size_t after, size_t max_data, size_t max_peek, size_t *peeked)
{
    uint8_t *in = bg_input(line, after);
    char *buf = malloc(max_data);
    cr_assert_not_null(buf, "malloc failed");
    btc_sock s;
    bg_rec *r = bg_setup(f, &s);
    btc_fake_set_input(f, in, line + 1 + after);
    btc_fake_set_chunks(f, max_peek, 0, 0);
    size_t len = 0;
    btc_error err;
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, max_data, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(len, line, "*len");
    cr_assert(memcmp(buf, in, line) == 0, "line content differs");
    TS_ASSERT_SZ(f->consumed, line + 1, "consumed (zero over-read)");
    *peeked = bg_check_shape(r, 0, buf, max_data, line);
    free(buf);
    free(in);
    return r;
}

Test(bench_guard, short_line_peeks_at_most_512_into_the_callers_buffer)
{
    /* Plenty of pipelined data behind the line: the peek must not grab it all. */
    btc_fake f;
    size_t peeked = 0;
    bg_rec *r = bg_read_one(&f, 40, 1 << 20, 1 << 20, 0, &peeked);
    TS_ASSERT_SZ(r->n, 2, "recv calls");
    cr_assert_leq(peeked, (size_t)512, "a 40-byte line peeked %zu bytes", peeked);
    free(r);
}

Test(bench_guard, long_lines_peek_geometrically_and_copy_at_most_twice_the_line)
{
    const size_t lines[] = {513, 1536, 1537, 5000, 65535, 65536, 100000, 1 << 20, 3 * (1 << 20) + 17};
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
        btc_fake f;
        size_t peeked = 0;
        /* Pipelined data behind the line, so an overshooting peek shows up in `peeked`. */
        bg_rec *r = bg_read_one(&f, lines[k], 4 << 20, 8 << 20, 0, &peeked);
        cr_assert_leq(peeked, 2 * (lines[k] + 1) + 512,
                      "a %zu-byte line peeked %zu bytes, more than twice the line (+512)", lines[k], peeked);
        free(r);
    }
}

Test(bench_guard, max_data_caps_every_request)
{
    /* A line longer than max_data: every request stays inside buf[0..max_data). */
    const size_t caps[] = {1, 511, 512, 513, 1000, 1536, 3000, 70000};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        size_t max_data = caps[k];
        uint8_t *in = bg_input(100000, 10);
        char *buf = malloc(max_data);
        cr_assert_not_null(buf, "malloc failed");
        btc_fake f;
        btc_sock s;
        bg_rec *r = bg_setup(&f, &s);
        btc_fake_set_input(&f, in, 100011);
        size_t len = 0;
        btc_error err;
        btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, max_data, buf, &len, 0, &err);
        TS_ASSERT_STATUS(st, BTC_ERR_TOO_LARGE, &err);
        TS_ASSERT_SZ(len, max_data, "*len");
        TS_ASSERT_SZ(f.consumed, max_data, "consumed");
        size_t got = 0;
        for (size_t i = 0; i < r->n; i++) {
            const bg_call *c = &r->calls[i];
            size_t at = (size_t)(c->buf - buf);
            cr_assert_leq(at + c->len, max_data, "max_data %zu: call %zu asks for %zu bytes at buf+%zu", max_data, i,
                          c->len, at);
            if (!c->peek)
                got += (size_t)c->ret;
        }
        TS_ASSERT_SZ(got, max_data, "bytes read");
        free(r);
        free(buf);
        free(in);
    }
}

Test(bench_guard, pipelined_short_lines_each_cost_one_small_peek_and_one_read)
{
    enum { LINES = 200, LEN = 63 };
    static uint8_t in[LINES * (LEN + 1)];
    for (size_t i = 0; i < LINES; i++) {
        fs_pattern(in + i * (LEN + 1), LEN, (unsigned)i, '\n');
        in[i * (LEN + 1) + LEN] = '\n';
    }
    btc_fake f;
    btc_sock s;
    bg_rec *r = bg_setup(&f, &s);
    btc_fake_set_input(&f, in, sizeof in);
    char buf[4096];
    for (size_t i = 0; i < LINES; i++) {
        size_t from = r->n;
        size_t len = 0;
        btc_error err;
        btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err);
        TS_ASSERT_STATUS(st, BTC_OK, &err);
        TS_ASSERT_SZ(len, LEN, "*len");
        TS_ASSERT_SZ(r->n - from, 2, "recv calls for one line");
        size_t peeked = bg_check_shape(r, from, buf, sizeof buf, LEN);
        cr_assert_leq(peeked, (size_t)512, "line %zu peeked %zu bytes", i, peeked);
    }
    TS_ASSERT_SZ(f.consumed, sizeof in, "consumed");
    free(r);
}

Test(bench_guard, short_kernel_peeks_cost_calls_per_kernel_chunk_not_per_512)
{
    /* A kernel that shows at most 64 KiB per peek, like a socket buffer. */
    const size_t line = 4 << 20;
    btc_fake f;
    size_t peeked = 0;
    bg_rec *r = bg_read_one(&f, line, 100, 8 << 20, 64 << 10, &peeked);
    /* 512..32 KiB doubling (7 steps), then one 64 KiB step per 64 KiB: about 2 * (7 + 64) calls. */
    size_t bound = 2 * (8 + line / (64 << 10) + 1);
    cr_assert_leq(r->n, bound, "a %zu-byte line with 64 KiB kernel peeks cost %zu recv calls (bound %zu)", line, r->n,
                  bound);
    free(r);
}
