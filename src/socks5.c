/* SPDX-License-Identifier: MIT */
/*
 * src/socks5.c - btc_socks5_connect: the SOCKS5 CONNECT handshake (RFC 1928,
 * with RFC 1929 username/password) over a socket already connected to the
 * proxy, under one deadline, reading every reply exactly and nothing past
 * it; btc_socks5_reply_message.
 */
#include <string.h>

#include "internal.h"

#define SOCKS_VERSION 5
#define SOCKS_CMD_CONNECT 1
#define SOCKS_ATYP_IPV4 1
#define SOCKS_ATYP_DOMAIN 3
#define SOCKS_ATYP_IPV6 4
#define SOCKS_METHOD_NONE 0x00
#define SOCKS_METHOD_USERPASS 0x02
#define SOCKS_METHOD_REFUSED 0xff
#define SOCKS_AUTH_VERSION 1
#define SOCKS_FIELD_MAX 255

const char *btc_socks5_reply_message(int reply)
{
    switch (reply) {
    case 0:
        return "succeeded";
    case 1:
        return "general SOCKS server failure";
    case 2:
        return "connection not allowed by ruleset";
    case 3:
        return "network unreachable";
    case 4:
        return "host unreachable";
    case 5:
        return "connection refused";
    case 6:
        return "TTL expired";
    case 7:
        return "command not supported";
    case 8:
        return "address type not supported";
    default:
        return "unknown reply code";
    }
}

/* ---- the destination's address field ------------------------------------------- */

/* A decimal part of a dotted quad: 0..255, no sign, no leading zero. */
static const char *ipv4_part(const char *p, uint8_t *out)
{
    unsigned v = 0;
    const char *start = p;
    while (*p >= '0' && *p <= '9' && p - start < 3) {
        v = v * 10 + (unsigned)(*p - '0');
        p++;
    }
    if (p == start || v > 255 || (*start == '0' && p - start > 1))
        return NULL;
    *out = (uint8_t)v;
    return p;
}

/* "a.b.c.d" (all of s, or up to end) into out[4]. */
static bool parse_ipv4(const char *s, const char *end, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        if (s == NULL || (i > 0 && *s++ != '.'))
            return false;
        s = ipv4_part(s, &out[i]);
    }
    return s != NULL && s == end;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One group of up to 4 hex digits; NULL when there is none. */
static const char *ipv6_group(const char *p, unsigned *v)
{
    const char *start = p;
    *v = 0;
    while (p - start < 4 && hex_digit(*p) >= 0)
        *v = *v * 16 + (unsigned)hex_digit(*p++);
    return p == start ? NULL : p;
}

/*
 * After a group: the separator at *p. Moves past ':' or "::" (recording
 * where the gap stands); false for anything else, a second "::" or a
 * trailing single ':'.
 */
static bool ipv6_separator(const char **p, size_t n, size_t *gap)
{
    if (**p != ':' || (*p)[1] == '\0')
        return false;
    (*p)++;
    if (**p != ':')
        return true;
    if (*gap != SIZE_MAX)
        return false;
    *gap = n;
    (*p)++;
    return true;
}

/*
 * An IPv6 literal (RFC 4291 text: groups of up to 4 hex digits, at most one
 * "::", an optional dotted quad at the end) into out[16]. No brackets, no zone.
 */
static bool parse_ipv6(const char *s, uint8_t out[16])
{
    uint8_t b[16];
    size_t n = 0;          /* bytes parsed */
    size_t gap = SIZE_MAX; /* where "::" stands, in bytes */
    const char *p = s;
    if (p[0] == ':' && p[1] == ':') {
        gap = 0;
        p += 2;
    }
    while (*p != '\0') {
        unsigned v;
        const char *q = ipv6_group(p, &v);
        if (q != NULL && *q == '.') { /* the dotted-quad tail */
            if (n > 12 || !parse_ipv4(p, p + strlen(p), b + n))
                return false;
            n += 4;
            break;
        }
        if (q == NULL || n == 16)
            return false;
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
        p = q;
        if (*p != '\0' && !ipv6_separator(&p, n, &gap))
            return false;
    }
    if (gap == SIZE_MAX ? n != 16 : n > 14)
        return false;
    size_t head = gap == SIZE_MAX ? n : gap;
    memset(out, 0, 16);
    memcpy(out, b, head);
    memcpy(out + 16 - (n - head), b + head, n - head);
    return true;
}

/* The address type and field of a CONNECT request; its length, or 0 for a host that cannot be sent. */
static size_t address_field(const char *host, uint8_t *atyp, uint8_t *field)
{
    size_t len = strlen(host);
    if (parse_ipv4(host, host + len, field)) {
        *atyp = SOCKS_ATYP_IPV4;
        return 4;
    }
    if (strchr(host, ':') != NULL && parse_ipv6(host, field)) {
        *atyp = SOCKS_ATYP_IPV6;
        return 16;
    }
    if (len == 0 || len > SOCKS_FIELD_MAX)
        return 0;
    *atyp = SOCKS_ATYP_DOMAIN;
    field[0] = (uint8_t)len;
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the field is length-prefixed, not a C string. */
    memcpy(field + 1, host, len);
    return len + 1;
}

/* ---- the handshake ------------------------------------------------------------------ */

/* One handshake under way. */
typedef struct socks_run {
    const btc_sock *s;
    btc__lazy_deadline dl;
    btc_interrupt *intr;
    size_t received; /* bytes read from the proxy */
    int code;        /* of the last failed transfer */
    const char *stage;
    bool started; /* a step was taken: the next ones first look at the deadline and the interrupt */
    btc_socks5_bound bound;
} socks_run;

/*
 * Every step but the first looks at the deadline and the interrupt first:
 * the whole handshake has one deadline, and only its first attempt goes
 * ahead regardless (as every operation's does).
 */
static btc_status step(socks_run *r, const char *stage)
{
    r->stage = stage;
    if (!r->started) {
        r->started = true;
        return BTC_OK;
    }
    return btc__check_stop(btc__sys_of(r->s), btc__deadline_get(&r->dl), r->intr);
}

static btc_status put(socks_run *r, const char *stage, const uint8_t *msg, size_t len)
{
    btc_status st = step(r, stage);
    if (st != BTC_OK)
        return st;
    btc_iovec one = {msg, len};
    size_t sent;
    return btc__send_all(r->s, &one, 1, len, &r->dl, r->intr, &sent, &r->code);
}

static btc_status get(socks_run *r, const char *stage, uint8_t *buf, size_t len)
{
    btc_status st = step(r, stage);
    if (st != BTC_OK)
        return st;
    size_t got;
    st = btc__recv_all(r->s, buf, len, &r->dl, r->intr, &got, &r->code);
    r->received += got;
    return st;
}

/* A violation of the protocol by the proxy: BTC_ERR_PROXY with code 0. */
#define VIOLATION(r, err, ...) btc__fail((err), BTC_ERR_PROXY, 0, (r)->received, "SOCKS5 proxy: " __VA_ARGS__)

/* A transfer stopped: says which step and how. */
static btc_status transfer_stop(const socks_run *r, btc_status st, btc_error *err)
{
    switch (st) {
    case BTC_ERR_TIMEOUT:
        return btc__fail(err, st, 0, r->received, "SOCKS5 %s: timed out", r->stage);
    case BTC_ERR_INTERRUPTED:
        return btc__fail(err, st, 0, r->received, "SOCKS5 %s: interrupted", r->stage);
    case BTC_ERR_CLOSED:
        return btc__fail(err, st, 0, r->received, "SOCKS5 %s: the proxy closed the connection", r->stage);
    case BTC_ERR_PROTOCOL:
        return btc__fail(err, st, 0, r->received, "SOCKS5 %s: a system call broke its contract", r->stage);
    case BTC_ERR_NOT_SELECTABLE:
        return btc__fail(err, st, 0, r->received, "SOCKS5 %s: socket not usable with the %s backend", r->stage,
                         btc_wait_backend());
    default:
        return btc__fail(err, st, r->code, r->received, "SOCKS5 %s failed", r->stage);
    }
}

/* RFC 1929: username and password, then a two-byte verdict. */
static btc_status authenticate(socks_run *r, const btc_socks5_auth *auth, btc_error *err)
{
    uint8_t msg[3 + 2 * SOCKS_FIELD_MAX];
    size_t ulen = strlen(auth->username);
    size_t plen = strlen(auth->password);
    msg[0] = SOCKS_AUTH_VERSION;
    msg[1] = (uint8_t)ulen;
    memcpy(msg + 2, auth->username, ulen);
    msg[2 + ulen] = (uint8_t)plen;
    memcpy(msg + 3 + ulen, auth->password, plen);
    btc_status st = put(r, "authentication", msg, 3 + ulen + plen);
    uint8_t reply[2];
    if (st == BTC_OK)
        st = get(r, "authentication reply", reply, sizeof reply);
    if (st != BTC_OK)
        return transfer_stop(r, st, err);
    if (reply[0] != SOCKS_AUTH_VERSION)
        return VIOLATION(r, err, "authentication reply version %u, not 1", reply[0]);
    if (reply[1] != 0)
        return VIOLATION(r, err, "authentication failed (status %u)", reply[1]);
    return BTC_OK;
}

/* The greeting and the method the proxy picks (and its authentication). */
static btc_status negotiate(socks_run *r, const btc_socks5_auth *auth, btc_error *err)
{
    const uint8_t plain[] = {SOCKS_VERSION, 1, SOCKS_METHOD_NONE};
    const uint8_t both[] = {SOCKS_VERSION, 2, SOCKS_METHOD_NONE, SOCKS_METHOD_USERPASS};
    btc_status st = auth == NULL ? put(r, "greeting", plain, sizeof plain) : put(r, "greeting", both, sizeof both);
    uint8_t reply[2];
    if (st == BTC_OK)
        st = get(r, "method reply", reply, sizeof reply);
    if (st != BTC_OK)
        return transfer_stop(r, st, err);
    if (reply[0] != SOCKS_VERSION)
        return VIOLATION(r, err, "method reply version %u, not 5", reply[0]);
    if (reply[1] == SOCKS_METHOD_REFUSED)
        return VIOLATION(r, err, "no acceptable authentication method");
    if (reply[1] == SOCKS_METHOD_USERPASS && auth != NULL)
        return authenticate(r, auth, err);
    if (reply[1] != SOCKS_METHOD_NONE)
        return VIOLATION(r, err, "the proxy chose method %u, which was not offered", reply[1]);
    return BTC_OK;
}

/* The bound address after the reply's four-byte head, read exactly whatever its type. */
static btc_status reply_address(socks_run *r, uint8_t atyp, btc_error *err)
{
    uint8_t rest[SOCKS_FIELD_MAX + 2];
    size_t len;
    btc_status st = BTC_OK;
    if (atyp == SOCKS_ATYP_IPV4) {
        len = 4;
    } else if (atyp == SOCKS_ATYP_IPV6) {
        len = 16;
    } else if (atyp == SOCKS_ATYP_DOMAIN) {
        uint8_t n = 0; /* not read when the get fails */
        st = get(r, "reply address", &n, 1);
        len = n;
    } else {
        return VIOLATION(r, err, "unknown address type %u in the reply", atyp);
    }
    if (st == BTC_OK)
        st = get(r, "reply address", rest, len + 2);
    if (st != BTC_OK)
        return transfer_stop(r, st, err);
    r->bound.atyp = atyp;
    r->bound.len = (uint8_t)len;
    memcpy(r->bound.addr, rest, len);
    r->bound.port = (uint16_t)((unsigned)rest[len] << 8 | rest[len + 1]);
    return BTC_OK;
}

/* The CONNECT request and its reply, read exactly. */
static btc_status request(socks_run *r, const uint8_t *field, size_t field_len, uint8_t atyp, uint16_t port,
                          btc_error *err)
{
    uint8_t msg[4 + 1 + SOCKS_FIELD_MAX + 2];
    msg[0] = SOCKS_VERSION;
    msg[1] = SOCKS_CMD_CONNECT;
    msg[2] = 0;
    msg[3] = atyp;
    memcpy(msg + 4, field, field_len);
    msg[4 + field_len] = (uint8_t)(port >> 8);
    msg[5 + field_len] = (uint8_t)port;
    btc_status st = put(r, "CONNECT request", msg, 6 + field_len);
    uint8_t head[4];
    if (st == BTC_OK)
        st = get(r, "CONNECT reply", head, sizeof head);
    if (st != BTC_OK)
        return transfer_stop(r, st, err);
    if (head[0] != SOCKS_VERSION)
        return VIOLATION(r, err, "CONNECT reply version %u, not 5", head[0]);
    if (head[1] != 0)
        return btc__fail(err, BTC_ERR_PROXY, head[1], r->received, "SOCKS5 proxy refused the connection: %s (reply %u)",
                         btc_socks5_reply_message(head[1]), head[1]);
    if (head[2] != 0)
        return VIOLATION(r, err, "reserved byte %u in the CONNECT reply, not 0", head[2]);
    return reply_address(r, head[3], err);
}

/* A credential field: 1..255 bytes. */
static bool field_ok(const char *s) { return s != NULL && s[0] != '\0' && strlen(s) <= SOCKS_FIELD_MAX; }

static btc_status socks5_connect(const btc_sock *proxy, const char *host, uint16_t port, const btc_socks5_auth *auth,
                                 int64_t timeout_ms, btc_interrupt *intr, btc_socks5_bound *bound, btc_error *err)
{
    const char *op = "socks5_connect";
    btc_status st = btc__check_sock(op, proxy, err);
    uint8_t field[1 + SOCKS_FIELD_MAX];
    uint8_t atyp = 0;
    size_t field_len = host == NULL ? 0 : address_field(host, &atyp, field);
    if (st == BTC_OK && field_len == 0)
        st = btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0,
                       "%s: host must be an IP literal or a name of 1 to 255 bytes", op);
    if (st == BTC_OK && auth != NULL && (!field_ok(auth->username) || !field_ok(auth->password)))
        st =
            btc__fail(err, BTC_ERR_INVALID_ARGUMENT, 0, 0, "%s: username and password must be 1 to 255 bytes each", op);
    if (st == BTC_OK)
        st = btc__check_timeout(op, timeout_ms, err);
    if (st == BTC_OK)
        st = btc__check_interrupt(op, intr, err);
    if (st != BTC_OK)
        return st;
    socks_run r;
    memset(&r, 0, sizeof r);
    r.s = proxy;
    r.dl = btc__deadline_later(btc__sys_of(proxy), timeout_ms);
    r.intr = intr;
    r.stage = "";
    st = negotiate(&r, auth, err);
    if (st == BTC_OK)
        st = request(&r, field, field_len, atyp, port, err);
    if (st == BTC_OK && bound != NULL)
        *bound = r.bound;
    return st == BTC_OK ? btc__ok(err, r.received) : st;
}

btc_status btc_socks5_connect_bound(const btc_sock *proxy, const char *host, uint16_t port, const btc_socks5_auth *auth,
                                    int64_t timeout_ms, btc_interrupt *intr, btc_socks5_bound *bound, btc_error *err)
{
    btc_error local;
    if (err == NULL)
        err = &local;
    btc_status st = socks5_connect(proxy, host, port, auth, timeout_ms, intr, bound, err);
    btc__log_result("socks5_connect", err);
    return st;
}

btc_status btc_socks5_connect(const btc_sock *proxy, const char *host, uint16_t port, const btc_socks5_auth *auth,
                              int64_t timeout_ms, btc_interrupt *intr, btc_error *err)
{
    return btc_socks5_connect_bound(proxy, host, port, auth, timeout_ms, intr, NULL, err);
}
