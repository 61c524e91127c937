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

#include "fuzz_common.h"
#include "kit/ops.h"

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
                 .requested = (btc_events)(1u + p.events % 3u)};
    uint8_t *bytes = malloc(len + 1);
    uint8_t *out = malloc(len + 1);
    char *buf = malloc(c.max_data);
    if (bytes == NULL || out == NULL || buf == NULL) {
        free(bytes);
        free(out);
        free(buf);
        return 0;
    }
    memcpy(bytes, rest, len);
    if (op->kind == KIT_OUT) {
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
    fz_guard g;
    fz_guard_init(&g, &f);
    btc_sock s;
    fz_guard_sock(&g, &s, (p.opt & 0x20u) != 0);

    kit_run r = {.s = &s, .intr = ip, .c = &c, .buf = buf};
    fz_guard_begin(&g, c.timeout_ms, ip, fz_unselectable(&g, &s), fz_call_bound(&f, c.max_data + len));
    kit_op_call(op, &r);
    fz_guard_end(&g, r.st, &r.err);
    if (op->finish != NULL) {
        /* The finish (a reader's detach) has no deadline and no interrupt; the guard still bounds its calls and
         * checks its waits. Its own result is fuzz_reader's to check: here the run's accounting is. */
        fz_guard_begin(&g, BTC_TIMEOUT_INFINITE, NULL, fz_unselectable(&g, &s), fz_call_bound(&f, c.max_data + len));
        kit_op_finish(op, &r);
    }
    char why[200];
    const char *problem = kit_check_run(op, &r, f.consumed, f.sent, out, why, sizeof why);
    FZ_CHECK(problem == NULL, "%s: %s (%s, \"%s\")", op->name, problem, btc_status_name(r.st), r.err.message);

    if (ip != NULL)
        btc_interrupt_destroy(ip);
    free(bytes);
    free(out);
    free(buf);
    return 0;
}
