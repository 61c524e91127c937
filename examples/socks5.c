/* SPDX-License-Identifier: MIT */
/*
 * socks5.c - a SOCKS5 CONNECT client and stdin/stdout relay built on btcsock.
 *
 *   socks5 [OPTIONS] PROXY_HOST:PORT TARGET_HOST:PORT
 *
 * Connects to the proxy with a deadline, performs the RFC 1928 handshake
 * (with RFC 1929 user/password authentication when --user is given) and asks
 * for a CONNECT to the target; then it relays standard input to the tunnel
 * and the tunnel to standard output until the peer closes, or until standard
 * input has ended and the tunnel has been quiet for --quit-after ms.
 *
 * This is how Bitcoin Core reaches .onion peers through Tor's SOCKS port. The
 * connect is btc_sock_dial and the handshake btc_socks5_connect_bound, under
 * one deadline; the library reads every reply exactly, which matters: the
 * target may speak first, and its first bytes can arrive in the same segment
 * as the proxy's reply; they belong to the relay, not to the handshake.
 *
 * TARGET_HOST may be an IPv4 address, an IPv6 address in brackets, or a name
 * the proxy resolves (ATYP 3, as for .onion). PROXY_HOST is a numeric
 * address or localhost: socks5 itself never asks DNS.
 *
 *   printf 'PING\r\n' | socks5 --quit-after 300 127.0.0.1:1080 127.0.0.1:6379
 */
#define _POSIX_C_SOURCE 200809L

#include <btcsock.h>

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Exit statuses besides the btc_status values 0..12 (see usage()). */
#define EXIT_NOT_SOCKS5 20    /* bad version byte or malformed reply */
#define EXIT_REPLY_BASE 20    /* 21..28: the proxy's reply code 0x01..0x08 */
#define EXIT_REPLY_UNKNOWN 29 /* reply code 0x09..0xFF */
#define EXIT_NO_METHOD 30     /* method 0xFF: none of ours is acceptable */
#define EXIT_AUTH_FAILED 31   /* RFC 1929 status != 0 */
#define EXIT_USAGE 64
#define EXIT_NOHOST 68

#define DEFAULT_TIMEOUT_MS 5000
#define MAX_TIMEOUT_MS 86400000LL
#define RELAY_CHUNK 16384

typedef struct options {
    int64_t timeout_ms;
    int64_t quit_after_ms; /* BTC_TIMEOUT_INFINITE: wait for the peer to close */
    const char *user;
    const char *password;
    bool half_close;
    bool no_relay;
    bool verbose;
    const char *proxy;
    const char *target;
} options;

static const char *g_prog = "socks5";
static btc_interrupt g_stop; /* SIGINT/SIGTERM trigger it */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s [OPTIONS] PROXY_HOST:PORT TARGET_HOST:PORT\n"
            "\n"
            "Opens a SOCKS5 (RFC 1928) CONNECT tunnel through the proxy to the target and\n"
            "relays standard input to it and its output to standard output.\n"
            "PROXY_HOST: numeric IPv4, [IPv6] or localhost (no DNS lookups here).\n"
            "TARGET_HOST: IPv4, [IPv6], or a name the proxy resolves (up to 255 bytes).\n"
            "\n"
            "options:\n"
            "  -t, --timeout MS      deadline for connecting to the proxy and for the whole\n"
            "                        handshake, and for each send while relaying (default %d)\n"
            "  -U, --user NAME       authenticate with user/password (RFC 1929), 1..255 bytes\n"
            "  -P, --password PASS   the password (1..255 bytes); default: $SOCKS5_PASSWORD\n"
            "  -q, --quit-after MS   once standard input has ended, exit when the tunnel has\n"
            "                        been quiet for MS ms (default: wait until the peer closes)\n"
            "  -H, --half-close      shut down the sending side of the tunnel when standard\n"
            "                        input ends (like nc -N); many proxies then close at once\n"
            "  -n, --no-relay        stop after the handshake: print the proxy's bound address\n"
            "  -v, --verbose         handshake steps and btcsock's own log on stderr\n"
            "  -h, --help            this text\n"
            "\n"
            "exit status:\n"
            "   0  the tunnel was opened and the relay ended normally\n"
            "   1..12  the btc_status of a failed socket operation, e.g. 5 BTC_ERR_TIMEOUT\n"
            "      (the proxy did not answer in time), 6 BTC_ERR_INTERRUPTED (signal),\n"
            "      7 BTC_ERR_CLOSED (the proxy hung up mid-handshake), 11 BTC_ERR_IO (e.g.\n"
            "      connection refused by the proxy)\n"
            "  20  the proxy is not a SOCKS5 server (bad version byte, malformed reply)\n"
            "  21..28  the proxy refused the CONNECT: 20 + its reply code\n"
            "      21 general failure   22 not allowed by ruleset   23 network unreachable\n"
            "      24 host unreachable  25 connection refused       26 TTL expired\n"
            "      27 command not supported   28 address type not supported\n"
            "  29  an unassigned reply code\n"
            "  30  the proxy accepts none of our authentication methods (0xFF)\n"
            "  31  user/password authentication failed\n"
            "  64  bad option or value          68  PROXY_HOST not numeric or localhost\n",
            g_prog, DEFAULT_TIMEOUT_MS);
}

BTC_PRINTF(1, 2) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", g_prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n%s: try '%s --help'\n", g_prog, g_prog);
    va_end(ap);
    return EXIT_USAGE;
}

BTC_PRINTF(2, 3) static int fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", g_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

/* Status name, message and byte count of a failed btcsock call; returns the status as exit code. */
static int report(const char *what, const btc_error *err)
{
    return fail((int)err->status, "%s: %s (%s): %s; %zu bytes transferred", what, btc_status_name(err->status),
                btc_status_message(err->status), err->message[0] != '\0' ? err->message : "-", err->bytes);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t left_ms(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    return left > 0 ? left : 0;
}

static bool parse_int(const char *text, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    if (text == NULL || *text == '\0' || *text == ' ' || *text == '+')
        return false;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static void on_signal(int sig)
{
    (void)sig;
    btc_interrupt_trigger(&g_stop);
}

static void log_to_stderr(void *ctx, btc_log_level level, const char *message)
{
    (void)ctx;
    static const char *const names[] = {"trace", "debug", "warn"};
    fprintf(stderr, "%s: [btcsock %s] %s\n", g_prog, names[level <= BTC_LOG_WARN ? level : BTC_LOG_WARN], message);
}

/* ---- options ---------------------------------------------------------------- */

static bool match_opt(char **argv, int argc, int *i, const char *lng, const char *shrt, bool takes_value,
                      const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(lng);
    if (takes_value && strncmp(arg, lng, n) == 0 && arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    if (strcmp(arg, lng) != 0 && strcmp(arg, shrt) != 0)
        return false;
    if (takes_value)
        *value = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

static int parse_options(int argc, char **argv, options *o)
{
    long long v;
    int i = 1;
    for (; i < argc; i++) {
        const char *val = NULL;
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (match_opt(argv, argc, &i, "--help", "-h", false, &val)) {
            usage(stdout);
            exit(0);
        } else if (match_opt(argv, argc, &i, "--timeout", "-t", true, &val)) {
            if (!parse_int(val, 1, MAX_TIMEOUT_MS, &v))
                return usage_error("--timeout wants milliseconds from 1 to %lld, not '%s'", MAX_TIMEOUT_MS,
                                   val ? val : "(missing)");
            o->timeout_ms = v;
        } else if (match_opt(argv, argc, &i, "--quit-after", "-q", true, &val)) {
            if (!parse_int(val, 0, MAX_TIMEOUT_MS, &v))
                return usage_error("--quit-after wants milliseconds from 0 to %lld, not '%s'", MAX_TIMEOUT_MS,
                                   val ? val : "(missing)");
            o->quit_after_ms = v;
        } else if (match_opt(argv, argc, &i, "--user", "-U", true, &val)) {
            if (val == NULL || strlen(val) < 1 || strlen(val) > 255)
                return usage_error("--user wants a name of 1 to 255 bytes (RFC 1929)");
            o->user = val;
        } else if (match_opt(argv, argc, &i, "--password", "-P", true, &val)) {
            if (val == NULL || strlen(val) < 1 || strlen(val) > 255)
                return usage_error("--password wants 1 to 255 bytes (RFC 1929)");
            o->password = val;
        } else if (match_opt(argv, argc, &i, "--half-close", "-H", false, &val)) {
            o->half_close = true;
        } else if (match_opt(argv, argc, &i, "--no-relay", "-n", false, &val)) {
            o->no_relay = true;
        } else if (match_opt(argv, argc, &i, "--verbose", "-v", false, &val)) {
            o->verbose = true;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (argc - i != 2)
        return usage_error("want PROXY_HOST:PORT and TARGET_HOST:PORT, got %d argument%s", argc - i,
                           argc - i == 1 ? "" : "s");
    o->proxy = argv[i];
    o->target = argv[i + 1];
    if (o->user != NULL && o->password == NULL) {
        o->password = getenv("SOCKS5_PASSWORD");
        if (o->password == NULL || strlen(o->password) < 1 || strlen(o->password) > 255)
            return usage_error("--user needs --password or $SOCKS5_PASSWORD (1 to 255 bytes)");
    }
    if (o->password != NULL && o->user == NULL)
        return usage_error("--password without --user");
    return 0;
}

/* "HOST:PORT" or "[V6]:PORT" into host and port. */
static bool split_target(const char *target, char *host, size_t host_cap, uint16_t *port)
{
    const char *colon;
    const char *h = target;
    size_t hlen;
    if (target[0] == '[') {
        const char *close = strchr(target, ']');
        if (close == NULL || close[1] != ':')
            return false;
        h = target + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(target, ':');
        if (colon == NULL || memchr(target, ':', (size_t)(colon - target)) != NULL)
            return false;
        hlen = (size_t)(colon - target);
    }
    long long v;
    if (hlen == 0 || hlen >= host_cap || !parse_int(colon + 1, 1, 65535, &v))
        return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)v;
    return true;
}

/* ---- connecting to the proxy ---------------------------------------------------- */

/* A numeric IPv4/IPv6 address (digits, hex, dots and colons) or localhost: nothing that would ask a name server. */
static bool numeric_or_localhost(const char *host)
{
    if (strcmp(host, "localhost") == 0)
        return true;
    return strspn(host, "0123456789abcdefABCDEF.:") == strlen(host);
}

/* btc_sock_dial: every address of the proxy host in turn, within the deadline. */
static int connect_proxy(const options *o, btc_sock *s, int64_t deadline)
{
    char host[256];
    uint16_t port;
    char port_text[8];
    if (!split_target(o->proxy, host, sizeof host, &port))
        return usage_error("proxy '%s' is not HOST:PORT (port 1..65535; IPv6 as [ADDR]:PORT)", o->proxy);
    if (!numeric_or_localhost(host))
        return fail(EXIT_NOHOST, "proxy host '%s' is not a numeric address or localhost", host);
    snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
    btc_error err;
    btc_status st = btc_sock_dial(s, host, port_text, left_ms(deadline), &g_stop, &err);
    if (st == BTC_ERR_RESOLVE)
        return fail(EXIT_NOHOST, "proxy host '%s' is not a numeric address or localhost (%s)", host, err.message);
    if (st != BTC_OK) {
        char what[300];
        snprintf(what, sizeof what, "connect to proxy %s", o->proxy);
        return report(what, &err);
    }
    if (o->verbose)
        fprintf(stderr, "%s: connected to the proxy %s\n", g_prog, o->proxy);
    return 0;
}

/* ---- the handshake -------------------------------------------------------------------- */

/*
 * The exit status of a BTC_ERR_PROXY: 20 + the reply code for a refusal, 29
 * for an unassigned one; for a violation (code 0) the library's message says
 * which: no acceptable method (30), failed authentication (31), else 20.
 */
static int proxy_exit(const btc_error *err)
{
    if (err->code >= 1 && err->code <= 8)
        return EXIT_REPLY_BASE + err->code;
    if (err->code != 0)
        return EXIT_REPLY_UNKNOWN;
    if (strstr(err->message, "no acceptable authentication method") != NULL)
        return EXIT_NO_METHOD;
    if (strstr(err->message, "authentication failed") != NULL)
        return EXIT_AUTH_FAILED;
    return EXIT_NOT_SOCKS5;
}

/*
 * RFC 1928 (and 1929) through btc_socks5_connect_bound: every reply is read
 * exactly, so on success the socket is positioned at the first byte from the
 * target.
 */
static int handshake(const options *o, const btc_sock *s, const char *host, uint16_t port, int64_t deadline)
{
    btc_socks5_auth auth = {o->user, o->password};
    btc_socks5_bound bound;
    btc_error err;
    btc_status st = btc_socks5_connect_bound(s, host, port, o->user != NULL ? &auth : NULL, left_ms(deadline), &g_stop,
                                             &bound, &err);
    if (st == BTC_ERR_PROXY) {
        int code = proxy_exit(&err);
        if (code == EXIT_NO_METHOD)
            return fail(code, "the proxy accepts none of our authentication methods (0xFF): we offered %s",
                        o->user != NULL ? "no authentication and user/password (0x00, 0x02)"
                                        : "no authentication (0x00); it may require --user/--password");
        if (err.code != 0)
            return fail(code, "the proxy could not connect to %s: reply 0x%02x, %s", o->target, (unsigned)err.code,
                        btc_socks5_reply_message(err.code));
        return fail(code, "%s", err.message);
    }
    if (st != BTC_OK)
        return report("SOCKS5 handshake", &err);
    if (o->verbose || o->no_relay) {
        char text[300];
        if (bound.atyp == 1)
            inet_ntop(AF_INET, bound.addr, text, sizeof text);
        else if (bound.atyp == 4)
            inet_ntop(AF_INET6, bound.addr, text, sizeof text);
        else
            snprintf(text, sizeof text, "%.*s", (int)bound.len, (const char *)bound.addr);
        fprintf(o->no_relay ? stdout : stderr, "%s%stunnel to %s open; the proxy bound %s port %u\n",
                o->no_relay ? "" : g_prog, o->no_relay ? "" : ": ", o->target, text, (unsigned)bound.port);
    }
    return 0;
}

/* ---- the relay ------------------------------------------------------------------------ */

static bool write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        len -= (size_t)w;
    }
    return true;
}

/*
 * Both directions with one btc_wait_many: the tunnel and standard input.
 * A btc_sock is only a descriptor plus a table, and the default table's wait
 * is poll()/select(), which accept a pipe, a file or a terminal as well, so
 * standard input is wrapped in a btc_sock that is released, never closed.
 */
static int relay(const options *o, const btc_sock *tunnel)
{
    btc_sock in_view;
    btc_sock_from_fd(&in_view, STDIN_FILENO);
    btc_wait_item items[2] = {{tunnel, BTC_EV_RECV, 0}, {&in_view, BTC_EV_RECV, 0}};
    bool stdin_open = true;
    uint8_t buf[RELAY_CHUNK];
    btc_error err;
    int rc = 0;

    for (;;) {
        int64_t timeout = stdin_open ? BTC_TIMEOUT_INFINITE : o->quit_after_ms;
        btc_status st = btc_wait_many(items, stdin_open ? 2 : 1, timeout, &g_stop, &err);
        if (st == BTC_ERR_TIMEOUT) {
            if (o->verbose)
                fprintf(stderr, "%s: input ended and the tunnel was quiet for %lld ms\n", g_prog,
                        (long long)o->quit_after_ms);
            break;
        }
        if (st != BTC_OK) {
            rc = report("waiting in the relay", &err);
            break;
        }
        if (items[0].occurred != 0) {
            size_t got = 0;
            st = btc_sock_recv(tunnel, buf, sizeof buf, 0, &got, &err);
            if (st == BTC_ERR_CLOSED) {
                if (o->verbose)
                    fprintf(stderr, "%s: the peer closed the tunnel\n", g_prog);
                break;
            }
            if (st == BTC_OK && !write_all(STDOUT_FILENO, buf, got)) {
                rc = fail(BTC_ERR_IO, "writing standard output: %s", strerror(errno));
                break;
            }
            if (st != BTC_OK && st != BTC_ERR_WOULD_BLOCK) {
                rc = report("receiving from the tunnel", &err);
                break;
            }
        }
        if (stdin_open && items[1].occurred != 0) {
            ssize_t got = read(STDIN_FILENO, buf, sizeof buf);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got < 0) {
                rc = fail(BTC_ERR_IO, "reading standard input: %s", strerror(errno));
                break;
            }
            if (got == 0) {
                stdin_open = false;
                if (o->half_close)
                    (void)btc_sock_shutdown(tunnel, BTC_SHUT_WR, NULL);
                if (o->quit_after_ms == 0)
                    break;
                continue;
            }
            if (btc_sock_send_complete(tunnel, buf, (size_t)got, o->timeout_ms, &g_stop, &err) != BTC_OK) {
                rc = report("sending into the tunnel", &err);
                break;
            }
        }
    }
    (void)btc_sock_release(&in_view); /* standard input is not ours to close */
    return rc;
}

int main(int argc, char **argv)
{
    options o = {DEFAULT_TIMEOUT_MS, BTC_TIMEOUT_INFINITE, NULL, NULL, false, false, false, NULL, NULL};
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.verbose)
        btc_set_log_handler(log_to_stderr, NULL, BTC_LOG_DEBUG);

    btc_error err;
    if (btc_interrupt_init(&g_stop, &err) != BTC_OK)
        return report("btc_interrupt_init", &err);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is an error we report, not a silent death */

    /* The target is checked before anything is connected (brackets are for IPv6 only). */
    char host[256];
    uint16_t port;
    if (!split_target(o.target, host, sizeof host, &port) || (o.target[0] == '[' && strchr(host, ':') == NULL)) {
        btc_interrupt_destroy(&g_stop);
        return usage_error("target '%s' is not HOST:PORT (port 1..65535; IPv6 as [ADDR]:PORT)", o.target);
    }

    btc_sock s = BTC_SOCK_INIT;
    int64_t deadline = now_ms() + o.timeout_ms; /* one deadline for connect + handshake */
    rc = connect_proxy(&o, &s, deadline);
    if (rc == 0)
        rc = handshake(&o, &s, host, port, deadline);
    if (rc == 0 && !o.no_relay)
        rc = relay(&o, &s);
    (void)btc_sock_reset(&s, NULL);
    btc_interrupt_destroy(&g_stop);
    return rc;
}
