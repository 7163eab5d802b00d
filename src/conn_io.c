/* SPDX-License-Identifier: ISC */
/* The connections' transport: an accepted socket in the worker's epoll loop. */
#define _GNU_SOURCE	/* SO_PEERGROUPS */
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include "conn.h"

static struct loop	*conn_loop;

void
conn_setup(struct loop *l)
{
	conn_loop = l;
}

static void
conn_io_event(struct loop_ev *ev, uint32_t events)
{
	conn_event((struct conn *)((char *)ev - offsetof(struct conn, c_ev)),
	    events);
}

int
conn_io_add(struct conn *c)
{
	c->c_ev.cb = conn_io_event;
	return loop_add(conn_loop, &c->c_ev, LOOP_IN, 0);
}

int
conn_io_set(struct conn *c, uint32_t events)
{
	return loop_set(conn_loop, &c->c_ev, events);
}

void
conn_io_close(struct conn *c)
{
	(void)loop_del(conn_loop, &c->c_ev);
	/* Nothing useful can be done if close fails on a socket. */
	(void)close(c->c_ev.fd);
	c->c_ev.fd = -1;
}

void
conn_io_detach(struct conn *c)
{
	(void)loop_del(conn_loop, &c->c_ev);
	c->c_ev.fd = -1;
}

ssize_t
conn_io_read(struct conn *c, void *p, size_t n)
{
	return read(c->c_ev.fd, p, n);
}

ssize_t
conn_io_write(struct conn *c, const void *p, size_t n)
{
	return write(c->c_ev.fd, p, n);
}

int
conn_io_shutdown(struct conn *c)
{
	return shutdown(c->c_ev.fd, SHUT_WR);
}

int
conn_io_groups(struct conn *c, gid_t *groups, size_t max, size_t *n)
{
	socklen_t len;

	if (max > (socklen_t)-1 / sizeof(gid_t)) {
		errno = EINVAL;
		return -1;
	}
	len = (socklen_t)(max * sizeof(gid_t));
	if (getsockopt(c->c_ev.fd, SOL_SOCKET, SO_PEERGROUPS, groups,
	    &len) == -1)
		return -1;
	*n = len / sizeof(gid_t);
	return 0;
}

uint64_t
conn_io_now(void)
{
	return conn_loop->now_ms;
}
