/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 request-head parser: pure, zero-copy (the body: http_chunked.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "http_int.h"

/*
 * Character classes, one byte per octet so the hot loops are a load and a
 * test (picohttpparser's token_char_map, extended to all classes we need).
 */
#define T	0x01	/* tchar (RFC 9110 5.6.2) */
#define R	0x02	/* request-target octet: VCHAR except '#' */
#define V	0x04	/* field-value octet: HTAB SP VCHAR obs-text */
#define H	0x08	/* Host octet: reg-name, IP-literal, ':' port */
#define X	0x10	/* HEXDIG */
#define Q	0x20	/* qdtext (RFC 9110 5.6.4) */

const uint8_t http_cclass[256] = {
	/* 00 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 08 */ 0, V|Q, 0, 0, 0, 0, 0, 0,
	/* 10 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 18 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 20 */ V|Q, T|R|V|H|Q, R|V, T|V|Q,
	/* 24 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 28 */ R|V|H|Q, R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 2c */ R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, R|V|Q,
	/* 30 */ T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q,
	/* 34 */ T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q,
	/* 38 */ T|R|V|H|X|Q, T|R|V|H|X|Q, R|V|H|Q, R|V|H|Q,
	/* 3c */ R|V|Q, R|V|H|Q, R|V|Q, R|V|Q,
	/* 40 */ R|V|Q, T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q,
	/* 44 */ T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|Q,
	/* 48 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 4c */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 50 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 54 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 58 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, R|V|H|Q,
	/* 5c */ R|V, R|V|H|Q, T|R|V|Q, T|R|V|H|Q,
	/* 60 */ T|R|V|Q, T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q,
	/* 64 */ T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|X|Q, T|R|V|H|Q,
	/* 68 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 6c */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 70 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 74 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q,
	/* 78 */ T|R|V|H|Q, T|R|V|H|Q, T|R|V|H|Q, R|V|Q,
	/* 7c */ T|R|V|Q, R|V|Q, T|R|V|H|Q, 0,
	/* 80 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* 88 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* 90 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* 98 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* a0 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* a8 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* b0 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* b8 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* c0 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* c8 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* d0 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* d8 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* e0 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* e8 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* f0 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
	/* f8 */ V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q, V|Q,
};

#undef T
#undef R
#undef V
#undef H
#undef X
#undef Q


static const struct {
	int		 err;
	int		 status;
	const char	*reason;
} errtab[] = {
	{ HTTP_ERR_METHOD,		400, "invalid method" },
	{ HTTP_ERR_REQUEST_LINE,	400, "malformed request line" },
	{ HTTP_ERR_TARGET,		400, "invalid request-target" },
	{ HTTP_ERR_VERSION,		400, "malformed http version" },
	{ HTTP_ERR_VERSION_UNSUPPORTED,	505, "http version not supported" },
	{ HTTP_ERR_LINE_TOO_LONG,	414, "request line too long" },
	{ HTTP_ERR_EMPTY_LINES,		400, "too many empty lines" },
	{ HTTP_ERR_CTL,			400, "control character in head" },
	{ HTTP_ERR_BARE_CR,		400, "bare cr" },
	{ HTTP_ERR_BARE_LF,		400, "bare lf" },
	{ HTTP_ERR_OBS_FOLD,		400, "obsolete line folding" },
	{ HTTP_ERR_FIELD_NAME,		400, "invalid field name" },
	{ HTTP_ERR_WS_COLON,		400, "whitespace before colon" },
	{ HTTP_ERR_HEADERS_TOO_LARGE,	431, "header section too large" },
	{ HTTP_ERR_TOO_MANY_HEADERS,	431, "too many header fields" },
	{ HTTP_ERR_HOST_MISSING,	400, "missing host" },
	{ HTTP_ERR_HOST_DUP,		400, "duplicate host" },
	{ HTTP_ERR_HOST_INVALID,	400, "invalid host" },
	{ HTTP_ERR_AUTH_DUP,		400, "duplicate authorization" },
	{ HTTP_ERR_CL_INVALID,		400, "invalid content-length" },
	{ HTTP_ERR_CL_CONFLICT,		400, "conflicting content-length" },
	{ HTTP_ERR_CL_TE,		400, "both content-length and te" },
	{ HTTP_ERR_TE_INVALID,		400, "invalid transfer-encoding" },
	{ HTTP_ERR_TE_NOT_CHUNKED,	400, "final coding not chunked" },
	{ HTTP_ERR_TE_HTTP10,		400, "transfer-encoding in http/1.0" },
	{ HTTP_ERR_TE_UNSUPPORTED,	501, "coding not implemented" },
	{ HTTP_ERR_EXPECT,		417, "unsupported expectation" },
	{ HTTP_ERR_BODY_TOO_LARGE,	413, "body too large" },
	{ HTTP_ERR_CHUNK_SIZE,		400, "invalid chunk size" },
	{ HTTP_ERR_CHUNK_EXT,		400, "invalid chunk extension" },
	{ HTTP_ERR_CHUNK_DATA,		400, "missing crlf after chunk data" },
	{ HTTP_ERR_TRAILER,		400, "invalid trailer field" },
	{ HTTP_ERR_TRAILER_TOO_LARGE,	431, "trailer section too large" },
	{ HTTP_ERR_STATUS_LINE,		502, "malformed status line" },
	{ GW_ERR_INVALID,		400, "malformed input" },
	{ GW_ERR_RANGE,			400, "number out of range" },
	{ GW_ERR_TOO_LARGE,		413, "too large" },
};

int
http_error_status(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].err == err)
			return errtab[i].status;
	return 500;
}

const char *
http_error_reason(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].err == err)
			return errtab[i].reason;
	return err == HTTP_AGAIN ? "incomplete" : "internal error";
}

/* Semantic state collected while the fields go by. */
struct hstate {
	unsigned int	 nhost;
	struct http_te	 te;
	struct http_conn_opts conn;
	int		 expect_seen;
	int		 expect_bad;
};

static int
method_id(const uint8_t *m, size_t n)
{
	switch (n) {
	case 3:
		if (memcmp(m, "GET", 3) == 0)
			return HTTP_M_GET;
		if (memcmp(m, "PUT", 3) == 0)
			return HTTP_M_PUT;
		break;
	case 4:
		if (memcmp(m, "HEAD", 4) == 0)
			return HTTP_M_HEAD;
		if (memcmp(m, "POST", 4) == 0)
			return HTTP_M_POST;
		break;
	case 5:
		if (memcmp(m, "PATCH", 5) == 0)
			return HTTP_M_PATCH;
		if (memcmp(m, "TRACE", 5) == 0)
			return HTTP_M_TRACE;
		break;
	case 6:
		if (memcmp(m, "DELETE", 6) == 0)
			return HTTP_M_DELETE;
		break;
	case 7:
		if (memcmp(m, "OPTIONS", 7) == 0)
			return HTTP_M_OPTIONS;
		if (memcmp(m, "CONNECT", 7) == 0)
			return HTTP_M_CONNECT;
		break;
	}
	return HTTP_M_OTHER;
}

/* authority-form for CONNECT: host ":" 1*DIGIT, no userinfo. */
static int
valid_authority(const uint8_t *t, size_t n)
{
	size_t i, colon;

	for (colon = n; colon > 0; colon--)
		if (t[colon - 1] == ':')
			break;
	if (colon < 2 || colon == n)
		return 0;
	for (i = colon; i < n; i++)
		if (!IS_DIGIT(t[i]))
			return 0;
	for (i = 0; i < colon - 1; i++)
		if (!IS(t[i], C_HOST))
			return 0;
	return 1;
}

/* Classify the request-target and check that it suits the method. */
static int
target_form(const uint8_t *t, size_t n, int method, int *form)
{
	size_t i;

	if (method == HTTP_M_CONNECT) {
		if (!valid_authority(t, n))
			return HTTP_ERR_TARGET;
		*form = HTTP_TF_AUTHORITY;
		return 0;
	}
	if (t[0] == '/') {
		*form = HTTP_TF_ORIGIN;
		return 0;
	}
	if (n == 1 && t[0] == '*') {
		if (method != HTTP_M_OPTIONS)
			return HTTP_ERR_TARGET;
		*form = HTTP_TF_ASTERISK;
		return 0;
	}
	/* absolute-URI: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (!((t[0] | 0x20) >= 'a' && (t[0] | 0x20) <= 'z'))
		return HTTP_ERR_TARGET;
	for (i = 1; i < n; i++) {
		if (t[i] == ':')
			break;
		if (!(((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'z') ||
		    IS_DIGIT(t[i]) || t[i] == '+' || t[i] == '-' ||
		    t[i] == '.'))
			return HTTP_ERR_TARGET;
	}
	if (i == n)
		return HTTP_ERR_TARGET;
	*form = HTTP_TF_ABSOLUTE;
	return 0;
}

/*
 * Request line. Every byte of it, CRLF included, must lie below
 * start + max: reaching that point is a 414 even if the buffer ends there,
 * because the next byte could only make the line longer.
 */
static int
parse_request_line(const uint8_t **pp, const uint8_t *end, uint32_t max,
    struct http_request *req)
{
	static const char ver[] = "HTTP/x.y\r\n";
	const uint8_t *p = *pp, *s, *bound;
	int over, r, i;

	if ((size_t)(end - p) >= max) {
		bound = p + max;
		over = HTTP_ERR_LINE_TOO_LONG;
	} else {
		bound = end;
		over = HTTP_AGAIN;
	}

	s = p;
	while (p < bound && IS(*p, C_TCHAR))
		p++;
	if (p == bound)
		return over;
	if (*p != ' ')
		return p == s ? HTTP_ERR_REQUEST_LINE : HTTP_ERR_METHOD;
	if (p == s)
		return HTTP_ERR_REQUEST_LINE;
	req->method = s;
	req->method_len = (size_t)(p - s);

	s = ++p;
	while (p < bound && IS(*p, C_TARGET))
		p++;
	if (p == bound)
		return over;
	if (*p != ' ')
		return HTTP_ERR_TARGET;
	if (p == s)
		return HTTP_ERR_REQUEST_LINE;
	req->target = s;
	req->target_len = (size_t)(p - s);

	s = ++p;
	for (i = 0; i < 10; i++) {
		if (p + i == bound)
			return over;
		switch (i) {
		case 5:
		case 7:
			if (!IS_DIGIT(p[i]))
				return HTTP_ERR_VERSION;
			break;
		case 8:
			if (p[i] != '\r')
				return p[i] == '\n' ? HTTP_ERR_BARE_LF :
				    HTTP_ERR_VERSION;
			break;
		case 9:
			if (p[i] != '\n')
				return HTTP_ERR_BARE_CR;
			break;
		default:
			if (p[i] != (uint8_t)ver[i])
				return HTTP_ERR_VERSION;
			break;
		}
	}
	if (s[5] != '1')
		return HTTP_ERR_VERSION_UNSUPPORTED;
	/* RFC 9110 2.5: a higher 1.x is served as the highest we know. */
	req->minor_version = s[7] > '1' ? 1 : s[7] - '0';
	req->method_id = method_id(req->method, req->method_len);
	if ((r = target_form(req->target, req->target_len, req->method_id,
	    &req->target_form)) != 0)
		return r;
	*pp = p + 10;
	return 0;
}

/* Content-Length = 1*DIGIT, or a list of identical values (RFC 9110 8.6). */
int
http_parse_content_length(const uint8_t *v, size_t n, uint64_t *out)
{
	uint64_t val, first = 0;
	size_t i = 0;
	unsigned int d;
	int nelem = 0;

	for (;;) {
		while (i < n && IS_WS(v[i]))
			i++;
		if (i == n || !IS_DIGIT(v[i]))
			return HTTP_ERR_CL_INVALID;
		val = 0;
		while (i < n && IS_DIGIT(v[i])) {
			d = v[i++] - '0';
			if (val > (UINT64_MAX - d) / 10)
				return HTTP_ERR_CL_INVALID;
			val = val * 10 + d;
		}
		while (i < n && IS_WS(v[i]))
			i++;
		if (nelem++ > 0 && val != first)
			return HTTP_ERR_CL_CONFLICT;
		first = val;
		if (i == n)
			break;
		if (v[i++] != ',')
			return HTTP_ERR_CL_INVALID;
	}
	*out = first;
	return 0;
}

/* Transfer-Encoding: a list of bare tokens; only chunked is known. */
int
http_parse_te(const uint8_t *v, size_t n, struct http_te *te)
{
	size_t i = 0, s;

	te->seen = 1;
	for (;;) {
		while (i < n && IS_WS(v[i]))
			i++;
		s = i;
		while (i < n && IS(v[i], C_TCHAR))
			i++;
		if (i == s)
			return HTTP_ERR_TE_INVALID;
		if (CI_EQ(v + s, i - s, "chunked")) {
			if (te->chunked)
				return HTTP_ERR_TE_INVALID;
			te->chunked = 1;
			te->last_chunked = 1;
		} else {
			te->last_chunked = 0;
			te->other = 1;
		}
		while (i < n && IS_WS(v[i]))
			i++;
		if (i == n)
			return 0;
		if (v[i++] != ',')
			return HTTP_ERR_TE_INVALID;
	}
}

int
http_list_next(const uint8_t *v, size_t n, size_t *pos, const uint8_t **elem,
    size_t *elen)
{
	size_t i = *pos, s, e;

	while (i < n && (IS_WS(v[i]) || v[i] == ','))
		i++;
	if (i == n) {
		*pos = n;
		return 0;
	}
	s = i;
	while (i < n && v[i] != ',')
		i++;
	e = i;
	while (e > s && IS_WS(v[e - 1]))
		e--;
	*pos = i;
	*elem = v + s;
	*elen = e - s;
	return 1;
}

/* Connection: a list of options; close, keep-alive and upgrade matter. */
void
http_parse_connection(const uint8_t *v, size_t n, struct http_conn_opts *co)
{
	const uint8_t *e;
	size_t pos = 0, el;

	while (http_list_next(v, n, &pos, &e, &el)) {
		if (CI_EQ(e, el, "close"))
			co->close = 1;
		else if (CI_EQ(e, el, "keep-alive"))
			co->keep_alive = 1;
		else if (CI_EQ(e, el, "upgrade"))
			co->upgrade = 1;
	}
}

/* Act on the fields the server's decisions depend on. */
static int
on_field(const struct http_header *h, struct http_request *req,
    struct hstate *hs)
{
	const uint8_t *n = h->name, *v = h->value;
	size_t nl = h->name_len, vl = h->value_len, i;
	uint64_t cl;
	int r;

	switch (nl) {
	case 4:
		if (!CI_EQ(n, nl, "host"))
			break;
		if (hs->nhost++ > 0)
			return HTTP_ERR_HOST_DUP;
		for (i = 0; i < vl; i++)
			if (!IS(v[i], C_HOST))
				return HTTP_ERR_HOST_INVALID;
		req->host = v;
		req->host_len = vl;
		break;
	case 6:
		if (!CI_EQ(n, nl, "expect"))
			break;
		hs->expect_seen = 1;
		if (!CI_EQ(v, vl, "100-continue"))
			hs->expect_bad = 1;
		break;
	case 10:
		if (CI_EQ(n, nl, "connection"))
			http_parse_connection(v, vl, &hs->conn);
		break;
	case 13:
		if (!CI_EQ(n, nl, "authorization"))
			break;
		if (req->authorization != NULL)
			return HTTP_ERR_AUTH_DUP;
		req->authorization = v;
		req->authorization_len = vl;
		break;
	case 14:
		if (!CI_EQ(n, nl, "content-length"))
			break;
		if ((r = http_parse_content_length(v, vl, &cl)) != 0)
			return r;
		if (req->has_content_length && req->content_length != cl)
			return HTTP_ERR_CL_CONFLICT;
		req->content_length = cl;
		req->has_content_length = 1;
		break;
	case 17:
		if (CI_EQ(n, nl, "transfer-encoding"))
			return http_parse_te(v, vl, &hs->te);
		break;
	}
	return 0;
}

/* Field lines up to and including the empty line. */
static int
parse_fields(const uint8_t **pp, const uint8_t *end, uint32_t max,
    size_t maxn, struct http_request *req, struct hstate *hs)
{
	const uint8_t *bound;
	struct http_header *h;
	int over, r;

	if ((size_t)(end - *pp) >= max) {
		bound = *pp + max;
		over = HTTP_ERR_HEADERS_TOO_LARGE;
	} else {
		bound = end;
		over = HTTP_AGAIN;
	}
	for (;;) {
		/* No &headers[0] of a NULL array: UBSan rejects NULL + 0. */
		h = req->nheaders < maxn ? &req->headers[req->nheaders] : NULL;
		if ((r = http_field_line(pp, bound, over, h == NULL, h)) != 1)
			return r;
		req->nheaders++;
		if ((r = on_field(h, req, hs)) != 0)
			return r;
	}
}

/* Checks that need the whole head; the order is documented in http.h. */
static int
finish(struct http_request *req, const struct hstate *hs, uint64_t max_body)
{
	if (hs->te.seen && req->minor_version == 0)
		return HTTP_ERR_TE_HTTP10;
	if (hs->te.seen && req->has_content_length)
		return HTTP_ERR_CL_TE;
	if (hs->te.seen && !hs->te.last_chunked)
		return HTTP_ERR_TE_NOT_CHUNKED;
	if (req->minor_version == 1 && hs->nhost == 0)
		return HTTP_ERR_HOST_MISSING;
	if (hs->te.other)
		return HTTP_ERR_TE_UNSUPPORTED;
	if (hs->expect_bad)
		return HTTP_ERR_EXPECT;
	if (req->has_content_length && req->content_length > max_body)
		return HTTP_ERR_BODY_TOO_LARGE;
	req->chunked = hs->te.seen;
	req->expect_continue = hs->expect_seen && req->minor_version == 1;
	if (hs->conn.close)
		req->keep_alive = 0;
	else
		req->keep_alive = req->minor_version == 1 ||
		    hs->conn.keep_alive;
	return 0;
}

int
http_parse_request(const uint8_t *buf, size_t len,
    const struct http_limits *lim, struct http_request *req)
{
	const uint8_t *p = buf, *end = buf;
	struct hstate hs;
	uint32_t maxline, maxhdr;
	size_t maxn;
	int i, r;

	if (len > 0)
		end = buf + len;
	memset(&hs, 0, sizeof(hs));
	req->nheaders = 0;
	req->method = req->target = req->host = req->authorization = NULL;
	req->method_len = req->target_len = req->host_len = 0;
	req->authorization_len = 0;
	req->method_id = HTTP_M_OTHER;
	req->target_form = HTTP_TF_ORIGIN;
	req->minor_version = 0;
	req->content_length = 0;
	req->has_content_length = req->chunked = req->keep_alive = 0;
	req->expect_continue = 0;

	maxline = lim->max_request_line < HTTP_LIMIT_CAP ?
	    lim->max_request_line : HTTP_LIMIT_CAP;
	maxhdr = lim->max_header_bytes < HTTP_LIMIT_CAP ?
	    lim->max_header_bytes : HTTP_LIMIT_CAP;
	maxn = lim->max_headers < req->max_headers ?
	    lim->max_headers : req->max_headers;
	if (req->headers == NULL)
		maxn = 0;

	/* RFC 9112 2.2: ignore a few empty lines before the request line. */
	for (i = 0;; i++) {
		if (p == end)
			return HTTP_AGAIN;
		if (*p == '\n')
			return HTTP_ERR_BARE_LF;
		if (*p != '\r')
			break;
		if (i == HTTP_MAX_EMPTY_LINES)
			return HTTP_ERR_EMPTY_LINES;
		if (p + 1 == end)
			return HTTP_AGAIN;
		if (p[1] != '\n')
			return HTTP_ERR_BARE_CR;
		p += 2;
	}

	if ((r = parse_request_line(&p, end, maxline, req)) != 0 ||
	    (r = parse_fields(&p, end, maxhdr, maxn, req, &hs)) != 0 ||
	    (r = finish(req, &hs, lim->max_body)) != 0)
		return r;
	return (int)(p - buf);
}
