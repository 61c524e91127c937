/* SPDX-License-Identifier: MIT */
/*
 * src/exact.c - exact-length reads: btc_sock_recv_exact (Core's
 * InterruptibleRecv) and btc__recv_all, the loop it and the SOCKS5 client
 * share. Never a byte past len: each read asks for what is missing.
 */
#include "internal.h"

/* Where the read stands: the buffer and how much of it is filled. */
typedef struct exact_cursor {
    const btc_sock *s;
    const btc_sys *sys;
    uint8_t *buf;
    size_t len;
    size_t got;
} exact_cursor;

/* One read of what is missing, never more. */
static btc_ssize_t read_once(void *ctx, size_t *asked)
{
    const exact_cursor *c = ctx;
    *asked = c->len - c->got;
    return c->sys->recv(c->sys->ctx, c->s->fd, c->buf + c->got, *asked, BTC_MSG_DONTWAIT);
}

static void read_advance(void *ctx, size_t n) { ((exact_cursor *)ctx)->got += n; }

btc_status btc__recv_all(const btc_sock *s, void *buf, size_t len, btc__lazy_deadline *dl, btc_interrupt *intr,
                         size_t *got, int *code)
{
    exact_cursor c = {s, btc__sys_of(s), buf, len, 0};
    const btc__mover m = {s, len, BTC_EV_RECV, BTC_ERR_CLOSED, read_once, read_advance};
    return btc__transfer(&m, &c, dl, intr, got, code);
}

static btc_status recv_exact(const btc_sock *s, void *buf, size_t len, int64_t timeout_ms, btc_interrupt *intr,
                             btc_error *err)
{
    const char *op = "recv_exact";
    btc_status st = btc__check_sock(op, s, err);
    if (st == BTC_OK && buf == NULL && len > 0)
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: buffer is NULL with len %zu", op, len);
    if (st == BTC_OK)
        st = btc__check_timeout(op, timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt(op, intr, err);
    if (st != BTC_OK)
        return st;
    if (len == 0)
        return btc__ok(err, 0);
    size_t got;
    int code;
    btc__lazy_deadline dl = btc__deadline_later(btc__sys_of(s), timeout_ms);
    st = btc__recv_all(s, buf, len, &dl, intr, &got, &code);
    return btc__transfer_stop(err, st, code, "receive", "received", got, len);
}

btc_status btc_sock_recv_exact(const btc_sock *s, void *buf, size_t len, int64_t timeout_ms, btc_interrupt *intr,
                               btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = recv_exact(s, buf, len, timeout_ms, intr, err);
    btc__log_result("recv_exact", err);
    return st;
}
