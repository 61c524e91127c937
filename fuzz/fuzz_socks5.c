/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_socks5.c - btc_socks5_connect against any proxy: whatever bytes
 * the proxy sends, chunked any way, with errors, closes and clock jumps.
 *
 * Parameters after the script: fz_socks5_params. The rest is what the
 * proxy sends.
 *
 * Checks, besides the guard's (fuzz_common.h): the harness reads the
 * proxy's bytes with its own model of RFC 1928/1929 and knows where the
 * client must stop (the end of the CONNECT reply, or the byte that breaks
 * the protocol) and what it must say there:
 *  - never a byte read past that point (the tunnel's bytes stay in the
 *    socket), and err->bytes is exactly what was read;
 *  - BTC_OK only when the model says success, having read the whole reply;
 *  - BTC_ERR_PROXY only at that point, with the reply code for a refusal
 *    and 0 for a violation, and a message that names the refusal's text;
 *  - any other stop (CLOSED, TIMEOUT, ...) only before that point;
 *  - what the client sent is a prefix of the greeting, the credentials and
 *    a well-formed CONNECT request for the host (its address type as the
 *    host says, the port last), and all of it on success.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* The address type each host of fz_hosts must go out as (1 IPv4, 3 a name, 4 IPv6). */
static const uint8_t host_atyp[] = {1, 3, 4, 4, 4, 3, 4, 3};

#define PORT 8333

/* The model's verdict: where the client must stop, and with what. */
typedef struct verdict {
    size_t stop;    /* bytes of the proxy's the client reads in all */
    btc_status st;  /* BTC_OK or BTC_ERR_PROXY; SIZE_MAX stop: the input ends first */
    int code;       /* the reply code of a refusal */
    bool auth_step; /* the client authenticates */
} verdict;

/* The model of the replies (RFC 1928 section 6, RFC 1929 section 2). */
static verdict model(const uint8_t *in, size_t n, bool auth)
{
    verdict v = {SIZE_MAX, BTC_OK, 0, false};
    if (n < 2)
        return v;
    if (in[0] != 5 || in[1] == 0xff || !(in[1] == 0 || (in[1] == 2 && auth)))
        return (verdict){2, BTC_ERR_PROXY, 0, false};
    size_t at = 2;
    if (in[1] == 2) {
        v.auth_step = true;
        if (n < 4)
            return v;
        if (in[2] != 1 || in[3] != 0)
            return (verdict){4, BTC_ERR_PROXY, 0, true};
        at = 4;
    }
    if (n < at + 4)
        return v;
    const uint8_t *h = in + at;
    if (h[0] != 5 || h[2] != 0 || h[1] != 0)
        return (verdict){at + 4, BTC_ERR_PROXY, h[0] == 5 ? h[1] : 0, v.auth_step};
    size_t addr = h[3] == 1 ? 4 : h[3] == 4 ? 16 : h[3] == 3 ? (n > at + 4 ? 1u + in[at + 4] : SIZE_MAX) : 0;
    if (addr == 0)
        return (verdict){at + 4, BTC_ERR_PROXY, 0, v.auth_step};
    if (addr == SIZE_MAX)
        return v;
    v.stop = at + 4 + addr + 2;
    return v;
}

/* What the client sends: the greeting, the credentials when the proxy asks, the request. */
static size_t expected_out(uint8_t *out, const char *host, uint8_t atyp, const btc_socks5_auth *auth, bool auth_step)
{
    size_t n = 0;
    out[n++] = 5;
    out[n++] = auth != NULL ? 2 : 1;
    out[n++] = 0;
    if (auth != NULL)
        out[n++] = 2;
    if (auth_step) {
        out[n++] = 1;
        out[n++] = (uint8_t)strlen(auth->username);
        memcpy(out + n, auth->username, strlen(auth->username));
        n += strlen(auth->username);
        out[n++] = (uint8_t)strlen(auth->password);
        memcpy(out + n, auth->password, strlen(auth->password));
        n += strlen(auth->password);
    }
    out[n++] = 5;
    out[n++] = 1;
    out[n++] = 0;
    out[n++] = atyp;
    size_t field = atyp == 1 ? 4 : atyp == 4 ? 16 : 1 + strlen(host);
    if (atyp == 3) {
        out[n] = (uint8_t)strlen(host);
        memcpy(out + n + 1, host, strlen(host));
    }
    n += field; /* literal addresses: their bytes are checked by the unit tests, the length here */
    out[n++] = (uint8_t)(PORT >> 8);
    out[n++] = (uint8_t)PORT;
    return n;
}

/* The client's bytes against the expected ones (a literal's address bytes excepted). */
static void check_sent(const uint8_t *sent, size_t n, const uint8_t *want, size_t want_len, size_t literal_at,
                       size_t literal_len)
{
    FZ_CHECK(n <= want_len, "sent %zu bytes, at most %zu are due", n, want_len);
    for (size_t i = 0; i < n; i++) {
        if (i >= literal_at && i < literal_at + literal_len)
            continue;
        FZ_CHECK(sent[i] == want[i], "byte %zu sent is 0x%02x, 0x%02x is due", i, sent[i], want[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_io in = fz_reader(data, size);
    btc_fake f;
    btc_fake_init(&f);
    fz_decode_script(&in, &f);
    fz_socks5_params p;
    fz_socks5_params_codec(&in, &p);
    const uint8_t *rest;
    size_t len;
    fz_rest(&in, &rest, &len);
    uint8_t *proxy_bytes = malloc(len + 1);
    static uint8_t sent[1024];
    if (proxy_bytes == NULL)
        return 0;
    memcpy(proxy_bytes, rest, len);
    btc_fake_set_input(&f, proxy_bytes, len);
    btc_fake_set_output(&f, sent, sizeof sent);

    size_t hi = p.host % fz_nhosts;
    const char *host = fz_hosts[hi];
    uint8_t atyp = host_atyp[hi % sizeof host_atyp];
    btc_socks5_auth creds = {"user", "password"};
    const btc_socks5_auth *auth = (p.opt & 0x40u) != 0 ? &creds : NULL;
    int64_t timeout = fz_timeouts[(p.opt >> 2) & 7u];
    btc_interrupt intr;
    btc_interrupt *ip = fz_interrupt(&intr, &f, (p.opt & 1u) != 0, (p.opt & 2u) != 0);
    fz_guard g;
    fz_guard_init(&g, &f);
    btc_sock s;
    fz_guard_sock(&g, &s, (p.opt & 0x20u) != 0);
    btc_error err;
    btc_error *ep = (p.opt & 0x80u) != 0 ? NULL : &err;
    fz_guard_begin(&g, timeout, ip, fz_unselectable(&g, &s), fz_call_bound(&f, 1024 + len));
    btc_status st = btc_socks5_connect(&s, host, PORT, auth, timeout, ip, ep);
    fz_guard_end(&g, st, ep);

    verdict v = model(proxy_bytes, f.in_len, auth != NULL); /* in_len: what the proxy got to send before a close */
    if (ep != NULL)
        FZ_CHECK(err.bytes == f.consumed, "err.bytes %zu, %zu read", err.bytes, f.consumed);
    FZ_CHECK(v.stop == SIZE_MAX || f.consumed <= v.stop, "read %zu bytes, the reply ends at %zu", f.consumed, v.stop);
    if (st == BTC_OK || st == BTC_ERR_PROXY) {
        FZ_CHECK(st == v.st && f.consumed == v.stop, "%s after %zu bytes; the model says %s at %zu",
                 btc_status_name(st), f.consumed, btc_status_name(v.st), v.stop);
        if (st == BTC_ERR_PROXY && ep != NULL)
            FZ_CHECK(err.code == v.code && (v.code == 0 || strstr(err.message, btc_socks5_reply_message(v.code))),
                     "PROXY with code %d (\"%s\"), the reply says %d", err.code, err.message, v.code);
    } else {
        FZ_CHECK(v.stop == SIZE_MAX || f.consumed < v.stop, "%s after all %zu bytes of the reply", btc_status_name(st),
                 v.stop);
    }
    uint8_t want[1024];
    size_t want_len = expected_out(want, host, atyp, auth, v.auth_step);
    size_t literal_at = want_len - 2 - (atyp == 1 ? 4 : atyp == 4 ? 16 : 0);
    check_sent(sent, f.sent, want, want_len, literal_at, atyp == 3 ? 0 : want_len - 2 - literal_at);
    if (st == BTC_OK)
        FZ_CHECK(f.sent == want_len, "OK after sending %zu of %zu bytes", f.sent, want_len);
    if (ip != NULL)
        btc_interrupt_destroy(ip);
    free(proxy_bytes);
    return 0;
}
