/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock/reader.h - the line reader: lines (and exact byte counts) out of a
 * socket at a fraction of the system calls of btc_sock_recv_until_terminator,
 * without ever taking from the socket a byte that belongs to someone else.
 *
 * btc_sock_recv_until_terminator peeks and then reads every line: two system
 * calls a line. A reader keeps what it peeked in a window the caller owns
 * and hands out the lines it already saw.
 *
 *  - Default (lazy) mode: lines come out of peeked bytes; the bytes of lines
 *    already returned are consumed from the socket in one call when the
 *    window is used up, or at btc_reader_sync / btc_reader_detach. Short
 *    lines that arrive faster than they are read cost a few hundredths of a
 *    system call each. Until the next sync the socket still holds lines the
 *    caller was given: other code must not read the socket in between.
 *  - BTC_READER_EXACT: the socket is synced before every call returns, so
 *    after every call it has given up exactly the data returned (plus, after
 *    a timeout, the unfinished line the reader holds, as
 *    btc_sock_recv_until_terminator would have consumed it). About one system
 *    call a line when lines arrive faster than they are read.
 *
 * Which to use:
 *  - btc_sock_recv_until_terminator: one line (a greeting, a reply) before
 *    the socket goes to other code; no state to carry.
 *  - a BTC_READER_EXACT reader: a conversation in which other code may take
 *    the socket after any line (a control protocol that switches to a raw
 *    stream, a SOCKS or SAM handshake): drop or detach the reader at any
 *    point and the socket stands right after the last data returned.
 *  - a lazy reader: a stream of lines (logs, RESP, a P2P text protocol);
 *    call btc_reader_sync or btc_reader_detach at the points where the
 *    socket changes hands.
 *
 * A reader allocates nothing: the struct and the window are caller memory.
 * Reads of the socket go through the reader while it is attached; sends do
 * not. One thread uses one reader at a time.
 *
 * Conventions as in btcsock/sock.h: err may be NULL, otherwise it is filled on
 * every path and err->status equals the return value; deadlines are on the
 * socket table's monotonic clock; intr may be NULL; blocking and
 * non-blocking sockets alike, no call blocks past its deadline.
 */
#ifndef BTCSOCK_READER_H
#define BTCSOCK_READER_H

#include <stddef.h>
#include <stdint.h>

#include "interrupt.h"
#include "sock.h"
#include "status.h"
#include "sys.h"

#ifdef __cplusplus
extern "C" {
#endif

/** With btc_reader_init: sync the socket before every call returns (see above). */
#define BTC_READER_EXACT 0x1u

/**
 * A line reader over one socket. The layout is public so a reader can live
 * on the stack or in a struct of the caller's; every field is private to the
 * btc_reader_* functions. Offsets are into buf; the stream position of
 * buf[0] moves as the window moves.
 */
typedef struct btc_reader {
    uint32_t magic;                /**< private: an initialised reader, attached or detached */
    unsigned flags;                /**< private: BTC_READER_* */
    const struct btc_reader *self; /**< private: the reader's own address (a copied struct is refused) */
    const btc_sock *sock;          /**< private: the socket read */
    btc_socket_t fd;               /**< private: its descriptor at init */
    const btc_sys *table;          /**< private: its table at init (NULL: the default) */
    const btc_sys *sys;            /**< private: the table in use (table, or the default) */
    uint64_t base;                 /**< private: the stream position of buf[0] (bytes before it: consumed) */
    char *buf;                     /**< private: the window, cap bytes of caller memory */
    size_t cap;                    /**< private */
    size_t ret;                    /**< private: buf[0..ret) was returned to the caller */
    size_t cons;                   /**< private: buf[0..cons) was consumed from the socket */
    size_t end;                    /**< private: buf[0..end) holds stream bytes (consumed or peeked) */
    size_t scan;                   /**< private: buf[ret..scan) holds no scan_term */
    size_t nul_at;                 /**< private: where the last line's terminator became NUL (SIZE_MAX: none) */
    int scan_term;                 /**< private: the terminator scan refers to (-1: none) */
} btc_reader;

/**
 * Attaches r to s with the window buf[0..cap): a line is at most cap - 1
 * bytes. Nothing is read yet and no system call is made. s, buf and r must
 * stay where they are while the reader is in use (s is remembered by
 * address; a reader copied to another address is refused); s's descriptor
 * and table must not change (btc_sock_set_sys, btc_sock_move) until the
 * reader is detached.
 *
 * @param[out] r     the reader (overwritten)
 * @param[in]  s     an open socket (its table is validated here)
 * @param[in]  buf   the window, cap bytes of caller memory
 * @param[in]  cap   the window size, at least 2
 * @param[in]  flags 0 (lazy) or BTC_READER_EXACT
 * @param[out] err   may be NULL
 * @return BTC_OK; BTC_ERR_INVALID_ARGUMENT (r, s or buf NULL, cap < 2,
 *         unknown flags, an invalid table: r is then left unusable, never
 *         attached); BTC_ERR_INVALID_SOCKET (s is empty).
 */
BTC_EXTERN btc_status btc_reader_init(btc_reader *r, const btc_sock *s, void *buf, size_t cap, unsigned flags,
                                      btc_error *err);

/**
 * Returns the next line: *line points into the window at the line with its
 * terminator replaced by NUL, *len is its length (without the terminator).
 * Both stay valid until the next call on r (btc_reader_sync and
 * btc_reader_detach keep them valid too). A line already in the window costs
 * no system call and no clock read; otherwise the window is refilled (the
 * first attempt is made even with a zero timeout or intr already set, as in
 * btc_sock_recv_until_terminator).
 *
 * On every status but BTC_OK, *line and *len say what the call hands over:
 *  - BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, BTC_ERR_NOT_SELECTABLE: nothing
 *    (*line "", *len 0). The unfinished line stays in the reader (consumed
 *    from the socket as btc_sock_recv_until_terminator would have) and the
 *    next call continues it; btc_reader_detach hands it back.
 *  - BTC_ERR_CLOSED (EOF), BTC_ERR_TOO_LARGE (cap bytes without a
 *    terminator), BTC_ERR_IO, BTC_ERR_PROTOCOL (a read returned fewer bytes
 *    than the peek before it): the unfinished bytes the reader held, now
 *    handed over (*line[*len] is NUL when *len < cap; TOO_LARGE hands over
 *    cap bytes without a NUL).
 * err->bytes is what the call handed over: *len + 1 on BTC_OK (the line and
 * its terminator), *len otherwise.
 *
 * @param[in,out] r          an attached reader
 * @param[in]     terminator the byte that ends a line (may change from call to call)
 * @param[in]     timeout_ms >= 0, or BTC_TIMEOUT_INFINITE
 * @param[in]     intr       may be NULL
 * @param[out]    line       not NULL
 * @param[out]    len        not NULL
 * @param[out]    err        may be NULL
 * @return BTC_OK, BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, BTC_ERR_CLOSED,
 *         BTC_ERR_TOO_LARGE, BTC_ERR_IO (err->code set), BTC_ERR_PROTOCOL,
 *         BTC_ERR_NOT_SELECTABLE (select backend, descriptor >= FD_SETSIZE),
 *         BTC_ERR_INVALID_SOCKET (the socket was emptied), or
 *         BTC_ERR_INVALID_ARGUMENT (r NULL, never initialised or detached,
 *         line or len NULL, negative timeout, intr not initialised, the
 *         socket's descriptor or table changed since init); an argument
 *         status makes no system call and changes nothing.
 */
BTC_EXTERN btc_status btc_reader_line(btc_reader *r, uint8_t terminator, int64_t timeout_ms, btc_interrupt *intr,
                                      const char **line, size_t *len, btc_error *err);

/**
 * Copies exactly the next n bytes of the stream into dst (a binary payload
 * between lines: a RESP bulk string, raw P2P bytes after a SAM reply); n may
 * exceed the window. Bytes in the window are copied out; past them, up to
 * cap - 1 bytes are fetched through the window and more are read straight
 * into dst. Never consumes a byte past the n-th. n == 0 succeeds at once.
 *
 * On any status but BTC_OK, dst[0..err->bytes) holds the bytes delivered,
 * which count as handed over (continue with dst + err->bytes and
 * n - err->bytes, as with btc_sock_recv_exact).
 *
 * @param[in,out] r          an attached reader
 * @param[out]    dst        n bytes; may be NULL only when n is 0
 * @param[in]     n          the byte count
 * @param[in]     timeout_ms >= 0, or BTC_TIMEOUT_INFINITE
 * @param[in]     intr       may be NULL
 * @param[out]    err        may be NULL; err->bytes = bytes delivered
 * @return BTC_OK, BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, BTC_ERR_CLOSED (EOF
 *         before n bytes), BTC_ERR_IO, BTC_ERR_PROTOCOL,
 *         BTC_ERR_NOT_SELECTABLE, BTC_ERR_INVALID_SOCKET, or
 *         BTC_ERR_INVALID_ARGUMENT (as btc_reader_line; dst NULL with n > 0).
 */
BTC_EXTERN btc_status btc_reader_read(btc_reader *r, void *dst, size_t n, int64_t timeout_ms, btc_interrupt *intr,
                                      btc_error *err);

/**
 * Consumes from the socket the bytes of everything already returned that it
 * still holds (lazy mode), so that its next byte is the one after the last
 * data returned, or, after a timeout, the one after the unfinished line the
 * reader holds. No system call when there is nothing to consume (always the
 * case in BTC_READER_EXACT mode). The bytes to consume were peeked, so they
 * are in the socket: a transient error is retried after a readiness wait
 * with no time limit, which returns at once on any socket that kept them.
 * The last line returned stays valid. err->bytes = bytes consumed by this
 * call.
 *
 * @return BTC_OK, BTC_ERR_IO, BTC_ERR_PROTOCOL (the socket gave fewer bytes
 *         than it had shown), BTC_ERR_NOT_SELECTABLE, BTC_ERR_INVALID_SOCKET
 *         or BTC_ERR_INVALID_ARGUMENT (as btc_reader_line). The reader stays
 *         usable after an error.
 */
BTC_EXTERN btc_status btc_reader_sync(btc_reader *r, btc_error *err);

/**
 * Syncs (as btc_reader_sync) and detaches: *held and *held_len get the bytes the
 * reader consumed but did not return (the unfinished line after a timeout;
 * none otherwise), which come before whatever the socket holds next. *held
 * points into the window (caller memory). The socket can then go to code
 * that reads it directly; any further call on r but btc_reader_init is
 * refused. When the sync fails, nothing is detached (*held NULL, *held_len
 * 0) and the reader stays usable. err->bytes = bytes consumed by the sync.
 *
 * @param[in,out] r        an attached reader
 * @param[out]    held     not NULL
 * @param[out]    held_len not NULL
 * @param[out]    err      may be NULL
 * @return the statuses of btc_reader_sync (BTC_ERR_INVALID_ARGUMENT also for
 *         held or held_len NULL).
 */
BTC_EXTERN btc_status btc_reader_detach(btc_reader *r, const void **held, size_t *held_len, btc_error *err);

/**
 * Where the reader stands in the stream since btc_reader_init: *returned,
 * the bytes handed over to the caller (lines with their terminators, bytes
 * read, unfinished bytes a stop handed over); *consumed, the bytes the
 * socket gave up. consumed - returned, when positive, is the unfinished line
 * the reader holds (it has no terminator); in lazy mode consumed may lag
 * behind returned until the next sync. After btc_reader_sync, and after
 * every call in BTC_READER_EXACT mode, consumed == returned + held. Works on
 * a detached reader too (its final position). No system call.
 *
 * @param[in]  r        an initialised reader
 * @param[out] returned not NULL
 * @param[out] consumed not NULL
 * @param[out] err      may be NULL
 * @return BTC_OK, or BTC_ERR_INVALID_ARGUMENT (r NULL or never initialised,
 *         an output NULL; the outputs, when not NULL, are then 0).
 */
BTC_EXTERN btc_status btc_reader_position(const btc_reader *r, uint64_t *returned, uint64_t *consumed, btc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_READER_H */
