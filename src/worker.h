/* SPDX-License-Identifier: ISC */
/* The worker: drop everything, then serve the inherited listening sockets. */
#ifndef UDSGW_WORKER_H
#define UDSGW_WORKER_H

#include "gateway.h"

/* Descriptors a worker is exec'd with (see parent_worker.c). */
#define WORKER_FD_IPC		3	/* SOCK_SEQPACKET to the parent */
#define WORKER_FD_POLICY	4	/* sealed memfd: struct policy, with
					   this worker's listener only */
#define WORKER_FD_METRICS	5	/* memfd: that listener's counters */
#define WORKER_FD_LISTEN	6	/* its listening socket */
#define WORKER_FD_CHROOT	7	/* as root: GW_CHROOT_DIR, O_PATH */
#define WORKER_FD_UPSTREAM	8	/* forward: SOCK_SEQPACKET channel to
					   its upstream's connector */
#define WORKER_FD_PEER_METRICS	9	/* metrics_all: every listener's
					   counters, read-only, one each */

/* Records a worker sends on WORKER_FD_IPC; log records start with '0'-'7'. */
#define WORKER_MSG_READY	'R'	/* sandbox in place, serving */
/* From the forked child before exec: its /proc/self/status (SCM_RIGHTS). */
#define WORKER_MSG_STATUS_FD	'S'

/* Root only: the empty, root-owned directory workers chroot into. */
#define GW_RUN_DIR		"/run/uds-gateway"
#define GW_CHROOT_DIR		GW_RUN_DIR "/empty"

#define WORKER_F_SECCOMP_DEBUG	0x1
#define WORKER_F_NO_SECCOMP	0x2	/* sanitizer builds only */

/* worker_main: entry of "uds-gateway --worker"; never returns. */
void	 worker_main(int idx, int flags) __attribute__((noreturn));

#endif /* UDSGW_WORKER_H */
