/* SPDX-License-Identifier: MIT */
/*
 * fake_example.c - a short tutorial: testing your own protocol code against
 * btc_fake (include/btcsock/fake.h, libbtcsock-fake).
 *
 * The code under test, greet(), speaks a tiny line protocol: it says HELLO
 * and returns the peer's one-line answer. Each lesson below is one test
 * case; the fake plays the peer on a virtual clock, so no case touches the
 * network or takes real time. Exit status 0 when every case passes.
 *
 *  1. A conversation: the peer answers only once it has received what the
 *     script expects (btc_fake_expect, btc_fake_reply).
 *  2. A client bug caught: what was sent differs from the script; the fake
 *     records where (btc_fake_get_mismatch) and resets the connection.
 *  3. A slow peer: the answer arrives in pieces, 50 virtual ms apart
 *     (btc_fake_set_input, btc_fake_arrive_at), and is joined.
 *  4. A silent peer: greet() must time out, not hang.
 *  5. Seeing what happened: the trace of every call the library made
 *     (btc_fake_trace_start, btc_fake_trace_print).
 *  6. A relay, end to end: a client, the relay's two sockets and a server
 *     are four fakes in one network (btc_fake_net), connected in pairs;
 *     relay_pump() is the code under test.
 *  7. A connect that fails: the dial's socket reports "in progress" and
 *     then SO_ERROR = ECONNREFUSED (btc_fake_set_connect), and the network
 *     hands that fake to the dial (btc_fake_net_on_open).
 */
#include <btcsock.h>
#include <btcsock/fake.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char hello[] = "HELLO VERSION MIN=3.1 MAX=3.1\n";
static const char reply[] = "HELLO REPLY RESULT=OK VERSION=3.1\n";

/* The code under test: says `greeting` and returns the peer's one-line answer. */
static btc_status greet(const btc_sock *s, const char *greeting, char *answer, size_t cap, btc_error *err)
{
    btc_status st = btc_sock_send_complete(s, greeting, strlen(greeting), 1000, NULL, err);
    if (st != BTC_OK)
        return st;
    size_t len = 0;
    return btc_sock_recv_until_terminator(s, '\n', 1000, NULL, cap, answer, &len, 0, err);
}

/*
 * More code under test: a relay. It copies what either side has to the
 * other, passes an EOF on as a shutdown for writing, and returns BTC_OK once
 * both sides have ended, or BTC_ERR_TIMEOUT after idle_ms with nothing to do.
 */
static btc_status relay_pump(const btc_sock *a, const btc_sock *b, int64_t idle_ms, btc_error *err)
{
    const btc_sock *side[2] = {a, b};
    bool ended[2] = {false, false};
    while (!ended[0] || !ended[1]) {
        btc_wait_item items[2];
        int from[2];
        size_t count = 0;
        for (int i = 0; i < 2; i++) {
            if (!ended[i]) {
                items[count] = (btc_wait_item){side[i], BTC_EV_RECV, 0};
                from[count++] = i;
            }
        }
        btc_status st = btc_wait_many(items, count, idle_ms, NULL, err);
        for (size_t k = 0; st == BTC_OK && k < count; k++) {
            int i = from[k];
            char buf[512];
            size_t got = 0;
            if (items[k].occurred == 0)
                continue;
            st = btc_sock_recv(side[i], buf, sizeof buf, 0, &got, err);
            if (st == BTC_ERR_CLOSED) {
                ended[i] = true;
                st = btc_sock_shutdown(side[1 - i], BTC_SHUT_WR, err);
            } else if (st == BTC_OK) {
                st = btc_sock_send_complete(side[1 - i], buf, got, 1000, NULL, err);
            }
        }
        if (st != BTC_OK)
            return st;
    }
    return BTC_OK;
}

/* A fake with descriptor fd in network n; s talks to it. */
static void join(btc_fake_net *n, btc_fake *f, btc_socket_t fd, btc_sock *s)
{
    btc_fake_init(f);
    btc_fake_set_fd(f, fd);
    btc_fake_net_add(n, f, s);
}

static int report(bool ok, const char *what, btc_status st)
{
    printf("%s: %s -> %s\n", ok ? "pass" : "FAIL", what, btc_status_name(st));
    return ok ? 0 : 1;
}

int main(void)
{
    char answer[128];
    btc_error err;
    btc_fake f;
    btc_sock s;
    int failures = 0;

    /* 1. The peer answers HELLO, and only HELLO. */
    btc_fake_init(&f);
    btc_fake_expect(&f, hello, sizeof hello - 1);
    btc_fake_reply(&f, reply, sizeof reply - 1, 0);
    btc_fake_sock(&f, &s); /* s now talks to the fake */
    btc_status st = greet(&s, hello, answer, sizeof answer, &err);
    failures += report(st == BTC_OK && strcmp(answer, "HELLO REPLY RESULT=OK VERSION=3.1") == 0 &&
                           btc_fake_conversation_done(&f),
                       "conversation", st);
    btc_fake_free(&f); /* the conversation's copies */

    /* 2. A client that asks for the wrong version: the fake says where it went wrong. */
    btc_fake_init(&f);
    btc_fake_expect(&f, hello, sizeof hello - 1);
    btc_fake_reply(&f, reply, sizeof reply - 1, 0);
    btc_fake_sock(&f, &s);
    st = greet(&s, "HELLO VERSION MIN=3.0 MAX=3.1\n", answer, sizeof answer, &err);
    btc_fake_mismatch m;
    bool caught = btc_fake_get_mismatch(&f, &m);
    failures += report(st == BTC_ERR_IO && caught && m.offset == 20, "mismatch", st);
    if (caught)
        printf("      sent byte %zu is '%c', the script expected '%c'\n", m.offset, m.actual, m.expected);
    btc_fake_free(&f);

    /* 3. The answer arrives in two pieces, 50 virtual ms apart; sent bytes are recorded. */
    char sent[128];
    btc_fake_init(&f);
    btc_fake_set_input(&f, reply, sizeof reply - 1);
    btc_fake_arrive_at(&f, 0, f.now_ms);       /* "HELLO REPLY " readable now ... */
    btc_fake_arrive_at(&f, 12, f.now_ms + 50); /* ... the rest 50 virtual ms later */
    btc_fake_set_output(&f, sent, sizeof sent);
    btc_fake_sock(&f, &s);
    st = greet(&s, hello, answer, sizeof answer, &err);
    failures += report(st == BTC_OK && strcmp(answer, "HELLO REPLY RESULT=OK VERSION=3.1") == 0 && f.sent == 30 &&
                           memcmp(sent, hello, 30) == 0 && f.now_ms == 1050,
                       "reply in two pieces", st);

    /* 4. The peer never answers. */
    btc_fake_init(&f);
    btc_fake_set_end(&f, 0, f.now_ms + 60000); /* silence for a virtual minute, then EOF */
    btc_fake_sock(&f, &s);
    st = greet(&s, hello, answer, sizeof answer, &err);
    failures += report(st == BTC_ERR_TIMEOUT, "silent peer", st);

    /* 5. The same silent peer, traced: every call, its lengths, flags, result, the virtual time. */
    btc_fake_init(&f);
    btc_fake_set_end(&f, 0, f.now_ms + 60000);
    btc_fake_sock(&f, &s);
    btc_fake_trace_start(&f);
    st = greet(&s, hello, answer, sizeof answer, &err);
    failures += report(st == BTC_ERR_TIMEOUT && btc_fake_trace_status(&f) == BTC_OK, "traced", st);
    btc_fake_trace_print(&f, stdout);
    btc_fake_free(&f);

    /* 6. client <-> [in | out] <-> server: four fakes, two pairs, one network, one clock. */
    btc_fake_net *n = btc_fake_net_new();
    if (n == NULL)
        return 1;
    btc_fake client, in, out, server;
    btc_sock cs, is, os, ss;
    join(n, &client, 10, &cs);
    join(n, &in, 11, &is);
    join(n, &out, 12, &os);
    join(n, &server, 13, &ss);
    btc_fake_net_pair(n, &client, &in, 65536);
    btc_fake_net_pair(n, &out, &server, 65536);
    size_t len = 0;
    btc_sock_send_complete(&cs, "PING\n", 5, 1000, NULL, &err);
    btc_sock_shutdown(&cs, BTC_SHUT_WR, &err); /* the client has said all it will */
    st = relay_pump(&is, &os, 100, &err);      /* PING and the EOF go through; then idle */
    bool relayed = st == BTC_ERR_TIMEOUT;
    st = btc_sock_recv_until_terminator(&ss, '\n', 1000, NULL, sizeof answer - 1, answer, &len, 0, &err);
    relayed = relayed && st == BTC_OK && strcmp(answer, "PING") == 0;
    btc_sock_send_complete(&ss, "+PONG\n", 6, 1000, NULL, &err);
    btc_sock_reset(&ss, &err);            /* the server answers and hangs up */
    st = relay_pump(&is, &os, 100, &err); /* both sides have ended: OK */
    relayed = relayed && st == BTC_OK;
    st = btc_sock_recv_until_terminator(&cs, '\n', 1000, NULL, sizeof answer - 1, answer, &len, 0, &err);
    failures += report(relayed && st == BTC_OK && strcmp(answer, "+PONG") == 0 && btc_fake_net_status(n) == BTC_OK,
                       "relay", st);
    btc_fake_free(&client);
    btc_fake_free(&in);
    btc_fake_free(&out);
    btc_fake_free(&server);
    btc_fake_net_free(n);

    /* 7. A dial whose connect is refused after 30 virtual ms. */
    n = btc_fake_net_new();
    if (n == NULL)
        return 1;
    static const btc_addr one[] = {{.family = AF_INET, .socktype = SOCK_STREAM, .len = 16}};
    btc_fake_set_resolve(btc_fake_net_host(n), one, 1, 0); /* the network's resolver: one address */
    join(n, &f, 20, NULL);
    btc_fake_set_connect(&f, EINPROGRESS, ECONNREFUSED, btc_fake_net_host(n)->now_ms + 30);
    btc_fake_net_on_open(n, &f); /* the dial's socket is this fake */
    btc_sock dialed;
    st = btc_sock_dial_with(&dialed, btc_fake_net_sys(n), "node.example", "8333", 1000, NULL, &err);
    failures += report(st == BTC_ERR_IO && err.code == ECONNREFUSED && f.closed, "connect refused", st);
    printf("      %s\n", err.message);
    btc_fake_net_free(n);

    return failures == 0 ? 0 : 1;
}
