/* SPDX-License-Identifier: MIT */
/*
 * tests/win/criterion/criterion.h - the subset of Criterion 2.4 that the
 * portable suites use, for platforms without Criterion (mingw-w64/Windows).
 *
 * The suites include <criterion/criterion.h>; building them with
 * `-isystem tests/win` (as the Makefile gives Criterion's own headers) picks
 * this file instead, and tests/win/runner.c supplies main(). The same test
 * source therefore runs under Criterion on Linux and under this runner on
 * Windows, with the same suite and test names and the same output lines
 * ("[RUN ] suite::name", "[PASS] ...", "[====] Synthesis: ...").
 *
 * Supported: TestSuite(name, .timeout/.init/.fini/.disabled/.description),
 * Test(suite, name, same options), ParameterizedTest,
 * ParameterizedTestParameters, cr_make_param_array, cr_assert, cr_assert_not,
 * cr_assert_eq/neq/lt/leq/gt/geq, cr_assert_str_eq/str_neq,
 * cr_assert_null/not_null, cr_assert_arr_eq, cr_skip_test, cr_log_info/warn/error.
 * Anything else is a compile error, not a silent difference.
 *
 * Differences from Criterion: tests run one after another in one process
 * (no fork), so a failed assertion longjmps back to the runner (it must be
 * called on the test's own thread, as Criterion also requires); a crash or a
 * timeout ends the whole run with a "[FAIL]" line for that test and a
 * Synthesis line. Tests are run in Criterion's order (suites, then tests, by
 * name).
 */
#ifndef BTCSOCK_TESTS_MINI_CRITERION_H
#define BTCSOCK_TESTS_MINI_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* printf-style checking in the dialect the C library really has (mingw: gnu_printf with its C99 stdio). */
#if defined(__MINGW32__)
#define CRW_FORMAT(fmt_index, first_arg) __attribute__((format(gnu_printf, fmt_index, first_arg)))
#else
#define CRW_FORMAT(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#endif

/* ---- registration ---------------------------------------------------------- */

/** What cr_make_param_array returns: `length` parameters of `size` bytes each at `params`. */
struct criterion_test_params {
    size_t size;
    void *params;
    size_t length;
    void (*cleanup)(struct criterion_test_params *);
};

/** TestSuite(name, options...): the options are Criterion's field names. */
struct crw_suite {
    const char *name;
    double timeout; /* seconds; 0: none */
    bool disabled;
    const char *description;
    void (*init)(void);
    void (*fini)(void);
    int crw_sentinel_;
    struct crw_suite *crw_next;
};

/** One Test or ParameterizedTest. */
struct crw_test {
    const char *suite;
    const char *name;
    const char *file;
    int line;
    void (*fn)(void);                             /* Test */
    void (*pfn)(void *);                          /* ParameterizedTest: called once per parameter */
    struct criterion_test_params (*params)(void); /* ParameterizedTest */
    double timeout;
    bool disabled;
    const char *description;
    void (*init)(void);
    void (*fini)(void);
    int crw_sentinel_;
    struct crw_test *crw_next;
};

void crw_register_suite(struct crw_suite *s);
void crw_register_test(struct crw_test *t);

#define CRW_CAT_(a, b) a##b
#define CRW_CAT(a, b) CRW_CAT_(a, b)
#define CRW_CONSTRUCTOR(fn)                            \
    static void fn(void) __attribute__((constructor)); \
    static void fn(void)

/* The trailing `.crw_sentinel_ = 0` keeps every variadic macro given at least one argument (ISO C). */
#define TestSuite(...) CRW_SUITE_(__VA_ARGS__, .crw_sentinel_ = 0)
#define CRW_SUITE_(suite, ...)                                                              \
    static struct crw_suite crw_suite_##suite = {#suite, __VA_ARGS__};                      \
    CRW_CONSTRUCTOR(crw_register_suite_##suite) { crw_register_suite(&crw_suite_##suite); } \
    struct crw_suite_##suite##_needs_a_semicolon

#define Test(...) CRW_TEST_(__VA_ARGS__, .crw_sentinel_ = 0)
#define CRW_TEST_(suite, name, ...)                                                                   \
    static void crw_body_##suite##_##name(void);                                                      \
    static struct crw_test crw_test_##suite##_##name = {                                              \
        #suite, #name, __FILE__, __LINE__, crw_body_##suite##_##name, NULL, NULL, __VA_ARGS__};       \
    CRW_CONSTRUCTOR(crw_register_##suite##_##name) { crw_register_test(&crw_test_##suite##_##name); } \
    static void crw_body_##suite##_##name(void)

/* ---- parameterized tests (criterion/parameterized.h) ------------------------ */

#define ParameterizedTestParameters(suite, name) static struct criterion_test_params crw_params_##suite##_##name(void)

/* Param is "Type *name": the runner's void * converts to it implicitly. */
#define ParameterizedTest(...) CRW_PTEST_(__VA_ARGS__, .crw_sentinel_ = 0)
#define CRW_PTEST_(param, suite, name, ...)                                                                     \
    static struct criterion_test_params crw_params_##suite##_##name(void);                                      \
    static void crw_pbody_##suite##_##name(param);                                                              \
    static void crw_pthunk_##suite##_##name(void *crw_p) { crw_pbody_##suite##_##name(crw_p); }                 \
    static struct crw_test crw_test_##suite##_##name =                                                          \
        {#suite,     #name, __FILE__, __LINE__, NULL, crw_pthunk_##suite##_##name, crw_params_##suite##_##name, \
         __VA_ARGS__};                                                                                          \
    CRW_CONSTRUCTOR(crw_register_##suite##_##name) { crw_register_test(&crw_test_##suite##_##name); }           \
    static void crw_pbody_##suite##_##name(param)

/* cr_make_param_array(Type, Array, Len[, Cleanup]) */
#define cr_make_param_array(...) CRW_PARAMS_(__VA_ARGS__, NULL, ~)
#define CRW_PARAMS_(type, array, len, cleanup, ...) \
    ((struct criterion_test_params){sizeof(type), (void *)(array), (size_t)(len), (cleanup)})

/* ---- assertions ---------------------------------------------------------------- */

/* Report a failed assertion (Criterion's text) and leave the test. Never return. */
_Noreturn void crw_fail(const char *file, int line, const char *message);
_Noreturn void crw_fail_fmt(const char *file, int line, const char *fmt, ...) CRW_FORMAT(3, 4);
_Noreturn void crw_fail_str(const char *file, int line, const char *a_text, const char *b_text, const char *a,
                            const char *b, const char *op);
_Noreturn void crw_skip(const char *file, int line, const char *fmt, ...) CRW_FORMAT(3, 4);

/* CRW_N1(args...) is ONE for one argument and MANY for 2..32; CRW_N2 is TWO for two, MANY for 3..32. */
#define CRW_SEL_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, \
                 a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, x, ...)                                            \
    x
#define CRW_N1(...)                                                                                                 \
    CRW_SEL_(__VA_ARGS__, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, \
             MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, ONE, ~)
#define CRW_N2(...)                                                                                                 \
    CRW_SEL_(__VA_ARGS__, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, \
             MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, TWO, ONE, ~)
#define CRW_N3(...)                                                                                                 \
    CRW_SEL_(__VA_ARGS__, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, \
             MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, MANY, THREE, TWO, ONE, ~)

/* cr_assert(cond[, fmt, args...]) */
#define cr_assert(...) CRW_CAT(CRW_ASSERT_, CRW_N1(__VA_ARGS__))(__VA_ARGS__)
#define CRW_ASSERT_ONE(cond) CRW_CHECK_((cond), crw_fail(__FILE__, __LINE__, "The expression " #cond " is false."))
#define CRW_ASSERT_MANY(cond, ...) CRW_CHECK_((cond), crw_fail_fmt(__FILE__, __LINE__, __VA_ARGS__))
#define CRW_CHECK_(cond, on_failure) \
    do {                             \
        if (!(cond)) {               \
            on_failure;              \
        }                            \
    } while (0)

/* cr_assert_not(cond[, fmt, args...]) */
#define cr_assert_not(...) CRW_CAT(CRW_ASSERT_NOT_, CRW_N1(__VA_ARGS__))(__VA_ARGS__)
#define CRW_ASSERT_NOT_ONE(cond) \
    CRW_CHECK_(!(cond), crw_fail(__FILE__, __LINE__, "The expression !(" #cond ") is false."))
#define CRW_ASSERT_NOT_MANY(cond, ...) CRW_CHECK_(!(cond), crw_fail_fmt(__FILE__, __LINE__, __VA_ARGS__))

/* Comparisons: cr_assert_<op>(actual, expected[, fmt, args...]) */
#define CRW_CMP(op, ...) CRW_CAT(CRW_CMP_, CRW_N2(__VA_ARGS__))(op, __VA_ARGS__)
#define CRW_CMP_TWO(op, a, b) \
    CRW_CHECK_((a)op(b), crw_fail(__FILE__, __LINE__, "The expression (" #a ") " #op " (" #b ") is false."))
#define CRW_CMP_MANY(op, a, b, ...) CRW_CHECK_((a)op(b), crw_fail_fmt(__FILE__, __LINE__, __VA_ARGS__))
#define cr_assert_eq(...) CRW_CMP(==, __VA_ARGS__)
#define cr_assert_neq(...) CRW_CMP(!=, __VA_ARGS__)
#define cr_assert_lt(...) CRW_CMP(<, __VA_ARGS__)
#define cr_assert_leq(...) CRW_CMP(<=, __VA_ARGS__)
#define cr_assert_gt(...) CRW_CMP(>, __VA_ARGS__)
#define cr_assert_geq(...) CRW_CMP(>=, __VA_ARGS__)

/* Strings: cr_assert_str_eq(actual, expected[, fmt, args...]) */
#define CRW_STR(op, ...) CRW_CAT(CRW_STR_, CRW_N2(__VA_ARGS__))(op, __VA_ARGS__)
#define CRW_STR_TWO(op, a, b)                                              \
    do {                                                                   \
        const char *crw_a_ = (a);                                          \
        const char *crw_b_ = (b);                                          \
        if (!(strcmp(crw_a_, crw_b_) op 0)) {                              \
            crw_fail_str(__FILE__, __LINE__, #a, #b, crw_a_, crw_b_, #op); \
        }                                                                  \
    } while (0)
#define CRW_STR_MANY(op, a, b, ...) CRW_CHECK_(strcmp((a), (b)) op 0, crw_fail_fmt(__FILE__, __LINE__, __VA_ARGS__))
#define cr_assert_str_eq(...) CRW_STR(==, __VA_ARGS__)
#define cr_assert_str_neq(...) CRW_STR(!=, __VA_ARGS__)

/* Pointers: cr_assert_null(p[, fmt, args...]) */
#define cr_assert_null(...) CRW_CAT(CRW_NULL_, CRW_N1(__VA_ARGS__))(==, __VA_ARGS__)
#define cr_assert_not_null(...) CRW_CAT(CRW_NULL_, CRW_N1(__VA_ARGS__))(!=, __VA_ARGS__)
#define CRW_NULL_ONE(op, p) \
    CRW_CHECK_((p)op NULL, crw_fail(__FILE__, __LINE__, "The expression (" #p ") " #op " NULL is false."))
#define CRW_NULL_MANY(op, p, ...) CRW_CHECK_((p)op NULL, crw_fail_fmt(__FILE__, __LINE__, __VA_ARGS__))

/* Arrays: cr_assert_arr_eq(actual, expected, size_in_bytes[, fmt, args...]) */
#define cr_assert_arr_eq(...) CRW_CAT(CRW_ARR_, CRW_N3(__VA_ARGS__))(__VA_ARGS__)
#define CRW_ARR_THREE(a, b, size)             \
    CRW_CHECK_(memcmp((a), (b), (size)) == 0, \
               crw_fail(__FILE__, __LINE__, "The expression (" #a ")[0..Size] == (" #b ")[0..Size] is false."))
#define CRW_ARR_MANY(a, b, size, ...) \
    CRW_CHECK_(memcmp((a), (b), (size)) == 0, crw_fail_fmt(__FILE__, __LINE__, __VA_ARGS__))

/* cr_log_info/cr_log_warn/cr_log_error(fmt, args...): a line in Criterion's format ("[----] ", "[WARN] ", "[ERR ] ").
 */
void crw_log(const char *prefix, const char *fmt, ...) CRW_FORMAT(2, 3);
#define cr_log_info(...) crw_log("[----] ", __VA_ARGS__)
#define cr_log_warn(...) crw_log("[WARN] ", __VA_ARGS__)
#define cr_log_error(...) crw_log("[ERR ] ", __VA_ARGS__)

/* cr_skip_test(fmt, args...): the test counts as skipped, not as tested. */
#define cr_skip_test(...) crw_skip(__FILE__, __LINE__, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_TESTS_MINI_CRITERION_H */
