/* SPDX-License-Identifier: ISC */
/* Privilege drop for the worker: rlimits, chroot, ids, capabilities. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* setresuid, getresuid, unshare, close_range */
#endif

#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <linux/securebits.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

/* Largest fd the close() fallback walks to when RLIMIT_NOFILE is huge. */
#define PD_FALLBACK_MAXFD	(1024 * 1024)

static void
set_limit(int resource, const char *name, rlim_t value)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1)
		fatal("privdrop: setrlimit(%s, %llu)", name,
		    (unsigned long long)value);
}

/*
 * The parent-death signal is cleared by the kernel whenever the euid,
 * egid, fsuid or fsgid change (commit_creds), so it is set both before
 * the id change, to cover the setup, and again after it.
 */
static void
set_pdeathsig(pid_t parent)
{
	int sig = 0;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("privdrop: prctl(PR_SET_PDEATHSIG)");
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) == -1 || sig != SIGKILL)
		fatalx("privdrop: parent-death signal not set");
	/* The parent may have died before the signal was armed. */
	if (parent != 0 && getppid() != parent)
		fatalx("privdrop: parent %ld is gone", (long)parent);
}

static void
do_unshare(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWIPC) == 0)
		return;
	/* Containers and kernels without namespaces: degrade, visibly. */
	if (errno == EPERM || errno == EINVAL || errno == ENOSYS ||
	    errno == ENOSPC) {
		log_info("privdrop: unshare(net, ipc) not available, "
		    "continuing without: %s", strerror(errno));
		return;
	}
	fatal("privdrop: unshare(net, ipc)");
}

/*
 * Enter the jail through the descriptor the parent opened and checked
 * (O_PATH|O_NOFOLLOW|O_DIRECTORY): no path is looked up again, so a
 * rename or symlink swap between the check and here changes nothing.
 */
static void
do_chroot(int fd)
{
	struct stat st;

	/* The parent checked it; an unsafe root would undo the jail. */
	if (fstat(fd, &st) == -1)
		fatal("privdrop: chroot directory descriptor");
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("privdrop: chroot directory must be a directory "
		    "owned by root and writable only by it");
	if (fchdir(fd) == -1)
		fatal("privdrop: fchdir to the chroot directory");
	if (chroot(".") == -1)
		fatal("privdrop: chroot");
	if (chdir("/") == -1)
		fatal("privdrop: chdir / in the chroot");
	if (close(fd) == -1)
		fatal("privdrop: close the chroot directory");
}

static int
have_setpcap(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps;

	if ((caps = cap_get_proc()) == NULL)
		fatal("privdrop: cap_get_proc");
	if (cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &v) == -1)
		fatal("privdrop: cap_get_flag");
	if (cap_free(caps) == -1)
		fatal("privdrop: cap_free");
	return v == CAP_SET;
}

/*
 * Securebits and the bounding set need CAP_SETPCAP, which setresuid()
 * to a non-zero uid takes away: this runs before the id change. Dropping
 * a capability from the bounding set does not remove it from the
 * permitted or effective sets, so setresuid() still works afterwards.
 */
static void
drop_bounding(int root)
{
	int bits;
	cap_value_t i, max;

	if (!have_setpcap()) {
		if (root)
			fatalx("privdrop: CAP_SETPCAP is needed to empty the "
			    "capability bounding set");
		log_info("privdrop: not root: keeping the capability "
		    "bounding set and securebits");
		return;
	}
	if (root) {
		bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
		    SECBIT_NO_CAP_AMBIENT_RAISE |
		    SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
		if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) == -1)
			fatal("privdrop: prctl(PR_SET_SECUREBITS)");
	}
	max = (cap_value_t)cap_max_bits();
	for (i = 0; i < max; i++)
		if (cap_drop_bound(i) == -1)
			fatal("privdrop: drop capability %d from the "
			    "bounding set", (int)i);
}

#define PD_MAXGROUPS	17	/* the primary group and 16 (policy) */

static void
change_ids(uid_t uid, gid_t gid, const gid_t *extra, size_t nextra)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, want[PD_MAXGROUPS], groups[PD_MAXGROUPS + 1];
	size_t i;
	int n, k;

	/*
	 * Exactly the primary group and the groups the policy names
	 * (a connector's): never initgroups() (nginx).
	 */
	if (nextra >= PD_MAXGROUPS)
		fatalx("privdrop: too many groups");
	want[0] = gid;
	for (i = 0; i < nextra; i++) {
		if (extra[i] == 0)
			fatalx("privdrop: refusing supplementary group root");
		want[i + 1] = extra[i];
	}
	if (setgroups(nextra + 1, want) == -1)
		fatal("privdrop: setgroups(%lu)", (unsigned long)gid);
	if (setresgid(gid, gid, gid) == -1)
		fatal("privdrop: setresgid(%lu)", (unsigned long)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("privdrop: setresuid(%lu)", (unsigned long)uid);

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		fatal("privdrop: getresuid/getresgid");
	if (ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid)
		fatalx("privdrop: ids did not change as asked");
	if ((n = getgroups(PD_MAXGROUPS + 1, groups)) == -1)
		fatal("privdrop: getgroups");
	/* The kernel sorts the list: compare as sets. */
	if ((size_t)n != nextra + 1)
		fatalx("privdrop: supplementary groups did not change");
	for (i = 0; i <= nextra; i++) {
		for (k = 0; k < n && groups[k] != want[i]; k++)
			;
		if (k == n)
			fatalx("privdrop: supplementary groups did not change");
	}

	/* Prove it (OpenSSH permanently_set_uid): root must be out of reach. */
	if (setgid(0) != -1 || setegid(0) != -1)
		fatalx("privdrop: was able to regain gid 0");
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("privdrop: was able to regain uid 0");
}

static void
clear_caps(void)
{
	cap_t none, cur;
	int diff;

	if ((none = cap_init()) == NULL)
		fatal("privdrop: cap_init");
	if (cap_clear(none) == -1 || cap_set_proc(none) == -1)
		fatal("privdrop: clear capabilities");
	if ((cur = cap_get_proc()) == NULL)
		fatal("privdrop: cap_get_proc");
	diff = cap_compare(none, cur);
	if (cap_free(cur) == -1 || cap_free(none) == -1)
		fatal("privdrop: cap_free");
	if (diff != 0)
		fatalx("privdrop: capabilities still set");
}

void
privdrop_apply(const struct privdrop *pd)
{
	int root, r;

	root = geteuid() == 0;
	if (pd->change_ids && !root)
		fatalx("privdrop: cannot change to uid %lu: not root",
		    (unsigned long)pd->uid);
	if (!pd->change_ids && root)
		fatalx("privdrop: refusing to run workers as root");
	if (pd->change_ids && pd->uid == 0)
		fatalx("privdrop: refusing to run workers as root");
	if (pd->change_ids && pd->gid == 0)
		fatalx("privdrop: refusing to run workers with group root");
	if (pd->nofile == 0)
		fatalx("privdrop: RLIMIT_NOFILE of 0");

	/* Root ignores NPROC; it bites after setresuid (fork, execve). */
	set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0);
	set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0);
	set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
	set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", pd->nofile);

	set_pdeathsig(pd->parent);

	if (pd->change_ids) {
		if (pd->try_unshare)
			do_unshare();
		/*
		 * As root, never without the jail, except for a connector
		 * whose upstream is a path (its own allowlist has no open).
		 */
		if (pd->chroot_fd < 0 && !pd->no_chroot)
			fatalx("privdrop: no chroot directory");
		if (pd->chroot_fd >= 0)
			do_chroot(pd->chroot_fd);
	} else {
		if (pd->try_unshare)
			log_info("privdrop: not root: skipping unshare");
		/* Whether or not the parent passed a chroot (it does not). */
		log_info("privdrop: not root: skipping chroot");
	}

	drop_bounding(root);
	if (cap_reset_ambient() == -1)
		fatal("privdrop: clear the ambient capabilities");

	if (pd->change_ids)
		change_ids(pd->uid, pd->gid, pd->groups, pd->ngroups);
	else
		log_info("privdrop: not root: keeping uid %lu gid %lu",
		    (unsigned long)getuid(), (unsigned long)getgid());

	clear_caps();

	/* Both were reset by the id change; set them last and read back. */
	set_pdeathsig(pd->parent);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("privdrop: prctl(PR_SET_NO_NEW_PRIVS)");
	if ((r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) != 1)
		fatalx("privdrop: NO_NEW_PRIVS not set (%d)", r);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("privdrop: prctl(PR_SET_DUMPABLE)");
	if ((r = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)) != 0)
		fatalx("privdrop: still dumpable (%d)", r);
}

static void
close_between(unsigned int lo, unsigned int hi)
{
	struct rlimit rl;
	unsigned long fd, max;

	if (close_range(lo, hi, 0) == 0)
		return;
	if (errno != ENOSYS)
		fatal("privdrop: close_range(%u, %u)", lo, hi);

	/* Kernels before 5.9. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("privdrop: getrlimit(RLIMIT_NOFILE)");
	max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > PD_FALLBACK_MAXFD ?
	    PD_FALLBACK_MAXFD : (unsigned long)rl.rlim_cur;
	for (fd = lo; fd <= hi && fd < max; fd++)
		(void)close((int)fd);	/* EBADF: nothing was open there */
}

void
privdrop_close_fds_except(const int *keep, size_t n)
{
	unsigned int lo = 3, next;
	size_t i;

	for (i = 0; i < n; i++) {
		if (keep[i] < 0)
			fatalx("privdrop: bad fd %d to keep", keep[i]);
		if (keep[i] > 2 && fcntl(keep[i], F_GETFD) == -1)
			fatal("privdrop: fd %d to keep", keep[i]);
	}
	for (;;) {
		/* The smallest fd to keep at or above lo, if any. */
		next = UINT_MAX;
		for (i = 0; i < n; i++)
			if ((unsigned int)keep[i] >= lo &&
			    (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next > lo)
			close_between(lo, next - 1);
		if (next == UINT_MAX)
			break;
		lo = next + 1;
	}
}

static void setwhy(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
setwhy(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);	/* truncation is fine */
	va_end(ap);
}

/* The value of "Key:" in a /proc status buffer, or NULL. */
static const char *
field(const char *buf, const char *key)
{
	const char *p = buf;
	size_t klen = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			return p + klen + 1;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/* Parse up to max unsigned numbers of a line; return how many. */
static int
numbers(const char *p, int base, unsigned long long *v, int max)
{
	char *end;
	int n = 0;

	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0')
			break;
		if (*p < '0' || (*p > '9' && *p < 'A'))
			return -1;
		errno = 0;
		v[n] = strtoull(p, &end, base);
		if (errno != 0 || end == p)
			return -1;
		p = end;
		n++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\n' || *p == '\0' ? n : -1;
}

static int
check_status(const char *buf, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	static const char *caps[] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"
	};
	unsigned long long v[4];
	const char *p;
	size_t i;
	int n;

	if ((p = field(buf, "Uid")) == NULL || numbers(p, 10, v, 4) != 4 ||
	    v[0] != uid || v[1] != uid || v[2] != uid || v[3] != uid) {
		setwhy(why, whylen, "Uid is not %lu in all four fields",
		    (unsigned long)uid);
		return -1;
	}
	if ((p = field(buf, "Gid")) == NULL || numbers(p, 10, v, 4) != 4 ||
	    v[0] != gid || v[1] != gid || v[2] != gid || v[3] != gid) {
		setwhy(why, whylen, "Gid is not %lu in all four fields",
		    (unsigned long)gid);
		return -1;
	}
	if ((p = field(buf, "Groups")) == NULL ||
	    (n = numbers(p, 10, v, 2)) == -1 || n > 1 ||
	    (n == 1 && v[0] != gid)) {
		setwhy(why, whylen, "supplementary groups other than %lu",
		    (unsigned long)gid);
		return -1;
	}
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if ((p = field(buf, caps[i])) == NULL ||
		    numbers(p, 16, v, 1) != 1 || v[0] != 0) {
			setwhy(why, whylen, "%s is not zero", caps[i]);
			return -1;
		}
	}
	if ((p = field(buf, "NoNewPrivs")) == NULL ||
	    numbers(p, 10, v, 1) != 1 || v[0] != 1) {
		setwhy(why, whylen, "NoNewPrivs is not 1");
		return -1;
	}
	if ((p = field(buf, "Seccomp")) == NULL ||
	    numbers(p, 10, v, 1) != 1 || v[0] != 2) {
		setwhy(why, whylen, "Seccomp is not 2 (filter)");
		return -1;
	}
	return 0;
}

int
privdrop_verify_status(int fd, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	char buf[16384];
	size_t off = 0;
	ssize_t r;

	setwhy(why, whylen, "%s", "");
	if (fd < 0) {
		setwhy(why, whylen, "no /proc status descriptor");
		return -1;
	}
	while (off < sizeof(buf) - 1) {
		/* pread: a seq_file regenerates its text at offset 0. */
		r = pread(fd, buf + off, sizeof(buf) - 1 - off, (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			setwhy(why, whylen, "/proc status: %s",
			    strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	if (off == 0) {
		/* The process is gone (the kernel says ESRCH or nothing). */
		setwhy(why, whylen, "/proc status: empty, process gone");
		return -1;
	}
	if (off == sizeof(buf) - 1) {
		setwhy(why, whylen, "/proc status: too long");
		return -1;
	}
	buf[off] = '\0';
	return check_status(buf, uid, gid, why, whylen);
}

/* fs.nr_open, or 0 when it cannot be read. */
static unsigned long long
read_nr_open(void)
{
	char buf[32];
	ssize_t n;
	int fd;

	if ((fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

int
privdrop_nofile_problem(uint32_t nofile, const char *what, char *why,
    size_t whylen)
{
	unsigned long long nr_open;
	struct rlimit rl;
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		(void)snprintf(why, whylen, "getrlimit(RLIMIT_NOFILE): %s",
		    strerror(errno));
		return -1;
	}
	/* The kernel's ceiling, when /proc/sys is there (not in the unit). */
	if ((nr_open = read_nr_open()) != 0 && nofile > nr_open) {
		(void)snprintf(why, whylen, "%s %u is above the kernel's "
		    "fs.nr_open of %llu", what, nofile, nr_open);
		return -1;
	}
	if (rl.rlim_max == RLIM_INFINITY || nofile <= rl.rlim_max)
		return 0;
	if ((caps = cap_get_proc()) != NULL) {
		if (cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v) == -1)
			v = CAP_CLEAR;
		(void)cap_free(caps);
	}
	if (v == CAP_SET)
		return 0;
	(void)snprintf(why, whylen, "%s %u is above the hard RLIMIT_NOFILE "
	    "of %llu, which this process cannot raise (no CAP_SYS_RESOURCE; "
	    "systemd: LimitNOFILE=)", what, nofile,
	    (unsigned long long)rl.rlim_max);
	return -1;
}
