/* SPDX-License-Identifier: MIT */
/*
 * src/wait.c - deadlines and the one wait loop, plus the public waits.
 *
 * Deadlines live on the table's monotonic clock. The loop recomputes the time
 * left before every slot call, so EINTR and early wake-ups never stretch a
 * timeout, and it checks the interrupt before every call, so a trigger that
 * landed before the wait is seen without relying on the wake descriptor.
 */
#include <errno.h>
#include <limits.h>

#include "internal.h"

btc__deadline btc__deadline_in(const btc_sys *sys, int64_t timeout_ms)
{
    btc__deadline dl = {INT64_MAX};
    if (timeout_ms == BTC_TIMEOUT_INFINITE)
        return dl;
    int64_t now = sys->now_ms(sys->ctx);
    /* Saturate one short of INT64_MAX, which means "never": a finite timeout stays finite. */
    dl.at_ms = now > 0 && timeout_ms > INT64_MAX - 1 - now ? INT64_MAX - 1 : now + timeout_ms;
    return dl;
}

btc__deadline btc__deadline_get(btc__lazy_deadline *l)
{
    if (!l->set) {
        l->dl = btc__deadline_in(l->sys, l->timeout_ms);
        l->set = true;
    }
    return l->dl;
}

bool btc__deadline_passed(const btc_sys *sys, btc__deadline dl)
{
    return dl.at_ms != INT64_MAX && sys->now_ms(sys->ctx) >= dl.at_ms;
}

/* Milliseconds left for the slot: -1 for no deadline, capped at INT_MAX. */
static int remaining_ms(const btc_sys *sys, btc__deadline dl)
{
    if (dl.at_ms == INT64_MAX)
        return -1;
    int64_t left = dl.at_ms - sys->now_ms(sys->ctx);
    if (left <= 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

static bool any_occurred(const btc_wait_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (items[i].occurred != 0)
            return true;
    }
    return false;
}

btc_status btc__wait(const btc_sys *sys, btc_wait_item *items, size_t count, btc__deadline dl, btc_interrupt *intr,
                     int *code)
{
    *code = 0;
    for (size_t i = 0; i < count; i++) {
        if (!btc_is_selectable_socket(items[i].sock->fd))
            return BTC_ERR_NOT_SELECTABLE;
    }
    btc_socket_t wake = btc_interrupt_wake_descriptor(intr);
    for (;;) {
        if (btc_interrupt_is_set(intr))
            return BTC_ERR_INTERRUPTED;
        int n = sys->wait(sys->ctx, items, count, wake, remaining_ms(sys, dl));
        if (n < 0) {
            *code = sys->last_error(sys->ctx);
            if (btc_io_error_is_permanent(*code))
                return BTC_ERR_IO;
            *code = 0; /* EINTR and friends: go round with the time left */
        } else if (n > 0 && any_occurred(items, count)) {
            return BTC_OK;
        } else if (n > 0) {
            btc__interrupt_drop_stale(intr); /* woken by the descriptor: stale unless the flag is set */
        }
        /* Timed out, woken by the interrupt, or woken early: decide from the facts. */
        if (btc_interrupt_is_set(intr))
            return BTC_ERR_INTERRUPTED;
        if (btc__deadline_passed(sys, dl))
            return BTC_ERR_TIMEOUT;
    }
}

btc_status btc__check_stop(const btc_sys *sys, btc__deadline dl, const btc_interrupt *intr)
{
    if (btc__deadline_passed(sys, dl))
        return BTC_ERR_TIMEOUT;
    if (btc_interrupt_is_set(intr))
        return BTC_ERR_INTERRUPTED;
    return BTC_OK;
}

btc_status btc__wait_ready(const btc_sock *s, const btc_sys *sys, btc_events events, btc__deadline dl,
                           btc_interrupt *intr, int *code)
{
    *code = 0;
    btc_status st = btc__check_stop(sys, dl, intr);
    if (st != BTC_OK)
        return st;
    btc_wait_item item = {s, events, 0};
    return btc__wait(sys, &item, 1, dl, intr, code);
}

/* Formats the outcome of a public wait. */
static btc_status wait_result(const char *op, btc_status st, int code, int64_t timeout_ms, btc_error *err)
{
    switch (st) {
    case BTC_OK:
        return btc__ok(err, 0);
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, 0, "%s: timed out after %lld ms", op, (long long)timeout_ms);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, 0, "%s: interrupted", op);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, 0, "%s: a descriptor is not usable with the %s backend", op, btc_wait_backend());
    default:
        /* Only the public waits own BTC_ERR_NO_MEMORY; in send/recv it stays an I/O error with its code. */
        return btc__fail(err, code == ENOMEM ? BTC_ERR_NO_MEMORY : st, code, 0, "%s failed", op);
    }
}

static btc_status check_requested(const char *op, btc_events requested, btc_error *err)
{
    if ((requested & (BTC_EV_RECV | BTC_EV_SEND)) == 0 || (requested & ~(BTC_EV_RECV | BTC_EV_SEND | BTC_EV_ERR)) != 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0,
                         "%s: requested events 0x%x must include BTC_EV_RECV or BTC_EV_SEND and nothing unknown", op,
                         (unsigned)requested);
    return BTC_OK;
}

static btc_status sock_wait(const btc_sock *s, int64_t timeout_ms, btc_events requested, btc_events *occurred,
                            btc_interrupt *intr, btc_error *err)
{
    btc_status st = btc__check_sock("wait", s, err);
    if (st == BTC_OK)
        st = btc__check_timeout("wait", timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt("wait", intr, err);
    if (st == BTC_OK)
        st = check_requested("wait", requested, err);
    if (st != BTC_OK)
        return st;
    const btc_sys *sys = btc__sys_of(s);
    btc_wait_item item = {s, requested, 0};
    int code;
    st = btc__wait(sys, &item, 1, btc__deadline_in(sys, timeout_ms), intr, &code);
    if (st == BTC_OK && occurred != NULL)
        *occurred = item.occurred;
    return wait_result("wait", st, code, timeout_ms, err);
}

btc_status btc_sock_wait(const btc_sock *s, int64_t timeout_ms, btc_events requested, btc_events *occurred,
                         btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    if (occurred != NULL)
        *occurred = 0;
    btc_status st = sock_wait(s, timeout_ms, requested, occurred, intr, err);
    btc__log_result("wait", err);
    return st;
}

/* Every item valid, and all on one table (one wait slot must see them all). */
static btc_status check_items(const btc_wait_item *items, size_t count, const btc_sys **sys, btc_error *err)
{
    *sys = btc_sys_default();
    for (size_t i = 0; i < count; i++) {
        btc_status st = btc__check_sock("wait_many", items[i].sock, err);
        if (st == BTC_OK)
            st = check_requested("wait_many", items[i].requested, err);
        if (st != BTC_OK)
            return st;
        const btc_sys *item_sys = btc__sys_of(items[i].sock);
        if (i > 0 && item_sys != *sys)
            return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0,
                             "wait_many: item %zu uses a different btc_sys table than item 0", i);
        *sys = item_sys;
    }
    return BTC_OK;
}

static void clear_occurred(btc_wait_item *items, size_t count)
{
    for (size_t i = 0; i < count && items != NULL; i++)
        items[i].occurred = 0;
}

static btc_status wait_many(btc_wait_item *items, size_t count, int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    if (items == NULL && count > 0)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "wait_many: items is NULL with count %zu", count);
    const btc_sys *sys;
    btc_status st = check_items(items, count, &sys, err);
    if (st == BTC_OK)
        st = btc__check_timeout("wait_many", timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt("wait_many", intr, err);
    if (st != BTC_OK)
        return st;
    /* A backend that holds a bounded number of sockets (select on Windows) refuses more, as
     * the select backend refuses a descriptor it cannot hold: before anything is waited for. */
    size_t watched = count + (btc_interrupt_wake_descriptor(intr) != BTC_INVALID_SOCKET ? 1U : 0U);
    if (watched > btc__wait_capacity())
        return btc__fail(err, BTC_ERR_NOT_SELECTABLE, 0, 0,
                         "wait_many: %zu sockets (the interrupt's included), the %s backend watches at most %zu",
                         watched, btc_wait_backend(), btc__wait_capacity());
    int code;
    st = btc__wait(sys, items, count, btc__deadline_in(sys, timeout_ms), intr, &code);
    if (st != BTC_OK)
        clear_occurred(items, count);
    return wait_result("wait_many", st, code, timeout_ms, err);
}

btc_status btc_wait_many(btc_wait_item *items, size_t count, int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    clear_occurred(items, count);
    btc_status st = wait_many(items, count, timeout_ms, intr, err);
    btc__log_result("wait_many", err);
    return st;
}
