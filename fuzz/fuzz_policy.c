/* SPDX-License-Identifier: ISC */
/* libFuzzer harness: policy_parse, and print -> reparse gives the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Source positions cannot survive printing; everything else must. */
static void
normalize(struct policy *p)
{
	struct listener_conf *l;
	size_t i, j;

	memset(&p->user_pos, 0, sizeof(p->user_pos));
	for (i = 0; i < POLICY_MAX_LISTENERS; i++) {
		l = &p->listeners[i];
		memset(&l->owner_pos, 0, sizeof(l->owner_pos));
		memset(&l->group_pos, 0, sizeof(l->group_pos));
		l->line = 0;
		for (j = 0; j < POLICY_MAX_RULES; j++) {
			memset(&l->rules[j].pos, 0, sizeof(l->rules[j].pos));
			l->rules[j].line = 0;
		}
	}
}

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
	normalize(&a);
	normalize(&b);
	if (memcmp(&a, &b, sizeof(a)) != 0) {
		fprintf(stderr, "round trip differs:\n%s", text);
		abort();
	}
	free(text);
	return 0;
}
