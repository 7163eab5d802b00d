/* SPDX-License-Identifier: ISC */
/* The I/O half of the policy: user and group names to ids via NSS. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define NSSBUF_START	16384
#define NSSBUF_MAX	(1024 * 1024)	/* a sane bound for one entry */
#define DEFAULT_USER	"uds-gateway"
#define PKG_GROUP	"uds-gateway-clients"
#define USERADD_HINT	"useradd --system --no-create-home --home-dir " \
	"/nonexistent --shell /usr/sbin/nologin --user-group " DEFAULT_USER
#define DEFAULT_USER_HINT	"created by the uds-gateway package; or: " \
	USERADD_HINT
#define PKG_GROUP_HINT	"created by the uds-gateway package; or: " \
	"groupadd --system " PKG_GROUP

enum { LOOK_USER, LOOK_GROUP };

static int	 rerr(struct policy_diags *, const struct srcpos *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));

/* Record an error (see policy_parse_all); GW_ERR_INVALID. */
static int
rerr(struct policy_diags *dl, const struct srcpos *pos, const char *fmt, ...)
{
	struct gw_diag *d;
	va_list ap;

	if (dl->n >= POLICY_MAX_DIAGS) {
		dl->more = 1;
		return GW_ERR_INVALID;
	}
	d = &dl->d[dl->n++];
	d->line = pos != NULL ? pos->line : 0;
	d->col = pos != NULL ? pos->col : 0;
	va_start(ap, fmt);
	(void)vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return GW_ERR_INVALID;
}

/* How to get a name the package creates; "" for any other. */
static const char *
pkg_hint(int what, const char *name)
{
	if (strcmp(name, DEFAULT_USER) == 0)
		return " (" DEFAULT_USER_HINT ")";
	if (what == LOOK_GROUP && strcmp(name, PKG_GROUP) == 0)
		return " (" PKG_GROUP_HINT ")";
	return "";
}

/*
 * Look name up as a user (id = uid, gid = primary gid) or a group
 * (id = gid). Returns 1 found, 0 not found, -1 with errno on failure.
 * getpwnam_r/getgrnam_r report "not found" as 0 with a NULL result;
 * glibc may also return ENOENT/ESRCH/EBADF/EPERM for it, so treat those
 * as not found too, as getpwnam(3) describes.
 */
static int
lookup(int what, const char *name, uint32_t *id, uint32_t *gid)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char *buf = NULL, *nbuf;
	size_t len = NSSBUF_START;
	int e, r = -1;

	for (;;) {
		if ((nbuf = realloc(buf, len)) == NULL) {
			e = ENOMEM;
			goto out;
		}
		buf = nbuf;
		if (what == LOOK_USER)
			e = getpwnam_r(name, &pw, buf, len, &pwp);
		else
			e = getgrnam_r(name, &gr, buf, len, &grp);
		if (e != ERANGE || len >= NSSBUF_MAX)
			break;
		len *= 2;
	}
	if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM) {
		e = 0;
		r = 0;
		if (pwp != NULL) {
			*id = pwp->pw_uid;
			*gid = pwp->pw_gid;
			r = 1;
		} else if (grp != NULL) {
			*id = grp->gr_gid;
			r = 1;
		}
	}
 out:
	free(buf);
	if (r < 0)
		errno = e;
	return r;
}

/* Resolve a user or group name; errors carry pos and a clear message. */
static int
resolve(int what, const char *name, const struct srcpos *pos,
    struct policy_diags *diag, uint32_t *id, uint32_t *gid)
{
	const char *kind = what == LOOK_USER ? "user" : "group";
	uint32_t dummy;
	int r;

	if ((r = lookup(what, name, id, gid != NULL ? gid : &dummy)) < 0)
		return rerr(diag, pos, "cannot look up %s '%s': %s", kind,
		    name, strerror(errno));
	if (r == 0)
		return rerr(diag, pos, "unknown %s '%s'%s", kind, name,
		    pkg_hint(what, name));
	return 0;
}

/*
 * The worker user: named, or as root a dedicated user of our own (never
 * the shared "nobody": any other process running as nobody could signal
 * or ptrace-inspect the workers), or ourselves.
 */
static int
resolve_user(struct policy *p, struct policy_diags *diag)
{
	struct passwd pw, *pwp = NULL;
	char buf[NSSBUF_START];
	uint32_t uid, gid;
	int r;

	if (p->user[0] != '\0') {
		if ((r = resolve(LOOK_USER, p->user, &p->user_pos, diag, &uid,
		    &gid)) != 0)
			return r;
	} else if (geteuid() == 0) {
		if ((r = lookup(LOOK_USER, DEFAULT_USER, &uid, &gid)) < 0)
			return rerr(diag, NULL, "cannot look up user '%s' "
			    "(the default worker user): %s", DEFAULT_USER,
			    strerror(errno));
		if (r == 0)
			return rerr(diag, NULL, "unknown user '%s' (the "
			    "default worker user when started as root; %s), "
			    "or set 'user'", DEFAULT_USER, DEFAULT_USER_HINT);
		memcpy(p->user, DEFAULT_USER, sizeof(DEFAULT_USER));
	} else {
		uid = geteuid();
		gid = getegid();
		/* Only for policy_print; an unnamed uid is fine. */
		if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) == 0 &&
		    pwp != NULL && strlen(pwp->pw_name) < sizeof(p->user))
			memcpy(p->user, pwp->pw_name,
			    strlen(pwp->pw_name) + 1);
	}
	if (uid == 0 && geteuid() == 0)
		return rerr(diag, p->user_pos.line != 0 ? &p->user_pos : NULL,
		    "worker user '%s' has uid 0; workers must not run as "
		    "root", p->user);
	/* privdrop refuses it too; found here, it is a policy error. */
	if (gid == 0 && geteuid() == 0)
		return rerr(diag, p->user_pos.line != 0 ? &p->user_pos : NULL,
		    "worker user '%s' has primary group 0 (root); workers "
		    "must not run with group root", p->user);
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	return 0;
}

/* A listener's own worker user, else the policy's. */
static int
resolve_listener_user(const struct policy *p, struct listener_conf *l,
    struct policy_diags *diag)
{
	uint32_t uid, gid;
	int r;

	if (l->user[0] == '\0') {
		l->wuid = p->uid;
		l->wgid = p->gid;
		return 0;
	}
	if ((r = resolve(LOOK_USER, l->user, &l->user_pos, diag, &uid,
	    &gid)) != 0)
		return r;
	if (geteuid() == 0 && uid == 0)
		return rerr(diag, &l->user_pos, "worker user '%s' of listener "
		    "'%s' has uid 0; workers must not run as root", l->user,
		    l->name);
	if (geteuid() == 0 && gid == 0)
		return rerr(diag, &l->user_pos, "worker user '%s' of listener "
		    "'%s' has primary group 0 (root); workers must not run "
		    "with group root", l->user, l->name);
	l->wuid = (uid_t)uid;
	l->wgid = (gid_t)gid;
	return 0;
}

/* Every name of a listener; each one not found is reported. */
static int
resolve_listener(const struct policy *p, struct listener_conf *l,
    struct policy_diags *diag)
{
	struct rule *ru;
	uint32_t id, gid;
	size_t i;
	int r = 0;

	if (resolve_listener_user(p, l, diag) != 0)
		r = GW_ERR_INVALID;
	l->uid = geteuid();
	l->gid = getegid();
	if (l->owner[0] != '\0') {
		if (resolve(LOOK_USER, l->owner, &l->owner_pos, diag, &id,
		    &gid) != 0)
			r = GW_ERR_INVALID;
		else
			l->uid = (uid_t)id;
	}
	if (l->group[0] != '\0') {
		if (resolve(LOOK_GROUP, l->group, &l->group_pos, diag, &id,
		    NULL) != 0)
			r = GW_ERR_INVALID;
		else
			l->gid = (gid_t)id;
	}
	for (i = 0; i < l->nrules && i < POLICY_MAX_RULES; i++) {
		ru = &l->rules[i];
		if (!ru->by_name)
			continue;
		if (resolve(ru->kind == RULE_GROUP ? LOOK_GROUP : LOOK_USER,
		    ru->name, &ru->pos, diag, &id, NULL) != 0)
			r = GW_ERR_INVALID;
		else
			ru->id = id;
	}
	return r;
}

/*
 * An upstream's connector credentials: its user (else the policy's
 * worker user) and its supplementary groups. Never root: the connector
 * must gain nothing a plain user of that name would not have.
 */
static int
resolve_upstream(const struct policy *p, struct upstream_conf *u,
    struct policy_diags *diag)
{
	uint32_t id, gid;
	size_t i;
	int r = 0;

	u->uid = p->uid;
	u->gid = p->gid;
	if (u->user[0] != '\0') {
		if (resolve(LOOK_USER, u->user, &u->user_pos, diag, &id,
		    &gid) != 0)
			r = GW_ERR_INVALID;
		else if (geteuid() == 0 && (id == 0 || gid == 0))
			r = rerr(diag, &u->user_pos, "connector user '%s' of "
			    "upstream '%s' has uid or primary group 0; "
			    "connectors must not run as root", u->user,
			    u->name);
		else {
			u->uid = (uid_t)id;
			u->gid = (gid_t)gid;
		}
	}
	for (i = 0; i < u->ngroups && i < POLICY_MAX_UPGROUPS; i++) {
		if (resolve(LOOK_GROUP, u->groups[i], &u->group_pos[i], diag,
		    &id, NULL) != 0)
			r = GW_ERR_INVALID;
		else if (geteuid() == 0 && id == 0)
			r = rerr(diag, &u->group_pos[i], "group '%s' of "
			    "upstream '%s' is root's group 0; connectors "
			    "must not run with group root", u->groups[i],
			    u->name);
		else
			u->gids[i] = (gid_t)id;
	}
	return r;
}

int
policy_resolve_all(struct policy *p, struct policy_diags *diag)
{
	size_t i;
	int r;

	memset(diag, 0, sizeof(*diag));
	r = resolve_user(p, diag);
	for (i = 0; i < p->nlisteners && i < POLICY_MAX_LISTENERS; i++)
		if (resolve_listener(p, &p->listeners[i], diag) != 0)
			r = GW_ERR_INVALID;
	for (i = 0; i < p->nupstreams && i < POLICY_MAX_UPSTREAMS; i++)
		if (resolve_upstream(p, &p->upstreams[i], diag) != 0)
			r = GW_ERR_INVALID;
	/* The routes' callers, as the rules' (every listener's, in order). */
	for (i = 0; i < p->nroutes && i < POLICY_MAX_ROUTES_ALL; i++) {
		struct rule *ru = &p->routes[i].who;
		uint32_t id;

		if (!ru->by_name)
			continue;
		if (resolve(ru->kind == RULE_GROUP ? LOOK_GROUP : LOOK_USER,
		    ru->name, &ru->pos, diag, &id, NULL) != 0)
			r = GW_ERR_INVALID;
		else
			ru->id = id;
	}
	return r;
}

int
policy_resolve(struct policy *p, struct gw_diag *diag)
{
	struct policy_diags *dl;
	int r;

	memset(diag, 0, sizeof(*diag));
	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		(void)snprintf(diag->msg, sizeof(diag->msg), "out of memory");
		return GW_ERR_NOMEM;
	}
	r = policy_resolve_all(p, dl);
	if (r != 0)
		memcpy(diag, &dl->d[0], sizeof(*diag));
	free(dl);
	return r;
}
