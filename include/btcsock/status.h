/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock/status.h - status codes, the error record, error classification
 * and the logging hook.
 *
 * Every btcsock operation that can fail returns a btc_status and, when given a
 * non-NULL btc_error, fills it on every path (success included) with the same
 * status, the OS error code (0 when none), the number of bytes transferred
 * before the call returned, and a NUL-terminated message ("" on success).
 */
#ifndef BTCSOCK_STATUS_H
#define BTCSOCK_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols marked BTC_EXTERN are the library's ABI; everything else is built
 * with -fvisibility=hidden and stays private to the shared object. */
#if defined(_WIN32) && defined(BTCSOCK_SHARED_BUILD)
#define BTC_EXTERN __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define BTC_EXTERN __attribute__((visibility("default")))
#else
#define BTC_EXTERN
#endif

#if defined(__MINGW32__) && defined(__USE_MINGW_ANSI_STDIO) && __USE_MINGW_ANSI_STDIO
/* mingw-w64 with its C99 stdio (as the library is always built): plain
 * "printf" would check the msvcrt dialect, which has no %zu. */
#define BTC_PRINTF(fmt_index, first_arg) __attribute__((format(gnu_printf, fmt_index, first_arg)))
#elif defined(__GNUC__) || defined(__clang__)
#define BTC_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define BTC_PRINTF(fmt_index, first_arg)
#endif

#define BTC_VERSION_MAJOR 0
#define BTC_VERSION_MINOR 2
#define BTC_VERSION_PATCH 0
#define BTC_VERSION_STRING "0.2.0"

/** The library's version string, e.g. "0.2.0". Never NULL. */
BTC_EXTERN const char *btc_version(void);

/*
 * The status codes. Values are part of the ABI: never renumber, only append.
 * The list is an X-macro so that the enum, the names and the messages come
 * from one place (src/status.c builds its tables from it).
 */
#define BTC_STATUS_MAP(X)                                                          \
    X(BTC_OK, 0, "success")                                                        \
    X(BTC_ERR_INVALID_ARGUMENT, 1, "invalid argument")                             \
    X(BTC_ERR_INVALID_SOCKET, 2, "not connected (empty socket)")                   \
    X(BTC_ERR_NOT_SELECTABLE, 3, "socket descriptor cannot be used with select()") \
    X(BTC_ERR_WOULD_BLOCK, 4, "operation would block, try again")                  \
    X(BTC_ERR_TIMEOUT, 5, "operation timed out")                                   \
    X(BTC_ERR_INTERRUPTED, 6, "operation interrupted")                             \
    X(BTC_ERR_CLOSED, 7, "connection closed by peer")                              \
    X(BTC_ERR_TOO_LARGE, 8, "data limit reached without terminator")               \
    X(BTC_ERR_PROTOCOL, 9, "system call broke its contract")                       \
    X(BTC_ERR_INVALID_UTF8, 10, "received data is not valid UTF-8")                \
    X(BTC_ERR_IO, 11, "socket I/O error")                                          \
    X(BTC_ERR_NO_MEMORY, 12, "out of memory")                                      \
    X(BTC_ERR_PROXY, 13, "the proxy refused or broke the protocol")                \
    X(BTC_ERR_RESOLVE, 14, "name resolution failed")

typedef enum btc_status {
#define BTC__STATUS_ENUM(name, value, message) name = (value),
    BTC_STATUS_MAP(BTC__STATUS_ENUM)
#undef BTC__STATUS_ENUM
} btc_status;

/** One past the largest status value (for tables and loops in tests). */
#define BTC_STATUS_COUNT 15

#define BTC_ERROR_MESSAGE_MAX 256

/** What happened, filled by every function that takes a btc_error *. */
typedef struct btc_error {
    btc_status status;                   /**< equals the function's return value */
    int code;                            /**< OS error code (errno / WSAGetLastError()), 0 when none */
    size_t bytes;                        /**< bytes transferred before the call returned, on success too */
    char message[BTC_ERROR_MESSAGE_MAX]; /**< NUL-terminated; "" on success */
} btc_error;

/** "BTC_ERR_TIMEOUT" for BTC_ERR_TIMEOUT; "BTC_ERR_UNKNOWN" for a value outside the enum. Never NULL. */
BTC_EXTERN const char *btc_status_name(btc_status s);

/** A one-line description, "operation timed out"; "unknown status" outside the enum. Never NULL. */
BTC_EXTERN const char *btc_status_message(btc_status s);

/**
 * The single error classifier: false only for the transient codes (EAGAIN,
 * EWOULDBLOCK, EINTR, EINPROGRESS; their WSA* twins on Windows), true for
 * everything else, 0 included.
 */
BTC_EXTERN bool btc_io_error_is_permanent(int code);

/** errno on POSIX, WSAGetLastError() on Windows. */
BTC_EXTERN int btc_last_socket_error(void);

/**
 * Writes "<system message> (<code>)" into buf (truncated to cap - 1 bytes and
 * always NUL-terminated when cap > 0) and returns buf. Works with both the GNU
 * and the XSI strerror_r; an unknown code gets a generic message. buf may be
 * NULL only when cap is 0.
 */
BTC_EXTERN char *btc_network_error_string(int code, char *buf, size_t cap);

/* ---- logging ------------------------------------------------------------ */

typedef enum btc_log_level { BTC_LOG_TRACE = 0, BTC_LOG_DEBUG = 1, BTC_LOG_WARN = 2 } btc_log_level;

/** A log sink. message is NUL-terminated and only valid during the call. */
typedef void (*btc_log_fn)(void *ctx, btc_log_level level, const char *message);

/**
 * Installs the log handler (NULL: silent, the default). Messages below
 * min_level are never formatted. The triple (fn, ctx, min_level) is replaced
 * atomically with respect to threads that are logging: a message goes to the
 * old handler or to the new one, never to a mix. The handler may be called
 * from any thread that uses btcsock and must not call btc_set_log_handler.
 */
BTC_EXTERN void btc_set_log_handler(btc_log_fn fn, void *ctx, btc_log_level min_level);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_STATUS_H */
