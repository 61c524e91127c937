/* SPDX-License-Identifier: MIT */
/*
 * demo.c - a guided tour of btcsock over loopback TCP (what `make demo` runs).
 *
 * The program starts its own line server on 127.0.0.1 (an ephemeral port, in
 * a second thread, written with btcsock too) and then plays the client:
 *
 *   [1] connect with a deadline (connect, wait for SEND, SO_ERROR in one call)
 *   [2] request/reply with send_complete + recv_until_terminator
 *   [3] zero over-read: bytes after the terminator stay in the socket
 *   [4] a timeout is a status code, and the bytes read so far are handed back
 *   [5] an interrupt from another thread wakes a 10 s wait at once
 *   [6] TOO_LARGE: a line longer than max_data; nothing consumed is lost
 *   [7] is_connected before and after the server hangs up
 *
 * Exit status 0 when every step behaved as documented, 1 otherwise (with a
 * line saying what differed). Run with -v to see the library's own log.
 * Nothing leaves 127.0.0.1 and the whole run takes well under a second.
 */
#define _POSIX_C_SOURCE 200809L

#include <btcsock.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- small helpers -------------------------------------------------------- */

static int g_failures;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
        /* EINTR: keep sleeping for the time that is left */
    }
}

/* Prints the step's verdict and counts failures. */
BTC_PRINTF(2, 3) static bool verdict(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(ok ? "    OK: " : "    FAILED: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    if (!ok)
        g_failures++;
    return ok;
}

static void show(const char *what, btc_status st, const btc_error *err)
{
    printf("    %s -> %s (%s), bytes %zu, code %d, message \"%s\"\n", what, btc_status_name(st), btc_status_message(st),
           err->bytes, err->code, err->message);
}

static void log_to_stderr(void *ctx, btc_log_level level, const char *message)
{
    (void)ctx;
    static const char *const names[] = {"trace", "debug", "warn"};
    fprintf(stderr, "      [btcsock %s] %s\n", names[level <= BTC_LOG_WARN ? level : BTC_LOG_WARN], message);
}

/* ---- the server: one connection, one command per line ------------------------
 *
 *   PING   -> "PONG\n"
 *   HELLO  -> "HELLO\nRAW-BYTES"           (one write; no terminator after RAW-BYTES)
 *   STALL  -> "HALF-A-LI"                  (no terminator, then silence)
 *   SILENT -> nothing
 *   LONG   -> "THIS-LINE-IS-TOO-LONG\n"
 *   BYE    -> the server closes the connection
 */

typedef struct server {
    btc_sock listener;
    btc_interrupt stop; /* main triggers it if the client gives up early */
    pthread_t thread;
    char problem[BTC_ERROR_MESSAGE_MAX + 64]; /* what went wrong on the server side, "" if nothing */
} server;

static void server_reply(server *sv, const btc_sock *conn, const char *data)
{
    btc_error err;
    if (btc_sock_send_complete(conn, data, strlen(data), 2000, &sv->stop, &err) != BTC_OK)
        snprintf(sv->problem, sizeof sv->problem, "server send: %s: %s", btc_status_name(err.status), err.message);
}

static void *server_main(void *arg)
{
    server *sv = arg;
    btc_sock conn = BTC_SOCK_INIT;
    btc_error err;

    /* The listener is non-blocking: wait until a client is queued, then accept. */
    if (btc_sock_wait(&sv->listener, 5000, BTC_EV_RECV, NULL, &sv->stop, &err) != BTC_OK ||
        btc_sock_accept(&sv->listener, NULL, NULL, &conn, &err) != BTC_OK) {
        snprintf(sv->problem, sizeof sv->problem, "server accept: %s: %s", btc_status_name(err.status), err.message);
        return NULL;
    }

    for (;;) {
        char line[64];
        size_t len = 0;
        btc_status st = btc_sock_recv_until_terminator(&conn, '\n', 5000, &sv->stop, sizeof line, line, &len, 0, &err);
        if (st != BTC_OK) {
            if (st != BTC_ERR_INTERRUPTED) /* interrupted = main asked us to stop */
                snprintf(sv->problem, sizeof sv->problem, "server recv: %s: %s", btc_status_name(st), err.message);
            break;
        }
        if (strcmp(line, "PING") == 0)
            server_reply(sv, &conn, "PONG\n");
        else if (strcmp(line, "HELLO") == 0)
            server_reply(sv, &conn, "HELLO\nRAW-BYTES");
        else if (strcmp(line, "STALL") == 0)
            server_reply(sv, &conn, "HALF-A-LI");
        else if (strcmp(line, "SILENT") == 0)
            continue;
        else if (strcmp(line, "LONG") == 0)
            server_reply(sv, &conn, "THIS-LINE-IS-TOO-LONG\n");
        else if (strcmp(line, "BYE") == 0)
            break;
        else
            server_reply(sv, &conn, "ERR unknown command\n");
    }
    (void)btc_sock_reset(&conn, NULL); /* the hang-up step [7] watches for */
    return NULL;
}

/* Opens the listener on 127.0.0.1:0 and starts the server thread; returns the port or 0. */
static uint16_t server_start(server *sv)
{
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    btc_error err;
    const char *what = "open";

    sv->problem[0] = '\0';
    btc_sock_init(&sv->listener);
    if (btc_interrupt_init(&sv->stop, &err) != BTC_OK) {
        printf("    server: btc_interrupt_init: %s\n", err.message);
        return 0;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = 0; /* any free port */
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int one = 1;
    if (btc_sock_open(&sv->listener, AF_INET, SOCK_STREAM, 0, &err) != BTC_OK ||
        (what = "setsockopt(SO_REUSEADDR)",
         btc_sock_set_sock_opt(&sv->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one, &err)) != BTC_OK ||
        (what = "bind", btc_sock_bind(&sv->listener, (struct sockaddr *)&addr, sizeof addr, &err)) != BTC_OK ||
        (what = "listen", btc_sock_listen(&sv->listener, 4, &err)) != BTC_OK ||
        (what = "getsockname", btc_sock_get_sock_name(&sv->listener, (struct sockaddr *)&addr, &addr_len, &err)) !=
            BTC_OK) {
        printf("    server: %s: %s: %s\n", what, btc_status_name(err.status), err.message);
        (void)btc_sock_reset(&sv->listener, NULL);
        btc_interrupt_destroy(&sv->stop);
        return 0;
    }
    if (pthread_create(&sv->thread, NULL, server_main, sv) != 0) {
        printf("    server: pthread_create failed\n");
        (void)btc_sock_reset(&sv->listener, NULL);
        btc_interrupt_destroy(&sv->stop);
        return 0;
    }
    return ntohs(addr.sin_port);
}

static void server_stop(server *sv)
{
    btc_interrupt_trigger(&sv->stop); /* harmless if the server already left */
    pthread_join(sv->thread, NULL);
    (void)btc_sock_reset(&sv->listener, NULL);
    btc_interrupt_destroy(&sv->stop);
}

/* ---- the client steps --------------------------------------------------------- */

/* Sends one command line; false (and a FAILED line) if that did not work. */
static bool send_line(const btc_sock *s, const char *line)
{
    btc_error err;
    btc_status st = btc_sock_send_complete(s, line, strlen(line), 1000, NULL, &err);
    if (st != BTC_OK)
        return verdict(false, "sending \"%.*s\": %s: %s", (int)strcspn(line, "\n"), line, btc_status_name(st),
                       err.message);
    return true;
}

static bool step_connect(btc_sock *s, uint16_t port)
{
    struct sockaddr_in addr;
    btc_error err;

    printf("[1] connect with a deadline to 127.0.0.1:%u\n", (unsigned)port);
    if (btc_sock_open(s, AF_INET, SOCK_STREAM, 0, &err) != BTC_OK)
        return verdict(false, "btc_sock_open: %s", err.message);

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    /* connect, wait for SEND, then SO_ERROR: the whole non-blocking dance in one call. */
    btc_status st = btc_sock_connect_timeout(s, (struct sockaddr *)&addr, sizeof addr, 2000, NULL, &err);
    show("btc_sock_connect_timeout(2000 ms)", st, &err);
    return verdict(st == BTC_OK, "connected");
}

static bool step_request_reply(const btc_sock *s)
{
    char line[64] = "";
    size_t len = 0;
    btc_error err;

    printf("[2] request/reply: send \"PING\\n\", read one line\n");
    if (!send_line(s, "PING\n"))
        return false;
    btc_status st = btc_sock_recv_until_terminator(s, '\n', 2000, NULL, sizeof line, line, &len, 0, &err);
    show("recv_until_terminator", st, &err);
    return verdict(st == BTC_OK && strcmp(line, "PONG") == 0 && err.bytes == len + 1, "got '%s'",
                   st == BTC_OK ? line : "");
}

static bool step_zero_over_read(const btc_sock *s)
{
    char line[64] = "";
    char rest[64];
    size_t len = 0;
    size_t got = 0;
    btc_error err;

    printf("[3] zero over-read: the server writes \"HELLO\\nRAW-BYTES\" in one send\n");
    if (!send_line(s, "HELLO\n"))
        return false;
    btc_status st = btc_sock_recv_until_terminator(s, '\n', 2000, NULL, sizeof line, line, &len, 0, &err);
    show("recv_until_terminator", st, &err);
    if (!(st == BTC_OK && strcmp(line, "HELLO") == 0))
        return verdict(false, "expected BTC_OK and 'HELLO', got %s '%s'", btc_status_name(st), line);

    /* The rest was written together with the line, so it is already here; the wait is only a safety net. */
    (void)btc_sock_wait(s, 1000, BTC_EV_RECV, NULL, NULL, NULL);
    st = btc_sock_recv(s, rest, sizeof rest - 1, 0, &got, &err);
    rest[got] = '\0';
    show("plain btc_sock_recv(64)", st, &err);
    return verdict(st == BTC_OK && strcmp(rest, "RAW-BYTES") == 0,
                   "line 'HELLO', then the plain recv got exactly '%s' (%zu bytes): nothing was over-read", rest, got);
}

static bool step_timeout(const btc_sock *s)
{
    char line[64] = "";
    size_t len = 0;
    btc_error err;

    printf("[4] timeout: the server sends \"HALF-A-LI\" (no newline) and goes silent; timeout 300 ms\n");
    if (!send_line(s, "STALL\n"))
        return false;
    int64_t start = now_ms();
    btc_status st = btc_sock_recv_until_terminator(s, '\n', 300, NULL, sizeof line, line, &len, 0, &err);
    int64_t elapsed = now_ms() - start;
    show("recv_until_terminator", st, &err);
    printf("    elapsed %lld ms; the %zu bytes read so far are handed back: '%.*s'\n", (long long)elapsed, len,
           (int)len, line);
    return verdict(st == BTC_ERR_TIMEOUT && len == 9 && err.bytes == 9 && memcmp(line, "HALF-A-LI", 9) == 0 &&
                       elapsed >= 290 && elapsed < 3000,
                   "BTC_ERR_TIMEOUT after %lld ms with the partial line kept, no exception, no lost bytes",
                   (long long)elapsed);
}

typedef struct trigger_arg {
    btc_interrupt *intr;
    long delay_ms;
    int64_t fired_at;
} trigger_arg;

static void *trigger_later(void *arg)
{
    trigger_arg *t = arg;
    sleep_ms(t->delay_ms);
    t->fired_at = now_ms();
    btc_interrupt_trigger(t->intr);
    return NULL;
}

static bool step_interrupt(const btc_sock *s)
{
    btc_interrupt intr;
    trigger_arg targ;
    pthread_t thread;
    char line[64] = "";
    size_t len = 0;
    btc_error err;

    printf("[5] interrupt: wait for a line with a 10 s timeout; another thread triggers the interrupt after 100 ms\n");
    if (btc_interrupt_init(&intr, &err) != BTC_OK)
        return verdict(false, "btc_interrupt_init: %s", err.message);
    if (!send_line(s, "SILENT\n")) {
        btc_interrupt_destroy(&intr);
        return false;
    }
    targ.intr = &intr;
    targ.delay_ms = 100;
    targ.fired_at = 0;
    if (pthread_create(&thread, NULL, trigger_later, &targ) != 0) {
        btc_interrupt_destroy(&intr);
        return verdict(false, "pthread_create failed");
    }
    int64_t start = now_ms();
    btc_status st = btc_sock_recv_until_terminator(s, '\n', 10000, &intr, sizeof line, line, &len, 0, &err);
    int64_t done = now_ms();
    pthread_join(thread, NULL);
    btc_interrupt_destroy(&intr);
    show("recv_until_terminator", st, &err);
    printf("    elapsed %lld ms; woke %lld ms after the trigger\n", (long long)(done - start),
           (long long)(done - targ.fired_at));
    return verdict(st == BTC_ERR_INTERRUPTED && done - start >= 90 && done - targ.fired_at < 1000,
                   "BTC_ERR_INTERRUPTED after %lld ms instead of waiting out the 10 s", (long long)(done - start));
}

static bool step_too_large(const btc_sock *s)
{
    char small[8]; /* max_data 8: a line may hold at most 7 bytes */
    char line[64] = "";
    size_t len = 0;
    size_t rest_len = 0;
    btc_error err;

    printf("[6] TOO_LARGE: the server sends \"THIS-LINE-IS-TOO-LONG\\n\"; max_data is %zu\n", sizeof small);
    if (!send_line(s, "LONG\n"))
        return false;
    btc_status st = btc_sock_recv_until_terminator(s, '\n', 2000, NULL, sizeof small, small, &len, 0, &err);
    show("recv_until_terminator", st, &err);
    printf("    consumed bytes handed back: '%.*s' (%zu)\n", (int)len, small, len);
    if (!verdict(st == BTC_ERR_TOO_LARGE && len == sizeof small && err.bytes == len,
                 "BTC_ERR_TOO_LARGE, %zu bytes kept", len))
        return false;

    st = btc_sock_recv_until_terminator(s, '\n', 2000, NULL, sizeof line, line, &rest_len, 0, &err);
    show("recv_until_terminator (the rest)", st, &err);
    char whole[128];
    snprintf(whole, sizeof whole, "%.*s%s", (int)len, small, st == BTC_OK ? line : "");
    return verdict(st == BTC_OK && strcmp(whole, "THIS-LINE-IS-TOO-LONG") == 0,
                   "'%.*s' + '%s' = '%s': not one byte lost", (int)len, small, st == BTC_OK ? line : "", whole);
}

static bool step_is_connected(const btc_sock *s)
{
    btc_error err;

    printf("[7] is_connected before and after the server hangs up\n");
    btc_status st = btc_sock_is_connected(s, &err);
    show("is_connected (server still there)", st, &err);
    if (!verdict(st == BTC_OK, "connected"))
        return false;
    if (!send_line(s, "BYE\n"))
        return false;
    btc_events occurred = 0;
    st = btc_sock_wait(s, 2000, BTC_EV_RECV, &occurred, NULL, &err);
    printf("    btc_sock_wait(RECV, 2000 ms) -> %s, occurred 0x%02x (the hang-up)\n", btc_status_name(st),
           (unsigned)occurred);
    st = btc_sock_is_connected(s, &err);
    show("is_connected (after BYE)", st, &err);
    return verdict(st == BTC_ERR_CLOSED, "the hang-up is reported as BTC_ERR_CLOSED, not a crash");
}

int main(int argc, char **argv)
{
    server sv;
    btc_sock client = BTC_SOCK_INIT;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "-v") == 0)
        btc_set_log_handler(log_to_stderr, NULL, BTC_LOG_TRACE);
    /* Safety net: a hang would be a bug; do not let it hold `make demo` forever. */
    alarm(20);

    printf("btcsock %s demo (wait backend: %s)\n", btc_version(), btc_wait_backend());
    uint16_t port = server_start(&sv);
    if (port == 0) {
        printf("could not start the loopback server\n");
        return 1;
    }
    printf("    line server listening on 127.0.0.1:%u (a thread of this process)\n", (unsigned)port);

    /* Each step relies on the stream being where the previous one left it, so the first failure ends the tour. */
    if (!(step_connect(&client, port) && step_request_reply(&client) && step_zero_over_read(&client) &&
          step_timeout(&client) && step_interrupt(&client) && step_too_large(&client) && step_is_connected(&client)))
        printf("    (remaining steps skipped)\n");

    (void)btc_sock_reset(&client, NULL);
    server_stop(&sv);
    if (sv.problem[0] != '\0') {
        printf("server problem: %s\n", sv.problem);
        g_failures++;
    }
    if (g_failures != 0) {
        printf("demo FAILED (%d step%s did not behave as expected)\n", g_failures, g_failures == 1 ? "" : "s");
        return 1;
    }
    printf("demo passed: every step behaved as documented\n");
    return 0;
}
