/* SPDX-License-Identifier: ISC */
/*
 * service proxy: an HTTP/1.1 reverse proxy in front of one upstream,
 * whose routes decide per request on the caller's kernel identity.
 *
 * The client side is a struct conn (conn.c: buffers, timeouts, the
 * lingering close); this file adds the upstream side. One request is
 * in flight per client connection: its head is parsed, normalised and
 * decided (route.h); an allowed one is rebuilt (proxy_head.h) and sent
 * to a pooled or new upstream connection (the connector, upchan.h),
 * its body re-framed as it arrives; the answer's head is rebuilt and its
 * body re-framed to the client as it arrives, each way holding at most
 * PROXY_WINDOW bytes. Bytes after the request are not read as the next
 * request until the answer is complete: they may be the first bytes of
 * a tunnel (an upgrade or Docker's hijack), which forward.c then relays.
 */
#define _GNU_SOURCE	/* MSG_DONTWAIT, MSG_NOSIGNAL */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conn.h"
#include "forward.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "proxy.h"
#include "proxy_head.h"
#include "ratelimit.h"
#include "route.h"
#include "upchan.h"

enum px_state {
	PX_IDLE = 0,		/* between requests: c_in is parsed */
	PX_CONNECT,		/* the connector was asked */
	PX_EXCHANGE,		/* upstream connected: request out, answer in */
};

enum rs_state {
	RS_HEAD = 0,		/* reading the answer's head */
	RS_BODY,		/* its body, re-framed to the client */
	RS_DONE,
};

/*
 * An upstream connection. It stays registered with the loop for its
 * whole life, in the pool or serving a request: going from one to the
 * other costs no system call when the events wanted are the same.
 */
struct upconn {
	struct loop_ev	 ev;
	struct px	*owner;		/* NULL: idle in the pool */
	struct upconn	*prev, *next;	/* the pool */
	uint64_t	 expires;	/* idle until */
};

struct px {
	struct conn	*c;
	struct px	*prev, *next;	/* requests in flight */
	int		 state;
	int		 inflight;	/* on the list */
	struct upreq	 rq;
	struct upconn	*up;		/* the upstream; NULL: none */
	uint64_t	 deadline;	/* monotonic ms, while in flight: the
					   upstream's silence (stream_timeout) */
	uint64_t	 body_deadline;	/* the client's body (body_timeout);
					   0: all read */
	gid_t		*groups;	/* the peer's, asked once */
	size_t		 ngroups;
	int		 have_groups;
	int		 in_head;	/* a head is arriving: header_timeout
					   runs from its first bytes */

	/* The request in flight. */
	int		 method_id;
	int		 head_req;	/* HEAD: no body in the answer */
	int		 retryable;	/* idempotent, bodiless: may be sent
					   again if a pooled upstream fails
					   before answering */
	int		 reused;	/* the upstream came from the pool */
	int		 retried;
	int		 upgrade;	/* the client offered an upgrade */
	int		 keep_alive;	/* the client's */
	int		 client11;	/* the client speaks HTTP/1.1 */
	int		 wfail;		/* the upstream stopped reading */
	int		 req_body;	/* enum proxy_body, as received */
	uint64_t	 req_left;	/* PROXY_BODY_LENGTH: to read */
	struct http_chunked ch;		/* PROXY_BODY_CHUNKED: decoder */
	int		 req_done;	/* whole body framed into uout */
	uint8_t		*uout;		/* to the upstream: head, body */
	size_t		 uout_off, uout_len;
	size_t		 head_len;	/* of the head, for a retry */

	/* The answer. */
	int		 rs;
	uint8_t		*uin;		/* from the upstream */
	size_t		 uin_off, uin_len;
	int		 got_byte;
	int		 up_eof;
	int		 status;
	int		 resp_body;	/* enum proxy_body, as received */
	int		 out_body;	/* and as sent to the client */
	uint64_t	 resp_left;
	struct http_chunked rch;
	int		 up_keep;	/* the upstream may be reused */
	int		 client_close;	/* the answer says close */

	/* For the audit record. */
	char		*path;		/* normalised target */
	int		 which;		/* deciding route, -1 none */
	uint64_t	 start_ms;
	uint64_t	 bytes_in;	/* request body bytes */
	uint64_t	 bytes_out;	/* answer body bytes */
};

static struct loop	*ploop;
static struct px	*inflight;
static struct upconn	*pool;
static struct upconn	*up_dead;	/* closed, freed by proxy_reap */
static size_t		 npooled;
static size_t		 nconnecting;	/* requests waiting for the connector */
static struct ratelimit	 audit_rl;
static uint8_t		 scratch[PROXY_WINDOW];

/*
 * The exchange buffers (UOUT_SIZE to the upstream, PROXY_WINDOW from
 * it) are taken for a request and given back at its end; a few are
 * kept so that a steady stream of requests allocates nothing, and an
 * idle connection holds none.
 */
#define UOUT_SIZE	(PROXY_HEAD_MAX + PROXY_WINDOW)
#define BUF_CACHE	16
static void		*cache_out[BUF_CACHE], *cache_in[BUF_CACHE];
static size_t		 ncache_out, ncache_in;

static void *
buf_take(void **cache, size_t *n, size_t size)
{
	if (*n > 0)
		return cache[--*n];
	return malloc(size);
}

static void
buf_give(void **cache, size_t *n, void *p)
{
	if (p == NULL)
		return;
	if (*n < BUF_CACHE)
		cache[(*n)++] = p;
	else
		free(p);
}

static void	upstream_event(struct px *, uint32_t);
static int	px_request(struct conn *, struct px *);
static int	upstream_get(struct px *);
static int	px_pump(struct px *);

void
proxy_buffers(const struct listener_conf *lc, size_t *in_max,
    size_t *out_max)
{
	size_t in = CONN_IN_MAX;

	if (lc->lim.max_request_line + lc->lim.max_header_bytes +
	    2 * HTTP_MAX_EMPTY_LINES > in)
		in = lc->lim.max_request_line + lc->lim.max_header_bytes +
		    2 * HTTP_MAX_EMPTY_LINES;
	*in_max = in;
	/* Below the mark, one window of body and a head, re-framed. */
	*out_max = CONN_OUT_HIGH + PROXY_WINDOW + PROXY_HEAD_MAX + 4096;
}

/* ------------------------------------------------------------------ */
/* The pool of idle upstream connections. */

static void	up_dead_event(struct loop_ev *, uint32_t);

/*
 * Forget u: freed after this round of events, which may still hold one
 * for it (it is then ignored). With closefd 0 the fd is someone else's.
 */
static void
up_drop(struct upconn *u, int closefd)
{
	(void)loop_del(ploop, &u->ev);
	if (closefd)
		(void)close(u->ev.fd);
	u->ev.fd = -1;
	u->ev.cb = up_dead_event;
	u->owner = NULL;
	u->next = up_dead;
	up_dead = u;
}

static void
up_close(struct upconn *u)
{
	up_drop(u, 1);
}

static void
up_dead_event(struct loop_ev *ev, uint32_t events)
{
	(void)ev;
	(void)events;
}

void
proxy_reap(void)
{
	struct upconn *u;

	while ((u = up_dead) != NULL) {
		up_dead = u->next;
		free(u);
	}
}

static void
pool_unlink(struct upconn *u)
{
	if (u->prev != NULL)
		u->prev->next = u->next;
	else
		pool = u->next;
	if (u->next != NULL)
		u->next->prev = u->prev;
	u->prev = u->next = NULL;
	npooled--;
}

static void
upconn_event(struct loop_ev *ev, uint32_t events)
{
	struct upconn *u = (struct upconn *)ev;

	if (u->owner != NULL) {
		upstream_event(u->owner, events);
		return;
	}
	/* Idle, it spoke or hung up: it cannot serve another request. */
	pool_unlink(u);
	up_close(u);
}

/* A connection from the connector, registered; NULL (fd closed) if not. */
static struct upconn *
up_new(int fd)
{
	struct upconn *u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		(void)close(fd);
		return NULL;
	}
	u->ev.fd = fd;
	u->ev.cb = upconn_event;
	if (loop_add(ploop, &u->ev, LOOP_IN, 0) == -1) {
		(void)close(fd);
		free(u);
		return NULL;
	}
	return u;
}

static void
pool_put(const struct listener_conf *lc, struct upconn *u)
{
	u->owner = NULL;
	if (npooled >= lc->keepalive || loop_set(ploop, &u->ev, LOOP_IN) ==
	    -1) {
		up_close(u);
		return;
	}
	u->expires = ploop->now_ms + lc->keepalive_timeout_ms;
	u->prev = NULL;
	u->next = pool;
	if (pool != NULL)
		pool->prev = u;
	pool = u;
	npooled++;
}

/*
 * The most recently used idle upstream, or NULL. One that spoke or hung
 * up is normally gone already (upconn_event); one whose event is still
 * to come in this round is dropped here (an idle upstream has nothing
 * to say: what it says would reach the next request's client). For a
 * request that may not be sent twice it is also asked (MSG_PEEK), for
 * what came after the round began.
 */
static struct upconn *
pool_get(int check)
{
	struct upconn *u;
	uint8_t b;

	while ((u = pool) != NULL) {
		pool_unlink(u);
		if (u->ev.pending != ploop->round && (!check || (recv(u->ev.fd,
		    &b, 1, MSG_PEEK | MSG_DONTWAIT) == -1 && errno == EAGAIN)))
			return u;
		up_close(u);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Answers made here, and the audit record. */

static const char *
status_text(int st)
{
	switch (st) {
	case 100: return "Continue";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

static const char *
status_message(int st)
{
	switch (st) {
	case 400: return "bad request";
	case 403: return "forbidden by policy";
	case 502: return "upstream unavailable";
	case 503: return "busy, retry later";
	case 504: return "upstream timed out";
	default: return status_text(st);
	}
}

/*
 * An answer of our own, with a short JSON body ({"message": ...}, which
 * the Docker CLI prints as "Error response from daemon: ..."). With
 * keep_alive 0 the connection closes after it (lingering).
 */
static int
respond(struct conn *c, int status, int head_only, int keep_alive)
{
	char h[512], body[128];
	int n, b;

	b = snprintf(body, sizeof(body), "{\"message\":\"uds-gateway: %s\"}\n",
	    status_message(status));
	n = snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n%s"
	    "Connection: %s\r\n\r\n", status, status_text(status), b,
	    status == 503 ? "Retry-After: 1\r\n" : "",
	    keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof(h) || b < 0 ||
	    (size_t)b >= sizeof(body))
		return -1;
	metrics_request(c->c_l->wl_idx, status);
	if (conn_write(c, h, (size_t)n) == -1 ||
	    (!head_only && conn_write(c, body, (size_t)b) == -1))
		return -1;
	if (!keep_alive)
		conn_close_lingering(c);
	return 0;
}

/* Append s to a JSON string's inside, at most max bytes in all. */
static size_t
json_str(char *out, size_t max, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s != '\0' && o + 7 < max; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[ch >> 4];
			out[o + 5] = hex[ch & 15];
			o += 6;
		} else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return o;
}

static const char *
method_name(int m)
{
	static const char *const names[] = {
		"OTHER", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
		"PATCH", "CONNECT", "TRACE",
	};

	return m >= 0 && (size_t)m < sizeof(names) / sizeof(names[0]) ?
	    names[m] : "OTHER";
}

/*
 * The one record per request: decision "allow", "deny" (a route, or no
 * route) or "invalid" (a 400 before any route could decide). Denied and
 * invalid ones also count as the listener's denials in the logs' rate
 * limit (log_denial_permit); allowed ones have a budget of their own.
 */
/* The record up to its status, without the closing brace. */
static void
audit_head(const struct px *px, const char *decision, int status, char *out,
    size_t max)
{
	const struct conn *c = px->c;
	const struct wlistener *wl = c->c_l;
	char path[1024], route[300];

	(void)json_str(path, sizeof(path), px->path != NULL ? px->path : "");
	if (px->which >= 0) {
		(void)snprintf(route, sizeof(route), "\"%s:%u\"", wl->wl_file,
		    wl->wl_routes[px->which].line);
	} else
		(void)snprintf(route, sizeof(route), "null");
	(void)snprintf(out, max, "{\"type\":\"audit\",\"listener\":\"%s\","
	    "\"pid\":%ld,\"uid\":%lu,\"gid\":%lu,\"method\":\"%s\","
	    "\"path\":\"%s\",\"route\":%s,\"decision\":\"%s\",\"status\":%d",
	    wl->wl_conf->name, (long)c->c_pid, (unsigned long)c->c_uid,
	    (unsigned long)c->c_gid, method_name(px->method_id), path, route,
	    decision, status);
}

int
proxy_audit_permit(uid_t uid)
{
	return ratelimit_allow(&audit_rl, (uint32_t)uid, ploop->now_ms);
}

static void
audit(struct px *px, const char *decision, int status)
{
	const struct conn *c = px->c;
	const struct listener_conf *lc = c->c_l->wl_conf;
	char head[1600];
	int allowed = strcmp(decision, "allow") == 0;
	uint64_t now = ploop->now_ms;

	if (lc->audit == AUDIT_NONE || (lc->audit == AUDIT_DENIED && allowed))
		return;
	if (allowed ? !proxy_audit_permit(c->c_uid) :
	    !log_denial_permit(c->c_uid, now))
		return;
	audit_head(px, decision, status, head, sizeof(head));
	log_prio(allowed ? LOG_INFO : LOG_WARNING, "%s,\"bytes_in\":%llu,"
	    "\"bytes_out\":%llu,\"ms\":%llu}", head,
	    (unsigned long long)px->bytes_in,
	    (unsigned long long)px->bytes_out,
	    (unsigned long long)(now - px->start_ms));
}

/* ------------------------------------------------------------------ */
/* The request in flight. */

static void
inflight_set(struct px *px, int on)
{
	if (px->inflight == on)
		return;
	px->inflight = on;
	if (on) {
		px->prev = NULL;
		px->next = inflight;
		if (inflight != NULL)
			inflight->prev = px;
		inflight = px;
		return;
	}
	if (px->prev != NULL)
		px->prev->next = px->next;
	else
		inflight = px->next;
	if (px->next != NULL)
		px->next->prev = px->prev;
	px->prev = px->next = NULL;
}

/* The upstream moved: stream_timeout of silence from now. */
static void
refresh(struct px *px)
{
	px->deadline = ploop->now_ms + px->c->c_l->wl_conf->stream_timeout_ms;
}

/* The client's body moved: body_timeout of silence from now. */
static void
body_progress(struct px *px)
{
	px->body_deadline = ploop->now_ms +
	    px->c->c_l->wl_conf->lim.body_timeout_ms;
}

/* Drop the upstream: to the pool when it is fit for another request. */
static void
upstream_release(struct px *px, int reuse)
{
	if (px->state == PX_CONNECT) {
		upchan_cancel(&px->rq);
		nconnecting--;
		px->state = PX_EXCHANGE;
	}
	if (px->up != NULL) {
		if (reuse)
			pool_put(px->c->c_l->wl_conf, px->up);
		else
			up_close(px->up);
		px->up = NULL;
	}
}

/* Back to PX_IDLE: the request is over (answered, or failed). */
static void
request_end(struct px *px, int reuse)
{
	upstream_release(px, reuse);
	inflight_set(px, 0);
	px->state = PX_IDLE;
	buf_give(cache_out, &ncache_out, px->uout);
	px->uout = NULL;
	px->uout_off = px->uout_len = 0;
	buf_give(cache_in, &ncache_in, px->uin);
	px->uin = NULL;
	px->uin_off = px->uin_len = 0;
	free(px->path);
	px->path = NULL;
	px->body_deadline = 0;
	conn_busy(px->c, 0);
	/*
	 * Whatever comes next (an answer to flush before a close, or the
	 * next request) has the connection's own deadline again: a client
	 * that never reads cannot hold it.
	 */
	conn_timeout(px->c, px->c->c_l->wl_conf->lim.idle_timeout_ms);
}

/*
 * The request failed before its answer began: answer status ourselves
 * and close (the request's body may be partly read).
 */
static int
fail(struct px *px, int status)
{
	struct conn *c = px->c;

	audit(px, "allow", status);
	request_end(px, 0);
	return respond(c, status, px->head_req, 0);
}

/* The answer broke after its head went out: the client sees a cut. */
static void
abort_exchange(struct px *px)
{
	log_debug("%s: pid %ld uid %lu: proxied answer cut",
	    px->c->c_l->wl_conf->name, (long)px->c->c_pid,
	    (unsigned long)px->c->c_uid);
	audit(px, "allow", px->status);
	request_end(px, 0);
	conn_close_after_flush(px->c);
}

/* The connector's answer for px. */
static void
connected(struct upreq *rq, int err, int fd)
{
	struct px *px = (struct px *)((char *)rq - offsetof(struct px, rq));
	struct conn *c = px->c;

	px->state = PX_EXCHANGE;
	nconnecting--;
	if (err != 0) {
		log_warnx("%s: pid %ld uid %lu: upstream connect failed: %s",
		    c->c_l->wl_conf->name, (long)c->c_pid,
		    (unsigned long)c->c_uid, strerror(err));
		metrics_fwd_fail(c->c_l->wl_idx);
		/* The connector's own limits are local: try again later. */
		(void)fail(px, err == ETIMEDOUT ? 504 : err == EAGAIN ||
		    err == ENOMEM || err == EMFILE || err == ENFILE ? 503 :
		    502);
		(void)conn_kick(c);
		return;
	}
	if ((px->up = up_new(fd)) == NULL) {
		(void)fail(px, 502);
		(void)conn_kick(c);
		return;
	}
	px->up->owner = px;
	refresh(px);
	if (px_pump(px) == 0)
		(void)conn_kick(c);
	else
		conn_close(c);
}

/* Get an upstream connection: a pooled one, or ask the connector. */
static int
upstream_get(struct px *px)
{
	const struct listener_conf *lc = px->c->c_l->wl_conf;

	if (!px->retried && (px->up = pool_get(!px->retryable)) != NULL) {
		px->reused = 1;
		px->state = PX_EXCHANGE;
		px->up->owner = px;
		refresh(px);
		return px_pump(px);
	}
	px->reused = 0;
	if (nconnecting >= PROXY_CONNECTING_MAX) {
		log_warnx("%s: %zu requests already wait for an upstream "
		    "connection", lc->name, nconnecting);
		return fail(px, 503);
	}
	px->state = PX_CONNECT;
	px->rq.upstream = lc->upstream_idx;
	px->rq.done = connected;
	if (upchan_ask(&px->rq) == -1) {
		px->state = PX_EXCHANGE;	/* nothing to cancel */
		log_warn("%s: cannot reach the connector", lc->name);
		return fail(px, 502);
	}
	nconnecting++;
	px->deadline = ploop->now_ms + lc->upstream_timeout_ms +
	    FORWARD_CONNECTOR_GRACE_MS;
	return 0;
}

/* Frame what c_in holds of the request's body into uout. -1: bad body. */
static int
frame_body(struct px *px)
{
	struct conn *c = px->c;
	const uint8_t *data;
	size_t room, n, consumed, dlen;
	uint8_t hdr[24];
	int r;

	while (!px->req_done) {
		if (px->uout_off > 0 && px->uout_off == px->uout_len)
			px->uout_off = px->uout_len = 0;
		room = UOUT_SIZE - px->uout_len;
		if (px->req_body == PROXY_BODY_NONE) {
			px->req_done = 1;
			break;
		}
		if (px->req_body == PROXY_BODY_LENGTH) {
			if (px->req_left == 0) {
				px->req_done = 1;
				break;
			}
			n = buf_len(&c->c_in);
			if (n > px->req_left)
				n = (size_t)px->req_left;
			if (n > room)
				n = room;
			if (n == 0)
				break;
			memcpy(px->uout + px->uout_len, buf_ptr(&c->c_in), n);
			px->uout_len += n;
			buf_consume(&c->c_in, n);
			px->req_left -= n;
			px->bytes_in += n;
			body_progress(px);
			continue;
		}
		/* Chunked: each decoded span goes out as one chunk. */
		if (room < 64 || buf_len(&c->c_in) == 0)
			break;
		n = buf_len(&c->c_in);
		if (n > room - 32)
			n = room - 32;
		r = http_chunked_decode(&px->ch, buf_ptr(&c->c_in), n,
		    &consumed, &data, &dlen);
		if (r == HTTP_CHUNK_DATA) {
			size_t hl = proxy_chunk_header(hdr, dlen);

			memcpy(px->uout + px->uout_len, hdr, hl);
			memcpy(px->uout + px->uout_len + hl, data, dlen);
			memcpy(px->uout + px->uout_len + hl + dlen, "\r\n", 2);
			px->uout_len += hl + dlen + 2;
			px->bytes_in += dlen;
		} else if (r == HTTP_CHUNK_DONE) {
			memcpy(px->uout + px->uout_len, "0\r\n\r\n", 5);
			px->uout_len += 5;
			px->req_done = 1;
		} else if (r != HTTP_AGAIN) {
			log_debug("%s: pid %ld: request body: %s",
			    c->c_l->wl_conf->name, (long)c->c_pid,
			    http_error_reason(r));
			buf_consume(&c->c_in, consumed);
			return -1;
		}
		buf_consume(&c->c_in, consumed);
		if (consumed > 0)
			body_progress(px);
		if (r == HTTP_AGAIN)
			break;
	}
	if (px->req_done)
		px->body_deadline = 0;
	return 0;
}

/* Send uout. 1 all sent, 0 the upstream is full, -1 it failed. */
static int
flush_up(struct px *px)
{
	ssize_t n;

	while (px->uout_off < px->uout_len) {
		n = send(px->up->ev.fd, px->uout + px->uout_off, px->uout_len -
		    px->uout_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n == -1)
			return -1;
		px->uout_off += (size_t)n;
		refresh(px);
		/* The client was waiting for us, not we for it. */
		if (px->body_deadline != 0)
			body_progress(px);
	}
	return 1;
}

static int
is_docker_stream(const struct http_response *rsp)
{
	static const char *const types[] = {
		"application/vnd.docker.raw-stream",
		"application/vnd.docker.multiplexed-stream",
	};
	size_t i, n;

	if (rsp->content_type == NULL)
		return 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i]);
		if (rsp->content_type_len >= n && strncasecmp((const char *)
		    rsp->content_type, types[i], n) == 0 &&
		    (rsp->content_type_len == n ||
		    rsp->content_type[n] == ';' ||
		    rsp->content_type[n] == ' '))
			return 1;
	}
	return 0;
}

/*
 * The answer is a tunnel (a 101, or Docker's hijack): its head and what
 * followed it go to the client, what the client sent after its request
 * goes upstream, and forward.c relays both ways from now on. Returns 1:
 * the connection is handed over (px and c are gone), or -1 to close.
 */
static int
tunnel(struct px *px, size_t head_len, const struct http_response *rsp,
    int upgrade)
{
	struct conn *c = px->c;
	struct wlistener *wl = c->c_l;
	struct proxy_resphead rh;
	struct forward_audit ta;
	struct peer peer;
	uint8_t *up = NULL, *down = NULL;
	size_t uplen, downlen, rest;
	int n, fd, ufd, uid_held;

	if (!px->req_done && px->req_body == PROXY_BODY_CHUNKED)
		return -1;	/* mid-chunk: no clean place to switch */
	memset(&rh, 0, sizeof(rh));
	rh.rsp = rsp;
	rh.body = PROXY_BODY_CLOSE;
	rh.upgrade = upgrade;
	n = proxy_build_response(scratch, sizeof(scratch), &rh);
	if (n < 0 || conn_write(c, scratch, (size_t)n) == -1)
		return -1;
	rest = px->uin_len - head_len;
	if (rest > 0 && conn_write(c, px->uin + head_len, rest) == -1)
		return -1;
	px->bytes_out += rest;
	metrics_request(wl->wl_idx, px->status);
	/* Its record is written when the tunnel closes (forward.c). */
	memset(&ta, 0, sizeof(ta));
	if (wl->wl_conf->audit == AUDIT_ALL) {
		audit_head(px, "allow", px->status, ta.head, sizeof(ta.head));
		ta.on = 1;
		ta.start_ms = px->start_ms;
		/* What the client sent after its request goes too. */
		ta.bytes_in = px->bytes_in + buf_len(&c->c_in);
		ta.bytes_out = px->bytes_out;
	}
	/* Unsent request bytes, then what the client sent after them. */
	uplen = (px->uout_len - px->uout_off) + buf_len(&c->c_in);
	downlen = buf_len(&c->c_out);
	if (uplen > FORWARD_WINDOW || downlen > FORWARD_WINDOW)
		return -1;
	if ((uplen > 0 && (up = malloc(uplen)) == NULL) ||
	    (downlen > 0 && (down = malloc(downlen)) == NULL)) {
		free(up);
		return -1;
	}
	if (uplen > 0) {
		memcpy(up, px->uout + px->uout_off, px->uout_len -
		    px->uout_off);
		memcpy(up + (px->uout_len - px->uout_off), buf_ptr(&c->c_in),
		    buf_len(&c->c_in));
	}
	if (downlen > 0)
		memcpy(down, buf_ptr(&c->c_out), downlen);
	memset(&peer, 0, sizeof(peer));
	peer.pid = c->c_pid;
	peer.uid = c->c_uid;
	peer.gid = c->c_gid;
	ufd = px->up->ev.fd;
	up_drop(px->up, 0);
	px->up = NULL;
	request_end(px, 0);
	free(px->groups);
	free(px);
	c->c_svc = NULL;
	log_debug("%s: pid %ld uid %lu: tunnel", wl->wl_conf->name,
	    (long)peer.pid, (unsigned long)peer.uid);
	fd = conn_detach(c, &uid_held);
	(void)forward_adopt(wl, fd, ufd, &peer, uid_held, up, uplen, down,
	    downlen, wl->wl_conf->stream_timeout_ms, ta.on ? &ta : NULL);
	free(up);
	free(down);
	return 1;
}

/* The answer is complete: pool the upstream, go on with the client. */
static int
answer_done(struct px *px)
{
	struct conn *c = px->c;
	int reuse;

	reuse = px->up_keep && px->req_done && px->uout_off == px->uout_len &&
	    px->resp_body != PROXY_BODY_CLOSE && !px->up_eof;
	audit(px, "allow", px->status);
	request_end(px, reuse);
	if (px->client_close) {
		conn_close_after_flush(c);
		return 0;
	}
	conn_timeout(c, c->c_l->wl_conf->lim.idle_timeout_ms);
	/*
	 * A pipelined request already read is next, even after the
	 * client's EOF (it may send all its requests, then shut down);
	 * with none left, conn.c closes after an EOF.
	 */
	return px_request(c, px);
}

/* Parse the answer's head in uin; 0 go on, 1 handed over, -1 close. */
static int
answer_head(struct px *px)
{
	struct conn *c = px->c;
	const struct listener_conf *lc = c->c_l->wl_conf;
	struct http_header hdrs[HTTP_MAX_HEADERS];
	struct http_response rsp;
	struct http_limits lim;
	struct proxy_resphead rh;
	int r, n;

	for (;;) {
		memset(&lim, 0, sizeof(lim));
		lim.max_request_line = lc->lim.max_request_line;
		lim.max_header_bytes = PROXY_HEAD_MAX;
		lim.max_headers = HTTP_MAX_HEADERS;
		rsp.headers = hdrs;
		rsp.max_headers = HTTP_MAX_HEADERS;
		r = http_parse_response(px->uin, px->uin_len, &lim, &rsp);
		if (r == HTTP_AGAIN) {
			if (px->up_eof || px->uin_len == PROXY_WINDOW)
				goto bad;
			return 0;
		}
		if (r < 0) {
			log_warnx("%s: pid %ld uid %lu: bad answer from the "
			    "upstream: %s", lc->name, (long)c->c_pid,
			    (unsigned long)c->c_uid, http_error_reason(r));
			goto bad;
		}
		if (rsp.status >= 100 && rsp.status < 200 &&
		    rsp.status != 101) {
			/* Interim (100, 103): not passed on. */
			memmove(px->uin, px->uin + r, px->uin_len - (size_t)r);
			px->uin_len -= (size_t)r;
			continue;
		}
		break;
	}
	px->status = rsp.status;
	px->up_keep = rsp.keep_alive;
	if (rsp.status == 101) {
		if (!px->upgrade || !rsp.conn_upgrade || rsp.upgrade == NULL) {
			log_warnx("%s: upstream switched protocols unasked",
			    lc->name);
			goto bad;
		}
		return tunnel(px, (size_t)r, &rsp, 1);
	}
	if (px->method_id == HTTP_M_POST && rsp.status == 200 &&
	    !rsp.has_content_length && !rsp.chunked && is_docker_stream(&rsp))
		return tunnel(px, (size_t)r, &rsp, 0);	/* Docker's hijack */

	if (px->head_req || rsp.status == 204 || rsp.status == 304)
		px->resp_body = PROXY_BODY_NONE;
	else if (rsp.chunked)
		px->resp_body = PROXY_BODY_CHUNKED;
	else if (rsp.has_content_length)
		px->resp_body = PROXY_BODY_LENGTH;
	else
		px->resp_body = PROXY_BODY_CLOSE;
	px->resp_left = rsp.content_length;
	px->out_body = px->resp_body;
	/* An HTTP/1.0 client cannot read chunks: until the close, then. */
	if (px->resp_body == PROXY_BODY_CHUNKED && !px->client11)
		px->out_body = PROXY_BODY_CLOSE;
	/*
	 * Closed after this answer: the client asked; the body runs until
	 * the close; the worker is draining and nothing read before that
	 * waits; or the answer came before the request's body was all
	 * read, which is then not read at all.
	 */
	px->client_close = !px->keep_alive || px->out_body ==
	    PROXY_BODY_CLOSE || (conn_draining(c) && !conn_drain_more(c, 0)) ||
	    !px->req_done;
	memset(&rh, 0, sizeof(rh));
	rh.rsp = &rsp;
	rh.body = px->out_body;
	rh.length = rsp.content_length;
	rh.close = px->client_close;
	n = proxy_build_response(scratch, sizeof(scratch), &rh);
	if (n < 0 || conn_write(c, scratch, (size_t)n) == -1)
		goto bad;
	metrics_request(c->c_l->wl_idx, rsp.status);
	memmove(px->uin, px->uin + r, px->uin_len - (size_t)r);
	px->uin_len -= (size_t)r;
	if (px->resp_body == PROXY_BODY_CHUNKED) {
		struct http_limits rl;

		memset(&rl, 0, sizeof(rl));
		rl.max_header_bytes = PROXY_HEAD_MAX;
		rl.max_headers = HTTP_MAX_HEADERS;
		rl.max_body = UINT64_MAX;
		http_chunked_init(&px->rch, &rl);
	}
	px->rs = RS_BODY;
	return 0;
 bad:
	return fail(px, 502);
}

/* Pass what uin holds of the answer's body on to the client. */
static int
answer_body(struct px *px)
{
	struct conn *c = px->c;
	const uint8_t *p, *data;
	size_t n, consumed, dlen;
	uint8_t hdr[24];
	int r;

	while (px->rs == RS_BODY && buf_len(&c->c_out) < CONN_OUT_HIGH) {
		p = px->uin + px->uin_off;
		n = px->uin_len - px->uin_off;
		if (px->resp_body == PROXY_BODY_NONE) {
			px->rs = RS_DONE;
			break;
		}
		if (px->resp_body == PROXY_BODY_LENGTH && px->resp_left == 0) {
			px->rs = RS_DONE;
			break;
		}
		if (n == 0)
			break;
		if (px->resp_body == PROXY_BODY_LENGTH ||
		    px->resp_body == PROXY_BODY_CLOSE) {
			if (px->resp_body == PROXY_BODY_LENGTH &&
			    n > px->resp_left)
				n = (size_t)px->resp_left;
			if (conn_write(c, p, n) == -1)
				return -1;
			px->uin_off += n;
			px->bytes_out += n;
			if (px->resp_body == PROXY_BODY_LENGTH)
				px->resp_left -= n;
			continue;
		}
		r = http_chunked_decode(&px->rch, p, n, &consumed, &data,
		    &dlen);
		px->uin_off += consumed;
		if (r == HTTP_CHUNK_DATA) {
			px->bytes_out += dlen;
			if (px->out_body == PROXY_BODY_CHUNKED) {
				size_t hl = proxy_chunk_header(hdr, dlen);

				if (conn_write(c, hdr, hl) == -1 ||
				    conn_write(c, data, dlen) == -1 ||
				    conn_write(c, "\r\n", 2) == -1)
					return -1;
			} else if (conn_write(c, data, dlen) == -1)
				return -1;
		} else if (r == HTTP_CHUNK_DONE) {
			if (px->out_body == PROXY_BODY_CHUNKED &&
			    conn_write(c, "0\r\n\r\n", 5) == -1)
				return -1;
			px->rs = RS_DONE;
		} else if (r != HTTP_AGAIN) {
			log_warnx("%s: bad chunked answer from the upstream: "
			    "%s", c->c_l->wl_conf->name, http_error_reason(r));
			return -1;
		}
	}
	if (px->rs == RS_BODY && px->up_eof && px->uin_off == px->uin_len) {
		if (px->resp_body != PROXY_BODY_CLOSE)
			return -1;	/* cut short */
		px->rs = RS_DONE;
	}
	if (px->uin_off == px->uin_len)
		px->uin_off = px->uin_len = 0;
	if (px->rs == RS_DONE && px->uin_len > px->uin_off)
		px->up_keep = 0;	/* more than it announced */
	if (px->rs == RS_BODY && buf_len(&c->c_out) >= CONN_OUT_HIGH)
		conn_input_pending(c);	/* input() once the client read */
	return 0;
}

/* Poll the upstream for what the exchange needs now. */
static int
interest(struct px *px)
{
	uint32_t mask = 0;

	if (px->up == NULL)
		return 0;
	if (px->uout_off < px->uout_len && !px->wfail)
		mask |= LOOP_OUT;
	if (px->rs != RS_DONE && px->uin_len < PROXY_WINDOW &&
	    (px->rs == RS_HEAD || buf_len(&px->c->c_out) < CONN_OUT_HIGH))
		mask |= LOOP_IN;
	return loop_set(ploop, &px->up->ev, mask);
}

/*
 * The upstream failed before the answer began. A request that is safe
 * to repeat, sent on a pooled connection the upstream had closed in the
 * meantime, is sent once more on a new one; anything else is a 502.
 */
static int
upstream_broke(struct px *px, int err)
{
	struct conn *c = px->c;

	if (px->retryable && px->reused && !px->retried && !px->got_byte) {
		log_debug("%s: pooled upstream connection gone: %s; asking "
		    "for a new one", c->c_l->wl_conf->name, err != 0 ?
		    strerror(err) : "closed");
		upstream_release(px, 0);
		px->retried = 1;
		px->uout_off = 0;
		px->uout_len = px->head_len;
		px->uin_off = px->uin_len = 0;
		px->up_eof = 0;
		px->wfail = 0;
		return upstream_get(px);
	}
	log_warnx("%s: pid %ld uid %lu: upstream failed before answering%s%s",
	    c->c_l->wl_conf->name, (long)c->c_pid, (unsigned long)c->c_uid,
	    err ? ": " : "", err ? strerror(err) : "");
	return fail(px, 502);
}

/*
 * The client side of the exchange: frame its body, send it. Never reads
 * the upstream (that is upstream_event's). 0, or -1 to close.
 */
static int
px_pump(struct px *px)
{
	int r;

	if (px->state != PX_EXCHANGE)
		return 0;
	if (!px->wfail) {
		if (frame_body(px) == -1) {
			if (px->rs == RS_HEAD)
				return fail(px, 400);
			return -1;
		}
		if ((r = flush_up(px)) == -1) {
			/*
			 * It stopped reading: it may have answered early (a
			 * 413, say), or be gone. Reading tells which.
			 */
			px->wfail = 1;
			px->up_keep = 0;
		}
		/* What it sent is framed: the rest of c_in is not body. */
		if (frame_body(px) == 0 && r == 1 && !px->wfail)
			(void)flush_up(px);
	}
	if (!px->req_done && conn_eof(px->c) && buf_len(&px->c->c_in) == 0) {
		/* The client stopped in the middle of its body. */
		if (px->rs == RS_HEAD)
			return fail(px, 400);
		return -1;
	}
	if (interest(px) == -1)
		return -1;
	return 0;
}

/* Read the upstream and answer. 0, 1 handed over, -1 close the client. */
static int
upstream_read(struct px *px)
{
	struct conn *c = px->c;
	ssize_t n;
	int r, rounds;

	if (px->uin == NULL && (px->uin = buf_take(cache_in, &ncache_in,
	    PROXY_WINDOW)) == NULL)
		return -1;
	for (rounds = 0; rounds < 16 && px->state == PX_EXCHANGE &&
	    px->rs != RS_DONE; rounds++) {
		if (px->rs == RS_BODY && buf_len(&c->c_out) >= CONN_OUT_HIGH) {
			conn_input_pending(c);
			break;
		}
		if (px->uin_off > 0 && px->rs == RS_BODY) {
			memmove(px->uin, px->uin + px->uin_off, px->uin_len -
			    px->uin_off);
			px->uin_len -= px->uin_off;
			px->uin_off = 0;
		}
		n = 0;
		if (!px->up_eof && px->uin_len < PROXY_WINDOW) {
			n = recv(px->up->ev.fd, px->uin + px->uin_len,
			    PROXY_WINDOW - px->uin_len, MSG_DONTWAIT);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				break;
			if (n == -1) {
				if (px->rs == RS_HEAD)
					return upstream_broke(px, errno);
				return -1;
			}
			if (n == 0) {
				px->up_eof = 1;
				if (px->rs == RS_HEAD && px->uin_len == 0)
					return upstream_broke(px, 0);
			} else {
				px->uin_len += (size_t)n;
				px->got_byte = 1;
				refresh(px);
			}
		}
		if (px->rs == RS_HEAD) {
			if ((r = answer_head(px)) != 0)
				return r;
			if (px->state != PX_EXCHANGE || px->rs == RS_HEAD)
				break;
		}
		if (answer_body(px) == -1)
			return -1;
		if (n == 0 && px->rs == RS_BODY)
			break;	/* the client's turn */
	}
	if (px->state == PX_EXCHANGE && px->rs == RS_DONE) {
		if (px->wfail || !px->req_done)
			px->client_close = 1;	/* its body was not all read */
		return answer_done(px);
	}
	return 0;
}

static void
upstream_event(struct px *px, uint32_t events)
{
	struct conn *c = px->c;
	int r = 0;

	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		r = px_pump(px);
	if (r == 0 && px->state == PX_EXCHANGE && px->up != NULL &&
	    (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		r = upstream_read(px);
	if (r == 1)
		return;		/* handed over to forward.c */
	if (r == -1) {
		conn_close(c);
		return;
	}
	if (px->state == PX_EXCHANGE && interest(px) == -1) {
		conn_close(c);
		return;
	}
	(void)conn_kick(c);
}

/* ------------------------------------------------------------------ */
/* Requests. */

static int
peer_groups(struct px *px)
{
	static gid_t big[65536];
	gid_t small[64];
	size_t n;

	if (px->have_groups)
		return 0;
	if (conn_io_groups(px->c, small, 64, &n) == 0) {
		if (n > 0 && (px->groups = malloc(n * sizeof(gid_t))) == NULL)
			return -1;
		if (n > 0)	/* memcpy from or to NULL is undefined, even of 0 */
			memcpy(px->groups, small, n * sizeof(gid_t));
	} else if (errno == ERANGE && conn_io_groups(px->c, big, 65536,
	    &n) == 0) {
		if ((px->groups = malloc(n * sizeof(gid_t))) == NULL)
			return -1;
		memcpy(px->groups, big, n * sizeof(gid_t));
	} else
		return -1;
	px->ngroups = n;
	px->have_groups = 1;
	return 0;
}

static int
method_idempotent(int m)
{
	return m == HTTP_M_GET || m == HTTP_M_HEAD || m == HTTP_M_OPTIONS ||
	    m == HTTP_M_TRACE || m == HTTP_M_PUT || m == HTTP_M_DELETE;
}

/* A refused request: 403, the connection kept when no body follows. */
static int
refuse(struct px *px, const struct http_request *req, size_t head_len)
{
	struct conn *c = px->c;
	int keep;

	audit(px, "deny", 403);
	free(px->path);
	px->path = NULL;
	keep = req->keep_alive && !req->chunked && !(req->has_content_length &&
	    req->content_length > 0) && !(conn_draining(c) &&
	    !conn_drain_more(c, head_len));
	buf_consume(&c->c_in, head_len);
	return respond(c, 403, req->method_id == HTTP_M_HEAD, keep);
}

/* An invalid request (400 and the like): answered, then closed. */
static int
invalid(struct px *px, int status, const char *why)
{
	struct conn *c = px->c;

	log_debug("%s: pid %ld: %s", c->c_l->wl_conf->name, (long)c->c_pid,
	    why);
	audit(px, "invalid", status);
	free(px->path);
	px->path = NULL;
	return respond(c, status, 0, 0);
}

/* The request head at the start of c_in, if it is all there. */
static int
px_request_one(struct conn *c, struct px *px)
{
	const struct listener_conf *lc = c->c_l->wl_conf;
	struct http_header hdrs[HTTP_MAX_HEADERS];
	struct http_request req;
	struct http_limits lim;
	struct proxy_reqhead rh;
	struct peer peer;
	const uint8_t *proto = NULL;
	size_t plen = 0, pathlen;
	char *norm;
	int r, n, decision;

	if (buf_len(&c->c_in) == 0 || conn_closing(c))
		return 0;
	memset(&lim, 0, sizeof(lim));
	lim.max_request_line = lc->lim.max_request_line;
	lim.max_header_bytes = lc->lim.max_header_bytes;
	lim.max_headers = lc->lim.max_headers;
	lim.max_body = lc->lim.max_body;
	req.headers = hdrs;
	req.max_headers = HTTP_MAX_HEADERS;
	r = http_parse_request(buf_ptr(&c->c_in), buf_len(&c->c_in), &lim,
	    &req);
	if (r == HTTP_AGAIN) {
		/* Once per head: bytes trickling in do not extend it. */
		if (!px->in_head) {
			px->in_head = 1;
			conn_timeout(c, lc->lim.header_timeout_ms);
		}
		return 0;
	}
	px->in_head = 0;
	px->start_ms = ploop->now_ms;
	px->which = -1;
	px->method_id = HTTP_M_OTHER;
	px->bytes_in = px->bytes_out = 0;
	if (r < 0)
		return invalid(px, http_error_status(r), http_error_reason(r));
	px->method_id = req.method_id;
	if (req.target_form != HTTP_TF_ORIGIN)
		return invalid(px, 400, "target not in origin-form");
	if ((norm = malloc(req.target_len + 1)) == NULL)
		return -1;
	n = route_normalise(req.target, req.target_len, norm,
	    req.target_len + 1, &pathlen);
	if (n < 0) {
		free(norm);
		return invalid(px, 400, route_error_reason(n));
	}
	px->path = norm;
	if (peer_groups(px) == -1) {
		log_warn("%s: SO_PEERGROUPS", lc->name);
		return -1;
	}
	memset(&peer, 0, sizeof(peer));
	peer.pid = c->c_pid;
	peer.uid = c->c_uid;
	peer.gid = c->c_gid;
	peer.groups = px->groups;
	peer.ngroups = px->ngroups;
	decision = route_decide(c->c_l->wl_routes, lc->nroutes,
	    lc->api_version_prefix, req.method_id, req.chunked ||
	    (req.has_content_length && req.content_length > 0), norm, pathlen,
	    (size_t)n, &peer, &px->which);
	if (decision != ROUTE_ALLOW)
		return refuse(px, &req, (size_t)r);

	/* Allowed: rebuild the head for the upstream. */
	if ((px->uout = buf_take(cache_out, &ncache_out, UOUT_SIZE)) == NULL)
		return -1;
	px->uout_off = px->uout_len = 0;
	px->upgrade = proxy_upgrade_offer(&req, PROXY_UPGRADES, &proto, &plen);
	px->head_req = req.method_id == HTTP_M_HEAD;
	px->keep_alive = req.keep_alive;
	px->client11 = req.minor_version == 1;
	px->req_body = req.chunked ? PROXY_BODY_CHUNKED :
	    req.has_content_length ? PROXY_BODY_LENGTH : PROXY_BODY_NONE;
	px->req_left = req.content_length;
	px->req_done = 0;
	px->retryable = method_idempotent(req.method_id) &&
	    px->req_body == PROXY_BODY_NONE && !px->upgrade;
	px->reused = px->retried = px->wfail = 0;
	px->rs = RS_HEAD;
	px->got_byte = px->up_eof = 0;
	px->status = 0;
	px->up_keep = px->client_close = 0;
	if (req.chunked)
		http_chunked_init(&px->ch, &lim);
	memset(&rh, 0, sizeof(rh));
	rh.req = &req;
	rh.target = norm;
	rh.target_len = (size_t)n;
	rh.peer = &peer;
	rh.identity = lc->identity_headers;
	rh.upgrade = px->upgrade ? proto : NULL;
	rh.upgrade_len = plen;
	rh.body = px->req_body;
	rh.length = req.content_length;
	n = proxy_build_request(px->uout, PROXY_HEAD_MAX, &rh);
	if (n == GW_ERR_NOSPACE)
		return invalid(px, 431, "rebuilt head too large");
	if (n < 0)	/* more Connection options than it keeps track of */
		return invalid(px, 400, "request head not rebuilt");
	px->uout_len = px->head_len = (size_t)n;
	if (req.expect_continue &&
	    conn_write(c, "HTTP/1.1 100 Continue\r\n\r\n", 25) == -1)
		return -1;
	buf_consume(&c->c_in, (size_t)r);
	conn_busy(c, 1);
	conn_timeout(c, 0);	/* the request's deadline is px's */
	inflight_set(px, 1);
	refresh(px);
	if (px->req_body != PROXY_BODY_NONE)
		body_progress(px);
	if (frame_body(px) == -1)
		return fail(px, 400);
	return upstream_get(px);
}

/* Requests in c_in, one after another while each is answered here. */
static int
px_request(struct conn *c, struct px *px)
{
	size_t before;
	int r;

	while (px->state == PX_IDLE && buf_len(&c->c_in) > 0 &&
	    !conn_closing(c)) {
		if (buf_len(&c->c_out) >= CONN_OUT_HIGH) {
			/* Let the client read first; conn.c calls again. */
			conn_input_pending(c);
			break;
		}
		before = buf_len(&c->c_in);
		if ((r = px_request_one(c, px)) != 0)
			return r;
		if (buf_len(&c->c_in) == before)
			break;		/* a head not all there yet */
	}
	return 0;
}

static int
proxy_input(struct conn *c)
{
	struct px *px = c->c_svc;

	if (px == NULL) {
		if (buf_len(&c->c_in) == 0)
			return 0;
		if ((px = calloc(1, sizeof(*px))) == NULL)
			return -1;
		px->c = c;
		px->which = -1;
		c->c_svc = px;
	}
	switch (px->state) {
	case PX_IDLE:
		return px_request(c, px);
	case PX_CONNECT:
		if (frame_body(px) == -1)
			return fail(px, 400);
		return 0;
	default:
		return px_pump(px);
	}
}

static int
proxy_open(struct conn *c)
{
	c->c_svc = NULL;	/* allocated with the first request byte */
	conn_timeout(c, c->c_l->wl_conf->lim.idle_timeout_ms);
	return 0;
}

static void
proxy_deny(struct conn *c)
{
	(void)respond(c, 403, 0, 0);
}

/*
 * Drain: as the http service, nothing is closed here. A request in
 * flight is finished; its answer says "Connection: close" when no
 * pipelined request read before the drain is left (answer_head), and an
 * idle connection's next request is answered the same way.
 */
static void
proxy_drain(struct conn *c)
{
	(void)c;
}

static void
proxy_close(struct conn *c)
{
	struct px *px = c->c_svc;

	if (px == NULL)
		return;
	if (px->state != PX_IDLE)	/* the client left mid-request */
		audit(px, "allow", px->status != 0 ? px->status : 499);
	request_end(px, 0);
	free(px->groups);
	free(px);
	c->c_svc = NULL;
}

const struct service proxy_service = {
	.name = "proxy",
	.open = proxy_open,
	.deny = proxy_deny,
	.input = proxy_input,
	.drain = proxy_drain,
	.close = proxy_close,
};

void
proxy_sweep(uint64_t now)
{
	struct ratelimit_summary sum;
	struct px *px, *next;
	struct upconn *u, *unext;
	struct conn *c;

	if (ploop == NULL)
		return;		/* not a proxy worker */
	for (px = inflight; px != NULL; px = next) {
		next = px->next;
		c = px->c;
		/*
		 * The client's silence counts only while nothing waits for
		 * the upstream: a stalled upstream is stream_timeout's.
		 */
		if (px->body_deadline != 0 && now >= px->body_deadline &&
		    px->uout_off == px->uout_len) {
			/* The client stopped in the middle of its body. */
			metrics_timeout(c->c_l->wl_idx);
			log_debug("%s: pid %ld: request body timed out",
			    c->c_l->wl_conf->name, (long)c->c_pid);
			if (px->rs == RS_HEAD)
				(void)fail(px, 408);
			else
				abort_exchange(px);
			(void)conn_kick(c);
			continue;
		}
		if (now < px->deadline)
			continue;
		metrics_timeout(c->c_l->wl_idx);
		log_warnx("%s: pid %ld uid %lu: upstream timed out",
		    c->c_l->wl_conf->name, (long)c->c_pid,
		    (unsigned long)c->c_uid);
		if (px->state == PX_CONNECT || px->rs == RS_HEAD)
			(void)fail(px, 504);
		else
			abort_exchange(px);
		/* May close c; next is another connection's. */
		(void)conn_kick(c);
	}
	for (u = pool; u != NULL; u = unext) {
		unext = u->next;
		if (now >= u->expires) {
			pool_unlink(u);
			up_close(u);
		}
	}
	while (ratelimit_summary(&audit_rl, now, &sum))
		log_info("audit: %llu records of %s %lu suppressed in %llu ms",
		    (unsigned long long)sum.count, sum.other ? "other uids" :
		    "uid", sum.other ? 0ul : (unsigned long)sum.key,
		    (unsigned long long)sum.span_ms);
}

void
proxy_setup(struct loop *l)
{
	ploop = l;
	ratelimit_init(&audit_rl, PROXY_AUDIT_BURST, 10000);
}
