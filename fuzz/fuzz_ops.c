/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_ops.c - every operation of the registry (tests/kit/ops.h)
 * against a scripted fake, with the contract checks every operation owes:
 * the guard's (fuzz_common.h) during the call, then kit_check_run (the
 * record is well-formed, the status is one the operation may return, and
 * the byte accounting of its kind holds against what the fake saw: an IN
 * operation hands back every byte it consumed, an OUT one reports exactly
 * what the peer got, probes and waits move nothing).
 *
 * Parameters after the script: fz_ops_params (the operation, timeout,
 * interrupt, a descriptor the select backend cannot hold, the caller's
 * buffer size, the events a wait asks for). The rest is the peer's bytes,
 * or the data an OUT operation sends. The seeds are the registry's
 * scenarios (fuzz/make_corpus.c), so a new operation is fuzzed as soon as it
 * is registered.
 */
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "fuzz_common.h"
#include "kit/ops.h"

/* The connect's outcome and the resolver's answer, as the parameters say. */
static void script_connect(btc_fake *f, const fz_ops_params *p)
{
    static const btc_addr answers[3] = {{.family = AF_INET, .socktype = SOCK_STREAM, .len = 16},
                                        {.family = AF_INET6, .socktype = SOCK_STREAM, .len = 28},
                                        {.family = AF_INET, .socktype = SOCK_STREAM, .len = 16}};
    int so_error = fz_errnos[(p->connect >> 4) % fz_nerrnos];
    if (fz_is_transient(so_error))
        so_error = ECONNREFUSED; /* SO_ERROR is never "try again" */
    btc_fake_set_connect(f, fz_errnos[(p->connect & 15u) % fz_nerrnos], so_error,
                         f->now_ms + (int64_t)p->connect_delay * 10);
    if (p->resolve <= 3)
        btc_fake_set_resolve(f, answers, p->resolve, 0);
    else
        btc_fake_set_resolve(f, NULL, 0, fz_errnos[p->resolve % fz_nerrnos]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_io in = fz_reader(data, size);
    btc_fake f;
    btc_fake_init(&f);
    fz_decode_script(&in, &f);
    fz_ops_params p;
    fz_ops_params_codec(&in, &p);
    const kit_op *op = &kit_ops[p.op % kit_op_count];
    const uint8_t *rest;
    size_t len;
    fz_rest(&in, &rest, &len);

    /* The caller's buffer, the data and the peer's record in exact-size heap blocks: ASan sees any overrun. */
    kit_scn c = {.name = op->name,
                 .timeout_ms = fz_timeouts[(p.opt >> 2) & 7u],
                 .max_data = 1u + p.size % 4096u,
                 .requested = (btc_events)(1u + p.events % 3u),
                 .host = fz_hosts[p.host % fz_nhosts]};
    script_connect(&f, &p);
    uint8_t *bytes = malloc(len + 1);
    uint8_t *out = malloc(len + 1);
    if (op->kind == KIT_TALK)
        c.max_data = 0; /* the reply's length is the proxy's (fuzz_socks5.c knows it) */
    char *buf = malloc(c.max_data > 0 ? c.max_data : 1);
    if (bytes == NULL || out == NULL || buf == NULL) {
        free(bytes);
        free(out);
        free(buf);
        return 0;
    }
    memcpy(bytes, rest, len);
    if (op->kind == KIT_OUT) { /* a handshake's bytes are its own: the payload is the peer's */
        c.data = bytes;
        c.data_len = len;
        btc_fake_set_output(&f, out, len);
    } else {
        c.in = bytes;
        c.in_len = len;
        btc_fake_set_input(&f, bytes, len);
    }
    btc_interrupt intr;
    btc_interrupt *ip = fz_interrupt(&intr, &f, (p.opt & 1u) != 0, (p.opt & 2u) != 0);
    /* A version-1 table: the operations that need a later slot must refuse, naming it, and touch nothing. */
    bool v1 = (p.opt & 0x40u) != 0;
    btc_sys v1_table = *btc_fake_sys(&f);
    v1_table.version = 1;
    fz_guard g;
    fz_guard_init_over(&g, &f, v1 ? &v1_table : btc_fake_sys(&f));
    btc_sock s;
    fz_guard_sock(&g, &s, (p.opt & 0x20u) != 0);

    kit_run r = {.s = &s, .intr = ip, .c = &c, .buf = buf};
    /* A handshake also sends bytes of its own: a SOCKS5 request is at most 262 (a 255-byte name), 3 greeting. */
    size_t moved = c.max_data + len + (op->kind == KIT_TALK ? 512 : 0);
    fz_guard_begin(&g, c.timeout_ms, ip, fz_unselectable(&g, &s), fz_call_bound(&f, moved));
    g.others_allowed = op->other_slots;
    g.unlogged = op->kind == KIT_ONCE;
    kit_op_call(op, &r);
    fz_guard_end(&g, r.st, &r.err);
    if (op->finish != NULL) {
        /* The finish (a reader's detach) has no deadline and no interrupt; the guard still bounds its calls and
         * checks its waits. Its own result is fuzz_reader's to check: here the run's accounting is. */
        fz_guard_begin(&g, BTC_TIMEOUT_INFINITE, NULL, fz_unselectable(&g, &s), fz_call_bound(&f, c.max_data + len));
        kit_op_finish(op, &r);
    }
    char why[200];
    /* A version-1 table may only be refused for a missing slot, before any call; a refusal of the arguments
     * themselves (a reader window under two bytes) makes no call either and is checked as on any table. */
    bool slot_refusal = g.calls != 0 || strstr(r.err.message, "slot") != NULL;
    if (v1 && r.st == BTC_ERR_INVALID_ARGUMENT && slot_refusal) {
        FZ_CHECK(g.calls == 0 && strstr(r.err.message, "slot") != NULL,
                 "%s on a version-1 table: \"%s\" after %lu calls", op->name, r.err.message, g.calls);
    } else {
        const char *problem = kit_check_run(op, &r, f.consumed, f.sent, out, why, sizeof why);
        FZ_CHECK(problem == NULL, "%s: %s (%s, \"%s\")", op->name, problem, btc_status_name(r.st), r.err.message);
    }

    if (ip != NULL)
        btc_interrupt_destroy(ip);
    free(bytes);
    free(out);
    free(buf);
    return 0;
}
