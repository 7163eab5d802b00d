/* SPDX-License-Identifier: ISC */
/* Policy internals shared by policy.c and policy_print.c. */
#ifndef UDSGW_POLICY_INT_H
#define UDSGW_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

enum { S_GLOBAL, S_LISTENER };
enum { V_CUSTOM, V_NUM, V_DUR, V_SIZE, V_BOOL };

enum keyid {
	K_USER, K_WORKERS, K_NOFILE, K_SHUTDOWN,
	K_PATH, K_SERVICE, K_OWNER, K_GROUP, K_MODE, K_AWW,
	K_ALLOW, K_DENY, K_TOKEN, K_METRICS,
	K_MAXCONN, K_MAXCONNUID, K_IDLE, K_HDRTO, K_BODYTO,
	K_MAXRL, K_MAXHB, K_MAXHDRS, K_MAXBODY,
	NKEYS
};

/* The parser's state and lines are its own (policy.c). */
struct pstate;
struct line;

struct keydef;
typedef int keyfn(struct pstate *, const struct line *,
    const struct keydef *);

struct keydef {
	const char	*name;
	int		 scope;
	int		 type;
	int		 repeat;
	uint64_t	 min;
	uint64_t	 max;
	size_t		 off;	/* in struct policy or struct listener_conf */
	size_t		 width;	/* of an unsigned field; V_BOOL is an int */
	keyfn		*fn;	/* V_CUSTOM only */
};

/*
 * The key table (policy.c), indexed by enum keyid: the parser reads
 * values with it, policy_print writes them back with it.
 */
extern const struct keydef policy_keys[NKEYS];

/* A unit suffix and its multiplier, in a table ended by a NULL sfx. */
struct unit {
	const char	*sfx;
	uint64_t	 mul;
};

extern const struct unit policy_dur_units[];	/* ms, s, m, h */
extern const struct unit policy_size_units[];	/* bytes, K, M, G */

/* policy_fmtunit: v with the largest unit of u dividing it; returns buf. */
const char *policy_fmtunit(char *buf, size_t len, uint64_t v,
	    const struct unit *u);

#endif /* UDSGW_POLICY_INT_H */
