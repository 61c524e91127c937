/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/stress.c - a threaded stress run of btcsock over real sockets,
 * for ThreadSanitizer and MemorySanitizer (which cannot run inside
 * Criterion's workers here), and as a plain soak test.
 *
 *   stress [SECONDS [SEED]]      default 5 s, seed from the clock (printed)
 *
 * Threads, all running at once for SECONDS:
 *  - sender: btc_sock_send_complete on one end of an AF_UNIX socket pair,
 *    chunks of random size (1 byte to 512 KiB) cut from a stream of
 *    checksummed lines, random timeouts, an interrupt; after TIMEOUT or
 *    INTERRUPTED it resends exactly the err.bytes it has not given yet;
 *  - receiver: btc_sock_recv_until_terminator on the other end (put in
 *    blocking mode: the library must not block past its deadlines anyway),
 *    random timeouts, an interrupt; after TIMEOUT or INTERRUPTED it keeps the
 *    *len partial bytes and asks for the rest of the line right after them,
 *    so a lost or duplicated byte breaks the next line. Every line is checked
 *    against the sender's sequence (regenerated from the seed) and its CRC,
 *    and a CRC of the whole stream is compared at the end;
 *  - interrupter: triggers and resets the three interrupts at random;
 *  - waiter: btc_sock_wait / btc_wait_many / count-0 sleeps on two other
 *    socket pairs, which the prober pokes with single bytes;
 *  - prober: btc_sock_is_connected on every socket (all must be connected);
 *  - logger: swaps the log handler (two handlers, four contexts, NULL) with
 *    btc_set_log_handler; every handler checks that the (fn, ctx, level)
 *    triple it was called with belongs together.
 * Then the aux threads stop, the sender flushes whole lines and closes, and
 * the receiver must see EOF exactly after the last line, with nothing
 * carried over. Any mismatch prints "stress: FAIL: ..." and exits 1; a hang
 * is caught by a watchdog (SECONDS + 60 s).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "btcsock.h"

/* ---- small helpers ---------------------------------------------------------------- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "stress: FAIL: %s\n", msg);
    fflush(stderr);
    _exit(1);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_us(int64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* xorshift64*: one per thread, seeded from the run's seed. */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(rng *r, uint64_t n) { return n == 0 ? 0 : rng_next(r) % n; }

static rng rng_seeded(uint64_t seed, uint64_t stream)
{
    rng r = {seed ^ (stream * 0x9E3779B97F4A7C15ull) ^ 0xD1B54A32D192ED03ull};
    if (r.s == 0)
        r.s = 1;
    for (int i = 0; i < 4; i++)
        (void)rng_next(&r);
    return r;
}

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* ---- the line stream ------------------------------------------------------------- */

#define MAX_PAYLOAD 65000
#define HEADER_LEN 17  /* "%08x %07x " */
#define TRAILER_LEN 10 /* " %08x\n" */
#define MAX_LINE (HEADER_LEN + MAX_PAYLOAD + TRAILER_LEN)

static uint64_t g_seed;

/*
 * Line `seq` (terminator included) into out; returns its length. Sizes are
 * mostly small, sometimes several KiB, now and then up to 65000 bytes, so
 * lines cross chunk boundaries and need several peeks.
 */
static size_t gen_line(uint64_t seq, char *out)
{
    rng r = rng_seeded(g_seed, 1000 + seq);
    uint64_t pick = rng_below(&r, 100);
    size_t n;
    if (pick < 70)
        n = (size_t)rng_below(&r, 200);
    else if (pick < 95)
        n = 200 + (size_t)rng_below(&r, 3900);
    else
        n = 4100 + (size_t)rng_below(&r, MAX_PAYLOAD - 4100 + 1);
    snprintf(out, HEADER_LEN + 1, "%08" PRIx32 " %07zx ", (uint32_t)seq, n);
    for (size_t i = 0; i < n; i++)
        out[HEADER_LEN + i] = (char)(' ' + rng_below(&r, 95)); /* printable, never '\n' */
    uint32_t crc = crc32_update(0, out, HEADER_LEN + n);
    snprintf(out + HEADER_LEN + n, TRAILER_LEN + 1, " %08" PRIx32 "\n", crc);
    return HEADER_LEN + n + TRAILER_LEN;
}

/* ---- shared state ---------------------------------------------------------------- */

static btc_sock g_tx = BTC_SOCK_INIT, g_rx = BTC_SOCK_INIT; /* the stream */
static btc_sock g_c[2] = {BTC_SOCK_INIT, BTC_SOCK_INIT};    /* the waiter's ends */
static btc_sock g_d[2] = {BTC_SOCK_INIT, BTC_SOCK_INIT};    /* the prober pokes these */
static btc_interrupt g_intr_tx, g_intr_rx, g_intr_wait;

static atomic_bool g_stop_aux, g_stop_send;

/* Results, published by each thread when it ends. */
static atomic_ulong st_lines_sent, st_bytes_sent, st_send_calls, st_send_intr, st_send_timeout, st_send_partial;
static atomic_ulong st_lines_recv, st_bytes_recv, st_recv_calls, st_recv_intr, st_recv_timeout, st_recv_carry;
static atomic_ulong st_waits_ok, st_waits_timeout, st_waits_intr, st_probes, st_pokes, st_triggers, st_swaps;
static atomic_ulong st_max_carry;
static uint32_t g_crc_sent, g_crc_recv;
static atomic_int g_threads_done;

/* ---- log handlers: the (fn, ctx, min_level) triple must arrive whole ----------------- */

typedef struct log_ctx {
    int owner; /* 1: handler_a, 2: handler_b */
    btc_log_level min;
    atomic_ulong calls;
} log_ctx;

static log_ctx g_log_ctx[4] = {
    {1, BTC_LOG_TRACE, 0}, {1, BTC_LOG_DEBUG, 0}, {2, BTC_LOG_TRACE, 0}, {2, BTC_LOG_WARN, 0}};

static void log_check(int owner, void *ctx, btc_log_level level, const char *message)
{
    log_ctx *c = ctx;
    if (c < &g_log_ctx[0] || c > &g_log_ctx[3])
        fail("log handler %d called with a foreign ctx %p", owner, ctx);
    if (c->owner != owner)
        fail("log handler %d called with handler %d's ctx (the triple was torn)", owner, c->owner);
    if (level < c->min)
        fail("log handler %d: level %d below its min_level %d (the triple was torn)", owner, (int)level, (int)c->min);
    if (message == NULL || message[0] == '\0')
        fail("log handler %d: empty message", owner);
    atomic_fetch_add(&c->calls, 1);
}

static void handler_a(void *ctx, btc_log_level level, const char *message) { log_check(1, ctx, level, message); }
static void handler_b(void *ctx, btc_log_level level, const char *message) { log_check(2, ctx, level, message); }

static void *logger_main(void *arg)
{
    (void)arg;
    rng r = rng_seeded(g_seed, 5);
    while (!atomic_load(&g_stop_aux)) {
        uint64_t pick = rng_below(&r, 5);
        if (pick == 4)
            btc_set_log_handler(NULL, NULL, BTC_LOG_TRACE);
        else
            btc_set_log_handler(g_log_ctx[pick].owner == 1 ? handler_a : handler_b, &g_log_ctx[pick],
                                g_log_ctx[pick].min);
        atomic_fetch_add(&st_swaps, 1);
        sleep_us((int64_t)rng_below(&r, 500));
    }
    btc_set_log_handler(NULL, NULL, BTC_LOG_WARN);
    atomic_fetch_add(&g_threads_done, 1);
    return NULL;
}

/* ---- sender ------------------------------------------------------------------------- */

#define PENDING_CAP (1024 * 1024 + MAX_LINE)

static int64_t pick_timeout(rng *r)
{
    uint64_t p = rng_below(r, 10);
    if (p == 0)
        return 0;
    if (p < 8)
        return 1 + (int64_t)rng_below(r, 30);
    return 200;
}

/* Sends p[0..len) completely, resuming after every TIMEOUT/INTERRUPTED from exactly err.bytes. */
static void send_all(rng *r, const char *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        btc_error err;
        memset(&err, 0x5a, sizeof err);
        size_t want = len - off;
        btc_status st = btc_sock_send_complete(&g_tx, p + off, want, pick_timeout(r), &g_intr_tx, &err);
        atomic_fetch_add(&st_send_calls, 1);
        if (err.status != st)
            fail("send_complete: err.status %d != returned %d", (int)err.status, (int)st);
        if (err.bytes > want)
            fail("send_complete: err.bytes %zu > %zu asked", err.bytes, want);
        if (st == BTC_OK) {
            if (err.bytes != want)
                fail("send_complete OK with err.bytes %zu of %zu", err.bytes, want);
        } else if (st == BTC_ERR_INTERRUPTED || st == BTC_ERR_TIMEOUT) {
            atomic_fetch_add(st == BTC_ERR_INTERRUPTED ? &st_send_intr : &st_send_timeout, 1);
            if (err.bytes > 0)
                atomic_fetch_add(&st_send_partial, 1);
            if (st == BTC_ERR_INTERRUPTED)
                sleep_us((int64_t)rng_below(r, 100)); /* do not spin while the interrupt stays set */
        } else {
            fail("send_complete: %s (%s) after %zu of %zu bytes", btc_status_name(st), err.message, off + err.bytes,
                 len);
        }
        off += err.bytes;
    }
}

static void *sender_main(void *arg)
{
    (void)arg;
    rng r = rng_seeded(g_seed, 1);
    char *pending = malloc(PENDING_CAP);
    if (pending == NULL)
        fail("malloc");
    size_t plen = 0;
    uint64_t seq = 0;
    uint32_t crc = 0;
    unsigned long bytes = 0;
    for (;;) {
        bool last = atomic_load(&g_stop_send);
        if (!last) {
            size_t target = 1 + (size_t)rng_below(&r, 512 * 1024);
            while (plen < target)
                plen += gen_line(seq++, pending + plen);
        }
        /* A random cut (lines split across sends), or everything when flushing. */
        size_t cut = last ? plen : 1 + (size_t)rng_below(&r, plen);
        send_all(&r, pending, cut);
        crc = crc32_update(crc, pending, cut);
        bytes += cut;
        memmove(pending, pending + cut, plen - cut);
        plen -= cut;
        if (last)
            break;
    }
    free(pending);
    g_crc_sent = crc;
    atomic_store(&st_bytes_sent, bytes);
    atomic_store(&st_lines_sent, (unsigned long)seq);
    btc_error err;
    if (btc_sock_reset(&g_tx, &err) != BTC_OK) /* EOF for the receiver */
        fail("reset of the sending socket: %s", err.message);
    atomic_fetch_add(&g_threads_done, 1);
    return NULL;
}

/* ---- receiver ----------------------------------------------------------------------- */

#define RBUF_CAP (MAX_LINE + 64)

static void *receiver_main(void *arg)
{
    (void)arg;
    rng r = rng_seeded(g_seed, 2);
    char *buf = malloc(RBUF_CAP);
    char *want = malloc(MAX_LINE + 1);
    if (buf == NULL || want == NULL)
        fail("malloc");
    size_t have = 0; /* bytes of the current line carried over from interrupted calls */
    uint64_t seq = 0;
    uint32_t crc = 0;
    unsigned long bytes = 0, max_carry = 0;
    for (;;) {
        btc_error err;
        memset(&err, 0x5a, sizeof err);
        size_t len = (size_t)-1;
        size_t room = RBUF_CAP - have;
        btc_status st =
            btc_sock_recv_until_terminator(&g_rx, '\n', pick_timeout(&r), &g_intr_rx, room, buf + have, &len, 0, &err);
        atomic_fetch_add(&st_recv_calls, 1);
        if (err.status != st)
            fail("recv_until: err.status %d != returned %d", (int)err.status, (int)st);
        if (st == BTC_OK) {
            if (err.bytes != len + 1)
                fail("recv_until OK: err.bytes %zu != *len %zu + 1", err.bytes, len);
            size_t line = have + len;
            size_t wlen = gen_line(seq, want);
            if (line + 1 != wlen || memcmp(buf, want, line) != 0) {
                fail("line %" PRIu64 ": got %zu bytes (%zu carried) \"%.40s...\", expected %zu bytes \"%.40s...\"", seq,
                     line + 1, have, buf, wlen, want);
            }
            /* The line's own checksum, independently of the regenerated copy. */
            uint32_t stated = (uint32_t)strtoul(buf + line - 8, NULL, 16);
            if (crc32_update(0, buf, line - 9) != stated)
                fail("line %" PRIu64 ": CRC mismatch", seq);
            buf[line] = '\n'; /* the library put the NUL there */
            crc = crc32_update(crc, buf, line + 1);
            bytes += line + 1;
            seq++;
            have = 0;
        } else if (st == BTC_ERR_INTERRUPTED || st == BTC_ERR_TIMEOUT) {
            if (err.bytes != len)
                fail("recv_until %s: err.bytes %zu != *len %zu", btc_status_name(st), err.bytes, len);
            atomic_fetch_add(st == BTC_ERR_INTERRUPTED ? &st_recv_intr : &st_recv_timeout, 1);
            if (len > 0)
                atomic_fetch_add(&st_recv_carry, 1);
            if (st == BTC_ERR_INTERRUPTED)
                sleep_us((int64_t)rng_below(&r, 100));
            have += len; /* carry the partial line over: the next call continues right after it */
            if (have > max_carry)
                max_carry = have;
        } else if (st == BTC_ERR_CLOSED) {
            if (err.bytes != len)
                fail("recv_until CLOSED: err.bytes %zu != *len %zu", err.bytes, len);
            if (have + len != 0)
                fail("EOF after %zu bytes of an unfinished line %" PRIu64, have + len, seq);
            break;
        } else {
            fail("recv_until: %s (%s) at line %" PRIu64, btc_status_name(st), err.message, seq);
        }
    }
    free(buf);
    free(want);
    g_crc_recv = crc;
    atomic_store(&st_bytes_recv, bytes);
    atomic_store(&st_lines_recv, (unsigned long)seq);
    atomic_store(&st_max_carry, max_carry);
    atomic_fetch_add(&g_threads_done, 1);
    return NULL;
}

/* ---- interrupter, waiter, prober ------------------------------------------------------ */

static void *interrupter_main(void *arg)
{
    (void)arg;
    rng r = rng_seeded(g_seed, 3);
    btc_interrupt *all[3] = {&g_intr_tx, &g_intr_rx, &g_intr_wait};
    while (!atomic_load(&g_stop_aux)) {
        sleep_us((int64_t)rng_below(&r, 3000));
        btc_interrupt *i = all[rng_below(&r, 3)];
        btc_interrupt_trigger(i);
        atomic_fetch_add(&st_triggers, 1);
        if (!btc_interrupt_is_set(i))
            fail("interrupt not set right after its trigger");
        sleep_us((int64_t)rng_below(&r, 1000));
        btc_interrupt_reset(i);
    }
    for (int k = 0; k < 3; k++)
        btc_interrupt_reset(all[k]);
    atomic_fetch_add(&g_threads_done, 1);
    return NULL;
}

static void drain(const btc_sock *s)
{
    char tmp[256];
    size_t got;
    while (btc_sock_recv(s, tmp, sizeof tmp, 0, &got, NULL) == BTC_OK && got > 0) {
    }
}

static void count_wait(btc_status st, const char *what, const btc_error *err)
{
    if (err->status != st)
        fail("%s: err.status %d != returned %d", what, (int)err->status, (int)st);
    if (st == BTC_OK)
        atomic_fetch_add(&st_waits_ok, 1);
    else if (st == BTC_ERR_TIMEOUT)
        atomic_fetch_add(&st_waits_timeout, 1);
    else if (st == BTC_ERR_INTERRUPTED) {
        atomic_fetch_add(&st_waits_intr, 1);
        sleep_us(50); /* do not spin while the interrupt stays set */
    } else
        fail("%s: %s (%s)", what, btc_status_name(st), err->message);
}

static void *waiter_main(void *arg)
{
    (void)arg;
    rng r = rng_seeded(g_seed, 4);
    while (!atomic_load(&g_stop_aux)) {
        btc_error err;
        int64_t timeout = (int64_t)rng_below(&r, 6);
        uint64_t pick = rng_below(&r, 4);
        if (pick == 0) {
            btc_wait_item items[3] = {
                {&g_c[0], BTC_EV_RECV, 0xff}, {&g_c[1], BTC_EV_RECV, 0xff}, {&g_d[0], BTC_EV_RECV, 0xff}};
            btc_status st = btc_wait_many(items, 3, timeout, &g_intr_wait, &err);
            count_wait(st, "wait_many", &err);
            bool any = false;
            for (int i = 0; i < 3; i++) {
                if (st != BTC_OK && items[i].occurred != 0)
                    fail("wait_many %s left occurred 0x%x on item %d", btc_status_name(st), items[i].occurred, i);
                if ((items[i].occurred & ~(BTC_EV_RECV | BTC_EV_ERR)) != 0)
                    fail("wait_many: item %d occurred 0x%x, not requested", i, items[i].occurred);
                any = any || items[i].occurred != 0;
            }
            if (st == BTC_OK && !any)
                fail("wait_many OK with no event");
            if (items[0].occurred & BTC_EV_RECV)
                drain(&g_c[0]);
            if (items[1].occurred & BTC_EV_RECV)
                drain(&g_c[1]);
            if (items[2].occurred != 0)
                fail("wait_many: nobody writes to d[0], yet occurred 0x%x", items[2].occurred);
        } else if (pick == 1) {
            btc_events occ = 0xff;
            int k = (int)rng_below(&r, 2);
            btc_status st = btc_sock_wait(&g_c[k], timeout, BTC_EV_RECV, &occ, &g_intr_wait, &err);
            count_wait(st, "wait", &err);
            if (st == BTC_OK && (occ & BTC_EV_RECV) == 0)
                fail("wait OK with occurred 0x%x", occ);
            if (st != BTC_OK && occ != 0)
                fail("wait %s with occurred 0x%x", btc_status_name(st), occ);
            if (st == BTC_OK)
                drain(&g_c[k]);
        } else if (pick == 2) {
            btc_events occ = 0;
            btc_status st = btc_sock_wait(&g_c[0], timeout, BTC_EV_SEND, &occ, &g_intr_wait, &err);
            count_wait(st, "wait SEND", &err);
            if (st == BTC_OK && (occ & BTC_EV_SEND) == 0)
                fail("wait SEND OK with occurred 0x%x", occ);
        } else {
            btc_status st = btc_wait_many(NULL, 0, timeout, &g_intr_wait, &err); /* an interruptible sleep */
            count_wait(st, "sleep", &err);
            if (st == BTC_OK)
                fail("a wait on nothing returned OK");
        }
    }
    atomic_fetch_add(&g_threads_done, 1);
    return NULL;
}

static void *prober_main(void *arg)
{
    (void)arg;
    rng r = rng_seeded(g_seed, 6);
    const btc_sock *all[6] = {&g_tx, &g_rx, &g_c[0], &g_c[1], &g_d[0], &g_d[1]};
    while (!atomic_load(&g_stop_aux)) {
        for (int i = 0; i < 6; i++) {
            btc_error err;
            btc_status st = btc_sock_is_connected(all[i], &err);
            atomic_fetch_add(&st_probes, 1);
            if (st != BTC_OK)
                fail("is_connected on socket %d: %s (%s)", i, btc_status_name(st), err.message);
        }
        if (rng_below(&r, 4) == 0) {
            int k = (int)rng_below(&r, 2);
            size_t sent = 0;
            btc_status st = btc_sock_send(&g_d[k], "!", 1, 0, &sent, NULL);
            if (st != BTC_OK && st != BTC_ERR_WOULD_BLOCK)
                fail("poke: %s", btc_status_name(st));
            atomic_fetch_add(&st_pokes, 1);
        }
        sleep_us((int64_t)rng_below(&r, 300));
    }
    atomic_fetch_add(&g_threads_done, 1);
    return NULL;
}

/* ---- main ------------------------------------------------------------------------------ */

static pthread_t start(void *(*fn)(void *))
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL) != 0)
        fail("pthread_create");
    return t;
}

/* Waits until `count` threads have reported done, or fails at the deadline. */
static void await_done(int count, int64_t deadline_us, const char *what)
{
    while (atomic_load(&g_threads_done) < count) {
        if (now_us() > deadline_us)
            fail("watchdog: %s did not finish (a hang?)", what);
        sleep_us(2000);
    }
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 5.0;
    g_seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)now_us();
    if (seconds <= 0)
        seconds = 5.0;
    printf("stress: %.1f s, seed %" PRIu64 " (rerun: %s %.1f %" PRIu64 "), wait backend %s\n", seconds, g_seed, argv[0],
           seconds, g_seed, btc_wait_backend());
    fflush(stdout);
    crc_init();

    btc_error err;
    if (btc_make_socket_pair(&g_tx, &g_rx, &err) != BTC_OK)
        fail("socket pair: %s", err.message);
    for (int i = 0; i < 2; i++) {
        if (btc_make_socket_pair(&g_c[i], &g_d[i], &err) != BTC_OK)
            fail("socket pair: %s", err.message);
    }
    /* The receiver's socket is blocking: deadlines must hold anyway. */
    int fl = fcntl(btc_sock_get(&g_rx), F_GETFL);
    if (fl == -1 || fcntl(btc_sock_get(&g_rx), F_SETFL, fl & ~O_NONBLOCK) == -1)
        fail("fcntl");
    btc_interrupt *intrs[3] = {&g_intr_tx, &g_intr_rx, &g_intr_wait};
    for (int i = 0; i < 3; i++) {
        if (btc_interrupt_init(intrs[i], &err) != BTC_OK)
            fail("interrupt init: %s", err.message);
    }

    int64_t t0 = now_us();
    int64_t run_us = (int64_t)(seconds * 1e6);
    pthread_t tx = start(sender_main), rx = start(receiver_main);
    pthread_t aux[4] = {start(interrupter_main), start(waiter_main), start(prober_main), start(logger_main)};

    sleep_us(run_us);
    atomic_store(&g_stop_aux, true);
    await_done(4, now_us() + 60 * 1000000, "the aux threads");
    for (int i = 0; i < 4; i++)
        pthread_join(aux[i], NULL);
    atomic_store(&g_stop_send, true);
    await_done(6, now_us() + 60 * 1000000, "the sender/receiver");
    pthread_join(tx, NULL);
    pthread_join(rx, NULL);
    double secs = (double)(now_us() - t0) / 1e6;

    unsigned long lines_sent = atomic_load(&st_lines_sent), lines_recv = atomic_load(&st_lines_recv);
    unsigned long bytes_sent = atomic_load(&st_bytes_sent), bytes_recv = atomic_load(&st_bytes_recv);
    unsigned long log_calls[4];
    for (int i = 0; i < 4; i++)
        log_calls[i] = atomic_load(&g_log_ctx[i].calls);
    printf("stress: %.2f s: %lu lines, %lu bytes (%.1f MB/s) sent and verified\n", secs, lines_recv, bytes_recv,
           (double)bytes_recv / secs / 1e6);
    printf("stress: send_complete %lu calls, %lu interrupted, %lu timed out, %lu of those mid-chunk\n",
           atomic_load(&st_send_calls), atomic_load(&st_send_intr), atomic_load(&st_send_timeout),
           atomic_load(&st_send_partial));
    printf("stress: recv_until %lu calls, %lu interrupted, %lu timed out, %lu partial lines carried over "
           "(longest %lu bytes)\n",
           atomic_load(&st_recv_calls), atomic_load(&st_recv_intr), atomic_load(&st_recv_timeout),
           atomic_load(&st_recv_carry), atomic_load(&st_max_carry));
    printf("stress: waits %lu ok, %lu timed out, %lu interrupted; %lu probes, %lu pokes, %lu triggers\n",
           atomic_load(&st_waits_ok), atomic_load(&st_waits_timeout), atomic_load(&st_waits_intr),
           atomic_load(&st_probes), atomic_load(&st_pokes), atomic_load(&st_triggers));
    printf("stress: log handler swapped %lu times; messages per context %lu/%lu/%lu/%lu\n", atomic_load(&st_swaps),
           log_calls[0], log_calls[1], log_calls[2], log_calls[3]);

    if (lines_recv != lines_sent || bytes_recv != bytes_sent)
        fail("received %lu lines / %lu bytes, sent %lu / %lu", lines_recv, bytes_recv, lines_sent, bytes_sent);
    if (g_crc_recv != g_crc_sent)
        fail("stream CRC %08" PRIx32 " received, %08" PRIx32 " sent", g_crc_recv, g_crc_sent);
    /* A run long enough to mean something must have exercised the paths it is about. */
    if (seconds >= 2.0) {
        if (atomic_load(&st_recv_carry) == 0)
            fail("no recv_until call was interrupted mid-line: the carry-over path was not exercised");
        if (atomic_load(&st_send_partial) == 0)
            fail("no send_complete call stopped mid-chunk");
        if (atomic_load(&st_waits_ok) == 0 || atomic_load(&st_waits_intr) == 0)
            fail("the waiter never saw an event or never an interrupt");
        if (log_calls[0] + log_calls[2] == 0)
            fail("no log message reached a handler");
    }

    for (int i = 0; i < 3; i++)
        btc_interrupt_destroy(intrs[i]);
    btc_sock_reset(&g_rx, NULL);
    for (int i = 0; i < 2; i++) {
        btc_sock_reset(&g_c[i], NULL);
        btc_sock_reset(&g_d[i], NULL);
    }
    printf("stress: OK\n");
    return 0;
}
