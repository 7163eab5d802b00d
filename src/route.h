/* SPDX-License-Identifier: ISC */
/* service proxy: request-target normalisation and route decisions; pure. */
#ifndef UDSGW_ROUTE_H
#define UDSGW_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"

/* struct route.methods: one bit per enum http_method (http.h). */
#define ROUTE_METHOD(m)		(1u << (m))
#define ROUTE_ANY_METHOD	0xffffffffu	/* "*": every token */

/* Errors of route_normalise (negative); every one is a 400. */
#define ROUTE_ERR_FORM		-200	/* not origin-form ("/...") */
#define ROUTE_ERR_PCT		-201	/* malformed %xx */
#define ROUTE_ERR_SLASH		-202	/* %2F or %5C, or a raw backslash */
#define ROUTE_ERR_NUL		-203	/* %00 or another encoded control */
#define ROUTE_ERR_DOT		-204	/* "." or ".." segment (also encoded) */
#define ROUTE_ERR_EMPTY		-205	/* "//": an empty segment inside */
#define ROUTE_ERR_TOO_LONG	-206	/* does not fit the output */

/*
 * route_normalise: the one canonical form of an origin-form request
 * target, or an error; never a "repaired" path. In the path:
 * percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) are
 * decoded; any other %XX stays encoded with upper-case hex digits;
 * %2F, %5C and a raw '\' (a separator to some servers), %00-%1F and
 * %7F, a malformed %, a "." or ".." segment (after decoding), and an
 * empty segment other than a final one ("/a/" is kept, "/a//b" is not)
 * are errors. The query (after the first '?') gets the same decoding
 * of unreserved characters and upper-casing of hex digits, and no other
 * check. out receives the path, then '?' and the query if the target
 * had a '?', then a NUL; *pathlen is the length of the path part.
 * Returns the length written (without the NUL) or a ROUTE_ERR_*.
 */
int	 route_normalise(const uint8_t *target, size_t len, char *out,
	    size_t outmax, size_t *pathlen);

/* route_error_reason: a short static lower-case string for logs. */
const char *route_error_reason(int err);

/*
 * route_version_skip: with api_version_prefix, the number of leading
 * bytes of a normalised path that are a "/v" segment of one or more
 * digits and dots (Docker's "/v{version:[0-9.]+}") followed by '/' or
 * the end (those bytes are ignored when matching;
 * the path sent upstream keeps them); 0 if there is none.
 */
size_t	 route_version_skip(const char *path, size_t pathlen);

/*
 * route_pattern_check: is p[0..len) a valid pattern (see struct route
 * in gateway.h): it starts with '/'; its segments are "*", "**" or
 * literals of pchar in normalised form (what route_normalise would
 * leave unchanged: no %XX of an unreserved character, upper-case hex,
 * no '.' or '..' segment, no empty segment but a final one); no '?'.
 * 0, or -1 with *why set to a static message for the policy parser.
 */
int	 route_pattern_check(const char *p, size_t len, const char **why);

/*
 * route_pattern_match: does the normalised path[0..len) match pattern
 * (NUL-terminated, valid)? "*" matches exactly one non-empty segment,
 * "**" any number of segments (none included), anything else itself.
 */
int	 route_pattern_match(const char *pattern, const char *path,
	    size_t len);

#define ROUTE_DENY	0
#define ROUTE_ALLOW	1

/*
 * route_decide: the first route of r[0..n) whose methods include
 * method_id (enum http_method; HTTP_M_OTHER only matches "*"), whose
 * pattern matches the path of norm (route_normalise's output, the path
 * being norm[0..pathlen), after route_version_skip when version_prefix
 * is set), whose query constraint holds (has_query: the request has
 * no body (body 0: neither a Content-Length above 0 nor chunked; a form
 * body can override the query for servers such as Docker's) and the
 * query, the bytes after '?' in norm[pathlen..normlen), equals
 * route.query; no '?' counts as ""), and whose who matches the peer (as access_check:
 * uid, primary gid or a supplementary group, or any) decides.
 * Returns ROUTE_ALLOW or ROUTE_DENY and sets *which to the route's
 * index, or -1 when none matched (ROUTE_DENY: 403).
 */
int	 route_decide(const struct route *r, size_t n, int version_prefix,
	    int method_id, int body, const char *norm, size_t pathlen,
	    size_t normlen, const struct peer *peer, int *which);

#endif /* UDSGW_ROUTE_H */
