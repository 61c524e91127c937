/*
 * src/exact.c - exact-length reads: btc_sock_recv_exact (Core's
 * InterruptibleRecv) and btc__recv_all, the loop it and the SOCKS5 client
 * share. Never a byte past len: each read asks for what is missing.
 */
#include "internal.h"

btc_status btc__recv_all(const btc_sock *s, void *buf, size_t len, btc__deadline dl, btc_interrupt *intr, size_t *got,
                         int *code)
{
    const btc_sys *sys = btc__sys_of(s);
    uint8_t *p = buf;
    *got = 0;
    *code = 0;
    while (*got < len) {
        size_t want = len - *got;
        btc_ssize_t n = sys->recv(sys->ctx, s->fd, p + *got, want, BTC_MSG_DONTWAIT);
        if (n > 0) {
            if ((size_t)n > want) /* the slot claims bytes it had no room for */
                return BTC_ERR_PROTOCOL;
            *got += (size_t)n;
            if (*got == len)
                return BTC_OK;
            btc_status st = btc__check_stop(sys, dl, intr);
            if (st != BTC_OK)
                return st;
            continue;
        }
        if (n == 0)
            return BTC_ERR_CLOSED;
        *code = sys->last_error(sys->ctx);
        if (btc_io_error_is_permanent(*code))
            return BTC_ERR_IO;
        btc_status st = btc__wait_ready(s, sys, BTC_EV_RECV, dl, intr, code);
        if (st != BTC_OK)
            return st;
    }
    return BTC_OK;
}

/* Formats a stop of the exact read; `got` of `len` bytes arrived. */
static btc_status exact_stop(btc_status st, int code, size_t got, size_t len, btc_error *err)
{
    switch (st) {
    case BTC_OK:
        return btc__ok(err, got);
    case BTC_ERR_CLOSED:
        return btc__fail(err, st, 0, got, "connection closed by peer after %zu of %zu bytes", got, len);
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, got, "receive timeout (received %zu of %zu bytes)", got, len);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, got, "receive interrupted (received %zu of %zu bytes)", got, len);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, got, "read claimed more bytes than asked for (received %zu of %zu)", got, len);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, got, "receive: socket not usable with the %s backend", btc_wait_backend());
    default:
        return btc__fail(err, st, code, got, "receive failed after %zu of %zu bytes", got, len);
    }
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
    st = btc__recv_all(s, buf, len, btc__deadline_in(btc__sys_of(s), timeout_ms), intr, &got, &code);
    return exact_stop(st, code, got, len, err);
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
