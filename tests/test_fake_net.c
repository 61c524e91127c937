/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake_net.c - the network of fakes (btc_fake_net): several
 * sockets in one wait, a listener handing out connections, connected pairs
 * and a relay tested end to end, the open queue behind a dial, scripted
 * names and options, test-chosen descriptors, and the network's misuse.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(fake_net, .timeout = 20);

#define STR_AND_LEN(s) (s), (sizeof(s) - 1)

static void ok(btc_status st, const btc_error *err)
{
    cr_assert_eq(st, BTC_OK, "%s: %s", btc_status_name(st), err != NULL ? err->message : "");
}

/* A fake under descriptor fd, added to n, s pointing at it. */
static void member(btc_fake_net *n, btc_fake *f, btc_socket_t fd, btc_sock *s)
{
    btc_fake_init(f);
    btc_fake_set_fd(f, fd);
    ok(btc_fake_net_add(n, f, s), NULL);
}

static btc_fake_net *net_new(void)
{
    btc_fake_net *n = btc_fake_net_new();
    cr_assert_not_null(n, "btc_fake_net_new");
    return n;
}

/* A network of two fakes, a (descriptor 10) and b (11). */
static btc_fake_net *net_of_two(btc_fake *a, btc_sock *sa, btc_fake *b, btc_sock *sb)
{
    btc_fake_net *n = net_new();
    member(n, a, 10, sa);
    member(n, b, 11, sb);
    return n;
}

/* The same two, silent: no input, and no end before FS_NEVER. */
static btc_fake_net *silent_two(btc_fake *a, btc_sock *sa, btc_fake *b, btc_sock *sb)
{
    btc_fake_net *n = net_of_two(a, sa, b, sb);
    btc_fake_set_end(a, 0, FS_NEVER);
    btc_fake_set_end(b, 0, FS_NEVER);
    return n;
}

static void free_two(btc_fake_net *n, btc_fake *a, btc_fake *b)
{
    btc_fake_free(a);
    btc_fake_free(b);
    btc_fake_net_free(n);
}

static int64_t now(btc_fake_net *n) { return btc_fake_net_host(n)->now_ms; }

/* Reads one line from s into line (NUL-terminated), asserting success. */
static void read_line(const btc_sock *s, char *line, size_t cap)
{
    btc_error err;
    size_t len = 0;
    ok(btc_sock_recv_until_terminator(s, '\n', 1000, NULL, cap - 1, line, &len, 0, &err), &err);
}

static void send_all(const btc_sock *s, const char *text)
{
    btc_error err;
    ok(btc_sock_send_complete(s, text, strlen(text), 1000, NULL, &err), &err);
}

/* ---- several sockets, one wait, one clock ---------------------------------------------------------------- */

Test(fake_net, wait_many_over_two_fakes_wakes_on_the_one_that_gets_data)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = net_of_two(&a, &sa, &b, &sb);
    btc_fake_set_end(&a, 0, FS_NEVER);
    static const char later[] = "late\n";
    btc_fake_set_input(&b, later, sizeof later - 1);
    fs_arrive(&b, 0, FS_T0 + 70);
    btc_fake_set_end(&b, 0, FS_NEVER);

    btc_wait_item items[2] = {{&sa, BTC_EV_RECV, 0}, {&sb, BTC_EV_RECV, 0}};
    btc_error err;
    ok(btc_wait_many(items, 2, 1000, NULL, &err), &err);
    cr_assert_eq(items[0].occurred, 0, "a has nothing to read");
    cr_assert_eq(items[1].occurred, BTC_EV_RECV, "b's data arrived");
    cr_assert_eq(now(n), FS_T0 + 70, "the shared clock ran to b's arrival, not to the timeout: %lld",
                 (long long)now(n));
    cr_assert_eq(a.now_ms, b.now_ms, "the members share the clock");
    char line[16];
    read_line(&sb, line, sizeof line);
    cr_assert_str_eq(line, "late");
    btc_fake_net_free(n);
}

Test(fake_net, wait_many_times_out_on_the_shared_clock)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = silent_two(&a, &sa, &b, &sb);
    btc_wait_item items[2] = {{&sa, BTC_EV_RECV, 0}, {&sb, BTC_EV_RECV, 0}};
    btc_error err;
    cr_assert_eq(btc_wait_many(items, 2, 250, NULL, &err), BTC_ERR_TIMEOUT);
    cr_assert_eq(now(n), FS_T0 + 250);
    btc_fake_net_free(n);
}

Test(fake_net, an_unknown_descriptor_fails_with_ebadf_and_waits_report_it_in_error)
{
    btc_fake_net *n = net_new();
    btc_sock stray = {77, btc_fake_net_sys(n)};
    char buf[4];
    size_t got = 9;
    btc_error err;
    cr_assert_eq(btc_sock_recv(&stray, buf, sizeof buf, 0, &got, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, EBADF, "code %d", err.code);
    cr_assert_eq(got, 0);
    btc_events occurred = 0;
    ok(btc_sock_wait(&stray, 100, BTC_EV_RECV, &occurred, NULL, &err), &err);
    cr_assert(occurred & BTC_EV_ERR, "as poll's POLLNVAL: %u", (unsigned)occurred);
    btc_fake_net_free(n);
}

Test(fake_net, steps_of_the_host_and_of_each_member_apply_to_a_wait)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = silent_two(&a, &sa, &b, &sb);
    btc_wait_item items[2] = {{&sa, BTC_EV_RECV, 0}, {&sb, BTC_EV_RECV, 0}};
    btc_error err;

    /* b's readiness disagrees with its next read, as FuzzedSock's may. */
    fs_push(&b, BTC_FAKE_WAIT, BTC_FAKE_FALSE_READY, 0);
    ok(btc_wait_many(items, 2, 1000, NULL, &err), &err);
    cr_assert_eq(items[1].occurred, BTC_EV_RECV);
    cr_assert_eq(now(n), FS_T0, "a false readiness takes no time");
    char buf[4];
    size_t got = 0;
    cr_assert_eq(btc_sock_recv(&sb, buf, sizeof buf, 0, &got, &err), BTC_ERR_WOULD_BLOCK);

    /* The host's FAIL fails the network's wait. */
    fs_push(btc_fake_net_host(n), BTC_FAKE_WAIT, BTC_FAKE_FAIL, ENOMEM);
    cr_assert_eq(btc_wait_many(items, 2, 1000, NULL, &err), BTC_ERR_NO_MEMORY);
    cr_assert_eq(err.code, ENOMEM);
    cr_assert_eq(a.calls[BTC_FAKE_WAIT], 2, "each member takes one step per wait");
    btc_fake_net_free(n);
}

Test(fake_net, a_clock_jump_of_one_member_moves_the_network)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = net_of_two(&a, &sa, &b, &sb);
    static const char in[] = "x\n";
    btc_fake_set_input(&a, in, 2);
    fs_push(&a, BTC_FAKE_PEEK, BTC_FAKE_ADVANCE, 5000);
    char line[8];
    read_line(&sa, line, sizeof line);
    cr_assert_eq(now(n), FS_T0 + 5000);
    btc_fake_set_end(&b, 0, FS_NEVER);
    btc_events occurred = 0;
    btc_error err;
    cr_assert_eq(btc_sock_wait(&sb, 0, BTC_EV_RECV, &occurred, NULL, &err), BTC_ERR_TIMEOUT);
    cr_assert_eq(b.now_ms, FS_T0 + 5000, "b's clock follows the network's");
    btc_fake_net_free(n);
}

/* ---- a listener ------------------------------------------------------------------------------------------ */

Test(fake_net, accept_hands_out_queued_connections_with_their_peer_addresses)
{
    btc_fake_net *n = net_new();
    btc_fake lf, c1, c2;
    btc_sock ls;
    member(n, &lf, 3, &ls);
    member(n, &c1, 4, NULL);
    member(n, &c2, 5, NULL);
    struct sockaddr_in p1, p2;
    ts_loopback_addr(&p1, 40001);
    ts_loopback_addr(&p2, 40002);
    ok(btc_fake_add_incoming(&lf, 4, (const struct sockaddr *)&p1, (socklen_t)sizeof p1, FS_T0 + 20), NULL);
    ok(btc_fake_add_incoming(&lf, 5, (const struct sockaddr *)&p2, (socklen_t)sizeof p2, FS_T0 + 50), NULL);
    static const char greeting[] = "hi from 4\n";
    ok(btc_fake_reply(&c1, STR_AND_LEN(greeting), 0), NULL);
    btc_error err;
    btc_sock out;
    struct sockaddr_storage peer;
    socklen_t plen = (socklen_t)sizeof peer;

    cr_assert_eq(btc_sock_accept(&ls, (struct sockaddr *)&peer, &plen, &out, &err), BTC_ERR_WOULD_BLOCK,
                 "nothing is due yet");
    btc_events occurred = 0;
    ok(btc_sock_wait(&ls, 1000, BTC_EV_RECV, &occurred, NULL, &err), &err);
    cr_assert_eq(now(n), FS_T0 + 20);
    plen = (socklen_t)sizeof peer;
    ok(btc_sock_accept(&ls, (struct sockaddr *)&peer, &plen, &out, &err), &err);
    cr_assert_eq(out.fd, 4);
    cr_assert_eq(plen, (socklen_t)sizeof p1);
    cr_assert_eq(memcmp(&peer, &p1, sizeof p1), 0, "the queued peer address");
    char line[32];
    read_line(&out, line, sizeof line);
    cr_assert_str_eq(line, "hi from 4", "the accepted socket talks to its fake");
    cr_assert_eq(btc_fake_incoming_left(&lf), 1);

    ok(btc_sock_wait(&ls, 1000, BTC_EV_RECV, &occurred, NULL, &err), &err);
    cr_assert_eq(now(n), FS_T0 + 50);
    plen = 4; /* shorter than the address: truncated, the full length reported */
    ok(btc_sock_accept(&ls, (struct sockaddr *)&peer, &plen, &out, &err), &err);
    cr_assert_eq(out.fd, 5);
    cr_assert_eq(plen, (socklen_t)sizeof p2);
    cr_assert_eq(btc_fake_incoming_left(&lf), 0);
    btc_fake_free(&lf);
    btc_fake_free(&c1);
    btc_fake_net_free(n);
}

Test(fake_net, a_listener_with_nothing_more_to_come_ends_an_endless_wait)
{
    btc_fake_net *n = net_new();
    btc_fake lf;
    btc_sock ls;
    member(n, &lf, 3, &ls);
    btc_error err;
    ok(btc_sock_listen(&ls, 8, &err), &err);
    btc_events occurred = 0;
    ok(btc_sock_wait(&ls, BTC_TIMEOUT_INFINITE, BTC_EV_RECV, &occurred, NULL, &err), &err);
    cr_assert_eq(occurred, BTC_EV_ERR, "in error, never blocked forever: %u", (unsigned)occurred);
    btc_sock out;
    cr_assert_eq(btc_sock_accept(&ls, NULL, NULL, &out, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, EINVAL);
    btc_fake_net_free(n);
}

Test(fake_net, a_scripted_accept_failure_comes_first)
{
    /* Bitcoin Core's i2p "listen_ok_accept_fail": the listener is fine, the accept fails. */
    btc_fake lf;
    btc_sock ls;
    fs_setup(&lf, &ls);
    ok(btc_fake_add_incoming(&lf, 9, NULL, 0, FS_T0), NULL);
    fs_push(&lf, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ECONNABORTED);
    btc_error err;
    btc_sock out;
    cr_assert_eq(btc_sock_accept(&ls, NULL, NULL, &out, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, ECONNABORTED);
    cr_assert(btc_sock_is_empty(&out));
    cr_assert_eq(btc_fake_incoming_left(&lf), 1, "the failed accept took nothing from the queue");
    ok(btc_sock_accept(&ls, NULL, NULL, &out, &err), &err);
    cr_assert_eq(out.fd, 9);
    btc_fake_free(&lf);
}

/* ---- connected pairs, and a relay ------------------------------------------------------------------------ */

Test(fake_net, a_pair_carries_bytes_both_ways_and_a_close_ends_the_other_side)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = net_of_two(&a, &sa, &b, &sb);
    ok(btc_fake_net_pair(n, &a, &b, 4096), NULL);
    char line[32];
    send_all(&sa, "ping\n");
    read_line(&sb, line, sizeof line);
    cr_assert_str_eq(line, "ping");
    send_all(&sb, "pong\n");
    read_line(&sa, line, sizeof line);
    cr_assert_str_eq(line, "pong");

    send_all(&sa, "last\n");
    btc_error err;
    ok(btc_sock_reset(&sa, &err), &err);
    read_line(&sb, line, sizeof line);
    cr_assert_str_eq(line, "last", "what was sent before the close still arrives");
    size_t len = 0;
    cr_assert_eq(btc_sock_recv_until_terminator(&sb, '\n', 1000, NULL, sizeof line - 1, line, &len, 0, &err),
                 BTC_ERR_CLOSED);
    cr_assert_eq(btc_sock_send_complete(&sb, "x", 1, 1000, NULL, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, EPIPE);
    cr_assert_eq(btc_fake_net_status(n), BTC_OK);
    free_two(n, &a, &b);
}

Test(fake_net, a_pair_window_holds_back_a_sender_until_the_partner_reads)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = net_of_two(&a, &sa, &b, &sb);
    ok(btc_fake_net_pair(n, &a, &b, 1000), NULL);
    static uint8_t big[3000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    btc_error err;
    cr_assert_eq(btc_sock_send_complete(&sa, big, sizeof big, 100, NULL, &err), BTC_ERR_TIMEOUT);
    cr_assert_eq(err.bytes, 1000, "the window's worth went out: %zu", err.bytes);
    static uint8_t got[3000];
    ok(btc_sock_recv_exact(&sb, got, 1000, 1000, NULL, &err), &err);
    ok(btc_sock_send_complete(&sa, big + 1000, 1000, 100, NULL, &err), &err);
    ok(btc_sock_recv_exact(&sb, got + 1000, 1000, 1000, NULL, &err), &err);
    cr_assert_eq(memcmp(got, big, 2000), 0, "in order, nothing lost");
    free_two(n, &a, &b);
}

/* One relay step: whatever is readable on one side is sent to the other; an EOF shuts the other's sending side.
 * Returns false once both directions have ended. */
typedef struct relay {
    const btc_sock *side[2];
    bool ended[2];
} relay;

static bool relay_step(relay *r)
{
    btc_wait_item items[2] = {{r->side[0], BTC_EV_RECV, 0}, {r->side[1], BTC_EV_RECV, 0}};
    btc_error err;
    btc_status st = btc_wait_many(items, 2, 1000, NULL, &err);
    if (st == BTC_ERR_TIMEOUT)
        return !(r->ended[0] && r->ended[1]);
    ok(st, &err);
    for (int i = 0; i < 2; i++) {
        if (r->ended[i] || items[i].occurred == 0)
            continue;
        char buf[256];
        size_t got = 0;
        st = btc_sock_recv(r->side[i], buf, sizeof buf, 0, &got, &err);
        if (st == BTC_ERR_CLOSED) {
            r->ended[i] = true;
            ok(btc_sock_shutdown(r->side[1 - i], BTC_SHUT_WR, &err), &err);
            continue;
        }
        ok(st, &err);
        ok(btc_sock_send_complete(r->side[1 - i], buf, got, 1000, NULL, &err), &err);
    }
    return !(r->ended[0] && r->ended[1]);
}

Test(fake_net, a_relay_between_two_pairs_works_end_to_end)
{
    /* client <-> [relay's inside | relay's outside] <-> server, four fakes, one network. */
    btc_fake_net *n = net_new();
    btc_fake client, inside, outside, server;
    btc_sock sc, si, so, ss;
    member(n, &client, 20, &sc);
    member(n, &inside, 21, &si);
    member(n, &outside, 22, &so);
    member(n, &server, 23, &ss);
    ok(btc_fake_net_pair(n, &client, &inside, 4096), NULL);
    ok(btc_fake_net_pair(n, &outside, &server, 4096), NULL);
    relay r = {{&si, &so}, {false, false}};
    char line[64];

    send_all(&sc, "PING\n");
    cr_assert(relay_step(&r));
    read_line(&ss, line, sizeof line);
    cr_assert_str_eq(line, "PING", "the server got the client's line through the relay");
    send_all(&ss, "+PONG\n");
    cr_assert(relay_step(&r));
    read_line(&sc, line, sizeof line);
    cr_assert_str_eq(line, "+PONG", "and the client the server's answer");

    btc_error err;
    ok(btc_sock_shutdown(&sc, BTC_SHUT_WR, &err), &err); /* the client is done sending */
    cr_assert(relay_step(&r));
    cr_assert(r.ended[0], "the relay saw the client's EOF");
    char buf[8];
    size_t got = 0;
    cr_assert_eq(btc_sock_recv(&ss, buf, sizeof buf, 0, &got, &err), BTC_ERR_CLOSED, "and passed it on");
    ok(btc_sock_reset(&ss, &err), &err);
    cr_assert(!relay_step(&r), "both directions ended");
    cr_assert_eq(btc_sock_recv(&sc, buf, sizeof buf, 0, &got, &err), BTC_ERR_CLOSED);
    cr_assert_eq(btc_fake_net_status(n), BTC_OK);
    btc_fake *all[] = {&client, &inside, &outside, &server};
    for (size_t i = 0; i < 4; i++)
        btc_fake_free(all[i]);
    btc_fake_net_free(n);
}

Test(fake_net, socketpair_pairs_the_next_two_queued_fakes)
{
    btc_fake_net *n = net_new();
    btc_fake a, b;
    member(n, &a, 30, NULL);
    member(n, &b, 31, NULL);
    ok(btc_fake_net_on_open(n, &a), NULL);
    ok(btc_fake_net_on_open(n, &b), NULL);
    const btc_sys *sys = btc_fake_net_sys(n);
    btc_socket_t fds[2];
    cr_assert_eq(sys->socketpair(sys->ctx, fds), 0);
    cr_assert_eq(fds[0], 30);
    cr_assert_eq(fds[1], 31);
    btc_sock s0 = {fds[0], sys}, s1 = {fds[1], sys};
    char line[8];
    send_all(&s1, "up\n");
    read_line(&s0, line, sizeof line);
    cr_assert_str_eq(line, "up");
    cr_assert_eq(sys->socketpair(sys->ctx, fds), -1, "nothing more queued");
    cr_assert_eq(sys->last_error(sys->ctx), EMFILE);
    free_two(n, &a, &b);
}

/* ---- opens, connects, names and options ------------------------------------------------------------------ */

Test(fake_net, a_dial_tries_each_address_on_the_fakes_queued_for_open)
{
    btc_fake_net *n = net_new();
    btc_fake refused, good;
    member(n, &refused, 40, NULL);
    member(n, &good, 41, NULL);
    static const btc_addr two[] = {{.family = AF_INET, .socktype = SOCK_STREAM, .len = 16},
                                   {.family = AF_INET, .socktype = SOCK_STREAM, .len = 16}};
    btc_fake_set_resolve(btc_fake_net_host(n), two, 2, 0);
    btc_fake_set_connect(&refused, EINPROGRESS, ECONNREFUSED, FS_T0 + 30);
    btc_fake_set_connect(&good, EINPROGRESS, 0, FS_T0 + 40);
    ok(btc_fake_net_on_open(n, &refused), NULL);
    ok(btc_fake_net_on_open(n, &good), NULL);
    btc_sock out;
    btc_error err;
    ok(btc_sock_dial_with(&out, btc_fake_net_sys(n), "node.example", "8333", 1000, NULL, &err), &err);
    cr_assert_eq(out.fd, 41, "the second address's socket");
    cr_assert(refused.closed, "the refused attempt's socket was closed");
    cr_assert_eq(now(n), FS_T0 + 40, "the second connect completed at its scripted time: %lld", (long long)now(n));
    ok(btc_sock_reset(&out, &err), &err);
    btc_fake_net_free(n);
}

Test(fake_net, an_open_with_nothing_queued_fails_with_emfile)
{
    btc_fake_net *n = net_new();
    btc_sock out;
    btc_error err;
    cr_assert_eq(btc_sock_open_with(&out, btc_fake_net_sys(n), AF_INET, SOCK_STREAM, 0, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, EMFILE);
    cr_assert(btc_sock_is_empty(&out));
    btc_fake_net_free(n);
}

Test(fake_net, a_pending_error_scripted_as_so_error_is_reported_once)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    int reset = ECONNRESET;
    ok(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_ERROR, &reset, (socklen_t)sizeof reset), NULL);
    btc_error err;
    btc_events occurred = 0;
    ok(btc_sock_wait(&s, 100, BTC_EV_SEND, &occurred, NULL, &err), &err);
    cr_assert(occurred & BTC_EV_ERR, "a pending error is ERR readiness: %u", (unsigned)occurred);
    int val = -1;
    socklen_t len = (socklen_t)sizeof val;
    ok(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_ERROR, &val, &len, &err), &err);
    cr_assert_eq(val, ECONNRESET);
    ok(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_ERROR, &val, &len, &err), &err);
    cr_assert_eq(val, 0, "read once, as the kernel's");

    /* Reported by a send instead: then getsockopt has nothing left to say. */
    ok(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_ERROR, &reset, (socklen_t)sizeof reset), NULL);
    cr_assert_eq(btc_sock_send_complete(&s, "x", 1, 1000, NULL, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, ECONNRESET, "code %d: %s", err.code, err.message);
    ok(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_ERROR, &val, &len, &err), &err);
    cr_assert_eq(val, 0);
    ok(btc_sock_send_complete(&s, "y", 1, 1000, NULL, &err), &err);

    /* And by a read. */
    ok(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_ERROR, &reset, (socklen_t)sizeof reset), NULL);
    char buf[4];
    size_t got = 0;
    cr_assert_eq(btc_sock_recv(&s, buf, sizeof buf, 0, &got, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, ECONNRESET);
}

Test(fake_net, scripted_names_and_options_are_what_the_library_reads)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    struct sockaddr_in me;
    ts_loopback_addr(&me, 18444);
    ok(btc_fake_set_sockname(&f, (const struct sockaddr *)&me, (socklen_t)sizeof me), NULL);
    int rcvbuf = 212992;
    ok(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_RCVBUF, &rcvbuf, (socklen_t)sizeof rcvbuf), NULL);
    btc_error err;
    struct sockaddr_storage got;
    socklen_t len = (socklen_t)sizeof got;
    ok(btc_sock_get_sock_name(&s, (struct sockaddr *)&got, &len, &err), &err);
    cr_assert_eq(len, (socklen_t)sizeof me);
    cr_assert_eq(memcmp(&got, &me, sizeof me), 0);
    int val = 0;
    socklen_t vlen = (socklen_t)sizeof val;
    ok(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_RCVBUF, &val, &vlen, &err), &err);
    cr_assert_eq(val, 212992);
    val = 7;
    vlen = (socklen_t)sizeof val;
    ok(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_SNDBUF, &val, &vlen, &err), &err);
    cr_assert_eq(val, 0, "an option not scripted reads as zero");

    cr_assert_eq(btc_fake_set_sockname(&f, NULL, 4), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(
        btc_fake_set_sockname(&f, (const struct sockaddr *)&me, (socklen_t)(sizeof(struct sockaddr_storage) + 1)),
        BTC_ERR_INVALID_ARGUMENT);
    uint8_t long_val[BTC_FAKE_OPT_MAX + 1] = {0};
    cr_assert_eq(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_RCVBUF, long_val, (socklen_t)sizeof long_val),
                 BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_ERROR, long_val, 2), BTC_ERR_INVALID_ARGUMENT);
    btc_fake_free(&f);
}

Test(fake_net, a_descriptor_chosen_by_the_test)
{
    btc_fake f;
    btc_sock s;
    btc_fake_init(&f);
    btc_fake_set_fd(&f, 5000); /* past FD_SETSIZE (1024 in the library) */
    btc_fake_sock(&f, &s);
    cr_assert_eq(s.fd, 5000);
    static const char in[] = "x\n";
    btc_fake_set_input(&f, in, 2);
    btc_events occurred = 0;
    btc_error err;
    btc_status st = btc_sock_wait(&s, 100, BTC_EV_RECV, &occurred, NULL, &err);
    /* POSIX select cannot hold it; poll and Windows' select (a list of sockets, not a bitmap) can. */
    if (!btc_is_selectable_socket(5000))
        cr_assert_eq(st, BTC_ERR_NOT_SELECTABLE, "%s backend: %s", btc_wait_backend(), btc_status_name(st));
    else
        cr_assert_eq(st, BTC_OK, "%s backend: %s", btc_wait_backend(), btc_status_name(st));
}

/* ---- misuse and memory ----------------------------------------------------------------------------------- */

Test(fake_net, misuse_is_refused)
{
    btc_fake_net *n = net_new();
    btc_fake a, b, c, outsider;
    member(n, &a, 10, NULL);
    member(n, &b, 11, NULL);
    btc_fake_init(&c);
    btc_fake_set_fd(&c, 10);
    cr_assert_eq(btc_fake_net_add(n, &c, NULL), BTC_ERR_INVALID_ARGUMENT, "descriptor taken");
    cr_assert_eq(btc_fake_net_add(n, &a, NULL), BTC_ERR_INVALID_ARGUMENT, "added twice");
    btc_fake_set_fd(&c, BTC_INVALID_SOCKET);
    cr_assert_eq(btc_fake_net_add(n, &c, NULL), BTC_ERR_INVALID_ARGUMENT, "no descriptor");
    cr_assert_eq(btc_fake_net_add(NULL, &a, NULL), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_net_add(n, NULL, NULL), BTC_ERR_INVALID_ARGUMENT);

    btc_fake_init(&outsider);
    cr_assert_eq(btc_fake_net_pair(n, &a, &outsider, 100), BTC_ERR_INVALID_ARGUMENT, "not a member");
    cr_assert_eq(btc_fake_net_pair(n, &a, &a, 100), BTC_ERR_INVALID_ARGUMENT, "with itself");
    cr_assert_eq(btc_fake_net_pair(n, &a, &b, 0), BTC_ERR_INVALID_ARGUMENT, "window 0");
    static const char in[] = "mine";
    btc_fake_set_input(&b, in, 4);
    cr_assert_eq(btc_fake_net_pair(n, &a, &b, 100), BTC_ERR_INVALID_ARGUMENT, "b has input of its own");
    btc_fake_set_input(&b, NULL, 0);
    ok(btc_fake_expect(&b, "x", 1), NULL);
    cr_assert_eq(btc_fake_net_pair(n, &a, &b, 100), BTC_ERR_INVALID_ARGUMENT, "b has a conversation");
    btc_fake_free(&b);
    ok(btc_fake_net_pair(n, &a, &b, 100), NULL);
    cr_assert_eq(btc_fake_net_pair(n, &a, &b, 100), BTC_ERR_INVALID_ARGUMENT, "paired twice");
    cr_assert_eq(btc_fake_net_on_open(n, &outsider), BTC_ERR_INVALID_ARGUMENT);

    cr_assert_null(btc_fake_net_sys(NULL));
    cr_assert_null(btc_fake_net_host(NULL));
    cr_assert_eq(btc_fake_net_status(NULL), BTC_ERR_INVALID_ARGUMENT);
    btc_fake_net_free(NULL);
    cr_assert_eq(btc_fake_add_incoming(&a, BTC_INVALID_SOCKET, NULL, 0, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_add_incoming(&a, 5, NULL, 4, 0), BTC_ERR_INVALID_ARGUMENT);
    btc_fake_net_free(n);
}

Test(fake_net, a_closed_member_reused_fails_with_ebadf)
{
    btc_fake_net *n = net_new();
    btc_fake a;
    btc_sock sa;
    member(n, &a, 10, &sa);
    btc_sock copy = sa;
    btc_error err;
    ok(btc_sock_reset(&sa, &err), &err);
    char buf[4];
    size_t got = 0;
    cr_assert_eq(btc_sock_recv(&copy, buf, sizeof buf, 0, &got, &err), BTC_ERR_IO);
    cr_assert_eq(err.code, EBADF);
    btc_fake_net_free(n);
}

Test(fake_net, running_out_of_memory_is_a_status)
{
    btc_fake_net *n = net_new();
    btc_fake_set_memory_limit(btc_fake_net_host(n), 1);
    btc_fake a;
    btc_fake_init(&a);
    btc_fake_set_fd(&a, 10);
    cr_assert_eq(btc_fake_net_add(n, &a, NULL), BTC_ERR_NO_MEMORY);
    btc_fake_set_memory_limit(btc_fake_net_host(n), 0);

    /* A pair whose receiving side cannot store what it was sent: the pair breaks, loudly. */
    btc_fake b;
    btc_sock sa, sb;
    ok(btc_fake_net_add(n, &a, &sa), NULL);
    member(n, &b, 11, &sb);
    ok(btc_fake_net_pair(n, &a, &b, 4096), NULL);
    btc_fake_set_memory_limit(&b, 1);
    btc_error err;
    ok(btc_sock_send_complete(&sa, "abc", 3, 1000, NULL, &err), &err);
    cr_assert_eq(btc_fake_net_status(n), BTC_ERR_NO_MEMORY);
    char buf[8];
    size_t got = 0;
    cr_assert_neq(btc_sock_recv(&sb, buf, sizeof buf, 0, &got, &err), BTC_OK);
    cr_assert_eq(err.code, ENOMEM, "the receiving side ends with ENOMEM: %d", err.code);
    cr_assert_eq(btc_sock_send_complete(&sa, "d", 1, 1000, NULL, &err), BTC_ERR_IO);
    free_two(n, &a, &b);
}

Test(fake_net, member_calls_land_in_the_members_trace_and_waits_in_the_hosts)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = net_of_two(&a, &sa, &b, &sb);
    ok(btc_fake_net_pair(n, &a, &b, 4096), NULL);
    ok(btc_fake_trace_start(&a), NULL);
    ok(btc_fake_trace_start(btc_fake_net_host(n)), NULL);
    send_all(&sb, "hey\n");
    char line[8];
    read_line(&sa, line, sizeof line);
    btc_wait_item items[2] = {{&sa, BTC_EV_SEND, 0}, {&sb, BTC_EV_SEND, 0}};
    btc_error err;
    ok(btc_wait_many(items, 2, 10, NULL, &err), &err);
    cr_assert(btc_fake_trace_count(&a) >= 2, "a's peek and read");
    for (size_t i = 0; i < btc_fake_trace_count(&a); i++)
        cr_assert_eq(btc_fake_trace_at(&a, i)->slot, BTC_SYS_SLOT_recv, "only a's own calls");
    const btc_fake *host = btc_fake_net_host(n);
    size_t waits = 0;
    for (size_t i = 0; i < btc_fake_trace_count(host); i++) {
        const btc_fake_call *c = btc_fake_trace_at(host, i);
        cr_assert(c->slot == BTC_SYS_SLOT_wait || c->slot == BTC_SYS_SLOT_now_ms, "the network's own calls only: %s",
                  btc_sys_slot_name(c->slot));
        if (c->slot == BTC_SYS_SLOT_wait) {
            waits++;
            cr_assert_eq(c->len, 2, "two items");
            cr_assert_eq(c->result, 2, "both ready");
        }
    }
    cr_assert_eq(waits, 1);
    free_two(n, &a, &b);
}

Test(fake_net, the_hosts_and_members_scripts_reach_every_network_call)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = silent_two(&a, &sa, &b, &sb);
    btc_fake *host = btc_fake_net_host(n);
    const btc_sys *sys = btc_fake_net_sys(n);
    ok(btc_fake_trace_start(host), NULL);
    btc_wait_item items[2] = {{&sa, BTC_EV_RECV, 0}, {&sb, BTC_EV_RECV, 0}};
    btc_error err;

    /* A member's FAIL fails the network's wait; the host's trace records the failed wait with its reason. */
    fs_push(&b, BTC_FAKE_WAIT, BTC_FAKE_FAIL, ENOMEM);
    cr_assert_eq(btc_wait_many(items, 2, 100, NULL, &err), BTC_ERR_NO_MEMORY);
    const btc_fake_call *last = btc_fake_trace_at(host, btc_fake_trace_count(host) - 1);
    cr_assert_eq(last->slot, BTC_SYS_SLOT_wait);
    cr_assert_eq(last->error, ENOMEM);

    /* SPURIOUS from a member and from the host: the shortest cap wins, and the wait returns early with nothing. */
    int64_t t0 = now(n);
    fs_push(&a, BTC_FAKE_WAIT, BTC_FAKE_SPURIOUS, 40);
    fs_push(host, BTC_FAKE_WAIT, BTC_FAKE_SPURIOUS, 25);
    cr_assert_eq(sys->wait(sys->ctx, items, 2, BTC_INVALID_SOCKET, 1000), 0);
    cr_assert_eq(now(n), t0 + 25);

    /* An endless wait runs to the next event of any member, here an arrival on b. */
    static const char late[] = "z";
    btc_fake_set_input(&b, late, 1);
    fs_arrive(&b, 0, now(n) + 20);
    cr_assert_eq(sys->wait(sys->ctx, items, 2, BTC_INVALID_SOCKET, -1), 1);
    cr_assert_eq(items[1].occurred, BTC_EV_RECV);

    /* An interrupt attached to a member wakes a wait that has its wake descriptor. */
    btc_interrupt intr;
    ok(btc_interrupt_init(&intr, &err), &err);
    btc_fake_attach_interrupt(&a, &intr);
    btc_interrupt_trigger(&intr);
    btc_wait_item only_a = {&sa, BTC_EV_RECV, 0};
    cr_assert_eq(btc_wait_many(&only_a, 1, 1000, &intr, &err), BTC_ERR_INTERRUPTED);
    btc_fake_attach_interrupt(&a, NULL);
    btc_interrupt_destroy(&intr);

    /* The host's OTHER steps fail open and socketpair; a queued fake's own script fails its open. */
    btc_socket_t fds[2];
    fs_push(host, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EACCES);
    cr_assert_eq(sys->open(sys->ctx, AF_INET, SOCK_STREAM, 0), BTC_INVALID_SOCKET);
    cr_assert_eq(sys->last_error(sys->ctx), EACCES);
    fs_push(host, BTC_FAKE_OTHER, BTC_FAKE_FAIL, ENFILE);
    cr_assert_eq(sys->socketpair(sys->ctx, fds), -1);
    cr_assert_eq(sys->last_error(sys->ctx), ENFILE);
    ok(btc_fake_net_on_open(n, &a), NULL);
    fs_push(&a, BTC_FAKE_OTHER, BTC_FAKE_FAIL, EMFILE);
    cr_assert_eq(sys->open(sys->ctx, AF_INET, SOCK_STREAM, 0), BTC_INVALID_SOCKET);
    cr_assert_eq(sys->last_error(sys->ctx), EMFILE);

    /* socketpair over two fakes one of which has input of its own: refused, EINVAL. */
    ok(btc_fake_net_on_open(n, &a), NULL);
    ok(btc_fake_net_on_open(n, &b), NULL);
    cr_assert_eq(sys->socketpair(sys->ctx, fds), -1);
    cr_assert_eq(sys->last_error(sys->ctx), EINVAL);
    free_two(n, &a, &b);
}

Test(fake_net, a_shutdown_for_reading_leaves_the_partner_sending)
{
    btc_fake a, b;
    btc_sock sa, sb;
    btc_fake_net *n = net_of_two(&a, &sa, &b, &sb);
    ok(btc_fake_net_pair(n, &a, &b, 4096), NULL);
    btc_error err;
    ok(btc_sock_shutdown(&sa, BTC_SHUT_RD, &err), &err);
    send_all(&sa, "still\n");
    char line[16];
    read_line(&sb, line, sizeof line);
    cr_assert_str_eq(line, "still", "a's reading side is shut, not its sending side");
    btc_events occurred = 0;
    cr_assert_eq(btc_sock_wait(&sb, 0, BTC_EV_RECV, &occurred, NULL, &err), BTC_ERR_TIMEOUT, "b's input has not ended");
    free_two(n, &a, &b);
}

Test(fake_net, more_misuse_and_memory)
{
    btc_fake a, b, c;
    btc_sock sa, sb;
    btc_fake_net *n = net_of_two(&a, &sa, &b, &sb);
    btc_fake_init(&c);
    cr_assert_eq(btc_fake_net_pair(NULL, &a, &b, 10), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_net_pair(n, &c, &a, 10), BTC_ERR_INVALID_ARGUMENT, "the first not a member");
    cr_assert_eq(btc_fake_net_on_open(NULL, &a), BTC_ERR_INVALID_ARGUMENT);
    ok(btc_fake_expect(&a, "x", 1), NULL);
    cr_assert_eq(btc_fake_net_pair(n, &a, &b, 10), BTC_ERR_INVALID_ARGUMENT, "a has a conversation");
    btc_fake_free(&a);
    ok(btc_fake_net_pair(n, &a, &b, 10), NULL);
    btc_fake_set_fd(&c, 12);
    ok(btc_fake_net_add(n, &c, NULL), NULL);
    cr_assert_eq(btc_fake_net_pair(n, &c, &b, 10), BTC_ERR_INVALID_ARGUMENT, "b is paired already");
    btc_fake_set_memory_limit(btc_fake_net_host(n), 1);
    cr_assert_eq(btc_fake_net_on_open(n, &c), BTC_ERR_NO_MEMORY);
    free_two(n, &a, &b);
}
