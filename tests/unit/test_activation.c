/* SPDX-License-Identifier: ISC */
/* cmocka tests for activation.c: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "activation.h"

struct act_case {
	const char	*pid, *fds, *names;
	pid_t		 self;
	int		 want;		/* return value */
	const char	*n0, *n1;	/* expected names[0], names[1] */
};

static const struct act_case cases[] = {
	/* not for us, or nothing passed */
	{ NULL, "1", NULL, 42, 0, NULL, NULL },
	{ "42", NULL, NULL, 42, 0, NULL, NULL },
	{ "43", "1", NULL, 42, 0, NULL, NULL },
	{ "42", "0", NULL, 42, 0, NULL, NULL },
	{ "42", "0", "", 42, 0, NULL, NULL },
	/* valid */
	{ "42", "1", NULL, 42, 1, "", NULL },
	{ "42", "1", "echo", 42, 1, "echo", NULL },
	{ "42", "2", "echo:http", 42, 2, "echo", "http" },
	{ "42", "2", ":http", 42, 2, "", "http" },
	{ "42", "2", "echo:", 42, 2, "echo", "" },
	{ "42", "1", "", 42, 1, "", NULL },
	{ "42", "32", NULL, 42, 32, "", "" },
	{ "0000042", "1", "x", 42, 1, "x", NULL },
	/* malformed numbers */
	{ "", "1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "42", "", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "+42", "1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "-42", "1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ " 42", "1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "42 ", "1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "0", "1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "42", "0x1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "42", "-1", NULL, 42, GW_ERR_INVALID, NULL, NULL },
	{ "99999999999999999999999", "1", NULL, 42, GW_ERR_INVALID, NULL,
	    NULL },
	{ "42", "99999999999999999999999", NULL, 42, GW_ERR_INVALID, NULL,
	    NULL },
	/* too many fds */
	{ "42", "33", NULL, 42, GW_ERR_RANGE, NULL, NULL },
	/* name count must match */
	{ "42", "2", "echo", 42, GW_ERR_INVALID, NULL, NULL },
	{ "42", "1", "echo:http", 42, GW_ERR_INVALID, NULL, NULL },
	{ "42", "1", ":", 42, GW_ERR_INVALID, NULL, NULL },
};

static void
test_table(void **state)
{
	struct activation a;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct act_case *c = &cases[i];

		memset(&a, 0x5a, sizeof(a));
		r = activation_parse(c->pid, c->fds, c->names, c->self, &a);
		if (r != c->want)
			fail_msg("case %zu: got %d, want %d", i, r, c->want);
		if (r <= 0) {
			assert_int_equal(a.nfds, 0);
			assert_string_equal(a.names[0], "");
			continue;
		}
		assert_int_equal(a.nfds, r);
		if (c->n0 != NULL)
			assert_string_equal(a.names[0], c->n0);
		if (c->n1 != NULL)
			assert_string_equal(a.names[1], c->n1);
	}
}

static void
test_long_name(void **state)
{
	char names[3 * POLICY_NAME_MAX];
	struct activation a;

	(void)state;
	/* 63 bytes fit, 64 do not: stored as "" (match by path only) */
	memset(names, 'a', POLICY_NAME_MAX - 1);
	names[POLICY_NAME_MAX - 1] = ':';
	memset(names + POLICY_NAME_MAX, 'b', POLICY_NAME_MAX);
	names[2 * POLICY_NAME_MAX] = '\0';
	assert_int_equal(activation_parse("7", "2", names, 7, &a), 2);
	assert_int_equal(strlen(a.names[0]), POLICY_NAME_MAX - 1);
	assert_string_equal(a.names[1], "");
}

static void
test_self_invalid(void **state)
{
	struct activation a;

	(void)state;
	/* a nonsensical self never matches */
	assert_int_equal(activation_parse("1", "1", NULL, 0, &a), 0);
	assert_int_equal(activation_parse("1", "1", NULL, -1, &a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_self_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
