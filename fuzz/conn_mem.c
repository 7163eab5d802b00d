/* SPDX-License-Identifier: ISC */
/* A connection transport in memory, for tests: no socket, no event loop. */
#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "conn_mem.h"

struct conn_mem	conn_mem;

void
conn_mem_reset(void)
{
	free(conn_mem.out);
	memset(&conn_mem, 0, sizeof(conn_mem));
}

void
conn_setup(struct loop *l)
{
	(void)l;
}

int
conn_io_add(struct conn *c)
{
	(void)c;
	conn_mem.mask = LOOP_IN;
	return 0;
}

int
conn_io_set(struct conn *c, uint32_t events)
{
	(void)c;
	conn_mem.mask = events;
	return 0;
}

void
conn_io_close(struct conn *c)
{
	(void)c;
	conn_mem.closed = 1;
	conn_mem.mask = 0;
}

void
conn_io_detach(struct conn *c)
{
	(void)c;
	conn_mem.mask = 0;
}

static uint32_t
next_rand(void)
{
	/* xorshift32: a fixed sequence per seed, never 0 */
	uint32_t x = conn_mem.seed ? conn_mem.seed : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	conn_mem.seed = x;
	return x;
}

ssize_t
conn_io_read(struct conn *c, void *p, size_t n)
{
	size_t k;

	(void)c;
	if (conn_mem.shut)
		conn_mem.reads_after_shut++;
	if (conn_mem.in_off == conn_mem.in_len) {
		conn_mem.progress++;	/* EOF */
		return 0;
	}
	k = 1 + next_rand() % (conn_mem.read_max ? conn_mem.read_max : 1);
	if (k > n)
		k = n;
	if (k > conn_mem.in_len - conn_mem.in_off)
		k = conn_mem.in_len - conn_mem.in_off;
	memcpy(p, conn_mem.in + conn_mem.in_off, k);
	conn_mem.in_off += k;
	conn_mem.progress += k;
	return (ssize_t)k;
}

ssize_t
conn_io_write(struct conn *c, const void *p, size_t n)
{
	size_t cap;
	uint8_t *o;

	(void)c;
	if (conn_mem.shut) {
		errno = EPIPE;
		return -1;
	}
	if (conn_mem.budget == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (n > conn_mem.budget)
		n = conn_mem.budget;
	if (conn_mem.out_cap - conn_mem.out_len < n) {
		cap = conn_mem.out_cap ? conn_mem.out_cap : 4096;
		while (cap - conn_mem.out_len < n)
			cap *= 2;
		if ((o = realloc(conn_mem.out, cap)) == NULL)
			abort();
		conn_mem.out = o;
		conn_mem.out_cap = cap;
	}
	memcpy(conn_mem.out + conn_mem.out_len, p, n);
	conn_mem.out_len += n;
	conn_mem.budget -= n;
	conn_mem.progress += n;
	return (ssize_t)n;
}

int
conn_io_shutdown(struct conn *c)
{
	(void)c;
	conn_mem.shut = 1;
	return 0;
}

int
conn_io_groups(struct conn *c, gid_t *groups, size_t max, size_t *n)
{
	(void)c;
	if (conn_mem.ngroups > max) {
		errno = ERANGE;
		return -1;
	}
	if (conn_mem.ngroups > 0)
		memcpy(groups, conn_mem.groups,
		    conn_mem.ngroups * sizeof(gid_t));
	*n = conn_mem.ngroups;
	return 0;
}

uint64_t
conn_io_now(void)
{
	return conn_mem.now;
}

int
conn_mem_run(struct conn *c, size_t max_events)
{
	size_t i, before;
	uint32_t ev;
	int idle = 0;

	for (i = 0; i < max_events && !conn_mem.closed; i++) {
		if (conn_mem.drain_at > 0 && !conn_mem.drained &&
		    conn_mem.in_off >= conn_mem.drain_at) {
			conn_mem.drained = 1;
			conn_drain_all();
			continue;
		}
		ev = 0;
		/* A peer holding the connection open says nothing more. */
		if ((conn_mem.mask & LOOP_IN) && (!conn_mem.hold_open ||
		    conn_mem.in_off < conn_mem.in_len))
			ev |= EPOLLIN;
		if (conn_mem.mask & LOOP_OUT)
			ev |= EPOLLOUT;
		if (ev == 0)
			break;		/* waits for a timer */
		before = conn_mem.progress;
		conn_mem.budget = conn_mem.write_max;
		conn_event(c, ev);
		if (conn_mem.progress != before)
			idle = 0;
		else if (++idle == 3)
			return -1;
	}
	if (!conn_mem.closed) {
		/* Whatever it waits for, its deadline (or ours) ends it. */
		conn_mem.now += 1000000;
		conn_sweep(conn_mem.now);
		if (!conn_mem.closed)
			conn_close(c);
		conn_reap();
		if (i == max_events)
			return 1;
	}
	conn_reap();
	return 0;
}
