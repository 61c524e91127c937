/*
 * fuzz/fuzz_script.h - turns fuzzer bytes into a btc_fake script, shared by
 * every harness, plus the trap used when a contract check fails and a
 * checking syscall table (the guard) between the library and the fake.
 *
 * Input layout (every field optional: a short input reads as zeros):
 *
 *   u8  nsteps            number of scripted steps (mod 48)
 *   nsteps x 2 bytes      step: b0 = op (low 3 bits, mod BTC_FAKE_OP_COUNT) |
 *                         kind (bits 3..5, mod BTC_FAKE_KIND_COUNT);
 *                         b1 = value, decoded per kind (see fz_step_value)
 *   u8  max_peek, max_read, max_send   chunking; max_read applies only when
 *                         its top bit is set (a read shorter than the peek is a
 *                         kernel contract breach, and should be rare)
 *   u8  narrivals         (mod 8); each: u8 offset step (+1 after the first),
 *                         u8 delay (x 10 ms): input from that offset on arrives then
 *   u8  end               end result: index into fz_end_errors (0 = EOF), and
 *                         bit 7: the end comes only after a silence of 500 ms
 *   u8  send window       0 = unlimited, else n * 64 bytes
 *   (the harness then reads its own parameters, then the payload: the rest)
 *
 * The decoder never fails: every byte string is a valid scenario.
 * fuzz/make_corpus.py writes seeds in this layout from readable scenarios;
 * keep the two in step.
 */
#ifndef BTCSOCK_FUZZ_SCRIPT_H
#define BTCSOCK_FUZZ_SCRIPT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <btcsock.h>
#include <btcsock/fake.h>

typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static inline uint8_t fz_u8(fz_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t fz_u16(fz_in *in)
{
    uint16_t hi = fz_u8(in);
    return (uint16_t)((hi << 8) | fz_u8(in));
}

/* Transient and permanent codes the OS really returns on sockets, and 0 (a broken shim). */
static const int fz_errnos[] = {0,     EINTR,    EAGAIN,  EWOULDBLOCK, EINPROGRESS, ECONNRESET, EPIPE,
                                EBADF, ENOTCONN, ENOBUFS, ENOMEM,      ETIMEDOUT,   EINVAL,     ECONNABORTED};
#define FZ_NERRNOS (sizeof fz_errnos / sizeof fz_errnos[0])

/* Permanent end codes (index 0 is EOF). */
static const int fz_end_errors[] = {0, ECONNRESET, EPIPE, ETIMEDOUT, ENOTCONN, EBADF};
#define FZ_NEND (sizeof fz_end_errors / sizeof fz_end_errors[0])

/* Timeouts worth telling apart: none, tiny, short, long, and no limit. */
static const int64_t fz_timeouts[] = {0, 1, 10, 100, 1000, 30000, BTC_TIMEOUT_INFINITE, 250};

static inline int64_t fz_step_value(btc_fake_kind kind, uint8_t b)
{
    switch (kind) {
    case BTC_FAKE_LIMIT:
        return b % 64; /* short transfers, 0 included */
    case BTC_FAKE_FAIL:
        return fz_errnos[b % FZ_NERRNOS];
    case BTC_FAKE_ADVANCE:
        return b < 128 ? b : (int64_t)(b - 127) * 250; /* small jumps and jumps past any deadline */
    default:
        return 0;
    }
}

/* Reads the common script part of the input into f (already btc_fake_init'ed). */
static inline void fz_decode_script(fz_in *in, btc_fake *f)
{
    unsigned nsteps = fz_u8(in) % 48u;
    for (unsigned i = 0; i < nsteps; i++) {
        uint8_t b0 = fz_u8(in);
        uint8_t b1 = fz_u8(in);
        btc_fake_op op = (btc_fake_op)((b0 & 7u) % BTC_FAKE_OP_COUNT);
        btc_fake_kind kind = (btc_fake_kind)(((unsigned)b0 >> 3 & 7u) % BTC_FAKE_KIND_COUNT);
        (void)btc_fake_push(f, op, kind, fz_step_value(kind, b1));
    }
    uint8_t peek = fz_u8(in);
    uint8_t read = fz_u8(in);
    uint8_t send = fz_u8(in);
    btc_fake_set_chunks(f, peek, (read & 0x80u) ? (size_t)(read & 0x7fu) : 0, send);
    unsigned narr = fz_u8(in) % 8u;
    size_t offset = 0;
    int64_t at = f->now_ms;
    for (unsigned i = 0; i < narr; i++) {
        offset += (i == 0 ? 0u : 1u) + fz_u8(in); /* the first may be 0: nothing readable at first */
        at += (int64_t)fz_u8(in) * 10;
        (void)btc_fake_arrive_at(f, offset, at);
    }
    uint8_t end = fz_u8(in);
    int64_t end_at = (end & 0x80u) ? f->now_ms + 500 : 0;
    (void)btc_fake_set_end(f, fz_end_errors[(end & 0x7fu) % FZ_NEND], end_at);
    uint8_t window = fz_u8(in);
    if (window != 0)
        btc_fake_set_send_window(f, (size_t)window * 64u);
}

/* A peek scripted to return 0 with data waiting looks exactly like EOF to the library. */
static inline bool fz_script_has_zero_peek(const btc_fake *f)
{
    for (size_t i = 0; i < f->step_count; i++) {
        const btc_fake_step *st = &f->steps[i];
        if (st->kind == BTC_FAKE_LIMIT && st->value == 0 && (st->op == BTC_FAKE_PEEK || st->op == BTC_FAKE_ANY))
            return true;
    }
    return false;
}

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

/*
 * The harness's own idea of a transient error code (DESIGN.md: "false only
 * for EAGAIN, EINTR, EWOULDBLOCK, EINPROGRESS"), so that a broken
 * btc_io_error_is_permanent cannot vouch for itself.
 */
static inline bool fz_is_transient(int code)
{
    return code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == EINPROGRESS;
}

/* ---- the log: every operation logs its one result (DESIGN.md, Logging) ------- */

typedef struct fz_log_record {
    unsigned long trace, debug, warn;
} fz_log_record;

static fz_log_record fz_log;

static inline void fz_log_handler(void *ctx, btc_log_level level, const char *message)
{
    (void)ctx;
    FZ_CHECK(message != NULL, "log message is NULL");
    FZ_CHECK(memchr(message, '\0', 4096) != NULL, "log message not terminated within 4096 bytes");
    switch (level) {
    case BTC_LOG_TRACE:
        fz_log.trace++;
        break;
    case BTC_LOG_DEBUG:
        fz_log.debug++;
        break;
    case BTC_LOG_WARN:
        fz_log.warn++;
        break;
    default:
        FZ_CHECK(0, "log level %d", (int)level);
    }
}

/* The err record agrees with the status and is well-formed. */
static inline void fz_check_error_record(btc_status st, const btc_error *err)
{
    FZ_CHECK(err->status == st, "err.status %d, returned %d", (int)err->status, (int)st);
    FZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL, "message not terminated");
    if (st == BTC_OK)
        FZ_CHECK(err->message[0] == '\0' && err->code == 0, "success with message '%s' code %d", err->message,
                 err->code);
    else
        FZ_CHECK(err->message[0] != '\0', "status %s without a message", btc_status_name(st));
}

/* An upper bound on slot calls for one operation: generous, but finite and not byte-wise. */
static inline unsigned long fz_call_bound(const btc_fake *f, size_t bytes)
{
    unsigned long log2 = 1;
    while (((size_t)1 << log2) < bytes + 2 && log2 < 63)
        log2++;
    unsigned long events = (unsigned long)f->step_count + (unsigned long)f->arrival_count + 4;
    /* Chunked transfers may cost one call pair per chunk. */
    size_t chunk = f->max_peek != 0 ? f->max_peek : 512;
    if (f->max_send != 0 && f->max_send < chunk)
        chunk = f->max_send;
    return 8 * events * (log2 + 2) + 4 * (unsigned long)(bytes / chunk + 1);
}

/*
 * ---- the guard: a checking btc_sys between the library and the fake --------
 *
 * The library is handed the guard's table; every slot call is checked, then
 * forwarded to the fake. The guard watches one operation at a time
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
    btc_sys sys; /* the table the library is given; ctx = this guard */
    btc_fake *f; /* every call is forwarded to this fake */
    bool select_backend;

    /* the operation under way */
    btc_interrupt *intr;
    int64_t timeout;
    int64_t start_ms; /* virtual time when the operation began */
    int64_t deadline; /* first clock reading + timeout; INT64_MAX: none, or the clock not read yet */
    bool clock_read;
    bool unselectable; /* a socket of the operation has a descriptor select cannot hold */
    unsigned long calls, limit;
    bool frozen;      /* nothing but the clock may be called any more */
    bool no_wait;     /* no wait may be called any more */
    bool last_failed; /* the previous slot call failed: last_error may be read */

    /* the record of the operation */
    unsigned long sends, peeks, reads, waits, others;
    bool failed;           /* a slot call failed ... */
    int fail_code;         /* ... and the last failure had this code */
    bool peek_eof;         /* a peek returned 0 */
    bool short_read;       /* a read returned fewer bytes than asked */
    bool zero_send;        /* a send returned 0 */
    btc_ssize_t last_recv; /* what the last peek or read returned ... */
    int last_recv_code;    /* ... and its error code when it failed */
    size_t wait_count;     /* the items of the last wait call, and what it reported */
    btc_events occurred[FZ_GUARD_MAX_ITEMS];
} fz_guard;

static inline fz_guard *fz_guard_of(void *ctx) { return (fz_guard *)ctx; }

static inline bool fz_guard_stop_due(const fz_guard *g)
{
    return btc_interrupt_is_set(g->intr) || (g->deadline != INT64_MAX && g->f->now_ms >= g->deadline);
}

/* Before a call: the bound, and what may be called in the current state. */
static inline void fz_guard_pre(fz_guard *g, const char *what, bool transfer_or_wait)
{
    g->calls++;
    FZ_CHECK(g->calls <= g->limit, "more than %lu slot calls (now %s): the operation does not end", g->limit, what);
    if (transfer_or_wait)
        FZ_CHECK(!g->frozen,
                 "%s after a transfer that ended with the interrupt set or the deadline passed (now %lld, "
                 "deadline %lld)",
                 what, (long long)g->f->now_ms, (long long)g->deadline);
    g->last_failed = false;
}

/* After any call: a failure is recorded with its code, and last_error may be read next. */
static inline void fz_guard_post(fz_guard *g, btc_ssize_t r)
{
    if (r < 0) {
        g->failed = true;
        g->fail_code = g->f->last_error;
        g->last_failed = true;
    }
}

static inline btc_ssize_t fz_g_send(void *ctx, btc_socket_t s, const void *buf, size_t len, int flags)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_pre(g, "send", true);
    g->sends++;
    btc_ssize_t r = g->f->sys.send(g->f->sys.ctx, s, buf, len, flags);
    fz_guard_post(g, r);
    if (r == 0)
        g->zero_send = true;
    if (fz_guard_stop_due(g))
        g->frozen = true;
    return r;
}

static inline btc_ssize_t fz_g_recv(void *ctx, btc_socket_t s, void *buf, size_t len, int flags)
{
    fz_guard *g = fz_guard_of(ctx);
    bool peek = (flags & MSG_PEEK) != 0;
    fz_guard_pre(g, peek ? "peek" : "read", true);
    if (peek)
        g->peeks++;
    else
        g->reads++;
    btc_ssize_t r = g->f->sys.recv(g->f->sys.ctx, s, buf, len, flags);
    fz_guard_post(g, r);
    g->last_recv = r;
    g->last_recv_code = r < 0 ? g->f->last_error : 0;
    if (peek && r == 0)
        g->peek_eof = true;
    if (!peek && r >= 0 && (size_t)r < len)
        g->short_read = true;
    /* A peek that found data is half a transfer: its read must still follow. */
    if ((!peek || r <= 0) && fz_guard_stop_due(g))
        g->frozen = true;
    return r;
}

static inline int fz_g_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_pre(g, "wait", true);
    g->waits++;
    FZ_CHECK(!g->no_wait, "wait with the interrupt set or the deadline passed (now %lld, deadline %lld)",
             (long long)g->f->now_ms, (long long)g->deadline);
    FZ_CHECK(!g->unselectable, "wait on a descriptor the select backend cannot hold");
    FZ_CHECK(timeout_ms >= -1, "wait timeout %d", timeout_ms);
    if (g->timeout != BTC_TIMEOUT_INFINITE) {
        int64_t left = g->clock_read ? g->deadline - g->f->now_ms : g->timeout;
        if (left < 0)
            left = 0;
        FZ_CHECK(timeout_ms >= 0 && timeout_ms <= left, "wait for %d ms with %lld ms left (now %lld, deadline %lld)",
                 timeout_ms, (long long)left, (long long)g->f->now_ms, (long long)g->deadline);
    }
    int r = g->f->sys.wait(g->f->sys.ctx, items, count, wake, timeout_ms);
    fz_guard_post(g, r < 0 ? -1 : 0);
    g->wait_count = count < FZ_GUARD_MAX_ITEMS ? count : FZ_GUARD_MAX_ITEMS;
    for (size_t i = 0; i < g->wait_count; i++)
        g->occurred[i] = items[i].occurred;
    if (fz_guard_stop_due(g))
        g->no_wait = true;
    return r;
}

static inline int64_t fz_g_now_ms(void *ctx)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_pre(g, "clock", false);
    int64_t now = g->f->sys.now_ms(g->f->sys.ctx);
    if (!g->clock_read) {
        g->clock_read = true;
        if (g->timeout != BTC_TIMEOUT_INFINITE)
            g->deadline = now > INT64_MAX - 1 - g->timeout ? INT64_MAX - 1 : now + g->timeout;
    }
    return now;
}

static inline int fz_g_last_error(void *ctx)
{
    fz_guard *g = fz_guard_of(ctx);
    FZ_CHECK(g->last_failed, "last_error read, but the slot call before it did not fail");
    return g->f->sys.last_error(g->f->sys.ctx);
}

/* The slots the operations under test never need: forwarded and counted. */
static inline void fz_guard_other(fz_guard *g)
{
    fz_guard_pre(g, "other slot", false);
    g->others++;
}

static inline btc_socket_t fz_g_open(void *ctx, int domain, int type, int protocol)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    btc_socket_t r = g->f->sys.open(g->f->sys.ctx, domain, type, protocol);
    fz_guard_post(g, r == BTC_INVALID_SOCKET ? -1 : 0);
    return r;
}

static inline int fz_g_socketpair(void *ctx, btc_socket_t out[2])
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.socketpair(g->f->sys.ctx, out);
    fz_guard_post(g, r);
    return r;
}

static inline int fz_g_close(void *ctx, btc_socket_t s)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.close(g->f->sys.ctx, s);
    fz_guard_post(g, r);
    return r;
}

static inline int fz_g_connect(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.connect(g->f->sys.ctx, s, addr, len);
    fz_guard_post(g, r);
    return r;
}

static inline int fz_g_bind(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.bind(g->f->sys.ctx, s, addr, len);
    fz_guard_post(g, r);
    return r;
}

static inline int fz_g_listen(void *ctx, btc_socket_t s, int backlog)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.listen(g->f->sys.ctx, s, backlog);
    fz_guard_post(g, r);
    return r;
}

static inline btc_socket_t fz_g_accept(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    btc_socket_t r = g->f->sys.accept(g->f->sys.ctx, s, addr, len);
    fz_guard_post(g, r == BTC_INVALID_SOCKET ? -1 : 0);
    return r;
}

static inline int fz_g_getsockopt(void *ctx, btc_socket_t s, int level, int name, void *val, socklen_t *len)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.getsockopt(g->f->sys.ctx, s, level, name, val, len);
    fz_guard_post(g, r);
    return r;
}

static inline int fz_g_setsockopt(void *ctx, btc_socket_t s, int level, int name, const void *val, socklen_t len)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.setsockopt(g->f->sys.ctx, s, level, name, val, len);
    fz_guard_post(g, r);
    return r;
}

static inline int fz_g_getsockname(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.getsockname(g->f->sys.ctx, s, addr, len);
    fz_guard_post(g, r);
    return r;
}

static inline int fz_g_set_non_blocking(void *ctx, btc_socket_t s)
{
    fz_guard *g = fz_guard_of(ctx);
    fz_guard_other(g);
    int r = g->f->sys.set_non_blocking(g->f->sys.ctx, s);
    fz_guard_post(g, r);
    return r;
}

/* Wraps f (already scripted) and installs the log handler. */
static inline void fz_guard_init(fz_guard *g, btc_fake *f)
{
    memset(g, 0, sizeof *g);
    btc_sys table = {
        .version = BTC_SYS_VERSION,
        .ctx = g,
        .open = fz_g_open,
        .socketpair = fz_g_socketpair,
        .close = fz_g_close,
        .send = fz_g_send,
        .recv = fz_g_recv,
        .connect = fz_g_connect,
        .bind = fz_g_bind,
        .listen = fz_g_listen,
        .accept = fz_g_accept,
        .getsockopt = fz_g_getsockopt,
        .setsockopt = fz_g_setsockopt,
        .getsockname = fz_g_getsockname,
        .set_non_blocking = fz_g_set_non_blocking,
        .wait = fz_g_wait,
        .last_error = fz_g_last_error,
        .now_ms = fz_g_now_ms,
    };
    g->sys = table;
    g->f = f;
    g->select_backend = strcmp(btc_wait_backend(), "select") == 0;
    g->deadline = INT64_MAX;
    btc_set_log_handler(fz_log_handler, NULL, BTC_LOG_TRACE);
}

/* Points s at the fake through the guard; a high descriptor on request. */
static inline void fz_guard_sock(fz_guard *g, btc_sock *s, bool high_fd)
{
    btc_fake_sock(g->f, s);
    s->sys = &g->sys;
    if (high_fd)
        s->fd = FZ_HIGH_FD;
}

/* Whether the backend must refuse s's descriptor in a wait. */
static inline bool fz_unselectable(const fz_guard *g, const btc_sock *s)
{
    return g->select_backend && s->fd != BTC_INVALID_SOCKET && s->fd >= FD_SETSIZE;
}

/* Starts watching one operation. */
static inline void fz_guard_begin(fz_guard *g, int64_t timeout, btc_interrupt *intr, bool unselectable,
                                  unsigned long bound)
{
    /* Everything from intr on describes one operation. */
    memset(&g->intr, 0, sizeof *g - offsetof(fz_guard, intr));
    g->intr = intr;
    g->timeout = timeout;
    g->start_ms = g->f->now_ms;
    g->deadline = INT64_MAX;
    g->unselectable = unselectable;
    g->limit = bound;
    g->no_wait = btc_interrupt_is_set(intr);
    memset(&fz_log, 0, sizeof fz_log);
}

/*
 * After the operation: what its status claims must match what happened, and
 * it logged exactly its one result (TRACE on success, DEBUG on error). err
 * is NULL when the operation was called without a record (allowed
 * everywhere): then only what the status claims is checked.
 */
static inline void fz_guard_end(const fz_guard *g, btc_status st, const btc_error *err)
{
#ifdef FZ_VERBOSE
    /* Built with -DFZ_VERBOSE (make fuzz-explain): what each operation did, for writing scenarios. */
    fprintf(stderr, "  %s: %s [%s] bytes %zu; calls %lu (send %lu peek %lu read %lu wait %lu); t %lld..%lld\n",
            btc_status_name(st) + 4, err ? err->message : "(no record)", err && err->code ? "code" : "-",
            err ? err->bytes : 0, g->calls, g->sends, g->peeks, g->reads, g->waits, (long long)g->start_ms,
            (long long)g->f->now_ms);
#endif
    if (err != NULL)
        fz_check_error_record(st, err);
    FZ_CHECK(g->others == 0, "%lu calls of slots the operation has no use for", g->others);
    if (st == BTC_ERR_TIMEOUT) {
        FZ_CHECK(g->timeout != BTC_TIMEOUT_INFINITE, "TIMEOUT without a timeout");
        int64_t due = g->clock_read
                          ? g->deadline
                          : (g->start_ms > INT64_MAX - 1 - g->timeout ? INT64_MAX - 1 : g->start_ms + g->timeout);
        FZ_CHECK(g->f->now_ms >= due, "TIMEOUT at %lld, before the deadline %lld", (long long)g->f->now_ms,
                 (long long)due);
    }
    if (st == BTC_ERR_INTERRUPTED)
        FZ_CHECK(btc_interrupt_is_set(g->intr), "INTERRUPTED without a set interrupt");
    if (st == BTC_ERR_IO || st == BTC_ERR_NO_MEMORY)
        FZ_CHECK(g->failed, "%s but no slot call failed", btc_status_name(st));
    if (err == NULL) {
        /* no record to check */
    } else if (st == BTC_ERR_IO || st == BTC_ERR_NO_MEMORY) {
        FZ_CHECK(err->code == g->fail_code, "%s with code %d, the failing call said %d", btc_status_name(st), err->code,
                 g->fail_code);
        FZ_CHECK(!fz_is_transient(err->code), "%s for the transient error %d", btc_status_name(st), err->code);
    } else {
        FZ_CHECK(err->code == 0, "%s with code %d", btc_status_name(st), err->code);
    }
    if (st == BTC_ERR_NO_MEMORY)
        FZ_CHECK(g->fail_code == ENOMEM, "NO_MEMORY after error %d", g->fail_code);
    if (st == BTC_ERR_NOT_SELECTABLE)
        FZ_CHECK(g->unselectable, "NOT_SELECTABLE for a descriptor the backend can hold");
    FZ_CHECK(fz_log.trace + fz_log.debug == 1 && fz_log.warn == 0,
             "%lu trace, %lu debug and %lu warn log messages for one result", fz_log.trace, fz_log.debug, fz_log.warn);
    FZ_CHECK((st == BTC_OK) == (fz_log.trace == 1), "result %s logged at the wrong level", btc_status_name(st));
}

#endif /* BTCSOCK_FUZZ_SCRIPT_H */
