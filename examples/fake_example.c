/* SPDX-License-Identifier: MIT */
/*
 * fake_example.c - testing your own protocol code against btc_fake.
 *
 * The function under test, greet(), speaks a tiny line protocol. The fake
 * plays the peer: it sends a reply in two pieces that arrive 50 virtual ms
 * apart, records what greet() sent, and runs on a virtual clock, so the test
 * needs no network and takes no real time. A second case checks that a
 * silent peer gives BTC_ERR_TIMEOUT. Exit status 0 when both pass.
 */
#include <btcsock.h>
#include <btcsock/fake.h>

#include <stdio.h>
#include <string.h>

/* The code under test: says hello and returns the peer's one-line answer. */
static btc_status greet(const btc_sock *s, char *answer, size_t cap, btc_error *err)
{
    static const char hello[] = "HELLO VERSION MIN=3.1 MAX=3.1\n";
    btc_status st = btc_sock_send_complete(s, hello, sizeof hello - 1, 1000, NULL, err);
    if (st != BTC_OK)
        return st;
    size_t len = 0;
    return btc_sock_recv_until_terminator(s, '\n', 1000, NULL, cap, answer, &len, 0, err);
}

int main(void)
{
    static const char reply[] = "HELLO REPLY RESULT=OK VERSION=3.1\n";
    char sent[128];
    char answer[128];
    btc_error err;
    int failures = 0;

    /* Case 1: the reply arrives in two pieces; greet() must join them. */
    btc_fake f;
    btc_sock s;
    btc_fake_init(&f);
    btc_fake_set_input(&f, reply, sizeof reply - 1);
    btc_fake_arrive_at(&f, 0, f.now_ms);       /* "HELLO REPLY " readable now ... */
    btc_fake_arrive_at(&f, 12, f.now_ms + 50); /* ... the rest 50 virtual ms later */
    btc_fake_set_output(&f, sent, sizeof sent);
    btc_fake_sock(&f, &s);

    btc_status st = greet(&s, answer, sizeof answer, &err);
    bool ok = st == BTC_OK && strcmp(answer, "HELLO REPLY RESULT=OK VERSION=3.1") == 0 && f.sent == 30 &&
              memcmp(sent, "HELLO VERSION MIN=3.1 MAX=3.1\n", 30) == 0;
    printf("%s: reply in two pieces -> %s '%s'\n", ok ? "pass" : "FAIL", btc_status_name(st),
           st == BTC_OK ? answer : "");
    failures += !ok;

    /* Case 2: the peer never answers; greet() must time out, not hang. */
    btc_fake_init(&f);
    btc_fake_set_end(&f, 0, f.now_ms + 60000); /* silence for a virtual minute, then EOF */
    btc_fake_sock(&f, &s);
    st = greet(&s, answer, sizeof answer, &err);
    ok = st == BTC_ERR_TIMEOUT;
    printf("%s: silent peer -> %s (%s)\n", ok ? "pass" : "FAIL", btc_status_name(st), err.message);
    failures += !ok;

    return failures == 0 ? 0 : 1;
}
