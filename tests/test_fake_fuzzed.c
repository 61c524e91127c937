/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake_fuzzed.c - btc_fake_fuzz: a fuzzer's bytes as a fake's
 * script. Every byte string is accepted and gives the same script each
 * time; each kind of decision (chunking, errors, lying waits, clock jumps,
 * arrivals, connects, the end) is reached by a byte string built here from
 * the layout in fake.h; and the library keeps its promises (deadlines,
 * statuses, error records) under thousands of random scripts.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(fuzzed, .timeout = 60);

/* The layout's fields, in the order they are read (from the last byte backwards). */
enum { T_END, T_CHUNKS, T_WINDOW, T_CONNECT, T_CONNECT_DELAY, T_ARRIVALS };

/* Step bytes: op in bits 0..2, kind in bits 3..5, repeat (1 << n) in bits 6..7. */
#define STEP(op, kind) ((uint8_t)(BTC_FAKE_##op | BTC_FAKE_##kind << 3))

/* An input: the peer's bytes, then the tail (given in reading order) reversed. */
typedef struct input {
    uint8_t bytes[1024];
    size_t len;
} input;

static void build(input *in, const char *peer, const uint8_t *tail, size_t ntail)
{
    size_t plen = strlen(peer);
    cr_assert_leq(plen + ntail, sizeof in->bytes);
    memcpy(in->bytes, peer, plen);
    for (size_t i = 0; i < ntail; i++)
        in->bytes[plen + i] = tail[ntail - 1 - i];
    in->len = plen + ntail;
}

#define BUILD(in, peer, ...) build((in), (peer), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static btc_status line(const btc_sock *s, int64_t timeout, char *buf, size_t cap, size_t *len, btc_error *err)
{
    return btc_sock_recv_until_terminator(s, '\n', timeout, NULL, cap, buf, len, 0, err);
}

/* What the scripted tests share: a fuzzed fake, its socket, an input, a line buffer. */
typedef struct fx {
    btc_fake f;
    btc_sock s;
    btc_error err;
    char buf[64];
    size_t len;
    input in;
} fx;

static void fx_start(fx *x)
{
    cr_assert_eq(btc_fake_fuzz(&x->f, x->in.bytes, x->in.len), BTC_OK);
    btc_fake_sock(&x->f, &x->s);
    x->len = 0;
}

/* A connect to a loopback address (the fake ignores it; the library checks it is one). */
static btc_status connect_sock(const btc_sock *s, int64_t timeout, btc_error *err)
{
    struct sockaddr_in sa;
    ts_loopback_addr(&sa, 1);
    return btc_sock_connect_timeout(s, (const struct sockaddr *)&sa, (socklen_t)sizeof sa, timeout, NULL, err);
}

static btc_status fx_line(fx *x, int64_t timeout)
{
    return line(&x->s, timeout, x->buf, sizeof x->buf, &x->len, &x->err);
}

Test(fuzzed, a_null_fake_is_refused_and_any_input_is_taken)
{
    static const uint8_t one = 0xff;
    cr_assert_eq(btc_fake_fuzz(NULL, &one, 1), BTC_ERR_INVALID_ARGUMENT);
    btc_fake f;
    cr_assert_eq(btc_fake_fuzz(&f, NULL, 0), BTC_OK);
    cr_assert_eq(btc_fake_fuzz(&f, NULL, 5), BTC_OK, "NULL data reads as no bytes");
    cr_assert_eq(f.in_len, 0);
    cr_assert_eq(btc_fake_fuzz(&f, &one, 0), BTC_OK);
    btc_fake_free(&f);
}

Test(fuzzed, the_empty_input_is_a_peer_that_closes_at_once)
{
    fx x;
    BUILD(&x.in, "", 0);
    x.in.len = 0;
    fx_start(&x);
    cr_assert_eq(x.f.in_len, 0);
    cr_assert_eq(btc_fake_steps_left(&x.f), 0);
    cr_assert_eq(x.f.arrival_count, 0);
    cr_assert_eq(x.f.max_peek + x.f.max_read + x.f.max_send, 0);
    cr_assert_eq(x.f.send_window, SIZE_MAX);
    TS_ASSERT_STATUS(fx_line(&x, 1000), BTC_ERR_CLOSED, &x.err);
    TS_ASSERT_STATUS(btc_sock_send_complete(&x.s, "x", 1, 1000, NULL, &x.err), BTC_OK, &x.err);
    btc_fake_free(&x.f);
}

Test(fuzzed, a_zero_tail_leaves_the_peer_bytes_plain)
{
    fx x;
    BUILD(&x.in, "+PONG\r\nrest", 0, 0, 0, 0, 0, 0, 0);
    fx_start(&x);
    cr_assert_eq(x.f.in_len, 11);
    cr_assert(x.f.in == x.in.bytes, "the peer's bytes point into the input, not a copy");
    TS_ASSERT_STATUS(fx_line(&x, 1000), BTC_OK, &x.err);
    cr_assert_str_eq(x.buf, "+PONG\r");
    cr_assert_eq(x.f.consumed, 7, "nothing read past the terminator");
    btc_fake_free(&x.f);
}

Test(fuzzed, chunking_gives_a_peer_that_dribbles)
{
    fx x;
    /* peek chunk code 1 (1 byte), send chunk code 2 (2 bytes), reads as peeks */
    BUILD(&x.in, "hello world\n", 0, (uint8_t)(1u | 2u << 3 | 1u << 6), 0, 0, 0, 0, 0);
    fx_start(&x);
    cr_assert_eq(x.f.max_peek, 1);
    cr_assert_eq(x.f.max_send, 2);
    cr_assert_eq(x.f.max_read, 1);
    TS_ASSERT_STATUS(fx_line(&x, 1000), BTC_OK, &x.err);
    cr_assert_str_eq(x.buf, "hello world");
    cr_assert_geq(fs_calls(&x.f, BTC_FAKE_PEEK), 12, "one peek a byte: %lu peeks", fs_calls(&x.f, BTC_FAKE_PEEK));
    TS_ASSERT_STATUS(btc_sock_send_complete(&x.s, "abcde", 5, 1000, NULL, &x.err), BTC_OK, &x.err);
    cr_assert_eq(fs_calls(&x.f, BTC_FAKE_SEND), 3, "5 bytes 2 at a time");
    btc_fake_free(&x.f);
}

Test(fuzzed, a_failed_send_uses_a_real_send_error)
{
    fx x;
    /* one step: SEND FAIL, value 3 = ECONNRESET in the send list */
    BUILD(&x.in, "", 0, 0, 0, 0, 0, 0, 1, STEP(SEND, FAIL), 3);
    fx_start(&x);
    cr_assert_eq(btc_fake_steps_left(&x.f), 1);
    TS_ASSERT_STATUS(btc_sock_send_complete(&x.s, "ping", 4, 1000, NULL, &x.err), BTC_ERR_IO, &x.err);
    cr_assert_eq(x.err.code, ECONNRESET);
    TS_ASSERT_RECORD(BTC_ERR_IO, x.err);
    btc_fake_free(&x.f);
}

Test(fuzzed, every_value_byte_of_a_fail_step_is_a_code_of_its_list)
{
    fx x;
    /* A transient code is retried, a permanent one reported: whichever, the step's call sees a real code. */
    for (unsigned b = 0; b < 256; b++) {
        for (unsigned op = 0; op < BTC_FAKE_OP_COUNT; op++) {
            BUILD(&x.in, "", 0, 0, 0, 0, 0, 0, 1, (uint8_t)(op | (unsigned)BTC_FAKE_FAIL << 3), (uint8_t)b);
            cr_assert_eq(btc_fake_fuzz(&x.f, x.in.bytes, x.in.len), BTC_OK);
            int64_t code = x.f.steps[0].value;
            cr_assert(code > 0 && code < 100000, "op %u byte %u: code %lld", op, b, (long long)code);
            cr_assert_eq(x.f.steps[0].op, (btc_fake_op)op);
            cr_assert_eq(x.f.steps[0].kind, BTC_FAKE_FAIL);
            btc_fake_free(&x.f);
        }
    }
}

Test(fuzzed, the_end_can_be_a_reset_or_never)
{
    fx x;
    BUILD(&x.in, "partial", 0x01, 0, 0, 0, 0, 0, 0); /* ECONNRESET at once */
    fx_start(&x);
    TS_ASSERT_STATUS(fx_line(&x, 1000), BTC_ERR_IO, &x.err);
    cr_assert_eq(x.err.code, ECONNRESET);
    cr_assert_eq(x.len, 7, "the partial line is handed back");
    btc_fake_free(&x.f);

    BUILD(&x.in, "partial", 0xf0, 0, 0, 0, 0, 0, 0); /* EOF never: a silent peer */
    fx_start(&x);
    TS_ASSERT_STATUS(fx_line(&x, 300), BTC_ERR_TIMEOUT, &x.err);
    TS_ASSERT_I64(x.f.now_ms, FS_T0 + 300, "virtual time after the timeout");
    btc_fake_free(&x.f);

    BUILD(&x.in, "partial", 0x32, 0, 0, 0, 0, 0, 0); /* ETIMEDOUT 300 ms in */
    fx_start(&x);
    TS_ASSERT_STATUS(fx_line(&x, 5000), BTC_ERR_IO, &x.err);
    cr_assert_eq(x.err.code, ETIMEDOUT);
    TS_ASSERT_I64(x.f.now_ms, FS_T0 + 300, "the end came when scripted");
    btc_fake_free(&x.f);
}

Test(fuzzed, a_false_ready_wait_is_followed_by_eagain)
{
    fx x;
    /* a silent peer; one WAIT FALSE_READY step */
    BUILD(&x.in, "", 0xf0, 0, 0, 0, 0, 0, 1, STEP(WAIT, FALSE_READY), 0);
    fx_start(&x);
    cr_assert_eq(btc_fake_trace_start(&x.f), BTC_OK);
    TS_ASSERT_STATUS(fx_line(&x, 200), BTC_ERR_TIMEOUT, &x.err);
    bool lied = false;
    bool after_ready = false; /* the peer is silent: any wait that reports readiness lies */
    for (size_t i = 0; i < btc_fake_trace_count(&x.f); i++) {
        const btc_fake_call *c = btc_fake_trace_at(&x.f, i);
        if (c->slot == BTC_SYS_SLOT_wait)
            after_ready = c->result > 0;
        else if (c->slot == BTC_SYS_SLOT_recv && after_ready)
            lied = lied || c->error == EAGAIN;
    }
    cr_assert(lied, "no wait reported ready before a recv said EAGAIN");
    TS_ASSERT_I64(x.f.now_ms, FS_T0 + 200, "the lie cost no deadline");
    btc_fake_free(&x.f);
}

Test(fuzzed, a_spurious_wake_up_and_a_clock_jump)
{
    fx x;
    /* silent peer; WAIT SPURIOUS 20 ms, then a WAIT ADVANCE of (131 - 127) x 250 = 1000 ms */
    BUILD(&x.in, "", 0xf0, 0, 0, 0, 0, 0, 2, STEP(WAIT, SPURIOUS), 20, STEP(WAIT, ADVANCE), 131);
    fx_start(&x);
    cr_assert_eq(x.f.steps[0].kind, BTC_FAKE_SPURIOUS);
    cr_assert_eq(x.f.steps[0].value, 20);
    cr_assert_eq(x.f.steps[1].kind, BTC_FAKE_ADVANCE);
    cr_assert_eq(x.f.steps[1].value, 1000);
    TS_ASSERT_STATUS(fx_line(&x, 500), BTC_ERR_TIMEOUT, &x.err);
    cr_assert_geq(x.f.now_ms, FS_T0 + 1000, "the clock jumped: %lld", (long long)x.f.now_ms);
    cr_assert_geq(fs_calls(&x.f, BTC_FAKE_WAIT), 2, "the spurious wake-up was waited again");
    btc_fake_free(&x.f);
}

Test(fuzzed, arrivals_come_in_stages)
{
    fx x;
    /* stage 1: offset 3 after 10 x 10 ms; stage 2: offset 3 + 2 + 1 = 6 after another 5 x 10 ms */
    BUILD(&x.in, "abcdefgh\n", 0, 0, 0, 0, 0, 2, 3, 10, 2, 5, 0);
    fx_start(&x);
    cr_assert_eq(x.f.arrival_count, 2);
    cr_assert_eq(x.f.arrivals[0].offset, 3);
    TS_ASSERT_I64(x.f.arrivals[0].at_ms, FS_T0 + 100, "first stage");
    cr_assert_eq(x.f.arrivals[1].offset, 6);
    TS_ASSERT_I64(x.f.arrivals[1].at_ms, FS_T0 + 150, "second stage");
    cr_assert_eq(btc_fake_readable(&x.f), 3);
    TS_ASSERT_STATUS(fx_line(&x, 1000), BTC_OK, &x.err);
    cr_assert_str_eq(x.buf, "abcdefgh");
    TS_ASSERT_I64(x.f.now_ms, FS_T0 + 150, "done when the last stage arrived");
    btc_fake_free(&x.f);
}

Test(fuzzed, a_connect_in_progress_ends_with_its_so_error)
{
    fx x;
    /* connect: EINPROGRESS (1), SO_ERROR ECONNREFUSED (1 << 4); completes 5 x 10 ms in */
    BUILD(&x.in, "", 0, 0, 0, 0x11, 5, 0, 0);
    fx_start(&x);
    cr_assert_eq(x.f.connect_error, EINPROGRESS);
    cr_assert_eq(x.f.connect_so_error, ECONNREFUSED);
    TS_ASSERT_STATUS(connect_sock(&x.s, 1000, &x.err), BTC_ERR_IO, &x.err);
    cr_assert_eq(x.err.code, ECONNREFUSED);
    TS_ASSERT_I64(x.f.now_ms, FS_T0 + 50, "refused when the connect completed");
    btc_fake_free(&x.f);

    BUILD(&x.in, "", 0, 0, 0, 0x01, 5, 0, 0); /* in progress, then connected */
    fx_start(&x);
    TS_ASSERT_STATUS(connect_sock(&x.s, 1000, &x.err), BTC_OK, &x.err);
    btc_fake_free(&x.f);
}

/*
 * A connect in progress that ends with an SO_ERROR, then a read: the kernel
 * fails the read with the pending error. (The fake once reported the error
 * as readiness while its recv said EAGAIN, so a waiting read spun at one
 * virtual instant; this found it.)
 */
Test(fuzzed, a_read_after_a_failed_connect_ends)
{
    fx x;
    /* a silent peer; connect in progress, SO_ERROR ENETUNREACH (4 << 4) 50 ms in */
    BUILD(&x.in, "", 0xf0, 0, 0, 0x41, 5, 0, 0);
    fx_start(&x);
    TS_ASSERT_STATUS(connect_sock(&x.s, 10, &x.err), BTC_ERR_TIMEOUT, &x.err);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&x.s, x.buf, 4, 1000, NULL, &x.err), BTC_ERR_IO, &x.err);
    cr_assert_eq(x.err.code, ENETUNREACH);
    btc_fake_free(&x.f);
}

Test(fuzzed, the_send_window_and_repeated_steps_past_the_fixed_array)
{
    fx x;
    /* window (3 - 1) x 8 = 16 bytes; 255 steps, each PEEK PASS repeated 8 times */
    uint8_t tail[7 + 2 * 255] = {0, 0, 3, 0, 0, 0, 255};
    for (size_t i = 0; i < 255; i++) {
        tail[7 + 2 * i] = (uint8_t)(STEP(PEEK, PASS) | 3u << 6);
        tail[8 + 2 * i] = 0;
    }
    build(&x.in, "", tail, sizeof tail);
    fx_start(&x);
    cr_assert_eq(x.f.send_window, 16);
    cr_assert_eq(btc_fake_steps_left(&x.f), 255 * 8, "%zu steps", btc_fake_steps_left(&x.f));
    uint8_t data[40] = {0};
    TS_ASSERT_STATUS(btc_sock_send_complete(&x.s, data, sizeof data, 100, NULL, &x.err), BTC_ERR_TIMEOUT, &x.err);
    cr_assert_eq(x.err.bytes, 16, "the peer took its window");
    btc_fake_free(&x.f);
}

/* ---- random scripts ----------------------------------------------------------------------- */

/* A random input: mostly text-like peer bytes with a random tail, or random bytes throughout. */
static void random_input(fs_rng *r, input *in)
{
    in->len = fs_rng_below(r, 200);
    for (size_t i = 0; i < in->len; i++)
        in->bytes[i] = (uint8_t)fs_rng_next(r);
    if (fs_rng_below(r, 2) == 0 && in->len > 0) {
        /* lines at the front, a tail with few steps (a random count byte would eat the whole input) */
        for (size_t i = 0; i < in->len / 2; i++)
            in->bytes[i] = fs_rng_below(r, 8) == 0 ? '\n' : (uint8_t)('a' + fs_rng_below(r, 26));
        if (in->len > 7)
            in->bytes[in->len - 7] = (uint8_t)fs_rng_below(r, 5);
    }
}

/* The clock jumps a script may make (the library cannot be held to a deadline across those). */
static int64_t scripted_jumps(const btc_fake *f)
{
    int64_t sum = 0;
    for (size_t i = 0; i < f->step_count; i++) {
        const btc_fake_step *st = i < BTC_FAKE_MAX_STEPS
                                      ? &f->steps[i]
                                      : &((const btc_fake_step *)f->steps_more.data)[i - BTC_FAKE_MAX_STEPS];
        if (st->kind == BTC_FAKE_ADVANCE)
            sum += st->value;
    }
    return sum;
}

typedef struct session {
    btc_status st[5];
    size_t bytes[5];
    int code[5];
    int64_t end_ms;
} session;

/*
 * A small client's life over a fuzzed fake: a greeting, a reply line, 4
 * exact bytes, a probe; and, on a second fake from the same bytes, a
 * connect (see a_read_after_a_failed_connect_ends for why apart). Every
 * result is checked: a valid status, a well-formed record, bytes handed back
 * as consumed, OK only with what was asked for, and the virtual time at
 * return within the timeout plus the script's own clock jumps.
 */
static void run_session(btc_fake *f, btc_fake *fc, const input *in, session *out, bool trace)
{
    btc_sock s;
    btc_error err;
    char buf[64];
    size_t len = 0;
    memset(out, 0, sizeof *out);
    cr_assert_eq(btc_fake_fuzz(fc, in->bytes, in->len), BTC_OK);
    cr_assert_eq(btc_fake_fuzz(f, in->bytes, in->len), BTC_OK);
    if (trace)
        cr_assert_eq(btc_fake_trace_start(f), BTC_OK);
    static const int64_t timeouts[5] = {300, 200, 500, 100, 0};
    for (int k = 0; k < 5; k++) {
        btc_fake *on = k == 0 ? fc : f;
        btc_fake_sock(on, &s);
        int64_t jumps = scripted_jumps(on);
        int64_t start = on->now_ms;
        size_t consumed = on->consumed;
        btc_status st;
        switch (k) {
        case 0:
            st = connect_sock(&s, timeouts[k], &err);
            break;
        case 1:
            st = btc_sock_send_complete(&s, "HELLO\n", 6, timeouts[k], NULL, &err);
            cr_assert_leq(err.bytes, 6);
            break;
        case 2:
            st = line(&s, timeouts[k], buf, sizeof buf, &len, &err);
            cr_assert_eq(on->consumed - consumed, err.bytes, "consumed bytes are handed back");
            cr_assert(st != BTC_OK || (len < sizeof buf && buf[len] == '\0' && on->in[consumed + len] == '\n'),
                      "OK without a whole line");
            break;
        case 3:
            st = btc_sock_recv_exact(&s, buf, 4, timeouts[k], NULL, &err);
            cr_assert(st != BTC_OK || err.bytes == 4, "OK short of 4 bytes");
            break;
        default:
            st = btc_sock_is_connected(&s, &err);
            break;
        }
        cr_assert((unsigned)st < BTC_STATUS_COUNT, "step %d: status %d", k, (int)st);
        TS_ASSERT_RECORD(st, err);
        cr_assert_leq(on->now_ms, start + timeouts[k] + jumps,
                      "step %d (%s) ended at %lld, began at %lld, timeout %lld", k, btc_status_name(st),
                      (long long)on->now_ms, (long long)start, (long long)timeouts[k]);
        out->st[k] = st;
        out->bytes[k] = err.bytes;
        out->code[k] = err.code;
    }
    out->end_ms = f->now_ms;
}

Test(fuzzed, thousands_of_random_inputs_keep_every_promise)
{
    fs_rng r = {0x9e3779b97f4a7c15ull};
    input in;
    for (int i = 0; i < 4000; i++) {
        random_input(&r, &in);
        btc_fake f;
        btc_fake fc;
        session ses;
        run_session(&f, &fc, &in, &ses, false);
        btc_fake_free(&f);
        btc_fake_free(&fc);
    }
}

Test(fuzzed, the_same_bytes_give_the_same_run)
{
    fs_rng r = {42};
    input in;
    for (int i = 0; i < 300; i++) {
        random_input(&r, &in);
        btc_fake a;
        btc_fake b;
        btc_fake c;
        session sa;
        session sb;
        run_session(&a, &c, &in, &sa, true);
        btc_fake_free(&c);
        run_session(&b, &c, &in, &sb, true);
        btc_fake_free(&c);
        cr_assert_eq(memcmp(&sa, &sb, sizeof sa), 0, "input %d: two runs differ", i);
        cr_assert_eq(btc_fake_trace_count(&a), btc_fake_trace_count(&b));
        for (size_t k = 0; k < btc_fake_trace_count(&a); k++) {
            const btc_fake_call *ca = btc_fake_trace_at(&a, k);
            const btc_fake_call *cb = btc_fake_trace_at(&b, k);
            cr_assert(ca->slot == cb->slot && ca->len == cb->len && ca->flags == cb->flags &&
                          ca->result == cb->result && ca->error == cb->error && ca->at_ms == cb->at_ms,
                      "input %d: call %zu differs", i, k);
        }
        btc_fake_free(&a);
        btc_fake_free(&b);
    }
}
