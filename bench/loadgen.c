/* SPDX-License-Identifier: ISC */
/*
 * loadgen: a small load generator for Unix-socket (and TCP) servers.
 *
 *   loadgen http   [-c conns] [-p depth] [-t threads] [-w warmup] [-d secs]
 *                  [-u path] [-H host] TARGET
 *   loadgen echo   [-c conns] [-s size] [-t threads] [-w warmup] [-d secs] TARGET
 *   loadgen stream [-c conns] [-s write-size] [-t threads] [-w warmup] [-d secs] TARGET
 *   loadgen idle   -c conns [-d hold-secs] TARGET
 *   loadgen connect [-c conns] [-s size] [-t threads] [-w warmup] [-d secs] TARGET
 *
 * connect: each cycle is connect, one message echoed back, close; the
 * latency is from the connect() call to the last echoed byte, the rate
 * is cycles per second (connection set-up through a proxy).
 *
 * TARGET is a Unix socket path (anything containing '/', or "unix:PATH",
 * or "@name" for the abstract namespace) or HOST:PORT (TCP, IPv4).
 *
 * Each thread owns an epoll set and a share of the connections; all
 * sockets are non-blocking. Counting starts after the warm-up and stops
 * after the duration; only events inside that window are counted. The
 * last line on stdout is machine-readable:
 *
 *   RESULT mode=http ... rps=N errors=N non2xx=N p50_us=... max_us=...
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum mode { M_HTTP, M_ECHO, M_STREAM, M_IDLE, M_CONNECT };
enum phase { PH_WARMUP, PH_MEASURE, PH_DONE };

/* ---- options and shared state ---- */

static enum mode	 mode;
static const char	*target;
static int		 nconns = 1, nthreads = 1, depth = 1;
static double		 warmup = 1.0, duration = 5.0;
static size_t		 msgsize = 64;
static const char	*url = "/";
static const char	*hosthdr = "localhost";
static double		 stall_s = 0.5;
static int		 busy;		/* -b: poll without sleeping */

static struct sockaddr_storage	 addr;
static socklen_t		 addrlen;
static int			 is_tcp;

static _Atomic int	 phase = PH_WARMUP;

static char		*reqbuf;	/* depth+1 copies of the request */
static size_t		 reqlen;

#define PAT_PERIOD	1048573u	/* prime: a slip of any size shows */
static uint8_t		*pattern;	/* PAT_PERIOD + max write size */

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- latency histogram: log-linear, 64 sub-buckets per octave (<1.6%) ---- */

#define H_SUB		64
#define H_BUCKETS	(H_SUB * 2 + H_SUB * 58)

struct hist {
	uint64_t	 n[H_BUCKETS];
	uint64_t	 count, max;
};

static inline unsigned
h_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2 * H_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - 6;	/* v >> shift is in [64, 127] */
	return shift * H_SUB + (unsigned)(v >> shift);
}

static uint64_t
h_value(unsigned i)
{
	unsigned shift;

	if (i < 2 * H_SUB)
		return i;
	shift = i / H_SUB - 1;
	return ((uint64_t)(i - shift * H_SUB) << shift) +
	    ((1ull << shift) >> 1);
}

static inline void
h_add(struct hist *h, uint64_t ns)
{
	unsigned i = h_index(ns);

	if (i >= H_BUCKETS)
		i = H_BUCKETS - 1;
	h->n[i]++;
	h->count++;
	if (ns > h->max)
		h->max = ns;
}

static void
h_merge(struct hist *d, const struct hist *s)
{
	size_t i;

	for (i = 0; i < H_BUCKETS; i++)
		d->n[i] += s->n[i];
	d->count += s->count;
	if (s->max > d->max)
		d->max = s->max;
}

static double
h_pct_us(const struct hist *h, double p)
{
	uint64_t want, seen = 0;
	unsigned i;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(p / 100.0 * (double)h->count);
	if (want == 0)
		want = 1;
	for (i = 0; i < H_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= want) {
			uint64_t v = h_value(i);
			return (double)(v > h->max ? h->max : v) / 1000.0;
		}
	}
	return (double)h->max / 1000.0;
}

/* ---- connections ---- */

enum hstate { H_HEAD, H_LEN, H_CHUNK_SIZE, H_CHUNK_DATA, H_CHUNK_CRLF,
    H_TRAILER, H_CLOSE };

#define RBUF	65536

struct conn {
	int		 fd;
	int		 thr;
	uint8_t		*rbuf;
	size_t		 rlen;
	/* http */
	size_t		 wrem, woff;	/* request bytes still to write */
	int		 inflight;
	uint64_t	*ts;		/* send times, ring of depth */
	unsigned	 ts_head, ts_tail;
	int		 hst;
	int		 status;
	int		 close_after;
	uint64_t	 left;
	/* echo / stream */
	uint64_t	 sent, recvd;
	uint64_t	 t_sent;
	uint64_t	 t_open;	/* connect: when connect() was called */
	uint64_t	 last_progress;
	int		 stalled;
};

struct thr {
	pthread_t	 tid;
	int		 idx;
	int		 ep;
	struct conn	*c;
	int		 n;
	struct hist	 h;
	uint64_t	 done, errors, non2xx, reconnects, bytes, stalls;
	uint64_t	 verify_fail;
};

static struct thr	*thrs;

static int
mk_socket(int nonblock)
{
	int fd, one = 1;

	fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1)
		return -1;
	if (is_tcp)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
}

/* Connect (blocking, so a full Unix backlog waits), then non-blocking. */
static int
dial(void)
{
	int fd, fl;

	if ((fd = mk_socket(0)) == -1)
		return -1;
	while (connect(fd, (struct sockaddr *)&addr, addrlen) == -1) {
		if (errno == EINTR)
			continue;
		(void)close(fd);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fd;
}

static inline int
measuring(void)
{
	return atomic_load_explicit(&phase, memory_order_relaxed) ==
	    PH_MEASURE;
}

static void	c_kick(struct thr *, struct conn *, uint64_t);

static int
c_open(struct thr *t, struct conn *c)
{
	struct epoll_event e;

	c->t_open = now_ns();
	c->fd = dial();
	if (c->fd == -1)
		return -1;
	c->rlen = 0;
	c->wrem = c->woff = 0;
	c->inflight = 0;
	c->ts_head = c->ts_tail = 0;
	c->hst = H_HEAD;
	c->sent = c->recvd = 0;
	c->last_progress = now_ns();
	c->stalled = 0;
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
	e.data.ptr = c;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &e) == -1)
		die("epoll_ctl: %s", strerror(errno));
	return 0;
}

static void
c_reopen(struct thr *t, struct conn *c, int error)
{
	if (error && measuring())
		t->errors++;
	(void)close(c->fd);
	c->fd = -1;
	if (atomic_load(&phase) == PH_DONE)
		return;
	if (measuring())
		t->reconnects++;
	if (c_open(t, c) == -1) {
		if (measuring())
			t->errors++;
		return;
	}
	c_kick(t, c, now_ns());
}

/* Write what is pending; -1 on error. */
static int
c_flush(struct conn *c)
{
	ssize_t n;

	while (c->wrem > 0) {
		const uint8_t *p;
		size_t len = c->wrem;

		if (mode == M_HTTP)
			p = (const uint8_t *)reqbuf + c->woff;
		else
			p = pattern + c->sent % PAT_PERIOD;
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -1;
		}
		c->wrem -= (size_t)n;
		if (mode == M_HTTP)
			c->woff = (c->woff + (size_t)n) % reqlen;
		else
			c->sent += (size_t)n;
		/* stream: keep the pipe full until the kernel says EAGAIN */
		if (c->wrem == 0 && mode == M_STREAM &&
		    atomic_load_explicit(&phase, memory_order_relaxed) != PH_DONE)
			c->wrem = msgsize;
	}
	return 0;
}

/* Queue new work up to the window. */
static void
c_kick(struct thr *t, struct conn *c, uint64_t now)
{
	switch (mode) {
	case M_HTTP:
		while (c->inflight < depth) {
			c->ts[c->ts_head++ % (unsigned)depth] = now;
			c->inflight++;
			c->wrem += reqlen;
		}
		break;
	case M_ECHO:
		if (c->wrem == 0 && c->recvd == c->sent) {
			c->wrem = msgsize;
			c->t_sent = now;
		}
		break;
	case M_CONNECT:
		if (c->wrem == 0 && c->sent == 0)	/* one per connection */
			c->wrem = msgsize;
		break;
	case M_STREAM:
		if (c->wrem == 0)
			c->wrem = msgsize;
		break;
	default:
		break;
	}
	if (c_flush(c) == -1)
		c_reopen(t, c, 1);
}

/* One complete HTTP response. */
static void
http_done(struct thr *t, struct conn *c, uint64_t now)
{
	uint64_t t0 = c->ts[c->ts_tail++ % (unsigned)depth];

	c->inflight--;
	if (measuring()) {
		t->done++;
		if (c->status < 200 || c->status > 299)
			t->non2xx++;
		h_add(&t->h, now - t0);
		if (now - t0 >= (uint64_t)(stall_s * 1e9))
			t->stalls++;	/* answered, but after a stall */
	}
}

/* At the end: a request still unanswered after -S seconds is a stall. */
static void
http_count_stuck(struct thr *t, uint64_t now)
{
	int i;

	for (i = 0; i < t->n; i++) {
		struct conn *c = &t->c[i];

		uint64_t t0 = c->ts[c->ts_tail % (unsigned)depth];

		if (c->fd != -1 && c->inflight > 0 && now > t0 &&
		    now - t0 >= (uint64_t)(stall_s * 1e9))
			t->stalls++;
	}
}

static int
hdr_is(const uint8_t *p, const uint8_t *e, const char *name, size_t nlen)
{
	return (size_t)(e - p) > nlen && strncasecmp((const char *)p, name,
	    nlen) == 0;
}

/*
 * Parse a complete head at p (ending just after CRLF CRLF at e).
 * Returns 0, or -1 on a malformed response.
 */
static int
http_head(struct conn *c, const uint8_t *p, const uint8_t *e)
{
	const uint8_t *l, *nl;
	int chunked = 0, has_len = 0;
	uint64_t len = 0;

	if (e - p < 12 || memcmp(p, "HTTP/1.", 7) != 0)
		return -1;
	c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	c->close_after = p[7] == '0';
	for (l = memchr(p, '\n', (size_t)(e - p)) + 1; l < e; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(e - l));
		if (nl == NULL)
			break;
		if (hdr_is(l, nl, "content-length:", 15)) {
			const uint8_t *q = l + 15;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q < '0' || *q > '9')
				return -1;
			for (len = 0; *q >= '0' && *q <= '9'; q++)
				len = len * 10 + (uint64_t)(*q - '0');
			has_len = 1;
		} else if (hdr_is(l, nl, "transfer-encoding:", 18)) {
			if (memmem(l, (size_t)(nl - l), "chunked", 7) != NULL)
				chunked = 1;
		} else if (hdr_is(l, nl, "connection:", 11)) {
			if (memmem(l, (size_t)(nl - l), "close", 5) != NULL)
				c->close_after = 1;
			else if (memmem(l, (size_t)(nl - l), "keep-alive",
			    10) != NULL)
				c->close_after = 0;
		}
	}
	if (c->status >= 100 && c->status < 200) {
		c->hst = H_HEAD;	/* interim: the real one follows */
		return 1;
	}
	if (c->status == 204 || c->status == 304) {
		c->hst = H_LEN;
		c->left = 0;
	} else if (chunked)
		c->hst = H_CHUNK_SIZE;
	else if (has_len) {
		c->hst = H_LEN;
		c->left = len;
	} else
		c->hst = H_CLOSE;
	return 0;
}

/* Parse what is buffered; -1 on a protocol error. */
static int
http_parse(struct thr *t, struct conn *c, uint64_t now)
{
	uint8_t *p = c->rbuf, *e = c->rbuf + c->rlen, *q;
	int r;

	for (;;) {
		switch (c->hst) {
		case H_HEAD:
			q = memmem(p, (size_t)(e - p), "\r\n\r\n", 4);
			if (q == NULL)
				goto out;
			if ((r = http_head(c, p, q + 4)) < 0)
				return -1;
			p = q + 4;
			if (r == 1)
				continue;
			if (c->hst == H_LEN && c->left == 0)
				goto complete;
			continue;
		case H_LEN:
			if ((uint64_t)(e - p) < c->left) {
				c->left -= (uint64_t)(e - p);
				p = e;
				goto out;
			}
			p += c->left;
			c->left = 0;
			goto complete;
		case H_CHUNK_SIZE:
			q = memchr(p, '\n', (size_t)(e - p));
			if (q == NULL)
				goto out;
			{
				uint64_t n = 0;
				const uint8_t *s = p;
				int dig = 0;

				for (;; s++, dig++) {
					int v;

					if (*s >= '0' && *s <= '9')
						v = *s - '0';
					else if ((*s | 0x20) >= 'a' &&
					    (*s | 0x20) <= 'f')
						v = (*s | 0x20) - 'a' + 10;
					else
						break;
					n = n * 16 + (uint64_t)v;
				}
				if (dig == 0)
					return -1;
				p = q + 1;
				if (n == 0)
					c->hst = H_TRAILER;
				else {
					c->left = n;
					c->hst = H_CHUNK_DATA;
				}
			}
			continue;
		case H_CHUNK_DATA:
			if ((uint64_t)(e - p) < c->left) {
				c->left -= (uint64_t)(e - p);
				p = e;
				goto out;
			}
			p += c->left;
			c->hst = H_CHUNK_CRLF;
			continue;
		case H_CHUNK_CRLF:
			if (e - p < 2)
				goto out;
			if (p[0] != '\r' || p[1] != '\n')
				return -1;
			p += 2;
			c->hst = H_CHUNK_SIZE;
			continue;
		case H_TRAILER:
			q = memchr(p, '\n', (size_t)(e - p));
			if (q == NULL)
				goto out;
			{
				int empty = q == p || (q == p + 1 && *p == '\r');

				p = q + 1;
				if (empty)
					goto complete;
			}
			continue;
		case H_CLOSE:
			p = e;	/* body until EOF */
			goto out;
		}
complete:
		c->hst = H_HEAD;
		if (c->inflight <= 0)
			return -1;	/* an answer nobody asked for */
		http_done(t, c, now);
		if (c->close_after) {
			c->rlen = 0;
			return 1;
		}
	}
out:
	c->rlen = (size_t)(e - p);
	if (c->rlen > 0 && p != c->rbuf)
		memmove(c->rbuf, p, c->rlen);
	if (c->rlen == RBUF)
		return -1;	/* a head larger than our buffer */
	return 0;
}

/* Verify echoed bytes against the pattern. */
static int
verify(struct thr *t, struct conn *c, const uint8_t *p, size_t n)
{
	if (memcmp(p, pattern + c->recvd % PAT_PERIOD, n) != 0) {
		t->verify_fail++;
		return -1;
	}
	return 0;
}

static void
on_readable(struct thr *t, struct conn *c, uint64_t now)
{
	ssize_t n;
	size_t want;
	int r;

	for (;;) {
		want = mode == M_HTTP ? RBUF - c->rlen : RBUF;
		n = recv(c->fd, c->rbuf + (mode == M_HTTP ? c->rlen : 0), want,
		    0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			c_reopen(t, c, 1);
			return;
		}
		if (n == 0) {
			if (mode == M_HTTP && c->hst == H_CLOSE) {
				c->hst = H_HEAD;
				http_done(t, c, now);
			}
			/* An unexpected close is an error; a
			 * Connection: close answer is not. */
			c_reopen(t, c, c->inflight > 0 || mode != M_HTTP);
			return;
		}
		if (mode == M_HTTP) {
			c->rlen += (size_t)n;
			r = http_parse(t, c, now);
			if (r == -1) {
				c_reopen(t, c, 1);
				return;
			}
			if (r == 1) {
				c_reopen(t, c, 0);
				return;
			}
		} else {
			if (c->recvd + (uint64_t)n > c->sent ||
			    verify(t, c, c->rbuf, (size_t)n) == -1) {
				if (measuring())
					t->errors++;
				c_reopen(t, c, 0);
				return;
			}
			c->recvd += (uint64_t)n;
			c->last_progress = now;
			c->stalled = 0;
			if (measuring())
				t->bytes += (uint64_t)n;
			if (mode == M_ECHO && c->recvd == c->sent &&
			    c->wrem == 0) {
				if (measuring()) {
					t->done++;
					h_add(&t->h, now - c->t_sent);
				}
			}
			if (mode == M_CONNECT && c->recvd == msgsize) {
				if (measuring()) {
					t->done++;
					h_add(&t->h, now - c->t_open);
					t->reconnects--; /* a new cycle */
				}
				c_reopen(t, c, 0);
				return;
			}
		}
		/* A short read emptied the socket; more data is a new edge. */
		if ((size_t)n < want)
			break;
	}
	c_kick(t, c, now);
}

static void
check_stalls(struct thr *t, uint64_t now)
{
	int i;

	for (i = 0; i < t->n; i++) {
		struct conn *c = &t->c[i];

		if (c->fd == -1 || c->sent == c->recvd || c->stalled)
			continue;
		if (now - c->last_progress > (uint64_t)(stall_s * 1e9)) {
			c->stalled = 1;
			if (measuring())
				t->stalls++;
		}
	}
}

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	struct epoll_event evs[256];
	uint64_t now, last_check = 0;
	int i, n;

	for (i = 0; i < t->n; i++)
		c_kick(t, &t->c[i], now_ns());
	while (atomic_load_explicit(&phase, memory_order_relaxed) != PH_DONE) {
		n = epoll_wait(t->ep, evs, 256, busy ? 0 : 20);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		now = now_ns();
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->fd == -1)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR))
				on_readable(t, c, now);
			else if (evs[i].events & EPOLLOUT)
				c_kick(t, c, now);
		}
		if (mode != M_HTTP && now - last_check > 50000000u) {
			check_stalls(t, now);
			last_check = now;
		}
	}
	return NULL;
}

/* ---- idle mode ---- */

static volatile sig_atomic_t	 stop_hold;

static void
on_sig(int s)
{
	(void)s;
	stop_hold = 1;
}

static int
run_idle(void)
{
	int *fds, i, opened = 0, alive = 0;
	struct pollfd *pf;
	uint64_t t0, t1, end;

	if ((fds = calloc((size_t)nconns, sizeof(*fds))) == NULL ||
	    (pf = calloc((size_t)nconns, sizeof(*pf))) == NULL)
		die("out of memory");
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	t0 = now_ns();
	for (i = 0; i < nconns; i++) {
		if ((fds[i] = dial()) == -1) {
			fprintf(stderr, "loadgen: connect #%d: %s\n", i,
			    strerror(errno));
			break;
		}
		opened++;
	}
	t1 = now_ns();
	printf("HOLD open=%d connect_s=%.3f\n", opened,
	    (double)(t1 - t0) / 1e9);
	fflush(stdout);
	end = now_ns() + (uint64_t)(duration * 1e9);
	while (!stop_hold && now_ns() < end)
		usleep(20000);
	for (i = 0; i < opened; i++) {
		pf[i].fd = fds[i];
		pf[i].events = POLLIN;
	}
	(void)poll(pf, (nfds_t)opened, 0);
	for (i = 0; i < opened; i++)
		if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			alive++;
	printf("RESULT mode=idle target=%s conns=%d open=%d alive=%d "
	    "connect_s=%.3f\n", target, nconns, opened, alive,
	    (double)(t1 - t0) / 1e9);
	return opened == nconns && alive == opened ? 0 : 1;
}

/* ---- set-up ---- */

static void
parse_target(const char *s)
{
	if (strncmp(s, "unix:", 5) == 0 || strchr(s, '/') != NULL ||
	    s[0] == '@') {
		struct sockaddr_un *un = (struct sockaddr_un *)&addr;
		const char *p = strncmp(s, "unix:", 5) == 0 ? s + 5 : s;
		size_t len = strlen(p);

		if (len >= sizeof(un->sun_path))
			die("socket path too long: %s", p);
		memset(un, 0, sizeof(*un));
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, p, len);
		if (p[0] == '@')
			un->sun_path[0] = '\0';
		addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len + (p[0] == '@' ? 0 : 1));
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&addr;
		char host[256];
		const char *colon = strrchr(s, ':');
		char *end;
		long port;

		if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
			die("target: PATH or HOST:PORT, not %s", s);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535)
			die("bad port in %s", s);
		memset(in, 0, sizeof(*in));
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			memcpy(host, "127.0.0.1", 10);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			die("bad IPv4 address %s", host);
		addrlen = sizeof(*in);
		is_tcp = 1;
	}
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen http|echo|stream|idle|connect [-c conns] [-p depth] "
	    "[-s size]\n"
	    "       [-t threads] [-w warmup-s] [-d duration-s] [-u path] "
	    "[-H host] TARGET\n"
	    "TARGET: /path/to.sock, unix:PATH, @abstract, or HOST:PORT\n");
	exit(2);
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	struct hist h;
	uint64_t done = 0, errors = 0, non2xx = 0, reconnects = 0, bytes = 0;
	uint64_t stalls = 0, vfail = 0, t0, t1;
	double c0, c1, secs;
	struct rlimit rl;
	int ch, i;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "http") == 0)
		mode = M_HTTP;
	else if (strcmp(argv[1], "echo") == 0)
		mode = M_ECHO;
	else if (strcmp(argv[1], "stream") == 0) {
		mode = M_STREAM;
		msgsize = 65536;
	} else if (strcmp(argv[1], "connect") == 0) {
		mode = M_CONNECT;
		msgsize = 64;
	} else if (strcmp(argv[1], "idle") == 0) {
		mode = M_IDLE;
		duration = 3600;
	} else
		usage();
	optind = 2;
	while ((ch = getopt(argc, argv, "bc:p:s:t:w:d:u:H:S:")) != -1) {
		switch (ch) {
		case 'b': busy = 1; break;
		case 'c': nconns = atoi(optarg); break;
		case 'p': depth = atoi(optarg); break;
		case 's': msgsize = (size_t)strtoul(optarg, NULL, 0); break;
		case 't': nthreads = atoi(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'u': url = optarg; break;
		case 'H': hosthdr = optarg; break;
		case 'S': stall_s = atof(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	target = argv[optind];
	if (nconns < 1 || nthreads < 1 || depth < 1 || depth > 4096 ||
	    msgsize < 1 || msgsize > 16 * 1024 * 1024 || duration <= 0 ||
	    warmup < 0)
		usage();
	if (nthreads > nconns)
		nthreads = nconns;
	parse_target(target);
	signal(SIGPIPE, SIG_IGN);

	/* Enough descriptors for the connections. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)nconns + 64) {
		rl.rlim_cur = (rlim_t)nconns + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			die("RLIMIT_NOFILE %d: %s (raise ulimit -n)",
			    nconns + 64, strerror(errno));
	}
	if (mode == M_IDLE)
		return run_idle();

	if (mode == M_HTTP) {
		char one[2048];
		int n = snprintf(one, sizeof(one), "GET %s HTTP/1.1\r\n"
		    "Host: %s\r\nUser-Agent: uds-gateway-loadgen\r\n\r\n",
		    url, hosthdr);

		if (n < 0 || (size_t)n >= sizeof(one))
			die("URL too long");
		reqlen = (size_t)n;
		if ((reqbuf = malloc(reqlen * (size_t)(depth + 1))) == NULL)
			die("out of memory");
		for (i = 0; i <= depth; i++)
			memcpy(reqbuf + reqlen * (size_t)i, one, reqlen);
	} else {
		uint64_t x = 0x9e3779b97f4a7c15ull;
		size_t j, plen = PAT_PERIOD + (msgsize > RBUF ? msgsize : RBUF);

		if ((pattern = malloc(plen)) == NULL)
			die("out of memory");
		for (j = 0; j < plen; j++) {
			if (j < PAT_PERIOD) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				pattern[j] = (uint8_t)(x >> 24);
			} else
				pattern[j] = pattern[j - PAT_PERIOD];
		}
	}

	if ((thrs = calloc((size_t)nthreads, sizeof(*thrs))) == NULL)
		die("out of memory");
	for (i = 0; i < nthreads; i++) {
		struct thr *t = &thrs[i];

		t->idx = i;
		t->n = nconns / nthreads + (i < nconns % nthreads);
		if ((t->c = calloc((size_t)t->n, sizeof(*t->c))) == NULL ||
		    (t->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
			die("set-up: %s", strerror(errno));
	}
	for (i = 0; i < nconns; i++) {
		struct thr *t = &thrs[i % nthreads];
		struct conn *c = &t->c[i / nthreads];

		c->thr = t->idx;
		if ((c->rbuf = malloc(RBUF)) == NULL ||
		    (c->ts = calloc((size_t)depth, sizeof(*c->ts))) == NULL)
			die("out of memory");
		if (c_open(t, c) == -1)
			die("connect %s: %s", target, strerror(errno));
	}
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&thrs[i].tid, NULL, thr_main, &thrs[i]) != 0)
			die("pthread_create");

	sleep_s(warmup);
	c0 = cpu_s();
	t0 = now_ns();
	atomic_store(&phase, PH_MEASURE);
	sleep_s(duration);
	atomic_store(&phase, PH_DONE);
	t1 = now_ns();
	c1 = cpu_s();
	for (i = 0; i < nthreads; i++) {
		pthread_join(thrs[i].tid, NULL);
		if (mode == M_HTTP)
			http_count_stuck(&thrs[i], now_ns());
	}

	memset(&h, 0, sizeof(h));
	for (i = 0; i < nthreads; i++) {
		struct thr *t = &thrs[i];

		h_merge(&h, &t->h);
		done += t->done;
		errors += t->errors;
		non2xx += t->non2xx;
		reconnects += t->reconnects;
		bytes += t->bytes;
		stalls += t->stalls;
		vfail += t->verify_fail;
	}
	secs = (double)(t1 - t0) / 1e9;

	switch (mode) {
	case M_HTTP:
		printf("%s: %d conns x %d deep, %d thread(s), %.2fs: "
		    "%" PRIu64 " responses, %.0f req/s, errors %" PRIu64
		    ", non-2xx %" PRIu64 "\n", target, nconns, depth, nthreads,
		    secs, done, (double)done / secs, errors, non2xx);
		printf("latency us: p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
		    h_pct_us(&h, 50), h_pct_us(&h, 90), h_pct_us(&h, 99),
		    (double)h.max / 1000.0);
		printf("RESULT mode=http target=%s conns=%d depth=%d threads=%d "
		    "secs=%.3f requests=%" PRIu64 " rps=%.0f errors=%" PRIu64
		    " non2xx=%" PRIu64 " reconnects=%" PRIu64 " stalls=%" PRIu64
		    " p50_us=%.1f "
		    "p90_us=%.1f p99_us=%.1f max_us=%.1f cpu=%.2f\n", target,
		    nconns, depth, nthreads, secs, done, (double)done / secs,
		    errors, non2xx, reconnects, stalls, h_pct_us(&h, 50),
		    h_pct_us(&h, 90), h_pct_us(&h, 99), (double)h.max / 1000.0,
		    (c1 - c0) / secs);
		break;
	case M_ECHO:
		printf("%s: %d conns, %zu B messages, %.2fs: %.0f msg/s, "
		    "rtt us p50 %.1f p99 %.1f, errors %" PRIu64 "\n", target,
		    nconns, msgsize, secs, (double)done / secs,
		    h_pct_us(&h, 50), h_pct_us(&h, 99), errors);
		printf("RESULT mode=echo target=%s conns=%d size=%zu threads=%d "
		    "secs=%.3f messages=%" PRIu64 " mps=%.0f errors=%" PRIu64
		    " verify_fail=%" PRIu64 " p50_us=%.1f p90_us=%.1f "
		    "p99_us=%.1f max_us=%.1f cpu=%.2f\n", target, nconns,
		    msgsize, nthreads, secs, done, (double)done / secs, errors,
		    vfail, h_pct_us(&h, 50), h_pct_us(&h, 90),
		    h_pct_us(&h, 99), (double)h.max / 1000.0,
		    (c1 - c0) / secs);
		break;
	case M_CONNECT:
		printf("%s: %d conns, connect + %zu B echo + close, %.2fs: "
		    "%.0f cycles/s, us p50 %.1f p99 %.1f, errors %" PRIu64 "\n",
		    target, nconns, msgsize, secs, (double)done / secs,
		    h_pct_us(&h, 50), h_pct_us(&h, 99), errors);
		printf("RESULT mode=connect target=%s conns=%d size=%zu "
		    "threads=%d secs=%.3f cycles=%" PRIu64 " cps=%.0f errors=%"
		    PRIu64 " verify_fail=%" PRIu64 " p50_us=%.1f p90_us=%.1f "
		    "p99_us=%.1f max_us=%.1f cpu=%.2f\n", target, nconns,
		    msgsize, nthreads, secs, done, (double)done / secs, errors,
		    vfail, h_pct_us(&h, 50), h_pct_us(&h, 90),
		    h_pct_us(&h, 99), (double)h.max / 1000.0,
		    (c1 - c0) / secs);
		break;
	case M_STREAM:
		printf("%s: %d conns, %zu B writes, %.2fs: %.3f GB/s verified, "
		    "stalls %" PRIu64 ", errors %" PRIu64 "\n", target, nconns,
		    msgsize, secs, (double)bytes / secs / 1e9, stalls, errors);
		printf("RESULT mode=stream target=%s conns=%d size=%zu "
		    "threads=%d secs=%.3f bytes=%" PRIu64 " gbps=%.3f "
		    "stalls=%" PRIu64 " errors=%" PRIu64 " verify_fail=%"
		    PRIu64 " cpu=%.2f\n", target, nconns, msgsize, nthreads,
		    secs, bytes, (double)bytes / secs / 1e9, stalls, errors,
		    vfail, (c1 - c0) / secs);
		break;
	default:
		break;
	}
	return errors || vfail ? 1 : 0;
}
