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
 * sock_close: close the socket; with unlink_path, remove the path and
 * the lock file if the path is still the inode we created.
 */
void	 sock_close(struct gw_sock *s, int unlink_path);

#endif /* UDSGW_SOCK_H */
