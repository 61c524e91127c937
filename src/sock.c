/* SPDX-License-Identifier: MIT */
/*
 * src/sock.c - the btc_sock handle: ownership, argument checks shared by all
 * operations, and the thin wrappers (one slot call each).
 */
#include "internal.h"

/* ---- the table ---------------------------------------------------------- */

/* The slot list's columns as tables, indexed by btc_sys_slot. */
#define BTC__SLOT_NAME(since, ret, name, fails, n, params) #name,
static const char *const slot_names[] = {BTC_SYS_SLOTS(BTC__SLOT_NAME)};
#undef BTC__SLOT_NAME
#define BTC__SLOT_SINCE(since, ret, name, fails, n, params) since,
static const unsigned slot_since[] = {BTC_SYS_SLOTS(BTC__SLOT_SINCE)};
#undef BTC__SLOT_SINCE

const char *btc_sys_slot_name(btc_sys_slot slot)
{
    return (unsigned)slot < (unsigned)BTC_SYS_SLOT_COUNT ? slot_names[slot] : "?";
}

unsigned btc_sys_slot_since(btc_sys_slot slot)
{
    return (unsigned)slot < (unsigned)BTC_SYS_SLOT_COUNT ? slot_since[slot] : 0;
}

/* A slot is only read when the table's version has it: an older table ends before it. */
btc_status btc_sys_validate(const btc_sys *sys, btc_error *err)
{
    if (sys == NULL)
        return btc__ok(err, 0);
    if (sys->version < 1 || sys->version > BTC_SYS_VERSION)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "btc_sys version %u, this library knows 1 to %u",
                         sys->version, (unsigned)BTC_SYS_VERSION);
#define BTC__CHECK_SLOT(since, ret, name, fails, n, params) \
    if ((since) <= sys->version && sys->name == NULL)       \
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "btc_sys slot '%s' is NULL", #name);
    BTC_SYS_SLOTS(BTC__CHECK_SLOT)
#undef BTC__CHECK_SLOT
    return btc__ok(err, 0);
}

btc_status btc__need_slot(const char *op, const btc_sys *sys, btc_sys_slot slot, btc_error *err)
{
    if (sys->version >= btc_sys_slot_since(slot))
        return BTC_OK;
    return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: the btc_sys table (version %u) has no '%s' slot", op,
                     sys->version, btc_sys_slot_name(slot));
}

btc_status btc__check_sock_full(const char *op, const btc_sock *s, btc_error *err)
{
    if (s == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: socket is NULL", op);
    btc_status st = btc_sys_validate(s->sys, err);
    if (st != BTC_OK)
        return st;
    if (s->fd == BTC_INVALID_SOCKET)
        return btc__fail(err, BTC_ERR_INVALID_SOCKET, 0, 0, "%s: not connected (empty socket)", op);
    return BTC_OK;
}

btc_status btc__refuse_interrupt(const char *op, btc_error *err)
{
    return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: interrupt is not initialised", op);
}

btc_status btc__refuse_timeout(const char *op, int64_t timeout_ms, btc_error *err)
{
    return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: negative timeout (%lld ms)", op, (long long)timeout_ms);
}

/* ---- ownership ---------------------------------------------------------- */

void btc_sock_init(btc_sock *s)
{
    if (s == NULL)
        return;
    s->fd = BTC_INVALID_SOCKET;
    s->sys = NULL;
}

void btc_sock_from_fd(btc_sock *s, btc_socket_t fd)
{
    if (s == NULL)
        return;
    s->fd = fd;
    s->sys = NULL;
}

void btc_sock_set_sys(btc_sock *s, const btc_sys *sys)
{
    if (s != NULL)
        s->sys = sys;
}

btc_socket_t btc_sock_get(const btc_sock *s) { return s == NULL ? BTC_INVALID_SOCKET : s->fd; }

btc_socket_t btc_sock_release(btc_sock *s)
{
    if (s == NULL)
        return BTC_INVALID_SOCKET;
    btc_socket_t fd = s->fd;
    s->fd = BTC_INVALID_SOCKET;
    return fd;
}

bool btc_sock_is_empty(const btc_sock *s) { return s == NULL || s->fd == BTC_INVALID_SOCKET; }

/* Closes fd with sys; the descriptor is gone afterwards whatever the result. */
static btc_status close_with(const btc_sys *sys, btc_socket_t fd, btc_error *err)
{
    if (sys->close(sys->ctx, fd) == 0)
        return btc__ok(err, 0);
    int code = sys->last_error(sys->ctx);
    btc_status st = btc__fail(err, BTC_ERR_IO, code, 0, "close of socket %lld failed", (long long)fd);
    btc__log(BTC_LOG_WARN, "close of socket %lld failed (error %d)", (long long)fd, code);
    return st;
}

btc_status btc_sock_reset(btc_sock *s, btc_error *err)
{
    if (s == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "reset: socket is NULL");
    if (s->fd == BTC_INVALID_SOCKET)
        return btc__ok(err, 0);
    btc_socket_t fd = s->fd;
    s->fd = BTC_INVALID_SOCKET;
    btc_status st = btc_sys_validate(s->sys, err);
    if (st != BTC_OK)
        return st; /* cannot close through a broken table; s is empty as promised */
    return close_with(btc__sys_of(s), fd, err);
}

btc_status btc_sock_move(btc_sock *dst, btc_sock *src, btc_error *err)
{
    if (dst == NULL || src == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "move: socket is NULL");
    if (dst == src)
        return btc__ok(err, 0);
    btc_status st = btc_sock_reset(dst, err);
    dst->fd = src->fd;
    dst->sys = src->sys;
    src->fd = BTC_INVALID_SOCKET;
    src->sys = NULL;
    return st;
}

/* The last step of every function that creates a socket: refuse what the wait backend cannot hold. */
static btc_status adopt_new(const char *op, const btc_sys *sys, btc_socket_t fd, btc_sock *out, btc_error *err)
{
    if (!btc_is_selectable_socket(fd)) {
        (void)sys->close(sys->ctx, fd);
        return btc__fail(err, BTC_ERR_NOT_SELECTABLE, 0, 0, "%s: descriptor %lld is not usable with the %s backend", op,
                         (long long)fd, btc_wait_backend());
    }
    out->fd = fd;
    return btc__ok(err, 0);
}

btc_status btc_sock_open_with(btc_sock *out, const btc_sys *sys, int domain, int type, int protocol, btc_error *err)
{
    if (out == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "open: output socket is NULL");
    btc_sock_init(out);
    btc_status st = btc_sys_validate(sys, err);
    if (st != BTC_OK)
        return st;
    out->sys = sys;
    const btc_sys *use = btc__sys_of(out);
    btc_socket_t fd = use->open(use->ctx, domain, type, protocol);
    if (fd == BTC_INVALID_SOCKET)
        return btc__fail(err, BTC_ERR_IO, use->last_error(use->ctx), 0, "socket(%d, %d, %d) failed", domain, type,
                         protocol);
    return adopt_new("open", use, fd, out, err);
}

btc_status btc_sock_open(btc_sock *out, int domain, int type, int protocol, btc_error *err)
{
    return btc_sock_open_with(out, NULL, domain, type, protocol, err);
}

btc_status btc_make_socket_pair(btc_sock *a, btc_sock *b, btc_error *err)
{
    if (a == NULL || b == NULL || a == b)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "socket pair: needs two distinct sockets");
    btc_sock_init(a);
    btc_sock_init(b);
    const btc_sys *sys = btc_sys_default();
    btc_socket_t fds[2];
    if (sys->socketpair(sys->ctx, fds) != 0)
        return btc__fail(err, BTC_ERR_IO, sys->last_error(sys->ctx), 0, "socketpair failed");
    if (!btc_is_selectable_socket(fds[0]) || !btc_is_selectable_socket(fds[1])) {
        (void)sys->close(sys->ctx, fds[0]);
        (void)sys->close(sys->ctx, fds[1]);
        return btc__fail(err, BTC_ERR_NOT_SELECTABLE, 0, 0,
                         "socket pair: descriptors %lld/%lld not usable with the %s backend", (long long)fds[0],
                         (long long)fds[1], btc_wait_backend());
    }
    a->fd = fds[0];
    b->fd = fds[1];
    return btc__ok(err, 0);
}

/* ---- thin wrappers -------------------------------------------------------- */

/* A slot failed: transient errors are WOULD_BLOCK, the rest IO. */
static btc_status os_failure(const btc_sys *sys, const char *op, btc_error *err)
{
    int code = sys->last_error(sys->ctx);
    if (!btc_io_error_is_permanent(code))
        return btc__fail(err, BTC_ERR_WOULD_BLOCK, code, 0, "%s would block or is in progress", op);
    return btc__fail(err, BTC_ERR_IO, code, 0, "%s failed", op);
}

/* A slot returned 0 or -1. */
static btc_status int_result(const btc_sys *sys, int ret, const char *op, btc_error *err)
{
    return ret == 0 ? btc__ok(err, 0) : os_failure(sys, op, err);
}

/* A transfer slot returned n for a request of len bytes. */
static btc_status transfer_result(const btc_sys *sys, btc_ssize_t n, size_t len, const char *op, size_t *moved,
                                  btc_error *err)
{
    if (n < 0)
        return os_failure(sys, op, err);
    if ((size_t)n > len)
        return btc__fail(err, BTC_ERR_PROTOCOL, 0, 0, "%s returned %lld for a %zu-byte request", op, (long long)n, len);
    if (moved != NULL)
        *moved = (size_t)n;
    return btc__ok(err, (size_t)n);
}

btc_status btc_sock_send(const btc_sock *s, const void *data, size_t len, int flags, size_t *sent, btc_error *err)
{
    if (sent != NULL)
        *sent = 0;
    btc_status st = btc__check_sock("send", s, err);
    if (st != BTC_OK)
        return st;
    if (data == NULL && len > 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "send: data is NULL");
    const btc_sys *sys = btc__sys_of(s);
    return transfer_result(sys, sys->send(sys->ctx, s->fd, data, len, flags), len, "send", sent, err);
}

btc_status btc_sock_recv(const btc_sock *s, void *buf, size_t len, int flags, size_t *received, btc_error *err)
{
    if (received != NULL)
        *received = 0;
    btc_status st = btc__check_sock("recv", s, err);
    if (st != BTC_OK)
        return st;
    if (buf == NULL && len > 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "recv: buffer is NULL");
    const btc_sys *sys = btc__sys_of(s);
    btc_ssize_t n = sys->recv(sys->ctx, s->fd, buf, len, flags);
    if (n == 0 && len > 0)
        return btc__fail(err, BTC_ERR_CLOSED, 0, 0, "recv: connection closed by peer");
    return transfer_result(sys, n, len, "recv", received, err);
}

btc_status btc_sock_connect(const btc_sock *s, const struct sockaddr *addr, socklen_t len, btc_error *err)
{
    btc_status st = btc__check_sock("connect", s, err);
    if (st != BTC_OK)
        return st;
    if (addr == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "connect: address is NULL");
    const btc_sys *sys = btc__sys_of(s);
    return int_result(sys, sys->connect(sys->ctx, s->fd, addr, len), "connect", err);
}

btc_status btc_sock_bind(const btc_sock *s, const struct sockaddr *addr, socklen_t len, btc_error *err)
{
    btc_status st = btc__check_sock("bind", s, err);
    if (st != BTC_OK)
        return st;
    if (addr == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "bind: address is NULL");
    const btc_sys *sys = btc__sys_of(s);
    return int_result(sys, sys->bind(sys->ctx, s->fd, addr, len), "bind", err);
}

btc_status btc_sock_listen(const btc_sock *s, int backlog, btc_error *err)
{
    btc_status st = btc__check_sock("listen", s, err);
    if (st != BTC_OK)
        return st;
    const btc_sys *sys = btc__sys_of(s);
    return int_result(sys, sys->listen(sys->ctx, s->fd, backlog), "listen", err);
}

btc_status btc_sock_accept(const btc_sock *s, struct sockaddr *addr, socklen_t *len, btc_sock *out, btc_error *err)
{
    if (out == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "accept: output socket is NULL");
    btc_status st = btc__check_sock("accept", s, err);
    if (st != BTC_OK) {
        btc_sock_init(out);
        return st;
    }
    const btc_sys *sys = btc__sys_of(s);
    btc_socket_t listener = s->fd;
    const btc_sys *inherited = s->sys; /* read before out is written: out may alias s */
    out->fd = BTC_INVALID_SOCKET;
    out->sys = inherited;
    if (addr != NULL && len == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "accept: address given without its length");
    btc_socket_t fd = sys->accept(sys->ctx, listener, addr, len);
    if (fd == BTC_INVALID_SOCKET)
        return os_failure(sys, "accept", err);
    return adopt_new("accept", sys, fd, out, err);
}

btc_status btc_sock_get_sock_opt(const btc_sock *s, int level, int name, void *val, socklen_t *len, btc_error *err)
{
    btc_status st = btc__check_sock("getsockopt", s, err);
    if (st != BTC_OK)
        return st;
    if (val == NULL || len == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "getsockopt: value or length is NULL");
    const btc_sys *sys = btc__sys_of(s);
    return int_result(sys, sys->getsockopt(sys->ctx, s->fd, level, name, val, len), "getsockopt", err);
}

btc_status btc_sock_set_sock_opt(const btc_sock *s, int level, int name, const void *val, socklen_t len, btc_error *err)
{
    btc_status st = btc__check_sock("setsockopt", s, err);
    if (st != BTC_OK)
        return st;
    if (val == NULL && len > 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "setsockopt: value is NULL");
    const btc_sys *sys = btc__sys_of(s);
    return int_result(sys, sys->setsockopt(sys->ctx, s->fd, level, name, val, len), "setsockopt", err);
}

btc_status btc_sock_get_sock_name(const btc_sock *s, struct sockaddr *addr, socklen_t *len, btc_error *err)
{
    btc_status st = btc__check_sock("getsockname", s, err);
    if (st != BTC_OK)
        return st;
    if (addr == NULL || len == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "getsockname: address or length is NULL");
    const btc_sys *sys = btc__sys_of(s);
    return int_result(sys, sys->getsockname(sys->ctx, s->fd, addr, len), "getsockname", err);
}

btc_status btc_sock_set_non_blocking(const btc_sock *s, btc_error *err)
{
    btc_status st = btc__check_sock("set non-blocking", s, err);
    if (st != BTC_OK)
        return st;
    const btc_sys *sys = btc__sys_of(s);
    return int_result(sys, sys->set_non_blocking(sys->ctx, s->fd), "set non-blocking", err);
}

btc_status btc_sock_shutdown(const btc_sock *s, int how, btc_error *err)
{
    btc_status st = btc__check_sock("shutdown", s, err);
    if (st != BTC_OK)
        return st;
    if (how != BTC_SHUT_RD && how != BTC_SHUT_WR && how != BTC_SHUT_RDWR)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0,
                         "shutdown: how %d is not BTC_SHUT_RD, BTC_SHUT_WR or BTC_SHUT_RDWR", how);
    const btc_sys *sys = btc__sys_of(s);
    st = btc__need_slot("shutdown", sys, BTC_SYS_SLOT_shutdown, err);
    if (st != BTC_OK)
        return st;
    return int_result(sys, sys->shutdown(sys->ctx, s->fd, how), "shutdown", err);
}

bool btc_sock_is_selectable(const btc_sock *s)
{
    return s != NULL && s->fd != BTC_INVALID_SOCKET && btc_is_selectable_socket(s->fd);
}
