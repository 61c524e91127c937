/* SPDX-License-Identifier: MIT */
/*
 * bench/send.c - btc_sock_send_complete against a plain blocking send loop.
 *
 * The sender pushes the same buffer either with send_complete (non-blocking
 * socket, MSG_DONTWAIT, poll when the socket is full, a deadline and the
 * argument checks on every call) or with the plain loop a C programmer would
 * write (blocking socket, send until done). A reader thread drains the other
 * end with 1 MiB blocking reads; the time is from the start until the reader
 * has every byte. Both senders go through the same counting btc_sys.
 *
 * The sender runs on CPU 0 and the reader on CPU 1 (where there are two):
 * left to the scheduler, 1 KiB messages ran at two speeds a factor 2 to 3
 * apart, depending on whether the pair happened to share a CPU (the reader
 * then runs only when the sender yields, and takes big batches) or not (the
 * reader sleeps and every send wakes it). The ratio to the plain loop is
 * taken within each repetition, whose runs are adjacent in time, and its
 * median and quartiles reported: the load of a shared machine moves all
 * three senders of a repetition alike.
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
    (void)bench_pin_thread(1);
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

/*
 * send_complete_v sends each message as two pieces (a 16-byte header and the
 * rest), the gather send it exists for. thin_wrapper is btc_sock_send and
 * btc_sock_wait in the loop plain_nonblock writes by hand: one small library
 * call per send, to show how much a cell moves with a few nanoseconds per
 * call (see bench/README.md).
 */
typedef enum sender {
    S_COMPLETE = 0,
    S_PLAIN = 1,
    S_PLAIN_NB = 2,
    S_COMPLETE_V = 3,
    S_THIN = 4,
    S_PLAIN_V = 5,
    S_COUNT
} sender;
static const char *const SENDER_NAMES[S_COUNT] = {"send_complete",   "plain_loop",   "plain_nonblock",
                                                  "send_complete_v", "thin_wrapper", "plain_sendmsg"};

/* The two pieces send_complete_v and plain_sendmsg send a message as: a 16-byte head (or less) and the rest. */
static void two_pieces(const uint8_t *p, size_t len, btc_iovec iov[2])
{
    size_t head = len < 16 ? len : 16;
    iov[0] = (btc_iovec){p, head};
    iov[1] = (btc_iovec){p + head, len - head};
}

/* The hand-written senders (no library call): their sockets are blocking, or they poll themselves. */
static bool is_plain(sender who) { return who == S_PLAIN || who == S_PLAIN_NB || who == S_PLAIN_V; }

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

/* What one blocking send of the plain loops did: *off moves by what it took; EINTR goes round again. */
static void blocking_sent(const btc_sys *sys, btc_ssize_t n, size_t *off, const char *who)
{
    if (n > 0)
        *off += (size_t)n;
    else if (n == 0 || sys->last_error(sys->ctx) != EINTR)
        bench_die("%s: %s", who, n == 0 ? "sent nothing" : strerror(sys->last_error(sys->ctx)));
}

static void plain_send(const btc_sys *sys, const btc_sock *s, const uint8_t *p, size_t len)
{
    for (size_t off = 0; off < len;)
        blocking_sent(sys, sys->send(sys->ctx, s->fd, p + off, len - off, 0), &off, "plain send");
}

/*
 * The gather send a C programmer writes: a blocking sendmsg of the same two
 * pieces as send_complete_v, resumed after a short send. It is
 * send_complete_v's own baseline: a gather costs the kernel more than one
 * contiguous send (the iovec array is copied in and walked), which no
 * library can take back.
 */
static void plain_sendmsg(const btc_sys *sys, const btc_sock *s, const uint8_t *p, size_t len)
{
    btc_iovec whole[2];
    two_pieces(p, len, whole);
    size_t head = whole[0].len;
    for (size_t off = 0; off < len;) {
        btc_iovec iov[2]; /* after a short send: what is left of the head (if any), then of the rest */
        size_t cnt = 0;
        if (off < head)
            iov[cnt++] = (btc_iovec){p + off, head - off};
        size_t from = off > head ? off : head;
        iov[cnt++] = (btc_iovec){p + from, len - from};
        blocking_sent(sys, sys->sendv(sys->ctx, s->fd, iov, cnt, 0), &off, "plain sendmsg");
    }
}

/* One message of len bytes at p by the library's calls (send_complete, _v, or the thin wrapper). */
static void library_send(sender who, const btc_sock *wr, const uint8_t *p, size_t len)
{
    btc_error err;
    btc_status st = BTC_OK;
    if (who == S_COMPLETE) {
        st = btc_sock_send_complete(wr, p, len, 60000, NULL, &err);
    } else if (who == S_COMPLETE_V) {
        btc_iovec iov[2];
        two_pieces(p, len, iov);
        st = btc_sock_send_complete_v(wr, iov, 2, 60000, NULL, &err);
    } else {
        for (size_t off = 0; off < len && st == BTC_OK;) {
            size_t n = 0;
            st = btc_sock_send(wr, p + off, len - off, BTC_MSG_DONTWAIT, &n, &err);
            off += n;
            if (st == BTC_ERR_WOULD_BLOCK)
                st = btc_sock_wait(wr, BTC_TIMEOUT_INFINITE, BTC_EV_SEND, NULL, NULL, &err);
        }
    }
    if (st != BTC_OK)
        bench_die("%s: %s", SENDER_NAMES[who], err.message);
}

/* Sends data[0..total) in messages of msg bytes; returns seconds until the reader had everything. */
static double run_send(sender who, bench_transport t, const uint8_t *data, size_t total, size_t msg, char *rbuf,
                       bench_counts *counts)
{
    btc_sock rd;
    btc_sock wr;
    bench_pair(t, &rd, &wr);
    bench_set_blocking(&rd);
    if (who == S_PLAIN || who == S_PLAIN_V)
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
        if (!is_plain(who)) {
            library_send(who, &wr, data + off, len);
        } else if (who == S_PLAIN) {
            plain_send(cs.table, &wr, data + off, len);
        } else if (who == S_PLAIN_V) {
            plain_sendmsg(cs.table, &wr, data + off, len);
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

/* The median and quartiles of base's time over w's, paired by repetition. */
typedef struct paired {
    double x, q1, q3;
} paired;

static paired paired_ratio(const double *base, const double *w, int reps)
{
    double ratio[64];
    for (int r = 0; r < reps; r++)
        ratio[r] = base[r] / w[r];
    bench_sort(ratio, (size_t)reps);
    paired p = {bench_median(ratio, (size_t)reps), bench_quantile_sorted(ratio, (size_t)reps, 0.25),
                bench_quantile_sorted(ratio, (size_t)reps, 0.75)};
    return p;
}

/*
 * One row: sender w's runs of a cell, and its paired ratios to the plain
 * loop's and to plain_sendmsg's runs of the same repetitions (the second is
 * the baseline of send_complete_v, which does the same gather).
 */
static void report_cell(FILE *f, bench_transport t, size_t msg, size_t total, sender w, int reps,
                        double secs[S_COUNT][64], const bench_counts *sum)
{
    double run[64];
    for (int r = 0; r < reps; r++)
        run[r] = secs[w][r];
    bench_sort(run, (size_t)reps);
    double med = bench_median(run, (size_t)reps);
    paired xl = paired_ratio(secs[S_PLAIN], secs[w], reps);
    paired xv = paired_ratio(secs[S_PLAIN_V], secs[w], reps);
    double mib = (double)total / (double)MiB * reps;
    double mbps = (double)total / med / 1e6;
    double lo = (double)total / run[reps - 1] / 1e6;
    double hi = (double)total / run[0] / 1e6;
    char msgname[32];
    if (msg == total)
        (void)snprintf(msgname, sizeof msgname, "all");
    else
        (void)snprintf(msgname, sizeof msgname, "%zuKiB", msg / KiB);
    char mb[64];
    char xs[64];
    char xvs[64];
    (void)snprintf(mb, sizeof mb, "%.0f [%.0f-%.0f]", mbps, lo, hi);
    (void)snprintf(xs, sizeof xs, "%.3f [%.3f-%.3f]", xl.x, xl.q1, xl.q3);
    (void)snprintf(xvs, sizeof xvs, "%.3f [%.3f-%.3f]", xv.x, xv.q1, xv.q3);
    printf("%-5s %-9s %-15s %24s %10.1f %10.2f %22s %22s\n", bench_transport_name(t), msgname, SENDER_NAMES[w], mb,
           (double)sum->send / mib, (double)sum->wait / mib, xs, xvs);
    if (f != NULL)
        fprintf(f, "%s,%zu,%s,%zu,%d,%.6f,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f\n",
                bench_transport_name(t), msg, SENDER_NAMES[w], total, reps, med, mbps, lo, hi, (double)sum->send / mib,
                (double)sum->wait / mib, xl.x, xl.q1, xl.q3, xv.x, xv.q1, xv.q3);
}

/* A send slot that takes every byte at once and touches nothing: what is left is the library's own work. */
static btc_ssize_t take_all(void *ctx, btc_socket_t fd, const void *data, size_t len, int flags)
{
    (void)ctx;
    (void)fd;
    (void)data;
    (void)flags;
    return (btc_ssize_t)len;
}

static btc_ssize_t take_all_v(void *ctx, btc_socket_t fd, const btc_iovec *iov, size_t iovcnt, int flags)
{
    (void)ctx;
    (void)fd;
    (void)flags;
    size_t n = 0;
    for (size_t i = 0; i < iovcnt; i++)
        n += iov[i].len;
    return (btc_ssize_t)n;
}

/*
 * The library's own cost per 1 KiB message, in ns, over a table whose send
 * takes everything: no kernel, so this is deterministic up to the CPU's
 * mood. It is the library's own instructions; what a system call in between
 * does to the caches they run from is in report_real_cost.
 */
static void report_overhead(int reps)
{
    btc_sys sys = *btc_sys_default();
    sys.send = take_all;
    sys.sendv = take_all_v;
    btc_sock s;
    btc_sock_from_fd(&s, 0); /* never handed to the OS: the table's send does not look at it */
    btc_sock_set_sys(&s, &sys);
    static const uint8_t msg[KiB];
    enum { CALLS = 1 << 20 };
    printf("== send: the library's own cost per 1 KiB message over a no-op send slot (median of %d runs of %d calls)\n",
           reps, CALLS);
    for (sender who = S_COMPLETE; who < S_COUNT; who++) {
        if (is_plain(who))
            continue;
        double ns[64];
        for (int r = 0; r < reps; r++) {
            uint64_t t0 = bench_now_ns();
            for (int i = 0; i < CALLS; i++)
                library_send(who, &s, msg, sizeof msg);
            ns[r] = (double)(bench_now_ns() - t0) / CALLS;
        }
        printf("  %-16s %6.1f ns per message\n", SENDER_NAMES[who], bench_median(ns, (size_t)reps));
    }
    (void)btc_sock_release(&s);
}

/* One message through sender who on a non-blocking socket that has room (the caller drains it). */
static void send_with_room(sender who, const btc_sock *wr, const uint8_t *p, size_t len)
{
    if (!is_plain(who)) {
        library_send(who, wr, p, len);
        return;
    }
    const btc_sys *sys = btc_sys_default();
    btc_ssize_t n;
    if (who == S_PLAIN_V) {
        btc_iovec iov[2];
        two_pieces(p, len, iov);
        n = sys->sendv(sys->ctx, wr->fd, iov, 2, BTC_MSG_DONTWAIT);
    } else {
        n = sys->send(sys->ctx, wr->fd, p, len, BTC_MSG_DONTWAIT);
    }
    if (n != (btc_ssize_t)len)
        bench_die("send into an emptied socket came up short");
}

/*
 * The cost per 1 KiB message over a real AF_UNIX pair with no reader thread:
 * the sending thread itself empties the socket after every BATCH messages,
 * so no send ever waits or wakes anybody. The no-op slot above leaves out
 * what a system call does to the caller's caches and branch predictors;
 * this keeps it, and keeps out the wake-up pattern that dominates the
 * threaded 1 KiB cells. The raw send (plain) is each repetition's baseline.
 */
static void report_real_cost(int reps)
{
    enum { BATCH = 16, ROUNDS = 2000 };
    btc_sock rd;
    btc_sock wr;
    bench_pair(BENCH_UNIX, &rd, &wr);
    static const uint8_t msg[KiB];
    static char sink[64 * KiB];
    double ns[S_COUNT][64];
    for (int r = 0; r < reps; r++)
        for (size_t k = 0; k < S_COUNT; k++) {
            sender who = (sender)((k + (size_t)r) % S_COUNT);
            if (who == S_PLAIN_NB)
                continue; /* the same call as plain here: the socket never fills */
            uint64_t spent = 0;
            for (int i = 0; i < ROUNDS; i++) {
                uint64_t t0 = bench_now_ns();
                for (int j = 0; j < BATCH; j++)
                    send_with_room(who, &wr, msg, sizeof msg);
                spent += bench_now_ns() - t0;
                while (recv(rd.fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
                }
            }
            ns[who][r] = (double)spent / (ROUNDS * BATCH);
        }
    printf("== send: cost per 1 KiB message over a real unix pair, no reader thread (median of %d runs of %d; "
           "plain = one raw send)\n",
           reps, ROUNDS * BATCH);
    double extra[S_COUNT][64]; /* paired before bench_median sorts ns in place */
    for (size_t w = 0; w < S_COUNT; w++)
        for (int r = 0; r < reps; r++)
            extra[w][r] = ns[w][r] - ns[S_PLAIN][r];
    for (sender who = S_COMPLETE; who < S_COUNT; who++) {
        if (who == S_PLAIN_NB)
            continue;
        printf("  %-16s %6.0f ns per message (%+.0f ns against plain, paired median)\n", SENDER_NAMES[who],
               bench_median(ns[who], (size_t)reps), bench_median(extra[who], (size_t)reps));
    }
    bench_close(&rd);
    bench_close(&wr);
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
    bool pinned = bench_pin_thread(0);
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

    report_real_cost(reps);
    bench_unpin_thread();
    report_overhead(reps);
    printf("== send: %zu MiB, %d interleaved repetitions; time until the reader has every byte; %s\n", total / MiB,
           reps, pinned ? "sender on CPU 0, reader on CPU 1" : "not pinned (one CPU)");
    printf("%-5s %-9s %-15s %24s %10s %10s %22s %22s\n", "trans", "message", "sender", "MB/s median [min-max]",
           "calls/MiB", "waits/MiB", "x plain_loop [q1-q3]", "x plain_sendmsg [q1-q3]");
    FILE *f = bench_csv_open(o->out_dir, "send.csv");
    if (f != NULL)
        fprintf(f, "transport,message_bytes,sender,bytes,reps,median_s,mbps,mbps_min,mbps_max,sends_per_mib,"
                   "waits_per_mib,x_plain_loop,x_plain_loop_q1,x_plain_loop_q3,x_plain_sendmsg,x_plain_sendmsg_q1,"
                   "x_plain_sendmsg_q3\n");
    for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++)
        for (size_t m = 0; m < NMSG; m++)
            for (size_t w = 0; w < S_COUNT; w++)
                report_cell(f, (bench_transport)t, msgs[m], total, (sender)w, reps, secs[t][m], &sum[t][m][w]);
    if (f != NULL)
        fclose(f);
    free(data);
    free(rbuf);
    return 0;
}
