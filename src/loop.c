/* SPDX-License-Identifier: ISC */
/* A small epoll loop: fd events and a coarse clock (after Redis ae.c). */
#include <sys/epoll.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "loop.h"

#define LOOP_BATCH	64

uint64_t
loop_clock_ms(void)
{
	struct timespec ts;

	/* vDSO: no system call on the hot path. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	l->now_ms = loop_clock_ms();
	return 0;
}

int
loop_add(struct loop *l, struct loop_ev *ev, uint32_t mask, int exclusive)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	e.events = mask | (exclusive ? EPOLLEXCLUSIVE : 0);
	e.data.ptr = ev;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, ev->fd, &e) == -1)
		return -1;
	ev->mask = mask;
	return 0;
}

int
loop_set(struct loop *l, struct loop_ev *ev, uint32_t mask)
{
	struct epoll_event e;

	if (ev->mask == mask)
		return 0;
	memset(&e, 0, sizeof(e));
	e.events = mask;
	e.data.ptr = ev;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, ev->fd, &e) == -1)
		return -1;
	ev->mask = mask;
	return 0;
}

int
loop_del(struct loop *l, struct loop_ev *ev)
{
	ev->mask = 0;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

int
loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[LOOP_BATCH];
	struct loop_ev *ev;
	int i, n;

	n = epoll_wait(l->epfd, evs, LOOP_BATCH, timeout_ms);
	l->now_ms = loop_clock_ms();
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	/*
	 * Mark first what has an event in this round: a callback can then
	 * tell an object whose own event is still to come (the proxy's
	 * pooled upstreams).
	 */
	l->round++;
	for (i = 0; i < n; i++)
		((struct loop_ev *)evs[i].data.ptr)->pending = l->round;
	for (i = 0; i < n; i++) {
		ev = evs[i].data.ptr;
		ev->pending = 0;
		ev->cb(ev, evs[i].events);
	}
	return n;
}
