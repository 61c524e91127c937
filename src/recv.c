/* SPDX-License-Identifier: MIT */
/*
 * src/recv.c - btc_sock_recv_until_terminator: read one line and not one byte
 * more.
 *
 * The socket is peeked straight into the caller's buffer; memchr finds the
 * terminator; a plain read then consumes exactly up to it (overwriting the
 * peeked bytes with the same bytes). Without a terminator the whole peek is
 * consumed and the next peek is twice as large, so a line of L bytes costs
 * about 2*log2(L/512) system calls instead of Core's L/256 (fixed 512-byte
 * peeks) or L (byte-wise), and no byte is copied twice in user space.
 */
#include <string.h>

#include "internal.h"

/* Core's peek size: a line that fits costs exactly one peek and one read. */
#define BTC__PEEK_FIRST ((size_t)512)

/* Where the line being read stands. */
typedef struct line_state {
    char *buf;
    size_t max_data;
    size_t got; /* bytes consumed so far, all in buf[0..got) */
} line_state;

/* Every stop but success: hand back what was consumed, NUL-terminated if it fits. */
static btc_status line_stop(line_state *ls, size_t *len, btc_status st, int code, btc_error *err)
{
    *len = ls->got;
    if (ls->got < ls->max_data)
        ls->buf[ls->got] = '\0';
    switch (st) {
    case BTC_ERR_CLOSED:
        return btc__fail(err, st, 0, ls->got, "connection closed by peer after %zu bytes without terminator", ls->got);
    case BTC_ERR_TOO_LARGE:
        return btc__fail(err, st, 0, ls->got, "received %zu bytes without terminator (max_data %zu)", ls->got,
                         ls->max_data);
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, ls->got, "receive timeout (received %zu bytes without terminator)", ls->got);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, ls->got, "receive interrupted (received %zu bytes without terminator)", ls->got);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, ls->got, "read returned fewer bytes than the peek before it (%zu consumed)",
                         ls->got);
    case BTC_ERR_INVALID_UTF8:
        return btc__fail(err, st, 0, ls->got, "line of %zu bytes is not valid UTF-8", ls->got - 1);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, ls->got, "receive: socket not usable with the %s backend", btc_wait_backend());
    default:
        return btc__fail(err, st, code, ls->got, "receive failed after %zu bytes", ls->got);
    }
}

/* The terminator was consumed as buf[got - 1]. */
static btc_status line_done(line_state *ls, size_t *len, unsigned flags, btc_error *err)
{
    size_t line = ls->got - 1;
    if ((flags & BTC_RECV_UTF8) != 0 && !btc__utf8_valid((const uint8_t *)ls->buf, line))
        return line_stop(ls, len, BTC_ERR_INVALID_UTF8, 0, err);
    ls->buf[line] = '\0';
    *len = line;
    return btc__ok(err, ls->got);
}

/*
 * One peek-then-read step. Returns BTC_OK with *found set when bytes were
 * consumed, BTC_ERR_WOULD_BLOCK when nothing could be read yet, or a stop.
 */
static btc_status read_step(const btc_sock *s, const btc_sys *sys, line_state *ls, uint8_t terminator, size_t want,
                            bool *found, int *code)
{
    char *at = ls->buf + ls->got;
    btc_ssize_t n = sys->recv(sys->ctx, s->fd, at, want, MSG_PEEK | BTC_MSG_DONTWAIT);
    if (n == 0)
        return BTC_ERR_CLOSED;
    if (n < 0) {
        *code = sys->last_error(sys->ctx);
        return btc_io_error_is_permanent(*code) ? BTC_ERR_IO : BTC_ERR_WOULD_BLOCK;
    }
    if ((size_t)n > want)
        return BTC_ERR_PROTOCOL;
    const char *hit = memchr(at, terminator, (size_t)n);
    size_t take = hit != NULL ? (size_t)(hit - at) + 1 : (size_t)n;
    /* buf already holds these bytes from the peek: let the kernel drop them rather than copy them again. */
    btc_ssize_t r = sys->recv(sys->ctx, s->fd, at, take, BTC_MSG_DONTWAIT | BTC_MSG_DISCARD);
    if (r < 0) {
        *code = sys->last_error(sys->ctx);
        return btc_io_error_is_permanent(*code) ? BTC_ERR_IO : BTC_ERR_WOULD_BLOCK;
    }
    if ((size_t)r > take)
        return BTC_ERR_PROTOCOL; /* the slot claims bytes it had no room for */
    ls->got += (size_t)r;
    if ((size_t)r < take)
        return BTC_ERR_PROTOCOL; /* the kernel promised `take` bytes and gave fewer (or EOF) */
    *found = hit != NULL;
    return BTC_OK;
}

static btc_status recv_line(const btc_sock *s, uint8_t terminator, int64_t timeout_ms, btc_interrupt *intr,
                            line_state *ls, size_t *len, unsigned flags, btc_error *err)
{
    const btc_sys *sys = btc__sys_of(s);
    btc__deadline dl = btc__deadline_in(sys, timeout_ms);
    size_t chunk = BTC__PEEK_FIRST;
    for (;;) {
        size_t room = ls->max_data - ls->got;
        if (room == 0)
            return line_stop(ls, len, BTC_ERR_TOO_LARGE, 0, err);
        bool found = false;
        int code = 0;
        btc_status st = read_step(s, sys, ls, terminator, chunk < room ? chunk : room, &found, &code);
        if (st == BTC_OK && found)
            return line_done(ls, len, flags, err);
        if (st == BTC_OK) {
            if (chunk <= SIZE_MAX / 2)
                chunk *= 2;
            st = btc__check_stop(sys, dl, intr);
            if (st != BTC_OK)
                return line_stop(ls, len, st, 0, err);
            continue;
        }
        if (st == BTC_ERR_WOULD_BLOCK)
            st = btc__wait_ready(s, sys, BTC_EV_RECV, dl, intr, &code);
        if (st != BTC_OK)
            return line_stop(ls, len, st, code, err);
    }
}

static btc_status check_args(const btc_sock *s, int64_t timeout_ms, btc_interrupt *intr, size_t max_data,
                             const char *buf, const size_t *len, unsigned flags, btc_error *err)
{
    const char *op = "recv_until_terminator";
    btc_status st = btc__check_sock(op, s, err);
    if (st == BTC_OK && (buf == NULL || len == NULL))
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: buffer or length is NULL", op);
    if (st == BTC_OK && max_data == 0)
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: max_data is 0", op);
    if (st == BTC_OK && (flags & ~BTC_RECV_UTF8) != 0)
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: unknown flags 0x%x", op, flags & ~BTC_RECV_UTF8);
    if (st == BTC_OK)
        st = btc__check_timeout(op, timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt(op, intr, err);
    return st;
}

btc_status btc_sock_recv_until_terminator(const btc_sock *s, uint8_t terminator, int64_t timeout_ms,
                                          btc_interrupt *intr, size_t max_data, char *buf, size_t *len, unsigned flags,
                                          btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    if (len != NULL)
        *len = 0;
    if (buf != NULL && max_data > 0)
        buf[0] = '\0'; /* refused calls too: buf[*len] is '\0' whenever *len < max_data */
    btc_status st = check_args(s, timeout_ms, intr, max_data, buf, len, flags, err);
    if (st == BTC_OK && buf != NULL && len != NULL) {
        line_state ls = {buf, max_data, 0};
        st = recv_line(s, terminator, timeout_ms, intr, &ls, len, flags, err);
    }
    btc__log_result("recv_until_terminator", err);
    return st;
}
