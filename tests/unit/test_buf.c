/* SPDX-License-Identifier: ISC */
/* cmocka tests for buf.c and compat.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compat.h"
#include "gateway.h"

static void
test_lazy_alloc_and_trim(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1000);
	assert_null(b.b_data);			/* nothing until data */
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_non_null(b.b_data);
	assert_memory_equal(buf_ptr(&b), "abc", 3);
	buf_consume(&b, 3);
	buf_trim(&b);
	assert_null(b.b_data);			/* idle: storage returned */
	buf_free(&b);
}

static void
test_max_enforced(void **state)
{
	struct buf b;
	uint8_t big[100];
	uint8_t *p;
	size_t avail;

	(void)state;
	memset(big, 'x', sizeof(big));
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, big, 64), 0);
	assert_int_equal(buf_room(&b), 0);
	assert_int_equal(buf_append(&b, big, 1), GW_ERR_NOSPACE);
	assert_int_equal(buf_reserve(&b, 1, &p, &avail), GW_ERR_NOSPACE);
	buf_consume(&b, 10);
	assert_int_equal(buf_append(&b, big, 10), 0);	/* slides, no growth */
	assert_int_equal(buf_len(&b), 64);
	assert_true(b.b_cap <= 64);
	assert_int_equal(buf_append(&b, big, 65), GW_ERR_NOSPACE);
	buf_free(&b);
}

static void
test_fifo_order_across_growth(void **state)
{
	struct buf b;
	uint8_t chunk[997], out[997];
	size_t i, j, total = 0, read = 0;

	(void)state;
	buf_init(&b, 1 << 20);
	for (i = 0; i < 300; i++) {
		for (j = 0; j < sizeof(chunk); j++)
			chunk[j] = (uint8_t)(total + j);
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), 0);
		total += sizeof(chunk);
		if (i % 3 == 0) {
			memcpy(out, buf_ptr(&b), 500);
			for (j = 0; j < 500; j++)
				assert_int_equal(out[j], (uint8_t)(read + j));
			buf_consume(&b, 500);
			read += 500;
		}
	}
	assert_int_equal(buf_len(&b), total - read);
	for (j = 0; j < buf_len(&b); j++)
		assert_int_equal(buf_ptr(&b)[j], (uint8_t)(read + j));
	buf_free(&b);
}

static void
test_reserve_commit(void **state)
{
	struct buf b;
	uint8_t *p;
	size_t avail;

	(void)state;
	buf_init(&b, 10000);
	assert_int_equal(buf_reserve(&b, 100, &p, &avail), 0);
	assert_true(avail >= 100);
	assert_true(avail <= buf_room(&b));
	memset(p, 'z', 100);
	buf_commit(&b, 100);
	assert_int_equal(buf_len(&b), 100);
	assert_int_equal(buf_reserve(&b, 0, &p, &avail), GW_ERR_NOSPACE);
	buf_free(&b);
	assert_int_equal(buf_len(&b), 0);
}

static void
test_wipe(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 16);
	b.b_wipe = 1;
	assert_int_equal(buf_append(&b, "secret", 6), 0);
	assert_int_equal(buf_append(&b, "x", 1), 0);
	/* Growth through recallocarray keeps the contents. */
	{
		uint8_t big[8000];

		memset(big, 'q', sizeof(big));
		assert_int_equal(buf_append(&b, big, sizeof(big)), 0);
	}
	assert_memory_equal(buf_ptr(&b), "secretx", 7);
	buf_free(&b);
}

static void
test_strtonum(void **state)
{
	const char *e;

	(void)state;
	assert_int_equal(strtonum("42", 0, 100, &e), 42);
	assert_null(e);
	assert_int_equal(strtonum("101", 0, 100, &e), 0);
	assert_string_equal(e, "too large");
	assert_int_equal(strtonum("-1", 0, 100, &e), 0);
	assert_string_equal(e, "too small");
	assert_int_equal(strtonum("", 0, 100, &e), 0);
	assert_string_equal(e, "invalid");
	assert_int_equal(strtonum("1x", 0, 100, &e), 0);
	assert_string_equal(e, "invalid");
	assert_int_equal(strtonum(" 1", 0, 100, &e), 0);
	assert_string_equal(e, "invalid");
	assert_int_equal(strtonum("99999999999999999999", 0, 100, &e), 0);
	assert_string_equal(e, "too large");
	assert_int_equal(strtonum("-", -5, 5, &e), 0);
	assert_string_equal(e, "invalid");
	assert_int_equal(strtonum("-5", -5, 5, &e), -5);
	assert_null(e);
}

static void
test_strlcpy(void **state)
{
	char d[4];

	(void)state;
	assert_int_equal(gw_strlcpy(d, "abcdef", sizeof(d)), 6);
	assert_string_equal(d, "abc");
	assert_int_equal(gw_strlcpy(d, "ab", sizeof(d)), 2);
	assert_string_equal(d, "ab");
}

static void
test_recallocarray(void **state)
{
	uint8_t *p, *q;
	size_t i;

	(void)state;
	p = recallocarray(NULL, 0, 4, 1);
	assert_non_null(p);
	memcpy(p, "abcd", 4);
	q = recallocarray(p, 4, 8, 1);
	assert_non_null(q);
	assert_memory_equal(q, "abcd", 4);
	for (i = 4; i < 8; i++)
		assert_int_equal(q[i], 0);
	assert_null(recallocarray(q, 8, SIZE_MAX, 2));	/* overflow */
	free(q);
}

static void
test_swap(void **state)
{
	struct buf a, b;
	uint8_t big[5000];

	(void)state;
	memset(big, 'b', sizeof(big));
	buf_init(&a, 100);
	buf_init(&b, 10000);
	assert_int_equal(buf_append(&a, "abc", 3), 0);
	buf_swap(&a, &b);
	assert_int_equal(buf_len(&a), 0);
	assert_int_equal(buf_len(&b), 3);
	assert_memory_equal(buf_ptr(&b), "abc", 3);
	assert_int_equal(a.b_max, 100);		/* maxima stay */
	assert_int_equal(b.b_max, 10000);
	/* b grows its borrowed storage up to its own maximum */
	assert_int_equal(buf_append(&b, big, sizeof(big)), 0);
	assert_int_equal(buf_len(&b), 5003);
	buf_consume(&b, 5000);
	/* and the large storage, swapped back, obeys a's maximum */
	buf_swap(&a, &b);
	assert_int_equal(buf_len(&a), 3);
	assert_memory_equal(buf_ptr(&a), "bbb", 3);
	assert_int_equal(buf_append(&a, big, 97), 0);
	assert_int_equal(buf_append(&a, big, 1), GW_ERR_NOSPACE);
	b.b_wipe = 1;
	buf_swap(&a, &b);
	assert_true(a.b_wipe && b.b_wipe);
	buf_free(&a);
	buf_free(&b);
}

/* An empty buffer still has an address: no NULL + 0 for its callers. */
static void
test_empty_ptr(void **state)
{
	struct buf b;
	uint8_t out[1] = { 'x' };

	(void)state;
	buf_init(&b, 100);
	assert_non_null(buf_ptr(&b));		/* never allocated */
	assert_int_equal(buf_len(&b), 0);
	memcpy(out, buf_ptr(&b), buf_len(&b));
	assert_null(memchr(buf_ptr(&b), '\n', buf_len(&b)));
	assert_int_equal(buf_append(&b, "a\n", 2), 0);
	buf_consume(&b, 2);
	assert_non_null(buf_ptr(&b));		/* storage, nothing unread */
	buf_trim(&b);
	assert_non_null(buf_ptr(&b));		/* storage given back */
	buf_free(&b);
	assert_non_null(buf_ptr(&b));
	assert_int_equal(out[0], 'x');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_alloc_and_trim),
		cmocka_unit_test(test_max_enforced),
		cmocka_unit_test(test_fifo_order_across_growth),
		cmocka_unit_test(test_reserve_commit),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_strtonum),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_recallocarray),
		cmocka_unit_test(test_swap),
		cmocka_unit_test(test_empty_ptr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
