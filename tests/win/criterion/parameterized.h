/* SPDX-License-Identifier: MIT */
/*
 * tests/win/criterion/parameterized.h - Criterion's parameterized tests, for
 * the portable runner. ParameterizedTest, ParameterizedTestParameters and
 * cr_make_param_array live in criterion.h with the rest of the subset.
 */
#ifndef BTCSOCK_TESTS_MINI_CRITERION_PARAMETERIZED_H
#define BTCSOCK_TESTS_MINI_CRITERION_PARAMETERIZED_H

#include "criterion.h"

#endif /* BTCSOCK_TESTS_MINI_CRITERION_PARAMETERIZED_H */
