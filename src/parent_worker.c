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
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "parent_int.h"
#include "worker.h"

/* How long the monitor waits for a new child's status descriptor. */
#define STATUS_FD_WAIT_MS	5000

/*
 * The workers' chroot: an empty directory that only root can write,
 * made like sshd's privilege separation directory.
 */
void
parent_worker_prepare_chroot(void)
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

/*
 * Seal the generation's policy into a memfd every worker reads once,
 * and give it fresh shared counters. On failure the caller's gen_free
 * (or parent_worker_free_shared) undoes what was made.
 */
int
parent_worker_make_shared(struct gen *g)
{
	void *m;

	g->g_policy_fd = memfd_create("uds-gateway-policy",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (g->g_policy_fd == -1) {
		log_warn("memfd_create");
		return -1;
	}
	if (write(g->g_policy_fd, g->g_pol, sizeof(*g->g_pol)) !=
	    (ssize_t)sizeof(*g->g_pol)) {
		log_warn("write policy memfd");
		return -1;
	}
	if (fcntl(g->g_policy_fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE) == -1) {
		log_warn("seal policy memfd");
		return -1;
	}
	g->g_metrics_fd = memfd_create("uds-gateway-metrics", MFD_CLOEXEC);
	if (g->g_metrics_fd == -1) {
		log_warn("memfd_create");
		return -1;
	}
	if (ftruncate(g->g_metrics_fd, sizeof(struct metrics_shm)) == -1) {
		log_warn("ftruncate metrics memfd");
		return -1;
	}
	m = mmap(NULL, sizeof(struct metrics_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED, g->g_metrics_fd, 0);
	if (m == MAP_FAILED) {
		log_warn("mmap metrics");
		return -1;
	}
	g->g_shm = m;
	g->g_shm->magic = POLICY_MAGIC;
	g->g_shm->nlisteners = (uint32_t)g->g_pol->nlisteners;
	return 0;
}

/* Close what parent_worker_make_shared made, made whole or in part. */
void
parent_worker_free_shared(struct gen *g)
{
	if (g->g_policy_fd != -1)
		(void)close(g->g_policy_fd);
	if (g->g_metrics_fd != -1)
		(void)close(g->g_metrics_fd);
	if (g->g_shm != NULL)
		(void)munmap(g->g_shm, sizeof(struct metrics_shm));
	g->g_policy_fd = g->g_metrics_fd = -1;
	g->g_shm = NULL;
}

/*
 * In the child, still with the parent's credentials: open our own
 * /proc/self/status and hand it to the parent. It checks the worker's
 * sandbox through this descriptor later, when /proc/<pid> may be hidden
 * from it (ProtectProc=ptraceable: another uid, not dumpable, and no
 * CAP_SYS_PTRACE); reading an open status file is not checked again.
 */
union fdmsg {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof(int))];
};

/* A one-byte record, *tag, with room for one descriptor in c. */
static void
fdmsg_init(struct msghdr *msg, struct iovec *iov, char *tag, union fdmsg *c)
{
	memset(msg, 0, sizeof(*msg));
	memset(c, 0, sizeof(*c));
	iov->iov_base = tag;
	iov->iov_len = 1;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = c->buf;
	msg->msg_controllen = sizeof(c->buf);
}

static void
send_status_fd(int ipc)
{
	union fdmsg c;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	char tag = WORKER_MSG_STATUS_FD;
	int fd;

	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) == -1)
		_exit(127);
	fdmsg_init(&msg, &iov, &tag, &c);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(ipc, &msg, MSG_NOSIGNAL) != 1)
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
	union fdmsg c;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	struct pollfd pfd;
	char tag = 0;
	ssize_t n;
	int fd = -1, r;

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
	fdmsg_init(&msg, &iov, &tag, &c);
	do
		n = recvmsg(ipc, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		(void)snprintf(why, whylen, "receiving the status descriptor: "
		    "%s", strerror(errno));
		return -1;
	}
	if (n == 0)
		return -1;	/* the child died first: why stays empty */
	cm = CMSG_FIRSTHDR(&msg);
	if (cm != NULL && cm->cmsg_level == SOL_SOCKET &&
	    cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (fd != -1 && n == 1 && tag == WORKER_MSG_STATUS_FD &&
	    !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return fd;
	if (fd != -1)
		(void)close(fd);
	(void)snprintf(why, whylen, "%s", msg.msg_flags & MSG_CTRUNC ?
	    "the status descriptor was not passed (the monitor is out of "
	    "descriptors?)" : "the first record was not the status "
	    "descriptor");
	return -1;
}

/* In the child: put every descriptor where the worker expects it. */
void
parent_worker_child_exec(const struct gen *g, size_t slot, int flags, int ipc)
{
	int src[3 + POLICY_MAX_LISTENERS], tmp[3 + POLICY_MAX_LISTENERS];
	char idx[16];
	char *argv[7];
	int n = 0, i, fd, argc = 0;
	sigset_t set;

	send_status_fd(ipc);
	src[n++] = ipc;
	src[n++] = g->g_policy_fd;
	src[n++] = g->g_metrics_fd;
	for (i = 0; i < (int)g->g_pol->nlisteners; i++)
		src[n++] = parent_sock_fd(g->g_sock[i]);
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
	if (log_level() >= LOG_DEBUG)
		argv[argc++] = (char *)"-d";
	if (flags & WORKER_F_SECCOMP_DEBUG)
		argv[argc++] = (char *)"--seccomp-debug";
	if (flags & WORKER_F_NO_SECCOMP)
		argv[argc++] = (char *)"--no-seccomp";
	argv[argc] = NULL;
	/* A fresh address space and ASLR layout for every worker. */
	execv("/proc/self/exe", argv);
	_exit(127);
}
