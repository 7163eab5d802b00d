/* SPDX-License-Identifier: ISC */
/* The connector: makes upstream connections for one upstream's workers. */
#ifndef UDSGW_CONNECTOR_H
#define UDSGW_CONNECTOR_H

#include <stdint.h>

#include "gateway.h"

/* Descriptors a connector is exec'd with (see parent_connector.c). */
#define CONNECTOR_FD_IPC	3	/* SOCK_SEQPACKET to the parent */
#define CONNECTOR_FD_CONF	4	/* sealed memfd: struct connector_conf */
#define CONNECTOR_FD_CHROOT	5	/* TCP upstream, as root: the workers'
					   empty chroot (O_PATH) */

/* From the parent on CONNECTOR_FD_IPC: a worker's channel (SCM_RIGHTS). */
#define CONNECTOR_MSG_CHANNEL	'C'

/* Requests being connected at once; more are answered with EAGAIN. */
#define CONNECTOR_PENDING_MAX	4096
/* Refused requests on one channel before it is closed. */
#define CONNECTOR_BAD_MAX	16

#define CONNECTOR_MAGIC		0x55444343	/* "UDCC" */

/* What one connector is told: its upstream and nothing else. */
struct connector_conf {
	uint32_t		 magic;
	uint32_t		 size;		/* sizeof(struct connector_conf) */
	uint32_t		 idx;		/* the upstream's index */
	uint32_t		 nofile;	/* RLIMIT_NOFILE */
	struct upstream_conf	 up;		/* resolved */
	char			 file[256];	/* policy file, for logs */
};

/*
 * connector_main: entry of "uds-gateway --connector N"; never returns.
 * Drops to the upstream's user and groups (no capabilities,
 * NO_NEW_PRIVS, a new network namespace for a Unix upstream), loads
 * policy/connector.syscalls, says ready, then answers the requests of
 * the channels the parent hands it.
 */
void	 connector_main(int idx, int flags) __attribute__((noreturn));

#endif /* UDSGW_CONNECTOR_H */
