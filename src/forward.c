/* SPDX-License-Identifier: ISC */
/* service forward: relay an admitted peer to a connection from the connector. */
#define _GNU_SOURCE	/* splice, pipe2, MSG_CMSG_CLOEXEC */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "conn.h"
#include "forward.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "proxy_v2.h"
#include "token.h"
#include "proxy.h"
#include "upchan.h"
#include "worker.h"

enum { F_AUTH, F_CONNECTING, F_RELAY, F_DEAD };
enum { UP = 0, DOWN = 1 };	/* peer -> upstream, upstream -> peer */
#define HUP_PEER	0x1	/* closed both ways: nothing reaches it */
#define HUP_UPSTREAM	0x2

/*
 * One direction: bytes read from src wait in buf (copy mode) or in the
 * pipe (splice mode) until dst takes them; while any wait, src is not
 * read, so at most FORWARD_WINDOW bytes are in flight.
 */
struct dir {
	uint8_t		*buf;		/* allocated only while holding bytes */
	size_t		 off, len;
	int		 pipe[2];	/* -1: none */
	size_t		 inpipe;
	int		 eof;		/* src said end of file */
	int		 shut;		/* passed on: shutdown(dst, SHUT_WR) */
	int		 up;		/* 1: peer -> upstream */
};

struct fwd {
	struct loop_ev	 pev;		/* the peer */
	struct loop_ev	 uev;		/* the upstream; fd -1 until then */
	struct fwd	*prev, *next;
	struct wlistener *wl;
	struct peer	 peer;		/* no groups: not kept */
	int		 uid_held;
	int		 state;
	struct upreq	 rq;		/* F_CONNECTING: asked of the connector */
	uint32_t	 idle_ms;	/* inactivity allowed while relaying */
	uint64_t	 deadline;
	uint64_t	 asked_us;	/* when the connector was asked */
	struct dir	 d[2];
	int		 hup;		/* HUP_PEER, HUP_UPSTREAM: gone */
	uint8_t		*auth;		/* F_AUTH: the line so far */
	size_t		 authlen;
	struct forward_audit *audit;	/* a proxied tunnel's record */
};

static struct loop	*floop;
static struct fwd	*fwds, *dead;
static size_t		 nfwd;
static uint8_t		 scratch[FORWARD_WINDOW];
static int		 pool[FORWARD_PIPE_POOL][2];
static size_t		 npool;

static void	upstream_event(struct loop_ev *, uint32_t);
static void	fwd_run(struct fwd *);

size_t
forward_count(void)
{
	return nfwd;
}

static const char *
lname(const struct fwd *f)
{
	return f->wl->wl_conf->name;
}

/* Log a failure once, with the peer's identity. */
static void
fwd_log(const struct fwd *f, const char *what, int err)
{
	log_warnx("%s: pid %ld uid %lu gid %lu: %s%s%s", lname(f),
	    (long)f->peer.pid, (unsigned long)f->peer.uid,
	    (unsigned long)f->peer.gid, what, err ? ": " : "",
	    err ? strerror(err) : "");
}

static void
pipe_put(int p[2])
{
	if (p[0] == -1)
		return;
	if (npool < FORWARD_PIPE_POOL) {
		pool[npool][0] = p[0];
		pool[npool][1] = p[1];
		npool++;
	} else {
		(void)close(p[0]);
		(void)close(p[1]);
	}
	p[0] = p[1] = -1;
}

static int
pipe_get(int p[2])
{
	if (npool > 0) {
		npool--;
		p[0] = pool[npool][0];
		p[1] = pool[npool][1];
		return 0;
	}
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	/* Not fatal: the pipe works at its default size. */
	(void)fcntl(p[1], F_SETPIPE_SZ, FORWARD_PIPE_SIZE);
	return 0;
}

static void
dir_free(struct dir *d, int pipe_clean)
{
	free(d->buf);
	d->buf = NULL;
	d->off = d->len = 0;
	/* A pipe with bytes left in it is not fit for another connection. */
	if (d->pipe[0] != -1 && (!pipe_clean || d->inpipe != 0)) {
		(void)close(d->pipe[0]);
		(void)close(d->pipe[1]);
		d->pipe[0] = d->pipe[1] = -1;
	}
	pipe_put(d->pipe);
}

/* Close both sides now; freed after this dispatch round (forward_reap). */
static void
fwd_close(struct fwd *f)
{
	struct wlistener *wl = f->wl;

	if (f->state == F_DEAD)
		return;
	if (f->state == F_CONNECTING)
		upchan_cancel(&f->rq);
	f->state = F_DEAD;
	/* Closing the fds removes them from the epoll set. */
	(void)close(f->pev.fd);
	if (f->uev.fd != -1)
		(void)close(f->uev.fd);
	dir_free(&f->d[UP], 1);
	dir_free(&f->d[DOWN], 1);
	if (f->auth != NULL) {
		explicit_bzero(f->auth, FORWARD_AUTH_MAX);
		free(f->auth);
		f->auth = NULL;
	}
	if (f->audit != NULL) {
		if (proxy_audit_permit(f->peer.uid))
			log_prio(LOG_INFO, "%s,\"bytes_in\":%llu,"
			    "\"bytes_out\":%llu,\"ms\":%llu}", f->audit->head,
			    (unsigned long long)f->audit->bytes_in,
			    (unsigned long long)f->audit->bytes_out,
			    (unsigned long long)(floop->now_ms -
			    f->audit->start_ms));
		free(f->audit);
		f->audit = NULL;
	}
	if (f->uid_held)
		metrics_uid_release(wl->wl_idx, f->peer.uid);
	metrics_conn_release(wl->wl_idx);
	wl->wl_nconns--;
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		fwds = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	nfwd--;
	f->prev = NULL;
	f->next = dead;
	dead = f;
}

void
forward_reap(void)
{
	struct fwd *f;

	while ((f = dead) != NULL) {
		dead = f->next;
		free(f);
	}
}

/* Monotonic microseconds (vDSO), for the connector latency. */
static uint64_t
now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
idle_refresh(struct fwd *f)
{
	f->deadline = floop->now_ms + f->idle_ms;
}

static void
count(const struct fwd *f, const struct dir *d, size_t n)
{
	metrics_fwd_bytes(f->wl->wl_idx, d->up ? n : 0, d->up ? 0 : n);
	if (f->audit != NULL) {
		if (d->up)
			f->audit->bytes_in += n;
		else
			f->audit->bytes_out += n;
	}
}

/* Queue bytes for dst of d in copy mode (the AUTH rest, PROXY header). */
static int
dir_queue(struct dir *d, const uint8_t *p, size_t n)
{
	uint8_t *nb;

	if (n == 0)
		return 0;
	if (d->len - d->off + n > FORWARD_WINDOW)
		return -1;
	if (d->buf == NULL) {
		if ((d->buf = malloc(FORWARD_WINDOW)) == NULL)
			return -1;
		d->off = d->len = 0;
	} else if (d->off > 0) {
		memmove(d->buf, d->buf + d->off, d->len - d->off);
		d->len -= d->off;
		d->off = 0;
	}
	nb = d->buf;
	memcpy(nb + d->len, p, n);
	d->len += n;
	return 0;
}

/* Write what d holds to dst. 1: all out, 0: dst is full, -1: error. */
static int
dir_flush(struct fwd *f, struct dir *d, int dst)
{
	ssize_t n;

	while (d->len > d->off) {
		n = send(dst, d->buf + d->off, d->len - d->off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n == -1)
			return -1;
		d->off += (size_t)n;
		idle_refresh(f);
	}
	free(d->buf);
	d->buf = NULL;
	d->off = d->len = 0;
	while (d->inpipe > 0) {
		n = splice(d->pipe[0], NULL, dst, NULL, d->inpipe,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		d->inpipe -= (size_t)n;
		idle_refresh(f);
	}
	return 1;
}

/*
 * Move one direction as far as it goes without blocking: flush, read,
 * repeat. Returns -1 on an error that ends the connection.
 */
static int
dir_pump(struct fwd *f, struct dir *d, int src, int dst, int src_gone)
{
	ssize_t n;
	int r, rounds;

	/*
	 * Rounds are bounded so that one busy connection lets the others
	 * run; a source that is gone is unpolled and never blocks, so it is
	 * read until dst is full or its end.
	 */
	for (rounds = 0; rounds < 16 || src_gone; rounds++) {
		if ((r = dir_flush(f, d, dst)) <= 0)
			return r;
		if (d->eof) {
			if (!d->shut) {
				/* Half-close passed on; the other way goes on. */
				if (shutdown(dst, SHUT_WR) == -1 &&
				    errno != ENOTCONN)
					return -1;
				d->shut = 1;
			}
			return 0;
		}
		if (d->pipe[0] != -1) {
			n = splice(src, NULL, d->pipe[1], NULL,
			    FORWARD_PIPE_SIZE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n == -1 && errno == EAGAIN) {
				/* Nothing more now: an idle side holds no pipe. */
				pipe_put(d->pipe);
				return 0;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return -1;
			if (n == 0)
				d->eof = 1;
			d->inpipe = (size_t)n;
			count(f, d, (size_t)n);
			if (n > 0)
				idle_refresh(f);
			continue;
		}
		n = recv(src, scratch, sizeof(scratch), MSG_DONTWAIT);
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			d->eof = 1;
			continue;
		}
		count(f, d, (size_t)n);
		idle_refresh(f);
		/* Big reads: splice from the next one on (pipe permitting). */
		if ((size_t)n >= FORWARD_SPLICE_MIN && pipe_get(d->pipe) == -1)
			d->pipe[0] = d->pipe[1] = -1;
		r = (int)send(dst, scratch, (size_t)n, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (r == -1)
			r = 0;
		if (r < n && dir_queue(d, scratch + r, (size_t)n - (size_t)r)
		    == -1)
			return -1;
	}
	return 0;
}

static int
dir_busy(const struct dir *d)
{
	return d->len > d->off || d->inpipe > 0;
}

/*
 * Poll each side for what its directions need; 0, or -1 on error. A
 * side that is gone is not polled at all: its hang-up would be reported
 * on every wait (level-triggered), whatever the mask.
 */
static int
side_set(struct loop_ev *ev, uint32_t mask, int gone)
{
	if (gone) {
		if (ev->mask != 0xffffffffu && loop_del(floop, ev) == -1)
			return -1;
		ev->mask = 0xffffffffu;	/* marks it unregistered */
		return 0;
	}
	return loop_set(floop, ev, mask);
}

static int
fwd_interest(struct fwd *f)
{
	const struct dir *up = &f->d[UP], *down = &f->d[DOWN];
	uint32_t pm = 0, um = 0;

	if (!dir_busy(up) && !up->eof)
		pm |= LOOP_IN;
	if (dir_busy(down))
		pm |= LOOP_OUT;
	if (!dir_busy(down) && !down->eof)
		um |= LOOP_IN;
	if (dir_busy(up))
		um |= LOOP_OUT;
	if (side_set(&f->pev, pm, f->hup & HUP_PEER) == -1 ||
	    side_set(&f->uev, um, f->hup & HUP_UPSTREAM) == -1)
		return -1;
	return 0;
}

static void
fwd_run(struct fwd *f)
{
	int pfd = f->pev.fd, ufd = f->uev.fd;

	/* Nothing reaches a side that is gone: only what it sent moves. */
	if ((!(f->hup & HUP_UPSTREAM) && dir_pump(f, &f->d[UP], pfd, ufd,
	    f->hup & HUP_PEER) == -1) ||
	    (!(f->hup & HUP_PEER) && dir_pump(f, &f->d[DOWN], ufd, pfd,
	    f->hup & HUP_UPSTREAM) == -1)) {
		log_debug("%s: pid %ld uid %lu: forwarded connection reset",
		    lname(f), (long)f->peer.pid, (unsigned long)f->peer.uid);
		fwd_close(f);
		return;
	}
	/* Both ends passed on and nothing left, or nowhere to go: done. */
	if ((f->d[UP].shut && f->d[DOWN].shut) ||
	    (f->hup & HUP_PEER && (f->d[UP].shut || f->hup & HUP_UPSTREAM)) ||
	    (f->hup & HUP_UPSTREAM && f->d[DOWN].shut)) {
		fwd_close(f);
		return;
	}
	if (fwd_interest(f) == -1) {
		log_warn("%s: epoll_ctl", lname(f));
		fwd_close(f);
	}
}

static void	fwd_connected(struct upreq *, int, int);

/* Ask the connector for an upstream connection. */
static void
fwd_request(struct fwd *f)
{
	const struct listener_conf *lc = f->wl->wl_conf;

	f->asked_us = now_us();
	f->rq.upstream = lc->upstream_idx;
	f->rq.done = fwd_connected;
	if (upchan_ask(&f->rq) == -1) {
		metrics_fwd_fail(f->wl->wl_idx);
		fwd_log(f, "upstream: cannot reach the connector", errno);
		fwd_close(f);
		return;
	}
	f->state = F_CONNECTING;
	f->deadline = floop->now_ms + lc->upstream_timeout_ms +
	    FORWARD_CONNECTOR_GRACE_MS;
	/* Not read until the upstream is there: the peer waits. */
	if (loop_set(floop, &f->pev, 0) == -1) {
		log_warn("%s: epoll_ctl", lname(f));
		fwd_close(f);
	}
}

/* The connector's answer: the upstream (or why not) for request id. */
static void
fwd_connected(struct upreq *rq, int err, int fd)
{
	struct fwd *f = (struct fwd *)((char *)rq - offsetof(struct fwd, rq));
	const struct listener_conf *lc = f->wl->wl_conf;
	uint8_t hdr[PROXY_V2_LEN];
	int n;

	f->state = F_RELAY;	/* no longer F_CONNECTING: nothing to cancel */
	if (err != 0) {
		metrics_fwd_fail(f->wl->wl_idx);
		fwd_log(f, "upstream connect failed", err);
		fwd_close(f);
		return;
	}
	f->uev.fd = fd;
	f->uev.cb = upstream_event;
	if (loop_add(floop, &f->uev, 0, 0) == -1) {
		log_warn("%s: epoll_ctl", lname(f));
		f->uev.fd = -1;
		(void)close(fd);
		fwd_close(f);
		return;
	}
	metrics_fwd_conn(f->wl->wl_idx, now_us() - f->asked_us);
	f->state = F_RELAY;
	idle_refresh(f);
	if (lc->proxy_protocol == PROXY_V2) {
		n = proxy_v2_build(hdr, sizeof(hdr), lc->path, &f->peer);
		if (n < 0 || dir_queue(&f->d[UP], hdr, (size_t)n) == -1) {
			fwd_close(f);
			return;
		}
	}
	/* What followed the AUTH line goes first. */
	if (f->authlen > 0 && dir_queue(&f->d[UP], f->auth, f->authlen) == -1) {
		fwd_close(f);
		return;
	}
	if (f->auth != NULL) {
		explicit_bzero(f->auth, FORWARD_AUTH_MAX);
		free(f->auth);
		f->auth = NULL;
		f->authlen = 0;
	}
	log_debug("%s: pid %ld uid %lu forwarded", lname(f),
	    (long)f->peer.pid, (unsigned long)f->peer.uid);
	fwd_run(f);
}

/*
 * F_AUTH: collect the first line, "AUTH <token>", as echo does; refused
 * like an access denial. What follows the line is kept for the upstream.
 */
static void
fwd_auth(struct fwd *f)
{
	const struct listener_conf *lc = f->wl->wl_conf;
	const uint8_t *nl, *tok;
	char line[32];
	size_t linelen, toklen;
	const char *why = "missing";
	ssize_t n;

	n = recv(f->pev.fd, f->auth + f->authlen, FORWARD_AUTH_MAX -
	    f->authlen, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		f->authlen += (size_t)n;
	nl = memchr(f->auth, '\n', f->authlen);
	if (nl == NULL && n > 0 && f->authlen < FORWARD_AUTH_MAX)
		return;
	if (nl == NULL)
		goto deny;
	linelen = (size_t)(nl - f->auth);
	if (linelen > 0 && f->auth[linelen - 1] == '\r')
		linelen--;
	if (linelen < 5 || memcmp(f->auth, "AUTH ", 5) != 0)
		goto deny;
	why = "malformed";
	if (token_parse_auth_line(f->auth, linelen, &tok, &toklen) != 0)
		goto deny;
	why = "wrong";
	if (!token_check(tok, toklen, (const uint8_t (*)[POLICY_TOKEN_LEN])
	    lc->tokens, lc->ntokens))
		goto deny;
	linelen = (size_t)(nl - f->auth) + 1;
	explicit_bzero(f->auth, linelen);
	memmove(f->auth, f->auth + linelen, f->authlen - linelen);
	f->authlen -= linelen;
	fwd_request(f);
	return;
 deny:
	/* The one denial line of every service (rate-limited per uid). */
	(void)snprintf(line, sizeof(line), "%s token", why);
	conn_log_denial(f->wl, &f->peer, -1, line);
	metrics_deny(f->wl->wl_idx, DENY_TOKEN);
	fwd_close(f);
}

/* The peer's event has its own callback: it tells the two apart. */
static void
peer_event(struct loop_ev *ev, uint32_t events)
{
	struct fwd *f = (struct fwd *)((char *)ev - offsetof(struct fwd, pev));

	if (f->state == F_DEAD)
		return;
	if (events & (EPOLLHUP | EPOLLERR)) {
		if (f->state != F_RELAY) {
			fwd_close(f);	/* gone before its upstream came */
			return;
		}
		f->hup |= HUP_PEER;
	}
	if (f->state == F_AUTH)
		fwd_auth(f);
	else if (f->state == F_RELAY)
		fwd_run(f);
}

static void
upstream_event(struct loop_ev *ev, uint32_t events)
{
	struct fwd *f = (struct fwd *)((char *)ev - offsetof(struct fwd, uev));

	if (events & (EPOLLHUP | EPOLLERR))
		f->hup |= HUP_UPSTREAM;
	if (f->state == F_RELAY)
		fwd_run(f);
}

int
forward_start(struct wlistener *wl, int fd, const struct peer *peer,
    int uid_held)
{
	const struct listener_conf *lc = wl->wl_conf;
	struct fwd *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->pev.fd = fd;
	f->pev.cb = peer_event;
	f->uev.fd = -1;
	f->uev.cb = upstream_event;
	f->d[UP].pipe[0] = f->d[UP].pipe[1] = -1;
	f->d[DOWN].pipe[0] = f->d[DOWN].pipe[1] = -1;
	f->d[UP].up = 1;
	f->wl = wl;
	f->peer.pid = peer->pid;
	f->peer.uid = peer->uid;
	f->peer.gid = peer->gid;
	f->uid_held = uid_held;
	f->idle_ms = lc->lim.idle_timeout_ms;
	if (lc->ntokens > 0 && (f->auth = malloc(FORWARD_AUTH_MAX)) == NULL) {
		free(f);
		return -1;
	}
	if (loop_add(floop, &f->pev, lc->ntokens > 0 ? LOOP_IN : 0, 0) == -1) {
		free(f->auth);
		free(f);
		return -1;
	}
	f->next = fwds;
	if (fwds != NULL)
		fwds->prev = f;
	fwds = f;
	nfwd++;
	wl->wl_nconns++;
	if (lc->ntokens > 0) {
		f->state = F_AUTH;
		f->deadline = floop->now_ms + lc->lim.header_timeout_ms;
	} else
		fwd_request(f);
	return 0;
}

int
forward_adopt(struct wlistener *wl, int fd, int ufd, const struct peer *peer,
    int uid_held, const uint8_t *up, size_t uplen, const uint8_t *down,
    size_t downlen, uint32_t idle_ms, const struct forward_audit *audit)
{
	struct fwd *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto fail;
	if (audit != NULL && (f->audit = malloc(sizeof(*audit))) != NULL)
		memcpy(f->audit, audit, sizeof(*audit));
	f->pev.fd = fd;
	f->pev.cb = peer_event;
	f->uev.fd = ufd;
	f->uev.cb = upstream_event;
	f->d[UP].pipe[0] = f->d[UP].pipe[1] = -1;
	f->d[DOWN].pipe[0] = f->d[DOWN].pipe[1] = -1;
	f->d[UP].up = 1;
	f->wl = wl;
	f->peer.pid = peer->pid;
	f->peer.uid = peer->uid;
	f->peer.gid = peer->gid;
	f->uid_held = uid_held;
	f->idle_ms = idle_ms;
	f->state = F_RELAY;
	if (dir_queue(&f->d[UP], up, uplen) == -1 ||
	    dir_queue(&f->d[DOWN], down, downlen) == -1) {
		dir_free(&f->d[UP], 0);
		dir_free(&f->d[DOWN], 0);
		free(f->audit);
		free(f);
		goto fail;
	}
	if (loop_add(floop, &f->pev, 0, 0) == -1) {
		dir_free(&f->d[UP], 0);
		dir_free(&f->d[DOWN], 0);
		free(f->audit);
		free(f);
		goto fail;
	}
	if (loop_add(floop, &f->uev, 0, 0) == -1) {
		f->uev.fd = -1;
		(void)close(ufd);
		ufd = -1;
	}
	f->next = fwds;
	if (fwds != NULL)
		fwds->prev = f;
	fwds = f;
	nfwd++;
	wl->wl_nconns++;
	if (ufd == -1) {
		fwd_close(f);
		return -1;
	}
	idle_refresh(f);
	fwd_run(f);
	return 0;
 fail:
	(void)close(fd);
	(void)close(ufd);
	if (uid_held)
		metrics_uid_release(wl->wl_idx, peer->uid);
	metrics_conn_release(wl->wl_idx);
	return -1;
}

void
forward_sweep(uint64_t now)
{
	struct fwd *f, *next;

	for (f = fwds; f != NULL; f = next) {
		next = f->next;
		if (f->deadline == 0 || now < f->deadline)
			continue;
		metrics_timeout(f->wl->wl_idx);
		if (f->state == F_CONNECTING) {
			metrics_fwd_fail(f->wl->wl_idx);
			fwd_log(f, "upstream connect failed", ETIMEDOUT);
		} else if (f->state == F_AUTH)
			fwd_log(f, "no AUTH line in time", 0);
		else
			log_debug("%s: pid %ld uid %lu: idle timeout",
			    lname(f), (long)f->peer.pid,
			    (unsigned long)f->peer.uid);
		fwd_close(f);
	}
}

void
forward_setup(struct loop *l, int chan)
{
	floop = l;
	upchan_setup(l, chan);
}
