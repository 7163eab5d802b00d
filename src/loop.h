/* SPDX-License-Identifier: ISC */
/* A small epoll loop: fd events and a coarse clock. Nothing protocol-specific. */
#ifndef UDSGW_LOOP_H
#define UDSGW_LOOP_H

#include <stdint.h>

struct loop_ev;
typedef void loop_fd_cb(struct loop_ev *, uint32_t events);

/* Embed one per fd; the loop hands it back to cb. */
struct loop_ev {
	loop_fd_cb	*cb;
	int		 fd;
	uint32_t	 mask;		/* events currently registered */
	uint64_t	 pending;	/* == the loop's round: an event for
					   it is still to come in this round */
};

struct loop {
	int		 epfd;
	uint64_t	 now_ms;	/* monotonic, updated each iteration */
	uint64_t	 round;		/* epoll_wait calls that returned */
};

#define LOOP_IN		0x001u	/* EPOLLIN */
#define LOOP_OUT	0x004u	/* EPOLLOUT */

/* loop_init: epoll_create1; -1 with errno on failure. */
int	 loop_init(struct loop *);
/* loop_add/loop_set/loop_del: register, change or drop ev->fd; -1/errno. */
int	 loop_add(struct loop *, struct loop_ev *, uint32_t mask, int exclusive);
int	 loop_set(struct loop *, struct loop_ev *, uint32_t mask);
int	 loop_del(struct loop *, struct loop_ev *);
/*
 * loop_once: wait up to timeout_ms for events and dispatch them; returns
 * the number dispatched, 0 on timeout or EINTR, -1 with errno.
 */
int	 loop_once(struct loop *, int timeout_ms);
uint64_t loop_clock_ms(void);

#endif /* UDSGW_LOOP_H */
