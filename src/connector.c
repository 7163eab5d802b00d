/* SPDX-License-Identifier: ISC */
/* The connector: upstream connections for workers, handed over as fds. */
#define _GNU_SOURCE	/* MSG_CMSG_CLOEXEC */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "connector.h"
#include "fwd_proto.h"
#include "fdpass.h"
#include "log.h"
#include "loop.h"
#include "privdrop.h"
#include "sandbox.h"
#include "worker.h"

#define TICK_MS		50
#define UNIX_RETRY_MS	50	/* a full Unix backlog: try again */

struct answer;

struct channel {
	struct loop_ev	 ev;
	struct channel	*prev, *next;
	unsigned int	 bad;
	unsigned int	 pending;
	struct answer	*q, **qtail;	/* answers waiting for room */
};

/* An answer the worker's full channel could not take yet. */
struct answer {
	struct answer	*next;
	uint64_t	 id;
	int		 err;
	int		 fd;		/* err 0: the connection */
};

struct pending {
	struct loop_ev	 ev;		/* the connecting socket; -1: waiting */
	struct pending	*prev, *next;
	struct channel	*ch;		/* NULL once the channel is gone */
	uint64_t	 id;
	uint64_t	 deadline;
	uint64_t	 retry_at;	/* Unix backlog full: next attempt */
};

static struct connector_conf	 conf;
static struct loop		 cloop;
static struct loop_ev		 ipc_ev;
static struct channel		*channels;
static struct pending		*pendings;
static size_t			 npending;
static struct sockaddr_storage	 addr;
static socklen_t		 addrlen;
static int			 family;

static void	channel_event(struct loop_ev *, uint32_t);
static void	pending_event(struct loop_ev *, uint32_t);

static void
load_conf(void)
{
	ssize_t n;

	n = pread(CONNECTOR_FD_CONF, &conf, sizeof(conf), 0);
	if (n != (ssize_t)sizeof(conf) || conf.magic != CONNECTOR_MAGIC ||
	    conf.size != sizeof(conf) || conf.up.kind == UP_NONE ||
	    memchr(conf.up.path, '\0', sizeof(conf.up.path)) == NULL ||
	    memchr(conf.up.name, '\0', sizeof(conf.up.name)) == NULL ||
	    conf.up.ngroups > POLICY_MAX_UPGROUPS)
		fatalx("connector: bad configuration from the parent");
	if (close(CONNECTOR_FD_CONF) == -1)
		fatal("close conf fd");
}

/* The upstream's address, built once: connect() is all that is left. */
static void
make_addr(void)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&addr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr;
	size_t len;

	memset(&addr, 0, sizeof(addr));
	if (conf.up.kind == UP_UNIX) {
		/* Bounded: the blob is checked, not trusted to be a string. */
		len = strnlen(conf.up.path, sizeof(conf.up.path));
		if (len == 0 || len == sizeof(conf.up.path) ||
		    len >= sizeof(sun->sun_path))
			fatalx("connector: bad upstream path");
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, conf.up.path, len + 1);
		addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len + 1);
		family = AF_UNIX;
	} else if (conf.up.family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(conf.up.port);
		memcpy(&sin->sin_addr, conf.up.addr, 4);
		addrlen = sizeof(*sin);
		family = AF_INET;
	} else if (conf.up.family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(conf.up.port);
		memcpy(&sin6->sin6_addr, conf.up.addr, 16);
		addrlen = sizeof(*sin6);
		family = AF_INET6;
	} else
		fatalx("connector: bad upstream address family");
}

static void
channel_close(struct channel *ch)
{
	struct pending *p;

	struct answer *a;

	for (p = pendings; p != NULL; p = p->next)
		if (p->ch == ch)
			p->ch = NULL;	/* finish, then drop the result */
	while ((a = ch->q) != NULL) {
		ch->q = a->next;
		if (a->fd != -1)
			(void)close(a->fd);
		free(a);
	}
	(void)loop_del(&cloop, &ch->ev);
	(void)close(ch->ev.fd);
	if (ch->prev != NULL)
		ch->prev->next = ch->next;
	else
		channels = ch->next;
	if (ch->next != NULL)
		ch->next->prev = ch->prev;
	free(ch);
}

/*
 * Send one answer: err 0 with fd, or an errno. 1 sent (fd may be
 * closed), 0 the channel is full, -1 it failed for good.
 */
static int
send_answer(struct channel *ch, uint64_t id, int err, int fd)
{
	struct fwd_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.magic = FWD_REP_MAGIC;
	rep.error = err;
	rep.id = id;
	if (fdpass_send(ch->ev.fd, &rep, sizeof(rep), err == 0 ? fd : -1,
	    MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(rep))
		return 1;
	if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
		return 0;
	log_debug("connector %s: answer to a worker lost: %s", conf.up.name,
	    strerror(errno));
	return -1;
}

/*
 * Answer in order: behind queued answers, or queued when the channel is
 * full (a burst beyond the socket's queue). The queue holds at most
 * CONNECTOR_PENDING_MAX answers in all, as the requests did; the
 * descriptor is ours until sent (fd is always consumed here).
 */
static void
reply(struct channel *ch, uint64_t id, int err, int fd)
{
	struct answer *a;
	int r = 0;

	if (ch->q == NULL && (r = send_answer(ch, id, err, fd)) != 0) {
		if (fd != -1)
			(void)close(fd);
		return;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		if (fd != -1)
			(void)close(fd);
		return;		/* the worker's timeout closes its peer */
	}
	a->id = id;
	a->err = err;
	a->fd = fd;
	if (ch->q == NULL) {
		ch->q = a;
		/* No more requests from it until it reads its answers. */
		if (loop_set(&cloop, &ch->ev, LOOP_OUT) == -1)
			fatal("epoll_ctl channel");
	} else
		*ch->qtail = a;
	ch->qtail = &a->next;
}

/* The channel has room: send the queued answers, oldest first. */
static void
flush_answers(struct channel *ch)
{
	struct answer *a;

	while ((a = ch->q) != NULL) {
		if (send_answer(ch, a->id, a->err, a->fd) == 0)
			return;
		ch->q = a->next;
		if (a->fd != -1)
			(void)close(a->fd);
		free(a);
	}
	if (loop_set(&cloop, &ch->ev, LOOP_IN) == -1)
		fatal("epoll_ctl channel");
}

static void
pending_free(struct pending *p)
{
	if (p->ev.fd != -1)
		(void)close(p->ev.fd);	/* and out of the epoll set */
	if (p->ch != NULL)
		p->ch->pending--;
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		pendings = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	npending--;
	free(p);
}

/* Done with p: hand over its socket (err 0) or say why not. */
static void
pending_done(struct pending *p, int err)
{
	if (p->ev.fd != -1 && p->ev.mask != 0)
		(void)loop_del(&cloop, &p->ev);
	if (p->ch != NULL) {
		reply(p->ch, p->id, err, err == 0 ? p->ev.fd : -1);
		if (err == 0)
			p->ev.fd = -1;	/* reply() has it now */
	}
	pending_free(p);
}

/*
 * One connect attempt. 0: connected or in progress (p->ev.fd set); an
 * errno: failed for good. A Unix socket with a full backlog says
 * EAGAIN at once, which is not final: try again until the deadline.
 */
static int
attempt(struct pending *p)
{
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return errno;
	if (connect(fd, (struct sockaddr *)&addr, addrlen) == 0) {
		p->ev.fd = fd;
		pending_done(p, 0);
		return -1;	/* p is gone */
	}
	if (errno == EINPROGRESS) {
		p->ev.fd = fd;
		p->ev.cb = pending_event;
		if (loop_add(&cloop, &p->ev, LOOP_OUT, 0) == -1) {
			p->ev.fd = -1;
			(void)close(fd);
			return errno;
		}
		return 0;
	}
	(void)close(fd);
	if (errno == EAGAIN && family == AF_UNIX) {
		p->retry_at = cloop.now_ms + UNIX_RETRY_MS;
		return 0;
	}
	return errno;
}

static void
pending_event(struct loop_ev *ev, uint32_t events)
{
	struct pending *p = (struct pending *)((char *)ev -
	    offsetof(struct pending, ev));
	socklen_t len = sizeof(int);
	int err = 0;

	(void)events;
	if (getsockopt(ev->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == EINPROGRESS)
		return;
	pending_done(p, err);
}

/* A bad request: refused, logged, and too many close the channel. */
static int
refuse(struct channel *ch, uint64_t id, int haveid, const char *why)
{
	log_warnx("connector %s: refused a request: %s", conf.up.name, why);
	if (haveid)
		reply(ch, id, EPERM, -1);
	if (++ch->bad >= CONNECTOR_BAD_MAX) {
		log_warnx("connector %s: closing a channel after %u refused "
		    "requests", conf.up.name, ch->bad);
		channel_close(ch);
		return -1;
	}
	return 0;
}

static void
request(struct channel *ch, const struct fwd_req *rq)
{
	struct pending *p;
	int err;

	if (npending >= CONNECTOR_PENDING_MAX) {
		reply(ch, rq->id, EAGAIN, -1);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		reply(ch, rq->id, ENOMEM, -1);
		return;
	}
	p->ev.fd = -1;
	p->ch = ch;
	p->id = rq->id;
	p->deadline = cloop.now_ms + conf.up.connect_timeout_ms;
	p->next = pendings;
	if (pendings != NULL)
		pendings->prev = p;
	pendings = p;
	npending++;
	ch->pending++;
	if ((err = attempt(p)) > 0)
		pending_done(p, err);
}

/* Read one record; -1 when the channel is gone (closed here). */
static int
channel_read(struct channel *ch)
{
	struct fwd_req rq;
	char raw[sizeof(rq) + 1];
	ssize_t n;
	int fd, bad;

	n = fdpass_recv(ch->ev.fd, raw, sizeof(raw), MSG_DONTWAIT |
	    MSG_CMSG_CLOEXEC, &fd, &bad);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		channel_close(ch);
		return -1;
	}
	/* Descriptors have no business here: close them, refuse. */
	if (fd != -1)
		(void)close(fd);
	if ((size_t)n != sizeof(rq) || bad)
		return refuse(ch, 0, 0, "not a request record (size)");
	memcpy(&rq, raw, sizeof(rq));
	if (fd != -1)
		return refuse(ch, rq.id, 1, "descriptors attached");
	if (rq.magic != FWD_REQ_MAGIC)
		return refuse(ch, rq.id, 1, "bad magic");
	if (rq.upstream != conf.idx)
		return refuse(ch, rq.id, 1, "another upstream's index (a "
		    "worker may ask only for its own listener's upstream)");
	request(ch, &rq);
	return 0;
}

static void
channel_event(struct loop_ev *ev, uint32_t events)
{
	struct channel *ch = (struct channel *)((char *)ev -
	    offsetof(struct channel, ev));
	int i;

	if (events & EPOLLOUT) {
		flush_answers(ch);
		/* Requests wait while answers do: back-pressure. */
		if (ch->q != NULL)
			return;
	}
	/* A bounded batch: one busy worker must not starve the others. */
	for (i = 0; i < 64 && ch->q == NULL; i++)
		if (channel_read(ch) != 0)
			return;
}

/* The parent hands over a worker's channel. */
static void
ipc_event(struct loop_ev *ev, uint32_t events)
{
	struct channel *ch;
	char tag = 0;
	ssize_t n;
	int fd = -1, bad;

	(void)events;
	n = fdpass_recv(ev->fd, &tag, 1, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, &fd,
	    &bad);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		_exit(0);	/* the parent is gone: so are we */
	if (tag != CONNECTOR_MSG_CHANNEL || fd == -1)
		fatalx("connector: bad record from the parent");
	if ((ch = calloc(1, sizeof(*ch))) == NULL) {
		log_warnx("connector %s: out of memory for a channel",
		    conf.up.name);
		(void)close(fd);
		return;
	}
	ch->ev.fd = fd;
	ch->ev.cb = channel_event;
	ch->qtail = &ch->q;
	if (loop_add(&cloop, &ch->ev, LOOP_IN, 0) == -1) {
		log_warn("connector %s: epoll_ctl channel", conf.up.name);
		(void)close(fd);
		free(ch);
		return;
	}
	ch->next = channels;
	if (channels != NULL)
		channels->prev = ch;
	channels = ch;
}

/* connect_timeout, and retries on a full Unix backlog. */
static void
tick(void)
{
	struct pending *p, *next;
	int err;

	for (p = pendings; p != NULL; p = next) {
		next = p->next;
		if (cloop.now_ms >= p->deadline) {
			pending_done(p, ETIMEDOUT);
			continue;
		}
		if (p->ev.fd == -1 && p->retry_at != 0 &&
		    cloop.now_ms >= p->retry_at) {
			p->retry_at = 0;
			if ((err = attempt(p)) > 0)
				pending_done(p, err);
		}
	}
}

void
connector_main(int idx, int flags)
{
	struct privdrop pd;
	struct sigaction sa;
	int keep[2];
	char ready = WORKER_MSG_READY, comm[16];
	pid_t parent = getppid();

	log_set_sink(LOG_SINK_IPC, CONNECTOR_FD_IPC);
	load_conf();
	if (conf.idx != (uint32_t)idx)
		fatalx("connector: index %d, configuration for %u", idx,
		    conf.idx);
	make_addr();
	memcpy(comm, "uds-gw-c:", 9);
	gw_strlcpy(comm + 9, conf.up.name, sizeof(comm) - 9);
	(void)prctl(PR_SET_NAME, comm, 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		fatal("sigaction");

	keep[0] = CONNECTOR_FD_IPC;
	keep[1] = CONNECTOR_FD_CHROOT;
	privdrop_close_fds_except(keep, conf.up.kind == UP_TCP &&
	    geteuid() == 0 ? 2 : 1);
	memset(&pd, 0, sizeof(pd));
	pd.uid = conf.up.uid;
	pd.gid = conf.up.gid;
	pd.groups = conf.up.gids;
	pd.ngroups = conf.up.ngroups;
	pd.change_ids = geteuid() == 0;
	/*
	 * A Unix upstream is a path: no chroot, but its own network
	 * namespace (a path is reached from any), so that it can reach no
	 * TCP port and no abstract socket of the host. A TCP upstream
	 * needs no file system: the workers' empty chroot.
	 */
	pd.chroot_fd = conf.up.kind == UP_TCP && geteuid() == 0 ?
	    CONNECTOR_FD_CHROOT : -1;
	pd.no_chroot = conf.up.kind == UP_UNIX;
	pd.try_unshare = conf.up.kind == UP_UNIX;
	pd.nofile = conf.nofile;
	pd.parent = parent;
	privdrop_apply(&pd);

	if (loop_init(&cloop) == -1)
		fatal("epoll_create1");
	ipc_ev.cb = ipc_event;
	ipc_ev.fd = CONNECTOR_FD_IPC;
	if (loop_add(&cloop, &ipc_ev, LOOP_IN, 0) == -1)
		fatal("epoll_ctl ipc");
	sandbox_select(SANDBOX_CONNECTOR, family);
#ifdef GW_SANITIZER_BUILD
	if (flags & WORKER_F_NO_SECCOMP)
		log_warnx("connector %s: seccomp disabled", conf.up.name);
	else
#endif
		sandbox_apply(flags & WORKER_F_SECCOMP_DEBUG ?
		    SANDBOX_DEBUG : SANDBOX_ENFORCE, CONNECTOR_FD_IPC);
	if (send(CONNECTOR_FD_IPC, &ready, 1, MSG_NOSIGNAL) != 1)
		_exit(0);
	for (;;) {
		if (loop_once(&cloop, TICK_MS) == -1)
			fatal("epoll_wait");
		tick();
	}
}
