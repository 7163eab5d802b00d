/* SPDX-License-Identifier: ISC */
/* libFuzzer: activation_parse over three NUL-separated strings. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The input is LISTEN_PID NUL LISTEN_FDS NUL LISTEN_FDNAMES; a missing
 * field is an unset variable. self is 4242.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[3] = { NULL, NULL, NULL };
	struct activation a;
	char *c, *p, *end;
	int i, r;

	if ((c = malloc(size + 1)) == NULL)
		abort();
	memcpy(c, data, size);
	c[size] = '\0';
	end = c + size;
	for (i = 0, p = c; i < 3 && p <= end; i++) {
		f[i] = p;
		p += strlen(p) + 1;
	}
	r = activation_parse(f[0], f[1], f[2], 4242, &a);
	if (r > ACTIVATION_MAX_FDS || (r > 0 && a.nfds != r) ||
	    (r <= 0 && a.nfds != 0))
		abort();
	for (i = 0; i < ACTIVATION_MAX_FDS; i++)
		if (memchr(a.names[i], '\0', sizeof(a.names[i])) == NULL ||
		    strchr(a.names[i], ':') != NULL)
			abort();
	free(c);
	return 0;
}
