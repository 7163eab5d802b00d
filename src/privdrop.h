/* SPDX-License-Identifier: ISC */
/* Privilege drop for the worker: rlimits, chroot, ids, capabilities. */
#ifndef UDSGW_PRIVDROP_H
#define UDSGW_PRIVDROP_H

#include <sys/types.h>
#include <sys/resource.h>

#include <stddef.h>
#include <stdint.h>

struct privdrop {
	uid_t		 uid;		/* worker user, never 0 */
	gid_t		 gid;		/* its primary group, never 0 */
	int		 change_ids;	/* 1 as root; 0 only when not root */
	int		 chroot_fd;	/* empty root-owned dir (O_PATH); as root required */
	rlim_t		 nofile;	/* RLIMIT_NOFILE, soft and hard */
	int		 try_unshare;	/* new net+ipc namespaces if allowed */
	pid_t		 parent;	/* expected getppid(); 0: no check */
	int		 no_chroot;	/* a connector for a Unix path: it must
					   see the files; as root only */
	const gid_t	*groups;	/* supplementary groups besides gid */
	size_t		 ngroups;	/* (a connector's); 0 for workers */
};

/*
 * privdrop_apply: drop everything the worker does not need, in this
 * order, and fatal()/fatalx() on any failure (fail closed):
 *  1. rlimits: CORE 0, FSIZE 0, NPROC 0, NOFILE pd->nofile. FSIZE 0 means
 *     a write to a regular file raises SIGXFSZ: fds 0-2 must be pipes,
 *     sockets or /dev/null. NPROC 0 is not enforced while still root; it
 *     takes effect with the new uid (fork fails, execve too).
 *  2. PR_SET_PDEATHSIG(SIGKILL), and getppid() == pd->parent.
 *  3. As root (pd->change_ids): unshare(CLONE_NEWNET|CLONE_NEWIPC) if
 *     pd->try_unshare (one log_info line and go on if the kernel or a
 *     container refuses), then fchdir(pd->chroot_fd) + chroot(".") +
 *     chdir("/") and close(pd->chroot_fd); the directory must be owned
 *     by root and not group/other-writable.
 *  4. As root: securebits locked (NOROOT, no ambient raise), the
 *     capability bounding set emptied and the ambient set cleared (these
 *     need CAP_SETPCAP, so they come before the uid change).
 *  5. As root: setgroups({gid} plus pd->groups), setresgid, setresuid; the ids are read
 *     back and setuid(0)/seteuid(0)/setgid(0)/setegid(0) must fail. uid 0
 *     or gid 0 as the target is refused.
 *  6. The capability sets are cleared (cap_set_proc of an empty set).
 *  7. PR_SET_PDEATHSIG again (a uid change clears it) and the parent
 *     check again, PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0 (a uid change
 *     resets it too); each is read back.
 * Not root (development, pd->change_ids == 0): chroot, unshare, ids,
 * securebits and (without CAP_SETPCAP) the bounding set are skipped with
 * one log_info line each; the rest still happens. change_ids == 0 while
 * running as root is refused, as is change_ids == 1 while not root.
 * The seccomp filter (sandbox_apply) comes after this, last.
 */
void	 privdrop_apply(const struct privdrop *pd);

/*
 * privdrop_close_fds_except: close every fd above 2 that is not in
 * keep[0..n-1], with close_range() where the kernel has it (else one
 * close() per fd up to RLIMIT_NOFILE). Each fd to keep must be open.
 * Fatal on error. Call before privdrop_apply() and the sandbox.
 */
void	 privdrop_close_fds_except(const int *keep, size_t n);

/*
 * privdrop_verify_status: read the /proc/<pid>/status file open at fd
 * (from offset 0, so the same descriptor can be checked again; opened
 * before the process changed uid, it stays readable when /proc/<pid> is
 * hidden from the caller) and check that the process is fully demoted:
 * Uid and Gid (all four fields) equal uid and gid, Groups empty or just
 * gid, CapInh/CapPrm/CapEff/CapBnd/CapAmb all zero, NoNewPrivs 1 and
 * Seccomp 2 (filter). Returns 0, or -1 with a reason in why (always
 * NUL-terminated if whylen > 0). Does not log.
 */
int	 privdrop_verify_status(int fd, uid_t uid, gid_t gid, char *why,
	    size_t whylen);

/*
 * privdrop_nofile_problem: can workers started by this process set
 * RLIMIT_NOFILE to nofile? Not when it is above this process's hard
 * limit and CAP_SYS_RESOURCE is not effective (step 1 above would fail
 * in every worker). Returns 0, or -1 with the reason in why, which names
 * the value as what ("nofile").
 */
int	 privdrop_nofile_problem(uint32_t nofile, const char *what, char *why,
	    size_t whylen);

#endif /* UDSGW_PRIVDROP_H */
