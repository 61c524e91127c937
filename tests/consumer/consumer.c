/* SPDX-License-Identifier: MIT */
/*
 * consumer.c - a program outside the tree, built against an installed btcsock (make
 * consumer-check: with find_package(btcsock) and with pkg-config, shared and static). It calls
 * both libraries for real: a line over a socket pair, and one through the fake. Exit status 0
 * when both arrive intact.
 */
#include <btcsock.h>
#include <btcsock/fake.h>

#include <stdio.h>
#include <string.h>

/* Sends "hello\n" on a, reads one line on b. */
static int socket_pair_line(void)
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err;
    char line[32];
    size_t len = 0;
    btc_status st = btc_make_socket_pair(&a, &b, &err);
    if (st == BTC_OK)
        st = btc_sock_send_complete(&a, "hello\n", 6, 1000, NULL, &err);
    if (st == BTC_OK)
        st = btc_sock_recv_until_terminator(&b, '\n', 1000, NULL, sizeof line, line, &len, 0, &err);
    (void)btc_sock_reset(&a, NULL);
    (void)btc_sock_reset(&b, NULL);
    int ok = st == BTC_OK && strcmp(line, "hello") == 0;
    printf("%s: socket pair line -> %s\n", ok ? "pass" : "FAIL", btc_status_name(st));
    return ok;
}

/* The fake peer says "ping\n"; the line must come back without its terminator. */
static int fake_line(void)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[32];
    size_t len = 0;
    btc_fake_init(&f);
    btc_fake_set_input(&f, "ping\n", 5);
    btc_fake_sock(&f, &s);
    btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof line, line, &len, 0, &err);
    int ok = st == BTC_OK && len == 4 && strcmp(line, "ping") == 0 && btc_fake_readable(&f) == 0;
    printf("%s: fake line -> %s\n", ok ? "pass" : "FAIL", btc_status_name(st));
    return ok;
}

int main(void)
{
    printf("btcsock %s (C)\n", btc_version());
    int ok = socket_pair_line();
    ok &= fake_line();
    return ok ? 0 : 1;
}
