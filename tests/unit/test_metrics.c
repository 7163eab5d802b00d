/* SPDX-License-Identifier: ISC */
/* cmocka tests for metrics.c: exact caps, the per-uid table, rendering. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static struct policy	 tpol;
static size_t		 tsize;

/* A zeroed, initialised and attached mapping for n listeners of max. */
static struct metrics_shm *
fresh_n(size_t n, uint32_t max)
{
	struct metrics_shm *m;
	size_t i;

	memset(&tpol, 0, sizeof(tpol));
	tpol.nlisteners = n;
	for (i = 0; i < n; i++)
		tpol.listeners[i].lim.max_connections = max;
	tsize = metrics_shm_size(&tpol);
	assert_true(tsize > sizeof(*m));
	m = calloc(1, tsize);
	assert_non_null(m);
	assert_int_equal(metrics_shm_init(m, tsize, &tpol), 0);
	assert_int_equal(metrics_attach(m, tsize), 0);
	return m;
}

static struct metrics_shm *
fresh(void)
{
	return fresh_n(4, 1024);
}

static uint64_t *
slots(struct metrics_shm *m, int l)
{
	return (uint64_t *)(void *)((char *)m + m->l[l].uid_off);
}

/*
 * Re-key listener l's hash: with key (1, 0) every uid below 2^32 has
 * home slot 0 (the hash keeps the top bits of key0 * uid + key1), so
 * the tests below can build probe sequences at will; key1 = h << 60
 * moves that home to h in a 16-slot table.
 */
static void
rekey(struct metrics_shm *m, int l, uint64_t k0, uint64_t k1)
{
	m->l[l].uid_seed[0] = k0;
	m->l[l].uid_seed[1] = k1;
	assert_int_equal(metrics_attach(m, tsize), 0);
}

static size_t
used(struct metrics_shm *m, int l)
{
	size_t i, n = 0;

	for (i = 0; i < m->l[l].uid_nslots; i++)
		n += slots(m, l)[i] != 0;
	return n;
}

static void
done(struct metrics_shm *m)
{
	assert_int_equal(metrics_attach(NULL, 0), 0);
	free(m);
}

static void
test_conn_cap(void **state)
{
	struct metrics_shm *m = fresh();

	(void)state;
	assert_int_equal(metrics_conn_acquire(0, 2), 0);
	assert_int_equal(metrics_conn_acquire(0, 2), 0);
	assert_int_equal(metrics_conn_acquire(0, 2), -1);
	assert_int_equal(metrics_open(0), 2);
	metrics_conn_release(0);
	assert_int_equal(metrics_conn_acquire(0, 2), 0);
	/* Only an accepted connection counts in connections_total. */
	assert_int_equal(m->l[0].conn_total, 0);
	metrics_conn_accepted(0);
	assert_int_equal(m->l[0].conn_total, 1);
	metrics_conn_accepted(-1);				/* no-op */
	assert_int_equal(metrics_conn_acquire(-1, 2), 0);	/* no-op */
	/* The refusal budget is a cap of its own. */
	assert_int_equal(metrics_refuse_acquire(0, 1), 0);
	assert_int_equal(metrics_refuse_acquire(0, 1), -1);
	assert_int_equal(metrics_open(0), 2);
	metrics_refuse_release(0);
	assert_int_equal(metrics_refuse_acquire(0, 1), 0);
	done(m);
}

static void
test_layout(void **state)
{
	struct metrics_shm *m;

	(void)state;
	assert_int_equal(metrics_uid_slots(1), METRICS_UID_MIN_SLOTS);
	assert_int_equal(metrics_uid_slots(8), 16);
	assert_int_equal(metrics_uid_slots(9), 32);
	assert_int_equal(metrics_uid_slots(1024), 2048);
	assert_int_equal(metrics_uid_slots(1025), 4096);
	assert_int_equal(metrics_uid_slots(1048576), 1U << 21);
	m = fresh_n(3, 100);
	assert_int_equal(tsize, sizeof(*m) + 3 * 256 * sizeof(uint64_t));
	assert_int_equal(m->size, tsize);
	assert_int_equal(m->nlisteners, 3);
	assert_int_equal(m->l[0].uid_off, sizeof(*m));
	assert_int_equal(m->l[1].uid_off, sizeof(*m) + 256 * 8);
	assert_int_equal(m->l[2].uid_nslots, 256);
	/* The parent's size and the worker's must agree. */
	errno = 0;
	assert_int_equal(metrics_shm_init(m, tsize - 8, &tpol), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(metrics_attach(m, tsize - 8), -1);
	assert_int_equal(metrics_uid_acquire(0, 1, 1), METRICS_UID_OK);
	assert_int_equal(used(m, 0), 0);		/* detached: no-op */
	m->l[1].uid_off += 8;				/* overlaps */
	assert_int_equal(metrics_attach(m, tsize), -1);
	m->l[1].uid_off -= 8;
	m->l[2].uid_nslots = 512;			/* past the end */
	assert_int_equal(metrics_attach(m, tsize), -1);
	m->l[2].uid_nslots = 255;			/* not a power of 2 */
	assert_int_equal(metrics_attach(m, tsize), -1);
	m->l[2].uid_nslots = 256;
	m->magic = 0;
	assert_int_equal(metrics_attach(m, tsize), -1);
	m->magic = POLICY_MAGIC;
	assert_int_equal(metrics_attach(m, tsize), 0);
	/* A listener without a table fails closed. */
	assert_int_equal(metrics_uid_acquire(3, 1, 1), METRICS_UID_FULL);
	done(m);
}

static void
test_uid_cap(void **state)
{
	struct metrics_shm *m = fresh();

	(void)state;
	assert_int_equal(metrics_uid_acquire(1, 1000, 2), METRICS_UID_OK);
	assert_int_equal(metrics_uid_acquire(1, 1000, 2), METRICS_UID_OK);
	assert_int_equal(metrics_uid_acquire(1, 1000, 2), METRICS_UID_CAP);
	assert_int_equal(metrics_uid_acquire(1, 0, 2), METRICS_UID_OK);
	assert_int_equal(metrics_uid_acquire(1, 0xffffffffU, 2),
	    METRICS_UID_OK);
	assert_int_equal(metrics_uid_count(1, 1000), 2);
	assert_int_equal(metrics_uid_count(1, 0xffffffffU), 1);
	metrics_uid_release(1, 1000);
	assert_int_equal(metrics_uid_count(1, 1000), 1);
	metrics_uid_release(1, 1000);
	metrics_uid_release(1, 1000);			/* never below 0 */
	assert_int_equal(metrics_uid_count(1, 1000), 0);
	assert_int_equal(metrics_uid_count(2, 1000), 0);	/* per listener */
	metrics_uid_release(1, 0);
	metrics_uid_release(1, 0xffffffffU);
	assert_int_equal(used(m, 1), 0);
	done(m);
}

/*
 * The old table kept a slot for every uid ever seen: after 512 of them
 * every new uid was refused. Slots are freed at count 0 now.
 */
static void
test_uid_churn(void **state)
{
	struct metrics_shm *m = fresh_n(1, 16);	/* 32 slots */
	uint32_t u;

	(void)state;
	for (u = 0; u < 100000; u++) {
		assert_int_equal(metrics_uid_acquire(0, 100000 + u, 1),
		    METRICS_UID_OK);
		if (u % 16 == 15)
			assert_int_equal(used(m, 0), 1);
		metrics_uid_release(0, 100000 + u);
	}
	assert_int_equal(used(m, 0), 0);
	/* Sixteen at once (max_connections) always fit. */
	for (u = 0; u < 16; u++)
		assert_int_equal(metrics_uid_acquire(0, 7 * u, 4),
		    METRICS_UID_OK);
	assert_int_equal(metrics_uid_acquire(0, 200000, 1), METRICS_UID_OK);
	assert_int_equal(metrics_uid_acquire(0, 1000, 1), METRICS_UID_OK);
	done(m);
}

static void
test_uid_probe(void **state)
{
	struct metrics_shm *m = fresh_n(1, 8);	/* 16 slots */
	uint64_t *s;
	uint32_t u;

	(void)state;
	rekey(m, 0, 1, 0);			/* every uid: home slot 0 */
	s = slots(m, 0);
	for (u = 1; u <= 3; u++)
		assert_int_equal(metrics_uid_acquire(0, u, 9), METRICS_UID_OK);
	assert_int_equal(metrics_uid_acquire(0, 3, 9), METRICS_UID_OK);
	assert_int_equal(s[0] >> 32, 1);
	assert_int_equal(s[1] >> 32, 2);
	assert_int_equal(s[2] >> 32, 3);
	assert_int_equal(m->l[0].uid_maxdist, 2);
	/* Freeing the middle slot leaves a tombstone: 3 is still found. */
	metrics_uid_release(0, 2);
	assert_int_equal(s[1], 0);
	assert_int_equal(metrics_uid_count(0, 3), 2);
	assert_int_equal(metrics_uid_acquire(0, 3, 2), METRICS_UID_CAP);
	/* The tombstone is reused by the next new uid; 3 keeps its slot. */
	assert_int_equal(metrics_uid_acquire(0, 4, 9), METRICS_UID_OK);
	assert_int_equal(s[1] >> 32, 4);
	assert_int_equal(metrics_uid_count(0, 3), 2);
	assert_int_equal(m->l[0].uid_maxdist, 2);
	/* A uid that comes back takes the first free slot, not its old. */
	metrics_uid_release(0, 1);
	metrics_uid_release(0, 3);
	metrics_uid_release(0, 3);
	assert_int_equal(metrics_uid_acquire(0, 3, 9), METRICS_UID_OK);
	assert_int_equal(s[0] >> 32, 3);
	assert_int_equal(s[2], 0);
	assert_int_equal(used(m, 0), 2);
	done(m);
}

static void
test_uid_wrap_full(void **state)
{
	struct metrics_shm *m = fresh_n(1, 8);	/* 16 slots */
	uint64_t *s;
	uint32_t u;

	(void)state;
	rekey(m, 0, 1, 15ULL << 60);		/* every uid: home slot 15 */
	s = slots(m, 0);
	for (u = 0; u < 3; u++)
		assert_int_equal(metrics_uid_acquire(0, 50 + u, 9),
		    METRICS_UID_OK);
	assert_int_equal(s[15] >> 32, 50);
	assert_int_equal(s[0] >> 32, 51);
	assert_int_equal(s[1] >> 32, 52);
	assert_int_equal(metrics_uid_count(0, 52), 1);
	/*
	 * Sixteen live uids cannot happen with max_connections 8 (each
	 * holds a connection slot), but the table must still say so.
	 */
	for (u = 3; u < 16; u++)
		assert_int_equal(metrics_uid_acquire(0, 50 + u, 9),
		    METRICS_UID_OK);
	assert_int_equal(metrics_uid_acquire(0, 99, 9), METRICS_UID_FULL);
	assert_int_equal(metrics_uid_acquire(0, 55, 9), METRICS_UID_OK);
	metrics_uid_release(0, 60);
	assert_int_equal(metrics_uid_acquire(0, 99, 9), METRICS_UID_OK);
	assert_int_equal(metrics_uid_count(0, 99), 1);
	assert_int_equal(metrics_uid_count(0, 60), 0);
	assert_int_equal(m->l[0].uid_maxdist, 15);
	done(m);
}

/* Another worker's unfinished insert of the same uid: wait, bounded. */
static void
test_uid_claim(void **state)
{
	struct metrics_shm *m = fresh_n(1, 8);
	uint64_t *s;

	(void)state;
	rekey(m, 0, 1, 0);
	s = slots(m, 0);
	s[0] = (uint64_t)7 << 32 | (1ULL << 30);	/* CLAIM by uid 7 */
	assert_int_equal(metrics_uid_acquire(0, 7, 9), METRICS_UID_FULL);
	assert_int_equal(metrics_uid_count(0, 7), 0);	/* not counted */
	metrics_uid_release(0, 7);			/* leaves it */
	assert_int_equal(s[0], (uint64_t)7 << 32 | (1ULL << 30));
	assert_int_equal(metrics_uid_acquire(0, 8, 9), METRICS_UID_OK);
	assert_int_equal(s[1] >> 32, 8);
	s[0] = 0;					/* abandoned */
	assert_int_equal(metrics_uid_acquire(0, 7, 9), METRICS_UID_OK);
	assert_int_equal(s[0] >> 32, 7);
	done(m);
}

/*
 * Threads stand in for workers: each takes and gives back connections
 * for a few uids whose probe sequences all start at slot 0, so inserts
 * of one uid race each other and the frees of others in one run of
 * slots. held[] counts what the table granted; if two live slots ever
 * existed for one uid, held[] could pass the cap.
 */
#define ST_THREADS	4
#define ST_UIDS		5
#define ST_CAP		2
#define ST_ROUNDS	200000

static uint32_t		 st_held[ST_UIDS];
static uint32_t		 st_over, st_full;

static void *
stress(void *arg)
{
	uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u + 1, u, h;
	int i, r;

	for (i = 0; i < ST_ROUNDS; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		u = x % ST_UIDS;
		r = metrics_uid_acquire(0, 1000 + u, ST_CAP);
		if (r == METRICS_UID_FULL)
			__atomic_fetch_add(&st_full, 1, __ATOMIC_RELAXED);
		if (r != METRICS_UID_OK)
			continue;
		h = __atomic_add_fetch(&st_held[u], 1, __ATOMIC_SEQ_CST);
		if (h > ST_CAP)
			__atomic_fetch_add(&st_over, 1, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&st_held[u], 1, __ATOMIC_SEQ_CST);
		metrics_uid_release(0, 1000 + u);
	}
	return NULL;
}

static void
test_uid_threads(void **state)
{
	struct metrics_shm *m = fresh_n(1, 8);
	pthread_t t[ST_THREADS];
	uintptr_t i;

	(void)state;
	rekey(m, 0, 1, 0);
	for (i = 0; i < ST_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stress,
		    (void *)(i + 1)), 0);
	for (i = 0; i < ST_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(st_over, 0);
	assert_int_equal(used(m, 0), 0);	/* every count back to 0 */
	/* Lost races may refuse a few, never many. */
	assert_true(st_full < ST_ROUNDS / 100);
	done(m);
}

/*
 * The text format's rules that promtool checks: every family has one
 * "# HELP" and one "# TYPE" line before its samples, and the samples
 * of a family form one group (no family comes back after another).
 * Each of the 7 families has a sample for each of nl listeners, except
 * requests_total (only codes seen).
 */
static void
families_grouped(const char *s, size_t nl)
{
	char fam[32][64], cur[64], name[64];
	const char *p, *e;
	size_t nfam = 0, i, n, nsamples = 0;
	int help = 0, type = 0;

	cur[0] = '\0';
	for (p = s; *p != '\0'; p = e + 1) {
		assert_non_null(e = strchr(p, '\n'));
		if (strncmp(p, "# HELP ", 7) == 0) {
			n = strcspn(p + 7, " \n");
			assert_true(n < sizeof(name));
			memcpy(name, p + 7, n);
			name[n] = '\0';
			/* A new family: never one seen before. */
			for (i = 0; i < nfam; i++)
				if (strcmp(fam[i], name) == 0)
					fail_msg("family %s twice:\n%s", name,
					    s);
			assert_true(nfam < 32);
			strcpy(fam[nfam++], name);
			strcpy(cur, name);
			help = 1;
			type = 0;
			assert_true(e > p + 7 + n + 1);	/* non-empty text */
			continue;
		}
		if (strncmp(p, "# TYPE ", 7) == 0) {
			assert_true(help && !type);
			assert_int_equal(strncmp(p + 7, cur, strlen(cur)), 0);
			assert_int_equal(p[7 + strlen(cur)], ' ');
			type = 1;
			continue;
		}
		/*
		 * A sample of the current family, after its HELP and TYPE; a
		 * summary's samples are NAME_sum and NAME_count.
		 */
		if (!help || !type || strncmp(p, cur, strlen(cur)) != 0 ||
		    (p[strlen(cur)] != '{' &&
		    strncmp(p + strlen(cur), "_sum{", 5) != 0 &&
		    strncmp(p + strlen(cur), "_count{", 7) != 0))
			fail_msg("sample out of its family (%s): %.*s\n%s", cur,
			    (int)(e - p), p, s);
		nsamples++;
	}
	assert_int_equal(nfam, 11);
	assert_true(nsamples >= nl * (5 + DENY_NREASONS));
}

static void
test_render(void **state)
{
	struct metrics_shm *m = fresh();
	struct policy *p = calloc(1, sizeof(*p));
	struct buf b;
	char *s;

	(void)state;
	assert_non_null(p);
	p->nlisteners = 2;
	strcpy(p->listeners[0].name, "api");
	strcpy(p->listeners[1].name, "echo");
	assert_int_equal(metrics_conn_acquire(0, 10), 0);
	metrics_request(0, 200);
	metrics_request(0, 200);
	metrics_request(0, 404);
	metrics_request(0, 299);		/* "other" */
	metrics_deny(1, DENY_UID_LIMIT);
	metrics_deny(1, DENY_UID_TABLE);
	metrics_deny(1, DENY_UID_TABLE);
	metrics_bytes_in(1, 5);
	metrics_fwd_conn(1, 1500);
	metrics_fwd_conn(1, 2000001);
	metrics_fwd_bytes(1, 7, 0);
	metrics_fwd_bytes(1, 3, 11);
	metrics_fwd_fail(1);
	buf_init(&b, 1 << 20);
	assert_int_equal(metrics_render(m, p, &b), 0);
	assert_int_equal(buf_append(&b, "", 1), 0);
	s = (char *)buf_ptr(&b);
	assert_non_null(strstr(s, "uds_gateway_connections_open{listener=\"api\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_requests_total{listener=\"api\",code=\"200\"} 2\n"));
	assert_non_null(strstr(s, "uds_gateway_requests_total{listener=\"api\",code=\"404\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_requests_total{listener=\"api\",code=\"other\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_denials_total{listener=\"echo\",reason=\"uid_limit\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_denials_total{listener=\"echo\",reason=\"uid_table_full\"} 2\n"));
	assert_non_null(strstr(s, "uds_gateway_bytes_received_total{listener=\"echo\"} 5\n"));
	assert_non_null(strstr(s, "uds_gateway_forwarded_connections_total{listener=\"echo\"} 2\n"));
	assert_non_null(strstr(s, "uds_gateway_forwarded_bytes_total{listener=\"echo\",direction=\"to_upstream\"} 10\n"));
	assert_non_null(strstr(s, "uds_gateway_forwarded_bytes_total{listener=\"echo\",direction=\"to_peer\"} 11\n"));
	assert_non_null(strstr(s, "uds_gateway_upstream_connect_failures_total{listener=\"echo\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_upstream_connect_seconds_sum{listener=\"echo\"} 2.001501\n"));
	assert_non_null(strstr(s, "uds_gateway_upstream_connect_seconds_count{listener=\"echo\"} 2\n"));
	assert_non_null(strstr(s, "uds_gateway_forwarded_connections_total{listener=\"api\"} 0\n"));
	assert_null(strstr(s, "code=\"500\""));	/* zero counts are left out */
	families_grouped(s, 2);
	/* One listener (a worker's own) and none render the same way. */
	for (p->nlisteners = 1; ; p->nlisteners--) {
		buf_free(&b);
		buf_init(&b, 1 << 20);
		assert_int_equal(metrics_render(m, p, &b), 0);
		assert_int_equal(buf_append(&b, "", 1), 0);
		s = (char *)buf_ptr(&b);
		families_grouped(s, p->nlisteners);
		assert_true((strstr(s, "listener=\"echo\"") == NULL));
		if (p->nlisteners == 0)
			break;
	}
	p->nlisteners = 2;
	/* A full buffer is an error, not a truncated page. */
	buf_free(&b);
	buf_init(&b, 100);
	assert_int_equal(metrics_render(m, p, &b), GW_ERR_NOSPACE);
	buf_free(&b);
	free(p);
	done(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_cap),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_uid_cap),
		cmocka_unit_test(test_uid_churn),
		cmocka_unit_test(test_uid_probe),
		cmocka_unit_test(test_uid_wrap_full),
		cmocka_unit_test(test_uid_claim),
		cmocka_unit_test(test_uid_threads),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
