/* SPDX-License-Identifier: ISC */
/* One record and at most one descriptor over a Unix socket (SCM_RIGHTS). */
#ifndef UDSGW_FDPASS_H
#define UDSGW_FDPASS_H

#include <sys/types.h>
#include <stddef.h>

/*
 * fdpass_send: sendmsg() one record of len bytes with fd attached (-1:
 * none) and flags (the callers' seccomp filters check them). Returns
 * what sendmsg returned; fd stays the caller's.
 */
ssize_t	 fdpass_send(int sock, const void *buf, size_t len, int fd,
	    int flags);

/*
 * fdpass_recv: recvmsg() one record into buf with flags (give
 * MSG_CMSG_CLOEXEC). *fd is the one descriptor that came with it, or -1.
 * The record is bad (*bad 1) when it or its control data was truncated,
 * when it carried anything but SCM_RIGHTS, or more than one descriptor:
 * then every descriptor that came is closed and *fd is -1, so that a
 * hostile sender can never leave descriptors in the receiver. Returns
 * what recvmsg returned.
 */
ssize_t	 fdpass_recv(int sock, void *buf, size_t len, int flags, int *fd,
	    int *bad);

#endif /* UDSGW_FDPASS_H */
