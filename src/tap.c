/* SPDX-License-Identifier: MIT */
/*
 * src/tap.c - btc_sys_tap: a pass-through syscall table that shows every
 * slot call to a hook before and after it.
 *
 * Every forwarding function is generated from BTC_SYS_SLOTS, so a new slot
 * is tapped with no edit here. The reason of a failed call is read from the
 * inner table at once and kept per thread: the library reads last_error()
 * right after the failing call, but a hook runs in between and may clobber
 * errno (a printf is enough).
 */
#include "internal.h"

/* The reason of the last failed call through a tap on this thread. */
static _Thread_local int tap_error_on_thread;

static btc_sys_tap *tap_of(void *ctx) { return (btc_sys_tap *)ctx; }

/* Starts a call record; true when the inner slot is to be called. */
static bool tap_before(btc_sys_tap *tap, btc_sys_call *call, btc_sys_slot slot)
{
    call->slot = slot;
    call->phase = BTC_SYS_BEFORE;
    call->skip = false;
    call->failed = false;
    call->error = 0;
    if (slot == BTC_SYS_SLOT_last_error) {
        /* Answered here, not by the inner table: see the comment at the top. */
        call->result.last_error = tap_error_on_thread;
        call->skip = true;
    }
    if (tap->hook != NULL)
        tap->hook(tap->hook_ctx, call);
    return !call->skip;
}

/* Ends a call record: the failure's reason, then the hook's second look. */
static void tap_after(btc_sys_tap *tap, btc_sys_call *call, bool failed, int reason)
{
    call->phase = BTC_SYS_AFTER;
    call->failed = failed;
    call->error = failed ? reason : 0;
    if (tap->hook != NULL)
        tap->hook(tap->hook_ctx, call);
    if (call->failed)
        tap_error_on_thread = call->error;
}

/* The reason of a failure the inner table made, by the slot's `fails` column. */
#define BTC__TAP_REASON_SOCKET(tap, result) (tap)->inner->last_error((tap)->inner->ctx)
#define BTC__TAP_REASON_NEGATIVE(tap, result) (tap)->inner->last_error((tap)->inner->ctx)
#define BTC__TAP_REASON_RETURNS(tap, result) ((void)(tap), (int)(result))
#define BTC__TAP_REASON_NEVER(tap, result) ((void)(tap), (void)(result), 0)

/* One forwarding function per slot. */
#define BTC__TAP_ARG(type, name) , a->name
#define BTC__TAP_SLOT(since, ret, name, fails, n, params)                                                \
    static ret tap_##name(void *ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_DECL, n, params))                       \
    {                                                                                                    \
        btc_sys_tap *tap = tap_of(ctx);                                                                  \
        btc_sys_call call;                                                                               \
        btc_sys_args_##name *a = &call.args.name;                                                        \
        *a = (btc_sys_args_##name){tap->inner->ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_NAME, n, params)};       \
        bool called = tap_before(tap, &call, BTC_SYS_SLOT_##name);                                       \
        if (called)                                                                                      \
            call.result.name = tap->inner->name(a->ctx BTC_SYS_PARAMS(BTC__TAP_ARG, n, params));         \
        bool failed = BTC_SYS_FAILED(fails, call.result.name);                                           \
        int reason = !failed ? 0 : called ? BTC__TAP_REASON_##fails(tap, call.result.name) : call.error; \
        tap_after(tap, &call, failed, reason);                                                           \
        return call.result.name;                                                                         \
    }
BTC_SYS_SLOTS(BTC__TAP_SLOT)
#undef BTC__TAP_SLOT
#undef BTC__TAP_ARG

btc_status btc_sys_tap_init(btc_sys_tap *tap, const btc_sys *inner, btc_sys_hook hook, void *hook_ctx, btc_error *err)
{
    if (tap == NULL)
        return btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "tap init: tap is NULL");
    btc_status st = btc_sys_validate(inner, err);
    if (st != BTC_OK)
        return st;
    if (inner == NULL)
        inner = btc_sys_default();
    tap->inner = inner;
    tap->hook = hook;
    tap->hook_ctx = hook_ctx;
    /* The tap has the inner table's version: it ends where the inner table ends. */
    tap->sys.version = inner->version;
    tap->sys.ctx = tap;
#define BTC__TAP_SET(since, ret, name, fails, n, params) tap->sys.name = (since) <= inner->version ? tap_##name : NULL;
    BTC_SYS_SLOTS(BTC__TAP_SET)
#undef BTC__TAP_SET
    return btc__ok(err, 0);
}

/* The failure value of each slot, by its `fails` column. */
#define BTC__FAIL_WITH_SOCKET(result) ((result) = BTC_INVALID_SOCKET, true)
#define BTC__FAIL_WITH_NEGATIVE(result) ((result) = -1, true)
#define BTC__FAIL_WITH_RETURNS(result) (error != 0 && ((result) = error, true))
#define BTC__FAIL_WITH_NEVER(result) ((void)(result), false)

bool btc_sys_call_fail(btc_sys_call *call, int error)
{
    if (call == NULL)
        return false;
    bool can_fail = false;
    switch (call->slot) {
#define BTC__FAIL_CASE(since, ret, name, fails, n, params)    \
    case BTC_SYS_SLOT_##name:                                 \
        can_fail = BTC__FAIL_WITH_##fails(call->result.name); \
        break;
        BTC_SYS_SLOTS(BTC__FAIL_CASE)
#undef BTC__FAIL_CASE
    case BTC_SYS_SLOT_COUNT:
        break;
    }
    if (can_fail) {
        call->skip = true;
        call->error = error;
    }
    return can_fail;
}

const btc_sys *btc_sys_tap_table(const btc_sys_tap *tap) { return tap == NULL ? NULL : &tap->sys; }
