/* SPDX-License-Identifier: ISC */
/*
 * Connection life cycle shared by every service: buffers, timeouts,
 * close, and what the services share (the denial line, the token check).
 * The I/O is the transport's (conn.h): this file makes no system call.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "metrics.h"
#include "token.h"

static struct conn	*conn_head;
static struct conn	*conn_dead;	/* closed, freed by conn_reap */
static size_t		 conn_n;
static uint64_t		 conn_closed;	/* closes so far, for conn_kick */

static void	conn_update(struct conn *);
static int	conn_linger(struct conn *);

size_t
conn_count(void)
{
	return conn_n;
}

struct conn *
conn_new(struct wlistener *wl, int fd, const struct peer *peer,
    size_t in_max, size_t out_max)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->c_ev.fd = fd;
	c->c_l = wl;
	buf_init(&c->c_in, in_max);
	buf_init(&c->c_out, out_max);
	c->c_pid = peer->pid;
	c->c_uid = peer->uid;
	c->c_gid = peer->gid;
	if (peer->label != NULL && peer->label[0] != '\0' &&
	    (c->c_label = strdup(peer->label)) == NULL) {
		free(c);
		return NULL;
	}
	if (conn_io_add(c) == -1) {
		log_warn("epoll_ctl add");
		free(c->c_label);
		free(c);
		return NULL;
	}
	c->c_next = conn_head;
	if (conn_head != NULL)
		conn_head->c_prev = c;
	conn_head = c;
	conn_n++;
	wl->wl_nconns++;
	return c;
}

/* Out of the table, buffers freed; the memory waits for conn_reap(). */
static void
conn_unlink(struct conn *c)
{
	buf_free(&c->c_in);
	buf_free(&c->c_out);
	if (c->c_prev != NULL)
		c->c_prev->c_next = c->c_next;
	else
		conn_head = c->c_next;
	if (c->c_next != NULL)
		c->c_next->c_prev = c->c_prev;
	conn_n--;
	c->c_l->wl_nconns--;
	free(c->c_label);
	c->c_label = NULL;
	c->c_flags |= CONN_DEAD;
	c->c_prev = NULL;
	c->c_next = conn_dead;
	conn_dead = c;
}

void
conn_close(struct conn *c)
{
	struct wlistener *wl = c->c_l;

	if (wl->wl_svc->close != NULL)
		wl->wl_svc->close(c);
	conn_closed++;
	conn_io_close(c);
	/* The uid first: its table counts only holders of a slot. */
	if (c->c_flags & CONN_UID_HELD)
		metrics_uid_release(wl->wl_idx, c->c_uid);
	if (c->c_flags & CONN_REFUSE_HELD)
		metrics_refuse_release(wl->wl_idx);
	if ((c->c_flags & CONN_REFUSED) == 0)
		metrics_conn_release(wl->wl_idx);
	conn_unlink(c);
}

void
conn_reap(void)
{
	struct conn *c;

	while ((c = conn_dead) != NULL) {
		conn_dead = c->c_next;
		free(c);
	}
}

void
conn_timeout(struct conn *c, uint32_t ms)
{
	c->c_deadline = ms ? conn_io_now() + ms : 0;
}

int
conn_write(struct conn *c, const void *p, size_t len)
{
	if (buf_append(&c->c_out, p, len) != 0)
		return -1;
	return 0;
}

void
conn_read_pause(struct conn *c, int pause)
{
	if (pause)
		c->c_flags |= CONN_READ_OFF;
	else
		c->c_flags &= ~CONN_READ_OFF;
}

int
conn_drain_more(const struct conn *c, size_t held)
{
	uint64_t end;

	if ((c->c_flags & CONN_DRAINING) == 0)
		return 1;
	/* Stream offset just after the request being answered. */
	end = c->c_rbytes - buf_len(&c->c_in) + held;
	return c->c_drain_mark > end;
}

void
conn_close_after_flush(struct conn *c)
{
	c->c_flags |= CONN_CLOSING;
}

void
conn_close_lingering(struct conn *c)
{
	c->c_flags |= CONN_CLOSING | CONN_LINGER;
}

void
conn_input_pending(struct conn *c)
{
	c->c_flags |= CONN_PENDING;
}

void
conn_busy(struct conn *c, int busy)
{
	if (busy)
		c->c_flags |= CONN_BUSY;
	else
		c->c_flags &= ~CONN_BUSY;
}

int
conn_kick(struct conn *c)
{
	uint64_t before = conn_closed;

	conn_event(c, 0);
	return conn_closed == before ? 0 : -1;
}

int
conn_detach(struct conn *c, int *uid_held)
{
	int fd = c->c_ev.fd;

	conn_io_detach(c);
	*uid_held = (c->c_flags & CONN_UID_HELD) != 0;
	conn_unlink(c);
	return fd;
}

void
conn_wipe_input(struct conn *c)
{
	c->c_in.b_wipe = 1;
}

void
conn_log_denial(const struct wlistener *wl, const struct peer *peer,
    int which, const char *why)
{
	const struct listener_conf *lc = wl->wl_conf;
	const char *label = peer->label != NULL ? peer->label : "";

	if (!log_denial_permit(peer->uid, conn_io_now()))
		return;		/* counted; the worker's tick logs the summary */
	log_warnx("%s: denied pid %ld uid %lu gid %lu%s%s: %s (%s %s:%u)",
	    lc->name, (long)peer->pid, (unsigned long)peer->uid,
	    (unsigned long)peer->gid, label[0] ? " label " : "", label, why,
	    which >= 0 ? "rule at" : "listener at", wl->wl_file,
	    which >= 0 ? lc->rules[which].line : lc->line);
}

int
conn_token_check(struct conn *c, const uint8_t *tok, size_t len,
    const char *why)
{
	const struct listener_conf *lc = c->c_l->wl_conf;
	struct peer peer;
	char line[32];

	if (lc->ntokens == 0)
		return 0;
	if (tok != NULL) {
		if (token_check(tok, len, (const uint8_t (*)[POLICY_TOKEN_LEN])
		    lc->tokens, lc->ntokens))
			return 0;
		why = "wrong";
	} else if (why == NULL)
		why = "missing";
	memset(&peer, 0, sizeof(peer));
	peer.pid = c->c_pid;
	peer.uid = c->c_uid;
	peer.gid = c->c_gid;
	peer.label = c->c_label;
	(void)snprintf(line, sizeof(line), "%s token", why);
	conn_log_denial(c->c_l, &peer, -1, line);
	metrics_deny(c->c_l->wl_idx, DENY_TOKEN);
	return -1;
}

/* Write what we can; -1 if the peer is gone. */
static int
conn_flush(struct conn *c)
{
	ssize_t n;

	while (buf_len(&c->c_out) > 0) {
		n = conn_io_write(c, buf_ptr(&c->c_out), buf_len(&c->c_out));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -1;
		}
		metrics_bytes_out(c->c_l->wl_idx, (uint64_t)n);
		buf_consume(&c->c_out, (size_t)n);
	}
	return 0;
}

static int
conn_can_read(const struct conn *c)
{
	return (c->c_flags & (CONN_EOF | CONN_CLOSING | CONN_READ_OFF)) == 0 &&
	    buf_room(&c->c_in) > 0 && buf_len(&c->c_out) < CONN_OUT_HIGH;
}

/* Read once; returns -1 to close now. */
static int
conn_read(struct conn *c)
{
	uint8_t *p;
	size_t avail, want;
	ssize_t n;

	want = buf_room(&c->c_in);
	if (want > CONN_READ_MAX)
		want = CONN_READ_MAX;
	if (buf_reserve(&c->c_in, want, &p, &avail) != 0)
		return -1;
	n = conn_io_read(c, p, avail);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -1;
	}
	c->c_flags &= ~CONN_IDLE;
	if (n == 0)
		c->c_flags |= CONN_EOF;
	else {
		buf_commit(&c->c_in, (size_t)n);
		c->c_rbytes += (uint64_t)n;
		metrics_bytes_in(c->c_l->wl_idx, (uint64_t)n);
	}
	if (c->c_l->wl_svc->input(c) == -1)
		return -1;
	return 0;
}

/*
 * Lingering close (as nginx and Apache do): after a final answer, shut
 * down our side and read and discard what the peer still sends, until
 * its EOF, a byte budget or a short deadline. Closing with unread input
 * would make the kernel reset the connection, and a client still
 * writing its request (a peer denied at accept, a 401 before the body)
 * would never read the answer. Returns 1 while lingering.
 */
static int
conn_linger(struct conn *c)
{
	if (c->c_flags & CONN_LINGERING)
		return 1;
	if ((c->c_flags & (CONN_LINGER | CONN_EOF)) != CONN_LINGER ||
	    (c->c_flags & (CONN_REFUSED | CONN_REFUSE_HELD)) == CONN_REFUSED)
		return 0;
	if (conn_io_shutdown(c) == -1)
		return 0;
	c->c_flags |= CONN_LINGERING;
	buf_free(&c->c_in);
	conn_timeout(c, CONN_LINGER_MS);
	return 1;
}

static void
conn_discard(struct conn *c)
{
	uint8_t junk[4096];
	ssize_t n;
	int i;

	for (i = 0; i < 16; i++) {
		n = conn_io_read(c, junk, sizeof(junk));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || (c->c_linger += (size_t)n) > CONN_LINGER_MAX) {
			conn_close(c);
			return;
		}
	}
}

/* Recompute interest; close when done. */
static void
conn_update(struct conn *c)
{
	uint32_t mask = 0;

	/* After the peer's EOF nothing new can come: flush and close. */
	if ((c->c_flags & (CONN_EOF | CONN_PENDING | CONN_BUSY)) == CONN_EOF)
		c->c_flags |= CONN_CLOSING;
	if (buf_len(&c->c_out) == 0) {
		if ((c->c_flags & CONN_CLOSING) && !conn_linger(c)) {
			conn_close(c);
			return;
		}
	} else
		mask |= EPOLLOUT;
	if (c->c_flags & CONN_LINGERING)
		mask = EPOLLIN;
	if (conn_can_read(c))
		mask |= EPOLLIN;
	if (conn_io_set(c, mask) == -1) {
		log_warn("epoll_ctl mod");
		conn_close(c);
	}
}

void
conn_event(struct conn *c, uint32_t events)
{
	if (c->c_flags & CONN_DEAD)
		return;		/* closed earlier in this round */
	if (c->c_flags & CONN_LINGERING) {
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_discard(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_can_read(c)) {
		if (conn_read(c) == -1) {
			conn_close(c);
			return;
		}
	}
	if (buf_len(&c->c_out) > 0 && conn_flush(c) == -1) {
		conn_close(c);
		return;
	}
	/* Back-pressure released: finish what the service left unparsed. */
	while ((c->c_flags & (CONN_PENDING | CONN_CLOSING)) == CONN_PENDING &&
	    buf_len(&c->c_out) < CONN_OUT_HIGH) {
		c->c_flags &= ~CONN_PENDING;
		if (c->c_l->wl_svc->input(c) == -1 ||
		    (buf_len(&c->c_out) > 0 && conn_flush(c) == -1)) {
			conn_close(c);
			return;
		}
	}
	if ((events & (EPOLLHUP | EPOLLERR)) && !conn_can_read(c) &&
	    (buf_len(&c->c_out) > 0 || (c->c_flags & CONN_BUSY)) &&
	    (events & EPOLLOUT) == 0) {
		/*
		 * Peer is gone and we cannot write: nothing left to do. A
		 * busy service would be woken by the hang-up without end.
		 */
		conn_close(c);
		return;
	}
	conn_update(c);
}

/*
 * A refused peer costs the listener none of its max_connections: a
 * peer refused without end (one uid at its cap, say) would otherwise
 * hold every slot with answers lingering, and allowed peers would wait
 * in the backlog. Lingering (see conn_linger) is still worth it where
 * a slot of the small refusal budget is free: closed at once, curl on
 * an AF_UNIX socket reports a failed connection instead of the 403
 * about one time in three, GET or POST alike. Either way the refusal
 * is gone within CONN_LINGER_MS.
 */
static void
refuse(struct conn *c)
{
	int l = c->c_l->wl_idx;

	metrics_conn_release(l);
	c->c_flags |= CONN_REFUSED;
	if (metrics_refuse_acquire(l, CONN_REFUSE_LINGER) == 0)
		c->c_flags |= CONN_REFUSE_HELD;
	conn_timeout(c, CONN_LINGER_MS);
}

void
conn_start(struct conn *c, int allowed)
{
	const struct service *svc = c->c_l->wl_svc;

	if (allowed) {
		if (svc->open(c) == -1) {
			conn_close(c);
			return;
		}
	} else {
		refuse(c);
		svc->deny(c);
		c->c_flags |= CONN_CLOSING;
	}
	if (buf_len(&c->c_out) > 0 && conn_flush(c) == -1) {
		conn_close(c);
		return;
	}
	conn_update(c);
}

/*
 * Buffers are kept while a connection is busy, so steady-state requests
 * allocate nothing, and given back once it has been idle for a whole
 * sweep interval, so idle connections hold no buffer memory.
 */
static void
conn_trim(struct conn *c)
{
	if (buf_len(&c->c_in) != 0 || buf_len(&c->c_out) != 0) {
		c->c_flags &= ~CONN_IDLE;
		return;
	}
	if (c->c_flags & CONN_IDLE) {
		buf_trim(&c->c_in);
		buf_trim(&c->c_out);
	}
	c->c_flags |= CONN_IDLE;
}

void
conn_sweep(uint64_t now)
{
	struct conn *c, *next;

	for (c = conn_head; c != NULL; c = next) {
		next = c->c_next;
		if (c->c_deadline != 0 && now >= c->c_deadline) {
			log_debug("connection from pid %ld uid %lu timed out",
			    (long)c->c_pid, (unsigned long)c->c_uid);
			metrics_timeout(c->c_l->wl_idx);
			conn_close(c);
			continue;
		}
		conn_trim(c);
	}
}

/*
 * The worker is stopping: tell every connection. None is closed here;
 * each service decides when its peer can see the end (see conn.h).
 */
void
conn_drain_all(void)
{
	struct conn *c, *next;

	for (c = conn_head; c != NULL; c = next) {
		next = c->c_next;
		if (c->c_flags & CONN_DRAINING)
			continue;
		c->c_flags |= CONN_DRAINING;
		c->c_drain_mark = c->c_rbytes;
		c->c_l->wl_svc->drain(c);
		if (buf_len(&c->c_out) > 0 && conn_flush(c) == -1) {
			conn_close(c);
			continue;
		}
		conn_update(c);
	}
}
