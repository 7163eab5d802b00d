/* SPDX-License-Identifier: ISC */
/* service proxy: an HTTP/1.1 reverse proxy whose routes decide per request. */
#ifndef UDSGW_PROXY_H
#define UDSGW_PROXY_H

#include <sys/types.h>
#include <stdint.h>

#include "conn.h"

struct loop;

extern const struct service proxy_service;

/* Upgrade protocols forwarded (RFC 9110 7.8); any other is dropped. */
#define PROXY_UPGRADES		"tcp,websocket"
#define PROXY_HEAD_MAX		(32 * 1024)	/* a head built or read */
#define PROXY_WINDOW		(64 * 1024)	/* body bytes held per way */
#define PROXY_AUDIT_BURST	200		/* records per uid per 10 s */
/* Requests of one worker waiting for the connector; more: 503. */
#define PROXY_CONNECTING_MAX	1024

/* proxy_setup: the worker's loop; once, before the sandbox. */
void	 proxy_setup(struct loop *);
/*
 * proxy_audit_permit: may an allowed request's audit record of uid be
 * written now (PROXY_AUDIT_BURST per 10 s; the rest are summarised)?
 */
int	 proxy_audit_permit(uid_t);
/* proxy_reap: free what closed during the last round of events. */
void	 proxy_reap(void);
/* proxy_sweep: timeouts of requests in flight and of pooled upstreams. */
void	 proxy_sweep(uint64_t now);
/* proxy_buffers: the connection buffers of a proxy listener. */
void	 proxy_buffers(const struct listener_conf *, size_t *in_max,
	    size_t *out_max);

#endif /* UDSGW_PROXY_H */
