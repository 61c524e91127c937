/* SPDX-License-Identifier: MIT */
/*
 * src/connected.c - btc_sock_is_connected: a probe that consumes nothing and
 * never blocks (a one-byte MSG_PEEK with DONTWAIT).
 */
#include "internal.h"

static btc_status probe(const btc_sock *s, btc_error *err)
{
    btc_status st = btc__check_sock("is_connected", s, err);
    if (st == BTC_ERR_INVALID_SOCKET)
        return btc__fail(err, st, 0, 0, "not connected"); /* Core's wording */
    if (st != BTC_OK || s == NULL)
        return st;
    const btc_sys *sys = btc__sys_of(s);
    char byte;
    btc_ssize_t n = sys->recv(sys->ctx, s->fd, &byte, 1, MSG_PEEK | BTC_MSG_DONTWAIT);
    if (n > 0)
        return btc__ok(err, 0);
    if (n == 0)
        return btc__fail(err, BTC_ERR_CLOSED, 0, 0, "closed");
    int code = sys->last_error(sys->ctx);
    if (!btc_io_error_is_permanent(code))
        return btc__ok(err, 0); /* nothing to read yet: still connected */
    return btc__fail(err, BTC_ERR_IO, code, 0, "not connected");
}

btc_status btc_sock_is_connected(const btc_sock *s, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = probe(s, err);
    btc__log_result("is_connected", err);
    return st;
}
