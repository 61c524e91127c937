/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_reader.c - a btc_reader conversation against a scripted fake:
 * up to 32 calls (lines with one of two terminators, reads of any size,
 * syncs, detaches) on one socket, in lazy or BTC_READER_EXACT mode, with the
 * contract checked after every call.
 *
 * Parameters after the script: fz_reader_params (fuzz_common.h). Each call
 * byte: bits 0..2 what (0-2 a line, 3 a line ending at the second
 * terminator, 4 a read of 3 * size bytes, 5 a read of size * window / 8 + 1
 * bytes, which may exceed the window, 6 a sync, 7 a detach, then, with size
 * bit 0 clear, a new reader on the same socket), bits 3..7 the size. The
 * rest is the peer's bytes.
 *
 * Checks after every call, besides the guard's (fuzz_common.h; a reader
 * call may open with one settling read, fz_guard_allow_settle):
 *  - what was handed over is the stream, in order, nothing skipped or
 *    repeated: a line is the bytes up to the call's terminator (which it
 *    does not contain) and ends with NUL; unfinished bytes handed over by
 *    CLOSED, TOO_LARGE, IO and PROTOCOL hold no terminator (TOO_LARGE: a
 *    full window); TIMEOUT, INTERRUPTED and NOT_SELECTABLE hand over
 *    nothing; a read delivers the next err.bytes bytes; err.bytes agrees;
 *  - the reader's position (btc_reader_position) is what the harness was
 *    handed and what the fake gave up;
 *  - the lazy invariant: the socket gave up no byte past the data handed
 *    over but the unfinished line the reader holds; that line grows only
 *    in a line call that keeps it (TIMEOUT, INTERRUPTED, NOT_SELECTABLE),
 *    and then holds no terminator; after a sync, and after every call in
 *    EXACT mode, nothing handed over is left in the socket (consumed ==
 *    handed over + held);
 *  - a detach hands back exactly the held bytes (the stream after the data
 *    handed over), and a detached reader refuses every call without a
 *    system call, as do a window under 2 bytes, an unknown flag and a
 *    negative timeout;
 *  - nothing is written past the window or a read's destination (exact-size
 *    heap blocks).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static volatile size_t sink;

/* The conversation's state. */
typedef struct rz {
    fz_guard *g;
    btc_fake *f;
    btc_sock s;
    btc_reader r;
    char *win;
    size_t cap;
    unsigned flags;
    bool attached;
    bool bad_args; /* every call must be refused */
    size_t base;   /* the fake's consumed count when the reader was attached: its position 0 */
    size_t handed; /* stream bytes handed over (absolute) */
    size_t held;   /* consumed - handed over after the last call */
    btc_interrupt *intr;
    int64_t timeout;
    bool no_record;
    bool unselectable;
} rz;

static const uint8_t *rz_stream(const rz *z) { return z->f->in; }

static unsigned long rz_bound(const rz *z, size_t bytes)
{
    unsigned long bound = fz_call_bound(z->f, bytes + z->cap + 16);
    if (z->f->max_read != 0)
        bound += 4 * (unsigned long)(bytes / z->f->max_read + 1);
    return bound;
}

static void rz_begin(rz *z, int64_t timeout, btc_interrupt *intr, size_t bytes)
{
    fz_guard_begin(z->g, timeout, intr, z->unselectable, rz_bound(z, bytes));
    fz_guard_allow_settle(z->g);
}

/* A refused call: INVALID_ARGUMENT (or INVALID_SOCKET), no slot call, nothing moved. */
static void rz_refused(const rz *z, btc_status st, const char *what)
{
    FZ_CHECK(st == BTC_ERR_INVALID_ARGUMENT, "%s: %s, expected a refusal", what, btc_status_name(st));
    FZ_CHECK(z->g->calls == 0, "%s: refused after %lu slot calls", what, z->g->calls);
}

/* The invariants after a call on an attached reader; keeps: a line call that may keep its unfinished line. */
static void rz_after(rz *z, bool keeps, uint8_t term, bool synced)
{
    uint64_t returned = 0;
    uint64_t consumed = 0;
    btc_error err;
    FZ_CHECK(btc_reader_position(&z->r, &returned, &consumed, &err) == BTC_OK, "position: %s", err.message);
    FZ_CHECK(z->base + returned == z->handed, "position: %llu returned, %zu handed over since the reader began",
             (unsigned long long)returned, z->handed - z->base);
    FZ_CHECK(z->base + consumed == z->f->consumed, "position: %llu consumed, the fake gave up %zu",
             (unsigned long long)consumed, z->f->consumed - z->base);
    size_t held = z->f->consumed > z->handed ? z->f->consumed - z->handed : 0;
    if (held > z->held) {
        FZ_CHECK(keeps,
                 "the socket gave up %zu bytes past the data handed over (%zu before) in a call that keeps "
                 "nothing",
                 held, z->held);
        FZ_CHECK(memchr(rz_stream(z) + z->handed, term, held) == NULL,
                 "the reader holds %zu consumed bytes with a terminator among them", held);
    }
    FZ_CHECK(held <= z->cap, "the reader holds %zu bytes, its window is %zu", held, z->cap);
    if (synced || (z->flags & BTC_READER_EXACT) != 0)
        FZ_CHECK(z->f->consumed >= z->handed, "%zu handed over but only %zu consumed after a sync (or in EXACT mode)",
                 z->handed, z->f->consumed);
    z->held = held;
}

static void rz_line(rz *z, uint8_t term)
{
    const char *line = NULL;
    size_t len = 12345;
    btc_error err;
    btc_error *ep = z->no_record ? NULL : &err;
    rz_begin(z, z->timeout, z->intr, z->cap);
    btc_status st = btc_reader_line(&z->r, term, z->timeout, z->intr, &line, &len, ep);
    fz_guard_end(z->g, st, ep);
    FZ_CHECK(line != NULL, "*line is NULL after %s", btc_status_name(st));
    if (z->bad_args || !z->attached) {
        rz_refused(z, st, "line");
        return;
    }
    const uint8_t *at = rz_stream(z) + z->handed;
    bool keeps = st == BTC_ERR_TIMEOUT || st == BTC_ERR_INTERRUPTED || st == BTC_ERR_NOT_SELECTABLE;
    if (st == BTC_OK) {
        FZ_CHECK(len < z->cap && memcmp(line, at, len) == 0 && at[len] == term && line[len] == '\0',
                 "the line (%zu bytes) is not the stream up to its terminator", len);
        FZ_CHECK(memchr(at, term, len) == NULL, "the line contains its terminator");
        FZ_CHECK(ep == NULL || err.bytes == len + 1, "OK: err.bytes %zu for a line of %zu", err.bytes, len);
        z->handed += len + 1;
    } else if (keeps) {
        FZ_CHECK(len == 0 && line[0] == '\0', "%s handed over %zu bytes", btc_status_name(st), len);
        FZ_CHECK(ep == NULL || err.bytes == 0, "%s: err.bytes %zu", btc_status_name(st), err.bytes);
    } else {
        FZ_CHECK(st == BTC_ERR_CLOSED || st == BTC_ERR_TOO_LARGE || st == BTC_ERR_IO || st == BTC_ERR_PROTOCOL,
                 "line: status %s", btc_status_name(st));
        FZ_CHECK(len <= z->cap && memcmp(line, at, len) == 0 && memchr(at, term, len) == NULL,
                 "%s: the %zu bytes handed over are not an unfinished line of the stream", btc_status_name(st), len);
        FZ_CHECK(len == z->cap || line[len] == '\0', "%s: unfinished bytes not NUL-terminated", btc_status_name(st));
        FZ_CHECK(st != BTC_ERR_TOO_LARGE || len == z->cap, "TOO_LARGE with %zu bytes", len);
        FZ_CHECK(ep == NULL || err.bytes == len, "%s: err.bytes %zu, *len %zu", btc_status_name(st), err.bytes, len);
        z->handed += len;
    }
    sink += len;
    rz_after(z, keeps, term, false);
}

static void rz_read(rz *z, size_t n)
{
    uint8_t *dst = malloc(n + 1); /* exact size (+1 so that n == 0 is a real block): ASan sees one byte too far */
    if (dst == NULL)
        return;
    btc_error err;
    rz_begin(z, z->timeout, z->intr, n);
    btc_status st = btc_reader_read(&z->r, dst, n, z->timeout, z->intr, &err);
    fz_guard_end(z->g, st, &err);
    if (z->bad_args || !z->attached) {
        rz_refused(z, st, "read");
        free(dst);
        return;
    }
    FZ_CHECK(st != BTC_ERR_TOO_LARGE && st != BTC_ERR_INVALID_ARGUMENT, "read: %s", btc_status_name(st));
    FZ_CHECK(err.bytes <= n && (st != BTC_OK || err.bytes == n), "read of %zu: %s with %zu bytes", n,
             btc_status_name(st), err.bytes);
    FZ_CHECK(memcmp(dst, rz_stream(z) + z->handed, err.bytes) == 0, "read: the %zu bytes delivered differ", err.bytes);
    z->handed += err.bytes;
    free(dst);
    rz_after(z, false, '\n', false);
}

static void rz_sync(rz *z)
{
    btc_error err;
    rz_begin(z, BTC_TIMEOUT_INFINITE, NULL, z->cap);
    size_t before = z->f->consumed;
    btc_status st = btc_reader_sync(&z->r, &err);
    fz_guard_end(z->g, st, &err);
    if (!z->attached) {
        rz_refused(z, st, "sync");
        return;
    }
    FZ_CHECK(st != BTC_ERR_TIMEOUT && st != BTC_ERR_INTERRUPTED && st != BTC_ERR_CLOSED, "sync: %s",
             btc_status_name(st));
    FZ_CHECK(err.bytes == z->f->consumed - before, "sync: err.bytes %zu, %zu consumed", err.bytes,
             z->f->consumed - before);
    rz_after(z, false, '\n', st == BTC_OK);
}

static void rz_attach(rz *z, unsigned bad_flag)
{
    btc_error err;
    rz_begin(z, 0, NULL, 0);
    btc_status st = btc_reader_init(&z->r, &z->s, z->win, z->cap, z->flags | bad_flag, &err);
    fz_check_error_record(st, &err); /* no I/O, so no log line (fz_guard_end would want one) */
    FZ_CHECK(z->g->calls == 0, "init made %lu slot calls", z->g->calls);
    z->attached = st == BTC_OK;
    FZ_CHECK(z->attached == (z->cap >= 2 && bad_flag == 0), "init: %s (window %zu, flags 0x%x)", btc_status_name(st),
             z->cap, z->flags | bad_flag);
    z->base = z->f->consumed;
    z->held = 0;
    FZ_CHECK(z->f->consumed == z->handed, "a reader attached to a socket that is not where the last one left it");
}

static void rz_detach(rz *z, bool reattach)
{
    const void *held = NULL;
    size_t held_len = 99;
    btc_error err;
    rz_begin(z, BTC_TIMEOUT_INFINITE, NULL, z->cap);
    btc_status st = btc_reader_detach(&z->r, &held, &held_len, &err);
    fz_guard_end(z->g, st, &err);
    if (!z->attached) {
        rz_refused(z, st, "detach");
        return;
    }
    if (st != BTC_OK) {
        FZ_CHECK(held == NULL && held_len == 0, "a failed detach handed back %zu bytes", held_len);
        rz_after(z, false, '\n', false);
        return;
    }
    FZ_CHECK(held != NULL, "detach: held is NULL");
    FZ_CHECK(z->f->consumed == z->handed + held_len,
             "detach handed back %zu bytes, the socket gave up %zu past the "
             "%zu handed over",
             held_len, z->f->consumed - z->handed, z->handed);
    FZ_CHECK(memcmp(held, rz_stream(z) + z->handed, held_len) == 0, "detach: the held bytes differ from the stream");
    z->handed += held_len;
    z->attached = false;
    if (reattach && !z->bad_args)
        rz_attach(z, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_io in = fz_reader(data, size);
    btc_fake f;
    btc_fake_init(&f);
    fz_decode_script(&in, &f);
    fz_reader_params p;
    memset(&p, 0, sizeof p);
    fz_reader_params_codec(&in, &p);
    const uint8_t *peer;
    size_t peer_len;
    fz_rest(&in, &peer, &peer_len);
    btc_fake_set_input(&f, peer, peer_len);

    rz z;
    memset(&z, 0, sizeof z);
    z.f = &f;
    z.cap = (p.window & 0x8000u) ? (size_t)(p.window & 1u) : 2u + (p.window & 0xfffu);
    z.flags = (p.mode & 1u) ? BTC_READER_EXACT : 0u;
    z.timeout = (p.window & 0x4000u) ? -1 : fz_timeouts[(p.mode >> 3) & 7u];
    z.no_record = (p.window & 0x2000u) != 0;
    z.win = malloc(z.cap + 1); /* exact size (+1 for the empty window): ASan sees a write past it */
    if (z.win == NULL)
        return 0;
    btc_interrupt intr;
    z.intr = fz_interrupt(&intr, &f, (p.mode & 2u) != 0, (p.mode & 4u) != 0);
    fz_guard g;
    fz_guard_init(&g, &f);
    z.g = &g;
    fz_guard_sock(&g, &z.s, (p.mode & 0x40u) != 0);
    z.unselectable = fz_unselectable(&g, &z.s);
    unsigned bad_flag = (p.mode & 0x80u) ? 0x2u : 0u;
    rz_attach(&z, bad_flag);
    z.bad_args = z.attached && z.timeout < 0; /* line and read refuse; sync and detach work */

    for (unsigned i = 0; i < p.ncalls % (FZ_READER_MAX_CALLS + 1u); i++) {
        unsigned what = p.calls[i] & 7u;
        size_t arg = (size_t)(p.calls[i] >> 3);
        switch (what) {
        case 3:
            rz_line(&z, p.term2);
            break;
        case 4:
            rz_read(&z, 3 * arg);
            break;
        case 5:
            rz_read(&z, arg * z.cap / 8 + 1);
            break;
        case 6:
            rz_sync(&z);
            break;
        case 7:
            rz_detach(&z, (arg & 1u) == 0);
            break;
        default:
            rz_line(&z, p.term);
            break;
        }
    }
    if (z.intr != NULL)
        btc_interrupt_destroy(z.intr);
    free(z.win);
    return 0;
}
