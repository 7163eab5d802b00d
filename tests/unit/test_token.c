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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_hash),
		cmocka_unit_test(test_auth_line),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
