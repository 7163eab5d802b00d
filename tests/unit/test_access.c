/* SPDX-License-Identifier: ISC */
/* cmocka tests for access.c: first match wins, default deny, groups. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "access.h"

static struct rule
R(int allow, int kind, uint32_t id)
{
	struct rule r;

	memset(&r, 0, sizeof(r));
	r.allow = allow;
	r.kind = kind;
	r.id = id;
	r.line = 10 + id;
	return r;
}

static const gid_t groups[] = { 100, 200, 300 };

static struct peer
P(uid_t uid, gid_t gid, size_t ngroups)
{
	struct peer p;

	memset(&p, 0, sizeof(p));
	p.pid = 1234;
	p.uid = uid;
	p.gid = gid;
	p.groups = groups;
	p.ngroups = ngroups;
	return p;
}

static void
test_default_deny(void **state)
{
	struct peer p = P(1000, 1000, 0);
	int which = 99;

	(void)state;
	assert_int_equal(access_check(NULL, 0, &p, &which), ACCESS_DENY);
	assert_int_equal(which, -1);
}

static void
test_first_match_wins(void **state)
{
	struct rule rules[3];
	struct peer p = P(1000, 1000, 0), q = P(1001, 1001, 0);
	int which;

	(void)state;
	rules[0] = R(0, RULE_UID, 1000);	/* deny uid 1000 */
	rules[1] = R(1, RULE_ANY, 0);		/* allow any */
	rules[2] = R(0, RULE_ANY, 0);		/* never reached */
	assert_int_equal(access_check(rules, 3, &p, &which), ACCESS_DENY);
	assert_int_equal(which, 0);
	assert_int_equal(access_check(rules, 3, &q, &which), ACCESS_ALLOW);
	assert_int_equal(which, 1);
}

static void
test_group_primary_and_supplementary(void **state)
{
	struct rule rules[1];
	struct peer prim = P(5, 300, 0), supp = P(5, 5, 3), none = P(5, 5, 2);
	int which;

	(void)state;
	rules[0] = R(1, RULE_GROUP, 300);
	assert_int_equal(access_check(rules, 1, &prim, &which), ACCESS_ALLOW);
	assert_int_equal(access_check(rules, 1, &supp, &which), ACCESS_ALLOW);
	/* 300 is the third group; with two groups it is not there. */
	assert_int_equal(access_check(rules, 1, &none, &which), ACCESS_DENY);
	assert_int_equal(which, -1);
}

static void
test_deny_group_before_allow(void **state)
{
	struct rule rules[2];
	struct peer p = P(7, 7, 2), q = P(8, 8, 0);
	int which;

	(void)state;
	rules[0] = R(0, RULE_GROUP, 200);
	rules[1] = R(1, RULE_ANY, 0);
	assert_int_equal(access_check(rules, 2, &p, &which), ACCESS_DENY);
	assert_int_equal(which, 0);
	assert_int_equal(access_check(rules, 2, &q, &which), ACCESS_ALLOW);
}

static void
test_unknown_kind_never_matches(void **state)
{
	struct rule rules[1];
	struct peer p = P(0, 0, 0);
	int which;

	(void)state;
	rules[0] = R(1, 42, 0);
	assert_int_equal(access_check(rules, 1, &p, &which), ACCESS_DENY);
	assert_int_equal(which, -1);
}

static void
test_deny_any_first(void **state)
{
	struct rule rules[2];
	struct peer p = P(0, 0, 3);
	int which;

	(void)state;
	rules[0] = R(0, RULE_ANY, 0);
	rules[1] = R(1, RULE_UID, 0);	/* never reached */
	assert_int_equal(access_check(rules, 2, &p, &which), ACCESS_DENY);
	assert_int_equal(which, 0);
}

static void
test_kinds_do_not_cross(void **state)
{
	struct rule u[1], g[1];
	struct peer p = P(500, 600, 0);
	int which;

	(void)state;
	/* a uid rule is not a gid rule, and the other way round */
	u[0] = R(1, RULE_UID, 600);
	g[0] = R(1, RULE_GROUP, 500);
	assert_int_equal(access_check(u, 1, &p, &which), ACCESS_DENY);
	assert_int_equal(which, -1);
	assert_int_equal(access_check(g, 1, &p, &which), ACCESS_DENY);
	assert_int_equal(which, -1);
	u[0] = R(1, RULE_UID, 500);
	g[0] = R(1, RULE_GROUP, 600);
	assert_int_equal(access_check(u, 1, &p, &which), ACCESS_ALLOW);
	assert_int_equal(which, 0);
	assert_int_equal(access_check(g, 1, &p, &which), ACCESS_ALLOW);
	assert_int_equal(which, 0);
}

static void
test_no_group_list(void **state)
{
	struct rule rules[2];
	struct peer p;
	int which;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.uid = 9;
	p.gid = 9;
	p.groups = NULL;	/* SO_PEERGROUPS gave an empty list */
	p.ngroups = 0;
	rules[0] = R(1, RULE_GROUP, 300);
	rules[1] = R(1, RULE_GROUP, 9);
	assert_int_equal(access_check(rules, 2, &p, &which), ACCESS_ALLOW);
	assert_int_equal(which, 1);
	assert_int_equal(access_check(rules, 1, &p, &which), ACCESS_DENY);
	assert_int_equal(which, -1);
}

static void
test_many_groups(void **state)
{
	static gid_t big[65536];
	struct rule rules[1];
	struct peer p;
	size_t i;
	int which;

	(void)state;
	for (i = 0; i < 65536; i++)
		big[i] = (gid_t)(100000 + i);
	memset(&p, 0, sizeof(p));
	p.uid = 1;
	p.gid = 1;
	p.groups = big;
	p.ngroups = 65536;
	/* the kernel's maximum list; the last entry still counts */
	rules[0] = R(1, RULE_GROUP, 100000 + 65535);
	assert_int_equal(access_check(rules, 1, &p, &which), ACCESS_ALLOW);
	p.ngroups = 65535;
	assert_int_equal(access_check(rules, 1, &p, &which), ACCESS_DENY);
}

static void
test_which_is_the_deciding_index(void **state)
{
	struct rule rules[POLICY_MAX_RULES];
	struct peer p = P(77, 77, 0);
	size_t i;
	int which;

	(void)state;
	for (i = 0; i < POLICY_MAX_RULES; i++)
		rules[i] = R(1, RULE_UID, (uint32_t)(1000 + i));
	rules[POLICY_MAX_RULES - 1] = R(0, RULE_UID, 77);
	rules[POLICY_MAX_RULES - 1].line = 99;
	assert_int_equal(access_check(rules, POLICY_MAX_RULES, &p, &which),
	    ACCESS_DENY);
	assert_int_equal(which, POLICY_MAX_RULES - 1);
	assert_int_equal(rules[which].line, 99);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_deny),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_group_primary_and_supplementary),
		cmocka_unit_test(test_deny_group_before_allow),
		cmocka_unit_test(test_unknown_kind_never_matches),
		cmocka_unit_test(test_deny_any_first),
		cmocka_unit_test(test_kinds_do_not_cross),
		cmocka_unit_test(test_no_group_list),
		cmocka_unit_test(test_many_groups),
		cmocka_unit_test(test_which_is_the_deciding_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
