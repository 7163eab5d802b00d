/* SPDX-License-Identifier: ISC */
/* HTTP/1.x response-head parser for service proxy: pure, zero-copy. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "http_int.h"

/* What the fields said, collected while they go by. */
struct rstate {
	struct http_te	 te;
	struct http_conn_opts conn;
};

/*
 * "HTTP/" DIGIT "." DIGIT SP 3DIGIT [ SP reason ] CRLF. As for a request
 * line, every byte of it, CRLF included, must lie below start + max.
 * Each byte is judged on the bytes before it only, so that any prefix
 * gives HTTP_AGAIN or the final answer.
 */
static int
parse_status_line(const uint8_t **pp, const uint8_t *end, uint32_t max,
    struct http_response *rsp)
{
	static const char ver[] = "HTTP/x.y DDD";
	const uint8_t *p = *pp, *s, *bound;
	int over, i;

	if ((size_t)(end - p) >= max) {
		bound = p + max;
		over = HTTP_ERR_LINE_TOO_LONG;
	} else {
		bound = end;
		over = HTTP_AGAIN;
	}
	for (i = 0; i < 12; i++) {
		if (p + i == bound)
			return over;
		switch (i) {
		case 5:
		case 7:
			if (!IS_DIGIT(p[i]))
				return HTTP_ERR_VERSION;
			if (i == 7 && (p[5] != '1' || p[7] > '1'))
				return HTTP_ERR_VERSION_UNSUPPORTED;
			break;
		case 9:
			if (p[i] < '1' || p[i] > '5')
				return HTTP_ERR_STATUS_LINE;
			break;
		case 10:
		case 11:
			if (!IS_DIGIT(p[i]))
				return HTTP_ERR_STATUS_LINE;
			break;
		default:
			if (p[i] != (uint8_t)ver[i])
				return i < 5 ? HTTP_ERR_STATUS_LINE :
				    i == 6 ? HTTP_ERR_VERSION :
				    HTTP_ERR_STATUS_LINE;
			break;
		}
	}
	rsp->minor_version = p[7] - '0';
	rsp->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	p += 12;
	if (p == bound)
		return over;
	/* RFC 9112 4: accept a missing SP when the reason is empty. */
	if (*p == ' ')
		p++;
	else if (*p == '\n')
		return HTTP_ERR_BARE_LF;
	else if (*p != '\r')
		return HTTP_ERR_STATUS_LINE;
	s = p;
	while (p < bound && IS(*p, C_VALUE))
		p++;
	if (p == bound)
		return over;
	if (*p != '\r')
		return *p == '\n' ? HTTP_ERR_BARE_LF : HTTP_ERR_CTL;
	if (p + 1 == bound)
		return over;
	if (p[1] != '\n')
		return HTTP_ERR_BARE_CR;
	rsp->reason = s;
	rsp->reason_len = (size_t)(p - s);
	*pp = p + 2;
	return 0;
}

/*
 * The fields a proxy's decisions depend on. Upgrade and Content-Type are
 * singletons; of repeated lines the first is reported (and all of them
 * are forwarded as they came).
 */
static int
on_field(const struct http_header *h, struct http_response *rsp,
    struct rstate *rs)
{
	const uint8_t *n = h->name, *v = h->value;
	size_t nl = h->name_len, vl = h->value_len;
	uint64_t cl;
	int r;

	if (CI_EQ(n, nl, "content-length")) {
		if ((r = http_parse_content_length(v, vl, &cl)) != 0)
			return r;
		if (rsp->has_content_length && rsp->content_length != cl)
			return HTTP_ERR_CL_CONFLICT;
		rsp->content_length = cl;
		rsp->has_content_length = 1;
	} else if (CI_EQ(n, nl, "transfer-encoding"))
		return http_parse_te(v, vl, &rs->te);
	else if (CI_EQ(n, nl, "connection"))
		http_parse_connection(v, vl, &rs->conn);
	else if (CI_EQ(n, nl, "upgrade")) {
		if (rsp->upgrade == NULL) {
			rsp->upgrade = v;
			rsp->upgrade_len = vl;
		}
	} else if (CI_EQ(n, nl, "content-type")) {
		if (rsp->content_type == NULL) {
			rsp->content_type = v;
			rsp->content_type_len = vl;
		}
	}
	return 0;
}

static int
parse_fields(const uint8_t **pp, const uint8_t *end, uint32_t max,
    size_t maxn, struct http_response *rsp, struct rstate *rs)
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
		h = rsp->nheaders < maxn ? &rsp->headers[rsp->nheaders] : NULL;
		if ((r = http_field_line(pp, bound, over, h == NULL, h)) != 1)
			return r;
		rsp->nheaders++;
		if ((r = on_field(h, rsp, rs)) != 0)
			return r;
	}
}

/*
 * A proxy must not guess at a message's length (RFC 9112 6.1, 6.3):
 * every framing it cannot follow exactly is an error.
 */
static int
finish(struct http_response *rsp, const struct rstate *rs)
{
	if (rs->te.seen && rsp->minor_version == 0)
		return HTTP_ERR_TE_HTTP10;
	if (rs->te.seen && rsp->has_content_length)
		return HTTP_ERR_CL_TE;
	if (rs->te.seen && !rs->te.last_chunked)
		return HTTP_ERR_TE_NOT_CHUNKED;
	if (rs->te.other)
		return HTTP_ERR_TE_UNSUPPORTED;
	rsp->chunked = rs->te.seen;
	if (rs->conn.close)
		rsp->keep_alive = 0;
	else
		rsp->keep_alive = rsp->minor_version == 1 ||
		    rs->conn.keep_alive;
	rsp->conn_upgrade = rs->conn.upgrade;
	return 0;
}

int
http_parse_response(const uint8_t *buf, size_t len,
    const struct http_limits *lim, struct http_response *rsp)
{
	const uint8_t *p = buf, *end = buf;
	struct rstate rs;
	uint32_t maxline, maxhdr;
	size_t maxn;
	int r;

	if (len > 0)
		end = buf + len;
	memset(&rs, 0, sizeof(rs));
	rsp->nheaders = 0;
	rsp->minor_version = rsp->status = 0;
	rsp->reason = rsp->upgrade = rsp->content_type = NULL;
	rsp->reason_len = rsp->upgrade_len = rsp->content_type_len = 0;
	rsp->content_length = 0;
	rsp->has_content_length = rsp->chunked = rsp->keep_alive = 0;
	rsp->conn_upgrade = 0;

	maxline = lim->max_request_line < HTTP_LIMIT_CAP ?
	    lim->max_request_line : HTTP_LIMIT_CAP;
	maxhdr = lim->max_header_bytes < HTTP_LIMIT_CAP ?
	    lim->max_header_bytes : HTTP_LIMIT_CAP;
	maxn = lim->max_headers < rsp->max_headers ?
	    lim->max_headers : rsp->max_headers;
	if (rsp->headers == NULL)
		maxn = 0;

	if ((r = parse_status_line(&p, end, maxline, rsp)) != 0 ||
	    (r = parse_fields(&p, end, maxhdr, maxn, rsp, &rs)) != 0 ||
	    (r = finish(rsp, &rs)) != 0)
		return r;
	return (int)(p - buf);
}
