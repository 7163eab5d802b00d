/* SPDX-License-Identifier: ISC */
/* The HTTP/1.1 service: routes, responses, keep-alive, pipelining. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "http_serve.h"
#include "log.h"
#include "metrics.h"
#include "token.h"

enum hs_state {
	HS_HEAD = 0,		/* waiting for a request head */
	HS_BODY_LENGTH,		/* reading content_length bytes */
	HS_BODY_CHUNKED,	/* decoding a chunked body */
};

enum hs_route {
	R_HELLO = 0,
	R_HEALTHZ,
	R_WHOAMI,
	R_ECHO,
	R_METRICS,
	R_OPTIONS_STAR,
	R_405,
};

/* Per-connection state; the hello response is rendered before the body. */
struct hs {
	int		 state;
	int		 route;
	int		 head_method;	/* HEAD: no body in the response */
	int		 keep_alive;
	int		 in_head;	/* bytes of a head have arrived */
	const char	*allow;		/* for 405 */
	uint64_t	 left;		/* Content-Length bytes to read */
	struct http_chunked ch;
	struct buf	 body;		/* /echo body, or the deferred reply */
};

static char		date_hdr[64];
static time_t		date_sec = -1;

static const char *
status_text(int st)
{
	switch (st) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

/* "Date: ..." is formatted once a second (gmtime_r reads no files). */
static const char *
http_date(void)
{
	struct timespec ts;
	struct tm tm;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		ts.tv_sec = 0;
	if (ts.tv_sec != date_sec) {
		date_sec = ts.tv_sec;
		if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
		    strftime(date_hdr, sizeof(date_hdr),
		    "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
			(void)snprintf(date_hdr, sizeof(date_hdr),
			    "Thu, 01 Jan 1970 00:00:00 GMT");
	}
	return date_hdr;
}

/*
 * Queue one response head; the body follows with conn_write(). Both go
 * to c_out, so a batch of pipelined answers leaves in one write. -1 if
 * c_out is full (the connection is then closed).
 */
static int
respond_head(struct conn *c, int status, const char *ctype,
    const char *extra, size_t blen, int keep_alive)
{
	char h[512];
	int n;

	n = snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%sConnection: %s\r\n"
	    "\r\n", status, status_text(status), http_date(), ctype, blen,
	    extra != NULL ? extra : "", keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof(h))
		return -1;
	metrics_request(c->c_l->wl_idx, status);
	if (conn_write(c, h, (size_t)n) == -1)
		return -1;
	if (!keep_alive)
		conn_close_lingering(c);
	return 0;
}

static int
respond(struct conn *c, int status, const char *ctype, const char *extra,
    const void *body, size_t blen, int head_only, int keep_alive)
{
	if (respond_head(c, status, ctype, extra, blen, keep_alive) == -1 ||
	    (!head_only && conn_write(c, body, blen) == -1))
		return -1;
	return 0;
}

/* An error answer; the connection closes after it. No body for HEAD. */
static int
respond_error(struct conn *c, int status, const char *extra, int head_only)
{
	char body[96];
	int n;

	n = snprintf(body, sizeof(body), "%d %s\n", status,
	    status_text(status));
	return respond(c, status, "text/plain; charset=utf-8", extra, body,
	    (size_t)n, head_only, 0);
}

/*
 * Append s as the inside of a JSON string. The parser admits only visible
 * ASCII in a target, but control characters are escaped all the same.
 */
static int
json_append(struct buf *out, const uint8_t *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			continue;
		if (buf_append(out, s + run, i - run) != 0)
			return -1;
		run = i + 1;
		if (s[i] == '"' || s[i] == '\\') {
			esc[1] = (char)s[i];
			if (buf_append(out, esc, 2) != 0)
				return -1;
			esc[1] = 'u';
		} else {
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 15];
			if (buf_append(out, esc, 6) != 0)
				return -1;
		}
	}
	return buf_append(out, s + run, len - run) == 0 ? 0 : -1;
}

static size_t
json_len(const uint8_t *s, size_t len)
{
	size_t i, n = len;

	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			n += 1;
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			n += 5;
	}
	return n;
}

/* The path of a target without the query; absolute-form loses its authority. */
static void
target_path(const struct http_request *req, const uint8_t **p, size_t *len)
{
	const uint8_t *t = req->target, *e = t + req->target_len, *q;

	if (req->target_form == HTTP_TF_ABSOLUTE) {
		q = memchr(t, ':', req->target_len);
		if (q != NULL && e - q > 3 && q[1] == '/' && q[2] == '/') {
			q += 3;
			while (q < e && *q != '/' && *q != '?')
				q++;
			t = q;
		}
	}
	if ((q = memchr(t, '?', (size_t)(e - t))) != NULL)
		e = q;
	*p = t;
	*len = (size_t)(e - t);
}

static int
path_is(const uint8_t *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

static int
route_of(const struct conn *c, const struct http_request *req,
    const char **allow)
{
	const uint8_t *p;
	size_t len;
	int m = req->method_id, get = m == HTTP_M_GET || m == HTTP_M_HEAD;

	if (req->target_form == HTTP_TF_ASTERISK)
		return R_OPTIONS_STAR;
	target_path(req, &p, &len);
	*allow = "GET, HEAD";
	if (path_is(p, len, "/healthz"))
		return get ? R_HEALTHZ : R_405;
	if (path_is(p, len, "/whoami"))
		return get ? R_WHOAMI : R_405;
	if (path_is(p, len, "/metrics") && c->c_l->wl_conf->metrics)
		return get ? R_METRICS : R_405;
	if (path_is(p, len, "/echo")) {
		*allow = "POST";
		return m == HTTP_M_POST ? R_ECHO : R_405;
	}
	return get ? R_HELLO : R_405;
}

#define HELLO_PRE \
	"{\"message\":\"Hello from your HTTP server on a Unix socket!\",\"url\":\""
#define HELLO_POST	"\"}"

/* The hello JSON into c_out (with its head), or into a deferred buffer. */
static size_t
hello_len(const struct http_request *req)
{
	return sizeof(HELLO_PRE) - 1 + json_len(req->target, req->target_len) +
	    sizeof(HELLO_POST) - 1;
}

static int
reply_hello(struct conn *c, const struct http_request *req, struct hs *hs,
    struct buf *into)
{
	size_t blen = hello_len(req);

	if (into == NULL) {
		if (respond_head(c, 200, "application/json", NULL, blen,
		    hs->keep_alive) == -1)
			return -1;
		if (hs->head_method)
			return 0;
		into = &c->c_out;
	}
	if (buf_append(into, HELLO_PRE, sizeof(HELLO_PRE) - 1) != 0 ||
	    json_append(into, req->target, req->target_len) == -1 ||
	    buf_append(into, HELLO_POST, sizeof(HELLO_POST) - 1) != 0)
		return -1;
	return 0;
}

/* Room for NGROUPS_MAX supplementary groups, asked for per request. */
static gid_t	peer_groups[65536];

static int
reply_whoami(struct conn *c, struct hs *hs)
{
	char num[64];
	struct buf b;
	size_t i, ng;
	int n, r = 0;

	/* Asked again here so that no connection carries the list around. */
	if (conn_io_groups(c, peer_groups, sizeof(peer_groups) /
	    sizeof(peer_groups[0]), &ng) == -1)
		return respond_error(c, 500, NULL, hs->head_method);
	buf_init(&b, 16 * (ng + 8));
	n = snprintf(num, sizeof(num), "{\"pid\":%ld,\"uid\":%lu,\"gid\":%lu,",
	    (long)c->c_pid, (unsigned long)c->c_uid, (unsigned long)c->c_gid);
	if (n < 0 || (size_t)n >= sizeof(num) || buf_append(&b, num, (size_t)n)
	    != 0 || buf_append(&b, "\"groups\":[", 10) != 0)
		r = -1;
	for (i = 0; r == 0 && i < ng; i++) {
		n = snprintf(num, sizeof(num), "%s%lu", i ? "," : "",
		    (unsigned long)peer_groups[i]);
		if (n < 0 || buf_append(&b, num, (size_t)n) != 0)
			r = -1;
	}
	if (r == 0 && buf_append(&b, "]}", 2) != 0)
		r = -1;
	if (r == 0)
		r = respond(c, 200, "application/json", NULL, buf_ptr(&b),
		    buf_len(&b), hs->head_method, hs->keep_alive);
	buf_free(&b);
	return r;
}

static int
reply_metrics(struct conn *c, struct hs *hs)
{
	struct buf b;
	int r;

	buf_init(&b, 1024 * 1024);
	if (metrics_render_set(c->c_l->wl_mset, c->c_l->wl_mnames,
	    c->c_l->wl_nmset, &b) != 0) {
		buf_free(&b);
		return respond_error(c, 500, NULL, hs->head_method);
	}
	r = respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", NULL,
	    buf_ptr(&b), buf_len(&b), hs->head_method, hs->keep_alive);
	buf_free(&b);
	return r;
}

/* The request (and its body) is complete: answer it. */
static int
finish(struct conn *c, struct hs *hs)
{
	int r;

	/* The body is consumed: is this the last answer of a drain? */
	if (!conn_drain_more(c, 0))
		hs->keep_alive = 0;
	switch (hs->route) {
	case R_ECHO:
		r = respond(c, 200, "application/octet-stream", NULL,
		    buf_ptr(&hs->body), buf_len(&hs->body), 0, hs->keep_alive);
		break;
	case R_HELLO:
		/* Rendered before the body arrived (the target view is gone). */
		r = respond(c, 200, "application/json", NULL,
		    buf_ptr(&hs->body), buf_len(&hs->body), hs->head_method,
		    hs->keep_alive);
		break;
	case R_405:
		r = respond(c, 405, "text/plain; charset=utf-8",
		    hs->allow[0] == 'P' ? "Allow: POST\r\n" :
		    "Allow: GET, HEAD\r\n", "405 Method Not Allowed\n", 23,
		    hs->head_method, hs->keep_alive);
		break;
	default:
		r = respond(c, 200, "text/plain; charset=utf-8", NULL, "ok", 2,
		    hs->head_method, hs->keep_alive);
		break;
	}
	buf_free(&hs->body);
	hs->state = HS_HEAD;
	return r;
}

/*
 * Every request on a token listener carries "Authorization: Bearer
 * <token>". A refusal is logged like an access denial: "missing" without
 * the field, "malformed" when it is not a usable Bearer token, "wrong"
 * when the token matches none of the listener's hashes.
 */
static int
check_token(struct conn *c, const struct http_request *req)
{
	const uint8_t *tok;
	size_t toklen;

	if (c->c_l->wl_conf->ntokens == 0)
		return 0;
	if (req->authorization == NULL)
		return conn_token_check(c, NULL, 0, "missing");
	if (token_parse_bearer(req->authorization, req->authorization_len,
	    &tok, &toklen) != 0)
		return conn_token_check(c, NULL, 0, "malformed");
	return conn_token_check(c, tok, toklen, NULL);
}

/*
 * A complete head (head_len bytes, still at the front of c_in): answer
 * now, or set up the body states. While draining, the answer keeps the
 * connection only for a pipelined request read before the drain began
 * (conn_drain_more); finish() asks again once a body has been read.
 */
static int
on_head(struct conn *c, struct hs *hs, const struct http_request *req,
    const struct http_limits *lim, size_t head_len)
{
	int has_body = req->chunked || (req->has_content_length &&
	    req->content_length > 0);

	hs->keep_alive = req->keep_alive &&
	    conn_drain_more(c, has_body ? 0 : head_len);
	hs->head_method = req->method_id == HTTP_M_HEAD;
	hs->allow = "GET, HEAD";
	if (check_token(c, req) == -1)
		return respond_error(c, 401, "WWW-Authenticate: Bearer\r\n",
		    hs->head_method);
	hs->route = route_of(c, req, &hs->allow);
	if (!has_body) {
		switch (hs->route) {
		case R_HELLO:
			return reply_hello(c, req, hs, NULL);
		case R_WHOAMI:
			return reply_whoami(c, hs);
		case R_METRICS:
			return reply_metrics(c, hs);
		case R_OPTIONS_STAR:
			return respond(c, 200, "text/plain; charset=utf-8",
			    "Allow: GET, HEAD, POST\r\n", "", 0, 0,
			    hs->keep_alive);
		default:
			return finish(c, hs);
		}
	}
	if (hs->route == R_WHOAMI || hs->route == R_METRICS ||
	    hs->route == R_OPTIONS_STAR)
		hs->route = R_HEALTHZ;	/* same short answer after the body */
	/*
	 * The body buffer holds the /echo body (at most max_body), or the
	 * hello reply, whose size has nothing to do with max_body.
	 */
	buf_init(&hs->body, hs->route == R_HELLO ? hello_len(req) :
	    lim->max_body + 1);
	if (hs->route == R_HELLO && reply_hello(c, req, hs, &hs->body) == -1)
		return -1;
	if (req->expect_continue && conn_write(c,
	    "HTTP/1.1 100 Continue\r\n\r\n", 25) == -1)
		return -1;
	if (req->chunked) {
		http_chunked_init(&hs->ch, lim);
		hs->state = HS_BODY_CHUNKED;
	} else {
		hs->left = req->content_length;
		hs->state = HS_BODY_LENGTH;
	}
	conn_timeout(c, c->c_l->wl_conf->lim.body_timeout_ms);
	return 0;
}

/* Body bytes: only /echo keeps them. */
static int
body_data(struct hs *hs, const uint8_t *p, size_t n)
{
	if (hs->route != R_ECHO)
		return 0;
	return buf_append(&hs->body, p, n) == 0 ? 0 : -1;
}

static int
step_body(struct conn *c, struct hs *hs)
{
	const uint8_t *data;
	size_t used, dlen, n;
	int r;

	if (hs->state == HS_BODY_LENGTH) {
		n = buf_len(&c->c_in);
		if (n > hs->left)
			n = (size_t)hs->left;
		if (body_data(hs, buf_ptr(&c->c_in), n) == -1)
			return -1;
		buf_consume(&c->c_in, n);
		hs->left -= n;
		return hs->left == 0 ? finish(c, hs) : 1;
	}
	for (;;) {
		r = http_chunked_decode(&hs->ch, buf_ptr(&c->c_in),
		    buf_len(&c->c_in), &used, &data, &dlen);
		if (r == HTTP_CHUNK_DATA && body_data(hs, data, dlen) == -1)
			return -1;
		buf_consume(&c->c_in, used);
		if (r == HTTP_CHUNK_DATA)
			continue;
		if (r == HTTP_CHUNK_DONE)
			return finish(c, hs);
		if (r == HTTP_AGAIN)
			return 1;
		buf_free(&hs->body);
		return respond_error(c, http_error_status(r), NULL,
		    hs->head_method);
	}
}

static void
limits_of(const struct conn *c, struct http_limits *lim)
{
	const struct limits *l = &c->c_l->wl_conf->lim;

	lim->max_request_line = l->max_request_line;
	lim->max_header_bytes = l->max_header_bytes;
	lim->max_headers = l->max_headers;
	lim->max_body = l->max_body;
}

static int
http_input(struct conn *c)
{
	struct http_header hdrs[HTTP_MAX_HEADERS];
	struct http_request req;
	struct http_limits lim;
	struct hs *hs = c->c_svc;
	int r;

	/* State only once a request begins: idle connections stay small. */
	if (hs == NULL) {
		if (buf_len(&c->c_in) == 0)
			return 0;
		if ((hs = calloc(1, sizeof(*hs))) == NULL)
			return -1;
		c->c_svc = hs;
	}
	limits_of(c, &lim);
	while (!conn_closing(c)) {
		if (buf_len(&c->c_out) >= CONN_OUT_HIGH) {
			/* Let the peer read first; conn.c calls us again. */
			if (buf_len(&c->c_in) > 0)
				conn_input_pending(c);
			return 0;
		}
		if (hs->state != HS_HEAD) {
			if ((r = step_body(c, hs)) < 0)
				return -1;
			if (r == 1)
				return 0;	/* need more body */
			continue;
		}
		if (buf_len(&c->c_in) == 0)
			break;
		if (!hs->in_head) {
			hs->in_head = 1;
			conn_timeout(c, c->c_l->wl_conf->lim.header_timeout_ms);
		}
		req.headers = hdrs;
		req.max_headers = HTTP_MAX_HEADERS;
		r = http_parse_request(buf_ptr(&c->c_in), buf_len(&c->c_in),
		    &lim, &req);
		if (r == HTTP_AGAIN)
			return 0;
		if (r < 0) {
			log_debug("%s: pid %ld: %s", c->c_l->wl_conf->name,
			    (long)c->c_pid, http_error_reason(r));
			return respond_error(c, http_error_status(r), NULL, 0);
		}
		hs->in_head = 0;
		if (on_head(c, hs, &req, &lim, (size_t)r) == -1)
			return -1;
		buf_consume(&c->c_in, (size_t)r);
	}
	if (hs->state == HS_HEAD && !hs->in_head && !conn_closing(c))
		conn_timeout(c, c->c_l->wl_conf->lim.idle_timeout_ms);
	return 0;
}

static int
http_open(struct conn *c)
{
	c->c_svc = NULL;	/* allocated with the first request byte */
	/* Authorization fields pass through c_in: zero it when freed. */
	if (c->c_l->wl_conf->ntokens > 0)
		conn_wipe_input(c);
	conn_timeout(c, c->c_l->wl_conf->lim.idle_timeout_ms);
	return 0;
}

static void
http_deny(struct conn *c)
{
	/* Answer before the request arrives: the verdict cannot change. */
	(void)respond_error(c, 403, NULL, 0);
}

/*
 * Drain (HAProxy's idle-close-on-response): nothing is closed here. An
 * idle keep-alive connection is not closed under the client, which may
 * have a request on its way that we would lose; it is kept and read,
 * its next request is answered with "Connection: close" and it closes
 * after that answer (lingering). A request in progress is finished the
 * same way, and pipelined requests already read are all answered, the
 * last with "close" (see on_head). A connection still idle when
 * shutdown_timeout expires is closed by the worker's exit: only there
 * can a request in flight meet a close.
 */
static void
http_drain(struct conn *c)
{
	(void)c;
}

static void
http_close(struct conn *c)
{
	struct hs *hs = c->c_svc;

	if (hs != NULL) {
		buf_free(&hs->body);
		free(hs);
	}
	c->c_svc = NULL;
}

const struct service http_service = {
	.name = "http",
	.open = http_open,
	.deny = http_deny,
	.input = http_input,
	.drain = http_drain,
	.close = http_close,
};
