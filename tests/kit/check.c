/* SPDX-License-Identifier: MIT */
/*
 * tests/kit/check.c - the error-record checker declared in check.h.
 */
#include <stdio.h>
#include <string.h>

#include "kit/check.h"

const char *kit_record_problem(btc_status st, const btc_error *err, unsigned flags, char *why, size_t cap)
{
    const char *name = btc_status_name(st);
    if (err->status != st)
        (void)snprintf(why, cap, "err->status is %d, the call returned %s", (int)err->status, name);
    else if (memchr(err->message, '\0', sizeof err->message) == NULL)
        (void)snprintf(why, cap, "err->message is not NUL-terminated");
    else if (st == BTC_OK && err->message[0] != '\0')
        (void)snprintf(why, cap, "message \"%s\" on success (must be \"\")", err->message);
    else if (st == BTC_OK && err->code != 0)
        (void)snprintf(why, cap, "code %d on success (must be 0)", err->code);
    else if (st != BTC_OK && err->message[0] == '\0')
        (void)snprintf(why, cap, "empty message on %s", name);
    else if ((st == BTC_ERR_INVALID_ARGUMENT || st == BTC_ERR_INVALID_SOCKET) && err->code != 0)
        (void)snprintf(why, cap, "%s with OS code %d", name, err->code);
    else if ((flags & KIT_RECORD_OS_CODE) != 0 && (st == BTC_ERR_IO || st == BTC_ERR_WOULD_BLOCK) && err->code == 0)
        (void)snprintf(why, cap, "%s without an OS code", name);
    else
        return NULL;
    return why;
}
