/* SPDX-License-Identifier: ISC */
/* libFuzzer: parse a head, rebuild it for the other side, parse it again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "proxy_head.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The first byte: bit 0 response (else request), bit 1 a bodiless
 * answer (response), bits 2-3 the number of groups, bit 4 identity off.
 */
static const struct http_limits lim = { 512, 2048, 24, UINT64_MAX };
static const struct http_limits relim = { 8192, 16384, 64, UINT64_MAX };
static const gid_t groups[] = { 10, 20, 4294967294U };
static struct http_header h0[24], h1[64];
static uint8_t out[16384];

/* Is name listed in any Connection field of hs (an independent oracle)? */
static int
in_connection(const struct http_header *hs, size_t nh, const uint8_t *name,
    size_t nl)
{
	const uint8_t *s, *e, *a, *b, *end;
	size_t i;

	for (i = 0; i < nh; i++) {
		if (hs[i].name_len != 10 ||
		    strncasecmp((const char *)hs[i].name, "connection", 10))
			continue;
		end = hs[i].value + hs[i].value_len;
		for (s = hs[i].value;; s = e + 1) {
			if ((e = memchr(s, ',', (size_t)(end - s))) == NULL)
				e = end;
			for (a = s; a < e && (*a == ' ' || *a == '\t'); a++)
				;
			for (b = e; b > a && (b[-1] == ' ' || b[-1] == '\t');
			    b--)
				;
			if ((size_t)(b - a) == nl && strncasecmp(
			    (const char *)a, (const char *)name, nl) == 0)
				return 1;
			if (e == end)
				break;
		}
	}
	return 0;
}

/* Non-empty options in all Connection lines (the same oracle's way). */
static size_t
conn_count(const struct http_header *hs, size_t nh)
{
	const uint8_t *s, *e, *a, *b, *end;
	size_t i, n = 0;

	for (i = 0; i < nh; i++) {
		if (hs[i].name_len != 10 ||
		    strncasecmp((const char *)hs[i].name, "connection", 10))
			continue;
		end = hs[i].value + hs[i].value_len;
		for (s = hs[i].value;; s = e + 1) {
			if ((e = memchr(s, ',', (size_t)(end - s))) == NULL)
				e = end;
			for (a = s; a < e && (*a == ' ' || *a == '\t'); a++)
				;
			for (b = e; b > a && (b[-1] == ' ' || b[-1] == '\t');
			    b--)
				;
			n += b > a;
			if (e == end)
				break;
		}
	}
	return n;
}

static int
is(const struct http_header *h, const char *name)
{
	return h->name_len == strlen(name) &&
	    strncasecmp((const char *)h->name, name, h->name_len) == 0;
}

static const char *const want_groups[] = {
	"", "10", "10,20", "10,20,4294967294"
};

static int
value_is(const struct http_header *h, const char *v)
{
	return h->value_len == strlen(v) &&
	    memcmp(h->value, v, h->value_len) == 0;
}

/* The fields only the gateway writes (Host: kept even if named). */
static int
own(const struct http_header *h)
{
	return is(h, "host") || is(h, "content-length") ||
	    is(h, "transfer-encoding") || is(h, "connection") ||
	    is(h, "upgrade") || is(h, "x-peer-pid") || is(h, "x-peer-uid") ||
	    is(h, "x-peer-gid") || is(h, "x-peer-groups");
}

static void
request(const uint8_t *p, size_t n, unsigned int flags)
{
	struct http_request req, re;
	struct proxy_reqhead h;
	struct peer peer = { 4242, 31337, 777, groups, (flags >> 2) & 3,
	    NULL };
	size_t i, nident = 0;
	int r;

	memset(&req, 0, sizeof(req));
	req.headers = h0;
	req.max_headers = 24;
	if (http_parse_request(p, n, &lim, &req) <= 0)
		return;
	memset(&h, 0, sizeof(h));
	h.req = &req;
	h.peer = &peer;
	h.identity = !(flags & 0x10);
	h.body = req.chunked ? PROXY_BODY_CHUNKED : req.has_content_length ?
	    PROXY_BODY_LENGTH : PROXY_BODY_NONE;
	h.length = req.content_length;
	(void)proxy_upgrade_offer(&req, "tcp,websocket", &h.upgrade,
	    &h.upgrade_len);
	r = proxy_build_request(out, sizeof(out), &h);
	if (conn_count(h0, req.nheaders) > PROXY_CONN_OPTIONS_MAX) {
		if (r != GW_ERR_INVALID)
			abort();
		return;
	}
	if (r <= 0)
		abort();
	memset(&re, 0, sizeof(re));
	re.headers = h1;
	re.max_headers = 64;
	if (http_parse_request(out, (size_t)r, &relim, &re) != r ||
	    re.chunked != req.chunked ||
	    re.has_content_length != req.has_content_length ||
	    re.content_length != req.content_length ||
	    re.method_len != req.method_len)
		abort();
	for (i = 0; i < re.nheaders; i++) {
		if (!own(&h1[i]) && in_connection(h0, req.nheaders,
		    h1[i].name, h1[i].name_len))
			abort();
		if (is(&h1[i], "x-peer-uid"))
			nident += value_is(&h1[i], "31337") ? 1 : 100;
		else if (is(&h1[i], "x-peer-pid"))
			nident += value_is(&h1[i], "4242") ? 1 : 100;
		else if (is(&h1[i], "x-peer-gid"))
			nident += value_is(&h1[i], "777") ? 1 : 100;
		else if (is(&h1[i], "x-peer-groups"))
			nident += value_is(&h1[i], want_groups[peer.ngroups]) ?
			    1 : 100;
		else if (h1[i].name_len >= 7 && strncasecmp(
		    (const char *)h1[i].name, "x-peer-", 7) == 0)
			abort();
	}
	/* Each of the four exactly once, with the peer's values. */
	if (nident != (h.identity ? 4 : 0))
		abort();
}

static void
response(const uint8_t *p, size_t n, unsigned int flags)
{
	struct http_response rsp, re;
	struct proxy_resphead h;
	size_t i;
	int r;

	memset(&rsp, 0, sizeof(rsp));
	rsp.headers = h0;
	rsp.max_headers = 24;
	if (http_parse_response(p, n, &lim, &rsp) <= 0)
		return;
	memset(&h, 0, sizeof(h));
	h.rsp = &rsp;
	h.upgrade = rsp.status == 101 && rsp.upgrade != NULL;
	h.close = !rsp.keep_alive;
	if (h.upgrade || (flags & 2) || rsp.status < 200 ||
	    rsp.status == 204 || rsp.status == 304)
		h.body = PROXY_BODY_NONE;
	else if (rsp.chunked)
		h.body = PROXY_BODY_CHUNKED;
	else if (rsp.has_content_length) {
		h.body = PROXY_BODY_LENGTH;
		h.length = rsp.content_length;
	} else {
		h.body = PROXY_BODY_CLOSE;
		h.close = 1;
	}
	r = proxy_build_response(out, sizeof(out), &h);
	if (conn_count(h0, rsp.nheaders) > PROXY_CONN_OPTIONS_MAX) {
		if (r != GW_ERR_INVALID)
			abort();
		return;
	}
	if (r <= 0)
		abort();
	memset(&re, 0, sizeof(re));
	re.headers = h1;
	re.max_headers = 64;
	if (http_parse_response(out, (size_t)r, &relim, &re) != r ||
	    re.status != rsp.status || re.minor_version != 1 ||
	    re.reason_len != rsp.reason_len ||
	    re.chunked != (h.body == PROXY_BODY_CHUNKED) ||
	    (h.body == PROXY_BODY_LENGTH && (!re.has_content_length ||
	    re.content_length != rsp.content_length)) ||
	    (h.close && !h.upgrade && re.keep_alive) ||
	    (h.upgrade && (!re.conn_upgrade || re.upgrade_len !=
	    rsp.upgrade_len)))
		abort();
	for (i = 0; i < re.nheaders; i++)
		if (!own(&h1[i]) && in_connection(h0, rsp.nheaders,
		    h1[i].name, h1[i].name_len))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	size_t n;

	if (size < 1 || size > 4096)
		return 0;
	n = size - 1;
	/* exact size: ASan sees over-reads */
	if ((copy = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(copy, data + 1, n);
	if (data[0] & 1)
		response(copy, n, data[0]);
	else
		request(copy, n, data[0]);
	free(copy);
	return 0;
}
