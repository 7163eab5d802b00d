/* SPDX-License-Identifier: ISC */
/* The monitor's side of connectors: start, supervise, hand out channels. */
#define _GNU_SOURCE	/* memfd_create, F_ADD_SEALS */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "connector.h"
#include "fdpass.h"
#include "log.h"
#include "loop.h"
#include "parent.h"
#include "parent_int.h"
#include "worker.h"

#define CBACKOFF_MIN_MS	100
#define CBACKOFF_MAX_MS	5000
#define NCHAN_MAX	(GEN_MAX * GEN_WORKERS_MAX)

/* One connector: upstream up of generation gi. */
struct cproc {
	struct loop_ev	 ev;		/* IPC socket; fd -1: none */
	int		 used;
	pid_t		 pid;		/* 0: not running */
	int		 ready;
	uint64_t	 respawn_at;
	uint64_t	 backoff_ms;
	const struct policy *pol;
	unsigned long	 gen_id;
	size_t		 up;
};

/*
 * The connector end of every worker's channel, kept here for the
 * worker's life: a restarted connector gets them all again, so workers
 * keep their channel across connector restarts.
 */
struct chan {
	int		 fd;		/* -1: free */
	int		 gi;
	size_t		 up;
};

static struct loop	*cploop;
static const struct parent_opts *copts;
static struct cproc	 cps[GEN_MAX][POLICY_MAX_UPSTREAMS];
static struct chan	 chans[NCHAN_MAX];

static void	cspawn(int gi, size_t up);

void
parent_connector_init(struct loop *l, const struct parent_opts *o)
{
	size_t i, j;

	cploop = l;
	copts = o;
	for (i = 0; i < GEN_MAX; i++)
		for (j = 0; j < POLICY_MAX_UPSTREAMS; j++)
			cps[i][j].ev.fd = -1;
	for (i = 0; i < NCHAN_MAX; i++)
		chans[i].fd = -1;
}

static const char *
cname(const struct cproc *c)
{
	return c->pol->upstreams[c->up].name;
}

/* Hand one channel to a running connector; a dead one gets it later. */
static void
send_channel(struct cproc *c, int fd)
{
	char tag = CONNECTOR_MSG_CHANNEL;

	if (c->pid == 0 || c->ev.fd == -1)
		return;
	if (fdpass_send(c->ev.fd, &tag, 1, fd, MSG_NOSIGNAL) != 1) {
		/* It cannot serve this worker: restart it, it gets all. */
		log_warn("connector %s: handing over a channel; restarting it",
		    cname(c));
		(void)kill(c->pid, SIGKILL);
	}
}

int
parent_connector_channel(int gi, size_t up, int *chan_id)
{
	int sv[2];
	size_t i;

	*chan_id = -1;
	for (i = 0; i < NCHAN_MAX && chans[i].fd != -1; i++)
		;
	if (i == NCHAN_MAX) {
		log_warnx("no free channel entry");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	chans[i].fd = sv[1];
	chans[i].gi = gi;
	chans[i].up = up;
	send_channel(&cps[gi][up], sv[1]);
	*chan_id = (int)i;
	return sv[0];
}

void
parent_connector_channel_close(int chan_id)
{
	if (chan_id < 0 || chan_id >= NCHAN_MAX || chans[chan_id].fd == -1)
		return;
	(void)close(chans[chan_id].fd);
	chans[chan_id].fd = -1;
}

/*
 * A connector's records: through log_worker_record(), like a worker's
 * (priority clamped, bytes escaped, prefixed with who the parent knows
 * it is), at most 64 a turn.
 */
static void
cipc_event(struct loop_ev *ev, uint32_t events)
{
	struct cproc *c = (struct cproc *)((char *)ev -
	    offsetof(struct cproc, ev));
	char rec[1200], who[32 + POLICY_NAME_MAX];
	ssize_t n;
	int i;

	(void)events;
	for (i = 0; i < 64; i++) {
		n = recv(ev->fd, rec, sizeof(rec), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			(void)loop_del(cploop, ev);
			(void)close(ev->fd);
			ev->fd = -1;
			return;
		}
		if (rec[0] == WORKER_MSG_READY && n == 1) {
			c->ready = 1;
			c->backoff_ms = CBACKOFF_MIN_MS;
			log_debug("connector %s (generation %lu) ready, pid %ld",
			    cname(c), c->gen_id, (long)c->pid);
			continue;
		}
		(void)snprintf(who, sizeof(who), "connector %s pid %ld",
		    cname(c), (long)c->pid);
		log_worker_record(who, rec, (size_t)n);
	}
}

/* The sealed memfd with what this connector may know: its upstream. */
static int
make_conf(const struct cproc *c)
{
	struct connector_conf *cc;
	int fd = -1;

	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		return -1;
	cc->magic = CONNECTOR_MAGIC;
	cc->size = sizeof(*cc);
	cc->idx = (uint32_t)c->up;
	cc->nofile = c->pol->nofile;
	memcpy(&cc->up, &c->pol->upstreams[c->up], sizeof(cc->up));
	memcpy(cc->file, c->pol->file, sizeof(cc->file));
	fd = memfd_create("uds-gateway-connector", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING);
	if (fd == -1 || write(fd, cc, sizeof(*cc)) != (ssize_t)sizeof(*cc) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE) == -1) {
		log_warn("connector configuration memfd");
		if (fd != -1)
			(void)close(fd);
		fd = -1;
	}
	free(cc);
	return fd;
}

static void
child_exec(const struct cproc *c, int ipc, int conf)
{
	char idx[16], name[16 + POLICY_NAME_MAX];
	char *argv[8];
	int t_ipc, t_conf, t_root = -1, fd, argc = 0;
	int root = parent_worker_chroot_fd();
	sigset_t set;

	/* The jail only for a TCP upstream: a Unix one needs its path. */
	if (c->pol->upstreams[c->up].kind != UP_TCP)
		root = -1;
	if ((t_ipc = fcntl(ipc, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (t_conf = fcntl(conf, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (root != -1 && (t_root = fcntl(root, F_DUPFD_CLOEXEC, 10)) == -1) ||
	    dup2(t_ipc, CONNECTOR_FD_IPC) == -1 ||
	    dup2(t_conf, CONNECTOR_FD_CONF) == -1 ||
	    (t_root != -1 && dup2(t_root, CONNECTOR_FD_CHROOT) == -1))
		_exit(127);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(fd, 0) == -1 || dup2(fd, 1) == -1 ||
	    dup2(CONNECTOR_FD_IPC, 2) == -1)
		_exit(127);
	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	(void)snprintf(idx, sizeof(idx), "%zu", c->up);
	(void)snprintf(name, sizeof(name), "uds-gw-c:%s", cname(c));
	argv[argc++] = name;
	argv[argc++] = (char *)"--connector";
	argv[argc++] = idx;
	if (log_level() >= LOG_DEBUG)
		argv[argc++] = (char *)"-d";
	if (copts->worker_flags & WORKER_F_SECCOMP_DEBUG)
		argv[argc++] = (char *)"--seccomp-debug";
#ifdef GW_SANITIZER_BUILD
	if (copts->worker_flags & WORKER_F_NO_SECCOMP)
		argv[argc++] = (char *)"--no-seccomp";
#endif
	argv[argc] = NULL;
	execv("/proc/self/exe", argv);
	_exit(127);
}

static void
cschedule(struct cproc *c)
{
	c->respawn_at = loop_clock_ms() + c->backoff_ms;
	log_info("restarting connector %s in %llu ms", cname(c),
	    (unsigned long long)c->backoff_ms);
	c->backoff_ms = c->backoff_ms * 2 > CBACKOFF_MAX_MS ?
	    CBACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void
cspawn(int gi, size_t up)
{
	struct cproc *c = &cps[gi][up];
	int sv[2], conf;
	pid_t pid;
	size_t i;

	c->respawn_at = 0;
	c->ready = 0;
	if ((conf = make_conf(c)) == -1) {
		cschedule(c);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("connector %s: socketpair", cname(c));
		(void)close(conf);
		cschedule(c);
		return;
	}
	if ((pid = fork()) == -1) {
		log_warn("connector %s: fork", cname(c));
		(void)close(sv[0]);
		(void)close(sv[1]);
		(void)close(conf);
		cschedule(c);
		return;
	}
	if (pid == 0)
		child_exec(c, sv[1], conf);
	(void)close(sv[1]);
	(void)close(conf);
	c->pid = pid;
	c->ev.cb = cipc_event;
	c->ev.fd = sv[0];
	if (loop_add(cploop, &c->ev, EPOLLIN, 0) == -1) {
		log_warn("connector %s: epoll_ctl", cname(c));
		(void)close(sv[0]);
		c->ev.fd = -1;
		(void)kill(pid, SIGKILL);	/* reaped, then restarted */
		return;
	}
	log_debug("connector %s (generation %lu) started, pid %ld", cname(c),
	    c->gen_id, (long)pid);
	/* Every live worker's channel: they queue until it is ready. */
	for (i = 0; i < NCHAN_MAX; i++)
		if (chans[i].fd != -1 && chans[i].gi == gi &&
		    chans[i].up == up)
			send_channel(c, chans[i].fd);
}

void
parent_connector_gen_start(int gi, const struct policy *p,
    unsigned long gen_id)
{
	struct cproc *c;
	size_t up;

	for (up = 0; up < p->nupstreams; up++) {
		c = &cps[gi][up];
		memset(c, 0, sizeof(*c));
		c->ev.fd = -1;
		c->used = 1;
		c->pol = p;
		c->gen_id = gen_id;
		c->up = up;
		c->backoff_ms = CBACKOFF_MIN_MS;
		cspawn(gi, up);
	}
}

void
parent_connector_gen_free(int gi)
{
	struct cproc *c;
	size_t up, i;

	for (up = 0; up < POLICY_MAX_UPSTREAMS; up++) {
		c = &cps[gi][up];
		if (!c->used)
			continue;
		if (c->pid > 0 && kill(c->pid, SIGTERM) == -1 &&
		    errno != ESRCH)
			log_warn("kill connector %ld", (long)c->pid);
		if (c->ev.fd != -1) {
			(void)loop_del(cploop, &c->ev);
			(void)close(c->ev.fd);
		}
		/* Its pid is reaped (and ignored) by the SIGCHLD handler. */
		memset(c, 0, sizeof(*c));
		c->ev.fd = -1;
	}
	for (i = 0; i < NCHAN_MAX; i++)
		if (chans[i].fd != -1 && chans[i].gi == gi)
			parent_connector_channel_close((int)i);
}

int
parent_connector_reaped(pid_t pid, int status, int stopping)
{
	struct cproc *c;
	size_t gi, up;

	for (gi = 0; gi < GEN_MAX; gi++)
		for (up = 0; up < POLICY_MAX_UPSTREAMS; up++) {
			c = &cps[gi][up];
			if (!c->used || c->pid != pid)
				continue;
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
				log_prio(LOG_ERR, "connector %s pid %ld killed "
				    "by SIGSYS: sandbox violation (seccomp)",
				    cname(c), (long)pid);
			else if (WIFSIGNALED(status))
				log_prio(LOG_ERR, "connector %s pid %ld killed "
				    "by signal %d (%s)", cname(c), (long)pid,
				    WTERMSIG(status),
				    strsignal(WTERMSIG(status)));
			else
				log_prio(LOG_ERR, "connector %s pid %ld exited "
				    "with status %d", cname(c), (long)pid,
				    WEXITSTATUS(status));
			if (c->ev.fd != -1) {
				(void)loop_del(cploop, &c->ev);
				(void)close(c->ev.fd);
				c->ev.fd = -1;
			}
			c->pid = 0;
			if (!stopping)
				cschedule(c);
			return 1;
		}
	return 0;
}

void
parent_connector_tick(uint64_t now)
{
	size_t gi, up;

	for (gi = 0; gi < GEN_MAX; gi++)
		for (up = 0; up < POLICY_MAX_UPSTREAMS; up++)
			if (cps[gi][up].used && cps[gi][up].pid == 0 &&
			    cps[gi][up].respawn_at != 0 &&
			    now >= cps[gi][up].respawn_at)
				cspawn((int)gi, up);
}

void
parent_connector_signal_all(int sig)
{
	size_t gi, up;

	for (gi = 0; gi < GEN_MAX; gi++)
		for (up = 0; up < POLICY_MAX_UPSTREAMS; up++)
			if (cps[gi][up].used && cps[gi][up].pid > 0)
				(void)kill(cps[gi][up].pid, sig);
}
