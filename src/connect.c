/* SPDX-License-Identifier: MIT */
/*
 * src/connect.c - connecting with a deadline: btc_sock_connect_timeout
 * (Core's ConnectDirectly: start the connect, wait for writability, read
 * SO_ERROR) and btc_sock_dial / btc_sock_dial_with (resolve, then try each
 * address in turn within one deadline).
 */
#include "internal.h"

/* The most addresses one dial tries (a resolver rarely gives more than a handful). */
#define BTC__DIAL_MAX 16

/*
 * Connects s to addr by the deadline. The socket is made non-blocking first
 * (btc_sock_open's sockets already are), so the connect itself cannot block;
 * then it is started, and if it is in progress, the loop waits for the
 * socket to become writable (or report an error) and asks SO_ERROR how it
 * ended. Returns BTC_OK, TIMEOUT, INTERRUPTED, IO (*code: the connect's
 * error) or NOT_SELECTABLE; *stage names the step that failed.
 */
static btc_status connect_by(const btc_sock *s, const struct sockaddr *addr, socklen_t len, btc__deadline dl,
                             btc_interrupt *intr, int *code, const char **stage)
{
    const btc_sys *sys = btc__sys_of(s);
    *code = 0;
    *stage = "set non-blocking";
    if (sys->set_non_blocking(sys->ctx, s->fd) != 0) {
        *code = sys->last_error(sys->ctx);
        return BTC_ERR_IO;
    }
    *stage = "connect";
    if (sys->connect(sys->ctx, s->fd, addr, len) == 0)
        return BTC_OK;
    *code = sys->last_error(sys->ctx);
    if (btc_io_error_is_permanent(*code))
        return BTC_ERR_IO;
    *stage = "wait for the connection";
    btc_status st = btc__wait_ready(s, sys, BTC_EV_SEND, dl, intr, code);
    if (st != BTC_OK)
        return st;
    *stage = "connect (SO_ERROR)";
    int so_error = 0;
    socklen_t so_len = (socklen_t)sizeof so_error;
    if (sys->getsockopt(sys->ctx, s->fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0) {
        *code = sys->last_error(sys->ctx);
        return BTC_ERR_IO;
    }
    *code = so_error;
    return so_error == 0 ? BTC_OK : BTC_ERR_IO;
}

/* Formats the outcome of a connect. */
static btc_status connect_result(btc_status st, int code, const char *stage, int64_t timeout_ms, btc_error *err)
{
    switch (st) {
    case BTC_OK:
        return btc__ok(err, 0);
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, 0, "connect timed out after %lld ms", (long long)timeout_ms);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, 0, "connect interrupted");
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, 0, "connect: socket not usable with the %s backend", btc_wait_backend());
    default:
        return btc__fail(err, st, code, 0, "%s failed", stage);
    }
}

static btc_status connect_timeout(const btc_sock *s, const struct sockaddr *addr, socklen_t len, int64_t timeout_ms,
                                  btc_interrupt *intr, btc_error *err)
{
    const char *op = "connect_timeout";
    btc_status st = btc__check_sock(op, s, err);
    if (st == BTC_OK && addr == NULL)
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: address is NULL", op);
    if (st == BTC_OK)
        st = btc__check_timeout(op, timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt(op, intr, err);
    if (st != BTC_OK)
        return st;
    int code;
    const char *stage;
    st = connect_by(s, addr, len, btc__deadline_in(btc__sys_of(s), timeout_ms), intr, &code, &stage);
    return connect_result(st, code, stage, timeout_ms, err);
}

btc_status btc_sock_connect_timeout(const btc_sock *s, const struct sockaddr *addr, socklen_t len, int64_t timeout_ms,
                                    btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = connect_timeout(s, addr, len, timeout_ms, intr, err);
    btc__log_result("connect_timeout", err);
    return st;
}

/* ---- dial ------------------------------------------------------------------------ */

static btc_status dial_args(btc_sock *out, const btc_sys *sys, const char *host, const char *service,
                            int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    const char *op = "dial";
    if (out == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: output socket is NULL", op);
    btc_sock_init(out);
    btc_status st = btc_sys_validate(sys, err);
    if (st == BTC_OK)
        st = btc__need_slot(op, sys != NULL ? sys : btc_sys_default(), BTC_SYS_SLOT_resolve, err);
    if (st == BTC_OK && (host == NULL || host[0] == '\0' || service == NULL || service[0] == '\0'))
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: host and service must be non-empty strings", op);
    if (st == BTC_OK)
        st = btc__check_timeout(op, timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt(op, intr, err);
    return st;
}

/* One attempt: a socket for a, connected by the deadline, into out. */
static btc_status dial_one(btc_sock *out, const btc_sys *sys, const btc_addr *a, btc__deadline dl, btc_interrupt *intr,
                           int *code, const char **stage)
{
    btc_sock tmp;
    btc_error open_err;
    btc_status st = btc_sock_open_with(&tmp, sys, a->family, a->socktype, a->protocol, &open_err);
    if (st != BTC_OK) {
        *stage = "socket";
        *code = open_err.code;
        return st;
    }
    st = connect_by(&tmp, (const struct sockaddr *)&a->addr, a->len, dl, intr, code, stage);
    if (st == BTC_OK)
        return btc_sock_move(out, &tmp, NULL);
    (void)btc_sock_reset(&tmp, NULL);
    return st;
}

static btc_status dial(btc_sock *out, const btc_sys *sys, const char *host, const char *service, int64_t timeout_ms,
                       btc_interrupt *intr, btc_error *err)
{
    btc_status st = dial_args(out, sys, host, service, timeout_ms, intr, err);
    if (st != BTC_OK)
        return st;
    const btc_sys *use = sys != NULL ? sys : btc_sys_default();
    btc__deadline dl = btc__deadline_in(use, timeout_ms);
    btc_addr addrs[BTC__DIAL_MAX];
    size_t count = 0;
    int rc = use->resolve(use->ctx, host, service, addrs, BTC__DIAL_MAX, &count);
    if (rc != 0)
        return btc__fail(err, BTC_ERR_RESOLVE, rc, 0, "dial: cannot resolve %s port %s", host, service);
    if (count == 0 || count > BTC__DIAL_MAX)
        return btc__fail(err, BTC_ERR_PROTOCOL, 0, 0, "dial: the resolver reported success with %zu addresses", count);
    int code = 0;
    const char *stage = "connect";
    size_t tried = 0;
    btc_status last = BTC_ERR_IO;
    while (tried < count) {
        last = btc__check_stop(use, dl, intr);
        if (last != BTC_OK)
            break;
        last = dial_one(out, sys, &addrs[tried++], dl, intr, &code, &stage);
        if (last == BTC_OK)
            return btc__ok(err, 0);
        if (last == BTC_ERR_TIMEOUT || last == BTC_ERR_INTERRUPTED)
            break; /* the deadline and the interrupt are the whole dial's */
    }
    btc_sock_init(out);
    const char *how = last == BTC_ERR_TIMEOUT ? "timed out" : last == BTC_ERR_INTERRUPTED ? "interrupted" : "failed";
    return btc__fail(err, last, last == BTC_ERR_IO ? code : 0, 0, "dial %s port %s: %s %s (%zu of %zu addresses tried)",
                     host, service, stage, how, tried, count);
}

btc_status btc_sock_dial_with(btc_sock *out, const btc_sys *sys, const char *host, const char *service,
                              int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = dial(out, sys, host, service, timeout_ms, intr, err);
    btc__log_result("dial", err);
    return st;
}

btc_status btc_sock_dial(btc_sock *out, const char *host, const char *service, int64_t timeout_ms, btc_interrupt *intr,
                         btc_error *err)
{
    return btc_sock_dial_with(out, NULL, host, service, timeout_ms, intr, err);
}
