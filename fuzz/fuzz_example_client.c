/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_example_client.c - fuzzing your own protocol code over btcsock,
 * as a user would: a small client of a SAM-style greeting, run against a
 * fake scripted by btc_fake_fuzz from the fuzzer's bytes (the peer's reply,
 * how the kernel chunks it, errors, lying waits, clock jumps, the end).
 *
 * The client sends "HELLO VERSION MIN=3.0 MAX=3.3\n" and reads one line:
 * "HELLO REPLY RESULT=OK VERSION=3.1\n" is a success, any other RESULT a
 * refusal, anything else malformed. The harness checks what the client
 * claims against what the fake says happened:
 *
 *  - a valid status, and a network failure exactly when btcsock failed;
 *  - an answer (OK, refused, malformed) only after the whole greeting went
 *    out and exactly one whole line came back, with nothing read past it;
 *  - OK only for a line that says RESULT=OK, with the version that line
 *    carries, NUL-terminated within its buffer (ASan checks the bounds).
 *
 * The checks trap (FZ_CHECK); in your own harness, abort() does as well.
 */
#include <string.h>

#include "fuzz_common.h"

/* ---- the client under test (what your own code would be) --------------------------------- */

typedef enum hello_result { HELLO_OK, HELLO_REFUSED, HELLO_MALFORMED, HELLO_NETWORK } hello_result;

static const char hello_line[] = "HELLO VERSION MIN=3.0 MAX=3.3\n";

/* The value of `key` (e.g. "VERSION=") among the line's space-separated tokens, or NULL; *len its length. */
static const char *token_value(const char *line, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    for (const char *p = line; *p != '\0';) {
        size_t tlen = strcspn(p, " ");
        if (tlen > klen && strncmp(p, key, klen) == 0) {
            *len = tlen - klen;
            return p + klen;
        }
        p += tlen;
        p += strspn(p, " ");
    }
    return NULL;
}

/* Greets the bridge; on HELLO_OK version[0..cap) holds its version. *st: btcsock's status. */
static hello_result sam_hello(const btc_sock *s, char *version, size_t cap, btc_status *st)
{
    btc_error err;
    *st = btc_sock_send_complete(s, hello_line, sizeof hello_line - 1, 1000, NULL, &err);
    if (*st != BTC_OK)
        return HELLO_NETWORK;
    char line[128];
    size_t len = 0;
    *st = btc_sock_recv_until_terminator(s, '\n', 1000, NULL, sizeof line, line, &len, 0, &err);
    if (*st != BTC_OK)
        return HELLO_NETWORK;
    size_t rlen = 0;
    size_t vlen = 0;
    const char *result = token_value(line, "RESULT=", &rlen);
    if (strncmp(line, "HELLO REPLY ", 12) != 0 || result == NULL)
        return HELLO_MALFORMED;
    if (rlen != 2 || strncmp(result, "OK", 2) != 0)
        return HELLO_REFUSED;
    const char *v = token_value(line, "VERSION=", &vlen);
    if (v == NULL || vlen >= cap)
        return HELLO_MALFORMED;
    memcpy(version, v, vlen);
    version[vlen] = '\0';
    return HELLO_OK;
}

/* ---- the contract, checked against the fake -------------------------------------------------- */

/* Whether line[0..n) holds tok as a whole token: after a space, before a space, the newline or a NUL. */
static bool has_token(const char *line, size_t n, const char *tok)
{
    size_t t = strlen(tok);
    for (size_t i = 1; i + t < n; i++) {
        char after = line[i + t];
        if (line[i - 1] == ' ' && memcmp(line + i, tok, t) == 0 && (after == ' ' || after == '\n' || after == '\0'))
            return true;
    }
    return false;
}

static void check_hello(const btc_fake *f, hello_result r, const char *version, size_t cap, btc_status st)
{
#ifdef FZ_VERBOSE
    static const char *const names[] = {"OK", "REFUSED", "MALFORMED", "NETWORK"};
    fprintf(stderr, "  hello: %s (%s), sent %zu, consumed %zu of %zu, t %lld\n", names[r], btc_status_name(st) + 4,
            f->sent, f->consumed, f->in_len, (long long)f->now_ms);
#endif
    FZ_CHECK((unsigned)st < BTC_STATUS_COUNT, "status %d", (int)st);
    FZ_CHECK((r == HELLO_NETWORK) == (st != BTC_OK), "result %d with %s", (int)r, btc_status_name(st));
    const char *line = (const char *)f->in;
    const char *nl = f->in_len > 0 ? memchr(line, '\n', f->in_len) : NULL;
    size_t line_end = nl != NULL ? (size_t)(nl - line) + 1 : f->in_len;
    FZ_CHECK(f->consumed <= line_end, "%zu bytes consumed, the first line ends at %zu", f->consumed, line_end);
    if (r == HELLO_NETWORK)
        return;
    FZ_CHECK(f->sent == sizeof hello_line - 1, "an answer after sending %zu of %zu bytes", f->sent,
             sizeof hello_line - 1);
    FZ_CHECK(nl != NULL && f->consumed == line_end, "an answer without a whole line (%zu consumed)", f->consumed);
    if (r != HELLO_OK)
        return;
    FZ_CHECK(memchr(version, '\0', cap) != NULL, "the version is not NUL-terminated");
    FZ_CHECK(has_token(line, line_end, "RESULT=OK"), "OK for a line without RESULT=OK");
    char token[64];
    (void)snprintf(token, sizeof token, "VERSION=%s", version);
    FZ_CHECK(has_token(line, line_end, token), "version '%s' is not in the line", version);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness proper: what README's "Fuzzing your own protocol code" shows. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    btc_fake f;
    btc_sock s;
    if (btc_fake_fuzz(&f, data, size) == BTC_OK) {
        btc_fake_sock(&f, &s);
        char version[8];
        btc_status st = BTC_OK;
        hello_result r = sam_hello(&s, version, sizeof version, &st);
        check_hello(&f, r, version, sizeof version, st);
    }
    btc_fake_free(&f);
    return 0;
}
