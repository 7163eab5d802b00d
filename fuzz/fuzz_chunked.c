/* SPDX-License-Identifier: ISC */
/* libFuzzer: the chunked decoder, whole input vs byte by byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct http_limits lim = { 512, 256, 8, 1 << 16 };
static uint8_t out0[1 << 16], out1[1 << 16];

/* Feed p[0..n) in pieces of at most step bytes; return the result. */
static int
run(const uint8_t *p, size_t n, size_t step, uint8_t *out, size_t *outlen,
    size_t *used)
{
	struct http_chunked st;
	const uint8_t *d;
	size_t off = 0, end, c, dl;
	int r = HTTP_AGAIN;

	http_chunked_init(&st, &lim);
	*outlen = 0;
	for (off = 0; off < n; ) {
		end = n - off < step ? n : off + step;
		while (off < end) {
			r = http_chunked_decode(&st, p + off, end - off, &c,
			    &d, &dl);
			if (c > end - off || (r == HTTP_CHUNK_DATA) != (dl > 0))
				abort();
			if (dl > 0) {
				if (d + dl != p + off + c)
					abort();
				memcpy(out + *outlen, d, dl);
				*outlen += dl;
			}
			off += c;
			if (r != HTTP_CHUNK_DATA && r != HTTP_AGAIN)
				goto out;
		}
	}
 out:
	*used = off;
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n0, n1, u0, u1;
	int r0, r1;

	if (size > sizeof(out0))
		return 0;
	r0 = run(data, size, size, out0, &n0, &u0);
	r1 = run(data, size, 1, out1, &n1, &u1);
	if (r0 != r1 || n0 != n1 || u0 != u1 || memcmp(out0, out1, n0) != 0)
		abort();
	if (r0 < 0 && r0 != HTTP_AGAIN && http_error_status(r0) == 500)
		abort();
	return 0;
}
