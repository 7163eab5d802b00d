/* SPDX-License-Identifier: ISC */
/* cmocka tests for proxy_v2.c: the PROXY v2 header, byte by byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "proxy_v2.h"

static const uint8_t sig[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Walk the TLVs after the addresses; the value of type t, or -1. */
static int64_t
tlv(const uint8_t *h, size_t len, uint8_t t)
{
	size_t off = 16 + 216, vlen;

	while (off + 3 <= len) {
		vlen = (size_t)h[off + 1] << 8 | h[off + 2];
		if (off + 3 + vlen > len)
			return -2;
		if (h[off] == t && vlen == 4)
			return be32(h + off + 3);
		off += 3 + vlen;
	}
	return -1;
}

static void
test_header(void **state)
{
	uint8_t h[PROXY_V2_LEN + 8];
	struct peer p;
	const char *path = "/run/uds-gateway/pg.sock";
	int n;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.pid = 4242;
	p.uid = 1000;
	p.gid = 4294967294u;
	memset(h, 0xee, sizeof(h));
	n = proxy_v2_build(h, sizeof(h), path, &p);
	assert_int_equal(n, PROXY_V2_LEN);
	assert_int_equal(n, 253);
	assert_memory_equal(h, sig, sizeof(sig));
	assert_int_equal(h[12], 0x21);		/* v2, PROXY */
	assert_int_equal(h[13], 0x31);		/* AF_UNIX, STREAM */
	assert_int_equal((h[14] << 8) | h[15], n - 16);
	/* source: all zeros */
	for (size_t i = 16; i < 16 + 108; i++)
		assert_int_equal(h[i], 0);
	/* destination: the path, NUL padded */
	assert_memory_equal(h + 16 + 108, path, strlen(path));
	for (size_t i = 16 + 108 + strlen(path); i < 16 + 216; i++)
		assert_int_equal(h[i], 0);
	assert_int_equal(tlv(h, (size_t)n, PROXY_V2_TLV_PID), 4242);
	assert_int_equal(tlv(h, (size_t)n, PROXY_V2_TLV_UID), 1000);
	assert_int_equal(tlv(h, (size_t)n, PROXY_V2_TLV_GID), 4294967294u);
	assert_int_equal(tlv(h, (size_t)n, 0xE3), -1);
	/* nothing written past the header */
	assert_int_equal(h[PROXY_V2_LEN], 0xee);
}

static void
test_abstract_and_null(void **state)
{
	uint8_t h[PROXY_V2_LEN], z[108];
	struct peer p;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(z, 0, sizeof(z));
	assert_int_equal(proxy_v2_build(h, sizeof(h), "@abstract", &p),
	    PROXY_V2_LEN);
	assert_memory_equal(h + 16 + 108, z, sizeof(z));
	assert_int_equal(proxy_v2_build(h, sizeof(h), NULL, &p),
	    PROXY_V2_LEN);
	assert_memory_equal(h + 16 + 108, z, sizeof(z));
}

static void
test_long_path_and_space(void **state)
{
	uint8_t h[PROXY_V2_LEN], g[PROXY_V2_LEN];
	char path[200];
	struct peer p;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	/* At most 107 bytes of the path: the address keeps a NUL. */
	assert_int_equal(proxy_v2_build(h, sizeof(h), path, &p),
	    PROXY_V2_LEN);
	assert_int_equal(h[16 + 108 + 106], 'a');
	assert_int_equal(h[16 + 108 + 107], 0);
	memset(g, 0x5a, sizeof(g));
	memcpy(h, g, sizeof(g));
	assert_int_equal(proxy_v2_build(h, PROXY_V2_LEN - 1, "/x", &p),
	    GW_ERR_NOSPACE);
	assert_memory_equal(h, g, sizeof(g));	/* untouched */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_abstract_and_null),
		cmocka_unit_test(test_long_path_and_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
