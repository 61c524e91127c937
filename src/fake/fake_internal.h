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
