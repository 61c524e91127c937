/* SPDX-License-Identifier: MIT */
/*
 * src/reader.c - btc_reader: lines out of a peeked window, consumed lazily
 * (or, with BTC_READER_EXACT, before every return), never past the data
 * handed to the caller.
 *
 * The window buf[0..end) mirrors the stream from some position on, in three
 * parts (offsets into buf):
 *
 *   [0, ret)     returned to the caller
 *   [0, cons)    consumed from the socket (the rest of the window is still
 *                in the socket: peeked, not consumed)
 *   [cons, end)  peeked: the socket's next end - cons bytes
 *
 * Lazy mode lets ret run ahead of cons (lines handed out of peeked bytes);
 * the debt [cons, ret) is consumed in one read when the window is used up,
 * or at sync/detach. cons > ret only while the reader holds an unfinished
 * line it had to consume (to wait for the rest: a socket whose unread bytes
 * are all peeked stays readable, so a wait would return at once); buf[ret]
 * is then that line's first byte and [ret, end) holds no terminator.
 *
 * A refill consumes everything peeked so far in one read (debt plus the
 * unfinished line), moves the unfinished line to the front, and peeks into
 * the rest of the window: one read and one peek per window, however many
 * lines it held. The consuming read lands on bytes that are already in
 * place, so it passes BTC_MSG_DISCARD (Linux TCP drops them instead of
 * copying them a second time).
 *
 * Deadlines are read from the clock only when something has to wait or a
 * transfer came up short, so a line already in the window costs neither a
 * system call nor a clock read. The first attempt of a call (a settling
 * read, then a peek or a read) comes before the deadline and the interrupt
 * are looked at, as in btc_sock_recv_until_terminator; every later attempt
 * is preceded by the check.
 */
#include <string.h>

#include "internal.h"

#define RD_LIVE 0x52445231u     /* "RDR1": initialised and attached */
#define RD_DETACHED 0x52445244u /* "RDRD": detached; only btc_reader_init may follow */
#define RD_NONE ((size_t)-1)

/* One call: the reader, its limits, and a deadline read from the clock only when first needed. */
typedef struct rd_call {
    btc_reader *r;
    btc_interrupt *intr;
    btc__lazy_deadline dl;
    bool attempted; /* a peek or read of this call was made: later ones check the stop first */
    int code;       /* the OS code of a BTC_ERR_IO stop */
} rd_call;

static rd_call rd_begin(btc_reader *r, int64_t timeout_ms, btc_interrupt *intr)
{
    rd_call c = {r, intr, btc__deadline_later(r->sys, timeout_ms), false, 0};
    return c;
}

/* Before every attempt but the first: TIMEOUT or INTERRUPTED if due, else OK. */
static btc_status rd_before_attempt(rd_call *c)
{
    if (!c->attempted) {
        c->attempted = true;
        return BTC_OK;
    }
    return btc__check_stop(c->r->sys, btc__deadline_get(&c->dl), c->intr);
}

static btc_status rd_wait(rd_call *c)
{
    c->attempted = true; /* a call that had to wait is past its first attempt */
    return btc__wait_ready(c->r->sock, c->r->sys, BTC_EV_RECV, btc__deadline_get(&c->dl), c->intr, &c->code);
}

/* A slot call failed: try again after a wait (WOULD_BLOCK), or a permanent BTC_ERR_IO with c->code. */
static btc_status rd_failed(rd_call *c)
{
    const btc_sys *sys = c->r->sys;
    c->code = sys->last_error(sys->ctx);
    return btc_io_error_is_permanent(c->code) ? BTC_ERR_IO : BTC_ERR_WOULD_BLOCK;
}

static size_t rd_held(const btc_reader *r) { return r->cons > r->ret ? r->cons - r->ret : 0; }

/* ---- the three moves: consume, compact, peek ------------------------------------- */

/*
 * One read of buf[cons..upto), bytes a peek already showed: into the same
 * place (they are there already, so the kernel may discard them). A read
 * shorter than that is the socket breaking its word: PROTOCOL. Inline so
 * that an EXACT line makes its read from btc_reader_line's own frame (see
 * "the path between two system calls" in docs/ARCHITECTURE.md).
 */
static inline btc_status rd_consume_once(rd_call *c, size_t upto)
{
    btc_reader *r = c->r;
    size_t want = upto - r->cons;
    btc_ssize_t n = r->sys->recv(r->sys->ctx, r->sock->fd, r->buf + r->cons, want, BTC_MSG_DONTWAIT | BTC_MSG_DISCARD);
    if (n < 0)
        return rd_failed(c);
    if ((size_t)n > want)
        return BTC_ERR_PROTOCOL; /* the slot claims bytes it had no room for */
    size_t from = r->cons;
    r->cons += (size_t)n;
    /* A copying socket wrote the last line's terminator back: keep that line a string. */
    if (r->nul_at != RD_NONE && r->nul_at >= from && r->nul_at < r->cons)
        r->buf[r->nul_at] = '\0';
    return (size_t)n < want ? BTC_ERR_PROTOCOL : BTC_OK;
}

/* Consumes buf[cons..upto), waiting out transient errors (the bytes are in the socket: it is readable). */
static btc_status rd_consume(rd_call *c, size_t upto)
{
    while (c->r->cons < upto) {
        btc_status st = rd_consume_once(c, upto);
        if (st == BTC_ERR_WOULD_BLOCK)
            st = rd_wait(c);
        if (st != BTC_OK)
            return st;
    }
    return BTC_OK;
}

/* Moves the unreturned part of the window to the front. Needs cons >= ret (no debt). */
static void rd_compact(btc_reader *r)
{
    size_t shift = r->ret;
    if (shift == 0)
        return;
    memmove(r->buf, r->buf + shift, r->end - shift);
    r->base += shift;
    r->end -= shift;
    r->cons -= shift;
    r->scan = r->scan > shift ? r->scan - shift : 0;
    r->ret = 0;
    r->nul_at = RD_NONE; /* that line is gone (the call that moves the window is the next call) */
}

/* Peeks into buf[end..cap): with cons == end the socket's next byte belongs at buf[end]. */
static btc_status rd_peek(rd_call *c, size_t *got)
{
    btc_reader *r = c->r;
    size_t room = r->cap - r->end;
    btc_ssize_t n = r->sys->recv(r->sys->ctx, r->sock->fd, r->buf + r->end, room, MSG_PEEK | BTC_MSG_DONTWAIT);
    if (n == 0)
        return BTC_ERR_CLOSED;
    if (n < 0)
        return rd_failed(c);
    if ((size_t)n > room)
        return BTC_ERR_PROTOCOL;
    r->end += (size_t)n;
    *got = (size_t)n;
    return BTC_OK;
}

/*
 * The window is used up (nothing unreturned in it, or an unfinished line):
 * consume everything peeked, move the unfinished part to the front, and
 * fetch more after it, by one peek (peek true) or one read straight into dst
 * (peek false: dst/want, the window stays empty). *got: the bytes fetched.
 * WOULD_BLOCK when nothing could be fetched yet.
 */
static btc_status rd_refill(rd_call *c, bool peek, uint8_t *dst, size_t want, size_t *got)
{
    btc_reader *r = c->r;
    btc_status st = rd_consume(c, r->end);
    if (st == BTC_OK)
        st = rd_before_attempt(c);
    if (st != BTC_OK)
        return st;
    rd_compact(r);
    if (peek) {
        if (r->end == r->cap)
            return BTC_ERR_TOO_LARGE;
        return rd_peek(c, got);
    }
    btc_ssize_t n = r->sys->recv(r->sys->ctx, r->sock->fd, dst, want, BTC_MSG_DONTWAIT);
    if (n == 0)
        return BTC_ERR_CLOSED;
    if (n < 0)
        return rd_failed(c);
    if ((size_t)n > want)
        return BTC_ERR_PROTOCOL;
    *got = (size_t)n;
    return BTC_OK;
}

/* ---- lines ---------------------------------------------------------------------- */

/* Fills the window until it holds `term` at or after ret: *t is its offset. */
static btc_status rd_fill_line(rd_call *c, uint8_t term, size_t *t)
{
    btc_reader *r = c->r;
    for (;;) {
        size_t got = 0;
        btc_status st = rd_refill(c, true, NULL, 0, &got);
        if (st == BTC_OK) {
            const char *hit = memchr(r->buf + r->end - got, term, got);
            if (hit != NULL) {
                *t = (size_t)(hit - r->buf);
                return BTC_OK;
            }
            r->scan = r->end;
            r->scan_term = term;
            continue;
        }
        if (st == BTC_ERR_WOULD_BLOCK)
            st = rd_wait(c);
        if (st != BTC_OK)
            return st;
    }
}

/*
 * A stop that hands the unfinished bytes over (CLOSED, TOO_LARGE, IO,
 * PROTOCOL): they count as returned from now on. Peeked bytes after them
 * are forgotten (the socket still has them), which frees buf[cons] for the
 * NUL.
 */
static size_t rd_hand_over(btc_reader *r, const char **line)
{
    size_t held = rd_held(r);
    if (held == 0)
        return 0;
    *line = r->buf + r->ret;
    r->ret = r->end = r->scan = r->cons;
    r->nul_at = RD_NONE;
    if (r->cons < r->cap)
        r->buf[r->cons] = '\0';
    return held;
}

static btc_status rd_line_stop(rd_call *c, btc_status st, const char **line, size_t *len, btc_error *err)
{
    btc_reader *r = c->r;
    const char *op = "reader_line";
    size_t held = rd_held(r);
    switch (st) {
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, 0, "%s: receive timeout (the reader holds %zu bytes of an unfinished line)", op,
                         held);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, 0, "%s: receive interrupted (the reader holds %zu bytes of an unfinished line)",
                         op, held);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, 0, "%s: socket not usable with the %s backend (the reader holds %zu bytes)", op,
                         btc_wait_backend(), held);
    default:
        break;
    }
    size_t n = rd_hand_over(r, line);
    *len = n;
    switch (st) {
    case BTC_ERR_CLOSED:
        return btc__fail(err, st, 0, n, "%s: connection closed by peer after %zu bytes without terminator", op, n);
    case BTC_ERR_TOO_LARGE:
        return btc__fail(err, st, 0, n, "%s: %zu bytes without terminator (the window holds %zu)", op, n, r->cap);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, n,
                         "%s: a read returned fewer bytes than the peek before it (%zu unfinished bytes handed over)",
                         op, n);
    default:
        return btc__fail(err, st, c->code, n, "%s: receive failed (%zu unfinished bytes handed over)", op, n);
    }
}

static btc_status rd_line(rd_call *c, uint8_t term, const char **line, size_t *len, btc_error *err)
{
    btc_reader *r = c->r;
    size_t from = r->scan_term == (int)term && r->scan > r->ret ? r->scan : r->ret;
    const char *hit = memchr(r->buf + from, term, r->end - from);
    size_t t = hit != NULL ? (size_t)(hit - r->buf) : 0;
    btc_status st = BTC_OK;
    if (hit == NULL) {
        r->scan = r->end;
        r->scan_term = term;
        st = rd_fill_line(c, term, &t);
    }
    if (st == BTC_OK && (r->flags & BTC_READER_EXACT) != 0 && r->cons < t + 1) {
        /* The first read in this frame, as in send.c: usually it is the only one. */
        st = rd_consume_once(c, t + 1);
        if (st == BTC_ERR_WOULD_BLOCK)
            st = rd_wait(c);
        if (st == BTC_OK)
            st = rd_consume(c, t + 1);
    }
    if (st != BTC_OK)
        return rd_line_stop(c, st, line, len, err);
    *line = r->buf + r->ret;
    *len = t - r->ret;
    r->buf[t] = '\0';
    r->nul_at = t;
    r->ret = r->scan = t + 1;
    return btc__ok(err, *len + 1);
}

/* ---- bytes ---------------------------------------------------------------------- */

/* Copies what the window has, up to n - *got bytes. */
static void rd_copy_out(btc_reader *r, uint8_t *dst, size_t n, size_t *got)
{
    size_t k = r->end - r->ret < n - *got ? r->end - r->ret : n - *got;
    memcpy(dst + *got, r->buf + r->ret, k);
    r->ret += k;
    *got += k;
    if (r->scan < r->ret)
        r->scan = r->ret;
}

static btc_status rd_read_loop(rd_call *c, uint8_t *dst, size_t n, size_t *got)
{
    btc_reader *r = c->r;
    for (;;) {
        rd_copy_out(r, dst, n, got);
        if (*got == n)
            return (r->flags & BTC_READER_EXACT) != 0 ? rd_consume(c, r->ret) : BTC_OK;
        /* The window is used up. A rest it can hold goes through it (more lines may follow in the
         * same peek); a larger one is read straight into dst, never past the n-th byte. */
        size_t want = n - *got;
        bool peek = want < r->cap;
        size_t fetched = 0;
        btc_status st = rd_refill(c, peek, dst + *got, want, &fetched);
        if (st == BTC_OK && !peek) {
            r->base += fetched; /* read past the (empty) window: it now starts after those bytes */
            *got += fetched;
            if (*got == n)
                return BTC_OK;
        }
        if (st == BTC_ERR_WOULD_BLOCK)
            st = rd_wait(c);
        if (st != BTC_OK)
            return st;
    }
}

/*
 * In EXACT mode a stop must not leave delivered bytes in the socket: those
 * the reader could not consume count as not delivered (they stay in the
 * window, and the caller asks for them again from dst + err->bytes).
 */
static btc_status rd_read(rd_call *c, uint8_t *dst, size_t n, size_t *got)
{
    btc_reader *r = c->r;
    btc_status st = rd_read_loop(c, dst, n, got);
    if (st != BTC_OK && (r->flags & BTC_READER_EXACT) != 0 && r->ret > r->cons) {
        *got -= r->ret - r->cons;
        r->ret = r->scan = r->cons;
    }
    return st;
}

static btc_status rd_read_stop(rd_call *c, btc_status st, size_t got, size_t n, btc_error *err)
{
    const char *op = "reader_read";
    switch (st) {
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, got, "%s: receive timeout (%zu of %zu bytes delivered)", op, got, n);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, got, "%s: receive interrupted (%zu of %zu bytes delivered)", op, got, n);
    case BTC_ERR_CLOSED:
        return btc__fail(err, st, 0, got, "%s: connection closed by peer after %zu of %zu bytes", op, got, n);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, got, "%s: the socket gave fewer bytes than it had shown (%zu of %zu delivered)",
                         op, got, n);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, got, "%s: socket not usable with the %s backend (%zu of %zu bytes delivered)", op,
                         btc_wait_backend(), got, n);
    default:
        return btc__fail(err, st, c->code, got, "%s: receive failed (%zu of %zu bytes delivered)", op, got, n);
    }
}

/* ---- sync ------------------------------------------------------------------------- */

/* Consumes the debt [cons, ret), waiting out transient errors with no time limit; fills err. */
static btc_status rd_sync(const char *op, btc_reader *r, btc_error *err)
{
    rd_call c = rd_begin(r, BTC_TIMEOUT_INFINITE, NULL);
    size_t before = r->cons;
    btc_status st = rd_consume(&c, r->ret);
    size_t moved = r->cons - before;
    switch (st) {
    case BTC_OK:
        return btc__ok(err, moved);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, moved, "%s: the socket gave fewer bytes than it had shown (%zu consumed)", op,
                         moved);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, moved, "%s: socket not usable with the %s backend (%zu bytes consumed)", op,
                         btc_wait_backend(), moved);
    default:
        return btc__fail(err, st, c.code, moved, "%s: consuming returned bytes failed (%zu consumed)", op, moved);
    }
}

/* ---- argument checks ---------------------------------------------------------------- */

/* r was initialised (attached or detached). */
static btc_status rd_check_initialised(const char *op, const btc_reader *r, btc_error *err)
{
    if (r == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: reader is NULL", op);
    if (r->self != r || (r->magic != RD_LIVE && r->magic != RD_DETACHED))
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: reader is not initialised (btc_reader_init)", op);
    return BTC_OK;
}

/* r is an attached reader whose socket still has the descriptor and table it had at init. */
static btc_status rd_check(const char *op, const btc_reader *r, btc_error *err)
{
    btc_status st = rd_check_initialised(op, r, err);
    if (st != BTC_OK)
        return st;
    if (r->magic == RD_DETACHED)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: reader was detached (btc_reader_init to reuse it)",
                         op);
    if (r->sock->fd == BTC_INVALID_SOCKET)
        return btc__fail(err, BTC_ERR_INVALID_SOCKET, 0, 0, "%s: not connected (the reader's socket is empty)", op);
    if (r->sock->fd != r->fd || r->sock->sys != r->table)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0,
                         "%s: the socket's descriptor or btc_sys table changed since btc_reader_init", op);
    return BTC_OK;
}

/* rd_check, and the timeout and interrupt of a call that may wait. */
static btc_status rd_check_io(const char *op, const btc_reader *r, int64_t timeout_ms, const btc_interrupt *intr,
                              btc_error *err)
{
    btc_status st = rd_check(op, r, err);
    if (st == BTC_OK)
        st = btc__check_timeout(op, timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt(op, intr, err);
    return st;
}

/*
 * rd_check_io's conditions as one test, with no call at all:
 * the hot path of a line already in the window costs a few nanoseconds, and
 * only a refusal pays for the checks that word its message.
 */
static inline bool rd_usable(const btc_reader *r, int64_t timeout_ms, const btc_interrupt *intr)
{
    return r != NULL && r->self == r && r->magic == RD_LIVE && r->sock->fd == r->fd && r->fd != BTC_INVALID_SOCKET &&
           r->sock->sys == r->table && timeout_ms >= 0 && (intr == NULL || btc__interrupt_valid(intr));
}

static btc_status rd_init(btc_reader *r, const btc_sock *s, void *buf, size_t cap, unsigned flags, btc_error *err)
{
    const char *op = "reader_init";
    if (r == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: reader is NULL", op);
    memset(r, 0, sizeof *r); /* unusable unless everything below holds */
    btc_status st = btc__check_sock(op, s, err);
    if (st != BTC_OK)
        return st;
    if (buf == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: buffer is NULL", op);
    if (cap < 2)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: window of %zu bytes (at least 2)", op, cap);
    if ((flags & ~BTC_READER_EXACT) != 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: unknown flags 0x%x", op, flags & ~BTC_READER_EXACT);
    r->flags = flags;
    r->sock = s;
    r->fd = s->fd;
    r->table = s->sys;
    r->sys = btc__sys_of(s);
    r->buf = buf;
    r->cap = cap;
    r->nul_at = RD_NONE;
    r->scan_term = -1;
    r->self = r;
    r->magic = RD_LIVE;
    return btc__ok(err, 0);
}

/* ---- the public functions ------------------------------------------------------------ */

btc_status btc_reader_init(btc_reader *r, const btc_sock *s, void *buf, size_t cap, unsigned flags, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    return rd_init(r, s, buf, cap, flags, err); /* like btc_sock_open, no I/O: nothing to log */
}

btc_status btc_reader_line(btc_reader *r, uint8_t terminator, int64_t timeout_ms, btc_interrupt *intr,
                           const char **line, size_t *len, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    if (line != NULL)
        *line = "";
    if (len != NULL)
        *len = 0;
    btc_status st;
    if (rd_usable(r, timeout_ms, intr) && line != NULL && len != NULL) {
        rd_call c = rd_begin(r, timeout_ms, intr);
        st = rd_line(&c, terminator, line, len, err);
    } else {
        st = rd_check_io("reader_line", r, timeout_ms, intr, err);
        if (st == BTC_OK)
            st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "reader_line: line or length is NULL");
    }
    btc__log_result("reader_line", err);
    return st;
}

btc_status btc_reader_read(btc_reader *r, void *dst, size_t n, int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = BTC_OK;
    if (!rd_usable(r, timeout_ms, intr))
        st = rd_check_io("reader_read", r, timeout_ms, intr, err);
    if (st == BTC_OK && dst == NULL && n > 0)
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "reader_read: dst is NULL with n %zu", n);
    if (st == BTC_OK && n == 0)
        st = btc__ok(err, 0);
    else if (st == BTC_OK && dst != NULL) {
        rd_call c = rd_begin(r, timeout_ms, intr);
        size_t got = 0;
        st = rd_read(&c, dst, n, &got);
        st = st == BTC_OK ? btc__ok(err, n) : rd_read_stop(&c, st, got, n, err);
    }
    btc__log_result("reader_read", err);
    return st;
}

btc_status btc_reader_sync(btc_reader *r, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = rd_check("reader_sync", r, err);
    if (st == BTC_OK)
        st = rd_sync("reader_sync", r, err);
    btc__log_result("reader_sync", err);
    return st;
}

btc_status btc_reader_detach(btc_reader *r, const void **held, size_t *held_len, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    if (held != NULL)
        *held = NULL;
    if (held_len != NULL)
        *held_len = 0;
    btc_status st = rd_check("reader_detach", r, err);
    if (st == BTC_OK && (held == NULL || held_len == NULL))
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "reader_detach: an output pointer is NULL");
    if (st == BTC_OK)
        st = rd_sync("reader_detach", r, err);
    if (st == BTC_OK && held != NULL && held_len != NULL) {
        *held = r->buf + r->ret;
        *held_len = rd_held(r);
        r->magic = RD_DETACHED;
    }
    btc__log_result("reader_detach", err);
    return st;
}

btc_status btc_reader_position(const btc_reader *r, uint64_t *returned, uint64_t *consumed, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    if (returned != NULL)
        *returned = 0;
    if (consumed != NULL)
        *consumed = 0;
    btc_status st = rd_check_initialised("reader_position", r, err);
    if (st == BTC_OK && (returned == NULL || consumed == NULL))
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "reader_position: an output pointer is NULL");
    if (st == BTC_OK && returned != NULL && consumed != NULL) {
        *returned = r->base + r->ret;
        *consumed = r->base + r->cons;
        st = btc__ok(err, 0);
    }
    return st; /* an accessor: nothing to log */
}
