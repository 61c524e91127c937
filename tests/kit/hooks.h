/* SPDX-License-Identifier: MIT */
/*
 * tests/kit/hooks.h - btc_sys_tap hooks shared by the tests, the fuzz
 * harnesses and the benchmarks: counting slot calls, and failing, closing
 * or interrupting at a chosen call.
 */
#ifndef BTCSOCK_TESTS_KIT_HOOKS_H
#define BTCSOCK_TESTS_KIT_HOOKS_H

#include <stdbool.h>

#include "btcsock.h"
#include "btcsock/fake.h"

/* ---- counting ------------------------------------------------------------------ */

/** Calls per slot; recv calls with MSG_PEEK are also counted apart. */
typedef struct kit_counts {
    unsigned long slot[BTC_SYS_SLOT_COUNT];
    unsigned long peeks;
} kit_counts;

/** A tap hook (hook_ctx: a kit_counts) that counts every call, BEFORE it is made. */
void kit_counts_hook(void *counts, btc_sys_call *call);
/** recv calls without MSG_PEEK. */
unsigned long kit_counts_reads(const kit_counts *c);
/** Calls that enter the kernel: every slot but last_error and now_ms (a vDSO read). */
unsigned long kit_counts_syscalls(const kit_counts *c);

/** A counting table over another: hand btc_sys_tap_table(&k->tap) to the library. */
typedef struct kit_counter {
    btc_sys_tap tap;
    kit_counts counts;
} kit_counter;
/** false when inner is not a valid table. */
bool kit_counter_init(kit_counter *k, const btc_sys *inner);

/* ---- faults --------------------------------------------------------------------- */

/** What happens at the chosen call. */
typedef enum kit_fault_kind {
    KIT_FAULT_NONE,      /**< nothing: a plain pass-through that counts */
    KIT_FAULT_FAIL,      /**< the call fails with `error` (a slot that cannot fail, the clock, just runs) */
    KIT_FAULT_EOF,       /**< the fake's peer closes just before the call (btc_fake_peer_close) */
    KIT_FAULT_INTERRUPT, /**< `intr` is triggered just before the call */
} kit_fault_kind;

/**
 * A tap hook (hook_ctx: a kit_fault) that numbers the calls 1, 2, ... (every
 * slot but last_error, as the fake's step script counts them) and acts at
 * call number `at`.
 */
typedef struct kit_fault {
    kit_fault_kind kind;
    unsigned long at;
    int error;           /**< KIT_FAULT_FAIL */
    btc_fake *fake;      /**< KIT_FAULT_EOF */
    btc_interrupt *intr; /**< KIT_FAULT_INTERRUPT */
    unsigned long calls; /**< calls numbered so far */
    bool fired;          /**< call `at` was reached */
} kit_fault;

void kit_fault_hook(void *fault, btc_sys_call *call);

#endif /* BTCSOCK_TESTS_KIT_HOOKS_H */
