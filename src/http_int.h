/* SPDX-License-Identifier: ISC */
/* What http.c and http_chunked.c share: the octet classes and a cap. */
#ifndef UDSGW_HTTP_INT_H
#define UDSGW_HTTP_INT_H

#include <stdint.h>

/* One byte per octet, built in http.c (picohttpparser's token_char_map). */
extern const uint8_t http_cclass[256];

#define C_TCHAR		0x01
#define C_TARGET	0x02
#define C_VALUE		0x04
#define C_HOST		0x08
#define C_HEX		0x10
#define C_QDTEXT	0x20

#define IS(c, cl)	(http_cclass[(uint8_t)(c)] & (cl))
#define IS_WS(c)	((c) == ' ' || (c) == '\t')
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')

/* Keeps every offset, and so the consumed count, well inside an int. */
#define HTTP_LIMIT_CAP	(1U << 29)

#endif /* UDSGW_HTTP_INT_H */
