/* SPDX-License-Identifier: ISC */
/* libFuzzer: target normalisation, version skip and pattern matching. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "route.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *patterns[] = {
	"/", "/**", "/containers/*/json", "/a/**/b", "/**/a/**/b/**",
	"/*/", "/images/**/json", "/a%3Ab/*",
};

static char out0[1 << 13], out1[1 << 13];

static void
check_path(const char *p, size_t plen)
{
	size_t i;

	if (plen == 0 || p[0] != '/')
		abort();
	for (i = 0; i < plen; i++) {
		if (p[i] == '?' || p[i] == '\\' || (unsigned char)p[i] < 0x21 ||
		    (unsigned char)p[i] > 0x7e)
			abort();
		if (p[i] == '/' && i + 1 < plen && p[i + 1] == '/')
			abort();
		if (p[i] == '%' && (i + 2 >= plen || (p[i + 1] == '2' &&
		    p[i + 2] == 'F') || (p[i + 1] == '5' && p[i + 2] == 'C')))
			abort();
		/* A dot segment: "/." or "/.." then '/' or the end. */
		if (p[i] == '/' && i + 1 < plen && p[i + 1] == '.' &&
		    (i + 2 == plen || p[i + 2] == '/' || (p[i + 2] == '.' &&
		    (i + 3 == plen || p[i + 3] == '/'))))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	uint8_t *copy;
	char *small;
	size_t pl0, pl1, skip, i;
	int n0, n1, w, m;

	if (size > sizeof(out0) - 1)
		return 0;
	/* exact size: ASan sees over-reads */
	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	n0 = route_normalise(copy, size, out0, sizeof(out0), &pl0);
	/*
	 * The output never outgrows the input: a buffer of size + 1 (what
	 * proxy.c gives it, exact here so that ASan sees an overrun) gives
	 * the same result, never ROUTE_ERR_TOO_LONG.
	 */
	if ((small = malloc(size + 1)) == NULL)
		abort();
	n1 = route_normalise(copy, size, small, size + 1, &pl1);
	if (n1 != n0 || (n0 >= 0 && (pl1 != pl0 ||
	    memcmp(small, out0, (size_t)n0 + 1) != 0)))
		abort();
	free(small);
	/* The pattern checker on the same bytes must not crash either. */
	(void)route_pattern_check((const char *)copy, size, &why);
	free(copy);
	if (n0 < 0) {
		if (n0 < ROUTE_ERR_TOO_LONG || n0 > ROUTE_ERR_FORM)
			abort();
		return 0;
	}
	if ((size_t)n0 > size || out0[n0] != '\0' || pl0 > (size_t)n0 ||
	    (pl0 < (size_t)n0 && out0[pl0] != '?'))
		abort();
	check_path(out0, pl0);
	/* A fixed point: the output normalises to itself. */
	n1 = route_normalise((const uint8_t *)out0, (size_t)n0, out1,
	    sizeof(out1), &pl1);
	if (n1 != n0 || pl1 != pl0 || memcmp(out0, out1, (size_t)n0) != 0)
		abort();
	/* A normalised path is a valid pattern unless it holds a '*'. */
	if (memchr(out0, '*', pl0) == NULL &&
	    route_pattern_check(out0, pl0, &why) != 0)
		abort();
	skip = route_version_skip(out0, pl0);
	if (skip > pl0 || (skip > 0 && skip < pl0 && out0[skip] != '/'))
		abort();
	/* Every path matches the catch-all and itself. */
	if (!route_pattern_match("/**", out0, pl0))
		abort();
	out1[pl0] = '\0';
	if (memchr(out0, '*', pl0) == NULL &&
	    !route_pattern_match(out1, out0, pl0))
		abort();
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		struct route r;
		struct peer peer;

		memset(&r, 0, sizeof(r));
		memset(&peer, 0, sizeof(peer));
		snprintf(r.pattern, sizeof(r.pattern), "%s", patterns[i]);
		r.methods = ROUTE_ANY_METHOD;
		r.who.allow = 1;
		m = route_pattern_match(patterns[i], out0, pl0);
		if (route_decide(&r, 1, 0, HTTP_M_GET, 0, out0, pl0, (size_t)n0,
		    &peer, &w) != (m ? ROUTE_ALLOW : ROUTE_DENY) ||
		    w != (m ? 0 : -1))
			abort();
	}
	return 0;
}
