/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake_core_ports.c - cases of Bitcoin Core's own mock-socket
 * tests (over StaticContentsSock, FuzzedSock and the scripted PCPTestSock),
 * ported onto btc_fake and btcsock's API: each case names the
 * Core file and test case it ports and asserts the same behaviour in
 * btcsock's terms (statuses, bytes accounted and left in the socket, what
 * the peer received, the virtual time). The clients below are small
 * stand-ins written for these tests (a SAM control client, a NAT-PMP/PCP
 * request loop), not ports of Core's code. The cases that need several
 * sockets (Core's DynSock and ZeroSock cases: pipes, an accept queue,
 * WaitMany) run on a network of fakes (btc_fake_net), at the end.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(core_ports, .timeout = 30);

#define S(lit) (lit), (sizeof(lit) - 1)

/* ---- a SAM control client (I2P's SAM v3 bridge), as far as the ported cases need one ---------------------------- */

/* The longest line Core's SAM client accepts (i2p::sam::MAX_MSG_SIZE). */
#define SAM_MAX_MSG 65536
#define SAM_TIMEOUT 1000

/* What a SAM exchange came to: the transport's verdict is in the btc_error, the bridge's in RESULT=. */
typedef enum sam_result { SAM_OK, SAM_TRANSPORT, SAM_REFUSED } sam_result;

static char sam_line[SAM_MAX_MSG];

/* Reads one reply line of at most SAM_MAX_MSG bytes into sam_line (NUL-terminated unless it is full). */
static sam_result sam_read_line(const btc_sock *s, size_t *len, btc_error *err)
{
    *len = 0;
    btc_status st = btc_sock_recv_until_terminator(s, '\n', SAM_TIMEOUT, NULL, SAM_MAX_MSG, sam_line, len, 0, err);
    if (*len < SAM_MAX_MSG)
        sam_line[*len] = '\0';
    return st == BTC_OK ? SAM_OK : SAM_TRANSPORT;
}

/* Whether the reply line carries the token RESULT=OK (the bridge's verdict). */
static bool sam_result_ok(const char *line)
{
    const char *p = strstr(line, " RESULT=OK");
    return p != NULL && (p[10] == '\0' || p[10] == ' ');
}

/* Sends one request line and reads its reply line; SAM_REFUSED when the bridge did not answer RESULT=OK. */
static sam_result sam_request(const btc_sock *s, const char *request, btc_error *err)
{
    if (btc_sock_send_complete(s, request, strlen(request), SAM_TIMEOUT, NULL, err) != BTC_OK)
        return SAM_TRANSPORT;
    size_t len = 0;
    sam_result r = sam_read_line(s, &len, err);
    return r == SAM_OK && !sam_result_ok(sam_line) ? SAM_REFUSED : r;
}

/* An accepted stream starts with the peer's destination: I2P base64 (A-Z a-z 0-9 - ~, '=' padding). */
static bool sam_is_destination(const char *line, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '~' ||
                  c == '=';
        if (!ok)
            return false;
    }
    return true;
}

static const char sam_hello[] = "HELLO VERSION MIN=3.1 MAX=3.1\n";
static const char sam_hello_ok[] = "HELLO REPLY RESULT=OK VERSION=3.1\n";
static const char sam_session[] = "SESSION CREATE STYLE=STREAM ID=core DESTINATION=TRANSIENT\n";
static const char sam_accept[] = "STREAM ACCEPT ID=core SILENT=false\n";
static const char sam_accept_ok[] = "STREAM STATUS RESULT=OK\n";
static const char sam_closed[] = "STREAM STATUS RESULT=I2P_ERROR MESSAGE=\"Session was closed\"\n";

static void scripted(btc_status st) { cr_assert_eq(st, BTC_OK, "scripting the peer: %s", btc_status_name(st)); }

/* The bridge's side of one exchange: when it has received request, it answers reply. */
static void sam_exchange(btc_fake *f, const char *request, const char *reply)
{
    scripted(btc_fake_expect(f, request, strlen(request)));
    scripted(btc_fake_reply(f, reply, strlen(reply), 0));
}

/* Core: src/test/i2p_tests.cpp, unlimited_recv. The bridge answers with MAX_MSG_SIZE + 1 bytes and no
 * newline; Core's RecvUntilTerminator gives up with "too many bytes without a terminator". */
Test(core_ports, i2p_unlimited_recv)
{
    static uint8_t flood[SAM_MAX_MSG + 1];
    memset(flood, 'a', sizeof flood);
    btc_fake f;
    btc_sock s;
    uint8_t sent[64];
    fs_setup(&f, &s);
    btc_fake_set_input(&f, flood, sizeof flood);
    btc_fake_set_output(&f, sent, sizeof sent);
    btc_error err;

    cr_assert_eq(sam_request(&s, sam_hello, &err), SAM_TRANSPORT);
    TS_ASSERT_RECORD(err.status, err);
    TS_ASSERT_STATUS(err.status, BTC_ERR_TOO_LARGE, &err);
    TS_ASSERT_SZ(err.bytes, SAM_MAX_MSG, "bytes consumed before giving up");
    TS_ASSERT_SZ(f.consumed, SAM_MAX_MSG, "consumed");
    TS_ASSERT_SZ(btc_fake_readable(&f), 1, "the byte past max_data is still in the socket");
    cr_assert(sam_line[0] == 'a' && sam_line[SAM_MAX_MSG - 1] == 'a', "what was consumed is in the buffer");
    TS_ASSERT_SZ(f.sent, sizeof sam_hello - 1, "the HELLO went out whole first");
    cr_assert(memcmp(sent, sam_hello, sizeof sam_hello - 1) == 0);
    /* Peeks grow, so a 64 KiB line costs a few dozen reads, not thousands. */
    cr_assert_lt(f.calls[BTC_FAKE_PEEK] + f.calls[BTC_FAKE_READ], 64, "%lu peeks, %lu reads", f.calls[BTC_FAKE_PEEK],
                 f.calls[BTC_FAKE_READ]);

    /* A client reading its replies with a line reader (a 64 KiB window) stops at the same byte. */
    static char window[SAM_MAX_MSG];
    btc_fake_init(&f);
    btc_fake_sock(&f, &s);
    btc_fake_set_input(&f, flood, sizeof flood);
    btc_reader r;
    const char *line = NULL;
    size_t len = 0;
    TS_CHECK_OK(&err, btc_reader_init(&r, &s, window, sizeof window, 0, &err));
    TS_CHECK(BTC_ERR_TOO_LARGE, &err, btc_reader_line(&r, '\n', SAM_TIMEOUT, NULL, &line, &len, &err));
    TS_ASSERT_SZ(len, SAM_MAX_MSG, "the unfinished line handed back");
    TS_ASSERT_SZ(f.consumed, SAM_MAX_MSG, "consumed");
    TS_ASSERT_SZ(btc_fake_readable(&f), 1, "the byte past the window is still in the socket");
}

/* Core: src/test/i2p_tests.cpp, listen_ok_accept_fail (the listening socket). HELLO and STREAM ACCEPT succeed;
 * the line that should be the peer's base64 destination is an I2P_ERROR status instead, so Accept fails
 * ("Error accepting"); then the mock's contents end (EOF). */
Test(core_ports, i2p_listen_ok_accept_fail)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    sam_exchange(&f, sam_hello, sam_hello_ok);
    scripted(btc_fake_expect(&f, S(sam_accept)));
    scripted(btc_fake_reply(&f, S(sam_accept_ok), 0));
    scripted(btc_fake_reply(&f, S(sam_closed), 0));
    scripted(btc_fake_reply_end(&f, 0, 0));
    btc_error err;

    /* Listen: both requests answered RESULT=OK. */
    cr_assert_eq(sam_request(&s, sam_hello, &err), SAM_OK, "HELLO: %s", err.message);
    cr_assert_eq(sam_request(&s, sam_accept, &err), SAM_OK, "STREAM ACCEPT: %s", err.message);
    TS_ASSERT_SZ(btc_fake_readable(&f), sizeof sam_closed - 1, "only the ACCEPT's status line was consumed");

    /* Accept: the next line is read whole, exactly, and is no destination. */
    size_t len = 0;
    cr_assert_eq(sam_read_line(&s, &len, &err), SAM_OK, "%s", err.message);
    TS_ASSERT_SZ(len, sizeof sam_closed - 2, "the line without its newline");
    TS_ASSERT_SZ(err.bytes, sizeof sam_closed - 1, "err.bytes counts the newline");
    cr_assert_not(sam_is_destination(sam_line, len), "a status line taken for a destination: \"%s\"", sam_line);
    cr_assert_not(sam_result_ok(sam_line));
    cr_assert_not_null(strstr(sam_line, "Session was closed"));

    /* Nothing follows: the next read is EOF, with nothing consumed, and the script has run to its end. */
    TS_CHECK(BTC_ERR_CLOSED, &err,
             btc_sock_recv_until_terminator(&s, '\n', SAM_TIMEOUT, NULL, SAM_MAX_MSG, sam_line, &len, 0, &err));
    TS_ASSERT_SZ(err.bytes, 0, "bytes after the end");
    cr_assert(btc_fake_conversation_done(&f));
    cr_assert_not(btc_fake_get_mismatch(&f, NULL));
    btc_fake_free(&f);
}

/* Core: src/test/i2p_tests.cpp, listen_ok_accept_fail (the control socket). Its mock's contents end with
 * one spare byte after SESSION STATUS so that the socket does not read as closed: Core probes the control
 * socket with IsConnected before reusing the session. Here: with the byte pending the probe says connected
 * and consumes nothing; without it the same probe says closed, which is what makes Core recreate the
 * session. */
Test(core_ports, i2p_control_socket_dummy_byte_keeps_it_connected)
{
    for (int dummy = 1; dummy >= 0; dummy--) {
        btc_fake f;
        btc_sock s;
        fs_setup(&f, &s);
        sam_exchange(&f, sam_hello, sam_hello_ok);
        scripted(btc_fake_expect(&f, S(sam_session)));
        scripted(btc_fake_reply(&f, S("SESSION STATUS RESULT=OK\n"), 0));
        if (dummy)
            scripted(btc_fake_reply(&f, S("a"), 0));
        scripted(btc_fake_reply_end(&f, 0, 0));
        btc_error err;

        cr_assert_eq(sam_request(&s, sam_hello, &err), SAM_OK, "HELLO: %s", err.message);
        cr_assert_eq(sam_request(&s, sam_session, &err), SAM_OK, "SESSION CREATE: %s", err.message);
        if (dummy) {
            TS_CHECK_OK(&err, btc_sock_is_connected(&s, &err));
            TS_CHECK_OK(&err, btc_sock_is_connected(&s, &err));
            TS_ASSERT_SZ(btc_fake_readable(&f), 1, "the probe consumed nothing");
        } else {
            TS_CHECK(BTC_ERR_CLOSED, &err, btc_sock_is_connected(&s, &err));
        }
        btc_fake_free(&f);
    }
}

/* Core: src/test/i2p_tests.cpp, listen_ok_accept_fail: its last reply is "STREAM STATUS RESULT=I2P_ERROR",
 * and Core's SAM client treats any reply without RESULT=OK as a failed request. The same verdict from the
 * bridge on SESSION CREATE: the client reports a refusal (not a transport error, not a crash) and sends
 * nothing more, and the conversation shows it stopped there. */
Test(core_ports, i2p_session_create_i2p_error_is_a_refusal)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    sam_exchange(&f, sam_hello, sam_hello_ok);
    sam_exchange(&f, sam_session, "SESSION STATUS RESULT=I2P_ERROR MESSAGE=\"no tunnels\"\n");
    scripted(btc_fake_expect(&f, S(sam_accept))); /* what a client that ignored the verdict would send next */
    btc_error err;

    cr_assert_eq(sam_request(&s, sam_hello, &err), SAM_OK, "HELLO: %s", err.message);
    cr_assert_eq(sam_request(&s, sam_session, &err), SAM_REFUSED);
    TS_ASSERT_STATUS(err.status, BTC_OK, &err); /* the transport did its job */
    cr_assert_not_null(strstr(sam_line, "RESULT=I2P_ERROR"), "line \"%s\"", sam_line);
    TS_ASSERT_SZ(btc_fake_expected_left(&f), sizeof sam_accept - 1, "nothing was sent after the refusal");
    TS_ASSERT_SZ(btc_fake_readable(&f), 0, "the refusal was read whole");
    cr_assert_not(btc_fake_get_mismatch(&f, NULL));
    btc_fake_free(&f);
}

/* ---- src/test/sock_tests.cpp --------------------------------------------------------------------------------- */

/* A peer that never closes and sends data, its bytes from `later` on only at virtual time `at_ms`
 * (Core's tests write them from another thread on the far end of a socketpair). */
static void writer_peer(btc_fake *f, btc_sock *s, const char *data, size_t len, size_t later, int64_t at_ms)
{
    fs_setup(f, s);
    btc_fake_set_input(f, data, len);
    fs_arrive(f, later, at_ms);
    cr_assert(btc_fake_set_end(f, 0, FS_NEVER));
}

/* Core: src/test/sock_tests.cpp, recv_until_terminator_limit. The sender writes "1234567", then "89a\n";
 * with max_data 10 the terminator is the 11th byte, so the receiver fails with "too many bytes without a
 * terminator". Here the two writes are two arrivals 10 virtual ms apart. */
Test(core_ports, sock_recv_until_terminator_limit)
{
    btc_fake f;
    btc_sock s;
    writer_peer(&f, &s, S("123456789a\n"), 7, FS_T0 + 10);
    char buf[10];
    size_t len = 0;
    btc_error err;

    TS_CHECK(BTC_ERR_TOO_LARGE, &err,
             btc_sock_recv_until_terminator(&s, '\n', 60000, NULL, sizeof buf, buf, &len, 0, &err));
    TS_ASSERT_SZ(len, 10, "bytes handed back");
    TS_ASSERT_SZ(err.bytes, 10, "err.bytes");
    cr_assert(memcmp(buf, "123456789a", 10) == 0, "both writes, in order");
    TS_ASSERT_SZ(btc_fake_readable(&f), 1, "the terminator stays in the socket");
    TS_ASSERT_I64(f.now_ms, FS_T0 + 10, "it waited for the second write, not for the timeout");
}

/* Core: src/test/sock_tests.cpp, wait. A Wait with a 24 h timeout returns once the other end sends "a".
 * Here the byte arrives 50 virtual ms in: the wait reports RECV then, and consumes nothing. */
Test(core_ports, sock_wait_returns_when_data_arrives)
{
    btc_fake f;
    btc_sock s;
    writer_peer(&f, &s, S("a"), 0, FS_T0 + 50);
    btc_events occurred = 0;
    btc_error err;

    TS_CHECK_OK(&err, btc_sock_wait(&s, (int64_t)24 * 3600 * 1000, BTC_EV_RECV, &occurred, NULL, &err));
    cr_assert(occurred & BTC_EV_RECV, "occurred 0x%x", (unsigned)occurred);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 50, "woken when the byte arrived");
    TS_ASSERT_SZ(btc_fake_readable(&f), 1, "the wait consumed nothing");
}

/* Counts the close calls in the trace. */
static size_t closes(const btc_fake *f)
{
    size_t n = 0;
    for (size_t i = 0; i < btc_fake_trace_count(f); i++)
        n += btc_fake_trace_at(f, i)->slot == BTC_SYS_SLOT_close;
    return n;
}

/* Core: src/test/sock_tests.cpp, constructor_and_destructor. Destroying the Sock closes its socket. Here
 * btc_sock_reset is the destructor: one close, the handle empty, and a second reset closes nothing. */
Test(core_ports, sock_constructor_and_destructor)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    cr_assert_eq(btc_sock_get(&s), (btc_socket_t)BTC_FAKE_FD);
    cr_assert_not(f.closed);
    btc_error err;

    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
    cr_assert(f.closed);
    cr_assert(btc_sock_is_empty(&s));
    TS_CHECK_OK(&err, btc_sock_reset(&s, &err));
    TS_ASSERT_SZ(closes(&f), 1, "close calls");
    btc_fake_free(&f);
}

/* Core: src/test/sock_tests.cpp, move_constructor. Moving a Sock leaves the socket open in the new owner;
 * destroying the moved-from one closes nothing, destroying the new owner closes it. */
Test(core_ports, sock_move_constructor)
{
    btc_fake f;
    btc_sock s1;
    btc_sock s2 = BTC_SOCK_INIT;
    fs_setup(&f, &s1);
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    btc_error err;

    TS_CHECK_OK(&err, btc_sock_move(&s2, &s1, &err));
    cr_assert(btc_sock_is_empty(&s1));
    cr_assert_eq(btc_sock_get(&s2), (btc_socket_t)BTC_FAKE_FD);
    TS_CHECK_OK(&err, btc_sock_reset(&s1, &err));
    cr_assert_not(f.closed, "the moved-from handle closed the socket");
    TS_CHECK_OK(&err, btc_sock_reset(&s2, &err));
    cr_assert(f.closed);
    TS_ASSERT_SZ(closes(&f), 1, "close calls");
    btc_fake_free(&f);
}

/* Core: src/test/sock_tests.cpp, move_assignment. Move-assigning sock1 into sock2 closes sock2's socket
 * and keeps sock1's open in sock2. Two fakes (each with its own table) stand for the two sockets. */
Test(core_ports, sock_move_assignment)
{
    btc_fake a, b;
    btc_sock s1, s2;
    fs_setup(&a, &s1);
    fs_setup(&b, &s2);
    btc_error err;

    TS_CHECK_OK(&err, btc_sock_move(&s2, &s1, &err));
    cr_assert(b.closed, "sock2's own socket is closed");
    cr_assert_not(a.closed, "sock1's socket lives on in sock2");
    cr_assert_eq(s2.sys, btc_fake_sys(&a), "sock2 now uses sock1's table");
    cr_assert(btc_sock_is_empty(&s1));
    TS_CHECK_OK(&err, btc_sock_reset(&s1, &err));
    cr_assert_not(a.closed);
    TS_CHECK_OK(&err, btc_sock_reset(&s2, &err));
    cr_assert(a.closed);
    TS_ASSERT_SZ(a.calls[BTC_FAKE_OTHER] + b.calls[BTC_FAKE_OTHER], 2, "one close each, nothing else");
}

/* Sends "abcd" through s and receives 4 bytes into a 10-byte buffer, as Core's SendAndRecvMessage does. */
static void send_and_recv_abcd(const btc_sock *s, const btc_fake *f, size_t sent_before)
{
    size_t n = 0;
    char buf[10];
    btc_error err;
    TS_CHECK_OK(&err, btc_sock_send(s, "abcd", 4, 0, &n, &err));
    TS_ASSERT_SZ(n, 4, "bytes sent");
    TS_ASSERT_SZ(f->sent, sent_before + 4, "bytes the peer has");
    TS_CHECK_OK(&err, btc_sock_recv(s, buf, sizeof buf, 0, &n, &err));
    TS_ASSERT_SZ(n, 4, "a recv into a larger buffer returns what there is");
    cr_assert(memcmp(buf, "abcd", 4) == 0);
}

/* Core: src/test/sock_tests.cpp, send_and_receive, one end only: a send and a recv work before and after
 * the Sock is moved (once by construction, once by assignment into an empty one). The other end of Core's
 * socketpair is the fake's peer; the second "abcd" arrives 10 virtual ms in. */
Test(core_ports, sock_send_and_receive_across_moves)
{
    btc_fake f;
    btc_sock s0;
    btc_sock s1 = BTC_SOCK_INIT;
    uint8_t out[16];
    writer_peer(&f, &s0, S("abcdabcd"), 4, FS_T0 + 10);
    btc_fake_set_output(&f, out, sizeof out);
    btc_error err;

    send_and_recv_abcd(&s0, &f, 0);
    TS_CHECK_OK(&err, btc_sock_move(&s1, &s0, &err));
    TS_CHECK_OK(&err, btc_sock_wait(&s1, 1000, BTC_EV_RECV, NULL, NULL, &err));
    send_and_recv_abcd(&s1, &f, 4);
    cr_assert(memcmp(out, "abcdabcd", 8) == 0, "the peer got both sends, in order");
    TS_CHECK_OK(&err, btc_sock_reset(&s1, &err));
    cr_assert(f.closed);
}

/* ---- src/test/fuzz/socks5.cpp (Socks5 over FuzzedSock) ---------------------------------------------------------- */

#define NO_AUTH "\x05\x00"
#define GREETING "\x05\x01\x00"
#define CONNECT_10_0_0_1 "\x05\x01\x00\x01\x0a\x00\x00\x01\x20\x8d"
#define BOUND4 "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"

/* A proxy that answers the greeting with reply1 and the CONNECT request with reply2 (NULL: nothing). */
static void socks_script(btc_fake *f, btc_sock *s, const char *reply1, size_t len1, const char *reply2, size_t len2,
                         int64_t delay_ms)
{
    fs_setup(f, s);
    scripted(btc_fake_expect(f, S(GREETING)));
    scripted(btc_fake_reply(f, reply1, len1, delay_ms));
    scripted(btc_fake_expect(f, S(CONNECT_10_0_0_1)));
    if (reply2 != NULL)
        scripted(btc_fake_reply(f, reply2, len2, delay_ms));
}

/* Core: src/test/fuzz/socks5.cpp, FUZZ_TARGET(socks5), which notes it would have caught CVE-2017-18350 (a
 * proxy's domain-name reply overflowing a fixed buffer). The largest such reply, a 255-byte name, is read
 * exactly into the bound address, also one byte per read as a FuzzedSock may hand it out, and the tunnel's
 * first bytes stay in the socket. */
Test(core_ports, socks5_domain_reply_of_255_bytes)
{
    static char input[2 + 5 + 255 + 2 + 6];
    memcpy(input, S(NO_AUTH "\x05\x00\x00\x03\xff"));
    memset(input + 7, 'n', 255);
    memcpy(input + 262, S("\x20\x8d"
                          "TUNNEL"));
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        btc_fake f;
        btc_sock s;
        fs_setup(&f, &s);
        btc_fake_set_input(&f, input, sizeof input);
        btc_fake_set_chunks(&f, chunk, chunk, 0);
        btc_socks5_bound bound;
        memset(&bound, 0, sizeof bound);
        btc_error err;

        TS_CHECK_OK(&err, btc_socks5_connect_bound(&s, "10.0.0.1", 8333, NULL, 1000, NULL, &bound, &err));
        cr_assert_eq(bound.atyp, 3);
        cr_assert_eq(bound.len, 255);
        cr_assert(memcmp(bound.addr, input + 7, 255) == 0, "the name as the proxy sent it");
        cr_assert_eq(bound.port, 8333);
        TS_ASSERT_SZ(err.bytes, 264, "bytes read from the proxy");
        TS_ASSERT_SZ(f.consumed, 264, "consumed: the replies and nothing past them");
        TS_ASSERT_SZ(btc_fake_readable(&f), 6, "the tunnel's bytes");
    }
}

/* Core: src/test/fuzz/socks5.cpp, FUZZ_TARGET(socks5): the fuzzer may fire g_socks5_interrupt before the
 * handshake. With the interrupt already set the greeting is still sent once (a send's first attempt comes
 * before the checks, as Core's SendComplete sends before it looks at its interrupt); btcsock's next step
 * looks at the interrupt before reading, so the handshake stops there with nothing read. */
Test(core_ports, socks5_interrupted_before_the_handshake)
{
    btc_fake f;
    btc_sock s;
    socks_script(&f, &s, S(NO_AUTH), S(BOUND4), 0);
    btc_interrupt intr;
    btc_error err;
    TS_CHECK_OK(&err, btc_interrupt_init(&intr, &err));
    btc_interrupt_trigger(&intr);

    TS_CHECK(BTC_ERR_INTERRUPTED, &err, btc_socks5_connect(&s, "10.0.0.1", 8333, NULL, 1000, &intr, &err));
    TS_ASSERT_SZ(f.sent, sizeof GREETING - 1, "sent: the greeting, nothing after it");
    TS_ASSERT_SZ(err.bytes, 0, "bytes read from the proxy");
    TS_ASSERT_SZ(f.consumed, 0, "consumed");
    TS_ASSERT_I64(f.now_ms, FS_T0, "no time passed");
    btc_interrupt_destroy(&intr);
    btc_fake_free(&f);
}

/* Waits that reported readiness which the next read contradicted, from the trace (the fake says EAGAIN,
 * the errno value, on every platform). */
static size_t contradicted_waits(const btc_fake *f)
{
    size_t n = 0;
    for (size_t i = 1; i < btc_fake_trace_count(f); i++) {
        const btc_fake_call *wait = btc_fake_trace_at(f, i - 1);
        const btc_fake_call *read = btc_fake_trace_at(f, i);
        n += wait->slot == BTC_SYS_SLOT_wait && wait->result > 0 && read->slot == BTC_SYS_SLOT_recv &&
             read->result == -1 && read->error == EAGAIN;
    }
    return n;
}

/* Core: src/test/fuzz/socks5.cpp over FuzzedSock (src/test/fuzz/util/net.cpp): short sends and reads,
 * EINTR and EAGAIN from send and recv, an interrupted wait, and waits that report readiness the next call
 * contradicts. The handshake still completes, exactly, within its deadline; the replies come 30 virtual ms
 * after each request. */
Test(core_ports, socks5_over_fuzzedsock_tricks)
{
    btc_fake f;
    btc_sock s;
    socks_script(&f, &s, S(NO_AUTH), S(BOUND4 "TUNNEL"), 30);
    btc_fake_set_chunks(&f, 1, 1, 1);
    fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_FAIL, TS_EINTR);
    fs_push(&f, BTC_FAKE_SEND, BTC_FAKE_FAIL, TS_EAGAIN);
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_FAIL, TS_EINTR);
    fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FAIL, TS_EINTR);
    for (int i = 0; i < 3; i++) {
        fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_FALSE_READY, 0);
        fs_push(&f, BTC_FAKE_WAIT, BTC_FAKE_SPURIOUS, 5);
    }
    cr_assert_eq(btc_fake_trace_start(&f), BTC_OK);
    btc_socks5_bound bound;
    btc_error err;

    TS_CHECK_OK(&err, btc_socks5_connect_bound(&s, "10.0.0.1", 8333, NULL, 1000, NULL, &bound, &err));
    cr_assert_geq(contradicted_waits(&f), 1, "no wait's readiness was contradicted by the read after it");
    cr_assert_eq(bound.atyp, 1);
    cr_assert_eq(bound.port, 8080);
    TS_ASSERT_SZ(err.bytes, 12, "bytes read from the proxy");
    TS_ASSERT_SZ(btc_fake_readable(&f), 6, "the tunnel's bytes");
    cr_assert_not(btc_fake_get_mismatch(&f, NULL), "every byte sent once, in order");
    TS_ASSERT_SZ(btc_fake_expected_left(&f), 0, "the proxy got both requests");
    TS_ASSERT_SZ(btc_fake_steps_left(&f), 0, "every trick was played");
    cr_assert_geq(f.now_ms, FS_T0 + 60, "both replies were waited for");
    cr_assert_leq(f.now_ms, FS_T0 + 1000, "within the deadline");
    btc_fake_free(&f);
}

/* Core: src/test/fuzz/socks5.cpp (the replies Core's Socks5 in netbase.cpp refuses, which the fuzz target
 * reaches; Core has no unit test of them). Each bad reply ends the handshake at its step: the status and
 * code say why, err.bytes how much was read, and the proxy shows the client sent nothing after it. */
Test(core_ports, socks5_bad_replies_stop_the_client_at_their_step)
{
    static const struct {
        const char *reply1;
        size_t len1;
        const char *reply2;
        size_t len2;
        bool closes; /* the proxy closes after its last reply */
        btc_status status;
        int code;
        size_t bytes;      /* read from the proxy */
        bool connect_sent; /* the CONNECT request went out */
    } cases[] = {
        {S("\x04\x00"), NULL, 0, false, BTC_ERR_PROXY, 0, 2, false},           /* not version 5 */
        {S("\x05\xff"), NULL, 0, false, BTC_ERR_PROXY, 0, 2, false},           /* no acceptable method */
        {S(NO_AUTH), S("\x05\x05\x00\x01"), false, BTC_ERR_PROXY, 5, 6, true}, /* connection refused */
        {S(NO_AUTH), S("\x05\x00\x01\x01"), false, BTC_ERR_PROXY, 0, 6, true}, /* reserved byte set */
        {S(NO_AUTH), S("\x05\x00\x00\x02"), false, BTC_ERR_PROXY, 0, 6, true}, /* unknown address type */
        {S(NO_AUTH), S("\x05\x00\x00"), true, BTC_ERR_CLOSED, 0, 5, true},     /* closed mid-reply */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        btc_fake f;
        btc_sock s;
        socks_script(&f, &s, cases[i].reply1, cases[i].len1, cases[i].reply2, cases[i].len2, 0);
        if (cases[i].closes)
            scripted(btc_fake_reply_end(&f, 0, 0));
        btc_error err;

        TS_CHECK(cases[i].status, &err, btc_socks5_connect(&s, "10.0.0.1", 8333, NULL, 1000, NULL, &err));
        cr_assert_eq(err.code, cases[i].code, "case %zu: code %d", i, err.code);
        TS_ASSERT_SZ(err.bytes, cases[i].bytes, "bytes read from the proxy");
        TS_ASSERT_SZ(btc_fake_expected_left(&f), cases[i].connect_sent ? 0 : sizeof CONNECT_10_0_0_1 - 1,
                     "CONNECT bytes not sent");
        cr_assert_not(btc_fake_get_mismatch(&f, NULL), "case %zu: the client sent something unexpected", i);
        btc_fake_free(&f);
    }
}

/* ---- src/test/pcp_tests.cpp (PCPTestSock: a scripted gateway) -------------------------------------------------- */
/*
 * Core's NAT-PMP and PCP clients speak UDP; btc_fake is a stream, so one datagram is one scripted reply
 * read with recv_exact. The client below does what the ported cases rely on: send the request, wait up to
 * timeout_ms for the reply, and on a timeout (only) try again, up to `tries` times.
 */

#define PCP_LEN 60 /* a PCP MAP request and its response */

static btc_status gateway_request(const btc_sock *s, const uint8_t *req, size_t req_len, uint8_t *reply,
                                  size_t reply_len, int tries, int64_t timeout_ms, btc_error *err)
{
    btc_status st = BTC_ERR_TIMEOUT;
    for (int i = 0; i < tries && st == BTC_ERR_TIMEOUT; i++) {
        st = btc_sock_send_complete(s, req, req_len, timeout_ms, NULL, err);
        if (st == BTC_OK)
            st = btc_sock_recv_exact(s, reply, reply_len, timeout_ms, NULL, err);
    }
    return st;
}

/* A PCP MAP request for TCP port 1234 (RFC 6887: version 2, opcode 1, lifetime 1000, nonce 11..cc). */
static void pcp_map_request(uint8_t req[PCP_LEN])
{
    memset(req, 0, PCP_LEN);
    req[0] = 2;
    req[1] = 1;
    req[6] = 0x03;
    req[7] = 0xe8;
    for (int i = 0; i < 12; i++)
        req[24 + i] = (uint8_t)(0x11 * (i + 1));
    req[36] = 6;
    req[40] = req[42] = 0x04;
    req[41] = req[43] = 0xd2;
}

/* Its response: result code `result`, lifetime 500, external 1.2.3.4:1234. */
static void pcp_map_response(uint8_t resp[PCP_LEN], uint8_t result)
{
    uint8_t req[PCP_LEN];
    pcp_map_request(req);
    memcpy(resp, req, PCP_LEN);
    memset(resp + 4, 0, 20);
    resp[1] = 0x81;
    resp[3] = result;
    resp[6] = 0x01;
    resp[7] = 0xf4;
    memcpy(resp + 44, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x01\x02\x03\x04", 16);
}

/* The gateway's side: when it has received req, it answers resp after delay_ms. */
static void gateway_exchange(btc_fake *f, const void *req, size_t req_len, const void *resp, size_t resp_len,
                             int64_t delay_ms)
{
    scripted(btc_fake_expect(f, req, req_len));
    scripted(btc_fake_reply(f, resp, resp_len, delay_ms));
}

/* A fake gateway with no script yet, and the PCP request the client will send it. */
static void pcp_setup(btc_fake *f, btc_sock *s, uint8_t req[PCP_LEN])
{
    pcp_map_request(req);
    fs_setup(f, s);
}

static const uint8_t natpmp_addr_req[2] = {0, 0};
static const uint8_t natpmp_map_req[12] = {0, 2, 0, 0, 0x04, 0xd2, 0x04, 0xd2, 0, 0, 0x03, 0xe8};

/* A NAT-PMP gateway: it answers the address request (external address 1.2.3.4) and then the TCP mapping
 * request (1234 -> 1234 for 500 s), each 2 ms later, with the given result codes. */
static void natpmp_gateway(btc_fake *f, btc_sock *s, uint8_t addr_result, uint8_t map_result)
{
    uint8_t a[12] = {0, 0x80, 0, 0, 0x66, 0xfd, 0xa1, 0xee, 1, 2, 3, 4};
    uint8_t m[16] = {0, 0x82, 0, 0, 0x66, 0xfd, 0xa1, 0xee, 0x04, 0xd2, 0x04, 0xd2, 0, 0, 0x01, 0xf4};
    a[3] = addr_result;
    m[3] = map_result;
    fs_setup(f, s);
    gateway_exchange(f, natpmp_addr_req, sizeof natpmp_addr_req, a, sizeof a, 2);
    gateway_exchange(f, natpmp_map_req, sizeof natpmp_map_req, m, sizeof m, 2);
}

/* Core: src/test/pcp_tests.cpp, natpmp_ipv4. Two exchanges, each answered 2 ms later, within a 200 ms
 * timeout: the external address and the mapping come back, and the script ran to its end. */
Test(core_ports, pcp_natpmp_ipv4)
{
    uint8_t reply[16];
    btc_fake f;
    btc_sock s;
    natpmp_gateway(&f, &s, 0, 0);
    btc_error err;

    TS_CHECK_OK(&err, gateway_request(&s, natpmp_addr_req, sizeof natpmp_addr_req, reply, 12, 1, 200, &err));
    cr_assert(reply[1] == 0x80 && reply[3] == 0, "an external-address answer, success");
    cr_assert(memcmp(reply + 8, "\x01\x02\x03\x04", 4) == 0, "external address 1.2.3.4");
    TS_CHECK_OK(&err, gateway_request(&s, natpmp_map_req, sizeof natpmp_map_req, reply, 16, 1, 200, &err));
    cr_assert(reply[1] == 0x82 && reply[3] == 0, "a TCP mapping answer, success");
    cr_assert_eq(reply[10] << 8 | reply[11], 1234, "external port");
    cr_assert_eq(reply[14] << 8 | reply[15], 500, "lifetime");
    cr_assert(btc_fake_conversation_done(&f));
    TS_ASSERT_I64(f.now_ms, FS_T0 + 4, "two 2 ms answers");
    btc_fake_free(&f);
}

/* Core: src/test/pcp_tests.cpp, natpmp_protocol_error. A non-zero result code in the address answer ends
 * the exchange before the mapping request (which the gateway's script still expects); one in the mapping
 * answer ends it after both. Either way each answer was read exactly. */
Test(core_ports, pcp_natpmp_protocol_error)
{
    for (int failing = 0; failing < 2; failing++) {
        uint8_t reply[16];
        btc_fake f;
        btc_sock s;
        natpmp_gateway(&f, &s, failing == 0 ? 0x42 : 0, failing == 1 ? 0x43 : 0);
        btc_error err;

        TS_CHECK_OK(&err, gateway_request(&s, natpmp_addr_req, sizeof natpmp_addr_req, reply, 12, 1, 200, &err));
        if (reply[3] == 0)
            TS_CHECK_OK(&err, gateway_request(&s, natpmp_map_req, sizeof natpmp_map_req, reply, 16, 1, 200, &err));
        cr_assert_eq(reply[3], failing == 0 ? 0x42 : 0x43, "the result code that stopped the client");
        TS_ASSERT_SZ(btc_fake_expected_left(&f), failing == 0 ? sizeof natpmp_map_req : 0, "request bytes not sent");
        TS_ASSERT_SZ(btc_fake_readable(&f), 0, "each answer read whole");
        cr_assert_eq(btc_fake_conversation_done(&f), failing == 1);
        btc_fake_free(&f);
    }
}

/* Core: src/test/pcp_tests.cpp, pcp_timeout. A gateway that never answers: three tries of 2000 ms each, the
 * same request each time, and the client ends with a timeout after 6 virtual seconds. */
Test(core_ports, pcp_timeout)
{
    uint8_t req[PCP_LEN], reply[PCP_LEN], out[4 * PCP_LEN];
    btc_fake f;
    btc_sock s;
    pcp_setup(&f, &s, req);
    cr_assert(btc_fake_set_end(&f, 0, FS_NEVER));
    btc_fake_set_output(&f, out, sizeof out);
    btc_error err;

    TS_CHECK(BTC_ERR_TIMEOUT, &err, gateway_request(&s, req, PCP_LEN, reply, PCP_LEN, 3, 2000, &err));
    TS_ASSERT_SZ(err.bytes, 0, "bytes received");
    TS_ASSERT_SZ(f.sent, 3 * PCP_LEN, "three requests");
    for (int i = 0; i < 3; i++)
        cr_assert(memcmp(out + i * PCP_LEN, req, PCP_LEN) == 0, "try %d sent the request", i + 1);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 6000, "three timeouts of 2000 ms");
}

/* Core: src/test/pcp_tests.cpp, pcp_connrefused. The receive fails with ECONNREFUSED (the router's ICMP
 * "port closed"): an I/O error with that code, and no retry: a refusal is not a timeout. */
Test(core_ports, pcp_connrefused)
{
    uint8_t req[PCP_LEN], reply[PCP_LEN];
    btc_fake f;
    btc_sock s;
    pcp_setup(&f, &s, req);
    cr_assert(btc_fake_set_end(&f, 0, FS_NEVER));
    fs_push(&f, BTC_FAKE_READ, BTC_FAKE_FAIL, TS_ECONNREFUSED);
    btc_error err;

    TS_CHECK_CODE(BTC_ERR_IO, TS_ECONNREFUSED, &err, gateway_request(&s, req, PCP_LEN, reply, PCP_LEN, 3, 2000, &err));
    TS_ASSERT_SZ(err.bytes, 0, "bytes received");
    TS_ASSERT_SZ(f.sent, PCP_LEN, "one request");
    TS_ASSERT_I64(f.now_ms, FS_T0, "no time passed");
}

/* Core: src/test/pcp_tests.cpp, pcp_ipv6_timeout_success. The first answer would come after 2001 ms, past
 * the 2000 ms timeout; the client tries again and the answer to the second request comes 200 ms later. In
 * the script: the gateway answers only once it has the request twice. */
Test(core_ports, pcp_timeout_then_success)
{
    uint8_t req[PCP_LEN], resp[PCP_LEN], reply[PCP_LEN];
    pcp_map_response(resp, 0);
    btc_fake f;
    btc_sock s;
    pcp_setup(&f, &s, req);
    scripted(btc_fake_expect(&f, req, PCP_LEN));
    gateway_exchange(&f, req, PCP_LEN, resp, PCP_LEN, 200);
    btc_error err;

    TS_CHECK_OK(&err, gateway_request(&s, req, PCP_LEN, reply, PCP_LEN, 2, 2000, &err));
    cr_assert(memcmp(reply, resp, PCP_LEN) == 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 2000 + 200, "one timeout, then the 200 ms answer");
    cr_assert(btc_fake_conversation_done(&f));
    cr_assert_not(btc_fake_get_mismatch(&f, NULL), "the retry repeated the request exactly");
    btc_fake_free(&f);
}

/* Core: src/test/pcp_tests.cpp, pcp_ipv4_fail_no_resources and pcp_protocol_error. The answer carries a
 * failing result code (8, no resources; 0x42, unknown): it is read whole and the client does not retry. */
Test(core_ports, pcp_failing_result_codes)
{
    static const uint8_t results[] = {0x08, 0x42};
    for (size_t i = 0; i < sizeof results; i++) {
        uint8_t req[PCP_LEN], resp[PCP_LEN], reply[PCP_LEN];
        pcp_map_response(resp, results[i]);
        btc_fake f;
        btc_sock s;
        pcp_setup(&f, &s, req);
        gateway_exchange(&f, req, PCP_LEN, resp, PCP_LEN, 250);
        btc_error err;

        TS_CHECK_OK(&err, gateway_request(&s, req, PCP_LEN, reply, PCP_LEN, 3, 1000, &err));
        cr_assert_eq(reply[3], results[i], "the result code");
        TS_ASSERT_SZ(f.sent, PCP_LEN, "one request");
        cr_assert(btc_fake_conversation_done(&f));
        btc_fake_free(&f);
    }
}

/* Core: src/test/pcp_tests.cpp, pcp_ipv4_fail_unsupported_version. The gateway speaks NAT-PMP only and
 * answers with 8 bytes (version 0, result 1: unsupported version). As a stream: those 8 bytes and then the
 * end; the client gets CLOSED with the 8 bytes in its buffer, enough to tell it should downgrade. */
Test(core_ports, pcp_unsupported_version_short_answer)
{
    uint8_t req[PCP_LEN], reply[PCP_LEN];
    btc_fake f;
    btc_sock s;
    pcp_setup(&f, &s, req);
    gateway_exchange(&f, req, PCP_LEN, "\x00\x81\x00\x01\x00\x00\x00\x00", 8, 500);
    scripted(btc_fake_reply_end(&f, 0, 0));
    btc_error err;

    TS_CHECK(BTC_ERR_CLOSED, &err, gateway_request(&s, req, PCP_LEN, reply, PCP_LEN, 3, 1000, &err));
    TS_ASSERT_SZ(err.bytes, 8, "bytes received before the end");
    cr_assert(reply[0] == 0 && reply[3] == 1, "version 0, result 1 are in the buffer");
    TS_ASSERT_SZ(f.sent, PCP_LEN, "no retry after the end");
    TS_ASSERT_I64(f.now_ms, FS_T0 + 500, "the answer's delay");
    btc_fake_free(&f);
}

/* ---- on a network of fakes: DynSock's pipes, accept queue and WaitMany; FuzzedSock's accept --------------------- */

/* A fake with descriptor fd in network n; s (may be NULL) talks to it. */
static void net_member(btc_fake_net *n, btc_fake *f, btc_socket_t fd, btc_sock *s)
{
    btc_fake_init(f);
    btc_fake_set_fd(f, fd);
    scripted(btc_fake_net_add(n, f, s));
}

static btc_fake_net *net_or_fail(void)
{
    btc_fake_net *n = btc_fake_net_new();
    cr_assert_not_null(n);
    return n;
}

/* Sends text on from and asserts to receives exactly it (thin calls, as Core's test does). */
static void pipe_carries(const btc_sock *from, const btc_sock *to, const char *text)
{
    btc_error err;
    size_t n = 0;
    size_t len = strlen(text);
    cr_assert_eq(btc_sock_send(from, text, len, 0, &n, &err), BTC_OK, "%s", err.message);
    cr_assert_eq(n, len);
    char buf[10];
    cr_assert_eq(btc_sock_recv(to, buf, sizeof buf, 0, &n, &err), BTC_OK, "%s", err.message);
    cr_assert_eq(n, len);
    cr_assert_eq(memcmp(buf, text, len), 0);
}

/* src/test/sock_tests.cpp, send_and_receive: a socket pair carries bytes both ways, before and after moves. */
Test(core_ports, sock_send_and_receive_pair_across_moves)
{
    btc_fake_net *n = net_or_fail();
    btc_fake a, b, other;
    btc_sock sa, sb, so;
    net_member(n, &a, 10, &sa);
    net_member(n, &b, 11, &sb);
    net_member(n, &other, 12, &so);
    scripted(btc_fake_net_pair(n, &a, &b, 4096));
    pipe_carries(&sa, &sb, "abcd");
    pipe_carries(&sb, &sa, "efgh");

    btc_error err;
    btc_sock moved_a = BTC_SOCK_INIT;
    cr_assert_eq(btc_sock_move(&moved_a, &sa, &err), BTC_OK);
    cr_assert_eq(btc_sock_move(&so, &sb, &err), BTC_OK, "into a handle that held another socket");
    cr_assert(other.closed, "the overwritten handle's socket was closed");
    cr_assert(!b.closed && !a.closed);
    pipe_carries(&moved_a, &so, "ijkl");
    pipe_carries(&so, &moved_a, "mnop");

    cr_assert_eq(btc_sock_reset(&sa, &err), BTC_OK);
    cr_assert_eq(btc_sock_reset(&sb, &err), BTC_OK);
    cr_assert(!a.closed && !b.closed, "the moved-from handles close nothing");
    cr_assert_eq(btc_sock_reset(&moved_a, &err), BTC_OK);
    cr_assert_eq(btc_sock_reset(&so, &err), BTC_OK);
    cr_assert(a.closed && b.closed);
    btc_fake_free(&a);
    btc_fake_free(&b);
    btc_fake_net_free(n);
}

/* src/test/sock_tests.cpp, recv_until_terminator_limit over a real pair: the limit, and the rest left readable. */
Test(core_ports, sock_recv_until_terminator_limit_over_a_pair)
{
    btc_fake_net *n = net_or_fail();
    btc_fake a, b;
    btc_sock sa, sb;
    net_member(n, &a, 10, &sa);
    net_member(n, &b, 11, &sb);
    scripted(btc_fake_net_pair(n, &a, &b, 4096));
    btc_error err;
    size_t sent = 0;
    cr_assert_eq(btc_sock_send(&sb, "1234567", 7, 0, &sent, &err), BTC_OK);
    cr_assert_eq(btc_sock_send(&sb, "89a\n", 4, 0, &sent, &err), BTC_OK);
    char buf[16];
    size_t len = 0;
    cr_assert_eq(btc_sock_recv_until_terminator(&sa, '\n', 1000, NULL, 10, buf, &len, 0, &err), BTC_ERR_TOO_LARGE);
    cr_assert_eq(len, 10);
    cr_assert_eq(memcmp(buf, "123456789a", 10), 0);
    cr_assert_eq(btc_fake_readable(&a), 1, "the terminator is still in the socket");
    btc_fake_free(&a);
    btc_fake_free(&b);
    btc_fake_net_free(n);
}

/*
 * src/test/sockman_tests.cpp, test_sockman (ZeroSock's peer 5.5.5.5:6789) and
 * src/test/httpserver_tests.cpp (DynSock's accept queue): a listener hands
 * out a connection whose peer already sent its request; one WaitMany over
 * the listener and the accepted socket; the answer reaches the peer.
 */
Test(core_ports, sockman_accept_receive_and_answer)
{
    btc_fake_net *n = net_or_fail();
    btc_fake listener, served, peer;
    btc_sock ls, ps;
    net_member(n, &listener, 3, &ls);
    net_member(n, &served, 4, NULL);
    net_member(n, &peer, 5, &ps);
    scripted(btc_fake_net_pair(n, &served, &peer, 4096));
    struct sockaddr_in from;
    ts_ipv4_addr(&from, 0x05050505, 6789);
    scripted(btc_fake_add_incoming(&listener, 4, (const struct sockaddr *)&from, (socklen_t)sizeof from, FS_T0 + 10));
    btc_error err;
    size_t sent = 0;
    cr_assert_eq(btc_sock_send(&ps, "bits", 4, 0, &sent, &err), BTC_OK, "the client speaks before the accept");

    btc_wait_item one = {&ls, BTC_EV_RECV, 0};
    cr_assert_eq(btc_wait_many(&one, 1, 1000, NULL, &err), BTC_OK);
    cr_assert_eq(one.occurred, BTC_EV_RECV, "a connection is pending");
    struct sockaddr_storage addr;
    socklen_t alen = (socklen_t)sizeof addr;
    btc_sock conn;
    cr_assert_eq(btc_sock_accept(&ls, (struct sockaddr *)&addr, &alen, &conn, &err), BTC_OK, "%s", err.message);
    cr_assert_eq(alen, (socklen_t)sizeof from);
    cr_assert_eq(memcmp(&addr, &from, sizeof from), 0, "5.5.5.5:6789");
    cr_assert_eq(conn.sys, ls.sys, "the accepted socket carries the listener's table");

    btc_wait_item both[2] = {{&ls, BTC_EV_RECV, 0}, {&conn, BTC_EV_RECV | BTC_EV_SEND, 0}};
    cr_assert_eq(btc_wait_many(both, 2, 1000, NULL, &err), BTC_OK);
    cr_assert_eq(both[0].occurred, 0, "no second connection");
    cr_assert_eq(both[1].occurred, BTC_EV_RECV | BTC_EV_SEND);
    char buf[8];
    cr_assert_eq(btc_sock_recv_exact(&conn, buf, 4, 1000, NULL, &err), BTC_OK);
    cr_assert_eq(memcmp(buf, "bits", 4), 0);
    cr_assert_eq(btc_sock_send_complete(&conn, "ok", 2, 1000, NULL, &err), BTC_OK);
    cr_assert_eq(btc_sock_recv_exact(&ps, buf, 2, 1000, NULL, &err), BTC_OK);
    cr_assert_eq(memcmp(buf, "ok", 2), 0, "the answer reached the peer");
    cr_assert_eq(btc_sock_reset(&conn, &err), BTC_OK);
    btc_fake_free(&listener);
    btc_fake_free(&served);
    btc_fake_free(&peer);
    btc_fake_net_free(n);
}

/* src/test/util/net.cpp, DynSock::WaitMany: readiness per socket; a lie about one (FuzzedSock's) is about that one. */
Test(core_ports, waitmany_readiness_is_per_socket)
{
    btc_fake_net *n = net_or_fail();
    btc_fake a, b, c;
    btc_sock sa, sb, sc;
    net_member(n, &a, 10, &sa);
    net_member(n, &b, 11, &sb);
    net_member(n, &c, 12, &sc);
    static const char in[] = "x";
    btc_fake_set_input(&a, in, 1);
    btc_fake_set_end(&a, 0, FS_NEVER);
    btc_fake_set_end(&b, 0, FS_NEVER);
    btc_fake_set_end(&c, 0, FS_NEVER);
    fs_push(&c, BTC_FAKE_WAIT, BTC_FAKE_FALSE_READY, 0);
    btc_wait_item items[3] = {{&sa, BTC_EV_RECV, 0}, {&sb, BTC_EV_RECV, 0}, {&sc, BTC_EV_RECV, 0}};
    btc_error err;
    cr_assert_eq(btc_wait_many(items, 3, 1000, NULL, &err), BTC_OK);
    cr_assert_eq(items[0].occurred, BTC_EV_RECV, "a has data");
    cr_assert_eq(items[1].occurred, 0, "b has none, and c's lie does not make it ready");
    cr_assert_eq(items[2].occurred, BTC_EV_RECV, "c's readiness is the scripted lie");
    btc_wait_item send_items[2] = {{&sb, BTC_EV_SEND, 0}, {&sc, BTC_EV_SEND, 0}};
    cr_assert_eq(btc_wait_many(send_items, 2, 1000, NULL, &err), BTC_OK);
    cr_assert_eq(send_items[0].occurred, BTC_EV_SEND, "SEND is ready with room to send, as DynSock's");
    cr_assert_eq(send_items[1].occurred, BTC_EV_SEND);
    btc_fake_net_free(n);
}

/* src/test/pcp_tests.cpp (PCPTestSock's GetSockName): the client learns its own address from getsockname. */
Test(core_ports, pcp_internal_address_from_getsockname)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    struct sockaddr_in bound;
    ts_ipv4_addr(&bound, 0xc0a80006, 1); /* 192.168.0.6:1, what the mock answers for a bind-any */
    scripted(btc_fake_set_sockname(&f, (const struct sockaddr *)&bound, (socklen_t)sizeof bound));
    struct sockaddr_storage got;
    socklen_t len = (socklen_t)sizeof got;
    btc_error err;
    cr_assert_eq(btc_sock_get_sock_name(&s, (struct sockaddr *)&got, &len, &err), BTC_OK);
    cr_assert_eq(len, (socklen_t)sizeof bound);
    const struct sockaddr_in *in = (const struct sockaddr_in *)&got;
    cr_assert_eq(ntohl(in->sin_addr.s_addr), 0xc0a80006u);
    cr_assert_eq(ntohs(in->sin_port), 1);
    btc_fake_free(&f);
}

/* src/test/fuzz/util/net.cpp, FuzzedSock::Accept: its errors (ECONNABORTED, EINTR, ENOMEM) and an IPv6 peer. */
Test(core_ports, fuzzedsock_accept_errors_and_an_ipv6_peer)
{
    btc_fake lf;
    btc_sock ls;
    fs_setup(&lf, &ls);
    struct sockaddr_in6 v6;
    memset(&v6, 0, sizeof v6);
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(8333);
    v6.sin6_addr.s6_addr[15] = 1; /* ::1 */
    scripted(btc_fake_add_incoming(&lf, 7, (const struct sockaddr *)&v6, (socklen_t)sizeof v6, FS_T0));
    static const struct {
        int code;
        btc_status want;
    } errors[] = {
        {ECONNABORTED, BTC_ERR_IO}, {EINTR, BTC_ERR_WOULD_BLOCK}, {ENOMEM, BTC_ERR_IO}}; /* NO_MEMORY is a wait's */
    btc_error err;
    btc_sock out;
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        fs_push(&lf, BTC_FAKE_OTHER, BTC_FAKE_FAIL, errors[i].code);
        btc_status st = btc_sock_accept(&ls, NULL, NULL, &out, &err);
        cr_assert_eq(st, errors[i].want, "error %d: %s", errors[i].code, btc_status_name(st));
        cr_assert_eq(err.code, errors[i].code);
        cr_assert(btc_sock_is_empty(&out), "nothing handed out");
    }
    struct sockaddr_storage addr;
    socklen_t alen = (socklen_t)sizeof addr;
    cr_assert_eq(btc_sock_accept(&ls, (struct sockaddr *)&addr, &alen, &out, &err), BTC_OK);
    cr_assert_eq(out.fd, 7);
    cr_assert_eq(alen, (socklen_t)sizeof v6);
    cr_assert_eq(((const struct sockaddr_in6 *)&addr)->sin6_family, AF_INET6);
    cr_assert_eq(memcmp(&addr, &v6, sizeof v6), 0);
    (void)btc_sock_release(&out); /* a number, not a descriptor of this process */
    btc_fake_free(&lf);
}

/* src/test/fuzz/util/net.cpp, FuzzedSock::GetSockOpt: option values beyond SO_ERROR, as scripted. */
Test(core_ports, fuzzedsock_getsockopt_values)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    int type = SOCK_STREAM, keepalive = 1;
    scripted(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_TYPE, &type, (socklen_t)sizeof type));
    scripted(btc_fake_set_sockopt(&f, SOL_SOCKET, SO_KEEPALIVE, &keepalive, (socklen_t)sizeof keepalive));
    btc_error err;
    int val = -1;
    socklen_t len = (socklen_t)sizeof val;
    cr_assert_eq(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_TYPE, &val, &len, &err), BTC_OK);
    cr_assert_eq(val, SOCK_STREAM);
    cr_assert_eq(btc_sock_get_sock_opt(&s, SOL_SOCKET, SO_KEEPALIVE, &val, &len, &err), BTC_OK);
    cr_assert_eq(val, 1);
    btc_fake_free(&f);
}

/* src/test/fuzz/util/net.cpp, FuzzedSock::IsSelectable: a descriptor the select backend cannot hold. */
Test(core_ports, fuzzedsock_unselectable_descriptor)
{
    btc_fake_net *n = net_or_fail();
    btc_fake lf, high;
    btc_sock ls;
    net_member(n, &lf, 3, &ls);
    net_member(n, &high, 5000, NULL); /* past FD_SETSIZE (1024 in the library) */
    scripted(btc_fake_add_incoming(&lf, 5000, NULL, 0, FS_T0));
    btc_error err;
    btc_sock out;
    btc_status st = btc_sock_accept(&ls, NULL, NULL, &out, &err);
    if (btc_is_selectable_socket(5000)) {
        cr_assert_eq(st, BTC_OK, "%s backend: %s", btc_wait_backend(), err.message);
        cr_assert_eq(btc_sock_reset(&out, &err), BTC_OK);
    } else {
        cr_assert_eq(st, BTC_ERR_NOT_SELECTABLE, "%s backend: %s", btc_wait_backend(), btc_status_name(st));
        cr_assert(btc_sock_is_empty(&out));
        cr_assert(high.closed, "the socket it could not use was closed, not leaked");
    }
    btc_fake_free(&lf);
    btc_fake_net_free(n);
}
