/* SPDX-License-Identifier: MIT */
/*
 * bench/recv.c - receive-until-terminator strategies over one byte stream.
 *
 * Every strategy reads the same stream (a writer thread sends it with
 * btc_sock_send_complete) through the same counting btc_sys, so syscall
 * counts are exact and comparable. Repetitions are interleaved: each
 * repetition runs every (transport, workload, strategy) cell once, with the
 * strategy order rotated, so a load spike hits all strategies alike.
 *
 * Strategies:
 *   bytewise  one-byte recv per byte (the naive way; measured on a prefix)
 *   peek512   Core's algorithm: peek <= 512 bytes into a stack buffer, read up
 *             to the terminator into it, append to the output; waits only
 *             when the socket is empty
 *   core512   Core's code as written: like peek512 but it also polls after
 *             every chunk that had no terminator (Sock::RecvUntilTerminator
 *             falls through to Wait())
 *   btcsock   btc_sock_recv_until_terminator (the library)
 *   lazy      btc_reader, default mode: lines handed out of a peeked window,
 *             consumed in one read when the window is used up (synced at the
 *             end, inside the timing)
 *   exact     btc_reader with BTC_READER_EXACT: the socket synced before every
 *             line is returned (one read a line, one peek a window)
 *   buffered  a reader allowed to over-read (1 MiB recv + memchr): the
 *             ceiling that zero over-read forbids, for scale
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bench.h"

#define MiB ((size_t)1 << 20)
#define KiB ((size_t)1 << 10)
#define TERM ((uint8_t)'\n')
#define MAX_DATA (2 * MiB)
#define TIMEOUT_MS ((int64_t)60000)
#define TAIL "TAIL!"
#define TAIL_LEN ((size_t)5)
#define BUFFERED_CAP MiB
#define READER_WINDOW MiB /* the readers' default window (--reader-window): buffered's buffer size */

/* ---- readers ------------------------------------------------------------------------ */

typedef struct reader {
    const btc_sock *s;
    const btc_sys *sys;
    btc_interrupt *intr;
    char *out; /* the caller's buffer, MAX_DATA bytes */
    size_t max;
    const char *fail; /* why a read failed */
    /* buffered */
    char *bbuf;
    size_t bpos, bend;
    /* lazy, exact: the library's reader, attached on the first line */
    btc_reader rd;
    bool rd_attached;
    char *win;
    size_t win_cap;
    const char *line; /* where the reader's last line is (the others' is out) */
    /* oracle: the stream's line ends, and how far it has read */
    const size_t *ends;
    size_t next_line, at;
} reader;

typedef int (*read_line_fn)(reader *r, size_t *len);

static bool transient(int code) { return code == EAGAIN || code == EWOULDBLOCK || code == EINTR; }

/* Waits until the socket is readable (or the interrupt fires), as the library does. */
static int wait_recv(reader *r, int timeout_ms)
{
    btc_wait_item item = {r->s, BTC_EV_RECV, 0};
    int n = r->sys->wait(r->sys->ctx, &item, 1, btc_interrupt_wake_descriptor(r->intr), timeout_ms);
    if (n < 0 && !transient(r->sys->last_error(r->sys->ctx))) {
        r->fail = "wait failed";
        return -1;
    }
    if (btc_interrupt_is_set(r->intr)) {
        r->fail = "interrupted";
        return -1;
    }
    return 0;
}

/* recv through the table; on a transient error waits and returns 0 with *n = 0 ("try again"). */
static int do_recv(reader *r, void *buf, size_t len, int flags, btc_ssize_t *n)
{
    *n = r->sys->recv(r->sys->ctx, r->s->fd, buf, len, flags | BTC_MSG_DONTWAIT);
    if (*n > 0)
        return 0;
    if (*n == 0) {
        r->fail = "closed";
        return -1;
    }
    if (!transient(r->sys->last_error(r->sys->ctx))) {
        r->fail = "recv failed";
        return -1;
    }
    *n = 0;
    return wait_recv(r, (int)TIMEOUT_MS);
}

static int rl_bytewise(reader *r, size_t *len)
{
    size_t got = 0;
    for (;;) {
        if (got >= r->max) {
            r->fail = "too large";
            return -1;
        }
        btc_ssize_t n;
        if (do_recv(r, r->out + got, 1, 0, &n) != 0)
            return -1;
        if (n == 0)
            continue;
        if ((uint8_t)r->out[got] == TERM) {
            r->out[got] = '\0';
            *len = got;
            return 0;
        }
        got++;
    }
}

/* Core's algorithm; core_wait: also poll after every chunk without a terminator, as Core's code does. */
static int rl_peek512_impl(reader *r, size_t *len, bool core_wait)
{
    int64_t deadline = r->sys->now_ms(r->sys->ctx) + TIMEOUT_MS;
    size_t got = 0;
    for (;;) {
        if (got >= r->max) {
            r->fail = "too large";
            return -1;
        }
        char buf[512];
        size_t want = r->max - got < sizeof buf ? r->max - got : sizeof buf;
        btc_ssize_t n = r->sys->recv(r->sys->ctx, r->s->fd, buf, want, MSG_PEEK | BTC_MSG_DONTWAIT);
        bool read_some = false;
        if (n > 0) {
            const char *hit = memchr(buf, TERM, (size_t)n);
            size_t take = hit != NULL ? (size_t)(hit - buf) + 1 : (size_t)n;
            btc_ssize_t got_now = r->sys->recv(r->sys->ctx, r->s->fd, buf, take, BTC_MSG_DONTWAIT);
            if (got_now < 0 || (size_t)got_now != take) {
                r->fail = "read shorter than peek";
                return -1;
            }
            size_t app = hit != NULL ? take - 1 : take;
            memcpy(r->out + got, buf, app);
            got += app;
            if (hit != NULL) {
                r->out[got] = '\0';
                *len = got;
                return 0;
            }
            read_some = true;
        } else if (n == 0) {
            r->fail = "closed";
            return -1;
        } else if (!transient(r->sys->last_error(r->sys->ctx))) {
            r->fail = "recv failed";
            return -1;
        }
        int64_t now = r->sys->now_ms(r->sys->ctx);
        if (now >= deadline) {
            r->fail = "timeout";
            return -1;
        }
        if (btc_interrupt_is_set(r->intr)) {
            r->fail = "interrupted";
            return -1;
        }
        if (read_some && !core_wait)
            continue;
        int64_t left = deadline - now;
        if (wait_recv(r, (int)(left < 1000 ? left : 1000)) != 0) /* Core's MAX_WAIT_FOR_IO */
            return -1;
    }
}

static int rl_peek512(reader *r, size_t *len) { return rl_peek512_impl(r, len, false); }
static int rl_core512(reader *r, size_t *len) { return rl_peek512_impl(r, len, true); }

static int rl_btcsock(reader *r, size_t *len)
{
    btc_error err;
    btc_status st = btc_sock_recv_until_terminator(r->s, TERM, TIMEOUT_MS, r->intr, r->max, r->out, len, 0, &err);
    if (st != BTC_OK) {
        r->fail = btc_status_name(st);
        return -1;
    }
    return 0;
}

static int rl_buffered(reader *r, size_t *len)
{
    size_t got = 0;
    for (;;) {
        if (r->bpos < r->bend) {
            const char *at = r->bbuf + r->bpos;
            const char *hit = memchr(at, TERM, r->bend - r->bpos);
            size_t n = hit != NULL ? (size_t)(hit - at) : r->bend - r->bpos;
            if (got + n >= r->max) {
                r->fail = "too large";
                return -1;
            }
            memcpy(r->out + got, at, n);
            got += n;
            r->bpos += n;
            if (hit != NULL) {
                r->bpos++;
                r->out[got] = '\0';
                *len = got;
                return 0;
            }
        }
        r->bpos = r->bend = 0;
        btc_ssize_t n;
        if (do_recv(r, r->bbuf, BUFFERED_CAP, 0, &n) != 0)
            return -1;
        r->bend = (size_t)n;
    }
}

/*
 * One peek-then-read step of the peeking strategies: peeks up to `want`
 * bytes into at and reads them back through the first terminator (all of
 * them without one), adding read_flags to the read. Returns the bytes
 * consumed, 0 when nothing was readable yet, or -1 (r->fail says why);
 * *peeked is what the peek showed, *hit the terminator or NULL.
 */
static long peek_read(reader *r, char *at, size_t want, int read_flags, btc_ssize_t *peeked, const char **hit)
{
    *hit = NULL;
    if (do_recv(r, at, want, MSG_PEEK, peeked) != 0)
        return -1;
    if (*peeked == 0)
        return 0;
    *hit = memchr(at, TERM, (size_t)*peeked);
    size_t take = *hit != NULL ? (size_t)(*hit - at) + 1 : (size_t)*peeked;
    btc_ssize_t rd = r->sys->recv(r->sys->ctx, r->s->fd, at, take, read_flags | BTC_MSG_DONTWAIT);
    if (rd < 0 || (size_t)rd != take) {
        r->fail = "read shorter than peek";
        return -1;
    }
    return (long)take;
}

/* The library's reader: lines point into its window (no copy out). */
static int rl_reader(reader *r, size_t *len, unsigned flags)
{
    btc_error err;
    if (!r->rd_attached) {
        if (btc_reader_init(&r->rd, r->s, r->win, r->win_cap, flags, &err) != BTC_OK)
            bench_die("reader init: %s", err.message);
        r->rd_attached = true;
    }
    btc_status st = btc_reader_line(&r->rd, TERM, TIMEOUT_MS, r->intr, &r->line, len, &err);
    if (st != BTC_OK) {
        r->fail = btc_status_name(st);
        return -1;
    }
    return 0;
}

/*
 * The floor under EXACT: a reader told in advance where every line ends, so
 * it reads each line with one recv of exactly its length and never peeks.
 * Nobody can write it (the lengths are not known in advance); it is here
 * because it is the least any reader can do that consumes a line before
 * returning it, so its ratio to peek512 is the most EXACT can reach here.
 */
static int rl_oracle(reader *r, size_t *len)
{
    size_t want = r->ends[r->next_line] - r->at;
    size_t got = 0;
    while (got < want) {
        btc_ssize_t n;
        if (do_recv(r, r->out + got, want - got, 0, &n) != 0)
            return -1;
        got += (size_t)n;
    }
    r->at = r->ends[r->next_line++];
    r->out[want - 1] = '\0';
    *len = want - 1;
    return 0;
}

static int rl_lazy(reader *r, size_t *len) { return rl_reader(r, len, 0); }
static int rl_exact(reader *r, size_t *len) { return rl_reader(r, len, BTC_READER_EXACT); }

/* After the last line: the lazy reader consumes what it returned (and the run is timed with it). */
static int sync_reader(reader *r)
{
    btc_status st = btc_reader_sync(&r->rd, NULL);
    if (st != BTC_OK) {
        r->fail = btc_status_name(st);
        return -1;
    }
    return 0;
}

/*
 * A replica of src/recv.c's loop with knobs, to try variants of the library's
 * algorithm under identical conditions:
 *   growth 0: the peek size doubles (the library); 1: the peek size is the
 *             bytes consumed so far (so the consumed total doubles);
 *   trunc:    the consuming read passes MSG_TRUNC. The bytes are already in
 *             the buffer from the peek; Linux TCP then discards them in the
 *             kernel instead of copying them a second time, and sockets that
 *             ignore the flag (AF_UNIX) copy the same bytes again as before.
 */
typedef struct variant {
    size_t first;
    int growth;
    bool trunc;
} variant;

static int rl_variant(reader *r, size_t *len, variant v)
{
    size_t got = 0;
    size_t chunk = v.first;
    for (;;) {
        size_t room = r->max - got;
        if (room == 0) {
            r->fail = "too large";
            return -1;
        }
        char *at = r->out + got;
        btc_ssize_t n;
        const char *hit;
        long take = peek_read(r, at, chunk < room ? chunk : room, v.trunc ? MSG_TRUNC : 0, &n, &hit);
        if (take <= 0) {
            if (take < 0)
                return -1;
            continue;
        }
        got += (size_t)take;
        if (hit != NULL) {
            r->out[got - 1] = '\0';
            *len = got - 1;
            return 0;
        }
        if (v.growth == 0)
            chunk *= 2;
        else
            chunk = got > v.first ? got : v.first;
        if (btc_interrupt_is_set(r->intr)) {
            r->fail = "interrupted";
            return -1;
        }
    }
}

static int rl_libcopy(reader *r, size_t *len) { return rl_variant(r, len, (variant){512, 0, false}); }
static int rl_trunc(reader *r, size_t *len) { return rl_variant(r, len, (variant){512, 0, true}); }
static int rl_cumul(reader *r, size_t *len) { return rl_variant(r, len, (variant){512, 1, false}); }
static int rl_cumtrunc(reader *r, size_t *len) { return rl_variant(r, len, (variant){512, 1, true}); }
static int rl_first1k(reader *r, size_t *len) { return rl_variant(r, len, (variant){1024, 0, false}); }
static int rl_first2k(reader *r, size_t *len) { return rl_variant(r, len, (variant){2048, 0, false}); }
static int rl_first4k(reader *r, size_t *len) { return rl_variant(r, len, (variant){4096, 0, false}); }

typedef struct strategy {
    const char *name;
    read_line_fn fn;
    bool prefix;              /* measured on a prefix of the stream (too slow for all of it) */
    bool over_reads;          /* reads past the terminator (the tail is in its buffer, not the socket) */
    bool extra;               /* a variant for investigation: only when named in --strategies */
    bool lines_in_window;     /* the line is at r->line (the reader's window), not in out */
    int (*finish)(reader *r); /* after the last line, timed (NULL: nothing) */
} strategy;

static const strategy STRATEGIES[] = {
    {"bytewise", rl_bytewise, true, false, false, false, NULL},
    {"peek512", rl_peek512, false, false, false, false, NULL},
    {"core512", rl_core512, false, false, false, false, NULL},
    {"buffered", rl_buffered, false, true, false, false, NULL},
    {"trunc", rl_trunc, false, false, false, false, NULL},
    {"btcsock", rl_btcsock, false, false, false, false, NULL},
    {"exact", rl_exact, false, false, false, true, NULL},
    {"oracle", rl_oracle, false, false, false, false, NULL},
    {"lazy", rl_lazy, false, false, false, true, sync_reader},
    {"libcopy", rl_libcopy, false, false, true, false, NULL},
    {"cumul", rl_cumul, false, false, true, false, NULL},
    {"cumtrunc", rl_cumtrunc, false, false, true, false, NULL},
    {"first1k", rl_first1k, false, false, true, false, NULL},
    {"first2k", rl_first2k, false, false, true, false, NULL},
    {"first4k", rl_first4k, false, false, true, false, NULL},
};
#define STRATEGY_COUNT (sizeof STRATEGIES / sizeof STRATEGIES[0])

/* ---- workloads -------------------------------------------------------------------------- */

typedef struct workload {
    const char *name;
    size_t line;        /* bytes per line with its terminator; 0: random bytes (Core's workload) */
    size_t bytes_full;  /* stream size in the full run */
    size_t bytes_quick; /* ... in the quick run (0: not in the quick run) */
    bool sweep;         /* only for the line-length sweep (full run, plot) */
    size_t jitter;      /* line lengths uniform in [line - jitter, line + jitter] */
    bool extra;         /* only when named in --workloads */
} workload;

static const workload WORKLOADS[] = {
    /* name     line       full       quick      sweep  jitter    extra */
    {"core", 0, 64 * MiB, 8 * MiB, false, 0, false},
    {"short", 64, 64 * MiB, 4 * MiB, false, 0, false},
    {"long", 64 * KiB, 64 * MiB, 16 * MiB, false, 0, false},
    {"huge", MiB, 64 * MiB, 32 * MiB, false, 0, false},
    {"L256", 256, 32 * MiB, 0, true, 0, false},
    {"L1k", KiB, 32 * MiB, 0, true, 0, false},
    {"L4k", 4 * KiB, 32 * MiB, 0, true, 0, false},
    {"L16k", 16 * KiB, 32 * MiB, 0, true, 0, false},
    {"L256k", 256 * KiB, 64 * MiB, 0, true, 0, false},
    /* the same lengths with uniform jitter: lengths that are not powers of two */
    {"longr", 64 * KiB, 64 * MiB, 16 * MiB, false, 32 * KiB, true},
    {"huger", MiB, 64 * MiB, 32 * MiB, false, 512 * KiB, true},
};
#define WORKLOAD_COUNT (sizeof WORKLOADS / sizeof WORKLOADS[0])

/* One generated stream: the bytes, and where each line ends. */
typedef struct stream {
    uint8_t *data;
    size_t len;   /* ends with a terminator */
    size_t *ends; /* ends[i]: offset just past line i's terminator */
    size_t lines;
} stream;

static void stream_make(stream *st, const workload *w, size_t bytes, uint64_t seed)
{
    st->data = malloc(bytes);
    if (st->data == NULL)
        bench_die("out of memory");
    uint64_t rs = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < bytes; i += 8) {
        uint64_t x = bench_rand(&rs);
        size_t k = bytes - i < 8 ? bytes - i : 8;
        memcpy(st->data + i, &x, k);
    }
    if (w->line != 0) {
        uint64_t js = seed + 99;
        size_t next = w->line - 1;
        size_t last_end = 0;
        for (size_t i = 0; i < bytes; i++) {
            if (st->data[i] == TERM)
                st->data[i] = (uint8_t)(TERM + 1);
            if (i == next) {
                st->data[i] = TERM;
                last_end = i + 1;
                size_t l = w->line;
                if (w->jitter != 0)
                    l = l - w->jitter + (size_t)(bench_rand(&js) % (2 * w->jitter + 1));
                next = i + l;
            }
        }
        bytes = last_end;
    } else {
        while (bytes > 0 && st->data[bytes - 1] != TERM)
            bytes--;
    }
    st->len = bytes;
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        n += st->data[i] == TERM;
    st->ends = malloc((n + 1) * sizeof *st->ends);
    if (st->ends == NULL)
        bench_die("out of memory");
    st->lines = 0;
    for (size_t i = 0; i < bytes; i++)
        if (st->data[i] == TERM)
            st->ends[st->lines++] = i + 1;
}

static void stream_free(stream *st)
{
    free(st->data);
    free(st->ends);
}

/* The number of whole lines in the first `target` bytes, at least one. */
static size_t stream_prefix_lines(const stream *st, size_t target)
{
    size_t k = 0;
    while (k < st->lines && st->ends[k] <= target)
        k++;
    return k == 0 ? 1 : k;
}

/*
 * The readers' window: --reader-window (1 MiB by default, buffered's buffer), or twice the
 * workload's longest line when that is more, as a user sizes a window for
 * the longest line of the protocol.
 */
static size_t window_for(const workload *w, size_t window)
{
    size_t longest = 2 * (w->line + w->jitter);
    size_t cap = longest > window ? longest : window;
    return cap < MAX_DATA ? cap : MAX_DATA;
}

/* ---- one run ------------------------------------------------------------------------------ */

typedef struct writer_arg {
    const btc_sock *s;
    const uint8_t *data;
    size_t len;
    pthread_barrier_t *go;
    btc_status st;
} writer_arg;

static void *writer_main(void *p)
{
    writer_arg *a = p;
    pthread_barrier_wait(a->go);
    btc_error err;
    a->st = btc_sock_send_complete(a->s, a->data, a->len, TIMEOUT_MS, NULL, &err);
    if (a->st == BTC_OK)
        a->st = btc_sock_send_complete(a->s, TAIL, TAIL_LEN, TIMEOUT_MS, NULL, &err);
    if (a->st != BTC_OK)
        fprintf(stderr, "writer: %s\n", err.message);
    return NULL;
}

typedef struct run_result {
    double seconds;
    double cpu_seconds; /* the reader thread's CPU time (user + system) */
    size_t bytes, lines;
    bench_counts c;
} run_result;

/*
 * Reads lines [0, nlines) of st with one strategy over a fresh socket pair.
 * verify: compare every line's content (else only its length).
 */
static void run_once(const strategy *sg, bench_transport t, const stream *st, size_t nlines, bool verify, char *win,
                     size_t win_cap, char *out, char *bbuf, run_result *res)
{
    btc_sock rd;
    btc_sock wr;
    bench_pair(t, &rd, &wr);
    bench_csys cs;
    bench_csys_init(&cs);
    btc_sock_set_sys(&rd, cs.table);
    btc_interrupt intr;
    if (btc_interrupt_init(&intr, NULL) != BTC_OK)
        bench_die("interrupt init failed");

    size_t bytes = st->ends[nlines - 1];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    writer_arg wa = {&wr, st->data, bytes, &go, BTC_OK};
    pthread_t th;
    if (pthread_create(&th, NULL, writer_main, &wa) != 0)
        bench_die("pthread_create failed");

    reader r;
    memset(&r, 0, sizeof r);
    r.s = &rd;
    r.sys = cs.table;
    r.intr = &intr;
    r.out = out;
    r.max = MAX_DATA;
    r.bbuf = bbuf;
    r.win = win;
    r.win_cap = win_cap;
    r.ends = st->ends;

    pthread_barrier_wait(&go);
    uint64_t c0 = bench_thread_cpu_ns();
    uint64_t t0 = bench_now_ns();
    size_t start = 0;
    for (size_t i = 0; i < nlines; i++) {
        size_t len = 0;
        if (sg->fn(&r, &len) != 0)
            bench_die("%s/%s: line %zu: %s", sg->name, bench_transport_name(t), i, r.fail);
        size_t want = st->ends[i] - start - 1;
        if (len != want)
            bench_die("%s/%s: line %zu has %zu bytes, expected %zu", sg->name, bench_transport_name(t), i, len, want);
        const char *line = sg->lines_in_window ? r.line : out;
        if (verify && (memcmp(line, st->data + start, len) != 0 || line[len] != '\0'))
            bench_die("%s/%s: line %zu content differs", sg->name, bench_transport_name(t), i);
        start = st->ends[i];
    }
    if (sg->finish != NULL && sg->finish(&r) != 0)
        bench_die("%s/%s: after the last line: %s", sg->name, bench_transport_name(t), r.fail);
    uint64_t t1 = bench_now_ns();
    uint64_t c1 = bench_thread_cpu_ns();
    res->c = cs.c;

    /* Zero over-read: the next bytes in the socket are the tail (for buffered: in its buffer). */
    char tail[TAIL_LEN];
    size_t have = 0;
    if (sg->over_reads) {
        have = r.bend - r.bpos < TAIL_LEN ? r.bend - r.bpos : TAIL_LEN;
        memcpy(tail, r.bbuf + r.bpos, have);
    }
    btc_sock_set_sys(&rd, NULL);
    while (have < TAIL_LEN) {
        size_t n = 0;
        btc_status s2 = btc_sock_recv(&rd, tail + have, TAIL_LEN - have, 0, &n, NULL);
        if (s2 == BTC_ERR_WOULD_BLOCK) {
            (void)btc_sock_wait(&rd, 5000, BTC_EV_RECV, NULL, NULL, NULL);
            continue;
        }
        if (s2 != BTC_OK)
            bench_die("%s/%s: reading the tail: %s", sg->name, bench_transport_name(t), btc_status_name(s2));
        have += n;
    }
    if (memcmp(tail, TAIL, TAIL_LEN) != 0)
        bench_die("%s/%s: over-read: the bytes after the last line are not the tail", sg->name,
                  bench_transport_name(t));
    pthread_join(th, NULL);
    if (wa.st != BTC_OK)
        bench_die("writer failed");
    pthread_barrier_destroy(&go);
    btc_interrupt_destroy(&intr);
    bench_close(&rd);
    bench_close(&wr);
    res->seconds = (double)(t1 - t0) / 1e9;
    res->cpu_seconds = (double)(c1 - c0) / 1e9;
    res->bytes = bytes;
    res->lines = nlines;
}

/* ---- the matrix ---------------------------------------------------------------------------- */

#define MAX_REPS 64

typedef struct cell {
    double secs[MAX_REPS];
    double cpu[MAX_REPS];
    int n;
    size_t bytes, lines;
    bench_counts sum; /* over the repetitions */
    double mbps, mbps_min, mbps_max, lps, lps_min, lps_max;
    double cpu_ns_per_line; /* median over the repetitions */
} cell;

typedef struct matrix {
    bool use_s[STRATEGY_COUNT];
    bool use_w[WORKLOAD_COUNT];
    bool use_t[BENCH_TRANSPORT_COUNT];
    cell c[BENCH_TRANSPORT_COUNT][WORKLOAD_COUNT][STRATEGY_COUNT];
} matrix;

static int find_strategy(const char *name)
{
    for (size_t i = 0; i < STRATEGY_COUNT; i++)
        if (strcmp(STRATEGIES[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Marks the comma-separated names of list in use[] via find(); NULL list: leave as is. */
static void select_names(const char *list, bool *use, size_t count, const char *const *names, const char *what)
{
    if (list == NULL)
        return;
    memset(use, 0, count * sizeof *use);
    char tmp[512];
    (void)snprintf(tmp, sizeof tmp, "%s", list);
    for (char *save = NULL, *tok = strtok_r(tmp, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < count && strcmp(names[i], tok) != 0)
            i++;
        if (i == count)
            bench_die("unknown %s '%s'", what, tok);
        use[i] = true;
    }
}

static double ratio(const cell *a, const cell *b) { return b->n > 0 && b->mbps > 0 ? a->mbps / b->mbps : 0.0; }

static void finish_cell(cell *c)
{
    double v[MAX_REPS];
    memcpy(v, c->secs, (size_t)c->n * sizeof v[0]);
    double med = bench_median(v, (size_t)c->n);
    double lo = v[0];
    double hi = v[c->n - 1];
    c->mbps = (double)c->bytes / med / 1e6;
    c->mbps_min = (double)c->bytes / hi / 1e6;
    c->mbps_max = (double)c->bytes / lo / 1e6;
    c->lps = (double)c->lines / med;
    c->lps_min = (double)c->lines / hi;
    c->lps_max = (double)c->lines / lo;
    memcpy(v, c->cpu, (size_t)c->n * sizeof v[0]);
    c->cpu_ns_per_line = bench_median(v, (size_t)c->n) * 1e9 / (double)c->lines;
}

/* Reader CPU time per byte of b over a's: > 1 means a spends less CPU per byte. */
static double cpu_ratio(const cell *a, const cell *b)
{
    if (b->n == 0 || a->cpu_ns_per_line <= 0)
        return 0.0;
    double pa = a->cpu_ns_per_line * (double)a->lines / (double)a->bytes;
    double pb = b->cpu_ns_per_line * (double)b->lines / (double)b->bytes;
    return pb / pa;
}

static double per_line(uint64_t v, const cell *c) { return (double)v / (double)c->n / (double)c->lines; }

static void fmt_rate(char *buf, size_t cap, double v)
{
    if (v >= 1e6)
        (void)snprintf(buf, cap, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        (void)snprintf(buf, cap, "%.1fk", v / 1e3);
    else
        (void)snprintf(buf, cap, "%.0f", v);
}

static void print_table(FILE *f, const matrix *m, bool markdown)
{
    int ib = find_strategy("bytewise");
    int ip = find_strategy("peek512");
    int iu = find_strategy("buffered");
    if (markdown)
        fprintf(f, "| transport | workload | strategy | MB/s median [min-max] | lines/s median | syscalls/line "
                   "(peek+read+wait) | x bytewise | x peek512 | x buffered | reader CPU ns/line | x peek512 (CPU) |\n"
                   "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    else
        fprintf(f, "%-5s %-6s %-9s %26s %10s %22s %9s %8s %8s %11s %8s\n", "trans", "load", "strategy",
                "MB/s median [min-max]", "lines/s", "sys/line (pk+rd+wt)", "xbytewise", "xpeek512", "xbuffer",
                "cpu ns/line", "xpk(cpu)");
    for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++) {
        for (size_t w = 0; w < WORKLOAD_COUNT; w++) {
            for (size_t s = 0; s < STRATEGY_COUNT; s++) {
                const cell *c = &m->c[t][w][s];
                if (!m->use_t[t] || !m->use_w[w] || !m->use_s[s] || c->n == 0)
                    continue;
                const cell *row = m->c[t][w];
                char mb[64];
                char lps[32];
                char sys[64];
                (void)snprintf(mb, sizeof mb, "%.1f [%.1f-%.1f]", c->mbps, c->mbps_min, c->mbps_max);
                fmt_rate(lps, sizeof lps, c->lps);
                (void)snprintf(sys, sizeof sys, "%.3f (%.2f+%.2f+%.2f)",
                               per_line(c->sum.peek + c->sum.read + c->sum.wait, c), per_line(c->sum.peek, c),
                               per_line(c->sum.read, c), per_line(c->sum.wait, c));
                char xb[16] = "-";
                char xp[16] = "-";
                char xu[16] = "-";
                if (ib >= 0 && row[ib].n > 0)
                    (void)snprintf(xb, sizeof xb, "%.1f", ratio(c, &row[ib]));
                if (ip >= 0 && row[ip].n > 0)
                    (void)snprintf(xp, sizeof xp, "%.2f", ratio(c, &row[ip]));
                if (iu >= 0 && row[iu].n > 0)
                    (void)snprintf(xu, sizeof xu, "%.3f", ratio(c, &row[iu]));
                char cpu[32];
                char xpc[16] = "-";
                (void)snprintf(cpu, sizeof cpu, "%.0f", c->cpu_ns_per_line);
                if (ip >= 0 && row[ip].n > 0)
                    (void)snprintf(xpc, sizeof xpc, "%.2f", cpu_ratio(c, &row[ip]));
                const char *name = STRATEGIES[s].name;
                char nm[32];
                (void)snprintf(nm, sizeof nm, "%s%s", name, STRATEGIES[s].prefix ? "*" : "");
                if (markdown)
                    fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                            bench_transport_name((bench_transport)t), WORKLOADS[w].name, nm, mb, lps, sys, xb, xp, xu,
                            cpu, xpc);
                else
                    fprintf(f, "%-5s %-6s %-9s %26s %10s %22s %9s %8s %8s %11s %8s\n",
                            bench_transport_name((bench_transport)t), WORKLOADS[w].name, nm, mb, lps, sys, xb, xp, xu,
                            cpu, xpc);
            }
        }
    }
}

static void write_csv(FILE *f, const matrix *m)
{
    int ib = find_strategy("bytewise");
    int ip = find_strategy("peek512");
    int iu = find_strategy("buffered");
    fprintf(f, "transport,workload,strategy,line_len,bytes,lines,reps,prefix,median_s,mbps,mbps_min,mbps_max,"
               "lines_per_s,lines_per_s_min,lines_per_s_max,syscalls_per_line,peeks_per_line,reads_per_line,"
               "waits_per_line,clock_reads_per_line,x_bytewise,x_peek512,x_buffered,reader_cpu_ns_per_line,"
               "x_peek512_cpu\n");
    for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++)
        for (size_t w = 0; w < WORKLOAD_COUNT; w++)
            for (size_t s = 0; s < STRATEGY_COUNT; s++) {
                const cell *c = &m->c[t][w][s];
                if (!m->use_t[t] || !m->use_w[w] || !m->use_s[s] || c->n == 0)
                    continue;
                const cell *row = m->c[t][w];
                double v[MAX_REPS];
                memcpy(v, c->secs, (size_t)c->n * sizeof v[0]);
                fprintf(f, "%s,%s,%s,%.1f,%zu,%zu,%d,%d,%.6f,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.4f,%.4f,%.4f,%.4f,%.4f,",
                        bench_transport_name((bench_transport)t), WORKLOADS[w].name, STRATEGIES[s].name,
                        (double)c->bytes / (double)c->lines, c->bytes, c->lines, c->n, STRATEGIES[s].prefix ? 1 : 0,
                        bench_median(v, (size_t)c->n), c->mbps, c->mbps_min, c->mbps_max, c->lps, c->lps_min,
                        c->lps_max, per_line(c->sum.peek + c->sum.read + c->sum.wait, c), per_line(c->sum.peek, c),
                        per_line(c->sum.read, c), per_line(c->sum.wait, c), per_line(c->sum.clock, c));
                fprintf(f, "%.4f,%.4f,%.4f,%.1f,%.4f\n", ib >= 0 ? ratio(c, &row[ib]) : 0.0,
                        ip >= 0 ? ratio(c, &row[ip]) : 0.0, iu >= 0 ? ratio(c, &row[iu]) : 0.0, c->cpu_ns_per_line,
                        ip >= 0 ? cpu_ratio(c, &row[ip]) : 0.0);
            }
}

static const char *arg_value(int argc, char **argv, const char *key)
{
    size_t k = strlen(key);
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], key, k) == 0 && argv[i][k] == '=')
            return argv[i] + k + 1;
    return NULL;
}

int bench_recv_main(const bench_opts *o, int argc, char **argv)
{
    static matrix m; /* large: keep it off the stack */
    memset(&m, 0, sizeof m);
    const char *snames[STRATEGY_COUNT];
    const char *wnames[WORKLOAD_COUNT];
    const char *tnames[BENCH_TRANSPORT_COUNT] = {"unix", "tcp"};
    for (size_t i = 0; i < STRATEGY_COUNT; i++) {
        snames[i] = STRATEGIES[i].name;
        m.use_s[i] = !STRATEGIES[i].extra;
    }
    for (size_t i = 0; i < WORKLOAD_COUNT; i++) {
        wnames[i] = WORKLOADS[i].name;
        m.use_w[i] = o->quick ? WORKLOADS[i].bytes_quick != 0 && !WORKLOADS[i].extra : true;
    }
    m.use_t[BENCH_UNIX] = m.use_t[BENCH_TCP] = true;
    bool s_named = arg_value(argc, argv, "--strategies") != NULL;
    select_names(arg_value(argc, argv, "--strategies"), m.use_s, STRATEGY_COUNT, snames, "strategy");
    select_names(arg_value(argc, argv, "--workloads"), m.use_w, WORKLOAD_COUNT, wnames, "workload");
    select_names(arg_value(argc, argv, "--transports"), m.use_t, BENCH_TRANSPORT_COUNT, tnames, "transport");
    const char *rw = arg_value(argc, argv, "--reader-window");
    size_t reader_window = rw != NULL ? (size_t)strtoull(rw, NULL, 10) : READER_WINDOW;
    if (reader_window < 2 || reader_window > MAX_DATA)
        bench_die("--reader-window must be 2..%zu", (size_t)MAX_DATA);
    const char *bp = arg_value(argc, argv, "--bytewise-prefix");
    size_t bw_prefix = bp != NULL ? (size_t)strtoull(bp, NULL, 10) * KiB : (o->quick ? 256 * KiB : 8 * MiB);
    size_t bw_prefix_sweep = o->quick ? 256 * KiB : MiB;
    int reps = o->reps > 0 ? o->reps : 5;
    if (reps > MAX_REPS)
        reps = MAX_REPS;

    static stream streams[WORKLOAD_COUNT];
    for (size_t w = 0; w < WORKLOAD_COUNT; w++)
        if (m.use_w[w])
            stream_make(&streams[w], &WORKLOADS[w],
                        !o->quick                       ? WORKLOADS[w].bytes_full
                        : WORKLOADS[w].bytes_quick != 0 ? WORKLOADS[w].bytes_quick
                                                        : WORKLOADS[w].bytes_full / 4,
                        (uint64_t)w + 1);
    char *out = malloc(MAX_DATA + 1);
    char *bbuf = malloc(BUFFERED_CAP);
    char *win = malloc(MAX_DATA);
    if (out == NULL || bbuf == NULL || win == NULL)
        bench_die("out of memory");

    printf("== recv_until_terminator: %d interleaved repetitions, terminator '\\n', max_data %zu, timeout %lld ms\n",
           reps, (size_t)MAX_DATA, (long long)TIMEOUT_MS);
    for (size_t w = 0; w < WORKLOAD_COUNT; w++)
        if (m.use_w[w]) {
            const stream *st = &streams[w];
            size_t pl = stream_prefix_lines(st, WORKLOADS[w].sweep ? bw_prefix_sweep : bw_prefix);
            printf("   %-6s %9zu bytes %8zu lines (mean %.1f bytes/line incl. terminator); bytewise on the first "
                   "%zu bytes (%zu lines)\n",
                   WORKLOADS[w].name, st->len, st->lines, (double)st->len / (double)st->lines, st->ends[pl - 1], pl);
        }

    /* Correctness first: every strategy, every line compared, zero over-read checked, on a small prefix. */
    for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++)
        for (size_t w = 0; w < WORKLOAD_COUNT; w++)
            for (size_t s = 0; s < STRATEGY_COUNT; s++) {
                if (!m.use_t[t] || !m.use_w[w] || !m.use_s[s])
                    continue;
                if (STRATEGIES[s].prefix && !s_named &&
                    (WORKLOADS[w].extra || (o->quick && WORKLOADS[w].line > bw_prefix)))
                    continue;
                run_result rr;
                run_once(&STRATEGIES[s], (bench_transport)t, &streams[w], stream_prefix_lines(&streams[w], 256 * KiB),
                         true, win, window_for(&WORKLOADS[w], reader_window), out, bbuf, &rr);
            }
    printf("   verified: every strategy returns every line intact and (except buffered) leaves the next byte in "
           "the socket\n");
    fflush(stdout);

    for (int rep = 0; rep < reps; rep++) {
        for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++)
            for (size_t w = 0; w < WORKLOAD_COUNT; w++)
                for (size_t k = 0; k < STRATEGY_COUNT; k++) {
                    size_t s = (k + (size_t)rep) % STRATEGY_COUNT; /* rotate the order */
                    if (!m.use_t[t] || !m.use_w[w] || !m.use_s[s])
                        continue;
                    if (STRATEGIES[s].prefix && !s_named &&
                        (WORKLOADS[w].extra || (o->quick && WORKLOADS[w].line > bw_prefix)))
                        continue; /* bytewise costs the same per byte at any line length */
                    const stream *st = &streams[w];
                    size_t nl = STRATEGIES[s].prefix
                                    ? stream_prefix_lines(st, WORKLOADS[w].sweep ? bw_prefix_sweep : bw_prefix)
                                    : st->lines;
                    run_result rr;
                    run_once(&STRATEGIES[s], (bench_transport)t, st, nl, false, win,
                             window_for(&WORKLOADS[w], reader_window), out, bbuf, &rr);
                    cell *c = &m.c[t][w][s];
                    c->cpu[c->n] = rr.cpu_seconds;
                    c->secs[c->n++] = rr.seconds;
                    c->bytes = rr.bytes;
                    c->lines = rr.lines;
                    c->sum.peek += rr.c.peek;
                    c->sum.read += rr.c.read;
                    c->sum.wait += rr.c.wait;
                    c->sum.send += rr.c.send;
                    c->sum.clock += rr.c.clock;
                }
        fprintf(stderr, "   repetition %d/%d done\n", rep + 1, reps);
    }
    for (size_t t = 0; t < BENCH_TRANSPORT_COUNT; t++)
        for (size_t w = 0; w < WORKLOAD_COUNT; w++)
            for (size_t s = 0; s < STRATEGY_COUNT; s++)
                if (m.c[t][w][s].n > 0)
                    finish_cell(&m.c[t][w][s]);

    print_table(stdout, &m, false);
    printf(
        "   * bytewise is measured on a prefix of each stream (see above) and reported per byte/line; its ratios "
        "compare rates.\n"
        "   syscalls/line counts kernel entries through a counting btc_sys (peek + read + wait), mean over the "
        "repetitions.\n"
        "   cpu ns/line: the reading thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), median; time spent descheduled "
        "by other load is not in it, so its ratio (xpk(cpu)) is steadier than the wall-clock one.\n");
    FILE *f = bench_csv_open(o->out_dir, "recv.csv");
    if (f != NULL) {
        write_csv(f, &m);
        fclose(f);
        FILE *md = bench_csv_open(o->out_dir, "recv.md");
        print_table(md, &m, true);
        fprintf(md,
                "\n\\* bytewise measured on a prefix of each stream (%zu KiB; %zu KiB for the sweep lengths), "
                "reported per byte and per line.\n",
                bw_prefix / KiB, bw_prefix_sweep / KiB);
        fclose(md);
    }
    for (size_t w = 0; w < WORKLOAD_COUNT; w++)
        if (m.use_w[w])
            stream_free(&streams[w]);
    free(out);
    free(bbuf);
    free(win);
    return 0;
}
