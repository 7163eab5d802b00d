/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer: the service layer (conn.c, http_serve.c, echo.c) driven
 * through a connection with no socket behind it (conn_mem.c), and its
 * output checked: HTTP answers are well-formed, framed by their
 * Content-Length, one per request a model parse of the input finds, in
 * order, with the status that request must get; echo gives back what
 * follows a good AUTH line, and nothing otherwise.
 *
 * Input: byte 0 chooses the listener and the transport (bit 0 echo,
 * bit 1 token, bit 2 peer denied, bit 3 drain mid-way, bits 4-5 write
 * size, bits 6-7 read size); byte 1 seeds the read sizes, and its bit
 * 7 keeps the connection open after the input (no EOF: it ends by its
 * deadline); the rest is what the peer sends. The token is "s3cret".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "conn.h"
#include "conn_mem.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "service.h"
#include "token.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define TOKEN		"s3cret"
#define MAX_INPUT	(1 << 16)
#define MAX_REQS	4096

static struct policy		 pol;
static struct wlistener		 wl;
static const struct metrics_listener *mset[1];
static const char		*mnames[1];
static const gid_t		 groups[] = { 4, 24, 100 };
static int			 have_token;	/* 0: built WITH_OPENSSL=0 */

/* What the model parse expects for one request, in order. */
struct expect {
	int		 status;	/* 0: 200 or 405 (a route) */
	int		 head;		/* HEAD: no body in the answer */
	int		 cont;		/* a 100 Continue comes first */
	int		 close;		/* the connection closes after it */
	int		 echo;		/* POST /echo: body is the request's */
	const uint8_t	*body;		/* the request body, for echo */
	size_t		 body_len;	/* (chunked: decoded into dbuf) */
};

static struct expect	 exp_[MAX_REQS];
static int		 tail_cont;	/* a 100 Continue for a cut body */
static uint8_t		 dbuf[MAX_INPUT];	/* decoded chunked bodies */
static size_t		 dbuf_used;

static void
setup(void)
{
	struct listener_conf *lc = &pol.listeners[0];
	struct metrics_shm *shm;
	size_t size;

	log_init("fuzz", LOG_WARNING);
	/* Format every record (denials too), send it nowhere. */
	log_set_sink(LOG_SINK_IPC, -1);
	token_init();
	pol.magic = POLICY_MAGIC;
	pol.size = sizeof(pol);
	pol.nlisteners = 1;
	memcpy(pol.file, "fuzz.policy", 12);
	memcpy(lc->name, "fz", 3);
	lc->metrics = 1;
	lc->line = 7;
	lc->lim.max_connections = 1000;
	lc->lim.max_connections_per_uid = 1000;
	lc->lim.idle_timeout_ms = 1000;
	lc->lim.header_timeout_ms = 1000;
	lc->lim.body_timeout_ms = 1000;
	lc->lim.max_request_line = 256;
	lc->lim.max_header_bytes = 1024;
	lc->lim.max_headers = 16;
	lc->lim.max_body = 4096;
	have_token = token_sha256((const uint8_t *)TOKEN, sizeof(TOKEN) - 1,
	    lc->tokens[0]) == 0;
	/* The counters as the parent lays them out for a worker. */
	size = metrics_shm_size(&pol);
	if ((shm = calloc(1, size)) == NULL ||
	    metrics_shm_init(shm, size, &pol) != 0 ||
	    metrics_attach(shm, size) != 0)
		abort();
	mset[0] = &shm->l[0];
	mnames[0] = lc->name;
	wl.wl_conf = lc;
	wl.wl_file = pol.file;
	wl.wl_mset = mset;
	wl.wl_mnames = mnames;
	wl.wl_nmset = 1;
}

static int
has_token(const struct http_request *req)
{
	const uint8_t *t;
	size_t n;

	return req->authorization != NULL &&
	    token_parse_bearer(req->authorization, req->authorization_len,
	    &t, &n) == 0 && n == sizeof(TOKEN) - 1 &&
	    memcmp(t, TOKEN, n) == 0;
}

/* The body of the request at p: its length in *used, or <0 / AGAIN. */
static int
model_body(const uint8_t *p, size_t n, const struct http_request *req,
    const struct http_limits *lim, struct expect *e, size_t *used)
{
	struct http_chunked ch;
	const uint8_t *d;
	uint8_t *db = dbuf + dbuf_used;
	size_t c, dl, off = 0, dlen = 0;
	int r;

	if (!req->chunked) {
		if (n < req->content_length)
			return HTTP_AGAIN;
		e->body = p;
		e->body_len = req->content_length;
		*used = req->content_length;
		return 0;
	}
	http_chunked_init(&ch, lim);
	do {
		r = http_chunked_decode(&ch, p + off, n - off, &c, &d, &dl);
		if (r == HTTP_CHUNK_DATA) {
			/* decoded bytes are fewer than their encoding */
			memcpy(db + dlen, d, dl);
			dlen += dl;
		}
		off += c;
	} while (r == HTTP_CHUNK_DATA);
	if (r == HTTP_CHUNK_DONE) {
		e->body = db;
		e->body_len = dlen;
		dbuf_used += dlen;
		*used = off;
		return 0;
	}
	return r;
}

/*
 * Parse the whole input as the service should: the answers it owes, in
 * order. Returns their number.
 */
static size_t
model_http(const uint8_t *p, size_t n, int token)
{
	struct http_header hdrs[HTTP_MAX_HEADERS];
	struct http_request req;
	struct http_limits lim;
	const struct limits *l = &wl.wl_conf->lim;
	struct expect *e;
	size_t off = 0, k = 0, used;
	int r, body;

	lim.max_request_line = l->max_request_line;
	lim.max_header_bytes = l->max_header_bytes;
	lim.max_headers = l->max_headers;
	lim.max_body = l->max_body;
	tail_cont = 0;
	dbuf_used = 0;
	while (off < n && k < MAX_REQS) {
		e = &exp_[k];
		memset(e, 0, sizeof(*e));
		req.headers = hdrs;
		req.max_headers = HTTP_MAX_HEADERS;
		r = http_parse_request(p + off, n - off, &lim, &req);
		if (r == HTTP_AGAIN)
			break;
		if (r < 0) {
			e->status = http_error_status(r);
			e->close = 1;
			return k + 1;
		}
		e->head = req.method_id == HTTP_M_HEAD;
		if (token && !has_token(&req)) {
			e->status = 401;
			e->close = 1;
			return k + 1;
		}
		body = req.chunked || (req.has_content_length &&
		    req.content_length > 0);
		e->cont = body && req.expect_continue;
		e->close = !req.keep_alive;
		e->echo = req.method_id == HTTP_M_POST &&
		    req.target_len == 5 && memcmp(req.target, "/echo", 5) == 0;
		off += (size_t)r;
		used = 0;
		if (body && (r = model_body(p + off, n - off, &req, &lim, e,
		    &used)) != 0) {
			if (r == HTTP_AGAIN) {
				tail_cont = e->cont;
				return k;	/* no answer yet */
			}
			e->status = http_error_status(r);
			e->close = 1;
			e->echo = 0;
			return k + 1;
		}
		off += used;
		k++;
		if (e->close)
			break;
	}
	return k;
}

static int
is_tchar(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-';
}

/*
 * One answer at out[0..n): a status line, fields, CRLF, then exactly
 * Content-Length bytes (none for HEAD). Returns its length, 0 if it is
 * malformed or cut short; fills status, close and its body.
 */
static size_t
response(const uint8_t *p, size_t n, int head, int *status, int *close,
    const uint8_t **body, size_t *blen)
{
	size_t i = 0, j, cl = 0;
	int ncl = 0, nconn = 0;

	if (n < 15 || memcmp(p, "HTTP/1.1 ", 9) != 0 ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || p[12] != ' ')
		return 0;
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	for (i = 13; i < n && p[i] != '\r'; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	if (i + 1 >= n || p[i + 1] != '\n')
		return 0;
	i += 2;
	if (*status == 100)
		return i + 2 <= n && p[i] == '\r' && p[i + 1] == '\n' ? i + 2 : 0;
	for (;;) {
		if (i + 1 >= n)
			return 0;
		if (p[i] == '\r')
			break;
		for (j = i; j < n && is_tchar(p[j]); j++)
			;
		if (j == i || j + 1 >= n || p[j] != ':' || p[j + 1] != ' ')
			return 0;
		if (j - i == 14 && strncasecmp((const char *)p + i,
		    "Content-Length", 14) == 0) {
			ncl++;
			for (cl = 0, j += 2; j < n && p[j] >= '0' &&
			    p[j] <= '9' && cl < MAX_INPUT * 64; j++)
				cl = cl * 10 + (size_t)(p[j] - '0');
			if (j < n && p[j] != '\r')
				return 0;	/* digits only */
		} else if (j - i == 10 && strncasecmp((const char *)p + i,
		    "Connection", 10) == 0) {
			nconn++;
			j += 2;
			if (n - j >= 5 && memcmp(p + j, "close", 5) == 0)
				*close = 1;
			else if (n - j >= 10 &&
			    memcmp(p + j, "keep-alive", 10) == 0)
				*close = 0;
			else
				return 0;
		}
		for (; j < n && p[j] != '\r'; j++)
			if (p[j] < 0x20 || p[j] > 0x7e)
				return 0;
		if (j + 1 >= n || p[j + 1] != '\n')
			return 0;
		i = j + 2;
	}
	if (p[i + 1] != '\n' || ncl != 1 || nconn != 1)
		return 0;
	i += 2;
	if (head)
		cl = 0;
	if (n - i < cl)
		return 0;
	*body = p + i;
	*blen = cl;
	return i + cl;
}

static void
check_http(const uint8_t *in, size_t n, int token, int denied, int drained)
{
	const uint8_t *out = conn_mem.out, *body;
	size_t len = conn_mem.out_len, k, i, m, blen;
	int st, close = 0;

	if (denied) {
		m = response(out, len, 0, &st, &close, &body, &blen);
		if (m == 0 || m != len || st != 403 || !close)
			abort();
		return;
	}
	k = model_http(in, n, token);
	for (i = 0; i < k && len > 0; i++) {
		if (exp_[i].cont) {
			m = response(out, len, 0, &st, &close, &body, &blen);
			if (m == 0 || st != 100)
				abort();
			out += m;
			len -= m;
			if (len == 0)
				break;
		}
		close = -1;
		m = response(out, len, exp_[i].head, &st, &close, &body,
		    &blen);
		if (m == 0 || st == 100)
			abort();
		if (exp_[i].status != 0 ? st != exp_[i].status :
		    st != 200 && st != 405)
			abort();
		if (exp_[i].close && !close)
			abort();	/* must say it closes */
		if (exp_[i].echo && st == 200 && (blen != exp_[i].body_len ||
		    (blen > 0 && memcmp(body, exp_[i].body, blen) != 0)))
			abort();
		out += m;
		len -= m;
		if (close)
			break;
	}
	if (len > 0 && i == k && tail_cont && !close) {
		m = response(out, len, 0, &st, &close, &body, &blen);
		if (m == 0 || st != 100)
			abort();
		len -= m;
	}
	if (len != 0)
		abort();	/* bytes after the last answer owed */
	if (drained)
		return;		/* answers may end early; not a finding */
	/* Every answer owed was given, or a "close" ended them. */
	if (i < k && !close)
		abort();
}

static void
check_echo(const uint8_t *in, size_t n, int token, int denied, int drained)
{
	const uint8_t *nl;
	size_t skip = 0, want;

	if (denied) {
		if (conn_mem.out_len != 0)
			abort();
		return;
	}
	if (token) {
		nl = memchr(in, '\n', n);
		if (nl == NULL || ((size_t)(nl - in) != 11 &&
		    ((size_t)(nl - in) != 12 || in[11] != '\r')) ||
		    memcmp(in, "AUTH " TOKEN, 11) != 0) {
			if (conn_mem.out_len != 0)
				abort();
			return;
		}
		skip = (size_t)(nl - in) + 1;
	}
	want = n - skip;
	if (conn_mem.out_len > want || (!drained && conn_mem.out_len != want) ||
	    (want > 0 && conn_mem.out_len > 0 &&
	    memcmp(conn_mem.out, in + skip, conn_mem.out_len) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t wsize[] = { 1 << 20, 4096, 61, 7 };
	static const size_t rsize[] = { 1 << 20, 1024, 16, 1 };
	static int ready;
	struct listener_conf *lc = &pol.listeners[0];
	struct peer peer;
	struct conn *c;
	size_t n, in_max, out_max;
	int o, r;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 2 || size - 2 > MAX_INPUT)
		return 0;
	o = data[0];
	n = size - 2;
	lc->service = o & 1 ? SVC_ECHO : SVC_HTTP;
	lc->ntokens = o & 2 && have_token ? 1 : 0;
	if ((wl.wl_svc = service_lookup(lc->service)) == NULL)
		abort();
	conn_mem_reset();
	conn_mem.in = data + 2;
	conn_mem.in_len = n;
	conn_mem.write_max = wsize[(o >> 4) & 3];
	conn_mem.read_max = rsize[(o >> 6) & 3];
	conn_mem.seed = data[1] + 1;
	conn_mem.drain_at = o & 8 ? 1 + data[1] % (n + 1) : 0;
	conn_mem.hold_open = data[1] & 0x80;
	conn_mem.groups = groups;
	conn_mem.ngroups = sizeof(groups) / sizeof(groups[0]);
	memset(&peer, 0, sizeof(peer));
	peer.pid = 4242;
	peer.uid = 1000;
	peer.gid = 1000;
	peer.label = data[1] & 1 ? "unconfined" : "";
	service_buffers(lc, &in_max, &out_max);
	if (metrics_conn_acquire(0, lc->lim.max_connections) != 0)
		abort();
	metrics_conn_accepted(0);
	if ((c = conn_new(&wl, -1, &peer, in_max, out_max)) == NULL)
		abort();
	conn_start(c, !(o & 4));
	r = conn_mem_run(c, 64 * (n + 1024));
	if (r == -1)
		abort();	/* the connection spun */
	if (conn_count() != 0 || metrics_open(0) != 0)
		abort();
	if (r == 0) {
		if (conn_mem.shut && conn_mem.reads_after_shut == 0 &&
		    !conn_mem.hold_open)
			abort();	/* a lingering close that did not linger */
		if (lc->service == SVC_HTTP)
			check_http(data + 2, n, lc->ntokens > 0, o & 4,
			    conn_mem.drained);
		else
			check_echo(data + 2, n, lc->ntokens > 0, o & 4,
			    conn_mem.drained);
	}
	conn_mem_reset();
	return 0;
}
