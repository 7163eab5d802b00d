/* SPDX-License-Identifier: ISC */
/* A connection transport in memory, for tests: no socket, no event loop. */
#ifndef UDSGW_CONN_MEM_H
#define UDSGW_CONN_MEM_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct conn;

/*
 * One connection at a time. The peer's bytes are in[0..in_len), handed
 * out by read() in pieces of 1..read_max bytes (a fixed pseudo-random
 * sequence from seed), then EOF. What the connection writes is appended
 * to out (at most write_max bytes per event; then EAGAIN, as a full
 * socket would say). drain_at > 0: conn_drain_all() once that much input
 * has been read. hold_open: no EOF after the input; the peer just waits
 * (the connection then ends by its deadline).
 */
struct conn_mem {
	const uint8_t	*in;
	size_t		 in_len;
	size_t		 in_off;
	size_t		 read_max;
	size_t		 write_max;
	uint32_t	 seed;
	size_t		 drain_at;
	int		 hold_open;
	const gid_t	*groups;
	size_t		 ngroups;

	/* what happened */
	uint8_t		*out;
	size_t		 out_len;
	size_t		 out_cap;
	uint32_t	 mask;		/* events the connection asks for */
	int		 closed;	/* conn_io_close() was called */
	int		 shut;		/* conn_io_shutdown() was called */
	int		 drained;
	int		 reads_after_shut;
	size_t		 budget;	/* bytes writable in this event */
	size_t		 progress;	/* bytes moved, and EOFs, so far */
	uint64_t	 now;
};

extern struct conn_mem	conn_mem;

/* conn_mem_reset: forget the last connection and its output. */
void	conn_mem_reset(void);
/*
 * conn_mem_run: deliver events to c until it closes (or asks for none:
 * then it is closed as its deadline would). Returns 0, 1 if it was
 * still busy after max_events (then closed all the same), or -1 if the
 * connection spun: it asked for an event, got it, and moved nothing,
 * three times in a row (under epoll that is a busy loop).
 */
int	conn_mem_run(struct conn *c, size_t max_events);

#endif /* UDSGW_CONN_MEM_H */
