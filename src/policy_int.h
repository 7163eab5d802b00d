/* SPDX-License-Identifier: ISC */
/* Policy internals shared by policy.c, policy_value.c and policy_print.c. */
#ifndef UDSGW_POLICY_INT_H
#define UDSGW_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gateway.h"

/* A token as a view into the caller's buffer; col is 1-based. */
struct tok {
	const char	*p;
	size_t		 len;
	unsigned int	 col;
};

enum { S_GLOBAL, S_LISTENER, S_BOTH };	/* S_BOTH: a listener overrides */
enum { V_CUSTOM, V_NUM, V_DUR, V_SIZE, V_BOOL };

enum keyid {
	K_USER, K_WORKERS, K_NOFILE, K_SHUTDOWN,
	K_PATH, K_SERVICE, K_OWNER, K_GROUP, K_MODE, K_AWW,
	K_ALLOW, K_DENY, K_TOKEN, K_METRICS, K_METRICS_ALL,
	K_MAXCONN, K_MAXCONNUID, K_IDLE, K_HDRTO, K_BODYTO,
	K_MAXRL, K_MAXHB, K_MAXHDRS, K_MAXBODY,
	K_UPSTREAM, K_PROXYPROTO,
	/* service proxy only, in this order (policy_print relies on it) */
	K_ROUTE, K_APIVER, K_IDHDR, K_AUDIT, K_STREAMTO,
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

/* The method names a route may use (policy_print.c), in enum order. */
#define POLICY_NMETHODS	8
struct policy_method {
	const char	*name;
	int		 id;		/* enum http_method */
};
extern const struct policy_method policy_methods[POLICY_NMETHODS];

/* A unit suffix and its multiplier, in a table ended by a NULL sfx. */
struct unit {
	const char	*sfx;
	uint64_t	 mul;
};

/*
 * Value syntax (policy_value.c), PURE. The converters return 0 and set
 * *out, or -1 and leave it; policy_fmtunit returns buf.
 *	policy_tonum		decimal digits only, value in [min, max]
 *	policy_tounit		a number and a unit from u, product in
 *				[min, max]
 *	policy_fmtunit		v with the largest unit of u dividing it
 *	policy_goodname		1 if t is a good user or group name (or,
 *				with listener set, a listener name), else 0
 *	policy_path_problem	NULL if t is an acceptable socket path,
 *				else why not
 *	policy_suggest		the key (or "listener") nearest to the
 *				unknown word t when it is close: one edit
 *				for names of up to 4 letters, two for
 *				longer ones, a swap of neighbours counting
 *				as one; else NULL
 *	policy_suggest_word	the same over words[0..nwords)
 */
extern const struct unit policy_dur_units[];	/* ms, s, m, h */
extern const struct unit policy_size_units[];	/* bytes, K, M, G */

/*
 *	policy_tokeq		1 if t is exactly the word s
 *	policy_copytok		t as a C string into dst, which the caller
 *				has checked is large enough
 */
int	 policy_tokeq(const struct tok *t, const char *s);
void	 policy_copytok(char *dst, const struct tok *t);
int	 policy_tonum(const char *s, size_t len, uint64_t min, uint64_t max,
	    uint64_t *out);
int	 policy_tounit(const struct tok *t, const struct unit *u,
	    uint64_t min, uint64_t max, uint64_t *out);
const char *policy_fmtunit(char *buf, size_t len, uint64_t v,
	    const struct unit *u);
int	 policy_goodname(const struct tok *t, int listener);
const char *policy_path_problem(const struct tok *t);
const char *policy_suggest(const struct tok *t);
const char *policy_suggest_word(const struct tok *t,
	    const char *const *words, size_t nwords);

/*
 * The upstream block (policy_upstream.c), PURE. policy.c hands it the
 * lines between "upstream NAME {" and "}"; each function returns 0, or
 * GW_ERR_INVALID with d's line, col and msg set.
 *	policy_upstream_open	t[0] "upstream", t[1] NAME, t[2] "{"
 *	policy_upstream_key	a line inside the open block
 *	policy_upstream_close	"}": the block is complete and counted
 *	policy_upstream_link	end of file: every forward or proxy
 *				listener's upstream exists (its index is
 *				set, its connect_timeout, keepalive and
 *				keepalive_timeout copied), every upstream
 *				is used by some listener
 *	policy_upstream_print	one block in policy syntax
 *	policy_upstream_forget	zero its source positions
 * policy_upstream_keys[] names the block's keys (for the documentation
 * test), POLICY_UPSTREAM_NKEYS of them.
 */
#define POLICY_UPSTREAM_NKEYS	7
#define POLICY_DEF_CONNECT_MS	5000
extern const char *const policy_upstream_keys[POLICY_UPSTREAM_NKEYS];

struct upstream_state {
	struct upstream_conf	*cur;	/* the open block, or NULL */
	struct srcpos		 seen[POLICY_UPSTREAM_NKEYS];
};

int	 policy_upstream_open(struct policy *p, struct upstream_state *us,
	    const struct tok *t, size_t ntok, unsigned int no,
	    struct gw_diag *d);
int	 policy_upstream_key(struct upstream_state *us, const struct tok *t,
	    size_t ntok, unsigned int no, struct gw_diag *d);
int	 policy_upstream_close(struct policy *p, struct upstream_state *us,
	    const struct tok *t, size_t ntok, unsigned int no,
	    struct gw_diag *d);
int	 policy_upstream_link(struct policy *p, struct gw_diag *d);
void	 policy_upstream_print(FILE *fp, const struct upstream_conf *u);
void	 policy_upstream_forget(struct upstream_conf *u);

#endif /* UDSGW_POLICY_INT_H */
