/* SPDX-License-Identifier: ISC */
/* Unit tests for http.c: request heads and chunked bodies, table driven. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "guard.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOVAL		((uint64_t)-1)

static const struct http_limits deflim = {
	8192,		/* max_request_line */
	16384,		/* max_header_bytes */
	100,		/* max_headers */
	1 << 20,	/* max_body */
};

static struct http_header hdrs[HTTP_MAX_HEADERS];

/*
 * Parse in[0..len) placed against a guard page. The copy stays mapped
 * until the next call, so the views in req can be checked.
 */
static int
parse_guarded(const void *in, size_t len, const struct http_limits *lim,
    struct http_request *req)
{
	static struct guard g;
	uint8_t *p;

	guard_release(&g);
	memset(req, 0, sizeof(*req));
	req->headers = hdrs;
	req->max_headers = HTTP_MAX_HEADERS;
	p = guard_place(&g, in, len);
	return http_parse_request(p, len, lim, req);
}

/*
 * The split rule: every strict prefix gives HTTP_AGAIN or the final
 * result; a prefix that holds the whole head gives the same count.
 */
static void
check_prefixes(const char *name, const void *in, size_t len,
    const struct http_limits *lim, int want)
{
	struct http_request req;
	size_t k;
	int r;

	for (k = 0; k < len; k++) {
		r = parse_guarded(in, k, lim, &req);
		if (want > 0 && k >= (size_t)want) {
			if (r != want)
				fail_msg("%s: prefix %zu: %d, want %d", name,
				    k, r, want);
		} else if (r != HTTP_AGAIN && r != want)
			fail_msg("%s: prefix %zu: %d (%s), want AGAIN or %d",
			    name, k, r, http_error_reason(r), want);
	}
}

static int
view_eq(const uint8_t *p, size_t n, const char *s)
{
	if (s == NULL)
		return p == NULL && n == 0;
	return p != NULL && n == strlen(s) && memcmp(p, s, n) == 0;
}

/* ---------------------------------------------------------------- */
/* Accepted requests. */

struct ok_case {
	const char	*name;
	const char	*in;
	size_t		 head;		/* 0: all of in; HEAD1: to CRLFCRLF */
	int		 method;
	const char	*target;
	int		 form;
	int		 minor;
	int		 keep_alive;
	int		 chunked;
	uint64_t	 cl;		/* NOVAL: no Content-Length */
	int		 expect;
	const char	*host;
	const char	*auth;
	size_t		 nheaders;
};

#define GETH	"GET / HTTP/1.1\r\nHost: a\r\n"
#define HEAD1	1

static const struct ok_case ok_cases[] = {
	{ "simple", GETH "\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 1 },
	{ "http10_no_host", "GET / HTTP/1.0\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 0, 0, 0, NOVAL, 0, NULL, NULL, 0 },
	{ "http10_keepalive",
	    "GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0,
	    HTTP_M_GET, "/x", HTTP_TF_ORIGIN, 0, 1, 0, NOVAL, 0, NULL, NULL,
	    1 },
	{ "http10_keepalive_close",
	    "GET /x HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", 0,
	    HTTP_M_GET, "/x", HTTP_TF_ORIGIN, 0, 0, 0, NOVAL, 0, NULL, NULL,
	    1 },
	{ "http11_close", GETH "Connection: close\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 0, 0, NOVAL, 0, "a", NULL, 2 },
	{ "close_in_list", GETH "Connection: Keep-Alive , CLOSE\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 0, 0, NOVAL, 0, "a", NULL, 2 },
	{ "close_second_line", GETH "Connection: upgrade\r\n"
	    "Connection: close\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 0, 0, NOVAL, 0, "a", NULL, 3 },
	{ "closed_not_token", GETH "Connection: closed, xclose\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 2 },
	{ "conn_empty_elems", GETH "Connection: ,, foo ,\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 2 },
	{ "post_cl", "POST /echo HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 5\r\n\r\n", 0,
	    HTTP_M_POST, "/echo", HTTP_TF_ORIGIN, 1, 1, 0, 5, 0, "x", NULL, 2 },
	{ "post_cl_body", "POST /echo HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 3\r\n\r\nabc", HEAD1,
	    HTTP_M_POST, "/echo", HTTP_TF_ORIGIN, 1, 1, 0, 3, 0, "x", NULL, 2 },
	{ "cl_zero", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
	    0, HTTP_M_POST, "/", HTTP_TF_ORIGIN, 1, 1, 0, 0, 0, "x", NULL, 2 },
	{ "cl_list_same", GETH "Content-Length: 5, 5\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, 5, 0, "a", NULL, 2 },
	{ "cl_list_same_ows", GETH "Content-Length: 5 ,\t5,5\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, 5, 0, "a", NULL, 2 },
	{ "cl_two_lines_same", GETH "Content-Length: 5\r\n"
	    "content-length: 5\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, 5, 0, "a", NULL, 3 },
	{ "cl_leading_zeros", GETH "Content-Length: 007\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, 7, 0, "a", NULL, 2 },
	{ "cl_max_body", GETH "Content-Length: 1048576\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, 1048576, 0, "a", NULL,
	    2 },
	{ "te_chunked", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0,
	    HTTP_M_POST, "/", HTTP_TF_ORIGIN, 1, 1, 1, NOVAL, 0, "a", NULL, 2 },
	{ "te_chunked_case_ows", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "transfer-encoding: \t CHUNKED \t\r\n\r\n", 0,
	    HTTP_M_POST, "/", HTTP_TF_ORIGIN, 1, 1, 1, NOVAL, 0, "a", NULL, 2 },
	{ "te_chunked_body", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", HEAD1,
	    HTTP_M_POST, "/", HTTP_TF_ORIGIN, 1, 1, 1, NOVAL, 0, "a", NULL, 2 },
	{ "expect_continue", "PUT /f HTTP/1.1\r\nHost: a\r\n"
	    "Expect: 100-Continue\r\nContent-Length: 10\r\n\r\n", 0,
	    HTTP_M_PUT, "/f", HTTP_TF_ORIGIN, 1, 1, 0, 10, 1, "a", NULL, 3 },
	{ "expect_http10_ignored", "PUT /f HTTP/1.0\r\n"
	    "Expect: 100-continue\r\nContent-Length: 1\r\n\r\n", 0,
	    HTTP_M_PUT, "/f", HTTP_TF_ORIGIN, 0, 0, 0, 1, 0, NULL, NULL, 2 },
	{ "options_asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_OPTIONS, "*", HTTP_TF_ASTERISK, 1, 1, 0, NOVAL, 0, "a",
	    NULL, 1 },
	{ "options_origin", "OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_OPTIONS, "/x", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a",
	    NULL, 1 },
	{ "connect_authority", "CONNECT example.com:443 HTTP/1.1\r\n"
	    "Host: example.com:443\r\n\r\n", 0,
	    HTTP_M_CONNECT, "example.com:443", HTTP_TF_AUTHORITY, 1, 1, 0,
	    NOVAL, 0, "example.com:443", NULL, 1 },
	{ "connect_ipv6", "CONNECT [::1]:8080 HTTP/1.1\r\n"
	    "Host: [::1]:8080\r\n\r\n", 0,
	    HTTP_M_CONNECT, "[::1]:8080", HTTP_TF_AUTHORITY, 1, 1, 0,
	    NOVAL, 0, "[::1]:8080", NULL, 1 },
	{ "absolute_form", "GET http://a.example/p?q=1 HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", 0,
	    HTTP_M_GET, "http://a.example/p?q=1", HTTP_TF_ABSOLUTE, 1, 1, 0,
	    NOVAL, 0, "a.example", NULL, 1 },
	{ "absolute_scheme_chars", "GET svn+ssh.x-y:foo HTTP/1.1\r\n"
	    "Host: a\r\n\r\n", 0,
	    HTTP_M_GET, "svn+ssh.x-y:foo", HTTP_TF_ABSOLUTE, 1, 1, 0,
	    NOVAL, 0, "a", NULL, 1 },
	{ "head", "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_HEAD, "/h", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL,
	    1 },
	{ "delete", "DELETE /d HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_DELETE, "/d", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL,
	    1 },
	{ "patch", "PATCH /d HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_PATCH, "/d", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL,
	    1 },
	{ "trace", "TRACE /d HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_TRACE, "/d", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL,
	    1 },
	{ "other_method", "PURGE /d HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_OTHER, "/d", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL,
	    1 },
	{ "lowercase_method_is_other", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_OTHER, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL,
	    1 },
	{ "token_method", "M-SEARCH! /x HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_OTHER, "/x", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL,
	    1 },
	{ "leading_crlf", "\r\n" GETH "\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 1 },
	{ "leading_crlf_max", "\r\n\r\n\r\n\r\n" GETH "\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 1 },
	{ "value_obs_text_htab", GETH "X-T: a\tb \xff\x80 c\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 2 },
	{ "value_empty", GETH "X-Empty:\r\nX-Sp:   \r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 3 },
	{ "host_port", "GET / HTTP/1.1\r\nHOST:  h.example:8080  \r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0,
	    "h.example:8080", NULL, 1 },
	{ "host_ipv6", "GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]:80\r\n\r\n",
	    0, HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0,
	    "[fe80::1%25eth0]:80", NULL, 1 },
	{ "host_empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "", NULL, 1 },
	{ "authorization", GETH "Authorization: Bearer abc.def\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a",
	    "Bearer abc.def", 2 },
	{ "target_query", "GET /a/b?c=d&e=%20f;g HTTP/1.1\r\nHost: a\r\n\r\n",
	    0, HTTP_M_GET, "/a/b?c=d&e=%20f;g", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL,
	    0, "a", NULL, 1 },
	{ "tchar_names", GETH "!#$%&'*+-.^_`|~09aZ: v\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 2 },
	{ "pipelined", GETH "\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n", 27,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 1 },
	{ "pipelined_post", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n\r\n", 47,
	    HTTP_M_POST, "/", HTTP_TF_ORIGIN, 1, 1, 0, 2, 0, "a", NULL, 2 },
	/* RFC 9110 2.5: a higher minor version is served as HTTP/1.1. */
	{ "version_12", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 1 },
	{ "version_19_close", "GET / HTTP/1.9\r\nHost: a\r\n"
	    "Connection: close\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 0, 0, NOVAL, 0, "a", NULL, 2 },
	{ "lookalike_headers_ignored", GETH "Transfer-Encodingx: gzip\r\n"
	    "Content-Lengthy: x\r\nHosts: b c\r\nExpects: x\r\n\r\n", 0,
	    HTTP_M_GET, "/", HTTP_TF_ORIGIN, 1, 1, 0, NOVAL, 0, "a", NULL, 5 },
};

static void
check_ok(const struct ok_case *c)
{
	struct http_request req;
	size_t len = strlen(c->in), head = c->head ? c->head : len;
	const char *m;
	int r;

	if (c->head == HEAD1)
		head = (size_t)(strstr(c->in, "\r\n\r\n") + 4 - c->in);

	r = parse_guarded(c->in, len, &deflim, &req);
	if (r != (int)head)
		fail_msg("%s: got %d (%s), want %zu", c->name, r,
		    http_error_reason(r), head);
	if (req.method_id != c->method || !view_eq(req.target,
	    req.target_len, c->target) || req.target_form != c->form ||
	    req.minor_version != c->minor || req.keep_alive != c->keep_alive ||
	    req.chunked != c->chunked || req.expect_continue != c->expect ||
	    req.nheaders != c->nheaders)
		fail_msg("%s: fields: method %d target %.*s form %d minor %d "
		    "ka %d chunked %d expect %d nheaders %zu", c->name,
		    req.method_id, (int)req.target_len, req.target,
		    req.target_form, req.minor_version, req.keep_alive,
		    req.chunked, req.expect_continue, req.nheaders);
	if (c->cl == NOVAL ? req.has_content_length :
	    (!req.has_content_length || req.content_length != c->cl))
		fail_msg("%s: content-length %d %llu", c->name,
		    req.has_content_length,
		    (unsigned long long)req.content_length);
	if (!view_eq(req.host, req.host_len, c->host) ||
	    !view_eq(req.authorization, req.authorization_len, c->auth))
		fail_msg("%s: host or authorization", c->name);
	m = c->in + strspn(c->in, "\r\n");
	if (req.method_len != strcspn(m, " ") ||
	    memcmp(req.method, m, req.method_len) != 0)
		fail_msg("%s: method view", c->name);
	check_prefixes(c->name, c->in, len, &deflim, r);
}

static void
test_ok_cases(void **state __attribute__((unused)))
{
	size_t i;

	for (i = 0; i < NELEM(ok_cases); i++)
		check_ok(&ok_cases[i]);
}

/* Header views: names, values, OWS trimmed, obs-text kept. */
static void
test_header_views(void **state __attribute__((unused)))
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: a\r\n"
	    "X-A:  one two \t\r\nx-b:\r\nX-C:\t\xff\r\n\r\n";
	struct http_request req;
	int r;

	r = parse_guarded(in, sizeof(in) - 1, &deflim, &req);
	assert_int_equal(r, sizeof(in) - 1);
	assert_int_equal(req.nheaders, 4);
	assert_true(view_eq(hdrs[0].name, hdrs[0].name_len, "Host"));
	assert_true(view_eq(hdrs[0].value, hdrs[0].value_len, "a"));
	assert_true(view_eq(hdrs[1].name, hdrs[1].name_len, "X-A"));
	assert_true(view_eq(hdrs[1].value, hdrs[1].value_len, "one two"));
	assert_true(view_eq(hdrs[2].name, hdrs[2].name_len, "x-b"));
	assert_int_equal(hdrs[2].value_len, 0);
	assert_true(view_eq(hdrs[3].value, hdrs[3].value_len, "\xff"));
	assert_true(view_eq(req.method, req.method_len, "GET"));
}

/* Pipelining: the first parse consumes exactly the first head. */
static void
test_pipelined(void **state __attribute__((unused)))
{
	static const char in[] = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
	    "POST /2 HTTP/1.1\r\nHost: b\r\nContent-Length: 1\r\n\r\nx"
	    "GET /3 HTTP/1.0\r\n\r\n";
	struct http_request req;
	size_t off = 0, len = sizeof(in) - 1;
	int r;

	r = parse_guarded(in, len, &deflim, &req);
	assert_int_equal(r, 28);
	assert_true(view_eq(req.target, req.target_len, "/1"));
	off += (size_t)r;
	r = parse_guarded(in + off, len - off, &deflim, &req);
	assert_true(r > 0);
	assert_true(view_eq(req.target, req.target_len, "/2"));
	assert_true(req.has_content_length && req.content_length == 1);
	off += (size_t)r + 1;
	r = parse_guarded(in + off, len - off, &deflim, &req);
	assert_int_equal(r, (int)(len - off));
	assert_true(view_eq(req.target, req.target_len, "/3"));
	assert_int_equal(req.keep_alive, 0);
}

/* ---------------------------------------------------------------- */
/* Rejected requests. */

struct bad_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen */
	int		 err;
};

#define H11	"GET / HTTP/1.1\r\n"
#define POSTH	"POST / HTTP/1.1\r\nHost: a\r\n"

static const struct bad_case bad_cases[] = {
	/* framing: Content-Length and Transfer-Encoding */
	{ "cl_and_te", POSTH "Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, HTTP_ERR_CL_TE },
	{ "te_and_cl", POSTH "Transfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", 0, HTTP_ERR_CL_TE },
	{ "cl_conflict_lines", POSTH "Content-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", 0, HTTP_ERR_CL_CONFLICT },
	{ "cl_conflict_list", POSTH "Content-Length: 5, 6\r\n\r\n", 0,
	    HTTP_ERR_CL_CONFLICT },
	{ "cl_plus", POSTH "Content-Length: +5\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_minus", POSTH "Content-Length: -1\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_hex", POSTH "Content-Length: 0x5\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_space_inside", POSTH "Content-Length: 1 0\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_empty", POSTH "Content-Length:\r\n\r\n", 0, HTTP_ERR_CL_INVALID },
	{ "cl_blank", POSTH "Content-Length:   \r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_trailing_comma", POSTH "Content-Length: 5,\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_leading_comma", POSTH "Content-Length: ,5\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_decimal", POSTH "Content-Length: 1.0\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_overflow", POSTH "Content-Length: 18446744073709551616\r\n\r\n",
	    0, HTTP_ERR_CL_INVALID },
	{ "cl_overflow_long", POSTH "Content-Length: "
	    "99999999999999999999999\r\n\r\n", 0, HTTP_ERR_CL_INVALID },
	{ "cl_over_max_body", POSTH "Content-Length: 1048577\r\n\r\n", 0,
	    HTTP_ERR_BODY_TOO_LARGE },
	{ "cl_uint64_max_over_body", POSTH
	    "Content-Length: 18446744073709551615\r\n\r\n", 0,
	    HTTP_ERR_BODY_TOO_LARGE },
	{ "te_gzip_only", POSTH "Transfer-Encoding: gzip\r\n\r\n", 0,
	    HTTP_ERR_TE_NOT_CHUNKED },
	{ "te_identity", POSTH "Transfer-Encoding: identity\r\n\r\n", 0,
	    HTTP_ERR_TE_NOT_CHUNKED },
	{ "te_chunked_then_gzip", POSTH
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", 0,
	    HTTP_ERR_TE_NOT_CHUNKED },
	{ "te_xchunked", POSTH "Transfer-Encoding: xchunked\r\n\r\n", 0,
	    HTTP_ERR_TE_NOT_CHUNKED },
	{ "te_chunkedx", POSTH "Transfer-Encoding: chunkedx\r\n\r\n", 0,
	    HTTP_ERR_TE_NOT_CHUNKED },
	{ "te_gzip_chunked", POSTH "Transfer-Encoding: gzip, chunked\r\n\r\n",
	    0, HTTP_ERR_TE_UNSUPPORTED },
	{ "te_gzip_chunked_lines", POSTH "Transfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, HTTP_ERR_TE_UNSUPPORTED },
	{ "te_quoted", POSTH "Transfer-Encoding: \"chunked\"\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_twice", POSTH "Transfer-Encoding: chunked, chunked\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_twice_lines", POSTH "Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, HTTP_ERR_TE_INVALID },
	{ "te_param", POSTH "Transfer-Encoding: chunked;q=1\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_internal_junk", POSTH "Transfer-Encoding: chunked x\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_internal_space", POSTH "Transfer-Encoding: chun ked\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_leading_comma", POSTH "Transfer-Encoding: ,chunked\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_trailing_comma", POSTH "Transfer-Encoding: chunked,\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_empty", POSTH "Transfer-Encoding:\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_vtab", POSTH "Transfer-Encoding: chunked\x0b\r\n\r\n", 0,
	    HTTP_ERR_CTL },
	{ "te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    0, HTTP_ERR_TE_HTTP10 },
	{ "te_http10_with_cl", "POST / HTTP/1.0\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, HTTP_ERR_TE_HTTP10 },
	/* field syntax */
	{ "obs_fold", H11 "Host: a\r\nX: b\r\n c\r\n\r\n", 0,
	    HTTP_ERR_OBS_FOLD },
	{ "obs_fold_tab", H11 "Host: a\r\nX: b\r\n\tc\r\n\r\n", 0,
	    HTTP_ERR_OBS_FOLD },
	{ "ws_before_first_field", H11 " Host: a\r\n\r\n", 0,
	    HTTP_ERR_OBS_FOLD },
	{ "ws_before_colon", H11 "Host : a\r\n\r\n", 0, HTTP_ERR_WS_COLON },
	{ "tab_before_colon", H11 "Host\t: a\r\n\r\n", 0, HTTP_ERR_WS_COLON },
	{ "cl_ws_before_colon", POSTH "Content-Length : 5\r\n\r\n", 0,
	    HTTP_ERR_WS_COLON },
	{ "empty_name", H11 "Host: a\r\n: x\r\n\r\n", 0, HTTP_ERR_FIELD_NAME },
	{ "no_colon", H11 "Host: a\r\nFoo\r\n\r\n", 0, HTTP_ERR_FIELD_NAME },
	{ "name_not_token", H11 "Host: a\r\nFo@o: x\r\n\r\n", 0,
	    HTTP_ERR_FIELD_NAME },
	{ "name_nul", H11 "Host: a\r\nF\0o: x\r\n\r\n", 29,
	    HTTP_ERR_FIELD_NAME },
	{ "name_high_bit", H11 "Host: a\r\nF\xc3\xa9: x\r\n\r\n", 0,
	    HTTP_ERR_FIELD_NAME },
	{ "value_nul", H11 "Host: a\r\nX: a\0b\r\n\r\n", 31, HTTP_ERR_CTL },
	{ "value_del", H11 "Host: a\r\nX: a\x7f" "b\r\n\r\n", 0,
	    HTTP_ERR_CTL },
	{ "value_esc", H11 "Host: a\r\nX: \x1b[0m\r\n\r\n", 0, HTTP_ERR_CTL },
	{ "value_bare_cr", H11 "Host: a\r\nX: a\rb\r\n\r\n", 0,
	    HTTP_ERR_BARE_CR },
	{ "value_bare_cr_end", H11 "Host: a\r\nX: a\r\r\n\r\n", 0,
	    HTTP_ERR_BARE_CR },
	{ "field_bare_lf", H11 "Host: a\nX: b\r\n\r\n", 0, HTTP_ERR_BARE_LF },
	{ "final_bare_lf", H11 "Host: a\r\n\n", 0, HTTP_ERR_BARE_LF },
	{ "final_bare_cr", H11 "Host: a\r\n\rX", 0, HTTP_ERR_BARE_CR },
	{ "all_bare_lf", "GET / HTTP/1.1\nHost: a\n\n", 0, HTTP_ERR_BARE_LF },
	{ "leading_bare_lf", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_BARE_LF },
	{ "leading_bare_cr", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_BARE_CR },
	{ "too_many_empty_lines", "\r\n\r\n\r\n\r\n\r\n" H11 "Host: a\r\n\r\n",
	    0, HTTP_ERR_EMPTY_LINES },
	/* Host, Authorization, Expect */
	{ "host_missing", H11 "\r\n", 0, HTTP_ERR_HOST_MISSING },
	{ "host_missing_other", H11 "Hosts: a\r\n\r\n", 0,
	    HTTP_ERR_HOST_MISSING },
	{ "host_dup", H11 "Host: a\r\nHost: a\r\n\r\n", 0, HTTP_ERR_HOST_DUP },
	{ "host_dup_http10", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 0,
	    HTTP_ERR_HOST_DUP },
	{ "host_space", H11 "Host: a b\r\n\r\n", 0, HTTP_ERR_HOST_INVALID },
	{ "host_userinfo", H11 "Host: u@a\r\n\r\n", 0, HTTP_ERR_HOST_INVALID },
	{ "host_slash", H11 "Host: a/b\r\n\r\n", 0, HTTP_ERR_HOST_INVALID },
	{ "host_list", H11 "Host: a, b\r\n\r\n", 0, HTTP_ERR_HOST_INVALID },
	{ "auth_dup", H11 "Host: a\r\nAuthorization: Bearer x\r\n"
	    "authorization: Bearer y\r\n\r\n", 0, HTTP_ERR_AUTH_DUP },
	{ "expect_other", H11 "Host: a\r\nExpect: foo\r\n\r\n", 0,
	    HTTP_ERR_EXPECT },
	{ "expect_list", H11 "Host: a\r\nExpect: 100-continue, foo\r\n\r\n", 0,
	    HTTP_ERR_EXPECT },
	{ "expect_empty", H11 "Host: a\r\nExpect:\r\n\r\n", 0,
	    HTTP_ERR_EXPECT },
	/* request line */
	/* HTTP/1.2 and up are served as HTTP/1.1: Host is required. */
	{ "version_19_no_host", "GET / HTTP/1.9\r\n\r\n", 0,
	    HTTP_ERR_HOST_MISSING },
	{ "version_30", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION_UNSUPPORTED },
	{ "version_20", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION_UNSUPPORTED },
	{ "version_09", "GET / HTTP/0.9\r\n\r\n", 0,
	    HTTP_ERR_VERSION_UNSUPPORTED },
	{ "version_lower", "GET / http/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION },
	{ "version_short", "GET / HTTP/1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION },
	{ "version_long_minor", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION },
	{ "version_long_major", "GET / HTTP/11.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION },
	{ "version_trailing_sp", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION },
	{ "version_bare_lf", "GET / HTTP/1.1\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_BARE_LF },
	{ "version_bare_cr", "GET / HTTP/1.1\rHost: a\r\n\r\n", 0,
	    HTTP_ERR_BARE_CR },
	{ "http09_no_version", "GET /\r\n\r\n", 0, HTTP_ERR_TARGET },
	{ "double_sp_method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_REQUEST_LINE },
	{ "double_sp_target", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_VERSION },
	{ "tab_separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_METHOD },
	{ "leading_space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_REQUEST_LINE },
	{ "method_not_token", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_METHOD },
	{ "method_ctl", "G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_METHOD },
	{ "method_nul", "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n", 27,
	    HTTP_ERR_METHOD },
	{ "method_only", "GET\r\n\r\n", 0, HTTP_ERR_METHOD },
	{ "target_nul", "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", 28,
	    HTTP_ERR_TARGET },
	{ "target_high_bit", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "target_del", "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "target_tab", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "target_fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "asterisk_not_options", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "asterisk_long", "OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "no_scheme", "GET a.b HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "scheme_digit_first", "GET 1http://x/ HTTP/1.1\r\nHost: a\r\n\r\n",
	    0, HTTP_ERR_TARGET },
	{ "scheme_empty", "GET :x HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "connect_origin", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "connect_no_port", "CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "connect_empty_port", "CONNECT a: HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "connect_alpha_port", "CONNECT a:b HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "connect_userinfo", "CONNECT u@a:1 HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "connect_no_host", "CONNECT :1 HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	    HTTP_ERR_TARGET },
	{ "unknown_headers_ctl", "GET / HTTP/1.1\r\nHost: a\r\n"
	    "X: \x01\r\n\r\n", 0, HTTP_ERR_CTL },
	/* order of the checks after a complete head */
	{ "order_te10_before_host", "POST / HTTP/1.0\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", 0, HTTP_ERR_TE_HTTP10 },
	{ "order_host_before_501", "POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", 0,
	    HTTP_ERR_HOST_MISSING },
	{ "order_501_before_417", POSTH "Expect: foo\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", 0,
	    HTTP_ERR_TE_UNSUPPORTED },
	{ "order_417_before_413", POSTH "Expect: foo\r\n"
	    "Content-Length: 99999999\r\n\r\n", 0, HTTP_ERR_EXPECT },
	{ "order_syntax_first", POSTH "Expect: foo\r\nX : y\r\n\r\n", 0,
	    HTTP_ERR_WS_COLON },
};

static void
check_bad(const char *name, const void *in, size_t len,
    const struct http_limits *lim, int want)
{
	struct http_request req;
	int r;

	r = parse_guarded(in, len, lim, &req);
	if (r != want)
		fail_msg("%s: got %d (%s), want %d (%s)", name, r,
		    http_error_reason(r), want, http_error_reason(want));
	check_prefixes(name, in, len, lim, want);
}

static void
test_bad_cases(void **state __attribute__((unused)))
{
	size_t i;

	for (i = 0; i < NELEM(bad_cases); i++)
		check_bad(bad_cases[i].name, bad_cases[i].in,
		    bad_cases[i].len ? bad_cases[i].len :
		    strlen(bad_cases[i].in), &deflim, bad_cases[i].err);
}

/* The test inputs with an explicit length really contain their NUL. */
static void
test_bad_case_lengths(void **state __attribute__((unused)))
{
	size_t i;

	for (i = 0; i < NELEM(bad_cases); i++)
		if (bad_cases[i].len != 0)
			assert_true(bad_cases[i].len > strlen(bad_cases[i].in));
}

/* ---------------------------------------------------------------- */
/* Limits. */

static void
test_limit_request_line(void **state __attribute__((unused)))
{
	static const char in[] = "GET /abc HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_limits lim = deflim;
	struct http_request req;
	char big[600];

	lim.max_request_line = 19;	/* "GET /abc HTTP/1.1\r\n" */
	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &lim, &req),
	    sizeof(in) - 1);
	check_prefixes("rl_exact", in, sizeof(in) - 1, &lim, sizeof(in) - 1);
	lim.max_request_line = 18;
	check_bad("rl_one_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_LINE_TOO_LONG);
	/* The CR is in, the LF is over: still 414, not a bare-CR guess. */
	assert_int_equal(parse_guarded(in, 18, &lim, &req),
	    HTTP_ERR_LINE_TOO_LONG);
	assert_int_equal(parse_guarded(in, 17, &lim, &req), HTTP_AGAIN);

	/* Slowloris: an unterminated line fails once it reaches the limit. */
	lim.max_request_line = 512;
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	assert_int_equal(parse_guarded(big, 511, &lim, &req), HTTP_AGAIN);
	assert_int_equal(parse_guarded(big, 512, &lim, &req),
	    HTTP_ERR_LINE_TOO_LONG);
	assert_int_equal(parse_guarded(big, sizeof(big), &lim, &req),
	    HTTP_ERR_LINE_TOO_LONG);
	/* A long method, and a long version part, are 414 too. */
	memset(big, 'A', sizeof(big));
	assert_int_equal(parse_guarded(big, sizeof(big), &lim, &req),
	    HTTP_ERR_LINE_TOO_LONG);
	/* Leading empty lines do not count. */
	lim.max_request_line = 16;
	assert_int_equal(parse_guarded("\r\n\r\nGET / HTTP/1.0\r\n\r\n", 22,
	    &lim, &req), 22);
	lim.max_request_line = 15;
	assert_int_equal(parse_guarded("\r\n\r\nGET / HTTP/1.0\r\n\r\n", 22,
	    &lim, &req), HTTP_ERR_LINE_TOO_LONG);
	lim.max_request_line = 0;
	assert_int_equal(parse_guarded("G", 1, &lim, &req),
	    HTTP_ERR_LINE_TOO_LONG);
	assert_int_equal(http_error_status(HTTP_ERR_LINE_TOO_LONG), 414);
}

static void
test_limit_header_bytes(void **state __attribute__((unused)))
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: a\r\nX: bc\r\n\r\n";
	struct http_limits lim = deflim;
	struct http_request req;
	char big[2048];
	size_t n;

	lim.max_header_bytes = 18;	/* "Host: a\r\nX: bc\r\n\r\n" */
	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &lim, &req),
	    sizeof(in) - 1);
	check_prefixes("hb_exact", in, sizeof(in) - 1, &lim, sizeof(in) - 1);
	lim.max_header_bytes = 17;
	check_bad("hb_final_crlf_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_HEADERS_TOO_LARGE);
	lim.max_header_bytes = 10;
	check_bad("hb_field_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_HEADERS_TOO_LARGE);

	/* Slowloris: a never-ending value, and never-ending fields. */
	lim.max_header_bytes = 1024;
	n = strlen("GET / HTTP/1.1\r\nX: ");
	memcpy(big, "GET / HTTP/1.1\r\nX: ", n);
	memset(big + n, 'v', sizeof(big) - n);
	assert_int_equal(parse_guarded(big, 16 + 1023, &lim, &req),
	    HTTP_AGAIN);
	assert_int_equal(parse_guarded(big, 16 + 1024, &lim, &req),
	    HTTP_ERR_HEADERS_TOO_LARGE);
	assert_int_equal(parse_guarded(big, sizeof(big), &lim, &req),
	    HTTP_ERR_HEADERS_TOO_LARGE);
	lim.max_header_bytes = 512;
	for (n = 16; n + 6 <= sizeof(big); n += 6)
		memcpy(big + n, "X: y\r\n", 6);
	check_bad("hb_many_lines", big, sizeof(big), &lim,
	    HTTP_ERR_HEADERS_TOO_LARGE);
	assert_int_equal(http_error_status(HTTP_ERR_HEADERS_TOO_LARGE), 431);
}

static void
test_limit_header_count(void **state __attribute__((unused)))
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n"
	    "Y: 2\r\n\r\n";
	struct http_limits lim = deflim;
	struct http_request req;
	struct guard g;
	struct http_header two[2];
	uint8_t *p;

	lim.max_headers = 3;
	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &lim, &req),
	    sizeof(in) - 1);
	lim.max_headers = 2;
	check_bad("hc_one_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_TOO_MANY_HEADERS);
	/* Detected at the start of the extra line, before its end. */
	assert_int_equal(parse_guarded(in, 32, &lim, &req),
	    HTTP_ERR_TOO_MANY_HEADERS);
	assert_int_equal(parse_guarded(in, 31, &lim, &req), HTTP_AGAIN);

	/* The caller's array is a limit too. */
	memset(&req, 0, sizeof(req));
	req.headers = two;
	req.max_headers = 2;
	p = guard_place(&g, in, sizeof(in) - 1);
	assert_int_equal(http_parse_request(p, sizeof(in) - 1, &deflim, &req),
	    HTTP_ERR_TOO_MANY_HEADERS);
	req.headers = NULL;
	req.max_headers = 100;
	assert_int_equal(http_parse_request(p, sizeof(in) - 1, &deflim, &req),
	    HTTP_ERR_TOO_MANY_HEADERS);
	guard_release(&g);
	assert_int_equal(parse_guarded("GET / HTTP/1.0\r\n\r\n", 18, &lim,
	    &req), 18);
	/* An empty buffer may be NULL (UBSan: no NULL + 0). */
	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	req.max_headers = 1;
	assert_int_equal(http_parse_request(NULL, 0, &lim, &req), HTTP_AGAIN);
	assert_int_equal(http_error_status(HTTP_ERR_TOO_MANY_HEADERS), 431);
}

/*
 * The decision documented for max_headers: every field line counts,
 * Host included. With the default 100: Host and 99 more are served,
 * Host and 100 more are a 431.
 */
static void
test_limit_header_count_host(void **state __attribute__((unused)))
{
	char in[4096];
	struct http_request req;
	size_t n, i;

	assert_int_equal(deflim.max_headers, 100);
	assert_int_equal(HTTP_MAX_HEADERS, 100);
	n = (size_t)snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i <= 99; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "X-%zu: v\r\n", i);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\n");
	assert_true(n < sizeof(in));
	assert_int_equal(parse_guarded(in, n, &deflim, &req), (int)n);
	assert_int_equal(req.nheaders, 100);
	n -= 2;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "X-100: v\r\n\r\n");
	assert_true(n < sizeof(in));
	assert_int_equal(parse_guarded(in, n, &deflim, &req),
	    HTTP_ERR_TOO_MANY_HEADERS);
}

static void
test_limit_body(void **state __attribute__((unused)))
{
	static const char in[] = "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 100\r\n\r\n";
	static const char in2[] = "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 18446744073709551615\r\n\r\n";
	struct http_limits lim = deflim;
	struct http_request req;

	lim.max_body = 100;
	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &lim, &req),
	    sizeof(in) - 1);
	lim.max_body = 99;
	check_bad("body_one_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_BODY_TOO_LARGE);
	lim.max_body = UINT64_MAX;
	assert_int_equal(parse_guarded(in2, sizeof(in2) - 1, &lim, &req),
	    sizeof(in2) - 1);
	assert_true(req.content_length == UINT64_MAX);
	assert_int_equal(http_error_status(HTTP_ERR_BODY_TOO_LARGE), 413);
}

/* ---------------------------------------------------------------- */
/* Error table. */

static void
test_error_status(void **state __attribute__((unused)))
{
	static const struct {
		int	 err;
		int	 status;
	} st[] = {
		{ HTTP_ERR_METHOD, 400 }, { HTTP_ERR_REQUEST_LINE, 400 },
		{ HTTP_ERR_TARGET, 400 }, { HTTP_ERR_VERSION, 400 },
		{ HTTP_ERR_VERSION_UNSUPPORTED, 505 },
		{ HTTP_ERR_LINE_TOO_LONG, 414 }, { HTTP_ERR_EMPTY_LINES, 400 },
		{ HTTP_ERR_CTL, 400 }, { HTTP_ERR_BARE_CR, 400 },
		{ HTTP_ERR_BARE_LF, 400 }, { HTTP_ERR_OBS_FOLD, 400 },
		{ HTTP_ERR_FIELD_NAME, 400 }, { HTTP_ERR_WS_COLON, 400 },
		{ HTTP_ERR_HEADERS_TOO_LARGE, 431 },
		{ HTTP_ERR_TOO_MANY_HEADERS, 431 },
		{ HTTP_ERR_HOST_MISSING, 400 }, { HTTP_ERR_HOST_DUP, 400 },
		{ HTTP_ERR_HOST_INVALID, 400 }, { HTTP_ERR_AUTH_DUP, 400 },
		{ HTTP_ERR_CL_INVALID, 400 }, { HTTP_ERR_CL_CONFLICT, 400 },
		{ HTTP_ERR_CL_TE, 400 }, { HTTP_ERR_TE_INVALID, 400 },
		{ HTTP_ERR_TE_NOT_CHUNKED, 400 }, { HTTP_ERR_TE_HTTP10, 400 },
		{ HTTP_ERR_TE_UNSUPPORTED, 501 }, { HTTP_ERR_EXPECT, 417 },
		{ HTTP_ERR_BODY_TOO_LARGE, 413 }, { HTTP_ERR_CHUNK_SIZE, 400 },
		{ HTTP_ERR_CHUNK_EXT, 400 }, { HTTP_ERR_CHUNK_DATA, 400 },
		{ HTTP_ERR_TRAILER, 400 }, { HTTP_ERR_TRAILER_TOO_LARGE, 431 },
		{ GW_ERR_INVALID, 400 }, { GW_ERR_RANGE, 400 },
		{ GW_ERR_TOO_LARGE, 413 }, { GW_ERR_INTERNAL, 500 },
		{ GW_ERR_NOMEM, 500 }, { -99, 500 }, { -133, 500 },
	};
	size_t i, j;
	const char *a;

	for (i = 0; i < NELEM(st); i++) {
		if (http_error_status(st[i].err) != st[i].status)
			fail_msg("status of %d: %d, want %d", st[i].err,
			    http_error_status(st[i].err), st[i].status);
		assert_non_null(http_error_reason(st[i].err));
	}
	/* Every HTTP_ERR_* has its own reason. */
	for (i = 100; i <= 132; i++) {
		a = http_error_reason(-(int)i);
		assert_string_not_equal(a, "internal error");
		for (j = 100; j < i; j++)
			assert_string_not_equal(a, http_error_reason(-(int)j));
	}
	assert_string_equal(http_error_reason(HTTP_AGAIN), "incomplete");
}

/* ---------------------------------------------------------------- */
/* Deterministic mutations: bit flips and truncations of every valid case
 * must keep the split rule, and never read past the end (ASan run). */

static void
test_mutations(void **state __attribute__((unused)))
{
	struct http_request req;
	uint8_t *buf;
	size_t i, len, pos, k;
	int bit, r, rk;

	for (i = 0; i < NELEM(ok_cases); i++) {
		len = strlen(ok_cases[i].in);
		if ((buf = malloc(len)) == NULL)
			fail();
		for (pos = 0; pos < len; pos++) {
			for (bit = 0; bit < 8; bit++) {
				memcpy(buf, ok_cases[i].in, len);
				buf[pos] ^= (uint8_t)(1 << bit);
				memset(&req, 0, sizeof(req));
				req.headers = hdrs;
				req.max_headers = HTTP_MAX_HEADERS;
				r = http_parse_request(buf, len, &deflim, &req);
				if (r == 0 || r > (int)len || (r < 0 &&
				    r != HTTP_AGAIN &&
				    http_error_status(r) == 500))
					fail_msg("mut %s %zu/%d: %d",
					    ok_cases[i].name, pos, bit, r);
				for (k = 0; k < len; k++) {
					rk = http_parse_request(buf, k,
					    &deflim, &req);
					if (rk != HTTP_AGAIN && rk != r)
						fail_msg("mut %s %zu/%d "
						    "prefix %zu: %d vs %d",
						    ok_cases[i].name, pos, bit,
						    k, rk, r);
				}
			}
		}
		free(buf);
	}
}

/* ---------------------------------------------------------------- */
/* Chunked bodies. */

struct ck_case {
	const char	*name;
	const char	*in;
	int		 want;		/* HTTP_CHUNK_DONE, HTTP_AGAIN, error */
	const char	*body;		/* decoded, if DONE */
	size_t		 used;		/* consumed, if DONE; 0: strlen(in) */
	size_t		 len;		/* 0: strlen(in) */
};

#define BIGEXT	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
		"aaaa"		/* 64 */
#define BIGEXT4	BIGEXT BIGEXT BIGEXT BIGEXT
#define BIGEXT16 BIGEXT4 BIGEXT4 BIGEXT4 BIGEXT4	/* 1024 */

static const struct ck_case ck_cases[] = {
	{ "empty_body", "0\r\n\r\n", HTTP_CHUNK_DONE, "", 0, 0 },
	{ "one_chunk", "5\r\nhello\r\n0\r\n\r\n", HTTP_CHUNK_DONE, "hello",
	    0, 0 },
	{ "two_chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	    HTTP_CHUNK_DONE, "hello world", 0, 0 },
	{ "hex_case", "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n",
	    HTTP_CHUNK_DONE, "0123456789abcdefghij", 0, 0 },
	{ "leading_zeros", "0005\r\nhello\r\n000\r\n\r\n", HTTP_CHUNK_DONE,
	    "hello", 0, 0 },
	{ "data_with_crlf", "4\r\n\r\n\r\n\r\n0\r\n\r\n", HTTP_CHUNK_DONE,
	    "\r\n\r\n", 0, 0 },
	{ "ext_token", "5;foo=bar\r\nhello\r\n0;last\r\n\r\n",
	    HTTP_CHUNK_DONE, "hello", 0, 0 },
	{ "ext_quoted", "5;a=\"b c\\\"d\\\\\"\r\nhello\r\n0\r\n\r\n",
	    HTTP_CHUNK_DONE, "hello", 0, 0 },
	{ "ext_quoted_obs_text", "5;a=\"\xe9\t\"\r\nhello\r\n0\r\n\r\n",
	    HTTP_CHUNK_DONE, "hello", 0, 0 },
	{ "ext_bws", "5 \t;\ta = b ; c\r\nhello\r\n0 ;d= \"\"\r\n\r\n",
	    HTTP_CHUNK_DONE, "hello", 0, 0 },
	{ "ext_many", "5;a;b=c;d=\"\";e\r\nhello\r\n0\r\n\r\n",
	    HTTP_CHUNK_DONE, "hello", 0, 0 },
	{ "ext_max_line", "1;" BIGEXT16 "\r\nx\r\n0\r\n\r\n",
	    HTTP_ERR_CHUNK_EXT, NULL, 0, 0 },
	{ "ext_fits", "1;" BIGEXT4 BIGEXT4 BIGEXT4 BIGEXT BIGEXT BIGEXT
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\r\nx\r\n0\r\n\r\n", HTTP_CHUNK_DONE, "x", 0, 0 },
	{ "trailers", "0\r\nX-Sum: abc\r\nY: \r\nZ:\t\xff\r\n\r\n",
	    HTTP_CHUNK_DONE, "", 0, 0 },
	{ "next_request_follows", "2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n",
	    HTTP_CHUNK_DONE, "hi", 12, 0 },
	{ "incomplete_size", "5", HTTP_AGAIN, NULL, 0, 0 },
	{ "incomplete_data", "5\r\nhel", HTTP_AGAIN, NULL, 0, 0 },
	{ "incomplete_last", "5\r\nhello\r\n0\r\n", HTTP_AGAIN, NULL, 0, 0 },
	{ "incomplete_trailer", "0\r\nX: y\r\n", HTTP_AGAIN, NULL, 0, 0 },
	{ "size_junk", "x\r\n", HTTP_ERR_CHUNK_SIZE, NULL, 0, 0 },
	{ "size_empty", "\r\n", HTTP_ERR_CHUNK_SIZE, NULL, 0, 0 },
	{ "size_leading_sp", " 5\r\nhello\r\n0\r\n\r\n", HTTP_ERR_CHUNK_SIZE,
	    NULL, 0, 0 },
	{ "size_trailing_sp", "5 \r\nhello\r\n0\r\n\r\n", HTTP_ERR_CHUNK_EXT,
	    NULL, 0, 0 },
	{ "size_0x", "0x5\r\nhello\r\n0\r\n\r\n", HTTP_ERR_CHUNK_SIZE, NULL,
	    0, 0 },
	{ "size_minus", "-5\r\n", HTTP_ERR_CHUNK_SIZE, NULL, 0, 0 },
	{ "size_plus", "+5\r\n", HTTP_ERR_CHUNK_SIZE, NULL, 0, 0 },
	{ "size_overflow", "10000000000000000\r\n", HTTP_ERR_CHUNK_SIZE,
	    NULL, 0, 0 },
	{ "size_max_over_body", "FFFFFFFFFFFFFFFF\r\n",
	    HTTP_ERR_BODY_TOO_LARGE, NULL, 0, 0 },
	{ "size_bare_lf", "5\nhello\r\n0\r\n\r\n", HTTP_ERR_BARE_LF, NULL,
	    0, 0 },
	{ "size_bare_cr", "5\rhello\r\n0\r\n\r\n", HTTP_ERR_BARE_CR, NULL,
	    0, 0 },
	{ "size_nul", "5\0\r\n", HTTP_ERR_CHUNK_SIZE, NULL, 0, 4 },
	{ "data_no_crlf", "5\r\nhelloX0\r\n\r\n", HTTP_ERR_CHUNK_DATA, NULL,
	    0, 0 },
	{ "data_too_long", "5\r\nhello!\r\n0\r\n\r\n", HTTP_ERR_CHUNK_DATA,
	    NULL, 0, 0 },
	{ "data_lf_only", "5\r\nhello\n0\r\n\r\n", HTTP_ERR_CHUNK_DATA,
	    NULL, 0, 0 },
	{ "data_cr_only", "5\r\nhello\rX", HTTP_ERR_BARE_CR, NULL, 0, 0 },
	{ "last_bare_lf", "0\n\r\n", HTTP_ERR_BARE_LF, NULL, 0, 0 },
	{ "final_bare_lf", "0\r\n\n", HTTP_ERR_BARE_LF, NULL, 0, 0 },
	{ "final_bare_cr", "0\r\n\rX", HTTP_ERR_BARE_CR, NULL, 0, 0 },
	{ "ext_empty", "5;\r\nhello\r\n0\r\n\r\n", HTTP_ERR_CHUNK_EXT, NULL,
	    0, 0 },
	{ "ext_no_name", "5;=a\r\n", HTTP_ERR_CHUNK_EXT, NULL, 0, 0 },
	{ "ext_no_value", "5;a=\r\n", HTTP_ERR_CHUNK_EXT, NULL, 0, 0 },
	{ "ext_unterminated", "5;a=\"b\r\nhello\r\n", HTTP_ERR_CHUNK_EXT,
	    NULL, 0, 0 },
	{ "ext_space_in_name", "5;a b\r\n", HTTP_ERR_CHUNK_EXT, NULL, 0, 0 },
	{ "ext_space_in_value", "5;a=b c\r\n", HTTP_ERR_CHUNK_EXT, NULL, 0,
	    0 },
	{ "ext_trailing_bws", "5;a=b \r\n", HTTP_ERR_CHUNK_EXT, NULL, 0, 0 },
	{ "ext_ctl_in_quoted", "5;a=\"\x01\"\r\n", HTTP_ERR_CHUNK_EXT, NULL,
	    0, 0 },
	{ "ext_bad_escape", "5;a=\"\\\x01\"\r\n", HTTP_ERR_CHUNK_EXT, NULL,
	    0, 0 },
	{ "ext_after_quote", "5;a=\"b\"c\r\n", HTTP_ERR_CHUNK_EXT, NULL, 0,
	    0 },
	{ "ext_bare_lf", "5;a\n", HTTP_ERR_BARE_LF, NULL, 0, 0 },
	{ "ext_leading_zeros_long", "0" BIGEXT16 "\r\n", HTTP_ERR_CHUNK_SIZE,
	    NULL, 0, 0 },
	{ "trailer_obs_fold", "0\r\nA: b\r\n c\r\n\r\n", HTTP_ERR_OBS_FOLD,
	    NULL, 0, 0 },
	{ "trailer_ws_colon", "0\r\nA : b\r\n\r\n", HTTP_ERR_WS_COLON, NULL,
	    0, 0 },
	{ "trailer_bad_name", "0\r\nA@: b\r\n\r\n", HTTP_ERR_TRAILER, NULL,
	    0, 0 },
	{ "trailer_empty_name", "0\r\n: b\r\n\r\n", HTTP_ERR_TRAILER, NULL,
	    0, 0 },
	{ "trailer_no_colon", "0\r\nAb\r\n\r\n", HTTP_ERR_TRAILER, NULL, 0,
	    0 },
	{ "trailer_ctl", "0\r\nA: \x01\r\n\r\n", HTTP_ERR_CTL, NULL, 0, 0 },
	{ "trailer_nul", "0\r\nA: \0\r\n\r\n", HTTP_ERR_CTL, NULL, 0, 11 },
	{ "trailer_bare_lf", "0\r\nA: b\n\r\n", HTTP_ERR_BARE_LF, NULL, 0,
	    0 },
	{ "trailer_bare_cr", "0\r\nA: b\rc\r\n\r\n", HTTP_ERR_BARE_CR, NULL,
	    0, 0 },
};

/*
 * Decode in[0..len) cut into pieces at cuts[], each piece against its own
 * guard page, the way a server sees reads. The decoded bytes go to out.
 */
static int
chunked_run(const uint8_t *in, size_t len, const size_t *cuts,
    size_t ncuts, const struct http_limits *lim, uint8_t *out,
    size_t outcap, size_t *outlen, size_t *used)
{
	struct http_chunked st;
	struct guard g;
	const uint8_t *piece, *d;
	size_t i, off = 0, end, pos, c, dl;
	int r = HTTP_AGAIN;

	http_chunked_init(&st, lim);
	*outlen = 0;
	for (i = 0; i <= ncuts; i++) {
		end = i < ncuts ? cuts[i] : len;
		piece = guard_place(&g, in + off, end - off);
		pos = 0;
		for (;;) {
			r = http_chunked_decode(&st, piece + pos,
			    end - off - pos, &c, &d, &dl);
			if (c > end - off - pos)
				fail_msg("consumed %zu > %zu", c,
				    end - off - pos);
			if (r == HTTP_CHUNK_DATA) {
				if (dl == 0 || d + dl != piece + pos + c ||
				    d < piece + pos)
					fail_msg("bad data span");
				if (*outlen + dl > outcap)
					fail_msg("output overflow");
				memcpy(out + *outlen, d, dl);
				*outlen += dl;
			} else if (d != NULL || dl != 0)
				fail_msg("span without DATA");
			pos += c;
			if (r != HTTP_CHUNK_DATA)
				break;
		}
		guard_release(&g);
		if (r != HTTP_AGAIN) {
			*used = off + pos;
			return r;
		}
		if (pos != end - off)
			fail_msg("AGAIN with %zu of %zu used", pos, end - off);
		off = end;
	}
	*used = len;
	return r;
}

/* Whole, byte by byte, and every two-way split must agree. */
static void
check_chunked(const char *name, const uint8_t *in, size_t len,
    const struct http_limits *lim, int want, const uint8_t *body,
    size_t bodylen, size_t wantused)
{
	static uint8_t out0[4096], out1[4096];
	static size_t cuts[4096];
	size_t n0, n1, u0, u1, k;
	int r0, r1;

	if (len > NELEM(cuts))
		fail();
	r0 = chunked_run(in, len, NULL, 0, lim, out0, sizeof(out0), &n0, &u0);
	if (r0 != want)
		fail_msg("%s: whole: %d (%s), want %d", name, r0,
		    http_error_reason(r0), want);
	if (want == HTTP_CHUNK_DONE && (n0 != bodylen ||
	    memcmp(out0, body, n0) != 0 || u0 != wantused))
		fail_msg("%s: body %zu bytes, used %zu", name, n0, u0);
	for (k = 1; k < len; k++)
		cuts[k - 1] = k;
	r1 = chunked_run(in, len, cuts, len ? len - 1 : 0, lim, out1,
	    sizeof(out1), &n1, &u1);
	if (r1 != r0 || n1 != n0 || u1 != u0 || memcmp(out0, out1, n0) != 0)
		fail_msg("%s: byte by byte: %d %zu %zu", name, r1, n1, u1);
	for (k = 1; k < len; k++) {
		r1 = chunked_run(in, len, &k, 1, lim, out1, sizeof(out1),
		    &n1, &u1);
		if (r1 != r0 || n1 != n0 || u1 != u0 ||
		    memcmp(out0, out1, n0) != 0)
			fail_msg("%s: split at %zu: %d", name, k, r1);
	}
}

static void
test_chunked_cases(void **state __attribute__((unused)))
{
	const struct ck_case *c;
	size_t i, len;

	for (i = 0; i < NELEM(ck_cases); i++) {
		c = &ck_cases[i];
		len = c->len ? c->len : strlen(c->in);
		check_chunked(c->name, (const uint8_t *)c->in, len, &deflim,
		    c->want, (const uint8_t *)(c->body ? c->body : ""),
		    c->body ? strlen(c->body) : 0, c->used ? c->used : len);
	}
}

static void
test_chunked_binary(void **state __attribute__((unused)))
{
	static const char in[] = "3\r\n\0\xff\n\r\n0\r\n\r\n";

	check_chunked("binary", (const uint8_t *)in, sizeof(in) - 1, &deflim,
	    HTTP_CHUNK_DONE, (const uint8_t *)"\0\xff\n", 3, sizeof(in) - 1);
}

static void
test_chunked_limits(void **state __attribute__((unused)))
{
	static const char two[] = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
	static const char tr[] = "0\r\nA: b\r\nC: d\r\n\r\n";
	struct http_limits lim = deflim;
	const uint8_t *p2 = (const uint8_t *)two, *pt = (const uint8_t *)tr;

	lim.max_body = 10;
	check_chunked("body_exact", p2, sizeof(two) - 1, &lim,
	    HTTP_CHUNK_DONE, (const uint8_t *)"helloworld", 10,
	    sizeof(two) - 1);
	lim.max_body = 9;
	check_chunked("body_over", p2, sizeof(two) - 1, &lim,
	    HTTP_ERR_BODY_TOO_LARGE, NULL, 0, 0);
	lim.max_body = 0;
	check_chunked("body_zero", (const uint8_t *)"0\r\n\r\n", 5, &lim,
	    HTTP_CHUNK_DONE, (const uint8_t *)"", 0, 5);
	check_chunked("body_zero_over", (const uint8_t *)"1\r\nx\r\n0\r\n\r\n",
	    11, &lim, HTTP_ERR_BODY_TOO_LARGE, NULL, 0, 0);

	lim = deflim;
	lim.max_header_bytes = 14;	/* "A: b\r\nC: d\r\n\r\n" */
	check_chunked("trailer_exact", pt, sizeof(tr) - 1, &lim,
	    HTTP_CHUNK_DONE, (const uint8_t *)"", 0, sizeof(tr) - 1);
	lim.max_header_bytes = 13;
	check_chunked("trailer_over", pt, sizeof(tr) - 1, &lim,
	    HTTP_ERR_TRAILER_TOO_LARGE, NULL, 0, 0);
	lim = deflim;
	lim.max_headers = 2;
	check_chunked("trailer_count_exact", pt, sizeof(tr) - 1, &lim,
	    HTTP_CHUNK_DONE, (const uint8_t *)"", 0, sizeof(tr) - 1);
	lim.max_headers = 1;
	check_chunked("trailer_count_over", pt, sizeof(tr) - 1, &lim,
	    HTTP_ERR_TRAILER_TOO_LARGE, NULL, 0, 0);
}

/* Errors are sticky; DONE stays DONE and consumes nothing more. */
static void
test_chunked_sticky(void **state __attribute__((unused)))
{
	struct http_chunked st;
	const uint8_t *d;
	size_t c, dl;

	http_chunked_init(&st, &deflim);
	assert_int_equal(http_chunked_decode(&st, (const uint8_t *)"z", 1,
	    &c, &d, &dl), HTTP_ERR_CHUNK_SIZE);
	assert_int_equal(c, 1);
	assert_int_equal(http_chunked_decode(&st, (const uint8_t *)"0\r\n\r\n",
	    5, &c, &d, &dl), HTTP_ERR_CHUNK_SIZE);
	assert_int_equal(c, 0);

	http_chunked_init(&st, &deflim);
	assert_int_equal(http_chunked_decode(&st, (const uint8_t *)"0\r\n\r\nX",
	    6, &c, &d, &dl), HTTP_CHUNK_DONE);
	assert_int_equal(c, 5);
	assert_int_equal(http_chunked_decode(&st, (const uint8_t *)"X", 1,
	    &c, &d, &dl), HTTP_CHUNK_DONE);
	assert_int_equal(c, 0);
	assert_int_equal(http_chunked_decode(&st, NULL, 0, &c, &d, &dl),
	    HTTP_CHUNK_DONE);

	http_chunked_init(&st, &deflim);
	assert_int_equal(http_chunked_decode(&st, NULL, 0, &c, &d, &dl),
	    HTTP_AGAIN);
	assert_int_equal(http_chunked_decode(&st, (const uint8_t *)"3\r\nabc",
	    6, &c, &d, &dl), HTTP_CHUNK_DATA);
	assert_int_equal(c, 6);
	assert_int_equal(dl, 3);
	assert_memory_equal(d, "abc", 3);
}

/* A head with a chunked body, then the next request: the whole pipeline. */
static void
test_chunked_after_head(void **state __attribute__((unused)))
{
	static const char in[] = "POST /echo HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_request req;
	struct http_chunked st;
	const uint8_t *p = (const uint8_t *)in, *d;
	size_t off, c, dl, n = 0;
	char body[16];
	int r;

	r = parse_guarded(in, sizeof(in) - 1, &deflim, &req);
	assert_true(r > 0);
	assert_true(req.chunked);
	off = (size_t)r;
	http_chunked_init(&st, &deflim);
	while ((r = http_chunked_decode(&st, p + off, sizeof(in) - 1 - off,
	    &c, &d, &dl)) == HTTP_CHUNK_DATA) {
		assert_true(n + dl <= sizeof(body));
		memcpy(body + n, d, dl);
		n += dl;
		off += c;
	}
	assert_int_equal(r, HTTP_CHUNK_DONE);
	off += c;
	assert_int_equal(n, 9);
	assert_memory_equal(body, "Wikipedia", 9);
	r = parse_guarded(in + off, sizeof(in) - 1 - off, &deflim, &req);
	assert_int_equal(r, (int)(sizeof(in) - 1 - off));
}

/* Bit flips of every valid chunked case: whole and bytewise agree. */
static void
test_chunked_mutations(void **state __attribute__((unused)))
{
	static uint8_t buf[2048], o0[2048], o1[2048];
	static size_t cuts[2048];
	struct http_chunked s0;
	const struct ck_case *c;
	const uint8_t *d;
	size_t i, len, pos, k, n0, n1, u0, u1, cn, dl;
	int bit, r0, r1;

	for (i = 0; i < NELEM(ck_cases); i++) {
		c = &ck_cases[i];
		len = c->len ? c->len : strlen(c->in);
		if (len > 200)
			continue;
		for (k = 1; k < len; k++)
			cuts[k - 1] = k;
		for (pos = 0; pos < len; pos++) {
			for (bit = 0; bit < 8; bit++) {
				memcpy(buf, c->in, len);
				buf[pos] ^= (uint8_t)(1 << bit);
				r0 = chunked_run(buf, len, NULL, 0, &deflim,
				    o0, sizeof(o0), &n0, &u0);
				r1 = chunked_run(buf, len, cuts, len - 1,
				    &deflim, o1, sizeof(o1), &n1, &u1);
				if (r0 != r1 || n0 != n1 || u0 != u1 ||
				    memcmp(o0, o1, n0) != 0)
					fail_msg("%s %zu/%d: %d/%d",
					    c->name, pos, bit, r0, r1);
				if (r0 < 0 && r0 != HTTP_AGAIN &&
				    http_error_status(r0) == 500)
					fail_msg("%s: status 500", c->name);
			}
		}
	}
	/* A plain loop, no guard, to cover the zero-length call path. */
	http_chunked_init(&s0, &deflim);
	assert_int_equal(http_chunked_decode(&s0, buf, 0, &cn, &d, &dl),
	    HTTP_AGAIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_header_views),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_bad_cases),
		cmocka_unit_test(test_bad_case_lengths),
		cmocka_unit_test(test_limit_request_line),
		cmocka_unit_test(test_limit_header_bytes),
		cmocka_unit_test(test_limit_header_count),
		cmocka_unit_test(test_limit_header_count_host),
		cmocka_unit_test(test_limit_body),
		cmocka_unit_test(test_error_status),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_chunked_cases),
		cmocka_unit_test(test_chunked_binary),
		cmocka_unit_test(test_chunked_limits),
		cmocka_unit_test(test_chunked_sticky),
		cmocka_unit_test(test_chunked_after_head),
		cmocka_unit_test(test_chunked_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
