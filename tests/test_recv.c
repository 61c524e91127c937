/* SPDX-License-Identifier: MIT */
/*
 * tests/test_recv.c - btc_sock_recv_until_terminator through the scripted fake.
 *
 * The contract checked everywhere (rc_check): on BTC_OK buf[0..*len) is the
 * input up to the first terminator, buf[*len] == '\0', err.bytes == *len + 1
 * == f.consumed; on any error buf[0..*len) is exactly the consumed input,
 * err.bytes == *len == f.consumed; never a byte past the first terminator is
 * consumed, never more than max_data, and nothing is written at or past
 * buf[max_data] (a canary guards it).
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(recv, .timeout = 60);

#define RC_CANARY 0xa5
#define RC_GUARD 32

typedef struct rc_env {
    btc_fake f;
    btc_sock s;
    const uint8_t *in;
    size_t in_len;
    char *buf; /* max_data + RC_GUARD bytes, the tail filled with RC_CANARY */
    size_t max_data;
    size_t len;
    btc_error err;
} rc_env;

static void rc_init(rc_env *e, const void *in, size_t in_len, size_t max_data)
{
    fs_setup(&e->f, &e->s);
    e->in = (const uint8_t *)in;
    e->in_len = in_len;
    btc_fake_set_input(&e->f, in, in_len);
    e->max_data = max_data;
    e->buf = malloc(max_data + RC_GUARD);
    cr_assert_not_null(e->buf, "malloc failed");
    memset(e->buf, RC_CANARY, max_data + RC_GUARD);
    e->len = (size_t)-1;
    fs_err_poison(&e->err);
}

static void rc_free(rc_env *e)
{
    free(e->buf);
    e->buf = NULL;
}

/* The contract that holds for every outcome. */
static void rc_check(const rc_env *e, btc_status st, uint8_t term)
{
    TS_ASSERT_RECORD(st, e->err);
    size_t first = fs_find(e->in, e->in_len, term);
    for (size_t i = 0; i < RC_GUARD; i++) {
        cr_assert_eq((uint8_t)e->buf[e->max_data + i], RC_CANARY,
                     "%s: byte buf[max_data + %zu] (max_data %zu) was written: 0x%02x", btc_status_name(st), i,
                     e->max_data, (uint8_t)e->buf[e->max_data + i]);
    }
    cr_assert_leq(e->f.consumed, e->max_data, "%s: consumed %zu > max_data %zu", btc_status_name(st), e->f.consumed,
                  e->max_data);
    if (first < e->in_len) {
        cr_assert_leq(e->f.consumed, first + 1, "%s: consumed %zu bytes, past the first terminator at %zu",
                      btc_status_name(st), e->f.consumed, first);
    }
    if (st == BTC_OK) {
        cr_assert_lt(first, e->in_len, "OK without a terminator in the input");
        TS_ASSERT_SZ(e->len, first, "OK: *len (line length)");
        TS_ASSERT_SZ(e->f.consumed, first + 1, "OK: bytes consumed");
        TS_ASSERT_SZ(e->err.bytes, first + 1, "OK: err.bytes");
        cr_assert_arr_eq(e->buf, e->in, first, "OK: line content differs");
        cr_assert_eq(e->buf[first], '\0', "OK: buf[*len] = 0x%02x, expected NUL", (uint8_t)e->buf[first]);
        cr_assert_eq(e->err.code, 0, "OK: err.code %d", e->err.code);
    } else if (st != BTC_ERR_INVALID_ARGUMENT && st != BTC_ERR_INVALID_SOCKET) {
        if (st != BTC_ERR_IO && st != BTC_ERR_NO_MEMORY) {
            cr_assert_eq(e->err.code, 0, "%s: err.code %d, expected 0 (no OS error)", btc_status_name(st), e->err.code);
        }
        TS_ASSERT_SZ(e->len, e->f.consumed, "error: *len vs bytes consumed");
        TS_ASSERT_SZ(e->err.bytes, e->len, "error: err.bytes vs *len");
        cr_assert_leq(e->len, e->max_data, "error: *len %zu > max_data %zu", e->len, e->max_data);
        cr_assert_arr_eq(e->buf, e->in, e->len, "error %s: buf does not hold the %zu consumed bytes",
                         btc_status_name(st), e->len);
        if (e->len < e->max_data) {
            cr_assert_eq(e->buf[e->len], '\0', "error %s: buf[*len=%zu] = 0x%02x, expected NUL", btc_status_name(st),
                         e->len, (uint8_t)e->buf[e->len]);
        }
    }
}

static btc_status rc_run(rc_env *e, uint8_t term, int64_t timeout, btc_interrupt *intr, unsigned flags)
{
    btc_status st =
        btc_sock_recv_until_terminator(&e->s, term, timeout, intr, e->max_data, e->buf, &e->len, flags, &e->err);
    rc_check(e, st, term);
    return st;
}

static void rc_assert_buf(const rc_env *e, const char *want)
{
    size_t n = strlen(want);
    TS_ASSERT_SZ(e->len, n, "*len");
    cr_assert_arr_eq(e->buf, want, n, "buf \"%.*s\", expected \"%s\"", (int)n, e->buf, want);
}

/* ---- basics ------------------------------------------------------------------ */

Test(recv, simple_line)
{
    rc_env e;
    rc_init(&e, "hello\n", 6, 64);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "hello");
    cr_assert_str_eq(e.buf, "hello", "got \"%s\", expected \"%s\"", e.buf, "hello");
    TS_ASSERT_SZ(e.err.bytes, 6, "err.bytes");
    rc_free(&e);
}

Test(recv, empty_line)
{
    rc_env e;
    rc_init(&e, "\nabc", 4, 64);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.len, 0, "*len");
    TS_ASSERT_SZ(e.f.consumed, 1, "consumed");
    rc_free(&e);
}

Test(recv, null_err_is_accepted)
{
    rc_env e;
    rc_init(&e, "hi\n", 3, 8);
    btc_status st = btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, e.max_data, e.buf, &e.len, 0, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    TS_ASSERT_SZ(e.len, 2, "*len");
    TS_ASSERT_SZ(e.f.consumed, 3, "consumed");
    rc_free(&e);
}

Test(recv, line_then_more_data_leaves_the_rest_untouched)
{
    static const char in[] = "hello\nworld\nrest";
    rc_env e;
    rc_init(&e, in, sizeof in - 1, 64);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "hello");
    TS_ASSERT_SZ(e.f.consumed, 6, "consumed (line + terminator, not one byte more)");
    TS_ASSERT_SZ(btc_fake_readable(&e.f), sizeof in - 1 - 6, "readable after the line");
    /* The next plain read starts right after the terminator. */
    char next[8];
    const btc_sys *sys = btc_fake_sys(&e.f);
    btc_ssize_t n = sys->recv(sys->ctx, BTC_FAKE_FD, next, 5, BTC_MSG_DONTWAIT);
    cr_assert_eq(n, 5, "read returned %zd", n);
    cr_assert_arr_eq(next, "world", 5, "the byte after the terminator is not next");
    rc_free(&e);
}

Test(recv, eof_mid_line_is_closed_with_partial)
{
    rc_env e;
    rc_init(&e, "abc", 3, 64);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &e.err);
    rc_assert_buf(&e, "abc");
    cr_assert_str_eq(e.buf, "abc", "got \"%s\", expected \"%s\"", e.buf, "abc");
    rc_free(&e);
}

Test(recv, eof_before_any_byte_is_closed_with_nothing)
{
    rc_env e;
    rc_init(&e, "", 0, 64);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &e.err);
    TS_ASSERT_SZ(e.len, 0, "*len");
    cr_assert_eq(e.buf[0], '\0', "buf[0] = 0x%02x", (uint8_t)e.buf[0]);
    rc_free(&e);
}

Test(recv, eof_step_mid_line)
{
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 100);
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_EOF, 0); /* the second peek: closes before "def\n" arrives */
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &e.err);
    rc_assert_buf(&e, "abc");
    rc_free(&e);
}

Test(recv, end_error_mid_line_is_io)
{
    rc_env e;
    rc_init(&e, "abc", 3, 64);
    btc_fake_set_end(&e.f, ECONNRESET, FS_T0 + 50);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &e.err);
    cr_assert_eq(e.err.code, ECONNRESET, "err.code %d", e.err.code);
    rc_assert_buf(&e, "abc");
    TS_ASSERT_I64(e.f.now_ms, FS_T0 + 50, "virtual clock at the end");
    rc_free(&e);
}

/* ---- chunking ------------------------------------------------------------------ */

Test(recv, peek_chunks_give_exact_lines)
{
    static const char in[] = "The quick brown fox\njumps";
    for (size_t mp = 1; mp <= 7; mp++) {
        rc_env e;
        rc_init(&e, in, sizeof in - 1, 64);
        btc_fake_set_chunks(&e.f, mp, 0, 0);
        btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
        cr_assert_eq(st, BTC_OK, "max_peek %zu: %s (%s)", mp, btc_status_name(st), e.err.message);
        rc_assert_buf(&e, "The quick brown fox");
        rc_free(&e);
    }
}

/*
 * With a read chunk smaller than what the peek showed, the read returns less
 * than the peek promised: the contract calls that BTC_ERR_PROTOCOL and hands
 * back exactly the bytes the short read consumed. A read chunk at least as
 * large as the peek chunk gives the exact line.
 */
Test(recv, peek_and_read_chunks_exact_results)
{
    static const char in[] = "The quick brown fox\njumps";
    for (size_t mp = 1; mp <= 7; mp++) {
        for (size_t mr = 1; mr <= 5; mr++) {
            rc_env e;
            rc_init(&e, in, sizeof in - 1, 64);
            btc_fake_set_chunks(&e.f, mp, mr, 0);
            btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
            if (mr >= mp) {
                cr_assert_eq(st, BTC_OK, "peek %zu read %zu: %s (%s)", mp, mr, btc_status_name(st), e.err.message);
                rc_assert_buf(&e, "The quick brown fox");
            } else {
                cr_assert_eq(st, BTC_ERR_PROTOCOL, "peek %zu read %zu: %s (%s)", mp, mr, btc_status_name(st),
                             e.err.message);
                TS_ASSERT_SZ(e.len, mr, "bytes the first short read consumed");
            }
            rc_free(&e);
        }
    }
}

Test(recv, peek_limit_steps_shorten_peeks)
{
    static const char in[] = "abcdefghijklmnop\nq";
    rc_env e;
    rc_init(&e, in, sizeof in - 1, 64);
    for (int i = 0; i < 8; i++) { /* 15 bytes in 8 peeks; the ninth peek gets the rest */
        fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_LIMIT, 1 + i % 3);
    }
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "abcdefghijklmnop");
    TS_ASSERT_SZ(btc_fake_steps_left(&e.f), 0, "steps left");
    rc_free(&e);
}

Test(recv, read_shorter_than_peek_is_protocol)
{
    size_t limits[] = {0, 1, 2, 5};
    for (size_t i = 0; i < 4; i++) {
        rc_env e;
        rc_init(&e, "hello\nworld", 11, 64);
        fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_LIMIT, (int64_t)limits[i]);
        btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
        cr_assert_eq(st, BTC_ERR_PROTOCOL, "read LIMIT %zu after a 6-byte peek: %s", limits[i], btc_status_name(st));
        TS_ASSERT_SZ(e.len, limits[i], "bytes handed back");
        cr_assert_arr_eq(e.buf, "hello", limits[i], "got \"%.*s\", expected \"%.*s\"", (int)(limits[i]),
                         (const char *)e.buf, (int)(limits[i]), "hello");
        rc_free(&e);
    }
}

Test(recv, read_shorter_than_peek_after_progress)
{
    rc_env e;
    rc_init(&e, "abcdefgh\n", 9, 64);
    btc_fake_set_chunks(&e.f, 3, 0, 0);
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 2);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_PROTOCOL, &e.err);
    rc_assert_buf(&e, "abcde");
    rc_free(&e);
}

/* ---- transient and permanent errors at every position ------------------------------- */

#define RC_LINE "0123456789abcdefghijklmnopqrstuvwxyzABCD" /* 40 bytes */
#define RC_CHUNK 5
/* Peek/read pairs for RC_LINE "\n" + tail with 5-byte peeks: 8 full + 1 with the terminator. */
#define RC_PAIRS 9

typedef struct rc_fault {
    btc_fake_op op;
    int code;
} rc_fault;

static rc_fault transient_faults[] = {
    {BTC_FAKE_PEEK, EINTR},  {BTC_FAKE_PEEK, EAGAIN},      {BTC_FAKE_PEEK, EWOULDBLOCK}, {BTC_FAKE_READ, EINTR},
    {BTC_FAKE_READ, EAGAIN}, {BTC_FAKE_READ, EWOULDBLOCK}, {BTC_FAKE_ANY, EINTR},        {BTC_FAKE_ANY, EAGAIN},
};

ParameterizedTestParameters(recv, transient_error_at_every_position_still_ok)
{
    return cr_make_param_array(rc_fault, transient_faults, sizeof transient_faults / sizeof transient_faults[0]);
}

ParameterizedTest(rc_fault *fault, recv, transient_error_at_every_position_still_ok)
{
    static const char in[] = RC_LINE "\ntail";
    /* With op ANY the position runs over every slot call (peeks, reads, clock reads, waits). */
    size_t positions = fault->op == BTC_FAKE_ANY ? 3 * RC_PAIRS + 4 : RC_PAIRS + 1;
    for (size_t k = 0; k <= positions; k++) {
        rc_env e;
        rc_init(&e, in, sizeof in - 1, 128);
        btc_fake_set_chunks(&e.f, RC_CHUNK, 0, 0);
        fs_push_passes(&e.f, fault->op, k);
        fs_push(&e.f, fault->op, BTC_FAKE_FAIL, fault->code);
        btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
        cr_assert_eq(st, BTC_OK, "op %d errno %d at call %zu: %s (%s)", (int)fault->op, fault->code, k,
                     btc_status_name(st), e.err.message);
        rc_assert_buf(&e, RC_LINE);
        if (fault->op != BTC_FAKE_ANY && k < RC_PAIRS) {
            TS_ASSERT_SZ(btc_fake_steps_left(&e.f), 0, "the failure step was not reached");
        }
        rc_free(&e);
    }
}

static rc_fault permanent_faults[] = {
    {BTC_FAKE_PEEK, ECONNRESET}, {BTC_FAKE_READ, ECONNRESET}, {BTC_FAKE_PEEK, EBADF},
    {BTC_FAKE_READ, ENOTCONN},   {BTC_FAKE_PEEK, EIO},        {BTC_FAKE_READ, ETIMEDOUT},
};

ParameterizedTestParameters(recv, permanent_error_at_every_position_is_io)
{
    return cr_make_param_array(rc_fault, permanent_faults, sizeof permanent_faults / sizeof permanent_faults[0]);
}

ParameterizedTest(rc_fault *fault, recv, permanent_error_at_every_position_is_io)
{
    static const char in[] = RC_LINE "\ntail";
    for (size_t k = 0; k <= RC_PAIRS; k++) {
        rc_env e;
        rc_init(&e, in, sizeof in - 1, 128);
        btc_fake_set_chunks(&e.f, RC_CHUNK, 0, 0);
        fs_push_passes(&e.f, fault->op, k);
        fs_push(&e.f, fault->op, BTC_FAKE_FAIL, fault->code);
        btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
        if (k == RC_PAIRS) { /* the line is complete before the failure step is reached */
            TS_ASSERT_STATUS(st, BTC_OK, &e.err);
            rc_assert_buf(&e, RC_LINE);
            rc_free(&e);
            continue;
        }
        cr_assert_eq(st, BTC_ERR_IO, "op %d errno %d at call %zu: %s (%s)", (int)fault->op, fault->code, k,
                     btc_status_name(st), e.err.message);
        cr_assert_eq(e.err.code, fault->code, "err.code %d, expected %d", e.err.code, fault->code);
        TS_ASSERT_SZ(e.len, k * RC_CHUNK, "*len (bytes consumed before the failure)");
        TS_ASSERT_SZ(e.f.consumed, k * RC_CHUNK, "consumed");
        cr_assert(fs_msg_has_number(e.err.message, e.len), "message \"%s\" does not say %zu bytes", e.err.message,
                  e.len);
        rc_free(&e);
    }
}

Test(recv, permanent_error_on_any_call_keeps_the_contract)
{
    static const char in[] = RC_LINE "\ntail";
    for (size_t k = 0; k <= 3 * RC_PAIRS + 4; k++) {
        rc_env e;
        rc_init(&e, in, sizeof in - 1, 128);
        btc_fake_set_chunks(&e.f, RC_CHUNK, 0, 0);
        fs_arrive(&e.f, 12, FS_T0 + 10); /* forces a wait and clock reads */
        fs_push_passes(&e.f, BTC_FAKE_ANY, k);
        fs_push(&e.f, BTC_FAKE_ANY, BTC_FAKE_FAIL, ECONNRESET);
        btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
        cr_assert(st == BTC_OK || st == BTC_ERR_IO, "failure at call %zu: %s (%s)", k, btc_status_name(st),
                  e.err.message);
        if (st == BTC_ERR_IO) {
            cr_assert_eq(e.err.code, ECONNRESET, "err.code %d", e.err.code);
        } else {
            rc_assert_buf(&e, RC_LINE);
        }
        rc_free(&e);
    }
}

Test(recv, wait_errors)
{
    /* EINTR on the wait is retried; a permanent error on the wait is IO with the partial line. */
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 10);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "abcdef");
    cr_assert_geq(e.f.calls[BTC_FAKE_WAIT], 2ul, "waits %lu", e.f.calls[BTC_FAKE_WAIT]);
    rc_free(&e);

    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 10);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EBADF);
    st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &e.err);
    cr_assert_eq(e.err.code, EBADF, "err.code %d", e.err.code);
    rc_assert_buf(&e, "abc");
    rc_free(&e);
}

/* ---- time ---------------------------------------------------------------------- */

Test(recv, rest_arrives_in_time)
{
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 60);
    btc_status st = rc_run(&e, '\n', 100, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "abcdef");
    TS_ASSERT_I64(e.f.now_ms, FS_T0 + 60, "virtual clock");
    rc_free(&e);
}

Test(recv, timeout_with_partial_line)
{
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 5000);
    btc_status st = rc_run(&e, '\n', 100, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    rc_assert_buf(&e, "abc");
    int64_t elapsed = e.f.now_ms - FS_T0;
    cr_assert_geq(elapsed, 100, "elapsed %lld < timeout", (long long)elapsed);
    cr_assert_leq(elapsed, 101, "elapsed %lld overshoots the deadline", (long long)elapsed);
    cr_assert(fs_msg_has_number(e.err.message, 3), "message \"%s\" does not say 3 bytes", e.err.message);
    rc_free(&e);
}

Test(recv, timeout_with_nothing)
{
    rc_env e;
    rc_init(&e, "", 0, 64);
    btc_fake_set_end(&e.f, 0, FS_NEVER);
    btc_status st = rc_run(&e, '\n', 250, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.len, 0, "*len");
    TS_ASSERT_I64(e.f.now_ms - FS_T0, 250, "elapsed");
    rc_free(&e);
}

Test(recv, zero_timeout_reads_what_is_there)
{
    rc_env e;
    rc_init(&e, "abc\n", 4, 64);
    btc_status st = rc_run(&e, '\n', 0, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "abc");
    rc_free(&e);

    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 1);
    st = rc_run(&e, '\n', 0, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    rc_assert_buf(&e, "abc");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "waits with a zero timeout");
    rc_free(&e);
}

Test(recv, clock_jump_on_clock_read_past_deadline)
{
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 500);
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, 5000);
    /* Without the jump the rest would arrive within the 1000 ms. */
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    rc_assert_buf(&e, "abc");
    TS_ASSERT_SZ(btc_fake_steps_left(&e.f), 0, "steps left");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "waits after the deadline passed");
    rc_free(&e);
}

Test(recv, clock_jump_during_wait_past_deadline)
{
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 500);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 5000);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    rc_assert_buf(&e, "abc");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 1, "waits");
    rc_free(&e);
}

Test(recv, eintr_on_wait_recomputes_the_remaining_time)
{
    rc_env e;
    rc_init(&e, "abc", 3, 64);
    btc_fake_set_end(&e.f, 0, FS_NEVER);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 60);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    btc_status st = rc_run(&e, '\n', 100, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_I64(e.f.now_ms - FS_T0, 100, "virtual time (60 before EINTR + 40 left, not 160)");
    rc_free(&e);
}

/* ---- interrupts ------------------------------------------------------------------ */

static void rc_intr_init(btc_interrupt *intr)
{
    btc_error ierr;
    btc_status st = btc_interrupt_init(intr, &ierr);
    cr_assert_eq(st, BTC_OK, "btc_interrupt_init: %s", ierr.message);
}

Test(recv, interrupt_set_before_but_line_readable_is_ok)
{
    btc_interrupt intr;
    rc_intr_init(&intr);
    btc_interrupt_trigger(&intr);
    rc_env e;
    rc_init(&e, "ready\n", 6, 64);
    btc_status st = rc_run(&e, '\n', BTC_TIMEOUT_INFINITE, &intr, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "ready");
    rc_free(&e);
    btc_interrupt_destroy(&intr);
}

Test(recv, interrupt_set_before_with_partial_line)
{
    btc_interrupt intr;
    rc_intr_init(&intr);
    btc_interrupt_trigger(&intr);
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    fs_arrive(&e.f, 3, FS_T0 + 10);
    btc_status st = rc_run(&e, '\n', BTC_TIMEOUT_INFINITE, &intr, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    rc_assert_buf(&e, "abc"); /* one try first: what was there is consumed and handed back */
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "waits with the interrupt set");
    rc_free(&e);
}

Test(recv, interrupt_set_before_with_nothing)
{
    btc_interrupt intr;
    rc_intr_init(&intr);
    btc_interrupt_trigger(&intr);
    rc_env e;
    rc_init(&e, "x\n", 2, 64);
    fs_arrive(&e.f, 0, FS_T0 + 10);
    btc_status st = rc_run(&e, '\n', 1000, &intr, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    TS_ASSERT_SZ(e.len, 0, "*len");
    cr_assert_geq(e.f.calls[BTC_FAKE_PEEK], 1ul, "no attempt before looking at the interrupt");
    rc_free(&e);
}

Test(recv, interrupt_during_the_wait)
{
    btc_interrupt intr;
    rc_intr_init(&intr);
    rc_env e;
    rc_init(&e, "abcdef\n", 7, 64);
    btc_fake_attach_interrupt(&e.f, &intr);
    fs_arrive(&e.f, 3, FS_T0 + 50000);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    btc_status st = rc_run(&e, '\n', 100000, &intr, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    rc_assert_buf(&e, "abc");
    cr_assert_lt(e.f.now_ms, FS_T0 + 50000, "the interrupted wait went on to the arrival (clock %lld)",
                 (long long)e.f.now_ms);
    rc_free(&e);
    btc_interrupt_destroy(&intr);
}

/* ---- max_data ------------------------------------------------------------------- */

Test(recv, max_data_one)
{
    rc_env e;
    rc_init(&e, "\nx", 2, 1);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.len, 0, "*len");
    cr_assert_eq(e.buf[0], '\0', "buf[0] = 0x%02x, expected NUL", (uint8_t)e.buf[0]);
    rc_free(&e);

    rc_init(&e, "a\n", 2, 1);
    st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TOO_LARGE, &e.err);
    TS_ASSERT_SZ(e.len, 1, "*len");
    cr_assert_eq(e.buf[0], 'a', "buf[0] = 0x%02x", (uint8_t)e.buf[0]);
    TS_ASSERT_SZ(e.f.consumed, 1, "consumed (the terminator stays in the socket)");
    rc_free(&e);
}

Test(recv, max_data_exactly_line_plus_terminator)
{
    static const char in[] = "0123456789\nz";
    rc_env e;
    rc_init(&e, in, sizeof in - 1, 11);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "0123456789");
    cr_assert_eq(e.buf[10], '\0', "buf[10] = 0x%02x, expected NUL", (uint8_t)e.buf[10]);
    rc_free(&e);
}

Test(recv, max_data_one_short_is_too_large)
{
    static const char in[] = "0123456789\nz";
    for (size_t mp = 0; mp <= 4; mp++) {
        rc_env e;
        rc_init(&e, in, sizeof in - 1, 10);
        btc_fake_set_chunks(&e.f, mp, 0, 0);
        btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
        TS_ASSERT_STATUS(st, BTC_ERR_TOO_LARGE, &e.err);
        TS_ASSERT_SZ(e.len, 10, "*len == max_data");
        cr_assert_arr_eq(e.buf, "0123456789", 10, "got \"%.*s\", expected \"%.*s\"", (int)(10), (const char *)e.buf,
                         (int)(10), "0123456789");
        TS_ASSERT_SZ(btc_fake_readable(&e.f), 2, "the terminator and the rest stay in the socket");
        rc_free(&e);
    }
}

Test(recv, max_data_sweep_around_the_line)
{
    static const char in[] = "a line of text\nnext";
    const size_t line = 14;
    for (size_t md = 1; md <= line + 3; md++) {
        rc_env e;
        rc_init(&e, in, sizeof in - 1, md);
        btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
        if (md >= line + 1) {
            cr_assert_eq(st, BTC_OK, "max_data %zu: %s", md, btc_status_name(st));
        } else {
            cr_assert_eq(st, BTC_ERR_TOO_LARGE, "max_data %zu: %s", md, btc_status_name(st));
            TS_ASSERT_SZ(e.len, md, "*len");
        }
        rc_free(&e);
    }
}

/* ---- UTF-8 ------------------------------------------------------------------------ */

Test(recv, utf8_valid_lines_pass)
{
    static const char *lines[] = {
        "plain ascii",
        "caf\xc3\xa9",                  /* U+00E9 */
        "\xe2\x82\xac 10",              /* U+20AC */
        "\xf0\x9d\x84\x9e clef",        /* U+1D11E */
        "\xed\x9f\xbf",                 /* U+D7FF, just below the surrogates */
        "\xee\x80\x80",                 /* U+E000, just above */
        "\xf4\x8f\xbf\xbf",             /* U+10FFFF */
        "\xc2\x80\xdf\xbf\xe0\xa0\x80", /* U+0080, U+07FF, U+0800 */
        "",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char in[64];
        size_t n = strlen(lines[i]);
        memcpy(in, lines[i], n);
        in[n] = '\n';
        rc_env e;
        rc_init(&e, in, n + 1, 64);
        btc_status st = rc_run(&e, '\n', 1000, NULL, BTC_RECV_UTF8);
        cr_assert_eq(st, BTC_OK, "line %zu: %s (%s)", i, btc_status_name(st), e.err.message);
        rc_assert_buf(&e, lines[i]);
        rc_free(&e);
    }
}

/* Bytes inline, not a pointer: Criterion re-executes the binary for each test. */
typedef struct rc_bad_utf8 {
    char bytes[8];
    size_t len;
} rc_bad_utf8;

static rc_bad_utf8 bad_utf8[] = {
    {"\xff", 1},             /* never valid */
    {"ab\xfe", 3},           /* never valid */
    {"\xc0\x80", 2},         /* overlong NUL */
    {"\xc1\xbf", 2},         /* overlong */
    {"\xe0\x80\xaf", 3},     /* overlong 3-byte */
    {"\xf0\x80\x80\xaf", 4}, /* overlong 4-byte */
    {"\xed\xa0\x80", 3},     /* surrogate U+D800 */
    {"\xed\xbf\xbf", 3},     /* surrogate U+DFFF */
    {"x\xe2\x82", 3},        /* truncated before the terminator */
    {"\xc3", 1},             /* truncated */
    {"\xf4\x90\x80\x80", 4}, /* U+110000 */
    {"\xf5\x80\x80\x80", 4}, /* lead byte past U+10FFFF */
    {"\x80", 1},             /* lone continuation */
    {"ok\xc3\x28", 4},       /* bad continuation */
};

ParameterizedTestParameters(recv, utf8_invalid_lines)
{
    return cr_make_param_array(rc_bad_utf8, bad_utf8, sizeof bad_utf8 / sizeof bad_utf8[0]);
}

ParameterizedTest(rc_bad_utf8 *bad, recv, utf8_invalid_lines)
{
    char in[64];
    memcpy(in, bad->bytes, bad->len);
    in[bad->len] = '\n';
    memcpy(in + bad->len + 1, "next\n", 5);
    size_t in_len = bad->len + 6;
    rc_env e;
    rc_init(&e, in, in_len, 64);
    btc_status st = rc_run(&e, '\n', 1000, NULL, BTC_RECV_UTF8);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_UTF8, &e.err);
    TS_ASSERT_SZ(e.len, bad->len + 1, "*len (line + terminator)");
    cr_assert_arr_eq(e.buf, in, bad->len + 1, "raw bytes with the terminator");
    TS_ASSERT_SZ(e.f.consumed, bad->len + 1, "consumed");
    rc_free(&e);

    /* Without the flag the same line is fine. */
    rc_init(&e, in, in_len, 64);
    st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.len, bad->len, "*len without BTC_RECV_UTF8");
    rc_free(&e);
}

Test(recv, utf8_invalid_line_filling_max_data)
{
    /* line + terminator == max_data: *len == max_data, so no NUL fits and none may be written. */
    rc_env e;
    rc_init(&e, "ab\xff\n", 4, 4);
    btc_status st = rc_run(&e, '\n', 1000, NULL, BTC_RECV_UTF8);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_UTF8, &e.err);
    TS_ASSERT_SZ(e.len, 4, "*len");
    cr_assert_arr_eq(e.buf, "ab\xff\n", 4, "got \"%.*s\", expected \"%.*s\"", (int)(4), (const char *)e.buf, (int)(4),
                     "ab\xff\n");
    rc_free(&e);
}

Test(recv, utf8_split_across_chunks)
{
    static const char in[] = "\xe2\x82\xac\xf0\x9d\x84\x9e\xc3\xa9\n";
    for (size_t mp = 1; mp <= 4; mp++) {
        rc_env e;
        rc_init(&e, in, sizeof in - 1, 64);
        btc_fake_set_chunks(&e.f, mp, 0, 0);
        btc_status st = rc_run(&e, '\n', 1000, NULL, BTC_RECV_UTF8);
        cr_assert_eq(st, BTC_OK, "max_peek %zu: %s", mp, btc_status_name(st));
        TS_ASSERT_SZ(e.len, sizeof in - 2, "*len");
        rc_free(&e);
    }
}

/* ---- arguments -------------------------------------------------------------------- */

static void rc_assert_refused(rc_env *e, btc_status st, btc_status want)
{
    TS_ASSERT_STATUS(st, want, &e->err);
    TS_ASSERT_RECORD(st, e->err);
    TS_ASSERT_SZ(e->f.calls[BTC_FAKE_ANY], 0, "slot calls for a refused call");
    TS_ASSERT_SZ(e->f.consumed, 0, "consumed by a refused call");
}

Test(recv, unknown_flags_are_invalid_argument)
{
    unsigned bad[] = {0x2u, 0x4u, 0x80000000u, BTC_RECV_UTF8 | 0x10u, ~0u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc_env e;
        rc_init(&e, "x\n", 2, 8);
        btc_status st =
            btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, e.max_data, e.buf, &e.len, bad[i], &e.err);
        rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
        rc_free(&e);
    }
}

Test(recv, bad_arguments)
{
    rc_env e;
    rc_init(&e, "x\n", 2, 8);
    btc_status st;
    st = btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, 0, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq((uint8_t)e.buf[0], RC_CANARY, "max_data 0: buf[0] was written");
    st = btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, e.max_data, NULL, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    st = btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, e.max_data, e.buf, NULL, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    st = btc_sock_recv_until_terminator(NULL, '\n', 1000, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    st = btc_sock_recv_until_terminator(&e.s, '\n', -1, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    st = btc_sock_recv_until_terminator(&e.s, '\n', INT64_MIN, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    btc_interrupt zero;
    memset(&zero, 0, sizeof zero);
    st = btc_sock_recv_until_terminator(&e.s, '\n', 1000, &zero, e.max_data, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    btc_sock empty = {BTC_INVALID_SOCKET, btc_fake_sys(&e.f)};
    st = btc_sock_recv_until_terminator(&empty, '\n', 1000, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_SOCKET);
    btc_sys bad = *btc_fake_sys(&e.f);
    bad.recv = NULL;
    btc_sock bad_sock = {BTC_FAKE_FD, &bad};
    st = btc_sock_recv_until_terminator(&bad_sock, '\n', 1000, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    bad = *btc_fake_sys(&e.f);
    bad.version = 0;
    st = btc_sock_recv_until_terminator(&bad_sock, '\n', 1000, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    rc_assert_refused(&e, st, BTC_ERR_INVALID_ARGUMENT);
    /* After all that, the line is still intact in the socket. */
    st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    rc_assert_buf(&e, "x");
    rc_free(&e);
}

/* ---- terminators, sizes, pipelining -------------------------------------------------- */

static int terminators[] = {'\0', 0xff, '\r', '\n', ' ', 0x80};

ParameterizedTestParameters(recv, other_terminators)
{
    return cr_make_param_array(int, terminators, sizeof terminators / sizeof terminators[0]);
}

ParameterizedTest(int *term, recv, other_terminators)
{
    uint8_t in[64];
    size_t n = 0;
    /* A line that holds every other "usual" terminator but not this one. */
    const uint8_t body[] = {'a', '\n', 'b', '\r', 'c', 0x00, 'd', 0xff, 'e', ' ', 'f', 0x80, 'g'};
    for (size_t i = 0; i < sizeof body; i++) {
        if (body[i] != (uint8_t)*term) {
            in[n++] = body[i];
        }
    }
    size_t line = n;
    in[n++] = (uint8_t)*term;
    in[n++] = 'z';
    in[n++] = (uint8_t)*term;
    rc_env e;
    rc_init(&e, in, n, 64);
    btc_status st = rc_run(&e, (uint8_t)*term, 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.len, line, "*len");
    cr_assert_arr_eq(e.buf, in, line, "line content (%zu bytes) differs", line);
    st = btc_sock_recv_until_terminator(&e.s, (uint8_t)*term, 1000, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.len, 1, "second line");
    cr_assert_eq(e.buf[0], 'z', "second line buf[0] = 0x%02x, expected 'z'", (uint8_t)e.buf[0]);
    TS_ASSERT_SZ(e.f.consumed, n, "consumed");
    rc_free(&e);
}

Test(recv, one_mebibyte_line)
{
    const size_t line = (size_t)1 << 20;
    uint8_t *in = malloc(line + 2);
    cr_assert_not_null(in, "malloc failed");
    fs_pattern(in, line, 99, '\n');
    in[line] = '\n';
    in[line + 1] = 'x';
    rc_env e;
    rc_init(&e, in, line + 2, line + 1);
    btc_status st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.len, line, "*len");
    TS_ASSERT_SZ(btc_fake_readable(&e.f), 1, "readable after the line");
    rc_free(&e);

    /* One byte less room: TOO_LARGE with the whole buffer used. */
    rc_init(&e, in, line + 2, line);
    st = rc_run(&e, '\n', 1000, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TOO_LARGE, &e.err);
    TS_ASSERT_SZ(e.len, line, "*len");
    rc_free(&e);
    free(in);
}

Test(recv, many_pipelined_lines)
{
    enum { LINES = 2000 };
    size_t cap = LINES * 101;
    uint8_t *in = malloc(cap);
    size_t *lens = malloc(LINES * sizeof *lens);
    cr_assert_not_null(in, "malloc failed");
    cr_assert_not_null(lens, "malloc failed");
    fs_rng rng = {42};
    size_t n = 0;
    for (size_t i = 0; i < LINES; i++) {
        lens[i] = fs_rng_below(&rng, 100);
        fs_pattern(in + n, lens[i], (unsigned)i, '\n');
        n += lens[i];
        in[n++] = '\n';
    }
    rc_env e;
    rc_init(&e, in, n, 128);
    btc_fake_set_chunks(&e.f, 37, 0, 0);
    size_t pos = 0;
    for (size_t i = 0; i < LINES; i++) {
        btc_status st = btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
        cr_assert_eq(st, BTC_OK, "line %zu: %s (%s)", i, btc_status_name(st), e.err.message);
        cr_assert_eq(e.len, lens[i], "line %zu: *len %zu, expected %zu", i, e.len, lens[i]);
        cr_assert_arr_eq(e.buf, in + pos, lens[i], "line %zu content", i);
        pos += lens[i] + 1;
        cr_assert_eq(e.f.consumed, pos, "line %zu: consumed %zu, expected %zu", i, e.f.consumed, pos);
    }
    btc_status st = btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, e.max_data, e.buf, &e.len, 0, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &e.err);
    TS_ASSERT_SZ(e.len, 0, "*len at the end");
    rc_free(&e);
    free(in);
    free(lens);
}

/* ---- randomized property test -------------------------------------------------------- */

/* What a correct implementation must return when nothing disrupts the read. */
static btc_status rc_model(const uint8_t *in, size_t in_len, uint8_t term, size_t max_data, unsigned flags,
                           int end_error, size_t *want_len)
{
    size_t first = fs_find(in, in_len, term);
    if (first < in_len && first < max_data) {
        if ((flags & BTC_RECV_UTF8) != 0 && !fs_utf8_valid(in, first)) {
            *want_len = first + 1;
            return BTC_ERR_INVALID_UTF8;
        }
        *want_len = first;
        return BTC_OK;
    }
    if (in_len >= max_data) {
        *want_len = max_data;
        return BTC_ERR_TOO_LARGE;
    }
    *want_len = in_len;
    return end_error == 0 ? BTC_ERR_CLOSED : BTC_ERR_IO;
}

Test(recv, randomized_contract, .timeout = 120)
{
    fs_rng rng = {0x9e3779b97f4a7c15ull};
    static const int transient[] = {EINTR, EAGAIN, EWOULDBLOCK};
    static const btc_fake_op ops[] = {BTC_FAKE_PEEK, BTC_FAKE_READ, BTC_FAKE_WAIT, BTC_FAKE_CLOCK, BTC_FAKE_ANY};
    unsigned long checked_model = 0;
    unsigned long seen[BTC_STATUS_COUNT] = {0};
    for (int iter = 0; iter < 4000; iter++) {
        uint8_t in[300];
        size_t in_len = fs_rng_below(&rng, sizeof in);
        uint8_t term = fs_rng_below(&rng, 4) == 0 ? (uint8_t)fs_rng_below(&rng, 256) : (uint8_t)'\n';
        unsigned flags = fs_rng_below(&rng, 4) == 0 ? BTC_RECV_UTF8 : 0u;
        for (size_t i = 0; i < in_len; i++) {
            size_t r = fs_rng_below(&rng, 24);
            if (r == 0) {
                in[i] = term;
            } else if (r < 4) {
                in[i] = (uint8_t)fs_rng_below(&rng, 256);
            } else if (r < 6) { /* a valid two-byte sequence, when it fits */
                in[i] = 0xc3;
                if (i + 1 < in_len) {
                    in[++i] = 0xa9;
                }
            } else {
                in[i] = (uint8_t)('a' + fs_rng_below(&rng, 26));
            }
        }
        size_t max_data = 1 + fs_rng_below(&rng, in_len + 8);
        rc_env e;
        rc_init(&e, in, in_len, max_data);
        size_t mp = fs_rng_below(&rng, 3) == 0 ? 0 : 1 + fs_rng_below(&rng, 9);
        /* A third of the iterations may be disrupted (short reads, permanent errors, a deadline). */
        bool may_disrupt = fs_rng_below(&rng, 3) == 0;
        bool short_reads = may_disrupt && fs_rng_below(&rng, 3) == 0;
        size_t mr = short_reads ? 1 + fs_rng_below(&rng, 9) : 0;
        btc_fake_set_chunks(&e.f, mp, mr, 0);
        /* Arrivals in stages. */
        size_t stages = fs_rng_below(&rng, 4);
        size_t off = 0;
        int64_t at = FS_T0;
        for (size_t i = 0; i < stages && in_len > 0; i++) {
            off += 1 + fs_rng_below(&rng, in_len / 2 + 1);
            at += (int64_t)fs_rng_below(&rng, 300);
            if (off >= in_len || !btc_fake_arrive_at(&e.f, off, at)) {
                break;
            }
        }
        int end_error = fs_rng_below(&rng, 4) == 0 ? ECONNRESET : 0;
        btc_fake_set_end(&e.f, end_error, at + (int64_t)fs_rng_below(&rng, 300));
        /* Steps: transient failures, ADVANCEs, PASSes; sometimes a disruptive one. */
        bool disrupted = short_reads;
        size_t nsteps = fs_rng_below(&rng, 30);
        for (size_t i = 0; i < nsteps; i++) {
            btc_fake_op op = ops[fs_rng_below(&rng, sizeof ops / sizeof ops[0])];
            size_t kind = fs_rng_below(&rng, 20);
            if (kind < 10) {
                fs_push(&e.f, op, BTC_FAKE_FAIL, transient[fs_rng_below(&rng, 3)]);
            } else if (kind < 13) {
                fs_push(&e.f, op, BTC_FAKE_ADVANCE, (int64_t)fs_rng_below(&rng, 100));
            } else if (kind < 16) {
                fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_LIMIT, (int64_t)(1 + fs_rng_below(&rng, 6)));
            } else if (kind < 18) {
                fs_push(&e.f, op, BTC_FAKE_PASS, 0);
            } else if (!may_disrupt) {
                fs_push(&e.f, op, BTC_FAKE_FAIL, EINTR);
            } else if (kind == 18) {
                fs_push(&e.f, op, BTC_FAKE_FAIL, ECONNRESET);
                disrupted = true;
            } else {
                fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_LIMIT, (int64_t)fs_rng_below(&rng, 4));
                disrupted = true;
            }
        }
        int64_t timeout = BTC_TIMEOUT_INFINITE;
        if (may_disrupt && fs_rng_below(&rng, 2) == 0) {
            timeout = (int64_t)fs_rng_below(&rng, 600);
            disrupted = true;
        }
        btc_status st =
            btc_sock_recv_until_terminator(&e.s, term, timeout, NULL, max_data, e.buf, &e.len, flags, &e.err);
        cr_assert_lt((int)st, BTC_STATUS_COUNT, "iteration %d: status %d out of range", iter, (int)st);
        seen[st]++;
        cr_assert(st == BTC_OK || st == BTC_ERR_CLOSED || st == BTC_ERR_TOO_LARGE || st == BTC_ERR_TIMEOUT ||
                      st == BTC_ERR_IO || st == BTC_ERR_PROTOCOL || st == BTC_ERR_INVALID_UTF8,
                  "iteration %d: unexpected status %s (%s)", iter, btc_status_name(st), e.err.message);
        if (st == BTC_ERR_INVALID_UTF8) {
            cr_assert(flags & BTC_RECV_UTF8, "iteration %d: INVALID_UTF8 without the flag", iter);
            size_t first = fs_find(in, in_len, term);
            TS_ASSERT_SZ(e.len, first + 1, "INVALID_UTF8: *len");
            cr_assert(!fs_utf8_valid(in, first), "iteration %d: a valid line was rejected", iter);
        }
        if (st == BTC_ERR_TOO_LARGE) {
            TS_ASSERT_SZ(e.len, max_data, "TOO_LARGE: *len");
        }
        if (st == BTC_OK && (flags & BTC_RECV_UTF8)) {
            cr_assert(fs_utf8_valid(in, e.len), "iteration %d: an invalid line was accepted", iter);
        }
        /* rc_check compares buf with in, which lives on this stack frame. */
        rc_check(&e, st, term);
        if (!disrupted) {
            size_t want_len;
            btc_status want = rc_model(in, in_len, term, max_data, flags, end_error, &want_len);
            cr_assert_eq(st, want, "iteration %d: %s, the model says %s (in_len %zu, max_data %zu, term 0x%02x)", iter,
                         btc_status_name(st), btc_status_name(want), in_len, max_data, term);
            TS_ASSERT_SZ(e.len, want_len, "model: *len");
            checked_model++;
        }
        rc_free(&e);
    }
    cr_assert_gt(checked_model, 2000ul, "only %lu iterations compared with the model", checked_model);
    cr_assert_gt(seen[BTC_OK], 100ul, "too few OK outcomes: %lu", seen[BTC_OK]);
    cr_assert_gt(seen[BTC_ERR_TOO_LARGE], 50ul, "too few TOO_LARGE outcomes: %lu", seen[BTC_ERR_TOO_LARGE]);
    cr_assert_gt(seen[BTC_ERR_CLOSED], 50ul, "too few CLOSED outcomes: %lu", seen[BTC_ERR_CLOSED]);
    cr_assert_gt(seen[BTC_ERR_INVALID_UTF8], 10ul, "too few INVALID_UTF8 outcomes: %lu", seen[BTC_ERR_INVALID_UTF8]);
    cr_assert_gt(seen[BTC_ERR_TIMEOUT], 10ul, "too few TIMEOUT outcomes: %lu", seen[BTC_ERR_TIMEOUT]);
}

/* ---- a peer that never lets the socket block still cannot outlast the call ---- */

/* Every clock read moves virtual time by `ms` (an ADVANCE needs a PASS after it to end the call's turn). */
static void rc_clock_ticks(btc_fake *f, unsigned reads, int64_t ms)
{
    for (unsigned i = 0; i < reads; i++) {
        fs_push(f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, ms);
        fs_push(f, BTC_FAKE_CLOCK, BTC_FAKE_PASS, 0);
    }
}

Test(recv, deadline_checked_between_chunks_of_a_streaming_line)
{
    static uint8_t in[20000];
    memset(in, 'x', sizeof in);
    rc_env e;
    rc_init(&e, in, sizeof in, sizeof in + 1);
    btc_fake_set_chunks(&e.f, 100, 0, 0); /* data always readable, 100 bytes per peek */
    rc_clock_ticks(&e.f, 200, 10);        /* each clock read is 10 ms later */
    btc_status st = rc_run(&e, '\n', 50, NULL, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    cr_assert_lt(e.f.consumed, sizeof in, "a 50 ms call consumed all %zu bytes (%zu)", sizeof in, e.f.consumed);
    cr_assert_eq(fs_calls(&e.f, BTC_FAKE_WAIT), 0, "timed out without ever waiting, yet waited %lu times",
                 fs_calls(&e.f, BTC_FAKE_WAIT));
    rc_free(&e);
}

Test(recv, interrupt_checked_between_chunks_of_a_streaming_line)
{
    static uint8_t in[5000];
    memset(in, 'y', sizeof in);
    btc_interrupt intr;
    cr_assert_eq(btc_interrupt_init(&intr, NULL), BTC_OK, "interrupt init");
    rc_env e;
    rc_init(&e, in, sizeof in, sizeof in + 1);
    btc_fake_set_chunks(&e.f, 100, 0, 0);
    btc_fake_attach_interrupt(&e.f, &intr);
    fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_INTERRUPT, 0); /* fires during the second peek */
    btc_status st = rc_run(&e, '\n', BTC_TIMEOUT_INFINITE, &intr, 0);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    TS_ASSERT_SZ(e.f.consumed, 200, "consumed (two chunks, then the interrupt is seen)");
    btc_interrupt_destroy(&intr);
    rc_free(&e);
}
