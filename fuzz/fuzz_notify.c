/* SPDX-License-Identifier: ISC */
/* libFuzzer harness: the NOTIFY_SOCKET address parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sun;
	socklen_t len;
	char *s;
	size_t n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);
	memset(&sun, 0x5a, sizeof(sun));
	len = notify_parse_addr(s, &sun);
	if (len == 0) {
		/* Refused: must be one of the documented reasons. */
		if (n >= 2 && (s[0] == '/' || s[0] == '@') &&
		    n < sizeof(sun.sun_path))
			abort();
	} else {
		if (len != offsetof(struct sockaddr_un, sun_path) + n ||
		    len > sizeof(sun) || sun.sun_family != AF_UNIX ||
		    memcmp(sun.sun_path + 1, s + 1, n - 1) != 0 ||
		    sun.sun_path[0] != (s[0] == '@' ? '\0' : '/'))
			abort();
	}
	free(s);
	return 0;
}
