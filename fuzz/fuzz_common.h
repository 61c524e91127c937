/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_common.h - what the fuzz harnesses share: the input layout (one
 * codec that both decodes fuzzer bytes and encodes the seed corpus), the
 * contract trap, and the guard (a btc_sys_tap hook that checks the contract
 * during each call).
 *
 * Input layout of the socket harnesses (every field optional: a short input
 * reads as zeros, so every byte string is a valid scenario):
 *
 *   the script (fz_script)
 *     u8  nsteps            number of scripted steps (mod 48)
 *     nsteps x 2 bytes      step: b0 = op (low 3 bits, mod BTC_FAKE_OP_COUNT) |
 *                           kind (bits 3..5, mod BTC_FAKE_KIND_COUNT: 6 and 7
 *                           are the wait tricks FALSE_READY and SPURIOUS);
 *                           b1 = value, decoded per kind (fz_step_value)
 *     u8  max_peek, max_read, max_send   chunking; max_read applies only when
 *                           its top bit is set (a read shorter than the peek is
 *                           a kernel contract breach, and should be rare)
 *     u8  narrivals         (mod 8); each: u8 offset step (+1 after the first),
 *                           u8 delay (x 10 ms): input from that offset on arrives then
 *     u8  end               end result: index into fz_end_errors (0 = EOF), and
 *                           bit 7: the end comes only after a silence of 500 ms
 *     u8  send window       0 = unlimited, else n * 64 bytes
 *   the harness's parameters (fz_*_params below)
 *   the payload: the rest (the peer's bytes, or the data to send)
 *
 * The codec functions (fz_*_codec) describe each part once; fz_io decides
 * whether they read (a harness) or write (fuzz/make_corpus.c).
 */
#ifndef BTCSOCK_FUZZ_COMMON_H
#define BTCSOCK_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <btcsock.h>
#include <btcsock/fake.h>

/* ---- the codec --------------------------------------------------------------------- */

/** Reads (encode false: p/n) or writes (encode true: out/len/cap) the input bytes. */
typedef struct fz_io {
    bool encode;
    const uint8_t *p; /* decoding: the bytes left */
    size_t n;
    uint8_t *out; /* encoding: the bytes written (len may exceed cap: then out is truncated) */
    size_t len, cap;
} fz_io;

fz_io fz_reader(const uint8_t *data, size_t size);
fz_io fz_writer(uint8_t *out, size_t cap);
/** One byte: read (0 past the end) or written. */
void fz_u8(fz_io *io, uint8_t *v);
/** Big-endian. */
void fz_u16(fz_io *io, uint16_t *v);
void fz_u32(fz_io *io, uint32_t *v);
/** The payload: everything left (reading), or len bytes (writing). */
void fz_rest(fz_io *io, const uint8_t **data, size_t *len);

/* ---- the script ---------------------------------------------------------------------- */

#define FZ_MAX_STEPS 47
#define FZ_MAX_ARRIVALS 7

typedef struct fz_script {
    uint8_t nsteps;
    uint8_t steps[FZ_MAX_STEPS][2];
    uint8_t max_peek, max_read, max_send;
    uint8_t narrivals;
    uint8_t arrivals[FZ_MAX_ARRIVALS][2];
    uint8_t end;
    uint8_t window;
} fz_script;

void fz_script_codec(fz_io *io, fz_script *s);
/** Scripts f (btc_fake_init'ed) as s says. */
void fz_script_apply(const fz_script *s, btc_fake *f);
/** Reads the script part of the input and applies it to f (btc_fake_init'ed). */
void fz_decode_script(fz_io *in, btc_fake *f);

/* Transient and permanent codes the OS really returns on sockets, and 0 (a broken shim). */
extern const int fz_errnos[];
extern const size_t fz_nerrnos;
/* Permanent end codes (index 0 is EOF). */
extern const int fz_end_errors[];
extern const size_t fz_nend;
/* Timeouts worth telling apart: none, tiny, short, long, and no limit. */
extern const int64_t fz_timeouts[8];

/** A step's value as the decoder reads it from b. */
int64_t fz_step_value(btc_fake_kind kind, uint8_t b);

/* The same script, readable: what the seed corpus is written in. */
typedef struct fz_step_spec {
    btc_fake_op op;
    btc_fake_kind kind;
    int64_t value; /* LIMIT 0..63, FAIL an errno of fz_errnos, ADVANCE 0..127 or n * 250 */
} fz_step_spec;

typedef struct fz_arrival_spec {
    size_t offset; /* increasing */
    int64_t at;    /* ms after the start, non-decreasing multiples of 10 */
} fz_arrival_spec;

typedef struct fz_script_spec {
    fz_step_spec steps[FZ_MAX_STEPS];
    size_t nsteps;
    size_t max_peek, max_read, max_send; /* 0..255, 0..127, 0..255 */
    fz_arrival_spec arrivals[FZ_MAX_ARRIVALS];
    size_t narrivals;
    int end;       /* 0 = EOF, else a permanent errno of fz_end_errors */
    bool end_late; /* the end comes 500 ms in */
    size_t window; /* a multiple of 64 up to 255 * 64; 0 = unlimited */
} fz_script_spec;

/** The script bytes for spec; false (with why) when spec cannot be encoded. */
bool fz_script_from_spec(const fz_script_spec *spec, fz_script *s, char *why, size_t cap);
/** The index of a timeout in fz_timeouts, or -1. */
int fz_timeout_index(int64_t timeout_ms);

/* ---- each harness's parameters ----------------------------------------------------------- */

/* recv_until: u8 terminator, u16 max_data (1 + low 12 bits; bit 15 an unknown
 * flag, bit 14 a negative timeout, bit 13 no error record), u8 options (bit 0
 * BTC_RECV_UTF8, bit 1 an interrupt set before the call, bit 2 an attached
 * interrupt for INTERRUPT steps, bits 3..5 timeout index, bit 6 read a second
 * line, bit 7 a descriptor the select backend cannot hold). */
typedef struct fz_recv_params {
    uint8_t term;
    uint16_t md;
    uint8_t opt;
} fz_recv_params;
void fz_recv_params_codec(fz_io *io, fz_recv_params *p);

/* send_complete: u8 options (bit 0 an interrupt set before the call, bit 1
 * an attached interrupt, bits 2..4 timeout index, bit 5 a descriptor the
 * select backend cannot hold, bit 6 NULL data, bit 7 a negative timeout). */
typedef struct fz_send_params {
    uint8_t opt;
} fz_send_params;
void fz_send_params_codec(fz_io *io, fz_send_params *p);

/* wait: u8 mode, u8 shape, then one u8 per item (see fuzz_wait.c). */
#define FZ_WAIT_MAX_ITEMS 8
typedef struct fz_wait_params {
    uint8_t mode;
    uint8_t shape;
    uint8_t items[FZ_WAIT_MAX_ITEMS];
} fz_wait_params;
void fz_wait_params_codec(fz_io *io, fz_wait_params *p);
/** How many item bytes follow mode and shape. */
size_t fz_wait_item_count(const fz_wait_params *p);

/* errors: i32 code, i32 status, u16 cap, u16 text length, u8 fill, u8 levels (see fuzz_errors.c). */
typedef struct fz_errors_params {
    uint32_t code, status;
    uint16_t cap, prefix;
    uint8_t fill, level;
} fz_errors_params;
void fz_errors_params_codec(fz_io *io, fz_errors_params *p);

/* ops: u8 operation (an index into kit_ops, mod their count), u8 options
 * (bit 0 an interrupt set before the call, bit 1 an attached interrupt,
 * bits 2..4 timeout index, bit 5 a descriptor the select backend cannot
 * hold, bit 6 a version-1 table: the fake's cut before shutdown), u16 size (max_data of IN operations, the reply length
 * of handshakes: 1 + low 12 bits), u8 events (the requested events of waits: 1 + value mod 3), u8 host (an index into
 * fz_hosts), u8 connect (low nibble: the connect's error, an index into fz_errnos; high nibble: the SO_ERROR an
 * in-progress connect ends with, likewise), u8 connect delay (x 10 ms), u8 resolve (0..3: that many answers; else the
 * resolver's error is fz_errnos[value mod their count], or EAI_NONAME for 0). */
typedef struct fz_ops_params {
    uint8_t op, opt;
    uint16_t size;
    uint8_t events, host, connect, connect_delay, resolve;
} fz_ops_params;
/* socks5: u8 options (bit 0 an interrupt set before the call, bit 1 an
 * attached interrupt, bits 2..4 timeout index, bit 5 a descriptor the
 * select backend cannot hold, bit 6 offer username/password, bit 7 no
 * error record), u8 host (an index into fz_hosts). The rest is what the
 * proxy sends. */
typedef struct fz_socks5_params {
    uint8_t opt, host;
} fz_socks5_params;
void fz_socks5_params_codec(fz_io *io, fz_socks5_params *p);

/* Hosts the connect and handshake operations are given: literals of both families, names, the longest
 * name; all valid (hosts that must be refused are the unit tests' business). */
extern const char *const fz_hosts[];
extern const size_t fz_nhosts;
void fz_ops_params_codec(fz_io *io, fz_ops_params *p);

/* reader: u8 mode (bit 0 BTC_READER_EXACT, bit 1 an interrupt set before the
 * calls, bit 2 an attached interrupt for INTERRUPT steps, bits 3..5 timeout
 * index, bit 6 a descriptor the select backend cannot hold, bit 7 an unknown
 * init flag), u16 window (2 + low 12 bits; bit 15 a window of 0 or 1 byte,
 * bit 14 negative timeouts, bit 13 no error records), u8 terminator, u8
 * second terminator, u8 ncalls (mod 33), then ncalls u8 calls (bits 0..2 the
 * call, bits 3..7 its size; see fuzz_reader.c). */
#define FZ_READER_MAX_CALLS 32
typedef struct fz_reader_params {
    uint8_t mode;
    uint16_t window;
    uint8_t term, term2;
    uint8_t ncalls;
    uint8_t calls[FZ_READER_MAX_CALLS];
} fz_reader_params;
void fz_reader_params_codec(fz_io *io, fz_reader_params *p);

/* ---- the contract trap --------------------------------------------------------------------- */

/* A contract violation: say what and crash so the fuzzer keeps the input. */
#define FZ_CHECK(cond, ...)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "contract violated at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fprintf(stderr, "\n");                                                            \
            __builtin_trap();                                                                 \
        }                                                                                     \
    } while (0)

/**
 * The harness's own idea of a transient error code (docs/API.md,
 * btc_io_error_is_permanent: transient are EAGAIN, EWOULDBLOCK, EINTR and
 * EINPROGRESS, nothing else), so that a broken
 * btc_io_error_is_permanent cannot vouch for itself.
 */
bool fz_is_transient(int code);

/** The err record agrees with the status and is well-formed (tests/kit/check.h). */
void fz_check_error_record(btc_status st, const btc_error *err);

/** A peek scripted to return 0 with data waiting looks exactly like EOF to the library. */
bool fz_script_has_zero_peek(const btc_fake *f);

/** An upper bound on slot calls for one operation: generous, but finite and not byte-wise. */
unsigned long fz_call_bound(const btc_fake *f, size_t bytes);

/** Log messages counted by level while a guard is installed (every operation logs its one result). */
typedef struct fz_log_record {
    unsigned long trace, debug, warn;
} fz_log_record;
extern fz_log_record fz_log;

/* ---- the guard ------------------------------------------------------------------------------ */

/*
 * The library is handed the guard's table: a tap over the fake whose hook
 * checks every slot call. The guard watches one operation at a time
 * (fz_guard_begin .. fz_guard_end) and traps, while the operation runs, on:
 *
 *  - more slot calls than the bound (an endless loop is a crash, not a hang);
 *  - a send, peek, read or wait after a send, read or failed peek that ended
 *    with the interrupt set or the deadline passed ("the high-level ops check
 *    the deadline and the interrupt after every partial transfer and before
 *    every wait");
 *  - a wait after a wait that ended that way, or with the interrupt set
 *    before the operation began ("a plain btc_sock_wait with the interrupt
 *    already set returns BTC_ERR_INTERRUPTED at once");
 *  - a wait whose timeout reaches past the deadline, or that is endless when
 *    the operation has a deadline ("never blocks past its deadline"; the time
 *    left is recomputed from a monotonic deadline);
 *  - a wait on a descriptor the select backend cannot hold;
 *  - last_error read when the call before it did not fail.
 *
 * The deadline is the first clock reading of the operation plus its timeout.
 * fz_guard_end then checks what every status claims against the record.
 */
#define FZ_GUARD_MAX_ITEMS 16
/* A descriptor value the select backend must refuse (harness option "high fd"). */
#define FZ_HIGH_FD 5000

typedef struct fz_guard {
    btc_sys_tap tap; /* its table is what the library is given */
    btc_fake *f;     /* every call is forwarded to this fake */
    bool select_backend;

    /* the operation under way */
    btc_interrupt *intr;
    int64_t timeout;
    int64_t start_ms; /* virtual time when the operation began */
    int64_t deadline; /* first clock reading + timeout; INT64_MAX: none, or the clock not read yet */
    bool clock_read;
    bool unselectable; /* a socket of the operation has a descriptor select cannot hold */
    unsigned long calls, limit;
    bool settle;         /* a read as the first slot call does not freeze (see fz_guard_allow_settle) */
    bool frozen;         /* no transfer or wait may be called any more */
    bool no_wait;        /* no wait may be called any more */
    bool last_failed;    /* the previous slot call failed: last_error may be read */
    bool others_allowed; /* set after fz_guard_begin for operations that call other slots (connect, open, ...) */
    bool unlogged;       /* set after fz_guard_begin for thin wrappers, which log nothing */

    /* the record of the operation */
    unsigned long sends, peeks, reads, waits, others;
    bool failed;            /* a slot call failed (or SO_ERROR reported a failed connect) ... */
    int fail_code;          /* ... and the last failure had this code ... */
    btc_sys_slot fail_slot; /* ... in this slot (a failed close, which nothing but reset reports, is not counted) */
    unsigned long close_failures; /* each logs a WARN */
    bool connect_pending;         /* the last connect failed with a transient error: it is in progress ... */
    bool so_error_read;           /* ... and SO_ERROR was read since ... */
    int so_error;                 /* ... with this value */
    bool peek_eof;                /* a peek returned 0 */
    bool short_read;              /* a read returned fewer bytes than asked */
    bool zero_send;               /* a send returned 0 */
    btc_ssize_t last_recv;        /* what the last peek or read returned ... */
    int last_recv_code;           /* ... and its error code when it failed */
    size_t wait_count;            /* the items of the last wait call, and what it reported */
    btc_events occurred[FZ_GUARD_MAX_ITEMS];
} fz_guard;

/** Wraps f (already scripted) and installs the log handler. */
void fz_guard_init(fz_guard *g, btc_fake *f);
/** The same over a table of f's other than its own (a copy cut to version 1, say). */
void fz_guard_init_over(fz_guard *g, btc_fake *f, const btc_sys *inner);
/** The guard's table. */
const btc_sys *fz_guard_sys(const fz_guard *g);
/** Points s at the fake through the guard; a high descriptor on request. */
void fz_guard_sock(fz_guard *g, btc_sock *s, bool high_fd);
/** Whether the backend must refuse s's descriptor in a wait. */
bool fz_unselectable(const fz_guard *g, const btc_sock *s);
/** Starts watching one operation. */
void fz_guard_begin(fz_guard *g, int64_t timeout, btc_interrupt *intr, bool unselectable, unsigned long bound);
/**
 * After the operation: what its status claims must match what happened, and
 * it logged exactly its one result (TRACE on success, DEBUG on error). err
 * is NULL when the operation was called without a record (allowed
 * everywhere): then only what the status claims is checked.
 */
void fz_guard_end(const fz_guard *g, btc_status st, const btc_error *err);

/**
 * For a btc_reader call: its first slot call may be a read that settles what
 * earlier calls returned (lazy mode consumes it only when the window must
 * move), made before the call's first attempt and therefore before the
 * deadline and the interrupt are looked at. Such a read does not end the
 * operation's right to transfer, even with the stop due; every read after it
 * does. Call after fz_guard_begin.
 */
void fz_guard_allow_settle(fz_guard *g);

/** An interrupt for the harness: set before the call and/or attached to the fake's INTERRUPT steps. */
btc_interrupt *fz_interrupt(btc_interrupt *storage, btc_fake *f, bool preset, bool attached);

#endif /* BTCSOCK_FUZZ_COMMON_H */
