/* SPDX-License-Identifier: ISC */
/* The PROXY protocol version 2 header a forward listener can send. */
#ifndef UDSGW_PROXY_V2_H
#define UDSGW_PROXY_V2_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"

/* Application TLV types (0xE0-0xEF are the application range). */
#define PROXY_V2_TLV_PID	0xE0
#define PROXY_V2_TLV_UID	0xE1
#define PROXY_V2_TLV_GID	0xE2

/*
 * 16 bytes of fixed header, 216 of AF_UNIX addresses (source and
 * destination, 108 each), 3 TLVs of 1 + 2 + 4 bytes.
 */
#define PROXY_V2_LEN		(16 + 216 + 3 * 7)

/*
 * proxy_v2_build: write the header for one forwarded connection to
 * out[0..cap): signature, version 2 and command PROXY, family AF_UNIX
 * and STREAM, an all-zero source address (a connecting peer has no
 * name), dst_path as the destination (zeros when NULL or abstract, "@"),
 * then the peer's pid, uid and gid as 4-byte big-endian TLVs of types
 * PROXY_V2_TLV_PID, _UID and _GID. PURE. Returns PROXY_V2_LEN, or
 * GW_ERR_NOSPACE when cap is smaller (out untouched).
 */
int	 proxy_v2_build(uint8_t *out, size_t cap, const char *dst_path,
	    const struct peer *peer);

#endif /* UDSGW_PROXY_V2_H */
