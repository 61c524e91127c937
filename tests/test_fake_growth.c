/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake_growth.c - steps and arrivals past the fixed arrays
 * (btc_fake_add_step, btc_fake_add_arrival): as many as a test needs, the
 * 0.1 functions' caps unchanged, running out of memory a status.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(growth, .timeout = 20);

enum { MANY = 2000 };

Test(growth, thousands_of_steps_apply_in_order)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    static uint8_t in[MANY], got[MANY];
    fs_pattern(in, sizeof in, 7, -1);
    fs_setup(&f, &s);
    btc_fake_set_input(&f, in, sizeof in);
    for (size_t i = 0; i < MANY; i++)
        cr_assert_eq(btc_fake_add_step(&f, BTC_FAKE_READ, BTC_FAKE_LIMIT, 1), BTC_OK, "step %zu", i);
    cr_assert_eq(btc_fake_steps_left(&f), MANY);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, got, sizeof got, 1000, NULL, &err), BTC_OK, &err);
    cr_assert_eq(memcmp(got, in, sizeof in), 0);
    cr_assert_eq(btc_fake_steps_left(&f), 0, "every step was taken");
    cr_assert_geq(f.calls[BTC_FAKE_READ], MANY, "one byte a read");
    btc_fake_free(&f);
    cr_assert_eq(f.mem_used, 0);
}

Test(growth, a_thousand_arrivals_each_on_time)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    static uint8_t in[1000], got[1000];
    fs_pattern(in, sizeof in, 3, -1);
    fs_setup(&f, &s);
    btc_fake_set_input(&f, in, sizeof in);
    for (size_t i = 0; i < sizeof in; i++)
        cr_assert_eq(btc_fake_add_arrival(&f, i, FS_T0 + 10 * (int64_t)i), BTC_OK, "arrival %zu", i);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, got, sizeof got, 20000, NULL, &err), BTC_OK, &err);
    cr_assert_eq(memcmp(got, in, sizeof in), 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 9990, "the last byte's arrival");
    btc_fake_free(&f);
}

Test(growth, the_old_functions_keep_their_caps)
{
    btc_fake f;
    btc_fake_init(&f);
    for (size_t i = 0; i < BTC_FAKE_MAX_STEPS + 10; i++)
        cr_assert_eq(btc_fake_add_step(&f, BTC_FAKE_ANY, BTC_FAKE_PASS, 0), BTC_OK);
    cr_assert_not(btc_fake_push(&f, BTC_FAKE_ANY, BTC_FAKE_PASS, 0), "btc_fake_push stops at its cap");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), BTC_FAKE_MAX_STEPS + 10, "steps");
    for (size_t i = 0; i < BTC_FAKE_MAX_ARRIVALS + 10; i++)
        cr_assert_eq(btc_fake_add_arrival(&f, i, FS_T0), BTC_OK);
    cr_assert_not(btc_fake_arrive_at(&f, 5000, FS_T0), "btc_fake_arrive_at stops at its cap");

    /* Freed, what stays is what the fixed arrays hold. */
    btc_fake_free(&f);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), BTC_FAKE_MAX_STEPS, "steps after free");
    TS_ASSERT_SZ(f.arrival_count, BTC_FAKE_MAX_ARRIVALS, "arrivals after free");
}

Test(growth, misuse_and_memory_are_statuses)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert_eq(btc_fake_add_step(NULL, BTC_FAKE_ANY, BTC_FAKE_PASS, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_add_step(&f, BTC_FAKE_OP_COUNT, BTC_FAKE_PASS, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_add_step(&f, BTC_FAKE_ANY, BTC_FAKE_KIND_COUNT, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_add_arrival(NULL, 0, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_add_arrival(&f, 5, FS_T0), BTC_OK);
    cr_assert_eq(btc_fake_add_arrival(&f, 5, FS_T0), BTC_ERR_INVALID_ARGUMENT, "the offset must increase");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "nothing added");

    btc_fake_set_memory_limit(&f, 1);
    for (size_t i = 0; i < BTC_FAKE_MAX_STEPS; i++)
        cr_assert_eq(btc_fake_add_step(&f, BTC_FAKE_ANY, BTC_FAKE_PASS, 0), BTC_OK, "the fixed array needs no memory");
    cr_assert_eq(btc_fake_add_step(&f, BTC_FAKE_ANY, BTC_FAKE_PASS, 0), BTC_ERR_NO_MEMORY);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), BTC_FAKE_MAX_STEPS, "nothing added");
    for (size_t i = 1; i < BTC_FAKE_MAX_ARRIVALS; i++)
        cr_assert_eq(btc_fake_add_arrival(&f, 5 + i, FS_T0), BTC_OK);
    cr_assert_eq(btc_fake_add_arrival(&f, 1000, FS_T0), BTC_ERR_NO_MEMORY);
    TS_ASSERT_SZ(f.arrival_count, BTC_FAKE_MAX_ARRIVALS, "nothing added");
    btc_fake_free(&f);
}
