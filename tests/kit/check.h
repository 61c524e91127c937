/* SPDX-License-Identifier: MIT */
/*
 * tests/kit/check.h - the one checker of an error record, shared by the
 * Criterion suites (TS_CHECK in tests/support.h) and the fuzz harnesses
 * (fuzz/fuzz_common.c). It reports instead of asserting, so each caller
 * fails in its own way (cr_assert, __builtin_trap).
 */
#ifndef BTCSOCK_TESTS_KIT_CHECK_H
#define BTCSOCK_TESTS_KIT_CHECK_H

#include <stddef.h>

#include "btcsock.h"

/* Also require an OS code on BTC_ERR_IO and BTC_ERR_WOULD_BLOCK: true of the
 * real OS, not of a scripted table that may fail with code 0 on purpose. */
#define KIT_RECORD_OS_CODE 0x1u

/**
 * Whether err is a well-formed record of a call that returned st (docs/API.md,
 * "The error record": filled on every path, its status the one returned):
 * err->status == st; the message is NUL-terminated, "" on BTC_OK and not
 * empty otherwise; code 0 on BTC_OK and on argument and empty-socket errors
 * (no OS call was involved). NULL when it is, else a description of the
 * first problem, written into why[0..cap).
 */
const char *kit_record_problem(btc_status st, const btc_error *err, unsigned flags, char *why, size_t cap);

#endif /* BTCSOCK_TESTS_KIT_CHECK_H */
