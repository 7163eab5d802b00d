/* SPDX-License-Identifier: ISC */
/* cmocka tests for token.c: hash syntax, AUTH and Bearer lines, checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "token.h"

/* sha256("hello") */
#define HELLO_HASH \
	"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static void
test_parse_hash(void **state)
{
	uint8_t h[POLICY_TOKEN_LEN];
	char s[128];

	(void)state;
	assert_int_equal(token_parse_hash(HELLO_HASH, strlen(HELLO_HASH), h), 0);
	assert_int_equal(h[0], 0x2c);
	assert_int_equal(h[31], 0x24);
	/* upper case hex is fine */
	strcpy(s, HELLO_HASH);
	s[7] = 'C';
	s[8] = 'F';
	assert_int_equal(token_parse_hash(s, strlen(s), h), 0);
	assert_int_equal(h[0], 0xcf);
	/* one digit short, one long, a non-hex digit, a wrong prefix */
	assert_int_equal(token_parse_hash(HELLO_HASH, strlen(HELLO_HASH) - 1, h),
	    GW_ERR_INVALID);
	strcpy(s, HELLO_HASH "0");
	assert_int_equal(token_parse_hash(s, strlen(s), h), GW_ERR_INVALID);
	strcpy(s, HELLO_HASH);
	s[20] = 'g';
	assert_int_equal(token_parse_hash(s, strlen(s), h), GW_ERR_INVALID);
	strcpy(s, HELLO_HASH);
	s[0] = 'S';
	assert_int_equal(token_parse_hash(s, strlen(s), h), GW_ERR_INVALID);
	assert_int_equal(token_parse_hash("", 0, h), GW_ERR_INVALID);
}

static void
test_auth_line(void **state)
{
	const uint8_t *t;
	size_t n;

	(void)state;
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH abc", 8,
	    &t, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(t, "abc", 3);
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH ", 5,
	    &t, &n), GW_ERR_INVALID);		/* empty token */
	assert_int_equal(token_parse_auth_line((const uint8_t *)"auth abc", 8,
	    &t, &n), GW_ERR_INVALID);		/* the verb is exact */
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH a c", 8,
	    &t, &n), GW_ERR_INVALID);		/* no spaces in a token */
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH a\0c", 8,
	    &t, &n), GW_ERR_INVALID);		/* no NUL */
}

static void
test_bearer(void **state)
{
	const uint8_t *t;
	size_t n;

	(void)state;
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearer xyz", 10,
	    &t, &n), 0);
	assert_memory_equal(t, "xyz", 3);
	assert_int_equal(token_parse_bearer((const uint8_t *)"bEaReR  xyz", 11,
	    &t, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(token_parse_bearer((const uint8_t *)"Basic xyz", 9,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearerxyz", 9,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearer ", 7,
	    &t, &n), GW_ERR_INVALID);
}

static void
test_check(void **state)
{
	uint8_t h[2][POLICY_TOKEN_LEN];

	(void)state;
	memset(h, 0, sizeof(h));
	assert_int_equal(token_parse_hash(HELLO_HASH, strlen(HELLO_HASH), h[1]),
	    0);
#if WITH_OPENSSL
	token_init();
	assert_int_equal(token_check((const uint8_t *)"hello", 5,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, 2), 1);
	assert_int_equal(token_check((const uint8_t *)"hellp", 5,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, 2), 0);
	assert_int_equal(token_check((const uint8_t *)"hello", 5,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, 1), 0);
	assert_int_equal(token_check((const uint8_t *)"hello", 5,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, 0), 0);
#else
	/* Without OpenSSL nothing ever verifies. */
	assert_int_equal(token_check((const uint8_t *)"hello", 5,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, 2), 0);
#endif
}

/*
 * The fuzz_token invariants as fixed cases (fuzz/corpus/token has them
 * too): format -> reparse, the 512-byte token limit, and where views point.
 */
static void
test_fuzz_invariants(void **state)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t a[POLICY_TOKEN_LEN], b[POLICY_TOKEN_LEN];
	uint8_t line[6 + 1 + 513];
	char s[7 + 2 * POLICY_TOKEN_LEN];
	const uint8_t *t;
	size_t i, n;

	(void)state;
	/* every byte value survives format -> reparse */
	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 8 + 7);
	memcpy(s, "sha256:", 7);
	for (i = 0; i < POLICY_TOKEN_LEN; i++) {
		s[7 + 2 * i] = hex[a[i] >> 4];
		s[8 + 2 * i] = hex[a[i] & 15];
	}
	assert_int_equal(token_parse_hash(s, sizeof(s), b), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* a failed parse leaves out untouched */
	memset(b, 0xa5, sizeof(b));
	s[70] = ':';
	assert_int_equal(token_parse_hash(s, sizeof(s), b), GW_ERR_INVALID);
	for (i = 0; i < sizeof(b); i++)
		assert_int_equal(b[i], 0xa5);

	/* 512 token bytes are accepted, 513 are not */
	memcpy(line, "AUTH ", 5);
	memset(line + 5, 'x', sizeof(line) - 5);
	assert_int_equal(token_parse_auth_line(line, 5 + 512, &t, &n), 0);
	assert_ptr_equal(t, line + 5);
	assert_int_equal(n, 512);
	assert_int_equal(token_parse_auth_line(line, 5 + 513, &t, &n),
	    GW_ERR_INVALID);
	memcpy(line, "Bearer  ", 8);
	memset(line + 8, 'y', sizeof(line) - 8);
	assert_int_equal(token_parse_bearer(line, 8 + 512, &t, &n), 0);
	assert_ptr_equal(t, line + 8);
	assert_int_equal(n, 512);
	assert_int_equal(token_parse_bearer(line, 8 + 513, &t, &n),
	    GW_ERR_INVALID);
	/* only spaces separate scheme and token; DEL and 8-bit are refused */
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearer \txyz", 11,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearer    ", 10,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearer a\x7f", 9,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH \x80", 6,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH  abc", 9,
	    &t, &n), GW_ERR_INVALID);
}

/* What the services rely on: the caller strips CR LF, not the parser. */
static void
test_line_endings_and_edges(void **state)
{
	const uint8_t *t;
	size_t n;

	(void)state;
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH abc\r",
	    9, &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH", 4,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTHabc", 7,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_auth_line((const uint8_t *)"AUTH\tabc", 8,
	    &t, &n), GW_ERR_INVALID);
	/* a trailing space is part of the token, which has none */
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearer xyz ", 11,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearer", 6,
	    &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_bearer((const uint8_t *)"Bearers xyz",
	    11, &t, &n), GW_ERR_INVALID);
	assert_int_equal(token_parse_bearer((const uint8_t *)"", 0, &t, &n),
	    GW_ERR_INVALID);
}

static void
test_sha256_and_rotation(void **state)
{
	uint8_t h[POLICY_MAX_TOKENS][POLICY_TOKEN_LEN], d[POLICY_TOKEN_LEN];
	size_t i;

	(void)state;
	memset(h, 0, sizeof(h));
	assert_int_equal(token_parse_hash(HELLO_HASH, strlen(HELLO_HASH),
	    h[POLICY_MAX_TOKENS - 1]), 0);
#if WITH_OPENSSL
	token_init();
	assert_int_equal(token_sha256((const uint8_t *)"hello", 5, d), 0);
	assert_memory_equal(d, h[POLICY_MAX_TOKENS - 1], sizeof(d));
	/* the match may be any of the configured hashes, the last too */
	for (i = 0; i < POLICY_MAX_TOKENS - 1; i++)
		h[i][0] = (uint8_t)(i + 1);
	assert_int_equal(token_check((const uint8_t *)"hello", 5,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, POLICY_MAX_TOKENS), 1);
	assert_int_equal(token_check((const uint8_t *)"hello", 5,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, POLICY_MAX_TOKENS - 1), 0);
	/* a one-byte difference or a prefix does not verify */
	assert_int_equal(token_check((const uint8_t *)"hell", 4,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, POLICY_MAX_TOKENS), 0);
	assert_int_equal(token_check((const uint8_t *)"hello!", 6,
	    (const uint8_t (*)[POLICY_TOKEN_LEN])h, POLICY_MAX_TOKENS), 0);
#else
	(void)i;
	assert_int_equal(token_sha256((const uint8_t *)"hello", 5, d), -1);
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_hash),
		cmocka_unit_test(test_auth_line),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_line_endings_and_edges),
		cmocka_unit_test(test_sha256_and_rotation),
		cmocka_unit_test(test_fuzz_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
