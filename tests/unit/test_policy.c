/* SPDX-License-Identifier: ISC */
/* Unit tests for the policy parser, printer and resolve pass. */
#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "policy.h"
#include "route.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR	"tests/unit/data"
#endif
#ifndef TEST_POLICY_DIR
#define TEST_POLICY_DIR	"policy"
#endif
#ifndef WITH_OPENSSL
#define WITH_OPENSSL	0
#endif

#define MUTATE_ITERS	4000
#define TESTRUNDIR	"/run/user/1000/uds-gateway"

static const char hello_hash[] =
    "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

/* Read a whole file into an exact-size allocation (ASan sees overreads). */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f;
	uint8_t *buf = NULL;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		if (*len != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Parse a NUL-terminated string; the copy ends exactly at its length. */
static int
parse_str(const char *s, struct policy *p, struct gw_diag *d)
{
	size_t len = strlen(s);
	uint8_t *b = malloc(len ? len : 1);
	int r;

	assert_non_null(b);
	memcpy(b, s, len);
	r = policy_parse("t.policy", b, len, p, d);
	free(b);
	return r;
}

/* Clear what print cannot reproduce: positions and resolved ids. */
static void
normalize(struct policy *p)
{
	struct listener_conf *l;
	size_t i, j;

	policy_forget_positions(p);
	p->uid = 0;
	p->gid = 0;
	for (i = 0; i < POLICY_MAX_LISTENERS; i++) {
		l = &p->listeners[i];
		l->uid = 0;
		l->gid = 0;
		l->wuid = 0;
		l->wgid = 0;
		for (j = 0; j < POLICY_MAX_RULES; j++)
			if (l->rules[j].by_name)
				l->rules[j].id = 0;
	}
}

/* print -> parse -> the same policy, or fail the test. */
static void
roundtrip(const struct policy *p, const char *what)
{
	struct policy *a, *b;
	struct gw_diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int r;

	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(fp = open_memstream(&text, &len));
	policy_print(fp, p);
	assert_int_equal(fclose(fp), 0);
	r = policy_parse("print", (const uint8_t *)text, len, b, &d);
	if (r != 0)
		print_error("%s: reparse failed at %u:%u: %s\n%s\n", what,
		    d.line, d.col, d.msg, text);
	assert_int_equal(r, 0);
	memcpy(a, p, sizeof(*a));
	normalize(a);
	normalize(b);
	if (memcmp(a, b, sizeof(*a)) != 0)
		print_error("%s: round trip differs:\n%s\n", what, text);
	assert_memory_equal(a, b, sizeof(*a));
	free(text);
	free(a);
	free(b);
}

static int
ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

/* Every error well formed: a place (line, col >= 1) and a message. */
static void
check_diags(const struct policy_diags *dl)
{
	size_t i;

	assert_true(dl->n >= 1);
	assert_true(dl->n <= POLICY_MAX_DIAGS);
	if (dl->more)
		assert_int_equal(dl->n, POLICY_MAX_DIAGS);
	for (i = 0; i < dl->n; i++) {
		assert_true(dl->d[i].line >= 1);
		assert_true(dl->d[i].col >= 1);
		assert_true(dl->d[i].msg[0] != '\0');
		assert_non_null(memchr(dl->d[i].msg, '\0',
		    sizeof(dl->d[i].msg)));
	}
}

/* policy_parse_all on path: its first error is first (policy_parse's). */
static void
check_all_first(const char *name, const char *path, const struct gw_diag *first)
{
	struct policy_diags *dl = calloc(1, sizeof(*dl));
	struct policy *p = calloc(1, sizeof(*p));
	uint8_t *buf;
	size_t len;

	assert_non_null(dl);
	assert_non_null(p);
	assert_non_null(buf = slurp(path, &len));
	assert_int_equal(policy_parse_all(name, buf, len, p, dl),
	    GW_ERR_INVALID);
	check_diags(dl);
	assert_memory_equal(&dl->d[0], first, sizeof(*first));
	free(buf);
	free(dl);
	free(p);
}

/* Every bad-*.policy gives exactly the message in its .expected. */
static void
test_golden(void **state)
{
	char path[512], exp[512], got[512];
	struct policy *p, *guard;
	struct gw_diag d;
	struct dirent *de;
	uint8_t *buf, *ebuf;
	size_t len, elen;
	DIR *dir;
	int r, nbad = 0, ngood = 0;

	(void)state;
	p = malloc(sizeof(*p));
	guard = malloc(sizeof(*guard));
	assert_non_null(p);
	assert_non_null(guard);
	assert_non_null(dir = opendir(TEST_DATA_DIR));
	while ((de = readdir(dir)) != NULL) {
		if (!ends_with(de->d_name, ".policy"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR,
		    de->d_name);
		assert_non_null(buf = slurp(path, &len));
		memset(p, 0xa5, sizeof(*p));
		memcpy(guard, p, sizeof(*p));
		r = policy_parse(de->d_name, buf, len, p, &d);
		free(buf);
		if (strncmp(de->d_name, "good-", 5) == 0) {
			if (r != 0 && !(WITH_OPENSSL == 0 &&
			    strstr(d.msg, "OpenSSL") != NULL))
				print_error("%s: %u:%u: %s\n", de->d_name,
				    d.line, d.col, d.msg);
			if (WITH_OPENSSL || r == 0)
				assert_int_equal(r, 0);
			ngood++;
			continue;
		}
		if (strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		assert_int_equal(r, GW_ERR_INVALID);
		/* *out is untouched on error. */
		assert_true(memcmp(p, guard, sizeof(*p)) == 0);
		/* The first of all the errors is the one policy_parse gives. */
		check_all_first(de->d_name, path, &d);
		policy_format_diag(de->d_name, &d, got, sizeof(got));
		snprintf(exp, sizeof(exp), "%s/%.*sexpected%s", TEST_DATA_DIR,
		    (int)(strlen(de->d_name) - strlen("policy")), de->d_name,
		    WITH_OPENSSL ? "" : "-nossl");
		if (!WITH_OPENSSL && access(exp, R_OK) != 0)
			exp[strlen(exp) - strlen("-nossl")] = '\0';
		if ((ebuf = slurp(exp, &elen)) == NULL)
			fail_msg("%s: cannot read %s", de->d_name, exp);
		while (elen > 0 && ebuf[elen - 1] == '\n')
			elen--;
		ebuf[elen] = '\0';
		assert_string_equal(got, (char *)ebuf);
		free(ebuf);
		nbad++;
	}
	closedir(dir);
	free(p);
	free(guard);
	assert_true(nbad >= 30);
	assert_true(ngood >= 3);
}

/*
 * Every multi-*.policy gives exactly the errors in its .expected, one
 * per line, as uds-gateway -t prints them (with the "too many" line).
 */
static void
test_golden_multi(void **state)
{
	char path[512], exp[512], line[512];
	struct policy *p;
	struct policy_diags *dl;
	struct dirent *de;
	uint8_t *buf, *ebuf;
	char *got;
	size_t len, elen, glen, i;
	FILE *fp;
	DIR *dir;
	int n = 0;

	(void)state;
	assert_non_null(p = calloc(1, sizeof(*p)));
	assert_non_null(dl = calloc(1, sizeof(*dl)));
	assert_non_null(dir = opendir(TEST_DATA_DIR));
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, "multi-", 6) != 0 ||
		    !ends_with(de->d_name, ".policy"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR,
		    de->d_name);
		assert_non_null(buf = slurp(path, &len));
		assert_int_equal(policy_parse_all(de->d_name, buf, len, p, dl),
		    GW_ERR_INVALID);
		free(buf);
		check_diags(dl);
		got = NULL;
		assert_non_null(fp = open_memstream(&got, &glen));
		for (i = 0; i < dl->n; i++) {
			policy_format_diag(de->d_name, &dl->d[i], line,
			    sizeof(line));
			fprintf(fp, "%s\n", line);
		}
		if (dl->more)
			fprintf(fp, "%s: too many errors, stopped after %d\n",
			    de->d_name, POLICY_MAX_DIAGS);
		assert_int_equal(fclose(fp), 0);
		snprintf(exp, sizeof(exp), "%s/%.*sexpected", TEST_DATA_DIR,
		    (int)(strlen(de->d_name) - strlen("policy")), de->d_name);
		if ((ebuf = slurp(exp, &elen)) == NULL)
			fail_msg("%s: cannot read %s", de->d_name, exp);
		ebuf[elen] = '\0';
		assert_string_equal(got, (char *)ebuf);
		free(ebuf);
		free(got);
		n++;
	}
	closedir(dir);
	free(p);
	free(dl);
	assert_true(n >= 5);
}

/* "did you mean": the nearest key when close, nothing otherwise. */
static const struct {
	const char	*text;
	const char	*msg;
} suggestcases[] = {
	{ "listener x {\n mdoe 0660\n", "unknown key 'mdoe' in listener "
	    "'x'; did you mean 'mode'?" },
	{ "listener x {\n Mode 0660\n", "unknown key 'Mode' in listener "
	    "'x'; did you mean 'mode'?" },
	{ "listener x {\n usr root\n", "unknown key 'usr' in listener 'x'; "
	    "did you mean 'user'?" },
	{ "listener x {\n idle_timout 1s\n", "unknown key 'idle_timout' "
	    "in listener 'x'; did you mean 'idle_timeout'?" },
	{ "listener x {\n metrics_al yes\n", "unknown key 'metrics_al' in "
	    "listener 'x'; did you mean 'metrics_all'?" },
	{ "listener x {\n maxbody 1M\n", "unknown key 'maxbody' in "
	    "listener 'x'; did you mean 'max_body'?" },
	{ "listener x {\n mdeo 0660\n", "unknown key 'mdeo' in listener "
	    "'x'" },		/* two edits on a 4-letter name: too far */
	{ "listener x {\n colour blue\n", "unknown key 'colour' in "
	    "listener 'x'" },
	{ "listener x {\n x 1\n", "unknown key 'x' in listener 'x'" },
	{ "listener x {\n max_connections_per_uid_and_more_x 1\n",
	    "unknown key 'max_connections_per_uid_and_more_x' in listener "
	    "'x'" },
	{ "nofle 10\n", "unknown key 'nofle' at global scope; did you "
	    "mean 'nofile'?" },
	{ "listen x {\n", "unknown key 'listen' at global scope; did you "
	    "mean 'listener'?" },
};

static void
test_suggest(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	size_t i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < sizeof(suggestcases) / sizeof(suggestcases[0]); i++) {
		assert_int_equal(parse_str(suggestcases[i].text, p, &d),
		    GW_ERR_INVALID);
		assert_string_equal(d.msg, suggestcases[i].msg);
	}
	free(p);
}

/*
 * Recovery: a misspelt key's "missing" is not reported; the limit; the
 * scratch block of a bad header is neither kept nor checked.
 */
static void
test_recovery(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct policy_diags *dl = calloc(1, sizeof(*dl));
	char text[4096];
	size_t i, o;

	(void)state;
	assert_non_null(p);
	assert_non_null(dl);
	/* "pth" suggests path: no "has no 'path'" after it. */
	snprintf(text, sizeof(text), "listener x {\n pth /x\n service echo\n"
	    " allow any\n}\n");
	assert_int_equal(policy_parse_all("t", (const uint8_t *)text,
	    strlen(text), p, dl), GW_ERR_INVALID);
	assert_int_equal(dl->n, 1);
	assert_int_equal(dl->more, 0);
	assert_int_equal(dl->d[0].line, 2);
	/* Exactly the limit (19 keys, no listener): no "too many". */
	for (i = 0, o = 0; i < POLICY_MAX_DIAGS - 1; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "k%zu 1\n",
		    i);
	assert_int_equal(policy_parse_all("t", (const uint8_t *)text, o, p,
	    dl), GW_ERR_INVALID);
	assert_int_equal(dl->n, POLICY_MAX_DIAGS);
	assert_int_equal(dl->more, 0);
	/* One more: "too many", and the 20th is the last key. */
	o += (size_t)snprintf(text + o, sizeof(text) - o, "k 1\n");
	assert_int_equal(policy_parse_all("t", (const uint8_t *)text, o, p,
	    dl), GW_ERR_INVALID);
	assert_int_equal(dl->n, POLICY_MAX_DIAGS);
	assert_int_equal(dl->more, 1);
	assert_int_equal(dl->d[POLICY_MAX_DIAGS - 1].line, POLICY_MAX_DIAGS);
	/* 33 listeners: the 33rd is an error, its body is still read. */
	for (i = 0, o = 0; i <= POLICY_MAX_LISTENERS; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "listener l%zu {\npath /%zu\nservice echo\nallow any\n"
		    "%s}\n", i, i, i == POLICY_MAX_LISTENERS ? "mode 9\n" : "");
	assert_true(o < sizeof(text));
	assert_int_equal(policy_parse_all("t", (const uint8_t *)text, o, p,
	    dl), GW_ERR_INVALID);
	assert_int_equal(dl->n, 2);
	assert_string_equal(dl->d[0].msg, "too many listeners (at most 32)");
	assert_int_equal(dl->d[1].line, 5 * POLICY_MAX_LISTENERS + 5);
	free(p);
	free(dl);
}

static void
test_init(void **state)
{
	struct policy *p = malloc(sizeof(*p));

	(void)state;
	assert_non_null(p);
	memset(p, 0xff, sizeof(*p));
	policy_init(p);
	assert_int_equal(p->magic, POLICY_MAGIC);
	assert_int_equal(p->size, sizeof(*p));
	assert_int_equal(p->workers, 0);
	assert_int_equal(p->nofile, 4096);
	assert_int_equal(p->shutdown_timeout_ms, 5000);
	assert_int_equal(p->nlisteners, 0);
	assert_string_equal(p->user, "");
	free(p);
}

static void
test_defaults(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	const struct listener_conf *l;
	struct gw_diag d;

	(void)state;
	assert_int_equal(parse_str("listener echo {\n path /run/a.sock\n"
	    " service echo\n allow any\n}\n", p, &d), 0);
	assert_int_equal(p->magic, POLICY_MAGIC);
	assert_int_equal(p->size, sizeof(*p));
	assert_string_equal(p->user, "");
	assert_int_equal(p->workers, 0);
	assert_int_equal(p->nofile, 4096);
	assert_int_equal(p->shutdown_timeout_ms, 5000);
	assert_int_equal(p->nlisteners, 1);
	l = &p->listeners[0];
	assert_string_equal(l->name, "echo");
	assert_string_equal(l->path, "/run/a.sock");
	assert_int_equal(l->service, SVC_ECHO);
	assert_string_equal(l->owner, "");
	assert_string_equal(l->group, "");
	assert_int_equal(l->mode, 0660);
	assert_int_equal(l->allow_world_writable, 0);
	assert_int_equal(l->nrules, 1);
	assert_int_equal(l->rules[0].allow, 1);
	assert_int_equal(l->rules[0].kind, RULE_ANY);
	assert_int_equal(l->rules[0].line, 4);
	assert_int_equal(l->rules[0].pos.col, 8);
	assert_int_equal(l->ntokens, 0);
	assert_int_equal(l->metrics, 1);
	assert_int_equal(l->lim.max_connections, 1024);
	assert_int_equal(l->lim.max_connections_per_uid, 256);
	assert_int_equal(l->lim.idle_timeout_ms, 60000);
	assert_int_equal(l->lim.header_timeout_ms, 10000);
	assert_int_equal(l->lim.body_timeout_ms, 30000);
	assert_int_equal(l->lim.max_request_line, 8192);
	assert_int_equal(l->lim.max_header_bytes, 16384);
	assert_int_equal(l->lim.max_headers, 100);
	assert_int_equal(l->lim.max_body, 1024 * 1024);
	assert_int_equal(l->line, 1);
	roundtrip(p, "defaults");
	free(p);
}

static void
test_full(void **state)
{
	struct policy *p = NULL;
	const struct listener_conf *l;
	const struct upstream_conf *u;
	const struct route *R;
	struct gw_diag d;
	uint8_t *buf;
	size_t len;

	(void)state;
	if (!WITH_OPENSSL)
		skip();
	assert_non_null(p = calloc(1, sizeof(*p)));
	assert_non_null(buf = slurp(TEST_DATA_DIR "/good-full.policy", &len));
	assert_int_equal(policy_parse("good-full.policy", buf, len, p, &d), 0);
	free(buf);
	assert_string_equal(p->user, "daemon");
	assert_int_equal(p->user_pos.line, 2);
	assert_int_equal(p->user_pos.col, 7);
	assert_int_equal(p->workers, 8);
	assert_int_equal(p->nofile, 65536);
	assert_int_equal(p->nofile_pos.line, 4);	/* for errors in main.c */
	assert_int_equal(p->nofile_pos.col, 9);
	assert_int_equal(p->shutdown_timeout_ms, 1500);
	assert_int_equal(p->nlisteners, 5);
	assert_int_equal(p->nupstreams, 3);
	u = &p->upstreams[0];
	assert_string_equal(u->name, "pg");
	assert_int_equal(u->kind, UP_UNIX);
	assert_string_equal(u->path, "/run/postgresql/.s.PGSQL.5432");
	assert_string_equal(u->user, "daemon");
	assert_int_equal(u->ngroups, 2);
	assert_string_equal(u->groups[1], "daemon");
	assert_int_equal(u->connect_timeout_ms, 2000);
	u = &p->upstreams[1];
	assert_int_equal(u->kind, UP_TCP);
	assert_int_equal(u->family, AF_INET6);
	assert_int_equal(u->port, 5432);
	assert_int_equal(u->addr[15], 1);
	assert_int_equal(u->connect_timeout_ms, 5000);	/* default */
	assert_int_equal(p->listeners[2].service, SVC_FORWARD);
	assert_int_equal(p->listeners[2].upstream_idx, 0);
	assert_int_equal(p->listeners[2].proxy_protocol, PROXY_V2);
	assert_int_equal(p->listeners[3].upstream_idx, 1);
	assert_int_equal(p->listeners[3].proxy_protocol, PROXY_NONE);
	l = &p->listeners[0];
	assert_string_equal(l->owner, "root");
	assert_string_equal(l->group, "nogroup");
	assert_int_equal(l->group_pos.line, 11);
	assert_int_equal(l->mode, 0666);
	assert_int_equal(l->allow_world_writable, 1);
	assert_int_equal(l->nrules, 6);
	assert_int_equal(l->rules[0].allow, 0);
	assert_int_equal(l->rules[0].kind, RULE_UID);
	assert_int_equal(l->rules[0].by_name, 0);
	assert_int_equal(l->rules[0].id, 65534);
	assert_int_equal(l->rules[1].kind, RULE_GROUP);
	assert_string_equal(l->rules[1].name, "nogroup");
	assert_int_equal(l->rules[2].allow, 1);
	assert_int_equal(l->rules[2].kind, RULE_UID);
	assert_int_equal(l->rules[2].by_name, 1);
	assert_string_equal(l->rules[2].name, "root");
	assert_int_equal(l->rules[2].pos.line, 16);
	assert_int_equal(l->rules[2].pos.col, 13);
	assert_int_equal(l->rules[3].kind, RULE_GROUP);
	assert_int_equal(l->rules[4].id, 1000);
	assert_int_equal(l->rules[5].kind, RULE_ANY);
	assert_int_equal(l->ntokens, 2);
	assert_int_equal(l->tokens[0][0], 0x2c);
	assert_int_equal(l->tokens[0][31], 0x24);
	assert_int_equal(l->tokens[1][31], 0x01);
	assert_int_equal(l->metrics, 0);
	assert_int_equal(l->lim.max_connections, 2000);
	assert_int_equal(l->lim.max_connections_per_uid, 2000);
	assert_int_equal(l->lim.idle_timeout_ms, 120000);
	assert_int_equal(l->lim.header_timeout_ms, 500);
	assert_int_equal(l->lim.body_timeout_ms, 3600000);
	assert_int_equal(l->lim.max_request_line, 4096);
	assert_int_equal(l->lim.max_header_bytes, 1024 * 1024);
	assert_int_equal(l->lim.max_headers, 1);
	assert_int_equal(l->lim.max_body, 0);
	assert_int_equal(l->metrics_all, 1);
	assert_string_equal(l->user, "nobody");
	assert_int_equal(l->workers, 3);
	l = &p->listeners[1];
	assert_string_equal(l->name, "web-1");
	assert_string_equal(l->path, "@uds-gw.web_1");
	assert_int_equal(l->service, SVC_HTTP);
	assert_int_equal(l->line, 37);
	assert_int_equal(l->metrics_all, 0);
	assert_string_equal(l->user, "");
	assert_int_equal(l->workers, 0);
	/* per-uid default 256 is clamped to max_connections when unset */
	assert_int_equal(l->lim.max_connections, 10);
	assert_int_equal(l->lim.max_connections_per_uid, 10);
	/* The proxy listener and its upstream's keep-alive. */
	u = &p->upstreams[2];
	assert_int_equal(u->keepalive, 4);
	assert_int_equal(u->keepalive_timeout_ms, 5000);
	assert_int_equal(p->upstreams[0].keepalive, POLICY_DEF_KEEPALIVE);
	assert_int_equal(p->upstreams[0].keepalive_timeout_ms,
	    POLICY_DEF_KEEPALIVE_MS);
	l = &p->listeners[4];
	assert_int_equal(l->service, SVC_PROXY);
	assert_int_equal(l->upstream_idx, 2);
	assert_int_equal(l->keepalive, 4);
	assert_int_equal(l->keepalive_timeout_ms, 5000);
	assert_int_equal(l->upstream_timeout_ms, 5000);
	assert_int_equal(l->api_version_prefix, 1);
	assert_int_equal(l->identity_headers, 0);
	assert_int_equal(l->audit, AUDIT_ALL);
	assert_int_equal(l->stream_timeout_ms, 3600000);
	assert_int_equal(l->nroutes, 6);
	R = policy_routes(p, l);
	assert_int_equal(R[0].methods,
	    ROUTE_METHOD(HTTP_M_GET) | ROUTE_METHOD(HTTP_M_HEAD));
	assert_string_equal(R[0].pattern, "/_ping");
	assert_int_equal(R[0].has_query, 0);
	assert_int_equal(R[0].who.allow, 1);
	assert_int_equal(R[0].who.kind, RULE_ANY);
	assert_int_equal(R[0].line, 83);
	assert_int_equal(R[0].pos.line, 83);
	assert_int_equal(R[0].pos.col, 17);
	assert_int_equal(R[1].who.kind, RULE_GROUP);
	assert_string_equal(R[1].who.name, "nogroup");
	assert_int_equal(R[1].who.by_name, 1);
	assert_int_equal(R[2].methods, ROUTE_METHOD(HTTP_M_POST));
	assert_string_equal(R[2].pattern, "/containers/*/kill");
	assert_int_equal(R[2].has_query, 1);
	assert_string_equal(R[2].query, "signal=SIGHUP");
	assert_int_equal(R[2].who.kind, RULE_UID);
	assert_int_equal(R[2].who.id, 1000);
	assert_int_equal(R[3].has_query, 1);
	assert_string_equal(R[3].query, "");
	assert_int_equal(R[3].who.by_name, 1);
	assert_int_equal(R[4].who.allow, 0);
	assert_int_equal(R[5].methods, ROUTE_ANY_METHOD);
	assert_string_equal(R[5].pattern, "/**");
	assert_int_equal(R[5].who.allow, 0);
	/* Defaults of a listener that is not a proxy. */
	l = &p->listeners[0];
	assert_int_equal(l->api_version_prefix, 0);
	assert_int_equal(l->identity_headers, 1);
	assert_int_equal(l->audit, AUDIT_DENIED);
	assert_int_equal(l->stream_timeout_ms, POLICY_DEF_STREAM_MS);
	roundtrip(p, "good-full");
	free(p);
}

/* Small valid inputs: value syntax, edges of every bound. */
struct okcase {
	const char	*body;		/* inside "listener x { ... }" */
	const char	*global;	/* before it */
};

static const struct okcase okcases[] = {
	{ " mode 600\n", "" },
	{ " mode 0700\n", "" },
	{ " mode 0662\n allow_world_writable yes\n", "" },
	{ " max_body 1G\n max_request_line 64K\n", "" },
	{ " max_request_line 64\n max_header_bytes 256\n", "" },
	{ " idle_timeout 24h\n header_timeout 1ms\n body_timeout 1440m\n",
	    "" },
	{ " max_connections 1048576\n max_connections_per_uid 1048576\n",
	    "" },
	{ " allow uid 0\n deny uid 4294967294\n", "" },
	{ " allow user smb$\n allow group a.b_c-d\n", "" },
	{ "", "workers 64\nnofile 64\nshutdown_timeout 86400000ms\n" },
	{ "", "workers 1\nnofile 1048576\nuser nobody # c\n" },
	{ " # comment with \r and \xc3\xa9 bytes\n", "" },
	{ " metrics no#comment right after a token\n", "" },
	{ "", "\n\n   \t\n" },
};

static void
test_ok_cases(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	char text[1024];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(okcases) / sizeof(okcases[0]); i++) {
		snprintf(text, sizeof(text), "%slistener x {\n path /x\n"
		    " service http\n allow any\n%s}\n", okcases[i].global,
		    okcases[i].body);
		if ((r = parse_str(text, p, &d)) != 0)
			print_error("case %zu: %u:%u: %s\n", i, d.line, d.col,
			    d.msg);
		assert_int_equal(r, 0);
		roundtrip(p, okcases[i].body);
	}
	free(p);
}

/* Exact length limits of paths and names. */
static void
test_lengths(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	char text[1024], s[256];

	(void)state;
	/* A filesystem path of exactly POLICY_FSPATH_MAX bytes. */
	memset(s, 'a', sizeof(s));
	s[0] = '/';
	s[POLICY_FSPATH_MAX] = '\0';
	snprintf(text, sizeof(text), "listener x {\n path %s\n service echo\n"
	    " allow any\n}\n", s);
	assert_int_equal(parse_str(text, p, &d), 0);
	assert_int_equal(strlen(p->listeners[0].path), 91);
	s[POLICY_FSPATH_MAX] = 'a';
	s[POLICY_FSPATH_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "listener x {\n path %s\n service echo\n"
	    " allow any\n}\n", s);
	assert_int_equal(parse_str(text, p, &d), GW_ERR_INVALID);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 7);
	/* An abstract name of exactly 107 bytes with '@'. */
	memset(s, 'b', sizeof(s));
	s[0] = '@';
	s[POLICY_PATH_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "listener x {\n path %s\n service echo\n"
	    " allow user root\n}\n", s);
	assert_int_equal(parse_str(text, p, &d), 0);
	assert_int_equal(strlen(p->listeners[0].path), POLICY_PATH_MAX - 1);
	roundtrip(p, "abstract 107");
	s[POLICY_PATH_MAX - 1] = 'b';
	s[POLICY_PATH_MAX] = '\0';
	snprintf(text, sizeof(text), "listener x {\n path %s\n service echo\n"
	    " allow user root\n}\n", s);
	assert_int_equal(parse_str(text, p, &d), GW_ERR_INVALID);
	/* Names of 63 bytes fit, 64 do not. */
	memset(s, 'n', sizeof(s));
	s[POLICY_NAME_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "user %s\nlistener %s {\n path /x\n"
	    " service echo\n allow group %s\n}\n", s, s, s);
	assert_int_equal(parse_str(text, p, &d), 0);
	roundtrip(p, "long names");
	s[POLICY_NAME_MAX - 1] = 'n';
	s[POLICY_NAME_MAX] = '\0';
	snprintf(text, sizeof(text), "user %s\nlistener x {\n path /x\n"
	    " service echo\n allow any\n}\n", s);
	assert_int_equal(parse_str(text, p, &d), GW_ERR_INVALID);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 6);
	free(p);
}

static void
test_line_max(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	const char *tail = "listener x {\n path /x\n service echo\n"
	    " allow any\n}\n";
	struct gw_diag d;
	size_t n = POLICY_LINE_MAX + 1 + strlen(tail);
	uint8_t *b = malloc(n + 1);

	(void)state;
	assert_non_null(b);
	memset(b, 'x', POLICY_LINE_MAX);
	b[0] = '#';
	b[POLICY_LINE_MAX] = '\n';
	memcpy(b + POLICY_LINE_MAX + 1, tail, strlen(tail));
	assert_int_equal(policy_parse("t", b, n, p, &d), 0);
	/* One more byte on the first line. */
	memmove(b + 1, b, n);
	b[0] = '#';
	assert_int_equal(policy_parse("t", b, n + 1, p, &d), GW_ERR_INVALID);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, POLICY_LINE_MAX + 1);
	/* And an oversized file is refused before reading it. */
	assert_int_equal(policy_parse("t", b, POLICY_FILE_MAX + 1, p, &d),
	    GW_ERR_INVALID);
	free(b);
	free(p);
}

static void
test_token_build(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "listener a {\n path /run/a.sock\n"
	    " service http\n allow any\n token %s\n}\n", hello_hash);
	if (WITH_OPENSSL) {
		assert_int_equal(parse_str(text, p, &d), 0);
		assert_int_equal(p->listeners[0].ntokens, 1);
		roundtrip(p, "token");
	} else {
		assert_int_equal(parse_str(text, p, &d), GW_ERR_INVALID);
		assert_int_equal(d.line, 5);
		assert_int_equal(d.col, 2);
		assert_string_equal(d.msg, "token requires a build with "
		    "OpenSSL (this build has WITH_OPENSSL=0)");
	}
	free(p);
}

/* Replace every @RUNDIR@ as main.c does, and @GROUP@ with root. */
static char *
subst_rundir(const uint8_t *buf, size_t len, size_t *outlen)
{
	static const char key[] = "@RUNDIR@", gkey[] = "@GROUP@";
	char *out = malloc(len * 4 + 1);
	size_t i, o = 0;

	assert_non_null(out);
	for (i = 0; i < len; ) {
		if (len - i >= sizeof(key) - 1 &&
		    memcmp(buf + i, key, sizeof(key) - 1) == 0) {
			memcpy(out + o, TESTRUNDIR, strlen(TESTRUNDIR));
			o += strlen(TESTRUNDIR);
			i += sizeof(key) - 1;
		} else if (len - i >= sizeof(gkey) - 1 &&
		    memcmp(buf + i, gkey, sizeof(gkey) - 1) == 0) {
			memcpy(out + o, "root", 4);
			o += 4;
			i += sizeof(gkey) - 1;
		} else
			out[o++] = (char)buf[i++];
	}
	*outlen = o;
	return out;
}

/* The shipped policies parse and round-trip (@RUNDIR@ and @GROUP@ of
 * the embedded default replaced, as main.c does). */
static void
test_shipped(void **state)
{
	static const char *files[] = {
		TEST_POLICY_DIR "/default.policy",
		TEST_POLICY_DIR "/gateway.policy",
		TEST_POLICY_DIR "/examples/echo-only.policy",
		TEST_POLICY_DIR "/examples/http-behind-nginx.policy",
		TEST_POLICY_DIR "/examples/abstract.policy",
		TEST_POLICY_DIR "/examples/docker.policy",
	};
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	uint8_t *buf;
	char *s;
	size_t i, len, slen;
	int r;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_non_null(buf = slurp(files[i], &len));
		s = subst_rundir(buf, len, &slen);
		r = policy_parse(files[i], (uint8_t *)s, slen, p, &d);
		free(buf);
		free(s);
		if (!WITH_OPENSSL && strstr(files[i], "token") != NULL) {
			assert_int_equal(r, GW_ERR_INVALID);
			continue;
		}
		if (r != 0)
			print_error("%s:%u:%u: %s\n", files[i], d.line, d.col,
			    d.msg);
		assert_int_equal(r, 0);
		roundtrip(p, files[i]);
		if (i == 0) {
			assert_int_equal(p->nlisteners, 2);
			assert_string_equal(p->listeners[0].path,
			    TESTRUNDIR "/echo.sock");
			assert_int_equal(p->listeners[1].service, SVC_HTTP);
			assert_string_equal(p->listeners[0].group, "root");
			assert_string_equal(p->listeners[1].group, "root");
			assert_string_equal(p->user, "");
		}
	}
	free(p);
}

/* Every key appears in the printed form of a filesystem listener. */
static void
test_print_all_keys(void **state)
{
	static const char *kw[] = {
		"workers", "nofile", "shutdown_timeout", "listener", "path",
		"service", "owner", "group", "mode", "allow_world_writable",
		"allow", "metrics", "max_connections",
		"max_connections_per_uid", "idle_timeout", "header_timeout",
		"body_timeout", "max_request_line", "max_header_bytes",
		"max_headers", "max_body", "user",
	};
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	char *text = NULL;
	size_t i, len;
	FILE *fp;

	(void)state;
	assert_int_equal(parse_str("listener e {\n path /e\n service echo\n"
	    " allow any\n}\n", p, &d), 0);
	assert_non_null(fp = open_memstream(&text, &len));
	policy_print(fp, p);
	assert_int_equal(fclose(fp), 0);
	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strstr(text, kw[i]) == NULL)
			fail_msg("'%s' missing from:\n%s", kw[i], text);
	assert_non_null(strstr(text, "\tmode 0660\n"));
	assert_non_null(strstr(text, "\tidle_timeout 1m\n"));
	assert_non_null(strstr(text, "\tmax_body 1M\n"));
	assert_non_null(strstr(text, "workers auto\n"));
	free(text);
	free(p);
}

static void
test_format_diag(void **state)
{
	struct gw_diag d;
	char buf[64];

	(void)state;
	memset(&d, 0, sizeof(d));
	d.line = 3;
	d.col = 7;
	snprintf(d.msg, sizeof(d.msg), "bad thing");
	policy_format_diag("x.policy", &d, buf, sizeof(buf));
	assert_string_equal(buf, "x.policy:3:7: bad thing");
	d.line = 0;
	policy_format_diag("x.policy", &d, buf, sizeof(buf));
	assert_string_equal(buf, "x.policy: bad thing");
	policy_format_diag("x.policy", &d, buf, 5);
	assert_string_equal(buf, "x.po");
	assert_string_equal(policy_service_name(SVC_ECHO), "echo");
	assert_string_equal(policy_service_name(SVC_HTTP), "http");
	assert_string_equal(policy_service_name(SVC_NONE), "none");
	assert_string_equal(policy_service_name(99), "none");
}

/* xorshift64*: deterministic, seeded. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void
mutate_base(const uint8_t *base, size_t blen, uint64_t seed)
{
	static const char interesting[] = "\0\n\r\t #{}@/.0179KMGhmsx$-";
	struct policy *p = malloc(sizeof(*p)), *guard = malloc(sizeof(*p));
	struct policy_diags *dl = malloc(sizeof(*dl));
	struct gw_diag d;
	uint8_t *b;
	size_t i, j, len, pos, nmut;
	int r, nok = 0, nmulti = 0;

	assert_non_null(p);
	assert_non_null(guard);
	assert_non_null(dl);
	for (i = 0; i < MUTATE_ITERS; i++) {
		len = blen;
		assert_non_null(b = malloc(len + 16));
		memcpy(b, base, len);
		nmut = 1 + rnd(&seed) % 4;
		for (j = 0; j < nmut && len > 0; j++) {
			pos = rnd(&seed) % len;
			switch (rnd(&seed) % 5) {
			case 0:
				b[pos] ^= (uint8_t)(1u << (rnd(&seed) % 8));
				break;
			case 1:
				b[pos] = (uint8_t)interesting[rnd(&seed) %
				    (sizeof(interesting) - 1)];
				break;
			case 2:
				len = pos;	/* truncate */
				break;
			case 3:
				memmove(b + pos, b + pos + 1, len - pos - 1);
				len--;
				break;
			default:
				memmove(b + pos + 1, b + pos, len - pos);
				b[pos] = (uint8_t)interesting[rnd(&seed) %
				    (sizeof(interesting) - 1)];
				len++;
				break;
			}
		}
		memset(p, 0x5a, sizeof(*p));
		memcpy(guard, p, sizeof(*p));
		/* Exact-size copy so an overread hits the redzone. */
		r = policy_parse("m", b, len, p, &d);
		if (r == 0) {
			nok++;
			roundtrip(p, "mutant");
		} else {
			assert_int_equal(r, GW_ERR_INVALID);
			assert_true(d.line >= 1);
			assert_true(d.col >= 1);
			assert_true(d.msg[0] != '\0');
			assert_non_null(memchr(d.msg, '\0', sizeof(d.msg)));
			assert_true(memcmp(p, guard, sizeof(*p)) == 0);
			/* All the errors: well formed, the same first. */
			assert_int_equal(policy_parse_all("m", b, len, p, dl),
			    GW_ERR_INVALID);
			check_diags(dl);
			assert_memory_equal(&dl->d[0], &d, sizeof(d));
			nmulti += dl->n > 1;
			assert_true(memcmp(p, guard, sizeof(*p)) == 0);
		}
		free(b);
	}
	/* Some mutants (comment bytes) must still parse. */
	assert_true(nok > 0);
	assert_true(nmulti > 0);
	free(p);
	free(guard);
	free(dl);
}

static void
test_mutation(void **state)
{
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(buf = slurp(TEST_POLICY_DIR "/gateway.policy", &len));
	mutate_base(buf, len, 0x9e3779b97f4a7c15ULL);
	free(buf);
	if (WITH_OPENSSL) {
		assert_non_null(buf = slurp(TEST_DATA_DIR "/good-full.policy",
		    &len));
		mutate_base(buf, len, 42);
		free(buf);
	}
}

/* --- resolve: needs root, nobody, group root and nogroup (Debian). --- */

static void
test_resolve(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	const struct listener_conf *l;
	struct passwd *pw;

	(void)state;
	assert_int_equal(parse_str("user nobody\nlistener e {\n path /e\n"
	    " service echo\n owner root\n group nogroup\n allow user root\n"
	    " allow group root\n allow uid 4242\n deny user nobody\n"
	    " allow any\n}\nlistener f {\n path /f\n service echo\n"
	    " allow any\n}\n", p, &d), 0);
	assert_int_equal(policy_resolve(p, &d), 0);
	assert_non_null(pw = getpwnam("nobody"));
	assert_int_equal(p->uid, pw->pw_uid);
	assert_int_equal(p->gid, pw->pw_gid);
	l = &p->listeners[0];
	assert_int_equal(l->uid, 0);
	assert_int_equal(l->gid, getgrnam("nogroup")->gr_gid);
	assert_int_equal(l->rules[0].id, 0);
	assert_int_equal(l->rules[1].id, 0);
	assert_int_equal(l->rules[2].id, 4242);
	assert_int_equal(l->rules[3].id, pw->pw_uid);
	l = &p->listeners[1];
	assert_int_equal(l->uid, geteuid());
	assert_int_equal(l->gid, getegid());
	/* Resolving does not change what print shows. */
	roundtrip(p, "resolved");
	free(p);
}

static void
test_resolve_default_user(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	struct passwd *pw = NULL;

	(void)state;
	assert_int_equal(parse_str("listener e {\n path /e\n service echo\n"
	    " allow any\n}\n", p, &d), 0);
	if (geteuid() == 0 && (pw = getpwnam("uds-gateway")) == NULL) {
		/* Not installed here: the error says how to get it. */
		assert_int_equal(policy_resolve(p, &d), GW_ERR_INVALID);
		assert_non_null(strstr(d.msg, "unknown user 'uds-gateway'"));
		assert_non_null(strstr(d.msg, "useradd --system"));
		free(p);
		return;
	}
	assert_int_equal(policy_resolve(p, &d), 0);
	if (geteuid() == 0) {
		/* A dedicated user, never the shared nobody. */
		assert_string_equal(p->user, "uds-gateway");
		assert_int_equal(p->uid, pw->pw_uid);
		assert_int_equal(p->listeners[0].wuid, pw->pw_uid);
	} else {
		assert_int_equal(p->uid, geteuid());
		assert_int_equal(p->gid, getegid());
	}
	roundtrip(p, "default user");
	free(p);
}

/* A listener's own worker user and count; the others inherit. */
static void
test_listener_workers(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	struct passwd *pw;
	uid_t nuid;

	(void)state;
	assert_non_null(pw = getpwnam("nobody"));
	nuid = pw->pw_uid;
	assert_int_equal(parse_str("user nobody\nworkers 2\n"
	    "listener a {\n path /a\n service echo\n allow any\n}\n"
	    "listener b {\n path /b\n service http\n user root\n"
	    " workers 3\n allow any\n}\n"
	    "listener c {\n path /c\n service http\n workers auto\n"
	    " allow any\n}\n", p, &d), 0);
	assert_int_equal(p->workers, 2);
	assert_int_equal(p->listeners[0].workers, 0);
	assert_string_equal(p->listeners[0].user, "");
	assert_int_equal(p->listeners[1].workers, 3);
	assert_string_equal(p->listeners[1].user, "root");
	assert_int_equal(p->listeners[2].workers, POLICY_WORKERS_AUTO);
	roundtrip(p, "listener workers");
	if (geteuid() == 0) {
		/* root as a listener's worker user: refused at its place. */
		assert_int_equal(policy_resolve(p, &d), GW_ERR_INVALID);
		assert_int_equal(d.line, 11);
		assert_int_equal(d.col, 7);
		assert_non_null(strstr(d.msg, "uid 0"));
		memcpy(p->listeners[1].user, "nobody", sizeof("nobody"));
	}
	assert_int_equal(policy_resolve(p, &d), 0);
	if (geteuid() == 0) {
		assert_int_equal(p->listeners[0].wuid, nuid);
		assert_int_equal(p->listeners[1].wuid, nuid);
	} else
		assert_int_equal(p->listeners[0].wuid, geteuid());
	free(p);
}

struct rcase {
	const char	*text;
	unsigned int	 line, col;
	const char	*msg;
};

static const struct rcase rcases[] = {
	{ "user nobody\nlistener e {\n path /e\n service echo\n"
	    " user ghost_worker\n allow any\n}\n", 5, 7,
	    "unknown user 'ghost_worker'" },
	{ "user no-such-user-x\nlistener e {\n path /e\n service echo\n"
	    " allow any\n}\n", 1, 6, "unknown user 'no-such-user-x'" },
	{ "listener e {\n path /e\n service echo\n owner nosuchowner\n"
	    " allow any\n}\n", 4, 8, "unknown user 'nosuchowner'" },
	{ "listener e {\n path /e\n service echo\n group nosuchgrp\n"
	    " allow any\n}\n", 4, 8, "unknown group 'nosuchgrp'" },
	{ "listener e {\n path /e\n service echo\n allow any\n}\n"
	    "listener f {\n path /f\n service echo\n"
	    "\tallow   user\tghost_user\n}\n", 9, 15,
	    "unknown user 'ghost_user'" },
	{ "listener e {\n path /e\n service echo\n allow group ghosts\n}\n",
	    4, 14, "unknown group 'ghosts'" },
};

static void
test_resolve_errors(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct gw_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		assert_int_equal(parse_str(rcases[i].text, p, &d), 0);
		assert_int_equal(policy_resolve(p, &d), GW_ERR_INVALID);
		assert_string_equal(d.msg, rcases[i].msg);
		assert_int_equal(d.line, rcases[i].line);
		assert_int_equal(d.col, rcases[i].col);
	}
	/* Workers must not run as root when we are root. */
	assert_int_equal(parse_str("user root\nlistener e {\n path /e\n"
	    " service echo\n allow any\n}\n", p, &d), 0);
	if (geteuid() == 0) {
		assert_int_equal(policy_resolve(p, &d), GW_ERR_INVALID);
		assert_int_equal(d.line, 1);
		assert_int_equal(d.col, 6);
	} else
		assert_int_equal(policy_resolve(p, &d), 0);
	free(p);
}

/* Every unknown name in one run, in policy order; package hints. */
static void
test_resolve_all(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct policy_diags *dl = calloc(1, sizeof(*dl));
	char want[320];

	(void)state;
	assert_non_null(p);
	assert_non_null(dl);
	assert_int_equal(parse_str("user ghost_a\nlistener e {\n path /e\n"
	    " service echo\n owner ghost_b\n group ghost_c\n"
	    " allow user ghost_d\n allow group root\n allow group ghost_e\n"
	    "}\n", p, &dl->d[0]), 0);
	assert_int_equal(policy_resolve_all(p, dl), GW_ERR_INVALID);
	assert_int_equal(dl->n, 5);
	assert_int_equal(dl->more, 0);
	assert_string_equal(dl->d[0].msg, "unknown user 'ghost_a'");
	assert_int_equal(dl->d[0].line, 1);
	assert_string_equal(dl->d[1].msg, "unknown user 'ghost_b'");
	assert_string_equal(dl->d[2].msg, "unknown group 'ghost_c'");
	assert_string_equal(dl->d[3].msg, "unknown user 'ghost_d'");
	assert_string_equal(dl->d[4].msg, "unknown group 'ghost_e'");
	assert_int_equal(dl->d[4].line, 9);
	assert_int_equal(dl->d[4].col, 14);
	/* The names the package creates say so, when missing here. */
	assert_int_equal(parse_str("user uds-gateway\nlistener e {\n path /e\n"
	    " service echo\n group uds-gateway-clients\n allow any\n}\n", p,
	    &dl->d[0]), 0);
	if (getpwnam("uds-gateway") != NULL &&
	    getgrnam("uds-gateway-clients") != NULL) {
		/* Both exist here; t_policy.sh hides them and checks. */
		assert_int_equal(policy_resolve_all(p, dl), 0);
		free(p);
		free(dl);
		return;
	}
	assert_int_equal(policy_resolve_all(p, dl), GW_ERR_INVALID);
	if (getpwnam("uds-gateway") == NULL) {
		assert_string_equal(dl->d[0].msg, "unknown user 'uds-gateway' "
		    "(created by the uds-gateway package; or: useradd --system "
		    "--no-create-home --home-dir /nonexistent --shell "
		    "/usr/sbin/nologin --user-group uds-gateway)");
		memmove(&dl->d[0], &dl->d[1], sizeof(dl->d[0]));
	}
	if (getgrnam("uds-gateway-clients") == NULL) {
		snprintf(want, sizeof(want), "unknown group "
		    "'uds-gateway-clients' (created by the uds-gateway "
		    "package; or: groupadd --system uds-gateway-clients)");
		assert_string_equal(dl->d[0].msg, want);
	}
	free(p);
	free(dl);
}

/* A route after a catch-all is a warning, not an error. */
static void
test_route_warnings(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct policy_diags *dl = calloc(1, sizeof(*dl));
	static const char head[] = "upstream d {\n unix /run/d.sock\n}\n"
	    "listener p {\n path /run/p.sock\n service proxy\n upstream d\n"
	    " allow any\n";
	char text[1024];

	(void)state;
	assert_non_null(p);
	assert_non_null(dl);
	/* Not catch-alls: a query, a method list, a pattern, a who. */
	snprintf(text, sizeof(text), "%s route * /**? deny any\n"
	    " route GET /** deny any\n route * /a/** deny any\n"
	    " route * /** deny uid 0\n route GET /x allow any\n}\n", head);
	assert_int_equal(parse_str(text, p, &dl->d[0]), 0);
	policy_warnings(p, dl);
	assert_int_equal(dl->n, 0);
	snprintf(text, sizeof(text), "%s route GET /a allow any\n"
	    " route * /** allow any\n route GET /b allow any\n"
	    " route * /** deny any\n}\n", head);
	assert_int_equal(parse_str(text, p, &dl->d[0]), 0);
	policy_warnings(p, dl);
	assert_int_equal(dl->n, 2);
	assert_int_equal(dl->d[0].line, 11);
	assert_int_equal(dl->d[0].col, 12);
	assert_string_equal(dl->d[0].msg, "route can never match: the "
	    "catch-all route at line 10 of listener 'p' decides every "
	    "request first");
	assert_int_equal(dl->d[1].line, 12);
	/* Resolved like allow/deny rules. */
	snprintf(text, sizeof(text), "%s route GET /a allow user root\n"
	    " route GET /b allow group root\n route GET /c deny user "
	    "ghost_r\n}\n", head);
	assert_int_equal(parse_str(text, p, &dl->d[0]), 0);
	assert_int_equal(policy_resolve_all(p, dl), GW_ERR_INVALID);
	assert_int_equal(dl->n, 1);
	assert_string_equal(dl->d[0].msg, "unknown user 'ghost_r'");
	assert_int_equal(dl->d[0].line, 11);
	assert_int_equal(dl->d[0].col, 25);
	assert_int_equal(policy_routes(p, &p->listeners[0])[1].who.id, 0);
	assert_int_equal(policy_routes(p, &p->listeners[0])[1].who.kind, RULE_GROUP);
	free(p);
	free(dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_line_max),
		cmocka_unit_test(test_token_build),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_golden_multi),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_print_all_keys),
		cmocka_unit_test(test_format_diag),
		cmocka_unit_test(test_mutation),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_default_user),
		cmocka_unit_test(test_listener_workers),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_resolve_all),
		cmocka_unit_test(test_route_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
