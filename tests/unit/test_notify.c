/* SPDX-License-Identifier: ISC */
/* cmocka tests for the NOTIFY_SOCKET address parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "notify.h"

static void
test_path(void **state)
{
	struct sockaddr_un sun;
	socklen_t len;

	(void)state;
	len = notify_parse_addr("/run/systemd/notify", &sun);
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 19);
	assert_int_equal(sun.sun_family, AF_UNIX);
	assert_string_equal(sun.sun_path, "/run/systemd/notify");
}

static void
test_abstract(void **state)
{
	struct sockaddr_un sun;
	socklen_t len;

	(void)state;
	len = notify_parse_addr("@notify/1", &sun);
	/* A real NUL first, and the length ends at the name: no padding. */
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 9);
	assert_int_equal(sun.sun_path[0], '\0');
	assert_memory_equal(sun.sun_path + 1, "notify/1", 8);
}

static void
test_refused(void **state)
{
	struct sockaddr_un sun;
	char longest[sizeof(sun.sun_path) + 1];

	(void)state;
	assert_int_equal(notify_parse_addr("", &sun), 0);
	assert_int_equal(notify_parse_addr("@", &sun), 0);
	assert_int_equal(notify_parse_addr("/", &sun), 0);
	assert_int_equal(notify_parse_addr("run/notify", &sun), 0);
	memset(longest, 'a', sizeof(longest) - 1);
	longest[0] = '/';
	longest[sizeof(longest) - 1] = '\0';	/* 108 bytes: too long */
	assert_int_equal(notify_parse_addr(longest, &sun), 0);
	longest[sizeof(longest) - 2] = '\0';	/* 107: fits */
	assert_int_not_equal(notify_parse_addr(longest, &sun), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
