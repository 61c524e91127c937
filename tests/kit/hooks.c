/* SPDX-License-Identifier: MIT */
/*
 * tests/kit/hooks.c - the counting and fault-injection tap hooks of hooks.h.
 */
#include "kit/hooks.h"

void kit_counts_hook(void *counts, btc_sys_call *call)
{
    kit_counts *c = counts;
    if (call->phase != BTC_SYS_BEFORE)
        return;
    c->slot[call->slot]++;
    if (call->slot == BTC_SYS_SLOT_recv && (call->args.recv.flags & MSG_PEEK) != 0)
        c->peeks++;
}

unsigned long kit_counts_reads(const kit_counts *c) { return c->slot[BTC_SYS_SLOT_recv] - c->peeks; }

unsigned long kit_counts_syscalls(const kit_counts *c)
{
    unsigned long n = 0;
    for (size_t i = 0; i < BTC_SYS_SLOT_COUNT; i++) {
        if (i != BTC_SYS_SLOT_last_error && i != BTC_SYS_SLOT_now_ms)
            n += c->slot[i];
    }
    return n;
}

bool kit_counter_init(kit_counter *k, const btc_sys *inner)
{
    k->counts = (kit_counts){{0}, 0};
    return btc_sys_tap_init(&k->tap, inner, kit_counts_hook, &k->counts, NULL) == BTC_OK;
}

void kit_fault_hook(void *fault, btc_sys_call *call)
{
    kit_fault *f = fault;
    if (call->phase != BTC_SYS_BEFORE || call->slot == BTC_SYS_SLOT_last_error)
        return;
    if (++f->calls != f->at || f->kind == KIT_FAULT_NONE)
        return;
    f->fired = true;
    switch (f->kind) {
    case KIT_FAULT_FAIL:
        (void)btc_sys_call_fail(call, f->error);
        break;
    case KIT_FAULT_EOF:
        btc_fake_peer_close(f->fake);
        break;
    case KIT_FAULT_INTERRUPT:
        btc_interrupt_trigger(f->intr);
        break;
    case KIT_FAULT_NONE:
        break;
    }
}
