/*
 * tests/test_fault_sweep.c - curl's "torture" idea applied to system calls.
 *
 * For each high-level operation (recv_until_terminator, send_complete,
 * is_connected, btc_sock_wait) and each scenario below, the operation is
 * first run unfaulted through a tracing shim around a btc_fake, which records
 * every slot call it makes (its kind, and what the fake had consumed, sent
 * and made visible at that moment). Then, for k = 1, 2, ... the k-th slot call
 * is failed (k - 1 BTC_FAKE_ANY PASS steps, then one FAIL step) with each
 * errno of FS_ERRNOS, and separately turned into a peer close (an EOF step)
 * and into an interrupt trigger, until the operation no longer reaches call k
 * (the step is left unconsumed).
 *
 * Because the first k - 1 calls of a faulted run are exactly those of the
 * unfaulted one, the kind of call k is known from the trace, and the outcome
 * the contract gives is exact:
 *  - a clock read: a failing clock is ignored by the fake, so the run is the
 *    unfaulted run (status, bytes, buffer, everything);
 *  - a transient errno (EINTR, EAGAIN, EWOULDBLOCK, EINPROGRESS) on a data or
 *    wait call: the same result as the unfaulted run (no virtual time passes
 *    on the retry, so time always allows); is_connected says BTC_OK;
 *  - a permanent errno on a data or wait call: BTC_ERR_IO with err.code ==
 *    errno and exactly the bytes moved before call k (btc_sock_wait alone
 *    turns ENOMEM into BTC_ERR_NO_MEMORY, as its header says);
 *  - an EOF at call k: the peer closes with whatever had arrived by then; if
 *    the operation makes another data or wait call (at k or later) it sees the
 *    close: recv gets BTC_ERR_CLOSED with every visible byte (or its line, if
 *    the whole line had arrived), send gets BTC_ERR_IO/EPIPE, a wait wakes
 *    with ERR, is_connected says CLOSED unless data is waiting; otherwise the
 *    result is the unfaulted one.
 * Every case also checks exact byte accounting (recv: *len == err.bytes ==
 * consumed and buf holds exactly those input bytes; send: err.bytes == sent
 * and the record equals data[0..sent)), zero over-read, and that nothing was
 * written past the caller's buffer.
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(fault_sweep, .timeout = 120);

/* ---- the errno list ---------------------------------------------------------- */

/* The contract's classification, written out here rather than asked of btc_io_error_is_permanent. */
typedef struct fs_errno {
    int code;
    const char *name;
    bool transient;
} fs_errno;

static const fs_errno FS_ERRNOS[] = {
    {EINTR, "EINTR", true},
    {EAGAIN, "EAGAIN", true},
    {EWOULDBLOCK, "EWOULDBLOCK", true},
    {EINPROGRESS, "EINPROGRESS", true},
    {ECONNRESET, "ECONNRESET", false},
    {EPIPE, "EPIPE", false},
    {EBADF, "EBADF", false},
    {ENOTCONN, "ENOTCONN", false},
    {ENOBUFS, "ENOBUFS", false},
    {ENOMEM, "ENOMEM", false},
};
#define FS_ERRNO_COUNT (sizeof FS_ERRNOS / sizeof FS_ERRNOS[0])

/* What call k is turned into. */
typedef enum sw_fault { SW_NONE, SW_FAIL, SW_EOF, SW_INTERRUPT } sw_fault;

/* ---- a tracing shim around a btc_fake ----------------------------------------- */

#define SW_MAX_CALLS 400

typedef struct sw_call {
    btc_fake_op op;  /* SEND, PEEK, READ, WAIT, CLOCK or OTHER */
    size_t consumed; /* the fake's record just before the call */
    size_t sent;
    size_t visible; /* input bytes that had arrived (consumed + readable) */
} sw_call;

typedef struct sw_shim {
    btc_sys sys; /* forwards every slot to fake->sys; ctx = this shim */
    btc_fake *fake;
    sw_call calls[SW_MAX_CALLS];
    size_t ncalls; /* every call, even past SW_MAX_CALLS (then not recorded) */
    size_t drain;  /* > 0: each wait first opens the send window by this much (a peer that reads) */
} sw_shim;

static sw_shim *sw_of(void *ctx) { return (sw_shim *)ctx; }

static const btc_sys *sw_inner(const sw_shim *sh) { return btc_fake_sys(sh->fake); }

static void sw_record(sw_shim *sh, btc_fake_op op)
{
    if (sh->ncalls < SW_MAX_CALLS) {
        sw_call *c = &sh->calls[sh->ncalls];
        c->op = op;
        c->consumed = sh->fake->consumed;
        c->sent = sh->fake->sent;
        c->visible = sh->fake->consumed + btc_fake_readable(sh->fake);
    }
    sh->ncalls++;
}

static btc_socket_t sw_open(void *ctx, int domain, int type, int protocol)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->open(in->ctx, domain, type, protocol);
}

static int sw_socketpair(void *ctx, btc_socket_t out[2])
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->socketpair(in->ctx, out);
}

static int sw_close(void *ctx, btc_socket_t s)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->close(in->ctx, s);
}

static btc_ssize_t sw_send(void *ctx, btc_socket_t s, const void *buf, size_t len, int flags)
{
    sw_record(sw_of(ctx), BTC_FAKE_SEND);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->send(in->ctx, s, buf, len, flags);
}

static btc_ssize_t sw_recv(void *ctx, btc_socket_t s, void *buf, size_t len, int flags)
{
    sw_record(sw_of(ctx), (flags & MSG_PEEK) != 0 ? BTC_FAKE_PEEK : BTC_FAKE_READ);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->recv(in->ctx, s, buf, len, flags);
}

static int sw_connect(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->connect(in->ctx, s, addr, len);
}

static int sw_bind(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->bind(in->ctx, s, addr, len);
}

static int sw_listen(void *ctx, btc_socket_t s, int backlog)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->listen(in->ctx, s, backlog);
}

static btc_socket_t sw_accept(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->accept(in->ctx, s, addr, len);
}

static int sw_getsockopt(void *ctx, btc_socket_t s, int level, int name, void *val, socklen_t *len)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->getsockopt(in->ctx, s, level, name, val, len);
}

static int sw_setsockopt(void *ctx, btc_socket_t s, int level, int name, const void *val, socklen_t len)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->setsockopt(in->ctx, s, level, name, val, len);
}

static int sw_getsockname(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->getsockname(in->ctx, s, addr, len);
}

static int sw_set_non_blocking(void *ctx, btc_socket_t s)
{
    sw_record(sw_of(ctx), BTC_FAKE_OTHER);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->set_non_blocking(in->ctx, s);
}

static int sw_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    sw_shim *sh = sw_of(ctx);
    sw_record(sh, BTC_FAKE_WAIT);
    if (sh->drain > 0) {
        btc_fake_set_send_window(sh->fake, sh->fake->send_window + sh->drain);
    }
    const btc_sys *in = sw_inner(sh);
    return in->wait(in->ctx, items, count, wake, timeout_ms);
}

/* Not a slot call the fake counts: forwarded unrecorded. */
static int sw_last_error(void *ctx)
{
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->last_error(in->ctx);
}

static int64_t sw_now_ms(void *ctx)
{
    sw_record(sw_of(ctx), BTC_FAKE_CLOCK);
    const btc_sys *in = sw_inner(sw_of(ctx));
    return in->now_ms(in->ctx);
}

static void sw_shim_init(sw_shim *sh, btc_fake *f, size_t drain)
{
    memset(sh, 0, sizeof *sh);
    sh->fake = f;
    sh->drain = drain;
    btc_sys t = {
        .version = BTC_SYS_VERSION,
        .ctx = sh,
        .open = sw_open,
        .socketpair = sw_socketpair,
        .close = sw_close,
        .send = sw_send,
        .recv = sw_recv,
        .connect = sw_connect,
        .bind = sw_bind,
        .listen = sw_listen,
        .accept = sw_accept,
        .getsockopt = sw_getsockopt,
        .setsockopt = sw_setsockopt,
        .getsockname = sw_getsockname,
        .set_non_blocking = sw_set_non_blocking,
        .wait = sw_wait,
        .last_error = sw_last_error,
        .now_ms = sw_now_ms,
    };
    sh->sys = t;
}

static const char *sw_op_name(btc_fake_op op)
{
    switch (op) {
    case BTC_FAKE_SEND:
        return "SEND";
    case BTC_FAKE_PEEK:
        return "PEEK";
    case BTC_FAKE_READ:
        return "READ";
    case BTC_FAKE_WAIT:
        return "WAIT";
    case BTC_FAKE_CLOCK:
        return "CLOCK";
    case BTC_FAKE_OTHER:
        return "OTHER";
    case BTC_FAKE_ANY:
    case BTC_FAKE_OP_COUNT:
        break;
    }
    return "?";
}

/* ---- scenarios ----------------------------------------------------------------- */

typedef enum sw_kind { SW_RECV, SW_SEND, SW_CONN, SW_WAIT } sw_kind;

#define SW_MAX_ARRIVALS 6

typedef struct sw_scn {
    const char *name;
    /* the peer */
    const uint8_t *in;
    size_t in_len;
    size_t arrive_off[SW_MAX_ARRIVALS]; /* input from arrive_off[i] on arrives at FS_T0 + arrive_dt[i] */
    int64_t arrive_dt[SW_MAX_ARRIVALS];
    size_t narrive;
    bool end_now;    /* EOF (or end_error) at FS_T0; otherwise the peer stays silent after the input */
    int end_error;   /* with end_now: 0 = EOF, else this permanent error */
    size_t max_peek; /* kernel chunking, 0 = unlimited */
    size_t max_read;
    size_t max_send;
    size_t window;    /* send window, 0 = unlimited */
    bool window_full; /* the peer accepts nothing at all */
    size_t drain;     /* bytes the peer reads per wait (opens the window) */
    /* the call */
    int64_t timeout_ms;
    size_t max_data;     /* recv */
    unsigned flags;      /* recv */
    const uint8_t *data; /* send */
    size_t data_len;
    btc_events requested; /* wait */
    btc_status want;      /* the unfaulted status (checked first) */
} sw_scn;

/* One run's outcome. */
typedef struct sw_out {
    btc_status st;
    btc_error err;
    size_t len;
    btc_events occurred;
    size_t consumed;
    size_t sent;
    size_t steps_left;
    size_t ncalls;
} sw_out;

/* Asserts two sizes are equal, naming the case. */
#define SW_ASSERT_SZ(got, want, what, desc)                                                                     \
    cr_assert_eq((size_t)(got), (size_t)(want), "%s: %s: got %zu, expected %zu", (what), (desc), (size_t)(got), \
                 (size_t)(want))

#define SW_GUARD 32
#define SW_CANARY 0xa5
#define SW_OUT_CAP 8192

/* Buffers shared by every run (the suite runs one test per process). */
static char sw_buf[8192 + SW_GUARD];
static uint8_t sw_rec[SW_OUT_CAP + SW_GUARD];

/*
 * Runs scenario c once. fault: SW_NONE, or call k becomes a FAIL with `code`,
 * an EOF, or an interrupt trigger. intr (may be NULL) is attached to the fake
 * and passed to the operation.
 */
static void sw_run(sw_kind kind, const sw_scn *c, sw_fault fault, size_t k, int code, btc_interrupt *intr, sw_shim *sh,
                   btc_fake *f, sw_out *o)
{
    btc_fake_init(f);
    btc_fake_set_input(f, c->in, c->in_len);
    for (size_t i = 0; i < c->narrive; i++) {
        fs_arrive(f, c->arrive_off[i], FS_T0 + c->arrive_dt[i]);
    }
    cr_assert(btc_fake_set_end(f, c->end_error, c->end_now ? FS_T0 : FS_NEVER), "%s: bad end", c->name);
    btc_fake_set_chunks(f, c->max_peek, c->max_read, c->max_send);
    memset(sw_rec, SW_CANARY, sizeof sw_rec);
    if (kind == SW_SEND) {
        btc_fake_set_output(f, sw_rec, SW_OUT_CAP);
    }
    if (c->window > 0 || c->window_full) {
        btc_fake_set_send_window(f, c->window);
    }
    btc_fake_attach_interrupt(f, intr);
    btc_interrupt_reset(intr);
    if (fault != SW_NONE) {
        fs_push_passes(f, BTC_FAKE_ANY, k - 1);
        if (fault == SW_FAIL) {
            fs_push(f, BTC_FAKE_ANY, BTC_FAKE_FAIL, code);
        } else if (fault == SW_EOF) {
            fs_push(f, BTC_FAKE_ANY, BTC_FAKE_EOF, 0);
        } else {
            fs_push(f, BTC_FAKE_ANY, BTC_FAKE_INTERRUPT, 0);
        }
    }
    sw_shim_init(sh, f, c->drain);
    btc_sock s = BTC_SOCK_INIT;
    btc_fake_sock(f, &s);
    btc_sock_set_sys(&s, &sh->sys);

    memset(o, 0, sizeof *o);
    fs_err_poison(&o->err);
    memset(sw_buf, SW_CANARY, sizeof sw_buf);
    o->len = (size_t)-1;
    o->occurred = 0xff;
    switch (kind) {
    case SW_RECV:
        cr_assert_leq(c->max_data, sizeof sw_buf - SW_GUARD, "%s: max_data too large", c->name);
        o->st = btc_sock_recv_until_terminator(&s, '\n', c->timeout_ms, intr, c->max_data, sw_buf, &o->len, c->flags,
                                               &o->err);
        break;
    case SW_SEND:
        o->st = btc_sock_send_complete(&s, c->data, c->data_len, c->timeout_ms, intr, &o->err);
        break;
    case SW_CONN:
        o->st = btc_sock_is_connected(&s, &o->err);
        break;
    case SW_WAIT:
        o->st = btc_sock_wait(&s, c->timeout_ms, c->requested, &o->occurred, intr, &o->err);
        break;
    }
    o->consumed = f->consumed;
    o->sent = f->sent;
    o->steps_left = btc_fake_steps_left(f);
    o->ncalls = sh->ncalls;
}

/* ---- the checks that hold for every run ------------------------------------------ */

static size_t sw_first_term(const sw_scn *c) { return fs_find(c->in, c->in_len, '\n'); }

static void sw_check_invariants(sw_kind kind, const sw_scn *c, const sw_out *o, const char *what)
{
    FS_ASSERT_ERR_CONSISTENT(o->st, o->err);
    if (o->st == BTC_OK) {
        cr_assert_eq(o->err.code, 0, "%s: OK with err.code %d", what, o->err.code);
    }
    if (kind == SW_RECV) {
        size_t first = sw_first_term(c);
        for (size_t i = 0; i < SW_GUARD; i++) {
            cr_assert_eq((uint8_t)sw_buf[c->max_data + i], SW_CANARY, "%s: buf[max_data + %zu] was written", what, i);
        }
        if (first < c->in_len) {
            cr_assert_leq(o->consumed, first + 1, "%s: over-read: consumed %zu, first terminator at %zu", what,
                          o->consumed, first);
        }
        if (o->st == BTC_OK) {
            SW_ASSERT_SZ(o->len, first, what, "OK: *len");
            SW_ASSERT_SZ(o->consumed, first + 1, what, "OK: consumed");
            SW_ASSERT_SZ(o->err.bytes, first + 1, what, "OK: err.bytes");
            cr_assert(memcmp(sw_buf, c->in, first) == 0, "%s: OK: line content differs", what);
            cr_assert_eq(sw_buf[first], '\0', "%s: OK: buf[*len] not NUL", what);
        } else {
            cr_assert_eq(o->len, o->consumed, "%s: %s: *len %zu != consumed %zu", what, btc_status_name(o->st), o->len,
                         o->consumed);
            cr_assert_eq(o->err.bytes, o->len, "%s: %s: err.bytes %zu != *len %zu", what, btc_status_name(o->st),
                         o->err.bytes, o->len);
            cr_assert(memcmp(sw_buf, c->in, o->len) == 0, "%s: %s: buf does not hold the %zu consumed input bytes",
                      what, btc_status_name(o->st), o->len);
            if (o->len < c->max_data) {
                cr_assert_eq(sw_buf[o->len], '\0', "%s: %s: buf[*len] not NUL", what, btc_status_name(o->st));
            }
        }
        SW_ASSERT_SZ(o->sent, 0, what, "recv sent bytes");
    } else if (kind == SW_SEND) {
        cr_assert_eq(o->err.bytes, o->sent, "%s: %s: err.bytes %zu != bytes the peer got %zu", what,
                     btc_status_name(o->st), o->err.bytes, o->sent);
        cr_assert_leq(o->sent, c->data_len, "%s: sent %zu > len %zu", what, o->sent, c->data_len);
        cr_assert(memcmp(sw_rec, c->data, o->sent) == 0, "%s: the peer's record differs from data[0..%zu)", what,
                  o->sent);
        cr_assert_eq(sw_rec[o->sent], SW_CANARY, "%s: the peer got a byte past %zu", what, o->sent);
        if (o->st == BTC_OK) {
            SW_ASSERT_SZ(o->sent, c->data_len, what, "OK: sent");
        }
        SW_ASSERT_SZ(o->consumed, 0, what, "send consumed input");
    } else {
        SW_ASSERT_SZ(o->consumed, 0, what, "probe/wait consumed input");
        SW_ASSERT_SZ(o->sent, 0, what, "probe/wait sent bytes");
        SW_ASSERT_SZ(o->err.bytes, 0, what, "probe/wait err.bytes");
        if (kind == SW_WAIT && o->st != BTC_OK) {
            cr_assert_eq(o->occurred, 0, "%s: %s with occurred 0x%x", what, btc_status_name(o->st), o->occurred);
        }
    }
}

/* The result of a run equals the unfaulted run's. */
static void sw_assert_same(sw_kind kind, const sw_out *o, const sw_out *base, const char *what)
{
    cr_assert_eq(o->st, base->st, "%s: %s (\"%s\"), expected the unfaulted %s", what, btc_status_name(o->st),
                 o->err.message, btc_status_name(base->st));
    cr_assert_eq(o->err.code, base->err.code, "%s: err.code %d, unfaulted %d", what, o->err.code, base->err.code);
    cr_assert_eq(o->err.bytes, base->err.bytes, "%s: err.bytes %zu, unfaulted %zu", what, o->err.bytes,
                 base->err.bytes);
    cr_assert_eq(o->consumed, base->consumed, "%s: consumed %zu, unfaulted %zu", what, o->consumed, base->consumed);
    cr_assert_eq(o->sent, base->sent, "%s: sent %zu, unfaulted %zu", what, o->sent, base->sent);
    if (kind == SW_RECV) {
        cr_assert_eq(o->len, base->len, "%s: *len %zu, unfaulted %zu", what, o->len, base->len);
    }
    if (kind == SW_WAIT) {
        cr_assert_eq(o->occurred, base->occurred, "%s: occurred 0x%x, unfaulted 0x%x", what, o->occurred,
                     base->occurred);
    }
}

static void sw_assert_status(const sw_out *o, btc_status want, int code, const char *what)
{
    cr_assert_eq(o->st, want, "%s: %s (\"%s\"), expected %s", what, btc_status_name(o->st), o->err.message,
                 btc_status_name(want));
    cr_assert_eq(o->err.code, code, "%s: err.code %d, expected %d", what, o->err.code, code);
}

/* The first call at or after index k0 (0-based) whose kind is in ops[0..n), or `count` if none. */
static size_t sw_next_of(const sw_call *calls, size_t count, size_t k0, const btc_fake_op *ops, size_t n)
{
    for (size_t j = k0; j < count; j++) {
        for (size_t i = 0; i < n; i++) {
            if (calls[j].op == ops[i]) {
                return j;
            }
        }
    }
    return count;
}

/* ---- the expected outcome of one faulted run --------------------------------------- */

typedef struct sw_tally {
    size_t cases, io, eof, eof_seen, intr, intr_seen, transient, clock;
} sw_tally;

static void sw_expect_fail(sw_kind kind, const sw_shim *base_sh, const sw_out *base, size_t k, const fs_errno *e,
                           const sw_out *o, const char *what, sw_tally *t)
{
    const sw_call *call = &base_sh->calls[k - 1];
    if (call->op == BTC_FAKE_CLOCK) {
        /* The fake ignores a failing clock read: the run is the unfaulted run. */
        sw_assert_same(kind, o, base, what);
        t->clock++;
        return;
    }
    if (e->transient) {
        t->transient++;
        if (kind == SW_CONN) {
            sw_assert_status(o, BTC_OK, 0, what); /* nothing to read yet: still connected */
        } else {
            sw_assert_same(kind, o, base, what);
        }
        return;
    }
    t->io++;
    btc_status want = BTC_ERR_IO;
    if (kind == SW_WAIT && e->code == ENOMEM) {
        want = BTC_ERR_NO_MEMORY; /* only the public waits own NO_MEMORY */
    }
    sw_assert_status(o, want, e->code, what);
    if (kind == SW_RECV) {
        SW_ASSERT_SZ(o->consumed, call->consumed, what, "permanent error: consumed (what was read before call k)");
    } else if (kind == SW_SEND) {
        SW_ASSERT_SZ(o->sent, call->sent, what, "permanent error: sent (what the peer had before call k)");
    }
}

static void sw_expect_eof(sw_kind kind, const sw_scn *c, const sw_shim *base_sh, const sw_out *base, size_t k,
                          const sw_out *o, const char *what, sw_tally *t)
{
    const sw_call *call = &base_sh->calls[k - 1];
    size_t count = base_sh->ncalls;
    t->eof++;
    switch (kind) {
    case SW_RECV: {
        static const btc_fake_op io_ops[] = {BTC_FAKE_PEEK, BTC_FAKE_READ, BTC_FAKE_WAIT};
        size_t first = sw_first_term(c);
        if (first < call->visible || sw_next_of(base_sh->calls, count, k - 1, io_ops, 3) == count) {
            sw_assert_same(kind, o, base, what); /* the line had arrived, or nothing looks at the socket again */
        } else {
            cr_assert_lt(call->visible, c->max_data, "%s: scenario too long for the EOF model", what);
            t->eof_seen++;
            sw_assert_status(o, BTC_ERR_CLOSED, 0, what);
            SW_ASSERT_SZ(o->consumed, call->visible, what, "EOF: consumed (every byte that had arrived)");
        }
        break;
    }
    case SW_SEND: {
        static const btc_fake_op io_ops[] = {BTC_FAKE_SEND, BTC_FAKE_WAIT};
        if (sw_next_of(base_sh->calls, count, k - 1, io_ops, 2) == count) {
            sw_assert_same(kind, o, base, what);
        } else {
            sw_assert_status(o, BTC_ERR_IO, EPIPE, what);
            t->eof_seen++;
            SW_ASSERT_SZ(o->sent, call->sent, what, "EOF: sent (what the peer had before it closed)");
        }
        break;
    }
    case SW_CONN:
        if (call->visible > call->consumed) {
            sw_assert_status(o, BTC_OK, 0, what); /* data still waiting */
        } else {
            sw_assert_status(o, BTC_ERR_CLOSED, 0, what);
            t->eof_seen++;
        }
        break;
    case SW_WAIT: {
        static const btc_fake_op io_ops[] = {BTC_FAKE_WAIT};
        if (sw_next_of(base_sh->calls, count, k - 1, io_ops, 1) == count) {
            sw_assert_same(kind, o, base, what);
        } else {
            sw_assert_status(o, BTC_OK, 0, what);
            t->eof_seen++;
            btc_events want = (btc_events)((c->requested & (BTC_EV_RECV | BTC_EV_SEND)) | BTC_EV_ERR);
            cr_assert_eq(o->occurred, want, "%s: occurred 0x%x, expected 0x%x (hang-up)", what, o->occurred, want);
        }
        break;
    }
    }
}

/*
 * An interrupt fired at call k: if the operation waits again (at k or later),
 * it is BTC_ERR_INTERRUPTED; otherwise either the unfaulted result or
 * INTERRUPTED (recv/send look at the interrupt between transfers). The byte
 * accounting is exact either way (sw_check_invariants), and an interrupted
 * operation moved no more than the unfaulted one.
 */
static void sw_expect_interrupt(sw_kind kind, const sw_shim *base_sh, const sw_out *base, size_t k, const sw_out *o,
                                const char *what, sw_tally *t)
{
    static const btc_fake_op wait_op[] = {BTC_FAKE_WAIT};
    t->intr++;
    bool waits_again = sw_next_of(base_sh->calls, base_sh->ncalls, k - 1, wait_op, 1) < base_sh->ncalls;
    if (kind == SW_CONN) {
        sw_assert_same(kind, o, base, what); /* a probe never looks at an interrupt */
        return;
    }
    if (waits_again) {
        sw_assert_status(o, BTC_ERR_INTERRUPTED, 0, what);
    } else if (o->st != BTC_ERR_INTERRUPTED) {
        sw_assert_same(kind, o, base, what);
    }
    if (o->st == BTC_ERR_INTERRUPTED) {
        t->intr_seen++;
        cr_assert_leq(o->consumed, base->consumed, "%s: interrupted run consumed more than the unfaulted one", what);
        cr_assert_leq(o->sent, base->sent, "%s: interrupted run sent more than the unfaulted one", what);
    }
}

/* ---- the sweep ----------------------------------------------------------------------- */

static const char *sw_kind_name(sw_kind kind)
{
    switch (kind) {
    case SW_RECV:
        return "recv_until";
    case SW_SEND:
        return "send_complete";
    case SW_CONN:
        return "is_connected";
    case SW_WAIT:
        return "wait";
    }
    return "?";
}

/*
 * Sweeps one fault kind over every call of the scenario. `e` is the errno for
 * SW_FAIL (NULL otherwise). Returns the number of faulted runs.
 */
static size_t sw_sweep_one(sw_kind kind, const sw_scn *c, const sw_shim *base_sh, const sw_out *base, sw_fault fault,
                           const fs_errno *e, btc_interrupt *intr, sw_tally *t)
{
    static sw_shim sh; /* large: keep it off the stack */
    btc_fake f;
    sw_out o;
    size_t runs = 0;
    for (size_t k = 1;; k++) {
        char what[200];
        snprintf(what, sizeof what, "%s '%s', call %zu (%s) %s", sw_kind_name(kind), c->name, k,
                 k <= base_sh->ncalls ? sw_op_name(base_sh->calls[k - 1].op) : "past the end",
                 fault == SW_FAIL  ? e->name
                 : fault == SW_EOF ? "EOF"
                                   : "INTERRUPT");
        cr_assert_lt(k, (size_t)BTC_FAKE_MAX_STEPS, "%s: the sweep did not stop", what);
        sw_run(kind, c, fault, k, e != NULL ? e->code : 0, intr, &sh, &f, &o);
        if (o.steps_left > 0) {
            /* Call k was never made: the sweep is over. It must be exactly one past the unfaulted run. */
            SW_ASSERT_SZ(k, base_sh->ncalls + 1, what, "first call not reached vs unfaulted call count");
            return runs;
        }
        cr_assert_leq(k, base_sh->ncalls, "%s: the run made more calls than the unfaulted one before call k", what);
        runs++;
        t->cases++;
        sw_check_invariants(kind, c, &o, what);
        if (fault == SW_FAIL) {
            sw_expect_fail(kind, base_sh, base, k, e, &o, what, t);
        } else if (fault == SW_EOF) {
            sw_expect_eof(kind, c, base_sh, base, k, &o, what, t);
        } else {
            sw_expect_interrupt(kind, base_sh, base, k, &o, what, t);
        }
    }
}

/* Runs the whole sweep over a table of scenarios and logs the count. */
static void sw_sweep(sw_kind kind, const sw_scn *scns, size_t nscn)
{
    static sw_shim base_sh;
    btc_interrupt intr;
    btc_error ierr;
    cr_assert_eq(btc_interrupt_init(&intr, &ierr), BTC_OK, "interrupt init: %s", ierr.message);
    sw_tally t = {0};
    for (size_t i = 0; i < nscn; i++) {
        const sw_scn *c = &scns[i];
        btc_fake f;
        sw_out base;
        /* The unfaulted run: its status, and the trace every expectation comes from. */
        sw_run(kind, c, SW_NONE, 0, 0, &intr, &base_sh, &f, &base);
        char what[160];
        snprintf(what, sizeof what, "%s '%s' unfaulted", sw_kind_name(kind), c->name);
        sw_check_invariants(kind, c, &base, what);
        cr_assert_eq(base.st, c->want, "%s: %s (\"%s\"), scenario expects %s", what, btc_status_name(base.st),
                     base.err.message, btc_status_name(c->want));
        cr_assert_leq(base_sh.ncalls, (size_t)SW_MAX_CALLS, "%s: %zu calls, too many to trace", what, base_sh.ncalls);
        cr_assert_lt(base_sh.ncalls + 1, (size_t)BTC_FAKE_MAX_STEPS, "%s: too many calls for the script", what);
        for (size_t j = 0; j < FS_ERRNO_COUNT; j++) {
            sw_sweep_one(kind, c, &base_sh, &base, SW_FAIL, &FS_ERRNOS[j], &intr, &t);
        }
        sw_sweep_one(kind, c, &base_sh, &base, SW_EOF, NULL, &intr, &t);
        sw_sweep_one(kind, c, &base_sh, &base, SW_INTERRUPT, NULL, &intr, &t);
    }
    btc_interrupt_destroy(&intr);
    fprintf(stderr,
            "fault sweep: %s: %zu cases (%zu scenarios; %zu transient, %zu permanent, %zu clock reads ignored, "
            "%zu EOF (%zu saw the close), %zu interrupt (%zu INTERRUPTED))\n",
            sw_kind_name(kind), t.cases, nscn, t.transient, t.io, t.clock, t.eof, t.eof_seen, t.intr, t.intr_seen);
    cr_log_info("fault sweep: %s: %zu cases", sw_kind_name(kind), t.cases);
    cr_assert_gt(t.cases, 0, "no case ran");
}

/* ---- inputs ------------------------------------------------------------------------- */

#define SW_LONG_LINE 3000
static uint8_t sw_long[SW_LONG_LINE + 16];
static uint8_t sw_payload[4096];

static void sw_make_inputs(void)
{
    fs_pattern(sw_long, SW_LONG_LINE, 7u, '\n');
    sw_long[SW_LONG_LINE] = '\n';
    memcpy(sw_long + SW_LONG_LINE + 1, "after\n", 6);
    fs_pattern(sw_payload, sizeof sw_payload, 11u, -1);
}

#define SW_STR(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

/* ---- the tests ------------------------------------------------------------------------ */

Test(fault_sweep, recv_until_terminator)
{
    sw_make_inputs();
    static const char utf8[] = "gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac \xf0\x9f\x98\x80\nnext\n";
    const sw_scn scns[] = {
        {.name = "one short line readable at once",
         .in = SW_STR("hello world\nnext line\n"),
         .timeout_ms = 5000,
         .max_data = 64,
         .want = BTC_OK},
        {.name = "pipelined lines",
         .in = SW_STR("one\ntwo\nthree\nfour\n"),
         .timeout_ms = 5000,
         .max_data = 64,
         .want = BTC_OK},
        {.name = "line split over arrivals",
         .in = SW_STR("GET /a HTTP/1.0\nHost: x\n"),
         .arrive_off = {4, 9, 15},
         .arrive_dt = {10, 20, 35},
         .narrive = 3,
         .timeout_ms = 5000,
         .max_data = 64,
         .want = BTC_OK},
        {.name = "line in small kernel chunks",
         .in = SW_STR("0123456789abcdefghij\nrest\n"),
         .max_peek = 4,
         .timeout_ms = 5000,
         .max_data = 64,
         .want = BTC_OK},
        {.name = "long line, doubling peeks",
         .in = sw_long,
         .in_len = SW_LONG_LINE + 7,
         .timeout_ms = 5000,
         .max_data = 4096,
         .want = BTC_OK},
        {.name = "long line in stages",
         .in = sw_long,
         .in_len = SW_LONG_LINE + 7,
         .arrive_off = {700, 2100},
         .arrive_dt = {5, 40},
         .narrive = 2,
         .timeout_ms = 5000,
         .max_data = 4096,
         .want = BTC_OK},
        {.name = "UTF-8 line",
         .in = (const uint8_t *)utf8,
         .in_len = sizeof utf8 - 1,
         .timeout_ms = 5000,
         .max_data = 64,
         .flags = BTC_RECV_UTF8,
         .want = BTC_OK},
        {.name = "partial line then EOF",
         .in = SW_STR("no terminator"),
         .end_now = true,
         .timeout_ms = 5000,
         .max_data = 64,
         .want = BTC_ERR_CLOSED},
        {.name = "partial line then silence",
         .in = SW_STR("abc"),
         .timeout_ms = 50,
         .max_data = 64,
         .want = BTC_ERR_TIMEOUT},
        {.name = "partial line then reset",
         .in = SW_STR("abc"),
         .end_now = true,
         .end_error = ECONNRESET,
         .timeout_ms = 5000,
         .max_data = 64,
         .want = BTC_ERR_IO},
    };
    sw_sweep(SW_RECV, scns, sizeof scns / sizeof scns[0]);
}

Test(fault_sweep, send_complete)
{
    sw_make_inputs();
    const sw_scn scns[] = {
        {.name = "one-shot", .data = sw_payload, .data_len = 300, .timeout_ms = 5000, .want = BTC_OK},
        {.name = "short sends",
         .data = sw_payload,
         .data_len = 300,
         .max_send = 37,
         .timeout_ms = 5000,
         .want = BTC_OK},
        {.name = "full window, waits for the peer to read",
         .data = sw_payload,
         .data_len = 300,
         .window = 64,
         .drain = 64,
         .timeout_ms = 5000,
         .want = BTC_OK},
        {.name = "large payload, chunks and waits",
         .data = sw_payload,
         .data_len = sizeof sw_payload,
         .max_send = 1000,
         .window = 1500,
         .drain = 1200,
         .timeout_ms = 5000,
         .want = BTC_OK},
        {.name = "window stays full",
         .data = sw_payload,
         .data_len = 300,
         .window = 100,
         .timeout_ms = 200,
         .want = BTC_ERR_TIMEOUT},
    };
    sw_sweep(SW_SEND, scns, sizeof scns / sizeof scns[0]);
}

Test(fault_sweep, is_connected)
{
    const sw_scn scns[] = {
        {.name = "data waiting", .in = SW_STR("x\n"), .want = BTC_OK},
        {.name = "nothing yet",
         .in = SW_STR("later\n"),
         .arrive_off = {0},
         .arrive_dt = {100},
         .narrive = 1,
         .want = BTC_OK},
        {.name = "peer closed", .end_now = true, .want = BTC_ERR_CLOSED},
        {.name = "connection reset", .end_now = true, .end_error = ECONNRESET, .want = BTC_ERR_IO},
    };
    sw_sweep(SW_CONN, scns, sizeof scns / sizeof scns[0]);
}

Test(fault_sweep, wait)
{
    const sw_scn scns[] = {
        {.name = "RECV, data ready", .in = SW_STR("x\n"), .requested = BTC_EV_RECV, .timeout_ms = 1000, .want = BTC_OK},
        {.name = "RECV, data arrives later",
         .in = SW_STR("x\n"),
         .arrive_off = {0},
         .arrive_dt = {30},
         .narrive = 1,
         .requested = BTC_EV_RECV,
         .timeout_ms = 1000,
         .want = BTC_OK},
        {.name = "RECV, silent peer", .requested = BTC_EV_RECV, .timeout_ms = 100, .want = BTC_ERR_TIMEOUT},
        {.name = "RECV, reset",
         .end_now = true,
         .end_error = ECONNRESET,
         .requested = BTC_EV_RECV,
         .timeout_ms = 1000,
         .want = BTC_OK},
        {.name = "SEND, room", .requested = BTC_EV_SEND, .timeout_ms = 1000, .want = BTC_OK},
        {.name = "SEND, window full",
         .window_full = true,
         .requested = BTC_EV_SEND,
         .timeout_ms = 100,
         .want = BTC_ERR_TIMEOUT},
        {.name = "RECV|SEND, data ready",
         .in = SW_STR("x\n"),
         .requested = BTC_EV_RECV | BTC_EV_SEND,
         .timeout_ms = 1000,
         .want = BTC_OK},
    };
    sw_sweep(SW_WAIT, scns, sizeof scns / sizeof scns[0]);
}
