/* SPDX-License-Identifier: MIT */
/*
 * tests/win/compat/arpa/inet.h - for building POSIX examples (examples/demo.c)
 * with mingw-w64: Winsock declares htonl/htons/inet_pton and struct
 * sockaddr_in, and btcsock.h has already included it. See mk/windows.mk.
 */
#ifndef BTCSOCK_WIN_COMPAT_ARPA_INET_H
#define BTCSOCK_WIN_COMPAT_ARPA_INET_H
#include <winsock2.h>
#include <ws2tcpip.h>
#endif
