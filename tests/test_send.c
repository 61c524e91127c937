/* SPDX-License-Identifier: MIT */
/*
 * tests/test_send.c - btc_sock_send_complete through the scripted fake.
 *
 * Every test compares the fake's output record with the data byte for byte
 * and checks err->bytes against what the fake says the peer accepted.
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(send, .timeout = 30);

#define SD_LEN 50
#define SD_CHUNK 7
/* Sends needed for SD_LEN bytes at SD_CHUNK per send. */
#define SD_SENDS ((SD_LEN + SD_CHUNK - 1) / SD_CHUNK)

typedef struct sd_env {
    btc_fake f;
    btc_sock s;
    uint8_t data[SD_LEN];
    uint8_t out[SD_LEN + 16];
    btc_error err;
} sd_env;

static void sd_init(sd_env *e, size_t max_send)
{
    fs_setup(&e->f, &e->s);
    fs_pattern(e->data, sizeof e->data, 42, -1);
    memset(e->out, 0xcc, sizeof e->out);
    btc_fake_set_output(&e->f, e->out, sizeof e->out);
    btc_fake_set_chunks(&e->f, 0, 0, max_send);
    btc_fake_set_end(&e->f, 0, FS_NEVER);
    fs_err_poison(&e->err);
}

/* The peer got exactly data[0..n) and nothing else. */
static void sd_assert_record(const sd_env *e, size_t n)
{
    TS_ASSERT_SZ(e->f.sent, n, "bytes the fake accepted");
    cr_assert_arr_eq(e->out, e->data, n, "output record differs from the data in the first %zu bytes", n);
    cr_assert_eq(e->out[n], 0xcc, "output record has a byte past %zu", n);
}

static btc_status sd_send(sd_env *e, int64_t timeout, btc_interrupt *intr)
{
    btc_status st = btc_sock_send_complete(&e->s, e->data, sizeof e->data, timeout, intr, &e->err);
    TS_ASSERT_RECORD(st, e->err);
    return st;
}

/* Errors include the counts: "<sent> of <len>". */
static void sd_assert_message_counts(const btc_error *err, size_t sent, size_t len)
{
    char want[64];
    snprintf(want, sizeof want, "%zu of %zu", sent, len);
    cr_assert_not_null(strstr(err->message, want), "message \"%s\" does not contain \"%s\"", err->message, want);
}

/* ---- success ------------------------------------------------------------------ */

Test(send, full_send_in_one_call)
{
    sd_env e;
    sd_init(&e, 0);
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.err.bytes, SD_LEN, "err.bytes");
    cr_assert_eq(e.err.code, 0, "err.code %d on success", e.err.code);
    sd_assert_record(&e, SD_LEN);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_SEND], 1, "send calls");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "wait calls");
    TS_ASSERT_I64(e.f.now_ms, FS_T0, "virtual clock");
}

Test(send, null_err_is_accepted)
{
    sd_env e;
    sd_init(&e, 3);
    btc_status st = btc_sock_send_complete(&e.s, e.data, sizeof e.data, 1000, NULL, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, (btc_error *)NULL);
    sd_assert_record(&e, SD_LEN);
}

static size_t short_sizes[] = {1, 3, 7, 49, 50, 51};

ParameterizedTestParameters(send, short_sends_deliver_everything)
{
    return cr_make_param_array(size_t, short_sizes, sizeof short_sizes / sizeof short_sizes[0]);
}

ParameterizedTest(size_t *max_send, send, short_sends_deliver_everything)
{
    sd_env e;
    sd_init(&e, *max_send);
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.err.bytes, SD_LEN, "err.bytes");
    sd_assert_record(&e, SD_LEN);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_SEND], (SD_LEN + *max_send - 1) / *max_send, "send calls (one per chunk)");
}

Test(send, len_zero_succeeds_without_a_system_call)
{
    sd_env e;
    sd_init(&e, 0);
    btc_status st = btc_sock_send_complete(&e.s, e.data, 0, 1000, NULL, &e.err);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_RECORD(st, e.err);
    TS_ASSERT_SZ(e.err.bytes, 0, "err.bytes");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_ANY], 0, "slot calls for len 0");
    st = btc_sock_send_complete(&e.s, NULL, 0, 0, NULL, &e.err);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_ANY], 0, "slot calls for NULL data, len 0");
}

/* ---- transient errors at every position ------------------------------------------ */

static int transient_codes[] = {EINTR, EAGAIN, EWOULDBLOCK};

ParameterizedTestParameters(send, transient_error_at_every_position_still_completes)
{
    return cr_make_param_array(int, transient_codes, sizeof transient_codes / sizeof transient_codes[0]);
}

ParameterizedTest(int *code, send, transient_error_at_every_position_still_completes)
{
    for (size_t k = 0; k <= SD_SENDS; k++) {
        sd_env e;
        sd_init(&e, SD_CHUNK);
        fs_push_passes(&e.f, BTC_FAKE_SEND, k);
        fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, *code);
        btc_status st = sd_send(&e, 1000, NULL);
        cr_assert_eq(st, BTC_OK, "errno %d at send %zu: status %s, message \"%s\"", *code, k, btc_status_name(st),
                     e.err.message);
        TS_ASSERT_SZ(e.err.bytes, SD_LEN, "err.bytes");
        sd_assert_record(&e, SD_LEN);
        if (k < SD_SENDS) {
            TS_ASSERT_SZ(btc_fake_steps_left(&e.f), 0, "the failure step was not reached");
            TS_ASSERT_SZ(e.f.calls[BTC_FAKE_SEND], SD_SENDS + 1, "send calls (one retried)");
        }
    }
}

Test(send, many_transient_errors_in_a_row)
{
    sd_env e;
    sd_init(&e, SD_CHUNK);
    for (int i = 0; i < 100; i++) {
        fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, i % 2 ? EINTR : EAGAIN);
    }
    btc_status st = sd_send(&e, BTC_TIMEOUT_INFINITE, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    sd_assert_record(&e, SD_LEN);
    TS_ASSERT_SZ(btc_fake_steps_left(&e.f), 0, "steps left");
}

/* ---- permanent errors at every position ------------------------------------------- */

static int permanent_codes[] = {ECONNRESET, EPIPE, ENOTCONN, EIO, EBADF, ENOBUFS};

ParameterizedTestParameters(send, permanent_error_at_every_position_is_io_with_exact_bytes)
{
    return cr_make_param_array(int, permanent_codes, sizeof permanent_codes / sizeof permanent_codes[0]);
}

ParameterizedTest(int *code, send, permanent_error_at_every_position_is_io_with_exact_bytes)
{
    for (size_t k = 0; k <= SD_SENDS; k++) {
        sd_env e;
        sd_init(&e, SD_CHUNK);
        fs_push_passes(&e.f, BTC_FAKE_SEND, k);
        fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, *code);
        btc_status st = sd_send(&e, 1000, NULL);
        if (k == SD_SENDS) { /* the failure comes after the last byte: never reached */
            TS_ASSERT_STATUS(st, BTC_OK, &e.err);
            sd_assert_record(&e, SD_LEN);
            continue;
        }
        size_t expect = k * SD_CHUNK;
        cr_assert_eq(st, BTC_ERR_IO, "errno %d at send %zu: status %s, message \"%s\"", *code, k, btc_status_name(st),
                     e.err.message);
        cr_assert_eq(e.err.code, *code, "err.code %d, expected %d", e.err.code, *code);
        TS_ASSERT_SZ(e.err.bytes, expect, "err.bytes");
        TS_ASSERT_SZ(e.err.bytes, e.f.sent, "err.bytes vs the fake's record");
        sd_assert_record(&e, expect);
        sd_assert_message_counts(&e.err, expect, SD_LEN);
        TS_ASSERT_SZ(e.f.calls[BTC_FAKE_SEND], k + 1, "no send after a permanent error");
    }
}

Test(send, peer_closed_step_is_io_epipe)
{
    sd_env e;
    sd_init(&e, SD_CHUNK);
    fs_push_passes(&e.f, BTC_FAKE_SEND, 2);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_EOF, 0);
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &e.err);
    cr_assert_eq(e.err.code, EPIPE, "err.code %d, expected EPIPE %d", e.err.code, EPIPE);
    TS_ASSERT_SZ(e.err.bytes, 2 * SD_CHUNK, "err.bytes");
    sd_assert_record(&e, 2 * SD_CHUNK);
}

/* ---- no progress ---------------------------------------------------------------- */

Test(send, send_returning_zero_is_protocol_at_every_position)
{
    for (size_t k = 0; k < SD_SENDS; k++) {
        sd_env e;
        sd_init(&e, SD_CHUNK);
        fs_push_passes(&e.f, BTC_FAKE_SEND, k);
        fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, 0);
        btc_status st = sd_send(&e, 1000, NULL);
        cr_assert_eq(st, BTC_ERR_PROTOCOL, "LIMIT 0 at send %zu: status %s", k, btc_status_name(st));
        TS_ASSERT_SZ(e.err.bytes, k * SD_CHUNK, "err.bytes");
        sd_assert_record(&e, k * SD_CHUNK);
        cr_assert_eq(e.err.code, 0, "err.code %d for a protocol error", e.err.code);
        sd_assert_message_counts(&e.err, k * SD_CHUNK, SD_LEN);
    }
}

/* ---- timeouts ------------------------------------------------------------------- */

Test(send, window_smaller_than_len_times_out)
{
    sd_env e;
    sd_init(&e, 0);
    btc_fake_set_send_window(&e.f, 20);
    btc_status st = sd_send(&e, 100, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 20, "err.bytes");
    sd_assert_record(&e, 20);
    sd_assert_message_counts(&e.err, 20, SD_LEN);
    cr_assert_eq(e.err.code, 0, "err.code %d on timeout", e.err.code);
    int64_t elapsed = e.f.now_ms - FS_T0;
    cr_assert_geq(elapsed, 100, "virtual time elapsed %lld < timeout 100", (long long)elapsed);
    cr_assert_leq(elapsed, 101, "virtual time elapsed %lld overshoots the 100 ms deadline", (long long)elapsed);
}

Test(send, window_smaller_than_len_with_chunks_times_out)
{
    sd_env e;
    sd_init(&e, 3);
    btc_fake_set_send_window(&e.f, 10);
    btc_status st = sd_send(&e, 250, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 10, "err.bytes");
    sd_assert_record(&e, 10);
    cr_assert_geq(e.f.now_ms - FS_T0, 250, "virtual time elapsed %lld", (long long)(e.f.now_ms - FS_T0));
}

Test(send, zero_timeout_full_window_one_attempt_then_timeout)
{
    sd_env e;
    sd_init(&e, 0);
    btc_fake_set_send_window(&e.f, 0);
    btc_status st = sd_send(&e, 0, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 0, "err.bytes");
    sd_assert_record(&e, 0);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_SEND], 1, "send attempts with a zero timeout");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "waits with a zero timeout");
}

Test(send, zero_timeout_partial_window)
{
    sd_env e;
    sd_init(&e, 0);
    btc_fake_set_send_window(&e.f, 10);
    btc_status st = sd_send(&e, 0, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 10, "err.bytes");
    sd_assert_record(&e, 10);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "waits with a zero timeout");
}

Test(send, zero_timeout_with_room_completes)
{
    sd_env e;
    sd_init(&e, 0);
    btc_status st = sd_send(&e, 0, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    sd_assert_record(&e, SD_LEN);
}

Test(send, clock_jump_on_clock_read_past_deadline_times_out)
{
    sd_env e;
    sd_init(&e, 0);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, 3);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EAGAIN);
    fs_push(&e.f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, 5000);
    /* Without the jump the wait would report room at once and the send would complete. */
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 3, "err.bytes");
    sd_assert_record(&e, 3);
    TS_ASSERT_SZ(btc_fake_steps_left(&e.f), 0, "steps left");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "a wait after the deadline passed");
}

Test(send, clock_jump_during_wait_past_deadline_times_out)
{
    sd_env e;
    sd_init(&e, 0);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, 3);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EAGAIN);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 5000);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    /* The wait is cut short by EINTR after the jump; retrying must see the deadline gone. */
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 3, "err.bytes");
    sd_assert_record(&e, 3);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 1, "waits (no retry after the deadline)");
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_SEND], 2, "sends");
}

Test(send, clock_jump_during_window_wait)
{
    sd_env e;
    sd_init(&e, 0);
    btc_fake_set_send_window(&e.f, 5);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_ADVANCE, 5000);
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 5, "err.bytes");
    sd_assert_record(&e, 5);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 1, "waits");
    cr_assert_geq(e.f.now_ms, FS_T0 + 5000, "clock %lld", (long long)e.f.now_ms);
}

/*
 * A finite timeout must stay finite even when now + timeout does not fit in
 * int64 (a clock far along, reachable with the fake): saturating the deadline
 * to INT64_MAX turns it into "never", and the send then waits without limit.
 */
Test(send, finite_timeout_near_the_end_of_the_clock_still_times_out)
{
    sd_env e;
    sd_init(&e, 0);
    btc_fake_set_send_window(&e.f, 0);
    fs_push(&e.f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, INT64_MAX - FS_T0 - 50);
    btc_status st = sd_send(&e, 100, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 0, "err.bytes");
    cr_assert(!e.f.gone, "the send waited without limit (the fake declared the peer gone)");
}

/* ---- waits ----------------------------------------------------------------------- */

Test(send, eintr_on_the_wait_is_retried)
{
    sd_env e;
    sd_init(&e, 0);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EAGAIN);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, EINTR);
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    sd_assert_record(&e, SD_LEN);
    TS_ASSERT_SZ(btc_fake_steps_left(&e.f), 0, "steps left");
    cr_assert_geq(e.f.calls[BTC_FAKE_WAIT], 3ul, "waits %lu: EINTR must be retried", e.f.calls[BTC_FAKE_WAIT]);
}

static int wait_permanent_codes[] = {EBADF, EINVAL, EFAULT};

ParameterizedTestParameters(send, permanent_error_on_the_wait_is_io)
{
    return cr_make_param_array(int, wait_permanent_codes, sizeof wait_permanent_codes / sizeof wait_permanent_codes[0]);
}

ParameterizedTest(int *code, send, permanent_error_on_the_wait_is_io)
{
    sd_env e;
    sd_init(&e, 0);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, 4);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EAGAIN);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, *code);
    btc_status st = sd_send(&e, 1000, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &e.err);
    cr_assert_eq(e.err.code, *code, "err.code %d, expected %d", e.err.code, *code);
    TS_ASSERT_SZ(e.err.bytes, 4, "err.bytes");
    sd_assert_record(&e, 4);
    sd_assert_message_counts(&e.err, 4, SD_LEN);
}

Test(send, enomem_on_the_wait_is_no_memory)
{
    sd_env e;
    sd_init(&e, 0);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EAGAIN);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, ENOMEM);
    btc_status st = sd_send(&e, 1000, NULL);
    cr_assert(st == BTC_ERR_NO_MEMORY || st == BTC_ERR_IO, "ENOMEM on the wait gave %s", btc_status_name(st));
    TS_ASSERT_SZ(e.err.bytes, 0, "err.bytes");
    sd_assert_record(&e, 0);
}

/* ---- interrupts ----------------------------------------------------------------- */

static void sd_intr_init(btc_interrupt *intr)
{
    btc_error ierr;
    btc_status st = btc_interrupt_init(intr, &ierr);
    cr_assert_eq(st, BTC_OK, "btc_interrupt_init: %s", ierr.message);
}

Test(send, interrupt_set_before_still_sends_once)
{
    btc_interrupt intr;
    sd_intr_init(&intr);
    btc_interrupt_trigger(&intr);
    sd_env e;
    sd_init(&e, 0);
    btc_fake_set_send_window(&e.f, 12);
    btc_status st = sd_send(&e, BTC_TIMEOUT_INFINITE, &intr);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    cr_assert_geq(e.f.calls[BTC_FAKE_SEND], 1ul, "no send attempted");
    TS_ASSERT_SZ(e.err.bytes, 12, "err.bytes");
    sd_assert_record(&e, 12);
    sd_assert_message_counts(&e.err, 12, SD_LEN);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_WAIT], 0, "waits with the interrupt set");
    btc_interrupt_destroy(&intr);
}

Test(send, interrupt_set_before_but_everything_fits_is_ok)
{
    btc_interrupt intr;
    sd_intr_init(&intr);
    btc_interrupt_trigger(&intr);
    sd_env e;
    sd_init(&e, 0);
    btc_status st = sd_send(&e, BTC_TIMEOUT_INFINITE, &intr);
    TS_ASSERT_STATUS(st, BTC_OK, &e.err);
    sd_assert_record(&e, SD_LEN);
    btc_interrupt_destroy(&intr);
}

Test(send, interrupt_set_before_with_zero_window_sends_nothing)
{
    btc_interrupt intr;
    sd_intr_init(&intr);
    btc_interrupt_trigger(&intr);
    sd_env e;
    sd_init(&e, 0);
    btc_fake_set_send_window(&e.f, 0);
    btc_status st = sd_send(&e, 1000, &intr);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    TS_ASSERT_SZ(e.f.calls[BTC_FAKE_SEND], 1, "send attempts");
    TS_ASSERT_SZ(e.err.bytes, 0, "err.bytes");
    btc_interrupt_destroy(&intr);
}

Test(send, interrupt_during_the_wait)
{
    btc_interrupt intr;
    sd_intr_init(&intr);
    sd_env e;
    sd_init(&e, 0);
    btc_fake_attach_interrupt(&e.f, &intr);
    btc_fake_set_send_window(&e.f, 17);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    btc_status st = sd_send(&e, 100000, &intr);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 17, "err.bytes");
    sd_assert_record(&e, 17);
    cr_assert_lt(e.f.now_ms - FS_T0, 100000, "the interrupted send waited the whole timeout (%lld ms)",
                 (long long)(e.f.now_ms - FS_T0));
    btc_interrupt_destroy(&intr);
}

Test(send, interrupt_during_the_wait_with_infinite_timeout)
{
    btc_interrupt intr;
    sd_intr_init(&intr);
    sd_env e;
    sd_init(&e, 5);
    btc_fake_attach_interrupt(&e.f, &intr);
    btc_fake_set_send_window(&e.f, 23);
    fs_push(&e.f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    btc_status st = sd_send(&e, BTC_TIMEOUT_INFINITE, &intr);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    TS_ASSERT_SZ(e.err.bytes, 23, "err.bytes");
    sd_assert_record(&e, 23);
    cr_assert(!e.f.gone, "the fake declared the peer gone: the interrupt did not end the wait");
    btc_interrupt_destroy(&intr);
}

/* ---- arguments ------------------------------------------------------------------ */

static void sd_assert_no_calls(const sd_env *e)
{
    TS_ASSERT_SZ(e->f.calls[BTC_FAKE_ANY], 0, "slot calls for a refused call");
    TS_ASSERT_SZ(e->f.sent, 0, "bytes sent by a refused call");
}

Test(send, null_sock_is_invalid_argument)
{
    sd_env e;
    sd_init(&e, 0);
    btc_status st = btc_sock_send_complete(NULL, e.data, SD_LEN, 1000, NULL, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &e.err);
    TS_ASSERT_RECORD(st, e.err);
    TS_ASSERT_SZ(e.err.bytes, 0, "err.bytes");
    sd_assert_no_calls(&e);
}

Test(send, null_data_with_len_is_invalid_argument)
{
    sd_env e;
    sd_init(&e, 0);
    btc_status st = btc_sock_send_complete(&e.s, NULL, 1, 1000, NULL, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &e.err);
    TS_ASSERT_RECORD(st, e.err);
    sd_assert_no_calls(&e);
}

Test(send, negative_timeout_is_invalid_argument)
{
    int64_t bad[] = {-1, -1000, INT64_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sd_env e;
        sd_init(&e, 0);
        btc_status st = btc_sock_send_complete(&e.s, e.data, SD_LEN, bad[i], NULL, &e.err);
        TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &e.err);
        TS_ASSERT_RECORD(st, e.err);
        sd_assert_no_calls(&e);
        /* len 0 is checked after the arguments, so it is refused too. */
        st = btc_sock_send_complete(&e.s, e.data, 0, bad[i], NULL, &e.err);
        TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &e.err);
    }
}

Test(send, empty_sock_is_invalid_socket)
{
    sd_env e;
    sd_init(&e, 0);
    btc_sock empty = {BTC_INVALID_SOCKET, btc_fake_sys(&e.f)};
    btc_status st = btc_sock_send_complete(&empty, e.data, SD_LEN, 1000, NULL, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_SOCKET, &e.err);
    TS_ASSERT_RECORD(st, e.err);
    sd_assert_no_calls(&e);
    st = btc_sock_send_complete(&empty, e.data, 0, 1000, NULL, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_SOCKET, &e.err);
    btc_sock def = BTC_SOCK_INIT;
    st = btc_sock_send_complete(&def, e.data, SD_LEN, 1000, NULL, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_SOCKET, &e.err);
}

Test(send, bad_table_is_invalid_argument)
{
    sd_env e;
    sd_init(&e, 0);
    btc_sys bad_version = *btc_fake_sys(&e.f);
    bad_version.version = BTC_SYS_VERSION + 1;
    btc_sys no_send = *btc_fake_sys(&e.f);
    no_send.send = NULL;
    btc_sys no_clock = *btc_fake_sys(&e.f);
    no_clock.now_ms = NULL;
    const btc_sys *tables[] = {&bad_version, &no_send, &no_clock};
    for (size_t i = 0; i < 3; i++) {
        btc_sock s = {BTC_FAKE_FD, tables[i]};
        btc_status st = btc_sock_send_complete(&s, e.data, SD_LEN, 1000, NULL, &e.err);
        cr_assert_eq(st, BTC_ERR_INVALID_ARGUMENT, "table %zu: status %s", i, btc_status_name(st));
        TS_ASSERT_RECORD(st, e.err);
        sd_assert_no_calls(&e);
    }
}

Test(send, uninitialised_interrupt_is_invalid_argument)
{
    sd_env e;
    sd_init(&e, 0);
    btc_interrupt zero;
    memset(&zero, 0, sizeof zero);
    btc_status st = btc_sock_send_complete(&e.s, e.data, SD_LEN, 1000, &zero, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &e.err);
    TS_ASSERT_RECORD(st, e.err);
    sd_assert_no_calls(&e);
    btc_interrupt destroyed;
    sd_intr_init(&destroyed);
    btc_interrupt_destroy(&destroyed);
    st = btc_sock_send_complete(&e.s, e.data, SD_LEN, 1000, &destroyed, &e.err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &e.err);
    sd_assert_no_calls(&e);
}

/* ---- a large send through a small kernel ------------------------------------------ */

Test(send, large_buffer_random_chunks_and_errors)
{
    enum { N = 200000 };
    uint8_t *data = malloc(N);
    uint8_t *out = malloc(N + 1);
    cr_assert_not_null(data, "malloc failed");
    cr_assert_not_null(out, "malloc failed");
    fs_pattern(data, N, 5, -1);
    out[N] = 0xab;
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_output(&f, out, N);
    btc_fake_set_chunks(&f, 0, 0, 4093);
    fs_rng rng = {0x1234567u};
    for (int i = 0; i < 200; i++) {
        switch (fs_rng_below(&rng, 4)) {
        case 0:
            fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EAGAIN);
            break;
        case 1:
            fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_FAIL, EINTR);
            break;
        case 2:
            fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, (int64_t)fs_rng_below(&rng, 100) + 1);
            break;
        default:
            fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_PASS, 0);
            break;
        }
    }
    btc_error err;
    btc_status st = btc_sock_send_complete(&s, data, N, 10000, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(err.bytes, N, "err.bytes");
    TS_ASSERT_SZ(f.sent, N, "f.sent");
    cr_assert(memcmp(out, data, N) == 0, "output differs");
    cr_assert_eq(out[N], 0xab, "wrote past the output");
    free(data);
    free(out);
}

/* ---- a socket that never blocks still cannot hold the call past its deadline ---- */

Test(send, deadline_checked_between_partial_sends)
{
    sd_env e;
    sd_init(&e, SD_CHUNK); /* every send takes 7 bytes and never fails */
    for (unsigned i = 0; i < 20; i++) {
        fs_push(&e.f, BTC_FAKE_CLOCK, BTC_FAKE_ADVANCE, 10); /* each clock read is 10 ms later */
        fs_push(&e.f, BTC_FAKE_CLOCK, BTC_FAKE_PASS, 0);
    }
    btc_status st = sd_send(&e, 25, NULL);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &e.err);
    cr_assert_lt(e.f.sent, SD_LEN, "a 25 ms call sent all %d bytes", SD_LEN);
    cr_assert_eq(e.f.sent % SD_CHUNK, 0, "sent %zu, not whole chunks", e.f.sent);
    sd_assert_record(&e, e.err.bytes);
    sd_assert_message_counts(&e.err, e.f.sent, SD_LEN);
}

Test(send, interrupt_checked_between_partial_sends)
{
    btc_interrupt intr;
    cr_assert_eq(btc_interrupt_init(&intr, NULL), BTC_OK, "interrupt init");
    sd_env e;
    sd_init(&e, SD_CHUNK);
    btc_fake_attach_interrupt(&e.f, &intr);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_PASS, 0);
    fs_push(&e.f, BTC_FAKE_SEND, BTC_FAKE_INTERRUPT, 0); /* fires during the second send */
    btc_status st = sd_send(&e, BTC_TIMEOUT_INFINITE, &intr);
    TS_ASSERT_STATUS(st, BTC_ERR_INTERRUPTED, &e.err);
    sd_assert_record(&e, 2 * SD_CHUNK);
    btc_interrupt_destroy(&intr);
}
