/* SPDX-License-Identifier: ISC */
/* The echo service: every byte back, in order, with back-pressure. */
#include <string.h>

#include "echo.h"
#include "log.h"
#include "token.h"

#define AUTH_LINE_MAX	600	/* "AUTH " + token + CR LF */

/* c_svc is non-NULL while the AUTH line is still expected. */
static int	echo_authed;	/* address used as the "authenticated" tag */

static int
echo_open(struct conn *c)
{
	const struct listener_conf *lc = c->c_l->wl_conf;

	if (lc->ntokens > 0) {
		/* The AUTH line passes through c_in: zero it when freed. */
		conn_wipe_input(c);
		c->c_svc = NULL;
		conn_timeout(c, lc->lim.header_timeout_ms);
	} else {
		c->c_svc = &echo_authed;
		conn_timeout(c, lc->lim.idle_timeout_ms);
	}
	return 0;
}

static void
echo_deny(struct conn *c)
{
	/* A denied echo peer gets nothing: the close is the answer. */
	(void)c;
}

/*
 * Wait for "AUTH <token>\n" before echoing; -1 closes. The refusal is
 * logged like an access denial: "missing" when the first line is not an
 * AUTH line (or the peer stopped before sending one), "malformed" when
 * the token is empty, too long or has spaces or control bytes, "wrong"
 * when it matches none of the listener's hashes.
 */
static int
echo_auth(struct conn *c)
{
	const struct listener_conf *lc = c->c_l->wl_conf;
	const uint8_t *p = buf_ptr(&c->c_in), *nl, *tok;
	size_t len = buf_len(&c->c_in), linelen, toklen;
	const char *why;

	if ((nl = memchr(p, '\n', len)) == NULL) {
		if (len >= AUTH_LINE_MAX)
			linelen = len;	/* judge what there is, then close */
		else if (conn_eof(c)) {
			why = "missing";
			goto deny;
		} else
			return 0;
	} else
		linelen = (size_t)(nl - p);
	if (linelen > 0 && p[linelen - 1] == '\r')
		linelen--;
	if (linelen < 5 || memcmp(p, "AUTH ", 5) != 0 || nl == NULL) {
		why = linelen >= 5 && memcmp(p, "AUTH ", 5) == 0 ?
		    "malformed" : "missing";
		goto deny;
	}
	if (token_parse_auth_line(p, linelen, &tok, &toklen) != 0) {
		why = "malformed";
		goto deny;
	}
	if (conn_token_check(c, tok, toklen, NULL) == -1)
		return -1;	/* "wrong", counted and logged */
	buf_consume(&c->c_in, (size_t)(nl - p) + 1);
	c->c_svc = &echo_authed;
	conn_timeout(c, lc->lim.idle_timeout_ms);
	log_debug("%s: pid %ld uid %lu authenticated by token", lc->name,
	    (long)c->c_pid, (unsigned long)c->c_uid);
	return 1;
deny:
	(void)conn_token_check(c, NULL, 0, why);	/* counts and logs */
	return -1;
}

static int
echo_input(struct conn *c)
{
	size_t n;
	int r;

	if (c->c_svc == NULL) {
		if ((r = echo_auth(c)) <= 0)
			return r;
	}
	/* c_out's cap leaves room for a full c_in above the read mark. */
	if ((n = buf_len(&c->c_in)) > 0) {
		if (buf_len(&c->c_out) == 0)
			/* Zero copy: what was read is what gets written. */
			buf_swap(&c->c_in, &c->c_out);
		else {
			if (conn_write(c, buf_ptr(&c->c_in), n) == -1)
				return -1;
			buf_consume(&c->c_in, n);
		}
		conn_timeout(c, c->c_l->wl_conf->lim.idle_timeout_ms);
	}
	if (conn_eof(c))
		conn_close_after_flush(c);
	return 0;
}

/*
 * A byte stream has no point where the peer could be told to stop, and
 * closing it would drop what the peer sent meanwhile: an echo
 * connection is served on until the peer closes it or shutdown_timeout
 * expires (reload and SIGTERM alike).
 */
static void
echo_drain(struct conn *c)
{
	(void)c;
}

static void
echo_close(struct conn *c)
{
	c->c_svc = NULL;
}

const struct service echo_service = {
	.name = "echo",
	.open = echo_open,
	.deny = echo_deny,
	.input = echo_input,
	.drain = echo_drain,
	.close = echo_close,
};
