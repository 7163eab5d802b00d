/* SPDX-License-Identifier: ISC */
/* libFuzzer harness: policy_parse, and print -> reparse gives the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct policy a, b;
	struct gw_diag d;
	char *text = NULL;
	size_t tlen = 0;
	FILE *fp;

	if (policy_parse("fuzz", data, len, &a, &d) != 0) {
		if (d.line == 0 || d.col == 0 || d.msg[0] == '\0')
			abort();
		return 0;
	}
	if ((fp = open_memstream(&text, &tlen)) == NULL)
		abort();
	policy_print(fp, &a);
	if (fclose(fp) != 0)
		abort();
	if (policy_parse("print", (const uint8_t *)text, tlen, &b, &d) != 0) {
		fprintf(stderr, "reparse: %u:%u: %s\n%s", d.line, d.col,
		    d.msg, text);
		abort();
	}
	/* Source positions cannot survive printing; everything else must. */
	policy_forget_positions(&a);
	policy_forget_positions(&b);
	if (memcmp(&a, &b, sizeof(a)) != 0) {
		fprintf(stderr, "round trip differs:\n%s", text);
		abort();
	}
	free(text);
	return 0;
}
