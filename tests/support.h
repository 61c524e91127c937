/* SPDX-License-Identifier: MIT */
/*
 * tests/support.h - helpers shared by the Criterion suites.
 *
 * Everything that touches the operating system directly (threads, sleeping,
 * the monotonic clock, raw descriptors, loopback TCP, signals, descriptor
 * limits) lives behind the functions below, implemented in tests/support.c
 * (for POSIX and, under _WIN32, for Winsock), so that the portable suites
 * (test_real.c, most of test_wait.c, the portable part of test_sock.c) contain
 * no POSIX call and are also built for Windows against the Criterion-compatible
 * runner in tests/win (mk/windows.mk).
 *
 * Include <criterion/criterion.h> (or the runner's replacement) before this
 * header: the checking macros expand to cr_assert*.
 *
 * No helper here asserts: they report failure through their return value, so
 * they are safe to call from helper threads (a Criterion assertion must only
 * run on the test's own thread).
 */
#ifndef BTCSOCK_TESTS_SUPPORT_H
#define BTCSOCK_TESTS_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "btcsock.h"
#include "kit/check.h"

#ifdef _WIN32
#define TS_EAGAIN WSAEWOULDBLOCK
#define TS_EWOULDBLOCK WSAEWOULDBLOCK
#define TS_EINPROGRESS WSAEWOULDBLOCK /* a non-blocking connect in progress */
#define TS_EBADF WSAENOTSOCK
#define TS_EPIPE WSAESHUTDOWN
#define TS_ECONNRESET WSAECONNRESET
#define TS_ECONNABORTED WSAECONNABORTED
#define TS_ENOTCONN WSAENOTCONN
#define TS_ECONNREFUSED WSAECONNREFUSED
#define TS_EADDRINUSE WSAEADDRINUSE
#define TS_EOPNOTSUPP WSAEOPNOTSUPP
#define TS_ENOPROTOOPT WSAENOPROTOOPT
#define TS_EINTR WSAEINTR
#define TS_ETIMEDOUT WSAETIMEDOUT
#define TS_ENOTSOCK WSAENOTSOCK
#define TS_EALREADY WSAEALREADY
/* Windows reports BOOL socket options such as SO_KEEPALIVE in one byte (a BOOLEAN). */
#define TS_SO_KEEPALIVE_LEN 1
#else
#include <errno.h>
#include <netinet/in.h>
#define TS_EAGAIN EAGAIN
#define TS_EWOULDBLOCK EWOULDBLOCK
#define TS_EINPROGRESS EINPROGRESS
#define TS_EBADF EBADF
#define TS_EPIPE EPIPE
#define TS_ECONNRESET ECONNRESET
#define TS_ECONNABORTED ECONNABORTED
#define TS_ENOTCONN ENOTCONN
#define TS_ECONNREFUSED ECONNREFUSED
#define TS_EADDRINUSE EADDRINUSE
#define TS_EOPNOTSUPP EOPNOTSUPP
#define TS_ENOPROTOOPT ENOPROTOOPT
#define TS_EINTR EINTR
#define TS_ETIMEDOUT ETIMEDOUT
#define TS_ENOTSOCK ENOTSOCK
#define TS_EALREADY EALREADY
#define TS_SO_KEEPALIVE_LEN sizeof(int)
#endif

/* ---- checking a call's status and error record ---------------------------- */

/** err->message if it is NUL-terminated within BTC_ERROR_MESSAGE_MAX, else a marker (never NULL). */
const char *ts_error_message(const btc_error *err);

/**
 * TS_CHECK(expected, errp, call): poisons *errp (when errp is not NULL), runs
 * `call` (which should pass errp as its btc_error *), and asserts that
 *  - the call returned `expected`;
 *  - errp->status equals the return value;
 *  - errp->message is NUL-terminated, "" on BTC_OK and non-empty otherwise;
 *  - errp->code is 0 on BTC_OK and on argument/empty-socket errors (no OS
 *    call was involved), and non-zero on BTC_ERR_IO and BTC_ERR_WOULD_BLOCK.
 * errp->bytes is poisoned too, so a test that then checks it also checks that
 * the call filled it.
 */
#define TS_CHECK(expected, errp, call)                                                                        \
    do {                                                                                                      \
        btc_error *ts__err = (errp);                                                                          \
        btc_status ts__want = (expected);                                                                     \
        if (ts__err != NULL) {                                                                                \
            memset(ts__err, 0x5a, sizeof *ts__err);                                                           \
        }                                                                                                     \
        btc_status ts__got = (call);                                                                          \
        cr_assert_eq(ts__got, ts__want, "%s\n    returned %s, expected %s (message \"%s\", code %d)", #call,  \
                     btc_status_name(ts__got), btc_status_name(ts__want),                                     \
                     ts__err != NULL ? ts_error_message(ts__err) : "-", ts__err != NULL ? ts__err->code : 0); \
        TS_CHECK_RECORD(ts__got, ts__err, #call);                                                             \
    } while (0)

/**
 * TS_RUN(st, errp, call): poisons *errp, runs call, stores its status in st
 * and checks the error record as TS_CHECK does, for calls whose status the
 * test then examines itself (several outcomes allowed).
 */
#define TS_RUN(st, errp, call)                          \
    do {                                                \
        btc_error *ts__rerr0 = (errp);                  \
        if (ts__rerr0 != NULL) {                        \
            memset(ts__rerr0, 0x5a, sizeof *ts__rerr0); \
        }                                               \
        (st) = (call);                                  \
        TS_CHECK_RECORD((st), ts__rerr0, #call);        \
    } while (0)

/** The error-record half of TS_CHECK: errp (may be NULL) against the returned status `got` (tests/kit/check.h). */
#define TS_CHECK_RECORD(got, errp, what) TS__RECORD(got, errp, KIT_RECORD_OS_CODE, what)

/** TS_ASSERT_RECORD(st, err): the record err (a btc_error) is well-formed for st; a scripted table may fail with code
 * 0. */
#define TS_ASSERT_RECORD(st, err) TS__RECORD(st, &(err), 0u, #err)

#define TS__RECORD(got, errp, flags, what)                                                                   \
    do {                                                                                                     \
        const btc_error *ts__rerr = (errp);                                                                  \
        char ts__why[160];                                                                                   \
        const char *ts__problem =                                                                            \
            ts__rerr != NULL ? kit_record_problem((got), ts__rerr, (flags), ts__why, sizeof ts__why) : NULL; \
        cr_assert(ts__problem == NULL, "%s: %s", (what), ts__problem);                                       \
    } while (0)

/* Asserts a status and prints both operands by name plus the error message. */
#define TS_ASSERT_STATUS(got, want, errp)                                                                              \
    do {                                                                                                               \
        /* each argument once: a call passed as `got` must not run again to word the failure */                        \
        const btc_status ts_got_ = (got);                                                                              \
        const btc_status ts_want_ = (want);                                                                            \
        cr_assert_eq(ts_got_, ts_want_, "status %s (%d), expected %s (%d); message: \"%s\"", btc_status_name(ts_got_), \
                     (int)ts_got_, btc_status_name(ts_want_), (int)ts_want_,                                           \
                     (errp) != NULL ? (errp)->message : "(no err)");                                                   \
    } while (0)

/* Asserts two size_t values are equal and prints both. */
#define TS_ASSERT_SZ(got, want, what) \
    cr_assert_eq((size_t)(got), (size_t)(want), "%s: got %zu, expected %zu", (what), (size_t)(got), (size_t)(want))

/* Asserts two int64 values are equal and prints both. */
#define TS_ASSERT_I64(got, want, what)                                                                     \
    cr_assert_eq((int64_t)(got), (int64_t)(want), "%s: got %lld, expected %lld", (what), (long long)(got), \
                 (long long)(want))

/** TS_CHECK_OK(errp, call): TS_CHECK(BTC_OK, errp, call). */
#define TS_CHECK_OK(errp, call) TS_CHECK(BTC_OK, errp, call)

/** TS_CHECK_CODE(expected, code, errp, call): TS_CHECK, then errp->code == code (errp must not be NULL). */
#define TS_CHECK_CODE(expected, oscode, errp, call)                                                               \
    do {                                                                                                          \
        TS_CHECK(expected, errp, call);                                                                           \
        cr_assert_eq((errp)->code, (oscode), "%s: code %d, expected %d (%s)", #call, (errp)->code, (int)(oscode), \
                     #oscode);                                                                                    \
    } while (0)

/** Sets the error btc_last_socket_error() reports: errno on POSIX, WSASetLastError() on Windows. */
void ts_set_socket_error(int code);

/* ---- time ----------------------------------------------------------------- */

/** A monotonic clock in microseconds. */
int64_t ts_now_us(void);
/** A monotonic clock in milliseconds. */
int64_t ts_now_ms(void);
/** Sleeps at least ms milliseconds. */
void ts_sleep_ms(int64_t ms);

/* ---- threads -------------------------------------------------------------- */

typedef struct ts_thread ts_thread;

/** Starts fn(arg) on a new thread; NULL on failure. */
ts_thread *ts_thread_start(void (*fn)(void *arg), void *arg);
/** Waits for the thread to finish and frees it. NULL is a no-op. */
void ts_thread_join(ts_thread *t);

/** Triggers `intr` from another thread after `delay_ms`. */
typedef struct ts_delayed_trigger {
    btc_interrupt *intr;
    int64_t delay_ms;
    int64_t fired_at_us; /**< ts_now_us() just before the trigger; read it after the join */
    ts_thread *thread;
} ts_delayed_trigger;
/** false if the thread could not be started. */
bool ts_delayed_trigger_start(ts_delayed_trigger *d, btc_interrupt *intr, int64_t delay_ms);
/** Joins the thread and returns fired_at_us. */
int64_t ts_delayed_trigger_join(ts_delayed_trigger *d);

/** Sends `len` bytes of `data` on `fd` (raw, blocking until all is sent or an error) after `delay_ms`. */
typedef struct ts_delayed_send {
    btc_socket_t fd;
    const void *data;
    size_t len;
    int64_t delay_ms;
    int64_t sent_at_us; /**< ts_now_us() just before the send */
    bool ok;            /**< every byte was sent */
    ts_thread *thread;
} ts_delayed_send;
bool ts_delayed_send_start(ts_delayed_send *d, btc_socket_t fd, const void *data, size_t len, int64_t delay_ms);
/** Joins the thread; returns whether every byte was sent. */
bool ts_delayed_send_join(ts_delayed_send *d);

/* ---- raw sockets (bypassing the library) ---------------------------------- */

/**
 * A connected TCP pair over 127.0.0.1 (an ephemeral port, the listener closed
 * again), both non-blocking and close-on-exec, into a and b (overwritten,
 * default table). false on failure (a and b then empty).
 */
bool ts_tcp_pair(btc_sock *a, btc_sock *b);
/** Fills *sa with 127.0.0.1:port (port in host order). */
/* An IPv4 address: host and port in host byte order (the fake's scripted peers and names). */
void ts_ipv4_addr(struct sockaddr_in *sa, uint32_t host, uint16_t port);
void ts_loopback_addr(struct sockaddr_in *sa, uint16_t port);
/** 127.0.0.1 with a port nobody listens on (one just bound and closed again): a refused connect. false on failure. */
bool ts_unused_loopback_addr(struct sockaddr_in *sa);
/** The port (host order) of a sockaddr_in. */
uint16_t ts_addr_port(const struct sockaddr_in *sa);
/** Whether sa is 127.0.0.1. */
bool ts_addr_is_loopback(const struct sockaddr_in *sa);

/** Puts fd in blocking (true) or non-blocking (false) mode. false on failure. */
bool ts_set_blocking(btc_socket_t fd, bool blocking);
/** Whether fd is in non-blocking mode (POSIX: O_NONBLOCK). Always false on Windows, which cannot tell. */
bool ts_is_non_blocking(btc_socket_t fd);
/**
 * Whether fd is close-on-exec (POSIX: FD_CLOEXEC; Windows: a handle child
 * processes do not inherit). Always false where there is no such thing.
 */
bool ts_is_cloexec(btc_socket_t fd);
/** Whether fd names an open descriptor. */
bool ts_fd_is_open(btc_socket_t fd);
/** Closes fd behind the library's back; false if the close failed. */
bool ts_close_raw(btc_socket_t fd);
/** Half-closes fd for writing (shutdown SHUT_WR). */
bool ts_shutdown_write(btc_socket_t fd);

/** Raw non-blocking send of the whole buffer, retrying on EAGAIN until timeout_ms; false on failure. */
bool ts_send_all(btc_socket_t fd, const void *data, size_t len, int64_t timeout_ms);
/** Writes filler bytes without blocking until the kernel refuses more; returns how many it accepted. */
size_t ts_fill_send_buffer(btc_socket_t fd);
/**
 * Reads (without blocking) and discards what fd has available right now,
 * until EAGAIN or EOF; returns the count. *eof (may be NULL) tells which.
 */
size_t ts_drain_available(btc_socket_t fd, bool *eof);
/**
 * Reads and discards everything until EOF (waiting for data as needed, at
 * most timeout_ms in all); returns the count. *eof (may be NULL) is false if
 * the time ran out or an error stopped it.
 */
size_t ts_drain_to_eof(btc_socket_t fd, int64_t timeout_ms, bool *eof);
/** How many bytes fd could read right now without blocking (by peeking, nothing consumed). */
size_t ts_readable_bytes(btc_socket_t fd);

/* ---- platform features ------------------------------------------------------ */

/**
 * Sets SIGPIPE to its default action (terminate the process), so that a
 * library that let SIGPIPE through kills the test. false where the platform
 * has no SIGPIPE (Windows; the test then has nothing to prove on that point).
 */
bool ts_sigpipe_default(void);

/**
 * Makes sure descriptors up to at least `fd` can be opened (raising
 * RLIMIT_NOFILE if needed). false if the limit cannot be raised that far.
 * On Windows (no descriptor numbers) this, ts_dup_to and
 * ts_occupy_fds_below report "not possible".
 */
bool ts_allow_fd(int fd);
/** dup2(src, dst); false on failure. */
bool ts_dup_to(btc_socket_t src, btc_socket_t dst);

/**
 * Occupies every free descriptor below `limit` (with /dev/null) so that the
 * next descriptor the process opens is >= limit. Returns the number of
 * descriptors taken, or -1 on failure; ts_release_fds_below frees them.
 */
int ts_occupy_fds_below(int limit);
void ts_release_fds_below(void);

#endif /* BTCSOCK_TESTS_SUPPORT_H */
