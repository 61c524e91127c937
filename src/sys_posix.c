/* SPDX-License-Identifier: MIT */
/*
 * src/sys_posix.c - the POSIX operating system behind btc_sys.
 *
 * The POSIX OS file (see platform.h): the socket API, the clock, strerror_r
 * and the interrupt's wake descriptors. The readiness wait is the backend's
 * (sys_poll.c or sys_select.c). Everything else reaches the OS through the
 * table returned by btc_sys_default().
 */
#define _GNU_SOURCE /* accept4, pipe2, SOCK_CLOEXEC, eventfd on Linux */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "internal.h"
#include "sys_addrinfo.h"

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

static int posix_shutdown(void *ctx, btc_socket_t s, int how)
{
    (void)ctx;
    int os_how = how == BTC_SHUT_RD ? SHUT_RD : how == BTC_SHUT_WR ? SHUT_WR : SHUT_RDWR;
    return shutdown(s, os_how);
}

static btc_ssize_t posix_sendv(void *ctx, btc_socket_t s, const btc_iovec *iov, size_t iovcnt, int flags)
{
    (void)ctx;
    struct iovec vec[BTC_IOV_BATCH];
    if (iovcnt == 0 || iovcnt > BTC_IOV_BATCH) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < iovcnt; i++) {
        vec[i].iov_base = (void *)iov[i].base; /* struct iovec is not const-correct; sendmsg only reads it */
        vec[i].iov_len = iov[i].len;
    }
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = vec;
    msg.msg_iovlen = iovcnt;
    return sendmsg(s, &msg, flags | BTC_MSG_NOSIGNAL);
}

static int posix_resolve(void *ctx, const char *host, const char *service, btc_addr *out, size_t cap, size_t *count)
{
    (void)ctx;
    return btc__addrinfo_resolve(host, service, out, cap, count, EAI_NONAME);
}

char *btc__resolve_error_string(int code, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return buf;
    const char *text = gai_strerror(code);
    (void)snprintf(buf, cap, "%s (%d)", text != NULL && text[0] != '\0' ? text : "Unknown resolver error", code);
    return buf;
}

/* ---- readiness: the wait backend (sys_poll.c or sys_select.c) ------------ */

static int posix_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    return btc__backend_wait(ctx, items, count, wake, timeout_ms);
}

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

#define BTC__OS(slot) posix_##slot
BTC__DEFINE_DEFAULT_SYS()
