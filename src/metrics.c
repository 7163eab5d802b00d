/* SPDX-License-Identifier: ISC */
/* Counters shared by all workers (one memfd mapping) and their rendering. */
#include <sys/random.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

/* A worker's own copy of each uid table's layout, checked at attach. */
struct uidtab {
	uint64_t	*slots;
	uint32_t	*maxdist;	/* shared */
	uint32_t	 mask;		/* nslots - 1 */
	unsigned int	 shift;		/* 64 - log2(nslots) */
	uint64_t	 key[2];
};

static struct metrics_shm	*shm;
static struct uidtab		 tabs[POLICY_MAX_LISTENERS];
static const int		 statuses[] = { METRICS_STATUSES };

#define ADD(p, n)	__atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define LOAD(p)		__atomic_load_n((p), __ATOMIC_RELAXED)

static struct metrics_listener *
ml(int l)
{
	if (shm == NULL || l < 0 || l >= POLICY_MAX_LISTENERS)
		return NULL;
	return &shm->l[l];
}

int
metrics_conn_acquire(int l, uint32_t max)
{
	struct metrics_listener *m;
	uint64_t v;

	if ((m = ml(l)) == NULL)
		return 0;
	v = LOAD(&m->conn_open);
	do {
		if (v >= max)
			return -1;
	} while (!__atomic_compare_exchange_n(&m->conn_open, &v, v + 1, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 0;
}

void
metrics_conn_accepted(int l)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL)
		ADD(&m->conn_total, 1);
}

void
metrics_conn_release(int l)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL)
		__atomic_fetch_sub(&m->conn_open, 1, __ATOMIC_RELAXED);
}

void
metrics_bytes_in(int l, uint64_t n)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL)
		ADD(&m->bytes_in, n);
}

void
metrics_bytes_out(int l, uint64_t n)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL)
		ADD(&m->bytes_out, n);
}

void
metrics_timeout(int l)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL)
		ADD(&m->timeouts, 1);
}

void
metrics_fwd_conn(int l, uint64_t us)
{
	struct metrics_listener *m;

	if ((m = ml(l)) == NULL)
		return;
	ADD(&m->fwd_total, 1);
	ADD(&m->fwd_connect_us, us);
}

void
metrics_fwd_bytes(int l, uint64_t up, uint64_t down)
{
	struct metrics_listener *m;

	if ((m = ml(l)) == NULL)
		return;
	if (up != 0)
		ADD(&m->fwd_bytes_up, up);
	if (down != 0)
		ADD(&m->fwd_bytes_down, down);
}

void
metrics_fwd_fail(int l)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL)
		ADD(&m->fwd_fail, 1);
}

void
metrics_request(int l, int status)
{
	struct metrics_listener *m;
	size_t i;

	if ((m = ml(l)) == NULL)
		return;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i] == status)
			break;
	ADD(&m->requests[i], 1);
}

void
metrics_deny(int l, enum metrics_deny why)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL && why < DENY_NREASONS)
		ADD(&m->denials[why], 1);
}

uint64_t
metrics_open(int l)
{
	struct metrics_listener *m;

	return (m = ml(l)) == NULL ? 0 : LOAD(&m->conn_open);
}

/*
 * Layout: the fixed struct metrics_shm, then one uid table per
 * listener, in listener order, each a power of two of 64-bit words.
 */
uint32_t
metrics_uid_slots(uint32_t max_conns)
{
	uint64_t n = METRICS_UID_MIN_SLOTS;

	/* The policy caps max_connections at 1048576: 2^21 slots, 16 MiB. */
	while (n < 2 * (uint64_t)max_conns && n < (1ULL << 31))
		n <<= 1;
	return (uint32_t)n;
}

size_t
metrics_shm_size(const struct policy *p)
{
	size_t i, n = sizeof(struct metrics_shm), t;

	for (i = 0; i < p->nlisteners && i < POLICY_MAX_LISTENERS; i++) {
		t = (size_t)metrics_uid_slots(p->listeners[i].lim.max_connections);
		if (t > (SIZE_MAX - n) / sizeof(uint64_t))
			return 0;
		n += t * sizeof(uint64_t);
	}
	return n;
}

int
metrics_shm_init(struct metrics_shm *m, size_t size, const struct policy *p)
{
	struct metrics_listener *x;
	uint64_t off = sizeof(*m);
	size_t i;

	if (p->nlisteners > POLICY_MAX_LISTENERS || size == 0 ||
	    size != metrics_shm_size(p)) {
		errno = EINVAL;
		return -1;
	}
	m->magic = POLICY_MAGIC;
	m->nlisteners = (uint32_t)p->nlisteners;
	m->size = size;
	for (i = 0; i < p->nlisteners; i++) {
		x = &m->l[i];
		x->uid_off = off;
		x->uid_nslots =
		    metrics_uid_slots(p->listeners[i].lim.max_connections);
		x->uid_maxdist = 0;
		if (getrandom(x->uid_seed, sizeof(x->uid_seed), 0) !=
		    (ssize_t)sizeof(x->uid_seed))
			return -1;
		off += (uint64_t)x->uid_nslots * sizeof(uint64_t);
	}
	return 0;
}

void
metrics_shm_repair(struct metrics_shm *m, const struct metrics_shm *ref)
{
	struct metrics_listener *x;
	const struct metrics_listener *r;
	uint32_t d;
	size_t i;

	m->magic = ref->magic;
	m->nlisteners = ref->nlisteners;
	m->size = ref->size;
	for (i = 0; i < ref->nlisteners && i < POLICY_MAX_LISTENERS; i++) {
		x = &m->l[i];
		r = &ref->l[i];
		x->uid_off = r->uid_off;
		x->uid_nslots = r->uid_nslots;
		memcpy(x->uid_seed, r->uid_seed, sizeof(x->uid_seed));
		d = __atomic_load_n(&x->uid_maxdist, __ATOMIC_RELAXED);
		if (d > r->uid_nslots)
			__atomic_store_n(&x->uid_maxdist, r->uid_nslots,
			    __ATOMIC_RELAXED);
	}
}

int
metrics_attach(struct metrics_shm *m, size_t size)
{
	struct uidtab t[POLICY_MAX_LISTENERS];
	const struct metrics_listener *x;
	uint64_t end = sizeof(*m), n;
	size_t i;

	shm = NULL;
	memset(tabs, 0, sizeof(tabs));
	if (m == NULL)
		return 0;
	memset(t, 0, sizeof(t));
	if (size < sizeof(*m) || m->magic != POLICY_MAGIC || m->size != size ||
	    m->nlisteners > POLICY_MAX_LISTENERS)
		return -1;
	for (i = 0; i < m->nlisteners; i++) {
		x = &m->l[i];
		n = x->uid_nslots;
		/* In order, back to back, inside the mapping. */
		if (n < METRICS_UID_MIN_SLOTS || (n & (n - 1)) != 0 ||
		    x->uid_off != end || n > (size - end) / sizeof(uint64_t))
			return -1;
		t[i].slots = (uint64_t *)(void *)((char *)m + x->uid_off);
		t[i].maxdist = &m->l[i].uid_maxdist;
		t[i].mask = (uint32_t)n - 1;
		t[i].shift = 64 - (unsigned int)__builtin_ctzll(n);
		t[i].key[0] = x->uid_seed[0] | 1;
		t[i].key[1] = x->uid_seed[1];
		end += n * sizeof(uint64_t);
	}
	memcpy(tabs, t, sizeof(tabs));
	shm = m;
	return 0;
}

/*
 * The per-uid table: open addressing with linear probing, one 64-bit
 * word per slot, changed only by compare-and-swap, no lock (a worker
 * may die at any instruction and must not leave a lock held).
 *
 *   0                        free
 *   uid << 32 | CLAIM        an insert of uid in progress (count 0)
 *   uid << 32 | LIVE | n     uid holds n >= 1 connections
 *
 * A uid's slot is freed (back to 0) by the release that takes its count
 * from 1 to 0, so the table holds only uids with open connections; as
 * every one of them also holds one of the listener's max_connections
 * slots (taken before and given back after), at most max_connections
 * slots are in use and the table, 2 * max_connections or more, is never
 * more than half full: an insert always finds a free slot.
 *
 * Lookups do not stop at the first free slot: a freed slot is a
 * tombstone that keeps probe sequences intact. They stop after
 * uid_maxdist + 1 slots instead, the longest probe distance an insert
 * has ever used, which only grows and is raised before the insert
 * claims its slot. A free slot, never used or freed, may be taken by
 * any insert. The hash is keyed per generation (multiply-add-shift with
 * random keys) so that a peer who picks uids cannot build long runs.
 *
 * Two workers inserting the same uid must never both make it LIVE (its
 * count would be split and the cap doubled). An insert therefore claims
 * the first free slot of the uid's sequence as CLAIM, then rescans the
 * sequence for any other CLAIM or LIVE slot of the same uid; if it sees
 * one it frees its claim and starts again (and finds the other slot),
 * else it publishes LIVE. Proof that two inserts P and Q of one uid
 * cannot both publish: all these operations are sequentially
 * consistent. If both published, each rescan missed the other's slot,
 * which stays CLAIM or LIVE from its claim until the other published.
 * P's rescan covers Q's slot unless it began before Q raised uid_maxdist
 * (and so before Q's claim), and it reads that slot after P's claim; so
 * P missing Q means P's claim came before Q's claim. The same argument
 * with P and Q swapped gives Q's claim before P's: a contradiction. Both
 * used to back off both (each saw the other): now the claim nearer the
 * uid's home slot waits and the other withdraws (uid_insert); after
 * UID_TRIES rounds, or a rival CLAIM that stays for UID_SPIN reads
 * (its worker preempted, or dead), the connection is refused as
 * METRICS_UID_FULL. A worker that
 * sees a CLAIM of its uid waits a bounded number of reads for it to be
 * published or freed; only its claimer ever writes a CLAIM slot.
 * XXX A worker killed between its claim and its publish leaves that uid
 * refused until the next generation, as a worker killed while holding
 * connections leaves their counts held.
 */
#define UID_LIVE	(1ULL << 31)
#define UID_CLAIM	(1ULL << 30)
#define UID_COUNT	((1ULL << 30) - 1)
#define UID_OF(v)	((uint32_t)((v) >> 32))
#define UID_TRIES	64	/* rounds after a lost race */
#define UID_SPIN	100000	/* reads of another worker's CLAIM */
#define UID_AGAIN	1	/* internal: start the round again */

#define SLOAD(p)	__atomic_load_n((p), __ATOMIC_SEQ_CST)
#define SSTORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define SCAS(p, e, d)	__atomic_compare_exchange_n((p), (e), (d), 0, \
			    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

static const struct uidtab *
uid_tab(int l)
{
	if (l < 0 || l >= POLICY_MAX_LISTENERS || tabs[l].slots == NULL)
		return NULL;
	return &tabs[l];
}

static uint32_t
uid_home(const struct uidtab *t, uint32_t uid)
{
	return (uint32_t)((t->key[0] * uid + t->key[1]) >> t->shift);
}

/* The slot of uid, in a state of mask, other than skip; NULL if none. */
static uint64_t *
uid_find(const struct uidtab *t, uint32_t uid, uint64_t mask,
    const uint64_t *skip)
{
	uint32_t d, i, s;
	uint64_t v;

	if ((d = SLOAD(t->maxdist)) > t->mask)
		d = t->mask;
	s = uid_home(t, uid);
	for (i = 0; i <= d; i++, s = (s + 1) & t->mask) {
		if (&t->slots[s] == skip)
			continue;
		v = SLOAD(&t->slots[s]);
		if ((v & mask) != 0 && UID_OF(v) == uid)
			return &t->slots[s];
	}
	return NULL;
}

/*
 * Waiting for another worker's CLAIM: now and then give the CPU away,
 * since on a busy host that worker may be preempted between its claim
 * and its publish, and a plain spin would only burn our time slice.
 */
static void
uid_pause(uint32_t spin)
{
	if ((spin & 63) == 0)
		(void)sched_yield();
}

/* One more on uid's existing slot (LIVE, or CLAIM about to be). */
static int
uid_incr(uint64_t *slot, uint32_t uid, uint32_t max)
{
	uint64_t v;
	uint32_t spin = 0;

	v = SLOAD(slot);
	for (;;) {
		if ((v & (UID_LIVE | UID_CLAIM)) == 0 || UID_OF(v) != uid)
			return UID_AGAIN;	/* freed meanwhile */
		if (v & UID_CLAIM) {
			if (++spin > UID_SPIN)
				return METRICS_UID_FULL;
			uid_pause(spin);
			v = SLOAD(slot);
			continue;
		}
		if ((v & UID_COUNT) >= max)
			return METRICS_UID_CAP;
		if (SCAS(slot, &v, v + 1))
			return METRICS_UID_OK;
	}
}

/* Claim a free slot for uid, check for a rival, publish (see above). */
static int
uid_insert(const struct uidtab *t, uint32_t uid)
{
	uint64_t *slot, *other, zero = 0;
	uint32_t d, h, i, spin;

	h = uid_home(t, uid);
	for (i = 0; i <= t->mask; i++)
		if (SLOAD(&t->slots[(h + i) & t->mask]) == 0)
			break;
	if (i > t->mask)
		return METRICS_UID_FULL;
	d = SLOAD(t->maxdist);
	while (d < i && !SCAS(t->maxdist, &d, i))
		;
	slot = &t->slots[(h + i) & t->mask];
	if (!SCAS(slot, &zero, (uint64_t)uid << 32 | UID_CLAIM))
		return UID_AGAIN;
	/*
	 * Publish only when the rescan sees no rival (the proof above). A
	 * rival CLAIM nearer the home slot wins: we withdraw. One further
	 * along loses: it withdraws when it sees ours, or publishes first
	 * if its rescan passed our slot before we claimed it; either way
	 * we wait for that and look again, so two inserts never both give
	 * up because each saw the other.
	 */
	for (spin = 0;; spin++) {
		if ((other = uid_find(t, uid, UID_LIVE | UID_CLAIM,
		    slot)) == NULL)
			break;
		if ((SLOAD(other) & UID_LIVE) || spin > UID_SPIN ||
		    (((uint32_t)(other - t->slots) - h) & t->mask) < i) {
			SSTORE(slot, 0);
			return UID_AGAIN;
		}
		uid_pause(spin);
	}
	SSTORE(slot, (uint64_t)uid << 32 | UID_LIVE | 1);
	return METRICS_UID_OK;
}

int
metrics_uid_acquire(int l, uint32_t uid, uint32_t max)
{
	const struct uidtab *t;
	uint64_t *slot;
	int r = METRICS_UID_FULL, try;

	if (shm == NULL)
		return METRICS_UID_OK;
	if ((t = uid_tab(l)) == NULL)
		return METRICS_UID_FULL;	/* fail closed */
	if (max == 0)
		return METRICS_UID_CAP;
	if (max > UID_COUNT)
		max = UID_COUNT;
	for (try = 0; try < UID_TRIES; try++) {
		if ((slot = uid_find(t, uid, UID_LIVE | UID_CLAIM,
		    NULL)) != NULL)
			r = uid_incr(slot, uid, max);
		else
			r = uid_insert(t, uid);
		if (r != UID_AGAIN)
			return r;
	}
	return METRICS_UID_FULL;
}

void
metrics_uid_release(int l, uint32_t uid)
{
	const struct uidtab *t;
	uint64_t *slot, v, n;

	if ((t = uid_tab(l)) == NULL ||
	    (slot = uid_find(t, uid, UID_LIVE, NULL)) == NULL)
		return;		/* never below zero */
	v = SLOAD(slot);
	do {
		if ((v & UID_LIVE) == 0 || UID_OF(v) != uid ||
		    (v & UID_COUNT) == 0)
			return;
		/* The last one frees the slot. */
		n = (v & UID_COUNT) == 1 ? 0 : v - 1;
	} while (!SCAS(slot, &v, n));
}

uint32_t
metrics_uid_count(int l, uint32_t uid)
{
	const struct uidtab *t;
	uint64_t *slot;

	if ((t = uid_tab(l)) == NULL ||
	    (slot = uid_find(t, uid, UID_LIVE, NULL)) == NULL)
		return 0;
	return (uint32_t)(SLOAD(slot) & UID_COUNT);
}

int
metrics_refuse_acquire(int l, uint32_t max)
{
	struct metrics_listener *m;
	uint64_t v;

	if ((m = ml(l)) == NULL)
		return 0;
	v = LOAD(&m->refusing);
	do {
		if (v >= max)
			return -1;
	} while (!__atomic_compare_exchange_n(&m->refusing, &v, v + 1, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 0;
}

void
metrics_refuse_release(int l)
{
	struct metrics_listener *m;

	if ((m = ml(l)) != NULL)
		__atomic_fetch_sub(&m->refusing, 1, __ATOMIC_RELAXED);
}

/* One sample line: name{listener="l"[,label="lval"]} v */
static int
put(struct buf *out, const char *metric, const char *listener,
    const char *label, const char *lval, unsigned long long v)
{
	char line[512];
	int n;

	if (label != NULL)
		n = snprintf(line, sizeof(line),
		    "uds_gateway_%s{listener=\"%s\",%s=\"%s\"} %llu\n",
		    metric, listener, label, lval, v);
	else
		n = snprintf(line, sizeof(line),
		    "uds_gateway_%s{listener=\"%s\"} %llu\n",
		    metric, listener, v);
	if (n < 0 || (size_t)n >= sizeof(line))
		return GW_ERR_NOSPACE;
	return buf_append(out, line, (size_t)n);
}

/* forward: the connect-time summary, its sum (seconds) and count. */
static int
put_connect_time(struct buf *out, const struct metrics_listener *x,
    const char *name)
{
	char line[256];
	uint64_t us = LOAD(&x->fwd_connect_us);
	int r, n;

	n = snprintf(line, sizeof(line),
	    "uds_gateway_upstream_connect_seconds_sum{listener=\"%s\"} "
	    "%llu.%06llu\n", name, (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
	if (n < 0 || (size_t)n >= sizeof(line))
		return GW_ERR_NOSPACE;
	if ((r = buf_append(out, line, (size_t)n)) != 0)
		return r;
	return put(out, "upstream_connect_seconds_count", name, NULL, NULL,
	    LOAD(&x->fwd_total));
}

static const char *const deny_names[DENY_NREASONS] = {
	"rule", "default", "uid_limit", "token", "uid_table_full"
};

/*
 * The families, in the order they are rendered. The text format wants
 * each family's samples in one group after its HELP and TYPE lines, so
 * the page is written family by family, each over every listener.
 */
enum { F_OPEN, F_CONNS, F_BYTES_IN, F_BYTES_OUT, F_TIMEOUTS, F_REQUESTS,
	F_DENIALS, F_FWD_CONNS, F_FWD_BYTES, F_FWD_FAIL, F_FWD_TIME,
	NFAMILIES };

static const struct family {
	const char	*name;
	const char	*type;
	const char	*help;
} families[NFAMILIES] = {
	[F_OPEN] = { "connections_open", "gauge",
	    "Connections open now (all workers of the listener)." },
	[F_CONNS] = { "connections_total", "counter",
	    "Connections accepted." },
	[F_BYTES_IN] = { "bytes_received_total", "counter",
	    "Bytes read from clients." },
	[F_BYTES_OUT] = { "bytes_sent_total", "counter",
	    "Bytes written to clients." },
	[F_TIMEOUTS] = { "timeouts_total", "counter",
	    "Connections closed by a timeout." },
	[F_REQUESTS] = { "requests_total", "counter",
	    "HTTP responses by status code (other: any code not listed)." },
	[F_DENIALS] = { "denials_total", "counter",
	    "Connections refused, by reason." },
	[F_FWD_CONNS] = { "forwarded_connections_total", "counter",
	    "forward: upstream connections made." },
	[F_FWD_BYTES] = { "forwarded_bytes_total", "counter",
	    "forward: bytes relayed, by direction." },
	[F_FWD_FAIL] = { "upstream_connect_failures_total", "counter",
	    "forward: upstream connections that failed or timed out." },
	[F_FWD_TIME] = { "upstream_connect_seconds", "summary",
	    "forward: time from asking the connector to the connection." },
};

/* One listener's samples of family f. */
static int
put_family(struct buf *out, int f, const struct metrics_listener *x,
    const char *name)
{
	const char *fam = families[f].name;
	char code[8];
	size_t j;
	int r;

	switch (f) {
	case F_OPEN:
		return put(out, fam, name, NULL, NULL, LOAD(&x->conn_open));
	case F_CONNS:
		return put(out, fam, name, NULL, NULL, LOAD(&x->conn_total));
	case F_BYTES_IN:
		return put(out, fam, name, NULL, NULL, LOAD(&x->bytes_in));
	case F_BYTES_OUT:
		return put(out, fam, name, NULL, NULL, LOAD(&x->bytes_out));
	case F_TIMEOUTS:
		return put(out, fam, name, NULL, NULL, LOAD(&x->timeouts));
	case F_REQUESTS:
		for (j = 0; j < METRICS_NSTATUS; j++) {
			if (LOAD(&x->requests[j]) == 0)
				continue;
			if (j < sizeof(statuses) / sizeof(statuses[0]))
				(void)snprintf(code, sizeof(code), "%d",
				    statuses[j]);
			else
				(void)snprintf(code, sizeof(code), "other");
			if ((r = put(out, fam, name, "code", code,
			    LOAD(&x->requests[j]))) != 0)
				return r;
		}
		return 0;
	case F_DENIALS:
		for (j = 0; j < DENY_NREASONS; j++)
			if ((r = put(out, fam, name, "reason", deny_names[j],
			    LOAD(&x->denials[j]))) != 0)
				return r;
		return 0;
	case F_FWD_CONNS:
		return put(out, fam, name, NULL, NULL, LOAD(&x->fwd_total));
	case F_FWD_BYTES:
		if ((r = put(out, fam, name, "direction", "to_upstream",
		    LOAD(&x->fwd_bytes_up))) != 0)
			return r;
		return put(out, fam, name, "direction", "to_peer",
		    LOAD(&x->fwd_bytes_down));
	case F_FWD_FAIL:
		return put(out, fam, name, NULL, NULL, LOAD(&x->fwd_fail));
	case F_FWD_TIME:
		return put_connect_time(out, x, name);
	default:
		return GW_ERR_INTERNAL;
	}
}

int
metrics_render_set(const struct metrics_listener *const *m,
    const char *const *names, size_t n, struct buf *out)
{
	const struct family *fa;
	char head[256];
	size_t i;
	int f, len, r;

	for (f = 0; f < NFAMILIES; f++) {
		fa = &families[f];
		len = snprintf(head, sizeof(head), "# HELP uds_gateway_%s "
		    "%s\n# TYPE uds_gateway_%s %s\n", fa->name, fa->help,
		    fa->name, fa->type);
		if (len < 0 || (size_t)len >= sizeof(head))
			return GW_ERR_INTERNAL;
		if ((r = buf_append(out, head, (size_t)len)) != 0)
			return r;
		for (i = 0; i < n; i++)
			if ((r = put_family(out, f, m[i], names[i])) != 0)
				return r;
	}
	return 0;
}

int
metrics_render(const struct metrics_shm *m, const struct policy *p,
    struct buf *out)
{
	const struct metrics_listener *set[POLICY_MAX_LISTENERS];
	const char *names[POLICY_MAX_LISTENERS];
	size_t i;

	for (i = 0; i < p->nlisteners && i < POLICY_MAX_LISTENERS; i++) {
		set[i] = &m->l[i];
		names[i] = p->listeners[i].name;
	}
	return metrics_render_set(set, names, i, out);
}
