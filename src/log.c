/* SPDX-License-Identifier: MIT */
/*
 * src/log.c - the optional log hook.
 *
 * The handler triple (fn, ctx, min_level) must change atomically with respect
 * to threads that log. A tiny spin lock guards the copy; the handler itself
 * runs outside the lock so a slow handler never blocks btc_set_log_handler
 * for longer than a copy. C11 atomics (no OS call, no platform #ifdef).
 */
#include <stdatomic.h>
#include <stdio.h>

#include "internal.h"

#define BTC__LOG_MAX 512

static atomic_flag log_lock = ATOMIC_FLAG_INIT;
static btc_log_fn log_fn;
static void *log_ctx;
static btc_log_level log_min = BTC_LOG_WARN;
/* Read without the lock as a fast "is anyone listening" check (inline, in btc__log_result). */
atomic_int btc__log_installed;

void btc_set_log_handler(btc_log_fn fn, void *ctx, btc_log_level min_level)
{
    while (atomic_flag_test_and_set_explicit(&log_lock, memory_order_acquire)) {
    }
    log_fn = fn;
    log_ctx = ctx;
    log_min = min_level;
    atomic_store_explicit(&btc__log_installed, fn != NULL, memory_order_release);
    atomic_flag_clear_explicit(&log_lock, memory_order_release);
}

/* Copies the handler if it wants `level`; false when nobody listens. */
static bool log_handler_for(btc_log_level level, btc_log_fn *fn, void **ctx)
{
    if (!atomic_load_explicit(&btc__log_installed, memory_order_acquire))
        return false;
    while (atomic_flag_test_and_set_explicit(&log_lock, memory_order_acquire)) {
    }
    *fn = log_fn;
    *ctx = log_ctx;
    bool wanted = log_fn != NULL && level >= log_min;
    atomic_flag_clear_explicit(&log_lock, memory_order_release);
    return wanted;
}

void btc__log(btc_log_level level, const char *fmt, ...)
{
    btc_log_fn fn;
    void *ctx;
    if (!log_handler_for(level, &fn, &ctx))
        return;
    char line[BTC__LOG_MAX];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(line, sizeof line, fmt, ap) < 0)
        line[0] = '\0';
    va_end(ap);
    fn(ctx, level, line);
}

void btc__log_result_to_handler(const char *op, const btc_error *err)
{
    if (err->status == BTC_OK)
        btc__log(BTC_LOG_TRACE, "%s: ok (%zu bytes)", op, err->bytes);
    else
        btc__log(BTC_LOG_DEBUG, "%s: %s: %s", op, btc_status_name(err->status), err->message);
}
