/* SPDX-License-Identifier: ISC */
/*
 * The documentation follows the code: every key in the parser's own
 * table (policy_keys[], policy.c) is documented in uds-gateway.policy(5),
 * shown in the packaged /etc/uds-gateway/gateway.policy, and used in the
 * "every key" golden policy; every long option in main.c's getopt table
 * is documented in uds-gateway(8). A key or option added to the code and
 * not to the documents fails here, whatever its name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_int.h"

#define MAN8		"docs/uds-gateway.8"
#define MAN5		"docs/uds-gateway.policy.5"
#define PACKAGED	"policy/gateway.policy"
#define EVERYKEY	TEST_DATA_DIR "/good-full.policy"
#define MAINC		"src/main.c"

/* A whole file as a string, or a failed test. */
static char *
slurp(const char *path)
{
	FILE *fp;
	char *buf;
	long len;

	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("%s: cannot open (run from the source tree)", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	assert_true(len > 0);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

static int
isword(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

/* Does text hold pre followed by word as a whole word? */
static int
has_word_after(const char *text, const char *pre, const char *word)
{
	size_t pl = strlen(pre), wl = strlen(word);
	const char *s;

	for (s = strstr(text, pre); s != NULL; s = strstr(s + 1, pre))
		if (strncmp(s + pl, word, wl) == 0 && !isword(s[pl + wl]) &&
		    (s == text || !isword(s[-1])))
			return 1;
	return 0;
}

/* Is word, after pre, on an item line (".It ...") of the man page? */
static int
has_item(const char *man, const char *pre, const char *word)
{
	const char *s, *e;
	char line[256];
	size_t n;

	for (s = strstr(man, "\n.It "); s != NULL; s = strstr(e, "\n.It ")) {
		s++;
		e = strchr(s, '\n');
		n = e == NULL ? strlen(s) : (size_t)(e - s);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, s, n);
		line[n] = '\0';
		if (has_word_after(line, pre, word))
			return 1;
		if (e == NULL)
			break;
	}
	return 0;
}

/*
 * Does a line of the policy text set the key: the key first (after
 * blanks), then a blank? When commented is set, a commented-out setting
 * counts too, "# key<TAB>value": the tab tells it from prose that
 * happens to begin with a key's name ("# mode has let the peer ...").
 */
static int
has_key_line(const char *text, const char *key, int commented)
{
	size_t kl = strlen(key);
	const char *s = text;
	int hash;

	while (*s != '\0') {
		while (*s == ' ' || *s == '\t')
			s++;
		hash = commented && *s == '#';
		if (hash)
			for (s++; *s == ' ' || *s == '\t'; s++)
				;
		if (strncmp(s, key, kl) == 0 && (s[kl] == '\t' ||
		    (!hash && s[kl] == ' ')))
			return 1;
		if ((s = strchr(s, '\n')) == NULL)
			break;
		s++;
	}
	return 0;
}

static void
test_keys_in_man5(void **state)
{
	char *man = slurp(MAN5);
	int i, bad = 0;

	(void)state;
	for (i = 0; i < NKEYS; i++)
		if (!has_item(man, "Ic ", policy_keys[i].name)) {
			print_error("%s: key '%s' is not documented "
			    "(\".It Ic %s\")\n", MAN5, policy_keys[i].name,
			    policy_keys[i].name);
			bad++;
		}
	free(man);
	assert_int_equal(bad, 0);
}

/* The man page documents no key the parser does not know. */
static void
test_man5_keys_exist(void **state)
{
	char *man = slurp(MAN5), *s, *e;
	int i, j, bad = 0, n = 0;

	(void)state;
	for (s = man; (s = strstr(s, "\n.It Ic ")) != NULL; s = e) {
		s += strlen("\n.It Ic ");
		for (e = s; isword(*e); e++)
			;
		if (e - s == 8 && strncmp(s, "listener", 8) == 0)
			continue;	/* the block, not a key */
		n++;
		for (i = 0; i < NKEYS; i++)
			if (strlen(policy_keys[i].name) == (size_t)(e - s) &&
			    strncmp(s, policy_keys[i].name, (size_t)(e - s)) == 0)
				break;
		for (j = 0; i == NKEYS && j < POLICY_UPSTREAM_NKEYS; j++)
			if (strlen(policy_upstream_keys[j]) ==
			    (size_t)(e - s) && strncmp(s,
			    policy_upstream_keys[j], (size_t)(e - s)) == 0)
				i = 0;
		if (i == NKEYS) {
			print_error("%s: documents '%.*s', which the parser "
			    "does not know\n", MAN5, (int)(e - s), s);
			bad++;
		}
	}
	free(man);
	assert_true(n >= NKEYS - 1);	/* allow and deny share an item */
	assert_int_equal(bad, 0);
}

/* Every key on a line of the policy file at path (commented too, or not). */
static void
keys_in_policy(const char *path, int commented, const char *missing)
{
	char *pol = slurp(path);
	int i, bad = 0;

	for (i = 0; i < NKEYS; i++)
		if (!has_key_line(pol, policy_keys[i].name, commented)) {
			print_error("%s: key '%s' is not %s\n", path,
			    policy_keys[i].name, missing);
			bad++;
		}
	free(pol);
	assert_int_equal(bad, 0);
}

/* The upstream block's keys: documented, shown and used too. */
static void
test_upstream_keys(void **state)
{
	char *man = slurp(MAN5), *pk = slurp(PACKAGED), *ek = slurp(EVERYKEY);
	int i, bad = 0;
	const char *k;

	(void)state;
	for (i = 0; i < POLICY_UPSTREAM_NKEYS; i++) {
		k = policy_upstream_keys[i];
		if (!has_item(man, "Ic ", k) || !has_key_line(pk, k, 1) ||
		    !has_key_line(ek, k, 0)) {
			print_error("upstream key '%s' is not documented in %s, "
			    "shown in %s and used in %s\n", k, MAN5, PACKAGED,
			    EVERYKEY);
			bad++;
		}
	}
	free(man);
	free(pk);
	free(ek);
	assert_int_equal(bad, 0);
}

static void
test_keys_in_packaged_policy(void **state)
{
	(void)state;
	keys_in_policy(PACKAGED, 1, "shown");
}

static void
test_keys_in_every_key_policy(void **state)
{
	(void)state;
	keys_in_policy(EVERYKEY, 0, "used");
}

/*
 * Every { "name", ... } in main.c's longopts[] is an ".It Fl \-name" item
 * of uds-gateway(8), and every short option an ".It Fl x" item.
 */
static void
test_options_in_man8(void **state)
{
	char *src = slurp(MAINC), *man = slurp(MAN8);
	char *s, *end, *e, name[64];
	int bad = 0, n = 0;

	(void)state;
	s = strstr(src, "longopts[] = {");
	assert_non_null(s);
	end = strstr(s, "};");
	assert_non_null(end);
	while ((s = strstr(s, "{ \"")) != NULL && s < end) {
		s += 3;
		e = strchr(s, '"');
		assert_non_null(e);
		assert_true(e - s > 0 && (size_t)(e - s) < sizeof(name));
		memcpy(name, s, (size_t)(e - s));
		name[e - s] = '\0';
		n++;
		if (!has_item(man, "Fl \\-", name)) {
			print_error("%s: option --%s is not documented\n",
			    MAN8, name);
			bad++;
		}
		s = e;
	}
	/* and the short ones of the getopt string */
	s = strstr(src, "getopt_long(argc, argv, \"");
	assert_non_null(s);
	for (s += strlen("getopt_long(argc, argv, \""); *s != '"'; s++) {
		if (*s == ':' || *s == 'h')	/* -h is --help */
			continue;
		name[0] = *s;
		name[1] = '\0';
		n++;
		if (!has_item(man, "Fl ", name)) {
			print_error("%s: option -%s is not documented\n",
			    MAN8, name);
			bad++;
		}
	}
	free(src);
	free(man);
	assert_true(n >= 6);
	assert_int_equal(bad, 0);
}

/* The footer names the project and its version, not "BSD". */
static void
test_man_os_version(void **state)
{
	const char *pages[] = { MAN8, MAN5 };
	char want[64], *man, *os = NULL;
	size_t i;
	int found;

	(void)state;
	(void)snprintf(want, sizeof(want), "\n.Os uds-gateway %s\n",
	    GW_VERSION);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		man = slurp(pages[i]);
		found = strstr(man, want) != NULL;
		if (!found && (os = strstr(man, "\n.Os")) != NULL)
			os[strcspn(os + 1, "\n") + 1] = '\0';
		if (!found)
			print_error("%s: '%s' is not '%.*s'\n", pages[i],
			    os != NULL ? os + 1 : "(no .Os)",
			    (int)strlen(want) - 2, want + 1);
		free(man);
		assert_true(found);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_in_man5),
		cmocka_unit_test(test_man5_keys_exist),
		cmocka_unit_test(test_keys_in_packaged_policy),
		cmocka_unit_test(test_upstream_keys),
		cmocka_unit_test(test_keys_in_every_key_policy),
		cmocka_unit_test(test_options_in_man8),
		cmocka_unit_test(test_man_os_version),
	};

	return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}
