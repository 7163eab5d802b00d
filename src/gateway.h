/* SPDX-License-Identifier: ISC */
/* Shared types: the validated policy, listeners, rules and error codes. */
#ifndef UDSGW_GATEWAY_H
#define UDSGW_GATEWAY_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define GW_VERSION		"0.1.0"

/*
 * Error codes returned by the pure modules (negative), see gw_strerror().
 * The edge I/O modules return -1 with errno instead.
 */
#define GW_OK			0
#define GW_ERR_INTERNAL		-1	/* broken invariant */
#define GW_ERR_NOMEM		-2	/* allocation failed */
#define GW_ERR_NOSPACE		-3	/* buffer at its maximum size */
#define GW_ERR_INVALID		-4	/* malformed input */
#define GW_ERR_AGAIN		-5	/* need more input */
#define GW_ERR_TOO_LARGE	-6	/* exceeds a configured limit */
#define GW_ERR_RANGE		-7	/* number out of range */

const char	*gw_strerror(int);

#define POLICY_NAME_MAX		64	/* user, group, listener names incl. NUL */
#define POLICY_PATH_MAX		108	/* sizeof(sun_path); '@' = abstract */
#define POLICY_MAX_LISTENERS	32
#define POLICY_MAX_RULES	32
#define POLICY_MAX_TOKENS	8
#define POLICY_TOKEN_LEN	32	/* SHA-256 digest */
#define POLICY_MAX_WORKERS	64
#define POLICY_MAX_UPSTREAMS	16
#define POLICY_MAX_UPGROUPS	16	/* supplementary groups of one */
#define POLICY_MAX_ROUTES	64	/* route lines of one listener */
#define POLICY_MAX_ROUTES_ALL	256	/* of all listeners together */
#define POLICY_ROUTE_MAX	160	/* a route's path pattern incl. NUL */
#define POLICY_ROUTE_QUERY_MAX	96	/* its query constraint incl. NUL */

enum gw_service {
	SVC_NONE = 0,
	SVC_ECHO,
	SVC_HTTP,
	SVC_FORWARD,
	SVC_PROXY,		/* HTTP reverse proxy with routes */
};

enum upstream_kind {
	UP_NONE = 0,
	UP_UNIX,		/* a filesystem socket path */
	UP_TCP,			/* a numeric IPv4 or IPv6 address and port */
};

enum proxy_protocol {
	PROXY_NONE = 0,
	PROXY_V2,		/* HAProxy PROXY protocol version 2 */
};

enum rule_kind {
	RULE_ANY = 0,
	RULE_UID,		/* numeric uid, or a user name resolved to one */
	RULE_GROUP,		/* group name resolved to a gid */
};

/* Where a value was written in the policy file (1-based). */
struct srcpos {
	unsigned int	 line;
	unsigned int	 col;
};

/* One allow/deny line. Names are resolved by policy_resolve(). */
struct rule {
	int		 allow;		/* 1 allow, 0 deny */
	int		 kind;		/* enum rule_kind */
	int		 by_name;	/* 1 if written as user/group NAME */
	uint32_t	 id;		/* uid or gid, valid after resolve */
	char		 name[POLICY_NAME_MAX];
	struct srcpos	 pos;		/* of the name or number, for errors */
	unsigned int	 line;		/* line in the policy, for logs */
};

/*
 * One route line of a proxy listener (route.h evaluates them):
 *	route METHODS PATTERN[?QUERY] allow|deny any|user U|uid N|group G
 * methods has bit (1u << enum http_method) for each method named, and
 * is ROUTE_ANY_METHOD for "*" (which also matches methods we have no
 * name for). pattern is a normalised path pattern in which a segment
 * "*" stands for one non-empty segment and "**" for any number; with has_query the request's query must equal query byte
 * for byte (query "" : the request has no query), else any query goes.
 * who.allow is the decision; who.kind/id/name the caller it applies to.
 */
struct route {
	uint32_t	 methods;
	char		 pattern[POLICY_ROUTE_MAX];
	char		 query[POLICY_ROUTE_QUERY_MAX];
	int		 has_query;
	struct rule	 who;
	unsigned int	 line;		/* line in the policy, for logs */
	struct srcpos	 pos;		/* of the pattern, for errors */
};

enum audit_level {
	AUDIT_DENIED = 0,	/* the default: refused requests only */
	AUDIT_NONE,
	AUDIT_ALL,
};

/* Per-listener limits; 0 never means "unlimited" here, see defaults. */
struct limits {
	uint32_t	 max_connections;
	uint32_t	 max_connections_per_uid;
	uint32_t	 idle_timeout_ms;	/* echo idle, http keep-alive */
	uint32_t	 header_timeout_ms;	/* slowloris, and echo pre-auth */
	uint32_t	 body_timeout_ms;
	uint32_t	 max_request_line;	/* 414 */
	uint32_t	 max_header_bytes;	/* 431 */
	uint32_t	 max_headers;		/* 431 */
	uint64_t	 max_body;		/* 413 */
};

struct listener_conf {
	char		 name[POLICY_NAME_MAX];
	char		 path[POLICY_PATH_MAX];	/* absolute, or "@name" */
	int		 service;		/* enum gw_service */
	char		 owner[POLICY_NAME_MAX];	/* empty: daemon default */
	char		 group[POLICY_NAME_MAX];
	struct srcpos	 owner_pos;
	struct srcpos	 group_pos;
	uid_t		 uid;			/* resolved owner */
	gid_t		 gid;			/* resolved group */
	uint32_t	 mode;			/* permission bits */
	int		 allow_world_writable;
	struct rule	 rules[POLICY_MAX_RULES];
	size_t		 nrules;
	uint8_t		 tokens[POLICY_MAX_TOKENS][POLICY_TOKEN_LEN];
	size_t		 ntokens;
	int		 metrics;		/* 1: /metrics served here */
	int		 metrics_all;		/* 1: with every listener's */
	struct limits	 lim;
	unsigned int	 line;			/* line of "listener" */
	/* This listener's workers; unset: the policy's global values. */
	char		 user[POLICY_NAME_MAX];	/* empty: the global user */
	struct srcpos	 user_pos;
	uid_t		 wuid;			/* resolved worker user */
	gid_t		 wgid;			/* and its primary group */
	uint32_t	 workers;		/* 0: global; or WORKERS_AUTO */
	/* service forward: the upstream (index in policy.upstreams). */
	char		 upstream[POLICY_NAME_MAX];
	struct srcpos	 upstream_pos;		/* of the name */
	uint32_t	 upstream_idx;		/* set at the end of the parse */
	uint32_t	 upstream_timeout_ms;	/* its connect_timeout (the
						   worker has no upstreams) */
	int		 proxy_protocol;	/* enum proxy_protocol */
	/*
	 * service proxy (and the upstream's keepalive, copied here). Its
	 * routes are policy.routes[route0 .. route0 + nroutes), one table
	 * for all listeners, which keeps the policy blob small.
	 */
	uint32_t	 route0;
	uint32_t	 nroutes;
	int		 api_version_prefix;	/* 1: ignore a leading /vN.N */
	int		 identity_headers;	/* 1 (default): X-Peer-* */
	int		 audit;			/* enum audit_level */
	uint32_t	 stream_timeout_ms;	/* upstream silence, in flight */
	uint32_t	 keepalive;		/* idle upstream conns kept */
	uint32_t	 keepalive_timeout_ms;	/* and for how long */
};

/*
 * An upstream: where a connector connects for forward listeners, and
 * with which credentials. Names are resolved by policy_resolve().
 */
struct upstream_conf {
	char		 name[POLICY_NAME_MAX];
	int		 kind;			/* enum upstream_kind */
	char		 path[POLICY_PATH_MAX];	/* UP_UNIX: absolute */
	char		 host[48];		/* UP_TCP: numeric, no [] */
	int		 family;		/* UP_TCP: AF_INET or AF_INET6 */
	uint8_t		 addr[16];		/* UP_TCP: network order */
	uint16_t	 port;			/* UP_TCP: host order */
	char		 user[POLICY_NAME_MAX];	/* empty: the policy's user */
	struct srcpos	 user_pos;
	uid_t		 uid;			/* resolved */
	gid_t		 gid;			/* its primary group */
	char		 groups[POLICY_MAX_UPGROUPS][POLICY_NAME_MAX];
	struct srcpos	 group_pos[POLICY_MAX_UPGROUPS];
	gid_t		 gids[POLICY_MAX_UPGROUPS];	/* resolved */
	size_t		 ngroups;
	uint32_t	 connect_timeout_ms;
	uint32_t	 keepalive;		/* idle connections per worker
						   (proxy listeners); 0: none */
	uint32_t	 keepalive_timeout_ms;
	unsigned int	 line;			/* of "upstream NAME {" */
	struct srcpos	 pos;			/* of its name, for errors */
};

#define POLICY_WORKERS_AUTO	0xffffffffu	/* "workers auto" in a block */

/*
 * The whole validated policy. It is plain data with fixed-size arrays so
 * that the parent can hand it to a freshly exec'd worker as one blob.
 */
struct policy {
	uint32_t	 magic;			/* POLICY_MAGIC */
	uint32_t	 size;			/* sizeof(struct policy) */
	char		 user[POLICY_NAME_MAX];	/* worker user */
	struct srcpos	 user_pos;
	uid_t		 uid;			/* resolved */
	gid_t		 gid;			/* resolved primary group */
	uint32_t	 workers;		/* 0 = one per CPU */
	uint32_t	 nofile;		/* RLIMIT_NOFILE for workers */
	struct srcpos	 nofile_pos;		/* 0 when not set */
	uint32_t	 shutdown_timeout_ms;
	struct listener_conf listeners[POLICY_MAX_LISTENERS];
	size_t		 nlisteners;
	/* Upstreams; a worker's policy has none (it only names its index). */
	struct upstream_conf upstreams[POLICY_MAX_UPSTREAMS];
	size_t		 nupstreams;
	/*
	 * In a worker's policy only, when its listener has metrics_all: the
	 * names of the listeners whose counters it may read, in the order
	 * of its WORKER_FD_PEER_METRICS descriptors. Names, nothing else.
	 */
	char		 peer_names[POLICY_MAX_LISTENERS][POLICY_NAME_MAX];
	size_t		 npeers;
	/* Every proxy listener's routes (a worker's policy: its own). */
	struct route	 routes[POLICY_MAX_ROUTES_ALL];
	size_t		 nroutes;
	char		 file[256];		/* policy file name, for logs */
};

#define POLICY_MAGIC		0x55445347	/* "UDSG" */

/* The routes of listener l of policy p. */
static inline const struct route *
policy_routes(const struct policy *p, const struct listener_conf *l)
{
	return &p->routes[l->route0];
}

/* A diagnostic from a parser: where and what. */
struct gw_diag {
	unsigned int	 line;
	unsigned int	 col;
	char		 msg[320];	/* room for a useradd hint */
};

/* The peer as the kernel told us at accept() (SO_PEERCRED, SO_PEERGROUPS). */
struct peer {
	pid_t		 pid;
	uid_t		 uid;
	gid_t		 gid;
	const gid_t	*groups;	/* supplementary groups, borrowed */
	size_t		 ngroups;
	const char	*label;		/* LSM label (SO_PEERSEC), for logs;
					   "" or NULL: none; borrowed */
};

#endif /* UDSGW_GATEWAY_H */
