/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_errors.c - the error vocabulary: status names and messages,
 * btc_io_error_is_permanent, btc_network_error_string, and the one filler of
 * btc_error (btc__fail / btc__ok) and of log lines, over arbitrary codes and
 * buffer sizes.
 *
 * Input: i32 code (big-endian), i32 status value, u16 cap (0..511),
 * u16 text length (0..511; log lines: + 512 when the fill byte is odd),
 * u8 fill byte, u8 log levels (line, handler minimum); the rest is unused.
 *
 * Checks:
 *  - btc_status_name / btc_status_message are never NULL for any int cast to
 *    btc_status: "BTC_..." names, distinct, for the 13 codes; "BTC_ERR_UNKNOWN"
 *    and "unknown status" outside them;
 *  - btc_io_error_is_permanent is false exactly for EAGAIN, EWOULDBLOCK,
 *    EINTR and EINPROGRESS (the harness's own list);
 *  - btc_network_error_string(code, buf, cap) returns buf; the full text is
 *    "<non-empty message> (<code>)"; with cap > 0 the result is the full
 *    text cut to cap - 1 bytes and NUL-terminated; nothing is written outside
 *    buf[0..cap): checked with canaries on both sides in one exact-size heap
 *    block, and again in a block of exactly cap bytes for ASan; cap 0 with a
 *    NULL buf is fine;
 *  - btc__fail fills status, code and bytes, and a NUL-terminated message
 *    that starts with the formatted text (cut to fit), is a prefix of
 *    "<text>: <code's text>" when code is not 0 (and exactly that when it
 *    fits; the code's text is btc__resolve_error_string's for
 *    BTC_ERR_RESOLVE, btc_network_error_string's otherwise), and exactly the
 *    text when code is 0 or the status is BTC_ERR_PROXY (whose reply code the
 *    text names itself);
 *    btc__ok clears the message and code;
 *  - log lines reach the handler NUL-terminated, cut to fit, at their level.
 */
#include <limits.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "internal.h"

#define CANARY 16
#define CANARY_BYTE 0xC5
#define BIG 1024

static volatile size_t sink;

static void check_names(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (int a = 0; a < BTC_STATUS_COUNT; a++) {
        const char *na = btc_status_name((btc_status)a);
        FZ_CHECK(na != NULL && strncmp(na, "BTC_", 4) == 0 && strcmp(na, "BTC_ERR_UNKNOWN") != 0,
                 "status %d has name '%s'", a, na ? na : "(null)");
        const char *ma = btc_status_message((btc_status)a);
        FZ_CHECK(ma != NULL && ma[0] != '\0' && strcmp(ma, "unknown status") != 0, "status %d has message '%s'", a,
                 ma ? ma : "(null)");
        for (int b = 0; b < a; b++)
            FZ_CHECK(strcmp(na, btc_status_name((btc_status)b)) != 0, "statuses %d and %d share the name %s", a, b, na);
    }
}

static void check_status(int32_t value)
{
    const char *name = btc_status_name((btc_status)value);
    const char *message = btc_status_message((btc_status)value);
    FZ_CHECK(name != NULL && message != NULL, "status %d: NULL name or message", value);
    FZ_CHECK(name[0] != '\0' && message[0] != '\0', "status %d: empty name or message", value);
    if (value < 0 || value >= BTC_STATUS_COUNT)
        FZ_CHECK(strcmp(name, "BTC_ERR_UNKNOWN") == 0 && strcmp(message, "unknown status") == 0,
                 "status %d outside the enum: '%s', '%s'", value, name, message);
    else
        FZ_CHECK(strncmp(name, "BTC_", 4) == 0 && strcmp(name, "BTC_ERR_UNKNOWN") != 0, "status %d: name '%s'", value,
                 name);
    sink += strlen(name) + strlen(message);
}

/* The full text, and that it reads "<message> (<code>)". */
typedef char *(*text_fn)(int code, char *buf, size_t cap);

/* The full text of a code by fn (the OS's or the resolver's), and that it reads "<message> (<code>)". */
static size_t full_text_by(text_fn fn, int code, char *full)
{
    memset(full, 0x5A, BIG);
    FZ_CHECK(fn(code, full, BIG) == full, "did not return buf");
    const char *nul = memchr(full, '\0', BIG);
    FZ_CHECK(nul != NULL, "code %d: not terminated in %d bytes", code, BIG);
    size_t n = (size_t)(nul - full);
    char tail[32];
    int t = snprintf(tail, sizeof tail, " (%d)", code);
    FZ_CHECK(t > 0 && n > (size_t)t && memcmp(full + n - (size_t)t, tail, (size_t)t) == 0,
             "code %d: '%s' does not end in '%s' after a message", code, full, tail);
    return n;
}

static size_t full_text(int code, char *full) { return full_text_by(btc_network_error_string, code, full); }

static void check_network_string(int code, size_t cap)
{
    char full[BIG];
    size_t n = full_text(code, full);
    size_t want = cap == 0 ? 0 : (n < cap ? n : cap - 1);

    /* Canaries on both sides, in one exact-size block. */
    uint8_t *block = malloc(cap + 2 * CANARY);
    if (block == NULL)
        return;
    memset(block, CANARY_BYTE, cap + 2 * CANARY);
    char *buf = (char *)block + CANARY;
    FZ_CHECK(btc_network_error_string(code, buf, cap) == buf, "did not return buf (cap %zu)", cap);
    for (size_t i = 0; i < CANARY; i++) {
        FZ_CHECK(block[i] == CANARY_BYTE, "code %d cap %zu: wrote %zu bytes before buf", code, cap, CANARY - i);
        FZ_CHECK(block[CANARY + cap + i] == CANARY_BYTE, "code %d cap %zu: wrote buf[%zu]", code, cap, cap + i);
    }
    if (cap > 0) {
        FZ_CHECK(memchr(buf, '\0', cap) == buf + want, "code %d cap %zu: %zu bytes before the NUL, want %zu", code, cap,
                 memchr(buf, '\0', cap) ? (size_t)((char *)memchr(buf, '\0', cap) - buf) : cap, want);
        FZ_CHECK(memcmp(buf, full, want) == 0, "code %d cap %zu: not a prefix of '%s'", code, cap, full);
    }
    free(block);

    /* A block of exactly cap bytes: ASan sees any write past it. */
    char *exact = malloc(cap == 0 ? 1 : cap);
    if (exact == NULL)
        return;
    FZ_CHECK(btc_network_error_string(code, exact, cap) == exact, "did not return buf");
    if (cap > 0)
        FZ_CHECK(strlen(exact) == want, "code %d cap %zu: length %zu, want %zu", code, cap, strlen(exact), want);
    free(exact);
    FZ_CHECK(btc_network_error_string(code, NULL, 0) == NULL, "NULL buf with cap 0 did not return NULL");
}

static void check_fail(btc_status st, int code, size_t prefix, uint8_t fill)
{
    /* A text of `prefix` printable bytes (never '%': it goes through "%.*s"). */
    char text[BIG];
    memset(text, 'a' + fill % 26, sizeof text);
    btc_error err;
    memset(&err, 0xEE, sizeof err);
    size_t bytes = (size_t)fill * 1000003u;
    btc_status r = btc__fail(&err, st, code, bytes, "%.*s", (int)prefix, text);
    FZ_CHECK(r == st && err.status == st && err.code == code && err.bytes == bytes,
             "btc__fail: returned %d, record %d code %d bytes %zu", (int)r, (int)err.status, err.code, err.bytes);
    const char *nul = memchr(err.message, '\0', sizeof err.message);
    FZ_CHECK(nul != NULL, "btc__fail (text %zu, code %d): message not terminated", prefix, code);
    size_t n = (size_t)(nul - err.message);
    size_t kept = prefix < sizeof err.message ? prefix : sizeof err.message - 1;
    FZ_CHECK(n >= kept && memcmp(err.message, text, kept) == 0, "btc__fail: message does not start with the text");
    if (code == 0 || st == BTC_ERR_PROXY) {
        /* A proxy's reply code is in the message already: no text is appended for it. */
        FZ_CHECK(n == kept, "btc__fail with code %d (%s): %zu bytes for a %zu-byte text", code, btc_status_name(st), n,
                 prefix);
    } else {
        char full[2 * BIG + 4];
        memcpy(full, text, prefix);
        full[prefix] = ':';
        full[prefix + 1] = ' ';
        text_fn fn = st == BTC_ERR_RESOLVE ? btc__resolve_error_string : btc_network_error_string;
        size_t m = full_text_by(fn, code, full + prefix + 2) + prefix + 2;
        FZ_CHECK(memcmp(err.message, full, n) == 0, "btc__fail: '%s' is not a prefix of the full message", err.message);
        if (m < sizeof err.message)
            FZ_CHECK(n == m, "btc__fail: %zu bytes, the full message (%zu) fits", n, m);
    }
    memset(&err, 0xEE, sizeof err);
    FZ_CHECK(btc__ok(&err, bytes) == BTC_OK && err.status == BTC_OK && err.code == 0 && err.bytes == bytes &&
                 err.message[0] == '\0',
             "btc__ok left the record wrong");
    FZ_CHECK(btc__fail(NULL, st, code, 0, "x") == st, "btc__fail(NULL) did not return the status");
}

/* Log lines: the handler gets the formatted line, cut to fit and terminated. */
static struct {
    size_t calls, len;
    btc_log_level level;
    char first;
} fz_line;

static void line_handler(void *ctx, btc_log_level level, const char *message)
{
    (void)ctx;
    fz_line.calls++;
    fz_line.level = level;
    const char *nul = memchr(message, '\0', 4096);
    FZ_CHECK(nul != NULL, "log line not terminated");
    fz_line.len = (size_t)(nul - message);
    fz_line.first = message[0];
}

static void check_log(size_t prefix, uint8_t fill, uint8_t level_byte)
{
    char text[BIG];
    memset(text, 'A' + fill % 26, sizeof text);
    btc_log_level level = (btc_log_level)(level_byte % 3u);
    btc_log_level min = (btc_log_level)(level_byte / 3u % 3u);
    memset(&fz_line, 0, sizeof fz_line);
    btc_set_log_handler(line_handler, NULL, min);
    btc__log(level, "%.*s", (int)prefix, text);
    btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
    if (level < min) {
        FZ_CHECK(fz_line.calls == 0, "a level %d line reached a handler for %d and up", (int)level, (int)min);
        return;
    }
    FZ_CHECK(fz_line.calls == 1 && fz_line.level == level, "%zu calls at level %d for one line at %d", fz_line.calls,
             (int)fz_line.level, (int)level);
    FZ_CHECK(fz_line.len <= prefix && (fz_line.len == prefix || fz_line.len >= 255),
             "a %zu-byte line arrived as %zu bytes", prefix, fz_line.len);
    if (prefix > 0)
        FZ_CHECK(fz_line.first == text[0], "the line arrived changed");
    btc__log(level, "dropped");
    FZ_CHECK(fz_line.calls == 1, "a line reached a removed handler");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_io in = fz_reader(data, size);
    fz_errors_params p;
    fz_errors_params_codec(&in, &p);
    int code = (int)(int32_t)p.code;
    int32_t status = (int32_t)p.status;
    size_t cap = p.cap % 512u;
    size_t prefix = p.prefix % 512u;
    uint8_t fill = p.fill;
    uint8_t level = p.level;

    check_names();
    check_status(status);
    FZ_CHECK(btc_io_error_is_permanent(code) == !fz_is_transient(code), "btc_io_error_is_permanent(%d) is %d", code,
             (int)btc_io_error_is_permanent(code));
    check_network_string(code, cap);
    btc_status st = (btc_status)((uint32_t)status % BTC_STATUS_COUNT);
    check_fail(st, code, prefix, fill);
    check_log((fill & 1u) ? prefix + 512u : prefix, fill, level);
    return 0;
}
