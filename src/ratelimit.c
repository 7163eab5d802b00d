/* SPDX-License-Identifier: ISC */
/* Per-key log rate limiting: fixed table, fixed windows, summaries. */
#include <string.h>

#include "ratelimit.h"

void
ratelimit_init(struct ratelimit *rl, uint32_t burst, uint64_t window_ms)
{
	memset(rl, 0, sizeof(*rl));
	rl->rl_burst = burst;
	rl->rl_window_ms = window_ms > 0 ? window_ms : 1;
}

/*
 * A clock read a little earlier than since (callers may pass a loop's
 * cached time) means no time has passed, never a whole window.
 */
static int
expired(const struct ratelimit *rl, uint64_t since, uint64_t now)
{
	return now >= since && now - since >= rl->rl_window_ms;
}

/*
 * The slot of key: its own, else a free one, else one whose window is
 * over with nothing left to summarise; else the shared one. A linear
 * scan of 64 entries, on the (rare, and limited) logging path only.
 */
static struct ratelimit_slot *
slot_for(struct ratelimit *rl, uint32_t key, uint64_t now)
{
	struct ratelimit_slot *s, *spare = NULL;
	size_t i;

	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		s = &rl->rl_slot[i];
		if (s->used && s->key == key)
			return s;
		if (spare == NULL && (!s->used || (s->suppressed == 0 &&
		    expired(rl, s->win_start, now))))
			spare = s;
	}
	if (spare == NULL)
		return &rl->rl_other;
	memset(spare, 0, sizeof(*spare));
	spare->used = 1;
	spare->key = key;
	spare->win_start = now;
	return spare;
}

int
ratelimit_allow(struct ratelimit *rl, uint32_t key, uint64_t now_ms)
{
	struct ratelimit_slot *s = slot_for(rl, key, now_ms);

	if (expired(rl, s->win_start, now_ms)) {
		s->win_start = now_ms;
		s->win_count = 0;
	}
	if (s->win_count < rl->rl_burst) {
		s->win_count++;
		return 1;
	}
	if (s->suppressed == 0)
		s->sup_since = now_ms;
	if (s->suppressed < UINT64_MAX)
		s->suppressed++;
	return 0;
}

static int
take(struct ratelimit *rl, struct ratelimit_slot *s, int other, int all,
    uint64_t now, struct ratelimit_summary *out)
{
	if (s->suppressed == 0 || (!all && !expired(rl, s->sup_since, now)))
		return 0;
	out->key = other ? 0 : s->key;
	out->other = other;
	out->count = s->suppressed;
	out->span_ms = now >= s->sup_since ? now - s->sup_since : 0;
	s->suppressed = 0;
	return 1;
}

static int
next_summary(struct ratelimit *rl, int all, uint64_t now_ms,
    struct ratelimit_summary *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < RATELIMIT_SLOTS; i++)
		if (rl->rl_slot[i].used &&
		    take(rl, &rl->rl_slot[i], 0, all, now_ms, out))
			return 1;
	return take(rl, &rl->rl_other, 1, all, now_ms, out);
}

int
ratelimit_summary(struct ratelimit *rl, uint64_t now_ms,
    struct ratelimit_summary *out)
{
	return next_summary(rl, 0, now_ms, out);
}

int
ratelimit_flush(struct ratelimit *rl, uint64_t now_ms,
    struct ratelimit_summary *out)
{
	return next_summary(rl, 1, now_ms, out);
}
