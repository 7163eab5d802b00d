/* SPDX-License-Identifier: ISC */
/* The one byte buffer: bounded, lazily allocated, checked growth. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compat.h"
#include "gateway.h"

const uint8_t	buf_empty[1];

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->b_max = max;
}

void
buf_free(struct buf *b)
{
	if (b->b_data != NULL) {
		if (b->b_wipe)
			freezero(b->b_data, b->b_cap);
		else
			free(b->b_data);
	}
	b->b_data = NULL;
	b->b_off = b->b_len = b->b_cap = 0;
}

void
buf_trim(struct buf *b)
{
	if (b->b_len == 0)
		buf_free(b);
}

int
buf_reserve(struct buf *b, size_t want, uint8_t **p, size_t *avail)
{
	size_t ncap;
	uint8_t *n;

	if (want == 0 || want > buf_room(b))
		return GW_ERR_NOSPACE;
	if (b->b_len == 0)
		b->b_off = 0;
	if (b->b_cap - b->b_off - b->b_len < want) {
		/* Slide unread bytes to the front before growing. */
		if (b->b_off > 0 && b->b_cap - b->b_len >= want) {
			memmove(b->b_data, b->b_data + b->b_off, b->b_len);
			b->b_off = 0;
		} else {
			ncap = b->b_cap ? b->b_cap : BUF_MIN_ALLOC;
			while (ncap - b->b_len < want && ncap < b->b_max)
				ncap = ncap > b->b_max / 2 ? b->b_max : ncap * 2;
			if (ncap > b->b_max)
				ncap = b->b_max;
			if (b->b_off > 0) {
				memmove(b->b_data, b->b_data + b->b_off,
				    b->b_len);
				b->b_off = 0;
			}
			if (b->b_wipe)
				n = recallocarray(b->b_data, b->b_cap, ncap, 1);
			else
				n = realloc(b->b_data, ncap);
			if (n == NULL)
				return GW_ERR_NOMEM;
			b->b_data = n;
			b->b_cap = ncap;
		}
	}
	*p = b->b_data + b->b_off + b->b_len;
	*avail = b->b_cap - b->b_off - b->b_len;
	if (*avail > buf_room(b))
		*avail = buf_room(b);
	return 0;
}

void
buf_commit(struct buf *b, size_t n)
{
	if (n > b->b_cap - b->b_off - b->b_len)
		abort();	/* broken invariant: wrote past the reservation */
	b->b_len += n;
}

int
buf_append(struct buf *b, const void *d, size_t len)
{
	uint8_t *p;
	size_t avail;
	int r;

	if (len == 0)
		return 0;
	if ((r = buf_reserve(b, len, &p, &avail)) != 0)
		return r;
	memcpy(p, d, len);
	b->b_len += len;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n > b->b_len)
		abort();	/* broken invariant */
	b->b_off += n;
	b->b_len -= n;
	if (b->b_len == 0)
		b->b_off = 0;
}

void
buf_swap(struct buf *a, struct buf *b)
{
	struct buf t = *a;

	if (a->b_len > b->b_max || b->b_len > a->b_max)
		abort();	/* broken invariant: would exceed a maximum */
	a->b_data = b->b_data;
	a->b_off = b->b_off;
	a->b_len = b->b_len;
	a->b_cap = b->b_cap;
	b->b_data = t.b_data;
	b->b_off = t.b_off;
	b->b_len = t.b_len;
	b->b_cap = t.b_cap;
	a->b_wipe = b->b_wipe = a->b_wipe | b->b_wipe;
}
