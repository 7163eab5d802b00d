/* SPDX-License-Identifier: ISC */
/* The policy file: pure parser, printer, and the NSS resolve pass. */
#ifndef UDSGW_POLICY_H
#define UDSGW_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gateway.h"

/* Input limits of the parser. */
#define POLICY_FILE_MAX		(1024 * 1024)	/* bytes in a policy file */
#define POLICY_LINE_MAX		4096	/* bytes in one line, without '\n' */

/*
 * A filesystem socket path must leave this many bytes of sun_path free
 * for the temporary name ("<path>.<suffix>") that sock.c binds before
 * rename(), and for "<path>.lock". So a path holds at most
 * POLICY_PATH_MAX - 1 - POLICY_PATH_RESERVE = 91 bytes. An abstract name
 * ("@name") is never renamed and may use POLICY_PATH_MAX - 1 bytes.
 */
#define POLICY_PATH_RESERVE	16
#define POLICY_FSPATH_MAX	(POLICY_PATH_MAX - 1 - POLICY_PATH_RESERVE)

/* Defaults; policy(5) documents the same values. */
#define POLICY_DEF_NOFILE		4096
#define POLICY_DEF_SHUTDOWN_MS		5000
#define POLICY_DEF_MODE			0660
#define POLICY_DEF_METRICS		1
#define POLICY_DEF_MAX_CONN		1024
#define POLICY_DEF_MAX_CONN_UID		256
#define POLICY_DEF_IDLE_MS		60000
#define POLICY_DEF_HEADER_MS		10000
#define POLICY_DEF_BODY_MS		30000
#define POLICY_DEF_MAX_REQLINE		(8 * 1024)
#define POLICY_DEF_MAX_HDRBYTES		(16 * 1024)
#define POLICY_DEF_MAX_HEADERS		100
#define POLICY_DEF_MAX_BODY		(1024 * 1024)
/* service proxy listeners, and the upstream blocks they use. */
#define POLICY_DEF_API_VERSION_PREFIX	0
#define POLICY_DEF_IDENTITY_HEADERS	1
#define POLICY_DEF_AUDIT		AUDIT_DENIED
#define POLICY_DEF_STREAM_MS		(10 * 60 * 1000)
#define POLICY_DEF_KEEPALIVE		16
#define POLICY_DEF_KEEPALIVE_MS		30000
#define POLICY_MAX_KEEPALIVE		1024

/*
 * policy_init: clear *p and set the global defaults: magic and size,
 * no user (chosen by policy_resolve), workers 0 (= one per CPU), nofile
 * 4096, shutdown_timeout 5s, no listeners. Listener defaults are applied
 * by policy_parse when a block opens.
 */
void	 policy_init(struct policy *p);

/*
 * The errors of one policy, in the order found: at most POLICY_MAX_DIAGS;
 * more is 1 when another was found after them and parsing stopped.
 */
#define POLICY_MAX_DIAGS	20
struct policy_diags {
	size_t		 n;
	int		 more;
	struct gw_diag	 d[POLICY_MAX_DIAGS];
};

/*
 * policy_parse: parse the policy text buf[0..len) (not NUL-terminated;
 * it may contain any bytes). name is the file name for the caller's
 * messages and is not otherwise used. PURE: no I/O, no logging, no
 * global state; it allocates one scratch block and frees it.
 *
 * Returns 0 and fills *out (names unresolved: uid/gid fields are 0 and
 * set later by policy_resolve), or, leaving *out untouched:
 *	GW_ERR_INVALID	diag->line, diag->col (1-based, of the offending
 *			token) and diag->msg (never empty) describe the
 *			first error;
 *	GW_ERR_NOMEM	scratch allocation failed (diag says so, line 0).
 * diag is always written.
 */
int	 policy_parse(const char *name, const uint8_t *buf, size_t len,
	    struct policy *out, struct gw_diag *diag);

/*
 * policy_parse_all: policy_parse reporting every error, each with its
 * line and column, in dl (always written; dl->n >= 1 on error). After
 * an error the parser goes on with the next line; a bad listener header
 * still opens a block, whose keys are checked but which is not kept nor
 * checked as a whole; a key whose line was wrong is not also reported
 * missing; a line with a bad byte is read for its structure only. The
 * first error is the one policy_parse reports. An unknown key close to
 * a known one (one edit for names of up to 4 letters, two otherwise;
 * a swap of neighbours is one) gets "; did you mean 'KEY'?".
 */
int	 policy_parse_all(const char *name, const uint8_t *buf, size_t len,
	    struct policy *out, struct policy_diags *dl);

/*
 * policy_format_diag: write "name:line:col: msg" into buf (always
 * NUL-terminated, truncated to len). When d->line is 0 (an error not tied
 * to a place in the file, e.g. the default worker user is missing) it
 * writes "name: msg".
 */
void	 policy_format_diag(const char *name, const struct gw_diag *d,
	    char *buf, size_t len);

/*
 * policy_resolve: the I/O half, run by the privileged parent before any
 * privilege is dropped. Looks up with getpwnam_r/getgrnam_r:
 *	user		-> p->uid, p->gid (its primary group). When no user
 *			was written: as root "uds-gateway"; otherwise the
 *			current euid/egid (no drop). p->user is then filled with the
 *			name used, when one is known, so that policy_print
 *			shows the effective user. A worker user with uid 0 is
 *			an error when running as root.
 *	owner, group	-> l->uid, l->gid; empty means geteuid()/getegid().
 *	rule user/group	-> rule->id. "uid N" rules need no lookup.
 * Returns 0, or GW_ERR_INVALID with diag at the srcpos of the name
 * ("unknown user 'x'", "unknown group 'x'", or a lookup failure with
 * its errno text; a name the package creates, the user uds-gateway and
 * the group uds-gateway-clients, says so and how else to create it).
 * On error *p may be partly resolved: discard it.
 * policy_resolve_all: the same, looking up every name and recording
 * each failure in dl (as policy_parse_all does); policy_resolve reports
 * the first of them.
 */
int	 policy_resolve(struct policy *p, struct gw_diag *diag);
int	 policy_resolve_all(struct policy *p, struct policy_diags *dl);

/*
 * policy_print: write the effective settings of p to fp in the policy
 * syntax: every key, defaults included, so that the output parses back
 * to the same policy (source positions aside). Names are printed, not
 * resolved ids. Unset user/owner/group appear as comments. Pure apart
 * from writing to fp; write errors are left in ferror(fp).
 */
void	 policy_print(FILE *fp, const struct policy *p);

/*
 * policy_forget_positions: zero every source position and line in p,
 * what policy_print cannot carry, so that a policy and its printed and
 * reparsed copy compare equal with memcmp (the round-trip tests).
 */
void	 policy_forget_positions(struct policy *p);

/*
 * policy_warnings: what -t reports without failing, PURE. Today: a
 * route after a catch-all (methods "*", pattern "/" "**", no query, who
 * any) of the same
 * listener, which can never match. Each warning is at the route's
 * pattern; dl is always written (dl->n may be 0).
 */
void	 policy_warnings(const struct policy *p, struct policy_diags *dl);

/*
 * policy_route_text: a route in policy syntax, without "route " in front
 * ("GET,HEAD /_ping allow any"), into buf (always NUL-terminated).
 */
void	 policy_route_text(const struct route *r, char *buf, size_t len);

/* policy_rule_text: an allow/deny rule the same way ("allow group x"). */
void	 policy_rule_text(const struct rule *ru, char *buf, size_t len);

/*
 * policy_service_name: "echo", "http", "forward", "proxy", or "none" for
 * anything else.
 */
const char *policy_service_name(int svc);

#endif /* UDSGW_POLICY_H */
