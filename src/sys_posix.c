/*
 * src/sys_posix.c - the POSIX operating system behind btc_sys.
 *
 * This is the only file (with a future sys_win32.c) that calls the socket
 * API, poll/select, the clock or strerror_r, and the only place where
 * platform conditionals live. Everything else reaches the OS through the
 * table returned by btc_sys_default().
 */
#define _GNU_SOURCE /* accept4, pipe2, SOCK_CLOEXEC, eventfd on Linux */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "internal.h"

/* ---- error classification and text ---------------------------------------- */

int btc_last_socket_error(void) { return errno; }

bool btc_io_error_is_permanent(int code)
{
    return !(code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == EINPROGRESS);
}

/*
 * glibc with _GNU_SOURCE has the GNU strerror_r (returns a char *, may ignore
 * buf); XSI systems return an int and fill buf. _Generic picks the right
 * reading at compile time from the return type, with no feature-macro guess.
 */
static const char *strerror_gnu(char *ret, const char *buf)
{
    (void)buf;
    return ret;
}
static const char *strerror_xsi(int ret, const char *buf) { return ret == 0 ? buf : NULL; }
#define BTC__STRERROR_TEXT(ret, buf) _Generic((ret), char * : strerror_gnu, int : strerror_xsi)((ret), (buf))

char *btc_network_error_string(int code, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return buf;
    char sysbuf[256];
    sysbuf[0] = '\0';
    const char *text = BTC__STRERROR_TEXT(strerror_r(code, sysbuf, sizeof sysbuf), sysbuf);
    if (text == NULL || text[0] == '\0')
        text = "Unknown error";
    (void)snprintf(buf, cap, "%s (%d)", text, code);
    return buf;
}

/* ---- descriptors ---------------------------------------------------------- */

#if !defined(__linux__) || !defined(SOCK_CLOEXEC)
/* For systems without SOCK_CLOEXEC/SOCK_NONBLOCK/accept4: set the flags afterwards. */
static int set_cloexec_nonblock(int fd)
{
    int fdflags = fcntl(fd, F_GETFD);
    if (fdflags == -1 || fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC) == -1)
        return -1;
    int flflags = fcntl(fd, F_GETFL);
    if (flflags == -1 || fcntl(fd, F_SETFL, flflags | O_NONBLOCK) == -1)
        return -1;
    return 0;
}
#endif

/* Closes fd keeping errno: used when a half-made socket must be thrown away. */
static void close_keep_errno(int fd)
{
    int saved = errno;
    (void)close(fd);
    errno = saved;
}

/* Where MSG_NOSIGNAL does not exist (macOS), the socket itself must refuse SIGPIPE. */
static int set_nosigpipe(int fd)
{
#ifdef SO_NOSIGPIPE
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, (socklen_t)sizeof one);
#else
    (void)fd;
    return 0;
#endif
}

static int finish_new_socket(int fd)
{
    if (fd == -1)
        return -1;
#ifndef SOCK_CLOEXEC
    if (set_cloexec_nonblock(fd) == -1) {
        close_keep_errno(fd);
        return -1;
    }
#endif
    if (set_nosigpipe(fd) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}

#ifdef SOCK_CLOEXEC
#define BTC__NEW_SOCK_FLAGS (SOCK_CLOEXEC | SOCK_NONBLOCK)
#else
#define BTC__NEW_SOCK_FLAGS 0
#endif

static btc_socket_t posix_open(void *ctx, int domain, int type, int protocol)
{
    (void)ctx;
    return finish_new_socket(socket(domain, type | BTC__NEW_SOCK_FLAGS, protocol));
}

static int posix_socketpair(void *ctx, btc_socket_t out[2])
{
    (void)ctx;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | BTC__NEW_SOCK_FLAGS, 0, fds) == -1)
        return -1;
    if (finish_new_socket(fds[0]) == -1) {
        close_keep_errno(fds[1]);
        return -1;
    }
    if (finish_new_socket(fds[1]) == -1) {
        close_keep_errno(fds[0]);
        return -1;
    }
    out[0] = fds[0];
    out[1] = fds[1];
    return 0;
}

static int posix_close(void *ctx, btc_socket_t s)
{
    (void)ctx;
    /* On Linux the descriptor is gone even when close() reports EINTR;
     * retrying could close a descriptor another thread just opened. */
    if (close(s) == -1 && errno != EINTR)
        return -1;
    return 0;
}

static btc_ssize_t posix_send(void *ctx, btc_socket_t s, const void *buf, size_t len, int flags)
{
    (void)ctx;
    return send(s, buf, len, flags | BTC_MSG_NOSIGNAL);
}

static btc_ssize_t posix_recv(void *ctx, btc_socket_t s, void *buf, size_t len, int flags)
{
    (void)ctx;
    return recv(s, buf, len, flags);
}

static int posix_connect(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    (void)ctx;
    return connect(s, addr, len);
}

static int posix_bind(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    (void)ctx;
    return bind(s, addr, len);
}

static int posix_listen(void *ctx, btc_socket_t s, int backlog)
{
    (void)ctx;
    return listen(s, backlog);
}

static btc_socket_t posix_accept(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    (void)ctx;
#ifdef __linux__
    return finish_new_socket(accept4(s, addr, len, SOCK_CLOEXEC | SOCK_NONBLOCK));
#else
    int fd = accept(s, addr, len);
    if (fd != -1 && set_cloexec_nonblock(fd) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return finish_new_socket(fd);
#endif
}

static int posix_getsockopt(void *ctx, btc_socket_t s, int level, int name, void *val, socklen_t *len)
{
    (void)ctx;
    return getsockopt(s, level, name, val, len);
}

static int posix_setsockopt(void *ctx, btc_socket_t s, int level, int name, const void *val, socklen_t len)
{
    (void)ctx;
    return setsockopt(s, level, name, val, len);
}

static int posix_getsockname(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    (void)ctx;
    return getsockname(s, addr, len);
}

static int posix_set_non_blocking(void *ctx, btc_socket_t s)
{
    (void)ctx;
    int flags = fcntl(s, F_GETFL);
    if (flags == -1)
        return -1;
    if ((flags & O_NONBLOCK) != 0)
        return 0;
    return fcntl(s, F_SETFL, flags | O_NONBLOCK);
}

static int posix_last_error(void *ctx)
{
    (void)ctx;
    return errno;
}

static int64_t posix_now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer; 0 is a safe origin if it ever did. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

/* ---- readiness: poll (default) or select ---------------------------------- */

#ifdef BTC_WAIT_BACKEND_SELECT

bool btc_is_selectable_socket(btc_socket_t fd) { return fd >= 0 && fd < FD_SETSIZE; }
const char *btc_wait_backend(void) { return "select"; }

static void select_add(btc_socket_t fd, fd_set *set, int *maxfd)
{
    FD_SET(fd, set);
    if (fd > *maxfd)
        *maxfd = fd;
}

static int posix_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
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

#else /* poll */

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

static int posix_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
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

#endif

/* Both backends refuse by descriptor value (select) or not at all (poll), never by count. */
size_t btc__wait_capacity(void) { return SIZE_MAX; }

/* ---- wake descriptors for btc_interrupt ----------------------------------- */

int btc__wake_open(btc_socket_t *rd, btc_socket_t *wr)
{
#ifdef __linux__
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd == -1)
        return errno;
    *rd = fd;
    *wr = fd;
    return 0;
#else
    int fds[2];
    if (pipe(fds) == -1)
        return errno;
    if (set_cloexec_nonblock(fds[0]) == -1 || set_cloexec_nonblock(fds[1]) == -1) {
        int e = errno;
        (void)close(fds[0]);
        (void)close(fds[1]);
        return e;
    }
    *rd = fds[0];
    *wr = fds[1];
    return 0;
#endif
}

void btc__wake_signal(btc_socket_t wr)
{
    int saved = errno; /* callable from a signal handler: leave errno as found */
    if (wr != BTC_INVALID_SOCKET) {
        /* 8 bytes for an eventfd; a pipe takes them too. A full pipe (EAGAIN)
         * is already readable, so a failed write loses nothing. */
        uint64_t one = 1;
        (void)!write(wr, &one, sizeof one);
    }
    errno = saved;
}

void btc__wake_drain(btc_socket_t rd)
{
    if (rd == BTC_INVALID_SOCKET)
        return;
    uint64_t sink[8];
    while (read(rd, sink, sizeof sink) > 0) {
    }
}

void btc__wake_close(btc_socket_t rd, btc_socket_t wr)
{
    if (rd != BTC_INVALID_SOCKET)
        (void)close(rd);
    if (wr != BTC_INVALID_SOCKET && wr != rd)
        (void)close(wr);
}

/* ---- the table ---------------------------------------------------------- */

static const btc_sys posix_sys = {
    .version = BTC_SYS_VERSION,
    .ctx = NULL,
    .open = posix_open,
    .socketpair = posix_socketpair,
    .close = posix_close,
    .send = posix_send,
    .recv = posix_recv,
    .connect = posix_connect,
    .bind = posix_bind,
    .listen = posix_listen,
    .accept = posix_accept,
    .getsockopt = posix_getsockopt,
    .setsockopt = posix_setsockopt,
    .getsockname = posix_getsockname,
    .set_non_blocking = posix_set_non_blocking,
    .wait = posix_wait,
    .last_error = posix_last_error,
    .now_ms = posix_now_ms,
};

const btc_sys *btc_sys_default(void) { return &posix_sys; }
