/* SPDX-License-Identifier: MIT */
/*
 * fuzz/make_corpus.c - writes the seed corpora and dictionaries of the fuzz
 * harnesses: fuzz/corpus/<target>/<seed> for every seed below, and
 * fuzz/<target>.dict. Seeds are written with the very codec the harnesses
 * read them with (fuzz_common.c), so the input layout is defined once.
 *
 *   make_corpus [--check] [--list] [DIR]    DIR: the fuzz/ directory (default "fuzz")
 *
 * --check fails, writing nothing, when a file differs from what would be
 * written or a file in a corpus directory is not a seed of this program.
 * The seeds of the `ops` target are the scenarios of the operation registry
 * (tests/kit/ops.h), so a new operation is fuzzed from its own scenarios.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "kit/ops.h"

/* ---- readable seeds -------------------------------------------------------------------- */

/* A timeout by its value; T_DEFAULT is 1000 ms, as a seed that names none gets. */
typedef enum seed_timeout { T_DEFAULT, T_0, T_1, T_10, T_100, T_1000, T_30000, T_INF, T_250 } seed_timeout;

typedef struct recv_spec {
    const char *term; /* NULL: "\n" */
    size_t max_data;  /* 0: 512 */
    bool utf8, preset, attached, second, high_fd, bad_flag, no_record;
    int negative; /* > 0: the timeout is -negative */
    seed_timeout timeout;
} recv_spec;

typedef struct send_spec {
    bool preset, attached, high_fd, null_data;
    int negative;
    seed_timeout timeout;
} send_spec;

/* Wait items: requested events and options, as the harness reads them (fuzz_wait.c). */
enum {
    W_RECV = 1,
    W_SEND = 2,
    W_ERR = 4,
    W_UNKNOWN = 8,
    W_FOREIGN = 0x10,
    W_EMPTY = 0x20,
    W_HIGH = 0x40,
    W_NULL = 0x80
};
enum { OP_WAIT, OP_WAIT_MANY, OP_CONNECTED, OP_WAIT_CONNECTED };

typedef struct wait_spec {
    int op;
    seed_timeout timeout;
    int negative;
    bool preset, attached, null_items, broken_by_version, no_record;
    uint8_t items[FZ_WAIT_MAX_ITEMS];
    size_t nitems; /* 0 for a single-socket call: one W_RECV item */
} wait_spec;

typedef struct socks5_spec {
    bool preset, attached, high_fd, auth, no_record;
    seed_timeout timeout;
    uint8_t host; /* an index into fz_hosts */
} socks5_spec;

typedef struct errors_spec {
    int32_t code, status;
    uint16_t cap, prefix;
    uint8_t fill, level;
} errors_spec;

/*
 * A reader conversation: the calls as a program, one token a call: L a line,
 * M a line ending at the second terminator, r<k> a read of 3k bytes, R<k> a
 * read of k * window / 8 + 1 bytes, S a sync, D a detach and a new reader,
 * X a detach for good (fuzz_reader.c).
 */
typedef struct reader_spec {
    bool exact, preset, attached, high_fd, bad_flag, small_window, negative, no_record;
    seed_timeout timeout;
    size_t window;            /* 0: 64; with small_window, 0 or 1 */
    const char *term, *term2; /* NULL: "\n" and " " */
    const char *calls;
} reader_spec;

typedef struct seed {
    const char *name;
    fz_script_spec script;
    recv_spec recv;
    send_spec send;
    wait_spec wait;
    errors_spec errors;
    socks5_spec socks5;
    reader_spec reader;
    size_t long_prefix; /* the payload starts with this many bytes of the LONG pattern */
    const char *payload;
    size_t payload_len;
} seed;

#define S(op, kind, value)                      \
    {                                           \
        BTC_FAKE_##op, BTC_FAKE_##kind, (value) \
    }
#define STEPS(...) \
    .script.steps = {__VA_ARGS__}, .script.nsteps = sizeof((fz_step_spec[]){__VA_ARGS__}) / sizeof(fz_step_spec)
#define ARRIVALS(...)                 \
    .script.arrivals = {__VA_ARGS__}, \
    .script.narrivals = sizeof((fz_arrival_spec[]){__VA_ARGS__}) / sizeof(fz_arrival_spec)
#define ITEMS(...) .items = {__VA_ARGS__}, .nitems = sizeof((uint8_t[]){__VA_ARGS__})
#define CHUNKS(p, r, s) .script.max_peek = (p), .script.max_read = (r), .script.max_send = (s)
#define P(s) .payload = (s), .payload_len = sizeof(s) - 1

static const seed recv_seeds[] = {
    {"line-at-once", P("hello world\nnext line\n")},
    {"empty-line", P("\nrest")},
    {"two-lines", .recv.second = true, P("first\nsecond\nthird")},
    {"crlf-terminator", .recv.term = "\r", P("250 OK\r\n250-more\r\n")},
    {"nul-terminator", .recv.term = "", P("abc\0def\0")},
    {"eof-mid-line", P("no terminator here")},
    {"eof-at-once", P("")},
    {"reset-mid-line", .script.end = ECONNRESET, P("partial")},
    {"late-eof", .script.end_late = true, .recv.timeout = T_30000, P("partial")},
    {"late-eof-timeout", .script.end_late = true, .recv.timeout = T_100, P("partial")},
    {"max-data-exact", .recv.max_data = 6, P("12345\nX")},
    {"max-data-too-large", .recv.max_data = 5, P("12345\nX")},
    {"max-data-one", .recv.max_data = 1, P("\nX")},
    {"max-data-one-too-large", .recv.max_data = 1, P("x\n")},
    {"long-line-chunked", CHUNKS(7, 0, 0), .recv.max_data = 4096, .long_prefix = 2000, P("\nafter")},
    {"long-line-too-large", .recv.max_data = 1500, .long_prefix = 2500, P("\n")},
    {"byte-per-peek", CHUNKS(1, 0, 0), P("abc\ndef")},
    {"short-read-protocol", CHUNKS(16, 3, 0), P("0123456789\n")},
    {"read-limit-protocol", STEPS(S(READ, LIMIT, 2)), P("abcdef\n")},
    {"peek-limit-zero-looks-like-eof", STEPS(S(PEEK, LIMIT, 0)), P("abc\n")},
    {"peek-eintr-then-line", STEPS(S(PEEK, FAIL, EINTR)), P("abc\n")},
    {"peek-eagain-wait", STEPS(S(PEEK, FAIL, EAGAIN)), P("abc\n")},
    {"read-eagain-after-peek", STEPS(S(READ, FAIL, EAGAIN)), P("abc\n")},
    {"peek-permanent", STEPS(S(PEEK, FAIL, ECONNRESET)), P("abc\n")},
    {"read-permanent-after-peek", STEPS(S(PEEK, PASS, 0), S(READ, FAIL, ENOTCONN)), P("abc\n")},
    {"broken-shim-code-0", STEPS(S(PEEK, FAIL, 0)), P("abc\n")},
    {"wait-eintr", ARRIVALS({3, 50}), STEPS(S(WAIT, FAIL, EINTR)), P("abcdef\n")},
    {"wait-eintr-clock-jump", ARRIVALS({3, 900}),
     STEPS(S(PEEK, PASS, 0), S(READ, PASS, 0), S(CLOCK, PASS, 0), S(PEEK, PASS, 0), S(WAIT, ADVANCE, 60),
           S(WAIT, FAIL, EINTR)),
     .recv.timeout = T_100, P("abcdef\n")},
    {"wait-permanent", ARRIVALS({3, 50}), STEPS(S(WAIT, FAIL, EBADF)), P("abcdef\n")},
    {"wait-enomem", ARRIVALS({3, 50}), STEPS(S(WAIT, FAIL, ENOMEM)), P("abcdef\n")},
    {"arrivals-in-time", ARRIVALS({2, 20}, {4, 40}, {6, 60}), .recv.timeout = T_1000, P("abcdef\n")},
    {"arrival-too-late", ARRIVALS({3, 200}), .recv.timeout = T_100, P("abcdef\n")},
    {"arrival-infinite", ARRIVALS({3, 2550}), .recv.timeout = T_INF, P("abcdef\n")},
    {"zero-timeout-line-waiting", .recv.timeout = T_0, P("ready\n")},
    {"zero-timeout-nothing-yet", ARRIVALS({0, 10}), .recv.timeout = T_0, P("later\n")},
    {"zero-timeout-partial", ARRIVALS({3, 10}), .recv.timeout = T_0, P("abcdef\n")},
    {"clock-jump-past-deadline-mid-line", CHUNKS(4, 0, 0), STEPS(S(PEEK, PASS, 0), S(READ, ADVANCE, 250)),
     .recv.timeout = T_100, P("0123456789\n")},
    {"preset-interrupt-line-waiting", .recv.preset = true, P("ready\n")},
    {"preset-interrupt-partial", CHUNKS(3, 0, 0), .recv.preset = true, P("abcdef\n")},
    {"preset-interrupt-nothing-yet", ARRIVALS({0, 10}), .recv.preset = true, P("x\n")},
    {"interrupt-fires-mid-line", CHUNKS(3, 0, 0), STEPS(S(READ, INTERRUPT, 0)), .recv.attached = true, P("abcdef\n")},
    {"interrupt-fires-in-wait", ARRIVALS({3, 500}), STEPS(S(WAIT, INTERRUPT, 0)),
     .recv = {.attached = true, .timeout = T_INF}, P("abcdef\n")},
    {"interrupt-fires-on-clock", ARRIVALS({3, 500}),
     STEPS(S(CLOCK, PASS, 0), S(PEEK, PASS, 0), S(READ, PASS, 0), S(CLOCK, PASS, 0), S(PEEK, PASS, 0),
           S(CLOCK, INTERRUPT, 0)),
     .recv.attached = true, P("abcdef\n")},
    {"interrupt-fires-on-wait-clock", ARRIVALS({3, 500}),
     STEPS(S(CLOCK, PASS, 0), S(PEEK, PASS, 0), S(READ, PASS, 0), S(CLOCK, PASS, 0), S(PEEK, PASS, 0),
           S(CLOCK, PASS, 0), S(CLOCK, INTERRUPT, 0)),
     .recv.attached = true, P("abcdef\n")},
    {"eof-step-mid-stream", ARRIVALS({3, 50}), STEPS(S(WAIT, EOF, 0)), P("abcdef\n")},
    {"no-record-line", .recv = {.no_record = true, .second = true}, P("abc\ndef\n")},
    {"no-record-timeout", ARRIVALS({3, 200}), .recv = {.no_record = true, .timeout = T_100}, P("abcdef\n")},
    {"no-record-reset", .script.end = ECONNRESET, .recv.no_record = true, P("abc")},
    {"refused-unknown-flag", .recv.bad_flag = true, P("abc\n")},
    {"refused-negative-timeout", .recv.negative = 2, P("abc\n")},
    {"utf8-valid", .recv.utf8 = true,
     P("gr\xc3\xbc\xc3\x9f"
       "e \xe2\x9c\x93 \xf0\x9f\x98\x80\n")},
    {"utf8-invalid-overlong", .recv.utf8 = true, P("\xc0\xafx\n")},
    {"utf8-invalid-surrogate", .recv.utf8 = true, P("\xed\xa0\x80\n")},
    {"utf8-invalid-too-high", .recv.utf8 = true, P("\xf4\x90\x80\x80\n")},
    {"utf8-truncated", .recv.utf8 = true, P("ok \xe2\x9c\n")},
    {"high-fd-line-waiting", .recv.high_fd = true, P("ready\n")},
    {"high-fd-must-wait", ARRIVALS({0, 10}), .recv.high_fd = true, P("later\n")},
    {"high-fd-partial-must-wait", ARRIVALS({3, 10}), .recv.high_fd = true, P("abcdef\n")},
};

static const seed send_seeds[] = {
    {"len-zero", P("")},
    {"len-zero-null-data", .send.null_data = true, P("")},
    {"all-at-once", P("hello peer\n")},
    {"refused-null-data", .send.null_data = true, P("0123")},
    {"refused-negative-timeout", .send.negative = 1, P("0123")},
    {"refused-negative-timeout-len-zero", .send.negative = 3, P("")},
    {"chunked", CHUNKS(0, 0, 3), P("0123456789abcdef")},
    {"byte-per-send", CHUNKS(0, 0, 1), P("0123456789")},
    {"big-chunked", CHUNKS(0, 0, 200), .long_prefix = 3000, P("")},
    {"window-full-timeout", .script.window = 64, .send.timeout = T_100, .long_prefix = 200, P("")},
    {"window-full-infinite", .script.window = 64, .send.timeout = T_INF, .long_prefix = 200, P("")},
    {"window-full-zero-timeout", .script.window = 64, .send.timeout = T_0, .long_prefix = 200, P("")},
    {"send-limit-then-rest", STEPS(S(SEND, LIMIT, 5)), P("0123456789")},
    {"send-zero-progress", STEPS(S(SEND, LIMIT, 0)), P("0123456789")},
    {"zero-progress-after-partial", STEPS(S(SEND, LIMIT, 4), S(SEND, LIMIT, 0)), P("0123456789")},
    {"eintr-then-all", STEPS(S(SEND, FAIL, EINTR)), P("0123456789")},
    {"eagain-then-all", STEPS(S(SEND, FAIL, EAGAIN)), P("0123456789")},
    {"einprogress-then-all", STEPS(S(SEND, FAIL, EINPROGRESS)), P("0123456789")},
    {"eintr-after-partial", STEPS(S(SEND, LIMIT, 3), S(SEND, FAIL, EINTR)), P("0123456789")},
    {"epipe", STEPS(S(SEND, FAIL, EPIPE)), P("0123456789")},
    {"reset-after-partial", STEPS(S(SEND, LIMIT, 3), S(SEND, FAIL, ECONNRESET)), P("0123456789")},
    {"enobufs", STEPS(S(SEND, FAIL, ENOBUFS)), P("0123456789")},
    {"broken-shim-code-0", STEPS(S(SEND, FAIL, 0)), P("0123456789")},
    {"pending-reset-fails-send", .script = {.window = 64, .end = ECONNRESET}, .send.timeout = T_100, .long_prefix = 100,
     P("")},
    {"late-reset-fails-waiting-send", .script = {.window = 64, .end = ECONNRESET, .end_late = true},
     .send.timeout = T_INF, .long_prefix = 100, P("")},
    {"peer-closes", STEPS(S(SEND, LIMIT, 3), S(SEND, EOF, 0)), P("0123456789")},
    {"wait-eintr", .script.window = 64, STEPS(S(WAIT, FAIL, EINTR)), .send.timeout = T_100, .long_prefix = 100, P("")},
    {"wait-eintr-clock-jump", .script.window = 64, STEPS(S(WAIT, ADVANCE, 40), S(WAIT, FAIL, EINTR)),
     .send.timeout = T_100, .long_prefix = 100, P("")},
    {"wait-permanent", .script.window = 64, STEPS(S(WAIT, FAIL, EBADF)), .long_prefix = 100, P("")},
    {"clock-jump-past-deadline-after-partial", CHUNKS(0, 0, 4), STEPS(S(SEND, ADVANCE, 250)), .send.timeout = T_100,
     P("0123456789abcdef")},
    {"clock-jump-on-check-after-partial", CHUNKS(0, 0, 4),
     STEPS(S(CLOCK, PASS, 0), S(SEND, PASS, 0), S(CLOCK, ADVANCE, 250)), .send.timeout = T_100, P("0123456789abcdef")},
    {"zero-timeout-partial", CHUNKS(0, 0, 4), .send.timeout = T_0, P("0123456789abcdef")},
    {"zero-timeout-eagain", STEPS(S(SEND, FAIL, EAGAIN)), .send.timeout = T_0, P("0123456789")},
    {"preset-interrupt-all-at-once", .send.preset = true, P("0123456789")},
    {"preset-interrupt-partial", CHUNKS(0, 0, 4), .send.preset = true, P("0123456789")},
    {"preset-interrupt-eagain", STEPS(S(SEND, FAIL, EAGAIN)), .send.preset = true, P("0123456789")},
    {"interrupt-fires-in-send", CHUNKS(0, 0, 4), STEPS(S(SEND, INTERRUPT, 0)), .send.attached = true,
     P("0123456789abcdef")},
    {"interrupt-fires-in-wait", .script.window = 64, STEPS(S(WAIT, INTERRUPT, 0)),
     .send = {.attached = true, .timeout = T_INF}, .long_prefix = 100, P("")},
    {"high-fd-all-at-once", .send.high_fd = true, P("0123456789")},
    {"high-fd-must-wait", .script.window = 64, .send.high_fd = true, .long_prefix = 100, P("")},
};

#define WAITP(...) .wait = {__VA_ARGS__}
static const seed wait_seeds[] = {
    {"recv-ready", WAITP(.op = OP_WAIT), P("data")},
    {"recv-eof", WAITP(.op = OP_WAIT), P("")},
    {"recv-reset", .script.end = ECONNRESET, WAITP(.op = OP_WAIT), P("")},
    {"recv-later", ARRIVALS({0, 50}), WAITP(.op = OP_WAIT), P("data")},
    {"recv-timeout", ARRIVALS({0, 500}), WAITP(.op = OP_WAIT, .timeout = T_100), P("data")},
    {"recv-zero-timeout", ARRIVALS({0, 500}), WAITP(.op = OP_WAIT, .timeout = T_0), P("data")},
    {"recv-infinite-late-eof", .script.end_late = true, WAITP(.op = OP_WAIT, .timeout = T_INF), P("")},
    {"send-ready", WAITP(.op = OP_WAIT, ITEMS(W_SEND))},
    {"send-window-open", .script.window = 64, WAITP(.op = OP_WAIT, ITEMS(W_SEND)), P("")},
    {"recv-send-err", WAITP(.op = OP_WAIT, ITEMS(W_RECV | W_SEND | W_ERR)), P("x")},
    {"occurred-null", WAITP(.op = OP_WAIT, .null_items = true), P("x")},
    {"eintr-retry", ARRIVALS({0, 50}), STEPS(S(WAIT, FAIL, EINTR)), WAITP(.op = OP_WAIT), P("x")},
    {"eintr-clock-jump", ARRIVALS({0, 900}), STEPS(S(WAIT, ADVANCE, 60), S(WAIT, FAIL, EINTR)),
     WAITP(.op = OP_WAIT, .timeout = T_100), P("x")},
    {"eintr-clock-jump-many", ARRIVALS({0, 900}), STEPS(S(WAIT, ADVANCE, 60), S(WAIT, FAIL, EINTR)),
     WAITP(.op = OP_WAIT_MANY, .timeout = T_100, ITEMS(W_RECV, W_SEND)), P("x")},
    {"permanent-error", STEPS(S(WAIT, FAIL, EBADF)), WAITP(.op = OP_WAIT), P("")},
    {"enomem", STEPS(S(WAIT, FAIL, ENOMEM)), WAITP(.op = OP_WAIT), P("")},
    {"preset-interrupt", WAITP(.op = OP_WAIT, .preset = true), P("x")},
    {"preset-interrupt-many", WAITP(.op = OP_WAIT_MANY, .preset = true, ITEMS(W_RECV, W_RECV)), P("x")},
    {"interrupt-in-wait", ARRIVALS({0, 500}), STEPS(S(WAIT, INTERRUPT, 0)),
     WAITP(.op = OP_WAIT, .attached = true, .timeout = T_INF), P("x")},
    {"interrupt-on-clock", ARRIVALS({0, 500}), STEPS(S(CLOCK, PASS, 0), S(CLOCK, INTERRUPT, 0)),
     WAITP(.op = OP_WAIT, .attached = true), P("x")},
    {"requested-zero", WAITP(.op = OP_WAIT, ITEMS(0))},
    {"requested-err-only", WAITP(.op = OP_WAIT, ITEMS(W_ERR))},
    {"requested-unknown-bit", WAITP(.op = OP_WAIT, ITEMS(W_RECV | W_UNKNOWN))},
    {"negative-timeout", WAITP(.op = OP_WAIT, .negative = 1)},
    {"null-socket", WAITP(.op = OP_WAIT, ITEMS(W_RECV | W_NULL))},
    {"empty-socket", WAITP(.op = OP_WAIT, ITEMS(W_RECV | W_EMPTY))},
    {"broken-table-version", WAITP(.op = OP_WAIT, .broken_by_version = true, ITEMS(W_RECV | W_FOREIGN))},
    {"broken-table-slot", WAITP(.op = OP_WAIT, ITEMS(W_RECV | W_FOREIGN))},
    {"high-fd", ARRIVALS({0, 50}), WAITP(.op = OP_WAIT, ITEMS(W_RECV | W_HIGH)), P("x")},
    {"high-fd-ready", WAITP(.op = OP_WAIT, ITEMS(W_RECV | W_HIGH)), P("x")},
    {"many-two-ready", WAITP(.op = OP_WAIT_MANY, ITEMS(W_RECV, W_SEND)), P("x")},
    {"many-seven", WAITP(.op = OP_WAIT_MANY, ITEMS(3, 3, 3, 3, 3, 3, 3)), P("x")},
    {"many-timeout", ARRIVALS({0, 500}), .script.window = 64,
     WAITP(.op = OP_WAIT_MANY, .timeout = T_100, ITEMS(W_RECV, W_RECV)), P("x")},
    {"many-zero-count", WAITP(.op = OP_WAIT_MANY, .timeout = T_0)},
    {"many-zero-count-null", WAITP(.op = OP_WAIT_MANY, .timeout = T_0, .null_items = true)},
    {"many-zero-count-preset", WAITP(.op = OP_WAIT_MANY, .preset = true)},
    {"many-null-items", WAITP(.op = OP_WAIT_MANY, .null_items = true, ITEMS(W_RECV))},
    {"many-mixed-tables", WAITP(.op = OP_WAIT_MANY, ITEMS(W_RECV, W_RECV | W_FOREIGN)), P("x")},
    {"many-bad-second", WAITP(.op = OP_WAIT_MANY, ITEMS(W_RECV, 0)), P("x")},
    {"many-empty-second", WAITP(.op = OP_WAIT_MANY, ITEMS(W_RECV, W_RECV | W_EMPTY)), P("x")},
    {"many-null-second", WAITP(.op = OP_WAIT_MANY, ITEMS(W_RECV, W_RECV | W_NULL)), P("x")},
    {"many-high-fd", WAITP(.op = OP_WAIT_MANY, ITEMS(W_RECV, W_RECV | W_HIGH)), P("x")},
    {"many-negative-timeout", WAITP(.op = OP_WAIT_MANY, .negative = 3, ITEMS(W_RECV)), P("x")},
    {"no-record-timeout", ARRIVALS({0, 500}), WAITP(.op = OP_WAIT, .timeout = T_100, .no_record = true), P("data")},
    {"no-record-many-refused", WAITP(.op = OP_WAIT_MANY, .no_record = true, ITEMS(W_RECV, 0)), P("x")},
    {"no-record-connected", WAITP(.op = OP_WAIT_CONNECTED, .no_record = true), P("")},
    {"connected-data", WAITP(.op = OP_CONNECTED), P("x")},
    {"connected-nothing-yet", ARRIVALS({0, 50}), WAITP(.op = OP_CONNECTED), P("x")},
    {"connected-eof", WAITP(.op = OP_CONNECTED), P("")},
    {"connected-reset", .script.end = ECONNRESET, WAITP(.op = OP_CONNECTED), P("")},
    {"connected-eintr", STEPS(S(PEEK, FAIL, EINTR)), WAITP(.op = OP_CONNECTED), P("")},
    {"connected-enotconn", STEPS(S(PEEK, FAIL, ENOTCONN)), WAITP(.op = OP_CONNECTED), P("x")},
    {"connected-empty", WAITP(.op = OP_CONNECTED, ITEMS(W_RECV | W_EMPTY))},
    {"connected-null", WAITP(.op = OP_CONNECTED, ITEMS(W_RECV | W_NULL))},
    {"connected-broken-table", WAITP(.op = OP_CONNECTED, ITEMS(W_RECV | W_FOREIGN))},
    {"wait-then-connected", ARRIVALS({0, 50}), WAITP(.op = OP_WAIT_CONNECTED), P("x")},
    {"wait-then-connected-eof", WAITP(.op = OP_WAIT_CONNECTED), P("")},
};

#define ERR(...) .errors = {__VA_ARGS__}
static const seed errors_seeds[] = {
    {"ok-code-0", ERR(.code = 0, .status = 0, .cap = 64, .prefix = 10)},
    {"eintr", ERR(.code = EINTR, .status = 6, .cap = 64, .prefix = 20, .fill = 1)},
    {"eagain-cap-1", ERR(.code = EAGAIN, .status = 4, .cap = 1, .prefix = 0)},
    {"einprogress-cap-0", ERR(.code = EINPROGRESS, .status = 11, .cap = 0, .prefix = 5)},
    {"econnreset-cap-8", ERR(.code = ECONNRESET, .status = 7, .cap = 8, .prefix = 100)},
    {"unknown-code", ERR(.code = 9999, .status = 13, .cap = 200, .prefix = 3)},
    {"negative-code", ERR(.code = -1, .status = -1, .cap = 30, .prefix = 7)},
    {"int-min", ERR(.code = INT32_MIN, .status = INT32_MIN, .cap = 511, .prefix = 511)},
    {"int-max", ERR(.code = INT32_MAX, .status = INT32_MAX, .cap = 16, .prefix = 256)},
    {"text-fills-message", ERR(.code = EPIPE, .status = 11, .cap = 2, .prefix = 255)},
    {"text-one-short", ERR(.code = EPIPE, .status = 11, .cap = 3, .prefix = 254)},
    {"text-two-short", ERR(.code = EPIPE, .status = 11, .cap = 4, .prefix = 253)},
    {"text-just-fits-with-code", ERR(.code = EBADF, .status = 11, .cap = 25, .prefix = 230)},
    {"log-long-line", ERR(.code = EBADF, .status = 5, .cap = 12, .prefix = 300, .fill = 1, .level = 2)},
    {"log-below-minimum", ERR(.code = 0, .status = 1, .cap = 12, .prefix = 10, .level = 3)},
};

#define SOCKS(...) .socks5 = {__VA_ARGS__}
#define NO_AUTH "\x05\x00"
#define BOUND4 "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"
static const seed socks5_seeds[] = {
    {"ipv4-bound-ipv4", P(NO_AUTH BOUND4 "TUNNEL")},
    {"name-bound-domain", SOCKS(.host = 1),
     P(NO_AUTH "\x05\x00\x00\x03\x05proxy\x1f\x90"
               "TUNNEL")},
    {"ipv6-bound-ipv6", SOCKS(.host = 2),
     P(NO_AUTH "\x05\x00\x00\x04"
               "0123456789abcdef\x1f\x90")},
    {"longest-name", SOCKS(.host = 5), P(NO_AUTH BOUND4)},
    {"auth-accepted", SOCKS(.auth = true), P("\x05\x02\x01\x00" BOUND4 "TUNNEL")},
    {"auth-offered-none-chosen", SOCKS(.auth = true), P(NO_AUTH BOUND4)},
    {"auth-refused", SOCKS(.auth = true), P("\x05\x02\x01\x01")},
    {"auth-wrong-version", SOCKS(.auth = true), P("\x05\x02\x05\x00")},
    {"no-acceptable-method", P("\x05\xff")},
    {"method-not-offered", P("\x05\x02")},
    {"wrong-version", P("\x04\x00")},
    {"refused", P(NO_AUTH "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")},
    {"general-failure", P(NO_AUTH "\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00")},
    {"unknown-reply-code", P(NO_AUTH "\x05\x09\x00\x01\x00\x00\x00\x00\x00\x00")},
    {"reserved-not-zero", P(NO_AUTH "\x05\x00\x01\x01\x7f\x00\x00\x01\x1f\x90")},
    {"unknown-address-type", P(NO_AUTH "\x05\x00\x00\x02\x7f\x00\x00\x01\x1f\x90")},
    {"connect-reply-wrong-version", P(NO_AUTH "\x04\x00\x00\x01\x7f\x00\x00\x01\x1f\x90")},
    {"closes-mid-reply", P(NO_AUTH "\x05\x00\x00")},
    {"empty-domain-bound", P(NO_AUTH "\x05\x00\x00\x03\x00\x1f\x90")},
    {"one-byte-a-read", CHUNKS(0, 1, 0), P(NO_AUTH BOUND4 "TUNNEL")},
    {"one-byte-a-send", CHUNKS(0, 0, 1), SOCKS(.host = 5), P(NO_AUTH BOUND4)},
    {"reply-in-pieces", ARRIVALS({1, 20}, {5, 40}, {9, 60}), P(NO_AUTH BOUND4 "TUNNEL")},
    {"reply-too-late", ARRIVALS({2, 200}), .script.end_late = true, SOCKS(.timeout = T_100), P(NO_AUTH BOUND4)},
    {"silent-proxy", .script.end_late = true, SOCKS(.timeout = T_250), P("")},
    {"reset", .script.end = ECONNRESET, P(NO_AUTH)},
    {"read-fails-eintr", STEPS(S(READ, FAIL, EINTR)), P(NO_AUTH BOUND4)},
    {"send-fails-epipe", STEPS(S(SEND, FAIL, EPIPE)), P(NO_AUTH BOUND4)},
    {"clock-jump-between-steps", STEPS(S(READ, ADVANCE, 250)), SOCKS(.timeout = T_100), P(NO_AUTH BOUND4)},
    {"preset-interrupt", SOCKS(.preset = true), P(NO_AUTH BOUND4)},
    {"interrupt-in-wait", ARRIVALS({2, 500}), STEPS(S(WAIT, INTERRUPT, 0)), SOCKS(.attached = true, .timeout = T_INF),
     P(NO_AUTH BOUND4)},
    {"high-fd", ARRIVALS({0, 10}), SOCKS(.high_fd = true), P(NO_AUTH BOUND4)},
    {"no-record", SOCKS(.no_record = true), P(NO_AUTH BOUND4)},
};

#define RD(...) .reader = {__VA_ARGS__}
static const seed reader_seeds[] = {
    {"lines-in-one-peek", RD(.calls = "LLLLS"), P("one\ntwo\n\nfour\nrest")},
    {"lines-in-one-peek-exact", RD(.exact = true, .calls = "LLLLS"), P("one\ntwo\n\nfour\nrest")},
    {"line-lengths-0-1-cap-1-cap", RD(.window = 8, .calls = "LLLLLLS"), P("\nx\n1234567\n12345678\n\n")},
    {"small-window-chunked", CHUNKS(3, 0, 0), RD(.window = 4, .calls = "LLLLLLLLS"), P("a\nbb\nccc\n\ndd\ne\n")},
    {"small-window-chunked-exact", CHUNKS(3, 0, 0), RD(.exact = true, .window = 4, .calls = "LLLLLLLLS"),
     P("a\nbb\nccc\n\ndd\ne\n")},
    {"smallest-window", RD(.window = 2, .calls = "LLLLS"), P("\nx\nyz\n")},
    {"too-large", RD(.window = 8, .calls = "LLLS"), P("0123456789abc\nx\n")},
    {"split-arrivals-timeouts", ARRIVALS({3, 20}, {5, 40}, {9, 60}), RD(.timeout = T_10, .calls = "LLLLLLLLLL"),
     P("partial line\nnext\n")},
    {"split-arrivals-timeouts-exact", ARRIVALS({3, 20}, {5, 40}, {9, 60}),
     RD(.exact = true, .timeout = T_10, .calls = "LLLLLLLLLL"), P("partial line\nnext\n")},
    {"timeout-moves-the-window", ARRIVALS({8, 100}), RD(.window = 8, .timeout = T_10, .calls = "LLLLLL"),
     P("ab\ncd\nef\ngh\nij\n")},
    {"timeout-then-detach", ARRIVALS({8, 100}), RD(.timeout = T_10, .calls = "LLX"), P("one\npartial line\n")},
    {"timeout-detach-reattach", ARRIVALS({8, 100}), RD(.timeout = T_10, .calls = "LLDLL"), P("one\npartial line\n")},
    {"resp-mixed", RD(.calls = "Lr2Lr1LS"), P("$4\r\nhell\r\n$1\r\na\r\n+OK\r\n")},
    {"resp-mixed-small-window", RD(.window = 5, .calls = "Lr2Lr1LS"), P("$4\r\nhell\r\n$1\r\na\r\n+OK\r\n")},
    {"read-larger-than-window", RD(.window = 16, .calls = "LR31S"), .long_prefix = 0,
     P("hdr\n0123456789012345678901234567890123456789012345678901234567890123456789")},
    {"read-larger-than-window-exact", RD(.exact = true, .window = 16, .calls = "LR31LS"),
     P("hdr\n0123456789012345678901234567890123456789012345678901234567890123456789\n")},
    {"read-cut-by-eof", RD(.calls = "Lr5S"), P("hdr\n0123")},
    {"read-over-arrivals", ARRIVALS({6, 20}), RD(.timeout = T_10, .calls = "Lr3r3r3S"), P("hdr\n0123456789")},
    {"closed-mid-line", RD(.calls = "LLL"), P("done\npartial")},
    {"reset-mid-line", .script.end = ECONNRESET, RD(.calls = "LLL"), P("done\npartial")},
    {"settle-eagain", STEPS(S(PEEK, PASS, 0), S(READ, FAIL, EAGAIN)), RD(.window = 8, .calls = "LLLLS"),
     P("ab\ncd\nef\ngh\n")},
    {"settle-short-protocol", STEPS(S(PEEK, PASS, 0), S(READ, LIMIT, 2)), RD(.window = 8, .calls = "LLLLS"),
     P("ab\ncd\nef\ngh\n")},
    {"settle-permanent", STEPS(S(PEEK, PASS, 0), S(READ, FAIL, ECONNRESET)), RD(.window = 8, .calls = "LLLLS"),
     P("ab\ncd\nef\ngh\n")},
    {"exact-consume-permanent", STEPS(S(PEEK, PASS, 0), S(READ, FAIL, ENOBUFS)), RD(.exact = true, .calls = "LLL"),
     P("line\nnext\n")},
    {"exact-consume-short", STEPS(S(PEEK, PASS, 0), S(READ, LIMIT, 3)), RD(.exact = true, .calls = "LLL"),
     P("abcdef\nnext\n")},
    {"preset-interrupt-refill", RD(.preset = true, .window = 4, .calls = "LLLL"), P("ab\ncd\nef\n")},
    {"zero-timeout-refill", RD(.timeout = T_0, .window = 4, .calls = "LLLL"), P("ab\ncd\nef\n")},
    {"interrupt-in-wait", ARRIVALS({3, 500}), STEPS(S(WAIT, INTERRUPT, 0)),
     RD(.attached = true, .timeout = T_INF, .calls = "LLL"), P("abcdef\n")},
    {"clock-jump-past-deadline", CHUNKS(4, 0, 0), STEPS(S(PEEK, PASS, 0), S(READ, ADVANCE, 250)),
     RD(.timeout = T_100, .window = 64, .calls = "LL"), P("0123456789\n")},
    {"wait-eintr", ARRIVALS({3, 50}), STEPS(S(WAIT, FAIL, EINTR)), RD(.calls = "LS"), P("abcdef\n")},
    {"high-fd-must-wait", ARRIVALS({0, 10}), RD(.high_fd = true, .calls = "LL"), P("later\n")},
    {"window-refused", RD(.small_window = true, .window = 1, .calls = "LrS")},
    {"unknown-flag-refused", RD(.bad_flag = true, .calls = "LS"), P("x\n")},
    {"negative-timeout-refused", RD(.negative = true, .calls = "Lr1SLX"), P("x\n")},
    {"used-after-detach", RD(.calls = "LXLr1S"), P("x\ny\n")},
    {"terminator-change", RD(.term2 = " ", .calls = "LMLMMS"), P("a b\nc d e\nf\n")},
    {"sync-everywhere", RD(.calls = "LSLSr1SLSDLS"), P("ab\ncd\nefg\nhi\njk\n")},
    {"no-record", ARRIVALS({3, 20}), RD(.no_record = true, .timeout = T_10, .calls = "LLLLS"), P("abcdef\nxy\n")},
};

/* ---- encoding ------------------------------------------------------------------------------ */

#define SEED_MAX (64 * 1024)

/* The LONG pattern: bytes without '\n' that do not repeat soon. */
static uint8_t long_byte(size_t i)
{
    uint8_t b = (uint8_t)((i * 37 + 11) % 251);
    return b == '\n' ? (uint8_t)'n' : b;
}

static uint8_t timeout_index(seed_timeout t)
{
    static const int64_t ms[] = {1000, 0, 1, 10, 100, 1000, 30000, BTC_TIMEOUT_INFINITE, 250};
    return (uint8_t)fz_timeout_index(ms[t]);
}

static uint8_t bit(bool cond, unsigned value) { return cond ? (uint8_t)value : 0; }

/* A negative timeout -n is sent as the index n - 1 with the "negative" bit. */
static uint8_t timeout_field(int negative, seed_timeout t)
{
    return negative > 0 ? (uint8_t)(negative - 1) : timeout_index(t);
}

static void recv_params(fz_io *io, const recv_spec *r)
{
    size_t max_data = r->max_data == 0 ? 512 : r->max_data;
    fz_recv_params p;
    p.term = (uint8_t)(r->term == NULL ? '\n' : r->term[0]);
    p.md = (uint16_t)((max_data - 1) | bit(r->bad_flag, 0x80u) << 8 | bit(r->negative > 0, 0x40u) << 8 |
                      bit(r->no_record, 0x20u) << 8);
    p.opt = (uint8_t)(bit(r->utf8, 1) | bit(r->preset, 2) | bit(r->attached, 4) | bit(r->second, 0x40) |
                      bit(r->high_fd, 0x80) | timeout_field(r->negative, r->timeout) << 3);
    fz_recv_params_codec(io, &p);
}

static void send_params(fz_io *io, const send_spec *s)
{
    fz_send_params p;
    p.opt = (uint8_t)(bit(s->preset, 1) | bit(s->attached, 2) | bit(s->high_fd, 0x20) | bit(s->null_data, 0x40) |
                      bit(s->negative > 0, 0x80) | timeout_field(s->negative, s->timeout) << 2);
    fz_send_params_codec(io, &p);
}

static void wait_params(fz_io *io, const wait_spec *w)
{
    fz_wait_params p;
    memset(&p, 0, sizeof p);
    p.mode = (uint8_t)((unsigned)w->op | timeout_field(w->negative, w->timeout) << 2 | bit(w->preset, 0x20) |
                       bit(w->attached, 0x40) | bit(w->negative > 0, 0x80));
    size_t count = w->op == OP_WAIT_MANY ? w->nitems : 0;
    p.shape = (uint8_t)(count | bit(w->null_items, 0x08) | bit(w->broken_by_version, 0x10) | bit(w->no_record, 0x20));
    if (w->op == OP_WAIT_MANY)
        memcpy(p.items, w->items, w->nitems);
    else
        p.items[0] = w->nitems == 0 ? W_RECV : w->items[0];
    fz_wait_params_codec(io, &p);
}

static void socks5_params(fz_io *io, const socks5_spec *k)
{
    fz_socks5_params p;
    p.opt = (uint8_t)(bit(k->preset, 1) | bit(k->attached, 2) | timeout_index(k->timeout) << 2 | bit(k->high_fd, 0x20) |
                      bit(k->auth, 0x40) | bit(k->no_record, 0x80));
    p.host = k->host;
    fz_socks5_params_codec(io, &p);
}

static void errors_params(fz_io *io, const errors_spec *e)
{
    fz_errors_params p = {(uint32_t)e->code, (uint32_t)e->status, e->cap, e->prefix, e->fill, e->level};
    fz_errors_params_codec(io, &p);
}

/* The reader's call program as the harness reads it; false (with a message) for a token it does not know. */
static bool reader_calls(const char *name, const char *prog, fz_reader_params *p)
{
    size_t n = 0;
    for (const char *c = prog == NULL ? "" : prog; *c != '\0'; n++) {
        char op = *c++;
        unsigned long k = 0;
        while (*c >= '0' && *c <= '9')
            k = k * 10 + (unsigned long)(*c++ - '0');
        unsigned what = op == 'L' ? 0 : op == 'M' ? 3 : op == 'r' ? 4 : op == 'R' ? 5 : op == 'S' ? 6 : 7;
        if (op == 'X')
            k = 1;
        if (n == FZ_READER_MAX_CALLS || k > 31 || strchr("LMrRSDX", op) == NULL) {
            fprintf(stderr, "make_corpus: reader %s: cannot encode call %zu ('%c%lu')\n", name, n, op, k);
            return false;
        }
        p->calls[n] = (uint8_t)(what | k << 3);
    }
    p->ncalls = (uint8_t)n;
    return true;
}

static bool reader_params(fz_io *io, const char *name, const reader_spec *r)
{
    fz_reader_params p;
    memset(&p, 0, sizeof p);
    p.mode = (uint8_t)(bit(r->exact, 1) | bit(r->preset, 2) | bit(r->attached, 4) | timeout_index(r->timeout) << 3 |
                       bit(r->high_fd, 0x40) | bit(r->bad_flag, 0x80));
    size_t window = r->window == 0 ? 64 : r->window;
    p.window = (uint16_t)(r->small_window ? 0x8000u | (window & 1u) : window - 2);
    p.window = (uint16_t)(p.window | bit(r->negative, 0x40) << 8 | bit(r->no_record, 0x20) << 8);
    p.term = (uint8_t)(r->term == NULL ? '\n' : r->term[0]);
    p.term2 = (uint8_t)(r->term2 == NULL ? ' ' : r->term2[0]);
    if (!reader_calls(name, r->calls, &p))
        return false;
    fz_reader_params_codec(io, &p);
    return true;
}

typedef enum seed_target { T_RECV, T_SEND, T_WAIT, T_ERRORS, T_SOCKS5, T_READER } seed_target;

/* A seed's bytes into out; its length, or 0 (with a message) when it cannot be encoded. */
static size_t encode_seed(seed_target t, const seed *sd, uint8_t *out)
{
    fz_io io = fz_writer(out, SEED_MAX);
    if (t != T_ERRORS) {
        fz_script s;
        char why[120];
        if (!fz_script_from_spec(&sd->script, &s, why, sizeof why)) {
            fprintf(stderr, "make_corpus: %s: %s\n", sd->name, why);
            return 0;
        }
        fz_script_codec(&io, &s);
    }
    if (t == T_RECV)
        recv_params(&io, &sd->recv);
    else if (t == T_SEND)
        send_params(&io, &sd->send);
    else if (t == T_WAIT)
        wait_params(&io, &sd->wait);
    else if (t == T_SOCKS5)
        socks5_params(&io, &sd->socks5);
    else if (t == T_READER) {
        if (!reader_params(&io, sd->name, &sd->reader))
            return 0;
    } else
        errors_params(&io, &sd->errors);
    for (size_t i = 0; i < sd->long_prefix; i++) {
        uint8_t b = long_byte(i);
        fz_u8(&io, &b);
    }
    const uint8_t *payload = (const uint8_t *)sd->payload;
    size_t len = sd->payload_len;
    if (len > 0)
        fz_rest(&io, &payload, &len);
    return io.len <= SEED_MAX ? io.len : 0;
}

/* ---- the ops target: the registry's scenarios -------------------------------------------------- */

/* The closest encodable stand-ins for a scenario's numbers. */
static size_t clamp(size_t v, size_t max) { return v < max ? v : max; }

static int64_t nearest_timeout(int64_t ms)
{
    int64_t best = fz_timeouts[0];
    for (size_t i = 0; i < 8; i++) {
        if (fz_timeouts[i] <= ms && fz_timeouts[i] > best)
            best = fz_timeouts[i];
    }
    return best;
}

/* The index of a host in fz_hosts (0 when it is not there or NULL). */
static size_t index_in(const char *const *table, size_t n, const char *s)
{
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(table[i], s) == 0)
            return i;
    }
    return 0;
}

/* The index of an errno in fz_errnos (0, no error, when it is not there). */
static unsigned errno_index(int code)
{
    for (size_t i = 0; i < fz_nerrnos && i < 16; i++) {
        if (fz_errnos[i] == code)
            return (unsigned)i;
    }
    return 0;
}

static void scn_script(const kit_scn *c, fz_script_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->max_peek = clamp(c->max_peek, 255);
    spec->max_read = clamp(c->max_read, 127);
    spec->max_send = clamp(c->max_send, 255);
    spec->narrivals = clamp(c->narrive, FZ_MAX_ARRIVALS);
    for (size_t i = 0; i < spec->narrivals; i++) {
        /* Offsets advance by at most 256 per arrival, times by whole 10 ms. */
        size_t lowest = i == 0 ? 0 : spec->arrivals[i - 1].offset + 1;
        spec->arrivals[i].offset = clamp(c->arrive_off[i], lowest + 255);
        spec->arrivals[i].at = c->arrive_dt[i] / 10 * 10;
    }
    spec->end = c->end_error;
    spec->end_late = !c->end_now; /* the fuzz layout's nearest to a peer that stays silent */
    spec->window = c->window_full ? 64 : clamp(c->window / 64 * 64, 255 * 64);
}

static size_t encode_op_seed(size_t op, const kit_scn *c, bool high_fd, uint8_t *out)
{
    fz_io io = fz_writer(out, SEED_MAX);
    fz_script_spec spec;
    scn_script(c, &spec);
    fz_script s;
    char why[120];
    if (!fz_script_from_spec(&spec, &s, why, sizeof why)) {
        fprintf(stderr, "make_corpus: ops %s '%s': %s\n", kit_ops[op].name, c->name, why);
        return 0;
    }
    fz_script_codec(&io, &s);
    fz_ops_params p = {(uint8_t)op,
                       (uint8_t)(fz_timeout_index(nearest_timeout(c->timeout_ms)) << 2 | bit(high_fd, 0x20)),
                       (uint16_t)(c->max_data > 0 ? c->max_data - 1 : 0),
                       (uint8_t)(c->requested - 1),
                       (uint8_t)index_in(fz_hosts, fz_nhosts, c->host),
                       (uint8_t)(errno_index(c->connect_error) | errno_index(c->connect_so_error) << 4),
                       (uint8_t)clamp((size_t)(c->connect_dt / 10), 255),
                       (uint8_t)clamp(c->nresolve, 3)};
    fz_ops_params_codec(&io, &p);
    bool out_kind = kit_ops[op].kind == KIT_OUT;
    for (size_t i = 0; i < (out_kind ? c->data_len : c->in_len); i++) {
        /* Registry scenarios without bytes of their own use patterns; any bytes do here. */
        const uint8_t *src = out_kind ? c->data : c->in;
        uint8_t b = src != NULL ? src[i] : long_byte(i);
        fz_u8(&io, &b);
    }
    return io.len <= SEED_MAX ? io.len : 0;
}

/* ---- dictionaries: tokens the mutators cannot easily guess -------------------------------------- */

static void dict_add(FILE *fp, const char *name, const uint8_t *b, size_t n)
{
    fprintf(fp, "%s=\"", name);
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "\\x%02x", b[i]);
    fprintf(fp, "\"\n");
}

static void dict_steps(FILE *fp)
{
    static const struct {
        const char *name;
        btc_fake_op op;
    } ops[] = {{"peek", BTC_FAKE_PEEK}, {"read", BTC_FAKE_READ},   {"send", BTC_FAKE_SEND},
               {"wait", BTC_FAKE_WAIT}, {"clock", BTC_FAKE_CLOCK}, {"any", BTC_FAKE_ANY}};
    static const struct {
        const char *name;
        btc_fake_kind kind;
        int64_t value;
    } kinds[] = {{"fail_EINTR", BTC_FAKE_FAIL, EINTR},
                 {"fail_EAGAIN", BTC_FAKE_FAIL, EAGAIN},
                 {"fail_ECONNRESET", BTC_FAKE_FAIL, ECONNRESET},
                 {"fail_ENOMEM", BTC_FAKE_FAIL, ENOMEM},
                 {"fail_0", BTC_FAKE_FAIL, 0},
                 {"limit0", BTC_FAKE_LIMIT, 0},
                 {"advance250", BTC_FAKE_ADVANCE, 250},
                 {"interrupt", BTC_FAKE_INTERRUPT, 0},
                 {"eof", BTC_FAKE_EOF, 0}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            fz_script_spec spec = {.steps = {{ops[i].op, kinds[k].kind, kinds[k].value}}, .nsteps = 1};
            fz_script s;
            char why[120];
            char name[64];
            if (!fz_script_from_spec(&spec, &s, why, sizeof why))
                continue;
            (void)snprintf(name, sizeof name, "%s_%s", ops[i].name, kinds[k].name);
            dict_add(fp, name, s.steps[0], 2);
        }
    }
}

static void dict_text(FILE *fp, const char *name, const char *text)
{
    dict_add(fp, name, (const uint8_t *)text, strlen(text));
}

static void dict_errors(FILE *fp)
{
    static const struct {
        const char *name;
        uint32_t value;
    } codes[] = {{"code_EINTR", EINTR},           {"code_EAGAIN", EAGAIN},   {"code_EINPROGRESS", EINPROGRESS},
                 {"code_ECONNRESET", ECONNRESET}, {"code_EPIPE", EPIPE},     {"code_ENOMEM", ENOMEM},
                 {"int_min", 0x80000000u},        {"minus_one", 0xffffffffu}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        uint8_t b[4] = {(uint8_t)(codes[i].value >> 24), (uint8_t)(codes[i].value >> 16),
                        (uint8_t)(codes[i].value >> 8), (uint8_t)codes[i].value};
        dict_add(fp, codes[i].name, b, 4);
    }
    static const uint8_t lens[][2] = {{0, 254}, {0, 255}, {1, 0}};
    static const char *const names[] = {"len_254", "len_255", "len_256"};
    for (size_t i = 0; i < 3; i++)
        dict_add(fp, names[i], lens[i], 2);
}

/* ---- writing ---------------------------------------------------------------------------------- */

typedef struct writer {
    const char *dir;
    bool check, list;
    int stale, written, same;
} writer;

/* Writes (or, checking, compares) one file. */
static void emit(writer *o, const char *rel, const uint8_t *data, size_t len)
{
    char path[1024];
    (void)snprintf(path, sizeof path, "%s/%s", o->dir, rel);
    if (o->list) {
        printf("%-60s %5zu bytes\n", rel, len);
        return;
    }
    FILE *fp = fopen(path, "rb");
    static uint8_t old[SEED_MAX + 1];
    size_t n = 0;
    if (fp != NULL) {
        n = fread(old, 1, sizeof old, fp);
        fclose(fp);
    }
    if (fp != NULL && n == len && memcmp(old, data, len) == 0) {
        o->same++;
        return;
    }
    if (o->check) {
        fprintf(stderr, "make_corpus: %s is missing or out of date\n", rel);
        o->stale++;
        return;
    }
    fp = fopen(path, "wb");
    if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        fprintf(stderr, "make_corpus: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    o->written++;
}

static bool listed(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0)
            return true;
    }
    return false;
}

/* Files in corpus/<target> that are not seeds: removed, or reported when checking. */
static void sweep_stale(writer *o, const char *target, const char *const *names, size_t n)
{
    char dir[1024];
    (void)snprintf(dir, sizeof dir, "%s/corpus/%s", o->dir, target);
    if (!o->list && !o->check)
        (void)mkdir(dir, 0755);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || listed(e->d_name, names, n))
            continue;
        if (o->check) {
            fprintf(stderr, "make_corpus: corpus/%s/%s is not a seed of make_corpus\n", target, e->d_name);
            o->stale++;
        } else if (!o->list) {
            char path[2048];
            (void)snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            (void)remove(path);
        }
    }
    closedir(d);
}

static void write_target(writer *o, const char *name, seed_target t, const seed *seeds, size_t n)
{
    static uint8_t buf[SEED_MAX];
    const char *names[256] = {NULL};
    for (size_t i = 0; i < n && i < 256; i++)
        names[i] = seeds[i].name;
    sweep_stale(o, name, names, n);
    for (size_t i = 0; i < n; i++) {
        size_t len = encode_seed(t, &seeds[i], buf);
        if (len == 0)
            exit(1);
        char rel[512];
        (void)snprintf(rel, sizeof rel, "corpus/%s/%s", name, seeds[i].name);
        emit(o, rel, buf, len);
    }
}

/* A file name from a registry scenario: "<op>-<scenario, lower case, dashes>[-high-fd]". */
static void op_seed_name(char *out, size_t cap, const char *op, const char *scn, bool high_fd)
{
    size_t n = (size_t)snprintf(out, cap, "%s-", op);
    for (const char *p = scn; *p != '\0' && n + 1 < cap; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            c = '-';
        if (c == '-' && out[n - 1] == '-')
            continue;
        out[n++] = c;
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
    if (high_fd)
        (void)snprintf(out + n, cap - n, "-high-fd");
}

/*
 * Every scenario of every operation, and each again on a descriptor select
 * cannot hold ("...-high-fd"): the sel replay checks that every operation
 * refuses it, or waits only on sockets it opened itself (a dial).
 */
static void write_ops(writer *o)
{
    enum { MAX_SEEDS = 512 };
    static uint8_t buf[SEED_MAX];
    static char names_store[MAX_SEEDS][160];
    const char *names[MAX_SEEDS] = {NULL};
    size_t n = 0;
    for (size_t i = 0; i < kit_op_count; i++) {
        for (size_t k = 0; k < 2 * kit_ops[i].nscenarios && n < MAX_SEEDS; k++, n++) {
            op_seed_name(names_store[n], sizeof names_store[n], kit_ops[i].name, kit_ops[i].scenarios[k / 2].name,
                         k % 2 == 1);
            names[n] = names_store[n];
        }
    }
    sweep_stale(o, "ops", names, n);
    n = 0;
    for (size_t i = 0; i < kit_op_count; i++) {
        for (size_t k = 0; k < 2 * kit_ops[i].nscenarios && n < MAX_SEEDS; k++, n++) {
            size_t len = encode_op_seed(i, &kit_ops[i].scenarios[k / 2], k % 2 == 1, buf);
            if (len == 0)
                exit(1);
            char rel[512];
            (void)snprintf(rel, sizeof rel, "corpus/ops/%s", names[n]);
            emit(o, rel, buf, len);
        }
    }
}

/* ---- example_client: inputs of btc_fake_fuzz (its layout: include/btcsock/fake.h) ------------------ */

/*
 * The peer's bytes, then the decisions in the order btc_fake_fuzz reads
 * them (end, chunks, window, connect, connect delay, the arrival count and
 * stages, the step count and steps), which the seed stores reversed at the
 * end. Each seed is decoded again when written: its peer bytes must come
 * back whole, so a tail one byte short cannot eat into them.
 */
typedef struct fuzzed_seed {
    const char *name;
    const char *peer;
    uint8_t tail[48];
    size_t ntail;
} fuzzed_seed;

#define TAIL(...) .tail = {__VA_ARGS__}, .ntail = sizeof((uint8_t[]){__VA_ARGS__})
#define FSTEP(op, kind) (uint8_t)(BTC_FAKE_##op | BTC_FAKE_##kind << 3)
#define HELLO_OK "HELLO REPLY RESULT=OK VERSION=3.1\n"

static const fuzzed_seed example_client_seeds[] = {
    {"ok", HELLO_OK, TAIL(0, 0, 0, 0, 0, 0, 0)},
    {"noversion", "HELLO REPLY RESULT=NOVERSION\n", TAIL(0, 0, 0, 0, 0, 0, 0)},
    {"i2p-error", "HELLO REPLY RESULT=I2P_ERROR MESSAGE=\"no router\"\n", TAIL(0, 0, 0, 0, 0, 0, 0)},
    {"malformed", "HELLO WORLD\n", TAIL(0, 0, 0, 0, 0, 0, 0)},
    {"version-too-long", "HELLO REPLY RESULT=OK VERSION=3.1.2.3.4\n", TAIL(0, 0, 0, 0, 0, 0, 0)},
    {"two-lines", "HELLO REPLY RESULT=OK VERSION=3.3\nSTREAM STATUS RESULT=OK\n", TAIL(0, 0, 0, 0, 0, 0, 0)},
    /* peeks, reads and sends of one byte */
    {"byte-by-byte", HELLO_OK, TAIL(0, 0x49, 0, 0, 0, 0, 0)},
    /* 5 bytes at once, 11 more 200 ms in, the rest 300 ms later */
    {"in-stages", HELLO_OK, TAIL(0, 0, 0, 0, 0, 2, 5, 20, 10, 30, 0)},
    /* a silent peer whose reply comes 1.5 s in, past the client's second */
    {"reply-too-late", HELLO_OK, TAIL(0xf0, 0, 0, 0, 0, 1, 0, 150, 0)},
    {"reset-mid-line", "HELLO REPLY RESU", TAIL(0x01, 0, 0, 0, 0, 0, 0)},
    {"silent-peer", "", TAIL(0xf0, 0, 0, 0, 0, 0, 0)},
    /* the peer reads 8 bytes of the greeting, then nothing */
    {"window-stalls-greeting", HELLO_OK, TAIL(0xf0, 0, 2, 0, 0, 0, 0)},
    /* EINTR, then ECONNRESET on the greeting's sends */
    {"send-eintr-then-reset", HELLO_OK, TAIL(0, 0, 0, 0, 0, 0, 2, FSTEP(SEND, FAIL), 1, FSTEP(SEND, FAIL), 3)},
    /* the reply 500 ms in; a wait that lies, a spurious wake-up, a jump of 750 ms */
    {"lying-waits-and-a-jump", HELLO_OK,
     TAIL(0, 0, 0, 0, 0, 1, 0, 50, 3, FSTEP(WAIT, FALSE_READY), 0, FSTEP(WAIT, SPURIOUS), 20, FSTEP(WAIT, ADVANCE),
          130)},
    /* a peek that says EAGAIN, then reads of one byte after a whole peek: a kernel breaking its contract */
    {"short-read", HELLO_OK, TAIL(0, 0x80, 0, 0, 0, 0, 1, FSTEP(PEEK, FAIL), 0)},
};

static size_t encode_fuzzed_seed(const fuzzed_seed *sd, uint8_t *out, size_t cap)
{
    size_t plen = strlen(sd->peer);
    if (plen + sd->ntail > cap)
        return 0;
    memcpy(out, sd->peer, plen);
    for (size_t i = 0; i < sd->ntail; i++)
        out[plen + i] = sd->tail[sd->ntail - 1 - i];
    btc_fake f;
    btc_status st = btc_fake_fuzz(&f, out, plen + sd->ntail);
    bool whole = st == BTC_OK && f.in_len == plen && (plen == 0 || memcmp(f.in, sd->peer, plen) == 0);
    btc_fake_free(&f);
    if (!whole) {
        fprintf(stderr, "make_corpus: example_client %s: the tail does not decode to its peer bytes\n", sd->name);
        return 0;
    }
    return plen + sd->ntail;
}

static void write_fuzzed(writer *o, const char *target, const fuzzed_seed *seeds, size_t n)
{
    static uint8_t buf[SEED_MAX];
    const char *names[64] = {NULL};
    for (size_t i = 0; i < n && i < 64; i++)
        names[i] = seeds[i].name;
    sweep_stale(o, target, names, n);
    for (size_t i = 0; i < n; i++) {
        size_t len = encode_fuzzed_seed(&seeds[i], buf, sizeof buf);
        if (len == 0)
            exit(1);
        char rel[512];
        (void)snprintf(rel, sizeof rel, "corpus/%s/%s", target, seeds[i].name);
        emit(o, rel, buf, len);
    }
}

static void dict_example_client(FILE *fp)
{
    static const char *const words[] = {"HELLO REPLY ", "RESULT=OK",   "RESULT=NOVERSION", "RESULT=I2P_ERROR",
                                        "VERSION=",     "VERSION=3.1", " MESSAGE=\"",      "\n"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char name[32];
        (void)snprintf(name, sizeof name, "word%zu", i);
        dict_text(fp, name, words[i]);
    }
}

static void dict_socks5(FILE *fp)
{
    dict_text(fp, "method_none", "\x05\x00");
    dict_text(fp, "method_userpass", "\x05\x02");
    dict_text(fp, "auth_ok", "\x01\x00");
    dict_add(fp, "reply_ipv4", (const uint8_t *)"\x05\x00\x00\x01", 4);
    dict_add(fp, "reply_domain", (const uint8_t *)"\x05\x00\x00\x03", 4);
    dict_add(fp, "reply_ipv6", (const uint8_t *)"\x05\x00\x00\x04", 4);
}

static void write_dict(writer *o, const char *target, bool steps, bool text, bool errors)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&mem, &len);
    if (fp == NULL)
        exit(1);
    fprintf(fp, "# fuzz/%s.dict - generated by fuzz/make_corpus.c (make fuzz-corpus); do not edit\n", target);
    if (steps)
        dict_steps(fp);
    if (text) {
        dict_text(fp, "crlf", "\r\n");
        dict_text(fp, "overlong", "\xc0\xaf");
        dict_text(fp, "surrogate", "\xed\xa0\x80");
        dict_text(fp, "too_high", "\xf4\x90\x80\x80");
        dict_text(fp, "emoji", "\xf0\x9f\x98\x80");
        dict_text(fp, "three_byte", "\xe2\x9c\x93");
    }
    if (errors)
        dict_errors(fp);
    if (strcmp(target, "socks5") == 0)
        dict_socks5(fp);
    if (strcmp(target, "example_client") == 0)
        dict_example_client(fp);
    fclose(fp);
    char rel[128];
    (void)snprintf(rel, sizeof rel, "%s.dict", target);
    emit(o, rel, (const uint8_t *)mem, len);
    free(mem);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv)
{
    writer o = {"fuzz", false, false, 0, 0, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            o.check = true;
        else if (strcmp(argv[i], "--list") == 0)
            o.list = true;
        else if (argv[i][0] != '-')
            o.dir = argv[i];
        else {
            fprintf(stderr, "usage: make_corpus [--check] [--list] [FUZZ_DIR]\n");
            return 2;
        }
    }
    char corpus[1024];
    (void)snprintf(corpus, sizeof corpus, "%s/corpus", o.dir);
    if (!o.check && !o.list)
        (void)mkdir(corpus, 0755);
    write_target(&o, "recv_until", T_RECV, recv_seeds, COUNT(recv_seeds));
    write_target(&o, "send_complete", T_SEND, send_seeds, COUNT(send_seeds));
    write_target(&o, "wait", T_WAIT, wait_seeds, COUNT(wait_seeds));
    write_target(&o, "errors", T_ERRORS, errors_seeds, COUNT(errors_seeds));
    write_target(&o, "socks5", T_SOCKS5, socks5_seeds, COUNT(socks5_seeds));
    write_target(&o, "reader", T_READER, reader_seeds, COUNT(reader_seeds));
    write_ops(&o);
    write_fuzzed(&o, "example_client", example_client_seeds, COUNT(example_client_seeds));
    write_dict(&o, "recv_until", true, true, false);
    write_dict(&o, "send_complete", true, false, false);
    write_dict(&o, "wait", true, false, false);
    write_dict(&o, "ops", true, false, false);
    write_dict(&o, "errors", false, false, true);
    write_dict(&o, "socks5", true, false, false);
    write_dict(&o, "reader", true, true, false);
    write_dict(&o, "example_client", false, false, false);
    if (o.list)
        return 0;
    if (o.check && o.stale > 0) {
        fprintf(stderr, "make_corpus: run `make fuzz-corpus` and commit the result\n");
        return 1;
    }
    printf("make_corpus: %d files %s, %d up to date\n", o.written, o.check ? "differ" : "written", o.same);
    return 0;
}
