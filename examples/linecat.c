/* SPDX-License-Identifier: MIT */
/*
 * linecat.c - a small hardened line client built on btcsock.
 *
 *   linecat [OPTIONS] HOST:PORT [LINE...]
 *
 * Connects to HOST:PORT within one deadline (btc_sock_dial: every address of
 * the host in turn), then for every LINE argument (or, with none, every
 * line of standard input) sends the line plus its line ending with
 * btc_sock_send_complete and prints the reply lines read with
 * btc_sock_recv_until_terminator: one line per request by default, N with
 * --lines, or every line up to the first that starts with an --until prefix
 * (multi-line replies such as Tor's "250-...", "250 OK").
 *
 * It is the kind of client Bitcoin Core writes for the I2P SAM bridge and the
 * Tor control port, and it shows what to do when a peer misbehaves: every
 * error names the btc_status, the library's message and how many bytes were
 * consumed, and the exit status is the btc_status value (see --help).
 *
 * Try it against real peers (tests/integration/run.sh does):
 *   linecat 127.0.0.1:7656 'HELLO VERSION MIN=3.1 MAX=3.1'          # i2pd SAM
 *   linecat --crlf --until '250 ' 127.0.0.1:9051 'PROTOCOLINFO 1'     # tor
 *   printf 'PING\nINCR n\n' | linecat --crlf '[::1]:6379'            # redis
 *
 * HOST is a numeric IPv4 or IPv6 address or "localhost": linecat never asks
 * DNS, so it cannot be tricked into talking to a name you did not mean.
 */
#define _POSIX_C_SOURCE 200809L

#include <btcsock.h>

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
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

/* Exit statuses besides the btc_status values 0..12. sysexits.h spells them. */
#define EXIT_USAGE 64  /* EX_USAGE: a bad option or value */
#define EXIT_NOHOST 68 /* EX_NOHOST: HOST is not numeric or localhost */

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_MAX_LINE 65536 /* what Core passes for SAM replies */
#define MAX_TIMEOUT_MS 86400000LL
#define MAX_MAX_LINE (64LL * 1024 * 1024)
#define MAX_UNTIL 8

typedef struct options {
    int64_t timeout_ms;
    size_t max_line;
    unsigned char terminator;
    bool crlf;
    const char *until[MAX_UNTIL];
    size_t until_count;
    long lines; /* reply lines per request when there is no --until */
    bool skip_long;
    bool verbose;
    const char *target;
    char **requests; /* the LINE arguments, or NULL for stdin */
    int request_count;
} options;

static const char *g_prog = "linecat";
static btc_interrupt g_stop; /* SIGINT/SIGTERM trigger it: every wait ends at once */

/* ---- help ----------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s [OPTIONS] HOST:PORT [LINE...]\n"
            "\n"
            "Sends each LINE (or, with none, each non-empty line of standard input) to\n"
            "HOST:PORT and prints the reply lines. HOST is a numeric IPv4 address, an\n"
            "IPv6 address in brackets ([::1]:6379) or localhost; there are no DNS lookups.\n"
            "\n"
            "options:\n"
            "  -t, --timeout MS        deadline for the connect, for each send and for each\n"
            "                          reply line (default %d; 1..%lld)\n"
            "  -m, --max-line BYTES    max_data for each reply line, terminator included, so a\n"
            "                          line may hold BYTES-1 bytes (default %d; 1..%lld)\n"
            "  -T, --terminator CHAR   the line terminator to read up to and to append when\n"
            "                          sending: one byte, or \\n \\r \\t \\0 \\\\ \\xHH (default \\n)\n"
            "  -c, --crlf              CRLF protocol (Tor control, Redis, SMTP): send \"\\r\\n\",\n"
            "                          read up to \\n and strip the \\r before printing/matching\n"
            "  -n, --lines N           read N reply lines per request (default 1; 0 = send only;\n"
            "                          ignored when --until is given)\n"
            "  -u, --until PREFIX      read reply lines until one starts with PREFIX (that line\n"
            "                          is printed too); may be given up to %d times, any matches.\n"
            "                          Tor: --until '250 ' --until '5'\n"
            "  -s, --skip-long         a reply line longer than --max-line is discarded up to its\n"
            "                          terminator and linecat goes on (the exit status is still 8)\n"
            "  -v, --verbose           log btcsock's own messages to stderr\n"
            "  -h, --help              this text\n"
            "\n"
            "A reply line longer than --max-line: the bytes consumed so far are reported (count\n"
            "and the start of them); the rest of the line is still unread in the socket, so the\n"
            "stream is out of step with the protocol. Without --skip-long linecat stops there\n"
            "and closes the connection; with it, linecat reads and discards the rest of the\n"
            "line, says how long the line was, and carries on with the next reply.\n"
            "\n"
            "exit status (the btc_status of the operation that failed):\n"
            "   0  every request was sent and its replies read\n"
            "   1  BTC_ERR_INVALID_ARGUMENT   5  BTC_ERR_TIMEOUT (connect, send or reply)\n"
            "   6  BTC_ERR_INTERRUPTED (SIGINT/SIGTERM)\n"
            "   7  BTC_ERR_CLOSED (the peer hung up before a terminator)\n"
            "   8  BTC_ERR_TOO_LARGE (a reply line longer than --max-line)\n"
            "   9  BTC_ERR_PROTOCOL   10 BTC_ERR_INVALID_UTF8   12 BTC_ERR_NO_MEMORY\n"
            "  11  BTC_ERR_IO (e.g. connection refused; the OS error is printed)\n"
            "  64  bad option, value or HOST:PORT, or a LINE containing the terminator\n"
            "  68  HOST not numeric or localhost\n"
            "Errors print the status name, the library's message and the bytes consumed.\n",
            g_prog, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, DEFAULT_MAX_LINE, MAX_MAX_LINE, MAX_UNTIL);
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

/* ---- small helpers -------------------------------------------------------- */

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

/* Strictly parses a decimal integer in [lo, hi]: no sign tricks, no trailing junk. */
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

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One byte, or one of the escapes \n \r \t \0 \\ \xHH. */
static bool parse_terminator(const char *text, unsigned char *out)
{
    size_t n = strlen(text);
    if (n == 1) {
        *out = (unsigned char)text[0];
        return true;
    }
    if (n == 2 && text[0] == '\\') {
        switch (text[1]) {
        case 'n':
            *out = '\n';
            return true;
        case 'r':
            *out = '\r';
            return true;
        case 't':
            *out = '\t';
            return true;
        case '0':
            *out = '\0';
            return true;
        case '\\':
            *out = '\\';
            return true;
        default:
            return false;
        }
    }
    if (n == 4 && text[0] == '\\' && text[1] == 'x' && hex_digit(text[2]) >= 0 && hex_digit(text[3]) >= 0) {
        *out = (unsigned char)(hex_digit(text[2]) * 16 + hex_digit(text[3]));
        return true;
    }
    return false;
}

/* Prints up to 60 bytes of data, escaping anything unprintable. */
static void print_preview(FILE *out, const char *data, size_t len)
{
    size_t shown = len < 60 ? len : 60;
    fputc('"', out);
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c == '\n')
            fputs("\\n", out);
        else
            fprintf(out, "\\x%02x", c);
    }
    fputc('"', out);
    if (shown < len)
        fputs("...", out);
}

/*
 * The one format for every failure: what we were doing, the status name, the
 * library's message and the byte count ("sent" or "consumed"). Returns the
 * exit status, which is the status value.
 */
static int report(const char *what, const char *bytes_verb, const btc_error *err)
{
    fprintf(stderr, "%s: %s: %s (%s): %s; %zu bytes %s\n", g_prog, what, btc_status_name(err->status),
            btc_status_message(err->status), err->message[0] != '\0' ? err->message : "-", err->bytes, bytes_verb);
    return (int)err->status;
}

static void on_signal(int sig)
{
    (void)sig;
    btc_interrupt_trigger(&g_stop); /* async-signal-safe by contract */
}

static void log_to_stderr(void *ctx, btc_log_level level, const char *message)
{
    (void)ctx;
    static const char *const names[] = {"trace", "debug", "warn"};
    fprintf(stderr, "%s: [btcsock %s] %s\n", g_prog, names[level <= BTC_LOG_WARN ? level : BTC_LOG_WARN], message);
}

/* ---- options --------------------------------------------------------------- */

/*
 * Matches argv[*i] against a long and a short name. An option that takes a
 * value accepts "--name VALUE", "--name=VALUE" and "-x VALUE"; *value is set
 * (NULL when the value is missing).
 */
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
    bool terminator_set = false;
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
        } else if (match_opt(argv, argc, &i, "--max-line", "-m", true, &val)) {
            if (!parse_int(val, 1, MAX_MAX_LINE, &v))
                return usage_error("--max-line wants bytes from 1 to %lld, not '%s'", MAX_MAX_LINE,
                                   val ? val : "(missing)");
            o->max_line = (size_t)v;
        } else if (match_opt(argv, argc, &i, "--terminator", "-T", true, &val)) {
            if (val == NULL || !parse_terminator(val, &o->terminator))
                return usage_error("--terminator wants one byte or \\n \\r \\t \\0 \\\\ \\xHH, not '%s'",
                                   val ? val : "(missing)");
            terminator_set = true;
        } else if (match_opt(argv, argc, &i, "--crlf", "-c", false, &val)) {
            o->crlf = true;
        } else if (match_opt(argv, argc, &i, "--lines", "-n", true, &val)) {
            if (!parse_int(val, 0, 1000000, &v))
                return usage_error("--lines wants a count from 0 to 1000000, not '%s'", val ? val : "(missing)");
            o->lines = (long)v;
        } else if (match_opt(argv, argc, &i, "--until", "-u", true, &val)) {
            if (val == NULL || *val == '\0')
                return usage_error("--until wants a non-empty PREFIX");
            if (o->until_count == MAX_UNTIL)
                return usage_error("--until may be given at most %d times", MAX_UNTIL);
            o->until[o->until_count++] = val;
        } else if (match_opt(argv, argc, &i, "--skip-long", "-s", false, &val)) {
            o->skip_long = true;
        } else if (match_opt(argv, argc, &i, "--verbose", "-v", false, &val)) {
            o->verbose = true;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (o->crlf && terminator_set && o->terminator != '\n')
        return usage_error("--crlf reads lines ending in \\n; it cannot be combined with another --terminator");
    if (o->crlf)
        o->terminator = '\n';
    if (i >= argc)
        return usage_error("missing HOST:PORT");
    o->target = argv[i++];
    o->requests = i < argc ? argv + i : NULL;
    o->request_count = argc - i;
    return 0;
}

/* ---- connecting ------------------------------------------------------------- */

/* Splits "HOST:PORT" or "[V6]:PORT" into host and port; false when malformed. */
static bool split_target(const char *target, char *host, size_t host_cap, char *port, size_t port_cap)
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
            return false; /* an IPv6 address needs brackets */
        hlen = (size_t)(colon - target);
    }
    long long v;
    if (hlen == 0 || hlen >= host_cap || !parse_int(colon + 1, 1, 65535, &v) || strlen(colon + 1) >= port_cap)
        return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    snprintf(port, port_cap, "%lld", v);
    return true;
}

/* A numeric IPv4/IPv6 address (digits, hex, dots and colons) or localhost: nothing that would ask a name server. */
static bool numeric_or_localhost(const char *host)
{
    if (strcmp(host, "localhost") == 0)
        return true;
    return strspn(host, "0123456789abcdefABCDEF.:") == strlen(host);
}

/*
 * Resolves and connects within one deadline: btc_sock_dial tries every
 * address of the target in turn. The exit status on failure.
 */
static int connect_target(const options *o, btc_sock *s)
{
    char host[256];
    char port[8];
    if (!split_target(o->target, host, sizeof host, port, sizeof port))
        return usage_error("'%s' is not HOST:PORT (port 1..65535; IPv6 as [ADDR]:PORT)", o->target);
    if (!numeric_or_localhost(host)) {
        fprintf(stderr, "%s: '%s' is not a numeric address or localhost\n", g_prog, host);
        return EXIT_NOHOST;
    }
    btc_error err;
    btc_status st = btc_sock_dial(s, host, port, o->timeout_ms, &g_stop, &err);
    if (st == BTC_ERR_RESOLVE) {
        fprintf(stderr, "%s: '%s' is not a numeric address or localhost (%s)\n", g_prog, host, err.message);
        return EXIT_NOHOST;
    }
    if (st == BTC_OK) {
        if (o->verbose)
            fprintf(stderr, "%s: connected to %s\n", g_prog, o->target);
        return 0;
    }
    char what[300];
    snprintf(what, sizeof what, "connect to %s", o->target);
    return report(what, "consumed", &err);
}

/* ---- requests and replies ---------------------------------------------------- */

typedef struct session {
    const options *o;
    btc_sock *s;
    char *buf; /* o->max_line bytes */
    char *out; /* the request plus its line ending */
    size_t out_cap;
    bool lost_lines; /* a line was skipped with --skip-long */
} session;

static bool starts_with_any(const options *o, const char *line, size_t len)
{
    for (size_t i = 0; i < o->until_count; i++) {
        size_t n = strlen(o->until[i]);
        if (n <= len && memcmp(line, o->until[i], n) == 0)
            return true;
    }
    return false;
}

/*
 * The request and its line ending go out in one buffer with one
 * send_complete: i2pd's SAM bridge parses each read() on its own, so a
 * command split over two writes can be misread there.
 */
static int send_request(session *ss, const char *line, size_t len, long number)
{
    size_t ending = ss->o->crlf ? 2 : 1;
    if (memchr(line, ss->o->terminator, len) != NULL) {
        /* It would go out as two requests, and the replies would be miscounted. */
        fprintf(stderr, "%s: request %ld contains the line terminator; refusing to send it\n", g_prog, number);
        return EXIT_USAGE;
    }
    if (len + ending > ss->out_cap) {
        char *bigger = realloc(ss->out, len + ending);
        if (bigger == NULL) {
            fprintf(stderr, "%s: out of memory for a request of %zu bytes\n", g_prog, len);
            return BTC_ERR_NO_MEMORY;
        }
        ss->out = bigger;
        ss->out_cap = len + ending;
    }
    memcpy(ss->out, line, len);
    if (ss->o->crlf) {
        ss->out[len] = '\r';
        ss->out[len + 1] = '\n';
    } else {
        ss->out[len] = (char)ss->o->terminator;
    }
    btc_error err;
    if (btc_sock_send_complete(ss->s, ss->out, len + ending, ss->o->timeout_ms, &g_stop, &err) != BTC_OK) {
        char what[64];
        snprintf(what, sizeof what, "send of request %ld", number);
        return report(what, "sent", &err);
    }
    return 0;
}

/*
 * A reply line did not fit in --max-line. Its first max_line bytes are in
 * buf; the rest is still in the socket. Reads and discards it up to the
 * terminator, within one --timeout.
 */
static int skip_rest_of_line(session *ss, size_t consumed, long number)
{
    int64_t deadline = now_ms() + ss->o->timeout_ms;
    size_t total = consumed; /* the start was reported already, so the buffer is free for the rest */
    for (;;) {
        size_t len = 0;
        btc_error err;
        btc_status st = btc_sock_recv_until_terminator(ss->s, ss->o->terminator, left_ms(deadline), &g_stop,
                                                       ss->o->max_line, ss->buf, &len, 0, &err);
        total += err.bytes;
        if (st == BTC_OK) {
            fprintf(stderr,
                    "%s: reply %ld: skipped a line of %zu bytes (terminator included), longer than "
                    "--max-line %zu\n",
                    g_prog, number, total, ss->o->max_line);
            ss->lost_lines = true;
            return 0;
        }
        if (st != BTC_ERR_TOO_LARGE) {
            char what[96];
            snprintf(what, sizeof what, "skipping the rest of over-long reply %ld (%zu bytes so far)", number, total);
            return report(what, "consumed", &err);
        }
    }
}

/* Reads the reply lines for one request. */
static int read_replies(session *ss, long number)
{
    const options *o = ss->o;
    long wanted = o->until_count > 0 ? -1 : o->lines;
    for (long got = 0; wanted < 0 || got < wanted; got++) {
        size_t len = 0;
        btc_error err;
        btc_status st = btc_sock_recv_until_terminator(ss->s, o->terminator, o->timeout_ms, &g_stop, o->max_line,
                                                       ss->buf, &len, 0, &err);
        if (st == BTC_ERR_TOO_LARGE) {
            char what[64];
            snprintf(what, sizeof what, "reply %ld", number);
            report(what, "consumed", &err);
            fprintf(stderr, "%s: reply %ld: the %zu bytes consumed start with ", g_prog, number, len);
            print_preview(stderr, ss->buf, len);
            fputc('\n', stderr);
            if (!o->skip_long) {
                fprintf(stderr,
                        "%s: the rest of that line is still unread, so the stream is out of step; "
                        "closing the connection (--skip-long discards it and goes on)\n",
                        g_prog);
                return BTC_ERR_TOO_LARGE;
            }
            bool last = starts_with_any(o, ss->buf, len);
            int rc = skip_rest_of_line(ss, len, number);
            if (rc != 0)
                return rc;
            if (last)
                return 0;
            continue;
        }
        if (st != BTC_OK) {
            char what[64];
            snprintf(what, sizeof what, "reply %ld", number);
            int rc = report(what, "consumed", &err);
            if (len > 0) {
                fprintf(stderr, "%s: reply %ld: the %zu bytes consumed before that: ", g_prog, number, len);
                print_preview(stderr, ss->buf, len);
                fputc('\n', stderr);
            }
            return rc;
        }
        if (o->crlf && len > 0 && ss->buf[len - 1] == '\r')
            len--;
        fwrite(ss->buf, 1, len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        if (starts_with_any(o, ss->buf, len))
            return 0;
    }
    return 0;
}

static int run_request(session *ss, const char *line, size_t len, long number)
{
    int rc = send_request(ss, line, len, number);
    return rc != 0 ? rc : read_replies(ss, number);
}

static int run_stdin(session *ss)
{
    char *line = NULL;
    size_t cap = 0;
    long number = 0;
    int rc = 0;
    for (;;) {
        errno = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0) {
            if (btc_interrupt_is_set(&g_stop)) {
                fprintf(stderr, "%s: interrupted while reading standard input\n", g_prog);
                rc = BTC_ERR_INTERRUPTED;
            } else if (ferror(stdin)) {
                fprintf(stderr, "%s: reading standard input: %s\n", g_prog, strerror(errno));
                rc = BTC_ERR_IO;
            }
            break;
        }
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (ss->o->crlf && len > 0 && line[len - 1] == '\r')
            len--;
        if (len == 0)
            continue; /* most line protocols ignore empty lines, so a reply would never come */
        rc = run_request(ss, line, len, ++number);
        if (rc != 0)
            break;
    }
    free(line);
    return rc;
}

int main(int argc, char **argv)
{
    options o = {DEFAULT_TIMEOUT_MS, DEFAULT_MAX_LINE, '\n', false, {NULL}, 0, 1, false, false, NULL, NULL, 0};
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.verbose)
        btc_set_log_handler(log_to_stderr, NULL, BTC_LOG_TRACE);

    btc_error err;
    if (btc_interrupt_init(&g_stop, &err) != BTC_OK)
        return report("btc_interrupt_init", "consumed", &err);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked getline returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    session ss = {&o, NULL, NULL, NULL, 0, false};
    btc_sock s = BTC_SOCK_INIT;
    ss.s = &s;
    ss.buf = malloc(o.max_line); /* exactly max_data: the library never writes at or past it */
    if (ss.buf == NULL) {
        fprintf(stderr, "%s: out of memory for --max-line %zu\n", g_prog, o.max_line);
        btc_interrupt_destroy(&g_stop);
        return BTC_ERR_NO_MEMORY;
    }

    /* Arguments are checked before anything is connected (stdin lines as they come). */
    for (int i = 0; i < o.request_count; i++) {
        if (strchr(o.requests[i], (char)o.terminator) != NULL && o.terminator != '\0') {
            fprintf(stderr, "%s: request %d contains the line terminator; refusing to send it\n", g_prog, i + 1);
            rc = EXIT_USAGE;
        }
    }
    if (rc == 0)
        rc = connect_target(&o, &s);
    if (rc == 0) {
        if (o.requests != NULL) {
            for (int i = 0; i < o.request_count && rc == 0; i++)
                rc = run_request(&ss, o.requests[i], strlen(o.requests[i]), i + 1);
        } else {
            rc = run_stdin(&ss);
        }
    }
    if (rc == 0 && ss.lost_lines)
        rc = BTC_ERR_TOO_LARGE; /* everything went on, but some reply text was not shown */

    (void)btc_sock_reset(&s, NULL);
    free(ss.buf);
    free(ss.out);
    btc_interrupt_destroy(&g_stop);
    return rc;
}
