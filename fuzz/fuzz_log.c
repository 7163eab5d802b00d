/* SPDX-License-Identifier: ISC */
/* libFuzzer: a worker's log record as the parent formats it (src/log.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Undo log_escape; -1 if out is not something it could have written. */
static long
unescape(const char *s, size_t n, uint8_t *out)
{
	size_t i, k = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[k++] = (uint8_t)s[i];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\\') {
			out[k++] = '\\';
			i++;
			continue;
		}
		if (i + 3 >= n || s[i + 1] != 'x')
			return -1;
		hi = s[i + 2] <= '9' ? s[i + 2] - '0' : s[i + 2] - 'a' + 10;
		lo = s[i + 3] <= '9' ? s[i + 3] - '0' : s[i + 3] - 'a' + 10;
		out[k++] = (uint8_t)(hi << 4 | lo);
		i += 3;
	}
	return (long)k;
}

/*
 * One line, ending in its only '\n', printable ASCII before it, at a
 * priority no worker may exceed; without truncation, the escaped text
 * decodes back to the record exactly.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rec, out[LOG_LINE_MAX];
	uint8_t back[LOG_LINE_MAX];
	size_t n, i, skip, pre;
	int prio;
	long k;

	if ((rec = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(rec, data, size);
	prio = log_worker_prio(rec, size, &skip);
	if (prio < LOG_ERR || prio > LOG_DEBUG || skip > 1)
		abort();
	n = log_format_line(out, sizeof(out), 1, "t", 1, prio, "w",
	    rec + skip, size - skip);
	if (n == 0 || n >= sizeof(out) || out[n - 1] != '\n' ||
	    out[n] != '\0' || memcmp(out, "<", 1) != 0 ||
	    out[1] - '0' != prio || memcmp(out + 2, ">w: ", 4) != 0)
		abort();
	for (i = 0; i < n - 1; i++)
		if (out[i] < 0x20 || out[i] >= 0x7f)
			abort();
	pre = 6;
	if (n < 4 || memcmp(out + n - 4, "...\n", 4) != 0) {
		k = unescape(out + pre, n - 1 - pre, back);
		if (k != (long)(size - skip) ||
		    memcmp(back, rec + skip, size - skip) != 0)
			abort();
	}
	free(rec);
	return 0;
}
