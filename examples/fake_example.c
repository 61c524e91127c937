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
 */
#include <btcsock.h>
#include <btcsock/fake.h>

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

    return failures == 0 ? 0 : 1;
}
