/* SPDX-License-Identifier: ISC */
/* The records a worker and its upstream's connector exchange. */
#ifndef UDSGW_FWD_PROTO_H
#define UDSGW_FWD_PROTO_H

#include <stdint.h>

/*
 * One SOCK_SEQPACKET channel per worker of a forward listener, made by
 * the parent. The worker sends a request, exactly sizeof(struct
 * fwd_req) bytes and no descriptors; the connector answers each one,
 * in any order, with exactly sizeof(struct fwd_rep) bytes and, when
 * error is 0, the connected socket as one SCM_RIGHTS descriptor. A
 * request of another size, with descriptors, with another magic or for
 * another upstream than the connector's own is refused (EPERM) and
 * logged; a channel that keeps sending them is closed.
 */
#define FWD_REQ_MAGIC	0x51525746u	/* "FWRQ" */
#define FWD_REP_MAGIC	0x50525746u	/* "FWRP" */

struct fwd_req {
	uint32_t	 magic;
	uint32_t	 upstream;	/* index in the policy's upstreams */
	uint64_t	 id;		/* the worker's, echoed back */
};

struct fwd_rep {
	uint32_t	 magic;
	int32_t		 error;		/* 0, or the errno of the failure */
	uint64_t	 id;
};

#endif /* UDSGW_FWD_PROTO_H */
