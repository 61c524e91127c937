/* SPDX-License-Identifier: MIT */
/*
 * src/fake/net.c - btc_fake_net: several fakes behind one table, told apart
 * by their descriptors, on one virtual clock.
 *
 * A call on a socket goes to the member fake with that descriptor, through
 * the member's own table (so its script, its record and its trace apply as
 * they would alone); the network only keeps the clocks together and carries
 * bytes between connected pairs. The calls that name no socket (open,
 * socketpair, wait, the clock, the resolver) belong to the host: a fake of
 * the network's own whose clock is the network's and whose script steps
 * apply to them. A wait over several members is the network's: readiness
 * per member by fake.c's rules, and the clock moved to the next event of any
 * member, so one member's arrival wakes a wait on another.
 *
 * A pair is two members whose sends become each other's input: the bytes a
 * fake's peer receives are replied by the partner (btc_fake_reply), each
 * side's send window is what the partner has not read yet, below the pair's
 * window, and a close or shutdown of one side ends the other's input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"

typedef struct net_member {
    btc_fake *f;
    btc_fake *partner; /* NULL unless paired */
    size_t window;     /* a pair's window: the most bytes in flight towards the partner */
    bool waited;       /* seen once in the current wait's items */
    bool false_ready;  /* its step in the current wait was FALSE_READY */
} net_member;

struct btc_fake_net {
    btc_sys sys;          /* ctx = this network */
    btc_fake host;        /* its clock is the network's; its steps apply to the network's own calls */
    btc_fake_vec members; /* net_member */
    btc_fake_vec opens;   /* btc_fake *: what the next open hands out, in order */
    size_t open_next;     /* the first not yet handed out */
    int last_error;       /* of the last failed call, whichever fake failed it */
    btc_status status;    /* BTC_ERR_NO_MEMORY once bytes between a pair could not be carried */
};

static btc_fake_net *net_of(void *ctx) { return (btc_fake_net *)ctx; }

static net_member *members(const btc_fake_net *n) { return (net_member *)n->members.data; }

static net_member *member_by_fd(const btc_fake_net *n, btc_socket_t fd)
{
    for (size_t i = 0; i < n->members.len; i++) {
        if (members(n)[i].f->fd == fd)
            return &members(n)[i];
    }
    return NULL;
}

static net_member *member_by_fake(const btc_fake_net *n, const btc_fake *f)
{
    for (size_t i = 0; i < n->members.len; i++) {
        if (members(n)[i].f == f)
            return &members(n)[i];
    }
    return NULL;
}

/* Bytes the fake has been sent (by its partner) and not read yet. */
static size_t unread(const btc_fake *f) { return f->in_len > f->consumed ? f->in_len - f->consumed : 0; }

/* Every member on the network's clock, and each paired side's window what its partner has room for. */
static void sync_all(btc_fake_net *n)
{
    for (size_t i = 0; i < n->members.len; i++) {
        net_member *m = &members(n)[i];
        btc_fake__set_now(m->f, n->host.now_ms);
        if (m->partner != NULL) {
            size_t pending = unread(m->partner);
            size_t room = m->window > pending ? m->window - pending : 0;
            m->f->send_window = room > SIZE_MAX - m->f->sent ? SIZE_MAX : m->f->sent + room;
        }
    }
}

/* A member's clock may have jumped (an ADVANCE step): the network's follows. */
static void clock_follows(btc_fake_net *n, const btc_fake *f) { btc_fake__set_now(&n->host, f->now_ms); }

/* ---- calls on a socket: the member's own table --------------------------------------------------- */

static net_member *net_enter(btc_fake_net *n, btc_socket_t s)
{
    net_member *m = member_by_fd(n, s);
    if (m == NULL) {
        n->last_error = EBADF; /* no fake has this descriptor */
        return NULL;
    }
    sync_all(n);
    return m;
}

/* After a call: the error, the clock, and what a close or a shutdown means to a partner. */
static void net_leave(btc_fake_net *n, net_member *m, btc_sys_slot slot, bool failed)
{
    if (failed)
        n->last_error = m->f->last_error;
    clock_follows(n, m->f);
    if (m->partner == NULL)
        return;
    if (slot == BTC_SYS_SLOT_close)
        btc_fake_peer_close(m->partner); /* reads drain what was sent, then EOF; sends fail */
    else if (slot == BTC_SYS_SLOT_shutdown && m->f->shut_wr)
        (void)btc_fake_set_end(m->partner, 0, n->host.now_ms); /* EOF once the partner read the rest */
}

#define NET_FAILED_SOCKET BTC_INVALID_SOCKET
#define NET_FAILED_NEGATIVE (-1)

/* The NOLINT: name is a member's name, which cannot be parenthesised. */
#define NET_GEN_SOCK(ret, name, fails, n, params)                                                         \
    static ret net_##name(void *ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_DECL, n, params))                        \
    {                                                                                                     \
        btc_fake_net *net = net_of(ctx);                                                                  \
        net_member *m = net_enter(net, s);                                                                \
        if (m == NULL)                                                                                    \
            return (ret)NET_FAILED_##fails;                                                               \
        ret r = m->f->sys.name(m->f->sys.ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_NAME, n, params)); /* NOLINT */ \
        net_leave(net, m, BTC_SYS_SLOT_##name, BTC_SYS_FAILED(fails, r));                                 \
        return r;                                                                                         \
    }

/* The host's own table: the clock and the resolver, its steps and its trace. */
#define NET_GEN_HOST(ret, name, fails, n, params)                                                                 \
    static ret net_##name(void *ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_DECL, n, params))                                \
    {                                                                                                             \
        btc_fake_net *net = net_of(ctx);                                                                          \
        ret r = net->host.sys.name(net->host.sys.ctx BTC_SYS_PARAMS(BTC_SYS_PARAM_NAME, n, params)); /* NOLINT */ \
        net->last_error = net->host.last_error;                                                                   \
        return r;                                                                                                 \
    }

#define NET_GEN_OWN(ret, name, fails, n, params) /* written out below */

/* Which slots name a socket (every one whose first parameter is `s`); a new slot must be placed here. */
#define NET_KIND_open OWN
#define NET_KIND_socketpair OWN
#define NET_KIND_close SOCK
#define NET_KIND_send SOCK
#define NET_KIND_recv SOCK
#define NET_KIND_connect SOCK
#define NET_KIND_bind SOCK
#define NET_KIND_listen SOCK
#define NET_KIND_accept SOCK
#define NET_KIND_getsockopt SOCK
#define NET_KIND_setsockopt SOCK
#define NET_KIND_getsockname SOCK
#define NET_KIND_set_non_blocking SOCK
#define NET_KIND_wait OWN
#define NET_KIND_last_error OWN
#define NET_KIND_now_ms HOST
#define NET_KIND_shutdown SOCK
#define NET_KIND_sendv SOCK
#define NET_KIND_resolve HOST

#define NET_CAT(a, b) NET_CAT_(a, b)
#define NET_CAT_(a, b) a##b
#define NET_GEN(since, ret, name, fails, n, params) NET_CAT(NET_GEN_, NET_KIND_##name)(ret, name, fails, n, params)
BTC_SYS_SLOTS(NET_GEN)
#undef NET_GEN

/* ---- the network's own calls --------------------------------------------------------------------- */

/* The host's step for one of the network's own calls; true when it must fail (last_error set). */
static bool host_fails(btc_fake_net *n, btc_fake_op op)
{
    btc_fake__action a = btc_fake__take_step(&n->host, op);
    if (a.kind != BTC_FAKE_FAIL)
        return false;
    n->last_error = (int)a.value;
    return true;
}

/* The next fake queued for an open, its own open called (its script, its trace); NULL with EMFILE when none. */
static btc_fake *open_next(btc_fake_net *n, int domain, int type, int protocol)
{
    if (n->open_next >= n->opens.len) {
        n->last_error = EMFILE; /* nothing queued: as a process out of descriptors */
        return NULL;
    }
    btc_fake *f = ((btc_fake **)n->opens.data)[n->open_next++];
    sync_all(n);
    btc_socket_t fd = f->sys.open(f->sys.ctx, domain, type, protocol);
    clock_follows(n, f);
    if (fd == BTC_INVALID_SOCKET) {
        n->last_error = f->last_error;
        return NULL;
    }
    return f;
}

static btc_socket_t net_open(void *ctx, int domain, int type, int protocol)
{
    btc_fake_net *n = net_of(ctx);
    if (host_fails(n, BTC_FAKE_OTHER))
        return BTC_INVALID_SOCKET;
    btc_fake *f = open_next(n, domain, type, protocol);
    return f != NULL ? f->fd : BTC_INVALID_SOCKET;
}

enum { NET_DEFAULT_WINDOW = 65536 };

/* The next two queued fakes, connected to each other. */
static int net_socketpair(void *ctx, btc_socket_t out[2])
{
    btc_fake_net *n = net_of(ctx);
    if (host_fails(n, BTC_FAKE_OTHER))
        return -1;
    btc_fake *a = open_next(n, AF_UNIX, SOCK_STREAM, 0);
    btc_fake *b = a != NULL ? open_next(n, AF_UNIX, SOCK_STREAM, 0) : NULL;
    if (b == NULL)
        return -1;
    if (btc_fake_net_pair(n, a, b, NET_DEFAULT_WINDOW) != BTC_OK) {
        n->last_error = EINVAL; /* one of them was paired already or has input of its own */
        return -1;
    }
    out[0] = a->fd;
    out[1] = b->fd;
    return 0;
}

static int net_last_error(void *ctx) { return net_of(ctx)->last_error; }

/* ---- a wait over several members ----------------------------------------------------------------- */

/* What the wait's steps say: the host's and each item's fake's (each fake once; FALSE_READY marks the member). */
typedef struct net_wait_plan {
    bool failed;      /* a FAIL step was taken ... */
    int fail;         /* ... with this code */
    int64_t spurious; /* the shortest SPURIOUS cap, or -1 */
} net_wait_plan;

static void plan_step(net_wait_plan *p, btc_fake__action a)
{
    if (a.kind == BTC_FAKE_FAIL && !p->failed) {
        p->failed = true;
        p->fail = (int)a.value;
    }
    if (a.kind == BTC_FAKE_SPURIOUS && (p->spurious < 0 || a.value < p->spurious))
        p->spurious = a.value < 0 ? 0 : a.value;
}

static net_wait_plan plan_wait(btc_fake_net *n, const btc_wait_item *items, size_t count)
{
    net_wait_plan p = {false, 0, -1};
    for (size_t i = 0; i < n->members.len; i++)
        members(n)[i].false_ready = false;
    plan_step(&p, btc_fake__take_step(&n->host, BTC_FAKE_WAIT));
    for (size_t i = 0; i < count; i++) {
        net_member *m = member_by_fd(n, items[i].sock->fd);
        if (m == NULL || m->waited)
            continue;
        m->waited = true;
        btc_fake__action a = btc_fake__take_step(m->f, BTC_FAKE_WAIT);
        plan_step(&p, a);
        m->false_ready = a.kind == BTC_FAKE_FALSE_READY;
    }
    for (size_t i = 0; i < n->members.len; i++)
        members(n)[i].waited = false;
    return p;
}

/* An unknown descriptor reads as poll's POLLNVAL: ERR. */
static int net_readiness(const btc_fake_net *n, btc_wait_item *items, size_t count)
{
    int ready = 0;
    for (size_t i = 0; i < count; i++) {
        const net_member *m = member_by_fd(n, items[i].sock->fd);
        if (m == NULL)
            items[i].occurred = BTC_EV_ERR;
        else if (m->false_ready)
            items[i].occurred = items[i].requested & (BTC_EV_RECV | BTC_EV_SEND);
        else
            items[i].occurred = btc_fake__events(m->f, items[i].requested);
        ready += items[i].occurred != 0;
    }
    return ready;
}

static bool net_woken(const btc_fake_net *n, btc_socket_t wake)
{
    for (size_t i = 0; i < n->members.len; i++) {
        const btc_fake *f = members(n)[i].f;
        if (wake != BTC_INVALID_SOCKET && f->intr != NULL && wake == btc_interrupt_wake_descriptor(f->intr))
            return btc_interrupt_is_set(f->intr);
    }
    return btc_fake__woken(&n->host, wake);
}

static int64_t net_next_event(const btc_fake_net *n)
{
    int64_t next = btc_fake__next_event(&n->host);
    for (size_t i = 0; i < n->members.len; i++) {
        int64_t t = btc_fake__next_event(members(n)[i].f);
        next = t < next ? t : next;
    }
    return next;
}

/* Nothing will ever happen: every fake waited on gives up, rather than the wait blocking forever. */
static void net_give_up(btc_fake_net *n, const btc_wait_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        net_member *m = member_by_fd(n, items[i].sock->fd);
        if (m != NULL)
            btc_fake__give_up(m->f);
    }
}

static void net_clock_to(btc_fake_net *n, int64_t t)
{
    btc_fake__set_now(&n->host, t);
    sync_all(n);
}

/* The wait proper, once the steps are known: readiness now, else the clock runs to the next event or the end. */
static int net_wait_run(btc_fake_net *n, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    int64_t now = n->host.now_ms;
    int64_t target = timeout_ms < 0 || now > INT64_MAX - timeout_ms ? INT64_MAX : now + timeout_ms;
    for (;;) {
        if (net_woken(n, wake))
            return 1;
        int ready = net_readiness(n, items, count);
        if (ready > 0 || n->host.now_ms >= target)
            return ready;
        int64_t next = net_next_event(n);
        if (timeout_ms < 0 && next == INT64_MAX) {
            net_give_up(n, items, count);
            return net_readiness(n, items, count);
        }
        if (next > target) {
            net_clock_to(n, target);
            return 0;
        }
        net_clock_to(n, next); /* an event of any member: it may be one of ours */
    }
}

/* The host's trace records the network's waits (the members' record their own calls). */
static void trace_wait(btc_fake_net *n, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms, int r)
{
    if (!n->host.tracing)
        return;
    btc_sys_call c;
    memset(&c, 0, sizeof c);
    c.slot = BTC_SYS_SLOT_wait;
    c.phase = BTC_SYS_AFTER;
    btc_sys_args_wait a = {n, items, count, wake, timeout_ms};
    c.args.wait = a;
    c.result.wait = r;
    c.failed = r < 0;
    c.error = r < 0 ? n->last_error : 0;
    btc_fake__trace_record(&n->host, &c);
}

static int net_wait(void *ctx, btc_wait_item *items, size_t count, btc_socket_t wake, int timeout_ms)
{
    btc_fake_net *n = net_of(ctx);
    int requested_timeout = timeout_ms;
    sync_all(n);
    for (size_t i = 0; i < count; i++)
        items[i].occurred = 0;
    net_wait_plan p = plan_wait(n, items, count);
    int r;
    if (p.failed) {
        n->last_error = p.fail;
        r = -1;
    } else {
        if (p.spurious >= 0 && (timeout_ms < 0 || p.spurious < timeout_ms))
            timeout_ms = (int)p.spurious; /* what is ready still is; else it returns 0 early */
        r = net_wait_run(n, items, count, wake, timeout_ms);
    }
    trace_wait(n, items, count, wake, requested_timeout, r);
    return r;
}

/* ---- carrying bytes between a pair --------------------------------------------------------------- */

/* The pair is broken for good: both sides' input ends with ENOMEM, both sides' sends fail. */
static void pair_breaks(btc_fake_net *n, btc_fake *a, btc_fake *b)
{
    n->status = BTC_ERR_NO_MEMORY;
    btc_fake_peer_close(a);
    btc_fake_peer_close(b);
    a->end_error = ENOMEM;
    b->end_error = ENOMEM;
}

static void carry(btc_fake *f, const uint8_t *data, size_t len, size_t offset, void *user)
{
    (void)offset;
    btc_fake_net *n = (btc_fake_net *)user;
    net_member *m = member_by_fake(n, f);
    if (m == NULL || m->partner == NULL)
        return;
    /* CLOSED: the partner's side is gone, and bytes sent to it are lost as on a real network. */
    if (btc_fake_reply(m->partner, data, len, 0) == BTC_ERR_NO_MEMORY)
        pair_breaks(n, f, m->partner);
}

/* ---- set-up -------------------------------------------------------------------------------------- */

btc_fake_net *btc_fake_net_new(void)
{
    btc_fake_net *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    btc_fake_init(&n->host);
    btc_sys table = BTC_FAKE__TABLE(n, net);
    n->sys = table;
    n->status = BTC_OK;
    return n;
}

void btc_fake_net_free(btc_fake_net *n)
{
    if (n == NULL)
        return;
    btc_fake__vec_free(&n->host, &n->members, sizeof(net_member));
    btc_fake__vec_free(&n->host, &n->opens, sizeof(btc_fake *));
    btc_fake_free(&n->host);
    free(n);
}

const btc_sys *btc_fake_net_sys(btc_fake_net *n) { return n != NULL ? &n->sys : NULL; }

btc_fake *btc_fake_net_host(btc_fake_net *n) { return n != NULL ? &n->host : NULL; }

btc_status btc_fake_net_status(const btc_fake_net *n) { return n != NULL ? n->status : BTC_ERR_INVALID_ARGUMENT; }

btc_status btc_fake_net_add(btc_fake_net *n, btc_fake *f, btc_sock *s)
{
    if (n == NULL || f == NULL || f->fd == BTC_INVALID_SOCKET || member_by_fd(n, f->fd) != NULL ||
        member_by_fake(n, f) != NULL)
        return BTC_ERR_INVALID_ARGUMENT;
    btc_status st = btc_fake__reserve(&n->host, &n->members, sizeof(net_member), 1);
    if (st != BTC_OK)
        return st;
    net_member m = {f, NULL, 0, false, false};
    members(n)[n->members.len++] = m;
    btc_fake__set_now(f, n->host.now_ms);
    clock_follows(n, f); /* a fake set up ahead of the network's clock brings it along */
    if (s != NULL) {
        s->fd = f->fd;
        s->sys = &n->sys;
    }
    return BTC_OK;
}

/* Input, a conversation or a send callback of its own: what a pair would use. */
static bool has_own_input(const btc_fake *f)
{
    return f->in != NULL || f->conv_expect.len > 0 || f->conv_events.len > 0 || f->on_send != NULL;
}

btc_status btc_fake_net_pair(btc_fake_net *n, btc_fake *a, btc_fake *b, size_t window)
{
    net_member *ma = n != NULL ? member_by_fake(n, a) : NULL;
    net_member *mb = n != NULL ? member_by_fake(n, b) : NULL;
    if (ma == NULL || mb == NULL || ma == mb || ma->partner != NULL || mb->partner != NULL || window == 0)
        return BTC_ERR_INVALID_ARGUMENT;
    if (has_own_input(a) || has_own_input(b))
        return BTC_ERR_INVALID_ARGUMENT; /* each one's input is the other's sends */
    ma->partner = b;
    ma->window = window;
    mb->partner = a;
    mb->window = window;
    (void)btc_fake_set_end(a, 0, INT64_MAX); /* input ends when the partner closes, not before */
    (void)btc_fake_set_end(b, 0, INT64_MAX);
    btc_fake_on_send(a, carry, n);
    btc_fake_on_send(b, carry, n);
    sync_all(n);
    return BTC_OK;
}

btc_status btc_fake_net_on_open(btc_fake_net *n, btc_fake *f)
{
    if (n == NULL || member_by_fake(n, f) == NULL)
        return BTC_ERR_INVALID_ARGUMENT;
    btc_status st = btc_fake__reserve(&n->host, &n->opens, sizeof(btc_fake *), 1);
    if (st != BTC_OK)
        return st;
    ((btc_fake **)n->opens.data)[n->opens.len++] = f;
    return BTC_OK;
}
