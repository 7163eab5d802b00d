/* SPDX-License-Identifier: ISC */
/* The services a listener can name, by its policy's enum gw_service. */
#include <stddef.h>

#include "echo.h"
#include "http_serve.h"
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
	default:
		return NULL;
	}
}
