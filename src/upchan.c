/* SPDX-License-Identifier: ISC */
/* A worker's channel to its upstream's connector (fwd_proto.h records). */
#define _GNU_SOURCE	/* MSG_CMSG_CLOEXEC */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "fwd_proto.h"
#include "log.h"
#include "loop.h"
#include "upchan.h"

static struct loop	*uloop;
static struct loop_ev	 chan_ev;
static struct upreq	*head, *tail;	/* outstanding, oldest first */
static size_t		 nunsent;
static uint64_t		 next_id = 1;

static void
set_unsent(struct upreq *rq, int unsent)
{
	if (rq->sent == !unsent)
		return;
	rq->sent = !unsent;
	nunsent += unsent ? 1 : (size_t)-1;
	if (loop_set(uloop, &chan_ev, nunsent > 0 ? LOOP_IN | LOOP_OUT :
	    LOOP_IN) == -1)
		fatal("epoll_ctl connector channel");
}

/* 1 sent, 0 the channel is full, -1 (errno) it cannot be used. */
static int
send_one(struct upreq *rq)
{
	struct fwd_req r;

	memset(&r, 0, sizeof(r));
	r.magic = FWD_REQ_MAGIC;
	r.upstream = rq->upstream;
	r.id = rq->id;
	if (send(chan_ev.fd, &r, sizeof(r), MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(r))
		return 1;
	if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
		return 0;
	return -1;
}

static void
unlink_rq(struct upreq *rq)
{
	if (rq->prev != NULL)
		rq->prev->next = rq->next;
	else
		head = rq->next;
	if (rq->next != NULL)
		rq->next->prev = rq->prev;
	else
		tail = rq->prev;
	rq->prev = rq->next = NULL;
}

int
upchan_ask(struct upreq *rq)
{
	int r;

	rq->id = next_id++;
	rq->sent = 1;
	/* Behind others still waiting for room: wait too, in order. */
	if ((r = (nunsent > 0 ? 0 : send_one(rq))) == -1)
		return -1;
	rq->prev = tail;
	rq->next = NULL;
	if (tail != NULL)
		tail->next = rq;
	else
		head = rq;
	tail = rq;
	if (r == 0)
		set_unsent(rq, 1);
	return 0;
}

void
upchan_cancel(struct upreq *rq)
{
	set_unsent(rq, 0);
	unlink_rq(rq);
}

/* The channel has room again: send what waits, oldest first. */
static void
send_unsent(void)
{
	struct upreq *rq, *next;
	int r;

	for (rq = head; rq != NULL && nunsent > 0; rq = next) {
		next = rq->next;
		if (rq->sent)
			continue;
		if ((r = send_one(rq)) == 0)
			return;
		set_unsent(rq, 0);
		if (r == -1) {
			unlink_rq(rq);
			rq->done(rq, errno != 0 ? errno : EPIPE, -1);
		}
	}
}

static void
chan_event(struct loop_ev *ev, uint32_t events)
{
	struct fwd_rep rep;
	struct upreq *rq;
	ssize_t n;
	int fd, bad, i;

	if (events & EPOLLOUT)
		send_unsent();
	for (i = 0; i < 64; i++) {
		n = fdpass_recv(ev->fd, &rep, sizeof(rep), MSG_DONTWAIT |
		    MSG_CMSG_CLOEXEC, &fd, &bad);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			fatalx("worker: the connector channel is gone");
		if (n != (ssize_t)sizeof(rep) || bad ||
		    rep.magic != FWD_REP_MAGIC ||
		    (rep.error == 0) != (fd != -1)) {
			log_warnx("worker: bad answer from the connector");
			if (fd != -1)
				(void)close(fd);
			continue;
		}
		for (rq = head; rq != NULL; rq = rq->next)
			if (rq->sent && rq->id == rep.id)
				break;
		if (rq == NULL) {
			/* Its owner went away, or it timed out: not needed. */
			if (fd != -1)
				(void)close(fd);
			continue;
		}
		unlink_rq(rq);
		rq->done(rq, rep.error, fd);
	}
}

void
upchan_setup(struct loop *l, int chan)
{
	uloop = l;
	chan_ev.fd = chan;
	chan_ev.cb = chan_event;
	if (loop_add(l, &chan_ev, LOOP_IN, 0) == -1)
		fatal("epoll_ctl connector channel");
}
