/* SPDX-License-Identifier: MIT */
/*
 * src/fake/trace.c - the fake's trace: every slot call in order, with the
 * numbers a test asserts on (lengths, flags, result, error, virtual time),
 * in storage that grows as needed. fake.c's generated wrappers hand each
 * call here as a tap's hook would see it after the call.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "fake_internal.h"

static size_t iov_bytes(const btc_iovec *iov, size_t iovcnt)
{
    size_t n = 0;
    for (size_t i = 0; i < iovcnt; i++)
        n += iov[i].len;
    return n;
}

/* The slot-specific numbers of a call: its length, its flags (or what stands for them) and its result. */
static void describe(const btc_sys_call *c, btc_fake_call *out)
{
    switch (c->slot) {
#define FAKE_CASE(slot_name, len_expr, flags_expr)                                           \
    case BTC_SYS_SLOT_##slot_name:                                                           \
        out->len = (size_t)(len_expr);                                                       \
        out->flags = (int)(flags_expr);                                                      \
        out->result = (int64_t)c->result.slot_name; /* NOLINT(bugprone-macro-parentheses) */ \
        break;
        FAKE_CASE(open, 0, c->args.open.type)
        FAKE_CASE(socketpair, 0, 0)
        FAKE_CASE(close, 0, 0)
        FAKE_CASE(send, c->args.send.len, c->args.send.flags)
        FAKE_CASE(recv, c->args.recv.len, c->args.recv.flags)
        FAKE_CASE(connect, c->args.connect.len, 0)
        FAKE_CASE(bind, c->args.bind.len, 0)
        FAKE_CASE(listen, 0, c->args.listen.backlog)
        FAKE_CASE(accept, 0, 0)
        FAKE_CASE(getsockopt, c->args.getsockopt.len != NULL ? *c->args.getsockopt.len : 0, c->args.getsockopt.name)
        FAKE_CASE(setsockopt, c->args.setsockopt.len, c->args.setsockopt.name)
        FAKE_CASE(getsockname, 0, 0)
        FAKE_CASE(set_non_blocking, 0, 0)
        FAKE_CASE(wait, c->args.wait.count, c->args.wait.timeout_ms)
        FAKE_CASE(last_error, 0, 0)
        FAKE_CASE(now_ms, 0, 0)
        FAKE_CASE(shutdown, 0, c->args.shutdown.how)
        FAKE_CASE(sendv, iov_bytes(c->args.sendv.iov, c->args.sendv.iovcnt), c->args.sendv.flags)
        FAKE_CASE(resolve, c->args.resolve.cap, 0)
#undef FAKE_CASE
    default:
        break;
    }
}

void btc_fake__trace_record(btc_fake *f, const btc_sys_call *c)
{
    if (btc_fake__reserve(f, &f->trace, sizeof(btc_fake_call), 1) != BTC_OK) {
        f->trace_status = BTC_ERR_NO_MEMORY;
        f->tracing = false; /* a trace with a hole would mislead: it stops at the first lost call */
        return;
    }
    btc_fake_call rec = {.slot = c->slot, .error = c->error, .at_ms = f->now_ms};
    describe(c, &rec);
    ((btc_fake_call *)f->trace.data)[f->trace.len++] = rec;
}

btc_status btc_fake_trace_start(btc_fake *f)
{
    if (f == NULL)
        return BTC_ERR_INVALID_ARGUMENT;
    f->tracing = true;
    return BTC_OK;
}

void btc_fake_trace_stop(btc_fake *f) { f->tracing = false; }

void btc_fake_trace_clear(btc_fake *f)
{
    f->trace.len = 0;
    f->trace_status = BTC_OK;
}

size_t btc_fake_trace_count(const btc_fake *f) { return f->trace.len; }

const btc_fake_call *btc_fake_trace_at(const btc_fake *f, size_t i)
{
    return i < f->trace.len ? &((const btc_fake_call *)f->trace.data)[i] : NULL;
}

btc_status btc_fake_trace_status(const btc_fake *f) { return f->trace_status; }

/* Appends to buf[0..cap) at *pos, as snprintf would; *pos counts the full length even when truncated. */
BTC_PRINTF(4, 5) static void appendf(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*pos < cap ? buf + *pos : NULL, *pos < cap ? cap - *pos : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n;
}

size_t btc_fake_call_format(const btc_fake_call *c, char *buf, size_t cap)
{
    size_t pos = 0;
    if (cap > 0)
        buf[0] = '\0';
    const char *name = btc_sys_slot_name(c->slot);
    switch (c->slot) {
    case BTC_SYS_SLOT_send:
    case BTC_SYS_SLOT_recv:
    case BTC_SYS_SLOT_sendv:
        appendf(buf, cap, &pos, "%s len=%zu flags=0x%x", name, c->len, (unsigned)c->flags);
        break;
    case BTC_SYS_SLOT_wait:
        appendf(buf, cap, &pos, "wait items=%zu timeout=%d", c->len, c->flags);
        break;
    default:
        appendf(buf, cap, &pos, "%s", name);
        if (c->len != 0 || c->flags != 0)
            appendf(buf, cap, &pos, " len=%zu arg=%d", c->len, c->flags);
        break;
    }
    appendf(buf, cap, &pos, " -> %" PRId64, c->result);
    if (c->error != 0 && c->slot == BTC_SYS_SLOT_resolve) {
        appendf(buf, cap, &pos, " (resolver error %d)", c->error);
    } else if (c->error != 0) {
        char text[128];
        appendf(buf, cap, &pos, " (%s)", btc_network_error_string(c->error, text, sizeof text));
    }
    appendf(buf, cap, &pos, " @%" PRId64 "ms", c->at_ms);
    return pos;
}

bool btc_fake_trace_print(const btc_fake *f, FILE *out)
{
    char line[256];
    bool ok = true;
    for (size_t i = 0; i < f->trace.len; i++) {
        (void)btc_fake_call_format(btc_fake_trace_at(f, i), line, sizeof line);
        ok = fprintf(out, "%4zu %s\n", i, line) > 0 && ok;
    }
    if (f->trace_status != BTC_OK)
        ok = fprintf(out, "     (trace stopped: %s)\n", btc_status_message(f->trace_status)) > 0 && ok;
    return ok;
}
