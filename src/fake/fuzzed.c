/* SPDX-License-Identifier: MIT */
/*
 * src/fake/fuzzed.c - btc_fake_fuzz: a fuzzer's byte string turned into a
 * fake's script, as Bitcoin Core builds its FuzzedSock from a
 * FuzzedDataProvider. The layout is documented with the declaration in
 * include/btcsock/fake.h; this file is its only reader.
 *
 * Why this layout: the parameters are read from the end, one byte per
 * decision, and the peer's bytes are whatever is left at the front. A
 * mutation of the peer's bytes (a dictionary word inserted, a line grown)
 * then leaves every decision as it was, and a decision byte changes one
 * behaviour. Every value a byte can take means something (tables are
 * indexed modulo their length), so no input is wasted or refused; the
 * error codes come from short lists of what a kernel really returns for
 * that kind of call, and end errors only from permanent ones (the fake's
 * rule: the end is terminal).
 *
 * Only the fake's public functions are used: the script is one any test
 * could write by hand.
 */
#include <errno.h>

#include "fake_internal.h"

/* The tail: read backwards from the end; a byte past the front reads as 0. */
typedef struct fuzz_tail {
    const uint8_t *data;
    size_t left; /* bytes not yet taken: the peer's bytes are data[0..left) */
} fuzz_tail;

static uint8_t take(fuzz_tail *t)
{
    if (t->left == 0)
        return 0;
    t->left--;
    return t->data[t->left];
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(table, b) ((table)[(size_t)(b) % COUNT(table)])

/* How the input ends (0: EOF); all permanent, as btc_fake_set_end requires. */
static const int end_errors[] = {0, ECONNRESET, ETIMEDOUT, EPIPE, ECONNABORTED, ENOTCONN, EHOSTUNREACH, ENETUNREACH};

/* What one peek, read or send moves at most (0: no limit). */
static const size_t chunk_sizes[] = {0, 1, 2, 3, 4, 7, 16, 100};

/* A connect's immediate result (0: connected; transient: in progress) and the SO_ERROR it ends with. */
static const int connect_errors[] = {0,           EINPROGRESS,  ECONNREFUSED, ETIMEDOUT,
                                     ENETUNREACH, EHOSTUNREACH, EINTR,        EADDRNOTAVAIL};
static const int so_errors[] = {0,           ECONNREFUSED, ETIMEDOUT,    EHOSTUNREACH,
                                ENETUNREACH, ECONNRESET,   ECONNABORTED, EACCES};

/* What a FAIL step fails a call with, per kind of call. */
static const int send_errors[] = {EAGAIN, EINTR, EPIPE, ECONNRESET, ENOBUFS, ETIMEDOUT, ENOMEM, ENOTCONN};
static const int recv_errors[] = {EAGAIN, EINTR, ECONNRESET, ETIMEDOUT, ENOMEM, ECONNREFUSED, ENOTCONN, ECONNABORTED};
static const int wait_errors[] = {EINTR, ENOMEM, EAGAIN};
static const int other_errors[] = {EINTR, ENOMEM, EINPROGRESS, ECONNREFUSED, ETIMEDOUT, ENOBUFS, EMFILE, EACCES};
/* ANY steps meet whichever call comes next: only what any call may give. */
static const int any_errors[] = {EINTR, EAGAIN, ENOMEM};

/* Virtual time units of the layout. */
#define FUZZ_END_UNIT_MS 100
#define FUZZ_END_NEVER 15U
#define FUZZ_WINDOW_UNIT 8U
#define FUZZ_DELAY_UNIT_MS 10
#define FUZZ_BIG_ADVANCE_MS 250

static int step_error(btc_fake_op op, uint8_t b)
{
    switch (op) {
    case BTC_FAKE_SEND:
        return PICK(send_errors, b);
    case BTC_FAKE_PEEK:
    case BTC_FAKE_READ:
        return PICK(recv_errors, b);
    case BTC_FAKE_WAIT:
        return PICK(wait_errors, b);
    case BTC_FAKE_OTHER:
        return PICK(other_errors, b);
    default:
        return PICK(any_errors, b); /* ANY, and CLOCK (whose calls ignore a FAIL) */
    }
}

/* A step's value from its value byte, as its kind reads it. */
static int64_t step_value(btc_fake_op op, btc_fake_kind kind, uint8_t b)
{
    switch (kind) {
    case BTC_FAKE_LIMIT:
    case BTC_FAKE_SPURIOUS:
        return b;
    case BTC_FAKE_FAIL:
        return step_error(op, b);
    case BTC_FAKE_ADVANCE:
        /* Small jumps to land inside a deadline, big ones to leap past it. */
        return b < 128 ? b : (int64_t)(b - 127) * FUZZ_BIG_ADVANCE_MS;
    default:
        return 0;
    }
}

static void fuzz_end(btc_fake *f, uint8_t b)
{
    unsigned when = (unsigned)b >> 4;
    int64_t at = when == FUZZ_END_NEVER ? INT64_MAX : f->now_ms + (int64_t)when * FUZZ_END_UNIT_MS;
    (void)btc_fake_set_end(f, PICK(end_errors, b & 0x0fU), at); /* cannot refuse: every code is permanent */
}

static void fuzz_chunks(btc_fake *f, uint8_t b)
{
    size_t peek = PICK(chunk_sizes, b & 7U);
    size_t send = PICK(chunk_sizes, (b >> 3) & 7U);
    size_t read_modes[] = {0, peek, 1, 7};
    btc_fake_set_chunks(f, peek, read_modes[b >> 6], send);
}

static void fuzz_connect(btc_fake *f, uint8_t b, uint8_t delay)
{
    btc_fake_set_connect(f, PICK(connect_errors, b & 0x0fU), PICK(so_errors, b >> 4),
                         f->now_ms + (int64_t)delay * FUZZ_DELAY_UNIT_MS);
}

/* Arrival stages: offsets and times both grow from stage to stage. */
static btc_status fuzz_arrivals(btc_fake *f, fuzz_tail *t)
{
    unsigned n = take(t) & 0x0fU;
    size_t offset = 0;
    int64_t at = f->now_ms;
    for (unsigned i = 0; i < n; i++) {
        offset += take(t) + (i > 0 ? 1U : 0U);
        at += (int64_t)take(t) * FUZZ_DELAY_UNIT_MS;
        btc_status st = btc_fake_add_arrival(f, offset, at);
        if (st != BTC_OK)
            return st;
    }
    return BTC_OK;
}

static btc_status fuzz_steps(btc_fake *f, fuzz_tail *t)
{
    unsigned n = take(t);
    for (unsigned i = 0; i < n; i++) {
        uint8_t what = take(t);
        uint8_t b = take(t);
        btc_fake_op op = (btc_fake_op)((what & 7U) % (unsigned)BTC_FAKE_OP_COUNT);
        btc_fake_kind kind = (btc_fake_kind)((((unsigned)what >> 3) & 7U) % (unsigned)BTC_FAKE_KIND_COUNT);
        unsigned repeat = 1U << (what >> 6);
        for (unsigned r = 0; r < repeat; r++) {
            btc_status st = btc_fake_add_step(f, op, kind, step_value(op, kind, b));
            if (st != BTC_OK)
                return st;
        }
    }
    return BTC_OK;
}

btc_status btc_fake_fuzz(btc_fake *f, const uint8_t *data, size_t size)
{
    if (f == NULL)
        return BTC_ERR_INVALID_ARGUMENT;
    btc_fake_init(f);
    fuzz_tail t = {data, data == NULL ? 0 : size};
    fuzz_end(f, take(&t));
    fuzz_chunks(f, take(&t));
    uint8_t window = take(&t);
    if (window != 0)
        btc_fake_set_send_window(f, (size_t)(window - 1U) * FUZZ_WINDOW_UNIT);
    uint8_t connect = take(&t);
    fuzz_connect(f, connect, take(&t));
    btc_status st = fuzz_arrivals(f, &t);
    if (st == BTC_OK)
        st = fuzz_steps(f, &t);
    btc_fake_set_input(f, t.left > 0 ? data : NULL, t.left);
    return st;
}
