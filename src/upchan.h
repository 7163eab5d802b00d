/* SPDX-License-Identifier: ISC */
/* A worker's channel to its upstream's connector: ask, get a socket back. */
#ifndef UDSGW_UPCHAN_H
#define UDSGW_UPCHAN_H

#include <stdint.h>

struct loop;

/*
 * One request for an upstream connection. The owner embeds it, sets
 * upstream and done, and calls upchan_ask(); exactly one of these then
 * happens: done(rq, 0, fd) with the connected socket (the owner's now),
 * done(rq, errno, -1) when the connector could not connect, or the
 * owner calls upchan_cancel() first (an answer that still comes is
 * closed). done is called from the loop, never from upchan_ask().
 */
struct upreq {
	struct upreq	*prev, *next;	/* outstanding, oldest first */
	uint64_t	 id;
	uint32_t	 upstream;	/* index in the policy's upstreams */
	int		 sent;		/* 0: waits for room in the channel */
	void		(*done)(struct upreq *, int err, int fd);
};

/*
 * upchan_setup: the worker's loop and its channel (WORKER_FD_UPSTREAM),
 * registered for answers. Once, before the sandbox; fatal on error. A
 * channel that fails later is fatal too: the parent restarts the
 * worker with a new one.
 */
void	 upchan_setup(struct loop *, int chan);
/*
 * upchan_ask: send rq (or queue it while the channel is full: a burst
 * beyond its socket buffer is sent as it drains, oldest first).
 * 0, or -1 with errno when the connector cannot be reached.
 */
int	 upchan_ask(struct upreq *);
void	 upchan_cancel(struct upreq *);

#endif /* UDSGW_UPCHAN_H */
