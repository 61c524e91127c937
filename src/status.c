/* SPDX-License-Identifier: MIT */
/*
 * src/status.c - status names and messages (from BTC_STATUS_MAP), the
 * library version, and the single place that fills a btc_error.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *btc_version(void) { return BTC_VERSION_STRING; }

const char *btc_status_name(btc_status s)
{
    /* A switch with no default: -Wswitch (in -Wall) flags a status added to the enum but not here. */
    switch (s) {
#define BTC__NAME_CASE(name, value, message) \
    case name:                               \
        return #name;
        BTC_STATUS_MAP(BTC__NAME_CASE)
#undef BTC__NAME_CASE
    }
    return "BTC_ERR_UNKNOWN";
}

const char *btc_status_message(btc_status s)
{
    switch (s) {
#define BTC__MESSAGE_CASE(name, value, message) \
    case name:                                  \
        return message;
        BTC_STATUS_MAP(BTC__MESSAGE_CASE)
#undef BTC__MESSAGE_CASE
    }
    return "unknown status";
}

btc_status btc__fail(btc_error *err, btc_status st, int code, size_t bytes, const char *fmt, ...)
{
    if (err == NULL)
        return st;
    err->status = st;
    err->code = code;
    err->bytes = bytes;

    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    size_t used = n < 0 ? 0 : (size_t)n;
    if (used >= sizeof err->message)
        return st; /* already truncated; the OS text would not fit anyway */
    if (n < 0)
        err->message[0] = '\0';
    /* A code's text: the OS's, or the resolver's; a proxy's reply code is in the message already. */
    if (code != 0 && st != BTC_ERR_PROXY && used + 2 < sizeof err->message) {
        err->message[used] = ':';
        err->message[used + 1] = ' ';
        char *at = err->message + used + 2;
        size_t room = sizeof err->message - used - 2;
        if (st == BTC_ERR_RESOLVE)
            (void)btc__resolve_error_string(code, at, room);
        else
            (void)btc_network_error_string(code, at, room);
    }
    return st;
}
