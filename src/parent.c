/* SPDX-License-Identifier: ISC */
/* The privileged monitor: sockets, workers, signals (after httpd proc.c). */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "notify.h"
#include "parent.h"
#include "privdrop.h"
#include "sock.h"
#include "worker.h"

#define START_FAIL_BUDGET	5	/* consecutive start-up deaths */
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000

struct wproc {
	struct loop_ev	 ev;		/* IPC socket */
	pid_t		 pid;		/* 0: slot free */
	int		 ready;
	uint64_t	 respawn_at;	/* slot waiting for a restart */
};

static struct policy		*pol;
static const struct parent_opts	*opts;
static struct loop		 ploop;
static struct gw_sock		 socks[POLICY_MAX_LISTENERS];
static struct wproc		 wp[POLICY_MAX_WORKERS];
static size_t			 nworkers;
static int			 policy_fd = -1, metrics_fd = -1;
static struct metrics_shm	*shm;
static struct loop_ev		 sig_ev;
static int			 stopping;	/* 1 graceful, 2 fast */
static uint64_t			 stop_deadline;
static int			 announced;
static int			 start_failures;
static uint64_t			 backoff_ms = BACKOFF_MIN_MS;

static void	spawn(size_t);

static size_t
worker_count(const struct policy *p)
{
	long n;

	if (p->workers > 0)
		return p->workers;
	/* Counted once, in the parent; the worker never calls sysconf. */
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > POLICY_MAX_WORKERS)
		n = POLICY_MAX_WORKERS;
	return (size_t)n;
}

/*
 * The workers' chroot: an empty directory that only root can write,
 * made like sshd's privilege separation directory.
 */
static void
prepare_chroot(void)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (geteuid() != 0)
		return;
	if (mkdir("/run/uds-gateway", 0755) == -1 && errno != EEXIST)
		fatal("mkdir /run/uds-gateway");
	if (mkdir(GW_CHROOT_DIR, 0555) == -1 && errno != EEXIST)
		fatal("mkdir %s", GW_CHROOT_DIR);
	if (lstat(GW_CHROOT_DIR, &st) == -1)
		fatal("lstat %s", GW_CHROOT_DIR);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx("%s must be a directory owned by root and not group "
		    "or world writable", GW_CHROOT_DIR);
	if ((d = opendir(GW_CHROOT_DIR)) == NULL)
		fatal("opendir %s", GW_CHROOT_DIR);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			fatalx("%s must be empty (found %s)", GW_CHROOT_DIR,
			    de->d_name);
	(void)closedir(d);
}

/* Seal the policy into a memfd every worker reads once. */
static void
make_shared(void)
{
	void *m;

	policy_fd = memfd_create("uds-gateway-policy",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (policy_fd == -1)
		fatal("memfd_create");
	if (write(policy_fd, pol, sizeof(*pol)) != (ssize_t)sizeof(*pol))
		fatal("write policy memfd");
	if (fcntl(policy_fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE) == -1)
		fatal("seal policy memfd");
	metrics_fd = memfd_create("uds-gateway-metrics", MFD_CLOEXEC);
	if (metrics_fd == -1)
		fatal("memfd_create");
	if (ftruncate(metrics_fd, sizeof(struct metrics_shm)) == -1)
		fatal("ftruncate metrics memfd");
	m = mmap(NULL, sizeof(struct metrics_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED, metrics_fd, 0);
	if (m == MAP_FAILED)
		fatal("mmap metrics");
	shm = m;
	shm->magic = POLICY_MAGIC;
	shm->nlisteners = (uint32_t)pol->nlisteners;
}

/* In the child: put every descriptor where the worker expects it. */
static void
child_exec(size_t slot, int ipc)
{
	int src[3 + POLICY_MAX_LISTENERS], tmp[3 + POLICY_MAX_LISTENERS];
	char idx[16];
	char *argv[6];
	int n = 0, i, fd, argc = 0;
	sigset_t set;

	src[n++] = ipc;
	src[n++] = policy_fd;
	src[n++] = metrics_fd;
	for (i = 0; i < (int)pol->nlisteners; i++)
		src[n++] = socks[i].s_fd;
	/* Lift everything above the target range first, then place it. */
	for (i = 0; i < n; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3 + n)) == -1)
			_exit(127);
	for (i = 0; i < n; i++)
		if (dup2(tmp[i], WORKER_FD_IPC + i) == -1)
			_exit(127);
	/*
	 * stdin and stdout: /dev/null. stderr: the IPC socket, so that what
	 * glibc writes there before an abort ("stack smashing detected")
	 * reaches the parent's log as a record; a file would not do, as the
	 * worker's RLIMIT_FSIZE is 0.
	 */
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(fd, 0) == -1 || dup2(fd, 1) == -1 ||
	    dup2(WORKER_FD_IPC, 2) == -1)
		_exit(127);
	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	(void)snprintf(idx, sizeof(idx), "%zu", slot);
	argv[argc++] = (char *)"uds-gateway-worker";
	argv[argc++] = (char *)"--worker";
	argv[argc++] = idx;
	if (opts->worker_flags & WORKER_F_SECCOMP_DEBUG)
		argv[argc++] = (char *)"--seccomp-debug";
	if (opts->worker_flags & WORKER_F_NO_SECCOMP)
		argv[argc++] = (char *)"--no-seccomp";
	argv[argc] = NULL;
	/* A fresh address space and ASLR layout for every worker. */
	execv("/proc/self/exe", argv);
	_exit(127);
}

static void	ipc_event(struct loop_ev *, uint32_t);

static void
spawn(size_t slot)
{
	struct wproc *w = &wp[slot];
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0)
		child_exec(slot, sv[1]);
	if (close(sv[1]) == -1)
		fatal("close");
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->ev.cb = ipc_event;
	w->ev.fd = sv[0];
	if (loop_add(&ploop, &w->ev, EPOLLIN, 0) == -1)
		fatal("epoll_ctl");
	log_debug("worker %zu started, pid %ld", slot, (long)pid);
}

static void
check_ready(void)
{
	size_t i;
	char msg[128];

	if (announced || stopping)
		return;
	for (i = 0; i < nworkers; i++)
		if (!wp[i].ready)
			return;
	announced = 1;
	log_info("ready: %zu worker%s sandboxed, %zu listener%s", nworkers,
	    nworkers == 1 ? "" : "s", pol->nlisteners,
	    pol->nlisteners == 1 ? "" : "s");
	(void)snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%zu workers, "
	    "%zu listeners", nworkers, pol->nlisteners);
	if (notify_send(msg) == -1)
		log_warn("sd_notify");
}

/* The worker says it is sandboxed: believe /proc, not the worker. */
static void
worker_ready(struct wproc *w)
{
	char why[256];

	if (privdrop_verify_status(w->pid, pol->uid, pol->gid, why,
	    sizeof(why)) == -1) {
		if (geteuid() == 0 && !(opts->worker_flags &
		    WORKER_F_NO_SECCOMP))
			fatalx("worker pid %ld is not sandboxed as required: "
			    "%s", (long)w->pid, why);
		log_info("worker pid %ld: %s (expected when not root)",
		    (long)w->pid, why);
	}
	w->ready = 1;
	start_failures = 0;
	backoff_ms = BACKOFF_MIN_MS;
	check_ready();
}

static void
ipc_event(struct loop_ev *ev, uint32_t events)
{
	struct wproc *w = (struct wproc *)((char *)ev -
	    offsetof(struct wproc, ev));
	char rec[1200];
	ssize_t n;

	for (;;) {
		n = recv(ev->fd, rec, sizeof(rec) - 1, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* Worker gone; SIGCHLD does the bookkeeping. */
			(void)loop_del(&ploop, ev);
			(void)close(ev->fd);
			ev->fd = -1;
			return;
		}
		rec[n] = '\0';
		if (rec[0] == WORKER_MSG_READY && n == 1)
			worker_ready(w);
		else if (rec[0] >= '0' && rec[0] <= '7')
			log_prio(rec[0] - '0', "worker %ld: %s", (long)w->pid,
			    rec + 1);
		else	/* raw text on the worker's stderr, e.g. from glibc */
			log_prio(LOG_ERR, "worker %ld: %s", (long)w->pid,
			    rec);
	}
	(void)events;
}

static void
describe_death(pid_t pid, int status, int ready)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		log_prio(LOG_ERR, "worker %ld killed by SIGSYS: sandbox "
		    "violation (seccomp). The kernel audit log names the "
		    "system call (syscall=N); --seccomp-debug makes the "
		    "worker name it", (long)pid);
	else if (WIFSIGNALED(status))
		log_prio(LOG_ERR, "worker %ld killed by signal %d (%s)%s",
		    (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
		    ready ? "" : " during start-up");
	else if (WEXITSTATUS(status) != 0 || !stopping)
		log_prio(stopping ? LOG_INFO : LOG_ERR, "worker %ld exited "
		    "with status %d%s", (long)pid, WEXITSTATUS(status),
		    ready ? "" : " during start-up");
}

static void
reap(void)
{
	pid_t pid;
	int status;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nworkers; i++)
			if (wp[i].pid == pid)
				break;
		if (i == nworkers)
			continue;
		describe_death(pid, status, wp[i].ready);
		if (wp[i].ev.fd != -1) {
			(void)loop_del(&ploop, &wp[i].ev);
			(void)close(wp[i].ev.fd);
		}
		wp[i].pid = 0;
		if (stopping)
			continue;
		if (!wp[i].ready && ++start_failures >= START_FAIL_BUDGET)
			fatalx("workers died %d times in a row during start-up;"
			    " giving up", start_failures);
		/* Listening sockets stay open here: peers wait meanwhile. */
		wp[i].respawn_at = ploop.now_ms + backoff_ms;
		log_info("restarting worker slot %zu in %llu ms", i,
		    (unsigned long long)backoff_ms);
		if (!wp[i].ready || backoff_ms < BACKOFF_MAX_MS / 2)
			backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : backoff_ms * 2;
	}
}

static void
signal_workers(int sig)
{
	size_t i;

	for (i = 0; i < nworkers; i++)
		if (wp[i].pid > 0 && kill(wp[i].pid, sig) == -1 &&
		    errno != ESRCH)
			log_warn("kill %ld", (long)wp[i].pid);
}

static void
status_line(void)
{
	size_t i, alive = 0;
	unsigned long long open = 0, total = 0;

	for (i = 0; i < nworkers; i++)
		alive += wp[i].pid > 0;
	for (i = 0; i < pol->nlisteners; i++) {
		open += shm->l[i].conn_open;
		total += shm->l[i].conn_total;
	}
	log_info("status: %zu/%zu workers, %llu connections open, %llu total",
	    alive, nworkers, open, total);
}

static void
begin_stop(int how)
{
	if (stopping >= how)
		return;
	stopping = how;
	if (notify_send("STOPPING=1") == -1)
		log_warn("sd_notify");
	if (how == 2) {
		log_info("fast stop");
		signal_workers(SIGKILL);
		stop_deadline = ploop.now_ms;
	} else {
		log_info("stopping: draining connections (up to %u ms)",
		    pol->shutdown_timeout_ms);
		signal_workers(SIGTERM);
		stop_deadline = ploop.now_ms + pol->shutdown_timeout_ms + 1000;
	}
}

static void
signal_event(struct loop_ev *ev, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(ev->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop(1);
			break;
		case SIGQUIT:
			begin_stop(2);
			break;
		case SIGUSR1:
			status_line();
			break;
		case SIGHUP:
			log_warnx("SIGHUP: reload is not implemented yet; "
			    "restart to apply a new policy");
			break;
		}
	}
}

static void
setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((sig_ev.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	sig_ev.cb = signal_event;
	if (loop_add(&ploop, &sig_ev, EPOLLIN, 0) == -1)
		fatal("epoll_ctl");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
}

static int
workers_alive(void)
{
	size_t i;

	for (i = 0; i < nworkers; i++)
		if (wp[i].pid > 0)
			return 1;
	return 0;
}

static void
close_all(int unlink_paths)
{
	size_t i;

	for (i = 0; i < pol->nlisteners; i++)
		sock_close(&socks[i], unlink_paths);
}

int
parent_run(struct policy *p, const struct parent_opts *o)
{
	char err[512];
	size_t i;

	pol = p;
	opts = o;
	(void)notify_init();
	if (loop_init(&ploop) == -1)
		fatal("epoll_create1");
	setup_signals();
	prepare_chroot();
	for (i = 0; i < pol->nlisteners; i++) {
		if (sock_open(&pol->listeners[i], &socks[i], err,
		    sizeof(err)) == -1) {
			log_warnx("listener %s: %s", pol->listeners[i].name, err);
			while (i-- > 0)
				sock_close(&socks[i], 1);
			return GW_EXIT_FAILURE;
		}
		log_info("listener %s: %s %s (mode %04o, uid %lu, gid %lu)",
		    pol->listeners[i].name, pol->listeners[i].service ==
		    SVC_HTTP ? "http" : "echo", pol->listeners[i].path,
		    pol->listeners[i].mode, (unsigned long)pol->listeners[i].uid,
		    (unsigned long)pol->listeners[i].gid);
	}
	make_shared();
	nworkers = worker_count(pol);
	for (i = 0; i < nworkers; i++)
		spawn(i);

	for (;;) {
		if (loop_once(&ploop, 100) == -1)
			fatal("epoll_wait");
		if (stopping) {
			if (!workers_alive())
				break;
			if (ploop.now_ms >= stop_deadline) {
				log_warnx("shutdown timeout: killing workers");
				signal_workers(SIGKILL);
				stop_deadline = ploop.now_ms + 1000;
			}
			continue;
		}
		for (i = 0; i < nworkers; i++)
			if (wp[i].pid == 0 && wp[i].respawn_at != 0 &&
			    ploop.now_ms >= wp[i].respawn_at)
				spawn(i);
	}
	close_all(1);
	log_info("stopped");
	return 0;
}
