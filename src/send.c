/*
 * src/send.c - btc_sock_send_complete: send every byte or say exactly how
 * many the peer was given.
 */
#include "internal.h"

/* Formats a stop of the send loop; `sent` of `len` bytes went out. */
static btc_status send_stop(btc_status st, int code, size_t sent, size_t len, btc_error *err)
{
    switch (st) {
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, sent, "send timeout (sent %zu of %zu bytes)", sent, len);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, sent, "send interrupted (sent %zu of %zu bytes)", sent, len);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, sent, "send made no progress (sent %zu of %zu bytes)", sent, len);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, sent, "send: socket not usable with the %s backend (sent %zu of %zu bytes)",
                         btc_wait_backend(), sent, len);
    default:
        return btc__fail(err, st, code, sent, "send failed (sent %zu of %zu bytes)", sent, len);
    }
}

static btc_status send_all(const btc_sock *s, const uint8_t *data, size_t len, int64_t timeout_ms, btc_interrupt *intr,
                           btc_error *err)
{
    if (len == 0)
        return btc__ok(err, 0);
    const btc_sys *sys = btc__sys_of(s);
    btc__deadline dl = btc__deadline_in(sys, timeout_ms);
    size_t sent = 0;
    for (;;) {
        btc_ssize_t n = sys->send(sys->ctx, s->fd, data + sent, len - sent, BTC_MSG_DONTWAIT);
        if (n > 0) {
            if ((size_t)n > len - sent) /* the slot claims bytes it was never given */
                return send_stop(BTC_ERR_PROTOCOL, 0, sent, len, err);
            sent += (size_t)n;
            if (sent == len)
                return btc__ok(err, sent);
            /* Try again at once (the socket may take more), unless time is up. */
            btc_status st = btc__check_stop(sys, dl, intr);
            if (st != BTC_OK)
                return send_stop(st, 0, sent, len, err);
            continue;
        }
        if (n == 0)
            return send_stop(BTC_ERR_PROTOCOL, 0, sent, len, err);
        int code = sys->last_error(sys->ctx);
        if (btc_io_error_is_permanent(code))
            return send_stop(BTC_ERR_IO, code, sent, len, err);
        btc_status st = btc__wait_ready(s, sys, BTC_EV_SEND, dl, intr, &code);
        if (st != BTC_OK)
            return send_stop(st, code, sent, len, err);
    }
}

static btc_status check_args(const btc_sock *s, const void *data, size_t len, int64_t timeout_ms, btc_interrupt *intr,
                             btc_error *err)
{
    btc_status st = btc__check_sock("send_complete", s, err);
    if (st == BTC_OK && data == NULL && len > 0)
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "send_complete: data is NULL with len %zu", len);
    if (st == BTC_OK)
        st = btc__check_timeout("send_complete", timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt("send_complete", intr, err);
    return st;
}

btc_status btc_sock_send_complete(const btc_sock *s, const void *data, size_t len, int64_t timeout_ms,
                                  btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = check_args(s, data, len, timeout_ms, intr, err);
    if (st == BTC_OK)
        st = send_all(s, data, len, timeout_ms, intr, err);
    btc__log_result("send_complete", err);
    return st;
}
