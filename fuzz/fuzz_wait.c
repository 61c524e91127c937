/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_wait.c - btc_sock_wait, btc_wait_many and btc_sock_is_connected
 * against a scripted fake.
 *
 * Parameters after the script:
 *   u8 mode    bits 0..1: 0 btc_sock_wait, 1 btc_wait_many, 2
 *              btc_sock_is_connected, 3 btc_sock_wait then is_connected;
 *              bits 2..4 timeout index; bit 5 an interrupt set before the
 *              call; bit 6 an attached interrupt for INTERRUPT steps; bit 7
 *              a negative timeout
 *   u8 shape   bits 0..2 item count for btc_wait_many (0..7); bit 3 items
 *              (wait_many) or occurred (wait) is NULL; bit 4 a "foreign" item
 *              of a single-socket call uses a broken table (version 0) rather
 *              than one with a NULL wait slot; bit 5 no error record (err
 *              NULL)
 *   u8 item    one per item (one for the single-socket calls): bits 0..3
 *              the requested events, raw (0, ERR alone and the unknown bit 8
 *              are invalid); bit 4 foreign table (wait_many: the fake's own
 *              table, not the guard's, so two tables are mixed; single
 *              calls: a broken table); bit 5 empty socket; bit 6 a descriptor
 *              the select backend cannot hold; bit 7 NULL socket
 *   the rest   the peer's bytes
 * All items of btc_wait_many share one fake (btc_wait_many wants one table).
 *
 * Checks, besides the guard's (fuzz_common.h): invalid arguments give
 * INVALID_ARGUMENT or INVALID_SOCKET and touch nothing; every occurred is
 * zero on every status but OK (pre-filled with garbage); on OK some item has
 * events, each a subset of requested + ERR, exactly what the wait slot
 * reported; TIMEOUT only at or after the deadline; INTERRUPTED only with the
 * interrupt set, and at once (no wait) when it was set before the call;
 * NOT_SELECTABLE exactly for descriptors the select backend cannot hold, and
 * then no wait; is_connected consumes nothing, never waits, and its status
 * follows its probe (data or nothing yet: OK; end: CLOSED; permanent error:
 * IO).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define MAX_ITEMS FZ_WAIT_MAX_ITEMS
#define GARBAGE 0xEEu

typedef struct sock_opts {
    btc_events requested;
    bool foreign, empty, high, null;
} sock_opts;

static sock_opts decode_item(uint8_t b)
{
    sock_opts o = {(btc_events)(b & 0x0fu), (b & 0x10u) != 0, (b & 0x20u) != 0, (b & 0x40u) != 0, (b & 0x80u) != 0};
    return o;
}

static bool requested_valid(btc_events r)
{
    return (r & (BTC_EV_RECV | BTC_EV_SEND)) != 0 && (r & ~(BTC_EV_RECV | BTC_EV_SEND | BTC_EV_ERR)) == 0;
}

/* What the harness expects of the arguments: bad ones, or none. */
typedef struct expect {
    bool bad_argument; /* some INVALID_ARGUMENT condition holds */
    bool empty;        /* some socket is empty */
} expect;

static void check_refused(btc_status st, expect ex, const btc_fake *f, unsigned long calls_before)
{
    FZ_CHECK((st == BTC_ERR_INVALID_ARGUMENT && ex.bad_argument) || (st == BTC_ERR_INVALID_SOCKET && ex.empty),
             "%s for arguments that are %s%s", btc_status_name(st), ex.bad_argument ? "invalid " : "",
             ex.empty ? "with an empty socket" : "");
    FZ_CHECK(f->calls[BTC_FAKE_ANY] == calls_before, "a refused call made %lu slot calls",
             f->calls[BTC_FAKE_ANY] - calls_before);
}

static void check_wait_status(const fz_guard *g, btc_status st)
{
    switch (st) {
    case BTC_OK:
    case BTC_ERR_TIMEOUT:
    case BTC_ERR_INTERRUPTED:
    case BTC_ERR_IO:
    case BTC_ERR_NO_MEMORY:
    case BTC_ERR_NOT_SELECTABLE:
        break;
    default:
        FZ_CHECK(0, "wait returned %s", btc_status_name(st));
    }
    if (g->unselectable)
        FZ_CHECK(st == BTC_ERR_NOT_SELECTABLE || st == BTC_ERR_INTERRUPTED,
                 "%s for a descriptor the select backend cannot hold", btc_status_name(st));
}

/* Events reported on OK: some, each a subset of requested + ERR, as the slot said. */
static void check_events(const fz_guard *g, size_t i, btc_events requested, btc_events occurred)
{
    FZ_CHECK((occurred & ~(requested | BTC_EV_ERR)) == 0, "item %zu: occurred 0x%x, requested 0x%x", i,
             (unsigned)occurred, (unsigned)requested);
    FZ_CHECK(g->waits > 0 && i < g->wait_count && occurred == g->occurred[i],
             "item %zu: occurred 0x%x, the wait slot said 0x%x", i, (unsigned)occurred,
             (unsigned)(i < g->wait_count ? g->occurred[i] : 0));
}

/* A broken table (refused by validation): version 0, or the wait slot missing. */
static void make_broken(btc_sys *broken, const fz_guard *g, bool by_version)
{
    *broken = *fz_guard_sys(g);
    if (by_version)
        broken->version = 0;
    else
        broken->wait = NULL;
}

static void sock_for(btc_sock *s, fz_guard *g, sock_opts o, const btc_sys *foreign)
{
    fz_guard_sock(g, s, o.high);
    if (o.foreign)
        s->sys = foreign;
    if (o.empty)
        s->fd = BTC_INVALID_SOCKET;
}

static void run_wait(fz_guard *g, btc_interrupt *ip, int64_t timeout, uint8_t shape, sock_opts o)
{
    btc_fake *f = g->f;
    btc_sys broken;
    make_broken(&broken, g, (shape & 0x10u) != 0);
    btc_sock s;
    sock_for(&s, g, o, &broken);
    expect ex = {o.null || o.foreign || !requested_valid(o.requested) || timeout < 0, !o.null && o.empty};
    bool unselectable = !o.null && !o.empty && fz_unselectable(g, &s);
    btc_events occurred = (btc_events)GARBAGE;
    btc_events *occ = (shape & 0x08u) ? NULL : &occurred;
    unsigned long calls_before = f->calls[BTC_FAKE_ANY];
    bool preset = btc_interrupt_is_set(ip);
    btc_error err;
    fz_guard_begin(g, timeout, ip, unselectable, fz_call_bound(f, 0));
    btc_status st = btc_sock_wait(o.null ? NULL : &s, timeout, o.requested, occ, ip, (shape & 0x20u) ? NULL : &err);

    fz_guard_end(g, st, (shape & 0x20u) ? NULL : &err);
    if (occ != NULL && st != BTC_OK)
        FZ_CHECK(occurred == 0, "%s with occurred 0x%x", btc_status_name(st), (unsigned)occurred);
    if (ex.bad_argument || ex.empty) {
        check_refused(st, ex, f, calls_before);
        return;
    }
    check_wait_status(g, st);
    if (preset)
        FZ_CHECK(g->waits == 0 && (st == BTC_ERR_INTERRUPTED || st == BTC_ERR_NOT_SELECTABLE),
                 "interrupt set before the wait: %s after %lu wait calls", btc_status_name(st), g->waits);
    if (st == BTC_OK && occ != NULL) {
        FZ_CHECK(occurred != 0, "OK with no event");
        check_events(g, 0, o.requested, occurred);
    }
    FZ_CHECK(g->sends == 0 && g->peeks == 0 && g->reads == 0, "a wait moved data");
}

static void run_wait_many(fz_guard *g, btc_interrupt *ip, int64_t timeout, uint8_t shape, const sock_opts *o)
{
    btc_fake *f = g->f;
    size_t count = shape & 7u;
    bool null_items = (shape & 0x08u) != 0;
    btc_sock socks[MAX_ITEMS];
    btc_wait_item items[MAX_ITEMS];
    expect ex = {timeout < 0 || (null_items && count > 0), false};
    bool unselectable = false;
    bool preset = btc_interrupt_is_set(ip);
    for (size_t i = 0; i < count; i++) {
        sock_opts oi = o[i];
        oi.foreign = oi.foreign && i > 0; /* item 0 sets the table; later ones may differ */
        sock_for(&socks[i], g, oi, btc_fake_sys(f));
        items[i].sock = oi.null ? NULL : &socks[i];
        items[i].requested = oi.requested;
        items[i].occurred = (btc_events)GARBAGE;
        if (oi.null || oi.foreign || !requested_valid(oi.requested))
            ex.bad_argument = true;
        if (!oi.null && oi.empty)
            ex.empty = true;
        if (!oi.null && !oi.empty && fz_unselectable(g, &socks[i]))
            unselectable = true;
    }
    /* count 0 sleeps on the real clock (no table to ask): only ever for a moment. */
    if (count == 0 && !preset && timeout != 0 && timeout >= 0)
        timeout = 0;
    unsigned long calls_before = f->calls[BTC_FAKE_ANY];
    btc_error err;
    fz_guard_begin(g, timeout, ip, unselectable, fz_call_bound(f, 0));
    btc_status st = btc_wait_many(null_items ? NULL : items, count, timeout, ip, (shape & 0x20u) ? NULL : &err);

    fz_guard_end(g, st, (shape & 0x20u) ? NULL : &err);
    bool any = false;
    for (size_t i = 0; i < count && !null_items; i++) {
        if (st != BTC_OK)
            FZ_CHECK(items[i].occurred == 0, "item %zu: %s with occurred 0x%x", i, btc_status_name(st),
                     (unsigned)items[i].occurred);
        else
            check_events(g, i, items[i].requested, items[i].occurred);
        any = any || items[i].occurred != 0;
    }
    if (ex.bad_argument || ex.empty) {
        check_refused(st, ex, f, calls_before);
        return;
    }
    check_wait_status(g, st);
    if (count == 0)
        FZ_CHECK(st == BTC_ERR_TIMEOUT || st == BTC_ERR_INTERRUPTED, "an empty wait returned %s", btc_status_name(st));
    if (preset)
        FZ_CHECK(g->waits == 0 && (st == BTC_ERR_INTERRUPTED || st == BTC_ERR_NOT_SELECTABLE),
                 "interrupt set before the wait: %s after %lu wait calls", btc_status_name(st), g->waits);
    if (st == BTC_OK)
        FZ_CHECK(any, "OK with no event on any item");
    FZ_CHECK(g->sends == 0 && g->peeks == 0 && g->reads == 0, "a wait moved data");
}

static void run_is_connected(fz_guard *g, uint8_t shape, sock_opts o)
{
    btc_fake *f = g->f;
    btc_sys broken;
    make_broken(&broken, g, (shape & 0x10u) != 0);
    btc_sock s;
    sock_for(&s, g, o, &broken);
    expect ex = {o.null || o.foreign, !o.null && o.empty};
    size_t consumed = f->consumed;
    unsigned long waits = f->calls[BTC_FAKE_WAIT];
    unsigned long calls_before = f->calls[BTC_FAKE_ANY];
    btc_error err;
    fz_guard_begin(g, 0, NULL, false, fz_call_bound(f, 0));
    btc_status st = btc_sock_is_connected(o.null ? NULL : &s, (shape & 0x20u) ? NULL : &err);

    fz_guard_end(g, st, (shape & 0x20u) ? NULL : &err);
    FZ_CHECK(f->consumed == consumed, "is_connected consumed %zu bytes", f->consumed - consumed);
    FZ_CHECK(f->calls[BTC_FAKE_WAIT] == waits, "is_connected waited");
    FZ_CHECK(g->sends == 0 && g->reads == 0 && g->waits == 0, "is_connected sent, read or waited");
    if (ex.bad_argument || ex.empty) {
        check_refused(st, ex, f, calls_before);
        return;
    }
    FZ_CHECK(g->peeks >= 1, "is_connected did not look (%s)", btc_status_name(st));
    btc_status want = BTC_OK;
    if (g->last_recv == 0)
        want = BTC_ERR_CLOSED;
    else if (g->last_recv < 0 && !fz_is_transient(g->last_recv_code))
        want = BTC_ERR_IO;
    FZ_CHECK(st == want, "is_connected returned %s, its probe returned %lld (error %d)", btc_status_name(st),
             (long long)g->last_recv, g->last_recv_code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_io in = fz_reader(data, size);
    btc_fake f;
    btc_fake_init(&f);
    fz_decode_script(&in, &f);
    fz_wait_params p;
    fz_wait_params_codec(&in, &p);
    uint8_t mode = p.mode;
    uint8_t shape = p.shape;
    unsigned op = mode & 3u;
    sock_opts o[MAX_ITEMS];
    for (size_t i = 0; i < fz_wait_item_count(&p); i++)
        o[i] = decode_item(p.items[i]);
    int64_t timeout = (mode & 0x80u) ? -1 - (int64_t)((mode >> 2) & 7u) : fz_timeouts[(mode >> 2) & 7u];
    const uint8_t *peer;
    size_t peer_len;
    fz_rest(&in, &peer, &peer_len);
    btc_fake_set_input(&f, peer, peer_len);

    btc_interrupt intr;
    btc_interrupt *ip = fz_interrupt(&intr, &f, (mode & 0x20u) != 0, (mode & 0x40u) != 0);
    fz_guard g;
    fz_guard_init(&g, &f);
    switch (op) {
    case 0:
        run_wait(&g, ip, timeout, shape, o[0]);
        break;
    case 1:
        run_wait_many(&g, ip, timeout, shape, o);
        break;
    case 2:
        run_is_connected(&g, shape, o[0]);
        break;
    default:
        run_wait(&g, ip, timeout, shape, o[0]);
        run_is_connected(&g, shape, o[0]);
        break;
    }
    if (ip != NULL)
        btc_interrupt_destroy(ip);
    return 0;
}
