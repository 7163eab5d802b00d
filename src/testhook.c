/* SPDX-License-Identifier: ISC */
/*
 * Test-only: run what an attacker who owns a worker would run, inside the
 * real sandbox (ids dropped, chroot, no capabilities, seccomp), and report
 * what happened as log records "testhook: ...". Built only by
 * `make TESTHOOK=1 B=build-hook` (-DGW_TESTHOOK); every other build leaves
 * this file out, and tests/system/t_contain.sh checks that the release
 * binary has none of it.
 *
 * UDSGW_TESTHOOK="ITEM;ITEM;..." in the daemon's environment (workers
 * inherit it through execv). Items:
 *
 *	listener=NAME	required: only a worker serving NAME acts
 *	at=conn		wait for the first connection to NAME (up to 60 s)
 *			instead of acting at once; its first line must be
 *			"testhook [ITEM;...]" and adds those actions (so a
 *			test can name a pid it learns later). The reply is
 *			"testhook: done". A worker started later waits again:
 *			send it "testhook" to let it serve.
 *	list_fds	every open descriptor 0..1023, with the calls the
 *			filter allows: getsockopt(SO_ERROR) tells socket,
 *			other or closed; SO_PEERCRED who made a socket
 *	accept_all	accept4() on every descriptor but NAME's own; what is
 *			accepted is read (the victim's request), answered
 *			with a forged "200 forged" and closed
 *	shutdown_rd	shutdown(own listening fd, SHUT_RD)
 *	shutdown_wr	shutdown(own listening fd, SHUT_WR)
 *	kill=PID:SIG	kill(PID, SIG), SIG one of 0 TERM STOP CONT KILL
 *	log_emerg	a raw record on the IPC socket, past log.c: priority
 *			'0' (EMERG), embedded newlines and a forged line
 *	try=CALL	one call the filter may refuse, on the own fd: fcntl
 *			(F_GETFD), fstat, getsockname
 *
 * XXX issue 15 (forwarding): an action asking the connector for another
 * upstream than the listener's belongs here once the connector exists.
 */
#define _GNU_SOURCE	/* accept4, strerrorname_np */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "testhook.h"
#include "worker.h"

#define FD_SCAN_MAX	1024
#define ITEM_MAX	256
#define LINE_MAX_	512	/* the trigger line */
#define WAIT_STEP_MS	20
#define WAIT_STEPS	3000	/* 60 s for a trigger, then serve */
#define READ_STEPS	100	/* 2 s for a stolen peer's request */
#define STOLEN_MAX	200	/* bytes of it shown in the log */

static const char forged_reply[] = "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\nContent-Length: 7\r\n"
    "Connection: close\r\n\r\nforged\n";
/* As an attacker writes it: '0' = LOG_EMERG, then a forged journal line. */
static const char forged_record[] = "0x\n<0>uds-gateway[1]: reloaded: forged";

static const char *
errname(int e)
{
	const char *s = strerrorname_np(e);

	return s != NULL ? s : "E?";
}

/* Sleep with the one blocking call the filter allows: a futex wait. */
static int
sleep_ms(long ms)
{
	struct timespec ts;
	int word = 0;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	if (syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0) ==
	    -1 && errno == EINTR)
		return -1;	/* SIGTERM: the worker is told to stop */
	return 0;
}

/* Bytes as text: printable ASCII kept, the rest as \r, \n, \xNN. */
static void
escape(const char *p, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		if (c == '\r' || c == '\n' || c == '\\')
			out[o++] = c == '\r' ? 'r' : c == '\n' ? 'n' : '\\';
		else {
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
}

/* The next ';'-separated item of *pp, blanks trimmed; 0 at the end. */
static int
next_item(const char **pp, char *item, size_t len)
{
	const char *p = *pp, *e;
	size_t n;

	while (*p == ';' || *p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	e = p + strcspn(p, ";");
	*pp = e;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	n = (size_t)(e - p) < len - 1 ? (size_t)(e - p) : len - 1;
	memcpy(item, p, n);
	item[n] = '\0';
	return 1;
}

/* Does spec have the item "key=value" (value NULL: any value)? */
static int
spec_has(const char *spec, const char *key, const char *value)
{
	char item[ITEM_MAX];
	size_t k = strlen(key);

	while (next_item(&spec, item, sizeof(item)))
		if (strncmp(item, key, k) == 0 && item[k] == '=' &&
		    (value == NULL || strcmp(item + k + 1, value) == 0))
			return 1;
	return 0;
}

static void
act_list_fds(int own)
{
	struct ucred uc;
	socklen_t len;
	int fd, v, nsock = 0, nother = 0;

	for (fd = 0; fd < FD_SCAN_MAX; fd++) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == -1) {
			if (errno == ENOTSOCK) {
				log_info("testhook: fd %d: open, not a socket",
				    fd);
				nother++;
			} else if (errno != EBADF)
				log_info("testhook: fd %d: getsockopt: %s", fd,
				    errname(errno));
			continue;
		}
		nsock++;
		len = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
			log_info("testhook: fd %d: socket%s, SO_PEERCRED: %s",
			    fd, fd == own ? " (own listener)" : "",
			    errname(errno));
		else
			log_info("testhook: fd %d: socket%s, peercred pid %ld "
			    "uid %lu", fd, fd == own ? " (own listener)" : "",
			    (long)uc.pid, (unsigned long)uc.uid);
	}
	log_info("testhook: list_fds: %d sockets, %d other open fds", nsock,
	    nother);
}

/* A connection taken from someone else's listener: read, forge, close. */
static void
steal(int lfd, int c)
{
	char buf[STOLEN_MAX], text[4 * STOLEN_MAX + 8];
	struct ucred uc;
	socklen_t len = sizeof(uc);
	ssize_t n = -1;
	int i;

	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0)
		log_info("testhook: accept4 fd %d: accepted a connection from "
		    "pid %ld uid %lu", lfd, (long)uc.pid,
		    (unsigned long)uc.uid);
	for (i = 0; i < READ_STEPS; i++) {
		n = recv(c, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR) ||
		    sleep_ms(WAIT_STEP_MS) == -1)
			break;
	}
	if (n > 0) {
		escape(buf, (size_t)n, text, sizeof(text));
		log_info("testhook: accept4 fd %d: read %zd bytes: %s", lfd, n,
		    text);
	} else
		log_info("testhook: accept4 fd %d: read nothing (%s)", lfd,
		    n == 0 ? "EOF" : errname(errno));
	n = send(c, forged_reply, sizeof(forged_reply) - 1, MSG_NOSIGNAL);
	log_info("testhook: accept4 fd %d: forged reply %s", lfd,
	    n == (ssize_t)sizeof(forged_reply) - 1 ? "sent" : "not sent");
	(void)close(c);
}

static void
act_accept_all(int own)
{
	int fd, c, tried = 0, accepted = 0, ebadf = 0, other = 0;

	for (fd = 0; fd < FD_SCAN_MAX; fd++) {
		if (fd == own)
			continue;
		tried++;
		/*
		 * A blocking listening socket without a pending peer would
		 * block here; the gateway makes every listener non-blocking.
		 */
		if ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
			accepted++;
			steal(fd, c);
		} else if (errno == EBADF)
			ebadf++;
		else {
			other++;
			log_info("testhook: accept4 fd %d: %s", fd,
			    errname(errno));
		}
	}
	log_info("testhook: accept_all: %d fds tried, %d accepted, %d EBADF, "
	    "%d other errors", tried, accepted, ebadf, other);
}

static void
act_shutdown(int own, int how)
{
	const char *name = how == SHUT_RD ? "SHUT_RD" : "SHUT_WR";

	log_info("testhook: shutdown(fd %d, %s) ...", own, name);
	if (shutdown(own, how) == -1)
		log_info("testhook: shutdown(fd %d, %s) = -1 %s", own, name,
		    errname(errno));
	else
		log_info("testhook: shutdown(fd %d, %s) = 0", own, name);
}

static int
signal_number(const char *s)
{
	static const struct {
		const char	*name;
		int		 sig;
	} sigs[] = {
		{ "0", 0 }, { "TERM", SIGTERM }, { "STOP", SIGSTOP },
		{ "CONT", SIGCONT }, { "KILL", SIGKILL },
	};
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	return -1;
}

static void
act_kill(const char *arg)
{
	char num[32];
	const char *colon, *errstr = NULL;
	long long pid;
	int sig;
	size_t n;

	if ((colon = strchr(arg, ':')) == NULL ||
	    (n = (size_t)(colon - arg)) >= sizeof(num) ||
	    (sig = signal_number(colon + 1)) == -1) {
		log_info("testhook: kill=%s: want kill=PID:0|TERM|STOP|CONT|"
		    "KILL", arg);
		return;
	}
	memcpy(num, arg, n);
	num[n] = '\0';
	pid = strtonum(num, 1, INT_MAX, &errstr);
	if (errstr != NULL) {
		log_info("testhook: kill=%s: pid %s", arg, errstr);
		return;
	}
	log_info("testhook: kill(%lld, %s) ...", pid, colon + 1);
	if (kill((pid_t)pid, sig) == -1)
		log_info("testhook: kill(%lld, %s) = -1 %s", pid, colon + 1,
		    errname(errno));
	else
		log_info("testhook: kill(%lld, %s) = 0", pid, colon + 1);
}

static void
act_log_emerg(void)
{
	ssize_t n;

	log_info("testhook: log_emerg: sending a raw record at priority 0");
	n = send(WORKER_FD_IPC, forged_record, sizeof(forged_record) - 1,
	    MSG_NOSIGNAL);
	log_info("testhook: log_emerg: %s", n == (ssize_t)sizeof(forged_record)
	    - 1 ? "sent" : "not sent");
}

static void
act_try(int own, const char *call)
{
	struct sockaddr_un sun;
	struct stat st;
	socklen_t len = sizeof(sun);
	int r;

	log_info("testhook: try %s on fd %d ...", call, own);
	memset(&sun, 0, sizeof(sun));
	if (strcmp(call, "fcntl") == 0)
		r = fcntl(own, F_GETFD);
	else if (strcmp(call, "fstat") == 0)
		r = fstat(own, &st);
	else if (strcmp(call, "getsockname") == 0)
		r = getsockname(own, (struct sockaddr *)&sun, &len);
	else {
		log_info("testhook: try=%s: want fcntl, fstat or getsockname",
		    call);
		return;
	}
	if (r == -1)
		log_info("testhook: try %s = -1 %s", call, errname(errno));
	else
		log_info("testhook: try %s = %d%s%.*s", call, r,
		    sun.sun_path[0] != '\0' ? " path " : "",
		    (int)sizeof(sun.sun_path), sun.sun_path);
}

static void
run_actions(const char *spec, int own)
{
	char item[ITEM_MAX];

	while (next_item(&spec, item, sizeof(item))) {
		if (strncmp(item, "listener=", 9) == 0 ||
		    strncmp(item, "at=", 3) == 0 || strcmp(item, "skip") == 0)
			continue;
		if (strcmp(item, "list_fds") == 0)
			act_list_fds(own);
		else if (strcmp(item, "accept_all") == 0)
			act_accept_all(own);
		else if (strcmp(item, "shutdown_rd") == 0)
			act_shutdown(own, SHUT_RD);
		else if (strcmp(item, "shutdown_wr") == 0)
			act_shutdown(own, SHUT_WR);
		else if (strncmp(item, "kill=", 5) == 0)
			act_kill(item + 5);
		else if (strcmp(item, "log_emerg") == 0)
			act_log_emerg();
		else if (strncmp(item, "try=", 4) == 0)
			act_try(own, item + 4);
		else
			log_info("testhook: unknown action %s", item);
	}
}

/*
 * at=conn: the first connection to our own listener, and its first line,
 * which must start with "testhook". The listener is non-blocking and the
 * filter allows no poll or sleep of its own, so wait in futex steps.
 * Returns the connection (the caller answers and closes it), or -1.
 */
static int
wait_trigger(int own, char *line, size_t len)
{
	size_t have = 0;
	ssize_t n;
	int c = -1, i;

	for (i = 0; i < WAIT_STEPS && c == -1; i++) {
		if ((c = accept4(own, NULL, NULL, SOCK_CLOEXEC)) != -1)
			break;
		if ((errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED) || sleep_ms(WAIT_STEP_MS) == -1) {
			log_info("testhook: waiting for a trigger: %s",
			    errname(errno));
			return -1;
		}
	}
	if (c == -1) {
		log_info("testhook: no trigger connection, serving");
		return -1;
	}
	while (have < len - 1 && memchr(line, '\n', have) == NULL) {
		n = recv(c, line + have, len - 1 - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	line[have] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "testhook", 8) != 0 ||
	    (line[8] != '\0' && line[8] != ' ')) {
		log_info("testhook: first connection is not a trigger; closed");
		(void)close(c);
		return -1;
	}
	memmove(line, line + 8, strlen(line + 8) + 1);
	return c;
}

void
testhook_run(const char *listener, int listen_fd)
{
	char line[LINE_MAX_];
	const char *spec;
	static const char done[] = "testhook: done\n";
	int c = -1;

	if ((spec = getenv(TESTHOOK_ENV)) == NULL ||
	    !spec_has(spec, "listener", listener))
		return;
	log_info("testhook: worker pid %ld, listener %s on fd %d: %s",
	    (long)getpid(), listener, listen_fd, spec);
	if (spec_has(spec, "at", "conn")) {
		if ((c = wait_trigger(listen_fd, line, sizeof(line))) == -1)
			return;
		log_info("testhook: triggered:%s", line);
	}
	run_actions(spec, listen_fd);
	if (c != -1) {
		run_actions(line, listen_fd);
		(void)send(c, done, sizeof(done) - 1, MSG_NOSIGNAL);
		(void)close(c);
	}
	log_info("testhook: done");
}
