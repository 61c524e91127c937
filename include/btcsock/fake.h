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
 *    interrupt; since 0.2, for waits: report readiness the next call will
 *    contradict, or wake up spuriously;
 *  - a record: bytes sent (into caller memory), bytes consumed, calls per
 *    kind, the virtual time;
 *  - since 0.2: a connect that succeeds, fails, or is in progress until a
 *    virtual time and then reports a chosen SO_ERROR
 *    (btc_fake_set_connect); the resolver's answer (btc_fake_set_resolve);
 *    shutdown (recorded; after BTC_SHUT_WR sends fail with EPIPE) and gather
 *    sends (chunked and windowed as sends are);
 *  - since 0.2: a conversation (btc_fake_expect, btc_fake_reply,
 *    btc_fake_reply_end): the peer answers only once it has received what the
 *    script expects, and a send that differs is recorded as a mismatch, after
 *    which the peer breaks the connection; a send callback
 *    (btc_fake_on_send) that sees every byte the peer receives and may
 *    answer; a trace of every slot call (btc_fake_trace_start);
 *  - since 0.2: a descriptor chosen by the test (btc_fake_set_fd), what
 *    getsockname and getsockopt give (btc_fake_set_sockname,
 *    btc_fake_set_sockopt), connections a listener's accept hands out
 *    (btc_fake_add_incoming); and a network of fakes under one table and
 *    one clock (btc_fake_net): several sockets in one wait, accept handing
 *    out connected members, connected pairs, an open queue behind a dial.
 *
 * The conversation, the trace and btc_fake_add_step/_add_arrival store what
 * they are given in memory the fake allocates (no fixed caps): call
 * btc_fake_free when done with a fake that used them
 * (harmless on any other). When memory runs out (or the limit set with
 * btc_fake_set_memory_limit is reached) the call that needed it returns
 * BTC_ERR_NO_MEMORY and the fake is unchanged.
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
#include <stdio.h>

#include "interrupt.h"
#include "sock.h"
#include "status.h"
#include "sys.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The caps of btc_fake_push and btc_fake_arrive_at (btc_fake_add_step and btc_fake_add_arrival have none). */
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
    /**
     * since 0.2, waits only (else PASS): the wait reports every item ready
     * for what it requested, at once, whatever the truth, so the next call
     * may well say EAGAIN (readiness that disagrees, as Bitcoin Core's
     * FuzzedSock reports it)
     */
    BTC_FAKE_FALSE_READY,
    /**
     * since 0.2, waits only (else PASS): a spurious wake-up: the wait runs
     * for at most `value` virtual ms and returns 0 if nothing was ready by
     * then, though its own time has not run out (what is ready is still
     * reported, as poll would)
     */
    BTC_FAKE_SPURIOUS,
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

/** A mismatch's `expected` when the script expected no more bytes at that offset. */
#define BTC_FAKE_NO_BYTE (-1)

/** The first sent byte that differed from the conversation's script. */
typedef struct btc_fake_mismatch {
    size_t offset; /**< its offset in the sent stream (0 = the first byte ever sent) */
    int expected;  /**< the byte the script expected there (0..255), or BTC_FAKE_NO_BYTE past the script's end */
    int actual;    /**< the byte that was sent (0..255) */
} btc_fake_mismatch;

/** One slot call, as the trace records it (the meaning of len and arg depends on the slot). */
typedef struct btc_fake_call {
    btc_sys_slot slot; /**< which slot: BTC_SYS_SLOT_send, ... (btc_sys_slot_name gives its name) */
    size_t len;        /**< send, recv: len; sendv: the bytes of all pieces; wait: the item count; resolve: cap;
                            connect, bind: the address length; getsockopt, setsockopt: the option length; else 0 */
    int flags;         /**< send, recv, sendv: flags; wait: timeout_ms; shutdown: how; getsockopt, setsockopt: the
                            option name; listen: backlog; open: type; else 0 */
    int64_t result;    /**< what the slot returned (a descriptor for open and accept) */
    int error;         /**< the failure's reason (the code last_error gives; resolve's own code); 0 on success */
    int64_t at_ms;     /**< the virtual time when the call returned */
} btc_fake_call;

/** Storage the fake allocated: a growable array (read through the btc_fake_* functions). */
typedef struct btc_fake_vec {
    void *data;
    size_t len, cap; /**< elements in use and allocated */
} btc_fake_vec;

struct btc_fake;
/**
 * Called with each run of bytes the peer receives (after chunking and the
 * send window), in order; offset is the run's offset in the sent stream. It
 * may script the peer's answer (btc_fake_reply, btc_fake_reply_end,
 * btc_fake_peer_close): a reply scripted here is readable at once (or after
 * its delay), since no expectation is left to wait for unless the script has
 * some. It must not call the fake's slots.
 */
typedef void (*btc_fake_send_fn)(struct btc_fake *f, const uint8_t *data, size_t len, size_t offset, void *user);

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
    int so_error;                    /**< pending SO_ERROR (reported once: by getsockopt, a recv or a send) */
    const btc_addr *resolve_answers; /**< the resolver's answer (caller memory, not copied) */
    size_t resolve_count;
    int resolve_error;     /**< the resolver's error when there are no answers */
    bool shut_rd, shut_wr; /**< shutdown(2) was called for reading / writing */

    /* since 0.2 (allocated storage: btc_fake_free releases it) */
    size_t mem_limit, mem_used; /**< the allocation budget (0 = none) and what is allocated */
    btc_fake_vec conv_in;       /**< the replies' bytes, in order (f->in points here once a reply is scripted) */
    btc_fake_vec conv_expect;   /**< the bytes the peer expects to receive, in order */
    btc_fake_vec conv_events;   /**< replies and the end, each waiting for an expected offset */
    size_t conv_next;           /**< the first event not yet released */
    size_t conv_arrived;        /**< released events that have arrived (their time has come) */
    size_t conv_visible;        /**< reply bytes that have arrived */
    bool conv_on;               /**< a reply or an end was scripted: input is the replies */
    bool conv_ended;            /**< btc_fake_reply_end was scripted: nothing may follow it */
    int break_error;            /**< what a mismatch breaks the connection with (default ECONNRESET; 0 = close) */
    bool mismatched;            /**< a sent byte differed from the script: see mismatch */
    btc_fake_mismatch mismatch; /**< the first one */
    btc_fake_send_fn on_send;   /**< may be NULL */
    void *on_send_user;
    bool tracing;               /**< slot calls are being recorded */
    btc_status trace_status;    /**< BTC_ERR_NO_MEMORY once a call could not be recorded (tracing then stops) */
    btc_fake_vec trace;         /**< btc_fake_call records */
    btc_fake_vec steps_more;    /**< steps past BTC_FAKE_MAX_STEPS (btc_fake_add_step) */
    btc_fake_vec arrivals_more; /**< arrivals past BTC_FAKE_MAX_ARRIVALS (btc_fake_add_arrival) */

    /* since 0.2: the descriptor, the names and options, a listener's queue */
    struct sockaddr_storage sockname; /**< what getsockname gives (btc_fake_set_sockname) */
    btc_fake_vec sockopts;            /**< option values getsockopt gives (btc_fake_set_sockopt) */
    btc_fake_vec incoming;            /**< connections accept hands out, in order (btc_fake_add_incoming) */
    size_t incoming_next;             /**< the first not yet accepted */
    btc_socket_t fd;                  /**< what btc_fake_sock and open give (btc_fake_set_fd; BTC_FAKE_FD) */
    socklen_t sockname_len;           /**< 0: getsockname gives zeros */
    bool listening;                   /**< listen was called, or a connection queued: readiness is the queue's */
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
/** Points s at the fake: its descriptor (BTC_FAKE_FD unless btc_fake_set_fd), the fake's table. s is overwritten,
 * never closed. */
BTC_EXTERN void btc_fake_sock(btc_fake *f, btc_sock *s);
/**
 * How connect behaves: error 0 connects at once; a permanent error fails it
 * with that error; a transient one (EINPROGRESS, EWOULDBLOCK, EINTR) leaves
 * it in progress until virtual time at_ms, when the socket becomes writable
 * and so_error is pending (0: connected; else ERR readiness, and the next
 * getsockopt SO_ERROR, recv or send reports it, once, as a kernel does).
 * While it is in progress the socket is neither readable nor writable and
 * a send or recv fails with EAGAIN, as a kernel's non-blocking calls do
 * before the handshake ends.
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

/* ---- since 0.2: descriptors, names, options, incoming connections ----------- */

/**
 * The descriptor btc_fake_sock and the open slot give (default BTC_FAKE_FD).
 * A value of FD_SETSIZE or more tests the select backend's refusal
 * (BTC_ERR_NOT_SELECTABLE); in a network (btc_fake_net) it names the fake.
 */
BTC_EXTERN void btc_fake_set_fd(btc_fake *f, btc_socket_t fd);
/**
 * What getsockname gives: len bytes of addr (copied), truncated to the
 * caller's buffer with the full length reported, as the kernel does.
 * Without it getsockname gives zeros. BTC_OK; BTC_ERR_INVALID_ARGUMENT for
 * NULL f or addr, or len 0 or larger than struct sockaddr_storage.
 */
BTC_EXTERN btc_status btc_fake_set_sockname(btc_fake *f, const struct sockaddr *addr, socklen_t len);
/**
 * What getsockopt(level, name) gives from now on: len bytes of val (copied,
 * at most BTC_FAKE_OPT_MAX); other options read as zeros. SOL_SOCKET /
 * SO_ERROR is the pending error instead (an int; read once, as the kernel's
 * is), so a test can script a failed connect's error. BTC_OK;
 * BTC_ERR_INVALID_ARGUMENT (NULL f or val, len 0 or too long; SO_ERROR with
 * len other than sizeof(int)); BTC_ERR_NO_MEMORY.
 */
BTC_EXTERN btc_status btc_fake_set_sockopt(btc_fake *f, int level, int name, const void *val, socklen_t len);
/** The longest option value btc_fake_set_sockopt stores. */
#define BTC_FAKE_OPT_MAX 64
/**
 * Makes f a listener (as listen does) and queues a connection for accept:
 * from virtual time at_ms on, the fake is readable and accept returns fd
 * with peer address addr (len bytes, copied; NULL/0 for none; truncated to
 * the caller's buffer with the full length reported). Connections are
 * handed out in the order queued; before one is due accept fails with
 * EAGAIN, and when nothing more will come, a wait with no time limit
 * reports ERR and accept fails with EINVAL rather than block forever. In a
 * network, fd is another fake of the network: the accepted socket talks to
 * it. BTC_OK; BTC_ERR_INVALID_ARGUMENT (NULL f, addr NULL with len > 0,
 * len larger than struct sockaddr_storage, an invalid fd); BTC_ERR_NO_MEMORY.
 */
BTC_EXTERN btc_status btc_fake_add_incoming(btc_fake *f, btc_socket_t fd, const struct sockaddr *addr, socklen_t len,
                                            int64_t at_ms);
/** Queued connections accept has not handed out yet. */
BTC_EXTERN size_t btc_fake_incoming_left(const btc_fake *f);

/* ---- since 0.2: a network of fakes --------------------------------------------
 *
 * Several fakes behind one table, told apart by their descriptors
 * (btc_fake_set_fd before btc_fake_net_add), on one virtual clock: sockets
 * of one network can share one btc_wait_many, a listener's accept
 * (btc_fake_add_incoming) hands out other members, and two members can be
 * connected to each other (btc_fake_net_pair) so that a relay or a client
 * and a server built on btcsock talk end to end.
 *
 * Each call on a socket goes to the member with that descriptor, through
 * the member's own table: its script, its record and its trace apply as
 * they would alone (an unknown descriptor fails with EBADF, and a wait
 * reports it ERR, as poll does). The calls that name no socket belong to
 * the host (btc_fake_net_host), a fake of the network's own: its clock is
 * the network's, its steps apply to every wait (BTC_FAKE_WAIT), open and
 * socketpair (BTC_FAKE_OTHER), clock read (BTC_FAKE_CLOCK) and resolve
 * (btc_fake_set_resolve on the host), and its trace records the network's
 * waits. A wait also takes one WAIT step from each member fake it waits on
 * (a FAIL from any fails it; FALSE_READY makes that member's items ready;
 * the shortest SPURIOUS cap applies), and runs the clock to the next event
 * of any member, so an arrival on one socket wakes a wait on another. An
 * ADVANCE step taken by any member moves the network's clock.
 *
 * The network does not own its members (they are the caller's, and must
 * outlive it); it allocates its own lists (btc_fake_set_memory_limit on the
 * host bounds them). Not thread-safe.
 */

/** An opaque network of fakes (btc_fake_net_new). */
typedef struct btc_fake_net btc_fake_net;

/** A new, empty network (its host initialised as btc_fake_init does), or NULL when out of memory. */
BTC_EXTERN btc_fake_net *btc_fake_net_new(void);
/** Frees the network (its lists and its host's storage), not its members. NULL is ignored. */
BTC_EXTERN void btc_fake_net_free(btc_fake_net *n);
/** The network's table (NULL for NULL). */
BTC_EXTERN const btc_sys *btc_fake_net_sys(btc_fake_net *n);
/** The host: the network's clock, and the script of the calls that name no socket (NULL for NULL). */
BTC_EXTERN btc_fake *btc_fake_net_host(btc_fake_net *n);
/**
 * Adds f under its descriptor (f->fd, btc_fake_set_fd; it must not change
 * while f is a member) and, when s is not NULL, points s at it over the
 * network's table. f's clock joins the
 * network's (the later of the two wins). BTC_OK; BTC_ERR_INVALID_ARGUMENT
 * (NULL n or f, an invalid descriptor, one already in the network, f added
 * before); BTC_ERR_NO_MEMORY.
 */
BTC_EXTERN btc_status btc_fake_net_add(btc_fake_net *n, btc_fake *f, btc_sock *s);
/**
 * Connects two members: what one sends, the other reads (in order, readable
 * at once), and each side's send window is `window` bytes less what its
 * partner has not read yet (sends then fail with EAGAIN and a wait for SEND
 * waits for the partner to read). A close of one side ends the other's
 * input after what was sent (EOF) and fails its sends (EPIPE); a shutdown
 * for writing ends the other's input only. The two must have no input of
 * their own (no btc_fake_set_input, conversation or send callback: the pair
 * uses them). BTC_OK; BTC_ERR_INVALID_ARGUMENT (not both members, the same
 * fake twice, paired before, input of their own, window 0).
 */
BTC_EXTERN btc_status btc_fake_net_pair(btc_fake_net *n, btc_fake *a, btc_fake *b, size_t window);
/**
 * Queues member f for the network's open slot: each open hands out the next
 * queued fake (whose own open is called: its steps, its trace), so a
 * btc_sock_dial or btc_sock_open_with gets the fake whose connect the test
 * scripted; socketpair takes two and pairs them (a 64 KiB window). With
 * nothing queued, open fails with EMFILE. BTC_OK;
 * BTC_ERR_INVALID_ARGUMENT (NULL n, f not a member); BTC_ERR_NO_MEMORY.
 */
BTC_EXTERN btc_status btc_fake_net_on_open(btc_fake_net *n, btc_fake *f);
/**
 * BTC_OK, or BTC_ERR_NO_MEMORY once bytes sent between a pair could not be
 * carried (the pair is then broken: both sides' reads end with ENOMEM and
 * their sends fail), so a test never passes on silently lost bytes.
 * BTC_ERR_INVALID_ARGUMENT for NULL.
 */
BTC_EXTERN btc_status btc_fake_net_status(const btc_fake_net *n);

/* ---- since 0.2: memory ------------------------------------------------------ */

/**
 * btc_fake_push without its cap: steps past BTC_FAKE_MAX_STEPS go to
 * allocated storage. BTC_OK; BTC_ERR_INVALID_ARGUMENT (f NULL, op or kind
 * out of range); BTC_ERR_NO_MEMORY (nothing added).
 */
BTC_EXTERN btc_status btc_fake_add_step(btc_fake *f, btc_fake_op op, btc_fake_kind kind, int64_t value);
/**
 * btc_fake_arrive_at without its cap: arrivals past BTC_FAKE_MAX_ARRIVALS
 * go to allocated storage. BTC_OK; BTC_ERR_INVALID_ARGUMENT (f NULL, an
 * offset that does not increase); BTC_ERR_NO_MEMORY (nothing added).
 */
BTC_EXTERN btc_status btc_fake_add_arrival(btc_fake *f, size_t offset, int64_t at_ms);

/**
 * Releases what the fake allocated: the conversation, the trace, scripted
 * options and queued connections are forgotten, and steps and arrivals past
 * the fixed arrays dropped. NULL is ignored.
 */
BTC_EXTERN void btc_fake_free(btc_fake *f);
/**
 * The most bytes the fake may allocate in all (0 = no limit, the default).
 * Beyond it, calls that need memory give BTC_ERR_NO_MEMORY, as when the
 * system runs out: a test of that path, or a bound for a fuzzer.
 */
BTC_EXTERN void btc_fake_set_memory_limit(btc_fake *f, size_t bytes);

/* ---- since 0.2: the conversation --------------------------------------------
 *
 * A script of exchanges: "when the peer has received these bytes, it sends
 * these". Expectations and replies are appended in order; each reply (and
 * the end) waits until every byte expected before it was scripted has been
 * received. The data is copied. Once a reply or an end is scripted, the
 * replies are the peer's input (btc_fake_set_input must not be used, and a
 * conversation on a fake whose input was set is refused).
 *
 * Once an expectation is scripted the peer is strict: every byte sent is
 * compared with the expected stream, from the first byte ever sent, and a
 * byte past its end is unexpected too. The first byte that differs is
 * recorded (btc_fake_get_mismatch: its offset, the expected and the actual
 * byte); the send that carried it succeeds, as a kernel's would, and then
 * the peer breaks the connection as a broken peer does (btc_fake_on_mismatch):
 * replies not yet arrived never will, reads give what had arrived and then
 * the break error (or EOF), sends fail with EPIPE.
 *
 * While the conversation waits for bytes, reads say EAGAIN and waits run to
 * their timeout: a client that reads before it sends times out. When every
 * reply has been read and no end was scripted, the input ends as
 * btc_fake_set_end says (by default EOF at once).
 *
 * Each returns BTC_OK; BTC_ERR_NO_MEMORY (nothing changed); or
 * BTC_ERR_INVALID_ARGUMENT for NULL data with len > 0, a script after
 * btc_fake_reply_end, a negative delay, a transient end error, or a fake
 * whose input came from btc_fake_set_input; BTC_ERR_CLOSED (nothing
 * scripted) for a reply or an end once the peer has closed or broken the
 * connection.
 */

/** The peer must receive these bytes next. */
BTC_EXTERN btc_status btc_fake_expect(btc_fake *f, const void *data, size_t len);
/**
 * Once every byte expected so far has been received, the peer sends these,
 * readable delay_ms virtual ms later (and never before an earlier reply:
 * the stream stays in order). With no expectation before it, a greeting.
 */
BTC_EXTERN btc_status btc_fake_reply(btc_fake *f, const void *data, size_t len, int64_t delay_ms);
/**
 * Then (once every byte expected so far has been received, delay_ms virtual
 * ms later) the peer closes (error 0: reads give EOF once the replies are
 * read) or resets (a permanent error such as ECONNRESET: reads then fail
 * with it); either way sends fail with EPIPE from then on. Nothing may be
 * scripted after it.
 */
BTC_EXTERN btc_status btc_fake_reply_end(btc_fake *f, int error, int64_t delay_ms);
/**
 * How the peer breaks the connection after a mismatch: a permanent error
 * (the default is ECONNRESET) or 0 for a plain close. false, and nothing
 * changes, for a transient code.
 */
BTC_EXTERN bool btc_fake_on_mismatch(btc_fake *f, int error);
/** Whether a sent byte differed from the script; *out (may be NULL) gets the first such byte. */
BTC_EXTERN bool btc_fake_get_mismatch(const btc_fake *f, btc_fake_mismatch *out);
/** Expected bytes not yet received. */
BTC_EXTERN size_t btc_fake_expected_left(const btc_fake *f);
/**
 * Whether the conversation ran to its end: every expected byte received
 * without a mismatch, every reply released and read. A test asserts it to
 * catch a client that stopped early.
 */
BTC_EXTERN bool btc_fake_conversation_done(const btc_fake *f);
/**
 * Calls fn with every run of bytes the peer receives (NULL stops it); see
 * btc_fake_send_fn. With no expectation scripted, sends are not checked and
 * fn plays the peer alone.
 */
BTC_EXTERN void btc_fake_on_send(btc_fake *f, btc_fake_send_fn fn, void *user);

/* ---- since 0.2: the trace ---------------------------------------------------
 *
 * When started, every slot call is recorded in order (btc_fake_call: the
 * slot, its lengths and flags, its result and error, the virtual time),
 * until stopped. last_error calls are not recorded: each failed call carries
 * its reason. calls[] keeps counting as before, trace or not. If a record
 * cannot be stored, tracing stops and btc_fake_trace_status says
 * BTC_ERR_NO_MEMORY: a trace is never silently incomplete.
 */

/** Starts (or resumes) recording; BTC_OK, or BTC_ERR_INVALID_ARGUMENT for NULL. */
BTC_EXTERN btc_status btc_fake_trace_start(btc_fake *f);
/** Stops recording; what was recorded stays. */
BTC_EXTERN void btc_fake_trace_stop(btc_fake *f);
/** Forgets the records (keeps recording if it was); the status is BTC_OK again. */
BTC_EXTERN void btc_fake_trace_clear(btc_fake *f);
/** Records so far. */
BTC_EXTERN size_t btc_fake_trace_count(const btc_fake *f);
/** The i-th record (0 = the first), or NULL past the end. Valid until the next slot call or trace function. */
BTC_EXTERN const btc_fake_call *btc_fake_trace_at(const btc_fake *f, size_t i);
/** BTC_OK, or BTC_ERR_NO_MEMORY when a record was lost (and tracing stopped). */
BTC_EXTERN btc_status btc_fake_trace_status(const btc_fake *f);
/**
 * One record as a line ("send len=5 flags=0x4040 -> 5 @1000ms", no newline)
 * into buf (truncated to cap - 1 bytes, NUL-terminated when cap > 0). Returns
 * the line's full length, as snprintf does.
 */
BTC_EXTERN size_t btc_fake_call_format(const btc_fake_call *c, char *buf, size_t cap);
/** Writes every record, one numbered line each, then a line if records were lost. false on a write error. */
BTC_EXTERN bool btc_fake_trace_print(const btc_fake *f, FILE *out);

/* ---- since 0.2: a fuzzed fake ------------------------------------------------ */

/**
 * A fake scripted from a fuzzer's input. Initialises f (btc_fake_init) and
 * draws every decision of the peer and the kernel from the bytes, as
 * Bitcoin Core builds its FuzzedSock from a FuzzedDataProvider, so a
 * harness for your own protocol code is a few lines:
 *
 *     btc_fake f; btc_sock s;
 *     if (btc_fake_fuzz(&f, data, size) == BTC_OK) {
 *         btc_fake_sock(&f, &s);
 *         my_client(&s);        // and check what it claims
 *     }
 *     btc_fake_free(&f);
 *
 * Any byte string is a valid script (a byte past the input reads as 0, and
 * every value of a byte means something). The decisions are read from the
 * END of the input backwards, one byte each; the bytes left at the front
 * are the peer's (not copied: data must outlive the fake's use), so
 * mutating the peer's bytes keeps every decision, and dictionaries of text
 * protocols work. From the last byte backwards:
 *
 *  1. the end: bits 0..3 how the input ends (mod 8: EOF, ECONNRESET,
 *     ETIMEDOUT, EPIPE, ECONNABORTED, ENOTCONN, EHOSTUNREACH, ENETUNREACH),
 *     bits 4..7 when (n x 100 virtual ms after the start; 15: never, a
 *     silent peer);
 *  2. chunking: bits 0..2 the most one peek moves, bits 3..5 the most one
 *     send moves (0 none, 1, 2, 3, 4, 7, 16, 100 bytes), bits 6..7 reads
 *     (no limit, as peeks, 1 byte, 7 bytes; a read shorter than a peek is
 *     a kernel breaking its contract: BTC_ERR_PROTOCOL);
 *  3. the send window: 0 unlimited, else (n - 1) x 8 bytes;
 *  4. connect (btc_fake_set_connect): bits 0..3 its result (mod 8: 0,
 *     EINPROGRESS, ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EHOSTUNREACH,
 *     EINTR, EADDRNOTAVAIL), bits 4..7 the SO_ERROR an in-progress connect
 *     ends with (mod 8: 0, ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH,
 *     ENETUNREACH, ECONNRESET, ECONNABORTED, EACCES);
 *  5. when an in-progress connect completes: n x 10 ms after the start;
 *  6. arrivals: the low nibble is their count; each is 2 bytes: the offset
 *     of the peer's bytes it releases (its byte + 1 added to the previous
 *     offset; the first: its byte) and its delay after the previous one
 *     (n x 10 ms);
 *  7. steps: a count (0..255), then 2 bytes each: bits 0..2 the op (mod
 *     BTC_FAKE_OP_COUNT), bits 3..5 the kind (BTC_FAKE_PASS ..
 *     BTC_FAKE_SPURIOUS), bits 6..7 how often the step repeats (1, 2, 4,
 *     8); then its value: LIMIT and SPURIOUS the byte, ADVANCE the byte if
 *     below 128 else (n - 127) x 250 ms, FAIL an error code a kernel gives
 *     for that kind of call (sends: EAGAIN, EINTR, EPIPE, ECONNRESET,
 *     ENOBUFS, ETIMEDOUT, ENOMEM, ENOTCONN; peeks and reads: EAGAIN, EINTR,
 *     ECONNRESET, ETIMEDOUT, ENOMEM, ECONNREFUSED, ENOTCONN, ECONNABORTED;
 *     waits: EINTR, ENOMEM, EAGAIN; other slots: EINTR, ENOMEM,
 *     EINPROGRESS, ECONNREFUSED, ETIMEDOUT, ENOBUFS, EMFILE, EACCES; ANY
 *     and CLOCK: EINTR, EAGAIN, ENOMEM), the byte mod the list's length;
 *  8. the rest, from the first byte: the peer's bytes.
 *
 * INTERRUPT steps fire only an interrupt you attach
 * (btc_fake_attach_interrupt). The same bytes always give the same script.
 * BTC_OK; BTC_ERR_INVALID_ARGUMENT for a NULL f; BTC_ERR_NO_MEMORY when
 * repeated steps past BTC_FAKE_MAX_STEPS could not be stored (f is then
 * initialised but only partly scripted). Either way, call btc_fake_free.
 */
BTC_EXTERN btc_status btc_fake_fuzz(btc_fake *f, const uint8_t *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_FAKE_H */
