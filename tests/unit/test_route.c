/* SPDX-License-Identifier: ISC */
/* cmocka tests for route.c: normalisation, patterns, route decisions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "route.h"

/* Normalise s; the result or the error, with the path length. */
static int
norm(const char *s, char *out, size_t outmax, size_t *pathlen)
{
	return route_normalise((const uint8_t *)s, strlen(s), out, outmax,
	    pathlen);
}

static void
expect_norm(const char *in, const char *want, size_t wantpath)
{
	char out[512];
	size_t pl = 999;
	int r;

	r = norm(in, out, sizeof(out), &pl);
	if (r < 0)
		fail_msg("%s: %s", in, route_error_reason(r));
	assert_string_equal(out, want);
	assert_int_equal(r, (int)strlen(want));
	assert_int_equal(pl, wantpath);
}

static void
expect_err(const char *in, int err)
{
	char out[512];
	size_t pl;
	int r;

	r = norm(in, out, sizeof(out), &pl);
	if (r != err)
		fail_msg("%s: got %d, want %d", in, r, err);
}

static void
test_norm_errors(void **state)
{
	(void)state;
	expect_err("/a%2Fb", ROUTE_ERR_SLASH);
	expect_err("/a%2fb", ROUTE_ERR_SLASH);
	expect_err("/a%5Cb", ROUTE_ERR_SLASH);
	expect_err("/a%5cb", ROUTE_ERR_SLASH);
	expect_err("/a\\b", ROUTE_ERR_SLASH);
	expect_err("/a%00", ROUTE_ERR_NUL);
	expect_err("/a%1F", ROUTE_ERR_NUL);
	expect_err("/a%7F", ROUTE_ERR_NUL);
	expect_err("/a\tb", ROUTE_ERR_NUL);
	expect_err("/a%zz", ROUTE_ERR_PCT);
	expect_err("/a%4", ROUTE_ERR_PCT);
	expect_err("/a%", ROUTE_ERR_PCT);
	expect_err("/a%g1", ROUTE_ERR_PCT);
	expect_err("/a/./b", ROUTE_ERR_DOT);
	expect_err("/a/../b", ROUTE_ERR_DOT);
	expect_err("/a/%2E%2E/b", ROUTE_ERR_DOT);
	expect_err("/a/%2e/b", ROUTE_ERR_DOT);
	expect_err("/a/.%2e", ROUTE_ERR_DOT);
	expect_err("/a/..", ROUTE_ERR_DOT);
	expect_err("/.", ROUTE_ERR_DOT);
	expect_err("/a/.?x", ROUTE_ERR_DOT);
	expect_err("//a", ROUTE_ERR_EMPTY);
	expect_err("/a//b", ROUTE_ERR_EMPTY);
	expect_err("/a//", ROUTE_ERR_EMPTY);
	expect_err("*", ROUTE_ERR_FORM);
	expect_err("http://x/a", ROUTE_ERR_FORM);
	expect_err("a/b", ROUTE_ERR_FORM);
	expect_err("", ROUTE_ERR_FORM);
	expect_err("/a b", ROUTE_ERR_FORM);
	expect_err("/a#b", ROUTE_ERR_FORM);
	expect_err("/a\"b", ROUTE_ERR_FORM);
	expect_err("/a\x80", ROUTE_ERR_FORM);
	/* The query: a malformed % is an error there too, nothing else. */
	expect_err("/a?x=%zz", ROUTE_ERR_PCT);
	expect_err("/a?x=%4", ROUTE_ERR_PCT);
	expect_err("/a?x#y", ROUTE_ERR_FORM);
	expect_err("/a?x\x01", ROUTE_ERR_NUL);
}

static void
test_norm_decode(void **state)
{
	(void)state;
	expect_norm("/", "/", 1);
	expect_norm("/%41", "/A", 2);
	expect_norm("/%7E%7e", "/~~", 3);
	expect_norm("/a%2Db", "/a-b", 4);
	expect_norm("/a%5fb%2e", "/a_b.", 5);
	expect_norm("/a%3ab", "/a%3Ab", 6);
	expect_norm("/a%3Ab", "/a%3Ab", 6);
	expect_norm("/%e2%82%ac", "/%E2%82%AC", 10);
	expect_norm("/%25", "/%25", 4);
	expect_norm("/%2541", "/%2541", 6);
	expect_norm("/a/", "/a/", 3);
	expect_norm("/a/b/", "/a/b/", 5);
	expect_norm("/a...", "/a...", 5);
	expect_norm("/...", "/...", 4);
	expect_norm("/a/.b", "/a/.b", 5);
	expect_norm("/a:b@c!$&'()*+,;=", "/a:b@c!$&'()*+,;=", 17);
	expect_norm("/v%31.24/containers/json", "/v1.24/containers/json", 22);
}

static void
test_norm_query(void **state)
{
	(void)state;
	expect_norm("/a?", "/a?", 2);
	expect_norm("/a/?", "/a/?", 3);
	expect_norm("/?x", "/?x", 1);
	expect_norm("/a?%41=%3d", "/a?A=%3D", 2);
	expect_norm("/a?signal=SIGHUP", "/a?signal=SIGHUP", 2);
	/* No path checks in the query. */
	expect_norm("/a?x=%2f..//y\\", "/a?x=%2F..//y\\", 2);
	expect_norm("/a?x=%00", "/a?x=%00", 2);
	expect_norm("/a?b?c", "/a?b?c", 2);
	expect_norm("/a?filters=%7B%22a%22%7D", "/a?filters=%7B%22a%22%7D", 2);
}

static void
test_norm_too_long(void **state)
{
	char out[8];
	size_t pl;

	(void)state;
	assert_int_equal(norm("/abcdef", out, sizeof(out), &pl), 7);
	assert_int_equal(norm("/abcdefg", out, sizeof(out), &pl),
	    ROUTE_ERR_TOO_LONG);
	/* Decoding shrinks: this fits. */
	assert_int_equal(norm("/%41%42%43", out, sizeof(out), &pl), 4);
	assert_int_equal(norm("/%3a%3a", out, sizeof(out), &pl), 7);
	assert_int_equal(norm("/%3a%3a%3a", out, sizeof(out), &pl),
	    ROUTE_ERR_TOO_LONG);
	assert_int_equal(norm("/", out, 1, &pl), ROUTE_ERR_TOO_LONG);
	/* The input's length and a NUL always suffice (proxy.c relies on it). */
	assert_int_equal(norm("/%3a%3", out, 7, &pl), ROUTE_ERR_PCT);
	assert_int_equal(norm("/a%3a?", out, 7, &pl), 6);
	assert_int_equal(norm("/%3a%4", out, 7, &pl), ROUTE_ERR_PCT);
	assert_int_equal(norm("/%3a/b", out, 7, &pl), 6);
}

static void
test_norm_fixed_point(void **state)
{
	static const char *in[] = {
		"/a%3ab/%7e?x=%3d%41", "/%2541", "/a/", "/v%31.2/x",
		"/a?%25%34%31",
	};
	char a[128], b[128];
	size_t i, pa, pb;
	int ra, rb;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ra = norm(in[i], a, sizeof(a), &pa);
		assert_true(ra > 0);
		rb = norm(a, b, sizeof(b), &pb);
		assert_int_equal(ra, rb);
		assert_int_equal(pa, pb);
		assert_string_equal(a, b);
	}
}

static void
test_reason(void **state)
{
	(void)state;
	assert_string_equal(route_error_reason(ROUTE_ERR_SLASH),
	    "encoded slash or backslash");
	assert_string_equal(route_error_reason(ROUTE_ERR_DOT), "dot segment");
	assert_string_equal(route_error_reason(12345), "invalid target");
}

static size_t
vskip(const char *p)
{
	return route_version_skip(p, strlen(p));
}

static void
test_version_skip(void **state)
{
	char out[64];
	size_t pl;

	(void)state;
	assert_int_equal(vskip("/v1.41/containers/json"), 6);
	assert_int_equal(vskip("/v1/x"), 3);
	assert_int_equal(vskip("/v1.41"), 6);
	assert_int_equal(vskip("/v12"), 4);
	assert_int_equal(vskip("/v1.41x/containers/json"), 0);
	assert_int_equal(vskip("/version"), 0);
	assert_int_equal(vskip("/v/x"), 0);
	/* Docker's router takes any run of digits and dots. */
	assert_int_equal(vskip("/v1./x"), 4);
	assert_int_equal(vskip("/v.1/x"), 4);
	assert_int_equal(vskip("/v1.2.3/x"), 7);
	assert_int_equal(vskip("/v1.41.0/containers/create"), 8);
	assert_int_equal(vskip("/v./x"), 3);
	assert_int_equal(vskip("/v1-2/x"), 0);
	assert_int_equal(vskip("/V1/x"), 0);
	assert_int_equal(vskip("/x/v1/x"), 0);
	assert_int_equal(vskip("/"), 0);
	/* After decoding, as route_decide sees it (the Tecnativa bypass). */
	assert_int_equal(norm("/v%31.24/containers/json", out, sizeof(out),
	    &pl), 22);
	assert_int_equal(route_version_skip(out, pl), 6);
	/* Only the path counts, not a query. */
	assert_int_equal(norm("/v1?x", out, sizeof(out), &pl), 5);
	assert_int_equal(route_version_skip(out, pl), 3);
}

static int
pcheck(const char *p)
{
	const char *why = NULL;
	int r;

	r = route_pattern_check(p, strlen(p), &why);
	if (r == -1)
		assert_non_null(why);
	return r;
}

static void
test_pattern_check(void **state)
{
	(void)state;
	assert_int_equal(pcheck("/"), 0);
	assert_int_equal(pcheck("/**"), 0);
	assert_int_equal(pcheck("/containers/*/json"), 0);
	assert_int_equal(pcheck("/a/**/b/"), 0);
	assert_int_equal(pcheck("/a%3Ab"), 0);
	assert_int_equal(pcheck("/_ping"), 0);
	assert_int_equal(pcheck("/a:b@c"), 0);
	assert_int_equal(pcheck(""), -1);
	assert_int_equal(pcheck("a"), -1);
	assert_int_equal(pcheck("/a//b"), -1);
	assert_int_equal(pcheck("//"), -1);
	assert_int_equal(pcheck("/a/./b"), -1);
	assert_int_equal(pcheck("/a/.."), -1);
	assert_int_equal(pcheck("/a*"), -1);
	assert_int_equal(pcheck("/***"), -1);
	assert_int_equal(pcheck("/a?x"), -1);
	assert_int_equal(pcheck("/a%3ab"), -1);
	assert_int_equal(pcheck("/%41"), -1);
	assert_int_equal(pcheck("/a%2F"), -1);
	assert_int_equal(pcheck("/a%5C"), -1);
	assert_int_equal(pcheck("/a%00"), -1);
	assert_int_equal(pcheck("/a%4"), -1);
	assert_int_equal(pcheck("/a%"), -1);
	assert_int_equal(pcheck("/a%zz"), -1);
	assert_int_equal(pcheck("/a\\b"), -1);
	assert_int_equal(pcheck("/a b"), -1);
	assert_int_equal(pcheck("/a#"), -1);
}

static int
pm(const char *pattern, const char *path)
{
	return route_pattern_match(pattern, path, strlen(path));
}

static void
test_pattern_match(void **state)
{
	(void)state;
	assert_true(pm("/", "/"));
	assert_false(pm("/", "/a"));
	assert_true(pm("/a", "/a"));
	assert_false(pm("/a", "/ab"));
	assert_false(pm("/ab", "/a"));
	/* "*": exactly one non-empty segment. */
	assert_true(pm("/containers/*/json", "/containers/abc/json"));
	assert_false(pm("/containers/*/json", "/containers/json"));
	assert_false(pm("/containers/*/json", "/containers/a/b/json"));
	assert_false(pm("/*", "/"));
	assert_true(pm("/*", "/a"));
	assert_false(pm("/*", "/a/"));
	assert_true(pm("/*/", "/a/"));
	assert_true(pm("/*/*", "/a/b"));
	/* "**": zero or more segments, anywhere. */
	assert_true(pm("/**", "/"));
	assert_true(pm("/**", "/a"));
	assert_true(pm("/**", "/a/b/c/"));
	assert_true(pm("/a/**", "/a"));
	assert_true(pm("/a/**", "/a/"));
	assert_true(pm("/a/**", "/a/b/c"));
	assert_false(pm("/a/**", "/ab"));
	assert_false(pm("/a/**", "/b/a"));
	assert_true(pm("/a/**/b", "/a/b"));
	assert_true(pm("/a/**/b", "/a/x/b"));
	assert_true(pm("/a/**/b", "/a/x/y/z/b"));
	assert_true(pm("/a/**/b", "/a/b/b"));
	assert_false(pm("/a/**/b", "/a/x/b/c"));
	assert_false(pm("/a/**/b", "/a/x/bb"));
	assert_true(pm("/images/**/json", "/images/library/busybox/json"));
	assert_true(pm("/**/json", "/json"));
	assert_true(pm("/**/*/json", "/a/b/json"));
	assert_false(pm("/**/*/json", "/json"));
	assert_true(pm("/**/a/**/b/**", "/x/a/y/b"));
	assert_false(pm("/**/a/**/b/**", "/x/b/y/a"));
	assert_true(pm("/**/**", "/"));
	/* Trailing slash: significant, except where "**" takes it. */
	assert_false(pm("/a", "/a/"));
	assert_false(pm("/a/", "/a"));
	assert_true(pm("/a/", "/a/"));
	/* A literal "*" in the path matches "*" either way. */
	assert_true(pm("/a/*", "/a/*"));
}

static void
test_pattern_match_no_blowup(void **state)
{
	char pat[200], path[4096];
	size_t i, o;

	(void)state;
	/* Thirty "**" and "a" against a long path with no "b": no blow-up. */
	for (o = 0, i = 0; i < 30; i++)
		o += (size_t)snprintf(pat + o, sizeof(pat) - o, "/**/a");
	snprintf(pat + o, sizeof(pat) - o, "/b");
	for (o = 0; o + 2 < sizeof(path) - 1; o += 2)
		memcpy(path + o, "/a", 2);
	path[o] = '\0';
	assert_false(pm(pat, path));
}

static struct route
RT(uint32_t methods, const char *pattern, const char *query, int allow,
    int kind, uint32_t id, unsigned int line)
{
	struct route r;

	memset(&r, 0, sizeof(r));
	r.methods = methods;
	snprintf(r.pattern, sizeof(r.pattern), "%s", pattern);
	if (query != NULL) {
		r.has_query = 1;
		snprintf(r.query, sizeof(r.query), "%s", query);
	}
	r.who.allow = allow;
	r.who.kind = kind;
	r.who.id = id;
	r.line = line;
	return r;
}

static const gid_t groups[] = { 100, 200 };

static struct peer
P(uid_t uid, gid_t gid, size_t ngroups)
{
	struct peer p;

	memset(&p, 0, sizeof(p));
	p.uid = uid;
	p.gid = gid;
	p.groups = groups;
	p.ngroups = ngroups;
	return p;
}

/* Decide for target t with the routes r. */
static int
decide(const struct route *r, size_t n, int vp, int m, const char *t,
    const struct peer *p, int *which)
{
	char out[256];
	size_t pl;
	int len;

	len = norm(t, out, sizeof(out), &pl);
	assert_true(len > 0);
	return route_decide(r, n, vp, m, 0, out, pl, (size_t)len, p, which);
}

#define GET	ROUTE_METHOD(HTTP_M_GET)
#define HEAD	ROUTE_METHOD(HTTP_M_HEAD)
#define POST	ROUTE_METHOD(HTTP_M_POST)

static void
test_decide_first_match(void **state)
{
	struct route r[4];
	struct peer p = P(1000, 1000, 0);
	int w = 99;

	(void)state;
	r[0] = RT(GET | HEAD, "/_ping", NULL, 1, RULE_ANY, 0, 10);
	r[1] = RT(POST, "/containers/*/start", NULL, 0, RULE_ANY, 0, 11);
	r[2] = RT(POST, "/containers/**", NULL, 1, RULE_ANY, 0, 12);
	r[3] = RT(ROUTE_ANY_METHOD, "/**", NULL, 0, RULE_ANY, 0, 13);
	assert_int_equal(decide(r, 4, 0, HTTP_M_GET, "/_ping", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 0);
	assert_int_equal(decide(r, 4, 0, HTTP_M_HEAD, "/_ping", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 0);
	assert_int_equal(decide(r, 4, 0, HTTP_M_POST, "/_ping", &p, &w),
	    ROUTE_DENY);
	assert_int_equal(w, 3);
	assert_int_equal(decide(r, 4, 0, HTTP_M_POST, "/containers/x/start",
	    &p, &w), ROUTE_DENY);
	assert_int_equal(w, 1);
	assert_int_equal(decide(r, 4, 0, HTTP_M_POST, "/containers/x/stop",
	    &p, &w), ROUTE_ALLOW);
	assert_int_equal(w, 2);
	/* No match: deny, -1. */
	assert_int_equal(decide(r, 3, 0, HTTP_M_GET, "/version", &p, &w),
	    ROUTE_DENY);
	assert_int_equal(w, -1);
	assert_int_equal(route_decide(r, 0, 0, HTTP_M_GET, 0, "/", 1, 1, &p,
	    &w), ROUTE_DENY);
	assert_int_equal(w, -1);
}

static void
test_decide_methods(void **state)
{
	struct route r[2];
	struct peer p = P(1000, 1000, 0);
	int w;

	(void)state;
	r[0] = RT(GET, "/a", NULL, 1, RULE_ANY, 0, 10);
	r[1] = RT(ROUTE_ANY_METHOD, "/b", NULL, 1, RULE_ANY, 0, 11);
	assert_int_equal(decide(r, 2, 0, HTTP_M_OTHER, "/a", &p, &w),
	    ROUTE_DENY);
	assert_int_equal(w, -1);
	assert_int_equal(decide(r, 2, 0, HTTP_M_OTHER, "/b", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 1);
	assert_int_equal(decide(r, 2, 0, HTTP_M_TRACE, "/a", &p, &w),
	    ROUTE_DENY);
	assert_int_equal(decide(r, 2, 0, HTTP_M_PATCH, "/b", &p, &w),
	    ROUTE_ALLOW);
	/* A method id out of range never matches a method list. */
	assert_int_equal(decide(r, 1, 0, 40, "/a", &p, &w), ROUTE_DENY);
	assert_int_equal(decide(r, 1, 0, -1, "/a", &p, &w), ROUTE_DENY);
}

static void
test_decide_query(void **state)
{
	struct route r[3];
	struct peer p = P(1000, 1000, 0);
	int w;

	(void)state;
	r[0] = RT(POST, "/containers/*/kill", "signal=SIGHUP", 1, RULE_ANY,
	    0, 10);
	r[1] = RT(GET, "/info", "", 1, RULE_ANY, 0, 11);
	r[2] = RT(GET, "/any", NULL, 1, RULE_ANY, 0, 12);
	assert_int_equal(decide(r, 3, 0, HTTP_M_POST,
	    "/containers/x/kill?signal=SIGHUP", &p, &w), ROUTE_ALLOW);
	assert_int_equal(decide(r, 3, 0, HTTP_M_POST,
	    "/containers/x/kill?signal=%53IGHUP", &p, &w), ROUTE_ALLOW);
	assert_int_equal(decide(r, 3, 0, HTTP_M_POST,
	    "/containers/x/kill?signal=SIGKILL", &p, &w), ROUTE_DENY);
	assert_int_equal(w, -1);
	assert_int_equal(decide(r, 3, 0, HTTP_M_POST,
	    "/containers/x/kill", &p, &w), ROUTE_DENY);
	assert_int_equal(decide(r, 3, 0, HTTP_M_POST,
	    "/containers/x/kill?signal=SIGHUP&x=1", &p, &w), ROUTE_DENY);
	/* has_query with "": no query (or an empty one) only. */
	assert_int_equal(decide(r, 3, 0, HTTP_M_GET, "/info", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(decide(r, 3, 0, HTTP_M_GET, "/info?", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(decide(r, 3, 0, HTTP_M_GET, "/info?a", &p, &w),
	    ROUTE_DENY);
	/* No constraint: any query goes. */
	assert_int_equal(decide(r, 3, 0, HTTP_M_GET, "/any?x=1&y", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 2);
	/* A body could override the pinned query (a form): no match. */
	assert_int_equal(route_decide(r, 3, 0, HTTP_M_POST, 1,
	    "/containers/x/kill?signal=SIGHUP", 18, 32, &p, &w), ROUTE_DENY);
	assert_int_equal(w, -1);
	/* A route without a query does not care about a body. */
	assert_int_equal(route_decide(r, 3, 0, HTTP_M_GET, 1, "/any", 4, 4,
	    &p, &w), ROUTE_ALLOW);
}

static void
test_decide_who(void **state)
{
	struct route r[4];
	struct peer alice = P(1000, 1000, 0), bob = P(1001, 100, 0);
	struct peer carol = P(1002, 1002, 2), dave = P(1003, 1003, 0);
	int w;

	(void)state;
	r[0] = RT(GET, "/a", NULL, 0, RULE_UID, 1003, 10);
	r[1] = RT(GET, "/a", NULL, 1, RULE_UID, 1000, 11);
	r[2] = RT(GET, "/a", NULL, 1, RULE_GROUP, 200, 12);
	r[3] = RT(GET, "/a", NULL, 1, RULE_GROUP, 100, 13);
	assert_int_equal(decide(r, 4, 0, HTTP_M_GET, "/a", &alice, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 1);
	/* Primary group. */
	assert_int_equal(decide(r, 4, 0, HTTP_M_GET, "/a", &bob, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 3);
	/* Supplementary group. */
	assert_int_equal(decide(r, 4, 0, HTTP_M_GET, "/a", &carol, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 2);
	/* A deny route for him. */
	assert_int_equal(decide(r, 4, 0, HTTP_M_GET, "/a", &dave, &w),
	    ROUTE_DENY);
	assert_int_equal(w, 0);
	/* Nobody's route: no match. */
	assert_int_equal(decide(r + 1, 3, 0, HTTP_M_GET, "/a", &dave, &w),
	    ROUTE_DENY);
	assert_int_equal(w, -1);
}

static void
test_decide_version_prefix(void **state)
{
	struct route r[3];
	struct peer p = P(1000, 1000, 0);
	int w;

	(void)state;
	r[0] = RT(GET, "/containers/json", NULL, 1, RULE_ANY, 0, 10);
	r[1] = RT(GET, "/", NULL, 1, RULE_ANY, 0, 11);
	r[2] = RT(GET, "/version", NULL, 1, RULE_ANY, 0, 12);
	assert_int_equal(decide(r, 3, 1, HTTP_M_GET,
	    "/v1.41/containers/json", &p, &w), ROUTE_ALLOW);
	assert_int_equal(w, 0);
	assert_int_equal(decide(r, 3, 1, HTTP_M_GET,
	    "/v%31.24/containers/json", &p, &w), ROUTE_ALLOW);
	assert_int_equal(w, 0);
	assert_int_equal(decide(r, 3, 1, HTTP_M_GET,
	    "/containers/json", &p, &w), ROUTE_ALLOW);
	assert_int_equal(decide(r, 3, 1, HTTP_M_GET, "/v1.41", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 1);
	assert_int_equal(decide(r, 3, 1, HTTP_M_GET, "/version", &p, &w),
	    ROUTE_ALLOW);
	assert_int_equal(w, 2);
	assert_int_equal(decide(r, 3, 1, HTTP_M_GET,
	    "/v1.41x/containers/json", &p, &w), ROUTE_DENY);
	/* Without the option, the prefix is part of the path. */
	assert_int_equal(decide(r, 3, 0, HTTP_M_GET,
	    "/v1.41/containers/json", &p, &w), ROUTE_DENY);
	assert_int_equal(w, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_norm_errors),
		cmocka_unit_test(test_norm_decode),
		cmocka_unit_test(test_norm_query),
		cmocka_unit_test(test_norm_too_long),
		cmocka_unit_test(test_norm_fixed_point),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_version_skip),
		cmocka_unit_test(test_pattern_check),
		cmocka_unit_test(test_pattern_match),
		cmocka_unit_test(test_pattern_match_no_blowup),
		cmocka_unit_test(test_decide_first_match),
		cmocka_unit_test(test_decide_methods),
		cmocka_unit_test(test_decide_query),
		cmocka_unit_test(test_decide_who),
		cmocka_unit_test(test_decide_version_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
