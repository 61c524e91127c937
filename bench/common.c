/* SPDX-License-Identifier: MIT */
/*
 * bench/common.c - clock, counting syscall table, socket pairs, statistics.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_sleep_us(uint64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("btcbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ---- counting table ------------------------------------------------------------ */

uint64_t bench_counts_syscalls(const bench_counts *c) { return c->peek + c->read + c->send + c->wait; }

/* The tap's hook: one count per slot call, before it is made. */
static void count_hook(void *ctx, btc_sys_call *call)
{
    bench_counts *c = ctx;
    if (call->phase != BTC_SYS_BEFORE)
        return;
    switch (call->slot) {
    case BTC_SYS_SLOT_recv:
        if ((call->args.recv.flags & MSG_PEEK) != 0)
            c->peek++;
        else
            c->read++;
        break;
    case BTC_SYS_SLOT_send:
    case BTC_SYS_SLOT_sendv: /* a gather send is one send call */
        c->send++;
        break;
    case BTC_SYS_SLOT_wait:
        c->wait++;
        break;
    case BTC_SYS_SLOT_now_ms:
        c->clock++;
        break;
    case BTC_SYS_SLOT_last_error: /* only reads errno */
        break;
    default:
        c->other++;
        break;
    }
}

void bench_csys_init(bench_csys *cs)
{
    memset(cs, 0, sizeof *cs);
    btc_error err;
    if (btc_sys_tap_init(&cs->tap, NULL, count_hook, &cs->c, &err) != BTC_OK)
        bench_die("counting table refused: %s", err.message);
    cs->table = btc_sys_tap_table(&cs->tap);
}

void bench_csys_zero(bench_csys *cs) { memset(&cs->c, 0, sizeof cs->c); }

/* ---- sockets ----------------------------------------------------------------------- */

const char *bench_transport_name(bench_transport t) { return t == BENCH_UNIX ? "unix" : "tcp"; }

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
        bench_die("fcntl: %s", strerror(errno));
}

void bench_set_blocking(const btc_sock *s)
{
    int fl = fcntl(s->fd, F_GETFL);
    if (fl == -1 || fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
        bench_die("fcntl: %s", strerror(errno));
}

void bench_pair(bench_transport t, btc_sock *rd, btc_sock *wr)
{
    btc_sock_init(rd);
    btc_sock_init(wr);
    if (t == BENCH_UNIX) {
        btc_error err;
        if (btc_make_socket_pair(rd, wr, &err) != BTC_OK)
            bench_die("socket pair: %s", err.message);
        return;
    }
    /* TCP loopback: plain POSIX setup (the bench is not the library). */
    int lis = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lis == -1)
        bench_die("socket: %s", strerror(errno));
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t alen = (socklen_t)sizeof a;
    if (bind(lis, (struct sockaddr *)&a, alen) == -1 || listen(lis, 1) == -1 ||
        getsockname(lis, (struct sockaddr *)&a, &alen) == -1)
        bench_die("listen on 127.0.0.1: %s", strerror(errno));
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c == -1 || connect(c, (struct sockaddr *)&a, alen) == -1)
        bench_die("connect 127.0.0.1: %s", strerror(errno));
    int s = accept4(lis, NULL, NULL, SOCK_CLOEXEC);
    if (s == -1)
        bench_die("accept: %s", strerror(errno));
    close(lis);
    set_nonblock(c);
    set_nonblock(s);
    btc_sock_from_fd(rd, s);
    btc_sock_from_fd(wr, c);
}

void bench_close(btc_sock *s) { (void)btc_sock_reset(s, NULL); }

/* The CPUs the process started with, read once (a pinned thread's own mask is one CPU). */
static cpu_set_t g_cpus;
static int g_ncpus;
static pthread_once_t g_cpus_once = PTHREAD_ONCE_INIT;
static void read_cpus(void) { g_ncpus = sched_getaffinity(0, sizeof g_cpus, &g_cpus) == 0 ? CPU_COUNT(&g_cpus) : 0; }

bool bench_pin_thread(unsigned cpu)
{
    pthread_once(&g_cpus_once, read_cpus);
    if (g_ncpus < 2)
        return false;
    unsigned want = cpu % (unsigned)g_ncpus;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET((size_t)i, &g_cpus) || want-- > 0)
            continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET((size_t)i, &one);
        return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
    }
    return false;
}

void bench_unpin_thread(void)
{
    pthread_once(&g_cpus_once, read_cpus);
    if (g_ncpus > 0)
        (void)pthread_setaffinity_np(pthread_self(), sizeof g_cpus, &g_cpus);
}

/* ---- statistics ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_sort(double *v, size_t n) { qsort(v, n, sizeof *v, cmp_double); }

double bench_median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    bench_sort(v, n);
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double bench_quantile_sorted(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    double rank = p * (double)n;
    size_t k = (size_t)rank;
    if ((double)k < rank)
        k++; /* ceil: nearest rank */
    if (k == 0)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

uint64_t bench_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

FILE *bench_csv_open(const char *dir, const char *name)
{
    if (dir == NULL)
        return NULL;
    (void)mkdir(dir, 0755);
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        bench_die("cannot write %s: %s", path, strerror(errno));
    return f;
}
