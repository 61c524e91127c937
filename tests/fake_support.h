/* SPDX-License-Identifier: MIT */
/*
 * tests/fake_support.h - small helpers shared by the btc_fake based suites
 * (test_fake.c, test_send.c, test_recv.c, test_wait_fake.c, test_syscount.c).
 *
 * Everything here is `static inline` so a suite that uses only part of it
 * still compiles with -Werror. Nothing here touches a real socket.
 */
#ifndef BTCSOCK_TESTS_FAKE_SUPPORT_H
#define BTCSOCK_TESTS_FAKE_SUPPORT_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "btcsock.h"
#include "btcsock/fake.h"
#include "support.h"

/* A fake far in the future: the end of the input never comes on its own. */
#define FS_NEVER ((int64_t)1 << 60)
/* The virtual clock's starting value (documented in fake.h). */
#define FS_T0 ((int64_t)1000)

/* A btc_error pre-filled with garbage so that "filled on every path" is visible. */
static inline void fs_err_poison(btc_error *err)
{
    memset(err, 0x5a, sizeof *err);
    err->message[BTC_ERROR_MESSAGE_MAX - 1] = '\0';
}

/* Initialises a fake and points s at it. */
static inline void fs_setup(btc_fake *f, btc_sock *s)
{
    btc_fake_init(f);
    btc_fake_sock(f, s);
}

/* The number of slot calls of one kind. */
static inline unsigned long fs_calls(const btc_fake *f, btc_fake_op op) { return f->calls[op]; }

/* Pushes a step and asserts the push succeeded. */
static inline void fs_push(btc_fake *f, btc_fake_op op, btc_fake_kind kind, int64_t value)
{
    cr_assert(btc_fake_push(f, op, kind, value), "btc_fake_push(op %d, kind %d, value %lld) failed (steps %zu)",
              (int)op, (int)kind, (long long)value, f->step_count);
}

/* Adds an arrival stage and asserts it was accepted. */
static inline void fs_arrive(btc_fake *f, size_t offset, int64_t at_ms)
{
    cr_assert(btc_fake_arrive_at(f, offset, at_ms), "btc_fake_arrive_at(offset %zu, at %lld) refused (%zu stages)",
              offset, (long long)at_ms, f->arrival_count);
}

/* Pushes `count` PASS steps for op. */
static inline void fs_push_passes(btc_fake *f, btc_fake_op op, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        fs_push(f, op, BTC_FAKE_PASS, 0);
    }
}

/* Fills buf with a deterministic, position-dependent pattern without the byte `avoid`. */
static inline void fs_pattern(uint8_t *buf, size_t len, unsigned seed, int avoid)
{
    uint32_t x = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        uint8_t b = (uint8_t)(x >> 16);
        if (avoid >= 0 && b == (uint8_t)avoid) {
            b = (uint8_t)(b + 1u);
        }
        buf[i] = b;
    }
}

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
typedef struct fs_rng {
    uint64_t s;
} fs_rng;

static inline uint64_t fs_rng_next(fs_rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) (n > 0). */
static inline size_t fs_rng_below(fs_rng *r, size_t n) { return (size_t)(fs_rng_next(r) % (uint64_t)n); }

/* Index of the first `term` in in[0..len), or len when there is none. */
static inline size_t fs_find(const uint8_t *in, size_t len, uint8_t term)
{
    const void *p = memchr(in, term, len);
    return p == NULL ? len : (size_t)((const uint8_t *)p - in);
}

/* Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). */
static inline bool fs_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t need;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (n - i - 1 < need) {
            return false;
        }
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0u) != 0x80u) {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((need == 2 && cp < 0x800u) || (need == 3 && cp < 0x10000u) || cp > 0x10ffffu ||
            (cp >= 0xd800u && cp <= 0xdfffu)) {
            return false;
        }
        i += need + 1;
    }
    return true;
}

/* Whether `needle` (a decimal number) appears in the message. */
static inline bool fs_msg_has_number(const char *msg, size_t number)
{
    char num[32];
    snprintf(num, sizeof num, "%zu", number);
    return strstr(msg, num) != NULL;
}

#endif /* BTCSOCK_TESTS_FAKE_SUPPORT_H */
