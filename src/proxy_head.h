/* SPDX-License-Identifier: ISC */
/* service proxy: the heads it sends, rebuilt from the parsed ones; pure. */
#ifndef UDSGW_PROXY_HEAD_H
#define UDSGW_PROXY_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"
#include "http.h"

/* How a message's body is framed where it is sent. */
enum proxy_body {
	PROXY_BODY_NONE = 0,	/* no body (and no framing field) */
	PROXY_BODY_LENGTH,	/* Content-Length: length */
	PROXY_BODY_CHUNKED,	/* Transfer-Encoding: chunked */
	PROXY_BODY_CLOSE,	/* response only: until the connection ends */
};

/*
 * Hop-by-hop fields, never copied (RFC 9110 7.6.1): Connection and every
 * field named in any Connection header, Keep-Alive, Proxy-Connection,
 * TE, Trailer, Transfer-Encoding, Content-Length (both re-framed),
 * Upgrade (re-added only when upgrading), and every name beginning with
 * "Proxy-". Also never copied: every name beginning with "X-Peer-" (the
 * gateway's own), and in requests Expect (the gateway answers
 * 100-continue itself). Names compare case-insensitively. Every other
 * field is copied in order, byte for byte, as "Name: value" CRLF.
 * One exception to the Connection rule: a request's Host is kept even
 * when Connection names it, since the upstream request would be invalid
 * without it. A client that names X-Peer-* in Connection changes
 * nothing: its copies go anyway and the gateway's own are appended
 * after the copied fields. The output depends only on the inputs.
 * A head whose Connection lines list more than PROXY_CONN_OPTIONS_MAX
 * options in all is refused (GW_ERR_INVALID): no client needs that many,
 * and it keeps the matching cheap.
 */
#define PROXY_CONN_OPTIONS_MAX	32

struct proxy_reqhead {
	const struct http_request *req;	/* the client's, as parsed */
	const char	*target;	/* sent instead of req->target */
	size_t		 target_len;
	const struct peer *peer;	/* pid, uid, gid, groups */
	int		 identity;	/* 1: append the X-Peer-* fields */
	const uint8_t	*upgrade;	/* non-NULL: send "Connection: upgrade"
					   and "Upgrade: " this value */
	size_t		 upgrade_len;
	int		 body;		/* enum proxy_body, not CLOSE */
	uint64_t	 length;	/* PROXY_BODY_LENGTH */
};

/*
 * proxy_build_request: the head sent upstream: "METHOD target HTTP/1.1",
 * the copied fields (Host included; a request without one, HTTP/1.0,
 * gets "Host: localhost"), then the framing field, the upgrade fields,
 * and with identity "X-Peer-Pid: N", "X-Peer-Uid: N", "X-Peer-Gid: N",
 * "X-Peer-Groups: G,G,..." (decimal; Groups empty when there are none),
 * then the empty line. Returns the length written to out[0..max), or
 * GW_ERR_NOSPACE (some of out may have been written), or GW_ERR_INVALID
 * if the target is empty or holds a byte a request-target may not (SP,
 * CR, LF, '#', controls, >= 0x80), body is CLOSE or out of range,
 * identity is set without a peer, or Connection lists too many options.
 * Pure.
 */
int	 proxy_build_request(uint8_t *out, size_t max,
	    const struct proxy_reqhead *h);

struct proxy_resphead {
	const struct http_response *rsp;	/* the upstream's */
	int		 body;		/* enum proxy_body, as sent on */
	uint64_t	 length;	/* PROXY_BODY_LENGTH */
	int		 close;		/* 1: "Connection: close" */
	int		 upgrade;	/* 1 (a 101): "Connection: upgrade" and
					   the response's Upgrade field */
};

/*
 * proxy_build_response: the head sent to the client: "HTTP/1.1 SSS
 * reason", the copied fields, the framing field (Content-Length for
 * LENGTH, also for NONE when the upstream's response had one and is
 * bodiless by its status or the request's method, e.g. a HEAD answer;
 * Transfer-Encoding: chunked for CHUNKED; nothing for CLOSE), then
 * "Connection: close" or the upgrade fields (upgrade wins over close),
 * then the empty line. The Content-Length of a bodiless answer is not
 * repeated for 1xx and 204 (RFC 9110 8.6). Returns the length or
 * GW_ERR_NOSPACE, or GW_ERR_INVALID for a status outside 100-599, a body
 * out of range, upgrade without an Upgrade field in the response, or
 * too many Connection options. Pure.
 */
int	 proxy_build_response(uint8_t *out, size_t max,
	    const struct proxy_resphead *h);

/*
 * proxy_upgrade_offer: 1 if the request asks to upgrade ("upgrade" among
 * its Connection tokens and an Upgrade field present) to protocols all
 * of which are in the allowed list (comma-separated product tokens,
 * compared case-insensitively without their "/version"), with *proto,
 * *len set to the Upgrade value; 0 otherwise (the request is sent
 * without its upgrade fields, as RFC 9110 7.8 lets a server ignore
 * them), also for more than one Upgrade line, an element that is not a
 * product, or no element at all. *proto and *len are NULL and 0 then.
 */
int	 proxy_upgrade_offer(const struct http_request *req,
	    const char *allowed, const uint8_t **proto, size_t *len);

/*
 * proxy_chunk_header: "HEX" CRLF for a chunk of n > 0 bytes into out (at
 * least 18 bytes); the length written. Lower-case digits, no leading
 * zeros.
 */
size_t	 proxy_chunk_header(uint8_t *out, uint64_t n);

#endif /* UDSGW_PROXY_HEAD_H */
