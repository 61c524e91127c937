/* SPDX-License-Identifier: MIT */
/*
 * bench/intr.c - interrupt latency: from btc_interrupt_trigger in one thread
 * to btc_sock_recv_until_terminator returning BTC_ERR_INTERRUPTED in another,
 * against Bitcoin Core's way (a flag the waiting loop checks between waits
 * capped at MAX_WAIT_FOR_IO = 1 s).
 *
 * btcsock: 1,000 trials. The waiter blocks on an idle socket with no
 * deadline; the trigger comes 200-1200 us after the waiter announced itself,
 * so it is asleep in poll/select.
 *
 * Core's way is modelled with its real 1 s tick: the waiter loops
 * { if (flag) return; wait(socket, 1000 ms); } and the flag is set at a
 * uniformly random moment of the tick. Full run: 20 trials; quick: 3. The
 * analytic expectation (latency uniform on [0, 1 s)) is printed beside it.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct shared {
    btc_sock s;
    btc_interrupt intr;
    atomic_int go;    /* trial number the trigger thread has prepared (flag and interrupt reset) */
    atomic_int armed; /* trial number the waiter is about to wait in */
    atomic_int done;  /* trial number the waiter has finished */
    atomic_int core_flag;
    int trials;
    bool core;
    uint64_t t_return[1000];
    uint64_t waits[1000]; /* wait slot calls per trial (1 = no spinning) */
    bench_csys cs;        /* the waiter's socket's table */
    bool pin;             /* both threads on CPU 0 */
} shared;

/* Pins the calling thread to CPU 0 (a one-core machine, or a loaded one where the woken waiter
 * lands on the trigger's CPU). */
static void pin_cpu0(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
        bench_die("pthread_setaffinity_np failed");
}

static void unpin(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (size_t c = 0; c < CPU_SETSIZE; c++)
        CPU_SET(c, &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void spin_until(atomic_int *v, int want);

static void *waiter_main(void *p)
{
    shared *sh = p;
    const btc_sys *sys = btc_sys_default();
    if (sh->pin)
        pin_cpu0();
    char buf[64];
    for (int i = 1; i <= sh->trials; i++) {
        spin_until(&sh->go, i); /* never start a trial before the last one's trigger was undone */
        if (sh->core) {
            atomic_store(&sh->armed, i);
            for (;;) {
                if (atomic_load(&sh->core_flag) != 0)
                    break;
                btc_wait_item item = {&sh->s, BTC_EV_RECV, 0};
                (void)sys->wait(sys->ctx, &item, 1, BTC_INVALID_SOCKET, 1000); /* MAX_WAIT_FOR_IO */
            }
        } else {
            bench_csys_zero(&sh->cs);
            atomic_store(&sh->armed, i);
            size_t len = 0;
            btc_status st = btc_sock_recv_until_terminator(&sh->s, '\n', BTC_TIMEOUT_INFINITE, &sh->intr, sizeof buf,
                                                           buf, &len, 0, NULL);
            if (st != BTC_ERR_INTERRUPTED)
                bench_die("interrupt trial %d: %s", i, btc_status_name(st));
        }
        sh->t_return[i - 1] = bench_now_ns();
        sh->waits[i - 1] = sh->cs.c.wait;
        atomic_store(&sh->done, i);
    }
    return NULL;
}

static void spin_until(atomic_int *v, int want)
{
    while (atomic_load(v) != want)
        bench_sleep_us(20);
}

typedef enum trigger_kind {
    TRIG_LIBRARY,   /* btc_interrupt_trigger as shipped: write the wake descriptor, then set the flag */
    TRIG_FLAG_TOO,  /* prototype: set the flag, then btc_interrupt_trigger (flag, write, flag) */
    TRIG_CORE_TICK, /* Core: a flag the waiter looks at between 1 s waits */
} trigger_kind;

/* Runs the trials; lat_us[i] = return time - trigger time; *spins = trials that needed more than one wait. */
static void run_trials(trigger_kind kind, int trials, bool pin, double *lat_us, int *spins, uint64_t *max_waits)
{
    static shared sh;
    bool core = kind == TRIG_CORE_TICK;
    memset(&sh, 0, sizeof sh);
    sh.pin = pin;
    if (pin)
        pin_cpu0();
    btc_sock other;
    bench_pair(BENCH_UNIX, &sh.s, &other);
    bench_csys_init(&sh.cs);
    btc_sock_set_sys(&sh.s, sh.cs.table);
    if (btc_interrupt_init(&sh.intr, NULL) != BTC_OK)
        bench_die("interrupt init failed");
    sh.trials = trials;
    sh.core = core;
    pthread_t th;
    if (pthread_create(&th, NULL, waiter_main, &sh) != 0)
        bench_die("pthread_create failed");
    uint64_t rs = 7;
    for (int i = 1; i <= trials; i++) {
        atomic_store(&sh.go, i);
        spin_until(&sh.armed, i);
        uint64_t delay = core ? bench_rand(&rs) % 1000000u : 200u + bench_rand(&rs) % 1000u;
        bench_sleep_us(delay);
        uint64_t t0 = bench_now_ns();
        if (core) {
            atomic_store(&sh.core_flag, 1);
        } else {
            if (kind == TRIG_FLAG_TOO)
                __atomic_store_n(&sh.intr.flag, 1, __ATOMIC_SEQ_CST); /* prototype only: a private field */
            btc_interrupt_trigger(&sh.intr);
        }
        spin_until(&sh.done, i);
        if (sh.t_return[i - 1] < t0)
            bench_die("interrupt trial %d returned before the trigger", i);
        lat_us[i - 1] = (double)(sh.t_return[i - 1] - t0) / 1e3;
        if (core)
            atomic_store(&sh.core_flag, 0);
        else
            btc_interrupt_reset(&sh.intr);
    }
    pthread_join(th, NULL);
    *spins = 0;
    *max_waits = 0;
    for (int i = 0; i < trials; i++) {
        *spins += sh.waits[i] > 1;
        if (sh.waits[i] > *max_waits)
            *max_waits = sh.waits[i];
    }
    btc_sock_set_sys(&sh.s, NULL);
    btc_interrupt_destroy(&sh.intr);
    if (pin)
        unpin();
    bench_close(&sh.s);
    bench_close(&other);
}

typedef struct lat_row {
    const char *name;
    const char *kind;
    int trials;
    double p50, p99, max, mean, min;
    int spins;
    uint64_t max_waits;
} lat_row;

static lat_row summarize(const char *name, const char *kind, double *v, int n, int spins, uint64_t max_waits)
{
    bench_sort(v, (size_t)n);
    double mean = 0;
    for (int i = 0; i < n; i++)
        mean += v[i] / n;
    return (lat_row){name,
                     kind,
                     n,
                     bench_quantile_sorted(v, (size_t)n, 0.5),
                     bench_quantile_sorted(v, (size_t)n, 0.99),
                     v[n - 1],
                     mean,
                     v[0],
                     spins,
                     max_waits};
}

int bench_intr_main(const bench_opts *o)
{
    enum { LIB_TRIALS = 1000 };
    int core_trials = o->quick ? 3 : 20;
    static double lib[LIB_TRIALS];
    static double proto[LIB_TRIALS];
    static double core[64];
    int spins[3];
    uint64_t maxw[3];
    /* Interleave the two library variants in blocks so that load changes hit both. */
    enum { BLOCKS = 10 };
    for (int b = 0; b < BLOCKS; b++) {
        int s1;
        int s2;
        uint64_t m1;
        uint64_t m2;
        run_trials(TRIG_LIBRARY, LIB_TRIALS / BLOCKS, false, lib + b * (LIB_TRIALS / BLOCKS), &s1, &m1);
        run_trials(TRIG_FLAG_TOO, LIB_TRIALS / BLOCKS, false, proto + b * (LIB_TRIALS / BLOCKS), &s2, &m2);
        spins[0] = (b == 0 ? 0 : spins[0]) + s1;
        spins[1] = (b == 0 ? 0 : spins[1]) + s2;
        maxw[0] = b == 0 || m1 > maxw[0] ? m1 : maxw[0];
        maxw[1] = b == 0 || m2 > maxw[1] ? m2 : maxw[1];
    }
    run_trials(TRIG_CORE_TICK, core_trials, false, core, &spins[2], &maxw[2]);
    /* Both threads on one CPU: what a loaded or one-core machine does to the trigger thread. */
    enum { PIN_TRIALS = 200 };
    static double lib_pin[PIN_TRIALS];
    static double proto_pin[PIN_TRIALS];
    int sp[2];
    uint64_t mp[2];
    run_trials(TRIG_LIBRARY, PIN_TRIALS, true, lib_pin, &sp[0], &mp[0]);
    run_trials(TRIG_FLAG_TOO, PIN_TRIALS, true, proto_pin, &sp[1], &mp[1]);
    lat_row rows[6];
    rows[0] = summarize("btcsock as shipped", "measured", lib, LIB_TRIALS, spins[0], maxw[0]);
    rows[1] = summarize("btcsock flag-first prototype", "measured", proto, LIB_TRIALS, spins[1], maxw[1]);
    rows[2] = summarize("Core-style 1 s tick", "measured", core, core_trials, 0, 0);
    rows[3] = (lat_row){"Core-style 1 s tick", "analytic", 0, 500000.0, 990000.0, 1000000.0, 500000.0, 0.0, 0, 0};
    rows[4] = summarize("btcsock as shipped (one CPU)", "measured", lib_pin, PIN_TRIALS, sp[0], mp[0]);
    rows[5] = summarize("btcsock flag-first (one CPU)", "measured", proto_pin, PIN_TRIALS, sp[1], mp[1]);
    printf("== interrupt latency: trigger in one thread -> the blocked recv_until_terminator (or Core's loop) "
           "returns in another, us\n");
    printf("%-36s %-9s %7s %10s %10s %10s %10s %9s %12s\n", "waiter", "kind", "trials", "p50", "p99", "max", "mean",
           "min", "spun (max waits)");
    FILE *f = bench_csv_open(o->out_dir, "interrupt.csv");
    if (f != NULL)
        fprintf(f, "waiter,kind,trials,p50_us,p99_us,max_us,mean_us,min_us,trials_with_extra_waits,max_waits\n");
    for (int i = 0; i < 6; i++) {
        const lat_row *r = &rows[i];
        char spun[32] = "-";
        if (i < 2 || i > 3)
            (void)snprintf(spun, sizeof spun, "%d (%llu)", r->spins, (unsigned long long)r->max_waits);
        printf("%-36s %-9s %7d %10.1f %10.1f %10.1f %10.1f %9.1f %12s\n", r->name, r->kind, r->trials, r->p50, r->p99,
               r->max, r->mean, r->min, spun);
        if (f != NULL)
            fprintf(f, "%s,%s,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%d,%llu\n", r->name, r->kind, r->trials, r->p50, r->p99,
                    r->max, r->mean, r->min, r->spins, (unsigned long long)r->max_waits);
    }
    if (f != NULL)
        fclose(f);
    printf("   Core-style: %d trials with the real 1 s tick, the flag set at a uniformly random moment; the analytic "
           "row is the exact expectation (latency uniform on [0, 1 s)).\n"
           "   spun: trials in which the waiter called the wait slot more than once (woken by the descriptor "
           "before the flag was set).\n"
           "   one CPU: waiter and trigger pinned to CPU 0, %d trials each: the woken waiter can preempt the trigger "
           "thread between its write and its flag store.\n",
           core_trials, PIN_TRIALS);
    return 0;
}
