/* SPDX-License-Identifier: ISC */
/* Counters shared by all workers (one memfd mapping) and their rendering. */
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static struct metrics_shm	*shm;
static const int		 statuses[] = { METRICS_STATUSES };

#define ADD(p, n)	__atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define LOAD(p)		__atomic_load_n((p), __ATOMIC_RELAXED)

size_t
metrics_shm_size(const struct policy *p)
{
	(void)p;
	return sizeof(struct metrics_shm);
}

void
metrics_shm_init(struct metrics_shm *m, const struct policy *p)
{
	m->magic = POLICY_MAGIC;
	m->nlisteners = (uint32_t)p->nlisteners;
}

void
metrics_attach(struct metrics_shm *m)
{
	shm = m;
}

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
 * Each uid owns the first slot of its probe sequence that it claimed;
 * slots are never released, so every worker finds the same slot and the
 * per-uid count is exact without a lock.
 */
static uint64_t *
uid_slot(int l, uint32_t uid, int claim)
{
	struct metrics_listener *m;
	uint64_t key = ((uint64_t)uid + 1) << 32, v, zero;
	size_t i, s;

	if ((m = ml(l)) == NULL)
		return NULL;
	s = (uid * 2654435761u) % METRICS_UID_SLOTS;
	for (i = 0; i < METRICS_UID_SLOTS; i++, s = (s + 1) % METRICS_UID_SLOTS) {
		v = LOAD(&m->uids[s]);
		if (v == 0) {
			if (!claim)
				return NULL;
			zero = 0;
			if (__atomic_compare_exchange_n(&m->uids[s], &zero, key,
			    0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				return &m->uids[s];
			v = zero;	/* somebody claimed it first */
		}
		if ((v & 0xffffffff00000000ULL) == key)
			return &m->uids[s];
	}
	return NULL;
}

int
metrics_uid_acquire(int l, uint32_t uid, uint32_t max)
{
	uint64_t *slot, v;

	if (shm == NULL)
		return 0;
	if ((slot = uid_slot(l, uid, 1)) == NULL)
		return -1;
	v = LOAD(slot);
	do {
		if ((uint32_t)v >= max)
			return -1;
	} while (!__atomic_compare_exchange_n(slot, &v, v + 1, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 0;
}

void
metrics_uid_release(int l, uint32_t uid)
{
	uint64_t *slot, v;

	if ((slot = uid_slot(l, uid, 0)) == NULL)
		return;
	v = LOAD(slot);
	do {
		if ((uint32_t)v == 0)
			return;		/* never below zero */
	} while (!__atomic_compare_exchange_n(slot, &v, v - 1, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

uint32_t
metrics_uid_count(int l, uint32_t uid)
{
	uint64_t *slot;

	if ((slot = uid_slot(l, uid, 0)) == NULL)
		return 0;
	return (uint32_t)LOAD(slot);
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

static const char *const deny_names[DENY_NREASONS] = {
	"rule", "default", "uid_limit", "token"
};

int
metrics_render_set(const struct metrics_listener *const *m,
    const char *const *names, size_t n, struct buf *out)
{
	static const char help[] =
	    "# TYPE uds_gateway_connections_open gauge\n"
	    "# TYPE uds_gateway_connections_total counter\n"
	    "# TYPE uds_gateway_bytes_received_total counter\n"
	    "# TYPE uds_gateway_bytes_sent_total counter\n"
	    "# TYPE uds_gateway_timeouts_total counter\n"
	    "# TYPE uds_gateway_requests_total counter\n"
	    "# TYPE uds_gateway_denials_total counter\n";
	const struct metrics_listener *x;
	const char *name;
	char code[8];
	size_t i, j;
	int r;

	if ((r = buf_append(out, help, sizeof(help) - 1)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		x = m[i];
		name = names[i];
		if ((r = put(out, "connections_open", name, NULL, NULL,
		    LOAD(&x->conn_open))) != 0 ||
		    (r = put(out, "connections_total", name, NULL, NULL,
		    LOAD(&x->conn_total))) != 0 ||
		    (r = put(out, "bytes_received_total", name, NULL, NULL,
		    LOAD(&x->bytes_in))) != 0 ||
		    (r = put(out, "bytes_sent_total", name, NULL, NULL,
		    LOAD(&x->bytes_out))) != 0 ||
		    (r = put(out, "timeouts_total", name, NULL, NULL,
		    LOAD(&x->timeouts))) != 0)
			return r;
		for (j = 0; j < METRICS_NSTATUS; j++) {
			if (LOAD(&x->requests[j]) == 0)
				continue;
			if (j < sizeof(statuses) / sizeof(statuses[0]))
				(void)snprintf(code, sizeof(code), "%d",
				    statuses[j]);
			else
				(void)snprintf(code, sizeof(code), "other");
			if ((r = put(out, "requests_total", name, "code", code,
			    LOAD(&x->requests[j]))) != 0)
				return r;
		}
		for (j = 0; j < DENY_NREASONS; j++)
			if ((r = put(out, "denials_total", name, "reason",
			    deny_names[j], LOAD(&x->denials[j]))) != 0)
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
