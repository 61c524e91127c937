/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_common.c - the input codec, the checks and the guard declared in
 * fuzz_common.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/select.h>

#include "fuzz_common.h"
#include "kit/check.h"

/* ---- the codec ------------------------------------------------------------------------ */

fz_io fz_reader(const uint8_t *data, size_t size)
{
    fz_io io = {false, data, size, NULL, 0, 0};
    return io;
}

fz_io fz_writer(uint8_t *out, size_t cap)
{
    fz_io io = {true, NULL, 0, out, 0, cap};
    return io;
}

void fz_u8(fz_io *io, uint8_t *v)
{
    if (io->encode) {
        if (io->len < io->cap)
            io->out[io->len] = *v;
        io->len++;
    } else if (io->n == 0) {
        *v = 0;
    } else {
        *v = *io->p++;
        io->n--;
    }
}

void fz_u16(fz_io *io, uint16_t *v)
{
    uint8_t hi = (uint8_t)(*v >> 8);
    uint8_t lo = (uint8_t)*v;
    fz_u8(io, &hi);
    fz_u8(io, &lo);
    *v = (uint16_t)((unsigned)hi << 8 | lo);
}

void fz_u32(fz_io *io, uint32_t *v)
{
    uint16_t hi = (uint16_t)(*v >> 16);
    uint16_t lo = (uint16_t)*v;
    fz_u16(io, &hi);
    fz_u16(io, &lo);
    *v = (uint32_t)hi << 16 | lo;
}

void fz_rest(fz_io *io, const uint8_t **data, size_t *len)
{
    if (!io->encode) {
        *data = io->p;
        *len = io->n;
        io->p += io->n;
        io->n = 0;
        return;
    }
    for (size_t i = 0; i < *len; i++) {
        uint8_t b = (*data)[i];
        fz_u8(io, &b);
    }
}

/* ---- the script ------------------------------------------------------------------------- */

const int fz_errnos[] = {0,        EINTR,   EAGAIN, EWOULDBLOCK, EINPROGRESS, ECONNRESET,   EPIPE,        EBADF,
                         ENOTCONN, ENOBUFS, ENOMEM, ETIMEDOUT,   EINVAL,      ECONNABORTED, ECONNREFUSED, ENETUNREACH};
const size_t fz_nerrnos = sizeof fz_errnos / sizeof fz_errnos[0];
const int fz_end_errors[] = {0, ECONNRESET, EPIPE, ETIMEDOUT, ENOTCONN, EBADF};
const size_t fz_nend = sizeof fz_end_errors / sizeof fz_end_errors[0];
const int64_t fz_timeouts[8] = {0, 1, 10, 100, 1000, 30000, BTC_TIMEOUT_INFINITE, 250};

#define FZ_STEPS_MOD 48u
#define FZ_ARRIVALS_MOD 8u
#define FZ_END_LATE 0x80u
#define FZ_READ_ON 0x80u
#define FZ_WINDOW_UNIT 64u
#define FZ_DELAY_UNIT 10
#define FZ_LATE_MS 500

void fz_script_codec(fz_io *io, fz_script *s)
{
    fz_u8(io, &s->nsteps);
    for (unsigned i = 0; i < s->nsteps % FZ_STEPS_MOD; i++) {
        fz_u8(io, &s->steps[i][0]);
        fz_u8(io, &s->steps[i][1]);
    }
    fz_u8(io, &s->max_peek);
    fz_u8(io, &s->max_read);
    fz_u8(io, &s->max_send);
    fz_u8(io, &s->narrivals);
    for (unsigned i = 0; i < s->narrivals % FZ_ARRIVALS_MOD; i++) {
        fz_u8(io, &s->arrivals[i][0]);
        fz_u8(io, &s->arrivals[i][1]);
    }
    fz_u8(io, &s->end);
    fz_u8(io, &s->window);
}

int64_t fz_step_value(btc_fake_kind kind, uint8_t b)
{
    switch (kind) {
    case BTC_FAKE_LIMIT:
        return b % 64; /* short transfers, 0 included */
    case BTC_FAKE_FAIL:
        return fz_errnos[b % fz_nerrnos];
    case BTC_FAKE_ADVANCE:
        return b < 128 ? b : (int64_t)(b - 127) * 250; /* small jumps and jumps past any deadline */
    case BTC_FAKE_SPURIOUS:
        return b; /* a wake-up 0..255 ms into the wait */
    default:
        return 0;
    }
}

void fz_script_apply(const fz_script *s, btc_fake *f)
{
    for (unsigned i = 0; i < s->nsteps % FZ_STEPS_MOD; i++) {
        uint8_t b0 = s->steps[i][0];
        btc_fake_op op = (btc_fake_op)((b0 & 7u) % BTC_FAKE_OP_COUNT);
        btc_fake_kind kind = (btc_fake_kind)(((unsigned)b0 >> 3 & 7u) % BTC_FAKE_KIND_COUNT);
        (void)btc_fake_push(f, op, kind, fz_step_value(kind, s->steps[i][1]));
    }
    size_t read = (s->max_read & FZ_READ_ON) ? (size_t)(s->max_read & 0x7fu) : 0;
    btc_fake_set_chunks(f, s->max_peek, read, s->max_send);
    size_t offset = 0;
    int64_t at = f->now_ms;
    for (unsigned i = 0; i < s->narrivals % FZ_ARRIVALS_MOD; i++) {
        offset += (i == 0 ? 0u : 1u) + s->arrivals[i][0]; /* the first may be 0: nothing readable at first */
        at += (int64_t)s->arrivals[i][1] * FZ_DELAY_UNIT;
        (void)btc_fake_arrive_at(f, offset, at);
    }
    int64_t end_at = (s->end & FZ_END_LATE) ? f->now_ms + FZ_LATE_MS : 0;
    (void)btc_fake_set_end(f, fz_end_errors[(s->end & 0x7fu) % fz_nend], end_at);
    if (s->window != 0)
        btc_fake_set_send_window(f, (size_t)s->window * FZ_WINDOW_UNIT);
}

void fz_decode_script(fz_io *in, btc_fake *f)
{
    fz_script s;
    fz_script_codec(in, &s);
    fz_script_apply(&s, f);
}

/* ---- the script from a readable spec (the encoder's side of fz_script_apply) ---------------- */

static int index_of(const int *table, size_t n, int value)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i] == value)
            return (int)i;
    }
    return -1;
}

int fz_timeout_index(int64_t timeout_ms)
{
    for (int i = 0; i < 8; i++) {
        if (fz_timeouts[i] == timeout_ms)
            return i;
    }
    return -1;
}

static bool step_bytes(const fz_step_spec *st, uint8_t out[2], char *why, size_t cap)
{
    int64_t v = st->value;
    int b1 = 0;
    if (st->kind == BTC_FAKE_LIMIT)
        b1 = v >= 0 && v < 64 ? (int)v : -1;
    else if (st->kind == BTC_FAKE_FAIL)
        b1 = index_of(fz_errnos, fz_nerrnos, (int)v);
    else if (st->kind == BTC_FAKE_ADVANCE)
        b1 = v >= 0 && v < 128 ? (int)v : (v % 250 == 0 && v >= 250 && v <= 128 * 250 ? (int)(v / 250 + 127) : -1);
    else if (st->kind == BTC_FAKE_SPURIOUS)
        b1 = v >= 0 && v < 256 ? (int)v : -1;
    if (b1 < 0) {
        (void)snprintf(why, cap, "step value %lld cannot be encoded", (long long)v);
        return false;
    }
    out[0] = (uint8_t)((unsigned)st->op | (unsigned)st->kind << 3);
    out[1] = (uint8_t)b1;
    return true;
}

static bool arrival_bytes(const fz_arrival_spec *a, const fz_arrival_spec *prev, uint8_t out[2], char *why, size_t cap)
{
    size_t step = prev == NULL ? a->offset : a->offset - prev->offset - 1;
    int64_t delay = a->at - (prev == NULL ? 0 : prev->at);
    if ((prev != NULL && a->offset <= prev->offset) || step > 255 || delay < 0 || delay % FZ_DELAY_UNIT != 0 ||
        delay / FZ_DELAY_UNIT > 255) {
        (void)snprintf(why, cap, "arrival (%zu, %lld) cannot be encoded", a->offset, (long long)a->at);
        return false;
    }
    out[0] = (uint8_t)step;
    out[1] = (uint8_t)(delay / FZ_DELAY_UNIT);
    return true;
}

bool fz_script_from_spec(const fz_script_spec *spec, fz_script *s, char *why, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->nsteps = (uint8_t)spec->nsteps;
    for (size_t i = 0; i < spec->nsteps; i++) {
        if (!step_bytes(&spec->steps[i], s->steps[i], why, cap))
            return false;
    }
    if (spec->max_peek > 255 || spec->max_read > 127 || spec->max_send > 255) {
        (void)snprintf(why, cap, "chunks out of range");
        return false;
    }
    s->max_peek = (uint8_t)spec->max_peek;
    s->max_read = (uint8_t)(spec->max_read != 0 ? (FZ_READ_ON | spec->max_read) : 0);
    s->max_send = (uint8_t)spec->max_send;
    s->narrivals = (uint8_t)spec->narrivals;
    for (size_t i = 0; i < spec->narrivals; i++) {
        if (!arrival_bytes(&spec->arrivals[i], i == 0 ? NULL : &spec->arrivals[i - 1], s->arrivals[i], why, cap))
            return false;
    }
    int end = index_of(fz_end_errors, fz_nend, spec->end);
    if (end < 0 || spec->window % FZ_WINDOW_UNIT != 0 || spec->window / FZ_WINDOW_UNIT > 255) {
        (void)snprintf(why, cap, "end %d or window %zu cannot be encoded", spec->end, spec->window);
        return false;
    }
    s->end = (uint8_t)((unsigned)end | (spec->end_late ? FZ_END_LATE : 0u));
    s->window = (uint8_t)(spec->window / FZ_WINDOW_UNIT);
    return true;
}

/* ---- each harness's parameters ---------------------------------------------------------------- */

void fz_recv_params_codec(fz_io *io, fz_recv_params *p)
{
    fz_u8(io, &p->term);
    fz_u16(io, &p->md);
    fz_u8(io, &p->opt);
}

void fz_send_params_codec(fz_io *io, fz_send_params *p) { fz_u8(io, &p->opt); }

size_t fz_wait_item_count(const fz_wait_params *p) { return (p->mode & 3u) == 1u ? (p->shape & 7u) : 1u; }

void fz_wait_params_codec(fz_io *io, fz_wait_params *p)
{
    fz_u8(io, &p->mode);
    fz_u8(io, &p->shape);
    for (size_t i = 0; i < fz_wait_item_count(p); i++)
        fz_u8(io, &p->items[i]);
}

void fz_errors_params_codec(fz_io *io, fz_errors_params *p)
{
    fz_u32(io, &p->code);
    fz_u32(io, &p->status);
    fz_u16(io, &p->cap);
    fz_u16(io, &p->prefix);
    fz_u8(io, &p->fill);
    fz_u8(io, &p->level);
}

void fz_ops_params_codec(fz_io *io, fz_ops_params *p)
{
    fz_u8(io, &p->op);
    fz_u8(io, &p->opt);
    fz_u16(io, &p->size);
    fz_u8(io, &p->events);
    fz_u8(io, &p->host);
    fz_u8(io, &p->connect);
    fz_u8(io, &p->connect_delay);
    fz_u8(io, &p->resolve);
}

void fz_socks5_params_codec(fz_io *io, fz_socks5_params *p)
{
    fz_u8(io, &p->opt);
    fz_u8(io, &p->host);
}

#define FZ_NAME_255                                                                                        \
    "a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i123456789j123456789" \
    "k123456789l123456789m123456789n123456789o123456789p123456789q123456789r123456789s123456789t123456789" \
    "u123456789v123456789w123456789x123456789y123456789z1234"
const char *const fz_hosts[] = {
    "10.0.0.1",  "node.example",    "::1",       "2001:db8::8:800:200c:417a", "::ffff:192.0.2.1",
    FZ_NAME_255, "1:2:3:4:5:6:7:8", "bad:::name"};
const size_t fz_nhosts = sizeof fz_hosts / sizeof fz_hosts[0];

void fz_reader_params_codec(fz_io *io, fz_reader_params *p)
{
    fz_u8(io, &p->mode);
    fz_u16(io, &p->window);
    fz_u8(io, &p->term);
    fz_u8(io, &p->term2);
    fz_u8(io, &p->ncalls);
    for (unsigned i = 0; i < p->ncalls % (FZ_READER_MAX_CALLS + 1u); i++)
        fz_u8(io, &p->calls[i]);
}

/* ---- checks ---------------------------------------------------------------------------------- */

bool fz_is_transient(int code) { return code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == EINPROGRESS; }

void fz_check_error_record(btc_status st, const btc_error *err)
{
    char why[200];
    const char *problem = kit_record_problem(st, err, 0, why, sizeof why);
    FZ_CHECK(problem == NULL, "%s", problem);
}

bool fz_script_has_zero_peek(const btc_fake *f)
{
    for (size_t i = 0; i < f->step_count; i++) {
        const btc_fake_step *st = &f->steps[i];
        if (st->kind == BTC_FAKE_LIMIT && st->value == 0 && (st->op == BTC_FAKE_PEEK || st->op == BTC_FAKE_ANY))
            return true;
    }
    return false;
}

unsigned long fz_call_bound(const btc_fake *f, size_t bytes)
{
    unsigned long log2 = 1;
    while (((size_t)1 << log2) < bytes + 2 && log2 < 63)
        log2++;
    unsigned long events = (unsigned long)f->step_count + (unsigned long)f->arrival_count + 4;
    /* Chunked transfers may cost one call pair per chunk (peeks, reads or sends, the smallest). */
    size_t chunk = f->max_peek != 0 ? f->max_peek : 512;
    if (f->max_send != 0 && f->max_send < chunk)
        chunk = f->max_send;
    if (f->max_read != 0 && f->max_read < chunk)
        chunk = f->max_read;
    return 8 * events * (log2 + 2) + 4 * (unsigned long)(bytes / chunk + 1);
}

fz_log_record fz_log;

static void fz_log_handler(void *ctx, btc_log_level level, const char *message)
{
    (void)ctx;
    FZ_CHECK(message != NULL, "log message is NULL");
    FZ_CHECK(memchr(message, '\0', 4096) != NULL, "log message not terminated within 4096 bytes");
    switch (level) {
    case BTC_LOG_TRACE:
        fz_log.trace++;
        break;
    case BTC_LOG_DEBUG:
        fz_log.debug++;
        break;
    case BTC_LOG_WARN:
        fz_log.warn++;
        break;
    default:
        FZ_CHECK(0, "log level %d", (int)level);
    }
}

btc_interrupt *fz_interrupt(btc_interrupt *storage, btc_fake *f, bool preset, bool attached)
{
    if ((!preset && !attached) || btc_interrupt_init(storage, NULL) != BTC_OK)
        return NULL;
    if (attached)
        btc_fake_attach_interrupt(f, storage);
    if (preset)
        btc_interrupt_trigger(storage);
    return storage;
}

/* ---- the guard --------------------------------------------------------------------------------- */

static bool stop_due(const fz_guard *g)
{
    return btc_interrupt_is_set(g->intr) || (g->deadline != INT64_MAX && g->f->now_ms >= g->deadline);
}

static const char *slot_what(const btc_sys_call *call)
{
    if (call->slot == BTC_SYS_SLOT_recv)
        return (call->args.recv.flags & MSG_PEEK) != 0 ? "peek" : "read";
    return btc_sys_slot_name(call->slot);
}

/* A wait's timeout fits in the time left. */
static void check_wait_args(const fz_guard *g, const btc_sys_args_wait *a)
{
    FZ_CHECK(!g->no_wait, "wait with the interrupt set or the deadline passed (now %lld, deadline %lld)",
             (long long)g->f->now_ms, (long long)g->deadline);
    /* The descriptors waited on, not the operation's argument: a dial waits on the socket it opened. */
    for (size_t i = 0; g->select_backend && i < a->count; i++) {
        btc_socket_t fd = a->items[i].sock->fd;
        FZ_CHECK(fd == BTC_INVALID_SOCKET || fd < FD_SETSIZE, "wait on descriptor %lld, which select cannot hold",
                 (long long)fd);
    }
    FZ_CHECK(a->timeout_ms >= -1, "wait timeout %d", a->timeout_ms);
    if (g->timeout == BTC_TIMEOUT_INFINITE)
        return;
    int64_t left = g->clock_read ? g->deadline - g->f->now_ms : g->timeout;
    if (left < 0)
        left = 0;
    FZ_CHECK(a->timeout_ms >= 0 && a->timeout_ms <= left, "wait for %d ms with %lld ms left (now %lld, deadline %lld)",
             a->timeout_ms, (long long)left, (long long)g->f->now_ms, (long long)g->deadline);
}

/* Whether the loops must retry a transient error of this slot rather than report it. */
static bool retried_slot(btc_sys_slot slot)
{
    return slot == BTC_SYS_SLOT_send || slot == BTC_SYS_SLOT_sendv || slot == BTC_SYS_SLOT_recv ||
           slot == BTC_SYS_SLOT_wait;
}

/* Before a call: the bound, and what may be called in the current state. */
static void guard_before(fz_guard *g, const btc_sys_call *call)
{
    if (call->slot == BTC_SYS_SLOT_last_error) {
        FZ_CHECK(g->last_failed, "last_error read, but the slot call before it did not fail");
        return;
    }
    g->calls++;
#ifdef FZ_TRACE_CALLS
    fprintf(stderr, "    call %lu: %s (t %lld, intr %d, frozen %d)\n", g->calls, slot_what(call),
            (long long)g->f->now_ms, btc_interrupt_is_set(g->intr), g->frozen);
#endif
    FZ_CHECK(g->calls <= g->limit, "more than %lu slot calls (now %s): the operation does not end", g->limit,
             slot_what(call));
    bool io = retried_slot(call->slot);
    if (io)
        FZ_CHECK(!g->frozen,
                 "%s after a transfer that ended with the interrupt set or the deadline passed (now %lld, "
                 "deadline %lld)",
                 slot_what(call), (long long)g->f->now_ms, (long long)g->deadline);
    if (call->slot == BTC_SYS_SLOT_wait)
        check_wait_args(g, &call->args.wait);
    g->last_failed = false;
}

static void guard_after_recv(fz_guard *g, const btc_sys_call *call)
{
    bool peek = (call->args.recv.flags & MSG_PEEK) != 0;
    btc_ssize_t r = call->result.recv;
    if (peek)
        g->peeks++;
    else
        g->reads++;
    g->last_recv = r;
    g->last_recv_code = call->failed ? call->error : 0;
    if (peek && r == 0)
        g->peek_eof = true;
    if (!peek && r >= 0 && (size_t)r < call->args.recv.len)
        g->short_read = true;
    /* A peek that found data is half a transfer: its read must still follow. A settling read may open the
     * operation (fz_guard_allow_settle). */
    bool settling = g->settle && !peek && g->calls == 1;
    if ((!peek || r <= 0) && stop_due(g) && !settling)
        g->frozen = true;
}

static void guard_after_wait(fz_guard *g, const btc_sys_call *call)
{
    const btc_sys_args_wait *a = &call->args.wait;
    g->waits++;
    g->wait_count = a->count < FZ_GUARD_MAX_ITEMS ? a->count : FZ_GUARD_MAX_ITEMS;
    for (size_t i = 0; i < g->wait_count; i++)
        g->occurred[i] = a->items[i].occurred;
    if (stop_due(g))
        g->no_wait = true;
}

static void guard_now(fz_guard *g, int64_t now)
{
    if (g->clock_read)
        return;
    g->clock_read = true;
    if (g->timeout != BTC_TIMEOUT_INFINITE)
        g->deadline = now > INT64_MAX - 1 - g->timeout ? INT64_MAX - 1 : now + g->timeout;
}

/* After a call: a failure is recorded with its code, and last_error may be read next. */
static void guard_after(fz_guard *g, const btc_sys_call *call)
{
    if (call->slot == BTC_SYS_SLOT_last_error)
        return;
    if (call->failed)
        g->last_failed = true;
    if (call->failed && call->slot == BTC_SYS_SLOT_close)
        g->close_failures++;
    if (call->failed && call->slot != BTC_SYS_SLOT_close) {
        g->failed = true;
        g->fail_code = call->error;
        g->fail_slot = call->slot;
    }
    if (call->slot == BTC_SYS_SLOT_connect) {
        g->connect_pending = call->failed && fz_is_transient(call->error);
        g->so_error_read = false;
    }
    const btc_sys_args_getsockopt *o = &call->args.getsockopt;
    if (call->slot == BTC_SYS_SLOT_getsockopt && !call->failed && o->level == SOL_SOCKET && o->name == SO_ERROR) {
        g->so_error_read = true;
        g->so_error = *(const int *)o->val;
        if (g->so_error != 0) {
            g->failed = true; /* a connect that failed, as SO_ERROR says */
            g->fail_code = g->so_error;
            g->fail_slot = BTC_SYS_SLOT_getsockopt;
        }
    }
    switch (call->slot) {
    case BTC_SYS_SLOT_send:
    case BTC_SYS_SLOT_sendv:
        g->sends++;
        if (call->slot == BTC_SYS_SLOT_send ? call->result.send == 0 : call->result.sendv == 0)
            g->zero_send = true;
        if (stop_due(g))
            g->frozen = true;
        break;
    case BTC_SYS_SLOT_recv:
        guard_after_recv(g, call);
        break;
    case BTC_SYS_SLOT_wait:
        guard_after_wait(g, call);
        break;
    case BTC_SYS_SLOT_now_ms:
        guard_now(g, call->result.now_ms);
        break;
    default:
        g->others++; /* the slots the operations under test never need */
        break;
    }
}

static void guard_hook(void *ctx, btc_sys_call *call)
{
    fz_guard *g = ctx;
    if (call->phase == BTC_SYS_BEFORE)
        guard_before(g, call);
    else
        guard_after(g, call);
}

void fz_guard_init(fz_guard *g, btc_fake *f) { fz_guard_init_over(g, f, btc_fake_sys(f)); }

void fz_guard_init_over(fz_guard *g, btc_fake *f, const btc_sys *inner)
{
    memset(g, 0, sizeof *g);
    btc_error err;
    btc_status st = btc_sys_tap_init(&g->tap, inner, guard_hook, g, &err);
    FZ_CHECK(st == BTC_OK, "the guard's tap: %s", err.message);
    g->f = f;
    g->select_backend = strcmp(btc_wait_backend(), "select") == 0;
    g->deadline = INT64_MAX;
    btc_set_log_handler(fz_log_handler, NULL, BTC_LOG_TRACE);
}

const btc_sys *fz_guard_sys(const fz_guard *g) { return btc_sys_tap_table(&g->tap); }

void fz_guard_sock(fz_guard *g, btc_sock *s, bool high_fd)
{
    btc_fake_sock(g->f, s);
    s->sys = fz_guard_sys(g);
    if (high_fd)
        s->fd = FZ_HIGH_FD;
}

bool fz_unselectable(const fz_guard *g, const btc_sock *s)
{
    return g->select_backend && s->fd != BTC_INVALID_SOCKET && s->fd >= FD_SETSIZE;
}

void fz_guard_begin(fz_guard *g, int64_t timeout, btc_interrupt *intr, bool unselectable, unsigned long bound)
{
    /* Everything from intr on describes one operation. */
    memset(&g->intr, 0, sizeof *g - offsetof(fz_guard, intr));
    g->intr = intr;
    g->timeout = timeout;
    g->start_ms = g->f->now_ms;
    g->deadline = INT64_MAX;
    g->unselectable = unselectable;
    g->limit = bound;
    g->no_wait = btc_interrupt_is_set(intr);
    memset(&fz_log, 0, sizeof fz_log);
}

void fz_guard_allow_settle(fz_guard *g) { g->settle = true; }

/* TIMEOUT only at or after the deadline. */
static void check_timeout(const fz_guard *g)
{
    FZ_CHECK(g->timeout != BTC_TIMEOUT_INFINITE, "TIMEOUT without a timeout");
    int64_t due = g->clock_read ? g->deadline
                                : (g->start_ms > INT64_MAX - 1 - g->timeout ? INT64_MAX - 1 : g->start_ms + g->timeout);
    FZ_CHECK(g->f->now_ms >= due, "TIMEOUT at %lld, before the deadline %lld", (long long)g->f->now_ms, (long long)due);
}

/*
 * The record's code: the failing call's for IO, NO_MEMORY and RESOLVE (a
 * transient one only from a slot no loop retries) and for a thin wrapper's
 * WOULD_BLOCK (a transient one); the proxy's reply code
 * for PROXY (checked by the harnesses that know the reply); else 0.
 */
static void check_code(const fz_guard *g, btc_status st, const btc_error *err)
{
    if (st == BTC_ERR_IO || st == BTC_ERR_NO_MEMORY || st == BTC_ERR_RESOLVE || st == BTC_ERR_WOULD_BLOCK) {
        FZ_CHECK(err->code == g->fail_code, "%s with code %d, the failing call said %d", btc_status_name(st), err->code,
                 g->fail_code);
        if (st == BTC_ERR_WOULD_BLOCK)
            FZ_CHECK(fz_is_transient(err->code), "WOULD_BLOCK for the permanent error %d", err->code);
        else if (st != BTC_ERR_RESOLVE && retried_slot(g->fail_slot))
            FZ_CHECK(!fz_is_transient(err->code), "%s for the transient error %d", btc_status_name(st), err->code);
    } else if (st != BTC_ERR_PROXY) {
        FZ_CHECK(err->code == 0, "%s with code %d", btc_status_name(st), err->code);
    }
}

void fz_guard_end(const fz_guard *g, btc_status st, const btc_error *err)
{
#ifdef FZ_VERBOSE
    /* Built with -DFZ_VERBOSE (make fuzz-explain): what each operation did, for writing scenarios. */
    fprintf(stderr, "  %s: %s [%s] bytes %zu; calls %lu (send %lu peek %lu read %lu wait %lu); t %lld..%lld\n",
            btc_status_name(st) + 4, err ? err->message : "(no record)", err && err->code ? "code" : "-",
            err ? err->bytes : 0, g->calls, g->sends, g->peeks, g->reads, g->waits, (long long)g->start_ms,
            (long long)g->f->now_ms);
#endif
    if (err != NULL) {
        fz_check_error_record(st, err);
        check_code(g, st, err);
    }
    FZ_CHECK(g->others == 0 || g->others_allowed, "%lu calls of slots the operation has no use for", g->others);
    if (st == BTC_ERR_TIMEOUT)
        check_timeout(g);
    if (st == BTC_ERR_INTERRUPTED)
        FZ_CHECK(btc_interrupt_is_set(g->intr), "INTERRUPTED without a set interrupt");
    if (st == BTC_ERR_IO || st == BTC_ERR_NO_MEMORY || st == BTC_ERR_RESOLVE)
        FZ_CHECK(g->failed, "%s but no slot call failed", btc_status_name(st));
    if (st == BTC_ERR_NO_MEMORY)
        FZ_CHECK(g->fail_code == ENOMEM, "NO_MEMORY after error %d", g->fail_code);
    if (st == BTC_ERR_NOT_SELECTABLE)
        FZ_CHECK(g->unselectable, "NOT_SELECTABLE for a descriptor the backend can hold");
    if (st == BTC_OK && g->connect_pending)
        FZ_CHECK(g->so_error_read && g->so_error == 0, "OK for a connect in progress whose SO_ERROR %s %d",
                 g->so_error_read ? "said" : "was never read, not even", g->so_error);
    if (g->unlogged) {
        FZ_CHECK(fz_log.trace + fz_log.debug + fz_log.warn == 0, "a thin wrapper logged");
        return;
    }
    FZ_CHECK(fz_log.trace + fz_log.debug == 1 && fz_log.warn == g->close_failures,
             "%lu trace, %lu debug and %lu warn log messages for one result and %lu failed closes", fz_log.trace,
             fz_log.debug, fz_log.warn, g->close_failures);
    FZ_CHECK((st == BTC_OK) == (fz_log.trace == 1), "result %s logged at the wrong level", btc_status_name(st));
}
