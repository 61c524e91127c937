/* SPDX-License-Identifier: MIT */
/*
 * src/send.c - send every byte or say exactly how many the peer was given:
 * btc_sock_send_complete (one buffer), btc_sock_send_complete_v (a gather
 * send over many, no copying), and btc__send_all, the loop both run on.
 */
#include "internal.h"

/* Where the send stands: the piece it is at and how much of that piece is out. */
typedef struct send_cursor {
    const btc_sock *s;
    const btc_sys *sys;
    const btc_iovec *iov;
    size_t iovcnt;
    size_t at;  /* the first piece not sent in full */
    size_t off; /* bytes of iov[at] already sent */
} send_cursor;

/* Moves the cursor past n sent bytes (n never exceeds what is left). */
static void cursor_advance(void *ctx, size_t n)
{
    send_cursor *c = ctx;
    while (n > 0) {
        size_t left = c->iov[c->at].len - c->off;
        if (n < left) {
            c->off += n;
            return;
        }
        n -= left;
        c->at++;
        c->off = 0;
    }
    while (c->at < c->iovcnt && c->iov[c->at].len == 0)
        c->at++; /* empty pieces need no call */
}

/*
 * One send of what is left: a plain send of the current piece, or a gather
 * send of up to BTC_IOV_BATCH pieces where the table has the sendv slot (a
 * version-1 table does not: then piece by piece). *asked is the bytes offered.
 */
static btc_ssize_t send_once(void *ctx, size_t *asked)
{
    const send_cursor *c = ctx;
    const btc_sys *sys = c->sys;
    const uint8_t *first = (const uint8_t *)c->iov[c->at].base + c->off;
    size_t first_len = c->iov[c->at].len - c->off;
    *asked = first_len;
    if (c->at + 1 == c->iovcnt || !BTC__SYS_HAS(sys, sendv))
        return sys->send(sys->ctx, c->s->fd, first, first_len, BTC_MSG_DONTWAIT);
    btc_iovec batch[BTC_IOV_BATCH];
    size_t n = 0;
    batch[n++] = (btc_iovec){first, first_len};
    for (size_t i = c->at + 1; i < c->iovcnt && n < BTC_IOV_BATCH; i++) {
        if (c->iov[i].len == 0)
            continue;
        batch[n++] = c->iov[i];
        *asked += c->iov[i].len;
    }
    if (n == 1)
        return sys->send(sys->ctx, c->s->fd, first, first_len, BTC_MSG_DONTWAIT);
    return sys->sendv(sys->ctx, c->s->fd, batch, n, BTC_MSG_DONTWAIT);
}

/* A cursor at the start of iov and the mover that drives it. */
static void send_setup(send_cursor *c, btc__mover *m, const btc_sock *s, const btc_iovec *iov, size_t iovcnt,
                       size_t total)
{
    *c = (send_cursor){s, btc__sys_of(s), iov, iovcnt, 0, 0};
    /* A send that takes no byte is a broken contract, not a closed peer. */
    *m = (btc__mover){s, total, BTC_EV_SEND, BTC_ERR_PROTOCOL, send_once, cursor_advance};
    cursor_advance(c, 0);
}

btc_status btc__send_all(const btc_sock *s, const btc_iovec *iov, size_t iovcnt, size_t total, btc__lazy_deadline *dl,
                         btc_interrupt *intr, size_t *sent, int *code)
{
    send_cursor c;
    btc__mover m;
    send_setup(&c, &m, s, iov, iovcnt, total);
    return btc__transfer(&m, &c, dl, intr, sent, code);
}

/*
 * What the first attempt (n of asked bytes) left: the rest by the loop, and
 * the outcome into err.
 */
static btc_status send_rest(const btc_sock *s, const btc_iovec *iov, size_t iovcnt, size_t total, btc_ssize_t n,
                            size_t asked, int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    send_cursor c;
    btc__mover m;
    send_setup(&c, &m, s, iov, iovcnt, total);
    btc__lazy_deadline dl = btc__deadline_later(c.sys, timeout_ms);
    size_t sent;
    int code;
    btc_status st = btc__transfer_from(&m, &c, n, asked, &dl, intr, &sent, &code);
    return btc__transfer_stop(err, st, code, "send", "sent", sent, total);
}

/* The argument checks both operations share after their own. */
static btc_status send_checks(const char *op, int64_t timeout_ms, const btc_interrupt *intr, btc_error *err)
{
    btc_status st = btc__check_timeout(op, timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt(op, intr, err);
    return st;
}

/*
 * The first attempt is made in the public function's own frame, and a send
 * it finishes (the usual case) returns from there: after a system call every
 * frame and file between the caller and the call costs more than the
 * instructions in them (btc__transfer_from; bench/README.md).
 */
static btc_status send_one(const btc_sock *s, const void *data, size_t len, int64_t timeout_ms, btc_interrupt *intr,
                           btc_error *err)
{
    btc_status st = btc__check_sock("send_complete", s, err);
    if (st != BTC_OK)
        return st;
    if (data == NULL && len > 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "send_complete: data is NULL with len %zu", len);
    st = send_checks("send_complete", timeout_ms, intr, err);
    if (st != BTC_OK || len == 0)
        return st == BTC_OK ? btc__ok(err, 0) : st;
    const btc_sys *sys = btc__sys_of(s);
    btc_ssize_t n = sys->send(sys->ctx, s->fd, data, len, BTC_MSG_DONTWAIT); /* = send_once on one piece */
    if (n == (btc_ssize_t)len)
        return btc__ok(err, len);
    btc_iovec one = {data, len};
    return send_rest(s, &one, 1, len, n, len, timeout_ms, intr, err);
}

btc_status btc_sock_send_complete(const btc_sock *s, const void *data, size_t len, int64_t timeout_ms,
                                  btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = send_one(s, data, len, timeout_ms, intr, err);
    btc__log_result("send_complete", err);
    return st;
}

/* The total of the pieces and how many are empty, refusing NULL bases and a total that does not fit a size_t. */
static btc_status total_of(const btc_iovec *iov, size_t iovcnt, size_t *total, size_t *empty, btc_error *err)
{
    *total = 0;
    *empty = 0;
    if (iov == NULL && iovcnt > 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "send_complete_v: iov is NULL with iovcnt %zu", iovcnt);
    for (size_t i = 0; i < iovcnt; i++) {
        if (iov[i].base == NULL && iov[i].len > 0)
            return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "send_complete_v: iov[%zu] is NULL with len %zu", i,
                             iov[i].len);
        if (iov[i].len > SIZE_MAX - *total)
            return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0,
                             "send_complete_v: the lengths overflow a size_t at iov[%zu]", i);
        *total += iov[i].len;
        if (iov[i].len == 0)
            (*empty)++;
    }
    return BTC_OK;
}

static btc_status send_many(const btc_sock *s, const btc_iovec *iov, size_t iovcnt, int64_t timeout_ms,
                            btc_interrupt *intr, btc_error *err)
{
    btc_status st = btc__check_sock("send_complete_v", s, err);
    size_t total = 0;
    size_t empty = 0;
    if (st == BTC_OK)
        st = total_of(iov, iovcnt, &total, &empty, err);
    if (st == BTC_OK)
        st = send_checks("send_complete_v", timeout_ms, intr, err);
    if (st != BTC_OK || total == 0)
        return st == BTC_OK ? btc__ok(err, 0) : st;
    const btc_sys *sys = btc__sys_of(s);
    size_t asked = total;
    btc_ssize_t n;
    if (empty == 0 && iovcnt > 1 && iovcnt <= BTC_IOV_BATCH && BTC__SYS_HAS(sys, sendv)) {
        /* send_once would pass the pieces as they are: the same call, from this frame (as in send_one) */
        n = sys->sendv(sys->ctx, s->fd, iov, iovcnt, BTC_MSG_DONTWAIT);
    } else {
        send_cursor c;
        btc__mover m;
        send_setup(&c, &m, s, iov, iovcnt, total);
        n = send_once(&c, &asked);
    }
    if (n >= 0 && (size_t)n == total && asked == total)
        return btc__ok(err, total);
    return send_rest(s, iov, iovcnt, total, n, asked, timeout_ms, intr, err);
}

btc_status btc_sock_send_complete_v(const btc_sock *s, const btc_iovec *iov, size_t iovcnt, int64_t timeout_ms,
                                    btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = send_many(s, iov, iovcnt, timeout_ms, intr, err);
    btc__log_result("send_complete_v", err);
    return st;
}
