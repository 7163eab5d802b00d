/* SPDX-License-Identifier: ISC */
/* service proxy: the heads it sends, rebuilt from the parsed ones; pure. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "http_int.h"
#include "proxy_head.h"

/*
 * A bounded writer over the caller's array: once something does not fit,
 * nothing more is written and the result is GW_ERR_NOSPACE.
 */
struct out {
	uint8_t		*p;
	size_t		 len;
	size_t		 max;
	int		 full;
};

#define PUTS(o, lit)	put((o), (lit), sizeof(lit) - 1)

static void
put(struct out *o, const void *s, size_t n)
{
	if (o->full || n > o->max - o->len) {
		o->full = 1;
		return;
	}
	if (n > 0)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
put_u64(struct out *o, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(o, tmp + i, sizeof(tmp) - i);
}

static void
put_field(struct out *o, const struct http_header *h)
{
	put(o, h->name, h->name_len);
	PUTS(o, ": ");
	put(o, h->value, h->value_len);
	PUTS(o, "\r\n");
}

static int
out_done(const struct out *o)
{
	return o->full ? GW_ERR_NOSPACE : (int)o->len;
}

static void
out_init(struct out *o, uint8_t *p, size_t max)
{
	o->p = p;
	o->len = 0;
	/* The length is returned as an int. */
	o->max = max < INT_MAX ? max : INT_MAX;
	o->full = 0;
}

/* Case-insensitive equality of two byte strings. */
static int
ci_same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t i;
	uint8_t x, y;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++) {
		x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] | 0x20 : a[i];
		y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] | 0x20 : b[i];
		if (x != y)
			return 0;
	}
	return 1;
}

/* n begins with the lower-case literal prefix, ignoring case. */
static int
ci_prefix(const uint8_t *p, size_t n, const char *lit, size_t litlen)
{
	return n >= litlen && http_ci_eq(p, litlen, lit, litlen);
}

#define CI_PREFIX(p, n, lit)	ci_prefix((p), (n), (lit), sizeof(lit) - 1)

/*
 * "X-Peer-" with '_' read as '-' in any place: CGI and WSGI servers map
 * X_Peer_Uid to the same variable as X-Peer-Uid (HTTP_X_PEER_UID).
 */
static int
peer_prefix(const uint8_t *n, size_t nl)
{
	static const char lit[] = "x-peer-";
	size_t i;
	int ch;

	if (nl < sizeof(lit) - 1)
		return 0;
	for (i = 0; i < sizeof(lit) - 1; i++) {
		ch = n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i];
		if (ch == '_')
			ch = '-';
		if (ch != lit[i])
			return 0;
	}
	return 1;
}

/* The fixed hop-by-hop names and the gateway's own (proxy_head.h). */
static int
never_copied(const uint8_t *n, size_t nl, int request)
{
	return CI_EQ(n, nl, "connection") || CI_EQ(n, nl, "keep-alive") ||
	    CI_EQ(n, nl, "te") || CI_EQ(n, nl, "trailer") ||
	    CI_EQ(n, nl, "transfer-encoding") ||
	    CI_EQ(n, nl, "content-length") || CI_EQ(n, nl, "upgrade") ||
	    CI_PREFIX(n, nl, "proxy-") || peer_prefix(n, nl) ||
	    (request && CI_EQ(n, nl, "expect"));
}

/* The options of all Connection lines of a head (RFC 9110 7.6.1). */
struct connopts {
	const uint8_t	*e[PROXY_CONN_OPTIONS_MAX];
	size_t		 l[PROXY_CONN_OPTIONS_MAX];
	size_t		 n;
};

/*
 * Collect them once, so that the cost stays linear in the head: matched
 * against every field by scanning, a long Connection list made one
 * 16 KiB request cost milliseconds.
 */
static int
connopts_collect(const struct http_header *hs, size_t nh,
    struct connopts *co)
{
	size_t i, pos, el;
	const uint8_t *e;

	co->n = 0;
	for (i = 0; i < nh; i++) {
		if (!CI_EQ(hs[i].name, hs[i].name_len, "connection"))
			continue;
		pos = 0;
		while (http_list_next(hs[i].value, hs[i].value_len, &pos,
		    &e, &el)) {
			if (co->n == PROXY_CONN_OPTIONS_MAX)
				return GW_ERR_INVALID;
			co->e[co->n] = e;
			co->l[co->n++] = el;
		}
	}
	return 0;
}

static int
connopts_names(const struct connopts *co, const uint8_t *name, size_t nl)
{
	size_t i;

	for (i = 0; i < co->n; i++)
		if (co->l[i] == nl && ci_same(co->e[i], nl, name, nl))
			return 1;
	return 0;
}

/*
 * Copy the end-to-end fields in order. Host stays even when Connection
 * names it: without it the upstream request would be invalid, and a
 * client gains nothing by dropping its own Host.
 */
static int
copy_fields(struct out *o, const struct http_header *hs, size_t nh,
    int request)
{
	struct connopts co;
	const struct http_header *h;
	size_t i;
	int r;

	if ((r = connopts_collect(hs, nh, &co)) != 0)
		return r;
	for (i = 0; i < nh; i++) {
		h = &hs[i];
		if (never_copied(h->name, h->name_len, request))
			continue;
		if (!(request && CI_EQ(h->name, h->name_len, "host")) &&
		    connopts_names(&co, h->name, h->name_len))
			continue;
		put_field(o, h);
	}
	return 0;
}

static void
put_identity(struct out *o, const struct peer *peer)
{
	size_t i;

	PUTS(o, "X-Peer-Pid: ");
	put_u64(o, (uint64_t)peer->pid);
	PUTS(o, "\r\nX-Peer-Uid: ");
	put_u64(o, (uint64_t)peer->uid);
	PUTS(o, "\r\nX-Peer-Gid: ");
	put_u64(o, (uint64_t)peer->gid);
	PUTS(o, "\r\nX-Peer-Groups:");
	for (i = 0; i < peer->ngroups; i++) {
		put(o, i == 0 ? " " : ",", 1);
		put_u64(o, (uint64_t)peer->groups[i]);
	}
	PUTS(o, "\r\n");
}

static void
put_framing(struct out *o, int body, uint64_t length)
{
	if (body == PROXY_BODY_LENGTH) {
		PUTS(o, "Content-Length: ");
		put_u64(o, length);
		PUTS(o, "\r\n");
	} else if (body == PROXY_BODY_CHUNKED)
		PUTS(o, "Transfer-Encoding: chunked\r\n");
}

/* A target the caller made must still be one (no SP, CR, LF, '#'). */
static int
valid_target(const uint8_t *t, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!IS(t[i], C_TARGET))
			return 0;
	return 1;
}

int
proxy_build_request(uint8_t *out, size_t max, const struct proxy_reqhead *h)
{
	const struct http_request *req = h->req;
	const uint8_t *t;
	size_t tl;
	struct out o;
	int r;

	out_init(&o, out, max);
	if (h->target != NULL) {
		t = (const uint8_t *)h->target;
		tl = h->target_len;
	} else {
		t = req->target;
		tl = req->target_len;
	}
	if (!valid_target(t, tl) || h->body < PROXY_BODY_NONE ||
	    h->body > PROXY_BODY_CHUNKED || (h->identity && h->peer == NULL))
		return GW_ERR_INVALID;

	put(&o, req->method, req->method_len);
	PUTS(&o, " ");
	put(&o, t, tl);
	PUTS(&o, " HTTP/1.1\r\n");
	/* RFC 9112 3.2: Host first; an HTTP/1.0 request may have none. */
	if (req->host == NULL)
		PUTS(&o, "Host: localhost\r\n");
	if ((r = copy_fields(&o, req->headers, req->nheaders, 1)) != 0)
		return r;
	put_framing(&o, h->body, h->length);
	if (h->upgrade != NULL) {
		PUTS(&o, "Connection: upgrade\r\nUpgrade: ");
		put(&o, h->upgrade, h->upgrade_len);
		PUTS(&o, "\r\n");
	}
	if (h->identity)
		put_identity(&o, h->peer);
	PUTS(&o, "\r\n");
	return out_done(&o);
}

int
proxy_build_response(uint8_t *out, size_t max, const struct proxy_resphead *h)
{
	const struct http_response *rsp = h->rsp;
	struct out o;
	char st[3];
	int r;

	out_init(&o, out, max);
	if (rsp->status < 100 || rsp->status > 599 ||
	    h->body < PROXY_BODY_NONE || h->body > PROXY_BODY_CLOSE ||
	    (h->upgrade && rsp->upgrade == NULL))
		return GW_ERR_INVALID;

	st[0] = (char)('0' + rsp->status / 100);
	st[1] = (char)('0' + rsp->status / 10 % 10);
	st[2] = (char)('0' + rsp->status % 10);
	PUTS(&o, "HTTP/1.1 ");
	put(&o, st, sizeof(st));
	PUTS(&o, " ");
	put(&o, rsp->reason, rsp->reason_len);
	PUTS(&o, "\r\n");
	if ((r = copy_fields(&o, rsp->headers, rsp->nheaders, 0)) != 0)
		return r;
	/*
	 * A bodiless answer keeps the length it announces (a HEAD answer,
	 * a 304), except where RFC 9110 8.6 forbids one: 1xx and 204.
	 */
	if (h->body == PROXY_BODY_NONE && rsp->has_content_length &&
	    rsp->status >= 200 && rsp->status != 204)
		put_framing(&o, PROXY_BODY_LENGTH, rsp->content_length);
	else
		put_framing(&o, h->body, h->length);
	if (h->upgrade) {
		PUTS(&o, "Connection: upgrade\r\nUpgrade: ");
		put(&o, rsp->upgrade, rsp->upgrade_len);
		PUTS(&o, "\r\n");
	} else if (h->close)
		PUTS(&o, "Connection: close\r\n");
	PUTS(&o, "\r\n");
	return out_done(&o);
}

/* The length of the name of a product (token ["/" token]), 0 if none. */
static size_t
product_name(const uint8_t *p, size_t n)
{
	size_t i, nl;

	for (i = 0; i < n && IS(p[i], C_TCHAR); i++)
		;
	if (i == 0)
		return 0;
	nl = i;
	if (i == n)
		return nl;
	if (p[i++] != '/' || i == n)
		return 0;
	for (; i < n; i++)
		if (!IS(p[i], C_TCHAR))
			return 0;
	return nl;
}

static int
allowed_product(const char *allowed, const uint8_t *name, size_t nl)
{
	const uint8_t *e;
	size_t pos = 0, el, al;

	while (http_list_next((const uint8_t *)allowed, strlen(allowed), &pos,
	    &e, &el)) {
		if ((al = product_name(e, el)) != 0 &&
		    ci_same(e, al, name, nl))
			return 1;
	}
	return 0;
}

int
proxy_upgrade_offer(const struct http_request *req, const char *allowed,
    const uint8_t **proto, size_t *len)
{
	struct http_conn_opts co;
	const struct http_header *h, *up = NULL;
	const uint8_t *e;
	size_t i, pos = 0, el, nl, nproto = 0;

	*proto = NULL;
	*len = 0;
	memset(&co, 0, sizeof(co));
	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (CI_EQ(h->name, h->name_len, "connection"))
			http_parse_connection(h->value, h->value_len, &co);
		else if (CI_EQ(h->name, h->name_len, "upgrade")) {
			/* Two Upgrade lines: not worth guessing at. */
			if (up != NULL)
				return 0;
			up = h;
		}
	}
	if (!co.upgrade || up == NULL || allowed == NULL)
		return 0;
	while (http_list_next(up->value, up->value_len, &pos, &e, &el)) {
		if ((nl = product_name(e, el)) == 0 ||
		    !allowed_product(allowed, e, nl))
			return 0;
		nproto++;
	}
	if (nproto == 0)
		return 0;
	*proto = up->value;
	*len = up->value_len;
	return 1;
}

size_t
proxy_chunk_header(uint8_t *out, uint64_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t tmp[16];
	size_t i = sizeof(tmp), len;

	do {
		tmp[--i] = (uint8_t)hex[n & 0xf];
		n >>= 4;
	} while (n != 0);
	len = sizeof(tmp) - i;
	memcpy(out, tmp + i, len);
	out[len++] = '\r';
	out[len++] = '\n';
	return len;
}
