/* SPDX-License-Identifier: ISC */
/* The echo service: every byte back, in order, with back-pressure. */
#ifndef UDSGW_ECHO_H
#define UDSGW_ECHO_H

#include "conn.h"

extern const struct service echo_service;

#endif /* UDSGW_ECHO_H */
