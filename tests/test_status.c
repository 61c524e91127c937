/* SPDX-License-Identifier: MIT */
/*
 * tests/test_status.c - status names and messages, the error classifier, the
 * network error string, the version and the log hook.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "btcsock.h"
#include "support.h"

TestSuite(status, .timeout = 30);

/* ---- names and messages ---------------------------------------------------- */

typedef struct status_row {
    btc_status code;
    const char *name;
    const char *message;
} status_row;

static const status_row status_rows[] = {
#define ROW(name, value, message) {name, #name, message},
    BTC_STATUS_MAP(ROW)
#undef ROW
};
#define STATUS_ROWS (sizeof status_rows / sizeof status_rows[0])

Test(status, map_covers_every_value_once)
{
    cr_assert_eq(STATUS_ROWS, (size_t)BTC_STATUS_COUNT, "BTC_STATUS_MAP has %zu rows, BTC_STATUS_COUNT is %d",
                 STATUS_ROWS, BTC_STATUS_COUNT);
    for (size_t k = 0; k < STATUS_ROWS; k++) {
        cr_assert_eq((size_t)status_rows[k].code, k, "%s has value %d, expected %zu", status_rows[k].name,
                     (int)status_rows[k].code, k);
    }
}

Test(status, every_code_has_its_own_name)
{
    for (size_t k = 0; k < STATUS_ROWS; k++) {
        const char *name = btc_status_name(status_rows[k].code);
        cr_assert_not_null(name, "btc_status_name(%zu) is NULL", k);
        cr_assert_str_eq(name, status_rows[k].name, "name of %zu", k);
    }
}

Test(status, every_code_has_its_own_message)
{
    for (size_t k = 0; k < STATUS_ROWS; k++) {
        const char *msg = btc_status_message(status_rows[k].code);
        cr_assert_not_null(msg, "btc_status_message(%zu) is NULL", k);
        cr_assert_neq(msg[0], '\0', "empty message for %s", status_rows[k].name);
        cr_assert_str_eq(msg, status_rows[k].message, "message of %s", status_rows[k].name);
    }
}

Test(status, names_and_messages_are_distinct)
{
    for (size_t i = 0; i < STATUS_ROWS; i++) {
        for (size_t j = i + 1; j < STATUS_ROWS; j++) {
            btc_status a = status_rows[i].code;
            btc_status b = status_rows[j].code;
            cr_assert(strcmp(btc_status_name(a), btc_status_name(b)) != 0, "%s and %s share a name",
                      status_rows[i].name, status_rows[j].name);
            cr_assert(strcmp(btc_status_message(a), btc_status_message(b)) != 0, "%s and %s share a message",
                      status_rows[i].name, status_rows[j].name);
        }
    }
}

Test(status, out_of_range_is_unknown_not_null)
{
    const int bad[] = {BTC_STATUS_COUNT, BTC_STATUS_COUNT + 1, 255, 100000, -1};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        btc_status s = (btc_status)bad[k];
        const char *name = btc_status_name(s);
        const char *msg = btc_status_message(s);
        cr_assert_not_null(name, "name of %d", bad[k]);
        cr_assert_not_null(msg, "message of %d", bad[k]);
        cr_assert_str_eq(name, "BTC_ERR_UNKNOWN", "name of %d", bad[k]);
        cr_assert_str_eq(msg, "unknown status", "message of %d", bad[k]);
    }
}

/* ---- the classifier --------------------------------------------------------- */

typedef struct errno_case {
    int code;
    const char *name;
} errno_case;

ParameterizedTestParameters(status, transient_codes)
{
    /* TS_*: errno on POSIX, the WSA twins on Windows (tests/support.h). */
    static errno_case cases[] = {
        {TS_EAGAIN, "EAGAIN"},
        {TS_EWOULDBLOCK, "EWOULDBLOCK"},
        {TS_EINTR, "EINTR"},
        {TS_EINPROGRESS, "EINPROGRESS"},
    };
    return cr_make_param_array(errno_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(errno_case *c, status, transient_codes)
{
    cr_assert(!btc_io_error_is_permanent(c->code), "%s (%d) must be transient", c->name, c->code);
}

ParameterizedTestParameters(status, permanent_codes)
{
    static errno_case cases[] = {
        {TS_ECONNRESET, "ECONNRESET"},
        {TS_EPIPE, "EPIPE"},
        {TS_EBADF, "EBADF"},
        {TS_ENOTCONN, "ENOTCONN"},
        {0, "0"},
        {TS_ETIMEDOUT, "ETIMEDOUT"},
        {TS_ENOTSOCK, "ENOTSOCK"},
        {TS_ECONNREFUSED, "ECONNREFUSED"},
        {TS_EALREADY, "EALREADY"},
        {-1, "-1"},
        {123456, "123456"},
    };
    return cr_make_param_array(errno_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(errno_case *c, status, permanent_codes)
{
    cr_assert(btc_io_error_is_permanent(c->code), "%s (%d) must be permanent", c->name, c->code);
}

/* errno on POSIX, WSAGetLastError() on Windows (ts_set_socket_error sets the one that applies). */
Test(status, last_socket_error_is_errno)
{
    ts_set_socket_error(TS_ENOTSOCK);
    cr_assert_eq(btc_last_socket_error(), TS_ENOTSOCK);
    ts_set_socket_error(TS_ECONNRESET);
    cr_assert_eq(btc_last_socket_error(), TS_ECONNRESET);
}

/* ---- btc_network_error_string ---------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The text comes from strerror_r on POSIX; Windows' FormatMessage text and its
 * fallbacks are checked in tests/win/test_win32.c. */
#ifndef _WIN32
Test(status, network_error_string_known_code)
{
    char buf[256];
    char *r = btc_network_error_string(ECONNRESET, buf, sizeof buf);
    cr_assert_eq(r, buf, "must return buf");
    cr_assert(ends_with(buf, "(104)"), "\"%s\" must end with (104)", buf);
    char want[300];
    snprintf(want, sizeof want, "%s (%d)", strerror(ECONNRESET), ECONNRESET);
    cr_assert_str_eq(buf, want, "format is \"<system message> (<code>)\"");
}

Test(status, network_error_string_other_known_codes)
{
    const int codes[] = {EPIPE, EBADF, ENOTCONN, EAGAIN, ETIMEDOUT};
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
        char buf[256];
        char want[300];
        snprintf(want, sizeof want, "%s (%d)", strerror(codes[k]), codes[k]);
        cr_assert_eq(btc_network_error_string(codes[k], buf, sizeof buf), buf);
        cr_assert_str_eq(buf, want, "code %d", codes[k]);
    }
}
#endif /* !_WIN32 */

Test(status, network_error_string_unknown_code)
{
    char buf[256];
    cr_assert_eq(btc_network_error_string(123456, buf, sizeof buf), buf);
    cr_assert(ends_with(buf, " (123456)"), "\"%s\" must end with \" (123456)\"", buf);
    cr_assert_gt(strlen(buf), strlen(" (123456)"), "\"%s\" needs a message before the code", buf);
    cr_assert_eq(btc_network_error_string(-7, buf, sizeof buf), buf);
    cr_assert(ends_with(buf, " (-7)"), "\"%s\" must end with \" (-7)\"", buf);
}

Test(status, network_error_string_truncates_within_cap)
{
    const int codes[] = {TS_ECONNRESET, 123456};
    for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++) {
        char full[512];
        cr_assert_eq(btc_network_error_string(codes[c], full, sizeof full), full);
        size_t full_len = strlen(full);
        cr_assert_gt(full_len, (size_t)10);
        for (size_t cap = 1; cap <= 40; cap++) {
            unsigned char buf[64];
            memset(buf, 0xA5, sizeof buf);
            char *r = btc_network_error_string(codes[c], (char *)buf, cap);
            cr_assert_eq(r, (char *)buf, "cap %zu: must return buf", cap);
            size_t want_len = full_len < cap - 1 ? full_len : cap - 1;
            cr_assert_eq(memchr(buf, '\0', cap) != NULL, true, "cap %zu: not NUL-terminated within cap", cap);
            cr_assert_eq(strlen((char *)buf), want_len, "cap %zu: length %zu, expected %zu", cap, strlen((char *)buf),
                         want_len);
            cr_assert_eq(memcmp(buf, full, want_len), 0, "cap %zu: not a prefix of \"%s\"", cap, full);
            for (size_t k = cap; k < sizeof buf; k++) {
                cr_assert_eq(buf[k], 0xA5, "cap %zu: byte %zu past cap was written", cap, k);
            }
        }
    }
}

Test(status, network_error_string_cap_zero_leaves_buf_alone)
{
    unsigned char buf[16];
    memset(buf, 0xA5, sizeof buf);
    cr_assert_eq(btc_network_error_string(TS_ECONNRESET, (char *)buf, 0), (char *)buf);
    for (size_t k = 0; k < sizeof buf; k++) {
        cr_assert_eq(buf[k], 0xA5, "byte %zu written with cap 0", k);
    }
    cr_assert_null(btc_network_error_string(TS_ECONNRESET, NULL, 0), "NULL buf with cap 0 returns buf (NULL)");
}

/* ---- version ----------------------------------------------------------------- */

Test(status, version)
{
    const char *v = btc_version();
    cr_assert_not_null(v);
    cr_assert_str_eq(v, BTC_VERSION_STRING);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", BTC_VERSION_MAJOR, BTC_VERSION_MINOR, BTC_VERSION_PATCH);
    cr_assert_str_eq(v, want);
}

/* ---- logging ----------------------------------------------------------------- */

#define LOG_MAX 64

typedef struct log_record {
    int calls;
    int by_level[3];
    int bad_level;
    btc_log_level levels[LOG_MAX];
    char messages[LOG_MAX][BTC_ERROR_MESSAGE_MAX + 64];
} log_record;

static void record_log(void *ctx, btc_log_level level, const char *message)
{
    log_record *r = ctx;
    if ((int)level < 0 || (int)level > 2) {
        r->bad_level++;
    } else {
        r->by_level[level]++;
    }
    if (r->calls < LOG_MAX) {
        r->levels[r->calls] = level;
        snprintf(r->messages[r->calls], sizeof r->messages[0], "%s", message != NULL ? message : "(null)");
    }
    r->calls++;
}

static log_record rec;

/* A failing operation: recv_until_terminator with nothing to read and a zero timeout. */
static void failing_operation(void)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    char buf[16];
    size_t len = 99;
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_recv_until_terminator(&a, '\n', 0, NULL, sizeof buf, buf, &len, 0, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

/* A succeeding operation: a wait for SEND on a fresh pair. */
static void succeeding_operation(void)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    btc_events ev = 0;
    TS_CHECK_OK(&err, btc_sock_wait(&a, 1000, BTC_EV_SEND, &ev, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(status, log_failure_is_debug)
{
    memset(&rec, 0, sizeof rec);
    btc_set_log_handler(record_log, &rec, BTC_LOG_DEBUG);
    failing_operation();
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    cr_assert_gt(rec.by_level[BTC_LOG_DEBUG], 0, "no DEBUG message for a failed operation (%d calls)", rec.calls);
    cr_assert_eq(rec.by_level[BTC_LOG_TRACE], 0, "TRACE message passed min_level DEBUG");
    cr_assert_eq(rec.bad_level, 0);
    for (int k = 0; k < rec.calls && k < LOG_MAX; k++) {
        cr_assert_neq(rec.messages[k][0], '\0', "empty log message %d", k);
    }
}

Test(status, log_trace_filtered_by_min_level)
{
    memset(&rec, 0, sizeof rec);
    btc_set_log_handler(record_log, &rec, BTC_LOG_DEBUG);
    succeeding_operation();
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    cr_assert_eq(rec.by_level[BTC_LOG_TRACE], 0, "TRACE message passed min_level DEBUG");
    cr_assert_eq(rec.calls, rec.by_level[BTC_LOG_DEBUG] + rec.by_level[BTC_LOG_WARN]);
}

Test(status, log_trace_delivered_at_min_level_trace)
{
    memset(&rec, 0, sizeof rec);
    btc_set_log_handler(record_log, &rec, BTC_LOG_TRACE);
    succeeding_operation();
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    cr_assert_gt(rec.by_level[BTC_LOG_TRACE], 0, "a successful wait logs at TRACE");
    cr_assert_eq(rec.by_level[BTC_LOG_DEBUG], 0, "a successful run logged at DEBUG: \"%s\"", rec.messages[0]);
}

Test(status, log_min_level_warn_filters_debug)
{
    memset(&rec, 0, sizeof rec);
    btc_set_log_handler(record_log, &rec, BTC_LOG_WARN);
    failing_operation();
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    cr_assert_eq(rec.calls, 0, "%d messages passed min_level WARN, first \"%s\"", rec.calls, rec.messages[0]);
}

Test(status, log_failed_close_is_warn)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    cr_assert(ts_close_raw(btc_sock_get(&a)));
    memset(&rec, 0, sizeof rec);
    btc_set_log_handler(record_log, &rec, BTC_LOG_WARN);
    TS_CHECK_CODE(BTC_ERR_IO, TS_EBADF, &err, btc_sock_reset(&a, &err));
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    cr_assert_gt(rec.by_level[BTC_LOG_WARN], 0, "a failed close must log at WARN");
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}

Test(status, log_null_handler_is_silent)
{
    memset(&rec, 0, sizeof rec);
    btc_set_log_handler(record_log, &rec, BTC_LOG_TRACE);
    btc_set_log_handler(NULL, &rec, BTC_LOG_TRACE);
    failing_operation();
    succeeding_operation();
    cr_assert_eq(rec.calls, 0, "the replaced handler still got %d messages", rec.calls);
}

Test(status, log_handler_gets_its_ctx)
{
    log_record other;
    memset(&rec, 0, sizeof rec);
    memset(&other, 0, sizeof other);
    btc_set_log_handler(record_log, &other, BTC_LOG_TRACE);
    failing_operation();
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    cr_assert_gt(other.calls, 0);
    cr_assert_eq(rec.calls, 0);
}

/*
 * The handler triple is replaced atomically: while one thread logs failures
 * (DEBUG) non-stop, another swaps between handler A (ctx &tag_a, min TRACE)
 * and handler B (ctx &tag_b, min WARN). A torn triple would show as A or B
 * called with the other's ctx, or B (min WARN) receiving a DEBUG message.
 */
static int tag_a;
static int tag_b;
static volatile int swap_a_calls;
static volatile int swap_mismatches;

static void swap_handler_a(void *ctx, btc_log_level level, const char *message)
{
    (void)level;
    (void)message;
    swap_a_calls++;
    if (ctx != &tag_a) {
        swap_mismatches++;
    }
}

static void swap_handler_b(void *ctx, btc_log_level level, const char *message)
{
    (void)message;
    if (ctx != &tag_b || level < BTC_LOG_WARN) {
        swap_mismatches++;
    }
}

/* Logs results until told to stop; counts them (both fields are shared: atomics). */
typedef struct log_spinner {
    btc_sock *s;
    int stop;
    int ops;
} log_spinner;

static void log_spinner_main(void *arg)
{
    log_spinner *sp = arg;
    char buf[8];
    size_t len;
    while (!__atomic_load_n(&sp->stop, __ATOMIC_SEQ_CST)) {
        (void)btc_sock_recv_until_terminator(sp->s, '\n', 0, NULL, sizeof buf, buf, &len, 0, NULL);
        __atomic_add_fetch(&sp->ops, 1, __ATOMIC_SEQ_CST);
    }
}

/* The handler is swapped while another thread logs, until it has logged 200 results (a count, not a time:
 * under valgrind on a loaded machine the logging thread may get little of the first 300 ms). */
Test(status, log_handler_swap_is_atomic)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    swap_a_calls = 0;
    swap_mismatches = 0;
    btc_set_log_handler(swap_handler_a, &tag_a, BTC_LOG_TRACE);
    log_spinner sp = {&a, 0, 0};
    ts_thread *t = ts_thread_start(log_spinner_main, &sp);
    cr_assert_not_null(t);
    int64_t give_up = ts_now_ms() + 20000;
    while (__atomic_load_n(&sp.ops, __ATOMIC_SEQ_CST) < 200 && ts_now_ms() < give_up) {
        btc_set_log_handler(swap_handler_b, &tag_b, BTC_LOG_WARN);
        btc_set_log_handler(swap_handler_a, &tag_a, BTC_LOG_TRACE);
    }
    __atomic_store_n(&sp.stop, 1, __ATOMIC_SEQ_CST);
    ts_thread_join(t);
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    cr_assert_geq(sp.ops, 200, "the logging thread ran only %d operations in 20 s", sp.ops);
    cr_assert_gt(swap_a_calls, 0, "handler A was never called");
    cr_assert_eq(swap_mismatches, 0, "%d calls saw a torn (fn, ctx, min_level) triple", swap_mismatches);
    TS_CHECK_OK(&err, btc_sock_reset(&a, &err));
    TS_CHECK_OK(&err, btc_sock_reset(&b, &err));
}
