/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock/socks5.h - a SOCKS5 client: the CONNECT handshake of RFC 1928,
 * with RFC 1929 username/password, over a socket already connected to the
 * proxy.
 */
#ifndef BTCSOCK_SOCKS5_H
#define BTCSOCK_SOCKS5_H

#include <stdint.h>

#include "interrupt.h"
#include "sock.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Credentials for RFC 1929 (each 1..255 bytes; Tor uses them for stream isolation). */
typedef struct btc_socks5_auth {
    const char *username;
    const char *password;
} btc_socks5_auth;

/**
 * Asks the proxy behind `proxy` (already connected to it) to connect to
 * host:port, all within one deadline. host is a numeric IPv4 or IPv6
 * literal (sent as such) or a domain name of 1..255 bytes (sent to the
 * proxy to resolve). auth NULL offers no authentication; otherwise both "no
 * authentication" and username/password are offered, as Bitcoin Core does,
 * and a proxy that picks either is fine.
 *
 * Every reply is read exactly, whatever address type the proxy binds, and
 * nothing past it: on BTC_OK the socket is a tunnel whose next byte is the
 * destination's first. err->bytes is the number of bytes read from the
 * proxy.
 *
 * BTC_OK; BTC_ERR_PROXY with err->code the reply code (1..8) and
 * btc_socks5_reply_message's text when the proxy refuses, or err->code 0
 * and a message naming the violation for a wrong version, no acceptable
 * method, failed authentication, an unknown address type or a reserved
 * byte that is not zero; BTC_ERR_CLOSED (the proxy closed mid-handshake),
 * BTC_ERR_TIMEOUT, BTC_ERR_INTERRUPTED, BTC_ERR_IO, BTC_ERR_PROTOCOL,
 * BTC_ERR_NOT_SELECTABLE; BTC_ERR_INVALID_ARGUMENT (nothing sent) for a
 * NULL proxy or host, a host that is empty or longer than 255 bytes,
 * credentials of 0 or more than 255 bytes, a negative timeout.
 */
BTC_EXTERN btc_status btc_socks5_connect(const btc_sock *proxy, const char *host, uint16_t port,
                                         const btc_socks5_auth *auth, int64_t timeout_ms, btc_interrupt *intr,
                                         btc_error *err);

/** The address a proxy bound for a tunnel: BND.ADDR and BND.PORT of its CONNECT reply. */
typedef struct btc_socks5_bound {
    uint8_t atyp;      /**< 1 IPv4 (4 bytes), 3 a name (len bytes, no NUL), 4 IPv6 (16 bytes) */
    uint8_t len;       /**< bytes of addr in use */
    uint8_t addr[255]; /**< the address as the proxy sent it */
    uint16_t port;     /**< in host byte order */
} btc_socks5_bound;

/** btc_socks5_connect, and on BTC_OK the address the proxy bound into *bound (may be NULL). */
BTC_EXTERN btc_status btc_socks5_connect_bound(const btc_sock *proxy, const char *host, uint16_t port,
                                               const btc_socks5_auth *auth, int64_t timeout_ms, btc_interrupt *intr,
                                               btc_socks5_bound *bound, btc_error *err);

/** The text of a SOCKS5 reply code: "connection refused" for 5, "unknown reply code" outside 0..8; never NULL. */
BTC_EXTERN const char *btc_socks5_reply_message(int reply);

#ifdef __cplusplus
}
#endif

#endif /* BTCSOCK_SOCKS5_H */
