/* SPDX-License-Identifier: ISC */
/* The services a listener can name, by its policy's enum gw_service. */
#ifndef UDSGW_SERVICE_H
#define UDSGW_SERVICE_H

#include "conn.h"

/* service_lookup: the callbacks of an enum gw_service; NULL if none. */
const struct service *service_lookup(int svc);

#endif /* UDSGW_SERVICE_H */
