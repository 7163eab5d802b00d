/* SPDX-License-Identifier: ISC */
/* allow/deny evaluation over the peer's uid, gid and groups: pure. */
#ifndef UDSGW_ACCESS_H
#define UDSGW_ACCESS_H

#include <stddef.h>

#include "gateway.h"

#define ACCESS_DENY	0
#define ACCESS_ALLOW	1

/*
 * access_check: walk rules in order; the first that matches the peer
 * decides. RULE_UID matches the peer's uid; RULE_GROUP matches its
 * primary gid or any supplementary group; RULE_ANY matches everyone.
 * Returns ACCESS_ALLOW or ACCESS_DENY and stores the deciding rule's
 * index in *which, or -1 when no rule matched (default deny).
 */
int	 access_check(const struct rule *rules, size_t nrules,
	    const struct peer *peer, int *which);

#endif /* UDSGW_ACCESS_H */
