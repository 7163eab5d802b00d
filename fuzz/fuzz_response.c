/* SPDX-License-Identifier: ISC */
/* libFuzzer: the response-head parser, whole vs prefix, views in bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct http_limits lim = { 256, 512, 16, 0 };
static struct http_header h0[20], h1[20];

static int
parse(const uint8_t *copy, size_t n, struct http_response *rsp,
    struct http_header *h)
{
	memset(rsp, 0, sizeof(*rsp));
	rsp->headers = h;
	rsp->max_headers = 20;
	return http_parse_response(copy, n, &lim, rsp);
}

/* A view is NULL and empty, or lies inside copy[0..n). */
static void
inside(const uint8_t *v, size_t vl, const uint8_t *copy, size_t n)
{
	if (v == NULL ? vl != 0 : v < copy || vl > n ||
	    (size_t)(v - copy) > n - vl)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response r0, r1;
	uint8_t *copy;
	size_t n, k, i;
	int a, b;

	if (size < 1 || size > 4096)
		return 0;
	n = size - 1;
	k = (size_t)data[0] * (n + 1) / 256;
	/* exact size: ASan sees over-reads */
	if ((copy = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(copy, data + 1, n);
	a = parse(copy, n, &r0, h0);
	b = parse(copy, k, &r1, h1);
	if (a == 0 || a > (int)n)
		abort();
	if (a < 0 && a != HTTP_AGAIN && http_error_status(a) == 500)
		abort();
	if (a > 0 && (size_t)a <= k ? b != a : b != HTTP_AGAIN && b != a)
		abort();
	if (a > 0) {
		if (r0.status < 100 || r0.status > 599 ||
		    (r0.minor_version != 0 && r0.minor_version != 1) ||
		    (r0.chunked && r0.has_content_length) ||
		    r0.nheaders > 16)
			abort();
		inside(r0.reason, r0.reason_len, copy, (size_t)a);
		inside(r0.upgrade, r0.upgrade_len, copy, (size_t)a);
		inside(r0.content_type, r0.content_type_len, copy, (size_t)a);
		for (i = 0; i < r0.nheaders; i++) {
			inside(h0[i].name, h0[i].name_len, copy, (size_t)a);
			inside(h0[i].value, h0[i].value_len, copy, (size_t)a);
		}
	}
	if (a > 0 && b == a && (r0.status != r1.status ||
	    r0.content_length != r1.content_length ||
	    r0.chunked != r1.chunked || r0.keep_alive != r1.keep_alive ||
	    r0.conn_upgrade != r1.conn_upgrade ||
	    r0.nheaders != r1.nheaders || r0.reason_len != r1.reason_len))
		abort();
	free(copy);
	return 0;
}
