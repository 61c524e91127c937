/* SPDX-License-Identifier: MIT */
/*
 * tests/test_sendv.c - btc_sock_send_complete_v: the concatenation of the
 * pieces, byte for byte, across every boundary and kernel chunk, with
 * gather sends batched by BTC_IOV_BATCH; the same guarantees as
 * send_complete (err->bytes exact, the first attempt, deadlines); and the
 * argument checks. Through the fake and over a real socket pair.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(sendv, .timeout = 60);

#define MAX_PIECES 300

/* Cuts data[0..len) into n pieces of pseudo-random sizes (some empty), into iov. */
static size_t cut(const uint8_t *data, size_t len, size_t n, unsigned seed, btc_iovec *iov)
{
    fs_rng rng = {seed * 2654435761u + 1u};
    size_t off = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        size_t left = len - off;
        size_t take = left == 0 ? 0 : fs_rng_below(&rng, left < 40 ? left + 1 : 40);
        iov[i] = (btc_iovec){data + off, take};
        off += take;
    }
    iov[n - 1] = (btc_iovec){data + off, len - off};
    return n;
}

Test(sendv, the_peer_gets_the_concatenation_whatever_the_cuts_and_chunks)
{
    static uint8_t data[4000];
    static uint8_t out[4000];
    fs_pattern(data, sizeof data, 5, -1);
    static const size_t pieces[] = {1, 2, 7, 64, 65, 200, MAX_PIECES};
    static const size_t chunks[] = {0, 1, 3, 64, 1000};
    btc_iovec iov[MAX_PIECES];
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            btc_fake f;
            btc_sock s;
            fs_setup(&f, &s);
            btc_fake_set_output(&f, out, sizeof out);
            btc_fake_set_chunks(&f, 0, 0, chunks[c]);
            size_t n = cut(data, sizeof data, pieces[p], (unsigned)(p * 10 + c), iov);
            btc_error err;
            TS_CHECK_OK(&err, btc_sock_send_complete_v(&s, iov, n, 1000, NULL, &err));
            TS_ASSERT_SZ(err.bytes, sizeof data, "err.bytes");
            TS_ASSERT_SZ(f.sent, sizeof data, "bytes the peer got");
            cr_assert(memcmp(out, data, sizeof data) == 0, "%zu pieces, chunk %zu: the bytes differ", pieces[p],
                      chunks[c]);
            if (chunks[c] == 0) {
                /* Unchunked: one gather send per BTC_IOV_BATCH non-empty pieces at most. */
                unsigned long most = (unsigned long)((n + BTC_IOV_BATCH - 1) / BTC_IOV_BATCH);
                cr_assert_leq(f.calls[BTC_FAKE_SEND], most, "%zu pieces took %lu sends", n, f.calls[BTC_FAKE_SEND]);
            }
        }
    }
}

Test(sendv, empty_pieces_and_an_empty_total)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[16];
    btc_fake_set_output(&f, out, sizeof out);
    btc_iovec iov[] = {{NULL, 0}, {"ab", 2}, {"", 0}, {NULL, 0}, {"c", 1}, {NULL, 0}};
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send_complete_v(&s, iov, 1, 1000, NULL, &err));
    TS_CHECK_OK(&err, btc_sock_send_complete_v(&s, NULL, 0, 1000, NULL, &err));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls for an empty total");
    TS_CHECK_OK(&err, btc_sock_send_complete_v(&s, iov, sizeof iov / sizeof iov[0], 1000, NULL, &err));
    TS_ASSERT_SZ(err.bytes, 3, "err.bytes");
    cr_assert(memcmp(out, "abc", 3) == 0);
}

Test(sendv, a_full_window_times_out_with_exactly_what_went_out)
{
    static uint8_t data[300];
    fs_pattern(data, sizeof data, 9, -1);
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[300];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_send_window(&f, 100);
    btc_iovec iov[10];
    size_t n = cut(data, sizeof data, 10, 3, iov);
    btc_error err;
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_sock_send_complete_v(&s, iov, n, 200, NULL, &err));
    TS_ASSERT_SZ(err.bytes, 100, "err.bytes");
    cr_assert(memcmp(out, data, 100) == 0);
    cr_assert(fs_msg_has_number(err.message, 100) && fs_msg_has_number(err.message, 300), "message \"%s\"",
              err.message);
}

Test(sendv, zero_timeout_still_makes_the_first_attempt)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_iovec iov[] = {{"ab", 2}, {"cd", 2}};
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send_complete_v(&s, iov, 2, 0, NULL, &err));
    TS_ASSERT_SZ(f.sent, 4, "sent");
}

Test(sendv, bad_arguments_send_nothing)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send_complete_v(&s, NULL, 2, 1000, NULL, &err));
    btc_iovec null_base[] = {{"ab", 2}, {NULL, 5}};
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send_complete_v(&s, null_base, 2, 1000, NULL, &err));
    cr_assert_not_null(strstr(err.message, "iov[1]"), "message \"%s\"", err.message);
    btc_iovec overflow[] = {{"a", SIZE_MAX / 2 + 1}, {"b", SIZE_MAX / 2 + 1}};
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send_complete_v(&s, overflow, 2, 1000, NULL, &err));
    btc_iovec ok[] = {{"ab", 2}};
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send_complete_v(&s, ok, 1, -1, NULL, &err));
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_sock_send_complete_v(NULL, ok, 1, 1000, NULL, &err));
    btc_sock empty = BTC_SOCK_INIT;
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_sock_send_complete_v(&empty, ok, 1, 1000, NULL, &err));
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 0, "slot calls for refused arguments");
    TS_ASSERT_SZ(f.sent, 0, "sent");
}

/* A gather send that claims more bytes than it was given: PROTOCOL, nothing counted. */
static void lying_sendv(void *ctx, btc_sys_call *call)
{
    (void)ctx;
    if (call->phase == BTC_SYS_AFTER && call->slot == BTC_SYS_SLOT_sendv && call->result.sendv > 0)
        call->result.sendv += 1000;
}

Test(sendv, a_gather_send_claiming_too_much_is_protocol)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_sys_tap tap;
    btc_error err;
    TS_CHECK_OK(&err, btc_sys_tap_init(&tap, btc_fake_sys(&f), lying_sendv, NULL, &err));
    btc_sock_set_sys(&s, btc_sys_tap_table(&tap));
    btc_iovec iov[] = {{"ab", 2}, {"cd", 2}};
    TS_CHECK(BTC_ERR_PROTOCOL, &err, btc_sock_send_complete_v(&s, iov, 2, 1000, NULL, &err));
    TS_ASSERT_SZ(err.bytes, 0, "err.bytes");
}

/* Reads TOTAL bytes on another thread while the test sends them. */
typedef struct reader {
    const btc_sock *s;
    uint8_t *buf;
    size_t len;
    btc_status st;
} reader;

static void reader_main(void *arg)
{
    reader *r = arg;
    r->st = btc_sock_recv_exact(r->s, r->buf, r->len, 10000, NULL, NULL);
}

Test(sendv, over_a_real_socket_pair)
{
    enum { TOTAL = 1000000 };
    static uint8_t data[TOTAL];
    static uint8_t back[TOTAL];
    fs_pattern(data, sizeof data, 21, -1);
    BTC_SOCK_AUTO a = BTC_SOCK_INIT;
    BTC_SOCK_AUTO b = BTC_SOCK_INIT;
    btc_error err;
    TS_CHECK_OK(&err, btc_make_socket_pair(&a, &b, &err));
    btc_iovec iov[MAX_PIECES];
    size_t n = cut(data, sizeof data, MAX_PIECES, 77, iov);
    reader r = {&b, back, TOTAL, BTC_ERR_IO};
    ts_thread *t = ts_thread_start(reader_main, &r);
    cr_assert_not_null(t);
    TS_CHECK_OK(&err, btc_sock_send_complete_v(&a, iov, n, 10000, NULL, &err));
    ts_thread_join(t);
    TS_ASSERT_SZ(err.bytes, TOTAL, "err.bytes");
    TS_ASSERT_STATUS(r.st, BTC_OK, (btc_error *)NULL);
    cr_assert(memcmp(back, data, TOTAL) == 0, "the bytes differ");
}
