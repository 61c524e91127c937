/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock/fake.h - a scripted in-memory socket built on the syscall table.
 *
 * A btc_fake plays the peer and the kernel for one btc_sock, with no real
 * descriptor and a virtual clock:
 *
 *  - input: the bytes the peer sends (caller memory, not copied), optionally
 *    arriving in stages at given virtual times (btc_fake_arrive_at);
 *  - the end of the input: EOF or a permanent error, at a given virtual time
 *    (before it, an exhausted input reads as EAGAIN: a silent peer);
 *  - kernel chunking: the most bytes one peek, one read or one send moves;
 *  - a send window: how many bytes the peer accepts in all before it stops
 *    reading (sends then fail with EAGAIN and waits for SEND time out);
 *  - a script of steps applied to the next matching slot calls: fail with an
 *    error code, move at most N bytes, EOF, advance the clock, fire an
 *    interrupt;
 *  - a record: bytes sent (into caller memory), bytes consumed, calls per
 *    kind, the virtual time;
 *  - since 0.2: a connect that succeeds, fails, or is in progress until a
 *    virtual time and then reports a chosen SO_ERROR
 *    (btc_fake_set_connect); the resolver's answer (btc_fake_set_resolve);
 *    shutdown (recorded; after BTC_SHUT_WR sends fail with EPIPE) and gather
 *    sends (chunked and windowed as sends are).
 *
 * Waits advance the virtual clock to the next scripted event (an arrival or
 * the end) or by the whole timeout, so a timeout takes no real time. The fake
 * always ends in a terminal result: when its script has run out and a wait
 * with no time limit has nothing left to wait for, the peer is declared gone
 * (reads return the end result, sends fail with EPIPE), never EAGAIN forever.
 *
 * Not thread-safe: one thread drives one fake.
 */
#ifndef BTCSOCK_FAKE_H
#define BTCSOCK_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interrupt.h"
#include "sock.h"
#include "status.h"
#include "sys.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BTC_FAKE_MAX_STEPS 512
#define BTC_FAKE_MAX_ARRIVALS 64
/** The descriptor value a fake socket carries (below FD_SETSIZE, so the select backend accepts it). */
#define BTC_FAKE_FD 1000

/** Which slot calls a step applies to. */
typedef enum btc_fake_op {
    BTC_FAKE_ANY = 0, /**< the next call of any kind */
    BTC_FAKE_SEND,    /**< send */
    BTC_FAKE_PEEK,    /**< recv with MSG_PEEK */
    BTC_FAKE_READ,    /**< recv without MSG_PEEK */
    BTC_FAKE_WAIT,    /**< wait */
    BTC_FAKE_CLOCK,   /**< now_ms */
    BTC_FAKE_OTHER,   /**< every other slot (open, close, connect, getsockopt, ...) */
    BTC_FAKE_OP_COUNT
} btc_fake_op;

/** What a step does. */
typedef enum btc_fake_kind {
    BTC_FAKE_PASS = 0, /**< the call behaves normally (consumes the step) */
    BTC_FAKE_LIMIT,    /**< the call moves at most `value` bytes, 0 included (send/peek/read; else PASS) */
    BTC_FAKE_FAIL,     /**< the call fails with error code `value` (clock reads ignore it) */
    BTC_FAKE_EOF, /**< the peer closes now: reads return 0 once the input is drained, sends fail with EPIPE; then the
                     call proceeds */
    BTC_FAKE_ADVANCE,   /**< the clock jumps forward `value` ms, then the same call takes the next step too */
    BTC_FAKE_INTERRUPT, /**< the attached interrupt fires, then the same call takes the next step too */
    BTC_FAKE_KIND_COUNT
} btc_fake_kind;

/** One step of the script (btc_fake_push): calls of kind op get what kind says, with value. */
typedef struct btc_fake_step {
    btc_fake_op op;
    btc_fake_kind kind;
    int64_t value;
} btc_fake_step;

/** Input bytes from offset on become readable at virtual time at_ms (btc_fake_arrive_at). */
typedef struct btc_fake_arrival {
    size_t offset; /**< input bytes from this offset on ... */
    int64_t at_ms; /**< ... become readable at this virtual time */
} btc_fake_arrival;

/**
 * The layout is public so a fake can live on the stack; treat the fields as
 * read-only outside the btc_fake_* functions except where marked.
 */
typedef struct btc_fake {
    btc_sys sys; /**< the table, ctx = this fake */

    /* script */
    const uint8_t *in; /**< peer bytes (caller memory) */
    size_t in_len;
    btc_fake_arrival arrivals[BTC_FAKE_MAX_ARRIVALS];
    size_t arrival_count;
    int end_error;                       /**< 0: EOF at the end of the input; else this error code */
    int64_t end_at_ms;                   /**< virtual time from which the end result is given */
    size_t max_peek, max_read, max_send; /**< kernel chunking per call; 0 = unlimited */
    size_t send_window;                  /**< bytes the peer accepts in all */
    btc_fake_step steps[BTC_FAKE_MAX_STEPS];
    size_t step_count, step_next;
    btc_interrupt *intr; /**< fired by BTC_FAKE_INTERRUPT steps */

    /* state and record */
    int64_t now_ms;  /**< the virtual clock (starts at 1000) */
    size_t consumed; /**< input bytes read (not peeked) so far */
    uint8_t *out;    /**< where sent bytes are recorded (caller memory), may be NULL */
    size_t out_cap;
    size_t sent;      /**< bytes the peer accepted */
    bool peer_closed; /**< a BTC_FAKE_EOF step ran */
    bool gone;        /**< the peer was declared gone by an endless wait with nothing left */
    bool closed;      /**< the library closed the fake descriptor */
    int last_error;
    unsigned long calls[BTC_FAKE_OP_COUNT]; /**< calls per kind; calls[BTC_FAKE_ANY] counts all */

    /* since 0.2 */
    int connect_error;               /**< what connect fails with (0: it succeeds at once) */
    int connect_so_error;            /**< SO_ERROR once an in-progress connect completes (0: connected) */
    int64_t connect_at_ms;           /**< when an in-progress connect completes */
    bool connecting;                 /**< a connect is in progress */
    int so_error;                    /**< pending SO_ERROR (read once by getsockopt, as the kernel does) */
    const btc_addr *resolve_answers; /**< the resolver's answer (caller memory, not copied) */
    size_t resolve_count;
    int resolve_error;     /**< the resolver's error when there are no answers */
    bool shut_rd, shut_wr; /**< shutdown(2) was called for reading / writing */
} btc_fake;

/** An empty script: no input, EOF at once, no chunking, unlimited send window, clock at 1000 ms. */
BTC_EXTERN void btc_fake_init(btc_fake *f);
/** The bytes the peer sends (not copied: must outlive the fake's use). All readable at once unless arrivals say
 * otherwise. */
BTC_EXTERN void btc_fake_set_input(btc_fake *f, const void *data, size_t len);
/**
 * Input bytes from `offset` on become readable at virtual time at_ms (until a
 * later arrival's offset). Offsets must increase from call to call. false when
 * the table is full or the offset does not increase.
 */
BTC_EXTERN bool btc_fake_arrive_at(btc_fake *f, size_t offset, int64_t at_ms);
/**
 * How the input ends: error 0 is EOF; otherwise reads fail with `error`, which
 * must be permanent (false, and nothing changes, for EAGAIN, EINTR, ...: the
 * end must be terminal). Given from at_ms on; before it the peer is silent.
 */
BTC_EXTERN bool btc_fake_set_end(btc_fake *f, int error, int64_t at_ms);
/** Per-call chunking: the most bytes one peek, one read, one send moves (0 = unlimited). */
BTC_EXTERN void btc_fake_set_chunks(btc_fake *f, size_t max_peek, size_t max_read, size_t max_send);
/** Records sent bytes into buf; the peer then accepts at most cap bytes (see btc_fake_set_send_window). */
BTC_EXTERN void btc_fake_set_output(btc_fake *f, void *buf, size_t cap);
/** The peer accepts at most `bytes` in all (also capped by the output buffer, if any). */
BTC_EXTERN void btc_fake_set_send_window(btc_fake *f, size_t bytes);
/** Appends a step. false when the script is full (BTC_FAKE_MAX_STEPS) or op/kind is out of range. */
BTC_EXTERN bool btc_fake_push(btc_fake *f, btc_fake_op op, btc_fake_kind kind, int64_t value);
/** The interrupt BTC_FAKE_INTERRUPT steps fire (may be NULL). */
BTC_EXTERN void btc_fake_attach_interrupt(btc_fake *f, btc_interrupt *i);
/** The fake's syscall table. */
BTC_EXTERN const btc_sys *btc_fake_sys(btc_fake *f);
/** Points s at the fake: fd BTC_FAKE_FD, the fake's table. s is overwritten, never closed. */
BTC_EXTERN void btc_fake_sock(btc_fake *f, btc_sock *s);
/**
 * How connect behaves: error 0 connects at once; a permanent error fails it
 * with that error; a transient one (EINPROGRESS, EWOULDBLOCK, EINTR) leaves
 * it in progress until virtual time at_ms, when the socket becomes writable
 * and SO_ERROR reads so_error (0: connected; else also ERR readiness, and
 * sends fail with it).
 */
BTC_EXTERN void btc_fake_set_connect(btc_fake *f, int error, int so_error, int64_t at_ms);
/**
 * The resolver's answer: count addresses (caller memory, not copied), or,
 * with count 0, the error code to return (an EAI_* value; 0 means
 * EAI_NONAME). The default is no answer: EAI_NONAME.
 */
BTC_EXTERN void btc_fake_set_resolve(btc_fake *f, const btc_addr *addrs, size_t count, int error);
/** The peer closes now, as a BTC_FAKE_EOF step does: what has not arrived never will. */
BTC_EXTERN void btc_fake_peer_close(btc_fake *f);
/** Steps not yet taken. */
BTC_EXTERN size_t btc_fake_steps_left(const btc_fake *f);
/** Input bytes readable right now (arrived and not consumed). */
BTC_EXTERN size_t btc_fake_readable(const btc_fake *f);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_FAKE_H */
