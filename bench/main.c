/* SPDX-License-Identifier: MIT */
/*
 * bench/main.c - btcbench: the btcsock benchmarks.
 *
 *   btcbench [--quick] [--out=DIR] [--reps=N] recv|send|intr|wait|all [recv options]
 *
 * recv options: --strategies=a,b --workloads=a,b --transports=unix,tcp
 *               --reader-window=BYTES --bytewise-prefix=KIB
 * `all` runs recv, send, intr and wait (wait with this binary's backend).
 * With --out, each part writes its CSV (recv.csv, recv.md, send.csv,
 * interrupt.csv, wait_<backend>.csv) into DIR.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void usage(void)
{
    fputs("usage: btcbench [--quick] [--out=DIR] [--reps=N] recv|send|intr|wait|all [recv options]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    bench_opts o = {false, NULL, 0};
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            o.quick = true;
        else if (strncmp(argv[i], "--out=", 6) == 0)
            o.out_dir = argv[i] + 6;
        else if (strncmp(argv[i], "--reps=", 7) == 0)
            o.reps = atoi(argv[i] + 7);
        else
            usage();
    }
    if (i >= argc)
        usage();
    const char *what = argv[i++];
    /* Sockets only: a peer that goes away must not kill the benchmark. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("btcbench %s (%s backend)%s\n", btc_version(), btc_wait_backend(), o.quick ? " [quick]" : "");
    int rc = 0;
    if (strcmp(what, "recv") == 0 || strcmp(what, "all") == 0)
        rc |= bench_recv_main(&o, argc - i, argv + i);
    if (strcmp(what, "send") == 0 || strcmp(what, "all") == 0)
        rc |= bench_send_main(&o);
    if (strcmp(what, "intr") == 0 || strcmp(what, "all") == 0)
        rc |= bench_intr_main(&o);
    if (strcmp(what, "wait") == 0 || strcmp(what, "all") == 0)
        rc |= bench_wait_main(&o);
    if (strcmp(what, "recv") != 0 && strcmp(what, "send") != 0 && strcmp(what, "intr") != 0 &&
        strcmp(what, "wait") != 0 && strcmp(what, "all") != 0)
        usage();
    return rc;
}
