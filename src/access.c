/* SPDX-License-Identifier: ISC */
/* allow/deny evaluation over the peer's uid, gid and groups: pure. */
#include "access.h"

static int
in_groups(const struct peer *peer, uint32_t gid)
{
	size_t i;

	if (peer->gid == gid)
		return 1;
	for (i = 0; i < peer->ngroups; i++)
		if (peer->groups[i] == gid)
			return 1;
	return 0;
}

int
access_check(const struct rule *rules, size_t nrules,
    const struct peer *peer, int *which)
{
	size_t i;
	int match;

	for (i = 0; i < nrules; i++) {
		switch (rules[i].kind) {
		case RULE_ANY:
			match = 1;
			break;
		case RULE_UID:
			match = peer->uid == rules[i].id;
			break;
		case RULE_GROUP:
			match = in_groups(peer, rules[i].id);
			break;
		default:
			match = 0;	/* unknown kind never matches */
			break;
		}
		if (match) {
			*which = (int)i;
			return rules[i].allow ? ACCESS_ALLOW : ACCESS_DENY;
		}
	}
	*which = -1;
	return ACCESS_DENY;
}
