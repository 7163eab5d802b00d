/* SPDX-License-Identifier: ISC */
/* fdpass: one descriptor passes; any other shape leaves none behind. */
#include <sys/socket.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdpass.h"

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* The lowest free descriptor numbers are what a leak would take. */
static void
test_one(void **state)
{
	int sv[2], fd, got, bad;
	char b = 'x', r = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(fdpass_send(sv[0], &b, 1, fd, 0), 1);
	assert_int_equal(fdpass_recv(sv[1], &r, 1, MSG_CMSG_CLOEXEC, &got,
	    &bad), 1);
	assert_int_equal(bad, 0);
	assert_int_equal(r, 'x');
	assert_true(got != -1 && got != fd);
	assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
	close(got);
	/* No descriptor: none received. */
	assert_int_equal(fdpass_send(sv[0], &b, 1, -1, 0), 1);
	assert_int_equal(fdpass_recv(sv[1], &r, 1, 0, &got, &bad), 1);
	assert_int_equal(got, -1);
	assert_int_equal(bad, 0);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* A hostile sender attaches three: all are closed, the record is bad. */
static void
test_several(void **state)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(3 * sizeof(int))];
	} c;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	int sv[2], fds[3], got, bad, i, probe;
	char b = 'y', r = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	for (i = 0; i < 3; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY)) != -1);
	memset(&msg, 0, sizeof(msg));
	memset(&c, 0, sizeof(c));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = c.buf;
	msg.msg_controllen = sizeof(c.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	assert_int_equal(sendmsg(sv[0], &msg, 0), 1);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	/* The three slots are free again; received ones would take them. */
	assert_int_equal(fdpass_recv(sv[1], &r, 1, MSG_CMSG_CLOEXEC, &got,
	    &bad), 1);
	assert_int_equal(bad, 1);
	assert_int_equal(got, -1);
	for (i = 0; i < 3; i++)
		assert_false(is_open(fds[i]));
	assert_true((probe = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(probe, fds[0] < fds[1] ? fds[0] : fds[1]);
	close(probe);
	close(sv[0]);
	close(sv[1]);
}

/* A record longer than the buffer is bad, and its descriptor closed. */
static void
test_truncated(void **state)
{
	int sv[2], fd, got, bad;
	char b[8] = "toolong", r[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(fdpass_send(sv[0], b, sizeof(b), fd, 0), 8);
	close(fd);
	assert_int_equal(fdpass_recv(sv[1], r, sizeof(r), 0, &got, &bad), 2);
	assert_int_equal(bad, 1);
	assert_int_equal(got, -1);
	assert_false(is_open(fd));
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
