/* SPDX-License-Identifier: MIT */
/*
 * tests/win/compat/netinet/in.h - for building POSIX examples (examples/demo.c)
 * with mingw-w64: Winsock declares struct sockaddr_in and INADDR_LOOPBACK,
 * and btcsock.h has already included it. See mk/windows.mk.
 */
#ifndef BTCSOCK_WIN_COMPAT_NETINET_IN_H
#define BTCSOCK_WIN_COMPAT_NETINET_IN_H
#include <winsock2.h>
#include <ws2tcpip.h>
#endif
