/* SPDX-License-Identifier: ISC */
/* Unit tests for proxy_head.c: the heads service proxy sends, exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "proxy_head.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct http_limits lim = { 8192, 16384, 100, 1 << 20 };
static const gid_t groups2[] = { 27, 1001 };
static const struct peer peer2 = { 42, 1000, 100, groups2, 2, NULL };
static const struct peer peer0 = { 7, 0, 0, NULL, 0, NULL };

static struct http_header hdrs[HTTP_MAX_HEADERS];

static void
parse_req(const char *in, struct http_request *req)
{
	memset(req, 0, sizeof(*req));
	req->headers = hdrs;
	req->max_headers = NELEM(hdrs);
	if (http_parse_request((const uint8_t *)in, strlen(in), &lim, req) !=
	    (int)strlen(in))
		fail_msg("request does not parse: %s", in);
}

static void
parse_rsp(const char *in, struct http_response *rsp)
{
	memset(rsp, 0, sizeof(*rsp));
	rsp->headers = hdrs;
	rsp->max_headers = NELEM(hdrs);
	if (http_parse_response((const uint8_t *)in, strlen(in), &lim, rsp) !=
	    (int)strlen(in))
		fail_msg("response does not parse: %s", in);
}

/*
 * Build into a buffer with a canary after max: the exact text, and for
 * every smaller max GW_ERR_NOSPACE without a byte written past max.
 */
static void
check_out(const char *name, int (*build)(uint8_t *, size_t, const void *),
    const void *h, const char *want)
{
	static uint8_t out[4096 + 64];
	size_t wl = strlen(want), max, i;
	int r;

	memset(out, 0xa5, sizeof(out));
	r = build(out, 4096, h);
	if (r != (int)wl || memcmp(out, want, wl) != 0)
		fail_msg("%s: got %d \"%.*s\", want \"%s\"", name, r,
		    r > 0 ? r : 0, (const char *)out, want);
	for (max = 0; max < wl; max++) {
		memset(out, 0xa5, sizeof(out));
		if ((r = build(out, max, h)) != GW_ERR_NOSPACE)
			fail_msg("%s: max %zu: %d", name, max, r);
		for (i = max; i < sizeof(out); i++)
			if (out[i] != 0xa5)
				fail_msg("%s: max %zu: wrote at %zu", name,
				    max, i);
	}
}

static int
build_req(uint8_t *out, size_t max, const void *h)
{
	return proxy_build_request(out, max, h);
}

static int
build_rsp(uint8_t *out, size_t max, const void *h)
{
	return proxy_build_response(out, max, h);
}

/* ---------------------------------------------------------------- */
/* Requests. */

struct req_case {
	const char	*name;
	const char	*in;
	const char	*target;	/* NULL: the request's */
	const struct peer *peer;	/* NULL: identity off */
	const char	*upgrade;
	int		 body;
	uint64_t	 length;
	const char	*want;
};

#define IDENT2	"X-Peer-Pid: 42\r\nX-Peer-Uid: 1000\r\nX-Peer-Gid: 100\r\n" \
		"X-Peer-Groups: 27,1001\r\n"
#define IDENT0	"X-Peer-Pid: 7\r\nX-Peer-Uid: 0\r\nX-Peer-Gid: 0\r\n" \
		"X-Peer-Groups:\r\n"

static const struct req_case req_cases[] = {
	{ "plain", "GET /v1.43/containers/json HTTP/1.1\r\nHost: docker\r\n"
	    "User-Agent: Docker-Client/24\r\n\r\n", "/containers/json", &peer2,
	    NULL, PROXY_BODY_NONE, 0,
	    "GET /containers/json HTTP/1.1\r\nHost: docker\r\n"
	    "User-Agent: Docker-Client/24\r\n" IDENT2 "\r\n" },
	{ "identity_off", "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", NULL, NULL,
	    NULL, PROXY_BODY_NONE, 0, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n" },
	{ "zero_groups", "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", NULL, &peer0,
	    NULL, PROXY_BODY_NONE, 0,
	    "GET /x HTTP/1.1\r\nHost: a\r\n" IDENT0 "\r\n" },
	{ "conn_names_peer_uid", "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: X-Peer-Uid, foo\r\nFoo: 1\r\nX-Peer-Uid: 0\r\n"
	    "Bar: 2\r\n\r\n", NULL, &peer2, NULL, PROXY_BODY_NONE, 0,
	    "GET / HTTP/1.1\r\nHost: a\r\nBar: 2\r\n" IDENT2 "\r\n" },
	{ "conn_two_lines", "GET / HTTP/1.1\r\nHost: a\r\nConnection: a\r\n"
	    "A: 1\r\nconnection: B , ,\tc ,\r\nb: 2\r\nC: 3\r\nD: 4\r\n\r\n",
	    NULL, NULL, NULL, PROXY_BODY_NONE, 0,
	    "GET / HTTP/1.1\r\nHost: a\r\nD: 4\r\n\r\n" },
	{ "conn_names_host_auth", "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Authorization: Bearer t\r\nConnection: host, AUTHORIZATION\r\n"
	    "\r\n", NULL, NULL, NULL, PROXY_BODY_NONE, 0,
	    "GET / HTTP/1.1\r\nHost: a\r\n\r\n" },
	{ "conn_not_token_kept", "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: x y\r\nX: 1\r\nY: 2\r\n\r\n", NULL, NULL, NULL,
	    PROXY_BODY_NONE, 0,
	    "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n" },
	{ "hop_by_hop", "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Proxy-Authorization: Basic x\r\nProxy-Foo: 1\r\n"
	    "Proxy-Connection: keep-alive\r\nTE: trailers\r\n"
	    "Trailer: X-T\r\nKeep-Alive: timeout=5\r\nExpect: 100-continue\r\n"
	    "X-Peer-Gid: 0\r\nx-peer-groups: 0\r\nX-Peer-Other: 1\r\n"
	    "Accept: */*\r\n\r\n", NULL, &peer0, NULL, PROXY_BODY_NONE, 0,
	    "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n" IDENT0 "\r\n" },
	{ "cl_reemitted", "POST /x HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 5\r\nContent-Type: text/plain\r\n\r\n", NULL,
	    NULL, NULL, PROXY_BODY_LENGTH, 5,
	    "POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 5\r\n\r\n" },
	{ "chunked_reemitted", "POST /x HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\nX: y\r\n\r\n", NULL, &peer2, NULL,
	    PROXY_BODY_CHUNKED, 0,
	    "POST /x HTTP/1.1\r\nHost: a\r\nX: y\r\n"
	    "Transfer-Encoding: chunked\r\n" IDENT2 "\r\n" },
	{ "upgrade_on", "POST /v1.43/exec/abc/start HTTP/1.1\r\nHost: api\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 2\r\n"
	    "\r\n", "/exec/abc/start", &peer2, "tcp", PROXY_BODY_LENGTH, 2,
	    "POST /exec/abc/start HTTP/1.1\r\nHost: api\r\n"
	    "Content-Length: 2\r\nConnection: upgrade\r\nUpgrade: tcp\r\n"
	    IDENT2 "\r\n" },
	{ "upgrade_off", "GET /ws HTTP/1.1\r\nHost: api\r\n"
	    "Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: x\r\n"
	    "\r\n", NULL, NULL, NULL, PROXY_BODY_NONE, 0,
	    "GET /ws HTTP/1.1\r\nHost: api\r\nHTTP2-Settings: x\r\n\r\n" },
	{ "http10_no_host", "GET /x HTTP/1.0\r\nAccept: a\r\n\r\n", NULL,
	    NULL, NULL, PROXY_BODY_NONE, 0,
	    "GET /x HTTP/1.1\r\nHost: localhost\r\nAccept: a\r\n\r\n" },
	{ "http10_host", "GET /x HTTP/1.0\r\nAccept: a\r\nHost: h\r\n\r\n",
	    NULL, NULL, NULL, PROXY_BODY_NONE, 0,
	    "GET /x HTTP/1.1\r\nAccept: a\r\nHost: h\r\n\r\n" },
	{ "other_method_empty_value", "PURGE /x HTTP/1.1\r\nHost: a\r\n"
	    "X-E:\r\n\r\n", NULL, NULL, NULL, PROXY_BODY_NONE, 0,
	    "PURGE /x HTTP/1.1\r\nHost: a\r\nX-E: \r\n\r\n" },
};

static void
test_requests(void **state __attribute__((unused)))
{
	const struct req_case *c;
	struct proxy_reqhead h;
	struct http_request req;
	static uint8_t out[4096];
	static struct http_header h2[HTTP_MAX_HEADERS];
	struct http_request re;
	size_t i;
	int r;

	for (i = 0; i < NELEM(req_cases); i++) {
		c = &req_cases[i];
		parse_req(c->in, &req);
		memset(&h, 0, sizeof(h));
		h.req = &req;
		h.target = c->target;
		h.target_len = c->target ? strlen(c->target) : 0;
		h.peer = c->peer;
		h.identity = c->peer != NULL;
		h.upgrade = (const uint8_t *)c->upgrade;
		h.upgrade_len = c->upgrade ? strlen(c->upgrade) : 0;
		h.body = c->body;
		h.length = c->length;
		check_out(c->name, build_req, &h, c->want);
		/* What is sent parses again. */
		r = proxy_build_request(out, sizeof(out), &h);
		memset(&re, 0, sizeof(re));
		re.headers = h2;
		re.max_headers = NELEM(h2);
		if (http_parse_request(out, (size_t)r, &lim, &re) != r)
			fail_msg("%s: rebuilt head does not parse", c->name);
	}
}

static void
test_request_invalid(void **state __attribute__((unused)))
{
	struct proxy_reqhead h;
	struct http_request req;
	uint8_t out[256];

	parse_req("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", &req);
	memset(&h, 0, sizeof(h));
	h.req = &req;
	h.target = "/a\r\nX: y";
	h.target_len = strlen(h.target);
	assert_int_equal(proxy_build_request(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	h.target = "/a b";
	h.target_len = strlen(h.target);
	assert_int_equal(proxy_build_request(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	h.target_len = 0;
	assert_int_equal(proxy_build_request(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	h.target = NULL;
	h.body = PROXY_BODY_CLOSE;
	assert_int_equal(proxy_build_request(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	h.body = PROXY_BODY_NONE;
	h.identity = 1;
	assert_int_equal(proxy_build_request(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	h.identity = 0;
	assert_int_equal(proxy_build_request(out, sizeof(out), &h), 28);
	assert_int_equal(proxy_build_request(NULL, 0, &h), GW_ERR_NOSPACE);
}

/* Up to PROXY_CONN_OPTIONS_MAX options in all Connection lines. */
static void
test_connection_options_max(void **state __attribute__((unused)))
{
	struct proxy_reqhead h;
	struct proxy_resphead rh;
	struct http_request req;
	struct http_response rsp;
	char in[1024];
	uint8_t out[1024];
	size_t n, i;
	int r;

	n = (size_t)snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: o0\r\nO31: x\r\nConnection: ");
	for (i = 1; i < PROXY_CONN_OPTIONS_MAX; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "o%zu,", i);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\nKept: 1\r\n\r\n");
	assert_true(n < sizeof(in));
	parse_req(in, &req);
	memset(&h, 0, sizeof(h));
	h.req = &req;
	r = proxy_build_request(out, sizeof(out), &h);
	assert_int_equal(r, 36);
	assert_memory_equal(out, "GET / HTTP/1.1\r\nHost: a\r\nKept: 1\r\n\r\n",
	    36);
	memcpy(strstr(in, "\r\nKept"), ",z\r\n", 4);
	parse_req(in, &req);
	assert_int_equal(proxy_build_request(out, sizeof(out), &h),
	    GW_ERR_INVALID);

	n = (size_t)snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nConnection: ");
	for (i = 0; i <= PROXY_CONN_OPTIONS_MAX; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "a%zu, ", i);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\n\r\n");
	parse_rsp(in, &rsp);
	memset(&rh, 0, sizeof(rh));
	rh.rsp = &rsp;
	assert_int_equal(proxy_build_response(out, sizeof(out), &rh),
	    GW_ERR_INVALID);
}

/* ---------------------------------------------------------------- */
/* Responses. */

struct rsp_case {
	const char	*name;
	const char	*in;
	int		 body;
	uint64_t	 length;
	int		 close;
	int		 upgrade;
	const char	*want;
};

static const struct rsp_case rsp_cases[] = {
	{ "length", "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n"
	    "\r\n", PROXY_BODY_LENGTH, 5, 0, 0,
	    "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n\r\n" },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Type: application/json\r\nTrailer: X\r\n\r\n",
	    PROXY_BODY_CHUNKED, 0, 0, 0,
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n" },
	{ "close_delimited", "HTTP/1.0 200 OK\r\nContent-Type: "
	    "application/vnd.docker.multiplexed-stream\r\n\r\n",
	    PROXY_BODY_CLOSE, 0, 1, 0,
	    "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/vnd.docker.multiplexed-stream\r\n"
	    "Connection: close\r\n\r\n" },
	{ "none_head_keeps_cl", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n"
	    "ETag: \"e\"\r\n\r\n", PROXY_BODY_NONE, 0, 0, 0,
	    "HTTP/1.1 200 OK\r\nETag: \"e\"\r\nContent-Length: 1234\r\n\r\n" },
	{ "none_304_keeps_cl", "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 10\r\n\r\n", PROXY_BODY_NONE, 0, 0, 0,
	    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n" },
	{ "none_204_no_cl", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n"
	    "\r\n", PROXY_BODY_NONE, 0, 0, 0,
	    "HTTP/1.1 204 No Content\r\n\r\n" },
	{ "none_without_cl", "HTTP/1.1 200 OK\r\n\r\n", PROXY_BODY_NONE, 0, 0,
	    0, "HTTP/1.1 200 OK\r\n\r\n" },
	{ "docker_101", "HTTP/1.1 101 UPGRADED\r\n"
	    "Content-Type: application/vnd.docker.raw-stream\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
	    PROXY_BODY_NONE, 0, 1, 1,
	    "HTTP/1.1 101 UPGRADED\r\n"
	    "Content-Type: application/vnd.docker.raw-stream\r\n"
	    "Connection: upgrade\r\nUpgrade: tcp\r\n\r\n" },
	{ "close_added", "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n"
	    "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n",
	    PROXY_BODY_LENGTH, 3, 1, 0,
	    "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n"
	    "Connection: close\r\n\r\n" },
	{ "conn_named_removed", "HTTP/1.1 200 OK\r\nConnection: X-Foo\r\n"
	    "X-Foo: 1\r\nX-Bar: 2\r\nProxy-Thing: 3\r\nX-Peer-Uid: 0\r\n"
	    "Upgrade: tcp\r\nContent-Length: 0\r\n\r\n",
	    PROXY_BODY_LENGTH, 0, 0, 0,
	    "HTTP/1.1 200 OK\r\nX-Bar: 2\r\nContent-Length: 0\r\n\r\n" },
	{ "empty_reason", "HTTP/1.1 204\r\n\r\n", PROXY_BODY_NONE, 0, 0, 0,
	    "HTTP/1.1 204 \r\n\r\n" },
	{ "expect_kept_in_response", "HTTP/1.1 200 OK\r\nExpect: x\r\n\r\n",
	    PROXY_BODY_CLOSE, 0, 1, 0,
	    "HTTP/1.1 200 OK\r\nExpect: x\r\nConnection: close\r\n\r\n" },
};

static void
test_responses(void **state __attribute__((unused)))
{
	const struct rsp_case *c;
	struct proxy_resphead h;
	struct http_response rsp;
	static uint8_t out[4096];
	static struct http_header h2[HTTP_MAX_HEADERS];
	struct http_response re;
	size_t i;
	int r;

	for (i = 0; i < NELEM(rsp_cases); i++) {
		c = &rsp_cases[i];
		parse_rsp(c->in, &rsp);
		memset(&h, 0, sizeof(h));
		h.rsp = &rsp;
		h.body = c->body;
		h.length = c->length;
		h.close = c->close;
		h.upgrade = c->upgrade;
		check_out(c->name, build_rsp, &h, c->want);
		r = proxy_build_response(out, sizeof(out), &h);
		memset(&re, 0, sizeof(re));
		re.headers = h2;
		re.max_headers = NELEM(h2);
		if (http_parse_response(out, (size_t)r, &lim, &re) != r)
			fail_msg("%s: rebuilt head does not parse", c->name);
	}
}

static void
test_response_invalid(void **state __attribute__((unused)))
{
	struct proxy_resphead h;
	struct http_response rsp;
	uint8_t out[256];

	parse_rsp("HTTP/1.1 101 Switching\r\nConnection: upgrade\r\n\r\n",
	    &rsp);
	memset(&h, 0, sizeof(h));
	h.rsp = &rsp;
	h.upgrade = 1;
	assert_int_equal(proxy_build_response(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	h.upgrade = 0;
	h.body = 9;
	assert_int_equal(proxy_build_response(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	h.body = PROXY_BODY_NONE;
	rsp.status = 99;
	assert_int_equal(proxy_build_response(out, sizeof(out), &h),
	    GW_ERR_INVALID);
	rsp.status = 600;
	assert_int_equal(proxy_build_response(out, sizeof(out), &h),
	    GW_ERR_INVALID);
}

/* ---------------------------------------------------------------- */
/* Upgrade offers and chunk headers. */

struct up_case {
	const char	*name;
	const char	*fields;
	const char	*allowed;
	int		 want;
	const char	*proto;
};

static const struct up_case up_cases[] = {
	{ "docker_tcp", "Connection: Upgrade\r\nUpgrade: tcp\r\n",
	    "tcp,websocket", 1, "tcp" },
	{ "h2c", "Connection: Upgrade\r\nUpgrade: h2c\r\n", "tcp,websocket",
	    0, NULL },
	{ "not_in_connection", "Connection: keep-alive\r\nUpgrade: tcp\r\n",
	    "tcp", 0, NULL },
	{ "no_connection", "Upgrade: tcp\r\n", "tcp", 0, NULL },
	{ "no_upgrade_field", "Connection: upgrade\r\n", "tcp", 0, NULL },
	{ "websocket_version", "Connection: keep-alive, Upgrade\r\n"
	    "Upgrade: websocket/13\r\n", "tcp, websocket", 1,
	    "websocket/13" },
	{ "allowed_with_version", "Connection: upgrade\r\n"
	    "Upgrade: WebSocket\r\n", "websocket/13", 1, "WebSocket" },
	{ "case", "Connection: UPGRADE\r\nUpgrade: TCP\r\n", "tcp", 1, "TCP" },
	{ "all_must_be_allowed", "Connection: upgrade\r\n"
	    "Upgrade: tcp, h2c\r\n", "tcp", 0, NULL },
	{ "all_allowed", "Connection: upgrade\r\nUpgrade: tcp , websocket\r\n",
	    "websocket,tcp", 1, "tcp , websocket" },
	{ "second_connection_line", "Connection: close\r\n"
	    "Connection: upgrade\r\nUpgrade: tcp\r\n", "tcp", 1, "tcp" },
	{ "two_upgrade_lines", "Connection: upgrade\r\nUpgrade: tcp\r\n"
	    "Upgrade: tcp\r\n", "tcp", 0, NULL },
	{ "empty_upgrade", "Connection: upgrade\r\nUpgrade: , ,\r\n", "tcp",
	    0, NULL },
	{ "no_product_name", "Connection: upgrade\r\nUpgrade: /13\r\n", "tcp",
	    0, NULL },
	{ "empty_version", "Connection: upgrade\r\nUpgrade: tcp/\r\n", "tcp",
	    0, NULL },
	{ "prefix_only", "Connection: upgrade\r\nUpgrade: tc\r\n", "tcp", 0,
	    NULL },
	{ "nothing_allowed", "Connection: upgrade\r\nUpgrade: tcp\r\n", "", 0,
	    NULL },
	{ "allowed_null", "Connection: upgrade\r\nUpgrade: tcp\r\n", NULL, 0,
	    NULL },
};

static void
test_upgrade_offer(void **state __attribute__((unused)))
{
	const struct up_case *c;
	struct http_request req;
	char in[512];
	const uint8_t *proto;
	size_t i, len;
	int r;

	for (i = 0; i < NELEM(up_cases); i++) {
		c = &up_cases[i];
		if ((size_t)snprintf(in, sizeof(in),
		    "GET / HTTP/1.1\r\nHost: a\r\n%s\r\n", c->fields) >=
		    sizeof(in))
			fail();
		parse_req(in, &req);
		proto = (const uint8_t *)"x";
		len = 99;
		r = proxy_upgrade_offer(&req, c->allowed, &proto, &len);
		if (r != c->want)
			fail_msg("%s: %d, want %d", c->name, r, c->want);
		if (c->proto == NULL ? proto != NULL || len != 0 :
		    len != strlen(c->proto) || memcmp(proto, c->proto, len))
			fail_msg("%s: proto", c->name);
	}
}

static void
test_chunk_header(void **state __attribute__((unused)))
{
	uint8_t out[18 + 8];

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(proxy_chunk_header(out, 1), 3);
	assert_memory_equal(out, "1\r\n", 3);
	assert_int_equal(proxy_chunk_header(out, 255), 4);
	assert_memory_equal(out, "ff\r\n", 4);
	assert_int_equal(proxy_chunk_header(out, 0x10000), 7);
	assert_memory_equal(out, "10000\r\n", 7);
	assert_int_equal(proxy_chunk_header(out, UINT64_MAX), 18);
	assert_memory_equal(out, "ffffffffffffffff\r\n", 18);
	assert_int_equal(out[18], 0xa5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_request_invalid),
		cmocka_unit_test(test_connection_options_max),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_response_invalid),
		cmocka_unit_test(test_upgrade_offer),
		cmocka_unit_test(test_chunk_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
