/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_recv_until.c - btc_sock_recv_until_terminator against a scripted
 * fake, checking the whole contract after every call.
 *
 * Parameters after the script: u8 terminator, u16 max_data (1 + low 12
 * bits; bit 15 an unknown flag, bit 14 a negative timeout: both must be
 * refused with INVALID_ARGUMENT before any call; bit 13 no error record:
 * err is NULL), u8 options (bit 0 BTC_RECV_UTF8, bit 1 an interrupt set before the call,
 * bit 2 an attached interrupt for INTERRUPT steps, bits 3..5 timeout index,
 * bit 6 read a second line after the first, bit 7 a descriptor the select
 * backend cannot hold). The rest is the peer's bytes.
 *
 * Checks, besides the guard's (fuzz_common.h): on OK the line is the stream
 * up to the first terminator and exactly len + 1 bytes were consumed; on any
 * error buf holds exactly the consumed bytes and err.bytes counts them;
 * nothing past the first terminator is consumed, never more than max_data;
 * nothing is written at or past buf[max_data] (an exact-size heap block);
 * the status is one the contract allows and agrees with what the fake did
 * (CLOSED only after a peek saw the end, PROTOCOL exactly when a read came up
 * short, TOO_LARGE only at max_data); the first attempt happens even with a
 * zero timeout or an interrupt already set.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define FZ_POISON(p, n) __msan_allocated_memory((p), (n))
#endif
#endif
#ifndef FZ_POISON
#define FZ_POISON(p, n) ((void)(p), (void)(n))
#endif

static volatile size_t sink;

static bool status_allowed(btc_status st, unsigned flags, bool unselectable)
{
    if ((flags & ~BTC_RECV_UTF8) != 0)
        return st == BTC_ERR_INVALID_ARGUMENT;
    switch (st) {
    case BTC_OK:
    case BTC_ERR_CLOSED:
    case BTC_ERR_TOO_LARGE:
    case BTC_ERR_TIMEOUT:
    case BTC_ERR_INTERRUPTED:
    case BTC_ERR_IO:
    case BTC_ERR_PROTOCOL:
        return true;
    case BTC_ERR_INVALID_UTF8:
        return (flags & BTC_RECV_UTF8) != 0;
    case BTC_ERR_NOT_SELECTABLE:
        return unselectable;
    default:
        return false;
    }
}

/* One call and its checks; `start` is how much of the stream was consumed before it. */
static btc_status read_line_checked(fz_guard *g, const btc_sock *s, uint8_t term, int64_t timeout, btc_interrupt *intr,
                                    size_t max_data, unsigned flags, bool no_record)
{
    btc_fake *f = g->f;
    const uint8_t *stream = f->in; /* the fake may shorten in_len on EOF steps, never the bytes */
    size_t start = f->consumed;
    bool unselectable = fz_unselectable(g, s);
    /*
     * Exactly max_data bytes on the heap: ASan sees a write at buf[max_data].
     * A pattern, not zeros, so that a missing NUL shows; MSan still sees the
     * block as uninitialised, so reading a byte the library never wrote shows.
     */
    char *buf = malloc(max_data);
    if (buf == NULL)
        return BTC_ERR_NO_MEMORY;
    memset(buf, 0xA5, max_data);
    FZ_POISON(buf, max_data);
    size_t len = 12345;
    btc_error err;
    btc_error *ep = no_record ? NULL : &err;
    fz_guard_begin(g, timeout, intr, unselectable, fz_call_bound(f, max_data));
    btc_status st = btc_sock_recv_until_terminator(s, term, timeout, intr, max_data, buf, &len, flags, ep);
    size_t consumed = f->consumed - start;
    if (no_record)
        err.bytes = st == BTC_OK ? len + 1 : len; /* what the record would say; checked against consumed */

    fz_guard_end(g, st, ep);
    if ((flags & ~BTC_RECV_UTF8) != 0 || timeout < 0) {
        FZ_CHECK(st == BTC_ERR_INVALID_ARGUMENT && g->calls == 0 && len == 0 && err.bytes == 0 && buf[0] == '\0',
                 "invalid arguments: %s, len %zu, after %lu slot calls", btc_status_name(st), len, g->calls);
        free(buf);
        return st;
    }
    FZ_CHECK(status_allowed(st, flags, unselectable), "status %s not allowed", btc_status_name(st));
    FZ_CHECK(g->peeks >= 1, "no peek attempted (%s)", btc_status_name(st));
    FZ_CHECK(g->sends == 0, "recv_until_terminator sent %lu times", g->sends);
    FZ_CHECK(consumed <= max_data, "consumed %zu > max_data %zu", consumed, max_data);
    FZ_CHECK(err.bytes == consumed, "err.bytes %zu but %zu consumed (%s)", err.bytes, consumed, btc_status_name(st));
    const uint8_t *first_term = memchr(stream + start, term, consumed);
    if (st == BTC_OK) {
        FZ_CHECK(consumed == len + 1, "OK with len %zu but %zu consumed", len, consumed);
        FZ_CHECK(stream[start + len] == term, "OK but the consumed bytes do not end with the terminator");
        FZ_CHECK(first_term == stream + start + len, "consumed past the first terminator");
        FZ_CHECK(memcmp(buf, stream + start, len) == 0, "line differs from the stream");
        FZ_CHECK(buf[len] == '\0', "line not NUL-terminated");
    } else if (st == BTC_ERR_INVALID_UTF8) {
        FZ_CHECK(len == consumed && len >= 1, "INVALID_UTF8 with len %zu, consumed %zu", len, consumed);
        FZ_CHECK(first_term == stream + start + len - 1, "INVALID_UTF8 but the terminator is not last");
        FZ_CHECK(memcmp(buf, stream + start, len) == 0, "raw line differs from the stream");
        if (len < max_data)
            FZ_CHECK(buf[len] == '\0', "raw line not NUL-terminated");
    } else {
        FZ_CHECK(len == consumed, "%s with len %zu but %zu consumed", btc_status_name(st), len, consumed);
        FZ_CHECK(first_term == NULL, "%s after consuming a terminator", btc_status_name(st));
        FZ_CHECK(memcmp(buf, stream + start, len) == 0, "handed-back bytes differ from the stream");
        if (len < max_data)
            FZ_CHECK(buf[len] == '\0', "partial line not NUL-terminated");
    }
    if (st == BTC_ERR_TOO_LARGE)
        FZ_CHECK(consumed == max_data, "TOO_LARGE after %zu of %zu bytes", consumed, max_data);
    if (consumed == max_data && first_term == NULL)
        FZ_CHECK(st != BTC_OK && st != BTC_ERR_CLOSED, "%s after filling max_data without a terminator",
                 btc_status_name(st));
    /* The status agrees with what the fake did. */
    FZ_CHECK((st == BTC_ERR_CLOSED) == g->peek_eof, "%s, and a peek %s the end", btc_status_name(st),
             g->peek_eof ? "saw" : "never saw");
    FZ_CHECK((st == BTC_ERR_PROTOCOL) == g->short_read, "%s, and %s", btc_status_name(st),
             g->short_read ? "a read came up short" : "no read came up short");
    if (st == BTC_ERR_CLOSED && !fz_script_has_zero_peek(f))
        FZ_CHECK(f->consumed == f->in_len, "CLOSED with %zu bytes left", f->in_len - f->consumed);
    sink += len;
    free(buf);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_io in = fz_reader(data, size);
    btc_fake f;
    btc_fake_init(&f);
    fz_decode_script(&in, &f);
    fz_recv_params p;
    fz_recv_params_codec(&in, &p);
    uint8_t term = p.term;
    uint16_t md = p.md;
    size_t max_data = 1u + md % 4096u;
    uint8_t opt = p.opt;
    unsigned flags = ((opt & 1u) ? BTC_RECV_UTF8 : 0u) | ((md & 0x8000u) ? 0x2u : 0u);
    int64_t timeout = (md & 0x4000u) ? -1 - (int64_t)((opt >> 3) & 7u) : fz_timeouts[(opt >> 3) & 7u];
    const uint8_t *peer;
    size_t peer_len;
    fz_rest(&in, &peer, &peer_len);
    btc_fake_set_input(&f, peer, peer_len);

    btc_interrupt intr;
    btc_interrupt *ip = fz_interrupt(&intr, &f, (opt & 2u) != 0, (opt & 4u) != 0);
    fz_guard g;
    fz_guard_init(&g, &f);
    btc_sock s;
    fz_guard_sock(&g, &s, (opt & 0x80u) != 0);
    bool no_record = (md & 0x2000u) != 0;
    btc_status st = read_line_checked(&g, &s, term, timeout, ip, max_data, flags, no_record);
    if (st == BTC_OK && (opt & 0x40u) != 0)
        (void)read_line_checked(&g, &s, term, timeout, ip, max_data, flags, no_record);
    if (ip != NULL)
        btc_interrupt_destroy(ip);
    return 0;
}
