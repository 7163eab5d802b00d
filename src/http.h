/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 request-head parser and chunked-body decoder: pure, zero-copy. */
#ifndef UDSGW_HTTP_H
#define UDSGW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"

/*
 * Strictness decisions (RFC 9112 / RFC 9110), all of them final:
 *
 * - Lines end in CRLF only. A bare LF (LF not preceded by CR) is rejected
 *   with HTTP_ERR_BARE_LF, a bare CR with HTTP_ERR_BARE_CR (both 400).
 * - Up to HTTP_MAX_EMPTY_LINES empty lines (CRLF) before the request line are
 *   skipped (RFC 9112 2.2 SHOULD ignore at least one); one more is a 400.
 *   They are included in the consumed count but not in any limit.
 * - The request line is method SP request-target SP HTTP-version CRLF with
 *   exactly one SP between the parts. The method is a case-sensitive token;
 *   the target is visible ASCII (0x21-0x7e) except '#' (no fragment may be
 *   sent); bytes >= 0x80 are rejected. The target form must suit the
 *   method: "*" only with OPTIONS, authority-form (host:port) only and
 *   always with CONNECT, otherwise origin-form ("/...") or absolute-form
 *   (scheme ":" ...). In absolute-form the Host header is still required
 *   for HTTP/1.1 and returned as sent; the server should use the target.
 * - The version must be "HTTP/" DIGIT "." DIGIT; 1.0 and 1.1 are served,
 *   and so is 1.2 to 1.9, as 1.1 (minor_version 1: Host required, the
 *   answer is HTTP/1.1), as RFC 9110 2.5 says a server SHOULD; any other
 *   well-formed version (0.x, 2.0 and up) is HTTP_ERR_VERSION_UNSUPPORTED
 *   (505), anything else (lower case, more digits) HTTP_ERR_VERSION (400).
 * - Header names are tokens; whitespace before the colon is a 400, a line
 *   starting with SP or HTAB (obs-fold, including before the first field)
 *   is a 400. Values may hold HTAB, SP, VCHAR and obs-text (>= 0x80); any
 *   other control character, NUL and DEL included, is a 400. Leading and
 *   trailing OWS is not part of the value view.
 * - Limits, checked while the head is still incomplete so that a slow
 *   client cannot make the caller buffer more than the limits allow:
 *   max_request_line counts the request line including its CRLF (414);
 *   max_header_bytes counts the field lines including their CRLFs and the
 *   final empty line (431); the header count limit is the smaller of
 *   lim->max_headers and req->max_headers (431).
 * - Content-Length is 1*DIGIT (no sign, space inside, hex or empty value)
 *   and must fit in uint64_t. A list ("5, 5") or repeated header lines are
 *   accepted only if every value is identical (RFC 9110 8.6), else 400.
 *   A value above max_body is a 413.
 * - Transfer-Encoding is a comma list of bare tokens (no parameters, no
 *   quotes, no empty elements), case-insensitive. Together with
 *   Content-Length: 400. In an HTTP/1.0 request: 400. "chunked" twice: 400.
 *   Final coding not chunked: 400. Only "chunked" is implemented, so any
 *   other coding before it ("gzip, chunked") is a 501.
 * - Host: HTTP/1.1 needs exactly one; two are a 400 in any version. The
 *   value may be empty, otherwise it must consist of reg-name, IP-literal
 *   and port characters. Two Authorization headers are a 400.
 * - Connection is a comma list of case-insensitive tokens; "close" always
 *   wins; HTTP/1.0 keeps the connection only with "keep-alive". Elements
 *   that are not tokens are ignored.
 * - Expect: exactly "100-continue" (case-insensitive) sets expect_continue
 *   for HTTP/1.1 (and is ignored for HTTP/1.0, RFC 9110 10.1.1); any other
 *   value is HTTP_ERR_EXPECT (417).
 * - When several errors apply, syntax errors win in input order; after a
 *   complete head the checks run in this order: TE in HTTP/1.0, CL with TE,
 *   TE not ending in chunked, missing Host, unsupported coding (501),
 *   Expect (417), Content-Length over max_body (413).
 *
 * The result never depends on how the input was split: for every prefix of
 * an input the parser returns either HTTP_AGAIN or exactly what it returns
 * for the whole input.
 */

#define HTTP_AGAIN		GW_ERR_AGAIN	/* need more input */

#define HTTP_MAX_HEADERS	100	/* suggested header array capacity */
#define HTTP_MAX_EMPTY_LINES	4	/* CRLFs skipped before request line */
#define HTTP_CHUNK_LINE_MAX	1024	/* chunk-size line incl. extensions */

/* Errors (negative), mapped to a status by http_error_status(). */
#define HTTP_ERR_METHOD		-100	/* 400 invalid method */
#define HTTP_ERR_REQUEST_LINE	-101	/* 400 malformed request line */
#define HTTP_ERR_TARGET		-102	/* 400 invalid request-target */
#define HTTP_ERR_VERSION	-103	/* 400 malformed HTTP-version */
#define HTTP_ERR_VERSION_UNSUPPORTED -104 /* 505 */
#define HTTP_ERR_LINE_TOO_LONG	-105	/* 414 request line over limit */
#define HTTP_ERR_EMPTY_LINES	-106	/* 400 too many leading CRLFs */
#define HTTP_ERR_CTL		-107	/* 400 control character */
#define HTTP_ERR_BARE_CR	-108	/* 400 CR not followed by LF */
#define HTTP_ERR_BARE_LF	-109	/* 400 LF not preceded by CR */
#define HTTP_ERR_OBS_FOLD	-110	/* 400 line starts with SP/HTAB */
#define HTTP_ERR_FIELD_NAME	-111	/* 400 field name not a token */
#define HTTP_ERR_WS_COLON	-112	/* 400 whitespace before colon */
#define HTTP_ERR_HEADERS_TOO_LARGE -113	/* 431 header bytes over limit */
#define HTTP_ERR_TOO_MANY_HEADERS -114	/* 431 header count over limit */
#define HTTP_ERR_HOST_MISSING	-115	/* 400 HTTP/1.1 without Host */
#define HTTP_ERR_HOST_DUP	-116	/* 400 more than one Host */
#define HTTP_ERR_HOST_INVALID	-117	/* 400 malformed Host value */
#define HTTP_ERR_AUTH_DUP	-118	/* 400 more than one Authorization */
#define HTTP_ERR_CL_INVALID	-119	/* 400 malformed Content-Length */
#define HTTP_ERR_CL_CONFLICT	-120	/* 400 differing Content-Lengths */
#define HTTP_ERR_CL_TE		-121	/* 400 Content-Length and TE */
#define HTTP_ERR_TE_INVALID	-122	/* 400 malformed/obfuscated TE */
#define HTTP_ERR_TE_NOT_CHUNKED	-123	/* 400 final coding not chunked */
#define HTTP_ERR_TE_HTTP10	-124	/* 400 TE in an HTTP/1.0 request */
#define HTTP_ERR_TE_UNSUPPORTED	-125	/* 501 coding not implemented */
#define HTTP_ERR_EXPECT		-126	/* 417 expectation not 100-continue */
#define HTTP_ERR_BODY_TOO_LARGE	-127	/* 413 body over max_body */
#define HTTP_ERR_CHUNK_SIZE	-128	/* 400 bad chunk-size line */
#define HTTP_ERR_CHUNK_EXT	-129	/* 400 bad or too long chunk-ext */
#define HTTP_ERR_CHUNK_DATA	-130	/* 400 no CRLF after chunk-data */
#define HTTP_ERR_TRAILER	-131	/* 400 malformed trailer field */
#define HTTP_ERR_TRAILER_TOO_LARGE -132	/* 431 trailer section over limit */
/* Response heads only (http_parse_response); the proxy answers 502. */
#define HTTP_ERR_STATUS_LINE	-140	/* 502 malformed status line */

/* Filled by the daemon from struct limits (gateway.h). */
struct http_limits {
	uint32_t	 max_request_line;	/* incl. CRLF, 414 */
	uint32_t	 max_header_bytes;	/* fields + CRLF, 431 */
	uint32_t	 max_headers;		/* 431 */
	uint64_t	 max_body;		/* 413 */
};

enum http_method {
	HTTP_M_OTHER = 0,	/* a valid token we do not know */
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_OPTIONS,
	HTTP_M_PATCH,
	HTTP_M_CONNECT,
	HTTP_M_TRACE,
};

enum http_target_form {
	HTTP_TF_ORIGIN = 0,	/* "/path?query" */
	HTTP_TF_ABSOLUTE,	/* "http://host/path" */
	HTTP_TF_AUTHORITY,	/* "host:port", CONNECT only */
	HTTP_TF_ASTERISK,	/* "*", OPTIONS only */
};

/* A header field line; views into the caller's buffer, OWS trimmed. */
struct http_header {
	const uint8_t	*name;
	size_t		 name_len;
	const uint8_t	*value;
	size_t		 value_len;
};

/*
 * The parsed head. The caller sets headers and max_headers (the capacity
 * of the array, e.g. HTTP_MAX_HEADERS); everything else is output. All
 * pointers are views into the buffer passed to http_parse_request() and
 * are valid as long as that buffer is unchanged.
 */
struct http_request {
	struct http_header *headers;		/* in: caller's array */
	size_t		 max_headers;		/* in: its capacity */
	size_t		 nheaders;		/* out: fields stored */

	const uint8_t	*method;
	size_t		 method_len;
	int		 method_id;		/* enum http_method */
	const uint8_t	*target;
	size_t		 target_len;
	int		 target_form;		/* enum http_target_form */
	int		 minor_version;		/* 0 or 1 (1.2-1.9: 1) */

	/* valid if has_content_length */
	uint64_t	 content_length;
	int		 has_content_length;
	int		 chunked;		/* Transfer-Encoding: chunked */
	int		 keep_alive;		/* 1: keep the connection */
	int		 expect_continue;	/* send 100 Continue first */
	const uint8_t	*host;			/* NULL if absent */
	size_t		 host_len;
	const uint8_t	*authorization;		/* NULL if absent */
	size_t		 authorization_len;
};

/*
 * http_parse_request: parse the request head at the start of p[0..len).
 * Call it again with the whole buffered prefix whenever more bytes arrive
 * (each call is O(len) and keeps no state). Returns the number of bytes of
 * the head (leading empty lines, request line, fields and the final CRLF;
 * the body or the next pipelined request starts there), HTTP_AGAIN if the
 * head is incomplete and no limit is exceeded yet, or a negative HTTP_ERR_*
 * code (answer with http_error_status() and close the connection). The
 * output fields of req are cleared at entry and meaningful only on
 * success; the header array contents are undefined after an error. A
 * request has a body of content_length bytes if has_content_length, a
 * chunked body if chunked, and none otherwise. Pure: no I/O, no
 * allocation. Byte limits above 2^29 are treated as 2^29.
 */
int	 http_parse_request(const uint8_t *p, size_t len,
	    const struct http_limits *lim, struct http_request *req);

/*
 * http_error_status: the HTTP status code for an error returned by this
 * module (400, 413, 414, 417, 431, 501, 505; 502 for the one error only
 * a response head gives, HTTP_ERR_STATUS_LINE); GW_ERR_INVALID and
 * GW_ERR_RANGE map to 400, GW_ERR_TOO_LARGE to 413, anything else to 500.
 * http_error_reason: a short static lower-case string for logs.
 */
int	 http_error_status(int err);
const char *http_error_reason(int err);

/*
 * Chunked body decoder state (RFC 9112 7.1). Initialise with
 * http_chunked_init(); no other set-up or clean-up is needed.
 * Strictness: chunk-size is 1*HEXDIG without leading whitespace; BWS is
 * accepted only where the grammar has it (before ';', around '='); the
 * chunk-size line (digits and extensions) is at most HTTP_CHUNK_LINE_MAX
 * bytes including CRLF; extension names are tokens, values tokens or
 * quoted-strings, and they are discarded. Trailer fields are validated
 * like header fields (no obs-fold, no whitespace before the colon, no
 * control characters), bounded by max_header_bytes (431, counted like the
 * header section) and max_headers (431), and discarded. The decoded body
 * total is bounded by max_body (413), checked as soon as a chunk-size is
 * known.
 */
struct http_chunked {
	uint64_t	 remaining;	/* chunk-data bytes still expected */
	uint64_t	 size;		/* chunk-size being read */
	uint64_t	 total;		/* body bytes decoded so far */
	uint64_t	 max_body;
	uint32_t	 max_trailer;	/* bytes */
	uint32_t	 max_fields;	/* trailer fields */
	uint32_t	 nline;		/* bytes of chunk-size line */
	uint32_t	 ntrailer;	/* trailer bytes so far */
	uint32_t	 nfields;	/* trailer fields so far */
	int		 state;
	int		 error;		/* sticky: the first error returned */
};

#define HTTP_CHUNK_DONE		0	/* body and trailers complete */
#define HTTP_CHUNK_DATA		1	/* a data span is returned */

void	 http_chunked_init(struct http_chunked *st,
	    const struct http_limits *lim);

/*
 * http_chunked_decode: consume chunked framing from in[0..len).
 * *consumed is always set to the number of bytes used. Returns:
 *  HTTP_CHUNK_DATA  a span of decoded body bytes is in *data, *data_len
 *                   (> 0); it is a view into in and ends at in + *consumed.
 *                   Call again with the rest of the input.
 *  HTTP_CHUNK_DONE  the last chunk and the trailer section are complete;
 *                   bytes after *consumed belong to the next request.
 *                   Further calls return HTTP_CHUNK_DONE, consuming nothing.
 *  HTTP_AGAIN       all len bytes were consumed; supply more input.
 *  HTTP_ERR_*       malformed (400), too large (413, 431); the error is
 *                   sticky and returned by every later call.
 * *data and *data_len are NULL and 0 unless HTTP_CHUNK_DATA is returned.
 * The concatenation of the data spans, the total consumed and the final
 * result do not depend on how the input is split. Pure.
 */
int	 http_chunked_decode(struct http_chunked *st, const uint8_t *in,
	    size_t len, size_t *consumed, const uint8_t **data,
	    size_t *data_len);

/*
 * Response heads (service proxy reads its upstream's answers): the same
 * strictness as requests where it applies (CRLF only, no obs-fold, field
 * names tokens, no whitespace before the colon, no control characters
 * in values, the same Content-Length and Transfer-Encoding rules), and:
 * - The status line is "HTTP/" DIGIT "." DIGIT SP 3DIGIT SP reason CRLF;
 *   the reason may be empty, and the SP before it may be missing when it
 *   is (RFC 9112 4 says a client SHOULD accept that). Only HTTP/1.0 and
 *   HTTP/1.1 are accepted; status 100-599.
 * - No leading empty lines. A malformed status line is
 *   HTTP_ERR_STATUS_LINE, a bad or unsupported version HTTP_ERR_VERSION
 *   or HTTP_ERR_VERSION_UNSUPPORTED; the reason is returned as sent.
 * - Transfer-Encoding in an HTTP/1.0 response is HTTP_ERR_TE_HTTP10
 *   (RFC 9112 6.1: faulty framing).
 * - Of repeated Upgrade or Content-Type lines the first is reported.
 * - Limits: the status line counts against max_request_line, the fields
 *   against max_header_bytes and max_headers (same errors); max_body is
 *   not used.
 * - Content-Length with Transfer-Encoding, a TE whose final coding is
 *   not chunked, and any coding other than chunked are errors (a proxy
 *   must not guess at such a message's length).
 * Any error is HTTP_ERR_* and, for the proxy, a 502.
 */
struct http_response {
	struct http_header *headers;		/* in: caller's array */
	size_t		 max_headers;		/* in: its capacity */
	size_t		 nheaders;		/* out: fields stored */

	int		 minor_version;		/* 0 or 1 */
	int		 status;		/* 100-599 */
	const uint8_t	*reason;
	size_t		 reason_len;
	uint64_t	 content_length;	/* valid if has_content_length */
	int		 has_content_length;
	int		 chunked;
	int		 keep_alive;		/* as http_request's */
	int		 conn_upgrade;		/* "upgrade" in Connection */
	const uint8_t	*upgrade;		/* Upgrade value; NULL: none */
	size_t		 upgrade_len;
	const uint8_t	*content_type;		/* NULL if absent */
	size_t		 content_type_len;
};

/*
 * http_parse_response: as http_parse_request, for a response head at the
 * start of p[0..len): its length, HTTP_AGAIN, or an HTTP_ERR_*. Pure.
 */
int	 http_parse_response(const uint8_t *p, size_t len,
	    const struct http_limits *lim, struct http_response *rsp);

#endif /* UDSGW_HTTP_H */
