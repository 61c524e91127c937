/* SPDX-License-Identifier: MIT */
/*
 * tests/support.c - the test helpers of support.h, for POSIX and Windows.
 *
 * This is the only test file that calls the OS directly for the portable
 * suites. The helpers that need no OS call come first; then the POSIX
 * implementation of the rest and, under _WIN32, the Winsock/Win32 one
 * (used by the mingw-w64 build that runs under Wine, see mk/windows.mk).
 */
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include "support.h" /* btcsock.h: winsock2.h before windows.h */

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#else
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MSG_NOSIGNAL, MSG_DONTWAIT, SOCK_CLOEXEC */

#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#endif

/* ---- error records ---------------------------------------------------------- */

const char *ts_error_message(const btc_error *err)
{
    if (err == NULL) {
        return "(no error record)";
    }
    if (memchr(err->message, '\0', sizeof err->message) == NULL) {
        return "(message not NUL-terminated)";
    }
    return err->message;
}

/* ---- delayed actions (portable: only ts_thread_* and ts_now_us) ---------------- */

static void ts_delayed_trigger_main(void *arg)
{
    ts_delayed_trigger *d = arg;
    ts_sleep_ms(d->delay_ms);
    d->fired_at_us = ts_now_us();
    btc_interrupt_trigger(d->intr);
}

bool ts_delayed_trigger_start(ts_delayed_trigger *d, btc_interrupt *intr, int64_t delay_ms)
{
    d->intr = intr;
    d->delay_ms = delay_ms;
    d->fired_at_us = 0;
    d->thread = ts_thread_start(ts_delayed_trigger_main, d);
    return d->thread != NULL;
}

int64_t ts_delayed_trigger_join(ts_delayed_trigger *d)
{
    ts_thread_join(d->thread);
    d->thread = NULL;
    return d->fired_at_us;
}

static void ts_delayed_send_main(void *arg)
{
    ts_delayed_send *d = arg;
    ts_sleep_ms(d->delay_ms);
    d->sent_at_us = ts_now_us();
    d->ok = ts_send_all(d->fd, d->data, d->len, 10000);
}

bool ts_delayed_send_start(ts_delayed_send *d, btc_socket_t fd, const void *data, size_t len, int64_t delay_ms)
{
    d->fd = fd;
    d->data = data;
    d->len = len;
    d->delay_ms = delay_ms;
    d->sent_at_us = 0;
    d->ok = false;
    d->thread = ts_thread_start(ts_delayed_send_main, d);
    return d->thread != NULL;
}

bool ts_delayed_send_join(ts_delayed_send *d)
{
    ts_thread_join(d->thread);
    d->thread = NULL;
    return d->ok;
}

/* ---- addresses -------------------------------------------------------------- */

void ts_ipv4_addr(struct sockaddr_in *sa, uint32_t host, uint16_t port)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    sa->sin_addr.s_addr = htonl(host);
}

void ts_loopback_addr(struct sockaddr_in *sa, uint16_t port) { ts_ipv4_addr(sa, INADDR_LOOPBACK, port); }

bool ts_unused_loopback_addr(struct sockaddr_in *sa)
{
    /* Bind an ephemeral port, read it back, close it: nobody listens there now. */
    btc_sock tmp = BTC_SOCK_INIT;
    socklen_t sl = sizeof *sa;
    ts_loopback_addr(sa, 0);
    bool ok = btc_sock_open(&tmp, AF_INET, SOCK_STREAM, 0, NULL) == BTC_OK &&
              btc_sock_bind(&tmp, (const struct sockaddr *)sa, sizeof *sa, NULL) == BTC_OK &&
              btc_sock_get_sock_name(&tmp, (struct sockaddr *)sa, &sl, NULL) == BTC_OK;
    return btc_sock_reset(&tmp, NULL) == BTC_OK && ok;
}

uint16_t ts_addr_port(const struct sockaddr_in *sa) { return ntohs(sa->sin_port); }

bool ts_addr_is_loopback(const struct sockaddr_in *sa)
{
    return sa->sin_family == AF_INET && sa->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
}

/* ======================================================================== */
/* POSIX                                                                    */
/* ======================================================================== */
#ifndef _WIN32

void ts_set_socket_error(int code) { errno = code; }

/* ---- time ----------------------------------------------------------------- */

int64_t ts_now_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + (int64_t)ts.tv_nsec / 1000;
}

int64_t ts_now_ms(void) { return ts_now_us() / 1000; }

void ts_sleep_ms(int64_t ms)
{
    if (ms <= 0) {
        return;
    }
    struct timespec req = {(time_t)(ms / 1000), (long)((ms % 1000) * 1000000)};
    struct timespec rem;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR) {
        req = rem;
    }
}

/* ---- threads -------------------------------------------------------------- */

struct ts_thread {
    pthread_t handle;
    void (*fn)(void *arg);
    void *arg;
};

static void *ts_thread_main(void *p)
{
    struct ts_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

ts_thread *ts_thread_start(void (*fn)(void *arg), void *arg)
{
    struct ts_thread *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->handle, NULL, ts_thread_main, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void ts_thread_join(ts_thread *t)
{
    if (t == NULL) {
        return;
    }
    (void)pthread_join(t->handle, NULL);
    free(t);
}

/* ---- raw sockets ---------------------------------------------------------- */

static bool ts_make_nonblocking_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        return false;
    }
    int fdfl = fcntl(fd, F_GETFD);
    return fdfl >= 0 && fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) == 0;
}

bool ts_tcp_pair(btc_sock *a, btc_sock *b)
{
    btc_sock_init(a);
    btc_sock_init(b);
    int lst = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int cli = -1;
    int srv = -1;
    if (lst < 0) {
        return false;
    }
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    ts_loopback_addr(&sa, 0);
    if (bind(lst, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lst, 1) != 0 ||
        getsockname(lst, (struct sockaddr *)&sa, &sl) != 0) {
        goto fail;
    }
    cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (cli < 0 || connect(cli, (struct sockaddr *)&sa, sizeof sa) != 0) {
        goto fail;
    }
    do {
        srv = accept(lst, NULL, NULL);
    } while (srv < 0 && errno == EINTR);
    if (srv < 0 || !ts_make_nonblocking_cloexec(cli) || !ts_make_nonblocking_cloexec(srv)) {
        goto fail;
    }
    (void)close(lst);
    btc_sock_from_fd(a, cli);
    btc_sock_from_fd(b, srv);
    return true;
fail:
    if (srv >= 0) {
        (void)close(srv);
    }
    if (cli >= 0) {
        (void)close(cli);
    }
    (void)close(lst);
    return false;
}

bool ts_set_blocking(btc_socket_t fd, bool blocking)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        return false;
    }
    fl = blocking ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK);
    return fcntl(fd, F_SETFL, fl) == 0;
}

bool ts_is_non_blocking(btc_socket_t fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK) != 0;
}

bool ts_is_cloexec(btc_socket_t fd)
{
    int fl = fcntl(fd, F_GETFD);
    return fl >= 0 && (fl & FD_CLOEXEC) != 0;
}

bool ts_fd_is_open(btc_socket_t fd) { return fcntl(fd, F_GETFD) >= 0 || errno != EBADF; }

bool ts_close_raw(btc_socket_t fd) { return close(fd) == 0; }

bool ts_shutdown_write(btc_socket_t fd) { return shutdown(fd, SHUT_WR) == 0; }

static bool ts_poll_one(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - ts_now_ms();
        if (left < 0) {
            return false;
        }
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
        if (r > 0) {
            return true;
        }
        if (r < 0 && errno != EINTR) {
            return false;
        }
    }
}

bool ts_send_all(btc_socket_t fd, const void *data, size_t len, int64_t timeout_ms)
{
    const unsigned char *p = data;
    int64_t deadline = ts_now_ms() + timeout_ms;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!ts_poll_one(fd, POLLOUT, deadline)) {
                return false;
            }
            continue;
        }
        return false;
    }
    return true;
}

size_t ts_fill_send_buffer(btc_socket_t fd)
{
    static const char filler[65536];
    size_t total = 0;
    for (;;) {
        ssize_t n = send(fd, filler, sizeof filler, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            total += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A loopback TCP sender may still move bytes to the receiver;
             * try a few more times after letting that settle. */
            ts_sleep_ms(20);
            n = send(fd, filler, sizeof filler, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                total += (size_t)n;
                continue;
            }
        }
        return total;
    }
}

size_t ts_drain_available(btc_socket_t fd, bool *eof)
{
    static char sink[65536];
    size_t total = 0;
    if (eof != NULL) {
        *eof = false;
    }
    for (;;) {
        ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0) {
            total += (size_t)n;
            continue;
        }
        if (n == 0 && eof != NULL) {
            *eof = true;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return total;
    }
}

size_t ts_drain_to_eof(btc_socket_t fd, int64_t timeout_ms, bool *eof)
{
    static char sink[65536];
    size_t total = 0;
    int64_t deadline = ts_now_ms() + timeout_ms;
    if (eof != NULL) {
        *eof = false;
    }
    for (;;) {
        ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0) {
            total += (size_t)n;
            continue;
        }
        if (n == 0) {
            if (eof != NULL) {
                *eof = true;
            }
            return total;
        }
        if (errno == EINTR) {
            continue;
        }
        if ((errno != EAGAIN && errno != EWOULDBLOCK) || !ts_poll_one(fd, POLLIN, deadline)) {
            return total;
        }
    }
}

size_t ts_readable_bytes(btc_socket_t fd)
{
    static char sink[1 << 20];
    ssize_t n = recv(fd, sink, sizeof sink, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 ? (size_t)n : 0;
}

/* ---- platform features ------------------------------------------------------ */

bool ts_sigpipe_default(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGPIPE, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    (void)pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    return true;
}

bool ts_allow_fd(int fd)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return false;
    }
    rlim_t want = (rlim_t)fd + 1;
    if (rl.rlim_cur >= want) {
        return true;
    }
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        rl.rlim_max = want; /* only root may raise the hard limit; try anyway */
    }
    rl.rlim_cur = want;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

bool ts_dup_to(btc_socket_t src, btc_socket_t dst) { return dup2(src, dst) == dst; }

static int *ts_occupied;
static int ts_occupied_count;

int ts_occupy_fds_below(int limit)
{
    if (!ts_allow_fd(limit + 64)) {
        return -1;
    }
    ts_release_fds_below();
    ts_occupied = calloc((size_t)limit, sizeof *ts_occupied);
    if (ts_occupied == NULL) {
        return -1;
    }
    for (;;) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            ts_release_fds_below();
            return -1;
        }
        if (fd >= limit) {
            (void)close(fd);
            return ts_occupied_count;
        }
        ts_occupied[ts_occupied_count++] = fd;
    }
}

void ts_release_fds_below(void)
{
    for (int k = 0; k < ts_occupied_count; k++) {
        (void)close(ts_occupied[k]);
    }
    free(ts_occupied);
    ts_occupied = NULL;
    ts_occupied_count = 0;
}

#else /* _WIN32 */

/*
 * Winsock and Win32. The raw-socket helpers bypass the library on purpose
 * (they are the independent side of the tests), so they start Winsock
 * themselves; the library never relies on that (tests/win/test_init.c checks
 * that the library initialises Winsock on its own).
 */

void ts_set_socket_error(int code) { WSASetLastError(code); }

/* ---- time ----------------------------------------------------------------- */

int64_t ts_now_us(void)
{
    LARGE_INTEGER f;
    LARGE_INTEGER c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (c.QuadPart / f.QuadPart) * 1000000 + (c.QuadPart % f.QuadPart) * 1000000 / f.QuadPart;
}

int64_t ts_now_ms(void) { return ts_now_us() / 1000; }

void ts_sleep_ms(int64_t ms)
{
    /* Sleep may end a little early on the performance-counter clock: sleep again for the rest. */
    int64_t until = ts_now_us() + ms * 1000;
    for (int64_t left = ms; left > 0; left = (until - ts_now_us() + 999) / 1000) {
        Sleep(left > 0x7fffffff ? 0x7fffffffUL : (DWORD)left);
    }
}

/* ---- threads -------------------------------------------------------------- */

struct ts_thread {
    HANDLE handle;
    void (*fn)(void *arg);
    void *arg;
};

static DWORD WINAPI ts_thread_main(LPVOID p)
{
    struct ts_thread *t = p;
    t->fn(t->arg);
    return 0;
}

ts_thread *ts_thread_start(void (*fn)(void *arg), void *arg)
{
    struct ts_thread *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    t->fn = fn;
    t->arg = arg;
    t->handle = CreateThread(NULL, 0, ts_thread_main, t, 0, NULL);
    if (t->handle == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

void ts_thread_join(ts_thread *t)
{
    if (t == NULL) {
        return;
    }
    (void)WaitForSingleObject(t->handle, INFINITE);
    (void)CloseHandle(t->handle);
    free(t);
}

/* ---- raw sockets ---------------------------------------------------------- */

static INIT_ONCE ts_winsock_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK ts_winsock_startup(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0 ? TRUE : FALSE;
}

static bool ts_winsock(void) { return InitOnceExecuteOnce(&ts_winsock_once, ts_winsock_startup, NULL, NULL) != 0; }

static bool ts_set_inherit(SOCKET s, bool inherit)
{
    return SetHandleInformation((HANDLE)(uintptr_t)s, HANDLE_FLAG_INHERIT, inherit ? HANDLE_FLAG_INHERIT : 0) != 0;
}

bool ts_set_blocking(btc_socket_t fd, bool blocking)
{
    u_long mode = blocking ? 0 : 1;
    return ioctlsocket(fd, (long)FIONBIO, &mode) == 0;
}

bool ts_tcp_pair(btc_sock *a, btc_sock *b)
{
    btc_sock_init(a);
    btc_sock_init(b);
    if (!ts_winsock()) {
        return false;
    }
    SOCKET lst = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    SOCKET cli = INVALID_SOCKET;
    SOCKET srv = INVALID_SOCKET;
    if (lst == INVALID_SOCKET) {
        return false;
    }
    struct sockaddr_in sa;
    int sl = (int)sizeof sa;
    ts_loopback_addr(&sa, 0);
    if (bind(lst, (struct sockaddr *)&sa, (int)sizeof sa) != 0 || listen(lst, 1) != 0 ||
        getsockname(lst, (struct sockaddr *)&sa, &sl) != 0) {
        goto fail;
    }
    cli = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (cli == INVALID_SOCKET || connect(cli, (struct sockaddr *)&sa, (int)sizeof sa) != 0) {
        goto fail;
    }
    srv = accept(lst, NULL, NULL);
    if (srv == INVALID_SOCKET || !ts_set_blocking(cli, false) || !ts_set_blocking(srv, false) ||
        !ts_set_inherit(cli, false) || !ts_set_inherit(srv, false)) {
        goto fail;
    }
    (void)closesocket(lst);
    btc_sock_from_fd(a, cli);
    btc_sock_from_fd(b, srv);
    return true;
fail:
    if (srv != INVALID_SOCKET) {
        (void)closesocket(srv);
    }
    if (cli != INVALID_SOCKET) {
        (void)closesocket(cli);
    }
    (void)closesocket(lst);
    return false;
}

/* Windows cannot report a socket's blocking mode. */
bool ts_is_non_blocking(btc_socket_t fd)
{
    (void)fd;
    return false;
}

/* Windows' close-on-exec is a handle that child processes do not inherit. */
bool ts_is_cloexec(btc_socket_t fd)
{
    DWORD flags = 0;
    return GetHandleInformation((HANDLE)(uintptr_t)fd, &flags) != 0 && (flags & HANDLE_FLAG_INHERIT) == 0;
}

bool ts_fd_is_open(btc_socket_t fd)
{
    int type = 0;
    int len = (int)sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0 || WSAGetLastError() != WSAENOTSOCK;
}

bool ts_close_raw(btc_socket_t fd) { return closesocket(fd) == 0; }

bool ts_shutdown_write(btc_socket_t fd) { return shutdown(fd, SD_SEND) == 0; }

/* Waits until fd is ready (readable, or writable when for_send) or deadline_ms passes. */
static bool ts_select_one(SOCKET fd, bool for_send, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - ts_now_ms();
        if (left < 0) {
            return false;
        }
        fd_set set;
        fd_set ex;
        FD_ZERO(&set);
        FD_ZERO(&ex);
        FD_SET(fd, &set);
        FD_SET(fd, &ex);
        int64_t step = left > 1000 ? 1000 : left;
        struct timeval tv = {(long)(step / 1000), (long)(step % 1000) * 1000};
        int r = select(0, for_send ? NULL : &set, for_send ? &set : NULL, &ex, &tv);
        if (r > 0) {
            return true;
        }
        if (r < 0) {
            return false;
        }
    }
}

/* Winsock has no MSG_DONTWAIT: a zero-timeout select says whether the call would block. */
static bool ts_ready_now(SOCKET fd, bool for_send) { return ts_select_one(fd, for_send, ts_now_ms()); }

static int ts_clamp(size_t len) { return len > (size_t)INT_MAX ? INT_MAX : (int)len; }

bool ts_send_all(btc_socket_t fd, const void *data, size_t len, int64_t timeout_ms)
{
    const char *p = data;
    int64_t deadline = ts_now_ms() + timeout_ms;
    while (len > 0) {
        int n = send(fd, p, ts_clamp(len), 0);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && (WSAGetLastError() == WSAEWOULDBLOCK || WSAGetLastError() == WSAEINTR)) {
            if (!ts_select_one(fd, true, deadline)) {
                return false;
            }
            continue;
        }
        return false;
    }
    return true;
}

size_t ts_fill_send_buffer(btc_socket_t fd)
{
    static const char filler[65536];
    size_t total = 0;
    for (;;) {
        int n = send(fd, filler, (int)sizeof filler, 0);
        if (n > 0) {
            total += (size_t)n;
            continue;
        }
        if (n < 0 && WSAGetLastError() == WSAEWOULDBLOCK) {
            /* A loopback TCP sender may still move bytes to the receiver;
             * try a few more times after letting that settle. */
            ts_sleep_ms(20);
            n = send(fd, filler, (int)sizeof filler, 0);
            if (n > 0) {
                total += (size_t)n;
                continue;
            }
        }
        return total;
    }
}

size_t ts_drain_available(btc_socket_t fd, bool *eof)
{
    static char sink[65536];
    size_t total = 0;
    if (eof != NULL) {
        *eof = false;
    }
    while (ts_ready_now(fd, false)) {
        int n = recv(fd, sink, (int)sizeof sink, 0);
        if (n > 0) {
            total += (size_t)n;
            continue;
        }
        if (n == 0 && eof != NULL) {
            *eof = true;
        }
        break;
    }
    return total;
}

size_t ts_drain_to_eof(btc_socket_t fd, int64_t timeout_ms, bool *eof)
{
    static char sink[65536];
    size_t total = 0;
    int64_t deadline = ts_now_ms() + timeout_ms;
    if (eof != NULL) {
        *eof = false;
    }
    while (ts_select_one(fd, false, deadline)) {
        int n = recv(fd, sink, (int)sizeof sink, 0);
        if (n > 0) {
            total += (size_t)n;
            continue;
        }
        if (n == 0 && eof != NULL) {
            *eof = true;
        }
        break;
    }
    return total;
}

size_t ts_readable_bytes(btc_socket_t fd)
{
    static char sink[1 << 20];
    if (!ts_ready_now(fd, false)) {
        return 0;
    }
    int n = recv(fd, sink, (int)sizeof sink, MSG_PEEK);
    return n > 0 ? (size_t)n : 0;
}

/* ---- platform features ------------------------------------------------------ */

/* Windows has no SIGPIPE. */
bool ts_sigpipe_default(void) { return false; }

/* Windows has no descriptor numbers to raise, dup to or occupy: these report "not possible". */
bool ts_allow_fd(int fd)
{
    (void)fd;
    return false;
}

bool ts_dup_to(btc_socket_t src, btc_socket_t dst)
{
    (void)src;
    (void)dst;
    return false;
}

int ts_occupy_fds_below(int limit)
{
    (void)limit;
    return -1;
}

void ts_release_fds_below(void) {}

#endif /* _WIN32 */
