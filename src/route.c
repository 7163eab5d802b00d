/* SPDX-License-Identifier: ISC */
/* service proxy: request-target normalisation and route decisions; pure. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "access.h"
#include "http.h"
#include "route.h"

/* Character classes for the normaliser and the pattern checker. */
#define C_UNRES	0x01	/* unreserved: ALPHA DIGIT - . _ ~ */
#define C_PCHAR	0x02	/* raw pchar: unreserved, sub-delims, ':' '@' */

static int
cclass(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~')
		return C_UNRES | C_PCHAR;
	switch (c) {
	case '!': case '$': case '&': case '\'': case '(': case ')':
	case '*': case '+': case ',': case ';': case '=': case ':': case '@':
		return C_PCHAR;
	}
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char hexup[] = "0123456789ABCDEF";

/* Is the segment s[0..n) "." or ".."? */
static int
dot_segment(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' &&
	    s[1] == '.');
}

/*
 * Decode one %XX at t[i] (t[i] == '%'): the octet, or -1 when the two
 * hex digits are not there.
 */
static int
pct_octet(const uint8_t *t, size_t len, size_t i)
{
	int hi, lo;

	if (len - i < 3 || (hi = hexval(t[i + 1])) < 0 ||
	    (lo = hexval(t[i + 2])) < 0)
		return -1;
	return hi << 4 | lo;
}

/*
 * Append octet c to out, decoded when it is unreserved (or raw), else as
 * %XX with upper-case hex; 0, or -1 when it and the final NUL do not fit.
 */
static int
put(char *out, size_t outmax, size_t *o, int c, int raw)
{
	if (raw || (cclass((unsigned char)c) & C_UNRES)) {
		if (*o + 2 > outmax)
			return -1;
		out[(*o)++] = (char)c;
		return 0;
	}
	if (*o + 4 > outmax)
		return -1;
	out[(*o)++] = '%';
	out[(*o)++] = hexup[c >> 4];
	out[(*o)++] = hexup[c & 15];
	return 0;
}

/* The end of the path segment out[seg..o): is it a dot segment? */
#define ENDS_DOT(out, seg, o)	((o) > (seg) && \
				    dot_segment((out) + (seg), (o) - (seg)))

int
route_normalise(const uint8_t *t, size_t len, char *out, size_t outmax,
    size_t *pathlen)
{
	size_t i, o = 0, seg = 1;
	int c, raw, inquery = 0;

	*pathlen = 0;
	if (len == 0 || t[0] != '/')
		return ROUTE_ERR_FORM;
	for (i = 0; i < len; i++) {
		c = t[i];
		raw = 1;
		if (c == '%') {
			if ((c = pct_octet(t, len, i)) < 0)
				return ROUTE_ERR_PCT;
			i += 2;
			raw = 0;
			if (!inquery && (c == '/' || c == '\\'))
				return ROUTE_ERR_SLASH;
			if (!inquery && (c < 0x20 || c == 0x7f))
				return ROUTE_ERR_NUL;
		} else if (c < 0x20 || c == 0x7f)
			return ROUTE_ERR_NUL;
		else if (inquery) {
			/* VCHAR but '#' (a fragment is never sent). */
			if (c == ' ' || c == '#' || c > 0x7f)
				return ROUTE_ERR_FORM;
		} else if (c == '\\')
			return ROUTE_ERR_SLASH;
		else if (c == '/' || c == '?') {
			if (ENDS_DOT(out, seg, o))
				return ROUTE_ERR_DOT;
			/* "//" inside; "/a/?q" keeps its final "/". */
			if (c == '/' && i > 0 && o == seg)
				return ROUTE_ERR_EMPTY;
			if (c == '?') {
				*pathlen = o;
				inquery = 1;
			}
			seg = o + 1;
		} else if (!(cclass((unsigned char)c) & C_PCHAR))
			return ROUTE_ERR_FORM;
		if (put(out, outmax, &o, c, raw) == -1)
			return ROUTE_ERR_TOO_LONG;
	}
	if (!inquery) {
		/* The last segment may be empty ("/a/"), not a dot. */
		if (ENDS_DOT(out, seg, o))
			return ROUTE_ERR_DOT;
		*pathlen = o;
	}
	if (o >= outmax || o > INT_MAX)
		return ROUTE_ERR_TOO_LONG;
	out[o] = '\0';
	return (int)o;
}

const char *
route_error_reason(int err)
{
	switch (err) {
	case ROUTE_ERR_FORM:
		return "not an origin-form target";
	case ROUTE_ERR_PCT:
		return "malformed percent-encoding";
	case ROUTE_ERR_SLASH:
		return "encoded slash or backslash";
	case ROUTE_ERR_NUL:
		return "control character";
	case ROUTE_ERR_DOT:
		return "dot segment";
	case ROUTE_ERR_EMPTY:
		return "empty path segment";
	case ROUTE_ERR_TOO_LONG:
		return "target too long";
	}
	return "invalid target";
}

size_t
route_version_skip(const char *path, size_t pathlen)
{
	size_t i;

	/*
	 * Exactly what Docker's router takes for a version,
	 * "/v{version:[0-9.]+}": "/v1.41.0" and "/v." too. A narrower skip
	 * would let "/v1.41.0/containers/create" past a deny route that
	 * the daemon then serves as /containers/create.
	 */
	if (pathlen < 3 || path[0] != '/' || path[1] != 'v')
		return 0;
	for (i = 2; i < pathlen && ((path[i] >= '0' && path[i] <= '9') ||
	    path[i] == '.'); i++)
		;
	if (i == 2 || (i < pathlen && path[i] != '/'))
		return 0;
	return i;
}

int
route_pattern_check(const char *p, size_t len, const char **why)
{
	size_t i, seg, n;
	int c;

	if (len == 0 || p[0] != '/') {
		*why = "a route pattern starts with '/'";
		return -1;
	}
	for (seg = 1, i = 1; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		/* The segment p[seg..i). */
		n = i - seg;
		if (n == 0 && i < len) {
			*why = "empty segment (\"//\") in a route pattern";
			return -1;
		}
		if (dot_segment(p + seg, n)) {
			*why = "\".\" or \"..\" segment in a route pattern";
			return -1;
		}
		if ((n == 1 && p[seg] == '*') || (n == 2 && p[seg] == '*' &&
		    p[seg + 1] == '*')) {
			seg = i + 1;
			continue;
		}
		for (; seg < i; seg++) {
			c = (unsigned char)p[seg];
			if (c == '*') {
				*why = "'*' and '**' stand only as a whole "
				    "segment";
				return -1;
			}
			if (c == '?') {
				*why = "'?' in a route pattern path";
				return -1;
			}
			if (c == '%') {
				if (seg + 2 >= i ||
				    (c = pct_octet((const uint8_t *)p, i,
				    seg)) < 0) {
					*why = "malformed %XX in a route "
					    "pattern";
					return -1;
				}
				if ((cclass((unsigned char)c) & C_UNRES) ||
				    c == '/' || c == '\\' || c < 0x20 ||
				    c == 0x7f || p[seg + 1] != hexup[c >> 4] ||
				    p[seg + 2] != hexup[c & 15]) {
					*why = "%XX not in normalised form "
					    "(unreserved characters decoded, "
					    "upper-case hex, no %2F, %5C or "
					    "controls)";
					return -1;
				}
				seg += 2;
				continue;
			}
			if (!(cclass((unsigned char)c) & C_PCHAR)) {
				*why = "character not allowed in a route "
				    "pattern";
				return -1;
			}
		}
		seg = i + 1;
	}
	return 0;
}

/* The segment of s[0..len) that the '/' at s[at] introduces. */
static size_t
seg_len(const char *s, size_t len, size_t at)
{
	const char *e;

	at++;
	if ((e = memchr(s + at, '/', len - at)) == NULL)
		return len - at;
	return (size_t)(e - (s + at));
}

static int
is_dstar(const char *p, size_t n)
{
	return n == 2 && p[0] == '*' && p[1] == '*';
}

/*
 * Segment-wise wildcard matching with one backtrack point, the last
 * "**" seen (as for '*' in a glob): each other pattern segment matches
 * exactly one path segment, so resuming after the latest "**" is enough,
 * and the work is O(pattern segments * path length).
 */
int
route_pattern_match(const char *pattern, const char *path, size_t len)
{
	size_t plen = strlen(pattern), pi = 0, si = 0, pn, sn;
	size_t star_pi = 0, star_si = 0;
	int star = 0;

	if (plen == 0 || pattern[0] != '/' || len == 0 || path[0] != '/')
		return 0;
	while (si < len) {
		sn = seg_len(path, len, si);
		if (pi < plen) {
			pn = seg_len(pattern, plen, pi);
			if (is_dstar(pattern + pi + 1, pn)) {
				star = 1;
				star_pi = pi;
				star_si = si;
				pi += pn + 1;
				continue;
			}
			if ((pn == 1 && pattern[pi + 1] == '*') ? sn > 0 :
			    (pn == sn && memcmp(pattern + pi + 1,
			    path + si + 1, sn) == 0)) {
				pi += pn + 1;
				si += sn + 1;
				continue;
			}
		}
		if (!star)
			return 0;
		/* Let the last "**" take one more path segment. */
		pi = star_pi + 3;
		star_si += seg_len(path, len, star_si) + 1;
		si = star_si;
	}
	while (pi < plen) {
		pn = seg_len(pattern, plen, pi);
		if (!is_dstar(pattern + pi + 1, pn))
			return 0;
		pi += pn + 1;
	}
	return 1;
}

int
route_decide(const struct route *r, size_t n, int version_prefix,
    int method_id, int body, const char *norm, size_t pathlen,
    size_t normlen, const struct peer *peer, int *which)
{
	const char *path = norm, *query = "";
	size_t i, skip, plen = pathlen, qlen = 0;
	int w;

	*which = -1;
	if (version_prefix && (skip = route_version_skip(norm,
	    pathlen)) > 0) {
		path += skip;
		plen -= skip;
		if (plen == 0) {	/* "/v1.41" alone: its root */
			path = "/";
			plen = 1;
		}
	}
	if (normlen > pathlen && norm[pathlen] == '?') {
		query = norm + pathlen + 1;
		qlen = normlen - pathlen - 1;
	}
	for (i = 0; i < n; i++) {
		if (r[i].methods != ROUTE_ANY_METHOD &&
		    (method_id <= HTTP_M_OTHER || method_id >= 32 ||
		    (r[i].methods & ROUTE_METHOD(method_id)) == 0))
			continue;
		/*
		 * A pinned query means nothing when a body may carry the
		 * same parameters: Go's r.Form (Docker) lets a form body
		 * override the query the route checked.
		 */
		if (r[i].has_query && (body || strlen(r[i].query) != qlen ||
		    memcmp(r[i].query, query, qlen) != 0))
			continue;
		if (!route_pattern_match(r[i].pattern, path, plen))
			continue;
		(void)access_check(&r[i].who, 1, peer, &w);
		if (w != 0)	/* the one rule did not match the peer */
			continue;
		*which = (int)i;
		return r[i].who.allow ? ROUTE_ALLOW : ROUTE_DENY;
	}
	return ROUTE_DENY;
}
