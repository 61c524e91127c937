/* SPDX-License-Identifier: MIT */
/*
 * src/sys_poll.c - the poll(2) wait backend for POSIX, the default; see
 * platform.h. poll takes any descriptor value and any number of them.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "internal.h"

bool btc_is_selectable_socket(btc_socket_t fd) { return fd >= 0; }
const char *btc_wait_backend(void) { return "poll"; }

/* Enough for every single-socket wait and small btc_wait_many calls without malloc. */
#define BTC__POLL_STACK 64

static btc_events events_from_poll(short revents)
{
    btc_events ev = 0;
    if (revents & POLLIN)
        ev |= BTC_EV_RECV;
    if (revents & POLLOUT)
        ev |= BTC_EV_SEND;
    if (revents & (POLLERR | POLLHUP | POLLNVAL))
        ev |= BTC_EV_ERR;
    return ev;
}

int btc__backend_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    (void)ctx;
    size_t total = count + (wake != BTC_INVALID_SOCKET ? 1 : 0);
    struct pollfd stack_fds[BTC__POLL_STACK];
    struct pollfd *fds = stack_fds;
    if (total > BTC__POLL_STACK) {
        fds = calloc(total, sizeof *fds);
        if (fds == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    for (size_t i = 0; i < count; i++) {
        fds[i].fd = items[i].sock->fd;
        fds[i].events = (short)(((items[i].requested & BTC_EV_RECV) ? POLLIN : 0) |
                                ((items[i].requested & BTC_EV_SEND) ? POLLOUT : 0));
        fds[i].revents = 0;
        items[i].occurred = 0;
    }
    if (wake != BTC_INVALID_SOCKET) {
        fds[count].fd = wake;
        fds[count].events = POLLIN;
        fds[count].revents = 0;
    }
    int n = poll(fds, (nfds_t)total, timeout_ms < 0 ? -1 : timeout_ms);
    if (n > 0) {
        for (size_t i = 0; i < count; i++)
            items[i].occurred = events_from_poll(fds[i].revents);
    }
    if (fds != stack_fds) {
        int saved = errno;
        free(fds);
        errno = saved;
    }
    return n;
}

size_t btc__wait_capacity(void) { return SIZE_MAX; }
