/* SPDX-License-Identifier: ISC */
/* Race-free Unix socket creation, stale-socket takeover, unlink-if-ours. */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/file.h>
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
			    "use (another instance running?)", lc->path);
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

/*
 * The directory must be ours (root or our euid) and writable by nobody
 * else, or sticky: then nobody else can rename or remove our entries.
 */
static int
open_dir(const char *dir, struct gw_sock *s, char *err, size_t errlen)
{
	struct stat st;

	s->s_dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->s_dirfd == -1 && errno == ENOENT) {
		if (mkdir(dir, geteuid() == 0 ? 0755 : 0700) == -1 &&
		    errno != EEXIST)
			return fail(err, errlen, "mkdir %s: %s", dir,
			    strerror(errno));
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
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return fail(err, errlen, "directory %s is owned by uid %lu, "
		    "not by root or us", dir, (unsigned long)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return fail(err, errlen, "directory %s is writable by group "
		    "or others (mode %04o) without the sticky bit", dir,
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Take <base>.lock in the directory; refuse if another holds it. */
static int
take_lock(const struct listener_conf *lc, struct gw_sock *s, char *err,
    size_t errlen)
{
	char name[POLICY_PATH_MAX + 8];
	struct stat st;

	(void)snprintf(name, sizeof(name), "%s.lock", s->s_base);
	s->s_lockfd = openat(s->s_dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
	if (s->s_lockfd == -1)
		return fail(err, errlen, "lock %s.lock: %s", lc->path,
		    strerror(errno));
	if (fstat(s->s_lockfd, &st) == -1 || !S_ISREG(st.st_mode))
		return fail(err, errlen, "lock %s.lock: not a regular file",
		    lc->path);
	if (flock(s->s_lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			return fail(err, errlen, "%s.lock is held by another "
			    "process: is another uds-gateway running?",
			    lc->path);
		return fail(err, errlen, "flock %s.lock: %s", lc->path,
		    strerror(errno));
	}
	return 0;
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
	old = umask(0777);	/* born unreachable; mode set after chown */
	r = bind(s->s_fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	(void)umask(old);
	if (chdir("/") == -1)
		fatal("chdir /");
	if (r == -1)
		return fail(err, errlen, "bind %s: %s", tmp, strerror(e));
	return 0;
}

int
sock_open(const struct listener_conf *lc, struct gw_sock *s, char *err,
    size_t errlen)
{
	char dir[POLICY_PATH_MAX], tmp[POLICY_PATH_MAX + 32];
	const char *slash;
	struct stat st;
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
	    errlen)) == -1)
		goto bad;
	/* A leftover temporary name is ours too: we hold the lock. */
	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", s->s_base);
	if (check_existing(tmp, tmp, s->s_dirfd, err, errlen) == 1 &&
	    unlinkat(s->s_dirfd, tmp, 0) == -1) {
		fail(err, errlen, "unlink %s: %s", tmp, strerror(errno));
		goto bad;
	}
	if ((s->s_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		fail(err, errlen, "socket: %s", strerror(errno));
		goto bad;
	}
	if (bind_tmp(s, tmp, err, errlen) == -1)
		goto bad;
	if (fchownat(s->s_dirfd, tmp, lc->uid, lc->gid,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		fail(err, errlen, "chown %s to %lu:%lu: %s", lc->path,
		    (unsigned long)lc->uid, (unsigned long)lc->gid,
		    strerror(errno));
		goto bad_unlink;
	}
	if (fchmodat(s->s_dirfd, tmp, (mode_t)lc->mode, 0) == -1) {
		fail(err, errlen, "chmod %s: %s", lc->path, strerror(errno));
		goto bad_unlink;
	}
	if (listen(s->s_fd, SOCK_BACKLOG) == -1) {
		fail(err, errlen, "listen %s: %s", lc->path, strerror(errno));
		goto bad_unlink;
	}
	/* Atomic: the path is the old socket or the new one, never absent. */
	if (renameat(s->s_dirfd, tmp, s->s_dirfd, s->s_base) == -1) {
		fail(err, errlen, "rename to %s: %s", lc->path,
		    strerror(errno));
		goto bad_unlink;
	}
	if (fstatat(s->s_dirfd, s->s_base, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		fail(err, errlen, "lstat %s: %s", lc->path, strerror(errno));
		goto bad;
	}
	s->s_dev = st.st_dev;
	s->s_ino = st.st_ino;
	if (stale)
		log_info("%s: replaced a stale socket", lc->path);
	return 0;
bad_unlink:
	(void)unlinkat(s->s_dirfd, tmp, 0);
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
