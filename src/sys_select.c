/* SPDX-License-Identifier: MIT */
/*
 * src/sys_select.c - the select(2) wait backend for POSIX (make
 * WAIT_BACKEND=select); see platform.h.
 *
 * select cannot hold a descriptor >= FD_SETSIZE (FD_SET would write past the
 * fd_set), so such descriptors are refused: btc_is_selectable_socket says
 * no, sockets are checked when they are created, and a wait that is handed
 * one anyway fails with EINVAL instead of corrupting memory.
 */
#include <errno.h>
#include <sys/select.h>

#include "internal.h"

bool btc_is_selectable_socket(btc_socket_t fd) { return fd >= 0 && fd < FD_SETSIZE; }
const char *btc_wait_backend(void) { return "select"; }

static void select_add(btc_socket_t fd, fd_set *set, int *maxfd)
{
    FD_SET(fd, set);
    if (fd > *maxfd)
        *maxfd = fd;
}

int btc__backend_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    (void)ctx;
    fd_set rd;
    fd_set wr;
    fd_set ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    int maxfd = -1;
    /* Refuse, never corrupt memory: FD_SET past FD_SETSIZE writes out of bounds. */
    if (wake != BTC_INVALID_SOCKET && !btc_is_selectable_socket(wake)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        btc_socket_t fd = items[i].sock->fd;
        items[i].occurred = 0;
        if (!btc_is_selectable_socket(fd)) {
            errno = EINVAL;
            return -1;
        }
        if (items[i].requested & BTC_EV_RECV)
            select_add(fd, &rd, &maxfd);
        if (items[i].requested & BTC_EV_SEND)
            select_add(fd, &wr, &maxfd);
        select_add(fd, &ex, &maxfd);
    }
    if (wake != BTC_INVALID_SOCKET)
        select_add(wake, &rd, &maxfd);

    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
    int n = select(maxfd + 1, &rd, &wr, &ex, timeout_ms < 0 ? NULL : &tv);
    if (n <= 0)
        return n;
    int ready = (wake != BTC_INVALID_SOCKET && FD_ISSET(wake, &rd)) ? 1 : 0;
    for (size_t i = 0; i < count; i++) {
        btc_socket_t fd = items[i].sock->fd;
        btc_events ev = 0;
        if ((items[i].requested & BTC_EV_RECV) && FD_ISSET(fd, &rd))
            ev |= BTC_EV_RECV;
        if ((items[i].requested & BTC_EV_SEND) && FD_ISSET(fd, &wr))
            ev |= BTC_EV_SEND;
        if (FD_ISSET(fd, &ex))
            ev |= BTC_EV_ERR;
        items[i].occurred = ev;
        ready += ev != 0;
    }
    return ready;
}

/* The limit is on descriptor values (above), not on how many one wait watches. */
size_t btc__wait_capacity(void) { return SIZE_MAX; }
