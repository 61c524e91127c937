/*
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

/** The table layout version this header describes. */
#define BTC_SYS_VERSION 1

/*
 * The syscall table. Every slot is required and receives the table's ctx as
 * its first argument. "Fails" means: returns -1 (or BTC_INVALID_SOCKET) and
 * leaves the reason for last_error() to report, as errno does; last_error() is
 * read immediately after the failing call on the same thread. Slots never
 * raise SIGPIPE and never abort.
 */
typedef struct btc_sys {
    /** Must be BTC_SYS_VERSION; a table with another version is refused with BTC_ERR_INVALID_ARGUMENT. */
    unsigned version;
    /** Passed to every slot. */
    void *ctx;

    /** socket(2): a new socket that is close-on-exec, non-blocking and never raises SIGPIPE. Fails with
     * BTC_INVALID_SOCKET. */
    btc_socket_t (*open)(void *ctx, int domain, int type, int protocol);
    /** A connected stream pair (AF_UNIX on POSIX, loopback TCP on Windows), both close-on-exec and non-blocking. 0 or
     * -1. */
    int (*socketpair)(void *ctx, btc_socket_t out[2]);
    /** close(2) / closesocket(). 0 or -1; the descriptor is released either way. */
    int (*close)(void *ctx, btc_socket_t s);

    /**
     * send(2). flags are OS flags plus BTC_MSG_DONTWAIT; the slot adds whatever
     * keeps SIGPIPE away (MSG_NOSIGNAL). Returns the bytes accepted (0..len) or -1.
     * With BTC_MSG_DONTWAIT it never blocks (-1 with EAGAIN/EWOULDBLOCK instead).
     */
    btc_ssize_t (*send)(void *ctx, btc_socket_t s, const void *buf, size_t len, int flags);
    /**
     * recv(2). flags are OS flags (MSG_PEEK) plus BTC_MSG_DONTWAIT and
     * BTC_MSG_DISCARD. Returns the bytes stored (1..len), 0 at end of stream
     * (when len > 0), or -1. BTC_MSG_DISCARD says buf already holds these
     * bytes (from a peek), so the slot may consume them without copying
     * (MSG_TRUNC on Linux TCP); a slot may always copy instead.
     */
    btc_ssize_t (*recv)(void *ctx, btc_socket_t s, void *buf, size_t len, int flags);

    /** connect(2). 0 or -1 (EINPROGRESS on a non-blocking socket is a failure the caller classifies). */
    int (*connect)(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len);
    /** bind(2). 0 or -1. */
    int (*bind)(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len);
    /** listen(2). 0 or -1. */
    int (*listen)(void *ctx, btc_socket_t s, int backlog);
    /** accept(2): the new socket is close-on-exec and non-blocking. addr/len may be NULL. Fails with
     * BTC_INVALID_SOCKET. */
    btc_socket_t (*accept)(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len);
    /** getsockopt(2). 0 or -1. */
    int (*getsockopt)(void *ctx, btc_socket_t s, int level, int name, void *val, socklen_t *len);
    /** setsockopt(2). 0 or -1. */
    int (*setsockopt)(void *ctx, btc_socket_t s, int level, int name, const void *val, socklen_t len);
    /** getsockname(2). 0 or -1. */
    int (*getsockname)(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len);
    /** Puts the socket in non-blocking mode (fcntl O_NONBLOCK / ioctlsocket FIONBIO). 0 or -1. */
    int (*set_non_blocking)(void *ctx, btc_socket_t s);

    /**
     * Waits until one of items is ready, wake (if not BTC_INVALID_SOCKET) is
     * readable, or timeout_ms passes (-1: no limit; 0: just look). Sets
     * items[i].occurred for every item (BTC_EV_ERR for error, hang-up or an
     * invalid descriptor, whether requested or not). Returns the number of
     * ready entries, the wake descriptor included; 0 when the time ran out;
     * -1 on failure (EINTR included: the caller retries with the time left).
     * items may be NULL when count is 0 (then it is a sleep that wake ends).
     */
    int (*wait)(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms);

    /** The reason for the last failure of a slot on this thread (errno / WSAGetLastError()). */
    int (*last_error)(void *ctx);
    /** A monotonic clock in milliseconds (arbitrary origin, never goes back). */
    int64_t (*now_ms)(void *ctx);
} btc_sys;

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
