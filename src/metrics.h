/* SPDX-License-Identifier: ISC */
/* Counters shared by all workers (one memfd mapping) and their rendering. */
#ifndef UDSGW_METRICS_H
#define UDSGW_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "gateway.h"

#define METRICS_UID_SLOTS	512

enum metrics_deny {
	DENY_RULE = 0,		/* an explicit deny rule matched */
	DENY_DEFAULT,		/* no rule matched */
	DENY_UID_LIMIT,		/* max_connections_per_uid reached */
	DENY_TOKEN,		/* token missing or wrong */
	DENY_NREASONS
};

/* Status codes we count; anything else lands in the last slot. */
#define METRICS_STATUSES \
	200, 400, 401, 403, 404, 405, 408, 413, 414, 417, 431, 500, 501, \
	503, 505
#define METRICS_NSTATUS		16

struct metrics_listener {
	uint64_t	 conn_open;
	uint64_t	 conn_total;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 timeouts;
	uint64_t	 requests[METRICS_NSTATUS];
	uint64_t	 denials[DENY_NREASONS];
	/* per uid: (uid + 1) << 32 | open connections; 0 = free slot */
	uint64_t	 uids[METRICS_UID_SLOTS];
};

struct metrics_shm {
	uint32_t		 magic;
	uint32_t		 nlisteners;
	struct metrics_listener	 l[POLICY_MAX_LISTENERS];
};

/*
 * metrics_shm_size: the bytes of a counters region for the listeners of
 * p (the parent sizes and seals the memfd with it; a worker checks its
 * mapping against it). metrics_shm_init: fill a fresh, zeroed region.
 */
size_t	 metrics_shm_size(const struct policy *p);
void	 metrics_shm_init(struct metrics_shm *m, const struct policy *p);

/*
 * metrics_attach: use m (a MAP_SHARED mapping of sizeof(struct
 * metrics_shm) bytes, or a private one in tests) for all counters.
 * Before attaching, every counter call is a no-op.
 */
void	 metrics_attach(struct metrics_shm *m);
/*
 * metrics_conn_acquire: count one more open connection on listener l if
 * fewer than max are open (across all workers); 0, or -1 when full.
 * It reserves a slot before accept(); metrics_conn_accepted() counts the
 * connection in connections_total once accept() has returned one (an
 * accept that fails, e.g. EAGAIN when another worker won, counts nothing).
 */
int	 metrics_conn_acquire(int l, uint32_t max);
void	 metrics_conn_accepted(int l);
void	 metrics_conn_release(int l);
void	 metrics_bytes_in(int l, uint64_t n);
void	 metrics_bytes_out(int l, uint64_t n);
void	 metrics_timeout(int l);
void	 metrics_request(int l, int status);
void	 metrics_deny(int l, enum metrics_deny why);
/*
 * metrics_uid_acquire: count one more connection for uid on listener l
 * if it has fewer than max; 0 on success, -1 if at the cap or the uid
 * table is full. Exact across workers (lock-free, slots never move).
 */
int	 metrics_uid_acquire(int l, uint32_t uid, uint32_t max);
void	 metrics_uid_release(int l, uint32_t uid);
uint32_t metrics_uid_count(int l, uint32_t uid);
uint64_t metrics_open(int l);

/*
 * metrics_render: Prometheus text exposition of m for the listeners of
 * p, appended to out. Pure: 0, or GW_ERR_NOSPACE/GW_ERR_NOMEM.
 * metrics_render_set: the same for n listeners that each have a region
 * of their own: listener i is m[i]->l[0], named names[i].
 */
int	 metrics_render(const struct metrics_shm *m, const struct policy *p,
	    struct buf *out);
int	 metrics_render_set(const struct metrics_listener *const *m,
	    const char *const *names, size_t n, struct buf *out);

#endif /* UDSGW_METRICS_H */
