/* SPDX-License-Identifier: MIT */
/*
 * tests/kit/ops.h - the operation registry: every public operation that
 * talks to a socket, once, with how to call it on a scripted socket, the
 * statuses it may return, and scenarios to run it in.
 *
 * The fault sweep (tests/test_fault_sweep.c), the system-call counts
 * (tests/test_syscount.c) and the fuzz contract checks (fuzz/fuzz_ops.c)
 * loop over KIT_OPS, so a new operation is its source file, its own tests
 * and one entry here (docs/ARCHITECTURE.md, "Recipes").
 */
#ifndef BTCSOCK_TESTS_KIT_OPS_H
#define BTCSOCK_TESTS_KIT_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btcsock.h"
#include "btcsock/fake.h"

/*
 * What an operation does with the socket, which decides how its outcome is
 * checked (kit_check_run):
 *   KIT_IN     consumes peer bytes and hands every consumed byte back
 *              (err->bytes == consumed == the bytes in the caller's buffer)
 *   KIT_OUT    sends the scenario's data (err->bytes == what the peer got,
 *              a prefix of the data)
 *   KIT_PROBE  looks at the socket, moves nothing, never waits
 *   KIT_WAIT   waits for readiness, moves nothing
 *   KIT_CONNECT  connects (and may resolve, open, wait), moves nothing
 *   KIT_ONCE   a thin wrapper: one slot call, a transient error is
 *              BTC_ERR_WOULD_BLOCK, moves nothing
 *   KIT_TALK   a handshake: sends what the scenario's data says (a prefix
 *              of it) and reads exactly the reply (max_data bytes) and not
 *              a byte more; err->bytes == consumed (data empty or max_data
 *              0: not known, not checked)
 */
typedef enum kit_kind { KIT_IN, KIT_OUT, KIT_PROBE, KIT_WAIT, KIT_CONNECT, KIT_ONCE, KIT_TALK } kit_kind;

#define KIT_MAX_ARRIVALS 6

/** A scenario: the scripted peer and the call's parameters. */
typedef struct kit_scn {
    const char *name;
    /* the peer */
    const uint8_t *in; /**< the bytes the peer sends */
    size_t in_len;
    size_t arrive_off[KIT_MAX_ARRIVALS]; /**< input from arrive_off[i] on arrives at T0 + arrive_dt[i] */
    int64_t arrive_dt[KIT_MAX_ARRIVALS];
    size_t narrive;
    bool end_now;    /**< EOF (or end_error) at T0; otherwise the peer stays silent after the input */
    int end_error;   /**< with end_now: 0 = EOF, else this permanent error */
    size_t max_peek; /**< kernel chunking, 0 = unlimited */
    size_t max_read;
    size_t max_send;
    size_t window;    /**< send window, 0 = unlimited */
    bool window_full; /**< the peer accepts nothing at all */
    size_t drain;     /**< bytes the peer reads per wait (opens the window); honoured by the fault sweep */
    /* the call */
    int64_t timeout_ms;
    size_t max_data;     /**< KIT_IN: the caller's buffer */
    unsigned flags;      /**< KIT_IN: operation flags */
    const uint8_t *data; /**< KIT_OUT: what to send */
    size_t data_len;
    btc_events requested; /**< KIT_WAIT */
    const char *host;     /**< KIT_CONNECT, KIT_TALK: the name or address the operation is given */
    int connect_error;    /**< KIT_CONNECT: btc_fake_set_connect's error, so_error, at (T0 + connect_dt) */
    int connect_so_error;
    int64_t connect_dt;
    const btc_addr *resolve; /**< KIT_CONNECT: the resolver's answer (btc_fake_set_resolve) */
    size_t nresolve;
    int resolve_error;
    btc_status want; /**< the status of a run without faults */
} kit_scn;

/** One call: its environment (set by the caller) and its outcome (set by kit_op_run). */
typedef struct kit_run {
    const btc_sock *s;
    btc_interrupt *intr; /**< may be NULL */
    const kit_scn *c;
    char *buf; /**< KIT_IN: at least c->max_data bytes */
    /* outcome */
    btc_status st;
    btc_error err;
    size_t len;          /**< KIT_IN: bytes handed back in buf */
    btc_events occurred; /**< KIT_WAIT */
    btc_reader reader;   /**< the reader entries' reader, from their call to their finish */
} kit_run;

typedef struct kit_op {
    const char *name;
    kit_kind kind;
    /** Calls the operation with r's environment; fills r->len/r->occurred, returns the status. */
    btc_status (*call)(kit_run *r, btc_error *err);
    /** Statuses it may return (bit 1u << status) once its arguments are valid. */
    uint32_t allowed;
    /** Scenarios; the first has everything ready at once and must end BTC_OK. */
    const kit_scn *scenarios;
    size_t nscenarios;
    /** System calls (kit_counts_syscalls: clock reads excluded) the first scenario costs. */
    unsigned long fast_calls;
    /** Checks of its own beyond its kind's (may be NULL): NULL when they hold, else the problem. */
    const char *(*check)(const kit_run *r, size_t consumed, char *why, size_t cap);
    /** It calls slots besides send, sendv, recv, wait, the clock and last_error (connect, open, ...). */
    bool other_slots;
    /**
     * May be NULL. Completes the run after the call, outside the call's
     * deadline and interrupt: a reader's detach, which syncs the socket and
     * hands back what the reader held, so that the kind's accounting applies
     * to the whole run. Returns the run's status (the call's, unless the
     * finish failed) and leaves the record and r->len describing the run.
     */
    btc_status (*finish)(kit_run *r, btc_error *err);
} kit_op;

#define KIT_ST(s) (1u << (s))

/** The registry. */
extern const kit_op kit_ops[];
extern const size_t kit_op_count;

/** The registry entry called `name`, or NULL. */
const kit_op *kit_op_find(const char *name);

/** The virtual time the fake starts at (documented in fake.h). */
#define KIT_T0 ((int64_t)1000)
/** Far in the future: an end that never comes on its own. */
#define KIT_NEVER ((int64_t)1 << 60)

/**
 * Scripts f (already btc_fake_init'ed) as scenario c says; sent bytes are
 * recorded into out[0..out_cap) when out is not NULL.
 */
bool kit_scn_apply(const kit_scn *c, btc_fake *f, uint8_t *out, size_t out_cap);

/**
 * Runs op once: r->len, r->occurred and r->err are reset, then filled by the
 * call and the finish (kit_op_call, then kit_op_finish).
 */
void kit_op_run(const kit_op *op, kit_run *r);
/** The call alone (what a harness watches with the call's deadline and interrupt). */
void kit_op_call(const kit_op *op, kit_run *r);
/** The finish alone, after kit_op_call (nothing when op has none). */
void kit_op_finish(const kit_op *op, kit_run *r);

/**
 * The checks every run of op must pass, whatever was injected: the record
 * is well-formed, the status is allowed, and the byte accounting of its kind
 * holds against what the fake saw (consumed, sent: the fake's counters
 * after the run; out: the fake's record of sent bytes). NULL when all hold,
 * else the first problem, written into why.
 */
const char *kit_check_run(const kit_op *op, const kit_run *r, size_t consumed, size_t sent, const uint8_t *out,
                          char *why, size_t cap);

#endif /* BTCSOCK_TESTS_KIT_OPS_H */
