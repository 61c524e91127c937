/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reader.c - btc_reader through the scripted fake, in both modes.
 *
 * Every call goes through rt_line / rt_read / rt_sync / rt_detach, which
 * check, besides the call's own result, the contract that holds after every
 * call (rt_check_socket): the socket never gave up a byte past the data
 * handed over except bytes of the unfinished line (which hold no
 * terminator); in BTC_READER_EXACT mode, and in lazy mode right after a
 * sync, it gave up exactly the data handed over plus that unfinished line;
 * nothing was written past the window; the record is well-formed.
 * Lines are compared with the input byte for byte, so nothing is lost or
 * handed over twice.
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"
#include "kit/hooks.h"

TestSuite(reader, .timeout = 60);

#define RT_GUARD 16
#define RT_CANARY 0xa5

typedef struct rt_env {
    btc_fake f;
    btc_sock s;
    btc_reader r;
    char *win; /* cap + RT_GUARD bytes, the tail filled with RT_CANARY */
    size_t cap;
    unsigned flags;
    const uint8_t *in;
    size_t in_len;
    size_t handed;        /* stream bytes handed over so far */
    unsigned long calls0; /* slot calls made before a refusal (rt_refused) */
    btc_error err;
    const char *line;
    size_t len;
} rt_env;

static void rt_init(rt_env *e, const void *in, size_t in_len, size_t cap, unsigned flags)
{
    fs_setup(&e->f, &e->s);
    btc_fake_set_input(&e->f, in, in_len);
    cr_assert(btc_fake_set_end(&e->f, 0, FS_NEVER), "set_end");
    e->in = in;
    e->in_len = in_len;
    e->cap = cap;
    e->flags = flags;
    e->handed = 0;
    e->calls0 = 0;
    e->win = malloc(cap + RT_GUARD);
    cr_assert_not_null(e->win, "malloc failed");
    memset(e->win, RT_CANARY, cap + RT_GUARD);
    TS_CHECK_OK(&e->err, btc_reader_init(&e->r, &e->s, e->win, cap, flags, &e->err));
}

static void rt_free(rt_env *e)
{
    free(e->win);
    e->win = NULL;
}

/* A call (evaluated once) must return `want`. */
#define RT_EXPECT(want, call)                     \
    do {                                          \
        btc_status rt__st = (call);               \
        TS_ASSERT_STATUS(rt__st, (want), &e.err); \
    } while (0)

/* Bytes the reader consumed and did not hand over (its position: consumed - returned, when positive). */
static size_t rt_held(const btc_reader *r)
{
    uint64_t returned = 0;
    uint64_t consumed = 0;
    btc_error err;
    TS_CHECK_OK(&err, btc_reader_position(r, &returned, &consumed, &err));
    return consumed > returned ? (size_t)(consumed - returned) : 0;
}

/* The contract after every call; synced: the socket must stand exactly after the data handed over (+ held). */
static void rt_check_socket(const rt_env *e, uint8_t term, bool synced, const char *what)
{
    for (size_t i = 0; i < RT_GUARD; i++)
        cr_assert_eq((uint8_t)e->win[e->cap + i], RT_CANARY, "%s: window byte cap + %zu was written", what, i);
    size_t consumed = e->f.consumed;
    uint64_t pos_returned = 0;
    uint64_t pos_consumed = 0;
    btc_error err;
    TS_CHECK_OK(&err, btc_reader_position(&e->r, &pos_returned, &pos_consumed, &err));
    TS_ASSERT_SZ(pos_returned, e->handed, "position: returned");
    TS_ASSERT_SZ(pos_consumed, consumed, "position: consumed");
    if (consumed > e->handed) {
        size_t extra = consumed - e->handed;
        cr_assert(memchr(e->in + e->handed, term, extra) == NULL,
                  "%s: the socket gave up %zu bytes past the %zu handed over, a terminator among them", what, extra,
                  e->handed);
        TS_ASSERT_SZ(rt_held(&e->r), extra, "bytes held = consumed - handed over");
    }
    if (synced || (e->flags & BTC_READER_EXACT) != 0)
        cr_assert_geq(consumed, e->handed, "%s: %zu handed over, only %zu consumed after a sync", what, e->handed,
                      consumed);
    else
        cr_assert_leq(consumed, e->handed + rt_held(&e->r), "%s: consumed %zu > handed %zu + held %zu", what, consumed,
                      e->handed, rt_held(&e->r));
}

/* One btc_reader_line with every check; returns the status. */
static btc_status rt_line_t(rt_env *e, uint8_t term, int64_t timeout, btc_interrupt *intr)
{
    btc_status st;
    e->line = NULL;
    e->len = 12345;
    TS_RUN(st, &e->err, btc_reader_line(&e->r, term, timeout, intr, &e->line, &e->len, &e->err));
    cr_assert_not_null(e->line, "*line is NULL after %s", btc_status_name(st));
    const char *name = btc_status_name(st);
    if (st == BTC_OK) {
        cr_assert_leq(e->handed + e->len + 1, e->in_len, "OK past the input");
        cr_assert_arr_eq(e->line, e->in + e->handed, e->len, "line content differs at stream offset %zu", e->handed);
        cr_assert_eq((uint8_t)e->in[e->handed + e->len], term, "the line does not end at a terminator");
        cr_assert_eq(e->line[e->len], '\0', "line not NUL-terminated");
        cr_assert(memchr(e->in + e->handed, term, e->len) == NULL, "the line contains a terminator");
        cr_assert_lt(e->len, e->cap, "a line of %zu bytes in a window of %zu", e->len, e->cap);
        TS_ASSERT_SZ(e->err.bytes, e->len + 1, "OK: err.bytes");
        e->handed += e->len + 1;
    } else if (st == BTC_ERR_CLOSED || st == BTC_ERR_TOO_LARGE || st == BTC_ERR_IO || st == BTC_ERR_PROTOCOL) {
        cr_assert_arr_eq(e->line, e->in + e->handed, e->len, "%s: handed-over bytes differ", name);
        cr_assert(memchr(e->in + e->handed, term, e->len) == NULL, "%s: handed over a terminator", name);
        TS_ASSERT_SZ(e->err.bytes, e->len, "err.bytes");
        if (e->len < e->cap)
            cr_assert_eq(e->line[e->len], '\0', "%s: unfinished bytes not NUL-terminated", name);
        if (st == BTC_ERR_TOO_LARGE)
            TS_ASSERT_SZ(e->len, e->cap, "TOO_LARGE hands over a full window");
        e->handed += e->len;
    } else {
        TS_ASSERT_SZ(e->len, 0, "*len on a status that hands nothing over");
        TS_ASSERT_SZ(e->err.bytes, 0, "err.bytes on a status that hands nothing over");
        cr_assert_str_eq(e->line, "", "*line on a status that hands nothing over");
    }
    rt_check_socket(e, term, false, name);
    return st;
}

static btc_status rt_line(rt_env *e, int64_t timeout) { return rt_line_t(e, '\n', timeout, NULL); }

/* A line that must come back as `want`. */
static void rt_expect_line(rt_env *e, const char *want)
{
    btc_status st = rt_line(e, 1000);
    TS_ASSERT_STATUS(st, BTC_OK, &e->err);
    TS_ASSERT_SZ(e->len, strlen(want), "line length");
    cr_assert_str_eq(e->line, want, "line \"%s\", expected \"%s\"", e->line, want);
}

static btc_status rt_read(rt_env *e, uint8_t *dst, size_t n, int64_t timeout)
{
    btc_status st;
    TS_RUN(st, &e->err, btc_reader_read(&e->r, dst, n, timeout, NULL, &e->err));
    size_t got = e->err.bytes;
    if (st == BTC_OK)
        TS_ASSERT_SZ(got, n, "read OK: err.bytes");
    cr_assert_leq(got, n, "read delivered more than asked");
    cr_assert_arr_eq(dst, e->in + e->handed, got, "read: delivered bytes differ at stream offset %zu", e->handed);
    e->handed += got;
    rt_check_socket(e, '\n', false, btc_status_name(st));
    return st;
}

static void rt_sync(rt_env *e)
{
    size_t before = e->f.consumed;
    TS_CHECK_OK(&e->err, btc_reader_sync(&e->r, &e->err));
    TS_ASSERT_SZ(e->err.bytes, e->f.consumed - before, "sync: err.bytes");
    TS_ASSERT_SZ(e->f.consumed, e->handed + rt_held(&e->r), "after sync: consumed == handed over + held");
    rt_check_socket(e, '\n', true, "sync");
}

/* Detaches and checks that what is handed back is the stream right after the data handed over. */
static size_t rt_detach(rt_env *e)
{
    const void *held = NULL;
    size_t held_len = 99;
    TS_CHECK_OK(&e->err, btc_reader_detach(&e->r, &held, &held_len, &e->err));
    cr_assert_not_null(held, "detach: held is NULL");
    TS_ASSERT_SZ(e->f.consumed, e->handed + held_len, "after detach: consumed == handed over + held");
    cr_assert_arr_eq(held, e->in + e->handed, held_len, "detach: the held bytes differ from the stream");
    e->handed += held_len;
    return held_len;
}

/* ---- the basics ------------------------------------------------------------------------ */

Test(reader, lines_out_of_one_peek_lazy)
{
    static const char in[] = "one\ntwo\n\nfour\nrest";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 64, 0);
    rt_expect_line(&e, "one");
    rt_expect_line(&e, "two");
    rt_expect_line(&e, "");
    rt_expect_line(&e, "four");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_PEEK), 1, "peeks");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_READ), 0, "reads before the sync (lazy)");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_CLOCK), 0, "clock reads for lines in the window");
    TS_ASSERT_SZ(e.f.consumed, 0, "consumed before the sync");
    rt_sync(&e);
    TS_ASSERT_SZ(e.f.consumed, 14, "consumed after the sync");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_READ), 1, "one read consumes every line returned");
    rt_sync(&e);
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_READ), 1, "a second sync has nothing to do");
    TS_ASSERT_SZ(rt_detach(&e), 0, "nothing held");
    rt_free(&e);
}

Test(reader, exact_mode_syncs_every_line)
{
    static const char in[] = "one\ntwo\n\nfour\nrest";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 64, BTC_READER_EXACT);
    rt_expect_line(&e, "one");
    TS_ASSERT_SZ(e.f.consumed, 4, "consumed after the first line");
    rt_expect_line(&e, "two");
    rt_expect_line(&e, "");
    rt_expect_line(&e, "four");
    TS_ASSERT_SZ(e.f.consumed, 14, "consumed after four lines");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_PEEK), 1, "peeks");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_READ), 4, "one read a line");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_CLOCK), 0, "clock reads");
    unsigned long reads = fs_calls(&e.f, BTC_FAKE_READ);
    rt_sync(&e);
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_READ), reads, "sync has nothing to do in EXACT mode");
    rt_free(&e);
}

Test(reader, the_last_line_stays_a_string_across_sync_and_detach)
{
    static const char in[] = "alpha\nbeta\ngamma";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 64, 0);
    rt_expect_line(&e, "alpha");
    rt_expect_line(&e, "beta");
    const char *line = e.line;
    rt_sync(&e); /* the fake copies the consumed bytes back over the window, terminator included */
    cr_assert_str_eq(line, "beta", "after sync the last line reads \"%s\"", line);
    rt_detach(&e);
    cr_assert_str_eq(line, "beta", "after detach the last line reads \"%s\"", line);
    rt_free(&e);
}

/* Lines of 0, 1, cap - 1 bytes come back; a line of cap bytes is TOO_LARGE after exactly cap bytes. */
static void line_lengths(unsigned flags)
{
    enum { CAP = 32 };
    static uint8_t in[4 * CAP];
    size_t n = 0;
    in[n++] = '\n';               /* 0 */
    in[n++] = 'a';                /* 1 */
    in[n++] = '\n';               /* */
    memset(in + n, 'b', CAP - 1); /* cap - 1 */
    n += CAP - 1;                 /* */
    in[n++] = '\n';               /* */
    memset(in + n, 'c', CAP);     /* cap: too large */
    n += CAP;                     /* */
    in[n++] = '\n';               /* then an empty line */
    rt_env e;
    rt_init(&e, in, n, CAP, flags);
    rt_expect_line(&e, "");
    rt_expect_line(&e, "a");
    RT_EXPECT(BTC_OK, rt_line(&e, 1000));
    TS_ASSERT_SZ(e.len, CAP - 1, "a line of cap - 1 bytes");
    RT_EXPECT(BTC_ERR_TOO_LARGE, rt_line(&e, 1000));
    TS_ASSERT_SZ(e.len, CAP, "TOO_LARGE after");
    rt_sync(&e);
    TS_ASSERT_SZ(e.f.consumed, n - 1, "consumed after TOO_LARGE and sync");
    rt_expect_line(&e, ""); /* the terminator that came one byte too late ends an empty line */
    rt_sync(&e);
    TS_ASSERT_SZ(e.f.consumed, n, "all consumed");
    rt_free(&e);
}

Test(reader, line_lengths_lazy) { line_lengths(0); }
Test(reader, line_lengths_exact) { line_lengths(BTC_READER_EXACT); }

Test(reader, the_smallest_window_reads_empty_lines_and_single_bytes)
{
    static const char in[] = "\nx\nyz\n";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 2, 0);
    rt_expect_line(&e, "");
    rt_expect_line(&e, "x");
    RT_EXPECT(BTC_ERR_TOO_LARGE, rt_line(&e, 1000));
    cr_assert_arr_eq(e.line, "yz", 2, "TOO_LARGE bytes");
    rt_expect_line(&e, "");
    rt_free(&e);
}

/* ---- window boundaries ------------------------------------------------------------------ */

/*
 * Lines of every length 0..cap-1 in a row, so that a terminator falls at
 * every offset of the window; with and without kernel chunks that cut the
 * peeks at every size.
 */
static void every_boundary(size_t cap, size_t max_peek, unsigned flags)
{
    static uint8_t in[3 * 64 * 65 / 2]; /* 3 lines of every length 0..63, with terminators */
    size_t n = 0;
    for (size_t len = 0; len < cap; len++) {
        for (size_t rep = 0; rep < 3; rep++) {
            fs_pattern(in + n, len, (unsigned)(len * 3 + rep), '\n');
            n += len;
            in[n++] = '\n';
        }
    }
    rt_env e;
    rt_init(&e, in, n, cap, flags);
    btc_fake_set_chunks(&e.f, max_peek, 0, 0);
    size_t lines = 0;
    while (e.handed < n) {
        btc_status st = rt_line(&e, 1000);
        TS_ASSERT_STATUS(st, BTC_OK, &e.err);
        lines++;
        if (lines % 7 == 0)
            rt_sync(&e);
    }
    TS_ASSERT_SZ(lines, cap * 3, "lines");
    rt_sync(&e);
    TS_ASSERT_SZ(e.f.consumed, n, "consumed");
    rt_free(&e);
}

Test(reader, terminator_at_every_window_offset)
{
    size_t caps[] = {2, 3, 5, 16, 64};
    size_t peeks[] = {0, 1, 2, 3, 7, 16};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        for (size_t k = 0; k < sizeof peeks / sizeof peeks[0]; k++) {
            every_boundary(caps[i], peeks[k], 0);
            every_boundary(caps[i], peeks[k], BTC_READER_EXACT);
        }
}

/* One line arriving one byte at a time (every byte a separate arrival): the line comes back whole. */
static void byte_by_byte(unsigned flags)
{
    static const char in[] = "split into many arrivals\nnext\n";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 64, flags);
    for (size_t i = 1; i < sizeof in - 1; i++)
        fs_arrive(&e.f, i, FS_T0 + (int64_t)i * 10);
    rt_expect_line(&e, "split into many arrivals");
    rt_expect_line(&e, "next");
    rt_sync(&e);
    TS_ASSERT_SZ(e.f.consumed, sizeof in - 1, "consumed");
    rt_free(&e);
}

Test(reader, a_line_split_over_every_byte_lazy) { byte_by_byte(0); }
Test(reader, a_line_split_over_every_byte_exact) { byte_by_byte(BTC_READER_EXACT); }

/* A line split into k arrivals, for every k, timing out between them and resuming. */
Test(reader, timeouts_between_arrivals_lose_nothing)
{
    static const char in[] = "0123456789abcdefghij\nZ\n";
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++)
        for (size_t k = 1; k < 21; k++) {
            rt_env e;
            rt_init(&e, in, sizeof in - 1, 64, flags);
            for (size_t i = 1; i <= k; i++)
                fs_arrive(&e.f, i * 20 / (k + 1), FS_T0 + (int64_t)i * 100);
            size_t timeouts = 0;
            btc_status st;
            while ((st = rt_line(&e, 30)) == BTC_ERR_TIMEOUT) {
                timeouts++;
                rt_check_socket(&e, '\n', true, "after a timeout");
            }
            TS_ASSERT_STATUS(st, BTC_OK, &e.err);
            cr_assert_str_eq(e.line, "0123456789abcdefghij", "resumed line \"%s\"", e.line);
            cr_assert_geq(timeouts, k, "%zu timeouts for %zu arrivals", timeouts, k);
            rt_expect_line(&e, "Z");
            rt_free(&e);
        }
}

/* ---- every status --------------------------------------------------------------------------- */

/* The end of the stream (EOF or an error) mid-line hands the unfinished bytes over, in both modes. */
static void end_mid_line(int end_error, btc_status want)
{
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
        static const char in[] = "done\npartial";
        rt_env e;
        rt_init(&e, in, sizeof in - 1, 64, flags);
        cr_assert(btc_fake_set_end(&e.f, end_error, FS_T0));
        rt_expect_line(&e, "done");
        RT_EXPECT(want, rt_line(&e, 1000));
        cr_assert_str_eq(e.line, "partial", "%s hands over \"%s\"", btc_status_name(want), e.line);
        cr_assert_eq(e.err.code, end_error, "err.code %d", e.err.code);
        cr_assert(fs_msg_has_number(e.err.message, 7), "message \"%s\" says 7 bytes", e.err.message);
        RT_EXPECT(want, rt_line(&e, 1000));
        TS_ASSERT_SZ(e.len, 0, "at the end again");
        rt_sync(&e);
        TS_ASSERT_SZ(e.f.consumed, sizeof in - 1, "all consumed");
        rt_free(&e);
    }
}

Test(reader, closed_hands_over_the_unfinished_line) { end_mid_line(0, BTC_ERR_CLOSED); }
Test(reader, io_error_hands_over_the_unfinished_line) { end_mid_line(ECONNRESET, BTC_ERR_IO); }

/* A permanent error on the consuming read: IO with its code, the line stays in the reader for a retry. */
Test(reader, io_error_on_the_consuming_read_keeps_the_line)
{
    static const char in[] = "line\nnext\n";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 64, BTC_READER_EXACT);
    fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_FAIL, ENOBUFS);
    TS_CHECK_CODE(BTC_ERR_IO, ENOBUFS, &e.err, rt_line(&e, 1000));
    TS_ASSERT_SZ(e.len, 0, "nothing handed over");
    rt_expect_line(&e, "line");
    rt_expect_line(&e, "next");
    rt_free(&e);
}

/* Transient errors anywhere are retried without a visible trace. */
Test(reader, transient_errors_are_retried)
{
    int codes[] = {EAGAIN, EINTR, EWOULDBLOCK};
    btc_fake_op ops[] = {BTC_FAKE_PEEK, BTC_FAKE_READ, BTC_FAKE_WAIT};
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++)
        for (size_t i = 0; i < 3; i++)
            for (size_t k = 0; k < 3; k++) {
                static const char in[] = "a\nbb\nccc";
                rt_env e;
                rt_init(&e, in, sizeof in - 1, 4, flags); /* a small window: refills, settles, waits */
                cr_assert(btc_fake_set_end(&e.f, 0, FS_T0 + 50));
                fs_push(&e.f, ops[k], BTC_FAKE_FAIL, codes[i]);
                fs_push(&e.f, ops[k], BTC_FAKE_FAIL, codes[i]);
                rt_expect_line(&e, "a");
                rt_expect_line(&e, "bb");
                RT_EXPECT(BTC_ERR_CLOSED, rt_line(&e, 1000));
                cr_assert_str_eq(e.line, "ccc", "then CLOSED with \"%s\"", e.line);
                rt_sync(&e);
                rt_free(&e);
            }
}

Test(reader, a_short_consuming_read_is_a_protocol_error)
{
    static const char in[] = "abcdef\nnext\n";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 64, BTC_READER_EXACT);
    fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 3);
    RT_EXPECT(BTC_ERR_PROTOCOL, rt_line(&e, 1000));
    cr_assert_str_eq(e.line, "abc", "PROTOCOL hands over the 3 bytes consumed, got \"%s\"", e.line);
    /* The reader goes on from where the socket stands. */
    rt_expect_line(&e, "def");
    rt_expect_line(&e, "next");
    rt_free(&e);
}

Test(reader, a_short_settling_read_is_a_protocol_error)
{
    static const char in[] = "ab\ncd\nefgh";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 8, 0);
    rt_expect_line(&e, "ab");
    rt_expect_line(&e, "cd");
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 2); /* the settle of "ab\ncd\nef" comes up short */
    RT_EXPECT(BTC_ERR_PROTOCOL, rt_line(&e, 10));
    TS_ASSERT_SZ(e.len, 0, "nothing held to hand over");
    rt_sync(&e);
    TS_ASSERT_SZ(e.f.consumed, 6, "the sync consumes the rest of what was returned");
    rt_free(&e);
}

Test(reader, timeout_and_interrupt_keep_the_unfinished_line)
{
    static const char in[] = "partial line\nnext\n";
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
        rt_env e;
        rt_init(&e, in, sizeof in - 1, 64, flags);
        fs_arrive(&e.f, 8, FS_T0 + 500);
        btc_interrupt intr;
        TS_CHECK_OK((btc_error *)NULL, btc_interrupt_init(&intr, NULL));
        btc_fake_attach_interrupt(&e.f, &intr);
        RT_EXPECT(BTC_ERR_TIMEOUT, rt_line(&e, 50));
        TS_ASSERT_SZ(rt_held(&e.r), 8, "held after TIMEOUT");
        TS_ASSERT_SZ(e.f.consumed, 8, "consumed after TIMEOUT, as recv_until_terminator would");
        cr_assert(fs_msg_has_number(e.err.message, 8), "message \"%s\" says 8 bytes held", e.err.message);
        fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
        RT_EXPECT(BTC_ERR_INTERRUPTED, rt_line_t(&e, '\n', BTC_TIMEOUT_INFINITE, &intr));
        TS_ASSERT_SZ(rt_held(&e.r), 8, "held after INTERRUPTED");
        RT_EXPECT(BTC_ERR_INTERRUPTED, rt_line_t(&e, '\n', 1000, &intr)); /* still set */
        btc_interrupt_reset(&intr);
        rt_expect_line(&e, "partial line");
        rt_expect_line(&e, "next");
        btc_interrupt_destroy(&intr);
        rt_free(&e);
    }
}

Test(reader, detach_after_a_timeout_hands_back_the_unfinished_line)
{
    static const char in[] = "one\npartial line\nnext\n";
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
        rt_env e;
        rt_init(&e, in, sizeof in - 1, 64, flags);
        fs_arrive(&e.f, 12, FS_T0 + 500);
        rt_expect_line(&e, "one");
        RT_EXPECT(BTC_ERR_TIMEOUT, rt_line(&e, 50));
        TS_ASSERT_SZ(rt_detach(&e), 8, "held bytes handed back");
        /* Code that reads the socket directly goes on right after them. */
        char buf[64];
        size_t len = 0;
        TS_CHECK_OK(&e.err, btc_sock_recv_until_terminator(&e.s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &e.err));
        cr_assert_str_eq(buf, "line", "the socket continues with \"%s\"", buf);
        const char *line;
        TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &e.err, btc_reader_line(&e.r, '\n', 0, NULL, &line, &len, &e.err));
        rt_free(&e);
    }
}

/*
 * A call that moved the window (consumed the lines before the unfinished one
 * and shifted it to the front) and then timed out: the resumed call must
 * look for the terminator in the window as it is now, not where it was.
 */
Test(reader, resume_after_a_timeout_that_moved_the_window)
{
    static const char in[] = "ab\ncd\nef\ngh\nij\n";
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
        rt_env e;
        rt_init(&e, in, sizeof in - 1, 8, flags);
        fs_arrive(&e.f, 8, FS_T0 + 100); /* the window "ab\ncd\nef" first, the rest later */
        rt_expect_line(&e, "ab");
        rt_expect_line(&e, "cd");
        RT_EXPECT(BTC_ERR_TIMEOUT, rt_line(&e, 20));
        TS_ASSERT_SZ(rt_held(&e.r), 2, "held: \"ef\"");
        rt_expect_line(&e, "ef");
        rt_expect_line(&e, "gh");
        rt_expect_line(&e, "ij");
        rt_free(&e);
    }
}

/* EXACT mode: a read that cannot consume what it copied does not count those bytes as delivered. */
Test(reader, exact_read_counts_only_consumed_bytes)
{
    static const char in[] = "0123456789";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 64, BTC_READER_EXACT);
    fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_FAIL, EAGAIN); /* the consuming read, then a zero timeout runs out */
    uint8_t dst[8];
    RT_EXPECT(BTC_ERR_TIMEOUT, rt_read(&e, dst, 4, 0));
    TS_ASSERT_SZ(e.err.bytes, 0, "delivered");
    RT_EXPECT(BTC_OK, rt_read(&e, dst, 4, 0));
    cr_assert_arr_eq(dst, "0123", 4, "the bytes again");
    TS_ASSERT_SZ(e.f.consumed, 4, "consumed");
    rt_free(&e);
}

/* The first attempt comes before the deadline and the interrupt are looked at, refill or not. */
Test(reader, first_attempt_with_zero_timeout_or_a_set_interrupt)
{
    static const char in[] = "ab\ncd\nef\n";
    btc_interrupt intr;
    TS_CHECK_OK((btc_error *)NULL, btc_interrupt_init(&intr, NULL));
    btc_interrupt_trigger(&intr);
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
        rt_env e;
        rt_init(&e, in, sizeof in - 1, 4, flags); /* each line needs a refill (and a settle in lazy mode) */
        rt_expect_line(&e, "ab");
        RT_EXPECT(BTC_OK, rt_line(&e, 0));
        cr_assert_str_eq(e.line, "cd", "zero timeout: \"%s\"", e.line);
        RT_EXPECT(BTC_OK, rt_line_t(&e, '\n', 1000, &intr));
        cr_assert_str_eq(e.line, "ef", "interrupt set: \"%s\"", e.line);
        RT_EXPECT(BTC_ERR_INTERRUPTED, rt_line_t(&e, '\n', 1000, &intr));
        RT_EXPECT(BTC_ERR_TIMEOUT, rt_line(&e, 0));
        rt_free(&e);
    }
    btc_interrupt_destroy(&intr);
}

/*
 * A call that had to wait is past its first attempt: when the interrupt
 * fires during the retried settling read, the call stops before it peeks
 * again (the guard of the fuzz harness found a version that peeked).
 */
Test(reader, a_call_that_waited_checks_the_interrupt_before_its_next_attempt)
{
    static const char in[] = "ab\ncd\nef\n";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 4, 0);
    btc_interrupt intr;
    TS_CHECK_OK((btc_error *)NULL, btc_interrupt_init(&intr, NULL));
    btc_fake_attach_interrupt(&e.f, &intr);
    rt_expect_line(&e, "ab");
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_FAIL, EAGAIN); /* the settle of "ab\nc" */
    fs_push(&e.f, BTC_FAKE_READ, BTC_FAKE_INTERRUPT, 0); /* its retry after the wait succeeds, and fires */
    RT_EXPECT(BTC_ERR_INTERRUPTED, rt_line_t(&e, '\n', 1000, &intr));
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_PEEK), 1, "no peek after the interrupt fired");
    TS_ASSERT_SZ(rt_held(&e.r), 1, "the reader holds \"c\"");
    btc_interrupt_reset(&intr);
    rt_expect_line(&e, "cd");
    btc_interrupt_destroy(&intr);
    rt_free(&e);
}

/* A peer that streams a line without ever letting the socket block still cannot hold a call past its deadline. */
Test(reader, the_deadline_is_checked_between_partial_transfers)
{
    static char in[200];
    memset(in, 'x', sizeof in);
    in[sizeof in - 1] = '\n';
    rt_env e;
    rt_init(&e, in, sizeof in, 256, 0);
    btc_fake_set_chunks(&e.f, 10, 0, 0);
    for (int i = 0; i < 20; i++) { /* 60 ms per peek */
        fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_ADVANCE, 60);
        fs_push(&e.f, BTC_FAKE_PEEK, BTC_FAKE_PASS, 0);
    }
    RT_EXPECT(BTC_ERR_TIMEOUT, rt_line(&e, 100));
    TS_ASSERT_SZ(rt_held(&e.r), 30, "held: three peeks of 10 bytes");
    cr_assert_lt(e.f.now_ms, FS_T0 + 300, "the call ran to virtual time %lld", (long long)e.f.now_ms);
    rt_free(&e);
}

Test(reader, not_selectable_or_a_wait)
{
    static const char in[] = "later\n";
    rt_env e;
    fs_setup(&e.f, &e.s);
    e.s.fd = 5000; /* past FD_SETSIZE: the POSIX select backend cannot wait on it */
    btc_fake_set_input(&e.f, in, sizeof in - 1);
    fs_arrive(&e.f, 0, FS_T0 + 20);
    e.in = (const uint8_t *)in;
    e.in_len = sizeof in - 1;
    e.cap = 16;
    e.flags = 0;
    e.handed = 0;
    e.win = malloc(e.cap + RT_GUARD);
    cr_assert_not_null(e.win);
    memset(e.win, RT_CANARY, e.cap + RT_GUARD);
    TS_CHECK_OK(&e.err, btc_reader_init(&e.r, &e.s, e.win, e.cap, 0, &e.err));
    if (!btc_is_selectable_socket(e.s.fd)) { /* POSIX select; on Windows every socket can be waited on */
        RT_EXPECT(BTC_ERR_NOT_SELECTABLE, rt_line(&e, 1000));
        cr_assert(strstr(e.err.message, "select") != NULL, "message \"%s\"", e.err.message);
    } else {
        rt_expect_line(&e, "later");
    }
    rt_free(&e);
}

/* ---- bad input: a clear status, a message, and not one slot call ------------------------------ */

static void rt_refused(rt_env *e, btc_status want, btc_status got, const char *what)
{
    cr_assert_eq(got, want, "%s: %s (\"%s\"), expected %s", what, btc_status_name(got), e->err.message,
                 btc_status_name(want));
    TS_ASSERT_RECORD(got, e->err);
    TS_ASSERT_SZ(fs_calls(&e->f, BTC_FAKE_ANY), e->calls0, what);
    TS_ASSERT_SZ(e->err.bytes, 0, what);
}

Test(reader, bad_arguments_are_refused_without_a_system_call)
{
    static const char in[] = "line\n";
    char win[16];
    char dst[4];
    const char *line = "x";
    size_t len = 7;
    const void *held = NULL;
    size_t held_len = 0;
    rt_env e;
    fs_setup(&e.f, &e.s);
    e.calls0 = 0;
    btc_fake_set_input(&e.f, in, sizeof in - 1);
    btc_reader *r = &e.r;
    btc_error *err = &e.err;
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_init(NULL, &e.s, win, 16, 0, err), "init NULL reader");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_init(r, NULL, win, 16, 0, err), "init NULL socket");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_init(r, &e.s, NULL, 16, 0, err), "init NULL buffer");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_init(r, &e.s, win, 0, 0, err), "init cap 0");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_init(r, &e.s, win, 1, 0, err), "init cap 1");
    cr_assert(strstr(err->message, "1") != NULL, "message \"%s\"", err->message);
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_init(r, &e.s, win, 16, 2, err), "init unknown flag");
    cr_assert(strstr(err->message, "0x2") != NULL, "message \"%s\"", err->message);
    /* A failed init leaves the reader unusable. */
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(r, '\n', 0, NULL, &line, &len, err),
               "after a failed init");
    cr_assert_str_eq(line, "", "*line on a refusal");
    TS_ASSERT_SZ(len, 0, "*len on a refusal");
    btc_sock empty = BTC_SOCK_INIT;
    rt_refused(&e, BTC_ERR_INVALID_SOCKET, btc_reader_init(r, &empty, win, 16, 0, err), "init empty socket");
    btc_sys broken = *btc_fake_sys(&e.f);
    broken.recv = NULL;
    btc_sock bs = e.s;
    bs.sys = &broken;
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_init(r, &bs, win, 16, 0, err), "init broken table");

    /* Never initialised: zeroed, and filled with garbage. */
    memset(r, 0, sizeof *r);
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(r, '\n', 0, NULL, &line, &len, err), "zeroed reader");
    cr_assert(strstr(err->message, "not initialised") != NULL, "message \"%s\"", err->message);
    memset(r, 0xa5, sizeof *r);
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_read(r, dst, 1, 0, NULL, err), "garbage reader");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_sync(r, err), "garbage reader sync");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_detach(r, &held, &held_len, err), "garbage reader detach");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_sync(NULL, err), "NULL reader sync");

    TS_CHECK_OK(err, btc_reader_init(r, &e.s, win, 16, BTC_READER_EXACT, err));
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_ANY), 0, "init makes no system call");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(r, '\n', 0, NULL, NULL, &len, err), "line NULL");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(r, '\n', 0, NULL, &line, NULL, err), "len NULL");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(r, '\n', -1, NULL, &line, &len, err), "negative timeout");
    btc_interrupt bad;
    memset(&bad, 0, sizeof bad);
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(r, '\n', 0, &bad, &line, &len, err), "bad interrupt");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_read(r, NULL, 3, 0, NULL, err), "read NULL dst");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_read(r, dst, 3, -5, NULL, err), "read negative timeout");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_detach(r, NULL, &held_len, err), "detach NULL held");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_detach(r, &held, NULL, err), "detach NULL held_len");
    TS_CHECK_OK(err, btc_reader_read(r, NULL, 0, 0, NULL, err));
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_ANY), 0, "a read of 0 bytes makes no system call");

    /* A copy of the reader at another address is refused (its window offsets would be shared). */
    btc_reader copy = *r;
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(&copy, '\n', 0, NULL, &line, &len, err), "copied");

    /* The socket's table or descriptor changed under the reader. */
    btc_fake other;
    btc_fake_init(&other);
    btc_sock_set_sys(&e.s, btc_fake_sys(&other));
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_line(r, '\n', 0, NULL, &line, &len, err), "table changed");
    cr_assert(strstr(err->message, "changed") != NULL, "message \"%s\"", err->message);
    TS_ASSERT_SZ(fs_calls(&other, BTC_FAKE_ANY), 0, "the new table was not called either");
    btc_sock_set_sys(&e.s, btc_fake_sys(&e.f));
    e.s.fd = BTC_FAKE_FD + 1;
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_sync(r, err), "descriptor changed");
    e.s.fd = BTC_INVALID_SOCKET;
    rt_refused(&e, BTC_ERR_INVALID_SOCKET, btc_reader_line(r, '\n', 0, NULL, &line, &len, err), "socket emptied");
    e.s.fd = BTC_FAKE_FD;

    /* It still works, and refuses everything after a detach. */
    TS_CHECK_OK(err, btc_reader_line(r, '\n', 0, NULL, &line, &len, err));
    cr_assert_str_eq(line, "line", "line \"%s\"", line);
    TS_CHECK_OK(err, btc_reader_detach(r, &held, &held_len, err));
    unsigned long calls = fs_calls(&e.f, BTC_FAKE_ANY);
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, err, btc_reader_line(r, '\n', 0, NULL, &line, &len, err));
    cr_assert(strstr(err->message, "detached") != NULL, "message \"%s\"", err->message);
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, err, btc_reader_read(r, dst, 1, 0, NULL, err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, err, btc_reader_sync(r, err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, err, btc_reader_detach(r, &held, &held_len, err));
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_ANY), calls, "no slot call after the detach");
    uint64_t returned = 9;
    uint64_t consumed = 9;
    TS_CHECK_OK(err, btc_reader_position(r, &returned, &consumed, err)); /* a detached reader still has one */
    TS_ASSERT_SZ(returned, 5, "position after detach: returned");
    TS_ASSERT_SZ(consumed, 5, "position after detach: consumed");
    TS_CHECK_OK(err, btc_reader_init(r, &e.s, win, 16, 0, err)); /* init makes it usable again */
    TS_CHECK_OK(err, btc_reader_position(r, &returned, &consumed, err));
    TS_ASSERT_SZ(returned + consumed, 0, "position after init");
    calls = e.calls0 = fs_calls(&e.f, BTC_FAKE_ANY);
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_position(NULL, &returned, &consumed, err), "position NULL");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_position(r, NULL, &consumed, err), "position NULL out");
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_position(r, &returned, NULL, err), "position NULL out");
    memset(r, 0xa5, sizeof *r);
    rt_refused(&e, BTC_ERR_INVALID_ARGUMENT, btc_reader_position(r, &returned, &consumed, err), "position garbage");
    TS_ASSERT_SZ(returned + consumed, 0, "outputs of a refused position");
    TS_ASSERT_SZ(fs_calls(&e.f, BTC_FAKE_ANY), calls, "position makes no system call");
}

/* ---- binary payloads between lines ---------------------------------------------------------- */

/* RESP-style: a length line, then the payload and its CRLF read exactly, then the next line. */
static void resp_stream(size_t cap, size_t max_peek, unsigned flags)
{
    static uint8_t in[4096];
    size_t n = 0;
    size_t sizes[] = {5, 0, 1, 31, 32, 33, 100, 7};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        n += (size_t)snprintf((char *)in + n, 16, "$%zu\r\n", sizes[i]);
        fs_pattern(in + n, sizes[i], (unsigned)i, -1); /* binary: terminators inside too */
        n += sizes[i];
        memcpy(in + n, "\r\n", 2);
        n += 2;
    }
    rt_env e;
    rt_init(&e, in, n, cap, flags);
    btc_fake_set_chunks(&e.f, max_peek, 0, 0);
    uint8_t payload[128];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        RT_EXPECT(BTC_OK, rt_line(&e, 1000));
        size_t want = (size_t)strtoul(e.line + 1, NULL, 10);
        TS_ASSERT_SZ(want, sizes[i], "length line");
        RT_EXPECT(BTC_OK, rt_read(&e, payload, want + 2, 1000));
        if (i % 3 == 1)
            rt_sync(&e);
    }
    rt_sync(&e);
    TS_ASSERT_SZ(e.f.consumed, n, "consumed");
    rt_free(&e);
}

Test(reader, mixed_lines_and_payloads)
{
    size_t caps[] = {8, 16, 40, 512};
    size_t peeks[] = {0, 1, 5, 13};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        for (size_t k = 0; k < sizeof peeks / sizeof peeks[0]; k++) {
            resp_stream(caps[i], peeks[k], 0);
            resp_stream(caps[i], peeks[k], BTC_READER_EXACT);
        }
}

Test(reader, read_larger_than_the_window_goes_straight_to_the_destination)
{
    static uint8_t in[10000];
    fs_pattern(in, sizeof in, 9, -1);
    memcpy(in, "hdr\n", 4);
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
        rt_env e;
        rt_init(&e, in, sizeof in, 64, flags);
        rt_expect_line(&e, "hdr");
        static uint8_t dst[9000];
        RT_EXPECT(BTC_OK, rt_read(&e, dst, sizeof dst, 1000));
        rt_sync(&e);
        TS_ASSERT_SZ(e.f.consumed, 4 + sizeof dst, "consumed: not one byte past the payload");
        cr_assert_leq(fs_calls(&e.f, BTC_FAKE_READ), 3ul, "reads for a 9000-byte payload");
        rt_free(&e);
    }
}

Test(reader, read_stops_report_what_was_delivered)
{
    static const char in[] = "hdr\n0123456789";
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
        rt_env e;
        rt_init(&e, in, sizeof in - 1, 8, flags);
        fs_arrive(&e.f, 10, FS_T0 + 100);
        rt_expect_line(&e, "hdr");
        uint8_t dst[32];
        RT_EXPECT(BTC_ERR_TIMEOUT, rt_read(&e, dst, 20, 50));
        TS_ASSERT_SZ(e.err.bytes, 6, "delivered before the timeout");
        cr_assert(fs_msg_has_number(e.err.message, 6), "message \"%s\"", e.err.message);
        cr_assert(btc_fake_set_end(&e.f, 0, FS_T0 + 200));
        RT_EXPECT(BTC_ERR_CLOSED, rt_read(&e, dst, 14, 1000));
        TS_ASSERT_SZ(e.err.bytes, 4, "delivered before the end");
        rt_sync(&e);
        TS_ASSERT_SZ(e.f.consumed, sizeof in - 1, "consumed");
        rt_free(&e);
    }
}

Test(reader, read_takes_the_unfinished_line_first)
{
    static const char in[] = "abcdefgh\n";
    rt_env e;
    rt_init(&e, in, sizeof in - 1, 32, 0);
    fs_arrive(&e.f, 5, FS_T0 + 100);
    RT_EXPECT(BTC_ERR_TIMEOUT, rt_line(&e, 50));
    uint8_t dst[8];
    RT_EXPECT(BTC_OK, rt_read(&e, dst, 7, 1000));
    cr_assert_arr_eq(dst, "abcdefg", 7, "read after a timed-out line");
    rt_expect_line(&e, "h");
    rt_free(&e);
}

/* ---- sync and detach at every point ------------------------------------------------------------- */

/* After k lines (and optionally j payload bytes), a detach leaves the socket right after them. */
Test(reader, detach_at_every_point_leaves_the_socket_after_the_data)
{
    static const char in[] = "l1\nline two\n\nfour 4\nbytes:0123456789\nlast\n";
    size_t len = sizeof in - 1;
    for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++)
        for (size_t cap = 4; cap <= 48; cap += 11)
            for (size_t k = 0; k <= 6; k++)
                for (size_t j = 0; j < 4; j++) {
                    rt_env e;
                    rt_init(&e, in, len, cap, flags);
                    size_t i = 0;
                    while (i < k && e.handed < len) {
                        btc_status st = rt_line(&e, 1000);
                        cr_assert(st == BTC_OK || st == BTC_ERR_TOO_LARGE, "%s", btc_status_name(st));
                        i++;
                    }
                    uint8_t dst[8];
                    if (j > 0 && e.handed + j <= len)
                        RT_EXPECT(BTC_OK, rt_read(&e, dst, j, 1000));
                    if ((k + j) % 2 == 0)
                        rt_sync(&e);
                    TS_ASSERT_SZ(rt_detach(&e), 0, "nothing held");
                    TS_ASSERT_SZ(e.f.consumed, e.handed, "the socket stands after the data handed over");
                    rt_free(&e);
                }
}

/* ---- system calls ----------------------------------------------------------------------------- */

/* Many short lines already queued: lazy mode costs a few hundredths of a call a line, EXACT about one. */
static double calls_per_line(unsigned flags, size_t line, size_t cap, unsigned long *clock)
{
    enum { LINES = 20000 };
    size_t n = (size_t)LINES * line;
    uint8_t *in = malloc(n);
    cr_assert_not_null(in);
    for (size_t i = 0; i < LINES; i++) {
        fs_pattern(in + i * line, line - 1, (unsigned)i, '\n');
        in[i * line + line - 1] = '\n';
    }
    rt_env e;
    rt_init(&e, in, n, cap, flags);
    kit_counter k;
    cr_assert(kit_counter_init(&k, btc_fake_sys(&e.f)));
    e.s.sys = btc_sys_tap_table(&k.tap);
    TS_CHECK_OK(&e.err, btc_reader_init(&e.r, &e.s, e.win, cap, flags, &e.err));
    for (size_t i = 0; i < LINES; i++) {
        btc_status st = btc_reader_line(&e.r, '\n', 1000, NULL, &e.line, &e.len, &e.err);
        cr_assert_eq(st, BTC_OK, "line %zu: %s", i, e.err.message);
        cr_assert_eq(e.len, line - 1, "line %zu length", i);
    }
    TS_CHECK_OK(&e.err, btc_reader_sync(&e.r, &e.err));
    TS_ASSERT_SZ(e.f.consumed, n, "consumed");
    *clock = k.counts.slot[BTC_SYS_SLOT_now_ms];
    double per = (double)kit_counts_syscalls(&k.counts) / LINES;
    rt_free(&e);
    free(in);
    return per;
}

Test(reader, system_calls_per_line)
{
    unsigned long clock = 0;
    double lazy = calls_per_line(0, 64, 65536, &clock);
    cr_assert_leq(lazy, 0.05, "lazy: %.4f system calls a line", lazy);
    TS_ASSERT_SZ(clock, 0, "clock reads (lazy)");
    double exact = calls_per_line(BTC_READER_EXACT, 64, 65536, &clock);
    cr_assert_leq(exact, 1.2, "EXACT: %.4f system calls a line", exact);
    cr_assert_geq(exact, 1.0, "EXACT: %.4f system calls a line: fewer than one read a line?", exact);
    TS_ASSERT_SZ(clock, 0, "clock reads (EXACT)");
    double small = calls_per_line(0, 64, 4096, &clock);
    cr_assert_leq(small, 0.05, "lazy, 4 KiB window: %.4f system calls a line", small);
    cr_log_info("system calls a line: lazy %.4f, EXACT %.4f, lazy with a 4 KiB window %.4f", lazy, exact, small);
}

/* ---- the randomized differential test against btc_sock_recv_until_terminator ----------------------- */

typedef struct df_event {
    btc_status st;
    size_t at, len; /* stream offset and length of what was handed over */
} df_event;

#define DF_MAX_EVENTS 256

typedef struct df_run {
    df_event ev[DF_MAX_EVENTS];
    size_t n;
    size_t consumed; /* where the socket stands at the end */
} df_run;

typedef struct df_script {
    uint8_t in[2048];
    size_t len;
    size_t cap;
    size_t max_peek;
    size_t narrive;
    size_t arrive_at[6];
    int64_t arrive_dt[6];
    bool reset; /* ends in ECONNRESET instead of EOF */
} df_script;

static void df_make(fs_rng *g, df_script *d)
{
    memset(d, 0, sizeof *d);
    d->cap = 2 + fs_rng_below(g, 40);
    d->max_peek = fs_rng_below(g, 3) == 0 ? 0 : 1 + fs_rng_below(g, 12);
    bool timing = fs_rng_below(g, 2) == 0;
    size_t lines = 1 + fs_rng_below(g, 30);
    for (size_t i = 0; i < lines && d->len + 3 * d->cap < sizeof d->in; i++) {
        /* Lines that do not fit the window only when nothing times out: a timed-out recv_until_terminator
         * hands its bytes back and starts its max_data afresh, the reader holds them within its window. */
        size_t max = timing ? d->cap - 1 : d->cap + 3;
        size_t len = fs_rng_below(g, 4) == 0 ? fs_rng_below(g, max + 1) : fs_rng_below(g, 6);
        if (len > max)
            len = max;
        fs_pattern(d->in + d->len, len, (unsigned)fs_rng_next(g), '\n');
        d->len += len;
        d->in[d->len++] = '\n';
    }
    size_t tail = fs_rng_below(g, 3) == 0 ? fs_rng_below(g, timing ? d->cap - 1 : d->cap + 2) : 0;
    fs_pattern(d->in + d->len, tail, 77, '\n');
    d->len += tail;
    if (timing) {
        d->narrive = 1 + fs_rng_below(g, 6);
        size_t off = 0;
        int64_t dt = 0;
        for (size_t i = 0; i < d->narrive; i++) {
            off += 1 + fs_rng_below(g, d->len / d->narrive + 1);
            dt += 10 + (int64_t)fs_rng_below(g, 60);
            d->arrive_at[i] = off;
            d->arrive_dt[i] = dt;
        }
    }
    d->reset = fs_rng_below(g, 4) == 0;
}

static void df_setup(const df_script *d, btc_fake *f, btc_sock *s)
{
    fs_setup(f, s);
    btc_fake_set_input(f, d->in, d->len);
    btc_fake_set_chunks(f, d->max_peek, 0, 0);
    int64_t last = 0;
    for (size_t i = 0; i < d->narrive; i++) {
        fs_arrive(f, d->arrive_at[i], FS_T0 + d->arrive_dt[i]);
        last = d->arrive_dt[i];
    }
    cr_assert(btc_fake_set_end(f, d->reset ? ECONNRESET : 0, FS_T0 + last));
}

static void df_add(df_run *out, btc_status st, size_t at, size_t len)
{
    cr_assert_lt(out->n, (size_t)DF_MAX_EVENTS, "too many events");
    out->ev[out->n++] = (df_event){st, at, len};
}

static bool df_final(btc_status st) { return st == BTC_ERR_CLOSED || st == BTC_ERR_IO; }

/* The reference: recv_until_terminator, a timed-out call's bytes carried into the next. */
static void df_recv_until(const df_script *d, df_run *out)
{
    btc_fake f;
    btc_sock s;
    df_setup(d, &f, &s);
    char buf[64];
    size_t pos = 0;
    size_t carried = 0;
    for (int guard = 0; guard < 10000; guard++) {
        size_t len = 0;
        btc_error err;
        btc_status st = btc_sock_recv_until_terminator(&s, '\n', 25, NULL, d->cap, buf, &len, 0, &err);
        cr_assert_arr_eq(buf, d->in + pos + carried, len, "recv_until bytes");
        if (st == BTC_ERR_TIMEOUT) {
            carried += len;
            continue;
        }
        df_add(out, st, pos, carried + len);
        pos += carried + len + (st == BTC_OK ? 1 : 0);
        carried = 0;
        if (df_final(st))
            break;
    }
    out->consumed = f.consumed;
}

static void df_reader(const df_script *d, unsigned flags, fs_rng *g, df_run *out)
{
    rt_env e;
    df_setup(d, &e.f, &e.s);
    e.in = d->in;
    e.in_len = d->len;
    e.cap = d->cap;
    e.flags = flags;
    e.handed = 0;
    e.win = malloc(d->cap + RT_GUARD);
    cr_assert_not_null(e.win);
    memset(e.win, RT_CANARY, d->cap + RT_GUARD);
    TS_CHECK_OK(&e.err, btc_reader_init(&e.r, &e.s, e.win, d->cap, flags, &e.err));
    for (int guard = 0; guard < 10000; guard++) {
        size_t at = e.handed;
        btc_status st = rt_line(&e, 25);
        if (fs_rng_below(g, 5) == 0)
            rt_sync(&e); /* syncs anywhere change nothing */
        if (st == BTC_ERR_TIMEOUT)
            continue;
        df_add(out, st, at, e.len);
        if (df_final(st))
            break;
    }
    rt_sync(&e);
    out->consumed = e.f.consumed;
    rt_free(&e);
}

Test(reader, randomized_differential_against_recv_until_terminator)
{
    fs_rng g = {0x5eed1234u};
    static df_script d;
    static df_run want;
    static df_run got;
    for (int round = 0; round < 2000; round++) {
        df_make(&g, &d);
        memset(&want, 0, sizeof want);
        df_recv_until(&d, &want);
        for (unsigned flags = 0; flags <= BTC_READER_EXACT; flags++) {
            memset(&got, 0, sizeof got);
            df_reader(&d, flags, &g, &got);
            if (getenv("DF_DEBUG") != NULL &&
                (got.n != want.n || memcmp(got.ev, want.ev, want.n * sizeof want.ev[0]) != 0)) {
                fprintf(stderr, "round %d mode %u cap %zu peek %zu arrivals %zu reset %d len %zu\n", round, flags,
                        d.cap, d.max_peek, d.narrive, d.reset, d.len);
                for (size_t i = 0; i < want.n || i < got.n; i++)
                    fprintf(stderr, "  %zu: want %s %zu+%zu  got %s %zu+%zu\n", i,
                            i < want.n ? btc_status_name(want.ev[i].st) : "-", want.ev[i].at, want.ev[i].len,
                            i < got.n ? btc_status_name(got.ev[i].st) : "-", got.ev[i].at, got.ev[i].len);
            }
            TS_ASSERT_SZ(got.n, want.n, "events");
            for (size_t i = 0; i < want.n; i++) {
                cr_assert_eq(got.ev[i].st, want.ev[i].st, "round %d mode %u event %zu: %s, recv_until %s", round, flags,
                             i, btc_status_name(got.ev[i].st), btc_status_name(want.ev[i].st));
                TS_ASSERT_SZ(got.ev[i].at, want.ev[i].at, "event offset");
                TS_ASSERT_SZ(got.ev[i].len, want.ev[i].len, "event length");
            }
            TS_ASSERT_SZ(got.consumed, want.consumed, "final socket position");
        }
    }
}
