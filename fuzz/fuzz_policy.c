/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness: policy_parse_all, whose errors are all well formed
 * and whose first is policy_parse's; and print -> reparse gives the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_errors(const uint8_t *data, size_t len, const struct policy_diags *dl)
{
	static struct policy c;
	struct gw_diag d;
	size_t i;

	if (dl->n == 0 || dl->n > POLICY_MAX_DIAGS ||
	    (dl->more && dl->n != POLICY_MAX_DIAGS))
		abort();
	for (i = 0; i < dl->n; i++)
		if (dl->d[i].line == 0 || dl->d[i].col == 0 ||
		    dl->d[i].msg[0] == '\0' ||
		    memchr(dl->d[i].msg, '\0', sizeof(dl->d[i].msg)) == NULL)
			abort();
	if (policy_parse("fuzz", data, len, &c, &d) != GW_ERR_INVALID ||
	    memcmp(&d, &dl->d[0], sizeof(d)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct policy a, b;
	static struct policy_diags dl;
	struct gw_diag d;
	char *text = NULL;
	size_t tlen = 0;
	FILE *fp;

	if (policy_parse_all("fuzz", data, len, &a, &dl) != 0) {
		check_errors(data, len, &dl);
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
