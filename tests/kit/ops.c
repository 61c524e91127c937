/* SPDX-License-Identifier: MIT */
/*
 * tests/kit/ops.c - the operation registry (see ops.h): one entry per
 * operation, with the function that calls it and its scenarios.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kit/check.h"
#include "kit/ops.h"

#define KIT_STR(s) ((const uint8_t *)(s)), (sizeof(s) - 1)
#define KIT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Byte patterns the scenarios share. */
#define KIT_LONG_LINE 3000
static const uint8_t *long_input(void)
{
    static uint8_t in[KIT_LONG_LINE + 7];
    if (in[0] == 0) {
        for (size_t i = 0; i < KIT_LONG_LINE; i++)
            in[i] = (uint8_t)('a' + (i * 7) % 26);
        memcpy(in + KIT_LONG_LINE, "\nafter\n", 7);
    }
    return in;
}

static const uint8_t *payload(void)
{
    static uint8_t data[4096];
    if (data[1] == 0) {
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 131 + 17);
    }
    return data;
}

/* Scenarios that name no input or data of their own use the shared patterns. */
static const uint8_t *scn_input(const kit_scn *c) { return c->in != NULL || c->in_len == 0 ? c->in : long_input(); }
static const uint8_t *scn_data(const kit_scn *c) { return c->data != NULL ? c->data : payload(); }

/* ---- recv_until_terminator ------------------------------------------------------ */

static btc_status call_recv_until(kit_run *r, btc_error *err)
{
    return btc_sock_recv_until_terminator(r->s, '\n', r->c->timeout_ms, r->intr, r->c->max_data, r->buf, &r->len,
                                          r->c->flags, err);
}

/* Zero over-read: nothing past the first terminator is ever consumed; OK hands back exactly the line. */
static const char *check_recv_until(const kit_run *r, size_t consumed, char *why, size_t cap)
{
    const uint8_t *in = scn_input(r->c);
    const void *nl = memchr(in, '\n', r->c->in_len);
    size_t first = nl == NULL ? r->c->in_len : (size_t)((const uint8_t *)nl - in);
    if (nl != NULL && consumed > first + 1)
        (void)snprintf(why, cap, "over-read: consumed %zu, the first terminator is at %zu", consumed, first);
    else if (r->st == BTC_OK && (r->len != first || consumed != first + 1))
        (void)snprintf(why, cap, "OK with *len %zu and %zu consumed for a %zu-byte line", r->len, consumed, first);
    else if (r->len < r->c->max_data && r->buf[r->len] != '\0')
        (void)snprintf(why, cap, "buf[*len] (%zu) is not NUL", r->len);
    else
        return NULL;
    return why;
}

static const char utf8_lines[] = "gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac \xf0\x9f\x98\x80\nnext\n";

static const kit_scn recv_until_scenarios[] = {
    {.name = "one short line readable at once",
     .in = KIT_STR("hello world\nnext line\n"),
     .timeout_ms = 5000,
     .max_data = 64,
     .want = BTC_OK},
    {.name = "pipelined lines", .in = KIT_STR("one\ntwo\nthree\nfour\n"), .timeout_ms = 5000, .max_data = 64},
    {.name = "line split over arrivals",
     .in = KIT_STR("GET /a HTTP/1.0\nHost: x\n"),
     .arrive_off = {4, 9, 15},
     .arrive_dt = {10, 20, 35},
     .narrive = 3,
     .timeout_ms = 5000,
     .max_data = 64},
    {.name = "line in small kernel chunks",
     .in = KIT_STR("0123456789abcdefghij\nrest\n"),
     .max_peek = 4,
     .timeout_ms = 5000,
     .max_data = 64},
    {.name = "long line, doubling peeks", .in_len = KIT_LONG_LINE + 7, .timeout_ms = 5000, .max_data = 4096},
    {.name = "long line in stages",
     .in_len = KIT_LONG_LINE + 7,
     .arrive_off = {700, 2100},
     .arrive_dt = {5, 40},
     .narrive = 2,
     .timeout_ms = 5000,
     .max_data = 4096},
    {.name = "UTF-8 line",
     .in = (const uint8_t *)utf8_lines,
     .in_len = sizeof utf8_lines - 1,
     .timeout_ms = 5000,
     .max_data = 64,
     .flags = BTC_RECV_UTF8},
    {.name = "partial line then EOF",
     .in = KIT_STR("no terminator"),
     .end_now = true,
     .timeout_ms = 5000,
     .max_data = 64,
     .want = BTC_ERR_CLOSED},
    {.name = "partial line then silence",
     .in = KIT_STR("abc"),
     .timeout_ms = 50,
     .max_data = 64,
     .want = BTC_ERR_TIMEOUT},
    {.name = "partial line then reset",
     .in = KIT_STR("abc"),
     .end_now = true,
     .end_error = ECONNRESET,
     .timeout_ms = 5000,
     .max_data = 64,
     .want = BTC_ERR_IO},
};

/* ---- send_complete ----------------------------------------------------------------- */

static btc_status call_send_complete(kit_run *r, btc_error *err)
{
    return btc_sock_send_complete(r->s, r->c->data, r->c->data_len, r->c->timeout_ms, r->intr, err);
}

static const kit_scn send_complete_scenarios[] = {
    {.name = "one-shot", .data_len = 300, .timeout_ms = 5000},
    {.name = "short sends", .data_len = 300, .max_send = 37, .timeout_ms = 5000},
    {.name = "full window, waits for the peer to read", .data_len = 300, .window = 64, .drain = 64, .timeout_ms = 5000},
    {.name = "large payload, chunks and waits",
     .data_len = 4096,
     .max_send = 1000,
     .window = 1500,
     .drain = 1200,
     .timeout_ms = 5000},
    {.name = "window stays full", .data_len = 300, .window = 100, .timeout_ms = 200, .want = BTC_ERR_TIMEOUT},
};

/* ---- is_connected ------------------------------------------------------------------ */

static btc_status call_is_connected(kit_run *r, btc_error *err) { return btc_sock_is_connected(r->s, err); }

static const kit_scn is_connected_scenarios[] = {
    {.name = "data waiting", .in = KIT_STR("x\n")},
    {.name = "nothing yet", .in = KIT_STR("later\n"), .arrive_off = {0}, .arrive_dt = {100}, .narrive = 1},
    {.name = "peer closed", .end_now = true, .want = BTC_ERR_CLOSED},
    {.name = "connection reset", .end_now = true, .end_error = ECONNRESET, .want = BTC_ERR_IO},
};

/* ---- wait -------------------------------------------------------------------------------- */

static btc_status call_wait(kit_run *r, btc_error *err)
{
    return btc_sock_wait(r->s, r->c->timeout_ms, r->c->requested, &r->occurred, r->intr, err);
}

/* btc_wait_many over one item: the same outcomes as btc_sock_wait. */
static btc_status call_wait_many(kit_run *r, btc_error *err)
{
    btc_wait_item item = {r->s, r->c->requested, 0};
    btc_status st = btc_wait_many(&item, 1, r->c->timeout_ms, r->intr, err);
    r->occurred = item.occurred;
    return st;
}

static const kit_scn wait_scenarios[] = {
    {.name = "RECV, data ready", .in = KIT_STR("x\n"), .requested = BTC_EV_RECV, .timeout_ms = 1000},
    {.name = "RECV, data arrives later",
     .in = KIT_STR("x\n"),
     .arrive_off = {0},
     .arrive_dt = {30},
     .narrive = 1,
     .requested = BTC_EV_RECV,
     .timeout_ms = 1000},
    {.name = "RECV, silent peer", .requested = BTC_EV_RECV, .timeout_ms = 100, .want = BTC_ERR_TIMEOUT},
    {.name = "RECV, reset", .end_now = true, .end_error = ECONNRESET, .requested = BTC_EV_RECV, .timeout_ms = 1000},
    {.name = "SEND, room", .requested = BTC_EV_SEND, .timeout_ms = 1000},
    {.name = "SEND, window full",
     .window_full = true,
     .requested = BTC_EV_SEND,
     .timeout_ms = 100,
     .want = BTC_ERR_TIMEOUT},
    {.name = "RECV|SEND, data ready", .in = KIT_STR("x\n"), .requested = BTC_EV_RECV | BTC_EV_SEND, .timeout_ms = 1000},
};

/* ---- recv_exact ------------------------------------------------------------------------ */

static btc_status call_recv_exact(kit_run *r, btc_error *err)
{
    btc_status st = btc_sock_recv_exact(r->s, r->buf, r->c->max_data, r->c->timeout_ms, r->intr, err);
    r->len = err->bytes;
    return st;
}

/* Never a byte past len; OK only with all of it. */
static const char *check_recv_exact(const kit_run *r, size_t consumed, char *why, size_t cap)
{
    if (consumed > r->c->max_data)
        (void)snprintf(why, cap, "over-read: consumed %zu for a %zu-byte read", consumed, r->c->max_data);
    else if (r->st == BTC_OK && consumed != r->c->max_data)
        (void)snprintf(why, cap, "OK after %zu of %zu bytes", consumed, r->c->max_data);
    else
        return NULL;
    return why;
}

static const kit_scn recv_exact_scenarios[] = {
    {.name = "all at once", .in = KIT_STR("0123456789abcdef"), .timeout_ms = 5000, .max_data = 10},
    {.name = "in arrivals",
     .in = KIT_STR("0123456789"),
     .arrive_off = {3, 7},
     .arrive_dt = {10, 30},
     .narrive = 2,
     .timeout_ms = 5000,
     .max_data = 10},
    {.name = "small reads", .in = KIT_STR("0123456789"), .max_read = 3, .timeout_ms = 5000, .max_data = 10},
    {.name = "EOF before all",
     .in = KIT_STR("0123"),
     .end_now = true,
     .timeout_ms = 5000,
     .max_data = 10,
     .want = BTC_ERR_CLOSED},
    {.name = "silent before all", .in = KIT_STR("0123"), .timeout_ms = 50, .max_data = 10, .want = BTC_ERR_TIMEOUT},
    {.name = "reset before all",
     .in = KIT_STR("01"),
     .end_now = true,
     .end_error = ECONNRESET,
     .timeout_ms = 5000,
     .max_data = 10,
     .want = BTC_ERR_IO},
};

/* ---- send_complete_v ---------------------------------------------------------------------- */

/* The data as uneven pieces, empty ones among them: boundaries fall everywhere. */
static btc_status call_send_complete_v(kit_run *r, btc_error *err)
{
    static const size_t sizes[] = {0, 1, 13, 0, 100, 7, 64};
    btc_iovec iov[sizeof sizes / sizeof sizes[0] + 1];
    size_t n = 0;
    size_t off = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && off < r->c->data_len; i++) {
        size_t len = sizes[i] < r->c->data_len - off ? sizes[i] : r->c->data_len - off;
        iov[n++] = (btc_iovec){r->c->data + off, len};
        off += len;
    }
    iov[n++] = (btc_iovec){r->c->data + off, r->c->data_len - off};
    return btc_sock_send_complete_v(r->s, iov, n, r->c->timeout_ms, r->intr, err);
}

/* ---- connect_timeout, dial_with --------------------------------------------------------- */

static btc_status call_connect_timeout(kit_run *r, btc_error *err)
{
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    addr.ss_family = AF_INET; /* the fake does not look at it */
    return btc_sock_connect_timeout(r->s, (const struct sockaddr *)&addr, (socklen_t)sizeof addr, r->c->timeout_ms,
                                    r->intr, err);
}

static btc_status call_dial_with(kit_run *r, btc_error *err)
{
    btc_sock out;
    btc_status st = btc_sock_dial_with(&out, r->s->sys, r->c->host, "8333", r->c->timeout_ms, r->intr, err);
    (void)btc_sock_release(&out); /* a fake descriptor: nothing to close, and no close call in the record */
    return st;
}

static const btc_addr one_address[] = {{.family = AF_INET, .socktype = SOCK_STREAM, .len = 16}};

/* The connect scenarios, shared by connect_timeout and dial (which adds its own). */
#define CONNECT_SCENARIOS                                                                                            \
    {.name = "connects at once", .timeout_ms = 1000, .host = "node.example", .resolve = one_address, .nresolve = 1}, \
        {.name = "in progress, then connected",                                                                      \
         .connect_error = EINPROGRESS,                                                                               \
         .connect_dt = 30,                                                                                           \
         .timeout_ms = 1000,                                                                                         \
         .host = "node.example",                                                                                     \
         .resolve = one_address,                                                                                     \
         .nresolve = 1},                                                                                             \
        {.name = "in progress, then refused",                                                                        \
         .connect_error = EINPROGRESS,                                                                               \
         .connect_so_error = ECONNREFUSED,                                                                           \
         .connect_dt = 30,                                                                                           \
         .timeout_ms = 1000,                                                                                         \
         .host = "node.example",                                                                                     \
         .resolve = one_address,                                                                                     \
         .nresolve = 1,                                                                                              \
         .want = BTC_ERR_IO},                                                                                        \
        {.name = "refused at once",                                                                                  \
         .connect_error = ECONNREFUSED,                                                                              \
         .timeout_ms = 1000,                                                                                         \
         .host = "node.example",                                                                                     \
         .resolve = one_address,                                                                                     \
         .nresolve = 1,                                                                                              \
         .want = BTC_ERR_IO},                                                                                        \
    {                                                                                                                \
        .name = "never completes", .connect_error = EINPROGRESS, .connect_dt = 1 << 30, .timeout_ms = 100,           \
        .host = "node.example", .resolve = one_address, .nresolve = 1, .want = BTC_ERR_TIMEOUT                       \
    }

static const kit_scn connect_scenarios[] = {CONNECT_SCENARIOS};
static const kit_scn dial_scenarios[] = {
    CONNECT_SCENARIOS,
    {.name = "the resolver fails", .timeout_ms = 1000, .host = "nowhere.example", .want = BTC_ERR_RESOLVE},
};

/* ---- shutdown -------------------------------------------------------------------------- */

static btc_status call_shutdown(kit_run *r, btc_error *err) { return btc_sock_shutdown(r->s, BTC_SHUT_WR, err); }

static const kit_scn shutdown_scenarios[] = {{.name = "shuts the sending side"}};

/* ---- socks5_connect ------------------------------------------------------------------ */

static btc_status call_socks5(kit_run *r, btc_error *err)
{
    return btc_socks5_connect(r->s, r->c->host, 8333, NULL, r->c->timeout_ms, r->intr, err);
}

/* The greeting offers "no authentication"; the request asks for 10.0.0.1:8333 or node.example:8333. */
#define GREETING "\x05\x01\x00"
#define REQUEST_IPV4 "\x05\x01\x00\x01\x0a\x00\x00\x01\x20\x8d"
#define REQUEST_NAME "\x05\x01\x00\x03\x0cnode.example\x20\x8d"
#define METHOD_NONE "\x05\x00"
#define BOUND_IPV4 "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"

static const kit_scn socks5_scenarios[] = {
    {.name = "IPv4, bound IPv4, tunnel bytes behind",
     .in = KIT_STR(METHOD_NONE BOUND_IPV4 "TUNNEL"),
     .max_data = 12,
     .data = KIT_STR(GREETING REQUEST_IPV4),
     .host = "10.0.0.1",
     .timeout_ms = 5000},
    {.name = "name, bound domain, one byte a read",
     .in = KIT_STR(METHOD_NONE "\x05\x00\x00\x03\x05proxy\x1f\x90"
                               "TUNNEL"),
     .max_data = 2 + 4 + 1 + 5 + 2,
     .max_read = 1,
     .data = KIT_STR(GREETING REQUEST_NAME),
     .host = "node.example",
     .timeout_ms = 5000},
    {.name = "bound IPv6, in arrivals",
     .in = KIT_STR(METHOD_NONE "\x05\x00\x00\x04"
                               "0123456789abcdef\x1f\x90"),
     .arrive_off = {2, 7},
     .arrive_dt = {20, 40},
     .narrive = 2,
     .max_data = 2 + 4 + 16 + 2,
     .data = KIT_STR(GREETING REQUEST_IPV4),
     .host = "10.0.0.1",
     .timeout_ms = 5000},
    {.name = "refused",
     .in = KIT_STR(METHOD_NONE "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"),
     .max_data = 6,
     .data = KIT_STR(GREETING REQUEST_IPV4),
     .host = "10.0.0.1",
     .timeout_ms = 5000,
     .want = BTC_ERR_PROXY},
    {.name = "the proxy closes",
     .in = KIT_STR(METHOD_NONE "\x05"),
     .end_now = true,
     .max_data = 3,
     .data = KIT_STR(GREETING REQUEST_IPV4),
     .host = "10.0.0.1",
     .timeout_ms = 5000,
     .want = BTC_ERR_CLOSED},
    {.name = "a silent proxy",
     .in = KIT_STR(METHOD_NONE),
     .max_data = 2,
     .data = KIT_STR(GREETING REQUEST_IPV4),
     .host = "10.0.0.1",
     .timeout_ms = 100,
     .want = BTC_ERR_TIMEOUT},
};

/* ---- btc_reader --------------------------------------------------------------------------- */

/*
 * A reader as the registry sees it: the call attaches a reader to the
 * socket with buf as its window and makes one call; the finish detaches it,
 * so that the run ends with the socket synced (lazy mode consumes the line
 * only then) and every byte the run consumed is in buf: the line (a fresh
 * reader finds it at buf[0], NUL-terminated), the unfinished bytes a stop
 * handed over, or those the detach handed back after a stop that keeps
 * them (TIMEOUT, INTERRUPTED, NOT_SELECTABLE). After IO or PROTOCOL the
 * socket is broken: no detach, whose sync would be a second chance. On every
 * stop r->len and err->bytes are then what the socket gave up
 * (btc_reader_position), the KIT_IN accounting; a failed detach is the
 * run's result.
 */
static btc_status reader_finish(kit_run *r, btc_error *err)
{
    btc_status st = r->st;
    if (st == BTC_ERR_INVALID_ARGUMENT)
        return st; /* never attached */
    if (st != BTC_ERR_IO && st != BTC_ERR_PROTOCOL) {
        const void *held = NULL;
        size_t held_len = 0;
        btc_error derr;
        btc_status dst = btc_reader_detach(&r->reader, &held, &held_len, &derr);
        if (dst != BTC_OK) {
            *err = derr;
            st = dst;
        } else if (held_len > 0 && held != r->buf) {
            memmove(r->buf, held, held_len);
        }
    }
    if (st == BTC_OK)
        return st;
    uint64_t returned = 0;
    uint64_t consumed = 0;
    (void)btc_reader_position(&r->reader, &returned, &consumed, NULL);
    r->len = (size_t)consumed;
    err->bytes = r->len;
    if (r->len < r->c->max_data)
        r->buf[r->len] = '\0';
    return st;
}

static btc_status reader_line_run(kit_run *r, btc_error *err, unsigned flags)
{
    r->len = 0;
    /* A refused init (a window under 2 bytes) leaves the reader unusable: the line call then says so, and
     * logs it, as every operation logs its one result (init itself does no I/O and logs nothing). */
    (void)btc_reader_init(&r->reader, r->s, r->buf, r->c->max_data, flags, err);
    const char *line = NULL;
    btc_status st = btc_reader_line(&r->reader, '\n', r->c->timeout_ms, r->intr, &line, &r->len, err);
    if (st == BTC_ERR_INVALID_ARGUMENT && r->c->max_data > 0)
        r->buf[0] = '\0';
    return st;
}

static btc_status call_reader_line(kit_run *r, btc_error *err) { return reader_line_run(r, err, 0); }
static btc_status call_reader_line_exact(kit_run *r, btc_error *err)
{
    return reader_line_run(r, err, BTC_READER_EXACT);
}

/* A window must hold two bytes: a smaller max_data is refused, and only that. */
static const char *check_reader_line(const kit_run *r, size_t consumed, char *why, size_t cap)
{
    if ((r->st == BTC_ERR_INVALID_ARGUMENT) != (r->c->max_data < 2)) {
        (void)snprintf(why, cap, "%s with a window of %zu bytes", btc_status_name(r->st), r->c->max_data);
        return why;
    }
    return check_recv_until(r, consumed, why, cap);
}

/*
 * btc_reader_read of max_data bytes into buf, through a small window of its
 * own: a payload under the window's size is fetched through it (peeks),
 * a larger one read straight into buf.
 */
#define KIT_READER_WINDOW 32
static btc_status call_reader_read(kit_run *r, btc_error *err)
{
    static char window[KIT_READER_WINDOW];
    r->len = 0;
    (void)btc_reader_init(&r->reader, r->s, window, sizeof window, 0, err); /* cannot fail: as above if it did */
    btc_status st = btc_reader_read(&r->reader, r->buf, r->c->max_data, r->c->timeout_ms, r->intr, err);
    r->len = err->bytes;
    return st;
}

/* recv_exact's rules; and a read is never refused for its size nor TOO_LARGE. */
static const char *check_reader_read(const kit_run *r, size_t consumed, char *why, size_t cap)
{
    if (check_recv_exact(r, consumed, why, cap) != NULL)
        return why;
    if (r->st != BTC_ERR_INVALID_ARGUMENT && r->st != BTC_ERR_TOO_LARGE)
        return NULL;
    (void)snprintf(why, cap, "%s for a read", btc_status_name(r->st));
    return why;
}

static const kit_scn reader_read_scenarios[] = {
    {.name = "payload readable at once",
     .in = KIT_STR("0123456789abcdefghij+rest"),
     .timeout_ms = 5000,
     .max_data = 20},
    {.name = "payload larger than the window", .in_len = KIT_LONG_LINE + 7, .timeout_ms = 5000, .max_data = 2000},
    {.name = "payload in small kernel chunks",
     .in = KIT_STR("0123456789abcdefghij+rest"),
     .max_peek = 3,
     .timeout_ms = 5000,
     .max_data = 20},
    {.name = "large payload read in short pieces",
     .in_len = KIT_LONG_LINE + 7,
     .max_read = 700,
     .timeout_ms = 5000,
     .max_data = 2500},
    {.name = "payload over arrivals",
     .in = KIT_STR("0123456789abcdefghij+rest"),
     .arrive_off = {3, 11, 19},
     .arrive_dt = {10, 20, 30},
     .narrive = 3,
     .timeout_ms = 5000,
     .max_data = 24},
    {.name = "payload cut by EOF",
     .in = KIT_STR("0123456789"),
     .end_now = true,
     .timeout_ms = 5000,
     .max_data = 20,
     .want = BTC_ERR_CLOSED},
    {.name = "payload cut by silence",
     .in = KIT_STR("0123456789"),
     .timeout_ms = 50,
     .max_data = 20,
     .want = BTC_ERR_TIMEOUT},
    {.name = "payload cut by a reset",
     .in = KIT_STR("0123456789"),
     .end_now = true,
     .end_error = ECONNRESET,
     .timeout_ms = 5000,
     .max_data = 100,
     .want = BTC_ERR_IO},
};

/* ---- the registry ----------------------------------------------------------------------- */

#define KIT_LOOP_STATUSES                                                                          \
    (KIT_ST(BTC_OK) | KIT_ST(BTC_ERR_TIMEOUT) | KIT_ST(BTC_ERR_INTERRUPTED) | KIT_ST(BTC_ERR_IO) | \
     KIT_ST(BTC_ERR_NOT_SELECTABLE))

#define KIT_CONNECT_STATUSES                                                                       \
    (KIT_ST(BTC_OK) | KIT_ST(BTC_ERR_TIMEOUT) | KIT_ST(BTC_ERR_INTERRUPTED) | KIT_ST(BTC_ERR_IO) | \
     KIT_ST(BTC_ERR_NOT_SELECTABLE))

/* A reader's window smaller than two bytes is refused: the ops fuzz target chooses any max_data. */
#define KIT_READER_STATUSES                                                                              \
    (KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_CLOSED) | KIT_ST(BTC_ERR_TOO_LARGE) | KIT_ST(BTC_ERR_PROTOCOL) | \
     KIT_ST(BTC_ERR_INVALID_ARGUMENT))

const kit_op kit_ops[] = {
    {"recv_until_terminator", KIT_IN, call_recv_until,
     KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_CLOSED) | KIT_ST(BTC_ERR_TOO_LARGE) | KIT_ST(BTC_ERR_PROTOCOL) |
         KIT_ST(BTC_ERR_INVALID_UTF8),
     recv_until_scenarios, KIT_COUNT(recv_until_scenarios), 2, check_recv_until, false, NULL},
    {"send_complete", KIT_OUT, call_send_complete, KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_PROTOCOL),
     send_complete_scenarios, KIT_COUNT(send_complete_scenarios), 1, NULL, false, NULL},
    {"is_connected", KIT_PROBE, call_is_connected,
     KIT_ST(BTC_OK) | KIT_ST(BTC_ERR_CLOSED) | KIT_ST(BTC_ERR_IO) | KIT_ST(BTC_ERR_PROTOCOL), is_connected_scenarios,
     KIT_COUNT(is_connected_scenarios), 1, NULL, false, NULL},
    {"wait", KIT_WAIT, call_wait, KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_NO_MEMORY), wait_scenarios,
     KIT_COUNT(wait_scenarios), 1, NULL, false, NULL},
    {"wait_many", KIT_WAIT, call_wait_many, KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_NO_MEMORY), wait_scenarios,
     KIT_COUNT(wait_scenarios), 1, NULL, false, NULL},
    {"recv_exact", KIT_IN, call_recv_exact, KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_CLOSED) | KIT_ST(BTC_ERR_PROTOCOL),
     recv_exact_scenarios, KIT_COUNT(recv_exact_scenarios), 1, check_recv_exact, false, NULL},
    {"send_complete_v", KIT_OUT, call_send_complete_v, KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_PROTOCOL),
     send_complete_scenarios, KIT_COUNT(send_complete_scenarios), 1, NULL, false, NULL},
    {"connect_timeout", KIT_CONNECT, call_connect_timeout, KIT_CONNECT_STATUSES, connect_scenarios,
     KIT_COUNT(connect_scenarios), 2, NULL, true, NULL},
    {"dial_with", KIT_CONNECT, call_dial_with, KIT_CONNECT_STATUSES | KIT_ST(BTC_ERR_RESOLVE), dial_scenarios,
     KIT_COUNT(dial_scenarios), 4, NULL, true, NULL},
    {"shutdown", KIT_ONCE, call_shutdown, KIT_ST(BTC_OK) | KIT_ST(BTC_ERR_IO) | KIT_ST(BTC_ERR_WOULD_BLOCK),
     shutdown_scenarios, KIT_COUNT(shutdown_scenarios), 1, NULL, true, NULL},
    {"socks5_connect", KIT_TALK, call_socks5,
     KIT_LOOP_STATUSES | KIT_ST(BTC_ERR_CLOSED) | KIT_ST(BTC_ERR_PROTOCOL) | KIT_ST(BTC_ERR_PROXY), socks5_scenarios,
     KIT_COUNT(socks5_scenarios), 5, NULL, false, NULL},
    /* The reader's calls end in a detach (reader_finish): lazy mode costs the peek and the detach's read. */
    {"reader_line", KIT_IN, call_reader_line, KIT_READER_STATUSES, recv_until_scenarios,
     KIT_COUNT(recv_until_scenarios), 2, check_reader_line, false, reader_finish},
    {"reader_line_exact", KIT_IN, call_reader_line_exact, KIT_READER_STATUSES, recv_until_scenarios,
     KIT_COUNT(recv_until_scenarios), 2, check_reader_line, false, reader_finish},
    {"reader_read", KIT_IN, call_reader_read, KIT_READER_STATUSES, reader_read_scenarios,
     KIT_COUNT(reader_read_scenarios), 2, check_reader_read, false, reader_finish},
};
const size_t kit_op_count = KIT_COUNT(kit_ops);

const kit_op *kit_op_find(const char *name)
{
    for (size_t i = 0; i < kit_op_count; i++) {
        if (strcmp(kit_ops[i].name, name) == 0)
            return &kit_ops[i];
    }
    return NULL;
}

/* ---- running and checking ------------------------------------------------------------------ */

bool kit_scn_apply(const kit_scn *c, btc_fake *f, uint8_t *out, size_t out_cap)
{
    btc_fake_set_input(f, scn_input(c), c->in_len);
    for (size_t i = 0; i < c->narrive; i++) {
        if (!btc_fake_arrive_at(f, c->arrive_off[i], KIT_T0 + c->arrive_dt[i]))
            return false;
    }
    if (!btc_fake_set_end(f, c->end_error, c->end_now ? KIT_T0 : KIT_NEVER))
        return false;
    btc_fake_set_chunks(f, c->max_peek, c->max_read, c->max_send);
    if (out != NULL)
        btc_fake_set_output(f, out, out_cap);
    if (c->window > 0 || c->window_full)
        btc_fake_set_send_window(f, c->window);
    btc_fake_set_connect(f, c->connect_error, c->connect_so_error, KIT_T0 + c->connect_dt);
    btc_fake_set_resolve(f, c->resolve, c->nresolve, c->resolve_error);
    return true;
}

void kit_op_call(const kit_op *op, kit_run *r)
{
    /* The scenario as the operation sees it: the shared patterns filled in. */
    kit_scn c = *r->c;
    c.in = scn_input(r->c);
    c.data = scn_data(r->c);
    const kit_scn *given = r->c;
    r->c = &c;
    memset(&r->err, 0x5a, sizeof r->err);
    r->len = (size_t)-1;
    r->occurred = 0xff;
    r->st = op->call(r, &r->err);
    r->c = given;
}

void kit_op_finish(const kit_op *op, kit_run *r)
{
    if (op->finish != NULL)
        r->st = op->finish(r, &r->err);
}

void kit_op_run(const kit_op *op, kit_run *r)
{
    kit_op_call(op, r);
    kit_op_finish(op, r);
}

static const char *check_in(const kit_run *r, size_t consumed, size_t sent, char *why, size_t cap)
{
    const uint8_t *in = scn_input(r->c);
    /* A line's terminator is consumed but replaced by the NUL: OK may hand back one byte less. */
    size_t handed = r->st == BTC_OK && r->len + 1 == consumed ? consumed - 1 : consumed;
    if (r->err.bytes != consumed)
        (void)snprintf(why, cap, "err.bytes %zu but %zu bytes consumed", r->err.bytes, consumed);
    else if (r->len != handed)
        (void)snprintf(why, cap, "%zu bytes handed back of %zu consumed", r->len, consumed);
    else if (memcmp(r->buf, in, handed) != 0)
        (void)snprintf(why, cap, "the buffer does not hold the %zu consumed input bytes", handed);
    else if (sent != 0)
        (void)snprintf(why, cap, "sent %zu bytes", sent);
    else
        return NULL;
    return why;
}

static const char *check_out(const kit_run *r, size_t consumed, size_t sent, const uint8_t *out, char *why, size_t cap)
{
    if (r->err.bytes != sent)
        (void)snprintf(why, cap, "err.bytes %zu but the peer got %zu", r->err.bytes, sent);
    else if (sent > r->c->data_len)
        (void)snprintf(why, cap, "the peer got %zu of %zu bytes", sent, r->c->data_len);
    else if (out != NULL && memcmp(out, scn_data(r->c), sent) != 0)
        (void)snprintf(why, cap, "the peer's bytes differ from data[0..%zu)", sent);
    else if (r->st == BTC_OK && sent != r->c->data_len)
        (void)snprintf(why, cap, "OK after %zu of %zu bytes", sent, r->c->data_len);
    else if (consumed != 0)
        (void)snprintf(why, cap, "consumed %zu input bytes", consumed);
    else
        return NULL;
    return why;
}

/* A handshake: the reply read exactly, what was sent a prefix of what is due. */
static const char *check_talk(const kit_run *r, size_t consumed, size_t sent, const uint8_t *out, char *why, size_t cap)
{
    if (r->err.bytes != consumed)
        (void)snprintf(why, cap, "err.bytes %zu but %zu bytes consumed", r->err.bytes, consumed);
    else if (r->c->max_data > 0 && consumed > r->c->max_data)
        (void)snprintf(why, cap, "over-read: consumed %zu of a %zu-byte reply", consumed, r->c->max_data);
    else if (r->c->max_data > 0 && r->st == BTC_OK && consumed != r->c->max_data)
        (void)snprintf(why, cap, "OK after %zu bytes of a %zu-byte reply", consumed, r->c->max_data);
    else if (r->c->data_len > 0 && (sent > r->c->data_len || (out != NULL && memcmp(out, r->c->data, sent) != 0)))
        (void)snprintf(why, cap, "sent %zu bytes that are not a prefix of the %zu due", sent, r->c->data_len);
    else if (r->st == BTC_OK && r->c->data_len > 0 && sent != r->c->data_len)
        (void)snprintf(why, cap, "OK after sending %zu of %zu bytes", sent, r->c->data_len);
    else
        return NULL;
    return why;
}

static const char *check_still(const kit_op *op, const kit_run *r, size_t consumed, size_t sent, char *why, size_t cap)
{
    if (consumed != 0 || sent != 0 || r->err.bytes != 0)
        (void)snprintf(why, cap, "moved bytes: consumed %zu, sent %zu, err.bytes %zu", consumed, sent, r->err.bytes);
    else if (op->kind == KIT_WAIT && r->st != BTC_OK && r->occurred != 0)
        (void)snprintf(why, cap, "%s with occurred 0x%x", btc_status_name(r->st), (unsigned)r->occurred);
    else
        return NULL;
    return why;
}

const char *kit_check_run(const kit_op *op, const kit_run *r, size_t consumed, size_t sent, const uint8_t *out,
                          char *why, size_t cap)
{
    const char *problem = kit_record_problem(r->st, &r->err, 0, why, cap);
    if (problem != NULL)
        return problem;
    if ((unsigned)r->st >= 32u || (op->allowed & KIT_ST(r->st)) == 0) {
        (void)snprintf(why, cap, "%s may not return %s", op->name, btc_status_name(r->st));
        return why;
    }
    switch (op->kind) {
    case KIT_IN:
        problem = check_in(r, consumed, sent, why, cap);
        break;
    case KIT_OUT:
        problem = check_out(r, consumed, sent, out, why, cap);
        break;
    case KIT_TALK:
        problem = check_talk(r, consumed, sent, out, why, cap);
        break;
    case KIT_PROBE:
    case KIT_WAIT:
    case KIT_CONNECT:
    case KIT_ONCE:
        problem = check_still(op, r, consumed, sent, why, cap);
        break;
    }
    if (problem == NULL && op->check != NULL)
        problem = op->check(r, consumed, why, cap);
    return problem;
}
