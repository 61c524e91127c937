/* SPDX-License-Identifier: MIT */
/*
 * src/fake/mem.c - the fake's own storage: growable arrays within an
 * optional budget, so a conversation or a trace has no fixed cap and running
 * out is a status (BTC_ERR_NO_MEMORY), never a crash or a silent loss.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"

/* Whether growing by `more` bytes stays within the budget. */
static bool within_budget(const btc_fake *f, size_t more)
{
    return f->mem_limit == 0 || (more <= f->mem_limit && f->mem_used <= f->mem_limit - more);
}

btc_status btc_fake__reserve(btc_fake *f, btc_fake_vec *v, size_t elem, size_t extra)
{
    if (extra <= v->cap - v->len)
        return BTC_OK;
    size_t max_elems = SIZE_MAX / elem;
    if (extra > max_elems - v->len)
        return BTC_ERR_NO_MEMORY;
    size_t need = v->len + extra;
    /* Doubling keeps appends cheap; near the budget, exactly what is needed. */
    size_t cap = v->cap < 16 ? 16 : v->cap;
    while (cap < need)
        cap = cap > max_elems / 2 ? need : cap * 2;
    if (cap > max_elems || !within_budget(f, (cap - v->cap) * elem))
        cap = need;
    if (!within_budget(f, (cap - v->cap) * elem))
        return BTC_ERR_NO_MEMORY;
    void *p = realloc(v->data, cap * elem);
    if (p == NULL)
        return BTC_ERR_NO_MEMORY;
    f->mem_used += (cap - v->cap) * elem;
    v->data = p;
    v->cap = cap;
    return BTC_OK;
}

void btc_fake__vec_free(btc_fake *f, btc_fake_vec *v, size_t elem)
{
    free(v->data);
    size_t bytes = v->cap * elem;
    f->mem_used = f->mem_used > bytes ? f->mem_used - bytes : 0;
    v->data = NULL;
    v->len = 0;
    v->cap = 0;
}

void btc_fake_free(btc_fake *f)
{
    if (f == NULL)
        return;
    if (f->in != NULL && f->in == (const uint8_t *)f->conv_in.data) {
        f->in = NULL;
        f->in_len = 0;
    }
    btc_fake__vec_free(f, &f->conv_in, 1);
    btc_fake__vec_free(f, &f->conv_expect, 1);
    btc_fake__vec_free(f, &f->conv_events, sizeof(btc_fake__event));
    btc_fake__vec_free(f, &f->trace, sizeof(btc_fake_call));
    btc_fake__vec_free(f, &f->steps_more, sizeof(btc_fake_step));
    btc_fake__vec_free(f, &f->arrivals_more, sizeof(btc_fake_arrival));
    btc_fake__vec_free(f, &f->sockopts, sizeof(btc_fake__opt));
    btc_fake__vec_free(f, &f->incoming, sizeof(btc_fake__incoming));
    f->incoming_next = 0;
    /* What stays is what the fake's own arrays hold. */
    f->step_count = f->step_count < BTC_FAKE_MAX_STEPS ? f->step_count : BTC_FAKE_MAX_STEPS;
    f->step_next = f->step_next < f->step_count ? f->step_next : f->step_count;
    f->arrival_count = f->arrival_count < BTC_FAKE_MAX_ARRIVALS ? f->arrival_count : BTC_FAKE_MAX_ARRIVALS;
    f->conv_next = f->conv_arrived = f->conv_visible = 0;
    f->conv_on = f->conv_ended = f->mismatched = false;
    memset(&f->mismatch, 0, sizeof f->mismatch);
    f->tracing = false;
    f->trace_status = BTC_OK;
}

void btc_fake_set_memory_limit(btc_fake *f, size_t bytes) { f->mem_limit = bytes; }
