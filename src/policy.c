/* SPDX-License-Identifier: ISC */
/* Policy file parser (PURE): bytes in, struct policy or file:line:col out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "policy.h"
#include "policy_int.h"
#include "route.h"
#include "token.h"

/* The Makefile passes 0 or 1; without it, fail closed and refuse tokens. */
#ifndef WITH_OPENSSL
#define WITH_OPENSSL	0
#endif

#define MAXTOK		7	/* keep this many tokens of a line; 6 is used */
#define SHOWMAX		48	/* bytes of a token quoted in a message */
#define UID_MAX_VALID	4294967294ULL	/* (uid_t)-1 is not a uid */
#define DUR_MAX_MS	(24ULL * 3600 * 1000)

struct line {
	unsigned int	 no;
	size_t		 ntok;		/* at most MAXTOK */
	struct tok	 t[MAXTOK];
	struct tok	 last;		/* the last token, even past MAXTOK */
};

/*
 * Where a key and its first value were written (line 0: not yet); bad:
 * a line with this key (or a misspelling of it) was wrong, so the block
 * checks do not also say that the key is missing.
 */
struct seen {
	struct srcpos	 key;
	struct srcpos	 val;
	int		 bad;
};

/*
 * After an error the parser goes on with the next line. A block whose
 * header was wrong is still opened, as the scratch listener, so that
 * its body is checked key by key and its '}' closes it; nothing of it
 * is kept and its block-level checks are skipped (their findings would
 * follow from the header's error, not from the body).
 */
struct pstate {
	struct policy		 pol;
	struct policy_diags	*dl;
	struct listener_conf	*cur;		/* the open block, or NULL */
	struct srcpos		 curpos;	/* its "listener" keyword */
	struct listener_conf	 scratch;	/* cur after a bad header */
	struct seen		 gseen[NKEYS];
	struct seen		 lseen[NKEYS];
	unsigned int		 toklines[POLICY_MAX_TOKENS];
	unsigned int		 nblocks;	/* blocks opened, scratch too */
	int			 await_brace;	/* the bad header had no '{' */
	int			 stray_close;	/* a dropped block's '}' */
	int			 quiet;		/* line had a byte error */
	int			 crlf;		/* CR line end reported */
	int			 stop;		/* error limit passed */
	struct upstream_state	 ups;		/* policy_upstream.c */
	struct gw_diag		 updiag;	/* its error, for err() */
};

static keyfn k_user, k_workers, k_path, k_service, k_owner, k_group;
static keyfn k_mode, k_rule, k_token, k_upstream, k_proxy, k_route;
static keyfn k_audit;

#define GLOBAL(f)	offsetof(struct policy, f), \
			    sizeof(((struct policy *)0)->f), NULL
#define LISTENER(f)	offsetof(struct listener_conf, f), \
			    sizeof(((struct listener_conf *)0)->f), NULL
#define CUSTOM(fn)	0, 0, fn

const struct keydef policy_keys[NKEYS] = {
	[K_USER] = { "user", S_BOTH, V_CUSTOM, 0, 0, 0, CUSTOM(k_user) },
	[K_WORKERS] = { "workers", S_BOTH, V_CUSTOM, 0, 0, 0,
	    CUSTOM(k_workers) },
	[K_NOFILE] = { "nofile", S_GLOBAL, V_NUM, 0, 64, 1048576,
	    GLOBAL(nofile) },
	[K_SHUTDOWN] = { "shutdown_timeout", S_GLOBAL, V_DUR, 0, 1,
	    DUR_MAX_MS, GLOBAL(shutdown_timeout_ms) },
	[K_PATH] = { "path", S_LISTENER, V_CUSTOM, 0, 0, 0, CUSTOM(k_path) },
	[K_SERVICE] = { "service", S_LISTENER, V_CUSTOM, 0, 0, 0,
	    CUSTOM(k_service) },
	[K_OWNER] = { "owner", S_LISTENER, V_CUSTOM, 0, 0, 0,
	    CUSTOM(k_owner) },
	[K_GROUP] = { "group", S_LISTENER, V_CUSTOM, 0, 0, 0,
	    CUSTOM(k_group) },
	[K_MODE] = { "mode", S_LISTENER, V_CUSTOM, 0, 0, 0, CUSTOM(k_mode) },
	[K_AWW] = { "allow_world_writable", S_LISTENER, V_BOOL, 0, 0, 1,
	    LISTENER(allow_world_writable) },
	[K_ALLOW] = { "allow", S_LISTENER, V_CUSTOM, 1, 0, 0,
	    CUSTOM(k_rule) },
	[K_DENY] = { "deny", S_LISTENER, V_CUSTOM, 1, 0, 0, CUSTOM(k_rule) },
	[K_TOKEN] = { "token", S_LISTENER, V_CUSTOM, 1, 0, 0,
	    CUSTOM(k_token) },
	[K_METRICS] = { "metrics", S_LISTENER, V_BOOL, 0, 0, 1,
	    LISTENER(metrics) },
	[K_METRICS_ALL] = { "metrics_all", S_LISTENER, V_BOOL, 0, 0, 1,
	    LISTENER(metrics_all) },
	[K_MAXCONN] = { "max_connections", S_LISTENER, V_NUM, 0, 1, 1048576,
	    LISTENER(lim.max_connections) },
	[K_MAXCONNUID] = { "max_connections_per_uid", S_LISTENER, V_NUM, 0,
	    1, 1048576, LISTENER(lim.max_connections_per_uid) },
	[K_IDLE] = { "idle_timeout", S_LISTENER, V_DUR, 0, 1, DUR_MAX_MS,
	    LISTENER(lim.idle_timeout_ms) },
	[K_HDRTO] = { "header_timeout", S_LISTENER, V_DUR, 0, 1, DUR_MAX_MS,
	    LISTENER(lim.header_timeout_ms) },
	[K_BODYTO] = { "body_timeout", S_LISTENER, V_DUR, 0, 1, DUR_MAX_MS,
	    LISTENER(lim.body_timeout_ms) },
	[K_MAXRL] = { "max_request_line", S_LISTENER, V_SIZE, 0, 64,
	    64 * 1024, LISTENER(lim.max_request_line) },
	[K_MAXHB] = { "max_header_bytes", S_LISTENER, V_SIZE, 0, 256,
	    1024 * 1024, LISTENER(lim.max_header_bytes) },
	[K_MAXHDRS] = { "max_headers", S_LISTENER, V_NUM, 0, 1, 100,
	    LISTENER(lim.max_headers) },
	[K_MAXBODY] = { "max_body", S_LISTENER, V_SIZE, 0, 0,
	    1024 * 1024 * 1024, LISTENER(lim.max_body) },
	[K_UPSTREAM] = { "upstream", S_LISTENER, V_CUSTOM, 0, 0, 0,
	    CUSTOM(k_upstream) },
	[K_PROXYPROTO] = { "proxy_protocol", S_LISTENER, V_CUSTOM, 0, 0, 0,
	    CUSTOM(k_proxy) },
	[K_ROUTE] = { "route", S_LISTENER, V_CUSTOM, 1, 0, 0,
	    CUSTOM(k_route) },
	[K_APIVER] = { "api_version_prefix", S_LISTENER, V_BOOL, 0, 0, 1,
	    LISTENER(api_version_prefix) },
	[K_IDHDR] = { "identity_headers", S_LISTENER, V_BOOL, 0, 0, 1,
	    LISTENER(identity_headers) },
	[K_AUDIT] = { "audit", S_LISTENER, V_CUSTOM, 0, 0, 0,
	    CUSTOM(k_audit) },
	[K_STREAMTO] = { "stream_timeout", S_LISTENER, V_DUR, 0, 1,
	    DUR_MAX_MS, LISTENER(stream_timeout_ms) },
};

/* Quote a token in a message, shortened: "'%.*s%s'", TOKSHOW(t). */
#define TOKSHOW(t)	(int)((t)->len > SHOWMAX ? SHOWMAX : (t)->len), \
			    (t)->p, (t)->len > SHOWMAX ? "..." : ""

static int	 err(struct pstate *, unsigned int, unsigned int,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

/*
 * Record an error (in the order found) and return GW_ERR_INVALID. On a
 * line with a byte error nothing more is recorded: its tokens are only
 * parsed for the block structure. Past the limit, parsing stops.
 */
static int
err(struct pstate *st, unsigned int line, unsigned int col,
    const char *fmt, ...)
{
	struct policy_diags *dl = st->dl;
	struct gw_diag *d;
	va_list ap;

	if (st->quiet || st->stop)
		return GW_ERR_INVALID;
	if (dl->n >= POLICY_MAX_DIAGS) {
		dl->more = 1;
		st->stop = 1;
		return GW_ERR_INVALID;
	}
	d = &dl->d[dl->n++];
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	(void)vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return GW_ERR_INVALID;
}

/* An error from policy_upstream.c, recorded like our own. */
static int
up_err(struct pstate *st, int r)
{
	if (r == GW_ERR_INVALID)
		(void)err(st, st->updiag.line, st->updiag.col, "%s",
		    st->updiag.msg);
	return r;
}


static struct srcpos
tokpos(const struct line *ln, size_t i)
{
	struct srcpos pos;

	pos.line = ln->no;
	pos.col = ln->t[i].col;
	return pos;
}

/* Exactly n tokens (key included): report the first extra one. */
static int
want(struct pstate *st, const struct line *ln, size_t n)
{
	if (ln->ntok <= n)
		return 0;
	return err(st, ln->no, ln->t[n].col,
	    "unexpected '%.*s%s' after the value of '%.*s'",
	    TOKSHOW(&ln->t[n]), (int)ln->t[0].len, ln->t[0].p);
}

static int
name_value(struct pstate *st, const struct line *ln, const char *what,
    char *dst, struct srcpos *pos)
{
	int r;

	if ((r = want(st, ln, 2)) != 0)
		return r;
	if (!policy_goodname(&ln->t[1], 0))
		return err(st, ln->no, ln->t[1].col, "bad %s name '%.*s%s' "
		    "for '%.*s': use letters, digits, '.', '_', '-' "
		    "(not all digits, at most %d bytes)", what,
		    TOKSHOW(&ln->t[1]), (int)ln->t[0].len, ln->t[0].p,
		    POLICY_NAME_MAX - 1);
	policy_copytok(dst, &ln->t[1]);
	if (pos != NULL)
		*pos = tokpos(ln, 1);
	return 0;
}

static int
k_user(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	(void)kd;
	if (st->cur != NULL)
		return name_value(st, ln, "user", st->cur->user,
		    &st->cur->user_pos);
	return name_value(st, ln, "user", st->pol.user, &st->pol.user_pos);
}

static int
k_owner(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	(void)kd;
	return name_value(st, ln, "user", st->cur->owner,
	    &st->cur->owner_pos);
}

static int
k_group(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	(void)kd;
	return name_value(st, ln, "group", st->cur->group,
	    &st->cur->group_pos);
}

static int
k_workers(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	uint64_t v;
	int r;

	(void)kd;
	if ((r = want(st, ln, 2)) != 0)
		return r;
	if (policy_tokeq(&ln->t[1], "auto"))
		v = st->cur != NULL ? POLICY_WORKERS_AUTO : 0;
	else if (policy_tonum(ln->t[1].p, ln->t[1].len, 1, POLICY_MAX_WORKERS,
	    &v) != 0)
		return err(st, ln->no, ln->t[1].col, "'workers' must be auto "
		    "or a number from 1 to %d, not '%.*s%s'",
		    POLICY_MAX_WORKERS, TOKSHOW(&ln->t[1]));
	if (st->cur != NULL)
		st->cur->workers = (uint32_t)v;
	else
		st->pol.workers = (uint32_t)v;
	return 0;
}

static int
k_path(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	const struct tok *t = &ln->t[1];
	const struct listener_conf *o;
	const char *why;
	size_t i;
	int r;

	(void)kd;
	if ((r = want(st, ln, 2)) != 0)
		return r;
	if ((why = policy_path_problem(t)) != NULL)
		return err(st, ln->no, t->col, "bad path '%.*s%s': %s",
		    TOKSHOW(t), why);
	for (i = 0; i < st->pol.nlisteners; i++) {
		o = &st->pol.listeners[i];
		if (strlen(o->path) == t->len &&
		    memcmp(o->path, t->p, t->len) == 0)
			return err(st, ln->no, t->col, "socket path "
			    "'%.*s%s' is already used by listener '%s' "
			    "(line %u)", TOKSHOW(t), o->name, o->line);
	}
	policy_copytok(st->cur->path, t);
	return 0;
}

static int
k_service(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	int r;

	(void)kd;
	if ((r = want(st, ln, 2)) != 0)
		return r;
	if (policy_tokeq(&ln->t[1], "echo"))
		st->cur->service = SVC_ECHO;
	else if (policy_tokeq(&ln->t[1], "http"))
		st->cur->service = SVC_HTTP;
	else if (policy_tokeq(&ln->t[1], "forward"))
		st->cur->service = SVC_FORWARD;
	else if (policy_tokeq(&ln->t[1], "proxy"))
		st->cur->service = SVC_PROXY;
	else
		return err(st, ln->no, ln->t[1].col, "'service' must be echo, "
		    "http, forward or proxy, not '%.*s%s'",
		    TOKSHOW(&ln->t[1]));
	return 0;
}

/*
 * A forward or proxy listener's upstream, checked at the end
 * (policy_upstream.c).
 */
static int
k_upstream(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	(void)kd;
	return name_value(st, ln, "upstream", st->cur->upstream,
	    &st->cur->upstream_pos);
}

static int
k_proxy(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	int r;

	(void)kd;
	if ((r = want(st, ln, 2)) != 0)
		return r;
	if (policy_tokeq(&ln->t[1], "no"))
		st->cur->proxy_protocol = PROXY_NONE;
	else if (policy_tokeq(&ln->t[1], "v2"))
		st->cur->proxy_protocol = PROXY_V2;
	else
		return err(st, ln->no, ln->t[1].col, "'proxy_protocol' must be "
		    "no or v2, not '%.*s%s'", TOKSHOW(&ln->t[1]));
	return 0;
}

static int
k_mode(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	const struct tok *t = &ln->t[1];
	uint32_t v = 0;
	size_t i;
	int r;

	(void)kd;
	if ((r = want(st, ln, 2)) != 0)
		return r;
	for (i = 0; i < t->len; i++) {
		if (t->p[i] < '0' || t->p[i] > '7')
			break;
		v = v << 3 | (uint32_t)(t->p[i] - '0');
	}
	if (t->len < 3 || t->len > 4 || i != t->len)
		return err(st, ln->no, t->col, "'mode' must be 3 or 4 octal "
		    "digits such as 0660, not '%.*s%s'", TOKSHOW(t));
	if (v > 0777)
		return err(st, ln->no, t->col, "mode %04o sets setuid, "
		    "setgid or sticky bits; only 0000 to 0777 is allowed", v);
	if ((v & 0600) != 0600)
		return err(st, ln->no, t->col, "mode %04o must give the "
		    "owner read and write (0600)", v);
	st->cur->mode = v;
	return 0;
}

/*
 * WHO at ln->t[i..]: any, uid N, user NAME or group NAME, into ru (whose
 * allow and line the caller sets). what is the word before it, for
 * messages: "allow" or "deny".
 */
static int
parse_who(struct pstate *st, const struct line *ln, size_t i,
    const char *what, struct rule *ru)
{
	const struct tok *w = &ln->t[i], *v = &ln->t[i + 1];
	uint64_t id;
	int r;

	if (ln->ntok <= i)
		return err(st, ln->no, ln->last.col + (unsigned int)ln->last.len,
		    "missing any, uid N, user NAME or group NAME after '%s'",
		    what);
	if (policy_tokeq(w, "any")) {
		if ((r = want(st, ln, i + 1)) != 0)
			return r;
		ru->kind = RULE_ANY;
		ru->pos = tokpos(ln, i);
		return 0;
	}
	if (!policy_tokeq(w, "uid") && !policy_tokeq(w, "user") &&
	    !policy_tokeq(w, "group"))
		return err(st, ln->no, w->col, "'%s' must be followed by "
		    "any, uid N, user NAME or group NAME, not '%.*s%s'",
		    what, TOKSHOW(w));
	if (ln->ntok < i + 2)
		return err(st, ln->no, w->col, "missing %s after '%s %.*s'",
		    policy_tokeq(w, "uid") ? "number" : "name", what,
		    (int)w->len, w->p);
	if ((r = want(st, ln, i + 2)) != 0)
		return r;
	ru->pos = tokpos(ln, i + 1);
	if (policy_tokeq(w, "uid")) {
		if (policy_tonum(v->p, v->len, 0, UID_MAX_VALID, &id) != 0)
			return err(st, ln->no, v->col, "'%s uid' takes a "
			    "number from 0 to %llu, not '%.*s%s'", what,
			    UID_MAX_VALID, TOKSHOW(v));
		ru->kind = RULE_UID;
		ru->id = (uint32_t)id;
	} else {
		if (!policy_goodname(v, 0))
			return err(st, ln->no, v->col, "bad %.*s name "
			    "'%.*s%s': use letters, digits, '.', '_', '-' "
			    "(not all digits, at most %d bytes)",
			    (int)w->len, w->p, TOKSHOW(v),
			    POLICY_NAME_MAX - 1);
		ru->kind = policy_tokeq(w, "user") ? RULE_UID : RULE_GROUP;
		ru->by_name = 1;
		policy_copytok(ru->name, v);
	}
	return 0;
}

static int
k_rule(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	struct listener_conf *l = st->cur;
	struct rule *ru;
	int r;

	if (l->nrules >= POLICY_MAX_RULES)
		return err(st, ln->no, ln->t[0].col, "too many allow/deny "
		    "rules in listener '%s' (at most %d)", l->name,
		    POLICY_MAX_RULES);
	ru = &l->rules[l->nrules];
	memset(ru, 0, sizeof(*ru));
	ru->allow = kd == &policy_keys[K_ALLOW];
	ru->line = ln->no;
	if ((r = parse_who(st, ln, 1, kd->name, ru)) != 0)
		return r;
	l->nrules++;
	return 0;
}

/* "*" or a comma list of method names, into *bits. */
static int
route_method_list(struct pstate *st, const struct line *ln,
    uint32_t *bits)
{
	const struct tok *t = &ln->t[1];
	const char *words[POLICY_NMETHODS], *near;
	struct tok m;
	size_t i, s, e;

	if (policy_tokeq(t, "*")) {
		*bits = ROUTE_ANY_METHOD;
		return 0;
	}
	for (i = 0; i < POLICY_NMETHODS; i++)
		words[i] = policy_methods[i].name;
	*bits = 0;
	for (s = 0; s <= t->len; s = e + 1) {
		for (e = s; e < t->len && t->p[e] != ','; e++)
			;
		m.p = t->p + s;
		m.len = e - s;
		m.col = t->col + (unsigned int)s;
		if (m.len == 0)
			return err(st, ln->no, m.col, "empty method in route "
			    "method list '%.*s%s' (write \"*\" or names "
			    "joined by ',')", TOKSHOW(t));
		for (i = 0; i < POLICY_NMETHODS; i++)
			if (policy_tokeq(&m, policy_methods[i].name))
				break;
		if (i < POLICY_NMETHODS) {
			*bits |= ROUTE_METHOD(policy_methods[i].id);
			continue;
		}
		if (policy_tokeq(&m, "CONNECT"))
			return err(st, ln->no, m.col, "CONNECT cannot be "
			    "routed: its target is never a path");
		near = policy_suggest_word(&m, words, POLICY_NMETHODS);
		for (i = 0; near == NULL && i < POLICY_NMETHODS; i++)
			if (strlen(words[i]) == m.len &&
			    strncasecmp(words[i], m.p, m.len) == 0)
				near = words[i];
		return err(st, ln->no, m.col, "unknown method '%.*s%s' in "
		    "route (GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, "
		    "TRACE or *)%s%s%s", TOKSHOW(&m),
		    near != NULL ? "; did you mean '" : "",
		    near != NULL ? near : "", near != NULL ? "'?" : "");
	}
	return 0;
}

/* PATTERN[?QUERY] into ro. */
static int
route_pattern(struct pstate *st, const struct line *ln, struct route *ro)
{
	const struct tok *t = &ln->t[2];
	const char *q, *why;
	char in[POLICY_ROUTE_QUERY_MAX + 2], out[POLICY_ROUTE_QUERY_MAX + 2];
	size_t plen, qlen, pl;
	int n;

	q = memchr(t->p, '?', t->len);
	plen = q != NULL ? (size_t)(q - t->p) : t->len;
	if (plen >= sizeof(ro->pattern))
		return err(st, ln->no, t->col, "route pattern is longer than "
		    "%d bytes", POLICY_ROUTE_MAX - 1);
	if (route_pattern_check(t->p, plen, &why) != 0)
		return err(st, ln->no, t->col, "bad route pattern "
		    "'%.*s%s': %s", TOKSHOW(t), why);
	memcpy(ro->pattern, t->p, plen);
	ro->pattern[plen] = '\0';
	if (q == NULL)
		return 0;
	qlen = t->len - plen - 1;
	if (qlen >= sizeof(ro->query))
		return err(st, ln->no, t->col + (unsigned int)plen + 1,
		    "route query is longer than %d bytes",
		    POLICY_ROUTE_QUERY_MAX - 1);
	/* The query as route_normalise would leave it: "/?" and it. */
	in[0] = '/';
	in[1] = '?';
	memcpy(in + 2, q + 1, qlen);
	n = route_normalise((const uint8_t *)in, qlen + 2, out, sizeof(out),
	    &pl);
	if (n < 0)
		return err(st, ln->no, t->col + (unsigned int)plen + 1,
		    "bad route query '%.*s': %s", (int)qlen, q + 1,
		    route_error_reason(n));
	if ((size_t)n != qlen + 2 || memcmp(in, out, (size_t)n) != 0)
		return err(st, ln->no, t->col + (unsigned int)plen + 1,
		    "route query '%.*s' is not in normalised form; write "
		    "'%s' (requests are compared after normalisation)",
		    (int)qlen, q + 1, out + 2);
	memcpy(ro->query, q + 1, qlen);
	ro->query[qlen] = '\0';
	ro->has_query = 1;
	return 0;
}

/* route METHODS PATTERN[?QUERY] allow|deny WHO */
static int
k_route(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	struct listener_conf *l = st->cur;
	struct route *ro;
	int r;

	(void)kd;
	if (l->nroutes >= POLICY_MAX_ROUTES)
		return err(st, ln->no, ln->t[0].col, "too many routes in "
		    "listener '%s' (at most %d)", l->name, POLICY_MAX_ROUTES);
	if (st->pol.nroutes >= POLICY_MAX_ROUTES_ALL)
		return err(st, ln->no, ln->t[0].col, "too many routes in the "
		    "policy (at most %d in all listeners)",
		    POLICY_MAX_ROUTES_ALL);
	/* A block's routes are contiguous: blocks do not nest. */
	if (l->nroutes == 0)
		l->route0 = (uint32_t)st->pol.nroutes;
	if (ln->ntok < 3)
		return err(st, ln->no, ln->t[1].col + (unsigned int)ln->t[1].len,
		    "missing pattern after 'route %.*s%s'", TOKSHOW(&ln->t[1]));
	ro = &st->pol.routes[st->pol.nroutes];
	memset(ro, 0, sizeof(*ro));
	ro->line = ln->no;
	ro->pos = tokpos(ln, 2);
	ro->who.line = ln->no;
	if ((r = route_method_list(st, ln, &ro->methods)) != 0 ||
	    (r = route_pattern(st, ln, ro)) != 0)
		return r;
	if (ln->ntok < 4)
		return err(st, ln->no, ln->t[2].col + (unsigned int)ln->t[2].len,
		    "missing allow or deny after the route pattern");
	if (policy_tokeq(&ln->t[3], "allow"))
		ro->who.allow = 1;
	else if (!policy_tokeq(&ln->t[3], "deny"))
		return err(st, ln->no, ln->t[3].col, "expected allow or deny "
		    "after the route pattern, not '%.*s%s'",
		    TOKSHOW(&ln->t[3]));
	if ((r = parse_who(st, ln, 4, ro->who.allow ? "allow" : "deny",
	    &ro->who)) != 0)
		return r;
	l->nroutes++;
	st->pol.nroutes++;
	return 0;
}

static int
k_audit(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	int r;

	(void)kd;
	if ((r = want(st, ln, 2)) != 0)
		return r;
	if (policy_tokeq(&ln->t[1], "denied"))
		st->cur->audit = AUDIT_DENIED;
	else if (policy_tokeq(&ln->t[1], "none"))
		st->cur->audit = AUDIT_NONE;
	else if (policy_tokeq(&ln->t[1], "all"))
		st->cur->audit = AUDIT_ALL;
	else
		return err(st, ln->no, ln->t[1].col, "'audit' must be none, "
		    "denied or all, not '%.*s%s'", TOKSHOW(&ln->t[1]));
	return 0;
}

static int
k_token(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	struct listener_conf *l = st->cur;
	const struct tok *t = &ln->t[1];
	uint8_t h[POLICY_TOKEN_LEN];
	size_t i;
	int r;

	(void)kd;
	if (!WITH_OPENSSL)
		return err(st, ln->no, ln->t[0].col, "token requires a build "
		    "with OpenSSL (this build has WITH_OPENSSL=0)");
	if ((r = want(st, ln, 2)) != 0)
		return r;
	if (l->ntokens >= POLICY_MAX_TOKENS)
		return err(st, ln->no, ln->t[0].col, "too many tokens in "
		    "listener '%s' (at most %d)", l->name, POLICY_MAX_TOKENS);
	if (token_parse_hash(t->p, t->len, h) != 0)
		return err(st, ln->no, t->col, "bad token '%.*s%s': expected "
		    "sha256: and 64 hex digits (uds-gateway hash-token)",
		    TOKSHOW(t));
	for (i = 0; i < l->ntokens; i++)
		if (memcmp(l->tokens[i], h, sizeof(h)) == 0)
			return err(st, ln->no, t->col, "duplicate token (same "
			    "hash as line %u)", st->toklines[i]);
	memcpy(l->tokens[l->ntokens], h, sizeof(h));
	st->toklines[l->ntokens++] = ln->no;
	return 0;
}

/* Numbers, durations, sizes and yes/no, driven by the key table. */
static int
k_value(struct pstate *st, const struct line *ln, const struct keydef *kd)
{
	const struct tok *t = &ln->t[1];
	char *base;
	char a[32], b[32];
	uint64_t v;
	uint32_t v32;
	int r, bv;

	if ((r = want(st, ln, 2)) != 0)
		return r;
	base = kd->scope == S_GLOBAL ? (char *)&st->pol : (char *)st->cur;
	switch (kd->type) {
	case V_NUM:
		if (policy_tonum(t->p, t->len, kd->min, kd->max, &v) != 0)
			return err(st, ln->no, t->col, "'%s' must be a number "
			    "from %llu to %llu, not '%.*s%s'", kd->name,
			    (unsigned long long)kd->min,
			    (unsigned long long)kd->max, TOKSHOW(t));
		break;
	case V_DUR:
		if (policy_tounit(t, policy_dur_units, kd->min, kd->max,
		    &v) != 0)
			return err(st, ln->no, t->col, "'%s' must be a "
			    "duration from %s to %s (a number and ms, s, m or "
			    "h), not '%.*s%s'", kd->name,
			    policy_fmtunit(a, sizeof(a), kd->min,
			    policy_dur_units),
			    policy_fmtunit(b, sizeof(b), kd->max,
			    policy_dur_units),
			    TOKSHOW(t));
		break;
	case V_SIZE:
		if (policy_tounit(t, policy_size_units, kd->min, kd->max,
		    &v) != 0)
			return err(st, ln->no, t->col, "'%s' must be a size "
			    "from %s to %s (bytes, or with K, M or G), "
			    "not '%.*s%s'", kd->name,
			    policy_fmtunit(a, sizeof(a), kd->min,
			    policy_size_units),
			    policy_fmtunit(b, sizeof(b), kd->max,
			    policy_size_units),
			    TOKSHOW(t));
		break;
	case V_BOOL:
		if (policy_tokeq(t, "yes"))
			bv = 1;
		else if (policy_tokeq(t, "no"))
			bv = 0;
		else
			return err(st, ln->no, t->col, "'%s' must be yes or "
			    "no, not '%.*s%s'", kd->name, TOKSHOW(t));
		memcpy(base + kd->off, &bv, sizeof(bv));
		return 0;
	default:
		return GW_ERR_INTERNAL;
	}
	if (kd->width == sizeof(uint64_t)) {
		memcpy(base + kd->off, &v, sizeof(v));
	} else {
		v32 = (uint32_t)v;
		memcpy(base + kd->off, &v32, sizeof(v32));
	}
	return 0;
}

static void
listener_defaults(struct listener_conf *l)
{
	memset(l, 0, sizeof(*l));
	l->mode = POLICY_DEF_MODE;
	l->metrics = POLICY_DEF_METRICS;
	l->lim.max_connections = POLICY_DEF_MAX_CONN;
	l->lim.max_connections_per_uid = POLICY_DEF_MAX_CONN_UID;
	l->lim.idle_timeout_ms = POLICY_DEF_IDLE_MS;
	l->lim.header_timeout_ms = POLICY_DEF_HEADER_MS;
	l->lim.body_timeout_ms = POLICY_DEF_BODY_MS;
	l->lim.max_request_line = POLICY_DEF_MAX_REQLINE;
	l->lim.max_header_bytes = POLICY_DEF_MAX_HDRBYTES;
	l->lim.max_headers = POLICY_DEF_MAX_HEADERS;
	l->lim.max_body = POLICY_DEF_MAX_BODY;
	l->api_version_prefix = POLICY_DEF_API_VERSION_PREFIX;
	l->identity_headers = POLICY_DEF_IDENTITY_HEADERS;
	l->audit = POLICY_DEF_AUDIT;
	l->stream_timeout_ms = POLICY_DEF_STREAM_MS;
}

/* The key named by t, or NULL. */
static const struct keydef *
findkey(const struct tok *t)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (policy_tokeq(t, policy_keys[i].name))
			return &policy_keys[i];
	return NULL;
}

/*
 * Open the scratch block: after a bad header (or a misspelt "listener"
 * with a '{'), so that the body's lines are read as a listener's. name
 * may be NULL.
 */
static void
open_scratch(struct pstate *st, const struct line *ln, const struct tok *name)
{
	struct listener_conf *l = &st->scratch;
	size_t n;

	listener_defaults(l);
	if (name != NULL && !policy_tokeq(name, "{")) {
		n = name->len < sizeof(l->name) - 1 ? name->len :
		    sizeof(l->name) - 1;
		memcpy(l->name, name->p, n);
		l->name[n] = '\0';
	} else
		memcpy(l->name, "?", sizeof("?"));
	l->line = ln->no;
	st->cur = l;
	st->curpos = tokpos(ln, 0);
	st->nblocks++;
	memset(st->lseen, 0, sizeof(st->lseen));
	memset(st->toklines, 0, sizeof(st->toklines));
}

static int
scratch_open(const struct pstate *st)
{
	return st->cur == &st->scratch;
}

/* What is wrong with a "listener NAME {" line, reported; or 0. */
static int
header_problem(struct pstate *st, const struct line *ln)
{
	const struct tok *k = &ln->t[0], *n = &ln->t[1];
	size_t i;
	int r;

	if (ln->ntok < 2)
		return err(st, ln->no, k->col, "missing listener name");
	if (!policy_goodname(n, 1))
		return err(st, ln->no, n->col, "bad listener name '%.*s%s': "
		    "use letters, digits, '.', '_', '-', starting with a "
		    "letter or digit, at most %d bytes", TOKSHOW(n),
		    POLICY_NAME_MAX - 1);
	if (ln->ntok < 3)
		return err(st, ln->no, n->col + (unsigned int)n->len,
		    "expected '{' after 'listener %.*s' on the same line",
		    (int)n->len, n->p);
	if (!policy_tokeq(&ln->t[2], "{"))
		return err(st, ln->no, ln->t[2].col, "expected '{' after "
		    "'listener %.*s', not '%.*s%s'", (int)n->len, n->p,
		    TOKSHOW(&ln->t[2]));
	if ((r = want(st, ln, 3)) != 0)
		return r;
	if (st->pol.nlisteners >= POLICY_MAX_LISTENERS)
		return err(st, ln->no, k->col, "too many listeners "
		    "(at most %d)", POLICY_MAX_LISTENERS);
	for (i = 0; i < st->pol.nlisteners; i++)
		if (policy_tokeq(n, st->pol.listeners[i].name))
			return err(st, ln->no, n->col, "duplicate listener "
			    "name '%.*s' (first at line %u)", (int)n->len,
			    n->p, st->pol.listeners[i].line);
	return 0;
}

static int
open_block(struct pstate *st, const struct line *ln)
{
	struct listener_conf *l;
	int r;

	if (st->cur != NULL) {
		r = err(st, ln->no, ln->t[0].col, "nested listener: listener "
		    "'%s' (line %u) is not closed with '}'", st->cur->name,
		    st->cur->line);
		/*
		 * Drop the open block unchecked and read this one as
		 * scratch: whether a '}' was forgotten or the blocks are
		 * really nested, neither can be trusted; the outer block's
		 * '}', if it comes, is taken without a word.
		 */
		open_scratch(st, ln, ln->ntok >= 2 ? &ln->t[1] : NULL);
		st->stray_close = 1;
		return r;
	}
	if ((r = header_problem(st, ln)) != 0) {
		open_scratch(st, ln, ln->ntok >= 2 ? &ln->t[1] : NULL);
		/* "listener x" alone: a '{' on the next line is its own. */
		st->await_brace = !policy_tokeq(&ln->last, "{");
		return r;
	}
	l = &st->pol.listeners[st->pol.nlisteners];
	listener_defaults(l);
	policy_copytok(l->name, &ln->t[1]);
	l->line = ln->no;
	st->cur = l;
	st->curpos = tokpos(ln, 0);
	st->nblocks++;
	memset(st->lseen, 0, sizeof(st->lseen));
	memset(st->toklines, 0, sizeof(st->toklines));
	return 0;
}

/* The checks of an abstract listener (no file, so no file mode). */
static void
check_abstract(struct pstate *st)
{
	static const int fsonly[] = { K_OWNER, K_GROUP, K_MODE, K_AWW };
	struct listener_conf *l = st->cur;
	const struct seen *s;
	size_t i;

	for (i = 0; i < sizeof(fsonly) / sizeof(fsonly[0]); i++) {
		s = &st->lseen[fsonly[i]];
		if (s->key.line != 0)
			(void)err(st, s->key.line, s->key.col, "'%s' has no "
			    "effect on abstract socket '%s'",
			    policy_keys[fsonly[i]].name, l->path);
	}
	/* Anyone can bind the name first and collect the tokens. */
	s = &st->lseen[K_TOKEN];
	if (s->key.line != 0)
		(void)err(st, s->key.line, s->key.col, "'token' on abstract "
		    "socket '%s': any local process can bind the name first "
		    "and receive the tokens; use a path", l->path);
	for (i = 0; i < l->nrules; i++)
		if (l->rules[i].allow && l->rules[i].kind == RULE_ANY)
			(void)err(st, l->rules[i].pos.line,
			    l->rules[i].pos.col, "abstract socket has no "
			    "file mode; restrict peers with allow rules");
}

/*
 * Checks that need the whole block; errors point at a key or "listener".
 * A key whose line was wrong is not reported missing or inconsistent.
 */
static void
check_listener(struct pstate *st)
{
	struct listener_conf *l = st->cur;
	const struct srcpos *at = &st->curpos;
	const struct seen *s;
	size_t i;
	int nallow = 0;

	if (l->path[0] == '\0' && !st->lseen[K_PATH].bad)
		(void)err(st, at->line, at->col, "listener '%s' has no "
		    "'path'", l->name);
	if (l->service == SVC_NONE && !st->lseen[K_SERVICE].bad)
		(void)err(st, at->line, at->col, "listener '%s' has no "
		    "'service' (echo, http, forward or proxy)", l->name);
	if ((l->service == SVC_FORWARD || l->service == SVC_PROXY) &&
	    l->upstream[0] == '\0' && !st->lseen[K_UPSTREAM].bad)
		(void)err(st, at->line, at->col, "listener '%s' has service "
		    "%s but no 'upstream'", l->name,
		    policy_service_name(l->service));
	s = &st->lseen[K_UPSTREAM];
	if (l->service != SVC_NONE && l->service != SVC_FORWARD &&
	    l->service != SVC_PROXY && s->key.line != 0)
		(void)err(st, s->key.line, s->key.col, "'upstream' needs "
		    "service forward or proxy; listener '%s' is %s",
		    l->name, policy_service_name(l->service));
	s = &st->lseen[K_PROXYPROTO];
	if (l->service == SVC_PROXY && l->proxy_protocol != PROXY_NONE)
		(void)err(st, s->val.line, s->val.col, "'proxy_protocol v2' "
		    "is not supported with service proxy: the caller's "
		    "identity goes in X-Peer-* headers (identity_headers)");
	else if (l->service != SVC_NONE && l->service != SVC_FORWARD &&
	    l->service != SVC_PROXY && s->key.line != 0)
		(void)err(st, s->key.line, s->key.col, "'proxy_protocol' "
		    "needs service forward; listener '%s' is %s", l->name,
		    policy_service_name(l->service));
	for (i = K_ROUTE; i <= K_STREAMTO; i++) {
		s = &st->lseen[i];
		if (l->service != SVC_NONE && l->service != SVC_PROXY &&
		    s->key.line != 0)
			(void)err(st, s->key.line, s->key.col, "'%s' needs "
			    "service proxy; listener '%s' is %s",
			    policy_keys[i].name, l->name,
			    policy_service_name(l->service));
	}
	s = &st->lseen[K_TOKEN];
	if (l->service == SVC_PROXY && s->key.line != 0)
		(void)err(st, s->key.line, s->key.col, "'token' is not "
		    "supported with service proxy: routes decide by kernel "
		    "identity");
	if (l->service == SVC_PROXY && l->nroutes == 0 &&
	    !st->lseen[K_ROUTE].bad)
		(void)err(st, at->line, at->col, "listener '%s': a proxy "
		    "listener needs at least one route (without one every "
		    "request is refused)", l->name);
	for (i = 0; i < l->nrules; i++)
		nallow += l->rules[i].allow;
	if (nallow == 0 && !st->lseen[K_ALLOW].bad)
		(void)err(st, at->line, at->col, "listener '%s' has no allow "
		    "rule; every peer would be denied", l->name);
	if (l->path[0] == '@')
		check_abstract(st);
	else if (l->path[0] != '\0' && (l->mode & 0002) &&
	    !l->allow_world_writable && !st->lseen[K_AWW].bad) {
		s = &st->lseen[K_MODE];
		(void)err(st, s->val.line, s->val.col, "mode %04o lets any "
		    "local user connect; add 'allow_world_writable yes' to "
		    "listener '%s' if that is intended", l->mode, l->name);
	}
	s = &st->lseen[K_MAXCONNUID];
	if (s->key.line == 0) {
		if (l->lim.max_connections_per_uid > l->lim.max_connections)
			l->lim.max_connections_per_uid =
			    l->lim.max_connections;
	} else if (l->lim.max_connections_per_uid >
	    l->lim.max_connections && !st->lseen[K_MAXCONN].bad)
		(void)err(st, s->val.line, s->val.col,
		    "max_connections_per_uid %u exceeds max_connections %u",
		    l->lim.max_connections_per_uid, l->lim.max_connections);
}

static int
close_block(struct pstate *st, const struct line *ln)
{
	size_t n0 = st->dl->n;
	int r = 0;

	if (st->cur == NULL) {
		if (st->stray_close) {	/* see open_block */
			st->stray_close = 0;
			return 0;
		}
		return err(st, ln->no, ln->t[0].col, "'}' without an open "
		    "listener block");
	}
	if (ln->ntok > 1)
		r = err(st, ln->no, ln->t[1].col, "unexpected '%.*s%s' "
		    "after '}'", TOKSHOW(&ln->t[1]));
	if (!scratch_open(st)) {
		check_listener(st);
		/* Kept even when wrong: later names and paths see it. */
		st->pol.nlisteners++;
	}
	st->cur = NULL;
	return r != 0 || st->dl->n != n0 ? GW_ERR_INVALID : 0;
}

/* An unknown key: say so, with the nearest key when one is close. */
static int
unknown_key(struct pstate *st, const struct line *ln)
{
	const struct tok *k = &ln->t[0];
	const struct keydef *kd;
	const char *near;
	struct tok nt;
	char hint[48] = "";
	int r;

	if ((near = policy_suggest(k)) != NULL)
		(void)snprintf(hint, sizeof(hint), "; did you mean '%s'?",
		    near);
	if (st->cur != NULL)
		r = err(st, ln->no, k->col, "unknown key '%.*s%s' in "
		    "listener '%s'%s", TOKSHOW(k), st->cur->name, hint);
	else
		r = err(st, ln->no, k->col, "unknown key '%.*s%s' at "
		    "global scope%s", TOKSHOW(k), hint);
	if (near != NULL) {
		nt.p = near;
		nt.len = strlen(near);
		nt.col = 0;
		if (st->cur != NULL && (kd = findkey(&nt)) != NULL)
			st->lseen[kd - policy_keys].bad = 1;
	}
	/* "listner web {": the body that follows is a listener's. */
	if (st->cur == NULL && ln->ntok >= 2 && policy_tokeq(&ln->last, "{"))
		open_scratch(st, ln, &ln->t[1]);
	return r;
}

static int
statement(struct pstate *st, const struct line *ln)
{
	const struct tok *k = &ln->t[0];
	const struct keydef *kd;
	struct seen *s;
	int r;

	if (st->await_brace) {
		st->await_brace = 0;
		if (policy_tokeq(k, "{") && ln->ntok == 1)
			return 0;	/* its header's error said so */
	}
	if (st->ups.cur != NULL && (policy_tokeq(k, "listener") ||
	    policy_tokeq(k, "upstream")))
		return err(st, ln->no, k->col, "nested block: upstream '%s' "
		    "(line %u) is not closed with '}'", st->ups.cur->name,
		    st->ups.cur->line);
	if (st->ups.cur != NULL && policy_tokeq(k, "}"))
		return up_err(st, policy_upstream_close(&st->pol, &st->ups,
		    ln->t, ln->ntok, ln->no, &st->updiag));
	if (st->ups.cur != NULL)
		return up_err(st, policy_upstream_key(&st->ups, ln->t,
		    ln->ntok, ln->no, &st->updiag));
	if (policy_tokeq(k, "upstream") && st->cur == NULL)
		return up_err(st, policy_upstream_open(&st->pol, &st->ups,
		    ln->t, ln->ntok, ln->no, &st->updiag));
	if (policy_tokeq(k, "}"))
		return close_block(st, ln);
	if (policy_tokeq(k, "listener"))
		return open_block(st, ln);
	if (policy_tokeq(k, "{")) {
		r = err(st, ln->no, k->col, "'{' must be on the same line "
		    "as 'listener NAME'");
		if (st->cur == NULL)
			open_scratch(st, ln, NULL);
		return r;
	}
	if ((kd = findkey(k)) == NULL)
		return unknown_key(st, ln);
	if (kd->scope == S_GLOBAL && st->cur != NULL)
		return err(st, ln->no, k->col, "'%s' is a global key; it is "
		    "not allowed inside listener '%s'", kd->name,
		    st->cur->name);
	if (kd->scope == S_LISTENER && st->cur == NULL)
		return err(st, ln->no, k->col, "'%s' is only allowed inside "
		    "a listener block", kd->name);
	s = (st->cur != NULL ? st->lseen : st->gseen) + (kd - policy_keys);
	if (!kd->repeat && s->key.line != 0)
		return err(st, ln->no, k->col, "duplicate key '%s' (first set "
		    "at line %u)", kd->name, s->key.line);
	if (ln->ntok < 2)
		r = err(st, ln->no, k->col, "missing value for '%s'",
		    kd->name);
	else
		r = (kd->fn != NULL ? kd->fn : k_value)(st, ln, kd);
	if (r != 0) {
		s->bad = 1;
		return r;
	}
	if (s->key.line == 0) {
		s->key = tokpos(ln, 0);
		s->val = tokpos(ln, 1);
	}
	return 0;
}

static void
addtok(struct line *ln, const uint8_t *p, size_t start, size_t end)
{
	struct tok t;

	t.p = (const char *)p + start;
	t.len = end - start;
	t.col = (unsigned int)start + 1;
	if (ln->ntok < MAXTOK)
		ln->t[ln->ntok++] = t;
	ln->last = t;
}

/* Report the first byte of a line that a policy may not hold. */
static void
badbyte(struct pstate *st, const uint8_t *p, size_t i, unsigned int no)
{
	if (p[i] == '\0')
		(void)err(st, no, (unsigned int)i + 1, "NUL byte in policy");
	else if (p[i] == '\r')
		(void)err(st, no, (unsigned int)i + 1, "carriage return "
		    "(CRLF line endings are not accepted)");
	else
		(void)err(st, no, (unsigned int)i + 1, "invalid byte 0x%02x: "
		    "only printable ASCII is allowed outside comments", p[i]);
}

/*
 * Split one line (without its '\n') into blank-separated tokens. '#'
 * starts a comment anywhere. Outside comments only printable ASCII,
 * space and tab are accepted; NUL is refused everywhere. The first bad
 * byte of a line is reported and taken as a blank; then 1 is returned:
 * the tokens may be cut, so their own errors would be noise. A CR that
 * ends a line is reported once per file, and its line is read as usual.
 */
static int
lex(struct pstate *st, const uint8_t *p, size_t len, unsigned int no,
    struct line *ln)
{
	size_t i, start;
	int bad = 0;

	memset(ln, 0, sizeof(*ln));
	ln->no = no;
	if (len > POLICY_LINE_MAX) {
		(void)err(st, no, POLICY_LINE_MAX + 1, "line is longer than "
		    "%d bytes", POLICY_LINE_MAX);
		bad = 1;
	}
	for (i = 0; i < len; ) {
		if (p[i] == ' ' || p[i] == '\t') {
			i++;
			continue;
		}
		if (p[i] == '#') {
			for (; i < len && p[i] != '\0'; i++)
				;
			if (i < len && !bad) {
				badbyte(st, p, i, no);
				bad = 1;
			}
			break;
		}
		if (p[i] > ' ' && p[i] < 0x7f) {
			for (start = i; i < len && p[i] > ' ' &&
			    p[i] < 0x7f && p[i] != '#'; i++)
				;
			addtok(ln, p, start, i);
			continue;
		}
		if (p[i] == '\r' && i == len - 1 && !bad) {
			if (!st->crlf)
				badbyte(st, p, i, no);
			st->crlf = 1;
		} else if (!bad) {
			badbyte(st, p, i, no);
			bad = 1;
		}
		i++;
	}
	return bad;
}

void
policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->magic = POLICY_MAGIC;
	p->size = sizeof(*p);
	p->workers = 0;
	p->nofile = POLICY_DEF_NOFILE;
	p->shutdown_timeout_ms = POLICY_DEF_SHUTDOWN_MS;
}

/* Every line, then the checks at the end of the file. */
static void
parse_lines(struct pstate *st, const uint8_t *buf, size_t len)
{
	struct line ln;
	size_t off = 0, eol;
	unsigned int no = 0, eofline = 1, eofcol = 1;

	while (off < len && !st->stop) {
		no++;
		for (eol = off; eol < len && buf[eol] != '\n'; eol++)
			;
		st->quiet = lex(st, buf + off, eol - off, no, &ln);
		if (ln.ntok > 0)
			(void)statement(st, &ln);
		st->quiet = 0;
		eofline = eol < len ? no + 1 : no;
		eofcol = eol < len ? 1 : (unsigned int)(eol - off) + 1;
		off = eol + 1;
	}
	if (st->stop)
		return;
	if (st->cur != NULL)
		(void)err(st, st->curpos.line, st->curpos.col, "listener '%s' "
		    "is not closed: '}' missing at end of file",
		    st->cur->name);
	else if (st->ups.cur != NULL)
		(void)err(st, st->ups.cur->line, st->ups.cur->pos.col,
		    "upstream '%s' is not closed: '}' missing at end of file",
		    st->ups.cur->name);
	else if (st->nblocks == 0)
		(void)err(st, eofline, eofcol, "no listener defined; a policy "
		    "needs at least one 'listener NAME { ... }' block");
}

int
policy_parse_all(const char *name, const uint8_t *buf, size_t len,
    struct policy *out, struct policy_diags *dl)
{
	struct pstate *st = NULL;
	int r;

	(void)name;
	memset(dl, 0, sizeof(*dl));
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		dl->n = 1;
		(void)snprintf(dl->d[0].msg, sizeof(dl->d[0].msg),
		    "out of memory");
		return GW_ERR_NOMEM;
	}
	st->dl = dl;
	policy_init(&st->pol);
	if (len > POLICY_FILE_MAX) {
		r = err(st, 1, 1, "policy is %zu bytes; at most %d are "
		    "allowed", len, POLICY_FILE_MAX);
		goto out;
	}
	parse_lines(st, buf, len);
	if (dl->n != 0) {
		r = GW_ERR_INVALID;
		goto out;
	}
	/* Only a policy without errors: a dropped block names nothing. */
	if ((r = up_err(st, policy_upstream_link(&st->pol,
	    &st->updiag))) != 0)
		goto out;
	st->pol.nofile_pos = st->gseen[K_NOFILE].val;	/* for main.c */
	memcpy(out, &st->pol, sizeof(*out));
	/* success */
	r = 0;
 out:
	free(st);
	return r;
}

int
policy_parse(const char *name, const uint8_t *buf, size_t len,
    struct policy *out, struct gw_diag *diag)
{
	struct policy_diags *dl;
	int r;

	memset(diag, 0, sizeof(*diag));
	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		(void)snprintf(diag->msg, sizeof(diag->msg), "out of memory");
		return GW_ERR_NOMEM;
	}
	r = policy_parse_all(name, buf, len, out, dl);
	if (r != 0)
		memcpy(diag, &dl->d[0], sizeof(*diag));
	free(dl);
	return r;
}

/* The catch-all route: every method, every path, any query, anyone. */
static int
catch_all(const struct route *r)
{
	return r->methods == ROUTE_ANY_METHOD && !r->has_query &&
	    strcmp(r->pattern, "/**") == 0 && r->who.kind == RULE_ANY;
}

void
policy_warnings(const struct policy *p, struct policy_diags *dl)
{
	const struct listener_conf *l;
	const struct route *c, *routes;
	struct gw_diag *d;
	size_t i, j;

	memset(dl, 0, sizeof(*dl));
	for (i = 0; i < p->nlisteners && i < POLICY_MAX_LISTENERS; i++) {
		l = &p->listeners[i];
		routes = policy_routes(p, l);
		c = NULL;
		for (j = 0; j < l->nroutes && j < POLICY_MAX_ROUTES; j++) {
			if (c == NULL) {
				if (catch_all(&routes[j]))
					c = &routes[j];
				continue;
			}
			if (dl->n >= POLICY_MAX_DIAGS) {
				dl->more = 1;
				return;
			}
			d = &dl->d[dl->n++];
			d->line = routes[j].pos.line;
			d->col = routes[j].pos.col;
			(void)snprintf(d->msg, sizeof(d->msg), "route can "
			    "never match: the catch-all route at line %u of "
			    "listener '%s' decides every request first",
			    c->line, l->name);
		}
	}
}

void
policy_format_diag(const char *name, const struct gw_diag *d, char *buf,
    size_t len)
{
	int n;

	if (len == 0)
		return;
	if (d->line == 0)
		n = snprintf(buf, len, "%s: %s", name, d->msg);
	else
		n = snprintf(buf, len, "%s:%u:%u: %s", name, d->line, d->col,
		    d->msg);
	if (n < 0)
		buf[0] = '\0';
}
