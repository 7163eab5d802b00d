/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 chunked-body decoder (RFC 9112 7.1): pure, incremental. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "http_int.h"

/* Chunked decoder states. */
enum {
	CK_SIZE_FIRST = 0,	/* first HEXDIG of chunk-size */
	CK_SIZE,		/* more HEXDIG, ';', BWS or CR */
	CK_BWS_SEMI,		/* BWS that must be followed by ';' */
	CK_EXT_BWS_NAME,	/* BWS after ';', then ext-name */
	CK_EXT_NAME,
	CK_EXT_BWS_EQ,		/* BWS after ext-name: '=' or ';' */
	CK_EXT_BWS_VAL,		/* BWS after '=', then ext-val */
	CK_EXT_TOKEN,
	CK_EXT_QS,
	CK_EXT_QS_ESC,
	CK_EXT_AFTER_QS,
	CK_SIZE_LF,
	CK_DATA,
	CK_DATA_CR,
	CK_DATA_LF,
	CK_TR_START,		/* start of a trailer line */
	CK_TR_NAME,
	CK_TR_VALUE,
	CK_TR_LF,
	CK_FINAL_LF,
	CK_DONE,
};

void
http_chunked_init(struct http_chunked *st, const struct http_limits *lim)
{
	memset(st, 0, sizeof(*st));
	st->state = CK_SIZE_FIRST;
	st->max_body = lim->max_body;
	st->max_trailer = lim->max_header_bytes < HTTP_LIMIT_CAP ?
	    lim->max_header_bytes : HTTP_LIMIT_CAP;
	st->max_fields = lim->max_headers;
}

/* The end of a chunk-size line: start the data, or the trailers. */
static int
size_line_done(struct http_chunked *st)
{
	if (st->size == 0) {
		st->state = CK_TR_START;
		return 0;
	}
	if (st->size > st->max_body - st->total)
		return HTTP_ERR_BODY_TOO_LARGE;
	st->total += st->size;
	st->remaining = st->size;
	st->state = CK_DATA;
	return 0;
}

/* One byte of chunk-size line: size, extensions and CRLF. */
static int
size_line_byte(struct http_chunked *st, uint8_t c)
{
	if (++st->nline > HTTP_CHUNK_LINE_MAX)
		return st->state <= CK_SIZE ? HTTP_ERR_CHUNK_SIZE :
		    HTTP_ERR_CHUNK_EXT;
	if (c == '\n' && st->state != CK_SIZE_LF)
		return HTTP_ERR_BARE_LF;
	if (c == '\r' && (st->state == CK_SIZE || st->state == CK_EXT_NAME ||
	    st->state == CK_EXT_TOKEN || st->state == CK_EXT_AFTER_QS)) {
		st->state = CK_SIZE_LF;
		return 0;
	}
	switch (st->state) {
	case CK_SIZE_FIRST:
	case CK_SIZE:
		if (IS(c, C_HEX)) {
			if (st->size > (UINT64_MAX >> 4))
				return HTTP_ERR_CHUNK_SIZE;
			st->size = st->size << 4 | (uint64_t)(IS_DIGIT(c) ?
			    c - '0' : (c | 0x20) - 'a' + 10);
			st->state = CK_SIZE;
			return 0;
		}
		if (st->state == CK_SIZE && c == ';')
			st->state = CK_EXT_BWS_NAME;
		else if (st->state == CK_SIZE && IS_WS(c))
			st->state = CK_BWS_SEMI;
		else
			return HTTP_ERR_CHUNK_SIZE;
		return 0;
	case CK_BWS_SEMI:
		if (c == ';')
			st->state = CK_EXT_BWS_NAME;
		else if (!IS_WS(c))
			return HTTP_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_BWS_NAME:
		if (IS(c, C_TCHAR))
			st->state = CK_EXT_NAME;
		else if (!IS_WS(c))
			return HTTP_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_NAME:
	case CK_EXT_BWS_EQ:
		if (st->state == CK_EXT_NAME && IS(c, C_TCHAR))
			return 0;
		if (c == '=')
			st->state = CK_EXT_BWS_VAL;
		else if (c == ';')
			st->state = CK_EXT_BWS_NAME;
		else if (IS_WS(c))
			st->state = CK_EXT_BWS_EQ;
		else
			return HTTP_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_BWS_VAL:
		if (IS(c, C_TCHAR))
			st->state = CK_EXT_TOKEN;
		else if (c == '"')
			st->state = CK_EXT_QS;
		else if (!IS_WS(c))
			return HTTP_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_TOKEN:
	case CK_EXT_AFTER_QS:
		if (st->state == CK_EXT_TOKEN && IS(c, C_TCHAR))
			return 0;
		if (c == ';')
			st->state = CK_EXT_BWS_NAME;
		else if (IS_WS(c))
			st->state = CK_BWS_SEMI;
		else
			return HTTP_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_QS:
		if (c == '"')
			st->state = CK_EXT_AFTER_QS;
		else if (c == '\\')
			st->state = CK_EXT_QS_ESC;
		else if (!IS(c, C_QDTEXT))
			return HTTP_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_QS_ESC:
		/* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
		if (!IS(c, C_VALUE))
			return HTTP_ERR_CHUNK_EXT;
		st->state = CK_EXT_QS;
		return 0;
	case CK_SIZE_LF:
		if (c != '\n')
			return HTTP_ERR_BARE_CR;
		return size_line_done(st);
	}
	return HTTP_ERR_CHUNK_SIZE;	/* NOTREACHED */
}

/* One byte of the trailer section, counted against its limits. */
static int
trailer_byte(struct http_chunked *st, uint8_t c)
{
	if (++st->ntrailer > st->max_trailer)
		return HTTP_ERR_TRAILER_TOO_LARGE;
	switch (st->state) {
	case CK_TR_START:
		if (c == '\r') {
			st->state = CK_FINAL_LF;
			return 0;
		}
		if (c == '\n')
			return HTTP_ERR_BARE_LF;
		if (!IS(c, C_TCHAR))
			return IS_WS(c) ? HTTP_ERR_OBS_FOLD : HTTP_ERR_TRAILER;
		if (st->nfields++ == st->max_fields)
			return HTTP_ERR_TRAILER_TOO_LARGE;
		st->state = CK_TR_NAME;
		return 0;
	case CK_TR_NAME:
		if (c == ':')
			st->state = CK_TR_VALUE;
		else if (!IS(c, C_TCHAR))
			return IS_WS(c) ? HTTP_ERR_WS_COLON : HTTP_ERR_TRAILER;
		return 0;
	case CK_TR_VALUE:
		if (c == '\r')
			st->state = CK_TR_LF;
		else if (c == '\n')
			return HTTP_ERR_BARE_LF;
		else if (!IS(c, C_VALUE))
			return HTTP_ERR_CTL;
		return 0;
	case CK_TR_LF:
	case CK_FINAL_LF:
		if (c != '\n')
			return HTTP_ERR_BARE_CR;
		st->state = st->state == CK_TR_LF ? CK_TR_START : CK_DONE;
		return 0;
	}
	return HTTP_ERR_TRAILER;	/* NOTREACHED */
}

int
http_chunked_decode(struct http_chunked *st, const uint8_t *in, size_t len,
    size_t *consumed, const uint8_t **data, size_t *data_len)
{
	const uint8_t *p = in, *end = in;
	size_t n;
	int r;

	/* No arithmetic on a NULL in: NULL + 0 is undefined. */
	if (len > 0)
		end = in + len;
	*consumed = 0;
	*data = NULL;
	*data_len = 0;
	if (st->error != 0)
		return st->error;
	while (p < end) {
		switch (st->state) {
		case CK_DATA:
			n = (size_t)(end - p);
			if (n > st->remaining)
				n = (size_t)st->remaining;
			*data = p;
			*data_len = n;
			p += n;
			if ((st->remaining -= n) == 0)
				st->state = CK_DATA_CR;
			*consumed = (size_t)(p - in);
			return HTTP_CHUNK_DATA;
		case CK_DATA_CR:
			r = *p++ == '\r' ? 0 : HTTP_ERR_CHUNK_DATA;
			st->state = CK_DATA_LF;
			break;
		case CK_DATA_LF:
			r = *p++ == '\n' ? 0 : HTTP_ERR_BARE_CR;
			st->state = CK_SIZE_FIRST;
			st->size = 0;
			st->nline = 0;
			break;
		case CK_DONE:
			*consumed = (size_t)(p - in);
			return HTTP_CHUNK_DONE;
		default:
			if (st->state >= CK_TR_START)
				r = trailer_byte(st, *p++);
			else
				r = size_line_byte(st, *p++);
			break;
		}
		if (r != 0) {
			st->error = r;
			*consumed = (size_t)(p - in);
			return r;
		}
	}
	*consumed = len;
	return st->state == CK_DONE ? HTTP_CHUNK_DONE : HTTP_AGAIN;
}
