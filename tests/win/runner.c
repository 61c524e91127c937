/* SPDX-License-Identifier: MIT */
/*
 * tests/win/runner.c - main() for the Criterion-compatible subset in
 * tests/win/criterion/criterion.h.
 *
 * Link it with one or more suite files (and tests/support.c) instead of
 * -lcriterion. It prints what Criterion prints with --verbose, so a run on
 * Windows can be compared line by line with one on Linux:
 *
 *   [====] Running 33 tests from real:
 *   [RUN ] real::request_reply_pair
 *   [PASS] real::request_reply_pair: (0.01s)
 *   [----] tests/test_real.c:75: Assertion Failed      (then the message)
 *   [FAIL] real::x: (0.00s)
 *   [SKIP] real::y: reason
 *   [====] Synthesis: Tested: N | Passing: N | Failing: N | Crashing: N
 *
 * Options: --list (Criterion's tree), --filter=GLOB (matched against
 * "suite/test", * and ? wildcards), --wine-strict (see wine_differences
 * below), --help. Criterion's --jobs, --color,
 * --verbose, --ascii and --always-succeed-free options are accepted and
 * ignored, so scripts can pass the same arguments to both.
 * Exit status 0 when nothing failed.
 *
 * Tests run one by one in this process (Windows has no fork). A failed
 * assertion longjmps back here. A test that runs past its suite's .timeout
 * is reported by a watchdog thread, which then ends the process; so does a
 * crash. In both cases the tests not yet run are counted as failed, so a
 * broken run can never add up to "0 failed".
 *
 * Portable C11 plus a little Win32/POSIX for the clock, the watchdog thread
 * and crash reporting; it builds on Linux too (handy to compare it with
 * Criterion itself).
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "criterion/criterion.h"

#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#endif

/* ---- registry ------------------------------------------------------------------ */

static struct crw_suite *suites;
static struct crw_test *tests;

void crw_register_suite(struct crw_suite *s)
{
    s->crw_next = suites;
    suites = s;
}

void crw_register_test(struct crw_test *t)
{
    t->crw_next = tests;
    tests = t;
}

static struct crw_suite *find_suite(const char *name)
{
    for (struct crw_suite *s = suites; s != NULL; s = s->crw_next) {
        if (strcmp(s->name, name) == 0) {
            return s;
        }
    }
    return NULL;
}

/* Criterion's order: by suite, then by test name. */
static int compare_tests(const void *pa, const void *pb)
{
    const struct crw_test *a = *(const struct crw_test *const *)pa;
    const struct crw_test *b = *(const struct crw_test *const *)pb;
    int c = strcmp(a->suite, b->suite);
    return c != 0 ? c : strcmp(a->name, b->name);
}

/* ---- clock --------------------------------------------------------------------- */

static int64_t now_us(void)
{
#ifdef _WIN32
    LARGE_INTEGER f;
    LARGE_INTEGER c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (c.QuadPart / f.QuadPart) * 1000000 + (c.QuadPart % f.QuadPart) * 1000000 / f.QuadPart;
#else
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + (int64_t)ts.tv_nsec / 1000;
#endif
}

/* ---- results ------------------------------------------------------------------- */

typedef struct counts {
    size_t tested;
    size_t passing;
    size_t failing;
    size_t crashing;
} counts;

static counts total;
static size_t runs_left; /* test runs not started yet (parameters included), for a run that ends early */

/* Criterion's closing line, trailing space included. */
static void print_synthesis(void)
{
    fprintf(stderr, "[====] Synthesis: Tested: %zu | Passing: %zu | Failing: %zu | Crashing: %zu \n", total.tested,
            total.passing, total.failing, total.crashing);
    fflush(stderr);
}

/* ---- the test being run ------------------------------------------------------- */

static const struct crw_test *current;
static jmp_buf test_exit;
static _Thread_local bool on_test_thread;
static char skip_reason[512];

/* For the watchdog: when the current test must be over (microseconds, 0: never) and its start. */
static atomic_llong deadline_us;
static atomic_llong started_us;
static atomic_flag ending = ATOMIC_FLAG_INIT;

enum outcome { PASSED, FAILED, SKIPPED };

/* Prints each line of text prefixed with "[----]   ", as Criterion does. */
static void print_message_lines(const char *text)
{
    fprintf(stderr, "[----]   \n");
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "[----]   %.*s\n", (int)n, p);
        if (nl == NULL) {
            break;
        }
        p = nl + 1;
    }
    fprintf(stderr, "[----]   \n");
}

/* A failed assertion anywhere but on the test's thread cannot longjmp: end the run instead. */
static _Noreturn void leave_test(int how)
{
    if (!on_test_thread) {
        fprintf(stderr, "[----] an assertion failed outside the test's own thread; ending the run\n");
        if (!atomic_flag_test_and_set(&ending)) {
            total.tested += 1 + runs_left;
            total.failing += 1 + runs_left;
            print_synthesis();
        }
        _Exit(1);
    }
    longjmp(test_exit, how);
}

_Noreturn void crw_fail(const char *file, int line, const char *message)
{
    fprintf(stderr, "[----] %s:%d: Assertion Failed\n", file, line);
    print_message_lines(message);
    leave_test(FAILED);
}

_Noreturn void crw_fail_fmt(const char *file, int line, const char *fmt, ...)
{
    char message[4096];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(message, sizeof message, fmt, ap) < 0) {
        snprintf(message, sizeof message, "(unprintable message)");
    }
    va_end(ap);
    crw_fail(file, line, message);
}

_Noreturn void crw_fail_str(const char *file, int line, const char *a_text, const char *b_text, const char *a,
                            const char *b, const char *op)
{
    char message[4096];
    snprintf(message, sizeof message, "The expression (as strings) (%s) %s (%s) is false: actual=`%s` expected=`%s`.",
             a_text, op, b_text, a, b);
    crw_fail(file, line, message);
}

void crw_log(const char *prefix, const char *fmt, ...)
{
    char message[4096];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(message, sizeof message, fmt, ap) < 0) {
        snprintf(message, sizeof message, "(unprintable message)");
    }
    va_end(ap);
    fprintf(stderr, "%s%s\n", prefix, message);
}

_Noreturn void crw_skip(const char *file, int line, const char *fmt, ...)
{
    (void)file;
    (void)line;
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(skip_reason, sizeof skip_reason, fmt, ap) < 0) {
        snprintf(skip_reason, sizeof skip_reason, "(unprintable reason)");
    }
    va_end(ap);
    leave_test(SKIPPED);
}

/* ---- crashes and timeouts end the run ------------------------------------------- */

static void end_run_abnormally(const char *what)
{
    if (atomic_flag_test_and_set(&ending)) {
        return; /* another thread is already doing it */
    }
    const struct crw_test *t = current;
    double secs = (double)(now_us() - atomic_load(&started_us)) / 1e6;
    if (t != NULL) {
        fprintf(stderr, "[----] %s:%d: %s\n", t->file, t->line, what);
        fprintf(stderr, "[FAIL] %s::%s: %s (%.2fs)\n", t->suite, t->name,
                strstr(what, "Timed out") != NULL ? "Timed out." : "CRASH!", secs);
        total.tested++;
        total.failing++;
        if (strstr(what, "Timed out") == NULL) {
            total.crashing++;
        }
    } else {
        fprintf(stderr, "[----] %s outside any test\n", what);
        total.failing++;
    }
    if (runs_left > 0) {
        fprintf(stderr, "[----] %zu test run(s) not started, counted as failed\n", runs_left);
        total.tested += runs_left; /* Tested stays Passing + Failing, as in Criterion */
        total.failing += runs_left;
    }
    print_synthesis();
}

#ifdef _WIN32
static LONG WINAPI on_exception(EXCEPTION_POINTERS *info)
{
    char what[128];
    snprintf(what, sizeof what, "Unexpected exception 0x%08lx caught below this line!",
             (unsigned long)info->ExceptionRecord->ExceptionCode);
    end_run_abnormally(what);
    TerminateProcess(GetCurrentProcess(), 1);
    return EXCEPTION_EXECUTE_HANDLER;
}
#endif

static void on_signal(int sig)
{
    char what[96];
    snprintf(what, sizeof what, "Unexpected signal %d caught below this line!", sig);
    end_run_abnormally(what);
    _Exit(1);
}

static void install_crash_handlers(void)
{
#ifdef _WIN32
    SetUnhandledExceptionFilter(on_exception);
#endif
    (void)signal(SIGSEGV, on_signal);
    (void)signal(SIGILL, on_signal);
    (void)signal(SIGFPE, on_signal);
    (void)signal(SIGABRT, on_signal);
}

static void watchdog_tick(void)
{
    long long dl = atomic_load(&deadline_us);
    if (dl != 0 && now_us() > dl) {
        const struct crw_test *t = current;
        char what[96];
        double limit = t == NULL ? 0.0 : (t->timeout > 0 ? t->timeout : find_suite(t->suite)->timeout);
        snprintf(what, sizeof what, "Timed out after %.0fs (the suite's .timeout)", limit);
        end_run_abnormally(what);
        _Exit(1);
    }
}

#ifdef _WIN32
static DWORD WINAPI watchdog_main(LPVOID arg)
{
    (void)arg;
    for (;;) {
        Sleep(100);
        watchdog_tick();
    }
    return 0;
}

static void start_watchdog(void)
{
    HANDLE h = CreateThread(NULL, 0, watchdog_main, NULL, 0, NULL);
    if (h == NULL) {
        fprintf(stderr, "[----] warning: no watchdog thread, .timeout is not enforced\n");
        return;
    }
    CloseHandle(h);
}
#else
static void *watchdog_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
        watchdog_tick();
    }
    return NULL;
}

static void start_watchdog(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, watchdog_main, NULL) != 0) {
        fprintf(stderr, "[----] warning: no watchdog thread, .timeout is not enforced\n");
        return;
    }
    (void)pthread_detach(t);
}
#endif

/* ---- where Wine is not Windows ------------------------------------------------- */

/*
 * Tests that are right for Windows (and Linux) but that Wine cannot pass,
 * each with the reason, measured with Wine 8.0 (Debian 12). Under Wine they
 * are reported as skipped with that reason; on Windows, or with
 * --wine-strict, they run like any other test. Keep this list short and
 * specific: a difference between Windows and POSIX belongs in the test.
 */
static const struct {
    const char *test; /* suite/name */
    const char *reason;
} wine_differences[] = {
    {"sock/listen_on_datagram_socket_fails",
     "Wine reports WSAEINVAL for listen() on a datagram socket; Windows documents WSAEOPNOTSUPP"},
    {"sock/tcp_recv_after_rst_is_io_econnreset",
     "Wine closes gracefully (EOF) even with SO_LINGER {1, 0}; Windows and Linux reset the connection"},
    {"wait/reset_connection_reports_err",
     "Wine closes gracefully (EOF) even with SO_LINGER {1, 0}; Windows and Linux reset the connection"},
};

/* "8.0" under Wine, NULL on Windows (and on POSIX, where this runner may also be built). */
static const char *wine_version(void)
{
#ifdef _WIN32
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    if (ntdll == NULL) {
        return NULL;
    }
    /* Through void (*)(void), the generic function pointer, so -Wcast-function-type stays quiet. */
    const char *(*get)(void) = (const char *(*)(void))(void (*)(void))GetProcAddress(ntdll, "wine_get_version");
    return get != NULL ? get() : NULL;
#else
    return NULL;
#endif
}

static bool wine_strict;
static const char *wine_running; /* wine_version(), looked up once */

/* The reason this test cannot pass under Wine, or NULL. */
static const char *wine_skip_reason(const struct crw_test *t)
{
    static bool looked;
    if (!looked) {
        wine_running = wine_version();
        looked = true;
    }
    if (wine_running == NULL || wine_strict) {
        return NULL;
    }
    char full[512];
    snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
    for (size_t i = 0; i < sizeof wine_differences / sizeof wine_differences[0]; i++) {
        if (strcmp(wine_differences[i].test, full) == 0) {
            return wine_differences[i].reason;
        }
    }
    return NULL;
}

/* ---- running ------------------------------------------------------------------- */

static bool glob_match(const char *pat, const char *s)
{
    if (*pat == '\0') {
        return *s == '\0';
    }
    if (*pat == '*') {
        for (;;) {
            if (glob_match(pat + 1, s)) {
                return true;
            }
            if (*s == '\0') {
                return false;
            }
            s++;
        }
    }
    if (*s != '\0' && (*pat == '?' || *pat == *s)) {
        return glob_match(pat + 1, s + 1);
    }
    return false;
}

static bool selected(const struct crw_test *t, const char *filter)
{
    if (filter == NULL) {
        return true;
    }
    char full[512];
    snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
    return glob_match(filter, full);
}

/* One run of a test (one parameter of a parameterized test). */
static enum outcome run_once(const struct crw_test *t, const struct crw_suite *s, void *param)
{
    double limit = t->timeout > 0 ? t->timeout : (s != NULL ? s->timeout : 0.0);
    current = t;
    skip_reason[0] = '\0';
    on_test_thread = true;
    const volatile int64_t t0 = now_us(); /* volatile: read again after a longjmp */
    atomic_store(&started_us, (long long)t0);
    atomic_store(&deadline_us, limit > 0 ? (long long)(t0 + (int64_t)(limit * 1e6)) : 0LL);
    volatile enum outcome result = PASSED;
    int how = setjmp(test_exit);
    if (how == 0) {
        if (s != NULL && s->init != NULL) {
            s->init();
        }
        if (t->init != NULL) {
            t->init();
        }
        if (t->pfn != NULL) {
            t->pfn(param);
        } else {
            t->fn();
        }
    } else {
        result = how == SKIPPED ? SKIPPED : FAILED;
    }
    /* Fixtures' fini run after a failure too, as in Criterion (a failing fini fails the test). */
    if (result != SKIPPED && setjmp(test_exit) == 0) {
        if (t->fini != NULL) {
            t->fini();
        }
        if (s != NULL && s->fini != NULL) {
            s->fini();
        }
    } else if (result != SKIPPED) {
        result = FAILED;
    }
    atomic_store(&deadline_us, 0LL);
    double secs = (double)(now_us() - t0) / 1e6;
    switch (result) {
    case PASSED:
        fprintf(stderr, "[PASS] %s::%s: (%.2fs)\n", t->suite, t->name, secs);
        break;
    case FAILED:
        fprintf(stderr, "[FAIL] %s::%s: (%.2fs)\n", t->suite, t->name, secs);
        break;
    case SKIPPED:
        fprintf(stderr, "[SKIP] %s::%s: %s\n", t->suite, t->name, skip_reason);
        break;
    }
    current = NULL;
    return result;
}

static void count(enum outcome o)
{
    if (o == SKIPPED) {
        return; /* Criterion counts skipped tests in neither column */
    }
    total.tested++;
    if (o == PASSED) {
        total.passing++;
    } else {
        total.failing++;
    }
}

static size_t runs_of(const struct crw_test *t, const struct crw_suite *s)
{
    if (t->disabled || (s != NULL && s->disabled)) {
        return 0;
    }
    return t->params != NULL ? t->params().length : 1;
}

static void run_test(const struct crw_test *t)
{
    const struct crw_suite *s = find_suite(t->suite);
    if (t->disabled || (s != NULL && s->disabled)) {
        fprintf(stderr, "[SKIP] %s::%s: Test is disabled\n", t->suite, t->name);
        return;
    }
    const char *wine = wine_skip_reason(t);
    if (wine != NULL) {
        runs_left -= runs_of(t, s);
        fprintf(stderr, "[RUN ] %s::%s\n", t->suite, t->name);
        fprintf(stderr, "[SKIP] %s::%s: Wine %s: %s (--wine-strict runs it)\n", t->suite, t->name,
                wine_running != NULL ? wine_running : "?", wine);
        return;
    }
    if (t->params == NULL) {
        runs_left--;
        fprintf(stderr, "[RUN ] %s::%s\n", t->suite, t->name);
        count(run_once(t, s, NULL));
        return;
    }
    struct criterion_test_params p = t->params();
    for (size_t k = 0; k < p.length; k++) {
        runs_left--;
        fprintf(stderr, "[RUN ] %s::%s\n", t->suite, t->name);
        count(run_once(t, s, (char *)p.params + k * p.size));
    }
    if (p.cleanup != NULL) {
        p.cleanup(&p);
    }
}

static void list_tests(struct crw_test **all, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(all[j]->suite, all[i]->suite) == 0) {
            j++;
        }
        printf("%s: %zu test%s\n", all[i]->suite, j - i, j - i == 1 ? "" : "s");
        for (size_t k = i; k < j; k++) {
            printf("%s %s%s\n",
                   k + 1 == j ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80" : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80",
                   all[k]->name, all[k]->disabled ? " (disabled)" : "");
        }
        i = j;
    }
}

static void usage(const char *argv0)
{
    printf("usage: %s [--list] [--filter=SUITE/TEST-GLOB] [--wine-strict]\n"
           "  --wine-strict  also run the tests known to fail only under Wine (see wine_differences)\n"
           "  Criterion's --jobs/-j, --color, --verbose, --ascii, --timeout are accepted and ignored.\n",
           argv0);
}

int main(int argc, char **argv)
{
#ifdef _WIN32
    /* "\n", not "\r\n": the output must compare byte for byte with Criterion's on Linux. */
    (void)_setmode(_fileno(stdout), _O_BINARY);
    (void)_setmode(_fileno(stderr), _O_BINARY);
#endif
    const char *filter = NULL;
    bool list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--list") == 0 || strcmp(a, "-l") == 0) {
            list = true;
        } else if (strncmp(a, "--filter=", 9) == 0) {
            filter = a + 9;
        } else if (strcmp(a, "--filter") == 0 && i + 1 < argc) {
            filter = argv[++i];
        } else if (strcmp(a, "--wine-strict") == 0) {
            wine_strict = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(argv[0]);
            return 0;
        } else if ((strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0 || strcmp(a, "--timeout") == 0) && i + 1 < argc) {
            i++; /* Criterion's options with a separate value: accepted, ignored */
        } else if (strncmp(a, "--", 2) == 0 || strncmp(a, "-j", 2) == 0) {
            /* --jobs=N, --color=..., --verbose[=N], --ascii, ...: accepted, ignored */
        } else {
            fprintf(stderr, "unknown argument: %s\n", a);
            usage(argv[0]);
            return 2;
        }
    }

    size_t n = 0;
    for (struct crw_test *t = tests; t != NULL; t = t->crw_next) {
        n += selected(t, filter) ? 1 : 0;
    }
    struct crw_test **all = calloc(n > 0 ? n : 1, sizeof *all);
    if (all == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    size_t k = 0;
    for (struct crw_test *t = tests; t != NULL; t = t->crw_next) {
        if (selected(t, filter)) {
            all[k++] = t;
        }
    }
    qsort(all, n, sizeof *all, compare_tests);
    if (list) {
        list_tests(all, n);
        free(all);
        return 0;
    }

    setvbuf(stderr, NULL, _IONBF, 0);
    install_crash_handlers();
    start_watchdog();
    for (size_t i = 0; i < n; i++) {
        runs_left += runs_of(all[i], find_suite(all[i]->suite));
    }
    fprintf(stderr, "[----] btcsock test runner (Criterion 2.4 subset, tests run in one process)\n");
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(all[i]->suite, all[i - 1]->suite) != 0) {
            size_t in_suite = 0;
            while (i + in_suite < n && strcmp(all[i + in_suite]->suite, all[i]->suite) == 0) {
                in_suite++;
            }
            fprintf(stderr, "[====] Running %zu test%s from %s:\n", in_suite, in_suite == 1 ? "" : "s", all[i]->suite);
        }
        run_test(all[i]);
    }
    free(all);
    if (atomic_flag_test_and_set(&ending)) {
        /* the watchdog fired just as the last test ended: it prints and exits */
        for (;;) {
            watchdog_tick();
        }
    }
    print_synthesis();
    return total.failing == 0 ? 0 : 1;
}
