// SPDX-License-Identifier: MIT
// consumer.cpp - consumer.c's checks from C++ (make consumer-check): the headers' extern "C" and
// their types as a C++ program sees them, linked against an installed btcsock.
#include <btcsock.h>
#include <btcsock/fake.h>

#include <cstdio>
#include <string>

namespace {

// Sends "hello\n" on a, reads one line on b.
bool socket_pair_line()
{
    btc_sock a = BTC_SOCK_INIT;
    btc_sock b = BTC_SOCK_INIT;
    btc_error err{};
    char line[32] = {};
    std::size_t len = 0;
    const std::string hello = "hello\n";
    btc_status st = btc_make_socket_pair(&a, &b, &err);
    if (st == BTC_OK)
        st = btc_sock_send_complete(&a, hello.data(), hello.size(), 1000, nullptr, &err);
    if (st == BTC_OK)
        st = btc_sock_recv_until_terminator(&b, '\n', 1000, nullptr, sizeof line, line, &len, 0, &err);
    static_cast<void>(btc_sock_reset(&a, nullptr));
    static_cast<void>(btc_sock_reset(&b, nullptr));
    const bool ok = st == BTC_OK && std::string(line, len) == "hello";
    std::printf("%s: socket pair line -> %s\n", ok ? "pass" : "FAIL", btc_status_name(st));
    return ok;
}

// The fake peer says "ping\n"; the line must come back without its terminator.
bool fake_line()
{
    btc_fake f;
    btc_sock s;
    btc_error err{};
    char line[32] = {};
    std::size_t len = 0;
    const std::string ping = "ping\n";
    btc_fake_init(&f);
    btc_fake_set_input(&f, ping.data(), ping.size());
    btc_fake_sock(&f, &s);
    const btc_status st = btc_sock_recv_until_terminator(&s, '\n', 1000, nullptr, sizeof line, line, &len, 0, &err);
    const bool ok = st == BTC_OK && std::string(line, len) == "ping" && btc_fake_readable(&f) == 0;
    std::printf("%s: fake line -> %s\n", ok ? "pass" : "FAIL", btc_status_name(st));
    return ok;
}

} // namespace

int main()
{
    std::printf("btcsock %s (C++)\n", btc_version());
    const bool pair_ok = socket_pair_line();
    const bool fake_ok = fake_line();
    return pair_ok && fake_ok ? 0 : 1;
}
