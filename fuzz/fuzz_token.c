/* SPDX-License-Identifier: ISC */
/* libFuzzer: token_parse_hash (format -> reparse), AUTH and Bearer views. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "token.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* An exact-size heap copy, so ASan sees any over-read. */
static uint8_t *
copy_of(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (c == NULL)
		abort();
	memcpy(c, p, n);
	return c;
}

static void
hash(const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t a[POLICY_TOKEN_LEN], b[POLICY_TOKEN_LEN];
	char s[7 + 2 * POLICY_TOKEN_LEN];
	uint8_t *c = copy_of(p, n);
	size_t i;

	memset(a, 0xa5, sizeof(a));
	if (token_parse_hash((const char *)c, n, a) != 0) {
		for (i = 0; i < sizeof(a); i++)	/* out untouched */
			if (a[i] != 0xa5)
				abort();
		free(c);
		return;
	}
	memcpy(s, "sha256:", 7);
	for (i = 0; i < POLICY_TOKEN_LEN; i++) {
		s[7 + 2 * i] = hex[a[i] >> 4];
		s[8 + 2 * i] = hex[a[i] & 15];
	}
	/* the input was this text, up to the case of the hex digits */
	if (n != sizeof(s))
		abort();
	for (i = 0; i < n; i++)
		if ((c[i] | (i < 7 ? 0 : 0x20)) != (uint8_t)s[i])
			abort();
	if (token_parse_hash(s, sizeof(s), b) != 0 ||
	    memcmp(a, b, sizeof(a)) != 0)
		abort();
	free(c);
}

/* A successful view lies inside p[0..n), is non-empty, visible ASCII. */
static void
view(const uint8_t *p, size_t n, const uint8_t *t, size_t tl)
{
	size_t i;

	if (t < p || tl == 0 || tl > n || t + tl != p + n)
		abort();
	for (i = 0; i < tl; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			abort();
}

static void
auth(const uint8_t *p, size_t n)
{
	const uint8_t *t = NULL;
	uint8_t *c = copy_of(p, n);
	size_t tl = 0;

	if (token_parse_auth_line(c, n, &t, &tl) == 0) {
		view(c, n, t, tl);
		if (t != c + 5 || memcmp(c, "AUTH ", 5) != 0)
			abort();
	}
	free(c);
}

static void
bearer(const uint8_t *p, size_t n)
{
	const uint8_t *t = NULL, *q;
	uint8_t *c = copy_of(p, n);
	size_t tl = 0;

	if (token_parse_bearer(c, n, &t, &tl) == 0) {
		view(c, n, t, tl);
		if (t < c + 7 || strncasecmp((const char *)c, "bearer", 6) != 0)
			abort();
		for (q = c + 6; q < t; q++)	/* only spaces between */
			if (*q != ' ')
				abort();
	}
	free(c);
}

/*
 * Byte 0 mod 4 picks the parser ('0': hash, '1': AUTH line, '2': Bearer,
 * '3': all three); the rest is the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		hash(data + 1, size - 1);
		break;
	case 1:
		auth(data + 1, size - 1);
		break;
	case 2:
		bearer(data + 1, size - 1);
		break;
	default:
		hash(data + 1, size - 1);
		auth(data + 1, size - 1);
		bearer(data + 1, size - 1);
		break;
	}
	return 0;
}
