/* SPDX-License-Identifier: ISC */
/* Logging: one sink (stderr, or the worker's socket to the parent), fatal(). */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ratelimit.h"

#define LOG_EXIT_DRAIN_MS	1000	/* at exit, for the queued lines */
#define LOG_IPC_WAIT_PRIO	LOG_CRIT /* a worker waits to send these */

static const char	*log_tag = "uds-gateway";
static int		 log_min = LOG_INFO;
static int		 log_sink = LOG_SINK_STDERR;
static int		 log_fd = 2;
static int		 log_journal;

/* Worker: records the parent's socket had no room for. */
static unsigned long long ipc_dropped;

/* Parent: the queue in front of standard error (log_queue_init). */
static char		 lq_buf[LOG_QUEUE_MAX];
static size_t		 lq_off, lq_len;
static unsigned long long lq_dropped;
static int		 lq_on;
static int		 lq_fd = 2;
static int		 lq_sock;	/* lq_fd is a socket: MSG_DONTWAIT */

static struct ratelimit	 denial_rl;
static int		 denial_rl_init;

void
log_init(const char *tag, int level)
{
	log_tag = tag;
	log_min = level;
}

void
log_set_sink(int kind, int fd)
{
	log_sink = kind;
	log_fd = fd;
}

void
log_set_journal(int on)
{
	log_journal = on;
}

int
log_level(void)
{
	return log_min;
}

size_t
log_escape(char *dst, size_t dstlen, const void *src, size_t len,
    size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t i, n = 0, w;

	for (i = 0; i < len; i++) {
		w = s[i] >= 0x20 && s[i] < 0x7f ? (s[i] == '\\' ? 2 : 1) : 4;
		if (w >= dstlen - n)
			break;
		if (w == 1)
			dst[n] = (char)s[i];
		else if (w == 2) {
			dst[n] = '\\';
			dst[n + 1] = '\\';
		} else {
			dst[n] = '\\';
			dst[n + 1] = 'x';
			dst[n + 2] = hex[s[i] >> 4];
			dst[n + 3] = hex[s[i] & 0xf];
		}
		n += w;
	}
	dst[n] = '\0';
	if (used != NULL)
		*used = i;
	return n;
}

int
log_worker_prio(const char *rec, size_t len, size_t *skip)
{
	int prio;

	*skip = 0;
	if (len == 0 || rec[0] < '0' || rec[0] > '7')
		return LOG_ERR;
	*skip = 1;
	prio = rec[0] - '0';
	return prio < LOG_ERR ? LOG_ERR : prio;
}

size_t
log_format_line(char *out, size_t outlen, int journal, const char *tag,
    long pid, int prio, const char *who, const char *msg, size_t msglen)
{
	size_t n, used;
	int r;

	if (journal)
		r = snprintf(out, outlen, "<%d>", prio & 7);
	else
		r = snprintf(out, outlen, "%s[%ld]: ", tag, pid);
	n = r < 0 ? 0 : (size_t)r;
	/*
	 * Room for "...\n" and the NUL whatever comes first: n stays at
	 * most outlen - 5, so each log_escape below gets at least 1 byte.
	 */
	if (n > outlen - 5)
		n = outlen - 5;
	if (who != NULL) {
		n += log_escape(out + n, outlen - 4 - n, who, strlen(who),
		    NULL);
		if (n + 2 <= outlen - 5) {
			out[n++] = ':';
			out[n++] = ' ';
		}
	}
	n += log_escape(out + n, outlen - 4 - n, msg, msglen, &used);
	if (used < msglen) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

/* One write (or send) to the output, never blocking once queued. */
static ssize_t
out_write(const char *p, size_t n)
{
	ssize_t r;

	do {
		if (lq_sock)
			r = send(lq_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			r = write(lq_fd, p, n);
	} while (r == -1 && errno == EINTR);
	return r;
}

/*
 * Lines less urgent than LOG_WARNING may fill three quarters of the
 * queue only: a flood of debug lines cannot push out the warnings (a
 * denial, a summary of suppressed ones, a dead worker) that follow.
 */
static int
queue_add(const char *line, size_t n, int prio)
{
	size_t cap = prio <= LOG_WARNING ? sizeof(lq_buf) :
	    sizeof(lq_buf) / 4 * 3;

	if (lq_len > cap || n > cap - lq_len)
		return -1;
	if (n > sizeof(lq_buf) - lq_off - lq_len) {
		memmove(lq_buf, lq_buf + lq_off, lq_len);
		lq_off = 0;
	}
	memcpy(lq_buf + lq_off + lq_len, line, n);
	lq_len += n;
	return 0;
}

/*
 * Whole lines, at most PIPE_BUF bytes a write: a pipe takes those
 * atomically, so another writer on it never splits one of our lines.
 */
static size_t
chunk_len(void)
{
	size_t n = lq_len < PIPE_BUF ? lq_len : PIPE_BUF;

	while (n > 0 && lq_buf[lq_off + n - 1] != '\n')
		n--;
	return n > 0 ? n : (lq_len < PIPE_BUF ? lq_len : PIPE_BUF);
}

static int
queue_flush(void)
{
	char msg[96], line[160];
	ssize_t r;
	size_t n;

	for (;;) {
		while (lq_len > 0) {
			r = out_write(lq_buf + lq_off, chunk_len());
			if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 1;
			if (r <= 0) {
				/* EPIPE, EBADF...: nobody to tell. */
				lq_off = lq_len = 0;
				break;
			}
			lq_off += (size_t)r;
			lq_len -= (size_t)r;
		}
		lq_off = 0;
		if (lq_dropped == 0)
			return 0;
		(void)snprintf(msg, sizeof(msg), "%llu log lines dropped: "
		    "the log output was not taking them", lq_dropped);
		lq_dropped = 0;
		n = log_format_line(line, sizeof(line), log_journal, log_tag,
		    (long)getpid(), LOG_WARNING, NULL, msg, strlen(msg));
		(void)queue_add(line, n, LOG_WARNING);
	}
}

/* A formatted line to standard error: at once, or queued, or dropped. */
static void
emit(const char *line, size_t n, int prio)
{
	ssize_t r;

	if (!lq_on) {
		/* Before the queue (start-up, -t): as it always was. */
		(void)out_write(line, n);
		return;
	}
	if (lq_len == 0 && lq_dropped == 0) {
		r = out_write(line, n);
		if (r == (ssize_t)n || (r == -1 && errno != EAGAIN &&
		    errno != EWOULDBLOCK))
			return;
		if (r > 0) {
			line += r;
			n -= (size_t)r;
		}
	}
	if (queue_add(line, n, prio) == -1)
		lq_dropped++;
	(void)queue_flush();
}

/*
 * Worker: each record is one datagram, sent without waiting; with no
 * room (the parent behind on its reading) it is dropped and counted,
 * and the count is sent first once there is room again. Only fatal()'s
 * last words wait for room.
 */
static void
ipc_send(int prio, const char *msg)
{
	char line[1200];
	int n, flags = MSG_NOSIGNAL;

	if (prio > LOG_IPC_WAIT_PRIO)
		flags |= MSG_DONTWAIT;
	if (ipc_dropped > 0) {
		(void)log_flush();	/* the count first, if it fits now */
		if (ipc_dropped > 0 && (flags & MSG_DONTWAIT)) {
			ipc_dropped++;
			return;
		}
	}
	/* The parent adds the tag, the pid and the priority prefix. */
	n = snprintf(line, sizeof(line), "%c%s", '0' + prio, msg);
	if (n <= 0)
		return;
	if (send(log_fd, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1, flags) == -1)
		ipc_dropped++;
}

int
log_flush(void)
{
	char line[96];
	int n;

	if (log_sink == LOG_SINK_STDERR)
		return lq_on ? queue_flush() : 0;
	if (ipc_dropped == 0)
		return 0;
	n = snprintf(line, sizeof(line), "%cdropped %llu log records: the "
	    "parent was not reading", '0' + LOG_WARNING, ipc_dropped);
	if (n > 0 && send(log_fd, line, (size_t)n,
	    MSG_DONTWAIT | MSG_NOSIGNAL) == n)
		ipc_dropped = 0;
	return 0;
}

/*
 * Format one record into a stack buffer and write it with one system
 * call, so lines from several processes never interleave. No allocation:
 * this runs inside the sandbox too.
 */
static void vlog(int, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
vlog(int prio, int with_errno, const char *fmt, va_list ap)
{
	char msg[1024], line[LOG_LINE_MAX];
	int saved = errno, n;
	size_t len;

	if (prio > log_min)
		return;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	if (with_errno) {
		n = (int)strlen(msg);
		(void)snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(saved));
	}
	if (log_sink == LOG_SINK_IPC)
		ipc_send(prio, msg);	/* the parent escapes it */
	else {
		len = log_format_line(line, sizeof(line), log_journal,
		    log_tag, (long)getpid(), prio, NULL, msg, strlen(msg));
		emit(line, len, prio);
	}
	errno = saved;
}

void
log_worker_record(const char *who, const char *rec, size_t len)
{
	char line[LOG_LINE_MAX];
	size_t skip, n;
	int prio, saved = errno;

	prio = log_worker_prio(rec, len, &skip);
	if (prio > log_min)
		return;
	rec += skip;
	len -= skip;
	/* glibc ends its messages with one; it would only show as \x0a. */
	if (len > 0 && rec[len - 1] == '\n')
		len--;
	n = log_format_line(line, sizeof(line), log_journal, log_tag,
	    (long)getpid(), prio, who, rec, len);
	emit(line, n, prio);
	errno = saved;
}

/* At exit: what is queued, for a bounded time. */
static void
queue_drain_at_exit(void)
{
	struct pollfd pfd;
	struct timespec ts;
	long long end, now;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return;
	end = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    LOG_EXIT_DRAIN_MS;
	while (queue_flush() == 1) {
		if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
			return;
		now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= end)
			return;
		pfd.fd = lq_fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)(end - now)) == -1 && errno != EINTR)
			return;
	}
}

/*
 * Standard error must not block us, but its open file description may
 * be shared (the shell's terminal, a pipe other programs write to, the
 * journal stream), and O_NONBLOCK there would change it for them too.
 * So: a socket gets MSG_DONTWAIT on each send; a pipe, FIFO or terminal
 * is opened again through /proc (a new open file description of the
 * same object) and that one is made non-blocking; a regular file is
 * written as it is (it has no reader to wait for, and reopening it
 * would lose the shared offset). If the reopening fails, lines are
 * still queued but written blocking, as before: said once.
 */
void
log_queue_init(void)
{
	struct stat st, st2;
	int fd;

	if (lq_on)
		return;
	lq_on = 1;
	lq_fd = 2;
	if (atexit(queue_drain_at_exit) != 0)
		log_warnx("log: atexit");
	if (fstat(2, &st) == -1)
		return;		/* writes fail and are dropped */
	if (S_ISSOCK(st.st_mode)) {
		lq_sock = 1;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st2) == -1 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino || st2.st_rdev != st.st_rdev) {
		if (fd != -1)
			(void)close(fd);
		log_warn("log: cannot open standard error again without "
		    "blocking; a stalled log reader can stall the gateway");
		return;
	}
	lq_fd = fd;
}

int
log_queue_fd(void)
{
	return lq_fd;
}

static void
denial_summaries(int all, uint64_t now_ms)
{
	struct ratelimit_summary s;

	if (!denial_rl_init)
		return;
	while (all ? ratelimit_flush(&denial_rl, now_ms, &s) :
	    ratelimit_summary(&denial_rl, now_ms, &s))
		if (s.other)
			log_warnx("other uids: %llu denials suppressed in the "
			    "last %llus", (unsigned long long)s.count,
			    (unsigned long long)(s.span_ms + 999) / 1000);
		else
			log_warnx("uid %lu: %llu denials suppressed in the "
			    "last %llus", (unsigned long)s.key,
			    (unsigned long long)s.count,
			    (unsigned long long)(s.span_ms + 999) / 1000);
}

void
log_denial_summaries(uint64_t now_ms)
{
	denial_summaries(0, now_ms);
}

/* A worker that exits (drain, reload) still says what it suppressed. */
static void
denial_summaries_at_exit(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		denial_summaries(1, (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000);
}

int
log_denial_permit(unsigned long uid, uint64_t now_ms)
{
	if (!denial_rl_init) {
		ratelimit_init(&denial_rl, LOG_DENIAL_BURST,
		    LOG_DENIAL_WINDOW_MS);
		denial_rl_init = 1;
		if (atexit(denial_summaries_at_exit) != 0)
			log_warnx("log: atexit");
	}
	return ratelimit_allow(&denial_rl, (uint32_t)uid, now_ms);
}

void
log_prio(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(GW_EXIT_FAILURE);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(GW_EXIT_FAILURE);
}
