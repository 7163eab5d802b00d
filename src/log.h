/* SPDX-License-Identifier: ISC */
/* Logging: one sink (stderr, or the worker's pipe to the parent), fatal(). */
#ifndef UDSGW_LOG_H
#define UDSGW_LOG_H

#include <stdarg.h>

#define LOG_SINK_STDERR		0	/* parent: write lines to fd 2 */
#define LOG_SINK_IPC		1	/* worker: one datagram per record */

/*
 * log_init: set the program tag and minimum priority (syslog LOG_* levels;
 * LOG_DEBUG enables log_debug()). log_set_sink: send records to fd as
 * LOG_SINK_IPC datagrams ("<prio>text") instead of stderr. Neither
 * allocates; both are safe before and after the sandbox.
 */
void	 log_init(const char *tag, int level);
void	 log_set_sink(int kind, int fd);
void	 log_set_journal(int on);	/* prefix "<N>" for the journal */
int	 log_level(void);

/* log_warn and fatal append ": strerror(errno)"; the x variants do not. */
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_prio(int prio, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Exit status of fatal()/fatalx(); the parent uses EX_CONFIG for policy. */
#define GW_EXIT_FAILURE		1
#define GW_EXIT_CONFIG		78	/* EX_CONFIG: never retried */

#endif /* UDSGW_LOG_H */
