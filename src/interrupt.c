/* SPDX-License-Identifier: MIT */
/*
 * src/interrupt.c - btc_interrupt: an atomic flag plus a wake descriptor that
 * every wait includes, so a trigger wakes waiters at once.
 *
 * Ordering: trigger sets the flag, writes the wake descriptor, and sets the
 * flag again; reset clears the flag *before* it drains.
 *  - The first store means a waiter woken by the write finds the flag set.
 *    (With only a store after the write, a woken waiter that preempted the
 *    triggering thread found the flag clear and spun on the readable
 *    descriptor until that thread ran again: milliseconds, measured in
 *    bench/.)
 *  - The second store means a readable descriptor can never outlive a set
 *    flag: if a reset slips between the first store and the write, the
 *    write would otherwise leave a stale wake-up behind a clear flag.
 * A trigger that races a reset may be lost; that is the nature of resetting.
 *
 * A wake-up can still outlive its flag: on Windows the wake byte travels
 * over loopback TCP and may arrive after a reset has drained. Such a stale
 * byte would end every later wait at once. So a waiter that is woken with
 * the flag clear drains the descriptor itself (btc__interrupt_drop_stale),
 * then looks at the flag again and, if a trigger set it meanwhile, writes
 * the wake-up back so that no other waiter misses it.
 */
#include "internal.h"

bool btc_interrupt_is_valid(const btc_interrupt *i) { return btc__interrupt_valid(i); }

btc_status btc_interrupt_init(btc_interrupt *i, btc_error *err)
{
    if (i == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "interrupt init: interrupt is NULL");
    i->magic = 0;
    i->flag = 0;
    i->wake_read = BTC_INVALID_SOCKET;
    i->wake_write = BTC_INVALID_SOCKET;
    btc_socket_t rd;
    btc_socket_t wr;
    int code = btc__wake_open(&rd, &wr);
    if (code != 0)
        return btc__fail(err, BTC_ERR_IO, code, 0, "interrupt init: cannot create the wake descriptor");
    if (!btc_is_selectable_socket(rd)) {
        btc__wake_close(rd, wr);
        return btc__fail(err, BTC_ERR_NOT_SELECTABLE, 0, 0,
                         "interrupt init: wake descriptor %lld is not usable with the %s backend", (long long)rd,
                         btc_wait_backend());
    }
    i->wake_read = rd;
    i->wake_write = wr;
    i->magic = BTC__INTERRUPT_MAGIC;
    return btc__ok(err, 0);
}

void btc_interrupt_destroy(btc_interrupt *i)
{
    if (!btc_interrupt_is_valid(i))
        return;
    i->magic = 0;
    btc__wake_close(i->wake_read, i->wake_write);
    i->wake_read = BTC_INVALID_SOCKET;
    i->wake_write = BTC_INVALID_SOCKET;
    __atomic_store_n(&i->flag, 0, __ATOMIC_SEQ_CST);
}

void btc_interrupt_trigger(btc_interrupt *i)
{
    if (!btc_interrupt_is_valid(i))
        return;
    __atomic_store_n(&i->flag, 1, __ATOMIC_SEQ_CST);
    btc__wake_signal(i->wake_write);
    __atomic_store_n(&i->flag, 1, __ATOMIC_SEQ_CST);
}

void btc_interrupt_reset(btc_interrupt *i)
{
    if (!btc_interrupt_is_valid(i))
        return;
    __atomic_store_n(&i->flag, 0, __ATOMIC_SEQ_CST);
    btc__wake_drain(i->wake_read);
}

bool btc_interrupt_is_set(const btc_interrupt *i)
{
    return btc_interrupt_is_valid(i) && __atomic_load_n(&i->flag, __ATOMIC_SEQ_CST) != 0;
}

void btc__interrupt_drop_stale(btc_interrupt *i)
{
    if (!btc_interrupt_is_valid(i) || btc_interrupt_is_set(i))
        return;
    btc__wake_drain(i->wake_read);
    if (btc_interrupt_is_set(i))
        btc__wake_signal(i->wake_write); /* a trigger came in between: its wake-up is not ours to eat */
}

btc_socket_t btc_interrupt_wake_descriptor(const btc_interrupt *i)
{
    return btc_interrupt_is_valid(i) ? i->wake_read : BTC_INVALID_SOCKET;
}
