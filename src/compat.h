/* SPDX-License-Identifier: ISC */
/* The few OpenBSD functions glibc 2.36 lacks. */
#ifndef UDSGW_COMPAT_H
#define UDSGW_COMPAT_H

#include <stddef.h>

/* strlcpy: copy with truncation; returns strlen(src). */
size_t	 gw_strlcpy(char *dst, const char *src, size_t dsize);
/* freezero: explicit_bzero then free; NULL is fine. */
void	 freezero(void *, size_t);
/* recallocarray: realloc that zeroes new memory and wipes the old copy. */
void	*recallocarray(void *, size_t oldnmemb, size_t newnmemb, size_t size);
/*
 * strtonum: decimal in [minval, maxval]; on error returns 0 and sets
 * *errstr to "invalid", "too small" or "too large".
 */
long long strtonum(const char *, long long minval, long long maxval,
	    const char **errstr);

#endif /* UDSGW_COMPAT_H */
