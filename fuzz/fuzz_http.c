/* SPDX-License-Identifier: ISC */
/* libFuzzer: the request-head parser, whole vs prefix, then the body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct http_limits lim = { 256, 512, 16, 1 << 16 };
static struct http_header h0[20], h1[20];
static uint8_t out0[1 << 16], out1[1 << 16];

static int
parse(const uint8_t *p, size_t n, struct http_request *req,
    struct http_header *h)
{
	/* exact size: ASan sees over-reads */
	uint8_t *copy = malloc(n ? n : 1);
	int r;

	if (copy == NULL)
		abort();
	memcpy(copy, p, n);
	memset(req, 0, sizeof(*req));
	req->headers = h;
	req->max_headers = 20;
	r = http_parse_request(copy, n, &lim, req);
	free(copy);
	return r;
}

/* Decode a chunked body in pieces of step bytes; returns the result. */
static int
dechunk(const uint8_t *p, size_t n, size_t step, uint8_t *out, size_t *olen)
{
	struct http_chunked st;
	const uint8_t *d;
	size_t off = 0, end, c, dl;
	int r = HTTP_AGAIN;

	http_chunked_init(&st, &lim);
	for (*olen = 0; off < n; ) {
		end = n - off < step ? n : off + step;
		do {
			r = http_chunked_decode(&st, p + off, end - off, &c,
			    &d, &dl);
			memcpy(out + *olen, d != NULL ? d : out, dl);
			*olen += dl;
			off += c;
		} while (r == HTTP_CHUNK_DATA && off < end);
		if (r != HTTP_CHUNK_DATA && r != HTTP_AGAIN)
			return r == HTTP_CHUNK_DONE ? (int)off : r;
	}
	return r == HTTP_CHUNK_DATA ? HTTP_AGAIN : r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r0, r1;
	size_t n, k, o0, o1;
	int a, b;

	if (size < 2 || size > sizeof(out0))
		return 0;
	n = size - 2;
	k = (size_t)data[0] * (n + 1) / 256;
	a = parse(data + 2, n, &r0, h0);
	b = parse(data + 2, k, &r1, h1);
	if (a < 0 && a != HTTP_AGAIN && http_error_status(a) == 500)
		abort();
	if (a > 0 && (size_t)a <= k ? b != a : b != HTTP_AGAIN && b != a)
		abort();
	if (a > 0 && b == a && (r0.content_length != r1.content_length ||
	    r0.chunked != r1.chunked || r0.keep_alive != r1.keep_alive ||
	    r0.nheaders != r1.nheaders || r0.target_len != r1.target_len))
		abort();
	if (a <= 0 || !r0.chunked)
		return 0;
	if (dechunk(data + 2 + a, n - a, n, out0, &o0) !=
	    dechunk(data + 2 + a, n - a, 1 + data[1] % 7, out1, &o1) ||
	    o0 != o1 || memcmp(out0, out1, o0) != 0)
		abort();
	return 0;
}
