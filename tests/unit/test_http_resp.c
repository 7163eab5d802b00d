/* SPDX-License-Identifier: ISC */
/* Unit tests for http_resp.c: response heads, table driven. */
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
	8192,		/* max_request_line: the status line */
	16384,		/* max_header_bytes */
	100,		/* max_headers */
	1 << 20,	/* max_body: not used */
};

static struct http_header hdrs[HTTP_MAX_HEADERS];

/* Parse in[0..len) against a guard page; the copy lives until next call. */
static int
parse_guarded(const void *in, size_t len, const struct http_limits *lim,
    struct http_response *rsp)
{
	static struct guard g;
	uint8_t *p;

	guard_release(&g);
	memset(rsp, 0, sizeof(*rsp));
	rsp->headers = hdrs;
	rsp->max_headers = HTTP_MAX_HEADERS;
	p = guard_place(&g, in, len);
	return http_parse_response(p, len, lim, rsp);
}

/* Every strict prefix: HTTP_AGAIN or the final result. */
static void
check_prefixes(const char *name, const void *in, size_t len,
    const struct http_limits *lim, int want)
{
	struct http_response rsp;
	size_t k;
	int r;

	for (k = 0; k < len; k++) {
		r = parse_guarded(in, k, lim, &rsp);
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
/* Accepted heads. */

struct ok_case {
	const char	*name;
	const char	*in;
	int		 head1;		/* head ends at the first CRLFCRLF */
	int		 minor;
	int		 status;
	const char	*reason;
	uint64_t	 cl;		/* NOVAL: none */
	int		 chunked;
	int		 keep_alive;
	int		 conn_upgrade;
	const char	*upgrade;
	const char	*ctype;
	size_t		 nheaders;
};

static const struct ok_case ok_cases[] = {
	{ "ok_cl", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", 0,
	    1, 200, "OK", 2, 0, 1, 0, NULL, NULL, 1 },
	{ "ok_cl_body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", 1,
	    1, 200, "OK", 2, 0, 1, 0, NULL, NULL, 1 },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Type: application/json\r\n\r\n", 0,
	    1, 200, "OK", NOVAL, 1, 1, 0, NULL, "application/json", 2 },
	{ "chunked_case_ows", "HTTP/1.1 200 OK\r\n"
	    "transfer-encoding: \tChunked \r\n\r\n", 0,
	    1, 200, "OK", NOVAL, 1, 1, 0, NULL, NULL, 1 },
	{ "docker_101", "HTTP/1.1 101 UPGRADED\r\n"
	    "Content-Type: application/vnd.docker.raw-stream\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n", 0,
	    1, 101, "UPGRADED", NOVAL, 0, 1, 1, "tcp",
	    "application/vnd.docker.raw-stream", 3 },
	{ "docker_101_then_stream", "HTTP/1.1 101 UPGRADED\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n\x01\x00\x00\x00", 1,
	    1, 101, "UPGRADED", NOVAL, 0, 1, 1, "tcp", NULL, 2 },
	{ "docker_hijack_200", "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/vnd.docker.multiplexed-stream\r\n"
	    "Api-Version: 1.43\r\n\r\n", 0,
	    1, 200, "OK", NOVAL, 0, 1, 0, NULL,
	    "application/vnd.docker.multiplexed-stream", 2 },
	{ "empty_reason", "HTTP/1.1 204 \r\n\r\n", 0,
	    1, 204, "", NOVAL, 0, 1, 0, NULL, NULL, 0 },
	{ "empty_reason_no_sp", "HTTP/1.1 204\r\n\r\n", 0,
	    1, 204, "", NOVAL, 0, 1, 0, NULL, NULL, 0 },
	{ "reason_spaces_obs_text", "HTTP/1.1 404 Not \t Found \xe9\r\n\r\n", 0,
	    1, 404, "Not \t Found \xe9", NOVAL, 0, 1, 0, NULL, NULL, 0 },
	{ "http10_close", "HTTP/1.0 200 OK\r\n\r\n", 0,
	    0, 200, "OK", NOVAL, 0, 0, 0, NULL, NULL, 0 },
	{ "http10_keepalive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "Content-Length: 0\r\n\r\n", 0,
	    0, 200, "OK", 0, 0, 1, 0, NULL, NULL, 2 },
	{ "http11_close", "HTTP/1.1 500 Boom\r\nConnection: foo, Close\r\n"
	    "\r\n", 0,
	    1, 500, "Boom", NOVAL, 0, 0, 0, NULL, NULL, 1 },
	{ "close_second_line", "HTTP/1.1 200 OK\r\nConnection: upgrade\r\n"
	    "Connection: close\r\n\r\n", 0,
	    1, 200, "OK", NOVAL, 0, 0, 1, NULL, NULL, 2 },
	{ "status_100", "HTTP/1.1 100 Continue\r\n\r\n", 0,
	    1, 100, "Continue", NOVAL, 0, 1, 0, NULL, NULL, 0 },
	{ "status_599", "HTTP/1.1 599 x\r\n\r\n", 0,
	    1, 599, "x", NOVAL, 0, 1, 0, NULL, NULL, 0 },
	{ "cl_list_same", "HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n"
	    "content-length: 7\r\n\r\n", 0,
	    1, 200, "OK", 7, 0, 1, 0, NULL, NULL, 2 },
	{ "cl_huge", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 18446744073709551614\r\n\r\n", 0,
	    1, 200, "OK", UINT64_MAX - 1, 0, 1, 0, NULL, NULL, 1 },
	{ "first_upgrade_ctype", "HTTP/1.1 101 Switching\r\n"
	    "Upgrade: websocket\r\nUpgrade: h2c\r\nContent-Type: a\r\n"
	    "Content-Type: b\r\nConnection: upgrade\r\n\r\n", 0,
	    1, 101, "Switching", NOVAL, 0, 1, 1, "websocket", "a", 5 },
	{ "head_answer_cl", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n"
	    "X-Empty:\r\n\r\n", 0,
	    1, 200, "OK", 1234, 0, 1, 0, NULL, NULL, 2 },
};

static void
check_ok(const struct ok_case *c)
{
	struct http_response rsp;
	size_t len = strlen(c->in), head = len;
	const char *e;
	int r;

	if (c->head1) {
		e = strstr(c->in, "\r\n\r\n");
		assert_non_null(e);
		head = (size_t)(e - c->in) + 4;
	}
	r = parse_guarded(c->in, len, &deflim, &rsp);
	if (r != (int)head)
		fail_msg("%s: %d (%s), want %zu", c->name, r,
		    http_error_reason(r), head);
	if (rsp.minor_version != c->minor || rsp.status != c->status ||
	    !view_eq(rsp.reason, rsp.reason_len, c->reason) ||
	    rsp.chunked != c->chunked || rsp.keep_alive != c->keep_alive ||
	    rsp.conn_upgrade != c->conn_upgrade ||
	    !view_eq(rsp.upgrade, rsp.upgrade_len, c->upgrade) ||
	    !view_eq(rsp.content_type, rsp.content_type_len, c->ctype) ||
	    rsp.nheaders != c->nheaders)
		fail_msg("%s: fields differ", c->name);
	if (c->cl == NOVAL ? rsp.has_content_length :
	    !rsp.has_content_length || rsp.content_length != c->cl)
		fail_msg("%s: content-length", c->name);
	check_prefixes(c->name, c->in, len, &deflim, (int)head);
}

static void
test_ok_cases(void **state __attribute__((unused)))
{
	size_t i;

	for (i = 0; i < NELEM(ok_cases); i++)
		check_ok(&ok_cases[i]);
}

static void
test_header_views(void **state __attribute__((unused)))
{
	static const char in[] = "HTTP/1.1 200 OK\r\nA:  b c \t\r\n"
	    "Server: x\r\n\r\n";
	struct http_response rsp;

	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &deflim, &rsp),
	    sizeof(in) - 1);
	assert_int_equal(rsp.nheaders, 2);
	assert_true(view_eq(hdrs[0].name, hdrs[0].name_len, "A"));
	assert_true(view_eq(hdrs[0].value, hdrs[0].value_len, "b c"));
	assert_true(view_eq(hdrs[1].name, hdrs[1].name_len, "Server"));
	assert_true(view_eq(hdrs[1].value, hdrs[1].value_len, "x"));
	/* NULL with length 0 is an empty buffer. */
	memset(&rsp, 0, sizeof(rsp));
	rsp.headers = hdrs;
	rsp.max_headers = 1;
	assert_int_equal(http_parse_response(NULL, 0, &deflim, &rsp),
	    HTTP_AGAIN);
}

/* ---------------------------------------------------------------- */
/* Refused heads. */

struct bad_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 err;
};

static const struct bad_case bad_cases[] = {
	{ "leading_crlf", "\r\nHTTP/1.1 200 OK\r\n\r\n", 0,
	    HTTP_ERR_STATUS_LINE },
	{ "not_http", "HTTX/1.1 200 OK\r\n\r\n", 0, HTTP_ERR_STATUS_LINE },
	{ "lower_http", "http/1.1 200 OK\r\n\r\n", 0, HTTP_ERR_STATUS_LINE },
	{ "http2", "HTTP/2.0 200 OK\r\n\r\n", 0,
	    HTTP_ERR_VERSION_UNSUPPORTED },
	{ "http2_bare", "HTTP/2 200 OK\r\n\r\n", 0, HTTP_ERR_VERSION },
	{ "http12", "HTTP/1.2 200 OK\r\n\r\n", 0,
	    HTTP_ERR_VERSION_UNSUPPORTED },
	{ "http09", "HTTP/0.9 200 OK\r\n\r\n", 0,
	    HTTP_ERR_VERSION_UNSUPPORTED },
	{ "version_letter", "HTTP/1.x 200 OK\r\n\r\n", 0, HTTP_ERR_VERSION },
	{ "version_comma", "HTTP/1,1 200 OK\r\n\r\n", 0, HTTP_ERR_VERSION },
	{ "two_sp", "HTTP/1.1  200 OK\r\n\r\n", 0, HTTP_ERR_STATUS_LINE },
	{ "status_2_digits", "HTTP/1.1 20 OK\r\n\r\n", 0,
	    HTTP_ERR_STATUS_LINE },
	{ "status_2_digits_crlf", "HTTP/1.1 20\r\n\r\n", 0,
	    HTTP_ERR_STATUS_LINE },
	{ "status_4_digits", "HTTP/1.1 2000 OK\r\n\r\n", 0,
	    HTTP_ERR_STATUS_LINE },
	{ "status_099", "HTTP/1.1 099 x\r\n\r\n", 0, HTTP_ERR_STATUS_LINE },
	{ "status_600", "HTTP/1.1 600 x\r\n\r\n", 0, HTTP_ERR_STATUS_LINE },
	{ "status_sign", "HTTP/1.1 +20 x\r\n\r\n", 0, HTTP_ERR_STATUS_LINE },
	{ "status_tab", "HTTP/1.1 200\tOK\r\n\r\n", 0, HTTP_ERR_STATUS_LINE },
	{ "status_bare_lf", "HTTP/1.1 200\n\r\n", 0, HTTP_ERR_BARE_LF },
	{ "reason_bare_lf", "HTTP/1.1 200 OK\n\r\n", 0, HTTP_ERR_BARE_LF },
	{ "reason_bare_cr", "HTTP/1.1 200 OK\rX\r\n\r\n", 0,
	    HTTP_ERR_BARE_CR },
	{ "reason_ctl", "HTTP/1.1 200 O\x01K\r\n\r\n", 0, HTTP_ERR_CTL },
	{ "reason_nul", "HTTP/1.1 200 O\0K\r\n\r\n", 20, HTTP_ERR_CTL },
	{ "reason_del", "HTTP/1.1 200 O\x7fK\r\n\r\n", 0, HTTP_ERR_CTL },
	{ "field_bare_lf", "HTTP/1.1 200 OK\r\nA: b\n\r\n", 0,
	    HTTP_ERR_BARE_LF },
	{ "field_bare_cr", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", 0,
	    HTTP_ERR_BARE_CR },
	{ "end_bare_lf", "HTTP/1.1 200 OK\r\nA: b\r\n\n", 0,
	    HTTP_ERR_BARE_LF },
	{ "end_bare_cr", "HTTP/1.1 200 OK\r\n\rX", 0, HTTP_ERR_BARE_CR },
	{ "obs_fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 0,
	    HTTP_ERR_OBS_FOLD },
	{ "obs_fold_first", "HTTP/1.1 200 OK\r\n\tA: b\r\n\r\n", 0,
	    HTTP_ERR_OBS_FOLD },
	{ "ws_colon", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", 0,
	    HTTP_ERR_WS_COLON },
	{ "bad_name", "HTTP/1.1 200 OK\r\nA(b: c\r\n\r\n", 0,
	    HTTP_ERR_FIELD_NAME },
	{ "empty_name", "HTTP/1.1 200 OK\r\n: c\r\n\r\n", 0,
	    HTTP_ERR_FIELD_NAME },
	{ "value_ctl", "HTTP/1.1 200 OK\r\nA: b\x0b\r\n\r\n", 0,
	    HTTP_ERR_CTL },
	{ "cl_te", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, HTTP_ERR_CL_TE },
	{ "te_cl", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", 0, HTTP_ERR_CL_TE },
	{ "cl_conflict", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", 0, HTTP_ERR_CL_CONFLICT },
	{ "cl_list_conflict", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n"
	    "\r\n", 0, HTTP_ERR_CL_CONFLICT },
	{ "cl_sign", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "cl_overflow", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 18446744073709551616\r\n\r\n", 0,
	    HTTP_ERR_CL_INVALID },
	{ "te_gzip_chunked", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", 0,
	    HTTP_ERR_TE_UNSUPPORTED },
	{ "te_chunked_gzip", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", 0,
	    HTTP_ERR_TE_NOT_CHUNKED },
	{ "te_gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0,
	    HTTP_ERR_TE_NOT_CHUNKED },
	{ "te_chunked_twice", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n", 0, HTTP_ERR_TE_INVALID },
	{ "te_empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", 0,
	    HTTP_ERR_TE_INVALID },
	{ "te_quoted", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \"chunked\"\r\n"
	    "\r\n", 0, HTTP_ERR_TE_INVALID },
	{ "te_http10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n", 0, HTTP_ERR_TE_HTTP10 },
};

static void
check_bad(const char *name, const void *in, size_t len,
    const struct http_limits *lim, int want)
{
	struct http_response rsp;
	int r;

	r = parse_guarded(in, len, lim, &rsp);
	if (r != want)
		fail_msg("%s: %d (%s), want %d (%s)", name, r,
		    http_error_reason(r), want, http_error_reason(want));
	check_prefixes(name, in, len, lim, want);
}

static void
test_bad_cases(void **state __attribute__((unused)))
{
	const struct bad_case *c;
	size_t i;

	for (i = 0; i < NELEM(bad_cases); i++) {
		c = &bad_cases[i];
		check_bad(c->name, c->in, c->len ? c->len : strlen(c->in),
		    &deflim, c->err);
	}
	assert_int_equal(http_error_status(HTTP_ERR_STATUS_LINE), 502);
	assert_string_equal(http_error_reason(HTTP_ERR_STATUS_LINE),
	    "malformed status line");
}

/* ---------------------------------------------------------------- */
/* Limits, checked while the head is incomplete. */

static void
test_limits(void **state __attribute__((unused)))
{
	static const char in[] = "HTTP/1.1 200 OK\r\nA: b\r\nC: d\r\n\r\n";
	struct http_limits lim = deflim;
	struct http_response rsp;
	struct http_header two[2];
	struct guard g;
	char big[2048];
	uint8_t *p;

	lim.max_request_line = 17;	/* "HTTP/1.1 200 OK\r\n" */
	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &lim, &rsp),
	    sizeof(in) - 1);
	lim.max_request_line = 16;
	check_bad("sl_one_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_LINE_TOO_LONG);
	lim.max_request_line = 0;
	check_bad("sl_zero", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_LINE_TOO_LONG);

	lim = deflim;
	lim.max_header_bytes = 14;	/* "A: b\r\nC: d\r\n\r\n" */
	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &lim, &rsp),
	    sizeof(in) - 1);
	lim.max_header_bytes = 13;
	check_bad("hb_one_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_HEADERS_TOO_LARGE);

	lim = deflim;
	lim.max_headers = 2;
	assert_int_equal(parse_guarded(in, sizeof(in) - 1, &lim, &rsp),
	    sizeof(in) - 1);
	lim.max_headers = 1;
	check_bad("hc_one_over", in, sizeof(in) - 1, &lim,
	    HTTP_ERR_TOO_MANY_HEADERS);
	/* The caller's array is a limit too, and NULL means none. */
	memset(&rsp, 0, sizeof(rsp));
	rsp.headers = two;
	rsp.max_headers = 1;
	p = guard_place(&g, in, sizeof(in) - 1);
	assert_int_equal(http_parse_response(p, sizeof(in) - 1, &deflim,
	    &rsp), HTTP_ERR_TOO_MANY_HEADERS);
	rsp.headers = NULL;
	rsp.max_headers = 100;
	assert_int_equal(http_parse_response(p, sizeof(in) - 1, &deflim,
	    &rsp), HTTP_ERR_TOO_MANY_HEADERS);
	guard_release(&g);

	/* An upstream that never ends its reason or its value. */
	lim = deflim;
	lim.max_request_line = 512;
	lim.max_header_bytes = 512;
	memset(big, 'r', sizeof(big));
	memcpy(big, "HTTP/1.1 200 ", 13);
	assert_int_equal(parse_guarded(big, 511, &lim, &rsp), HTTP_AGAIN);
	assert_int_equal(parse_guarded(big, 512, &lim, &rsp),
	    HTTP_ERR_LINE_TOO_LONG);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	assert_int_equal(parse_guarded(big, 17 + 511, &lim, &rsp),
	    HTTP_AGAIN);
	assert_int_equal(parse_guarded(big, 17 + 512, &lim, &rsp),
	    HTTP_ERR_HEADERS_TOO_LARGE);
}

/* ---------------------------------------------------------------- */
/* Bit flips of every accepted head keep the split rule (ASan run). */

static void
test_mutations(void **state __attribute__((unused)))
{
	struct http_response rsp;
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
				memset(&rsp, 0, sizeof(rsp));
				rsp.headers = hdrs;
				rsp.max_headers = HTTP_MAX_HEADERS;
				r = http_parse_response(buf, len, &deflim,
				    &rsp);
				if (r == 0 || r > (int)len || (r > 0 &&
				    (rsp.status < 100 || rsp.status > 599)) ||
				    (r < 0 && r != HTTP_AGAIN &&
				    http_error_status(r) == 500))
					fail_msg("mut %s %zu/%d: %d",
					    ok_cases[i].name, pos, bit, r);
				for (k = 0; k < len; k++) {
					rk = http_parse_response(buf, k,
					    &deflim, &rsp);
					if (rk != HTTP_AGAIN && rk != r &&
					    !(r > 0 && (size_t)r <= k))
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_header_views),
		cmocka_unit_test(test_bad_cases),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
