/* SPDX-License-Identifier: MIT */
/*
 * src/fake/fake.c - btc_fake: a scripted peer and kernel behind the btc_sys table,
 * with a virtual clock. See include/btcsock/fake.h for the model.
 *
 * Every slot call first takes the script's next step if it matches the call
 * (ADVANCE and INTERRUPT steps apply and let the same call take the next step
 * too); then the call does what the step says, or behaves normally.
 */
#define _POSIX_C_SOURCE 200809L /* EAI_* from <netdb.h> (via sys.h) in strict C11 */

#include <errno.h>
#include <string.h>

#include "fake_internal.h"

typedef btc_fake__action fake_action;

static btc_fake *fake_of(void *ctx) { return (btc_fake *)ctx; }

static void advance_clock(btc_fake *f, int64_t ms)
{
    if (ms <= 0)
        return; /* the clock is monotonic: a jump back is ignored */
    f->now_ms = ms > INT64_MAX - f->now_ms ? INT64_MAX : f->now_ms + ms;
}

/* The i-th arrival and step: the first ones in the fake's own arrays, any beyond them in allocated storage. */
static const btc_fake_arrival *arrival_at(const btc_fake *f, size_t i)
{
    return i < BTC_FAKE_MAX_ARRIVALS ? &f->arrivals[i]
                                     : &((const btc_fake_arrival *)f->arrivals_more.data)[i - BTC_FAKE_MAX_ARRIVALS];
}

static const btc_fake_step *step_at(const btc_fake *f, size_t i)
{
    return i < BTC_FAKE_MAX_STEPS ? &f->steps[i] : &((const btc_fake_step *)f->steps_more.data)[i - BTC_FAKE_MAX_STEPS];
}

/* Input readable at the current time: up to the first arrival still in the future. */
static size_t fake_visible(const btc_fake *f)
{
    for (size_t i = 0; i < f->arrival_count; i++) {
        const btc_fake_arrival *a = arrival_at(f, i);
        if (a->at_ms > f->now_ms)
            return a->offset < f->in_len ? a->offset : f->in_len;
    }
    if (f->conv_on && f->conv_visible < f->in_len)
        return f->conv_visible; /* a conversation's replies arrive as their expectations are met */
    return f->in_len;
}

/* The peer closes now: what has not arrived yet never will; EOF from now on. */
static void apply_eof(btc_fake *f)
{
    f->peer_closed = true;
    f->in_len = fake_visible(f);
    f->arrival_count = 0;
    f->end_error = 0;
    f->end_at_ms = f->now_ms;
}

/* What is due at the current virtual time happens: an in-progress connect completes (SO_ERROR then reads its
 * result), conversation replies arrive. */
static void time_tick(btc_fake *f)
{
    if (f->connecting && f->now_ms >= f->connect_at_ms) {
        f->connecting = false;
        f->so_error = f->connect_so_error;
    }
    btc_fake__conv_tick(f);
}

fake_action btc_fake__take_step(btc_fake *f, btc_fake_op op)
{
    f->calls[BTC_FAKE_ANY]++;
    f->calls[op]++;
    while (f->step_next < f->step_count) {
        const btc_fake_step *st = step_at(f, f->step_next);
        if (st->op != BTC_FAKE_ANY && st->op != op)
            break;
        f->step_next++;
        if (st->kind == BTC_FAKE_ADVANCE) {
            advance_clock(f, st->value);
            continue;
        }
        if (st->kind == BTC_FAKE_INTERRUPT) {
            btc_interrupt_trigger(f->intr);
            continue;
        }
        if (st->kind == BTC_FAKE_EOF)
            apply_eof(f);
        time_tick(f);
        fake_action a = {st->kind, st->value};
        return a;
    }
    time_tick(f);
    fake_action pass = {BTC_FAKE_PASS, 0};
    return pass;
}

static int fake_fail(btc_fake *f, int code)
{
    f->last_error = code;
    return -1;
}

/* The input is over and its end result is due (EOF or the end error). */
static bool at_end(const btc_fake *f)
{
    if (f->consumed < f->in_len)
        return false;
    if (f->gone || f->peer_closed)
        return true;
    return f->now_ms >= f->end_at_ms && !btc_fake__conv_pending(f);
}

static size_t send_room(const btc_fake *f)
{
    size_t window = f->send_window;
    if (f->out != NULL && f->out_cap < window)
        window = f->out_cap;
    return window > f->sent ? window - f->sent : 0;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* The most bytes this call may move: the step's LIMIT and the kernel chunk. */
static size_t call_limit(fake_action a, size_t len, size_t chunk)
{
    size_t limit = len;
    if (a.kind == BTC_FAKE_LIMIT)
        limit = min_size(limit, a.value < 0 ? 0 : (size_t)a.value);
    if (chunk > 0)
        limit = min_size(limit, chunk);
    return limit;
}

/* The pending error, cleared: a kernel reports it to one call (recv, send or getsockopt SO_ERROR). */
static int take_so_error(btc_fake *f)
{
    int e = f->so_error;
    f->so_error = 0;
    return e;
}

/* ---- data slots ----------------------------------------------------------- */

static btc_ssize_t fake_recv(void *ctx, btc_socket_t s, void *buf, size_t len, int flags)
{
    (void)s;
    btc_fake *f = fake_of(ctx);
    bool peek = (flags & MSG_PEEK) != 0;
    fake_action a = btc_fake__take_step(f, peek ? BTC_FAKE_PEEK : BTC_FAKE_READ);
    if (f->closed)
        return fake_fail(f, EBADF);
    if (a.kind == BTC_FAKE_FAIL)
        return fake_fail(f, (int)a.value);
    if (f->so_error != 0)
        return fake_fail(f, take_so_error(f)); /* a pending error (a failed connect) is reported once */
    if (f->connecting)
        return fake_fail(f, EAGAIN); /* nothing can have arrived before the handshake ends */
    if (len == 0)
        return 0;
    size_t avail = fake_visible(f) - f->consumed;
    if (avail == 0) {
        if (!at_end(f))
            return fake_fail(f, EAGAIN);
        return f->end_error == 0 ? 0 : fake_fail(f, f->end_error);
    }
    size_t n = min_size(call_limit(a, len, peek ? f->max_peek : f->max_read), avail);
    memcpy(buf, f->in + f->consumed, n);
    if (!peek)
        f->consumed += n;
    return (btc_ssize_t)n;
}

/*
 * Why a send cannot go ahead now (the error to fail with), or 0: the script,
 * a closed descriptor, a connect still in progress, a peer that is gone, a
 * pending error, a shutdown.
 */
static int send_blocked(btc_fake *f, fake_action a)
{
    if (f->closed)
        return EBADF;
    if (a.kind == BTC_FAKE_FAIL)
        return (int)a.value;
    if (f->connecting)
        return EAGAIN; /* not connected yet: a kernel's non-blocking send would block (Linux: EAGAIN) */
    if (f->peer_closed || f->gone || f->shut_wr)
        return EPIPE;
    if (at_end(f) && f->end_error != 0)
        return f->end_error; /* a pending error fails sends too, as a kernel's does */
    if (f->so_error != 0)
        return take_so_error(f); /* a failed connect: reported once, as the kernel does */
    return 0;
}

/* The peer accepts up to the window, the kernel chunk and the step's limit of len bytes; they are recorded. */
static size_t accept_bytes(btc_fake *f, fake_action a, const btc_iovec *iov, size_t iovcnt, size_t len)
{
    size_t n = min_size(call_limit(a, len, f->max_send), send_room(f));
    size_t left = n;
    for (size_t i = 0; i < iovcnt && left > 0; i++) {
        size_t piece = min_size(iov[i].len, left);
        size_t offset = f->sent;
        if (f->out != NULL)
            memcpy(f->out + offset, iov[i].base, piece);
        f->sent += piece;
        left -= piece;
        if (piece > 0)
            btc_fake__conv_received(f, (const uint8_t *)iov[i].base, piece, offset);
    }
    btc_fake__conv_pump(f); /* what the peer received may be what its next reply waits for */
    return n;
}

/* send and sendv: the bytes of iov[0..iovcnt), len in all. */
static btc_ssize_t fake_gather_send(btc_fake *f, const btc_iovec *iov, size_t iovcnt, size_t len)
{
    fake_action a = btc_fake__take_step(f, BTC_FAKE_SEND);
    int blocked = send_blocked(f, a);
    if (blocked != 0)
        return fake_fail(f, blocked);
    if (len == 0)
        return 0;
    if (send_room(f) == 0)
        return fake_fail(f, EAGAIN);
    return (btc_ssize_t)accept_bytes(f, a, iov, iovcnt, len);
}

static btc_ssize_t fake_send(void *ctx, btc_socket_t s, const void *buf, size_t len, int flags)
{
    (void)s;
    (void)flags;
    btc_iovec one = {buf, len};
    return fake_gather_send(fake_of(ctx), &one, 1, len);
}

static btc_ssize_t fake_sendv(void *ctx, btc_socket_t s, const btc_iovec *iov, size_t iovcnt, int flags)
{
    (void)s;
    (void)flags;
    size_t len = 0;
    for (size_t i = 0; i < iovcnt; i++)
        len += iov[i].len;
    return fake_gather_send(fake_of(ctx), iov, iovcnt, len);
}

/* ---- waiting -------------------------------------------------------------- */

/* A listener is readable when a queued connection is due; a listener that will get none more is in error. */
static btc_events listener_events(const btc_fake *f, btc_events requested)
{
    if (f->gone)
        return BTC_EV_ERR;
    const btc_fake__incoming *q = (const btc_fake__incoming *)f->incoming.data;
    bool due = f->incoming_next < f->incoming.len && q[f->incoming_next].at_ms <= f->now_ms;
    return due ? (requested & BTC_EV_RECV) : 0;
}

btc_events btc_fake__events(const btc_fake *f, btc_events requested)
{
    btc_events ev = 0;
    if (f->closed)
        return BTC_EV_ERR; /* as poll reports POLLNVAL */
    if (f->listening)
        return listener_events(f, requested);
    if (f->connecting)
        return 0; /* a connect in progress: neither readable nor writable yet */
    bool hung_up = f->peer_closed || f->gone;
    if ((requested & BTC_EV_RECV) && (fake_visible(f) > f->consumed || at_end(f)))
        ev |= BTC_EV_RECV;
    if ((requested & BTC_EV_SEND) && (send_room(f) > 0 || hung_up || f->so_error != 0))
        ev |= BTC_EV_SEND;
    if (hung_up || (at_end(f) && f->end_error != 0) || f->so_error != 0)
        ev |= BTC_EV_ERR;
    return ev;
}

static int readiness(const btc_fake *f, btc_wait_item *items, size_t count)
{
    int ready = 0;
    for (size_t i = 0; i < count; i++) {
        items[i].occurred = btc_fake__events(f, items[i].requested);
        ready += items[i].occurred != 0;
    }
    return ready;
}

/*
 * The next virtual time at which the script changes anything, or INT64_MAX.
 * Every wait counts every event, whatever it requested: a wait for SEND that
 * ignored pending arrivals could declare the peer gone while input was still
 * due, and readiness would then disagree with what a read returns.
 */
int64_t btc_fake__next_event(const btc_fake *f)
{
    int64_t next = INT64_MAX;
    const btc_fake__incoming *q = (const btc_fake__incoming *)f->incoming.data;
    if (f->incoming_next < f->incoming.len && q[f->incoming_next].at_ms > f->now_ms)
        next = q[f->incoming_next].at_ms;
    for (size_t i = 0; i < f->arrival_count; i++) {
        int64_t at = arrival_at(f, i)->at_ms;
        if (at > f->now_ms && at < next)
            next = at;
    }
    if (f->end_at_ms > f->now_ms && f->end_at_ms < next)
        next = f->end_at_ms;
    if (f->connecting && f->connect_at_ms > f->now_ms && f->connect_at_ms < next)
        next = f->connect_at_ms;
    int64_t reply = btc_fake__conv_next_time(f);
    return reply < next ? reply : next;
}

/* Whether the interrupt's wake descriptor is readable, without advancing virtual time. */
bool btc_fake__woken(const btc_fake *f, btc_socket_t wake)
{
    if (wake == BTC_INVALID_SOCKET)
        return false;
    if (f->intr != NULL && wake == btc_interrupt_wake_descriptor(f->intr))
        return btc_interrupt_is_set(f->intr);
    /* An interrupt the fake does not know: ask the OS, through its table, for a zero-time look. */
    const btc_sys *os = btc_sys_default();
    return os->wait(os->ctx, NULL, 0, wake, 0) > 0;
}

/* Every item "ready" for what it requested, whatever the truth (a BTC_FAKE_FALSE_READY step). */
static int false_ready(btc_wait_item *items, size_t count)
{
    int ready = 0;
    for (size_t i = 0; i < count; i++) {
        items[i].occurred = items[i].requested & (BTC_EV_RECV | BTC_EV_SEND);
        ready += items[i].occurred != 0;
    }
    return ready;
}

static int fake_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    btc_fake *f = fake_of(ctx);
    fake_action a = btc_fake__take_step(f, BTC_FAKE_WAIT);
    for (size_t i = 0; i < count; i++)
        items[i].occurred = 0;
    if (a.kind == BTC_FAKE_FAIL)
        return fake_fail(f, (int)a.value);
    if (a.kind == BTC_FAKE_FALSE_READY)
        return false_ready(items, count);
    if (a.kind == BTC_FAKE_SPURIOUS && (timeout_ms < 0 || a.value < timeout_ms))
        timeout_ms = a.value < 0 ? 0 : (int)a.value; /* what is ready still is; else it returns 0 early */
    if (btc_fake__woken(f, wake))
        return 1;
    int ready = readiness(f, items, count);
    if (ready > 0 || timeout_ms == 0)
        return ready;
    int64_t next = btc_fake__next_event(f);
    if (timeout_ms < 0 && next == INT64_MAX) {
        btc_fake__give_up(f); /* nothing will ever happen: end it rather than wait forever */
        return readiness(f, items, count);
    }
    int64_t target = timeout_ms < 0 || f->now_ms > INT64_MAX - timeout_ms ? INT64_MAX : f->now_ms + timeout_ms;
    if (next <= target) {
        btc_fake__set_now(f, next); /* the event may be the connect completing */
        return readiness(f, items, count);
    }
    btc_fake__set_now(f, target);
    return 0;
}

void btc_fake__give_up(btc_fake *f)
{
    f->gone = true;
    f->in_len = fake_visible(f); /* replies still waiting for sends never come */
}

void btc_fake__set_now(btc_fake *f, int64_t t)
{
    if (t > f->now_ms)
        f->now_ms = t;
    time_tick(f);
}

/* ---- the other slots: trivially successful unless the script says otherwise ---- */

/* Takes an OTHER step; true when the call must fail (f->last_error set). */
static bool other_fails(btc_fake *f)
{
    fake_action a = btc_fake__take_step(f, BTC_FAKE_OTHER);
    if (a.kind == BTC_FAKE_FAIL) {
        f->last_error = (int)a.value;
        return true;
    }
    if (f->closed) {
        f->last_error = EBADF;
        return true;
    }
    return false;
}

static btc_socket_t fake_open(void *ctx, int domain, int type, int protocol)
{
    (void)domain;
    (void)type;
    (void)protocol;
    btc_fake *f = fake_of(ctx);
    f->closed = false;
    return other_fails(f) ? BTC_INVALID_SOCKET : f->fd;
}

static int fake_socketpair(void *ctx, btc_socket_t out[2])
{
    btc_fake *f = fake_of(ctx);
    f->closed = false;
    if (other_fails(f))
        return -1;
    out[0] = f->fd;
    out[1] = f->fd + 1;
    return 0;
}

static int fake_close(void *ctx, btc_socket_t s)
{
    (void)s;
    btc_fake *f = fake_of(ctx);
    bool failed = other_fails(f);
    f->closed = true; /* released either way, as with close(2) */
    return failed ? -1 : 0;
}

/* A connect fails with the script's error (a FAIL step's, else btc_fake_set_connect's); a transient one means "in
 * progress". */
static int fake_connect(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    (void)s;
    (void)addr;
    (void)len;
    btc_fake *f = fake_of(ctx);
    fake_action a = btc_fake__take_step(f, BTC_FAKE_OTHER);
    if (f->closed)
        return fake_fail(f, EBADF);
    int error = a.kind == BTC_FAKE_FAIL ? (int)a.value : f->connect_error;
    if (error == 0)
        return 0;
    f->connecting = !btc_io_error_is_permanent(error);
    time_tick(f);
    return fake_fail(f, error);
}

static int fake_bind(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    (void)s;
    (void)addr;
    (void)len;
    return other_fails(fake_of(ctx)) ? -1 : 0;
}

static int fake_listen(void *ctx, btc_socket_t s, int backlog)
{
    (void)s;
    (void)backlog;
    btc_fake *f = fake_of(ctx);
    if (other_fails(f))
        return -1;
    f->listening = true;
    return 0;
}

/* Copies a stored address out as the kernel does: truncated to *len, *len set to the full length. */
static void give_address(const struct sockaddr_storage *from, socklen_t from_len, struct sockaddr *addr, socklen_t *len)
{
    if (addr == NULL || len == NULL)
        return;
    size_t n = min_size((size_t)*len, (size_t)from_len);
    memset(addr, 0, (size_t)*len);
    memcpy(addr, from, n);
    *len = from_len;
}

/* The next queued connection, once due; EAGAIN before, EINVAL once none more can come. */
static btc_socket_t fake_accept(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    (void)s;
    btc_fake *f = fake_of(ctx);
    if (other_fails(f))
        return BTC_INVALID_SOCKET;
    const btc_fake__incoming *q = (const btc_fake__incoming *)f->incoming.data;
    if (f->incoming_next < f->incoming.len && q[f->incoming_next].at_ms <= f->now_ms) {
        const btc_fake__incoming *c = &q[f->incoming_next++];
        give_address(&c->addr, c->len, addr, len);
        return c->fd;
    }
    f->last_error = f->gone ? EINVAL : EAGAIN;
    return BTC_INVALID_SOCKET;
}

static const btc_fake__opt *find_opt(const btc_fake *f, int level, int name)
{
    const btc_fake__opt *o = (const btc_fake__opt *)f->sockopts.data;
    for (size_t i = f->sockopts.len; i-- > 0;) {
        if (o[i].level == level && o[i].name == name)
            return &o[i];
    }
    return NULL;
}

/* Scripted values (btc_fake_set_sockopt), else zeros; SO_ERROR is the pending error, which the read clears (as
 * the kernel's does). */
static int fake_getsockopt(void *ctx, btc_socket_t s, int level, int name, void *val, socklen_t *len)
{
    (void)s;
    btc_fake *f = fake_of(ctx);
    if (other_fails(f))
        return -1;
    memset(val, 0, (size_t)*len);
    const btc_fake__opt *o = find_opt(f, level, name);
    if (level == SOL_SOCKET && name == SO_ERROR && (size_t)*len >= sizeof(int)) {
        int e = take_so_error(f);
        memcpy(val, &e, sizeof(int));
    } else if (o != NULL) {
        memcpy(val, o->val, min_size((size_t)*len, (size_t)o->len));
        *len = o->len;
    }
    return 0;
}

static int fake_setsockopt(void *ctx, btc_socket_t s, int level, int name, const void *val, socklen_t len)
{
    (void)s;
    (void)level;
    (void)name;
    (void)val;
    (void)len;
    return other_fails(fake_of(ctx)) ? -1 : 0;
}

static int fake_getsockname(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    (void)s;
    btc_fake *f = fake_of(ctx);
    if (other_fails(f))
        return -1;
    if (f->sockname_len > 0)
        give_address(&f->sockname, f->sockname_len, addr, len);
    else
        memset(addr, 0, (size_t)*len);
    return 0;
}

static int fake_set_non_blocking(void *ctx, btc_socket_t s)
{
    (void)s;
    return other_fails(fake_of(ctx)) ? -1 : 0;
}

static int fake_shutdown(void *ctx, btc_socket_t s, int how)
{
    (void)s;
    btc_fake *f = fake_of(ctx);
    if (other_fails(f))
        return -1;
    f->shut_rd = f->shut_rd || how != BTC_SHUT_WR;
    f->shut_wr = f->shut_wr || how != BTC_SHUT_RD;
    return 0;
}

static int fake_resolve(void *ctx, const char *host, const char *service, btc_addr *out, size_t cap, size_t *count)
{
    (void)host;
    (void)service;
    btc_fake *f = fake_of(ctx);
    fake_action a = btc_fake__take_step(f, BTC_FAKE_OTHER);
    if (a.kind == BTC_FAKE_FAIL)
        return a.value != 0 ? (int)a.value : EAI_FAIL;
    if (f->resolve_count == 0)
        return f->resolve_error != 0 ? f->resolve_error : EAI_NONAME;
    size_t n = min_size(f->resolve_count, cap);
    memcpy(out, f->resolve_answers, n * sizeof *out);
    *count = n;
    return 0;
}

static int fake_last_error(void *ctx) { return fake_of(ctx)->last_error; }

static int64_t fake_now_ms(void *ctx)
{
    btc_fake *f = fake_of(ctx);
    (void)btc_fake__take_step(f, BTC_FAKE_CLOCK); /* ADVANCE steps apply; a FAIL cannot stop a clock */
    return f->now_ms;
}

/* ---- the table: each slot traced (src/fake/trace.c) when the trace is on ---- */

/* The reason a failed call gives, by the slot's `fails` column. */
#define FAKE_REASON_SOCKET(f, r, failed) ((failed) ? (f)->last_error : 0)
#define FAKE_REASON_NEGATIVE(f, r, failed) ((failed) ? (f)->last_error : 0)
#define FAKE_REASON_RETURNS(f, r, failed) ((int)(r))
#define FAKE_REASON_NEVER(f, r, failed) 0

/* The NOLINT: name is a member's name, which cannot be parenthesised. */
#define FAKE_TRACED(since, ret, name, fails, n, params)                                  \
    static ret traced_##name(void *ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_DECL, n, params))    \
    {                                                                                    \
        ret r = fake_##name(ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_NAME, n, params));          \
        btc_fake *f = fake_of(ctx);                                                      \
        if (f->tracing && BTC_SYS_SLOT_##name != BTC_SYS_SLOT_last_error) {              \
            btc_sys_call c;                                                              \
            memset(&c, 0, sizeof c);                                                     \
            c.slot = BTC_SYS_SLOT_##name;                                                \
            c.phase = BTC_SYS_AFTER;                                                     \
            btc_sys_args_##name a = {ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_NAME, n, params)}; \
            c.args.name = a;   /* NOLINT(bugprone-macro-parentheses) */                  \
            c.result.name = r; /* NOLINT(bugprone-macro-parentheses) */                  \
            c.failed = BTC_SYS_FAILED(fails, r);                                         \
            c.error = FAKE_REASON_##fails(f, r, c.failed);                               \
            btc_fake__trace_record(f, &c);                                               \
        }                                                                                \
        return r;                                                                        \
    }
BTC_SYS_SLOTS(FAKE_TRACED)
#undef FAKE_TRACED

/* ---- set-up --------------------------------------------------------------- */

void btc_fake_init(btc_fake *f)
{
    if (f == NULL)
        return;
    memset(f, 0, sizeof *f);
    btc_sys table = BTC_FAKE__TABLE(f, traced);
    f->sys = table;
    f->send_window = SIZE_MAX;
    f->now_ms = 1000;
    f->break_error = ECONNRESET;
    f->fd = (btc_socket_t)BTC_FAKE_FD;
}

void btc_fake_set_input(btc_fake *f, const void *data, size_t len)
{
    f->in = (const uint8_t *)data;
    f->in_len = data == NULL ? 0 : len;
}

bool btc_fake_arrive_at(btc_fake *f, size_t offset, int64_t at_ms)
{
    return f->arrival_count < BTC_FAKE_MAX_ARRIVALS && btc_fake_add_arrival(f, offset, at_ms) == BTC_OK;
}

/*
 * Appends one element of size bytes: into the fixed array while it has room
 * (max), then into the allocated overflow `more`; *count counts both.
 */
static btc_status append_uncapped(btc_fake *f, void *fixed, size_t max, btc_fake_vec *more, size_t *count,
                                  const void *elem, size_t size)
{
    if (*count < max) {
        memcpy((uint8_t *)fixed + *count * size, elem, size);
    } else {
        btc_status st = btc_fake__reserve(f, more, size, 1);
        if (st != BTC_OK)
            return st;
        memcpy((uint8_t *)more->data + more->len * size, elem, size);
        more->len++;
    }
    (*count)++;
    return BTC_OK;
}

btc_status btc_fake_add_arrival(btc_fake *f, size_t offset, int64_t at_ms)
{
    if (f == NULL || (f->arrival_count > 0 && offset <= arrival_at(f, f->arrival_count - 1)->offset))
        return BTC_ERR_INVALID_ARGUMENT;
    btc_fake_arrival a = {offset, at_ms};
    return append_uncapped(f, f->arrivals, BTC_FAKE_MAX_ARRIVALS, &f->arrivals_more, &f->arrival_count, &a, sizeof a);
}

bool btc_fake_set_end(btc_fake *f, int error, int64_t at_ms)
{
    /* A transient end would read as "ready" and then EAGAIN forever. */
    if (error != 0 && !btc_io_error_is_permanent(error))
        return false;
    f->end_error = error;
    f->end_at_ms = at_ms;
    return true;
}

void btc_fake_set_chunks(btc_fake *f, size_t max_peek, size_t max_read, size_t max_send)
{
    f->max_peek = max_peek;
    f->max_read = max_read;
    f->max_send = max_send;
}

void btc_fake_set_output(btc_fake *f, void *buf, size_t cap)
{
    f->out = (uint8_t *)buf;
    f->out_cap = buf == NULL ? 0 : cap;
}

void btc_fake_set_send_window(btc_fake *f, size_t bytes) { f->send_window = bytes; }

bool btc_fake_push(btc_fake *f, btc_fake_op op, btc_fake_kind kind, int64_t value)
{
    return f->step_count < BTC_FAKE_MAX_STEPS && btc_fake_add_step(f, op, kind, value) == BTC_OK;
}

btc_status btc_fake_add_step(btc_fake *f, btc_fake_op op, btc_fake_kind kind, int64_t value)
{
    if (f == NULL || (unsigned)op >= (unsigned)BTC_FAKE_OP_COUNT || (unsigned)kind >= (unsigned)BTC_FAKE_KIND_COUNT)
        return BTC_ERR_INVALID_ARGUMENT;
    btc_fake_step st = {op, kind, value};
    return append_uncapped(f, f->steps, BTC_FAKE_MAX_STEPS, &f->steps_more, &f->step_count, &st, sizeof st);
}

void btc_fake_attach_interrupt(btc_fake *f, btc_interrupt *i) { f->intr = i; }

const btc_sys *btc_fake_sys(btc_fake *f) { return &f->sys; }

void btc_fake_sock(btc_fake *f, btc_sock *s)
{
    s->fd = f->fd;
    s->sys = &f->sys;
    f->closed = false;
}

void btc_fake_peer_close(btc_fake *f) { apply_eof(f); }

void btc_fake_set_connect(btc_fake *f, int error, int so_error, int64_t at_ms)
{
    f->connect_error = error;
    f->connect_so_error = so_error;
    f->connect_at_ms = at_ms;
}

void btc_fake_set_resolve(btc_fake *f, const btc_addr *addrs, size_t count, int error)
{
    f->resolve_answers = addrs;
    f->resolve_count = addrs == NULL ? 0 : count;
    f->resolve_error = error;
}

size_t btc_fake_steps_left(const btc_fake *f) { return f->step_count - f->step_next; }

size_t btc_fake_readable(const btc_fake *f) { return fake_visible(f) - f->consumed; }

/* ---- since 0.2: descriptors, names, options, incoming connections ---------- */

void btc_fake_set_fd(btc_fake *f, btc_socket_t fd) { f->fd = fd; }

btc_status btc_fake_set_sockname(btc_fake *f, const struct sockaddr *addr, socklen_t len)
{
    if (f == NULL || addr == NULL || len == 0 || (size_t)len > sizeof f->sockname)
        return BTC_ERR_INVALID_ARGUMENT;
    memset(&f->sockname, 0, sizeof f->sockname);
    memcpy(&f->sockname, addr, (size_t)len);
    f->sockname_len = len;
    return BTC_OK;
}

btc_status btc_fake_set_sockopt(btc_fake *f, int level, int name, const void *val, socklen_t len)
{
    if (f == NULL || val == NULL || len == 0 || (size_t)len > BTC_FAKE_OPT_MAX)
        return BTC_ERR_INVALID_ARGUMENT;
    if (level == SOL_SOCKET && name == SO_ERROR) {
        if ((size_t)len != sizeof(int))
            return BTC_ERR_INVALID_ARGUMENT;
        memcpy(&f->so_error, val, sizeof(int));
        return BTC_OK;
    }
    btc_status st = btc_fake__reserve(f, &f->sockopts, sizeof(btc_fake__opt), 1);
    if (st != BTC_OK)
        return st;
    btc_fake__opt *o = &((btc_fake__opt *)f->sockopts.data)[f->sockopts.len++];
    memset(o, 0, sizeof *o);
    o->level = level;
    o->name = name;
    o->len = len;
    memcpy(o->val, val, (size_t)len);
    return BTC_OK;
}

btc_status btc_fake_add_incoming(btc_fake *f, btc_socket_t fd, const struct sockaddr *addr, socklen_t len,
                                 int64_t at_ms)
{
    if (f == NULL || fd == BTC_INVALID_SOCKET || (addr == NULL && len > 0) ||
        (size_t)len > sizeof(struct sockaddr_storage))
        return BTC_ERR_INVALID_ARGUMENT;
    btc_status st = btc_fake__reserve(f, &f->incoming, sizeof(btc_fake__incoming), 1);
    if (st != BTC_OK)
        return st;
    btc_fake__incoming *c = &((btc_fake__incoming *)f->incoming.data)[f->incoming.len++];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    if (len > 0)
        memcpy(&c->addr, addr, (size_t)len);
    c->len = len;
    c->at_ms = at_ms;
    f->listening = true;
    return BTC_OK;
}

size_t btc_fake_incoming_left(const btc_fake *f) { return f->incoming.len - f->incoming_next; }
