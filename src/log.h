/* SPDX-License-Identifier: ISC */
/* Logging: one sink (stderr, or the worker's pipe to the parent), fatal(). */
#ifndef UDSGW_LOG_H
#define UDSGW_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_SINK_STDERR		0	/* parent: write lines to fd 2 */
#define LOG_SINK_IPC		1	/* worker: one datagram per record */

#define LOG_LINE_MAX		4096	/* one output line, escapes and '\n' */
#define LOG_QUEUE_MAX		(64 * 1024)	/* parent: bytes waiting */

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

/*
 * Nothing a log line carries can stop the service (SECURITY.md, "Logs").
 *
 * log_queue_init (parent, once, before the workers): from now on lines
 * to standard error are written without blocking, through a queue of at
 * most LOG_QUEUE_MAX bytes; a line that does not fit is dropped and
 * counted, and "N log lines dropped" is written when the queue has
 * drained. Standard error is reopened (pipe, FIFO, terminal) or sent to
 * with MSG_DONTWAIT (socket) so that the open file description others
 * share is never made non-blocking; a regular file is written as it is.
 * At exit (fatal() included) what is queued is written for at most
 * about a second.
 * log_queue_fd: the descriptor to watch for EPOLLOUT while lines wait.
 * log_flush: parent: write what the output takes now; returns 1 if lines
 * still wait, else 0. Worker: retry the "dropped N log records" notice
 * (records the parent's socket had no room for); returns 0.
 */
void	 log_queue_init(void);
int	 log_queue_fd(void);
int	 log_flush(void);

/*
 * log_worker_record (parent): log one record received from a worker,
 * prefixed with who (e.g. "worker api#1 pid 123"): at the record's
 * priority, never above LOG_ERR, with every byte outside printable
 * ASCII escaped (log_escape), so that a worker cannot forge a line or
 * a journal priority.
 */
void	 log_worker_record(const char *who, const char *rec, size_t len);

/*
 * Pure helpers, unit-tested.
 *
 * log_escape: len bytes of src into dst (dstlen >= 1), NUL-terminated:
 * 0x20..0x7e as they are except '\\', which becomes "\\\\"; every other
 * byte (controls, DEL, and 0x80..0xff: no UTF-8 is passed through, so no
 * U+2028, NEL or bidirectional override either) becomes "\\xHH" (lower
 * case hex). An escape that does not fit is not started. Returns the
 * length written; *used (if not NULL) gets the bytes of src consumed.
 *
 * log_worker_prio: the priority of a worker record and the bytes of
 * prefix to skip: a first byte '0'..'7' is its priority, raised to
 * LOG_ERR if more urgent (EMERG, ALERT, CRIT from a worker are ERR);
 * anything else is raw text from the worker's stderr (glibc's abort
 * messages): LOG_ERR, nothing skipped.
 *
 * log_format_line: one line into out (outlen >= 32): "<prio>" when
 * journal, else "tag[pid]: "; then "who: " when who is not NULL; then
 * msg escaped; then '\n'. A message that does not fit ends in "..."
 * before the '\n'. Returns the length (the line always ends in '\n').
 */
size_t	 log_escape(char *dst, size_t dstlen, const void *src, size_t len,
	    size_t *used);
int	 log_worker_prio(const char *rec, size_t len, size_t *skip);
size_t	 log_format_line(char *out, size_t outlen, int journal,
	    const char *tag, long pid, int prio, const char *who,
	    const char *msg, size_t msglen);

/*
 * Denial logs, per uid (per process): log_denial_permit says whether
 * this denial may be logged (at most LOG_DENIAL_BURST per uid per
 * LOG_DENIAL_WINDOW_MS; the rest are counted); log_denial_summaries,
 * called periodically, logs "uid U: N denials suppressed in the last
 * Xs" for each uid whose count is due.
 */
#define LOG_DENIAL_BURST	5
#define LOG_DENIAL_WINDOW_MS	10000
int	 log_denial_permit(unsigned long uid, uint64_t now_ms);
void	 log_denial_summaries(uint64_t now_ms);

/* Exit status of fatal()/fatalx(); the parent uses EX_CONFIG for policy. */
#define GW_EXIT_FAILURE		1
#define GW_EXIT_CONFIG		78	/* EX_CONFIG: never retried */

#endif /* UDSGW_LOG_H */
