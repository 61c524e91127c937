/* SPDX-License-Identifier: MIT */
/*
 * src/fake/converse.c - the fake peer that reacts: expectations, replies
 * released when they are met, the mismatch record and the send callback.
 *
 * Replies are stored in order in conv_in, which becomes the fake's input;
 * conv_visible is how much of it has arrived, and fake.c's readability rule
 * takes the smaller of that and its own arrivals. An event is first released
 * (its expectation met: its arrival time is fixed) and then arrives (its
 * time has come); the two steps keep a delayed reply from overtaking an
 * earlier one.
 */
#include <errno.h>
#include <string.h>

#include "fake_internal.h"

static btc_fake__event *events(const btc_fake *f) { return (btc_fake__event *)f->conv_events.data; }

static int64_t add_ms(int64_t t, int64_t ms) { return ms > INT64_MAX - t ? INT64_MAX : t + ms; }

/* The peer stops for good: what has not arrived never will; reads end with `error` (0: EOF). */
static void peer_ends(btc_fake *f, int error)
{
    btc_fake_peer_close(f);
    f->end_error = error;
}

void btc_fake__conv_tick(btc_fake *f)
{
    btc_fake__event *ev = events(f);
    while (f->conv_arrived < f->conv_next && ev[f->conv_arrived].at_ms <= f->now_ms) {
        const btc_fake__event *e = &ev[f->conv_arrived++];
        if (e->end)
            peer_ends(f, e->error);
        else
            f->conv_visible = e->in_end;
    }
}

void btc_fake__conv_pump(btc_fake *f)
{
    btc_fake__event *ev = events(f);
    while (f->conv_next < f->conv_events.len && !f->peer_closed && !f->gone &&
           f->sent >= ev[f->conv_next].expect_upto) {
        btc_fake__event *e = &ev[f->conv_next];
        e->at_ms = add_ms(f->now_ms, e->delay_ms);
        if (f->conv_next > 0 && ev[f->conv_next - 1].at_ms > e->at_ms)
            e->at_ms = ev[f->conv_next - 1].at_ms; /* a stream stays in order */
        f->conv_next++;
    }
    btc_fake__conv_tick(f);
}

/* The first byte of data[0..len) that differs from the expected stream, or len. */
static size_t first_difference(const btc_fake *f, const uint8_t *data, size_t len, size_t offset)
{
    const uint8_t *expect = (const uint8_t *)f->conv_expect.data;
    for (size_t i = 0; i < len; i++) {
        size_t k = offset + i;
        if (k >= f->conv_expect.len || expect[k] != data[i])
            return i;
    }
    return len;
}

void btc_fake__conv_received(btc_fake *f, const uint8_t *data, size_t len, size_t offset)
{
    if (f->conv_expect.len > 0 && !f->mismatched) {
        size_t i = first_difference(f, data, len, offset);
        if (i < len) {
            size_t k = offset + i;
            f->mismatched = true;
            f->mismatch.offset = k;
            f->mismatch.expected =
                k < f->conv_expect.len ? ((const uint8_t *)f->conv_expect.data)[k] : BTC_FAKE_NO_BYTE;
            f->mismatch.actual = data[i];
            peer_ends(f, f->break_error); /* this send was accepted; the peer's answer is to hang up */
        }
    }
    if (f->on_send != NULL)
        f->on_send(f, data, len, offset, f->on_send_user);
}

bool btc_fake__conv_pending(const btc_fake *f)
{
    if (f->mismatched)
        return false;
    return f->sent < f->conv_expect.len || f->conv_next < f->conv_events.len || f->conv_arrived < f->conv_next;
}

int64_t btc_fake__conv_next_time(const btc_fake *f)
{
    return f->conv_arrived < f->conv_next ? events(f)[f->conv_arrived].at_ms : INT64_MAX;
}

/* Why nothing more may be scripted (a status), or BTC_OK. */
static btc_status script_refused(const btc_fake *f, const void *data, size_t len)
{
    if (f == NULL || (data == NULL && len > 0) || f->conv_ended)
        return BTC_ERR_INVALID_ARGUMENT;
    if (f->mismatched || f->peer_closed || f->gone)
        return BTC_ERR_CLOSED;
    return BTC_OK;
}

/* A reply or an end: also refused on a fake whose input is the caller's, or with a negative delay. */
static btc_status event_refused(const btc_fake *f, const void *data, size_t len, int64_t delay_ms)
{
    btc_status st = script_refused(f, data, len);
    if (st != BTC_OK)
        return st;
    if (delay_ms < 0 || (f->in != NULL && f->in != (const uint8_t *)f->conv_in.data))
        return BTC_ERR_INVALID_ARGUMENT;
    return BTC_OK;
}

static btc_status append_event(btc_fake *f, btc_fake__event e)
{
    btc_status st = btc_fake__reserve(f, &f->conv_events, sizeof e, 1);
    if (st != BTC_OK)
        return st;
    e.expect_upto = f->conv_expect.len;
    events(f)[f->conv_events.len++] = e;
    f->conv_on = true;
    btc_fake__conv_pump(f);
    return BTC_OK;
}

btc_status btc_fake_expect(btc_fake *f, const void *data, size_t len)
{
    btc_status st = script_refused(f, data, len);
    if (st == BTC_OK)
        st = btc_fake__reserve(f, &f->conv_expect, 1, len);
    if (st != BTC_OK || len == 0)
        return st;
    memcpy((uint8_t *)f->conv_expect.data + f->conv_expect.len, data, len);
    f->conv_expect.len += len;
    return BTC_OK;
}

btc_status btc_fake_reply(btc_fake *f, const void *data, size_t len, int64_t delay_ms)
{
    btc_status st = event_refused(f, data, len, delay_ms);
    if (st == BTC_OK)
        st = btc_fake__reserve(f, &f->conv_in, 1, len);
    if (st == BTC_OK) /* reserved first, so a failure here leaves the bytes unappended */
        st = btc_fake__reserve(f, &f->conv_events, sizeof(btc_fake__event), 1);
    if (st != BTC_OK)
        return st;
    if (len > 0)
        memcpy((uint8_t *)f->conv_in.data + f->conv_in.len, data, len);
    f->conv_in.len += len;
    f->in = (const uint8_t *)f->conv_in.data;
    f->in_len = f->conv_in.len;
    btc_fake__event e = {.end = false, .in_end = f->conv_in.len, .delay_ms = delay_ms};
    return append_event(f, e);
}

btc_status btc_fake_reply_end(btc_fake *f, int error, int64_t delay_ms)
{
    btc_status st = event_refused(f, NULL, 0, delay_ms);
    if (st != BTC_OK)
        return st;
    if (error != 0 && !btc_io_error_is_permanent(error))
        return BTC_ERR_INVALID_ARGUMENT;
    btc_fake__event e = {.end = true, .error = error, .delay_ms = delay_ms};
    st = append_event(f, e);
    if (st == BTC_OK)
        f->conv_ended = true;
    return st;
}

bool btc_fake_on_mismatch(btc_fake *f, int error)
{
    if (error != 0 && !btc_io_error_is_permanent(error))
        return false;
    f->break_error = error;
    return true;
}

bool btc_fake_get_mismatch(const btc_fake *f, btc_fake_mismatch *out)
{
    if (f->mismatched && out != NULL)
        *out = f->mismatch;
    return f->mismatched;
}

size_t btc_fake_expected_left(const btc_fake *f)
{
    return f->conv_expect.len > f->sent ? f->conv_expect.len - f->sent : 0;
}

bool btc_fake_conversation_done(const btc_fake *f)
{
    return !f->mismatched && !btc_fake__conv_pending(f) && f->consumed >= f->in_len;
}

void btc_fake_on_send(btc_fake *f, btc_fake_send_fn fn, void *user)
{
    f->on_send = fn;
    f->on_send_user = user;
}
