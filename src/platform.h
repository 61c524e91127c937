/* SPDX-License-Identifier: MIT */
/*
 * src/platform.h - the private platform interface: what the files that reach
 * the operating system (src/sys_*.c) provide to the rest of the library.
 *
 * A build links exactly one OS file and one wait backend, chosen in one
 * place (mk/sources.mk):
 *
 *   OS file          POSIX: sys_posix.c     Windows: sys_win32.c
 *   wait backend     POSIX: sys_poll.c (default) or sys_select.c
 *                    Windows: sys_winselect.c
 *
 * The OS file provides the default btc_sys table (btc_sys_default), error
 * classification and text (btc_io_error_is_permanent, btc_last_socket_error,
 * btc_network_error_string) and the interrupt's wake descriptors below; its
 * table's wait slot calls btc__backend_wait. The wait backend provides
 * btc__backend_wait, btc_is_selectable_socket, btc_wait_backend and
 * btc__wait_capacity. No other file may call the OS (scripts/check-src.sh).
 */
#ifndef BTCSOCK_PLATFORM_H
#define BTCSOCK_PLATFORM_H

#include <stddef.h>

#include "btcsock.h"

/* ---- the OS file ---------------------------------------------------------- */

/** Opens a wake descriptor pair (may be the same descriptor twice). 0 or an error code. */
int btc__wake_open(btc_socket_t *rd, btc_socket_t *wr);
/** Makes rd readable. Async-signal-safe; preserves errno. */
void btc__wake_signal(btc_socket_t wr);
/** Empties rd. */
void btc__wake_drain(btc_socket_t rd);
/** Closes both (once if they are the same). */
void btc__wake_close(btc_socket_t rd, btc_socket_t wr);
/** "<resolver message> (<code>)" for an error of the resolve slot (gai_strerror; WSA text on Windows); returns buf. */
char *btc__resolve_error_string(int code, char *buf, size_t cap);

/*
 * The default table of an OS file, whose slot functions are named
 * BTC__OS(slot) (the file defines BTC__OS first, e.g. posix_##slot): one
 * line there, generated from the slot list.
 */
#define BTC__OS_SLOT(since, ret, name, fails, n, params) .name = BTC__OS(name),
#define BTC__DEFINE_DEFAULT_SYS()                                                                               \
    const btc_sys btc__os_default_sys = {.version = BTC_SYS_VERSION, .ctx = NULL, BTC_SYS_SLOTS(BTC__OS_SLOT)}; \
    const btc_sys *btc_sys_default(void) { return &btc__os_default_sys; }

/* ---- the wait backend ------------------------------------------------------ */

/** The default table's wait slot (see BTC_SYS_SLOTS in sys.h for its contract); ctx is unused. */
int btc__backend_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms);

/**
 * How many sockets one wait of the backend can watch, the interrupt's wake
 * descriptor included: SIZE_MAX where there is no such limit (poll, and
 * POSIX select, whose limit is on descriptor values); FD_SETSIZE on Windows,
 * where an fd_set holds that many sockets.
 */
size_t btc__wait_capacity(void);

#endif /* BTCSOCK_PLATFORM_H */
