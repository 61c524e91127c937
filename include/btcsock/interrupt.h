/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock/interrupt.h - a cross-thread, signal-safe interrupt for waits.
 *
 * A btc_interrupt is a flag plus a wake descriptor (an eventfd on Linux, a
 * pipe elsewhere on POSIX, a loopback socket pair on Windows). Every btcsock
 * wait includes the wake descriptor, so btc_interrupt_trigger() from another
 * thread or a signal handler ends a wait at once instead of at the next
 * periodic check. The layout is public so callers can embed it; nothing is
 * allocated.
 */
#ifndef BTCSOCK_INTERRUPT_H
#define BTCSOCK_INTERRUPT_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"
#include "sys.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A flag plus a wake descriptor; the layout is public so callers can embed it. */
typedef struct btc_interrupt {
    uint32_t magic;          /**< private: marks an initialised interrupt */
    int flag;                /**< private: accessed only with atomic operations */
    btc_socket_t wake_read;  /**< private: the descriptor waits watch */
    btc_socket_t wake_write; /**< private: the descriptor trigger writes to (== wake_read for an eventfd) */
} btc_interrupt;

/**
 * Creates the wake descriptor (close-on-exec, non-blocking). Returns BTC_OK,
 * BTC_ERR_INVALID_ARGUMENT (i NULL), BTC_ERR_NOT_SELECTABLE (select backend,
 * descriptor >= FD_SETSIZE) or BTC_ERR_IO (the OS refused; err->code says why).
 */
BTC_EXTERN btc_status btc_interrupt_init(btc_interrupt *i, btc_error *err);

/** Closes the wake descriptor. Safe on NULL and on a destroyed or never-initialised (zeroed) interrupt. */
BTC_EXTERN void btc_interrupt_destroy(btc_interrupt *i);

/**
 * Sets the flag and wakes every wait that includes this interrupt.
 * Thread-safe and async-signal-safe: two atomic stores of the flag around
 * one write(2) (one send() on Windows) to the wake descriptor; it preserves
 * errno (and the Winsock last error). A no-op on NULL or an uninitialised
 * interrupt.
 */
BTC_EXTERN void btc_interrupt_trigger(btc_interrupt *i);

/** Clears the flag and drains the wake descriptor. Thread-safe. */
BTC_EXTERN void btc_interrupt_reset(btc_interrupt *i);

/** Whether the flag is set. false on NULL. Thread-safe and async-signal-safe. */
BTC_EXTERN bool btc_interrupt_is_set(const btc_interrupt *i);

/** Whether i was initialised by btc_interrupt_init and not yet destroyed. */
BTC_EXTERN bool btc_interrupt_is_valid(const btc_interrupt *i);

/** The descriptor that becomes readable when the interrupt is triggered (for callers' own event loops). */
BTC_EXTERN btc_socket_t btc_interrupt_wake_descriptor(const btc_interrupt *i);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_INTERRUPT_H */
