/* SPDX-License-Identifier: ISC */
/*
 * Policy value syntax (PURE): numbers, durations, sizes, names, paths;
 * and the key nearest to a misspelt one.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

#define SUGGEST_MAX	32	/* longer words get no "did you mean" */

/*
 * The one bounded number converter: decimal digits only (no sign, no
 * blanks, no base prefix), value in [min, max]. Returns 0 or -1.
 */
int
policy_tonum(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A number followed by a unit from a table; the product in [min, max]. */
const struct unit policy_dur_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 }, { "h", 3600 * 1000 },
	{ NULL, 0 }
};
const struct unit policy_size_units[] = {
	{ "", 1 }, { "K", 1024 }, { "M", 1024 * 1024 },
	{ "G", 1024 * 1024 * 1024 }, { NULL, 0 }
};

int
policy_tounit(const struct tok *t, const struct unit *u, uint64_t min,
    uint64_t max, uint64_t *out)
{
	size_t n;
	uint64_t v;

	for (n = 0; n < t->len && t->p[n] >= '0' && t->p[n] <= '9'; n++)
		;
	for (; u->sfx != NULL; u++) {
		if (strlen(u->sfx) != t->len - n ||
		    memcmp(u->sfx, t->p + n, t->len - n) != 0)
			continue;
		if (policy_tonum(t->p, n, 0, UINT64_MAX, &v) != 0 ||
		    v > UINT64_MAX / u->mul)
			return -1;
		v *= u->mul;
		if (v < min || v > max)
			return -1;
		*out = v;
		return 0;
	}
	return -1;
}

/* Print v with the largest unit that divides it exactly. */
const char *
policy_fmtunit(char *buf, size_t len, uint64_t v, const struct unit *u)
{
	const struct unit *best = u;

	for (; u->sfx != NULL; u++)
		if (v != 0 && v % u->mul == 0)
			best = u;
	(void)snprintf(buf, len, "%llu%s",
	    (unsigned long long)(v / best->mul), best->sfx);
	return buf;
}

/*
 * User, group and listener names: letters, digits, '.', '_', '-', not
 * starting with '-'; user and group names may end in '$' (machine
 * accounts) and must not be all digits (a uid is written "uid N").
 */
int
policy_goodname(const struct tok *t, int listener)
{
	size_t i;
	int alldigit = 1;
	char c;

	if (t->len == 0 || t->len >= POLICY_NAME_MAX || t->p[0] == '-')
		return 0;
	for (i = 0; i < t->len; i++) {
		c = t->p[i];
		if (c >= '0' && c <= '9')
			continue;
		alldigit = 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || c == '.' || c == '-')
			continue;
		if (c == '$' && !listener && i == t->len - 1 && i > 0)
			continue;
		return 0;
	}
	if (listener)
		return t->p[0] != '.' && t->p[0] != '_';
	return !alldigit;
}

/* NULL if the path is acceptable, else why not. */
const char *
policy_path_problem(const struct tok *t)
{
	const char *p = t->p;
	size_t i, n, len = t->len;

	if (p[0] == '@') {
		if (len == 1)
			return "the abstract socket name after '@' is empty";
		if (len > POLICY_PATH_MAX - 1)
			return "too long: an abstract name holds at most "
			    "107 bytes including '@'";
		return NULL;
	}
	if (p[0] != '/')
		return "must be absolute (start with '/') or abstract "
		    "(start with '@')";
	if (len > POLICY_FSPATH_MAX)
		return "too long: at most 91 bytes, leaving 16 of sun_path's "
		    "108 for the temporary name used during bind";
	if (p[len - 1] == '/')
		return "must not end with '/'";
	for (i = 0; i < len; i += n + 1) {
		for (n = 0; i + 1 + n < len && p[i + 1 + n] != '/'; n++)
			;
		if (n == 0)
			return "must not contain '//'";
		if (n == 1 && p[i + 1] == '.')
			return "must not contain a '.' component";
		if (n == 2 && p[i + 1] == '.' && p[i + 2] == '.')
			return "must not contain a '..' component";
	}
	return NULL;
}

/*
 * Optimal string alignment distance (Levenshtein plus the swap of two
 * neighbours, so "mdoe" is 1 from "mode"). Both lengths <= SUGGEST_MAX.
 */
static unsigned int
editdist(const char *a, size_t n, const char *b, size_t m)
{
	unsigned char d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
	unsigned int v;
	size_t i, j;

	for (i = 0; i <= n; i++)
		d[i][0] = (unsigned char)i;
	for (j = 0; j <= m; j++)
		d[0][j] = (unsigned char)j;
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= m; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	}
	return d[n][m];
}

/* Is name nearer to t than *bestd (and near enough)? Then take it. */
static void
nearer(const struct tok *t, const char *name, const char **best,
    unsigned int *bestd)
{
	unsigned int d, near;
	size_t n;

	if ((n = strlen(name)) > SUGGEST_MAX)
		return;
	near = n <= 4 ? 1 : 2;
	d = editdist(t->p, t->len, name, n);
	if (d <= near && d < *bestd) {
		*best = name;
		*bestd = d;
	}
}

/* Ties go to the first in the key table. */
const char *
policy_suggest(const struct tok *t)
{
	const char *best = NULL;
	unsigned int bestd = ~0u;
	size_t i;

	if (t->len > SUGGEST_MAX)
		return NULL;
	for (i = 0; i <= NKEYS; i++)
		nearer(t, i < NKEYS ? policy_keys[i].name : "listener", &best,
		    &bestd);
	return best;
}

const char *
policy_suggest_word(const struct tok *t, const char *const *words,
    size_t nwords)
{
	const char *best = NULL;
	unsigned int bestd = ~0u;
	size_t i;

	if (t->len > SUGGEST_MAX)
		return NULL;
	for (i = 0; i < nwords; i++)
		nearer(t, words[i], &best, &bestd);
	return best;
}

int
policy_tokeq(const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->len == n && memcmp(t->p, s, n) == 0;
}

void
policy_copytok(char *dst, const struct tok *t)
{
	memcpy(dst, t->p, t->len);
	dst[t->len] = '\0';
}
