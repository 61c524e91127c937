/* SPDX-License-Identifier: MIT */
/*
 * src/utf8.c - strict UTF-8 validation for BTC_RECV_UTF8 (RFC 3629: no
 * overlong forms, no UTF-16 surrogates, nothing above U+10FFFF).
 */
#include "internal.h"

/* The allowed range of the second byte depends on the first (RFC 3629 table). */
static bool second_byte_ok(uint8_t lead, uint8_t b)
{
    switch (lead) {
    case 0xE0:
        return b >= 0xA0 && b <= 0xBF; /* no overlong 3-byte forms */
    case 0xED:
        return b >= 0x80 && b <= 0x9F; /* no surrogates */
    case 0xF0:
        return b >= 0x90 && b <= 0xBF; /* no overlong 4-byte forms */
    case 0xF4:
        return b >= 0x80 && b <= 0x8F; /* nothing above U+10FFFF */
    default:
        return b >= 0x80 && b <= 0xBF;
    }
}

/* How many bytes a sequence starting with lead has; 0 for an invalid lead. */
static size_t sequence_length(uint8_t lead)
{
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 0; /* continuation byte, overlong 0xC0/0xC1, or 0xF5.. */
}

bool btc__utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = sequence_length(p[i]);
        if (len == 0 || len > n - i)
            return false;
        if (len > 1 && !second_byte_ok(p[i], p[i + 1]))
            return false;
        for (size_t k = 2; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        }
        i += len;
    }
    return true;
}
