/* SPDX-License-Identifier: ISC */
/* Per-key log rate limiting with "suppressed N" summaries: PURE. */
#ifndef UDSGW_RATELIMIT_H
#define UDSGW_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_SLOTS		64	/* keys tracked at once */

/*
 * One key's window. A key that finds no slot (all RATELIMIT_SLOTS hold
 * keys still inside their window or with a summary pending) shares
 * rl_other: it is still limited, as one key, and summarised as such.
 */
struct ratelimit_slot {
	uint32_t	 key;
	int		 used;
	uint32_t	 win_count;	/* events let through this window */
	uint64_t	 win_start;	/* ms */
	uint64_t	 suppressed;	/* since sup_since, not yet summarised */
	uint64_t	 sup_since;	/* ms of the first of them */
};

struct ratelimit {
	struct ratelimit_slot	 rl_slot[RATELIMIT_SLOTS];
	struct ratelimit_slot	 rl_other;
	uint32_t		 rl_burst;
	uint64_t		 rl_window_ms;
};

/* A summary due: count events of key (or of the keys without a slot). */
struct ratelimit_summary {
	uint32_t	 key;
	int		 other;		/* 1: key is meaningless */
	uint64_t	 count;
	uint64_t	 span_ms;	/* from the first suppressed event */
};

/*
 * ratelimit_init: at most burst events per key per window_ms (fixed
 * windows starting at a key's first event). No allocation, ever.
 */
void	 ratelimit_init(struct ratelimit *, uint32_t burst, uint64_t window_ms);

/*
 * ratelimit_allow: one event of key at now_ms (a monotonic clock).
 * Returns 1 if it may be logged, 0 if it is suppressed (and counted).
 */
int	 ratelimit_allow(struct ratelimit *, uint32_t key, uint64_t now_ms);

/*
 * ratelimit_summary: fills out with one summary that is due (suppressed
 * events whose first is at least a window old) and clears it; returns 1,
 * or 0 when none is due. Call until it returns 0; at most
 * RATELIMIT_SLOTS + 1 summaries are due at once.
 */
int	 ratelimit_summary(struct ratelimit *, uint64_t now_ms,
	    struct ratelimit_summary *out);

/*
 * ratelimit_flush: as ratelimit_summary, but every pending count is due,
 * however recent (for the last words of a process that exits).
 */
int	 ratelimit_flush(struct ratelimit *, uint64_t now_ms,
	    struct ratelimit_summary *out);

#endif /* UDSGW_RATELIMIT_H */
