/* SPDX-License-Identifier: ISC */
/* Peer tokens: the sha256:<hex> policy syntax (pure) and verification. */
#ifndef UDSGW_TOKEN_H
#define UDSGW_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"

/*
 * token_parse_hash: parse exactly "sha256:" followed by 64 hex digits
 * (either case) from p[0..len) into out. Returns 0, or GW_ERR_INVALID
 * (out untouched). Pure.
 */
int	 token_parse_hash(const char *p, size_t len,
	    uint8_t out[POLICY_TOKEN_LEN]);


/*
 * token_check: 1 if the SHA-256 of tok[0..len) equals one of the n
 * hashes, else 0. Every hash is compared, each in constant time. Without
 * OpenSSL (WITH_OPENSSL=0) it always returns 0; the policy parser
 * refuses tokens in such a build.
 */
int	 token_check(const uint8_t *tok, size_t len,
	    const uint8_t (*hashes)[POLICY_TOKEN_LEN], size_t n);
/* token_init: initialise the crypto library before the sandbox. */
void	 token_init(void);
/* token_sha256: digest of p into out; 0, or -1 without OpenSSL. */
int	 token_sha256(const uint8_t *p, size_t len,
	    uint8_t out[POLICY_TOKEN_LEN]);
/*
 * token_valid: 1 if p[0..len) can be presented as a token: 1 to
 * TOKEN_MAX visible ASCII bytes, no spaces. Pure.
 */
#define TOKEN_MAX	512
int	 token_valid(const uint8_t *p, size_t len);
/*
 * token_parse_auth_line: if line[0..len) is "AUTH <token>" (CR LF or LF
 * stripped by the caller), point *tok and *toklen at the token. Pure.
 * Returns 0 or GW_ERR_INVALID.
 */
int	 token_parse_auth_line(const uint8_t *line, size_t len,
	    const uint8_t **tok, size_t *toklen);
/*
 * token_parse_bearer: the same for an Authorization field value
 * "Bearer <token>" (scheme case-insensitive, one or more spaces).
 */
int	 token_parse_bearer(const uint8_t *v, size_t len,
	    const uint8_t **tok, size_t *toklen);

#endif /* UDSGW_TOKEN_H */
