/* SPDX-License-Identifier: ISC */
/* The one byte buffer: bounded, lazily allocated, checked growth. */
#ifndef UDSGW_BUF_H
#define UDSGW_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * A FIFO of bytes with a hard maximum size. Storage is allocated on the
 * first write and can be given back with buf_trim() when the buffer is
 * empty, so an idle connection holds no buffer memory. Only the buf_*
 * functions touch the fields; they are public so that the hot path can
 * be inlined, not so that callers can do arithmetic on them.
 */
struct buf {
	uint8_t		*b_data;
	size_t		 b_off;		/* start of unread bytes */
	size_t		 b_len;		/* unread bytes */
	size_t		 b_cap;		/* allocated */
	size_t		 b_max;		/* never grow past this */
	int		 b_wipe;	/* zero storage before freeing */
};

#define BUF_MIN_ALLOC	4096

/* buf_init: empty buffer that may grow to max bytes; allocates nothing. */
void	 buf_init(struct buf *, size_t max);
/* buf_free: release storage (zeroed first if b_wipe); buffer is empty. */
void	 buf_free(struct buf *);
/* buf_trim: release storage if the buffer is empty. */
void	 buf_trim(struct buf *);

/* A valid address for zero bytes: what buf_ptr() returns with no storage. */
extern const uint8_t buf_empty[1];

/*
 * buf_ptr: the unread bytes, a view valid until the next buf_* call that
 * changes the buffer. Never NULL: a buffer without storage (fresh, freed,
 * trimmed) gives buf_empty, so that memchr(), memcpy() and pointer
 * arithmetic on zero bytes stay defined (NULL + 0 is not, in C).
 */
static inline const uint8_t *
buf_ptr(const struct buf *b)
{
	return b->b_data != NULL ? b->b_data + b->b_off : buf_empty;
}

static inline size_t
buf_len(const struct buf *b)
{
	return b->b_len;
}

/* Bytes that may still be appended before the maximum is reached. */
static inline size_t
buf_room(const struct buf *b)
{
	return b->b_max - b->b_len;
}

/*
 * buf_reserve: make room for at least want (> 0) more bytes and return a
 * pointer to them in *p and the contiguous space available in *avail
 * (>= want). Returns 0, GW_ERR_NOSPACE if want exceeds buf_room(), or
 * GW_ERR_NOMEM. The pointer is valid until the next buf_* call that
 * changes the buffer. Commit what was written with buf_commit().
 */
int	 buf_reserve(struct buf *, size_t want, uint8_t **p, size_t *avail);
/* buf_commit: n bytes written at the reserved pointer are now data. */
void	 buf_commit(struct buf *, size_t n);
/* buf_append: copy len bytes in; 0, GW_ERR_NOSPACE or GW_ERR_NOMEM. */
int	 buf_append(struct buf *, const void *, size_t);
/* buf_consume: drop n (<= buf_len) bytes from the front. */
void	 buf_consume(struct buf *, size_t n);
/*
 * buf_swap: exchange the contents (storage included) of a and b, each
 * keeping its own maximum; both are wiped on free if either was. The
 * contents must fit: buf_len(a) <= b->b_max and buf_len(b) <= a->b_max.
 */
void	 buf_swap(struct buf *a, struct buf *b);

#endif /* UDSGW_BUF_H */
