/* SPDX-License-Identifier: MIT */
/*
 * src/sys_winselect.c - the Winsock select wait backend (see platform.h),
 * built only by a Windows toolchain.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif

#include "internal.h" /* btcsock.h -> sys.h: FD_SETSIZE, winsock2.h */

#include <windows.h>

/*
 * select, not WSAPoll: Bitcoin Core avoids WSAPoll (before Windows 10 2004
 * it did not report a failed non-blocking connect), and select behaves the
 * same on every Windows version and under Wine. On Windows an fd_set holds
 * up to FD_SETSIZE sockets whatever their values, so every valid socket is
 * selectable; the limit is on how many one wait can watch (btc__wait_capacity).
 */
bool btc_is_selectable_socket(btc_socket_t fd) { return fd != INVALID_SOCKET; }
const char *btc_wait_backend(void) { return "select"; }
size_t btc__wait_capacity(void) { return FD_SETSIZE; }

/*
 * select with no socket at all fails (WSAEINVAL) on Windows, so a wait on
 * nothing (btc_wait_many with count 0 and no interrupt) is a Sleep. btc__wait
 * re-checks its deadline afterwards, so a short Sleep only costs another round.
 */
static int sleep_ms(int timeout_ms)
{
    Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
    return 0;
}

int btc__backend_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    (void)ctx;
    for (size_t i = 0; i < count; i++)
        items[i].occurred = 0;
    if (count == 0 && wake == INVALID_SOCKET)
        return sleep_ms(timeout_ms);
    /* Refuse, never truncate: FD_SET silently drops what does not fit. */
    if (count > FD_SETSIZE - (wake != INVALID_SOCKET ? 1U : 0U)) {
        WSASetLastError(WSAEINVAL);
        return -1;
    }
    /* About 8 KiB each with FD_SETSIZE 1024; FD_ZERO only clears the count. */
    fd_set rd;
    fd_set wr;
    fd_set ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    for (size_t i = 0; i < count; i++) {
        SOCKET fd = items[i].sock->fd;
        if ((items[i].requested & BTC_EV_RECV) != 0)
            FD_SET(fd, &rd);
        if ((items[i].requested & BTC_EV_SEND) != 0)
            FD_SET(fd, &wr);
        /* Errors, and a failed non-blocking connect (Windows reports it here, not as writable). */
        FD_SET(fd, &ex);
    }
    if (wake != INVALID_SOCKET)
        FD_SET(wake, &rd);

    struct timeval tv = {(long)(timeout_ms / 1000), (long)(timeout_ms % 1000) * 1000};
    int n = select(0, &rd, &wr, &ex, timeout_ms < 0 ? NULL : &tv);
    if (n == SOCKET_ERROR)
        return -1;
    if (n == 0)
        return 0;
    int ready = (wake != INVALID_SOCKET && FD_ISSET(wake, &rd)) ? 1 : 0;
    for (size_t i = 0; i < count; i++) {
        SOCKET fd = items[i].sock->fd;
        btc_events ev = 0;
        if ((items[i].requested & BTC_EV_RECV) != 0 && FD_ISSET(fd, &rd))
            ev |= BTC_EV_RECV;
        if ((items[i].requested & BTC_EV_SEND) != 0 && FD_ISSET(fd, &wr))
            ev |= BTC_EV_SEND;
        if (FD_ISSET(fd, &ex))
            ev |= BTC_EV_ERR;
        items[i].occurred = ev;
        ready += ev != 0;
    }
    return ready;
}
