/* SPDX-License-Identifier: ISC */
/* Print the effective policy in policy syntax (uds-gateway -t). */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "policy.h"
#include "policy_int.h"
#include "route.h"

const struct policy_method policy_methods[POLICY_NMETHODS] = {
	{ "GET", HTTP_M_GET }, { "HEAD", HTTP_M_HEAD },
	{ "POST", HTTP_M_POST }, { "PUT", HTTP_M_PUT },
	{ "DELETE", HTTP_M_DELETE }, { "OPTIONS", HTTP_M_OPTIONS },
	{ "PATCH", HTTP_M_PATCH }, { "TRACE", HTTP_M_TRACE },
};

const char *
policy_service_name(int svc)
{
	switch (svc) {
	case SVC_ECHO:
		return "echo";
	case SVC_HTTP:
		return "http";
	case SVC_FORWARD:
		return "forward";
	case SVC_PROXY:
		return "proxy";
	default:
		return "none";
	}
}

/* WHO of a rule or route: "any", "uid N", "user U" or "group G". */
static void
who_text(const struct rule *ru, char *buf, size_t len)
{
	if (ru->kind == RULE_ANY)
		(void)snprintf(buf, len, "any");
	else if (ru->kind == RULE_GROUP)
		(void)snprintf(buf, len, "group %s", ru->name);
	else if (ru->by_name)
		(void)snprintf(buf, len, "user %s", ru->name);
	else
		(void)snprintf(buf, len, "uid %lu", (unsigned long)ru->id);
}

void
policy_rule_text(const struct rule *ru, char *buf, size_t len)
{
	char who[POLICY_NAME_MAX + 16];

	who_text(ru, who, sizeof(who));
	(void)snprintf(buf, len, "%s %s", ru->allow ? "allow" : "deny", who);
}

void
policy_route_text(const struct route *r, char *buf, size_t len)
{
	char m[80], who[POLICY_NAME_MAX + 16];
	size_t i, o = 0;

	m[0] = '\0';
	if (r->methods == ROUTE_ANY_METHOD)
		(void)snprintf(m, sizeof(m), "*");
	else
		for (i = 0; i < POLICY_NMETHODS; i++) {
			if ((r->methods &
			    ROUTE_METHOD(policy_methods[i].id)) == 0)
				continue;
			o += (size_t)snprintf(m + o, sizeof(m) - o, "%s%s",
			    o > 0 ? "," : "", policy_methods[i].name);
		}
	who_text(&r->who, who, sizeof(who));
	(void)snprintf(buf, len, "%s %s%s%s %s %s", m, r->pattern,
	    r->has_query ? "?" : "", r->has_query ? r->query : "",
	    r->who.allow ? "allow" : "deny", who);
}

/* Print the table-driven keys of one scope (no allow_world_writable on @). */
static void
print_values(FILE *fp, const char *indent, int scope, const void *base,
    int abstract, int proxy)
{
	const struct keydef *kd;
	const char *b = base;
	char s[32];
	uint64_t v;
	uint32_t v32;
	int bv;

	for (kd = policy_keys; kd < policy_keys + NKEYS; kd++) {
		if (kd->scope != scope || kd->type == V_CUSTOM ||
		    (abstract && kd == &policy_keys[K_AWW]) ||
		    (!proxy && kd >= &policy_keys[K_ROUTE] &&
		    kd <= &policy_keys[K_STREAMTO]))
			continue;
		if (kd->type == V_BOOL) {
			memcpy(&bv, b + kd->off, sizeof(bv));
			fprintf(fp, "%s%s %s\n", indent, kd->name,
			    bv ? "yes" : "no");
			continue;
		}
		if (kd->width == sizeof(uint64_t)) {
			memcpy(&v, b + kd->off, sizeof(v));
		} else {
			memcpy(&v32, b + kd->off, sizeof(v32));
			v = v32;
		}
		if (kd->type == V_DUR)
			policy_fmtunit(s, sizeof(s), v, policy_dur_units);
		else if (kd->type == V_SIZE)
			policy_fmtunit(s, sizeof(s), v, policy_size_units);
		else
			(void)snprintf(s, sizeof(s), "%llu",
			    (unsigned long long)v);
		fprintf(fp, "%s%s %s\n", indent, kd->name, s);
	}
}

static void
print_listener(FILE *fp, const struct policy *p, const struct listener_conf *l)
{
	char text[POLICY_ROUTE_MAX + POLICY_ROUTE_QUERY_MAX + 160];
	const struct rule *ru;
	size_t i, j;
	int abstract = l->path[0] == '@';

	fprintf(fp, "\nlistener %s {\n\tpath %s\n\tservice %s\n", l->name,
	    l->path, policy_service_name(l->service));
	if (!abstract) {
		if (l->owner[0] != '\0')
			fprintf(fp, "\towner %s\n", l->owner);
		else
			fprintf(fp, "\t# owner: the daemon's user\n");
		if (l->group[0] != '\0')
			fprintf(fp, "\tgroup %s\n", l->group);
		else
			fprintf(fp, "\t# group: the daemon's group\n");
		fprintf(fp, "\tmode %04o\n", (unsigned int)l->mode);
	}
	if (l->user[0] != '\0')
		fprintf(fp, "\tuser %s\n", l->user);
	if (l->workers == POLICY_WORKERS_AUTO)
		fprintf(fp, "\tworkers auto\n");
	else if (l->workers != 0)
		fprintf(fp, "\tworkers %lu\n", (unsigned long)l->workers);
	for (i = 0; i < l->nrules; i++) {
		ru = &l->rules[i];
		who_text(ru, text, sizeof(text));
		fprintf(fp, "\t%s %s\n", ru->allow ? "allow" : "deny", text);
	}
	for (i = 0; i < l->ntokens; i++) {
		fprintf(fp, "\ttoken sha256:");
		for (j = 0; j < POLICY_TOKEN_LEN; j++)
			fprintf(fp, "%02x", l->tokens[i][j]);
		fprintf(fp, "\n");
	}
	if (l->service == SVC_FORWARD)
		fprintf(fp, "\tupstream %s\n\tproxy_protocol %s\n",
		    l->upstream, l->proxy_protocol == PROXY_V2 ? "v2" : "no");
	if (l->service == SVC_PROXY) {
		fprintf(fp, "\tupstream %s\n\taudit %s\n", l->upstream,
		    l->audit == AUDIT_NONE ? "none" :
		    l->audit == AUDIT_ALL ? "all" : "denied");
		for (i = 0; i < l->nroutes && i < POLICY_MAX_ROUTES; i++) {
			policy_route_text(&policy_routes(p, l)[i], text,
			    sizeof(text));
			fprintf(fp, "\troute %s\n", text);
		}
	}
	print_values(fp, "\t", S_LISTENER, l, abstract,
	    l->service == SVC_PROXY);
	fprintf(fp, "}\n");
}

void
policy_print(FILE *fp, const struct policy *p)
{
	size_t i;

	fprintf(fp, "# uds-gateway effective policy\n");
	if (p->user[0] != '\0')
		fprintf(fp, "user %s\n", p->user);
	else
		fprintf(fp, "# user: uds-gateway when started as root, "
		    "else the invoking user\n");
	if (p->workers == 0)
		fprintf(fp, "workers auto\n");
	else
		fprintf(fp, "workers %lu\n", (unsigned long)p->workers);
	print_values(fp, "", S_GLOBAL, p, 0, 0);
	for (i = 0; i < p->nupstreams && i < POLICY_MAX_UPSTREAMS; i++)
		policy_upstream_print(fp, &p->upstreams[i]);
	for (i = 0; i < p->nlisteners && i < POLICY_MAX_LISTENERS; i++)
		print_listener(fp, p, &p->listeners[i]);
}

void
policy_forget_positions(struct policy *p)
{
	struct listener_conf *l;
	size_t i, j;

	memset(&p->user_pos, 0, sizeof(p->user_pos));
	memset(&p->nofile_pos, 0, sizeof(p->nofile_pos));
	for (i = 0; i < POLICY_MAX_LISTENERS; i++) {
		l = &p->listeners[i];
		memset(&l->owner_pos, 0, sizeof(l->owner_pos));
		memset(&l->group_pos, 0, sizeof(l->group_pos));
		memset(&l->user_pos, 0, sizeof(l->user_pos));
		memset(&l->upstream_pos, 0, sizeof(l->upstream_pos));
		l->line = 0;
		for (j = 0; j < POLICY_MAX_RULES; j++) {
			memset(&l->rules[j].pos, 0, sizeof(l->rules[j].pos));
			l->rules[j].line = 0;
		}
	}
	for (j = 0; j < POLICY_MAX_ROUTES_ALL; j++) {
		memset(&p->routes[j].pos, 0, sizeof(p->routes[j].pos));
		memset(&p->routes[j].who.pos, 0, sizeof(p->routes[j].who.pos));
		p->routes[j].line = 0;
		p->routes[j].who.line = 0;
	}
	for (i = 0; i < POLICY_MAX_UPSTREAMS; i++)
		policy_upstream_forget(&p->upstreams[i]);
}
