/* SPDX-License-Identifier: ISC */
/* cmocka tests for metrics.c: exact caps, per-uid slots, rendering. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static struct metrics_shm *
fresh(void)
{
	struct metrics_shm *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	metrics_attach(m);
	return m;
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
	metrics_attach(NULL);
	free(m);
}

static void
test_uid_cap(void **state)
{
	struct metrics_shm *m = fresh();
	uint32_t u;

	(void)state;
	assert_int_equal(metrics_uid_acquire(1, 1000, 2), 0);
	assert_int_equal(metrics_uid_acquire(1, 1000, 2), 0);
	assert_int_equal(metrics_uid_acquire(1, 1000, 2), -1);
	assert_int_equal(metrics_uid_acquire(1, 0, 2), 0);	/* uid 0 ok */
	assert_int_equal(metrics_uid_count(1, 1000), 2);
	metrics_uid_release(1, 1000);
	assert_int_equal(metrics_uid_count(1, 1000), 1);
	metrics_uid_release(1, 1000);
	metrics_uid_release(1, 1000);			/* never below 0 */
	assert_int_equal(metrics_uid_count(1, 1000), 0);
	assert_int_equal(metrics_uid_count(2, 1000), 0);	/* per listener */
	/* Fill the table: a uid that finds no slot is refused. */
	for (u = 1; u < METRICS_UID_SLOTS; u++)
		assert_int_equal(metrics_uid_acquire(3, 5000 + u, 1), 0);
	assert_int_equal(metrics_uid_acquire(3, 4000, 1), 0);	/* last slot */
	assert_int_equal(metrics_uid_acquire(3, 4001, 1), -1);
	/* Known uids still find their slot. */
	metrics_uid_release(3, 5001);
	assert_int_equal(metrics_uid_acquire(3, 5001, 1), 0);
	metrics_attach(NULL);
	free(m);
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
	metrics_bytes_in(1, 5);
	buf_init(&b, 1 << 20);
	assert_int_equal(metrics_render(m, p, &b), 0);
	assert_int_equal(buf_append(&b, "", 1), 0);
	s = (char *)buf_ptr(&b);
	assert_non_null(strstr(s, "uds_gateway_connections_open{listener=\"api\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_requests_total{listener=\"api\",code=\"200\"} 2\n"));
	assert_non_null(strstr(s, "uds_gateway_requests_total{listener=\"api\",code=\"404\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_requests_total{listener=\"api\",code=\"other\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_denials_total{listener=\"echo\",reason=\"uid_limit\"} 1\n"));
	assert_non_null(strstr(s, "uds_gateway_bytes_received_total{listener=\"echo\"} 5\n"));
	assert_null(strstr(s, "code=\"500\""));	/* zero counts are left out */
	/* A full buffer is an error, not a truncated page. */
	buf_free(&b);
	buf_init(&b, 100);
	assert_int_equal(metrics_render(m, p, &b), GW_ERR_NOSPACE);
	buf_free(&b);
	metrics_attach(NULL);
	free(p);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_cap),
		cmocka_unit_test(test_uid_cap),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
