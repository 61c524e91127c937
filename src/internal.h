/* SPDX-License-Identifier: MIT */
/*
 * src/internal.h - private helpers shared by the library's source files.
 * Nothing here is exported (names start with btc__, visibility hidden).
 */
#ifndef BTCSOCK_INTERNAL_H
#define BTCSOCK_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btcsock.h"

/* ---- errors (status.c): every error path ends in one of these ---------- */

/**
 * Fills err for success: status OK, code 0, bytes, empty message. Returns
 * BTC_OK. Inline because it runs right after an operation's last system
 * call: a call into another file there costs more than the four stores
 * (bench/README.md, "the cost per message over a real pair").
 */
static inline btc_status btc__ok(btc_error *err, size_t bytes)
{
    if (err != NULL) {
        err->status = BTC_OK;
        err->code = 0;
        err->bytes = bytes;
        err->message[0] = '\0';
    }
    return BTC_OK;
}

/**
 * Fills err for a failure and returns st. The message is the formatted text,
 * followed by ": <system message> (<code>)" when code is not 0. err may be
 * NULL (then only st is returned).
 */
btc_status btc__fail(btc_error *err, btc_status st, int code, size_t bytes, const char *fmt, ...) BTC_PRINTF(5, 6);

/* ---- logging (log.c) ------------------------------------------------------ */

/** Non-zero while a log handler is installed (log.c owns it). */
extern atomic_int btc__log_installed;
/** btc__log_result's work when a handler is installed. */
void btc__log_result_to_handler(const char *op, const btc_error *err);
/**
 * Logs one result of a public operation: TRACE for BTC_OK, DEBUG otherwise.
 * Every operation ends here; with no handler (the usual case) it is one
 * inline load, for the same reason btc__ok is inline.
 */
static inline void btc__log_result(const char *op, const btc_error *err)
{
    if (atomic_load_explicit(&btc__log_installed, memory_order_acquire))
        btc__log_result_to_handler(op, err);
}
/** Logs a formatted message if a handler wants this level. */
void btc__log(btc_log_level level, const char *fmt, ...) BTC_PRINTF(2, 3);

/* ---- argument checks (sock.c) --------------------------------------------- */

/* The version each slot arrived in, as constants: BTC__SINCE_sendv. */
enum {
#define BTC__SINCE_ENUM(since, ret, name, fails, n, params) BTC__SINCE_##name = (since),
    BTC_SYS_SLOTS(BTC__SINCE_ENUM)
#undef BTC__SINCE_ENUM
};
/** Whether the (validated) table has the slot: it does when its version is at least the slot's. */
#define BTC__SYS_HAS(sys, name) ((sys)->version >= (unsigned)BTC__SINCE_##name)
/** Refuses an operation that needs a slot the table's version lacks (BTC_ERR_INVALID_ARGUMENT naming it). */
btc_status btc__need_slot(const char *op, const btc_sys *sys, btc_sys_slot slot, btc_error *err);

/*
 * The checks every operation makes between two system calls are inline for
 * their usual outcome, like btc__ok: the out-of-line part handles the rest.
 */

/** The OS file's default table (platform.h, BTC__DEFINE_DEFAULT_SYS): what btc_sys_default returns. */
extern const btc_sys btc__os_default_sys;

/** The table s uses: its own or the default. s must not be NULL. */
static inline const btc_sys *btc__sys_of(const btc_sock *s) { return s->sys != NULL ? s->sys : &btc__os_default_sys; }

/** btc__check_sock for any socket (a NULL one, an empty one, one with its own table to validate). */
btc_status btc__check_sock_full(const char *op, const btc_sock *s, btc_error *err);
/**
 * The common entry check of operations on an existing socket: s not NULL,
 * its table valid, s not empty. Fills err (OK too) and returns non-OK on
 * failure.
 */
static inline btc_status btc__check_sock(const char *op, const btc_sock *s, btc_error *err)
{
    if (s != NULL && s->sys == NULL && s->fd != BTC_INVALID_SOCKET)
        return btc__ok(err, 0); /* the default table needs no validation */
    return btc__check_sock_full(op, s, err);
}

#define BTC__INTERRUPT_MAGIC 0x42544349u /* "BTCI": an initialised btc_interrupt (interrupt.c) */

/** btc_interrupt_is_valid, inline for the operations' entry checks. */
static inline bool btc__interrupt_valid(const btc_interrupt *i)
{
    return i != NULL && i->magic == BTC__INTERRUPT_MAGIC;
}

/** Refuses an interrupt that is not initialised (fills err); always BTC_ERR_INVALID_ARGUMENT. */
btc_status btc__refuse_interrupt(const char *op, btc_error *err);
/** intr is NULL or initialised. */
static inline btc_status btc__check_interrupt(const char *op, const btc_interrupt *intr, btc_error *err)
{
    return intr == NULL || btc__interrupt_valid(intr) ? BTC_OK : btc__refuse_interrupt(op, err);
}

/** Refuses a negative timeout (fills err); always BTC_ERR_INVALID_ARGUMENT. */
btc_status btc__refuse_timeout(const char *op, int64_t timeout_ms, btc_error *err);
/** A timeout is >= 0 (BTC_TIMEOUT_INFINITE included). */
static inline btc_status btc__check_timeout(const char *op, int64_t timeout_ms, btc_error *err)
{
    return timeout_ms >= 0 ? BTC_OK : btc__refuse_timeout(op, timeout_ms, err);
}

/* ---- deadlines and waits (wait.c) ----------------------------------------- */

typedef struct btc__deadline {
    int64_t at_ms; /* on sys's clock; INT64_MAX: never */
} btc__deadline;

/** A deadline timeout_ms from now on sys's clock (saturating; BTC_TIMEOUT_INFINITE: never). */
btc__deadline btc__deadline_in(const btc_sys *sys, int64_t timeout_ms);
/** Whether the deadline has passed. */
bool btc__deadline_passed(const btc_sys *sys, btc__deadline dl);

/*
 * A deadline whose clock is read only when first needed: the first attempt
 * of a call, made before any check, then costs no clock read, and a call
 * finished by it none at all. The time starts at that first read.
 */
typedef struct btc__lazy_deadline {
    const btc_sys *sys;
    int64_t timeout_ms;
    btc__deadline dl; /* valid once set */
    bool set;
} btc__lazy_deadline;

/** timeout_ms from the first btc__deadline_get (BTC_TIMEOUT_INFINITE: never); reads no clock. */
static inline btc__lazy_deadline btc__deadline_later(const btc_sys *sys, int64_t timeout_ms)
{
    btc__lazy_deadline l = {sys, timeout_ms, {INT64_MAX}, false};
    return l;
}
/** The deadline, read from the clock on the first call. */
btc__deadline btc__deadline_get(btc__lazy_deadline *l);

/**
 * The one wait loop: waits on items until an event, the deadline or the
 * interrupt. EINTR and early wake-ups are retried with the time left.
 * Returns BTC_OK (an event occurred), BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED,
 * BTC_ERR_NOT_SELECTABLE or BTC_ERR_IO with *code set (ENOMEM included).
 * It fills no btc_error: each caller words the outcome in its own terms.
 */
btc_status btc__wait(const btc_sys *sys, btc_wait_item *items, size_t count, btc__deadline dl, btc_interrupt *intr,
                     int *code);

/**
 * Between two transfers of an I/O loop: BTC_ERR_TIMEOUT if the deadline has
 * passed, BTC_ERR_INTERRUPTED if intr is set, else BTC_OK. Checked after
 * every partial transfer, so a peer that never makes the socket block still
 * cannot hold a call past its deadline.
 */
btc_status btc__check_stop(const btc_sys *sys, btc__deadline dl, const btc_interrupt *intr);

/**
 * The retry step of the I/O loops, after a transient error: BTC_ERR_TIMEOUT
 * if the deadline has passed, BTC_ERR_INTERRUPTED if intr is set, else
 * btc__wait for `events` on s.
 */
btc_status btc__wait_ready(const btc_sock *s, const btc_sys *sys, btc_events events, btc__deadline dl,
                           btc_interrupt *intr, int *code);

/* ---- interrupts (interrupt.c) -------------------------------------------------- */

/** A waiter woken by intr's descriptor with its flag clear: drains the stale wake-up (see interrupt.c). */
void btc__interrupt_drop_stale(btc_interrupt *i);

/* ---- the transfer loop (transfer.c) and its users (send.c, exact.c) ------------------- */

/** What btc__transfer moves: total bytes over s, one call at a time, as the user says. */
typedef struct btc__mover {
    const btc_sock *s;
    size_t total;       /* bytes to move in all (> 0) */
    btc_events events;  /* what a transient error waits for: BTC_EV_SEND or BTC_EV_RECV */
    btc_status on_zero; /* a call that moves 0 bytes: BTC_ERR_PROTOCOL (a send), BTC_ERR_CLOSED (a read) */
    /** One call for what is left: the bytes moved (> 0), 0, or -1 (last_error says why); *asked: offered. */
    btc_ssize_t (*once)(void *ctx, size_t *asked);
    /** n more bytes were moved. */
    void (*advance)(void *ctx, size_t n);
} btc__mover;

/**
 * Moves m->total bytes by the deadline (see transfer.c for the rules).
 * *moved: the bytes moved. Returns BTC_OK, TIMEOUT, INTERRUPTED, IO
 * (*code), PROTOCOL, m->on_zero or NOT_SELECTABLE; fills no btc_error.
 */
btc_status btc__transfer(const btc__mover *m, void *ctx, btc__lazy_deadline *dl, btc_interrupt *intr, size_t *moved,
                         int *code);
/**
 * btc__transfer after its first attempt, which the caller made itself (n:
 * what m->once returned, asked: what it offered; for n < 0 nothing may run
 * between the call and this one, which reads the error). An operation whose
 * first attempt usually finishes it makes that call in its own frame and
 * returns on the spot: the frames and files between it and the system call
 * cost more, after a system call, than the loop saves.
 */
btc_status btc__transfer_from(const btc__mover *m, void *ctx, btc_ssize_t n, size_t asked, btc__lazy_deadline *dl,
                              btc_interrupt *intr, size_t *moved, int *code);

/** Words a stop of btc__transfer: op "send"/"receive", verb "sent"/"received", done of total bytes. */
btc_status btc__transfer_stop(btc_error *err, btc_status st, int code, const char *op, const char *verb, size_t done,
                              size_t total);

/**
 * Sends iov[0..iovcnt) (total bytes, > 0) in full by the deadline (the first attempt before
 * any check; deadline and interrupt checked after every partial send and
 * before every wait). *sent: the bytes the peer was given. Returns BTC_OK,
 * TIMEOUT, INTERRUPTED, IO (*code), PROTOCOL or NOT_SELECTABLE; fills no
 * btc_error.
 */
btc_status btc__send_all(const btc_sock *s, const btc_iovec *iov, size_t iovcnt, size_t total, btc__lazy_deadline *dl,
                         btc_interrupt *intr, size_t *sent, int *code);

/**
 * Receives exactly len bytes into buf by the deadline, never more; *got:
 * the bytes received, all in buf[0..*got). Returns BTC_OK, CLOSED, TIMEOUT,
 * INTERRUPTED, IO (*code), PROTOCOL or NOT_SELECTABLE; fills no btc_error.
 */
btc_status btc__recv_all(const btc_sock *s, void *buf, size_t len, btc__lazy_deadline *dl, btc_interrupt *intr,
                         size_t *got, int *code);

/* ---- what the platform files provide (platform.h) ---------------------- */

#include "platform.h"

/* ---- UTF-8 (utf8.c) ------------------------------------------------------- */

/** Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool btc__utf8_valid(const uint8_t *p, size_t n);

#endif /* BTCSOCK_INTERNAL_H */
