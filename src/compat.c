/* SPDX-License-Identifier: ISC */
/* The few OpenBSD functions glibc 2.36 lacks (after OpenSSH openbsd-compat). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "gateway.h"

size_t
gw_strlcpy(char *dst, const char *src, size_t dsize)
{
	size_t len = strlen(src);

	if (dsize != 0) {
		size_t n = len < dsize - 1 ? len : dsize - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

void
freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

void *
recallocarray(void *ptr, size_t oldnmemb, size_t newnmemb, size_t size)
{
	size_t oldsize, newsize;
	void *n;

	if (ptr == NULL)
		return calloc(newnmemb, size);
	if (size != 0 && (newnmemb > SIZE_MAX / size ||
	    oldnmemb > SIZE_MAX / size)) {
		errno = ENOMEM;
		return NULL;
	}
	newsize = newnmemb * size;
	oldsize = oldnmemb * size;
	if ((n = malloc(newsize ? newsize : 1)) == NULL)
		return NULL;
	if (newsize > oldsize) {
		memcpy(n, ptr, oldsize);
		memset((char *)n + oldsize, 0, newsize - oldsize);
	} else
		memcpy(n, ptr, newsize);
	freezero(ptr, oldsize);
	return n;
}

long long
strtonum(const char *s, long long minval, long long maxval,
    const char **errstr)
{
	long long v = 0;
	int neg = 0, d;

	*errstr = NULL;
	if (minval > maxval || *s == '\0')
		goto invalid;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '\0')
		goto invalid;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			goto invalid;
		d = *s - '0';
		if (v > (LLONG_MAX - d) / 10) {
			*errstr = neg ? "too small" : "too large";
			return 0;
		}
		v = v * 10 + d;
	}
	if (neg)
		v = -v;
	if (v < minval) {
		*errstr = "too small";
		return 0;
	}
	if (v > maxval) {
		*errstr = "too large";
		return 0;
	}
	return v;
invalid:
	*errstr = "invalid";
	return 0;
}

const char *
gw_strerror(int e)
{
	switch (e) {
	case GW_OK:
		return "success";
	case GW_ERR_NOMEM:
		return "out of memory";
	case GW_ERR_NOSPACE:
		return "buffer full";
	case GW_ERR_INVALID:
		return "invalid input";
	case GW_ERR_AGAIN:
		return "incomplete input";
	case GW_ERR_TOO_LARGE:
		return "too large";
	case GW_ERR_RANGE:
		return "out of range";
	default:
		return "internal error";
	}
}
