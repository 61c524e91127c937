/* SPDX-License-Identifier: MIT */
/*
 * tests/test_socks5.c - btc_socks5_connect against a scripted proxy (the
 * fake): the bytes it sends (greeting, authentication, the CONNECT request
 * for IPv4, IPv6 and names), every reply address type read exactly and
 * nothing past it, fragmented and late replies, every reply code, every
 * protocol violation, the transfer stops, and bad input; and
 * btc_socks5_reply_message. The real proxy (microsocks) is in
 * tests/integration/.
 */
#include <errno.h>
#include <stdlib.h>

#include "fake_support.h"

TestSuite(socks5, .timeout = 30);

#define S(lit) (lit), (sizeof(lit) - 1)

/* A proxy conversation: what the proxy answers, and a record of what the client sent. */
typedef struct proxy {
    btc_fake f;
    btc_sock s;
    uint8_t sent[1024];
} proxy;

static void proxy_setup(proxy *p, const char *answer, size_t len)
{
    fs_setup(&p->f, &p->s);
    btc_fake_set_input(&p->f, answer, len);
    btc_fake_set_output(&p->f, p->sent, sizeof p->sent);
}

static void expect_sent(const proxy *p, const char *want, size_t len)
{
    TS_ASSERT_SZ(p->f.sent, len, "bytes sent to the proxy");
    cr_assert(memcmp(p->sent, want, len) == 0, "the bytes sent to the proxy differ");
}

#define NO_AUTH "\x05\x00"
#define GREETING "\x05\x01\x00"
#define BOUND4 "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"

/* ---- what the client sends ------------------------------------------------------------- */

Test(socks5, connect_by_ipv4_literal)
{
    proxy p;
    proxy_setup(&p, S(NO_AUTH BOUND4 "TUNNEL"));
    btc_error err;
    TS_CHECK_OK(&err, btc_socks5_connect(&p.s, "192.0.2.7", 8333, NULL, 1000, NULL, &err));
    expect_sent(&p, S(GREETING "\x05\x01\x00\x01\xc0\x00\x02\x07\x20\x8d"));
    TS_ASSERT_SZ(err.bytes, 12, "bytes read from the proxy");
    TS_ASSERT_SZ(p.f.consumed, 12, "consumed: exactly the replies");
    TS_ASSERT_SZ(btc_fake_readable(&p.f), 6, "the tunnel's first bytes are still in the socket");
}

Test(socks5, connect_by_name_and_by_ipv6_literal)
{
    proxy p;
    proxy_setup(&p, S(NO_AUTH BOUND4));
    btc_error err;
    TS_CHECK_OK(&err, btc_socks5_connect(&p.s, "localhost", 80, NULL, 1000, NULL, &err));
    expect_sent(&p, S(GREETING "\x05\x01\x00\x03\x09localhost\x00\x50"));
    proxy_setup(&p, S(NO_AUTH BOUND4));
    TS_CHECK_OK(&err, btc_socks5_connect(&p.s, "2001:db8::1", 443, NULL, 1000, NULL, &err));
    expect_sent(&p, S(GREETING "\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
                               "\x01\xbb"));
}

/* IPv6 text forms: those that parse go out as ATYP 4 with their 16 bytes; the rest as names. */
Test(socks5, ipv6_literal_forms)
{
    static const struct {
        const char *host;
        bool ipv6;
        uint8_t bytes[16];
    } cases[] = {
        {"::", true, {0}},
        {"::1", true, {[15] = 1}},
        {"1::", true, {0, 1}},
        {"1:2:3:4:5:6:7:8", true, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
        {"::ffff:192.0.2.1", true, {[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1}},
        {"fe80::abcd:ef", true, {0xfe, 0x80, [12] = 0xab, [13] = 0xcd, [14] = 0, [15] = 0xef}},
        {"1:::2", false, {0}},
        {":1", false, {0}},
        {"1:", false, {0}},
        {"12345::", false, {0}},
        {"1:2:3:4:5:6:7:8:9", false, {0}},
        {"1::2::3", false, {0}},
        {"g::1", false, {0}},
        {"1:2:3:4:5:6:7", false, {0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proxy p;
        proxy_setup(&p, S(NO_AUTH BOUND4));
        btc_error err;
        TS_CHECK_OK(&err, btc_socks5_connect(&p.s, cases[i].host, 1, NULL, 1000, NULL, &err));
        const uint8_t *req = p.sent + 3;
        if (cases[i].ipv6) {
            cr_assert_eq(req[3], 4, "%s: ATYP %u, expected 4 (IPv6)", cases[i].host, req[3]);
            cr_assert(memcmp(req + 4, cases[i].bytes, 16) == 0, "%s: the address bytes differ", cases[i].host);
        } else {
            cr_assert_eq(req[3], 3, "%s: ATYP %u, expected 3 (a name)", cases[i].host, req[3]);
            TS_ASSERT_SZ(req[4], strlen(cases[i].host), cases[i].host);
        }
    }
}

/* An IPv4 literal is four decimal parts 0..255 without leading zeros; anything else is a name. */
Test(socks5, ipv4_literal_forms)
{
    static const char *const names[] = {"010.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4x", "+1.2.3.4"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        proxy p;
        proxy_setup(&p, S(NO_AUTH BOUND4));
        btc_error err;
        TS_CHECK_OK(&err, btc_socks5_connect(&p.s, names[i], 1, NULL, 1000, NULL, &err));
        cr_assert_eq(p.sent[3 + 3], 3, "%s went out as ATYP %u, not as a name", names[i], p.sent[6]);
    }
}

Test(socks5, username_and_password)
{
    proxy p;
    proxy_setup(&p, S("\x05\x02"
                      "\x01\x00" BOUND4));
    btc_socks5_auth auth = {"alice", "s3cret"};
    btc_error err;
    TS_CHECK_OK(&err, btc_socks5_connect(&p.s, "10.0.0.1", 8333, &auth, 1000, NULL, &err));
    expect_sent(&p, S("\x05\x02\x00\x02"
                      "\x01\x05"
                      "alice\x06s3cret"
                      "\x05\x01\x00\x01\x0a\x00\x00\x01\x20\x8d"));
    /* A proxy that picks "no authentication" although credentials were offered is fine. */
    proxy_setup(&p, S(NO_AUTH BOUND4));
    TS_CHECK_OK(&err, btc_socks5_connect(&p.s, "10.0.0.1", 8333, &auth, 1000, NULL, &err));
    TS_ASSERT_SZ(p.f.sent, 4 + 10, "greeting with both methods, then the request");
}

/* ---- replies, read exactly ---------------------------------------------------------------- */

Test(socks5, every_bound_address_type_is_read_exactly_even_one_byte_at_a_time)
{
    static const struct {
        const char *reply;
        size_t len;
    } replies[] = {
        {S(NO_AUTH BOUND4)},
        {S(NO_AUTH "\x05\x00\x00\x04"
                   "0123456789abcdef\x1f\x90")},
        {S(NO_AUTH "\x05\x00\x00\x03\x0bproxy.local\x1f\x90")},
        {S(NO_AUTH "\x05\x00\x00\x03\x00\x1f\x90")},
    };
    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            char input[64];
            memcpy(input, replies[i].reply, replies[i].len);
            memcpy(input + replies[i].len, "TUNNEL", 6);
            proxy p;
            proxy_setup(&p, input, replies[i].len + 6);
            btc_fake_set_chunks(&p.f, 0, chunk, 0);
            btc_error err;
            TS_CHECK_OK(&err, btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, 1000, NULL, &err));
            TS_ASSERT_SZ(p.f.consumed, replies[i].len, "consumed: the reply and nothing past it");
            TS_ASSERT_SZ(err.bytes, replies[i].len, "err.bytes");
        }
    }
}

Test(socks5, a_reply_arriving_in_pieces_within_the_deadline)
{
    proxy p;
    proxy_setup(&p, S(NO_AUTH BOUND4));
    fs_arrive(&p.f, 1, FS_T0 + 100);
    fs_arrive(&p.f, 5, FS_T0 + 200);
    btc_error err;
    TS_CHECK_OK(&err, btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, 1000, NULL, &err));
    TS_ASSERT_I64(p.f.now_ms, FS_T0 + 200, "virtual time at the last piece");
    /* The same reply, its second half too late: one deadline for the whole handshake. */
    proxy_setup(&p, S(NO_AUTH BOUND4));
    cr_assert(btc_fake_set_end(&p.f, 0, FS_NEVER));
    fs_arrive(&p.f, 2, FS_T0 + 600);
    fs_arrive(&p.f, 6, FS_T0 + 1200);
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, 1000, NULL, &err));
    TS_ASSERT_I64(p.f.now_ms, FS_T0 + 1000, "virtual time at the timeout");
    TS_ASSERT_SZ(err.bytes, 6, "bytes read before the deadline");
}

Test(socks5, every_refusal_is_proxy_with_its_code_and_text)
{
    for (int code = 1; code <= 9; code++) {
        char reply[] = NO_AUTH "\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00";
        reply[3] = (char)code;
        proxy p;
        proxy_setup(&p, reply, sizeof reply - 1);
        btc_error err;
        TS_CHECK(BTC_ERR_PROXY, &err, btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, 1000, NULL, &err));
        cr_assert_eq(err.code, code, "err.code %d for reply %d", err.code, code);
        cr_assert_not_null(strstr(err.message, btc_socks5_reply_message(code)), "message \"%s\" for reply %d",
                           err.message, code);
        TS_ASSERT_SZ(p.f.consumed, 6, "consumed: the reply's head");
    }
}

Test(socks5, reply_messages)
{
    cr_assert_str_eq(btc_socks5_reply_message(0), "succeeded");
    cr_assert_str_eq(btc_socks5_reply_message(5), "connection refused");
    cr_assert_str_eq(btc_socks5_reply_message(8), "address type not supported");
    for (int code = -1; code <= 300; code++) {
        const char *m = btc_socks5_reply_message(code);
        cr_assert(m != NULL && m[0] != '\0', "reply %d has no text", code);
        if (code < 0 || code > 8)
            cr_assert_str_eq(m, "unknown reply code");
    }
}

/* Every violation: BTC_ERR_PROXY with code 0 and a message naming it; nothing read past the bad byte. */
Test(socks5, every_violation_is_proxy_with_code_0)
{
    static const struct {
        const char *reply;
        size_t len;
        bool auth;
        const char *says;
        size_t consumed;
    } cases[] = {
        {S("\x04\x00"), false, "version 4", 2},
        {S("\x05\xff"), false, "no acceptable", 2},
        {S("\x05\x02"), false, "not offered", 2},
        {S("\x05\x01"), true, "not offered", 2},
        {S("\x05\x02\x05\x00"), true, "authentication reply version 5", 4},
        {S("\x05\x02\x01\x01"), true, "authentication failed", 4},
        {S(NO_AUTH "\x04\x00\x00\x01"), false, "CONNECT reply version 4", 6},
        {S(NO_AUTH "\x05\x00\x01\x01"), false, "reserved byte 1", 6},
        {S(NO_AUTH "\x05\x00\x00\x02"), false, "unknown address type 2", 6},
    };
    btc_socks5_auth auth = {"u", "p"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char input[32];
        memcpy(input, cases[i].reply, cases[i].len);
        memcpy(input + cases[i].len, "MORE", 4);
        proxy p;
        proxy_setup(&p, input, cases[i].len + 4);
        btc_error err;
        TS_CHECK(BTC_ERR_PROXY, &err,
                 btc_socks5_connect(&p.s, "10.0.0.1", 1, cases[i].auth ? &auth : NULL, 1000, NULL, &err));
        cr_assert_eq(err.code, 0, "case %zu: code %d", i, err.code);
        cr_assert_not_null(strstr(err.message, cases[i].says), "case %zu: message \"%s\" does not say \"%s\"", i,
                           err.message, cases[i].says);
        TS_ASSERT_SZ(p.f.consumed, cases[i].consumed, "consumed");
    }
}

/* ---- transfer stops ----------------------------------------------------------------------------- */

Test(socks5, the_proxy_closing_silence_a_reset_and_an_interrupt)
{
    proxy p;
    btc_error err;
    proxy_setup(&p, S(NO_AUTH "\x05\x00"));
    TS_CHECK(BTC_ERR_CLOSED, &err, btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, 1000, NULL, &err));
    TS_ASSERT_SZ(err.bytes, 4, "err.bytes");
    cr_assert_not_null(strstr(err.message, "CONNECT reply"), "message \"%s\" names the step", err.message);

    proxy_setup(&p, S(NO_AUTH));
    cr_assert(btc_fake_set_end(&p.f, 0, FS_NEVER));
    TS_CHECK(BTC_ERR_TIMEOUT, &err, btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, 300, NULL, &err));

    proxy_setup(&p, S(""));
    cr_assert(btc_fake_set_end(&p.f, ECONNRESET, 0));
    TS_CHECK_CODE(BTC_ERR_IO, ECONNRESET, &err, btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, 1000, NULL, &err));

    proxy_setup(&p, S(""));
    cr_assert(btc_fake_set_end(&p.f, 0, FS_NEVER));
    btc_interrupt intr;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    btc_fake_attach_interrupt(&p.f, &intr);
    fs_push(&p.f, BTC_FAKE_WAIT, BTC_FAKE_INTERRUPT, 0);
    TS_CHECK(BTC_ERR_INTERRUPTED, &err,
             btc_socks5_connect(&p.s, "10.0.0.1", 1, NULL, BTC_TIMEOUT_INFINITE, &intr, &err));
    btc_interrupt_destroy(&intr);
}

/* ---- bad input: refused before anything is sent --------------------------------------------------- */

Test(socks5, bad_input_sends_nothing)
{
    char long_name[257];
    memset(long_name, 'a', 256);
    long_name[256] = '\0';
    char max_name[256];
    memset(max_name, 'b', 255);
    max_name[255] = '\0';
    btc_socks5_auth no_user = {"", "p"};
    btc_socks5_auth no_pass = {"u", ""};
    btc_socks5_auth null_user = {NULL, "p"};
    btc_socks5_auth long_user = {long_name, "p"};
    btc_socks5_auth long_pass = {"u", long_name};
    const struct {
        const char *host;
        const btc_socks5_auth *auth;
        int64_t timeout;
    } cases[] = {{NULL, NULL, 100},      {"", NULL, 100},        {long_name, NULL, 100},
                 {"x", &no_user, 100},   {"x", &no_pass, 100},   {"x", &null_user, 100},
                 {"x", &long_user, 100}, {"x", &long_pass, 100}, {"x", NULL, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proxy p;
        proxy_setup(&p, S(NO_AUTH BOUND4));
        btc_error err;
        TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err,
                 btc_socks5_connect(&p.s, cases[i].host, 1, cases[i].auth, cases[i].timeout, NULL, &err));
        TS_ASSERT_SZ(p.f.calls[BTC_FAKE_ANY], 0, "slot calls for refused input");
    }
    btc_error err;
    TS_CHECK(BTC_ERR_INVALID_ARGUMENT, &err, btc_socks5_connect(NULL, "x", 1, NULL, 100, NULL, &err));
    btc_sock empty = BTC_SOCK_INIT;
    TS_CHECK(BTC_ERR_INVALID_SOCKET, &err, btc_socks5_connect(&empty, "x", 1, NULL, 100, NULL, &err));
    /* 255 bytes are the most a name or a credential may have. */
    btc_socks5_auth max_auth = {max_name, max_name};
    proxy p;
    proxy_setup(&p, S("\x05\x02\x01\x00" BOUND4));
    TS_CHECK_OK(&err, btc_socks5_connect(&p.s, max_name, 1, &max_auth, 1000, NULL, &err));
    TS_ASSERT_SZ(p.f.sent, 4 + (3 + 255 + 255) + (4 + 1 + 255 + 2), "greeting, credentials, request");
}
