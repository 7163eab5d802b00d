/* SPDX-License-Identifier: ISC */
/* Starting a worker: its chroot, sealed policy and counters, fds, exec. */
#define _GNU_SOURCE	/* memfd_create, F_ADD_SEALS, MSG_CMSG_CLOEXEC */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "metrics.h"
#include "parent_int.h"
#include "worker.h"

/* How long the monitor waits for a new child's status descriptor. */
#define STATUS_FD_WAIT_MS	5000

/* The workers' chroot, open for the parent's life (O_PATH); -1: none. */
static int		 chroot_fd = -1;

/* dirfd/name must be a directory owned by root, not group/world writable. */
static int
safe_dir_at(int dirfd, const char *name, const char *path)
{
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY |
	    O_CLOEXEC);
	if (fd == -1)
		fatal("%s (it must be a directory, not a symbolic link)", path);
	if (fstat(fd, &st) == -1)
		fatal("fstat %s", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx("%s must be a directory owned by root and not group "
		    "or world writable (it is %04o, uid %lu)", path,
		    (unsigned int)(st.st_mode & 07777),
		    (unsigned long)st.st_uid);
	return fd;
}

/*
 * The workers' chroot: an empty directory that only root can write,
 * made like sshd's privilege separation directory. Every step goes
 * through a descriptor: the runtime directory is checked, the jail is
 * opened beneath it without following links, checked, and kept open;
 * workers fchdir() to that very descriptor, so nothing renamed or
 * swapped at the path later is ever entered.
 */
void
parent_worker_prepare_chroot(void)
{
	struct dirent *de;
	DIR *d;
	int run, fd;

	if (geteuid() != 0)
		return;
	if (mkdir(GW_RUN_DIR, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", GW_RUN_DIR);
	run = safe_dir_at(AT_FDCWD, GW_RUN_DIR, GW_RUN_DIR);
	if (mkdirat(run, "empty", 0555) == -1 && errno != EEXIST)
		fatal("mkdir %s", GW_CHROOT_DIR);
	chroot_fd = safe_dir_at(run, "empty", GW_CHROOT_DIR);
	(void)close(run);
	/* Empty: read it through a real descriptor to the same inode. */
	if ((fd = openat(chroot_fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL)
		fatal("opendir %s", GW_CHROOT_DIR);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			fatalx("%s must be empty (found %s)", GW_CHROOT_DIR,
			    de->d_name);
	(void)closedir(d);
}

int
parent_worker_chroot_fd(void)
{
	return chroot_fd;
}

void
parent_worker_gen_init(struct gen *g)
{
	size_t i;

	for (i = 0; i < POLICY_MAX_LISTENERS; i++) {
		g->g_l[i].gl_policy_fd = g->g_l[i].gl_metrics_fd = -1;
		g->g_l[i].gl_metrics_ro = -1;
		g->g_l[i].gl_shm = NULL;
		g->g_l[i].gl_layout = NULL;
	}
}

/*
 * The policy one listener's workers see: the global settings, that
 * listener as the only one (so no other listener's rules, limits or
 * token hashes), and its worker user as the policy's user. With
 * metrics_all, the other listeners' names too, for /metrics.
 */
static void
listener_policy(const struct policy *p, size_t i, struct policy *out)
{
	const struct listener_conf *l = &p->listeners[i];
	size_t j;

	memcpy(out, p, sizeof(*out));
	memset(out->listeners, 0, sizeof(out->listeners));
	/* Not even the upstreams' addresses: the connector has its own. */
	memset(out->upstreams, 0, sizeof(out->upstreams));
	out->nupstreams = 0;
	memcpy(&out->listeners[0], l, sizeof(*l));
	out->nlisteners = 1;
	/* Its own routes only, from the start of the table. */
	memset(out->routes, 0, sizeof(out->routes));
	memcpy(out->routes, policy_routes(p, l), l->nroutes *
	    sizeof(out->routes[0]));
	out->nroutes = l->nroutes;
	out->listeners[0].route0 = 0;
	out->uid = l->wuid;
	out->gid = l->wgid;
	if (l->user[0] != '\0')
		memcpy(out->user, l->user, sizeof(out->user));
	if (l->metrics && l->metrics_all) {
		for (j = 0; j < p->nlisteners; j++)
			memcpy(out->peer_names[j], p->listeners[j].name,
			    sizeof(out->peer_names[j]));
		out->npeers = p->nlisteners;
	}
}

/*
 * A read-only descriptor of the counters memfd, for other listeners'
 * metrics_all workers: a new open file description through /proc, so
 * that neither write() nor a writable shared mapping is possible.
 */
static int
reopen_ro(int fd)
{
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int
make_listener_shared(const struct policy *p, size_t i, struct glistener *gl)
{
	struct policy *lp;
	void *m;
	int r = -1;

	if ((lp = calloc(1, sizeof(*lp))) == NULL) {
		log_warn("calloc");
		return -1;
	}
	listener_policy(p, i, lp);
	gl->gl_policy_fd = memfd_create("uds-gateway-policy",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (gl->gl_policy_fd == -1) {
		log_warn("memfd_create");
		goto out;
	}
	if (write(gl->gl_policy_fd, lp, sizeof(*lp)) != (ssize_t)sizeof(*lp)) {
		log_warn("write policy memfd");
		goto out;
	}
	if (fcntl(gl->gl_policy_fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE) == -1) {
		log_warn("seal policy memfd");
		goto out;
	}
	/*
	 * Written by every worker of the listener, but never resized: the
	 * fixed counters, then the per-uid table (from max_connections).
	 */
	if ((gl->gl_shm_size = metrics_shm_size(lp)) == 0) {
		log_warnx("counters memfd: size overflows");
		goto out;
	}
	gl->gl_metrics_fd = memfd_create("uds-gateway-metrics",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (gl->gl_metrics_fd == -1) {
		log_warn("memfd_create");
		goto out;
	}
	if (ftruncate(gl->gl_metrics_fd, (off_t)gl->gl_shm_size) == -1) {
		log_warn("ftruncate metrics memfd");
		goto out;
	}
	if (fcntl(gl->gl_metrics_fd, F_ADD_SEALS, F_SEAL_SEAL |
	    F_SEAL_SHRINK | F_SEAL_GROW) == -1) {
		log_warn("seal metrics memfd");
		goto out;
	}
	m = mmap(NULL, gl->gl_shm_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    gl->gl_metrics_fd, 0);
	if (m == MAP_FAILED) {
		log_warn("mmap metrics");
		goto out;
	}
	gl->gl_shm = m;
	if ((gl->gl_layout = malloc(sizeof(*gl->gl_layout))) == NULL) {
		log_warn("malloc");
		goto out;
	}
	if (metrics_shm_init(gl->gl_shm, gl->gl_shm_size, lp) == -1) {
		log_warn("counters memfd layout");
		goto out;
	}
	/* Our own copy: what parent_worker_repair writes back. */
	memcpy(gl->gl_layout, gl->gl_shm, sizeof(*gl->gl_layout));
	if ((gl->gl_metrics_ro = reopen_ro(gl->gl_metrics_fd)) == -1) {
		log_warn("reopen the metrics memfd read-only");
		goto out;
	}
	r = 0;
 out:
	explicit_bzero(lp, sizeof(*lp));
	free(lp);
	return r;
}

/*
 * Give each listener of the generation its sealed policy and fresh
 * counters. On failure the caller's gen_free (or
 * parent_worker_free_shared) undoes what was made.
 */
int
parent_worker_make_shared(struct gen *g)
{
	size_t i;

	for (i = 0; i < g->g_pol->nlisteners; i++)
		if (make_listener_shared(g->g_pol, i, &g->g_l[i]) == -1)
			return -1;
	return 0;
}

/* Close what parent_worker_make_shared made, made whole or in part. */
void
parent_worker_free_shared(struct gen *g)
{
	struct glistener *gl;
	size_t i;

	for (i = 0; i < POLICY_MAX_LISTENERS; i++) {
		gl = &g->g_l[i];
		if (gl->gl_policy_fd != -1)
			(void)close(gl->gl_policy_fd);
		if (gl->gl_metrics_fd != -1)
			(void)close(gl->gl_metrics_fd);
		if (gl->gl_metrics_ro != -1)
			(void)close(gl->gl_metrics_ro);
		if (gl->gl_shm != NULL)
			(void)munmap(gl->gl_shm, gl->gl_shm_size);
		free(gl->gl_layout);
		gl->gl_layout = NULL;
		gl->gl_policy_fd = gl->gl_metrics_fd = gl->gl_metrics_ro = -1;
		gl->gl_shm = NULL;
	}
}

/*
 * In the child, still with the parent's credentials: open our own
 * /proc/self/status and hand it to the parent. It checks the worker's
 * sandbox through this descriptor later, when /proc/<pid> may be hidden
 * from it (ProtectProc=ptraceable: another uid, not dumpable, and no
 * CAP_SYS_PTRACE); reading an open status file is not checked again.
 */
static void
send_status_fd(int ipc)
{
	char tag = WORKER_MSG_STATUS_FD;
	int fd;

	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) == -1)
		_exit(127);
	if (fdpass_send(ipc, &tag, 1, fd, MSG_NOSIGNAL) != 1)
		_exit(127);
	(void)close(fd);
}

/*
 * The child's status descriptor, its first record on the IPC socket.
 * The child sends it right after fork(), so waiting is bounded: a child
 * stopped before sending must not stall the monitor.
 */
int
parent_worker_recv_status_fd(int ipc, char *why, size_t whylen)
{
	struct pollfd pfd;
	char tag = 0;
	ssize_t n;
	int fd = -1, r, bad = 0;

	*why = '\0';
	pfd.fd = ipc;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, STATUS_FD_WAIT_MS);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		(void)snprintf(why, whylen, "poll: %s", strerror(errno));
		return -1;
	}
	if (r == 0) {
		(void)snprintf(why, whylen, "no status descriptor after %d ms",
		    STATUS_FD_WAIT_MS);
		return -1;
	}
	do
		n = fdpass_recv(ipc, &tag, 1, MSG_CMSG_CLOEXEC | MSG_DONTWAIT,
		    &fd, &bad);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		(void)snprintf(why, whylen, "receiving the status descriptor: "
		    "%s", strerror(errno));
		return -1;
	}
	if (n == 0)
		return -1;	/* the child died first: why stays empty */
	if (fd != -1 && n == 1 && tag == WORKER_MSG_STATUS_FD)
		return fd;
	if (fd != -1)
		(void)close(fd);
	(void)snprintf(why, whylen, "%s", bad ? "the status descriptor was "
	    "not passed whole (the monitor is out of descriptors?)" :
	    "the first record was not the status descriptor");
	return -1;
}

/*
 * Before a worker of listener l starts: its listener's workers can
 * write the counters region, so a dead one may have wrecked its layout;
 * restore it from our copy (counters stay as they are).
 */
void
parent_worker_repair(struct gen *g, size_t l)
{
	struct glistener *gl = &g->g_l[l];

	if (gl->gl_shm != NULL && gl->gl_layout != NULL)
		metrics_shm_repair(gl->gl_shm, gl->gl_layout);
}

/* In the child: put every descriptor where the worker expects it. */
void
parent_worker_child_exec(const struct gen *g, size_t l, size_t slot,
    int flags, int ipc, int chan)
{
	const struct glistener *gl = &g->g_l[l];
	const struct listener_conf *lc = &g->g_pol->listeners[l];
	int src[6 + POLICY_MAX_LISTENERS], tmp[6 + POLICY_MAX_LISTENERS];
	char idx[16], name[16 + POLICY_NAME_MAX];
	char *argv[7];
	int n = 0, i, fd, argc = 0;
	size_t j;
	sigset_t set;

	send_status_fd(ipc);
	/*
	 * This listener's descriptors only, at the numbers worker.h gives
	 * them (-1: nothing there); other listeners' counters read-only,
	 * and only with metrics_all.
	 */
	src[n++] = ipc;
	src[n++] = gl->gl_policy_fd;
	src[n++] = gl->gl_metrics_fd;
	src[n++] = parent_sock_fd(g->g_sock[l]);
	src[n++] = chroot_fd;
	src[n++] = chan;
	if (lc->metrics && lc->metrics_all)
		for (j = 0; j < g->g_pol->nlisteners; j++)
			src[n++] = g->g_l[j].gl_metrics_ro;
	/* Lift everything above the target range first, then place it. */
	for (i = 0; i < n; i++)
		if (src[i] != -1 && (tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC,
		    3 + n)) == -1)
			_exit(127);
	for (i = 0; i < n; i++)
		if (src[i] != -1 && dup2(tmp[i], WORKER_FD_IPC + i) == -1)
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
	/* What ps(1) shows; the worker sets its comm (top, pkill -x) too. */
	(void)snprintf(name, sizeof(name), "uds-gw:%s",
	    g->g_pol->listeners[l].name);
	argv[argc++] = name;
	argv[argc++] = (char *)"--worker";
	argv[argc++] = idx;
	if (log_level() >= LOG_DEBUG)
		argv[argc++] = (char *)"-d";
	if (flags & WORKER_F_SECCOMP_DEBUG)
		argv[argc++] = (char *)"--seccomp-debug";
#ifdef GW_SANITIZER_BUILD
	if (flags & WORKER_F_NO_SECCOMP)
		argv[argc++] = (char *)"--no-seccomp";
#endif
	argv[argc] = NULL;
	/* A fresh address space and ASLR layout for every worker. */
	execv("/proc/self/exe", argv);
	_exit(127);
}
