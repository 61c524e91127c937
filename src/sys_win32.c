/* SPDX-License-Identifier: MIT */
/*
 * src/sys_win32.c - the Windows (Winsock 2) operating system behind btc_sys.
 *
 * The Windows OS file (see platform.h), the twin of sys_posix.c: Winsock,
 * the clock and FormatMessage. The readiness wait is sys_winselect.c. Both
 * are built only by a Windows toolchain (mk/sources.mk). Everything else
 * reaches the OS through the table returned by btc_sys_default().
 *
 * Decisions (each explained where it is implemented):
 *  - Winsock is initialised once, on first need (creating a socket, a socket
 *    pair or an interrupt), with InitOnceExecuteOnce; the library's one
 *    WSAStartup reference is kept until the process exits.
 *  - Readiness is select() (Bitcoin Core avoids WSAPoll, which misreports
 *    failed connects on older Windows). FD_SETSIZE is 1024 (sys.h); a wait
 *    on more items than that is refused before any call.
 *  - BTC_MSG_DONTWAIT, which Winsock lacks, is a zero-timeout select before
 *    the call on a socket that may be blocking.
 *  - Socket pairs (and the interrupt's wake descriptors) are loopback TCP
 *    connections whose two ends are checked to be each other's peer.
 *  - Every socket the library creates or accepts is non-inheritable and
 *    non-blocking.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif

#include "internal.h" /* btcsock.h -> sys.h: FD_SETSIZE, winsock2.h, ws2tcpip.h */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "sys_addrinfo.h"

/* ---- Winsock initialisation --------------------------------------------------- */

/*
 * WSAStartup must precede every Winsock call. A library cannot know whether
 * its caller did that, and an explicit btc_init()/btc_cleanup() pair would be
 * one more thing every user must get right (and a no-op on POSIX). So the
 * library initialises Winsock itself, once, the first time it creates a
 * socket: btc_sock_open, btc_make_socket_pair and btc_interrupt_init (the
 * only entry points that can make a socket from nothing; every other call
 * works on a socket that already exists, so someone has initialised Winsock).
 * InitOnceExecuteOnce makes concurrent first calls safe; a failed WSAStartup
 * is retried on the next call (the callback returns FALSE, which leaves the
 * once-object uninitialised). The reference is never given back: WSACleanup
 * while other code still uses sockets would break it, and Windows releases
 * everything at process exit. The application's own WSAStartup/WSACleanup
 * pairs are unaffected (Winsock counts references).
 */
static INIT_ONCE winsock_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK winsock_startup(PINIT_ONCE once, PVOID param, PVOID *context)
{
    (void)once;
    (void)context;
    int *result = param;
    WSADATA data;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc == 0 && (LOBYTE(data.wVersion) != 2 || HIBYTE(data.wVersion) != 2)) {
        (void)WSACleanup();
        rc = WSAVERNOTSUPPORTED;
    }
    *result = rc;
    return rc == 0 ? TRUE : FALSE;
}

/* 0 when Winsock is ready; otherwise -1 with the reason in WSAGetLastError(). */
static int winsock_ready(void)
{
    int rc = 0;
    if (!InitOnceExecuteOnce(&winsock_once, winsock_startup, &rc, NULL)) {
        WSASetLastError(rc != 0 ? rc : WSASYSNOTREADY);
        return -1;
    }
    return 0;
}

/* ---- error classification and text ---------------------------------------- */

int btc_last_socket_error(void) { return WSAGetLastError(); }

/*
 * Transient: the WSA twins of EAGAIN/EWOULDBLOCK (both WSAEWOULDBLOCK, 10035;
 * there is no WSAEAGAIN), EINTR and EINPROGRESS. Also the C runtime's EAGAIN,
 * EWOULDBLOCK, EINTR and EINPROGRESS: btc_fake (and shim tables written like
 * it) script POSIX errno values on every platform, and Winsock never reports
 * these small numbers (its codes are 10000 and up, plus a few Win32 codes for
 * overlapped I/O: 6, 8, 87, 995-997), so the two families cannot be confused.
 */
bool btc_io_error_is_permanent(int code)
{
    switch (code) {
    case WSAEWOULDBLOCK:
    case WSAEINTR:
    case WSAEINPROGRESS:
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
    case EINPROGRESS:
        return false;
    default:
        return true;
    }
}

/*
 * Built-in English text for the Winsock codes a socket library meets, used
 * when FormatMessage has none (Wine's message table knows only a few of
 * them; a stripped-down Windows may lack them too). Wording as Windows has
 * it, without the final period.
 */
static const char *winsock_fallback_text(int code)
{
    switch (code) {
    case WSAEINTR:
        return "A blocking operation was interrupted by a call to WSACancelBlockingCall";
    case WSAEBADF:
        return "The file handle supplied is not valid";
    case WSAEACCES:
        return "An attempt was made to access a socket in a way forbidden by its access permissions";
    case WSAEFAULT:
        return "The system detected an invalid pointer address in attempting to use a pointer argument in a call";
    case WSAEINVAL:
        return "An invalid argument was supplied";
    case WSAEMFILE:
        return "Too many open sockets";
    case WSAEWOULDBLOCK:
        return "A non-blocking socket operation could not be completed immediately";
    case WSAEINPROGRESS:
        return "A blocking operation is currently executing";
    case WSAEALREADY:
        return "An operation was attempted on a non-blocking socket that already had an operation in progress";
    case WSAENOTSOCK:
        return "An operation was attempted on something that is not a socket";
    case WSAEDESTADDRREQ:
        return "A required address was omitted from an operation on a socket";
    case WSAEMSGSIZE:
        return "A message sent on a datagram socket was larger than the internal message buffer or some other "
               "network limit, or the buffer used to receive a datagram into was smaller than the datagram itself";
    case WSAEPROTOTYPE:
        return "A protocol was specified in the socket function call that does not support the semantics of the "
               "socket type requested";
    case WSAENOPROTOOPT:
        return "An unknown, invalid, or unsupported option or level was specified in a getsockopt or setsockopt "
               "call";
    case WSAEPROTONOSUPPORT:
        return "The requested protocol has not been configured into the system, or no implementation for it exists";
    case WSAESOCKTNOSUPPORT:
        return "The support for the specified socket type does not exist in this address family";
    case WSAEOPNOTSUPP:
        return "The attempted operation is not supported for the type of object referenced";
    case WSAEPFNOSUPPORT:
        return "The protocol family has not been configured into the system or no implementation for it exists";
    case WSAEAFNOSUPPORT:
        return "An address incompatible with the requested protocol was used";
    case WSAEADDRINUSE:
        return "Only one usage of each socket address (protocol/network address/port) is normally permitted";
    case WSAEADDRNOTAVAIL:
        return "The requested address is not valid in its context";
    case WSAENETDOWN:
        return "A socket operation encountered a dead network";
    case WSAENETUNREACH:
        return "A socket operation was attempted to an unreachable network";
    case WSAENETRESET:
        return "The connection has been broken due to keep-alive activity detecting a failure while the operation "
               "was in progress";
    case WSAECONNABORTED:
        return "An established connection was aborted by the software in your host machine";
    case WSAECONNRESET:
        return "An existing connection was forcibly closed by the remote host";
    case WSAENOBUFS:
        return "An operation on a socket could not be performed because the system lacked sufficient buffer space "
               "or because a queue was full";
    case WSAEISCONN:
        return "A connect request was made on an already connected socket";
    case WSAENOTCONN:
        return "A request to send or receive data was disallowed because the socket is not connected and (when "
               "sending on a datagram socket using a sendto call) no address was supplied";
    case WSAESHUTDOWN:
        return "A request to send or receive data was disallowed because the socket had already been shut down in "
               "that direction with a previous shutdown call";
    case WSAETIMEDOUT:
        return "A connection attempt failed because the connected party did not properly respond after a period of "
               "time, or established connection failed because connected host has failed to respond";
    case WSAECONNREFUSED:
        return "No connection could be made because the target machine actively refused it";
    case WSAEHOSTDOWN:
        return "A socket operation failed because the destination host was down";
    case WSAEHOSTUNREACH:
        return "A socket operation was attempted to an unreachable host";
    case WSASYSNOTREADY:
        return "WSAStartup cannot function at this time because the underlying system it uses to provide network "
               "services is currently unavailable";
    case WSAVERNOTSUPPORTED:
        return "The Windows Sockets version requested is not supported";
    case WSANOTINITIALISED:
        return "Either the application has not called WSAStartup, or WSAStartup failed";
    case WSAHOST_NOT_FOUND:
        return "No such host is known";
    case WSATRY_AGAIN:
        return "This is usually a temporary error during hostname resolution and means that the local server did "
               "not receive a response from an authoritative server";
    case WSANO_RECOVERY:
        return "A non-recoverable error occurred during a database lookup";
    case WSANO_DATA:
        return "The requested name is valid, but no data of the requested type was found";
    default:
        return NULL;
    }
}

/* Drops trailing blanks, CR/LF and periods ("...supplied.\r\n" -> "...supplied"). */
static void strip_message_tail(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/*
 * The system's text for code, as UTF-8 (FormatMessageW then a conversion,
 * so the result does not depend on the ANSI code page). false when the
 * system has no text for it.
 */
static bool system_message(int code, char *out, size_t cap)
{
    wchar_t wide[512];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
                             NULL, (DWORD)code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), wide,
                             (DWORD)(sizeof wide / sizeof wide[0]), NULL);
    if (n == 0 || cap < 2)
        return false;
    int m =
        WideCharToMultiByte(CP_UTF8, 0, wide, (int)n, out, (int)(cap - 1 > INT_MAX ? INT_MAX : cap - 1), NULL, NULL);
    if (m <= 0)
        return false;
    out[m] = '\0';
    strip_message_tail(out);
    return out[0] != '\0';
}

char *btc_network_error_string(int code, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return buf;
    DWORD saved = GetLastError(); /* FormatMessage may change it; callers read it afterwards */
    char text[2048];              /* 511 UTF-16 units become at most 1533 bytes of UTF-8 */
    if (!system_message(code, text, sizeof text)) {
        const char *fallback = winsock_fallback_text(code);
        (void)snprintf(text, sizeof text, "%s", fallback != NULL ? fallback : "Unknown error");
    }
    (void)snprintf(buf, cap, "%s (%d)", text, code);
    SetLastError(saved);
    return buf;
}

/* ---- descriptors ---------------------------------------------------------- */

/* Closes s keeping the last error: used when a half-made socket must be thrown away. */
static void close_keep_error(SOCKET s)
{
    int saved = WSAGetLastError();
    (void)closesocket(s);
    WSASetLastError(saved);
}

/*
 * Clears HANDLE_FLAG_INHERIT (Windows' close-on-exec): a child process made
 * with bInheritHandles must not keep our connections open. Checked first, so
 * a socket created with WSA_FLAG_NO_HANDLE_INHERIT costs one call.
 */
static int make_uninheritable(SOCKET s)
{
    /* A SOCKET is a kernel handle on Windows; there is no other way to name it as one. */
    HANDLE h = (HANDLE)(uintptr_t)s; /* NOLINT(performance-no-int-to-ptr) */
    DWORD flags = 0;
    if (GetHandleInformation(h, &flags) && (flags & HANDLE_FLAG_INHERIT) == 0)
        return 0;
    if (SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0))
        return 0;
    WSASetLastError((int)GetLastError());
    return -1;
}

static int set_nonblocking(SOCKET s)
{
    u_long one = 1;
    return ioctlsocket(s, (long)FIONBIO, &one) == 0 ? 0 : -1;
}

/* A new non-inheritable socket, still in blocking mode. */
static SOCKET new_socket(int domain, int type, int protocol)
{
    if (winsock_ready() != 0)
        return INVALID_SOCKET;
    SOCKET s = WSASocketW(domain, type, protocol, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) {
        /* Windows before 7 SP1 refuses the flag: create, then clear the flag by hand. */
        s = WSASocketW(domain, type, protocol, NULL, 0, WSA_FLAG_OVERLAPPED);
    }
    if (s != INVALID_SOCKET && make_uninheritable(s) != 0) {
        close_keep_error(s);
        return INVALID_SOCKET;
    }
    return s;
}

/* The last step for every socket handed out: non-inheritable and non-blocking, or closed. */
static SOCKET finish_new_socket(SOCKET s)
{
    if (s == INVALID_SOCKET)
        return INVALID_SOCKET;
    if (make_uninheritable(s) != 0 || set_nonblocking(s) != 0) {
        close_keep_error(s);
        return INVALID_SOCKET;
    }
    return s;
}

static btc_socket_t win32_open(void *ctx, int domain, int type, int protocol)
{
    (void)ctx;
    return finish_new_socket(new_socket(domain, type, protocol));
}

static bool same_inet_address(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_family == b->sin_family && a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* How many strangers' connections a socket pair skips before it gives up. */
#define BTC__PAIR_ACCEPT_TRIES 8

/* An exclusive listener on 127.0.0.1 (an ephemeral port, written to *addr), or INVALID_SOCKET. */
static SOCKET loopback_listener(struct sockaddr_in *addr)
{
    SOCKET lst = new_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (lst == INVALID_SOCKET)
        return INVALID_SOCKET;
    /* Best effort: without it another process could bind the same port with SO_REUSEADDR. */
    int one = 1;
    (void)setsockopt(lst, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, (int)sizeof one);
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr->sin_port = 0;
    int len = (int)sizeof *addr;
    if (bind(lst, (const struct sockaddr *)addr, (int)sizeof *addr) != 0 || listen(lst, 4) != 0 ||
        getsockname(lst, (struct sockaddr *)addr, &len) != 0) {
        close_keep_error(lst);
        return INVALID_SOCKET;
    }
    return lst;
}

/*
 * A client connected to the listener at *to, its own address in *self, or
 * INVALID_SOCKET. The connect blocks: on loopback it completes as soon as
 * the listener queues it.
 */
static SOCKET loopback_client(const struct sockaddr_in *to, struct sockaddr_in *self)
{
    SOCKET cli = new_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (cli == INVALID_SOCKET)
        return INVALID_SOCKET;
    struct sockaddr_in peer;
    int self_len = (int)sizeof *self;
    int peer_len = (int)sizeof peer;
    if (connect(cli, (const struct sockaddr *)to, (int)sizeof *to) != 0 ||
        getsockname(cli, (struct sockaddr *)self, &self_len) != 0 ||
        getpeername(cli, (struct sockaddr *)&peer, &peer_len) != 0) {
        close_keep_error(cli);
        return INVALID_SOCKET;
    }
    if (!same_inet_address(&peer, to)) {
        (void)closesocket(cli);
        WSASetLastError(WSAECONNABORTED);
        return INVALID_SOCKET;
    }
    return cli;
}

/*
 * Accepts from lst until the connection whose peer is client (our own
 * client) turns up; a stranger's connection is closed. Our connection is
 * already queued, so the blocking accept returns at once.
 */
static SOCKET accept_our_client(SOCKET lst, const struct sockaddr_in *client)
{
    for (int tries = 0; tries < BTC__PAIR_ACCEPT_TRIES; tries++) {
        struct sockaddr_in peer;
        int len = (int)sizeof peer;
        SOCKET srv = accept(lst, (struct sockaddr *)&peer, &len);
        if (srv == INVALID_SOCKET)
            return INVALID_SOCKET;
        if (len == (int)sizeof peer && same_inet_address(&peer, client))
            return srv;
        (void)closesocket(srv); /* a stranger got in first */
    }
    WSASetLastError(WSAECONNABORTED);
    return INVALID_SOCKET;
}

/* Both ends: non-inheritable, non-blocking, TCP_NODELAY. 0, or -1 with both closed. */
static int finish_pair(SOCKET cli, SOCKET srv)
{
    int one = 1;
    if (make_uninheritable(cli) != 0 || make_uninheritable(srv) != 0 || set_nonblocking(cli) != 0 ||
        set_nonblocking(srv) != 0 ||
        setsockopt(cli, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, (int)sizeof one) != 0 ||
        setsockopt(srv, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, (int)sizeof one) != 0) {
        close_keep_error(cli);
        close_keep_error(srv);
        return -1;
    }
    return 0;
}

/*
 * A connected loopback TCP pair: listen on 127.0.0.1:0, connect, accept.
 * Another local process can connect to the short-lived listener too, so the
 * accepted socket is kept only if it really is our client's peer (its peer
 * address is the client's own address, and the client's peer is the
 * listener); anything else is closed and the next connection accepted. The
 * listener is exclusive (no SO_REUSEADDR socket may take its port) and is
 * closed before the pair is handed out. Both ends get TCP_NODELAY, so small
 * writes (lines, wake-up bytes) go out at once, as on an AF_UNIX pair.
 */
static int loopback_pair(SOCKET out[2])
{
    struct sockaddr_in lst_addr;
    struct sockaddr_in cli_addr;
    SOCKET lst = loopback_listener(&lst_addr);
    if (lst == INVALID_SOCKET)
        return -1;
    SOCKET cli = loopback_client(&lst_addr, &cli_addr);
    SOCKET srv = cli == INVALID_SOCKET ? INVALID_SOCKET : accept_our_client(lst, &cli_addr);
    close_keep_error(lst);
    if (srv == INVALID_SOCKET) {
        if (cli != INVALID_SOCKET)
            close_keep_error(cli);
        return -1;
    }
    if (finish_pair(cli, srv) != 0)
        return -1;
    out[0] = cli;
    out[1] = srv;
    return 0;
}

static int win32_socketpair(void *ctx, btc_socket_t out[2])
{
    (void)ctx;
    return loopback_pair(out);
}

static int win32_close(void *ctx, btc_socket_t s)
{
    (void)ctx;
    return closesocket(s) == 0 ? 0 : -1;
}

/* Winsock transfers take an int length; a larger request is a partial transfer. */
static int clamp_len(size_t len) { return len > (size_t)INT_MAX ? INT_MAX : (int)len; }

/*
 * Whether s is ready right now (a zero-timeout select): readable for a
 * receive, writable for a send; a pending error counts as ready, so the call
 * that follows reports it. 1 ready, 0 not ready, -1 failed (e.g. WSAENOTSOCK).
 */
static int ready_now(SOCKET s, bool for_send)
{
    fd_set io;
    fd_set ex;
    FD_ZERO(&io);
    FD_ZERO(&ex);
    FD_SET(s, &io);
    FD_SET(s, &ex);
    struct timeval zero = {0, 0};
    int n = select(0, for_send ? NULL : &io, for_send ? &io : NULL, &ex, &zero);
    if (n == SOCKET_ERROR)
        return -1;
    return n > 0 ? 1 : 0;
}

/*
 * The most one BTC_MSG_DONTWAIT send offers a socket that select() reported
 * writable. On a non-blocking socket any size would do; but the socket may
 * be in blocking mode (Windows cannot tell), and a blocking send returns only
 * once all of its bytes are buffered, so a large one would wait for the peer
 * to read. Writability promises some room, not how much. Windows buffers a
 * whole send while the socket is below its send-buffer limit (that is what
 * writable means there); Linux, under Wine, reports a TCP socket writable
 * only with a third of its send buffer free, several KiB with default sizes.
 * A 2 KiB chunk fits either way, so it does not block (a blocking socket
 * whose SO_SNDBUF was shrunk below that could still wait). The price: a
 * large send on a non-blocking socket takes one select and one send per
 * 2 KiB instead of one call; send_complete loops over the chunks itself.
 */
#define BTC__DONTWAIT_SEND_MAX 2048

/*
 * What a non-blocking call on a socket that is not ready says: WSAENOTCONN
 * for a stream socket that is not connected (never connected, listening, or
 * still connecting, as Windows itself reports it), else WSAEWOULDBLOCK.
 * select alone cannot tell these apart: an unconnected socket is simply
 * never ready. Costs two calls, and only on the path that goes on to wait.
 */
static void set_not_ready_error(SOCKET s)
{
    struct sockaddr_storage peer;
    int len = (int)sizeof peer;
    int type = 0;
    int type_len = (int)sizeof type;
    if (getpeername(s, (struct sockaddr *)&peer, &len) != 0 && WSAGetLastError() == WSAENOTCONN &&
        getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &type_len) == 0 && type == SOCK_STREAM) {
        WSASetLastError(WSAENOTCONN);
        return;
    }
    WSASetLastError(WSAEWOULDBLOCK);
}

/*
 * BTC_MSG_DONTWAIT emulation. Winsock has no such flag and a socket's
 * blocking mode cannot be queried, so before a call that must not block, a
 * zero-timeout select checks that it will not: readable for recv (data, end
 * of stream or an error is waiting; a peek and the read that follows it both
 * return at once, since data never leaves a socket except by our own read),
 * writable for send (and the send is kept small, see above). Not ready gives
 * the error a non-blocking socket would give (set_not_ready_error). Two
 * threads reading the same blocking socket could still race between the
 * select and the recv; btcsock does not support that on any platform.
 */
/* The emulation's check: 1 when the call may go ahead (BTC_MSG_DONTWAIT is taken out of *flags), -1 when not. */
static int dontwait_ready(SOCKET s, bool for_send, int *flags)
{
    if ((*flags & BTC_MSG_DONTWAIT) == 0)
        return 1;
    *flags &= ~BTC_MSG_DONTWAIT;
    int ready = ready_now(s, for_send);
    if (ready == 0)
        set_not_ready_error(s);
    return ready > 0 ? 1 : -1;
}

static btc_ssize_t win32_send(void *ctx, btc_socket_t s, const void *buf, size_t len, int flags)
{
    (void)ctx;
    int n = clamp_len(len);
    bool dontwait = (flags & BTC_MSG_DONTWAIT) != 0;
    if (dontwait_ready(s, true, &flags) < 0)
        return -1;
    if (dontwait && n > BTC__DONTWAIT_SEND_MAX)
        n = BTC__DONTWAIT_SEND_MAX;
    int r = send(s, (const char *)buf, n, flags);
    return r == SOCKET_ERROR ? -1 : (btc_ssize_t)r;
}

/* WSASend over the pieces; with BTC_MSG_DONTWAIT, at most BTC__DONTWAIT_SEND_MAX bytes of them (see above). */
static btc_ssize_t win32_sendv(void *ctx, btc_socket_t s, const btc_iovec *iov, size_t iovcnt, int flags)
{
    (void)ctx;
    if (iovcnt == 0 || iovcnt > BTC_IOV_BATCH) {
        WSASetLastError(WSAEINVAL);
        return -1;
    }
    size_t cap = (flags & BTC_MSG_DONTWAIT) != 0 ? BTC__DONTWAIT_SEND_MAX : (size_t)INT_MAX;
    if (dontwait_ready(s, true, &flags) < 0)
        return -1;
    WSABUF bufs[BTC_IOV_BATCH];
    DWORD count = 0;
    for (size_t i = 0; i < iovcnt && cap > 0; i++) {
        ULONG len = (ULONG)(iov[i].len < cap ? iov[i].len : cap);
        bufs[count].buf = (CHAR *)iov[i].base; /* WSABUF is not const-correct; WSASend only reads it */
        bufs[count].len = len;
        count++;
        cap -= len;
    }
    DWORD sent = 0;
    if (WSASend(s, bufs, count, &sent, (DWORD)flags, NULL, NULL) == SOCKET_ERROR)
        return -1;
    return (btc_ssize_t)sent;
}

static btc_ssize_t win32_recv(void *ctx, btc_socket_t s, void *buf, size_t len, int flags)
{
    (void)ctx;
    if (dontwait_ready(s, false, &flags) < 0)
        return -1;
    int r = recv(s, (char *)buf, clamp_len(len), flags);
    return r == SOCKET_ERROR ? -1 : (btc_ssize_t)r;
}

static int win32_shutdown(void *ctx, btc_socket_t s, int how)
{
    (void)ctx;
    int os_how = how == BTC_SHUT_RD ? SD_RECEIVE : how == BTC_SHUT_WR ? SD_SEND : SD_BOTH;
    return shutdown(s, os_how) == SOCKET_ERROR ? -1 : 0;
}

/* getaddrinfo from ws2tcpip.h; its errors are WSA* codes (getaddrinfo returns them and sets them). */
static int win32_resolve(void *ctx, const char *host, const char *service, btc_addr *out, size_t cap, size_t *count)
{
    (void)ctx;
    if (winsock_ready() != 0)
        return WSAGetLastError();
    return btc__addrinfo_resolve(host, service, out, cap, count, WSAHOST_NOT_FOUND);
}

char *btc__resolve_error_string(int code, char *buf, size_t cap) { return btc_network_error_string(code, buf, cap); }

static int win32_connect(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    (void)ctx;
    return connect(s, addr, len) == 0 ? 0 : -1;
}

static int win32_bind(void *ctx, btc_socket_t s, const struct sockaddr *addr, socklen_t len)
{
    (void)ctx;
    return bind(s, addr, len) == 0 ? 0 : -1;
}

static int win32_listen(void *ctx, btc_socket_t s, int backlog)
{
    (void)ctx;
    return listen(s, backlog) == 0 ? 0 : -1;
}

/* The accepted socket inherits the listener's mode; it is made non-blocking and non-inheritable explicitly. */
static btc_socket_t win32_accept(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    (void)ctx;
    return finish_new_socket(accept(s, addr, len));
}

static int win32_getsockopt(void *ctx, btc_socket_t s, int level, int name, void *val, socklen_t *len)
{
    (void)ctx;
    return getsockopt(s, level, name, (char *)val, len) == 0 ? 0 : -1;
}

static int win32_setsockopt(void *ctx, btc_socket_t s, int level, int name, const void *val, socklen_t len)
{
    (void)ctx;
    return setsockopt(s, level, name, (const char *)val, len) == 0 ? 0 : -1;
}

static int win32_getsockname(void *ctx, btc_socket_t s, struct sockaddr *addr, socklen_t *len)
{
    (void)ctx;
    return getsockname(s, addr, len) == 0 ? 0 : -1;
}

static int win32_set_non_blocking(void *ctx, btc_socket_t s)
{
    (void)ctx;
    return set_nonblocking(s);
}

static int win32_last_error(void *ctx)
{
    (void)ctx;
    return WSAGetLastError();
}

/* QueryPerformanceCounter: monotonic and sub-millisecond (GetTickCount64 moves in ~16 ms steps). */
static int64_t win32_now_ms(void *ctx)
{
    (void)ctx;
    LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (!QueryPerformanceFrequency(&freq) || freq.QuadPart <= 0 || !QueryPerformanceCounter(&now))
        return (int64_t)GetTickCount64(); /* never on XP and later; a monotonic clock all the same */
    int64_t f = freq.QuadPart;
    int64_t c = now.QuadPart;
    return (c / f) * 1000 + (c % f) * 1000 / f;
}

/* ---- readiness: the wait backend (sys_winselect.c) ------------------------ */

static int win32_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    return btc__backend_wait(ctx, items, count, wake, timeout_ms);
}

/* ---- wake descriptors for btc_interrupt ----------------------------------- */

/*
 * Windows has no eventfd or selectable pipe, so the wake descriptor is a
 * loopback TCP pair (the same as btc_make_socket_pair): select watches
 * wake_read, trigger sends one byte on wake_write. Both ends are
 * non-blocking, so a trigger never blocks; when the buffer is full the
 * socket is already readable and losing the byte loses nothing.
 */
int btc__wake_open(btc_socket_t *rd, btc_socket_t *wr)
{
    SOCKET pair[2];
    if (loopback_pair(pair) != 0) {
        int code = WSAGetLastError();
        return code != 0 ? code : WSAEINVAL;
    }
    *rd = pair[1];
    *wr = pair[0];
    return 0;
}

void btc__wake_signal(btc_socket_t wr)
{
    /* Leave both error variables as found: a trigger may run between a failed call and its error check. */
    int saved_errno = errno;
    DWORD saved = GetLastError();
    if (wr != INVALID_SOCKET) {
        char one = 1;
        (void)send(wr, &one, 1, 0);
    }
    SetLastError(saved);
    errno = saved_errno;
}

void btc__wake_drain(btc_socket_t rd)
{
    if (rd == INVALID_SOCKET)
        return;
    char sink[256];
    while (recv(rd, sink, (int)sizeof sink, 0) > 0) {
    }
}

void btc__wake_close(btc_socket_t rd, btc_socket_t wr)
{
    if (rd != INVALID_SOCKET)
        (void)closesocket(rd);
    if (wr != INVALID_SOCKET && wr != rd)
        (void)closesocket(wr);
}

/* ---- the table ---------------------------------------------------------- */

#define BTC__OS(slot) win32_##slot
BTC__DEFINE_DEFAULT_SYS()
