/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake_trace.c - the fake's trace (btc_fake_trace_*): every slot
 * call in order with its lengths, flags, result and error; growable storage;
 * a clear status when it cannot grow; the printed form.
 */
#define _POSIX_C_SOURCE 200809L /* EAI_* */

#include <errno.h>

#include "fake_support.h"

TestSuite(trace, .timeout = 20);

static const btc_fake_call *at(const btc_fake *f, size_t i)
{
    const btc_fake_call *c = btc_fake_trace_at(f, i);
    cr_assert_not_null(c, "record %zu of %zu", i, btc_fake_trace_count(f));
    return c;
}

/* Asserts the printed trace contains needle (through tmpfile: portable C, Windows included). */
static void assert_printed(const btc_fake *f, const char *needle)
{
    static char text[8192];
    FILE *out = tmpfile();
    cr_assert_not_null(out);
    cr_assert(btc_fake_trace_print(f, out));
    rewind(out);
    size_t n = fread(text, 1, sizeof text - 1, out);
    text[n] = '\0';
    cr_assert_eq(fclose(out), 0);
    cr_assert_not_null(strstr(text, needle), "no \"%s\" in:\n%s", needle, text);
}

Test(trace, nothing_is_recorded_until_started)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    fs_setup(&f, &s);
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "abc", 3, 1000, NULL, &err), BTC_OK, &err);
    cr_assert_eq(btc_fake_trace_count(&f), 0);
    cr_assert_null(btc_fake_trace_at(&f, 0));
    cr_assert_eq(btc_fake_trace_status(&f), BTC_OK);
    cr_assert_eq(btc_fake_trace_start(NULL), BTC_ERR_INVALID_ARGUMENT);
    btc_fake_free(&f);
}

Test(trace, a_short_send_then_a_timed_out_read_in_order)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char buf[8];
    fs_setup(&f, &s);
    btc_fake_set_end(&f, 0, FS_NEVER);
    fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_LIMIT, 2);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);

    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "hello", 5, 1000, NULL, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, buf, 4, 300, NULL, &err), BTC_ERR_TIMEOUT, &err);

    /* Find the two sends and the failed read among whatever clock reads the library made. */
    size_t sends = 0, eagain_reads = 0, timed_out_waits = 0;
    size_t first_send = SIZE_MAX, first_read = SIZE_MAX;
    for (size_t i = 0; i < btc_fake_trace_count(&f); i++) {
        const btc_fake_call *c = at(&f, i);
        if (c->slot == BTC_SYS_SLOT_send) {
            first_send = first_send == SIZE_MAX ? i : first_send;
            cr_assert(c->flags & BTC_MSG_DONTWAIT, "flags 0x%x", (unsigned)c->flags);
            cr_assert_eq(c->len, sends == 0 ? 5 : 3, "send %zu asked for %zu bytes", sends, c->len);
            cr_assert_eq(c->result, sends == 0 ? 2 : 3);
            cr_assert_eq(c->error, 0);
            sends++;
        } else if (c->slot == BTC_SYS_SLOT_recv && c->result == -1) {
            first_read = first_read == SIZE_MAX ? i : first_read;
            cr_assert(c->error == EAGAIN || c->error == EWOULDBLOCK, "error %d", c->error);
            eagain_reads++;
        } else if (c->slot == BTC_SYS_SLOT_wait && c->result == 0) {
            cr_assert_eq(c->len, 1, "one item");
            cr_assert_eq(c->at_ms, FS_T0 + 300, "the wait ran out at the deadline");
            timed_out_waits++;
        }
        cr_assert_neq(c->slot, BTC_SYS_SLOT_last_error, "last_error is not recorded");
    }
    cr_assert_eq(sends, 2);
    cr_assert_geq(eagain_reads, 1);
    cr_assert_eq(timed_out_waits, 1);
    cr_assert_lt(first_send, first_read, "in call order");
    cr_assert_eq(btc_fake_trace_count(&f), f.calls[BTC_FAKE_ANY], "every counted call is recorded");
    cr_assert_eq(btc_fake_trace_status(&f), BTC_OK);
    btc_fake_free(&f);
}

Test(trace, other_slots_record_their_arguments_and_errors)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    const btc_sys *sys = btc_fake_sys(&f);
    fs_push(&f, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ECONNREFUSED);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    cr_assert_eq(sys->connect(sys->ctx, BTC_FAKE_FD, (struct sockaddr *)&ss, 16), -1);
    btc_iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    cr_assert_eq(sys->sendv(sys->ctx, BTC_FAKE_FD, iov, 2, BTC_MSG_DONTWAIT), 5);
    cr_assert_eq(sys->shutdown(sys->ctx, BTC_FAKE_FD, BTC_SHUT_WR), 0);
    btc_addr out[2];
    size_t n = 0;
    cr_assert_neq(sys->resolve(sys->ctx, "h", "1", out, 2, &n), 0);

    cr_assert_eq(btc_fake_trace_count(&f), 4);
    const btc_fake_call *c = at(&f, 0);
    cr_assert_eq(c->slot, BTC_SYS_SLOT_connect);
    cr_assert_eq(c->len, 16);
    cr_assert_eq(c->result, -1);
    cr_assert_eq(c->error, ECONNREFUSED);
    c = at(&f, 1);
    cr_assert_eq(c->slot, BTC_SYS_SLOT_sendv);
    cr_assert_eq(c->len, 5, "all pieces");
    cr_assert_eq(c->result, 5);
    c = at(&f, 2);
    cr_assert_eq(c->slot, BTC_SYS_SLOT_shutdown);
    cr_assert_eq(c->flags, BTC_SHUT_WR);
    cr_assert_eq(c->error, 0);
    c = at(&f, 3);
    cr_assert_eq(c->slot, BTC_SYS_SLOT_resolve);
    cr_assert_eq(c->len, 2, "cap");
    cr_assert_eq(c->error, EAI_NONAME, "the resolver's own code");
    btc_fake_free(&f);
}

Test(trace, stop_keeps_the_records_clear_forgets_them)
{
    btc_fake f;
    btc_fake_init(&f);
    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    (void)sys->now_ms(sys->ctx);
    btc_fake_trace_stop(&f);
    (void)sys->now_ms(sys->ctx);
    cr_assert_eq(btc_fake_trace_count(&f), 1);
    cr_assert_eq(at(&f, 0)->slot, BTC_SYS_SLOT_now_ms);
    cr_assert_eq(at(&f, 0)->result, FS_T0);
    btc_fake_trace_clear(&f);
    cr_assert_eq(btc_fake_trace_count(&f), 0);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    (void)sys->now_ms(sys->ctx);
    cr_assert_eq(btc_fake_trace_count(&f), 1);
    btc_fake_free(&f);
}

Test(trace, a_long_trace_grows_without_a_cap)
{
    btc_fake f;
    btc_fake_init(&f);
    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    enum { CALLS = 100000 };
    for (size_t i = 0; i < CALLS; i++)
        (void)sys->now_ms(sys->ctx);
    cr_assert_eq(btc_fake_trace_count(&f), CALLS);
    cr_assert_eq(btc_fake_trace_status(&f), BTC_OK);
    cr_assert_eq(at(&f, CALLS - 1)->slot, BTC_SYS_SLOT_now_ms);
    btc_fake_free(&f);
    cr_assert_eq(btc_fake_trace_count(&f), 0);
    cr_assert_eq(f.mem_used, 0);
}

Test(trace, running_out_of_memory_stops_the_trace_with_a_status)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_memory_limit(&f, 20 * sizeof(btc_fake_call));
    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    for (int i = 0; i < 50; i++)
        (void)sys->now_ms(sys->ctx);
    cr_assert_eq(btc_fake_trace_status(&f), BTC_ERR_NO_MEMORY);
    cr_assert_eq(btc_fake_trace_count(&f), 20, "every record that fit, then none: no hole");
    cr_assert_not(f.tracing);
    cr_assert_eq(f.calls[BTC_FAKE_CLOCK], 50, "the counters go on");

    assert_printed(&f, "trace stopped: out of memory");
    btc_fake_free(&f);
}

Test(trace, printed_lines_name_the_slot_lengths_flags_result_and_error)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_end(&f, 0, FS_NEVER);
    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    char buf[4];
    cr_assert_eq(sys->recv(sys->ctx, BTC_FAKE_FD, buf, sizeof buf, MSG_PEEK), -1);
    cr_assert_eq(sys->send(sys->ctx, BTC_FAKE_FD, "hey", 3, 0), 3);

    char line[256];
    size_t n = btc_fake_call_format(at(&f, 0), line, sizeof line);
    cr_assert_eq(n, strlen(line));
    char want[64];
    snprintf(want, sizeof want, "recv len=4 flags=0x%x -> -1 (", (unsigned)MSG_PEEK);
    cr_assert_not_null(strstr(line, want), "%s", line);
    cr_assert_not_null(strstr(line, "@1000ms"), "%s", line);
    (void)btc_fake_call_format(at(&f, 1), line, sizeof line);
    cr_assert_str_eq(line, "send len=3 flags=0x0 -> 3 @1000ms");

    char tiny[8];
    cr_assert_eq(btc_fake_call_format(at(&f, 1), tiny, sizeof tiny), strlen("send len=3 flags=0x0 -> 3 @1000ms"));
    cr_assert_str_eq(tiny, "send le", "truncated, NUL-terminated");

    assert_printed(&f, "   1 send len=3 flags=0x0 -> 3 @1000ms\n");
    btc_fake_free(&f);
}

Test(trace, a_conversation_traced_end_to_end)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char got[4];
    fs_setup(&f, &s);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    cr_assert_eq(btc_fake_expect(&f, "ping", 4), BTC_OK);
    cr_assert_eq(btc_fake_reply(&f, "pong", 4, 20), BTC_OK);
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "ping", 4, 1000, NULL, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, got, 4, 1000, NULL, &err), BTC_OK, &err);
    /* The last recv got the reply after the wait that moved the clock to its arrival. */
    size_t last = btc_fake_trace_count(&f) - 1;
    while (last > 0 && at(&f, last)->slot != BTC_SYS_SLOT_recv)
        last--;
    cr_assert_eq(at(&f, last)->result, 4);
    cr_assert_eq(at(&f, last)->at_ms, FS_T0 + 20);
    btc_fake_free(&f);
}

/* Every slot through the traced table: each record names its slot and formats as one line, whatever the buffer. */
Test(trace, every_slot_is_recorded_and_formatted)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    const btc_sys *sys = btc_fake_sys(&f);
    void *ctx = sys->ctx;
    btc_socket_t fds[2];
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    socklen_t len = (socklen_t)sizeof addr;
    int val = 1;
    socklen_t vlen = (socklen_t)sizeof val;
    char buf[8];
    btc_addr answers[2];
    size_t count = 0;
    btc_iovec iov[1] = {{"ab", 2}};
    btc_socket_t fd = sys->open(ctx, AF_INET, SOCK_STREAM, 0);
    (void)sys->socketpair(ctx, fds);
    (void)sys->bind(ctx, fd, (const struct sockaddr *)&addr, len);
    (void)sys->listen(ctx, fd, 5);
    (void)sys->accept(ctx, fd, (struct sockaddr *)&addr, &len);
    (void)sys->getsockopt(ctx, fd, SOL_SOCKET, SO_RCVBUF, &val, &vlen);
    (void)sys->setsockopt(ctx, fd, SOL_SOCKET, SO_RCVBUF, &val, vlen);
    (void)sys->getsockname(ctx, fd, (struct sockaddr *)&addr, &len);
    (void)sys->set_non_blocking(ctx, fd);
    (void)sys->connect(ctx, fd, (const struct sockaddr *)&addr, len);
    (void)sys->send(ctx, fd, "x", 1, 0);
    (void)sys->sendv(ctx, fd, iov, 1, 0);
    (void)sys->recv(ctx, fd, buf, sizeof buf, 0);
    (void)sys->wait(ctx, NULL, 0, BTC_INVALID_SOCKET, 0);
    (void)sys->shutdown(ctx, fd, BTC_SHUT_WR);
    (void)sys->resolve(ctx, "nowhere.example", "1", answers, 2, &count);
    (void)sys->now_ms(ctx);
    (void)sys->last_error(ctx); /* not recorded: each failed call carries its reason */
    (void)sys->close(ctx, fd);
    const btc_sys_slot want[] = {BTC_SYS_SLOT_open,       BTC_SYS_SLOT_socketpair,  BTC_SYS_SLOT_bind,
                                 BTC_SYS_SLOT_listen,     BTC_SYS_SLOT_accept,      BTC_SYS_SLOT_getsockopt,
                                 BTC_SYS_SLOT_setsockopt, BTC_SYS_SLOT_getsockname, BTC_SYS_SLOT_set_non_blocking,
                                 BTC_SYS_SLOT_connect,    BTC_SYS_SLOT_send,        BTC_SYS_SLOT_sendv,
                                 BTC_SYS_SLOT_recv,       BTC_SYS_SLOT_wait,        BTC_SYS_SLOT_shutdown,
                                 BTC_SYS_SLOT_resolve,    BTC_SYS_SLOT_now_ms,      BTC_SYS_SLOT_close};
    size_t n = sizeof want / sizeof want[0];
    cr_assert_eq(btc_fake_trace_count(&f), n, "%zu records", btc_fake_trace_count(&f));
    for (size_t i = 0; i < n; i++) {
        const btc_fake_call *c = btc_fake_trace_at(&f, i);
        cr_assert_eq(c->slot, want[i], "record %zu is %s", i, btc_sys_slot_name(c->slot));
        char line[160];
        size_t full = btc_fake_call_format(c, line, sizeof line);
        cr_assert_eq(strlen(line), full, "%s", line);
        cr_assert(strncmp(line, btc_sys_slot_name(c->slot), strlen(btc_sys_slot_name(c->slot))) == 0, "%s", line);
        char small[4];
        cr_assert_eq(btc_fake_call_format(c, small, sizeof small), full, "truncated, the full length still returned");
        cr_assert_eq(strlen(small), 3);
        cr_assert_eq(btc_fake_call_format(c, NULL, 0), full);
    }
    const btc_fake_call *resolve = btc_fake_trace_at(&f, 15);
    cr_assert_neq(resolve->error, 0, "no answer scripted: the resolver's own code");
    FILE *out = tmpfile();
    cr_assert_not_null(out);
    cr_assert(btc_fake_trace_print(&f, out));
    fclose(out);
    btc_fake_free(&f);
}
