/* SPDX-License-Identifier: ISC */
/* Test-only: attacker actions inside a real, sandboxed worker (TESTHOOK=1). */
#ifndef UDSGW_TESTHOOK_H
#define UDSGW_TESTHOOK_H

#ifndef GW_TESTHOOK
#error "testhook.h is for test builds only: make TESTHOOK=1 B=build-hook"
#endif

/* The environment variable that chooses the actions (see testhook.c). */
#define TESTHOOK_ENV		"UDSGW_TESTHOOK"

/*
 * testhook_run: called by the worker once its seccomp filter is loaded
 * and READY is sent, before its event loop, with the name of the listener
 * it serves and that listener's descriptor. If UDSGW_TESTHOOK names this
 * listener, run its actions now, or on the first connection to it,
 * with only the system calls the filter allows, and report each result
 * as a log record "testhook: ..." to the parent. Returns when done; an
 * action the filter refuses kills the worker (SIGSYS) instead. Never
 * compiled into a release build.
 */
void	 testhook_run(const char *listener, int listen_fd);

#endif /* UDSGW_TESTHOOK_H */
