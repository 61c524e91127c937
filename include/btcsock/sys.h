/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock/sys.h - platform socket types and the syscall table (btc_sys).
 *
 * Every call btcsock makes to the operating system goes through a btc_sys
 * table. btc_sys_default() is the real OS; tests, fuzzers and users may supply
 * their own (see btcsock/fake.h for a scripted in-memory socket). A btc_sock
 * carries a pointer to its table; NULL means the default.
 */
#ifndef BTCSOCK_SYS_H
#define BTCSOCK_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef _WIN32
/*
 * On Windows FD_SETSIZE is the number of sockets an fd_set can hold (not a
 * limit on their values), 64 by default. Like Bitcoin Core, raise it before
 * winsock2.h is seen; a translation unit that already defined it keeps its
 * own value. The library is built with 1024: one btc_wait_many can watch up
 * to 1024 sockets, the interrupt's wake socket included; more is refused
 * with BTC_ERR_NOT_SELECTABLE. fd_set is not part of btcsock's API, so a
 * caller compiled with another FD_SETSIZE is unaffected.
 */
#ifndef FD_SETSIZE
#define FD_SETSIZE 1024
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
typedef SOCKET btc_socket_t;
#define BTC_INVALID_SOCKET INVALID_SOCKET
/* Windows has no SIGPIPE, so there is nothing to suppress. */
#define BTC_MSG_NOSIGNAL 0
/*
 * Winsock has no MSG_DONTWAIT. The default table strips this bit and makes
 * the call non-blocking itself (a zero-timeout select before it, see
 * src/sys_win32.c); it is not a Winsock flag and must not reach Winsock
 * through a table of one's own.
 */
#define BTC_MSG_DONTWAIT 0x40000000
#define BTC_MSG_DISCARD 0
typedef long long btc_ssize_t;
#else
#include <netdb.h> /* the resolve slot's EAI_* codes */
#include <sys/socket.h>
#include <sys/types.h>
typedef int btc_socket_t;
#define BTC_INVALID_SOCKET (-1)
#ifdef MSG_NOSIGNAL
#define BTC_MSG_NOSIGNAL MSG_NOSIGNAL
#else
#define BTC_MSG_NOSIGNAL 0 /* the default table sets SO_NOSIGPIPE instead */
#endif
#define BTC_MSG_DONTWAIT MSG_DONTWAIT
#if defined(__linux__) && defined(MSG_TRUNC)
/* Linux TCP drops the bytes instead of copying them; AF_UNIX copies as usual. */
#define BTC_MSG_DISCARD MSG_TRUNC
#else
#define BTC_MSG_DISCARD 0
#endif
typedef ssize_t btc_ssize_t;
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Readiness events (a bit set). */
typedef uint8_t btc_events;
#define BTC_EV_RECV 0x01 /**< readable (data, EOF, or a pending error) */
#define BTC_EV_SEND 0x02 /**< writable */
#define BTC_EV_ERR 0x04  /**< error or hang-up; reported, never needs requesting */

struct btc_sock;

/** One socket in a wait: the caller sets sock and requested, the wait sets occurred. */
typedef struct btc_wait_item {
    const struct btc_sock *sock;
    btc_events requested;
    btc_events occurred;
} btc_wait_item;

/** One piece of a gather send (btc_sock_send_complete_v and the sendv slot). */
typedef struct btc_iovec {
    const void *base;
    size_t len;
} btc_iovec;

/** The most pieces one sendv slot call is given (the library batches longer lists). */
#define BTC_IOV_BATCH 64

/** One address from the resolve slot (btc_sock_dial): what socket(2) and connect(2) need. */
typedef struct btc_addr {
    int family;                   /**< AF_INET, AF_INET6, ... */
    int socktype;                 /**< SOCK_STREAM */
    int protocol;                 /**< as socket(2) wants it (0 or IPPROTO_TCP) */
    socklen_t len;                /**< bytes of addr in use */
    struct sockaddr_storage addr; /**< the address, port included */
} btc_addr;

/** btc_sock_shutdown's `how` and the shutdown slot's (mapped to SHUT_* / SD_* by the slot). */
#define BTC_SHUT_RD 0
#define BTC_SHUT_WR 1
#define BTC_SHUT_RDWR 2

/** The table layout version this header describes: 1 (0.1), 2 (0.2: shutdown, sendv, resolve). */
#define BTC_SYS_VERSION 2

/*
 * BTC_SYS_SLOTS(X): every slot of btc_sys, once, in table order. The table
 * itself, btc_sys_validate, btc_sys_tap, the default tables and the fake are
 * all generated from this list, so a new slot is one line here plus one
 * implementation per table that must provide it.
 *
 *   X(since, ret, name, fails, nparams, (params))
 *
 *   since    the table version that introduced the slot: a table of an older
 *            version ends before it, and the library never reads it there
 *   ret      the slot's return type
 *   name     the member name
 *   fails    how a failure shows: SOCKET (returns BTC_INVALID_SOCKET) or
 *            NEGATIVE (returns a value < 0), the reason then being read with
 *            last_error(); RETURNS (returns the reason itself, non-zero); or
 *            NEVER (BTC_SYS_FAILED tells)
 *   nparams  how many parameters follow ctx (0..6)
 *   params   ((type, name), ...): the parameters after ctx, which every slot
 *            takes first
 *
 * The contract of each slot (every slot is required in a table of its
 * version; "fails" means: returns the failure value and leaves the reason for
 * last_error(), read immediately afterwards on the same thread, as errno is;
 * no slot raises SIGPIPE or aborts):
 *
 *  open        socket(2): a new socket that is close-on-exec, non-blocking
 *              and never raises SIGPIPE.
 *  socketpair  a connected stream pair into out[0] and out[1] (AF_UNIX on
 *              POSIX, loopback TCP on Windows), both close-on-exec and
 *              non-blocking. 0 or -1.
 *  close       close(2) / closesocket(). 0 or -1; the descriptor is released
 *              either way.
 *  send        send(2). flags are OS flags plus BTC_MSG_DONTWAIT; the slot
 *              adds whatever keeps SIGPIPE away (MSG_NOSIGNAL). Returns the
 *              bytes accepted (0..len) or -1. With BTC_MSG_DONTWAIT it never
 *              blocks (-1 with EAGAIN/EWOULDBLOCK instead).
 *  recv        recv(2). flags are OS flags (MSG_PEEK) plus BTC_MSG_DONTWAIT
 *              and BTC_MSG_DISCARD. Returns the bytes stored (1..len), 0 at
 *              end of stream (when len > 0), or -1. BTC_MSG_DISCARD says buf
 *              already holds these bytes (from a peek), so the slot may
 *              consume them without copying (MSG_TRUNC on Linux TCP); a slot
 *              may always copy instead.
 *  connect     connect(2). 0 or -1 (EINPROGRESS on a non-blocking socket is a
 *              failure the caller classifies).
 *  bind        bind(2). 0 or -1.
 *  listen      listen(2). 0 or -1.
 *  accept      accept(2): the new socket is close-on-exec and non-blocking.
 *              addr/len may be NULL.
 *  getsockopt  getsockopt(2). 0 or -1.
 *  setsockopt  setsockopt(2). 0 or -1.
 *  getsockname getsockname(2). 0 or -1.
 *  set_non_blocking  puts s in non-blocking mode (fcntl O_NONBLOCK /
 *              ioctlsocket FIONBIO). 0 or -1.
 *  wait        waits until one of items is ready, wake (if not
 *              BTC_INVALID_SOCKET) is readable, or timeout_ms passes (-1: no
 *              limit; 0: just look). Sets items[i].occurred for every item
 *              (BTC_EV_ERR for error, hang-up or an invalid descriptor,
 *              whether requested or not). Returns the number of ready
 *              entries, the wake descriptor included; 0 when the time ran
 *              out; -1 on failure (EINTR included: the caller retries with the
 *              time left). items may be NULL when count is 0 (then it is a
 *              sleep that wake ends). Any descriptor the backend accepts may
 *              be an item, not only sockets.
 *  last_error  the reason for the last failure of a slot on this thread
 *              (errno / WSAGetLastError()).
 *  now_ms      a monotonic clock in milliseconds (arbitrary origin, never
 *              goes back).
 *
 * Since version 2:
 *
 *  shutdown    shutdown(2): how is BTC_SHUT_RD, BTC_SHUT_WR or BTC_SHUT_RDWR
 *              (the slot maps it to SHUT_* / SD_*). 0 or -1.
 *  sendv       a gather send (sendmsg / WSASend) of iov[0..iovcnt), 1 <=
 *              iovcnt <= BTC_IOV_BATCH, as send would send their
 *              concatenation (same flags, same results: the bytes accepted
 *              or -1; it never raises SIGPIPE).
 *  resolve     getaddrinfo for a stream socket: host and service (names or
 *              numbers, any family) into out[0..*count), at most cap
 *              addresses, in the resolver's order of preference. Returns 0
 *              (*count >= 1), or the resolver's own error code (EAI_* on
 *              POSIX, where EAI_SYSTEM means errno; WSA* on Windows), which
 *              is never 0 and is not read through last_error. It may block
 *              (a resolver cannot be bounded everywhere).
 */
#define BTC_SYS_SLOTS(X)                                                                                               \
    X(1, btc_socket_t, open, SOCKET, 3, ((int, domain), (int, type), (int, protocol)))                                 \
    X(1, int, socketpair, NEGATIVE, 1, ((btc_socket_t *, out)))                                                        \
    X(1, int, close, NEGATIVE, 1, ((btc_socket_t, s)))                                                                 \
    X(1, btc_ssize_t, send, NEGATIVE, 4, ((btc_socket_t, s), (const void *, buf), (size_t, len), (int, flags)))        \
    X(1, btc_ssize_t, recv, NEGATIVE, 4, ((btc_socket_t, s), (void *, buf), (size_t, len), (int, flags)))              \
    X(1, int, connect, NEGATIVE, 3, ((btc_socket_t, s), (const struct sockaddr *, addr), (socklen_t, len)))            \
    X(1, int, bind, NEGATIVE, 3, ((btc_socket_t, s), (const struct sockaddr *, addr), (socklen_t, len)))               \
    X(1, int, listen, NEGATIVE, 2, ((btc_socket_t, s), (int, backlog)))                                                \
    X(1, btc_socket_t, accept, SOCKET, 3, ((btc_socket_t, s), (struct sockaddr *, addr), (socklen_t *, len)))          \
    X(1, int, getsockopt, NEGATIVE, 5,                                                                                 \
      ((btc_socket_t, s), (int, level), (int, name), (void *, val), (socklen_t *, len)))                               \
    X(1, int, setsockopt, NEGATIVE, 5,                                                                                 \
      ((btc_socket_t, s), (int, level), (int, name), (const void *, val), (socklen_t, len)))                           \
    X(1, int, getsockname, NEGATIVE, 3, ((btc_socket_t, s), (struct sockaddr *, addr), (socklen_t *, len)))            \
    X(1, int, set_non_blocking, NEGATIVE, 1, ((btc_socket_t, s)))                                                      \
    X(1, int, wait, NEGATIVE, 4, ((btc_wait_item *, items), (size_t, count), (btc_socket_t, wake), (int, timeout_ms))) \
    X(1, int, last_error, NEVER, 0, ())                                                                                \
    X(1, int64_t, now_ms, NEVER, 0, ())                                                                                \
    X(2, int, shutdown, NEGATIVE, 2, ((btc_socket_t, s), (int, how)))                                                  \
    X(2, btc_ssize_t, sendv, NEGATIVE, 4,                                                                              \
      ((btc_socket_t, s), (const btc_iovec *, iov), (size_t, iovcnt), (int, flags)))                                   \
    X(2, int, resolve, RETURNS, 5,                                                                                     \
      ((const char *, host), (const char *, service), (btc_addr *, out), (size_t, cap), (size_t *, count)))

/*
 * Helpers for generating code from BTC_SYS_SLOTS: BTC_SYS_PARAMS(m, n, params)
 * applies m(type, name) to each of the n parameter pairs, one after the other.
 * The m below give the three usual shapes.
 */
#define BTC_SYS_PARAM_DECL(type, name) , type name /**< ", int domain": after ctx in a prototype */
#define BTC_SYS_PARAM_NAME(type, name) , name      /**< ", domain": after ctx in a call */
#define BTC_SYS_PARAM_FIELD(type, name) type name; /**< "int domain;": a struct member */
#define BTC_SYS_PARAMS(m, n, params) BTC__SYS_EACH_##n(m, params)
/* Each level re-expands the unparenthesised list so that it counts as n arguments. */
#define BTC__SYS_UNPAREN(...) __VA_ARGS__
#define BTC__SYS_APPLY(f, ...) f(__VA_ARGS__)
#define BTC__SYS_EACH_0(m, params)
#define BTC__SYS_EACH_1(m, params) BTC__SYS_APPLY(BTC__SYS_MAP_1, m, BTC__SYS_UNPAREN params)
#define BTC__SYS_EACH_2(m, params) BTC__SYS_APPLY(BTC__SYS_MAP_2, m, BTC__SYS_UNPAREN params)
#define BTC__SYS_EACH_3(m, params) BTC__SYS_APPLY(BTC__SYS_MAP_3, m, BTC__SYS_UNPAREN params)
#define BTC__SYS_EACH_4(m, params) BTC__SYS_APPLY(BTC__SYS_MAP_4, m, BTC__SYS_UNPAREN params)
#define BTC__SYS_EACH_5(m, params) BTC__SYS_APPLY(BTC__SYS_MAP_5, m, BTC__SYS_UNPAREN params)
#define BTC__SYS_EACH_6(m, params) BTC__SYS_APPLY(BTC__SYS_MAP_6, m, BTC__SYS_UNPAREN params)
#define BTC__SYS_CALL(m, ...) m(__VA_ARGS__)
#define BTC__SYS_MAP_1(m, a) BTC__SYS_CALL(m, BTC__SYS_UNPAREN a)
#define BTC__SYS_MAP_2(m, a, b) BTC__SYS_MAP_1(m, a) BTC__SYS_MAP_1(m, b)
#define BTC__SYS_MAP_3(m, a, b, c) BTC__SYS_MAP_1(m, a) BTC__SYS_MAP_2(m, b, c)
#define BTC__SYS_MAP_4(m, a, b, c, d) BTC__SYS_MAP_1(m, a) BTC__SYS_MAP_3(m, b, c, d)
#define BTC__SYS_MAP_5(m, a, b, c, d, e) BTC__SYS_MAP_1(m, a) BTC__SYS_MAP_4(m, b, c, d, e)
#define BTC__SYS_MAP_6(m, a, b, c, d, e, f) BTC__SYS_MAP_1(m, a) BTC__SYS_MAP_5(m, b, c, d, e, f)

/** Whether a slot's result is a failure, by its `fails` column. */
#define BTC_SYS_FAILED(fails, result) BTC__SYS_FAILED_##fails(result)
#define BTC__SYS_FAILED_SOCKET(result) ((result) == BTC_INVALID_SOCKET)
#define BTC__SYS_FAILED_NEGATIVE(result) ((result) < 0)
#define BTC__SYS_FAILED_RETURNS(result) ((result) != 0)
#define BTC__SYS_FAILED_NEVER(result) ((void)(result), 0)

/** The slots by number: BTC_SYS_SLOT_send, ... (the enum is the table order). */
typedef enum btc_sys_slot {
#define BTC__SYS_SLOT_ENUM(since, ret, name, fails, n, params) BTC_SYS_SLOT_##name,
    BTC_SYS_SLOTS(BTC__SYS_SLOT_ENUM)
#undef BTC__SYS_SLOT_ENUM
        BTC_SYS_SLOT_COUNT
} btc_sys_slot;

/**
 * The syscall table: version, ctx, then one function pointer per slot of
 * BTC_SYS_SLOTS, each taking ctx first. Fill it with designated initialisers
 * (or generate it from BTC_SYS_SLOTS, as the library does).
 */
typedef struct btc_sys {
    /**
     * The layout version this table was written for (1..BTC_SYS_VERSION); the
     * table ends after the last slot of that version. Others are refused with
     * BTC_ERR_INVALID_ARGUMENT.
     */
    unsigned version;
    /** Passed to every slot. */
    void *ctx;
/* The NOLINT: name is a member's name, which cannot be parenthesised. */
#define BTC__SYS_MEMBER(since, ret, name, fails, n, params) \
    ret (*name)(void *ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_DECL, n, params)); /* NOLINT(bugprone-macro-parentheses) */
    BTC_SYS_SLOTS(BTC__SYS_MEMBER)
#undef BTC__SYS_MEMBER
} btc_sys;

/** The slot's name ("send"); "?" for a number outside the list. Never NULL. */
BTC_EXTERN const char *btc_sys_slot_name(btc_sys_slot slot);

/** The table version that introduced the slot; 0 for a number outside the list. */
BTC_EXTERN unsigned btc_sys_slot_since(btc_sys_slot slot);

/* ---- the tap: a pass-through table with a hook ---------------------------- */

/** One argument struct per slot: btc_sys_args_send has ctx, s, buf, len, flags. */
#define BTC__SYS_ARGS_STRUCT(since, ret, name, fails, n, params)   \
    typedef struct btc_sys_args_##name {                           \
        void *ctx; /**< the ctx the inner table's slot receives */ \
        BTC_SYS_PARAMS(BTC_SYS_PARAM_FIELD, n, params)             \
    } btc_sys_args_##name;
BTC_SYS_SLOTS(BTC__SYS_ARGS_STRUCT)
#undef BTC__SYS_ARGS_STRUCT

/** Which side of the slot call a hook is called on. */
typedef enum btc_sys_phase { BTC_SYS_BEFORE = 0, BTC_SYS_AFTER = 1 } btc_sys_phase;

/**
 * One slot call as a tap's hook sees it: args.\<slot\>.\<param\> holds the
 * arguments (by the slot's parameter names), result.\<slot\> the return value.
 */
typedef struct btc_sys_call {
    btc_sys_slot slot;
    btc_sys_phase phase;
    /**
     * BEFORE: a hook that sets skip makes the tap return result.\<slot\> (and,
     * for a failure, error) instead of calling the inner slot: a fault
     * injected. The hook may also change args: the inner slot gets them.
     */
    bool skip;
    /** AFTER: result.\<slot\> is a failure (by the slot's `fails` column). */
    bool failed;
    /**
     * AFTER: the failure's reason (the inner last_error(), read at once);
     * 0 when the call did not fail. With skip, the hook sets it for an
     * injected failure.
     */
    int error;
    union {
#define BTC__SYS_ARGS_MEMBER(since, ret, name, fails, n, params) btc_sys_args_##name name;
        BTC_SYS_SLOTS(BTC__SYS_ARGS_MEMBER)
#undef BTC__SYS_ARGS_MEMBER
    } args;
    union {
#define BTC__SYS_RESULT_MEMBER(since, ret, name, fails, n, params) ret name;
        BTC_SYS_SLOTS(BTC__SYS_RESULT_MEMBER)
#undef BTC__SYS_RESULT_MEMBER
    } result;
} btc_sys_call;

/**
 * A tap's hook: called with phase BEFORE just before each slot call and
 * AFTER just after it (also when the hook skipped the call), on the thread
 * that makes the call. A hook may change the call as described in
 * btc_sys_call; it must not call slots of the tap itself.
 */
typedef void (*btc_sys_hook)(void *hook_ctx, btc_sys_call *call);

/**
 * A pass-through table over another: hand &tap->sys to the library (or
 * btc_sys_tap_table()). Every slot call goes to the hook, then to the inner
 * table, then to the hook again. last_error() through a tap returns the
 * reason of the last failed call through any tap on this thread (read from
 * the inner table at once, or injected by the hook), so a hook that logs
 * cannot clobber errno in between. Counters, fault injection, tracing and
 * the fuzzers' contract checks are hooks. The layout is public so a tap can
 * live on the stack; its fields are read-only after btc_sys_tap_init.
 */
typedef struct btc_sys_tap {
    btc_sys sys;          /**< the table to hand out; version = the inner table's, ctx = this tap */
    const btc_sys *inner; /**< every call is forwarded to this table */
    btc_sys_hook hook;    /**< may be NULL: a plain pass-through */
    void *hook_ctx;       /**< the hook's first argument */
} btc_sys_tap;

/**
 * Sets tap up over inner (NULL: the default table) with hook (may be NULL).
 * BTC_OK, or BTC_ERR_INVALID_ARGUMENT when tap is NULL or inner is not a
 * valid table (the reason as btc_sys_validate gives it).
 */
BTC_EXTERN btc_status btc_sys_tap_init(btc_sys_tap *tap, const btc_sys *inner, btc_sys_hook hook, void *hook_ctx,
                                       btc_error *err);

/**
 * For a hook, in phase BEFORE: makes the call fail with `error` without
 * reaching the inner table (skip set, the slot's failure value as result,
 * error as the reason last_error() will give; for a RETURNS slot, error is
 * the result). false, and nothing changed, for a slot that cannot fail
 * (last_error, now_ms), a RETURNS slot with error 0, or a NULL call.
 */
BTC_EXTERN bool btc_sys_call_fail(btc_sys_call *call, int error);

/** &tap->sys: the table to hand to btc_sock_set_sys. NULL for NULL. */
BTC_EXTERN const btc_sys *btc_sys_tap_table(const btc_sys_tap *tap);

/** The real operating system. Never NULL; ctx is NULL. */
BTC_EXTERN const btc_sys *btc_sys_default(void);

/**
 * Checks a table: version and every slot. BTC_OK, or BTC_ERR_INVALID_ARGUMENT
 * with the first missing slot named in err->message. NULL is the default
 * table and valid.
 */
BTC_EXTERN btc_status btc_sys_validate(const btc_sys *sys, btc_error *err);

/** Which readiness backend the default table was built with: "poll" or "select". */
BTC_EXTERN const char *btc_wait_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_SYS_H */
