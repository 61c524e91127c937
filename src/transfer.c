/* SPDX-License-Identifier: MIT */
/*
 * src/transfer.c - the one loop that moves a known number of bytes under a
 * deadline (send_complete, send_complete_v, recv_exact, the SOCKS5
 * handshake), and the words its stops are reported in.
 *
 * The loop owns the rules every such operation shares: the first attempt
 * is made before the deadline or the interrupt is looked at (and before
 * the clock is read: a transfer done in one call costs no clock read); after every
 * partial transfer both are checked (a peer that never lets the socket
 * block still cannot hold the call); a transient error waits for readiness
 * with the time left; a call that claims more bytes than it was offered is
 * the system breaking its contract. What one call does is the caller's.
 */
#include "internal.h"

btc_status btc__transfer(const btc__mover *m, void *ctx, btc__lazy_deadline *dl, btc_interrupt *intr, size_t *moved,
                         int *code)
{
    size_t asked;
    btc_ssize_t n = m->once(ctx, &asked);
    return btc__transfer_from(m, ctx, n, asked, dl, intr, moved, code);
}

btc_status btc__transfer_from(const btc__mover *m, void *ctx, btc_ssize_t n, size_t asked, btc__lazy_deadline *dl,
                              btc_interrupt *intr, size_t *moved, int *code)
{
    const btc_sys *sys = btc__sys_of(m->s);
    *moved = 0;
    *code = 0;
    for (;;) {
        if (n > 0) {
            if ((size_t)n > asked)
                return BTC_ERR_PROTOCOL;
            *moved += (size_t)n;
            m->advance(ctx, (size_t)n);
            if (*moved == m->total)
                return BTC_OK;
            btc_status st = btc__check_stop(sys, btc__deadline_get(dl), intr);
            if (st != BTC_OK)
                return st;
        } else if (n == 0) {
            return m->on_zero;
        } else {
            *code = sys->last_error(sys->ctx);
            if (btc_io_error_is_permanent(*code))
                return BTC_ERR_IO;
            btc_status st = btc__wait_ready(m->s, sys, m->events, btc__deadline_get(dl), intr, code);
            if (st != BTC_OK)
                return st;
        }
        n = m->once(ctx, &asked);
    }
}

btc_status btc__transfer_stop(btc_error *err, btc_status st, int code, const char *op, const char *verb, size_t done,
                              size_t total)
{
    switch (st) {
    case BTC_OK:
        return btc__ok(err, done);
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, done, "%s timeout (%s %zu of %zu bytes)", op, verb, done, total);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, done, "%s interrupted (%s %zu of %zu bytes)", op, verb, done, total);
    case BTC_ERR_CLOSED:
        return btc__fail(err, st, 0, done, "connection closed by peer (%s %zu of %zu bytes)", verb, done, total);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, done,
                         "%s: a call made no progress or claimed more than it was given (%s %zu of %zu bytes)", op,
                         verb, done, total);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, done, "%s: socket not usable with the %s backend (%s %zu of %zu bytes)", op,
                         btc_wait_backend(), verb, done, total);
    default:
        return btc__fail(err, st, code, done, "%s failed (%s %zu of %zu bytes)", op, verb, done, total);
    }
}
