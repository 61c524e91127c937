/* SPDX-License-Identifier: MIT */
/*
 * tests/test_edges.c - the corners the main suites do not reach, found with
 * `make coverage`: the fake's "other" slots and its closed-descriptor
 * behaviour, tables that break their contract (a slot reporting more bytes
 * than it was given -> BTC_ERR_PROTOCOL), descriptors no backend can wait on
 * (-> BTC_ERR_NOT_SELECTABLE on every path that waits), an accept slot that
 * hands back such a descriptor, NULL guards, strict UTF-8 second-byte ranges,
 * and btc__fail's truncation of long messages.
 *
 * Portable: no POSIX call here (those corners are in test_limits.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"
#include "internal.h"

TestSuite(edges, .timeout = 30);

/* A descriptor value no backend can watch (poll: negative; select: negative too). */
#define EDGE_BAD_FD ((btc_socket_t)-2)

/* ---- the fake's other slots, through the thin wrappers ---------------------------- */

Test(edges, fake_other_slots_succeed_through_the_thin_wrappers)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    struct sockaddr_storage ss;
    memset(&ss, 0x77, sizeof ss);
    socklen_t alen = (socklen_t)sizeof ss;
    btc_error err;
    TS_ASSERT_STATUS(btc_sock_connect(&s, (struct sockaddr *)&ss, alen, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_bind(&s, (struct sockaddr *)&ss, alen, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_listen(&s, 5, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_set_non_blocking(&s, &err), BTC_OK, &err);
    int one = 1;
    TS_ASSERT_STATUS(btc_sock_set_sock_opt(&s, SOL_SOCKET, SO_KEEPALIVE, &one, (socklen_t)sizeof one, &err), BTC_OK,
                     &err);
    int val = 12345;
    socklen_t vlen = (socklen_t)sizeof val;
    TS_ASSERT_STATUS(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_ERROR, &val, &vlen, &err), BTC_OK, &err);
    cr_assert_eq(val, 0, "fake options read as zeros (SO_ERROR: no error), got %d", val);
    TS_ASSERT_STATUS(btc_sock_get_sock_name(&s, (struct sockaddr *)&ss, &alen, &err), BTC_OK, &err);
    const unsigned char *raw = (const unsigned char *)&ss;
    for (size_t i = 0; i < (size_t)alen; i++) {
        cr_assert_eq(raw[i], 0, "fake name byte %zu is 0x%02x, expected 0", i, raw[i]);
    }
    TS_ASSERT_SZ(fs_calls(&f, BTC_FAKE_OTHER), 7, "OTHER calls");
    TS_ASSERT_SZ(fs_calls(&f, BTC_FAKE_ANY), 7, "all calls");
}

Test(edges, fake_other_slots_fail_as_scripted)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t alen = (socklen_t)sizeof ss;
    int val = 0;
    socklen_t vlen = (socklen_t)sizeof val;
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ECONNREFUSED);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EINPROGRESS);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EADDRINUSE);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EOPNOTSUPP);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ENOPROTOOPT);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EINVAL);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ENOBUFS);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EBADF);
    btc_error err;
    btc_status st = btc_sock_connect(&s, (struct sockaddr *)&ss, alen, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, ECONNREFUSED, "connect code %d", err.code);
    st = btc_sock_connect(&s, (struct sockaddr *)&ss, alen, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_WOULD_BLOCK, &err);
    cr_assert_eq(err.code, EINPROGRESS, "connect in progress code %d", err.code);
    st = btc_sock_bind(&s, (struct sockaddr *)&ss, alen, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EADDRINUSE, "bind code %d", err.code);
    st = btc_sock_listen(&s, 1, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EOPNOTSUPP, "listen code %d", err.code);
    st = btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_ERROR, &val, &vlen, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, ENOPROTOOPT, "getsockopt code %d", err.code);
    st = btc_sock_set_sock_opt(&s, SOL_SOCKET, SO_ERROR, &val, vlen, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EINVAL, "setsockopt code %d", err.code);
    st = btc_sock_get_sock_name(&s, (struct sockaddr *)&ss, &alen, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, ENOBUFS, "getsockname code %d", err.code);
    st = btc_sock_set_non_blocking(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EBADF, "set_non_blocking code %d", err.code);
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "steps left");
}

Test(edges, fake_accept_would_block_and_inherits_the_table)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_sock out = {123, NULL};
    btc_error err;
    btc_status st = btc_sock_accept(&s, NULL, NULL, &out, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_WOULD_BLOCK, &err);
    cr_assert_eq(err.code, EAGAIN, "nobody connects to a fake: code %d", err.code);
    cr_assert(btc_sock_is_empty(&out), "out holds %d after a failed accept", (int)out.fd);
    cr_assert_eq(out.sys, btc_fake_sys(&f), "out does not inherit the listener's table");
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EMFILE);
    st = btc_sock_accept(&s, NULL, NULL, &out, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EMFILE, "scripted accept failure code %d", err.code);
}

Test(edges, accept_address_without_length_is_invalid_argument)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    struct sockaddr_storage ss;
    btc_sock out = BTC_SOCK_INIT;
    btc_error err;
    btc_status st = btc_sock_accept(&s, (struct sockaddr *)&ss, NULL, &out, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    cr_assert(btc_sock_is_empty(&out), "out not empty");
    TS_ASSERT_SZ(fs_calls(&f, BTC_FAKE_ANY), 0, "slot calls for a refused accept");
}

Test(edges, fake_open_and_socketpair_slots)
{
    btc_fake f;
    btc_fake_init(&f);
    const btc_sys *t = btc_fake_sys(&f);
    cr_assert_eq(t->open(t->ctx, AF_INET, SOCK_STREAM, 0), (btc_socket_t)BTC_FAKE_FD, "open slot");
    btc_socket_t pair[2] = {BTC_INVALID_SOCKET, BTC_INVALID_SOCKET};
    cr_assert_eq(t->socketpair(t->ctx, pair), 0, "socketpair slot");
    cr_assert_eq(pair[0], (btc_socket_t)BTC_FAKE_FD, "pair[0] %d", (int)pair[0]);
    cr_assert_eq(pair[1], (btc_socket_t)(BTC_FAKE_FD + 1), "pair[1] %d", (int)pair[1]);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EMFILE);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ENFILE);
    cr_assert_eq(t->open(t->ctx, AF_INET, SOCK_STREAM, 0), BTC_INVALID_SOCKET, "scripted open failure");
    cr_assert_eq(t->last_error(t->ctx), EMFILE, "open last_error %d", t->last_error(t->ctx));
    cr_assert_eq(t->socketpair(t->ctx, pair), -1, "scripted socketpair failure");
    cr_assert_eq(t->last_error(t->ctx), ENFILE, "socketpair last_error %d", t->last_error(t->ctx));
    TS_ASSERT_SZ(fs_calls(&f, BTC_FAKE_OTHER), 4, "OTHER calls");
}

/* After the library closed the fake's descriptor, a stale copy of the handle sees what a closed fd gives. */
Test(edges, fake_after_close_is_ebadf_everywhere)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "data\n", 5);
    btc_fake_set_end(&f, 0, FS_NEVER);
    btc_sock stale = s;
    btc_error err;
    TS_ASSERT_STATUS(btc_sock_reset(&s, &err), BTC_OK, &err);
    cr_assert(f.closed, "the fake did not record the close");

    char buf[16];
    size_t n = 99;
    btc_status st = btc_sock_recv(&stale, buf, sizeof buf, 0, &n, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EBADF, "recv after close: code %d", err.code);
    TS_ASSERT_SZ(n, 0, "recv after close: bytes");
    st = btc_sock_send(&stale, "x", 1, 0, &n, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EBADF, "send after close: code %d", err.code);
    st = btc_sock_is_connected(&stale, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EBADF, "is_connected after close: code %d", err.code);
    int val;
    socklen_t vlen = (socklen_t)sizeof val;
    st = btc_sock_get_sock_opt(&stale, SOL_SOCKET, SO_ERROR, &val, &vlen, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EBADF, "getsockopt after close: code %d", err.code);
    /* A wait reports the dead descriptor as an error event, as poll reports POLLNVAL. */
    btc_events occ = 0;
    st = btc_sock_wait(&stale, 100, BTC_EV_RECV, &occ, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert_eq(occ, BTC_EV_ERR, "wait after close: occurred 0x%x, expected ERR only", occ);
    char line[16];
    size_t len = 99;
    st = btc_sock_recv_until_terminator(&stale, '\n', 100, NULL, sizeof line, line, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EBADF, "recv_until after close: code %d", err.code);
    TS_ASSERT_SZ(len, 0, "recv_until after close: *len");
    TS_ASSERT_SZ(f.consumed, 0, "nothing consumed after close");
    st = btc_sock_send_complete(&stale, "abc", 3, 100, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EBADF, "send_complete after close: code %d", err.code);
    TS_ASSERT_SZ(err.bytes, 0, "send_complete after close: bytes");
}

Test(edges, zero_length_transfers_through_the_fake)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    char buf[4];
    size_t n = 99;
    btc_error err;
    btc_status st = btc_sock_recv(&s, buf, 0, 0, &n, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(n, 0, "recv of 0 bytes");
    TS_ASSERT_SZ(f.consumed, 0, "consumed by a 0-byte recv");
    n = 99;
    st = btc_sock_send(&s, "x", 0, 0, &n, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    TS_ASSERT_SZ(n, 0, "send of 0 bytes");
    TS_ASSERT_SZ(f.sent, 0, "sent by a 0-byte send");
}

/* A wait that includes an interrupt the fake does not know asks the OS about its wake descriptor. */
Test(edges, fake_wait_with_a_foreign_interrupt)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_interrupt mine, other;
    btc_error err;
    cr_assert_eq(btc_interrupt_init(&mine, &err), BTC_OK, "init: %s", err.message);
    cr_assert_eq(btc_interrupt_init(&other, &err), BTC_OK, "init: %s", err.message);
    btc_fake_attach_interrupt(&f, &mine);
    btc_events occ = 0;
    btc_status st = btc_sock_wait(&s, 50, BTC_EV_RECV, &occ, &other, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert_eq(occ, BTC_EV_RECV, "occurred 0x%x", occ);
    /* And with no data: the foreign interrupt's descriptor is quiet, the virtual time runs out. */
    btc_fake f2;
    btc_sock s2;
    fs_setup(&f2, &s2);
    btc_fake_set_end(&f2, 0, FS_NEVER);
    st = btc_sock_wait(&s2, 50, BTC_EV_RECV, &occ, &other, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    TS_ASSERT_I64(f2.now_ms, FS_T0 + 50, "virtual clock after the timeout");
    btc_interrupt_destroy(&mine);
    btc_interrupt_destroy(&other);
}

/* A peer declared gone by an endless SEND wait also ends the reading side. */
Test(edges, fake_gone_peer_reads_as_eof)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_end(&f, 0, FS_NEVER);
    btc_fake_set_send_window(&f, 0);
    btc_events occ = 0;
    btc_error err;
    btc_status st = btc_sock_wait(&s, BTC_TIMEOUT_INFINITE, BTC_EV_SEND, &occ, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert(f.gone, "an endless wait with nothing to come did not declare the peer gone");
    cr_assert_eq(occ, BTC_EV_SEND | BTC_EV_ERR, "occurred 0x%x", occ);
    st = btc_sock_is_connected(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &err);
    char line[8];
    size_t len = 99;
    st = btc_sock_recv_until_terminator(&s, '\n', 100, NULL, sizeof line, line, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &err);
    TS_ASSERT_SZ(len, 0, "*len");
}

Test(edges, fake_null_and_empty_setters)
{
    btc_fake_init(NULL); /* documented as harmless */
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[4];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_output(&f, NULL, 100);
    TS_ASSERT_SZ(f.out_cap, 0, "out_cap with no buffer");
    cr_assert_null(f.out, "out");
    btc_fake_set_input(&f, NULL, 10);
    TS_ASSERT_SZ(f.in_len, 0, "in_len with no input");
    btc_error err;
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "abcd", 4, 100, NULL, &err), BTC_OK, &err);
    TS_ASSERT_SZ(f.sent, 4, "sent with no record");
}

/* ---- tables that break their contract ------------------------------------------------- */

/* A tap over a fake whose hook makes the slots named below break their contract. */
typedef struct liar {
    btc_sys_tap tap;
    btc_fake *f;
    bool send_lies, peek_lies, read_lies; /* claim one byte more than they were given */
    btc_socket_t accept_fd;               /* what accept returns */
    int closes;                           /* close calls, and the last descriptor closed */
    btc_socket_t closed_fd;
} liar;

static void liar_before(liar *l, btc_sys_call *call)
{
    if (call->slot == BTC_SYS_SLOT_accept) {
        call->skip = true;
        call->result.accept = l->accept_fd;
    } else if (call->slot == BTC_SYS_SLOT_close) {
        call->skip = true;
        call->result.close = 0;
        l->closes++;
        l->closed_fd = call->args.close.s;
    }
}

static void liar_hook(void *ctx, btc_sys_call *call)
{
    liar *l = ctx;
    if (call->phase == BTC_SYS_BEFORE) {
        liar_before(l, call);
    } else if (call->slot == BTC_SYS_SLOT_send && l->send_lies && call->result.send >= 0) {
        call->result.send = (btc_ssize_t)call->args.send.len + 1;
    } else if (call->slot == BTC_SYS_SLOT_recv && call->result.recv > 0) {
        bool lie = (call->args.recv.flags & MSG_PEEK) != 0 ? l->peek_lies : l->read_lies;
        if (lie)
            call->result.recv = (btc_ssize_t)call->args.recv.len + 1;
    }
}

/* A fresh fake behind a liar, and s pointing at the liar. */
static void liar_setup(liar *l, btc_fake *f, btc_sock *s)
{
    btc_fake_init(f);
    memset(l, 0, sizeof *l);
    l->f = f;
    l->accept_fd = BTC_INVALID_SOCKET;
    cr_assert_eq(btc_sys_tap_init(&l->tap, btc_fake_sys(f), liar_hook, l, NULL), BTC_OK);
    s->fd = (btc_socket_t)BTC_FAKE_FD;
    s->sys = btc_sys_tap_table(&l->tap);
}

Test(edges, thin_wrappers_refuse_a_slot_claiming_too_many_bytes)
{
    btc_fake f;
    liar l;
    btc_sock s;
    liar_setup(&l, &f, &s);
    btc_fake_set_input(&f, "abcdef", 6);
    l.send_lies = true;
    l.read_lies = true;
    size_t n = 99;
    btc_error err;
    btc_status st = btc_sock_send(&s, "xyz", 3, 0, &n, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_PROTOCOL, &err);
    TS_ASSERT_SZ(n, 0, "send: *sent after a lie");
    cr_assert(fs_msg_has_number(err.message, 4), "message \"%s\" does not give the claimed count", err.message);
    char buf[4];
    n = 99;
    st = btc_sock_recv(&s, buf, sizeof buf, 0, &n, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_PROTOCOL, &err);
    TS_ASSERT_SZ(n, 0, "recv: *received after a lie");
}

Test(edges, send_complete_refuses_a_send_claiming_too_many_bytes)
{
    btc_fake f;
    liar l;
    btc_sock s;
    liar_setup(&l, &f, &s);
    uint8_t out[64];
    btc_fake_set_output(&f, out, sizeof out);
    btc_fake_set_chunks(&f, 0, 0, 4);
    btc_error err;
    /* Honest sends first (4, 4, 2 bytes), then a call whose sends lie. */
    btc_status st = btc_sock_send_complete(&s, "0123456789", 10, 1000, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    l.send_lies = true;
    st = btc_sock_send_complete(&s, "0123456789", 10, 1000, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_PROTOCOL, &err);
    TS_ASSERT_SZ(err.bytes, 0, "bytes before the lie");
    cr_assert_eq(err.code, 0, "code %d", err.code);
}

/* recv_until_terminator over a liar whose peek or read claims one byte more than it was given. */
static btc_status lying_line(bool peek_lies, btc_fake *f, char *buf, size_t cap, size_t *len, btc_error *err)
{
    liar l;
    btc_sock s;
    liar_setup(&l, f, &s);
    btc_fake_set_input(f, "hello\n", 6);
    l.peek_lies = peek_lies;
    l.read_lies = !peek_lies;
    *len = 99;
    return btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, cap, buf, len, 0, err);
}

Test(edges, recv_until_refuses_a_peek_claiming_too_many_bytes)
{
    btc_fake f;
    char buf[32];
    size_t len;
    btc_error err;
    TS_ASSERT_STATUS(lying_line(true, &f, buf, sizeof buf, &len, &err), BTC_ERR_PROTOCOL, &err);
    TS_ASSERT_SZ(len, 0, "*len");
    TS_ASSERT_SZ(err.bytes, 0, "err.bytes");
    TS_ASSERT_SZ(f.consumed, 0, "consumed after a lying peek");
}

Test(edges, recv_until_refuses_a_read_claiming_too_many_bytes)
{
    btc_fake f;
    char buf[32];
    size_t len;
    btc_error err;
    TS_ASSERT_STATUS(lying_line(false, &f, buf, sizeof buf, &len, &err), BTC_ERR_PROTOCOL, &err);
    TS_ASSERT_SZ(len, err.bytes, "*len vs err.bytes");
    cr_assert_eq(buf[len], '\0', "buf[*len] not NUL");
}

Test(edges, accept_refuses_a_descriptor_the_backend_cannot_watch)
{
    btc_fake f;
    liar l;
    btc_sock s;
    liar_setup(&l, &f, &s);
    l.accept_fd = EDGE_BAD_FD;
    btc_sock out = {77, NULL};
    btc_error err;
    btc_status st = btc_sock_accept(&s, NULL, NULL, &out, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_NOT_SELECTABLE, &err);
    cr_assert(btc_sock_is_empty(&out), "out holds %d", (int)out.fd);
    cr_assert_eq(l.closes, 1, "the refused descriptor was closed %d times", l.closes);
    cr_assert_eq(l.closed_fd, EDGE_BAD_FD, "closed %d instead of the refused descriptor", (int)l.closed_fd);
    cr_assert(strstr(err.message, btc_wait_backend()) != NULL, "message \"%s\" does not name the backend", err.message);
    /* And a watchable one is adopted, with the listener's table. */
    l.accept_fd = (btc_socket_t)(BTC_FAKE_FD + 5);
    st = btc_sock_accept(&s, NULL, NULL, &out, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert_eq(out.fd, (btc_socket_t)(BTC_FAKE_FD + 5), "accepted fd %d", (int)out.fd);
    cr_assert_eq(out.sys, btc_sys_tap_table(&l.tap), "accepted socket does not inherit the table");
}

/* ---- descriptors no backend can wait on ------------------------------------------------ */

Test(edges, wait_on_an_unwatchable_descriptor_is_not_selectable)
{
    btc_sock s;
    btc_sock_from_fd(&s, EDGE_BAD_FD);
    btc_events occ = 0xff;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 10, BTC_EV_RECV, &occ, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_NOT_SELECTABLE, &err);
    cr_assert_eq(occ, 0, "occurred 0x%x", occ);
    cr_assert(strstr(err.message, btc_wait_backend()) != NULL, "message \"%s\"", err.message);

    btc_sock a, b;
    cr_assert_eq(btc_make_socket_pair(&a, &b, &err), BTC_OK, "socket pair: %s", err.message);
    btc_wait_item items[2] = {{&a, BTC_EV_SEND, 0xff}, {&s, BTC_EV_RECV, 0xff}};
    st = btc_wait_many(items, 2, 10, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_NOT_SELECTABLE, &err);
    cr_assert_eq(items[0].occurred, 0, "item 0 occurred 0x%x", items[0].occurred);
    cr_assert_eq(items[1].occurred, 0, "item 1 occurred 0x%x", items[1].occurred);
    btc_sock_reset(&a, NULL);
    btc_sock_reset(&b, NULL);
}

Test(edges, recv_until_that_must_wait_on_an_unwatchable_descriptor)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "abc", 3);
    btc_fake_set_end(&f, 0, FS_NEVER);
    s.fd = EDGE_BAD_FD; /* the fake ignores the value; the wait loop does not */
    char buf[16];
    size_t len = 99;
    btc_error err;
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof buf, buf, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_NOT_SELECTABLE, &err);
    TS_ASSERT_SZ(len, 3, "*len (the bytes read before it had to wait)");
    TS_ASSERT_SZ(err.bytes, 3, "err.bytes");
    TS_ASSERT_SZ(f.consumed, 3, "consumed");
    cr_assert_str_eq(buf, "abc", "buf \"%s\"", buf);
    cr_assert(strstr(err.message, btc_wait_backend()) != NULL, "message \"%s\"", err.message);
}

Test(edges, send_complete_that_must_wait_on_an_unwatchable_descriptor)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    uint8_t out[8];
    btc_fake_set_output(&f, out, sizeof out);
    s.fd = EDGE_BAD_FD;
    btc_error err;
    btc_status st = btc_sock_send_complete(&s, "0123456789abcdef", 16, 1000, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_NOT_SELECTABLE, &err);
    TS_ASSERT_SZ(err.bytes, 8, "err.bytes (the window)");
    TS_ASSERT_SZ(f.sent, 8, "sent");
    cr_assert(fs_msg_has_number(err.message, 8) && fs_msg_has_number(err.message, 16), "message \"%s\"", err.message);
}

/* ---- NULL guards and broken tables ---------------------------------------------------------- */

Test(edges, ownership_functions_accept_null)
{
    btc_sock_init(NULL);
    btc_sock_from_fd(NULL, 3);
    btc_sock_set_sys(NULL, NULL);
    cr_assert_eq(btc_sock_release(NULL), BTC_INVALID_SOCKET, "release(NULL)");
    cr_assert_eq(btc_sock_get(NULL), BTC_INVALID_SOCKET, "get(NULL)");
    cr_assert(btc_sock_is_empty(NULL), "is_empty(NULL)");
    cr_assert_not(btc_sock_is_selectable(NULL), "is_selectable(NULL)");
}

Test(edges, reset_through_a_broken_table_still_empties)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_sys broken = f.sys;
    broken.version = BTC_SYS_VERSION + 1;
    s.sys = &broken;
    btc_error err;
    btc_status st = btc_sock_reset(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    cr_assert(btc_sock_is_empty(&s), "s not empty after a refused reset");
    cr_assert_not(f.closed, "a broken table was used to close");
}

Test(edges, wait_many_with_null_err)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_input(&f, "x", 1);
    btc_wait_item item = {&s, BTC_EV_RECV, 0};
    cr_assert_eq(btc_wait_many(&item, 1, 100, NULL, NULL), BTC_OK, "wait_many with err NULL");
    cr_assert_eq(item.occurred, BTC_EV_RECV, "occurred 0x%x", item.occurred);
    cr_assert_eq(btc_wait_many(NULL, 3, 100, NULL, NULL), BTC_ERR_INVALID_ARGUMENT, "NULL items, count 3");
}

/* ---- strict UTF-8: both edges of every restricted second-byte range -------------------------- */

typedef struct utf8_case {
    const char *bytes;
    bool valid;
} utf8_case;

Test(edges, utf8_second_byte_ranges)
{
    static const utf8_case cases[] = {
        {"\xe0\x9f\x80", false}, /* E0: below A0 is an overlong form */
        {"\xe0\xa0\x80", true},      {"\xe0\xbf\xbf", true},
        {"\xe0\xc0\x80", false}, /* E0: above BF is no continuation */
        {"\xed\x7f\x80", false}, /* ED: below 80 */
        {"\xed\x80\x80", true},      {"\xed\x9f\xbf", true},
        {"\xed\xa0\x80", false},     /* ED: A0.. is a surrogate */
        {"\xf0\x8f\x80\x80", false}, /* F0: below 90 is overlong */
        {"\xf0\x90\x80\x80", true},  {"\xf0\xbf\xbf\xbf", true},
        {"\xf0\xc0\x80\x80", false}, /* F0: above BF */
        {"\xf4\x7f\x80\x80", false}, /* F4: below 80 */
        {"\xf4\x80\x80\x80", true},  {"\xf4\x8f\xbf\xbf", true},
        {"\xf4\x90\x80\x80", false}, /* F4: 90.. is above U+10FFFF */
        {"\xc2\x7f", false},         /* any other lead: below 80 */
        {"\xc2\xc0", false},         /* any other lead: above BF */
        {"\xe1\x80\x7f", false},     /* a bad third byte */
        {"\xf1\x80\x80\xc0", false}, /* a bad fourth byte */
        {"\xf5\x80\x80\x80", false}, /* a lead past F4 */
        {"\xe1\x80", false},         /* truncated */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char in[16];
        size_t n = strlen(cases[i].bytes);
        memcpy(in, "a", 1);
        memcpy(in + 1, cases[i].bytes, n);
        in[n + 1] = '\n';
        btc_fake f;
        btc_sock s;
        fs_setup(&f, &s);
        btc_fake_set_input(&f, in, n + 2);
        char buf[16];
        size_t len = 99;
        btc_error err;
        btc_status st = btc_sock_recv_until_terminator(&s, '\n', 100, NULL, sizeof buf, buf, &len, BTC_RECV_UTF8, &err);
        cr_assert_eq(st, cases[i].valid ? BTC_OK : BTC_ERR_INVALID_UTF8, "case %zu: %s (\"%s\")", i,
                     btc_status_name(st), err.message);
        TS_ASSERT_SZ(f.consumed, n + 2, "consumed (the whole line either way)");
        TS_ASSERT_SZ(len, cases[i].valid ? n + 1 : n + 2, "*len");
        cr_assert_eq(btc__utf8_valid((const uint8_t *)cases[i].bytes, n), cases[i].valid, "btc__utf8_valid case %zu",
                     i);
    }
}

/* ---- btc__fail: long messages are cut, never overflow ------------------------------------------ */

Test(edges, fail_truncates_long_messages)
{
    char long_text[400];
    memset(long_text, 'm', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    btc_error err;
    memset(&err, 0x5a, sizeof err);
    btc_status st = btc__fail(&err, BTC_ERR_IO, ECONNRESET, 7, "%s", long_text);
    cr_assert_eq(st, BTC_ERR_IO, "status");
    cr_assert_eq(err.status, BTC_ERR_IO, "err.status");
    cr_assert_eq(err.code, ECONNRESET, "err.code");
    TS_ASSERT_SZ(err.bytes, 7, "err.bytes");
    TS_ASSERT_SZ(strlen(err.message), BTC_ERROR_MESSAGE_MAX - 1, "message length");

    /* Room for the text but not for all of ": <system message> (<code>)": cut, still terminated. */
    long_text[BTC_ERROR_MESSAGE_MAX - 10] = '\0';
    memset(&err, 0x5a, sizeof err);
    btc__fail(&err, BTC_ERR_IO, ECONNRESET, 0, "%s", long_text);
    TS_ASSERT_SZ(strlen(err.message), BTC_ERROR_MESSAGE_MAX - 1, "message length with the code cut");
    cr_assert_eq(memcmp(err.message + BTC_ERROR_MESSAGE_MAX - 10, ": ", 2), 0, "separator missing: \"%s\"",
                 err.message + BTC_ERROR_MESSAGE_MAX - 12);

    /* Exactly full: no separator squeezed in. */
    long_text[BTC_ERROR_MESSAGE_MAX - 10] = 'm';
    long_text[BTC_ERROR_MESSAGE_MAX - 2] = '\0';
    memset(&err, 0x5a, sizeof err);
    btc__fail(&err, BTC_ERR_IO, ECONNRESET, 0, "%s", long_text);
    TS_ASSERT_SZ(strlen(err.message), BTC_ERROR_MESSAGE_MAX - 2, "message length when only the text fits");
    cr_assert_eq(btc__fail(NULL, BTC_ERR_TIMEOUT, 0, 0, "x"), BTC_ERR_TIMEOUT, "btc__fail(NULL, ...)");
}

/* ---- argument corners ------------------------------------------------------------------------ */

Test(edges, argument_corners_of_the_thin_wrappers)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_error err;
    size_t n = 99;
    /* NULL data or buffer is fine with a zero length. */
    TS_ASSERT_STATUS(btc_sock_send(&s, NULL, 0, 0, &n, &err), BTC_OK, &err);
    TS_ASSERT_SZ(n, 0, "send(NULL, 0)");
    n = 99;
    TS_ASSERT_STATUS(btc_sock_recv(&s, NULL, 0, 0, &n, &err), BTC_OK, &err);
    TS_ASSERT_SZ(n, 0, "recv(NULL, 0)");
    TS_ASSERT_STATUS(btc_sock_set_sock_opt(&s, SOL_SOCKET, SO_KEEPALIVE, NULL, 0, &err), BTC_OK, &err);
    /* One socket given twice to make_socket_pair. */
    btc_sock a = {77, NULL};
    TS_ASSERT_STATUS(btc_make_socket_pair(&a, &a, &err), BTC_ERR_INVALID_ARGUMENT, &err);
    cr_assert_eq(a.fd, 77, "a refused pair touched its argument");
    /* A descriptor no backend can watch is not selectable. */
    btc_sock bad;
    btc_sock_from_fd(&bad, EDGE_BAD_FD);
    cr_assert_not(btc_sock_is_selectable(&bad), "fd -2 reported selectable");
    cr_assert(btc_sock_is_selectable(&s), "the fake's descriptor reported not selectable");
}

Test(edges, wait_refuses_unknown_event_bits)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_events occ = 0xff;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 10, (btc_events)(BTC_EV_RECV | 0x80), &occ, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    cr_assert_eq(occ, 0, "occurred 0x%x", occ);
    btc_wait_item item = {&s, (btc_events)(BTC_EV_SEND | 0x10), 0xff};
    st = btc_wait_many(&item, 1, 10, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_INVALID_ARGUMENT, &err);
    cr_assert_eq(item.occurred, 0, "occurred 0x%x", item.occurred);
    TS_ASSERT_SZ(fs_calls(&f, BTC_FAKE_ANY), 0, "slot calls for refused waits");
}

Test(edges, fake_close_failure_still_releases)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EIO);
    btc_error err;
    btc_status st = btc_sock_reset(&s, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EIO, "code %d", err.code);
    cr_assert(btc_sock_is_empty(&s), "s not empty after a failed close");
    cr_assert(f.closed, "a failed close must still release the descriptor");
}

/* ---- a clock whose origin is 0 (the slot allows any origin) ----------------------------------- */

/* A tap that moves the fake's clock to start at 0. */
static void zclock_hook(void *ctx, btc_sys_call *call)
{
    (void)ctx;
    if (call->phase == BTC_SYS_AFTER && call->slot == BTC_SYS_SLOT_now_ms)
        call->result.now_ms -= FS_T0;
}

Test(edges, deadlines_on_a_clock_starting_at_zero)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_end(&f, 0, FS_NEVER);
    btc_sys_tap z;
    cr_assert_eq(btc_sys_tap_init(&z, btc_fake_sys(&f), zclock_hook, NULL, NULL), BTC_OK);
    btc_sock s = {(btc_socket_t)BTC_FAKE_FD, btc_sys_tap_table(&z)};
    btc_error err;
    /* A huge finite timeout is neither "already passed" nor lost: the wait ends when the data comes. */
    btc_fake_set_input(&f, "abc", 3);
    fs_arrive(&f, 0, FS_T0 + 100);
    btc_events occ = 0;
    btc_status st = btc_sock_wait(&s, INT64_MAX - 1, BTC_EV_RECV, &occ, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_OK, &err);
    cr_assert_eq(occ, BTC_EV_RECV, "occurred 0x%x", occ);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 100, "virtual clock when the data came");
    /* And an ordinary one times out on time. */
    btc_fake_init(&f);
    btc_fake_set_end(&f, 0, FS_NEVER);
    st = btc_sock_wait(&s, 250, BTC_EV_RECV, NULL, NULL, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_TIMEOUT, &err);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 250, "virtual clock after a 250 ms timeout");
}
