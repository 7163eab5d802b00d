/* SPDX-License-Identifier: ISC */
/* The services a listener can name, by its policy's enum gw_service. */
#include <stddef.h>

#include "echo.h"
#include "http.h"
#include "http_serve.h"
#include "proxy.h"
#include "service.h"

const struct service *
service_lookup(int svc)
{
	switch (svc) {
	case SVC_ECHO:
		return &echo_service;
	case SVC_HTTP:
		return &http_service;
	case SVC_FORWARD:
		return &echo_service;	/* unused: forward.c takes over */
	case SVC_PROXY:
		return &proxy_service;
	default:
		return NULL;
	}
}

void
service_buffers(const struct listener_conf *lc, size_t *in_max,
    size_t *out_max)
{
	size_t in = CONN_IN_MAX, out;

	if (lc->service == SVC_PROXY) {
		proxy_buffers(lc, in_max, out_max);
		return;
	}
	if (lc->service == SVC_HTTP &&
	    lc->lim.max_request_line + lc->lim.max_header_bytes +
	    2 * HTTP_MAX_EMPTY_LINES > in)
		/* a whole head at both limits, after skipped empty lines */
		in = lc->lim.max_request_line + lc->lim.max_header_bytes +
		    2 * HTTP_MAX_EMPTY_LINES;
	/* Room for a whole input buffer above the read mark (see echo). */
	out = in + CONN_OUT_HIGH;
	if (lc->service == SVC_HTTP)
		out += lc->lim.max_body + 4096;
	*in_max = in;
	*out_max = out;
}
