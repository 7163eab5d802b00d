/* SPDX-License-Identifier: ISC */
/* The policy's upstream blocks (PURE): where forward listeners connect. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

#define SHOWMAX		48
#define TOKSHOW(t)	(int)((t)->len > SHOWMAX ? SHOWMAX : (t)->len), \
			    (t)->p, (t)->len > SHOWMAX ? "..." : ""
#define CONNECT_MAX_MS	(10ULL * 60 * 1000)

#define KEEPALIVE_MAX_MS	(60ULL * 60 * 1000)

enum { UK_UNIX, UK_TCP, UK_USER, UK_GROUP, UK_TIMEOUT, UK_KEEPALIVE,
	UK_KEEPALIVE_TO };

const char *const policy_upstream_keys[POLICY_UPSTREAM_NKEYS] = {
	[UK_UNIX] = "unix",
	[UK_TCP] = "tcp",
	[UK_USER] = "user",
	[UK_GROUP] = "group",
	[UK_TIMEOUT] = "connect_timeout",
	[UK_KEEPALIVE] = "keepalive",
	[UK_KEEPALIVE_TO] = "keepalive_timeout",
};

static int	 uerr(struct gw_diag *, unsigned int, unsigned int,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

static int
uerr(struct gw_diag *d, unsigned int line, unsigned int col,
    const char *fmt, ...)
{
	va_list ap;

	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	(void)vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return GW_ERR_INVALID;
}


int
policy_upstream_open(struct policy *p, struct upstream_state *us,
    const struct tok *t, size_t ntok, unsigned int no, struct gw_diag *d)
{
	struct upstream_conf *u;
	size_t i;

	if (ntok < 2)
		return uerr(d, no, t[0].col, "missing upstream name");
	if (!policy_goodname(&t[1], 1))
		return uerr(d, no, t[1].col, "bad upstream name '%.*s%s': "
		    "use letters, digits, '.', '_', '-', starting with a "
		    "letter or digit, at most %d bytes", TOKSHOW(&t[1]),
		    POLICY_NAME_MAX - 1);
	if (ntok < 3 || !policy_tokeq(&t[2], "{"))
		return uerr(d, no, ntok < 3 ? t[1].col + (unsigned int)t[1].len :
		    t[2].col, "expected '{' after 'upstream %.*s' on the same "
		    "line", (int)t[1].len, t[1].p);
	if (ntok > 3)
		return uerr(d, no, t[3].col, "unexpected '%.*s%s' after '{'",
		    TOKSHOW(&t[3]));
	if (p->nupstreams >= POLICY_MAX_UPSTREAMS)
		return uerr(d, no, t[0].col, "too many upstreams (at most %d)",
		    POLICY_MAX_UPSTREAMS);
	for (i = 0; i < p->nupstreams; i++)
		if (policy_tokeq(&t[1], p->upstreams[i].name))
			return uerr(d, no, t[1].col, "duplicate upstream name "
			    "'%.*s' (first at line %u)", (int)t[1].len,
			    t[1].p, p->upstreams[i].line);
	u = &p->upstreams[p->nupstreams];
	memset(u, 0, sizeof(*u));
	policy_copytok(u->name, &t[1]);
	u->line = no;
	u->pos.line = no;
	u->pos.col = t[1].col;
	u->connect_timeout_ms = POLICY_DEF_CONNECT_MS;
	u->keepalive = POLICY_DEF_KEEPALIVE;
	u->keepalive_timeout_ms = POLICY_DEF_KEEPALIVE_MS;
	memset(us, 0, sizeof(*us));
	us->cur = u;
	return 0;
}

/* An absolute filesystem path that fits sun_path with its NUL. */
static int
k_unix(struct upstream_conf *u, const struct tok *v, unsigned int no,
    struct gw_diag *d)
{
	if (v->p[0] != '/')
		return uerr(d, no, v->col, "bad upstream path '%.*s%s': must "
		    "be absolute (start with '/')", TOKSHOW(v));
	if (v->len > POLICY_PATH_MAX - 1)
		return uerr(d, no, v->col, "bad upstream path '%.*s%s': too "
		    "long (at most %d bytes)", TOKSHOW(v), POLICY_PATH_MAX - 1);
	policy_copytok(u->path, v);
	u->kind = UP_UNIX;
	return 0;
}

/* 127.0.0.1:5432 or [::1]:5432, numeric only: no name lookups. */
static int
k_tcp(struct upstream_conf *u, const struct tok *v, unsigned int no,
    struct gw_diag *d)
{
	const char *p = v->p, *colon, *host;
	size_t hlen;
	uint64_t port;
	char h[sizeof(u->host)];
	int fam;

	if (p[0] == '[') {
		colon = memchr(p, ']', v->len);
		if (colon == NULL || (size_t)(colon - p) + 1 >= v->len ||
		    colon[1] != ':')
			goto bad;
		host = p + 1;
		hlen = (size_t)(colon - host);
		colon++;
		fam = AF_INET6;
	} else {
		colon = NULL;
		for (hlen = 0; hlen < v->len; hlen++)
			if (p[hlen] == ':')
				colon = p + hlen;
		if (colon == NULL)
			goto bad;
		host = p;
		hlen = (size_t)(colon - p);
		fam = AF_INET;
	}
	if (hlen == 0 || hlen >= sizeof(h))
		goto bad;
	memcpy(h, host, hlen);
	h[hlen] = '\0';
	if (inet_pton(fam, h, u->addr) != 1)
		return uerr(d, no, v->col, "bad upstream address '%.*s%s': "
		    "the host must be a numeric %s address (no names)",
		    TOKSHOW(v), fam == AF_INET ? "IPv4 (or [IPv6])" : "IPv6");
	if (policy_tonum(colon + 1, v->len - (size_t)(colon + 1 - p), 1,
	    65535, &port) != 0)
		return uerr(d, no, v->col, "bad upstream address '%.*s%s': "
		    "the port must be a number from 1 to 65535", TOKSHOW(v));
	memcpy(u->host, h, hlen + 1);
	u->family = fam;
	u->port = (uint16_t)port;
	u->kind = UP_TCP;
	return 0;
 bad:
	return uerr(d, no, v->col, "bad upstream address '%.*s%s': expected "
	    "IPv4:PORT or [IPv6]:PORT", TOKSHOW(v));
}

int
policy_upstream_key(struct upstream_state *us, const struct tok *t,
    size_t ntok, unsigned int no, struct gw_diag *d)
{
	struct upstream_conf *u = us->cur;
	const struct tok *v = &t[1];
	uint64_t ms, n;
	size_t k;

	for (k = 0; k < POLICY_UPSTREAM_NKEYS; k++)
		if (policy_tokeq(&t[0], policy_upstream_keys[k]))
			break;
	if (k == POLICY_UPSTREAM_NKEYS)
		return uerr(d, no, t[0].col, "unknown key '%.*s%s' in upstream "
		    "'%s'", TOKSHOW(&t[0]), u->name);
	if (k != UK_GROUP && us->seen[k].line != 0)
		return uerr(d, no, t[0].col, "duplicate key '%s' (first set "
		    "at line %u)", policy_upstream_keys[k], us->seen[k].line);
	if ((k == UK_UNIX && us->seen[UK_TCP].line != 0) ||
	    (k == UK_TCP && us->seen[UK_UNIX].line != 0))
		return uerr(d, no, t[0].col, "upstream '%s' has both 'unix' "
		    "and 'tcp'; give one address", u->name);
	if (ntok < 2)
		return uerr(d, no, t[0].col, "missing value for '%s'",
		    policy_upstream_keys[k]);
	if (ntok > 2)
		return uerr(d, no, t[2].col, "unexpected '%.*s%s' after the "
		    "value of '%s'", TOKSHOW(&t[2]), policy_upstream_keys[k]);
	switch (k) {
	case UK_UNIX:
		if (k_unix(u, v, no, d) != 0)
			return GW_ERR_INVALID;
		break;
	case UK_TCP:
		if (k_tcp(u, v, no, d) != 0)
			return GW_ERR_INVALID;
		break;
	case UK_USER:
	case UK_GROUP:
		if (!policy_goodname(v, 0))
			return uerr(d, no, v->col, "bad %s name '%.*s%s' for "
			    "'%s': use letters, digits, '.', '_', '-' (not "
			    "all digits, at most %d bytes)",
			    policy_upstream_keys[k], TOKSHOW(v),
			    policy_upstream_keys[k], POLICY_NAME_MAX - 1);
		if (k == UK_USER) {
			policy_copytok(u->user, v);
			u->user_pos.line = no;
			u->user_pos.col = v->col;
			break;
		}
		if (u->ngroups >= POLICY_MAX_UPGROUPS)
			return uerr(d, no, t[0].col, "too many groups in "
			    "upstream '%s' (at most %d)", u->name,
			    POLICY_MAX_UPGROUPS);
		policy_copytok(u->groups[u->ngroups], v);
		u->group_pos[u->ngroups].line = no;
		u->group_pos[u->ngroups].col = v->col;
		u->ngroups++;
		break;
	case UK_TIMEOUT:
		if (policy_tounit(v, policy_dur_units, 1, CONNECT_MAX_MS,
		    &ms) != 0)
			return uerr(d, no, v->col, "'connect_timeout' must be "
			    "a duration from 1ms to 10m (a number and ms, s, "
			    "m or h), not '%.*s%s'", TOKSHOW(v));
		u->connect_timeout_ms = (uint32_t)ms;
		break;
	case UK_KEEPALIVE:
		if (policy_tonum(v->p, v->len, 0, POLICY_MAX_KEEPALIVE,
		    &n) != 0)
			return uerr(d, no, v->col, "'keepalive' must be a "
			    "number from 0 to %d (idle connections kept per "
			    "worker), not '%.*s%s'", POLICY_MAX_KEEPALIVE,
			    TOKSHOW(v));
		u->keepalive = (uint32_t)n;
		break;
	case UK_KEEPALIVE_TO:
		if (policy_tounit(v, policy_dur_units, 1, KEEPALIVE_MAX_MS,
		    &ms) != 0)
			return uerr(d, no, v->col, "'keepalive_timeout' must "
			    "be a duration from 1ms to 1h (a number and ms, s, "
			    "m or h), not '%.*s%s'", TOKSHOW(v));
		u->keepalive_timeout_ms = (uint32_t)ms;
		break;
	}
	if (us->seen[k].line == 0) {
		us->seen[k].line = no;
		us->seen[k].col = t[0].col;
	}
	return 0;
}

int
policy_upstream_close(struct policy *p, struct upstream_state *us,
    const struct tok *t, size_t ntok, unsigned int no, struct gw_diag *d)
{
	struct upstream_conf *u = us->cur;

	if (ntok > 1)
		return uerr(d, no, t[1].col, "unexpected '%.*s%s' after '}'",
		    TOKSHOW(&t[1]));
	if (u->kind == UP_NONE)
		return uerr(d, u->line, u->pos.col, "upstream '%s' has no "
		    "address ('unix PATH' or 'tcp HOST:PORT')", u->name);
	p->nupstreams++;
	us->cur = NULL;
	return 0;
}

int
policy_upstream_link(struct policy *p, struct gw_diag *d)
{
	struct listener_conf *l;
	size_t i, j;
	int used;

	for (i = 0; i < p->nlisteners; i++) {
		l = &p->listeners[i];
		if (l->service != SVC_FORWARD && l->service != SVC_PROXY)
			continue;
		for (j = 0; j < p->nupstreams; j++)
			if (strcmp(l->upstream, p->upstreams[j].name) == 0)
				break;
		if (j == p->nupstreams)
			return uerr(d, l->upstream_pos.line,
			    l->upstream_pos.col, "unknown upstream '%s' in "
			    "listener '%s'", l->upstream, l->name);
		l->upstream_idx = (uint32_t)j;
		l->upstream_timeout_ms = p->upstreams[j].connect_timeout_ms;
		l->keepalive = p->upstreams[j].keepalive;
		l->keepalive_timeout_ms = p->upstreams[j].keepalive_timeout_ms;
	}
	for (j = 0; j < p->nupstreams; j++) {
		used = 0;
		for (i = 0; i < p->nlisteners && !used; i++)
			used = (p->listeners[i].service == SVC_FORWARD ||
			    p->listeners[i].service == SVC_PROXY) &&
			    p->listeners[i].upstream_idx == j;
		if (!used)
			return uerr(d, p->upstreams[j].pos.line,
			    p->upstreams[j].pos.col, "upstream '%s' is not "
			    "used by any listener", p->upstreams[j].name);
	}
	return 0;
}

void
policy_upstream_print(FILE *fp, const struct upstream_conf *u)
{
	char s[32];
	size_t i;

	fprintf(fp, "\nupstream %s {\n", u->name);
	if (u->kind == UP_UNIX)
		fprintf(fp, "\tunix %s\n", u->path);
	else if (u->family == AF_INET6)
		fprintf(fp, "\ttcp [%s]:%u\n", u->host, (unsigned int)u->port);
	else
		fprintf(fp, "\ttcp %s:%u\n", u->host, (unsigned int)u->port);
	if (u->user[0] != '\0')
		fprintf(fp, "\tuser %s\n", u->user);
	else
		fprintf(fp, "\t# user: the policy's user\n");
	for (i = 0; i < u->ngroups && i < POLICY_MAX_UPGROUPS; i++)
		fprintf(fp, "\tgroup %s\n", u->groups[i]);
	fprintf(fp, "\tconnect_timeout %s\n", policy_fmtunit(s, sizeof(s),
	    u->connect_timeout_ms, policy_dur_units));
	fprintf(fp, "\tkeepalive %lu\n\tkeepalive_timeout %s\n}\n",
	    (unsigned long)u->keepalive, policy_fmtunit(s, sizeof(s),
	    u->keepalive_timeout_ms, policy_dur_units));
}

void
policy_upstream_forget(struct upstream_conf *u)
{
	memset(&u->user_pos, 0, sizeof(u->user_pos));
	memset(u->group_pos, 0, sizeof(u->group_pos));
	memset(&u->pos, 0, sizeof(u->pos));
	u->line = 0;
}
