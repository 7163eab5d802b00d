/* SPDX-License-Identifier: ISC */
/* Peer tokens: the sha256:<hex> policy syntax (pure) and verification. */
#include <string.h>

#include "token.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
token_parse_hash(const char *p, size_t len, uint8_t out[POLICY_TOKEN_LEN])
{
	static const char pfx[] = "sha256:";
	uint8_t tmp[POLICY_TOKEN_LEN];
	size_t i;
	int hi, lo;

	if (len != sizeof(pfx) - 1 + 2 * POLICY_TOKEN_LEN ||
	    memcmp(p, pfx, sizeof(pfx) - 1) != 0)
		return GW_ERR_INVALID;
	p += sizeof(pfx) - 1;
	for (i = 0; i < POLICY_TOKEN_LEN; i++) {
		if ((hi = hexval((unsigned char)p[2 * i])) < 0 ||
		    (lo = hexval((unsigned char)p[2 * i + 1])) < 0)
			return GW_ERR_INVALID;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}


/* token68-ish: visible ASCII without spaces. */
static int
token_chars_ok(const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0 || len > TOKEN_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return 0;
	return 1;
}

int
token_valid(const uint8_t *p, size_t len)
{
	return token_chars_ok(p, len);
}

int
token_parse_auth_line(const uint8_t *line, size_t len, const uint8_t **tok,
    size_t *toklen)
{
	if (len < 6 || memcmp(line, "AUTH ", 5) != 0 ||
	    !token_chars_ok(line + 5, len - 5))
		return GW_ERR_INVALID;
	*tok = line + 5;
	*toklen = len - 5;
	return 0;
}

int
token_parse_bearer(const uint8_t *v, size_t len, const uint8_t **tok,
    size_t *toklen)
{
	static const char scheme[] = "bearer";
	size_t i;

	if (len < sizeof(scheme))
		return GW_ERR_INVALID;
	for (i = 0; i < sizeof(scheme) - 1; i++)
		if ((v[i] | 0x20) != scheme[i])
			return GW_ERR_INVALID;
	if (v[i] != ' ')
		return GW_ERR_INVALID;
	while (i < len && v[i] == ' ')
		i++;
	if (!token_chars_ok(v + i, len - i))
		return GW_ERR_INVALID;
	*tok = v + i;
	*toklen = len - i;
	return 0;
}

#if WITH_OPENSSL
#include <openssl/crypto.h>
#include <openssl/evp.h>

void
token_init(void)
{
	uint8_t d[POLICY_TOKEN_LEN];

	/* Load config and error strings now: no file access later. */
	(void)OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
	(void)token_sha256((const uint8_t *)"warm-up", 7, d);
}

int
token_sha256(const uint8_t *p, size_t len, uint8_t out[POLICY_TOKEN_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != POLICY_TOKEN_LEN)
		return -1;
	return 0;
}

int
token_check(const uint8_t *tok, size_t len,
    const uint8_t (*hashes)[POLICY_TOKEN_LEN], size_t n)
{
	uint8_t d[POLICY_TOKEN_LEN];
	size_t i;
	int ok = 0;

	if (n == 0 || token_sha256(tok, len, d) != 0)
		return 0;
	for (i = 0; i < n; i++)
		ok |= CRYPTO_memcmp(d, hashes[i], sizeof(d)) == 0;
	OPENSSL_cleanse(d, sizeof(d));
	return ok;
}
#else
void
token_init(void)
{
}

int
token_sha256(const uint8_t *p, size_t len, uint8_t out[POLICY_TOKEN_LEN])
{
	(void)p;
	(void)len;
	(void)out;
	return -1;
}

int
token_check(const uint8_t *tok, size_t len,
    const uint8_t (*hashes)[POLICY_TOKEN_LEN], size_t n)
{
	(void)tok;
	(void)len;
	(void)hashes;
	(void)n;
	return 0;
}
#endif
