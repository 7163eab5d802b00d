/* SPDX-License-Identifier: ISC */
/* Counters shared by all workers (one memfd mapping) and their rendering. */
#ifndef UDSGW_METRICS_H
#define UDSGW_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "gateway.h"

/* Per-uid table: a power of two of at least 2 * max_connections slots. */
#define METRICS_UID_MIN_SLOTS	16

enum metrics_deny {
	DENY_RULE = 0,		/* an explicit deny rule matched */
	DENY_DEFAULT,		/* no rule matched */
	DENY_UID_LIMIT,		/* max_connections_per_uid reached */
	DENY_TOKEN,		/* token missing or wrong */
	DENY_UID_TABLE,		/* no per-uid slot could be taken */
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
	uint64_t	 refusing;	/* refused peers lingering (budget) */
	uint64_t	 fwd_total;	/* forward: upstream connections made */
	uint64_t	 fwd_bytes_up;	/* peer -> upstream */
	uint64_t	 fwd_bytes_down; /* upstream -> peer */
	uint64_t	 fwd_fail;	/* upstream connect failures */
	uint64_t	 fwd_connect_us; /* time to get a connection, summed */
	/*
	 * The per-uid table: uid_nslots 64-bit words at byte uid_off from
	 * the start of the mapping (see metrics.c for the slot states).
	 * The parent writes the layout; a worker checks it once at attach
	 * and keeps its own copy. uid_maxdist only grows: the longest probe
	 * distance any insert has used, so lookups know where to stop.
	 */
	uint64_t	 uid_off;
	uint32_t	 uid_nslots;
	uint32_t	 uid_maxdist;
	uint64_t	 uid_seed[2];	/* keyed hash: clusters not chosen */
};

/*
 * One mapping: this fixed part, then each listener's uid table
 * (metrics_shm_size() bytes in all).
 */
struct metrics_shm {
	uint32_t		 magic;
	uint32_t		 nlisteners;
	uint64_t		 size;		/* of the whole mapping */
	struct metrics_listener	 l[POLICY_MAX_LISTENERS];
};

/*
 * metrics_uid_slots: the uid table size for a listener with max_conns
 * connections: the next power of two >= 2 * max_conns (at least
 * METRICS_UID_MIN_SLOTS). Every occupied slot belongs to a uid with an
 * open connection, so at least half the table is always free.
 */
uint32_t metrics_uid_slots(uint32_t max_conns);
/*
 * metrics_shm_size: bytes of the shared mapping for p's listeners (in
 * order, l[i] is p->listeners[i]; a worker's policy holds its own
 * listener only): the fixed struct metrics_shm, then one uid table per
 * listener. The parent sizes and seals the memfd with it, a worker
 * checks the memfd's size against it; 0 if it would overflow.
 */
size_t	 metrics_shm_size(const struct policy *p);
/*
 * metrics_shm_repair: write back the layout of m (magic, sizes, table
 * offsets and keys) from ref, the parent's private copy taken after
 * metrics_shm_init, and bound uid_maxdist. The region is writable by
 * the listener's workers: the parent repairs it before starting one,
 * so that a worker that wrecked the layout cannot keep its successors
 * from starting. Counters are left as they are.
 */
void	 metrics_shm_repair(struct metrics_shm *m, const struct metrics_shm *ref);
/*
 * metrics_shm_init: lay out a zeroed mapping m of size bytes for p
 * (magic, sizes, table offsets, random hash keys); 0, or -1 with errno
 * (EINVAL if size is not metrics_shm_size(p), or getrandom's error).
 */
int	 metrics_shm_init(struct metrics_shm *m, size_t size,
	    const struct policy *p);
/*
 * metrics_attach: use m (a MAP_SHARED mapping of size bytes made by
 * metrics_shm_init, or NULL to detach) for all counters. The layout is
 * checked against size and copied: 0, or -1 if it is inconsistent (the
 * mapping is then not used). Before attaching, every counter call is a
 * no-op.
 */
int	 metrics_attach(struct metrics_shm *m, size_t size);
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
/* forward: a connection made, bytes relayed each way, a failed connect. */
void	 metrics_fwd_conn(int l, uint64_t us);
void	 metrics_fwd_bytes(int l, uint64_t up, uint64_t down);
void	 metrics_fwd_fail(int l);
void	 metrics_request(int l, int status);
void	 metrics_deny(int l, enum metrics_deny why);
/*
 * metrics_refuse_acquire: take one of the listener's max lingering
 * refusals (a refused peer that is read to its end before the close);
 * 0, or -1 when all are taken. metrics_refuse_release gives it back.
 */
int	 metrics_refuse_acquire(int l, uint32_t max);
void	 metrics_refuse_release(int l);
/*
 * metrics_uid_acquire: count one more connection for uid on listener l
 * if it has fewer than max. Returns METRICS_UID_OK, METRICS_UID_CAP (at
 * the cap) or METRICS_UID_FULL (no slot could be taken: the table is
 * full, which its size rules out while every connection is counted, or
 * another worker's insert of the same uid did not finish in time).
 * Exact across workers, lock-free; a uid's slot is freed when its
 * count reaches 0. Not attached: always METRICS_UID_OK.
 */
#define METRICS_UID_OK		0
#define METRICS_UID_CAP		(-1)
#define METRICS_UID_FULL	(-2)
int	 metrics_uid_acquire(int l, uint32_t uid, uint32_t max);
/* metrics_uid_release: one connection fewer for uid (never below 0). */
void	 metrics_uid_release(int l, uint32_t uid);
uint32_t metrics_uid_count(int l, uint32_t uid);
uint64_t metrics_open(int l);

/*
 * metrics_render: Prometheus text exposition (format 0.0.4) of m for the
 * listeners of p, appended to out: family by family, each with its
 * "# HELP" and "# TYPE" lines and then its samples for every listener,
 * as promtool check metrics wants. Pure: 0, or GW_ERR_NOSPACE/NOMEM.
 * metrics_render_set: the same for n listeners that each have a region
 * of their own: listener i is m[i]->l[0], named names[i].
 */
int	 metrics_render(const struct metrics_shm *m, const struct policy *p,
	    struct buf *out);
int	 metrics_render_set(const struct metrics_listener *const *m,
	    const char *const *names, size_t n, struct buf *out);

#endif /* UDSGW_METRICS_H */
