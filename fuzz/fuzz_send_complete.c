/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_send_complete.c - btc_sock_send_complete against a scripted fake.
 *
 * Parameters after the script: u8 options (bit 0 an interrupt set before the
 * call, bit 1 an attached interrupt for INTERRUPT steps, bits 2..4 timeout
 * index, bit 5 a descriptor the select backend cannot hold, bit 6 the data
 * pointer is NULL, bit 7 a negative timeout). The rest is the data to send
 * (an empty rest is the len == 0 case). NULL data with len > 0 and a
 * negative timeout must be refused with INVALID_ARGUMENT before any call.
 *
 * Checks, besides the guard's (fuzz_common.h): the peer received exactly
 * data[0..err.bytes), each byte once and in order; the status is one the
 * contract allows and agrees with what the fake did (PROTOCOL exactly when a
 * send made no progress); OK means everything was sent; len == 0 makes no
 * system call; len > 0 makes at least one send, even with a zero timeout or
 * an interrupt already set; the loop ends within a bounded number of calls.
 *
 * The script's end result reaches sends too: once an end error is due, sends
 * fail with it, as a kernel fails them with a pending socket error.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static bool status_allowed(btc_status st, bool unselectable)
{
    switch (st) {
    case BTC_OK:
    case BTC_ERR_TIMEOUT:
    case BTC_ERR_INTERRUPTED:
    case BTC_ERR_IO:
    case BTC_ERR_PROTOCOL:
        return true;
    case BTC_ERR_NOT_SELECTABLE:
        return unselectable;
    default:
        return false;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_io in = fz_reader(data, size);
    btc_fake f;
    btc_fake_init(&f);
    fz_decode_script(&in, &f);
    fz_send_params p;
    fz_send_params_codec(&in, &p);
    uint8_t opt = p.opt;
    int64_t timeout = (opt & 0x80u) ? -1 - (int64_t)((opt >> 2) & 7u) : fz_timeouts[(opt >> 2) & 7u];
    const uint8_t *rest;
    size_t len;
    fz_rest(&in, &rest, &len);
    /* The payload and the record live in exact-size heap blocks so ASan sees any overrun. */
    uint8_t *payload = malloc(len + 1);
    uint8_t *out = malloc(len + 1);
    if (payload == NULL || out == NULL) {
        free(payload);
        free(out);
        return 0;
    }
    memcpy(payload, rest, len);
    btc_fake_set_output(&f, out, len);

    btc_interrupt intr;
    btc_interrupt *ip = fz_interrupt(&intr, &f, (opt & 1u) != 0, (opt & 2u) != 0);
    fz_guard g;
    fz_guard_init(&g, &f);
    btc_sock s;
    fz_guard_sock(&g, &s, (opt & 0x20u) != 0);
    bool unselectable = fz_unselectable(&g, &s);
    const void *buf = (opt & 0x40u) != 0 ? NULL : payload;
    bool refused = (buf == NULL && len > 0) || timeout < 0;
    btc_error err;
    fz_guard_begin(&g, timeout, ip, unselectable, fz_call_bound(&f, len));
    btc_status st = btc_sock_send_complete(&s, buf, len, timeout, ip, &err);

    fz_guard_end(&g, st, &err);
    if (refused)
        FZ_CHECK(st == BTC_ERR_INVALID_ARGUMENT && g.calls == 0 && err.bytes == 0,
                 "invalid arguments: %s after %lu slot calls", btc_status_name(st), g.calls);
    else
        FZ_CHECK(status_allowed(st, unselectable), "status %s not allowed", btc_status_name(st));
    FZ_CHECK(err.bytes == f.sent, "err.bytes %zu but the peer got %zu", err.bytes, f.sent);
    FZ_CHECK(f.sent <= len, "peer got %zu of %zu bytes", f.sent, len);
    FZ_CHECK(memcmp(out, payload, f.sent) == 0, "the peer got different bytes");
    if (st == BTC_OK)
        FZ_CHECK(f.sent == len, "OK after %zu of %zu bytes", f.sent, len);
    else if (!refused)
        FZ_CHECK(f.sent < len, "%s after all %zu bytes were sent", btc_status_name(st), len);
    if (len == 0 && !refused)
        FZ_CHECK(f.calls[BTC_FAKE_ANY] == 0 && st == BTC_OK, "len 0 made %lu calls, status %s", f.calls[BTC_FAKE_ANY],
                 btc_status_name(st));
    else if (!refused)
        FZ_CHECK(g.sends >= 1, "no send attempted");
    FZ_CHECK(g.peeks == 0 && g.reads == 0, "send_complete read from the socket");
    FZ_CHECK((st == BTC_ERR_PROTOCOL) == g.zero_send, "%s, and %s", btc_status_name(st),
             g.zero_send ? "a send made no progress" : "every send made progress or failed");
    if (ip != NULL)
        btc_interrupt_destroy(ip);
    free(payload);
    free(out);
    return 0;
}
