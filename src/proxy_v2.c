/* SPDX-License-Identifier: ISC */
/* PROXY protocol v2 header for forward listeners (PURE). */
#include <string.h>

#include "proxy_v2.h"

static const uint8_t sig[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
};

#define CMD_V2_PROXY	0x21	/* version 2 << 4 | PROXY */
#define FAM_UNIX_STREAM	0x31	/* AF_UNIX << 4 | STREAM */
#define UNIX_ADDR_LEN	108

static uint8_t *
put_tlv32(uint8_t *p, uint8_t type, uint32_t v)
{
	*p++ = type;
	*p++ = 0;
	*p++ = 4;
	*p++ = (uint8_t)(v >> 24);
	*p++ = (uint8_t)(v >> 16);
	*p++ = (uint8_t)(v >> 8);
	*p++ = (uint8_t)v;
	return p;
}

int
proxy_v2_build(uint8_t *out, size_t cap, const char *dst_path,
    const struct peer *peer)
{
	uint8_t *p = out;
	size_t n;
	uint16_t len = PROXY_V2_LEN - 16;

	if (cap < PROXY_V2_LEN)
		return GW_ERR_NOSPACE;
	memset(out, 0, PROXY_V2_LEN);
	memcpy(p, sig, sizeof(sig));
	p += sizeof(sig);
	*p++ = CMD_V2_PROXY;
	*p++ = FAM_UNIX_STREAM;
	*p++ = (uint8_t)(len >> 8);
	*p++ = (uint8_t)len;
	p += UNIX_ADDR_LEN;	/* source: zeros */
	if (dst_path != NULL && dst_path[0] != '@') {
		for (n = 0; n < UNIX_ADDR_LEN - 1 && dst_path[n] != '\0'; n++)
			;
		memcpy(p, dst_path, n);
	}
	p += UNIX_ADDR_LEN;
	p = put_tlv32(p, PROXY_V2_TLV_PID, (uint32_t)peer->pid);
	p = put_tlv32(p, PROXY_V2_TLV_UID, (uint32_t)peer->uid);
	p = put_tlv32(p, PROXY_V2_TLV_GID, (uint32_t)peer->gid);
	return (int)(p - out);
}
