/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.h - shared pieces of the btcsock benchmarks (btcbench).
 *
 * Everything a benchmark needs besides its own loop: a monotonic clock, a
 * counting btc_sys that wraps btc_sys_default() (so syscall counts are exact
 * and the same for the library and the hand-written strategies), socket pairs
 * over AF_UNIX and TCP loopback, statistics, and CSV output.
 */
#ifndef BTCSOCK_BENCH_H
#define BTCSOCK_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "btcsock.h"

/* ---- clock ------------------------------------------------------------------ */

/** CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);
/** The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) in nanoseconds. */
uint64_t bench_thread_cpu_ns(void);
/** Sleeps this many microseconds (nanosleep, restarted on EINTR). */
void bench_sleep_us(uint64_t us);

/* ---- the counting syscall table --------------------------------------------- */

typedef struct bench_counts {
    uint64_t peek; /* recv with MSG_PEEK */
    uint64_t read; /* recv without MSG_PEEK */
    uint64_t send;
    uint64_t wait;  /* poll/select */
    uint64_t clock; /* now_ms: clock_gettime, a vDSO call, not a kernel entry */
    uint64_t other; /* every other slot */
} bench_counts;

/** Kernel entries: peeks, reads, sends and waits (clock reads are vDSO and not counted). */
uint64_t bench_counts_syscalls(const bench_counts *c);

/*
 * A tap over btc_sys_default() whose hook counts every slot call. One table
 * is driven by one thread (plain counters). The overhead is the tap's two
 * hook calls per slot, the same for every strategy.
 */
typedef struct bench_csys {
    btc_sys_tap tap;
    const btc_sys *table; /* the tap's table: hand it to the sockets */
    bench_counts c;
} bench_csys;

void bench_csys_init(bench_csys *cs);
void bench_csys_zero(bench_csys *cs);

/* ---- sockets ------------------------------------------------------------------ */

typedef enum bench_transport { BENCH_UNIX = 0, BENCH_TCP = 1, BENCH_TRANSPORT_COUNT } bench_transport;
const char *bench_transport_name(bench_transport t);

/**
 * A connected stream pair: *rd is the receiving end, *wr the sending end,
 * both non-blocking, both on the default table. Exits the program on failure
 * (a benchmark cannot go on without sockets).
 */
void bench_pair(bench_transport t, btc_sock *rd, btc_sock *wr);
/** Clears O_NONBLOCK (for the plain blocking baselines). */
void bench_set_blocking(const btc_sock *s);
void bench_close(btc_sock *s);

/**
 * Pins the calling thread to one CPU (cpu modulo the CPUs this process may
 * use). A sender and its reader pinned to two CPUs keep one placement for
 * every run: left to the scheduler, the pair sometimes shares a CPU and
 * sometimes not, and a small-message stream runs at two very different
 * speeds (the reader asleep and woken by every send, or not). Returns false
 * (and pins nothing) with fewer than two CPUs.
 */
bool bench_pin_thread(unsigned cpu);
/** Lets the calling thread run on every CPU the process started with again. */
void bench_unpin_thread(void);

/* ---- statistics ------------------------------------------------------------- */

/** Sorts v[0..n) in place. */
void bench_sort(double *v, size_t n);
/** The median of v[0..n) (sorts v). */
double bench_median(double *v, size_t n);
/** The p-th quantile (0..1) of sorted v[0..n), nearest rank. */
double bench_quantile_sorted(const double *v, size_t n, double p);

/* ---- misc --------------------------------------------------------------------- */

/** xorshift64*: deterministic data, so every run reads the same stream. */
uint64_t bench_rand(uint64_t *state);

/** Prints a message and exits 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/** Opens a CSV file for writing in dir (created if needed); NULL dir: no file (returns NULL). */
FILE *bench_csv_open(const char *dir, const char *name);

/** Options shared by the subcommands. */
typedef struct bench_opts {
    bool quick;          /* smaller sizes, fewer trials */
    const char *out_dir; /* where CSV files go, NULL: none */
    int reps;            /* interleaved repetitions */
} bench_opts;

int bench_recv_main(const bench_opts *o, int argc, char **argv);
int bench_send_main(const bench_opts *o);
int bench_intr_main(const bench_opts *o);
int bench_wait_main(const bench_opts *o);

#endif /* BTCSOCK_BENCH_H */
