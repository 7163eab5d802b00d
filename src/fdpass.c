/* SPDX-License-Identifier: ISC */
/* One record and at most one descriptor over a Unix socket (SCM_RIGHTS). */
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include "fdpass.h"

/*
 * Room for this many descriptors in what we receive: a sender that
 * attaches more than one still has them seen, and closed, here; beyond
 * it the kernel truncates the control data and closes the rest itself.
 */
#define FDPASS_ROOM	8

ssize_t
fdpass_send(int sock, const void *buf, size_t len, int fd, int flags)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)buf;	/* sendmsg only reads it */
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&c, 0, sizeof(c));
		msg.msg_control = c.buf;
		msg.msg_controllen = sizeof(c.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, flags);
}

ssize_t
fdpass_recv(int sock, void *buf, size_t len, int flags, int *fd, int *bad)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(FDPASS_ROOM * sizeof(int))];
	} c;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	size_t i, n;
	ssize_t r;
	int one;

	*fd = -1;
	*bad = 0;
	memset(&msg, 0, sizeof(msg));
	memset(&c, 0, sizeof(c));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = c.buf;
	msg.msg_controllen = sizeof(c.buf);
	if ((r = recvmsg(sock, &msg, flags)) == -1)
		return -1;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		*bad = 1;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			*bad = 1;
			continue;
		}
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&one, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (*fd == -1)
				*fd = one;
			else {
				(void)close(one);
				*bad = 1;
			}
		}
	}
	if (*bad && *fd != -1) {
		(void)close(*fd);
		*fd = -1;
	}
	return r;
}
