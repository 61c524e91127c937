/* SPDX-License-Identifier: MIT */
/*
 * fuzz/replay_main.c - a plain main for the fuzz harnesses: runs
 * LLVMFuzzerTestOneInput once on every file named on the command line, and
 * on every regular file directly inside a named directory (in name order).
 *
 *   replay [-v] FILE|DIR...
 *
 * Each input is copied into a heap block of exactly its size, so a harness
 * or the library reading one byte past the input is caught by ASan (or reads
 * memory MSan knows). It exits 0 after printing "replayed N inputs" when no
 * harness check trapped and no sanitizer fired; otherwise the trap or the
 * sanitizer ends the process, and the input being replayed is named first.
 * Built with gcc (plain or ASan+UBSan), with clang MemorySanitizer, or with
 * coverage instrumentation (scripts/fuzz-cov.sh).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Present only in sanitizer runtimes: a weak reference is NULL elsewhere. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* The input being replayed, for the last words of a crash. */
static char current[4096];

static void say_current(void)
{
    static const char pre[] = "replay: while running ";
    if (current[0] == '\0')
        return;
    /* write(2) only: this runs in signal handlers and sanitizer death callbacks. */
    ssize_t w = write(STDERR_FILENO, pre, sizeof pre - 1);
    w = write(STDERR_FILENO, current, strlen(current));
    w = write(STDERR_FILENO, "\n", 1);
    (void)w;
}

static void on_fatal_signal(int sig)
{
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int replay_file(const char *path, int verbose)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096;
    size_t n = 0;
    uint8_t *tmp = malloc(cap);
    while (tmp != NULL) {
        n += fread(tmp + n, 1, cap - n, fp);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(tmp, cap * 2);
        if (bigger == NULL) {
            free(tmp);
            tmp = NULL;
            break;
        }
        tmp = bigger;
        cap *= 2;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (tmp == NULL || bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(tmp);
        return -1;
    }
    /* An exact-size copy: nothing readable past the input. */
    static uint8_t empty_input;
    uint8_t *copy = n > 0 ? malloc(n) : NULL;
    if (n > 0 && copy == NULL) {
        fprintf(stderr, "replay: out of memory for %s\n", path);
        free(tmp);
        return -1;
    }
    if (n > 0)
        memcpy(copy, tmp, n);
    free(tmp);
    snprintf(current, sizeof current, "%s", path);
    if (verbose)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    (void)LLVMFuzzerTestOneInput(n > 0 ? copy : &empty_input, n);
    current[0] = '\0';
    free(copy);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Replays the regular files directly inside dir, in name order. Returns how many, or -1. */
static long replay_dir(const char *dir, int verbose)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t count = 0;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **more = realloc(names, cap * sizeof *names);
            if (more == NULL)
                break;
            names = more;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[count] = malloc(len);
        if (names[count] == NULL)
            break;
        snprintf(names[count], len, "%s/%s", dir, e->d_name);
        count++;
    }
    closedir(d);
    if (count > 0)
        qsort(names, count, sizeof *names, by_name);
    long done = 0;
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(names[i], verbose) != 0) {
                done = -1;
                break;
            }
            done++;
        }
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    int verbose = 0;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        verbose = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-v] FILE|DIR...\n", argv[0]);
        return 2;
    }
    if (__sanitizer_set_death_callback != NULL)
        __sanitizer_set_death_callback(say_current);
    signal(SIGILL, on_fatal_signal); /* FZ_CHECK's __builtin_trap */
    signal(SIGABRT, on_fatal_signal);
    signal(SIGTRAP, on_fatal_signal);
    long total = 0;
    for (int i = first; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        long n = S_ISDIR(st.st_mode) ? replay_dir(argv[i], verbose) : (replay_file(argv[i], verbose) == 0 ? 1 : -1);
        if (n < 0)
            return 1;
        total += n;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
