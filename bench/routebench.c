/* SPDX-License-Identifier: ISC */
/*
 * routebench: the CPU cost of one request's route decision, as the proxy
 * makes it (route_normalise, then route_decide), with the issue's
 * Docker-like list (the benchmark path allowed by the 12th route, a
 * catch-all deny 13th) against a single catch-all route (any method,
 * pattern "/" followed by "**", allow any).
 * bench/proxy.sh builds it against $(B)/libpure.a and prints
 *
 *   ROUTES n1_ns=... n12_ns=... diff_ns=...
 *
 * (medians of 7 timed runs of ITER decisions each).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "http.h"
#include "route.h"

#define ITER	2000000

static struct route
mk(uint32_t methods, const char *pattern, int kind, uint32_t id)
{
	struct route r;

	memset(&r, 0, sizeof(r));
	r.methods = methods;
	snprintf(r.pattern, sizeof(r.pattern), "%s", pattern);
	r.who.allow = 1;
	r.who.kind = kind;
	r.who.id = id;
	return r;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile int sink;

static double
run(const struct route *r, size_t n, const char *target)
{
	static const gid_t groups[] = { 0 };
	struct peer peer;
	char norm[256];
	size_t pathlen;
	uint64_t t0;
	int i, len, which;

	memset(&peer, 0, sizeof(peer));
	peer.groups = groups;
	peer.ngroups = 1;
	t0 = now_ns();
	for (i = 0; i < ITER; i++) {
		len = route_normalise((const uint8_t *)target, strlen(target),
		    norm, sizeof(norm), &pathlen);
		if (len < 0 || route_decide(r, n, 1, HTTP_M_GET, 0, norm, pathlen,
		    (size_t)len, &peer, &which) != ROUTE_ALLOW)
			abort();
		sink += which;
	}
	return (double)(now_ns() - t0) / ITER;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *target = argc > 1 ? argv[1] : "/bench";
	uint32_t GET = ROUTE_METHOD(HTTP_M_GET), HEAD = ROUTE_METHOD(HTTP_M_HEAD),
	    POST = ROUTE_METHOD(HTTP_M_POST);
	struct route one[1], twelve[13];
	double a[7], b[7];
	size_t i = 0;
	int k;

	one[0] = mk(ROUTE_ANY_METHOD, "/**", RULE_ANY, 0);
	twelve[i++] = mk(GET | HEAD, "/_ping", RULE_ANY, 0);
	twelve[i++] = mk(GET, "/version", RULE_ANY, 0);
	twelve[i++] = mk(GET, "/containers/json", RULE_GROUP, 1);
	twelve[i++] = mk(GET, "/containers/*/json", RULE_GROUP, 1);
	twelve[i++] = mk(GET, "/containers/*/logs", RULE_GROUP, 1);
	twelve[i++] = mk(GET, "/events", RULE_GROUP, 1);
	twelve[i++] = mk(POST, "/containers/create", RULE_UID, 1);
	twelve[i++] = mk(POST, "/containers/*/start", RULE_UID, 1);
	twelve[i++] = mk(POST, "/containers/*/exec", RULE_UID, 1);
	twelve[i++] = mk(POST, "/exec/*/start", RULE_UID, 1);
	twelve[i++] = mk(POST, "/containers/*/attach", RULE_UID, 1);
	twelve[i++] = mk(GET, target, RULE_ANY, 0);
	twelve[i] = mk(ROUTE_ANY_METHOD, "/**", RULE_ANY, 0);
	twelve[i++].who.allow = 0;
	for (k = 0; k < 7; k++) {
		a[k] = run(one, 1, target);
		b[k] = run(twelve, i, target);
	}
	qsort(a, 7, sizeof(a[0]), cmp);
	qsort(b, 7, sizeof(b[0]), cmp);
	printf("ROUTES n1_ns=%.1f n12_ns=%.1f diff_ns=%.1f\n", a[3], b[3],
	    b[3] - a[3]);
	return 0;
}
