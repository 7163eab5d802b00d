/* SPDX-License-Identifier: ISC */
/* Race-free Unix socket creation, stale-socket takeover, unlink-if-ours. */
#ifndef UDSGW_SOCK_H
#define UDSGW_SOCK_H

#include <sys/types.h>

#include "gateway.h"

struct gw_sock {
	int		 s_fd;		/* listening socket */
	int		 s_lockfd;	/* <path>.lock, flock'ed; -1 abstract */
	int		 s_dirfd;	/* O_PATH directory of the socket */
	int		 s_abstract;
	int		 s_inherited;	/* from systemd: never unlinked */
	dev_t		 s_dev;		/* identity of the path we created */
	ino_t		 s_ino;
	char		 s_path[POLICY_PATH_MAX];
	char		 s_base[POLICY_PATH_MAX];
};

/*
 * sock_open: create the listening socket for lc, owned, grouped and
 * moded as the policy says, reachable at its path only once complete:
 * check the directory, take <path>.lock, refuse anything at the path
 * that is not a socket, bind a temporary name under umask 0777, chown,
 * chmod, listen, rename into place. Returns 0, or -1 with a message in
 * err (nothing at the path changed).
 */
int	 sock_open(const struct listener_conf *lc, struct gw_sock *s,
	    char *err, size_t errlen);
/*
 * sock_prepare: for a reload that changes the owner, group, mode or
 * service of a listener whose path old already serves: create the new
 * socket as sock_open does, at the temporary name, using old's directory
 * and lock (a second flock of the same file would fail). Nothing is
 * reachable yet. Returns 0, or -1 with a message in err. Then call
 * sock_commit, or sock_abort to undo.
 */
int	 sock_prepare(const struct listener_conf *lc, const struct gw_sock *old,
	    struct gw_sock *s, char *err, size_t errlen);
/*
 * sock_commit: rename the prepared s over the path (atomic: clients see
 * the old socket or the new one). s then owns the lock and directory
 * fds; old keeps only its listening fd (sock_close(old, 1) then closes
 * it and unlinks nothing). On error (-1, err) s is aborted and old is
 * unchanged.
 */
int	 sock_commit(struct gw_sock *s, struct gw_sock *old, char *err,
	    size_t errlen);
/* sock_abort: undo sock_prepare (unlink the temporary name, close). */
void	 sock_abort(struct gw_sock *s);
/*
 * sock_check_inherited: check that fd (from socket activation) is a
 * listening AF_UNIX stream socket and write its bound path ("@name" for
 * an abstract one) to path. 0, or -1 with a message in err.
 */
int	 sock_check_inherited(int fd, char *path, size_t pathlen, char *err,
	    size_t errlen);
/*
 * sock_adopt: use the inherited fd for lc after sock_check_inherited
 * and a path comparison; s->s_inherited is set: never chowned, chmoded
 * or unlinked (the socket unit owns it). 0, or -1 with err (fd left
 * open, s untouched but cleared).
 */
int	 sock_adopt(int fd, const struct listener_conf *lc, struct gw_sock *s,
	    char *err, size_t errlen);
/*
 * sock_close: close the socket; with unlink_path, remove the path and
 * the lock file if the path is still the inode we created.
 */
void	 sock_close(struct gw_sock *s, int unlink_path);

#endif /* UDSGW_SOCK_H */
