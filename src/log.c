/* SPDX-License-Identifier: ISC */
/* Logging: one sink (stderr, or the worker's socket to the parent), fatal(). */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char	*log_tag = "uds-gateway";
static int		 log_min = LOG_INFO;
static int		 log_sink = LOG_SINK_STDERR;
static int		 log_fd = 2;
static int		 log_journal;

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
	char msg[1024], line[1200];
	int saved = errno, n;

	if (prio > log_min)
		return;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	if (with_errno) {
		n = (int)strlen(msg);
		(void)snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(saved));
	}
	if (log_sink == LOG_SINK_IPC) {
		/* The parent adds the tag, the pid and the priority prefix. */
		n = snprintf(line, sizeof(line), "%c%s", '0' + prio, msg);
		if (n > 0)
			(void)send(log_fd, line, (size_t)n < sizeof(line) ?
			    (size_t)n : sizeof(line) - 1, MSG_NOSIGNAL);
	} else {
		if (log_journal)
			n = snprintf(line, sizeof(line), "<%d>%s\n", prio, msg);
		else
			n = snprintf(line, sizeof(line), "%s[%ld]: %s\n",
			    log_tag, (long)getpid(), msg);
		if (n > 0) {
			if ((size_t)n >= sizeof(line)) {
				n = sizeof(line) - 1;
				line[n - 1] = '\n';
			}
			/* Nowhere to report a failed log write. */
			if (write(log_fd, line, (size_t)n) == -1)
				errno = saved;
		}
	}
	errno = saved;
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
