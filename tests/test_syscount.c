/* SPDX-License-Identifier: MIT */
/*
 * tests/test_syscount.c - deterministic system-call counts through the fake
 * (no chunk limits), guarding against regressions to byte-wise reading,
 * fixed 512-byte peeking, or extra calls on the hot paths. Every operation
 * of the registry (tests/kit/ops.h) is held to its declared cost; the
 * cases after that pin the shape of the costs that grow with the input.
 */
#include <stdlib.h>

#include "fake_support.h"
#include "kit/hooks.h"
#include "kit/ops.h"

TestSuite(syscount, .timeout = 30);

/* Each registered operation, in its first scenario (everything ready at once), costs exactly what it declares. */
ParameterizedTestParameters(syscount, every_operation_costs_what_it_declares)
{
    static size_t index[64];
    size_t n = kit_op_count < 64 ? kit_op_count : 64;
    for (size_t i = 0; i < n; i++)
        index[i] = i;
    return cr_make_param_array(size_t, index, n);
}

ParameterizedTest(size_t *i, syscount, every_operation_costs_what_it_declares)
{
    const kit_op *op = &kit_ops[*i];
    const kit_scn *c = &op->scenarios[0];
    btc_fake f;
    btc_fake_init(&f);
    static uint8_t out[8192];
    static char buf[8192];
    cr_assert(kit_scn_apply(c, &f, out, sizeof out), "%s: scenario does not fit", op->name);
    kit_counter k;
    cr_assert(kit_counter_init(&k, btc_fake_sys(&f)));
    btc_sock s;
    btc_fake_sock(&f, &s);
    btc_sock_set_sys(&s, btc_sys_tap_table(&k.tap));
    kit_run r = {.s = &s, .c = c, .buf = buf};
    kit_op_run(op, &r);
    TS_ASSERT_STATUS(r.st, BTC_OK, &r.err);
    cr_assert_eq(kit_counts_syscalls(&k.counts), op->fast_calls, "%s '%s' made %lu system calls, it declares %lu",
                 op->name, c->name, kit_counts_syscalls(&k.counts), op->fast_calls);
}

/* ceil(log2(x)) for x >= 1. */
static unsigned sc_ceil_log2(size_t x)
{
    unsigned k = 0;
    while (((size_t)1 << k) < x) {
        k++;
    }
    return k;
}

static unsigned long sc_recv_calls(const btc_fake *f) { return f->calls[BTC_FAKE_PEEK] + f->calls[BTC_FAKE_READ]; }

/* Reads one line of `line` bytes (plus '\n' and a trailing byte) and returns the recv calls it took. */
static unsigned long sc_line_cost(size_t line)
{
    uint8_t *in = malloc(line + 2);
    char *buf = malloc(line + 1);
    cr_assert_not_null(in, "malloc failed");
    cr_assert_not_null(buf, "malloc failed");
    fs_pattern(in, line, (unsigned)line, '\n');
    in[line] = '\n';
    in[line + 1] = 'x';
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, in, line + 2);
    size_t len = 0;
    btc_error err;
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, line + 1, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(len, line, "*len");
    cr_assert(memcmp(buf, in, line) == 0, "line content differs");
    TS_ASSERT_SZ(f.consumed, line + 1, "consumed");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "waits for data that was all there");
    unsigned long calls = sc_recv_calls(&f);
    free(in);
    free(buf);
    return calls;
}

Test(syscount, short_line_costs_one_peek_and_one_read)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "0123456789\nmore", 15);
    char buf[64];
    size_t len = 0;
    btc_error err;
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(len, 10, "*len");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK], 1, "peeks");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_READ], 1, "reads");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "waits");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_SEND], 0, "sends");
}

Test(syscount, pipelined_short_lines_cost_two_calls_each)
{
    enum { LINES = 100 };
    static char in[LINES * 11];
    for (size_t i = 0; i < LINES; i++) {
        memcpy(in + 11 * i, "abcdefghij\n", 11);
    }
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, in, sizeof in);
    for (size_t i = 0; i < LINES; i++) {
        unsigned long before = sc_recv_calls(&f);
        char buf[64];
        size_t len = 0;
        btc_error err;
        btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err);
        TS_ASSERT_STATUS(st, BTC_OK, &err);
        TS_ASSERT_SZ(len, 10, "*len");
        cr_assert_eq(sc_recv_calls(&f) - before, 2ul, "line %zu cost %lu recv calls", i, sc_recv_calls(&f) - before);
    }
    TS_ASSERT_SZ(f.consumed, sizeof in, "consumed");
}

Test(syscount, a_line_of_511_bytes_costs_two_calls)
{
    unsigned long calls = sc_line_cost(511);
    cr_assert_eq(calls, 2ul, "a 511-byte line cost %lu recv calls", calls);
}

Test(syscount, long_lines_cost_logarithmic_calls)
{
    size_t sizes[] = {100 * 1024, 64 * 1024, 1024 * 1024, 5000, 3 * 1024 * 1024 + 17};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t line = sizes[i];
        unsigned long calls = sc_line_cost(line);
        unsigned long bound = 2ul * sc_ceil_log2((line + 511) / 512) + 4ul;
        cr_assert_leq(calls, bound, "a %zu-byte line cost %lu recv calls, more than 2*ceil(log2(%zu/512))+4 = %lu",
                      line, calls, line, bound);
        cr_assert_lt(calls, (unsigned long)(line / 256),
                     "a %zu-byte line cost %lu recv calls, no better than fixed 512-byte peeks (%zu)", line, calls,
                     line / 256);
    }
}

Test(syscount, line_arriving_later_costs_one_wait)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "0123456789\n", 11);
    fs_arrive(&f, 0, FS_T0 + 50);
    char buf[64];
    size_t len = 0;
    btc_error err;
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 1, "waits");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK], 2, "peeks (one EAGAIN, one with the line)");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_READ], 1, "reads");
}

Test(syscount, send_one_mebibyte_in_one_call)
{
    const size_t n = (size_t)1 << 20;
    uint8_t *data = malloc(n);
    uint8_t *out = malloc(n);
    cr_assert_not_null(data, "malloc failed");
    cr_assert_not_null(out, "malloc failed");
    fs_pattern(data, n, 3, -1);
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_output(&f, out, n);
    btc_error err;
    btc_status st = btc_sock_send_complete(&s, data, n, 1000, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(err.bytes, n, "err.bytes");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_SEND], 1, "sends");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 0, "waits");
    cr_assert(memcmp(out, data, n) == 0, "output differs");
    free(data);
    free(out);
}

Test(syscount, send_in_kernel_chunks_costs_one_call_per_chunk)
{
    const size_t n = (size_t)1 << 20;
    uint8_t *data = malloc(n);
    cr_assert_not_null(data, "malloc failed");
    fs_pattern(data, n, 4, -1);
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_chunks(&f, 0, 0, 64 * 1024);
    btc_error err;
    btc_status st = btc_sock_send_complete(&s, data, n, 1000, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_SEND], 16, "sends");
    TS_ASSERT_SZ(f.sent, n, "sent");
    free(data);
}

Test(syscount, is_connected_costs_one_peek)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_status st = btc_sock_is_connected(&s, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK], 1, "peeks");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_ANY], 1, "slot calls in all");
}

Test(syscount, ready_wait_costs_one_wait)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_status st = btc_sock_wait(&s, BTC_TIMEOUT_INFINITE, BTC_EV_RECV, NULL, NULL, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    TS_ASSERT_SZ(f.calls[BTC_FAKE_WAIT], 1, "waits");
    TS_ASSERT_SZ(f.calls[BTC_FAKE_PEEK] + f.calls[BTC_FAKE_READ], 0, "a wait reads nothing");
}
