/* SPDX-License-Identifier: ISC */
/* What http.c, http_chunked.c and http_resp.c share (and proxy_head.c). */
#ifndef UDSGW_HTTP_INT_H
#define UDSGW_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* One byte per octet, built in http.c (picohttpparser's token_char_map). */
extern const uint8_t http_cclass[256];

#define C_TCHAR		0x01
#define C_TARGET	0x02
#define C_VALUE		0x04
#define C_HOST		0x08
#define C_HEX		0x10
#define C_QDTEXT	0x20

#define IS(c, cl)	(http_cclass[(uint8_t)(c)] & (cl))
#define IS_WS(c)	((c) == ' ' || (c) == '\t')
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')

/* Keeps every offset, and so the consumed count, well inside an int. */
#define HTTP_LIMIT_CAP	(1U << 29)

/*
 * http_ci_eq: 1 if p[0..n) equals the lower-case literal lit[0..litlen)
 * ignoring ASCII case. CI_EQ takes a string literal. Inline, as it is
 * called for every field.
 */
static inline int
http_ci_eq(const uint8_t *p, size_t n, const char *lit, size_t litlen)
{
	size_t i;
	uint8_t c;

	if (n != litlen)
		return 0;
	for (i = 0; i < n; i++) {
		c = p[i];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		if (c != (uint8_t)lit[i])
			return 0;
	}
	return 1;
}

#define CI_EQ(p, n, lit)	http_ci_eq((p), (n), (lit), sizeof(lit) - 1)

/*
 * http_field_line: one field line starting at *pp, or the empty line
 * that ends the section. bound is where the input or the byte budget
 * ends, over what to return on reaching it (HTTP_AGAIN or the limit's
 * error); full: the header array has no room (HTTP_ERR_TOO_MANY_HEADERS
 * unless this is the empty line). Returns 1 with the field in *h (OWS
 * trimmed, h may be NULL only if full), 0 at the empty line, with *pp
 * past the line's CRLF in both cases, or a negative code. As for the
 * request line, the budget is checked by position so that an incomplete
 * section that has already reached it fails at once. Inline: it is the
 * inner loop of both head parsers.
 */
static inline int
http_field_line(const uint8_t **pp, const uint8_t *bound, int over, int full,
    struct http_header *h)
{
	const uint8_t *p = *pp, *s, *ve;

	if (p == bound)
		return over;
	if (*p == '\r') {
		if (++p == bound)
			return over;
		if (*p != '\n')
			return HTTP_ERR_BARE_CR;
		*pp = p + 1;
		return 0;
	}
	if (*p == '\n')
		return HTTP_ERR_BARE_LF;
	if (IS_WS(*p))
		return HTTP_ERR_OBS_FOLD;
	if (full)
		return HTTP_ERR_TOO_MANY_HEADERS;

	s = p;
	while (p < bound && IS(*p, C_TCHAR))
		p++;
	if (p == bound)
		return over;
	if (*p != ':')
		return IS_WS(*p) && p != s ? HTTP_ERR_WS_COLON :
		    HTTP_ERR_FIELD_NAME;
	if (p == s)
		return HTTP_ERR_FIELD_NAME;
	h->name = s;
	h->name_len = (size_t)(p - s);

	p++;
	while (p < bound && IS_WS(*p))
		p++;
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
	for (ve = p; ve > s && IS_WS(ve[-1]); ve--)
		;
	h->value = s;
	h->value_len = (size_t)(ve - s);
	*pp = p + 2;
	return 1;
}

/*
 * http_parse_content_length: a Content-Length value, 1*DIGIT or a list of
 * identical values, into *out; 0, HTTP_ERR_CL_INVALID or
 * HTTP_ERR_CL_CONFLICT. *out is set only on success.
 */
int	 http_parse_content_length(const uint8_t *v, size_t n, uint64_t *out);

/* What the Transfer-Encoding lines of a head said, accumulated. */
struct http_te {
	int		 seen;		/* a Transfer-Encoding line */
	int		 chunked;	/* chunked among the codings */
	int		 last_chunked;	/* and it is the final one */
	int		 other;		/* some other coding */
};

/* http_parse_te: add one Transfer-Encoding value; 0 or TE_INVALID. */
int	 http_parse_te(const uint8_t *v, size_t n, struct http_te *te);

/*
 * http_list_next: the next non-empty element of a comma list v[0..n)
 * (RFC 9110 5.6.1: empty elements and OWS around elements skipped),
 * starting at *pos (0 at first). Returns 1 with the element in *elem,
 * *elen (inner bytes not checked), or 0 at the end.
 */
int	 http_list_next(const uint8_t *v, size_t n, size_t *pos,
	    const uint8_t **elem, size_t *elen);

/* The Connection options a head's decisions depend on, accumulated. */
struct http_conn_opts {
	int		 close;
	int		 keep_alive;
	int		 upgrade;
};

/* http_parse_connection: add one Connection value's options. */
void	 http_parse_connection(const uint8_t *v, size_t n,
	    struct http_conn_opts *co);

#endif /* UDSGW_HTTP_INT_H */
