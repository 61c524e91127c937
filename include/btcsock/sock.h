/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock/sock.h - the socket handle, thin wrappers, waits and the
 * high-level operations (send-all, receive-until-terminator, probe).
 *
 * Conventions for every function here that takes `btc_error *err`:
 *  - err may be NULL; otherwise it is filled on every path, success included,
 *    and err->status equals the return value;
 *  - NULL pointers where a value is needed, negative timeouts and an invalid
 *    btc_sys table give BTC_ERR_INVALID_ARGUMENT; an empty btc_sock gives
 *    BTC_ERR_INVALID_SOCKET;
 *  - a permanent OS error gives BTC_ERR_IO with err->code set.
 */
#ifndef BTCSOCK_SOCK_H
#define BTCSOCK_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interrupt.h"
#include "status.h"
#include "sys.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An owned socket and the syscall table it uses (NULL: btc_sys_default()). */
typedef struct btc_sock {
    btc_socket_t fd;
    const btc_sys *sys;
} btc_sock;

#define BTC_SOCK_INIT            \
    {                            \
        BTC_INVALID_SOCKET, NULL \
    }

/** A wait with no time limit. */
#define BTC_TIMEOUT_INFINITE INT64_MAX

/* ---- ownership ---------------------------------------------------------- */

/** Makes s empty with the default table. */
BTC_EXTERN void btc_sock_init(btc_sock *s);
/** Overwrites s (without closing what it held): takes ownership of fd, default table. */
BTC_EXTERN void btc_sock_from_fd(btc_sock *s, btc_socket_t fd);
/** Sets the table s uses (NULL: the default). */
BTC_EXTERN void btc_sock_set_sys(btc_sock *s, const btc_sys *sys);
/** The descriptor, BTC_INVALID_SOCKET when empty or s is NULL. */
BTC_EXTERN btc_socket_t btc_sock_get(const btc_sock *s);
/** Gives up ownership without closing: returns the descriptor; s becomes empty. */
BTC_EXTERN btc_socket_t btc_sock_release(btc_sock *s);
/** Whether s holds no descriptor (true for NULL). */
BTC_EXTERN bool btc_sock_is_empty(const btc_sock *s);

/**
 * Closes the descriptor; s is empty afterwards whether or not the close
 * failed. A no-op returning BTC_OK on an empty s. A failed close is
 * BTC_ERR_IO (and logged at WARN).
 */
BTC_EXTERN btc_status btc_sock_reset(btc_sock *s, btc_error *err);

/**
 * Moves src into dst: dst's own socket is closed (with dst's table), then dst
 * takes src's descriptor and table and src becomes empty. The move happens
 * even if that close fails; the close error is then returned (BTC_ERR_IO).
 * dst == src is a no-op.
 */
BTC_EXTERN btc_status btc_sock_move(btc_sock *dst, btc_sock *src, btc_error *err);

/**
 * socket(2) into out (overwritten, never closed): close-on-exec, non-blocking,
 * never raises SIGPIPE. BTC_ERR_NOT_SELECTABLE (the socket is closed again)
 * when built with the select backend and the descriptor is >= FD_SETSIZE.
 * The same as btc_sock_open_with(out, NULL, ...).
 */
BTC_EXTERN btc_status btc_sock_open(btc_sock *out, int domain, int type, int protocol, btc_error *err);

/**
 * btc_sock_open through a chosen table (Core's CreateSock factory): the
 * table's open slot makes the socket and out->sys is sys (NULL: the
 * default). BTC_ERR_INVALID_ARGUMENT (out NULL, sys invalid), BTC_ERR_IO
 * (the slot failed; err->code says why), BTC_ERR_NOT_SELECTABLE.
 */
BTC_EXTERN btc_status btc_sock_open_with(btc_sock *out, const btc_sys *sys, int domain, int type, int protocol,
                                         btc_error *err);

/** A connected stream pair (AF_UNIX on POSIX), close-on-exec and non-blocking, into a and b (overwritten). */
BTC_EXTERN btc_status btc_make_socket_pair(btc_sock *a, btc_sock *b, btc_error *err);

#if defined(__GNUC__) || defined(__clang__)
/** The cleanup function behind BTC_SOCK_AUTO (closes s, ignoring the result). */
static inline void btc_sock_auto_cleanup(btc_sock *s) { (void)btc_sock_reset(s, NULL); }
/** Scope-bound socket (GCC/Clang): `BTC_SOCK_AUTO s = BTC_SOCK_INIT;` closes s when it goes out of scope. */
#define BTC_SOCK_AUTO __attribute__((cleanup(btc_sock_auto_cleanup))) btc_sock
#endif

/* ---- thin wrappers: one OS call each ------------------------------------- */
/*
 * A transient OS error (EAGAIN, EWOULDBLOCK, EINTR, EINPROGRESS) is
 * BTC_ERR_WOULD_BLOCK with err->code set; any other is BTC_ERR_IO.
 */

/** send(2) with MSG_NOSIGNAL added. *sent (may be NULL) gets the bytes accepted, 0 on error. */
BTC_EXTERN btc_status btc_sock_send(const btc_sock *s, const void *data, size_t len, int flags, size_t *sent,
                                    btc_error *err);
/** recv(2). 0 bytes for len > 0 is BTC_ERR_CLOSED. *received (may be NULL) gets the byte count. */
BTC_EXTERN btc_status btc_sock_recv(const btc_sock *s, void *buf, size_t len, int flags, size_t *received,
                                    btc_error *err);
/** connect(2). On a non-blocking socket an in-progress connect is BTC_ERR_WOULD_BLOCK (code EINPROGRESS). */
BTC_EXTERN btc_status btc_sock_connect(const btc_sock *s, const struct sockaddr *addr, socklen_t len, btc_error *err);
/** bind(2). */
BTC_EXTERN btc_status btc_sock_bind(const btc_sock *s, const struct sockaddr *addr, socklen_t len, btc_error *err);
/** listen(2). */
BTC_EXTERN btc_status btc_sock_listen(const btc_sock *s, int backlog, btc_error *err);
/**
 * accept(2) into out (overwritten, never closed; it inherits s's table),
 * close-on-exec and non-blocking. addr and len may be NULL.
 */
BTC_EXTERN btc_status btc_sock_accept(const btc_sock *s, struct sockaddr *addr, socklen_t *len, btc_sock *out,
                                      btc_error *err);
/** getsockopt(2). */
BTC_EXTERN btc_status btc_sock_get_sock_opt(const btc_sock *s, int level, int name, void *val, socklen_t *len,
                                            btc_error *err);
/** setsockopt(2). */
BTC_EXTERN btc_status btc_sock_set_sock_opt(const btc_sock *s, int level, int name, const void *val, socklen_t len,
                                            btc_error *err);
/** getsockname(2). */
BTC_EXTERN btc_status btc_sock_get_sock_name(const btc_sock *s, struct sockaddr *addr, socklen_t *len, btc_error *err);
/** Puts s in non-blocking mode (fcntl O_NONBLOCK / ioctlsocket FIONBIO). */
BTC_EXTERN btc_status btc_sock_set_non_blocking(const btc_sock *s, btc_error *err);

/**
 * shutdown(2): how is BTC_SHUT_RD, BTC_SHUT_WR or BTC_SHUT_RDWR (anything
 * else is BTC_ERR_INVALID_ARGUMENT). Core's ShutdownSend is how =
 * BTC_SHUT_WR: the peer reads EOF after what was sent. BTC_ERR_IO (e.g.
 * ENOTCONN), BTC_ERR_INVALID_ARGUMENT also for a version-1 table, which has
 * no shutdown slot.
 */
BTC_EXTERN btc_status btc_sock_shutdown(const btc_sock *s, int how, btc_error *err);

/** Whether s's descriptor can be waited on by this build's backend (always true with poll; false when empty). */
BTC_EXTERN bool btc_sock_is_selectable(const btc_sock *s);
/** Whether fd can be waited on: with the select backend, 0 <= fd < FD_SETSIZE; with poll, any valid fd. */
BTC_EXTERN bool btc_is_selectable_socket(btc_socket_t fd);

/* ---- waiting -------------------------------------------------------------- */

/**
 * Waits until s is ready for one of `requested` (which must include
 * BTC_EV_RECV or BTC_EV_SEND), the timeout passes, or intr (may be NULL) is
 * triggered. occurred (may be NULL) gets the events, 0 on any status but OK.
 * Returns BTC_OK, BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED (at once if intr is
 * already set), BTC_ERR_NOT_SELECTABLE, BTC_ERR_INVALID_ARGUMENT,
 * BTC_ERR_INVALID_SOCKET, BTC_ERR_NO_MEMORY or BTC_ERR_IO. EINTR is retried
 * with the remaining time.
 */
BTC_EXTERN btc_status btc_sock_wait(const btc_sock *s, int64_t timeout_ms, btc_events requested, btc_events *occurred,
                                    btc_interrupt *intr, btc_error *err);

/**
 * Waits on many sockets at once; same statuses as btc_sock_wait. Every
 * items[i].occurred is zeroed first, whatever the outcome. count == 0 is an
 * interruptible sleep (items may then be NULL). All sockets must use the same
 * btc_sys table, and every item must request RECV or SEND.
 */
BTC_EXTERN btc_status btc_wait_many(btc_wait_item *items, size_t count, int64_t timeout_ms, btc_interrupt *intr,
                                    btc_error *err);

/* ---- the high-level operations -------------------------------------------- */

/**
 * Sends all len bytes, waiting for writability as needed, until timeout_ms
 * passes or intr is triggered. At least one send is attempted (when len > 0)
 * even with a zero timeout or intr already set; len == 0 succeeds without a
 * system call. err->bytes is exactly how many bytes the peer was given.
 * Returns BTC_OK, BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, BTC_ERR_IO (permanent
 * error, e.g. EPIPE/ECONNRESET), BTC_ERR_PROTOCOL (send made no progress), or
 * an argument status.
 */
BTC_EXTERN btc_status btc_sock_send_complete(const btc_sock *s, const void *data, size_t len, int64_t timeout_ms,
                                             btc_interrupt *intr, btc_error *err);

/**
 * btc_sock_send_complete over the concatenation of iov[0..iovcnt), with
 * gather sends (sendmsg / WSASend, BTC_IOV_BATCH pieces a call) and no
 * copying; any iovcnt, empty pieces allowed. The same guarantees:
 * err->bytes is exactly what the peer was given; a total of 0 succeeds with
 * no system call; otherwise one send is attempted even with a zero timeout
 * or an interrupt already set; the deadline and the interrupt are checked
 * after every partial send and before every wait. A version-1 table (no
 * sendv slot) is sent piece by piece. BTC_OK, BTC_ERR_TIMEOUT,
 * BTC_ERR_INTERRUPTED, BTC_ERR_IO, BTC_ERR_PROTOCOL, BTC_ERR_NOT_SELECTABLE;
 * BTC_ERR_INVALID_ARGUMENT for a NULL iov with iovcnt > 0, a NULL base with
 * len > 0, or lengths whose total overflows a size_t (nothing sent).
 */
BTC_EXTERN btc_status btc_sock_send_complete_v(const btc_sock *s, const btc_iovec *iov, size_t iovcnt,
                                               int64_t timeout_ms, btc_interrupt *intr, btc_error *err);

/**
 * Receives exactly len bytes into buf (Core's InterruptibleRecv), never
 * consuming a byte past len. err->bytes is what arrived, all of it in
 * buf[0..bytes), on every status. len == 0 succeeds with no system call.
 * Works on blocking and non-blocking sockets; never blocks past the
 * deadline. BTC_OK, BTC_ERR_CLOSED (the peer closed first),
 * BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, BTC_ERR_IO, BTC_ERR_PROTOCOL (a read
 * claimed more than it was asked for), BTC_ERR_NOT_SELECTABLE,
 * BTC_ERR_INVALID_ARGUMENT (buf NULL with len > 0, a negative timeout).
 */
BTC_EXTERN btc_status btc_sock_recv_exact(const btc_sock *s, void *buf, size_t len, int64_t timeout_ms,
                                          btc_interrupt *intr, btc_error *err);

/**
 * Connects s to addr within the deadline (Core's ConnectDirectly): the
 * socket is made non-blocking (and left so), the connect is started, and
 * when it is in progress the call waits for the socket to become writable
 * and reads SO_ERROR. Never blocks past the deadline. BTC_OK when
 * connected; BTC_ERR_IO with err->code the connect's error (ECONNREFUSED,
 * ENETUNREACH, ...; WSA* on Windows); BTC_ERR_TIMEOUT; BTC_ERR_INTERRUPTED;
 * BTC_ERR_NOT_SELECTABLE; BTC_ERR_INVALID_ARGUMENT (addr NULL, a negative
 * timeout). After a failure the socket cannot be connected again: reset it.
 */
BTC_EXTERN btc_status btc_sock_connect_timeout(const btc_sock *s, const struct sockaddr *addr, socklen_t len,
                                               int64_t timeout_ms, btc_interrupt *intr, btc_error *err);

/**
 * Resolves host and service (names or numbers, any family) and connects to
 * each address in the resolver's order until one connects, all within one
 * deadline; out is filled as btc_sock_open fills it (default table) and is
 * empty after any failure. The resolver call itself (getaddrinfo) cannot be
 * bounded on every platform: a slow name server can hold the call past its
 * deadline before the first connect; pass a numeric host to avoid it.
 * BTC_OK; BTC_ERR_RESOLVE (err->code the resolver's error, EAI_* / WSA*,
 * the message its text); otherwise the last attempt's status (BTC_ERR_IO
 * with the connect's error, BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, ...) with
 * a message saying how many addresses were tried; BTC_ERR_INVALID_ARGUMENT
 * (out NULL, host or service NULL or empty, a negative timeout).
 */
BTC_EXTERN btc_status btc_sock_dial(btc_sock *out, const char *host, const char *service, int64_t timeout_ms,
                                    btc_interrupt *intr, btc_error *err);

/**
 * btc_sock_dial through a chosen table (NULL: the default): its resolve
 * slot, its sockets (out->sys is sys). A version-1 table has no resolve
 * slot: BTC_ERR_INVALID_ARGUMENT.
 */
BTC_EXTERN btc_status btc_sock_dial_with(btc_sock *out, const btc_sys *sys, const char *host, const char *service,
                                         int64_t timeout_ms, btc_interrupt *intr, btc_error *err);

/** With btc_sock_recv_until_terminator: reject a line that is not valid UTF-8. */
#define BTC_RECV_UTF8 0x1u

/**
 * Reads one line: consumes from the socket exactly the bytes up to and
 * including the first `terminator` and not one byte more. buf holds max_data
 * bytes; the terminator must be among the first max_data bytes consumed, so a
 * line is at most max_data - 1 bytes.
 *
 * On BTC_OK, buf[0..*len) is the line without its terminator, buf[*len] is
 * '\0' and err->bytes == *len + 1. On any error, buf[0..*len) is every byte
 * consumed before the stop (nothing read is lost), err->bytes == *len, and
 * buf[*len] is '\0' when *len < max_data. Nothing is written at or past
 * buf[max_data]; bytes of buf past *len + 1 may have been used as scratch.
 *
 * Returns BTC_OK, BTC_ERR_CLOSED (EOF), BTC_ERR_TOO_LARGE (max_data bytes
 * without terminator), BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, BTC_ERR_IO,
 * BTC_ERR_PROTOCOL (a read returned less than the peek before it),
 * BTC_ERR_INVALID_UTF8 (with BTC_RECV_UTF8: the whole line including its
 * terminator is consumed and returned raw, *len = line length + 1), or an
 * argument status (max_data == 0, unknown flags, ...).
 *
 * Works on blocking and non-blocking sockets alike and never blocks past its
 * deadline. It peeks in growing chunks straight into buf, so a short line
 * costs two system calls and a long one O(log length).
 */
BTC_EXTERN btc_status btc_sock_recv_until_terminator(const btc_sock *s, uint8_t terminator, int64_t timeout_ms,
                                                     btc_interrupt *intr, size_t max_data, char *buf, size_t *len,
                                                     unsigned flags, btc_error *err);

/**
 * Probes the connection without consuming data and without blocking: BTC_OK
 * when connected (data waiting, or nothing yet), BTC_ERR_CLOSED ("closed")
 * when the peer has shut down, BTC_ERR_INVALID_SOCKET ("not connected") for an
 * empty s, BTC_ERR_IO otherwise (code ENOTCONN for an unconnected socket).
 */
BTC_EXTERN btc_status btc_sock_is_connected(const btc_sock *s, btc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_SOCK_H */
