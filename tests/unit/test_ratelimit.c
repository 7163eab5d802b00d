/* SPDX-License-Identifier: ISC */
/* cmocka tests for the per-key log rate limiter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ratelimit.h"

#define BURST	5
#define WIN	10000

/* The first BURST events of a key pass, the rest are counted. */
static void
test_burst(void **state)
{
	struct ratelimit rl;
	struct ratelimit_summary s;
	int i, passed = 0;

	(void)state;
	ratelimit_init(&rl, BURST, WIN);
	for (i = 0; i < 100; i++)
		passed += ratelimit_allow(&rl, 1000, 1000 + (uint64_t)i);
	assert_int_equal(passed, BURST);
	/* Not due before a window has passed since the first suppressed. */
	assert_int_equal(ratelimit_summary(&rl, 1000 + WIN - 1, &s), 0);
	assert_int_equal(ratelimit_summary(&rl, 1000 + BURST + WIN, &s), 1);
	assert_int_equal(s.key, 1000);
	assert_int_equal(s.other, 0);
	assert_int_equal(s.count, 100 - BURST);
	assert_int_equal(s.span_ms, WIN);
	/* Summarised once. */
	assert_int_equal(ratelimit_summary(&rl, 1000 + 3 * WIN, &s), 0);
}

/* Keys are independent: one noisy uid does not silence another. */
static void
test_keys_independent(void **state)
{
	struct ratelimit rl;
	int i;

	(void)state;
	ratelimit_init(&rl, BURST, WIN);
	for (i = 0; i < 50; i++)
		(void)ratelimit_allow(&rl, 1000, 5);
	assert_int_equal(ratelimit_allow(&rl, 1000, 6), 0);
	assert_int_equal(ratelimit_allow(&rl, 0, 6), 1);
	assert_int_equal(ratelimit_allow(&rl, 1001, 6), 1);
}

/* A new window lets BURST more through; the old count is kept. */
static void
test_new_window(void **state)
{
	struct ratelimit rl;
	struct ratelimit_summary s;
	int i, passed = 0;

	(void)state;
	ratelimit_init(&rl, BURST, WIN);
	for (i = 0; i < 8; i++)
		passed += ratelimit_allow(&rl, 7, 0);
	assert_int_equal(passed, BURST);
	passed = 0;
	for (i = 0; i < 8; i++)
		passed += ratelimit_allow(&rl, 7, WIN);
	assert_int_equal(passed, BURST);
	assert_int_equal(ratelimit_summary(&rl, WIN, &s), 1);
	assert_int_equal(s.count, 6);
	assert_int_equal(ratelimit_summary(&rl, 2 * WIN, &s), 0);
}

/* More keys than slots: the rest share one limited, summarised slot. */
static void
test_table_full(void **state)
{
	struct ratelimit rl;
	struct ratelimit_summary s;
	uint32_t k;
	int passed = 0, i, n, others = 0;
	uint64_t total = 0;

	(void)state;
	ratelimit_init(&rl, 1, WIN);
	/* Every slot busy: a first event, then one suppressed each. */
	for (k = 0; k < RATELIMIT_SLOTS; k++) {
		assert_int_equal(ratelimit_allow(&rl, 100000 + k, 0), 1);
		assert_int_equal(ratelimit_allow(&rl, 100000 + k, 0), 0);
	}
	/* 1000 more uids: one line between them, not 1000. */
	for (k = 0; k < 1000; k++)
		passed += ratelimit_allow(&rl, 200000 + k, 1);
	assert_int_equal(passed, 1);
	/* An old key still has its own slot. */
	assert_int_equal(ratelimit_allow(&rl, 100000, 2), 0);
	for (i = 0, n = 0; i < RATELIMIT_SLOTS + 2 &&
	    ratelimit_summary(&rl, WIN + 1, &s); i++, n++) {
		others += s.other;
		total += s.count;
	}
	assert_int_equal(n, RATELIMIT_SLOTS + 1);
	assert_int_equal(others, 1);
	assert_int_equal(total, RATELIMIT_SLOTS + 1 + 999);
	/* Slots whose window is over and nothing pending are reused. */
	assert_int_equal(ratelimit_allow(&rl, 300000, 3 * WIN), 1);
	assert_int_equal(ratelimit_allow(&rl, 300000, 3 * WIN), 0);
	assert_int_equal(ratelimit_allow(&rl, 300001, 3 * WIN), 1);
}

/* A slot with a summary pending is never taken from its key. */
static void
test_pending_kept(void **state)
{
	struct ratelimit rl;
	struct ratelimit_summary s;
	uint32_t k;

	(void)state;
	ratelimit_init(&rl, 1, WIN);
	for (k = 0; k < RATELIMIT_SLOTS; k++) {
		(void)ratelimit_allow(&rl, k, 0);
		(void)ratelimit_allow(&rl, k, 0);
	}
	/* Windows over, summaries not yet taken: newcomers share. */
	(void)ratelimit_allow(&rl, 999, 2 * WIN);
	(void)ratelimit_allow(&rl, 999, 2 * WIN);
	assert_int_equal(ratelimit_summary(&rl, 2 * WIN, &s), 1);
	assert_int_equal(s.key, 0);
	assert_int_equal(s.count, 1);
}

/* At exit, every pending count is summarised, however recent. */
static void
test_flush(void **state)
{
	struct ratelimit rl;
	struct ratelimit_summary s;
	int i;

	(void)state;
	ratelimit_init(&rl, BURST, WIN);
	for (i = 0; i < 9; i++)
		(void)ratelimit_allow(&rl, 42, 100);
	(void)ratelimit_allow(&rl, 43, 100);
	assert_int_equal(ratelimit_summary(&rl, 200, &s), 0);
	assert_int_equal(ratelimit_flush(&rl, 200, &s), 1);
	assert_int_equal(s.key, 42);
	assert_int_equal(s.count, 9 - BURST);
	assert_int_equal(s.span_ms, 100);
	/* 43 had nothing suppressed: nothing more. */
	assert_int_equal(ratelimit_flush(&rl, 200, &s), 0);
}

/* Saturating count, no overflow; a zero window is taken as 1 ms. */
static void
test_edges(void **state)
{
	struct ratelimit rl;
	struct ratelimit_summary s;

	(void)state;
	ratelimit_init(&rl, 0, 0);
	assert_int_equal(ratelimit_allow(&rl, 1, 5), 0);
	rl.rl_slot[0].suppressed = UINT64_MAX;
	assert_int_equal(ratelimit_allow(&rl, 1, 5), 0);
	assert_true(rl.rl_slot[0].suppressed == UINT64_MAX);
	assert_int_equal(ratelimit_summary(&rl, 6, &s), 1);
	assert_true(s.count == UINT64_MAX);
	/*
	 * A time before the window's start (a cached loop clock) is inside
	 * it, and a summary is not due then: no "in the last 0s".
	 */
	ratelimit_init(&rl, 1, WIN);
	assert_int_equal(ratelimit_allow(&rl, 1, 5000), 1);
	assert_int_equal(ratelimit_allow(&rl, 1, 100), 0);
	assert_int_equal(ratelimit_allow(&rl, 1, 5001), 0);
	assert_int_equal(ratelimit_summary(&rl, 4999, &s), 0);
	assert_int_equal(ratelimit_summary(&rl, 100 + WIN, &s), 1);
	assert_int_equal(s.count, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_keys_independent),
		cmocka_unit_test(test_new_window),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_pending_kept),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
