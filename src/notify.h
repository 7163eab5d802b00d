/* SPDX-License-Identifier: ISC */
/* sd_notify(3) in a few lines, without libsystemd. */
#ifndef UDSGW_NOTIFY_H
#define UDSGW_NOTIFY_H

#include <sys/socket.h>
#include <sys/un.h>

/*
 * notify_init: read and unset NOTIFY_SOCKET (absolute path or "@name"
 * for the abstract namespace). Returns 1 if notifications are enabled.
 */
int	 notify_init(void);
/*
 * notify_parse_addr: the NOTIFY_SOCKET value s (NUL-terminated) as an
 * AF_UNIX address in *sun: "/path", or "@name" for the abstract
 * namespace (written with a real NUL first, and length-delimited).
 * Returns the address length to pass to sendto(), or 0 (sun untouched)
 * if s is empty, relative, "@" alone or too long. Pure.
 */
socklen_t notify_parse_addr(const char *s, struct sockaddr_un *sun);
/* notify_send: one datagram; -1 with errno, 0 otherwise (or disabled). */
int	 notify_send(const char *msg);

/*
 * notify_reloading: "RELOADING=1" with MONOTONIC_USEC (CLOCK_MONOTONIC),
 * as Type=notify-reload expects; as notify_send.
 */
int	 notify_reloading(void);

#endif /* UDSGW_NOTIFY_H */
