/* SPDX-License-Identifier: ISC */
/* Race-free Unix socket creation, stale-socket takeover, unlink-if-ours. */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "sock.h"

#define SOCK_BACKLOG	1024

static int
fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int
open_abstract(const struct listener_conf *lc, struct gw_sock *s, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	size_t n = strlen(lc->path + 1);
	socklen_t alen;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (n == 0 || n + 1 > sizeof(sun.sun_path))
		return fail(err, errlen, "abstract name too long: %s",
		    lc->path);
	memcpy(sun.sun_path + 1, lc->path + 1, n);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	if ((s->s_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return fail(err, errlen, "socket: %s", strerror(errno));
	if (bind(s->s_fd, (struct sockaddr *)&sun, alen) == -1) {
		int e = errno;

		(void)close(s->s_fd);
		s->s_fd = -1;
		if (e == EADDRINUSE)
			return fail(err, errlen, "bind %s: abstract name in "
			    "use, by another instance or by any process (an "
			    "abstract name is anyone's to take)", lc->path);
		return fail(err, errlen, "bind %s: %s", lc->path, strerror(e));
	}
	if (listen(s->s_fd, SOCK_BACKLOG) == -1) {
		(void)close(s->s_fd);
		s->s_fd = -1;
		return fail(err, errlen, "listen %s: %s", lc->path,
		    strerror(errno));
	}
	s->s_abstract = 1;
	return 0;
}

/* Owned by root or by us: nobody else may chmod, rename or fill it. */
static int
trusted_owner(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/*
 * Every directory above the socket's, from "/" down, as written: each
 * must be owned by root or us and writable by nobody else, unless it is
 * sticky (like /tmp): there nobody else can rename or remove the next
 * component, which must itself pass this check. A symbolic link on the
 * way (/var/run) must be owned by root or us; its target is its owner's
 * choice. OpenSSH's safe_path() makes the same walk without the sticky
 * exception; without it no socket could live under /tmp/<ours>/.
 */
static int
check_ancestors(const char *dir, char *err, size_t errlen)
{
	char pre[POLICY_PATH_MAX];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n >= sizeof(pre))
		return fail(err, errlen, "directory %s: name too long", dir);
	for (i = 0; i < n; i++) {
		if (dir[i] != '/')
			continue;
		/* Each proper prefix ending before a '/': "/", "/a", ... */
		memcpy(pre, dir, i == 0 ? 1 : i);
		pre[i == 0 ? 1 : i] = '\0';
		if (lstat(pre, &st) == -1)
			return fail(err, errlen, "lstat %s: %s", pre,
			    strerror(errno));
		if (S_ISLNK(st.st_mode) && !trusted_owner(&st))
			return fail(err, errlen, "%s is a symbolic link owned "
			    "by uid %lu, not by root or us", pre,
			    (unsigned long)st.st_uid);
		if (stat(pre, &st) == -1)
			return fail(err, errlen, "stat %s: %s", pre,
			    strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return fail(err, errlen, "%s is not a directory", pre);
		if (!trusted_owner(&st))
			return fail(err, errlen, "directory %s is owned by uid "
			    "%lu, not by root or us", pre,
			    (unsigned long)st.st_uid);
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    !(st.st_mode & S_ISVTX))
			return fail(err, errlen, "directory %s is writable by "
			    "group or others (mode %04o) without the sticky "
			    "bit", pre, (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

/*
 * The socket's own directory must be ours (root or our euid) and
 * writable by nobody else, sticky or not: the sticky bit stops others
 * from removing our names, not from creating <path>.lock or the
 * temporary name first (a flocked lock file or a FIFO there would keep
 * us from starting). Its ancestors are checked by check_ancestors().
 */
static int
open_dir(const char *dir, struct gw_sock *s, char *err, size_t errlen)
{
	struct stat st;
	mode_t old;
	int r, e;

	if (check_ancestors(dir, err, errlen) == -1)
		return -1;
	s->s_dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->s_dirfd == -1 && errno == ENOENT) {
		/* The mode as written, not as a umask (the unit's 0077) cuts it. */
		old = umask(0022);
		r = mkdir(dir, geteuid() == 0 ? 0755 : 0700);
		e = errno;
		(void)umask(old);
		if (r == -1 && e != EEXIST)
			return fail(err, errlen, "mkdir %s: %s", dir,
			    strerror(e));
		log_info("created directory %s", dir);
		s->s_dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (s->s_dirfd == -1)
		return fail(err, errlen, "directory %s: %s%s", dir,
		    strerror(errno), errno == ELOOP || errno == ENOTDIR ?
		    " (a symlink is not accepted)" : "");
	if (fstat(s->s_dirfd, &st) == -1)
		return fail(err, errlen, "fstat %s: %s", dir, strerror(errno));
	if (!trusted_owner(&st))
		return fail(err, errlen, "directory %s is owned by uid %lu, "
		    "not by root or us", dir, (unsigned long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return fail(err, errlen, "directory %s is writable by group "
		    "or others (mode %04o): they could take the names the "
		    "socket needs; use a directory only root or we can "
		    "write", dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

#define LOCK_TRIES	8

/*
 * Take <base>.lock in the directory; refuse if another holds it. The
 * file we flock must still be the one at the name: an instance that
 * exits unlinks its lock file while holding it, so one that opened the
 * old file just before could otherwise lock that unlinked file while a
 * third instance locks a new one. Try again, a few times, on a change.
 */
static int
take_lock(const struct listener_conf *lc, struct gw_sock *s, char *err,
    size_t errlen)
{
	char name[POLICY_PATH_MAX + 8];
	struct stat st, at;
	int i;

	(void)snprintf(name, sizeof(name), "%s.lock", s->s_base);
	for (i = 0; i < LOCK_TRIES; i++) {
		s->s_lockfd = openat(s->s_dirfd, name, O_RDWR | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
		if (s->s_lockfd == -1)
			return fail(err, errlen, "lock %s.lock: %s", lc->path,
			    strerror(errno));
		if (fstat(s->s_lockfd, &st) == -1 || !S_ISREG(st.st_mode))
			return fail(err, errlen, "lock %s.lock: not a regular "
			    "file", lc->path);
		if (flock(s->s_lockfd, LOCK_EX | LOCK_NB) == -1) {
			if (errno == EWOULDBLOCK)
				return fail(err, errlen, "%s.lock is held by "
				    "another process: is another uds-gateway "
				    "running?", lc->path);
			return fail(err, errlen, "flock %s.lock: %s",
			    lc->path, strerror(errno));
		}
		if (fstatat(s->s_dirfd, name, &at, AT_SYMLINK_NOFOLLOW) == 0 &&
		    at.st_dev == st.st_dev && at.st_ino == st.st_ino)
			return 0;
		(void)close(s->s_lockfd);	/* unlinked or replaced */
		s->s_lockfd = -1;
	}
	return fail(err, errlen, "lock %s.lock: replaced %d times while we "
	    "took it", lc->path, LOCK_TRIES);
}

/* Only a socket (stale: we hold the lock) may be replaced. */
static int
check_existing(const char *name, const char *path, int dirfd, char *err,
    size_t errlen)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		return fail(err, errlen, "lstat %s: %s", path,
		    strerror(errno));
	}
	if (S_ISSOCK(st.st_mode))
		return 1;
	return fail(err, errlen, "%s exists and is not a socket (%s); "
	    "refusing to replace it", path, S_ISLNK(st.st_mode) ? "symlink" :
	    S_ISDIR(st.st_mode) ? "directory" : S_ISREG(st.st_mode) ?
	    "regular file" : "special file");
}

/* connect() to name in s->s_dirfd: 0, or the errno. */
static int
try_connect(const struct gw_sock *s)
{
	struct sockaddr_un sun;
	int fd, r, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, s->s_base, strlen(s->s_base));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return errno;
	if (fchdir(s->s_dirfd) == -1) {
		e = errno;
		(void)close(fd);
		return e;
	}
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = r == -1 ? errno : 0;
	if (chdir("/") == -1)
		fatal("chdir /");
	(void)close(fd);
	return e;
}

/*
 * The socket at the path is not ours to take just because we hold our
 * lock: the path may be mistyped and another service's. Connect to it:
 * ECONNREFUSED means nothing listens on it any more (stale); a
 * connection, a full backlog or a socket of another type means a live
 * one, left alone. Without CAP_DAC_OVERRIDE (the packaged unit) a socket
 * we gave to another owner is not writable by us: connect again with
 * that owner's fsuid (CAP_SETUID). Any other failure cannot tell us, so
 * we refuse too.
 */
static int
probe_stale(struct gw_sock *s, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int e, prev;

	if (strlen(s->s_base) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return fail(err, errlen, "socket name too long: %s", path);
	e = try_connect(s);
	if (e == EACCES && fstatat(s->s_dirfd, s->s_base, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid != geteuid()) {
		prev = setfsuid(st.st_uid);
		e = try_connect(s);
		(void)setfsuid((uid_t)prev);
	}
	if (e == ECONNREFUSED)
		return 0;
	if (e == 0 || e == EAGAIN || e == EPROTOTYPE)
		return fail(err, errlen, "%s is a live socket (something "
		    "accepts connections on it): not ours to replace; is the "
		    "path right?", path);
	return fail(err, errlen, "%s: a socket is there and connecting to "
	    "it to see whether it is stale failed (%s); refusing to replace "
	    "it", path, strerror(e));
}

/* Bind the temporary name relative to the directory (cwd = dir). */
static int
bind_tmp(struct gw_sock *s, const char *tmp, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;
	int r, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(tmp) >= sizeof(sun.sun_path))
		return fail(err, errlen, "socket name too long: %s", tmp);
	memcpy(sun.sun_path, tmp, strlen(tmp));
	if (fchdir(s->s_dirfd) == -1)
		return fail(err, errlen, "fchdir: %s", strerror(errno));
	old = umask(0777);	/* born unreachable; chmod, chown, rename */
	r = bind(s->s_fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	(void)umask(old);
	if (chdir("/") == -1)
		fatal("chdir /");
	if (r == -1)
		return fail(err, errlen, "bind %s: %s", tmp, strerror(e));
	return 0;
}

/*
 * Create the listening socket at the temporary name tmp in s->s_dirfd:
 * bound under umask 0777, chmoded and chowned to lc, listening, and not
 * yet reachable at the listener's path. On error the temporary name is
 * gone and s->s_fd is closed.
 */
static int
make_tmp(const struct listener_conf *lc, struct gw_sock *s, const char *tmp,
    char *err, size_t errlen)
{
	/* A leftover temporary name is ours too: we hold the lock. */
	if (check_existing(tmp, tmp, s->s_dirfd, err, errlen) == 1 &&
	    unlinkat(s->s_dirfd, tmp, 0) == -1)
		return fail(err, errlen, "unlink %s: %s", tmp, strerror(errno));
	if ((s->s_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return fail(err, errlen, "socket: %s", strerror(errno));
	if (bind_tmp(s, tmp, err, errlen) == -1)
		goto bad;
	/*
	 * Mode first, then owner: still root's, at a name nobody uses and
	 * not listening, so no moment is unsafe, and the parent needs no
	 * CAP_FOWNER to chmod a file it has already given away.
	 */
	if (fchmodat(s->s_dirfd, tmp, (mode_t)lc->mode, 0) == -1) {
		fail(err, errlen, "chmod %s: %s", lc->path, strerror(errno));
		goto bad_unlink;
	}
	if (fchownat(s->s_dirfd, tmp, lc->uid, lc->gid,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		fail(err, errlen, "chown %s to %lu:%lu: %s", lc->path,
		    (unsigned long)lc->uid, (unsigned long)lc->gid,
		    strerror(errno));
		goto bad_unlink;
	}
	if (listen(s->s_fd, SOCK_BACKLOG) == -1) {
		fail(err, errlen, "listen %s: %s", lc->path, strerror(errno));
		goto bad_unlink;
	}
	return 0;
bad_unlink:
	(void)unlinkat(s->s_dirfd, tmp, 0);
bad:
	(void)close(s->s_fd);
	s->s_fd = -1;
	return -1;
}

/* Atomic: the path is the old socket or the new one, never absent. */
static int
rename_in(struct gw_sock *s, const char *tmp, char *err, size_t errlen)
{
	struct stat st;

	if (renameat(s->s_dirfd, tmp, s->s_dirfd, s->s_base) == -1) {
		fail(err, errlen, "rename to %s: %s", s->s_path,
		    strerror(errno));
		(void)unlinkat(s->s_dirfd, tmp, 0);
		return -1;
	}
	if (fstatat(s->s_dirfd, s->s_base, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return fail(err, errlen, "lstat %s: %s", s->s_path,
		    strerror(errno));
	s->s_dev = st.st_dev;
	s->s_ino = st.st_ino;
	return 0;
}

int
sock_open(const struct listener_conf *lc, struct gw_sock *s, char *err,
    size_t errlen)
{
	char dir[POLICY_PATH_MAX], tmp[POLICY_PATH_MAX + 32];
	const char *slash;
	int stale;

	memset(s, 0, sizeof(*s));
	s->s_fd = s->s_lockfd = s->s_dirfd = -1;
	gw_strlcpy(s->s_path, lc->path, sizeof(s->s_path));
	if (lc->path[0] == '@')
		return open_abstract(lc, s, err, errlen);
	if (lc->path[0] != '/' || (slash = strrchr(lc->path, '/')) == NULL ||
	    slash[1] == '\0')
		return fail(err, errlen, "%s: not an absolute socket path",
		    lc->path);
	memcpy(dir, lc->path, (size_t)(slash - lc->path));
	dir[slash - lc->path] = '\0';
	if (dir[0] == '\0')
		gw_strlcpy(dir, "/", sizeof(dir));
	gw_strlcpy(s->s_base, slash + 1, sizeof(s->s_base));

	if (open_dir(dir, s, err, errlen) == -1 ||
	    take_lock(lc, s, err, errlen) == -1 ||
	    (stale = check_existing(s->s_base, lc->path, s->s_dirfd, err,
	    errlen)) == -1 ||
	    (stale && probe_stale(s, lc->path, err, errlen) == -1))
		goto bad;
	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", s->s_base);
	if (make_tmp(lc, s, tmp, err, errlen) == -1 ||
	    rename_in(s, tmp, err, errlen) == -1)
		goto bad;
	if (stale)
		log_info("%s: replaced a stale socket", lc->path);
	return 0;
bad:
	if (s->s_fd != -1)
		(void)close(s->s_fd);
	if (s->s_lockfd != -1)
		(void)close(s->s_lockfd);
	if (s->s_dirfd != -1)
		(void)close(s->s_dirfd);
	s->s_fd = s->s_lockfd = s->s_dirfd = -1;
	return -1;
}

int
sock_prepare(const struct listener_conf *lc, const struct gw_sock *old,
    struct gw_sock *s, char *err, size_t errlen)
{
	char tmp[POLICY_PATH_MAX + 32];

	memset(s, 0, sizeof(*s));
	s->s_fd = s->s_lockfd = -1;
	if (old->s_abstract || old->s_inherited || old->s_dirfd == -1 ||
	    old->s_lockfd == -1)
		return fail(err, errlen, "%s: cannot be replaced", old->s_path);
	gw_strlcpy(s->s_path, old->s_path, sizeof(s->s_path));
	gw_strlcpy(s->s_base, old->s_base, sizeof(s->s_base));
	s->s_dirfd = old->s_dirfd;	/* borrowed until sock_commit */
	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", s->s_base);
	if (make_tmp(lc, s, tmp, err, errlen) == -1) {
		s->s_dirfd = -1;
		return -1;
	}
	return 0;
}

int
sock_commit(struct gw_sock *s, struct gw_sock *old, char *err,
    size_t errlen)
{
	char tmp[POLICY_PATH_MAX + 32];

	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", s->s_base);
	if (rename_in(s, tmp, err, errlen) == -1) {
		sock_abort(s);
		return -1;
	}
	/* The path is s's now: it takes the lock and the directory. */
	s->s_lockfd = old->s_lockfd;
	old->s_lockfd = old->s_dirfd = -1;
	return 0;
}

void
sock_abort(struct gw_sock *s)
{
	char tmp[POLICY_PATH_MAX + 32];

	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", s->s_base);
	if (s->s_dirfd != -1)
		(void)unlinkat(s->s_dirfd, tmp, 0);
	if (s->s_fd != -1)
		(void)close(s->s_fd);
	s->s_fd = s->s_dirfd = -1;	/* the directory is old's */
}

void
sock_close(struct gw_sock *s, int unlink_path)
{
	char name[POLICY_PATH_MAX + 8];
	struct stat st;

	if (s->s_fd != -1 && close(s->s_fd) == -1)
		log_warn("close %s", s->s_path);
	s->s_fd = -1;
	if (unlink_path && !s->s_abstract && !s->s_inherited &&
	    s->s_dirfd != -1) {
		if (fstatat(s->s_dirfd, s->s_base, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == s->s_dev &&
		    st.st_ino == s->s_ino) {
			if (unlinkat(s->s_dirfd, s->s_base, 0) == -1)
				log_warn("unlink %s", s->s_path);
		} else
			log_info("%s is no longer ours; left in place",
			    s->s_path);
		(void)snprintf(name, sizeof(name), "%s.lock", s->s_base);
		if (s->s_lockfd != -1 && unlinkat(s->s_dirfd, name, 0) == -1 &&
		    errno != ENOENT)
			log_warn("unlink %s.lock", s->s_path);
	}
	if (s->s_lockfd != -1)
		(void)close(s->s_lockfd);
	if (s->s_dirfd != -1)
		(void)close(s->s_dirfd);
	s->s_lockfd = s->s_dirfd = -1;
}

int
sock_check_inherited(int fd, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t alen = sizeof(sun), olen;
	struct stat st;
	size_t n;
	int v;

	if (fstat(fd, &st) == -1)
		return fail(err, errlen, "fd %d: %s", fd, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return fail(err, errlen, "fd %d is not a socket", fd);
	olen = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &olen) == -1 ||
	    v != SOCK_STREAM)
		return fail(err, errlen, "fd %d is not a stream socket", fd);
	olen = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &olen) == -1 ||
	    v != 1)
		return fail(err, errlen, "fd %d is not listening", fd);
	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &alen) == -1)
		return fail(err, errlen, "fd %d: getsockname: %s", fd,
		    strerror(errno));
	if (sun.sun_family != AF_UNIX || alen <= offsetof(struct sockaddr_un,
	    sun_path) || alen > sizeof(sun))
		return fail(err, errlen, "fd %d is not a bound Unix socket",
		    fd);
	n = alen - offsetof(struct sockaddr_un, sun_path);
	if (sun.sun_path[0] == '\0') {
		/* Abstract: "@name", length-delimited. */
		if (n < 2 || n >= pathlen)
			return fail(err, errlen, "fd %d: bad abstract name", fd);
		path[0] = '@';
		memcpy(path + 1, sun.sun_path + 1, n - 1);
		path[n] = '\0';
	} else {
		n = strnlen(sun.sun_path, n);
		if (n >= pathlen)
			return fail(err, errlen, "fd %d: path too long", fd);
		memcpy(path, sun.sun_path, n);
		path[n] = '\0';
	}
	return 0;
}

int
sock_adopt(int fd, const struct listener_conf *lc, struct gw_sock *s,
    char *err, size_t errlen)
{
	char path[POLICY_PATH_MAX];
	int fl;

	memset(s, 0, sizeof(*s));
	s->s_fd = s->s_lockfd = s->s_dirfd = -1;
	if (sock_check_inherited(fd, path, sizeof(path), err, errlen) == -1)
		return -1;
	if (strcmp(path, lc->path) != 0)
		return fail(err, errlen, "fd %d is bound to %s, not %s", fd,
		    path, lc->path);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return fail(err, errlen, "fd %d: fcntl: %s", fd,
		    strerror(errno));
	s->s_fd = fd;
	s->s_inherited = 1;
	s->s_abstract = path[0] == '@';
	gw_strlcpy(s->s_path, lc->path, sizeof(s->s_path));
	return 0;
}
