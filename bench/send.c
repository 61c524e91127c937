/*
 * bench/send.c - btc_sock_send_complete against a plain blocking send loop.
 *
 * The sender pushes the same buffer either with send_complete (non-blocking
 * socket, MSG_DONTWAIT, poll when the socket is full, a deadline and the
 * argument checks on every call) or with the plain loop a C programmer would
 * write (blocking socket, send until done). A reader thread drains the other
 * end with 1 MiB blocking reads; the time is from the start until the reader
 * has every byte. Both senders go through the same counting btc_sys.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define MiB ((size_t)1 << 20)
#define KiB ((size_t)1 << 10)

typedef struct drain_arg {
    int fd;
    size_t total;
    pthread_barrier_t *go;
    uint64_t done_ns;
    char *buf;
} drain_arg;

static void *drain_main(void *p)
{
    drain_arg *a = p;
    pthread_barrier_wait(a->go);
    size_t got = 0;
    while (got < a->total) {
        ssize_t n = recv(a->fd, a->buf, MiB, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0 || errno != EINTR)
            bench_die("drain: recv: %s", n == 0 ? "closed" : strerror(errno));
    }
    a->done_ns = bench_now_ns();
    return NULL;
}

typedef enum sender { S_COMPLETE = 0, S_PLAIN = 1, S_PLAIN_NB = 2, S_COUNT } sender;
static const char *const SENDER_NAMES[S_COUNT] = {"send_complete", "plain_loop", "plain_nonblock"};

/* The loop a careful caller writes on a non-blocking socket: send with MSG_DONTWAIT, poll when full. */
static void plain_send_nb(const btc_sys *sys, const btc_sock *s, const uint8_t *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        btc_ssize_t n = sys->send(sys->ctx, s->fd, p + off, len - off, BTC_MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        int e = sys->last_error(sys->ctx);
        if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)) {
            btc_wait_item item = {s, BTC_EV_SEND, 0};
            (void)sys->wait(sys->ctx, &item, 1, BTC_INVALID_SOCKET, -1);
            continue;
        }
        bench_die("plain non-blocking send: %s", strerror(e));
    }
}

static void plain_send(const btc_sys *sys, const btc_sock *s, const uint8_t *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        btc_ssize_t n = sys->send(sys->ctx, s->fd, p + off, len - off, 0);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && sys->last_error(sys->ctx) == EINTR)
            continue;
        else
            bench_die("plain send: %s", strerror(sys->last_error(sys->ctx)));
    }
}

/* Sends data[0..total) in messages of msg bytes; returns seconds until the reader had everything. */
static double run_send(sender who, bench_transport t, const uint8_t *data, size_t total, size_t msg, char *rbuf,
                       bench_counts *counts)
{
    btc_sock rd;
    btc_sock wr;
    bench_pair(t, &rd, &wr);
    bench_set_blocking(&rd);
    if (who == S_PLAIN)
        bench_set_blocking(&wr);
    bench_csys cs;
    bench_csys_init(&cs);
    btc_sock_set_sys(&wr, cs.table);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    drain_arg da = {rd.fd, total, &go, 0, rbuf};
    pthread_t th;
    if (pthread_create(&th, NULL, drain_main, &da) != 0)
        bench_die("pthread_create failed");
    pthread_barrier_wait(&go);
    uint64_t t0 = bench_now_ns();
    for (size_t off = 0; off < total; off += msg) {
        size_t len = total - off < msg ? total - off : msg;
        if (who == S_COMPLETE) {
            btc_error err;
            if (btc_sock_send_complete(&wr, data + off, len, 60000, NULL, &err) != BTC_OK)
                bench_die("send_complete: %s", err.message);
        } else if (who == S_PLAIN) {
            plain_send(cs.table, &wr, data + off, len);
        } else {
            plain_send_nb(cs.table, &wr, data + off, len);
        }
    }
    pthread_join(th, NULL);
    *counts = cs.c;
    pthread_barrier_destroy(&go);
    btc_sock_set_sys(&wr, NULL);
    bench_close(&rd);
    bench_close(&wr);
    return (double)(da.done_ns - t0) / 1e9;
}

int bench_send_main(const bench_opts *o)
{
    size_t total = o->quick ? 16 * MiB : 64 * MiB;
    const size_t msgs[] = {total, 64 * KiB, KiB};
    enum { NMSG = 3 };
    int reps = o->reps > 0 ? o->reps : 5;
    if (reps > 64)
        reps = 64;
    uint8_t *data = malloc(total);
    char *rbuf = malloc(MiB);
    if (data == NULL || rbuf == NULL)
        bench_die("out of memory");
    uint64_t rs = 42;
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)bench_rand(&rs);

    static double secs[BENCH_TRANSPORT_COUNT][NMSG][S_COUNT][64];
    static bench_counts sum[BENCH_TRANSPORT_COUNT][NMSG][S_COUNT];
    memset(sum, 0, sizeof sum);
    for (int rep = 0; rep < reps; rep++)
        for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++)
            for (size_t m = 0; m < NMSG; m++)
                for (size_t k = 0; k < S_COUNT; k++) {
                    size_t w = (k + (size_t)rep) % S_COUNT;
                    bench_counts c;
                    secs[t][m][w][rep] = run_send((sender)w, (bench_transport)t, data, total, msgs[m], rbuf, &c);
                    sum[t][m][w].send += c.send;
                    sum[t][m][w].wait += c.wait;
                    sum[t][m][w].clock += c.clock;
                }

    printf("== send: %zu MiB, %d interleaved repetitions; time until the reader has every byte\n", total / MiB, reps);
    printf("%-5s %-9s %-15s %24s %14s %12s %16s\n", "trans", "message", "sender", "MB/s median [min-max]", "calls/MiB",
           "waits/MiB", "x plain_loop");
    FILE *f = bench_csv_open(o->out_dir, "send.csv");
    if (f != NULL)
        fprintf(f, "transport,message_bytes,sender,bytes,reps,median_s,mbps,mbps_min,mbps_max,sends_per_mib,"
                   "waits_per_mib,x_plain_loop\n");
    for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++)
        for (size_t m = 0; m < NMSG; m++) {
            double med[S_COUNT];
            double lo[S_COUNT];
            double hi[S_COUNT];
            for (size_t w = 0; w < S_COUNT; w++) {
                med[w] = bench_median(secs[t][m][w], (size_t)reps);
                lo[w] = secs[t][m][w][0];
                hi[w] = secs[t][m][w][reps - 1];
            }
            for (size_t w = 0; w < S_COUNT; w++) {
                double mib = (double)total / (double)MiB * reps;
                double mbps = (double)total / med[w] / 1e6;
                double x = med[S_PLAIN] / med[w];
                char msgname[32];
                if (msgs[m] == total)
                    (void)snprintf(msgname, sizeof msgname, "all");
                else
                    (void)snprintf(msgname, sizeof msgname, "%zuKiB", msgs[m] / KiB);
                char mb[64];
                (void)snprintf(mb, sizeof mb, "%.0f [%.0f-%.0f]", mbps, (double)total / hi[w] / 1e6,
                               (double)total / lo[w] / 1e6);
                printf("%-5s %-9s %-15s %24s %14.1f %12.2f %16.3f\n", bench_transport_name((bench_transport)t), msgname,
                       SENDER_NAMES[w], mb, (double)sum[t][m][w].send / mib, (double)sum[t][m][w].wait / mib, x);
                if (f != NULL)
                    fprintf(f, "%s,%zu,%s,%zu,%d,%.6f,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f\n",
                            bench_transport_name((bench_transport)t), msgs[m], SENDER_NAMES[w], total, reps, med[w],
                            mbps, (double)total / hi[w] / 1e6, (double)total / lo[w] / 1e6,
                            (double)sum[t][m][w].send / mib, (double)sum[t][m][w].wait / mib, x);
            }
        }
    if (f != NULL)
        fclose(f);
    free(data);
    free(rbuf);
    return 0;
}
