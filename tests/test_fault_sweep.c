/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fault_sweep.c - curl's "torture" idea applied to system calls,
 * for every operation of the registry (tests/kit/ops.h).
 *
 * For each operation and each of its scenarios, the operation is first run
 * unfaulted through a tap (btc_sys_tap) around a btc_fake, whose hook records
 * every slot call it makes (its slot, and what the fake had consumed, sent
 * and made visible at that moment). Then, for k = 1, 2, ... the k-th slot
 * call is failed with each errno of FS_ERRNOS (kit_fault_hook), and
 * separately preceded by a peer close and by an interrupt trigger, until the
 * operation no longer reaches call k.
 *
 * Because the first k - 1 calls of a faulted run are exactly those of the
 * unfaulted one, the slot of call k is known from the trace, and the
 * outcome the contract gives is exact, by the operation's kind:
 *  - a clock read cannot fail, and a failed close of a spare socket is
 *    ignored: the run is the unfaulted run; a failed resolve is
 *    BTC_ERR_RESOLVE with the code as the resolver's;
 *  - a transient errno (EINTR, EAGAIN, EWOULDBLOCK, EINPROGRESS) on a
 *    transfer or a wait: the same result as the unfaulted run (no virtual
 *    time passes on the retry); a probe says BTC_OK (nothing to read yet), a
 *    thin wrapper BTC_ERR_WOULD_BLOCK; on a connect it means "in progress",
 *    whose outcome the fake decides (the invariants only); on any other slot
 *    it is reported as a permanent one;
 *  - a permanent errno: BTC_ERR_IO with err.code == errno and exactly the
 *    bytes moved before call k (an operation that may return
 *    BTC_ERR_NO_MEMORY says so for ENOMEM);
 *  - a peer close at call k (the invariants only for connects, thin
 *    wrappers and handshakes): if the operation looks at the socket again, an
 *    IN operation gets BTC_ERR_CLOSED with every byte that had arrived
 *    (unless all it needed had arrived), an OUT one BTC_ERR_IO/EPIPE, a wait
 *    wakes with ERR, a probe says CLOSED unless data is waiting; otherwise
 *    the result is the unfaulted one;
 *  - an interrupt at call k: BTC_ERR_INTERRUPTED if the operation waits
 *    again, else the unfaulted result or INTERRUPTED.
 * Every run also passes kit_check_run (the record, the allowed statuses, the
 * byte accounting of its kind and the operation's own checks) and writes
 * nothing past the caller's buffer or the peer's record.
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"
#include "kit/hooks.h"
#include "kit/ops.h"

TestSuite(fault_sweep, .timeout = 120);

/* The contract's classification, written out here rather than asked of btc_io_error_is_permanent. */
typedef struct fs_errno {
    int code;
    const char *name;
    bool transient;
} fs_errno;

static const fs_errno FS_ERRNOS[] = {
    {EINTR, "EINTR", true},
    {EAGAIN, "EAGAIN", true},
    {EWOULDBLOCK, "EWOULDBLOCK", true},
    {EINPROGRESS, "EINPROGRESS", true},
    {ECONNRESET, "ECONNRESET", false},
    {EPIPE, "EPIPE", false},
    {EBADF, "EBADF", false},
    {ENOTCONN, "ENOTCONN", false},
    {ENOBUFS, "ENOBUFS", false},
    {ENOMEM, "ENOMEM", false},
};
#define FS_ERRNO_COUNT (sizeof FS_ERRNOS / sizeof FS_ERRNOS[0])

/* ---- the tap: a trace of every call, then the fault -------------------------------- */

#define SW_MAX_CALLS 400

typedef struct sw_call {
    btc_sys_slot slot;
    size_t consumed; /* the fake's record just before the call */
    size_t sent;
    size_t visible; /* input bytes that had arrived (consumed + readable) */
} sw_call;

typedef struct sw_shim {
    btc_sys_tap tap;
    kit_fault fault;
    btc_fake *fake;
    size_t drain; /* > 0: each wait first opens the send window by this much (a peer that reads) */
    sw_call calls[SW_MAX_CALLS];
    size_t ncalls; /* every call, even past SW_MAX_CALLS (then not recorded) */
} sw_shim;

static void sw_hook(void *ctx, btc_sys_call *call)
{
    sw_shim *sh = ctx;
    if (call->phase == BTC_SYS_BEFORE && call->slot != BTC_SYS_SLOT_last_error) {
        if (sh->ncalls < SW_MAX_CALLS) {
            sw_call *c = &sh->calls[sh->ncalls];
            c->slot = call->slot;
            c->consumed = sh->fake->consumed;
            c->sent = sh->fake->sent;
            c->visible = sh->fake->consumed + btc_fake_readable(sh->fake);
        }
        sh->ncalls++;
        if (call->slot == BTC_SYS_SLOT_wait && sh->drain > 0)
            btc_fake_set_send_window(sh->fake, sh->fake->send_window + sh->drain);
    }
    kit_fault_hook(&sh->fault, call);
}

/* Slots whose transient errors the operations retry (wait) or wait out (the transfers). */
static bool sw_retried(btc_sys_slot slot)
{
    return slot == BTC_SYS_SLOT_send || slot == BTC_SYS_SLOT_sendv || slot == BTC_SYS_SLOT_recv ||
           slot == BTC_SYS_SLOT_wait;
}

/* Whether a call after index k0 (0-based) looks at the socket: a transfer or a wait (PROBE: never). */
static bool sw_touches_again(const sw_shim *sh, size_t k0, bool waits_only)
{
    for (size_t j = k0; j < sh->ncalls && j < SW_MAX_CALLS; j++) {
        btc_sys_slot s = sh->calls[j].slot;
        if (s == BTC_SYS_SLOT_wait || (!waits_only && sw_retried(s)))
            return true;
    }
    return false;
}

/* ---- one run ---------------------------------------------------------------------------- */

/* One run's outcome. */
typedef struct sw_out {
    kit_run r;
    size_t consumed;
    size_t sent;
    bool reached; /* the fault's call was made */
} sw_out;

#define SW_GUARD 32
#define SW_CANARY 0xa5
#define SW_OUT_CAP 8192

/* Buffers shared by every run (the suite runs one test per process). */
static char sw_buf[8192 + SW_GUARD];
static uint8_t sw_rec[SW_OUT_CAP + SW_GUARD];

/* Runs op in scenario c once, with fault `kind` (error `code`) at call k. */
static void sw_run(const kit_op *op, const kit_scn *c, kit_fault_kind kind, size_t k, int code, btc_interrupt *intr,
                   sw_shim *sh, btc_fake *f, sw_out *o)
{
    btc_fake_init(f);
    cr_assert(kit_scn_apply(c, f, sw_rec, SW_OUT_CAP), "%s: the scenario does not fit the fake", c->name);
    memset(sw_rec, SW_CANARY, sizeof sw_rec);
    btc_fake_attach_interrupt(f, intr);
    btc_interrupt_reset(intr);
    memset(sh, 0, sizeof *sh);
    sh->fake = f;
    sh->drain = c->drain;
    sh->fault = (kit_fault){.kind = kind, .at = (unsigned long)k, .error = code, .fake = f, .intr = intr};
    cr_assert_eq(btc_sys_tap_init(&sh->tap, btc_fake_sys(f), sw_hook, sh, NULL), BTC_OK);
    btc_sock s = BTC_SOCK_INIT;
    btc_fake_sock(f, &s);
    btc_sock_set_sys(&s, btc_sys_tap_table(&sh->tap));

    memset(sw_buf, SW_CANARY, sizeof sw_buf);
    cr_assert_leq(c->max_data, sizeof sw_buf - SW_GUARD, "%s: max_data too large", c->name);
    o->r = (kit_run){.s = &s, .intr = intr, .c = c, .buf = sw_buf};
    kit_op_run(op, &o->r);
    o->r.s = NULL;
    o->consumed = f->consumed;
    o->sent = f->sent;
    o->reached = sh->fault.fired;
}

/* ---- the checks that hold for every run ------------------------------------------ */

static void sw_check_invariants(const kit_op *op, const kit_scn *c, const sw_out *o, const char *what)
{
    char why[200];
    const char *problem = kit_check_run(op, &o->r, o->consumed, o->sent, sw_rec, why, sizeof why);
    cr_assert(problem == NULL, "%s: %s (%s, \"%s\")", what, problem, btc_status_name(o->r.st), o->r.err.message);
    for (size_t i = 0; i < SW_GUARD; i++)
        cr_assert_eq((uint8_t)sw_buf[c->max_data + i], SW_CANARY, "%s: buf[max_data + %zu] was written", what, i);
    cr_assert_eq(sw_rec[o->sent], SW_CANARY, "%s: the peer got a byte past %zu", what, o->sent);
}

/* The result of a run equals the unfaulted run's. */
static void sw_assert_same(const sw_out *o, const sw_out *base, const char *what)
{
    cr_assert_eq(o->r.st, base->r.st, "%s: %s (\"%s\"), expected the unfaulted %s", what, btc_status_name(o->r.st),
                 o->r.err.message, btc_status_name(base->r.st));
    cr_assert_eq(o->r.err.code, base->r.err.code, "%s: err.code %d, unfaulted %d", what, o->r.err.code,
                 base->r.err.code);
    TS_ASSERT_SZ(o->r.err.bytes, base->r.err.bytes, what);
    TS_ASSERT_SZ(o->consumed, base->consumed, what);
    TS_ASSERT_SZ(o->sent, base->sent, what);
    TS_ASSERT_SZ(o->r.len, base->r.len, what);
    cr_assert_eq(o->r.occurred, base->r.occurred, "%s: occurred 0x%x, unfaulted 0x%x", what, o->r.occurred,
                 base->r.occurred);
}

static void sw_assert_status(const sw_out *o, btc_status want, int code, const char *what)
{
    cr_assert_eq(o->r.st, want, "%s: %s (\"%s\"), expected %s", what, btc_status_name(o->r.st), o->r.err.message,
                 btc_status_name(want));
    cr_assert_eq(o->r.err.code, code, "%s: err.code %d, expected %d", what, o->r.err.code, code);
}

/* ---- the expected outcome of one faulted run --------------------------------------- */

typedef struct sw_tally {
    size_t cases, io, eof, eof_seen, intr, intr_seen, transient, clock;
} sw_tally;

static void sw_expect_fail(const kit_op *op, const sw_shim *base_sh, const sw_out *base, size_t k, const fs_errno *e,
                           const sw_out *o, const char *what, sw_tally *t)
{
    const sw_call *call = &base_sh->calls[k - 1];
    if (call->slot == BTC_SYS_SLOT_now_ms || call->slot == BTC_SYS_SLOT_close) {
        sw_assert_same(o, base, what); /* a clock read cannot fail; a failed close of a spare socket is ignored */
        t->clock++;
        return;
    }
    if (call->slot == BTC_SYS_SLOT_resolve) {
        sw_assert_status(o, BTC_ERR_RESOLVE, e->code, what); /* any code is the resolver's own */
        t->io++;
        return;
    }
    if (e->transient && (op->kind == KIT_PROBE || op->kind == KIT_ONCE || sw_retried(call->slot))) {
        t->transient++;
        if (op->kind == KIT_PROBE)
            sw_assert_status(o, BTC_OK, 0, what); /* nothing to read yet: still connected */
        else if (op->kind == KIT_ONCE)
            sw_assert_status(o, BTC_ERR_WOULD_BLOCK, e->code, what);
        else
            sw_assert_same(o, base, what);
        return;
    }
    if (e->transient && call->slot == BTC_SYS_SLOT_connect) {
        t->transient++; /* "in progress": the outcome is the fake's, checked by the invariants */
        return;
    }
    t->io++;
    bool no_memory = e->code == ENOMEM && (op->allowed & KIT_ST(BTC_ERR_NO_MEMORY)) != 0;
    sw_assert_status(o, no_memory ? BTC_ERR_NO_MEMORY : BTC_ERR_IO, e->code, what);
    TS_ASSERT_SZ(o->consumed, call->consumed, what);
    TS_ASSERT_SZ(o->sent, call->sent, what);
}

static void sw_expect_eof(const kit_op *op, const kit_scn *c, const sw_shim *base_sh, const sw_out *base, size_t k,
                          const sw_out *o, const char *what, sw_tally *t)
{
    const sw_call *call = &base_sh->calls[k - 1];
    t->eof++;
    if (op->kind == KIT_CONNECT || op->kind == KIT_ONCE || op->kind == KIT_TALK)
        return; /* a peer gone mid-connect or mid-handshake: the invariants say what may happen */
    if (op->kind == KIT_PROBE) {
        bool waiting = call->visible > call->consumed;
        sw_assert_status(o, waiting ? BTC_OK : BTC_ERR_CLOSED, 0, what);
        t->eof_seen += !waiting;
        return;
    }
    bool needed_arrived = op->kind == KIT_IN && base->r.st == BTC_OK && base->consumed <= call->visible;
    if (needed_arrived || !sw_touches_again(base_sh, k - 1, op->kind == KIT_WAIT)) {
        sw_assert_same(o, base, what); /* all it needed had arrived, or nothing looks at the socket again */
        return;
    }
    t->eof_seen++;
    switch (op->kind) {
    case KIT_IN:
        cr_assert_lt(call->visible, c->max_data, "%s: scenario too long for the EOF model", what);
        sw_assert_status(o, BTC_ERR_CLOSED, 0, what);
        TS_ASSERT_SZ(o->consumed, call->visible, what); /* every byte that had arrived */
        break;
    case KIT_OUT:
        sw_assert_status(o, BTC_ERR_IO, EPIPE, what);
        TS_ASSERT_SZ(o->sent, call->sent, what); /* what the peer had before it closed */
        break;
    case KIT_WAIT: {
        sw_assert_status(o, BTC_OK, 0, what);
        btc_events want = (btc_events)((c->requested & (BTC_EV_RECV | BTC_EV_SEND)) | BTC_EV_ERR);
        cr_assert_eq(o->r.occurred, want, "%s: occurred 0x%x, expected 0x%x (hang-up)", what, o->r.occurred, want);
        break;
    }
    case KIT_PROBE:
    case KIT_CONNECT:
    case KIT_ONCE:
    case KIT_TALK:
        break;
    }
}

/*
 * An interrupt fired at call k: if the operation waits again (at k or later),
 * it is BTC_ERR_INTERRUPTED; otherwise either the unfaulted result or
 * INTERRUPTED (transfers look at the interrupt between transfers); an
 * interrupted operation moved no more than the unfaulted one.
 */
static void sw_expect_interrupt(const kit_op *op, const sw_shim *base_sh, const sw_out *base, size_t k, const sw_out *o,
                                const char *what, sw_tally *t)
{
    t->intr++;
    if (op->kind == KIT_PROBE || op->kind == KIT_ONCE) {
        sw_assert_same(o, base, what); /* a probe or a thin wrapper never looks at an interrupt */
        return;
    }
    if (sw_touches_again(base_sh, k - 1, true))
        sw_assert_status(o, BTC_ERR_INTERRUPTED, 0, what);
    else if (o->r.st != BTC_ERR_INTERRUPTED)
        sw_assert_same(o, base, what);
    if (o->r.st == BTC_ERR_INTERRUPTED) {
        t->intr_seen++;
        cr_assert_leq(o->consumed, base->consumed, "%s: interrupted run consumed more than the unfaulted one", what);
        cr_assert_leq(o->sent, base->sent, "%s: interrupted run sent more than the unfaulted one", what);
    }
}

/* ---- the sweep ----------------------------------------------------------------------- */

static const char *sw_fault_name(kit_fault_kind kind, const fs_errno *e)
{
    return kind == KIT_FAULT_FAIL ? e->name : kind == KIT_FAULT_EOF ? "EOF" : "INTERRUPT";
}

/* Sweeps one fault kind over every call of the scenario (e: the errno for KIT_FAULT_FAIL). */
static void sw_sweep_one(const kit_op *op, const kit_scn *c, const sw_shim *base_sh, const sw_out *base,
                         kit_fault_kind kind, const fs_errno *e, btc_interrupt *intr, sw_tally *t)
{
    static sw_shim sh; /* large: keep it off the stack */
    btc_fake f;
    sw_out o;
    for (size_t k = 1;; k++) {
        char what[200];
        snprintf(what, sizeof what, "%s '%s', call %zu (%s) %s", op->name, c->name, k,
                 k <= base_sh->ncalls ? btc_sys_slot_name(base_sh->calls[k - 1].slot) : "past the end",
                 sw_fault_name(kind, e));
        cr_assert_leq(k, base_sh->ncalls + 1, "%s: the sweep did not stop", what);
        sw_run(op, c, kind, k, e != NULL ? e->code : 0, intr, &sh, &f, &o);
        if (!o.reached) {
            /* Call k was never made: the sweep is over. It must be exactly one past the unfaulted run. */
            TS_ASSERT_SZ(k, base_sh->ncalls + 1, what);
            return;
        }
        t->cases++;
        sw_check_invariants(op, c, &o, what);
        if (kind == KIT_FAULT_FAIL)
            sw_expect_fail(op, base_sh, base, k, e, &o, what, t);
        else if (kind == KIT_FAULT_EOF)
            sw_expect_eof(op, c, base_sh, base, k, &o, what, t);
        else
            sw_expect_interrupt(op, base_sh, base, k, &o, what, t);
    }
}

/* The whole sweep over one operation's scenarios. */
static void sw_sweep(const kit_op *op)
{
    static sw_shim base_sh;
    btc_interrupt intr;
    btc_error ierr;
    cr_assert_eq(btc_interrupt_init(&intr, &ierr), BTC_OK, "interrupt init: %s", ierr.message);
    sw_tally t = {0};
    size_t calls = 0; /* made by the unfaulted runs: each is faulted at least once */
    for (size_t i = 0; i < op->nscenarios; i++) {
        const kit_scn *c = &op->scenarios[i];
        btc_fake f;
        sw_out base;
        /* The unfaulted run: its status, and the trace every expectation comes from. */
        sw_run(op, c, KIT_FAULT_NONE, 0, 0, &intr, &base_sh, &f, &base);
        char what[160];
        snprintf(what, sizeof what, "%s '%s' unfaulted", op->name, c->name);
        sw_check_invariants(op, c, &base, what);
        cr_assert_eq(base.r.st, c->want, "%s: %s (\"%s\"), scenario expects %s", what, btc_status_name(base.r.st),
                     base.r.err.message, btc_status_name(c->want));
        cr_assert_leq(base_sh.ncalls, (size_t)SW_MAX_CALLS, "%s: %zu calls, too many to trace", what, base_sh.ncalls);
        calls += base_sh.ncalls;
        for (size_t j = 0; j < FS_ERRNO_COUNT; j++)
            sw_sweep_one(op, c, &base_sh, &base, KIT_FAULT_FAIL, &FS_ERRNOS[j], &intr, &t);
        sw_sweep_one(op, c, &base_sh, &base, KIT_FAULT_EOF, NULL, &intr, &t);
        sw_sweep_one(op, c, &base_sh, &base, KIT_FAULT_INTERRUPT, NULL, &intr, &t);
    }
    btc_interrupt_destroy(&intr);
    cr_log_info("fault sweep: %s: %zu cases (%zu scenarios; %zu transient, %zu permanent, %zu clock reads, "
                "%zu EOF (%zu saw the close), %zu interrupt (%zu INTERRUPTED))",
                op->name, t.cases, op->nscenarios, t.transient, t.io, t.clock, t.eof, t.eof_seen, t.intr, t.intr_seen);
    cr_assert_geq(t.cases, calls, "%zu cases for %zu calls", t.cases, calls);
}

/* ---- one test per registered operation ------------------------------------------------- */

ParameterizedTestParameters(fault_sweep, every_operation)
{
    static size_t index[64]; /* more operations than this would be left out: kit_ops_all_swept says so */
    size_t n = kit_op_count < 64 ? kit_op_count : 64;
    for (size_t i = 0; i < n; i++)
        index[i] = i;
    return cr_make_param_array(size_t, index, n);
}

ParameterizedTest(size_t *i, fault_sweep, every_operation) { sw_sweep(&kit_ops[*i]); }

Test(fault_sweep, kit_ops_all_swept) { cr_assert_leq(kit_op_count, (size_t)64, "raise the sweep's index table"); }
