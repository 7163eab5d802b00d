/* SPDX-License-Identifier: ISC */
/* Sandbox: the worker's seccomp allowlist (policy/worker.syscalls). */
#ifndef UDSGW_SANDBOX_H
#define UDSGW_SANDBOX_H

#include <stdio.h>

#define SANDBOX_ENFORCE		0	/* kill the process on a violation */
#define SANDBOX_DEBUG		1	/* trap and name the call; never for production */
#define SANDBOX_LEARN		2	/* log violations (RET_LOG), allow them */

/* Exit status of a worker stopped by the SANDBOX_DEBUG trap (128+SIGSYS). */
#define SANDBOX_DEBUG_EXIT	159

/* The allowlists compiled in: policy/worker.syscalls, connector.syscalls. */
#define SANDBOX_WORKER		0
#define SANDBOX_CONNECTOR	1

/*
 * sandbox_select: make sandbox_apply, sandbox_print and
 * sandbox_check_table use table (SANDBOX_WORKER, the default, or
 * SANDBOX_CONNECTOR), with family as the value of "$family" conditions
 * (the connector's socket(2) domain; -1: none, and a rule that needs it
 * is fatal). Fatal on an unknown table.
 */
void	 sandbox_select(int table, int family);

/*
 * sandbox_apply: build the filter from the compiled allowlist and load it.
 * Must be the last setup step: after privdrop_apply(), which already sets
 * NO_NEW_PRIVS (it is set here again if it is not). Default action, by
 * mode: SANDBOX_ENFORCE kills the whole process (SIGSYS);
 * SANDBOX_DEBUG traps, and an async-signal-safe SIGSYS handler writes
 * "seccomp: blocked syscall N (name) arch 0x..." to report_fd and calls
 * _exit(SANDBOX_DEBUG_EXIT) (as OpenSSH warns for its equivalent: a
 * debugging aid, never for production); SANDBOX_LEARN logs violations to
 * the kernel audit log and lets them through. If report_fd is a datagram
 * or seqpacket socket (the worker's log socket), the debug line is sent as
 * one log record (see log.h); otherwise it is a text line. report_fd is
 * unused in the other modes (pass -1). A foreign architecture or an x32
 * call is always killed. Any error is fatal: the worker never runs
 * without its filter. Not for sanitizer builds (their runtimes need more).
 */
void	 sandbox_apply(int mode, int report_fd);

/*
 * sandbox_print: write the effective filter to fp, one line per rule:
 * name, number on this architecture ("-" if absent), action, argument
 * conditions and the reason, as for --print-seccomp.
 */
void	 sandbox_print(FILE *fp);

/*
 * sandbox_check_table: return 0 if every non-optional name in the
 * allowlist resolves to a system call on this architecture, else log
 * each one that does not (log_warnx) and return -1. Used by the build
 * (seccomp_probe check) and the tests; sandbox_apply() does the same
 * check and is fatal instead.
 */
int	 sandbox_check_table(void);

#endif /* UDSGW_SANDBOX_H */
