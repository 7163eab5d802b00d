/* SPDX-License-Identifier: ISC */
/* The HTTP/1.1 service: routes, responses, keep-alive, pipelining. */
#ifndef UDSGW_HTTP_SERVE_H
#define UDSGW_HTTP_SERVE_H

#include "conn.h"

extern const struct service http_service;

#endif /* UDSGW_HTTP_SERVE_H */
