/* SPDX-License-Identifier: MIT */
/*
 * src/sys_addrinfo.h - the resolve slot's work shared by the OS files:
 * getaddrinfo for stream sockets, its answers copied into btc_addr. Each OS
 * file includes this after its own socket headers (netdb.h; ws2tcpip.h),
 * which declare getaddrinfo and struct addrinfo alike on both.
 */
#ifndef BTCSOCK_SYS_ADDRINFO_H
#define BTCSOCK_SYS_ADDRINFO_H

#include <string.h>

#include "btcsock.h"

/*
 * Up to cap stream addresses for host:service into out, *count of them;
 * answers too long for a btc_addr are skipped. 0, getaddrinfo's error, or
 * none_found when it answered with nothing usable.
 */
static inline int btc__addrinfo_resolve(const char *host, const char *service, btc_addr *out, size_t cap, size_t *count,
                                        int none_found)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0)
        return rc;
    size_t n = 0;
    for (const struct addrinfo *ai = list; ai != NULL && n < cap; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof out[n].addr)
            continue;
        out[n].family = ai->ai_family;
        out[n].socktype = ai->ai_socktype;
        out[n].protocol = ai->ai_protocol;
        out[n].len = (socklen_t)ai->ai_addrlen; /* a size_t on Windows, within the check above */
        memcpy(&out[n].addr, ai->ai_addr, ai->ai_addrlen);
        n++;
    }
    freeaddrinfo(list);
    *count = n;
    return n > 0 ? 0 : none_found;
}

#endif
