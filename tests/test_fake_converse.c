/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fake_converse.c - the fake's conversation (btc_fake_expect,
 * btc_fake_reply, btc_fake_reply_end), its mismatch record and the send
 * callback, driven through the library's high-level operations as a user's
 * protocol client would drive them.
 */
#include <errno.h>

#include "fake_support.h"

TestSuite(converse, .timeout = 20);

#define STR_AND_LEN(s) (s), (sizeof(s) - 1)

static const char hello[] = "HELLO VERSION MIN=3.1 MAX=3.1\n";
static const char hello_reply[] = "HELLO REPLY RESULT=OK VERSION=3.1\n";
static const char session[] = "SESSION CREATE STYLE=STREAM ID=t DESTINATION=TRANSIENT\n";
static const char session_reply[] = "SESSION STATUS RESULT=OK DESTINATION=abc\n";

/* A SAM-style client step: sends a command line, reads the one-line answer into line (NUL-terminated). */
static btc_status sam_command(const btc_sock *s, const char *cmd, char *line, size_t cap, btc_error *err)
{
    btc_status st = btc_sock_send_complete(s, cmd, strlen(cmd), 1000, NULL, err);
    if (st != BTC_OK)
        return st;
    size_t len = 0;
    return btc_sock_recv_until_terminator(s, '\n', 1000, NULL, cap - 1, line, &len, 0, err);
}

/* A client written the wrong way round: it waits for the peer to speak first. */
static btc_status sam_read_first(const btc_sock *s, char *line, size_t cap, btc_error *err)
{
    size_t len = 0;
    btc_status st = btc_sock_recv_until_terminator(s, '\n', 1000, NULL, cap - 1, line, &len, 0, err);
    if (st != BTC_OK)
        return st;
    return btc_sock_send_complete(s, hello, sizeof hello - 1, 1000, NULL, err);
}

/* Asserts the first mismatch: where, what the script expected, what was sent. */
static void assert_mismatch(const btc_fake *f, size_t offset, int expected, int actual)
{
    btc_fake_mismatch m;
    cr_assert(btc_fake_get_mismatch(f, &m), "no mismatch recorded");
    cr_assert_eq(m.offset, offset, "offset %zu, expected %zu", m.offset, offset);
    cr_assert_eq(m.expected, expected, "expected byte %d, not %d", m.expected, expected);
    cr_assert_eq(m.actual, actual, "actual byte %d, not %d", m.actual, actual);
}

static void script_ok(btc_status st) { cr_assert_eq(st, BTC_OK, "scripting: %s", btc_status_name(st)); }

/* The HELLO exchange: the reply comes delay_ms after the peer has the whole HELLO. */
static void script_hello(btc_fake *f, int64_t delay_ms)
{
    script_ok(btc_fake_expect(f, STR_AND_LEN(hello)));
    script_ok(btc_fake_reply(f, STR_AND_LEN(hello_reply), delay_ms));
}

/* The client's HELLO (from offset `from` of it) gets the scripted reply. */
static void hello_ok(const btc_sock *s, size_t from)
{
    char line[128];
    btc_error err;
    TS_ASSERT_STATUS(sam_command(s, hello + from, line, sizeof line, &err), BTC_OK, &err);
    cr_assert_str_eq(line, "HELLO REPLY RESULT=OK VERSION=3.1");
}

/* The HELLO exchange, then a SESSION exchange. */
static void script_sam(btc_fake *f)
{
    script_hello(f, 0);
    script_ok(btc_fake_expect(f, STR_AND_LEN(session)));
    script_ok(btc_fake_reply(f, STR_AND_LEN(session_reply), 0));
}

Test(converse, sam_handshake_runs_to_the_end)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    fs_setup(&f, &s);
    script_sam(&f);

    hello_ok(&s, 0);
    cr_assert_not(btc_fake_conversation_done(&f), "the SESSION exchange is still to come");
    TS_ASSERT_STATUS(sam_command(&s, session, line, sizeof line, &err), BTC_OK, &err);
    cr_assert_str_eq(line, "SESSION STATUS RESULT=OK DESTINATION=abc");

    cr_assert(btc_fake_conversation_done(&f));
    cr_assert_not(btc_fake_get_mismatch(&f, NULL));
    cr_assert_eq(btc_fake_expected_left(&f), 0);
    cr_assert_eq(f.now_ms, FS_T0, "no reply was delayed: no virtual time passed");
    btc_fake_free(&f);
}

Test(converse, a_client_that_reads_before_it_sends_times_out)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    fs_setup(&f, &s);
    script_sam(&f);

    TS_ASSERT_STATUS(sam_read_first(&s, line, sizeof line, &err), BTC_ERR_TIMEOUT, &err);
    cr_assert_eq(f.sent, 0);
    cr_assert_eq(btc_fake_expected_left(&f), sizeof hello - 1 + sizeof session - 1);
    cr_assert_not(btc_fake_conversation_done(&f));
    btc_fake_free(&f);
}

Test(converse, the_same_client_with_no_time_limit_ends_closed_instead_of_hanging)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    size_t len = 0;
    fs_setup(&f, &s);
    script_sam(&f);
    btc_status st =
        btc_sock_recv_until_terminator(&s, '\n', BTC_TIMEOUT_INFINITE, NULL, sizeof line, line, &len, 0, &err);
    TS_ASSERT_STATUS(st, BTC_ERR_CLOSED, &err);
    btc_fake_free(&f);
}

Test(converse, a_reply_waits_for_the_whole_expectation_even_across_chunks)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    btc_fake_set_chunks(&f, 0, 0, 3); /* the kernel takes 3 bytes a send */
    script_sam(&f);

    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(sys->send(sys->ctx, BTC_FAKE_FD, hello, 10, BTC_MSG_DONTWAIT), 3);
    cr_assert_eq(btc_fake_readable(&f), 0, "the peer has not received its whole HELLO yet");
    hello_ok(&s, 3);
    btc_fake_free(&f);
}

Test(converse, a_delayed_reply_arrives_after_its_delay_in_virtual_time)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    script_hello(&f, 250);
    hello_ok(&s, 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 250, "the read waited for the reply's arrival");
    btc_fake_free(&f);
}

Test(converse, a_reply_that_would_overtake_an_earlier_one_waits_for_it)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    script_ok(btc_fake_reply(&f, "A", 1, 100)); /* a greeting, 100 ms late */
    script_ok(btc_fake_expect(&f, "x", 1));
    script_ok(btc_fake_reply(&f, "B", 1, 0));

    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(sys->send(sys->ctx, BTC_FAKE_FD, "x", 1, BTC_MSG_DONTWAIT), 1);
    cr_assert_eq(btc_fake_readable(&f), 0, "B may not arrive before A");
    char buf[4];
    btc_error err;
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, buf, 2, 1000, NULL, &err), BTC_OK, &err);
    cr_assert_eq(memcmp(buf, "AB", 2), 0);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 100, "both arrived with A");
    cr_assert(btc_fake_conversation_done(&f));
    btc_fake_free(&f);
}

Test(converse, a_greeting_is_readable_at_once)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[64];
    size_t len = 0;
    fs_setup(&f, &s);
    script_ok(btc_fake_reply(&f, STR_AND_LEN("220 ready\n"), 0));
    TS_ASSERT_STATUS(btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof line, line, &len, 0, &err), BTC_OK,
                     &err);
    cr_assert_eq(len, 9);
    cr_assert(btc_fake_conversation_done(&f));
    btc_fake_free(&f);
}

/* ---- mismatches ------------------------------------------------------------- */

Test(converse, a_mismatch_records_offset_and_both_bytes_then_the_peer_resets)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    static const char wrong[] = "HELLO VERSION MIN=3.0 MAX=3.1\n";
    fs_setup(&f, &s);
    script_sam(&f);

    TS_ASSERT_STATUS(sam_command(&s, wrong, line, sizeof line, &err), BTC_ERR_IO, &err);
    cr_assert_eq(err.code, ECONNRESET, "the read sees the reset: err.code %d", err.code);
    cr_assert_eq(f.sent, sizeof wrong - 1, "the send itself was accepted, as a kernel's would be");

    assert_mismatch(&f, 20, '1', '0');
    cr_assert_not(btc_fake_conversation_done(&f));

    /* A broken peer takes nothing more. */
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, session, sizeof session - 1, 1000, NULL, &err), BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EPIPE, "err.code %d", err.code);
    btc_fake_free(&f);
}

Test(converse, a_mismatch_can_close_instead_of_resetting)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    fs_setup(&f, &s);
    cr_assert(btc_fake_on_mismatch(&f, 0));
    script_sam(&f);
    TS_ASSERT_STATUS(sam_command(&s, "HELLO\n", line, sizeof line, &err), BTC_ERR_CLOSED, &err);
    assert_mismatch(&f, 5, ' ', '\n');
    btc_fake_free(&f);
}

Test(converse, only_the_first_mismatch_is_recorded)
{
    btc_fake f;
    btc_sock s;
    fs_setup(&f, &s);
    script_ok(btc_fake_expect(&f, "abcd", 4));
    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(sys->send(sys->ctx, BTC_FAKE_FD, "aXcY", 4, BTC_MSG_DONTWAIT), 4);
    assert_mismatch(&f, 1, 'b', 'X');
    cr_assert_eq(sys->send(sys->ctx, BTC_FAKE_FD, "Z", 1, BTC_MSG_DONTWAIT), -1);
    cr_assert_eq(sys->last_error(sys->ctx), EPIPE);
    assert_mismatch(&f, 1, 'b', 'X'); /* still the first one */
    btc_fake_free(&f);
}

Test(converse, a_mismatch_in_a_gather_send_points_into_the_right_piece)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    fs_setup(&f, &s);
    script_ok(btc_fake_expect(&f, STR_AND_LEN("GET /a\r\n")));
    btc_iovec iov[3] = {{"GET ", 4}, {"/b", 2}, {"\r\n", 2}};
    TS_ASSERT_STATUS(btc_sock_send_complete_v(&s, iov, 3, 1000, NULL, &err), BTC_OK, &err);
    assert_mismatch(&f, 5, 'a', 'b');
    btc_fake_free(&f);
}

Test(converse, a_script_that_ends_early_makes_further_bytes_a_mismatch)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    fs_setup(&f, &s);
    script_hello(&f, 0);
    hello_ok(&s, 0);
    cr_assert(btc_fake_conversation_done(&f));
    TS_ASSERT_STATUS(sam_command(&s, session, line, sizeof line, &err), BTC_ERR_IO, &err);
    cr_assert_eq(err.code, ECONNRESET);
    assert_mismatch(&f, sizeof hello - 1, BTC_FAKE_NO_BYTE, 'S');
    btc_fake_free(&f);
}

Test(converse, a_client_that_stops_early_leaves_the_conversation_unfinished)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    fs_setup(&f, &s);
    script_sam(&f);
    TS_ASSERT_STATUS(sam_command(&s, hello, line, sizeof line, &err), BTC_OK, &err);
    cr_assert_not(btc_fake_conversation_done(&f));
    cr_assert_eq(btc_fake_expected_left(&f), sizeof session - 1);
    cr_assert_not(btc_fake_get_mismatch(&f, NULL));
    btc_fake_free(&f);
}

Test(converse, an_unread_reply_leaves_the_conversation_unfinished)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    fs_setup(&f, &s);
    script_ok(btc_fake_expect(&f, "ping", 4));
    script_ok(btc_fake_reply(&f, "pong", 4, 0));
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "ping", 4, 1000, NULL, &err), BTC_OK, &err);
    cr_assert_eq(btc_fake_expected_left(&f), 0);
    cr_assert_not(btc_fake_conversation_done(&f), "pong was never read");
    btc_fake_free(&f);
}

/* ---- how the peer ends -------------------------------------------------------- */

Test(converse, reply_end_close_gives_eof_after_the_replies)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[128];
    size_t len = 0;
    fs_setup(&f, &s);
    script_ok(btc_fake_expect(&f, STR_AND_LEN(hello)));
    script_ok(btc_fake_reply(&f, STR_AND_LEN(hello_reply), 0));
    script_ok(btc_fake_reply_end(&f, 0, 0));

    TS_ASSERT_STATUS(sam_command(&s, hello, line, sizeof line, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof line, line, &len, 0, &err),
                     BTC_ERR_CLOSED, &err);
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "x", 1, 1000, NULL, &err), BTC_ERR_IO, &err);
    cr_assert_eq(err.code, EPIPE);
    cr_assert(btc_fake_conversation_done(&f));
    btc_fake_free(&f);
}

Test(converse, reply_end_reset_after_a_delay)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char buf[8];
    fs_setup(&f, &s);
    script_ok(btc_fake_expect(&f, "QUIT\n", 5));
    script_ok(btc_fake_reply_end(&f, ECONNRESET, 40));
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "QUIT\n", 5, 1000, NULL, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, buf, 1, 1000, NULL, &err), BTC_ERR_IO, &err);
    cr_assert_eq(err.code, ECONNRESET);
    TS_ASSERT_I64(f.now_ms, FS_T0 + 40, "the reset came 40 virtual ms after QUIT");
    btc_fake_free(&f);
}

Test(converse, without_an_end_the_input_ends_as_set_end_says)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char buf[8];
    fs_setup(&f, &s);
    btc_fake_set_end(&f, 0, FS_NEVER);
    script_ok(btc_fake_expect(&f, "a", 1));
    script_ok(btc_fake_reply(&f, "b", 1, 0));
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "a", 1, 1000, NULL, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, buf, 2, 500, NULL, &err), BTC_ERR_TIMEOUT, &err);
    cr_assert_eq(err.bytes, 1, "b was read, then silence");
    btc_fake_free(&f);
}

/* ---- the send callback ----------------------------------------------------------- */

/* An echo peer that answers each run in upper case and logs what it saw. */
typedef struct echo_log {
    char seen[256];
    size_t seen_len;
    size_t next_offset;
    bool offsets_in_order;
    int calls;
} echo_log;

static void echo_upper(btc_fake *f, const uint8_t *data, size_t len, size_t offset, void *user)
{
    echo_log *log = user;
    log->offsets_in_order = log->offsets_in_order && offset == log->next_offset;
    log->next_offset = offset + len;
    log->calls++;
    char up[64];
    cr_assert_leq(len, sizeof up);
    for (size_t i = 0; i < len; i++) {
        up[i] = (char)(data[i] >= 'a' && data[i] <= 'z' ? data[i] - 'a' + 'A' : data[i]);
        log->seen[log->seen_len++] = (char)data[i];
    }
    cr_assert_eq(btc_fake_reply(f, up, len, 0), BTC_OK);
}

Test(converse, a_send_callback_plays_the_peer)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char line[64];
    size_t len = 0;
    echo_log log = {.offsets_in_order = true};
    fs_setup(&f, &s);
    btc_fake_set_chunks(&f, 0, 0, 2);
    btc_fake_on_send(&f, echo_upper, &log);

    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "ping me\n", 8, 1000, NULL, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_recv_until_terminator(&s, '\n', 1000, NULL, sizeof line, line, &len, 0, &err), BTC_OK,
                     &err);
    cr_assert_str_eq(line, "PING ME");
    cr_assert_eq(log.calls, 4, "one call per 2-byte chunk the kernel took");
    cr_assert(log.offsets_in_order);
    cr_assert_eq(memcmp(log.seen, "ping me\n", 8), 0);
    cr_assert_not(btc_fake_get_mismatch(&f, NULL), "no expectation: nothing is checked");
    btc_fake_free(&f);
}

/* A callback that hangs up on the first byte it sees. */
static void hang_up(btc_fake *f, const uint8_t *data, size_t len, size_t offset, void *user)
{
    (void)data;
    (void)len;
    (void)offset;
    (void)user;
    btc_fake_peer_close(f);
    cr_assert_eq(btc_fake_reply(f, "late", 4, 0), BTC_ERR_CLOSED, "nothing after the close");
}

Test(converse, a_send_callback_may_close_the_connection)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    char buf[4];
    fs_setup(&f, &s);
    btc_fake_on_send(&f, hang_up, NULL);
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "x", 1, 1000, NULL, &err), BTC_OK, &err);
    TS_ASSERT_STATUS(btc_sock_recv_exact(&s, buf, 1, 1000, NULL, &err), BTC_ERR_CLOSED, &err);
    btc_fake_free(&f);
}

/* With an expectation too, the script checks and the callback still sees everything. */
static void count_bytes(btc_fake *f, const uint8_t *data, size_t len, size_t offset, void *user)
{
    (void)f;
    (void)data;
    (void)offset;
    *(size_t *)user += len;
}

Test(converse, a_callback_sees_bytes_the_script_also_checks)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    size_t seen = 0;
    fs_setup(&f, &s);
    btc_fake_on_send(&f, count_bytes, &seen);
    script_ok(btc_fake_expect(&f, "abc", 3));
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "abd", 3, 1000, NULL, &err), BTC_OK, &err);
    cr_assert_eq(seen, 3);
    cr_assert(btc_fake_get_mismatch(&f, NULL));
    btc_fake_free(&f);
}

/* ---- no caps -------------------------------------------------------------------- */

Test(converse, a_long_conversation_has_no_fixed_cap)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    enum { ROUNDS = 3000 }; /* well past BTC_FAKE_MAX_STEPS and BTC_FAKE_MAX_ARRIVALS */
    fs_setup(&f, &s);
    for (unsigned i = 0; i < ROUNDS; i++) {
        uint8_t q[2] = {(uint8_t)('a' + i % 26), '\n'};
        uint8_t a[3] = {(uint8_t)('A' + i % 26), (uint8_t)('0' + i % 10), '\n'};
        script_ok(btc_fake_expect(&f, q, sizeof q));
        script_ok(btc_fake_reply(&f, a, sizeof a, (int64_t)(i % 3)));
    }
    for (unsigned i = 0; i < ROUNDS; i++) {
        uint8_t q[2] = {(uint8_t)('a' + i % 26), '\n'};
        uint8_t a[3];
        TS_ASSERT_STATUS(btc_sock_send_complete(&s, q, sizeof q, 1000, NULL, &err), BTC_OK, &err);
        TS_ASSERT_STATUS(btc_sock_recv_exact(&s, a, sizeof a, 1000, NULL, &err), BTC_OK, &err);
        cr_assert_eq(a[0], 'A' + i % 26, "round %u", i);
        cr_assert_eq(a[1], '0' + i % 10, "round %u", i);
    }
    cr_assert(btc_fake_conversation_done(&f));
    btc_fake_free(&f);
    cr_assert_eq(f.mem_used, 0, "btc_fake_free returned every byte");
}

/* ---- misuse --------------------------------------------------------------------- */

Test(converse, misuse_is_refused_and_changes_nothing)
{
    btc_fake f;
    btc_fake_init(&f);
    cr_assert_eq(btc_fake_reply(&f, NULL, 3, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_expect(&f, NULL, 3), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_reply(&f, "x", 1, -1), BTC_ERR_INVALID_ARGUMENT, "negative delay");
    cr_assert_eq(btc_fake_reply_end(&f, EAGAIN, 0), BTC_ERR_INVALID_ARGUMENT, "a transient end");
    cr_assert_eq(btc_fake_expect(NULL, "x", 1), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_not(btc_fake_on_mismatch(&f, EINTR));
    cr_assert_eq(f.break_error, ECONNRESET, "unchanged");
    cr_assert_not(f.conv_on);

    script_ok(btc_fake_reply_end(&f, 0, 10));
    cr_assert_eq(btc_fake_reply(&f, "x", 1, 0), BTC_ERR_INVALID_ARGUMENT, "after the end");
    cr_assert_eq(btc_fake_expect(&f, "x", 1), BTC_ERR_INVALID_ARGUMENT, "after the end");
    cr_assert_eq(btc_fake_reply_end(&f, 0, 0), BTC_ERR_INVALID_ARGUMENT, "a second end");
    btc_fake_free(&f);
}

Test(converse, a_conversation_on_caller_input_is_refused)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_input(&f, "data", 4);
    cr_assert_eq(btc_fake_reply(&f, "x", 1, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_reply_end(&f, 0, 0), BTC_ERR_INVALID_ARGUMENT);
    cr_assert_eq(btc_fake_expect(&f, "ab", 2), BTC_OK, "expectations work with caller input");
    cr_assert_eq(btc_fake_readable(&f), 4);
    btc_fake_free(&f);
    cr_assert_eq(f.in_len, 4, "free leaves the caller's input alone");
}

Test(converse, a_reply_after_a_mismatch_is_refused)
{
    btc_fake f;
    btc_fake_init(&f);
    script_ok(btc_fake_expect(&f, "a", 1));
    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(sys->send(sys->ctx, BTC_FAKE_FD, "b", 1, BTC_MSG_DONTWAIT), 1);
    cr_assert_eq(btc_fake_reply(&f, "x", 1, 0), BTC_ERR_CLOSED);
    cr_assert_eq(btc_fake_expect(&f, "x", 1), BTC_ERR_CLOSED);
    btc_fake_free(&f);
}

Test(converse, a_closed_fake_reused_fails_and_records_nothing)
{
    btc_fake f;
    btc_sock s;
    btc_error err;
    fs_setup(&f, &s);
    script_sam(&f);
    TS_ASSERT_STATUS(btc_sock_reset(&s, &err), BTC_OK, &err);
    cr_assert(f.closed);
    const btc_sys *sys = btc_fake_sys(&f);
    cr_assert_eq(sys->send(sys->ctx, BTC_FAKE_FD, hello, sizeof hello - 1, BTC_MSG_DONTWAIT), -1);
    cr_assert_eq(sys->last_error(sys->ctx), EBADF);
    cr_assert_eq(f.sent, 0);
    cr_assert_not(btc_fake_get_mismatch(&f, NULL));
    cr_assert_eq(btc_fake_expected_left(&f), sizeof hello - 1 + sizeof session - 1);

    /* Freed and initialised again, the same memory is a new fake. */
    btc_fake_free(&f);
    fs_setup(&f, &s);
    script_ok(btc_fake_expect(&f, "a", 1));
    TS_ASSERT_STATUS(btc_sock_send_complete(&s, "a", 1, 1000, NULL, &err), BTC_OK, &err);
    cr_assert_not(btc_fake_get_mismatch(&f, NULL));
    btc_fake_free(&f);
}

/* ---- memory ----------------------------------------------------------------------- */

Test(converse, running_out_of_memory_is_a_status_and_changes_nothing)
{
    btc_fake f;
    btc_fake_init(&f);
    btc_fake_set_memory_limit(&f, 64);
    uint8_t big[100] = {0};
    cr_assert_eq(btc_fake_reply(&f, big, sizeof big, 0), BTC_ERR_NO_MEMORY);
    cr_assert_not(f.conv_on);
    cr_assert_null(f.in);
    cr_assert_eq(btc_fake_readable(&f), 0);
    cr_assert_eq(btc_fake_expect(&f, big, sizeof big), BTC_ERR_NO_MEMORY);
    cr_assert_eq(btc_fake_expected_left(&f), 0);
    cr_assert_eq(btc_fake_expect(&f, big, 10), BTC_OK, "what fits still fits");
    cr_assert_leq(f.mem_used, 64);
    btc_fake_free(&f);
    cr_assert_eq(f.mem_used, 0);
}
