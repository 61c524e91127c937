/* SPDX-License-Identifier: MIT */
/*
 * src/fake/fake_internal.h - what the files of libbtcsock-fake share: the
 * allocation budget, the conversation's hooks into the slots, the trace's
 * recorder. Private: never installed, hidden by -fvisibility=hidden.
 */
#ifndef BTCSOCK_FAKE_INTERNAL_H
#define BTCSOCK_FAKE_INTERNAL_H

#include "btcsock.h"
#include "btcsock/fake.h"

/* One reply or the end of a conversation, released once `expect_upto` bytes were received. */
typedef struct btc_fake__event {
    bool end;           /* the end (error below) rather than a reply */
    int error;          /* the end's error: 0 closes */
    size_t expect_upto; /* bytes the peer must have received first */
    size_t in_end;      /* a reply: where its bytes end in conv_in */
    int64_t delay_ms;   /* after the release */
    int64_t at_ms;      /* set at the release: when it arrives */
} btc_fake__event;

/* A connection queued for accept (btc_fake_add_incoming). */
typedef struct btc_fake__incoming {
    btc_socket_t fd;
    struct sockaddr_storage addr;
    socklen_t len;
    int64_t at_ms;
} btc_fake__incoming;

/* A scripted option value (btc_fake_set_sockopt). */
typedef struct btc_fake__opt {
    int level, name;
    socklen_t len;
    uint8_t val[BTC_FAKE_OPT_MAX];
} btc_fake__opt;

/* What a call was told to do by the script. */
typedef struct btc_fake__action {
    btc_fake_kind kind;
    int64_t value;
} btc_fake__action;

/* The hooks a network of fakes (net.c) drives its members' waits with, fake.c's own rules. */
/* Takes the script's next step for a call of kind op (counting the call); due events happen first. */
btc_fake__action btc_fake__take_step(btc_fake *f, btc_fake_op op);
/* What is ready now for `requested`. */
btc_events btc_fake__events(const btc_fake *f, btc_events requested);
/* The next virtual time at which the fake changes anything by itself, or INT64_MAX. */
int64_t btc_fake__next_event(const btc_fake *f);
/* The clock moves to t (never back) and what is due happens. */
void btc_fake__set_now(btc_fake *f, int64_t t);
/* Nothing will ever happen: the peer is gone (reads end, sends fail, a listener reports ERR). */
void btc_fake__give_up(btc_fake *f);
/* Whether the wake descriptor is readable (the fake's own interrupt, else a zero-time look at the OS). */
bool btc_fake__woken(const btc_fake *f, btc_socket_t wake);

/* A full table over ctx whose slots are the functions <prefix><slot> (fake.c's traced_, net.c's net_). */
#define BTC_FAKE__SLOT_ENTRY(prefix, name) .name = prefix##name,
#define BTC_FAKE__ENTRY_traced(since, ret, name, fails, n, params) BTC_FAKE__SLOT_ENTRY(traced_, name)
#define BTC_FAKE__ENTRY_net(since, ret, name, fails, n, params) BTC_FAKE__SLOT_ENTRY(net_, name)
#define BTC_FAKE__TABLE(context, prefix)                                                      \
    {                                                                                         \
        .version = BTC_SYS_VERSION, .ctx = (context), BTC_SYS_SLOTS(BTC_FAKE__ENTRY_##prefix) \
    }

/* Room for `extra` more elements of `elem` bytes in v, within the fake's budget. */
btc_status btc_fake__reserve(btc_fake *f, btc_fake_vec *v, size_t elem, size_t extra);
/* Frees v and returns its bytes to the budget. */
void btc_fake__vec_free(btc_fake *f, btc_fake_vec *v, size_t elem);

/* Releases the events whose expectations are met, then lets due ones arrive. */
void btc_fake__conv_pump(btc_fake *f);
/* Lets released events whose time has come arrive (replies readable, the end applied). */
void btc_fake__conv_tick(btc_fake *f);
/* The peer received data (at `offset` of the sent stream): checked against the script, shown to the callback. */
void btc_fake__conv_received(btc_fake *f, const uint8_t *data, size_t len, size_t offset);
/* The peer still waits for bytes or has replies or an end to come: its input has not ended. */
bool btc_fake__conv_pending(const btc_fake *f);
/* When the next released event arrives, or INT64_MAX. */
int64_t btc_fake__conv_next_time(const btc_fake *f);

/* Records one slot call (phase AFTER) when tracing. */
void btc_fake__trace_record(btc_fake *f, const btc_sys_call *c);

#endif /* BTCSOCK_FAKE_INTERNAL_H */
