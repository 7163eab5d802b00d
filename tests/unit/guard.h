/* SPDX-License-Identifier: ISC */
/* Guard-page helper: place test input so it ends at a PROT_NONE page. */
#ifndef UDSGW_GUARD_H
#define UDSGW_GUARD_H

#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A copy of some bytes whose last byte sits just below an inaccessible
 * page, so that reading even one byte past the end faults (under ASan or
 * not). Used like picohttpparser's test.c.
 */
struct guard {
	uint8_t		*map;
	size_t		 maplen;
	uint8_t		*data;		/* the copy; data + len is PROT_NONE */
};

/* guard_place: map, copy src[0..len) against the guard; aborts on error. */
static inline uint8_t *
guard_place(struct guard *g, const void *src, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t npages = (len + pg - 1) / pg + 1;

	g->maplen = npages * pg;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED)
		abort();
	if (mprotect(g->map + g->maplen - pg, pg, PROT_NONE) != 0)
		abort();
	g->data = g->map + g->maplen - pg - len;
	if (len > 0)
		memcpy(g->data, src, len);
	return g->data;
}

/* guard_release: unmap what guard_place() mapped. */
static inline void
guard_release(struct guard *g)
{
	if (g->map != NULL && munmap(g->map, g->maplen) != 0)
		abort();
	g->map = g->data = NULL;
	g->maplen = 0;
}

#endif /* UDSGW_GUARD_H */
