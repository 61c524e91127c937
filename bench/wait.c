/* SPDX-License-Identifier: MIT */
/*
 * bench/wait.c - the cost of one btc_wait_many call against the number of
 * sockets, with nothing ready (timeout 0: a full scan, no sleep), beside the
 * raw poll()/select() a hand-written loop would make on the same descriptors
 * (pollfd array / fd_set prepared the same way every call).
 *
 * The library is built for one backend at a time, so this runs in two
 * binaries: select (10..1,000 sockets; FD_SETSIZE is 1024) and poll
 * (10..10,000, with RLIMIT_NOFILE raised).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>

#include "bench.h"

/* One call: the library, or the raw syscall with its array/sets prepared as a hand-written loop would. */
static void one_call(bool lib, btc_wait_item *items, size_t n, struct pollfd *pfds, bool use_select)
{
    if (lib) {
        btc_status st = btc_wait_many(items, n, 0, NULL, NULL);
        if (st != BTC_ERR_TIMEOUT)
            bench_die("wait_many(%zu): %s", n, btc_status_name(st));
    } else if (use_select) {
        fd_set rd;
        fd_set ex;
        FD_ZERO(&rd);
        FD_ZERO(&ex);
        int maxfd = -1;
        for (size_t i = 0; i < n; i++) {
            FD_SET(items[i].sock->fd, &rd);
            FD_SET(items[i].sock->fd, &ex);
            if (items[i].sock->fd > maxfd)
                maxfd = items[i].sock->fd;
        }
        struct timeval tv = {0, 0};
        if (select(maxfd + 1, &rd, NULL, &ex, &tv) != 0)
            bench_die("select: unexpected result");
    } else {
        for (size_t i = 0; i < n; i++) {
            pfds[i].fd = items[i].sock->fd;
            pfds[i].events = POLLIN;
            pfds[i].revents = 0;
        }
        if (poll(pfds, (nfds_t)n, 0) != 0)
            bench_die("poll: unexpected result");
    }
}

static double batch_ns(bool lib, btc_wait_item *items, size_t n, struct pollfd *pfds, bool use_select, size_t iters)
{
    uint64_t t0 = bench_now_ns();
    for (size_t k = 0; k < iters; k++)
        one_call(lib, items, n, pfds, use_select);
    return (double)(bench_now_ns() - t0) / (double)iters;
}

/*
 * ns per call for the library (*lib) and the raw call (*raw): batches of
 * ~25 ms, alternating library and raw, median of `batches` each.
 */
static void measure(btc_wait_item *items, size_t n, struct pollfd *pfds, bool use_select, int batches, double *lib,
                    double *raw)
{
    size_t iters = 4;
    while (batch_ns(true, items, n, pfds, use_select, iters) * (double)iters < 25e6 && iters < ((size_t)1 << 24))
        iters *= 2;
    double l[16];
    double r[16];
    for (int b = 0; b < batches; b++) {
        l[b] = batch_ns(true, items, n, pfds, use_select, iters);
        r[b] = batch_ns(false, items, n, pfds, use_select, iters);
    }
    *lib = bench_median(l, (size_t)batches);
    *raw = bench_median(r, (size_t)batches);
}

int bench_wait_main(const bench_opts *o)
{
    bool sel = strcmp(btc_wait_backend(), "select") == 0;
    static const size_t counts_select[] = {10, 30, 100, 300, 1000};
    static const size_t counts_poll[] = {10, 30, 100, 300, 1000, 3000, 10000};
    const size_t *counts = sel ? counts_select : counts_poll;
    size_t ncounts = sel ? sizeof counts_select / sizeof counts_select[0] : sizeof counts_poll / sizeof counts_poll[0];
    size_t maxn = counts[ncounts - 1];

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < maxn + 64) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > maxn + 64 ? maxn + 64 : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            bench_die("setrlimit(RLIMIT_NOFILE, %zu): %s", maxn + 64, strerror(errno));
    }
    btc_sock *socks = calloc(maxn, sizeof *socks);
    btc_wait_item *items = calloc(maxn, sizeof *items);
    struct pollfd *pfds = calloc(maxn, sizeof *pfds);
    if (socks == NULL || items == NULL || pfds == NULL)
        bench_die("out of memory");
    for (size_t i = 0; i < maxn; i += 2) {
        bench_pair(BENCH_UNIX, &socks[i], &socks[i + 1]);
        if (sel && (!btc_sock_is_selectable(&socks[i]) || !btc_sock_is_selectable(&socks[i + 1])))
            bench_die("descriptor %d is not selectable", socks[i + 1].fd);
    }
    for (size_t i = 0; i < maxn; i++)
        items[i] = (btc_wait_item){&socks[i], BTC_EV_RECV, 0};

    printf("== btc_wait_many cost per call, %s backend, nothing ready (timeout 0)%s\n", btc_wait_backend(),
           o->quick ? " [quick]" : "");
    printf("%8s %14s %14s %12s %14s\n", "sockets", "wait_many ns", sel ? "raw select ns" : "raw poll ns", "ns/socket",
           "x raw");
    FILE *f = bench_csv_open(o->out_dir, sel ? "wait_select.csv" : "wait_poll.csv");
    if (f != NULL)
        fprintf(f, "backend,sockets,wait_many_ns,raw_ns,wait_many_ns_per_socket,x_raw\n");
    for (size_t c = 0; c < ncounts; c++) {
        size_t n = counts[c];
        double lib;
        double raw;
        measure(items, n, pfds, sel, o->quick ? 5 : 9, &lib, &raw);
        printf("%8zu %14.0f %14.0f %12.1f %14.2f\n", n, lib, raw, lib / (double)n, lib / raw);
        if (f != NULL)
            fprintf(f, "%s,%zu,%.1f,%.1f,%.2f,%.3f\n", btc_wait_backend(), n, lib, raw, lib / (double)n, lib / raw);
    }
    if (f != NULL)
        fclose(f);
    for (size_t i = 0; i < maxn; i++)
        bench_close(&socks[i]);
    free(socks);
    free(items);
    free(pfds);
    return 0;
}
