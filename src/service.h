/* SPDX-License-Identifier: ISC */
/* The services a listener can name, by its policy's enum gw_service. */
#ifndef UDSGW_SERVICE_H
#define UDSGW_SERVICE_H

#include "conn.h"

/* service_lookup: the callbacks of an enum gw_service; NULL if none. */
const struct service *service_lookup(int svc);
/*
 * service_buffers: the sizes of a connection's input and output buffers
 * on listener lc: a whole request head at the listener's limits fits in
 * the input, and the output has room for a whole input above the read
 * mark (echo) or for a whole /echo answer (http).
 */
void	 service_buffers(const struct listener_conf *lc, size_t *in_max,
	    size_t *out_max);

#endif /* UDSGW_SERVICE_H */
